//! CronJob schedules: `spec.schedule` and `spec.timeZone` parsed and evaluated exactly as
//! Kubernetes does it with `github.com/robfig/cron/v3` (`cron.ParseStandard` and
//! `SpecSchedule.Next`), plus the controller's `mostRecentScheduleTime` and the API
//! server's `validateScheduleFormat` / `validateTimeZone` with their messages.
//!
//! Why a port rather than a cron crate: Kubernetes users see robfig's error messages at
//! apply (`spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum
//! (59): 61`), and robfig's `Next` has its own daylight-saving behaviour, which a
//! CronJob moved here must keep. The port keeps both, and also `@every <duration>`,
//! which `ParseStandard` (and so Kubernetes) accepts.
//!
//! Semantics (robfig/cron v3, standard parser):
//! - five fields: minute hour day-of-month month day-of-week; `*` and `?` (any), lists
//!   `a,b`, ranges `a-b`, steps `a-b/n`, `*/n` and `a/n` (= `a-max/n`); month names
//!   JAN..DEC and weekday names SUN..SAT, case-insensitive; day-of-week is 0..6 (7 is
//!   refused). When both day fields are restricted (neither starts with `*` or `?`), a
//!   day matches if either matches (Vixie cron); `*/2` counts as restricted.
//! - descriptors `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight`
//!   `@hourly`, and `@every <Go duration>` (a fixed delay after the previous time,
//!   rounded down to whole seconds, at least one second).
//! - `timeZone`: an IANA name, resolved in the tz database bundled into the binary, so
//!   the host's `/usr/share/zoneinfo` is not needed. Names are case-sensitive, as Go's
//!   `time.LoadLocation` on Linux. Without `timeZone` the schedule runs in the engine's
//!   local zone, as Kubernetes runs it in kube-controller-manager's local zone.
//! - Daylight saving, as robfig's `Next` walks the wall clock by adding real hours and
//!   minutes: a wall time that does not exist (spring forward) is skipped that day (a
//!   `30 2 * * *` job in America/New_York does not run on the day 02:00 jumps to 03:00;
//!   an hourly job goes 01:00 -> 03:00); a wall time that occurs twice (fall back) runs
//!   twice (`30 1 * * *` in New York runs at 01:30 EDT and at 01:30 EST; an hourly job
//!   runs at both 01:00s).
//!
//! Must not do I/O or read the clock; the only environment it reads is the engine's
//! local zone, and only through [`parse`] (use [`parse_with_local`] to pass it in).

use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp, Zoned};

use crate::api::validate::{BadValue, FieldError};

/// Kubernetes' message for a `TZ=` or `CRON_TZ=` prefix (`validateScheduleFormat`).
pub const TZ_IN_SCHEDULE_MSG: &str =
    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
/// Kubernetes' message for `timeZone: Local` (`validateTimeZone`).
pub const LOCAL_TIME_ZONE_MSG: &str =
    "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones";
/// `mostRecentScheduleTime`'s error for a schedule that never fires twice (e.g.
/// `0 0 30 2 *`).
pub const UNSATISFIABLE_MSG: &str = "time difference between two schedules is less than 1 second";
/// More missed start times than this give the TooManyMissedTimes warning.
pub const MANY_MISSED: i64 = 100;

/// Why a schedule or time zone is refused. `Display` is Kubernetes' text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// robfig/cron's parse error, word for word (`end of range (61) above maximum (59): 61`).
    #[error("{0}")]
    Invalid(String),
    /// The schedule names its zone with `TZ=` / `CRON_TZ=`.
    #[error("{TZ_IN_SCHEDULE_MSG}")]
    TzInSchedule,
    /// Not an IANA zone name Go's `time.LoadLocation` knows.
    #[error("unknown time zone {0}")]
    UnknownTimeZone(String),
    /// `timeZone: Local` (any case).
    #[error("{LOCAL_TIME_ZONE_MSG}")]
    LocalTimeZone,
    /// The schedule is valid but never fires twice.
    #[error("{UNSATISFIABLE_MSG}")]
    Unsatisfiable,
}

/// A parsed schedule in its time zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    kind: Kind,
    tz: TimeZone,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// Bit sets as robfig keeps them: bit n set when value n matches; [`STAR_BIT`] when
    /// the field started with `*` or `?` (and had no step above 1).
    Spec {
        minute: u64,
        hour: u64,
        dom: u64,
        month: u64,
        dow: u64,
    },
    /// `@every`: whole seconds, at least 1.
    Every(i64),
}

/// robfig's `starBit`.
const STAR_BIT: u64 = 1 << 63;

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// Parse `spec.schedule` in `spec.timeZone` (the engine's local zone when `None`), as
/// the controller uses it. A schedule containing `TZ` is refused (apply refuses it
/// too); use [`parse_standard`] to accept robfig's prefix as a legacy object needs.
pub fn parse(schedule: &str, time_zone: Option<&str>) -> Result<Schedule, ScheduleError> {
    parse_with_local(schedule, time_zone, &TimeZone::system())
}

/// [`parse`] with the zone that stands for "no timeZone" given by the caller.
pub fn parse_with_local(
    schedule: &str,
    time_zone: Option<&str>,
    local: &TimeZone,
) -> Result<Schedule, ScheduleError> {
    if schedule.contains("TZ") {
        return Err(ScheduleError::TzInSchedule);
    }
    let tz = match time_zone {
        Some(name) => resolve_time_zone(name)?,
        None => local.clone(),
    };
    parse_standard(schedule, &tz).map_err(ScheduleError::Invalid)
}

/// robfig's `cron.ParseStandard`, with `default_tz` standing for `time.Local`: accepts
/// a `TZ=<zone> ` / `CRON_TZ=<zone> ` prefix, descriptors and five fields. The error is
/// robfig's message.
pub fn parse_standard(spec: &str, default_tz: &TimeZone) -> Result<Schedule, String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    let mut spec = spec;
    let mut tz = default_tz.clone();
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let eq = spec.find('=').unwrap_or(0);
        // Go would panic slicing a prefix without a space after it; say what is wrong.
        let end = spec.find(' ').unwrap_or(spec.len());
        let name = spec.get(eq + 1..end).unwrap_or("");
        tz = load_location(name).map_err(|e| format!("provided bad location {name}: {e}"))?;
        spec = spec[end..].trim();
    }
    if spec.starts_with('@') {
        let kind = parse_descriptor(spec)?;
        return Ok(Schedule { kind, tz });
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    let kind = Kind::Spec {
        minute: get_field(fields[0], &MINUTES)?,
        hour: get_field(fields[1], &HOURS)?,
        dom: get_field(fields[2], &DOM)?,
        month: get_field(fields[3], &MONTHS)?,
        dow: get_field(fields[4], &DOW)?,
    };
    Ok(Schedule { kind, tz })
}

fn get_field(field: &str, r: &Bounds) -> Result<u64, String> {
    let mut bits = 0;
    for expr in field.split(',').filter(|e| !e.is_empty()) {
        bits |= get_range(expr, r)?;
    }
    Ok(bits)
}

/// `number | number "-" number [ "/" number ]`, with robfig's checks in robfig's order.
fn get_range(expr: &str, r: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_and_high.len() == 1;
    let (start, mut end, mut extra);
    if low_and_high[0] == "*" || low_and_high[0] == "?" {
        start = r.min;
        end = r.max;
        extra = STAR_BIT;
    } else {
        start = parse_int_or_name(low_and_high[0], r)?;
        end = match low_and_high.len() {
            1 => start,
            2 => parse_int_or_name(low_and_high[1], r)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1])?;
            // "N/step" means "N-max/step".
            if single {
                end = r.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < r.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            r.min
        ));
    }
    if end > r.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            r.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = 0u64;
    let mut i = start;
    while i <= end {
        bits |= 1 << i;
        i = i.saturating_add(step);
    }
    Ok(bits | extra)
}

fn parse_int_or_name(expr: &str, r: &Bounds) -> Result<u32, String> {
    let lower = expr.to_lowercase();
    if let Some((_, v)) = r.names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    must_parse_int(expr)
}

/// `mustParseInt`: Go's `strconv.Atoi` and its messages, negatives refused. Values
/// beyond `u32` are clamped: they fail the range check with their own number anyway.
fn must_parse_int(expr: &str) -> Result<u32, String> {
    let num: i64 = expr.parse().map_err(|e: std::num::ParseIntError| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!("failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: {why}")
    })?;
    if num < 0 {
        return Err(format!("negative number ({num}) not allowed: {expr}"));
    }
    Ok(u32::try_from(num).unwrap_or(u32::MAX))
}

fn all(r: &Bounds) -> u64 {
    let mut bits = 0u64;
    for i in r.min..=r.max {
        bits |= 1 << i;
    }
    bits | STAR_BIT
}

fn parse_descriptor(descriptor: &str) -> Result<Kind, String> {
    let spec = |minute: u64, hour: u64, dom: u64, month: u64, dow: u64| Kind::Spec {
        minute,
        hour,
        dom,
        month,
        dow,
    };
    match descriptor {
        "@yearly" | "@annually" => return Ok(spec(1, 1, 1 << 1, 1 << 1, all(&DOW))),
        "@monthly" => return Ok(spec(1, 1, 1 << 1, all(&MONTHS), all(&DOW))),
        "@weekly" => return Ok(spec(1, 1, all(&DOM), all(&MONTHS), 1)),
        "@daily" | "@midnight" => return Ok(spec(1, 1, all(&DOM), all(&MONTHS), all(&DOW))),
        "@hourly" => return Ok(spec(1, all(&HOURS), all(&DOM), all(&MONTHS), all(&DOW))),
        _ => {}
    }
    if let Some(d) = descriptor.strip_prefix("@every ") {
        let nanos = go_parse_duration(d)
            .map_err(|e| format!("failed to parse duration {descriptor}: {e}"))?;
        // `Every`: below one second means one second; rounded down to whole seconds.
        let secs = if nanos < 1_000_000_000 {
            1
        } else {
            i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX)
        };
        return Ok(Kind::Every(secs));
    }
    Err(format!("unrecognized descriptor: {descriptor}"))
}

/// Go's `time.ParseDuration`, in nanoseconds, with its error messages.
fn go_parse_duration(orig: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let mut s = orig;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: i128 = 1 << 63;
    let mut d: i128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: i128 = 0;
        for c in &b[..int_len] {
            v = v * 10 + i128::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        s = &s[int_len..];
        let pre = int_len > 0;
        let (mut f, mut scale, mut post) = (0i128, 1f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in rest[..frac_len].bytes() {
                if overflow {
                    continue;
                }
                if f > (i128::from(i64::MAX) - 9) / 10 {
                    overflow = true;
                    continue;
                }
                f = f * 10 + i128::from(c - b'0');
                scale *= 10.0;
            }
            post = frac_len > 0;
            s = &rest[frac_len..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {orig:?}"));
        }
        let u = &s[..unit_len];
        s = &s[unit_len..];
        let unit: i128 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {u:?} in duration {orig:?}")),
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            // Go computes this in float64 and truncates.
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            let add = (f as f64 * (unit as f64 / scale)) as i128;
            v += add;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        d += v;
        if d > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok(-d);
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(d)
}

/// The tz database compiled into the binary (jiff's `tzdb-bundle-always`), so zone
/// lookups never depend on the host.
fn bundled_db() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Go's `time.LoadLocation` for the names a CronJob may carry: `""` and `UTC` are UTC,
/// anything else must be an IANA name spelled exactly (Go on Linux opens a file of that
/// name, so the case matters). `Local` is not resolved here: callers refuse it first.
fn load_location(name: &str) -> Result<TimeZone, ScheduleError> {
    if name.is_empty() || name == "UTC" {
        return Ok(TimeZone::UTC);
    }
    let unknown = || ScheduleError::UnknownTimeZone(name.to_string());
    let tz = bundled_db().get(name).map_err(|_| unknown())?;
    // jiff matches names case-insensitively; Go does not.
    if tz.iana_name() != Some(name) {
        return Err(unknown());
    }
    Ok(tz)
}

/// Go's `time.LoadLocation` as the CronJob controller calls it on `spec.timeZone`:
/// `Local` is the engine's local zone (only the API server refuses it).
pub fn load_location_with_local(name: &str, local: &TimeZone) -> Result<TimeZone, ScheduleError> {
    if name == "Local" {
        return Ok(local.clone());
    }
    load_location(name)
}

/// Resolve `spec.timeZone` as the API server accepts it (`time.LoadLocation`, with
/// `Local` refused).
pub fn resolve_time_zone(name: &str) -> Result<TimeZone, ScheduleError> {
    if name.eq_ignore_ascii_case("Local") {
        return Err(ScheduleError::LocalTimeZone);
    }
    load_location(name)
}

/// `validateScheduleFormat` plus the Required check of `validateCronJobSpec`: the
/// errors for `spec.schedule` at path `path`. `old_schedule` is the stored schedule on
/// an update: an object that already had `TZ` in its schedule may keep it, as long as
/// `timeZone` is not also set.
pub fn validate_schedule(
    schedule: &str,
    old_schedule: Option<&str>,
    time_zone: Option<&str>,
    path: &str,
) -> Vec<FieldError> {
    if schedule.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let mut errs = Vec::new();
    let value = || BadValue::Str(schedule.to_string());
    if let Err(e) = parse_standard(schedule, &TimeZone::UTC) {
        errs.push(FieldError::invalid(path, value(), e));
    }
    let allow_tz = old_schedule.is_some_and(|s| s.contains("TZ"));
    if schedule.contains("TZ") {
        if !allow_tz {
            errs.push(FieldError::invalid(path, value(), TZ_IN_SCHEDULE_MSG));
        } else if time_zone.is_some() {
            errs.push(FieldError::invalid(
                path,
                value(),
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        }
    }
    errs
}

/// `validateTimeZone`: the errors for `spec.timeZone` at `path`. Kubernetes checks it
/// only on create and when an update changes it.
pub fn validate_time_zone(time_zone: Option<&str>, path: &str) -> Vec<FieldError> {
    let Some(tz) = time_zone else {
        return Vec::new();
    };
    let value = || BadValue::Str(tz.to_string());
    if tz.is_empty() {
        return vec![FieldError::invalid(
            path,
            value(),
            "timeZone must be nil or non-empty string",
        )];
    }
    let part_ok = |p: &str| {
        p != "."
            && p != ".."
            && !p.starts_with('-')
            && (1..=14).contains(&p.len())
            && p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b".-_+".contains(&c))
    };
    if !tz.split('/').all(part_ok) {
        return vec![FieldError::invalid(
            path,
            value(),
            format!("unknown time zone {tz}"),
        )];
    }
    let mut errs = Vec::new();
    if tz.eq_ignore_ascii_case("Local") {
        errs.push(FieldError::invalid(path, value(), LOCAL_TIME_ZONE_MSG));
    }
    // Go's LoadLocation("Local") succeeds; any other spelling is looked up.
    if tz != "Local"
        && let Err(e) = load_location(tz)
    {
        errs.push(FieldError::invalid(path, value(), e.to_string()));
    }
    errs
}

impl Schedule {
    /// The zone the schedule is evaluated in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// robfig's `Next`: the first activation strictly after `t`, or `None` when none
    /// comes within five years (e.g. `0 0 30 2 *`).
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        // Go's `t.Nanosecond()` is never negative.
        let nanos = t.as_nanosecond().rem_euclid(1_000_000_000);
        match self.kind {
            Kind::Every(secs) => {
                let delay = i128::from(secs) * 1_000_000_000 - nanos;
                Timestamp::from_nanosecond(t.as_nanosecond() + delay).ok()
            }
            Kind::Spec {
                minute,
                hour,
                dom,
                month,
                dow,
            } => {
                let start = t.as_nanosecond() - nanos + 1_000_000_000;
                let start = Timestamp::from_nanosecond(start).ok()?;
                spec_next(
                    &Bits {
                        minute,
                        hour,
                        dom,
                        month,
                        dow,
                    },
                    &self.tz,
                    start,
                )
            }
        }
    }
}

struct Bits {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
}

fn has(bits: u64, v: i8) -> bool {
    u32::try_from(v).is_ok_and(|v| v < 64 && bits & (1 << v) != 0)
}

/// `dayMatches`: both day fields must match unless both are restricted, then either.
fn day_matches(s: &Bits, z: &Zoned) -> bool {
    let dom_match = has(s.dom, z.day());
    let dow_match = has(s.dow, z.weekday().to_sunday_zero_offset());
    if s.dom & STAR_BIT != 0 || s.dow & STAR_BIT != 0 {
        dom_match && dow_match
    } else {
        dom_match || dow_match
    }
}

fn add_secs(z: &Zoned, secs: i64) -> Option<Zoned> {
    z.timestamp()
        .checked_add(SignedDuration::from_secs(secs))
        .ok()
        .map(|t| t.to_zoned(z.time_zone().clone()))
}

/// Go's `time.Date(year, month, day, hour, min, sec, 0, loc)`: out-of-range months and
/// days carry over, and a wall time in a gap or a repeat resolves as Go resolves it
/// (look up the offset at the wall time read as UTC; if the result falls outside that
/// offset's period, use the offset in force at the result instead).
fn go_date(
    year: i16,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    tz: &TimeZone,
) -> Option<Zoned> {
    let y = i64::from(year) + (month - 1).div_euclid(12);
    let m = i8::try_from((month - 1).rem_euclid(12) + 1).ok()?;
    let first = Date::new(i16::try_from(y).ok()?, m, 1).ok()?;
    let date = first
        .checked_add(jiff::Span::new().try_days(day - 1).ok()?)
        .ok()?;
    let wall = date.to_datetime(jiff::civil::Time::midnight());
    let as_utc =
        wall.to_zoned(TimeZone::UTC).ok()?.timestamp().as_second() + hour * 3600 + min * 60 + sec;
    let offset_at = |secs: i64| -> Option<i64> {
        let ts = Timestamp::from_second(secs).ok()?;
        Some(i64::from(tz.to_offset(ts).seconds()))
    };
    let mut offset = offset_at(as_utc)?;
    if offset != 0 {
        let utc = as_utc - offset;
        let at_utc = offset_at(utc)?;
        if at_utc != offset {
            offset = at_utc;
        }
    }
    Some(
        Timestamp::from_second(as_utc - offset)
            .ok()?
            .to_zoned(tz.clone()),
    )
}

/// `SpecSchedule.Next` from `t` (already the next whole second), field by field with
/// wrap-around, exactly as robfig walks it.
fn spec_next(s: &Bits, tz: &TimeZone, t: Timestamp) -> Option<Timestamp> {
    let mut z = t.to_zoned(tz.clone());
    let mut added = false;
    let year_limit = z.year() + 5;
    'wrap: loop {
        if z.year() > year_limit {
            return None;
        }
        while !has(s.month, z.month()) {
            if !added {
                added = true;
                z = go_date(z.year(), i64::from(z.month()), 1, 0, 0, 0, tz)?;
            }
            // AddDate(0, 1, 0)
            z = go_date(
                z.year(),
                i64::from(z.month()) + 1,
                i64::from(z.day()),
                i64::from(z.hour()),
                i64::from(z.minute()),
                i64::from(z.second()),
                tz,
            )?;
            if z.month() == 1 {
                continue 'wrap;
            }
        }
        while !day_matches(s, &z) {
            if !added {
                added = true;
                z = go_date(
                    z.year(),
                    i64::from(z.month()),
                    i64::from(z.day()),
                    0,
                    0,
                    0,
                    tz,
                )?;
            }
            // AddDate(0, 0, 1)
            z = go_date(
                z.year(),
                i64::from(z.month()),
                i64::from(z.day()) + 1,
                i64::from(z.hour()),
                i64::from(z.minute()),
                i64::from(z.second()),
                tz,
            )?;
            // Midnight may not exist (DST at 00:00): robfig moves back to the day start.
            let h = i64::from(z.hour());
            if h != 0 {
                z = if h > 12 {
                    add_secs(&z, (24 - h) * 3600)?
                } else {
                    add_secs(&z, -h * 3600)?
                };
            }
            if z.day() == 1 {
                continue 'wrap;
            }
        }
        while !has(s.hour, z.hour()) {
            if !added {
                added = true;
                z = go_date(
                    z.year(),
                    i64::from(z.month()),
                    i64::from(z.day()),
                    i64::from(z.hour()),
                    0,
                    0,
                    tz,
                )?;
            }
            z = add_secs(&z, 3600)?;
            if z.hour() == 0 {
                continue 'wrap;
            }
        }
        while !has(s.minute, z.minute()) {
            if !added {
                added = true;
                // Go's Truncate(time.Minute) works on absolute time.
                let secs = z.timestamp().as_second();
                z = Timestamp::from_second(secs - secs.rem_euclid(60))
                    .ok()?
                    .to_zoned(tz.clone());
            }
            z = add_secs(&z, 60)?;
            if z.minute() == 0 {
                continue 'wrap;
            }
        }
        // The standard parser's seconds field is always 0.
        while z.second() != 0 {
            added = true;
            z = add_secs(&z, 1)?;
            if z.second() == 0 {
                continue 'wrap;
            }
        }
        return Some(z.timestamp());
    }
}

/// How many start times were missed (`missedSchedulesType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    None,
    Few,
    /// More than [`MANY_MISSED`].
    Many,
}

/// What `mostRecentScheduleTime` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MostRecent {
    /// The last schedule time, or the CronJob's creation time, possibly moved to
    /// `now - startingDeadlineSeconds`.
    pub earliest: Timestamp,
    /// The most recent time a Job should have been created, at or before `now`.
    pub time: Option<Timestamp>,
    pub missed: Missed,
}

/// The controller's `mostRecentScheduleTime`, with the earliest time already chosen by
/// the caller. Like Kubernetes it counts the missed times by dividing the elapsed time
/// by the first interval (so at most a couple of `next_after` calls, never a walk over
/// years) and then walks only the last interval.
pub fn most_recent(
    schedule: &Schedule,
    earliest: Timestamp,
    now: Timestamp,
) -> Result<MostRecent, ScheduleError> {
    let none = MostRecent {
        earliest,
        time: None,
        missed: Missed::None,
    };
    let t1 = schedule.next_after(earliest);
    let t2 = t1.and_then(|t| schedule.next_after(t));
    if let Some(t1) = t1
        && now < t1
    {
        return Ok(none);
    }
    if let (Some(t1), Some(t2)) = (t1, t2)
        && now < t2
    {
        return Ok(MostRecent {
            time: Some(t1),
            ..none
        });
    }
    let (Some(t1), Some(t2)) = (t1, t2) else {
        return Err(ScheduleError::Unsatisfiable);
    };
    // `t2.Sub(t1).Round(time.Second)`; the times are whole seconds.
    let between = (t2.as_nanosecond() - t1.as_nanosecond() + 500_000_000).div_euclid(1_000_000_000);
    if between < 1 {
        return Err(ScheduleError::Unsatisfiable);
    }
    let elapsed = (now.as_nanosecond() - t1.as_nanosecond()) / 1_000_000_000;
    let missed_count = elapsed / between + 1;
    let potential_secs = (missed_count - 2) * between;
    let mut recent = None;
    let potential = Timestamp::from_nanosecond(t1.as_nanosecond() + potential_secs * 1_000_000_000)
        .map_err(|_| ScheduleError::Unsatisfiable)?;
    let mut t = schedule.next_after(potential);
    while let Some(tt) = t {
        if tt > now {
            break;
        }
        recent = Some(tt);
        t = schedule.next_after(tt);
    }
    let missed = if missed_count > i128::from(MANY_MISSED) {
        Missed::Many
    } else if missed_count > 0 {
        Missed::Few
    } else {
        Missed::None
    };
    Ok(MostRecent {
        earliest,
        time: recent,
        missed,
    })
}

#[cfg(test)]
mod tests;
