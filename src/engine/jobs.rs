//! Runs the Job controller: takes keys from the work queue, reads the Job and all its
//! pods from the store, asks the pure `controller::job::reconcile` for a plan, and
//! carries the plan out (pods created in the store, pods marked for deletion for the kubelet to stop,
//! status written, events recorded, requeue scheduled).
//!
//! Order matters for crash safety: pods are created before the status is written, and
//! the counts are always recomputed from the pods, so a crash between any two steps is
//! repaired by the next reconcile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    pods: Arc<Mutex<PodCache>>,
}

/// The pods of each unfinished Job as last decoded: Job key -> (Job uid, pod uid ->
/// (resourceVersion, pod)).
///
/// Why: the Job is reconciled at every change of any of its pods, and decoding all its
/// pods every time was most of the engine's CPU in a 100-pod Job (a third of it in the
/// owned-pods list alone), CPU that Docker's own starts wait for on a small machine. A
/// reconcile now reads the pods' versions from the owner index and decodes only the
/// pods that changed. Finished Jobs are not kept: the memory is that of what runs.
type PodCache = HashMap<Key, (String, HashMap<String, (u64, Arc<Pod>)>)>;

/// Whether a Job status has its Complete or Failed condition.
fn is_finished(status: &JobStatus) -> bool {
    status
        .conditions
        .iter()
        .flatten()
        .any(|c| matches!(c.type_.as_str(), "Complete" | "Failed") && c.status == "True")
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

impl JobWorker {
    pub fn new(store: Store, queue: WorkQueue<Key>) -> Self {
        JobWorker {
            store,
            queue,
            pods: Arc::default(),
        }
    }

    /// Every pod the Job owns (terminal ones included), in the store's order, decoded
    /// only where it changed since this Job's last reconcile (see [`PodCache`]). A pod
    /// that does not decode is left out, as before the cache.
    fn owned_pods(&self, key: &Key, job_uid: &str) -> Result<Vec<Arc<Pod>>, EngineError> {
        let mut cache = self.pods.lock().unwrap_or_else(|p| p.into_inner());
        let entry = cache.entry(key.clone()).or_default();
        if entry.0 != job_uid {
            *entry = (job_uid.to_string(), HashMap::new());
        }
        let known = &entry.1;
        let mut fresh = HashMap::with_capacity(known.len());
        let mut pods = Vec::with_capacity(known.len());
        self.store.scan_owned_versions(
            Kind::Pod,
            job_uid,
            |uid, rv| known.get(uid).is_none_or(|(seen, _)| *seen != rv),
            |uid, rv, body| {
                let pod = match body {
                    Some(body) => match serde_json::from_str::<Pod>(body) {
                        Ok(pod) => Arc::new(pod),
                        Err(_) => return Ok(()),
                    },
                    None => match known.get(uid) {
                        Some((_, pod)) => pod.clone(),
                        None => return Ok(()),
                    },
                };
                fresh.insert(uid.to_string(), (rv, pod.clone()));
                pods.push(pod);
                Ok(())
            },
        )?;
        entry.1 = fresh;
        Ok(pods)
    }

    /// Drops the Job's decoded pods (it finished, or went).
    fn forget_pods(&self, key: &Key) {
        self.pods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
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
            self.forget_pods(key);
            return Ok(());
        };
        let job: Job = serde_json::from_value(job_value.clone())
            .map_err(|e| EngineError::Corrupt(format!("job {ns}/{name}: {e}")))?;
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let pods = self.owned_pods(key, &uid)?;

        if job.metadata.deletion_timestamp.is_some() {
            self.forget_pods(key);
            return self.finish_deletion(ns, name, &pods).await;
        }

        let plan = reconcile(&job, &pods, jiff::Timestamp::now());
        if is_finished(&plan.status) {
            self.forget_pods(key);
        }
        let involved = Involved::of(Kind::Job, &job_value);

        if !plan.create.is_empty() {
            // The pods of one reconcile are one commit, and their events another: a Job
            // filling 100 slots at once made 200 commits (an fsync each).
            let values = plan
                .create
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| EngineError::Corrupt(format!("pod for job {ns}/{name}: {e}")))?;
            let stored = self.store.create_many(Kind::Pod, values)?;
            let created: Vec<EventRecord> = stored
                .iter()
                .map(|pod| EventRecord {
                    type_: EventType::Normal,
                    reason: "SuccessfulCreate".into(),
                    message: format!(
                        "Created pod: {}",
                        pod["metadata"]["name"].as_str().unwrap_or("")
                    ),
                })
                .collect();
            if let Err(e) = events::record_many(&self.store, COMPONENT, &involved, &created) {
                tracing::warn!(error = %e, reason = "SuccessfulCreate", "recording events failed");
            }
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
    async fn finish_deletion(
        &self,
        ns: &str,
        name: &str,
        pods: &[Arc<Pod>],
    ) -> Result<(), EngineError> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod_of(name: &str, owner_uid: &str) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "default", "ownerReferences": [
                {"apiVersion": "batch/v1", "kind": "Job", "name": "j", "uid": owner_uid,
                 "controller": true}
            ]},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}
        })
    }

    fn phases(pods: &[Arc<Pod>]) -> Vec<(String, Option<String>)> {
        pods.iter()
            .map(|p| {
                let phase = p.status.as_ref().and_then(|s| s.phase.clone());
                (p.metadata.name.clone().unwrap_or_default(), phase)
            })
            .collect()
    }

    /// A Job filling its slots makes its pods in one commit and their events in one
    /// more (then its status), not one commit per pod and per event.
    #[tokio::test]
    async fn a_burst_of_pods_is_two_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let worker = JobWorker::new(store.clone(), WorkQueue::new());
        store
            .create(
                Kind::Job,
                json!({
                    "apiVersion": "batch/v1", "kind": "Job",
                    "metadata": {"name": "burst", "namespace": "default"},
                    "spec": {
                        "parallelism": 5, "completions": 5, "backoffLimit": 6,
                        "completionMode": "NonIndexed",
                        "template": {"spec": {"restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox"}]}}
                    }
                }),
            )
            .unwrap();
        let before = store.commits();
        worker
            .sync(&("default".into(), "burst".into()))
            .await
            .unwrap();
        let pods = store.list(Kind::Pod, Some("default"), None).unwrap();
        let events = store.list(Kind::Event, Some("default"), None).unwrap();
        assert_eq!(pods.len(), 5);
        let created = events
            .iter()
            .filter(|e| e["reason"] == "SuccessfulCreate")
            .count();
        assert_eq!(created, 5, "{events:#?}");
        // Pods, events, the Job's status.
        assert_eq!(store.commits() - before, 3);
    }

    /// A reconcile sees every owned pod as the store has it now; unchanged pods are the
    /// ones decoded before (the same allocation), changed ones are decoded again.
    #[test]
    fn owned_pods_are_decoded_again_only_when_they_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let worker = JobWorker::new(store.clone(), WorkQueue::new());
        let key: Key = ("default".into(), "j".into());
        for name in ["a", "b"] {
            store.create(Kind::Pod, pod_of(name, "u1")).unwrap();
        }
        store.create(Kind::Pod, pod_of("other", "u2")).unwrap();
        let first = worker.owned_pods(&key, "u1").unwrap();
        assert_eq!(phases(&first), [("a".into(), None), ("b".into(), None)]);

        store
            .update_with(Kind::Pod, "default", "b", |v: &mut Value| {
                v["status"] = json!({"phase": "Succeeded"});
                Ok::<(), StoreError>(())
            })
            .unwrap();
        store.create(Kind::Pod, pod_of("c", "u1")).unwrap();
        let second = worker.owned_pods(&key, "u1").unwrap();
        assert_eq!(
            phases(&second),
            [
                ("a".into(), None),
                ("b".into(), Some("Succeeded".into())),
                ("c".into(), None)
            ]
        );
        assert!(Arc::ptr_eq(&first[0], &second[0]), "a was decoded again");
        assert!(!Arc::ptr_eq(&first[1], &second[1]), "b's change was missed");

        // A deleted pod is gone; a Job of the same name but another uid starts afresh.
        store.delete(Kind::Pod, "default", "a").unwrap();
        let third = worker.owned_pods(&key, "u1").unwrap();
        assert_eq!(phases(&third).len(), 2);
        let other = worker.owned_pods(&key, "u2").unwrap();
        assert_eq!(phases(&other), [("other".into(), None)]);
        worker.forget_pods(&key);
        assert!(worker.pods.lock().unwrap().is_empty());
    }
}
