//! kubectl's errors and exit codes from the built binary: a missing object of every kind
//! under every verb that takes a name is the server's NotFound line on stderr and exit 1;
//! several names print what was found and report the rest; `--ignore-not-found`;
//! AlreadyExists; usage errors (unknown verb, flag or kind, missing arguments, bad -o,
//! --timeout or selector) and an engine that does not answer.

mod common;

use std::process::{Command, Output, Stdio};

use common::*;

/// The CLI against `e`, the global flags first so that words after `--` stay the
/// container's.
fn dj(e: &Engine, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--socket")
        .arg(&e.socket)
        .args(["-n", &e.namespace])
        .args(args)
        .env("DOCKJOB_NO_AUTOSTART", "1")
        .env_remove("DOCKJOB_SOCKET")
        .stdin(Stdio::null())
        .output()
        .expect("cli runs")
}

/// The CLI with no engine anywhere: a socket nobody listens on, never autostarting.
fn dj_no_engine(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    Command::new(bin())
        .arg("--socket")
        .arg(dir.path().join("nobody.sock"))
        .arg("--no-autostart")
        .args(args)
        .env_remove("DOCKJOB_SOCKET")
        .stdin(Stdio::null())
        .output()
        .expect("cli runs")
}

/// Asserts exit code 1, nothing on stdout and exactly `err` on stderr.
fn fails_with(out: &Output, what: &str, err: &str) {
    assert_eq!(
        (
            out.status.code(),
            stdout(out).as_str(),
            stderr(out).as_str()
        ),
        (Some(1), "", err),
        "{what}"
    );
}

fn not_found(resource: &str, name: &str) -> String {
    format!("Error from server (NotFound): {resource} \"{name}\" not found\n")
}

/// Each kind dockjob serves: the words a user types for it, and the resource the
/// server names in its NotFound message.
const KINDS: [(&[&str], &str); 7] = [
    (&["jobs", "job", "jobs.batch"], "jobs.batch"),
    (&["cronjobs", "cronjob", "cj"], "cronjobs.batch"),
    (&["pods", "pod", "po"], "pods"),
    (&["replicasets", "rs"], "replicasets.apps"),
    (&["services", "svc"], "services"),
    (&["configmaps", "cm"], "configmaps"),
    (&["secrets", "secret"], "secrets"),
];

#[test]
fn a_missing_object_is_the_servers_not_found_under_every_verb() {
    let e = Engine::start();
    for (words, resource) in KINDS {
        let expect = not_found(resource, "x");
        for word in words {
            for verb in ["get", "describe", "delete"] {
                let out = dj(&e, &[verb, word, "x"]);
                fails_with(&out, &format!("{verb} {word} x"), &expect);
                let slash = format!("{word}/x");
                let out = dj(&e, &[verb, &slash]);
                fails_with(&out, &format!("{verb} {slash}"), &expect);
            }
        }
        let first = words[0];
        for args in [
            vec!["get", first, "x", "-o", "yaml"],
            vec!["get", first, "x", "-o", "json"],
            vec!["get", first, "x", "-o", "name"],
            vec!["get", first, "x", "-o", "wide"],
            vec!["get", first, "x", "-w"],
        ] {
            fails_with(&dj(&e, &args), &args.join(" "), &expect);
        }
    }
    fails_with(
        &dj(&e, &["get", "events", "x"]),
        "get events x",
        &not_found("events", "x"),
    );
    // The verbs that reach an object through another.
    for (args, resource) in [
        (vec!["logs", "x"], "pods"),
        (vec!["logs", "pod/x"], "pods"),
        (vec!["logs", "x", "-c", "main", "--tail=1"], "pods"),
        (vec!["logs", "job/x"], "jobs.batch"),
        (
            vec!["wait", "--for=condition=complete", "job/x"],
            "jobs.batch",
        ),
        (vec!["wait", "--for=condition=ready", "pod/x"], "pods"),
        (vec!["port-forward", "pod/x", "8080:80"], "pods"),
        (vec!["port-forward", "x", "8080:80"], "pods"),
        (vec!["port-forward", "svc/x", "8080:80"], "services"),
        (vec!["port-forward", "rs/x", "8080:80"], "replicasets.apps"),
        (vec!["port-forward", "job/x", "8080:80"], "jobs.batch"),
        (
            vec!["create", "job", "y", "--from=cronjob/x"],
            "cronjobs.batch",
        ),
    ] {
        fails_with(&dj(&e, &args), &args.join(" "), &not_found(resource, "x"));
    }
    // delete -f: kubectl's AddSourceToErr names the file (STDIN for `-`).
    let file = e.dir.path().join("cm.yaml");
    std::fs::write(&file, CONFIGMAP).expect("write manifest");
    let file = file.to_str().expect("utf-8 path");
    fails_with(
        &dj(&e, &["delete", "-f", file]),
        "delete -f",
        &format!(
            "Error from server (NotFound): error when deleting \"{file}\": configmaps \"found\" not found\n"
        ),
    );
    let out = e.cli_stdin(&["delete", "-f", "-"], Some(CONFIGMAP));
    fails_with(
        &out,
        "delete -f -",
        "Error from server (NotFound): error when deleting \"STDIN\": configmaps \"found\" not found\n",
    );
    let out = dj(&e, &["delete", "-f", file, "--ignore-not-found"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "No resources found\n");
    // kubectl's wait --for=delete ignores NotFound: a missing object is deleted.
    let out = dj(&e, &["wait", "--for=delete", "job/x", "--timeout=5s"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

const CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: found\ndata:\n  a: \"1\"\n";

#[test]
fn several_names_print_what_was_found_and_report_the_rest() {
    let e = Engine::start();
    e.apply(CONFIGMAP);

    // kubectl get: the found objects on stdout, one NotFound line per missing name on
    // stderr, exit 1.
    let out = dj(&e, &["get", "cm", "found", "gone", "lost"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with("NAME    DATA   AGE"), "{table}");
    assert!(lines[1].starts_with("found   1      "), "{table}");
    assert_eq!(
        stderr(&out),
        format!(
            "{}{}",
            not_found("configmaps", "gone"),
            not_found("configmaps", "lost")
        )
    );
    // On one terminal, kubectl's order: what was found, then the errors.
    let both = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" --socket "$1" -n "$2" get cm gone found 2>&1"#)
        .arg(bin())
        .arg(&e.socket)
        .arg(&e.namespace)
        .env("DOCKJOB_NO_AUTOSTART", "1")
        .output()
        .expect("sh runs");
    let merged = stdout(&both);
    assert!(
        merged.starts_with("NAME    DATA   AGE\nfound   1  ")
            && merged.ends_with(&not_found("configmaps", "gone")),
        "{merged}"
    );
    let out = dj(&e, &["get", "cm", "gone", "found", "-o", "name"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "configmap/found\n");
    assert_eq!(stderr(&out), not_found("configmaps", "gone"));
    // Several names give a List even when one was missing.
    let out = dj(&e, &["get", "cm", "gone", "found", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"][0]["metadata"]["name"], "found");

    // --ignore-not-found: the missing ones are skipped silently, exit 0, and nothing
    // found is no "No resources found" either.
    let out = dj(&e, &["get", "cm", "found", "gone", "--ignore-not-found"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(stdout(&out).contains("\nfound   1 "), "{}", stdout(&out));
    for output in [None, Some("json"), Some("name")] {
        let mut args = vec!["get", "cm", "gone", "--ignore-not-found"];
        if let Some(o) = output {
            args.extend(["-o", o]);
        }
        let out = dj(&e, &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
    }
    let out = dj(&e, &["get", "secrets", "--ignore-not-found"]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "no `No resources found` with the flag");
    let out = dj(&e, &["get", "secrets"]);
    assert_eq!(
        stderr(&out),
        format!("No resources found in {} namespace.\n", e.namespace)
    );

    // kubectl delete: the found ones go, the missing ones are reported, exit 1.
    // (Suspended Jobs: they start no pod, and their deletion completes at once.)
    e.apply(&suspended_job("found"));
    let out = dj(&e, &["delete", "job", "gone", "found"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch \"found\" deleted\n");
    assert_eq!(stderr(&out), not_found("jobs.batch", "gone"));
    e.apply(&suspended_job("found"));
    let both = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" --socket "$1" -n "$2" delete job gone found 2>&1"#)
        .arg(bin())
        .arg(&e.socket)
        .arg(&e.namespace)
        .env("DOCKJOB_NO_AUTOSTART", "1")
        .output()
        .expect("sh runs");
    assert_eq!(
        stdout(&both),
        format!(
            "job.batch \"found\" deleted\n{}",
            not_found("jobs.batch", "gone")
        )
    );
    let out = dj(&e, &["delete", "job", "found", "--ignore-not-found"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        (stdout(&out), stderr(&out)),
        ("No resources found\n".to_string(), String::new())
    );
    e.apply(&suspended_job("found"));
    let out = dj(
        &e,
        &[
            "delete",
            "jobs",
            "gone",
            "found",
            "--ignore-not-found",
            "--timeout=1m",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch \"found\" deleted\n");
}

fn suspended_job(name: &str) -> String {
    busybox_job(name, "", "  suspend: true\n", "Never", "true")
}

#[test]
fn creating_an_existing_job_is_already_exists() {
    let e = Engine::start();
    // A suspended template: the Jobs made from it start no pod.
    e.apply(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: \"0 3 * * *\"\n  suspend: true\n  jobTemplate:\n    spec:\n      suspend: true\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: main\n            image: dockjob-test/busybox:1\n",
    );
    let out = dj(&e, &["create", "job", "manual", "--from=cronjob/nightly"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch/manual created\n");
    // kubectl's create job wraps the server's error: `failed to create job: %v`.
    fails_with(
        &dj(&e, &["create", "job", "manual", "--from=cronjob/nightly"]),
        "create job twice",
        "error: failed to create job: jobs.batch \"manual\" already exists\n",
    );
    // kubectl run hands the server's error to CheckErr as it is.
    fails_with(
        &dj(
            &e,
            &["run", "manual", &format!("--image={BUSYBOX}"), "--", "true"],
        ),
        "run over an existing job",
        "Error from server (AlreadyExists): jobs.batch \"manual\" already exists\n",
    );
}

#[test]
fn usage_errors_exit_non_zero_with_kubectls_message_or_the_usage() {
    // Unknown verb and flag, missing required argument or flag: clap's error (or, for
    // `create` alone, its help) with the usage line, exit 2.
    for (args, says) in [
        (vec!["frob"], "error: unrecognized subcommand 'frob'"),
        (
            vec!["get", "--frob", "jobs"],
            "error: unexpected argument '--frob'",
        ),
        (
            vec!["wait", "job/x"],
            "error: the following required arguments",
        ),
        (vec!["describe"], "error: the following required arguments"),
        (vec!["create"], "Create an object from flags"),
    ] {
        let out = dj_no_engine(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with(says), "{args:?}: {err}");
        let usage = match args[0] {
            "frob" => "\nUsage: dockjob [OPTIONS] <COMMAND>".to_string(),
            verb => format!("\nUsage: dockjob {verb} "),
        };
        assert!(err.contains(&usage), "{args:?}: {err}");
        assert_eq!(stdout(&out), "");
    }
    // kubectl's own messages, exit 1, refused before any engine is asked.
    for (args, err) in [
        (
            vec!["get"],
            "You must specify the type of resource to get. Use one of: pods (po), jobs, cronjobs (cj), services (svc), replicasets (rs), configmaps (cm), secrets, events (ev), namespaces (ns), all.\n\n\
             error: Required resource not specified.\nSee 'dockjob get -h' for help and examples\n",
        ),
        (
            vec!["delete"],
            "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
        ),
        (
            vec!["wait", "--for=delete"],
            "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
        ),
        (
            vec!["wait", "--for=delete", "jobs"],
            "error: resource(s) were provided, but no name was specified\n",
        ),
        (
            vec!["delete", "jobs"],
            "error: resource(s) were provided, but no name was specified\n",
        ),
        (
            vec!["logs"],
            "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'dockjob logs -h' for help and examples\n",
        ),
        (
            vec!["create", "job"],
            "error: exactly one NAME is required, got 0\nSee 'dockjob create job -h' for help and examples\n",
        ),
        (
            vec!["get", "foo"],
            "error: the server doesn't have a resource type \"foo\"\n",
        ),
        (
            vec!["get", "jobs,foo"],
            "error: the server doesn't have a resource type \"foo\"\n",
        ),
        (
            vec!["delete", "foo/x"],
            "error: the server doesn't have a resource type \"foo\"\n",
        ),
        (
            vec!["get", "jobs", "-o", "x"],
            "error: unable to match a printer suitable for the output format \"x\", allowed formats are: custom-columns,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml\n",
        ),
        (
            vec!["wait", "--for=delete", "job/x", "--timeout=abc"],
            "error: invalid argument \"abc\" for \"--timeout\" flag: time: invalid duration \"abc\"\n",
        ),
        (
            vec!["delete", "job", "x", "--timeout=soon"],
            "error: invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\"\n",
        ),
        (
            vec!["get", "job", "x", "-l", "a=b"],
            "error: name cannot be provided when a selector is specified\n",
        ),
    ] {
        let out = dj_no_engine(&args);
        assert_eq!(
            (out.status.code(), stdout(&out), stderr(&out)),
            (Some(1), String::new(), err.to_string()),
            "{args:?}"
        );
    }
}

#[test]
fn a_bad_label_selector_is_the_servers_bad_request() {
    let e = Engine::start();
    for args in [
        vec!["get", "pods", "-l", "a in (b"],
        vec!["delete", "jobs", "-l", "a in (b"],
        vec!["wait", "--for=condition=complete", "jobs", "-l", "a in (b"],
    ] {
        let out = dj(&e, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out)
                .starts_with("Error from server (BadRequest): unable to parse requirement: "),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
fn an_engine_that_does_not_answer_is_an_error_naming_the_socket() {
    for args in [
        vec!["get", "jobs"],
        vec!["delete", "job", "x"],
        vec!["logs", "x"],
    ] {
        let out = dj_no_engine(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with("error: no dockjob engine answers on ")
                && err.contains("nobody.sock")
                && err.contains("dockjob server"),
            "{args:?}: {err}"
        );
        assert_eq!(stdout(&out), "");
    }
}
