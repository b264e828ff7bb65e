//! `dockjob logs` flags, `version` and (absent) `completion` against a real engine and
//! Docker.

mod common;

use std::time::Duration;

use common::*;

fn pod_name(e: &Engine, job: &str) -> String {
    e.pods(job)[0]["metadata"]["name"]
        .as_str()
        .expect("pod name")
        .to_string()
}

#[test]
fn tail_timestamps_and_since() {
    let e = Engine::start();
    e.apply(&busybox_job(
        "lines",
        "",
        "",
        "Never",
        "for i in 1 2 3 4 5; do echo line$i; done",
    ));
    e.wait_finished("lines", Duration::from_secs(60));
    let pod = pod_name(&e, "lines");
    assert_eq!(e.ok(&["logs", &pod]), "line1\nline2\nline3\nline4\nline5\n");
    assert_eq!(e.ok(&["logs", "--tail=2", &pod]), "line4\nline5\n");
    assert_eq!(
        e.ok(&["logs", "--tail", "-1", "job/lines"]).lines().count(),
        5
    );
    let stamped = e.ok(&["logs", "--timestamps", "--tail=1", &pod]);
    let (stamp, text) = stamped.trim_end().split_once(' ').expect("stamp and text");
    assert_eq!(text, "line5");
    assert!(
        stamp.parse::<jiff::Timestamp>().is_ok() && stamp.ends_with('Z') && stamp.contains('.'),
        "RFC3339Nano stamp: {stamp}"
    );
    assert_eq!(e.ok(&["logs", "--since=1h", &pod]).lines().count(), 5);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(e.ok(&["logs", "--since=1s", &pod]), "");
    let out = e.cli(&[
        "logs",
        "--since=5s",
        "--since-time=2026-01-01T00:00:00Z",
        &pod,
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("at most one of `sinceTime` or `sinceSeconds` may be specified"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn previous_run_of_an_in_place_restart() {
    let e = Engine::start();
    // emptyDir survives in-place restarts: the first run fails, the second succeeds.
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: flaky\nspec:\n  restartPolicy: OnFailure\n  volumes:\n  - name: state\n    emptyDir: {{}}\n  containers:\n  - name: main\n    image: {BUSYBOX}\n    volumeMounts:\n    - name: state\n      mountPath: /state\n    command: [\"sh\", \"-c\", \"if [ -f /state/ran ]; then echo second run; sleep 2; exit 0; fi; touch /state/ran; echo first run; sleep 1.5; exit 3\"]\n"
    );
    // Before any restart there is no previous run: kubelet's message.
    e.apply(&yaml);
    let out = e.cli(&["logs", "-p", "flaky"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("previous terminated container \"main\" in pod \"flaky\" not found"),
        "{}",
        stderr(&out)
    );
    eventually(Duration::from_secs(60), "the pod to succeed", || {
        let p = e.json(&["get", "pod", "flaky"]);
        (p["status"]["phase"] == "Succeeded").then_some(())
    });
    assert_eq!(e.ok(&["logs", "flaky"]), "first run\nsecond run\n");
    assert_eq!(e.ok(&["logs", "--previous", "flaky"]), "first run\n");
    assert_eq!(
        e.ok(&["logs", "-p", "-c", "main", "flaky", "--tail=1"]),
        "first run\n"
    );
}

#[test]
fn selector_prefixes_and_all_containers() {
    let e = Engine::start();
    e.apply(&busybox_job(
        "par",
        "",
        "  completions: 2\n  parallelism: 2\n",
        "Never",
        "echo hello from $HOSTNAME",
    ));
    e.wait_finished("par", Duration::from_secs(60));
    let out = e.ok(&["logs", "-l", "job-name=par"]);
    let mut pods: Vec<String> = e
        .pods("par")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    pods.sort();
    let want: String = pods
        .iter()
        .map(|p| format!("[pod/{p}/main] hello from {p}\n"))
        .collect();
    assert_eq!(out, want);
    let out = e.cli(&["logs", "-f", "-l", "job-name=par", "--max-log-requests=1"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(
        "you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, use --max-log-requests to increase the limit"
    ));
    let followed = e.ok(&["logs", "-f", "-l", "job-name=par"]);
    let mut lines: Vec<&str> = followed.lines().collect();
    lines.sort();
    assert_eq!(lines.join("\n") + "\n", want);
    let out = e.cli(&["logs", "-l", "job-name=none"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains(&format!("No resources found in {} namespace.", e.namespace)));

    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: inits\nspec:\n  restartPolicy: Never\n  initContainers:\n  - name: setup\n    image: {BUSYBOX}\n    command: [\"sh\", \"-c\", \"echo from init\"]\n  containers:\n  - name: a\n    image: {BUSYBOX}\n    command: [\"sh\", \"-c\", \"echo from a\"]\n  - name: b\n    image: {BUSYBOX}\n    command: [\"sh\", \"-c\", \"echo from b\"]\n"
    );
    e.apply(&yaml);
    eventually(Duration::from_secs(60), "the pod to succeed", || {
        let p = e.json(&["get", "pod", "inits"]);
        (p["status"]["phase"] == "Succeeded").then_some(())
    });
    assert_eq!(
        e.ok(&["logs", "inits", "--all-containers"]),
        "from init\nfrom a\nfrom b\n"
    );
    assert_eq!(
        e.ok(&["logs", "inits", "--all-containers", "--prefix"]),
        "[pod/inits/setup] from init\n[pod/inits/a] from a\n[pod/inits/b] from b\n"
    );
    assert_eq!(e.ok(&["logs", "inits", "-c", "b"]), "from b\n");
    assert_eq!(e.ok(&["logs", "inits", "b"]), "from b\n");
}

#[test]
fn version_client_and_server() {
    let e = Engine::start();
    let v = env!("CARGO_PKG_VERSION");
    assert_eq!(
        e.ok(&["version"]),
        format!("Client Version: v{v}\nServer Version: v{v}\n")
    );
    assert_eq!(
        e.ok(&["version", "--client"]),
        format!("Client Version: v{v}\n")
    );
    let doc: serde_json::Value = serde_json::from_str(&e.ok(&["version", "-o", "json"])).unwrap();
    assert_eq!(doc["serverVersion"]["gitVersion"], format!("v{v}"));
    assert!(
        doc["serverVersion"]["goVersion"]
            .as_str()
            .unwrap()
            .starts_with("rust")
    );
    let mut dead = Engine::start();
    dead.kill();
    let out = dead.cli(&["version"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("Client Version: v{v}\n"));
    assert!(
        stderr(&out).contains(&format!(
            "The connection to the server unix://{} was refused",
            dead.socket.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// `dockjob logs POD | head -1` and `dockjob get ... | head -1`: once the reader is gone
/// the CLI ends quietly (as kubectl ends on SIGPIPE), with no error line and no panic.
#[test]
fn a_closed_stdout_ends_the_cli_quietly() {
    use std::io::{BufRead, BufReader};
    let e = Engine::start();
    e.apply(&busybox_job(
        "chatty",
        "",
        "",
        "Never",
        "i=0; while [ $i -lt 20000 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); done",
    ));
    e.wait_finished("chatty", Duration::from_secs(60));
    let pod = pod_name(&e, "chatty");
    for args in [vec!["logs", pod.as_str()], vec!["logs", "-f", pod.as_str()]] {
        let mut child = e.spawn_cli(&args);
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("first line");
        assert_eq!(first, "line-0-padding-padding-padding\n");
        // The reader is dropped here: the rest of the log meets a closed pipe.
        let out = child.wait_with_output().expect("cli ends");
        let err = stderr(&out);
        assert!(err.is_empty(), "{args:?}: nothing on stderr, got: {err}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    }
}
