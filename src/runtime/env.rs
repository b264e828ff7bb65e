//! A container's environment as the kubelet builds it (makeEnvironmentVariables): `envFrom`
//! first, then `env`, with `valueFrom` sources and `$(VAR)` expansion.
//!
//! Pure apart from reading the host's CPU count and memory size for a `resourceFieldRef`
//! to an unset limit (the kubelet uses the node's allocatable there). Must not fetch
//! anything: the ConfigMaps and Secrets come in as [`PodSources`].
//!
//! Order: Kubernetes builds the environment in a Go map, so its order is unspecified; we
//! keep a stable one: `envFrom` sources in order (each ConfigMap/Secret by sorted key),
//! then `env` in declaration order. A name set twice keeps its first position and its
//! last value, as a map would.

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod, ResourceFieldSelector};

use super::expand::expand;
use super::quantity::Quantity;
use super::sources::{ConfigError, PodSources, namespace, secret_data};

/// The container's environment (envFrom first, then env, as the kubelet does), with
/// $(VAR) expansion; `field` is the container's path (`spec.containers[1]` /
/// `spec.initContainers[0]`) for messages; `pod_ip` for fieldRef status.podIP/status.podIPs.
///
/// Secret values are bytes; environment variables are strings, so a value that is not
/// UTF-8 is converted with `from_utf8_lossy` (invalid sequences become U+FFFD). Kubernetes
/// passes the raw bytes; no lossless mapping exists through Docker's JSON API.
pub fn container_env(
    pod: &Pod,
    container: &Container,
    field: &str,
    sources: &PodSources,
    pod_ip: Option<&str>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let ns = namespace(pod);
    let mut env: Vec<(String, String)> = Vec::new();

    for (i, from) in container.env_from.iter().flatten().enumerate() {
        let prefix = from.prefix.as_deref().unwrap_or("");
        let pairs: Vec<(String, String)> = match (&from.config_map_ref, &from.secret_ref) {
            (Some(r), None) => match sources.config_maps.get(&r.name) {
                Some(cm) => cm
                    .data
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                None if r.optional == Some(true) => continue,
                None => return Err(not_found("configmap", &r.name)),
            },
            (None, Some(r)) => match sources.secrets.get(&r.name) {
                Some(s) => secret_data(s)
                    .into_iter()
                    .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
                    .collect(),
                None if r.optional == Some(true) => continue,
                None => return Err(not_found("secret", &r.name)),
            },
            _ => {
                return Err(ConfigError::invalid(
                    format!("{field}.envFrom[{i}]"),
                    "Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`",
                ));
            }
        };
        for (key, value) in pairs {
            let name = format!("{prefix}{key}");
            // The kubelet skipped such keys with an InvalidEnvironmentVariableNames event;
            // Docker cannot carry them at all (`=` would split the name).
            if valid_env_name(&name) {
                set(&mut env, name, value);
            }
        }
    }

    for (i, var) in container.env.iter().flatten().enumerate() {
        let var_field = format!("{field}.env[{i}]");
        let value = match var.value.as_deref().filter(|v| !v.is_empty()) {
            // A literal value is expanded against everything defined so far.
            Some(literal) => expand(literal, |name| lookup(&env, name)),
            None => match value_from(pod, ns, container, var, &var_field, sources, pod_ip)? {
                Some(v) => v,
                // An optional reference to a missing object or key: no variable at all.
                None => continue,
            },
        };
        set(&mut env, var.name.clone(), value);
    }
    Ok(env)
}

/// The API server's NotFound message for a ConfigMap/Secret, as the kubelet reports it.
fn not_found(kind: &str, name: &str) -> ConfigError {
    ConfigError::Missing(format!("{kind} {name:?} not found"))
}

/// Relaxed environment variable names (the rule our validation applies): printable ASCII
/// other than `=`, not empty.
fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'=')
}

fn lookup(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

fn set(env: &mut Vec<(String, String)>, name: String, value: String) {
    match env.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 = value,
        None => env.push((name, value)),
    }
}

/// The value of a `valueFrom` (used verbatim, never expanded), an empty string when the
/// variable has neither `value` nor `valueFrom`, `None` for an optional reference that
/// resolves to nothing.
fn value_from(
    pod: &Pod,
    ns: &str,
    container: &Container,
    var: &EnvVar,
    field: &str,
    sources: &PodSources,
    pod_ip: Option<&str>,
) -> Result<Option<String>, ConfigError> {
    let Some(from) = &var.value_from else {
        return Ok(Some(String::new()));
    };
    if let Some(sel) = &from.field_ref {
        let path = &sel.field_path;
        return field_ref(pod, ns, path, pod_ip).map(Some).ok_or_else(|| {
            ConfigError::invalid(
                format!("{field}.valueFrom.fieldRef.fieldPath"),
                format!(
                    "Unsupported value: {path:?}: dockjob resolves \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"metadata.labels['<KEY>']\", \"metadata.annotations['<KEY>']\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.podIP\", \"status.podIPs\""
                ),
            )
        });
    }
    if let Some(sel) = &from.resource_field_ref {
        return resource_field_ref(
            pod,
            container,
            sel,
            &format!("{field}.valueFrom.resourceFieldRef"),
        )
        .map(Some);
    }
    if let Some(sel) = &from.config_map_key_ref {
        let optional = sel.optional == Some(true);
        let Some(cm) = sources.config_maps.get(&sel.name) else {
            return if optional {
                Ok(None)
            } else {
                Err(not_found("configmap", &sel.name))
            };
        };
        return match cm.data.as_ref().and_then(|d| d.get(&sel.key)) {
            Some(v) => Ok(Some(v.clone())),
            None if optional => Ok(None),
            None => Err(ConfigError::Missing(format!(
                "couldn't find key {} in ConfigMap {ns}/{}",
                sel.key, sel.name
            ))),
        };
    }
    if let Some(sel) = &from.secret_key_ref {
        let optional = sel.optional == Some(true);
        let Some(secret) = sources.secrets.get(&sel.name) else {
            return if optional {
                Ok(None)
            } else {
                Err(not_found("secret", &sel.name))
            };
        };
        return match secret_data(secret).get(&sel.key) {
            Some(v) => Ok(Some(String::from_utf8_lossy(v).into_owned())),
            None if optional => Ok(None),
            None => Err(ConfigError::Missing(format!(
                "couldn't find key {} in Secret {ns}/{}",
                sel.key, sel.name
            ))),
        };
    }
    if from.file_key_ref.is_some() {
        return Err(ConfigError::invalid(
            format!("{field}.valueFrom.fileKeyRef"),
            "fileKeyRef is not supported by dockjob",
        ));
    }
    Err(ConfigError::invalid(
        format!("{field}.valueFrom"),
        "Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
    ))
}

/// The downward-API fields Kubernetes allows in env (validEnvDownwardAPIFieldPathExpressions)
/// that dockjob knows before the container exists. A missing label or annotation is an
/// empty string, as in Kubernetes; `status.podIP(s)` are empty until the pod has an address.
/// `status.hostIP(s)` is not known here: None.
fn field_ref(pod: &Pod, ns: &str, path: &str, pod_ip: Option<&str>) -> Option<String> {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let keyed = |prefix: &str| -> Option<String> {
        let key = path
            .strip_prefix(prefix)?
            .strip_prefix("['")?
            .strip_suffix("']")?;
        Some(key.to_string())
    };
    match path {
        "metadata.name" => Some(meta.name.clone().unwrap_or_default()),
        "metadata.namespace" => Some(ns.to_string()),
        "metadata.uid" => Some(meta.uid.clone().unwrap_or_default()),
        "spec.nodeName" => Some(spec.and_then(|s| s.node_name.clone()).unwrap_or_default()),
        "spec.serviceAccountName" => Some(
            spec.and_then(|s| s.service_account_name.clone())
                .unwrap_or_default(),
        ),
        "status.podIP" | "status.podIPs" => Some(pod_ip.unwrap_or("").to_string()),
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

/// `resourceFieldRef` (containerResourceRuntimeValue): the limit or request divided by the
/// divisor (default 1), rounded up. An unset limit is the host's capacity (the kubelet uses
/// node allocatable); an unset request is the limit if set (API defaulting), else 0.
fn resource_field_ref(
    pod: &Pod,
    container: &Container,
    sel: &ResourceFieldSelector,
    field: &str,
) -> Result<String, ConfigError> {
    let target = match sel.container_name.as_deref().filter(|n| !n.is_empty()) {
        None => container,
        Some(name) => super::sources::all_containers(pod)
            .into_iter()
            .map(|(_, c)| c)
            .find(|c| c.name == name)
            .ok_or_else(|| {
                ConfigError::invalid(
                    format!("{field}.containerName"),
                    format!("container {name} not found"),
                )
            })?,
    };
    let (kind, resource) = sel.resource.split_once('.').ok_or_else(|| {
        ConfigError::invalid(
            format!("{field}.resource"),
            format!("Unsupported container resource : {}", sel.resource),
        )
    })?;
    let parse = |q: &str, what: &str| {
        Quantity::parse(q)
            .map_err(|e| ConfigError::invalid(format!("{field}.{what}"), e.to_string()))
    };
    let res = target.resources.as_ref();
    let limit = res
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.get(resource))
        .map(|q| parse(&q.0, "resource"))
        .transpose()?;
    let request = res
        .and_then(|r| r.requests.as_ref())
        .and_then(|l| l.get(resource))
        .map(|q| parse(&q.0, "resource"))
        .transpose()?;
    let divisor = match sel.divisor.as_ref() {
        Some(q) => parse(&q.0, "divisor")?,
        None => parse("1", "divisor")?,
    };
    let overflow = || ConfigError::invalid(format!("{field}.resource"), "value out of range");
    let unsupported = || {
        ConfigError::invalid(
            format!("{field}.resource"),
            format!("Unsupported container resource : {}", sel.resource),
        )
    };
    // CPU in millis, the others in units; both as the kubelet's ceil(value / divisor).
    let (value, div) = match resource {
        "cpu" => {
            let value = match (kind, limit, request) {
                ("limits", Some(l), _) => l.millis().ok_or_else(overflow)?,
                ("limits", None, _) => host_cpu_millis(),
                ("requests", _, Some(r)) | ("requests", Some(r), None) => {
                    r.millis().ok_or_else(overflow)?
                }
                ("requests", None, None) => 0,
                _ => return Err(unsupported()),
            };
            (value, divisor.millis().ok_or_else(overflow)?)
        }
        "memory" | "ephemeral-storage" => {
            let value = match (kind, limit, request) {
                ("limits", Some(l), _) => l.bytes().ok_or_else(overflow)?,
                ("limits", None, _) if resource == "memory" => host_memory_bytes(),
                ("requests", _, Some(r)) | ("requests", Some(r), None) => {
                    r.bytes().ok_or_else(overflow)?
                }
                ("requests", None, None) => 0,
                _ => {
                    return Err(ConfigError::invalid(
                        format!("{field}.resource"),
                        "limits.ephemeral-storage without a limit needs the node's allocatable storage, which dockjob does not know",
                    ));
                }
            };
            (value, divisor.bytes().ok_or_else(overflow)?)
        }
        _ => return Err(unsupported()),
    };
    if div <= 0 {
        return Err(ConfigError::invalid(
            format!("{field}.divisor"),
            "must be greater than 0",
        ));
    }
    // ceil(value / div) for positive div (i64::div_ceil is not stable).
    let quotient = value / div;
    let ceil = if value % div > 0 {
        quotient + 1
    } else {
        quotient
    };
    Ok(ceil.to_string())
}

/// The host's CPUs in millis (what node allocatable would be without reservations).
fn host_cpu_millis() -> i64 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    i64::try_from(cpus).unwrap_or(1).saturating_mul(1000)
}

/// The host's physical memory in bytes.
// `c_long` is i64 only on 64-bit targets: the conversions are not useless everywhere.
#[allow(clippy::useless_conversion)]
fn host_memory_bytes() -> i64 {
    // SAFETY: sysconf only reads system configuration values.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    i64::from(pages.max(0)).saturating_mul(i64::from(size.max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::{
        ConfigMap, ConfigMapEnvSource, ConfigMapKeySelector, EnvFromSource, EnvVarSource,
        ObjectFieldSelector, PodSpec, ResourceRequirements, Secret, SecretEnvSource,
        SecretKeySelector,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQ;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use std::collections::BTreeMap;

    fn pod(container: Container) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some("oneshot-abcde".into()),
                namespace: Some("team".into()),
                uid: Some("0123456789abcdef".into()),
                labels: Some(BTreeMap::from([(
                    "job-name".to_string(),
                    "oneshot".to_string(),
                )])),
                annotations: Some(BTreeMap::from([("a".to_string(), "b".to_string())])),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![container],
                service_account_name: Some("default".into()),
                ..Default::default()
            }),
            status: None,
        }
    }

    fn lit(n: &str, v: &str) -> EnvVar {
        EnvVar {
            name: n.into(),
            value: Some(v.into()),
            value_from: None,
        }
    }

    fn from(n: &str, source: EnvVarSource) -> EnvVar {
        EnvVar {
            name: n.into(),
            value: None,
            value_from: Some(source),
        }
    }

    fn field(path: &str) -> EnvVarSource {
        EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.into(),
                api_version: None,
            }),
            ..Default::default()
        }
    }

    fn cm_key(name: &str, key: &str, optional: Option<bool>) -> EnvVarSource {
        EnvVarSource {
            config_map_key_ref: Some(ConfigMapKeySelector {
                name: name.into(),
                key: key.into(),
                optional,
            }),
            ..Default::default()
        }
    }

    fn secret_key(name: &str, key: &str, optional: Option<bool>) -> EnvVarSource {
        EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: name.into(),
                key: key.into(),
                optional,
            }),
            ..Default::default()
        }
    }

    fn sources() -> PodSources {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some("cfg".into()),
                ..Default::default()
            },
            data: Some(BTreeMap::from([
                ("mode".to_string(), "fast".to_string()),
                ("1bad=".to_string(), "skipped".to_string()),
                ("level".to_string(), "3".to_string()),
            ])),
            binary_data: Some(BTreeMap::from([(
                "bin".to_string(),
                ByteString(vec![1, 2]),
            )])),
            ..Default::default()
        };
        let secret = Secret {
            data: Some(BTreeMap::from([
                ("password".to_string(), ByteString(b"s3cret".to_vec())),
                ("raw".to_string(), ByteString(vec![b'a', 0xff, b'b'])),
            ])),
            ..Default::default()
        };
        PodSources {
            config_maps: BTreeMap::from([("cfg".to_string(), cm)]),
            secrets: BTreeMap::from([("creds".to_string(), secret)]),
        }
    }

    fn env_of(c: Container) -> Result<Vec<(String, String)>, ConfigError> {
        let p = pod(c);
        let c = &p.spec.as_ref().unwrap().containers[0];
        container_env(&p, c, "spec.containers[0]", &sources(), Some("172.17.0.5"))
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn order_expansion_and_duplicates_like_resolve_env() {
        let c = Container {
            env: Some(vec![
                lit("A", "1"),
                lit("B", "$(A)-2"),
                lit("C", "$(LATER) $$(A)"),
                lit("LATER", "x"),
                lit("A", "3"),
                from("POD", field("metadata.name")),
                from("JOB", field("metadata.labels['job-name']")),
                from("NOPE", field("metadata.labels['nope']")),
                from("ANN", field("metadata.annotations['a']")),
                from("NS", field("metadata.namespace")),
                from("UID", field("metadata.uid")),
                from("SA", field("spec.serviceAccountName")),
                from("NODE", field("spec.nodeName")),
                from("IP", field("status.podIP")),
                from("IPS", field("status.podIPs")),
                // valueFrom results are not expanded.
                from("VF", cm_key("cfg", "mode", None)),
                EnvVar {
                    name: "EMPTY".into(),
                    value: None,
                    value_from: None,
                },
            ]),
            ..Default::default()
        };
        assert_eq!(
            env_of(c).unwrap(),
            pairs(&[
                ("A", "3"),
                ("B", "1-2"),
                ("C", "$(LATER) $(A)"),
                ("LATER", "x"),
                ("POD", "oneshot-abcde"),
                ("JOB", "oneshot"),
                ("NOPE", ""),
                ("ANN", "b"),
                ("NS", "team"),
                ("UID", "0123456789abcdef"),
                ("SA", "default"),
                ("NODE", ""),
                ("IP", "172.17.0.5"),
                ("IPS", "172.17.0.5"),
                ("VF", "fast"),
                ("EMPTY", ""),
            ])
        );
    }

    #[test]
    fn env_from_first_with_prefix_then_env_overrides_and_expands() {
        let c = Container {
            env_from: Some(vec![
                EnvFromSource {
                    config_map_ref: Some(ConfigMapEnvSource {
                        name: "cfg".into(),
                        optional: None,
                    }),
                    prefix: Some("CFG_".into()),
                    secret_ref: None,
                },
                EnvFromSource {
                    secret_ref: Some(SecretEnvSource {
                        name: "creds".into(),
                        optional: None,
                    }),
                    ..Default::default()
                },
                EnvFromSource {
                    config_map_ref: Some(ConfigMapEnvSource {
                        name: "absent".into(),
                        optional: Some(true),
                    }),
                    ..Default::default()
                },
            ]),
            env: Some(vec![
                lit("CFG_mode", "slow"),
                lit("URL", "http://x?level=$(CFG_level)&p=$(password)"),
            ]),
            ..Default::default()
        };
        assert_eq!(
            env_of(c).unwrap(),
            pairs(&[
                // "1bad=" skipped: `=` cannot be in a name; binaryData is not in env.
                ("CFG_level", "3"),
                ("CFG_mode", "slow"),
                ("password", "s3cret"),
                ("raw", "a\u{fffd}b"),
                ("URL", "http://x?level=3&p=s3cret"),
            ])
        );
    }

    #[test]
    fn missing_sources_name_the_object_and_key_like_the_kubelet() {
        let with = |vars: Vec<EnvVar>| {
            env_of(Container {
                env: Some(vars),
                ..Default::default()
            })
        };
        let missing = |s: &str| Err(ConfigError::Missing(s.into()));
        assert_eq!(
            with(vec![from("X", cm_key("nope", "k", None))]),
            missing("configmap \"nope\" not found")
        );
        assert_eq!(
            with(vec![from("X", cm_key("cfg", "k", None))]),
            missing("couldn't find key k in ConfigMap team/cfg")
        );
        assert_eq!(
            with(vec![from("X", secret_key("nope", "k", None))]),
            missing("secret \"nope\" not found")
        );
        assert_eq!(
            with(vec![from("X", secret_key("creds", "k", None))]),
            missing("couldn't find key k in Secret team/creds")
        );
        // binaryData is not readable through configMapKeyRef (the kubelet reads Data only).
        assert_eq!(
            with(vec![from("X", cm_key("cfg", "bin", None))]),
            missing("couldn't find key bin in ConfigMap team/cfg")
        );
        let env_from_missing = env_of(Container {
            env_from: Some(vec![EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: "gone".into(),
                    optional: Some(false),
                }),
                ..Default::default()
            }]),
            ..Default::default()
        });
        assert_eq!(env_from_missing, missing("secret \"gone\" not found"));
    }

    #[test]
    fn optional_references_leave_no_variable_and_keep_earlier_value() {
        let c = Container {
            env: Some(vec![
                lit("KEEP", "before"),
                from("KEEP", cm_key("cfg", "absent", Some(true))),
                from("GONE1", cm_key("nope", "k", Some(true))),
                from("GONE2", secret_key("creds", "absent", Some(true))),
                from("GONE3", secret_key("nope", "k", Some(true))),
                from("PW", secret_key("creds", "password", Some(true))),
            ]),
            ..Default::default()
        };
        assert_eq!(
            env_of(c).unwrap(),
            pairs(&[("KEEP", "before"), ("PW", "s3cret")])
        );
    }

    #[test]
    fn unsupported_sources_name_the_field() {
        let c = Container {
            env: Some(vec![lit("A", "1"), from("H", field("status.hostIP"))]),
            ..Default::default()
        };
        match env_of(c) {
            Err(ConfigError::Invalid { field, message }) => {
                assert_eq!(
                    field,
                    "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath"
                );
                assert!(message.contains("\"status.hostIP\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let c = Container {
            env: Some(vec![from("E", EnvVarSource::default())]),
            ..Default::default()
        };
        assert!(
            matches!(env_of(c), Err(ConfigError::Invalid { field, .. }) if field == "spec.containers[0].env[0].valueFrom")
        );
        let c = Container {
            env_from: Some(vec![EnvFromSource::default()]),
            ..Default::default()
        };
        assert!(
            matches!(env_of(c), Err(ConfigError::Invalid { field, .. }) if field == "spec.containers[0].envFrom[0]")
        );
        // The field path handed in is the one reported.
        let p = pod(Container::default());
        let init = Container {
            env: Some(vec![from("X", field("metadata.bogus"))]),
            ..Default::default()
        };
        let e = container_env(&p, &init, "spec.initContainers[2]", &sources(), None).unwrap_err();
        assert!(
            e.to_string().starts_with("spec.initContainers[2].env[0]"),
            "{e}"
        );
    }

    #[test]
    fn resource_field_refs_divide_and_round_up() {
        let rf = |resource: &str, divisor: Option<&str>, container: Option<&str>| EnvVarSource {
            resource_field_ref: Some(ResourceFieldSelector {
                resource: resource.into(),
                divisor: divisor.map(|d| KQ(d.into())),
                container_name: container.map(Into::into),
            }),
            ..Default::default()
        };
        let c = Container {
            name: "main".into(),
            resources: Some(ResourceRequirements {
                limits: Some(BTreeMap::from([
                    ("cpu".to_string(), KQ("1500m".into())),
                    ("memory".to_string(), KQ("64Mi".into())),
                ])),
                requests: Some(BTreeMap::from([("memory".to_string(), KQ("1Mi".into()))])),
                claims: None,
            }),
            env: Some(vec![
                from("CPU", rf("limits.cpu", None, None)),
                from("CPU_M", rf("limits.cpu", Some("1m"), None)),
                from("MEM_MI", rf("limits.memory", Some("1Mi"), None)),
                from("MEM", rf("limits.memory", None, Some("main"))),
                from("REQ_CPU", rf("requests.cpu", Some("1m"), None)),
                from("REQ_MEM", rf("requests.memory", Some("1k"), None)),
            ]),
            ..Default::default()
        };
        assert_eq!(
            env_of(c).unwrap(),
            pairs(&[
                ("CPU", "2"),
                ("CPU_M", "1500"),
                ("MEM_MI", "64"),
                ("MEM", "67108864"),
                ("REQ_CPU", "1500"),
                ("REQ_MEM", "1049"),
            ])
        );
        // No limit: the host's capacity, which is positive.
        let c = Container {
            env: Some(vec![
                from("CPU", rf("limits.cpu", Some("1m"), None)),
                from("MEM", rf("limits.memory", None, None)),
            ]),
            ..Default::default()
        };
        let env = env_of(c).unwrap();
        assert!(
            env.iter().all(|(_, v)| v.parse::<i64>().unwrap() > 0),
            "{env:?}"
        );
        let c = Container {
            env: Some(vec![from("X", rf("limits.gpu", None, None))]),
            ..Default::default()
        };
        assert!(matches!(env_of(c), Err(ConfigError::Invalid { .. })));
    }
}
