//! Pod -> Docker container create config, with Kubernetes' semantics.
//!
//! Pure: no Docker calls, no clock. Owns the container name, the `dockjob.io/...` labels
//! that let the engine rebuild every pod from Docker alone, the command/args precedence,
//! `$(VAR)` expansion, restart policy and resource limits. Must not resolve anything that
//! needs the store (ConfigMaps, Secrets): such env sources are reported as unsupported.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, DeviceRequest, HostConfig, RestartPolicy, RestartPolicyNameEnum,
};
use k8s_openapi::api::core::v1::{Container, EnvVar, Pod};

use super::expand::expand;
use super::quantity::Quantity;
use crate::api::labels::docker as label;

/// Grace period Kubernetes applies when `terminationGracePeriodSeconds` is unset.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

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

/// Everything `Runtime::start_pod` needs to create one container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerPlan {
    /// Docker container name (see [`container_name`]).
    pub docker_name: String,
    /// The Kubernetes container name.
    pub container: String,
    pub image: String,
    pub pull_policy: PullPolicy,
    pub config: ContainerCreateBody,
}

/// Why a pod cannot become a container. The Display names the pod and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pod {namespace}/{pod}: {field}: {message}")]
pub struct TranslateError {
    pub namespace: String,
    pub pod: String,
    /// Field path, e.g. `spec.containers[0].env[2].valueFrom.configMapKeyRef`.
    pub field: String,
    pub message: String,
}

/// Readable and unique: `dockjob_<container>_<pod>_<namespace>_<first 8 chars of uid>`.
/// Kubernetes names are DNS-1123, so the result matches Docker's name rule.
pub fn container_name(namespace: &str, pod: &str, uid: &str, container: &str) -> String {
    let short: String = uid.chars().take(8).collect();
    format!("dockjob_{container}_{pod}_{namespace}_{short}")
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

/// Translates the pod into the create config of its single container.
pub fn translate(pod: &Pod, engine_id: &str) -> Result<ContainerPlan, TranslateError> {
    let namespace = pod
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let fail = |field: &str, message: String| TranslateError {
        namespace: namespace.clone(),
        pod: pod_name.clone(),
        field: field.to_string(),
        message,
    };
    if pod_name.is_empty() {
        return Err(fail("metadata.name", "Required value".into()));
    }
    let uid = pod
        .metadata
        .uid
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| fail("metadata.uid", "Required value".into()))?;
    let spec = pod
        .spec
        .as_ref()
        .ok_or_else(|| fail("spec", "Required value".into()))?;
    if spec.init_containers.as_ref().is_some_and(|c| !c.is_empty()) {
        return Err(fail(
            "spec.initContainers",
            "init containers are not supported yet".into(),
        ));
    }
    let container = match spec.containers.as_slice() {
        [one] => one,
        [] => return Err(fail("spec.containers", "Required value".into())),
        _ => {
            return Err(fail(
                "spec.containers",
                format!(
                    "pods with more than one container are not supported yet (this pod has {})",
                    spec.containers.len()
                ),
            ));
        }
    };
    let image = container
        .image
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| fail("spec.containers[0].image", "Required value".into()))?;
    let pull_policy =
        PullPolicy::of(container).map_err(|m| fail("spec.containers[0].imagePullPolicy", m))?;

    let env = resolve_env(pod, container).map_err(|(field, msg)| fail(&field, msg))?;
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

    let restart = match spec.restart_policy.as_deref().unwrap_or("Always") {
        "Never" => RestartPolicyNameEnum::NO,
        "OnFailure" => RestartPolicyNameEnum::ON_FAILURE,
        "Always" => RestartPolicyNameEnum::ALWAYS,
        other => {
            return Err(fail(
                "spec.restartPolicy",
                format!(
                    "Unsupported value: {other:?}: supported values: \"Always\", \"OnFailure\", \"Never\""
                ),
            ));
        }
    };
    let grace = spec
        .termination_grace_period_seconds
        .unwrap_or(DEFAULT_GRACE_SECONDS)
        .max(0);

    let mut host = HostConfig {
        restart_policy: Some(RestartPolicy {
            name: Some(restart),
            // 0 = unlimited: the Job controller's backoffLimit decides when to give up.
            maximum_retry_count: (restart == RestartPolicyNameEnum::ON_FAILURE).then_some(0),
        }),
        ..Default::default()
    };
    apply_resources(container, &mut host).map_err(|(field, msg)| fail(&field, msg))?;

    let mut labels: HashMap<String, String> = pod
        .metadata
        .labels
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(label::ENGINE.into(), engine_id.into());
    labels.insert(label::NAMESPACE.into(), namespace.clone());
    labels.insert(label::POD.into(), pod_name.clone());
    labels.insert(label::POD_UID.into(), uid.clone());
    labels.insert(label::CONTAINER.into(), container.name.clone());
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

    let config = ContainerCreateBody {
        image: Some(image.clone()),
        entrypoint,
        cmd,
        env: Some(env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        working_dir: container.working_dir.clone().filter(|w| !w.is_empty()),
        hostname: Some(pod_hostname(pod)),
        labels: Some(labels),
        stop_timeout: Some(grace),
        tty: Some(container.tty.unwrap_or(false)),
        open_stdin: Some(container.stdin.unwrap_or(false)),
        stdin_once: Some(container.stdin_once.unwrap_or(false)),
        host_config: Some(host),
        ..Default::default()
    };
    Ok(ContainerPlan {
        docker_name: container_name(&namespace, &pod_name, &uid, &container.name),
        container: container.name.clone(),
        image,
        pull_policy,
        config,
    })
}

/// The container's environment in declaration order, each value `$(VAR)`-expanded against
/// the variables declared before it (kubelet's makeEnvironmentVariables). A name declared
/// twice keeps its first position and its last value. Errors carry the field path.
fn resolve_env(
    pod: &Pod,
    container: &Container,
) -> Result<Vec<(String, String)>, (String, String)> {
    if container.env_from.as_ref().is_some_and(|e| !e.is_empty()) {
        return Err((
            "spec.containers[0].envFrom".into(),
            "envFrom is not supported yet".into(),
        ));
    }
    let mut env: Vec<(String, String)> = Vec::new();
    for (i, var) in container.env.iter().flatten().enumerate() {
        let field = format!("spec.containers[0].env[{i}]");
        let raw = env_value(pod, var, &field)?;
        let value = match raw {
            Literal::Expand(s) => expand(&s, |name| {
                env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
            }),
            Literal::Verbatim(s) => s,
        };
        match env.iter_mut().find(|(n, _)| *n == var.name) {
            Some(slot) => slot.1 = value,
            None => env.push((var.name.clone(), value)),
        }
    }
    Ok(env)
}

enum Literal {
    /// `value:` is subject to `$(VAR)` expansion.
    Expand(String),
    /// `valueFrom:` results are used as they are.
    Verbatim(String),
}

fn env_value(pod: &Pod, var: &EnvVar, field: &str) -> Result<Literal, (String, String)> {
    let Some(from) = &var.value_from else {
        return Ok(Literal::Expand(var.value.clone().unwrap_or_default()));
    };
    let unsupported = |what: &str| {
        Err((
            format!("{field}.valueFrom.{what}"),
            format!("{what} is not supported yet"),
        ))
    };
    if from.config_map_key_ref.is_some() {
        return unsupported("configMapKeyRef");
    }
    if from.secret_key_ref.is_some() {
        return unsupported("secretKeyRef");
    }
    if from.resource_field_ref.is_some() {
        return unsupported("resourceFieldRef");
    }
    if from.file_key_ref.is_some() {
        return unsupported("fileKeyRef");
    }
    let Some(selector) = &from.field_ref else {
        return Err((
            format!("{field}.valueFrom"),
            "Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`".into(),
        ));
    };
    field_ref(pod, &selector.field_path)
        .map(Literal::Verbatim)
        .ok_or_else(|| {
            (
                format!("{field}.valueFrom.fieldRef.fieldPath"),
                format!(
                    "Unsupported value: {:?}: dockjob resolves metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName",
                    selector.field_path
                ),
            )
        })
}

/// The downward-API fields known before the container exists. A missing label or
/// annotation is an empty string, as in Kubernetes.
fn field_ref(pod: &Pod, path: &str) -> Option<String> {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let keyed = |prefix: &str| -> Option<String> {
        let rest = path.strip_prefix(prefix)?;
        let key = rest.strip_prefix("['")?.strip_suffix("']")?;
        Some(key.to_string())
    };
    match path {
        "metadata.name" => meta.name.clone(),
        "metadata.namespace" => Some(meta.namespace.clone().unwrap_or_else(|| "default".into())),
        "metadata.uid" => meta.uid.clone(),
        "spec.nodeName" => Some(spec.and_then(|s| s.node_name.clone()).unwrap_or_default()),
        "spec.serviceAccountName" => Some(
            spec.and_then(|s| s.service_account_name.clone())
                .unwrap_or_default(),
        ),
        _ => {
            if let Some(key) = keyed("metadata.labels") {
                let labels = meta.labels.as_ref();
                return Some(
                    labels
                        .and_then(|l| l.get(&key))
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            if let Some(key) = keyed("metadata.annotations") {
                let ann = meta.annotations.as_ref();
                return Some(ann.and_then(|a| a.get(&key)).cloned().unwrap_or_default());
            }
            None
        }
    }
}

/// `limits.memory` -> Memory (and MemorySwap equal to it: Kubernetes gives containers no
/// swap), `limits.cpu` -> NanoCpus, `requests.cpu` -> CpuShares (kubelet's MilliCPUToShares),
/// `limits["nvidia.com/gpu"]` -> a DeviceRequest for that many GPUs.
fn apply_resources(container: &Container, host: &mut HostConfig) -> Result<(), (String, String)> {
    let Some(res) = &container.resources else {
        return Ok(());
    };
    let parse =
        |kind: &str, name: &str, q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
            Quantity::parse(&q.0).map_err(|e| {
                (
                    format!("spec.containers[0].resources.{kind}[{name}]"),
                    e.to_string(),
                )
            })
        };
    let overflow = |kind: &str, name: &str| {
        (
            format!("spec.containers[0].resources.{kind}[{name}]"),
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
    use k8s_openapi::api::core::v1::{
        EnvVarSource, ObjectFieldSelector, PodSpec, ResourceRequirements,
    };
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
        assert_eq!(plan.config.hostname.as_deref(), Some("oneshot-abcde"));
        assert_eq!(plan.config.stop_timeout, Some(30));
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
    fn env_order_expansion_and_duplicates() {
        let mut c = busybox();
        let var = |n: &str, v: &str| EnvVar {
            name: n.into(),
            value: Some(v.into()),
            value_from: None,
        };
        c.env = Some(vec![
            var("A", "1"),
            var("B", "$(A)-2"),
            var("C", "$(LATER) $$(A)"),
            var("LATER", "x"),
            var("A", "3"),
            EnvVar {
                name: "POD".into(),
                value: None,
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: "metadata.name".into(),
                        api_version: None,
                    }),
                    ..Default::default()
                }),
            },
            EnvVar {
                name: "JOB".into(),
                value: None,
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: "metadata.labels['job-name']".into(),
                        api_version: None,
                    }),
                    ..Default::default()
                }),
            },
        ]);
        c.command = Some(strings(&["echo", "$(B)", "$(POD)", "$(NOPE)", "$$(B)"]));
        let cfg = translate(&pod(c), "e").unwrap().config;
        assert_eq!(
            cfg.env.unwrap(),
            strings(&[
                "A=3",
                "B=1-2",
                "C=$(LATER) $(A)",
                "LATER=x",
                "POD=oneshot-abcde",
                "JOB=oneshot"
            ])
        );
        assert_eq!(
            cfg.entrypoint.unwrap(),
            strings(&["echo", "1-2", "oneshot-abcde", "$(NOPE)", "$(B)"])
        );
    }

    #[test]
    fn unsupported_env_sources_name_the_field() {
        let mut c = busybox();
        c.env = Some(vec![EnvVar {
            name: "X".into(),
            value: None,
            value_from: Some(EnvVarSource {
                config_map_key_ref: Some(Default::default()),
                ..Default::default()
            }),
        }]);
        let e = translate(&pod(c), "e").unwrap_err();
        assert_eq!(
            e.field,
            "spec.containers[0].env[0].valueFrom.configMapKeyRef"
        );
        assert!(
            e.to_string()
                .starts_with("pod team/oneshot-abcde: spec.containers[0].env[0]")
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
    fn one_container_only_for_now() {
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().containers.push(Container {
            name: "side".into(),
            image: Some("busybox:1".into()),
            ..Default::default()
        });
        assert_eq!(translate(&p, "e").unwrap_err().field, "spec.containers");
        let mut p = pod(busybox());
        p.spec.as_mut().unwrap().init_containers = Some(vec![busybox()]);
        assert_eq!(translate(&p, "e").unwrap_err().field, "spec.initContainers");
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
}
