//! Which surplus pods go first: `controller.ActivePodsWithRanks.Less`
//! (`pkg/controller/controller_utils.go`), with the `PodDeletionCost` and
//! `LogarithmicScaleDown` features on, as they are by default.
//!
//! Rule 5 of Kubernetes' order (pods doubled up on a node with other pods of the
//! same owner go first) never decides here: its rank counts the pods of the
//! ReplicaSets sharing this ReplicaSet's controller (a Deployment, which dockjob does
//! not run), and every dockjob pod is on the one Docker host anyway.
//!
//! Pure: no clock (`now` is passed in) and no randomness (ties in the logarithmic
//! comparisons fall to the pod uid, as Kubernetes does).

use std::cmp::Ordering;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::{phase, ready_since};

/// `controller.kubernetes.io/pod-deletion-cost`: pods with the lower cost go first.
pub const DELETION_COST_ANNOTATION: &str = "controller.kubernetes.io/pod-deletion-cost";

/// The pods in deletion order, the first to delete first. A stable insertion sort
/// over Kubernetes' `Less`, which is not a total order in every corner (its
/// logarithmic buckets fall back to uids), so no comparison sort may rely on it being
/// one.
pub fn rank_for_deletion<'a>(pods: &[&'a Pod], now: Timestamp) -> Vec<&'a Pod> {
    let mut sorted: Vec<&'a Pod> = pods.to_vec();
    for i in 1..sorted.len() {
        let mut j = i;
        while j > 0 && less(sorted[j], sorted[j - 1], now) {
            sorted.swap(j, j - 1);
            j -= 1;
        }
    }
    sorted
}

/// `ActivePodsWithRanks.Less`: whether `a` should be deleted before `b`.
fn less(a: &Pod, b: &Pod, now: Timestamp) -> bool {
    // 1. Unassigned < assigned.
    let (na, nb) = (node_name(a), node_name(b));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return na.is_empty();
    }
    // 2. Pending < Unknown < Running.
    if phase_ordinal(a) != phase_ordinal(b) {
        return phase_ordinal(a) < phase_ordinal(b);
    }
    // 3. Not ready < ready.
    let (ra, rb) = (ready_since(a), ready_since(b));
    if ra.is_some() != rb.is_some() {
        return ra.is_none();
    }
    // 4. Lower pod-deletion-cost < higher.
    let (ca, cb) = (deletion_cost(a), deletion_cost(b));
    if ca != cb {
        return ca < cb;
    }
    // 5. Doubled up < not doubled up: equal ranks here (see the module docs).
    // 6. Been ready for less time < more time.
    if let (Some(ta), Some(tb)) = (ra, rb)
        && ta != tb
    {
        return newer_first(a, ta, b, tb, now);
    }
    // 7. More container restarts < fewer.
    if max_restarts(a) != max_restarts(b) {
        return max_restarts(a) > max_restarts(b);
    }
    // 8. Empty creation time < newer < older.
    let (ta, tb) = (created(a), created(b));
    if ta != tb {
        return newer_first(a, ta, b, tb, now);
    }
    false
}

/// The time comparison of rules 6 and 8 (`afterOrZero` / `logarithmicRankDiff`):
/// a missing time first; otherwise the later time first, compared in log2 buckets of
/// their age, with the uid breaking ties within a bucket.
fn newer_first(
    a: &Pod,
    ta: Option<Timestamp>,
    b: &Pod,
    tb: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    let (Some(ta), Some(tb)) = (ta, tb) else {
        return ta.is_none();
    };
    match log_age(ta, now).cmp(&log_age(tb, now)) {
        Ordering::Equal => uid(a) < uid(b),
        other => other == Ordering::Less,
    }
}

/// `int64(math.Log2(float64(now - t)))` in nanoseconds, -1 for a time not in the past.
fn log_age(t: Timestamp, now: Timestamp) -> i64 {
    let nanos = now.as_nanosecond() - t.as_nanosecond();
    if nanos > 0 {
        // Truncation toward zero, as Go's int64 conversion.
        (nanos as f64).log2() as i64
    } else {
        -1
    }
}

fn node_name(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

/// `podPhaseToOrdinal`; a phase missing from Kubernetes' map reads as 0.
fn phase_ordinal(pod: &Pod) -> u8 {
    match phase(pod) {
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    }
}

/// `GetDeletionCostFromPodAnnotations`: the annotation as an int32, 0 when absent or
/// unparsable.
fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DELETION_COST_ANNOTATION))
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0)
}

/// `maxContainerRestarts`.
fn max_restarts(pod: &Pod) -> i32 {
    pod.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0)
        .max(0)
}

fn created(pod: &Pod) -> Option<Timestamp> {
    pod.metadata.creation_timestamp.as_ref().map(|t| t.0)
}

fn uid(pod: &Pod) -> &str {
    pod.metadata.uid.as_deref().unwrap_or("")
}
