//! Tests of the robfig/cron port: robfig's own tables (`spec_test.go`, `parser_test.go`)
//! rewritten for the five-field parser, daylight saving in New York and Berlin, the
//! API server's messages and `mostRecentScheduleTime`.

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s}: {e}"))
}

fn tz(name: &str) -> TimeZone {
    resolve_time_zone(name).unwrap_or_else(|e| panic!("zone {name}: {e}"))
}

fn sched(spec: &str, zone: &str) -> Schedule {
    parse_with_local(spec, Some(zone), &TimeZone::UTC).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn next(spec: &str, zone: &str, from: &str) -> Option<Timestamp> {
    sched(spec, zone).next_after(ts(from))
}

fn parse_err(spec: &str) -> String {
    match parse_standard(spec, &TimeZone::UTC) {
        Ok(_) => panic!("{spec} parsed"),
        Err(e) => e,
    }
}

/// robfig `TestActivation`: does the schedule fire exactly at the time?
#[test]
fn activation_table() {
    let cases: &[(&str, &str, bool)] = &[
        // Every fifteen minutes.
        ("2012-07-09T15:00:00Z", "0/15 * * * *", true),
        ("2012-07-09T15:45:00Z", "0/15 * * * *", true),
        ("2012-07-09T15:40:00Z", "0/15 * * * *", false),
        // Every fifteen minutes, starting at 5 minutes.
        ("2012-07-09T15:05:00Z", "5/15 * * * *", true),
        ("2012-07-09T15:20:00Z", "5/15 * * * *", true),
        ("2012-07-09T15:50:00Z", "5/15 * * * *", true),
        // Named months.
        ("2012-07-15T15:00:00Z", "0/15 * * Jul *", true),
        ("2012-07-15T15:00:00Z", "0/15 * * Jun *", false),
        // Everything set.
        ("2012-07-15T08:30:00Z", "30 08 ? Jul Sun", true),
        ("2012-07-15T08:30:00Z", "30 08 15 Jul ?", true),
        ("2012-07-16T08:30:00Z", "30 08 ? Jul Sun", false),
        ("2012-07-16T08:30:00Z", "30 08 15 Jul ?", false),
        // Predefined schedules.
        ("2012-07-09T15:00:00Z", "@hourly", true),
        ("2012-07-09T15:04:00Z", "@hourly", false),
        ("2012-07-09T15:00:00Z", "@daily", false),
        ("2012-07-09T00:00:00Z", "@daily", true),
        ("2012-07-09T00:00:00Z", "@midnight", true),
        ("2012-07-09T00:00:00Z", "@weekly", false),
        ("2012-07-08T00:00:00Z", "@weekly", true),
        ("2012-07-08T01:00:00Z", "@weekly", false),
        ("2012-07-08T00:00:00Z", "@monthly", false),
        ("2012-07-01T00:00:00Z", "@monthly", true),
        ("2012-01-01T00:00:00Z", "@yearly", true),
        ("2012-01-01T00:00:00Z", "@annually", true),
        ("2012-07-01T00:00:00Z", "@yearly", false),
        // Both day fields restricted: either matches (Vixie cron).
        ("2012-07-15T00:00:00Z", "* * 1,15 * Sun", true),
        ("2012-06-15T00:00:00Z", "* * 1,15 * Sun", true),
        ("2012-08-01T00:00:00Z", "* * 1,15 * Sun", true),
        ("2012-07-15T00:00:00Z", "* * */10 * Sun", true),
        ("2012-07-22T00:00:00Z", "0 0 1 * MON-FRI", false), // a Sunday, not the 1st
        ("2012-07-23T00:00:00Z", "0 0 1 * MON-FRI", true),  // a Monday
        // One of them a star: both must match.
        ("2012-07-15T00:00:00Z", "* * * * Mon", false),
        ("2012-07-09T00:00:00Z", "* * 1,15 * *", false),
        ("2012-07-15T00:00:00Z", "* * 1,15 * *", true),
        ("2012-07-15T00:00:00Z", "* * */2 * Sun", true),
        // `?` is `*`, names are case-insensitive, ranges and steps combine.
        ("2012-07-15T00:00:00Z", "0 0 ? * sun", true),
        ("2012-07-17T10:20:00Z", "20 8-12/2 * * TUE", true),
        ("2012-07-17T09:20:00Z", "20 8-12/2 * * TUE", false),
        ("2012-07-17T12:20:00Z", "20 8-12/2 * jan-dec tue", true),
        ("2012-07-17T12:45:00Z", "5,25,45 * * * *", true),
    ];
    for (time, spec, want) in cases {
        let at = ts(time);
        let got = sched(spec, "UTC")
            .next_after(at.checked_sub(SignedDuration::from_secs(1)).unwrap_or(at));
        assert_eq!(got == Some(at), *want, "{spec} at {time}: next is {got:?}");
    }
}

/// robfig `TestNext`, the five-field cases and every daylight-saving case.
#[test]
fn next_table_with_daylight_saving_in_new_york() {
    let ny = "America/New_York";
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "2012-07-09T14:45:00Z",
            "0/15 * * * *",
            "UTC",
            "2012-07-09T15:00:00Z",
        ),
        (
            "2012-07-09T14:59:00Z",
            "0/15 * * * *",
            "UTC",
            "2012-07-09T15:00:00Z",
        ),
        (
            "2012-07-09T14:59:59Z",
            "0/15 * * * *",
            "UTC",
            "2012-07-09T15:00:00Z",
        ),
        // Wrap around hours, days, months, years.
        (
            "2012-07-09T15:45:00Z",
            "20-35/15 * * * *",
            "UTC",
            "2012-07-09T16:20:00Z",
        ),
        (
            "2012-07-09T23:46:00Z",
            "*/15 * * * *",
            "UTC",
            "2012-07-10T00:00:00Z",
        ),
        (
            "2012-07-09T23:45:00Z",
            "20-35/15 * * * *",
            "UTC",
            "2012-07-10T00:20:00Z",
        ),
        (
            "2012-07-09T23:35:51Z",
            "20-35/15 1/2 * * *",
            "UTC",
            "2012-07-10T01:20:00Z",
        ),
        (
            "2012-07-09T23:35:51Z",
            "20-35/15 10-12 * * *",
            "UTC",
            "2012-07-10T10:20:00Z",
        ),
        (
            "2012-07-09T23:35:51Z",
            "20-35/15 1/2 */2 * *",
            "UTC",
            "2012-07-11T01:20:00Z",
        ),
        (
            "2012-07-09T23:35:51Z",
            "20-35/15 * 9-20 * *",
            "UTC",
            "2012-07-10T00:20:00Z",
        ),
        (
            "2012-07-09T23:35:51Z",
            "20-35/15 * 9-20 Jul *",
            "UTC",
            "2012-07-10T00:20:00Z",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 9 Apr-Oct ?",
            "UTC",
            "2012-08-09T00:00:00Z",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 */5 Apr,Aug,Oct Mon",
            "UTC",
            "2012-08-01T00:00:00Z",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 */5 Oct Mon",
            "UTC",
            "2012-10-01T00:00:00Z",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 * Feb Mon",
            "UTC",
            "2013-02-04T00:00:00Z",
        ),
        (
            "2012-07-09T23:35:00Z",
            "0 0 * Feb Mon/2",
            "UTC",
            "2013-02-01T00:00:00Z",
        ),
        (
            "2012-12-31T23:59:45Z",
            "* * * * *",
            "UTC",
            "2013-01-01T00:00:00Z",
        ),
        // Leap year.
        (
            "2012-07-09T23:35:00Z",
            "0 0 29 Feb ?",
            "UTC",
            "2016-02-29T00:00:00Z",
        ),
        // Spring forward, 2am EST -> 3am EDT: 02:30 does not exist on the 11th, so the
        // yearly 02:30 job runs the next year.
        (
            "2012-03-11T00:00:00-05:00",
            "30 2 11 Mar ?",
            ny,
            "2013-03-11T02:30:00-04:00",
        ),
        // Hourly: 01:00 EST, then 03:00 EDT.
        (
            "2012-03-11T00:00:00-05:00",
            "0 * * * ?",
            ny,
            "2012-03-11T01:00:00-05:00",
        ),
        (
            "2012-03-11T01:00:00-05:00",
            "0 * * * ?",
            ny,
            "2012-03-11T03:00:00-04:00",
        ),
        (
            "2012-03-11T03:00:00-04:00",
            "0 * * * ?",
            ny,
            "2012-03-11T04:00:00-04:00",
        ),
        (
            "2012-03-11T04:00:00-04:00",
            "0 * * * ?",
            ny,
            "2012-03-11T05:00:00-04:00",
        ),
        // 1am nightly job.
        (
            "2012-03-11T00:00:00-05:00",
            "0 1 * * ?",
            ny,
            "2012-03-11T01:00:00-05:00",
        ),
        (
            "2012-03-11T01:00:00-05:00",
            "0 1 * * ?",
            ny,
            "2012-03-12T01:00:00-04:00",
        ),
        // 2am nightly job: skipped on the day of the gap.
        (
            "2012-03-11T00:00:00-05:00",
            "0 2 * * ?",
            ny,
            "2012-03-12T02:00:00-04:00",
        ),
        // Fall back, 2am EDT -> 1am EST.
        (
            "2012-11-04T00:00:00-04:00",
            "30 2 04 Nov ?",
            ny,
            "2012-11-04T02:30:00-05:00",
        ),
        (
            "2012-11-04T01:45:00-04:00",
            "30 1 04 Nov ?",
            ny,
            "2012-11-04T01:30:00-05:00",
        ),
        // Hourly: both 01:00s.
        (
            "2012-11-04T00:00:00-04:00",
            "0 * * * ?",
            ny,
            "2012-11-04T01:00:00-04:00",
        ),
        (
            "2012-11-04T01:00:00-04:00",
            "0 * * * ?",
            ny,
            "2012-11-04T01:00:00-05:00",
        ),
        (
            "2012-11-04T01:00:00-05:00",
            "0 * * * ?",
            ny,
            "2012-11-04T02:00:00-05:00",
        ),
        // 1am nightly job runs twice.
        (
            "2012-11-04T00:00:00-04:00",
            "0 1 * * ?",
            ny,
            "2012-11-04T01:00:00-04:00",
        ),
        (
            "2012-11-04T01:00:00-04:00",
            "0 1 * * ?",
            ny,
            "2012-11-04T01:00:00-05:00",
        ),
        (
            "2012-11-04T01:00:00-05:00",
            "0 1 * * ?",
            ny,
            "2012-11-05T01:00:00-05:00",
        ),
        // 2am and 3am nightly jobs run once.
        (
            "2012-11-04T00:00:00-04:00",
            "0 2 * * ?",
            ny,
            "2012-11-04T02:00:00-05:00",
        ),
        (
            "2012-11-04T02:00:00-05:00",
            "0 2 * * ?",
            ny,
            "2012-11-05T02:00:00-05:00",
        ),
        (
            "2012-11-04T00:00:00-04:00",
            "0 3 * * ?",
            ny,
            "2012-11-04T03:00:00-05:00",
        ),
        (
            "2012-11-04T03:00:00-05:00",
            "0 3 * * ?",
            ny,
            "2012-11-05T03:00:00-05:00",
        ),
        // Monthly job.
        (
            "2012-11-04T00:00:00-04:00",
            "0 3 3 * ?",
            ny,
            "2012-12-03T03:00:00-05:00",
        ),
        // Midnight does not exist in Sao Paulo on DST days (robfig #157).
        (
            "2018-10-17T05:00:00-04:00",
            "0 9 10 * ?",
            "America/Sao_Paulo",
            "2018-11-10T06:00:00-05:00",
        ),
        (
            "2018-02-14T05:00:00-05:00",
            "0 9 22 * ?",
            "America/Sao_Paulo",
            "2018-02-22T07:00:00-05:00",
        ),
        // robfig `TestNextWithTz`.
        (
            "2016-01-03T13:09:03+05:30",
            "14 14 * * *",
            "Asia/Kolkata",
            "2016-01-03T14:14:00+05:30",
        ),
        (
            "2016-01-03T04:09:03+05:30",
            "14 14 * * ?",
            "Asia/Kolkata",
            "2016-01-03T14:14:00+05:30",
        ),
    ];
    for (from, spec, zone, want) in cases {
        assert_eq!(
            next(spec, zone, from),
            Some(ts(want)),
            "{spec} in {zone} after {from}"
        );
    }
}

/// Europe/Berlin: 2021-03-28 02:00 CET -> 03:00 CEST; 2021-10-31 03:00 CEST -> 02:00 CET.
#[test]
fn daylight_saving_in_berlin() {
    let be = "Europe/Berlin";
    let cases: &[(&str, &str, &str)] = &[
        // Gap: 02:30 does not exist on the 28th; the daily job runs on the 29th.
        (
            "2021-03-28T00:00:00+01:00",
            "30 2 * * *",
            "2021-03-29T02:30:00+02:00",
        ),
        (
            "2021-03-27T02:30:00+01:00",
            "30 2 * * *",
            "2021-03-29T02:30:00+02:00",
        ),
        // Hourly across the gap: 01:00 CET, then 03:00 CEST.
        (
            "2021-03-28T01:00:00+01:00",
            "0 * * * *",
            "2021-03-28T03:00:00+02:00",
        ),
        // Every 15 minutes across the gap: 01:45 CET, then 03:00 CEST.
        (
            "2021-03-28T01:45:00+01:00",
            "*/15 * * * *",
            "2021-03-28T03:00:00+02:00",
        ),
        // Repeat: 02:30 happens twice and the daily job runs at both.
        (
            "2021-10-31T00:00:00+02:00",
            "30 2 * * *",
            "2021-10-31T02:30:00+02:00",
        ),
        (
            "2021-10-31T02:30:00+02:00",
            "30 2 * * *",
            "2021-10-31T02:30:00+01:00",
        ),
        (
            "2021-10-31T02:30:00+01:00",
            "30 2 * * *",
            "2021-11-01T02:30:00+01:00",
        ),
        // Hourly through the repeat: 02:00 CEST, 02:00 CET, 03:00 CET.
        (
            "2021-10-31T01:00:00+02:00",
            "0 * * * *",
            "2021-10-31T02:00:00+02:00",
        ),
        (
            "2021-10-31T02:00:00+02:00",
            "0 * * * *",
            "2021-10-31T02:00:00+01:00",
        ),
        (
            "2021-10-31T02:00:00+01:00",
            "0 * * * *",
            "2021-10-31T03:00:00+01:00",
        ),
        // A daily job outside the change keeps its wall time on both sides.
        (
            "2021-03-27T12:00:00+01:00",
            "0 9 * * *",
            "2021-03-28T09:00:00+02:00",
        ),
        (
            "2021-10-30T12:00:00+02:00",
            "0 9 * * *",
            "2021-10-31T09:00:00+01:00",
        ),
    ];
    for (from, spec, want) in cases {
        assert_eq!(
            next(spec, be, from),
            Some(ts(want)),
            "{spec} in Berlin after {from}"
        );
    }
}

#[test]
fn the_zone_decides_the_wall_clock() {
    let from = "2024-01-15T00:00:00Z";
    assert_eq!(
        next("0 9 * * *", "UTC", from),
        Some(ts("2024-01-15T09:00:00Z"))
    );
    assert_eq!(
        next("0 9 * * *", "Asia/Tokyo", from),
        Some(ts("2024-01-16T00:00:00Z"))
    );
    assert_eq!(
        next("0 9 * * *", "America/New_York", from),
        Some(ts("2024-01-15T14:00:00Z"))
    );
    assert_eq!(
        next("0 9 * * *", "Etc/UTC", from),
        Some(ts("2024-01-15T09:00:00Z"))
    );
    // No timeZone: the local zone the caller passes.
    let s =
        parse_with_local("0 9 * * *", None, &tz("Asia/Tokyo")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.next_after(ts(from)), Some(ts("2024-01-16T00:00:00Z")));
}

#[test]
fn unsatisfiable_schedules_have_no_next_time() {
    assert_eq!(next("0 0 30 Feb ?", "UTC", "2012-07-09T23:35:00Z"), None);
    assert_eq!(next("0 0 31 Apr ?", "UTC", "2012-07-09T23:35:00Z"), None);
}

#[test]
fn every_descriptor() {
    let s = sched("@every 1h30m", "UTC");
    assert_eq!(
        s.next_after(ts("2024-01-01T00:00:00.5Z")),
        Some(ts("2024-01-01T01:30:00Z"))
    );
    // Below a second counts as a second; fractions of a second are dropped.
    let s = sched("@every 10ms", "UTC");
    assert_eq!(
        s.next_after(ts("2024-01-01T00:00:00Z")),
        Some(ts("2024-01-01T00:00:01Z"))
    );
    let s = sched("@every 1.9s", "UTC");
    assert_eq!(
        s.next_after(ts("2024-01-01T00:00:00Z")),
        Some(ts("2024-01-01T00:00:01Z"))
    );
    assert_eq!(
        parse_err("@every 1d"),
        r#"failed to parse duration @every 1d: time: unknown unit "d" in duration "1d""#
    );
    assert_eq!(
        parse_err("@every Xm"),
        r#"failed to parse duration @every Xm: time: invalid duration "Xm""#
    );
    assert_eq!(
        parse_err("@every 5"),
        r#"failed to parse duration @every 5: time: missing unit in duration "5""#
    );
}

#[test]
fn go_durations() {
    let cases: &[(&str, i128)] = &[
        ("0", 0),
        ("5s", 5_000_000_000),
        ("+5s", 5_000_000_000),
        ("-5s", -5_000_000_000),
        ("1h30m", 5_400_000_000_000),
        ("1.5h", 5_400_000_000_000),
        (".5s", 500_000_000),
        ("1µs", 1_000),
        ("2ms", 2_000_000),
        ("3ns", 3),
    ];
    for (s, want) in cases {
        assert_eq!(go_parse_duration(s), Ok(*want), "{s}");
    }
    for bad in ["", "-", ".", "1..5s", "s", "1h 30m"] {
        assert!(go_parse_duration(bad).is_err(), "{bad}");
    }
}

/// robfig's messages (parser_test.go), which Kubernetes shows at apply.
#[test]
fn parse_errors_are_robfigs() {
    let cases: &[(&str, &str)] = &[
        ("", "empty spec string"),
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        (
            "0 * * * * *",
            "expected exactly 5 fields, found 6: [0 * * * * *]",
        ),
        ("xyz", "expected exactly 5 fields, found 1: [xyz]"),
        ("61 * * * *", "end of range (61) above maximum (59): 61"),
        ("0 24 * * *", "end of range (24) above maximum (23): 24"),
        ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("0 0 * 13 *", "end of range (13) above maximum (12): 13"),
        ("0 0 * * 7", "end of range (7) above maximum (6): 7"),
        (
            "5 j * * *",
            r#"failed to parse int from j: strconv.Atoi: parsing "j": invalid syntax"#,
        ),
        (
            "0 0 * * XYZ",
            r#"failed to parse int from XYZ: strconv.Atoi: parsing "XYZ": invalid syntax"#,
        ),
        ("5--5 * * * *", "too many hyphens: 5--5"),
        ("*//2 * * * *", "too many slashes: *//2"),
        ("*/-12 * * * *", "negative number (-12) not allowed: -12"),
        (
            "5-3 * * * *",
            "beginning of range (5) beyond end of range (3): 5-3",
        ),
        (
            "*/0 * * * *",
            "step of range should be a positive number: */0",
        ),
        (
            "15/0 * * * *",
            "step of range should be a positive number: 15/0",
        ),
        ("@unrecognized", "unrecognized descriptor: @unrecognized"),
        ("@daily ", "unrecognized descriptor: @daily "),
        (
            "99999999999999999999 * * * *",
            r#"failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range"#,
        ),
        (
            "TZ=Mars/Olympus * * * * *",
            "provided bad location Mars/Olympus: unknown time zone Mars/Olympus",
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(parse_err(spec), *want, "{spec:?}");
    }
}

#[test]
fn bits_match_robfigs() {
    let Kind::Spec {
        minute, dow, dom, ..
    } = sched("5-7/2,1 * */10 * *", "UTC").kind
    else {
        panic!("not a spec schedule");
    };
    assert_eq!(minute, 1 << 1 | 1 << 5 | 1 << 7);
    // `*/10` clears the star bit; `*` keeps it.
    assert_eq!(dom, 1 << 1 | 1 << 11 | 1 << 21 | 1 << 31);
    assert_eq!(dow, 0x7f | STAR_BIT);
    let Kind::Spec { minute, .. } = sched("*/1 * * * *", "UTC").kind else {
        panic!("not a spec schedule");
    };
    assert_eq!(minute, 0x0fff_ffff_ffff_ffff | STAR_BIT);
}

#[test]
fn tz_prefix_is_refused_by_parse_and_kept_by_parse_standard() {
    assert_eq!(
        parse("TZ=UTC 0 * * * *", None).err(),
        Some(ScheduleError::TzInSchedule)
    );
    assert_eq!(
        ScheduleError::TzInSchedule.to_string(),
        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    );
    // A legacy object's prefix works as in robfig.
    let s = parse_standard("CRON_TZ=Asia/Tokyo 0 9 * * *", &TimeZone::UTC)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.next_after(ts("2024-01-15T00:00:00Z")),
        Some(ts("2024-01-16T00:00:00Z"))
    );
    let s =
        parse_standard("TZ=UTC  @midnight", &tz("Asia/Tokyo")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.next_after(ts("2024-01-15T01:00:00Z")),
        Some(ts("2024-01-16T00:00:00Z"))
    );
}

#[test]
fn time_zones_come_from_the_bundled_database() {
    assert_eq!(tz("Europe/Berlin").iana_name(), Some("Europe/Berlin"));
    assert_eq!(resolve_time_zone("UTC").ok(), Some(TimeZone::UTC));
    assert_eq!(
        resolve_time_zone("Mars/Olympus")
            .err()
            .map(|e| e.to_string()),
        Some("unknown time zone Mars/Olympus".to_string())
    );
    // Go's LoadLocation on Linux is case-sensitive.
    assert_eq!(
        resolve_time_zone("europe/berlin").err(),
        Some(ScheduleError::UnknownTimeZone("europe/berlin".into()))
    );
    assert_eq!(
        resolve_time_zone("Local").err(),
        Some(ScheduleError::LocalTimeZone)
    );
    assert_eq!(
        parse("0 * * * *", Some("Mars/Olympus")).err(),
        Some(ScheduleError::UnknownTimeZone("Mars/Olympus".into()))
    );
}

fn shown(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(|e| e.to_string()).collect()
}

#[test]
fn schedule_validation_messages() {
    let p = "spec.schedule";
    assert_eq!(
        shown(&validate_schedule("TZ=UTC 0 * * * *", None, None, p)),
        [
            r#"spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#
        ]
    );
    assert_eq!(
        shown(&validate_schedule("61 * * * *", None, None, p)),
        [r#"spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61"#]
    );
    assert_eq!(
        shown(&validate_schedule("CRON_TZ=Mars 0 * * * *", None, None, p)),
        [
            r#"spec.schedule: Invalid value: "CRON_TZ=Mars 0 * * * *": provided bad location Mars: unknown time zone Mars"#,
            r#"spec.schedule: Invalid value: "CRON_TZ=Mars 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#,
        ]
    );
    assert_eq!(
        shown(&validate_schedule("", None, None, p)),
        ["spec.schedule: Required value"]
    );
    for ok in [
        "*/1 * * * ?",
        "@hourly",
        "@every 5m",
        "0 9 * * MON-FRI",
        "0 0 1 JAN *",
    ] {
        assert!(validate_schedule(ok, None, None, p).is_empty(), "{ok}");
    }
    // An old object with TZ may keep it, unless timeZone is set too.
    assert!(validate_schedule("TZ=UTC 0 * * * *", Some("TZ=UTC 1 * * * *"), None, p).is_empty());
    assert_eq!(
        shown(&validate_schedule(
            "TZ=UTC 0 * * * *",
            Some("TZ=UTC 0 * * * *"),
            Some("UTC"),
            p
        )),
        [
            r#"spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule"#
        ]
    );
}

#[test]
fn time_zone_validation_messages() {
    let p = "spec.timeZone";
    assert_eq!(
        shown(&validate_time_zone(Some("Mars/Olympus"), p)),
        [r#"spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus"#]
    );
    // The e2e "should support timezone" case.
    assert_eq!(
        shown(&validate_time_zone(Some("bad-time-zone"), p)),
        [r#"spec.timeZone: Invalid value: "bad-time-zone": unknown time zone bad-time-zone"#]
    );
    assert_eq!(
        shown(&validate_time_zone(
            Some("America/Argentina/Buenos_Aires"),
            p
        )),
        Vec::<String>::new()
    );
    assert_eq!(
        shown(&validate_time_zone(Some("Europe/../etc"), p)),
        [r#"spec.timeZone: Invalid value: "Europe/../etc": unknown time zone Europe/../etc"#]
    );
    assert_eq!(
        shown(&validate_time_zone(Some(""), p)),
        [r#"spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string"#]
    );
    assert_eq!(
        shown(&validate_time_zone(Some("Local"), p)),
        [
            r#"spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"#
        ]
    );
    assert!(validate_time_zone(None, p).is_empty());
    assert!(validate_time_zone(Some("UTC"), p).is_empty());
    assert!(validate_time_zone(Some("Etc/GMT+5"), p).is_empty());
}

#[test]
fn most_recent_schedule_time() {
    let s = sched("*/1 * * * *", "UTC");
    let t = |m: i64| {
        ts("2024-05-01T10:00:00Z")
            .checked_add(SignedDuration::from_mins(m))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    };
    // Nothing due yet.
    let r = most_recent(
        &s,
        t(0),
        t(0).checked_add(SignedDuration::from_secs(30))
            .unwrap_or(t(0)),
    );
    assert_eq!(
        (r.clone().map(|r| r.time), r.map(|r| r.missed)),
        (Ok(None), Ok(Missed::None))
    );
    // Exactly one due.
    let r = most_recent(&s, t(0), t(1));
    assert_eq!(
        r.map(|r| (r.time, r.missed)),
        Ok((Some(t(1)), Missed::None))
    );
    // Five missed: the most recent one, "few".
    let r = most_recent(
        &s,
        t(0),
        t(5).checked_add(SignedDuration::from_secs(20))
            .unwrap_or(t(5)),
    );
    assert_eq!(r.map(|r| (r.time, r.missed)), Ok((Some(t(5)), Missed::Few)));
    // 101 missed is "many"; still the most recent one.
    let r = most_recent(&s, t(0), t(101));
    assert_eq!(
        r.map(|r| (r.time, r.missed)),
        Ok((Some(t(101)), Missed::Many))
    );
    let r = most_recent(&s, t(0), t(100));
    assert_eq!(r.map(|r| r.missed), Ok(Missed::Few));
    // 98 days of minutes: found without walking them.
    let r = most_recent(&s, t(0), t(98 * 24 * 60));
    assert_eq!(
        r.map(|r| (r.time, r.missed)),
        Ok((Some(t(98 * 24 * 60)), Missed::Many))
    );
    // Irregular schedule: the most recent weekday slot.
    let s = sched("30 6-16/4 * * 1-5", "UTC");
    let r = most_recent(&s, ts("2024-05-01T00:00:00Z"), ts("2024-05-06T12:00:00Z"));
    assert_eq!(r.map(|r| r.time), Ok(Some(ts("2024-05-06T10:30:00Z"))));
    // A schedule that never fires.
    let s = sched("59 23 31 2 *", "UTC");
    assert_eq!(
        most_recent(&s, t(0), t(10)).err(),
        Some(ScheduleError::Unsatisfiable)
    );
}
