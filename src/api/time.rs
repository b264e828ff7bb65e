//! Time as Kubernetes writes it: RFC 3339, UTC, whole seconds (`2026-11-27T18:31:43Z`).
//!
//! Only the engine's edges read the wall clock; controllers take `now` as an argument.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// `ts` in Kubernetes' wire format.
pub fn format(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time in Kubernetes' wire format.
pub fn now_rfc3339() -> String {
    format(Timestamp::now())
}

/// The current time truncated to whole seconds, as a stored `Time` would read back.
pub fn now_time() -> Time {
    Time(truncate(Timestamp::now()))
}

/// Drops sub-second precision, so in-memory times equal their stored form.
pub fn truncate(ts: Timestamp) -> Timestamp {
    Timestamp::from_second(ts.as_second()).unwrap_or(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_whole_seconds_utc() {
        let ts: Timestamp = "2026-11-27T18:31:43.987Z".parse().unwrap();
        assert_eq!(format(ts), "2026-11-27T18:31:43Z");
        assert_eq!(format(truncate(ts)), "2026-11-27T18:31:43Z");
        assert_eq!(truncate(ts).subsec_nanosecond(), 0);
    }
}
