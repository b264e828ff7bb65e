//! `wait`, `get -w`, `get events` and `events` as a user types them, against a real
//! engine and Docker: wait ends as soon as the condition is met, at once when the job
//! ended the other way, with kubectl's message on timeout, and survives an engine
//! restart; the watch verbs print each transition.

mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use common::*;

fn job(name: &str, backoff_limit: u32, script: &str) -> String {
    busybox_job(
        name,
        "",
        &format!("  backoffLimit: {backoff_limit}\n"),
        "Never",
        script,
    )
}

/// Waits for `child` to exit, killing it (and failing) after `timeout`.
fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dockjob did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn wait_for_complete_returns_when_the_job_completes() {
    let e = Engine::start();
    e.apply(&job("ok", 6, "sleep 2"));
    let out = e.cli(&[
        "wait",
        "--for=condition=complete",
        "job/ok",
        "--timeout=90s",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch/ok condition met\n");
    // Already met: the Complete=True form, case folded, any number of names.
    let out = e.cli(&[
        "wait",
        "--for=condition=Complete=True",
        "job",
        "ok",
        "--timeout=5s",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch/ok condition met\n");
    // --timeout=0 checks once.
    let out = e.cli(&["wait", "--for=condition=complete", "job/ok", "--timeout=0"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn wait_for_complete_on_a_failing_job_fails_at_once_with_the_reason() {
    let e = Engine::start();
    e.apply(&job("bad", 0, "exit 3"));
    let started = Instant::now();
    let out = e.cli(&[
        "wait",
        "--for=condition=complete",
        "job/bad",
        "--timeout=5m",
    ]);
    let took = started.elapsed();
    assert!(!out.status.success());
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let err = stderr(&out);
    assert!(
        err.starts_with("error: job.batch/bad has ")
            && err.contains("BackoffLimitExceeded: Job has reached the specified backoff limit")
            && err.contains("condition \"complete\" will never be met"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
    // The reverse: waiting for failed is met.
    let out = e.cli(&["wait", "--for=condition=failed", "job/bad", "--timeout=60s"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "job.batch/bad condition met\n");
}

#[test]
fn wait_with_a_short_timeout_says_so_like_kubectl() {
    let e = Engine::start();
    e.apply(&job("long", 6, "sleep 60"));
    let started = Instant::now();
    let out = e.cli(&[
        "wait",
        "--for=condition=complete",
        "job/long",
        "--timeout=2s",
    ]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: timed out waiting for the condition on jobs/long\n"
    );
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(15),
        "took {took:?}"
    );
    let out = e.cli(&[
        "wait",
        "--for=condition=complete",
        "job/long",
        "--timeout=0",
    ]);
    assert_eq!(stderr(&out), "error: condition not met for jobs/long\n");
    let out = e.cli(&[
        "wait",
        "--for=condition=complete",
        "job/nope",
        "--timeout=5s",
    ]);
    assert_eq!(
        stderr(&out),
        "Error from server (NotFound): jobs.batch \"nope\" not found\n"
    );
    let out = e.cli(&[
        "wait",
        "--for=condition=complete",
        "job/long",
        "--timeout=soon",
    ]);
    assert!(
        stderr(&out).contains(
            r#"invalid argument "soon" for "--timeout" flag: time: invalid duration "soon""#
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn wait_for_delete_returns_once_the_job_is_gone() {
    let e = Engine::start();
    e.apply(&job("gone", 6, "sleep 60"));
    let (mut waiter, lines) =
        e.spawn_cli_lines(&["wait", "--for=delete", "job/gone", "--timeout=90s"]);
    // Delete only once the waiter has reached the engine (it holds a socket): a waiter
    // that first looks after the Job is gone rightly prints nothing, as kubectl.
    let pid = waiter.id();
    eventually(Duration::from_secs(30), "the waiter to connect", || {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .ok()?
            .filter_map(Result::ok)
            .any(|fd| {
                std::fs::read_link(fd.path())
                    .is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
            })
            .then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    e.ok(&["delete", "job", "gone"]);
    let status = wait_exit(&mut waiter, Duration::from_secs(30));
    assert!(status.success());
    assert_eq!(
        lines.try_iter().collect::<Vec<_>>(),
        vec!["job.batch/gone condition met".to_string()]
    );
    // Nothing to wait for: kubectl prints nothing and succeeds.
    let out = e.cli(&["wait", "--for=delete", "job/gone", "--timeout=5s"]);
    assert!(out.status.success());
    assert!(stdout(&out).is_empty());
}

#[test]
fn wait_survives_an_engine_restart() {
    let mut e = Engine::start();
    e.apply(&job("steady", 6, "sleep 6"));
    let (mut waiter, lines) = e.spawn_cli_lines(&[
        "wait",
        "--for=condition=complete",
        "job/steady",
        "--timeout=120s",
    ]);
    std::thread::sleep(Duration::from_secs(1));
    e.kill();
    std::thread::sleep(Duration::from_secs(1));
    e.restart();
    let status = wait_exit(&mut waiter, Duration::from_secs(120));
    let mut stderr = String::new();
    if let Some(mut s) = waiter.stderr.take() {
        use std::io::Read;
        let _ = s.read_to_string(&mut stderr);
    }
    assert!(status.success(), "{stderr}");
    assert_eq!(
        lines.try_iter().collect::<Vec<_>>(),
        vec!["job.batch/steady condition met".to_string()]
    );
}

#[test]
fn events_show_the_jobs_reasons() {
    let e = Engine::start();
    e.apply(&job("evs", 6, "true"));
    e.ok(&[
        "wait",
        "--for=condition=complete",
        "job/evs",
        "--timeout=90s",
    ]);
    let table = e.ok(&["get", "events"]);
    let header = table.lines().next().unwrap_or("");
    assert!(
        header.starts_with("LAST SEEN") && header.contains("REASON") && header.contains("OBJECT"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("SuccessfulCreate") && l.contains("job/evs")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("Completed") && l.contains("job/evs")),
        "{table}"
    );
    // kubectl events: sorted by time, Kind/name, filtered by --for.
    let listed = e.ok(&["events", "--for", "job/evs"]);
    let rows: Vec<&str> = listed.lines().skip(1).collect();
    assert!(!rows.is_empty(), "{listed}");
    assert!(rows.iter().all(|l| l.contains("Job/evs")), "{listed}");
    let created = rows.iter().position(|l| l.contains("SuccessfulCreate"));
    let completed = rows.iter().position(|l| l.contains("Completed"));
    assert!(
        created.is_some() && completed.is_some() && created < completed,
        "{listed}"
    );
    let out = e.cli(&["events", "--types=Warning"]);
    assert!(out.status.success());
    assert_eq!(
        stderr(&out),
        format!("No events found in {} namespace.\n", e.namespace)
    );
}

#[test]
fn get_pods_watch_prints_each_transition() {
    let e = Engine::start();
    let (mut watcher, lines) = e.spawn_cli_lines(&["get", "pods", "-w"]);
    std::thread::sleep(Duration::from_millis(500));
    e.apply(&job("watched", 6, "sleep 3"));
    e.ok(&[
        "wait",
        "--for=condition=complete",
        "job/watched",
        "--timeout=90s",
    ]);
    // The last transition may still be on its way through the pipe.
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
        if seen.iter().any(|l| l.contains("Completed")) {
            break;
        }
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    let all = seen.join("\n");
    assert!(seen.first().is_some_and(|l| l.starts_with("NAME")), "{all}");
    assert_eq!(
        seen.iter().filter(|l| l.starts_with("NAME")).count(),
        1,
        "{all}"
    );
    let rows: Vec<&String> = seen.iter().filter(|l| l.starts_with("watched-")).collect();
    assert!(rows.iter().any(|l| l.contains("Running")), "{all}");
    assert!(rows.iter().any(|l| l.contains("Completed")), "{all}");
    let running = rows.iter().position(|l| l.contains("Running"));
    let completed = rows.iter().position(|l| l.contains("Completed"));
    assert!(running < completed, "{all}");
}

#[test]
fn get_job_watch_follows_one_job_to_complete() {
    let e = Engine::start();
    e.apply(&job("one", 6, "sleep 2"));
    let (mut watcher, lines) = e.spawn_cli_lines(&["get", "job", "one", "-w"]);
    e.ok(&[
        "wait",
        "--for=condition=complete",
        "job/one",
        "--timeout=90s",
    ]);
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !seen.iter().any(|l| l.contains("Complete ")) {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    let all = seen.join("\n");
    assert!(seen.first().is_some_and(|l| l.starts_with("NAME")), "{all}");
    assert!(seen[1..].iter().all(|l| l.starts_with("one ")), "{all}");
    assert!(seen.iter().any(|l| l.contains("Complete ")), "{all}");
}
