//! `get pods`: kubectl's pod table (printers.go `printPod`): NAME, READY, STATUS,
//! RESTARTS, AGE, and with `-o wide` IP, NODE, NOMINATED NODE, READINESS GATES. The STATUS
//! column is kubectl's reason computation (init containers, waiting and terminated
//! reasons, Completed/NotReady, Terminating), not the bare phase.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};

use super::age::since;
use super::table::{self, Row, TableOptions};

const HEADERS: &[&str] = &["Name", "Ready", "Status", "Restarts", "Age"];
const WIDE_HEADERS: &[&str] = &["IP", "Node", "Nominated Node", "Readiness Gates"];

/// The pod table's columns as the API server's Table names them (printers.go
/// `podColumnDefinitions`): name, description, priority (1: only with `-o wide`).
pub const COLUMNS: &[(&str, &str, i32)] = &[
    ("Name", "Name must be unique within a namespace.", 0),
    (
        "Ready",
        "The aggregate readiness state of this pod for accepting traffic.",
        0,
    ),
    (
        "Status",
        "The aggregate status of the containers in this pod.",
        0,
    ),
    (
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        0,
    ),
    (
        "Age",
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
        0,
    ),
    (
        "IP",
        "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
        1,
    ),
    (
        "Node",
        "NodeName is a request to schedule this pod onto a specific node.",
        1,
    ),
    (
        "Nominated Node",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        1,
    ),
    (
        "Readiness Gates",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        1,
    ),
];

/// The node controller's reason for pods on a lost node (`node.NodeUnreachablePodReason`).
const NODE_UNREACHABLE_POD_REASON: &str = "NodeLost";

/// The pod table, as `kubectl get pods` (1.32) prints it.
pub fn pods_table(pods: &[Pod], now: Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<Row> = pods.iter().map(|p| pod_row(p, now, opts.wide)).collect();
    let mut headers = HEADERS.to_vec();
    if opts.wide {
        headers.extend_from_slice(WIDE_HEADERS);
    }
    table::render(&headers, &rows, opts)
}

/// A pod's table row with what depends on the time left as times: what a server keeps
/// per pod version and renders at each request ([`PodRow::cells`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    pub namespace: String,
    pub name: String,
    pub ready: String,
    pub status: String,
    pub restarts: i64,
    pub last_restart: Option<Timestamp>,
    pub created: Option<Timestamp>,
    pub ip: String,
    pub node: String,
    pub nominated_node: String,
    pub readiness_gates: String,
}

impl PodRow {
    pub fn of(pod: &Pod) -> PodRow {
        let parts = summary_parts(pod);
        let status = pod.status.as_ref();
        let spec = pod.spec.as_ref();
        // printers.go reads `podIPs[0]`; converting a v1 Pod fills `podIPs` from
        // `podIP` when only that is set, so either field shows.
        let ip = status
            .and_then(|s| s.pod_ips.as_ref())
            .and_then(|ips| ips.first())
            .map(|ip| ip.ip.as_str())
            .or_else(|| status.and_then(|s| s.pod_ip.as_deref()));
        PodRow {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            ready: parts.ready,
            status: parts.status,
            restarts: parts.restarts,
            last_restart: parts.last_restart,
            created: pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
            ip: none_if_empty(ip),
            node: none_if_empty(spec.and_then(|s| s.node_name.as_deref())),
            nominated_node: none_if_empty(status.and_then(|s| s.nominated_node_name.as_deref())),
            readiness_gates: readiness_gates(pod),
        }
    }

    /// The row's cells at `now`, every column of [`COLUMNS`] (the wide ones last).
    pub fn cells(&self, now: Timestamp) -> Vec<String> {
        vec![
            self.name.clone(),
            self.ready.clone(),
            self.status.clone(),
            restarts_cell(self.restarts, self.last_restart, now),
            since(self.created, now),
            self.ip.clone(),
            self.node.clone(),
            self.nominated_node.clone(),
            self.readiness_gates.clone(),
        ]
    }
}

/// RESTARTS: the count, and how long ago the last one was when there was one.
fn restarts_cell(restarts: i64, last_restart: Option<Timestamp>, now: Timestamp) -> String {
    match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(t), now)),
        _ => restarts.to_string(),
    }
}

/// kubectl's READY/STATUS/RESTARTS computation for one pod, without the time: the
/// restart count and when the last restart ended.
struct SummaryParts {
    ready: String,
    status: String,
    restarts: i64,
    last_restart: Option<Timestamp>,
}

fn is_restartable_init(c: Option<&Container>) -> bool {
    c.and_then(|c| c.restart_policy.as_deref()) == Some("Always")
}

fn condition_true(conditions: &[PodCondition], kind: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == kind && c.status == "True")
}

/// printers.go `isPodInitializedConditionTrue`: the first Initialized condition decides.
fn initialized(conditions: &[PodCondition]) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == "Initialized")
        .is_some_and(|c| c.status == "True")
}

fn last_termination_finished(s: &ContainerStatus) -> Option<Timestamp> {
    s.last_state
        .as_ref()
        .and_then(|l| l.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0)
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn summary_parts(pod: &Pod) -> SummaryParts {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let empty_conditions = Vec::new();
    let conditions = status
        .and_then(|s| s.conditions.as_ref())
        .unwrap_or(&empty_conditions);
    let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    let init_specs = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();

    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut total = containers.len();
    let mut ready = 0usize;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_init_restart: Option<Timestamp> = None;

    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    let mut reason = phase.clone();
    if let Some(r) = status
        .and_then(|s| s.reason.as_deref())
        .filter(|r| !r.is_empty())
    {
        reason = r.to_string();
    }
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }

    let init_spec = |name: &str| init_specs.iter().find(|c| c.name == name);
    total += init_specs
        .iter()
        .filter(|c| is_restartable_init(Some(c)))
        .count();

    let mut initializing = false;
    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += i64::from(c.restart_count);
        last_restart = later(last_restart, last_termination_finished(c));
        let restartable = is_restartable_init(init_spec(&c.name));
        if restartable {
            restartable_init_restarts += i64::from(c.restart_count);
            last_restartable_init_restart =
                later(last_restartable_init_restart, last_termination_finished(c));
        }
        let state = c.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting = state.and_then(|s| s.waiting.as_ref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if restartable && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|s| *s != 0) {
                    Some(sig) => format!("Init:Signal:{sig}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = waiting
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || initialized(conditions) {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        for c in statuses.iter().rev() {
            restarts += i64::from(c.restart_count);
            last_restart = later(last_restart, last_termination_finished(c));
            let state = c.state.as_ref();
            let waiting = state.and_then(|s| s.waiting.as_ref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(r) = waiting
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty())
            {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => match t.signal.filter(|s| *s != 0) {
                        Some(sig) => format!("Signal:{sig}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if c.ready && state.and_then(|s| s.running.as_ref()).is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    let terminal = phase == "Failed" || phase == "Succeeded";
    if deleting && status.and_then(|s| s.reason.as_deref()) == Some(NODE_UNREACHABLE_POD_REASON) {
        reason = "Unknown".to_string();
    } else if deleting && !terminal {
        reason = "Terminating".to_string();
    }

    SummaryParts {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
        last_restart,
    }
}

fn none_if_empty(s: Option<&str>) -> String {
    match s {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "<none>".to_string(),
    }
}

fn pod_row(pod: &Pod, now: Timestamp, wide: bool) -> Row {
    let row = PodRow::of(pod);
    let mut cells = row.cells(now);
    if !wide {
        cells.truncate(HEADERS.len());
    }
    Row {
        namespace: row.namespace,
        cells,
    }
}

/// READINESS GATES: how many of the pod's readiness gates have a True condition.
fn readiness_gates(pod: &Pod) -> String {
    let gates = pod
        .spec
        .as_ref()
        .and_then(|s| s.readiness_gates.as_deref())
        .unwrap_or_default();
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let true_count = gates
        .iter()
        .filter(|g| {
            conditions
                .iter()
                .find(|c| c.type_ == g.condition_type)
                .is_some_and(|c| c.status == "True")
        })
        .count();
    format!("{true_count}/{}", gates.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// READY, STATUS and RESTARTS of a pod, as kubectl computes them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct PodSummary {
        ready: String,
        status: String,
        restarts: String,
    }

    fn summarize(pod: &Pod, now: Timestamp) -> PodSummary {
        let parts = summary_parts(pod);
        PodSummary {
            ready: parts.ready,
            status: parts.status,
            restarts: restarts_cell(parts.restarts, parts.last_restart, now),
        }
    }

    #[test]
    fn the_server_table_columns_are_the_printed_headers() {
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(names, [HEADERS, WIDE_HEADERS].concat());
        assert!(
            COLUMNS
                .iter()
                .all(|c| (c.2 == 1) == WIDE_HEADERS.contains(&c.0))
        );
    }
    use crate::cli::printers::test_support::now;
    use serde_json::{Value, json};

    /// A pod of job `oneshot` shaped as the API server returns it, with `status` merged in.
    fn pod(name: &str, status: Value) -> Pod {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default",
                         "creationTimestamp": "2024-05-01T11:55:00Z",
                         "labels": {"job-name": "oneshot"}},
            "spec": {"restartPolicy": "Never", "nodeName": "dockjob",
                     "containers": [{"name": "main", "image": "busybox"}]},
            "status": status
        }))
        .unwrap()
    }

    fn waiting(reason: &str) -> Value {
        json!({"phase": "Pending", "containerStatuses": [{
            "name": "main", "image": "busybox", "imageID": "", "ready": false,
            "restartCount": 0, "state": {"waiting": {"reason": reason}}}]})
    }

    fn terminated(phase: &str, reason: Option<&str>, code: i32) -> Value {
        let mut t = json!({"exitCode": code,
                           "startedAt": "2024-05-01T11:55:01Z",
                           "finishedAt": "2024-05-01T11:55:05Z"});
        if let Some(r) = reason {
            t["reason"] = json!(r);
        }
        json!({"phase": phase, "containerStatuses": [{
            "name": "main", "image": "busybox", "imageID": "", "ready": false,
            "restartCount": 0, "state": {"terminated": t}}]})
    }

    fn all_pods() -> Vec<Pod> {
        let mut terminating = pod(
            "oneshot-term",
            json!({"phase": "Running", "podIP": "172.18.0.4", "podIPs": [{"ip": "172.18.0.4"}],
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "main", "image": "busybox", "imageID": "",
                     "ready": true, "restartCount": 0,
                     "state": {"running": {"startedAt": "2024-05-01T11:55:02Z"}}}]}),
        );
        terminating.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now()));
        vec![
            pod("oneshot-pending", json!({"phase": "Pending"})),
            pod("oneshot-creating", waiting("ContainerCreating")),
            pod(
                "oneshot-running",
                json!({"phase": "Running", "podIPs": [{"ip": "172.18.0.3"}],
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "main", "image": "busybox", "imageID": "",
                         "ready": true, "restartCount": 0,
                         "state": {"running": {"startedAt": "2024-05-01T11:55:02Z"}}}]}),
            ),
            pod(
                "oneshot-done",
                terminated("Succeeded", Some("Completed"), 0),
            ),
            pod("oneshot-error", terminated("Failed", Some("Error"), 1)),
            pod("oneshot-oom", terminated("Failed", Some("OOMKilled"), 137)),
            pod("oneshot-code", terminated("Failed", None, 3)),
            pod(
                "oneshot-crash",
                json!({"phase": "Running", "containerStatuses": [{
                    "name": "main", "image": "busybox", "imageID": "", "ready": false,
                    "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                        "finishedAt": "2024-05-01T11:57:00Z"}}}]}),
            ),
            pod("oneshot-pull", waiting("ErrImagePull")),
            terminating,
        ]
    }

    #[test]
    fn pods_in_each_status() {
        let got = pods_table(&all_pods(), now(), &TableOptions::default());
        let want = "\
NAME               READY   STATUS              RESTARTS     AGE
oneshot-pending    0/1     Pending             0            5m
oneshot-creating   0/1     ContainerCreating   0            5m
oneshot-running    1/1     Running             0            5m
oneshot-done       0/1     Completed           0            5m
oneshot-error      0/1     Error               0            5m
oneshot-oom        0/1     OOMKilled           0            5m
oneshot-code       0/1     ExitCode:3          0            5m
oneshot-crash      0/1     CrashLoopBackOff    5 (3m ago)   5m
oneshot-pull       0/1     ErrImagePull        0            5m
oneshot-term       1/1     Terminating         0            5m
";
        assert_eq!(got, want);
    }

    #[test]
    fn wide_columns() {
        let pods = all_pods();
        let opts = TableOptions {
            wide: true,
            ..Default::default()
        };
        let got = pods_table(&pods[..3], now(), &opts);
        let want = "\
NAME               READY   STATUS              RESTARTS   AGE   IP           NODE      NOMINATED NODE   READINESS GATES
oneshot-pending    0/1     Pending             0          5m    <none>       dockjob   <none>           <none>
oneshot-creating   0/1     ContainerCreating   0          5m    <none>       dockjob   <none>           <none>
oneshot-running    1/1     Running             0          5m    172.18.0.3   dockjob   <none>           <none>
";
        assert_eq!(got, want);
    }

    #[test]
    fn init_containers_drive_the_status() {
        let mut p = pod(
            "init",
            json!({"phase": "Pending",
                   "initContainerStatuses": [
                     {"name": "setup", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                      "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                     {"name": "migrate", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                      "state": {"running": {}}}],
                   "containerStatuses": [{"name": "main", "image": "busybox", "imageID": "",
                     "ready": false, "restartCount": 0,
                     "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        );
        p.spec.as_mut().unwrap().init_containers = Some(vec![
            Container {
                name: "setup".into(),
                ..Default::default()
            },
            Container {
                name: "migrate".into(),
                ..Default::default()
            },
        ]);
        assert_eq!(summarize(&p, now()).status, "Init:1/2");

        let failed_init = pod(
            "init-failed",
            json!({"phase": "Failed",
                   "initContainerStatuses": [
                     {"name": "setup", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                      "state": {"terminated": {"exitCode": 2}}}]}),
        );
        assert_eq!(summarize(&failed_init, now()).status, "Init:ExitCode:2");
    }

    #[test]
    fn completed_container_next_to_a_running_one() {
        let p = pod(
            "two",
            json!({"phase": "Running",
                   "conditions": [{"type": "Ready", "status": "False"}],
                   "containerStatuses": [
                     {"name": "a", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                      "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                     {"name": "b", "image": "i", "imageID": "", "ready": true, "restartCount": 0,
                      "state": {"running": {}}}]}),
        );
        let s = summarize(&p, now());
        assert_eq!(s.status, "NotReady");
        assert_eq!(s.ready, "1/1");
    }

    /// A two-container pod with two init containers, through its life as the kubelet
    /// reports it, in kubectl's words.
    #[test]
    fn init_and_app_containers_through_a_pods_life() {
        let multi = |status: Value| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": "web", "namespace": "default",
                             "creationTimestamp": "2024-05-01T11:55:00Z"},
                "spec": {"initContainers": [{"name": "fetch", "image": "i"}, {"name": "migrate", "image": "i"}],
                         "containers": [{"name": "app", "image": "i"}, {"name": "sidecar", "image": "i"}]},
                "status": status}))
            .unwrap()
        };
        let cs = |name: &str, ready: bool, restarts: i32, state: Value| {
            json!({"name": name, "image": "i", "imageID": "", "ready": ready,
                   "restartCount": restarts, "state": state})
        };
        let done = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        let waiting = |r: &str| json!({"waiting": {"reason": r}});
        let app_init = json!([
            cs("app", false, 0, waiting("PodInitializing")),
            cs("sidecar", false, 0, waiting("PodInitializing"))
        ]);
        let cases = [
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                        cs("fetch", false, 0, waiting("PodInitializing")),
                        cs("migrate", false, 0, waiting("PodInitializing"))],
                    "containerStatuses": app_init}),
                "0/2",
                "Init:0/2",
                "0",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                        cs("fetch", false, 0, waiting("ErrImagePull")),
                        cs("migrate", false, 0, waiting("PodInitializing"))]}),
                "0/2",
                "Init:ErrImagePull",
                "0",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                        cs("fetch", false, 0, done.clone()),
                        cs("migrate", false, 0, json!({"running": {}}))]}),
                "0/2",
                "Init:1/2",
                "0",
            ),
            (
                json!({"phase": "Failed", "initContainerStatuses": [
                        cs("fetch", false, 0, done.clone()),
                        cs("migrate", false, 0, json!({"terminated": {"exitCode": 1, "reason": "Error"}}))]}),
                "0/2",
                "Init:Error",
                "0",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                        cs("fetch", false, 0, done.clone()),
                        {"name": "migrate", "image": "i", "imageID": "", "ready": false, "restartCount": 3,
                         "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                         "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-05-01T11:59:30Z"}}}]}),
                "0/2",
                "Init:CrashLoopBackOff",
                "3 (30s ago)",
            ),
            (
                json!({"phase": "Pending",
                    "conditions": [{"type": "Initialized", "status": "True"}],
                    "initContainerStatuses": [cs("fetch", false, 0, done.clone()),
                                              cs("migrate", false, 0, done.clone())],
                    "containerStatuses": app_init}),
                "0/2",
                "PodInitializing",
                "0",
            ),
            (
                json!({"phase": "Pending",
                    "conditions": [{"type": "Initialized", "status": "True"}],
                    "initContainerStatuses": [cs("fetch", false, 0, done.clone()),
                                              cs("migrate", false, 0, done.clone())],
                    "containerStatuses": [cs("app", false, 0, waiting("CreateContainerConfigError")),
                                          cs("sidecar", true, 0, json!({"running": {}}))]}),
                "1/2",
                "CreateContainerConfigError",
                "0",
            ),
            (
                json!({"phase": "Running",
                    "conditions": [{"type": "Initialized", "status": "True"},
                                   {"type": "Ready", "status": "True"}],
                    "initContainerStatuses": [cs("fetch", false, 0, done.clone()),
                                              cs("migrate", false, 0, done.clone())],
                    "containerStatuses": [cs("app", true, 0, json!({"running": {}})),
                                          cs("sidecar", true, 0, json!({"running": {}}))]}),
                "2/2",
                "Running",
                "0",
            ),
            (
                json!({"phase": "Running",
                    "conditions": [{"type": "Initialized", "status": "True"},
                                   {"type": "Ready", "status": "False"}],
                    "containerStatuses": [cs("app", false, 0, waiting("ImagePullBackOff")),
                                          cs("sidecar", true, 0, json!({"running": {}}))]}),
                "1/2",
                "ImagePullBackOff",
                "0",
            ),
            (
                json!({"phase": "Succeeded",
                    "initContainerStatuses": [cs("fetch", false, 0, done.clone()),
                                              cs("migrate", false, 0, done.clone())],
                    "containerStatuses": [cs("app", false, 0, done.clone()),
                                          cs("sidecar", false, 0, done.clone())]}),
                "0/2",
                "Completed",
                "0",
            ),
        ];
        for (status, ready, reason, restarts) in cases {
            let got = summarize(&multi(status.clone()), now());
            assert_eq!(
                (
                    got.ready.as_str(),
                    got.status.as_str(),
                    got.restarts.as_str()
                ),
                (ready, reason, restarts),
                "{status}"
            );
        }
    }

    /// The wide IP column falls back to `status.podIP` when `podIPs` is absent.
    #[test]
    fn wide_ip_from_pod_ip() {
        let p = pod("solo", json!({"phase": "Running", "podIP": "172.18.0.9"}));
        let opts = TableOptions {
            wide: true,
            ..Default::default()
        };
        assert!(
            pods_table(&[p], now(), &opts).contains(" 172.18.0.9 "),
            "podIP shown"
        );
    }
}
