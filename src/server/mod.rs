//! The HTTP API: routes that mirror the Kubernetes REST paths and JSON for the kinds
//! dockjob serves, `?watch=true` streams, `labelSelector`, errors as `Status` objects.
//!
//! The server validates and stores; it never touches Docker except to stream logs, and
//! it never runs controllers. Deletion only marks an object (`deletionTimestamp`); the
//! engine's garbage collector removes containers, pods and then the object itself.

mod admission;
pub mod auth;
pub mod flags;
pub mod group;
mod logs;
mod objects;
pub mod powers;
pub mod status;
pub mod table;
pub mod tcp;
pub mod tls;
pub mod version;
mod watch;

use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::kinds::Kind;
use crate::runtime::Runtime;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub runtime: Runtime,
    /// Which host powers pods may ask for (`--allow-*`).
    pub powers: Arc<powers::Policy>,
    /// The rows of server-side printed lists (see [`table`]).
    pub tables: Arc<table::Tables>,
}

/// Largest request body accepted: the API server's 3 MiB; beyond it the answer is
/// 413 with a `RequestEntityTooLarge` Status.
pub const MAX_BODY_BYTES: usize = crate::api::decode::MAX_REQUEST_BYTES;

/// The whole API as one router.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/version", get(version::version))
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/log",
            get(logs::pod_logs),
        );
    for kind in Kind::ALL {
        let routes = objects::routes(kind);
        router = router.merge(match kind {
            Kind::Job | Kind::CronJob | Kind::ReplicaSet | Kind::Pod => routes.route_layer(
                axum::middleware::from_fn_with_state(state.clone(), move |st, req, next| {
                    guard_powers(kind, st, req, next)
                }),
            ),
            _ => routes,
        });
    }
    router
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(status::status_for_too_large))
        .with_state(state)
}

/// Symlinks resolved on the engine's filesystem, for the hostPath checks.
fn resolve_host_path(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Refuses a create or replace of a kind with a pod template whose pod asks for a host
/// power the engine does not allow ([`admission::check_powers`]), before the handler
/// decodes and stores it. POST and PUT are the only write routes today; a new one
/// (PATCH, a subresource) must run the same check.
async fn guard_powers(
    kind: Kind,
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST && req.method() != Method::PUT {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return status::ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!("Request entity too large: limit is {MAX_BODY_BYTES}"),
            )
            .into_response();
        }
    };
    if let Err(e) = admission::check_powers(kind, &bytes, &state.powers, &resolve_host_path) {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Serves the API on a Unix socket created with mode 0600 (only the engine's user can
/// talk to the engine, which can start containers), or 0660 with group `group` (its
/// members may too). A stale socket file left by a dead engine is replaced; the
/// data-dir lock guarantees no live engine owns it.
pub async fn serve_unix(
    socket: &Path,
    group: Option<u32>,
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
    if let Some(gid) = group {
        std::os::unix::fs::chown(socket, None, Some(gid))?;
        std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o660))?;
    } else {
        std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    }
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

/// Serves the API on the TCP listener, every request behind the bearer token; runs
/// until the process ends (the Unix socket's server decides when the engine stops).
pub async fn serve_tcp(
    listener: tcp::TcpApiListener,
    token: auth::Token,
    state: AppState,
) -> std::io::Result<()> {
    // The token check wraps the whole router, unknown paths included.
    let app = router(state).layer(axum::middleware::from_fn_with_state(
        token,
        auth::require_token,
    ));
    axum::serve(listener, app).await
}

/// How long a stopping engine waits for open requests (watches, `logs -f`) to end.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);
