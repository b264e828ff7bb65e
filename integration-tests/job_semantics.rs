//! Issue 3 against the real Docker daemon: the JobSpec fields whose behaviour depends on
//! what containers really do (deadline, suspend/resume, Indexed hostnames and env, pod
//! failure policy on an exit code, backoffLimitPerIndex, success policy, OOMKilled, TTL),
//! and a long job whose counts must equal the containers that really ran.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A Job with `spec` lines (indented two spaces) and one busybox container.
fn job(name: &str, spec: &str, restart: &str, script: &str, container_extra: &str) -> String {
    busybox_job(name, "", spec, restart, script) + container_extra
}

fn events(e: &Engine) -> String {
    e.ok(&["get", "events"])
}

fn running(e: &Engine) -> usize {
    docker_app_containers(&e.label(), true).len()
}

#[test]
fn active_deadline_stops_every_pod_and_fails_the_job() {
    let e = Engine::start();
    e.apply(&job(
        "deadline",
        "  parallelism: 2\n  completions: 4\n  activeDeadlineSeconds: 3\n",
        "Never",
        "sleep 60",
        "",
    ));
    let job = e.wait_finished("deadline", Duration::from_secs(60));
    let failed = condition(&job, "Failed").expect("Failed");
    assert_eq!(failed["reason"], "DeadlineExceeded", "{job:#}");
    assert_eq!(
        failed["message"],
        "Job was active longer than specified deadline"
    );
    eventually(Duration::from_secs(40), "containers stopped", || {
        (running(&e) == 0).then_some(())
    });
    assert!(events(&e).contains("DeadlineExceeded"));
    let job = e.job("deadline");
    assert_eq!(n(&job["status"]["active"]), 0, "{job:#}");
}

#[test]
fn suspend_creates_nothing_and_resume_runs_the_job() {
    let e = Engine::start();
    e.apply(&job(
        "sleeper",
        "  suspend: true\n",
        "Never",
        "echo ran",
        "",
    ));
    let suspended = eventually(Duration::from_secs(20), "Suspended condition", || {
        let j = e.job("sleeper");
        condition(&j, "Suspended").is_some().then_some(j)
    });
    assert_eq!(
        condition(&suspended, "Suspended").unwrap()["reason"],
        "JobSuspended"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(e.pods("sleeper").is_empty(), "no pods while suspended");

    e.apply(&job(
        "sleeper",
        "  suspend: false\n",
        "Never",
        "echo ran",
        "",
    ));
    let job = e.wait_finished("sleeper", Duration::from_secs(60));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    let resumed = condition(&job, "Suspended").unwrap();
    assert_eq!(
        (resumed["status"].as_str(), resumed["reason"].as_str()),
        (Some("False"), Some("JobResumed"))
    );
    let ev = events(&e);
    assert!(ev.contains("Suspended") && ev.contains("Resumed"), "{ev}");
}

#[test]
fn suspending_a_running_job_stops_its_pods() {
    let e = Engine::start();
    e.apply(&job(
        "pausable",
        "  parallelism: 2\n  completions: 2\n",
        "Never",
        "sleep 60",
        "",
    ));
    eventually(Duration::from_secs(30), "two running", || {
        (running(&e) == 2).then_some(())
    });
    e.apply(&job(
        "pausable",
        "  parallelism: 2\n  completions: 2\n  suspend: true\n",
        "Never",
        "sleep 60",
        "",
    ));
    eventually(Duration::from_secs(40), "pods stopped", || {
        (running(&e) == 0).then_some(())
    });
    let job = eventually(Duration::from_secs(20), "active 0 and Suspended", || {
        let j = e.job("pausable");
        (n(&j["status"]["active"]) == 0 && condition(&j, "Suspended").is_some()).then_some(j)
    });
    assert!(condition(&job, "Failed").is_none(), "{job:#}");
    assert!(condition(&job, "Complete").is_none(), "{job:#}");
}

#[test]
fn indexed_pods_get_their_index_hostname_and_names() {
    let e = Engine::start();
    e.apply(&job(
        "idx",
        "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n",
        "Never",
        "echo index=$JOB_COMPLETION_INDEX host=$(hostname)",
        "",
    ));
    let job = e.wait_finished("idx", Duration::from_secs(60));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    assert_eq!(job["status"]["completedIndexes"], "0-2");
    let pods = e.pods("idx");
    assert_eq!(pods.len(), 3);
    for pod in &pods {
        let index = pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            pod["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"],
            index.as_str()
        );
        let name = pod["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with(&format!("idx-{index}-")), "{name}");
        let logs = e.ok(&["logs", name]);
        assert_eq!(logs.trim(), format!("index={index} host=idx-{index}"));
    }
}

#[test]
fn pod_failure_policy_fails_the_job_on_a_matching_exit_code() {
    let e = Engine::start();
    let spec = "  backoffLimit: 6\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes:\n        containerName: main\n        operator: In\n        values: [42]\n";
    e.apply(&job("pfp", spec, "Never", "exit 42", ""));
    let job = e.wait_finished("pfp", Duration::from_secs(60));
    let failed = condition(&job, "Failed").expect("Failed");
    assert_eq!(failed["reason"], "PodFailurePolicy", "{job:#}");
    let msg = failed["message"].as_str().unwrap();
    assert!(
        msg.contains("failed with exit code 42 matching FailJob rule at index 0"),
        "{msg}"
    );
    assert_eq!(e.pods("pfp").len(), 1, "no retry after FailJob");
}

#[test]
fn backoff_limit_per_index_fails_only_that_index() {
    let e = Engine::start();
    e.apply(&job(
        "perindex",
        "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n  backoffLimitPerIndex: 0\n",
        "Never",
        "[ \"$JOB_COMPLETION_INDEX\" = 1 ] && exit 1; exit 0",
        "",
    ));
    let job = e.wait_finished("perindex", Duration::from_secs(60));
    let failed = condition(&job, "Failed").expect("Failed");
    assert_eq!(failed["reason"], "FailedIndexes", "{job:#}");
    assert_eq!(job["status"]["failedIndexes"], "1");
    assert_eq!(job["status"]["completedIndexes"], "0,2");
    assert_eq!(e.pods("perindex").len(), 3, "index 1 not retried");
}

#[test]
fn success_policy_completes_early_and_stops_the_rest() {
    let e = Engine::start();
    let spec = "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n  successPolicy:\n    rules:\n    - succeededIndexes: \"0\"\n";
    e.apply(&job(
        "leader",
        spec,
        "Never",
        "[ \"$JOB_COMPLETION_INDEX\" = 0 ] && exit 0; sleep 60",
        "",
    ));
    let job = e.wait_finished("leader", Duration::from_secs(90));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    let met = condition(&job, "SuccessCriteriaMet").expect("SuccessCriteriaMet");
    assert_eq!(met["reason"], "SuccessPolicy");
    eventually(Duration::from_secs(40), "leftover pods stopped", || {
        (running(&e) == 0).then_some(())
    });
}

/// The OOM tests take turns: the kernel prints the line naming an OOM kill's memory
/// cgroup at most 10 times in 5 s host-wide (its OOM report ratelimit), and the two
/// tests side by side kill more than that (a container may lose two processes).
static OOM_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn oom_turn() -> std::sync::MutexGuard<'static, ()> {
    OOM_TESTS.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn an_oom_killed_container_shows_oomkilled() {
    let _turn = oom_turn();
    let e = Engine::start();
    let limits = "        resources:\n          limits:\n            memory: 16Mi\n";
    e.apply(&job(
        "hungry",
        "  backoffLimit: 0\n",
        "Never",
        "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived",
        limits,
    ));
    let job = e.wait_finished("hungry", Duration::from_secs(60));
    assert!(condition(&job, "Failed").is_some(), "{job:#}");
    let pod = &e.pods("hungry")[0];
    assert_eq!(
        pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "OOMKilled",
        "{pod:#}"
    );
    let name = pod["metadata"]["name"].as_str().unwrap();
    assert!(e.ok(&["get", "pods", "-a"]).contains("OOMKilled"));
    assert!(e.ok(&["describe", "pod", name]).contains("OOMKilled"));
}

/// Eight containers OOM-killed side by side: Docker 20.10's inspect misses some of them
/// (its OOM event lands after the exit, or not at all), and each must still say
/// OOMKilled (the engine also hears Docker's `oom` events and the kernel's log).
#[test]
fn oom_kills_side_by_side_all_show_oomkilled() {
    let _turn = oom_turn();
    let e = Engine::start();
    let limits = "        resources:\n          limits:\n            memory: 16Mi\n";
    e.apply(&job(
        "hungry8",
        "  completions: 8\n  parallelism: 8\n  completionMode: Indexed\n  backoffLimitPerIndex: 0\n",
        "Never",
        "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived",
        limits,
    ));
    let job = e.wait_finished("hungry8", Duration::from_secs(120));
    assert_eq!(job["status"]["failed"], 8, "{job:#}");
    let pods = e.pods("hungry8");
    assert_eq!(pods.len(), 8);
    for pod in &pods {
        let terminated = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
        assert_eq!(terminated["reason"], "OOMKilled", "{pod:#}");
        assert_eq!(terminated["exitCode"], 137, "{pod:#}");
    }
}

#[test]
fn ttl_after_finished_removes_the_job_and_its_containers() {
    let e = Engine::start();
    e.apply(&job(
        "shortlived",
        "  ttlSecondsAfterFinished: 0\n",
        "Never",
        "true",
        "",
    ));
    eventually(Duration::from_secs(60), "the job to be removed", || {
        let out = e.cli(&["get", "job", "shortlived"]);
        (!out.status.success()).then_some(())
    });
    eventually(Duration::from_secs(20), "containers removed", || {
        docker_containers(&e.label(), false)
            .is_empty()
            .then_some(())
    });
}

#[test]
fn a_long_job_counts_exactly_the_pods_that_ran() {
    let e = Engine::start();
    e.apply(&job(
        "long",
        "  completions: 12\n  parallelism: 4\n  backoffLimit: 100\n",
        "Never",
        "[ $((RANDOM % 4)) -eq 0 ] && exit 1; exit 0",
        "",
    ));
    let job = e.wait_finished("long", Duration::from_secs(300));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    let containers = docker_app_containers(&e.label(), false).len() as i64;
    assert_eq!(n(&job["status"]["succeeded"]), 12);
    assert_eq!(
        n(&job["status"]["succeeded"]) + n(&job["status"]["failed"]),
        containers,
        "{job:#}"
    );
}

#[test]
fn deleting_a_job_pod_counts_a_failure_and_replaces_it() {
    let e = Engine::start();
    e.apply(&job(
        "replaced",
        "  backoffLimit: 3\n",
        "Never",
        "sleep 60",
        "",
    ));
    let first = eventually(Duration::from_secs(30), "the pod to run", || {
        e.pods("replaced")
            .into_iter()
            .find(|p| p["status"]["phase"] == "Running")
    });
    let name = first["metadata"]["name"].as_str().unwrap().to_string();
    let out = e.ok(&["delete", "pod", &name, "--timeout", "60"]);
    assert_eq!(out.trim(), format!("pod \"{name}\" deleted"));
    // Terminated, not removed: the record stays with its result while the Job lives.
    let pods = e.pods("replaced");
    let old = pods
        .iter()
        .find(|p| p["metadata"]["name"] == name.as_str())
        .unwrap();
    assert_eq!(old["status"]["phase"], "Failed", "{old:#}");
    let job = eventually(Duration::from_secs(60), "a replacement pod", || {
        let j = e.job("replaced");
        (n(&j["status"]["failed"]) == 1 && e.pods("replaced").len() == 2).then_some(j)
    });
    assert!(condition(&job, "Failed").is_none(), "{job:#}");
}
