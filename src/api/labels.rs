//! Label and annotation keys: the ones Kubernetes puts on Job pods, and the
//! `dockjob.io/...` labels on Docker containers that let the engine rebuild every pod
//! from Docker alone after a restart.

/// Legacy job-name label Kubernetes still sets on Job pods.
pub const JOB_NAME: &str = "job-name";
/// Legacy controller-uid label Kubernetes still sets on Job pods and in the selector.
pub const CONTROLLER_UID: &str = "controller-uid";
/// `batch.kubernetes.io/job-name`.
pub const BATCH_JOB_NAME: &str = "batch.kubernetes.io/job-name";
/// `batch.kubernetes.io/controller-uid`.
pub const BATCH_CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// Annotation kubectl writes with the object as last applied (3-way apply).
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Docker container labels. `ENGINE` scopes every container to one engine (one data
/// dir), so several engines can share a Docker daemon without touching each other's.
pub mod docker {
    pub const ENGINE: &str = "dockjob.io/engine";
    pub const NAMESPACE: &str = "dockjob.io/namespace";
    pub const POD: &str = "dockjob.io/pod";
    pub const POD_UID: &str = "dockjob.io/pod-uid";
    pub const CONTAINER: &str = "dockjob.io/container";
    pub const OWNER_KIND: &str = "dockjob.io/owner-kind";
    pub const OWNER_NAME: &str = "dockjob.io/owner-name";
    pub const OWNER_UID: &str = "dockjob.io/owner-uid";
}
