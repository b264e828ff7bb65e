//! The Job controller as a pure function: `reconcile(job, pods, now) -> JobPlan`.
//!
//! Owns the decision of what a batch/v1 Job needs next — pods to create, pods to stop,
//! the status to write, events to record and when to look again — with the semantics of
//! the Kubernetes Job controller (`pkg/controller/job/job_controller.go` and its
//! helpers): completions and parallelism, `backoffLimit`, `activeDeadlineSeconds`,
//! `suspend`, `completionMode: Indexed`, `podFailurePolicy`, `backoffLimitPerIndex` /
//! `maxFailedIndexes`, `successPolicy`, `podReplacementPolicy`, the interim
//! conditions and the events.
//!
//! Level-triggered: every count is derived from the pods the Job owns (the store keeps
//! terminal pods until the Job is deleted), never from events or from the previous
//! status, so an engine restart or a replayed event cannot count a pod twice or lose
//! it. Where Kubernetes drops a pod from the counts by removing its job-tracking
//! finalizer, the pod carries [`UNTRACKED_ANNOTATION`] instead (see [`PodDeletion`]).
//! The pod-failure backoff is derived from the pods' finish times for the same reason.
//!
//! Must not do I/O, read the clock or draw random numbers: the caller passes `now`, and
//! the store names the pods it is asked to create (`metadata.generateName`).

mod backoff;
mod conditions;
mod failure_policy;
mod indexed;
mod manage;
mod pods;
mod success_policy;
mod template;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobSpec, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

pub use backoff::{DEFAULT_POD_FAILURE_BACKOFF, MAX_POD_FAILURE_BACKOFF};
pub use conditions::{condition, reason};
pub use indexed::{
    COMPLETION_INDEX_ENV, COMPLETION_INDEX_KEY, INDEX_FAILURE_COUNT_ANNOTATION,
    INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, Intervals,
};
pub use pods::UNTRACKED_ANNOTATION;

use failure_policy::Action;
use pods::{PodClass, classify, is_pod_failed, is_ready, is_tracked, phase, pod_name};

/// At most this many pods are created or deleted by one reconcile
/// (`MaxPodCreateDeletePerSync`), so one huge Job cannot starve the others.
pub const MAX_POD_CREATE_DELETE_PER_RECONCILE: usize = 500;
/// `spec.backoffLimit` when unset (API defaulting normally fills it in).
pub const DEFAULT_BACKOFF_LIMIT: i32 = 6;
/// The controller that owns a Job whose `spec.managedBy` is unset or this value.
pub const JOB_CONTROLLER_NAME: &str = "kubernetes.io/job-controller";

/// What one reconcile of a Job decided. The engine executes it; nothing here has
/// happened yet.
#[derive(Clone, Debug, PartialEq)]
pub struct JobPlan {
    /// The Job's status after this reconcile; the engine writes it when it differs from
    /// the stored one.
    pub status: JobStatus,
    /// Pods to create: full Pod objects with `metadata.generateName` (`<job>-`, or
    /// `<job>-<index>-` for an Indexed Job); the store assigns the name, as the API
    /// server does.
    pub create: Vec<Pod>,
    /// Active pods to stop: the engine marks each with `deletionTimestamp` (and, when
    /// `untracked`, [`UNTRACKED_ANNOTATION`] in the same write); the kubelet stops its
    /// containers and the record stays, terminating and then terminal.
    pub delete: Vec<PodDeletion>,
    /// Events to record on the Job.
    pub events: Vec<EventRecord>,
    /// Reconcile again after this long even if nothing changes (a pod-failure backoff
    /// or `activeDeadlineSeconds` running out).
    pub requeue_after: Option<Duration>,
}

/// One pod the controller stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodDeletion {
    pub name: String,
    /// The pod must never count as succeeded or failed: Kubernetes removes its
    /// job-tracking finalizer before deleting it (`deleteJobPods`: suspension, surplus
    /// pods, repeated indexes; and pods left after the success criteria were met). The
    /// engine records it by setting [`UNTRACKED_ANNOTATION`]`: "true"` on the pod in
    /// the same write as `deletionTimestamp`. Pods stopped because the Job fails stay
    /// tracked: they count as failed, as Kubernetes counts them.
    pub untracked: bool,
}

/// An event to record on the Job, as the Kubernetes Job controller records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub type_: EventType,
    pub reason: String,
    pub message: String,
}

/// `Event.type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    /// The word Kubernetes stores in `Event.type`.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

impl EventRecord {
    fn new(type_: EventType, reason: &str, message: &str) -> Self {
        EventRecord {
            type_,
            reason: reason.to_owned(),
            message: message.to_owned(),
        }
    }
}

/// The terminal condition (`Complete` or `Failed`, status True) of a Job, if it has
/// one: once set, the Job is finished and its counts never change again.
pub fn finished_condition(job: &Job) -> Option<&JobCondition> {
    conditions::conditions(job).iter().find(|c| {
        (c.type_ == condition::COMPLETE || c.type_ == condition::FAILED) && c.status == "True"
    })
}

/// Which way the Job is finishing, with the reason and message its conditions carry.
struct Finishing {
    outcome: Outcome,
    reason: String,
    message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Failure,
}

impl Finishing {
    fn new(outcome: Outcome, reason: &str, message: &str) -> Self {
        Finishing {
            outcome,
            reason: reason.to_owned(),
            message: message.to_owned(),
        }
    }

    /// Continue a decision recorded in an interim condition with its own words.
    fn from_condition(outcome: Outcome, c: &JobCondition) -> Self {
        Finishing {
            outcome,
            reason: c.reason.clone().unwrap_or_default(),
            message: c.message.clone().unwrap_or_default(),
        }
    }
}

/// The spec facts every step consults.
struct Ctx<'a> {
    job: &'a Job,
    spec: &'a JobSpec,
    /// `Some(completions)` for an Indexed Job.
    indexed: Option<usize>,
    only_replace_failed: bool,
    per_index: Option<i32>,
    suspended: bool,
}

impl<'a> Ctx<'a> {
    fn new(job: &'a Job, spec: &'a JobSpec) -> Self {
        let indexed = (spec.completion_mode.as_deref() == Some("Indexed"))
            .then(|| usize::try_from(spec.completions.unwrap_or(0)).unwrap_or(0));
        Ctx {
            job,
            spec,
            indexed,
            // `onlyReplaceFailedPods`.
            only_replace_failed: spec.pod_replacement_policy.as_deref() == Some("Failed")
                || spec.pod_failure_policy.is_some(),
            per_index: spec.backoff_limit_per_index.filter(|_| indexed.is_some()),
            suspended: spec.suspend == Some(true),
        }
    }

    /// Whether the pod takes part in the counts: still tracked and, for an Indexed
    /// Job, with an index below `completions` (`getValidPodsWithFilter`).
    fn counts(&self, pod: &Pod) -> bool {
        is_tracked(pod)
            && self
                .indexed
                .is_none_or(|c| indexed::completion_index(pod).is_some_and(|ix| ix < c))
    }

    fn is_failed(&self, pod: &Pod) -> bool {
        is_pod_failed(pod, self.only_replace_failed)
    }

    fn policy_counts(&self, pod: &Pod) -> bool {
        failure_policy::matches(self.spec.pod_failure_policy.as_ref(), pod).count_failed
    }

    /// `isIndexFailed`.
    fn is_index_failed(&self, pod: &Pod, limit: i32) -> bool {
        if !self.is_failed(pod) {
            return false;
        }
        let m = failure_policy::matches(self.spec.pod_failure_policy.as_ref(), pod);
        if m.action == Some(Action::FailIndex) {
            return true;
        }
        m.count_failed && indexed::failure_count(pod) >= limit
    }
}

/// Decide what the Job needs next from the Job, every pod it owns (terminal ones
/// included) and the current time. The pods may be owned or shared (the engine keeps
/// its decoded pods between reconciles, see `engine::jobs`).
pub fn reconcile<P: std::borrow::Borrow<Pod>>(job: &Job, pods: &[P], now: Timestamp) -> JobPlan {
    let pods: Vec<&Pod> = pods.iter().map(|p| p.borrow()).collect();
    reconcile_pods(job, &pods, now)
}

fn reconcile_pods(job: &Job, pods: &[&Pod], now: Timestamp) -> JobPlan {
    // metav1.Time is written with whole seconds; stamping status with a truncated time
    // makes what we write equal to what is read back. Waits use the exact time.
    let stamp = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let old_status = job.status.clone().unwrap_or_default();
    let spec = job.spec.clone().unwrap_or_default();

    if finished_condition(job).is_some() {
        // A finished Job keeps its counts; only make sure nothing of it still runs.
        return JobPlan {
            status: old_status,
            create: Vec::new(),
            delete: deletions(
                pods.iter()
                    .copied()
                    .filter(|p| classify(p) == PodClass::Active),
                true,
            ),
            events: Vec::new(),
            requeue_after: None,
        };
    }
    if spec
        .managed_by
        .as_deref()
        .is_some_and(|m| m != JOB_CONTROLLER_NAME)
    {
        // Another controller reconciles this Job; Kubernetes' controller skips it.
        return JobPlan {
            status: old_status,
            create: Vec::new(),
            delete: Vec::new(),
            events: Vec::new(),
            requeue_after: None,
        };
    }

    let ctx = Ctx::new(job, &spec);
    let backoff_limit = spec.backoff_limit.unwrap_or(if ctx.per_index.is_some() {
        i32::MAX
    } else {
        DEFAULT_BACKOFF_LIMIT
    });

    let mut status = old_status;
    let mut events = Vec::new();
    let mut requeue_after: Option<Duration> = None;
    let mut create = Vec::new();
    let mut delete: Vec<PodDeletion> = Vec::new();

    let active_pods: Vec<&Pod> = pods
        .iter()
        .copied()
        .filter(|p| classify(p) == PodClass::Active)
        .collect();
    let mut active = i32_len(active_pods.len());
    let mut ready = i32_len(active_pods.iter().filter(|p| is_ready(p)).count());
    let mut terminating = i32_len(
        pods.iter()
            .filter(|p| classify(p) == PodClass::Terminating)
            .count(),
    );
    let counted: Vec<&Pod> = pods.iter().copied().filter(|p| ctx.counts(p)).collect();
    let succeeded_pods: Vec<&Pod> = counted
        .iter()
        .copied()
        .filter(|p| classify(p) == PodClass::Succeeded)
        .collect();
    let failed_pods: Vec<&Pod> = counted
        .iter()
        .copied()
        .filter(|p| ctx.is_failed(p))
        .collect();
    let succeeded_indexes = ctx.indexed.map(|_| {
        Intervals::from_indexes(
            succeeded_pods
                .iter()
                .filter_map(|p| indexed::completion_index(p)),
        )
    });
    let succeeded = match &succeeded_indexes {
        Some(ix) => i32_len(ix.total()),
        None => i32_len(succeeded_pods.len()),
    };
    // `nonIgnoredFailedPodsCount`.
    let failed_so_far = i32_len(failed_pods.iter().filter(|p| ctx.policy_counts(p)).count());

    // Job first start; not while suspended.
    if status.start_time.is_none() && !ctx.suspended {
        status.start_time = Some(Time(stamp));
    }
    let start_time = status.start_time.as_ref().map(|t| t.0);

    // The order of these checks is the Kubernetes controller's: a decision already
    // recorded as an interim condition wins, then failure, then success.
    let mut finishing =
        if let Some(c) = conditions::true_condition(job, condition::SUCCESS_CRITERIA_MET) {
            Some(Finishing::from_condition(Outcome::Success, c))
        } else if let Some(c) = conditions::true_condition(job, condition::FAILURE_TARGET) {
            Some(Finishing::from_condition(Outcome::Failure, c))
        } else if let Some(msg) = fail_job_message(&ctx, &failed_pods) {
            Some(Finishing::new(
                Outcome::Failure,
                reason::POD_FAILURE_POLICY,
                &msg,
            ))
        } else if failed_so_far > backoff_limit
            || past_backoff_limit_on_failure(&spec, pods, backoff_limit)
        {
            Some(Finishing::new(
                Outcome::Failure,
                reason::BACKOFF_LIMIT_EXCEEDED,
                reason::BACKOFF_LIMIT_EXCEEDED_MESSAGE,
            ))
        } else {
            match deadline_remaining(&ctx, start_time, now) {
                Some(Duration::ZERO) => Some(Finishing::new(
                    Outcome::Failure,
                    reason::DEADLINE_EXCEEDED,
                    reason::DEADLINE_EXCEEDED_MESSAGE,
                )),
                Some(left) => {
                    requeue_after = earliest(requeue_after, left);
                    None
                }
                None => None,
            }
        };

    let mut failed_indexes: Option<Intervals> = None;
    let mut last_failed: BTreeMap<usize, &Pod> = BTreeMap::new();
    if let (Some(completions), Some(succ)) = (ctx.indexed, &succeeded_indexes) {
        if let Some(limit) = ctx.per_index {
            let fi = Intervals::from_indexes(
                counted
                    .iter()
                    .filter(|p| ctx.is_index_failed(p, limit))
                    .filter_map(|p| indexed::completion_index(p)),
            );
            if finishing.is_none() {
                let max_failed = spec
                    .max_failed_indexes
                    .and_then(|m| usize::try_from(m).ok());
                if max_failed.is_some_and(|m| fi.total() > m) {
                    finishing = Some(Finishing::new(
                        Outcome::Failure,
                        reason::MAX_FAILED_INDEXES_EXCEEDED,
                        reason::MAX_FAILED_INDEXES_EXCEEDED_MESSAGE,
                    ));
                } else if fi.total() > 0 && fi.total() + succ.total() >= completions {
                    finishing = Some(Finishing::new(
                        Outcome::Failure,
                        reason::FAILED_INDEXES,
                        reason::FAILED_INDEXES_MESSAGE,
                    ));
                }
            }
            let active_ixs = index_set(&active_pods);
            last_failed = indexed::last_failed_per_index(&failed_pods, succ, &fi, &active_ixs);
            failed_indexes = Some(fi);
        }
        if finishing.is_none()
            && let Some(msg) =
                success_policy::matches(spec.success_policy.as_ref(), completions, succ)
        {
            finishing = Some(Finishing::new(
                Outcome::Success,
                reason::SUCCESS_POLICY,
                &msg,
            ));
        }
    }

    if let Some(fin) = &finishing {
        // `deleteActivePods`: stop everything still running. Pods stopped for a failure
        // stay tracked and count as failed; after success they count for nothing.
        let stopped = i32_len(active_pods.len());
        ready -= i32_len(active_pods.iter().filter(|p| is_ready(p)).count());
        terminating += stopped;
        active = 0;
        delete = deletions(active_pods.iter().copied(), fin.outcome == Outcome::Success);
    } else {
        let mut manage_called = false;
        if job.metadata.deletion_timestamp.is_none() {
            manage_called = true;
            let m = manage::manage(
                &ctx,
                pods,
                &active_pods,
                succeeded,
                succeeded_indexes.as_ref(),
                failed_indexes.as_ref(),
                &last_failed,
                &failed_pods,
                &succeeded_pods,
                terminating,
                now,
            );
            let removed = &m.delete;
            active -= i32_len(removed.len());
            terminating += i32_len(removed.len());
            ready -= i32_len(removed.iter().filter(|p| is_ready(p)).count());
            delete = deletions(removed.iter().copied(), true);
            active += i32_len(m.create.len());
            create = m.create;
            if let Some(wait) = m.requeue_after {
                requeue_after = earliest(requeue_after, wait);
            }
        }
        let complete = match spec.completions {
            None => succeeded > 0 && active == 0,
            Some(completions) => succeeded >= completions && active == 0,
        };
        if complete {
            finishing = Some(Finishing::new(
                Outcome::Success,
                reason::COMPLETIONS_REACHED,
                reason::COMPLETIONS_REACHED_MESSAGE,
            ));
        } else if manage_called {
            let conds = status.conditions.get_or_insert_with(Vec::new);
            if ctx.suspended {
                if conditions::ensure(
                    conds,
                    condition::SUSPENDED,
                    "True",
                    reason::JOB_SUSPENDED,
                    reason::JOB_SUSPENDED_MESSAGE,
                    stamp,
                ) {
                    events.push(EventRecord::new(
                        EventType::Normal,
                        "Suspended",
                        "Job suspended",
                    ));
                }
            } else if conditions::ensure(
                conds,
                condition::SUSPENDED,
                "False",
                reason::JOB_RESUMED,
                reason::JOB_RESUMED_MESSAGE,
                stamp,
            ) {
                events.push(EventRecord::new(
                    EventType::Normal,
                    "Resumed",
                    "Job resumed",
                ));
                // activeDeadlineSeconds counts the time a Job is continuously active.
                status.start_time = Some(Time(stamp));
            }
            if conds.is_empty() {
                status.conditions = None;
            }
        }
    }

    // Every pod that did not succeed counts as failed once the Job fails (Kubernetes
    // counts them as it removes them); otherwise the failed pods the policy counts.
    let failing = finishing
        .as_ref()
        .is_some_and(|f| f.outcome == Outcome::Failure);
    let failed = i32_len(
        counted
            .iter()
            .filter(|p| classify(p) != PodClass::Succeeded)
            .filter(|p| ctx.is_failed(p) || failing)
            .filter(|p| ctx.policy_counts(p))
            .count(),
    );

    if let Some(fin) = finishing {
        let conds = status.conditions.get_or_insert_with(Vec::new);
        // The interim condition records the decision before the pods are gone, so a
        // restart cannot change it; the terminal one waits until none is terminating.
        let interim = match fin.outcome {
            Outcome::Success => condition::SUCCESS_CRITERIA_MET,
            Outcome::Failure => condition::FAILURE_TARGET,
        };
        conditions::ensure(conds, interim, "True", &fin.reason, &fin.message, stamp);
        if terminating == 0 {
            let terminal = match fin.outcome {
                Outcome::Success => condition::COMPLETE,
                Outcome::Failure => condition::FAILED,
            };
            conditions::ensure(conds, terminal, "True", &fin.reason, &fin.message, stamp);
            match fin.outcome {
                Outcome::Success => {
                    status.completion_time = Some(Time(stamp));
                    if spec.completions.is_some_and(|c| succeeded > c) {
                        events.push(EventRecord::new(
                            EventType::Warning,
                            "TooManySucceededPods",
                            "Too many succeeded pods running after completion count reached",
                        ));
                    }
                    events.push(EventRecord::new(
                        EventType::Normal,
                        "Completed",
                        "Job completed",
                    ));
                }
                Outcome::Failure => {
                    events.push(EventRecord::new(
                        EventType::Warning,
                        &fin.reason,
                        &fin.message,
                    ));
                }
            }
            // No deadline or backoff matters once the Job is finished.
            requeue_after = None;
        }
    }

    // The API's omitempty: active/succeeded/failed vanish at 0, so does an empty
    // completedIndexes; ready, terminating and failedIndexes are pointers and show
    // even when zero or empty; uncountedTerminatedPods is always written as `{}`.
    status.active = non_zero(active);
    status.ready = Some(ready.max(0));
    status.succeeded = non_zero(succeeded);
    status.failed = non_zero(failed);
    status.terminating = Some(terminating);
    status.completed_indexes = succeeded_indexes
        .map(|ix| ix.to_string())
        .filter(|s| !s.is_empty());
    status.failed_indexes = failed_indexes.map(|ix| ix.to_string());
    status.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());

    JobPlan {
        status,
        create,
        delete,
        events,
        requeue_after,
    }
}

/// `getFailJobMessage`: the message of the first failed pod that matches a `FailJob`
/// rule.
fn fail_job_message(ctx: &Ctx<'_>, failed_pods: &[&Pod]) -> Option<String> {
    let policy = ctx.spec.pod_failure_policy.as_ref()?;
    failed_pods
        .iter()
        .find_map(|p| failure_policy::matches(Some(policy), p).fail_job_message)
}

/// `pastBackoffLimitOnFailure`: with `restartPolicy: OnFailure` the containers restart
/// in place, so their restarts (in pods still Pending or Running) are the failures.
fn past_backoff_limit_on_failure(spec: &JobSpec, pods: &[&Pod], backoff_limit: i32) -> bool {
    let restart_policy = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref());
    if restart_policy != Some("OnFailure") {
        return false;
    }
    let restarts: i64 = pods
        .iter()
        .filter(|p| matches!(phase(p), "Running" | "Pending"))
        .filter_map(|p| p.status.as_ref())
        .flat_map(|s| {
            let init = s.init_container_statuses.iter().flatten();
            let main = s.container_statuses.iter().flatten();
            init.chain(main)
        })
        .map(|cs| i64::from(cs.restart_count))
        .sum();
    if backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= i64::from(backoff_limit)
    }
}

/// Time left before `activeDeadlineSeconds` runs out (`pastActiveDeadline`): `None`
/// without a deadline, without a start time or while suspended (the timer stops),
/// `Some(ZERO)` once it has passed.
fn deadline_remaining(ctx: &Ctx<'_>, start: Option<Timestamp>, now: Timestamp) -> Option<Duration> {
    if ctx.suspended {
        return None;
    }
    let allowed =
        Duration::from_secs(u64::try_from(ctx.spec.active_deadline_seconds?).unwrap_or(0));
    let elapsed = backoff::elapsed_between(start?, now);
    Some(allowed.saturating_sub(elapsed))
}

fn deletions<'a>(pods: impl Iterator<Item = &'a Pod>, untracked: bool) -> Vec<PodDeletion> {
    pods.map(|p| PodDeletion {
        name: pod_name(p),
        untracked,
    })
    .collect()
}

fn index_set(pods: &[&Pod]) -> BTreeSet<usize> {
    pods.iter()
        .filter_map(|p| indexed::completion_index(p))
        .collect()
}

fn earliest(current: Option<Duration>, candidate: Duration) -> Option<Duration> {
    Some(current.map_or(candidate, |c| c.min(candidate)))
}

fn non_zero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

fn i32_len(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
