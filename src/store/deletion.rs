//! Marking an object for deletion: `metadata.deletionTimestamp`, set once, as the API
//! server does for an object with finalizers. Whoever owns the object's cleanup (the
//! kubelet for pods, the job worker for Jobs) finishes the deletion.

use serde_json::Value;

use super::{Store, StoreError};
use crate::api::kinds::Kind;

impl Store {
    /// Sets `deletionTimestamp` to `now` (RFC 3339) unless already set, and adds
    /// `annotation` (key, value) in the same write when given, so a crash cannot leave
    /// one without the other. Returns the object, or `None` when it does not exist.
    pub fn mark_deleted(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        now: &str,
        annotation: Option<(&str, &str)>,
    ) -> Result<Option<Value>, StoreError> {
        let result = self.update_with(kind, ns, name, |v: &mut Value| {
            if v["metadata"]["deletionTimestamp"].is_null() {
                v["metadata"]["deletionTimestamp"] = Value::String(now.to_string());
                if let Some((key, value)) = annotation {
                    if !v["metadata"]["annotations"].is_object() {
                        v["metadata"]["annotations"] = Value::Object(serde_json::Map::new());
                    }
                    v["metadata"]["annotations"][key] = Value::String(value.to_string());
                }
            }
            Ok::<(), StoreError>(())
        });
        match result {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marks_once_with_the_annotation_in_the_same_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .create(
                Kind::Pod,
                json!({"metadata": {"name": "p", "namespace": "default"}}),
            )
            .unwrap();
        let first = store
            .mark_deleted(
                Kind::Pod,
                "default",
                "p",
                "2026-01-01T00:00:00Z",
                Some(("a", "b")),
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            first["metadata"]["deletionTimestamp"],
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(first["metadata"]["annotations"]["a"], "b");
        let again = store
            .mark_deleted(Kind::Pod, "default", "p", "2027-01-01T00:00:00Z", None)
            .unwrap()
            .unwrap();
        assert_eq!(
            again["metadata"]["deletionTimestamp"],
            "2026-01-01T00:00:00Z"
        );
        assert!(
            store
                .mark_deleted(Kind::Pod, "default", "nope", "x", None)
                .unwrap()
                .is_none()
        );
    }
}
