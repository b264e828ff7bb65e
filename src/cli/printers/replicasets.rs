//! `get replicasets`: kubectl's ReplicaSet table (printers.go `printReplicaSet`): NAME,
//! DESIRED, CURRENT, READY, AGE, and with `-o wide` CONTAINERS, IMAGES, SELECTOR.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::ReplicaSet;

use super::age::age;
use super::jobs::container_cells;
use super::selector::format_label_selector;
use super::table::{self, Row, TableOptions};

const HEADERS: &[&str] = &["Name", "Desired", "Current", "Ready", "Age"];
const WIDE_HEADERS: &[&str] = &["Containers", "Images", "Selector"];

/// The ReplicaSet table, as `kubectl get replicasets` (1.32) prints it. DESIRED is
/// `spec.replicas` (the API server defaults it to 1), CURRENT and READY come from the
/// controller's status.
pub fn replicasets_table(items: &[ReplicaSet], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = items
        .iter()
        .map(|rs| {
            let spec = &rs.spec;
            let status = rs.status.as_ref();
            let mut cells = vec![
                rs.metadata.name.clone().unwrap_or_default(),
                spec.replicas.unwrap_or(1).to_string(),
                status.map_or(0, |s| s.replicas).to_string(),
                status
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0)
                    .to_string(),
                age(rs.metadata.creation_timestamp.as_ref(), now),
            ];
            if opts.wide {
                let containers = spec
                    .template
                    .as_ref()
                    .and_then(|t| t.spec.as_ref())
                    .map(|s| s.containers.as_slice())
                    .unwrap_or_default();
                let (names, images) = container_cells(containers);
                cells.push(names);
                cells.push(images);
                cells.push(format_label_selector(Some(&spec.selector)));
            }
            Row {
                namespace: rs.metadata.namespace.clone().unwrap_or_default(),
                cells,
            }
        })
        .collect();
    let mut headers = HEADERS.to_vec();
    if opts.wide {
        headers.extend_from_slice(WIDE_HEADERS);
    }
    table::render(&headers, &rows, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn queue() -> ReplicaSet {
        serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "queue", "namespace": "default",
                         "creationTimestamp": "2024-05-01T11:57:00Z"},
            "spec": {"replicas": 1,
                     "selector": {"matchLabels": {"app": "work-queue", "component": "queue"}},
                     "template": {"metadata": {"labels": {"app": "work-queue", "component": "queue"}},
                                  "spec": {"containers": [{"name": "queue", "image": "dockjob/kuard-amd64:1"}]}}},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}
        }))
        .unwrap()
    }

    #[test]
    fn replicaset_table_and_wide() {
        let mut scaling = queue();
        scaling.metadata.name = Some("scaling".into());
        scaling.spec.replicas = Some(3);
        scaling.status = serde_json::from_value(json!({"replicas": 2})).unwrap();
        let got = replicasets_table(&[queue(), scaling.clone()], now(), &TableOptions::default());
        assert_eq!(
            got,
            "NAME      DESIRED   CURRENT   READY   AGE\nqueue     1         1         1       3m\nscaling   3         2         0       3m\n"
        );
        let wide = TableOptions {
            wide: true,
            ..Default::default()
        };
        assert_eq!(
            replicasets_table(&[queue()], now(), &wide),
            "NAME    DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES                  SELECTOR\nqueue   1         1         1       3m    queue        dockjob/kuard-amd64:1   app=work-queue,component=queue\n"
        );
    }
}
