//! Runtime tests against the real Docker daemon (`cargo test --test runtime`).
//!
//! Each test connects with its own random engine id, so it only ever sees its own
//! containers, and a drop guard force-removes them even when the test fails. Nothing
//! mocks Docker, and no test sleeps to wait for a state: they poll with a deadline.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use dockjob::api::labels::docker as label;
use dockjob::runtime::sources::PodSources;
use dockjob::runtime::status::Waiting;
use dockjob::runtime::steps::Step;
use dockjob::runtime::translate::Role;
use dockjob::runtime::{ObservedPod, PodInputs, Runtime, RuntimeError, RuntimeEvent};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{
    Container, ContainerStateTerminated, Pod, PodSpec, PodStatus, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

const BUSYBOX: &str = "dockjob-test/busybox:1";
const NAMESPACE: &str = "rt-test";
const DEADLINE: Duration = Duration::from_secs(60);

/// A connected runtime with a fresh engine id; dropping it removes every container of
/// that engine through the docker CLI (synchronous, so it also runs during a panic).
struct Harness {
    rt: Runtime,
    engine: String,
}

impl Harness {
    async fn new() -> Harness {
        let engine = format!("{}-rt-test", uuid::Uuid::new_v4().simple());
        let rt = Runtime::connect(&engine, 4)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Harness { rt, engine }
    }

    fn docker_ids(&self, extra_filter: Option<String>) -> Vec<String> {
        let mut cmd = Command::new("docker");
        cmd.args(["ps", "-aq", "--no-trunc", "--filter"])
            .arg(format!("label={}={}", label::ENGINE, self.engine));
        if let Some(f) = extra_filter {
            cmd.arg("--filter").arg(f);
        }
        let out = cmd.output().expect("the docker CLI runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Ids of the containers of one pod with one Kubernetes container name.
    fn container_ids(&self, pod: &Pod, container: &str) -> Vec<String> {
        let ids = self.docker_ids(Some(format!("label={}={}", label::POD_UID, uid(pod))));
        ids.into_iter()
            .filter(|id| {
                let out = Command::new("docker")
                    .args(["inspect", "--format"])
                    .arg(format!(
                        "{{{{index .Config.Labels \"{}\"}}}}",
                        label::CONTAINER
                    ))
                    .arg(id)
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).trim() == container
            })
            .collect()
    }

    /// Syncs the pod again and again (as the engine does on every Docker event) until its
    /// status shows `pred`.
    async fn drive(&self, pod: &Pod, what: &str, pred: impl Fn(&PodStatus) -> bool) -> PodStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.rt.start_pod(pod).await.expect("start_pod");
            if let Some(status) = self.rt.pod_status(pod).await.expect("pod_status") {
                if pred(&status) {
                    return status;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}; last status: {status:#?}"
                );
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls the pod's status until `pred` holds, returning that status.
    async fn until(&self, pod: &Pod, what: &str, pred: impl Fn(&PodStatus) -> bool) -> PodStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let seen = self.rt.pod_status(pod).await.expect("pod_status");
            if let Some(status) = seen {
                if pred(&status) {
                    return status;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}; last status: {status:#?}"
                );
            } else {
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}; pod has no container"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let ids = self.docker_ids(None);
        if !ids.is_empty() {
            let _ = Command::new("docker")
                .args(["rm", "-f", "-v"])
                .args(&ids)
                .output();
        }
        let nets = Command::new("docker")
            .args(["network", "ls", "-q", "--filter"])
            .arg(format!("label={}={}", label::ENGINE, self.engine))
            .output()
            .expect("the docker CLI runs");
        let nets: Vec<String> = String::from_utf8_lossy(&nets.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        if !nets.is_empty() {
            let _ = Command::new("docker")
                .args(["network", "rm"])
                .args(&nets)
                .output();
        }
    }
}

fn pod(name: &str, restart: &str, command: &[&str]) -> Pod {
    let uid = uuid::Uuid::new_v4().to_string();
    Pod {
        metadata: ObjectMeta {
            name: Some(format!("{name}-{}", &uid[..5])),
            namespace: Some(NAMESPACE.into()),
            uid: Some(uid),
            labels: Some(BTreeMap::from([("job-name".to_string(), name.to_string())])),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                name: name.into(),
                uid: "job-uid".into(),
                controller: Some(true),
                ..Default::default()
            }]),
            ..Default::default()
        },
        spec: Some(PodSpec {
            restart_policy: Some(restart.into()),
            containers: vec![Container {
                name: "main".into(),
                image: Some(BUSYBOX.into()),
                command: Some(command.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            }],
            ..Default::default()
        }),
        status: None,
    }
}

fn sh(name: &str, restart: &str, script: &str) -> Pod {
    pod(name, restart, &["sh", "-c", script])
}

/// The pod with its first container reading `status.podIP` into `$POD_IP`: such a pod
/// keeps an infra container (the IP must exist before the container is created), where
/// a one-container Never/OnFailure pod otherwise owns its sandbox.
fn reads_pod_ip(mut pod: Pod) -> Pod {
    use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector};
    pod.spec.as_mut().unwrap().containers[0].env = Some(vec![EnvVar {
        name: "POD_IP".into(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: "status.podIP".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }]);
    pod
}

fn uid(pod: &Pod) -> String {
    pod.metadata.uid.clone().unwrap()
}

fn phase(s: &PodStatus) -> &str {
    s.phase.as_deref().unwrap_or("")
}

fn terminated(s: &PodStatus) -> Option<&ContainerStateTerminated> {
    s.container_statuses
        .as_ref()?
        .first()?
        .state
        .as_ref()?
        .terminated
        .as_ref()
}

fn restarts(s: &PodStatus) -> i32 {
    s.container_statuses
        .as_ref()
        .and_then(|c| c.first())
        .map(|c| c.restart_count)
        .unwrap_or(-1)
}

async fn read_logs(h: &Harness, pod: &Pod) -> String {
    let stream = h.rt.logs(pod, None, false).await.expect("logs");
    let chunks: Vec<_> = stream.collect().await;
    let mut out = Vec::new();
    for c in chunks {
        out.extend_from_slice(&c.expect("log chunk"));
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the watch stream until our pod shows `pred`, via Changed or Resynced.
async fn watch_until(
    events: &mut (impl futures::Stream<Item = RuntimeEvent> + Unpin),
    pod: &Pod,
    what: &str,
    pred: impl Fn(&PodStatus) -> bool,
) -> PodStatus {
    let uid = uid(pod);
    let found = |p: &ObservedPod| {
        (p.uid == uid)
            .then(|| p.status(pod, &Waiting::new()))
            .flatten()
    };
    let wait = async {
        while let Some(event) = events.next().await {
            let statuses: Vec<PodStatus> = match &event {
                RuntimeEvent::Changed(p) => found(p).into_iter().collect(),
                RuntimeEvent::Resynced(pods) => pods.iter().filter_map(found).collect(),
                RuntimeEvent::Disconnected(_) => vec![],
            };
            if let Some(s) = statuses.into_iter().find(|s| pred(s)) {
                return s;
            }
        }
        panic!("watch stream ended while waiting for {what}");
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what} on the watch stream"))
}

#[tokio::test]
async fn exit_zero_is_succeeded_on_the_watch_stream_and_logs_are_readable() {
    let h = Harness::new().await;
    let mut events = Box::pin(h.rt.watch());
    // The first item is always a full relist (empty: our engine id is new).
    match events.next().await {
        Some(RuntimeEvent::Resynced(pods)) => assert!(pods.is_empty(), "{pods:?}"),
        other => panic!("expected Resynced first, got {other:?}"),
    }
    let p = sh("ok", "Never", "echo out; echo err >&2; echo again; exit 0");
    h.rt.start_pod(&p).await.expect("start_pod");
    let s = watch_until(&mut events, &p, "Succeeded", |s| phase(s) == "Succeeded").await;
    let t = terminated(&s).expect("terminated state");
    assert_eq!(t.exit_code, 0);
    assert_eq!(t.reason.as_deref(), Some("Completed"));
    assert!(t.finished_at.is_some() && t.started_at.is_some());
    // Both streams, each in order. stdout and stderr are separate pipes, so Docker may
    // record two lines written in the same instant in either order.
    let logs = read_logs(&h, &p).await;
    let mut lines: Vec<&str> = logs.lines().collect();
    assert_eq!(
        lines
            .iter()
            .copied()
            .filter(|l| *l != "err")
            .collect::<Vec<_>>(),
        ["out", "again"]
    );
    lines.sort();
    assert_eq!(lines, ["again", "err", "out"], "{logs:?}");

    // The container carries what rebuilds the pod from Docker alone.
    let ids = h.container_ids(&p, "main");
    assert_eq!(ids.len(), 1);
    // A one-container Never pod owns its sandbox: no infra container beside it.
    assert!(h.container_ids(&p, "POD").is_empty());
    assert_eq!(h.docker_ids(None), ids);
    assert!(
        h.docker_ids(Some("label=dockjob.io/role=infra".into()))
            .is_empty()
    );
    let out = Command::new("docker")
        .args(["inspect", "--format", "{{json .Config.Labels}}", &ids[0]])
        .output()
        .unwrap();
    let labels: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(labels["job-name"], "ok");
    assert_eq!(labels[label::NAMESPACE], NAMESPACE);
    assert_eq!(labels[label::POD], p.metadata.name.clone().unwrap());
    assert_eq!(labels[label::OWNER_KIND], "Job");
    assert_eq!(labels[label::CONTAINER], "main");
}

#[tokio::test]
async fn exit_three_with_never_is_failed_with_reason_error() {
    let h = Harness::new().await;
    let mut events = Box::pin(h.rt.watch());
    let p = sh("fail", "Never", "exit 3");
    h.rt.start_pod(&p).await.expect("start_pod");
    let s = watch_until(&mut events, &p, "Failed", |s| phase(s) == "Failed").await;
    let t = terminated(&s).expect("terminated state");
    assert_eq!(t.exit_code, 3);
    assert_eq!(t.reason.as_deref(), Some("Error"));
    assert_eq!(restarts(&s), 0);
}

#[tokio::test]
async fn on_failure_restarts_in_place_until_success() {
    let h = Harness::new().await;
    // The container's filesystem survives Docker's in-place restarts: fail twice, then succeed.
    let p = sh(
        "flaky",
        "OnFailure",
        "n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; echo run $n; [ $n -ge 3 ]",
    );
    h.rt.start_pod(&p).await.expect("start_pod");
    let s = h
        .until(&p, "Succeeded after restarts", |s| {
            assert_ne!(phase(s), "Failed", "OnFailure must not fail: {s:#?}");
            phase(s) == "Succeeded"
        })
        .await;
    assert_eq!(restarts(&s), 2);
    assert_eq!(terminated(&s).unwrap().exit_code, 0);
    assert_eq!(read_logs(&h, &p).await, "run 1\nrun 2\nrun 3\n");
}

#[tokio::test]
async fn on_failure_keeps_running_phase_while_restart_count_grows() {
    let h = Harness::new().await;
    let p = sh("crash", "OnFailure", "exit 1");
    h.rt.start_pod(&p).await.expect("start_pod");
    let s = h
        .until(&p, "restartCount >= 2", |s| {
            assert_eq!(
                phase(s),
                "Running",
                "phase while Docker restarts it: {s:#?}"
            );
            restarts(s) >= 2
        })
        .await;
    assert!(restarts(&s) >= 2);
    // Stopped by us, Docker will not restart it any more; the status alone still reads
    // Running (the kubelet would restart an OnFailure container: the engine does so and
    // writes Failed itself for pods it stops), with the last exit recorded.
    h.rt.stop_pod(&p).await.expect("stop_pod");
    let s = h
        .until(&p, "terminated with exit 1 after stop", |s| {
            terminated(s).is_some_and(|t| t.exit_code == 1)
        })
        .await;
    assert_eq!(phase(&s), "Running", "an OnFailure pod is not over: {s:#?}");
}

#[tokio::test]
async fn start_pod_twice_is_idempotent() {
    let h = Harness::new().await;
    let p = pod("twice", "Never", &["sleep", "300"]);
    h.rt.start_pod(&p).await.expect("first start_pod");
    let first = h.until(&p, "Running", |s| phase(s) == "Running").await;
    h.rt.start_pod(&p).await.expect("second start_pod");
    let second = h.until(&p, "Running", |s| phase(s) == "Running").await;
    let id = |s: &PodStatus| {
        s.container_statuses.as_ref().unwrap()[0]
            .container_id
            .clone()
    };
    assert_eq!(id(&first), id(&second));
    assert_eq!(restarts(&second), 0);
    assert_eq!(
        h.docker_ids(None).len(),
        1,
        "main alone: it owns its sandbox"
    );
    // Concurrent calls for the same pod still make one container.
    let q = pod("race", "Never", &["sleep", "300"]);
    let (a, b) = tokio::join!(h.rt.start_pod(&q), h.rt.start_pod(&q));
    a.expect("racing start_pod a");
    b.expect("racing start_pod b");
    h.until(&q, "Running", |s| phase(s) == "Running").await;
    assert_eq!(h.docker_ids(None).len(), 2);
    // A pod that keeps a sandbox (it reads its IP): the racing calls make one infra
    // container and one main.
    let r = reads_pod_ip(pod("race-ip", "Never", &["sleep", "300"]));
    let (a, b) = tokio::join!(h.rt.start_pod(&r), h.rt.start_pod(&r));
    a.expect("racing start_pod a");
    b.expect("racing start_pod b");
    h.until(&r, "Running", |s| phase(s) == "Running").await;
    assert_eq!(h.container_ids(&r, "POD").len(), 1, "one infra container");
    assert_eq!(h.container_ids(&r, "main").len(), 1, "one main");
    assert_eq!(h.docker_ids(None).len(), 4);
}

#[tokio::test]
async fn stop_pod_stops_within_the_grace_period_and_keeps_logs() {
    let h = Harness::new().await;
    // `sleep` as PID 1 ignores SIGTERM, so this also proves the SIGKILL after the grace.
    let mut p = sh("stop", "Never", "echo started; exec sleep 300");
    p.spec.as_mut().unwrap().termination_grace_period_seconds = Some(2);
    h.rt.start_pod(&p).await.expect("start_pod");
    h.until(&p, "Running", |s| phase(s) == "Running").await;
    let began = Instant::now();
    h.rt.stop_pod(&p).await.expect("stop_pod");
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "stop took {took:?} with a 2 s grace"
    );
    let s = h.until(&p, "Failed", |s| phase(s) == "Failed").await;
    assert_eq!(terminated(&s).unwrap().exit_code, 137);
    assert_eq!(read_logs(&h, &p).await, "started\n");
    // Stopping again, or a pod that never existed, is fine.
    h.rt.stop_pod(&p).await.expect("second stop_pod");
    h.rt.stop_pod(&sh("ghost", "Never", "true"))
        .await
        .expect("stop of a missing pod");
}

#[tokio::test]
async fn remove_pod_removes_every_container() {
    let h = Harness::new().await;
    let p = pod("rm", "Never", &["sleep", "300"]);
    h.rt.start_pod(&p).await.expect("start_pod");
    h.until(&p, "Running", |s| phase(s) == "Running").await;
    h.rt.remove_pod(&uid(&p)).await.expect("remove_pod");
    assert!(h.docker_ids(None).is_empty());
    assert_eq!(h.rt.observe_pod(&uid(&p)).await.unwrap(), None);
    // Its namespace network went with its last container.
    let nets = Command::new("docker")
        .args(["network", "ls", "-q", "--filter"])
        .arg(format!("name={}", h.rt.network_name(NAMESPACE)))
        .output()
        .unwrap();
    assert!(
        nets.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&nets.stdout)
    );
    assert!(h.rt.relist().await.unwrap().is_empty());
    h.rt.remove_pod(&uid(&p))
        .await
        .expect("removing again is not an error");
}

fn inputs<'a>(sources: &'a PodSources, dir: &'a std::path::Path) -> PodInputs<'a> {
    PodInputs {
        sources,
        pod_dir: dir,
    }
}

#[tokio::test]
async fn relist_finds_a_created_container_and_start_pod_starts_it() {
    // Reads its IP: keeps an infra container, made and started before the app.
    relist_then_resume(reads_pod_ip(sh("created", "Never", "exit 0")), true).await;
}

#[tokio::test]
async fn relist_finds_a_created_container_of_a_pod_that_owns_its_sandbox() {
    // One container, Never: the app container is the first and only step.
    relist_then_resume(sh("created-own", "Never", "exit 0"), false).await;
}

/// Steps `p` until its app container is created (as an engine killed there), relists it,
/// resumes with another runtime, and steps it to Done. `keeps_sandbox`: the pod has an
/// infra container, which runs (the pod has an IP) before the app starts and is stopped
/// once the pod is over.
async fn relist_then_resume(p: Pod, keeps_sandbox: bool) {
    let h = Harness::new().await;
    let sources = PodSources::default();
    let dir = tempfile::tempdir().unwrap();
    // Step until the app container is created, then stop, as an engine killed there.
    let mut steps = Vec::new();
    while steps.last() != Some(&Step::Create(Role::App, 0)) {
        steps.push(
            h.rt.step_pod(&p, inputs(&sources, dir.path()))
                .await
                .expect("step"),
        );
        assert!(steps.len() < 10, "{steps:?}");
    }
    let expected: &[Step] = match keeps_sandbox {
        true => &[
            Step::CreateInfra,
            Step::StartInfra,
            Step::Create(Role::App, 0),
        ],
        false => &[Step::Create(Role::App, 0)],
    };
    assert_eq!(steps, expected);
    let infra = h.container_ids(&p, "POD").len();
    assert_eq!(infra, usize::from(keeps_sandbox), "infra containers");
    let pods = h.rt.relist().await.expect("relist");
    assert_eq!(pods.len(), 1);
    let seen = &pods[0];
    assert_eq!(seen.uid, uid(&p));
    assert_eq!(seen.namespace, NAMESPACE);
    assert_eq!(Some(&seen.name), p.metadata.name.as_ref());
    let s = seen.status(&p, &Waiting::new()).expect("status");
    assert_eq!(phase(&s), "Pending");
    let waiting = s.container_statuses.as_ref().unwrap()[0]
        .state
        .as_ref()
        .unwrap()
        .waiting
        .clone()
        .unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("ContainerCreating"));
    match keeps_sandbox {
        true => assert!(s.pod_ip.is_some(), "the infra container runs: {s:#?}"),
        // The app container holds the IP, and it has not started yet.
        false => assert_eq!(s.pod_ip, None, "{s:#?}"),
    }
    // Another runtime (a restarted engine) resumes with the start.
    let again = Runtime::connect(&h.engine, 4).await.unwrap();
    assert_eq!(
        again
            .step_pod(&p, inputs(&sources, dir.path()))
            .await
            .expect("step"),
        Step::Start(Role::App, 0)
    );
    h.until(&p, "Succeeded", |s| phase(s) == "Succeeded").await;
    // Over: the next step stops the infra container, if any, then nothing is left to do.
    let mut last = Step::Wait;
    for _ in 0..5 {
        last = again
            .sync_pod(&p, inputs(&sources, dir.path()))
            .await
            .expect("sync");
        if last == Step::Done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, Step::Done);
    if !keeps_sandbox {
        // Nothing to stop: the first step of the finished pod is already Done.
        assert_eq!(
            again
                .step_pod(&p, inputs(&sources, dir.path()))
                .await
                .expect("step"),
            Step::Done
        );
    }
    assert_eq!(h.docker_ids(None).len(), 1 + usize::from(keeps_sandbox));
    let s = h.until(&p, "Succeeded", |s| phase(s) == "Succeeded").await;
    assert_eq!(s.pod_ip, None, "the sandbox is stopped");
}

#[tokio::test]
async fn init_containers_run_in_order_then_the_apps_share_localhost() {
    let h = Harness::new().await;
    let mut p = sh(
        "multi",
        "Never",
        // The client: retries until the server in the other container answers on localhost.
        "for i in $(seq 1 100); do out=$(nc -w 1 127.0.0.1 8080 </dev/null 2>/dev/null) && [ -n \"$out\" ] && echo \"got $out\" && exit 0; sleep 0.1; done; exit 1",
    );
    let spec = p.spec.as_mut().unwrap();
    spec.containers.push(Container {
        name: "server".into(),
        image: Some(BUSYBOX.into()),
        command: Some(
            ["sh", "-c", "echo hello-from-server | nc -l -p 8080"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        ..Default::default()
    });
    let init = |name: &str, script: &str| Container {
        name: name.into(),
        image: Some(BUSYBOX.into()),
        command: Some(["sh", "-c", script].iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    spec.init_containers = Some(vec![
        init("first", "sleep 1; echo first"),
        init("second", "echo second; hostname"),
    ]);
    let s = h
        .drive(&p, "Pending while init runs", |s| {
            s.init_container_statuses.is_some()
        })
        .await;
    assert_eq!(phase(&s), "Pending", "{s:#?}");
    let s = h
        .drive(&p, "Succeeded", |s| {
            assert_ne!(phase(s), "Failed", "{s:#?}");
            phase(s) == "Succeeded"
        })
        .await;
    let init = s.init_container_statuses.as_ref().unwrap();
    assert_eq!(init.len(), 2);
    let finished = |i: usize| {
        init[i]
            .state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .finished_at
            .clone()
            .unwrap()
    };
    let started = |cs: &k8s_openapi::api::core::v1::ContainerStatus| {
        cs.state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .started_at
            .clone()
            .unwrap()
    };
    assert!(finished(0) <= started(&init[1]), "{s:#?}");
    for app in s.container_statuses.as_ref().unwrap() {
        assert!(finished(1) <= started(app), "{s:#?}");
    }
    let logs = |c: &'static str| {
        let rt = h.rt.clone();
        let p = p.clone();
        async move {
            let stream = rt.logs(&p, Some(c), false).await.expect("logs");
            let chunks: Vec<_> = stream.collect().await;
            let bytes: Vec<u8> = chunks
                .into_iter()
                .flat_map(|c| c.unwrap().to_vec())
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    assert_eq!(logs("main").await, "got hello-from-server\n");
    // Init containers share the pod's hostname (the infra container's).
    assert_eq!(
        logs("second").await,
        format!("second\n{}\n", p.metadata.name.clone().unwrap())
    );
}

#[tokio::test]
async fn a_failed_init_container_fails_a_never_pod_and_no_app_runs() {
    let h = Harness::new().await;
    let mut p = sh("initfail", "Never", "echo should-not-run");
    p.spec.as_mut().unwrap().init_containers = Some(vec![Container {
        name: "setup".into(),
        image: Some(BUSYBOX.into()),
        command: Some(
            ["sh", "-c", "exit 4"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        ..Default::default()
    }]);
    h.rt.start_pod(&p).await.expect("start_pod");
    let s = h.until(&p, "Failed", |s| phase(s) == "Failed").await;
    let init = &s.init_container_statuses.as_ref().unwrap()[0];
    let t = init.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (4, Some("Error")));
    let main = &s.container_statuses.as_ref().unwrap()[0];
    assert_eq!(
        main.state
            .as_ref()
            .unwrap()
            .waiting
            .as_ref()
            .unwrap()
            .reason
            .as_deref(),
        Some("PodInitializing")
    );
    h.rt.start_pod(&p).await.expect("sync again");
    assert!(h.container_ids(&p, "main").is_empty(), "the app never ran");
}

#[tokio::test]
async fn memory_limit_ends_in_oom_killed() {
    let h = Harness::new().await;
    let mut p = sh("oom", "Never", "x=a; while true; do x=$x$x; done");
    p.spec.as_mut().unwrap().containers[0].resources = Some(ResourceRequirements {
        limits: Some(BTreeMap::from([(
            "memory".to_string(),
            Quantity("16Mi".into()),
        )])),
        ..Default::default()
    });
    h.rt.start_pod(&p).await.expect("start_pod");
    let s = h.until(&p, "Failed", |s| phase(s) == "Failed").await;
    let t = terminated(&s).unwrap();
    assert_eq!(t.reason.as_deref(), Some("OOMKilled"), "{s:#?}");
    assert_eq!(t.exit_code, 137);
}

#[tokio::test]
async fn a_command_that_cannot_start_is_a_start_error() {
    let h = Harness::new().await;
    let p = pod("nocmd", "Never", &["/no/such/binary"]);
    let err = h.rt.start_pod(&p).await.expect_err("start must fail");
    assert!(err.to_string().contains("/no/such/binary"), "{err}");
    let s = h.until(&p, "Failed", |s| phase(s) == "Failed").await;
    let t = terminated(&s).unwrap();
    assert_eq!(t.reason.as_deref(), Some("StartError"));
    assert!(
        t.message
            .as_deref()
            .unwrap_or("")
            .contains("/no/such/binary")
    );
    // A retry does not start it again (nor fail differently).
    h.rt.start_pod(&p)
        .await
        .expect("start_pod on a StartError container is a no-op");
}

#[tokio::test]
async fn image_pull_policies() {
    let h = Harness::new().await;
    let mut p = sh("never", "Never", "true");
    let missing = "dockjob-test/does-not-exist:1";
    p.spec.as_mut().unwrap().containers[0].image = Some(missing.into());
    p.spec.as_mut().unwrap().containers[0].image_pull_policy = Some("Never".into());
    match h.rt.start_pod(&p).await {
        Err(RuntimeError::ImageNeverPull { image }) => assert_eq!(image, missing),
        other => panic!("expected ImageNeverPull, got {other:?}"),
    }
    // IfNotPresent with a missing image tries to pull; no registry is reachable here.
    p.spec.as_mut().unwrap().containers[0].image_pull_policy = Some("IfNotPresent".into());
    match h.rt.start_pod(&p).await {
        Err(e @ RuntimeError::ImagePull { .. }) => {
            assert!(
                e.to_string()
                    .starts_with(&format!("Failed to pull image \"{missing}\": ")),
                "{e}"
            )
        }
        other => panic!("expected ImagePull, got {other:?}"),
    }
    // During the backoff no pull is tried.
    match h.rt.start_pod(&p).await {
        Err(e @ RuntimeError::ImagePullBackOff { .. }) => {
            assert_eq!(
                e.to_string(),
                format!("Back-off pulling image \"{missing}\"")
            )
        }
        other => panic!("expected ImagePullBackOff, got {other:?}"),
    }
    assert!(h.container_ids(&p, "main").is_empty());
    // Never with a present image runs without any pull.
    let mut q = sh("present", "Never", "true");
    q.spec.as_mut().unwrap().containers[0].image_pull_policy = Some("Never".into());
    h.rt.start_pod(&q)
        .await
        .expect("start_pod with a local image");
    h.until(&q, "Succeeded", |s| phase(s) == "Succeeded").await;
}

#[tokio::test]
async fn logs_follow_streams_until_the_container_exits() {
    let h = Harness::new().await;
    let p = sh("follow", "Never", "echo one; sleep 1; echo two");
    h.rt.start_pod(&p).await.expect("start_pod");
    let stream = h.rt.logs(&p, Some("main"), true).await.expect("logs");
    let all: Vec<_> = tokio::time::timeout(DEADLINE, stream.collect::<Vec<_>>())
        .await
        .expect("follow ends when the container exits");
    let text: Vec<u8> = all.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
    assert_eq!(String::from_utf8_lossy(&text), "one\ntwo\n");
    match h.rt.logs(&p, Some("nope"), false).await {
        Err(e @ RuntimeError::NoSuchContainer { .. }) => {
            assert_eq!(
                e.to_string(),
                format!(
                    "container nope is not valid for pod {}",
                    p.metadata.name.clone().unwrap()
                )
            )
        }
        Err(e) => panic!("expected NoSuchContainer, got {e}"),
        Ok(_) => panic!("expected NoSuchContainer, got a stream"),
    }
}

#[tokio::test]
async fn unreachable_docker_is_one_clear_line() {
    for host in ["unix:///nonexistent/docker.sock", "tcp://127.0.0.1:1"] {
        let err = match Runtime::connect_to(host, "x", 1).await {
            Err(e) => e,
            Ok(_) => panic!("connect to {host} must fail"),
        };
        let line = err.to_string();
        assert!(matches!(err, RuntimeError::Unreachable { .. }), "{line}");
        assert!(!line.contains('\n'), "{line:?}");
        assert!(
            line.starts_with(&format!("cannot reach Docker at {host}: ")),
            "{line}"
        );
        assert!(
            line.contains("dockerd") && line.contains("DOCKER_HOST"),
            "{line}"
        );
    }
}

/// A Unix-socket proxy in front of the Docker socket that the test can cut (every open
/// connection dropped, nothing accepted) and restore, to break the events stream the way
/// a dockerd restart does.
struct Proxy {
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    fn start() -> Proxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docker.sock");
        let mut proxy = Proxy {
            path,
            _dir: dir,
            task: None,
        };
        proxy.restore();
        proxy
    }

    fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Stops listening and drops every proxied connection.
    fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let _ = std::fs::remove_file(&self.path);
    }

    fn restore(&mut self) {
        self.cut();
        let listener = tokio::net::UnixListener::bind(&self.path).expect("bind proxy socket");
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                conns.spawn(async move {
                    if let Ok(mut upstream) =
                        tokio::net::UnixStream::connect("/var/run/docker.sock").await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
            // Dropping the JoinSet (when this task is aborted) aborts every connection.
        }));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

#[tokio::test]
async fn a_result_while_the_events_stream_is_cut_arrives_with_the_resync() {
    let engine = format!("{}-rt-test", uuid::Uuid::new_v4().simple());
    let mut proxy = Proxy::start();
    let rt = Runtime::connect_to(&proxy.host(), &engine, 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Cleanup goes through the CLI (real socket), so it works while the proxy is cut.
    let h = Harness {
        rt: rt.clone(),
        engine,
    };
    let mut events = Box::pin(rt.watch());
    assert!(matches!(
        events.next().await,
        Some(RuntimeEvent::Resynced(_))
    ));
    let p = pod("cut", "Never", &["sleep", "1"]);
    rt.start_pod(&p).await.expect("start_pod");
    watch_until(&mut events, &p, "Running", |s| phase(s) == "Running").await;

    proxy.cut();
    let lost = tokio::time::timeout(DEADLINE, events.next())
        .await
        .expect("a Disconnected event");
    match lost {
        Some(RuntimeEvent::Disconnected(msg)) => assert!(msg.contains("reconnecting"), "{msg}"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    // The container finishes while nobody listens.
    let deadline = Instant::now() + DEADLINE;
    loop {
        let out = Command::new("docker")
            .args(["inspect", "--format", "{{.State.Status}}"])
            .args(h.container_ids(&p, "main"))
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).trim() == "exited" {
            break;
        }
        assert!(Instant::now() < deadline, "the container never exited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    proxy.restore();
    // The first Resynced after the reconnect carries the result.
    let resynced = tokio::time::timeout(DEADLINE, async {
        loop {
            match events.next().await {
                Some(RuntimeEvent::Resynced(pods)) => return pods,
                Some(RuntimeEvent::Disconnected(_)) => continue,
                other => panic!("expected Resynced after the reconnect, got {other:?}"),
            }
        }
    })
    .await
    .expect("a Resynced after the proxy came back");
    let ours = resynced
        .iter()
        .find(|o| o.uid == uid(&p))
        .expect("our pod in the resync");
    let s = ours.status(&p, &Waiting::new()).expect("status");
    let s = &s;
    assert_eq!(phase(s), "Succeeded", "{s:#?}");
    assert_eq!(terminated(s).unwrap().exit_code, 0);
}
