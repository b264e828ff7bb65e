//! The `dockjob server` flags (parsed by clap in `cli`, turned into `engine::Config`
//! by the engine). Only the flag definitions live here: no checks that touch files or
//! the system (those run at engine start, see `engine::Config::from_flags`).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::runtime::translate::DEFAULT_PIDS_LIMIT;

/// Flags of `dockjob server`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Docker container creations (and starts) allowed in flight at once. 8 measured
    /// fastest on a 2-core host (48 pods, parallelism 16: 1 -> 11.4 s, 2 -> 8.9 s,
    /// 4 -> 8.1 s, 8 -> 7.5 s, 16 -> 7.7 s).
    #[arg(long, default_value_t = 8)]
    pub max_creates_in_flight: usize,
    /// Serve Prometheus metrics at http://ADDR/metrics (loopback only, e.g.
    /// 127.0.0.1:9090); off unless given.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Make the API socket mode 0660 with this group (name or gid), so its members can
    /// use the engine; without it the socket is 0600 (the engine's user only).
    #[arg(long, value_name = "GROUP")]
    pub socket_group: Option<String>,
    /// Also serve the API on TCP at ADDR (e.g. 0.0.0.0:6443), only to clients sending
    /// `Authorization: Bearer <token>` with the token of --token-file.
    #[arg(long, value_name = "ADDR", requires = "token_file")]
    pub listen: Option<SocketAddr>,
    /// The bearer token for --listen (one line; the file must not be readable by group
    /// or others: chmod 600).
    #[arg(long, value_name = "FILE", requires = "listen")]
    pub token_file: Option<PathBuf>,
    /// Serve --listen with TLS: the certificate chain (PEM).
    #[arg(long, value_name = "FILE", requires_all = ["listen", "tls_key"])]
    pub tls_cert: Option<PathBuf>,
    /// Serve --listen with TLS: the private key (PEM).
    #[arg(long, value_name = "FILE", requires_all = ["listen", "tls_cert"])]
    pub tls_key: Option<PathBuf>,
    /// Most processes (threads included) one container may run; 0 = unlimited.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PIDS_LIMIT)]
    pub pids_limit: i64,
    /// Admit pods with `securityContext.privileged: true`.
    #[arg(long)]
    pub allow_privileged: bool,
    /// Admit pods adding capabilities beyond Docker's default set.
    #[arg(long)]
    pub allow_capabilities: bool,
    /// Admit hostPath volumes at or under PREFIX (repeatable); none otherwise.
    #[arg(long, value_name = "PREFIX")]
    pub allow_host_path: Vec<PathBuf>,
    /// Admit the Docker daemon's socket (or a directory holding it) as a hostPath.
    #[arg(long)]
    pub allow_docker_socket: bool,
}
