//! Pod -> Docker container create config, with Kubernetes' semantics.
//!
//! Pure: no Docker calls, no clock. Owns the container names, the `dockjob.io/...` labels
//! that let the engine rebuild every pod from Docker alone, the infra container (network,
//! hostname, domain), the joined init and app containers (command/args precedence,
//! `$(VAR)` expansion, restart policy, resource limits). Must not resolve anything that
//! needs the store or the disk (ConfigMaps, Secrets, volumes): the caller hands the
//! resolved environment and mounts in as [`ContainerInputs`].

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, DeviceRequest, HostConfig, Mount, RestartPolicy, RestartPolicyNameEnum,
};
use k8s_openapi::api::core::v1::{Container, Pod};

use super::expand::expand;
use super::quantity::Quantity;
use crate::api::labels::docker as label;

/// Grace period Kubernetes applies when `terminationGracePeriodSeconds` is unset.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Default `dockjob server --pids-limit`. Kubernetes' kubelet leaves `podPidsLimit`
/// unlimited; on one shared host a bound a fork bomb cannot pass is the safer default,
/// and 4096 is far above what a job container normally runs.
pub const DEFAULT_PIDS_LIMIT: i64 = 4096;

/// The engine's `--pids-limit`, set once at start. A process-wide setting rather than
/// an argument so the translation's callers need not carry it; 0 = unlimited.
static PIDS_LIMIT: std::sync::atomic::AtomicI64 =
    std::sync::atomic::AtomicI64::new(DEFAULT_PIDS_LIMIT);

/// Sets the pids limit every container created from now on gets (0 = unlimited).
pub fn set_pids_limit(limit: i64) {
    PIDS_LIMIT.store(limit.max(0), std::sync::atomic::Ordering::Relaxed);
}

/// Docker's `PidsLimit` for a configured limit: none (Docker's unlimited default) for 0.
fn docker_pids_limit(limit: i64) -> Option<i64> {
    (limit > 0).then_some(limit)
}

/// The configured limit as Docker takes it; also for the containers dockjob starts that
/// are not a pod's (Service proxies).
pub(crate) fn pids_limit() -> Option<i64> {
    docker_pids_limit(PIDS_LIMIT.load(std::sync::atomic::Ordering::Relaxed))
}

/// Docker refuses CPU quotas below 1 ms per 100 ms period (0.01 CPU); the kubelet clamps
/// to the same minimum (MinQuotaPeriod), so tiny limits still start.
const MIN_NANO_CPUS: i64 = 10_000_000;

/// Kubernetes' `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    /// The container's policy, or Kubernetes' default when unset: `Always` for `:latest`
    /// or an untagged image, `IfNotPresent` otherwise (pkg/apis/core/v1/defaults.go).
    pub fn of(container: &Container) -> Result<PullPolicy, String> {
        match container.image_pull_policy.as_deref() {
            Some("Always") => Ok(PullPolicy::Always),
            Some("IfNotPresent") => Ok(PullPolicy::IfNotPresent),
            Some("Never") => Ok(PullPolicy::Never),
            Some(other) => Err(format!(
                "unsupported value: {other:?}: supported values: \"Always\", \"IfNotPresent\", \"Never\""
            )),
            None => {
                let image = container.image.as_deref().unwrap_or("");
                Ok(if image_tag(image).is_none_or(|t| t == "latest") {
                    PullPolicy::Always
                } else {
                    PullPolicy::IfNotPresent
                })
            }
        }
    }
}

/// The tag of an image reference (`busybox:1.36` -> `1.36`), `None` when untagged. A
/// digest reference counts as tagged: it never moves, so it needs no re-pull.
pub fn image_tag(image: &str) -> Option<&str> {
    if let Some((_, digest)) = image.split_once('@') {
        return Some(digest);
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, tag)| tag)
}

/// The infra ("pause") container's image, built by `scripts/build-images` (no registry is
/// reachable, so it is never pulled).
pub const PAUSE_IMAGE: &str = "dockjob/pause:1";

/// Container label: what the container is to its pod ([`Role`]).
pub const ROLE_LABEL: &str = "dockjob.io/role";

/// The infra container's name in the `dockjob.io/container` label and in its Docker name
/// (as dockershim's `k8s_POD_...`): Kubernetes container names are lowercase DNS labels,
/// so it cannot clash with a container of the pod.
pub const INFRA_CONTAINER: &str = "POD";

/// What a Docker container is to its pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Holds the pod's network namespace and hostname; outlives the other containers.
    Infra,
    /// One of `spec.initContainers`, run to success in order before the app containers.
    Init,
    /// One of `spec.containers`.
    App,
}

impl Role {
    /// The `dockjob.io/role` label value.
    pub fn label(self) -> &'static str {
        match self {
            Role::Infra => "infra",
            Role::Init => "init",
            Role::App => "app",
        }
    }

    /// Parses a label value; containers made before roles existed are app containers.
    pub fn from_label(value: Option<&str>) -> Role {
        match value {
            Some("infra") => Role::Infra,
            Some("init") => Role::Init,
            _ => Role::App,
        }
    }

    /// The field path prefix of a container of this role (`spec.containers[1]`).
    pub fn field(self, index: usize) -> String {
        match self {
            Role::Infra => "spec".to_string(),
            Role::Init => format!("spec.initContainers[{index}]"),
            Role::App => format!("spec.containers[{index}]"),
        }
    }
}

/// Everything the runtime needs to create one container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerPlan {
    /// Docker container name (see [`container_name`]).
    pub docker_name: String,
    /// The Kubernetes container name ([`INFRA_CONTAINER`] for the infra container).
    pub container: String,
    pub role: Role,
    pub image: String,
    pub pull_policy: PullPolicy,
    pub config: ContainerCreateBody,
}

/// Why a pod cannot become containers. The Display names the pod and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pod {namespace}/{pod}: {field}: {message}")]
pub struct TranslateError {
    pub namespace: String,
    pub pod: String,
    /// Field path, e.g. `spec.containers[0].env[2].valueFrom.configMapKeyRef`.
    pub field: String,
    pub message: String,
}

/// What the caller resolved for one container from outside the pod (ConfigMaps, Secrets,
/// the pod IP, the pod directory): its environment in order and its mounts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerInputs {
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
}

/// Readable and unique: `dockjob_<container>_<pod>_<namespace>_<first 8 chars of uid>`.
/// Kubernetes names are DNS-1123, so the result matches Docker's name rule.
pub fn container_name(namespace: &str, pod: &str, uid: &str, container: &str) -> String {
    let short: String = uid.chars().take(8).collect();
    format!("dockjob_{container}_{pod}_{namespace}_{short}")
}

/// The infra container's Docker name: `dockjob_POD_<pod>_<namespace>_<uid8>`.
pub fn infra_name(namespace: &str, pod: &str, uid: &str) -> String {
    container_name(namespace, pod, uid, INFRA_CONTAINER)
}

/// The pod's hostname as the kubelet derives it: `spec.hostname` or the pod name,
/// truncated to 63 characters without a trailing `-` or `.`.
pub fn pod_hostname(pod: &Pod) -> String {
    let name = pod.metadata.name.as_deref().unwrap_or("");
    let host = pod
        .spec
        .as_ref()
        .and_then(|s| s.hostname.as_deref())
        .filter(|h| !h.is_empty())
        .unwrap_or(name);
    if host.len() <= 63 {
        return host.to_string();
    }
    // Kubernetes names are ASCII; a non-ASCII name is left whole rather than split.
    host.get(..63)
        .unwrap_or(host)
        .trim_end_matches(['-', '.'])
        .to_string()
}

/// The pod's DNS domain when `spec.subdomain` is set: `<subdomain>.<namespace>.svc.cluster.local`
/// (kubelet's GeneratePodHostNameAndDomain), so `hostname -f` gives the pod's FQDN.
pub fn pod_domain(pod: &Pod) -> Option<String> {
    let sub = pod
        .spec
        .as_ref()
        .and_then(|s| s.subdomain.as_deref())
        .filter(|s| !s.is_empty())?;
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    Some(format!("{sub}.{ns}.svc.cluster.local"))
}

/// A pod's identity, checked once: every container of it needs all three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodKey {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

impl PodKey {
    /// Reads namespace (default `default`), name and uid, which must be set.
    pub fn of(pod: &Pod) -> Result<PodKey, TranslateError> {
        let namespace = pod
            .metadata
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let name = pod.metadata.name.clone().unwrap_or_default();
        let fail = |field: &str| TranslateError {
            namespace: namespace.clone(),
            pod: name.clone(),
            field: field.to_string(),
            message: "Required value".into(),
        };
        if name.is_empty() {
            return Err(fail("metadata.name"));
        }
        let uid = pod
            .metadata
            .uid
            .clone()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| fail("metadata.uid"))?;
        Ok(PodKey {
            namespace,
            name,
            uid,
        })
    }

    /// An error about one field of this pod.
    pub fn error(&self, field: impl Into<String>, message: impl Into<String>) -> TranslateError {
        TranslateError {
            namespace: self.namespace.clone(),
            pod: self.name.clone(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// The Docker name of one of this pod's containers.
    pub fn docker_name(&self, container: &str) -> String {
        container_name(&self.namespace, &self.name, &self.uid, container)
    }
}

/// The pod's restart policy, checked (`Always` when unset, as the API server defaults it).
pub fn restart_policy(pod: &Pod) -> Result<&str, TranslateError> {
    let policy = pod
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("Always");
    match policy {
        "Never" | "OnFailure" | "Always" => Ok(policy),
        other => Err(PodKey::of(pod)?.error(
            "spec.restartPolicy",
            format!(
                "Unsupported value: {other:?}: supported values: \"Always\", \"OnFailure\", \"Never\""
            ),
        )),
    }
}

/// Checks what every container of the pod needs before anything is made: identity, at
/// least one container, images, pull policies, restart policy, and no restartable init
/// container (sidecars are not mapped).
pub fn check_pod(pod: &Pod) -> Result<PodKey, TranslateError> {
    let key = PodKey::of(pod)?;
    let spec = pod
        .spec
        .as_ref()
        .ok_or_else(|| key.error("spec", "Required value"))?;
    if spec.containers.is_empty() {
        return Err(key.error("spec.containers", "Required value"));
    }
    restart_policy(pod)?;
    let init = spec.init_containers.iter().flatten().enumerate();
    for (i, c) in init {
        if c.restart_policy.is_some() {
            return Err(key.error(
                format!("spec.initContainers[{i}].restartPolicy"),
                "restartable init containers (sidecars) are not supported by dockjob",
            ));
        }
        check_container(&key, c, &Role::Init.field(i))?;
    }
    for (i, c) in spec.containers.iter().enumerate() {
        check_container(&key, c, &Role::App.field(i))?;
    }
    Ok(key)
}

fn check_container(key: &PodKey, c: &Container, field: &str) -> Result<(), TranslateError> {
    if c.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
        return Err(key.error(format!("{field}.image"), "Required value"));
    }
    PullPolicy::of(c).map_err(|m| key.error(format!("{field}.imagePullPolicy"), m))?;
    Ok(())
}

/// The labels every container of the pod carries: the pod's own labels, then ours (which
/// win), enough to rebuild the pod from Docker alone.
fn pod_labels(
    pod: &Pod,
    key: &PodKey,
    engine_id: &str,
    container: &str,
    role: Role,
) -> HashMap<String, String> {
    let mut labels: HashMap<String, String> = pod
        .metadata
        .labels
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(label::ENGINE.into(), engine_id.into());
    labels.insert(label::NAMESPACE.into(), key.namespace.clone());
    labels.insert(label::POD.into(), key.name.clone());
    labels.insert(label::POD_UID.into(), key.uid.clone());
    labels.insert(label::CONTAINER.into(), container.into());
    labels.insert(ROLE_LABEL.into(), role.label().into());
    if let Some(owner) = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
    {
        labels.insert(label::OWNER_KIND.into(), owner.kind.clone());
        labels.insert(label::OWNER_NAME.into(), owner.name.clone());
        labels.insert(label::OWNER_UID.into(), owner.uid.clone());
    }
    labels
}

/// The pod's grace period in seconds (`terminationGracePeriodSeconds`, default 30).
pub fn grace_seconds(pod: &Pod) -> i64 {
    pod.spec
        .as_ref()
        .and_then(|s| s.termination_grace_period_seconds)
        .unwrap_or(DEFAULT_GRACE_SECONDS)
        .max(0)
}

/// The infra container: `dockjob/pause:1` on the namespace network, with the pod's
/// hostname (and domain for `subdomain`) and labels. Docker restart policy
/// `unless-stopped`: it comes back with dockerd like the pod's `always` containers that
/// join it, but stays down once the kubelet stopped it (pod finished or deleted).
pub fn infra(pod: &Pod, engine_id: &str, network: &str) -> Result<ContainerPlan, TranslateError> {
    let key = check_pod(pod)?;
    let config = ContainerCreateBody {
        image: Some(PAUSE_IMAGE.to_string()),
        hostname: Some(pod_hostname(pod)),
        domainname: pod_domain(pod),
        labels: Some(pod_labels(
            pod,
            &key,
            engine_id,
            INFRA_CONTAINER,
            Role::Infra,
        )),
        // pause exits at once on SIGTERM; the grace only matters if it hangs.
        stop_timeout: Some(grace_seconds(pod)),
        host_config: Some(HostConfig {
            network_mode: Some(network.to_string()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            pids_limit: pids_limit(),
            // pause never needs to gain privileges.
            security_opt: Some(vec!["no-new-privileges".into()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok(ContainerPlan {
        docker_name: key.docker_name(INFRA_CONTAINER),
        container: INFRA_CONTAINER.to_string(),
        role: Role::Infra,
        image: PAUSE_IMAGE.to_string(),
        pull_policy: PullPolicy::Never,
        config,
    })
}

/// Whether the pod runs without an infra container: its one app container holds the
/// pod's network namespace, hostname and IP itself.
///
/// Why: an infra container costs a whole Docker create+start per pod, which for a Job of
/// short pods is as much as the pod itself. Kubernetes needs a sandbox to share a network
/// namespace between containers; a pod with one container and nothing to share does not.
/// Kept for: init containers or several containers (they share the sandbox),
/// `restartPolicy: Always` (Service backends: the IP must survive restarts in place),
/// `shareProcessNamespace`, and a container that reads `status.podIP(s)` from the downward
/// API (the IP must be known before the container is created).
pub fn owns_sandbox(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    let [only] = spec.containers.as_slice() else {
        return false;
    };
    let reads_pod_ip = only.env.iter().flatten().any(|e| {
        e.value_from
            .as_ref()
            .and_then(|v| v.field_ref.as_ref())
            .is_some_and(|f| f.field_path.starts_with("status.podIP"))
    });
    spec.init_containers.as_ref().is_none_or(Vec::is_empty)
        && matches!(restart_policy(pod), Ok("Never" | "OnFailure"))
        && spec.share_process_namespace != Some(true)
        && !reads_pod_ip
}

/// Where a container's network comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sandbox<'a> {
    /// Joined to the infra container's network namespace (its Docker name).
    Infra(&'a str),
    /// The container is the pod's sandbox ([`owns_sandbox`]): on the namespace network
    /// (its name), with the pod's hostname and domain.
    Own(&'a str),
}

/// The Docker restart policy of a container of the pod. App containers follow the pod
/// (`Never` -> `no`, `OnFailure` -> `on-failure`, `Always` -> `always`); init containers
/// run to success, so they restart in place on failure unless the pod says `Never`.
fn docker_restart(policy: &str, role: Role) -> RestartPolicyNameEnum {
    match (policy, role) {
        ("Never", _) => RestartPolicyNameEnum::NO,
        (_, Role::Init) | ("OnFailure", _) => RestartPolicyNameEnum::ON_FAILURE,
        _ => RestartPolicyNameEnum::ALWAYS,
    }
}

/// An init or app container of the pod (`index` into `spec.initContainers` or
/// `spec.containers`), joined to the infra container's network namespace (`infra` is its
/// Docker name): it shares the pod's IP, localhost and hostname.
pub fn container(
    pod: &Pod,
    engine_id: &str,
    role: Role,
    index: usize,
    inputs: &ContainerInputs,
    sandbox: Sandbox<'_>,
) -> Result<ContainerPlan, TranslateError> {
    let key = check_pod(pod)?;
    let field = role.field(index);
    let spec = pod
        .spec
        .as_ref()
        .ok_or_else(|| key.error("spec", "Required value"))?;
    let list: &[Container] = match role {
        Role::Init => spec.init_containers.as_deref().unwrap_or_default(),
        Role::App => &spec.containers,
        Role::Infra => &[],
    };
    let container = list
        .get(index)
        .ok_or_else(|| key.error(field.clone(), "no such container"))?;
    // check_pod made sure both are there.
    let image = container.image.clone().unwrap_or_default();
    let pull_policy =
        PullPolicy::of(container).map_err(|m| key.error(format!("{field}.imagePullPolicy"), m))?;

    let env = &inputs.env;
    let lookup = |name: &str| {
        env.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let expand_all = |list: &Option<Vec<String>>| -> Vec<String> {
        list.iter().flatten().map(|s| expand(s, lookup)).collect()
    };
    let command = expand_all(&container.command);
    let args = expand_all(&container.args);
    // Kubernetes: command replaces ENTRYPOINT and drops the image CMD; args alone replace
    // CMD and keep ENTRYPOINT. Docker merges the image CMD only when the request has no
    // Entrypoint and no Cmd, so an explicit (possibly empty) Cmd next to a command is exact.
    let (entrypoint, cmd) = match (command.is_empty(), args.is_empty()) {
        (true, true) => (None, None),
        (true, false) => (None, Some(args)),
        (false, _) => (Some(command), Some(args)),
    };

    let restart = docker_restart(restart_policy(pod)?, role);
    let mut host = HostConfig {
        network_mode: Some(match sandbox {
            Sandbox::Infra(infra) => format!("container:{infra}"),
            Sandbox::Own(network) => network.to_string(),
        }),
        restart_policy: Some(RestartPolicy {
            name: Some(restart),
            // 0 = unlimited: the Job controller's backoffLimit decides when to give up.
            maximum_retry_count: (restart == RestartPolicyNameEnum::ON_FAILURE).then_some(0),
        }),
        mounts: (!inputs.mounts.is_empty()).then(|| inputs.mounts.clone()),
        pids_limit: pids_limit(),
        ..Default::default()
    };
    apply_resources(container, &field, &mut host).map_err(|(f, msg)| key.error(f, msg))?;

    let owns = matches!(sandbox, Sandbox::Own(_));
    let config = ContainerCreateBody {
        image: Some(image.clone()),
        hostname: owns.then(|| pod_hostname(pod)),
        domainname: owns.then(|| pod_domain(pod)).flatten(),
        entrypoint,
        cmd,
        env: Some(env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        working_dir: container.working_dir.clone().filter(|w| !w.is_empty()),
        labels: Some(pod_labels(pod, &key, engine_id, &container.name, role)),
        stop_timeout: Some(grace_seconds(pod)),
        tty: Some(container.tty.unwrap_or(false)),
        open_stdin: Some(container.stdin.unwrap_or(false)),
        stdin_once: Some(container.stdin_once.unwrap_or(false)),
        host_config: Some(host),
        ..Default::default()
    };
    Ok(ContainerPlan {
        docker_name: key.docker_name(&container.name),
        container: container.name.clone(),
        role,
        image,
        pull_policy,
        config,
    })
}

/// `limits.memory` -> Memory (and MemorySwap equal to it: Kubernetes gives containers no
/// swap), `limits.cpu` -> NanoCpus, `requests.cpu` -> CpuShares (kubelet's MilliCPUToShares),
/// `limits["nvidia.com/gpu"]` -> a DeviceRequest for that many GPUs.
fn apply_resources(
    container: &Container,
    prefix: &str,
    host: &mut HostConfig,
) -> Result<(), (String, String)> {
    let Some(res) = &container.resources else {
        return Ok(());
    };
    let parse =
        |kind: &str, name: &str, q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
            Quantity::parse(&q.0)
                .map_err(|e| (format!("{prefix}.resources.{kind}[{name}]"), e.to_string()))
        };
    let overflow = |kind: &str, name: &str| {
        (
            format!("{prefix}.resources.{kind}[{name}]"),
            "value out of range".to_string(),
        )
    };
    if let Some(limits) = &res.limits {
        if let Some(q) = limits.get("memory") {
            let bytes = parse("limits", "memory", q)?
                .bytes()
                .ok_or_else(|| overflow("limits", "memory"))?;
            if bytes > 0 {
                host.memory = Some(bytes);
                host.memory_swap = Some(bytes);
            }
        }
        if let Some(q) = limits.get("cpu") {
            let nanos = parse("limits", "cpu", q)?
                .nanos()
                .ok_or_else(|| overflow("limits", "cpu"))?;
            if nanos > 0 {
                host.nano_cpus = Some(nanos.max(MIN_NANO_CPUS));
            }
        }
        if let Some(q) = limits.get("nvidia.com/gpu") {
            let count = parse("limits", "nvidia.com/gpu", q)?
                .bytes()
                .ok_or_else(|| overflow("limits", "nvidia.com/gpu"))?;
            if count > 0 {
                host.device_requests = Some(vec![DeviceRequest {
                    driver: Some("nvidia".into()),
                    count: Some(count),
                    capabilities: Some(vec![vec!["gpu".into()]]),
                    ..Default::default()
                }]);
            }
        }
    }
    if let Some(q) = res.requests.as_ref().and_then(|r| r.get("cpu")) {
        let millis = parse("requests", "cpu", q)?
            .millis()
            .ok_or_else(|| overflow("requests", "cpu"))?;
        if millis > 0 {
            // MilliCPUToShares: shares = milli * 1024 / 1000, at least 2.
            host.cpu_shares = Some((millis.saturating_mul(1024) / 1000).max(2));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{PodSpec, ResourceRequirements};
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQ;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
    use std::collections::BTreeMap;

    fn pod(container: Container) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some("oneshot-abcde".into()),
                namespace: Some("team".into()),
                uid: Some("0123456789abcdef".into()),
                labels: Some(BTreeMap::from([
                    ("job-name".to_string(), "oneshot".to_string()),
                    ("app".to_string(), "x".to_string()),
                ])),
                owner_references: Some(vec![
                    OwnerReference {
                        api_version: "v1".into(),
                        kind: "Other".into(),
                        name: "not-me".into(),
                        uid: "u0".into(),
                        ..Default::default()
                    },
                    OwnerReference {
                        api_version: "batch/v1".into(),
                        kind: "Job".into(),
                        name: "oneshot".into(),
                        uid: "job-uid".into(),
                        controller: Some(true),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![container],
                restart_policy: Some("Never".into()),
                ..Default::default()
            }),
            status: None,
        }
    }

    fn busybox() -> Container {
        Container {
            name: "main".into(),
            image: Some("busybox:1".into()),
            ..Default::default()
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The first app container, with the environment resolved the way the runtime does
    /// when no ConfigMap or Secret is involved.
    fn translate(p: &Pod, engine: &str) -> Result<ContainerPlan, TranslateError> {
        let c = &p.spec.as_ref().unwrap().containers[0];
        let sources = crate::runtime::sources::PodSources::default();
        let env = crate::runtime::env::container_env(p, c, "spec.containers[0]", &sources, None)
            .map_err(|e| TranslateError {
                namespace: "team".into(),
                pod: "oneshot-abcde".into(),
                field: "env".into(),
                message: e.to_string(),
            })?;
        let inputs = ContainerInputs {
            env,
            mounts: vec![],
        };
        container(
            p,
            engine,
            Role::App,
            0,
            &inputs,
            Sandbox::Infra("dockjob_POD_x"),
        )
    }

    #[test]
    fn which_pods_own_their_sandbox() {
        use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector};
        let base = pod(busybox());
        assert!(owns_sandbox(&base), "one container, Never");
        let with = |f: &dyn Fn(&mut PodSpec)| {
            let mut p = base.clone();
            f(p.spec.as_mut().unwrap());
            owns_sandbox(&p)
        };
        assert!(with(&|s| s.restart_policy = Some("OnFailure".into())));
        assert!(
            !with(&|s| s.restart_policy = Some("Always".into())),
            "Always"
        );
        assert!(!with(&|s| s.restart_policy = None), "Always by default");
        assert!(!with(&|s| s.containers.push(Container {
            name: "side".into(),
            ..busybox()
        })));
        assert!(!with(&|s| s.init_containers = Some(vec![busybox()])));
        assert!(
            with(&|s| s.init_containers = Some(vec![])),
            "empty init list"
        );
        assert!(!with(&|s| s.share_process_namespace = Some(true)));
        for path in ["status.podIP", "status.podIPs"] {
            assert!(
                !with(&|s| s.containers[0].env = Some(vec![EnvVar {
                    name: "IP".into(),
                    value_from: Some(EnvVarSource {
                        field_ref: Some(ObjectFieldSelector {
                            field_path: path.into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }])),
                "{path}"
            );
        }
        assert!(!owns_sandbox(&Pod::default()), "no spec");
    }

    #[test]
    fn a_container_that_owns_the_sandbox_has_the_network_and_hostname() {
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().subdomain = Some("workers".into());
        let none = ContainerInputs::default();
        let plan = container(&p, "e", Role::App, 0, &none, Sandbox::Own("dockjob_team_e")).unwrap();
        assert_eq!(plan.config.hostname.as_deref(), Some("oneshot-abcde"));
        assert_eq!(
            plan.config.domainname.as_deref(),
            Some("workers.team.svc.cluster.local")
        );
        let host = plan.config.host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("dockjob_team_e"));
    }

    #[test]
    fn name_labels_hostname_and_owner() {
        let plan = translate(&pod(busybox()), "eng1").unwrap();
        assert_eq!(plan.docker_name, "dockjob_main_oneshot-abcde_team_01234567");
        assert_eq!(plan.container, "main");
        let labels = plan.config.labels.unwrap();
        assert_eq!(labels["job-name"], "oneshot");
        assert_eq!(labels["app"], "x");
        assert_eq!(labels[label::ENGINE], "eng1");
        assert_eq!(labels[label::NAMESPACE], "team");
        assert_eq!(labels[label::POD], "oneshot-abcde");
        assert_eq!(labels[label::POD_UID], "0123456789abcdef");
        assert_eq!(labels[label::CONTAINER], "main");
        assert_eq!(labels[label::OWNER_KIND], "Job");
        assert_eq!(labels[label::OWNER_NAME], "oneshot");
        assert_eq!(labels[label::OWNER_UID], "job-uid");
        assert_eq!(labels[ROLE_LABEL], "app");
        // The hostname belongs to the infra container; Docker refuses it on a joined one.
        assert_eq!(plan.config.hostname, None);
        let host = plan.config.host_config.unwrap();
        assert_eq!(
            host.network_mode.as_deref(),
            Some("container:dockjob_POD_x")
        );
        assert_eq!(plan.config.stop_timeout, Some(30));
    }

    #[test]
    fn infra_container_holds_network_hostname_and_domain() {
        let mut p = pod(busybox());
        let plan = infra(&p, "eng1", "dockjob_team_eng1").unwrap();
        assert_eq!(plan.docker_name, "dockjob_POD_oneshot-abcde_team_01234567");
        assert_eq!(plan.role, Role::Infra);
        assert_eq!(plan.image, PAUSE_IMAGE);
        assert_eq!(plan.pull_policy, PullPolicy::Never);
        assert_eq!(plan.config.hostname.as_deref(), Some("oneshot-abcde"));
        assert_eq!(plan.config.domainname, None);
        let labels = plan.config.labels.as_ref().unwrap();
        assert_eq!(labels[ROLE_LABEL], "infra");
        assert_eq!(labels[label::CONTAINER], "POD");
        assert_eq!(labels["job-name"], "oneshot");
        let host = plan.config.host_config.as_ref().unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("dockjob_team_eng1"));
        assert_eq!(host.pids_limit, Some(DEFAULT_PIDS_LIMIT));
        assert_eq!(
            host.security_opt.as_deref(),
            Some(&["no-new-privileges".to_string()][..])
        );
        assert_eq!(
            host.restart_policy.as_ref().unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
        let spec = p.spec.as_mut().unwrap();
        spec.hostname = Some("worker-0".into());
        spec.subdomain = Some("workers".into());
        let plan = infra(&p, "eng1", "n").unwrap();
        assert_eq!(plan.config.hostname.as_deref(), Some("worker-0"));
        assert_eq!(
            plan.config.domainname.as_deref(),
            Some("workers.team.svc.cluster.local")
        );
    }

    #[test]
    fn init_and_second_app_containers() {
        let mut p = pod(busybox());
        let spec = p.spec.as_mut().unwrap();
        spec.restart_policy = Some("Always".into());
        spec.containers.push(Container {
            name: "side".into(),
            image: Some("busybox:2".into()),
            ..Default::default()
        });
        spec.init_containers = Some(vec![Container {
            name: "setup".into(),
            image: Some("busybox:3".into()),
            ..Default::default()
        }]);
        let none = ContainerInputs::default();
        let init = container(&p, "e", Role::Init, 0, &none, Sandbox::Infra("inf")).unwrap();
        // Every container gets the engine's pids limit (the default: no test sets it).
        assert_eq!(
            init.config.host_config.as_ref().unwrap().pids_limit,
            Some(DEFAULT_PIDS_LIMIT)
        );
        assert_eq!(
            init.docker_name,
            "dockjob_setup_oneshot-abcde_team_01234567"
        );
        assert_eq!(init.image, "busybox:3");
        assert_eq!(init.config.labels.as_ref().unwrap()[ROLE_LABEL], "init");
        // Init containers run to success: restarted on failure unless the pod says Never.
        let rp = |plan: &ContainerPlan| {
            plan.config
                .host_config
                .as_ref()
                .unwrap()
                .restart_policy
                .as_ref()
                .unwrap()
                .name
        };
        assert_eq!(rp(&init), Some(RestartPolicyNameEnum::ON_FAILURE));
        let side = container(&p, "e", Role::App, 1, &none, Sandbox::Infra("inf")).unwrap();
        assert_eq!(side.container, "side");
        assert_eq!(rp(&side), Some(RestartPolicyNameEnum::ALWAYS));
        assert_eq!(
            container(&p, "e", Role::App, 2, &none, Sandbox::Infra("inf"))
                .unwrap_err()
                .field,
            "spec.containers[2]"
        );
        p.spec.as_mut().unwrap().restart_policy = Some("Never".into());
        let init = container(&p, "e", Role::Init, 0, &none, Sandbox::Infra("inf")).unwrap();
        assert_eq!(rp(&init), Some(RestartPolicyNameEnum::NO));
    }

    #[test]
    fn our_labels_win_over_pod_labels() {
        let mut p = pod(busybox());
        p.metadata
            .labels
            .as_mut()
            .unwrap()
            .insert(label::ENGINE.into(), "spoofed".into());
        let labels = translate(&p, "eng1").unwrap().config.labels.unwrap();
        assert_eq!(labels[label::ENGINE], "eng1");
    }

    #[test]
    fn command_and_args_precedence() {
        let run = |command: Option<&[&str]>, args: Option<&[&str]>| {
            let mut c = busybox();
            c.command = command.map(strings);
            c.args = args.map(strings);
            let cfg = translate(&pod(c), "e").unwrap().config;
            (cfg.entrypoint, cfg.cmd)
        };
        // Neither: the image's ENTRYPOINT and CMD.
        assert_eq!(run(None, None), (None, None));
        assert_eq!(run(Some(&[]), Some(&[])), (None, None));
        // Args only: image ENTRYPOINT kept, CMD replaced.
        assert_eq!(
            run(None, Some(&["-c", "x"])),
            (None, Some(strings(&["-c", "x"])))
        );
        // Command only: image CMD dropped (explicit empty Cmd).
        assert_eq!(
            run(Some(&["sh", "-c", "exit 0"]), None),
            (Some(strings(&["sh", "-c", "exit 0"])), Some(vec![]))
        );
        // Both.
        assert_eq!(
            run(Some(&["sh"]), Some(&["-c", "true"])),
            (Some(strings(&["sh"])), Some(strings(&["-c", "true"])))
        );
    }

    #[test]
    fn command_and_args_are_expanded_with_the_given_env() {
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().containers[0].command =
            Some(strings(&["echo", "$(B)", "$(NOPE)", "$$(B)"]));
        let inputs = ContainerInputs {
            env: vec![("A".into(), "1".into()), ("B".into(), "1-2".into())],
            mounts: vec![],
        };
        let cfg = container(&p, "e", Role::App, 0, &inputs, Sandbox::Infra("inf"))
            .unwrap()
            .config;
        assert_eq!(cfg.env.unwrap(), strings(&["A=1", "B=1-2"]));
        assert_eq!(
            cfg.entrypoint.unwrap(),
            strings(&["echo", "1-2", "$(NOPE)", "$(B)"])
        );
    }

    #[test]
    fn restart_policies() {
        for (k8s, docker, retries) in [
            ("Never", RestartPolicyNameEnum::NO, None),
            ("OnFailure", RestartPolicyNameEnum::ON_FAILURE, Some(0)),
            ("Always", RestartPolicyNameEnum::ALWAYS, None),
        ] {
            let mut p = pod(busybox());
            p.spec.as_mut().unwrap().restart_policy = Some(k8s.into());
            let rp = translate(&p, "e")
                .unwrap()
                .config
                .host_config
                .unwrap()
                .restart_policy
                .unwrap();
            assert_eq!(rp.name, Some(docker), "{k8s}");
            assert_eq!(rp.maximum_retry_count, retries, "{k8s}");
        }
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().restart_policy = Some("Sometimes".into());
        assert_eq!(translate(&p, "e").unwrap_err().field, "spec.restartPolicy");
    }

    #[test]
    fn resources_and_grace() {
        let mut c = busybox();
        c.resources = Some(ResourceRequirements {
            limits: Some(BTreeMap::from([
                ("memory".to_string(), KQ("16Mi".into())),
                ("cpu".to_string(), KQ("500m".into())),
            ])),
            requests: Some(BTreeMap::from([("cpu".to_string(), KQ("250m".into()))])),
            claims: None,
        });
        let mut p = pod(c);
        p.spec.as_mut().unwrap().termination_grace_period_seconds = Some(5);
        let cfg = translate(&p, "e").unwrap().config;
        let host = cfg.host_config.unwrap();
        assert_eq!(host.memory, Some(16 * 1024 * 1024));
        assert_eq!(host.memory_swap, Some(16 * 1024 * 1024));
        assert_eq!(host.nano_cpus, Some(500_000_000));
        assert_eq!(host.cpu_shares, Some(256));
        assert_eq!(cfg.stop_timeout, Some(5));
    }

    #[test]
    fn tiny_cpu_limit_is_clamped_and_bad_quantity_named() {
        let mut c = busybox();
        c.resources = Some(ResourceRequirements {
            limits: Some(BTreeMap::from([("cpu".to_string(), KQ("1m".into()))])),
            ..Default::default()
        });
        let host = translate(&pod(c.clone()), "e")
            .unwrap()
            .config
            .host_config
            .unwrap();
        assert_eq!(host.nano_cpus, Some(MIN_NANO_CPUS));
        c.resources = Some(ResourceRequirements {
            limits: Some(BTreeMap::from([("memory".to_string(), KQ("lots".into()))])),
            ..Default::default()
        });
        let e = translate(&pod(c), "e").unwrap_err();
        assert_eq!(e.field, "spec.containers[0].resources.limits[memory]");
    }

    #[test]
    fn pod_checks_name_the_field() {
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().init_containers = Some(vec![Container {
            restart_policy: Some("Always".into()),
            ..busybox()
        }]);
        assert_eq!(
            check_pod(&p).unwrap_err().field,
            "spec.initContainers[0].restartPolicy"
        );
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().containers[0].image = None;
        assert_eq!(check_pod(&p).unwrap_err().field, "spec.containers[0].image");
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().containers.clear();
        assert_eq!(check_pod(&p).unwrap_err().field, "spec.containers");
        let mut p = pod(busybox());
        p.metadata.uid = None;
        assert_eq!(translate(&p, "e").unwrap_err().field, "metadata.uid");
    }

    #[test]
    fn pull_policy_defaults() {
        let policy = |image: &str, set: Option<&str>| {
            PullPolicy::of(&Container {
                image: Some(image.into()),
                image_pull_policy: set.map(Into::into),
                ..Default::default()
            })
            .unwrap()
        };
        assert_eq!(policy("busybox", None), PullPolicy::Always);
        assert_eq!(policy("busybox:latest", None), PullPolicy::Always);
        assert_eq!(policy("localhost:5000/busybox", None), PullPolicy::Always);
        assert_eq!(
            policy("localhost:5000/busybox:1", None),
            PullPolicy::IfNotPresent
        );
        assert_eq!(policy("busybox@sha256:abc", None), PullPolicy::IfNotPresent);
        assert_eq!(policy("busybox", Some("Never")), PullPolicy::Never);
        assert_eq!(image_tag("a/b:c"), Some("c"));
    }

    #[test]
    fn hostname_is_truncated_like_the_kubelet() {
        let mut p = pod(busybox());
        let long = format!("{}-{}", "a".repeat(62), "b".repeat(10));
        p.metadata.name = Some(long);
        assert_eq!(pod_hostname(&p), "a".repeat(62));
        p.spec.as_mut().unwrap().hostname = Some("custom".into());
        assert_eq!(pod_hostname(&p), "custom");
    }

    #[test]
    fn pids_limit_zero_means_unlimited() {
        assert_eq!(docker_pids_limit(0), None);
        assert_eq!(docker_pids_limit(-5), None);
        assert_eq!(docker_pids_limit(1), Some(1));
        assert_eq!(docker_pids_limit(4096), Some(4096));
    }
}
