//! The engine's kubelet: makes Docker match the pods in the store, and the store's pod
//! statuses match Docker.
//!
//! - A pod is brought forward by [`Runtime::sync_pod`] (infra container, init containers
//!   in order, app containers), re-run whenever Docker reports a change of the pod, so an
//!   init container that exits lets the next one run. The ConfigMaps and Secrets the pod
//!   refers to are read from the store for each run.
//! - What keeps a container from being made (a missing ConfigMap key, a failed pull, an
//!   image that may not be pulled) is shown as that container's waiting reason, as the
//!   kubelet shows it, and retried: on a change of a ConfigMap or Secret in the pod's
//!   namespace, or after the image pull backoff.
//! - A pod marked for deletion has its containers stopped (its Job lives) or removed with
//!   its directory and its record.
//! - Every Docker observation (event or relist) is written to the pod's status, except
//!   that a terminal status (Succeeded/Failed) is written once and never changed: that
//!   is what makes each pod's result count exactly once.
//! - After every relist (engine start, events-stream reconnect) the store and Docker are
//!   compared whole: live pods are synced again (which resumes a pod stopped half-way by
//!   an engine crash), running pods whose containers vanished fail, containers and pod
//!   directories without a pod are removed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, ContainerStateWaiting, Pod, PodStatus, Secret};
use serde_json::Value;

use crate::api::kinds::Kind;
use crate::failpoint;
use crate::runtime::sources::{self, PodSources};
use crate::runtime::status::{self, ObservedContainer, Waiting};
use crate::runtime::steps::{self, Step};
use crate::runtime::translate::{self, Role};
use crate::runtime::{ObservedPod, PodError, PodInputs, Runtime, RuntimeEvent};
use crate::server::powers::{Policy, check_pod_spec};
use crate::store::{Store, StoreError, WatchType};

use super::paths;

/// How soon a pod whose pull just failed is looked at again, so that it shows
/// ImagePullBackOff (as the kubelet's next sync does) while the backoff runs.
const AFTER_PULL_FAILURE: Duration = Duration::from_secs(1);
/// How soon a pod is retried after an error that no change will announce (Docker
/// refused a call).
const AFTER_ERROR: Duration = Duration::from_secs(5);
/// Steps one sync takes at most before it waits for the next change (as
/// [`Runtime::sync_pod`]).
const MAX_STEPS_PER_SYNC: usize = 64;
/// Reasons that a change of a ConfigMap or Secret may clear.
const CONFIG_ERROR: &str = "CreateContainerConfigError";

/// What the kubelet knows of a pod that Docker does not: why containers are not made.
#[derive(Debug, Clone, Default)]
struct Known {
    namespace: String,
    name: String,
    waiting: Waiting,
}

/// A sync in flight for a pod, and whether another was asked meanwhile.
#[derive(Debug, Default)]
struct Busy {
    again: bool,
}

/// The kubelet's state: which pods have work in flight, and their waiting reasons.
#[derive(Clone)]
pub struct PodSync {
    store: Store,
    runtime: Runtime,
    /// The engine's data directory; pod directories live in `<data>/pods/<uid>`.
    data_dir: PathBuf,
    busy: Arc<Mutex<HashMap<String, Busy>>>,
    known: Arc<Mutex<HashMap<String, Known>>>,
    /// The pending retry of each pod (a token): only the latest one scheduled runs, so
    /// retries do not pile up and fire together.
    retries: Arc<Mutex<HashMap<String, u64>>>,
    /// Pods whose last status write failed (a full or read-only disk): their next sync
    /// writes what it sees even when it changes nothing in Docker.
    unwritten: Arc<Mutex<HashSet<String>>>,
    /// Which host powers pods may use, checked again before a pod starts (the kubelet's
    /// own admission): a pod admitted by an engine started with more allow flags than
    /// this one is refused here instead of run.
    powers: Arc<Policy>,
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

fn ns_name(v: &Value) -> (String, String) {
    (
        v["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string(),
        v["metadata"]["name"].as_str().unwrap_or("").to_string(),
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a task panicked while holding it; the maps stay valid.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PodSync {
    /// The data directory is the store's (the database lives in it).
    pub fn new(store: Store, runtime: Runtime) -> Self {
        let data_dir = store
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(paths::default_data_dir);
        PodSync {
            store,
            runtime,
            data_dir,
            busy: Arc::default(),
            known: Arc::default(),
            retries: Arc::default(),
            unwritten: Arc::default(),
            powers: Arc::new(Policy::default()),
        }
    }

    /// The host powers this engine allows (its `--allow-*` flags).
    pub fn with_powers(mut self, powers: Policy) -> Self {
        self.powers = Arc::new(powers);
        self
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
                    Ok(ev) if ev.type_ == WatchType::Deleted && ev.kind == Kind::Pod => {
                        self.forget(uid(&ev.object));
                    }
                    Ok(ev) if ev.kind == Kind::Pod && ev.type_ == WatchType::Added => {
                        self.on_pod_added(&ev.object)
                    }
                    Ok(ev) if ev.kind == Kind::Pod && ev.type_ != WatchType::Deleted => {
                        self.on_pod(&ev.object)
                    }
                    Ok(ev) if ev.kind == Kind::Job && ev.type_ != WatchType::Deleted => {
                        self.on_job(&ev.object)
                    }
                    Ok(ev) if matches!(ev.kind, Kind::ConfigMap | Kind::Secret) => {
                        self.on_config(ev.object["metadata"]["namespace"].as_str().unwrap_or("default"));
                    }
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
        for (namespace, _) in self.known_config_waits() {
            self.on_config(&namespace);
        }
    }

    /// A pod was added or changed in the store. Only a new pod (no container status yet)
    /// is synced from here: later steps follow Docker's events, so our own status writes
    /// do not loop back into syncs.
    fn on_pod(&self, pod: &Value) {
        if !pod["metadata"]["deletionTimestamp"].is_null() {
            self.on_deleted(pod);
        } else if phase(pod) == "Pending" && pod["status"]["containerStatuses"].is_null() {
            self.spawn_sync(pod);
        }
    }

    /// A pod created in the store while this engine runs: Docker cannot have a
    /// container of it yet (its uid is new), so its first sync starts from an empty look
    /// instead of listing the pod's containers: one Docker call less between a Job
    /// creating a pod and its container starting.
    fn on_pod_added(&self, pod: &Value) {
        if phase(pod) == "Pending"
            && pod["status"]["containerStatuses"].is_null()
            && pod["metadata"]["deletionTimestamp"].is_null()
        {
            let (namespace, name) = ns_name(pod);
            let nothing = ObservedPod {
                namespace,
                name,
                uid: uid(pod).to_string(),
                containers: Vec::new(),
            };
            self.spawn_sync_seen(pod, Some(nothing));
        } else {
            self.on_pod(pod);
        }
    }

    /// A ConfigMap or Secret changed in `namespace`: pods waiting for one are retried.
    fn on_config(&self, namespace: &str) {
        for (ns, name) in self.known_config_waits() {
            if ns != namespace {
                continue;
            }
            match self.store.get(Kind::Pod, &ns, &name) {
                Ok(Some(pod)) => self.spawn_sync(&pod),
                Ok(None) => {}
                Err(e) => tracing::error!(pod = name, error = %e, "reading pod failed"),
            }
        }
    }

    /// Pods (namespace, name) with a container waiting on its configuration.
    fn known_config_waits(&self) -> Vec<(String, String)> {
        lock(&self.known)
            .values()
            .filter(|k| {
                k.waiting
                    .values()
                    .any(|w| w.reason.as_deref() == Some(CONFIG_ERROR))
            })
            .map(|k| (k.namespace.clone(), k.name.clone()))
            .collect()
    }

    /// A pod marked for deletion. While its Job lives, the pod is only terminated: its
    /// containers stop and its record stays, so the Job's counts stay derivable from its
    /// pods and its logs stay readable. Otherwise (a bare pod, or its Job is being
    /// deleted) its containers, its directory and then its record are removed.
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

    /// Claims the pod for one task; `false` when a task holds it (which is then asked,
    /// if `again`, to run once more when done).
    fn claim(&self, uid: &str, again: bool) -> bool {
        let mut busy = lock(&self.busy);
        match busy.get_mut(uid) {
            Some(b) => {
                b.again |= again;
                false
            }
            None => {
                busy.insert(uid.to_string(), Busy::default());
                true
            }
        }
    }

    /// Releases the pod; true when another run was asked meanwhile (the claim is then
    /// kept for it).
    fn release(&self, uid: &str) -> bool {
        let mut busy = lock(&self.busy);
        match busy.get_mut(uid) {
            Some(b) if b.again => {
                b.again = false;
                true
            }
            _ => {
                busy.remove(uid);
                false
            }
        }
    }

    /// Ends a stop or removal task. When something was asked of the pod meanwhile (a
    /// deletion while it was being stopped, say), the pod as the store has it now is
    /// dispatched again, so no request is lost to the claim.
    fn finish(&self, pod: &Value, pod_uid: &str) {
        if !self.release(pod_uid) {
            return;
        }
        lock(&self.busy).remove(pod_uid);
        let (ns, name) = ns_name(pod);
        match self.store.get(Kind::Pod, &ns, &name) {
            Ok(Some(current)) if uid(&current) == pod_uid => {
                if !current["metadata"]["deletionTimestamp"].is_null() {
                    self.on_deleted(&current);
                } else if !is_terminal_phase(phase(&current)) {
                    self.spawn_sync(&current);
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(pod = name, error = %e, "reading pod failed"),
        }
    }

    fn is_busy(&self, uid: &str) -> bool {
        lock(&self.busy).contains_key(uid)
    }

    fn forget(&self, uid: &str) {
        lock(&self.known).remove(uid);
        lock(&self.retries).remove(uid);
        lock(&self.unwritten).remove(uid);
    }

    /// The pod's directory on the host (its emptyDir, configMap and secret volumes).
    fn pod_dir(&self, uid: &str) -> PathBuf {
        paths::pod_dir(&self.data_dir, uid)
    }

    /// Syncs the pod in a task (see [`Runtime::sync_pod`]); a sync already in flight
    /// runs once more instead.
    fn spawn_sync(&self, pod: &Value) {
        self.spawn_sync_seen(pod, None);
    }

    /// [`PodSync::spawn_sync`] with the pod's containers from a look at Docker just taken
    /// (an event's observation), which the sync's first step uses instead of looking
    /// again. A sync that runs once more (asked while busy) looks afresh.
    fn spawn_sync_seen(&self, pod: &Value, seen: Option<ObservedPod>) {
        let pod_uid = uid(pod).to_string();
        if pod_uid.is_empty() || !self.claim(&pod_uid, true) {
            return;
        }
        let (ns, name) = ns_name(pod);
        let this = self.clone();
        tokio::spawn(async move {
            let mut seen = seen;
            let deleted = loop {
                let deleted = this.sync_once(&ns, &name, &pod_uid, seen.take()).await;
                if !this.release(&pod_uid) {
                    break deleted;
                }
            };
            // Marked for deletion meanwhile: the deletion path takes over.
            if let Some(pod) = deleted {
                this.on_deleted(&pod);
            }
        });
    }

    /// One sync of the pod as the store has it now, then its status written. Returns the
    /// pod when it is marked for deletion, for the caller to hand over once it let go.
    async fn sync_once(
        &self,
        ns: &str,
        name: &str,
        pod_uid: &str,
        seen: Option<ObservedPod>,
    ) -> Option<Value> {
        let value = match self.store.get(Kind::Pod, ns, name) {
            Ok(Some(v)) if uid(&v) == pod_uid => v,
            Ok(_) => {
                // Deleted while we were busy: nothing of it may stay.
                self.remove_leftovers(pod_uid, name).await;
                return None;
            }
            Err(e) => {
                tracing::error!(pod = name, error = %e, "reading pod failed");
                return None;
            }
        };
        if !value["metadata"]["deletionTimestamp"].is_null() {
            return Some(value);
        }
        if is_terminal_phase(phase(&value)) {
            // Its result is written; only its sandbox may still hold an IP.
            if let Ok(pod) = serde_json::from_value::<Pod>(value.clone())
                && let Err(e) = self.runtime.release_sandbox(&pod).await
            {
                tracing::warn!(pod = name, error = %e, "stopping a finished pod's sandbox failed");
            }
            return None;
        }
        let pod: Pod = match serde_json::from_value(value.clone()) {
            Ok(p) => p,
            Err(e) => {
                self.write_failed(
                    &value,
                    pod_uid,
                    "UnreadablePod",
                    &format!("the stored pod is unreadable: {e}"),
                );
                return None;
            }
        };
        if let Some(message) = refused_powers(&value, &pod, &self.powers) {
            self.write_failed(&value, pod_uid, "Forbidden", &message);
            return None;
        }
        // None: the pod may not be brought forward (and is not being deleted).
        let seen = self.check_lost(&value, &pod, pod_uid, seen).await?;
        let must_write =
            !self.waiting(pod_uid).is_empty() || lock(&self.unwritten).contains(pod_uid);
        let sources = self.sources(&pod);
        let dir = self.pod_dir(pod_uid);
        let inputs = PodInputs {
            sources: &sources,
            pod_dir: &dir,
        };
        let (result, remade, changed) = self.bring_forward(&pod, &value, inputs, seen).await;
        if remade && self.check_lost(&value, &pod, pod_uid, None).await.is_none() {
            return None;
        }
        if result.is_ok() && !changed && !must_write {
            // Nothing done and nothing to clear: the status that woke this sync, written
            // from the same look at Docker, stands.
            return None;
        }
        match &result {
            Ok(_) => self.set_waiting(ns, name, pod_uid, Waiting::new()),
            Err(e) => {
                tracing::warn!(pod = name, reason = e.reason(), error = %e, "syncing pod failed");
                let waiting = waiting_for(&pod, e);
                self.set_waiting(ns, name, pod_uid, waiting);
                let retry = match e.reason() {
                    "ErrImagePull" => Some(AFTER_PULL_FAILURE),
                    CONFIG_ERROR => None,
                    _ => Some(e.retry_after.unwrap_or(AFTER_ERROR)),
                };
                if let Some(after) = retry {
                    self.retry_after(ns, name, pod_uid, after);
                }
            }
        }
        let status = match self.runtime.observe_pod(pod_uid).await {
            Ok(observed) => {
                let waiting = self.waiting(pod_uid);
                observed.and_then(|o| o.status(&pod, &waiting)).or_else(|| {
                    // Nothing made yet: the status says why.
                    result
                        .is_err()
                        .then(|| status::pod_status(&pod, &[], &waiting))
                })
            }
            Err(e) => {
                tracing::warn!(pod = name, error = %e, "observing pod failed");
                return None;
            }
        };
        if status.is_some() {
            self.write_status(&value, pod_uid, status);
        }
        None
    }

    /// Before a pod is brought forward: what was lost from under it outside dockjob.
    /// A sandbox that died under running containers has them killed first (the kubelet's
    /// "pod sandbox changed"); under `Never`, a container removed from Docker fails the
    /// pod instead of being made again (see [`lost_containers`]). Returns whether the
    /// pod may be brought forward.
    async fn check_lost(
        &self,
        value: &Value,
        pod: &Pod,
        pod_uid: &str,
        seen: Option<ObservedPod>,
    ) -> Option<Option<Vec<ObservedContainer>>> {
        let observed = match seen {
            Some(seen) => Ok(Some(seen)),
            None => self.runtime.observe_pod(pod_uid).await,
        };
        let observed = match observed {
            Ok(o) => o,
            // The step that follows meets the same error and reports it.
            Err(_) => return Some(None),
        };
        let Some(observed) = observed else {
            return Some(Some(Vec::new()));
        };
        let Ok(policy) = translate::restart_policy(pod) else {
            return Some(None);
        };
        let view = status::Matched::new(pod, &observed.containers).view(policy);
        if steps::sandbox_lost(&view) {
            tracing::warn!(
                pod = %observed.name,
                "the pod's infra container exited under running containers; killing them"
            );
            if let Err(e) = self.runtime.stop_pod(pod).await {
                tracing::warn!(pod = %observed.name, error = %e, "stopping pod failed");
            }
            return Some(None);
        }
        let status = observed.status(pod, &self.waiting(pod_uid));
        // This look at Docker is fresh and this pod's containers are made only by this
        // (claimed) sync, so a stored container id that Docker lacks now was removed.
        let lost = status.as_ref().is_some_and(|s| {
            serde_json::to_value(s).is_ok_and(|s| !lost_containers(value, &s).is_empty())
        });
        if lost && let Some(status) = status {
            self.write_lost(value, pod_uid, status);
            if let Err(e) = self.runtime.stop_pod(pod).await {
                tracing::warn!(pod = %observed.name, error = %e, "stopping pod failed");
            }
            return None;
        }
        Some(Some(observed.containers))
    }

    /// [`Runtime::sync_pod`] one step at a time, so that the failpoint
    /// [`failpoint::AFTER_CREATE`] can stop the engine between creating an app container
    /// and starting it (the fault tests' SIGKILL at exactly that moment).
    ///
    /// Under `Never`, when a step made a container again that the stored status had
    /// (it was removed between the last look and the step), the sync stops before
    /// starting it and says so (`true`): the caller fails the pod instead.
    async fn bring_forward(
        &self,
        pod: &Pod,
        stored: &Value,
        inputs: PodInputs<'_>,
        mut seen: Option<Vec<ObservedContainer>>,
    ) -> (Result<Step, PodError>, bool, bool) {
        let mut taken = 0;
        let changed = |taken: usize| taken > 0;
        while taken < MAX_STEPS_PER_SYNC {
            let ahead = match self.runtime.step_pod_ahead(pod, inputs, seen.take()).await {
                Err(e) => return (Err(e), false, true),
                Ok((step @ (Step::Wait | Step::Done), _)) => {
                    return (Ok(step), false, changed(taken));
                }
                Ok((Step::Create(role, index), ahead)) => {
                    if had_container(stored, role, index) {
                        return (Ok(Step::Wait), true, true);
                    }
                    self.record_made(pod, stored, role, index);
                    if role == Role::App {
                        failpoint::hit(failpoint::AFTER_CREATE);
                    }
                    ahead
                }
                Ok((_, ahead)) => ahead,
            };
            taken += 1;
            // The steps that surely follow (a start after a create), without asking
            // Docker again.
            for known in ahead {
                if known == Step::Wait {
                    return (Ok(known), false, true);
                }
                if let Err(e) = self.runtime.run_known_step(pod, known).await {
                    return (Err(e), false, true);
                }
                taken += 1;
            }
        }
        (Ok(Step::Wait), false, true)
    }

    /// Under `Never`, writes the id of a container just made into the pod's stored status
    /// before it starts, so that it is never made again (see [`had_container`]).
    ///
    /// Why not leave it to the `create` event's observation: that inspect waits out the
    /// start, and an engine killed between the start and that write, followed by the
    /// container's removal from outside, would find nothing saying it ever ran, and run
    /// it a second time.
    fn record_made(&self, pod: &Pod, stored: &Value, role: Role, index: usize) {
        if stored["spec"]["restartPolicy"] != "Never" {
            return;
        }
        let Some(id) = self.runtime.created_id(pod, role, index) else {
            return;
        };
        let (spec, list) = match role {
            Role::Init => ("initContainers", "initContainerStatuses"),
            Role::App => ("containers", "containerStatuses"),
            Role::Infra => return,
        };
        let (ns, name) = ns_name(stored);
        let pod_uid = uid(stored).to_string();
        let result = self
            .store
            .update_with(Kind::Pod, &ns, &name, |v: &mut Value| {
                if uid(v) == pod_uid && !is_terminal_phase(phase(v)) {
                    let container = &v["spec"][spec][index];
                    let entry = made_status(container, &id);
                    set_container_status(&mut v["status"], list, entry);
                }
                Ok::<(), StoreError>(())
            });
        match result {
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => {
                tracing::error!(pod = name, error = %e, "recording a made container failed")
            }
        }
    }

    /// Removes what a pod that is gone from the store left in Docker and on disk.
    async fn remove_leftovers(&self, pod_uid: &str, name: &str) {
        if let Err(e) = self.runtime.remove_pod(pod_uid).await {
            tracing::warn!(pod = name, error = %e, "removing a deleted pod's containers failed");
        }
        self.remove_pod_dir(pod_uid);
        self.forget(pod_uid);
    }

    /// Syncs the pod again after `after`, replacing any retry scheduled before.
    fn retry_after(&self, ns: &str, name: &str, pod_uid: &str, after: Duration) {
        let token = {
            let mut retries = lock(&self.retries);
            let token = retries.get(pod_uid).map_or(1, |t| t.wrapping_add(1));
            retries.insert(pod_uid.to_string(), token);
            token
        };
        let this = self.clone();
        let (ns, name, pod_uid) = (ns.to_string(), name.to_string(), pod_uid.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            {
                let mut retries = lock(&this.retries);
                if retries.get(&pod_uid) != Some(&token) {
                    return;
                }
                retries.remove(&pod_uid);
            }
            match this.store.get(Kind::Pod, &ns, &name) {
                Ok(Some(pod)) if uid(&pod) == pod_uid => {
                    if pod["metadata"]["deletionTimestamp"].is_null()
                        && !is_terminal_phase(phase(&pod))
                    {
                        this.spawn_sync(&pod);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(pod = name, error = %e, "reading pod failed"),
            }
        });
    }

    /// The ConfigMaps and Secrets the pod refers to, as the store has them now.
    fn sources(&self, pod: &Pod) -> PodSources {
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        let (config_maps, secrets) = sources::referenced(pod);
        let mut out = PodSources::default();
        for name in config_maps {
            match self.store.get_as::<ConfigMap>(Kind::ConfigMap, ns, &name) {
                Ok(Some(cm)) => {
                    out.config_maps.insert(name, cm);
                }
                Ok(None) => {}
                Err(e) => tracing::error!(configmap = name, error = %e, "reading configmap failed"),
            }
        }
        for name in secrets {
            match self.store.get_as::<Secret>(Kind::Secret, ns, &name) {
                Ok(Some(s)) => {
                    out.secrets.insert(name, s);
                }
                Ok(None) => {}
                Err(e) => tracing::error!(secret = name, error = %e, "reading secret failed"),
            }
        }
        out
    }

    fn set_waiting(&self, ns: &str, name: &str, pod_uid: &str, waiting: Waiting) {
        let mut known = lock(&self.known);
        if waiting.is_empty() {
            known.remove(pod_uid);
        } else {
            known.insert(
                pod_uid.to_string(),
                Known {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                    waiting,
                },
            );
        }
    }

    fn waiting(&self, pod_uid: &str) -> Waiting {
        lock(&self.known)
            .get(pod_uid)
            .map(|k| k.waiting.clone())
            .unwrap_or_default()
    }

    fn spawn_stop(&self, pod_value: Value) {
        let pod_uid = uid(&pod_value).to_string();
        if !self.claim(&pod_uid, true) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let (_, name) = ns_name(&pod_value);
            let pod = serde_json::from_value::<Pod>(pod_value.clone()).ok();
            if let Some(pod) = &pod
                && let Err(e) = this.runtime.stop_pod(pod).await
            {
                tracing::warn!(pod = name, error = %e, "stopping pod failed");
            }
            // Write the stopped state now rather than wait for the die event; a pod
            // whose containers never ran ends Failed here.
            let observed = this.runtime.observe_pod(&pod_uid).await.ok().flatten();
            let mut status = match (&pod, observed) {
                (Some(pod), Some(o)) => o.status(pod, &this.waiting(&pod_uid)),
                _ => None,
            };
            // An OnFailure container we stopped shows Running (it would be restarted),
            // but a pod marked for deletion is never restarted: it ends Failed, as the
            // kubelet ends a terminated pod.
            if let Some(s) = status.as_mut()
                && s.phase.as_deref() == Some("Running")
            {
                s.phase = Some("Failed".into());
            }
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
            this.forget(&pod_uid);
            this.finish(&pod_value, &pod_uid);
        });
    }

    fn spawn_remove(&self, pod_value: Value) {
        let pod_uid = uid(&pod_value).to_string();
        if !self.claim(&pod_uid, true) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let (ns, name) = ns_name(&pod_value);
            // A pod deleted by itself (bare, or a ReplicaSet's) gets its grace period, as
            // `kubectl delete pod` waits it out. The pods of a deleted Job go at once:
            // kubectl returns as soon as the Job is gone and its pods terminate later,
            // while here the Job record waits for its pods.
            if !owned_by_job(&pod_value)
                && let Ok(pod) = serde_json::from_value::<Pod>(pod_value.clone())
                && let Err(e) = this.runtime.stop_pod(&pod).await
            {
                tracing::warn!(pod = name, error = %e, "stopping pod failed");
            }
            match this.runtime.remove_pod(&pod_uid).await {
                Ok(()) => {
                    this.remove_pod_dir(&pod_uid);
                    if let Err(e) = this.store.delete(Kind::Pod, &ns, &name) {
                        tracing::warn!(pod = name, error = %e, "deleting pod record failed");
                    }
                }
                Err(e) => tracing::warn!(pod = name, error = %e, "removing pod failed"),
            }
            this.forget(&pod_uid);
            this.finish(&pod_value, &pod_uid);
        });
    }

    fn remove_pod_dir(&self, pod_uid: &str) {
        let dir = self.pod_dir(pod_uid);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "removing pod directory failed")
            }
        }
    }

    /// Writes an observed status to the pod, unless the pod already ended.
    fn write_status(&self, pod: &Value, expected_uid: &str, status: Option<PodStatus>) {
        let (ns, name) = ns_name(pod);
        self.write_status_by_name(&ns, &name, expected_uid, status);
    }

    /// Fails a live Never pod whose containers were removed from Docker (see
    /// [`fail_lost`]), from a fresh observation, unless it already ended.
    fn write_lost(&self, pod: &Value, expected_uid: &str, status: PodStatus) {
        let (ns, name) = ns_name(pod);
        let Ok(mut new_status) = serde_json::to_value(&status) else {
            return;
        };
        let result = self
            .store
            .update_with(Kind::Pod, &ns, &name, |v: &mut Value| {
                let lost = lost_containers(v, &new_status);
                if uid(v) == expected_uid
                    && !is_terminal_phase(phase(v))
                    && v["metadata"]["deletionTimestamp"].is_null()
                    && !lost.is_empty()
                {
                    tracing::warn!(pod = name, containers = ?lost, "containers removed outside dockjob; the pod fails");
                    fail_lost(&mut new_status, &v["status"], &lost);
                    if new_status["podIP"].is_null() && !v["status"]["podIP"].is_null() {
                        new_status["podIP"] = v["status"]["podIP"].clone();
                        new_status["podIPs"] = v["status"]["podIPs"].clone();
                    }
                    v["status"] = new_status.clone();
                }
                Ok::<(), StoreError>(())
            });
        match result {
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => tracing::error!(pod = name, error = %e, "writing pod status failed"),
        }
    }

    /// Ends a live pod Failed with a reason, unless it already ended.
    fn write_failed(&self, pod: &Value, expected_uid: &str, reason: &str, message: &str) {
        let (ns, name) = ns_name(pod);
        let result = self
            .store
            .update_with(Kind::Pod, &ns, &name, |v: &mut Value| {
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
                        if let Ok(mut s) = serde_json::to_value(s) {
                            // The pod keeps its IP once it had one (the API server keeps
                            // podIPs), also after its sandbox was stopped.
                            if s["podIP"].is_null() && !v["status"]["podIP"].is_null() {
                                s["podIP"] = v["status"]["podIP"].clone();
                                s["podIPs"] = v["status"]["podIPs"].clone();
                            }
                            // Under Never a container's id never goes away: an
                            // observation without it is older than the status (events
                            // are inspected before they are written) or the container
                            // was removed, which the next sync's fresh look decides
                            // ([`PodSync::check_lost`]). Either way it is not written.
                            if !lost_containers(v, &s).is_empty() {
                                return Ok(());
                            }
                            v["status"] = s;
                        }
                    }
                    None => {
                        // Containers gone from under a live pod (removed from outside, or
                        // lost with dockerd): the pod failed, as a node loss fails it.
                        if v["metadata"]["deletionTimestamp"].is_null() {
                            fail_vanished(&mut v["status"]);
                        }
                    }
                }
                Ok(())
            });
        match result {
            Ok(_) | Err(StoreError::NotFound { .. }) => {
                lock(&self.unwritten).remove(expected_uid);
            }
            Err(e) => {
                // A full or read-only disk: the observation must not be lost (a pod's
                // result would never be counted), so the pod is synced and written again.
                tracing::error!(pod = name, error = %e, "writing pod status failed; retrying");
                lock(&self.unwritten).insert(expected_uid.to_string());
                self.retry_after(ns, name, expected_uid, AFTER_ERROR);
            }
        }
    }

    /// One Docker observation: the pod's status is written, and a live pod is synced
    /// (an init container that finished lets the next one run).
    fn observe(&self, obs: ObservedPod) {
        if obs.containers.is_empty() && self.is_busy(&obs.uid) {
            // Our own removal or a start in flight: not a loss.
            return;
        }
        let value = match self.store.get(Kind::Pod, &obs.namespace, &obs.name) {
            Ok(Some(v)) if uid(&v) == obs.uid => v,
            Ok(_) => return,
            Err(e) => {
                tracing::error!(pod = obs.name, error = %e, "reading pod failed");
                return;
            }
        };
        let Ok(pod) = serde_json::from_value::<Pod>(value.clone()) else {
            return;
        };
        let status = obs.status(&pod, &self.waiting(&obs.uid));
        if status.is_none() && remade_in_place(&value) {
            // Its containers were removed from under it: the sync makes them again.
            self.spawn_sync(&value);
            return;
        }
        // A finished pod is synced too: that stops its sandbox.
        let live = status.is_some() && value["metadata"]["deletionTimestamp"].is_null();
        self.write_status(&value, &obs.uid, status);
        if live {
            self.spawn_sync_seen(&value, Some(obs));
        }
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
        let mut live_uids: HashSet<String> = HashSet::new();
        for pod in &pods {
            let pod_uid = uid(pod).to_string();
            live_uids.insert(pod_uid.clone());
            let seen = by_uid.remove(&pod_uid);
            if !pod["metadata"]["deletionTimestamp"].is_null() {
                let terminal = is_terminal_phase(phase(pod));
                self.on_deleted(pod);
                if !terminal {
                    continue;
                }
            }
            let p = phase(pod);
            match seen {
                Some(obs) if !obs.containers.is_empty() => {
                    if let Ok(spec) = serde_json::from_value::<Pod>(pod.clone()) {
                        let status = obs.status(&spec, &self.waiting(&pod_uid));
                        self.write_status(pod, &pod_uid, status);
                    }
                    // Resumes a pod an engine crash left half-way (a container created
                    // but not started, the next init container not made), and stops the
                    // sandbox of a finished one.
                    if pod["metadata"]["deletionTimestamp"].is_null() {
                        self.spawn_sync(pod);
                    }
                }
                _ => {
                    if is_terminal_phase(p) || !pod["metadata"]["deletionTimestamp"].is_null() {
                        continue;
                    }
                    if p == "Pending" || remade_in_place(pod) {
                        self.spawn_sync(pod);
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
                this.remove_leftovers(&orphan.uid, &orphan.name).await;
            });
        }
        // Pod directories whose pod no longer exists (the engine died between removing
        // the containers and the directory).
        for dir_uid in paths::pod_dir_uids(&self.data_dir) {
            if !live_uids.contains(&dir_uid) && !self.is_busy(&dir_uid) {
                self.remove_pod_dir(&dir_uid);
            }
        }
    }
}

/// The kubelet's admission of a pod that has not started yet (no startTime): the host
/// powers it asks for that this engine does not allow, as the refusal's message; None
/// when it may run. A pod already started under an earlier engine is left running.
fn refused_powers(value: &Value, pod: &Pod, powers: &Policy) -> Option<String> {
    if !value["status"]["startTime"].is_null() {
        return None;
    }
    let spec = pod.spec.as_ref()?;
    let violations = check_pod_spec(spec, "spec", powers, &|p: &Path| {
        std::fs::canonicalize(p).ok()
    });
    if violations.is_empty() {
        return None;
    }
    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
    Some(format!(
        "pod rejected: this engine does not allow what it asks for: {}",
        list.join(", ")
    ))
}

/// The waiting reasons an error gives the pod's containers: the container it is about,
/// or (a sandbox error) every container, as ContainerCreating with the kubelet's
/// "Failed to create pod sandbox" message.
fn waiting_for(pod: &Pod, e: &PodError) -> Waiting {
    let mut waiting = Waiting::new();
    match &e.container {
        Some(c) => {
            waiting.insert(
                c.clone(),
                ContainerStateWaiting {
                    reason: Some(e.reason().to_string()),
                    message: Some(e.error.to_string()),
                },
            );
        }
        None => {
            let spec = pod.spec.as_ref();
            let names = spec
                .iter()
                .flat_map(|s| {
                    s.init_containers
                        .iter()
                        .flatten()
                        .chain(s.containers.iter())
                })
                .map(|c| c.name.clone());
            let has_init =
                spec.is_some_and(|s| s.init_containers.as_ref().is_some_and(|i| !i.is_empty()));
            // The pod itself cannot be mapped: every container says so. Otherwise the
            // sandbox failed and the containers wait in their default state with the
            // kubelet's sandbox message.
            let (reason, message) = if e.reason() == CONFIG_ERROR {
                (CONFIG_ERROR, e.error.to_string())
            } else if has_init {
                (
                    "PodInitializing",
                    format!("Failed to create pod sandbox: {}", e.error),
                )
            } else {
                (
                    "ContainerCreating",
                    format!("Failed to create pod sandbox: {}", e.error),
                )
            };
            for name in names {
                waiting.insert(
                    name,
                    ContainerStateWaiting {
                        reason: Some(reason.to_string()),
                        message: Some(message.clone()),
                    },
                );
            }
        }
    }
    waiting
}

/// Whether a Job controls the pod.
fn owned_by_job(pod: &Value) -> bool {
    pod["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["controller"] == true && r["kind"] == "Job")
        })
}

/// The container status lists of a pod status.
const STATUS_LISTS: [&str; 2] = ["initContainerStatuses", "containerStatuses"];
/// The kubelet's state for a container it cannot find any more (convertToAPIContainerStatuses).
const STATUS_UNKNOWN_REASON: &str = "ContainerStatusUnknown";
const STATUS_UNKNOWN_MESSAGE: &str =
    "The container could not be located when the pod was terminated";

fn container_id(cs: &Value) -> Option<&str> {
    cs["containerID"].as_str().filter(|id| !id.is_empty())
}

/// Under `restartPolicy: Never`, the containers (by name) that the stored pod's status
/// shows as made (a containerID) and that the new status no longer has (or has as another
/// container): removed from Docker outside dockjob. Making them again would run a Never
/// container twice, so such a pod fails instead (see [`fail_lost`]). Under the other
/// policies the kubelet makes a missing container again, which the step function does.
fn lost_containers(stored: &Value, new_status: &Value) -> Vec<String> {
    if stored["spec"]["restartPolicy"] != "Never" {
        return Vec::new();
    }
    let mut lost = Vec::new();
    for list in STATUS_LISTS {
        for old in stored["status"][list].as_array().into_iter().flatten() {
            let Some(old_id) = container_id(old) else {
                continue;
            };
            let now = new_status[list]
                .as_array()
                .and_then(|l| l.iter().find(|c| c["name"] == old["name"]))
                .and_then(container_id);
            if now != Some(old_id)
                && let Some(name) = old["name"].as_str()
            {
                lost.push(name.to_string());
            }
        }
    }
    lost
}

/// Whether a live pod whose containers are all gone from Docker (removed from outside,
/// or lost with dockerd's state) gets them made again in place: under `OnFailure` and
/// `Always` the kubelet makes a new sandbox and restarts the containers; under `Never`
/// the pod fails instead.
///
/// Why this matters beyond the rare `docker rm`: a pod that owns its sandbox has one
/// container, so removing it leaves no trace of the pod in Docker at all.
fn remade_in_place(stored: &Value) -> bool {
    stored["spec"]["restartPolicy"] != "Never"
        && !is_terminal_phase(phase(stored))
        && stored["metadata"]["deletionTimestamp"].is_null()
}

/// Whether the stored pod, under `restartPolicy: Never`, shows the container at `index`
/// of `role` as made (a containerID): one that must never be made again.
fn had_container(stored: &Value, role: Role, index: usize) -> bool {
    if stored["spec"]["restartPolicy"] != "Never" {
        return false;
    }
    let (spec, list) = match role {
        Role::Init => ("initContainers", "initContainerStatuses"),
        Role::App => ("containers", "containerStatuses"),
        Role::Infra => return false,
    };
    let Some(name) = stored["spec"][spec][index]["name"].as_str() else {
        return false;
    };
    stored["status"][list]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["name"] == name))
        .and_then(container_id)
        .is_some()
}

/// The kubelet's status of a container made and not started yet: waiting in
/// ContainerCreating, with its id.
fn made_status(container: &Value, id: &str) -> Value {
    serde_json::json!({
        "name": container["name"],
        "image": container["image"],
        "imageID": "",
        "containerID": format!("docker://{id}"),
        "ready": false,
        "restartCount": 0,
        "started": false,
        "state": {"waiting": {"reason": "ContainerCreating"}},
    })
}

/// Puts `entry` into the status list `list` in place of the entry of the same name,
/// keeping one already showing the same container (a later look at it).
fn set_container_status(status: &mut Value, list: &str, entry: Value) {
    if !status.is_object() {
        *status = serde_json::json!({});
    }
    if !status[list].is_array() {
        status[list] = serde_json::json!([]);
    }
    let Some(entries) = status[list].as_array_mut() else {
        return;
    };
    match entries.iter_mut().find(|c| c["name"] == entry["name"]) {
        Some(old) if container_id(old) == container_id(&entry) => {}
        Some(old) => *old = entry,
        None => entries.push(entry),
    }
}

/// Fails a pod whose `lost` containers were removed from Docker: each keeps the
/// termination it had, or, lost while it ran, gets the kubelet's ContainerStatusUnknown
/// termination (exit code 137), and the pod is Failed with reason ContainerMissing.
fn fail_lost(new_status: &mut Value, old_status: &Value, lost: &[String]) {
    for list in STATUS_LISTS {
        let Some(entries) = new_status[list].as_array_mut() else {
            continue;
        };
        for cs in entries.iter_mut() {
            let Some(name) = cs["name"].as_str().map(str::to_string) else {
                continue;
            };
            if !lost.contains(&name) {
                continue;
            }
            let old = old_status[list]
                .as_array()
                .and_then(|l| l.iter().find(|c| c["name"] == name.as_str()))
                .cloned()
                .unwrap_or(Value::Null);
            if !old["state"]["terminated"].is_null() {
                *cs = old;
                continue;
            }
            cs["lastState"] = old["state"].clone();
            cs["state"] = serde_json::json!({"terminated": {
                "exitCode": 137,
                "reason": STATUS_UNKNOWN_REASON,
                "message": STATUS_UNKNOWN_MESSAGE,
            }});
            cs["ready"] = Value::Bool(false);
            cs["started"] = Value::Bool(false);
            cs["containerID"] = old["containerID"].clone();
            cs["restartCount"] = old["restartCount"].clone();
        }
    }
    new_status["phase"] = Value::String("Failed".into());
    new_status["reason"] = Value::String("ContainerMissing".into());
    new_status["message"] = Value::String(format!(
        "container {} was removed outside dockjob",
        lost.join(", ")
    ));
}

/// Fails a pod none of whose containers Docker has any more: each container that was
/// made and had not ended gets the kubelet's ContainerStatusUnknown termination (see
/// [`fail_lost`]), so the pod's record says what became of every container.
fn fail_vanished(status: &mut Value) {
    let made: Vec<String> = STATUS_LISTS
        .iter()
        .flat_map(|list| status[*list].as_array().into_iter().flatten())
        .filter(|cs| container_id(cs).is_some())
        .filter_map(|cs| cs["name"].as_str().map(str::to_string))
        .collect();
    if made.is_empty() {
        status["phase"] = Value::String("Failed".into());
        status["reason"] = Value::String("ContainerMissing".into());
        status["message"] =
            Value::String("the pod's containers were removed outside dockjob".into());
        return;
    }
    let old = status.clone();
    fail_lost(status, &old, &made);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored(policy: &str, cs: Value) -> Value {
        json!({"spec": {"restartPolicy": policy}, "status": {"phase": "Running", "containerStatuses": cs}})
    }

    #[test]
    fn a_never_container_that_vanished_is_lost_and_fails_the_pod() {
        let running = json!([{"name": "main", "containerID": "docker://a", "restartCount": 0,
            "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]);
        let old = stored("Never", running);
        let mut new = json!({"phase": "Pending", "containerStatuses": [
            {"name": "main", "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]});
        let lost = lost_containers(&old, &new);
        assert_eq!(lost, ["main"]);
        fail_lost(&mut new, &old["status"], &lost);
        assert_eq!(new["phase"], "Failed");
        assert_eq!(new["reason"], "ContainerMissing");
        let cs = &new["containerStatuses"][0];
        assert_eq!(cs["state"]["terminated"]["exitCode"], 137);
        assert_eq!(
            cs["state"]["terminated"]["reason"],
            "ContainerStatusUnknown"
        );
        assert_eq!(
            cs["lastState"]["running"]["startedAt"],
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(cs["containerID"], "docker://a");
    }

    #[test]
    fn a_pod_whose_containers_all_vanished_says_what_became_of_each() {
        let mut status = json!({"phase": "Running", "containerStatuses": [
            {"name": "main", "containerID": "docker://a", "restartCount": 0,
             "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}},
            {"name": "side", "containerID": "docker://b", "restartCount": 0,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]});
        fail_vanished(&mut status);
        assert_eq!(status["phase"], "Failed");
        assert_eq!(status["reason"], "ContainerMissing");
        let main = &status["containerStatuses"][0];
        assert_eq!(main["state"]["terminated"]["exitCode"], 137);
        assert_eq!(
            main["state"]["terminated"]["reason"],
            "ContainerStatusUnknown"
        );
        assert_eq!(main["containerID"], "docker://a");
        let side = &status["containerStatuses"][1];
        assert_eq!(side["state"]["terminated"]["reason"], "Completed");

        let mut never_made = json!({"phase": "Pending", "containerStatuses": [
            {"name": "main", "state": {"waiting": {"reason": "ContainerCreating"}}}]});
        fail_vanished(&mut never_made);
        assert_eq!(never_made["phase"], "Failed");
        assert_eq!(never_made["reason"], "ContainerMissing");
        assert!(never_made["containerStatuses"][0]["state"]["terminated"].is_null());
    }

    #[test]
    fn a_made_container_is_recorded_once_and_then_never_made_again() {
        let spec = json!({"name": "main", "image": "busybox"});
        let mut status = json!({"phase": "Pending"});
        set_container_status(&mut status, "containerStatuses", made_status(&spec, "a"));
        let mut pod = stored("Never", status["containerStatuses"].clone());
        pod["spec"]["containers"] = json!([spec]);
        assert_eq!(
            pod["status"]["containerStatuses"][0]["containerID"],
            "docker://a"
        );
        assert!(had_container(&pod, Role::App, 0));

        // An observation of the same container written first is kept; another container
        // replaces it.
        status["containerStatuses"][0]["state"] = json!({"running": {}});
        set_container_status(&mut status, "containerStatuses", made_status(&spec, "a"));
        assert_eq!(status["containerStatuses"].as_array().unwrap().len(), 1);
        assert!(status["containerStatuses"][0]["state"]["running"].is_object());
        set_container_status(&mut status, "containerStatuses", made_status(&spec, "b"));
        assert_eq!(status["containerStatuses"][0]["containerID"], "docker://b");
    }

    #[test]
    fn a_live_pod_without_containers_is_made_again_unless_never() {
        let cs = json!([{"name": "main", "containerID": "docker://a"}]);
        assert!(remade_in_place(&stored("OnFailure", cs.clone())));
        assert!(remade_in_place(&stored("Always", cs.clone())));
        assert!(!remade_in_place(&stored("Never", cs.clone())));
        let mut done = stored("OnFailure", cs.clone());
        done["status"]["phase"] = json!("Succeeded");
        assert!(!remade_in_place(&done));
        let mut going = stored("OnFailure", cs);
        going["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert!(!remade_in_place(&going));
    }

    #[test]
    fn nothing_is_lost_while_ids_stay_or_under_other_policies() {
        let with_id = json!([{"name": "main", "containerID": "docker://a"}]);
        let same = json!({"containerStatuses": with_id.clone()});
        assert!(lost_containers(&stored("Never", with_id.clone()), &same).is_empty());
        let gone = json!({"containerStatuses": [{"name": "main"}]});
        assert!(lost_containers(&stored("OnFailure", with_id.clone()), &gone).is_empty());
        let never_made = json!([{"name": "main"}]);
        assert!(lost_containers(&stored("Never", never_made), &gone).is_empty());
        let other = json!({"containerStatuses": [{"name": "main", "containerID": "docker://b"}]});
        assert_eq!(lost_containers(&stored("Never", with_id), &other), ["main"]);
    }

    #[test]
    fn a_pod_not_started_yet_is_refused_the_powers_this_engine_does_not_allow() {
        let value = json!({
            "metadata": {"name": "p", "namespace": "default", "uid": "u"},
            "spec": {"containers": [{"name": "main", "image": "x",
                "securityContext": {"privileged": true}}]},
            "status": {},
        });
        let pod: Pod = serde_json::from_value(value.clone()).unwrap();
        let message = refused_powers(&value, &pod, &Policy::default()).expect("refused");
        assert!(
            message.contains("spec.containers[0].securityContext.privileged: Forbidden")
                && message.contains("--allow-privileged"),
            "{message}"
        );
        let allowing = Policy {
            privileged: true,
            ..Policy::default()
        };
        assert_eq!(refused_powers(&value, &pod, &allowing), None);
        // Started under an engine that allowed it: left running.
        let mut started = value.clone();
        started["status"]["startTime"] = json!("2026-11-27T10:00:00Z");
        assert_eq!(refused_powers(&started, &pod, &Policy::default()), None);
    }

    #[test]
    fn a_never_container_with_an_id_must_not_be_made_again() {
        let mut pod = stored("Never", json!([{"name": "b", "containerID": "docker://x"}]));
        pod["spec"]["containers"] = json!([{"name": "a"}, {"name": "b"}]);
        assert!(had_container(&pod, Role::App, 1));
        assert!(!had_container(&pod, Role::App, 0));
        assert!(!had_container(&pod, Role::Init, 0));
        pod["spec"]["restartPolicy"] = json!("OnFailure");
        assert!(!had_container(&pod, Role::App, 1));
    }

    #[test]
    fn a_lost_container_that_had_ended_keeps_its_termination() {
        let ended = json!([{"name": "main", "containerID": "docker://a",
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]);
        let old = stored("Never", ended);
        let mut new = json!({"containerStatuses": [{"name": "main"}]});
        fail_lost(&mut new, &old["status"], &["main".to_string()]);
        assert_eq!(
            new["containerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed"
        );
        assert_eq!(new["phase"], "Failed");
    }
}
