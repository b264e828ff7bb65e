//! The Job controller as a pure function: `reconcile(job, pods, now) -> JobPlan`.
//!
//! Owns the decision of what a batch/v1 Job needs next — pods to create, pods to stop,
//! the status to write, events to record and when to look again — with the semantics of
//! the Kubernetes Job controller (`pkg/controller/job/job_controller.go`,
//! `backoff_utils.go`) for NonIndexed Jobs.
//!
//! Level-triggered: every count is derived from the pods the Job owns (the store keeps
//! terminal pods until the Job is deleted), never from events or from the previous
//! status, so an engine restart or a replayed event cannot count a pod twice or lose
//! it. The pod-failure backoff is derived from the pods' finish times for the same
//! reason.
//!
//! Must not do I/O, read the clock or draw random numbers: the caller passes `now`, and
//! the store names the pods it is asked to create (`metadata.generateName`).

use std::cmp::Ordering;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};

use crate::api::labels;

/// First delay before a failed pod is replaced (`DefaultJobPodFailureBackOff`).
pub const DEFAULT_POD_FAILURE_BACKOFF: Duration = Duration::from_secs(10);
/// Cap of the doubling pod-failure delay (`MaxJobPodFailureBackOff`, 10 minutes).
pub const MAX_POD_FAILURE_BACKOFF: Duration = Duration::from_secs(10 * 60);
/// At most this many pods are created or deleted by one reconcile
/// (`MaxPodCreateDeletePerSync`), so one huge Job cannot starve the others.
pub const MAX_POD_CREATE_DELETE_PER_RECONCILE: usize = 500;
/// `spec.backoffLimit` when unset (API defaulting normally fills it in).
pub const DEFAULT_BACKOFF_LIMIT: i32 = 6;

/// Job condition types, as `status.conditions[].type`.
pub mod condition {
    /// Terminal: the Job succeeded.
    pub const COMPLETE: &str = "Complete";
    /// Terminal: the Job failed.
    pub const FAILED: &str = "Failed";
    /// Interim: success decided, waiting for the remaining pods to terminate.
    pub const SUCCESS_CRITERIA_MET: &str = "SuccessCriteriaMet";
    /// Interim: failure decided, waiting for the remaining pods to terminate.
    pub const FAILURE_TARGET: &str = "FailureTarget";
}

/// Condition reasons and messages, worded exactly as Kubernetes words them.
pub mod reason {
    pub const COMPLETIONS_REACHED: &str = "CompletionsReached";
    pub const COMPLETIONS_REACHED_MESSAGE: &str = "Reached expected number of succeeded pods";
    pub const BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
    pub const BACKOFF_LIMIT_EXCEEDED_MESSAGE: &str = "Job has reached the specified backoff limit";
    pub const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";
    pub const DEADLINE_EXCEEDED_MESSAGE: &str = "Job was active longer than specified deadline";
}

/// What one reconcile of a Job decided. The engine executes it; nothing here has
/// happened yet.
#[derive(Clone, Debug, PartialEq)]
pub struct JobPlan {
    /// The Job's status after this reconcile; the engine writes it when it differs from
    /// the stored one.
    pub status: JobStatus,
    /// Pods to create: full Pod objects with `metadata.generateName` `<job>-` (the store
    /// assigns the name, as the API server does).
    pub create: Vec<Pod>,
    /// Names of non-terminal pods to stop (the engine stops their containers; the pod
    /// then ends Failed unless it already succeeded). Idempotent: a pod already being
    /// stopped is listed again until it is terminal, so a restarted engine finishes
    /// the job of the one that died.
    pub delete: Vec<String>,
    /// Events to record on the Job.
    pub events: Vec<EventRecord>,
    /// Reconcile again after this long even if nothing changes (a pod-failure backoff
    /// or `activeDeadlineSeconds` running out).
    pub requeue_after: Option<Duration>,
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

/// The terminal condition (`Complete` or `Failed`, status True) of a Job, if it has
/// one: once set, the Job is finished and its counts never change again.
pub fn finished_condition(job: &Job) -> Option<&JobCondition> {
    conditions(job).iter().find(|c| {
        (c.type_ == condition::COMPLETE || c.type_ == condition::FAILED) && c.status == "True"
    })
}

/// Decide what the Job needs next from the Job, every pod it owns (terminal ones
/// included) and the current time.
pub fn reconcile(job: &Job, pods: &[Pod], now: Timestamp) -> JobPlan {
    // metav1.Time is written with whole seconds; stamping status with a truncated time
    // makes what we write equal to what is read back. Waits use the exact time.
    let stamp = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let old_status = job.status.clone().unwrap_or_default();

    if finished_condition(job).is_some() {
        // A finished Job keeps its counts; only make sure nothing of it still runs.
        return JobPlan {
            status: old_status,
            create: Vec::new(),
            delete: pods
                .iter()
                .filter(|p| !classify(p).is_terminal())
                .map(pod_name)
                .collect(),
            events: Vec::new(),
            requeue_after: None,
        };
    }

    let spec = job.spec.clone().unwrap_or_default();
    let only_replace_failed = spec.pod_replacement_policy.as_deref() == Some("Failed")
        || spec.pod_failure_policy.is_some();
    let counts = Counts::of(pods, only_replace_failed);
    let backoff_limit = spec.backoff_limit.unwrap_or(DEFAULT_BACKOFF_LIMIT);

    let mut status = old_status;
    let start_time = status.start_time.get_or_insert(Time(stamp)).0;
    let mut requeue_after: Option<Duration> = None;
    let mut create = Vec::new();
    let mut delete = Vec::new();
    let mut events = Vec::new();

    let mut active = counts.active;
    let mut ready = counts.ready;
    let mut terminating = counts.terminating;
    let mut failed = counts.failed;

    // The order of these checks is the Kubernetes controller's: a decision already
    // recorded as an interim condition wins, then failure, then success.
    let mut finishing = if let Some(c) = true_condition(job, condition::SUCCESS_CRITERIA_MET) {
        Some(Finishing::from_condition(Outcome::Success, c))
    } else if let Some(c) = true_condition(job, condition::FAILURE_TARGET) {
        Some(Finishing::from_condition(Outcome::Failure, c))
    } else if failed > backoff_limit || past_backoff_limit_on_failure(&spec, pods, backoff_limit) {
        Some(Finishing::new(
            Outcome::Failure,
            reason::BACKOFF_LIMIT_EXCEEDED,
            reason::BACKOFF_LIMIT_EXCEEDED_MESSAGE,
        ))
    } else {
        match deadline_remaining(spec.active_deadline_seconds, start_time, now) {
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

    if let Some(fin) = &finishing {
        // Stop everything still running. On failure those pods count as failed, as
        // Kubernetes counts them when it removes them.
        let running: Vec<&Pod> = pods
            .iter()
            .filter(|p| classify(p) == PodClass::Active)
            .collect();
        let stopped = i32_len(running.len());
        if fin.outcome == Outcome::Failure {
            // Every pod that did not succeed counts as failed once the Job fails,
            // including pods already terminating under `podReplacementPolicy: Failed`.
            failed += stopped;
            if only_replace_failed {
                failed += counts.terminating;
            }
        }
        terminating += stopped;
        active = 0;
        ready = 0;
        delete = pods
            .iter()
            .filter(|p| !classify(p).is_terminal())
            .map(pod_name)
            .collect();
    } else {
        if job.metadata.deletion_timestamp.is_none() {
            let parallelism = spec.parallelism.unwrap_or(1).max(0);
            let want_active = match spec.completions {
                // Work queue: once any pod succeeded, let the rest finish, add none.
                None if counts.succeeded > 0 => active,
                None => parallelism,
                Some(completions) => (completions - counts.succeeded).clamp(0, parallelism),
            };
            if active > want_active {
                let mut candidates: Vec<&Pod> = pods
                    .iter()
                    .filter(|p| classify(p) == PodClass::Active)
                    .collect();
                candidates.sort_by(|a, b| removal_order(a, b));
                let excess = usize::try_from(active - want_active).unwrap_or(0);
                let chosen = &candidates[..excess.min(MAX_POD_CREATE_DELETE_PER_RECONCILE)];
                let chosen_ready = i32_len(chosen.iter().filter(|p| is_ready(p)).count());
                active -= i32_len(chosen.len());
                terminating += i32_len(chosen.len());
                ready -= chosen_ready;
                delete = chosen.iter().map(|p| pod_name(p)).collect();
            } else {
                let replacing = if only_replace_failed { terminating } else { 0 };
                let diff = want_active - replacing - active;
                if diff > 0 {
                    let wait = backoff_remaining(pods, only_replace_failed, now);
                    if wait > Duration::ZERO {
                        requeue_after = earliest(requeue_after, wait);
                    } else {
                        let n = usize::try_from(diff)
                            .unwrap_or(0)
                            .min(MAX_POD_CREATE_DELETE_PER_RECONCILE);
                        create = (0..n).map(|_| new_pod(job)).collect();
                        active += i32_len(n);
                    }
                }
            }
        }
        let complete = match spec.completions {
            None => counts.succeeded > 0 && active == 0,
            Some(completions) => counts.succeeded >= completions && active == 0,
        };
        if complete {
            finishing = Some(Finishing::new(
                Outcome::Success,
                reason::COMPLETIONS_REACHED,
                reason::COMPLETIONS_REACHED_MESSAGE,
            ));
        }
    }

    if let Some(fin) = finishing {
        let conds = status.conditions.get_or_insert_with(Vec::new);
        // The interim condition records the decision before the pods are gone, so a
        // restart cannot change it; the terminal one waits until none is terminating.
        let interim = match fin.outcome {
            Outcome::Success => condition::SUCCESS_CRITERIA_MET,
            Outcome::Failure => condition::FAILURE_TARGET,
        };
        ensure_condition(conds, interim, &fin.reason, &fin.message, stamp);
        if terminating == 0 {
            let terminal = match fin.outcome {
                Outcome::Success => condition::COMPLETE,
                Outcome::Failure => condition::FAILED,
            };
            ensure_condition(conds, terminal, &fin.reason, &fin.message, stamp);
            match fin.outcome {
                Outcome::Success => {
                    status.completion_time = Some(Time(stamp));
                    if spec.completions.is_some_and(|c| counts.succeeded > c) {
                        events.push(EventRecord {
                            type_: EventType::Warning,
                            reason: "TooManySucceededPods".into(),
                            message:
                                "Too many succeeded pods running after completion count reached"
                                    .into(),
                        });
                    }
                    events.push(EventRecord {
                        type_: EventType::Normal,
                        reason: "Completed".into(),
                        message: "Job completed".into(),
                    });
                }
                Outcome::Failure => events.push(EventRecord {
                    type_: EventType::Warning,
                    reason: fin.reason.clone(),
                    message: fin.message.clone(),
                }),
            }
            // No deadline or backoff matters once the Job is finished.
            requeue_after = None;
        }
    }

    // The API's omitempty: active/succeeded/failed vanish at 0; ready and terminating
    // are pointers and show 0; uncountedTerminatedPods is always written as `{}`.
    status.active = non_zero(active);
    status.ready = Some(ready.max(0));
    status.succeeded = non_zero(counts.succeeded);
    status.failed = non_zero(failed);
    status.terminating = Some(terminating);
    status.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());

    JobPlan {
        status,
        create,
        delete,
        events,
        requeue_after,
    }
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

/// Where a pod stands, as the Job controller sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PodClass {
    /// Pending or Running, not being deleted.
    Active,
    /// Being deleted (`deletionTimestamp` set) but not terminal yet.
    Terminating,
    Succeeded,
    Failed,
}

impl PodClass {
    fn is_terminal(self) -> bool {
        matches!(self, PodClass::Succeeded | PodClass::Failed)
    }
}

fn classify(pod: &Pod) -> PodClass {
    match phase(pod) {
        "Succeeded" => PodClass::Succeeded,
        "Failed" => PodClass::Failed,
        _ if pod.metadata.deletion_timestamp.is_some() => PodClass::Terminating,
        _ => PodClass::Active,
    }
}

/// Whether the pod counts as failed (`isPodFailed`): with the default
/// `podReplacementPolicy: TerminatingOrFailed` a pod being deleted is a failure at
/// once, and its replacement is not held back until it is gone.
fn counts_as_failed(pod: &Pod, only_replace_failed: bool) -> bool {
    match classify(pod) {
        PodClass::Failed => true,
        PodClass::Terminating => !only_replace_failed,
        PodClass::Active | PodClass::Succeeded => false,
    }
}

/// The counters of `status`, derived from the pods alone.
struct Counts {
    active: i32,
    ready: i32,
    terminating: i32,
    succeeded: i32,
    failed: i32,
}

impl Counts {
    fn of(pods: &[Pod], only_replace_failed: bool) -> Self {
        let mut c = Counts {
            active: 0,
            ready: 0,
            terminating: 0,
            succeeded: 0,
            failed: 0,
        };
        for pod in pods {
            match classify(pod) {
                PodClass::Active => {
                    c.active += 1;
                    if is_ready(pod) {
                        c.ready += 1;
                    }
                }
                PodClass::Terminating => c.terminating += 1,
                PodClass::Succeeded => c.succeeded += 1,
                PodClass::Failed => {}
            }
            if counts_as_failed(pod, only_replace_failed) {
                c.failed += 1;
            }
        }
        c
    }
}

/// `pastBackoffLimitOnFailure`: with `restartPolicy: OnFailure` the containers restart
/// in place, so their restarts (in pods still Pending or Running) are the failures.
fn past_backoff_limit_on_failure(
    spec: &k8s_openapi::api::batch::v1::JobSpec,
    pods: &[Pod],
    backoff_limit: i32,
) -> bool {
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

/// Time left before `activeDeadlineSeconds` runs out: `None` without a deadline,
/// `Some(ZERO)` once it has passed.
fn deadline_remaining(
    deadline_seconds: Option<i64>,
    start: Timestamp,
    now: Timestamp,
) -> Option<Duration> {
    let allowed = Duration::from_secs(u64::try_from(deadline_seconds?).unwrap_or(0));
    let elapsed = elapsed_between(start, now);
    Some(allowed.saturating_sub(elapsed))
}

/// How long pod creation must still wait after pod failures (`backoffRecord`,
/// `getRemainingTimeForFailuresCount`): 10 s after the first failure since the last
/// success, doubling per further failure, capped at 10 minutes, measured from the last
/// failure's finish time.
///
/// Kubernetes keeps this record in memory and updates it per sync; here it is derived
/// from the pods every time, so an engine restart does not reset it: failures are the
/// failed pods that finished after the last succeeded pod finished.
fn backoff_remaining(pods: &[Pod], only_replace_failed: bool, now: Timestamp) -> Duration {
    let last_success = pods
        .iter()
        .filter(|p| classify(p) == PodClass::Succeeded)
        .map(finished_time)
        .max();
    let failures: Vec<Timestamp> = pods
        .iter()
        .filter(|p| counts_as_failed(p, only_replace_failed))
        .map(finished_time)
        .filter(|t| last_success.is_none_or(|s| *t > s))
        .collect();
    let Some(last_failure) = failures.iter().max().copied() else {
        return Duration::ZERO;
    };
    let delay = backoff_for_failures(failures.len());
    delay.saturating_sub(elapsed_between(last_failure, now))
}

/// The delay after `failures` consecutive failures: 10 s, 20 s, 40 s, … at most 10 min.
fn backoff_for_failures(failures: usize) -> Duration {
    let mut delay = DEFAULT_POD_FAILURE_BACKOFF;
    for _ in 1..failures {
        delay = delay.saturating_mul(2);
        if delay >= MAX_POD_FAILURE_BACKOFF {
            return MAX_POD_FAILURE_BACKOFF;
        }
    }
    delay
}

/// When the pod finished (`getFinishedTime`): the latest container `finishedAt` once
/// every container has terminated, else the time its Ready condition turned False,
/// else its deletion time minus the grace period, else its creation time.
fn finished_time(pod: &Pod) -> Timestamp {
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
fn removal_order(a: &Pod, b: &Pod) -> Ordering {
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

/// A pod for the Job, built from its template the way the Job controller does
/// (`GetPodFromTemplate`): template labels plus the Job's identity labels, template
/// annotations and finalizers, a controller owner reference, the template's spec.
fn new_pod(job: &Job) -> Pod {
    let job_name = job.metadata.name.clone().unwrap_or_default();
    let job_uid = job.metadata.uid.clone().unwrap_or_default();
    let template = job.spec.as_ref().map(|s| &s.template);
    let template_meta = template
        .and_then(|t| t.metadata.clone())
        .unwrap_or_default();
    let mut pod_labels = template_meta.labels.unwrap_or_default();
    for (key, value) in [
        (labels::CONTROLLER_UID, &job_uid),
        (labels::JOB_NAME, &job_name),
        (labels::BATCH_CONTROLLER_UID, &job_uid),
        (labels::BATCH_JOB_NAME, &job_name),
    ] {
        pod_labels.insert(key.to_owned(), value.clone());
    }
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{job_name}-")),
            namespace: job.metadata.namespace.clone(),
            labels: Some(pod_labels),
            annotations: template_meta.annotations.filter(|a| !a.is_empty()),
            finalizers: template_meta.finalizers.filter(|f| !f.is_empty()),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                name: job_name,
                uid: job_uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: template.and_then(|t| t.spec.clone()),
        status: Some(PodStatus {
            phase: Some("Pending".into()),
            ..PodStatus::default()
        }),
    }
}

/// `ensureJobConditionStatus` for a True condition: add it, or rewrite it when its
/// status, reason or message differ; an unchanged condition keeps its times.
fn ensure_condition(
    conds: &mut Vec<JobCondition>,
    type_: &str,
    reason: &str,
    message: &str,
    now: Timestamp,
) {
    let fresh = JobCondition {
        type_: type_.to_owned(),
        status: "True".into(),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        last_probe_time: Some(Time(now)),
        last_transition_time: Some(Time(now)),
    };
    match conds.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            let same = c.status == "True"
                && c.reason.as_deref().unwrap_or_default() == reason
                && c.message.as_deref().unwrap_or_default() == message;
            if !same {
                *c = fresh;
            }
        }
        None => conds.push(fresh),
    }
}

fn conditions(job: &Job) -> &[JobCondition] {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
}

fn true_condition<'a>(job: &'a Job, type_: &str) -> Option<&'a JobCondition> {
    conditions(job)
        .iter()
        .find(|c| c.type_ == type_ && c.status == "True")
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn pod_name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}

/// `now - since`, zero when `since` lies in the future (clock skew between Docker's
/// timestamps and ours must not extend a wait).
fn elapsed_between(since: Timestamp, now: Timestamp) -> Duration {
    Duration::try_from(now.duration_since(since)).unwrap_or(Duration::ZERO)
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

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::JobSpec;
    use k8s_openapi::api::core::v1::{
        Container, ContainerState, ContainerStateTerminated, PodCondition, PodSpec, PodTemplateSpec,
    };
    use std::collections::BTreeMap;

    const UID: &str = "0b9a6d3e-1111-2222-3333-444455556666";

    /// Seconds after a fixed instant: the injected clock.
    fn t(secs: f64) -> Timestamp {
        let base = 1_767_225_600_i64; // 2026-01-01T00:00:00Z
        let nanos = (secs * 1e9).round() as i64;
        Timestamp::from_second(base)
            .and_then(|b| b.checked_add(jiff::SignedDuration::from_nanos(nanos)))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// A defaulted Job as the API hands it to the controller.
    fn job(completions: Option<i32>, parallelism: i32, backoff_limit: i32, restart: &str) -> Job {
        let mut template_labels = BTreeMap::new();
        template_labels.insert("app".to_owned(), "pi".to_owned());
        template_labels.insert(labels::JOB_NAME.to_owned(), "pi".to_owned());
        template_labels.insert(labels::CONTROLLER_UID.to_owned(), UID.to_owned());
        let mut annotations = BTreeMap::new();
        annotations.insert("team".to_owned(), "batch".to_owned());
        Job {
            metadata: ObjectMeta {
                name: Some("pi".into()),
                namespace: Some("default".into()),
                uid: Some(UID.into()),
                ..ObjectMeta::default()
            },
            spec: Some(JobSpec {
                completions,
                parallelism: Some(parallelism),
                backoff_limit: Some(backoff_limit),
                completion_mode: Some("NonIndexed".into()),
                pod_replacement_policy: Some("TerminatingOrFailed".into()),
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(template_labels),
                        annotations: Some(annotations),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![Container {
                            name: "pi".into(),
                            image: Some("dockjob-test/busybox:1".into()),
                            ..Container::default()
                        }],
                        restart_policy: Some(restart.into()),
                        ..PodSpec::default()
                    }),
                },
                ..JobSpec::default()
            }),
            status: None,
        }
    }

    /// A pod of the Job, built up by the methods below.
    struct P(Pod);

    fn pod(name: &str, phase: &str) -> P {
        P(Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                creation_timestamp: Some(Time(t(0.0))),
                ..ObjectMeta::default()
            },
            spec: None,
            status: Some(PodStatus {
                phase: Some(phase.into()),
                container_statuses: Some(vec![ContainerStatus {
                    name: "pi".into(),
                    ..ContainerStatus::default()
                }]),
                ..PodStatus::default()
            }),
        })
    }

    impl P {
        fn status(&mut self) -> &mut PodStatus {
            self.0.status.get_or_insert_with(PodStatus::default)
        }
        /// The container terminated at `at` (with exit code 0 or 1 by phase).
        fn finished(mut self, at: Timestamp) -> Self {
            let code = i32::from(phase(&self.0) == "Failed");
            for cs in self.status().container_statuses.iter_mut().flatten() {
                cs.state = Some(ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        exit_code: code,
                        finished_at: Some(Time(at)),
                        ..ContainerStateTerminated::default()
                    }),
                    ..ContainerState::default()
                });
            }
            self
        }
        fn ready(mut self) -> Self {
            self.status().conditions = Some(vec![PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..PodCondition::default()
            }]);
            self
        }
        fn restarts(mut self, n: i32) -> Self {
            for cs in self.status().container_statuses.iter_mut().flatten() {
                cs.restart_count = n;
            }
            self
        }
        fn init_restarts(mut self, n: i32) -> Self {
            self.status().init_container_statuses = Some(vec![ContainerStatus {
                name: "setup".into(),
                restart_count: n,
                ..ContainerStatus::default()
            }]);
            self
        }
        fn deleting(mut self, at: Timestamp) -> Self {
            self.0.metadata.deletion_timestamp = Some(Time(at));
            self
        }
        fn created(mut self, at: Timestamp) -> Self {
            self.0.metadata.creation_timestamp = Some(Time(at));
            self
        }
        fn done(self) -> Pod {
            self.0
        }
    }

    /// The Job after the engine wrote the plan's status.
    fn with_status(job: &Job, plan: &JobPlan) -> Job {
        let mut next = job.clone();
        next.status = Some(plan.status.clone());
        next
    }

    fn cond<'a>(status: &'a JobStatus, type_: &str) -> Option<&'a JobCondition> {
        status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == type_)
    }

    fn cond_types(status: &JobStatus) -> Vec<&str> {
        status
            .conditions
            .iter()
            .flatten()
            .map(|c| c.type_.as_str())
            .collect()
    }

    fn reasons(plan: &JobPlan) -> Vec<(EventType, &str, &str)> {
        plan.events
            .iter()
            .map(|e| (e.type_.clone(), e.reason.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn one_shot_creates_one_pod_shaped_like_kubernetes() {
        let j = job(Some(1), 1, 6, "Never");
        let plan = reconcile(&j, &[], t(0.4));
        assert_eq!(plan.create.len(), 1);
        assert!(plan.delete.is_empty() && plan.events.is_empty());
        assert_eq!(plan.requeue_after, None);

        let p = &plan.create[0];
        assert_eq!(p.metadata.generate_name.as_deref(), Some("pi-"));
        assert_eq!(p.metadata.name, None);
        assert_eq!(p.metadata.namespace.as_deref(), Some("default"));
        let l = p.metadata.labels.clone().unwrap_or_default();
        assert_eq!(l.get("app").map(String::as_str), Some("pi"));
        for (k, v) in [
            (labels::JOB_NAME, "pi"),
            (labels::BATCH_JOB_NAME, "pi"),
            (labels::CONTROLLER_UID, UID),
            (labels::BATCH_CONTROLLER_UID, UID),
        ] {
            assert_eq!(l.get(k).map(String::as_str), Some(v), "label {k}");
        }
        let ann = p.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(ann.get("team").map(String::as_str), Some("batch"));
        assert_eq!(
            p.metadata.owner_references,
            Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                name: "pi".into(),
                uid: UID.into(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }])
        );
        assert_eq!(
            p.spec,
            j.spec.as_ref().and_then(|s| s.template.spec.clone())
        );
        assert_eq!(
            p.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Pending")
        );

        let s = &plan.status;
        assert_eq!(s.start_time, Some(Time(t(0.0))), "stamped in whole seconds");
        assert_eq!(
            (s.active, s.ready, s.terminating),
            (Some(1), Some(0), Some(0))
        );
        assert_eq!((s.succeeded, s.failed), (None, None));
        assert_eq!(s.conditions, None);
        assert_eq!(
            s.uncounted_terminated_pods,
            Some(UncountedTerminatedPods::default())
        );
    }

    #[test]
    fn one_shot_completes_with_both_conditions_and_the_event() {
        let j0 = job(Some(1), 1, 6, "Never");
        let j1 = with_status(&j0, &reconcile(&j0, &[], t(0.0)));
        // While the pod runs nothing more is created.
        let running = [pod("pi-abcde", "Running").ready().done()];
        let plan = reconcile(&j1, &running, t(3.0));
        assert!(plan.create.is_empty());
        assert_eq!((plan.status.active, plan.status.ready), (Some(1), Some(1)));

        let done = [pod("pi-abcde", "Succeeded").finished(t(7.0)).done()];
        let plan = reconcile(&with_status(&j1, &plan), &done, t(8.0));
        let s = &plan.status;
        assert!(plan.create.is_empty() && plan.delete.is_empty());
        assert_eq!(cond_types(s), ["SuccessCriteriaMet", "Complete"]);
        for type_ in ["SuccessCriteriaMet", "Complete"] {
            let c = cond(s, type_).cloned().unwrap_or_default();
            assert_eq!(c.status, "True");
            assert_eq!(c.reason.as_deref(), Some("CompletionsReached"));
            assert_eq!(
                c.message.as_deref(),
                Some("Reached expected number of succeeded pods")
            );
            assert_eq!(c.last_transition_time, Some(Time(t(8.0))));
            assert_eq!(c.last_probe_time, Some(Time(t(8.0))));
        }
        assert_eq!(s.start_time, Some(Time(t(0.0))));
        assert_eq!(s.completion_time, Some(Time(t(8.0))));
        assert_eq!(
            (s.active, s.ready, s.succeeded, s.failed),
            (None, Some(0), Some(1), None)
        );
        assert_eq!(
            reasons(&plan),
            [(EventType::Normal, "Completed", "Job completed")]
        );
        assert!(finished_condition(&with_status(&j1, &plan)).is_some());
    }

    #[test]
    fn parallel_ten_by_five_never_exceeds_five_and_ends_at_exactly_ten() {
        let mut j = job(Some(10), 5, 6, "Never");
        let mut pods: Vec<Pod> = Vec::new();
        let mut created = 0;
        for step in 0..50 {
            let now = t(f64::from(step));
            let plan = reconcile(&j, &pods, now);
            for p in &plan.create {
                created += 1;
                let mut p = p.clone();
                p.metadata.name = Some(format!("pi-{created:05}"));
                p.metadata.creation_timestamp = Some(Time(now));
                pods.push(p);
            }
            let active = pods
                .iter()
                .filter(|p| classify(p) == PodClass::Active)
                .count();
            assert!(active <= 5, "step {step}: {active} active");
            assert_eq!(plan.status.active.unwrap_or(0), i32_len(active));
            j = with_status(&j, &plan);
            if finished_condition(&j).is_some() {
                break;
            }
            // The two oldest running pods succeed before the next reconcile.
            for p in pods.iter_mut().filter(|p| phase(p) == "Pending").take(2) {
                if let Some(s) = p.status.as_mut() {
                    s.phase = Some("Succeeded".into());
                }
            }
        }
        let s = j.status.clone().unwrap_or_default();
        assert_eq!(
            cond(&s, "Complete").map(|c| c.status.as_str()),
            Some("True")
        );
        assert_eq!(s.succeeded, Some(10));
        assert_eq!(created, 10);
        assert_eq!(s.active, None);
    }

    #[test]
    fn parallelism_larger_than_remaining_completions_creates_only_what_is_needed() {
        let j = job(Some(5), 4, 6, "Never");
        let pods: Vec<Pod> = (0..3)
            .map(|i| pod(&format!("pi-{i}"), "Succeeded").finished(t(1.0)).done())
            .collect();
        let plan = reconcile(&j, &pods, t(2.0));
        assert_eq!(plan.create.len(), 2);
        assert_eq!(plan.status.active, Some(2));

        // With one of the two still running, only one more.
        let mut more = pods.clone();
        more.push(pod("pi-3", "Running").done());
        assert_eq!(reconcile(&j, &more, t(2.0)).create.len(), 1);
    }

    #[test]
    fn work_queue_starts_parallelism_and_stops_creating_after_first_success() {
        let j = job(None, 3, 6, "Never");
        let plan = reconcile(&j, &[], t(0.0));
        assert_eq!(plan.create.len(), 3);
        let j = with_status(&j, &plan);

        // One consumer finished the queue, two still draining: no new pod, not done.
        let pods = vec![
            pod("pi-a", "Succeeded").finished(t(5.0)).done(),
            pod("pi-b", "Running").done(),
            pod("pi-c", "Running").done(),
        ];
        let plan = reconcile(&j, &pods, t(6.0));
        assert!(plan.create.is_empty() && plan.delete.is_empty());
        assert_eq!(plan.status.conditions, None);
        assert_eq!(
            (plan.status.active, plan.status.succeeded),
            (Some(2), Some(1))
        );

        // Even when one of the rest fails, it is not replaced; the job completes once
        // every pod has terminated.
        let pods = vec![
            pod("pi-a", "Succeeded").finished(t(5.0)).done(),
            pod("pi-b", "Failed").finished(t(7.0)).done(),
            pod("pi-c", "Running").done(),
        ];
        let plan = reconcile(&j, &pods, t(8.0));
        assert!(plan.create.is_empty());
        assert_eq!(plan.status.conditions, None);
        let pods = vec![
            pod("pi-a", "Succeeded").finished(t(5.0)).done(),
            pod("pi-b", "Failed").finished(t(7.0)).done(),
            pod("pi-c", "Succeeded").finished(t(9.0)).done(),
        ];
        let plan = reconcile(&j, &pods, t(10.0));
        assert!(plan.create.is_empty());
        assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet", "Complete"]);
        assert_eq!(
            (plan.status.succeeded, plan.status.failed),
            (Some(2), Some(1))
        );
    }

    #[test]
    fn work_queue_without_success_replaces_failed_consumers() {
        let j = job(None, 2, 6, "Never");
        let pods = vec![
            pod("pi-a", "Failed").finished(t(0.0)).done(),
            pod("pi-b", "Running").done(),
        ];
        let plan = reconcile(&j, &pods, t(10.0));
        assert_eq!(plan.create.len(), 1);
        assert_eq!(plan.status.failed, Some(1));
    }

    /// Backoff table: (finish times of failed pods, finish times of succeeded pods,
    /// now, expected pods created, expected requeue_after).
    #[test]
    fn pod_failure_backoff_timing() {
        /// (name, failed pods' finish times, succeeded pods' finish times, now,
        /// pods created, requeue_after)
        type Case = (
            &'static str,
            &'static [f64],
            &'static [f64],
            f64,
            usize,
            Option<Duration>,
        );
        let cases: &[Case] = &[
            ("no failure, no wait", &[], &[], 0.0, 1, None),
            (
                "9.9 s after a failure",
                &[0.0],
                &[],
                9.9,
                0,
                Some(Duration::from_millis(100)),
            ),
            ("10 s after a failure", &[0.0], &[], 10.0, 1, None),
            (
                "just after the second failure",
                &[0.0],
                &[],
                0.0,
                0,
                Some(Duration::from_secs(10)),
            ),
            (
                "19 s after the second failure",
                &[0.0, 15.0],
                &[],
                34.0,
                0,
                Some(Duration::from_secs(1)),
            ),
            (
                "20 s after the second failure",
                &[0.0, 15.0],
                &[],
                35.0,
                1,
                None,
            ),
            (
                "third failure waits 40 s",
                &[0.0, 15.0, 40.0],
                &[],
                79.0,
                0,
                Some(Duration::from_secs(1)),
            ),
            (
                "third failure after 40 s",
                &[0.0, 15.0, 40.0],
                &[],
                80.0,
                1,
                None,
            ),
            (
                "eight failures are capped at 10 min",
                &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                &[],
                606.5,
                0,
                Some(Duration::from_millis(500)),
            ),
            (
                "capped wait ends at 10 min",
                &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                &[],
                607.0,
                1,
                None,
            ),
            (
                "a success resets the count",
                &[0.0, 1.0, 2.0, 20.0],
                &[10.0],
                29.0,
                0,
                Some(Duration::from_secs(1)),
            ),
            (
                "failures before the last success do not count",
                &[0.0, 1.0],
                &[10.0],
                11.0,
                1,
                None,
            ),
        ];
        for (name, failed, succeeded, now, want_create, want_requeue) in cases {
            let j = job(Some(5), 1, 100, "Never");
            let mut pods: Vec<Pod> = Vec::new();
            for (i, at) in failed.iter().enumerate() {
                pods.push(pod(&format!("f{i}"), "Failed").finished(t(*at)).done());
            }
            for (i, at) in succeeded.iter().enumerate() {
                pods.push(pod(&format!("s{i}"), "Succeeded").finished(t(*at)).done());
            }
            let plan = reconcile(&j, &pods, t(*now));
            assert_eq!(plan.create.len(), *want_create, "{name}: created");
            assert_eq!(plan.requeue_after, *want_requeue, "{name}: requeue_after");
            // Waiting never shows as an active pod.
            let want_active = (*want_create > 0).then_some(1);
            assert_eq!(plan.status.active, want_active, "{name}: active");
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let got: Vec<u64> = [1, 2, 3, 4, 5, 6, 7, 8, 50]
            .iter()
            .map(|n| backoff_for_failures(*n).as_secs())
            .collect();
        assert_eq!(got, [10, 20, 40, 80, 160, 320, 600, 600, 600]);
    }

    #[test]
    fn finish_time_falls_back_like_kubernetes() {
        // No terminated container: the Ready=False transition time.
        let mut p = pod("a", "Failed").done();
        if let Some(s) = p.status.as_mut() {
            s.conditions = Some(vec![PodCondition {
                type_: "Ready".into(),
                status: "False".into(),
                last_transition_time: Some(Time(t(42.0))),
                ..PodCondition::default()
            }]);
        }
        assert_eq!(finished_time(&p), t(42.0));
        // Then deletion time minus grace period, then creation time.
        let mut p = pod("b", "Running").deleting(t(100.0)).done();
        p.metadata.deletion_grace_period_seconds = Some(30);
        assert_eq!(finished_time(&p), t(70.0));
        assert_eq!(
            finished_time(&pod("c", "Failed").created(t(5.0)).done()),
            t(5.0)
        );
        // The latest container finish wins.
        let mut p = pod("d", "Failed").finished(t(3.0)).done();
        if let Some(s) = p.status.as_mut() {
            let mut second = s.container_statuses.clone().unwrap_or_default()[0].clone();
            second.name = "side".into();
            if let Some(term) = second.state.as_mut().and_then(|st| st.terminated.as_mut()) {
                term.finished_at = Some(Time(t(9.0)));
            }
            s.container_statuses
                .get_or_insert_with(Vec::new)
                .push(second);
        }
        assert_eq!(finished_time(&p), t(9.0));
    }

    #[test]
    fn backoff_limit_with_restart_policy_never() {
        // failed > backoffLimit fails the job; failed == backoffLimit does not.
        let j = job(Some(1), 1, 2, "Never");
        let two: Vec<Pod> = (0..2)
            .map(|i| {
                pod(&format!("f{i}"), "Failed")
                    .finished(t(f64::from(i)))
                    .done()
            })
            .collect();
        let plan = reconcile(&j, &two, t(100.0));
        assert_eq!(plan.status.conditions, None);
        assert_eq!(plan.create.len(), 1);
        assert_eq!(plan.status.failed, Some(2));

        let mut three = two.clone();
        three.push(pod("f2", "Failed").finished(t(50.0)).done());
        let plan = reconcile(&j, &three, t(51.0));
        let s = &plan.status;
        assert!(plan.create.is_empty() && plan.delete.is_empty());
        assert_eq!(cond_types(s), ["FailureTarget", "Failed"]);
        for type_ in ["FailureTarget", "Failed"] {
            let c = cond(s, type_).cloned().unwrap_or_default();
            assert_eq!(c.reason.as_deref(), Some("BackoffLimitExceeded"));
            assert_eq!(
                c.message.as_deref(),
                Some("Job has reached the specified backoff limit")
            );
            assert_eq!(c.last_transition_time, Some(Time(t(51.0))));
        }
        assert_eq!(cond(s, "Complete"), None);
        assert_eq!(s.completion_time, None);
        assert_eq!((s.failed, s.active, s.succeeded), (Some(3), None, None));
        assert_eq!(plan.requeue_after, None);
        assert_eq!(
            reasons(&plan),
            [(
                EventType::Warning,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit"
            )]
        );
    }

    #[test]
    fn failing_job_stops_active_pods_counts_them_failed_and_waits_for_them() {
        let j = job(Some(4), 2, 1, "Never");
        let pods = vec![
            pod("f0", "Failed").finished(t(0.0)).done(),
            pod("f1", "Failed").finished(t(20.0)).done(),
            pod("run", "Running").ready().done(),
        ];
        let plan = reconcile(&j, &pods, t(21.0));
        let s = &plan.status;
        assert_eq!(plan.delete, ["run"]);
        assert!(plan.create.is_empty() && plan.events.is_empty());
        assert_eq!(
            cond_types(s),
            ["FailureTarget"],
            "Failed waits for the pod to stop"
        );
        assert_eq!(
            (s.failed, s.active, s.ready, s.terminating),
            (Some(3), None, Some(0), Some(1))
        );

        // Still running on the next pass (the stop is in flight): listed again, same counts.
        let j1 = with_status(&j, &plan);
        let again = reconcile(&j1, &pods, t(22.0));
        assert_eq!(again.delete, ["run"]);
        assert_eq!(again.status, plan.status);
        assert!(again.events.is_empty());

        // Once it has stopped, the job is Failed; FailureTarget keeps its time.
        let stopped = vec![
            pod("f0", "Failed").finished(t(0.0)).done(),
            pod("f1", "Failed").finished(t(20.0)).done(),
            pod("run", "Failed").finished(t(23.0)).done(),
        ];
        let plan = reconcile(&j1, &stopped, t(24.0));
        let s = &plan.status;
        assert_eq!(cond_types(s), ["FailureTarget", "Failed"]);
        assert_eq!(
            cond(s, "FailureTarget").and_then(|c| c.last_transition_time.clone()),
            Some(Time(t(21.0)))
        );
        assert_eq!(
            cond(s, "Failed").and_then(|c| c.last_transition_time.clone()),
            Some(Time(t(24.0)))
        );
        assert_eq!((s.failed, s.terminating), (Some(3), Some(0)));
        assert_eq!(reasons(&plan).len(), 1);
        assert!(plan.delete.is_empty());
    }

    #[test]
    fn backoff_limit_with_restart_policy_on_failure_counts_restarts() {
        let cases: &[(&str, i32, Vec<Pod>, bool)] = &[
            (
                "2 restarts, limit 3",
                3,
                vec![pod("a", "Running").restarts(2).done()],
                false,
            ),
            (
                "3 restarts, limit 3",
                3,
                vec![pod("a", "Running").restarts(3).done()],
                true,
            ),
            (
                "init and app restarts add up",
                3,
                vec![pod("a", "Running").restarts(2).init_restarts(1).done()],
                true,
            ),
            (
                "restarts of several pods add up",
                3,
                vec![
                    pod("a", "Running").restarts(2).done(),
                    pod("b", "Pending").restarts(1).done(),
                ],
                true,
            ),
            (
                "terminal pods' restarts do not count",
                3,
                vec![
                    pod("a", "Succeeded").restarts(5).done(),
                    pod("b", "Running").restarts(1).done(),
                ],
                false,
            ),
            (
                "limit 0 fails on the first restart",
                0,
                vec![pod("a", "Running").restarts(1).done()],
                true,
            ),
            (
                "limit 0 without restarts",
                0,
                vec![pod("a", "Running").done()],
                false,
            ),
        ];
        for (name, limit, pods, fails) in cases {
            let j = job(Some(2), 2, *limit, "OnFailure");
            let plan = reconcile(&j, pods, t(5.0));
            let failed_target = cond(&plan.status, "FailureTarget").is_some();
            assert_eq!(failed_target, *fails, "{name}");
            if *fails {
                let running: Vec<String> = pods
                    .iter()
                    .filter(|p| !classify(p).is_terminal())
                    .map(pod_name)
                    .collect();
                assert_eq!(plan.delete, running, "{name}: delete");
                assert!(plan.create.is_empty(), "{name}: create");
                assert_eq!(
                    plan.status.failed,
                    Some(i32_len(running.len())),
                    "{name}: failed"
                );
            }
        }
        // The same restarts mean nothing under restartPolicy Never.
        let j = job(Some(1), 1, 3, "Never");
        let plan = reconcile(&j, &[pod("a", "Running").restarts(9).done()], t(5.0));
        assert_eq!(plan.status.conditions, None);
    }

    #[test]
    fn counts_are_derived_from_pods_including_terminal_ones() {
        let pods = vec![
            pod("s1", "Succeeded").finished(t(1.0)).done(),
            pod("s2", "Succeeded").finished(t(2.0)).done(),
            pod("f1", "Failed").finished(t(3.0)).done(),
            pod("r1", "Running").ready().done(),
            pod("r2", "Running").done(),
            pod("p1", "Pending").done(),
            pod("x1", "Running").ready().deleting(t(4.0)).done(),
        ];
        let j = job(Some(10), 4, 6, "Never");
        let plan = reconcile(&j, &pods, t(100.0));
        let s = &plan.status;
        // A terminating pod is not active; with TerminatingOrFailed it is a failure and
        // is replaced without waiting for it to stop (the pod created now is active).
        assert_eq!(plan.create.len(), 1);
        assert_eq!(
            (s.active, s.ready, s.succeeded, s.failed, s.terminating),
            (Some(4), Some(1), Some(2), Some(2), Some(1))
        );

        // With podReplacementPolicy Failed it is neither failed nor replaced yet.
        let mut j = job(Some(10), 4, 6, "Never");
        if let Some(spec) = j.spec.as_mut() {
            spec.pod_replacement_policy = Some("Failed".into());
        }
        let plan = reconcile(&j, &pods, t(100.0));
        assert_eq!(
            (plan.status.failed, plan.status.terminating),
            (Some(1), Some(1))
        );
        assert!(plan.create.is_empty());
    }

    #[test]
    fn reconcile_is_idempotent_while_running() {
        let j = job(Some(3), 2, 6, "Never");
        let pods = vec![
            pod("a", "Running").ready().done(),
            pod("b", "Succeeded").finished(t(4.0)).done(),
            pod("c", "Running").done(),
        ];
        let first = reconcile(&j, &pods, t(5.0));
        let j1 = with_status(&j, &first);
        let second = reconcile(&j1, &pods, t(60.0));
        assert!(second.create.is_empty() && second.delete.is_empty() && second.events.is_empty());
        assert_eq!(
            second.status, first.status,
            "nothing to write the second time"
        );
    }

    #[test]
    fn finished_job_changes_nothing_and_only_stops_stragglers() {
        let j = job(Some(1), 1, 6, "Never");
        let pods = vec![pod("a", "Succeeded").finished(t(4.0)).done()];
        let done = with_status(&j, &reconcile(&j, &pods, t(5.0)));
        assert!(finished_condition(&done).is_some());

        let mut later = pods.clone();
        later.push(pod("stray", "Running").done());
        later.push(pod("late", "Failed").finished(t(6.0)).done());
        for now in [t(6.0), t(3600.0)] {
            let plan = reconcile(&done, &later, now);
            assert_eq!(Some(&plan.status), done.status.as_ref());
            assert!(plan.create.is_empty() && plan.events.is_empty());
            assert_eq!(plan.delete, ["stray"]);
            assert_eq!(plan.requeue_after, None);
        }
    }

    #[test]
    fn success_decided_earlier_wins_over_later_failures() {
        // SuccessCriteriaMet recorded, pods still terminating: Complete waits; a failure
        // count over the limit meanwhile does not turn it into Failed.
        let mut j = job(Some(1), 1, 0, "Never");
        let mut conds = Vec::new();
        ensure_condition(
            &mut conds,
            condition::SUCCESS_CRITERIA_MET,
            reason::COMPLETIONS_REACHED,
            reason::COMPLETIONS_REACHED_MESSAGE,
            t(1.0),
        );
        j.status = Some(JobStatus {
            conditions: Some(conds),
            start_time: Some(Time(t(0.0))),
            ..JobStatus::default()
        });
        let pods = vec![
            pod("ok", "Succeeded").finished(t(1.0)).done(),
            pod("bye", "Running").deleting(t(1.0)).done(),
        ];
        let plan = reconcile(&j, &pods, t(2.0));
        assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet"]);
        assert_eq!(plan.delete, ["bye"]);
        assert!(plan.create.is_empty());

        let pods = vec![
            pod("ok", "Succeeded").finished(t(1.0)).done(),
            pod("bye", "Failed").finished(t(3.0)).done(),
        ];
        let plan = reconcile(&j, &pods, t(4.0));
        assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet", "Complete"]);
        assert_eq!(
            cond(&plan.status, "SuccessCriteriaMet").and_then(|c| c.last_transition_time.clone()),
            Some(Time(t(1.0)))
        );
        assert_eq!(
            reasons(&plan),
            [(EventType::Normal, "Completed", "Job completed")]
        );
    }

    #[test]
    fn active_deadline_requeues_then_fails() {
        let mut j = job(Some(1), 1, 6, "Never");
        if let Some(spec) = j.spec.as_mut() {
            spec.active_deadline_seconds = Some(30);
        }
        let plan = reconcile(&j, &[], t(0.0));
        assert_eq!(plan.requeue_after, Some(Duration::from_secs(30)));
        let j = with_status(&j, &plan);
        let pods = [pod("a", "Running").done()];
        assert_eq!(
            reconcile(&j, &pods, t(10.0)).requeue_after,
            Some(Duration::from_secs(20))
        );
        let plan = reconcile(&j, &pods, t(30.0));
        let c = cond(&plan.status, "FailureTarget")
            .cloned()
            .unwrap_or_default();
        assert_eq!(c.reason.as_deref(), Some("DeadlineExceeded"));
        assert_eq!(
            c.message.as_deref(),
            Some("Job was active longer than specified deadline")
        );
        assert_eq!(plan.delete, ["a"]);
    }

    #[test]
    fn surplus_pods_are_removed_least_progressed_first() {
        let j = job(Some(10), 1, 6, "Never");
        let pods = vec![
            pod("old-ready", "Running").ready().created(t(1.0)).done(),
            pod("pending", "Pending").created(t(3.0)).done(),
            pod("new-running", "Running").created(t(2.0)).done(),
        ];
        let plan = reconcile(&j, &pods, t(5.0));
        assert_eq!(plan.delete, ["pending", "new-running"]);
        assert!(plan.create.is_empty());
        assert_eq!(
            (plan.status.active, plan.status.terminating),
            (Some(1), Some(2))
        );
    }

    #[test]
    fn job_being_deleted_gets_no_new_pods() {
        let mut j = job(Some(1), 1, 6, "Never");
        j.metadata.deletion_timestamp = Some(Time(t(0.0)));
        assert!(reconcile(&j, &[], t(1.0)).create.is_empty());
    }

    #[test]
    fn too_many_succeeded_pods_are_reported() {
        let j = job(Some(1), 1, 6, "Never");
        let pods = vec![
            pod("a", "Succeeded").finished(t(1.0)).done(),
            pod("b", "Succeeded").finished(t(1.0)).done(),
        ];
        let plan = reconcile(&j, &pods, t(2.0));
        assert_eq!(
            reasons(&plan),
            [
                (
                    EventType::Warning,
                    "TooManySucceededPods",
                    "Too many succeeded pods running after completion count reached"
                ),
                (EventType::Normal, "Completed", "Job completed"),
            ]
        );
    }

    #[test]
    fn status_serializes_with_the_api_omitempty_rules() {
        let j = job(Some(1), 1, 6, "Never");
        let plan = reconcile(&j, &[pod("a", "Succeeded").finished(t(1.0)).done()], t(2.0));
        let v = serde_json::to_value(&plan.status).unwrap_or_default();
        assert_eq!(v.get("active"), None);
        assert_eq!(v.get("failed"), None);
        assert_eq!(v["ready"], 0);
        assert_eq!(v["terminating"], 0);
        assert_eq!(v["succeeded"], 1);
        assert_eq!(v["uncountedTerminatedPods"], serde_json::json!({}));
        assert_eq!(v["completionTime"], "2026-01-01T00:00:02Z");
    }
}
