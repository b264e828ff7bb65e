//! The endpoints controller as a pure function: a Service and its namespace's pods ->
//! the endpoints of each service port.
//!
//! Follows Kubernetes' endpoints/EndpointSlice controllers: a pod is an endpoint when
//! the Service's `spec.selector` matches its labels (a Service without selector has none:
//! its endpoints are the user's business), it is not terminal (Succeeded/Failed), it has
//! a pod IP and it is not terminating (`deletionTimestamp`); it is *ready* when its
//! `Ready` condition is True (or the Service sets `publishNotReadyAddresses`). The port
//! is the service port's `targetPort`: a number as is, a name resolved per pod through
//! its containers' `ports[].name` with the same protocol (`podutil.FindPort`); a pod
//! without that named port is no endpoint of that service port.
//!
//! Owns the decision only: it must not do I/O. The engine hands the ready endpoints to
//! the Service's proxy.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, Service, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// One endpoint of one service port: a pod's IP and the port resolved for that pod.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: String,
    pub port: i32,
    /// The pod's name (the endpoint's targetRef), for messages and `describe`.
    pub pod: String,
}

/// The endpoints of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortEndpoints {
    /// The service port's name (empty for a single unnamed port).
    pub name: String,
    /// The service `port`: where the proxy listens.
    pub port: i32,
    /// `TCP`, `UDP` or `SCTP` (the API accepts TCP only for now).
    pub protocol: String,
    /// Endpoints that get traffic, sorted by IP then pod name (Kubernetes' order).
    pub ready: Vec<Endpoint>,
    /// Endpoints of pods that are running but not ready, same order.
    pub not_ready: Vec<Endpoint>,
}

/// The endpoints of every service port of `service`, in the order of `spec.ports`.
/// `pods` are the pods of the Service's namespace (others are ignored).
pub fn compute(service: &Service, pods: &[Pod]) -> Vec<PortEndpoints> {
    let spec = service.spec.clone().unwrap_or_default();
    let namespace = service.metadata.namespace.as_deref().unwrap_or("default");
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false);
    let members: Vec<&Pod> = match spec.selector.as_ref().filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(selector) => pods
            .iter()
            .filter(|p| p.metadata.namespace.as_deref().unwrap_or("default") == namespace)
            .filter(|p| selects(selector, p))
            .filter(|p| should_be_in_endpoints(p, publish_not_ready))
            .collect(),
    };
    spec.ports
        .unwrap_or_default()
        .iter()
        .map(|sp| {
            let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
            let mut out = PortEndpoints {
                name: sp.name.clone().unwrap_or_default(),
                port: sp.port,
                protocol,
                ready: Vec::new(),
                not_ready: Vec::new(),
            };
            for pod in &members {
                let Some(port) = find_port(pod, sp) else {
                    continue;
                };
                let endpoint = Endpoint {
                    ip: pod_ip(pod).unwrap_or_default().to_string(),
                    port,
                    pod: pod.metadata.name.clone().unwrap_or_default(),
                };
                let terminating = pod.metadata.deletion_timestamp.is_some();
                if publish_not_ready || (is_ready(pod) && !terminating) {
                    out.ready.push(endpoint);
                } else {
                    out.not_ready.push(endpoint);
                }
            }
            out.ready.sort();
            out.not_ready.sort();
            out
        })
        .collect()
}

/// Whether a Service selector (a plain label map) selects the pod: every pair present.
pub fn selects(selector: &BTreeMap<String, String>, pod: &Pod) -> bool {
    let labels = pod.metadata.labels.as_ref();
    selector
        .iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// `endpointsliceutil.ShouldPodBeInEndpoints`: not terminal, has an IP, and not
/// terminating unless terminating pods are wanted.
fn should_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Succeeded" | "Failed")) {
        return false;
    }
    if pod_ip(pod).is_none() {
        return false;
    }
    include_terminating || pod.metadata.deletion_timestamp.is_none()
}

/// `status.podIP`, or the first of `status.podIPs`.
pub fn pod_ip(pod: &Pod) -> Option<&str> {
    let status = pod.status.as_ref()?;
    status
        .pod_ip
        .as_deref()
        .filter(|ip| !ip.is_empty())
        .or_else(|| {
            status
                .pod_ips
                .as_ref()?
                .iter()
                .map(|p| p.ip.as_str())
                .find(|ip| !ip.is_empty())
        })
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// `podutil.FindPort`: the pod's port for a service port. A numeric targetPort is taken
/// as is (unset means the service port, as defaulting does); a named one is looked up in
/// the containers' ports (and restartable init containers', i.e. sidecars) by name and
/// protocol.
pub fn find_port(pod: &Pod, service_port: &ServicePort) -> Option<i32> {
    match &service_port.target_port {
        None => Some(service_port.port),
        Some(IntOrString::Int(0)) => Some(service_port.port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => {
            let protocol = service_port.protocol.as_deref().unwrap_or("TCP");
            let spec = pod.spec.as_ref()?;
            let sidecars = spec
                .init_containers
                .iter()
                .flatten()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"));
            spec.containers
                .iter()
                .chain(sidecars)
                .find_map(|c| named_port(c, name, protocol))
        }
    }
}

fn named_port(container: &Container, name: &str, protocol: &str) -> Option<i32> {
    container.ports.iter().flatten().find_map(|p| {
        (p.name.as_deref() == Some(name) && p.protocol.as_deref().unwrap_or("TCP") == protocol)
            .then_some(p.container_port)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(v: serde_json::Value) -> Service {
        serde_json::from_value(v).unwrap()
    }

    fn web_service() -> Service {
        service(json!({
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [
                    {"name": "http", "port": 80, "targetPort": 9376, "protocol": "TCP"},
                    {"name": "named", "port": 81, "targetPort": "serve", "protocol": "TCP"}
                ]
            }
        }))
    }

    /// A pod in `ns` labelled app=<app>, with a container port named `serve`.
    fn pod(name: &str, app: &str, ip: Option<&str>, phase: &str, ready: bool) -> Pod {
        let mut status = json!({
            "phase": phase,
            "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]
        });
        if let Some(ip) = ip {
            status["podIP"] = json!(ip);
        }
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ns", "labels": {"app": app, "x": "y"}},
            "spec": {"containers": [{
                "name": "c", "image": "i",
                "ports": [{"name": "serve", "containerPort": 8080, "protocol": "TCP"}]
            }]},
            "status": status
        }))
        .unwrap()
    }

    fn ready_ips(p: &PortEndpoints) -> Vec<(String, i32)> {
        p.ready.iter().map(|e| (e.ip.clone(), e.port)).collect()
    }

    #[test]
    fn selected_running_ready_pods_are_endpoints_sorted_by_ip() {
        let pods = vec![
            pod("b", "web", Some("172.18.0.9"), "Running", true),
            pod("a", "web", Some("172.18.0.10"), "Running", true),
            pod("other", "db", Some("172.18.0.11"), "Running", true),
        ];
        let eps = compute(&web_service(), &pods);
        assert_eq!(eps.len(), 2);
        assert_eq!(eps[0].name, "http");
        assert_eq!(eps[0].port, 80);
        assert_eq!(eps[0].protocol, "TCP");
        // Byte order of the IP string, as Kubernetes sorts.
        assert_eq!(
            ready_ips(&eps[0]),
            vec![("172.18.0.10".into(), 9376), ("172.18.0.9".into(), 9376)]
        );
        assert_eq!(eps[0].ready[0].pod, "a");
        assert!(eps[0].not_ready.is_empty());
    }

    #[test]
    fn named_target_port_resolves_per_pod() {
        let mut other = pod("p2", "web", Some("10.0.0.2"), "Running", true);
        other.spec.as_mut().unwrap().containers[0]
            .ports
            .as_mut()
            .unwrap()[0]
            .container_port = 9090;
        let mut unnamed = pod("p3", "web", Some("10.0.0.3"), "Running", true);
        unnamed.spec.as_mut().unwrap().containers[0].ports = None;
        let pods = vec![
            pod("p1", "web", Some("10.0.0.1"), "Running", true),
            other,
            unnamed,
        ];
        let eps = compute(&web_service(), &pods);
        assert_eq!(
            ready_ips(&eps[1]),
            vec![("10.0.0.1".into(), 8080), ("10.0.0.2".into(), 9090)]
        );
        // The numeric port still has all three.
        assert_eq!(eps[0].ready.len(), 3);
    }

    #[test]
    fn named_port_needs_the_same_protocol() {
        let mut p = pod("p", "web", Some("10.0.0.1"), "Running", true);
        p.spec.as_mut().unwrap().containers[0]
            .ports
            .as_mut()
            .unwrap()[0]
            .protocol = Some("UDP".into());
        let eps = compute(&web_service(), &[p]);
        assert!(eps[1].ready.is_empty());
        assert_eq!(eps[0].ready.len(), 1);
    }

    #[test]
    fn sidecar_ports_count_plain_init_containers_do_not() {
        let mut p = pod("p", "web", Some("10.0.0.1"), "Running", true);
        let spec = p.spec.as_mut().unwrap();
        spec.containers[0].ports = None;
        let mut init = spec.containers[0].clone();
        init.name = "init".into();
        init.ports = Some(vec![
            serde_json::from_value(json!({"name": "serve", "containerPort": 7000})).unwrap(),
        ]);
        spec.init_containers = Some(vec![init.clone()]);
        assert_eq!(
            find_port(&p, &web_service().spec.unwrap().ports.unwrap()[1]),
            None
        );
        init.restart_policy = Some("Always".into());
        p.spec.as_mut().unwrap().init_containers = Some(vec![init]);
        assert_eq!(
            find_port(&p, &web_service().spec.unwrap().ports.unwrap()[1]),
            Some(7000)
        );
    }

    #[test]
    fn pods_without_ip_terminal_or_terminating_are_left_out() {
        let mut terminating = pod("t", "web", Some("10.0.0.4"), "Running", true);
        terminating.metadata.deletion_timestamp =
            Some(serde_json::from_value(json!("2026-01-01T00:00:00Z")).unwrap());
        let pods = vec![
            pod("pending", "web", None, "Pending", false),
            pod("done", "web", Some("10.0.0.2"), "Succeeded", false),
            pod("failed", "web", Some("10.0.0.3"), "Failed", false),
            terminating,
        ];
        let eps = compute(&web_service(), &pods);
        assert!(eps[0].ready.is_empty());
        assert!(eps[0].not_ready.is_empty());
    }

    #[test]
    fn running_but_not_ready_is_not_ready() {
        let eps = compute(
            &web_service(),
            &[pod("p", "web", Some("10.0.0.1"), "Running", false)],
        );
        assert!(eps[0].ready.is_empty());
        assert_eq!(eps[0].not_ready[0].ip, "10.0.0.1");
    }

    #[test]
    fn publish_not_ready_addresses_makes_every_candidate_ready() {
        let mut svc = web_service();
        svc.spec.as_mut().unwrap().publish_not_ready_addresses = Some(true);
        let eps = compute(&svc, &[pod("p", "web", Some("10.0.0.1"), "Running", false)]);
        assert_eq!(eps[0].ready.len(), 1);
    }

    #[test]
    fn no_selector_or_empty_selector_means_no_endpoints() {
        let pods = vec![pod("p", "web", Some("10.0.0.1"), "Running", true)];
        let mut svc = web_service();
        svc.spec.as_mut().unwrap().selector = None;
        assert!(compute(&svc, &pods).iter().all(|p| p.ready.is_empty()));
        svc.spec.as_mut().unwrap().selector = Some(BTreeMap::new());
        assert!(compute(&svc, &pods).iter().all(|p| p.ready.is_empty()));
    }

    #[test]
    fn pods_of_other_namespaces_are_ignored() {
        let mut p = pod("p", "web", Some("10.0.0.1"), "Running", true);
        p.metadata.namespace = Some("elsewhere".into());
        assert!(compute(&web_service(), &[p])[0].ready.is_empty());
    }

    #[test]
    fn unset_target_port_is_the_port_and_pod_ips_is_a_fallback() {
        let svc = service(json!({
            "metadata": {"name": "s", "namespace": "ns"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 8080}]}
        }));
        let mut p = pod("p", "web", None, "Running", true);
        p.status.as_mut().unwrap().pod_ips = Some(vec![
            serde_json::from_value(json!({"ip": "10.0.0.7"})).unwrap(),
        ]);
        let eps = compute(&svc, &[p]);
        assert_eq!(ready_ips(&eps[0]), vec![("10.0.0.7".into(), 8080)]);
        assert_eq!(eps[0].name, "");
        assert_eq!(eps[0].protocol, "TCP");
    }

    #[test]
    fn selector_needs_every_pair() {
        let p = pod("p", "web", None, "Running", true);
        let sel = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(selects(&sel(&[("app", "web")]), &p));
        assert!(selects(&sel(&[("app", "web"), ("x", "y")]), &p));
        assert!(!selects(&sel(&[("app", "web"), ("x", "z")]), &p));
        assert!(!selects(&sel(&[("missing", "")]), &p));
    }
}
