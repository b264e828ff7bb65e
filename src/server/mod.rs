//! The HTTP API: routes that mirror the Kubernetes REST paths and JSON for the kinds
//! dockjob serves, `?watch=true` streams, `labelSelector`, errors as `Status` objects.
//!
//! The server validates and stores; it never touches Docker except to stream logs, and
//! it never runs controllers. Deletion only marks an object (`deletionTimestamp`); the
//! engine's garbage collector removes containers, pods and then the object itself.

mod admission;
mod logs;
mod objects;
pub mod status;
pub mod version;
mod watch;

use std::future::IntoFuture;
use std::path::Path;

use axum::Router;
use axum::routing::get;

use crate::api::kinds::Kind;
use crate::runtime::Runtime;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub runtime: Runtime,
}

/// Largest request body accepted (a manifest is a few KiB; this leaves ample room).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The whole API as one router.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/version", get(version::version))
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/log",
            get(logs::pod_logs),
        );
    for kind in Kind::ALL {
        router = router.merge(objects::routes(kind));
    }
    router
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves the API on a Unix socket created with mode 0600 (only the engine's user can
/// talk to the engine, which can start containers). A stale socket file left by a dead
/// engine is replaced; the data-dir lock guarantees no live engine owns it.
pub async fn serve_unix(
    socket: &Path,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = socket.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::remove_file(socket) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // Create the socket with no permissions for group/other from the first instant.
    // SAFETY: umask has no preconditions; restored right after bind.
    let old = unsafe { libc::umask(0o177) };
    let listener = tokio::net::UnixListener::bind(socket);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    let listener = listener?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    // Graceful shutdown waits for open connections, and watch streams never close on
    // their own: give requests in flight a moment, then stop regardless.
    let started = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = started.clone();
    let graceful = async move {
        shutdown.await;
        signal.notify_one();
    };
    let serve = axum::serve(listener, router(state))
        .with_graceful_shutdown(graceful)
        .into_future();
    tokio::select! {
        result = serve => result,
        _ = async {
            started.notified().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => Ok(()),
    }
}

/// How long a stopping engine waits for open requests (watches, `logs -f`) to end.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);
