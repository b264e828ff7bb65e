//! The Pod template fields that the other Docker tests leave out, against the real
//! daemon through the built binary: `hostname`/`subdomain` (the pod's FQDN as the
//! kubelet writes it), `workingDir`, `command`/`args` against an image with both
//! ENTRYPOINT and CMD, `securityContext.privileged`, `resources.limits` (cpu, memory and
//! `nvidia.com/gpu`) as Docker sees them, namespaces (separation, `-A`, Service names
//! across namespaces, kubectl's refusal of a mismatched namespace) and
//! `terminationGracePeriodSeconds` on delete.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A local image with both an ENTRYPOINT and a CMD, built from the busybox test image
/// (no registry needed).
const ENTRYCMD: &str = "dockjob-test/entrycmd:1";

/// Builds [`ENTRYCMD`] once per test process; a rebuild of an unchanged Dockerfile is a
/// cache hit, so running the tests again is cheap.
fn entrycmd_image() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dockerfile =
            format!("FROM {BUSYBOX}\nENTRYPOINT [\"echo\", \"entry\"]\nCMD [\"cmd\"]\n");
        let mut child = Command::new("docker")
            .args(["build", "-q", "-t", ENTRYCMD, "-"])
            .env("DOCKER_BUILDKIT", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docker build starts");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(dockerfile.as_bytes()).expect("dockerfile");
        }
        let out = child.wait_with_output().expect("docker build runs");
        assert!(
            out.status.success(),
            "docker build {ENTRYCMD}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    ENTRYCMD
}

fn pod(e: &Engine, name: &str) -> Option<Value> {
    let out = e.cli(&["get", "pod", name, "-o", "json"]);
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn uid(p: &Value) -> String {
    p["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Waits until the pod satisfies `pred`; shows the last status when it never does.
fn wait_pod(e: &Engine, name: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let p = pod(e, name);
        if let Some(p) = p.as_ref().filter(|p| pred(p)) {
            return p.clone();
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting for pod {name} {what}; last: {}",
                p.map(|p| serde_json::to_string_pretty(&p["status"]).unwrap_or_default())
                    .unwrap_or_else(|| "no such pod".into())
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn logs(e: &Engine, pod: &str, container: &str) -> String {
    e.ok(&["logs", pod, "-c", container])
}

/// Waits for the pod to end, asserts it Succeeded and returns the logs of `container`.
fn succeeded_logs(e: &Engine, name: &str, container: &str) -> String {
    let p = wait_pod(e, name, "to finish", |p| {
        matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
    });
    let out = logs(e, name, container);
    assert_eq!(
        p["status"]["phase"],
        "Succeeded",
        "pod {name}: {}\nlogs:\n{out}",
        serde_json::to_string_pretty(&p["status"]).unwrap_or_default()
    );
    out
}

fn running(e: &Engine, name: &str) -> Value {
    wait_pod(e, name, "Running", |p| p["status"]["phase"] == "Running")
}

/// `docker inspect` of the pod's app containers (by the pod-uid and role labels).
fn app_containers(uid: &str) -> Vec<Value> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("label=dockjob.io/pod-uid={uid}"),
            "--filter",
            "label=dockjob.io/role=app",
        ])
        .output()
        .expect("docker ps runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|id| {
            let out = Command::new("docker")
                .args(["inspect", id])
                .output()
                .expect("docker inspect runs");
            let list: Value = serde_json::from_slice(&out.stdout).expect("inspect json");
            list[0].clone()
        })
        .collect()
}

/// Runs `sh -c script` in the pod's running `main` container.
fn exec(uid: &str, script: &str) -> Output {
    let ids = docker_containers(&format!("dockjob.io/pod-uid={uid}"), true);
    let infra = docker_containers("dockjob.io/role=infra", true);
    let main = ids
        .iter()
        .find(|id| !infra.contains(id))
        .unwrap_or_else(|| panic!("no running app container for pod {uid}"));
    Command::new("docker")
        .args(["exec", main, "sh", "-c", script])
        .output()
        .expect("docker exec runs")
}

fn sh(script: &str) -> String {
    format!("[\"sh\", \"-c\", {script:?}]")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn hostname_and_subdomain_give_the_pod_its_fqdn() {
    let e = Engine::start();
    let ns = &e.namespace;
    // As kubelet_pods.go managedHostsFileContent: `<podIP>\t<host>.<domain>\t<host>`.
    let script = format!(
        r#"
fail() {{ echo "FAIL: $*"; hostname; cat /etc/hosts; exit 1; }}
[ "$(hostname)" = worker-0 ] || fail hostname
[ "$(cat /etc/hostname)" = worker-0 ] || fail /etc/hostname
ip=$(grep -E '[[:space:]]worker-0$' /etc/hosts | awk '{{print $1}}')
[ -n "$ip" ] || fail no hosts line for worker-0
grep -qE "^$ip[[:space:]]+worker-0\.workers\.{ns}\.svc\.cluster\.local[[:space:]]+worker-0$" /etc/hosts || fail fqdn line
[ "$(hostname -f)" = worker-0.workers.{ns}.svc.cluster.local ] || fail hostname -f "$(hostname -f)"
echo "$ip"
"#
    );
    let side = "[ \"$(hostname)\" = worker-0 ] || { echo FAIL: side hostname; exit 1; }";
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: named
spec:
  restartPolicy: Never
  hostname: worker-0
  subdomain: workers
  containers:
  - name: main
    image: {BUSYBOX}
    command: {command}
  - name: side
    image: {BUSYBOX}
    command: {side}
---
apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {plain}
"#,
        command = sh(&script),
        side = sh(side),
        // Waits for /tmp/go once checked: a one-container pod owns its sandbox, so its
        // IP lives only while its container runs, and the test reads it then.
        plain = sh(
            "[ \"$(hostname)\" = plain ] || exit 1; grep -E '[[:space:]]plain$' /etc/hosts; \
             grep -q svc.cluster.local /etc/hosts && exit 1; \
             until [ -e /tmp/go ]; do sleep 0.1; done"
        ),
    ));
    let out = succeeded_logs(&e, "named", "main");
    let p = pod(&e, "named").expect("pod");
    // The hosts line carries the pod's IP.
    assert_eq!(Some(out.trim()), p["status"]["podIP"].as_str(), "{out}");
    succeeded_logs(&e, "named", "side");
    let p = wait_pod(&e, "plain", "Running with an IP", |p| {
        p["status"]["phase"] == "Running" && p["status"]["podIP"].is_string()
    });
    let ip = p["status"]["podIP"].as_str().unwrap().to_string();
    let go = exec(&uid(&p), "touch /tmp/go");
    assert!(go.status.success(), "{}", stderr(&go));
    let out = succeeded_logs(&e, "plain", "main");
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), [&ip, "plain"]);
    // The finished pod keeps the IP it had.
    assert_eq!(
        pod(&e, "plain").expect("pod")["status"]["podIP"],
        ip.as_str()
    );
}

#[test]
fn working_dir_and_command_args_precedence_over_entrypoint_and_cmd() {
    let e = Engine::start();
    let image = entrycmd_image();
    let case = |name: &str, extra: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: {image}\n{extra}---\n"
        )
    };
    let mut yaml = String::new();
    yaml += &case("neither", "");
    yaml += &case("args-only", "    args: [\"a1\", \"a2\"]\n");
    yaml += &case("command-only", "    command: [\"echo\", \"COMMAND\"]\n");
    yaml += &case(
        "both",
        "    command: [\"echo\", \"C\"]\n    args: [\"A1\", \"A2\"]\n",
    );
    yaml += &format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: wd\nspec:\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: {BUSYBOX}\n    workingDir: /work/dir\n    command: [\"pwd\"]\n"
    );
    e.apply(&yaml);
    for (pod_name, expected) in [
        ("neither", "entry cmd\n"),
        ("args-only", "entry a1 a2\n"),
        ("command-only", "COMMAND\n"),
        ("both", "C A1 A2\n"),
        ("wd", "/work/dir\n"),
    ] {
        assert_eq!(
            succeeded_logs(&e, pod_name, "main"),
            expected,
            "pod {pod_name}"
        );
    }
}

#[test]
fn privileged_asks_docker_for_every_capability_and_the_default_does_not() {
    let e = Engine::start_with(&["--allow-privileged"]);
    let report = "echo caps=$(grep CapEff /proc/self/status | awk '{print $2}') \
                  last=$(cat /proc/sys/kernel/cap_last_cap) devs=$(ls /dev | wc -l)";
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: priv
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {report}
    securityContext:
      privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: unpriv
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {report}
"#,
        report = sh(report),
    ));
    let parse = |out: &str| -> (u64, u32, usize) {
        let field = |k: &str| {
            out.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {out:?}"))
                .to_string()
        };
        (
            u64::from_str_radix(&field("caps="), 16).expect("hex CapEff"),
            field("last=").parse().expect("cap_last_cap"),
            field("devs=").parse().expect("dev count"),
        )
    };
    let (caps0, _, devs0) = parse(&succeeded_logs(&e, "unpriv", "main"));
    // Docker's default set (no SYS_ADMIN, no NET_ADMIN), as containerd's for a pod.
    assert_eq!(caps0, 0xa80425fb, "default CapEff {caps0:x}");
    let p = pod(&e, "unpriv").expect("pod");
    assert_eq!(
        app_containers(&uid(&p))[0]["HostConfig"]["Privileged"],
        false
    );

    let p = wait_pod(&e, "priv", "to finish", |p| {
        matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
    });
    assert_eq!(
        app_containers(&uid(&p))[0]["HostConfig"]["Privileged"],
        true
    );
    if host_runs_privileged() {
        let (caps, last, devs) = parse(&succeeded_logs(&e, "priv", "main"));
        let all = (1u64 << (last + 1)) - 1;
        assert_eq!(caps, all, "privileged CapEff {caps:x}, all is {all:x}");
        assert!(
            devs > devs0,
            "privileged sees the host's devices: {devs} vs {devs0}"
        );
    } else {
        // A host whose capability bounding set lacks some capability (dockerd itself
        // runs confined) cannot start any privileged container; the pod says why, as
        // containerd's StartError would, instead of hanging.
        let term = &p["status"]["containerStatuses"][0]["state"]["terminated"];
        assert_eq!(p["status"]["phase"], "Failed", "{p:#}");
        assert_eq!(term["reason"], "StartError", "{term:#}");
        assert!(
            term["message"]
                .as_str()
                .is_some_and(|m| m.contains("apply caps")),
            "{term:#}"
        );
    }
}

/// Whether this Docker host can run a privileged container at all (`docker run
/// --privileged`, no dockjob involved).
fn host_runs_privileged() -> bool {
    Command::new("docker")
        .args(["run", "--rm", "--privileged", BUSYBOX, "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn resource_limits_reach_docker_and_a_gpu_request_fails_visibly() {
    let e = Engine::start();
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: limited
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sleep", "3600"]
    resources:
      limits:
        cpu: 500m
        memory: 64Mi
      requests:
        cpu: 250m
        memory: 32Mi
---
apiVersion: v1
kind: Pod
metadata:
  name: gpu
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["true"]
    resources:
      limits:
        nvidia.com/gpu: 1
"#
    ));
    let p = running(&e, "limited");
    let c = &app_containers(&uid(&p))[0];
    let host = &c["HostConfig"];
    assert_eq!(host["NanoCpus"], 500_000_000, "{host:#}");
    assert_eq!(host["Memory"], 64 * 1024 * 1024, "{host:#}");
    assert_eq!(host["MemorySwap"], 64 * 1024 * 1024, "no swap: {host:#}");
    assert_eq!(host["CpuShares"], 256, "{host:#}");
    // The cgroup the process runs in says the same.
    let out = exec(
        &uid(&p),
        "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        (64 * 1024 * 1024).to_string(),
        "{}",
        stderr(&out)
    );

    // No nvidia runtime here: Docker refuses to start the container. The pod must say so
    // rather than hang.
    let p = wait_pod(&e, "gpu", "to show why it cannot run", |p| {
        p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"].is_string()
            || p["status"]["containerStatuses"][0]["state"]["waiting"]["message"].is_string()
    });
    let c = &app_containers(&uid(&p))[0];
    assert_eq!(
        c["HostConfig"]["DeviceRequests"],
        serde_json::json!([{
            "Driver": "nvidia",
            "Count": 1,
            "DeviceIDs": null,
            "Capabilities": [["gpu"]],
            "Options": null,
        }]),
        "{:#}",
        c["HostConfig"]
    );
    let status = &p["status"]["containerStatuses"][0];
    let state = &status["state"];
    let message = state["terminated"]["message"]
        .as_str()
        .or(state["waiting"]["message"].as_str())
        .unwrap_or_default();
    assert_eq!(
        message, "could not select device driver \"nvidia\" with capabilities: [[gpu]]",
        "{status:#}"
    );
    // restartPolicy Never: the pod failed, as containerd reports a process that never
    // started (reason StartError, exit code 128).
    let p = wait_pod(&e, "gpu", "Failed", |p| p["status"]["phase"] == "Failed");
    let term = &p["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(term["reason"], "StartError", "{term:#}");
    assert_eq!(term["exitCode"], 128, "{term:#}");

    // Under a ReplicaSet (restartPolicy Always) the pod is not Failed, so the controller
    // does not replace it over and over: one pod, Running, showing the StartError.
    e.apply(&format!(
        r#"apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: gpus
spec:
  replicas: 1
  selector:
    matchLabels:
      app: gpus
  template:
    metadata:
      labels:
        app: gpus
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: {BUSYBOX}
        command: ["sleep", "3600"]
        resources:
          limits:
            nvidia.com/gpu: 1
"#
    ));
    let rs_pods = || {
        e.json(&["get", "pods", "-a", "-l", "app=gpus"])["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    eventually(TIMEOUT, "the ReplicaSet's pod to show StartError", || {
        rs_pods().into_iter().find(|p| {
            p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "StartError"
        })
    });
    std::thread::sleep(Duration::from_secs(3));
    let pods = rs_pods();
    assert_eq!(pods.len(), 1, "the ReplicaSet churns pods: {pods:#?}");
    assert_eq!(
        pods[0]["status"]["phase"], "Running",
        "{:#}",
        pods[0]["status"]
    );
}

/// The CLI in namespace `ns` (the harness's `-n` comes last and would win).
fn cli_ns(e: &Engine, ns: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .arg("--socket")
        .arg(&e.socket)
        .args(["-n", ns])
        .env("DOCKJOB_NO_AUTOSTART", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cli starts");
    if let Some(text) = stdin {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("cli runs")
}

fn ok_ns(e: &Engine, ns: &str, args: &[&str], stdin: Option<&str>) -> String {
    let out = cli_ns(e, ns, args, stdin);
    assert!(
        out.status.success(),
        "dockjob {args:?} -n {ns}: {}\n{}",
        stderr(&out),
        tail(&e.log(), 30)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The harness's engine (namespace A = `e.namespace`) and a second namespace B in it.
/// Dropping it stops the engine first (so nothing is recreated behind its back), then
/// removes what Docker holds for B, which the harness does not know about.
struct TwoNamespaces {
    e: Engine,
    a: String,
    b: String,
}

impl TwoNamespaces {
    fn start() -> TwoNamespaces {
        let e = Engine::start();
        let a = e.namespace.clone();
        let b = format!("{a}-b");
        TwoNamespaces { e, a, b }
    }

    fn cli(&self, ns: &str, args: &[&str], stdin: Option<&str>) -> Output {
        cli_ns(&self.e, ns, args, stdin)
    }

    fn ok(&self, ns: &str, args: &[&str], stdin: Option<&str>) -> String {
        ok_ns(&self.e, ns, args, stdin)
    }

    fn get_pod(&self, ns: &str, name: &str) -> Value {
        serde_json::from_str(&self.ok(ns, &["get", "pod", name, "-o", "json"], None)).expect("json")
    }

    fn running(&self, ns: &str, name: &str) -> Value {
        eventually(TIMEOUT, &format!("{ns}/{name} running"), || {
            let p = self.get_pod(ns, name);
            (p["status"]["phase"] == "Running").then_some(p)
        })
    }

    /// In each namespace: `web-0` (httpd on 9376 answering `hello from <ns>`, label
    /// app=web) and `client` (sleeps); a Service `web` (80 -> 9376) in A only. Returns
    /// the uids of A's and B's clients once all four pods run.
    fn web_and_clients(&self) -> (String, String) {
        for ns in [&self.a, &self.b] {
            let server = sh(&format!(
                "mkdir -p /www && echo hello from {ns} > /www/index.html && exec httpd -f -p 9376 -h /www"
            ));
            let yaml = format!(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels:
    app: web
    ns: {ns}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {BUSYBOX}
    command: {server}
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sleep", "3600"]
"#
            );
            self.ok(ns, &["apply", "-f", "-"], Some(&yaml));
        }
        let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 9376\n";
        self.ok(&self.a, &["apply", "-f", "-"], Some(service));
        for ns in [&self.a, &self.b] {
            self.running(ns, "web-0");
        }
        (
            uid(&self.running(&self.a, "client")),
            uid(&self.running(&self.b, "client")),
        )
    }
}

impl Drop for TwoNamespaces {
    fn drop(&mut self) {
        self.e.kill();
        let label = format!("dockjob.io/namespace={}", self.b);
        let ids = docker_containers(&label, false);
        if !ids.is_empty() {
            let _ = Command::new("docker")
                .args(["rm", "-f", "-v"])
                .args(&ids)
                .output();
        }
        for what in ["network", "volume"] {
            let out = Command::new("docker")
                .args([what, "ls", "-q", "--filter", &format!("label={label}")])
                .output();
            let names: Vec<String> = out
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
    }
}

/// An HTTP GET of `/` on port 80 from inside the pod with `nc` (busybox `wget`
/// segfaults here): Ok(body) or Err(what happened).
fn get_from(uid: &str, host: &str) -> Result<String, String> {
    let out = exec(
        uid,
        &format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {host} 80"),
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    match text.split_once("\r\n\r\n") {
        Some((head, body)) if out.status.success() && head.contains(" 200 ") => {
            Ok(body.trim().to_string())
        }
        _ => Err(format!("exit {}: {text}{}", out.status, stderr(&out))),
    }
}

#[test]
fn namespaces_are_separate_listed_with_all_and_enforced_by_apply() {
    let t = TwoNamespaces::start();
    let (a, b) = (t.a.clone(), t.b.clone());
    let (client_a, _) = t.web_and_clients();

    // The same names in both namespaces are two objects.
    let (web_a, web_b) = (t.get_pod(&a, "web-0"), t.get_pod(&b, "web-0"));
    assert_ne!(uid(&web_a), uid(&web_b));
    assert_eq!(web_a["metadata"]["namespace"], a.as_str());
    assert_eq!(web_b["metadata"]["namespace"], b.as_str());
    assert_eq!(web_a["metadata"]["labels"]["ns"], a.as_str());
    assert_eq!(web_b["metadata"]["labels"]["ns"], b.as_str());
    // The Service exists in A only.
    assert!(!t.cli(&b, &["get", "svc", "web"], None).status.success());

    // `get pods -A`: a NAMESPACE column and both namespaces' pods.
    let table = t.ok(&a, &["get", "pods", "-A"], None);
    let mut lines = table.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header[..2], ["NAMESPACE", "NAME"], "{table}");
    let rows: Vec<(String, String)> = lines
        .map(|l| {
            let mut w = l.split_whitespace();
            (
                w.next().unwrap_or_default().to_string(),
                w.next().unwrap_or_default().to_string(),
            )
        })
        .filter(|(ns, _)| ns == &a || ns == &b)
        .collect();
    let mut expected = vec![
        (a.clone(), "client".to_string()),
        (a.clone(), "web-0".to_string()),
        (b.clone(), "client".to_string()),
        (b.clone(), "web-0".to_string()),
    ];
    expected.sort();
    assert_eq!(rows, expected, "{table}");

    // Kubernetes DNS: the short name from the Service's own namespace.
    let body = eventually(Duration::from_secs(30), "web from a pod of A", || {
        get_from(&client_a, "web").ok()
    });
    assert_eq!(body, format!("hello from {a}"));

    // kubectl refuses an object whose namespace is not the one passed with -n, and
    // applies nothing.
    let cm = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: {a}\ndata:\n  k: v\n"
    );
    let out = t.cli(&b, &["apply", "-f", "-"], Some(&cm));
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        format!(
            "error: the namespace from the provided object \"{a}\" does not match the namespace \"{b}\". You must pass '--namespace={a}' to perform this operation.\n"
        )
    );
    assert!(!t.cli(&a, &["get", "cm", "cm"], None).status.success());
    assert!(!t.cli(&b, &["get", "cm", "cm"], None).status.success());
    // With the matching -n it applies.
    assert_eq!(
        t.ok(&a, &["apply", "-f", "-"], Some(&cm)).trim(),
        "configmap/cm created"
    );

    // Deleting in B leaves A alone.
    t.ok(&b, &["delete", "pod", "web-0", "client"], None);
    assert!(!t.cli(&b, &["get", "pod", "web-0"], None).status.success());
    assert!(docker_containers(&format!("dockjob.io/namespace={b}"), false).is_empty());
    assert_eq!(t.get_pod(&a, "web-0")["status"]["phase"], "Running");
}

/// Kubernetes' search path (`<ns>.svc.cluster.local svc.cluster.local cluster.local`)
/// makes `web.<A>` resolve from any namespace, while `web` alone stays namespace-local.
#[test]
#[ignore = "not implemented: a Service proxy sits on its own namespace's network only, \
            so `web.<A>` does not resolve from a pod of another namespace"]
fn a_service_resolves_from_another_namespace_as_name_dot_namespace() {
    let t = TwoNamespaces::start();
    let a = t.a.clone();
    let (client_a, client_b) = t.web_and_clients();
    let body = eventually(Duration::from_secs(30), "web from a pod of A", || {
        get_from(&client_a, "web").ok()
    });
    assert_eq!(body, format!("hello from {a}"));
    let err = get_from(&client_b, "web").expect_err("`web` must not resolve from B");
    assert!(!err.contains(&format!("hello from {a}")), "{err}");
    for host in [
        format!("web.{a}"),
        format!("web.{a}.svc"),
        format!("web.{a}.svc.cluster.local"),
    ] {
        let body = eventually(Duration::from_secs(30), &format!("{host} from B"), || {
            get_from(&client_b, &host).ok()
        });
        assert_eq!(body, format!("hello from {a}"), "{host}");
    }
}

#[test]
fn termination_grace_period_on_delete() {
    let e = Engine::start_with(&[
        "--allow-host-path",
        &std::env::temp_dir().display().to_string(),
    ]);
    let host = e.dir.path().join("grace");
    std::fs::create_dir_all(&host).expect("host dir");
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // The shell waits on a background sleep so the trap runs as soon as TERM arrives.
    let trapper = "trap 'echo got-TERM > /out/term; exit 0' TERM; echo ready > /out/ready; \
                   while true; do sleep 1 & wait $!; done";
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: graceful
spec:
  containers:
  - name: main
    image: {BUSYBOX}
    command: {trapper}
    volumeMounts:
    - name: out
      mountPath: /out
  volumes:
  - name: out
    hostPath:
      path: {host}
---
apiVersion: v1
kind: Pod
metadata:
  name: deaf
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sleep", "3600"]
"#,
        trapper = sh(trapper),
        host = host.display(),
    ));
    let graceful = uid(&running(&e, "graceful"));
    let deaf = uid(&running(&e, "deaf"));
    eventually(TIMEOUT, "the trap to be set", || {
        host.join("ready").exists().then_some(())
    });

    // Default grace (30 s): SIGTERM reaches the process, which exits on its own.
    let started = Instant::now();
    e.ok(&["delete", "pod", "graceful"]);
    eventually(TIMEOUT, "graceful's containers to go", || {
        docker_containers(&format!("dockjob.io/pod-uid={graceful}"), false)
            .is_empty()
            .then_some(())
    });
    assert_eq!(
        std::fs::read_to_string(host.join("term")).unwrap_or_default(),
        "got-TERM\n"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "a process that exits on TERM is not waited for: {:?}",
        started.elapsed()
    );

    // PID 1 without a handler ignores TERM: killed after the 2 s grace, not 30.
    let started = Instant::now();
    e.ok(&["delete", "pod", "deaf"]);
    eventually(TIMEOUT, "deaf's containers to go", || {
        docker_containers(&format!("dockjob.io/pod-uid={deaf}"), false)
            .is_empty()
            .then_some(())
    });
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "grace 2 s took {took:?}");
    assert!(pod(&e, "deaf").is_none());
}
