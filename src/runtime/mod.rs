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
mod events;
pub mod expand;
pub mod quantity;
pub mod status;
pub mod translate;

pub use docker::Runtime;

use k8s_openapi::api::core::v1::PodStatus;

/// A pod as Docker shows it, rebuilt from our container labels and `docker inspect` only,
/// so it survives an engine restart.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedPod {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    /// None when no container of the pod exists any more.
    pub status: Option<PodStatus>,
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
