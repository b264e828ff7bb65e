//! Server-side printing: the meta.k8s.io/v1 Table answer `kubectl get` asks for (see
//! `api::table`), for pods, from rows kept per pod version.
//!
//! Why: a list of 10,000 pods is 25 MB of JSON, and the CLI spent half a second decoding
//! it into objects to print five cells of each. Each pod's row (everything but what
//! depends on the time: AGE and how long ago the last restart was) is computed once per
//! resourceVersion and kept here; an answer reads only uids and versions from the store
//! (bodies are read only for pods changed since their row was made) and is a few
//! hundred bytes per pod. Deleted pods' rows are dropped as the store's watch reports
//! them.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::objects::Filter;
use super::status::ApiError;
use crate::api::kinds::Kind;
use crate::api::table::IncludeObject;
use crate::cli::printers::{POD_COLUMNS, PodRow};
use crate::store::{Store, StoreError, WatchType};

/// One pod's row at one resourceVersion.
struct PodEntry {
    rv: u64,
    phase: String,
    row: PodRow,
    /// `metadata` without managedFields, as JSON text: the row's PartialObjectMetadata.
    metadata: String,
}

impl PodEntry {
    fn of(body: &str, rv: u64) -> Result<PodEntry, StoreError> {
        let pod: Pod = serde_json::from_str(body).map_err(|source| StoreError::Json {
            context: "a stored pod is not valid".into(),
            source,
        })?;
        let mut metadata = pod.metadata.clone();
        metadata.managed_fields = None;
        Ok(PodEntry {
            rv,
            phase: pod
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default(),
            row: PodRow::of(&pod),
            metadata: serde_json::to_string(&metadata).unwrap_or_else(|_| "{}".into()),
        })
    }

    /// The fields a field selector may ask about without the whole pod.
    fn fields(&self) -> Value {
        json!({
            "metadata": {"name": self.row.name, "namespace": self.row.namespace},
            "status": {"phase": self.phase},
        })
    }
}

/// The fields [`PodEntry::fields`] answers; a selector on any other field is served the
/// plain list instead (content negotiation allows it).
const ROW_FIELDS: &[&str] = &["metadata.name", "metadata.namespace", "status.phase"];

/// The rows kept per kind (pods only: the kind that comes by the ten thousand).
#[derive(Default)]
pub struct Tables {
    pods: Mutex<HashMap<String, PodEntry>>,
}

impl Tables {
    /// The tables, kept in step with `store`: a pod's row goes when the pod does.
    pub fn follow(store: &Store) -> Arc<Tables> {
        let tables = Arc::new(Tables::default());
        let mut rx = store.watch();
        let weak = Arc::downgrade(&tables);
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match rx.recv().await {
                    Ok(ev) if ev.kind == Kind::Pod && ev.type_ == WatchType::Deleted => {
                        let Some(tables) = weak.upgrade() else { return };
                        if let Some(uid) = ev.object["metadata"]["uid"].as_str() {
                            tables.lock_pods().remove(uid);
                        }
                    }
                    Ok(_) => {}
                    // Missed deletions are dropped by the next list over all pods.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        });
        tables
    }

    fn lock_pods(&self) -> std::sync::MutexGuard<'_, HashMap<String, PodEntry>> {
        self.pods.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes every pod's row (at start-up, so the first `get pods` finds them made).
    pub fn warm(&self, store: &Store) {
        let all = Filter {
            namespace: None,
            labels: None,
            fields: Default::default(),
        };
        let include = IncludeObject::None;
        if let Err(e) = self.list(store, Kind::Pod, &all, include, jiff::Timestamp::now()) {
            tracing::warn!(error = %e.message, "making the pod table rows failed");
        }
    }

    /// The Table answer (JSON text) for a list of `kind` under `filter`, or `None` when
    /// this kind or filter has no table here (the caller answers the plain list).
    pub fn list(
        &self,
        store: &Store,
        kind: Kind,
        filter: &Filter,
        include: IncludeObject,
        now: jiff::Timestamp,
    ) -> Result<Option<String>, ApiError> {
        if kind != Kind::Pod || !filter.fields.keys().all(|k| ROW_FIELDS.contains(&k)) {
            return Ok(None);
        }
        let labels = filter.labels.as_ref();
        let matches = |l: &std::collections::BTreeMap<String, String>| {
            labels.is_none_or(|sel| sel.matches(l))
        };
        let whole = filter.namespace.is_none() && labels.is_none();
        let pods = RefCell::new(self.lock_pods());
        let mut seen = HashSet::new();
        let mut rows = String::new();
        let rv = store.scan_versions(
            kind,
            filter.namespace.as_deref(),
            labels.map(|_| &matches as crate::store::LabelFilter<'_>),
            |uid, rv| pods.borrow().get(uid).is_none_or(|e| e.rv != rv),
            |uid, rv, body| {
                let mut pods = pods.borrow_mut();
                if let Some(body) = body {
                    pods.insert(uid.to_string(), PodEntry::of(body, rv)?);
                }
                if whole {
                    seen.insert(uid.to_string());
                }
                let Some(entry) = pods.get(uid) else {
                    return Ok(());
                };
                if filter.fields.matches(&entry.fields()) {
                    push_row(&mut rows, entry, include, now);
                }
                Ok(())
            },
        )?;
        let mut pods = pods.into_inner();
        if whole {
            pods.retain(|uid, _| seen.contains(uid));
        }
        drop(pods);
        Ok(Some(table_text(&rows, rv)))
    }
}

/// One row: `{"cells":[...],"object":{PartialObjectMetadata}}` (without the object
/// under `includeObject=None`), appended after a comma when it is not the first.
fn push_row(rows: &mut String, entry: &PodEntry, include: IncludeObject, now: jiff::Timestamp) {
    if !rows.is_empty() {
        rows.push(',');
    }
    let cells = serde_json::to_string(&entry.row.cells(now)).unwrap_or_else(|_| "[]".into());
    rows.push_str("{\"cells\":");
    rows.push_str(&cells);
    if include == IncludeObject::None {
        rows.push('}');
        return;
    }
    rows.push_str(
        ",\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":",
    );
    rows.push_str(&entry.metadata);
    rows.push_str("}}");
}

/// The Table around `rows` (already JSON, comma-separated).
fn table_text(rows: &str, rv: u64) -> String {
    let columns: Vec<Value> = POD_COLUMNS
        .iter()
        .map(|(name, description, priority)| {
            json!({
                "name": name,
                "type": "string",
                "format": if *name == "Name" { "name" } else { "" },
                "description": description,
                "priority": priority,
            })
        })
        .collect();
    let head = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": columns,
    })
    .to_string();
    let mut text = String::with_capacity(head.len() + rows.len() + 16);
    // `head` is a JSON object: drop its closing brace and append the rows.
    text.push_str(&head[..head.len() - 1]);
    text.push_str(",\"rows\":[");
    text.push_str(rows);
    text.push_str("]}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::table::{Table, cell_text};

    fn pod(name: &str, phase: &str, ns: &str) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"),
                         "labels": {"app": name}, "creationTimestamp": "2026-01-01T00:00:00Z",
                         "managedFields": [{"manager": "x"}]},
            "spec": {"containers": [{"name": "main", "image": "busybox"}]},
            "status": {"phase": phase, "podIP": "10.1.0.7",
                       "containerStatuses": [{"name": "main", "ready": false, "restartCount": 0,
                         "image": "busybox", "imageID": "",
                         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]},
        })
    }

    fn filter(ns: Option<&str>, fields: &str) -> Filter {
        Filter::from_params(
            ns.map(str::to_string),
            &super::super::objects::ListParams {
                field_selector: Some(fields.to_string()),
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn table(tables: &Tables, store: &Store, f: &Filter) -> Table {
        // The store stamps creationTimestamp itself: five minutes after it.
        let now = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
        let text = tables
            .list(store, Kind::Pod, f, IncludeObject::Metadata, now)
            .unwrap()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn names(t: &Table) -> Vec<String> {
        t.rows.iter().map(|r| cell_text(&r.cells[0])).collect()
    }

    #[tokio::test]
    async fn pods_print_as_kubectls_table_with_their_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .create(Kind::Pod, pod("a", "Succeeded", "ns1"))
            .unwrap();
        let tables = Tables::follow(&store);
        let t = table(&tables, &store, &filter(None, ""));
        assert_eq!(t.kind, "Table");
        let columns: Vec<&str> = t
            .column_definitions
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            columns,
            [
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ]
        );
        let cells: Vec<String> = t.rows[0].cells.iter().map(cell_text).collect();
        assert_eq!(
            cells,
            [
                "a",
                "0/1",
                "Completed",
                "0",
                "5m",
                "10.1.0.7",
                "<none>",
                "<none>",
                "<none>"
            ]
        );
        let object = t.rows[0].object.as_ref().unwrap();
        assert_eq!(object["kind"], "PartialObjectMetadata");
        assert_eq!(object["metadata"]["labels"]["app"], "a");
        assert!(object["metadata"].get("managedFields").is_none());

        // includeObject=None: the same cells, no object.
        let now = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
        let all = filter(None, "");
        let text = tables.list(&store, Kind::Pod, &all, IncludeObject::None, now);
        let bare: Table = serde_json::from_str(&text.unwrap().unwrap()).unwrap();
        assert_eq!(bare.rows.len(), 1);
        assert_eq!(bare.rows[0].cells, t.rows[0].cells);
        assert_eq!(bare.rows[0].object, None);
    }

    /// The CLI prints the server's Table exactly as it prints the pods themselves:
    /// plain, `-o wide`, with `-A`'s NAMESPACE column, without headers.
    #[tokio::test]
    async fn the_printed_table_is_the_one_printed_from_the_pods() {
        use crate::cli::printers::{TableOptions, pods_table};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut restarted = pod("restarted", "Running", "ns2");
        restarted["status"]["containerStatuses"][0] = json!({
            "name": "main", "ready": true, "restartCount": 3, "image": "busybox", "imageID": "",
            "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                         "finishedAt": "2026-01-01T00:00:00Z"}}});
        for p in [
            pod("a", "Succeeded", "ns1"),
            pod("b", "Failed", "ns1"),
            restarted,
        ] {
            store.create(Kind::Pod, p).unwrap();
        }
        let tables = Tables::follow(&store);
        let now = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
        let text = tables
            .list(
                &store,
                Kind::Pod,
                &filter(None, ""),
                IncludeObject::Metadata,
                now,
            )
            .unwrap()
            .unwrap();
        let mut t: Table = serde_json::from_str(&text).unwrap();
        let items: Vec<Value> = t
            .rows
            .iter_mut()
            .map(|r| r.object.take().unwrap())
            .collect();
        let pods: Vec<Pod> = store.list_as(Kind::Pod, None, None).unwrap();
        for (wide, show_namespace, no_headers) in [
            (false, false, false),
            (true, false, false),
            (false, true, false),
            (true, true, true),
        ] {
            let opts = TableOptions {
                wide,
                show_namespace,
                no_headers,
                ..Default::default()
            };
            assert_eq!(
                crate::cli::get::server_table(&t, &items, &opts),
                pods_table(&pods, now, &opts),
                "{opts:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_changed_pod_gets_a_new_row_and_a_deleted_one_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create(Kind::Pod, pod("a", "Running", "ns1")).unwrap();
        store.create(Kind::Pod, pod("b", "Running", "ns1")).unwrap();
        let tables = Tables::follow(&store);
        let all = filter(None, "");
        assert_eq!(names(&table(&tables, &store, &all)), ["a", "b"]);
        let mut a = store.get(Kind::Pod, "ns1", "a").unwrap().unwrap();
        a["status"]["containerStatuses"][0]["state"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error"}});
        store.update(Kind::Pod, a).unwrap();
        let t = table(&tables, &store, &all);
        assert_eq!(cell_text(&t.rows[0].cells[2]), "Error");
        store.delete(Kind::Pod, "ns1", "b").unwrap();
        assert_eq!(names(&table(&tables, &store, &all)), ["a"]);
        assert_eq!(tables.lock_pods().len(), 1);
    }

    #[tokio::test]
    async fn namespaces_labels_and_phase_selectors_filter_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .create(Kind::Pod, pod("done", "Succeeded", "ns1"))
            .unwrap();
        store
            .create(Kind::Pod, pod("failed", "Failed", "ns1"))
            .unwrap();
        store
            .create(Kind::Pod, pod("live", "Running", "ns1"))
            .unwrap();
        store
            .create(Kind::Pod, pod("other", "Running", "ns2"))
            .unwrap();
        let tables = Tables::follow(&store);
        let live = "status.phase!=Succeeded,status.phase!=Failed";
        assert_eq!(
            names(&table(&tables, &store, &filter(Some("ns1"), live))),
            ["live"]
        );
        assert_eq!(
            names(&table(&tables, &store, &filter(None, live))),
            ["live", "other"]
        );
        let by_label = Filter::from_params(
            None,
            &super::super::objects::ListParams {
                label_selector: Some("app=done".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(names(&table(&tables, &store, &by_label)), ["done"]);
        let now = jiff::Timestamp::now();
        assert!(
            tables
                .list(
                    &store,
                    Kind::Pod,
                    &filter(None, "spec.nodeName=x"),
                    IncludeObject::Metadata,
                    now
                )
                .unwrap()
                .is_none(),
            "a field the rows do not keep: the plain list"
        );
        assert!(
            tables
                .list(
                    &store,
                    Kind::Job,
                    &filter(None, ""),
                    IncludeObject::Metadata,
                    now
                )
                .unwrap()
                .is_none()
        );
    }
}
