//! `describe replicaset` (kubectl's `describeReplicaSet`): replica counts, the phases of
//! the pods it controls, its pod template, conditions and events.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Event, Pod};

use super::super::selector::format_label_selector;
use super::events::describe_events;
use super::template::describe_pod_template;
use super::{
    LEVEL_0, LEVEL_1, Writer, print_controlled_by, print_labels_annotations, print_name_namespace,
};

/// kubectl's `getPodStatusForController`: the phases of the pods whose controller is
/// the ReplicaSet (`uid`); orphans and other controllers' pods are skipped.
pub fn pod_phase_counts(pods: &[Pod], uid: &str) -> (usize, usize, usize, usize) {
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for pod in pods {
        let controller = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true));
        if controller.is_none_or(|r| r.uid != uid) {
            continue;
        }
        match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => running += 1,
            Some("Pending") => waiting += 1,
            Some("Succeeded") => succeeded += 1,
            Some("Failed") => failed += 1,
            _ => {}
        }
    }
    (running, waiting, succeeded, failed)
}

/// `kubectl describe replicaset`, as kubectl 1.32 lays it out. `pods` are the pods its
/// selector matches (the ones it controls are counted).
pub fn describe_replicaset(
    rs: &ReplicaSet,
    pods: &[Pod],
    events: &[Event],
    now: Timestamp,
    tz: &TimeZone,
) -> String {
    let mut w = Writer::new();
    let meta = &rs.metadata;
    print_name_namespace(&mut w, meta);
    w.write(
        LEVEL_0,
        &format!(
            "Selector:\t{}\n",
            format_label_selector(Some(&rs.spec.selector))
        ),
    );
    print_labels_annotations(&mut w, meta);
    print_controlled_by(&mut w, meta);
    let current = rs.status.as_ref().map_or(0, |s| s.replicas);
    // The API server defaults `spec.replicas` to 1.
    let desired = rs.spec.replicas.unwrap_or(1);
    w.write(
        LEVEL_0,
        &format!("Replicas:\t{current} current / {desired} desired\n"),
    );
    let (running, waiting, succeeded, failed) =
        pod_phase_counts(pods, meta.uid.as_deref().unwrap_or(""));
    w.write(
        LEVEL_0,
        &format!(
            "Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n"
        ),
    );
    describe_pod_template(&mut w, &rs.spec.template.clone().unwrap_or_default(), tz);
    let conditions = rs
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    if !conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(LEVEL_1, "----\t------\t------\n");
        for c in &conditions {
            w.write(
                LEVEL_1,
                &format!(
                    "{} \t{}\t{}\n",
                    c.type_.as_deref().unwrap_or(""),
                    c.status.as_deref().unwrap_or(""),
                    c.reason.as_deref().unwrap_or("")
                ),
            );
        }
    }
    describe_events(&mut w, events, now);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn queue() -> ReplicaSet {
        serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "queue", "namespace": "default", "uid": "rs-uid",
                         "labels": {"app": "work-queue", "chapter": "jobs", "component": "queue"}},
            "spec": {"replicas": 1,
                     "selector": {"matchLabels": {"app": "work-queue", "component": "queue"}},
                     "template": {"metadata": {"labels": {"app": "work-queue", "chapter": "jobs",
                                                          "component": "queue"}},
                                  "spec": {"containers": [{"name": "queue",
                                                           "image": "dockjob/kuard-amd64:1",
                                                           "imagePullPolicy": "Never"}]}}},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}
        }))
        .unwrap()
    }

    fn pod(name: &str, owner_uid: &str, phase: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "queue", "uid": owner_uid, "controller": true}]},
            "status": {"phase": phase}
        }))
        .unwrap()
    }

    #[test]
    fn describe_a_replicaset() {
        let pods = [
            pod("queue-a", "rs-uid", "Running"),
            pod("queue-b", "rs-uid", "Pending"),
            pod("stranger", "other-uid", "Running"),
        ];
        let events: Vec<Event> = serde_json::from_value(json!([
            {"metadata": {"name": "e1"}, "involvedObject": {"kind": "ReplicaSet", "name": "queue"},
             "type": "Normal", "reason": "SuccessfulCreate", "message": "Created pod: queue-a",
             "source": {"component": "replicaset-controller"},
             "firstTimestamp": "2024-05-01T11:58:00Z", "lastTimestamp": "2024-05-01T11:58:00Z", "count": 1}
        ]))
        .unwrap();
        let got = describe_replicaset(&queue(), &pods, &events, now(), &TimeZone::UTC);
        let want = "\
Name:         queue
Namespace:    default
Selector:     app=work-queue,component=queue
Labels:       app=work-queue
              chapter=jobs
              component=queue
Annotations:  <none>
Replicas:     1 current / 1 desired
Pods Status:  1 Running / 1 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=work-queue
           chapter=jobs
           component=queue
  Containers:
   queue:
    Image:         dockjob/kuard-amd64:1
    Port:          <none>
    Host Port:     <none>
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:
  Type    Reason            Age   From                   Message
  ----    ------            ----  ----                   -------
  Normal  SuccessfulCreate  2m    replicaset-controller  Created pod: queue-a
";
        assert_eq!(got, want);
    }
}
