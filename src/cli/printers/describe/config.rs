//! `describe configmap` and `describe secret` (kubectl's `ConfigMapDescriber` and
//! `describeSecret`). A Secret's values are never shown, only their sizes.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret};

use super::super::config::secret_keys;
use super::events::describe_events;
use super::{LEVEL_0, Writer, print_object_header};

/// `kubectl describe configmap`: each `data` key with its value under a `----` line,
/// then the sizes of `binaryData`, then the events. Keys are sorted (kubectl walks a Go
/// map, whose order is random).
pub fn describe_configmap(cm: &ConfigMap, events: &[Event], now: Timestamp) -> String {
    let mut w = Writer::new();
    let meta = &cm.metadata;
    print_object_header(&mut w, meta);
    w.write(LEVEL_0, "\nData\n====\n");
    for (k, v) in cm.data.iter().flatten() {
        w.write(LEVEL_0, &format!("{k}:\n----\n"));
        w.write(LEVEL_0, &format!("{v}\n"));
        w.write(LEVEL_0, "\n");
    }
    w.write(LEVEL_0, "\nBinaryData\n====\n");
    for (k, v) in cm.binary_data.iter().flatten() {
        w.write(LEVEL_0, &format!("{k}: {} bytes\n", v.0.len()));
    }
    w.write(LEVEL_0, "\n");
    describe_events(&mut w, events, now);
    w.finish()
}

/// `kubectl describe secret`: type and the size of each value in bytes, keys sorted.
pub fn describe_secret(secret: &Secret) -> String {
    let mut w = Writer::new();
    let meta = &secret.metadata;
    print_object_header(&mut w, meta);
    let type_ = secret.type_.as_deref().unwrap_or("Opaque");
    w.write(LEVEL_0, &format!("\nType:\t{type_}\n"));
    w.write(LEVEL_0, "\nData\n====\n");
    for key in secret_keys(secret) {
        // A `stringData` value replaces the `data` one when the API server stores it.
        let len = match secret.string_data.as_ref().and_then(|d| d.get(&key)) {
            Some(s) => s.len(),
            None => secret
                .data
                .as_ref()
                .and_then(|d| d.get(&key))
                .map_or(0, |b| b.0.len()),
        };
        // kubectl prints the value itself only for the token of a
        // `kubernetes.io/service-account-token` Secret, which dockjob never makes:
        // every value here is shown by its size alone.
        w.write(LEVEL_0, &format!("{key}:\t{len} bytes\n"));
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configmap_shows_values_and_binary_sizes() {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": "my-config", "namespace": "default",
                         "labels": {"app": "demo"}},
            "data": {"one": "1", "another-param": "another-value\nsecond line"},
            "binaryData": {"blob": "AAECAw=="}
        }))
        .unwrap();
        let now: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let want = "\
Name:         my-config
Namespace:    default
Labels:       app=demo
Annotations:  <none>

Data
====
another-param:
----
another-value
second line

one:
----
1


BinaryData
====
blob: 4 bytes

Events:  <none>
";
        assert_eq!(describe_configmap(&cm, &[], now), want);
    }

    #[test]
    fn secret_shows_sizes_never_values() {
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": "creds", "namespace": "default"},
            "type": "Opaque",
            "data": {"user": "YWRtaW4=", "password": "aHVudGVyMg=="},
            "stringData": {"api-key": "s3cr3t-value"}
        }))
        .unwrap();
        let got = describe_secret(&secret);
        let want = "\
Name:         creds
Namespace:    default
Labels:       <none>
Annotations:  <none>

Type:  Opaque

Data
====
api-key:   12 bytes
password:  7 bytes
user:      5 bytes
";
        assert_eq!(got, want);
        for value in ["admin", "hunter2", "s3cr3t", "YWRtaW4"] {
            assert!(!got.contains(value), "{value} leaked");
        }
    }
}
