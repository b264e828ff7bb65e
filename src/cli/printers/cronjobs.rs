//! `get cronjobs`: kubectl's CronJob table (printers.go `printCronJob`, 1.32): NAME,
//! SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE, AGE, and with `-o wide`
//! CONTAINERS, IMAGES, SELECTOR (of the job template).

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::CronJob;

use super::age::{age, since};
use super::jobs::container_cells;
use super::selector::format_label_selector;
use super::table::{self, Row, TableOptions};

const HEADERS: &[&str] = &[
    "Name",
    "Schedule",
    "Timezone",
    "Suspend",
    "Active",
    "Last Schedule",
    "Age",
];
const WIDE_HEADERS: &[&str] = &["Containers", "Images", "Selector"];

/// The CronJob table, as `kubectl get cronjobs` (1.32) prints it.
pub fn cronjobs_table(cronjobs: &[CronJob], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = cronjobs
        .iter()
        .map(|c| cronjob_row(c, now, opts.wide))
        .collect();
    let mut headers = HEADERS.to_vec();
    if opts.wide {
        headers.extend_from_slice(WIDE_HEADERS);
    }
    table::render(&headers, &rows, opts)
}

fn cronjob_row(cj: &CronJob, now: Timestamp, wide: bool) -> Row {
    let spec = &cj.spec;
    let status = cj.status.as_ref();
    let last_schedule = match status.and_then(|s| s.last_schedule_time.as_ref()) {
        Some(t) => since(Some(t.0), now),
        None => "<none>".to_string(),
    };
    let active = status
        .and_then(|s| s.active.as_ref())
        .map_or(0, |a| a.len());
    let mut cells = vec![
        cj.metadata.name.clone().unwrap_or_default(),
        spec.schedule.clone(),
        spec.time_zone
            .clone()
            .unwrap_or_else(|| "<none>".to_string()),
        print_bool_ptr(spec.suspend),
        active.to_string(),
        last_schedule,
        age(cj.metadata.creation_timestamp.as_ref(), now),
    ];
    if wide {
        let job_spec = spec.job_template.spec.as_ref();
        let containers = job_spec
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| s.containers.as_slice())
            .unwrap_or_default();
        let (names, images) = container_cells(containers);
        cells.push(names);
        cells.push(images);
        cells.push(format_label_selector(
            job_spec.and_then(|s| s.selector.as_ref()),
        ));
    }
    Row {
        namespace: cj.metadata.namespace.clone().unwrap_or_default(),
        cells,
    }
}

/// kubectl's `printBoolPtr`: `True`, `False`, or `<unset>`.
pub fn print_bool_ptr(value: Option<bool>) -> String {
    match value {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn cronjob(v: serde_json::Value) -> CronJob {
        serde_json::from_value(v).unwrap()
    }

    /// As the API server stores it: defaults applied, two jobs running.
    fn nightly() -> CronJob {
        cronjob(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "default",
                         "creationTimestamp": "2024-04-28T12:00:00Z"},
            "spec": {
                "schedule": "0 3 * * *", "timeZone": "Europe/Paris",
                "concurrencyPolicy": "Allow", "suspend": false,
                "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                "jobTemplate": {"spec": {
                    "selector": {"matchLabels": {"team": "ops"}},
                    "template": {"spec": {"restartPolicy": "OnFailure", "containers": [
                        {"name": "backup", "image": "dockjob-test/busybox:1"},
                        {"name": "notify", "image": "curl"}]}}}}
            },
            "status": {
                "active": [
                    {"kind": "Job", "name": "nightly-28573380", "namespace": "default"},
                    {"kind": "Job", "name": "nightly-28574820", "namespace": "default"}],
                "lastScheduleTime": "2024-05-01T11:57:00Z"
            }
        }))
    }

    /// Suspended, never scheduled, no zone.
    fn paused() -> CronJob {
        cronjob(json!({
            "metadata": {"name": "every-minute", "namespace": "batch",
                         "creationTimestamp": "2024-05-01T11:59:30Z"},
            "spec": {"schedule": "*/1 * * * *", "suspend": true,
                     "jobTemplate": {"spec": {"template": {"spec": {
                         "containers": [{"name": "c", "image": "i"}]}}}}},
            "status": {}
        }))
    }

    /// Just decoded: no suspend, no status, no creation time.
    fn bare() -> CronJob {
        cronjob(json!({
            "metadata": {"name": "bare"},
            "spec": {"schedule": "@hourly", "jobTemplate": {}}
        }))
    }

    #[test]
    fn table_of_every_kind_of_cronjob() {
        let got = cronjobs_table(
            &[nightly(), paused(), bare()],
            now(),
            &TableOptions::default(),
        );
        let want = "\
NAME           SCHEDULE      TIMEZONE       SUSPEND   ACTIVE   LAST SCHEDULE   AGE
nightly        0 3 * * *     Europe/Paris   False     2        3m              3d
every-minute   */1 * * * *   <none>         True      0        <none>          30s
bare           @hourly       <none>         <unset>   0        <none>          <unknown>
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
        let got = cronjobs_table(&[nightly(), paused()], now(), &opts);
        let want = "\
NAMESPACE   NAME           SCHEDULE      TIMEZONE       SUSPEND   ACTIVE   LAST SCHEDULE   AGE   CONTAINERS      IMAGES                        SELECTOR
default     nightly        0 3 * * *     Europe/Paris   False     2        3m              3d    backup,notify   dockjob-test/busybox:1,curl   team=ops
batch       every-minute   */1 * * * *   <none>         True      0        <none>          30s   c               i                             <none>
";
        assert_eq!(got, want);
    }

    #[test]
    fn no_headers_and_empty() {
        let opts = TableOptions {
            no_headers: true,
            ..Default::default()
        };
        assert_eq!(
            cronjobs_table(&[paused()], now(), &opts),
            "every-minute   */1 * * * *   <none>   True   0     <none>   30s\n"
        );
        assert_eq!(cronjobs_table(&[], now(), &TableOptions::default()), "");
    }
}
