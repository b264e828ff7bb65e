//! `describe service` (kubectl's `describeService`), with the `Endpoints:` line computed
//! from the pods the Service selects, as the EndpointSlice controller would list them:
//! dockjob keeps no EndpointSlices, so the describer is handed the namespace's pods.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod, Service, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::services::{format_labels, protocol, service_type};
use super::events::describe_events;
use super::{LEVEL_0, Writer, print_object_header};
use crate::api::selector::Selector;

/// formatEndpointSlices shows at most this many addresses, then `+ N more...`.
const MAX_ENDPOINTS: usize = 3;

/// `kubectl describe service`, as kubectl 1.32 lays it out. `pods` are the pods of the
/// Service's namespace (any; those its selector matches are picked here).
pub fn describe_service(svc: &Service, pods: &[Pod], events: &[Event], now: Timestamp) -> String {
    let mut w = Writer::new();
    let meta = &svc.metadata;
    let spec = svc.spec.clone().unwrap_or_default();
    print_object_header(&mut w, meta);
    w.write(
        LEVEL_0,
        &format!("Selector:\t{}\n", format_labels(spec.selector.as_ref())),
    );
    w.write(LEVEL_0, &format!("Type:\t{}\n", service_type(svc)));
    if let Some(policy) = &spec.ip_family_policy {
        w.write(LEVEL_0, &format!("IP Family Policy:\t{policy}\n"));
    }
    match spec.ip_families.as_ref().filter(|f| !f.is_empty()) {
        Some(f) => w.write(LEVEL_0, &format!("IP Families:\t{}\n", f.join(","))),
        None => w.write(LEVEL_0, "IP Families:\t<none>\n"),
    }
    let cluster_ip = spec.cluster_ip.clone().unwrap_or_default();
    w.write(LEVEL_0, &format!("IP:\t{cluster_ip}\n"));
    // The API server stores `clusterIPs` along with `clusterIP`; an object without the
    // list has the one address.
    let cluster_ips = spec
        .cluster_ips
        .clone()
        .filter(|ips| !ips.is_empty())
        .or_else(|| (!cluster_ip.is_empty()).then(|| vec![cluster_ip.clone()]));
    match cluster_ips {
        Some(ips) => w.write(LEVEL_0, &format!("IPs:\t{}\n", ips.join(","))),
        None => w.write(LEVEL_0, "IPs:\t<none>\n"),
    }
    if let Some(ext) = spec.external_ips.as_ref().filter(|e| !e.is_empty()) {
        w.write(LEVEL_0, &format!("External IPs:\t{}\n", ext.join(",")));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|s| !s.is_empty()) {
        w.write(LEVEL_0, &format!("Desired LoadBalancer IP:\t{ip}\n"));
    }
    if let Some(name) = spec.external_name.as_deref().filter(|s| !s.is_empty()) {
        w.write(LEVEL_0, &format!("External Name:\t{name}\n"));
    }
    for sp in spec.ports.iter().flatten() {
        let name = sp
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("<unset>");
        let proto = protocol(sp);
        w.write(LEVEL_0, &format!("Port:\t{name}\t{}/{proto}\n", sp.port));
        let target = match &sp.target_port {
            Some(IntOrString::Int(i)) => i.to_string(),
            Some(IntOrString::String(s)) => s.clone(),
            // The API server defaults targetPort to port.
            None => sp.port.to_string(),
        };
        w.write(LEVEL_0, &format!("TargetPort:\t{target}/{proto}\n"));
        if let Some(app) = &sp.app_protocol {
            w.write(LEVEL_0, &format!("AppProtocol:\t{app}\n"));
        }
        if let Some(node) = sp.node_port.filter(|n| *n != 0) {
            w.write(LEVEL_0, &format!("NodePort:\t{name}\t{node}/{proto}\n"));
        }
        w.write(
            LEVEL_0,
            &format!("Endpoints:\t{}\n", endpoints_line(svc, sp, pods)),
        );
    }
    let affinity = spec.session_affinity.as_deref().unwrap_or("None");
    w.write(LEVEL_0, &format!("Session Affinity:\t{affinity}\n"));
    if let Some(p) = spec
        .external_traffic_policy
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(LEVEL_0, &format!("External Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = &spec.internal_traffic_policy {
        w.write(LEVEL_0, &format!("Internal Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = spec.health_check_node_port.filter(|p| *p != 0) {
        w.write(LEVEL_0, &format!("HealthCheck NodePort:\t{p}\n"));
    }
    if let Some(r) = spec
        .load_balancer_source_ranges
        .as_ref()
        .filter(|r| !r.is_empty())
    {
        w.write(
            LEVEL_0,
            &format!("LoadBalancer Source Ranges:\t{}\n", r.join(",")),
        );
    }
    if let Some(t) = &spec.traffic_distribution {
        w.write(LEVEL_0, &format!("Traffic Distribution:\t{t}\n"));
    }
    describe_events(&mut w, events, now);
    w.finish()
}

/// `podutil.IsPodReady`: the pod's Ready condition is True.
fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

fn pod_ip(pod: &Pod) -> Option<String> {
    let status = pod.status.as_ref()?;
    status
        .pod_ip
        .clone()
        .filter(|ip| !ip.is_empty())
        .or_else(|| status.pod_ips.as_ref()?.first().map(|ip| ip.ip.clone()))
}

/// The pod's port for a Service port: a number as is, a name looked up among the
/// containers' ports (no match: the pod has no endpoint for that port).
fn target_port(sp: &ServicePort, pod: &Pod) -> Option<i32> {
    match &sp.target_port {
        None => Some(sp.port),
        Some(IntOrString::Int(i)) => Some(*i),
        Some(IntOrString::String(name)) => pod
            .spec
            .as_ref()?
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| p.container_port),
    }
}

/// `net.JoinHostPort`: IPv6 addresses in brackets.
fn join_host_port(ip: &str, port: i32) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// The `Endpoints:` value for one Service port, as kubectl's `formatEndpointSlices`
/// prints the slices the EndpointSlice controller keeps: `<none>` for a Service
/// without a selector (no slice at all), else the ready endpoints (a pod with an IP,
/// not being deleted, Ready; any with `publishNotReadyAddresses`) as `ip:port`, three
/// at most, in pod-name order.
pub fn endpoints_line(svc: &Service, sp: &ServicePort, pods: &[Pod]) -> String {
    let spec = svc.spec.clone().unwrap_or_default();
    let Some(selector_labels) = spec.selector.as_ref() else {
        return "<none>".to_string();
    };
    let Ok(selector) = Selector::from_labels(selector_labels) else {
        return "<none>".to_string();
    };
    let publish_not_ready = spec.publish_not_ready_addresses == Some(true);
    let ns = svc.metadata.namespace.as_deref().unwrap_or("");
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    for pod in pods {
        let meta = &pod.metadata;
        if meta.namespace.as_deref().unwrap_or("") != ns
            || meta.deletion_timestamp.is_some()
            || !selector.matches_opt(meta.labels.as_ref())
            || !(publish_not_ready || pod_ready(pod))
        {
            continue;
        }
        let (Some(ip), Some(port)) = (pod_ip(pod), target_port(sp, pod)) else {
            continue;
        };
        found.insert(
            meta.name.clone().unwrap_or_default(),
            join_host_port(&ip, port),
        );
    }
    let all: Vec<String> = found.into_values().collect();
    if all.len() > MAX_ENDPOINTS {
        format!(
            "{} + {} more...",
            all[..MAX_ENDPOINTS].join(","),
            all.len() - MAX_ENDPOINTS
        )
    } else {
        all.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::{Value, json};

    fn queue_service() -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": "queue", "namespace": "default",
                         "labels": {"app": "work-queue", "chapter": "jobs", "component": "queue"}},
            "spec": {"type": "ClusterIP", "clusterIP": "172.18.0.7",
                     "selector": {"app": "work-queue", "component": "queue"},
                     "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080}],
                     "sessionAffinity": "None"}
        }))
        .unwrap()
    }

    fn pod(name: &str, labels: Value, ip: Option<&str>, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "i",
                                     "ports": [{"name": "http", "containerPort": 9090}]}]},
            "status": {"phase": "Running", "podIP": ip,
                       "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        }))
        .unwrap()
    }

    fn queue_labels() -> Value {
        json!({"app": "work-queue", "component": "queue"})
    }

    #[test]
    fn describe_a_service_with_its_endpoints() {
        let pods = [
            pod("queue-abcde", queue_labels(), Some("172.18.0.5"), true),
            pod("other", json!({"app": "web"}), Some("172.18.0.6"), true),
        ];
        let got = describe_service(&queue_service(), &pods, &[], now());
        let want = "\
Name:              queue
Namespace:         default
Labels:            app=work-queue
                   chapter=jobs
                   component=queue
Annotations:       <none>
Selector:          app=work-queue,component=queue
Type:              ClusterIP
IP Families:       <none>
IP:                172.18.0.7
IPs:               172.18.0.7
Port:              <unset>  8080/TCP
TargetPort:        8080/TCP
Endpoints:         172.18.0.5:8080
Session Affinity:  None
Events:            <none>
";
        assert_eq!(got, want);
    }

    #[test]
    fn endpoints_are_the_ready_selected_pods() {
        let svc = queue_service();
        let sp = &svc.spec.as_ref().unwrap().ports.as_ref().unwrap()[0];
        assert_eq!(endpoints_line(&svc, sp, &[]), "");
        let mut deleting = pod("d", queue_labels(), Some("172.18.0.20"), true);
        deleting.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now()));
        let pods = [
            pod("e", queue_labels(), Some("172.18.0.14"), true),
            pod("a", queue_labels(), Some("172.18.0.10"), true),
            pod("b", queue_labels(), Some("172.18.0.11"), false),
            pod("c", queue_labels(), None, true),
            deleting,
            pod("f", queue_labels(), Some("fd00::1"), true),
            pod("g", queue_labels(), Some("172.18.0.16"), true),
        ];
        assert_eq!(
            endpoints_line(&svc, sp, &pods[..3]),
            "172.18.0.10:8080,172.18.0.14:8080"
        );
        assert_eq!(
            endpoints_line(&svc, sp, &pods),
            "172.18.0.10:8080,172.18.0.14:8080,[fd00::1]:8080 + 1 more..."
        );
        // A named target port resolves through the pod's container ports.
        let mut named = svc.clone();
        named.spec.as_mut().unwrap().ports.as_mut().unwrap()[0].target_port =
            Some(IntOrString::String("http".into()));
        let sp = &named.spec.as_ref().unwrap().ports.as_ref().unwrap()[0];
        assert_eq!(endpoints_line(&named, sp, &pods[..1]), "172.18.0.14:9090");
        // No selector: no EndpointSlice at all.
        let mut bare = svc.clone();
        bare.spec.as_mut().unwrap().selector = None;
        assert_eq!(endpoints_line(&bare, sp, &pods), "<none>");
    }
}
