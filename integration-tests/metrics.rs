//! The engine's opt-in Prometheus endpoint, against the real Docker daemon: a Job runs
//! and the counters, the Jobs-by-condition gauge, the reconcile histogram and the Docker
//! call latencies show it; a non-loopback address is refused at start.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::*;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn scrape(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("metrics listener");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(s, "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    assert!(
        resp.starts_with("HTTP/1.0 200") || resp.starts_with("HTTP/1.1 200"),
        "{resp}"
    );
    resp
}

/// The value of a sample line `name{labels} value`, or of `name value`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[test]
fn a_job_shows_in_the_metrics() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let e = Engine::start_with(&["--metrics-addr", &addr]);
    e.apply(&busybox_job(
        "counted",
        "",
        "  completions: 2\n",
        "Never",
        "exit 0",
    ));
    let job = e.wait_finished("counted", Duration::from_secs(120));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");

    let text = eventually(Duration::from_secs(20), "the pod results counted", || {
        let text = scrape(port);
        (sample(&text, "dockjob_pods_succeeded_total") == Some(2.0)).then_some(text)
    });
    assert_eq!(
        sample(&text, "dockjob_pods_created_total"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "dockjob_pods_failed_total"),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"dockjob_jobs{condition="Complete"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"dockjob_jobs{condition="Active"}"#),
        Some(0.0),
        "{text}"
    );
    let reconciles = sample(
        &text,
        r#"dockjob_reconcile_duration_seconds_count{controller="job"}"#,
    )
    .unwrap_or(0.0);
    assert!(reconciles >= 1.0, "{text}");
    for op in ["create", "start", "inspect"] {
        let calls = sample(
            &text,
            &format!(r#"dockjob_docker_request_duration_seconds_count{{operation="{op}"}}"#),
        )
        .unwrap_or(0.0);
        assert!(calls >= 2.0, "{op}: {text}");
    }
}

#[test]
fn metrics_are_served_on_loopback_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(bin())
        .args(["server", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--socket")
        .arg(dir.path().join("s.sock"))
        .args(["--metrics-addr", "0.0.0.0:9"])
        .output()
        .expect("server runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("metrics are served on loopback only"), "{err}");
}
