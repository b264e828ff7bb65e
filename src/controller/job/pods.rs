//! How the Job controller sees one pod: active, terminating or finished, ready, when it
//! finished, whether it is still tracked, and which pods go first when some must be
//! removed (`controller.ActivePods`, `getFinishedTime`, `isPodFailed`).
//!
//! Pure functions of one pod; no counting across pods and no decisions about the Job.

use std::cmp::Ordering;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodStatus};

/// Marks a pod the controller stopped without counting it: Kubernetes removes the
/// `batch.kubernetes.io/job-tracking` finalizer before it deletes a pod of a suspended
/// Job, a surplus pod, a pod of a duplicate index or a pod left over after the success
/// criteria were met, so such a pod never counts as succeeded or failed. We keep pod
/// records until the Job is deleted, so the engine writes this annotation (value
/// `"true"`) in the same write that sets `deletionTimestamp`.
pub const UNTRACKED_ANNOTATION: &str = "dockjob.io/job-untracked";

/// Where a pod stands, as the Job controller sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PodClass {
    /// Pending or Running, not being deleted (`controller.FilterActivePods`).
    Active,
    /// Marked for deletion and not yet terminal (`controller.FilterTerminatingPods`).
    Terminating,
    Succeeded,
    Failed,
}

pub(super) fn classify(pod: &Pod) -> PodClass {
    match phase(pod) {
        "Succeeded" => PodClass::Succeeded,
        "Failed" => PodClass::Failed,
        _ if pod.metadata.deletion_timestamp.is_some() => PodClass::Terminating,
        _ => PodClass::Active,
    }
}

/// Whether the pod still counts toward the Job (Kubernetes: it still carries the
/// job-tracking finalizer). See [`UNTRACKED_ANNOTATION`].
pub(super) fn is_tracked(pod: &Pod) -> bool {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(UNTRACKED_ANNOTATION))
        .is_none_or(|v| v != "true")
}

/// `isPodFailed`: a Failed pod, or — with `podReplacementPolicy: TerminatingOrFailed`
/// — a pod being deleted that has not succeeded, so its replacement is not held back
/// until it is gone.
pub(super) fn is_pod_failed(pod: &Pod, only_replace_failed: bool) -> bool {
    match classify(pod) {
        PodClass::Failed => true,
        PodClass::Terminating => !only_replace_failed,
        PodClass::Active | PodClass::Succeeded => false,
    }
}

pub(super) fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

pub(super) fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

pub(super) fn pod_name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}

/// When the pod finished (`getFinishedTime`): the latest container `finishedAt` once
/// every container has terminated, else the time its Ready condition turned False,
/// else its deletion time minus the grace period, else its creation time.
pub(super) fn finished_time(pod: &Pod) -> Timestamp {
    let status = pod.status.as_ref();
    if let Some(t) = status.and_then(|s| containers_finished_at(pod, s)) {
        return t;
    }
    let ready_false = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .filter(|c| c.status == "False")
        .and_then(|c| c.last_transition_time.as_ref());
    if let Some(t) = ready_false {
        return t.0;
    }
    if let Some(deleted) = &pod.metadata.deletion_timestamp {
        let grace = pod.metadata.deletion_grace_period_seconds.unwrap_or(0);
        return deleted
            .0
            .checked_sub(jiff::SignedDuration::from_secs(grace))
            .unwrap_or(deleted.0);
    }
    pod.metadata
        .creation_timestamp
        .as_ref()
        .map_or(Timestamp::UNIX_EPOCH, |t| t.0)
}

/// The latest `finishedAt` of the app containers (and of sidecar init containers,
/// which outlive them), or `None` while any of them has not terminated.
fn containers_finished_at(pod: &Pod, status: &PodStatus) -> Option<Timestamp> {
    let sidecars: Vec<&str> = pod
        .spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten())
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    let main = status.container_statuses.iter().flatten();
    let side = status
        .init_container_statuses
        .iter()
        .flatten()
        .filter(|cs| sidecars.contains(&cs.name.as_str()));
    let mut latest: Option<Timestamp> = None;
    for cs in main.chain(side) {
        let t = terminated_at(cs)?;
        latest = Some(latest.map_or(t, |l| l.max(t)));
    }
    latest
}

fn terminated_at(cs: &ContainerStatus) -> Option<Timestamp> {
    let t = cs
        .state
        .as_ref()?
        .terminated
        .as_ref()?
        .finished_at
        .as_ref()?
        .0;
    (t != Timestamp::UNIX_EPOCH).then_some(t)
}

/// Order in which surplus active pods are removed (`controller.ActivePods`): pods
/// that have made the least progress go first.
pub(super) fn removal_order(a: &Pod, b: &Pod) -> Ordering {
    fn assigned(p: &Pod) -> bool {
        p.spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| !n.is_empty())
    }
    fn phase_rank(p: &Pod) -> u8 {
        match phase(p) {
            "Pending" => 0,
            "Unknown" => 1,
            "Running" => 2,
            _ => 3,
        }
    }
    fn restarts(p: &Pod) -> i64 {
        p.status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
            .map(|c| i64::from(c.restart_count))
            .sum()
    }
    fn created(p: &Pod) -> Option<Timestamp> {
        p.metadata.creation_timestamp.as_ref().map(|t| t.0)
    }
    assigned(a)
        .cmp(&assigned(b))
        .then(phase_rank(a).cmp(&phase_rank(b)))
        .then(is_ready(a).cmp(&is_ready(b)))
        // More restarts first.
        .then(restarts(b).cmp(&restarts(a)))
        // Newer first; a pod without a creation time before any other.
        .then(match (created(a), created(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => y.cmp(&x),
        })
        .then_with(|| pod_name(a).cmp(&pod_name(b)))
}
