//! What a log request asks for (the Kubernetes `PodLogOptions`) and the pure slicing of
//! Docker's log text that Docker's own options cannot express.
//!
//! Docker keeps one log per container across in-place restarts (`on-failure`), while the
//! kubelet keeps one file per run. `previous` is therefore answered by time: the lines
//! Docker stamped between the previous run's start (`lastState.terminated.startedAt`,
//! whole seconds in the pod status) and the current run's start (Docker's own
//! `State.StartedAt`, nanoseconds, less a margin for Docker recording the start after the
//! process began writing). Two runs that start within the same second cannot be
//! told apart; the earlier run's lines are then included.

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::Pod;

/// The options of `GET .../pods/NAME/log` the runtime implements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogRequest {
    /// The container (default: the pod's first app container).
    pub container: Option<String>,
    pub follow: bool,
    /// The previous run's window, when `previous` was asked for (see the module docs).
    pub previous: Option<PreviousRun>,
    /// Only lines stamped at or after this instant (`sinceSeconds` / `sinceTime`).
    pub since: Option<Timestamp>,
    /// Prefix each line with its RFC3339Nano time stamp and a space.
    pub timestamps: bool,
    /// Only the last N lines.
    pub tail_lines: Option<u64>,
    /// Stop after this many bytes.
    pub limit_bytes: Option<u64>,
}

/// Bounds of a previous run, as the pod status records it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviousRun {
    /// `lastState.terminated.startedAt` (whole seconds).
    pub started_at: Timestamp,
}

/// The container a log request means: the named one, or the first app container.
pub fn container_name<'a>(pod: &'a Pod, requested: Option<&'a str>) -> Option<&'a str> {
    requested.or_else(|| {
        pod.spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .map(|c| c.name.as_str())
    })
}

/// The previous run of `container` from the pod status (`lastState.terminated`), or the
/// kubelet's error when there is none.
pub fn previous_run(pod: &Pod, container: &str) -> Result<PreviousRun, String> {
    let status = pod.status.as_ref();
    let statuses = status
        .into_iter()
        .flat_map(|s| s.init_container_statuses.iter().flatten())
        .chain(
            status
                .into_iter()
                .flat_map(|s| s.container_statuses.iter().flatten()),
        );
    statuses
        .filter(|cs| cs.name == container)
        .find_map(|cs| {
            cs.last_state
                .as_ref()?
                .terminated
                .as_ref()?
                .started_at
                .clone()
        })
        .map(|t| PreviousRun { started_at: t.0 })
        .ok_or_else(|| {
            format!(
                "previous terminated container \"{container}\" in pod \"{}\" not found",
                pod.metadata.name.as_deref().unwrap_or("")
            )
        })
}

/// How long before Docker's recorded `State.StartedAt` a run's first line may be
/// stamped: Docker records the start a few milliseconds after the process began
/// writing (measured: ~2 ms). Docker waits at least 100 ms after an exit before an
/// `on-failure` restart, so the previous run's last line is older than this margin.
const START_RECORDING_MARGIN: SignedDuration = SignedDuration::from_millis(50);

/// Where the previous run ends: just before the current run's start by Docker's clock
/// (see [`START_RECORDING_MARGIN`]), unless Docker's latest run is itself the previous
/// one (it started in the previous run's second: a container now restarting, or the
/// same-second ambiguity of the module docs), in which case everything from the previous
/// run's start belongs to it.
pub fn previous_run_end(
    prev: PreviousRun,
    docker_started_at: Option<Timestamp>,
) -> Option<Timestamp> {
    let started = docker_started_at?;
    (started.as_second() > prev.started_at.as_second()).then(|| {
        started
            .checked_sub(START_RECORDING_MARGIN)
            .unwrap_or(started)
    })
}

/// Selects from Docker's time-stamped log text (`timestamps=true`, one
/// `RFC3339Nano SP line` per line) the lines in `[from, to)` and at or after `since`,
/// keeps the last `tail` of them, and removes the stamps unless `timestamps`.
pub fn select_lines(
    raw: &[u8],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    since: Option<Timestamp>,
    tail: Option<u64>,
    timestamps: bool,
) -> Vec<u8> {
    let lower = match (from, since) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let mut kept: Vec<&[u8]> = raw
        .split_inclusive(|b| *b == b'\n')
        .filter(|line| {
            let Some((ts, _)) = split_stamp(line) else {
                // An unstamped line (should not happen): keep it only when unfiltered.
                return lower.is_none() && to.is_none();
            };
            lower.is_none_or(|l| ts >= l) && to.is_none_or(|t| ts < t)
        })
        .collect();
    if let Some(n) = tail {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        let skip = kept.len().saturating_sub(n);
        kept.drain(..skip);
    }
    let mut out = Vec::new();
    for line in kept {
        match (timestamps, split_stamp(line)) {
            (false, Some((_, rest))) => out.extend_from_slice(rest),
            _ => out.extend_from_slice(line),
        }
    }
    out
}

/// A line's Docker time stamp and the text after it.
fn split_stamp(line: &[u8]) -> Option<(Timestamp, &[u8])> {
    let space = line.iter().position(|b| *b == b' ')?;
    let stamp = std::str::from_utf8(&line[..space]).ok()?;
    let ts = stamp.parse::<Timestamp>().ok()?;
    Some((ts, &line[space + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const RAW: &[u8] = b"2026-01-01T00:00:01.100000000Z run1 a\n\
2026-01-01T00:00:01.900000000Z run1 b\n\
2026-01-01T00:00:03.250000000Z run2 a\n\
2026-01-01T00:00:04.000000001Z run3 a\n";

    #[test]
    fn previous_run_is_the_window_between_two_starts() {
        let out = select_lines(
            RAW,
            Some(ts("2026-01-01T00:00:03Z")),
            Some(ts("2026-01-01T00:00:04.000000001Z")),
            None,
            None,
            false,
        );
        assert_eq!(out, b"run2 a\n");
    }

    #[test]
    fn tail_since_and_stamps() {
        assert_eq!(
            select_lines(RAW, None, None, None, Some(2), false),
            b"run2 a\nrun3 a\n"
        );
        assert_eq!(
            select_lines(
                RAW,
                None,
                None,
                Some(ts("2026-01-01T00:00:01.5Z")),
                Some(0),
                true
            ),
            b""
        );
        assert_eq!(
            select_lines(
                RAW,
                None,
                None,
                Some(ts("2026-01-01T00:00:01.5Z")),
                Some(1),
                true
            ),
            b"2026-01-01T00:00:04.000000001Z run3 a\n"
        );
        assert_eq!(
            select_lines(
                RAW,
                None,
                None,
                Some(ts("2026-01-01T00:00:01.5Z")),
                None,
                false
            ),
            b"run1 b\nrun2 a\nrun3 a\n"
        );
    }

    #[test]
    fn end_of_previous_run() {
        let prev = PreviousRun {
            started_at: ts("2026-01-01T00:00:03Z"),
        };
        // Docker stamped the new run's first line 2 ms before it recorded the start.
        let later = ts("2026-01-01T00:00:04.5Z");
        assert_eq!(
            previous_run_end(prev, Some(later)),
            Some(ts("2026-01-01T00:00:04.45Z"))
        );
        assert_eq!(
            previous_run_end(prev, Some(ts("2026-01-01T00:00:03.7Z"))),
            None
        );
        assert_eq!(previous_run_end(prev, None), None);
    }

    #[test]
    fn previous_run_from_status_or_kubelets_error() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c"}, {"name": "d"}]},
            "status": {"containerStatuses": [
                {"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 1,
                 "lastState": {"terminated": {"exitCode": 1, "startedAt": "2026-01-01T00:00:03Z", "finishedAt": "2026-01-01T00:00:04Z"}}},
                {"name": "d", "image": "i", "imageID": "", "ready": false, "restartCount": 0, "lastState": {}}
            ]}
        }))
        .unwrap();
        assert_eq!(container_name(&pod, None), Some("c"));
        assert_eq!(container_name(&pod, Some("d")), Some("d"));
        assert_eq!(
            previous_run(&pod, "c").unwrap().started_at,
            ts("2026-01-01T00:00:03Z")
        );
        assert_eq!(
            previous_run(&pod, "d").unwrap_err(),
            "previous terminated container \"d\" in pod \"p\" not found"
        );
    }
}
