//! The kubelet against the real Docker daemon, through the engine and the CLI as a user
//! drives them: pods with several containers, init containers, the infra container's
//! network (pod IP, localhost), pull policies, phases and reasons, crash resumption, and
//! cleanup. Each test has its own engine and namespace (`common::Engine`).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{BUSYBOX, Engine, docker_containers, eventually};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(60);

fn pod(e: &Engine, name: &str) -> Value {
    e.json(&["get", "pod", name])
}

fn phase(p: &Value) -> &str {
    p["status"]["phase"].as_str().unwrap_or("")
}

/// Waits until the pod satisfies `pred` and returns it.
fn wait_pod(e: &Engine, name: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let p = pod(e, name);
        if pred(&p) {
            return p;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting for {what}; last pod: {}",
                serde_json::to_string_pretty(&p["status"]).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status of container `name` among `containerStatuses` or `initContainerStatuses`.
fn container<'a>(p: &'a Value, list: &str, name: &str) -> &'a Value {
    p["status"][list]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["name"] == name))
        .unwrap_or(&Value::Null)
}

fn waiting_reason(c: &Value) -> &str {
    c["state"]["waiting"]["reason"].as_str().unwrap_or("")
}

fn logs(e: &Engine, pod: &str, container: &str) -> String {
    e.ok(&["logs", pod, "-c", container])
}

/// Docker containers of the pod (by uid label) whose `dockjob.io/container` is `name`.
fn docker_ids_of(uid: &str, name: &str) -> Vec<String> {
    docker_containers(&format!("dockjob.io/pod-uid={uid}"), false)
        .into_iter()
        .filter(|id| {
            let out = Command::new("docker")
                .args([
                    "inspect",
                    "--format",
                    "{{index .Config.Labels \"dockjob.io/container\"}}",
                    id,
                ])
                .output()
                .expect("docker inspect");
            String::from_utf8_lossy(&out.stdout).trim() == name
        })
        .collect()
}

fn docker_lines(args: &[&str]) -> Vec<String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn two_containers_share_localhost_and_an_empty_dir() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: pair
spec:
  restartPolicy: Never
  volumes:
  - name: shared
    emptyDir: {{}}
  containers:
  - name: server
    image: {BUSYBOX}
    command: ["sh", "-c", "echo from-server > /shared/note; echo hello | nc -l -p 8080"]
    volumeMounts: [{{name: shared, mountPath: /shared}}]
  - name: client
    image: {BUSYBOX}
    command:
    - sh
    - -c
    - |
      for i in $(seq 1 100); do
        out=$(nc -w 1 127.0.0.1 8080 </dev/null 2>/dev/null) && [ -n "$out" ] && break
        sleep 0.1
      done
      echo "got $out"; cat /data/note
    volumeMounts: [{{name: shared, mountPath: /data}}]
"#
    ));
    let p = wait_pod(&e, "pair", "Succeeded", |p| {
        assert_ne!(phase(p), "Failed", "{p:#}");
        phase(p) == "Succeeded"
    });
    assert_eq!(logs(&e, "pair", "client"), "got hello\nfrom-server\n");
    // Both app containers are reported, sorted by name, with no init containers.
    let names: Vec<&str> = p["status"]["containerStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["client", "server"]);
    assert!(p["status"]["initContainerStatuses"].is_null());
    assert!(
        p["status"]["podIP"]
            .as_str()
            .is_some_and(|ip| !ip.is_empty())
    );
    // The finished pod's sandbox (its infra container) is stopped, freeing the IP.
    let uid = p["metadata"]["uid"].as_str().unwrap().to_string();
    eventually(DEADLINE, "no running container of the finished pod", || {
        docker_containers(&format!("dockjob.io/pod-uid={uid}"), true)
            .is_empty()
            .then_some(())
    });
}

#[test]
fn init_containers_run_in_order_before_the_app() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: ordered
spec:
  restartPolicy: Never
  volumes:
  - name: work
    emptyDir: {{}}
  initContainers:
  - name: first
    image: {BUSYBOX}
    command: ["sh", "-c", "sleep 2; echo first >> /work/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  - name: second
    image: {BUSYBOX}
    command: ["sh", "-c", "echo second >> /work/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "echo main >> /work/log; cat /work/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
"#
    ));
    // While the first init container runs: Pending, the rest PodInitializing.
    let p = wait_pod(&e, "ordered", "the first init container running", |p| {
        !container(p, "initContainerStatuses", "first")["state"]["running"].is_null()
    });
    assert_eq!(phase(&p), "Pending");
    assert_eq!(
        waiting_reason(container(&p, "initContainerStatuses", "second")),
        "PodInitializing"
    );
    assert_eq!(
        waiting_reason(container(&p, "containerStatuses", "main")),
        "PodInitializing"
    );
    let initialized = p["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Initialized")
        .cloned()
        .unwrap();
    assert_eq!(initialized["status"], "False");
    assert_eq!(initialized["reason"], "ContainersNotInitialized");

    let p = wait_pod(&e, "ordered", "Succeeded", |p| phase(p) == "Succeeded");
    assert_eq!(logs(&e, "ordered", "main"), "first\nsecond\nmain\n");
    for name in ["first", "second"] {
        let c = container(&p, "initContainerStatuses", name);
        assert_eq!(c["state"]["terminated"]["reason"], "Completed", "{c:#}");
        assert_eq!(c["ready"], true);
    }
}

#[test]
fn a_failing_init_container_fails_a_never_pod() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: badinit
spec:
  restartPolicy: Never
  initContainers:
  - name: setup
    image: {BUSYBOX}
    command: ["sh", "-c", "echo nope; exit 3"]
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["echo", "must not run"]
"#
    ));
    let p = wait_pod(&e, "badinit", "Failed", |p| phase(p) == "Failed");
    let setup = container(&p, "initContainerStatuses", "setup");
    assert_eq!(setup["state"]["terminated"]["exitCode"], 3);
    assert_eq!(setup["state"]["terminated"]["reason"], "Error");
    assert_eq!(
        waiting_reason(container(&p, "containerStatuses", "main")),
        "PodInitializing"
    );
    let uid = p["metadata"]["uid"].as_str().unwrap();
    assert!(docker_ids_of(uid, "main").is_empty(), "the app never ran");
    assert_eq!(logs(&e, "badinit", "setup"), "nope\n");
}

#[test]
fn missing_images_wait_with_the_kubelet_reasons() {
    let e = Engine::start();
    e.apply(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: neverpull
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: dockjob-test/not-here:1
    imagePullPolicy: Never
---
apiVersion: v1
kind: Pod
metadata:
  name: pullfails
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: dockjob-test/not-here:2
"#,
    );
    let p = wait_pod(&e, "neverpull", "ErrImageNeverPull", |p| {
        waiting_reason(container(p, "containerStatuses", "main")) == "ErrImageNeverPull"
    });
    assert_eq!(phase(&p), "Pending");
    assert_eq!(
        container(&p, "containerStatuses", "main")["state"]["waiting"]["message"],
        "Container image \"dockjob-test/not-here:1\" is not present with pull policy of Never"
    );
    // ErrImagePull on the failed pull, then ImagePullBackOff while the backoff runs, and
    // ErrImagePull again when the retry after 10 s fails.
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    while Instant::now() < deadline {
        let p = pod(&e, "pullfails");
        let c = container(&p, "containerStatuses", "main");
        let reason = waiting_reason(c).to_string();
        if reason == "ImagePullBackOff" {
            assert_eq!(
                c["state"]["waiting"]["message"],
                "Back-off pulling image \"dockjob-test/not-here:2\""
            );
        }
        assert!(
            ["", "ContainerCreating", "ErrImagePull", "ImagePullBackOff"]
                .contains(&reason.as_str()),
            "{c:#}"
        );
        if (reason == "ErrImagePull" || reason == "ImagePullBackOff")
            && seen.last() != Some(&reason)
        {
            seen.push(reason);
        }
        let pull_then_backoff = seen
            .windows(2)
            .any(|w| w[0] == "ErrImagePull" && w[1] == "ImagePullBackOff");
        if pull_then_backoff {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        seen.windows(2)
            .any(|w| w[0] == "ErrImagePull" && w[1] == "ImagePullBackOff"),
        "{seen:?}"
    );
    assert_eq!(phase(&pod(&e, "pullfails")), "Pending");
}

#[test]
fn the_pod_ip_is_reachable_from_another_pod_of_the_namespace() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: server
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "echo pong | nc -l -p 8080"]
"#
    ));
    let p = wait_pod(&e, "server", "Running with an IP", |p| {
        phase(p) == "Running" && p["status"]["podIP"].is_string()
    });
    let ip = p["status"]["podIP"].as_str().unwrap().to_string();
    assert_eq!(p["status"]["podIPs"][0]["ip"], ip.as_str());
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    env:
    - name: SERVER
      value: "{ip}"
    command: ["sh", "-c", "nc -w 5 $SERVER 8080 </dev/null; hostname"]
"#
    ));
    wait_pod(&e, "client", "Succeeded", |p| phase(p) == "Succeeded");
    assert_eq!(logs(&e, "client", "main"), "pong\nclient\n");
    let p = wait_pod(&e, "server", "Succeeded", |p| phase(p) == "Succeeded");
    // The terminal status keeps the IP the pod had.
    assert_eq!(p["status"]["podIP"], ip.as_str());
}

/// `docker inspect` of one container.
fn inspect(id: &str) -> Value {
    let out = Command::new("docker")
        .args(["inspect", id])
        .output()
        .expect("docker inspect");
    assert!(
        out.status.success(),
        "docker inspect {id}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout).expect("inspect json")[0].clone()
}

/// The pod's containers (any state) by role label, inspected.
fn containers_by_role(uid: &str) -> Vec<(String, Value)> {
    docker_containers(&format!("dockjob.io/pod-uid={uid}"), false)
        .iter()
        .map(|id| {
            let c = inspect(id);
            let role = c["Config"]["Labels"]["dockjob.io/role"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (role, c)
        })
        .collect()
}

/// The one network a container is attached to, and its address there.
fn only_network(c: &Value) -> (String, String) {
    let nets = c["NetworkSettings"]["Networks"]
        .as_object()
        .unwrap_or_else(|| panic!("no networks: {c:#}"));
    assert_eq!(nets.len(), 1, "{nets:#?}");
    let (name, net) = nets.iter().next().unwrap();
    (
        name.clone(),
        net["IPAddress"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn a_one_container_job_pod_owns_its_sandbox_and_a_pod_ip_reader_keeps_one() {
    let e = Engine::start();
    // A Job pod with one container and restartPolicy Never: no infra container, the app
    // container is on the namespace network itself, with the pod's hostname.
    e.apply(&common::busybox_job(
        "solo",
        "",
        "  backoffLimit: 0\n",
        "Never",
        "hostname; echo pong | nc -l -p 8080",
    ));
    let p = eventually(DEADLINE, "the solo pod Running with an IP", || {
        e.pods("solo")
            .into_iter()
            .find(|p| phase(p) == "Running" && p["status"]["podIP"].is_string())
    });
    let name = p["metadata"]["name"].as_str().unwrap().to_string();
    let uid = p["metadata"]["uid"].as_str().unwrap().to_string();
    let ip = p["status"]["podIP"].as_str().unwrap().to_string();
    assert_eq!(p["status"]["podIPs"][0]["ip"], ip.as_str());
    let seen = containers_by_role(&uid);
    let roles: Vec<&str> = seen.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles, ["app"], "exactly one Docker container, no infra");
    let app = &seen[0].1;
    let (network, app_ip) = only_network(app);
    assert_eq!(app["HostConfig"]["NetworkMode"], network.as_str());
    assert_eq!(app_ip, ip, "status.podIP is the container's address");
    assert_eq!(app["Config"]["Hostname"], name.as_str());
    // Another pod of the namespace reaches it by that IP.
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    env:
    - name: SERVER
      value: "{ip}"
    command:
    - sh
    - -c
    - |
      for i in $(seq 1 100); do
        out=$(nc -w 1 $SERVER 8080 </dev/null 2>/dev/null) && [ -n "$out" ] && break
        sleep 0.1
      done
      echo "got $out"
"#
    ));
    wait_pod(&e, "client", "Succeeded", |p| phase(p) == "Succeeded");
    assert_eq!(logs(&e, "client", "main"), "got pong\n");
    let job = e.wait_finished("solo", DEADLINE);
    assert_eq!(job["status"]["succeeded"], 1, "{job:#}");
    let p = wait_pod(&e, &name, "Succeeded", |p| phase(p) == "Succeeded");
    assert_eq!(logs(&e, &name, "main"), format!("{name}\n"), "the hostname");
    // The finished pod keeps the IP it had, and never had a second container.
    assert_eq!(p["status"]["podIP"], ip.as_str());
    let roles: Vec<String> = containers_by_role(&uid)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(roles, ["app"]);

    // The same pod reading status.podIP keeps an infra container: the IP exists before
    // the container is created, and is the one it reads. It waits for /tmp/go, so the
    // test can look while it runs.
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    env:
    - name: POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    command: ["sh", "-c", "echo \"$POD_IP\"; hostname; until [ -e /tmp/go ]; do sleep 0.1; done"]
"#
    ));
    let p = wait_pod(&e, "reader", "Running with an IP", |p| {
        phase(p) == "Running" && p["status"]["podIP"].is_string()
    });
    let uid = p["metadata"]["uid"].as_str().unwrap().to_string();
    let ip = p["status"]["podIP"].as_str().unwrap().to_string();
    let mut seen = containers_by_role(&uid);
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let roles: Vec<&str> = seen.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles, ["app", "infra"]);
    let (app, infra) = (&seen[0].1, &seen[1].1);
    let (infra_network, infra_ip) = only_network(infra);
    assert_eq!(infra_network, network, "the same namespace network");
    assert_eq!(
        infra_ip, ip,
        "status.podIP is the infra container's address"
    );
    assert_eq!(infra["Config"]["Hostname"], "reader");
    assert_eq!(
        app["HostConfig"]["NetworkMode"],
        format!("container:{}", infra["Id"].as_str().unwrap()).as_str(),
        "the app joins the infra container's network namespace"
    );
    let app_id = app["Id"].as_str().unwrap().to_string();
    let go = Command::new("docker")
        .args(["exec", &app_id, "touch", "/tmp/go"])
        .output()
        .expect("docker exec");
    assert!(
        go.status.success(),
        "{}",
        String::from_utf8_lossy(&go.stderr)
    );
    let p = wait_pod(&e, "reader", "Succeeded", |p| {
        assert_ne!(phase(p), "Failed", "{p:#}");
        phase(p) == "Succeeded"
    });
    assert_eq!(logs(&e, "reader", "main"), format!("{ip}\nreader\n"));
    assert_eq!(p["status"]["podIP"], ip.as_str());
}

#[test]
fn a_job_with_a_two_container_pod_completes_and_counts_once() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: duo
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: prep
        image: {BUSYBOX}
        command: ["true"]
      containers:
      - name: work
        image: {BUSYBOX}
        command: ["sh", "-c", "sleep 1; echo done"]
      - name: side
        image: {BUSYBOX}
        command: ["sh", "-c", "echo side"]
"#
    ));
    let job = e.wait_finished("duo", DEADLINE);
    assert_eq!(job["status"]["succeeded"], 1, "{job:#}");
    assert!(job["status"]["failed"].is_null() || job["status"]["failed"] == 0);
    let pods = e.pods("duo");
    assert_eq!(pods.len(), 1);
    assert_eq!(phase(&pods[0]), "Succeeded");
    // Still exactly one after the controller had time to react again.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(e.pods("duo").len(), 1);
    assert_eq!(e.job("duo")["status"]["succeeded"], 1);
}

#[test]
fn an_engine_killed_between_init_containers_resumes_and_runs_each_once() {
    let mut e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: resume
spec:
  restartPolicy: Never
  volumes:
  - name: work
    emptyDir: {{}}
  initContainers:
  - name: first
    image: {BUSYBOX}
    command: ["sh", "-c", "echo first >> /work/log; sleep 3"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  - name: second
    image: {BUSYBOX}
    command: ["sh", "-c", "echo second >> /work/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "echo main >> /work/log; cat /work/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
"#
    ));
    let p = wait_pod(&e, "resume", "the first init container running", |p| {
        !container(p, "initContainerStatuses", "first")["state"]["running"].is_null()
    });
    let uid = p["metadata"]["uid"].as_str().unwrap().to_string();
    e.kill();
    // The first init container finishes while no engine runs.
    let first = docker_ids_of(&uid, "first");
    assert_eq!(first.len(), 1);
    eventually(DEADLINE, "the first init container to exit", || {
        let status = docker_lines(&["inspect", "--format", "{{.State.Status}}", &first[0]]);
        (status == ["exited"]).then_some(())
    });
    assert!(docker_ids_of(&uid, "second").is_empty());
    e.restart();
    let p = wait_pod(&e, "resume", "Succeeded", |p| phase(p) == "Succeeded");
    assert_eq!(logs(&e, "resume", "main"), "first\nsecond\nmain\n");
    for name in ["POD", "first", "second", "main"] {
        assert_eq!(docker_ids_of(&uid, name).len(), 1, "{name}");
    }
    for name in ["first", "second"] {
        assert_eq!(
            container(&p, "initContainerStatuses", name)["restartCount"],
            0
        );
    }
}

/// The ids of the Docker networks of the engine's namespace.
fn namespace_networks(e: &Engine) -> Vec<String> {
    docker_lines(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("label=dockjob.io/namespace={}", e.namespace),
    ])
}

/// `docker network rm`, retried while Docker still holds an endpoint of a container that
/// just exited (its network is released after the `die` the engine already acted on).
fn remove_network(id: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = Command::new("docker")
            .args(["network", "rm", id])
            .output()
            .expect("docker CLI");
        if out.status.success() {
            return;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("active endpoints") && Instant::now() < deadline,
            "docker network rm {id}: {err}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_deleted_pod_leaves_no_container_volume_directory_or_network() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: gone
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes:
  - name: disk
    emptyDir: {{}}
  - name: mem
    emptyDir:
      medium: Memory
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "echo x > /disk/f; echo y > /mem/f; exec sleep 300"]
    volumeMounts:
    - {{name: disk, mountPath: /disk}}
    - {{name: mem, mountPath: /mem}}
"#
    ));
    let p = wait_pod(&e, "gone", "Running", |p| phase(p) == "Running");
    let uid = p["metadata"]["uid"].as_str().unwrap().to_string();
    let pod_dir = e.data_dir().join("pods").join(&uid);
    assert!(pod_dir.join("volumes").join("disk").join("f").exists());
    let volumes_of_pod = || {
        docker_lines(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("label=dockjob.io/pod-uid={uid}"),
        ])
    };
    assert_eq!(volumes_of_pod().len(), 1, "the Memory emptyDir");
    let networks = || namespace_networks(&e);
    assert_eq!(networks().len(), 1);

    let began = Instant::now();
    e.ok(&["delete", "pod", "gone"]);
    eventually(
        DEADLINE,
        "the pod's containers, volumes, directory and network to go",
        || {
            let left = docker_containers(&format!("dockjob.io/pod-uid={uid}"), false);
            (left.is_empty()
                && volumes_of_pod().is_empty()
                && !pod_dir.exists()
                && networks().is_empty())
            .then_some(())
        },
    );
    let out = e.cli(&["get", "pod", "gone"]);
    assert!(!out.status.success());
    // `sleep` as PID 1 ignores SIGTERM: it was killed when the 2 s grace ran out.
    assert!(
        began.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        began.elapsed()
    );
}

/// The engine remembers the namespace network it made (no inspect per pod); one removed
/// from outside is made again when the next pod's create finds it missing.
#[test]
fn a_namespace_network_removed_from_outside_is_made_again_for_the_next_pod() {
    let e = Engine::start();
    let pod_yaml = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: {BUSYBOX}\n    command: [\"true\"]\n"
        )
    };
    let networks = || namespace_networks(&e);
    e.apply(&pod_yaml("first"));
    wait_pod(&e, "first", "Succeeded", |p| phase(p) == "Succeeded");
    let made = networks();
    assert_eq!(made.len(), 1, "{made:?}");
    remove_network(&made[0]);
    assert!(networks().is_empty());

    e.apply(&pod_yaml("second"));
    let p = wait_pod(&e, "second", "Succeeded or Failed", |p| {
        matches!(phase(p), "Succeeded" | "Failed")
    });
    assert_eq!(phase(&p), "Succeeded", "{:#}", p["status"]);
    assert_eq!(networks().len(), 1);
}

#[test]
fn a_missing_config_map_keeps_the_pod_waiting_until_it_exists() {
    let e = Engine::start();
    e.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: needscfg
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: {BUSYBOX}
    command: ["sh", "-c", "echo $GREETING"]
    env:
    - name: GREETING
      valueFrom:
        configMapKeyRef: {{name: cfg, key: greeting}}
"#
    ));
    let p = wait_pod(&e, "needscfg", "CreateContainerConfigError", |p| {
        waiting_reason(container(p, "containerStatuses", "main")) == "CreateContainerConfigError"
    });
    assert_eq!(phase(&p), "Pending");
    assert_eq!(
        container(&p, "containerStatuses", "main")["state"]["waiting"]["message"],
        "configmap \"cfg\" not found"
    );
    e.apply(
        r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  greeting: hello-from-cfg
"#,
    );
    wait_pod(&e, "needscfg", "Succeeded", |p| phase(p) == "Succeeded");
    assert_eq!(logs(&e, "needscfg", "main"), "hello-from-cfg\n");
}
