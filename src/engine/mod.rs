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
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Serves the TCP listener; a failure is logged (the Unix socket keeps serving).
async fn serve_tcp(
    (listener, token): (server::tcp::TcpApiListener, server::auth::Token),
    state: AppState,
) {
    let addr = axum::serve::Listener::local_addr(&listener).ok();
    tracing::info!(addr = ?addr, "serving the API on TCP (bearer token required)");
    if let Err(e) = server::serve_tcp(listener, token, state).await {
        tracing::error!(error = %e, "the TCP listener stopped");
    }
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
    /// The API socket's group (mode 0660); none: mode 0600.
    pub socket_group: Option<u32>,
    /// The token-protected TCP listener, when `--listen` is given.
    pub tcp: Option<TcpConfig>,
    /// Which host powers pods may ask for.
    pub powers: server::powers::Policy,
    /// Per-container pids limit; 0 = unlimited.
    pub pids_limit: i64,
}

/// `--listen` with its token and optional TLS, already loaded and checked.
#[derive(Debug, Clone)]
pub struct TcpConfig {
    pub addr: std::net::SocketAddr,
    pub token: server::auth::Token,
    pub tls: Option<std::sync::Arc<tokio_rustls::rustls::ServerConfig>>,
}

/// Why `dockjob server`'s flags cannot make a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Group(#[from] server::group::GroupError),
    #[error(transparent)]
    Token(#[from] server::auth::TokenError),
    #[error(transparent)]
    Tls(#[from] server::tls::TlsError),
    #[error("--allow-host-path {0:?}: must be an absolute path")]
    RelativeHostPath(PathBuf),
    #[error("--pids-limit {0}: must be 0 (unlimited) or more")]
    NegativePidsLimit(i64),
}

impl Config {
    /// The configuration for `dockjob server` flags: every file and name they refer to
    /// is read and checked here, so a bad flag stops the engine before it takes the
    /// data dir.
    pub fn from_flags(
        flags: server::flags::ServerArgs,
        data_dir: PathBuf,
        socket: PathBuf,
    ) -> Result<Config, ConfigError> {
        let socket_group = flags
            .socket_group
            .as_deref()
            .map(server::group::resolve)
            .transpose()?;
        let tcp = match (flags.listen, &flags.token_file) {
            (Some(addr), Some(token_file)) => Some(TcpConfig {
                addr,
                token: server::auth::Token::load(token_file)?,
                tls: match (&flags.tls_cert, &flags.tls_key) {
                    (Some(cert), Some(key)) => Some(server::tls::server_config(cert, key)?),
                    _ => None,
                },
            }),
            // clap makes --listen and --token-file require each other.
            _ => None,
        };
        if let Some(p) = flags.allow_host_path.iter().find(|p| !p.is_absolute()) {
            return Err(ConfigError::RelativeHostPath(p.clone()));
        }
        if flags.pids_limit < 0 {
            return Err(ConfigError::NegativePidsLimit(flags.pids_limit));
        }
        let mut powers = server::powers::Policy {
            privileged: flags.allow_privileged,
            capabilities: flags.allow_capabilities,
            host_path_prefixes: flags.allow_host_path,
            docker_socket: flags.allow_docker_socket,
            ..Default::default()
        };
        // The daemon the engine talks to, when it listens elsewhere than the defaults.
        if let Some(path) = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
            && !powers.docker_sockets.contains(&path)
        {
            powers.docker_sockets.push(path);
        }
        Ok(Config {
            data_dir,
            socket,
            max_creates_in_flight: flags.max_creates_in_flight.max(1),
            metrics_addr: flags.metrics_addr,
            socket_group,
            tcp,
            powers,
            pids_limit: flags.pids_limit,
        })
    }
}

/// Runs the engine until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), EngineError> {
    let _lock = DataDirLock::acquire(&config.data_dir)?;
    let store = Store::open(&config.data_dir)?;
    let metrics_listener = match config.metrics_addr {
        Some(addr) => Some(crate::metrics::bind(addr).await?),
        None => None,
    };
    let tcp_listener = match &config.tcp {
        Some(tcp) => Some((
            server::tcp::TcpApiListener::bind(tcp.addr, tcp.tls.clone())
                .await
                .map_err(|source| EngineError::Listen {
                    addr: tcp.addr,
                    source,
                })?,
            tcp.token.clone(),
        )),
        None => None,
    };
    crate::runtime::translate::set_pids_limit(config.pids_limit);
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
    tokio::spawn(
        PodSync::new(store.clone(), runtime.clone())
            .with_powers(config.powers.clone())
            .run(),
    );
    if let Some(listener) = metrics_listener {
        tokio::spawn(crate::metrics::follow_pods(store.clone()));
        tokio::spawn(crate::metrics::serve(listener, store.clone()));
    }

    let state = AppState {
        store: store.clone(),
        runtime,
        powers: std::sync::Arc::new(config.powers.clone()),
        tables: server::table::Tables::follow(&store),
    };
    {
        // Every pod's row made now, not by the first `get pods`.
        let (tables, store) = (state.tables.clone(), store.clone());
        tokio::task::spawn_blocking(move || tables.warm(&store));
    }
    if let Some(tcp) = tcp_listener {
        tokio::spawn(serve_tcp(tcp, state.clone()));
    }
    let result = server::serve_unix(
        &config.socket,
        config.socket_group,
        state,
        shutdown_signal(),
    )
    .await;
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
