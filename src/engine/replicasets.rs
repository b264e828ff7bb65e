//! Runs the ReplicaSet controller: takes keys from its work queue, reads the
//! ReplicaSet and every pod of its namespace from the store, asks the pure
//! `controller::replicaset::reconcile` for a plan, and carries it out: ownerReferences
//! written for adopted and released pods, surplus pods marked for deletion, new pods
//! created in slow-start batches, events recorded, status written, requeue scheduled.
//!
//! A pod the ReplicaSet marks for deletion is removed by the kubelet (containers, then
//! record): its owner is no Job, so nothing keeps it. A ReplicaSet marked for deletion
//! takes its pods with it; its record goes once no pod is left.
//!
//! Failures are retried with client-go's default per-item backoff (5 ms doubling to
//! 1000 s), so a lasting error does not flood the events.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::events::{self, Involved};
use super::jobs::Key;
use crate::api::kinds::Kind;
use crate::api::selector::Selector;
use crate::api::time::now_rfc3339;
use crate::controller::job::{EventRecord, EventType};
use crate::controller::queue::WorkQueue;
use crate::controller::replicaset::{
    ManageFailure, ReplicaSetPlan, owner_ref, reason, reconcile, slow_start_batches,
};
use crate::store::{Store, StoreError};

const COMPONENT: &str = "replicaset-controller";

/// `ItemExponentialFailureRateLimiter(5ms, 1000s)` of client-go's default controller
/// rate limiter.
const RETRY_BASE: Duration = Duration::from_millis(5);
const RETRY_MAX: Duration = Duration::from_secs(1000);

/// The ReplicaSet controller's worker.
#[derive(Clone)]
pub struct ReplicaSetWorker {
    pub store: Store,
    pub queue: WorkQueue<Key>,
    /// Consecutive failed syncs per key, for the retry backoff.
    failures: Arc<Mutex<HashMap<Key, u32>>>,
}

/// Why one sync of a ReplicaSet must be retried.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored object is unreadable: {0}")]
    Corrupt(String),
    /// Some pod creations or deletions failed (`manageReplicasErr`); the status
    /// carries the `ReplicaFailure` condition.
    #[error("replicaset {namespace}/{name}: {message}")]
    Manage {
        namespace: String,
        name: String,
        message: String,
    },
}

/// A failure of the plan's pod creations or deletions (`manageReplicasErr`).
struct ManageError {
    failure: ManageFailure,
    message: String,
}

impl ReplicaSetWorker {
    pub fn new(store: Store, queue: WorkQueue<Key>) -> Self {
        ReplicaSetWorker {
            store,
            queue,
            failures: Arc::default(),
        }
    }

    /// Processes keys until the queue shuts down.
    pub async fn run(self) {
        while let Some(key) = self.queue.next().await {
            let started = std::time::Instant::now();
            let result = self.sync(&key);
            crate::metrics::reconciled("replicaset", started.elapsed());
            match result {
                Ok(()) => self.forget(&key),
                Err(e) => {
                    let delay = self.retry_delay(&key);
                    tracing::warn!(namespace = %key.0, replicaset = %key.1, error = %e, ?delay, "replicaset sync failed; retrying");
                    self.queue.add_after(key.clone(), delay);
                }
            }
            self.queue.done(&key);
        }
    }

    fn forget(&self, key: &Key) {
        if let Ok(mut f) = self.failures.lock() {
            f.remove(key);
        }
    }

    fn retry_delay(&self, key: &Key) -> Duration {
        let n = self
            .failures
            .lock()
            .map(|mut f| {
                let n = f.entry(key.clone()).or_insert(0);
                *n = n.saturating_add(1);
                *n - 1
            })
            .unwrap_or(0);
        RETRY_BASE
            .checked_mul(2u32.saturating_pow(n.min(31)))
            .map_or(RETRY_MAX, |d| d.min(RETRY_MAX))
    }

    /// One reconcile of one ReplicaSet. An error means "retry later": either the store
    /// failed, or some pod creations or deletions did (the status then carries the
    /// `ReplicaFailure` condition, as Kubernetes writes it).
    pub fn sync(&self, key: &Key) -> Result<(), SyncError> {
        let (ns, name) = key;
        let Some(rs_value) = self.store.get(Kind::ReplicaSet, ns, name)? else {
            return Ok(());
        };
        let rs: ReplicaSet = serde_json::from_value(rs_value.clone())
            .map_err(|e| SyncError::Corrupt(format!("replicaset {ns}/{name}: {e}")))?;

        if rs.metadata.deletion_timestamp.is_some() {
            return self.finish_deletion(ns, name, &rs);
        }

        let pods: Vec<Pod> = self
            .store
            .list(Kind::Pod, Some(ns), None)?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let plan = reconcile(&rs, &pods, jiff::Timestamp::now());
        let involved = Involved::of(Kind::ReplicaSet, &rs_value);

        self.claim(ns, &rs, &plan)?;
        let error = if !plan.delete.is_empty() {
            self.delete_pods(ns, &involved, &plan.delete)
        } else {
            self.create_pods(ns, name, &involved, &plan)
        };

        let status = match &error {
            None => plan.status.clone(),
            Some(e) => {
                plan.status_after_failure(&rs, e.failure, &e.message, jiff::Timestamp::now())
            }
        };
        let new_status = serde_json::to_value(&status)
            .map_err(|e| SyncError::Corrupt(format!("status of replicaset {ns}/{name}: {e}")))?;
        if rs_value.get("status") != Some(&new_status) {
            match self
                .store
                .update_with(Kind::ReplicaSet, ns, name, |v: &mut Value| {
                    // Only the same object: a ReplicaSet deleted and made again under the
                    // same name gets its own reconcile.
                    if v["metadata"]["uid"] == rs_value["metadata"]["uid"] {
                        v["status"] = new_status.clone();
                    }
                    Ok::<(), StoreError>(())
                }) {
                Ok(_) | Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(after) = plan.requeue_after {
            self.queue.add_after(key.clone(), after);
        }
        match error {
            None => Ok(()),
            Some(e) => Err(SyncError::Manage {
                namespace: ns.clone(),
                name: name.clone(),
                message: e.message,
            }),
        }
    }

    /// Adoption and release: the pod's ownerReferences gain or lose this ReplicaSet's
    /// controller reference, each re-checked inside the write (the pod may have changed
    /// since it was listed).
    fn claim(&self, ns: &str, rs: &ReplicaSet, plan: &ReplicaSetPlan) -> Result<(), SyncError> {
        let owner = serde_json::to_value(owner_ref(rs))
            .map_err(|e| SyncError::Corrupt(format!("owner reference: {e}")))?;
        let rs_uid = rs.metadata.uid.clone().unwrap_or_default();
        for pod in &plan.adopt {
            let result = self.store.update_with(Kind::Pod, ns, pod, |v: &mut Value| {
                let refs = &mut v["metadata"]["ownerReferences"];
                let has_controller = refs
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r["controller"] == true));
                if v["metadata"]["deletionTimestamp"].is_null() && !has_controller {
                    let refs = &mut v["metadata"]["ownerReferences"];
                    if !refs.is_array() {
                        *refs = Value::Array(Vec::new());
                    }
                    if let Some(a) = refs.as_array_mut() {
                        a.push(owner.clone());
                    }
                }
                Ok::<(), StoreError>(())
            });
            ignore_not_found(result)?;
        }
        for pod in &plan.release {
            let result = self.store.update_with(Kind::Pod, ns, pod, |v: &mut Value| {
                let meta = &mut v["metadata"];
                if let Some(a) = meta["ownerReferences"].as_array_mut() {
                    a.retain(|r| r["uid"] != rs_uid.as_str());
                    if a.is_empty()
                        && let Some(m) = meta.as_object_mut()
                    {
                        m.remove("ownerReferences");
                    }
                }
                Ok::<(), StoreError>(())
            });
            ignore_not_found(result)?;
        }
        Ok(())
    }

    /// The surplus pods, marked for deletion (`DeletePod`). A pod already gone is no
    /// error; other failures are reported as `FailedDelete` events and returned.
    fn delete_pods(
        &self,
        ns: &str,
        involved: &Involved<'_>,
        names: &[String],
    ) -> Option<ManageError> {
        let mut first_error = None;
        for pod in names {
            match self
                .store
                .mark_deleted(Kind::Pod, ns, pod, &now_rfc3339(), None)
            {
                Ok(Some(_)) => self.event(
                    involved,
                    EventType::Normal,
                    reason::SUCCESSFUL_DELETE,
                    format!("Deleted pod: {pod}"),
                ),
                Ok(None) => {}
                Err(e) => {
                    self.event(
                        involved,
                        EventType::Warning,
                        reason::FAILED_DELETE,
                        format!("Error deleting: {e}"),
                    );
                    first_error.get_or_insert(ManageError {
                        failure: ManageFailure::Delete,
                        message: format!("unable to delete pods: {e}"),
                    });
                }
            }
        }
        first_error
    }

    /// The missing pods, created in slow-start batches (`slowStartBatch`): after a batch
    /// with a failure the rest is left to the next reconcile.
    fn create_pods(
        &self,
        ns: &str,
        name: &str,
        involved: &Involved<'_>,
        plan: &ReplicaSetPlan,
    ) -> Option<ManageError> {
        let mut pods = plan.create.iter();
        for batch in slow_start_batches(plan.create.len()) {
            let mut first_error = None;
            for pod in pods.by_ref().take(batch) {
                let created = serde_json::to_value(pod)
                    .map_err(|e| {
                        StoreError::Invalid(format!("pod for replicaset {ns}/{name}: {e}"))
                    })
                    .and_then(|v| self.store.create(Kind::Pod, v));
                match created {
                    Ok(stored) => self.event(
                        involved,
                        EventType::Normal,
                        reason::SUCCESSFUL_CREATE,
                        format!(
                            "Created pod: {}",
                            stored["metadata"]["name"].as_str().unwrap_or("")
                        ),
                    ),
                    Err(e) => {
                        self.event(
                            involved,
                            EventType::Warning,
                            reason::FAILED_CREATE,
                            format!("Error creating: {e}"),
                        );
                        first_error.get_or_insert(ManageError {
                            failure: ManageFailure::Create,
                            message: e.to_string(),
                        });
                    }
                }
            }
            if first_error.is_some() {
                return first_error;
            }
        }
        None
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

    /// Cascading delete: every pod the ReplicaSet controls is marked for deletion; the
    /// kubelet removes its containers and then its record (each removal wakes this
    /// ReplicaSet again), and the ReplicaSet record goes last, once no pod is left.
    /// Safe to repeat after a crash at any point.
    fn finish_deletion(&self, ns: &str, name: &str, rs: &ReplicaSet) -> Result<(), SyncError> {
        let uid = rs.metadata.uid.clone().unwrap_or_default();
        let pods = self.store.list_owned(Kind::Pod, &uid)?;
        if pods.is_empty() {
            self.store.delete(Kind::ReplicaSet, ns, name)?;
            return Ok(());
        }
        for pod in &pods {
            if pod["metadata"]["deletionTimestamp"].is_null() {
                let pod_ns = pod["metadata"]["namespace"].as_str().unwrap_or(ns);
                let pod_name = pod["metadata"]["name"].as_str().unwrap_or("");
                self.store
                    .mark_deleted(Kind::Pod, pod_ns, pod_name, &now_rfc3339(), None)?;
            }
        }
        Ok(())
    }
}

fn ignore_not_found(result: Result<Value, StoreError>) -> Result<(), StoreError> {
    match result {
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The ReplicaSets a pod change wakes (`getPodReplicaSets` and the controller
/// reference): the pod's controller when it is a ReplicaSet; for an orphan, every
/// ReplicaSet of its namespace whose selector matches its labels (it may adopt it).
pub fn replicasets_for_pod(store: &Store, pod: &Value) -> Vec<Key> {
    let Some(ns) = pod["metadata"]["namespace"].as_str() else {
        return Vec::new();
    };
    let refs = pod["metadata"]["ownerReferences"].as_array();
    if let Some(controller) = refs.and_then(|r| r.iter().find(|r| r["controller"] == true)) {
        return match (controller["kind"].as_str(), controller["name"].as_str()) {
            (Some("ReplicaSet"), Some(name)) => vec![(ns.to_string(), name.to_string())],
            _ => Vec::new(),
        };
    }
    let labels: BTreeMap<String, String> =
        serde_json::from_value(pod["metadata"]["labels"].clone()).unwrap_or_default();
    let sets = match store.list(Kind::ReplicaSet, Some(ns), None) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "listing replicasets for an orphan pod failed");
            return Vec::new();
        }
    };
    sets.iter()
        .filter_map(|rs| {
            let rs: ReplicaSet = serde_json::from_value(rs.clone()).ok()?;
            let selector = Selector::from_label_selector(&rs.spec.selector).ok()?;
            // An empty selector would adopt every pod: Kubernetes skips it here.
            if selector.is_empty() || !selector.matches(&labels) {
                return None;
            }
            Some((ns.to_string(), rs.metadata.name?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rs_json(replicas: i32) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "queue", "namespace": "ns"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "q"}},
                "template": {
                    "metadata": {"labels": {"app": "q"}},
                    "spec": {
                        "restartPolicy": "Always",
                        "containers": [{"name": "c", "image": "img"}]
                    }
                }
            }
        })
    }

    fn setup(replicas: i32) -> (tempfile::TempDir, ReplicaSetWorker, Key) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create(Kind::ReplicaSet, rs_json(replicas)).unwrap();
        let worker = ReplicaSetWorker::new(store, WorkQueue::new());
        (dir, worker, ("ns".to_string(), "queue".to_string()))
    }

    fn pods(w: &ReplicaSetWorker) -> Vec<Value> {
        w.store.list(Kind::Pod, Some("ns"), None).unwrap()
    }

    fn live(w: &ReplicaSetWorker) -> Vec<Value> {
        pods(w)
            .into_iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .collect()
    }

    fn reasons(w: &ReplicaSetWorker) -> Vec<(String, String)> {
        w.store
            .list(Kind::Event, Some("ns"), None)
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["reason"].as_str().unwrap().to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn set_replicas(w: &ReplicaSetWorker, n: i32) {
        w.store
            .update_with(Kind::ReplicaSet, "ns", "queue", |v: &mut Value| {
                v["spec"]["replicas"] = json!(n);
                Ok::<(), StoreError>(())
            })
            .unwrap();
    }

    #[tokio::test]
    async fn creates_scales_and_records_events() {
        let (_dir, w, key) = setup(3);
        w.sync(&key).unwrap();
        let made = live(&w);
        assert_eq!(made.len(), 3);
        let rs = w
            .store
            .get(Kind::ReplicaSet, "ns", "queue")
            .unwrap()
            .unwrap();
        for p in &made {
            let name = p["metadata"]["name"].as_str().unwrap();
            assert!(name.starts_with("queue-") && name.len() == "queue-".len() + 5);
            assert_eq!(
                p["metadata"]["ownerReferences"][0]["uid"],
                rs["metadata"]["uid"]
            );
            assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
        }
        let events = reasons(&w);
        assert_eq!(events.len(), 3);
        assert!(
            events
                .iter()
                .all(|(r, m)| r == "SuccessfulCreate" && m.starts_with("Created pod: queue-"))
        );
        // The status is written from the pods seen before the creations, as Kubernetes
        // writes it; the next sync counts them.
        assert_eq!(rs["status"]["replicas"], 0);
        w.sync(&key).unwrap();
        let rs = w
            .store
            .get(Kind::ReplicaSet, "ns", "queue")
            .unwrap()
            .unwrap();
        assert_eq!(rs["status"]["replicas"], 3);
        assert_eq!(rs["status"]["observedGeneration"], 1);
        assert_eq!(live(&w).len(), 3, "a steady ReplicaSet makes nothing more");

        set_replicas(&w, 1);
        w.sync(&key).unwrap();
        assert_eq!(live(&w).len(), 1);
        assert_eq!(
            pods(&w).len(),
            3,
            "surplus pods are marked, the kubelet removes them"
        );
        let deletes: Vec<_> = reasons(&w)
            .into_iter()
            .filter(|(r, _)| r == "SuccessfulDelete")
            .collect();
        assert_eq!(deletes.len(), 2);
        let rs = w
            .store
            .get(Kind::ReplicaSet, "ns", "queue")
            .unwrap()
            .unwrap();
        assert_eq!(rs["status"]["observedGeneration"], 2);
    }

    #[tokio::test]
    async fn a_failed_pod_is_replaced() {
        let (_dir, w, key) = setup(2);
        w.sync(&key).unwrap();
        let victim = live(&w)[0]["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        w.store
            .update_with(Kind::Pod, "ns", &victim, |v: &mut Value| {
                v["status"]["phase"] = json!("Failed");
                Ok::<(), StoreError>(())
            })
            .unwrap();
        w.sync(&key).unwrap();
        let active: Vec<_> = live(&w)
            .into_iter()
            .filter(|p| p["status"]["phase"] != "Failed")
            .collect();
        assert_eq!(active.len(), 2);
    }

    #[tokio::test]
    async fn deletion_cascades_and_the_record_goes_last() {
        let (_dir, w, key) = setup(2);
        w.sync(&key).unwrap();
        w.store
            .mark_deleted(Kind::ReplicaSet, "ns", "queue", &now_rfc3339(), None)
            .unwrap();
        w.sync(&key).unwrap();
        assert!(live(&w).is_empty(), "every pod is marked");
        assert!(
            w.store
                .get(Kind::ReplicaSet, "ns", "queue")
                .unwrap()
                .is_some()
        );
        // The kubelet removes the pods' records.
        for p in pods(&w) {
            w.store
                .delete(Kind::Pod, "ns", p["metadata"]["name"].as_str().unwrap())
                .unwrap();
        }
        w.sync(&key).unwrap();
        assert!(
            w.store
                .get(Kind::ReplicaSet, "ns", "queue")
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn orphans_are_adopted_and_the_dispatcher_finds_their_replicaset() {
        let (_dir, w, key) = setup(1);
        let orphan = w
            .store
            .create(
                Kind::Pod,
                json!({
                    "metadata": {"name": "bare", "namespace": "ns", "labels": {"app": "q"}},
                    "spec": {"containers": [{"name": "c", "image": "img"}]},
                    "status": {"phase": "Running"}
                }),
            )
            .unwrap();
        assert_eq!(replicasets_for_pod(&w.store, &orphan), vec![key.clone()]);
        let stranger = json!({"metadata": {"namespace": "ns", "labels": {"app": "x"}}});
        assert!(replicasets_for_pod(&w.store, &stranger).is_empty());

        w.sync(&key).unwrap();
        let pods = pods(&w);
        assert_eq!(pods.len(), 1, "the orphan fills the one replica");
        assert_eq!(pods[0]["metadata"]["ownerReferences"][0]["name"], "queue");
        assert_eq!(
            pods[0]["metadata"]["ownerReferences"][0]["controller"],
            true
        );
        assert_eq!(
            replicasets_for_pod(&w.store, &pods[0]),
            vec![key.clone()],
            "an owned pod wakes its controller"
        );
    }

    #[test]
    fn retry_delay_doubles_from_5ms_to_1000s() {
        let dir = tempfile::tempdir().unwrap();
        let w = ReplicaSetWorker::new(Store::open(dir.path()).unwrap(), WorkQueue::new());
        let key = ("ns".to_string(), "x".to_string());
        assert_eq!(w.retry_delay(&key), Duration::from_millis(5));
        assert_eq!(w.retry_delay(&key), Duration::from_millis(10));
        for _ in 0..40 {
            w.retry_delay(&key);
        }
        assert_eq!(w.retry_delay(&key), RETRY_MAX);
        w.forget(&key);
        assert_eq!(w.retry_delay(&key), Duration::from_millis(5));
    }
}
