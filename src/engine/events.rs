//! Recording Kubernetes Events (`v1/Event`) about objects, as the controllers do, so
//! `describe` and `get events` show what happened and why.

use serde_json::{Value, json};

use crate::api::kinds::Kind;
use crate::controller::job::{EventRecord, EventType};
use crate::store::{Store, StoreError};

/// The object an event is about.
pub struct Involved<'a> {
    pub kind: Kind,
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: &'a str,
}

impl<'a> Involved<'a> {
    /// The involved-object reference of a stored object.
    pub fn of(kind: Kind, obj: &'a Value) -> Involved<'a> {
        Involved {
            kind,
            namespace: obj["metadata"]["namespace"].as_str().unwrap_or("default"),
            name: obj["metadata"]["name"].as_str().unwrap_or(""),
            uid: obj["metadata"]["uid"].as_str().unwrap_or(""),
        }
    }
}

/// Stores one event from `component` (e.g. `job-controller`) about `involved`.
pub fn record(
    store: &Store,
    component: &str,
    involved: &Involved<'_>,
    event: &EventRecord,
) -> Result<(), StoreError> {
    record_many(store, component, involved, std::slice::from_ref(event))
}

/// Stores several events about one object in one commit (a Job's burst of
/// SuccessfulCreate events was one fsync each).
pub fn record_many(
    store: &Store,
    component: &str,
    involved: &Involved<'_>,
    events: &[EventRecord],
) -> Result<(), StoreError> {
    let now = crate::api::time::now_rfc3339();
    let objs: Vec<Value> = events
        .iter()
        .map(|event| event_object(component, involved, event, &now))
        .collect();
    if objs.is_empty() {
        return Ok(());
    }
    store.create_many(Kind::Event, objs).map(|_| ())
}

/// The Event object for one record, stamped `now`.
fn event_object(component: &str, involved: &Involved<'_>, event: &EventRecord, now: &str) -> Value {
    let type_ = match event.type_ {
        EventType::Normal => "Normal",
        EventType::Warning => "Warning",
    };
    let name = format!("{}.{:016x}", involved.name, rand::random::<u64>());
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": involved.namespace},
        "involvedObject": {
            "apiVersion": involved.kind.api_version(),
            "kind": involved.kind.kind(),
            "name": involved.name,
            "namespace": involved.namespace,
            "uid": involved.uid,
        },
        "reason": event.reason,
        "message": event.message,
        "type": type_,
        "source": {"component": component},
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "reportingComponent": component,
        "reportingInstance": "",
    })
}
