//! `describe job` (kubectl's `describeJob`; the pod template is `template`'s).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};

use super::super::age::human_duration;
use super::super::selector::selector_string;
use super::events::describe_events;
use super::template::describe_pod_template;
use super::{
    LEVEL_0, Writer, print_controlled_by, print_job_selector, print_labels_annotations,
    print_name_namespace, rfc1123z,
};

/// `kubectl describe job`, as kubectl 1.32 lays it out. `_pods` is accepted for callers
/// that have them, but kubectl's describer reads the counts from `job.status`, so this
/// does too. `events` are the job's events (any order); `tz` is the zone times are shown in.
pub fn describe_job(
    job: &Job,
    _pods: &[Pod],
    events: &[Event],
    now: Timestamp,
    tz: &TimeZone,
) -> String {
    let mut w = Writer::new();
    let meta = &job.metadata;
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    print_name_namespace(&mut w, meta);
    print_job_selector(&mut w, selector_string(spec.selector.as_ref()));
    print_labels_annotations(&mut w, meta);
    print_controlled_by(&mut w, meta);
    if let Some(p) = spec.parallelism {
        w.write(LEVEL_0, &format!("Parallelism:\t{p}\n"));
    }
    match spec.completions {
        Some(c) => w.write(LEVEL_0, &format!("Completions:\t{c}\n")),
        None => w.write(LEVEL_0, "Completions:\t<unset>\n"),
    }
    if let Some(mode) = &spec.completion_mode {
        w.write(LEVEL_0, &format!("Completion Mode:\t{mode}\n"));
    }
    if let Some(s) = spec.suspend {
        w.write(LEVEL_0, &format!("Suspend:\t{s}\n"));
    }
    if let Some(b) = spec.backoff_limit {
        w.write(LEVEL_0, &format!("Backoff Limit:\t{b}\n"));
    }
    if let Some(ttl) = spec.ttl_seconds_after_finished {
        w.write(LEVEL_0, &format!("TTL Seconds After Finished:\t{ttl}\n"));
    }
    if let Some(start) = &status.start_time {
        w.write(
            LEVEL_0,
            &format!("Start Time:\t{}\n", rfc1123z(Some(start), tz)),
        );
    }
    if let Some(done) = &status.completion_time {
        w.write(
            LEVEL_0,
            &format!("Completed At:\t{}\n", rfc1123z(Some(done), tz)),
        );
    }
    if let (Some(start), Some(done)) = (&status.start_time, &status.completion_time) {
        w.write(
            LEVEL_0,
            &format!(
                "Duration:\t{}\n",
                human_duration(done.0.duration_since(start.0))
            ),
        );
    }
    if let Some(deadline) = spec.active_deadline_seconds {
        w.write(LEVEL_0, &format!("Active Deadline Seconds:\t{deadline}s\n"));
    }
    let (active, succeeded, failed) = (
        status.active.unwrap_or(0),
        status.succeeded.unwrap_or(0),
        status.failed.unwrap_or(0),
    );
    match status.ready {
        None => w.write(
            LEVEL_0,
            &format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n"),
        ),
        Some(ready) => w.write(
            LEVEL_0,
            &format!(
                "Pods Statuses:\t{active} Active ({ready} Ready) / {succeeded} Succeeded / {failed} Failed\n"
            ),
        ),
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        w.write(
            LEVEL_0,
            &format!(
                "Completed Indexes:\t{}\n",
                cap_indexes(status.completed_indexes.as_deref().unwrap_or(""), 50)
            ),
        );
    }
    describe_pod_template(&mut w, &spec.template, tz);
    describe_events(&mut w, events, now);
    w.finish()
}

/// kubectl's `capIndexesListOrNone`: cut a long index list after the first comma past
/// `soft_limit` bytes.
fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".to_string();
    }
    match indexes
        .char_indices()
        .find(|(i, c)| *i >= soft_limit && *c == ',')
    {
        Some((i, _)) => format!("{}...", &indexes[..=i]),
        None => indexes.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    fn completed_job() -> Job {
        serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {
                "name": "oneshot", "namespace": "default",
                "uid": "8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21",
                "creationTimestamp": "2024-05-01T11:50:00Z",
                "labels": {
                    "batch.kubernetes.io/controller-uid": "8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21",
                    "batch.kubernetes.io/job-name": "oneshot",
                    "controller-uid": "8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21",
                    "job-name": "oneshot"
                },
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}
            },
            "spec": {
                "parallelism": 1, "completions": 1, "completionMode": "NonIndexed",
                "suspend": false, "backoffLimit": 6,
                "selector": {"matchLabels": {
                    "batch.kubernetes.io/controller-uid": "8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21"}},
                "template": {
                    "metadata": {"labels": {
                        "batch.kubernetes.io/controller-uid": "8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21",
                        "batch.kubernetes.io/job-name": "oneshot",
                        "controller-uid": "8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21",
                        "job-name": "oneshot"}},
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{
                            "name": "hello", "image": "dockjob-test/busybox:1",
                            "command": ["sh", "-c"], "args": ["echo hello\necho done"],
                            "env": [{"name": "GREETING", "value": "hi"},
                                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                                    {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
                            "resources": {"limits": {"memory": "64Mi", "cpu": "500m"}},
                            "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]
                        }],
                        "volumes": [{"name": "scratch", "emptyDir": {}}]
                    }
                }
            },
            "status": {
                "startTime": "2024-05-01T11:50:00Z",
                "completionTime": "2024-05-01T11:50:07Z",
                "succeeded": 1, "ready": 0, "terminating": 0,
                "conditions": [{"type": "Complete", "status": "True"}]
            }
        }))
        .unwrap()
    }

    fn job_events() -> Vec<Event> {
        serde_json::from_value(json!([
            {"metadata": {"name": "oneshot.2", "namespace": "default"},
             "involvedObject": {"kind": "Job", "name": "oneshot"},
             "reason": "Completed", "message": "Job completed", "type": "Normal",
             "source": {"component": "job-controller"},
             "firstTimestamp": "2024-05-01T11:50:07Z", "lastTimestamp": "2024-05-01T11:50:07Z",
             "count": 1},
            {"metadata": {"name": "oneshot.1", "namespace": "default"},
             "involvedObject": {"kind": "Job", "name": "oneshot"},
             "reason": "SuccessfulCreate", "message": "Created pod: oneshot-x7k2p", "type": "Normal",
             "source": {"component": "job-controller"},
             "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:50:00Z",
             "count": 1}
        ]))
        .unwrap()
    }

    #[test]
    fn completed_job_with_events() {
        let got = describe_job(&completed_job(), &[], &job_events(), now(), &utc());
        let want = "\
Name:             oneshot
Namespace:        default
Selector:         batch.kubernetes.io/controller-uid=8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21
Labels:           batch.kubernetes.io/controller-uid=8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21
                  batch.kubernetes.io/job-name=oneshot
                  controller-uid=8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21
                  job-name=oneshot
Annotations:      <none>
Parallelism:      1
Completions:      1
Completion Mode:  NonIndexed
Suspend:          false
Backoff Limit:    6
Start Time:       Wed, 01 May 2024 11:50:00 +0000
Completed At:     Wed, 01 May 2024 11:50:07 +0000
Duration:         7s
Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed
Pod Template:
  Labels:  batch.kubernetes.io/controller-uid=8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21
           batch.kubernetes.io/job-name=oneshot
           controller-uid=8c0b4e0e-1c1d-4d47-9a55-0a6a3a5cbe21
           job-name=oneshot
  Containers:
   hello:
    Image:      dockjob-test/busybox:1
    Port:       <none>
    Host Port:  <none>
    Command:
      sh
      -c
    Args:
      echo hello
      echo done
    Limits:
      cpu:     500m
      memory:  64Mi
    Environment:
      GREETING:  hi
      POD_NAME:   (v1:metadata.name)
      TOKEN:     <set to the key 'token' in secret 'creds'>  Optional: false
    Mounts:
      /scratch from scratch (rw)
  Volumes:
   scratch:
    Type:          EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:        
    SizeLimit:     <unset>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:
  Type    Reason            Age    From            Message
  ----    ------            ----   ----            -------
  Normal  SuccessfulCreate  10m    job-controller  Created pod: oneshot-x7k2p
  Normal  Completed         9m53s  job-controller  Job completed
";
        assert_eq!(got, want);
    }

    #[test]
    fn running_work_queue_job_without_events() {
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "queue", "namespace": "batch"},
            "spec": {"parallelism": 3, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
            "status": {"startTime": "2024-05-01T11:00:00Z", "active": 3}
        }))
        .unwrap();
        let got = describe_job(
            &job,
            &[],
            &[],
            now(),
            &TimeZone::fixed(jiff::tz::offset(-7)),
        );
        let want = "\
Name:           queue
Namespace:      batch
Selector:       
Labels:         <none>
Annotations:    <none>
Parallelism:    3
Completions:    <unset>
Start Time:     Wed, 01 May 2024 04:00:00 -0700
Pods Statuses:  3 Active / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  <none>
  Containers:
   c:
    Image:         i
    Port:          <none>
    Host Port:     <none>
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:            <none>
";
        assert_eq!(got, want);
    }

    /// The issue-3 fields, where kubectl 1.32's `describeJob` puts them: Completion
    /// Mode, Suspend, Backoff Limit, TTL right after Completions; Active Deadline Seconds
    /// after the times; Completed Indexes (only for Indexed jobs) after the pod counts.
    /// kubectl shows neither failedIndexes nor the pod failure policy.
    #[test]
    fn indexed_suspended_job_with_deadline_and_ttl() {
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "idx", "namespace": "default"},
            "spec": {"parallelism": 2, "completions": 5, "completionMode": "Indexed",
                     "suspend": true, "backoffLimit": 6, "ttlSecondsAfterFinished": 100,
                     "activeDeadlineSeconds": 30, "backoffLimitPerIndex": 1,
                     "podFailurePolicy": {"rules": [{"action": "FailJob",
                         "onExitCodes": {"operator": "In", "values": [42]}}]},
                     "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
            "status": {"startTime": "2024-05-01T11:00:00Z", "active": 0, "ready": 0,
                       "succeeded": 3, "failed": 1, "completedIndexes": "0,2-3",
                       "failedIndexes": "1",
                       "conditions": [{"type": "Suspended", "status": "True",
                                       "reason": "JobSuspended"}]}
        }))
        .unwrap();
        let got = describe_job(&job, &[], &[], now(), &utc());
        let want = "\
Name:                        idx
Namespace:                   default
Selector:                    
Labels:                      <none>
Annotations:                 <none>
Parallelism:                 2
Completions:                 5
Completion Mode:             Indexed
Suspend:                     true
Backoff Limit:               6
TTL Seconds After Finished:  100
Start Time:                  Wed, 01 May 2024 11:00:00 +0000
Active Deadline Seconds:     30s
Pods Statuses:               0 Active (0 Ready) / 3 Succeeded / 1 Failed
Completed Indexes:           0,2-3
Pod Template:
  Labels:  <none>
  Containers:
   c:
    Image:         i
    Port:          <none>
    Host Port:     <none>
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:            <none>
";
        assert_eq!(got, want);
    }

    #[test]
    fn indexes_are_capped() {
        assert_eq!(cap_indexes("", 50), "<none>");
        assert_eq!(cap_indexes("1,3-5", 50), "1,3-5");
        assert_eq!(cap_indexes("0,2,4,6", 2), "0,2,...");
    }
}
