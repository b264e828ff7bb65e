//! The engine's kubelet: makes Docker match the pods in the store, and the store's pod
//! statuses match Docker.
//!
//! - A new pod in the store gets its containers created and started.
//! - A pod marked for deletion has its containers removed, then its record.
//! - Every Docker observation (event or relist) is written to the pod's status, except
//!   that a terminal status (Succeeded/Failed) is written once and never changed: that
//!   is what makes each pod's result count exactly once.
//! - After every relist (engine start, events-stream reconnect) the store and Docker are
//!   compared whole: pending pods without a container are started, running pods whose
//!   containers vanished fail, containers without a pod are removed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateWaiting, ContainerStatus, Pod, PodStatus,
};
use serde_json::Value;

use crate::api::kinds::Kind;
use crate::runtime::{ObservedPod, Runtime, RuntimeError, RuntimeEvent};
use crate::store::{Store, StoreError, WatchType};

/// The reason a pod waits with when its containers could not be started, as the
/// kubelet names it.
fn waiting_reason(err: &RuntimeError) -> &'static str {
    match err {
        RuntimeError::ImagePull { .. } => "ErrImagePull",
        RuntimeError::ImageNeverPull { .. } => "ErrImageNeverPull",
        RuntimeError::Translate(_) => "CreateContainerConfigError",
        _ => "CreateContainerError",
    }
}

/// The kubelet's state: which pods have a start or a removal in flight.
#[derive(Clone)]
pub struct PodSync {
    store: Store,
    runtime: Runtime,
    busy: Arc<Mutex<HashSet<String>>>,
}

fn phase(v: &Value) -> &str {
    v["status"]["phase"].as_str().unwrap_or("Pending")
}

fn is_terminal_phase(p: &str) -> bool {
    p == "Succeeded" || p == "Failed"
}

fn uid(v: &Value) -> &str {
    v["metadata"]["uid"].as_str().unwrap_or("")
}

impl PodSync {
    pub fn new(store: Store, runtime: Runtime) -> Self {
        PodSync {
            store,
            runtime,
            busy: Arc::default(),
        }
    }

    /// Runs until the engine stops: store changes and Docker observations in one loop.
    pub async fn run(self) {
        let mut store_rx = self.store.watch();
        let mut docker = Box::pin(self.runtime.watch());
        // Pods already in the store when the engine starts are handled by the first
        // Resynced, which the runtime yields as soon as it has listed Docker.
        loop {
            tokio::select! {
                ev = store_rx.recv() => match ev {
                    Ok(ev) if ev.type_ == WatchType::Deleted => {}
                    Ok(ev) if ev.kind == Kind::Pod => self.on_pod(&ev.object),
                    Ok(ev) if ev.kind == Kind::Job => self.on_job(&ev.object),
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        tracing::warn!("pod watch fell behind; rescanning the store");
                        self.rescan_store();
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                ev = docker.next() => match ev {
                    Some(RuntimeEvent::Resynced(observed)) => self.resync(observed),
                    Some(RuntimeEvent::Changed(observed)) => self.observe(observed),
                    Some(RuntimeEvent::Disconnected(why)) => {
                        tracing::warn!(reason = %why, "Docker events stream lost; reconnecting");
                    }
                    None => return,
                },
            }
        }
    }

    fn rescan_store(&self) {
        match self.store.list(Kind::Pod, None, None) {
            Ok(pods) => pods.iter().for_each(|p| self.on_pod(p)),
            Err(e) => tracing::error!(error = %e, "listing pods failed"),
        }
    }

    /// A pod was added or changed in the store.
    fn on_pod(&self, pod: &Value) {
        if !pod["metadata"]["deletionTimestamp"].is_null() {
            self.on_deleted(pod);
        } else if phase(pod) == "Pending" && pod["status"]["containerStatuses"].is_null() {
            self.spawn_start(pod.clone());
        }
    }

    /// A pod marked for deletion. While its Job lives, the pod is only terminated: its
    /// containers stop and its record stays, so the Job's counts stay derivable from its
    /// pods and its logs stay readable. Otherwise (a bare pod, or its Job is being
    /// deleted) its containers and then its record are removed.
    fn on_deleted(&self, pod: &Value) {
        if self.owner_job_alive(pod) {
            if !is_terminal_phase(phase(pod)) {
                self.spawn_stop(pod.clone());
            }
        } else {
            self.spawn_remove(pod.clone());
        }
    }

    /// Whether the Job that controls this pod exists and is not being deleted.
    fn owner_job_alive(&self, pod: &Value) -> bool {
        let Some(owner) = pod["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|refs| {
                refs.iter()
                    .find(|r| r["controller"] == true && r["kind"] == "Job")
            })
        else {
            return false;
        };
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or("default");
        let name = owner["name"].as_str().unwrap_or("");
        match self.store.get(Kind::Job, ns, name) {
            Ok(Some(job)) => {
                job["metadata"]["uid"] == owner["uid"]
                    && job["metadata"]["deletionTimestamp"].is_null()
            }
            Ok(None) => false,
            // Unknown: keep the containers; a later event or resync decides.
            Err(_) => true,
        }
    }

    /// A Job being deleted: every pod it owns goes.
    fn on_job(&self, job: &Value) {
        if job["metadata"]["deletionTimestamp"].is_null() {
            return;
        }
        match self.store.list_owned(Kind::Pod, uid(job)) {
            Ok(pods) => pods.iter().for_each(|p| self.spawn_remove(p.clone())),
            Err(e) => tracing::error!(error = %e, "listing a deleted job's pods failed"),
        }
    }

    fn spawn_stop(&self, pod_value: Value) {
        let pod_uid = uid(&pod_value).to_string();
        if !self.claim(&pod_uid) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let name = pod_value["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if let Ok(pod) = serde_json::from_value::<Pod>(pod_value.clone())
                && let Err(e) = this.runtime.stop_pod(&pod).await
            {
                tracing::warn!(pod = name, error = %e, "stopping pod failed");
            }
            // Write the stopped state now rather than wait for the die event; a pod
            // whose containers never started ends Failed here.
            let observed = this.runtime.observe_pod(&pod_uid).await.ok().flatten();
            let status = observed.and_then(|o| o.status);
            let stopped = status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_some_and(is_terminal_phase);
            if stopped {
                this.write_status(&pod_value, &pod_uid, status);
            } else {
                this.write_failed(
                    &pod_value,
                    &pod_uid,
                    "Terminated",
                    "the pod was deleted before its containers ran",
                );
            }
            Self::release(&this.busy, &pod_uid);
        });
    }

    fn claim(&self, uid: &str) -> bool {
        self.busy
            .lock()
            .map(|mut b| b.insert(uid.to_string()))
            .unwrap_or(false)
    }

    fn release(busy: &Mutex<HashSet<String>>, uid: &str) {
        if let Ok(mut b) = busy.lock() {
            b.remove(uid);
        }
    }

    fn spawn_start(&self, pod_value: Value) {
        let pod_uid = uid(&pod_value).to_string();
        if !self.claim(&pod_uid) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let result = match serde_json::from_value::<Pod>(pod_value.clone()) {
                Ok(pod) => this
                    .runtime
                    .start_pod(&pod)
                    .await
                    .map_err(|e| (waiting_reason(&e), e.to_string())),
                Err(e) => Err((
                    "CreateContainerConfigError",
                    format!("the stored pod is unreadable: {e}"),
                )),
            };
            if let Err((reason, message)) = result {
                tracing::warn!(pod = ?pod_value["metadata"]["name"], reason, error = %message, "starting pod failed");
                this.mark_waiting(&pod_value, reason, message);
            }
            Self::release(&this.busy, &pod_uid);
            // The pod may have been deleted while its container was being made: the
            // deletion found nothing to remove then, so remove what was made now.
            let ns = pod_value["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default");
            let name = pod_value["metadata"]["name"].as_str().unwrap_or("");
            match this.store.get(Kind::Pod, ns, name) {
                Ok(Some(current)) if uid(&current) == pod_uid => {
                    if !current["metadata"]["deletionTimestamp"].is_null() {
                        this.on_deleted(&current);
                    }
                }
                Ok(_) => {
                    if let Err(e) = this.runtime.remove_pod(&pod_uid).await {
                        tracing::warn!(pod = name, error = %e, "removing a deleted pod's containers failed");
                    }
                }
                Err(e) => tracing::error!(pod = name, error = %e, "reading pod after start failed"),
            }
        });
    }

    fn spawn_remove(&self, pod_value: Value) {
        let pod_uid = uid(&pod_value).to_string();
        if !self.claim(&pod_uid) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            match this.runtime.remove_pod(&pod_uid).await {
                Ok(()) => {
                    let ns = pod_value["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or("default");
                    let name = pod_value["metadata"]["name"].as_str().unwrap_or("");
                    if let Err(e) = this.store.delete(Kind::Pod, ns, name) {
                        tracing::warn!(pod = name, error = %e, "deleting pod record failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(pod = ?pod_value["metadata"]["name"], error = %e, "removing pod failed")
                }
            }
            Self::release(&this.busy, &pod_uid);
        });
    }

    /// A start failed: the pod waits with the reason Kubernetes would show.
    fn mark_waiting(&self, pod: &Value, reason: &str, message: String) {
        let container = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let image = pod["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let status = PodStatus {
            phase: Some("Pending".into()),
            container_statuses: Some(vec![ContainerStatus {
                name: container,
                image,
                ready: false,
                restart_count: 0,
                state: Some(ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some(reason.to_string()),
                        message: Some(message),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let expected_uid = uid(pod).to_string();
        self.write_status(pod, &expected_uid, Some(status));
    }

    /// Writes an observed status to the pod, unless the pod already ended.
    fn write_status(&self, pod: &Value, expected_uid: &str, status: Option<PodStatus>) {
        let ns = pod["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string();
        let name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
        self.write_status_by_name(&ns, &name, expected_uid, status);
    }

    /// Ends a live pod Failed with a reason, unless it already ended.
    fn write_failed(&self, pod: &Value, expected_uid: &str, reason: &str, message: &str) {
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or("default");
        let name = pod["metadata"]["name"].as_str().unwrap_or("");
        let result = self
            .store
            .update_with(Kind::Pod, ns, name, |v: &mut Value| {
                if uid(v) == expected_uid && !is_terminal_phase(phase(v)) {
                    v["status"]["phase"] = Value::String("Failed".into());
                    v["status"]["reason"] = Value::String(reason.into());
                    v["status"]["message"] = Value::String(message.into());
                }
                Ok::<(), StoreError>(())
            });
        match result {
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => tracing::error!(pod = name, error = %e, "writing pod status failed"),
        }
    }

    fn write_status_by_name(
        &self,
        ns: &str,
        name: &str,
        expected_uid: &str,
        status: Option<PodStatus>,
    ) {
        let result = self
            .store
            .update_with(Kind::Pod, ns, name, |v: &mut Value| {
                if uid(v) != expected_uid || is_terminal_phase(phase(v)) {
                    return Ok::<(), StoreError>(());
                }
                match &status {
                    Some(s) => {
                        if let Ok(s) = serde_json::to_value(s) {
                            v["status"] = s;
                        }
                    }
                    None => {
                        // Containers gone from under a live pod (removed from outside, or
                        // lost with dockerd): the pod failed, as a node loss fails it.
                        if v["metadata"]["deletionTimestamp"].is_null() {
                            v["status"]["phase"] = Value::String("Failed".into());
                            v["status"]["reason"] = Value::String("ContainerMissing".into());
                            v["status"]["message"] = Value::String(
                                "the pod's container was removed outside dockjob".into(),
                            );
                        }
                    }
                }
                Ok(())
            });
        match result {
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => tracing::error!(pod = name, error = %e, "writing pod status failed"),
        }
    }

    /// One Docker observation.
    fn observe(&self, obs: ObservedPod) {
        if obs.status.is_none() && self.is_busy(&obs.uid) {
            // Our own removal or a start in flight: not a loss.
            return;
        }
        self.write_status_by_name(&obs.namespace, &obs.name, &obs.uid, obs.status);
    }

    fn is_busy(&self, uid: &str) -> bool {
        self.busy.lock().map(|b| b.contains(uid)).unwrap_or(false)
    }

    /// A full relist: compare everything.
    fn resync(&self, observed: Vec<ObservedPod>) {
        let mut by_uid: HashMap<String, ObservedPod> =
            observed.into_iter().map(|o| (o.uid.clone(), o)).collect();
        let pods = match self.store.list(Kind::Pod, None, None) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "listing pods for resync failed");
                return;
            }
        };
        for pod in &pods {
            let pod_uid = uid(pod).to_string();
            let seen = by_uid.remove(&pod_uid);
            if !pod["metadata"]["deletionTimestamp"].is_null() {
                let terminal = is_terminal_phase(phase(pod));
                self.on_deleted(pod);
                if !terminal {
                    continue;
                }
            }
            match seen {
                Some(obs) if obs.status.is_some() => {
                    // A container created but never started (the engine died between
                    // the two calls) is started now; start_pod is idempotent.
                    let not_started =
                        obs.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending");
                    self.write_status(pod, &pod_uid, obs.status);
                    if not_started {
                        self.spawn_start(pod.clone());
                    }
                }
                _ => {
                    let p = phase(pod);
                    if is_terminal_phase(p) {
                        continue;
                    }
                    if p == "Pending" {
                        self.spawn_start(pod.clone());
                    } else if !self.is_busy(&pod_uid) {
                        self.write_status(pod, &pod_uid, None);
                    }
                }
            }
        }
        // Containers whose pod no longer exists (deleted while the engine was down).
        for orphan in by_uid.into_values() {
            let this = self.clone();
            tokio::spawn(async move {
                if let Err(e) = this.runtime.remove_pod(&orphan.uid).await {
                    tracing::warn!(pod = orphan.name, error = %e, "removing orphaned containers failed");
                }
            });
        }
    }
}
