//! The Docker calls: connect, create/start, stop, remove, relist, inspect, logs.
//!
//! Owns the bollard client and the bound on creations in flight. Must not decide what
//! to run: the engine asks, this module does it idempotently (every call may be repeated
//! after a crash at any point) and only ever touches containers labelled with its engine id.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::Docker;
use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ContainerStateTerminated, Pod};
use tokio::sync::Semaphore;

use super::status::{self, ObservedContainer};
use super::translate::{self, ContainerPlan, PullPolicy};
use super::{ObservedPod, RuntimeError, RuntimeEvent, one_line, status_code};
use crate::api::labels::docker as label;

/// Where Docker listens when `DOCKER_HOST` is unset.
const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";
/// How long `connect` waits for a daemon that accepts connections but does not answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a container created by a concurrent call may take to become inspectable.
const CREATED_VISIBLE_WITHIN: Duration = Duration::from_secs(10);
/// Inspections run concurrently during a relist.
const INSPECT_CONCURRENCY: usize = 8;

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

    /// Creates (when absent) and starts the pod's container. Idempotent: an existing
    /// container that was created but never started (the engine died in between) is
    /// started; a running, restarting or finished one is left alone (a finished container
    /// is never run twice: Kubernetes does not restart a terminated `Never` container).
    /// A start failure is returned, and the container stays with a `StartError` status.
    pub async fn start_pod(&self, pod: &Pod) -> Result<(), RuntimeError> {
        let plan = translate::translate(pod, &self.inner.engine_id)?;
        let inspect = match self.inspect(&plan.docker_name).await? {
            Some(i) => i,
            None => {
                self.create(&plan).await?;
                self.inspect_created(&plan.docker_name).await?
            }
        };
        let state = inspect.state.as_ref();
        let status = state
            .and_then(|s| s.status)
            .unwrap_or(ContainerStateStatusEnum::EMPTY);
        // A failed start leaves the container `created` with the error recorded: that is
        // a StartError result, not a container waiting to be started.
        let never_tried = state
            .and_then(|s| s.error.as_deref())
            .is_none_or(str::is_empty);
        if status != ContainerStateStatusEnum::CREATED || !never_tried {
            return Ok(());
        }
        let _permit = self.permit().await?;
        self.inner
            .docker
            .start_container(&plan.docker_name, None)
            .await
            .map_err(|e| RuntimeError::Docker {
                what: format!("start {}", plan.docker_name),
                message: docker_message(&e),
            })
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

    /// Creates the pod's container without starting it (pulling its image as the pull
    /// policy says); a no-op when it exists. `start_pod` is create + start; this half
    /// exists so tests and recovery paths can stop in between.
    pub async fn create_pod(&self, pod: &Pod) -> Result<(), RuntimeError> {
        let plan = translate::translate(pod, &self.inner.engine_id)?;
        if self.inspect(&plan.docker_name).await?.is_some() {
            return Ok(());
        }
        self.create(&plan).await
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

    async fn create(&self, plan: &ContainerPlan) -> Result<(), RuntimeError> {
        self.ensure_image(&plan.image, plan.pull_policy).await?;
        let _permit = self.permit().await?;
        let options = CreateContainerOptionsBuilder::new()
            .name(&plan.docker_name)
            .build();
        match self
            .inner
            .docker
            .create_container(Some(options), plan.config.clone())
            .await
        {
            Ok(_) => Ok(()),
            // Created concurrently by a retry of the same call: that is the goal.
            Err(e) if status_code(&e) == Some(409) => Ok(()),
            Err(e) => Err(RuntimeError::Docker {
                what: format!("create {}", plan.docker_name),
                message: docker_message(&e),
            }),
        }
    }

    /// Honors imagePullPolicy: Never never pulls, IfNotPresent pulls only a missing image,
    /// Always pulls every time.
    async fn ensure_image(&self, image: &str, policy: PullPolicy) -> Result<(), RuntimeError> {
        if policy != PullPolicy::Always {
            match self.inner.docker.inspect_image(image).await {
                Ok(_) => return Ok(()),
                Err(e) if status_code(&e) == Some(404) => {
                    if policy == PullPolicy::Never {
                        return Err(RuntimeError::ImageNeverPull {
                            image: image.to_string(),
                        });
                    }
                }
                Err(e) => return Err(RuntimeError::docker(format!("inspect image {image}"), &e)),
            }
        }
        self.pull(image).await
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

    /// Stops the pod's running containers with its terminationGracePeriodSeconds (SIGTERM,
    /// then SIGKILL). Containers are kept so their logs stay readable; a container that
    /// never started is left as it is. Missing containers are not an error.
    pub async fn stop_pod(&self, pod: &Pod) -> Result<(), RuntimeError> {
        let uid = pod_uid(pod)?;
        let grace = pod
            .spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds)
            .unwrap_or(translate::DEFAULT_GRACE_SECONDS)
            .clamp(0, i64::from(i32::MAX));
        // The stop call lasts up to the grace period; give the HTTP request room for it.
        let docker = self
            .inner
            .docker
            .clone()
            .with_timeout(Duration::from_secs(grace.unsigned_abs() + 60));
        for id in self.container_ids(Some(uid)).await? {
            let options = StopContainerOptionsBuilder::new()
                .t(i32::try_from(grace).unwrap_or(i32::MAX))
                .build();
            match docker.stop_container(&id, Some(options)).await {
                Ok(()) => {}
                Err(e) if matches!(status_code(&e), Some(404 | 304)) => {}
                Err(e) => return Err(RuntimeError::docker(format!("stop {id}"), &e)),
            }
        }
        Ok(())
    }

    /// Force-removes every container of the pod (found by its pod-uid label), with its
    /// anonymous volumes. Missing is not an error.
    pub async fn remove_pod(&self, pod_uid: &str) -> Result<(), RuntimeError> {
        for id in self.container_ids(Some(pod_uid)).await? {
            let options = RemoveContainerOptionsBuilder::new()
                .force(true)
                .v(true)
                .build();
            match self.inner.docker.remove_container(&id, Some(options)).await {
                Ok(()) => {}
                // Gone already, or its removal is already in progress.
                Err(e) if matches!(status_code(&e), Some(404 | 409)) => {}
                Err(e) => return Err(RuntimeError::docker(format!("remove {id}"), &e)),
            }
            self.forget(&id);
        }
        Ok(())
    }

    /// Every container this engine owns, grouped by pod, each pod with the status derived
    /// from `docker inspect`. Containers removed while we look are skipped.
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
    pub async fn observe_pod(&self, pod_uid: &str) -> Result<Option<ObservedPod>, RuntimeError> {
        let mut containers = Vec::new();
        for id in self.container_ids(Some(pod_uid)).await? {
            if let Some(i) = self.inspect(&id).await? {
                containers.push(i);
            }
        }
        Ok(self.observed(containers))
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
            status: Some(status::pod_status(&observed)),
        })
    }

    /// Drops what we remembered of a removed container.
    pub(super) fn forget(&self, container_id: &str) {
        self.inner
            .restarts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(container_id);
    }

    /// Logs of one container of the pod (default: the first), optionally following.
    /// Stdout and stderr come interleaved in the order Docker recorded them (they are two
    /// pipes, so lines written in the same instant may come in either order, as with
    /// kubectl).
    pub async fn logs(
        &self,
        pod: &Pod,
        container: Option<&str>,
        follow: bool,
    ) -> Result<impl Stream<Item = Result<Bytes, RuntimeError>> + Send + 'static, RuntimeError>
    {
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
        let pod_name = pod.metadata.name.as_deref().unwrap_or("");
        let uid = pod_uid(pod)?;
        let names: Vec<&str> = pod
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .map(|c| c.name.as_str())
            .collect();
        let wanted = match container {
            Some(c) if names.contains(&c) => c,
            Some(c) => {
                return Err(RuntimeError::NoSuchContainer {
                    pod: pod_name.to_string(),
                    container: c.to_string(),
                });
            }
            None => names
                .first()
                .copied()
                .ok_or_else(|| RuntimeError::NoSuchContainer {
                    pod: pod_name.to_string(),
                    container: String::new(),
                })?,
        };
        let docker_name = translate::container_name(namespace, pod_name, uid, wanted);
        if self.inspect(&docker_name).await?.is_none() {
            return Err(RuntimeError::ContainerMissing {
                namespace: namespace.to_string(),
                pod: pod_name.to_string(),
                container: wanted.to_string(),
            });
        }
        let options = LogsOptionsBuilder::new()
            .follow(follow)
            .stdout(true)
            .stderr(true)
            .tail("all")
            .build();
        let what = format!("logs {docker_name}");
        Ok(self
            .inner
            .docker
            .logs(&docker_name, Some(options))
            .map_ok(|chunk| chunk.into_bytes())
            .map_err(move |e| RuntimeError::docker(what.clone(), &e)))
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
        match self.inner.docker.inspect_container(id, None).await {
            Ok(i) => Ok(Some(i)),
            Err(e) if status_code(&e) == Some(404) => Ok(None),
            Err(e) => Err(RuntimeError::docker(format!("inspect {id}"), &e)),
        }
    }

    /// Ids of our containers, all states, optionally of one pod.
    async fn container_ids(&self, pod_uid: Option<&str>) -> Result<Vec<String>, RuntimeError> {
        let mut labels = vec![format!("{}={}", label::ENGINE, self.inner.engine_id)];
        if let Some(uid) = pod_uid {
            labels.push(format!("{}={uid}", label::POD_UID));
        }
        let filters = HashMap::from([("label".to_string(), labels)]);
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .inner
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| RuntimeError::docker("list containers", &e))?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
