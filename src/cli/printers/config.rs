//! `get configmaps` and `get secrets`: kubectl's tables (printers.go `printConfigMap`,
//! `printSecret`): NAME, DATA, AGE and NAME, TYPE, DATA, AGE. A Secret's values are
//! never read here, only counted.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use super::age::age;
use super::table::{self, Row, TableOptions};

const CONFIGMAP_HEADERS: &[&str] = &["Name", "Data", "Age"];
const SECRET_HEADERS: &[&str] = &["Name", "Type", "Data", "Age"];

/// The ConfigMap table: DATA counts `data` and `binaryData` keys.
pub fn configmaps_table(items: &[ConfigMap], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = items
        .iter()
        .map(|cm| {
            let data = cm.data.as_ref().map_or(0, |d| d.len())
                + cm.binary_data.as_ref().map_or(0, |d| d.len());
            Row {
                namespace: cm.metadata.namespace.clone().unwrap_or_default(),
                cells: vec![
                    cm.metadata.name.clone().unwrap_or_default(),
                    data.to_string(),
                    age(cm.metadata.creation_timestamp.as_ref(), now),
                ],
            }
        })
        .collect();
    table::render(CONFIGMAP_HEADERS, &rows, opts)
}

/// The keys a Secret holds once stored: the API server merges `stringData` into `data`
/// (a `stringData` key wins), so both are counted as one set.
pub fn secret_keys(secret: &Secret) -> Vec<String> {
    let mut keys: Vec<String> = secret
        .data
        .iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .collect();
    for k in secret.string_data.iter().flatten().map(|(k, _)| k) {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys.sort();
    keys
}

/// The Secret table. TYPE is stored as the API server defaults it (`Opaque`).
pub fn secrets_table(items: &[Secret], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = items
        .iter()
        .map(|s| Row {
            namespace: s.metadata.namespace.clone().unwrap_or_default(),
            cells: vec![
                s.metadata.name.clone().unwrap_or_default(),
                s.type_.clone().unwrap_or_else(|| "Opaque".to_string()),
                secret_keys(s).len().to_string(),
                age(s.metadata.creation_timestamp.as_ref(), now),
            ],
        })
        .collect();
    table::render(SECRET_HEADERS, &rows, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    #[test]
    fn configmap_table_counts_data_and_binary_data() {
        let cms: Vec<ConfigMap> = serde_json::from_value(json!([
            {"metadata": {"name": "my-config", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:59:30Z"},
             "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AAE="}},
            {"metadata": {"name": "empty", "namespace": "batch",
                          "creationTimestamp": "2024-04-30T12:00:00Z"}}
        ]))
        .unwrap();
        assert_eq!(
            configmaps_table(&cms, now(), &TableOptions::default()),
            "NAME        DATA   AGE\nmy-config   3      30s\nempty       0      24h\n"
        );
        let all = TableOptions {
            show_namespace: true,
            ..Default::default()
        };
        assert_eq!(
            configmaps_table(&cms, now(), &all),
            "NAMESPACE   NAME        DATA   AGE\ndefault     my-config   3      30s\nbatch       empty       0      24h\n"
        );
    }

    #[test]
    fn secret_table_never_shows_values() {
        let secrets: Vec<Secret> = serde_json::from_value(json!([
            {"metadata": {"name": "creds", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:55:00Z"},
             "type": "Opaque", "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="}},
            {"metadata": {"name": "tls", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:55:00Z"},
             "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""},
             "stringData": {"tls.key": "k", "ca.crt": "c"}}
        ]))
        .unwrap();
        let got = secrets_table(&secrets, now(), &TableOptions::default());
        assert_eq!(
            got,
            "NAME    TYPE                DATA   AGE\ncreds   Opaque              2      5m\ntls     kubernetes.io/tls   3      5m\n"
        );
        assert!(!got.contains("hunter2") && !got.contains("aHVudGVyMg"));
    }
}
