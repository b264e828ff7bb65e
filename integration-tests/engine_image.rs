//! The engine image: `scripts/build-engine-image` builds `dockjob/engine:dev` (FROM
//! scratch, static binary), the engine runs in a container as the README says
//! (`docker run -v /var/run/docker.sock:... -v VOLUME:/var/lib/dockjob`), and a Job with
//! a configMap and an emptyDir volume runs through it to Complete: the volumes'
//! directories live in the engine's data volume, so this fails unless the engine hands
//! Docker their host paths.
//!
//! The first build compiles every dependency for the static target (minutes); later
//! runs reuse it and rebuild the image only when the binary changed.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

const IMAGE: &str = "dockjob/engine:dev";

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs")
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// The engine container and its data volume; removed with whatever the engine made in
/// the test's namespace, even when the test fails.
struct Containerized {
    container: String,
    volume: String,
    namespace: String,
}

impl Containerized {
    /// `docker exec [-i] CONTAINER /dockjob ARGS -n NAMESPACE`, stdin from `input`.
    fn dockjob(&self, args: &[&str], input: Option<&str>) -> Output {
        let mut cmd = Command::new("docker");
        cmd.arg("exec");
        if input.is_some() {
            cmd.arg("-i");
        }
        cmd.args([self.container.as_str(), "/dockjob"])
            .args(args)
            .args(["-n", &self.namespace])
            .stdin(if input.is_some() {
                std::process::Stdio::piped()
            } else {
                std::process::Stdio::null()
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("docker exec starts");
        if let Some(text) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        child.wait_with_output().expect("docker exec runs")
    }

    fn ok(&self, args: &[&str], input: Option<&str>) -> String {
        let out = self.dockjob(args, input);
        assert!(
            out.status.success(),
            "dockjob {args:?} in the engine container failed: {}{}\nengine log:\n{}",
            stdout(&out),
            stderr(&out),
            self.log()
        );
        stdout(&out)
    }

    fn log(&self) -> String {
        let out = docker(&["logs", "--tail", "40", &self.container]);
        tail(&format!("{}{}", stdout(&out), stderr(&out)), 40)
    }
}

impl Drop for Containerized {
    fn drop(&mut self) {
        let label = format!("label=dockjob.io/namespace={}", self.namespace);
        let ids = docker(&["ps", "-aq", "--filter", &label]);
        let ids: Vec<String> = stdout(&ids).lines().map(str::to_string).collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids.iter().map(String::as_str));
            docker(&args);
        }
        for what in ["network", "volume"] {
            let names = docker(&[what, "ls", "-q", "--filter", &label]);
            for name in stdout(&names).lines() {
                docker(&[what, "rm", name]);
            }
        }
        if std::thread::panicking() {
            eprintln!("engine container log:\n{}", self.log());
        }
        docker(&["rm", "-f", "-v", &self.container]);
        docker(&["volume", "rm", &self.volume]);
    }
}

fn manifests(ns: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
  namespace: {ns}
data:
  message: hello from a configMap
---
apiVersion: batch/v1
kind: Job
metadata:
  name: boxed
  namespace: {ns}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: prepare
        image: {BUSYBOX}
        command: ["sh", "-c", "cp /config/message /scratch/copied"]
        volumeMounts:
        - {{name: config, mountPath: /config}}
        - {{name: scratch, mountPath: /scratch}}
      containers:
      - name: main
        image: {BUSYBOX}
        command: ["sh", "-c", "test \"$(cat /scratch/copied)\" = \"hello from a configMap\" && cat /scratch/copied"]
        volumeMounts:
        - {{name: scratch, mountPath: /scratch}}
      volumes:
      - name: config
        configMap: {{name: greeting}}
      - name: scratch
        emptyDir: {{}}
"#
    )
}

#[test]
fn a_job_with_volumes_runs_through_the_engine_in_its_image() {
    let script = format!("{}/scripts/build-engine-image", env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let built = Command::new(&script).output().expect("build script runs");
    assert!(
        built.status.success(),
        "scripts/build-engine-image failed:\n{}",
        stderr(&built)
    );
    eprintln!(
        "scripts/build-engine-image took {:?}:\n{}",
        started.elapsed(),
        stderr(&built)
    );

    let id = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let engine = Containerized {
        container: format!("dockjob-engine-test-{id}"),
        volume: format!("dockjob-engine-test-{id}"),
        namespace: format!("img{id}"),
    };
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &engine.container,
        // The engine talks to Docker on its socket only; no network needed (and this
        // host's daemon may have no default bridge).
        "--network",
        "none",
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        "-v",
        &format!("{}:/var/lib/dockjob", engine.volume),
        IMAGE,
    ]);
    eventually(
        Duration::from_secs(30),
        "the engine in the container",
        || {
            engine
                .dockjob(&["get", "jobs"], None)
                .status
                .success()
                .then_some(())
        },
    );

    let applied = engine.ok(&["apply", "-f", "-"], Some(&manifests(&engine.namespace)));
    assert_eq!(
        applied,
        "configmap/greeting created\njob.batch/boxed created\n"
    );
    engine.ok(
        &[
            "wait",
            "--for=condition=complete",
            "job/boxed",
            "--timeout=180s",
        ],
        None,
    );
    let job = engine.ok(&["get", "job", "boxed"], None);
    let line = job
        .lines()
        .find(|l| l.starts_with("boxed "))
        .unwrap_or_else(|| panic!("no job in {job}"));
    assert!(line.contains("Complete") && line.contains("1/1"), "{job}");
    let pods = engine.ok(&["get", "pods", "-a"], None);
    assert!(pods.contains("Completed"), "{pods}");
    assert_eq!(
        engine.ok(&["logs", "job/boxed"], None),
        "hello from a configMap",
        "the configMap's value, copied through the emptyDir (no newline in it)"
    );

    // The engine inspected its own container and bound the volumes from the data
    // volume's host directory.
    let mountpoint = docker_ok(&[
        "volume",
        "inspect",
        "--format",
        "{{.Mountpoint}}",
        &engine.volume,
    ]);
    let pod_containers = docker_ok(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=dockjob.io/namespace={}", engine.namespace),
        "--filter",
        "label=dockjob.io/role=app",
    ]);
    let app = pod_containers
        .lines()
        .next()
        .expect("the job's app container");
    let mounts = docker_ok(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Source}}\n{{end}}",
        app,
    ]);
    assert!(
        mounts
            .lines()
            .any(|m| m.starts_with(&format!("{}/pods/", mountpoint.trim()))),
        "the emptyDir is not bound from the data volume ({}): {mounts}",
        mountpoint.trim()
    );

    // Deleting the job removes its containers; the guard then removes the engine and
    // its volume.
    engine.ok(&["delete", "job", "boxed"], None);
    assert!(
        docker_ok(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=dockjob.io/namespace={}", engine.namespace),
            "--filter",
            "label=dockjob.io/role=app",
        ])
        .trim()
        .is_empty(),
        "the job's containers are gone"
    );
}
