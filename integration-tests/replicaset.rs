//! ReplicaSets and bare Pods end to end against the real Docker daemon, driven through
//! the built `dockjob` binary: a ReplicaSet keeps its replicas running, scales by
//! apply, replaces a pod whose container was removed from outside, and takes every
//! container with it when deleted; a bare Pod runs under each restart policy and
//! `delete pod` removes its containers and record; the walkthrough's queue
//! ReplicaSet runs on the local kuard image.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

fn rs_yaml(name: &str, replicas: u32) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: {name}
  labels:
    test: replicaset
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: sleep
        image: {BUSYBOX}
        command: ["sleep", "3600"]
"#
    )
}

fn pod_yaml(name: &str, restart: &str, script: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: {restart}
  # `sh` as PID 1 ignores SIGTERM: without this each delete waits the default 30 s.
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", {script:?}]
"#
    )
}

/// Running Docker containers of this test's pods whose Kubernetes container is
/// `container` (so a pod's infra container is not counted).
fn running(e: &Engine, container: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-q", "--no-trunc"])
        .args(["--filter", &format!("label={}", e.label())])
        .args([
            "--filter",
            &format!("label=dockjob.io/container={container}"),
        ])
        .output()
        .expect("docker CLI runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn wait_running(e: &Engine, container: &str, n: usize) -> Vec<String> {
    eventually(
        TIMEOUT,
        &format!("{n} running {container} containers"),
        || {
            let ids = running(e, container);
            (ids.len() == n).then_some(ids)
        },
    )
}

/// The pods a label selects, terminated ones included.
fn pods(e: &Engine, selector: &str) -> Vec<Value> {
    e.json(&["get", "pods", "-a", "-l", selector])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn live_pods(e: &Engine, selector: &str) -> Vec<Value> {
    pods(e, selector)
        .into_iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")))
        .collect()
}

fn wait_status(e: &Engine, name: &str, field: &str, want: i64) -> Value {
    eventually(
        TIMEOUT,
        &format!("rs {name} status.{field} = {want}"),
        || {
            let rs = e.json(&["get", "rs", name]);
            (rs["status"][field].as_i64().unwrap_or(0) == want).then_some(rs)
        },
    )
}

fn events(e: &Engine, name: &str) -> Vec<(String, String)> {
    e.json(&["get", "events"])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|ev| {
            ev["involvedObject"]["name"] == name && ev["involvedObject"]["kind"] == "ReplicaSet"
        })
        .map(|ev| {
            (
                ev["reason"].as_str().unwrap_or("").to_string(),
                ev["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn replicaset_keeps_scales_replaces_and_cascades() {
    let e = Engine::start();
    let out = e.apply(&rs_yaml("sleepers", 3));
    assert_eq!(out.trim(), "replicaset.apps/sleepers created");
    wait_running(&e, "sleep", 3);
    let rs = wait_status(&e, "sleepers", "readyReplicas", 3);
    assert_eq!(rs["status"]["replicas"], 3, "{rs:#}");
    assert_eq!(rs["status"]["availableReplicas"], 3, "{rs:#}");
    assert_eq!(rs["status"]["fullyLabeledReplicas"], 3, "{rs:#}");
    for p in live_pods(&e, "app=sleepers") {
        let name = p["metadata"]["name"].as_str().unwrap_or("");
        assert!(
            name.starts_with("sleepers-") && name.len() == "sleepers-".len() + 5,
            "{name}"
        );
        assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
        assert_eq!(p["spec"]["restartPolicy"], "Always");
    }
    let created = events(&e, "sleepers");
    assert_eq!(
        created
            .iter()
            .filter(|(r, m)| r == "SuccessfulCreate" && m.starts_with("Created pod: sleepers-"))
            .count(),
        3,
        "{created:?}"
    );

    // Scale up, then down, by apply.
    assert_eq!(
        e.apply(&rs_yaml("sleepers", 5)).trim(),
        "replicaset.apps/sleepers configured"
    );
    wait_running(&e, "sleep", 5);
    wait_status(&e, "sleepers", "readyReplicas", 5);
    e.apply(&rs_yaml("sleepers", 1));
    wait_running(&e, "sleep", 1);
    eventually(TIMEOUT, "the 4 surplus pods removed", || {
        (pods(&e, "app=sleepers").len() == 1).then_some(())
    });
    let deleted = events(&e, "sleepers")
        .into_iter()
        .filter(|(r, m)| r == "SuccessfulDelete" && m.starts_with("Deleted pod: sleepers-"))
        .count();
    assert_eq!(deleted, 4);

    // A container removed from outside runs again, whether the kubelet restarts it in
    // its pod (as a node's kubelet would) or the pod fails and the ReplicaSet replaces it.
    let ids = running(&e, "sleep");
    let rm = Command::new("docker")
        .args(["rm", "-f"])
        .args(&ids)
        .output()
        .unwrap();
    assert!(rm.status.success());
    eventually(TIMEOUT, "the removed container running again", || {
        let fresh = running(&e, "sleep");
        (fresh.len() == 1 && fresh != ids && live_pods(&e, "app=sleepers").len() == 1).then_some(())
    });

    // A pod deleted by hand is replaced by a new one.
    let victim = live_pods(&e, "app=sleepers")[0]["metadata"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        e.ok(&["delete", "pod", &victim]).trim(),
        format!("pod \"{victim}\" deleted")
    );
    let replacement = eventually(TIMEOUT, "a replacement pod running", || {
        let live = live_pods(&e, "app=sleepers");
        (running(&e, "sleep").len() == 1
            && live.len() == 1
            && live[0]["metadata"]["name"] != victim.as_str()
            && live[0]["status"]["phase"] == "Running")
            .then(|| live[0].clone())
    });
    let created = events(&e, "sleepers")
        .into_iter()
        .filter(|(r, _)| r == "SuccessfulCreate")
        .count();
    assert_eq!(created, 6, "3 + 2 on scale-up + 1 replacement");
    assert!(replacement["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet");

    // Deleting the ReplicaSet takes every container and pod with it.
    let out = e.ok(&["delete", "rs", "sleepers"]);
    assert_eq!(out.trim(), "replicaset.apps \"sleepers\" deleted");
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "containers left behind"
    );
    assert!(pods(&e, "app=sleepers").is_empty());
    let gone = e.cli(&["get", "rs", "sleepers"]);
    assert!(!gone.status.success());
    assert_eq!(
        String::from_utf8_lossy(&gone.stderr).trim(),
        "Error from server (NotFound): replicasets.apps \"sleepers\" not found"
    );
}

#[test]
fn bare_pods_run_under_every_restart_policy_and_delete_removes_them() {
    let e = Engine::start();
    for (name, restart) in [
        ("never", "Never"),
        ("onfailure", "OnFailure"),
        ("always", "Always"),
    ] {
        let out = e.apply(&pod_yaml(name, restart, "sleep 3600"));
        assert_eq!(out.trim(), format!("pod/{name} created"));
    }
    wait_running(&e, "main", 3);
    // `delete` must return once the pod and its containers are gone (kubectl's
    // --wait); what breaks that is collected so the rest of the path is still checked.
    let mut early = Vec::new();
    for name in ["never", "onfailure", "always"] {
        let pod = eventually(TIMEOUT, &format!("pod {name} Running"), || {
            let p = e.json(&["get", "pod", name]);
            (p["status"]["phase"] == "Running").then_some(p)
        });
        assert!(pod["metadata"]["ownerReferences"].is_null(), "{pod:#}");
        let out = e.ok(&["delete", "pod", name]);
        assert_eq!(out.trim(), format!("pod \"{name}\" deleted"));
        let gone = e.cli(&["get", "pod", name]);
        if gone.status.success() {
            early.push(format!(
                "pod {name}: record still there after delete returned"
            ));
        }
        eventually(TIMEOUT, &format!("pod {name} removed"), || {
            let gone = e.cli(&["get", "pod", name]);
            (String::from_utf8_lossy(&gone.stderr).trim()
                == format!("Error from server (NotFound): pods \"{name}\" not found"))
            .then_some(())
        });
    }
    eventually(TIMEOUT, "every container removed", || {
        docker_containers(&e.label(), false)
            .is_empty()
            .then_some(())
    });

    // A pod that ends: Never keeps its result; Always restarts it in place.
    e.apply(&pod_yaml("done", "Never", "exit 0"));
    e.apply(&pod_yaml("again", "Always", "sleep 1; exit 3"));
    eventually(TIMEOUT, "pod done Succeeded", || {
        (e.json(&["get", "pod", "done"])["status"]["phase"] == "Succeeded").then_some(())
    });
    eventually(TIMEOUT, "pod again restarted", || {
        let p = e.json(&["get", "pod", "again"]);
        let restarts = p["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .unwrap_or(0);
        (restarts >= 1 && p["status"]["phase"] == "Running").then_some(())
    });
    e.ok(&["delete", "pod", "done", "again"]);
    if !docker_containers(&e.label(), false).is_empty() {
        early.push("pods done, again: containers left after delete returned".into());
    }
    assert!(early.is_empty(), "delete returned too early: {early:#?}");
}

/// The walkthrough's MemQ server ReplicaSet, as written in the repo's manifests.
#[test]
fn the_queue_replicaset_from_the_manifests_runs() {
    let e = Engine::start();
    let file = format!("{}/manifests/rs-queue.yaml", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        e.ok(&["apply", "-f", &file]).trim(),
        "replicaset.apps/queue created"
    );
    wait_running(&e, "queue", 1);
    let rs = wait_status(&e, "queue", "readyReplicas", 1);
    assert_eq!(rs["status"]["replicas"], 1, "{rs:#}");
    let live = live_pods(&e, "app=work-queue,component=queue");
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["status"]["phase"], "Running");
    assert_eq!(
        e.ok(&["delete", "-f", &file]).trim(),
        "replicaset.apps \"queue\" deleted"
    );
    assert!(
        docker_containers(&e.label(), false).is_empty(),
        "containers left behind"
    );
}
