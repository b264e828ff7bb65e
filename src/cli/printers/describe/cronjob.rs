//! `describe cronjob` (kubectl's `describeCronJob`, `describeJobTemplate` and
//! `printActiveJobs`).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::Event;

use super::super::cronjobs::print_bool_ptr;
use super::super::selector::selector_string;
use super::events::describe_events;
use super::template::describe_pod_template;
use super::{LEVEL_0, Writer, print_job_selector, print_object_header, rfc1123z};

/// `kubectl describe cronjob`, as kubectl 1.32 lays it out. `events` are the CronJob's
/// events (any order); `tz` is the zone the last schedule time is shown in. kubectl
/// shows neither `timeZone` nor `lastSuccessfulTime` here, so neither does this.
pub fn describe_cronjob(cj: &CronJob, events: &[Event], now: Timestamp, tz: &TimeZone) -> String {
    let mut w = Writer::new();
    let meta = &cj.metadata;
    let spec = &cj.spec;
    let status = cj.status.clone().unwrap_or_default();
    print_object_header(&mut w, meta);
    w.write(LEVEL_0, &format!("Schedule:\t{}\n", spec.schedule));
    w.write(
        LEVEL_0,
        &format!(
            "Concurrency Policy:\t{}\n",
            spec.concurrency_policy.as_deref().unwrap_or("")
        ),
    );
    w.write(
        LEVEL_0,
        &format!("Suspend:\t{}\n", print_bool_ptr(spec.suspend)),
    );
    w.write(
        LEVEL_0,
        &format!(
            "Successful Job History Limit:\t{}\n",
            or_unset(spec.successful_jobs_history_limit.map(|n| n.to_string()))
        ),
    );
    w.write(
        LEVEL_0,
        &format!(
            "Failed Job History Limit:\t{}\n",
            or_unset(spec.failed_jobs_history_limit.map(|n| n.to_string()))
        ),
    );
    w.write(
        LEVEL_0,
        &format!(
            "Starting Deadline Seconds:\t{}\n",
            or_unset(spec.starting_deadline_seconds.map(|n| format!("{n}s")))
        ),
    );
    describe_job_template(&mut w, &spec.job_template, tz);
    w.write(
        LEVEL_0,
        &format!(
            "Last Schedule Time:\t{}\n",
            match &status.last_schedule_time {
                Some(t) => rfc1123z(Some(t), tz),
                None => "<unset>".to_string(),
            }
        ),
    );
    w.write(LEVEL_0, "Active Jobs:\t");
    let active: Vec<&str> = status
        .active
        .iter()
        .flatten()
        .map(|r| r.name.as_deref().unwrap_or(""))
        .collect();
    if active.is_empty() {
        w.write_line("<none>");
    } else {
        w.write_line(&active.join(", "));
    }
    describe_events(&mut w, events, now);
    w.finish()
}

fn or_unset(value: Option<String>) -> String {
    value.unwrap_or_else(|| "<unset>".to_string())
}

/// kubectl's `describeJobTemplate`: unlike `describe job`, an absent selector,
/// parallelism or completions reads `<unset>`.
fn describe_job_template(
    w: &mut Writer,
    template: &k8s_openapi::api::batch::v1::JobTemplateSpec,
    tz: &TimeZone,
) {
    let spec = template.spec.clone().unwrap_or_default();
    match &spec.selector {
        None => w.write(LEVEL_0, "Selector:\t<unset>\n"),
        Some(sel) => print_job_selector(w, selector_string(Some(sel))),
    }
    w.write(
        LEVEL_0,
        &format!(
            "Parallelism:\t{}\n",
            or_unset(spec.parallelism.map(|n| n.to_string()))
        ),
    );
    w.write(
        LEVEL_0,
        &format!(
            "Completions:\t{}\n",
            or_unset(spec.completions.map(|n| n.to_string()))
        ),
    );
    if let Some(deadline) = spec.active_deadline_seconds {
        w.write(LEVEL_0, &format!("Active Deadline Seconds:\t{deadline}s\n"));
    }
    describe_pod_template(w, &spec.template, tz);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    /// As the API server stores it after `apply`: defaults filled in, one job running.
    fn nightly() -> CronJob {
        serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {
                "name": "nightly", "namespace": "default", "uid": "cj-uid",
                "creationTimestamp": "2024-04-28T12:00:00Z",
                "labels": {"app": "backup"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n",
                                "owner": "ops"}
            },
            "spec": {
                "schedule": "*/5 * * * *", "timeZone": "Europe/Paris",
                "concurrencyPolicy": "Forbid", "suspend": false,
                "startingDeadlineSeconds": 200,
                "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                "jobTemplate": {
                    "metadata": {"labels": {"app": "backup"}},
                    "spec": {
                        "backoffLimit": 2, "activeDeadlineSeconds": 600,
                        "template": {
                            "metadata": {"labels": {"app": "backup"}},
                            "spec": {"restartPolicy": "OnFailure", "containers": [{
                                "name": "backup", "image": "dockjob-test/busybox:1",
                                "command": ["sh", "-c", "date"]}]}
                        }
                    }
                }
            },
            "status": {
                "active": [
                    {"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-28578595",
                     "namespace": "default", "uid": "j1"},
                    {"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-28578600",
                     "namespace": "default", "uid": "j2"}],
                "lastScheduleTime": "2024-05-01T11:55:00Z",
                "lastSuccessfulTime": "2024-05-01T11:50:09Z"
            }
        }))
        .unwrap()
    }

    fn events() -> Vec<Event> {
        serde_json::from_value(json!([
            {"metadata": {"name": "nightly.2", "namespace": "default"},
             "involvedObject": {"kind": "CronJob", "name": "nightly"},
             "reason": "SawCompletedJob", "type": "Normal",
             "message": "Saw completed job: nightly-28578590, condition: Complete",
             "source": {"component": "cronjob-controller"},
             "firstTimestamp": "2024-05-01T11:50:09Z", "lastTimestamp": "2024-05-01T11:50:09Z",
             "count": 1},
            {"metadata": {"name": "nightly.1", "namespace": "default"},
             "involvedObject": {"kind": "CronJob", "name": "nightly"},
             "reason": "SuccessfulCreate", "type": "Normal",
             "message": "Created job nightly-28578590",
             "source": {"component": "cronjob-controller"},
             "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:50:00Z",
             "count": 1}
        ]))
        .unwrap()
    }

    #[test]
    fn running_cronjob_with_events() {
        let got = describe_cronjob(&nightly(), &events(), now(), &TimeZone::UTC);
        let want = "\
Name:                          nightly
Namespace:                     default
Labels:                        app=backup
Annotations:                   owner: ops
Schedule:                      */5 * * * *
Concurrency Policy:            Forbid
Suspend:                       False
Successful Job History Limit:  3
Failed Job History Limit:      1
Starting Deadline Seconds:     200s
Selector:                      <unset>
Parallelism:                   <unset>
Completions:                   <unset>
Active Deadline Seconds:       600s
Pod Template:
  Labels:  app=backup
  Containers:
   backup:
    Image:      dockjob-test/busybox:1
    Port:       <none>
    Host Port:  <none>
    Command:
      sh
      -c
      date
    Environment:     <none>
    Mounts:          <none>
  Volumes:           <none>
  Node-Selectors:    <none>
  Tolerations:       <none>
Last Schedule Time:  Wed, 01 May 2024 11:55:00 +0000
Active Jobs:         nightly-28578595, nightly-28578600
Events:
  Type    Reason            Age    From                Message
  ----    ------            ----   ----                -------
  Normal  SuccessfulCreate  10m    cronjob-controller  Created job nightly-28578590
  Normal  SawCompletedJob   9m51s  cronjob-controller  Saw completed job: nightly-28578590, condition: Complete
";
        assert_eq!(got, want);
    }

    /// A CronJob just decoded (nothing defaulted, never scheduled), times in another
    /// zone: every optional field reads `<unset>`, the selector and counts included.
    #[test]
    fn bare_cronjob_in_another_zone() {
        let cj: CronJob = serde_json::from_value(json!({
            "metadata": {"name": "bare", "namespace": "batch"},
            "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {
                "parallelism": 2, "completions": 4,
                "selector": {"matchLabels": {"x": "y"}},
                "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}}},
            "status": {"lastScheduleTime": "2024-05-01T11:00:00Z"}
        }))
        .unwrap();
        let got = describe_cronjob(&cj, &[], now(), &TimeZone::fixed(jiff::tz::offset(-7)));
        let want = "\
Name:                          bare
Namespace:                     batch
Labels:                        <none>
Annotations:                   <none>
Schedule:                      @hourly
Concurrency Policy:            
Suspend:                       <unset>
Successful Job History Limit:  <unset>
Failed Job History Limit:      <unset>
Starting Deadline Seconds:     <unset>
Selector:                      x=y
Parallelism:                   2
Completions:                   4
Pod Template:
  Labels:  <none>
  Containers:
   c:
    Image:           i
    Port:            <none>
    Host Port:       <none>
    Environment:     <none>
    Mounts:          <none>
  Volumes:           <none>
  Node-Selectors:    <none>
  Tolerations:       <none>
Last Schedule Time:  Wed, 01 May 2024 04:00:00 -0700
Active Jobs:         <none>
Events:              <none>
";
        assert_eq!(got, want);
    }
}
