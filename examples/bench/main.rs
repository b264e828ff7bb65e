//! The benchmark of issue 8: what dockjob costs over Docker itself, measured in one run
//! on this machine (`scripts/bench` builds the release binary and runs this).
//!
//! Owns: starting its own engine (temp data dir and socket, the release binary), the
//! baselines (a bare Engine API loop with bollard, `docker run --rm`), the Docker events
//! the figures are computed from, and removing every container, network and volume it
//! made, even when it fails. Must not: touch anything it did not create (every object is
//! found by a label unique to this run), or assert anything: it prints figures with
//! their targets and exits 0 unless a step could not run.
//!
//! An example, not a test: `cargo test --all-targets` builds it and never runs it.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, EventMessage, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, EventsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use clap::Parser;

mod recovery;
use futures::StreamExt;

mod scale;

mod cron;

const IMAGE: &str = "dockjob-test/busybox:1";
/// The label every baseline container of this run carries (value: the run id).
const BENCH_LABEL: &str = "dockjob-bench.run";
const ROLE_LABEL: &str = "dockjob.io/role";
const NAMESPACE_LABEL: &str = "dockjob.io/namespace";
const ENGINE_LABEL: &str = "dockjob.io/engine";

#[derive(Parser, Debug)]
#[command(about = "dockjob against Docker itself (issue 8)")]
struct Args {
    /// The dockjob binary to benchmark (the release build).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/dockjob"))]
    bin: PathBuf,
    /// Comma-separated parts: throughput, latency, engine (RSS, idle CPU, get latency),
    /// scale (1,000 Jobs and 10,000 finished pods in the store), recovery (an engine
    /// restart with 200 running pods, about a minute), cron (CronJob schedule accuracy over
    /// two minute boundaries, 65-125 s). All by default. Latency needs the throughput runs.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "throughput,latency,engine,scale,recovery,cron"
    )]
    only: Vec<String>,
    /// How many times to run each approach (figures are medians over the runs).
    #[arg(long, default_value_t = 1)]
    runs: usize,
    #[arg(long, default_value_t = 100)]
    completions: usize,
    #[arg(long, default_value_t = 4)]
    parallelism: usize,
    /// A name unique to this run: namespace, job name and label value (scripts/bench
    /// passes one so that its own trap can clean up after a kill).
    #[arg(long)]
    run_id: Option<String>,
}

// ---------------------------------------------------------------------------
// Docker events

/// One container event as Docker timed it.
#[derive(Debug, Clone)]
struct Ev {
    action: String,
    /// Nanoseconds since the epoch (Docker's `timeNano`).
    t_ns: i64,
    role: Option<String>,
    engine: Option<String>,
    /// The container's id.
    id: String,
}

/// Collects the create/start/die events of containers carrying `label` until dropped.
struct EventLog {
    events: Arc<Mutex<Vec<Ev>>>,
    task: tokio::task::JoinHandle<()>,
}

impl EventLog {
    async fn start(docker: &Docker, label: &str) -> EventLog {
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            ("label".to_string(), vec![label.to_string()]),
            (
                "event".to_string(),
                vec!["create".into(), "start".into(), "die".into()],
            ),
        ]);
        let options = EventsOptionsBuilder::new().filters(&filters).build();
        let mut stream = docker.events(Some(options));
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let task = tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Some(ev) = to_ev(&msg)
                    && let Ok(mut v) = sink.lock()
                {
                    v.push(ev);
                }
            }
        });
        // The stream is open once Docker answered the request; give it a moment.
        tokio::time::sleep(Duration::from_millis(200)).await;
        EventLog { events, task }
    }

    /// The events so far, after letting the late ones arrive.
    async fn snapshot(&self) -> Vec<Ev> {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut v = self.events.lock().map(|v| v.clone()).unwrap_or_default();
        v.sort_by_key(|e| e.t_ns);
        v
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn to_ev(msg: &EventMessage) -> Option<Ev> {
    let actor = msg.actor.as_ref()?;
    let attrs = actor.attributes.clone().unwrap_or_default();
    Some(Ev {
        action: msg.action.clone()?,
        t_ns: msg.time_nano?,
        role: attrs.get(ROLE_LABEL).cloned(),
        engine: attrs.get(ENGINE_LABEL).cloned(),
        id: actor.id.clone().unwrap_or_default(),
    })
}

fn count(events: &[Ev], action: &str) -> usize {
    events.iter().filter(|e| e.action == action).count()
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Pairs each app container's `die` with the `start` of the app container that takes
/// its slot: the first `parallelism` starts fill the empty slots; every later start
/// takes the slot freed longest ago. Returns the gaps in milliseconds.
fn handoffs(events: &[Ev], parallelism: usize) -> Vec<f64> {
    handoffs_to(events, parallelism, "start")
}

/// As [`handoffs`], up to the `action` ("create" or "start") of the container that takes
/// the freed slot: to its `create`, the gap is the engine's own share of a handoff.
fn handoffs_to(events: &[Ev], parallelism: usize, action: &str) -> Vec<f64> {
    let mut free: VecDeque<i64> = VecDeque::new();
    let mut seen = 0;
    let mut gaps = Vec::new();
    for e in events.iter().filter(|e| e.role.as_deref() != Some("infra")) {
        if e.action == "die" {
            free.push_back(e.t_ns);
        } else if e.action == action {
            seen += 1;
            if seen > parallelism
                && let Some(died) = free.pop_front()
            {
                gaps.push((e.t_ns - died) as f64 / 1e6);
            }
        }
    }
    gaps
}

/// Each app container's `create` -> `start`: Docker's own share of making it run.
fn create_to_start(events: &[Ev]) -> Vec<f64> {
    let mut created: HashMap<&str, i64> = HashMap::new();
    let mut gaps = Vec::new();
    for e in events.iter().filter(|e| e.role.as_deref() != Some("infra")) {
        match e.action.as_str() {
            "create" => {
                created.insert(&e.id, e.t_ns);
            }
            "start" => {
                if let Some(c) = created.remove(e.id.as_str()) {
                    gaps.push((e.t_ns - c) as f64 / 1e6);
                }
            }
            _ => {}
        }
    }
    gaps
}

fn median(v: &[f64]) -> Option<f64> {
    percentile(v, 50.0)
}

/// Nearest-rank percentile.
fn percentile(v: &[f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    Some(s[rank.clamp(1, s.len()) - 1])
}

// ---------------------------------------------------------------------------
// Cleanup

/// Removes, when dropped (also on failure or panic), the engine process and every
/// container, network and volume carrying one of `labels`.
struct Cleanup {
    labels: Mutex<Vec<String>>,
    engine: Mutex<Option<Child>>,
}

impl Cleanup {
    fn new() -> Cleanup {
        Cleanup {
            labels: Mutex::new(Vec::new()),
            engine: Mutex::new(None),
        }
    }

    fn label(&self, label: String) {
        if let Ok(mut l) = self.labels.lock()
            && !l.contains(&label)
        {
            l.push(label);
        }
    }

    /// SIGTERM, then SIGKILL after 15 s.
    fn stop_engine(&self) {
        if let Some(child) = self.engine.lock().ok().and_then(|mut e| e.take()) {
            stop_child(child);
        }
    }

    fn run(&self) {
        self.stop_engine();
        let labels = self.labels.lock().map(|l| l.clone()).unwrap_or_default();
        // Containers first: a network cannot go while a container is attached.
        for label in &labels {
            let filter = format!("label={label}");
            let ids = docker_lines(&["ps", "-aq", "--filter", &filter]);
            if !ids.is_empty() {
                docker_quiet(&[&["rm", "-f"][..], &refs(&ids)].concat());
            }
        }
        for label in &labels {
            let filter = format!("label={label}");
            let nets = docker_lines(&["network", "ls", "-q", "--filter", &filter]);
            if !nets.is_empty() {
                docker_quiet(&[&["network", "rm"][..], &refs(&nets)].concat());
            }
            let vols = docker_lines(&["volume", "ls", "-q", "--filter", &filter]);
            if !vols.is_empty() {
                docker_quiet(&[&["volume", "rm", "-f"][..], &refs(&vols)].concat());
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.run();
    }
}

/// Stops an engine process we spawned: SIGTERM, then SIGKILL after 15 s.
fn stop_child(mut child: Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: signalling a child we spawned and have not reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn docker_lines(args: &[&str]) -> Vec<String> {
    match Command::new("docker").args(args).output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn docker_quiet(args: &[&str]) {
    let _ = Command::new("docker")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

// ---------------------------------------------------------------------------
// dockjob

/// An engine of our own: temp data dir and socket, the benchmarked binary.
struct Engine {
    bin: PathBuf,
    dir: tempfile::TempDir,
    socket: PathBuf,
    namespace: String,
    pid: u32,
}

impl Engine {
    fn start(bin: &Path, namespace: &str, cleanup: &Cleanup) -> Result<Engine> {
        let dir = tempfile::tempdir().context("making the engine's temp dir")?;
        let socket = dir.path().join("dockjob.sock");
        let pid = spawn_server(bin, dir.path(), &socket, cleanup)?;
        cleanup.label(format!("{NAMESPACE_LABEL}={namespace}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            if Instant::now() > deadline {
                bail!(
                    "the engine did not answer on {} within 30 s; its log:\n{}",
                    socket.display(),
                    std::fs::read_to_string(dir.path().join("engine.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Engine {
            bin: bin.to_path_buf(),
            dir,
            socket,
            namespace: namespace.to_string(),
            pid,
        })
    }

    /// Starts the engine again on the same data dir and socket (after the last one was
    /// killed), without waiting for it to answer: the recovery part times that.
    fn respawn(&mut self, cleanup: &Cleanup) -> Result<()> {
        self.pid = spawn_server(&self.bin, self.dir.path(), &self.socket, cleanup)?;
        Ok(())
    }

    /// Runs a CLI verb against this engine; fails with its stderr when it fails.
    fn cli(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.bin)
            .args(args)
            .arg("--socket")
            .arg(&self.socket)
            .args(["-n", &self.namespace])
            .env("DOCKJOB_NO_AUTOSTART", "1")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running dockjob {}", args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "dockjob {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn write(&self, file: &str, text: &str) -> Result<String> {
        let path = self.dir.path().join(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path.to_string_lossy().into_owned())
    }
}

/// `bin server` on `dir`'s data dir and `socket`, its output appended to
/// `dir/engine.log`; the child goes to `cleanup`.
fn spawn_server(bin: &Path, dir: &Path, socket: &Path, cleanup: &Cleanup) -> Result<u32> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("engine.log"))
        .context("opening the engine log")?;
    let child = Command::new(bin)
        .arg("server")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--socket")
        .arg(socket)
        .stdout(log.try_clone().context("engine log fd")?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {} server", bin.display()))?;
    let pid = child.id();
    if let Ok(mut e) = cleanup.engine.lock() {
        *e = Some(child);
    }
    Ok(pid)
}

fn job_yaml(name: &str, completions: usize, parallelism: usize, suspend: bool) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  completions: {completions}\n  parallelism: {parallelism}\n  suspend: {suspend}\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: {IMAGE}\n        command: [\"true\"]\n"
    )
}

/// One throughput run of dockjob: wall time from `apply` to Complete.
struct DockjobRun {
    wall: Duration,
    created: usize,
    app_created: usize,
    /// `apply` returned, nanoseconds since the epoch.
    applied_ns: i64,
    events: Vec<Ev>,
}

async fn run_dockjob(
    docker: &Docker,
    engine: &Engine,
    name: &str,
    args: &Args,
    cleanup: &Cleanup,
) -> Result<DockjobRun> {
    let file = engine.write(
        &format!("{name}.yaml"),
        &job_yaml(name, args.completions, args.parallelism, false),
    )?;
    let log = EventLog::start(docker, &format!("{NAMESPACE_LABEL}={}", engine.namespace)).await;
    let t0 = Instant::now();
    engine.cli(&["apply", "-f", &file])?;
    let applied_ns = now_ns();
    engine.cli(&[
        "wait",
        "--for=condition=complete",
        &format!("job/{name}"),
        "--timeout=600s",
    ])?;
    let wall = t0.elapsed();
    let all = log.snapshot().await;
    if let Some(id) = all.iter().find_map(|e| e.engine.clone()) {
        cleanup.label(format!("{ENGINE_LABEL}={id}"));
    }
    // Only this job's containers: the namespace is ours, but runs share it.
    let events: Vec<Ev> = all
        .into_iter()
        .filter(|e| e.t_ns >= applied_ns - 5_000_000_000)
        .collect();
    let created = count(&events, "create");
    let app_created = events
        .iter()
        .filter(|e| e.action == "create" && e.role.as_deref() != Some("infra"))
        .count();
    Ok(DockjobRun {
        wall,
        created,
        app_created,
        applied_ns,
        events,
    })
}

// ---------------------------------------------------------------------------
// Baselines

struct BareRun {
    wall: Duration,
    created: usize,
    /// Per container: from the create call to the start call returning, in ms.
    create_start_ms: Vec<f64>,
    events: Vec<Ev>,
    /// When the loop began (ns since the epoch): its first start is counted from here.
    began_ns: i64,
}

/// The `die` events of the containers carrying a label, handed to whoever waits for
/// each container: the bare loop refills a slot on its container's `die` event, as the
/// engine does (Docker's `wait` answers only after the container's cleanup, 100 ms and
/// more later here).
#[derive(Clone)]
struct DieWatch {
    waiting: Arc<Mutex<HashMap<String, tokio::sync::oneshot::Sender<()>>>>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl DieWatch {
    async fn start(docker: &Docker, label: &str) -> DieWatch {
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            ("label".to_string(), vec![label.to_string()]),
            ("event".to_string(), vec!["die".to_string()]),
        ]);
        let options = EventsOptionsBuilder::new().filters(&filters).build();
        let mut stream = docker.events(Some(options));
        let waiting: Arc<Mutex<HashMap<String, tokio::sync::oneshot::Sender<()>>>> = Arc::default();
        let sink = waiting.clone();
        let task = tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let id = msg.actor.and_then(|a| a.id).unwrap_or_default();
                let tx = sink.lock().ok().and_then(|mut w| w.remove(&id));
                if let Some(tx) = tx {
                    let _ = tx.send(());
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        DieWatch {
            waiting,
            task: Arc::new(task),
        }
    }

    /// Registers a container (before it starts): the receiver fires at its `die`.
    fn expect(&self, id: &str) -> tokio::sync::oneshot::Receiver<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(id.to_string(), tx);
        }
        rx
    }

    fn stop(&self) {
        self.task.abort();
    }
}

/// The same containers through the Engine API: create, start, then the next create on
/// the container's `die` event (see [`DieWatch`]), with `parallelism` in flight; every
/// container is removed after the timing.
///
/// The loop makes its own network first, inside its timing, as dockjob makes the
/// namespace's network for the first pod of a namespace.
async fn run_bare(docker: &Docker, run: &str, args: &Args) -> Result<BareRun> {
    let value = format!("{run}-bare");
    let label = format!("{BENCH_LABEL}={value}");
    let log = EventLog::start(docker, &label).await;
    let dies = DieWatch::start(docker, &label).await;
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let t0_ns = now_ns();
    let net = format!("{value}-net");
    docker
        .create_network(bollard::models::NetworkCreateRequest {
            name: net.clone(),
            driver: Some("bridge".into()),
            labels: Some(HashMap::from([(BENCH_LABEL.to_string(), value.clone())])),
            ..Default::default()
        })
        .await
        .context("bare loop: create network")?;
    let net = net.as_str();
    let mut workers = Vec::new();
    for _ in 0..args.parallelism {
        let docker = docker.clone();
        let next = next.clone();
        let value = value.clone();
        let net = net.to_string();
        let dies = dies.clone();
        let total = args.completions;
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut ids = Vec::new();
            while next.fetch_add(1, Ordering::SeqCst) < total {
                let (ms, id) = one_bare(&docker, &value, &net, &dies).await?;
                times.push(ms);
                ids.push(id);
            }
            anyhow::Ok((times, ids))
        }));
    }
    let mut create_start_ms = Vec::new();
    let mut ids = Vec::new();
    for w in workers {
        let (times, made) = w.await.context("a bare-loop worker panicked")??;
        create_start_ms.extend(times);
        ids.extend(made);
    }
    let wall = t0.elapsed();
    dies.stop();
    // Removed after the timing, as dockjob's finished pods are kept until their Job is
    // deleted: a removal between one container's exit and the next create made the
    // bare loop slower, and its create+start faster (it no longer overlapped Docker's
    // cleanup of the container that just exited, as every engine's next start does).
    for id in &ids {
        // Only once Docker has cleaned the container up (its `wait` answers then): a
        // container removed during its exit's cleanup can leave a stale endpoint that
        // keeps the network from being removed ("has active endpoints").
        let mut wait = docker.wait_container(id, None);
        let _ = wait.next().await;
        docker
            .remove_container(
                id,
                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
            )
            .await
            .context("bare loop: remove")?;
    }
    // Docker may still hold an exited container's endpoint for a moment ("has active
    // endpoints"): what is left goes with the run's cleanup, by label.
    let _ = docker.remove_network(net).await;
    let events = log.snapshot().await;
    Ok(BareRun {
        wall,
        created: count(&events, "create"),
        create_start_ms,
        events,
        began_ns: t0_ns,
    })
}

/// One container: create, start, and its `die`. Returns Docker's create+start time (ms)
/// and the container's id (removed after the run).
async fn one_bare(
    docker: &Docker,
    value: &str,
    net: &str,
    dies: &DieWatch,
) -> Result<(f64, String)> {
    let body = ContainerCreateBody {
        image: Some(IMAGE.to_string()),
        cmd: Some(vec!["true".to_string()]),
        labels: Some(HashMap::from([(
            BENCH_LABEL.to_string(),
            value.to_string(),
        )])),
        host_config: Some(HostConfig {
            network_mode: Some(net.to_string()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let t = Instant::now();
    let created = docker
        .create_container(Some(CreateContainerOptionsBuilder::new().build()), body)
        .await
        .context("bare loop: create")?;
    let died = dies.expect(&created.id);
    docker
        .start_container(&created.id, None)
        .await
        .context("bare loop: start")?;
    let create_start = t.elapsed().as_secs_f64() * 1e3;
    tokio::time::timeout(Duration::from_secs(120), died)
        .await
        .context("bare loop: no die event within 120 s")?
        .context("bare loop: the events stream ended")?;
    Ok((create_start, created.id))
}

struct CliRun {
    wall: Duration,
    created: usize,
}

/// The same containers with `docker run --rm`, `parallelism` in flight.
async fn run_docker_cli(docker: &Docker, run: &str, net: &str, args: &Args) -> Result<CliRun> {
    let value = format!("{run}-cli");
    let label = format!("{BENCH_LABEL}={value}");
    let log = EventLog::start(docker, &label).await;
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.parallelism {
        let next = next.clone();
        let label = label.clone();
        let net = net.to_string();
        let total = args.completions;
        workers.push(tokio::task::spawn_blocking(move || {
            while next.fetch_add(1, Ordering::SeqCst) < total {
                let out = Command::new("docker")
                    .args([
                        "run",
                        "--rm",
                        "--network",
                        &net,
                        "--label",
                        &label,
                        IMAGE,
                        "true",
                    ])
                    .stdin(Stdio::null())
                    .output()
                    .context("running docker run")?;
                if !out.status.success() {
                    bail!(
                        "docker run failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    );
                }
            }
            Ok(())
        }));
    }
    for w in workers {
        w.await.context("a docker run worker panicked")??;
    }
    let wall = t0.elapsed();
    let events = log.snapshot().await;
    Ok(CliRun {
        wall,
        created: count(&events, "create"),
    })
}

// ---------------------------------------------------------------------------
// Engine resources

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields count from after its closing paren.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// Median wall time of `dockjob <args>` over `n` calls, in ms.
fn cli_ms(engine: &Engine, args: &[&str], n: usize) -> Result<f64> {
    let mut v = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        engine.cli(args)?;
        v.push(t.elapsed().as_secs_f64() * 1e3);
    }
    median(&v).context("no samples")
}

// ---------------------------------------------------------------------------
// Report

struct Row {
    figure: String,
    measured: String,
    target: String,
    verdict: String,
}

fn row(figure: &str, measured: String, target: &str, ok: Option<bool>) -> Row {
    Row {
        figure: figure.to_string(),
        measured,
        target: target.to_string(),
        verdict: match ok {
            Some(true) => "ok".into(),
            Some(false) => "over".into(),
            None => "-".into(),
        },
    }
}

fn print_table(rows: &[Row]) {
    let w = |f: fn(&Row) -> &str, h: &str| {
        rows.iter()
            .map(|r| f(r).len())
            .max()
            .unwrap_or(0)
            .max(h.len())
    };
    let (a, b, c) = (
        w(|r| &r.figure, "FIGURE"),
        w(|r| &r.measured, "MEASURED"),
        w(|r| &r.target, "TARGET"),
    );
    println!(
        "{:a$}  {:b$}  {:c$}  RESULT",
        "FIGURE", "MEASURED", "TARGET"
    );
    for r in rows {
        println!(
            "{:a$}  {:b$}  {:c$}  {}",
            r.figure, r.measured, r.target, r.verdict
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn fmt_opt_ms(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.0} ms"))
}

// ---------------------------------------------------------------------------

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let want = |part: &str| args.only.iter().any(|o| o == part);
    for o in &args.only {
        const PARTS: [&str; 6] = [
            "throughput",
            "latency",
            "engine",
            "scale",
            "recovery",
            "cron",
        ];
        if !PARTS.contains(&o.as_str()) {
            bail!("--only: unknown part {o:?} ({})", PARTS.join(", "));
        }
    }
    if args.runs == 0 || args.completions == 0 || args.parallelism == 0 {
        bail!("--runs, --completions and --parallelism must be at least 1");
    }
    if !args.bin.is_file() {
        bail!(
            "{} not found: build it with `cargo build --release --bin dockjob` (scripts/bench does)",
            args.bin.display()
        );
    }
    let run = args
        .run_id
        .clone()
        .unwrap_or_else(|| format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
    let docker = Docker::connect_with_local_defaults().context("connecting to Docker")?;
    docker.ping().await.context("Docker does not answer")?;

    let cleanup = Cleanup::new();
    let started = Instant::now();
    let result = bench(&docker, &args, &run, &cleanup, &want).await;
    let cleanup_started = Instant::now();
    cleanup.run();
    eprintln!(
        "bench: cleaned up in {:.1} s; total {:.1} s",
        cleanup_started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let rows = result?;
    println!();
    println!(
        "dockjob benchmark ({} runs, completions={}, parallelism={}, {} CPUs)",
        args.runs,
        args.completions,
        args.parallelism,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    print_table(&rows);
    Ok(())
}

async fn bench(
    docker: &Docker,
    args: &Args,
    run: &str,
    cleanup: &Cleanup,
    want: &dyn Fn(&str) -> bool,
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut engine = Engine::start(&args.bin, run, cleanup)?;
    eprintln!(
        "bench: engine pid {} on {} (namespace {run})",
        engine.pid,
        engine.socket.display()
    );

    if want("throughput") || want("latency") {
        // The baselines' containers get a bridge network of their own, as each dockjob
        // pod's infra container gets its namespace's bridge (this host has no docker0).
        let net = format!("{run}-net");
        cleanup.label(format!("{BENCH_LABEL}={net}"));
        let out = Command::new("docker")
            .args([
                "network",
                "create",
                "--label",
                &format!("{BENCH_LABEL}={net}"),
                &net,
            ])
            .output()
            .context("running docker network create")?;
        if !out.status.success() {
            bail!(
                "docker network create {net} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut dj = Vec::new();
        let mut bare = Vec::new();
        let mut cli = Vec::new();
        for i in 0..args.runs {
            let name = format!("{run}-{i}");
            if i > 0 {
                // The pods stay in the store while their Job lives; delete the previous
                // one so each run starts from an idle engine. The last one stays for the
                // engine figures (get with 100 finished pods).
                engine.cli(&["delete", "job", &format!("{run}-{}", i - 1)])?;
            }
            eprintln!("bench: run {}/{}: dockjob job {name}", i + 1, args.runs);
            // Registered before the containers exist, so a failure mid-loop removes them.
            cleanup.label(format!("{BENCH_LABEL}={run}-{i}-bare"));
            cleanup.label(format!("{BENCH_LABEL}={run}-{i}-cli"));
            let d = run_dockjob(docker, &engine, &name, args, cleanup).await?;
            eprintln!("bench:   dockjob {:.0} ms", ms(d.wall));
            let b = run_bare(docker, &format!("{run}-{i}"), args).await?;
            eprintln!("bench:   bare API loop {:.0} ms", ms(b.wall));
            let c = if want("throughput") {
                let c = run_docker_cli(docker, &format!("{run}-{i}"), &net, args).await?;
                eprintln!("bench:   docker run --rm {:.0} ms", ms(c.wall));
                Some(c)
            } else {
                None
            };
            dj.push(d);
            bare.push(b);
            cli.extend(c);
        }
        let med = |v: Vec<f64>| median(&v).unwrap_or(f64::NAN);
        let dj_wall = med(dj.iter().map(|d| ms(d.wall)).collect());
        let bare_wall = med(bare.iter().map(|b| ms(b.wall)).collect());
        let n = args.completions;
        let p = args.parallelism;
        if want("throughput") {
            let cli_wall = med(cli.iter().map(|c| ms(c.wall)).collect());
            let ratio = med(dj
                .iter()
                .zip(&bare)
                .map(|(d, b)| ms(d.wall) / ms(b.wall))
                .collect());
            rows.push(row(
                &format!("dockjob Job {n}x{p}: apply -> Complete"),
                format!("{dj_wall:.0} ms"),
                "",
                None,
            ));
            rows.push(row(
                "bare Engine API loop (bollard)",
                format!("{bare_wall:.0} ms"),
                "",
                None,
            ));
            rows.push(row(
                "docker run --rm loop",
                format!("{cli_wall:.0} ms"),
                "",
                None,
            ));
            rows.push(row(
                "throughput: dockjob / bare loop",
                format!("{ratio:.2}"),
                "<= 1.10",
                Some(ratio <= 1.10),
            ));
            let (last_d, last_b) = (&dj[dj.len() - 1], &bare[bare.len() - 1]);
            rows.push(row(
                "containers created: dockjob (app+infra)",
                format!(
                    "{} ({} app + {} infra)",
                    last_d.created,
                    last_d.app_created,
                    last_d.created - last_d.app_created
                ),
                "",
                None,
            ));
            rows.push(row(
                "containers created: bare loop / docker run",
                format!(
                    "{} / {}",
                    last_b.created,
                    cli.last().map_or(0, |c| c.created)
                ),
                "",
                None,
            ));
        }
        if want("latency") {
            let docker_cs = med(bare
                .iter()
                .flat_map(|b| b.create_start_ms.clone())
                .collect());
            let first_start = |events: &[Ev], from: i64| {
                events
                    .iter()
                    .find(|e| e.action == "start" && e.role.as_deref() != Some("infra"))
                    .map(|e| (e.t_ns - from) as f64 / 1e6)
            };
            let first: Vec<f64> = dj
                .iter()
                .filter_map(|d| first_start(&d.events, d.applied_ns))
                .collect();
            let bare_first: Vec<f64> = bare
                .iter()
                .filter_map(|b| first_start(&b.events, b.began_ns))
                .collect();
            let gaps: Vec<f64> = dj.iter().flat_map(|d| handoffs(&d.events, p)).collect();
            let bare_gaps: Vec<f64> = bare.iter().flat_map(|b| handoffs(&b.events, p)).collect();
            let (first_p50, bare_first_p50) = (median(&first), median(&bare_first));
            let (gap_p50, bare_gap_p50) = (median(&gaps), median(&bare_gaps));
            let over = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
            rows.push(row(
                "Docker create+start p50 (bare loop, all containers)",
                format!("{docker_cs:.0} ms"),
                "",
                None,
            ));
            rows.push(row(
                "apply returned -> first app start p50",
                fmt_opt_ms(first_p50),
                "",
                None,
            ));
            rows.push(row(
                &format!("  Docker's own: bare loop begun -> first start p50 ({p} at once)"),
                fmt_opt_ms(bare_first_p50),
                "",
                None,
            ));
            let over1 = over(first_p50, bare_first_p50);
            rows.push(row(
                "  overhead over Docker's own create+start",
                fmt_opt_ms(over1),
                "<= 50 ms",
                over1.map(|o| o <= 50.0),
            ));
            rows.push(row(
                &format!("die -> start in the freed slot p50 (n={})", gaps.len()),
                fmt_opt_ms(gap_p50),
                "",
                None,
            ));
            rows.push(row(
                "  Docker's own: the bare loop's (create+start on the die event)",
                fmt_opt_ms(bare_gap_p50),
                "",
                None,
            ));
            let over2 = over(gap_p50, bare_gap_p50);
            rows.push(row(
                "  overhead over Docker's own create+start",
                fmt_opt_ms(over2),
                "<= 50 ms",
                over2.map(|o| o <= 50.0),
            ));
            // Where a handoff's time goes: the engine's share (die -> the next create)
            // and Docker's (create -> start of the same container), each beside the
            // bare loop's.
            let share = |f: &dyn Fn(&[Ev]) -> Vec<f64>, evs: Vec<&Vec<Ev>>| {
                median(&evs.into_iter().flat_map(|e| f(e)).collect::<Vec<_>>())
            };
            let to_create = |e: &[Ev]| handoffs_to(e, p, "create");
            let dj_events = || dj.iter().map(|d| &d.events).collect::<Vec<_>>();
            let bare_events = || bare.iter().map(|b| &b.events).collect::<Vec<_>>();
            rows.push(row(
                "  die -> next create p50: dockjob / bare loop",
                format!(
                    "{} / {}",
                    fmt_opt_ms(share(&to_create, dj_events())),
                    fmt_opt_ms(share(&to_create, bare_events()))
                ),
                "",
                None,
            ));
            rows.push(row(
                "  create -> start p50: dockjob / bare loop",
                format!(
                    "{} / {}",
                    fmt_opt_ms(share(&create_to_start, dj_events())),
                    fmt_opt_ms(share(&create_to_start, bare_events()))
                ),
                "",
                None,
            ));
        }
    }

    if want("scale") {
        rows.extend(scale::bench(&args.bin, run, cleanup)?);
    }

    if want("engine") {
        let stored_jobs = engine
            .cli(&["get", "jobs", "-a", "-o", "name"])?
            .lines()
            .count();
        let stored_pods = engine
            .cli(&["get", "pods", "-a", "-o", "name"])?
            .lines()
            .count();
        let label = format!("{stored_jobs} jobs, {stored_pods} pods");
        let jobs = cli_ms(&engine, &["get", "jobs", "-a"], 5)?;
        rows.push(row(
            &format!("get jobs -a p50 ({label})"),
            format!("{jobs:.0} ms"),
            "<= 100 ms",
            Some(jobs <= 100.0),
        ));
        let pods = cli_ms(&engine, &["get", "pods", "-a"], 5)?;
        rows.push(row(
            &format!("get pods -a p50 ({label})"),
            format!("{pods:.0} ms"),
            "<= 100 ms",
            Some(pods <= 100.0),
        ));
        eprintln!("bench: engine idle CPU over 10 s");
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = cpu_ticks(engine.pid);
        tokio::time::sleep(Duration::from_secs(10)).await;
        let after = cpu_ticks(engine.pid);
        let cpu = match (before, after) {
            (Some(b), Some(a)) => Some((a.saturating_sub(b)) as f64 / clock_ticks_per_sec()),
            _ => None,
        };
        rows.push(row(
            "engine CPU idle over 10 s",
            cpu.map_or("n/a".into(), |c| format!("{:.2} s ({:.1}%)", c, c * 10.0)),
            "~0",
            cpu.map(|c| c <= 0.05),
        ));
        let rss = rss_mb(engine.pid);
        rows.push(row(
            "engine RSS (VmRSS)",
            rss.map_or("n/a".into(), |r| format!("{r:.1} MB")),
            "<= 100 MB",
            rss.map(|r| r <= 100.0),
        ));
    }

    if want("cron") {
        rows.extend(cron::bench(&engine, run).await?);
    }

    if want("recovery") {
        // Last: it kills and restarts the engine.
        rows.extend(recovery::run(&mut engine, run, cleanup).await?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str, t_ms: i64, role: &str) -> Ev {
        Ev {
            action: action.into(),
            t_ns: t_ms * 1_000_000,
            role: Some(role.into()),
            engine: None,
            id: format!("c{t_ms}"),
        }
    }

    #[test]
    fn handoffs_pair_each_die_with_the_start_that_fills_its_slot() {
        // Two slots: starts at 0 and 5 fill them; the start at 3 comes before any die.
        let events = vec![
            ev("start", 0, "app"),
            ev("die", 2, "app"),
            ev("start", 3, "infra"),
            ev("start", 5, "app"),
            ev("start", 10, "app"),
            ev("die", 11, "app"),
            ev("start", 30, "app"),
        ];
        assert_eq!(handoffs(&events, 2), vec![8.0, 19.0]);
    }

    #[test]
    fn a_handoff_splits_into_the_engines_share_and_dockers() {
        let mut events = vec![
            ev("create", 0, "app"),
            ev("start", 4, "app"),
            ev("die", 10, "app"),
            ev("create", 13, "app"),
            ev("start", 20, "app"),
        ];
        // The second container's start carries its create's id.
        events[4].id = events[3].id.clone();
        events[1].id = events[0].id.clone();
        assert_eq!(handoffs_to(&events, 1, "create"), vec![3.0]);
        assert_eq!(handoffs(&events, 1), vec![10.0]);
        assert_eq!(create_to_start(&events), vec![4.0, 7.0]);
    }

    #[test]
    fn percentile_is_nearest_rank() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 99.0), Some(4.0));
        assert_eq!(median(&[]), None);
    }
}
