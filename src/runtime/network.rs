//! The namespace networks: one user-defined Docker bridge network per (engine, namespace).
//!
//! Docker's embedded DNS answers on user-defined networks only, and only for containers
//! attached to the same network, so one network per namespace is what makes a Service
//! name resolve inside its namespace and nowhere else. This module owns creating and
//! removing those networks; it must not decide which containers join them (the kubelet
//! attaches pods, the service proxy attaches itself).
//!
//! Networks carry `dockjob.io/engine` and `dockjob.io/namespace` labels like containers,
//! and their name includes a short engine id, so several engines on one dockerd (the
//! tests run many) each have their own `default` namespace network.

use std::collections::HashMap;

use bollard::models::NetworkCreateRequest;

use super::{Runtime, RuntimeError, status_code};
use crate::api::labels::docker as label;

/// How many characters of the engine id go into a network name: enough to keep the
/// engines sharing a dockerd apart, short enough to read in `docker network ls`.
const ENGINE_ID_CHARS: usize = 8;

/// Serializes create and remove of networks within this process. Docker (API 1.41
/// without `CheckDuplicate`, which bollard no longer sends) happily creates two networks
/// with one name when two creates race, and every network of an engine is created by
/// that engine's process only (the data-dir lock makes it one), so a process-wide lock
/// is what makes `ensure_network` safe under concurrent calls.
static NETWORK_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The Docker network of `namespace` for the engine `engine_id`:
/// `dockjob_<namespace>_<first 8 chars of the engine id>` (the same shape as container
/// names). Namespaces are DNS labels, so the name is always a valid Docker name.
pub fn network_name(engine_id: &str, namespace: &str) -> String {
    let short: String = engine_id.chars().take(ENGINE_ID_CHARS).collect();
    format!("dockjob_{namespace}_{short}")
}

/// True when a Docker error message says a network does not exist. A container create
/// racing with [`Runtime::remove_network_if_unused`] fails this way; the caller then
/// calls [`Runtime::ensure_network`] again and retries once.
pub fn is_network_missing(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("network") && m.contains("not found")
}

impl Runtime {
    /// The name of this engine's network for `namespace` (see [`network_name`]).
    pub fn network_name(&self, namespace: &str) -> String {
        network_name(self.engine_id(), namespace)
    }

    /// Creates the namespace's network if absent (a bridge labelled with the engine id
    /// and namespace) and returns its name. Idempotent and safe under concurrent calls:
    /// creations are serialized in the process, and a 409 (exists) counts as success.
    ///
    /// A network this engine saw or made is remembered, so a pod's create costs no
    /// inspect of it; one removed from outside makes the create fail, and the caller then
    /// calls [`Runtime::ensure_network_again`].
    pub async fn ensure_network(&self, namespace: &str) -> Result<String, RuntimeError> {
        let name = self.network_name(namespace);
        if self.known_networks().contains(&name) {
            return Ok(name);
        }
        let _guard = NETWORK_LOCK.lock().await;
        let docker = &self.inner.docker;
        match docker.inspect_network(&name, None).await {
            Ok(_) => {
                self.known_networks().insert(name.clone());
                return Ok(name);
            }
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(RuntimeError::docker(format!("inspect network {name}"), &e)),
        }
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            labels: Some(HashMap::from([
                (label::ENGINE.to_string(), self.engine_id().to_string()),
                (label::NAMESPACE.to_string(), namespace.to_string()),
            ])),
            ..Default::default()
        };
        match docker.create_network(request).await {
            Ok(_) => {}
            Err(e) if status_code(&e) == Some(409) => {}
            Err(e) => return Err(RuntimeError::docker(format!("create network {name}"), &e)),
        }
        self.known_networks().insert(name.clone());
        Ok(name)
    }

    /// [`Runtime::ensure_network`] after a create or start found the network missing:
    /// what was remembered of it is dropped first.
    pub async fn ensure_network_again(&self, namespace: &str) -> Result<String, RuntimeError> {
        self.forget_network(namespace);
        self.ensure_network(namespace).await
    }

    /// Drops what was remembered of the namespace's network (found missing).
    pub(super) fn forget_network(&self, namespace: &str) {
        self.known_networks().remove(&self.network_name(namespace));
    }

    fn known_networks(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.inner
            .networks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Removes the namespace's network once nothing uses it any more; called after a pod
    /// or a service proxy is removed. "Uses" means attached (a running container) or
    /// merely configured on it (a created, exited or restarting container of this engine
    /// in the namespace, which would fail to start again without its network). Not an
    /// error when the network is in use or already gone.
    pub async fn remove_network_if_unused(&self, namespace: &str) -> Result<(), RuntimeError> {
        let name = self.network_name(namespace);
        let _guard = NETWORK_LOCK.lock().await;
        let docker = &self.inner.docker;
        let inspect = match docker.inspect_network(&name, None).await {
            Ok(i) => i,
            Err(e) if status_code(&e) == Some(404) => return Ok(()),
            Err(e) => return Err(RuntimeError::docker(format!("inspect network {name}"), &e)),
        };
        if inspect.containers.as_ref().is_some_and(|c| !c.is_empty()) {
            return Ok(());
        }
        if self.namespace_has_containers(&name, namespace).await? {
            return Ok(());
        }
        // Forgotten before it goes: a create that finds it missing makes it again.
        self.known_networks().remove(&name);
        match docker.remove_network(&name).await {
            Ok(()) => Ok(()),
            // Gone already, or an endpoint appeared meanwhile (403 "has active endpoints"
            // on 20.10, 409 on newer daemons).
            Err(e) if matches!(status_code(&e), Some(403 | 404 | 409)) => Ok(()),
            Err(e) => Err(RuntimeError::docker(format!("remove network {name}"), &e)),
        }
    }

    /// Whether any container (any state) is configured on the network, or any container
    /// of this engine lives in the namespace.
    async fn namespace_has_containers(
        &self,
        network: &str,
        namespace: &str,
    ) -> Result<bool, RuntimeError> {
        let ours = self
            .list_our_containers(
                vec![format!("{}={namespace}", label::NAMESPACE)],
                "list containers",
            )
            .await?;
        if !ours.is_empty() {
            return Ok(true);
        }
        let by_network = HashMap::from([("network".to_string(), vec![network.to_string()])]);
        let on_network = self
            .list_containers_where(&by_network, "list containers")
            .await?;
        Ok(!on_network.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_has_namespace_and_short_engine_id() {
        assert_eq!(
            network_name("0123456789abcdef-0000", "team-a"),
            "dockjob_team-a_01234567"
        );
        assert_ne!(
            network_name("aaaaaaaa-1", "default"),
            network_name("bbbbbbbb-1", "default")
        );
    }

    #[test]
    fn missing_network_messages_are_recognized() {
        assert!(is_network_missing("network dockjob_x_1234 not found"));
        assert!(is_network_missing(
            "Error response from daemon: network abc not found"
        ));
        assert!(!is_network_missing("No such image: busybox"));
    }
}
