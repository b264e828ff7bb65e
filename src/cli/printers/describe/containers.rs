//! The `Containers:` sections of `describe` (kubectl's `describeContainers`): image,
//! ports, command and args, state (for a pod), resources, probes, environment and
//! mounts, in kubectl's order and wording.

use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, EnvVar, Pod, Probe, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::quantity;
use super::{LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, Writer, or_none, rfc1123z};

/// `describeContainers`. `statuses` is None for a pod template (no state to show);
/// `pod` resolves `fieldRef` environment values when describing a pod.
pub(super) fn describe_containers(
    w: &mut Writer,
    label: &str,
    containers: &[Container],
    statuses: Option<&[ContainerStatus]>,
    pod: Option<&Pod>,
    space: &str,
    tz: &TimeZone,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.write(LEVEL_0, &format!("{space}{label}:{none}\n"));
    for c in containers {
        let status = statuses.and_then(|s| s.iter().find(|s| s.name == c.name));
        basic_info(w, c, status, space);
        command(w, c);
        if let Some(status) = status {
            describe_status(w, "State", status.state.as_ref(), tz);
            if let Some(last) = status
                .last_state
                .as_ref()
                .filter(|l| l.terminated.is_some())
            {
                describe_status(w, "Last State", Some(last), tz);
            }
            w.write(LEVEL_2, &format!("Ready:\t{}\n", print_bool(status.ready)));
            w.write(
                LEVEL_2,
                &format!("Restart Count:\t{}\n", status.restart_count),
            );
        }
        describe_resources(w, c.resources.as_ref(), LEVEL_2);
        probes(w, c);
        if c.env_from.as_ref().is_some_and(|e| !e.is_empty()) {
            env_from(w, c);
        }
        env_vars(w, c, pod);
        mounts(w, c);
    }
}

fn print_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn basic_info(w: &mut Writer, c: &Container, status: Option<&ContainerStatus>, space: &str) {
    let name_indent = if space.is_empty() { "" } else { " " };
    w.write(LEVEL_1, &format!("{name_indent}{}:\n", c.name));
    if let Some(s) = status {
        w.write(
            LEVEL_2,
            &format!(
                "Container ID:\t{}\n",
                s.container_id.as_deref().unwrap_or("")
            ),
        );
    }
    w.write(
        LEVEL_2,
        &format!("Image:\t{}\n", c.image.as_deref().unwrap_or("")),
    );
    if let Some(s) = status {
        w.write(LEVEL_2, &format!("Image ID:\t{}\n", s.image_id));
    }
    let ports = c.ports.as_deref().unwrap_or_default();
    // The API server defaults a port's protocol to TCP.
    let protocol = |p: &k8s_openapi::api::core::v1::ContainerPort| {
        p.protocol.clone().unwrap_or_else(|| "TCP".to_string())
    };
    let port_string = ports
        .iter()
        .map(|p| format!("{}/{}", p.container_port, protocol(p)))
        .collect::<Vec<_>>()
        .join(", ");
    if port_string.contains(',') {
        w.write(LEVEL_2, &format!("Ports:\t{port_string}\n"));
    } else {
        w.write(LEVEL_2, &format!("Port:\t{}\n", or_none(&port_string)));
    }
    let host_ports = ports
        .iter()
        .map(|p| format!("{}/{}", p.host_port.unwrap_or(0), protocol(p)))
        .collect::<Vec<_>>()
        .join(", ");
    if host_ports.contains(',') {
        w.write(LEVEL_2, &format!("Host Ports:\t{host_ports}\n"));
    } else {
        w.write(LEVEL_2, &format!("Host Port:\t{}\n", or_none(&host_ports)));
    }
    if let Some(profile) = c
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        w.write(LEVEL_2, &format!("SeccompProfile:\t{}\n", profile.type_));
        if profile.type_ == "Localhost" {
            w.write(
                LEVEL_3,
                &format!(
                    "LocalhostProfile:\t{}\n",
                    profile.localhost_profile.as_deref().unwrap_or("")
                ),
            );
        }
    }
}

fn command(w: &mut Writer, c: &Container) {
    for (title, list) in [("Command", &c.command), ("Args", &c.args)] {
        let list = list.as_deref().unwrap_or_default();
        if list.is_empty() {
            continue;
        }
        w.write(LEVEL_2, &format!("{title}:\n"));
        for item in list {
            for line in item.split('\n') {
                w.write(LEVEL_3, &format!("{line}\n"));
            }
        }
    }
}

/// `describeStatus`: Running/Waiting/Terminated with their details.
fn describe_status(w: &mut Writer, name: &str, state: Option<&ContainerState>, tz: &TimeZone) {
    let state = state.cloned().unwrap_or_default();
    if let Some(r) = &state.running {
        w.write(LEVEL_2, &format!("{name}:\tRunning\n"));
        w.write(
            LEVEL_3,
            &format!("Started:\t{}\n", rfc1123z(r.started_at.as_ref(), tz)),
        );
    } else if let Some(wt) = &state.waiting {
        w.write(LEVEL_2, &format!("{name}:\tWaiting\n"));
        if let Some(reason) = wt.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(LEVEL_3, &format!("Reason:\t{reason}\n"));
        }
    } else if let Some(t) = &state.terminated {
        w.write(LEVEL_2, &format!("{name}:\tTerminated\n"));
        if let Some(reason) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(LEVEL_3, &format!("Reason:\t{reason}\n"));
        }
        if let Some(message) = t.message.as_deref().filter(|m| !m.is_empty()) {
            w.write(LEVEL_3, &format!("Message:\t{message}\n"));
        }
        w.write(LEVEL_3, &format!("Exit Code:\t{}\n", t.exit_code));
        if let Some(signal) = t.signal.filter(|s| *s > 0) {
            w.write(LEVEL_3, &format!("Signal:\t{signal}\n"));
        }
        w.write(
            LEVEL_3,
            &format!("Started:\t{}\n", rfc1123z(t.started_at.as_ref(), tz)),
        );
        w.write(
            LEVEL_3,
            &format!("Finished:\t{}\n", rfc1123z(t.finished_at.as_ref(), tz)),
        );
    } else {
        w.write(LEVEL_2, &format!("{name}:\tWaiting\n"));
    }
}

/// `describeResources`: Limits then Requests, resource names sorted.
pub(super) fn describe_resources(w: &mut Writer, r: Option<&ResourceRequirements>, level: usize) {
    let Some(r) = r else { return };
    for (title, list) in [("Limits", &r.limits), ("Requests", &r.requests)] {
        let Some(list) = list.as_ref().filter(|l| !l.is_empty()) else {
            continue;
        };
        w.write(level, &format!("{title}:\n"));
        for (name, q) in list {
            w.write(level + 1, &format!("{name}:\t{}\n", q.0));
        }
    }
}

fn probes(w: &mut Writer, c: &Container) {
    for (title, probe) in [
        ("Liveness", &c.liveness_probe),
        ("Readiness", &c.readiness_probe),
        ("Startup", &c.startup_probe),
    ] {
        if let Some(p) = probe {
            w.write(LEVEL_2, &format!("{title}:\t{}\n", describe_probe(p)));
        }
    }
}

fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `DescribeProbe`, with the API server's defaults for unset thresholds.
fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    if let Some(e) = &p.exec {
        return format!(
            "exec [{}] {attrs}",
            e.command.as_deref().unwrap_or_default().join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        let host = h.host.as_deref().unwrap_or("");
        let port = int_or_string(&h.port);
        let host_port = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        return format!(
            "http-get {scheme}://{host_port}{} {attrs}",
            h.path.as_deref().unwrap_or("")
        );
    }
    if let Some(t) = &p.tcp_socket {
        return format!(
            "tcp-socket {}:{} {attrs}",
            t.host.as_deref().unwrap_or(""),
            int_or_string(&t.port)
        );
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.as_deref().unwrap_or("")
        );
    }
    format!("unknown {attrs}")
}

fn env_from(w: &mut Writer, c: &Container) {
    w.write(LEVEL_2, "Environment Variables from:\n");
    for e in c.env_from.iter().flatten() {
        let (name, from, optional) = if let Some(r) = &e.config_map_ref {
            (r.name.as_str(), "ConfigMap", r.optional.unwrap_or(false))
        } else if let Some(r) = &e.secret_ref {
            (r.name.as_str(), "Secret", r.optional.unwrap_or(false))
        } else {
            ("", "", false)
        };
        match e.prefix.as_deref().filter(|p| !p.is_empty()) {
            None => w.write(LEVEL_3, &format!("{name}\t{from}\tOptional: {optional}\n")),
            Some(prefix) => w.write(
                LEVEL_3,
                &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n"),
            ),
        }
    }
}

/// kubectl resolves a `fieldRef` through its client scheme, which only knows
/// `metadata.name` and `metadata.namespace`; every other path shows empty.
fn field_value(pod: Option<&Pod>, path: &str) -> String {
    let Some(pod) = pod else {
        return String::new();
    };
    match path {
        "metadata.name" => pod.metadata.name.clone().unwrap_or_default(),
        "metadata.namespace" => pod.metadata.namespace.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// `ExtractContainerResourceValue` for cpu, memory and ephemeral-storage.
fn resource_value(c: &Container, resource: &str, divisor: Option<&str>) -> String {
    let Some((kind, name)) = resource.split_once('.') else {
        return String::new();
    };
    let list = match kind {
        "limits" => c.resources.as_ref().and_then(|r| r.limits.as_ref()),
        "requests" => c.resources.as_ref().and_then(|r| r.requests.as_ref()),
        _ => return String::new(),
    };
    let amount = list
        .and_then(|l| l.get(name))
        .and_then(|q| quantity::value(&q.0))
        .unwrap_or(0.0);
    let divisor = divisor
        .and_then(quantity::value)
        .filter(|d| *d != 0.0)
        .unwrap_or(1.0);
    let v = match name {
        "cpu" => ((amount * 1000.0).ceil() / (divisor * 1000.0).ceil()).ceil(),
        "memory" | "ephemeral-storage" => (amount.ceil() / divisor.ceil()).ceil(),
        _ => return String::new(),
    };
    format!("{}", v as i64)
}

fn env_vars(w: &mut Writer, c: &Container, pod: Option<&Pod>) {
    let env: &[EnvVar] = c.env.as_deref().unwrap_or_default();
    let none = if env.is_empty() { "\t<none>" } else { "" };
    w.write(LEVEL_2, &format!("Environment:{none}\n"));
    for e in env {
        let Some(from) = &e.value_from else {
            for (i, line) in e.value.as_deref().unwrap_or("").split('\n').enumerate() {
                if i == 0 {
                    w.write(LEVEL_3, &format!("{}:\t{line}\n", e.name));
                } else {
                    w.write(LEVEL_3, &format!("\t{line}\n"));
                }
            }
            continue;
        };
        if let Some(f) = &from.field_ref {
            // The API server defaults the apiVersion to v1.
            let api_version = f.api_version.as_deref().unwrap_or("v1");
            w.write(
                LEVEL_3,
                &format!(
                    "{}:\t{} ({api_version}:{})\n",
                    e.name,
                    field_value(pod, &f.field_path),
                    f.field_path
                ),
            );
        } else if let Some(r) = &from.resource_field_ref {
            let mut value =
                resource_value(c, &r.resource, r.divisor.as_ref().map(|d| d.0.as_str()));
            if value == "0" && (r.resource == "limits.cpu" || r.resource == "limits.memory") {
                value = "node allocatable".to_string();
            }
            w.write(LEVEL_3, &format!("{}:\t{value} ({})\n", e.name, r.resource));
        } else if let Some(s) = &from.secret_key_ref {
            w.write(
                LEVEL_3,
                &format!(
                    "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                    e.name,
                    s.key,
                    s.name,
                    s.optional.unwrap_or(false)
                ),
            );
        } else if let Some(m) = &from.config_map_key_ref {
            w.write(
                LEVEL_3,
                &format!(
                    "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                    e.name,
                    m.key,
                    m.name,
                    m.optional.unwrap_or(false)
                ),
            );
        }
    }
}

fn mounts(w: &mut Writer, c: &Container) {
    let mut mounts: Vec<_> = c.volume_mounts.iter().flatten().collect();
    let none = if mounts.is_empty() { "\t<none>" } else { "" };
    w.write(LEVEL_2, &format!("Mounts:{none}\n"));
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    for m in mounts {
        let mut flags = vec![if m.read_only == Some(true) {
            "ro".to_string()
        } else {
            "rw".to_string()
        }];
        if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
            flags.push(format!("path={sub:?}"));
        }
        w.write(
            LEVEL_3,
            &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")),
        );
    }
    let mut devices: Vec<_> = c.volume_devices.iter().flatten().collect();
    if !devices.is_empty() {
        // kubectl reuses the mounts' "<none>" marker here.
        w.write(LEVEL_2, &format!("Devices:{none}\n"));
        devices.sort_by(|a, b| a.device_path.cmp(&b.device_path));
        for d in devices {
            w.write(LEVEL_3, &format!("{} from {}\n", d.device_path, d.name));
        }
    }
}
