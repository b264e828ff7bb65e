//! CronJobs against the real Docker daemon: a job at the minute boundary, Forbid while
//! a job runs, history limits, a schedule missed while the engine was down, and the
//! cascade when a CronJob is deleted. These wait for real minute boundaries, so each
//! takes one to three minutes; they run in parallel.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

fn cronjob(name: &str, spec: &str, script: &str) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
spec:
  schedule: "* * * * *"
{spec}  jobTemplate:
    spec:
      template:
        spec:
{}"#,
        busybox_pod_spec(10, "Never", script)
    )
}

fn jobs(e: &Engine) -> Vec<Value> {
    e.json(&["get", "jobs", "-a"])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn ts(v: &Value) -> jiff::Timestamp {
    v.as_str().unwrap().parse().unwrap()
}

/// Seconds until the next minute boundary.
fn secs_to_next_minute() -> i64 {
    60 - jiff::Timestamp::now().as_second().rem_euclid(60)
}

#[test]
fn every_minute_creates_a_job_at_the_boundary_that_completes_and_history_is_trimmed() {
    let e = Engine::start();
    e.apply(&cronjob(
        "tick",
        "  successfulJobsHistoryLimit: 1\n",
        "echo tick",
    ));
    let first = eventually(Duration::from_secs(75), "the first job", || {
        jobs(&e).into_iter().next()
    });
    let name = first["metadata"]["name"].as_str().unwrap().to_string();
    let scheduled =
        ts(&first["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
    assert_eq!(
        scheduled.as_second() % 60,
        0,
        "scheduled on a minute boundary"
    );
    assert_eq!(name, format!("tick-{}", scheduled.as_second() / 60));
    let created = ts(&first["metadata"]["creationTimestamp"]);
    let late = created.as_second() - scheduled.as_second();
    assert!(
        (0..=1).contains(&late),
        "created {late}s after its schedule time"
    );
    assert_eq!(first["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    let done = e.wait_finished(&name, Duration::from_secs(60));
    assert!(condition(&done, "Complete").is_some());

    // The next run; then only the newest successful job is kept (limit 1).
    let second = eventually(Duration::from_secs(75), "a second job", || {
        jobs(&e)
            .into_iter()
            .find(|j| j["metadata"]["name"] != name.as_str())
    });
    let second_name = second["metadata"]["name"].as_str().unwrap().to_string();
    e.wait_finished(&second_name, Duration::from_secs(60));
    eventually(Duration::from_secs(30), "the first job trimmed", || {
        let names: Vec<String> = jobs(&e)
            .iter()
            .map(|j| j["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        (names == [second_name.clone()]).then_some(())
    });
    let cj = e.json(&["get", "cronjob", "tick"]);
    assert!(cj["status"]["lastScheduleTime"].is_string(), "{cj:#}");
    assert!(cj["status"]["lastSuccessfulTime"].is_string(), "{cj:#}");
    let table = e.ok(&["get", "cronjobs"]);
    assert!(table.lines().next().unwrap().starts_with("NAME"), "{table}");
    assert!(table.contains("* * * * *"), "{table}");
}

#[test]
fn forbid_skips_a_schedule_while_the_previous_job_runs() {
    let e = Engine::start();
    e.apply(&cronjob(
        "slow",
        "  concurrencyPolicy: Forbid\n",
        "sleep 100",
    ));
    let first = eventually(Duration::from_secs(75), "the first job", || {
        jobs(&e).into_iter().next()
    });
    let first_time =
        ts(&first["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
    // Wait past the next boundary.
    std::thread::sleep(Duration::from_secs(secs_to_next_minute() as u64 + 5));
    assert_eq!(
        jobs(&e).len(),
        1,
        "Forbid: no second job while the first runs"
    );
    let events = e.ok(&["get", "events"]);
    assert!(events.contains("JobAlreadyActive"), "{events}");
    let cj = e.json(&["get", "cronjob", "slow"]);
    assert_eq!(
        cj["status"]["active"].as_array().map(Vec::len),
        Some(1),
        "{cj:#}"
    );
    assert_eq!(ts(&cj["status"]["lastScheduleTime"]), first_time);
}

#[test]
fn a_schedule_missed_while_the_engine_was_down_runs_once_within_the_deadline() {
    let mut e = Engine::start();
    // Far enough from a boundary that the kill lands before it.
    if secs_to_next_minute() < 15 {
        std::thread::sleep(Duration::from_secs(secs_to_next_minute() as u64 + 1));
    }
    e.apply(&cronjob(
        "missed",
        "  startingDeadlineSeconds: 200\n",
        "echo caught up",
    ));
    e.kill();
    let boundary = jiff::Timestamp::now().as_second() + secs_to_next_minute();
    std::thread::sleep(Duration::from_secs(secs_to_next_minute() as u64 + 5));
    e.restart();
    let job = eventually(Duration::from_secs(20), "the missed job", || {
        jobs(&e).into_iter().next()
    });
    let scheduled =
        ts(&job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
    assert_eq!(scheduled.as_second(), boundary, "{job:#}");
    let name = job["metadata"]["name"].as_str().unwrap().to_string();
    assert!(condition(&e.wait_finished(&name, Duration::from_secs(60)), "Complete").is_some());
    let for_that_minute = jobs(&e)
        .iter()
        .filter(|j| j["metadata"]["name"] == name.as_str())
        .count();
    assert_eq!(for_that_minute, 1, "exactly once");
}

#[test]
fn deleting_a_cronjob_deletes_its_jobs_and_containers() {
    let e = Engine::start();
    e.apply(&cronjob("doomed", "", "sleep 100"));
    eventually(Duration::from_secs(75), "a running container", || {
        (!docker_containers(&e.label(), true).is_empty()).then_some(())
    });
    assert_eq!(
        e.ok(&["delete", "cronjob", "doomed"]).trim(),
        "cronjob.batch \"doomed\" deleted"
    );
    assert!(jobs(&e).is_empty());
    assert!(docker_containers(&e.label(), false).is_empty());
}
