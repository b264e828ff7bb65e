//! Services end to end against the real Docker daemon, through the built binary: the
//! name resolves on the namespace network (for pods created before and after the
//! Service), `port` -> `targetPort` (numeric and named), endpoints follow the pods, the
//! proxy survives an engine restart, deletion leaves nothing behind, and `port-forward`
//! reaches pods and services from the host.

mod common;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::Duration;

use common::*;
use serde_json::Value;

const SERVICE_LABEL: &str = "dockjob.io/service";

/// Removes the test namespace's networks when the test ends (the engine removes them
/// when unused; a failed test may leave one).
struct Networks(String);

impl Drop for Networks {
    fn drop(&mut self) {
        for id in networks(&self.0) {
            let _ = Command::new("docker").args(["network", "rm", &id]).output();
        }
    }
}

/// Docker networks labelled with the namespace.
fn networks(namespace: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "network",
            "ls",
            "-q",
            "--filter",
            &format!("label=dockjob.io/namespace={namespace}"),
        ])
        .output()
        .expect("docker CLI runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A busybox pod serving `hello from <pod>` over HTTP on 9376 (port named `http`).
fn server_pod(name: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: web
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "mkdir -p /www && echo hello from {name} > /www/index.html && exec httpd -f -p 9376 -h /www"]
    ports:
    - name: http
      containerPort: 9376
"#
    )
}

/// A pod that only sleeps: the client side, for `docker exec nc`.
fn client_pod(name: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sleep", "3600"]
"#
    )
}

const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    test: services
spec:
  selector:
    app: web
  ports:
  - name: plain
    port: 80
    targetPort: 9376
  - name: named
    port: 81
    targetPort: http
"#;

fn pod_json(e: &Engine, name: &str) -> Option<Value> {
    let out = e.cli(&["get", "pod", name, "-o", "json"]);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

fn wait_running(e: &Engine, name: &str) -> Value {
    eventually(
        Duration::from_secs(60),
        &format!("pod {name} running with an IP"),
        || {
            pod_json(e, name)
                .filter(|p| p["status"]["phase"] == "Running" && p["status"]["podIP"].is_string())
        },
    )
}

/// The Docker id of the pod's `main` container.
fn main_container(e: &Engine, pod: &str) -> String {
    let out = Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label={}", e.label()),
            "--filter",
            &format!("label=dockjob.io/pod={pod}"),
            "--filter",
            "label=dockjob.io/container=main",
        ])
        .output()
        .expect("docker CLI runs");
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!id.is_empty(), "no running main container for pod {pod}");
    id
}

/// An HTTP GET of `/` on `host:port` from inside the pod: Ok(body) or Err(stderr).
/// With `nc`: the busybox-static `wget` of the test image segfaults (static glibc).
fn get_in(e: &Engine, pod: &str, host: &str, port: u16) -> Result<String, String> {
    let script = format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {host} {port}");
    let out = Command::new("docker")
        .args(["exec", &main_container(e, pod), "sh", "-c", &script])
        .output()
        .expect("docker exec runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    match text.split_once("\r\n\r\n") {
        Some((head, body)) if out.status.success() && head.contains(" 200 ") => {
            Ok(body.to_string())
        }
        _ => Err(format!(
            "exit {}: {text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

fn proxies(e: &Engine) -> Vec<String> {
    docker_containers(&format!("{SERVICE_LABEL}=web"), false)
        .into_iter()
        .filter(|id| {
            let out = Command::new("docker")
                .args([
                    "inspect",
                    "-f",
                    "{{ index .Config.Labels \"dockjob.io/namespace\" }}",
                    id,
                ])
                .output()
                .expect("docker inspect runs");
            String::from_utf8_lossy(&out.stdout).trim() == e.namespace
        })
        .collect()
}

#[test]
fn service_name_resolves_and_follows_its_endpoints() {
    let e = Engine::start();
    let _nets = Networks(e.namespace.clone());

    // A client created before the Service exists.
    e.apply(&client_pod("early"));
    e.apply(&server_pod("web-1"));
    wait_running(&e, "early");
    wait_running(&e, "web-1");
    assert_eq!(e.apply(SERVICE).trim(), "service/web created");

    let svc = eventually(Duration::from_secs(30), "the service's clusterIP", || {
        let svc = e.json(&["get", "svc", "web"]);
        svc["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|ip| ip.contains('.'))
            .then_some(svc)
    });
    assert_eq!(
        svc["spec"]["clusterIPs"][0], svc["spec"]["clusterIP"],
        "{svc:#}"
    );
    assert_eq!(proxies(&e).len(), 1);

    // port 80 -> targetPort 9376, by the short name from a pod made before the Service.
    let body = eventually(Duration::from_secs(30), "http://web/ from early", || {
        get_in(&e, "early", "web", 80).ok()
    });
    assert_eq!(body.trim(), "hello from web-1");
    // Every spelling of the name, and the named targetPort.
    let ns = &e.namespace;
    for (host, port) in [
        (format!("web.{ns}"), 80),
        (format!("web.{ns}.svc"), 80),
        (format!("web.{ns}.svc.cluster.local"), 81),
    ] {
        assert_eq!(
            get_in(&e, "early", &host, port).map(|b| b.trim().to_string()),
            Ok("hello from web-1".to_string()),
            "{host}:{port}"
        );
    }

    // A client created after the Service resolves it too.
    e.apply(&client_pod("late"));
    wait_running(&e, "late");
    assert_eq!(
        get_in(&e, "late", "web", 81).map(|b| b.trim().to_string()),
        Ok("hello from web-1".to_string())
    );

    // No endpoint left: connections are refused, as Kubernetes rejects them.
    e.ok(&["delete", "pod", "web-1"]);
    eventually(Duration::from_secs(30), "web to refuse connections", || {
        get_in(&e, "early", "web", 80).err()
    });

    // A new pod behind the selector becomes reachable without touching the Service.
    e.apply(&server_pod("web-2"));
    wait_running(&e, "web-2");
    let body = eventually(Duration::from_secs(30), "web to answer from web-2", || {
        get_in(&e, "early", "web", 80).ok()
    });
    assert_eq!(body.trim(), "hello from web-2");

    // Deleting the Service removes its proxy and its name.
    let out = e.ok(&["delete", "svc", "web"]);
    assert_eq!(out.trim(), "service \"web\" deleted");
    assert!(proxies(&e).is_empty(), "proxy left behind");
    assert!(get_in(&e, "early", "web", 80).is_err());

    // With every pod gone, the namespace network goes too.
    for pod in ["early", "late", "web-2"] {
        e.ok(&["delete", "pod", pod]);
    }
    eventually(
        Duration::from_secs(30),
        "the namespace network to be removed",
        || networks(&e.namespace).is_empty().then_some(()),
    );
}

#[test]
fn proxy_is_kept_across_an_engine_restart_and_endpoints_still_update() {
    let mut e = Engine::start();
    let _nets = Networks(e.namespace.clone());
    e.apply(&client_pod("client"));
    e.apply(SERVICE);
    wait_running(&e, "client");
    let before = eventually(Duration::from_secs(30), "the proxy", || {
        let p = proxies(&e);
        (p.len() == 1).then_some(p)
    });
    // No endpoint yet: refused.
    assert!(get_in(&e, "client", "web", 80).is_err());

    e.kill();
    e.restart();
    e.apply(&server_pod("web-1"));
    wait_running(&e, "web-1");
    let body = eventually(Duration::from_secs(30), "web to answer", || {
        get_in(&e, "client", "web", 80).ok()
    });
    assert_eq!(body.trim(), "hello from web-1");
    assert_eq!(proxies(&e), before, "the proxy was recreated");
}

/// A running `dockjob port-forward`, killed when dropped.
struct PortForward {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
}

impl PortForward {
    fn start(e: &Engine, args: &[&str]) -> PortForward {
        let mut child = e.spawn_cli(&[&["port-forward"], args].concat());
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        PortForward { child, stdout }
    }

    /// Reads the next `Forwarding from ADDR -> REMOTE` line; returns (addr, remote).
    fn forwarding_line(&mut self) -> (String, String) {
        let line = next_line(&mut self.child, &mut self.stdout, "port-forward");
        let rest = line
            .trim()
            .strip_prefix("Forwarding from ")
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        let (addr, remote) = rest.split_once(" -> ").expect("arrow");
        (addr.to_string(), remote.to_string())
    }
}

impl Drop for PortForward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP GET over TCP; returns the body.
fn http_get(addr: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default())
}

#[test]
fn port_forward_reaches_pods_and_services_from_the_host() {
    let e = Engine::start();
    let _nets = Networks(e.namespace.clone());
    e.apply(&server_pod("web-1"));
    e.apply(SERVICE);
    wait_running(&e, "web-1");

    // pod/NAME with a random local port.
    let mut pf = PortForward::start(&e, &["pod/web-1", ":9376"]);
    let (addr, remote) = pf.forwarding_line();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    assert_eq!(remote, "9376");
    assert_eq!(http_get(&addr).unwrap().trim(), "hello from web-1");
    drop(pf);

    // svc/NAME: the service port maps to the pod's targetPort (named one too).
    let mut pf = PortForward::start(&e, &["svc/web", ":80", ":named"]);
    let (addr80, remote80) = pf.forwarding_line();
    assert_eq!(remote80, "9376");
    // localhost also binds ::1 when the host has IPv6; skip that line if present.
    let (mut addr81, mut remote81) = pf.forwarding_line();
    if addr81.starts_with('[') {
        (addr81, remote81) = pf.forwarding_line();
    }
    assert_eq!(remote81, "9376");
    assert_eq!(http_get(&addr80).unwrap().trim(), "hello from web-1");
    assert_eq!(http_get(&addr81).unwrap().trim(), "hello from web-1");
    drop(pf);

    // kubectl's errors.
    let out = e.cli(&["port-forward", "pod/nope", "80"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "Error from server (NotFound): pods \"nope\" not found"
    );
    e.apply(
        r#"apiVersion: v1
kind: Service
metadata:
  name: noselector
spec:
  ports:
  - port: 80
"#,
    );
    let out = e.cli(&["port-forward", "svc/noselector", "80"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: cannot attach to *v1.Service: invalid service 'noselector': Service is defined without a selector"
    );
    e.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: stuck
spec:
  containers:
  - name: main
    image: dockjob-test/does-not-exist:1
    imagePullPolicy: Never
"#,
    );
    eventually(Duration::from_secs(30), "pod stuck to exist", || {
        pod_json(&e, "stuck")
    });
    let out = e.cli(&["port-forward", "pod/stuck", "80"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: unable to forward port because pod is not running. Current status=Pending"
    );
}
