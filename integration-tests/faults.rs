//! Faults injected into a running engine against the real Docker daemon (issue 7): the
//! engine SIGKILLed between creating and starting a container, during a burst of
//! completions and while a CronJob is due; containers removed or killed from outside.
//! After each, the invariants of `common::invariants` are checked. (engine.rs holds the
//! plain SIGKILL-mid-job test and the second-engine-refused test; faults_dockerd.rs the
//! dockerd restart, in its own process because it points DOCKER_HOST elsewhere.)

mod common;

use std::process::Command;
use std::time::Duration;

use common::invariants::{self, ActiveSampler, Expect};
use common::*;
use serde_json::Value;

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// App containers of the namespace in Docker's state `state` (created, running, ...).
fn app_containers_in(e: &Engine, state: &str) -> Vec<invariants::Seen> {
    invariants::inspect_all(&e.label())
        .into_iter()
        .filter(|c| c.role == "app" && c.status == state)
        .collect()
}

#[test]
fn killed_between_create_and_start_the_container_runs_exactly_once() {
    let mut e = Engine::start();
    e.kill();
    e.restart_env(&[("DOCKJOB_FAILPOINT", "after-create:abort")]);
    let socket = e.socket.clone();
    eventually(Duration::from_secs(20), "the engine to answer", || {
        std::os::unix::net::UnixStream::connect(&socket).ok()
    });
    let sampler = ActiveSampler::start(&e.label());
    e.apply(&busybox_job(
        "halfway",
        "",
        "  completions: 2\n  parallelism: 1\n",
        "Never",
        "echo ran",
    ));
    eventually(
        Duration::from_secs(60),
        "the failpoint to abort the engine",
        || e.exited().then_some(()),
    );
    assert!(
        e.log()
            .contains("DOCKJOB_FAILPOINT: aborting at after-create"),
        "{}",
        tail(&e.log(), 20)
    );
    // The state a SIGKILL between the two calls leaves: created, never started.
    let created = app_containers_in(&e, "created");
    assert_eq!(
        created.len(),
        1,
        "{:#?}",
        invariants::inspect_all(&e.label())
    );
    let victim = created[0].clone();
    assert!(app_containers_in(&e, "running").is_empty());

    e.restart();
    let expect = Expect {
        completions: 2,
        parallelism: 1,
        failed: Some(0),
    };
    let job = e.wait_finished("halfway", Duration::from_secs(120));
    let (_, pods) = invariants::check_results(&e, "halfway", &expect, job);
    assert_eq!(pods.len(), 2, "{pods:#?}");
    // The created container itself was started, once: no replacement, one run.
    let started = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{.RestartCount}}",
        &victim.id,
    ]);
    assert_eq!(started, "exited 0");
    assert_eq!(docker(&["logs", &victim.id]), "ran");
    let victim_pods = pods
        .iter()
        .filter(|p| p["metadata"]["uid"] == victim.pod_uid.as_str())
        .count();
    assert_eq!(victim_pods, 1);
    let max = sampler.finish();
    assert!(max <= 1, "{max} pods ran at once");
    invariants::check_deleted_leaves_nothing(&e, "halfway");
    invariants::check_store(&mut e);
}

#[test]
fn killed_during_a_burst_of_completions_every_result_counts_once() {
    let mut e = Engine::start();
    let sampler = ActiveSampler::start(&e.label());
    e.apply(&busybox_job(
        "burst",
        "",
        "  completions: 30\n  parallelism: 10\n",
        "Never",
        "true",
    ));
    // Kill at several moments of the burst: right after the apply, then as results land.
    e.kill();
    std::thread::sleep(Duration::from_millis(500));
    e.restart();
    for at_least in [3, 12, 22] {
        eventually(
            Duration::from_secs(120),
            &format!("{at_least} results"),
            || {
                let done = e
                    .pods("burst")
                    .iter()
                    .filter(|p| p["status"]["phase"] == "Succeeded")
                    .count();
                (done >= at_least).then_some(())
            },
        );
        e.kill();
        // Containers that were running end while no engine watches.
        std::thread::sleep(Duration::from_secs(1));
        e.restart();
    }
    let job = e.wait_finished("burst", Duration::from_secs(240));
    assert_eq!(int(&job["status"]["succeeded"]), 30, "{job:#}");
    let max = sampler.finish();
    let expect = Expect {
        completions: 30,
        parallelism: 10,
        failed: Some(0),
    };
    let (_, pods) = invariants::check(&mut e, "burst", &expect, max);
    assert_eq!(pods.len(), 30, "every pod's result recorded exactly once");
}

/// Four seconds of work that ends at once, with 143, on SIGTERM (busybox `sh` as PID 1
/// would ignore it and let a stop wait out the whole grace period).
const WORK: &str = "trap 'exit 143' TERM; sleep 4 & wait";

/// A Job pod's app (or infra) container hit from outside by `docker <how>` while it
/// runs, under `policy`; returns the pods after the invariants passed.
fn hit_from_outside(policy: &str, how: &[&str], role: &str, expect_failed: i64) -> Vec<Value> {
    hit(policy, how, role, expect_failed, false)
}

/// [`hit_from_outside`]; with `engine_down`, while no engine watches.
fn hit(
    policy: &str,
    how: &[&str],
    role: &str,
    expect_failed: i64,
    engine_down: bool,
) -> Vec<Value> {
    let mut e = Engine::start();
    let sampler = ActiveSampler::start(&e.label());
    let job = busybox_job(
        "outside",
        "",
        "  completions: 2\n  parallelism: 1\n  backoffLimit: 6\n",
        policy,
        WORK,
    );
    // A one-container Job pod owns its sandbox (no infra container) unless it reads its
    // IP: the infra cases need one to hit.
    e.apply(&match role {
        "infra" => reading_pod_ip(&job),
        _ => job,
    });
    let victim = eventually(Duration::from_secs(60), "a running app container", || {
        app_containers_in(&e, "running").into_iter().next()
    });
    let target = if role == "infra" {
        invariants::inspect_all(&e.label())
            .into_iter()
            .find(|c| c.role == "infra" && c.pod_uid == victim.pod_uid)
            .expect("the pod's infra container")
    } else {
        victim.clone()
    };
    let mut args = how.to_vec();
    args.push(&target.id);
    if engine_down {
        e.kill();
    }
    docker(&args);
    if engine_down {
        e.restart();
    }
    let job = e.wait_finished("outside", Duration::from_secs(180));
    let expect = Expect {
        completions: 2,
        parallelism: 1,
        failed: Some(expect_failed),
    };
    let (_, pods) = invariants::check_results(&e, "outside", &expect, job);
    let hit = pods
        .iter()
        .find(|p| p["metadata"]["uid"] == victim.pod_uid.as_str())
        .expect("the hit pod is kept")
        .clone();
    let want = if expect_failed == 1 {
        "Failed"
    } else {
        "Succeeded"
    };
    assert_eq!(hit["status"]["phase"], want, "{hit:#}");
    if want == "Succeeded" && how == ["kill"] {
        // Restarted in place: the container that was killed (137) ran again to success.
        let state = docker(&[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}}",
            &victim.id,
        ]);
        assert_eq!(state, "exited 0", "the killed container ran again in place");
    }
    let max = sampler.finish();
    assert!(max <= 1, "{max} pods ran at once");
    invariants::check_deleted_leaves_nothing(&e, "outside");
    invariants::check_store(&mut e);
    pods
}

#[test]
fn container_removed_from_outside_under_never_fails_its_pod_once() {
    // `rm -f` kills, then removes: the engine may see the exit (137) or only the loss.
    let pods = hit_from_outside("Never", &["rm", "-f"], "app", 1);
    assert_eq!(pods.len(), 3, "one replacement: {pods:#?}");
    let failed = pods
        .iter()
        .find(|p| p["status"]["phase"] == "Failed")
        .unwrap();
    let term = &failed["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(term["exitCode"], 137, "{failed:#}");
}

#[test]
fn container_removed_while_the_engine_is_down_under_never_fails_its_pod_once() {
    let pods = hit("Never", &["rm", "-f"], "app", 1, true);
    assert_eq!(pods.len(), 3, "one replacement: {pods:#?}");
    let failed = pods
        .iter()
        .find(|p| p["status"]["phase"] == "Failed")
        .unwrap();
    assert_eq!(failed["status"]["reason"], "ContainerMissing", "{failed:#}");
    let term = &failed["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(term["reason"], "ContainerStatusUnknown", "{failed:#}");
    assert_eq!(term["exitCode"], 137, "{failed:#}");
}

#[test]
fn container_removed_while_the_engine_is_down_under_on_failure_is_made_again() {
    let pods = hit("OnFailure", &["rm", "-f"], "app", 0, true);
    assert_eq!(pods.len(), 2, "no replacement pod: {pods:#?}");
}

#[test]
fn container_killed_from_outside_under_never_fails_its_pod_once() {
    let pods = hit_from_outside("Never", &["kill"], "app", 1);
    assert_eq!(pods.len(), 3, "one replacement: {pods:#?}");
    let failed = pods
        .iter()
        .find(|p| p["status"]["phase"] == "Failed")
        .unwrap();
    let term = &failed["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(term["exitCode"], 137, "{failed:#}");
}

#[test]
fn container_removed_from_outside_under_on_failure_is_made_again_in_place() {
    let pods = hit_from_outside("OnFailure", &["rm", "-f"], "app", 0);
    assert_eq!(pods.len(), 2, "no replacement pod: {pods:#?}");
}

#[test]
fn container_killed_from_outside_under_on_failure_restarts_in_place() {
    let pods = hit_from_outside("OnFailure", &["kill"], "app", 0);
    assert_eq!(pods.len(), 2, "no replacement pod: {pods:#?}");
}

#[test]
fn infra_container_killed_under_never_fails_its_pod_once() {
    let pods = hit_from_outside("Never", &["kill"], "infra", 1);
    assert_eq!(pods.len(), 3, "one replacement: {pods:#?}");
}

#[test]
fn infra_container_killed_under_on_failure_restarts_the_pod_in_place() {
    let pods = hit_from_outside("OnFailure", &["kill"], "infra", 0);
    assert_eq!(pods.len(), 2, "no replacement pod: {pods:#?}");
}

fn cronjob(name: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\nspec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n{}",
        busybox_pod_spec(10, "Never", "echo tick")
    )
}

fn cron_jobs(e: &Engine) -> Vec<Value> {
    e.json(&["get", "jobs", "-a"])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn scheduled_second(job: &Value) -> i64 {
    job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
        .as_str()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| t.as_second())
}

/// Sleeps until `offset_ms` after the next minute boundary (negative: before it) and
/// returns that boundary in seconds.
fn sleep_to_boundary(offset_ms: i64) -> i64 {
    let now = jiff::Timestamp::now();
    let mut boundary = (now.as_second() / 60 + 1) * 60;
    let mut wait = boundary * 1000 + offset_ms - now.as_millisecond();
    if wait < 1000 {
        boundary += 60;
        wait += 60_000;
    }
    std::thread::sleep(Duration::from_millis(wait as u64));
    boundary
}

/// The engine SIGKILLed right at a CronJob's minute boundary, once just before it and
/// once just after (while the job for it is being created), and restarted after it:
/// exactly one Job for each schedule time, each completing once. (cronjob.rs covers a
/// kill well before the boundary.)
#[test]
fn killed_right_at_a_cronjob_boundary_runs_that_schedule_exactly_once() {
    let mut e = Engine::start();
    e.apply(&cronjob("edge"));
    let mut boundaries = Vec::new();
    for offset_ms in [-1500, 50] {
        let boundary = sleep_to_boundary(offset_ms);
        // Before the boundary the sleep returns early: kill now; after it, also now.
        e.kill();
        let restart_at = boundary * 1000 + 2000 - jiff::Timestamp::now().as_millisecond();
        if restart_at > 0 {
            std::thread::sleep(Duration::from_millis(restart_at as u64));
        }
        e.restart();
        let job = eventually(Duration::from_secs(30), "the job for the boundary", || {
            cron_jobs(&e)
                .into_iter()
                .find(|j| scheduled_second(j) == boundary)
        });
        let name = job["metadata"]["name"].as_str().unwrap_or("").to_string();
        let expect = Expect {
            completions: 1,
            parallelism: 1,
            failed: Some(0),
        };
        let done = e.wait_finished(&name, Duration::from_secs(50));
        invariants::check_results(&e, &name, &expect, done);
        boundaries.push(boundary);
    }
    let jobs = cron_jobs(&e);
    for boundary in &boundaries {
        let n = jobs
            .iter()
            .filter(|j| scheduled_second(j) == *boundary)
            .count();
        assert_eq!(n, 1, "exactly one job for {boundary}: {jobs:#?}");
    }
    e.ok(&["delete", "cronjob", "edge"]);
    eventually(Duration::from_secs(60), "no container left", || {
        docker_containers(&e.label(), false)
            .is_empty()
            .then_some(())
    });
    invariants::check_store(&mut e);
}
