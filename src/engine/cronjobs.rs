//! Runs the CronJob controller: takes CronJob keys from its work queue, reads the
//! CronJob and the Jobs it owns, asks the pure `controller::cronjob::reconcile` for a
//! plan, and carries it out (Jobs created or marked for deletion, status written, events
//! recorded). The plan's `requeue_after` is the time to the next schedule, handed to the
//! queue's timer: the engine sleeps until then, it never polls.
//!
//! A CronJob marked for deletion takes its Jobs with it (each Job's own cascade removes
//! its pods); the CronJob record goes once no Job is left.

use k8s_openapi::api::batch::v1::{CronJob, Job};
use serde_json::Value;

use super::EngineError;
use super::events::{self, Involved};
use super::jobs::Key;
use crate::api::defaults::{default_job, set_job_selector};
use crate::api::kinds::Kind;
use crate::api::time::now_rfc3339;
use crate::controller::cronjob::{CreateOutcome, reconcile};
use crate::controller::queue::WorkQueue;
use crate::store::{Store, StoreError};

const COMPONENT: &str = "cronjob-controller";

/// The CronJob controller's worker.
#[derive(Clone)]
pub struct CronJobWorker {
    pub store: Store,
    pub queue: WorkQueue<Key>,
}

impl CronJobWorker {
    pub fn new(store: Store, queue: WorkQueue<Key>) -> Self {
        CronJobWorker { store, queue }
    }

    /// Processes keys until the queue shuts down.
    pub async fn run(self) {
        while let Some(key) = self.queue.next().await {
            let started = std::time::Instant::now();
            let result = self.sync(&key);
            crate::metrics::reconciled("cronjob", started.elapsed());
            if let Err(e) = result {
                tracing::warn!(namespace = %key.0, cronjob = %key.1, error = %e, "cronjob sync failed; retrying");
                self.queue
                    .add_after(key.clone(), std::time::Duration::from_secs(1));
            }
            self.queue.done(&key);
        }
    }

    /// One reconcile of one CronJob.
    pub fn sync(&self, key: &Key) -> Result<(), EngineError> {
        let (ns, name) = key;
        let Some(cj_value) = self.store.get(Kind::CronJob, ns, name)? else {
            return Ok(());
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
            return self.finish_deletion(ns, name, &jobs);
        }

        let mut plan = reconcile(&cj, &jobs, jiff::Timestamp::now());
        for job_name in &plan.delete {
            self.store
                .mark_deleted(Kind::Job, ns, job_name, &now_rfc3339(), None)?;
        }
        if let Some(creation) = plan.create.clone() {
            let mut job = creation.job;
            job.metadata.namespace = Some(ns.clone());
            prepare_job(&mut job);
            match serde_json::to_value(&job)
                .map_err(|e| StoreError::Invalid(e.to_string()))
                .and_then(|v| self.store.create(Kind::Job, v))
            {
                Ok(stored) => {
                    let stored: Job = serde_json::from_value(stored)
                        .map_err(|e| EngineError::Corrupt(format!("created job: {e}")))?;
                    plan.record_create(&cj, CreateOutcome::Created(&stored));
                }
                Err(StoreError::AlreadyExists { .. }) => {
                    let job_name = job.metadata.name.as_deref().unwrap_or("");
                    let existing = self
                        .store
                        .get(Kind::Job, ns, job_name)?
                        .and_then(|v| serde_json::from_value::<Job>(v).ok());
                    match existing {
                        Some(existing) => {
                            plan.record_create(&cj, CreateOutcome::AlreadyExists(&existing))
                        }
                        None => plan.record_create(&cj, CreateOutcome::Failed("job vanished")),
                    }
                }
                Err(e) => {
                    let text = e.to_string();
                    plan.record_create(&cj, CreateOutcome::Failed(&text));
                    // FailedCreate: retry with a backoff, as the controller's rate limiter.
                    self.queue
                        .add_after(key.clone(), std::time::Duration::from_secs(10));
                }
            }
        }

        let new_status = serde_json::to_value(&plan.status)
            .map_err(|e| EngineError::Corrupt(format!("status of cronjob {ns}/{name}: {e}")))?;
        if cj_value.get("status") != Some(&new_status) {
            self.store
                .update_with(Kind::CronJob, ns, name, |v: &mut Value| {
                    v["status"] = new_status.clone();
                    Ok::<(), StoreError>(())
                })?;
        }
        let involved = Involved::of(Kind::CronJob, &cj_value);
        for ev in &plan.events {
            if let Err(e) = events::record(&self.store, COMPONENT, &involved, ev) {
                tracing::warn!(error = %e, reason = ev.reason, "recording an event failed");
            }
        }
        if let Some(after) = plan.requeue_after {
            self.queue.add_after(key.clone(), after);
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
