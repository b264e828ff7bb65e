//! `get jobs`: kubectl's job table (printers.go `printJob`): NAME, STATUS, COMPLETIONS,
//! DURATION, AGE, and with `-o wide` CONTAINERS, IMAGES, SELECTOR.

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{Job, JobCondition};
use k8s_openapi::api::core::v1::Container;

use super::age::{age, human_duration};
use super::selector::format_label_selector;
use super::table::{self, Row, TableOptions};

const HEADERS: &[&str] = &["Name", "Status", "Completions", "Duration", "Age"];
const WIDE_HEADERS: &[&str] = &["Containers", "Images", "Selector"];

/// The job table, as `kubectl get jobs` (1.32) prints it.
pub fn jobs_table(jobs: &[Job], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = jobs.iter().map(|j| job_row(j, now, opts.wide)).collect();
    let mut headers = HEADERS.to_vec();
    if opts.wide {
        headers.extend_from_slice(WIDE_HEADERS);
    }
    table::render(&headers, &rows, opts)
}

fn job_row(job: &Job, now: Timestamp, wide: bool) -> Row {
    let spec = job.spec.as_ref();
    let mut cells = vec![
        job.metadata.name.clone().unwrap_or_default(),
        job_status(job),
        completions(job),
        duration(job, now),
        age(job.metadata.creation_timestamp.as_ref(), now),
    ];
    if wide {
        let containers = spec
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| s.containers.as_slice())
            .unwrap_or_default();
        let (names, images) = container_cells(containers);
        cells.push(names);
        cells.push(images);
        cells.push(format_label_selector(
            spec.and_then(|s| s.selector.as_ref()),
        ));
    }
    Row {
        namespace: job.metadata.namespace.clone().unwrap_or_default(),
        cells,
    }
}

/// printers.go `hasJobCondition`: the first condition of that type decides.
fn has_condition(conditions: &[JobCondition], kind: &str) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == kind)
        .is_some_and(|c| c.status == "True")
}

/// The STATUS column, in kubectl 1.32's order of precedence.
pub fn job_status(job: &Job) -> String {
    let conditions = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let status = if has_condition(conditions, "Complete") {
        "Complete"
    } else if has_condition(conditions, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if has_condition(conditions, "Suspended") {
        "Suspended"
    } else if has_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    status.to_string()
}

/// COMPLETIONS: `succeeded/completions`; a work queue (completions unset) shows `n/1`,
/// with `of <parallelism>` when more than one pod works the queue.
pub fn completions(job: &Job) -> String {
    let succeeded = job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0);
    let spec = job.spec.as_ref();
    match spec.and_then(|s| s.completions) {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let parallelism = spec.and_then(|s| s.parallelism).unwrap_or(0);
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    }
}

/// DURATION: start to completion, or start to now while running; empty before start.
fn duration(job: &Job, now: Timestamp) -> String {
    let status = job.status.as_ref();
    let start = status.and_then(|s| s.start_time.as_ref());
    let end = status.and_then(|s| s.completion_time.as_ref());
    match (start, end) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.duration_since(start.0)),
        (Some(start), Some(end)) => human_duration(end.0.duration_since(start.0)),
    }
}

/// printers.go `layoutContainerCells`: names and images, comma-separated.
pub fn container_cells(containers: &[Container]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn job(v: serde_json::Value) -> Job {
        serde_json::from_value(v).unwrap()
    }

    fn completed() -> Job {
        job(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "oneshot", "namespace": "default",
                         "creationTimestamp": "2024-05-01T11:50:00Z"},
            "spec": {
                "completions": 1, "parallelism": 1, "backoffLimit": 6,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}},
                "template": {"spec": {"restartPolicy": "Never", "containers": [
                    {"name": "main", "image": "dockjob-test/busybox:1"}]}}
            },
            "status": {
                "startTime": "2024-05-01T11:50:00Z",
                "completionTime": "2024-05-01T11:50:07Z",
                "succeeded": 1,
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True"},
                    {"type": "Complete", "status": "True"}
                ]
            }
        }))
    }

    fn failed() -> Job {
        job(json!({
            "metadata": {"name": "flaky", "namespace": "default",
                         "creationTimestamp": "2024-05-01T10:00:00Z"},
            "spec": {"completions": 1, "parallelism": 1,
                     "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
            "status": {
                "startTime": "2024-05-01T10:00:00Z",
                "failed": 7,
                "conditions": [
                    {"type": "FailureTarget", "status": "True"},
                    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
                ]
            }
        }))
    }

    fn parallel() -> Job {
        job(json!({
            "metadata": {"name": "parallel", "namespace": "batch",
                         "creationTimestamp": "2024-05-01T11:58:00Z"},
            "spec": {"completions": 10, "parallelism": 5,
                     "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "p-uid"}},
                     "template": {"spec": {"containers": [
                         {"name": "worker", "image": "busybox"},
                         {"name": "sidecar", "image": "pause"}]}}},
            "status": {"startTime": "2024-05-01T11:58:00Z", "active": 5, "succeeded": 3}
        }))
    }

    fn work_queue() -> Job {
        job(json!({
            "metadata": {"name": "queue", "namespace": "default",
                         "creationTimestamp": "2024-05-01T09:00:00Z"},
            "spec": {"parallelism": 3,
                     "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
            "status": {"startTime": "2024-05-01T09:00:00Z", "active": 2, "succeeded": 1}
        }))
    }

    fn pending() -> Job {
        job(json!({"metadata": {"name": "new", "namespace": "default"},
                   "spec": {"template": {}}}))
    }

    #[test]
    fn table_of_every_kind_of_job() {
        let jobs = [completed(), failed(), parallel(), work_queue(), pending()];
        let got = jobs_table(&jobs, now(), &TableOptions::default());
        let want = "\
NAME       STATUS     COMPLETIONS   DURATION   AGE
oneshot    Complete   1/1           7s         10m
flaky      Failed     0/1           120m       120m
parallel   Running    3/10          2m         2m
queue      Running    1/1 of 3      3h         3h
new        Running    0/1                      <unknown>
";
        assert_eq!(got, want);
    }

    #[test]
    fn wide_and_all_namespaces() {
        let opts = TableOptions {
            wide: true,
            show_namespace: true,
            ..Default::default()
        };
        let got = jobs_table(&[completed(), parallel()], now(), &opts);
        let want = "\
NAMESPACE   NAME       STATUS     COMPLETIONS   DURATION   AGE   CONTAINERS       IMAGES                   SELECTOR
default     oneshot    Complete   1/1           7s         10m   main             dockjob-test/busybox:1   batch.kubernetes.io/controller-uid=abc
batch       parallel   Running    3/10          2m         2m    worker,sidecar   busybox,pause            batch.kubernetes.io/controller-uid=p-uid
";
        assert_eq!(got, want);
    }

    #[test]
    fn status_precedence() {
        let mut j = parallel();
        j.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now()));
        assert_eq!(job_status(&j), "Terminating");
        let mut s = work_queue();
        s.status.as_mut().unwrap().conditions = Some(vec![JobCondition {
            type_: "Suspended".into(),
            status: "True".into(),
            ..Default::default()
        }]);
        assert_eq!(job_status(&s), "Suspended");
        // A False condition does not count, and only the first of a type is read.
        s.status.as_mut().unwrap().conditions = Some(vec![
            JobCondition {
                type_: "Complete".into(),
                status: "False".into(),
                ..Default::default()
            },
            JobCondition {
                type_: "Complete".into(),
                status: "True".into(),
                ..Default::default()
            },
        ]);
        assert_eq!(job_status(&s), "Running");
    }

    /// kubectl 1.32's printJob knows FailureTarget but not SuccessCriteriaMet: a job
    /// whose success policy is met shows Running until its Complete condition is added.
    #[test]
    fn interim_conditions() {
        let mut j = parallel();
        j.status.as_mut().unwrap().conditions = Some(vec![JobCondition {
            type_: "FailureTarget".into(),
            status: "True".into(),
            reason: Some("DeadlineExceeded".into()),
            ..Default::default()
        }]);
        assert_eq!(job_status(&j), "FailureTarget");
        j.status.as_mut().unwrap().conditions = Some(vec![JobCondition {
            type_: "SuccessCriteriaMet".into(),
            status: "True".into(),
            ..Default::default()
        }]);
        assert_eq!(job_status(&j), "Running");
        // Suspended outranks FailureTarget, Failed outranks everything but Complete.
        j.status.as_mut().unwrap().conditions = Some(vec![
            JobCondition {
                type_: "FailureTarget".into(),
                status: "True".into(),
                ..Default::default()
            },
            JobCondition {
                type_: "Suspended".into(),
                status: "True".into(),
                ..Default::default()
            },
        ]);
        assert_eq!(job_status(&j), "Suspended");
        j.status.as_mut().unwrap().conditions = Some(vec![
            JobCondition {
                type_: "FailureTarget".into(),
                status: "True".into(),
                ..Default::default()
            },
            JobCondition {
                type_: "Failed".into(),
                status: "True".into(),
                ..Default::default()
            },
        ]);
        assert_eq!(job_status(&j), "Failed");
    }

    #[test]
    fn single_worker_queue_has_no_of() {
        let mut q = work_queue();
        q.spec.as_mut().unwrap().parallelism = Some(1);
        assert_eq!(completions(&q), "1/1");
    }
}
