//! The pod-failure backoff (`backoff_utils.go`): how long pod creation waits after
//! failures, for the whole Job and, with `backoffLimitPerIndex`, per index.
//!
//! Kubernetes keeps the Job-wide record in memory and updates it per sync; here it is
//! derived from the pods every time, so an engine restart neither resets nor skips it.
//! Must not decide which pods exist or count; callers pass the pods that matter.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::indexed;
use super::pods::finished_time;

/// First delay before a failed pod is replaced (`DefaultJobPodFailureBackOff`).
pub const DEFAULT_POD_FAILURE_BACKOFF: Duration = Duration::from_secs(10);
/// Cap of the doubling pod-failure delay (`MaxJobPodFailureBackOff`, 10 minutes).
pub const MAX_POD_FAILURE_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// How long pod creation must still wait (`backoffRecord.getRemainingTime`): failures
/// are the failed pods that finished after the last succeeded pod finished; 10 s after
/// the first, doubling per further failure, capped at 10 minutes, measured from the
/// last failure's finish time.
pub(super) fn job_remaining(succeeded: &[&Pod], failed: &[&Pod], now: Timestamp) -> Duration {
    let last_success = succeeded.iter().map(|p| finished_time(p)).max();
    let failures: Vec<Timestamp> = failed
        .iter()
        .map(|p| finished_time(p))
        .filter(|t| last_success.is_none_or(|s| *t > s))
        .collect();
    let Some(last_failure) = failures.iter().max().copied() else {
        return Duration::ZERO;
    };
    remaining_for(failures.len(), last_failure, now)
}

/// How long the replacement for one index must wait (`getRemainingTimePerIndex`): the
/// index's failures so far are the absolute failure count of its last failed pod plus
/// that pod itself.
pub(super) fn index_remaining(last_failed: Option<&Pod>, now: Timestamp) -> Duration {
    let Some(pod) = last_failed else {
        return Duration::ZERO;
    };
    let failures = usize::try_from(indexed::absolute_failure_count(pod)).unwrap_or(0) + 1;
    remaining_for(failures, finished_time(pod), now)
}

fn remaining_for(failures: usize, last_failure: Timestamp, now: Timestamp) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    backoff_for_failures(failures).saturating_sub(elapsed_between(last_failure, now))
}

/// The delay after `failures` consecutive failures: 10 s, 20 s, 40 s, … at most 10 min.
pub(super) fn backoff_for_failures(failures: usize) -> Duration {
    let mut delay = DEFAULT_POD_FAILURE_BACKOFF;
    for _ in 1..failures {
        delay = delay.saturating_mul(2);
        if delay >= MAX_POD_FAILURE_BACKOFF {
            return MAX_POD_FAILURE_BACKOFF;
        }
    }
    delay
}

/// `now - since`, zero when `since` lies in the future (clock skew between Docker's
/// timestamps and ours must not extend a wait).
pub(super) fn elapsed_between(since: Timestamp, now: Timestamp) -> Duration {
    Duration::try_from(now.duration_since(since)).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let got: Vec<u64> = [1, 2, 3, 4, 5, 6, 7, 8, 50]
            .iter()
            .map(|n| backoff_for_failures(*n).as_secs())
            .collect();
        assert_eq!(got, [10, 20, 40, 80, 160, 320, 600, 600, 600]);
    }

    #[test]
    fn elapsed_is_zero_for_a_future_instant() {
        let now = Timestamp::from_second(100).unwrap_or(Timestamp::UNIX_EPOCH);
        let later = Timestamp::from_second(130).unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(elapsed_between(later, now), Duration::ZERO);
        assert_eq!(elapsed_between(now, later), Duration::from_secs(30));
    }
}
