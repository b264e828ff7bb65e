//! `get services`: kubectl's Service table (printers.go `printService`): NAME, TYPE,
//! CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE, and with `-o wide` SELECTOR.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Service, ServicePort};

use super::age::age;
use super::table::{self, Row, TableOptions};

const HEADERS: &[&str] = &[
    "Name",
    "Type",
    "Cluster-IP",
    "External-IP",
    "Port(s)",
    "Age",
];
const WIDE_HEADERS: &[&str] = &["Selector"];

/// printers.go's `loadBalancerWidth`: EXTERNAL-IP of a LoadBalancer is cut to this many
/// bytes unless `-o wide`.
const LOAD_BALANCER_WIDTH: usize = 16;

/// The Service table, as `kubectl get services` (1.32) prints it.
pub fn services_table(services: &[Service], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = services
        .iter()
        .map(|s| service_row(s, now, opts.wide))
        .collect();
    let mut headers = HEADERS.to_vec();
    if opts.wide {
        headers.extend_from_slice(WIDE_HEADERS);
    }
    table::render(&headers, &rows, opts)
}

/// `spec.type` as stored; the API server defaults it to ClusterIP.
pub fn service_type(svc: &Service) -> String {
    svc.spec
        .as_ref()
        .and_then(|s| s.type_.clone())
        .unwrap_or_else(|| "ClusterIP".to_string())
}

/// A port's protocol as stored; the API server defaults it to TCP.
pub fn protocol(p: &ServicePort) -> String {
    p.protocol.clone().unwrap_or_else(|| "TCP".to_string())
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key, `<none>` when there are none.
pub fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    let pairs: Vec<String> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if pairs.is_empty() {
        "<none>".to_string()
    } else {
        pairs.join(",")
    }
}

/// printers.go `makePortString`: `80/TCP`, `80:30080/TCP` with a node port.
pub fn port_string(ports: &[ServicePort]) -> String {
    ports
        .iter()
        .map(|p| match p.node_port.filter(|n| *n > 0) {
            Some(node) => format!("{}:{node}/{}", p.port, protocol(p)),
            None => format!("{}/{}", p.port, protocol(p)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// printers.go `getServiceExternalIP`.
fn external_ip(svc: &Service, wide: bool) -> String {
    let spec = svc.spec.clone().unwrap_or_default();
    let external: Vec<String> = spec.external_ips.clone().unwrap_or_default();
    match service_type(svc).as_str() {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".to_string()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let mut ingress: Vec<String> = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    i.ip.clone()
                        .filter(|s| !s.is_empty())
                        .or_else(|| i.hostname.clone().filter(|s| !s.is_empty()))
                })
                .collect();
            ingress.sort();
            ingress.dedup();
            let mut lb = ingress.join(",");
            if !wide && lb.len() > LOAD_BALANCER_WIDTH {
                lb = format!("{}...", &lb[..LOAD_BALANCER_WIDTH - 3]);
            }
            if !external.is_empty() {
                let mut all: Vec<String> = Vec::new();
                if !lb.is_empty() {
                    all.extend(lb.split(',').map(str::to_string));
                }
                all.extend(external);
                return all.join(",");
            }
            if lb.is_empty() {
                "<pending>".to_string()
            } else {
                lb
            }
        }
        "ExternalName" => spec.external_name.clone().unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

fn service_row(svc: &Service, now: Timestamp, wide: bool) -> Row {
    let spec = svc.spec.clone().unwrap_or_default();
    let cluster_ip = spec
        .cluster_ip
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let mut ports = port_string(spec.ports.as_deref().unwrap_or_default());
    if ports.is_empty() {
        ports = "<none>".to_string();
    }
    let mut cells = vec![
        svc.metadata.name.clone().unwrap_or_default(),
        service_type(svc),
        cluster_ip,
        external_ip(svc, wide),
        ports,
        age(svc.metadata.creation_timestamp.as_ref(), now),
    ];
    if wide {
        cells.push(format_labels(spec.selector.as_ref()));
    }
    Row {
        namespace: svc.metadata.namespace.clone().unwrap_or_default(),
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn services() -> Vec<Service> {
        serde_json::from_value(json!([
            {"metadata": {"name": "queue", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:58:00Z"},
             "spec": {"type": "ClusterIP", "clusterIP": "172.18.0.7",
                      "selector": {"component": "queue", "app": "work-queue"},
                      "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080}]}},
            {"metadata": {"name": "web", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:00:00Z"},
             "spec": {"type": "NodePort", "clusterIP": "172.18.0.8",
                      "ports": [{"port": 80, "nodePort": 30000, "targetPort": 8080},
                                {"name": "dns", "port": 53, "protocol": "UDP"}]}},
            {"metadata": {"name": "headless", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:00:00Z"},
             "spec": {"clusterIP": "None", "externalIPs": ["10.0.0.1", "10.0.0.2"]}},
            {"metadata": {"name": "lb", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:00:00Z"},
             "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}},
            {"metadata": {"name": "ext", "namespace": "default",
                          "creationTimestamp": "2024-05-01T11:00:00Z"},
             "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
        ]))
        .unwrap()
    }

    #[test]
    fn service_table() {
        let got = services_table(&services(), now(), &TableOptions::default());
        let want = "\
NAME       TYPE           CLUSTER-IP   EXTERNAL-IP         PORT(S)               AGE
queue      ClusterIP      172.18.0.7   <none>              8080/TCP              2m
web        NodePort       172.18.0.8   <none>              80:30000/TCP,53/UDP   60m
headless   ClusterIP      None         10.0.0.1,10.0.0.2   <none>                60m
lb         LoadBalancer   <none>       <pending>           443/TCP               60m
ext        ExternalName   <none>       db.example.com      <none>                60m
";
        assert_eq!(got, want);
    }

    #[test]
    fn wide_adds_the_selector() {
        let opts = TableOptions {
            wide: true,
            ..Default::default()
        };
        let got = services_table(&services()[..2], now(), &opts);
        let want = "\
NAME    TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)               AGE   SELECTOR
queue   ClusterIP   172.18.0.7   <none>        8080/TCP              2m    app=work-queue,component=queue
web     NodePort    172.18.0.8   <none>        80:30000/TCP,53/UDP   60m   <none>
";
        assert_eq!(got, want);
    }
}
