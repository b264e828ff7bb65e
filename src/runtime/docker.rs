//! The Docker calls: connect, the pod steps (create/start of the infra, init and app
//! containers), stop, remove, relist, inspect, logs.
//!
//! Owns the bollard client, the bound on creations in flight and the image-pull backoff.
//! Must not decide what to run: [`steps::next_step`] decides, this module executes one
//! step at a time, idempotently (every call may be repeated after a crash at any point),
//! and only ever touches containers labelled with its engine id.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{
    ContainerInspectResponse, ContainerSummary, ImageInspect, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListVolumesOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptionsBuilder, StopContainerOptionsBuilder,
};
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{Container, ContainerStateTerminated, Pod};
use tokio::sync::Semaphore;

use super::sources::{ConfigError, PodSources};
use super::status::{self, Matched, ObservedContainer};
use super::steps::{self, Step};
use super::translate::{self, ContainerInputs, ContainerPlan, PodKey, PullPolicy, Role, Sandbox};
use super::{
    ObservedPod, PodError, RuntimeError, RuntimeEvent, env, one_line, security, status_code,
    volumes,
};
use crate::api::labels::docker as label;
use crate::metrics;

/// Where Docker listens when `DOCKER_HOST` is unset.
const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";
/// How long `connect` waits for a daemon that accepts connections but does not answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a container created by a concurrent call may take to become inspectable.
const CREATED_VISIBLE_WITHIN: Duration = Duration::from_secs(10);
/// Inspections run concurrently during a relist.
const INSPECT_CONCURRENCY: usize = 8;
/// The kubelet's image pull backoff: 10 s, doubling up to 300 s (flowcontrol.NewBackOff).
const PULL_BACKOFF_INITIAL: Duration = Duration::from_secs(10);
const PULL_BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Steps one `sync_pod` call may take: enough for a pod's every container, a bound on a
/// step that keeps coming back (Docker undoing what we did).
const MAX_STEPS_PER_SYNC: usize = 64;

/// The Docker runtime. Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct Runtime {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) docker: Docker,
    /// The address we connected to, for messages.
    pub(super) host: String,
    pub(super) engine_id: String,
    /// Bounds creations in flight (`max_creates_in_flight`).
    creates: Semaphore,
    /// Container id -> the termination Docker is restarting it after. Docker forgets the
    /// exit code once the container runs again; this keeps it for `lastState`.
    restarts: Mutex<HashMap<String, ContainerStateTerminated>>,
    /// Container id -> its last inspect while it was created or ran (a `start` event
    /// marks it started): what a `die` event needs besides its exit code and time (see
    /// [`Runtime::observe_exit`]). Containers that have not ended only, so it stays as
    /// small as what runs.
    running: Mutex<HashMap<String, ContainerInspectResponse>>,
    /// Failed pulls by `<pod uid>_<image>` (the kubelet's image backoff key).
    pull_backoff: Mutex<PullBackoff>,
    /// Namespace networks known to exist (see [`Runtime::ensure_network`]).
    pub(super) networks: Mutex<std::collections::HashSet<String>>,
    /// OOM kills Docker's inspect may not show (see [`super::oom`]).
    pub(super) ooms: Arc<super::oom::OomLog>,
}

/// What the kubelet resolved outside the pod for making its containers: the ConfigMaps
/// and Secrets it refers to and its directory on the host (volumes live under it).
#[derive(Debug, Clone, Copy)]
pub struct PodInputs<'a> {
    pub sources: &'a PodSources,
    pub pod_dir: &'a Path,
}

impl Runtime {
    /// Connects through DOCKER_HOST or the default socket, negotiates the API version
    /// (bollard speaks a newer API than dockerd 20.10's 1.41) and pings. When Docker is
    /// absent or unreachable the error is one line naming the address and how to start it.
    pub async fn connect(
        engine_id: &str,
        max_creates_in_flight: usize,
    ) -> Result<Runtime, RuntimeError> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_string());
        Runtime::connect_to(&host, engine_id, max_creates_in_flight).await
    }

    /// `connect` to an explicit address (`unix:///path`, `tcp://host:port`, ...) instead of
    /// DOCKER_HOST; for callers and tests that must not depend on the environment.
    pub async fn connect_to(
        host: &str,
        engine_id: &str,
        max_creates_in_flight: usize,
    ) -> Result<Runtime, RuntimeError> {
        let host = host.to_string();
        let unreachable = |reason: String| RuntimeError::Unreachable {
            host: host.clone(),
            reason,
        };
        let docker = Docker::connect_with_host(&host).map_err(|e| unreachable(root_cause(&e)))?;
        let handshake = async {
            let docker = docker.negotiate_version().await?;
            docker.ping().await?;
            Ok::<_, bollard::errors::Error>(docker)
        };
        let docker = tokio::time::timeout(CONNECT_TIMEOUT, handshake)
            .await
            .map_err(|_| unreachable(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(root_cause(&e)))?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                docker,
                host,
                engine_id: engine_id.to_string(),
                creates: Semaphore::new(max_creates_in_flight.max(1)),
                restarts: Mutex::new(HashMap::new()),
                running: Mutex::new(HashMap::new()),
                pull_backoff: Mutex::new(PullBackoff::default()),
                networks: Mutex::new(std::collections::HashSet::new()),
                ooms: super::oom::OomLog::with_kernel_log(),
            }),
        })
    }

    /// The engine id whose label scopes every container we touch.
    pub fn engine_id(&self) -> &str {
        &self.inner.engine_id
    }

    /// The Docker address in use (DOCKER_HOST or the default socket).
    pub fn docker_host(&self) -> &str {
        &self.inner.host
    }

    /// Brings the pod's containers forward until nothing is left to do now: infra
    /// container, init containers one at a time to success, then the app containers (see
    /// [`steps::next_step`]). Returns [`Step::Wait`] (containers run; call again when
    /// Docker reports a change) or [`Step::Done`] (the pod is over). Idempotent and safe
    /// to call after a crash at any point: every step is decided from Docker afresh.
    pub async fn sync_pod(&self, pod: &Pod, inputs: PodInputs<'_>) -> Result<Step, PodError> {
        let mut taken = 0;
        while taken < MAX_STEPS_PER_SYNC {
            let (step, ahead) = self.step_pod_ahead(pod, inputs, None).await?;
            taken += 1;
            if matches!(step, Step::Wait | Step::Done) {
                return Ok(step);
            }
            for known in ahead {
                if known == Step::Wait {
                    return Ok(known);
                }
                self.run_known_step(pod, known).await?;
                taken += 1;
            }
        }
        Ok(Step::Wait)
    }

    /// Executes the pod's next step (one Docker change at most) and returns it; `Wait` and
    /// `Done` changed nothing. `sync_pod` is this in a loop; tests use it to stop between
    /// any two steps, as a crash would.
    pub async fn step_pod(&self, pod: &Pod, inputs: PodInputs<'_>) -> Result<Step, PodError> {
        self.step_pod_ahead(pod, inputs, None)
            .await
            .map(|(step, _)| step)
    }

    /// [`Runtime::step_pod`], and the steps that follow it when they can be known without
    /// asking Docker again (see [`steps::ahead`]): a container just created is started
    /// next, and a pod whose last container just started waits. The caller runs those
    /// with [`Runtime::run_known_step`], saving a list and an inspect per step. `seen`:
    /// the pod's containers from a look the caller just took (none: look now).
    pub async fn step_pod_ahead(
        &self,
        pod: &Pod,
        inputs: PodInputs<'_>,
        seen: Option<Vec<ObservedContainer>>,
    ) -> Result<(Step, Vec<Step>), PodError> {
        let key = translate::check_pod(pod).map_err(PodError::pod)?;
        let policy = translate::restart_policy(pod).map_err(PodError::pod)?;
        let containers = match seen {
            Some(seen) => seen,
            None => self.pod_containers(&key.uid).await.map_err(PodError::pod)?,
        };
        let matched = Matched::new(pod, &containers);
        let view = matched.view(policy);
        let step = steps::next_step(&view);
        let ahead = steps::ahead(&view, step);
        let infra_name = key.docker_name(translate::INFRA_CONTAINER);
        match step {
            Step::Wait | Step::Done => {}
            Step::CreateInfra => self.create_infra(pod, &key).await?,
            Step::StartInfra => self
                .start_on_network(&infra_name, &key.namespace)
                .await
                .map_err(PodError::sandbox)?,
            Step::StopInfra => self
                .stop(&infra_name, translate::grace_seconds(pod))
                .await
                .map_err(PodError::sandbox)?,
            Step::Create(role, index) if matched.owns_sandbox => {
                // The namespace's network (made for its first pod) is made while the
                // container is: Docker 20.10 looks the network up at start, not at create
                // (a daemon that checks at create fails it, and the create makes the
                // network and tries again).
                let network = self.network_name(&key.namespace);
                let sandbox = Sandbox::Own(&network);
                let (made, created) = tokio::join!(
                    self.ensure_network(&key.namespace),
                    self.create_container(pod, &key, role, index, inputs, None, sandbox),
                );
                created?;
                made.map_err(PodError::sandbox)?;
            }
            Step::Create(role, index) => {
                let ip = matched.infra.and_then(|i| status::pod_ip(&i.inspect));
                let sandbox = Sandbox::Infra(&infra_name);
                self.create_container(pod, &key, role, index, inputs, ip.as_deref(), sandbox)
                    .await?
            }
            Step::Start(role, index) => self.start_pod_container(pod, &key, role, index).await?,
        }
        Ok((step, ahead))
    }

    /// Runs a step [`Runtime::step_pod_ahead`] knew ahead: a start (a wait changes
    /// nothing; [`steps::ahead`] knows no other step).
    pub async fn run_known_step(&self, pod: &Pod, step: Step) -> Result<(), PodError> {
        let key = translate::check_pod(pod).map_err(PodError::pod)?;
        match step {
            Step::Start(role, index) => self.start_pod_container(pod, &key, role, index).await,
            Step::StartInfra => self
                .start_on_network(&key.docker_name(translate::INFRA_CONTAINER), &key.namespace)
                .await
                .map_err(PodError::sandbox),
            _ => Ok(()),
        }
    }

    /// The id of the pod's container of `role` and `index` that this engine just created
    /// (from the inspect its create keeps, see `Inner::running`); `None` when it is not
    /// known without asking Docker.
    pub fn created_id(&self, pod: &Pod, role: Role, index: usize) -> Option<String> {
        let key = translate::check_pod(pod).ok()?;
        let name = format!(
            "/{}",
            key.docker_name(&spec_container(pod, role, index)?.name)
        );
        let running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        running
            .values()
            .find(|i| i.name.as_deref() == Some(name.as_str()))
            .and_then(|i| i.id.clone())
    }

    async fn start_pod_container(
        &self,
        pod: &Pod,
        key: &PodKey,
        role: Role,
        index: usize,
    ) -> Result<(), PodError> {
        let c = spec_container(pod, role, index);
        let name = c.map(|c| c.name.clone()).unwrap_or_default();
        self.start_on_network(&key.docker_name(&name), &key.namespace)
            .await
            .map_err(|e| PodError::container(&name, e))
    }

    /// Stops the infra container of a pod whose containers are all over (which frees its
    /// IP), for a pod whose terminal status is already written; a no-op while any
    /// container of the pod may still run. Never creates or starts anything.
    pub async fn release_sandbox(&self, pod: &Pod) -> Result<(), RuntimeError> {
        let key = translate::check_pod(pod)?;
        let policy = translate::restart_policy(pod)?;
        let containers = self.pod_containers(&key.uid).await?;
        let view = Matched::new(pod, &containers).view(policy);
        if steps::next_step(&view) == Step::StopInfra {
            let infra = key.docker_name(translate::INFRA_CONTAINER);
            self.stop(&infra, translate::grace_seconds(pod)).await?;
        }
        Ok(())
    }

    /// Runs the pod with no ConfigMaps or Secrets and its directory under the system temp
    /// dir: for callers that have no store (tests, tools). See [`Runtime::sync_pod`].
    pub async fn start_pod(&self, pod: &Pod) -> Result<(), RuntimeError> {
        let uid = pod.metadata.uid.as_deref().unwrap_or("none");
        let dir = std::env::temp_dir().join("dockjob-pods").join(uid);
        let sources = PodSources::default();
        let inputs = PodInputs {
            sources: &sources,
            pod_dir: &dir,
        };
        self.sync_pod(pod, inputs)
            .await
            .map(|_| ())
            .map_err(|e| e.error)
    }

    /// Creates the pod's infra container, and the namespace's network meanwhile (see
    /// `step_pod_ahead`'s create: Docker 20.10 needs it only at start).
    async fn create_infra(&self, pod: &Pod, key: &PodKey) -> Result<(), PodError> {
        let network = self.network_name(&key.namespace);
        let (made, created) = tokio::join!(
            self.ensure_network(&key.namespace),
            self.create_infra_on(pod, key, &network),
        );
        created?;
        made.map(|_| ()).map_err(PodError::sandbox)
    }

    async fn create_infra_on(
        &self,
        pod: &Pod,
        key: &PodKey,
        network: &str,
    ) -> Result<(), PodError> {
        let plan = translate::infra(pod, &self.inner.engine_id, network).map_err(PodError::pod)?;
        self.ensure_image(&key.uid, &plan.image, plan.pull_policy)
            .await
            .map_err(|e| PodError::sandbox(e.0))?;
        match self.create(&plan).await {
            // The network went (its last pod was removed) between ensure and create.
            Err(RuntimeError::Docker { message, .. })
                if super::network::is_network_missing(&message) =>
            {
                self.ensure_network_again(&key.namespace)
                    .await
                    .map_err(PodError::sandbox)?;
                self.create(&plan).await.map_err(PodError::sandbox)
            }
            other => other.map_err(PodError::sandbox),
        }
    }

    /// Creates one init or app container: image (pull policy and backoff), environment
    /// (ConfigMaps, Secrets, the pod IP), volumes on the host, mounts, then the container.
    #[allow(clippy::too_many_arguments)]
    async fn create_container(
        &self,
        pod: &Pod,
        key: &PodKey,
        role: Role,
        index: usize,
        inputs: PodInputs<'_>,
        pod_ip: Option<&str>,
        sandbox: Sandbox<'_>,
    ) -> Result<(), PodError> {
        let field = role.field(index);
        let Some(c) = spec_container(pod, role, index) else {
            return Err(PodError::pod(RuntimeError::Translate(
                key.error(field, "no such container"),
            )));
        };
        let fail = |e: RuntimeError| PodError::container(&c.name, e);
        let config = |e: ConfigError| fail(RuntimeError::Config(e));
        let image = c.image.clone().unwrap_or_default();
        let policy = PullPolicy::of(c).map_err(|m| {
            fail(RuntimeError::Translate(
                key.error(format!("{field}.imagePullPolicy"), m),
            ))
        })?;
        let image_info =
            self.ensure_image(&key.uid, &image, policy)
                .await
                .map_err(|(e, retry)| PodError {
                    retry_after: retry,
                    ..fail(e)
                })?;
        let env = env::container_env(pod, c, &field, inputs.sources, pod_ip).map_err(config)?;
        let prefix = volume_prefix(&key.uid);
        let planned =
            volumes::pod_volumes(pod, inputs.pod_dir, inputs.sources, &prefix).map_err(config)?;
        volumes::materialize(&planned).map_err(|e| {
            fail(RuntimeError::Io {
                what: format!(
                    "preparing the volumes of pod {}/{}",
                    key.namespace, key.name
                ),
                message: e.to_string(),
            })
        })?;
        self.ensure_volumes(&planned).await.map_err(fail)?;
        let mounts =
            volumes::container_mounts(pod, c, &field, inputs.pod_dir, &prefix).map_err(config)?;
        let inputs = ContainerInputs { env, mounts };
        let mut plan =
            translate::container(pod, &self.inner.engine_id, role, index, &inputs, sandbox)
                .map_err(|e| fail(RuntimeError::Translate(e)))?;
        apply_security(pod, c, &field, &mut plan, image_info.as_ref()).map_err(config)?;
        match (self.create(&plan).await, sandbox) {
            // The network went (its last pod was removed) between ensure and create.
            (Err(RuntimeError::Docker { message, .. }), Sandbox::Own(_))
                if super::network::is_network_missing(&message) =>
            {
                self.ensure_network_again(&key.namespace)
                    .await
                    .map_err(PodError::sandbox)?;
                self.create(&plan).await.map_err(fail)
            }
            (other, _) => other.map_err(fail),
        }
    }

    /// Creates the pod's Docker volumes (tmpfs emptyDirs) that do not exist yet, labelled
    /// with the engine id and the pod so they go with it.
    async fn ensure_volumes(&self, planned: &volumes::PodVolumes) -> Result<(), RuntimeError> {
        for v in &planned.docker_volumes {
            let mut labels = v.labels.clone();
            labels.insert(label::ENGINE.into(), self.inner.engine_id.clone());
            let mut options = HashMap::new();
            if v.tmpfs {
                options.insert("type".to_string(), "tmpfs".to_string());
                options.insert("device".to_string(), "tmpfs".to_string());
                if let Some(size) = v.size_bytes {
                    options.insert("o".to_string(), format!("size={size}"));
                }
            }
            let request = VolumeCreateRequest {
                name: Some(v.name.clone()),
                driver: Some("local".into()),
                driver_opts: Some(options),
                labels: Some(labels),
                ..Default::default()
            };
            // Creating an existing volume with the same options is a no-op in Docker.
            self.inner
                .docker
                .create_volume(request)
                .await
                .map_err(|e| RuntimeError::docker(format!("create volume {}", v.name), &e))?;
        }
        Ok(())
    }

    /// Starts a container; one that runs already is fine. A failed start leaves the
    /// container `created` with the error recorded (a StartError status), and is returned.
    async fn start(&self, name: &str) -> Result<(), RuntimeError> {
        let _permit = self.permit().await?;
        let call = self.inner.docker.start_container(name, None);
        match metrics::docker_call("start", call, |e| status_code(e) == Some(304)).await {
            Ok(()) => Ok(()),
            Err(e) if status_code(&e) == Some(304) => Ok(()),
            Err(e) => Err(RuntimeError::Docker {
                what: format!("start {name}"),
                message: docker_message(&e),
            }),
        }
    }

    /// [`Runtime::start`] of a container on the namespace's network. Docker 20.10 looks
    /// the network up at start, not at create: one removed meanwhile (from outside, or
    /// by a concurrent `remove_network_if_unused`) is made again and the start retried.
    async fn start_on_network(&self, name: &str, namespace: &str) -> Result<(), RuntimeError> {
        match self.start(name).await {
            Err(RuntimeError::Docker { message, .. })
                if super::network::is_network_missing(&message) =>
            {
                self.ensure_network_again(namespace).await?;
                self.start(name).await
            }
            other => other,
        }
    }

    /// Stops one container with a grace period (SIGTERM, then SIGKILL after `grace` s).
    async fn stop(&self, id: &str, grace: i64) -> Result<(), RuntimeError> {
        let grace = grace.clamp(0, i64::from(i32::MAX));
        // The stop call lasts up to the grace period; give the HTTP request room for it.
        let docker = self
            .inner
            .docker
            .clone()
            .with_timeout(Duration::from_secs(grace.unsigned_abs() + 60));
        let options = StopContainerOptionsBuilder::new()
            .t(i32::try_from(grace).unwrap_or(i32::MAX))
            .build();
        let call = docker.stop_container(id, Some(options));
        let expected = |e: &bollard::errors::Error| matches!(status_code(e), Some(404 | 304));
        match metrics::docker_call("stop", call, expected).await {
            Ok(()) => Ok(()),
            Err(e) if matches!(status_code(&e), Some(404 | 304)) => Ok(()),
            Err(e) => Err(RuntimeError::docker(format!("stop {id}"), &e)),
        }
    }

    /// Inspects a container we just created. When a concurrent call created it (our create
    /// got 409), Docker reserves the name before the container is inspectable, so this
    /// polls briefly for it to appear.
    async fn inspect_created(&self, name: &str) -> Result<ContainerInspectResponse, RuntimeError> {
        let deadline = tokio::time::Instant::now() + CREATED_VISIBLE_WITHIN;
        loop {
            if let Some(i) = self.inspect(name).await? {
                return Ok(i);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(RuntimeError::Docker {
                    what: format!("create {name}"),
                    message: format!(
                        "the container did not appear within {}s of its creation",
                        CREATED_VISIBLE_WITHIN.as_secs()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, RuntimeError> {
        self.inner
            .creates
            .acquire()
            .await
            .map_err(|_| RuntimeError::Docker {
                what: "create".into(),
                message: "the runtime is shutting down".into(),
            })
    }

    /// Creates the container (a no-op when a concurrent call did) and waits until Docker
    /// shows it, so the next step sees it.
    async fn create(&self, plan: &ContainerPlan) -> Result<(), RuntimeError> {
        {
            let _permit = self.permit().await?;
            let options = CreateContainerOptionsBuilder::new()
                .name(&plan.docker_name)
                .build();
            let call = self
                .inner
                .docker
                .create_container(Some(options), plan.config.clone());
            match metrics::docker_call("create", call, |e| status_code(e) == Some(409)).await {
                Ok(_) => {}
                // Created concurrently by a retry of the same call: that is the goal.
                Err(e) if status_code(&e) == Some(409) => {}
                Err(e) => {
                    return Err(RuntimeError::Docker {
                        what: format!("create {}", plan.docker_name),
                        message: docker_message(&e),
                    });
                }
            }
        }
        self.inspect_created(&plan.docker_name).await.map(|_| ())
    }

    /// Honors imagePullPolicy as the kubelet's image manager does: Never never pulls,
    /// IfNotPresent pulls only a missing image, Always pulls every time; a failed pull
    /// starts a backoff per (pod, image) during which no pull is tried. Returns the
    /// image's inspect (for its user) when it is present. The error carries when to try
    /// again.
    async fn ensure_image(
        &self,
        pod_uid: &str,
        image: &str,
        policy: PullPolicy,
    ) -> Result<Option<ImageInspect>, (RuntimeError, Option<Duration>)> {
        let present = match self.inner.docker.inspect_image(image).await {
            Ok(i) => Some(i),
            Err(e) if status_code(&e) == Some(404) => None,
            Err(e) => {
                return Err((
                    RuntimeError::docker(format!("inspect image {image}"), &e),
                    None,
                ));
            }
        };
        let pull = match policy {
            PullPolicy::Never => false,
            PullPolicy::IfNotPresent => present.is_none(),
            PullPolicy::Always => true,
        };
        if !pull {
            return match present {
                Some(i) => Ok(Some(i)),
                None => Err((
                    RuntimeError::ImageNeverPull {
                        image: image.to_string(),
                    },
                    None,
                )),
            };
        }
        let key = format!("{pod_uid}_{image}");
        let now = Instant::now();
        let left = self.backoff().left(&key, now);
        if let Some(left) = left {
            return Err((
                RuntimeError::ImagePullBackOff {
                    image: image.to_string(),
                },
                Some(left),
            ));
        }
        match self.pull(image).await {
            Ok(()) => {
                self.backoff().entries.remove(&key);
                match self.inner.docker.inspect_image(image).await {
                    Ok(i) => Ok(Some(i)),
                    Err(_) => Ok(None),
                }
            }
            Err(e) => {
                let delay = self.backoff().next(&key, Instant::now());
                Err((e, Some(delay)))
            }
        }
    }

    fn backoff(&self) -> std::sync::MutexGuard<'_, PullBackoff> {
        // A poisoned lock only means another thread panicked mid-insert; the map is
        // still valid.
        self.inner
            .pull_backoff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    async fn pull(&self, image: &str) -> Result<(), RuntimeError> {
        let builder = match image.split_once('@') {
            Some(_) => CreateImageOptionsBuilder::new().from_image(image),
            None => {
                let tag = translate::image_tag(image);
                let repo = match tag {
                    Some(t) => &image[..image.len() - t.len() - 1],
                    None => image,
                };
                // Without a tag Docker would pull every tag; Kubernetes means `latest`.
                CreateImageOptionsBuilder::new()
                    .from_image(repo)
                    .tag(tag.unwrap_or("latest"))
            }
        };
        let mut progress = self
            .inner
            .docker
            .create_image(Some(builder.build()), None, None);
        while let Some(item) = progress.next().await {
            if let Err(e) = item {
                return Err(RuntimeError::ImagePull {
                    image: image.to_string(),
                    message: docker_message(&e),
                });
            }
        }
        Ok(())
    }

    /// Stops the pod as the kubelet kills it: its init and app containers together with
    /// the pod's terminationGracePeriodSeconds (SIGTERM, then SIGKILL), then the infra
    /// container. Containers are kept so their logs stay readable; a container that never
    /// started is left as it is. Missing containers are not an error.
    pub async fn stop_pod(&self, pod: &Pod) -> Result<(), RuntimeError> {
        let uid = pod_uid(pod)?;
        let grace = translate::grace_seconds(pod);
        let containers = self.container_summaries(Some(uid)).await?;
        let (infra, others): (Vec<_>, Vec<_>) = containers.into_iter().partition(|(_, labels)| {
            labels.get(translate::ROLE_LABEL).map(String::as_str) == Some("infra")
        });
        let stops = others.iter().map(|(id, _)| self.stop(id, grace));
        for result in futures::future::join_all(stops).await {
            result?;
        }
        for (id, _) in &infra {
            self.stop(id, grace).await?;
        }
        Ok(())
    }

    /// Force-removes every container of the pod (found by its pod-uid label) with its
    /// anonymous volumes, then the pod's Docker volumes, then its namespace network if
    /// nothing else uses it. Missing is not an error.
    pub async fn remove_pod(&self, pod_uid: &str) -> Result<(), RuntimeError> {
        let containers = self.container_summaries(Some(pod_uid)).await?;
        let namespaces: BTreeSet<String> = containers
            .iter()
            .filter_map(|(_, labels)| labels.get(label::NAMESPACE).cloned())
            .collect();
        // App and init containers first, so none outlives the namespace it joined.
        let mut ordered = containers;
        ordered.sort_by_key(|(_, labels)| {
            labels.get(translate::ROLE_LABEL).map(String::as_str) == Some("infra")
        });
        for (id, _) in ordered {
            let options = RemoveContainerOptionsBuilder::new()
                .force(true)
                .v(true)
                .build();
            let call = self.inner.docker.remove_container(&id, Some(options));
            let expected = |e: &bollard::errors::Error| matches!(status_code(e), Some(404 | 409));
            match metrics::docker_call("remove", call, expected).await {
                Ok(()) => {}
                // Gone already, or its removal is already in progress.
                Err(e) if matches!(status_code(&e), Some(404 | 409)) => {}
                Err(e) => return Err(RuntimeError::docker(format!("remove {id}"), &e)),
            }
            self.forget(&id);
        }
        self.remove_pod_volumes(pod_uid).await?;
        self.backoff()
            .entries
            .retain(|key, _| !key.starts_with(&format!("{pod_uid}_")));
        for ns in namespaces {
            self.remove_network_if_unused(&ns).await?;
        }
        Ok(())
    }

    /// Removes the Docker volumes made for the pod (labelled with its uid).
    async fn remove_pod_volumes(&self, pod_uid: &str) -> Result<(), RuntimeError> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}={}", label::ENGINE, self.inner.engine_id),
                format!("{}={pod_uid}", label::POD_UID),
            ],
        )]);
        let options = ListVolumesOptionsBuilder::new().filters(&filters).build();
        let list = self
            .inner
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|e| RuntimeError::docker("list volumes", &e))?;
        for v in list.volumes.into_iter().flatten() {
            let options = RemoveVolumeOptionsBuilder::new().force(true).build();
            match self
                .inner
                .docker
                .remove_volume(&v.name, Some(options))
                .await
            {
                Ok(()) => {}
                Err(e) if status_code(&e) == Some(404) => {}
                Err(e) => {
                    return Err(RuntimeError::docker(
                        format!("remove volume {}", v.name),
                        &e,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every container this engine owns, grouped by pod, each pod with its containers'
    /// `docker inspect`. Containers removed while we look are skipped.
    pub async fn relist(&self) -> Result<Vec<ObservedPod>, RuntimeError> {
        let ids = self.container_ids(None).await?;
        let inspected: Vec<Result<Option<ContainerInspectResponse>, RuntimeError>> =
            futures::stream::iter(ids.into_iter().map(|id| {
                let this = self.clone();
                async move { this.inspect(&id).await }
            }))
            .buffered(INSPECT_CONCURRENCY)
            .collect()
            .await;
        let mut by_pod: BTreeMap<String, Vec<ContainerInspectResponse>> = BTreeMap::new();
        for inspect in inspected {
            let Some(inspect) = inspect? else { continue };
            if let Some(uid) = status::label_of(&inspect, label::POD_UID) {
                by_pod.entry(uid.to_string()).or_default().push(inspect);
            }
        }
        Ok(by_pod
            .into_values()
            .filter_map(|containers| self.observed(containers))
            .collect())
    }

    /// The current state of one pod, from its containers; `None` when it has none.
    ///
    /// A container SIGKILLed so recently that Docker may not know yet whether it was an
    /// OOM kill is looked at again once it would (any look can catch one: a start's
    /// inspect returns after the exit of a container that blew its limit at once), so
    /// a terminal status never says Error for an OOMKilled container.
    pub async fn observe_pod(&self, pod_uid: &str) -> Result<Option<ObservedPod>, RuntimeError> {
        let mut containers = self.inspect_pod(pod_uid).await?;
        let unsettled = containers
            .iter()
            .filter_map(|i| {
                status::sigkill_unsettled(i, jiff::Timestamp::now(), status::OOM_REPORT_GRACE)
            })
            .max();
        if let Some(left) = unsettled {
            tokio::time::sleep(left).await;
            containers = self.inspect_pod(pod_uid).await?;
        }
        Ok(self.observed(containers))
    }

    async fn inspect_pod(
        &self,
        pod_uid: &str,
    ) -> Result<Vec<ContainerInspectResponse>, RuntimeError> {
        let mut containers = Vec::new();
        for id in self.container_ids(Some(pod_uid)).await? {
            if let Some(i) = self.inspect(&id).await? {
                containers.push(i);
            }
        }
        Ok(containers)
    }

    /// The pod's status as the kubelet would report it now (no kubelet-only waiting
    /// reasons); `None` when it has no container.
    pub async fn pod_status(
        &self,
        pod: &Pod,
    ) -> Result<Option<k8s_openapi::api::core::v1::PodStatus>, RuntimeError> {
        let uid = pod_uid(pod)?;
        Ok(self
            .observe_pod(uid)
            .await?
            .and_then(|o| o.status(pod, &status::Waiting::new())))
    }

    /// The pod's containers with what the observer remembered of their restarts.
    async fn pod_containers(&self, pod_uid: &str) -> Result<Vec<ObservedContainer>, RuntimeError> {
        Ok(self
            .observe_pod(pod_uid)
            .await?
            .map(|o| o.containers)
            .unwrap_or_default())
    }

    /// Builds the observed pod from its containers' labels and inspects, remembering
    /// terminations Docker is restarting after (see `Inner::restarts`).
    fn observed(&self, containers: Vec<ContainerInspectResponse>) -> Option<ObservedPod> {
        let first = containers.first()?;
        let get = |key| status::label_of(first, key).unwrap_or_default().to_string();
        let (namespace, name, uid) = (get(label::NAMESPACE), get(label::POD), get(label::POD_UID));
        let observed: Vec<ObservedContainer> = {
            // A poisoned lock only means another thread panicked mid-insert; the map
            // is still a valid cache.
            let mut restarts = self
                .inner
                .restarts
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            containers
                .into_iter()
                .map(|inspect| {
                    let id = inspect.id.clone().unwrap_or_default();
                    if let Some(t) = status::restart_termination(&inspect) {
                        restarts.insert(id.clone(), t);
                    }
                    ObservedContainer {
                        last_termination: restarts.get(&id).cloned(),
                        inspect,
                    }
                })
                .collect()
        };
        Some(ObservedPod {
            namespace,
            name,
            uid,
            containers: observed,
        })
    }

    /// Drops what we remembered of a removed container.
    pub(super) fn forget(&self, container_id: &str) {
        self.inner
            .restarts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(container_id);
        self.remember_running(container_id, None);
        self.inner.ooms.forget(container_id);
    }

    /// Notes Docker's `oom` event for a container (at the event's time): its inspect may
    /// never say so (see [`super::oom`]).
    pub(super) fn note_oom(&self, container_id: &str, at: jiff::Timestamp) {
        self.inner.ooms.note(container_id, at);
    }

    /// Keeps the inspect of a running container (see `Inner::running`); forgets it
    /// otherwise.
    fn remember_running(&self, id: &str, inspect: Option<&ContainerInspectResponse>) {
        let mut running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        match inspect {
            Some(i)
                if matches!(
                    status::seen(Some(i)),
                    steps::Seen::Running | steps::Seen::Created
                ) =>
            {
                running.insert(id.to_string(), i.clone());
            }
            _ => {
                running.remove(id);
            }
        }
    }

    /// A `start` event of a container last seen created: it runs since `at` (Docker's
    /// event time), as its next inspect would say.
    pub(super) fn note_start(&self, container_id: &str, at: &str) {
        let mut running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = running.get_mut(container_id) {
            status::started(i, at);
        }
    }

    /// The pod after a `die` event, from the event itself where it says all there is:
    /// the pod's one container exited with `exit_code` at `at` (Docker's event time) and
    /// Docker will not restart it. Anything else is inspected as usual.
    ///
    /// Why: Docker answers an inspect of a container that just died only after it has
    /// cleaned it up (unmounted, taken off the network: a fifth of a second or more under
    /// load), and that wait stood between one pod's exit and the pod that takes its slot.
    ///
    /// `Ok(None)` when the event does not say enough: the caller observes the pod.
    /// What this returns is the pod's terminal status (its one container is over for
    /// good), which no later observation can change, so it may overtake them.
    pub(super) async fn observe_exit(
        &self,
        pod_uid: &str,
        container_id: &str,
        exit_code: i64,
        at: &str,
    ) -> Result<Option<ObservedPod>, RuntimeError> {
        let cached = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(container_id)
            .cloned();
        let Some(mut exited) = cached.and_then(|i| status::exited(i, exit_code, at)) else {
            return Ok(None);
        };
        self.inner.ooms.apply(&mut exited);
        // An app container that is its pod's sandbox is the pod's only container (Docker
        // names are unique and such a pod has one): no need to list the pod.
        if !status::is_own_sandbox(&exited)
            && self.container_ids(Some(pod_uid)).await? != [container_id]
        {
            return Ok(None);
        }
        self.remember_running(container_id, None);
        Ok(self.observed(vec![exited]))
    }

    /// Logs of one container of the pod (default: the first app container), init
    /// containers included, optionally following. Stdout and stderr come interleaved in
    /// the order Docker recorded them (they are two pipes, so lines written in the same
    /// instant may come in either order, as with kubectl).
    pub async fn logs(
        &self,
        pod: &Pod,
        container: Option<&str>,
        follow: bool,
    ) -> Result<futures::stream::BoxStream<'static, Result<Bytes, RuntimeError>>, RuntimeError>
    {
        let request = super::logs::LogRequest {
            container: container.map(str::to_string),
            follow,
            ..Default::default()
        };
        self.logs_with(pod, &request).await
    }

    /// A container's log with the Kubernetes log API's options (see [`super::logs`]).
    pub async fn logs_with(
        &self,
        pod: &Pod,
        request: &super::logs::LogRequest,
    ) -> Result<futures::stream::BoxStream<'static, Result<Bytes, RuntimeError>>, RuntimeError>
    {
        let container = request.container.as_deref();
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
        let pod_name = pod.metadata.name.as_deref().unwrap_or("");
        let uid = pod_uid(pod)?;
        let spec = pod.spec.as_ref();
        let apps: Vec<&str> = spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .map(|c| c.name.as_str())
            .collect();
        let inits: Vec<&str> = spec
            .iter()
            .flat_map(|s| s.init_containers.iter().flatten())
            .map(|c| c.name.as_str())
            .collect();
        let wanted = match container {
            Some(c) if apps.contains(&c) || inits.contains(&c) => c,
            Some(c) => {
                return Err(RuntimeError::NoSuchContainer {
                    pod: pod_name.to_string(),
                    container: c.to_string(),
                });
            }
            None => apps
                .first()
                .copied()
                .ok_or_else(|| RuntimeError::NoSuchContainer {
                    pod: pod_name.to_string(),
                    container: String::new(),
                })?,
        };
        let docker_name = translate::container_name(namespace, pod_name, uid, wanted);
        let Some(inspect) = self.inspect(&docker_name).await? else {
            return Err(RuntimeError::ContainerMissing {
                namespace: namespace.to_string(),
                pod: pod_name.to_string(),
                container: wanted.to_string(),
            });
        };
        let what = format!("logs {docker_name}");
        let limit = request.limit_bytes;
        if let Some(prev) = request.previous {
            // Docker keeps one log for all runs: fetch it stamped and cut the previous
            // run out by time (see `runtime::logs`).
            let docker_started = inspect
                .state
                .as_ref()
                .and_then(|s| s.started_at.as_deref())
                .and_then(|t| t.parse::<jiff::Timestamp>().ok());
            let options = LogsOptionsBuilder::new()
                .stdout(true)
                .stderr(true)
                .timestamps(true)
                .since(docker_since(Some(prev.started_at)))
                .tail("all")
                .build();
            let raw: Vec<Bytes> = self
                .inner
                .docker
                .logs(&docker_name, Some(options))
                .map_ok(|chunk| chunk.into_bytes())
                .try_collect()
                .await
                .map_err(|e| RuntimeError::docker(what.clone(), &e))?;
            let selected = super::logs::select_lines(
                &raw.concat(),
                Some(prev.started_at),
                super::logs::previous_run_end(prev, docker_started),
                request.since,
                request.tail_lines,
                request.timestamps,
            );
            let body = limit_stream(futures::stream::iter([Ok(Bytes::from(selected))]), limit);
            return Ok(body.boxed());
        }
        let tail = request
            .tail_lines
            .map_or_else(|| "all".to_string(), |n| n.to_string());
        let options = LogsOptionsBuilder::new()
            .follow(request.follow)
            .stdout(true)
            .stderr(true)
            .timestamps(request.timestamps)
            .since(docker_since(request.since))
            .tail(&tail)
            .build();
        let stream = self
            .inner
            .docker
            .logs(&docker_name, Some(options))
            .map_ok(|chunk| chunk.into_bytes())
            .map_err(move |e| RuntimeError::docker(what.clone(), &e));
        Ok(limit_stream(stream, limit).boxed())
    }

    /// The observer: see [`RuntimeEvent`]. Must be called inside a Tokio runtime; the
    /// background task ends when the stream is dropped.
    pub fn watch(&self) -> impl Stream<Item = RuntimeEvent> + Send + 'static {
        super::events::spawn(self.clone())
    }

    /// Inspects a container by id or name; `None` when it does not exist.
    pub(super) async fn inspect(
        &self,
        id: &str,
    ) -> Result<Option<ContainerInspectResponse>, RuntimeError> {
        let call = self.inner.docker.inspect_container(id, None);
        match metrics::docker_call("inspect", call, |e| status_code(e) == Some(404)).await {
            Ok(mut i) => {
                self.inner.ooms.apply(&mut i);
                self.remember_running(i.id.as_deref().unwrap_or(id), Some(&i));
                Ok(Some(i))
            }
            Err(e) if status_code(&e) == Some(404) => Ok(None),
            Err(e) => Err(RuntimeError::docker(format!("inspect {id}"), &e)),
        }
    }

    /// Ids of our pods' containers, all states, optionally of one pod.
    async fn container_ids(&self, pod_uid: Option<&str>) -> Result<Vec<String>, RuntimeError> {
        Ok(self
            .container_summaries(pod_uid)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// This engine's containers (all states) that carry every one of `labels`
    /// (`key` or `key=value`, Docker's `label` filter). `what` names the listing in an
    /// error. Pods, Service proxies and the network cleanup all find theirs this way.
    pub(super) async fn list_our_containers(
        &self,
        labels: Vec<String>,
        what: &str,
    ) -> Result<Vec<ContainerSummary>, RuntimeError> {
        let mut all = vec![format!("{}={}", label::ENGINE, self.inner.engine_id)];
        all.extend(labels);
        self.list_containers_where(&HashMap::from([("label".to_string(), all)]), what)
            .await
    }

    /// Every container (all states, any engine's) that matches all of `filters`
    /// (Docker's list filters: `label`, `network`...).
    pub(super) async fn list_containers_where(
        &self,
        filters: &HashMap<String, Vec<String>>,
        what: &str,
    ) -> Result<Vec<ContainerSummary>, RuntimeError> {
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(filters)
            .build();
        let call = self.inner.docker.list_containers(Some(options));
        metrics::docker_call("list", call, |_| false)
            .await
            .map_err(|e| RuntimeError::docker(what, &e))
    }

    /// Ids and labels of our pods' containers (those with a pod uid), all states,
    /// optionally of one pod.
    async fn container_summaries(
        &self,
        pod_uid: Option<&str>,
    ) -> Result<Vec<(String, HashMap<String, String>)>, RuntimeError> {
        let pod = match pod_uid {
            Some(uid) => format!("{}={uid}", label::POD_UID),
            None => label::POD_UID.to_string(),
        };
        let list = self
            .list_our_containers(vec![pod], "list containers")
            .await?;
        Ok(list
            .into_iter()
            .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
            .collect())
    }
}

/// The kubelet's image pull backoff (client-go flowcontrol.Backoff with 10 s initial,
/// 300 s max): per key, when the last pull failed and how long to wait after it.
#[derive(Debug, Default)]
struct PullBackoff {
    entries: HashMap<String, (Instant, Duration)>,
}

impl PullBackoff {
    /// Time left in the backoff of `key` (IsInBackOffSinceUpdate).
    fn left(&self, key: &str, now: Instant) -> Option<Duration> {
        let (since, delay) = self.entries.get(key)?;
        delay
            .checked_sub(now.saturating_duration_since(*since))
            .filter(|left| !left.is_zero())
    }

    /// Records a failed pull and returns the wait before the next one (Next: the initial
    /// delay, doubling to the max; an entry idle for twice the max starts over).
    fn next(&mut self, key: &str, now: Instant) -> Duration {
        let delay = match self.entries.get(key) {
            Some((since, d)) if now.saturating_duration_since(*since) <= PULL_BACKOFF_MAX * 2 => {
                (*d * 2).min(PULL_BACKOFF_MAX)
            }
            _ => PULL_BACKOFF_INITIAL,
        };
        self.entries.insert(key.to_string(), (now, delay));
        delay
    }
}

/// The pod's Docker volumes are named `dockjob_<pod uid>_<volume>`: unique per pod.
fn volume_prefix(pod_uid: &str) -> String {
    format!("dockjob_{pod_uid}")
}

/// `spec.initContainers[index]` or `spec.containers[index]`.
fn spec_container(pod: &Pod, role: Role, index: usize) -> Option<&Container> {
    let spec = pod.spec.as_ref()?;
    match role {
        Role::Init => spec.init_containers.as_ref()?.get(index),
        Role::App => spec.containers.get(index),
        Role::Infra => None,
    }
}

/// The container's securityContext (and the pod's) on the create config, and
/// runAsNonRoot checked against the image's user (the kubelet's verifyRunAsNonRoot).
fn apply_security(
    pod: &Pod,
    container: &Container,
    field: &str,
    plan: &mut ContainerPlan,
    image: Option<&ImageInspect>,
) -> Result<(), ConfigError> {
    security::apply_security(pod, container, field, &mut plan.config)?;
    let user = image
        .and_then(|i| i.config.as_ref())
        .and_then(|c| c.user.as_deref());
    security::check_run_as_non_root(pod, container, user)
}

fn pod_uid(pod: &Pod) -> Result<&str, RuntimeError> {
    pod.metadata
        .uid
        .as_deref()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            RuntimeError::Translate(translate::TranslateError {
                namespace: pod
                    .metadata
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "default".into()),
                pod: pod.metadata.name.clone().unwrap_or_default(),
                field: "metadata.uid".into(),
                message: "Required value".into(),
            })
        })
}

/// Docker's own message for a refused call (without bollard's "Docker responded with
/// status code" prefix), or the whole error on one line.
fn docker_message(err: &bollard::errors::Error) -> String {
    match err {
        bollard::errors::Error::DockerResponseServerError { message, .. } => {
            message.trim().to_string()
        }
        bollard::errors::Error::DockerStreamError { error } => error.trim().to_string(),
        other => one_line(other),
    }
}

/// The innermost cause (e.g. "No such file or directory (os error 2)"), which is what a
/// user needs when the daemon cannot be reached.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if text.trim().is_empty() {
        one_line(err)
    } else {
        one_line(cause)
    }
}

/// Docker's `since` (whole UNIX seconds; 0 = from the start) for an instant: rounded
/// down, so no wanted line is lost (finer cuts are made on the stamped text).
fn docker_since(since: Option<jiff::Timestamp>) -> i32 {
    since.map_or(0, |t| {
        i32::try_from(t.as_second().max(0)).unwrap_or(i32::MAX)
    })
}

/// `limitBytes`: the stream cut after `limit` bytes (a line may end mid-way, as the
/// kubelet cuts it).
fn limit_stream<E: Send + 'static>(
    stream: impl Stream<Item = Result<Bytes, E>> + Send + 'static,
    limit: Option<u64>,
) -> impl Stream<Item = Result<Bytes, E>> + Send + 'static {
    stream.scan(limit.unwrap_or(u64::MAX), |left, item| {
        if *left == 0 {
            return futures::future::ready(None);
        }
        let item = item.map(|mut chunk| {
            let n = usize::try_from(*left).unwrap_or(usize::MAX);
            if chunk.len() > n {
                chunk.truncate(n);
            }
            *left -= chunk.len() as u64;
            chunk
        });
        futures::future::ready(Some(item))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_backoff_doubles_to_five_minutes_and_starts_over_when_idle() {
        let mut b = PullBackoff::default();
        let t0 = Instant::now();
        assert_eq!(b.left("p_img", t0), None);
        assert_eq!(b.next("p_img", t0), Duration::from_secs(10));
        assert_eq!(
            b.left("p_img", t0 + Duration::from_secs(4)),
            Some(Duration::from_secs(6))
        );
        assert_eq!(b.left("p_img", t0 + Duration::from_secs(10)), None);
        let mut t = t0;
        let mut delays = Vec::new();
        for _ in 0..7 {
            t += Duration::from_secs(11);
            delays.push(b.next("p_img", t).as_secs());
        }
        assert_eq!(delays, [20, 40, 80, 160, 300, 300, 300]);
        // Another pod's pull of the same image is not held back.
        assert_eq!(b.left("q_img", t), None);
        // Idle for more than twice the max: back to the initial delay.
        assert_eq!(
            b.next("p_img", t + Duration::from_secs(601)),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn docker_message_drops_bollard_prefix() {
        let e = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "pull access denied for nope\n".into(),
        };
        assert_eq!(docker_message(&e), "pull access denied for nope");
    }

    #[test]
    fn root_cause_is_the_innermost_error() {
        #[derive(Debug, thiserror::Error)]
        #[error("client error (Connect)")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "No such file or directory (os error 2)",
        ));
        assert_eq!(root_cause(&e), "No such file or directory (os error 2)");
    }
}
