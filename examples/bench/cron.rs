//! The `cron` part: how late the engine makes the Jobs of CronJobs (issue 8, "cron
//! accuracy": creation time minus scheduled time, p99 <= 1 s).
//!
//! Applies [`EVERY_MINUTE`] CronJobs with schedule `* * * * *` in UTC and [`ZONED`] more
//! in a zone with a half-hour offset (so the scheduled-time annotation is parsed with an
//! offset, and the engine's zone handling is on the measured path), all with a suspended
//! Job template: the Jobs never start a pod, so Docker is not involved and the figure is
//! the controller's alone. Watches the namespace's Jobs over the engine's HTTP watch API
//! (a plain HTTP/1.1 request on its Unix socket, read on a thread of its own so the
//! arrival time is taken as soon as the bytes are read) for [`BOUNDARIES`] minute
//! boundaries, and takes, for each Job, the time its `ADDED` event reached this client
//! (an upper bound of its creation) minus the time in its
//! `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation. Deletes the CronJobs
//! (their Jobs go with them) at the end.
//!
//! Wall-clock bound: it waits for the minute boundaries, 65 to 125 s, whatever the
//! machine's speed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::{Engine, IMAGE, Row, percentile, row};

/// CronJobs scheduled every minute in UTC.
const EVERY_MINUTE: usize = 50;
/// CronJobs scheduled every minute in [`ZONE`].
const ZONED: usize = 10;
/// A zone whose offset is not a whole hour.
const ZONE: &str = "Asia/Kolkata";
/// Minute boundaries measured.
const BOUNDARIES: i64 = 2;
/// Applying this close to a boundary could let it catch only some CronJobs: wait it out.
const MARGIN: SignedDuration = SignedDuration::from_secs(5);
/// How long after the last boundary to wait for its Jobs before giving up.
const GRACE: SignedDuration = SignedDuration::from_secs(30);
const SCHEDULED_ANNOTATION: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// A Job as its `ADDED` event brought it.
#[derive(Debug, Clone)]
struct Added {
    name: String,
    /// When the event's last byte was read.
    arrived: Timestamp,
    scheduled: Option<String>,
}

pub async fn bench(engine: &Engine, run: &str) -> Result<Vec<Row>> {
    let per_minute = EVERY_MINUTE + ZONED;
    let watch = JobWatch::start(&engine.socket, &engine.namespace)?;

    // Apply well clear of a boundary, so each measured boundary catches every CronJob.
    let now = Timestamp::now();
    let next = next_minute(now);
    if next.duration_since(now) < MARGIN {
        let wait = next.duration_since(now) + SignedDuration::from_secs(1);
        eprintln!(
            "bench: cron: waiting {:.1} s for the minute to turn",
            wait.as_secs_f64()
        );
        tokio::time::sleep(Duration::try_from(wait).unwrap_or_default()).await;
    }
    let mut yaml = String::new();
    for i in 0..per_minute {
        let zone = if i < EVERY_MINUTE { "Etc/UTC" } else { ZONE };
        yaml.push_str(&cronjob_yaml(&format!("{run}-c{i}"), zone));
        yaml.push_str("---\n");
    }
    let file = engine.write("cron.yaml", &yaml)?;
    engine.cli(&["apply", "-f", &file])?;
    let applied = Timestamp::now();
    let first = next_minute(applied);
    let last = first + SignedDuration::from_mins(BOUNDARIES - 1);
    let want = per_minute * BOUNDARIES as usize;
    eprintln!(
        "bench: cron: {per_minute} CronJobs applied; waiting for their Jobs at {first} .. {last} ({:.0} s)",
        last.duration_since(applied).as_secs_f64()
    );

    let deadline = last + GRACE;
    while watch.seen() < want && Timestamp::now() < deadline && watch.running() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Jobs past the last boundary (a slow run) are left out below; give the stragglers
    // of the last one a moment after the count is reached.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (added, error) = watch.stop();
    eprintln!("bench: cron: deleting the CronJobs");
    let deleted = engine.cli(&["delete", "cronjobs", "--all"]);
    if let Some(e) = error {
        bail!("the Job watch failed: {e}");
    }
    deleted?;

    let mut late_ms = Vec::new();
    let mut unannotated = 0;
    for a in &added {
        let scheduled = match a.scheduled.as_deref().map(str::parse::<Timestamp>) {
            Some(Ok(t)) => t,
            Some(Err(e)) => bail!(
                "job {}: {SCHEDULED_ANNOTATION} {:?} does not parse: {e}",
                a.name,
                a.scheduled
            ),
            None => {
                // Not one of ours (or made without the annotation): the minute it
                // arrived in stands for its schedule time.
                unannotated += 1;
                floor_minute(a.arrived)
            }
        };
        if scheduled < first || scheduled > last {
            continue;
        }
        late_ms.push(a.arrived.duration_since(scheduled).as_secs_f64() * 1e3);
    }
    let n = late_ms.len();
    let p99 = percentile(&late_ms, 99.0);
    let fmt = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.0} ms"));
    let mut rows = vec![row(
        &format!(
            "cron: Jobs made ({per_minute} CronJobs x {BOUNDARIES} min, {unannotated} unannotated)"
        ),
        n.to_string(),
        &want.to_string(),
        Some(n == want),
    )];
    rows.push(row(
        "cron: scheduled -> Job ADDED at client p50",
        fmt(percentile(&late_ms, 50.0)),
        "",
        None,
    ));
    rows.push(row(
        "cron: scheduled -> Job ADDED at client p99",
        fmt(p99),
        "<= 1000 ms",
        p99.map(|p| p <= 1000.0 && n == want),
    ));
    rows.push(row(
        "cron: scheduled -> Job ADDED at client max",
        fmt(percentile(&late_ms, 100.0)),
        "",
        None,
    ));
    Ok(rows)
}

fn cronjob_yaml(name: &str, zone: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\nspec:\n  schedule: \"* * * * *\"\n  timeZone: {zone}\n  jobTemplate:\n    spec:\n      suspend: true\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: main\n            image: {IMAGE}\n            command: [\"true\"]\n"
    )
}

fn floor_minute(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

/// The first minute boundary strictly after `t`.
fn next_minute(t: Timestamp) -> Timestamp {
    floor_minute(t) + SignedDuration::from_mins(1)
}

/// A watch on a namespace's Jobs, read on a thread of its own.
struct JobWatch {
    stream: UnixStream,
    state: Arc<Mutex<WatchState>>,
    thread: std::thread::JoinHandle<()>,
}

#[derive(Default)]
struct WatchState {
    added: Vec<Added>,
    error: Option<String>,
    done: bool,
}

impl JobWatch {
    /// Connects, sends the request and reads the response head; the events are read on
    /// a thread from then on.
    fn start(socket: &std::path::Path, namespace: &str) -> Result<JobWatch> {
        let mut stream = UnixStream::connect(socket)
            .with_context(|| format!("connecting to {}", socket.display()))?;
        write!(
            stream,
            "GET /apis/batch/v1/namespaces/{namespace}/jobs?watch=1 HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n"
        )
        .context("sending the watch request")?;
        let mut reader = BufReader::new(stream.try_clone().context("cloning the socket")?);
        let mut status = String::new();
        reader
            .read_line(&mut status)
            .context("reading the watch response")?;
        if status.split_whitespace().nth(1) != Some("200") {
            bail!("the Job watch answered {:?}", status.trim());
        }
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).context("reading headers")? == 0 {
                bail!("the Job watch closed in its headers");
            }
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.trim().eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
        let state = Arc::new(Mutex::new(WatchState::default()));
        let sink = state.clone();
        let thread = std::thread::spawn(move || {
            let result = read_events(&mut reader, chunked, &sink);
            if let Ok(mut s) = sink.lock() {
                s.done = true;
                if let Err(e) = result {
                    s.error.get_or_insert(format!("{e:#}"));
                }
            }
        });
        Ok(JobWatch {
            stream,
            state,
            thread,
        })
    }

    fn seen(&self) -> usize {
        self.state.lock().map_or(0, |s| s.added.len())
    }

    fn running(&self) -> bool {
        self.state.lock().is_ok_and(|s| !s.done)
    }

    /// Ends the watch: the events so far, and the error that ended it early if any.
    fn stop(self) -> (Vec<Added>, Option<String>) {
        let early = !self.running();
        let _ = self.stream.shutdown(Shutdown::Both);
        let _ = self.thread.join();
        let Ok(mut s) = self.state.lock() else {
            return (Vec::new(), Some("the watch thread panicked".into()));
        };
        let error = if early {
            Some(s.error.clone().unwrap_or_else(|| "the stream ended".into()))
        } else {
            None
        };
        (std::mem::take(&mut s.added), error)
    }
}

/// Reads the body (chunked or until EOF), handing each complete line to `event`.
fn read_events(
    reader: &mut BufReader<UnixStream>,
    chunked: bool,
    state: &Mutex<WatchState>,
) -> Result<()> {
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let got = if chunked {
            let mut size = String::new();
            if reader.read_line(&mut size)? == 0 {
                return Ok(());
            }
            let hex = size.split(';').next().unwrap_or("").trim();
            let len = usize::from_str_radix(hex, 16)
                .with_context(|| format!("bad chunk size {size:?}"))?;
            if len == 0 {
                return Ok(());
            }
            let mut chunk = vec![0; len];
            reader.read_exact(&mut chunk)?;
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
            chunk
        } else {
            let mut line = Vec::new();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            line
        };
        let arrived = Timestamp::now();
        pending.extend_from_slice(&got);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            event(&line, arrived, state)?;
        }
    }
}

fn event(line: &[u8], arrived: Timestamp, state: &Mutex<WatchState>) -> Result<()> {
    let v: Value = serde_json::from_slice(line).context("a watch line is not JSON")?;
    let type_ = v["type"].as_str().unwrap_or("");
    if type_ == "ERROR" {
        bail!("the watch sent an ERROR: {}", v["object"]);
    }
    if type_ != "ADDED" {
        return Ok(());
    }
    let meta = &v["object"]["metadata"];
    let added = Added {
        name: meta["name"].as_str().unwrap_or("").to_string(),
        arrived,
        scheduled: meta["annotations"][SCHEDULED_ANNOTATION]
            .as_str()
            .map(str::to_string),
    };
    if let Ok(mut s) = state.lock() {
        s.added.push(added);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_boundaries() {
        let t: Timestamp = "2026-11-28T03:20:59.9Z".parse().unwrap_or_default();
        assert_eq!(floor_minute(t).to_string(), "2026-11-28T03:20:00Z");
        assert_eq!(next_minute(t).to_string(), "2026-11-28T03:21:00Z");
        let b: Timestamp = "2026-11-28T03:21:00Z".parse().unwrap_or_default();
        assert_eq!(next_minute(b).to_string(), "2026-11-28T03:22:00Z");
    }

    #[test]
    fn scheduled_time_with_an_offset_is_an_instant() {
        let zoned: Timestamp = "2026-11-28T08:51:00+05:30".parse().unwrap_or_default();
        assert_eq!(zoned.to_string(), "2026-11-28T03:21:00Z");
    }
}
