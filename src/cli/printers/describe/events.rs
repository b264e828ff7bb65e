//! The `Events:` section of `describe` (kubectl's `DescribeEvents`): oldest first,
//! `Type Reason Age From Message` with dashed underlines, `<none>` when there are none.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

use super::super::age::{micro_since, since};
use super::{LEVEL_0, LEVEL_1, Writer};

/// kubectl's `SortableEvents` key: the series' last observation, else lastTimestamp,
/// else eventTime (absent times sort first, as Go's zero time does).
fn sort_time(e: &Event) -> Option<Timestamp> {
    if let Some(series) = &e.series {
        return series.last_observed_time.as_ref().map(|t| t.0);
    }
    if let Some(t) = &e.last_timestamp {
        return Some(t.0);
    }
    e.event_time.as_ref().map(|t| t.0)
}

pub(super) fn describe_events(w: &mut Writer, events: &[Event], now: Timestamp) {
    if events.is_empty() {
        w.write(LEVEL_0, "Events:\t<none>\n");
        return;
    }
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| sort_time(e));
    w.write(LEVEL_0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(LEVEL_1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = match &e.event_time {
            Some(t) => micro_since(Some(t), now),
            None => since(e.first_timestamp.as_ref().map(|t| t.0), now),
        };
        let count = e.count.unwrap_or(0);
        let interval = if let Some(series) = &e.series {
            format!(
                "{} (x{} over {first})",
                micro_since(series.last_observed_time.as_ref(), now),
                series.count.unwrap_or(0)
            )
        } else if count > 1 {
            format!(
                "{} (x{count} over {first})",
                since(e.last_timestamp.as_ref().map(|t| t.0), now)
            )
        } else {
            first
        };
        let component = e
            .source
            .as_ref()
            .and_then(|s| s.component.as_deref())
            .filter(|c| !c.is_empty())
            .or(e.reporting_component.as_deref())
            .unwrap_or("");
        w.write(
            LEVEL_1,
            &format!(
                "{}\t{}\t{interval}\t{component}\t{}\n",
                e.type_.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or(""),
                e.message.as_deref().unwrap_or("").trim()
            ),
        );
    }
}
