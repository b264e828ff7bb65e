//! Human durations exactly as kubectl prints them (apimachinery's `HumanDuration`), and
//! the AGE of an object. Pure: the caller passes `now`; this module never reads the clock.

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};

/// kubectl's `duration.HumanDuration`: about two significant figures, so a column of ages
/// stays narrow while still telling "just now" from "a while ago". Up to one second in
/// the future counts as now (clock skew); further in the future is `<invalid>`.
pub fn human_duration(d: SignedDuration) -> String {
    // Go's int(d.Seconds()) truncates toward zero, as as_secs does.
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

/// kubectl's `translateTimestampSince`: how long ago `then` was, or `<unknown>` when the
/// timestamp is absent (Go's zero time).
pub fn since(then: Option<Timestamp>, now: Timestamp) -> String {
    match then {
        Some(t) => human_duration(now.duration_since(t)),
        None => "<unknown>".to_string(),
    }
}

/// The AGE column: time since `metadata.creationTimestamp`.
pub fn age(created: Option<&Time>, now: Timestamp) -> String {
    since(created.map(|t| t.0), now)
}

/// [`age`] for the `MicroTime` fields of events (`eventTime`, `series.lastObservedTime`).
pub fn micro_since(then: Option<&MicroTime>, now: Timestamp) -> String {
    since(then.map(|t| t.0), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i64) -> String {
        human_duration(SignedDuration::from_secs(s))
    }

    #[test]
    fn boundaries_match_kubectl() {
        let cases: &[(i64, &str)] = &[
            (-3, "<invalid>"),
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (1, "1s"),
            (59, "59s"),
            (60, "60s"),
            (119, "119s"),
            (120, "2m"),
            (123, "2m3s"),
            (599, "9m59s"),
            (600, "10m"),
            (659, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 4 * 60, "3h4m"),
            (8 * 3600 - 1, "7h59m"),
            (8 * 3600, "8h"),
            (48 * 3600 - 1, "47h"),
            (48 * 3600, "2d"),
            (51 * 3600, "2d3h"),
            (8 * 24 * 3600 - 1, "7d23h"),
            (8 * 24 * 3600, "8d"),
            (2 * 365 * 24 * 3600 - 1, "729d"),
            (2 * 365 * 24 * 3600, "2y"),
            ((2 * 365 + 5) * 24 * 3600, "2y5d"),
            (8 * 365 * 24 * 3600 - 1, "7y364d"),
            (8 * 365 * 24 * 3600, "8y"),
            (20 * 365 * 24 * 3600, "20y"),
        ];
        for (s, want) in cases {
            assert_eq!(&secs(*s), want, "for {s}s");
        }
    }

    #[test]
    fn sub_second_negative_is_now() {
        let d = SignedDuration::from_millis(-1500);
        assert_eq!(human_duration(d), "0s");
        let d = SignedDuration::from_millis(-2500);
        assert_eq!(human_duration(d), "<invalid>");
        let d = SignedDuration::from_millis(1999);
        assert_eq!(human_duration(d), "1s");
    }

    #[test]
    fn age_of_absent_timestamp_is_unknown() {
        let now: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        assert_eq!(age(None, now), "<unknown>");
        let created = Time("2024-05-01T11:55:30Z".parse().unwrap());
        assert_eq!(age(Some(&created), now), "4m30s");
    }
}
