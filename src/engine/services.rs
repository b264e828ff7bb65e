//! Runs the Services: takes Service keys from the work queue, computes the endpoints
//! from the Service and its namespace's pods (`controller::endpoints`), and makes the
//! Service's proxy container exist with those endpoints (`runtime::service`). Writes the
//! proxy's IP into the Service as its `spec.clusterIP` (server-set, as the API server's
//! IP allocator does). Finishes a Service's deletion: proxy removed, then the record, then
//! the namespace network if nothing else uses it.
//!
//! Level-triggered like the other workers: every sync reads the Service and all pods
//! of its namespace and decides from them alone, so a crash at any point is repaired by
//! the next sync. At start (and every [`RESYNC`]) every Service is enqueued, and proxy
//! containers whose Service is gone are removed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use serde_json::Value;

use super::EngineError;
use super::jobs::Key;
use crate::api::kinds::Kind;
use crate::controller::endpoints;
use crate::controller::queue::WorkQueue;
use crate::runtime::Runtime;
use crate::runtime::service::endpoints_file;
use crate::store::{Store, StoreError};

/// How often every Service is synced even without a change: catches a proxy container
/// removed or re-addressed behind the engine's back (e.g. dockerd restarted).
pub const RESYNC: Duration = Duration::from_secs(30);
/// Retry delay after a failed sync, doubled per consecutive failure up to the maximum.
const RETRY_BASE: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);
/// A proxy that has no IP yet (just started) is looked at again this soon.
const NO_IP_RETRY: Duration = Duration::from_millis(500);

/// The Service worker.
#[derive(Clone)]
pub struct ServiceWorker {
    pub store: Store,
    pub runtime: Runtime,
    pub queue: WorkQueue<Key>,
    /// Proxy container -> the endpoints file last written to it, so an unchanged set
    /// of endpoints costs no Docker call. Empty after a restart: the first sync writes.
    written: Arc<Mutex<HashMap<String, String>>>,
    /// Consecutive failures per Service, for the retry backoff.
    failures: Arc<Mutex<HashMap<Key, u32>>>,
}

/// Every Service, into `queue`: at start, every [`RESYNC`], and after a watch fell behind.
pub fn enqueue_all(store: &Store, queue: &WorkQueue<Key>) {
    match store.list(Kind::Service, None, None) {
        Ok(services) => services
            .iter()
            .filter_map(key_of)
            .for_each(|k| queue.add(k)),
        Err(e) => tracing::error!(error = %e, "listing services failed"),
    }
}

/// The Services to sync when a pod changed: every Service of the pod's namespace. A
/// label change can move a pod out of a Service, and the watch carries only the new
/// labels, so matching the selector here would miss that.
pub fn keys_for_pod(store: &Store, pod: &Value) -> Vec<Key> {
    let Some(ns) = pod["metadata"]["namespace"].as_str() else {
        return Vec::new();
    };
    match store.list(Kind::Service, Some(ns), None) {
        Ok(services) => services.iter().filter_map(key_of).collect(),
        Err(e) => {
            tracing::error!(error = %e, namespace = ns, "listing services failed");
            Vec::new()
        }
    }
}

fn key_of(obj: &Value) -> Option<Key> {
    Some((
        obj["metadata"]["namespace"].as_str()?.to_string(),
        obj["metadata"]["name"].as_str()?.to_string(),
    ))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned map only means a panic mid-insert elsewhere; it is still a valid cache.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ServiceWorker {
    pub fn new(store: Store, runtime: Runtime, queue: WorkQueue<Key>) -> Self {
        ServiceWorker {
            store,
            runtime,
            queue,
            written: Arc::default(),
            failures: Arc::default(),
        }
    }

    /// Removes proxies whose Service is gone, then processes keys until the queue shuts
    /// down, with every Service enqueued again each [`RESYNC`].
    pub async fn run(self) {
        if let Err(e) = self.remove_orphans().await {
            tracing::warn!(error = %e, "removing proxies of deleted services failed");
        }
        enqueue_all(&self.store, &self.queue);
        let resync = {
            let (store, queue) = (self.store.clone(), self.queue.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RESYNC).await;
                    if queue.is_shut_down() {
                        return;
                    }
                    enqueue_all(&store, &queue);
                }
            })
        };
        while let Some(key) = self.queue.next().await {
            let started = std::time::Instant::now();
            let result = self.sync(&key).await;
            crate::metrics::reconciled("service", started.elapsed());
            match result {
                Ok(()) => {
                    lock(&self.failures).remove(&key);
                }
                Err(e) => {
                    let delay = {
                        let mut failures = lock(&self.failures);
                        let n = failures.entry(key.clone()).or_insert(0);
                        *n = n.saturating_add(1);
                        RETRY_BASE
                            .saturating_mul(1 << (*n - 1).min(6))
                            .min(RETRY_MAX)
                    };
                    tracing::warn!(namespace = %key.0, service = %key.1, error = %e,
                        retry_in_ms = delay.as_millis() as u64, "service sync failed; retrying");
                    self.queue.add_after(key.clone(), delay);
                }
            }
            self.queue.done(&key);
        }
        resync.abort();
    }

    /// One sync of one Service.
    pub async fn sync(&self, key: &Key) -> Result<(), EngineError> {
        let (ns, name) = key;
        let Some(value) = self.store.get(Kind::Service, ns, name)? else {
            // Gone without us (or already finished): make sure nothing is left.
            if self.runtime.remove_service_proxies(ns, name, None).await? > 0 {
                self.runtime.remove_network_if_unused(ns).await?;
            }
            self.forget(ns, name);
            return Ok(());
        };
        let service: Service = serde_json::from_value(value)
            .map_err(|e| EngineError::Corrupt(format!("service {ns}/{name}: {e}")))?;
        if service.metadata.deletion_timestamp.is_some() {
            return self.finish_deletion(ns, name).await;
        }
        let uid = service.metadata.uid.clone().unwrap_or_default();
        // A Service deleted and recreated under the same name: its old proxy goes.
        self.runtime
            .remove_service_proxies(ns, name, Some(&uid))
            .await?;

        let pods: Vec<Pod> = self
            .store
            .list(Kind::Pod, Some(ns), None)?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let text = endpoints_file(&endpoints::compute(&service, &pods));
        let proxy = self
            .runtime
            .ensure_service_proxy(ns, name, &uid, &text)
            .await?;
        let stale = lock(&self.written).get(&proxy.container) != Some(&text);
        if !proxy.created && stale {
            self.runtime
                .write_proxy_endpoints(&proxy.container, &text)
                .await?;
        }
        lock(&self.written).insert(proxy.container.clone(), text);

        match proxy.ip {
            Some(ip) => self.set_cluster_ip(ns, name, &uid, &ip)?,
            None => self.queue.add_after(key.clone(), NO_IP_RETRY),
        }
        Ok(())
    }

    /// Writes the proxy's IP as `spec.clusterIP`/`clusterIPs` (not for a headless
    /// Service, whose clusterIP stays `None`), and an empty load-balancer status as the
    /// API server shows for a ClusterIP Service. Nothing is written when unchanged.
    fn set_cluster_ip(&self, ns: &str, name: &str, uid: &str, ip: &str) -> Result<(), EngineError> {
        let result = self
            .store
            .update_with(Kind::Service, ns, name, |v: &mut Value| {
                if v["metadata"]["uid"].as_str() != Some(uid) || v["spec"]["clusterIP"] == "None" {
                    return Ok::<(), StoreError>(());
                }
                v["spec"]["clusterIP"] = Value::from(ip);
                v["spec"]["clusterIPs"] = serde_json::json!([ip]);
                if !v["status"].is_object() {
                    v["status"] = serde_json::json!({"loadBalancer": {}});
                }
                Ok(())
            });
        match result {
            Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The Service is marked for deletion: its proxy goes, then its record, then the
    /// namespace network if nothing else is on it.
    async fn finish_deletion(&self, ns: &str, name: &str) -> Result<(), EngineError> {
        self.runtime.remove_service_proxies(ns, name, None).await?;
        self.forget(ns, name);
        self.store.delete(Kind::Service, ns, name)?;
        self.runtime.remove_network_if_unused(ns).await?;
        Ok(())
    }

    /// Removes proxy containers whose Service (same namespace, name and uid) is not in
    /// the store: left by a crash between removing a record and its proxy, or by a
    /// Service deleted while the engine was down.
    async fn remove_orphans(&self) -> Result<(), EngineError> {
        let mut namespaces = Vec::new();
        for proxy in self.runtime.list_service_proxies(None).await? {
            let current = self
                .store
                .get(Kind::Service, &proxy.namespace, &proxy.service)?;
            let live = current
                .as_ref()
                .is_some_and(|v| v["metadata"]["uid"].as_str() == Some(proxy.uid.as_str()));
            if !live {
                tracing::info!(container = %proxy.container, "removing the proxy of a deleted service");
                self.runtime
                    .remove_proxy_container(&proxy.container)
                    .await?;
                namespaces.push(proxy.namespace);
            }
        }
        namespaces.dedup();
        for ns in namespaces {
            self.runtime.remove_network_if_unused(&ns).await?;
        }
        Ok(())
    }

    fn forget(&self, ns: &str, name: &str) {
        // The name with an empty uid is the prefix every proxy of this Service shares.
        let prefix = crate::runtime::service::proxy_container_name(ns, name, "");
        lock(&self.written).retain(|container, _| !container.starts_with(&prefix));
    }
}
