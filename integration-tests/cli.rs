//! The CLI as a user types it, against a real engine and Docker: apply's verbs and
//! warnings, get's output formats, logs -f, describe, the watch API and the socket's
//! permissions.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::*;

fn job(name: &str, parallelism: u32, script: &str) -> String {
    busybox_job(
        name,
        "  labels:\n    app: cli-test\n",
        &format!("  parallelism: {parallelism}\n  completions: 1\n"),
        "Never",
        script,
    )
}

#[test]
fn apply_says_created_configured_unchanged_and_refuses_immutable_changes() {
    let e = Engine::start();
    assert_eq!(
        e.apply(&job("web", 1, "sleep 20")).trim(),
        "job.batch/web created"
    );
    assert_eq!(
        e.apply(&job("web", 1, "sleep 20")).trim(),
        "job.batch/web unchanged"
    );
    assert_eq!(
        e.apply(&job("web", 2, "sleep 20")).trim(),
        "job.batch/web configured"
    );
    assert_eq!(e.job("web")["spec"]["parallelism"], 2);

    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&job("web", 2, "sleep 21")));
    assert!(!out.status.success());
    let err = stderr(&out);
    // kubectl's StandardErrorMessage for a 422 with causes, after the document's place.
    assert!(
        err.starts_with(
            "error: <stdin>:1: The Job \"web\" is invalid: spec.template: Invalid value"
        ),
        "{err}"
    );
    assert!(err.contains("field is immutable"), "{err}");
}

#[test]
fn unknown_fields_warn_and_unsupported_fields_refuse_by_name() {
    let e = Engine::start();
    let typo = job("typo", 1, "true").replace(
        "        command:",
        "        imagePullPolice: Always\n        command:",
    );
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&typo));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains(r#"unknown field "spec.template.spec.containers[0].imagePullPolice""#),
        "{}",
        stderr(&out)
    );

    // A field dockjob cannot honour on one Docker host is refused by name, with its
    // place in the file.
    let host_net = job("hostnet", 1, "true").replace(
        "      restartPolicy: Never\n",
        "      restartPolicy: Never\n      hostNetwork: true\n",
    );
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&host_net));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("<stdin>:13:7: spec.template.spec.hostNetwork"),
        "{err}"
    );
    let listed = e.json(&["get", "jobs", "-a"]);
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["typo"], "the refused job was not applied");
}

#[test]
fn get_prints_tables_wide_yaml_json_and_names() {
    let e = Engine::start();
    e.apply(&job("fmt", 1, "echo hi"));
    e.wait_finished("fmt", Duration::from_secs(60));

    let wide = e.ok(&["get", "jobs", "-a", "-o", "wide"]);
    let header: Vec<&str> = wide.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "STATUS",
            "COMPLETIONS",
            "DURATION",
            "AGE",
            "CONTAINERS",
            "IMAGES",
            "SELECTOR"
        ]
    );
    assert!(wide.contains(BUSYBOX), "{wide}");

    assert_eq!(
        e.ok(&["get", "jobs", "-a", "-o", "name"]).trim(),
        "job.batch/fmt"
    );
    let yaml = e.ok(&["get", "job", "fmt", "-o", "yaml"]);
    for needle in [
        "apiVersion: batch/v1",
        "kind: Job",
        "backoffLimit: 6",
        "type: Complete",
    ] {
        assert!(yaml.contains(needle), "{needle} missing from:\n{yaml}");
    }
    let json = e.job("fmt");
    assert_eq!(
        json["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
        30
    );
    assert_eq!(json["spec"]["completionMode"], "NonIndexed");

    assert_eq!(
        e.ok(&["get", "jobs", "-a", "-l", "app=cli-test", "-o", "name"])
            .trim(),
        "job.batch/fmt"
    );
    assert_eq!(
        e.ok(&["get", "jobs", "-a", "-l", "app=other", "-o", "name"])
            .trim(),
        ""
    );

    let pods = e.ok(&["get", "pods", "-a"]);
    let header: Vec<&str> = pods.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert!(pods.lines().nth(1).unwrap().contains("Completed"), "{pods}");
    assert!(
        !e.ok(&["get", "pods"]).contains("fmt-"),
        "finished pods hidden without -a"
    );

    let missing = e.cli(&["get", "job", "nope"]);
    assert!(!missing.status.success());
    assert_eq!(
        stderr(&missing).trim(),
        r#"Error from server (NotFound): jobs.batch "nope" not found"#
    );
}

#[test]
fn logs_follow_streams_until_the_container_exits() {
    let e = Engine::start();
    e.apply(&job(
        "follow",
        1,
        "for i in 1 2 3 4; do echo line $i; sleep 0.5; done",
    ));
    eventually(Duration::from_secs(30), "the pod to run", || {
        e.pods("follow")
            .first()
            .filter(|p| p["status"]["phase"] == "Running")
            .map(|_| ())
    });
    let out = e.ok(&["logs", "-f", "job/follow"]);
    assert_eq!(out, "line 1\nline 2\nline 3\nline 4\n");
    let pod = e.pods("follow")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(e.ok(&["logs", &pod]), out);
}

#[test]
fn watch_api_streams_added_then_modified_until_complete() {
    let e = Engine::start();
    let mut stream = std::os::unix::net::UnixStream::connect(&e.socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET /apis/batch/v1/namespaces/{}/jobs?watch=true HTTP/1.1\r\nHost: x\r\n\r\n",
        e.namespace
    )
    .unwrap();
    e.apply(&job("watched", 1, "true"));
    let mut reader = BufReader::new(stream);
    let mut types = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "stream ended");
        let Ok(ev) = serde_json::from_str::<serde_json::Value>(line.trim()) else {
            continue; // HTTP headers
        };
        if !ev.is_object() {
            continue; // chunk sizes
        }
        types.push(ev["type"].as_str().unwrap().to_string());
        assert_eq!(ev["object"]["metadata"]["name"], "watched");
        if condition(&ev["object"], "Complete").is_some() {
            break;
        }
    }
    assert_eq!(types[0], "ADDED");
    assert!(types[1..].iter().all(|t| t == "MODIFIED"), "{types:?}");
}

#[test]
fn the_api_socket_is_private_to_the_engine_user() {
    let e = Engine::start();
    let mode = std::fs::metadata(&e.socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn describe_job_shows_counts_template_and_events() {
    let e = Engine::start();
    e.apply(&job("described", 1, "echo hi"));
    e.wait_finished("described", Duration::from_secs(60));
    let text = e.ok(&["describe", "job", "described"]);
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_string())
            .unwrap_or_else(|| panic!("{name} missing from:\n{text}"))
    };
    assert_eq!(field("Name:"), "described");
    assert_eq!(field("Namespace:"), e.namespace);
    assert_eq!(field("Parallelism:"), "1");
    assert_eq!(field("Completions:"), "1");
    assert_eq!(
        field("Pods Statuses:"),
        "0 Active (0 Ready) / 1 Succeeded / 0 Failed"
    );
    assert!(field("Selector:").starts_with("batch.kubernetes.io/controller-uid="));
    assert!(text.contains(&format!("Image:      {BUSYBOX}")), "{text}");
    let pod = e.pods("described")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let created = text
        .lines()
        .find(|l| l.contains("SuccessfulCreate"))
        .expect(&text);
    assert!(created.contains(&format!("Created pod: {pod}")) && created.contains("job-controller"));
    assert!(
        text.lines()
            .any(|l| l.contains("Completed") && l.contains("Job completed")),
        "{text}"
    );
    assert!(text.ends_with('\n'));

    let pod_text = e.ok(&["describe", "pod", &pod]);
    assert!(pod_text.contains("Exit Code:    0"), "{pod_text}");
    assert!(
        pod_text.contains("Controlled By:  Job/described"),
        "{pod_text}"
    );
}

#[test]
fn completion_scripts_come_from_the_binary() {
    let run = |shell: &str| {
        std::process::Command::new(bin())
            .args(["completion", shell])
            .output()
            .expect("dockjob runs")
    };
    let bash = run("bash");
    assert!(bash.status.success());
    let text = String::from_utf8_lossy(&bash.stdout);
    assert!(
        text.contains("_dockjob()") && text.contains("port-forward"),
        "{text}"
    );
    let bad = run("tcsh");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("Unsupported shell type \"tcsh\""),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
