//! Shared harness for the tests against the real Docker daemon and the built binary.
//!
//! Each test gets its own engine (own data dir, socket and namespace), talks to it with
//! the `dockjob` binary exactly as a user would, and removes every container it made
//! when it ends, even when it fails. Nothing here mocks Docker: without a running
//! daemon these tests fail, they never skip.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The test image `scripts/build-images` builds (busybox from Debian's busybox-static).
pub const BUSYBOX: &str = "dockjob-test/busybox:1";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dockjob")
}

/// Polls `f` until it returns Some or the deadline passes (then panics with `what`).
pub fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `docker ps -a` ids of containers carrying `label`.
pub fn docker_containers(label: &str, running_only: bool) -> Vec<String> {
    let mut cmd = Command::new("docker");
    cmd.args([
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label={label}"),
    ]);
    if !running_only {
        cmd.arg("-a");
    }
    let out = cmd.output().expect("docker CLI runs");
    assert!(
        out.status.success(),
        "docker ps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Like [`docker_containers`], without the pods' infra ("pause") containers: one per
/// init or app container, which is what tests counting a pod's processes mean.
/// Asked by role label in one `docker ps` each, so an infra container created between two
/// calls can never be counted as an app container.
pub fn docker_app_containers(label: &str, running_only: bool) -> Vec<String> {
    let mut ids = Vec::new();
    for role in ["init", "app"] {
        let mut cmd = Command::new("docker");
        cmd.args(["ps", "-q", "--no-trunc"])
            .args(["--filter", &format!("label={label}")])
            .args(["--filter", &format!("label=dockjob.io/role={role}")]);
        if !running_only {
            cmd.arg("-a");
        }
        let out = cmd.output().expect("docker CLI runs");
        assert!(
            out.status.success(),
            "docker ps failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string),
        );
    }
    ids
}

/// One engine for one test.
pub struct Engine {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    pub namespace: String,
    child: Option<Child>,
    server_args: Vec<String>,
}

impl Engine {
    /// Starts an engine in a fresh data dir and waits until it answers.
    pub fn start() -> Engine {
        Engine::start_with(&[])
    }

    /// Starts an engine with extra `dockjob server` flags (kept across restarts).
    pub fn start_with(server_args: &[&str]) -> Engine {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("dockjob.sock");
        let namespace = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let mut e = Engine {
            dir,
            socket,
            namespace,
            child: None,
            server_args: server_args.iter().map(|s| s.to_string()).collect(),
        };
        e.restart();
        e
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts (again) the engine process on the same data dir.
    pub fn restart(&mut self) {
        self.restart_env(&[]);
        let socket = self.socket.clone();
        eventually(Duration::from_secs(20), "the engine to answer", || {
            std::os::unix::net::UnixStream::connect(&socket).ok()
        });
    }

    /// SIGKILL: no chance to clean up, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("engine.log")).unwrap_or_default()
    }

    /// Runs the CLI against this engine in this test's namespace.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_stdin(args, None)
    }

    /// The CLI command for `args` against this engine, in this test's namespace, never
    /// starting an engine of its own; stdout and stderr piped.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .arg("--socket")
            .arg(&self.socket)
            .args(["-n", &self.namespace])
            .env("DOCKJOB_NO_AUTOSTART", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    pub fn cli_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.command(args);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn().expect("cli starts");
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        child.wait_with_output().expect("cli runs")
    }

    /// Starts the CLI in the background (stdin closed, stdout and stderr piped), for
    /// the verbs that keep running: `port-forward`, `wait`, `get -w`.
    pub fn spawn_cli(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdin(Stdio::null())
            .spawn()
            .expect("cli starts")
    }

    /// [`Engine::spawn_cli`] with its stdout read line by line into a channel (the
    /// channel ends when the CLI closes its stdout).
    pub fn spawn_cli_lines(&self, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
        let mut child = self.spawn_cli(args);
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        (child, rx)
    }

    /// Runs the CLI and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "dockjob {args:?} failed ({}):\nstdout: {}\nstderr: {}\nengine log tail:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            tail(&self.log(), 30)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Applies a manifest given as text.
    pub fn apply(&self, yaml: &str) -> String {
        let out = self.cli_stdin(&["apply", "-f", "-"], Some(yaml));
        assert!(
            out.status.success(),
            "apply failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            tail(&self.log(), 30)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&a)).expect("json output")
    }

    pub fn job(&self, name: &str) -> Value {
        self.json(&["get", "job", name])
    }

    pub fn pods(&self, job: &str) -> Vec<Value> {
        self.json(&["get", "pods", "-a", "-l", &format!("job-name={job}")])["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits for the job's Complete or Failed condition and returns the job.
    pub fn wait_finished(&self, name: &str, timeout: Duration) -> Value {
        eventually(timeout, &format!("job {name} to finish"), || {
            let job = self.job(name);
            let done = job["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter().any(|c| {
                    (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
                })
            });
            done.then_some(job)
        })
    }

    pub fn label(&self) -> String {
        format!("dockjob.io/namespace={}", self.namespace)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.kill();
        let ids = docker_containers(&self.label(), false);
        if !ids.is_empty() {
            let _ = Command::new("docker")
                .args(["rm", "-f", "-v"])
                .args(&ids)
                .output();
        }
        // The namespace's network and the pods' Docker volumes carry the label too.
        for what in ["network", "volume"] {
            let listed = Command::new("docker")
                .args([what, "ls", "-q", "--filter"])
                .arg(format!("label={}", self.label()))
                .output();
            let names: Vec<String> = listed
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if !names.is_empty() {
                let _ = Command::new("docker")
                    .args([what, "rm"])
                    .args(&names)
                    .output();
            }
        }
        if std::thread::panicking() {
            eprintln!("engine log tail:\n{}", tail(&self.log(), 60));
        }
    }
}

pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Condition of a given type, if present.
pub fn condition<'a>(job: &'a Value, type_: &str) -> Option<&'a Value> {
    job["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

pub fn path_exists(p: &Path) -> bool {
    p.exists()
}

/// The next line a background CLI printed on `stdout`; when it ended without one,
/// fails with what it said on stderr.
pub fn next_line(child: &mut Child, stdout: &mut impl BufRead, what: &str) -> String {
    let mut line = String::new();
    let n = stdout.read_line(&mut line).expect("read stdout");
    if n == 0 {
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        panic!("{what} ended without output; stderr: {err}");
    }
    line
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Path of a file under `manifests/` (the walkthrough's YAML, as the book has it).
pub fn manifest(file: &str) -> String {
    format!("{}/manifests/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// `restartPolicy` and one container `main` running `script` with busybox's `sh -c`,
/// every line indented by `indent` spaces: the pod spec most test workloads have.
pub fn busybox_pod_spec(indent: usize, restart: &str, script: &str) -> String {
    let i = " ".repeat(indent);
    format!(
        "{i}restartPolicy: {restart}\n{i}containers:\n{i}- name: main\n{i}  image: {BUSYBOX}\n{i}  command: [\"sh\", \"-c\", {script:?}]\n"
    )
}

/// A batch/v1 Job `name` whose pod runs [`busybox_pod_spec`]. `metadata` and `spec` are
/// extra lines of those sections, indented two spaces, each ending in a newline.
pub fn busybox_job(name: &str, metadata: &str, spec: &str, restart: &str, script: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n{metadata}spec:\n{spec}  template:\n    spec:\n{}",
        busybox_pod_spec(6, restart, script)
    )
}

/// `yaml` with every container named `main` also reading `status.podIP` into `$POD_IP`.
/// Such a pod keeps an infra ("pause") container, which holds its IP before the
/// container is created; a one-container Never/OnFailure pod otherwise owns its sandbox
/// and has none. For tests about the infra container itself.
pub fn reading_pod_ip(yaml: &str) -> String {
    let mut out = String::new();
    for line in yaml.lines() {
        out.push_str(line);
        out.push('\n');
        if line.trim_start() == "- name: main" {
            let i = " ".repeat(line.len() - line.trim_start().len());
            out.push_str(&format!(
                "{i}  env:\n{i}  - name: POD_IP\n{i}    valueFrom:\n{i}      fieldRef:\n{i}        fieldPath: status.podIP\n"
            ));
        }
    }
    assert_ne!(
        out.trim_end(),
        yaml.trim_end(),
        "no container main in {yaml}"
    );
    out
}

pub mod invariants;

impl Engine {
    /// Starts (again) the engine on the same data dir with extra environment variables
    /// for this run only (a failpoint, `DOCKER_HOST`); does not wait for it to answer,
    /// since a failpoint may end it first. [`Engine::restart`] runs without them.
    pub fn restart_env(&mut self, env: &[(&str, &str)]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("engine.log"))
            .expect("engine log");
        let child = Command::new(bin())
            .args(["server", "--data-dir"])
            .arg(self.data_dir())
            .arg("--socket")
            .arg(&self.socket)
            .args(&self.server_args)
            .env("RUST_LOG", "info,dockjob=debug")
            .envs(env.iter().copied())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .expect("engine starts");
        self.child = Some(child);
    }

    /// Whether the engine process ended (on its own: a crash or a failpoint).
    pub fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| c.try_wait().ok().flatten().is_some())
    }
}

impl Engine {
    /// Runs the CLI with this engine's `--socket` and `-n` before the verb, so that
    /// `args` reach it exactly as typed: with `run NAME ... -- ARGS` every word after
    /// `--` belongs to the container, so nothing may be appended.
    pub fn typed(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .arg("--socket")
            .arg(&self.socket)
            .args(["-n", &self.namespace])
            .args(args)
            .env("DOCKJOB_NO_AUTOSTART", "1")
            .stdin(Stdio::null())
            .output()
            .expect("cli runs")
    }
}

/// One raw HTTP/1.1 request to the engine's Unix socket (`Connection: close`), for tests
/// that must see the API's exact status code and body: the status code and the body
/// (chunked bodies decoded).
pub fn http_unix(socket: &Path, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    http_unix_with(socket, method, path, &[], body)
}

/// [`http_unix`] with extra request headers (`Accept`, ...).
pub fn http_unix_with(
    socket: &Path,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    use std::io::Write;
    let mut stream = std::os::unix::net::UnixStream::connect(socket).expect("engine socket");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("read timeout");
    let body = body.unwrap_or("");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read answer");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP header in {text:?}"));
    let code: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status code in {head:?}"));
    let chunked = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || after.len() < n {
                break;
            }
            out.push_str(&after[..n]);
            rest = after[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        rest.to_string()
    };
    (code, body)
}

impl Engine {
    /// Changes the `dockjob server` flags used by the next [`Engine::restart`] (e.g. an
    /// engine restarted without an allow flag it had).
    pub fn set_server_args(&mut self, server_args: &[&str]) {
        self.server_args = server_args.iter().map(|s| s.to_string()).collect();
    }
}
