//! dockerd restarted in the middle of a parallel job (issue 7): the events stream breaks
//! and the running containers die. The machine's own dockerd is shared with other
//! tests, so this starts a private one (own socket, data root, exec root and containerd
//! namespace, sharing the running containerd), loads the test images into it from the
//! main daemon, and points the engine (and the harness's `docker` CLI) at it through
//! `DOCKER_HOST`. That is process-wide, hence this file holds a single test and runs in
//! its own process. The private daemon is stopped and its files removed in a Drop guard,
//! also when the test fails.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::invariants::{self, ActiveSampler, Expect};
use common::*;
use serde_json::Value;

/// Images the job's pods need (pulled from nowhere: loaded from the main daemon).
const IMAGES: [&str; 2] = [BUSYBOX, "dockjob/pause:1"];
/// Four-plus seconds of work that ends at once on SIGTERM, as dockerd's shutdown sends.
const WORK: &str = "trap 'exit 143' TERM; sleep 6 & wait";

/// A dockerd of this test's own.
struct PrivateDockerd {
    dir: PathBuf,
    host: String,
    child: Option<Child>,
    namespace: String,
}

impl PrivateDockerd {
    fn start() -> PrivateDockerd {
        let id = &uuid::Uuid::new_v4().simple().to_string()[..8];
        // Short: containerd's shim sockets live under the exec root.
        let dir = PathBuf::from(format!("/tmp/djf-{id}"));
        std::fs::create_dir_all(&dir).expect("private dockerd dir");
        let mut d = PrivateDockerd {
            host: format!("unix://{}/docker.sock", dir.display()),
            dir,
            child: None,
            namespace: format!("dockjob-faults-{id}"),
        };
        d.run();
        d
    }

    /// Starts the daemon (again) and waits until it answers.
    fn run(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .expect("dockerd log");
        let d = &self.dir;
        let child = Command::new("dockerd")
            .arg("-H")
            .arg(&self.host)
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            .args(["--containerd", "/run/containerd/containerd.sock"])
            .args(["--containerd-namespace", &self.namespace])
            .arg("--containerd-plugins-namespace")
            .arg(format!("{}-p", self.namespace))
            // Not the main daemon's pool (10.210/16): dockjob makes a bridge network
            // per namespace from it.
            .args(["--default-address-pool", "base=10.212.0.0/16,size=24"])
            // No default bridge and no iptables rules of its own: the main daemon owns
            // the host's; dockjob's bridge networks work without them.
            .args(["--bridge=none", "--iptables=false", "--ip-masq=false"])
            .args(["--shutdown-timeout", "5"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .expect("dockerd starts (these tests run as root)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "the private dockerd did not answer within 60 s:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn answers(&self) -> bool {
        Command::new("docker")
            .args(["-H", &self.host, "version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn log_tail(&self) -> String {
        tail(
            &std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default(),
            30,
        )
    }

    /// SIGTERM, as a service manager restarting Docker does: dockerd stops every
    /// container (SIGTERM, then SIGKILL) and exits.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: signalling our own child process by its pid.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `docker save` from the main daemon into this one.
    fn load(&self, main_host: Option<&str>, images: &[&str]) {
        let mut save = Command::new("docker");
        save.arg("save").args(images).stdout(Stdio::piped());
        match main_host {
            Some(h) => save.env("DOCKER_HOST", h),
            None => save.env_remove("DOCKER_HOST"),
        };
        let mut save = save.spawn().expect("docker save runs");
        let out = save.stdout.take().expect("save stdout");
        let load = Command::new("docker")
            .args(["-H", &self.host, "load"])
            .stdin(out)
            .output()
            .expect("docker load runs");
        let saved = save.wait().expect("docker save ends");
        assert!(
            saved.success() && load.status.success(),
            "loading {images:?} into the private dockerd: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("private dockerd log tail:\n{}", self.log_tail());
        }
        if self.child.is_some() {
            let ids = Command::new("docker")
                .args(["-H", &self.host, "ps", "-aq"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
                .unwrap_or_default();
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let _ = Command::new("docker")
                    .args(["-H", &self.host, "rm", "-f", "-v"])
                    .args(&ids)
                    .output();
            }
        }
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        // The daemon's (now empty) containerd namespaces; best effort, `ctr` may be absent.
        for ns in [self.namespace.clone(), format!("{}-p", self.namespace)] {
            let _ = Command::new("ctr")
                .args(["namespaces", "rm", &ns])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// One parallel job under `policy` through a dockerd restart; returns its pods after the
/// invariants passed.
fn job_through_restart(dockerd: &mut PrivateDockerd, policy: &str) -> (Value, Vec<Value>) {
    let mut e = Engine::start();
    let sampler = ActiveSampler::start(&e.label());
    e.apply(&busybox_job(
        "restarted",
        "",
        "  completions: 8\n  parallelism: 4\n  backoffLimit: 20\n",
        policy,
        WORK,
    ));
    eventually(Duration::from_secs(120), "pods running", || {
        (invariants::running_apps(&e.label()).unwrap_or(0) >= 2).then_some(())
    });
    dockerd.stop();
    // The engine notices (events stream lost) and keeps serving while Docker is away.
    std::thread::sleep(Duration::from_secs(2));
    e.ok(&["get", "job", "restarted"]);
    dockerd.run();
    let job = e.wait_finished("restarted", Duration::from_secs(240));
    let max = sampler.finish();
    let expect = Expect {
        completions: 8,
        parallelism: 4,
        failed: None,
    };
    let (job, pods) = invariants::check_results(&e, "restarted", &expect, job);
    assert!(max <= 4, "{max} pods ran at once, parallelism 4");
    assert!(
        e.log().contains("Docker events stream"),
        "the engine saw the stream break:\n{}",
        tail(&e.log(), 30)
    );
    invariants::check_deleted_leaves_nothing(&e, "restarted");
    invariants::check_store(&mut e);
    (job, pods)
}

#[test]
fn dockerd_restarted_mid_job_fails_never_pods_restarts_on_failure_ones_and_counts_exactly() {
    let main_host = std::env::var("DOCKER_HOST").ok();
    let mut dockerd = PrivateDockerd::start();
    dockerd.load(main_host.as_deref(), &IMAGES);
    // SAFETY: the only test of this process, before any thread of ours reads the
    // environment; every docker CLI call and engine from here on use the private daemon.
    unsafe { std::env::set_var("DOCKER_HOST", &dockerd.host) };

    // Never: the pods whose containers died with dockerd failed, and were replaced.
    let (job, pods) = job_through_restart(&mut dockerd, "Never");
    let failed: Vec<&Value> = pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Failed")
        .collect();
    assert!(
        !failed.is_empty(),
        "the restart killed running pods: {pods:#?}"
    );
    assert_eq!(int(&job["status"]["failed"]), failed.len() as i64);
    assert_eq!(pods.len(), 8 + failed.len(), "{pods:#?}");
    for p in &failed {
        let term = &p["status"]["containerStatuses"][0]["state"]["terminated"];
        let code = int(&term["exitCode"]);
        // Killed (137, 143 from SIGTERM, 255 from a daemon that lost it), kept from
        // starting by the restart, or gone with it: never a success counted as failure.
        assert!(
            code != 0 || p["status"]["reason"] == "ContainerMissing",
            "a pod that died with dockerd: {:#}",
            p["status"]
        );
    }

    // OnFailure: the killed containers run again in place; no pod fails.
    let (job, pods) = job_through_restart(&mut dockerd, "OnFailure");
    let failed = failed_statuses(&pods);
    assert_eq!(
        int(&job["status"]["failed"]),
        0,
        "{job:#}\nfailed pods' statuses:\n{failed}"
    );
    assert_eq!(pods.len(), 8, "failed pods' statuses:\n{failed}\n{pods:#?}");
}

/// The name and status of every Failed pod, for an assertion message: why a pod ended
/// Failed is what a wrong count needs explained.
fn failed_statuses(pods: &[Value]) -> String {
    pods.iter()
        .filter(|p| p["status"]["phase"] == "Failed")
        .map(|p| format!("{}: {:#}", p["metadata"]["name"], p["status"]))
        .collect::<Vec<_>>()
        .join("\n")
}
