//! Where the engine keeps its state and its socket when the user does not say.
//!
//! Root gets the system locations (`/var/lib/dockjob`, `/run/dockjob.sock`); everyone
//! else gets the XDG ones, so a user's engine never needs privileges of its own.

use std::path::PathBuf;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_DATA_HOME/dockjob`, `~/.local/share/dockjob`, or `/var/lib/dockjob` as root.
pub fn default_data_dir() -> PathBuf {
    if is_root() {
        return PathBuf::from("/var/lib/dockjob");
    }
    if let Some(d) = env_dir("XDG_DATA_HOME") {
        return d.join("dockjob");
    }
    match env_dir("HOME") {
        Some(h) => h.join(".local/share/dockjob"),
        None => PathBuf::from("/tmp/dockjob"),
    }
}

/// `$XDG_RUNTIME_DIR/dockjob.sock`, or `/run/dockjob.sock` as root.
pub fn default_socket() -> PathBuf {
    if is_root() {
        return PathBuf::from("/run/dockjob.sock");
    }
    match env_dir("XDG_RUNTIME_DIR") {
        Some(d) => d.join("dockjob.sock"),
        // SAFETY: getuid has no preconditions and cannot fail.
        None => PathBuf::from(format!("/tmp/dockjob-{}.sock", unsafe { libc::getuid() })),
    }
}
