//! Runs the Job controller: takes keys from the work queue, reads the Job and all its
//! pods from the store, asks the pure `controller::job::reconcile` for a plan, and
//! carries the plan out (pods created in the store, pods stopped through the runtime,
//! status written, events recorded, requeue scheduled).
//!
//! Order matters for crash safety: pods are created before the status is written, and
//! the counts are always recomputed from the pods, so a crash between any two steps is
//! repaired by the next reconcile.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::EngineError;
use super::events::{self, Involved};
use crate::api::kinds::Kind;
use crate::controller::job::{EventRecord, EventType, reconcile};
use crate::controller::queue::WorkQueue;
use crate::runtime::Runtime;
use crate::store::{Store, StoreError};

/// A namespaced object key: (namespace, name).
pub type Key = (String, String);

const COMPONENT: &str = "job-controller";

/// The Job controller's worker.
#[derive(Clone)]
pub struct JobWorker {
    pub store: Store,
    pub runtime: Runtime,
    pub queue: WorkQueue<Key>,
    /// Pod uids whose stop is in flight, so a requeue does not stop them twice.
    stopping: Arc<Mutex<HashSet<String>>>,
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

impl JobWorker {
    pub fn new(store: Store, runtime: Runtime, queue: WorkQueue<Key>) -> Self {
        JobWorker {
            store,
            runtime,
            queue,
            stopping: Arc::default(),
        }
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
            if is_terminal(pod) {
                continue;
            }
            let pod_uid = pod.metadata.uid.clone().unwrap_or_default();
            let first = self
                .stopping
                .lock()
                .map(|mut s| s.insert(pod_uid.clone()))
                .unwrap_or(false);
            if !first {
                continue;
            }
            self.event(
                &involved,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {pod_name}"),
            );
            let runtime = self.runtime.clone();
            let stopping = self.stopping.clone();
            let pod = pod.clone();
            tokio::spawn(async move {
                if let Err(e) = runtime.stop_pod(&pod).await {
                    tracing::warn!(pod = ?pod.metadata.name, error = %e, "stopping pod failed");
                }
                if let Ok(mut s) = stopping.lock() {
                    s.remove(&pod_uid);
                }
            });
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

    /// Cascading delete: every container and pod of the Job, then the Job itself. Safe
    /// to repeat after a crash at any point.
    async fn finish_deletion(&self, ns: &str, name: &str, pods: &[Pod]) -> Result<(), EngineError> {
        for pod in pods {
            // Record first, containers second: a start racing with this deletion sees
            // the record gone and removes what it made; a crash in between leaves only
            // containers without a pod, which the next resync removes.
            let pod_uid = pod.metadata.uid.as_deref().unwrap_or("");
            let pod_ns = pod.metadata.namespace.as_deref().unwrap_or(ns);
            let pod_name = pod.metadata.name.as_deref().unwrap_or("");
            self.store.delete(Kind::Pod, pod_ns, pod_name)?;
            self.runtime.remove_pod(pod_uid).await?;
        }
        self.store.delete(Kind::Job, ns, name)?;
        Ok(())
    }
}
