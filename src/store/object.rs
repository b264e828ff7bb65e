//! What the store reads and writes inside an object body: the system-owned metadata
//! fields (uid, resourceVersion, creationTimestamp, generation), generated names, and
//! the columns derived from the body (labels, owner uid).
//!
//! Pure functions on `serde_json::Value`; no SQL here. Must not default or validate
//! kind-specific fields: that is the `api` module's job.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::StoreError;
use crate::api::kinds::Kind;

/// Whether objects of this kind live in a namespace. Every kind dockjob serves today
/// does; cluster-scoped kinds are listed by name so a new kind defaults to namespaced.
pub fn namespaced(kind: Kind) -> bool {
    !matches!(
        kind.kind(),
        "Namespace" | "Node" | "PersistentVolume" | "StorageClass" | "PriorityClass"
    )
}

pub use crate::api::names::generate_name;

/// Now as Kubernetes writes `metav1.Time`.
pub use crate::api::time::now_rfc3339;

/// A string field of `metadata`, when present and a string.
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// `metadata.labels` as a map; non-string values (which decoding would have rejected)
/// are skipped rather than failing a list.
pub fn labels(obj: &Value) -> BTreeMap<String, String> {
    obj.get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The uid an object is filed under for `list_owned`: its controller ownerReference
/// (a Job's pods), or for an Event the involved object (a Job's or pod's events).
pub fn owner_uid(kind: Kind, obj: &Value) -> Option<String> {
    let controller = obj
        .get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .and_then(|refs| {
            refs.iter()
                .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        })
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str);
    let involved = || {
        if kind == Kind::Event {
            obj.get("involvedObject")?.get("uid")?.as_str()
        } else {
            None
        }
    };
    controller
        .or_else(involved)
        .filter(|uid| !uid.is_empty())
        .map(str::to_string)
}

/// The object's top-level map, or Invalid when the body is not a JSON object.
fn object_mut(kind: Kind, obj: &mut Value) -> Result<&mut Map<String, Value>, StoreError> {
    obj.as_object_mut()
        .ok_or_else(|| StoreError::invalid(kind, "", "the object is not a JSON object"))
}

/// `metadata` as a map, created when missing.
pub fn metadata_mut(kind: Kind, obj: &mut Value) -> Result<&mut Map<String, Value>, StoreError> {
    let map = object_mut(kind, obj)?;
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
        .ok_or_else(|| StoreError::invalid(kind, "", "metadata: must be an object"))
}

/// Sets `apiVersion` and `kind` from the store's kind: the stored body always says
/// what it is, whatever the caller sent.
pub fn set_type(kind: Kind, obj: &mut Value) -> Result<(), StoreError> {
    let map = object_mut(kind, obj)?;
    map.insert("apiVersion".into(), Value::from(kind.api_version()));
    map.insert("kind".into(), Value::from(kind.kind()));
    Ok(())
}

/// The namespace an object is stored under: its own, "default" when unset, '' for
/// cluster-scoped kinds. Writes the result back into the body.
pub fn settle_namespace(kind: Kind, obj: &mut Value) -> Result<String, StoreError> {
    let meta = metadata_mut(kind, obj)?;
    if !namespaced(kind) {
        meta.remove("namespace");
        return Ok(String::new());
    }
    let ns = meta
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or("default")
        .to_string();
    meta.insert("namespace".into(), Value::from(ns.clone()));
    Ok(ns)
}

/// How a new object gets its name.
#[derive(Debug, PartialEq, Eq)]
pub enum NameSource {
    /// `metadata.name` was set.
    Given(String),
    /// Generated from this `metadata.generateName` prefix.
    Generate(String),
}

/// Reads the name (or generateName) of an object to be created, and rejects what the
/// API server rejects on create: no name at all, a resourceVersion already set.
pub fn name_for_create(kind: Kind, obj: &Value) -> Result<NameSource, StoreError> {
    if meta_str(obj, "resourceVersion").is_some_and(|rv| !rv.is_empty()) {
        // Kubernetes' storage.ErrResourceVersionSetOnCreate, verbatim.
        return Err(StoreError::Invalid(
            "resourceVersion should not be set on objects to be created".into(),
        ));
    }
    if let Some(name) = meta_str(obj, "name").filter(|n| !n.is_empty()) {
        return Ok(NameSource::Given(name.to_string()));
    }
    if let Some(prefix) = meta_str(obj, "generateName").filter(|p| !p.is_empty()) {
        return Ok(NameSource::Generate(prefix.to_string()));
    }
    Err(StoreError::invalid(
        kind,
        "",
        "metadata.name: Required value: name or generateName is required",
    ))
}

/// The name of an object being updated; Invalid when it has none.
pub fn name_for_update(kind: Kind, obj: &Value) -> Result<String, StoreError> {
    meta_str(obj, "name")
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            StoreError::invalid(kind, "", "metadata.name: Required value: name is required")
        })
}

/// Stamps the system fields of a new object, as the API server's BeforeCreate does:
/// name, the uid chosen by the caller of `Store::create`, creationTimestamp, generation 1 (not
/// for Events, which carry none) and the resourceVersion.
pub fn stamp_create(
    kind: Kind,
    obj: &mut Value,
    name: &str,
    uid: &str,
    rv: u64,
    now: &str,
) -> Result<(), StoreError> {
    let meta = metadata_mut(kind, obj)?;
    meta.insert("name".into(), Value::from(name));
    meta.insert("uid".into(), Value::from(uid));
    meta.insert("resourceVersion".into(), Value::from(rv.to_string()));
    meta.insert("creationTimestamp".into(), Value::from(now));
    if kind == Kind::Event {
        meta.remove("generation");
    } else {
        meta.insert("generation".into(), Value::from(1));
    }
    Ok(())
}

/// Sets `metadata.resourceVersion`.
pub fn set_resource_version(kind: Kind, obj: &mut Value, rv: u64) -> Result<(), StoreError> {
    metadata_mut(kind, obj)?.insert("resourceVersion".into(), Value::from(rv.to_string()));
    Ok(())
}

/// Carries the system-owned fields of the stored object `old` into the update `new`,
/// as the API server's BeforeUpdate and the Job strategy do: namespace and name are
/// the stored ones, an empty uid is filled in and a different one is refused,
/// creationTimestamp cannot change, generation is the stored one plus one when `spec`
/// changed, resourceVersion is the stored one (the caller bumps it when writing).
///
/// Returns whether `new` now differs from `old`: an update that changes nothing is not
/// written, as the API server skips no-op writes.
pub fn merge_update(kind: Kind, old: &Value, new: &mut Value) -> Result<bool, StoreError> {
    set_type(kind, new)?;
    let name = meta_str(old, "name").unwrap_or_default().to_string();
    let old_uid = meta_str(old, "uid").unwrap_or_default().to_string();
    let spec_changed = old.get("spec") != new.get("spec");
    let meta = metadata_mut(kind, new)?;

    meta.insert("name".into(), Value::from(name.clone()));
    match meta_value(old, "namespace") {
        Some(ns) => meta.insert("namespace".into(), ns.clone()),
        None => meta.remove("namespace"),
    };
    match meta.get("uid").and_then(Value::as_str) {
        None | Some("") => {
            meta.insert("uid".into(), Value::from(old_uid));
        }
        Some(uid) if uid == old_uid => {}
        Some(uid) => {
            let details = format!("metadata.uid: Invalid value: \"{uid}\": field is immutable");
            return Err(StoreError::invalid(kind, &name, &details));
        }
    }
    copy_meta(old, meta, "creationTimestamp");
    copy_meta(old, meta, "resourceVersion");
    match meta_value(old, "generation").and_then(Value::as_i64) {
        Some(generation) => {
            let generation = if spec_changed {
                generation + 1
            } else {
                generation
            };
            meta.insert("generation".into(), Value::from(generation));
        }
        None => {
            meta.remove("generation");
        }
    }
    Ok(new != old)
}

fn meta_value<'a>(obj: &'a Value, field: &str) -> Option<&'a Value> {
    obj.get("metadata")?.get(field)
}

/// Makes `meta[field]` what it is in `old` (present or absent).
fn copy_meta(old: &Value, meta: &mut Map<String, Value>, field: &str) {
    match meta_value(old, field) {
        Some(v) => meta.insert(field.into(), v.clone()),
        None => meta.remove(field),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_are_whole_seconds_utc() {
        let ts = now_rfc3339();
        assert_eq!(ts.len(), "2024-01-02T03:04:05Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
        assert!(!ts.contains('.'));
    }

    #[test]
    fn owner_uid_prefers_controller_reference_then_involved_object() {
        let pod = json!({"metadata": {"ownerReferences": [
            {"uid": "not-controller"},
            {"uid": "job-uid", "controller": true}
        ]}});
        assert_eq!(owner_uid(Kind::Pod, &pod).as_deref(), Some("job-uid"));
        let event = json!({"involvedObject": {"uid": "pod-uid"}});
        assert_eq!(owner_uid(Kind::Event, &event).as_deref(), Some("pod-uid"));
        // involvedObject means nothing outside Events.
        assert_eq!(owner_uid(Kind::Pod, &event), None);
        assert_eq!(owner_uid(Kind::Pod, &json!({})), None);
    }

    #[test]
    fn labels_read_strings_only() {
        let obj = json!({"metadata": {"labels": {"a": "1", "b": 2}}});
        let l = labels(&obj);
        assert_eq!(l.get("a").map(String::as_str), Some("1"));
        assert!(!l.contains_key("b"));
    }

    #[test]
    fn create_rejects_missing_name_and_preset_resource_version() {
        let err = name_for_create(Kind::Job, &json!({"metadata": {}})).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"Job.batch "" is invalid: metadata.name: Required value: name or generateName is required"#
        );
        let err = name_for_create(
            Kind::Job,
            &json!({"metadata": {"name": "x", "resourceVersion": "3"}}),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("resourceVersion should not be set")
        );
        assert_eq!(
            name_for_create(Kind::Job, &json!({"metadata": {"generateName": "p-"}})).unwrap(),
            NameSource::Generate("p-".into())
        );
    }

    #[test]
    fn namespace_defaults() {
        let mut obj = json!({"metadata": {"name": "x"}});
        assert_eq!(settle_namespace(Kind::Job, &mut obj).unwrap(), "default");
        assert_eq!(obj["metadata"]["namespace"], "default");
        let mut obj = json!({"metadata": {"name": "x", "namespace": "team"}});
        assert_eq!(settle_namespace(Kind::Pod, &mut obj).unwrap(), "team");
        assert!(settle_namespace(Kind::Pod, &mut json!([1])).is_err());
    }

    fn stored() -> Value {
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "x", "namespace": "default", "uid": "u1",
                "resourceVersion": "7", "creationTimestamp": "2024-01-01T00:00:00Z",
                "generation": 2},
            "spec": {"parallelism": 1}
        })
    }

    #[test]
    fn merge_keeps_system_fields_and_bumps_generation_on_spec_change() {
        let old = stored();
        let mut new = json!({"metadata": {"name": "x", "creationTimestamp": "1999-01-01T00:00:00Z",
            "generation": 40}, "spec": {"parallelism": 1}});
        assert!(!merge_update(Kind::Job, &old, &mut new).unwrap(), "{new}");
        assert_eq!(new, old);

        let mut new = old.clone();
        new["spec"]["parallelism"] = json!(2);
        assert!(merge_update(Kind::Job, &old, &mut new).unwrap());
        assert_eq!(new["metadata"]["generation"], 3);

        let mut new = old.clone();
        new["status"] = json!({"active": 1});
        assert!(merge_update(Kind::Job, &old, &mut new).unwrap());
        assert_eq!(new["metadata"]["generation"], 2, "status is not spec");
    }

    #[test]
    fn merge_refuses_a_different_uid() {
        let old = stored();
        let mut new = old.clone();
        new["metadata"]["uid"] = json!("u2");
        let err = merge_update(Kind::Job, &old, &mut new).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"Job.batch "x" is invalid: metadata.uid: Invalid value: "u2": field is immutable"#
        );
    }
}
