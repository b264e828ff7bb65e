//! Wall-clock formatting: Go's `log` prefix (`2006/01/02 15:04:05`) and RFC 3339 with
//! nanoseconds (Go's `time.Time` JSON), both in UTC, which is what a container without a
//! zoneinfo database shows.
//!
//! Owns pure conversions from `SystemTime`; it must not print.

use std::time::{SystemTime, UNIX_EPOCH};

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
}

/// Converts a time to UTC fields (Howard Hinnant's days-to-civil algorithm); times before
/// 1970 are clamped to the epoch, which cannot happen on a sane host.
pub fn civil(t: SystemTime) -> Civil {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);

    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);

    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: ((rem % 3600) / 60) as u32,
        second: (rem % 60) as u32,
        nanos: since.subsec_nanos(),
    }
}

/// Go's default `log` prefix: `2006/01/02 15:04:05`.
pub fn log_timestamp(t: SystemTime) -> String {
    let c = civil(t);
    format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// RFC 3339 with trailing-zero-trimmed nanoseconds, as Go's `time.RFC3339Nano`.
pub fn rfc3339_nano(t: SystemTime) -> String {
    let c = civil(t);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    if c.nanos > 0 {
        let frac = format!("{:09}", c.nanos);
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(log_timestamp(at(0, 0)), "1970/01/01 00:00:00");
        // date -u -d @1496687021 => 2017-06-05 18:23:41
        assert_eq!(log_timestamp(at(1_496_687_021, 0)), "2017/06/05 18:23:41");
        // Leap day: date -u -d @1709210096 => 2024-02-29 12:34:56
        assert_eq!(log_timestamp(at(1_709_210_096, 0)), "2024/02/29 12:34:56");
        // End of year: date -u -d @1798761599 => 2026-12-31 23:59:59
        assert_eq!(log_timestamp(at(1_798_761_599, 0)), "2026/12/31 23:59:59");
    }

    #[test]
    fn rfc3339_trims_fraction_like_go() {
        assert_eq!(rfc3339_nano(at(1_496_687_021, 0)), "2017-06-05T18:23:41Z");
        assert_eq!(
            rfc3339_nano(at(1_496_687_021, 120_000_000)),
            "2017-06-05T18:23:41.12Z"
        );
        assert_eq!(
            rfc3339_nano(at(1_496_687_021, 1)),
            "2017-06-05T18:23:41.000000001Z"
        );
    }
}
