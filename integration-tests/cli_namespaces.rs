//! `get namespaces` (derived from the stored objects: `default` plus every namespace
//! something lives in) and `get -w` for the kinds without containers of their own
//! (ConfigMaps, Secrets, Services, ReplicaSets), against a real engine.

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::*;

/// Makes the manifest of one object, by name.
type Manifest = fn(&str) -> String;

fn configmap(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n")
}

fn secret(name: &str) -> String {
    format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nstringData:\n  k: v\n")
}

fn service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 8080\n    targetPort: 8080\n  selector:\n    app: {name}\n"
    )
}

/// No replicas: a ReplicaSet that makes no containers, only changes to watch.
fn replicaset(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {name}\nspec:\n  replicas: 0\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n{}",
        busybox_pod_spec(6, "Always", "sleep 3600")
    )
}

/// Lines from `lines` until `done` holds for what was read, or 20s.
fn read_until(lines: &Receiver<String>, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !done(&seen) {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    seen
}

fn first_cell(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

#[test]
fn get_namespaces_lists_default_and_where_objects_live() {
    let e = Engine::start();
    e.apply(&configmap("marker"));
    let table = e.ok(&["get", "ns"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "STATUS", "AGE"],
        "{table}"
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| first_cell(l) == name)
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
    };
    assert_eq!(
        row("default").map(|r| r[1].clone()).as_deref(),
        Some("Active")
    );
    let mine = row(&e.namespace).unwrap_or_else(|| panic!("{table}"));
    assert_eq!(mine[1], "Active");
    assert!(
        mine[2].ends_with('s'),
        "a fresh namespace is seconds old: {table}"
    );

    let names = e.ok(&["get", "namespaces", "-o", "name"]);
    assert!(names.lines().any(|l| l == "namespace/default"), "{names}");
    assert!(
        names
            .lines()
            .any(|l| l == format!("namespace/{}", e.namespace)),
        "{names}"
    );

    let one = e.json(&["get", "ns", &e.namespace]);
    assert_eq!(one["kind"], "Namespace");
    assert_eq!(one["apiVersion"], "v1");
    assert_eq!(one["status"]["phase"], "Active");

    let missing = e.cli(&["get", "ns", "nowhere"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing),
        "Error from server (NotFound): namespaces \"nowhere\" not found\n"
    );
    let delete = e.cli(&["delete", "ns", &e.namespace]);
    assert!(!delete.status.success());
    assert!(
        stderr(&delete).contains("namespaces are implicit in dockjob"),
        "{}",
        stderr(&delete)
    );
}

#[test]
fn get_watch_works_for_every_kind_without_containers() {
    let e = Engine::start();
    let kinds: [(&str, Manifest); 4] = [
        ("cm", configmap),
        ("secrets", secret),
        ("svc", service),
        ("rs", replicaset),
    ];
    for (word, make) in kinds {
        let first = format!("{word}-first");
        let second = format!("{word}-second");
        e.apply(&make(&first));
        let (mut watcher, lines) = e.spawn_cli_lines(&["get", word, "-w"]);
        let initial = read_until(&lines, |seen| seen.len() >= 2);
        e.apply(&make(&second));
        let later = read_until(&lines, |seen| seen.iter().any(|l| first_cell(l) == second));
        let _ = watcher.kill();
        let _ = watcher.wait();
        let all = format!("{}\n--\n{}", initial.join("\n"), later.join("\n"));
        assert!(
            initial.first().is_some_and(|l| first_cell(l) == "NAME"),
            "{word}: {all}"
        );
        assert_eq!(
            initial.get(1).map(|l| first_cell(l)),
            Some(first.as_str()),
            "{word}: {all}"
        );
        assert!(
            later.iter().any(|l| first_cell(l) == second),
            "{word}: no line for the new object: {all}"
        );
        assert!(
            later.iter().all(|l| first_cell(l) != "NAME"),
            "{word}: the header is printed once: {all}"
        );
    }
}

/// `get namespaces -w`: the namespaces in use, then a line when one appears (its first
/// object) and when it vanishes (its last object deleted), aligned under the header.
#[test]
fn namespaces_watch_follows_objects_of_every_kind() {
    let e = Engine::start();
    e.apply(&configmap("here"));
    let other = format!("{}-other", e.namespace);
    let (mut child, lines) = e.spawn_cli_lines(&["get", "ns", "-w"]);
    let first = read_until(&lines, |seen| {
        seen.iter()
            .any(|l| l.starts_with(&format!("{} ", e.namespace)))
    });
    assert!(first[0].starts_with("NAME "), "{first:?}");
    assert!(
        first[0].contains(" STATUS ") && first[0].ends_with("AGE"),
        "{first:?}"
    );
    assert!(first.iter().any(|l| l.starts_with("default ")), "{first:?}");
    assert!(!first.iter().any(|l| l.starts_with(&other)), "{first:?}");

    // A Secret in a new namespace makes it appear; deleting it makes it go.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("secret.yaml");
    std::fs::write(&file, secret("elsewhere")).expect("write manifest");
    let out = e.typed(&["apply", "-n", &other, "-f", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = read_until(&lines, |seen| seen.iter().any(|l| l.starts_with(&other)));
    let added = seen.iter().find(|l| l.starts_with(&other)).unwrap();
    assert_eq!(added.split_whitespace().nth(1), Some("Active"), "{seen:?}");
    // kubectl's RememberWidths: padded to at least the widths already printed (a wider
    // name widens the column from then on).
    let status_col = first[0].find("STATUS").unwrap();
    assert!(
        added.find("Active").is_some_and(|c| c >= status_col),
        "{first:?} {added:?}"
    );

    let out = e.typed(&["delete", "-n", &other, "secret", "elsewhere"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = read_until(&lines, |seen| {
        seen.iter()
            .any(|l| l.starts_with(&other) && l.contains("Terminating"))
    });
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&other) && l.contains("Terminating")),
        "{seen:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
