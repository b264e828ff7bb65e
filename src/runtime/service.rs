//! Service proxies: one `dockjob/svcproxy:1` container per Service, on the namespace's
//! network under the Service's DNS names, forwarding each service port to the ready
//! endpoints the engine computed.
//!
//! Why a proxy rather than DNS aliases on the pods: Docker cannot add an alias to a
//! running container (only disconnect/reconnect, which breaks its connections), a
//! Service's `port` may differ from the pods' `targetPort` (named per pod, even), and a
//! Service must resolve before any pod exists. The proxy container carries the aliases
//! `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc` and `<svc>.<ns>.svc.cluster.local` from its
//! creation, so every pod on the network resolves the name whenever it was created, and
//! its IP is the Service's clusterIP.
//!
//! The endpoints reach the proxy as a file uploaded with Docker's archive API (the
//! engine may run where the Docker host's paths are not its own, so no bind mount); the
//! proxy re-reads it and accepts only a complete file (see `images/svcproxy/src/config.rs`
//! for the format, which [`endpoints_file`] writes).
//!
//! Owns the proxy containers; must not decide endpoints (the engine does, with
//! `controller::endpoints`) nor touch pod containers.

use std::collections::HashMap;
use std::fmt::Write as _;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerStateStatusEnum, EndpointSettings,
    HostConfig, NetworkingConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};

use super::{Runtime, RuntimeError, status_code};
use crate::api::labels::docker as label;
use crate::controller::endpoints::PortEndpoints;

/// The proxy image, built locally by `scripts/build-images svcproxy` (never pulled).
pub const PROXY_IMAGE: &str = "dockjob/svcproxy:1";
/// Label with the Service's name on its proxy container.
pub const SERVICE_LABEL: &str = "dockjob.io/service";
/// Label with the Service's uid: a proxy whose uid is not the stored Service's is stale.
pub const SERVICE_UID_LABEL: &str = "dockjob.io/service-uid";
/// Directory of the endpoints file inside the proxy (exists in the image).
const CONFIG_DIR: &str = "/config";
/// The endpoints file's name in [`CONFIG_DIR`].
const CONFIG_FILE: &str = "endpoints";

/// A proxy container as Docker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyState {
    /// The container's name.
    pub container: String,
    /// Its IP on the namespace network (the Service's clusterIP); None while stopped.
    pub ip: Option<String>,
    /// True when this call created it (the endpoints file was written with it).
    pub created: bool,
}

/// A proxy container found by label, for reconciling after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRef {
    pub container: String,
    pub namespace: String,
    pub service: String,
    pub uid: String,
}

/// `dockjob_svc_<service>_<namespace>_<uid8>`: readable, and unique per Service object,
/// so a Service deleted and recreated under the same name gets a new proxy.
pub fn proxy_container_name(namespace: &str, service: &str, uid: &str) -> String {
    let short: String = uid.chars().take(8).collect();
    format!("dockjob_svc_{service}_{namespace}_{short}")
}

/// The names the Service answers to on its namespace network: what a pod's resolver
/// would try for `<svc>` with Kubernetes' search path, spelled out (Docker's DNS has no
/// search path of its own).
pub fn dns_aliases(namespace: &str, service: &str) -> Vec<String> {
    vec![
        service.to_string(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// The endpoints file for the proxy: one `port` line per TCP service port with its
/// ready endpoints, then `end` (the proxy ignores a file without it: a partial upload).
/// Endpoints whose IP is not IPv4 or whose port is out of range are left out.
pub fn endpoints_file(ports: &[PortEndpoints]) -> String {
    let mut out = String::from("# dockjob svcproxy endpoints\n");
    for p in ports.iter().filter(|p| p.protocol == "TCP") {
        let Ok(port) = u16::try_from(p.port) else {
            continue;
        };
        if port == 0 {
            continue;
        }
        let _ = write!(out, "port {port}");
        for e in &p.ready {
            let valid_ip = e.ip.parse::<std::net::Ipv4Addr>().is_ok();
            if let (true, Ok(target @ 1..)) = (valid_ip, u16::try_from(e.port)) {
                let _ = write!(out, " {}:{target}", e.ip);
            }
        }
        out.push('\n');
    }
    out.push_str("end\n");
    out
}

/// A one-file tar archive (ustar), what Docker's archive upload takes. Hand-written:
/// one regular file needs a 512-byte header, the data padded to 512, and two zero blocks.
pub fn single_file_tar(name: &str, data: &[u8], mode: u32) -> Vec<u8> {
    let mut header = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, bytes: &[u8]| {
        h[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(&mut header, 0, &name.as_bytes()[..name.len().min(100)]);
    put(&mut header, 100, format!("{mode:07o}\0").as_bytes());
    put(&mut header, 108, b"0000000\0");
    put(&mut header, 116, b"0000000\0");
    put(
        &mut header,
        124,
        format!("{:011o}\0", data.len()).as_bytes(),
    );
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    put(&mut header, 136, format!("{mtime:011o}\0").as_bytes());
    put(&mut header, 148, b"        ");
    header[156] = b'0';
    put(&mut header, 257, b"ustar\0");
    put(&mut header, 263, b"00");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    put(&mut header, 148, format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

impl Runtime {
    /// Makes the Service's proxy exist and run, and returns its state. A new proxy is
    /// created with `endpoints` (the [`endpoints_file`] text) in place before it starts;
    /// an existing one is only started if it is not running (its endpoints are the
    /// caller's to update with [`Runtime::write_proxy_endpoints`]). Idempotent.
    pub async fn ensure_service_proxy(
        &self,
        namespace: &str,
        service: &str,
        uid: &str,
        endpoints: &str,
    ) -> Result<ProxyState, RuntimeError> {
        let name = proxy_container_name(namespace, service, uid);
        let network = self.network_name(namespace);
        let mut created = false;
        let inspect = match self.inspect(&name).await? {
            Some(i) => i,
            None => {
                created = self.create_proxy(&name, namespace, service, uid).await?;
                if created {
                    self.write_proxy_endpoints(&name, endpoints).await?;
                }
                self.inspect(&name)
                    .await?
                    .ok_or_else(|| RuntimeError::Docker {
                        what: format!("create {name}"),
                        message: "the proxy container vanished right after its creation".into(),
                    })?
            }
        };
        let status = inspect
            .state
            .as_ref()
            .and_then(|s| s.status)
            .unwrap_or(ContainerStateStatusEnum::EMPTY);
        let inspect = if matches!(
            status,
            ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::RESTARTING
        ) {
            inspect
        } else {
            self.start_proxy(&name, namespace).await?;
            self.inspect(&name).await?.unwrap_or(inspect)
        };
        Ok(ProxyState {
            container: name,
            ip: ip_on(&inspect, &network),
            created,
        })
    }

    /// Creates the proxy container (not started); false when it existed already (a
    /// concurrent create). Retries once when the namespace network vanished in between
    /// (a concurrent `remove_network_if_unused`).
    async fn create_proxy(
        &self,
        name: &str,
        namespace: &str,
        service: &str,
        uid: &str,
    ) -> Result<bool, RuntimeError> {
        match self.inner.docker.inspect_image(PROXY_IMAGE).await {
            Ok(_) => {}
            Err(e) if status_code(&e) == Some(404) => {
                return Err(RuntimeError::Docker {
                    what: format!("create {name}"),
                    message: format!(
                        "the Service proxy image {PROXY_IMAGE} is not present; build it with `scripts/build-images svcproxy`"
                    ),
                });
            }
            Err(e) => {
                return Err(RuntimeError::docker(
                    format!("inspect image {PROXY_IMAGE}"),
                    &e,
                ));
            }
        }
        for attempt in 0..2 {
            let network = self.ensure_network(namespace).await?;
            let config = proxy_config(self.engine_id(), &network, namespace, service, uid);
            let options = CreateContainerOptionsBuilder::new().name(name).build();
            match self
                .inner
                .docker
                .create_container(Some(options), config)
                .await
            {
                Ok(_) => return Ok(true),
                Err(e) if status_code(&e) == Some(409) => return Ok(false),
                Err(e)
                    if attempt == 0 && super::network::is_network_missing(&super::one_line(&e)) =>
                {
                    self.forget_network(namespace);
                }
                Err(e) => return Err(RuntimeError::docker(format!("create {name}"), &e)),
            }
        }
        Err(RuntimeError::Docker {
            what: format!("create {name}"),
            message: "the namespace network kept disappearing".into(),
        })
    }

    async fn start_proxy(&self, name: &str, namespace: &str) -> Result<(), RuntimeError> {
        for attempt in 0..2 {
            match self.inner.docker.start_container(name, None).await {
                Ok(()) => return Ok(()),
                // Already running (started concurrently).
                Err(e) if status_code(&e) == Some(304) => return Ok(()),
                Err(e)
                    if attempt == 0 && super::network::is_network_missing(&super::one_line(&e)) =>
                {
                    self.ensure_network_again(namespace).await?;
                }
                Err(e) => return Err(RuntimeError::docker(format!("start {name}"), &e)),
            }
        }
        Ok(())
    }

    /// Replaces the proxy's endpoints file; the proxy picks it up within its poll
    /// interval (200 ms) without dropping open connections.
    pub async fn write_proxy_endpoints(
        &self,
        container: &str,
        endpoints: &str,
    ) -> Result<(), RuntimeError> {
        let tar = single_file_tar(CONFIG_FILE, endpoints.as_bytes(), 0o644);
        let options = UploadToContainerOptionsBuilder::new()
            .path(CONFIG_DIR)
            .build();
        self.inner
            .docker
            .upload_to_container(container, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(|e| RuntimeError::docker(format!("write endpoints of {container}"), &e))
    }

    /// Removes every proxy of the Service `namespace/service`, except the one of
    /// `keep_uid` when given (a Service recreated under the same name leaves its old
    /// proxy behind). Returns how many were removed. Missing is not an error.
    pub async fn remove_service_proxies(
        &self,
        namespace: &str,
        service: &str,
        keep_uid: Option<&str>,
    ) -> Result<usize, RuntimeError> {
        let mut removed = 0;
        for proxy in self
            .list_service_proxies(Some((namespace, service)))
            .await?
        {
            if Some(proxy.uid.as_str()) == keep_uid {
                continue;
            }
            self.remove_proxy_container(&proxy.container).await?;
            removed += 1;
        }
        Ok(removed)
    }

    /// Force-removes one proxy container; missing is not an error.
    pub async fn remove_proxy_container(&self, container: &str) -> Result<(), RuntimeError> {
        let options = RemoveContainerOptionsBuilder::new().force(true).build();
        match self
            .inner
            .docker
            .remove_container(container, Some(options))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if matches!(status_code(&e), Some(404 | 409)) => Ok(()),
            Err(e) => Err(RuntimeError::docker(format!("remove {container}"), &e)),
        }
    }

    /// This engine's proxy containers (all states), optionally of one Service.
    pub async fn list_service_proxies(
        &self,
        of: Option<(&str, &str)>,
    ) -> Result<Vec<ProxyRef>, RuntimeError> {
        let mut labels = vec![SERVICE_UID_LABEL.to_string()];
        if let Some((namespace, service)) = of {
            labels.push(format!("{}={namespace}", label::NAMESPACE));
            labels.push(format!("{SERVICE_LABEL}={service}"));
        }
        let list = self
            .list_our_containers(labels, "list service proxies")
            .await?;
        Ok(list
            .into_iter()
            .filter_map(|c| {
                let labels = c.labels.unwrap_or_default();
                let name = c.names?.first()?.trim_start_matches('/').to_string();
                Some(ProxyRef {
                    container: name,
                    namespace: labels.get(label::NAMESPACE)?.clone(),
                    service: labels.get(SERVICE_LABEL)?.clone(),
                    uid: labels.get(SERVICE_UID_LABEL)?.clone(),
                })
            })
            .collect())
    }
}

/// The proxy container: the svcproxy image on the namespace network with the Service's
/// aliases, restarted with dockerd (`unless-stopped`, like the pods' infra containers).
fn proxy_config(
    engine_id: &str,
    network: &str,
    namespace: &str,
    service: &str,
    uid: &str,
) -> ContainerCreateBody {
    let labels = HashMap::from([
        (label::ENGINE.to_string(), engine_id.to_string()),
        (label::NAMESPACE.to_string(), namespace.to_string()),
        (SERVICE_LABEL.to_string(), service.to_string()),
        (SERVICE_UID_LABEL.to_string(), uid.to_string()),
    ]);
    ContainerCreateBody {
        image: Some(PROXY_IMAGE.to_string()),
        hostname: Some(service.chars().take(63).collect()),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some(network.to_string()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            // Every container dockjob starts is held like a pod's: a pids limit and no
            // privilege escalation (the proxy needs none).
            pids_limit: super::translate::pids_limit(),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network.to_string(),
                EndpointSettings {
                    aliases: Some(dns_aliases(namespace, service)),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    }
}

/// The container's IP on `network`, if it is attached and has one.
fn ip_on(inspect: &ContainerInspectResponse, network: &str) -> Option<String> {
    inspect
        .network_settings
        .as_ref()?
        .networks
        .as_ref()?
        .get(network)?
        .ip_address
        .clone()
        .filter(|ip| !ip.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::endpoints::Endpoint;

    fn ep(ip: &str, port: i32) -> Endpoint {
        Endpoint {
            ip: ip.into(),
            port,
            pod: "p".into(),
        }
    }

    fn port(p: i32, protocol: &str, ready: Vec<Endpoint>) -> PortEndpoints {
        PortEndpoints {
            name: String::new(),
            port: p,
            protocol: protocol.into(),
            ready,
            not_ready: vec![ep("10.9.9.9", 1)],
        }
    }

    #[test]
    fn endpoints_file_lists_tcp_ports_with_ready_endpoints_only() {
        let text = endpoints_file(&[
            port(
                80,
                "TCP",
                vec![ep("172.18.0.3", 9376), ep("172.18.0.4", 8080)],
            ),
            port(443, "TCP", vec![]),
            port(53, "UDP", vec![ep("172.18.0.3", 53)]),
            port(81, "TCP", vec![ep("fd00::1", 80), ep("172.18.0.5", 0)]),
        ]);
        assert_eq!(
            text,
            "# dockjob svcproxy endpoints\nport 80 172.18.0.3:9376 172.18.0.4:8080\nport 443\nport 81\nend\n"
        );
        assert_eq!(endpoints_file(&[]), "# dockjob svcproxy endpoints\nend\n");
    }

    #[test]
    fn names_and_aliases() {
        assert_eq!(
            proxy_container_name("team", "web", "0123456789"),
            "dockjob_svc_web_team_01234567"
        );
        assert_eq!(
            dns_aliases("team", "web"),
            vec![
                "web",
                "web.team",
                "web.team.svc",
                "web.team.svc.cluster.local"
            ]
        );
    }

    #[test]
    fn proxy_config_joins_the_network_with_the_aliases_and_labels() {
        let c = proxy_config("eng1", "dockjob_team_eng1", "team", "web", "uid-1");
        let host = c.host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("dockjob_team_eng1"));
        assert_eq!(
            host.security_opt.as_deref(),
            Some(&["no-new-privileges".to_string()][..])
        );
        assert!(
            host.pids_limit.is_some_and(|n| n > 0),
            "{:?}",
            host.pids_limit
        );
        let eps = c.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(
            eps["dockjob_team_eng1"].aliases.as_ref().unwrap()[3],
            "web.team.svc.cluster.local"
        );
        let labels = c.labels.unwrap();
        assert_eq!(labels[label::ENGINE], "eng1");
        assert_eq!(labels[label::NAMESPACE], "team");
        assert_eq!(labels[SERVICE_LABEL], "web");
        assert_eq!(labels[SERVICE_UID_LABEL], "uid-1");
        // No pod uid: the kubelet's relist never mistakes a proxy for a pod.
        assert!(!labels.contains_key(label::POD_UID));
    }

    #[test]
    fn tar_has_a_valid_header_and_padding() {
        let tar = single_file_tar("endpoints", b"end\n", 0o644);
        assert_eq!(tar.len(), 512 + 512 + 1024);
        assert_eq!(&tar[0..9], b"endpoints");
        assert_eq!(&tar[124..136], b"00000000004\0");
        assert_eq!(&tar[257..263], b"ustar\0");
        assert_eq!(&tar[512..516], b"end\n");
        // The checksum is the byte sum with the checksum field read as spaces.
        let mut h = tar[..512].to_vec();
        let stored = u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        h[148..156].copy_from_slice(b"        ");
        assert_eq!(stored, h.iter().map(|b| u32::from(*b)).sum::<u32>());
    }
}
