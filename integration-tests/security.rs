//! Security against the real engine and Docker: the API socket's mode and group (and a
//! user outside it cannot connect), the token-protected TCP listener with and without
//! TLS, host powers refused at admission unless allowed, the pids limit and
//! `no-new-privileges` on containers, and secret values kept out of logs, events and
//! `describe`.
//!
//! Needs root (the suite runs as root in CI) for `setpriv` to switch to `nobody`, and
//! the `curl` and `openssl` command-line tools.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::*;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(90);
const NOBODY: &str = "65534";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// `curl` as user nobody (no supplementary groups unless `groups` names some) against
/// the engine's Unix socket; curl's exit status tells whether it could connect.
fn curl_socket_as_nobody(socket: &Path, groups: Option<&str>) -> Output {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY]);
    match groups {
        Some(g) => cmd.args(["--groups", g]),
        None => cmd.arg("--clear-groups"),
    };
    cmd.args(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg("--unix-socket")
        .arg(socket)
        .arg("http://localhost/version");
    run(&mut cmd)
}

/// The socket's directory (a 0700 tempdir) opened for traversal, so only the socket's
/// own mode decides who connects.
fn open_dir_for_traversal(e: &Engine) {
    std::fs::set_permissions(e.dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod tempdir");
}

#[test]
fn the_socket_is_0600_or_0660_with_the_given_group_and_others_cannot_connect() {
    let e = Engine::start();
    open_dir_for_traversal(&e);
    let meta = std::fs::metadata(&e.socket).expect("socket");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    // SAFETY: getuid has no preconditions.
    assert_eq!(meta.uid(), unsafe { libc::getuid() });
    // nobody, even in group adm, is refused by the 0600 socket.
    let out = curl_socket_as_nobody(&e.socket, Some("4"));
    assert!(!out.status.success(), "nobody connected to a 0600 socket");
    assert!(
        stderr(&out).contains("Permission denied") || stderr(&out).contains("Couldn't connect"),
        "{}",
        stderr(&out)
    );
    drop(e);

    let e = Engine::start_with(&["--socket-group", "adm"]);
    open_dir_for_traversal(&e);
    let meta = std::fs::metadata(&e.socket).expect("socket");
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), 4, "group adm");
    let out = curl_socket_as_nobody(&e.socket, None);
    assert!(!out.status.success(), "nobody outside adm connected");
    // A member of the group can: the refusal above is the mode's doing.
    let out = curl_socket_as_nobody(&e.socket, Some("4"));
    assert!(out.status.success(), "member of adm: {}", stderr(&out));
    assert_eq!(stdout(&out), "200");
    drop(e);

    // By gid too.
    let e = Engine::start_with(&["--socket-group", "100"]);
    let meta = std::fs::metadata(&e.socket).expect("socket");
    assert_eq!(
        (meta.permissions().mode() & 0o777, meta.gid()),
        (0o660, 100)
    );
}

/// Runs `dockjob server` with `args` in a fresh data dir, expecting it to refuse to
/// start; returns what it printed on stderr.
fn server_refuses(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(bin())
        .args(["server", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--socket")
        .arg(dir.path().join("s.sock"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("server starts");
    let status = eventually(TIMEOUT, "the server to exit", || {
        child.try_wait().expect("wait")
    });
    let out = child.wait_with_output().expect("output");
    assert!(!status.success(), "server started with {args:?}");
    assert!(
        !dir.path().join("s.sock").exists(),
        "a refused server left a socket"
    );
    stderr(&out)
}

#[test]
fn bad_security_flags_stop_the_engine_at_start() {
    let err = server_refuses(&["--socket-group", "no-such-group-dockjob"]);
    assert!(
        err.contains("--socket-group \"no-such-group-dockjob\": no such group"),
        "{err}"
    );
    let err = server_refuses(&["--listen", "127.0.0.1:0"]);
    assert!(err.contains("--token-file"), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let token = dir.path().join("token");
    std::fs::write(&token, "abc\n").expect("token");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let t = token.to_str().expect("utf-8");
    let err = server_refuses(&["--listen", "127.0.0.1:0", "--token-file", t]);
    assert!(
        err.contains("is readable by group or others (mode 0640)") && err.contains("chmod 600"),
        "{err}"
    );
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let bogus = dir.path().join("bogus.pem");
    std::fs::write(&bogus, "nothing\n").expect("write");
    let b = bogus.to_str().expect("utf-8");
    let err = server_refuses(&[
        "--listen",
        "127.0.0.1:0",
        "--token-file",
        t,
        "--tls-cert",
        b,
        "--tls-key",
        b,
    ]);
    assert!(err.contains("cannot read the TLS certificate"), "{err}");
    let err = server_refuses(&["--allow-host-path", "relative/dir"]);
    assert!(err.contains("must be an absolute path"), "{err}");
}

const UNAUTHORIZED: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;

/// `curl` to `url` with `extra` args; (HTTP status, body). Panics when curl cannot
/// complete the request.
fn curl(url: &str, extra: &[&str]) -> (u16, String) {
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "30", "-w", "\n%{http_code}"])
        .args(extra)
        .arg(url));
    assert!(
        out.status.success(),
        "curl {url} {extra:?}: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    let (body, code) = text.rsplit_once('\n').expect("status line");
    (code.trim().parse().expect("status"), body.to_string())
}

fn token_file(dir: &Path, token: &str) -> PathBuf {
    let path = dir.join("token");
    std::fs::write(&path, format!("{token}\n")).expect("token");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// Every request without the right token gets exactly the 401 Status; with it the API
/// answers.
fn assert_token_enforced(base: &str, tls: &[&str], token: &str) {
    let jobs = format!("{base}/apis/batch/v1/namespaces/default/jobs");
    let bearer = format!("Authorization: Bearer {token}");
    let wrong = format!("Authorization: Bearer {token}x");
    let version = format!("{base}/version");
    let nowhere = format!("{base}/no/such/path");
    let refused: [(&str, Vec<&str>); 6] = [
        (&jobs, vec![]),
        (&jobs, vec!["-H", &wrong]),
        (&jobs, vec!["-H", "Authorization: Basic Zm9vOmJhcg=="]),
        (
            &jobs,
            vec![
                "-X",
                "POST",
                "-d",
                "{}",
                "-H",
                "Content-Type: application/json",
            ],
        ),
        (&version, vec![]),
        (&nowhere, vec![]),
    ];
    for (url, mut args) in refused {
        args.extend_from_slice(tls);
        let (code, body) = curl(url, &args);
        assert_eq!((code, body.as_str()), (401, UNAUTHORIZED), "{url} {args:?}");
    }
    let mut args = vec!["-H", bearer.as_str()];
    args.extend_from_slice(tls);
    let (code, body) = curl(&jobs, &args);
    assert_eq!(code, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(list["kind"], "JobList", "{body}");
}

#[test]
fn the_tcp_listener_wants_the_bearer_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = "t0ken-for-the-tcp-test";
    let tf = token_file(dir.path(), token);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _e = Engine::start_with(&[
        "--listen",
        &addr,
        "--token-file",
        tf.to_str().expect("utf-8"),
    ]);
    assert_token_enforced(&format!("http://{addr}"), &[], token);
}

/// A CA and a server certificate for 127.0.0.1 signed by it (openssl CLI); returns
/// (ca.pem, server.pem, server.key).
fn make_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = run(Command::new("openssl").args(args).current_dir(dir));
        assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=dockjob test CA",
    ]);
    openssl(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[test]
fn the_tcp_listener_serves_tls_with_the_given_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = make_certs(dir.path());
    let token = "tls-t0ken";
    let tf = token_file(dir.path(), token);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let path = |p: &PathBuf| p.to_str().expect("utf-8").to_string();
    let _e = Engine::start_with(&[
        "--listen",
        &addr,
        "--token-file",
        &path(&tf),
        "--tls-cert",
        &path(&cert),
        "--tls-key",
        &path(&key),
    ]);
    let ca_s = path(&ca);
    assert_token_enforced(&format!("https://{addr}"), &["--cacert", &ca_s], token);
    // Without the CA the certificate is not trusted (so the handshake above verified it).
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "30"])
        .arg(format!("https://{addr}/version")));
    assert_eq!(out.status.code(), Some(60), "curl: {}", stderr(&out));
    // Plain HTTP on the TLS port gets no API answer.
    let out = run(Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "30",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg(format!("http://{addr}/version")));
    assert!(
        !out.status.success() || stdout(&out) != "200",
        "plain HTTP answered on the TLS port"
    );
}

/// Applies `yaml`, expecting a refusal naming every one of `wanted`; nothing is stored.
fn assert_refused(e: &Engine, yaml: &str, kind: &str, name: &str, wanted: &[&str]) {
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(yaml));
    let err = stderr(&out);
    assert!(!out.status.success(), "{kind}/{name} admitted:\n{yaml}");
    assert!(err.contains("Forbidden"), "{err}");
    for w in wanted {
        assert!(err.contains(w), "missing {w:?} in: {err}");
    }
    let get = e.cli(&["get", kind, name]);
    assert!(!get.status.success(), "{kind}/{name} was stored");
}

fn privileged_pod_spec(indent: usize) -> String {
    let i = " ".repeat(indent);
    format!(
        "{i}restartPolicy: Never\n{i}initContainers:\n{i}- name: init\n{i}  image: {BUSYBOX}\n{i}  command: [\"true\"]\n{i}  securityContext:\n{i}    capabilities:\n{i}      add: [CHOWN, NET_ADMIN]\n{i}containers:\n{i}- name: main\n{i}  image: {BUSYBOX}\n{i}  command: [\"true\"]\n{i}  securityContext:\n{i}    privileged: true\n"
    )
}

#[test]
fn host_powers_are_refused_at_admission_naming_field_and_flag() {
    let e = Engine::start();
    let job = format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: root\nspec:\n  template:\n    spec:\n{}",
        privileged_pod_spec(6)
    );
    assert_refused(
        &e,
        &job,
        "job",
        "root",
        &[
            "spec.template.spec.initContainers[0].securityContext.capabilities.add[1]",
            "--allow-capabilities",
            "spec.template.spec.containers[0].securityContext.privileged",
            "--allow-privileged",
        ],
    );
    let cron = format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: root\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n{}",
        privileged_pod_spec(10)
    );
    assert_refused(
        &e,
        &cron,
        "cronjob",
        "root",
        &["spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"],
    );
    let rs = format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: root\nspec:\n  selector:\n    matchLabels: {{app: root}}\n  template:\n    metadata:\n      labels: {{app: root}}\n    spec:\n{}",
        privileged_pod_spec(6).replace("restartPolicy: Never", "restartPolicy: Always")
    );
    assert_refused(
        &e,
        &rs,
        "rs",
        "root",
        &["spec.template.spec.containers[0].securityContext.privileged"],
    );
    let host = e.dir.path().join("host");
    std::fs::create_dir_all(&host).expect("host dir");
    let volumes = |path: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mounts\nspec:\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: {BUSYBOX}\n    command: [\"true\"]\n  volumes:\n  - name: scratch\n    emptyDir: {{}}\n  - name: h\n    hostPath:\n      path: {path}\n"
        )
    };
    let host_s = host.to_str().expect("utf-8");
    assert_refused(
        &e,
        &volumes(host_s),
        "pod",
        "mounts",
        &[
            "spec.volumes[1].hostPath.path",
            "--allow-host-path PREFIX",
            "no hostPath is allowed",
        ],
    );
    assert_refused(
        &e,
        &volumes("/var/run/docker.sock"),
        "pod",
        "mounts",
        &["spec.volumes[1].hostPath.path", "--allow-docker-socket"],
    );
    // Host namespaces stay refused for every engine, naming the field.
    let host_net = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hostnet\nspec:\n  hostNetwork: true\n{}",
        busybox_pod_spec(2, "Never", "true")
    );
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&host_net));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("spec.hostNetwork"),
        "{}",
        stderr(&out)
    );
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "something ran"
    );
    drop(e);

    // Each flag allows its power, and only that one.
    let tmp = std::env::temp_dir();
    let tmp_s = tmp.to_str().expect("utf-8");
    let e = Engine::start_with(&["--allow-host-path", tmp_s, "--allow-privileged"]);
    e.apply(&volumes(host_s));
    assert_refused(
        &e,
        &job,
        "job",
        "root",
        &["spec.template.spec.initContainers[0].securityContext.capabilities.add[1]"],
    );
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&job));
    assert!(
        !stderr(&out).contains("privileged"),
        "privileged refused though allowed: {}",
        stderr(&out)
    );
    drop(e);
    let e = Engine::start_with(&["--allow-host-path", "/", "--allow-docker-socket"]);
    e.apply(&volumes("/var/run/docker.sock").replace("name: mounts", "name: sock"));
    e.ok(&["delete", "pod", "sock"]);
}

#[test]
fn containers_get_the_pids_limit_and_no_new_privileges() {
    let e = Engine::start_with(&["--pids-limit", "123"]);
    // Reads its IP, so the pod keeps an infra container, whose limit is checked too.
    e.apply(&reading_pod_ip(&busybox_job(
        "limits",
        "",
        "",
        "Never",
        "grep -q 'NoNewPrivs:[[:space:]]*1' /proc/self/status || { echo FAIL NoNewPrivs; exit 1; }; sleep 3600",
    )));
    // The app container by its role label (not "ours minus infra": an infra container
    // created between two listings would pass for an app one).
    let id = eventually(TIMEOUT, "the job's container to run", || {
        let ours = docker_containers(&e.label(), true);
        docker_containers("dockjob.io/role=app", true)
            .into_iter()
            .find(|id| ours.contains(id))
    });
    let inspect = |id: &str| -> Value {
        let out = run(Command::new("docker").args(["inspect", id]));
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out)).expect("json")[0].clone()
    };
    let app = inspect(&id);
    assert_eq!(app["HostConfig"]["PidsLimit"], 123, "{}", app["HostConfig"]);
    assert!(
        app["HostConfig"]["SecurityOpt"]
            .as_array()
            .is_some_and(|o| o.iter().any(|v| v == "no-new-privileges")),
        "{}",
        app["HostConfig"]["SecurityOpt"]
    );
    let ours = docker_containers(&e.label(), false);
    let infra: Vec<String> = docker_containers("dockjob.io/role=infra", false)
        .into_iter()
        .filter(|id| ours.contains(id))
        .collect();
    assert_eq!(infra.len(), 1);
    assert_eq!(inspect(&infra[0])["HostConfig"]["PidsLimit"], 123);
    // The kernel sees both: the cgroup's pids.max (v2 or v1 layout) and the process's
    // no_new_privs bit.
    let out = run(Command::new("docker").args([
        "exec",
        &id,
        "/bin/sh",
        "-c",
        "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max; \
         grep NoNewPrivs /proc/1/status",
    ]));
    assert!(
        out.status.success(),
        "docker exec: {} {}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("123"), "{text}");
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["NoNewPrivs:", "1"]),
        "{text}"
    );
}

#[test]
fn secret_values_stay_out_of_logs_events_and_describe() {
    let e = Engine::start();
    let value = "sup3r-s3cret-VALUE-7f3a";
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    // `data`, not `stringData`: with `apply`, kubectl (and dockjob, which follows it)
    // keeps `stringData` in plain text in the last-applied-configuration annotation.
    e.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: {encoded}\n"
    ));
    // Used as env and as a file; a second reference to a missing key produces events.
    e.apply(&format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: uses
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: {BUSYBOX}
        command: ["sh", "-c", "[ \"$P\" = \"$(cat /s/password)\" ] && echo same"]
        env:
        - name: P
          valueFrom:
            secretKeyRef: {{name: creds, key: password}}
        volumeMounts:
        - {{name: s, mountPath: /s}}
      volumes:
      - name: s
        secret: {{secretName: creds}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: missing-key
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: {BUSYBOX}
        command: ["true"]
        env:
        - name: Q
          valueFrom:
            secretKeyRef: {{name: creds, key: nope}}
"#
    ));
    let job = e.wait_finished("uses", TIMEOUT);
    assert!(condition(&job, "Complete").is_some(), "{job}");
    eventually(TIMEOUT, "the missing key to keep the pod waiting", || {
        let pods = e.pods("missing-key");
        let reason = &pods.first()?["status"]["containerStatuses"][0]["state"]["waiting"]["reason"];
        (reason == "CreateContainerConfigError").then_some(())
    });
    let yaml = e.ok(&["get", "secret", "creds", "-o", "yaml"]);
    assert!(yaml.contains(&encoded), "{yaml}");
    let mut seen = vec![
        ("engine log", e.log()),
        ("get events -o yaml", e.ok(&["get", "events", "-o", "yaml"])),
        ("describe secret", e.ok(&["describe", "secret", "creds"])),
        ("describe job", e.ok(&["describe", "job", "uses"])),
        (
            "describe job missing-key",
            e.ok(&["describe", "job", "missing-key"]),
        ),
        ("get secret -o yaml", yaml),
    ];
    for p in e.pods("uses").iter().chain(e.pods("missing-key").iter()) {
        let name = p["metadata"]["name"].as_str().expect("name").to_string();
        seen.push(("describe pod", e.ok(&["describe", "pod", &name])));
    }
    for (what, text) in &seen {
        assert!(!text.is_empty(), "{what} is empty");
        assert!(
            !text.contains(value),
            "the secret value appears in {what}:\n{text}"
        );
    }
}

/// Powers are checked again by the kubelet before a pod starts: a Job admitted by an
/// engine started with `--allow-capabilities` makes pods that an engine restarted without
/// the flag refuses (Failed, reason Forbidden, naming the field and the flag) instead of
/// running; the pod already running when it restarted finishes.
#[test]
fn an_engine_restarted_without_the_flag_refuses_new_pods_of_an_admitted_job() {
    let mut e = Engine::start_with(&["--allow-capabilities"]);
    let job = format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: netadmin\nspec:\n  completions: 2\n  parallelism: 1\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: {BUSYBOX}\n        command: [sh, -c, 'sleep 4']\n        securityContext:\n          capabilities:\n            add: [NET_ADMIN]\n"
    );
    e.apply(&job);
    eventually(Duration::from_secs(60), "the first pod to run", || {
        let pods = e.pods("netadmin");
        (pods.len() == 1 && pods[0]["status"]["phase"] == "Running").then_some(())
    });
    e.kill();
    e.set_server_args(&[]);
    e.restart();
    let job = e.wait_finished("netadmin", Duration::from_secs(120));
    let pods = e.pods("netadmin");
    assert_eq!(pods.len(), 2, "{pods:#?}");
    let succeeded: Vec<&Value> = pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Succeeded")
        .collect();
    assert_eq!(succeeded.len(), 1, "the running pod finishes: {pods:#?}");
    let refused = pods
        .iter()
        .find(|p| p["status"]["phase"] == "Failed")
        .unwrap_or_else(|| panic!("one pod refused: {pods:#?}"));
    assert_eq!(refused["status"]["reason"], "Forbidden", "{refused:#}");
    let message = refused["status"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("spec.containers[0].securityContext.capabilities.add[0]")
            && message.contains("--allow-capabilities"),
        "{message}"
    );
    let uid = refused["metadata"]["uid"].as_str().unwrap();
    assert!(
        docker_containers(&format!("dockjob.io/pod-uid={uid}"), false).is_empty(),
        "a refused pod makes no container"
    );
    assert_eq!(
        condition(&job, "Failed").map(|c| c["reason"].clone()),
        Some("BackoffLimitExceeded".into())
    );
}
