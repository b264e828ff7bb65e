//! The Kubernetes Up & Running "Jobs" walkthrough, typed as a user types it with `kubectl`
//! replaced by `dockjob`, checking what the book shows at each step.
//!
//! - The one shot: `run -i` streams kuard's keygen log and exits 0; the same Job from
//!   `job-oneshot.yaml`: `describe jobs oneshot` (the book's fields, the pod named in the
//!   SuccessfulCreate event), `logs <pod>`, `delete jobs oneshot`.
//! - `run -i` passes a failing pod's exit code through (busybox, and kuard with the
//!   failure manifest's flags).
//! - The failing one shot (`job-oneshot-failure1.yaml`): `get pod -a -l job-name=oneshot`
//!   shows the restarted pod.
//! - Parallel 10/5 (`job-parallel.yaml`) under `get pods -w`: the table, then one line
//!   per change, until 10 pods completed, never more than 5 active at once.
//! - The work queue: the queue ReplicaSet and its Service, 100 items loaded by the book's
//!   script through `dockjob port-forward`, the consumers Job (parallelism 5, completions
//!   unset), then `delete rs,svc,job -l chapter=jobs`: every item consumed exactly once,
//!   the Job complete with all 5 pods terminated, nothing left in Docker afterwards.
//! - The CronJob (`cronjob.yaml`): apply, `describe cronjob example-cron`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use common::*;

/// `dockjob port-forward` running in the background; killed on drop.
struct PortForward(Child);

impl Drop for PortForward {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn port_forward(e: &Engine, target: &str, ports: &str) -> (PortForward, u16) {
    let mut child = e.spawn_cli(&["port-forward", target, ports]);
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let first = next_line(&mut child, &mut reader, "port-forward");
    // Keep draining: port-forward prints a line per connection, and a closed pipe
    // would end it.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    // kubectl's line: `Forwarding from 127.0.0.1:18080 -> 8080`
    let local: u16 = first
        .strip_prefix("Forwarding from 127.0.0.1:")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            panic!("unexpected port-forward output {first:?}; stderr: {err}")
        });
    (PortForward(child), local)
}

/// A plain HTTP/1.0 GET through the forwarded port; the body.
fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the forward");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("response");
    resp.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

#[test]
fn the_work_queue_walkthrough_consumes_every_item_once() {
    let e = Engine::start();

    // The queue: a ReplicaSet and its Service.
    let out = e.ok(&["apply", "-f", &manifest("rs-queue.yaml")]);
    assert_eq!(out.trim(), "replicaset.apps/queue created");
    let queue_pod = eventually(Duration::from_secs(60), "the queue pod to run", || {
        let pods = e.json(&["get", "pods", "-l", "app=work-queue,component=queue"]);
        pods["items"].as_array()?.iter().find_map(|p| {
            (p["status"]["phase"] == "Running" && p["status"]["podIP"].is_string())
                .then(|| p["metadata"]["name"].as_str().unwrap_or("").to_string())
        })
    });
    let out = e.ok(&["apply", "-f", &manifest("service-queue.yaml")]);
    assert_eq!(out.trim(), "service/queue created");

    // The book's loader, through a port-forward to the queue pod, run as `sh
    // load-queue.sh` (the script hands itself to bash). It talks to localhost:8080 as in
    // the book unless QUEUE_ADDR says otherwise (another test may hold 8080 on this host).
    let (forward, port) = port_forward(&e, &queue_pod, ":8080");
    let load = Command::new("sh")
        .arg(manifest("load-queue.sh"))
        .env("QUEUE_ADDR", format!("localhost:{port}"))
        .stdout(Stdio::null())
        .output()
        .expect("load-queue.sh runs");
    assert!(
        load.status.success(),
        "load-queue.sh: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    let stats = http_get(port, "/memq/server/stats");
    assert!(
        stats.contains(r#""name":"keygen","depth":100,"enqueued":100"#),
        "{stats}"
    );

    // The consumers.
    let out = e.ok(&["apply", "-f", &manifest("job-consumers.yaml")]);
    assert_eq!(out.trim(), "job.batch/consumers created");
    // kubectl get pods: the queue and the consumers.
    let table = e.ok(&["get", "pods"]);
    assert_eq!(
        table.lines().next().map(cells),
        Some(vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"]),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&format!("{queue_pod} "))),
        "{table}"
    );
    let job = e.wait_finished("consumers", Duration::from_secs(240));
    assert_eq!(
        condition(&job, "Complete").map(|c| c["status"].clone()),
        Some("True".into()),
        "{job:#}"
    );
    let pods = e.pods("consumers");
    assert_eq!(pods.len(), 5, "parallelism 5, completions unset");
    for p in &pods {
        assert_eq!(p["status"]["phase"], "Succeeded", "{p:#}");
    }
    assert_eq!(job["status"]["succeeded"], 5, "{job:#}");
    assert!(job["status"]["active"].is_null() || job["status"]["active"] == 0);

    // Every item consumed exactly once: by the consumers' logs and by the queue's stats.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for p in &pods {
        let name = p["metadata"]["name"].as_str().expect("pod name");
        let logs = e.ok(&["logs", name]);
        for line in logs.lines().filter(|l| l.contains("Item done")) {
            let item = line
                .rsplit_once(": ")
                .map(|(_, item)| item.trim_end_matches(')').to_string())
                .expect(line);
            *seen.entry(item).or_default() += 1;
        }
    }
    let expected: BTreeMap<String, usize> =
        (0..100).map(|i| (format!("work-item-{i}"), 1)).collect();
    assert_eq!(seen, expected, "each item consumed exactly once");
    let stats = http_get(port, "/memq/server/stats");
    assert!(
        stats.contains(r#""depth":0,"enqueued":100,"dequeued":100"#),
        "{stats}"
    );
    drop(forward);

    // Clean up as the book does: every kind at once, by label.
    let out = e.ok(&["delete", "rs,svc,job", "-l", "chapter=jobs"]);
    for line in [
        r#"replicaset.apps "queue" deleted"#,
        r#"service "queue" deleted"#,
        r#"job.batch "consumers" deleted"#,
    ] {
        assert!(out.contains(line), "{out}");
    }
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "no container left behind"
    );
    let all = e.ok(&["get", "pods", "-a"]);
    assert!(
        !all.contains("consumers-") && !all.contains("queue-"),
        "{all}"
    );
}

/// The book's image, built locally by `scripts/build-images`.
const KUARD: &str = "dockjob/kuard-amd64:1";

/// The words of a table row.
fn cells(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The value on describe's `NAME:` line at the top level (first match), trimmed.
fn field<'a>(describe: &'a str, name: &str) -> Option<&'a str> {
    let prefix = format!("{name}:");
    describe
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()).map(str::trim))
}

/// Asserts `log` is kuard's keygen log for `n` keys: one `(ID 0 k/n) Item done: SHA256:`
/// line per key, in order, then `Workload exiting`.
fn assert_keygen_log(log: &str, n: usize) {
    let items: Vec<&str> = log.lines().filter(|l| l.contains("Item done")).collect();
    assert_eq!(items.len(), n, "{n} keys:\n{log}");
    for (i, line) in items.iter().enumerate() {
        let want = format!("(ID 0 {}/{n}) Item done: SHA256:", i + 1);
        assert!(line.contains(&want), "line {i} lacks {want:?}:\n{log}");
    }
    assert!(log.contains("(ID 0) Workload exiting"), "{log}");
}

/// `Pods Statuses:` as kubectl prints it: `A Active (R Ready) / S Succeeded / F Failed`,
/// or without `(R Ready)` while the Job's status has no `ready` count yet;
/// `(active, ready, succeeded, failed)` (ready 0 when not shown).
fn pods_statuses(describe: &str) -> (u32, u32, u32, u32) {
    let value = field(describe, "Pods Statuses").expect("a Pods Statuses line");
    let mut words = cells(value);
    let ready = if words.get(2).is_some_and(|w| w.starts_with('(')) {
        let shown: Vec<&str> = words.drain(2..4).collect();
        assert_eq!(shown.get(1), Some(&"Ready)"), "Pods Statuses: {value:?}");
        Some(shown[0].trim_start_matches('('))
    } else {
        None
    };
    let shape = ["", "Active", "/", "", "Succeeded", "/", "", "Failed"];
    assert_eq!(words.len(), shape.len(), "Pods Statuses: {value:?}");
    for (w, s) in words.iter().zip(shape) {
        assert!(s.is_empty() || *w == s, "Pods Statuses: {value:?}");
    }
    let num = |w: &str| -> u32 {
        w.parse()
            .unwrap_or_else(|_| panic!("Pods Statuses: {value:?}"))
    };
    (
        num(words[0]),
        ready.map_or(0, num),
        num(words[3]),
        num(words[6]),
    )
}

/// The pod named by describe's `SuccessfulCreate` event (`Created pod: NAME`), as the
/// book's reader finds the name to pass to `logs`.
fn created_pod(describe: &str) -> String {
    describe
        .lines()
        .find(|l| l.contains("SuccessfulCreate"))
        .and_then(|l| l.split_once("Created pod: "))
        .map(|(_, name)| name.trim().to_string())
        .unwrap_or_else(|| panic!("no SuccessfulCreate event naming the pod:\n{describe}"))
}

#[test]
fn the_one_shot_walkthrough_as_the_book_types_it() {
    let e = Engine::start();

    // kubectl run -i oneshot --image=... --restart=OnFailure -- --keygen-enable ...
    let out = e.typed(&[
        "run",
        "-i",
        "oneshot",
        &format!("--image={KUARD}"),
        "--restart=OnFailure",
        "--",
        "--keygen-enable",
        "--keygen-exit-on-complete",
        "--keygen-num-to-gen",
        "10",
    ]);
    assert!(
        out.status.success(),
        "run -i: {}\n{}",
        out.status,
        stderr(&out)
    );
    assert_keygen_log(&stdout(&out), 10);
    assert_eq!(stderr(&out), "", "nothing but the pod's output");
    let job = e.wait_finished("oneshot", Duration::from_secs(60));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    assert_eq!(job["metadata"]["labels"]["run"], "oneshot", "{job:#}");
    let out = e.ok(&["delete", "jobs", "oneshot"]);
    assert_eq!(out.trim(), r#"job.batch "oneshot" deleted"#);

    // kubectl apply -f job-oneshot.yaml; kubectl describe jobs oneshot
    let out = e.ok(&["apply", "-f", &manifest("job-oneshot.yaml")]);
    assert_eq!(out.trim(), "job.batch/oneshot created");
    let describe = eventually(
        Duration::from_secs(120),
        "describe to show the pod succeeded",
        || {
            let d = e.ok(&["describe", "jobs", "oneshot"]);
            (pods_statuses(&d) == (0, 0, 1, 0)).then_some(d)
        },
    );
    let uid = e.job("oneshot")["metadata"]["uid"]
        .as_str()
        .expect("uid")
        .to_string();
    for (name, value) in [
        ("Name", "oneshot".to_string()),
        ("Namespace", e.namespace.clone()),
        (
            "Selector",
            format!("batch.kubernetes.io/controller-uid={uid}"),
        ),
        ("Labels", "chapter=jobs".into()),
        ("Parallelism", "1".into()),
        ("Completions", "1".into()),
        (
            "Pods Statuses",
            "0 Active (0 Ready) / 1 Succeeded / 0 Failed".into(),
        ),
    ] {
        assert_eq!(field(&describe, name), Some(value.as_str()), "{describe}");
    }
    assert!(
        field(&describe, "Start Time").is_some_and(|t| !t.is_empty()),
        "{describe}"
    );
    let template = describe
        .split_once("\nPod Template:\n")
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("no Pod Template:\n{describe}"));
    for line in [
        "  Labels:",
        "job-name=oneshot",
        "  Containers:\n   kuard:\n",
        &format!("    Image:      {KUARD}"),
        "    Args:\n      --keygen-enable\n      --keygen-exit-on-complete\n      --keygen-num-to-gen=10\n",
        "\nEvents:\n",
    ] {
        assert!(template.contains(line), "no {line:?} in:\n{describe}");
    }
    let pod = created_pod(&describe);
    let pods = e.pods("oneshot");
    assert_eq!(pods.len(), 1, "one pod");
    assert_eq!(pods[0]["metadata"]["name"], pod.as_str());

    // kubectl logs oneshot-4kfdt
    assert_keygen_log(&e.ok(&["logs", &pod]), 10);
    let out = e.ok(&["delete", "jobs", "oneshot"]);
    assert_eq!(out.trim(), r#"job.batch "oneshot" deleted"#);

    // The failing one shot: kubectl apply -f job-oneshot-failure1.yaml, let it run for
    // a bit, kubectl get pod -a -l job-name=oneshot.
    let out = e.ok(&["apply", "-f", &manifest("job-oneshot-failure1.yaml")]);
    assert_eq!(out.trim(), "job.batch/oneshot created");
    let job = e.wait_finished("oneshot", Duration::from_secs(300));
    let failed = condition(&job, "Failed").unwrap_or_else(|| panic!("{job:#}"));
    assert_eq!(failed["reason"], "BackoffLimitExceeded", "{job:#}");
    let table = e.ok(&["get", "pod", "-a", "-l", "job-name=oneshot"]);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 2, "the header and the one pod:\n{table}");
    assert_eq!(
        cells(rows[0]),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    let row = cells(rows[1]);
    assert!(row[0].starts_with("oneshot-"), "{table}");
    assert_eq!(row[1], "0/1", "{table}");
    assert!(
        ["Error", "CrashLoopBackOff"].contains(&row[2]),
        "the book shows the crashing pod:\n{table}"
    );
    let restarts: u32 = row[3].parse().unwrap_or_else(|_| panic!("{table}"));
    assert!(restarts > 0, "the same pod restarted:\n{table}");
    let out = e.ok(&["delete", "jobs", "oneshot"]);
    assert_eq!(out.trim(), r#"job.batch "oneshot" deleted"#);
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "no container left behind"
    );
}

#[test]
fn run_i_passes_the_pods_exit_code_through() {
    let e = Engine::start();

    // A pod that fails at once: its output, then kubectl's line and its exit code.
    let out = e.typed(&[
        "run",
        "-i",
        "bye",
        &format!("--image={BUSYBOX}"),
        "--restart=Never",
        "--command",
        "--",
        "sh",
        "-c",
        "echo bye; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "bye\n");
    let err = stderr(&out);
    let prefix = format!("pod {}/bye-", e.namespace);
    assert!(
        err.starts_with(&prefix)
            && err.ends_with(" terminated (Error)\n")
            && err.lines().count() == 1,
        "kubectl's `pod NS/NAME terminated (Error)`, one line: {err:?}"
    );

    // kuard with the failure manifest's flags, restarted in place (OnFailure) until the
    // Job's backoffLimit: the first run's output, then kuard's exit code.
    let out = e.typed(&[
        "run",
        "-i",
        "oneshot",
        &format!("--image={KUARD}"),
        "--restart=OnFailure",
        "--",
        "--keygen-enable",
        "--keygen-exit-on-complete",
        "--keygen-exit-code=1",
        "--keygen-num-to-gen=3",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_keygen_log(&stdout(&out), 3);
    assert!(
        stderr(&out).ends_with(" terminated (Error)\n"),
        "{}",
        stderr(&out)
    );
    let job = e.wait_finished("oneshot", Duration::from_secs(60));
    assert!(condition(&job, "Failed").is_some(), "{job:#}");
}

#[test]
fn the_parallel_walkthrough_under_get_pods_w() {
    let e = Engine::start();
    let out = e.ok(&["apply", "-f", &manifest("job-parallel.yaml")]);
    assert_eq!(out.trim(), "job.batch/parallel created");

    // kubectl get pods -w: the table, then one line per change, until the reader has
    // seen the 10 completions.
    let (mut watch, lines) = e.spawn_cli_lines(&["get", "pods", "-w"]);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut transcript = Vec::new();
    let next = |transcript: &mut Vec<String>| -> String {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                transcript.push(line.clone());
                line
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("timed out; get pods -w printed:\n{}", transcript.join("\n"))
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("get pods -w ended; it printed:\n{}", transcript.join("\n"))
            }
        }
    };
    let header = next(&mut transcript);
    assert_eq!(
        cells(&header),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    let mut completed = BTreeSet::new();
    let mut most_active = 0;
    while completed.len() < 10 {
        let line = next(&mut transcript);
        let row = cells(&line);
        assert!(
            row.len() == 5 && row[0].starts_with("parallel-"),
            "a pod row: {line:?}\n{}",
            transcript.join("\n")
        );
        if row[2] == "Completed" {
            completed.insert(row[0].to_string());
        }
        latest.insert(row[0].to_string(), row[2].to_string());
        let active = latest.values().filter(|s| *s != "Completed").count();
        most_active = most_active.max(active);
        assert!(
            active <= 5,
            "parallelism 5, yet {active} pods active:\n{}",
            transcript.join("\n")
        );
    }
    assert!(
        watch.try_wait().expect("try_wait").is_none(),
        "-w keeps watching"
    );
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(
        latest.len(),
        10,
        "completions 10: ten pods, none more:\n{}",
        transcript.join("\n")
    );
    assert!(
        most_active > 1,
        "pods ran in parallel:\n{}",
        transcript.join("\n")
    );

    let job = e.wait_finished("parallel", Duration::from_secs(60));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    assert_eq!(job["status"]["succeeded"], 10, "{job:#}");
    let out = e.ok(&["delete", "job", "parallel"]);
    assert_eq!(out.trim(), r#"job.batch "parallel" deleted"#);
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "no container left behind"
    );
}

#[test]
fn the_cronjob_walkthrough_applies_and_describes() {
    let e = Engine::start();
    let out = e.ok(&["apply", "-f", &manifest("cronjob.yaml")]);
    assert_eq!(out.trim(), "cronjob.batch/example-cron created");

    // The book: `kubectl describe <cron-job>`.
    let describe = e.ok(&["describe", "cronjob", "example-cron"]);
    for (name, value) in [
        ("Name", "example-cron".to_string()),
        ("Namespace", e.namespace.clone()),
        ("Schedule", "0 */5 * * *".into()),
        ("Concurrency Policy", "Allow".into()),
        ("Suspend", "False".into()),
        ("Last Schedule Time", "<unset>".into()),
        ("Active Jobs", "<none>".into()),
        ("Events", "<none>".into()),
    ] {
        assert_eq!(field(&describe, name), Some(value.as_str()), "{describe}");
    }
    for line in [
        "\nPod Template:\n",
        "  Containers:\n   batch-job:\n",
        &format!("    Image:      {KUARD}"),
        "      --keygen-num-to-gen=10\n",
    ] {
        assert!(describe.contains(line), "no {line:?} in:\n{describe}");
    }
    for other in [
        &["describe", "cronjobs/example-cron"][..],
        &["describe", "cronjob/example-cron"],
        &["describe", "cj", "example-cron"],
    ] {
        assert_eq!(e.ok(other), describe, "dockjob {other:?}");
    }

    // The book's file is batch/v1beta1: accepted with Kubernetes' deprecation warning.
    let text = std::fs::read_to_string(manifest("cronjob.yaml")).expect("cronjob.yaml");
    let book = text.replace("apiVersion: batch/v1\n", "apiVersion: batch/v1beta1\n");
    assert_ne!(book, text);
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&book));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"
        ),
        "{}",
        stderr(&out)
    );
    let out = e.ok(&["delete", "cronjob", "example-cron"]);
    assert_eq!(out.trim(), r#"cronjob.batch "example-cron" deleted"#);
}
