//! The engine (`dockjob server`): takes the data-dir lock, opens the store, connects to
//! Docker, and runs the API server, the Job controller and the kubelet side by side.
//!
//! It wires the parts together and owns nothing else: the store owns state, the
//! controllers own decisions, the runtime owns Docker.

pub mod events;
pub mod jobs;
pub mod lock;
pub mod paths;
pub mod podsync;

use std::path::PathBuf;

use crate::api::kinds::Kind;
use crate::controller::queue::WorkQueue;
use crate::runtime::{Runtime, RuntimeError};
use crate::server::{self, AppState};
use crate::store::{Store, StoreError, WatchType};
use jobs::{JobWorker, Key};
use lock::{DataDirLock, LockError};
use podsync::PodSync;

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
}

/// How the engine is started.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub socket: PathBuf,
    /// Docker container creations allowed in flight at once.
    pub max_creates_in_flight: usize,
}

/// Runs the engine until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), EngineError> {
    let _lock = DataDirLock::acquire(&config.data_dir)?;
    let store = Store::open(&config.data_dir)?;
    let runtime = Runtime::connect(&store.engine_id(), config.max_creates_in_flight).await?;
    tracing::info!(
        data_dir = %config.data_dir.display(),
        socket = %config.socket.display(),
        "dockjob engine starting"
    );

    let queue: WorkQueue<Key> = WorkQueue::new();
    // Subscribe before the initial enqueue so no change between the two is missed.
    let store_rx = store.watch();
    for job in store.list(Kind::Job, None, None)? {
        if let Some(key) = object_key(&job) {
            queue.add(key);
        }
    }
    tokio::spawn(dispatch(store.clone(), store_rx, queue.clone()));
    tokio::spawn(JobWorker::new(store.clone(), queue.clone()).run());
    tokio::spawn(PodSync::new(store.clone(), runtime.clone()).run());

    let state = AppState {
        store: store.clone(),
        runtime,
    };
    let result = server::serve_unix(&config.socket, state, shutdown_signal()).await;
    queue.shutdown();
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

/// The Job that controls a pod, from its controller ownerReference.
fn controller_key(pod: &serde_json::Value) -> Option<Key> {
    let ns = pod["metadata"]["namespace"].as_str()?;
    pod["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"].as_bool() == Some(true) && r["kind"] == "Job")
        .and_then(|r| r["name"].as_str())
        .map(|name| (ns.to_string(), name.to_string()))
}

/// Turns store changes into work: a Job change or a change to one of its pods wakes
/// that Job's reconcile.
async fn dispatch(
    store: Store,
    mut rx: tokio::sync::broadcast::Receiver<crate::store::WatchEvent>,
    queue: WorkQueue<Key>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match rx.recv().await {
            Ok(ev) => {
                let key = match ev.kind {
                    Kind::Job if ev.type_ != WatchType::Deleted => object_key(&ev.object),
                    Kind::Pod => controller_key(&ev.object),
                    _ => None,
                };
                if let Some(key) = key {
                    queue.add(key);
                }
            }
            Err(RecvError::Lagged(_)) => {
                tracing::warn!("job watch fell behind; requeueing every job");
                if let Ok(jobs) = store.list(Kind::Job, None, None) {
                    jobs.iter()
                        .filter_map(object_key)
                        .for_each(|k| queue.add(k));
                }
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
