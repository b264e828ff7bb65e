//! Concurrent writers against one engine: many `dockjob apply` processes at once, the
//! same object applied by many at once, and resourceVersion conflicts answered with 409
//! as the Kubernetes API server answers them. The jobs are suspended, so this is a pure
//! API test (no container runs) and stays light on a shared machine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// A suspended Job (no pod is created while it is suspended).
fn suspended_job(name: &str) -> String {
    busybox_job(name, "", "  suspend: true\n", "Never", "true")
}

/// Runs `apply -f -` with `yaml` from `n` threads released together; the outputs in
/// thread order.
fn apply_all_at_once(e: &Arc<Engine>, manifests: Vec<String>) -> Vec<Output> {
    let barrier = Arc::new(Barrier::new(manifests.len()));
    let threads: Vec<_> = manifests
        .into_iter()
        .map(|yaml| {
            let (e, barrier) = (e.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                e.cli_stdin(&["apply", "-f", "-"], Some(&yaml))
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("apply thread"))
        .collect()
}

fn jobs_by_name(e: &Engine) -> BTreeMap<String, Value> {
    e.json(&["get", "jobs"])["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|j| {
            (
                j["metadata"]["name"].as_str().unwrap().to_string(),
                j.clone(),
            )
        })
        .collect()
}

#[test]
fn a_hundred_concurrent_applies_of_distinct_jobs_create_each_once() {
    let e = Arc::new(Engine::start());
    let names: Vec<String> = (0..100).map(|i| format!("c{i:03}")).collect();
    let outputs = apply_all_at_once(&e, names.iter().map(|n| suspended_job(n)).collect());
    for (name, out) in names.iter().zip(&outputs) {
        assert!(
            out.status.success(),
            "apply of {name} failed: {}",
            stderr(out)
        );
        assert_eq!(stdout(out), format!("job.batch/{name} created\n"));
    }
    let jobs = jobs_by_name(&e);
    assert_eq!(
        jobs.keys().cloned().collect::<Vec<_>>(),
        names,
        "every job stored once"
    );
    let uids: BTreeSet<&str> = jobs
        .values()
        .map(|j| j["metadata"]["uid"].as_str().unwrap())
        .collect();
    let rvs: BTreeSet<&str> = jobs
        .values()
        .map(|j| j["metadata"]["resourceVersion"].as_str().unwrap())
        .collect();
    assert_eq!(uids.len(), 100, "one uid per job");
    assert_eq!(rvs.len(), 100, "one resourceVersion per write");
    // Suspended: no pod was made for any of them.
    assert_eq!(
        e.json(&["get", "pods", "-a"])["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // Applying them all again changes nothing.
    let again = apply_all_at_once(&e, names.iter().map(|n| suspended_job(n)).collect());
    for (name, out) in names.iter().zip(&again) {
        assert_eq!(stdout(out), format!("job.batch/{name} unchanged\n"));
    }
    // Same uid, generation and applied configuration: nothing was created again or
    // rewritten (status may have moved on: the controller marks them Suspended).
    let identity = |jobs: &BTreeMap<String, Value>| -> Vec<(Value, Value, Value)> {
        jobs.values()
            .map(|j| {
                let m = &j["metadata"];
                (
                    m["uid"].clone(),
                    m["generation"].clone(),
                    m["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].clone(),
                )
            })
            .collect()
    };
    assert!(
        identity(&jobs_by_name(&e)) == identity(&jobs),
        "a job was recreated or rewritten"
    );
}

#[test]
fn twenty_concurrent_applies_of_one_job_create_it_once() {
    let e = Arc::new(Engine::start());
    let yaml = suspended_job("same");
    let outputs = apply_all_at_once(&e, vec![yaml; 20]);
    let mut verbs: BTreeMap<String, usize> = BTreeMap::new();
    let mut lost_race = 0;
    for out in &outputs {
        if out.status.success() {
            *verbs.entry(stdout(out)).or_default() += 1;
        } else {
            // kubectl's behaviour too: an apply that read "not found" and then lost the
            // create to another one gets the API server's AlreadyExists, exits non-zero
            // and changes nothing.
            let err = stderr(out);
            assert!(
                err.contains(r#"Error from server (AlreadyExists)"#)
                    && err.contains(r#"jobs.batch "same" already exists"#),
                "apply failed otherwise: {err}"
            );
            lost_race += 1;
        }
    }
    assert_eq!(
        verbs.get("job.batch/same created\n"),
        Some(&1),
        "exactly one apply creates the job: {verbs:?}"
    );
    let others: usize = verbs
        .iter()
        .filter(|(line, _)| {
            *line == "job.batch/same unchanged\n" || *line == "job.batch/same configured\n"
        })
        .map(|(_, n)| n)
        .sum();
    assert_eq!(others + lost_race, 19, "{verbs:?}");
    let jobs = jobs_by_name(&e);
    assert_eq!(jobs.len(), 1);
    // Identical manifests: nobody had anything to change after the creation.
    assert_eq!(jobs["same"]["metadata"]["generation"], 1);
}

/// The Status the API server answers a stale update with (errors.NewConflict).
fn conflict_status(name: &str) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": format!("Operation cannot be fulfilled on jobs.batch \"{name}\": the object has been modified; please apply your changes to the latest version and try again"),
        "reason": "Conflict",
        "details": {"name": name, "group": "batch", "kind": "jobs"},
        "code": 409
    })
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[test]
fn a_stale_resource_version_is_a_409_conflict() {
    let e = Engine::start();
    let ns = e.namespace.clone();
    let collection = format!("/apis/batch/v1/namespaces/{ns}/jobs");
    let path = format!("{collection}/rv");
    let body = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "rv"},
        "spec": {"suspend": true, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "main", "image": BUSYBOX, "command": ["true"]}]}}}
    });
    let (code, created) = http_unix(&e.socket, "POST", &collection, Some(&body.to_string()));
    assert_eq!(code, 201, "{created}");
    // The Job controller writes the Suspended condition once; read after it, so the
    // only writers below are this test's.
    let read = eventually(Duration::from_secs(30), "the Suspended condition", || {
        let (_, now) = http_unix(&e.socket, "GET", &path, None);
        let now = parse(&now);
        condition(&now, "Suspended").is_some().then_some(now)
    });
    let rv0 = read["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    // An update naming the current version succeeds and moves the version on.
    let mut edit = read.clone();
    edit["metadata"]["labels"] = json!({"step": "one"});
    let (code, answer) = http_unix(&e.socket, "PUT", &path, Some(&edit.to_string()));
    assert_eq!(code, 200, "{answer}");
    let rv1 = parse(&answer)["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(rv1, rv0);

    // The same edit again, still naming the old version: 409 and nothing written.
    let mut stale = read.clone();
    stale["metadata"]["labels"] = json!({"step": "stale"});
    let (code, answer) = http_unix(&e.socket, "PUT", &path, Some(&stale.to_string()));
    assert_eq!(code, 409, "{answer}");
    assert_eq!(parse(&answer), conflict_status("rv"));
    let (code, now) = http_unix(&e.socket, "GET", &path, None);
    assert_eq!(code, 200);
    let now = parse(&now);
    assert_eq!(now["metadata"]["labels"], json!({"step": "one"}));
    assert_eq!(now["metadata"]["resourceVersion"], rv1.as_str());

    // Without a resourceVersion the update is unconditional, as for a Job on the API
    // server (AllowUnconditionalUpdate).
    let mut blind = read.clone();
    blind["metadata"]["labels"] = json!({"step": "blind"});
    blind["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let (code, answer) = http_unix(&e.socket, "PUT", &path, Some(&blind.to_string()));
    assert_eq!(code, 200, "{answer}");
    assert_eq!(
        parse(&answer)["metadata"]["labels"],
        json!({"step": "blind"})
    );

    // Ten writers racing with the same version: exactly one wins, the rest get 409.
    let (_, current) = http_unix(&e.socket, "GET", &path, None);
    let current = parse(&current);
    let socket = e.socket.clone();
    let barrier = Arc::new(Barrier::new(10));
    let racers: Vec<_> = (0..10)
        .map(|i| {
            let mut edit = current.clone();
            edit["metadata"]["labels"] = json!({"writer": i.to_string()});
            let (socket, path, barrier) = (socket.clone(), path.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                http_unix(&socket, "PUT", &path, Some(&edit.to_string()))
            })
        })
        .collect();
    let answers: Vec<(u16, String)> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    let winners: Vec<&(u16, String)> = answers.iter().filter(|(c, _)| *c == 200).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (code, body) in answers.iter().filter(|(c, _)| *c != 200) {
        assert_eq!(*code, 409, "{body}");
        assert_eq!(parse(body), conflict_status("rv"));
    }
    let (_, last) = http_unix(&e.socket, "GET", &path, None);
    assert_eq!(
        parse(&last)["metadata"]["labels"],
        parse(&winners[0].1)["metadata"]["labels"],
        "the stored object is the winner's"
    );
}
