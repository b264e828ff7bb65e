//! The CronJob controller (v2) as a pure function:
//! `reconcile(cronjob, jobs, now) -> CronJobPlan`, with the semantics of
//! `pkg/controller/cronjob/cronjob_controllerv2.go` and `utils.go`: history-limit
//! cleanup, the active list, `lastScheduleTime` / `lastSuccessfulTime`, the most
//! recent missed schedule within `startingDeadlineSeconds`, `concurrencyPolicy`,
//! `suspend`, deterministic Job names and the controller's events. Also kubectl's
//! `create job --from=cronjob/X` ([`job_from_cronjob`]) and the CronJob defaults and
//! scalar-field validation the API server applies.
//!
//! Owns only decisions. The engine deletes and creates the Jobs the plan names, reports
//! the create's outcome back with [`CronJobPlan::record_create`] (the created Job's uid
//! goes into `status.active`), writes the status when it changed, records the events
//! and requeues the CronJob after `requeue_after` — the time until the next schedule,
//! so nothing polls. Must not do I/O or read the clock; the engine's local zone (used
//! when `spec.timeZone` is unset) is read only by [`reconcile`] and can be passed with
//! [`reconcile_with_local`].
//!
//! One deliberate difference: a Job already marked for deletion is treated as gone.
//! Kubernetes deletes a CronJob's Jobs with background propagation, so they vanish at
//! once; here a deleted Job's record stays until its pods are removed, and counting it
//! would report it as UnexpectedJob or delete it twice.

#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, CronJobStatus, Job};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};

use super::job::{EventRecord, EventType, finished_condition};
use super::schedule::{self, Missed, Schedule};
use crate::api::validate::{BadValue, FieldError};

/// Annotation with the scheduled time of a Job the controller made (RFC 3339, in the
/// CronJob's time zone; UTC without one).
pub const SCHEDULED_TIMESTAMP_ANNOTATION: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// Annotation kubectl puts on a Job made with `create job --from=cronjob/X`.
pub const INSTANTIATE_ANNOTATION: &str = "cronjob.kubernetes.io/instantiate";
/// Kubernetes' `nextScheduleDelta`: the requeue lands this long after the schedule time,
/// so a timer that fires a hair early still finds the time due.
pub const NEXT_SCHEDULE_DELTA: Duration = Duration::from_millis(100);
/// `spec.successfulJobsHistoryLimit` when unset (`SetDefaults_CronJob`).
pub const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT: i32 = 3;
/// `spec.failedJobsHistoryLimit` when unset.
pub const DEFAULT_FAILED_JOBS_HISTORY_LIMIT: i32 = 1;
/// A CronJob name leaves room for `-<11 digits>` in its Jobs' 63-character names.
pub const MAX_NAME_LENGTH: usize = 52;

/// What one reconcile of a CronJob decided. Nothing has happened yet.
#[derive(Clone, Debug, PartialEq)]
pub struct CronJobPlan {
    /// The status after the deletions below (finished Jobs out of `active`, the
    /// replaced Jobs out of `active`, `lastSuccessfulTime`); [`Self::record_create`]
    /// adds the created Job and `lastScheduleTime`. The engine writes it when it differs
    /// from the stored one.
    pub status: CronJobStatus,
    /// Jobs to delete, by name, in order (history cleanup first, then the active Jobs a
    /// `Replace` policy replaces). Their pods go with them.
    pub delete: Vec<String>,
    /// The Job to create, if a schedule time is due.
    pub create: Option<JobCreation>,
    /// Events to record on the CronJob, in order.
    pub events: Vec<EventRecord>,
    /// Reconcile again after this long: the next schedule time plus
    /// [`NEXT_SCHEDULE_DELTA`]. `None` when suspended, being deleted, or the schedule or
    /// time zone is unusable (a spec change wakes it).
    pub requeue_after: Option<Duration>,
}

/// A Job the controller asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct JobCreation {
    /// The full Job: `<cronjob>-<scheduled unix minutes>`, template labels and
    /// annotations plus [`SCHEDULED_TIMESTAMP_ANNOTATION`], controller reference.
    pub job: Job,
    pub scheduled_time: Timestamp,
}

/// How the engine's create of [`CronJobPlan::create`] went.
#[derive(Clone, Copy, Debug)]
pub enum CreateOutcome<'a> {
    /// Created: the stored Job (with its uid).
    Created(&'a Job),
    /// A Job of that name exists already: the stored one.
    AlreadyExists(&'a Job),
    /// Any other error, as text.
    Failed(&'a str),
}

impl CronJobPlan {
    /// Fold the create's outcome into the plan as `syncCronJob` does after `CreateJob`:
    /// a new Job gets SuccessfulCreate; a Job that exists already and is ours but not in
    /// `active` (the engine stopped between creating it and writing the status) is
    /// adopted silently; either way it joins `active` and its time becomes
    /// `lastScheduleTime`. A Job of that name that is someone else's, or already
    /// active, leaves the status as is and the CronJob unqueued, as in Kubernetes; an
    /// error records FailedCreate and leaves the retry to the engine's backoff.
    pub fn record_create(&mut self, cj: &CronJob, outcome: CreateOutcome<'_>) {
        let Some(creation) = self.create.as_ref() else {
            return;
        };
        let scheduled = creation.scheduled_time;
        let job = match outcome {
            CreateOutcome::Created(job) => {
                self.events.push(event(
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created job {}", name_of(&job.metadata)),
                ));
                job
            }
            CreateOutcome::AlreadyExists(job) => {
                let ours = controller_ref(job)
                    .is_some_and(|r| Some(r.uid.as_str()) == cj.metadata.uid.as_deref());
                if !ours || in_active_list(&self.status, uid_of(&job.metadata)) {
                    self.requeue_after = None;
                    return;
                }
                job
            }
            CreateOutcome::Failed(err) => {
                self.events.push(event(
                    EventType::Warning,
                    "FailedCreate",
                    format!("Error creating job: {err}"),
                ));
                self.requeue_after = None;
                return;
            }
        };
        self.status
            .active
            .get_or_insert_with(Vec::new)
            .push(job_reference(job));
        self.status.last_schedule_time = Some(Time(scheduled));
    }
}

/// [`reconcile_with_local`] in the engine's local zone (kube-controller-manager's local
/// zone in Kubernetes), which a CronJob without `spec.timeZone` runs in.
pub fn reconcile(cj: &CronJob, jobs: &[Job], now: Timestamp) -> CronJobPlan {
    reconcile_with_local(cj, jobs, now, &TimeZone::system())
}

/// `sync`: `cleanupFinishedJobs` then `syncCronJob`. `jobs` are the Jobs whose
/// controller reference names this CronJob (others are ignored, as
/// `getJobsToBeReconciled` ignores them); `local` is the zone for a CronJob without
/// `spec.timeZone`.
pub fn reconcile_with_local(
    cj: &CronJob,
    jobs: &[Job],
    now: Timestamp,
    local: &TimeZone,
) -> CronJobPlan {
    let name = name_of(&cj.metadata);
    let spec = cj.spec.clone();
    let jobs: Vec<&Job> = jobs
        .iter()
        .filter(|j| j.metadata.deletion_timestamp.is_none())
        .filter(|j| controller_ref(j).is_some_and(|r| r.name == name))
        .collect();
    let mut plan = CronJobPlan {
        status: cj.status.clone().unwrap_or_default(),
        delete: Vec::new(),
        create: None,
        events: Vec::new(),
        requeue_after: None,
    };
    cleanup_finished_jobs(&spec, &jobs, &mut plan);
    sync_cron_job(cj, &spec, &jobs, now, local, &mut plan);
    if plan.status.active.as_ref().is_some_and(Vec::is_empty) {
        plan.status.active = None;
    }
    plan
}

/// `cleanupFinishedJobs`: beyond each history limit, delete the oldest finished Jobs
/// (by start time, unstarted last, name as tie-break). Nothing when both limits are
/// unset (the API defaults them).
fn cleanup_finished_jobs(spec: &CronJobSpec, jobs: &[&Job], plan: &mut CronJobPlan) {
    if spec.successful_jobs_history_limit.is_none() && spec.failed_jobs_history_limit.is_none() {
        return;
    }
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for job in jobs {
        match finished_condition(job).map(|c| c.type_.as_str()) {
            Some("Complete") => successful.push(*job),
            Some("Failed") => failed.push(*job),
            _ => {}
        }
    }
    if let Some(limit) = spec.successful_jobs_history_limit {
        remove_oldest_jobs(&mut successful, limit, plan);
    }
    if let Some(limit) = spec.failed_jobs_history_limit {
        remove_oldest_jobs(&mut failed, limit, plan);
    }
}

fn remove_oldest_jobs(jobs: &mut [&Job], max: i32, plan: &mut CronJobPlan) {
    let excess = i64::try_from(jobs.len()).unwrap_or(i64::MAX) - i64::from(max);
    let Ok(excess) = usize::try_from(excess) else {
        return;
    };
    jobs.sort_by(|a, b| by_job_start_time(a, b));
    for job in jobs.iter().take(excess) {
        delete_job(job, plan);
    }
}

/// `byJobStartTime`.
fn by_job_start_time(a: &Job, b: &Job) -> Ordering {
    let start = |j: &Job| {
        j.status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .map(|t| t.0)
    };
    match (start(a), start(b)) {
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (x, y) if x == y => name_of(&a.metadata).cmp(name_of(&b.metadata)),
        (x, y) => x.cmp(&y),
    }
}

/// `deleteJob`: the Job goes, and with it its place in `active`.
fn delete_job(job: &Job, plan: &mut CronJobPlan) {
    let name = name_of(&job.metadata);
    plan.delete.push(name.to_string());
    delete_from_active_list(&mut plan.status, uid_of(&job.metadata));
    plan.events.push(event(
        EventType::Normal,
        "SuccessfulDelete",
        format!("Deleted job {name}"),
    ));
}

/// `syncCronJob`.
fn sync_cron_job(
    cj: &CronJob,
    spec: &CronJobSpec,
    jobs: &[&Job],
    now: Timestamp,
    local: &TimeZone,
    plan: &mut CronJobPlan,
) {
    for job in jobs {
        let uid = uid_of(&job.metadata);
        let name = name_of(&job.metadata);
        let found = in_active_list(&plan.status, uid);
        let finished = finished_condition(job);
        match finished {
            None if !found => plan.events.push(event(
                EventType::Warning,
                "UnexpectedJob",
                format!("Saw a job that the controller did not create or forgot: {name}"),
            )),
            None => {}
            Some(cond) => {
                if found {
                    delete_from_active_list(&mut plan.status, uid);
                    plan.events.push(event(
                        EventType::Normal,
                        "SawCompletedJob",
                        format!("Saw completed job: {name}, condition: {}", cond.type_),
                    ));
                }
                if is_job_succeeded(job) {
                    let completed = job.status.as_ref().and_then(|s| s.completion_time.clone());
                    let last = &mut plan.status.last_successful_time;
                    if last.is_none() {
                        *last = completed.clone();
                    }
                    if let Some(c) = completed
                        && last.as_ref().is_some_and(|l| c.0 > l.0)
                    {
                        *last = Some(c);
                    }
                }
            }
        }
    }

    // Active Jobs that no longer exist.
    let present: Vec<&str> = jobs.iter().map(|j| uid_of(&j.metadata)).collect();
    for r in plan.status.active.clone().unwrap_or_default() {
        let uid = r.uid.as_deref().unwrap_or("");
        if present.contains(&uid) {
            continue;
        }
        plan.events.push(event(
            EventType::Normal,
            "MissingJob",
            format!(
                "Active job went missing: {}",
                r.name.as_deref().unwrap_or("")
            ),
        ));
        delete_from_active_list(&mut plan.status, uid);
    }

    if cj.metadata.deletion_timestamp.is_some() {
        return;
    }

    let zone = match spec.time_zone.as_deref() {
        None => None,
        Some(name) => match schedule::load_location_with_local(name, local) {
            Ok(tz) => Some(tz),
            Err(e) => {
                plan.events.push(event(
                    EventType::Warning,
                    "UnknownTimeZone",
                    format!("invalid timeZone: {name:?}: {e}"),
                ));
                return;
            }
        },
    };

    if spec.suspend == Some(true) {
        return;
    }

    // `formatSchedule`: a legacy `TZ=` prefix wins over `timeZone` and is warned about.
    let parsed = if spec.schedule.contains("TZ") {
        plan.events.push(event(
            EventType::Warning,
            "UnsupportedSchedule",
            format!(
                "CRON_TZ or TZ used in schedule {:?} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details",
                spec.schedule
            ),
        ));
        schedule::parse_standard(&spec.schedule, local)
    } else {
        schedule::parse_standard(&spec.schedule, zone.as_ref().unwrap_or(local))
    };
    let sched = match parsed {
        Ok(s) => s,
        Err(e) => {
            plan.events.push(event(
                EventType::Warning,
                "UnparseableSchedule",
                format!("unparseable schedule: {:?} : {e}", spec.schedule),
            ));
            return;
        }
    };

    // `nextScheduleTime`.
    let recent = match schedule::most_recent(
        &sched,
        earliest_time(cj, &plan.status, spec, now, true),
        now,
    ) {
        Ok(r) => r,
        Err(e) => {
            plan.events.push(event(
                EventType::Warning,
                "InvalidSchedule",
                format!("invalid schedule: {} : {e}", spec.schedule),
            ));
            return;
        }
    };
    let Some(scheduled) = recent.time.filter(|t| *t <= now) else {
        plan.requeue_after = next_schedule_duration(cj, &plan.status, now, &sched);
        return;
    };
    if recent.missed == Missed::Many {
        plan.events.push(event(
            EventType::Warning,
            "TooManyMissedTimes",
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
                .to_string(),
        ));
    }

    if let Some(deadline) = spec.starting_deadline_seconds {
        let too_late = scheduled
            .checked_add(SignedDuration::from_secs(deadline))
            .is_ok_and(|t| t < now);
        if too_late {
            plan.events.push(event(
                EventType::Warning,
                "MissSchedule",
                format!(
                    "Missed scheduled time to start a job: {}",
                    scheduled.strftime("%a, %d %b %Y %H:%M:%S +0000")
                ),
            ));
            plan.requeue_after = next_schedule_duration(cj, &plan.status, now, &sched);
            return;
        }
    }

    let job_name = job_name(cj, scheduled);
    let namespace = cj.metadata.namespace.as_deref();
    let in_active_by_name = plan.status.active.iter().flatten().any(|r| {
        r.name.as_deref() == Some(job_name.as_str()) && r.namespace.as_deref() == namespace
    });
    let already = plan
        .status
        .last_schedule_time
        .as_ref()
        .is_some_and(|t| t.0 == scheduled);
    if in_active_by_name || already {
        plan.requeue_after = next_schedule_duration(cj, &plan.status, now, &sched);
        return;
    }

    let active = plan.status.active.as_ref().map_or(0, Vec::len);
    match spec.concurrency_policy.as_deref() {
        Some("Forbid") if active > 0 => {
            plan.events.push(event(
                EventType::Normal,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid"
                    .to_string(),
            ));
            plan.requeue_after = next_schedule_duration(cj, &plan.status, now, &sched);
            return;
        }
        Some("Replace") => {
            for r in plan.status.active.take().unwrap_or_default() {
                let name = r.name.unwrap_or_default();
                plan.events.push(event(
                    EventType::Normal,
                    "SuccessfulDelete",
                    format!("Deleted job {name}"),
                ));
                plan.delete.push(name);
            }
        }
        _ => {}
    }

    let annotation_zone = zone.unwrap_or(TimeZone::UTC);
    plan.create = Some(JobCreation {
        job: job_from_template(cj, &job_name, scheduled, &annotation_zone),
        scheduled_time: scheduled,
    });
    // The requeue as Kubernetes computes it, after the create set lastScheduleTime.
    let mut after_create = plan.status.clone();
    after_create.last_schedule_time = Some(Time(scheduled));
    plan.requeue_after = next_schedule_duration(cj, &after_create, now, &sched);
}

/// The start of the window `mostRecentScheduleTime` looks in: `lastScheduleTime`, else
/// the CronJob's creation, moved up to `now - startingDeadlineSeconds` when asked.
fn earliest_time(
    cj: &CronJob,
    status: &CronJobStatus,
    spec: &CronJobSpec,
    now: Timestamp,
    include_deadline: bool,
) -> Timestamp {
    let mut earliest = status
        .last_schedule_time
        .as_ref()
        .or(cj.metadata.creation_timestamp.as_ref())
        .map_or(Timestamp::UNIX_EPOCH, |t| t.0);
    if include_deadline
        && let Some(deadline) = spec.starting_deadline_seconds
        && let Ok(limit) = now.checked_sub(SignedDuration::from_secs(deadline))
        && limit > earliest
    {
        earliest = limit;
    }
    earliest
}

/// `nextScheduleTimeDuration`: until the schedule time after the most recent one (or
/// after `now` when times were missed), plus [`NEXT_SCHEDULE_DELTA`].
fn next_schedule_duration(
    cj: &CronJob,
    status: &CronJobStatus,
    now: Timestamp,
    sched: &Schedule,
) -> Option<Duration> {
    let earliest = earliest_time(cj, status, &cj.spec, now, false);
    let from = match schedule::most_recent(sched, earliest, now) {
        Err(_) => now,
        Ok(r) => match (r.time, r.missed) {
            (Some(t), _) => t,
            (None, Missed::None) => r.earliest,
            (None, _) => now,
        },
    };
    let next = sched.next_after(from)?;
    let left = next.duration_since(now) + SignedDuration::try_from(NEXT_SCHEDULE_DELTA).ok()?;
    Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
}

/// `getJobName`: `<cronjob>-<scheduled time in minutes since the epoch>`, the same for
/// every attempt at one schedule time, so a Job can never be made twice for it.
pub fn job_name(cj: &CronJob, scheduled: Timestamp) -> String {
    format!("{}-{}", name_of(&cj.metadata), scheduled.as_second() / 60)
}

/// `getJobFromTemplate2`.
fn job_from_template(cj: &CronJob, name: &str, scheduled: Timestamp, zone: &TimeZone) -> Job {
    let spec = cj.spec.clone();
    let meta = spec.job_template.metadata.unwrap_or_default();
    let mut annotations = meta.annotations.unwrap_or_default();
    annotations.insert(
        SCHEDULED_TIMESTAMP_ANNOTATION.to_string(),
        rfc3339(scheduled, zone),
    );
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cj.metadata.namespace.clone(),
            labels: meta.labels.filter(|l| !l.is_empty()),
            annotations: Some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: name_of(&cj.metadata).to_string(),
                uid: cj.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(spec.job_template.spec.unwrap_or_default()),
        status: None,
    }
}

/// Go's `t.In(zone).Format(time.RFC3339)`: seconds, `Z` for a zero offset.
fn rfc3339(t: Timestamp, zone: &TimeZone) -> String {
    let z = t.to_zoned(zone.clone());
    if z.offset().seconds() == 0 {
        z.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// kubectl's `createJobFromCronJob` (`kubectl create job NAME --from=cronjob/X`): the
/// template's spec, labels and annotations, `cronjob.kubernetes.io/instantiate: manual`
/// (a template annotation of that key wins, as in kubectl), and a controller reference
/// without `blockOwnerDeletion`. Deleting the CronJob deletes it. The controller sees
/// it as its own but never put it in `active`: while it runs each reconcile warns
/// UnexpectedJob, it does not hold back a `Forbid` schedule, and once finished it
/// counts toward the history limits and `lastSuccessfulTime` like any other.
pub fn job_from_cronjob(cj: &CronJob, name: &str) -> Job {
    let spec = cj.spec.clone();
    let meta = spec.job_template.metadata.unwrap_or_default();
    let mut annotations =
        BTreeMap::from([(INSTANTIATE_ANNOTATION.to_string(), "manual".to_string())]);
    annotations.extend(meta.annotations.unwrap_or_default());
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cj.metadata.namespace.clone(),
            labels: meta.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: name_of(&cj.metadata).to_string(),
                uid: cj.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: None,
            }]),
            ..ObjectMeta::default()
        },
        spec: spec.job_template.spec,
        status: None,
    }
}

/// The `status.active` entry for a Job (`ref.GetReference`).
pub fn job_reference(job: &Job) -> ObjectReference {
    ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        name: job.metadata.name.clone(),
        namespace: job.metadata.namespace.clone(),
        uid: job.metadata.uid.clone(),
        resource_version: job.metadata.resource_version.clone(),
        field_path: None,
    }
}

/// `SetDefaults_CronJob`.
pub fn apply_defaults(spec: &mut CronJobSpec) {
    if spec.concurrency_policy.as_deref().unwrap_or("").is_empty() {
        spec.concurrency_policy = Some("Allow".into());
    }
    spec.suspend.get_or_insert(false);
    spec.successful_jobs_history_limit
        .get_or_insert(DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT);
    spec.failed_jobs_history_limit
        .get_or_insert(DEFAULT_FAILED_JOBS_HISTORY_LIMIT);
}

/// `validateCronJobSpec` without the job template (validate that as a Job template):
/// schedule, startingDeadlineSeconds, timeZone (only when new or changed),
/// concurrencyPolicy and the history limits, in Kubernetes' order. `old` is the stored
/// spec on an update.
pub fn validate_spec(spec: &CronJobSpec, old: Option<&CronJobSpec>) -> Vec<FieldError> {
    const NEGATIVE: &str = "must be greater than or equal to 0";
    let mut errs = schedule::validate_schedule(
        &spec.schedule,
        old.map(|o| o.schedule.as_str()),
        spec.time_zone.as_deref(),
        "spec.schedule",
    );
    if let Some(d) = spec.starting_deadline_seconds
        && d < 0
    {
        errs.push(FieldError::invalid(
            "spec.startingDeadlineSeconds",
            BadValue::Int(d),
            NEGATIVE,
        ));
    }
    if old.is_none_or(|o| o.time_zone != spec.time_zone) {
        errs.extend(schedule::validate_time_zone(
            spec.time_zone.as_deref(),
            "spec.timeZone",
        ));
    }
    match spec.concurrency_policy.as_deref().unwrap_or("") {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(FieldError::required("spec.concurrencyPolicy", "")),
        other => errs.push(FieldError::not_supported(
            "spec.concurrencyPolicy",
            BadValue::Str(other.to_string()),
            &["Allow", "Forbid", "Replace"],
        )),
    }
    for (path, limit) in [
        (
            "spec.successfulJobsHistoryLimit",
            spec.successful_jobs_history_limit,
        ),
        (
            "spec.failedJobsHistoryLimit",
            spec.failed_jobs_history_limit,
        ),
    ] {
        if let Some(v) = limit
            && v < 0
        {
            errs.push(FieldError::invalid(
                path,
                BadValue::Int(i64::from(v)),
                NEGATIVE,
            ));
        }
    }
    errs
}

/// `ValidateCronJobCreate`'s name check (not applied on update).
pub fn validate_name(name: &str) -> Vec<FieldError> {
    if name.len() > MAX_NAME_LENGTH {
        return vec![FieldError::invalid(
            "metadata.name",
            BadValue::Str(name.to_string()),
            "must be no more than 52 characters",
        )];
    }
    Vec::new()
}

fn event(type_: EventType, reason: &str, message: String) -> EventRecord {
    EventRecord {
        type_,
        reason: reason.to_string(),
        message,
    }
}

fn name_of(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

fn uid_of(meta: &ObjectMeta) -> &str {
    meta.uid.as_deref().unwrap_or("")
}

/// `metav1.GetControllerOf`.
fn controller_ref(job: &Job) -> Option<&OwnerReference> {
    job.metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
}

fn in_active_list(status: &CronJobStatus, uid: &str) -> bool {
    status
        .active
        .iter()
        .flatten()
        .any(|r| r.uid.as_deref() == Some(uid))
}

fn delete_from_active_list(status: &mut CronJobStatus, uid: &str) {
    if let Some(active) = status.active.as_mut() {
        active.retain(|r| r.uid.as_deref() != Some(uid));
    }
}

/// `IsJobSucceeded`: a Complete condition that is True.
fn is_job_succeeded(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Complete" && c.status == "True")
        })
}
