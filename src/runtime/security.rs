//! Pod and container `securityContext` -> Docker create config, and the kubelet's
//! runAsNonRoot check.
//!
//! Pure: no Docker calls. The image's user (for runAsNonRoot) is handed in by the caller,
//! who inspected the image. Fields Docker cannot express are refused by name, never
//! dropped.
//!
//! Deliberate difference: an unset `seccompProfile` keeps Docker's default profile, where
//! a stock kubelet (seccompDefault off) runs the container Unconfined; `Unconfined` must
//! be asked for.

use bollard::models::{ContainerCreateBody, HostConfig};
use k8s_openapi::api::core::v1::{Container, Pod, PodSecurityContext, SecurityContext};

use super::sources::{ConfigError, namespace};

fn pod_sc(pod: &Pod) -> Option<&PodSecurityContext> {
    pod.spec.as_ref().and_then(|s| s.security_context.as_ref())
}

/// A pod- or container-level setting with container precedence
/// (DetermineEffectiveSecurityContext), with the field path it came from.
fn effective<T: Clone>(
    pod: &Pod,
    container: &Container,
    field: &str,
    name: &str,
    of_container: impl Fn(&SecurityContext) -> Option<T>,
    of_pod: impl Fn(&PodSecurityContext) -> Option<T>,
) -> Option<(T, String)> {
    container
        .security_context
        .as_ref()
        .and_then(&of_container)
        .map(|v| (v, format!("{field}.securityContext.{name}")))
        .or_else(|| {
            pod_sc(pod)
                .and_then(&of_pod)
                .map(|v| (v, format!("spec.securityContext.{name}")))
        })
}

fn check_id(value: i64, field: &str) -> Result<i64, ConfigError> {
    if (0..=i64::from(i32::MAX)).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::invalid(
            field,
            format!("Invalid value: {value}: must be between 0 and 2147483647, inclusive"),
        ))
    }
}

/// Applies pod- and container-level securityContext (container wins) to the create body:
/// User "uid[:gid]", ReadonlyRootfs, CapAdd/CapDrop (Kubernetes names with or without
/// `CAP_`, Docker accepts both; drop ALL works), Privileged, SecurityOpt
/// `no-new-privileges` unless allowPrivilegeEscalation is true or the container is
/// privileged (a deliberate difference: Kubernetes sets it only for an explicit false,
/// dockjob makes the safe side the default), GroupAdd for fsGroup and
/// supplementalGroups, Sysctls, seccomp/AppArmor/SELinux options.
pub fn apply_security(
    pod: &Pod,
    container: &Container,
    field: &str,
    config: &mut ContainerCreateBody,
) -> Result<(), ConfigError> {
    let user = effective(
        pod,
        container,
        field,
        "runAsUser",
        |s| s.run_as_user,
        |s| s.run_as_user,
    );
    let group = effective(
        pod,
        container,
        field,
        "runAsGroup",
        |s| s.run_as_group,
        |s| s.run_as_group,
    );
    match (user, group) {
        (Some((u, uf)), Some((g, gf))) => {
            config.user = Some(format!("{}:{}", check_id(u, &uf)?, check_id(g, &gf)?));
        }
        (Some((u, uf)), None) => config.user = Some(check_id(u, &uf)?.to_string()),
        // dockershim's rule: a group needs a user (Docker's User cannot be ":gid").
        (None, Some((_, gf))) => {
            return Err(ConfigError::invalid(
                gf,
                "runAsGroup is specified without a runAsUser",
            ));
        }
        (None, None) => {}
    }

    let sc = container.security_context.as_ref();
    let csc_field = format!("{field}.securityContext");
    let host = config.host_config.get_or_insert_with(HostConfig::default);
    let mut security_opt: Vec<String> = host.security_opt.take().unwrap_or_default();

    let privileged = sc.and_then(|s| s.privileged).unwrap_or(false);
    if privileged {
        host.privileged = Some(true);
    }
    if sc.and_then(|s| s.read_only_root_filesystem) == Some(true) {
        host.readonly_rootfs = Some(true);
    }
    if let Some(caps) = sc.and_then(|s| s.capabilities.as_ref()) {
        if let Some(add) = caps.add.as_ref().filter(|a| !a.is_empty()) {
            host.cap_add = Some(add.clone());
        }
        if let Some(drop) = caps.drop.as_ref().filter(|d| !d.is_empty()) {
            host.cap_drop = Some(drop.clone());
        }
    }
    if sc.and_then(|s| s.allow_privilege_escalation) == Some(false) {
        // ValidateSecurityContext's rules.
        if privileged {
            return Err(ConfigError::invalid(
                &csc_field,
                "Invalid value: \"\": cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ));
        }
        let adds_sys_admin = sc
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.add.as_ref())
            .is_some_and(|a| a.iter().any(|c| c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN"));
        if adds_sys_admin {
            return Err(ConfigError::invalid(
                &csc_field,
                "Invalid value: \"\": cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
            ));
        }
    }
    // Unset counts as "no": a setuid binary in the image cannot gain privileges unless the
    // pod asks for it.
    if !privileged && sc.and_then(|s| s.allow_privilege_escalation) != Some(true) {
        security_opt.push("no-new-privileges".into());
    }
    match sc.and_then(|s| s.proc_mount.as_deref()) {
        None | Some("Default") => {}
        Some(other) => {
            return Err(ConfigError::invalid(
                format!("{csc_field}.procMount"),
                format!("Unsupported value: {other:?}: dockjob supports \"Default\" only"),
            ));
        }
    }

    let seccomp = effective(
        pod,
        container,
        field,
        "seccompProfile",
        |s| s.seccomp_profile.clone(),
        |s| s.seccomp_profile.clone(),
    );
    if let Some((profile, f)) = seccomp {
        match profile.type_.as_str() {
            "RuntimeDefault" => {}
            "Unconfined" => security_opt.push("seccomp=unconfined".into()),
            other => {
                return Err(ConfigError::invalid(
                    format!("{f}.type"),
                    format!(
                        "Unsupported value: {other:?}: dockjob supports \"RuntimeDefault\" and \"Unconfined\""
                    ),
                ));
            }
        }
    }
    let apparmor = effective(
        pod,
        container,
        field,
        "appArmorProfile",
        |s| s.app_armor_profile.clone(),
        |s| s.app_armor_profile.clone(),
    );
    if let Some((profile, f)) = apparmor {
        match profile.type_.as_str() {
            "RuntimeDefault" => {}
            "Unconfined" => security_opt.push("apparmor=unconfined".into()),
            "Localhost" => match profile
                .localhost_profile
                .as_deref()
                .filter(|p| !p.is_empty())
            {
                Some(p) => security_opt.push(format!("apparmor={p}")),
                None => {
                    return Err(ConfigError::invalid(
                        format!("{f}.localhostProfile"),
                        "Required value: must be set when AppArmor type is Localhost",
                    ));
                }
            },
            other => {
                return Err(ConfigError::invalid(
                    format!("{f}.type"),
                    format!(
                        "Unsupported value: {other:?}: supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\""
                    ),
                ));
            }
        }
    }
    let selinux = effective(
        pod,
        container,
        field,
        "seLinuxOptions",
        |s| s.se_linux_options.clone(),
        |s| s.se_linux_options.clone(),
    );
    if let Some((o, _)) = selinux {
        for (key, value) in [
            ("user", &o.user),
            ("role", &o.role),
            ("type", &o.type_),
            ("level", &o.level),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                security_opt.push(format!("label={key}:{v}"));
            }
        }
    }
    if !security_opt.is_empty() {
        host.security_opt = Some(security_opt);
    }

    if let Some(psc) = pod_sc(pod) {
        // The kubelet gives the container fsGroup and supplementalGroups as extra groups.
        let mut groups: Vec<String> = Vec::new();
        if let Some(g) = psc.fs_group {
            groups.push(check_id(g, "spec.securityContext.fsGroup")?.to_string());
        }
        for (i, g) in psc.supplemental_groups.iter().flatten().enumerate() {
            let g =
                check_id(*g, &format!("spec.securityContext.supplementalGroups[{i}]"))?.to_string();
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        if !groups.is_empty() {
            host.group_add = Some(groups);
        }
        match psc.supplemental_groups_policy.as_deref() {
            None | Some("Merge") => {}
            Some(other) => {
                return Err(ConfigError::invalid(
                    "spec.securityContext.supplementalGroupsPolicy",
                    format!(
                        "Unsupported value: {other:?}: dockjob supports \"Merge\" only (Docker always adds the groups of /etc/group)"
                    ),
                ));
            }
        }
        if let Some(sysctls) = psc.sysctls.as_ref().filter(|s| !s.is_empty()) {
            host.sysctls = Some(
                sysctls
                    .iter()
                    .map(|s| (s.name.clone(), s.value.clone()))
                    .collect(),
            );
        }
    }
    Ok(())
}

/// The kubelet's `format.Pod`: `name_namespace(uid)`.
fn format_pod(pod: &Pod) -> String {
    format!(
        "{}_{}({})",
        pod.metadata.name.as_deref().unwrap_or(""),
        namespace(pod),
        pod.metadata.uid.as_deref().unwrap_or("")
    )
}

/// runAsNonRoot (the kubelet's verifyRunAsNonRoot): Ok when not requested; otherwise the
/// effective user is the securityContext runAsUser or else the image's `Config.User`
/// (`image_user`, e.g. "", "root", "0", "1000:1000", "nobody"; None = unknown, taken as
/// empty). Root (runAsUser 0, uid 0, empty) -> Missing with the kubelet's message; a
/// non-numeric user name (including "root", as the kubelet: it cannot resolve names) ->
/// Missing with "image has non-numeric user (nobody), cannot verify user is non-root".
pub fn check_run_as_non_root(
    pod: &Pod,
    container: &Container,
    image_user: Option<&str>,
) -> Result<(), ConfigError> {
    let non_root = effective(
        pod,
        container,
        "",
        "runAsNonRoot",
        |s| s.run_as_non_root,
        |s| s.run_as_non_root,
    );
    if !matches!(non_root, Some((true, _))) {
        return Ok(());
    }
    let who = format!(
        "(pod: {:?}, container: {})",
        format_pod(pod),
        container.name
    );
    let run_as_user = effective(
        pod,
        container,
        "",
        "runAsUser",
        |s| s.run_as_user,
        |s| s.run_as_user,
    );
    if let Some((uid, _)) = run_as_user {
        if uid == 0 {
            return Err(ConfigError::Missing(format!(
                "container's runAsUser breaks non-root policy {who}"
            )));
        }
        return Ok(());
    }
    // getUserFromImageUser: the part before `:`, numeric -> uid, else a user name; an
    // empty user is root.
    let user = image_user.unwrap_or("").split(':').next().unwrap_or("");
    if user.is_empty() {
        return Err(ConfigError::Missing(format!(
            "container has runAsNonRoot and image will run as root {who}"
        )));
    }
    match user.parse::<i64>() {
        Ok(0) => Err(ConfigError::Missing(format!(
            "container has runAsNonRoot and image will run as root {who}"
        ))),
        Ok(uid) if !(0..=i64::from(i32::MAX)).contains(&uid) => Err(ConfigError::Missing(format!(
            "container has runAsNonRoot and image has an invalid user id ({uid}). (Must be 1-({})): must be between 0 and 2147483647, inclusive {who}",
            i32::MAX
        ))),
        Ok(_) => Ok(()),
        Err(_) => Err(ConfigError::Missing(format!(
            "container has runAsNonRoot and image has non-numeric user ({user}), cannot verify user is non-root {who}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        AppArmorProfile, Capabilities, PodSpec, SELinuxOptions, SeccompProfile, Sysctl,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn pod(psc: Option<PodSecurityContext>, csc: Option<SecurityContext>) -> (Pod, Container) {
        let c = Container {
            name: "main".into(),
            security_context: csc,
            ..Default::default()
        };
        let p = Pod {
            metadata: ObjectMeta {
                name: Some("p".into()),
                namespace: Some("default".into()),
                uid: Some("uid-1".into()),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![c.clone()],
                security_context: psc,
                ..Default::default()
            }),
            status: None,
        };
        (p, c)
    }

    fn apply(
        psc: Option<PodSecurityContext>,
        csc: Option<SecurityContext>,
    ) -> Result<ContainerCreateBody, ConfigError> {
        let (p, c) = pod(psc, csc);
        let mut body = ContainerCreateBody::default();
        apply_security(&p, &c, "spec.containers[0]", &mut body)?;
        Ok(body)
    }

    fn invalid_field(r: Result<ContainerCreateBody, ConfigError>) -> String {
        match r {
            Err(ConfigError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn nothing_set_changes_nothing_visible() {
        let body = apply(None, None).unwrap();
        assert_eq!(body.user, None);
        // Only dockjob's default no-new-privileges.
        assert_eq!(
            body.host_config,
            Some(HostConfig {
                security_opt: Some(vec!["no-new-privileges".into()]),
                ..HostConfig::default()
            })
        );
    }

    #[test]
    fn user_and_group_with_container_precedence() {
        let psc = PodSecurityContext {
            run_as_user: Some(1000),
            run_as_group: Some(3000),
            ..Default::default()
        };
        let body = apply(Some(psc.clone()), None).unwrap();
        assert_eq!(body.user.as_deref(), Some("1000:3000"));
        let csc = SecurityContext {
            run_as_user: Some(2000),
            ..Default::default()
        };
        let body = apply(Some(psc), Some(csc)).unwrap();
        assert_eq!(body.user.as_deref(), Some("2000:3000"));
        let body = apply(
            None,
            Some(SecurityContext {
                run_as_user: Some(0),
                ..Default::default()
            }),
        )
        .unwrap();
        assert_eq!(body.user.as_deref(), Some("0"));
        // A group alone cannot be expressed.
        let r = apply(
            Some(PodSecurityContext {
                run_as_group: Some(5),
                ..Default::default()
            }),
            None,
        );
        assert_eq!(invalid_field(r), "spec.securityContext.runAsGroup");
        let r = apply(
            None,
            Some(SecurityContext {
                run_as_user: Some(-1),
                ..Default::default()
            }),
        );
        assert_eq!(
            invalid_field(r),
            "spec.containers[0].securityContext.runAsUser"
        );
    }

    #[test]
    fn container_only_fields() {
        let csc = SecurityContext {
            read_only_root_filesystem: Some(true),
            privileged: Some(true),
            capabilities: Some(Capabilities {
                add: Some(vec!["NET_ADMIN".into(), "CAP_SYS_TIME".into()]),
                drop: Some(vec!["ALL".into()]),
            }),
            ..Default::default()
        };
        let host = apply(None, Some(csc)).unwrap().host_config.unwrap();
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(host.privileged, Some(true));
        assert_eq!(
            host.cap_add,
            Some(vec!["NET_ADMIN".to_string(), "CAP_SYS_TIME".to_string()])
        );
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_string()]));
        // Privileged: no no-new-privileges.
        assert_eq!(host.security_opt, None);
    }

    #[test]
    fn no_new_privileges_and_its_validation() {
        let csc = SecurityContext {
            allow_privilege_escalation: Some(false),
            ..Default::default()
        };
        let host = apply(None, Some(csc.clone())).unwrap().host_config.unwrap();
        assert_eq!(
            host.security_opt,
            Some(vec!["no-new-privileges".to_string()])
        );
        // Unset: no-new-privileges too (dockjob's default); true: nothing.
        let unset = apply(None, None).unwrap().host_config.unwrap();
        assert_eq!(
            unset.security_opt,
            Some(vec!["no-new-privileges".to_string()])
        );
        let host = apply(
            None,
            Some(SecurityContext {
                allow_privilege_escalation: Some(true),
                ..Default::default()
            }),
        )
        .unwrap()
        .host_config
        .unwrap();
        assert_eq!(host.security_opt, None);
        let r = apply(
            None,
            Some(SecurityContext {
                privileged: Some(true),
                ..csc.clone()
            }),
        );
        assert_eq!(invalid_field(r), "spec.containers[0].securityContext");
        let r = apply(
            None,
            Some(SecurityContext {
                capabilities: Some(Capabilities {
                    add: Some(vec!["SYS_ADMIN".into()]),
                    drop: None,
                }),
                ..csc
            }),
        );
        assert_eq!(invalid_field(r), "spec.containers[0].securityContext");
    }

    #[test]
    fn pod_level_groups_sysctls_and_profiles() {
        let psc = PodSecurityContext {
            fs_group: Some(2000),
            supplemental_groups: Some(vec![3000, 2000, 4000]),
            sysctls: Some(vec![Sysctl {
                name: "net.ipv4.ip_local_port_range".into(),
                value: "1024 65000".into(),
            }]),
            seccomp_profile: Some(SeccompProfile {
                type_: "Unconfined".into(),
                localhost_profile: None,
            }),
            se_linux_options: Some(SELinuxOptions {
                level: Some("s0:c123,c456".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let csc = SecurityContext {
            app_armor_profile: Some(AppArmorProfile {
                type_: "Localhost".into(),
                localhost_profile: Some("k8s-deny-write".into()),
            }),
            ..Default::default()
        };
        let host = apply(Some(psc.clone()), Some(csc))
            .unwrap()
            .host_config
            .unwrap();
        assert_eq!(
            host.group_add,
            Some(vec![
                "2000".to_string(),
                "3000".to_string(),
                "4000".to_string()
            ])
        );
        assert_eq!(
            host.sysctls.unwrap()["net.ipv4.ip_local_port_range"],
            "1024 65000"
        );
        assert_eq!(
            host.security_opt,
            Some(vec![
                "no-new-privileges".to_string(),
                "seccomp=unconfined".to_string(),
                "apparmor=k8s-deny-write".to_string(),
                "label=level:s0:c123,c456".to_string(),
            ])
        );
        // The container's RuntimeDefault wins over the pod's Unconfined.
        let csc = SecurityContext {
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                localhost_profile: None,
            }),
            ..Default::default()
        };
        let host = apply(Some(psc), Some(csc)).unwrap().host_config.unwrap();
        assert!(
            !host
                .security_opt
                .unwrap()
                .contains(&"seccomp=unconfined".to_string())
        );
        let r = apply(
            None,
            Some(SecurityContext {
                seccomp_profile: Some(SeccompProfile {
                    type_: "Localhost".into(),
                    localhost_profile: Some("x.json".into()),
                }),
                ..Default::default()
            }),
        );
        assert_eq!(
            invalid_field(r),
            "spec.containers[0].securityContext.seccompProfile.type"
        );
        let r = apply(
            None,
            Some(SecurityContext {
                proc_mount: Some("Unmasked".into()),
                ..Default::default()
            }),
        );
        assert_eq!(
            invalid_field(r),
            "spec.containers[0].securityContext.procMount"
        );
    }

    #[test]
    fn run_as_non_root_like_the_kubelet() {
        let non_root = |user: Option<i64>| SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: user,
            ..Default::default()
        };
        let check =
            |psc: Option<PodSecurityContext>, csc: Option<SecurityContext>, image: Option<&str>| {
                let (p, c) = pod(psc, csc);
                check_run_as_non_root(&p, &c, image)
            };
        let missing = |m: &str| Err(ConfigError::Missing(m.into()));
        let who = "(pod: \"p_default(uid-1)\", container: main)";
        // Not requested: anything goes.
        assert_eq!(check(None, None, Some("")), Ok(()));
        assert_eq!(
            check(
                None,
                Some(SecurityContext {
                    run_as_non_root: Some(false),
                    ..Default::default()
                }),
                None
            ),
            Ok(())
        );
        for image in [Some(""), None, Some("0"), Some("0:0")] {
            assert_eq!(
                check(None, Some(non_root(None)), image),
                missing(&format!(
                    "container has runAsNonRoot and image will run as root {who}"
                )),
                "{image:?}"
            );
        }
        assert_eq!(
            check(None, Some(non_root(None)), Some("nobody")),
            missing(&format!(
                "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root {who}"
            ))
        );
        assert_eq!(
            check(None, Some(non_root(None)), Some("root:root")),
            missing(&format!(
                "container has runAsNonRoot and image has non-numeric user (root), cannot verify user is non-root {who}"
            ))
        );
        assert_eq!(check(None, Some(non_root(None)), Some("1000:1000")), Ok(()));
        assert!(matches!(
            check(None, Some(non_root(None)), Some("4294967296")),
            Err(ConfigError::Missing(m)) if m.contains("invalid user id (4294967296)")
        ));
        // runAsUser decides over the image; 0 breaks the policy.
        assert_eq!(check(None, Some(non_root(Some(1000))), Some("")), Ok(()));
        assert_eq!(
            check(None, Some(non_root(Some(0))), Some("1000")),
            missing(&format!(
                "container's runAsUser breaks non-root policy {who}"
            ))
        );
        // Pod-level runAsNonRoot and runAsUser count.
        let psc = PodSecurityContext {
            run_as_non_root: Some(true),
            ..Default::default()
        };
        assert!(check(Some(psc.clone()), None, Some("root")).is_err());
        let psc = PodSecurityContext {
            run_as_user: Some(1000),
            ..psc
        };
        assert_eq!(check(Some(psc), None, Some("root")), Ok(()));
    }
}
