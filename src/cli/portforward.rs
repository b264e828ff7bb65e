//! `dockjob port-forward TYPE/NAME [LOCAL:]REMOTE...`: kubectl's port-forward.
//!
//! Picks the pod as kubectl does (a pod by name; for a Service, ReplicaSet or Job the
//! most active pod its selector matches, waiting up to `--pod-running-timeout` for one
//! to exist), translates ports as kubectl does (named container ports; for a Service its
//! port -> the targetPort, named ones through the pod's container ports), then listens
//! on loopback and, for each connection, dials the pod's IP at the remote port. The host
//! reaches Docker's bridge networks directly, so no tunnel through the engine is needed:
//! the engine is only asked for the objects.
//!
//! Owns the verb: resolving, listening and copying bytes. It must not be used by the
//! engine; the port translations are pure functions, tested here.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

use super::client::Client;
use super::query::with_params;
use crate::api::kinds::Kind;
use crate::api::selector::Selector;

/// kubectl's `--pod-running-timeout` default for port-forward.
pub const DEFAULT_POD_RUNNING_TIMEOUT: &str = "1m0s";
/// How long a dial to the pod may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the pod is checked while forwarding (the session ends when it stops).
const POD_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// What `port-forward` was asked for.
#[derive(Debug, Clone)]
pub struct PortForwardArgs {
    /// TYPE/NAME or a pod name.
    pub resource: String,
    /// `[LOCAL:]REMOTE` each.
    pub ports: Vec<String>,
    /// `--address`: IPs or `localhost`.
    pub addresses: Vec<String>,
    pub pod_running_timeout: String,
    pub namespace: String,
}

/// One `[LOCAL:]REMOTE` argument, split as kubectl's `splitPort`: without a colon both
/// sides are the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub local: String,
    pub remote: String,
}

/// A resolved forwarding: local port (0 = pick one) -> port in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardedPort {
    pub local: u16,
    pub remote: u16,
}

/// kubectl's `splitPort`.
pub fn split_port(arg: &str) -> PortSpec {
    let parts: Vec<&str> = arg.split(':').collect();
    if parts.len() == 2 {
        PortSpec {
            local: parts[0].to_string(),
            remote: parts[1].to_string(),
        }
    } else {
        PortSpec {
            local: parts[0].to_string(),
            remote: parts[0].to_string(),
        }
    }
}

/// kubectl's `LookupContainerPortNumberByName`: containers first, then init containers.
pub fn container_port_by_name(pod: &Pod, name: &str) -> anyhow::Result<i32> {
    let spec = pod.spec.as_ref();
    let containers = spec.map(|s| s.containers.iter()).into_iter().flatten();
    let inits = spec
        .and_then(|s| s.init_containers.as_ref())
        .into_iter()
        .flatten();
    containers
        .chain(inits)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name))
        .map(|p| p.container_port)
        .ok_or_else(|| {
            anyhow!(
                "Pod '{}' does not have a named port '{name}'",
                pod.metadata.name.as_deref().unwrap_or("")
            )
        })
}

/// kubectl's `convertPodNamedPortToNumber`: named remote ports become the pod's
/// container port numbers.
pub fn pod_ports(args: &[String], pod: &Pod) -> anyhow::Result<Vec<PortSpec>> {
    args.iter()
        .map(|arg| {
            let spec = split_port(arg);
            if spec.remote.is_empty() {
                bail!("remote port cannot be empty");
            }
            let remote = match spec.remote.parse::<i64>() {
                Ok(_) => spec.remote.clone(),
                Err(_) => container_port_by_name(pod, &spec.remote)?.to_string(),
            };
            Ok(if spec.local != spec.remote {
                PortSpec {
                    local: spec.local,
                    remote,
                }
            } else {
                PortSpec {
                    local: remote.clone(),
                    remote,
                }
            })
        })
        .collect()
}

/// kubectl's `translateServicePortToTargetPort`: a service port (number or name) ->
/// the pod's port behind it. Without an explicit local port the local port is the
/// service port.
pub fn service_ports(args: &[String], svc: &Service, pod: &Pod) -> anyhow::Result<Vec<PortSpec>> {
    let svc_name = svc.metadata.name.as_deref().unwrap_or("");
    let spec = svc.spec.clone().unwrap_or_default();
    let ports = spec.ports.unwrap_or_default();
    args.iter()
        .map(|arg| {
            let PortSpec {
                mut local,
                remote: remote_text,
            } = split_port(arg);
            let port_num: i32 = match remote_text.parse() {
                Ok(n) => n,
                Err(_) => {
                    let n = ports
                        .iter()
                        .find(|p| p.name.as_deref() == Some(remote_text.as_str()))
                        .map(|p| p.port)
                        .ok_or_else(|| {
                            anyhow!(
                                "Service '{svc_name}' does not have a named port '{remote_text}'"
                            )
                        })?;
                    if local == remote_text {
                        local = n.to_string();
                    }
                    n
                }
            };
            let container_port = if spec.cluster_ip.as_deref() == Some("None") {
                port_num
            } else {
                let sp = ports.iter().find(|p| p.port == port_num).ok_or_else(|| {
                    anyhow!("Service {svc_name} does not have a service port {port_num}")
                })?;
                match &sp.target_port {
                    None | Some(IntOrString::Int(0)) => sp.port,
                    Some(IntOrString::Int(n)) => *n,
                    Some(IntOrString::String(name)) => container_port_by_name(pod, name)?,
                }
            };
            let remote = container_port.to_string();
            Ok(if local != remote {
                PortSpec { local, remote }
            } else {
                PortSpec {
                    local: remote.clone(),
                    remote,
                }
            })
        })
        .collect()
}

/// client-go's port parsing: numbers in range; an empty local port means "pick one".
pub fn parse_ports(specs: &[PortSpec]) -> anyhow::Result<Vec<ForwardedPort>> {
    specs
        .iter()
        .map(|s| {
            let local = if s.local.is_empty() {
                0
            } else {
                s.local
                    .parse::<u16>()
                    .map_err(|e| anyhow!("Error parsing local port '{}': {e}", s.local))?
            };
            let remote = s
                .remote
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| anyhow!("Error parsing remote port '{}'", s.remote))?;
            Ok(ForwardedPort { local, remote })
        })
        .collect()
}

/// The addresses to listen on: `localhost` is 127.0.0.1 and ::1, as kubectl binds both.
pub fn listen_addresses(addresses: &[String]) -> anyhow::Result<Vec<IpAddr>> {
    let mut out = Vec::new();
    for a in addresses.iter().flat_map(|a| a.split(',')) {
        let a = a.trim();
        if a == "localhost" {
            out.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
            out.push(IpAddr::V6(Ipv6Addr::LOCALHOST));
        } else {
            let ip: IpAddr = a.parse().map_err(|_| anyhow!("{a} is not a valid IP"))?;
            out.push(ip);
        }
    }
    out.dedup();
    Ok(out)
}

/// kubectl's `podutils.ActivePods` order, most active first: running over unknown over
/// pending, ready over not ready, fewer restarts, then older.
pub fn most_active_pod(pods: &[Pod]) -> Option<&Pod> {
    let phase_rank = |p: &Pod| match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Running") => 2,
        Some("Unknown") => 1,
        _ => 0,
    };
    let ready = |p: &Pod| crate::controller::endpoints::is_ready(p);
    let restarts = |p: &Pod| -> i32 {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .map(|cs| cs.iter().map(|c| c.restart_count).max().unwrap_or(0))
            .unwrap_or(0)
    };
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(|t| t.0);
    pods.iter().min_by(|a, b| {
        phase_rank(b)
            .cmp(&phase_rank(a))
            .then(ready(b).cmp(&ready(a)))
            .then(restarts(a).cmp(&restarts(b)))
            .then(created(a).cmp(&created(b)))
    })
}

/// How `Kind` names the object in kubectl's `cannot attach to *v1.X` messages.
fn go_type(kind: Kind) -> String {
    let version = kind.api_version().rsplit('/').next().unwrap_or("v1");
    format!("*{version}.{}", kind.kind())
}

fn typed<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> anyhow::Result<T> {
    serde_json::from_value(v).with_context(|| format!("the engine sent an unreadable {what}"))
}

/// `dockjob port-forward`.
pub async fn run(client: &Client, args: &PortForwardArgs) -> anyhow::Result<()> {
    if args.ports.is_empty() {
        bail!(
            "TYPE/NAME and list of ports are required for port-forward\nSee 'dockjob port-forward -h' for help and examples"
        );
    }
    let timeout = super::wait::parse_timeout(&args.pod_running_timeout)?;
    let addresses = listen_addresses(&args.addresses)?;
    let ns = args.namespace.as_str();
    let (kind, name) = match args.resource.split_once('/') {
        Some((k, n)) => (
            Kind::from_cli(k)
                .ok_or_else(|| anyhow!("the server doesn't have a resource type \"{k}\""))?,
            n.to_string(),
        ),
        None => (Kind::Pod, args.resource.clone()),
    };
    let object = client.get(&kind.object_path(ns, &name)).await?;
    let (pod, specs) = match kind {
        Kind::Pod => {
            let pod: Pod = typed(object, "pod")?;
            let specs = pod_ports(&args.ports, &pod)?;
            (pod, specs)
        }
        Kind::Service => {
            let svc: Service = typed(object, "service")?;
            let selector = svc
                .spec
                .as_ref()
                .and_then(|s| s.selector.clone())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    anyhow!(
                        "cannot attach to {}: invalid service '{name}': Service is defined without a selector",
                        go_type(kind)
                    )
                })?;
            let selector = Selector::from_labels(&selector)
                .map_err(|e| anyhow!("cannot attach to {}: {e}", go_type(kind)))?;
            let pod = first_pod(client, ns, &selector, timeout).await?;
            let specs = service_ports(&args.ports, &svc, &pod)?;
            (pod, specs)
        }
        Kind::ReplicaSet | Kind::Job => {
            let ls: Option<LabelSelector> =
                serde_json::from_value(object["spec"]["selector"].clone()).ok();
            let selector = ls
                .as_ref()
                .map(Selector::from_label_selector)
                .transpose()
                .map_err(|e| anyhow!("invalid label selector: {e}"))?
                .unwrap_or_else(Selector::nothing);
            let pod = first_pod(client, ns, &selector, timeout).await?;
            let specs = pod_ports(&args.ports, &pod)?;
            (pod, specs)
        }
        other => bail!(
            "cannot attach to {}: selector for {} not implemented",
            go_type(other),
            go_type(other)
        ),
    };
    let ports = parse_ports(&specs)?;
    let pod_name = pod.metadata.name.clone().unwrap_or_default();

    // kubectl re-reads the pod before forwarding and refuses one that is not running.
    let pod: Pod = typed(
        client.get(&Kind::Pod.object_path(ns, &pod_name)).await?,
        "pod",
    )?;
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    if phase != "Running" {
        bail!("unable to forward port because pod is not running. Current status={phase}");
    }
    let ip: IpAddr = crate::controller::endpoints::pod_ip(&pod)
        .ok_or_else(|| anyhow!("pod {pod_name} has no IP address yet"))?
        .parse()
        .map_err(|_| anyhow!("pod {pod_name} has an invalid IP address"))?;
    let uid = pod.metadata.uid.clone().unwrap_or_default();

    let target = Target {
        pod: pod_name.clone(),
        uid: uid.clone(),
        ip,
    };
    let mut tasks = tokio::task::JoinSet::new();
    let mut failed = Vec::new();
    for port in &ports {
        let listeners = listen(&addresses, *port);
        if listeners.is_empty() {
            failed.push(*port);
            continue;
        }
        for (listener, local) in listeners {
            tasks.spawn(serve(listener, local, port.remote, target.clone()));
        }
    }
    if tasks.is_empty() {
        let list: Vec<String> = failed
            .iter()
            .map(|p| format!("{{{} {}}}", p.local, p.remote))
            .collect();
        bail!(
            "unable to listen on any of the requested ports: [{}]",
            list.join(" ")
        );
    }

    tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(()),
        lost = watch_pod(client, ns, &pod_name, &uid, ip) => Err(lost),
    }
}

/// Waits until a pod matches `selector`, then returns the most active one (kubectl's
/// `GetFirstPod`: any phase; the running check comes after).
async fn first_pod(
    client: &Client,
    ns: &str,
    selector: &Selector,
    timeout: Duration,
) -> anyhow::Result<Pod> {
    let path = with_params(
        &Kind::Pod.collection_path(Some(ns)),
        &[("labelSelector", Some(&selector.to_string()))],
    );
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let list = client.get(&path).await?;
        let pods: Vec<Pod> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| serde_json::from_value(p.clone()).ok())
            .filter(|p: &Pod| selector.matches_opt(p.metadata.labels.as_ref()))
            .collect();
        if let Some(p) = most_active_pod(&pods) {
            return Ok(p.clone());
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out waiting for the condition");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[derive(Debug, Clone)]
struct Target {
    pod: String,
    uid: String,
    ip: IpAddr,
}

/// Binds one forwarded port on every address. A local port of 0 is chosen by the first
/// bind and reused for the others, as client-go does. Prints kubectl's lines.
fn listen(addresses: &[IpAddr], port: ForwardedPort) -> Vec<(TcpListener, u16)> {
    let mut local = port.local;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for ip in addresses {
        let addr = SocketAddr::new(*ip, local);
        let bound = std::net::TcpListener::bind(addr).and_then(|l| {
            l.set_nonblocking(true)?;
            TcpListener::from_std(l)
        });
        match bound {
            Ok(l) => {
                if local == 0 {
                    local = l.local_addr().map(|a| a.port()).unwrap_or(0);
                }
                let shown = SocketAddr::new(*ip, local);
                println!("Forwarding from {shown} -> {}", port.remote);
                out.push((l, local));
            }
            Err(e) => {
                let family = if ip.is_ipv4() { "tcp4" } else { "tcp6" };
                errors.push(format!(
                    "unable to create listener: Error listen {family} {addr}: {e}"
                ));
            }
        }
    }
    let _ = std::io::stdout().flush();
    if out.is_empty() {
        eprintln!(
            "Unable to listen on port {}: Listeners failed to create with the following errors: [{}]",
            port.local,
            errors.join(" ")
        );
    }
    out
}

/// Accepts connections on one listener and pipes each to the pod.
async fn serve(listener: TcpListener, local: u16, remote: u16, target: Target) {
    loop {
        let Ok((conn, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        println!("Handling connection for {local}");
        let _ = std::io::stdout().flush();
        let target = target.clone();
        tokio::spawn(async move {
            if let Err(e) = pipe(conn, remote, &target).await {
                eprintln!(
                    "error: an error occurred forwarding {local} -> {remote}: error forwarding port {remote} to pod {}, uid {}: {e}",
                    target.pod, target.uid
                );
            }
        });
    }
}

async fn pipe(mut conn: TcpStream, remote: u16, target: &Target) -> std::io::Result<()> {
    let addr = SocketAddr::new(target.ip, remote);
    let mut upstream = tokio::time::timeout(DIAL_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::other(format!("dial tcp {addr}: i/o timeout")))?
        .map_err(|e| std::io::Error::new(e.kind(), format!("dial tcp {addr}: {e}")))?;
    let _ = conn.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    // Errors after the dial are the peers closing; not worth a line.
    let _ = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
    Ok(())
}

/// Returns when the pod the session forwards to is gone, replaced, stopped or
/// re-addressed: kubectl ends the session then ("lost connection to pod").
async fn watch_pod(client: &Client, ns: &str, name: &str, uid: &str, ip: IpAddr) -> anyhow::Error {
    let path = Kind::Pod.object_path(ns, name);
    loop {
        tokio::time::sleep(POD_CHECK_INTERVAL).await;
        let pod = match client.get_opt(&path).await {
            Ok(p) => p,
            // The engine restarting is not the pod going away.
            Err(_) => continue,
        };
        let alive = pod.as_ref().is_some_and(|p| {
            p["metadata"]["uid"].as_str() == Some(uid)
                && p["status"]["phase"] == "Running"
                && p["metadata"]["deletionTimestamp"].is_null()
                && p["status"]["podIP"].as_str() == Some(ip.to_string().as_str())
        });
        if !alive {
            return anyhow!("lost connection to pod");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "ns"},
            "spec": {
                "containers": [{"name": "c", "image": "i", "ports": [
                    {"name": "http", "containerPort": 9376},
                    {"name": "admin", "containerPort": 9000}
                ]}],
                "initContainers": [{"name": "side", "image": "i", "ports": [
                    {"name": "metrics", "containerPort": 9100}
                ]}]
            }
        }))
        .unwrap()
    }

    fn svc(cluster_ip: Option<&str>) -> Service {
        let mut s = json!({
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"selector": {"app": "web"}, "ports": [
                {"name": "www", "port": 80, "targetPort": 9376},
                {"name": "adm", "port": 8000, "targetPort": "admin"},
                {"port": 7000}
            ]}
        });
        if let Some(ip) = cluster_ip {
            s["spec"]["clusterIP"] = json!(ip);
        }
        serde_json::from_value(s).unwrap()
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    fn spec(local: &str, remote: &str) -> PortSpec {
        PortSpec {
            local: local.into(),
            remote: remote.into(),
        }
    }

    #[test]
    fn split_port_like_kubectl() {
        assert_eq!(split_port("8080"), spec("8080", "8080"));
        assert_eq!(split_port("8888:5000"), spec("8888", "5000"));
        assert_eq!(split_port(":5000"), spec("", "5000"));
        assert_eq!(split_port("a:b:c"), spec("a", "a"));
    }

    #[test]
    fn pod_named_ports_become_numbers() {
        let p = pod();
        assert_eq!(
            pod_ports(&strings(&["http", "8080:admin", ":metrics", "5000"]), &p).unwrap(),
            vec![
                spec("9376", "9376"),
                spec("8080", "9000"),
                spec("", "9100"),
                spec("5000", "5000")
            ]
        );
        assert_eq!(
            pod_ports(&strings(&["nope"]), &p).unwrap_err().to_string(),
            "Pod 'web-1' does not have a named port 'nope'"
        );
        assert_eq!(
            pod_ports(&strings(&["8080:"]), &p).unwrap_err().to_string(),
            "remote port cannot be empty"
        );
    }

    #[test]
    fn service_ports_map_to_target_ports() {
        let (s, p) = (svc(None), pod());
        assert_eq!(
            service_ports(
                &strings(&["80", "8080:80", ":80", "www", "9:adm", "7000"]),
                &s,
                &p
            )
            .unwrap(),
            vec![
                spec("80", "9376"),
                spec("8080", "9376"),
                spec("", "9376"),
                spec("80", "9376"),
                spec("9", "9000"),
                spec("7000", "7000")
            ]
        );
        assert_eq!(
            service_ports(&strings(&["81"]), &s, &p)
                .unwrap_err()
                .to_string(),
            "Service web does not have a service port 81"
        );
        assert_eq!(
            service_ports(&strings(&["nope"]), &s, &p)
                .unwrap_err()
                .to_string(),
            "Service 'web' does not have a named port 'nope'"
        );
    }

    #[test]
    fn headless_service_ports_are_used_as_is() {
        assert_eq!(
            service_ports(&strings(&["81"]), &svc(Some("None")), &pod()).unwrap(),
            vec![spec("81", "81")]
        );
    }

    #[test]
    fn parse_ports_checks_ranges() {
        assert_eq!(
            parse_ports(&[spec("", "80"), spec("8080", "9376")]).unwrap(),
            vec![
                ForwardedPort {
                    local: 0,
                    remote: 80
                },
                ForwardedPort {
                    local: 8080,
                    remote: 9376
                }
            ]
        );
        assert!(
            parse_ports(&[spec("x", "80")])
                .unwrap_err()
                .to_string()
                .starts_with("Error parsing local port 'x'")
        );
        assert!(parse_ports(&[spec("80", "70000")]).is_err());
    }

    #[test]
    fn localhost_means_both_loopbacks() {
        assert_eq!(
            listen_addresses(&strings(&["localhost"])).unwrap(),
            vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST)
            ]
        );
        assert_eq!(
            listen_addresses(&strings(&["127.0.0.1,0.0.0.0"])).unwrap(),
            vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            ]
        );
        assert!(listen_addresses(&strings(&["nowhere"])).is_err());
    }

    fn status_pod(name: &str, phase: &str, ready: bool, restarts: i32, created: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "creationTimestamp": created},
            "status": {
                "phase": phase,
                "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}],
                "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": ready,
                    "restartCount": restarts}]
            }
        }))
        .unwrap()
    }

    #[test]
    fn most_active_pod_prefers_running_ready_stable_old() {
        let name = |pods: &[Pod]| {
            most_active_pod(pods)
                .and_then(|p| p.metadata.name.clone())
                .unwrap()
        };
        let t1 = "2026-01-01T00:00:00Z";
        let t2 = "2026-01-02T00:00:00Z";
        assert_eq!(
            name(&[
                status_pod("pending", "Pending", false, 0, t1),
                status_pod("running", "Running", false, 0, t2)
            ]),
            "running"
        );
        assert_eq!(
            name(&[
                status_pod("unready", "Running", false, 0, t1),
                status_pod("ready", "Running", true, 0, t2)
            ]),
            "ready"
        );
        assert_eq!(
            name(&[
                status_pod("flaky", "Running", true, 3, t1),
                status_pod("stable", "Running", true, 0, t2)
            ]),
            "stable"
        );
        assert_eq!(
            name(&[
                status_pod("young", "Running", true, 0, t2),
                status_pod("old", "Running", true, 0, t1)
            ]),
            "old"
        );
        assert!(most_active_pod(&[]).is_none());
    }

    #[test]
    fn go_type_names_like_kubectl() {
        assert_eq!(go_type(Kind::Service), "*v1.Service");
        assert_eq!(go_type(Kind::ConfigMap), "*v1.ConfigMap");
        assert_eq!(go_type(Kind::ReplicaSet), "*v1.ReplicaSet");
    }
}
