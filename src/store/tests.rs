//! Store behaviour against a real SQLite file in a temporary directory.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::TryRecvError;

use super::*;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open store");
    (dir, store)
}

fn job(name: &str) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": {"app": "demo"}},
        "spec": {"parallelism": 1, "template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}
    })
}

fn pod_of(name: &str, owner_uid: &str) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "default", "ownerReferences": [
            {"apiVersion": "batch/v1", "kind": "Job", "name": "j", "uid": owner_uid, "controller": true}
        ]},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    })
}

fn rv_of(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("resourceVersion is a numeric string")
}

#[test]
fn create_stamps_system_fields_and_get_returns_it() {
    let (_dir, store) = open();
    let created = store.create(Kind::Job, job("pi")).unwrap();
    let meta = &created["metadata"];
    assert_eq!(meta["namespace"], "default");
    assert_eq!(meta["generation"], 1);
    assert_eq!(created["apiVersion"], "batch/v1");
    assert_eq!(created["kind"], "Job");
    assert!(uuid::Uuid::parse_str(meta["uid"].as_str().unwrap()).is_ok());
    let ts = meta["creationTimestamp"].as_str().unwrap();
    assert!(
        ts.parse::<jiff::Timestamp>().is_ok() && ts.ends_with('Z') && !ts.contains('.'),
        "{ts}"
    );
    assert_eq!(rv_of(&created), 1);
    assert_eq!(store.current_resource_version(), 1);

    let got = store.get(Kind::Job, "default", "pi").unwrap();
    assert_eq!(got.as_ref(), Some(&created));
    assert_eq!(store.get(Kind::Job, "other", "pi").unwrap(), None);
    assert_eq!(store.get(Kind::Pod, "default", "pi").unwrap(), None);
}

#[test]
fn create_refuses_an_existing_name() {
    let (_dir, store) = open();
    store.create(Kind::Job, job("pi")).unwrap();
    let err = store.create(Kind::Job, job("pi")).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
    assert_eq!(err.to_string(), r#"jobs.batch "pi" already exists"#);
    assert_eq!(
        store.current_resource_version(),
        1,
        "a refused create writes nothing"
    );
    // Same name, other namespace or other kind: fine.
    let mut other = job("pi");
    other["metadata"]["namespace"] = json!("team");
    store.create(Kind::Job, other).unwrap();
    store
        .create(Kind::Pod, json!({"metadata": {"name": "pi"}}))
        .unwrap();
}

#[test]
fn create_rejects_missing_name_and_non_objects() {
    let (_dir, store) = open();
    let err = store
        .create(Kind::Job, json!({"metadata": {}}))
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(store.create(Kind::Job, json!("nope")).is_err());
    assert_eq!(store.current_resource_version(), 0);
}

#[test]
fn generate_name_creates_distinct_kubernetes_style_names() {
    let (_dir, store) = open();
    let mut names = BTreeSet::new();
    for _ in 0..20 {
        let obj = json!({"metadata": {"generateName": "pi-"}, "spec": {}});
        let created = store.create(Kind::Pod, obj).unwrap();
        let name = created["metadata"]["name"].as_str().unwrap().to_string();
        assert!(name.starts_with("pi-") && name.len() == 8, "{name}");
        assert_eq!(created["metadata"]["generateName"], "pi-");
        names.insert(name);
    }
    assert_eq!(names.len(), 20);
}

#[test]
fn list_sorts_by_namespace_then_name_and_filters() {
    let (_dir, store) = open();
    for (ns, name) in [("b", "x"), ("a", "z"), ("a", "y"), ("default", "w")] {
        let mut obj = job(name);
        obj["metadata"]["namespace"] = json!(ns);
        if name == "y" {
            obj["metadata"]["labels"] = json!({"app": "other"});
        }
        store.create(Kind::Job, obj).unwrap();
    }
    let keys = |items: Vec<Value>| -> Vec<String> {
        items
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["metadata"]["namespace"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    let all = store.list(Kind::Job, None, None).unwrap();
    assert_eq!(keys(all), ["a/y", "a/z", "b/x", "default/w"]);
    let in_a = store.list(Kind::Job, Some("a"), None).unwrap();
    assert_eq!(keys(in_a), ["a/y", "a/z"]);
    let demo = |l: &BTreeMap<String, String>| l.get("app").map(String::as_str) == Some("demo");
    let filtered = store.list(Kind::Job, None, Some(&demo)).unwrap();
    assert_eq!(keys(filtered), ["a/z", "b/x", "default/w"]);
    assert!(store.list(Kind::Pod, None, None).unwrap().is_empty());
    let (items, rv) = store.list_with_version(Kind::Job, None, None).unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(rv, 4);
}

#[test]
fn list_raw_gives_the_stored_text_in_list_order_and_filters_on_labels() {
    let (_dir, store) = open();
    for (ns, name) in [("b", "x"), ("a", "z"), ("a", "y")] {
        let mut obj = job(name);
        obj["metadata"]["namespace"] = json!(ns);
        if name == "y" {
            obj["metadata"]["labels"] = json!({"app": "other"});
        }
        store.create(Kind::Job, obj).unwrap();
    }
    let (raw, rv) = store.list_raw(Kind::Job, None, None).unwrap();
    let (decoded, rv2) = store.list_with_version(Kind::Job, None, None).unwrap();
    assert_eq!(rv, rv2);
    let parsed: Vec<Value> = raw
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
    assert_eq!(parsed, decoded);
    let demo = |l: &BTreeMap<String, String>| l.get("app").map(String::as_str) == Some("demo");
    let (in_a, _) = store.list_raw(Kind::Job, Some("a"), Some(&demo)).unwrap();
    assert_eq!(in_a.len(), 1);
    assert!(in_a[0].contains("\"z\""), "{}", in_a[0]);
}

#[test]
fn create_many_stores_all_in_one_transaction_or_none() {
    let (_dir, store) = open();
    let mut rx = store.watch();
    let made = store
        .create_many(Kind::Job, vec![job("a"), job("b")])
        .unwrap();
    assert_eq!(made.iter().map(rv_of).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(rx.try_recv().unwrap().resource_version, 1);
    assert_eq!(rx.try_recv().unwrap().resource_version, 2);
    // "a" exists: the whole batch fails and "c" is not stored either.
    let err = store
        .create_many(Kind::Job, vec![job("c"), job("a")])
        .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
    assert!(store.get(Kind::Job, "default", "c").unwrap().is_none());
    assert_eq!(store.current_resource_version(), 2);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
}

#[test]
fn update_bumps_resource_version_and_keeps_identity() {
    let (_dir, store) = open();
    let created = store.create(Kind::Job, job("pi")).unwrap();
    let mut edit = created.clone();
    edit["metadata"]["labels"]["tier"] = json!("batch");
    edit["metadata"]["creationTimestamp"] = json!("2000-01-01T00:00:00Z");
    let updated = store.update(Kind::Job, edit).unwrap();
    assert_eq!(rv_of(&updated), 2);
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);
    assert_eq!(
        updated["metadata"]["creationTimestamp"],
        created["metadata"]["creationTimestamp"]
    );
    assert_eq!(updated["metadata"]["labels"]["tier"], "batch");
    assert_eq!(updated["metadata"]["generation"], 1, "labels are not spec");
    assert_eq!(
        store.get(Kind::Job, "default", "pi").unwrap(),
        Some(updated)
    );

    let mut other_uid = created.clone();
    other_uid["metadata"]["resourceVersion"] = json!("2");
    other_uid["metadata"]["uid"] = json!("someone-else");
    let err = store.update(Kind::Job, other_uid).unwrap_err();
    assert!(err.to_string().contains("field is immutable"), "{err}");

    let err = store.update(Kind::Job, job("missing")).unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), r#"jobs.batch "missing" not found"#);
}

#[test]
fn update_with_a_stale_resource_version_conflicts() {
    let (_dir, store) = open();
    let created = store.create(Kind::Job, job("pi")).unwrap();
    let mut first = created.clone();
    first["spec"]["parallelism"] = json!(2);
    store.update(Kind::Job, first).unwrap();

    let mut stale = created.clone();
    stale["spec"]["parallelism"] = json!(3);
    let err = store.update(Kind::Job, stale).unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(
        err.to_string(),
        r#"Operation cannot be fulfilled on jobs.batch "pi": the object has been modified; please apply your changes to the latest version and try again"#
    );
    let stored = store.get(Kind::Job, "default", "pi").unwrap().unwrap();
    assert_eq!(stored["spec"]["parallelism"], 2);

    // Without a resourceVersion the update is unconditional.
    let mut blind = created;
    blind["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    blind["spec"]["parallelism"] = json!(4);
    let updated = store.update(Kind::Job, blind).unwrap();
    assert_eq!(updated["spec"]["parallelism"], 4);
}

#[test]
fn generation_moves_only_when_spec_changes() {
    let (_dir, store) = open();
    let created = store.create(Kind::Job, job("pi")).unwrap();

    let mut status_only = created.clone();
    status_only["status"] = json!({"active": 1});
    let v = store.update(Kind::Job, status_only).unwrap();
    assert_eq!(v["metadata"]["generation"], 1);

    let mut spec_change = v.clone();
    spec_change["spec"]["parallelism"] = json!(5);
    let v = store.update(Kind::Job, spec_change).unwrap();
    assert_eq!(v["metadata"]["generation"], 2);

    // A client cannot set generation itself.
    let mut forged = v.clone();
    forged["metadata"]["generation"] = json!(99);
    forged["metadata"]["annotations"] = json!({"a": "b"});
    let v = store.update(Kind::Job, forged).unwrap();
    assert_eq!(v["metadata"]["generation"], 2);
}

#[test]
fn an_update_that_changes_nothing_is_not_written() {
    let (_dir, store) = open();
    let created = store.create(Kind::Job, job("pi")).unwrap();
    let mut rx = store.watch();
    let same = store.update(Kind::Job, created.clone()).unwrap();
    assert_eq!(same, created);
    let same = store
        .update_with(Kind::Job, "default", "pi", |_| Ok::<_, StoreError>(()))
        .unwrap();
    assert_eq!(same, created);
    assert_eq!(store.current_resource_version(), 1);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[test]
fn update_with_edits_in_one_transaction() {
    let (_dir, store) = open();
    store.create(Kind::Job, job("pi")).unwrap();
    let updated = store
        .update_with(Kind::Job, "default", "pi", |obj| {
            obj["status"] = json!({"succeeded": 1});
            // Identity fields are not the closure's to change.
            obj["metadata"]["resourceVersion"] = json!("999");
            obj["metadata"]["name"] = json!("renamed");
            Ok::<_, StoreError>(())
        })
        .unwrap();
    assert_eq!(updated["status"]["succeeded"], 1);
    assert_eq!(updated["metadata"]["name"], "pi");
    assert_eq!(rv_of(&updated), 2);

    // An error from the closure aborts without writing.
    let err = store
        .update_with(Kind::Job, "default", "pi", |obj| {
            obj["status"] = json!({"succeeded": 7});
            Err(StoreError::Invalid("nope".into()))
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "nope");
    let stored = store.get(Kind::Job, "default", "pi").unwrap().unwrap();
    assert_eq!(stored["status"]["succeeded"], 1);

    let err = store
        .update_with(Kind::Job, "default", "missing", |_| Ok::<_, StoreError>(()))
        .unwrap_err();
    assert!(err.is_not_found());
}

#[test]
fn delete_returns_the_object_with_a_new_resource_version() {
    let (_dir, store) = open();
    store.create(Kind::Job, job("pi")).unwrap();
    let deleted = store.delete(Kind::Job, "default", "pi").unwrap().unwrap();
    assert_eq!(deleted["metadata"]["name"], "pi");
    assert_eq!(rv_of(&deleted), 2);
    assert_eq!(store.get(Kind::Job, "default", "pi").unwrap(), None);
    assert_eq!(store.delete(Kind::Job, "default", "pi").unwrap(), None);
    assert_eq!(store.current_resource_version(), 2);
    // The name is free again.
    store.create(Kind::Job, job("pi")).unwrap();
}

#[test]
fn owned_objects_and_events_are_found_by_owner_uid() {
    let (_dir, store) = open();
    let j = store.create(Kind::Job, job("j")).unwrap();
    let uid = j["metadata"]["uid"].as_str().unwrap().to_string();
    for name in ["j-b", "j-a"] {
        store.create(Kind::Pod, pod_of(name, &uid)).unwrap();
    }
    store.create(Kind::Pod, pod_of("other", "x")).unwrap();
    store
        .create(Kind::Pod, json!({"metadata": {"name": "lonely"}}))
        .unwrap();
    let event = json!({
        "metadata": {"name": "j.17a", "namespace": "default"},
        "involvedObject": {"kind": "Job", "name": "j", "namespace": "default", "uid": uid},
        "reason": "SuccessfulCreate", "message": "Created pod: j-a", "type": "Normal"
    });
    let ev = store.create(Kind::Event, event).unwrap();
    assert!(ev["metadata"].get("generation").is_none());

    let pods = store.list_owned(Kind::Pod, &uid).unwrap();
    let names: Vec<_> = pods.iter().map(|p| p["metadata"]["name"].clone()).collect();
    assert_eq!(names, [json!("j-a"), json!("j-b")]);
    let events = store.list_owned(Kind::Event, &uid).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["reason"], "SuccessfulCreate");

    let mut rx = store.watch();
    let deleted = store.delete_owned(Kind::Pod, &uid).unwrap();
    assert_eq!(deleted.len(), 2);
    for expected in ["j-a", "j-b"] {
        let e = rx.try_recv().unwrap();
        assert_eq!(e.type_, WatchType::Deleted);
        assert_eq!(e.object["metadata"]["name"], expected);
    }
    assert!(store.list_owned(Kind::Pod, &uid).unwrap().is_empty());
    assert_eq!(store.list(Kind::Pod, None, None).unwrap().len(), 2);
    assert!(store.delete_owned(Kind::Pod, &uid).unwrap().is_empty());
}

#[test]
fn owner_changes_move_the_object_between_owners() {
    let (_dir, store) = open();
    store.create(Kind::Pod, pod_of("p", "u1")).unwrap();
    store
        .update_with(Kind::Pod, "default", "p", |p| {
            p["metadata"]["ownerReferences"][0]["uid"] = json!("u2");
            Ok::<_, StoreError>(())
        })
        .unwrap();
    assert!(store.list_owned(Kind::Pod, "u1").unwrap().is_empty());
    assert_eq!(store.list_owned(Kind::Pod, "u2").unwrap().len(), 1);
}

#[test]
fn watch_delivers_changes_in_order_after_commit() {
    let (_dir, store) = open();
    let mut rx = store.watch();
    let created = store.create(Kind::Job, job("pi")).unwrap();
    let mut edit = created.clone();
    edit["spec"]["parallelism"] = json!(2);
    store.update(Kind::Job, edit).unwrap();
    store.delete(Kind::Job, "default", "pi").unwrap();
    // A failed write sends nothing.
    assert!(store.update(Kind::Job, job("pi")).is_err());

    let mut seen = Vec::new();
    while let Ok(e) = rx.try_recv() {
        assert_eq!(e.kind, Kind::Job);
        assert_eq!(rv_of(&e.object), e.resource_version);
        seen.push((e.type_, e.resource_version));
    }
    assert_eq!(
        seen,
        [
            (WatchType::Added, 1),
            (WatchType::Modified, 2),
            (WatchType::Deleted, 3)
        ]
    );
}

#[tokio::test]
async fn watch_works_from_async_code() {
    let (_dir, store) = open();
    let mut rx = store.watch();
    let writer = store.clone();
    let task = tokio::task::spawn_blocking(move || writer.create(Kind::Job, job("pi")));
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("event within deadline")
        .unwrap();
    assert_eq!(event.type_, WatchType::Added);
    assert_eq!(event.object["metadata"]["name"], "pi");
    task.await.unwrap().unwrap();
}

#[test]
fn reopen_keeps_objects_engine_id_and_resource_version() {
    let dir = tempfile::tempdir().unwrap();
    let (engine_id, created) = {
        let store = Store::open(dir.path()).unwrap();
        let created = store.create(Kind::Job, job("pi")).unwrap();
        store.create(Kind::Job, job("e")).unwrap();
        store.delete(Kind::Job, "default", "e").unwrap();
        (store.engine_id(), created)
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.engine_id(), engine_id);
    assert_eq!(store.current_resource_version(), 3);
    assert_eq!(
        store.get(Kind::Job, "default", "pi").unwrap(),
        Some(created)
    );
    assert_eq!(store.list(Kind::Job, None, None).unwrap().len(), 1);
    let next = store.create(Kind::Job, job("later")).unwrap();
    assert_eq!(rv_of(&next), 4, "resourceVersion never goes back");
    assert!(store.integrity_check().unwrap());

    let other = tempfile::tempdir().unwrap();
    let fresh = Store::open(other.path()).unwrap();
    assert_ne!(fresh.engine_id(), engine_id, "engine id is per data dir");
}

#[test]
fn integrity_check_passes_on_a_fresh_store() {
    let (_dir, store) = open();
    assert!(store.integrity_check().unwrap());
    store.create(Kind::Job, job("pi")).unwrap();
    assert!(store.integrity_check().unwrap());
}

#[test]
fn concurrent_creates_get_distinct_names_and_resource_versions() {
    let (_dir, store) = open();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..15)
                    .map(|_| {
                        store
                            .create(Kind::Pod, json!({"metadata": {"generateName": "w-"}}))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let created: Vec<Value> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let names: BTreeSet<_> = created
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    let rvs: BTreeSet<_> = created.iter().map(rv_of).collect();
    assert_eq!(names.len(), 90);
    assert_eq!(rvs.len(), 90);
    assert_eq!(rvs.iter().max(), Some(&90));
    assert_eq!(store.list(Kind::Pod, None, None).unwrap().len(), 90);
}

#[test]
fn a_full_disk_fails_the_write_cleanly() {
    let (_dir, store) = open();
    store.create(Kind::Job, job("before")).unwrap();
    {
        let state = store.lock();
        let pages: i64 = state
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        state
            .conn
            .pragma_update(None, "max_page_count", pages)
            .unwrap();
    }
    let mut big = job("big");
    big["metadata"]["annotations"] = json!({"blob": "x".repeat(200_000)});
    let mut rx = store.watch();
    let err = store.create(Kind::Job, big).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{msg}");
    assert!(msg.contains("full"), "{msg}");
    assert!(msg.contains("jobs.batch default/big"), "{msg}");
    // Where: the database file, so the operator knows which disk to free.
    assert!(
        msg.contains(&format!("in {}", store.path().display())),
        "{msg}"
    );
    assert!(err.is_disk_failure(), "{msg}");
    assert_eq!(store.current_resource_version(), 1);
    assert_eq!(store.get(Kind::Job, "default", "big").unwrap(), None);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    // Smaller writes still work, and the counter continues where it was.
    let next = store.create(Kind::Job, job("small")).unwrap();
    assert_eq!(rv_of(&next), 2);
}

#[test]
fn typed_helpers_round_trip_k8s_openapi_objects() {
    use k8s_openapi::api::batch::v1::{Job, JobSpec};
    use k8s_openapi::api::core::v1::Pod;
    let (_dir, store) = open();
    let mut j = Job::default();
    j.metadata.name = Some("typed".into());
    j.spec = Some(JobSpec {
        parallelism: Some(2),
        ..Default::default()
    });
    let created: Job = store.create_as(Kind::Job, &j).unwrap();
    assert_eq!(created.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(created.metadata.generation, Some(1));
    assert!(created.metadata.creation_timestamp.is_some());

    let got: Option<Job> = store.get_as(Kind::Job, "default", "typed").unwrap();
    assert_eq!(got.as_ref(), Some(&created));
    let listed: Vec<Job> = store.list_as(Kind::Job, None, None).unwrap();
    assert_eq!(listed, vec![created.clone()]);

    let mut edit = created.clone();
    edit.spec.as_mut().unwrap().parallelism = Some(3);
    let updated: Job = store.update_as(Kind::Job, &edit).unwrap();
    assert_eq!(updated.metadata.generation, Some(2));

    // A typed read-modify-write that changes nothing writes nothing.
    let rv = store.current_resource_version();
    let same: Job = store
        .update_with_as(Kind::Job, "default", "typed", |_: &mut Job| {
            Ok::<_, StoreError>(())
        })
        .unwrap();
    assert_eq!(same, updated);
    assert_eq!(store.current_resource_version(), rv);

    let owned: Vec<Pod> = store
        .list_owned_as(Kind::Pod, updated.metadata.uid.as_deref().unwrap())
        .unwrap();
    assert!(owned.is_empty());
}

#[test]
fn store_is_shareable_across_threads() {
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<Store>();
}

#[test]
fn a_panicking_update_closure_leaves_the_store_usable_and_unchanged() {
    let (_dir, store) = open();
    store.create(Kind::Job, job("pi")).unwrap();
    let s = store.clone();
    // A thread, so the panic really poisons the store's mutex.
    let outcome = std::thread::spawn(move || {
        s.update_with(Kind::Job, "default", "pi", |obj| {
            obj["status"] = json!({"failed": 1});
            if obj["status"]["failed"] == 1 {
                panic!("controller bug");
            }
            Ok::<_, StoreError>(())
        })
    })
    .join();
    assert!(outcome.is_err());
    let stored = store.get(Kind::Job, "default", "pi").unwrap().unwrap();
    assert!(stored.get("status").is_none());
    assert_eq!(store.current_resource_version(), 1);
    store.create(Kind::Job, job("after")).unwrap();
    assert_eq!(store.current_resource_version(), 2);
}

/// A Job's reconcile lists its pods: through the owner index, never a scan of every pod.
#[test]
fn objects_of_an_owner_are_found_through_the_owner_index() {
    let (_dir, store) = open();
    for i in 0..50 {
        store
            .create(Kind::Pod, pod_of(&format!("p{i}"), &format!("u{}", i % 5)))
            .unwrap();
    }
    let state = store.lock();
    for query in [OWNED_QUERY, OWNED_VERSIONS_QUERY] {
        let plan: Vec<String> = state
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {query}"))
            .unwrap()
            .query_map(params!["pods", "u1"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().all(|step| step.contains("objects_by_owner")),
            "{plan:?}"
        );
    }
    drop(state);
    let names: Vec<String> = store
        .list_owned(Kind::Pod, "u1")
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "p1", "p11", "p16", "p21", "p26", "p31", "p36", "p41", "p46", "p6"
        ]
    );

    // By version: the same objects in the same order, bodies only where asked for.
    let p11 = store.get(Kind::Pod, "default", "p11").unwrap().unwrap();
    let p11_uid = p11["metadata"]["uid"].as_str().unwrap().to_string();
    let p11_rv: u64 = p11["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut seen = Vec::new();
    store
        .scan_owned_versions(
            Kind::Pod,
            "u1",
            |uid, _| uid == p11_uid,
            |uid, rv, body| {
                let name = body.map(|b| serde_json::from_str::<Value>(b).unwrap());
                seen.push((
                    uid.to_string(),
                    rv,
                    name.map(|v| v["metadata"]["name"].clone()),
                ));
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(seen.len(), 10);
    assert_eq!(seen[1], (p11_uid.clone(), p11_rv, Some(json!("p11"))));
    assert!(
        seen.iter()
            .filter(|s| s.0 != p11_uid)
            .all(|s| s.2.is_none())
    );
}
