//! The ConfigMaps and Secrets a pod needs before its containers can be made, and the
//! error a pod gets when they cannot be resolved.
//!
//! Pure: the engine fetches the objects named by [`referenced`] from the store and hands
//! them over as [`PodSources`]; nothing here reads the store or talks to Docker.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret};

/// The ConfigMaps and Secrets a pod refers to, fetched from the store by the engine before
/// the pod's containers are made. Keyed by object name (all in the pod's namespace); an
/// absent name means the object does not exist.
#[derive(Debug, Clone, Default)]
pub struct PodSources {
    pub config_maps: BTreeMap<String, ConfigMap>,
    pub secrets: BTreeMap<String, Secret>,
}

/// A pod that cannot be configured yet or at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The kubelet's CreateContainerConfigError (or, for volumes, its FailedMount): a
    /// missing non-optional ConfigMap/Secret or key, a root user under runAsNonRoot. The
    /// pod stays Pending/waiting with this message and is retried when the object
    /// appears. The message is the kubelet's, e.g. `configmap "x" not found`.
    #[error("{0}")]
    Missing(String),
    /// A field that cannot be mapped or is invalid: the pod fails to start
    /// (CreateContainerError-like), naming the field path.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

impl ConfigError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The pod's namespace, `default` when unset (as the API server defaults it).
pub(crate) fn namespace(pod: &Pod) -> &str {
    pod.metadata
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
}

/// Every container of the pod with its field path (`spec.initContainers[i]` first, then
/// `spec.containers[i]`), in the order the kubelet starts them.
pub(crate) fn all_containers(pod: &Pod) -> Vec<(String, &Container)> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| (format!("spec.initContainers[{i}]"), c));
    let app = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("spec.containers[{i}]"), c));
    init.chain(app).collect()
}

/// A Secret's values as the API server serves them: `data`, with `stringData` merged over
/// it (the API server folds `stringData` into `data` on write; a stored object that still
/// carries it is read the same way).
pub fn secret_data(secret: &Secret) -> BTreeMap<String, Vec<u8>> {
    let mut out: BTreeMap<String, Vec<u8>> = secret
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    for (k, v) in secret.string_data.iter().flatten() {
        out.insert(k.clone(), v.as_bytes().to_vec());
    }
    out
}

/// Names of the ConfigMaps and Secrets the pod refers to (env, envFrom, volumes of init and
/// app containers), so the engine knows what to fetch.
pub fn referenced(pod: &Pod) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut config_maps = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    for (_, c) in all_containers(pod) {
        for from in c.env_from.iter().flatten() {
            if let Some(r) = &from.config_map_ref {
                config_maps.insert(r.name.clone());
            }
            if let Some(r) = &from.secret_ref {
                secrets.insert(r.name.clone());
            }
        }
        for var in c.env.iter().flatten() {
            let Some(from) = &var.value_from else {
                continue;
            };
            if let Some(r) = &from.config_map_key_ref {
                config_maps.insert(r.name.clone());
            }
            if let Some(r) = &from.secret_key_ref {
                secrets.insert(r.name.clone());
            }
        }
    }
    for v in pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .into_iter()
        .flatten()
    {
        if let Some(cm) = &v.config_map {
            config_maps.insert(cm.name.clone());
        }
        if let Some(name) = v.secret.as_ref().and_then(|s| s.secret_name.as_ref()) {
            secrets.insert(name.clone());
        }
    }
    config_maps.remove("");
    secrets.remove("");
    (config_maps, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::{
        ConfigMapEnvSource, ConfigMapKeySelector, ConfigMapVolumeSource, EnvFromSource, EnvVar,
        EnvVarSource, PodSpec, SecretEnvSource, SecretKeySelector, SecretVolumeSource, Volume,
    };

    #[test]
    fn referenced_covers_env_envfrom_volumes_and_init_containers() {
        let init = Container {
            name: "init".into(),
            env_from: Some(vec![EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: "init-secret".into(),
                    optional: None,
                }),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let app = Container {
            name: "app".into(),
            env_from: Some(vec![EnvFromSource {
                config_map_ref: Some(ConfigMapEnvSource {
                    name: "cm-from".into(),
                    optional: Some(true),
                }),
                ..Default::default()
            }]),
            env: Some(vec![
                EnvVar {
                    name: "A".into(),
                    value: Some("x".into()),
                    value_from: None,
                },
                EnvVar {
                    name: "B".into(),
                    value: None,
                    value_from: Some(EnvVarSource {
                        config_map_key_ref: Some(ConfigMapKeySelector {
                            name: "cm-key".into(),
                            key: "k".into(),
                            optional: None,
                        }),
                        ..Default::default()
                    }),
                },
                EnvVar {
                    name: "C".into(),
                    value: None,
                    value_from: Some(EnvVarSource {
                        secret_key_ref: Some(SecretKeySelector {
                            name: "s-key".into(),
                            key: "k".into(),
                            optional: None,
                        }),
                        ..Default::default()
                    }),
                },
            ]),
            ..Default::default()
        };
        let pod = Pod {
            spec: Some(PodSpec {
                init_containers: Some(vec![init]),
                containers: vec![app],
                volumes: Some(vec![
                    Volume {
                        name: "v1".into(),
                        config_map: Some(ConfigMapVolumeSource {
                            name: "cm-vol".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    Volume {
                        name: "v2".into(),
                        secret: Some(SecretVolumeSource {
                            secret_name: Some("s-vol".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let (cms, secrets) = referenced(&pod);
        assert_eq!(
            cms.into_iter().collect::<Vec<_>>(),
            ["cm-from", "cm-key", "cm-vol"]
        );
        assert_eq!(
            secrets.into_iter().collect::<Vec<_>>(),
            ["init-secret", "s-key", "s-vol"]
        );
        assert_eq!(referenced(&Pod::default()), Default::default());
    }

    #[test]
    fn secret_data_merges_string_data_over_data() {
        let s = Secret {
            data: Some(BTreeMap::from([
                ("a".to_string(), ByteString(b"1".to_vec())),
                ("b".to_string(), ByteString(vec![0xff, 0])),
            ])),
            string_data: Some(BTreeMap::from([("a".to_string(), "2".to_string())])),
            ..Default::default()
        };
        let d = secret_data(&s);
        assert_eq!(d["a"], b"2");
        assert_eq!(d["b"], vec![0xff, 0]);
    }

    #[test]
    fn error_display() {
        assert_eq!(
            ConfigError::Missing("configmap \"x\" not found".into()).to_string(),
            "configmap \"x\" not found"
        );
        assert_eq!(
            ConfigError::invalid("spec.volumes[0]", "bad").to_string(),
            "spec.volumes[0]: bad"
        );
    }
}
