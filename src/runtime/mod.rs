//! The Docker runtime: the only module that talks to Docker (bollard).
//!
//! Owns the pod <-> container mapping ([`translate`]), the status the kubelet would report
//! ([`status`]), the Docker calls ([`Runtime`]) and the observer that turns the Docker
//! events stream plus relists into pod statuses ([`Runtime::watch`]). It must not decide
//! anything about Jobs: it runs, stops and reports pods, and the engine decides.
//!
//! Every container carries `dockjob.io/engine=<engine id>`; nothing here touches a container
//! without that label, so several engines (and the user's own containers) share a daemon.

mod docker;
pub mod env;
mod events;
pub mod expand;
pub mod host_paths;
pub mod logs;
pub mod network;
pub mod oom;
pub mod quantity;
pub mod security;
pub mod service;
pub mod sources;
pub mod status;
pub mod steps;
pub mod translate;
pub mod volumes;

pub use docker::{PodInputs, Runtime};

use k8s_openapi::api::core::v1::{Pod, PodStatus};

/// A pod as Docker shows it, rebuilt from our container labels and `docker inspect` only,
/// so it survives an engine restart.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedPod {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    /// The pod's containers (infra, init and app), with what the observer remembered of
    /// their restarts. Empty when no container of the pod exists any more.
    pub containers: Vec<status::ObservedContainer>,
}

impl ObservedPod {
    /// The pod's status from its spec and these containers (see [`status::pod_status`]),
    /// with the kubelet's own waiting reasons for containers Docker does not have. `None`
    /// when the pod has no container.
    pub fn status(&self, pod: &Pod, waiting: &status::Waiting) -> Option<PodStatus> {
        (!self.containers.is_empty()).then(|| status::pod_status(pod, &self.containers, waiting))
    }
}

/// A pod step that failed, and which container it was about: its status shows the
/// error as a waiting reason (`None`: the pod sandbox, i.e. the infra container, or the
/// pod as a whole).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PodError {
    pub container: Option<String>,
    #[source]
    pub error: RuntimeError,
    /// When to try again (image pull backoff); `None`: on the next change.
    pub retry_after: Option<std::time::Duration>,
}

impl PodError {
    fn container(name: &str, error: RuntimeError) -> PodError {
        PodError {
            container: Some(name.to_string()),
            error,
            retry_after: None,
        }
    }

    fn sandbox(error: RuntimeError) -> PodError {
        PodError {
            container: None,
            error,
            retry_after: None,
        }
    }

    fn pod(error: impl Into<RuntimeError>) -> PodError {
        PodError::sandbox(error.into())
    }

    /// The kubelet's waiting reason for this error.
    pub fn reason(&self) -> &'static str {
        self.error.waiting_reason()
    }
}

/// What the observer reports. Level-triggered: each item carries the whole fresh state of
/// the pod(s), never a delta to be counted.
// Changed(ObservedPod) is large, but events are few and moved once through a channel:
// boxing would only complicate the engine's matching.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeEvent {
    /// A full relist, sent on connect and on every reconnect of the events stream, so a
    /// result that happened while nobody listened is never lost. Pods absent from the list
    /// have no container.
    Resynced(Vec<ObservedPod>),
    /// One pod changed (a container of it was created, started, died, was removed...).
    Changed(ObservedPod),
    /// The events stream broke; the observer reconnects with backoff by itself. For logs.
    Disconnected(String),
}

/// Errors of the runtime. Each Display is one line that says what failed and where.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Docker is absent or not answering.
    #[error(
        "cannot reach Docker at {host}: {reason}; start it with `dockerd &` (as root) or set DOCKER_HOST"
    )]
    Unreachable { host: String, reason: String },
    /// imagePullPolicy Never and the image is not here (the kubelet's ErrImageNeverPull).
    #[error("Container image \"{image}\" is not present with pull policy of Never")]
    ImageNeverPull { image: String },
    /// The pull failed (the kubelet's ErrImagePull).
    #[error("Failed to pull image \"{image}\": {message}")]
    ImagePull { image: String, message: String },
    /// A pull failed recently and its backoff is not over (the kubelet's ImagePullBackOff).
    #[error("Back-off pulling image \"{image}\"")]
    ImagePullBackOff { image: String },
    /// A ConfigMap, Secret or key the pod needs is missing, or a field cannot be mapped
    /// (the kubelet's CreateContainerConfigError).
    #[error(transparent)]
    Config(#[from] sources::ConfigError),
    /// Preparing something on the host failed (the pod's volume directories).
    #[error("{what}: {message}")]
    Io { what: String, message: String },
    /// The pod cannot be expressed as a container (unsupported or invalid field).
    #[error(transparent)]
    Translate(#[from] translate::TranslateError),
    /// `logs` for a container name the pod does not have (kubectl's wording).
    #[error("container {container} is not valid for pod {pod}")]
    NoSuchContainer { pod: String, container: String },
    /// The pod's container does not exist in Docker.
    #[error("pod {namespace}/{pod}: container {container} not found in Docker")]
    ContainerMissing {
        namespace: String,
        pod: String,
        container: String,
    },
    /// Docker refused or failed a call; `what` names the call and its target.
    #[error("docker {what}: {message}")]
    Docker { what: String, message: String },
}

impl RuntimeError {
    /// The reason a container waits with when this error keeps it from being made, as
    /// the kubelet names it.
    pub fn waiting_reason(&self) -> &'static str {
        match self {
            RuntimeError::ImagePull { .. } => "ErrImagePull",
            RuntimeError::ImagePullBackOff { .. } => "ImagePullBackOff",
            RuntimeError::ImageNeverPull { .. } => "ErrImageNeverPull",
            RuntimeError::Config(_) | RuntimeError::Translate(_) => "CreateContainerConfigError",
            _ => "CreateContainerError",
        }
    }

    /// Wraps a bollard error with the call it came from, flattened to one line.
    fn docker(what: impl Into<String>, err: &bollard::errors::Error) -> RuntimeError {
        RuntimeError::Docker {
            what: what.into(),
            message: one_line(err),
        }
    }
}

/// An error and its sources on one line (`a: b: c`), without repeating a source that
/// the outer message already includes.
fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Docker's status code for a failed call, if it answered at all.
fn status_code(err: &bollard::errors::Error) -> Option<u16> {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn one_line_joins_sources_and_newlines() {
        let e = Outer(std::io::Error::other("inner\nproblem"));
        assert_eq!(one_line(&e), "outer: inner problem");
    }

    #[test]
    fn unreachable_is_one_line_naming_host_and_fix() {
        let e = RuntimeError::Unreachable {
            host: "unix:///nope.sock".into(),
            reason: "No such file or directory (os error 2)".into(),
        };
        let s = e.to_string();
        assert!(!s.contains('\n'));
        assert!(s.starts_with("cannot reach Docker at unix:///nope.sock: No such file"));
        assert!(s.contains("DOCKER_HOST"));
    }
}
