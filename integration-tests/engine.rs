//! The engine end to end against the real Docker daemon, driven through the built
//! `dockjob` binary: the Job patterns of issue 2, retries, restarts, deletion, and a
//! SIGKILLed engine that must still end with exactly the right counts.

mod common;

use std::time::Duration;

use common::*;

fn job_yaml(name: &str, extra_spec: &str, restart: &str, script: &str) -> String {
    busybox_job(
        name,
        "  labels:\n    test: engine\n",
        extra_spec,
        restart,
        script,
    )
}

fn n(v: &serde_json::Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

#[test]
fn one_shot_succeeds_and_shows_complete() {
    let e = Engine::start();
    let out = e.apply(&job_yaml(
        "oneshot",
        "",
        "OnFailure",
        "echo hello from oneshot",
    ));
    assert_eq!(out.trim(), "job.batch/oneshot created");
    let job = e.wait_finished("oneshot", Duration::from_secs(60));
    assert_eq!(
        condition(&job, "Complete").unwrap()["status"],
        "True",
        "{job:#}"
    );
    assert!(condition(&job, "Failed").is_none());
    assert_eq!(n(&job["status"]["succeeded"]), 1);
    assert!(job["status"]["completionTime"].is_string());

    let table = e.ok(&["get", "jobs", "-a"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("oneshot"))
        .expect(&table);
    assert!(row.contains("Complete") && row.contains("1/1"), "{table}");
    // Finished jobs are hidden without -a, as `docker ps` hides stopped containers.
    assert!(!e.ok(&["get", "jobs"]).contains("oneshot"));

    let logs = e.ok(&["logs", "job/oneshot"]);
    assert_eq!(logs.trim(), "hello from oneshot");

    // Applying the same file again changes nothing.
    let again = e.apply(&job_yaml(
        "oneshot",
        "",
        "OnFailure",
        "echo hello from oneshot",
    ));
    assert_eq!(again.trim(), "job.batch/oneshot unchanged");

    let pods = e.pods("oneshot");
    assert_eq!(pods.len(), 1);
    let labels = &pods[0]["metadata"]["labels"];
    assert_eq!(labels["job-name"], "oneshot");
    assert_eq!(labels["batch.kubernetes.io/job-name"], "oneshot");
    assert_eq!(labels["controller-uid"], job["metadata"]["uid"]);
    let pod_name = pods[0]["metadata"]["name"].as_str().unwrap();
    assert!(pod_name.starts_with("oneshot-") && pod_name.len() == "oneshot-".len() + 5);
}

#[test]
fn never_pod_failures_are_retried_with_backoff_until_the_limit() {
    let e = Engine::start();
    e.apply(&job_yaml(
        "failing",
        "  backoffLimit: 1\n",
        "Never",
        "echo failing; exit 3",
    ));
    let job = e.wait_finished("failing", Duration::from_secs(90));
    let failed = condition(&job, "Failed").expect("Failed condition");
    assert_eq!(failed["reason"], "BackoffLimitExceeded", "{job:#}");
    assert!(condition(&job, "Complete").is_none());
    assert_eq!(n(&job["status"]["failed"]), 2, "{job:#}");
    let mut pods = e.pods("failing");
    assert_eq!(pods.len(), 2, "one pod and one replacement");
    for p in &pods {
        assert_eq!(p["status"]["phase"], "Failed");
        let state = &p["status"]["containerStatuses"][0]["state"]["terminated"];
        assert_eq!(state["exitCode"], 3, "{p:#}");
    }
    // The replacement waited for the Job backoff (10 s) after the first failure.
    pods.sort_by_key(|p| {
        p["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let first_end: jiff::Timestamp =
        pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
    let second_start: jiff::Timestamp = pods[1]["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let gap = second_start.duration_since(first_end).as_secs_f64();
    assert!(
        gap >= 9.0,
        "replacement created {gap}s after the failure, before the 10 s backoff"
    );
}

#[test]
fn on_failure_restarts_in_place_and_counts_toward_the_limit() {
    let e = Engine::start();
    e.apply(&job_yaml(
        "crashy",
        "  backoffLimit: 2\n",
        "OnFailure",
        "exit 1",
    ));
    let job = e.wait_finished("crashy", Duration::from_secs(90));
    assert_eq!(
        condition(&job, "Failed").unwrap()["reason"],
        "BackoffLimitExceeded",
        "{job:#}"
    );
    let pods = e.pods("crashy");
    assert_eq!(pods.len(), 1, "OnFailure restarts the same pod: {pods:#?}");
    let restarts = n(&pods[0]["status"]["containerStatuses"][0]["restartCount"]);
    assert!(restarts >= 2, "restartCount {restarts}");
    assert_eq!(
        pods[0]["status"]["phase"], "Failed",
        "the pod is stopped when the job fails"
    );
    eventually(Duration::from_secs(30), "the container to stop", || {
        docker_containers(&e.label(), true).is_empty().then_some(())
    });
}

#[test]
fn parallel_job_never_exceeds_parallelism_and_ends_with_exact_count() {
    let e = Engine::start();
    e.apply(&job_yaml(
        "parallel",
        "  parallelism: 5\n  completions: 10\n",
        "OnFailure",
        "sleep 1",
    ));
    let mut max_running = 0;
    let job = eventually(Duration::from_secs(120), "parallel job to complete", || {
        let running = docker_app_containers(&e.label(), true).len();
        max_running = max_running.max(running);
        let job = e.job("parallel");
        assert!(n(&job["status"]["active"]) <= 5, "{job:#}");
        condition(&job, "Complete").is_some().then_some(job)
    });
    assert!(max_running <= 5, "{max_running} containers ran at once");
    assert!(
        max_running >= 2,
        "the job ran pods in parallel ({max_running})"
    );
    assert_eq!(n(&job["status"]["succeeded"]), 10, "{job:#}");
    assert_eq!(e.pods("parallel").len(), 10);
}

#[test]
fn work_queue_job_completes_when_all_pods_end_after_a_success() {
    let e = Engine::start();
    e.apply(&job_yaml(
        "consumers",
        "  parallelism: 3\n",
        "OnFailure",
        "sleep $((RANDOM % 3)); echo done",
    ));
    let job = e.wait_finished("consumers", Duration::from_secs(60));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    let pods = e.pods("consumers");
    assert_eq!(pods.len(), 3, "no new pod after the first success");
    assert!(pods.iter().all(|p| p["status"]["phase"] == "Succeeded"));
    assert_eq!(n(&job["status"]["succeeded"]), 3);
    assert_eq!(job["spec"]["completions"], serde_json::Value::Null);
}

#[test]
fn delete_removes_the_job_and_every_container() {
    let e = Engine::start();
    e.apply(&job_yaml(
        "doomed",
        "  parallelism: 2\n  completions: 4\n",
        "Never",
        "sleep 30",
    ));
    eventually(Duration::from_secs(30), "two running containers", || {
        (docker_app_containers(&e.label(), true).len() == 2).then_some(())
    });
    let out = e.ok(&["delete", "job", "doomed"]);
    assert_eq!(out.trim(), "job.batch \"doomed\" deleted");
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "containers left behind"
    );
    let gone = e.cli(&["get", "job", "doomed"]);
    assert!(!gone.status.success());
    assert_eq!(
        String::from_utf8_lossy(&gone.stderr).trim(),
        "Error from server (NotFound): jobs.batch \"doomed\" not found"
    );
    assert!(e.pods("doomed").is_empty());
}

#[test]
fn delete_by_selector_and_by_file() {
    let e = Engine::start();
    let a = job_yaml("sel-a", "", "Never", "true");
    let b = job_yaml("sel-b", "", "Never", "true");
    e.apply(&format!("{a}---\n{b}"));
    e.wait_finished("sel-a", Duration::from_secs(60));
    e.wait_finished("sel-b", Duration::from_secs(60));
    let out = e.ok(&["delete", "jobs", "-l", "test=engine"]);
    assert!(
        out.contains("job.batch \"sel-a\" deleted") && out.contains("job.batch \"sel-b\" deleted")
    );
    assert!(docker_containers(&e.label(), false).is_empty());

    let file = e.dir.path().join("job.yaml");
    std::fs::write(&file, job_yaml("from-file", "", "Never", "true")).unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(
        e.ok(&["apply", "-f", f]).trim(),
        "job.batch/from-file created"
    );
    assert_eq!(
        e.ok(&["delete", "-f", f]).trim(),
        "job.batch \"from-file\" deleted"
    );
    assert!(docker_containers(&e.label(), false).is_empty());
}

#[test]
fn engine_killed_mid_job_still_ends_with_exact_counts() {
    let mut e = Engine::start();
    e.apply(&job_yaml(
        "survivor",
        "  parallelism: 3\n  completions: 6\n",
        "Never",
        "sleep 4",
    ));
    // Kill it mid-job: as soon as pods run (on a loaded machine the three may not all
    // be up at one poll).
    eventually(Duration::from_secs(60), "pods running", || {
        (!docker_app_containers(&e.label(), true).is_empty()).then_some(())
    });
    e.kill();
    // Results happen while no engine watches.
    std::thread::sleep(Duration::from_secs(3));
    e.restart();
    let job = e.wait_finished("survivor", Duration::from_secs(120));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    assert_eq!(n(&job["status"]["succeeded"]), 6, "{job:#}");
    assert_eq!(n(&job["status"]["failed"]), 0, "{job:#}");
    let pods = e.pods("survivor");
    assert_eq!(
        pods.len(),
        6,
        "every pod's result recorded exactly once: {pods:#?}"
    );
}

#[test]
fn a_second_engine_on_the_same_data_dir_refuses_to_start() {
    let e = Engine::start();
    let out = std::process::Command::new(bin())
        .args(["server", "--data-dir"])
        .arg(e.data_dir())
        .arg("--socket")
        .arg(e.dir.path().join("other.sock"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another dockjob engine (pid"), "{err}");
}

#[test]
fn docker_unreachable_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin())
        .args(["server", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--socket")
        .arg(dir.path().join("s.sock"))
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("Docker")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("/nonexistent/docker.sock"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_manifest_is_refused_with_file_and_line_and_nothing_is_applied() {
    let e = Engine::start();
    let good = job_yaml("good", "", "Never", "true");
    let bad = job_yaml("bad", "  parallelism: -1\n", "Never", "true");
    let file = e.dir.path().join("mixed.yaml");
    std::fs::write(&file, format!("{good}---\n{bad}")).unwrap();
    let out = e.cli(&["apply", "-f", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mixed.yaml:"), "{err}");
    assert!(err.contains("spec.parallelism: Invalid value: -1"), "{err}");
    let listed = e.json(&["get", "jobs", "-a"]);
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "nothing applied: {listed}"
    );
}

#[test]
fn cli_starts_an_engine_when_none_answers_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("auto.sock");
    let data = dir.path().join("data");
    let refused = std::process::Command::new(bin())
        .args(["get", "jobs", "--no-autostart", "--socket"])
        .arg(&socket)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no dockjob engine answers"));

    let out = std::process::Command::new(bin())
        .args(["get", "jobs", "--socket"])
        .arg(&socket)
        .arg("--data-dir")
        .arg(&data)
        .env_remove("DOCKJOB_NO_AUTOSTART")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("started one in the background"), "{err}");
    // Stop the engine it started.
    let pid: i32 = std::fs::read_to_string(data.join("engine.lock"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: sending a signal to a pid we started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
}

/// The repo's own manifests (the Kubernetes Up & Running walkthrough, on the local
/// kuard image) run here as written, in the book's order.
#[test]
fn the_walkthrough_manifests_run_here() {
    let e = Engine::start();
    let manifest = |file: &str| format!("{}/manifests/{file}", env!("CARGO_MANIFEST_DIR"));
    for file in ["job-oneshot.yaml", "job-parallel.yaml"] {
        let out = e.ok(&["apply", "-f", &manifest(file)]);
        assert!(out.trim().ends_with("created"), "{out}");
    }
    let oneshot = e.wait_finished("oneshot", Duration::from_secs(120));
    assert!(condition(&oneshot, "Complete").is_some(), "{oneshot:#}");
    let logs = e.ok(&["logs", "job/oneshot"]);
    assert_eq!(logs.matches("Item done").count(), 10, "{logs}");

    let parallel = e.wait_finished("parallel", Duration::from_secs(180));
    assert!(condition(&parallel, "Complete").is_some(), "{parallel:#}");
    assert_eq!(n(&parallel["status"]["succeeded"]), 10);
    assert_eq!(e.pods("parallel").len(), 10);

    // The failing one shot reuses the name: the book deletes the first one before.
    e.ok(&["delete", "job", "oneshot"]);
    e.ok(&["apply", "-f", &manifest("job-oneshot-failure1.yaml")]);
    let failed = e.wait_finished("oneshot", Duration::from_secs(180));
    assert_eq!(
        condition(&failed, "Failed").map(|c| c["reason"].clone()),
        Some("BackoffLimitExceeded".into()),
        "{failed:#}"
    );
    let pods = e.pods("oneshot");
    assert_eq!(pods.len(), 1, "OnFailure restarts the one pod in place");
    let restarts = n(&pods[0]["status"]["containerStatuses"][0]["restartCount"]);
    assert!(
        restarts >= 6,
        "restartCount {restarts} reached the backoff limit"
    );
}

/// The repo's CronJob example is accepted, scheduled, and its template runs here
/// (through `create job --from`, as its schedule is hours away).
#[test]
fn the_cronjob_example_runs_here() {
    let e = Engine::start();
    let file = format!("{}/manifests/cronjob.yaml", env!("CARGO_MANIFEST_DIR"));
    let out = e.ok(&["apply", "-f", &file]);
    assert!(
        out.trim().starts_with("cronjob.batch/") && out.trim().ends_with("created"),
        "{out}"
    );
    let name = out
        .trim()
        .trim_start_matches("cronjob.batch/")
        .trim_end_matches(" created")
        .to_string();
    let table = e.ok(&["get", "cronjobs"]);
    assert!(table.contains(&name), "{table}");
    let created = e.ok(&[
        "create",
        "job",
        "from-example",
        &format!("--from=cronjob/{name}"),
    ]);
    assert_eq!(created.trim(), "job.batch/from-example created");
    let job = e.wait_finished("from-example", Duration::from_secs(120));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");

    // The book's file says batch/v1beta1: accepted as batch/v1, with the warning.
    let old = std::fs::read_to_string(&file)
        .unwrap()
        .replace("apiVersion: batch/v1\n", "apiVersion: batch/v1beta1\n")
        .replace(&format!("name: {name}"), "name: old-style");
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&old));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        e.json(&["get", "cronjob", "old-style"])["apiVersion"],
        "batch/v1"
    );
}
