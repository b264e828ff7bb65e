//! The ReplicaSet controller as a pure function: `reconcile(rs, pods, now) ->
//! ReplicaSetPlan`.
//!
//! Owns the decision of what an apps/v1 ReplicaSet needs next, with the semantics of
//! `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`, `manageReplicas`,
//! `calculateStatus`) and `pkg/controller/controller_utils.go` (`FilterActivePods`,
//! `ActivePodsWithRanks`, `slowStartBatch`): which orphan pods to adopt and which
//! owned pods to release (`ClaimPods`), how many pods to create, which surplus pods to
//! delete, the status to write and when to look again.
//!
//! Level-triggered: every count comes from the pods passed in (all pods of the
//! ReplicaSet's namespace), never from the previous status or from events. Kubernetes'
//! creation/deletion expectations are not needed: the engine's store is read after its
//! own writes, so the next reconcile always sees the pods this one made.
//!
//! Must not do I/O, read the clock or draw random numbers: the caller passes `now`,
//! and the store names the pods it is asked to create (`metadata.generateName`).

mod claim;
mod rank;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::selector::Selector;
use crate::controller::pod_template::{controller_ref, pod_from_template};

pub use claim::{Claim, claim_pods};
pub use rank::{DELETION_COST_ANNOTATION, rank_for_deletion};

/// `BurstReplicas`: at most this many pods are created or deleted by one reconcile,
/// so one huge ReplicaSet cannot starve the others.
pub const BURST_REPLICAS: usize = 500;
/// `SlowStartInitialBatchSize`: the first batch of creations; each fully successful
/// batch doubles the next.
pub const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;
/// The one condition type the ReplicaSet controller writes.
pub const REPLICA_FAILURE: &str = "ReplicaFailure";
/// `spec.replicas` when unset (API defaulting normally fills it in).
pub const DEFAULT_REPLICAS: i32 = 1;

/// Event reasons of `RealPodControl` (`controller_utils.go`), which the ReplicaSet
/// controller records on itself.
pub mod reason {
    pub const SUCCESSFUL_CREATE: &str = "SuccessfulCreate";
    pub const FAILED_CREATE: &str = "FailedCreate";
    pub const SUCCESSFUL_DELETE: &str = "SuccessfulDelete";
    pub const FAILED_DELETE: &str = "FailedDelete";
}

/// What one reconcile of a ReplicaSet decided. The engine executes it; nothing here
/// has happened yet.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSetPlan {
    /// Orphan pods (no controller) whose labels match the selector: the engine adds a
    /// controller ownerReference to this ReplicaSet ([`ReplicaSetPlan::owner_ref`]).
    pub adopt: Vec<String>,
    /// Owned pods whose labels no longer match the selector: the engine removes this
    /// ReplicaSet's ownerReference.
    pub release: Vec<String>,
    /// Pods to create, `metadata.generateName` `<rs>-` (the store names them, as the
    /// API server does). The engine creates them in [`slow_start_batches`] and stops
    /// after the first batch with a failure.
    pub create: Vec<Pod>,
    /// Names of surplus active pods, the first to go first (`ActivePodsWithRanks`):
    /// the engine marks each for deletion; the kubelet removes its containers and
    /// record (its owner is no Job, so nothing keeps it).
    pub delete: Vec<String>,
    /// The status when every action succeeds; see [`ReplicaSetPlan::status_after_failure`].
    pub status: ReplicaSetStatus,
    /// Reconcile again after this long even if nothing changes: `minReadySeconds`,
    /// when every replica is ready but not all are available yet.
    pub requeue_after: Option<Duration>,
}

/// Which way `manageReplicas` failed: the reason of the `ReplicaFailure` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManageFailure {
    Create,
    Delete,
}

impl ManageFailure {
    pub fn reason(self) -> &'static str {
        match self {
            ManageFailure::Create => reason::FAILED_CREATE,
            ManageFailure::Delete => reason::FAILED_DELETE,
        }
    }
}

impl ReplicaSetPlan {
    /// `calculateStatus` with a `manageReplicasErr`: the plan's counts, and a
    /// `ReplicaFailure` condition (status True, reason `FailedCreate` or
    /// `FailedDelete`, the error as message) unless the ReplicaSet already has one,
    /// which is then kept as it is.
    pub fn status_after_failure(
        &self,
        rs: &ReplicaSet,
        failure: ManageFailure,
        message: &str,
        now: Timestamp,
    ) -> ReplicaSetStatus {
        let mut status = self.status.clone();
        let old: Vec<ReplicaSetCondition> = rs
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        let mut conditions = old.clone();
        if !old
            .iter()
            .any(|c| c.type_.as_deref() == Some(REPLICA_FAILURE))
        {
            conditions.push(ReplicaSetCondition {
                type_: Some(REPLICA_FAILURE.into()),
                status: Some("True".into()),
                reason: Some(failure.reason().into()),
                message: Some(message.into()),
                last_transition_time: Some(Time(crate::api::time::truncate(now))),
            });
        }
        status.conditions = Some(conditions).filter(|c| !c.is_empty());
        status
    }
}

/// The controller ownerReference this ReplicaSet puts on the pods it creates or adopts
/// (`metav1.NewControllerRef(rs, apps/v1 ReplicaSet)`).
pub fn owner_ref(
    rs: &ReplicaSet,
) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
    controller_ref(
        "apps/v1",
        "ReplicaSet",
        rs.metadata.name.as_deref().unwrap_or(""),
        rs.metadata.uid.as_deref().unwrap_or(""),
    )
}

/// `slowStartBatch`: the sizes of the creation batches for `count` pods, 1, 2, 4, ...
/// The engine stops after the first batch in which a creation failed; the pods of later
/// batches are left to the next reconcile.
pub fn slow_start_batches(count: usize) -> Vec<usize> {
    let mut batches = Vec::new();
    let mut remaining = count;
    let mut size = remaining.min(SLOW_START_INITIAL_BATCH_SIZE);
    while size > 0 {
        batches.push(size);
        remaining -= size;
        size = (2 * size).min(remaining);
    }
    batches
}

/// One reconcile of `rs` given every pod of its namespace, at `now`.
///
/// `syncReplicaSet`: the active pods (not Succeeded, not Failed, not being deleted) are
/// claimed (owned and matching, or orphans to adopt); with too few, the difference is
/// created (at most [`BURST_REPLICAS`]); with too many, the surplus is deleted, ranked
/// by [`rank_for_deletion`]. A ReplicaSet being deleted creates and deletes nothing
/// (the engine cascades). With an unusable selector nothing is done and the status
/// is left as it is, as Kubernetes does.
pub fn reconcile(rs: &ReplicaSet, pods: &[Pod], now: Timestamp) -> ReplicaSetPlan {
    let mut plan = ReplicaSetPlan {
        adopt: Vec::new(),
        release: Vec::new(),
        create: Vec::new(),
        delete: Vec::new(),
        status: rs.status.clone().unwrap_or_default(),
        requeue_after: None,
    };
    let spec = &rs.spec;
    let Ok(selector) = Selector::from_label_selector(&spec.selector) else {
        return plan;
    };
    let being_deleted = rs.metadata.deletion_timestamp.is_some();

    let active: Vec<&Pod> = pods.iter().filter(|p| is_pod_active(p)).collect();
    let claim = claim_pods(rs, &selector, &active);
    plan.adopt = claim.adopt.iter().map(|p| pod_name(p)).collect();
    plan.release = claim.release.iter().map(|p| pod_name(p)).collect();
    let owned = claim.claimed;
    let terminating = pods
        .iter()
        .filter(|p| {
            is_pod_terminating(p)
                && claim::is_owned_by(p, rs)
                && selector.matches_opt(p.metadata.labels.as_ref())
        })
        .count();

    let replicas = usize::try_from(spec.replicas.unwrap_or(DEFAULT_REPLICAS)).unwrap_or(0);
    if !being_deleted {
        if owned.len() < replicas {
            let diff = (replicas - owned.len()).min(BURST_REPLICAS);
            let pod = new_pod(rs);
            plan.create = vec![pod; diff];
        } else if owned.len() > replicas {
            let diff = (owned.len() - replicas).min(BURST_REPLICAS);
            plan.delete = rank_for_deletion(&owned, now)
                .into_iter()
                .take(diff)
                .map(pod_name)
                .collect();
        }
    }

    plan.status = calculate_status(rs, &owned, terminating, now);
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    let wanted = spec.replicas.unwrap_or(DEFAULT_REPLICAS);
    if min_ready > 0
        && plan.status.ready_replicas.unwrap_or(0) == wanted
        && plan.status.available_replicas.unwrap_or(0) != wanted
    {
        plan.requeue_after = Some(Duration::from_secs(u64::from(min_ready.unsigned_abs())));
    }
    plan
}

/// A pod for the ReplicaSet (`GetPodFromTemplate` with the ReplicaSet as controller).
fn new_pod(rs: &ReplicaSet) -> Pod {
    let name = rs.metadata.name.clone().unwrap_or_default();
    pod_from_template(
        rs.spec.template.as_ref(),
        rs.metadata.namespace.clone(),
        format!("{name}-"),
        owner_ref(rs),
    )
}

/// `calculateStatus` without a `manageReplicasErr` (which drops any `ReplicaFailure`
/// condition), plus `observedGeneration` as `updateReplicaSetStatus` writes it and
/// `terminatingReplicas` (feature `DeploymentReplicaSetTerminatingReplicas`, on by
/// default since 1.35). Counts of zero are left out, as Go's `omitempty` leaves them.
fn calculate_status(
    rs: &ReplicaSet,
    owned: &[&Pod],
    terminating: usize,
    now: Timestamp,
) -> ReplicaSetStatus {
    let template_labels: BTreeMap<String, String> = rs
        .spec
        .template
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
    let fully_labeled = owned
        .iter()
        .filter(|p| {
            let labels = p.metadata.labels.as_ref();
            template_labels
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        })
        .count();
    let ready = owned.iter().filter(|p| is_ready(p)).count();
    let available = owned
        .iter()
        .filter(|p| is_available(p, min_ready, now))
        .count();

    let mut status = rs.status.clone().unwrap_or_default();
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.retain(|c| c.type_.as_deref() != Some(REPLICA_FAILURE));
    }
    status.conditions = status.conditions.filter(|c| !c.is_empty());
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let nonzero = |n: usize| Some(count(n)).filter(|&n| n != 0);
    status.replicas = count(owned.len());
    status.fully_labeled_replicas = nonzero(fully_labeled);
    status.ready_replicas = nonzero(ready);
    status.available_replicas = nonzero(available);
    status.terminating_replicas = Some(count(terminating));
    status.observed_generation = rs.metadata.generation.filter(|&g| g != 0);
    status
}

/// `controller.IsPodActive`: not Succeeded, not Failed, not being deleted.
pub fn is_pod_active(pod: &Pod) -> bool {
    !is_terminal(pod) && pod.metadata.deletion_timestamp.is_none()
}

/// `controller.IsPodTerminating`: being deleted and not yet Succeeded or Failed.
fn is_pod_terminating(pod: &Pod) -> bool {
    !is_terminal(pod) && pod.metadata.deletion_timestamp.is_some()
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// `podutil.IsPodReady`: the Ready condition is True.
fn is_ready(pod: &Pod) -> bool {
    ready_since(pod).is_some()
}

/// The Ready condition when it is True (its `lastTransitionTime` may be unset).
fn ready_since(pod: &Pod) -> Option<Option<Timestamp>> {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .filter(|c| c.status == "True")
        .map(|c| c.last_transition_time.as_ref().map(|t| t.0))
}

/// `podutil.IsPodAvailable`: ready, and ready for longer than `minReadySeconds`.
fn is_available(pod: &Pod, min_ready_seconds: i32, now: Timestamp) -> bool {
    match ready_since(pod) {
        None => false,
        Some(_) if min_ready_seconds == 0 => true,
        Some(None) => false,
        Some(Some(since)) => since
            .checked_add(jiff::SignedDuration::from_secs(i64::from(
                min_ready_seconds,
            )))
            .is_ok_and(|t| t < now),
    }
}

fn pod_name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}
