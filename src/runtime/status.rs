//! Docker inspect -> Kubernetes PodStatus, as the kubelet would report it.
//!
//! Pure: takes inspect responses (and what the observer remembered of the last
//! restart), returns k8s-openapi types. Follows pkg/kubelet/kubelet_pods.go (getPhase,
//! container states) and pkg/kubelet/status/generate.go (conditions). Must not call
//! Docker or read the clock: every time comes from Docker's own timestamps.

use bollard::models::{
    ContainerInspectResponse, ContainerState as DockerState, ContainerStateStatusEnum,
    RestartPolicyNameEnum,
};
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, Pod, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::steps::{PodView, Seen, is_over};
use super::translate::{ROLE_LABEL, Role};
use crate::api::labels::docker as label;

/// One Docker container of a pod, with the termination that preceded its current run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedContainer {
    pub inspect: ContainerInspectResponse,
    /// The termination Docker restarted the container after (kept by the observer from
    /// the `restarting` state: Docker itself forgets the exit code once it runs again).
    pub last_termination: Option<ContainerStateTerminated>,
}

/// Docker writes `0001-01-01T00:00:00Z` for "never"; Kubernetes omits the field. Times
/// are truncated to seconds, the precision of a Kubernetes `Time`.
pub fn docker_time(s: Option<&str>) -> Option<Time> {
    let s = s?.trim();
    if s.is_empty() || s.starts_with("0001-01-01") {
        return None;
    }
    let ts: jiff::Timestamp = s.parse().ok()?;
    jiff::Timestamp::from_second(ts.as_second()).ok().map(Time)
}

/// The pod's restart policy, read back from Docker's (translate sets it 1:1).
pub fn restart_policy(inspect: &ContainerInspectResponse) -> &'static str {
    let name = inspect
        .host_config
        .as_ref()
        .and_then(|h| h.restart_policy.as_ref())
        .and_then(|r| r.name);
    match name {
        Some(RestartPolicyNameEnum::ON_FAILURE) => "OnFailure",
        Some(RestartPolicyNameEnum::ALWAYS | RestartPolicyNameEnum::UNLESS_STOPPED) => "Always",
        _ => "Never",
    }
}

/// A label of ours on the container.
pub fn label_of<'a>(inspect: &'a ContainerInspectResponse, key: &str) -> Option<&'a str> {
    inspect
        .config
        .as_ref()
        .and_then(|c| c.labels.as_ref())
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

fn state_of(inspect: &ContainerInspectResponse) -> (&DockerState, ContainerStateStatusEnum) {
    static EMPTY: DockerState = DockerState {
        status: None,
        running: None,
        paused: None,
        restarting: None,
        oom_killed: None,
        dead: None,
        pid: None,
        exit_code: None,
        error: None,
        started_at: None,
        finished_at: None,
        health: None,
    };
    let state = inspect.state.as_ref().unwrap_or(&EMPTY);
    let status = state.status.unwrap_or(ContainerStateStatusEnum::EMPTY);
    (state, status)
}

/// A container that failed to start stays `created` in Docker, with the error recorded.
/// A start refused because the pod's sandbox was down is not such a failure (see
/// [`sandbox_was_down`]): the container is still only created, and runs once the
/// sandbox does.
fn start_failed(state: &DockerState, status: ContainerStateStatusEnum) -> bool {
    status == ContainerStateStatusEnum::CREATED
        && state
            .error
            .as_deref()
            .is_some_and(|e| !e.is_empty() && !sandbox_was_down(e))
}

/// Whether a container's start failed because the pod's sandbox was down, not because
/// of the container's process: the infra container whose network namespace it joins was
/// not running (Docker's getNetworkedContainer, daemon/container_operations.go: "cannot
/// join network of a non running container", or "... is restarting, wait until the
/// container is running"), or its process died between Docker's check and runc joining
/// its namespace (runc: "namespace path: lstat /proc/<pid>/ns/net: no such file or
/// directory"; the only network namespace path in a pod container's spec is the
/// infra's), or runc's init process was killed before it could exec the container's
/// command (runc: "can't get final child's PID from pipe: EOF", as when dockerd's
/// shutdown kills the pod's processes under a start in flight). All of these happen while
/// dockerd stops or restarts under the pod; a process that cannot be run gives its own
/// message (e.g. "executable file not found in $PATH"). The kubelet
/// starts such a container once the sandbox runs again; a `StartError` (never retried)
/// would fail a pod that its restart policy, or a process that never ran, says must run.
///
/// So is a start refused because the namespace's network is gone (Docker 20.10 looks
/// the network up at start: "network <name> not found", removed from outside): the
/// engine makes the network again and starts the container again, and a look taken in
/// between (the create event's, which waits out the failed start) must not end the pod.
fn sandbox_was_down(error: &str) -> bool {
    super::network::is_network_missing(error)
        || error.contains("cannot join network of a non running container")
        || error.contains("is restarting, wait until the container is running")
        || error.contains("/ns/net")
        || error.contains("can't get final child's PID from pipe")
}

/// True when Docker will never run this container again by itself: it exited (and its
/// restart policy did not restart it), died, is being removed, or failed to start.
pub fn is_terminal(inspect: &ContainerInspectResponse) -> bool {
    let (state, status) = state_of(inspect);
    matches!(
        status,
        ContainerStateStatusEnum::EXITED
            | ContainerStateStatusEnum::DEAD
            | ContainerStateStatusEnum::REMOVING
    ) || start_failed(state, status)
}

fn container_id(inspect: &ContainerInspectResponse) -> Option<String> {
    inspect.id.as_ref().map(|id| format!("docker://{id}"))
}

/// The termination recorded in Docker's state: exit code, reason as the kubelet names it
/// (`OOMKilled`, `Completed`, `Error`; `StartError` when the process never started) and
/// Docker's error text as the message.
fn terminated(inspect: &ContainerInspectResponse) -> ContainerStateTerminated {
    let (state, status) = state_of(inspect);
    let exit_code = state
        .exit_code
        .and_then(|c| i32::try_from(c).ok())
        .unwrap_or(0);
    let reason = if start_failed(state, status) {
        "StartError"
    } else if state.oom_killed == Some(true) {
        "OOMKilled"
    } else if exit_code == 0 {
        "Completed"
    } else {
        "Error"
    };
    ContainerStateTerminated {
        container_id: container_id(inspect),
        exit_code,
        reason: Some(reason.to_string()),
        message: state.error.clone().filter(|e| !e.is_empty()),
        started_at: docker_time(state.started_at.as_deref()),
        finished_at: docker_time(state.finished_at.as_deref()),
        signal: None,
    }
}

/// What to remember as `lastState` when Docker is about to restart the container: the
/// termination it is restarting after. `None` in any other state.
pub fn restart_termination(inspect: &ContainerInspectResponse) -> Option<ContainerStateTerminated> {
    let (_, status) = state_of(inspect);
    (status == ContainerStateStatusEnum::RESTARTING).then(|| terminated(inspect))
}

/// One container's status. `last` is the termination before the current run, if known.
pub fn container_status(
    inspect: &ContainerInspectResponse,
    last: Option<&ContainerStateTerminated>,
) -> ContainerStatus {
    let (state, status) = state_of(inspect);
    let name = label_of(inspect, label::CONTAINER)
        .map(str::to_string)
        .or_else(|| {
            inspect
                .name
                .as_ref()
                .map(|n| n.trim_start_matches('/').to_string())
        })
        .unwrap_or_default();
    let restart_count = inspect
        .restart_count
        .and_then(|c| i32::try_from(c).ok())
        .unwrap_or(0);
    let with_last = |current: Option<&ContainerStateTerminated>| {
        let last = last.filter(|l| {
            restart_count > 0 && current.is_none_or(|c| c.finished_at != l.finished_at)
        })?;
        Some(ContainerState {
            terminated: Some(last.clone()),
            ..Default::default()
        })
    };
    let (current, last_state, ready) = match status {
        ContainerStateStatusEnum::RUNNING
        | ContainerStateStatusEnum::PAUSED
        | ContainerStateStatusEnum::STOPPING => (
            ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: docker_time(state.started_at.as_deref()),
                }),
                ..Default::default()
            },
            with_last(None),
            true,
        ),
        // Docker waits out its restart backoff: the kubelet's CrashLoopBackOff.
        ContainerStateStatusEnum::RESTARTING => {
            let pod = label_of(inspect, label::POD).unwrap_or("");
            let ns = label_of(inspect, label::NAMESPACE).unwrap_or("");
            let uid = label_of(inspect, label::POD_UID).unwrap_or("");
            (
                ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some("CrashLoopBackOff".into()),
                        message: Some(format!(
                            "back-off restarting failed container={name} pod={pod}_{ns}({uid})"
                        )),
                    }),
                    ..Default::default()
                },
                Some(ContainerState {
                    terminated: Some(terminated(inspect)),
                    ..Default::default()
                }),
                false,
            )
        }
        _ if is_terminal(inspect) => {
            let t = terminated(inspect);
            let last_state = with_last(Some(&t));
            (
                ContainerState {
                    terminated: Some(t),
                    ..Default::default()
                },
                last_state,
                false,
            )
        }
        // created (or a state Docker added later): not started yet.
        _ => (
            ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("ContainerCreating".into()),
                    message: None,
                }),
                ..Default::default()
            },
            None,
            false,
        ),
    };
    let config = inspect.config.as_ref();
    ContainerStatus {
        name,
        image: config.and_then(|c| c.image.clone()).unwrap_or_default(),
        image_id: inspect
            .image
            .as_ref()
            .map(|i| format!("docker://{i}"))
            .unwrap_or_default(),
        container_id: container_id(inspect),
        ready,
        started: Some(current.running.is_some()),
        restart_count,
        state: Some(current),
        last_state: Some(last_state.unwrap_or_default()),
        ..Default::default()
    }
}

/// Waiting states the kubelet knows and Docker does not, by container name: why a
/// container that does not exist yet is not being made (CreateContainerConfigError,
/// ErrImagePull, ImagePullBackOff, ...). Applied only to containers Docker does not have.
pub type Waiting = BTreeMap<String, ContainerStateWaiting>;

/// What Docker shows of one container, for the step function.
pub fn seen(inspect: Option<&ContainerInspectResponse>) -> Seen {
    let Some(inspect) = inspect else {
        return Seen::Missing;
    };
    let (state, status) = state_of(inspect);
    if start_failed(state, status) {
        return Seen::Failed { start_error: true };
    }
    if is_terminal(inspect) {
        let code = state.exit_code.unwrap_or(0);
        return if code == 0 && status == ContainerStateStatusEnum::EXITED {
            Seen::Succeeded
        } else {
            Seen::Failed { start_error: false }
        };
    }
    if status == ContainerStateStatusEnum::CREATED {
        Seen::Created
    } else {
        Seen::Running
    }
}

/// A running container's inspect as it reads once it exited with `exit_code` at `at`
/// (RFC 3339), when Docker will not restart it (its restart policy is `no`, or
/// `on-failure` and the exit is 0); `None` when Docker may restart it, or when the
/// container was not seen running. A SIGKILL (137) is not known from the exit alone
/// (it may be the OOM killer), so it is `None` too.
pub fn exited(
    mut inspect: ContainerInspectResponse,
    exit_code: i64,
    at: &str,
) -> Option<ContainerInspectResponse> {
    let policy = inspect
        .host_config
        .as_ref()
        .and_then(|h| h.restart_policy.as_ref())
        .and_then(|p| p.name)
        .unwrap_or(RestartPolicyNameEnum::EMPTY);
    let stays_down = match policy {
        RestartPolicyNameEnum::EMPTY | RestartPolicyNameEnum::NO => true,
        RestartPolicyNameEnum::ON_FAILURE => exit_code == 0,
        _ => false,
    };
    if !stays_down || exit_code == 137 || seen(Some(&inspect)) != Seen::Running {
        return None;
    }
    let state = inspect.state.as_mut()?;
    state.status = Some(ContainerStateStatusEnum::EXITED);
    state.running = Some(false);
    state.restarting = Some(false);
    state.paused = Some(false);
    state.oom_killed = Some(false);
    state.dead = Some(false);
    state.pid = Some(0);
    state.exit_code = Some(exit_code);
    state.finished_at = Some(at.to_string());
    Some(inspect)
}

/// A created container's inspect as it reads once it started at `at` (RFC 3339); one
/// that is past created is left as it is.
pub fn started(inspect: &mut ContainerInspectResponse, at: &str) {
    if seen(Some(inspect)) != Seen::Created {
        return;
    }
    if let Some(state) = inspect.state.as_mut() {
        state.status = Some(ContainerStateStatusEnum::RUNNING);
        state.running = Some(true);
        state.started_at = Some(at.to_string());
    }
}

/// Whether the container is an app container that holds its pod's network itself (the
/// pod has no infra container, see `translate::owns_sandbox`): its network mode is its
/// network, not `container:<infra>`.
pub fn is_own_sandbox(inspect: &ContainerInspectResponse) -> bool {
    let mode = inspect
        .host_config
        .as_ref()
        .and_then(|h| h.network_mode.as_deref())
        .unwrap_or("");
    role_of(inspect) == Role::App && !mode.is_empty() && !mode.starts_with("container:")
}

/// How long after a SIGKILL exit Docker may still learn that it was the OOM killer's (its
/// `oom` event may follow the `die`, see `runtime::oom`).
pub const OOM_REPORT_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// How much longer to wait before trusting that a SIGKILLed container (exit 137, not
/// marked OOMKilled) was not the OOM killer's: Docker may learn of the OOM kill up to
/// `grace` after the exit ([`OOM_REPORT_GRACE`]). `None` when the
/// container is not such a fresh SIGKILL, by Docker's `finishedAt` and `now`.
pub fn sigkill_unsettled(
    inspect: &ContainerInspectResponse,
    now: jiff::Timestamp,
    grace: std::time::Duration,
) -> Option<std::time::Duration> {
    let state = inspect.state.as_ref()?;
    if state.exit_code != Some(137)
        || state.oom_killed == Some(true)
        || state.status != Some(ContainerStateStatusEnum::EXITED)
    {
        return None;
    }
    let finished: jiff::Timestamp = state.finished_at.as_deref()?.parse().ok()?;
    let settled = finished
        .checked_add(jiff::SignedDuration::try_from(grace).ok()?)
        .ok()?;
    let left = now.duration_until(settled);
    (left.is_positive()).then(|| left.unsigned_abs())
}

/// The role of a container, from its label.
pub fn role_of(inspect: &ContainerInspectResponse) -> Role {
    Role::from_label(label_of(inspect, ROLE_LABEL))
}

/// The pod's containers as Docker shows them, matched to its spec by role and name.
pub struct Matched<'a> {
    /// The pod has no infra container (`translate::owns_sandbox`).
    pub owns_sandbox: bool,
    /// The container holding the pod's network: the infra container, or the one app
    /// container of a pod that owns its sandbox.
    pub infra: Option<&'a ObservedContainer>,
    pub init: Vec<Option<&'a ObservedContainer>>,
    pub apps: Vec<Option<&'a ObservedContainer>>,
}

impl<'a> Matched<'a> {
    pub fn new(pod: &Pod, containers: &'a [ObservedContainer]) -> Matched<'a> {
        let find = |role: Role, name: &str| {
            containers.iter().find(|c| {
                role_of(&c.inspect) == role && label_of(&c.inspect, label::CONTAINER) == Some(name)
            })
        };
        let spec = pod.spec.as_ref();
        let owns_sandbox = super::translate::owns_sandbox(pod);
        let sandbox_role = if owns_sandbox { Role::App } else { Role::Infra };
        Matched {
            owns_sandbox,
            infra: containers
                .iter()
                .find(|c| role_of(&c.inspect) == sandbox_role),
            init: spec
                .iter()
                .flat_map(|s| s.init_containers.iter().flatten())
                .map(|c| find(Role::Init, &c.name))
                .collect(),
            apps: spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .map(|c| find(Role::App, &c.name))
                .collect(),
        }
    }

    /// The view the step function decides from.
    pub fn view(&self, restart_policy: &str) -> PodView {
        let s = |c: &Option<&ObservedContainer>| seen(c.map(|c| &c.inspect));
        PodView {
            restart_policy: restart_policy.to_string(),
            owns_sandbox: self.owns_sandbox,
            infra: s(&self.infra),
            init: self.init.iter().map(s).collect(),
            apps: self.apps.iter().map(s).collect(),
        }
    }
}

/// The pod phase: the kubelet's getPhase (without restartable init containers).
/// `terminal` says no container will run again (the kubelet's podIsTerminal).
fn phase(
    init: &[ContainerStatus],
    apps: &[ContainerStatus],
    policy: &str,
    terminal: bool,
) -> &'static str {
    let last_terminated = |cs: &ContainerStatus| {
        cs.last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref())
            .map(|t| t.exit_code)
    };
    let (mut pending_init, mut failed_init) = (0, 0);
    for cs in init {
        let state = cs.state.clone().unwrap_or_default();
        if state.running.is_some() {
            pending_init += 1;
        } else if let Some(t) = &state.terminated {
            if t.exit_code != 0 {
                failed_init += 1;
            }
        } else if state.waiting.is_some() {
            match last_terminated(cs) {
                Some(code) if code != 0 => failed_init += 1,
                Some(_) => {}
                None => pending_init += 1,
            }
        } else {
            pending_init += 1;
        }
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for cs in apps {
        let state = cs.state.clone().unwrap_or_default();
        if state.running.is_some() {
            running += 1;
        } else if let Some(t) = &state.terminated {
            stopped += 1;
            if t.exit_code == 0 {
                succeeded += 1;
            }
        } else if last_terminated(cs).is_some() {
            stopped += 1;
        } else {
            waiting += 1;
        }
    }
    if failed_init > 0 && policy == "Never" {
        return "Failed";
    }
    let any_app_started = apps.iter().any(|cs| {
        cs.state.as_ref().is_some_and(|s| s.waiting.is_none()) || last_terminated(cs).is_some()
    });
    if (pending_init > 0 && !any_app_started) || waiting > 0 || apps.is_empty() {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped == 0 {
        return "Pending";
    }
    if terminal {
        return if stopped == succeeded {
            "Succeeded"
        } else {
            "Failed"
        };
    }
    match policy {
        "Always" => "Running",
        _ if stopped == succeeded => "Succeeded",
        "Never" => "Failed",
        // OnFailure with a failure: Docker is restarting it.
        _ => "Running",
    }
}

fn condition(
    type_: &str,
    status: bool,
    reason: Option<&str>,
    message: Option<String>,
    at: Option<Time>,
) -> PodCondition {
    PodCondition {
        type_: type_.to_string(),
        status: if status { "True" } else { "False" }.to_string(),
        reason: reason.map(str::to_string),
        message,
        last_transition_time: at,
        ..Default::default()
    }
}

/// The status of a container Docker does not have: the kubelet's default waiting state
/// (`PodInitializing` in a pod with init containers, `ContainerCreating` otherwise), or
/// what the kubelet knows of why it is not made (`waiting`).
fn not_created(c: &Container, default_reason: &str, waiting: &Waiting) -> ContainerStatus {
    let state = waiting
        .get(&c.name)
        .cloned()
        .unwrap_or(ContainerStateWaiting {
            reason: Some(default_reason.to_string()),
            message: None,
        });
    ContainerStatus {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        image_id: String::new(),
        ready: false,
        started: Some(false),
        restart_count: 0,
        state: Some(ContainerState {
            waiting: Some(state),
            ..Default::default()
        }),
        last_state: Some(ContainerState::default()),
        ..Default::default()
    }
}

/// The pod's IP: the infra container's address on its (namespace) network, while it runs.
pub fn pod_ip(infra: &ContainerInspectResponse) -> Option<String> {
    let (_, status) = state_of(infra);
    if status != ContainerStateStatusEnum::RUNNING {
        return None;
    }
    let mode = infra
        .host_config
        .as_ref()
        .and_then(|h| h.network_mode.as_deref());
    let networks = infra.network_settings.as_ref()?.networks.as_ref()?;
    let ip =
        |n: &bollard::models::EndpointSettings| n.ip_address.clone().filter(|ip| !ip.is_empty());
    mode.and_then(|m| networks.get(m))
        .and_then(ip)
        .or_else(|| networks.values().find_map(ip))
}

/// The pod's status as the kubelet would report it, from its spec and its containers in
/// Docker. Init container statuses come in spec order, app container statuses sorted by
/// name (as the kubelet sorts them). Conditions come in the kubelet's order:
/// PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled.
/// Transition times are Docker's: creation for scheduling and initialization, the latest
/// start/finish for readiness.
pub fn pod_status(pod: &Pod, containers: &[ObservedContainer], waiting: &Waiting) -> PodStatus {
    let matched = Matched::new(pod, containers);
    let spec = pod.spec.clone().unwrap_or_default();
    let policy = spec.restart_policy.as_deref().unwrap_or("Always");
    let init_specs = spec.init_containers.clone().unwrap_or_default();
    let default_reason = if init_specs.is_empty() {
        "ContainerCreating"
    } else {
        "PodInitializing"
    };
    let status_of = |c: &Container, seen: Option<&ObservedContainer>| match seen {
        Some(o) => container_status(&o.inspect, o.last_termination.as_ref()),
        None => not_created(c, default_reason, waiting),
    };
    let init: Vec<ContainerStatus> = init_specs
        .iter()
        .zip(&matched.init)
        .map(|(c, o)| {
            let mut cs = status_of(c, *o);
            // An init container is ready once it succeeded (prober manager).
            cs.ready = cs
                .state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .is_some_and(|t| t.exit_code == 0);
            cs
        })
        .collect();
    let mut apps: Vec<ContainerStatus> = spec
        .containers
        .iter()
        .zip(&matched.apps)
        .map(|(c, o)| status_of(c, *o))
        .collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));

    let view = matched.view(policy);
    let terminal = is_over(&view);
    let phase = phase(&init, &apps, policy, terminal);

    let created = containers
        .iter()
        .filter_map(|c| docker_time(c.inspect.created.as_deref()))
        .min();
    let latest = containers
        .iter()
        .flat_map(|c| {
            let state = c.inspect.state.as_ref();
            [
                docker_time(c.inspect.created.as_deref()),
                docker_time(state.and_then(|s| s.started_at.as_deref())),
                docker_time(state.and_then(|s| s.finished_at.as_deref())),
            ]
        })
        .flatten()
        .max();

    let unready: Vec<&str> = apps
        .iter()
        .filter(|s| !s.ready)
        .map(|s| s.name.as_str())
        .collect();
    let (ready, ready_reason, ready_message) = match phase {
        "Succeeded" => (false, Some("PodCompleted"), None),
        "Failed" => (false, Some("PodFailed"), None),
        _ if !unready.is_empty() => (
            false,
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        ),
        _ => (true, None, None),
    };
    let incomplete: Vec<&str> = init
        .iter()
        .filter(|s| !s.ready)
        .map(|s| s.name.as_str())
        .collect();
    let any_app_started = apps.iter().any(|s| {
        s.state.as_ref().is_some_and(|st| st.waiting.is_none())
            || s.last_state
                .as_ref()
                .is_some_and(|l| l.terminated.is_some())
    });
    let (initialized, init_reason, init_message) = if phase == "Succeeded" {
        (true, Some("PodCompleted"), None)
    } else if any_app_started || incomplete.is_empty() {
        (true, None, None)
    } else {
        (
            false,
            Some("ContainersNotInitialized"),
            Some(format!(
                "containers with incomplete status: [{}]",
                incomplete.join(" ")
            )),
        )
    };
    let sandbox_ready = matched
        .infra
        .is_some_and(|i| state_of(&i.inspect).1 == ContainerStateStatusEnum::RUNNING);
    let init_done_at = if initialized {
        init.iter()
            .filter_map(|s| s.state.as_ref()?.terminated.as_ref()?.finished_at.clone())
            .max()
            .or_else(|| created.clone())
    } else {
        latest.clone()
    };
    let conditions = vec![
        condition(
            "PodReadyToStartContainers",
            sandbox_ready,
            None,
            None,
            if sandbox_ready {
                created.clone()
            } else {
                latest.clone()
            },
        ),
        condition(
            "Initialized",
            initialized,
            init_reason,
            init_message,
            init_done_at,
        ),
        condition(
            "Ready",
            ready,
            ready_reason,
            ready_message.clone(),
            latest.clone(),
        ),
        condition(
            "ContainersReady",
            ready,
            ready_reason,
            ready_message,
            latest,
        ),
        condition("PodScheduled", true, None, None, created.clone()),
    ];

    let pod_ip = matched.infra.and_then(|i| pod_ip(&i.inspect));
    PodStatus {
        phase: Some(phase.to_string()),
        conditions: Some(conditions),
        init_container_statuses: (!init.is_empty()).then_some(init),
        container_statuses: Some(apps),
        start_time: created,
        pod_ips: pod_ip.clone().map(|ip| vec![PodIP { ip }]),
        pod_ip,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerConfig, EndpointSettings, HostConfig, NetworkSettings, RestartPolicy,
    };
    use std::collections::HashMap;

    const ZERO: &str = "0001-01-01T00:00:00Z";
    const CREATED: &str = "2024-05-01T10:00:00.123456789Z";
    const STARTED: &str = "2024-05-01T10:00:01.5Z";
    const FINISHED: &str = "2024-05-01T10:00:07.999Z";

    fn t(s: &str) -> Time {
        docker_time(Some(s)).unwrap()
    }

    /// A hand-made inspect response: Docker status, exit code, OOM flag, restart policy.
    fn inspect(
        status: ContainerStateStatusEnum,
        exit: i64,
        oom: bool,
        policy: RestartPolicyNameEnum,
        restarts: i64,
    ) -> ContainerInspectResponse {
        let running = matches!(
            status,
            ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::RESTARTING
        );
        let started = !matches!(status, ContainerStateStatusEnum::CREATED);
        let finished = matches!(
            status,
            ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::RESTARTING
        );
        ContainerInspectResponse {
            id: Some("abc123".into()),
            created: Some(CREATED.into()),
            name: Some("/dockjob_main_p_ns_01234567".into()),
            image: Some("sha256:feed".into()),
            restart_count: Some(restarts),
            state: Some(DockerState {
                status: Some(status),
                running: Some(running),
                restarting: Some(status == ContainerStateStatusEnum::RESTARTING),
                oom_killed: Some(oom),
                exit_code: Some(exit),
                error: Some(String::new()),
                started_at: Some(if started { STARTED } else { ZERO }.into()),
                finished_at: Some(if finished { FINISHED } else { ZERO }.into()),
                ..Default::default()
            }),
            config: Some(ContainerConfig {
                image: Some("busybox:1".into()),
                labels: Some(HashMap::from([
                    (label::CONTAINER.to_string(), "main".to_string()),
                    (label::POD.to_string(), "p".to_string()),
                    (label::NAMESPACE.to_string(), "ns".to_string()),
                    (label::POD_UID.to_string(), "uid-1".to_string()),
                ])),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                restart_policy: Some(RestartPolicy {
                    name: Some(policy),
                    maximum_retry_count: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The same response as another container of the pod.
    fn named(mut i: ContainerInspectResponse, role: Role, name: &str) -> ContainerInspectResponse {
        let labels = i.config.as_mut().unwrap().labels.as_mut().unwrap();
        labels.insert(label::CONTAINER.into(), name.into());
        labels.insert(ROLE_LABEL.into(), role.label().into());
        i.id = Some(format!("id-{name}"));
        i
    }

    /// A running infra container on `net` with `ip`.
    fn infra(status: ContainerStateStatusEnum, ip: &str) -> ContainerInspectResponse {
        let mut i = named(
            inspect(status, 0, false, P::UNLESS_STOPPED, 0),
            Role::Infra,
            "POD",
        );
        i.host_config.as_mut().unwrap().network_mode = Some("dockjob_ns_e".into());
        i.network_settings = Some(NetworkSettings {
            networks: Some(HashMap::from([(
                "dockjob_ns_e".to_string(),
                EndpointSettings {
                    ip_address: Some(ip.into()),
                    ..Default::default()
                },
            )])),
            ..Default::default()
        });
        i
    }

    /// A pod with an infra container: each container reads `status.podIP`, which keeps
    /// the sandbox even for one container (see `translate::owns_sandbox`).
    fn spec_pod(policy: &str, init: &[&str], apps: &[&str]) -> Pod {
        let c = |n: &&str| Container {
            name: n.to_string(),
            image: Some(format!("img-{n}")),
            env: Some(vec![k8s_openapi::api::core::v1::EnvVar {
                name: "POD_IP".into(),
                value_from: Some(k8s_openapi::api::core::v1::EnvVarSource {
                    field_ref: Some(k8s_openapi::api::core::v1::ObjectFieldSelector {
                        field_path: "status.podIP".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        };
        Pod {
            spec: Some(k8s_openapi::api::core::v1::PodSpec {
                restart_policy: Some(policy.into()),
                init_containers: (!init.is_empty()).then(|| init.iter().map(c).collect()),
                containers: apps.iter().map(c).collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn observed(list: Vec<ContainerInspectResponse>) -> Vec<ObservedContainer> {
        list.into_iter()
            .map(|inspect| ObservedContainer {
                inspect,
                last_termination: None,
            })
            .collect()
    }

    /// One app container `main` (policy from its Docker restart policy) with a running
    /// infra container.
    fn observe(i: ContainerInspectResponse) -> PodStatus {
        let pod = spec_pod(restart_policy(&i), &[], &["main"]);
        pod_status(
            &pod,
            &observed(vec![infra(S::RUNNING, "10.210.3.7"), i]),
            &Waiting::new(),
        )
    }

    #[test]
    fn a_pod_that_owns_its_sandbox_takes_its_ip_from_the_app_container() {
        let mut pod = spec_pod("Never", &[], &["main"]);
        pod.spec.as_mut().unwrap().containers[0].env = None;
        let mut app = inspect(S::RUNNING, 0, false, P::NO, 0);
        let ip = infra(S::RUNNING, "10.210.3.9");
        app.network_settings = ip.network_settings.clone();
        app.host_config.as_mut().unwrap().network_mode =
            ip.host_config.as_ref().unwrap().network_mode.clone();
        let matched_list = observed(vec![app.clone()]);
        let matched = Matched::new(&pod, &matched_list);
        assert!(matched.owns_sandbox);
        assert!(matched.view("Never").owns_sandbox);
        let s = pod_status(&pod, &matched_list, &Waiting::new());
        assert_eq!(s.phase.as_deref(), Some("Running"));
        assert_eq!(s.pod_ip.as_deref(), Some("10.210.3.9"));
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "True");
        // Exited: the address went with the container.
        let mut done = inspect(S::EXITED, 0, false, P::NO, 0);
        done.network_settings = ip.network_settings;
        let s = pod_status(&pod, &observed(vec![done]), &Waiting::new());
        assert_eq!(s.phase.as_deref(), Some("Succeeded"));
        assert_eq!(s.pod_ip, None);
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "False");
    }

    #[test]
    fn an_exit_is_known_from_the_event_only_where_docker_will_not_restart() {
        const AT: &str = "2026-11-28T04:00:01.5Z";
        let created = inspect(S::CREATED, 0, false, P::NO, 0);
        assert_eq!(exited(created.clone(), 0, AT), None, "never seen running");
        let mut running = created;
        started(&mut running, STARTED);
        assert_eq!(seen(Some(&running)), Seen::Running);
        let done = exited(running.clone(), 3, AT).expect("Never: over");
        assert_eq!(seen(Some(&done)), Seen::Failed { start_error: false });
        let s = observe(done);
        assert_eq!(s.phase.as_deref(), Some("Failed"));
        let term = cs(&s).state.as_ref().unwrap().terminated.clone().unwrap();
        assert_eq!(term.exit_code, 3);
        assert_eq!(term.started_at, Some(t(STARTED)));
        assert_eq!(term.finished_at, Some(t(AT)));
        // A SIGKILL may be the OOM killer: only an inspect says.
        assert_eq!(exited(running, 137, AT), None);
        let on_failure = inspect(S::RUNNING, 0, false, P::ON_FAILURE, 0);
        assert!(
            exited(on_failure.clone(), 0, AT).is_some(),
            "success stays down"
        );
        assert_eq!(exited(on_failure, 1, AT), None, "Docker restarts it");
        assert_eq!(
            exited(inspect(S::RUNNING, 0, false, P::ALWAYS, 0), 0, AT),
            None
        );
        // A start only moves a created container.
        let mut over = inspect(S::EXITED, 0, false, P::NO, 0);
        started(&mut over, AT);
        assert_eq!(seen(Some(&over)), Seen::Succeeded);
    }

    fn cond<'a>(s: &'a PodStatus, type_: &str) -> &'a PodCondition {
        s.conditions
            .as_ref()
            .unwrap()
            .iter()
            .find(|c| c.type_ == type_)
            .unwrap()
    }

    fn cs(s: &PodStatus) -> &ContainerStatus {
        &s.container_statuses.as_ref().unwrap()[0]
    }

    use ContainerStateStatusEnum as S;
    use RestartPolicyNameEnum as P;

    #[test]
    fn docker_zero_time_is_unset() {
        assert_eq!(docker_time(Some(ZERO)), None);
        assert_eq!(docker_time(Some("")), None);
        assert_eq!(docker_time(None), None);
        assert_eq!(docker_time(Some("garbage")), None);
        assert_eq!(t(CREATED).0.to_string(), "2024-05-01T10:00:00Z");
    }

    #[test]
    fn created_not_started_is_pending_container_creating() {
        let s = observe(inspect(S::CREATED, 0, false, P::NO, 0));
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        let c = cs(&s);
        let waiting = c.state.as_ref().unwrap().waiting.as_ref().unwrap();
        assert_eq!(waiting.reason.as_deref(), Some("ContainerCreating"));
        assert!(!c.ready);
        assert_eq!(c.started, Some(false));
        assert_eq!(
            cond(&s, "Ready").reason.as_deref(),
            Some("ContainersNotReady")
        );
        assert_eq!(
            cond(&s, "ContainersReady").message.as_deref(),
            Some("containers with unready status: [main]")
        );
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "True");
        assert_eq!(cond(&s, "Initialized").status, "True");
        assert_eq!(s.start_time, Some(t(CREATED)));
    }

    #[test]
    fn running_is_ready() {
        let i = inspect(S::RUNNING, 0, false, P::NO, 0);
        let s = observe(i);
        assert_eq!(s.phase.as_deref(), Some("Running"));
        // The pod's IP is the infra container's on the namespace network.
        assert_eq!(s.pod_ip.as_deref(), Some("10.210.3.7"));
        assert_eq!(s.pod_ips.as_ref().unwrap()[0].ip, "10.210.3.7");
        let c = cs(&s);
        assert!(c.ready);
        assert_eq!(c.started, Some(true));
        assert_eq!(c.name, "main");
        assert_eq!(c.image, "busybox:1");
        assert_eq!(c.image_id, "docker://sha256:feed");
        assert_eq!(c.container_id.as_deref(), Some("docker://abc123"));
        let running = c.state.as_ref().unwrap().running.as_ref().unwrap();
        assert_eq!(running.started_at, Some(t(STARTED)));
        assert_eq!(cond(&s, "Ready").status, "True");
        assert_eq!(cond(&s, "Ready").reason, None);
        assert_eq!(cond(&s, "Ready").last_transition_time, Some(t(STARTED)));
    }

    #[test]
    fn never_exit_zero_succeeds() {
        let s = observe(inspect(S::EXITED, 0, false, P::NO, 0));
        assert_eq!(s.phase.as_deref(), Some("Succeeded"));
        let term = cs(&s).state.as_ref().unwrap().terminated.clone().unwrap();
        assert_eq!(term.exit_code, 0);
        assert_eq!(term.reason.as_deref(), Some("Completed"));
        assert_eq!(term.started_at, Some(t(STARTED)));
        assert_eq!(term.finished_at, Some(t(FINISHED)));
        assert_eq!(term.container_id.as_deref(), Some("docker://abc123"));
        assert_eq!(cond(&s, "Ready").reason.as_deref(), Some("PodCompleted"));
        assert_eq!(
            cond(&s, "ContainersReady").reason.as_deref(),
            Some("PodCompleted")
        );
        assert_eq!(
            cond(&s, "Initialized").reason.as_deref(),
            Some("PodCompleted")
        );
        // The sandbox is up until the kubelet stops it.
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "True");
        assert_eq!(cond(&s, "Ready").last_transition_time, Some(t(FINISHED)));
        let types: Vec<&str> = s
            .conditions
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.type_.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled"
            ]
        );
    }

    #[test]
    fn never_exit_three_fails_with_error() {
        let s = observe(inspect(S::EXITED, 3, false, P::NO, 0));
        assert_eq!(s.phase.as_deref(), Some("Failed"));
        let term = cs(&s).state.as_ref().unwrap().terminated.clone().unwrap();
        assert_eq!(term.exit_code, 3);
        assert_eq!(term.reason.as_deref(), Some("Error"));
        assert_eq!(cond(&s, "Ready").reason.as_deref(), Some("PodFailed"));
        assert_eq!(cond(&s, "Initialized").reason, None);
    }

    #[test]
    fn oom_killed_reason() {
        let s = observe(inspect(S::EXITED, 137, true, P::NO, 0));
        assert_eq!(s.phase.as_deref(), Some("Failed"));
        let term = cs(&s).state.as_ref().unwrap().terminated.clone().unwrap();
        assert_eq!(term.exit_code, 137);
        assert_eq!(term.reason.as_deref(), Some("OOMKilled"));
    }

    #[test]
    fn on_failure_restarting_is_running_crash_loop() {
        let i = inspect(S::RESTARTING, 1, false, P::ON_FAILURE, 2);
        let s = observe(i.clone());
        assert_eq!(s.phase.as_deref(), Some("Running"));
        let c = cs(&s);
        assert_eq!(c.restart_count, 2);
        assert!(!c.ready);
        let waiting = c.state.as_ref().unwrap().waiting.as_ref().unwrap();
        assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
        assert!(
            waiting
                .message
                .as_deref()
                .unwrap()
                .contains("container=main pod=p_ns(uid-1)")
        );
        let last = c.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
        assert_eq!(last.exit_code, 1);
        assert_eq!(last.reason.as_deref(), Some("Error"));
        // The observer remembers exactly this termination.
        assert_eq!(restart_termination(&i).as_ref(), Some(last));
        assert_eq!(
            restart_termination(&inspect(S::RUNNING, 0, false, P::ON_FAILURE, 2)),
            None
        );
    }

    #[test]
    fn on_failure_running_again_shows_remembered_last_state() {
        let before = inspect(S::RESTARTING, 1, false, P::ON_FAILURE, 1);
        let remembered = restart_termination(&before);
        let now = inspect(S::RUNNING, 0, false, P::ON_FAILURE, 1);
        let s = pod_status(
            &spec_pod("OnFailure", &[], &["main"]),
            &[ObservedContainer {
                inspect: now.clone(),
                last_termination: remembered.clone(),
            }],
            &Waiting::new(),
        );
        assert_eq!(s.phase.as_deref(), Some("Running"));
        let c = cs(&s);
        assert_eq!(c.last_state.as_ref().unwrap().terminated, remembered);
        // Without a restart there is no last state to show, whatever was remembered.
        let fresh = container_status(
            &inspect(S::RUNNING, 0, false, P::ON_FAILURE, 0),
            remembered.as_ref(),
        );
        assert_eq!(fresh.last_state, Some(ContainerState::default()));
    }

    #[test]
    fn on_failure_final_success_succeeds() {
        let s = observe(inspect(S::EXITED, 0, false, P::ON_FAILURE, 3));
        assert_eq!(s.phase.as_deref(), Some("Succeeded"));
        assert_eq!(cs(&s).restart_count, 3);
    }

    #[test]
    fn on_failure_killed_from_outside_is_running_because_the_kubelet_restarts_it() {
        // Docker will not restart it (killed or stopped); the kubelet starts it again,
        // so the pod is not over. A pod we stop ourselves is marked for deletion and
        // written Failed by the engine.
        let s = observe(inspect(S::EXITED, 143, false, P::ON_FAILURE, 0));
        assert_eq!(s.phase.as_deref(), Some("Running"));
    }

    #[test]
    fn always_restarting_is_running() {
        let s = observe(inspect(S::RESTARTING, 0, false, P::ALWAYS, 1));
        assert_eq!(s.phase.as_deref(), Some("Running"));
    }

    #[test]
    fn start_error_is_terminal_failure() {
        let mut i = inspect(S::CREATED, 127, false, P::NO, 0);
        let msg = "OCI runtime create failed: exec: \"nope\": executable file not found in $PATH";
        i.state.as_mut().unwrap().error = Some(msg.into());
        let s = observe(i);
        assert_eq!(s.phase.as_deref(), Some("Failed"));
        let term = cs(&s).state.as_ref().unwrap().terminated.clone().unwrap();
        assert_eq!(term.reason.as_deref(), Some("StartError"));
        assert_eq!(term.exit_code, 127);
        assert_eq!(term.message.as_deref(), Some(msg));
        assert_eq!(term.started_at, None);
    }

    #[test]
    fn no_containers_is_pending() {
        let s = pod_status(&spec_pod("Never", &[], &["main"]), &[], &Waiting::new());
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        let w = cs(&s).state.clone().unwrap().waiting.unwrap();
        assert_eq!(w.reason.as_deref(), Some("ContainerCreating"));
        assert_eq!(cs(&s).image, "img-main");
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "False");
        assert_eq!(s.pod_ip, None);
    }

    fn state(cs: &ContainerStatus) -> (&str, String) {
        let st = cs.state.as_ref().unwrap();
        if let Some(w) = &st.waiting {
            ("waiting", w.reason.clone().unwrap_or_default())
        } else if let Some(t) = &st.terminated {
            ("terminated", t.reason.clone().unwrap_or_default())
        } else {
            ("running", String::new())
        }
    }

    /// (init states, app states, phase, Initialized) for a pod with init containers
    /// `a`, `b` and apps `web`, `side`, under `policy`.
    fn init_case(
        policy: &str,
        init: Vec<ContainerInspectResponse>,
        apps: Vec<ContainerInspectResponse>,
    ) -> PodStatus {
        let pod = spec_pod(policy, &["a", "b"], &["web", "side"]);
        let mut all = vec![infra(S::RUNNING, "10.0.0.2")];
        all.extend(
            init.into_iter()
                .zip(["a", "b"])
                .map(|(i, n)| named(i, Role::Init, n)),
        );
        all.extend(
            apps.into_iter()
                .zip(["web", "side"])
                .map(|(i, n)| named(i, Role::App, n)),
        );
        pod_status(&pod, &observed(all), &Waiting::new())
    }

    #[test]
    fn init_containers_phases_states_and_conditions() {
        // First init container running: Pending, everything else PodInitializing.
        let s = init_case(
            "Never",
            vec![inspect(S::RUNNING, 0, false, P::NO, 0)],
            vec![],
        );
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        let init = s.init_container_statuses.as_ref().unwrap();
        assert_eq!(
            init.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(state(&init[0]), ("running", String::new()));
        assert_eq!(state(&init[1]), ("waiting", "PodInitializing".into()));
        let apps = s.container_statuses.as_ref().unwrap();
        // App statuses are sorted by name, as the kubelet sorts them.
        assert_eq!(
            apps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["side", "web"]
        );
        assert_eq!(state(&apps[0]), ("waiting", "PodInitializing".into()));
        let c = cond(&s, "Initialized");
        assert_eq!(c.status, "False");
        assert_eq!(c.reason.as_deref(), Some("ContainersNotInitialized"));
        assert_eq!(
            c.message.as_deref(),
            Some("containers with incomplete status: [a b]")
        );

        // Both done, apps running: Running, Initialized, init containers ready.
        let done = || inspect(S::EXITED, 0, false, P::NO, 0);
        let run = || inspect(S::RUNNING, 0, false, P::NO, 0);
        let s = init_case("Never", vec![done(), done()], vec![run(), run()]);
        assert_eq!(s.phase.as_deref(), Some("Running"));
        let init = s.init_container_statuses.as_ref().unwrap();
        assert_eq!(state(&init[1]), ("terminated", "Completed".into()));
        assert!(init.iter().all(|c| c.ready));
        assert_eq!(cond(&s, "Initialized").status, "True");
        assert_eq!(cond(&s, "Ready").status, "True");

        // Init done, apps not created yet: still Pending, apps PodInitializing.
        let s = init_case("Never", vec![done(), done()], vec![]);
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        assert_eq!(cond(&s, "Initialized").status, "True");

        // Init failure under Never fails the pod.
        let s = init_case(
            "Never",
            vec![inspect(S::EXITED, 2, false, P::NO, 0)],
            vec![],
        );
        assert_eq!(s.phase.as_deref(), Some("Failed"));
        let init = s.init_container_statuses.as_ref().unwrap();
        assert_eq!(state(&init[0]), ("terminated", "Error".into()));
        assert!(!init[0].ready);
        assert_eq!(cond(&s, "Ready").reason.as_deref(), Some("PodFailed"));

        // Under OnFailure it crash-loops in place and the pod stays Pending.
        let s = init_case(
            "OnFailure",
            vec![inspect(S::RESTARTING, 2, false, P::ON_FAILURE, 3)],
            vec![],
        );
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        let init = s.init_container_statuses.as_ref().unwrap();
        assert_eq!(state(&init[0]), ("waiting", "CrashLoopBackOff".into()));
        assert_eq!(init[0].restart_count, 3);

        // All apps succeeded: Succeeded, Initialized with PodCompleted.
        let s = init_case("Never", vec![done(), done()], vec![done(), done()]);
        assert_eq!(s.phase.as_deref(), Some("Succeeded"));
        assert_eq!(
            cond(&s, "Initialized").reason.as_deref(),
            Some("PodCompleted")
        );
        // One app failed: Failed once both ended.
        let s = init_case(
            "Never",
            vec![done(), done()],
            vec![done(), inspect(S::EXITED, 1, false, P::NO, 0)],
        );
        assert_eq!(s.phase.as_deref(), Some("Failed"));
        let s = init_case(
            "Never",
            vec![done(), done()],
            vec![run(), inspect(S::EXITED, 1, false, P::NO, 0)],
        );
        assert_eq!(s.phase.as_deref(), Some("Running"));
    }

    #[test]
    fn kubelet_waiting_reasons_apply_to_containers_docker_does_not_have() {
        let pod = spec_pod("Never", &[], &["main", "side"]);
        let waiting = Waiting::from([
            (
                "main".to_string(),
                ContainerStateWaiting {
                    reason: Some("ErrImageNeverPull".into()),
                    message: Some(
                        "Container image \"x\" is not present with pull policy of Never".into(),
                    ),
                },
            ),
            (
                "side".to_string(),
                ContainerStateWaiting {
                    reason: Some("CreateContainerConfigError".into()),
                    message: Some("configmap \"cfg\" not found".into()),
                },
            ),
        ]);
        let running_side = named(inspect(S::RUNNING, 0, false, P::NO, 0), Role::App, "side");
        let s = pod_status(
            &pod,
            &observed(vec![infra(S::RUNNING, "10.0.0.3"), running_side]),
            &waiting,
        );
        let apps = s.container_statuses.as_ref().unwrap();
        assert_eq!(state(&apps[0]), ("waiting", "ErrImageNeverPull".into()));
        assert!(
            apps[0]
                .state
                .as_ref()
                .unwrap()
                .waiting
                .as_ref()
                .unwrap()
                .message
                .as_deref()
                .unwrap()
                .contains("pull policy of Never")
        );
        // Docker has `side`: its own state wins.
        assert_eq!(state(&apps[1]), ("running", String::new()));
        assert_eq!(s.phase.as_deref(), Some("Pending"));
    }

    #[test]
    fn a_fresh_sigkill_is_unsettled_until_docker_could_report_an_oom() {
        let grace = std::time::Duration::from_millis(500);
        let mut killed = inspect(S::EXITED, 137, false, P::NO, 0);
        killed.state.as_mut().unwrap().finished_at = Some("2026-01-01T00:00:00.100Z".into());
        let at = |t: &str| t.parse::<jiff::Timestamp>().unwrap();
        let left = sigkill_unsettled(&killed, at("2026-01-01T00:00:00.300Z"), grace);
        assert_eq!(left, Some(std::time::Duration::from_millis(300)));
        assert_eq!(
            sigkill_unsettled(&killed, at("2026-01-01T00:00:00.700Z"), grace),
            None
        );
        let oom = inspect(S::EXITED, 137, true, P::NO, 0);
        assert_eq!(
            sigkill_unsettled(&oom, at("2026-01-01T00:00:00.300Z"), grace),
            None
        );
        let mut failed = inspect(S::EXITED, 1, false, P::NO, 0);
        failed.state.as_mut().unwrap().finished_at = Some("2026-01-01T00:00:00.100Z".into());
        assert_eq!(
            sigkill_unsettled(&failed, at("2026-01-01T00:00:00.300Z"), grace),
            None
        );
    }

    #[test]
    fn an_app_on_its_own_network_is_its_own_sandbox() {
        let mut app = named(inspect(S::RUNNING, 0, false, P::NO, 0), Role::App, "main");
        app.host_config.as_mut().unwrap().network_mode = Some("dockjob_ns_e".into());
        assert!(is_own_sandbox(&app));
        app.host_config.as_mut().unwrap().network_mode = Some("container:id-POD".into());
        assert!(!is_own_sandbox(&app));
        assert!(!is_own_sandbox(&infra(S::RUNNING, "10.0.0.2")));
    }

    #[test]
    fn stopped_infra_has_no_ip_and_sandbox_not_ready() {
        let pod = spec_pod("Never", &[], &["main"]);
        let done = named(inspect(S::EXITED, 0, false, P::NO, 0), Role::App, "main");
        let s = pod_status(
            &pod,
            &observed(vec![infra(S::EXITED, ""), done]),
            &Waiting::new(),
        );
        assert_eq!(s.phase.as_deref(), Some("Succeeded"));
        assert_eq!(s.pod_ip, None);
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "False");
    }

    #[test]
    fn seen_maps_docker_states_for_the_step_function() {
        assert_eq!(seen(None), Seen::Missing);
        assert_eq!(
            seen(Some(&inspect(S::CREATED, 0, false, P::NO, 0))),
            Seen::Created
        );
        assert_eq!(
            seen(Some(&inspect(S::RUNNING, 0, false, P::NO, 0))),
            Seen::Running
        );
        assert_eq!(
            seen(Some(&inspect(S::RESTARTING, 1, false, P::ON_FAILURE, 1))),
            Seen::Running
        );
        assert_eq!(
            seen(Some(&inspect(S::EXITED, 0, false, P::NO, 0))),
            Seen::Succeeded
        );
        assert_eq!(
            seen(Some(&inspect(S::EXITED, 3, false, P::NO, 0))),
            Seen::Failed { start_error: false }
        );
        let mut i = inspect(S::CREATED, 127, false, P::NO, 0);
        i.state.as_mut().unwrap().error = Some("exec: nope".into());
        assert_eq!(seen(Some(&i)), Seen::Failed { start_error: true });
    }

    /// Docker refused the start because the infra container was down (dockerd stopping
    /// or restarting under the pod): Docker's state and error, as 20.10 records them.
    fn refused_by_a_down_sandbox(
        status: ContainerStateStatusEnum,
        exit: i64,
        policy: RestartPolicyNameEnum,
    ) -> ContainerInspectResponse {
        let mut i = named(inspect(status, exit, false, policy, 0), Role::App, "main");
        i.state.as_mut().unwrap().error = Some(
            "cannot join network of a non running container: \
             5055ba384e39f1e4f013f48ca9c2a886664f70917df363aea6c28b8d258efc15"
                .into(),
        );
        i
    }

    /// A start refused because the namespace's network was removed from outside: the
    /// pod is not over: its container waits, and the engine starts it again.
    #[test]
    fn a_start_refused_for_a_missing_network_is_not_a_start_error() {
        let mut app = named(inspect(S::CREATED, 128, false, P::NO, 0), Role::App, "main");
        app.state.as_mut().unwrap().error =
            Some("network dockjob_t1beb4b505d_dafd7619 not found".into());
        assert_eq!(seen(Some(&app)), Seen::Created);
        assert!(!is_terminal(&app));
        let pod = spec_pod("Never", &[], &["main"]);
        let s = pod_status(&pod, &observed(vec![app]), &Waiting::new());
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        assert_eq!(state(cs(&s)).0, "waiting");
    }

    #[test]
    fn a_start_refused_by_a_down_sandbox_is_not_a_start_error() {
        use super::super::steps::{Step, next_step};
        // Never started (created, exit code 128): still only created, under every
        // policy; the pod is not over and its sandbox is started first, then the
        // container. It used to read as StartError, which ended an OnFailure pod Failed
        // after a dockerd restart.
        for (policy, docker_policy) in [("OnFailure", P::ON_FAILURE), ("Never", P::NO)] {
            let app = refused_by_a_down_sandbox(S::CREATED, 128, docker_policy);
            assert_eq!(seen(Some(&app)), Seen::Created, "{policy}");
            assert!(!is_terminal(&app), "{policy}");
            let pod = spec_pod(policy, &[], &["main"]);
            let down = observed(vec![infra(S::EXITED, ""), app.clone()]);
            let s = pod_status(&pod, &down, &Waiting::new());
            assert_eq!(s.phase.as_deref(), Some("Pending"), "{policy}");
            assert_eq!(state(cs(&s)), ("waiting", "ContainerCreating".into()));
            let view = Matched::new(&pod, &down).view(policy);
            assert_eq!(next_step(&view), Step::StartInfra, "{policy}");
            let up = observed(vec![infra(S::RUNNING, "10.0.0.9"), app]);
            let view = Matched::new(&pod, &up).view(policy);
            assert_eq!(next_step(&view), Step::Start(Role::App, 0), "{policy}");
        }
        // The infra's process died between Docker's check and runc joining its network
        // namespace (the engine's start raced dockerd's shutdown).
        let mut app = refused_by_a_down_sandbox(S::CREATED, 127, P::ON_FAILURE);
        app.state.as_mut().unwrap().error = Some(
            "failed to create shim task: OCI runtime create failed: runc create failed: \
             unable to create new parent process: namespace path: lstat /proc/6027/ns/net: \
             no such file or directory: unknown"
                .into(),
        );
        assert_eq!(seen(Some(&app)), Seen::Created);
        let mut killed = app.clone();
        killed.state.as_mut().unwrap().error = Some(
            "failed to create shim task: OCI runtime create failed: runc create failed: \
             unable to start container process: can't get final child's PID from pipe: EOF: \
             unknown"
                .into(),
        );
        assert_eq!(seen(Some(&killed)), Seen::Created);
        let s = observe(app);
        assert_eq!(state(cs(&s)), ("waiting", "ContainerCreating".into()));
        assert_eq!(s.phase.as_deref(), Some("Pending"));
        // Ran before (Docker's own restart on daemon start refused): exited with its
        // kill's code, a failure the kubelet restarts under OnFailure.
        let app = refused_by_a_down_sandbox(S::EXITED, 143, P::ON_FAILURE);
        assert_eq!(seen(Some(&app)), Seen::Failed { start_error: false });
        let pod = spec_pod("OnFailure", &[], &["main"]);
        let down = observed(vec![infra(S::EXITED, ""), app]);
        let s = pod_status(&pod, &down, &Waiting::new());
        assert_eq!(s.phase.as_deref(), Some("Running"));
        let view = Matched::new(&pod, &down).view("OnFailure");
        assert_eq!(next_step(&view), Step::StartInfra);
        // A process that cannot start is still a StartError.
        let mut i = inspect(S::CREATED, 127, false, P::ON_FAILURE, 0);
        i.state.as_mut().unwrap().error =
            Some("OCI runtime create failed: exec: \"nope\": executable file not found".into());
        assert_eq!(seen(Some(&i)), Seen::Failed { start_error: true });
    }
}
