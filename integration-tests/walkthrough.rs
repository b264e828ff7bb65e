//! The work-queue half of the Kubernetes Up & Running "Jobs" walkthrough, typed as a user
//! types it: the queue ReplicaSet and its Service, 100 items loaded by the book's script
//! through `dockjob port-forward`, the consumers Job (parallelism 5, completions unset),
//! then `delete rs,svc,job -l chapter=jobs`. Checks that every item is consumed exactly
//! once, that the Job completes with all 5 pods terminated, and that nothing is left in
//! Docker afterwards.

mod common;

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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

    // The book's loader, through a port-forward to the queue pod. The script talks to
    // localhost:8080 as in the book unless QUEUE_ADDR says otherwise (another test may
    // hold 8080 on this host).
    let (forward, port) = port_forward(&e, &queue_pod, ":8080");
    let load = Command::new("bash")
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
