//! Pod volumes on one Docker host: what must exist before the containers are created
//! ([`pod_volumes`], [`materialize`]) and each container's mounts ([`container_mounts`]).
//!
//! - `emptyDir` on disk: a directory `<pod_dir>/volumes/<name>` (mode 0777, as the
//!   kubelet), bind-mounted into every container that mounts it; removed with the pod dir.
//! - `emptyDir` with `medium: Memory`: a Docker volume (local driver, `type=tmpfs`) named
//!   `<docker_volume_prefix>_<name>`, shared by the pod's containers.
//! - `hostPath`: checked per its `type` as the kubelet does, then bind-mounted.
//! - `configMap` / `secret`: files written into `<pod_dir>/volumes/<name>` (the kubelet's
//!   MakePayload: items, modes, binaryData), bind-mounted read-only.
//!
//! No Docker calls here. [`pod_volumes`] stats the host for hostPath checks (the kubelet
//! does the same on its node); [`materialize`] is the only writer.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use bollard::models::{
    Mount, MountBindOptions, MountBindOptionsPropagationEnum, MountType, MountVolumeOptions,
};
use k8s_openapi::api::core::v1::{Container, KeyToPath, Pod, Volume};

use super::quantity::Quantity;
use super::sources::{ConfigError, PodSources, all_containers, namespace, secret_data};
use crate::api::labels::docker as label;

/// Mode of a configMap/secret file when neither `defaultMode` nor the item's `mode` is set
/// (ConfigMapVolumeSourceDefaultMode / SecretVolumeSourceDefaultMode).
pub const DEFAULT_FILE_MODE: u32 = 0o644;
/// Mode of an emptyDir directory (the kubelet chmods it to 0777).
const EMPTY_DIR_MODE: u32 = 0o777;
/// Mode of the directories dockjob makes for configMap/secret volumes and hostPath
/// `DirectoryOrCreate` (the kubelet's makeDir uses 0755).
const DIR_MODE: u32 = 0o755;
/// Label on the Docker volumes of `medium: Memory` emptyDirs: the pod volume's name.
pub const VOLUME_LABEL: &str = "dockjob.io/volume";

/// What must exist on the host before the pod's containers are created.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodVolumes {
    /// Directories to create (emptyDir on disk, hostPath with type DirectoryOrCreate or
    /// unset and missing, subPath directories), with mode. An existing directory is left
    /// as it is.
    pub dirs: Vec<(PathBuf, u32)>,
    /// Files to write for configMap/secret volumes (after dirs), atomically, with mode and
    /// owner (secret files never world-readable: the "other" bits are cleared; chown to
    /// the pod's runAsUser/fsGroup when set). Also the empty file of a missing hostPath
    /// `FileOrCreate`.
    pub files: Vec<VolumeFile>,
    /// Docker volumes to create: emptyDir with medium Memory becomes a local-driver volume
    /// with type=tmpfs (shared by the pod's containers, size from sizeLimit).
    pub docker_volumes: Vec<DockerVolume>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    pub mode: u32,
    pub owner: Option<(u32, u32)>,
}

/// A Docker volume to create with driver `local` and, when `tmpfs`, driver options
/// `type=tmpfs device=tmpfs o=size=<size_bytes>`. `labels` name the pod (namespace, pod,
/// uid, volume); the caller adds the engine label.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerVolume {
    pub name: String,
    pub tmpfs: bool,
    pub size_bytes: Option<i64>,
    pub labels: HashMap<String, String>,
}

/// What a host path is, for hostPath `type` checks (the kubelet's HostPathType names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostFileType {
    Directory,
    File,
    Socket,
    CharDevice,
    BlockDevice,
    /// A FIFO or anything else the kubelet cannot classify.
    Other,
}

impl HostFileType {
    fn name(self) -> &'static str {
        match self {
            HostFileType::Directory => "Directory",
            HostFileType::File => "File",
            HostFileType::Socket => "Socket",
            HostFileType::CharDevice => "CharDevice",
            HostFileType::BlockDevice => "BlockDevice",
            HostFileType::Other => "Other",
        }
    }
}

/// Stats `path` on this host (following symlinks, as the kubelet does); None when absent.
pub fn host_file_type(path: &Path) -> Option<HostFileType> {
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::metadata(path).ok()?.file_type();
    Some(if t.is_dir() {
        HostFileType::Directory
    } else if t.is_file() {
        HostFileType::File
    } else if t.is_socket() {
        HostFileType::Socket
    } else if t.is_char_device() {
        HostFileType::CharDevice
    } else if t.is_block_device() {
        HostFileType::BlockDevice
    } else {
        HostFileType::Other
    })
}

/// The kinds of volume dockjob maps, resolved from a `Volume`.
enum Kind<'a> {
    EmptyDir {
        memory: bool,
        mode: u32,
    },
    HostPath(&'a str),
    /// configMap or secret: files in the volume directory, mounted read-only.
    Projected,
}

fn kind_of<'a>(v: &'a Volume, field: &str) -> Result<Kind<'a>, ConfigError> {
    if let Some(e) = &v.empty_dir {
        let memory = match e.medium.as_deref().unwrap_or("") {
            "" => false,
            "Memory" => true,
            other => {
                return Err(ConfigError::invalid(
                    format!("{field}.emptyDir.medium"),
                    format!("Unsupported value: {other:?}: dockjob supports \"\" and \"Memory\""),
                ));
            }
        };
        let mode = match e.mode {
            None => EMPTY_DIR_MODE,
            Some(m) => file_mode(m, &format!("{field}.emptyDir.mode"))?,
        };
        return Ok(Kind::EmptyDir { memory, mode });
    }
    if let Some(h) = &v.host_path {
        return Ok(Kind::HostPath(&h.path));
    }
    if v.config_map.is_some() || v.secret.is_some() {
        return Ok(Kind::Projected);
    }
    Err(ConfigError::invalid(
        field,
        format!(
            "volume {:?}: dockjob supports emptyDir, hostPath, configMap and secret volumes",
            v.name
        ),
    ))
}

fn volumes(pod: &Pod) -> &[Volume] {
    pod.spec
        .as_ref()
        .and_then(|s| s.volumes.as_deref())
        .unwrap_or(&[])
}

/// A volume name usable as one path component (Kubernetes requires a DNS label).
fn volume_dir(pod_dir: &Path, v: &Volume, field: &str) -> Result<PathBuf, ConfigError> {
    if v.name.is_empty() || !is_relative_clean(&v.name) || v.name.contains('/') {
        return Err(ConfigError::invalid(
            format!("{field}.name"),
            format!("Invalid value: {:?}: must be a DNS label", v.name),
        ));
    }
    Ok(pod_dir.join("volumes").join(&v.name))
}

/// A relative path without `..` components (the API's validateLocalDescendingPath).
fn is_relative_clean(p: &str) -> bool {
    let path = Path::new(p);
    !p.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn file_mode(mode: i32, field: &str) -> Result<u32, ConfigError> {
    u32::try_from(mode)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| {
            ConfigError::invalid(
                field,
                format!("Invalid value: {mode}: must be a number between 0 and 0777 (octal), both inclusive"),
            )
        })
}

fn id(value: i64, field: &str) -> Result<u32, ConfigError> {
    u32::try_from(value).map_err(|_| {
        ConfigError::invalid(
            field,
            format!("Invalid value: {value}: must be between 0 and 2147483647, inclusive"),
        )
    })
}

/// Owner of a configMap/secret volume's files: the pod's runAsUser (else that of the first
/// container mounting the volume) and its fsGroup (else runAsGroup), so a non-root
/// container can read files that are not world-readable. None when nothing is set.
fn volume_owner(pod: &Pod, volume: &str) -> Result<Option<(u32, u32)>, ConfigError> {
    let psc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
    let mounting = all_containers(pod)
        .into_iter()
        .find(|(_, c)| c.volume_mounts.iter().flatten().any(|m| m.name == volume));
    let csc = mounting
        .as_ref()
        .and_then(|(_, c)| c.security_context.as_ref());
    let uid = psc
        .and_then(|s| s.run_as_user)
        .map(|u| (u, "spec.securityContext.runAsUser".to_string()))
        .or_else(|| {
            let (field, _) = mounting.as_ref()?;
            csc.and_then(|s| s.run_as_user)
                .map(|u| (u, format!("{field}.securityContext.runAsUser")))
        });
    let gid = psc
        .and_then(|s| s.fs_group)
        .map(|g| (g, "spec.securityContext.fsGroup".to_string()))
        .or_else(|| {
            psc.and_then(|s| s.run_as_group)
                .map(|g| (g, "spec.securityContext.runAsGroup".to_string()))
        })
        .or_else(|| {
            let (field, _) = mounting.as_ref()?;
            csc.and_then(|s| s.run_as_group)
                .map(|g| (g, format!("{field}.securityContext.runAsGroup")))
        });
    if uid.is_none() && gid.is_none() {
        return Ok(None);
    }
    let uid = uid.map(|(u, f)| id(u, &f)).transpose()?.unwrap_or(0);
    let gid = gid.map(|(g, f)| id(g, &f)).transpose()?.unwrap_or(0);
    Ok(Some((uid, gid)))
}

/// The kubelet's FailedMount message for a volume.
fn mount_failed(volume: &str, err: impl std::fmt::Display) -> ConfigError {
    ConfigError::Missing(format!(
        "MountVolume.SetUp failed for volume {volume:?} : {err}"
    ))
}

/// Size of a Memory emptyDir (calculateEmptyDirMemorySize): the pod's memory limit when
/// every container has one, lowered to `sizeLimit` when that is smaller. None: tmpfs's
/// default (half the host's memory), standing in for node allocatable.
fn memory_size(pod: &Pod, v: &Volume, field: &str) -> Result<Option<i64>, ConfigError> {
    let bytes = |q: &str, f: &str| -> Result<i64, ConfigError> {
        Quantity::parse(q)
            .map_err(|e| ConfigError::invalid(f, e.to_string()))?
            .bytes()
            .ok_or_else(|| ConfigError::invalid(f, "value out of range"))
    };
    let limit_of = |c: &Container, f: &str| -> Result<Option<i64>, ConfigError> {
        c.resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .and_then(|l| l.get("memory"))
            .map(|q| bytes(&q.0, &format!("{f}.resources.limits[memory]")))
            .transpose()
    };
    let spec = pod.spec.as_ref();
    let mut app_sum: Option<i64> = Some(0);
    for (i, c) in spec
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let l = limit_of(c, &format!("spec.containers[{i}]"))?;
        app_sum = match (app_sum, l) {
            (Some(sum), Some(l)) => Some(sum.saturating_add(l)),
            _ => None,
        };
    }
    let mut pod_limit = app_sum;
    for (i, c) in spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        match limit_of(c, &format!("spec.initContainers[{i}]"))? {
            Some(l) => pod_limit = pod_limit.map(|p| p.max(l)),
            None => pod_limit = None,
        }
    }
    let mut size = pod_limit.filter(|l| *l > 0);
    if let Some(q) = v.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref()) {
        let limit = bytes(&q.0, &format!("{field}.emptyDir.sizeLimit"))?;
        if limit > 0 && size.is_none_or(|s| limit <= s) {
            size = Some(limit);
        }
    }
    Ok(size)
}

/// Plans the pod's volumes under `pod_dir` (the engine's per-pod directory, e.g.
/// `<data>/pods/<uid>`): emptyDir on disk = `pod_dir/volumes/<name>`, configMap/secret =
/// `pod_dir/volumes/<name>` filled with files; hostPath checked per its `type`
/// (Directory, DirectoryOrCreate, File, FileOrCreate, Socket, CharDevice, BlockDevice) by
/// statting the host here (see [`pod_volumes_with`]). `docker_volume_prefix` makes Docker
/// volume names unique per engine+pod: a Memory emptyDir `v` is `<prefix>_v`.
pub fn pod_volumes(
    pod: &Pod,
    pod_dir: &Path,
    sources: &PodSources,
    docker_volume_prefix: &str,
) -> Result<PodVolumes, ConfigError> {
    pod_volumes_with(pod, pod_dir, sources, docker_volume_prefix, &host_file_type)
}

/// [`pod_volumes`] with the host stat injected (`stat` returns None for a missing path).
pub fn pod_volumes_with(
    pod: &Pod,
    pod_dir: &Path,
    sources: &PodSources,
    docker_volume_prefix: &str,
    stat: &dyn Fn(&Path) -> Option<HostFileType>,
) -> Result<PodVolumes, ConfigError> {
    let mut out = PodVolumes::default();
    let mut sub_dirs: Vec<(PathBuf, u32)> = Vec::new();
    for (i, v) in volumes(pod).iter().enumerate() {
        let field = format!("spec.volumes[{i}]");
        match kind_of(v, &field)? {
            Kind::EmptyDir {
                memory: false,
                mode,
            } => {
                out.dirs.push((volume_dir(pod_dir, v, &field)?, mode));
            }
            Kind::EmptyDir { memory: true, .. } => {
                volume_dir(pod_dir, v, &field)?; // validates the name
                let labels = HashMap::from([
                    (label::NAMESPACE.to_string(), namespace(pod).to_string()),
                    (
                        label::POD.to_string(),
                        pod.metadata.name.clone().unwrap_or_default(),
                    ),
                    (
                        label::POD_UID.to_string(),
                        pod.metadata.uid.clone().unwrap_or_default(),
                    ),
                    (VOLUME_LABEL.to_string(), v.name.clone()),
                ]);
                out.docker_volumes.push(DockerVolume {
                    name: docker_volume_name(docker_volume_prefix, &v.name),
                    tmpfs: true,
                    size_bytes: memory_size(pod, v, &field)?,
                    labels,
                });
            }
            Kind::HostPath(path) => {
                let type_ = v.host_path.as_ref().and_then(|h| h.type_.as_deref());
                plan_host_path(&v.name, path, type_, &field, stat, &mut out)?;
            }
            Kind::Projected => {
                let dir = volume_dir(pod_dir, v, &field)?;
                out.dirs.push((dir.clone(), DIR_MODE));
                let payload = projected_payload(v, &field, sources)?;
                let owner = volume_owner(pod, &v.name)?;
                let fs_group = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.security_context.as_ref())
                    .and_then(|s| s.fs_group)
                    .is_some();
                let is_secret = v.secret.is_some();
                for (rel, (contents, mode)) in payload {
                    let path = dir.join(&rel);
                    // Parent directories of nested item paths (`a/b/key`).
                    let mut parent = path.parent();
                    let mut parents = Vec::new();
                    while let Some(p) = parent.filter(|p| *p != dir) {
                        parents.push((p.to_path_buf(), DIR_MODE));
                        parent = p.parent();
                    }
                    for p in parents.into_iter().rev() {
                        if !out.dirs.contains(&p) {
                            out.dirs.push(p);
                        }
                    }
                    // SetVolumeOwnership: with fsGroup the group may read (0440 for a
                    // read-only volume).
                    let mut mode = if fs_group { mode | 0o440 } else { mode };
                    if is_secret {
                        mode &= !0o007;
                    }
                    out.files.push(VolumeFile {
                        path,
                        contents,
                        mode,
                        owner,
                    });
                }
            }
        }
    }
    // subPath directories the kubelet creates when missing (makeMounts / SafeMakeDir).
    for (_, c) in all_containers(pod) {
        for m in c.volume_mounts.iter().flatten() {
            let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            if !is_relative_clean(sub) {
                continue; // container_mounts reports it.
            }
            let Some((i, v)) = volumes(pod)
                .iter()
                .enumerate()
                .find(|(_, v)| v.name == m.name)
            else {
                continue;
            };
            let field = format!("spec.volumes[{i}]");
            let (base, mode) = match kind_of(v, &field)? {
                Kind::EmptyDir { memory: true, .. } => continue,
                Kind::EmptyDir {
                    memory: false,
                    mode,
                } => (volume_dir(pod_dir, v, &field)?, mode),
                Kind::HostPath(p) => (PathBuf::from(p), DIR_MODE),
                Kind::Projected => (volume_dir(pod_dir, v, &field)?, DIR_MODE),
            };
            let target = base.join(sub);
            // A subPath naming a projected file (or a directory holding some) exists once
            // the files are written.
            if out.files.iter().any(|f| f.path.starts_with(&target)) {
                continue;
            }
            if !sub_dirs.iter().any(|(p, _)| *p == target) {
                sub_dirs.push((target, mode));
            }
        }
    }
    out.dirs.extend(sub_dirs);
    Ok(out)
}

/// Docker volume name of a Memory emptyDir.
pub fn docker_volume_name(prefix: &str, volume: &str) -> String {
    format!("{prefix}_{volume}")
}

/// hostPath `type` checks (the hostPath plugin's checkType), planning what `...OrCreate`
/// must create. An unset type checks nothing; a missing path is then created as a
/// directory, as the container runtimes (containerd, dockershim's Binds) do.
fn plan_host_path(
    volume: &str,
    path: &str,
    type_: Option<&str>,
    field: &str,
    stat: &dyn Fn(&Path) -> Option<HostFileType>,
    out: &mut PodVolumes,
) -> Result<(), ConfigError> {
    if !path.starts_with('/') {
        return Err(ConfigError::invalid(
            format!("{field}.hostPath.path"),
            format!("Invalid value: {path:?}: must be an absolute path"),
        ));
    }
    let p = Path::new(path);
    let found = stat(p);
    let expect = |want: HostFileType, description: &str| -> Result<(), ConfigError> {
        match found {
            None => Err(mount_failed(
                volume,
                format!("hostPath {path} doesn't exist"),
            )),
            Some(HostFileType::Other) => Err(mount_failed(
                volume,
                format!(
                    "hostPath type check failed, {path} is not a {description}, unable to determine its type: only recognise file, directory, socket, block device and character device"
                ),
            )),
            Some(t) if t == want => Ok(()),
            Some(t) => Err(mount_failed(
                volume,
                format!(
                    "hostPath type check failed: {path} is not a {description}, it's a {}",
                    t.name()
                ),
            )),
        }
    };
    match type_.unwrap_or("") {
        "" => {
            if found.is_none() {
                out.dirs.push((p.to_path_buf(), DIR_MODE));
            }
            Ok(())
        }
        "DirectoryOrCreate" if found.is_none() => {
            out.dirs.push((p.to_path_buf(), DIR_MODE));
            Ok(())
        }
        "DirectoryOrCreate" | "Directory" => expect(HostFileType::Directory, "directory"),
        "FileOrCreate" if found.is_none() => {
            out.files.push(VolumeFile {
                path: p.to_path_buf(),
                contents: Vec::new(),
                mode: DEFAULT_FILE_MODE,
                owner: None,
            });
            Ok(())
        }
        "FileOrCreate" | "File" => expect(HostFileType::File, "file"),
        "Socket" => expect(HostFileType::Socket, "socket file"),
        "CharDevice" => expect(HostFileType::CharDevice, "character device"),
        "BlockDevice" => expect(HostFileType::BlockDevice, "block device"),
        other => Err(ConfigError::invalid(
            format!("{field}.hostPath.type"),
            format!(
                "Unsupported value: {other:?}: supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""
            ),
        )),
    }
}

/// The files of a configMap or secret volume, relative path -> (contents, mode): the
/// kubelet's MakePayload. Without items every key (configMap `data` and `binaryData`) is a
/// file named after it with `defaultMode`; with items only the listed keys, at their
/// paths and modes.
fn projected_payload(
    v: &Volume,
    field: &str,
    sources: &PodSources,
) -> Result<BTreeMap<String, (Vec<u8>, u32)>, ConfigError> {
    let (sub, name, items, default_mode, optional, data, kind, key_word) =
        if let Some(cm) = &v.config_map {
            let data = sources.config_maps.get(&cm.name).map(|c| {
                let mut d: BTreeMap<String, Vec<u8>> = c
                    .data
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
                    .collect();
                for (k, v) in c.binary_data.iter().flatten() {
                    d.entry(k.clone()).or_insert_with(|| v.0.clone());
                }
                d
            });
            if cm.default_user.is_some() {
                return Err(ConfigError::invalid(
                    format!("{field}.configMap.defaultUser"),
                    "not supported by dockjob",
                ));
            }
            (
                "configMap",
                cm.name.as_str(),
                cm.items.as_deref(),
                cm.default_mode,
                cm.optional == Some(true),
                data,
                "configmap",
                "config key",
            )
        } else if let Some(s) = &v.secret {
            let name = s.secret_name.as_deref().unwrap_or("");
            if name.is_empty() {
                return Err(ConfigError::invalid(
                    format!("{field}.secret.secretName"),
                    "Required value",
                ));
            }
            if s.default_user.is_some() {
                return Err(ConfigError::invalid(
                    format!("{field}.secret.defaultUser"),
                    "not supported by dockjob",
                ));
            }
            (
                "secret",
                name,
                s.items.as_deref(),
                s.default_mode,
                s.optional == Some(true),
                sources.secrets.get(name).map(secret_data),
                "secret",
                "secret key",
            )
        } else {
            return Ok(BTreeMap::new());
        };
    let default_mode = match default_mode {
        Some(m) => file_mode(m, &format!("{field}.{sub}.defaultMode"))?,
        None => DEFAULT_FILE_MODE,
    };
    let Some(data) = data else {
        if optional {
            // An optional missing object gives an empty volume.
            return Ok(BTreeMap::new());
        }
        return Err(mount_failed(&v.name, format!("{kind} {name:?} not found")));
    };
    let mut payload = BTreeMap::new();
    match items.filter(|i| !i.is_empty()) {
        None => {
            for (key, value) in data {
                payload.insert(key, (value, default_mode));
            }
        }
        Some(items) => {
            for (
                j,
                KeyToPath {
                    key,
                    mode,
                    path,
                    user,
                },
            ) in items.iter().enumerate()
            {
                let ifield = format!("{field}.{sub}.items[{j}]");
                if !is_relative_clean(path) {
                    return Err(ConfigError::invalid(
                        format!("{ifield}.path"),
                        format!("Invalid value: {path:?}: must be a relative path without '..'"),
                    ));
                }
                if user.is_some() {
                    return Err(ConfigError::invalid(
                        format!("{ifield}.user"),
                        "not supported by dockjob",
                    ));
                }
                let Some(value) = data.get(key) else {
                    if optional {
                        continue;
                    }
                    return Err(mount_failed(
                        &v.name,
                        format!("{kind} references non-existent {key_word}: {key}"),
                    ));
                };
                let mode = match mode {
                    Some(m) => file_mode(*m, &format!("{ifield}.mode"))?,
                    None => default_mode,
                };
                payload.insert(path.clone(), (value.clone(), mode));
            }
        }
    }
    Ok(payload)
}

/// The container's mounts (bind or volume), readOnly honoured, subPath as a bind of the
/// subdirectory (which [`pod_volumes`] plans to create when missing, as the kubelet does);
/// configMap/secret mounts always read-only. subPath on a `medium: Memory` emptyDir is
/// refused naming the field (Docker 20.10 volumes have no subpath), as is `subPathExpr`.
pub fn container_mounts(
    pod: &Pod,
    container: &Container,
    field: &str,
    pod_dir: &Path,
    docker_volume_prefix: &str,
) -> Result<Vec<Mount>, ConfigError> {
    let mut mounts = Vec::new();
    for (i, m) in container.volume_mounts.iter().flatten().enumerate() {
        let mfield = format!("{field}.volumeMounts[{i}]");
        let Some((j, v)) = volumes(pod)
            .iter()
            .enumerate()
            .find(|(_, v)| v.name == m.name)
        else {
            return Err(ConfigError::invalid(
                format!("{mfield}.name"),
                format!(
                    "cannot find volume {:?} to mount into container {:?}",
                    m.name, container.name
                ),
            ));
        };
        let vfield = format!("spec.volumes[{j}]");
        if m.sub_path_expr.as_deref().is_some_and(|s| !s.is_empty()) {
            return Err(ConfigError::invalid(
                format!("{mfield}.subPathExpr"),
                "subPathExpr is not supported by dockjob; use subPath",
            ));
        }
        if m.recursive_read_only.as_deref() == Some("Enabled") {
            return Err(ConfigError::invalid(
                format!("{mfield}.recursiveReadOnly"),
                "Enabled is not supported by dockjob (Docker 20.10 has no recursive read-only mounts)",
            ));
        }
        let sub = m.sub_path.as_deref().filter(|s| !s.is_empty());
        if let Some(s) = sub {
            if s.starts_with('/') {
                return Err(ConfigError::invalid(
                    format!("{mfield}.subPath"),
                    format!("error SubPath `{s}` must not be an absolute path"),
                ));
            }
            if !is_relative_clean(s) {
                return Err(ConfigError::invalid(
                    format!("{mfield}.subPath"),
                    format!("unable to provision SubPath `{s}`: must not contain '..'"),
                ));
            }
        }
        let propagation = match m.mount_propagation.as_deref().unwrap_or("None") {
            "None" => None,
            "HostToContainer" => Some(MountBindOptionsPropagationEnum::RSLAVE),
            "Bidirectional" => Some(MountBindOptionsPropagationEnum::RSHARED),
            other => {
                return Err(ConfigError::invalid(
                    format!("{mfield}.mountPropagation"),
                    format!(
                        "Unsupported value: {other:?}: supported values: \"Bidirectional\", \"HostToContainer\", \"None\""
                    ),
                ));
            }
        };
        let read_only = m.read_only.unwrap_or(false);
        let bind = |source: PathBuf, read_only: bool| Mount {
            target: Some(m.mount_path.clone()),
            source: Some(source.to_string_lossy().into_owned()),
            typ: Some(MountType::BIND),
            read_only: Some(read_only),
            bind_options: propagation.map(|p| MountBindOptions {
                propagation: Some(p),
                ..Default::default()
            }),
            ..Default::default()
        };
        let with_sub = |base: PathBuf| match sub {
            Some(s) => base.join(s),
            None => base,
        };
        let mount = match kind_of(v, &vfield)? {
            Kind::EmptyDir { memory: false, .. } => bind(
                super::host_paths::to_host(&with_sub(volume_dir(pod_dir, v, &vfield)?)),
                read_only,
            ),
            Kind::HostPath(path) => bind(with_sub(PathBuf::from(path)), read_only),
            Kind::Projected => bind(
                super::host_paths::to_host(&with_sub(volume_dir(pod_dir, v, &vfield)?)),
                true,
            ),
            Kind::EmptyDir { memory: true, .. } => {
                if sub.is_some() {
                    return Err(ConfigError::invalid(
                        format!("{mfield}.subPath"),
                        format!(
                            "subPath on emptyDir volume {:?} with medium Memory is not supported: Docker 20.10 volumes have no subpath",
                            v.name
                        ),
                    ));
                }
                if propagation.is_some() {
                    return Err(ConfigError::invalid(
                        format!("{mfield}.mountPropagation"),
                        "mount propagation on an emptyDir with medium Memory is not supported",
                    ));
                }
                Mount {
                    target: Some(m.mount_path.clone()),
                    source: Some(docker_volume_name(docker_volume_prefix, &v.name)),
                    typ: Some(MountType::VOLUME),
                    read_only: Some(read_only),
                    // The image's files at the mount point must not be copied in: an
                    // emptyDir starts empty.
                    volume_options: Some(MountVolumeOptions {
                        no_copy: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            }
        };
        mounts.push(mount);
    }
    Ok(mounts)
}

/// Adds the path to an I/O error, so the kubelet's message says which file failed.
fn at(path: &Path, what: &str) -> impl FnOnce(std::io::Error) -> std::io::Error {
    let path = path.display().to_string();
    let what = what.to_string();
    move |e| std::io::Error::new(e.kind(), format!("{what} {path}: {e}"))
}

/// Writes PodVolumes to disk (dirs, then files, each file written to a temp name and
/// renamed). Not pure, but no Docker: the kubelet calls it before creating containers.
/// Idempotent: an existing directory is kept as it is (mode included), files are
/// rewritten. Docker volumes are the caller's.
pub fn materialize(v: &PodVolumes) -> std::io::Result<()> {
    for (dir, mode) in &v.dirs {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "create directory {}: exists and is not a directory",
                        dir.display()
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(at(dir, "create directory"))?;
                // Explicit chmod: the process umask would clear 0777's group/other bits.
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(*mode))
                    .map_err(at(dir, "chmod"))?;
            }
            Err(e) => return Err(at(dir, "stat")(e)),
        }
    }
    for f in &v.files {
        write_atomic(f)?;
    }
    Ok(())
}

/// Writes one file under a temporary name in the same directory, sets mode and owner,
/// then renames it over the target, so a container never sees a partial file.
fn write_atomic(f: &VolumeFile) -> std::io::Result<()> {
    let parent = f.path.parent().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("write {}: no parent directory", f.path.display()),
        )
    })?;
    std::fs::create_dir_all(parent).map_err(at(parent, "create directory"))?;
    let name = f
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(at(&tmp, "create"))?;
        file.write_all(&f.contents).map_err(at(&tmp, "write"))?;
        file.sync_all().map_err(at(&tmp, "sync"))?;
        if let Some((uid, gid)) = f.owner {
            std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).map_err(at(&tmp, "chown"))?;
        }
        // After chown: changing the owner clears setuid/setgid bits, and the mode is exact.
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(f.mode))
            .map_err(at(&tmp, "chmod"))?;
        std::fs::rename(&tmp, &f.path).map_err(at(&f.path, "rename into"))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::{
        ConfigMap, ConfigMapVolumeSource, EmptyDirVolumeSource, HostPathVolumeSource,
        PodSecurityContext, PodSpec, ResourceRequirements, Secret, SecretVolumeSource,
        SecurityContext, VolumeMount,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQ;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    const POD_DIR: &str = "/data/pods/uid1";

    fn pod(volumes: Vec<Volume>, mounts: Vec<VolumeMount>) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some("p".into()),
                namespace: Some("team".into()),
                uid: Some("uid1".into()),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "main".into(),
                    volume_mounts: Some(mounts),
                    ..Default::default()
                }],
                volumes: Some(volumes),
                ..Default::default()
            }),
            status: None,
        }
    }

    fn mount(name: &str, path: &str) -> VolumeMount {
        VolumeMount {
            name: name.into(),
            mount_path: path.into(),
            ..Default::default()
        }
    }

    fn empty_dir(name: &str, medium: Option<&str>, size: Option<&str>) -> Volume {
        Volume {
            name: name.into(),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: medium.map(Into::into),
                size_limit: size.map(|s| KQ(s.into())),
                mode: None,
            }),
            ..Default::default()
        }
    }

    fn host_path(name: &str, path: &str, type_: Option<&str>) -> Volume {
        Volume {
            name: name.into(),
            host_path: Some(HostPathVolumeSource {
                path: path.into(),
                type_: type_.map(Into::into),
            }),
            ..Default::default()
        }
    }

    fn cm_volume(name: &str, cm: &str, items: Option<Vec<KeyToPath>>) -> Volume {
        Volume {
            name: name.into(),
            config_map: Some(ConfigMapVolumeSource {
                name: cm.into(),
                items,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn secret_volume(name: &str, secret: &str) -> Volume {
        Volume {
            name: name.into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn item(key: &str, path: &str, mode: Option<i32>) -> KeyToPath {
        KeyToPath {
            key: key.into(),
            path: path.into(),
            mode,
            user: None,
        }
    }

    fn sources() -> PodSources {
        let cm = ConfigMap {
            data: Some(BTreeMap::from([
                ("app.conf".to_string(), "x=1\n".to_string()),
                ("other".to_string(), "o".to_string()),
            ])),
            binary_data: Some(BTreeMap::from([(
                "logo.bin".to_string(),
                ByteString(vec![0, 159, 146, 150]),
            )])),
            ..Default::default()
        };
        let secret = Secret {
            data: Some(BTreeMap::from([(
                "password".to_string(),
                ByteString(b"s3cret".to_vec()),
            )])),
            ..Default::default()
        };
        PodSources {
            config_maps: BTreeMap::from([("cfg".to_string(), cm)]),
            secrets: BTreeMap::from([("creds".to_string(), secret)]),
        }
    }

    fn nothing(_: &Path) -> Option<HostFileType> {
        None
    }

    fn plan(p: &Pod) -> Result<PodVolumes, ConfigError> {
        pod_volumes_with(p, Path::new(POD_DIR), &sources(), "dj_eng_uid1", &nothing)
    }

    fn vol(name: &str) -> PathBuf {
        Path::new(POD_DIR).join("volumes").join(name)
    }

    fn missing(e: Result<PodVolumes, ConfigError>) -> String {
        match e {
            Err(ConfigError::Missing(m)) => m,
            other => panic!("expected Missing, got {other:?}"),
        }
    }

    fn invalid_field<T: std::fmt::Debug>(e: Result<T, ConfigError>) -> String {
        match e {
            Err(ConfigError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn empty_dirs_on_disk_and_in_memory() {
        let mut p = pod(
            vec![
                empty_dir("scratch", None, None),
                empty_dir("shm", Some("Memory"), Some("64Mi")),
            ],
            vec![mount("scratch", "/scratch"), mount("shm", "/dev/shm")],
        );
        let v = plan(&p).unwrap();
        assert_eq!(v.dirs, vec![(vol("scratch"), 0o777)]);
        assert!(v.files.is_empty());
        assert_eq!(v.docker_volumes.len(), 1);
        let dv = &v.docker_volumes[0];
        assert_eq!(dv.name, "dj_eng_uid1_shm");
        assert!(dv.tmpfs);
        assert_eq!(dv.size_bytes, Some(64 << 20));
        assert_eq!(dv.labels[label::POD_UID], "uid1");
        assert_eq!(dv.labels[label::NAMESPACE], "team");
        assert_eq!(dv.labels[VOLUME_LABEL], "shm");

        // The pod's memory limit caps the size; a larger sizeLimit does not raise it.
        p.spec.as_mut().unwrap().containers[0].resources = Some(ResourceRequirements {
            limits: Some(BTreeMap::from([("memory".to_string(), KQ("32Mi".into()))])),
            ..Default::default()
        });
        assert_eq!(
            plan(&p).unwrap().docker_volumes[0].size_bytes,
            Some(32 << 20)
        );
        // No sizeLimit, no limits: tmpfs default.
        let p = pod(vec![empty_dir("shm", Some("Memory"), None)], vec![]);
        assert_eq!(plan(&p).unwrap().docker_volumes[0].size_bytes, None);
        let p = pod(vec![empty_dir("h", Some("HugePages"), None)], vec![]);
        assert_eq!(invalid_field(plan(&p)), "spec.volumes[0].emptyDir.medium");
    }

    #[test]
    fn config_map_volume_all_keys_with_binary_data_and_default_mode() {
        let p = pod(
            vec![cm_volume("conf", "cfg", None)],
            vec![mount("conf", "/etc/app")],
        );
        let v = plan(&p).unwrap();
        assert_eq!(v.dirs, vec![(vol("conf"), 0o755)]);
        let files: Vec<_> = v
            .files
            .iter()
            .map(|f| (f.path.clone(), f.contents.clone(), f.mode, f.owner))
            .collect();
        assert_eq!(
            files,
            vec![
                (vol("conf").join("app.conf"), b"x=1\n".to_vec(), 0o644, None),
                (
                    vol("conf").join("logo.bin"),
                    vec![0, 159, 146, 150],
                    0o644,
                    None
                ),
                (vol("conf").join("other"), b"o".to_vec(), 0o644, None),
            ]
        );
    }

    #[test]
    fn config_map_items_paths_modes_and_missing_keys() {
        let mut v = cm_volume(
            "conf",
            "cfg",
            Some(vec![
                item("app.conf", "nested/dir/app.conf", Some(0o600)),
                item("logo.bin", "logo", None),
            ]),
        );
        v.config_map.as_mut().unwrap().default_mode = Some(0o440);
        let planned = plan(&pod(vec![v.clone()], vec![])).unwrap();
        assert_eq!(
            planned.dirs,
            vec![
                (vol("conf"), 0o755),
                (vol("conf").join("nested"), 0o755),
                (vol("conf").join("nested/dir"), 0o755),
            ]
        );
        let files: Vec<_> = planned
            .files
            .iter()
            .map(|f| (f.path.clone(), f.mode))
            .collect();
        assert_eq!(
            files,
            vec![
                (vol("conf").join("logo"), 0o440),
                (vol("conf").join("nested/dir/app.conf"), 0o600),
            ]
        );

        // A listed key that does not exist: the kubelet's FailedMount message.
        let mut bad = v.clone();
        bad.config_map.as_mut().unwrap().items = Some(vec![item("nope", "n", None)]);
        assert_eq!(
            missing(plan(&pod(vec![bad.clone()], vec![]))),
            "MountVolume.SetUp failed for volume \"conf\" : configmap references non-existent config key: nope"
        );
        // ... unless the volume is optional.
        bad.config_map.as_mut().unwrap().optional = Some(true);
        assert!(plan(&pod(vec![bad], vec![])).unwrap().files.is_empty());

        let mut bad_mode = v.clone();
        bad_mode.config_map.as_mut().unwrap().items = Some(vec![item("other", "o", Some(0o1777))]);
        assert_eq!(
            invalid_field(plan(&pod(vec![bad_mode], vec![]))),
            "spec.volumes[0].configMap.items[0].mode"
        );
        let mut escape = v;
        escape.config_map.as_mut().unwrap().items = Some(vec![item("other", "../x", None)]);
        assert_eq!(
            invalid_field(plan(&pod(vec![escape], vec![]))),
            "spec.volumes[0].configMap.items[0].path"
        );
    }

    #[test]
    fn missing_objects_and_optional_volumes() {
        let p = pod(vec![cm_volume("conf", "nope", None)], vec![]);
        assert_eq!(
            missing(plan(&p)),
            "MountVolume.SetUp failed for volume \"conf\" : configmap \"nope\" not found"
        );
        let p = pod(vec![secret_volume("s", "nope")], vec![]);
        assert_eq!(
            missing(plan(&p)),
            "MountVolume.SetUp failed for volume \"s\" : secret \"nope\" not found"
        );
        let mut v = secret_volume("s", "nope");
        v.secret.as_mut().unwrap().optional = Some(true);
        let planned = plan(&pod(vec![v], vec![])).unwrap();
        assert_eq!(planned.dirs, vec![(vol("s"), 0o755)]);
        assert!(planned.files.is_empty());
        let mut v = secret_volume("s", "creds");
        v.secret.as_mut().unwrap().items = Some(vec![item("k", "k", None)]);
        assert_eq!(
            missing(plan(&pod(vec![v], vec![]))),
            "MountVolume.SetUp failed for volume \"s\" : secret references non-existent secret key: k"
        );
    }

    #[test]
    fn secret_files_are_never_world_readable_and_owned_by_the_pod_user() {
        let mut v = secret_volume("s", "creds");
        v.secret.as_mut().unwrap().default_mode = Some(0o777);
        let mut p = pod(vec![v], vec![mount("s", "/secrets")]);
        let f = &plan(&p).unwrap().files[0];
        assert_eq!(f.path, vol("s").join("password"));
        assert_eq!(f.contents, b"s3cret");
        assert_eq!(f.mode, 0o770);
        assert_eq!(f.owner, None);
        // Default mode 0644 -> 0640.
        p.spec.as_mut().unwrap().volumes.as_mut().unwrap()[0]
            .secret
            .as_mut()
            .unwrap()
            .default_mode = None;
        assert_eq!(plan(&p).unwrap().files[0].mode, 0o640);

        // Container-level runAsUser of the mounting container, pod runAsGroup.
        let spec = p.spec.as_mut().unwrap();
        spec.containers[0].security_context = Some(SecurityContext {
            run_as_user: Some(1000),
            ..Default::default()
        });
        spec.security_context = Some(PodSecurityContext {
            run_as_group: Some(3000),
            ..Default::default()
        });
        assert_eq!(plan(&p).unwrap().files[0].owner, Some((1000, 3000)));
        // Pod runAsUser and fsGroup win; fsGroup makes the file group-readable.
        let spec = p.spec.as_mut().unwrap();
        spec.security_context = Some(PodSecurityContext {
            run_as_user: Some(2000),
            fs_group: Some(4000),
            ..Default::default()
        });
        spec.volumes.as_mut().unwrap()[0]
            .secret
            .as_mut()
            .unwrap()
            .default_mode = Some(0o400);
        let f = &plan(&p).unwrap().files[0];
        assert_eq!(f.owner, Some((2000, 4000)));
        assert_eq!(f.mode, 0o440);
    }

    #[test]
    fn host_path_types_like_the_kubelet() {
        let stat = |p: &Path| match p.to_str() {
            Some("/dir") => Some(HostFileType::Directory),
            Some("/file") => Some(HostFileType::File),
            Some("/sock") => Some(HostFileType::Socket),
            Some("/fifo") => Some(HostFileType::Other),
            _ => None,
        };
        let run = |path: &str, t: Option<&str>| {
            pod_volumes_with(
                &pod(vec![host_path("h", path, t)], vec![]),
                Path::new(POD_DIR),
                &sources(),
                "x",
                &stat,
            )
        };
        assert_eq!(
            run("/dir", Some("Directory")).unwrap(),
            PodVolumes::default()
        );
        assert_eq!(
            run("/dir", Some("DirectoryOrCreate")).unwrap(),
            PodVolumes::default()
        );
        assert_eq!(
            run("/file", Some("FileOrCreate")).unwrap(),
            PodVolumes::default()
        );
        assert_eq!(run("/sock", Some("Socket")).unwrap(), PodVolumes::default());
        assert_eq!(run("/file", None).unwrap(), PodVolumes::default());
        assert_eq!(
            run("/new", Some("DirectoryOrCreate")).unwrap().dirs,
            vec![(PathBuf::from("/new"), 0o755)]
        );
        assert_eq!(
            run("/new", None).unwrap().dirs,
            vec![(PathBuf::from("/new"), 0o755)]
        );
        let f = run("/new", Some("FileOrCreate")).unwrap().files;
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].path.to_str(), f[0].mode, f[0].contents.len()),
            (Some("/new"), 0o644, 0)
        );
        assert_eq!(
            missing(run("/nope", Some("Directory"))),
            "MountVolume.SetUp failed for volume \"h\" : hostPath /nope doesn't exist"
        );
        assert_eq!(
            missing(run("/file", Some("Directory"))),
            "MountVolume.SetUp failed for volume \"h\" : hostPath type check failed: /file is not a directory, it's a File"
        );
        assert_eq!(
            missing(run("/dir", Some("FileOrCreate"))),
            "MountVolume.SetUp failed for volume \"h\" : hostPath type check failed: /dir is not a file, it's a Directory"
        );
        assert_eq!(
            missing(run("/dir", Some("CharDevice"))),
            "MountVolume.SetUp failed for volume \"h\" : hostPath type check failed: /dir is not a character device, it's a Directory"
        );
        assert!(missing(run("/fifo", Some("Socket"))).contains("unable to determine its type"));
        assert_eq!(
            invalid_field(run("/dir", Some("Weird"))),
            "spec.volumes[0].hostPath.type"
        );
        assert_eq!(
            invalid_field(run("rel", None)),
            "spec.volumes[0].hostPath.path"
        );
    }

    #[test]
    fn unsupported_volume_types_are_named() {
        let p = pod(
            vec![Volume {
                name: "pvc".into(),
                persistent_volume_claim: Some(Default::default()),
                ..Default::default()
            }],
            vec![],
        );
        match plan(&p) {
            Err(ConfigError::Invalid { field, message }) => {
                assert_eq!(field, "spec.volumes[0]");
                assert!(message.contains("\"pvc\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mounts_bind_volume_read_only_and_sub_path() {
        let p = pod(
            vec![
                empty_dir("scratch", None, None),
                empty_dir("shm", Some("Memory"), None),
                host_path("h", "/srv/data", None),
                cm_volume("conf", "cfg", None),
            ],
            vec![],
        );
        let c = Container {
            name: "main".into(),
            volume_mounts: Some(vec![
                mount("scratch", "/scratch"),
                VolumeMount {
                    sub_path: Some("logs/app".into()),
                    read_only: Some(true),
                    ..mount("scratch", "/logs")
                },
                mount("shm", "/dev/shm"),
                VolumeMount {
                    mount_propagation: Some("HostToContainer".into()),
                    ..mount("h", "/data")
                },
                VolumeMount {
                    read_only: Some(false),
                    sub_path: Some("app.conf".into()),
                    ..mount("conf", "/etc/app.conf")
                },
            ]),
            ..Default::default()
        };
        let mounts =
            container_mounts(&p, &c, "spec.containers[0]", Path::new(POD_DIR), "pfx").unwrap();
        let summary: Vec<_> = mounts
            .iter()
            .map(|m| {
                (
                    m.typ,
                    m.source.clone().unwrap(),
                    m.target.clone().unwrap(),
                    m.read_only.unwrap(),
                )
            })
            .collect();
        let s = |p: PathBuf| p.to_string_lossy().into_owned();
        assert_eq!(
            summary,
            vec![
                (
                    Some(MountType::BIND),
                    s(vol("scratch")),
                    "/scratch".into(),
                    false
                ),
                (
                    Some(MountType::BIND),
                    s(vol("scratch").join("logs/app")),
                    "/logs".into(),
                    true
                ),
                (
                    Some(MountType::VOLUME),
                    "pfx_shm".into(),
                    "/dev/shm".into(),
                    false
                ),
                (
                    Some(MountType::BIND),
                    "/srv/data".into(),
                    "/data".into(),
                    false
                ),
                (
                    Some(MountType::BIND),
                    s(vol("conf").join("app.conf")),
                    "/etc/app.conf".into(),
                    true
                ),
            ]
        );
        assert_eq!(
            mounts[2].volume_options.as_ref().unwrap().no_copy,
            Some(true)
        );
        assert_eq!(
            mounts[3].bind_options.as_ref().unwrap().propagation,
            Some(MountBindOptionsPropagationEnum::RSLAVE)
        );
        assert_eq!(mounts[0].bind_options, None);
    }

    #[test]
    fn mount_errors_name_the_field() {
        let p = pod(
            vec![
                empty_dir("scratch", None, None),
                empty_dir("shm", Some("Memory"), None),
            ],
            vec![],
        );
        let run = |m: VolumeMount| {
            let c = Container {
                name: "side".into(),
                volume_mounts: Some(vec![mount("scratch", "/ok"), m]),
                ..Default::default()
            };
            container_mounts(&p, &c, "spec.initContainers[1]", Path::new(POD_DIR), "pfx")
        };
        assert_eq!(
            invalid_field(run(VolumeMount {
                sub_path: Some("x".into()),
                ..mount("shm", "/dev/shm")
            })),
            "spec.initContainers[1].volumeMounts[1].subPath"
        );
        assert_eq!(
            invalid_field(run(VolumeMount {
                sub_path: Some("/abs".into()),
                ..mount("scratch", "/a")
            })),
            "spec.initContainers[1].volumeMounts[1].subPath"
        );
        assert_eq!(
            invalid_field(run(VolumeMount {
                sub_path: Some("a/../../b".into()),
                ..mount("scratch", "/a")
            })),
            "spec.initContainers[1].volumeMounts[1].subPath"
        );
        assert_eq!(
            invalid_field(run(VolumeMount {
                sub_path_expr: Some("$(POD)".into()),
                ..mount("scratch", "/a")
            })),
            "spec.initContainers[1].volumeMounts[1].subPathExpr"
        );
        assert_eq!(
            invalid_field(run(mount("nope", "/a"))),
            "spec.initContainers[1].volumeMounts[1].name"
        );
        match run(mount("nope", "/a")) {
            Err(e) => assert!(
                e.to_string()
                    .ends_with("cannot find volume \"nope\" to mount into container \"side\""),
                "{e}"
            ),
            Ok(m) => panic!("{m:?}"),
        }
    }

    #[test]
    fn sub_path_directories_are_planned() {
        let mut p = pod(
            vec![
                empty_dir("scratch", None, None),
                host_path("h", "/srv", Some("Directory")),
                cm_volume("conf", "cfg", None),
            ],
            vec![
                VolumeMount {
                    sub_path: Some("a/b".into()),
                    ..mount("scratch", "/x")
                },
                VolumeMount {
                    sub_path: Some("app.conf".into()),
                    ..mount("conf", "/y")
                },
                VolumeMount {
                    sub_path: Some("extra".into()),
                    ..mount("conf", "/z")
                },
            ],
        );
        p.spec.as_mut().unwrap().init_containers = Some(vec![Container {
            name: "init".into(),
            volume_mounts: Some(vec![
                VolumeMount {
                    sub_path: Some("cache".into()),
                    ..mount("h", "/cache")
                },
                // The same subPath twice is planned once.
                VolumeMount {
                    sub_path: Some("a/b".into()),
                    ..mount("scratch", "/x")
                },
            ]),
            ..Default::default()
        }]);
        let stat = |p: &Path| (p == Path::new("/srv")).then_some(HostFileType::Directory);
        let v = pod_volumes_with(&p, Path::new(POD_DIR), &sources(), "x", &stat).unwrap();
        assert_eq!(
            v.dirs,
            vec![
                (vol("scratch"), 0o777),
                (vol("conf"), 0o755),
                (PathBuf::from("/srv/cache"), 0o755),
                (vol("scratch").join("a/b"), 0o777),
                (vol("conf").join("extra"), 0o755),
            ]
        );
    }

    #[test]
    fn materialize_writes_dirs_then_files_atomically_and_is_idempotent() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mut v = pod_volumes_with(
            &pod(
                vec![
                    empty_dir("scratch", None, None),
                    cm_volume(
                        "conf",
                        "cfg",
                        Some(vec![item("app.conf", "d/app.conf", Some(0o600))]),
                    ),
                    secret_volume("s", "creds"),
                ],
                vec![],
            ),
            root,
            &sources(),
            "x",
            &nothing,
        )
        .unwrap();
        materialize(&v).unwrap();
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let vol = |n: &str| root.join("volumes").join(n);
        assert_eq!(mode(vol("scratch")), 0o777);
        assert_eq!(mode(vol("conf")), 0o755);
        assert_eq!(
            std::fs::read(vol("conf").join("d/app.conf")).unwrap(),
            b"x=1\n"
        );
        assert_eq!(mode(vol("conf").join("d/app.conf")), 0o600);
        assert_eq!(std::fs::read(vol("s").join("password")).unwrap(), b"s3cret");
        assert_eq!(mode(vol("s").join("password")), 0o640);
        // No temp file is left behind.
        let names: Vec<_> = std::fs::read_dir(vol("s"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["password"]);

        // Idempotent: a second run keeps data in emptyDirs and rewrites files.
        std::fs::write(vol("scratch").join("keep"), b"k").unwrap();
        v.files[1].contents = b"new".to_vec();
        materialize(&v).unwrap();
        materialize(&v).unwrap();
        assert_eq!(std::fs::read(vol("scratch").join("keep")).unwrap(), b"k");
        assert_eq!(std::fs::read(vol("s").join("password")).unwrap(), b"new");

        // Owner: chown to ourselves always works (as root, any id would).
        let me = std::fs::metadata(root).unwrap();
        use std::os::unix::fs::MetadataExt;
        v.files[1].owner = Some((me.uid(), me.gid()));
        materialize(&v).unwrap();
        assert_eq!(
            std::fs::metadata(vol("s").join("password")).unwrap().uid(),
            me.uid()
        );

        // A file where a directory must be: an error naming the path.
        let blocked = PodVolumes {
            dirs: vec![(vol("s").join("password"), 0o755)],
            ..Default::default()
        };
        let e = materialize(&blocked).unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
    }

    #[test]
    fn host_file_type_stats_the_host() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, b"").unwrap();
        assert_eq!(host_file_type(tmp.path()), Some(HostFileType::Directory));
        assert_eq!(host_file_type(&file), Some(HostFileType::File));
        assert_eq!(host_file_type(&tmp.path().join("nope")), None);
        assert_eq!(
            host_file_type(Path::new("/dev/null")),
            Some(HostFileType::CharDevice)
        );
    }
}
