//! Paths the engine hands to Docker as bind-mount sources, seen from the Docker host.
//!
//! The engine writes a pod's emptyDir and configMap/secret files under its data
//! directory and asks Docker to bind-mount them. Docker resolves a bind source on the
//! host, so when the engine itself runs in a container (the engine image, with the data
//! directory on a volume) the path it wrote (`/var/lib/dockjob/pods/...`) is not the
//! path Docker must mount (`/var/lib/docker/volumes/dockjob-data/_data/pods/...`).
//!
//! At the first translation the engine finds out, once, whether it runs in a container
//! of the Docker daemon it drives: it reads its own container id from
//! `/proc/self/mountinfo` (Docker bind-mounts `/var/lib/docker/containers/<id>/hostname`
//! on `/etc/hostname`) or `/proc/self/cgroup`, and inspects that container through the
//! Docker socket. A path under one of the container's mounts becomes the mount's host
//! source; any other path lives in the container's writable layer and becomes a path
//! under the overlay2 `MergedDir`, which Docker can bind while the container runs. Not in
//! a container, or a container of another daemon (the id is unknown to it): paths are
//! used as they are.
//!
//! Owns only that mapping. Must not translate hostPath volumes (they name host paths
//! already) and must not fail a pod: when the lookup fails it logs why and keeps paths
//! as they are, which is right outside a container.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

/// How long the one inspect request may take before we give up and keep paths as is.
const INSPECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest inspect answer read (a container's JSON is a few KiB).
const MAX_INSPECT_BYTES: u64 = 4 * 1024 * 1024;

/// One mount of the engine's container: `destination` inside, `source` on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPair {
    pub source: PathBuf,
    pub destination: PathBuf,
}

/// How container paths map to host paths; the identity when the engine is not in a
/// container of its Docker daemon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPaths {
    pub mounts: Vec<MountPair>,
    /// The container's root file system on the host (overlay2 `MergedDir`).
    pub root: Option<PathBuf>,
}

impl HostPaths {
    /// The identity: every path is already a host path.
    pub fn identity() -> HostPaths {
        HostPaths::default()
    }

    /// The host path of `path` (absolute, inside the engine's container): under the
    /// mount whose destination is its longest prefix, else under the container's root,
    /// else unchanged.
    pub fn to_host(&self, path: &Path) -> PathBuf {
        let best = self
            .mounts
            .iter()
            .filter(|m| path.starts_with(&m.destination))
            .max_by_key(|m| m.destination.components().count());
        if let Some(m) = best
            && let Ok(rest) = path.strip_prefix(&m.destination)
        {
            return join_clean(&m.source, rest);
        }
        match &self.root {
            Some(root) if path.is_absolute() => {
                let rest: PathBuf = path
                    .components()
                    .filter(|c| matches!(c, Component::Normal(_)))
                    .collect();
                join_clean(root, &rest)
            }
            _ => path.to_path_buf(),
        }
    }

    /// Reads the mounts and root of a `docker inspect` answer.
    pub fn from_inspect(inspect: &Value) -> HostPaths {
        let mounts = inspect["Mounts"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| {
                        Some(MountPair {
                            source: PathBuf::from(m["Source"].as_str().filter(|s| !s.is_empty())?),
                            destination: PathBuf::from(
                                m["Destination"].as_str().filter(|s| !s.is_empty())?,
                            ),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let root = inspect["GraphDriver"]["Data"]["MergedDir"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        HostPaths { mounts, root }
    }
}

fn join_clean(base: &Path, rest: &Path) -> PathBuf {
    if rest.as_os_str().is_empty() {
        base.to_path_buf()
    } else {
        base.join(rest)
    }
}

/// The host path Docker must bind for `path`, a path the engine wrote (see the module
/// doc). Detects the engine's container on the first call.
pub fn to_host(path: &Path) -> PathBuf {
    static DETECTED: OnceLock<HostPaths> = OnceLock::new();
    DETECTED.get_or_init(detect).to_host(path)
}

/// Finds out how this process's paths map to the Docker host's; the identity when it is
/// not in a container of the daemon at `DOCKER_HOST` (or the default socket).
fn detect() -> HostPaths {
    let Some(id) = own_container_id() else {
        return HostPaths::identity();
    };
    let socket = docker_socket();
    let Some(socket) = socket else {
        tracing::warn!(
            container = %id,
            "running in a container but DOCKER_HOST is not a unix socket; bind-mount \
             sources are used as they are"
        );
        return HostPaths::identity();
    };
    match inspect(&socket, &id) {
        Ok(Some(inspect)) => {
            let paths = HostPaths::from_inspect(&inspect);
            tracing::info!(container = %id, mounts = ?paths.mounts, root = ?paths.root,
                "running in a container; bind-mount sources are translated to host paths");
            paths
        }
        Ok(None) => {
            // A container of another daemon (say, a CI sandbox): our paths are that
            // daemon's host paths already.
            tracing::debug!(container = %id, "not a container of our Docker daemon");
            HostPaths::identity()
        }
        Err(e) => {
            tracing::warn!(container = %id, socket = %socket.display(), error = %e,
                "cannot inspect the engine's own container; bind-mount sources are used \
                 as they are");
            HostPaths::identity()
        }
    }
}

fn docker_socket() -> Option<PathBuf> {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.trim().is_empty() => h.strip_prefix("unix://").map(PathBuf::from),
        _ => Some(PathBuf::from("/var/run/docker.sock")),
    }
}

fn own_container_id() -> Option<String> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    container_id_from_mountinfo(&mountinfo).or_else(|| {
        let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        container_id_from_cgroup(&cgroup)
    })
}

fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The id in the root of the `/etc/hostname` mount (`.../containers/<id>/hostname`).
pub fn container_id_from_mountinfo(mountinfo: &str) -> Option<String> {
    mountinfo.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        let (root, mount_point) = (fields.get(3)?, fields.get(4)?);
        if *mount_point != "/etc/hostname" {
            return None;
        }
        let mut parts = root.rsplit('/');
        let (file, id, dir) = (parts.next()?, parts.next()?, parts.next()?);
        (file == "hostname" && dir == "containers" && is_container_id(id)).then(|| id.to_string())
    })
}

/// The id at the end of a `/docker/<id>` (cgroup v1, or v2 without a cgroup namespace)
/// or `docker-<id>.scope` (systemd driver) cgroup path.
pub fn container_id_from_cgroup(cgroup: &str) -> Option<String> {
    cgroup.lines().find_map(|line| {
        let path = line.splitn(3, ':').nth(2)?;
        let last = path.rsplit('/').next()?;
        let id = last
            .strip_prefix("docker-")
            .and_then(|s| s.strip_suffix(".scope"))
            .unwrap_or(last);
        is_container_id(id).then(|| id.to_string())
    })
}

/// Why the inspect request failed.
#[derive(Debug, thiserror::Error)]
enum InspectError {
    #[error("talking to the Docker socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("Docker answered {0}")]
    Status(String),
    #[error("Docker's answer is not JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// `GET /containers/<id>/json` over the Unix socket (HTTP/1.0, so the answer is one
/// plain body up to EOF). None for 404: the daemon does not know the container.
fn inspect(socket: &Path, id: &str) -> Result<Option<Value>, InspectError> {
    let mut stream = std::os::unix::net::UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(INSPECT_TIMEOUT))?;
    stream.set_write_timeout(Some(INSPECT_TIMEOUT))?;
    write!(
        stream,
        "GET /containers/{id}/json HTTP/1.0\r\nHost: docker\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.take(MAX_INSPECT_BYTES).read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status_line = head.lines().next().unwrap_or_default();
    let code = status_line.split(' ').nth(1).unwrap_or_default();
    match code {
        "200" => Ok(Some(serde_json::from_str(body)?)),
        "404" => Ok(None),
        _ => Err(InspectError::Status(status_line.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "b3321948d2d5e58ec5b0e10b4c3ebf8a588e8186d2a5732778386cfed5be2924";

    #[test]
    fn container_id_from_the_hostname_mount() {
        let mountinfo = format!(
            "188 148 0:105 / / rw,relatime master:8 - overlay overlay rw\n\
             205 188 254:0 /var/lib/docker/containers/{ID}/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw\n\
             206 188 254:0 /var/lib/docker/containers/{ID}/hostname /etc/hostname rw - ext4 /dev/vda rw\n"
        );
        assert_eq!(container_id_from_mountinfo(&mountinfo).as_deref(), Some(ID));
        // A host (no such mount), or a hostname file from elsewhere.
        assert_eq!(
            container_id_from_mountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"),
            None
        );
        assert_eq!(
            container_id_from_mountinfo(
                "30 1 8:1 /srv/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n"
            ),
            None
        );
    }

    #[test]
    fn container_id_from_cgroup_paths() {
        assert_eq!(
            container_id_from_cgroup(&format!("1:cpu:/docker/{ID}\n0::/docker/{ID}\n")).as_deref(),
            Some(ID)
        );
        assert_eq!(
            container_id_from_cgroup(&format!("0::/system.slice/docker-{ID}.scope\n")).as_deref(),
            Some(ID)
        );
        assert_eq!(container_id_from_cgroup("0::/\n"), None);
        assert_eq!(
            container_id_from_cgroup("0::/user.slice/session-1.scope\n"),
            None
        );
    }

    #[test]
    fn paths_under_a_mount_go_to_its_source_others_to_the_root() {
        let inspect = json!({
            "Mounts": [
                {"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock"},
                {"Type": "volume", "Name": "dockjob-data",
                 "Source": "/var/lib/docker/volumes/dockjob-data/_data",
                 "Destination": "/var/lib/dockjob"},
                {"Type": "bind", "Source": "/srv/pods", "Destination": "/var/lib/dockjob/pods"}
            ],
            "GraphDriver": {"Data": {"MergedDir": "/var/lib/docker/overlay2/abc/merged"}}
        });
        let paths = HostPaths::from_inspect(&inspect);
        assert_eq!(paths.mounts.len(), 3);
        assert_eq!(
            paths.to_host(Path::new("/var/lib/dockjob/engine.lock")),
            Path::new("/var/lib/docker/volumes/dockjob-data/_data/engine.lock")
        );
        // The longest covering mount wins.
        assert_eq!(
            paths.to_host(Path::new("/var/lib/dockjob/pods/u1/volumes/config")),
            Path::new("/srv/pods/u1/volumes/config")
        );
        assert_eq!(
            paths.to_host(Path::new("/var/lib/dockjob")),
            Path::new("/var/lib/docker/volumes/dockjob-data/_data")
        );
        // A sibling whose name merely starts alike is not under the mount.
        assert_eq!(
            paths.to_host(Path::new("/var/lib/dockjob2/x")),
            Path::new("/var/lib/docker/overlay2/abc/merged/var/lib/dockjob2/x")
        );
    }

    #[test]
    fn identity_keeps_paths() {
        let p = Path::new("/var/lib/dockjob/pods/u/volumes/v");
        assert_eq!(HostPaths::identity().to_host(p), p);
        let no_root = HostPaths::from_inspect(&json!({"Mounts": []}));
        assert_eq!(no_root.to_host(p), p);
    }
}
