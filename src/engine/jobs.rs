//! Runs the Job controller: takes keys from the work queue, reads the Job and all its
//! pods from the store, asks the pure `controller::job::reconcile` for a plan, and
//! carries the plan out (pods created in the store, pods marked for deletion for the kubelet to stop,
//! status written, events recorded, requeue scheduled).
//!
//! Order matters for crash safety: pods are created before the status is written, and
//! the counts are always recomputed from the pods, so a crash between any two steps is
//! repaired by the next reconcile.

use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::EngineError;
use super::events::{self, Involved};
use crate::api::kinds::Kind;
use crate::api::time::now_rfc3339;
use crate::controller::job::{EventRecord, EventType, UNTRACKED_ANNOTATION, reconcile};
use crate::controller::queue::WorkQueue;
use crate::controller::ttl::{self, TtlDecision};
use crate::store::{Store, StoreError};

/// A namespaced object key: (namespace, name).
pub type Key = (String, String);

const COMPONENT: &str = "job-controller";

/// The Job controller's worker.
#[derive(Clone)]
pub struct JobWorker {
    pub store: Store,
    pub queue: WorkQueue<Key>,
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

impl JobWorker {
    pub fn new(store: Store, queue: WorkQueue<Key>) -> Self {
        JobWorker { store, queue }
    }

    /// Processes keys until the queue shuts down.
    pub async fn run(self) {
        while let Some(key) = self.queue.next().await {
            let started = std::time::Instant::now();
            let result = self.sync(&key).await;
            crate::metrics::reconciled("job", started.elapsed());
            if let Err(e) = result {
                tracing::warn!(namespace = %key.0, job = %key.1, error = %e, "job sync failed; retrying");
                self.queue
                    .add_after(key.clone(), std::time::Duration::from_secs(1));
            }
            self.queue.done(&key);
        }
    }

    /// One reconcile of one Job.
    pub async fn sync(&self, key: &Key) -> Result<(), EngineError> {
        let (ns, name) = key;
        let Some(job_value) = self.store.get(Kind::Job, ns, name)? else {
            return Ok(());
        };
        let job: Job = serde_json::from_value(job_value.clone())
            .map_err(|e| EngineError::Corrupt(format!("job {ns}/{name}: {e}")))?;
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let pods: Vec<Pod> = self
            .store
            .list_owned(Kind::Pod, &uid)?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();

        if job.metadata.deletion_timestamp.is_some() {
            return self.finish_deletion(ns, name, &pods).await;
        }

        let plan = reconcile(&job, &pods, jiff::Timestamp::now());
        let involved = Involved::of(Kind::Job, &job_value);

        for pod in &plan.create {
            let value = serde_json::to_value(pod)
                .map_err(|e| EngineError::Corrupt(format!("pod for job {ns}/{name}: {e}")))?;
            let stored = self.store.create(Kind::Pod, value)?;
            let pod_name = stored["metadata"]["name"].as_str().unwrap_or("");
            self.event(
                &involved,
                EventType::Normal,
                "SuccessfulCreate",
                format!("Created pod: {pod_name}"),
            );
        }

        for deletion in &plan.delete {
            let pod_name = &deletion.name;
            let Some(pod) = pods
                .iter()
                .find(|p| p.metadata.name.as_deref() == Some(pod_name.as_str()))
            else {
                continue;
            };
            if is_terminal(pod) || pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            // Marked, not removed: the kubelet stops the containers and the record stays
            // (terminating, then Failed or Succeeded) so the counts remain derivable.
            let pod_ns = pod.metadata.namespace.as_deref().unwrap_or(ns);
            let untracked = deletion.untracked.then_some((UNTRACKED_ANNOTATION, "true"));
            self.store
                .mark_deleted(Kind::Pod, pod_ns, pod_name, &now_rfc3339(), untracked)?;
            self.event(
                &involved,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {pod_name}"),
            );
        }

        let new_status = serde_json::to_value(&plan.status)
            .map_err(|e| EngineError::Corrupt(format!("status of job {ns}/{name}: {e}")))?;
        if job_value.get("status") != Some(&new_status) {
            self.store
                .update_with(Kind::Job, ns, name, |v: &mut Value| {
                    v["status"] = new_status.clone();
                    Ok::<(), StoreError>(())
                })?;
        }
        for ev in &plan.events {
            self.event(&involved, ev.type_.clone(), &ev.reason, ev.message.clone());
        }
        if let Some(after) = plan.requeue_after {
            self.queue.add_after(key.clone(), after);
        }
        self.collect_if_expired(key, job, plan.status)
    }

    /// ttlSecondsAfterFinished: a finished Job whose time is up is deleted (cascading,
    /// like any delete); one whose time is not up is looked at again exactly then.
    fn collect_if_expired(
        &self,
        key: &Key,
        mut job: Job,
        status: JobStatus,
    ) -> Result<(), EngineError> {
        job.status = Some(status);
        match ttl::reconcile(&job, jiff::Timestamp::now()) {
            TtlDecision::DeleteNow => {
                tracing::info!(namespace = %key.0, job = %key.1, "ttlSecondsAfterFinished passed; deleting the job");
                self.store
                    .mark_deleted(Kind::Job, &key.0, &key.1, &now_rfc3339(), None)?;
            }
            TtlDecision::RequeueAfter(after) => self.queue.add_after(key.clone(), after),
            TtlDecision::Nothing => {}
        }
        Ok(())
    }

    fn event(&self, involved: &Involved<'_>, type_: EventType, reason: &str, message: String) {
        let rec = EventRecord {
            type_,
            reason: reason.to_string(),
            message,
        };
        if let Err(e) = events::record(&self.store, COMPONENT, involved, &rec) {
            tracing::warn!(error = %e, reason, "recording an event failed");
        }
    }

    /// Cascading delete: every pod is marked for deletion; the kubelet removes its
    /// containers and then its record (each removal wakes this Job again), and the Job
    /// record goes last, once no pod is left. Safe to repeat after a crash at any point.
    async fn finish_deletion(&self, ns: &str, name: &str, pods: &[Pod]) -> Result<(), EngineError> {
        if pods.is_empty() {
            self.store.delete(Kind::Job, ns, name)?;
            return Ok(());
        }
        for pod in pods {
            if pod.metadata.deletion_timestamp.is_none() {
                let pod_ns = pod.metadata.namespace.as_deref().unwrap_or(ns);
                let pod_name = pod.metadata.name.as_deref().unwrap_or("");
                self.store
                    .mark_deleted(Kind::Pod, pod_ns, pod_name, &now_rfc3339(), None)?;
            }
        }
        Ok(())
    }
}
