//! ConfigMap, Secret, Service, ReplicaSet and bare Pod through `dockjob apply` and
//! `get`, against a real engine: kubectl's apply lines, defaults and round trips
//! (`stringData` merged into base64 `data`), the mutability refusals, all-or-nothing
//! multi-document files, and secrets kept out of logs and world-readable files.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use serde_json::Value;

/// A value no log line should ever contain.
const SECRET_VALUE: &str = "s3cr3t-Zebra-42";

fn manifests(replicas: u32) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  MODE: fast
  app.properties: "a=1"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  user: YWRtaW4=
stringData:
  password: {SECRET_VALUE}
---
apiVersion: v1
kind: Service
metadata:
  name: queue
spec:
  selector:
    app: work-queue
  ports:
  - port: 8080
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: queue
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: work-queue
  template:
    metadata:
      labels:
        app: work-queue
    spec:
      containers:
      - name: queue
        image: {BUSYBOX}
        command: ["sleep", "3600"]
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "exit 0"]
"#
    )
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn every_kind_applies_with_kubectls_lines_and_round_trips() {
    let e = Engine::start();
    assert_eq!(
        lines(&e.apply(&manifests(0))),
        [
            "configmap/cfg created",
            "secret/creds created",
            "service/queue created",
            "replicaset.apps/queue created",
            "pod/solo created",
        ]
    );
    assert_eq!(
        lines(&e.apply(&manifests(0))),
        [
            "configmap/cfg unchanged",
            "secret/creds unchanged",
            "service/queue unchanged",
            "replicaset.apps/queue unchanged",
            "pod/solo unchanged",
        ]
    );

    let cm = e.json(&["get", "configmap", "cfg"]);
    assert_eq!(cm["data"]["MODE"], "fast");
    assert_eq!(cm["data"]["app.properties"], "a=1");

    // stringData is merged into data (base64) and dropped, as the API server does.
    let secret = e.json(&["get", "secret", "creds"]);
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(secret["data"]["user"], "YWRtaW4=");
    let encoded = base64_std(SECRET_VALUE.as_bytes());
    assert_eq!(secret["data"]["password"], Value::from(encoded.clone()));
    assert!(secret.get("stringData").is_none(), "{secret}");
    let yaml = e.ok(&["get", "secret", "creds", "-o", "yaml"]);
    assert!(yaml.contains(&format!("password: {encoded}")), "{yaml}");
    assert!(yaml.contains("user: YWRtaW4="), "{yaml}");

    let svc = e.json(&["get", "service", "queue"]);
    let spec = &svc["spec"];
    assert_eq!(spec["type"], "ClusterIP");
    assert_eq!(spec["sessionAffinity"], "None");
    assert_eq!(spec["internalTrafficPolicy"], "Cluster");
    assert_eq!(spec["ports"][0]["protocol"], "TCP");
    assert_eq!(spec["ports"][0]["targetPort"], 8080);

    let rs = e.json(&["get", "rs", "queue"]);
    assert_eq!(rs["apiVersion"], "apps/v1");
    assert_eq!(rs["spec"]["replicas"], 0);
    let pod_spec = &rs["spec"]["template"]["spec"];
    assert_eq!(pod_spec["restartPolicy"], "Always");
    assert_eq!(pod_spec["terminationGracePeriodSeconds"], 30);
    assert_eq!(pod_spec["containers"][0]["imagePullPolicy"], "IfNotPresent");

    let pod = e.json(&["get", "pod", "solo"]);
    assert_eq!(pod["spec"]["enableServiceLinks"], true);
    assert!(
        pod["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );

    // Scaling by apply is a configuration change.
    let out = e.apply(&manifests(1));
    assert!(out.contains("replicaset.apps/queue configured"), "{out}");
    assert_eq!(e.json(&["get", "rs", "queue"])["spec"]["replicas"], 1);

    // The secret's value never reaches the engine's log, in clear or base64.
    let log = e.log();
    assert!(!log.contains(SECRET_VALUE), "secret in engine log");
    assert!(!log.contains(&encoded), "secret (base64) in engine log");
    let events = e.ok(&["get", "events", "-o", "json"]);
    assert!(!events.contains(SECRET_VALUE) && !events.contains(&encoded));
}

#[test]
fn mutability_refusals_use_kubernetes_words() {
    let e = Engine::start();
    let frozen = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {a: \"1\"}\n";
    assert_eq!(e.apply(frozen).trim(), "configmap/frozen created");
    let out = e.cli_stdin(
        &["apply", "-f", "-"],
        Some(&frozen.replace("\"1\"", "\"2\"")),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"),
        "{err}"
    );

    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: locked}\nimmutable: true\nstringData: {k: first}\n";
    assert_eq!(e.apply(secret).trim(), "secret/locked created");
    let out = e.cli_stdin(
        &["apply", "-f", "-"],
        Some(&secret.replace("first", "second")),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("data: Forbidden: field is immutable when `immutable` is set"),
        "{}",
        stderr(&out)
    );

    let rs = |app: &str| {
        format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: r}}\nspec:\n  replicas: 0\n  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata: {{labels: {{app: {app}}}}}\n    spec:\n      containers: [{{name: c, image: \"{BUSYBOX}\"}}]\n"
        )
    };
    assert_eq!(e.apply(&rs("a")).trim(), "replicaset.apps/r created");
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&rs("b")));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("spec.selector: Invalid value"), "{err}");
    assert!(err.contains("field is immutable"), "{err}");

    // A bare pod's spec only changes where Kubernetes lets it.
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  restartPolicy: Never\n  containers: [{{name: c, image: \"{BUSYBOX}\", command: [sleep, \"30\"]}}]\n"
    );
    assert_eq!(e.apply(&pod).trim(), "pod/p created");
    let out = e.cli_stdin(
        &["apply", "-f", "-"],
        Some(&pod.replace("\"30\"", "\"31\"")),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("spec: Forbidden: pod updates may not change fields other than"),
        "{}",
        stderr(&out)
    );

    // Headless is fine; other addresses and types are refused by name at decoding.
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n  ports: [{port: 80}]\n";
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(svc));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("spec.type: \"NodePort\" is refused: only \"ClusterIP\" is accepted"),
        "{err}"
    );
}

#[test]
fn a_multi_document_file_with_one_bad_document_applies_nothing() {
    let e = Engine::start();
    let bad = manifests(0).replace("  - port: 8080\n", "  - port: 8080\n    protocol: UDP\n");
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&bad));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("spec.ports[0].protocol: \"UDP\" is refused: only \"TCP\" is accepted: dockjob's service proxy forwards TCP only"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    for (kind, name) in [("configmap", "cfg"), ("secret", "creds"), ("pod", "solo")] {
        let out = e.cli(&["get", kind, name]);
        assert!(!out.status.success(), "{kind}/{name} was applied");
    }

    // A validation error (not a decoding one) also stops everything.
    let invalid = manifests(0).replace("name: cfg", "name: Cfg");
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&invalid));
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("ConfigMap \"Cfg\" is invalid: metadata.name: Invalid value: \"Cfg\""),
        "{}",
        stderr(&out)
    );
    assert!(!e.cli(&["get", "secret", "creds"]).status.success());

    // An invalid base64 value names the file, line, column and key.
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: b}\ndata:\n  key: \"%%%\"\n";
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(text));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("<stdin>:5:8: data.key: illegal base64 data at input byte 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_store_files_are_private_to_the_engine_user() {
    let e = Engine::start();
    e.apply("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {k: v}\n");
    let mut seen = 0;
    for entry in std::fs::read_dir(e.data_dir()).expect("data dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("dockjob.db") {
            let mode = entry.metadata().expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
            seen += 1;
        }
    }
    // The database and its WAL/SHM files (SQLite gives them the database's mode).
    assert!(seen >= 1, "no database file in the data dir");
}

/// Standard base64 with padding (what `get -o json` shows for secret data).
fn base64_std(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
