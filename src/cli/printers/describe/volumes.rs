//! The `Volumes:` section of `describe` (kubectl's `describeVolumes`) for the volume
//! kinds dockjob can run (emptyDir, hostPath, configMap, secret) and the common others;
//! any other kind prints `<unknown>`, as kubectl does for kinds it does not know.

use k8s_openapi::api::core::v1::Volume;

use super::super::quantity;
use super::{LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, Writer};

/// `space` is the prefix of nested sections ("  " inside a pod template).
pub(super) fn describe_volumes(w: &mut Writer, volumes: Option<&Vec<Volume>>, space: &str) {
    let volumes: Vec<&Volume> = volumes.into_iter().flatten().collect();
    if volumes.is_empty() {
        w.write(LEVEL_0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.write(LEVEL_0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.write(LEVEL_1, &format!("{name_indent}{}:\n", v.name));
        describe_source(w, v);
    }
}

fn describe_source(w: &mut Writer, v: &Volume) {
    if let Some(h) = &v.host_path {
        w.write(
            LEVEL_2,
            &format!(
                "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
                h.path,
                h.type_.as_deref().unwrap_or("<none>")
            ),
        );
    } else if let Some(e) = &v.empty_dir {
        let size = e
            .size_limit
            .as_ref()
            .filter(|q| quantity::value(&q.0).is_some_and(|n| n > 0.0))
            .map_or("<unset>".to_string(), |q| q.0.clone());
        w.write(
            LEVEL_2,
            &format!(
                "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
                e.medium.as_deref().unwrap_or("")
            ),
        );
    } else if let Some(s) = &v.secret {
        w.write(
            LEVEL_2,
            &format!(
                "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                s.secret_name.as_deref().unwrap_or(""),
                s.optional.unwrap_or(false)
            ),
        );
    } else if let Some(c) = &v.config_map {
        w.write(
            LEVEL_2,
            &format!(
                "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                c.name,
                c.optional.unwrap_or(false)
            ),
        );
    } else if let Some(n) = &v.nfs {
        w.write(
            LEVEL_2,
            &format!(
                "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
                n.server,
                n.path,
                n.read_only.unwrap_or(false)
            ),
        );
    } else if let Some(c) = &v.persistent_volume_claim {
        w.write(
            LEVEL_2,
            &format!(
                "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                c.claim_name,
                c.read_only.unwrap_or(false)
            ),
        );
    } else if let Some(d) = &v.downward_api {
        w.write(
            LEVEL_2,
            "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n",
        );
        for item in d.items.iter().flatten() {
            if let Some(f) = &item.field_ref {
                w.write(LEVEL_3, &format!("{} -> {}\n", f.field_path, item.path));
            }
            if let Some(r) = &item.resource_field_ref {
                w.write(LEVEL_3, &format!("{} -> {}\n", r.resource, item.path));
            }
        }
    } else if let Some(p) = &v.projected {
        w.write(
            LEVEL_2,
            "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
        );
        for source in p.sources.iter().flatten() {
            if let Some(s) = &source.secret {
                w.write(
                    LEVEL_2,
                    &format!(
                        "SecretName:\t{}\n    Optional:\t{}\n",
                        s.name,
                        s.optional.unwrap_or(false)
                    ),
                );
            } else if source.downward_api.is_some() {
                w.write(LEVEL_2, "DownwardAPI:\ttrue\n");
            } else if let Some(c) = &source.config_map {
                w.write(
                    LEVEL_2,
                    &format!(
                        "ConfigMapName:\t{}\n    Optional:\t{}\n",
                        c.name,
                        c.optional.unwrap_or(false)
                    ),
                );
            } else if let Some(t) = &source.service_account_token {
                w.write(
                    LEVEL_2,
                    &format!(
                        "TokenExpirationSeconds:\t{}\n",
                        t.expiration_seconds.unwrap_or(0)
                    ),
                );
            }
        }
    } else {
        w.write(LEVEL_1, "<unknown>\n");
    }
}
