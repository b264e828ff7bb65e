//! The Pod template's env, volumes and securityContext against the real Docker daemon,
//! driven through the built `dockjob` binary: env from ConfigMaps and Secrets (envFrom
//! with prefix, key refs, fieldRef, `$(VAR)`), a missing key that keeps the pod waiting
//! until the ConfigMap is applied, configMap/secret volumes (items, modes, secret files
//! not world-readable), emptyDir shared by containers (and `medium: Memory` as tmpfs),
//! hostPath, subPath, readOnly, and the securityContext fields.
//!
//! Each pod runs a shell script that checks what it sees from inside the container and
//! exits non-zero naming the first thing that is wrong; the test waits for the pod's
//! phase and shows the container logs when it is not Succeeded.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::*;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

fn pod(e: &Engine, name: &str) -> Option<Value> {
    let out = e.cli(&["get", "pod", name, "-o", "json"]);
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// Logs of every container of the pod, for failure messages.
fn all_logs(e: &Engine, p: &Value) -> String {
    let name = p["metadata"]["name"].as_str().unwrap_or_default();
    let mut out = String::new();
    let containers = p["spec"]["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(p["spec"]["containers"].as_array().into_iter().flatten());
    for c in containers {
        let c = c["name"].as_str().unwrap_or_default();
        let logs = e.cli(&["logs", name, "-c", c]);
        out.push_str(&format!(
            "--- {c}:\n{}{}",
            String::from_utf8_lossy(&logs.stdout),
            String::from_utf8_lossy(&logs.stderr)
        ));
    }
    out
}

/// Waits for the pod to end and asserts it Succeeded (every check in its scripts passed).
fn assert_succeeds(e: &Engine, name: &str) -> Value {
    let p = eventually(TIMEOUT, &format!("pod {name} to finish"), || {
        let p = pod(e, name)?;
        matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")).then_some(p)
    });
    assert_eq!(
        p["status"]["phase"],
        "Succeeded",
        "pod {name}: {}\nlogs:\n{}",
        serde_json::to_string_pretty(&p["status"]).unwrap_or_default(),
        all_logs(e, &p)
    );
    p
}

/// Waits until the pod's container `container` is waiting with `reason`; returns the
/// waiting state's message.
fn wait_waiting(e: &Engine, name: &str, container: &str, reason: &str) -> String {
    let what = format!("pod {name} container {container} waiting with {reason}");
    eventually(TIMEOUT, &what, || {
        let p = pod(e, name)?;
        let statuses = p["status"]["containerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(
                p["status"]["initContainerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten(),
            );
        for s in statuses {
            if s["name"] == container && s["state"]["waiting"]["reason"] == reason {
                assert_eq!(p["status"]["phase"], "Pending", "{p:#}");
                return Some(s["state"]["waiting"]["message"].as_str()?.to_string());
            }
        }
        None
    })
}

fn sh(script: &str) -> String {
    format!("[\"sh\", \"-c\", {script:?}]")
}

#[test]
fn env_from_config_maps_and_secrets() {
    let e = Engine::start();
    e.apply(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  mode: fast
  level: "3"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  password: czNjcmV0
stringData:
  user: admin
"#,
    );
    let script = r#"
fail() { echo "FAIL: $*"; env | sort; exit 1; }
[ "$CFG_mode" = fast ] || fail CFG_mode
[ "$CFG_level" = 3 ] || fail CFG_level
[ "$password" = s3cret ] || fail password
[ "$user" = admin ] || fail user
[ "$MODE" = fast ] || fail MODE
[ "$PW" = s3cret ] || fail PW
[ "$URL" = "http://admin@db?level=3" ] || fail URL
[ "$POD" = env-pod ] || fail POD
[ "$NS" = "$EXPECT_NS" ] || fail NS
[ "$APP" = demo ] || fail APP
[ -z "${OPT+set}" ] || fail OPT should be unset
[ "$CFG_level_OVERRIDE" = "$CFG_level" ] || fail expansion
echo ok
"#;
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: env-pod
  labels:
    app: demo
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {command}
    envFrom:
    - configMapRef:
        name: cfg
      prefix: CFG_
    - secretRef:
        name: creds
    - configMapRef:
        name: absent
        optional: true
    env:
    - name: EXPECT_NS
      value: {ns}
    - name: MODE
      valueFrom:
        configMapKeyRef:
          name: cfg
          key: mode
    - name: PW
      valueFrom:
        secretKeyRef:
          name: creds
          key: password
    - name: URL
      value: http://$(user)@db?level=$(CFG_level)
    - name: POD
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: NS
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: APP
      valueFrom:
        fieldRef:
          fieldPath: metadata.labels['app']
    - name: OPT
      valueFrom:
        configMapKeyRef:
          name: cfg
          key: nope
          optional: true
    - name: CFG_level_OVERRIDE
      value: $(CFG_level)
"#,
        command = sh(script),
        ns = e.namespace,
    ));
    assert_succeeds(&e, "env-pod");
}

#[test]
fn missing_key_waits_with_create_container_config_error_until_applied() {
    let e = Engine::start();
    e.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\ndata:\n  other: x\n");
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: waits
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {command}
    env:
    - name: K
      valueFrom:
        configMapKeyRef:
          name: late
          key: k
"#,
        command = sh("[ \"$K\" = here ] || { echo \"K=$K\"; exit 1; }"),
    ));
    let message = wait_waiting(&e, "waits", "main", "CreateContainerConfigError");
    assert_eq!(
        message,
        format!("couldn't find key k in ConfigMap {}/late", e.namespace)
    );
    // Still waiting a moment later: no container was made.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(pod(&e, "waits").unwrap()["status"]["phase"], "Pending");

    e.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\ndata:\n  k: here\n");
    assert_succeeds(&e, "waits");
}

#[test]
fn config_map_and_secret_volumes_with_items_and_modes() {
    let e = Engine::start();
    e.apply(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: files
data:
  app.conf: "x=1"
  other: o
binaryData:
  blob: AAEC
---
apiVersion: v1
kind: Secret
metadata:
  name: keys
stringData:
  token: t0k3n
"#,
    );
    let script = r#"
fail() { echo "FAIL: $*"; ls -laR /etc/all /etc/items /etc/secret; exit 1; }
[ "$(cat /etc/all/app.conf)" = x=1 ] || fail all/app.conf
[ "$(cat /etc/all/other)" = o ] || fail all/other
[ "$(od -An -tx1 /etc/all/blob | tr -d ' ')" = 000102 ] || fail blob
[ "$(stat -c %a /etc/all/other)" = 644 ] || fail default mode
[ "$(cat /etc/items/nested/app.conf)" = x=1 ] || fail item path
[ "$(stat -c %a /etc/items/nested/app.conf)" = 600 ] || fail item mode
[ "$(stat -c %a /etc/items/o)" = 440 ] || fail defaultMode
[ ! -e /etc/items/blob ] || fail unlisted key present
[ "$(cat /etc/secret/token)" = t0k3n ] || fail secret content
[ "$(stat -c %a /etc/secret/token)" = 640 ] || fail secret mode
touch /etc/all/new 2>/dev/null && fail configMap volume writable
[ "$(cat /etc/one.conf)" = x=1 ] || fail subPath file
echo ok
"#;
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: vols
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {command}
    volumeMounts:
    - name: all
      mountPath: /etc/all
    - name: items
      mountPath: /etc/items
    - name: secret
      mountPath: /etc/secret
    - name: all
      mountPath: /etc/one.conf
      subPath: app.conf
  volumes:
  - name: all
    configMap:
      name: files
  - name: items
    configMap:
      name: files
      defaultMode: 288 # 0440
      items:
      - key: app.conf
        path: nested/app.conf
        mode: 384 # 0600
      - key: other
        path: o
  - name: secret
    secret:
      secretName: keys
"#,
        command = sh(script),
    ));
    assert_succeeds(&e, "vols");
}

#[test]
fn missing_config_map_volume_waits_until_applied() {
    let e = Engine::start();
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: needs-cm
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {command}
    volumeMounts:
    - name: conf
      mountPath: /conf
  volumes:
  - name: conf
    configMap:
      name: later
"#,
        command = sh("[ \"$(cat /conf/k)\" = v ]"),
    ));
    let message = wait_waiting(&e, "needs-cm", "main", "CreateContainerConfigError");
    assert!(
        message.contains("configmap \"later\" not found"),
        "{message}"
    );
    e.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\ndata:\n  k: v\n");
    assert_succeeds(&e, "needs-cm");
}

#[test]
fn empty_dirs_shared_by_init_and_app_containers_and_memory_is_tmpfs() {
    let e = Engine::start();
    let writer = r#"
echo from-writer > /shared/msg
grep -E '^[^ ]+ /mem tmpfs ' /proc/mounts || { echo "FAIL: /mem is not tmpfs"; cat /proc/mounts; exit 1; }
grep -E ' /mem tmpfs .*size=65536k' /proc/mounts || { echo "FAIL: /mem size"; exit 1; }
echo in-memory > /mem/m
sleep 2
"#;
    let reader = r#"
for i in $(seq 100); do [ -f /data/msg ] && break; sleep 0.1; done
[ "$(cat /data/msg)" = from-writer ] || { echo "FAIL: msg"; exit 1; }
[ "$(cat /data/init)" = from-init ] || { echo "FAIL: init"; exit 1; }
for i in $(seq 100); do [ -f /mem/m ] && break; sleep 0.1; done
[ "$(cat /mem/m)" = in-memory ] || { echo "FAIL: memory emptyDir not shared"; exit 1; }
[ -z "$(ls /mem2)" ] || { echo "FAIL: emptyDir not empty"; exit 1; }
"#;
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  restartPolicy: Never
  initContainers:
  - name: init
    image: {BUSYBOX}
    command: ["sh", "-c", "echo from-init > /s/init"]
    volumeMounts:
    - name: scratch
      mountPath: /s
  containers:
  - name: writer
    image: {BUSYBOX}
    command: {writer}
    volumeMounts:
    - name: scratch
      mountPath: /shared
    - name: mem
      mountPath: /mem
  - name: reader
    image: {BUSYBOX}
    command: {reader}
    volumeMounts:
    - name: scratch
      mountPath: /data
    - name: mem
      mountPath: /mem
    - name: mem2
      mountPath: /mem2
  volumes:
  - name: scratch
    emptyDir: {{}}
  - name: mem
    emptyDir:
      medium: Memory
      sizeLimit: 64Mi
  - name: mem2
    emptyDir:
      medium: Memory
"#,
        writer = sh(writer),
        reader = sh(reader),
    ));
    assert_succeeds(&e, "shared");
}

#[test]
fn host_path_sub_path_and_read_only() {
    let e = Engine::start_with(&[
        "--allow-host-path",
        &std::env::temp_dir().display().to_string(),
    ]);
    let host = e.dir.path().join("host");
    std::fs::create_dir_all(&host).unwrap();
    // The container may run as any user: let it write.
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::write(host.join("hello"), "from-host").unwrap();
    let created = e.dir.path().join("created/deep");
    let script = r#"
fail() { echo "FAIL: $*"; exit 1; }
[ "$(cat /host/hello)" = from-host ] || fail hostPath read
echo from-container > /host/back || fail hostPath write
touch /ro/x 2>/dev/null && fail readOnly hostPath writable
[ "$(cat /ro/hello)" = from-host ] || fail readOnly read
echo in-sub > /sub/file || fail subPath write
[ "$(cat /all/a/b/file)" = in-sub ] || fail subPath not a subdirectory of the volume
touch /made/x || fail DirectoryOrCreate
echo ok
"#;
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: hostpath
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: {command}
    volumeMounts:
    - name: host
      mountPath: /host
    - name: host
      mountPath: /ro
      readOnly: true
    - name: scratch
      mountPath: /sub
      subPath: a/b
    - name: scratch
      mountPath: /all
    - name: made
      mountPath: /made
  volumes:
  - name: host
    hostPath:
      path: {host}
      type: Directory
  - name: scratch
    emptyDir: {{}}
  - name: made
    hostPath:
      path: {created}
      type: DirectoryOrCreate
"#,
        command = sh(script),
        host = host.display(),
        created = created.display(),
    ));
    assert_succeeds(&e, "hostpath");
    assert_eq!(
        std::fs::read_to_string(host.join("back")).unwrap(),
        "from-container\n"
    );
    assert!(created.join("x").exists());

    // A hostPath of type Directory that does not exist keeps the pod waiting.
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: no-host-dir
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["true"]
    volumeMounts:
    - name: h
      mountPath: /h
  volumes:
  - name: h
    hostPath:
      path: {missing}
      type: Directory
"#,
        missing = e.dir.path().join("missing").display(),
    ));
    let message = wait_waiting(&e, "no-host-dir", "main", "CreateContainerConfigError");
    assert!(message.contains("doesn't exist"), "{message}");
}

#[test]
fn security_context_user_group_rootfs_capabilities_no_new_privs() {
    let e = Engine::start_with(&["--allow-capabilities"]);
    e.apply("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: secret-value\n");
    let restricted = r#"
fail() { echo "FAIL: $*"; id; cat /proc/self/status; exit 1; }
[ "$(id -u)" = 1000 ] || fail uid
[ "$(id -g)" = 3000 ] || fail gid
touch /rootfs-file 2>/dev/null && fail root filesystem writable
[ "$(grep CapEff /proc/self/status | awk '{print $2}')" = 0000000000000000 ] || fail CapEff
grep -q 'NoNewPrivs:[[:space:]]*1' /proc/self/status || fail NoNewPrivs
[ "$(cat /s/k)" = secret-value ] || fail secret not readable by the pod user
echo ok > /tmpdir/ok || fail emptyDir not writable by the pod user
"#;
    let caps = r#"
grep -q 'NoNewPrivs:[[:space:]]*0' /proc/self/status || { echo FAIL: NoNewPrivs; exit 1; }
[ "$(id -u)" = 0 ] || { echo FAIL: uid; exit 1; }
hostname other-name 2>/dev/null && { echo FAIL: SYS_ADMIN; exit 1; }
[ "$(grep CapEff /proc/self/status | awk '{print $2}')" = 0000000000001000 ] || { echo FAIL: CapEff; grep Cap /proc/self/status; exit 1; }
"#;
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: secure
spec:
  restartPolicy: Never
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
  containers:
  - name: restricted
    image: {BUSYBOX}
    command: {restricted}
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities:
        drop: ["ALL"]
    volumeMounts:
    - name: s
      mountPath: /s
    - name: tmp
      mountPath: /tmpdir
  - name: caps
    image: {BUSYBOX}
    command: {caps}
    securityContext:
      runAsUser: 0
      allowPrivilegeEscalation: true
      capabilities:
        drop: ["ALL"]
        add: ["NET_ADMIN"]
  volumes:
  - name: s
    secret:
      secretName: s
  - name: tmp
    emptyDir: {{}}
"#,
        restricted = sh(restricted),
        caps = sh(caps),
    ));
    assert_succeeds(&e, "secure");
}

#[test]
fn run_as_non_root_refuses_a_root_image() {
    let e = Engine::start();
    e.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: nonroot
spec:
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["true"]
"#
    ));
    let message = wait_waiting(&e, "nonroot", "main", "CreateContainerConfigError");
    let uid = pod(&e, "nonroot").unwrap()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        message,
        format!(
            "container has runAsNonRoot and image will run as root (pod: \"nonroot_{}({uid})\", container: main)",
            e.namespace
        )
    );
}
