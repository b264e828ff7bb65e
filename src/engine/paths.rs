//! Where the engine keeps its state and its socket when the user does not say.
//!
//! Also where a pod's files live inside the data directory ([`pod_dir`]).
//!
//! Root gets the system locations (`/var/lib/dockjob`, `/run/dockjob.sock`); everyone
//! else gets the XDG ones, so a user's engine never needs privileges of its own.

use std::path::{Path, PathBuf};

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

/// `<data_dir>/pods`: one directory per pod, named by its uid, holding its volumes.
pub fn pods_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("pods")
}

/// `<data_dir>/pods/<uid>`: the pod's emptyDir, configMap and secret volumes, removed with
/// the pod.
pub fn pod_dir(data_dir: &Path, uid: &str) -> PathBuf {
    pods_dir(data_dir).join(uid)
}

/// The uids that have a pod directory (none when `pods/` does not exist or cannot be
/// read: stale directories are then simply kept).
pub fn pod_dir_uids(data_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(pods_dir(data_dir)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_dirs_live_under_pods_and_are_listed_by_uid() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(pod_dir_uids(tmp.path()).is_empty());
        let dir = pod_dir(tmp.path(), "u-1");
        assert_eq!(dir, tmp.path().join("pods").join("u-1"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(pods_dir(tmp.path()).join("stray-file"), b"x").unwrap();
        assert_eq!(pod_dir_uids(tmp.path()), ["u-1"]);
    }
}
