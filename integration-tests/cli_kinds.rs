//! The CLI for every kind, against a real engine and Docker, as a user types it: tables
//! and `describe` for ConfigMaps, Secrets, Services and ReplicaSets, several kinds at
//! once (`get jobs,pods`, `get rs,svc -l`, `get all`, `delete rs,svc,job -l`), and
//! `dockjob run` with and without `-i`.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::*;

/// Runs the CLI with the engine's socket and namespace *before* the verb, so words
/// after `--` stay the container's.
fn dj(e: &Engine, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--socket")
        .arg(&e.socket)
        .args(["-n", &e.namespace])
        .args(args)
        .env("DOCKJOB_NO_AUTOSTART", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("cli runs")
}

/// `text` with every run of spaces made one: describe's alignment depends on which
/// optional lines the engine fills in, the values do not.
fn squash(text: &str) -> String {
    text.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first cells of a table's rows (the NAME column), header excluded.
fn names(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn job(name: &str, labels: &str, script: &str) -> String {
    busybox_job(name, &format!("  labels: {labels}\n"), "", "Never", script)
}

#[test]
fn configmaps_and_secrets_get_and_describe() {
    let e = Engine::start();
    let out = e.apply(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: my-config
data:
  greeting: hello
  another-param: another-value
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
type: Opaque
data:
  password: aHVudGVyMg==
stringData:
  user: admin
"#,
    );
    assert!(out.contains("configmap/my-config created"), "{out}");
    assert!(out.contains("secret/creds created"), "{out}");

    let cms = e.ok(&["get", "configmaps"]);
    let header: Vec<&str> = cms.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "DATA", "AGE"]);
    let row: Vec<&str> = cms.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..2], ["my-config", "2"]);

    let secrets = e.ok(&["get", "secret"]);
    let header: Vec<&str> = secrets.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "TYPE", "DATA", "AGE"]);
    let row: Vec<&str> = secrets.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..3], ["creds", "Opaque", "2"]);

    let text = e.ok(&["describe", "cm", "my-config"]);
    assert!(text.starts_with("Name:         my-config\n"), "{text}");
    assert!(
        text.contains("\nData\n====\nanother-param:\n----\nanother-value\n\ngreeting:\n----\nhello\n\n\nBinaryData\n====\n"),
        "{text}"
    );

    let text = e.ok(&["describe", "secret/creds"]);
    assert!(text.contains("\nType:  Opaque\n"), "{text}");
    assert!(
        text.contains("\nData\n====\npassword:  7 bytes\nuser:      5 bytes\n"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("admin"),
        "{text}"
    );

    // `-A` adds the NAMESPACE column for these kinds too.
    let all = e.ok(&["get", "cm", "-A"]);
    assert!(all.starts_with("NAMESPACE "), "{all}");
    assert!(all.contains(&e.namespace), "{all}");

    // Nothing owns a ConfigMap or Secret: deleting one removes it at once, as the
    // apiserver does for an object without finalizers.
    let out = e.ok(&["delete", "cm/my-config", "secret/creds"]);
    assert_eq!(
        out, "configmap \"my-config\" deleted\nsecret \"creds\" deleted\n",
        "{out}"
    );
    let gone = e.cli(&["get", "cm", "my-config"]);
    assert_eq!(gone.status.code(), Some(1), "{}", stderr(&gone));
    assert!(
        stderr(&gone).contains(r#"configmaps "my-config" not found"#),
        "{}",
        stderr(&gone)
    );
}

#[test]
fn the_queue_replicaset_and_service_then_delete_by_selector() {
    let e = Engine::start();
    let out = e.ok(&["apply", "-f", &manifest("rs-queue.yaml")]);
    assert_eq!(out.trim(), "replicaset.apps/queue created");
    let out = e.ok(&["apply", "-f", &manifest("service-queue.yaml")]);
    assert_eq!(out.trim(), "service/queue created");
    e.apply(&job("worker", "{chapter: jobs}", "echo done"));

    // The queue pod runs and is ready: the ReplicaSet says so, and the Service lists
    // its address.
    eventually(Duration::from_secs(60), "the queue to be ready", || {
        let rs = e.json(&["get", "rs", "queue"]);
        (rs["status"]["readyReplicas"] == 1).then_some(())
    });
    let pod = e.json(&["get", "pods", "-l", "component=queue"])["items"][0].clone();
    let ip = pod["status"]["podIP"].as_str().expect("pod IP").to_string();

    let listed = e.ok(&["get", "rs,svc", "-l", "chapter=jobs"]);
    let tables: Vec<&str> = listed.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{listed}");
    let rs_header: Vec<&str> = tables[0]
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(rs_header, ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    let rs_row: Vec<&str> = tables[0]
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(&rs_row[..4], ["replicaset.apps/queue", "1", "1", "1"]);
    let svc_header: Vec<&str> = tables[1]
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        svc_header,
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ]
    );
    let svc_row: Vec<&str> = tables[1]
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(svc_row[0], "service/queue");
    assert_eq!(svc_row[1], "ClusterIP");
    assert_eq!(svc_row[3..5], ["<none>", "8080/TCP"]);

    let wide = e.ok(&["get", "svc", "-o", "wide"]);
    assert!(wide.contains("app=work-queue,component=queue"), "{wide}");
    let wide = e.ok(&["get", "rs", "-o", "wide"]);
    assert!(
        wide.contains(
            "queue        dockjob/kuard-amd64:1   app=work-queue,chapter=jobs,component=queue"
        ),
        "{wide}"
    );

    let text = squash(&e.ok(&["describe", "svc", "queue"]));
    assert!(
        text.contains("\nSelector: app=work-queue,component=queue\nType: ClusterIP\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\nPort: <unset> 8080/TCP\nTargetPort: 8080/TCP\nEndpoints: {ip}:8080\n"
        )),
        "{text}"
    );

    let text = squash(&e.ok(&["describe", "rs", "queue"]));
    assert!(
        text.contains("\nReplicas: 1 current / 1 desired\nPods Status: 1 Running / 0 Waiting / 0 Succeeded / 0 Failed\nPod Template:\n"),
        "{text}"
    );
    assert!(text.contains("\nImage: dockjob/kuard-amd64:1\n"), "{text}");

    // `get all`: the pods, the service, the replicaset and the job, kind by kind.
    let all = e.ok(&["get", "all", "-a"]);
    let mut kinds: Vec<String> = names(&all.replace("\n\nNAME", "\nNAME"))
        .into_iter()
        .filter(|n| n != "NAME")
        .map(|n| n.split('/').next().unwrap().to_string())
        .collect();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["pod", "service", "replicaset.apps", "job.batch"],
        "{all}"
    );

    let out = e.ok(&["delete", "rs,svc,job", "-l", "chapter=jobs"]);
    assert_eq!(
        out,
        "replicaset.apps \"queue\" deleted\nservice \"queue\" deleted\njob.batch \"worker\" deleted\n"
    );
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "no container is left"
    );
    let out = e.cli(&["get", "all", "-a"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out).trim(),
        format!("No resources found in {} namespace.", e.namespace)
    );
    let out = e.ok(&["delete", "rs,svc,job", "-l", "chapter=jobs"]);
    assert_eq!(out, "No resources found\n");
}

#[test]
fn several_kinds_and_kind_slash_name_arguments() {
    let e = Engine::start();
    e.apply(&job("oneshot", "{app: demo}", "echo hi"));
    e.wait_finished("oneshot", Duration::from_secs(60));
    let pod = e.pods("oneshot")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();

    let out = e.ok(&["get", "jobs,pods", "-a"]);
    let tables: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{out}");
    assert_eq!(names(tables[0]), ["job.batch/oneshot"]);
    assert_eq!(names(tables[1]), [format!("pod/{pod}")]);
    assert!(tables[1].contains("Completed"), "{out}");

    let out = e.ok(&["get", &format!("pod/{pod}"), "job/oneshot"]);
    let tables: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(names(tables[0]), [format!("pod/{pod}")]);
    assert_eq!(names(tables[1]), ["job.batch/oneshot"]);

    let out = e.ok(&["get", "job/oneshot", &format!("pod/{pod}"), "-o", "name"]);
    assert_eq!(out, format!("job.batch/oneshot\npod/{pod}\n"));
    let list = e.json(&["get", "job/oneshot", &format!("pod/{pod}")]);
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // A missing name is kubectl's NotFound; the others still print.
    let out = e.cli(&["get", "job/oneshot", "job/nope"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(r#"Error from server (NotFound): jobs.batch "nope" not found"#),
        "{}",
        stderr(&out)
    );
    assert_eq!(names(&stdout(&out)), ["oneshot"]);

    // describe finds the pod by its job's name as a prefix, as kubectl does.
    let text = e.ok(&["describe", "pod", "oneshot"]);
    // (The value column's width depends on the other fields' labels, as kubectl's
    // tabwriter aligns them: `IPs:` with or without addresses below it changes it.)
    let first = text.lines().next().unwrap_or("");
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["Name:", pod.as_str()],
        "{text}"
    );

    let out = e.cli(&["get", "jobs,pods", "-w"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("watch is only supported on individual resources"),
        "{}",
        stderr(&out)
    );

    let out = e.ok(&["delete", "job/oneshot"]);
    assert_eq!(out, "job.batch \"oneshot\" deleted\n");
}

#[test]
fn run_creates_the_job_kubectl_run_made() {
    let e = Engine::start();
    let out = dj(
        &e,
        &[
            "run",
            "hello",
            &format!("--image={BUSYBOX}"),
            "--restart=Never",
            "--env",
            "GREETING=hi",
            "--env=WHO=world",
            "--labels=app=demo,tier=batch",
            "--command",
            "--",
            "sh",
            "-c",
            "echo $GREETING $WHO",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch/hello created\n");
    let job = e.job("hello");
    assert_eq!(job["metadata"]["labels"]["app"], "demo");
    assert_eq!(job["metadata"]["labels"]["tier"], "batch");
    assert!(job["metadata"]["labels"].get("run").is_none());
    let spec = &job["spec"]["template"]["spec"];
    assert_eq!(spec["restartPolicy"], "Never");
    let c = &spec["containers"][0];
    assert_eq!(c["name"], "hello");
    assert_eq!(c["image"], BUSYBOX);
    assert_eq!(
        c["command"],
        serde_json::json!(["sh", "-c", "echo $GREETING $WHO"])
    );
    assert!(c.get("args").is_none());
    assert_eq!(
        c["env"],
        serde_json::json!([{"name": "GREETING", "value": "hi"}, {"name": "WHO", "value": "world"}])
    );
    e.wait_finished("hello", Duration::from_secs(60));
    assert_eq!(e.ok(&["logs", "job/hello"]), "hi world\n");

    // Without --labels: run=NAME, and the words after -- are args.
    let out = dj(
        &e,
        &[
            "run",
            "plain",
            &format!("--image={BUSYBOX}"),
            "--",
            "a",
            "b",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let job = e.job("plain");
    assert_eq!(job["metadata"]["labels"]["run"], "plain");
    assert_eq!(
        job["spec"]["template"]["metadata"]["labels"]["run"],
        "plain"
    );
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["args"],
        serde_json::json!(["a", "b"])
    );
    assert_eq!(
        job["spec"]["template"]["spec"]["restartPolicy"],
        "OnFailure"
    );

    // kubectl's refusals, before anything is created.
    let out = dj(
        &e,
        &[
            "run",
            "always",
            &format!("--image={BUSYBOX}"),
            "--restart=Always",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--restart=Always is not supported"),
        "{}",
        stderr(&out)
    );
    let out = dj(&e, &["run", "noimage"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--image is required"),
        "{}",
        stderr(&out)
    );
    let out = dj(&e, &["run", "hello", &format!("--image={BUSYBOX}")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains(r#"Error from server (AlreadyExists): jobs.batch "hello" already exists"#),
        "{}",
        stderr(&out)
    );
    let jobs = e.json(&["get", "jobs", "-a"]);
    assert_eq!(jobs["items"].as_array().unwrap().len(), 2);
}

#[test]
fn run_i_streams_the_output_and_passes_the_exit_code_through() {
    let e = Engine::start();
    let out = dj(
        &e,
        &[
            "run",
            "-i",
            "talk",
            &format!("--image={BUSYBOX}"),
            "--restart=OnFailure",
            "--command",
            "--",
            "sh",
            "-c",
            "echo hello; sleep 1; echo world",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello\nworld\n");
    e.wait_finished("talk", Duration::from_secs(30));

    let out = dj(
        &e,
        &[
            "run",
            "-i",
            "fail",
            &format!("--image={BUSYBOX}"),
            "--restart=Never",
            "--command",
            "--",
            "sh",
            "-c",
            "echo bye; exit 3",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "bye\n");
    assert!(
        stderr(&out).contains(&format!("pod {}/fail-", e.namespace)),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("terminated (Error)"),
        "{}",
        stderr(&out)
    );
}

/// kubectl's `delete KIND --all`: every object of the kind in the namespace.
#[test]
fn delete_all_of_a_kind() {
    let e = Engine::start();
    for name in ["first", "second"] {
        e.apply(&busybox_job(name, "", "  suspend: true\n", "Never", "true"));
    }
    let out = e.ok(&["delete", "jobs", "--all"]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            r#"job.batch "first" deleted"#,
            r#"job.batch "second" deleted"#
        ],
        "{out}"
    );
    let left = e.cli(&["get", "jobs", "-a"]);
    assert!(stdout(&left).is_empty(), "{}", stdout(&left));
    assert!(
        stderr(&left).contains("No resources found"),
        "{}",
        stderr(&left)
    );
    let both = e.cli(&["delete", "jobs", "--all", "-l", "a=b"]);
    assert!(!both.status.success());
    assert!(
        stderr(&both).contains("cannot set --all and --selector at the same time"),
        "{}",
        stderr(&both)
    );
}
