//! `get events`: kubectl's event table (printers.go `printEvent`): LAST SEEN, TYPE,
//! REASON, OBJECT, MESSAGE; `-o wide` adds SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME.
//! Rows keep the order they are given in: `kubectl get events` does not sort either.
//!
//! Also `kubectl events` (cmd/events `EventPrinter`): LAST SEEN with `(xN over D)`,
//! OBJECT as `Kind/name`, sorted by the time each event was last seen.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

use super::age::{micro_since, since};
use super::table::{self, Row, TableOptions};

const HEADERS: &[&str] = &["Last Seen", "Type", "Reason", "Object", "Message"];
const WIDE_HEADERS: &[&str] = &[
    "Last Seen",
    "Type",
    "Reason",
    "Object",
    "Subobject",
    "Source",
    "Message",
    "First Seen",
    "Count",
    "Name",
];

/// The event table, as `kubectl get events` (1.32) prints it.
pub fn events_table(events: &[Event], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = events
        .iter()
        .map(|e| event_row(e, now, opts.wide))
        .collect();
    let headers = if opts.wide { WIDE_HEADERS } else { HEADERS };
    table::render(headers, &rows, opts)
}

/// `firstTimestamp`, else `eventTime` (events of the events.k8s.io API set only that).
pub fn first_seen(e: &Event, now: Timestamp) -> String {
    match &e.first_timestamp {
        Some(t) => since(Some(t.0), now),
        None => micro_since(e.event_time.as_ref(), now),
    }
}

/// printers.go `formatEventSource`: component (or reporting controller), then host (or
/// reporting instance) when there is one.
fn event_source(e: &Event) -> String {
    let nonempty = |s: Option<&String>| s.filter(|s| !s.is_empty()).cloned();
    let source = e.source.as_ref();
    let component = nonempty(source.and_then(|s| s.component.as_ref()))
        .or_else(|| nonempty(e.reporting_component.as_ref()))
        .unwrap_or_default();
    match nonempty(source.and_then(|s| s.host.as_ref()))
        .or_else(|| nonempty(e.reporting_instance.as_ref()))
    {
        Some(instance) => format!("{component}, {instance}"),
        None => component,
    }
}

fn event_row(e: &Event, now: Timestamp, wide: bool) -> Row {
    let first = first_seen(e, now);
    let mut last = match &e.last_timestamp {
        Some(t) => since(Some(t.0), now),
        None => first.clone(),
    };
    let mut count = e.count.unwrap_or(0);
    if let Some(series) = &e.series {
        last = micro_since(series.last_observed_time.as_ref(), now);
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let obj = &e.involved_object;
    let kind = obj.kind.as_deref().unwrap_or("").to_lowercase();
    let target = match obj.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{kind}/{name}"),
        None => kind,
    };
    let message = e.message.as_deref().unwrap_or("").trim().to_string();
    let kind_of = e.type_.clone().unwrap_or_default();
    let reason = e.reason.clone().unwrap_or_default();
    let cells = if wide {
        vec![
            last,
            kind_of,
            reason,
            target,
            obj.field_path.clone().unwrap_or_default(),
            event_source(e),
            message,
            first,
            count.to_string(),
            e.metadata.name.clone().unwrap_or_default(),
        ]
    } else {
        vec![last, kind_of, reason, target, message]
    };
    Row {
        namespace: e.metadata.namespace.clone().unwrap_or_default(),
        cells,
    }
}

/// The time `kubectl events` sorts by (cmd/events `eventTime`): the series' last
/// observation, else `lastTimestamp`, else `eventTime`.
pub fn event_time(e: &Event) -> Option<Timestamp> {
    if let Some(series) = &e.series {
        return series.last_observed_time.as_ref().map(|t| t.0);
    }
    e.last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
}

/// Sorts as `kubectl events` does: oldest first (absent times first, like Go's zero).
pub fn sort_by_event_time(events: &mut [Event]) {
    events.sort_by_key(event_time);
}

/// cmd/events `getInterval`: `9m53s`, or `30s (x4 over 9m)` for a repeated event.
pub fn event_interval(e: &Event, now: Timestamp) -> String {
    let first = match &e.event_time {
        Some(t) => since(Some(t.0), now),
        None => since(e.first_timestamp.as_ref().map(|t| t.0), now),
    };
    if let Some(series) = &e.series {
        let last = micro_since(series.last_observed_time.as_ref(), now);
        return format!("{last} (x{} over {first})", series.count.unwrap_or(0));
    }
    let count = e.count.unwrap_or(0);
    if count > 1 {
        let last = since(e.last_timestamp.as_ref().map(|t| t.0), now);
        return format!("{last} (x{count} over {first})");
    }
    first
}

/// The `kubectl events` table. `header` says whether to print the header row (the
/// printer prints it once, above the first rows, unless `--no-headers`).
pub fn kubectl_events_table(
    events: &[Event],
    now: Timestamp,
    header: bool,
    all_namespaces: bool,
) -> String {
    kubectl_events_table_with(events, now, header, all_namespaces, false)
}

/// [`kubectl_events_table`]; `raw` leaves the cells tab-separated for `events -w`,
/// whose writer aligns each new event against the widths already printed.
pub fn kubectl_events_table_with(
    events: &[Event],
    now: Timestamp,
    header: bool,
    all_namespaces: bool,
    raw: bool,
) -> String {
    let rows: Vec<Row> = events
        .iter()
        .map(|e| {
            let obj = &e.involved_object;
            Row {
                namespace: e.metadata.namespace.clone().unwrap_or_default(),
                cells: vec![
                    event_interval(e, now),
                    e.type_.clone().unwrap_or_default(),
                    e.reason.clone().unwrap_or_default(),
                    format!(
                        "{}/{}",
                        obj.kind.as_deref().unwrap_or(""),
                        obj.name.as_deref().unwrap_or("")
                    ),
                    e.message.as_deref().unwrap_or("").trim().to_string(),
                ],
            }
        })
        .collect();
    let opts = TableOptions {
        wide: false,
        no_headers: !header,
        show_namespace: all_namespaces,
        kind_prefix: None,
        colour: false,
        raw,
    };
    table::render(HEADERS, &rows, &opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn events() -> Vec<Event> {
        serde_json::from_value(json!([
            {"metadata": {"name": "oneshot.17c1", "namespace": "default"},
             "involvedObject": {"kind": "Job", "name": "oneshot", "namespace": "default"},
             "reason": "SuccessfulCreate", "message": "Created pod: oneshot-x7k2p",
             "source": {"component": "job-controller"},
             "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:50:00Z",
             "count": 1, "type": "Normal"},
            {"metadata": {"name": "oneshot-x7k2p.17c2", "namespace": "default"},
             "involvedObject": {"kind": "Pod", "name": "oneshot-x7k2p", "namespace": "default",
                                "fieldPath": "spec.containers{main}"},
             "reason": "BackOff", "message": "Back-off restarting failed container main\n",
             "source": {"component": "kubelet", "host": "dockjob"},
             "firstTimestamp": "2024-05-01T11:51:00Z", "lastTimestamp": "2024-05-01T11:59:30Z",
             "count": 4, "type": "Warning"},
            {"metadata": {"name": "new-style.17c3", "namespace": "default"},
             "involvedObject": {"kind": "Job", "name": "oneshot"},
             "reason": "Completed", "message": "Job completed",
             "reportingComponent": "job-controller",
             "eventTime": "2024-05-01T11:50:07.000000Z", "type": "Normal"}
        ]))
        .unwrap()
    }

    #[test]
    fn event_table() {
        let got = events_table(&events(), now(), &TableOptions::default());
        let want = "\
LAST SEEN   TYPE      REASON             OBJECT              MESSAGE
10m         Normal    SuccessfulCreate   job/oneshot         Created pod: oneshot-x7k2p
30s         Warning   BackOff            pod/oneshot-x7k2p   Back-off restarting failed container main
9m53s       Normal    Completed          job/oneshot         Job completed
";
        assert_eq!(got, want);
    }

    #[test]
    fn kubectl_events_sorted_with_repeats() {
        let mut evs = events();
        sort_by_event_time(&mut evs);
        let got = kubectl_events_table(&evs, now(), true, false);
        let want = "\
LAST SEEN          TYPE      REASON             OBJECT              MESSAGE
10m                Normal    SuccessfulCreate   Job/oneshot         Created pod: oneshot-x7k2p
9m53s              Normal    Completed          Job/oneshot         Job completed
30s (x4 over 9m)   Warning   BackOff            Pod/oneshot-x7k2p   Back-off restarting failed container main
";
        assert_eq!(got, want);
        let one = kubectl_events_table(&evs[..1], now(), false, true);
        assert_eq!(
            one,
            "default   10m   Normal   SuccessfulCreate   Job/oneshot   Created pod: oneshot-x7k2p\n"
        );
    }

    #[test]
    fn wide_event_table() {
        let opts = TableOptions {
            wide: true,
            ..Default::default()
        };
        let got = events_table(&events()[1..], now(), &opts);
        let want = "\
LAST SEEN   TYPE      REASON      OBJECT              SUBOBJECT               SOURCE             MESSAGE                                     FIRST SEEN   COUNT   NAME
30s         Warning   BackOff     pod/oneshot-x7k2p   spec.containers{main}   kubelet, dockjob   Back-off restarting failed container main   9m           4       oneshot-x7k2p.17c2
9m53s       Normal    Completed   job/oneshot                                 job-controller     Job completed                               9m53s        1       new-style.17c3
";
        assert_eq!(got, want);
    }
}
