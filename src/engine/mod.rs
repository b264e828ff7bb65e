//! The engine (`dockjob server`): takes the data-dir lock, opens the store, connects to
//! Docker, and runs the API server, the Job controller and the kubelet side by side.
//!
//! It wires the parts together and owns nothing else: the store owns state, the
//! controllers own decisions, the runtime owns Docker.

pub mod cronjobs;
pub mod events;
pub mod jobs;
pub mod lock;
pub mod paths;
pub mod podsync;
pub mod replicasets;
pub mod services;

use std::path::PathBuf;

use crate::api::kinds::Kind;
use crate::controller::queue::WorkQueue;
use crate::runtime::{Runtime, RuntimeError};
use crate::server::{self, AppState};
use crate::store::{Store, StoreError, WatchType};
use cronjobs::CronJobWorker;
use jobs::{JobWorker, Key};
use lock::{DataDirLock, LockError};
use podsync::PodSync;
use replicasets::ReplicaSetWorker;
use services::ServiceWorker;

/// Why the engine stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("cannot serve the API on {socket}: {source}")]
    Serve {
        socket: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stored object is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Metrics(#[from] crate::metrics::ListenError),
}

/// How the engine is started.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub socket: PathBuf,
    /// Docker container creations allowed in flight at once.
    pub max_creates_in_flight: usize,
    /// Where to serve Prometheus metrics (loopback only); none when unset.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// Runs the engine until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), EngineError> {
    let _lock = DataDirLock::acquire(&config.data_dir)?;
    let store = Store::open(&config.data_dir)?;
    let metrics_listener = match config.metrics_addr {
        Some(addr) => Some(crate::metrics::bind(addr).await?),
        None => None,
    };
    let runtime = Runtime::connect(&store.engine_id(), config.max_creates_in_flight).await?;
    tracing::info!(
        data_dir = %config.data_dir.display(),
        socket = %config.socket.display(),
        "dockjob engine starting"
    );

    let queues = Queues {
        jobs: WorkQueue::new(),
        cronjobs: WorkQueue::new(),
        replicasets: WorkQueue::new(),
        services: WorkQueue::new(),
    };
    // Subscribe before the initial enqueue so no change between the two is missed.
    let store_rx = store.watch();
    queues.enqueue_all(&store);
    tokio::spawn(dispatch(store.clone(), store_rx, queues.clone()));
    tokio::spawn(JobWorker::new(store.clone(), queues.jobs.clone()).run());
    tokio::spawn(CronJobWorker::new(store.clone(), queues.cronjobs.clone()).run());
    tokio::spawn(ReplicaSetWorker::new(store.clone(), queues.replicasets.clone()).run());
    tokio::spawn(ServiceWorker::new(store.clone(), runtime.clone(), queues.services.clone()).run());
    tokio::spawn(PodSync::new(store.clone(), runtime.clone()).run());
    if let Some(listener) = metrics_listener {
        tokio::spawn(crate::metrics::follow_pods(store.clone()));
        tokio::spawn(crate::metrics::serve(listener, store.clone()));
    }

    let state = AppState {
        store: store.clone(),
        runtime,
    };
    let result = server::serve_unix(&config.socket, state, shutdown_signal()).await;
    queues.jobs.shutdown();
    queues.cronjobs.shutdown();
    queues.replicasets.shutdown();
    queues.services.shutdown();
    let _ = std::fs::remove_file(&config.socket);
    result.map_err(|source| EngineError::Serve {
        socket: config.socket.clone(),
        source,
    })
}

fn object_key(obj: &serde_json::Value) -> Option<Key> {
    Some((
        obj["metadata"]["namespace"].as_str()?.to_string(),
        obj["metadata"]["name"].as_str()?.to_string(),
    ))
}

/// The owner of an object of `kind`, from its controller ownerReference.
fn controller_key(obj: &serde_json::Value, kind: &str) -> Option<Key> {
    let ns = obj["metadata"]["namespace"].as_str()?;
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"].as_bool() == Some(true) && r["kind"] == kind)
        .and_then(|r| r["name"].as_str())
        .map(|name| (ns.to_string(), name.to_string()))
}

/// The controllers' work queues.
#[derive(Clone)]
struct Queues {
    jobs: WorkQueue<Key>,
    cronjobs: WorkQueue<Key>,
    replicasets: WorkQueue<Key>,
    services: WorkQueue<Key>,
}

impl Queues {
    /// Every Job and CronJob: at start, and after a watch fell behind.
    fn enqueue_all(&self, store: &Store) {
        for (kind, queue) in [
            (Kind::Job, &self.jobs),
            (Kind::CronJob, &self.cronjobs),
            (Kind::ReplicaSet, &self.replicasets),
            (Kind::Service, &self.services),
        ] {
            match store.list(kind, None, None) {
                Ok(objects) => objects
                    .iter()
                    .filter_map(object_key)
                    .for_each(|k| queue.add(k)),
                Err(e) => tracing::error!(error = %e, "listing {} failed", kind.plural()),
            }
        }
    }
}

/// Turns store changes into work: a change to a Job, a CronJob or a ReplicaSet, or to
/// something it owns (a Job's or a ReplicaSet's pods, a CronJob's Jobs), wakes that
/// object's reconcile; so does an orphan pod a ReplicaSet's selector matches.
async fn dispatch(
    store: Store,
    mut rx: tokio::sync::broadcast::Receiver<crate::store::WatchEvent>,
    queues: Queues,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match rx.recv().await {
            Ok(ev) => {
                let deleted = ev.type_ == WatchType::Deleted;
                match ev.kind {
                    Kind::Job => {
                        if !deleted && let Some(key) = object_key(&ev.object) {
                            queues.jobs.add(key);
                        }
                        if let Some(key) = controller_key(&ev.object, "CronJob") {
                            queues.cronjobs.add(key);
                        }
                    }
                    Kind::CronJob if !deleted => {
                        if let Some(key) = object_key(&ev.object) {
                            queues.cronjobs.add(key);
                        }
                    }
                    Kind::Pod => {
                        if let Some(key) = controller_key(&ev.object, "Job") {
                            queues.jobs.add(key);
                        }
                        for key in replicasets::replicasets_for_pod(&store, &ev.object) {
                            queues.replicasets.add(key);
                        }
                        for key in services::keys_for_pod(&store, &ev.object) {
                            queues.services.add(key);
                        }
                    }
                    // Deleted too: a record removed by anyone leaves no proxy behind.
                    Kind::Service => {
                        if let Some(key) = object_key(&ev.object) {
                            queues.services.add(key);
                        }
                    }
                    Kind::ReplicaSet if !deleted => {
                        if let Some(key) = object_key(&ev.object) {
                            queues.replicasets.add(key);
                        }
                    }
                    _ => {}
                }
            }
            Err(RecvError::Lagged(_)) => {
                tracing::warn!("controller watch fell behind; requeueing everything");
                queues.enqueue_all(&store);
            }
            Err(RecvError::Closed) => return,
        }
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("dockjob engine stopping");
}
