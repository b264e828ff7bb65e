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
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

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
fn start_failed(state: &DockerState, status: ContainerStateStatusEnum) -> bool {
    status == ContainerStateStatusEnum::CREATED
        && state.error.as_deref().is_some_and(|e| !e.is_empty())
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

/// The pod phase from its container statuses: kubelet's getPhase for pods without init
/// containers. `terminal` says no container will run again (Docker restarts nothing that
/// is `exited`), which the kubelet calls podIsTerminal.
fn phase(statuses: &[ContainerStatus], policy: &str, terminal: bool) -> &'static str {
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for cs in statuses {
        let state = cs.state.clone().unwrap_or_default();
        if state.running.is_some() {
            running += 1;
        } else if let Some(t) = &state.terminated {
            stopped += 1;
            if t.exit_code == 0 {
                succeeded += 1;
            }
        } else if cs
            .last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref())
            .is_some()
        {
            stopped += 1;
        } else {
            waiting += 1;
        }
    }
    if waiting > 0 || statuses.is_empty() {
        return "Pending";
    }
    if running > 0 {
        return "Running";
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

/// The pod's status from all its containers (one for now). Conditions come in the
/// kubelet's order: PodReadyToStartContainers, Initialized, Ready, ContainersReady,
/// PodScheduled. Transition times are Docker's: creation for scheduling and
/// initialization, the latest start/finish for readiness.
pub fn pod_status(containers: &[ObservedContainer]) -> PodStatus {
    let mut statuses: Vec<ContainerStatus> = containers
        .iter()
        .map(|c| container_status(&c.inspect, c.last_termination.as_ref()))
        .collect();
    statuses.sort_by(|a, b| a.name.cmp(&b.name));
    let policy = containers
        .first()
        .map(|c| restart_policy(&c.inspect))
        .unwrap_or("Never");
    let terminal = !containers.is_empty() && containers.iter().all(|c| is_terminal(&c.inspect));
    let phase = phase(&statuses, policy, terminal);

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

    let unready: Vec<&str> = statuses
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
    let conditions = vec![
        condition(
            "PodReadyToStartContainers",
            !terminal,
            None,
            None,
            if terminal {
                latest.clone()
            } else {
                created.clone()
            },
        ),
        condition(
            "Initialized",
            true,
            (phase == "Succeeded").then_some("PodCompleted"),
            None,
            created.clone(),
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

    let pod_ip = containers.iter().find_map(|c| {
        c.inspect
            .network_settings
            .as_ref()?
            .networks
            .as_ref()?
            .values()
            .find_map(|n| n.ip_address.clone().filter(|ip| !ip.is_empty()))
    });
    PodStatus {
        phase: Some(phase.to_string()),
        conditions: Some(conditions),
        container_statuses: Some(statuses),
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

    fn observe(i: ContainerInspectResponse) -> PodStatus {
        pod_status(&[ObservedContainer {
            inspect: i,
            last_termination: None,
        }])
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
        let mut i = inspect(S::RUNNING, 0, false, P::NO, 0);
        i.network_settings = Some(NetworkSettings {
            networks: Some(HashMap::from([(
                "bridge".to_string(),
                EndpointSettings {
                    ip_address: Some("172.17.0.5".into()),
                    ..Default::default()
                },
            )])),
            ..Default::default()
        });
        let s = observe(i);
        assert_eq!(s.phase.as_deref(), Some("Running"));
        assert_eq!(s.pod_ip.as_deref(), Some("172.17.0.5"));
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
        assert_eq!(cond(&s, "PodReadyToStartContainers").status, "False");
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
        let s = pod_status(&[ObservedContainer {
            inspect: now.clone(),
            last_termination: remembered.clone(),
        }]);
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
    fn on_failure_stopped_by_us_is_failed_because_docker_will_not_restart_it() {
        let s = observe(inspect(S::EXITED, 143, false, P::ON_FAILURE, 0));
        assert_eq!(s.phase.as_deref(), Some("Failed"));
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
        let s = pod_status(&[]);
        assert_eq!(s.phase.as_deref(), Some("Pending"));
    }
}
