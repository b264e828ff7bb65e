//! The scale part of the benchmark: `get jobs -a` and `get pods -a`, engine RSS and
//! idle CPU with 1,000 Jobs and 10,000 finished pods in the store.
//!
//! Running 10,000 real containers would take an hour here, and a pod created through
//! the API starts Pending, so the finished pods are a fixture: an engine of its own
//! stores the 1,000 Jobs through `dockjob apply` (suspended, with the API server's
//! defaults and identity labels), is stopped, and the store is then opened offline with
//! the library to add, for `FINISHED_JOBS` of those Jobs, `PODS_PER_JOB` pods made from
//! the Job's template (job-name/controller-uid labels, controller ownerReference) with
//! the status of a pod whose one container exited 0. Each such Job is resumed and given
//! the status the Job controller's own `reconcile` computes from its pods (Complete).
//! The engine is then started again on that store, left to settle, and measured.
//!
//! No container exists for the seeded pods: the engine must leave terminal pods as
//! they are and the Job controller must find nothing to change. The `store writes while
//! idle` row checks that (the list resourceVersion does not move).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use dockjob::api::kinds::Kind;
use dockjob::controller::job::{finished_condition, reconcile};
use dockjob::controller::pod_template::{controller_ref, pod_from_template};
use dockjob::store::Store;
use k8s_openapi::api::batch::v1::Job;
use serde_json::{Value, json};

use super::{
    Cleanup, Engine, NAMESPACE_LABEL, Row, clock_ticks_per_sec, cpu_ticks, job_yaml, median, row,
    rss_mb,
};

const JOBS: usize = 1000;
/// How many of the Jobs are finished, with `PODS_PER_JOB` Succeeded pods each.
const FINISHED_JOBS: usize = 10;
const PODS_PER_JOB: usize = 1000;
/// CLI calls per figure (the p50 is over these).
const SAMPLES: usize = 11;

/// The scale engine's process: SIGTERM (then SIGKILL) when dropped, also on failure.
struct Proc(Option<Child>);

impl Proc {
    fn stop(&mut self) {
        if let Some(child) = self.0.take() {
            super::stop_child(child);
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `dockjob server` on `dir`'s data dir and socket (appending to its log) and
/// waits until it answers.
fn start_server(bin: &Path, dir: &Path) -> Result<(Proc, u32)> {
    let socket = dir.join("dockjob.sock");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("engine.log"))
        .context("opening the scale engine's log")?;
    let child = Command::new(bin)
        .arg("server")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--socket")
        .arg(&socket)
        .stdout(log.try_clone().context("engine log fd")?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {} server", bin.display()))?;
    let pid = child.id();
    let proc = Proc(Some(child));
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        if Instant::now() > deadline {
            bail!(
                "the scale engine did not answer within 60 s; its log:\n{}",
                std::fs::read_to_string(dir.join("engine.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((proc, pid))
}

/// A finished pod's status as the engine writes it for a container that exited 0.
fn succeeded_status(container: &str, image: &str, i: usize) -> Value {
    let started = "2026-01-01T00:00:01Z";
    let finished = "2026-01-01T00:00:02Z";
    let container_id = format!("docker://{:064x}", i + 1);
    json!({
        "phase": "Succeeded",
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "False", "lastProbeTime": null,
             "lastTransitionTime": finished},
            {"type": "Initialized", "status": "True", "lastProbeTime": null,
             "lastTransitionTime": started, "reason": "PodCompleted"},
            {"type": "Ready", "status": "False", "lastProbeTime": null,
             "lastTransitionTime": finished, "reason": "PodCompleted"},
            {"type": "ContainersReady", "status": "False", "lastProbeTime": null,
             "lastTransitionTime": finished, "reason": "PodCompleted"},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": null,
             "lastTransitionTime": started}
        ],
        "hostIP": "127.0.0.1",
        "hostIPs": [{"ip": "127.0.0.1"}],
        "podIP": format!("10.88.{}.{}", (i / 250) % 250, i % 250 + 2),
        "podIPs": [{"ip": format!("10.88.{}.{}", (i / 250) % 250, i % 250 + 2)}],
        "startTime": started,
        "qosClass": "BestEffort",
        "containerStatuses": [{
            "name": container,
            "image": image,
            "imageID": format!("docker-pullable://{image}@sha256:{:064x}", 7),
            "containerID": container_id,
            "ready": false,
            "started": false,
            "restartCount": 0,
            "state": {"terminated": {
                "exitCode": 0, "reason": "Completed",
                "startedAt": started, "finishedAt": finished,
                "containerID": container_id
            }},
            "lastState": {}
        }]
    })
}

/// Adds the finished pods to the store at `data_dir` (no engine running): for each of
/// `jobs` (names), `PODS_PER_JOB` Succeeded pods from its template, then the Job resumed
/// with the status the Job controller computes from them. Returns the pods stored.
fn seed(data_dir: &Path, ns: &str, jobs: &[String]) -> Result<usize> {
    let store = Store::open(data_dir).context("opening the scale store offline")?;
    let mut stored = 0;
    for name in jobs {
        let mut job: Job = store
            .get_as(Kind::Job, ns, name)?
            .with_context(|| format!("job {ns}/{name} is not in the store"))?;
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let spec = job.spec.clone().unwrap_or_default();
        let template = &spec.template;
        let container = template.spec.as_ref().and_then(|s| s.containers.first());
        let (cname, image) = container.map_or(("main".into(), String::new()), |c| {
            (c.name.clone(), c.image.clone().unwrap_or_default())
        });
        let mut pods = Vec::with_capacity(PODS_PER_JOB);
        for i in 0..PODS_PER_JOB {
            let pod = pod_from_template(
                Some(template),
                Some(ns.to_string()),
                format!("{name}-"),
                controller_ref("batch/v1", "Job", name, &uid),
            );
            let mut v = serde_json::to_value(&pod)?;
            v["spec"]["nodeName"] = json!("dockjob");
            v["status"] = succeeded_status(&cname, &image, stored + i);
            pods.push(v);
        }
        let pods = store.create_many(Kind::Pod, pods)?;
        stored += pods.len();
        let typed: Vec<k8s_openapi::api::core::v1::Pod> = pods
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()?;
        // Resumed, then reconciled until the controller has nothing more to say.
        if let Some(spec) = job.spec.as_mut() {
            spec.suspend = Some(false);
        }
        for _ in 0..5 {
            let plan = reconcile(&job, &typed, jiff::Timestamp::now());
            if !plan.create.is_empty() {
                bail!("the Job controller wants more pods for {name}: the fixture is wrong");
            }
            let done = job.status.as_ref() == Some(&plan.status);
            job.status = Some(plan.status);
            if done && finished_condition(&job).is_some() {
                break;
            }
        }
        if finished_condition(&job).is_none() {
            bail!("{name} did not reach Complete from its seeded pods");
        }
        store.update_as(Kind::Job, &job)?;
    }
    Ok(stored)
}

/// GET `path` over the engine's socket with plain HTTP/1.0 (no CLI): wall ms and body.
fn http_get(socket: &Path, path: &str) -> Result<(f64, Vec<u8>)> {
    http_get_with(socket, path, "")
}

/// [`http_get`] with more header lines (each ending in CRLF).
fn http_get_with(socket: &Path, path: &str, headers: &str) -> Result<(f64, Vec<u8>)> {
    let t = Instant::now();
    let mut s = std::os::unix::net::UnixStream::connect(socket)
        .with_context(|| format!("connecting to {}", socket.display()))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: dockjob\r\n{headers}\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let at = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no HTTP header end")?;
    Ok((ms, buf.split_off(at + 4)))
}

/// The list's `metadata.resourceVersion`: the store's last write.
fn list_rv(socket: &Path) -> Result<String> {
    let (_, body) = http_get(socket, "/api/v1/namespaces/kube-system/configmaps")?;
    let v: Value = serde_json::from_slice(&body).context("list answer is not JSON")?;
    Ok(v["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

fn p50(mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut v = Vec::new();
    for _ in 0..SAMPLES {
        v.push(f()?);
    }
    median(&v).context("no samples")
}

fn cli_p50(engine: &Engine, args: &[&str]) -> Result<f64> {
    p50(|| {
        let t = Instant::now();
        engine.cli(args)?;
        Ok(t.elapsed().as_secs_f64() * 1e3)
    })
}

/// The scale part: its own engine and store, measured, stopped.
pub fn bench(bin: &Path, run: &str, cleanup: &Cleanup) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let dir = tempfile::tempdir().context("making the scale engine's temp dir")?;
    let ns = format!("{run}-scale");
    cleanup.label(format!("{NAMESPACE_LABEL}={ns}"));

    eprintln!("bench: scale: {JOBS} suspended Jobs through dockjob apply");
    let socket = dir.path().join("dockjob.sock");
    let (mut proc, pid) = start_server(bin, dir.path())?;
    let engine = Engine {
        bin: bin.to_path_buf(),
        dir,
        socket,
        namespace: ns.clone(),
        pid,
    };
    let t = Instant::now();
    let mut yaml = String::new();
    let names: Vec<String> = (0..JOBS).map(|i| format!("{run}-s{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        let completions = if i < FINISHED_JOBS { PODS_PER_JOB } else { 1 };
        yaml.push_str(&job_yaml(name, completions, 4, true));
        yaml.push_str("---\n");
    }
    let file = engine.write("scale.yaml", &yaml)?;
    engine.cli(&["apply", "-f", &file])?;
    eprintln!("bench:   applied in {:.1} s", t.elapsed().as_secs_f64());
    proc.stop();

    eprintln!(
        "bench: scale: seeding {} finished pods offline ({FINISHED_JOBS} Jobs x {PODS_PER_JOB})",
        FINISHED_JOBS * PODS_PER_JOB
    );
    let t = Instant::now();
    let seeded = seed(
        &engine.dir.path().join("data"),
        &ns,
        &names[..FINISHED_JOBS],
    )?;
    eprintln!("bench:   seeded in {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let (mut proc, pid) = start_server(bin, engine.dir.path())?;
    let engine = Engine { pid, ..engine };
    eprintln!(
        "bench:   engine pid {pid} answers {:.0} ms after start; waiting until it is quiet",
        t.elapsed().as_secs_f64() * 1e3
    );
    // The engine's start-up work (resync, every Job reconciled once) reads the whole
    // store; measured idle is after it: 2 s in a row with under 0.05 s of CPU.
    let settled = loop {
        let before = cpu_ticks(pid);
        std::thread::sleep(Duration::from_secs(2));
        let busy = match (before, cpu_ticks(pid)) {
            (Some(b), Some(a)) => a.saturating_sub(b) as f64 / clock_ticks_per_sec(),
            _ => 0.0,
        };
        if busy < 0.05 || t.elapsed() > Duration::from_secs(180) {
            break t.elapsed();
        }
    };
    rows.push(row(
        "scale: engine start-up work (until quiet)",
        format!("{:.1} s", settled.as_secs_f64()),
        "",
        None,
    ));

    let count = |args: &[&str]| -> Result<usize> { Ok(engine.cli(args)?.lines().count()) };
    let jobs = count(&["get", "jobs", "-a", "-o", "name"])?;
    let live_jobs = count(&["get", "jobs", "-o", "name"])?;
    let pods = count(&["get", "pods", "-a", "-o", "name"])?;
    let live_pods = count(&["get", "pods", "-o", "name"])?;
    rows.push(row(
        "scale: Jobs stored (Complete / suspended)",
        format!("{jobs} ({} / {live_jobs})", jobs - live_jobs),
        &format!("{JOBS}"),
        Some(jobs >= JOBS),
    ));
    rows.push(row(
        "scale: finished pods stored (seeded offline)",
        format!("{} of {pods} ({seeded} seeded)", pods - live_pods),
        &format!("{}", FINISHED_JOBS * PODS_PER_JOB),
        Some(pods - live_pods >= FINISHED_JOBS * PODS_PER_JOB),
    ));

    let jobs_ms = cli_p50(&engine, &["get", "jobs", "-a"])?;
    rows.push(row(
        "scale: get jobs -a p50 (CLI process)",
        format!("{jobs_ms:.0} ms"),
        "<= 100 ms",
        Some(jobs_ms <= 100.0),
    ));
    let pods_ms = cli_p50(&engine, &["get", "pods", "-a"])?;
    rows.push(row(
        "scale: get pods -a p50 (CLI process)",
        format!("{pods_ms:.0} ms"),
        "<= 100 ms",
        Some(pods_ms <= 100.0),
    ));
    let mut size = 0;
    let http_ms = p50(|| {
        let (ms, body) = http_get(&engine.socket, "/api/v1/pods")?;
        size = body.len();
        Ok(ms)
    })?;
    rows.push(row(
        &format!(
            "  engine alone: GET /api/v1/pods p50 ({:.1} MB)",
            size as f64 / 1e6
        ),
        format!("{http_ms:.0} ms"),
        "",
        None,
    ));
    let accept = format!("Accept: {}\r\n", dockjob::api::table::ACCEPT_TABLE);
    let table_ms = p50(|| {
        let path = "/api/v1/pods?includeObject=None";
        let (ms, body) = http_get_with(&engine.socket, path, &accept)?;
        size = body.len();
        Ok(ms)
    })?;
    rows.push(row(
        &format!(
            "  engine alone: as the CLI asks, a Table p50 ({:.1} MB)",
            size as f64 / 1e6
        ),
        format!("{table_ms:.0} ms"),
        "",
        None,
    ));

    eprintln!("bench: scale: engine idle over 10 s");
    std::thread::sleep(Duration::from_secs(1));
    let rv_before = list_rv(&engine.socket)?;
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(10));
    let after = cpu_ticks(pid);
    let rv_after = list_rv(&engine.socket)?;
    rows.push(row(
        "scale: store writes while idle (resourceVersion)",
        format!("{rv_before} -> {rv_after}"),
        "none",
        Some(rv_before == rv_after),
    ));
    let cpu = match (before, after) {
        (Some(b), Some(a)) => Some((a.saturating_sub(b)) as f64 / clock_ticks_per_sec()),
        _ => None,
    };
    rows.push(row(
        "scale: engine CPU idle over 10 s",
        cpu.map_or("n/a".into(), |c| format!("{:.2} s ({:.1}%)", c, c * 10.0)),
        "~0",
        cpu.map(|c| c <= 0.05),
    ));
    let rss = rss_mb(pid);
    rows.push(row(
        "scale: engine RSS (VmRSS)",
        rss.map_or("n/a".into(), |r| format!("{r:.1} MB")),
        "<= 100 MB",
        rss.map(|r| r <= 100.0),
    ));
    // For profiling by hand: keep the seeded engine up this many seconds.
    if let Some(secs) = std::env::var("BENCH_SCALE_HOLD")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        eprintln!(
            "bench: scale: holding the engine on {} (namespace {ns}) for {secs} s",
            engine.socket.display()
        );
        std::thread::sleep(Duration::from_secs(secs));
    }
    proc.stop();
    Ok(rows)
}
