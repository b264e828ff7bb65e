//! Runs the Job controller: takes keys from the work queue, reads the Job and all its
//! pods from the store, asks the pure `controller::job::reconcile` for a plan, and
//! carries the plan out (pods created in the store, pods marked for deletion for the kubelet to stop,
//! status written, events recorded, requeue scheduled).
//!
//! Order matters for crash safety: pods are created before the status is written, and
//! the counts are always recomputed from the pods, so a crash between any two steps is
//! repaired by the next reconcile.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::EngineError;
use super::events::{self, Involved};
use crate::api::kinds::Kind;
use crate::controller::job::{EventRecord, EventType, reconcile};
use crate::controller::queue::WorkQueue;
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
            if let Err(e) = self.sync(&key).await {
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

        for pod_name in &plan.delete {
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
            mark_deleted(&self.store, pod_ns, pod_name)?;
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
                mark_deleted(
                    &self.store,
                    pod_ns,
                    pod.metadata.name.as_deref().unwrap_or(""),
                )?;
            }
        }
        Ok(())
    }
}

/// Sets `metadata.deletionTimestamp` on an object (once).
pub fn mark_deleted(store: &Store, ns: &str, name: &str) -> Result<(), StoreError> {
    let now = crate::api::time::now_rfc3339();
    let result = store.update_with(Kind::Pod, ns, name, |v: &mut Value| {
        if v["metadata"]["deletionTimestamp"].is_null() {
            v["metadata"]["deletionTimestamp"] = Value::String(now.clone());
        }
        Ok::<(), StoreError>(())
    });
    match result {
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
