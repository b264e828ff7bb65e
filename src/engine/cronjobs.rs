//! Runs the CronJob controller: takes CronJob keys from its work queue, reads the
//! CronJob and the Jobs it owns, asks the pure `controller::cronjob::reconcile` for a
//! plan, and carries it out (Jobs created or marked for deletion, status written, events
//! recorded). The plan's `requeue_after` is the time to the next schedule, handed to the
//! queue's timer: the engine sleeps until then, it never polls.
//!
//! CronJobs that share a schedule time come due at the same instant. The worker takes
//! every key that is ready when it wakes and creates their Jobs in one store commit:
//! each commit is an fsync (several milliseconds), and one commit per Job, followed by
//! that CronJob's status and event writes, made the 60th Job of a minute a second late
//! (issue 8, cron accuracy: p99 <= 1 s). Status and events are written after every Job
//! of the batch exists.
//!
//! A CronJob marked for deletion takes its Jobs with it (each Job's own cascade removes
//! its pods); the CronJob record goes once no Job is left.

use futures::FutureExt;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use serde_json::Value;

use super::EngineError;
use super::events::{self, Involved};
use super::jobs::Key;
use crate::api::defaults::{default_job, set_job_selector};
use crate::api::kinds::Kind;
use crate::api::time::now_rfc3339;
use crate::controller::cronjob::{CreateOutcome, CronJobPlan, reconcile};
use crate::controller::queue::WorkQueue;
use crate::store::{Store, StoreError};

const COMPONENT: &str = "cronjob-controller";
/// Most keys reconciled (and Jobs created in one commit) together.
const MAX_BATCH: usize = 256;

/// The CronJob controller's worker.
#[derive(Clone)]
pub struct CronJobWorker {
    pub store: Store,
    pub queue: WorkQueue<Key>,
}

/// One CronJob between its plan and the write of its status.
struct Planned {
    key: Key,
    cj: CronJob,
    cj_value: Value,
    plan: CronJobPlan,
    /// The Job to create, prepared as the API server would store it: name and value.
    job: Option<(String, Value)>,
}

/// How one Job create of a batch went, in the store's terms.
enum Created {
    Stored(Value),
    Failed(StoreError),
}

impl CronJobWorker {
    pub fn new(store: Store, queue: WorkQueue<Key>) -> Self {
        CronJobWorker { store, queue }
    }

    /// Processes keys until the queue shuts down: each time, every key that is ready.
    pub async fn run(self) {
        while let Some(first) = self.queue.next().await {
            let mut keys = vec![first];
            while keys.len() < MAX_BATCH {
                // Only what is ready now: `next` would otherwise sleep, and is dropped.
                match self.queue.next().now_or_never() {
                    Some(Some(key)) => keys.push(key),
                    _ => break,
                }
            }
            let started = std::time::Instant::now();
            let results = self.sync_all(&keys);
            let each = started.elapsed() / keys.len() as u32;
            for (key, result) in keys.iter().zip(results) {
                crate::metrics::reconciled("cronjob", each);
                if let Err(e) = result {
                    tracing::warn!(namespace = %key.0, cronjob = %key.1, error = %e, "cronjob sync failed; retrying");
                    self.queue
                        .add_after(key.clone(), std::time::Duration::from_secs(1));
                }
                self.queue.done(key);
            }
        }
    }

    /// One reconcile of one CronJob.
    pub fn sync(&self, key: &Key) -> Result<(), EngineError> {
        self.sync_all(std::slice::from_ref(key))
            .pop()
            .unwrap_or(Ok(()))
    }

    /// One reconcile of each CronJob in `keys`, their Jobs created in one commit. The
    /// results are in the order of `keys`.
    pub fn sync_all(&self, keys: &[Key]) -> Vec<Result<(), EngineError>> {
        let now = jiff::Timestamp::now();
        let planned_at = std::time::Instant::now();
        let mut results: Vec<Result<(), EngineError>> = Vec::with_capacity(keys.len());
        let mut planned = Vec::new();
        for key in keys {
            match self.plan(key, now) {
                Ok(Some(p)) => {
                    planned.push((results.len(), p));
                    results.push(Ok(()));
                }
                Ok(None) => results.push(Ok(())),
                Err(e) => results.push(Err(e)),
            }
        }
        let jobs: Vec<Value> = planned
            .iter()
            .filter_map(|(_, p)| p.job.as_ref().map(|(_, v)| v.clone()))
            .collect();
        let mut created = self.create_jobs(jobs).into_iter();
        for (i, mut p) in planned {
            let outcome = if p.job.is_some() {
                created.next()
            } else {
                None
            };
            results[i] = self.finish(&mut p, outcome, planned_at);
        }
        results
    }

    /// Reads the CronJob and its Jobs, deletes what the plan deletes, and prepares the
    /// Job to create. `None` when the CronJob is gone or being deleted.
    fn plan(&self, key: &Key, now: jiff::Timestamp) -> Result<Option<Planned>, EngineError> {
        let (ns, name) = key;
        let Some(cj_value) = self.store.get(Kind::CronJob, ns, name)? else {
            return Ok(None);
        };
        let cj: CronJob = serde_json::from_value(cj_value.clone())
            .map_err(|e| EngineError::Corrupt(format!("cronjob {ns}/{name}: {e}")))?;
        let uid = cj.metadata.uid.clone().unwrap_or_default();
        let jobs: Vec<Job> = self
            .store
            .list_owned(Kind::Job, &uid)?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();

        if cj.metadata.deletion_timestamp.is_some() {
            self.finish_deletion(ns, name, &jobs)?;
            return Ok(None);
        }

        let plan = reconcile(&cj, &jobs, now);
        for job_name in &plan.delete {
            self.store
                .mark_deleted(Kind::Job, ns, job_name, &now_rfc3339(), None)?;
        }
        let job = match &plan.create {
            None => None,
            Some(creation) => {
                let mut job = creation.job.clone();
                job.metadata.namespace = Some(ns.clone());
                prepare_job(&mut job);
                let value = serde_json::to_value(&job).map_err(|e| {
                    EngineError::Corrupt(format!("job of cronjob {ns}/{name}: {e}"))
                })?;
                Some((job.metadata.name.unwrap_or_default(), value))
            }
        };
        Ok(Some(Planned {
            key: key.clone(),
            cj,
            cj_value,
            plan,
            job,
        }))
    }

    /// Creates `jobs` in one commit; when that fails (one name taken, say), one by one,
    /// so each gets its own outcome. One result per Job, in order.
    fn create_jobs(&self, jobs: Vec<Value>) -> Vec<Created> {
        if jobs.len() > 1
            && let Ok(stored) = self.store.create_many(Kind::Job, jobs.clone())
        {
            return stored.into_iter().map(Created::Stored).collect();
        }
        jobs.into_iter().map(|v| self.create_one(v)).collect()
    }

    fn create_one(&self, value: Value) -> Created {
        match self.store.create(Kind::Job, value) {
            Ok(stored) => Created::Stored(stored),
            Err(e) => Created::Failed(e),
        }
    }

    /// Reports the create's outcome to the plan, then writes the status, records the
    /// events and requeues the CronJob.
    /// `planned_at` is when the plan's clock was read: its `requeue_after` counts from
    /// then, not from now, or each write of the batch would push the next wake-up later.
    fn finish(
        &self,
        p: &mut Planned,
        created: Option<Created>,
        planned_at: std::time::Instant,
    ) -> Result<(), EngineError> {
        let (ns, name) = &p.key;
        let (cj, plan) = (&p.cj, &mut p.plan);
        match created {
            None => {}
            Some(Created::Stored(stored)) => {
                let stored: Job = serde_json::from_value(stored)
                    .map_err(|e| EngineError::Corrupt(format!("created job: {e}")))?;
                plan.record_create(cj, CreateOutcome::Created(&stored));
            }
            Some(Created::Failed(StoreError::AlreadyExists { .. })) => {
                let job_name = p.job.as_ref().map_or("", |(n, _)| n.as_str());
                let existing = self
                    .store
                    .get(Kind::Job, ns, job_name)?
                    .and_then(|v| serde_json::from_value::<Job>(v).ok());
                match existing {
                    Some(existing) => {
                        plan.record_create(cj, CreateOutcome::AlreadyExists(&existing))
                    }
                    None => plan.record_create(cj, CreateOutcome::Failed("job vanished")),
                }
            }
            Some(Created::Failed(e)) => {
                let text = e.to_string();
                plan.record_create(cj, CreateOutcome::Failed(&text));
                // FailedCreate: retry with a backoff, as the controller's rate limiter.
                self.queue
                    .add_after(p.key.clone(), std::time::Duration::from_secs(10));
            }
        }

        let new_status = serde_json::to_value(&plan.status)
            .map_err(|e| EngineError::Corrupt(format!("status of cronjob {ns}/{name}: {e}")))?;
        if p.cj_value.get("status") != Some(&new_status) {
            self.store
                .update_with(Kind::CronJob, ns, name, |v: &mut Value| {
                    v["status"] = new_status.clone();
                    Ok::<(), StoreError>(())
                })?;
        }
        let involved = Involved::of(Kind::CronJob, &p.cj_value);
        for ev in &plan.events {
            if let Err(e) = events::record(&self.store, COMPONENT, &involved, ev) {
                tracing::warn!(error = %e, reason = ev.reason, "recording an event failed");
            }
        }
        if let Some(after) = plan.requeue_after {
            let left = after.saturating_sub(planned_at.elapsed());
            self.queue.add_after(p.key.clone(), left);
        }
        Ok(())
    }

    fn finish_deletion(&self, ns: &str, name: &str, jobs: &[Job]) -> Result<(), EngineError> {
        if jobs.is_empty() {
            self.store.delete(Kind::CronJob, ns, name)?;
            return Ok(());
        }
        for job in jobs {
            if job.metadata.deletion_timestamp.is_none() {
                let job_name = job.metadata.name.as_deref().unwrap_or("");
                self.store
                    .mark_deleted(Kind::Job, ns, job_name, &now_rfc3339(), None)?;
            }
        }
        Ok(())
    }
}

/// What the API server does to a Job created for a CronJob: defaults, a uid, and the
/// generated selector and pod-template labels that carry it.
fn prepare_job(job: &mut Job) {
    default_job(job);
    let uid = uuid::Uuid::new_v4().to_string();
    job.metadata.uid = Some(uid.clone());
    set_job_selector(job, &uid);
    job.status = None;
}
