//! The fault tests' invariants, checked after every injected fault (issue 7): a job that
//! completes has `succeeded == completions`; no more pods ran at once than its
//! parallelism; every pod's terminal result is recorded exactly once and agrees with
//! what Docker shows; nothing is left in Docker once the job is deleted; the store
//! passes SQLite's `PRAGMA integrity_check`.
//!
//! Shared by `faults.rs` and `faults_dockerd.rs`. Everything here reads Docker through
//! the `docker` CLI, so a test that points `DOCKER_HOST` at its own daemon checks that
//! daemon.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use super::{Engine, condition, docker_containers, eventually};

/// The database file the store keeps in the data dir (`src/store`).
pub const STORE_FILE: &str = "dockjob.db";

/// Samples, until finished, how many app containers carrying `label` run at once: the
/// job's active pods as Docker sees them (one app container per pod in these tests).
pub struct ActiveSampler {
    stop: Arc<AtomicBool>,
    max: Arc<AtomicUsize>,
    samples: Arc<AtomicUsize>,
    handle: Option<JoinHandle<()>>,
}

impl ActiveSampler {
    pub fn start(label: &str) -> ActiveSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let max = Arc::new(AtomicUsize::new(0));
        let samples = Arc::new(AtomicUsize::new(0));
        let (s, m, n, label) = (
            stop.clone(),
            max.clone(),
            samples.clone(),
            label.to_string(),
        );
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                // Docker may be down for a moment (a test restarting its daemon).
                if let Some(running) = running_apps(&label) {
                    m.fetch_max(running, Ordering::SeqCst);
                    n.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        ActiveSampler {
            stop,
            max,
            samples,
            handle: Some(handle),
        }
    }

    /// The most app containers seen running at once so far.
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    /// Stops sampling; returns the maximum seen.
    pub fn finish(mut self) -> usize {
        self.halt();
        let samples = self.samples.load(Ordering::SeqCst);
        assert!(samples > 0, "the active-pod sampler never ran");
        self.max()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for ActiveSampler {
    fn drop(&mut self) {
        self.halt();
    }
}

/// How many app containers carrying `label` run now; `None` when Docker does not answer.
pub fn running_apps(label: &str) -> Option<usize> {
    let out = Command::new("docker")
        .args(["ps", "-q", "--filter"])
        .arg(format!("label={label}"))
        .args(["--filter", "label=dockjob.io/role=app"])
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .count()
    })
}

/// What a finished job must show.
#[derive(Debug, Clone)]
pub struct Expect {
    /// `spec.completions`: the job must be Complete with exactly this many successes.
    pub completions: i64,
    /// `spec.parallelism`: never more pods ran at once.
    pub parallelism: usize,
    /// The exact number of failed pods, when the test knows it.
    pub failed: Option<i64>,
}

/// One Docker container of the namespace, as `docker inspect` shows it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub id: String,
    pub pod_uid: String,
    pub role: String,
    pub status: String,
    pub exit_code: i64,
}

/// Every container (any state) carrying `label`.
pub fn inspect_all(label: &str) -> Vec<Seen> {
    inspect_ids(&docker_containers(label, false))
}

/// Every container (any state) of the pods of Job `job` in the engine's namespace.
pub fn inspect_job(e: &Engine, job: &str) -> Vec<Seen> {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--no-trunc", "--filter"])
        .arg(format!("label={}", e.label()))
        .arg("--filter")
        .arg(format!("label=dockjob.io/owner-name={job}"))
        .output()
        .expect("docker ps runs");
    assert!(
        out.status.success(),
        "docker ps: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    inspect_ids(&ids)
}

fn inspect_ids(ids: &[String]) -> Vec<Seen> {
    if ids.is_empty() {
        return Vec::new();
    }
    let out = Command::new("docker")
        .arg("inspect")
        .args([
            "--format",
            "{{.Id}} {{index .Config.Labels \"dockjob.io/pod-uid\"}} {{index .Config.Labels \"dockjob.io/role\"}} {{.State.Status}} {{.State.ExitCode}}",
        ])
        .args(ids)
        .output()
        .expect("docker inspect runs");
    // A container removed between ps and inspect makes inspect fail for it alone.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 5).then(|| Seen {
                id: f[0].to_string(),
                pod_uid: f[1].to_string(),
                role: f[2].to_string(),
                status: f[3].to_string(),
                exit_code: f[4].parse().unwrap_or(-1),
            })
        })
        .collect()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// Waits for `job` to finish and checks every invariant (see the module docs), then
/// deletes the job, stops the engine and checks the store. `max_active` comes from an
/// [`ActiveSampler`] that ran during the whole job. Returns the finished job and its pods.
pub fn check(
    e: &mut Engine,
    job_name: &str,
    expect: &Expect,
    max_active: usize,
) -> (Value, Vec<Value>) {
    let job = e.wait_finished(job_name, Duration::from_secs(240));
    let (job, pods) = check_results(e, job_name, expect, job);
    assert!(
        max_active <= expect.parallelism,
        "{max_active} pods ran at once, parallelism is {}",
        expect.parallelism
    );
    check_deleted_leaves_nothing(e, job_name);
    check_store(e);
    (job, pods)
}

/// The counts and the per-pod results of a finished job, against Docker.
pub fn check_results(
    e: &Engine,
    job_name: &str,
    expect: &Expect,
    job: Value,
) -> (Value, Vec<Value>) {
    assert!(
        condition(&job, "Complete").is_some_and(|c| c["status"] == "True"),
        "job {job_name} must complete: {job:#}"
    );
    // Leftover pods the controller stopped may still be terminating: wait for every
    // pod's terminal result, and for the job's counts to reflect them.
    let (job, pods) = eventually(
        Duration::from_secs(90),
        "every pod of the job to be terminal and counted",
        || {
            let pods = e.pods(job_name);
            let all_terminal = pods
                .iter()
                .all(|p| matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")));
            let job = e.job(job_name);
            let tracked = |phase: &str| {
                pods.iter()
                    .filter(|p| {
                        p["metadata"]["annotations"]["dockjob.io/job-untracked"] != "true"
                            && p["status"]["phase"] == phase
                    })
                    .count() as i64
            };
            let counted = int(&job["status"]["succeeded"]) == tracked("Succeeded")
                && int(&job["status"]["failed"]) == tracked("Failed");
            (all_terminal && counted).then_some((job, pods))
        },
    );
    assert_eq!(
        int(&job["status"]["succeeded"]),
        expect.completions,
        "succeeded must equal completions exactly: {job:#}"
    );
    if let Some(failed) = expect.failed {
        assert_eq!(int(&job["status"]["failed"]), failed, "{job:#}");
    }
    assert_eq!(int(&job["status"]["active"]), 0, "{job:#}");
    // Each pod once: unique names and uids.
    let names: HashSet<&str> = pods
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .collect();
    let uids: HashSet<&str> = pods
        .iter()
        .filter_map(|p| p["metadata"]["uid"].as_str())
        .collect();
    assert_eq!(names.len(), pods.len(), "duplicate pod names: {pods:#?}");
    assert_eq!(uids.len(), pods.len(), "duplicate pod uids: {pods:#?}");
    // Docker agrees with each pod's one result, and nothing runs for a finished pod.
    let phases: HashMap<&str, &str> = pods
        .iter()
        .map(|p| {
            (
                p["metadata"]["uid"].as_str().unwrap_or(""),
                p["status"]["phase"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let seen = eventually(
        Duration::from_secs(60),
        "no app container of a finished pod to run",
        || {
            let seen = inspect_job(e, job_name);
            seen.iter()
                .all(|c| c.role == "infra" || c.status != "running")
                .then_some(seen)
        },
    );
    for c in &seen {
        let phase = phases.get(c.pod_uid.as_str()).copied();
        assert!(
            phase.is_some(),
            "container {} belongs to no pod of job {job_name} (pod uid {:?}): {seen:#?}",
            c.id,
            c.pod_uid
        );
        if c.role == "app" && phase == Some("Succeeded") {
            assert!(
                c.status == "exited" && c.exit_code == 0,
                "a Succeeded pod's container {} is {} with exit code {}",
                c.id,
                c.status,
                c.exit_code
            );
        }
    }
    for p in &pods {
        if p["status"]["phase"] != "Failed" {
            continue;
        }
        let uid = p["metadata"]["uid"].as_str().unwrap_or("");
        // Containers that ran (one made but never started ran nothing).
        let apps: Vec<&Seen> = seen
            .iter()
            .filter(|c| c.pod_uid == uid && c.role == "app" && c.status != "created")
            .collect();
        assert!(
            apps.is_empty() || apps.iter().any(|c| c.exit_code != 0),
            "a Failed pod whose containers all succeeded: {p:#}\n{apps:#?}"
        );
    }
    (job, pods)
}

/// Deletes the job; no container, network or volume of the namespace may be left.
pub fn check_deleted_leaves_nothing(e: &Engine, job_name: &str) {
    e.ok(&["delete", "job", job_name]);
    eventually(
        Duration::from_secs(60),
        "no container left after the job is deleted",
        || {
            docker_containers(&e.label(), false)
                .is_empty()
                .then_some(())
        },
    );
}

/// Stops the engine (SIGKILL, the harshest stop) and runs `PRAGMA integrity_check` on
/// the store, opened read-only.
pub fn check_store(e: &mut Engine) {
    e.kill();
    let path = e.data_dir().join(STORE_FILE);
    let db = rusqlite::Connection::open_with_flags(
        &path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap_or_else(|err| panic!("opening {} read-only: {err}", path.display()));
    let result: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs");
    assert_eq!(result, "ok", "the store at {} is corrupt", path.display());
}
