//! Host powers: the pod fields that let a container take over the Docker host, and the
//! engine's policy for them. A pod asking for a power the engine was not started with
//! (`dockjob server --allow-...`) is refused at admission, naming the field and the flag.
//!
//! Pure: paths are compared as written, after lexical normalisation; the caller hands in
//! a resolver for symlinks (the engine resolves on its own filesystem). This module must
//! not read files or talk to Docker.
//!
//! The powers: `securityContext.privileged`; `capabilities.add` beyond Docker's default
//! set; `hostPath` volumes outside the allow-list; the Docker socket (or a directory
//! holding it) as a `hostPath`, even under an allowed prefix. Host network, PID and IPC
//! namespaces are refused by the decoder for every engine (`api::decode`), so no flag
//! allows them.

use std::path::{Component, Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, PodSpec};

use crate::api::decode::Object;

/// Docker's default capability set (moby `oci/caps/defaults.go`): adding any of these
/// changes nothing, so it needs no flag.
pub const DOCKER_DEFAULT_CAPS: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Where dockerd (and the containerd under it, which runs containers just as freely)
/// listen by default; a bind mount of any is the daemon itself.
pub const DEFAULT_DOCKER_SOCKETS: [&str; 4] = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
];

/// What the engine lets pods do to the host (all off by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `--allow-privileged`
    pub privileged: bool,
    /// `--allow-capabilities`
    pub capabilities: bool,
    /// `--allow-host-path PREFIX` (repeatable): hostPath volumes at or under one of these.
    pub host_path_prefixes: Vec<PathBuf>,
    /// `--allow-docker-socket`
    pub docker_socket: bool,
    /// The daemon's socket paths: the defaults plus the one the engine talks to.
    pub docker_sockets: Vec<PathBuf>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            privileged: false,
            capabilities: false,
            host_path_prefixes: Vec::new(),
            docker_socket: false,
            docker_sockets: DEFAULT_DOCKER_SOCKETS.iter().map(PathBuf::from).collect(),
        }
    }
}

/// One refused field: its path, what it would give, and the flag that allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: Forbidden: {}", self.field, self.message)
    }
}

/// The pod spec of an object and the field path it sits at, for every kind that has one.
pub fn pod_spec_of(object: &Object) -> Option<(&PodSpec, &'static str)> {
    match object {
        Object::Job(j) => j
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| (s, "spec.template.spec")),
        Object::CronJob(c) => c
            .spec
            .job_template
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| (s, "spec.jobTemplate.spec.template.spec")),
        Object::ReplicaSet(r) => r
            .spec
            .template
            .as_ref()
            .and_then(|t| t.spec.as_ref())
            .map(|s| (s, "spec.template.spec")),
        Object::Pod(p) => p.spec.as_ref().map(|s| (s, "spec")),
        Object::ConfigMap(_) | Object::Secret(_) | Object::Service(_) => None,
    }
}

/// Every power the object asks for that `policy` does not allow. `resolve` returns the
/// symlink-free form of an existing path (None when it cannot tell).
pub fn check_object(
    object: &Object,
    policy: &Policy,
    resolve: &dyn Fn(&Path) -> Option<PathBuf>,
) -> Vec<Violation> {
    match pod_spec_of(object) {
        Some((spec, base)) => check_pod_spec(spec, base, policy, resolve),
        None => Vec::new(),
    }
}

/// [`check_object`] for one pod spec at field path `base`.
pub fn check_pod_spec(
    spec: &PodSpec,
    base: &str,
    policy: &Policy,
    resolve: &dyn Fn(&Path) -> Option<PathBuf>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let lists: [(&str, &[Container]); 2] = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or_default(),
        ),
        ("containers", &spec.containers),
    ];
    for (list, containers) in lists {
        for (i, c) in containers.iter().enumerate() {
            check_container(c, &format!("{base}.{list}[{i}]"), policy, &mut out);
        }
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if let Some(hp) = &v.host_path {
            let field = format!("{base}.volumes[{i}].hostPath.path");
            check_host_path(&hp.path, &field, policy, resolve, &mut out);
        }
    }
    out
}

fn check_container(c: &Container, field: &str, policy: &Policy, out: &mut Vec<Violation>) {
    let Some(sc) = c.security_context.as_ref() else {
        return;
    };
    if sc.privileged == Some(true) && !policy.privileged {
        out.push(Violation {
            field: format!("{field}.securityContext.privileged"),
            message: "privileged containers can take over the host; start the engine with \
                      --allow-privileged to allow them"
                .into(),
        });
    }
    if policy.capabilities {
        return;
    }
    let added = sc.capabilities.as_ref().and_then(|c| c.add.as_ref());
    for (j, cap) in added.into_iter().flatten().enumerate() {
        let name = normalize_cap(cap);
        if !DOCKER_DEFAULT_CAPS.contains(&name.as_str()) {
            out.push(Violation {
                field: format!("{field}.securityContext.capabilities.add[{j}]"),
                message: format!(
                    "capability {cap:?} is beyond Docker's default set; start the engine \
                     with --allow-capabilities to allow it"
                ),
            });
        }
    }
}

/// `cap_net_admin` and `NET_ADMIN` name the same capability (Docker upper-cases and
/// strips `CAP_`).
fn normalize_cap(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_string)
        .unwrap_or(upper)
}

/// `/a/./b/../c` -> `/a/c`, without touching the filesystem. `..` above the root stays
/// at the root, as the kernel resolves it.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn check_host_path(
    raw: &str,
    field: &str,
    policy: &Policy,
    resolve: &dyn Fn(&Path) -> Option<PathBuf>,
    out: &mut Vec<Violation>,
) {
    let written = normalize(Path::new(raw));
    // Both the path as written and where its symlinks lead must pass.
    let mut forms = vec![written.clone()];
    if let Some(real) = resolve(&written).map(|p| normalize(&p))
        && real != written
    {
        forms.push(real);
    }
    let sockets: Vec<PathBuf> = policy
        .docker_sockets
        .iter()
        .flat_map(|s| {
            let s = normalize(s);
            let real = resolve(&s).map(|p| normalize(&p));
            std::iter::once(s).chain(real)
        })
        .collect();
    if !policy.docker_socket
        && forms
            .iter()
            .any(|f| sockets.iter().any(|s| s.starts_with(f)))
    {
        out.push(Violation {
            field: field.to_string(),
            message: format!(
                "{raw:?} exposes the Docker daemon's socket, which controls the host; start \
                 the engine with --allow-docker-socket to allow it"
            ),
        });
        return;
    }
    let allowed = |f: &PathBuf| {
        f.is_absolute()
            && policy
                .host_path_prefixes
                .iter()
                .any(|p| f.starts_with(normalize(p)))
    };
    if !forms.iter().all(allowed) {
        let prefixes = if policy.host_path_prefixes.is_empty() {
            "no hostPath is allowed".to_string()
        } else {
            let list: Vec<String> = policy
                .host_path_prefixes
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            format!("allowed prefixes: {}", list.join(", "))
        };
        out.push(Violation {
            field: field.to_string(),
            message: format!(
                "hostPath {raw:?} is outside the engine's allow-list ({prefixes}); start the \
                 engine with --allow-host-path PREFIX to allow it"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::decode::decode_manifests;

    fn no_links(_: &Path) -> Option<PathBuf> {
        None
    }

    fn object(yaml: &str) -> Object {
        let mut docs = decode_manifests("t.yaml", yaml.as_bytes()).expect("decodes");
        docs.remove(0).object
    }

    fn pod(spec: &str) -> Object {
        object(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}"
        ))
    }

    fn fields(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.field.as_str()).collect()
    }

    const PRIVILEGED: &str =
        "containers:\n- name: c\n  image: i\n  securityContext:\n    privileged: true\n";

    /// `text` with every line indented by `n` spaces.
    fn indent(text: &str, n: usize) -> String {
        text.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect()
    }

    #[test]
    fn privileged_is_refused_per_kind_at_its_field_path_unless_allowed() {
        let job = object(&format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n{}",
            indent(PRIVILEGED, 6)
        ));
        let cron = object(&format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n{}",
            indent(PRIVILEGED, 10)
        ));
        let rs = object(&format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: r\nspec:\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    metadata: {{labels: {{a: b}}}}\n    spec:\n{}",
            indent(PRIVILEGED, 6)
        ));
        let cases = [
            (
                pod(&indent(PRIVILEGED, 2)),
                "spec.containers[0].securityContext.privileged",
            ),
            (
                job,
                "spec.template.spec.containers[0].securityContext.privileged",
            ),
            (
                cron,
                "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged",
            ),
            (
                rs,
                "spec.template.spec.containers[0].securityContext.privileged",
            ),
        ];
        for (obj, field) in cases {
            let refused = check_object(&obj, &Policy::default(), &no_links);
            assert_eq!(fields(&refused), [field], "{obj:?}");
            assert!(refused[0].message.contains("--allow-privileged"));
            let allowed = Policy {
                privileged: true,
                ..Policy::default()
            };
            assert!(check_object(&obj, &allowed, &no_links).is_empty());
        }
    }

    #[test]
    fn init_containers_are_checked_too() {
        let p = pod(
            "  initContainers:\n  - name: i\n    image: i\n    securityContext:\n      privileged: true\n  containers:\n  - name: c\n    image: i\n",
        );
        let refused = check_object(&p, &Policy::default(), &no_links);
        assert_eq!(
            fields(&refused),
            ["spec.initContainers[0].securityContext.privileged"]
        );
    }

    #[test]
    fn capabilities_beyond_dockers_defaults_need_the_flag() {
        let cases: [(&str, &[&str]); 5] = [
            ("[CHOWN, NET_BIND_SERVICE, KILL]", &[]),
            ("[cap_net_raw, AUDIT_WRITE]", &[]),
            (
                "[CHOWN, NET_ADMIN]",
                &["spec.containers[0].securityContext.capabilities.add[1]"],
            ),
            (
                "[cap_sys_admin, ALL]",
                &[
                    "spec.containers[0].securityContext.capabilities.add[0]",
                    "spec.containers[0].securityContext.capabilities.add[1]",
                ],
            ),
            ("[]", &[]),
        ];
        for (add, want) in cases {
            let p = pod(&format!(
                "  containers:\n  - name: c\n    image: i\n    securityContext:\n      capabilities:\n        add: {add}\n        drop: [ALL]\n"
            ));
            let refused = check_object(&p, &Policy::default(), &no_links);
            assert_eq!(fields(&refused), want, "add {add}");
            assert!(
                refused
                    .iter()
                    .all(|v| v.message.contains("--allow-capabilities"))
            );
            let allowed = Policy {
                capabilities: true,
                ..Policy::default()
            };
            assert!(check_object(&p, &allowed, &no_links).is_empty());
        }
    }

    fn host_path_pod(path: &str) -> Object {
        pod(&format!(
            "  containers:\n  - name: c\n    image: i\n  volumes:\n  - name: a\n    emptyDir: {{}}\n  - name: h\n    hostPath:\n      path: {path:?}\n"
        ))
    }

    #[test]
    fn host_paths_must_sit_under_an_allowed_prefix() {
        let policy = Policy {
            host_path_prefixes: vec!["/srv/data".into(), "/tmp/".into()],
            ..Policy::default()
        };
        let cases = [
            ("/srv/data", true),
            ("/srv/data/x/y", true),
            ("/srv/data/", true),
            ("/srv/database", false),
            ("/srv", false),
            ("/srv/data/../../etc", false),
            ("/tmp/x", true),
            ("/etc/passwd", false),
            ("relative/path", false),
        ];
        for (path, ok) in cases {
            let refused = check_object(&host_path_pod(path), &policy, &no_links);
            if ok {
                assert!(refused.is_empty(), "{path}: {refused:?}");
            } else {
                assert_eq!(
                    fields(&refused),
                    ["spec.volumes[1].hostPath.path"],
                    "{path}"
                );
                assert!(refused[0].message.contains("--allow-host-path PREFIX"));
                assert!(
                    refused[0].message.contains("/srv/data"),
                    "{}",
                    refused[0].message
                );
            }
        }
        let none = check_object(&host_path_pod("/srv/data"), &Policy::default(), &no_links);
        assert!(
            none[0].message.contains("no hostPath is allowed"),
            "{none:?}"
        );
    }

    #[test]
    fn a_symlink_out_of_the_allow_list_is_refused() {
        let policy = Policy {
            host_path_prefixes: vec!["/srv".into()],
            ..Policy::default()
        };
        let resolve = |p: &Path| (p == Path::new("/srv/link")).then(|| PathBuf::from("/etc"));
        let refused = check_object(&host_path_pod("/srv/link"), &policy, &resolve);
        assert_eq!(fields(&refused), ["spec.volumes[1].hostPath.path"]);
        assert!(check_object(&host_path_pod("/srv/dir"), &policy, &resolve).is_empty());
    }

    #[test]
    fn containerds_socket_is_refused_by_default_like_dockers() {
        let policy = Policy {
            host_path_prefixes: vec!["/run".into()],
            ..Policy::default()
        };
        let resolve = |_: &Path| None;
        for path in ["/run/containerd/containerd.sock", "/run/containerd", "/run"] {
            let refused = check_object(&host_path_pod(path), &policy, &resolve);
            assert_eq!(
                fields(&refused),
                ["spec.volumes[1].hostPath.path"],
                "{path}"
            );
            assert!(
                refused[0].message.contains("--allow-docker-socket"),
                "{refused:?}"
            );
        }
        assert!(check_object(&host_path_pod("/run/user"), &policy, &resolve).is_empty());
    }

    #[test]
    fn the_docker_socket_is_refused_even_under_an_allowed_prefix() {
        let policy = Policy {
            host_path_prefixes: vec!["/".into()],
            docker_sockets: vec![
                "/var/run/docker.sock".into(),
                "/run/docker.sock".into(),
                "/custom/dockerd.sock".into(),
            ],
            ..Policy::default()
        };
        let resolve = |p: &Path| match p.to_str() {
            Some("/var/run/docker.sock") => Some(PathBuf::from("/run/docker.sock")),
            Some("/home/me/sock") => Some(PathBuf::from("/run/docker.sock")),
            _ => None,
        };
        for path in [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/run//./docker.sock",
            "/custom/dockerd.sock",
            "/home/me/sock",
            "/var/run",
            "/run",
            "/",
        ] {
            let refused = check_object(&host_path_pod(path), &policy, &resolve);
            assert_eq!(
                fields(&refused),
                ["spec.volumes[1].hostPath.path"],
                "{path}"
            );
            assert!(
                refused[0].message.contains("--allow-docker-socket"),
                "{path}: {}",
                refused[0].message
            );
            let allowed = Policy {
                docker_socket: true,
                ..policy.clone()
            };
            assert!(check_object(&host_path_pod(path), &allowed, &resolve).is_empty());
        }
        let fine = check_object(&host_path_pod("/run/user"), &policy, &resolve);
        assert!(fine.is_empty(), "{fine:?}");
        // Allowed as a socket, but still outside the allow-list.
        let elsewhere = Policy {
            docker_socket: true,
            host_path_prefixes: vec!["/srv".into()],
            ..Policy::default()
        };
        let refused = check_object(&host_path_pod("/run/docker.sock"), &elsewhere, &no_links);
        assert!(
            refused[0].message.contains("--allow-host-path"),
            "{refused:?}"
        );
    }

    #[test]
    fn kinds_without_pods_and_plain_pods_pass() {
        let cm = object("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n");
        assert!(check_object(&cm, &Policy::default(), &no_links).is_empty());
        let plain = pod(
            "  containers:\n  - name: c\n    image: i\n    securityContext:\n      privileged: false\n      capabilities:\n        drop: [ALL]\n",
        );
        assert!(check_object(&plain, &Policy::default(), &no_links).is_empty());
    }
}
