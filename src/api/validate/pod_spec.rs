//! The parts of `ValidatePodSpec` that issue 5's pod template brings: volumes and
//! their mounts, `env` `valueFrom` and `envFrom`, security contexts, extended
//! resources (`nvidia.com/gpu`), hostname and subdomain. Messages are Kubernetes'
//! (pkg/apis/core/validation/validation.go), word for word.
//!
//! Pure; called by `validate_pod_spec` in the parent module, which owns the order.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, EnvVar, KeyToPath, ObjectFieldSelector, PodSpec, SecurityContext, Volume,
};

use super::{BadValue, FieldError, port_name_errors, quantity_nanos, validate_labels};
use crate::api::defaults::has_other_volume_source;
use crate::api::names::{validate_config_map_key, validate_dns1123_label, validate_object_name};

/// `fileModeErrorMsg`.
const FILE_MODE_MSG: &str = "must be a number between 0 and 0777 (octal), both inclusive";
/// `validation.InclusiveRangeError(0, math.MaxInt32)` of user and group ids.
const ID_RANGE_MSG: &str = "must be between 0 and 2147483647, inclusive";
/// `supportedHostPathTypes`, sorted as `sets.List` sorts them.
const HOST_PATH_TYPES: &[&str] = &[
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
];
/// `validEnvDownwardAPIFieldPathExpressions`, sorted.
const ENV_FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];
/// Labels `ConvertDownwardAPIFieldLabel` knows for v1 pods.
const CONVERTIBLE_FIELD_LABELS: &[&str] = &[
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];
/// Extended resources dockjob maps (and Kubernetes does not overcommit).
const GPU: &str = "nvidia.com/gpu";

/// The names of the volumes that validated (`ValidateVolumes`' `vols` map): mounts
/// may only name these.
pub(super) type VolumeNames = BTreeSet<String>;

/// `ValidateVolumes`: each volume's source, its name (required, a DNS-1123 label,
/// unique). A volume with any error is left out of the names mounts may use.
pub(super) fn validate_volumes(
    spec: &PodSpec,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> VolumeNames {
    let mut names = VolumeNames::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let idx = format!("{path}.volumes[{i}]");
        let mut el = Vec::new();
        validate_volume_source(v, &idx, &mut el);
        let name_path = format!("{idx}.name");
        if v.name.is_empty() {
            el.push(FieldError::required(&name_path, ""));
        } else {
            for msg in validate_dns1123_label(&v.name) {
                el.push(FieldError::invalid(&name_path, v.name.as_str().into(), msg));
            }
        }
        if names.contains(&v.name) {
            el.push(FieldError::duplicate(&name_path, v.name.as_str().into()));
        }
        if el.is_empty() {
            names.insert(v.name.clone());
        } else {
            errs.extend(el);
        }
    }
    names
}

/// `validateVolumeSource` for the sources dockjob mounts; the others are refused at
/// decoding but still count, so "more than 1 volume type" reads as in Kubernetes.
fn validate_volume_source(v: &Volume, path: &str, errs: &mut Vec<FieldError>) {
    let mut count = 0;
    let mut one_more = |name: &str, errs: &mut Vec<FieldError>| -> bool {
        if count > 0 {
            errs.push(FieldError::forbidden(
                format!("{path}.{name}"),
                "may not specify more than 1 volume type",
            ));
            false
        } else {
            count += 1;
            true
        }
    };
    if let Some(e) = &v.empty_dir {
        one_more("emptyDir", errs);
        if let Some(limit) = &e.size_limit
            && quantity_nanos(&limit.0).is_some_and(|n| n < 0)
        {
            errs.push(FieldError::forbidden(
                format!("{path}.emptyDir.sizeLimit"),
                "SizeLimit field must be a valid resource quantity",
            ));
        }
    }
    if let Some(hp) = &v.host_path
        && one_more("hostPath", errs)
    {
        let p = format!("{path}.hostPath");
        if hp.path.is_empty() {
            errs.push(FieldError::required(format!("{p}.path"), ""));
        } else {
            path_no_backsteps(&hp.path, &format!("{p}.path"), errs);
            if let Some(t) = &hp.type_
                && !HOST_PATH_TYPES.contains(&t.as_str())
            {
                errs.push(FieldError::not_supported(
                    format!("{p}.type"),
                    t.as_str().into(),
                    HOST_PATH_TYPES,
                ));
            }
        }
    }
    if let Some(s) = &v.secret
        && one_more("secret", errs)
    {
        let p = format!("{path}.secret");
        if s.secret_name.as_deref().unwrap_or("").is_empty() {
            errs.push(FieldError::required(format!("{p}.secretName"), ""));
        }
        file_mode(s.default_mode, &format!("{p}.defaultMode"), errs);
        key_to_paths(s.items.as_deref(), &p, errs);
    }
    let others = [
        ("nfs", v.nfs.is_some()),
        ("persistentVolumeClaim", v.persistent_volume_claim.is_some()),
        ("downwarAPI", v.downward_api.is_some()),
    ];
    for (name, set) in others {
        if set {
            one_more(name, errs);
        }
    }
    if let Some(cm) = &v.config_map
        && one_more("configMap", errs)
    {
        let p = format!("{path}.configMap");
        if cm.name.is_empty() {
            errs.push(FieldError::required(format!("{p}.name"), ""));
        }
        file_mode(cm.default_mode, &format!("{p}.defaultMode"), errs);
        key_to_paths(cm.items.as_deref(), &p, errs);
    }
    if v.projected.is_some() {
        one_more("projected", errs);
    }
    let any_other = has_other_volume_source(v);
    if any_other {
        count += 1;
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
}

fn file_mode(mode: Option<i32>, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(m) = mode
        && !(0..=0o777).contains(&m)
    {
        errs.push(FieldError::invalid(
            path,
            BadValue::Int(i64::from(m)),
            FILE_MODE_MSG,
        ));
    }
}

/// `validateKeyToPath` for each item.
fn key_to_paths(items: Option<&[KeyToPath]>, source: &str, errs: &mut Vec<FieldError>) {
    for (i, kp) in items.unwrap_or(&[]).iter().enumerate() {
        let p = format!("{source}.items[{i}]");
        if kp.key.is_empty() {
            errs.push(FieldError::required(format!("{p}.key"), ""));
        }
        if kp.path.is_empty() {
            errs.push(FieldError::required(format!("{p}.path"), ""));
        }
        local_non_reserved_path(&kp.path, &format!("{p}.path"), errs);
        file_mode(kp.mode, &format!("{p}.mode"), errs);
    }
}

/// `validatePathNoBacksteps`.
fn path_no_backsteps(target: &str, path: &str, errs: &mut Vec<FieldError>) {
    if target.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid(
            path,
            target.into(),
            "must not contain '..'",
        ));
    }
}

/// `validateLocalDescendingPath`: relative, without `..` elements.
fn local_descending_path(target: &str, path: &str, errs: &mut Vec<FieldError>) {
    if target.starts_with('/') {
        errs.push(FieldError::invalid(
            path,
            target.into(),
            "must be a relative path",
        ));
    }
    path_no_backsteps(target, path, errs);
}

/// `ValidateLocalNonReservedPath`: also not starting with `..`.
fn local_non_reserved_path(target: &str, path: &str, errs: &mut Vec<FieldError>) {
    local_descending_path(target, path, errs);
    if target.starts_with("..") && !target.starts_with("../") {
        errs.push(FieldError::invalid(
            path,
            target.into(),
            "must not start with '..'",
        ));
    }
}

/// The rest of `validateContainerCommon`: env sources, envFrom, volume mounts,
/// extended resources and the security context.
pub(super) fn validate_container_more(
    c: &Container,
    vols: &VolumeNames,
    path: &str,
    errs: &mut Vec<FieldError>,
) {
    for (i, e) in c.env.iter().flatten().enumerate() {
        env_value_from(e, &format!("{path}.env[{i}].valueFrom"), errs);
    }
    env_from(c, &format!("{path}.envFrom"), errs);
    volume_mounts(c, vols, &format!("{path}.volumeMounts"), errs);
    extended_resources(c, &format!("{path}.resources"), errs);
    if let Some(sc) = &c.security_context {
        security_context(sc, &format!("{path}.securityContext"), errs);
    }
}

/// `validateEnvVarValueFrom`.
fn env_value_from(e: &EnvVar, path: &str, errs: &mut Vec<FieldError>) {
    let Some(from) = &e.value_from else {
        return;
    };
    let mut sources = 0;
    if let Some(f) = &from.field_ref {
        sources += 1;
        object_field_selector(f, &format!("{path}.fieldRef"), errs);
    }
    if from.resource_field_ref.is_some() {
        sources += 1;
    }
    if let Some(r) = &from.config_map_key_ref {
        sources += 1;
        key_selector(&r.name, &r.key, &format!("{path}.configMapKeyRef"), errs);
    }
    if let Some(r) = &from.secret_key_ref {
        sources += 1;
        key_selector(&r.name, &r.key, &format!("{path}.secretKeyRef"), errs);
    }
    if from.file_key_ref.is_some() {
        sources += 1;
    }
    if sources == 0 {
        errs.push(FieldError::invalid(
            path,
            "".into(),
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ));
    } else if !e.value.as_deref().unwrap_or("").is_empty() {
        errs.push(FieldError::invalid(
            path,
            "".into(),
            "may not be specified when `value` is not empty",
        ));
    } else if sources > 1 {
        errs.push(FieldError::invalid(
            path,
            "".into(),
            "may not have more than one field specified at a time",
        ));
    }
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`: the name is a
/// DNS-1123 subdomain (even when empty), the key a config key.
fn key_selector(name: &str, key: &str, path: &str, errs: &mut Vec<FieldError>) {
    for msg in validate_object_name(name, false) {
        errs.push(FieldError::invalid(
            format!("{path}.name"),
            name.into(),
            msg,
        ));
    }
    if key.is_empty() {
        errs.push(FieldError::required(format!("{path}.key"), ""));
    } else {
        for msg in validate_config_map_key(key) {
            errs.push(FieldError::invalid(format!("{path}.key"), key.into(), msg));
        }
    }
}

/// fieldpath `SplitMaybeSubscriptedPath`: `metadata.labels['app']` → (path, key).
fn split_subscript(field_path: &str) -> Option<(&str, &str)> {
    let rest = field_path.strip_suffix("']")?;
    let (path, key) = rest.split_once("['")?;
    Some((path, key))
}

/// `validateObjectFieldSelector` with the env var paths.
fn object_field_selector(f: &ObjectFieldSelector, path: &str, errs: &mut Vec<FieldError>) {
    let api_version = f.api_version.as_deref().unwrap_or("");
    if api_version.is_empty() {
        errs.push(FieldError::required(format!("{path}.apiVersion"), ""));
        return;
    }
    if f.field_path.is_empty() {
        errs.push(FieldError::required(format!("{path}.fieldPath"), ""));
        return;
    }
    let fp = f.field_path.as_str();
    let fp_path = format!("{path}.fieldPath");
    let conversion = if api_version != "v1" {
        Err(format!("unsupported pod version: {api_version}"))
    } else if let Some((p, _)) = split_subscript(fp) {
        if matches!(p, "metadata.annotations" | "metadata.labels") {
            Ok(())
        } else {
            Err(format!("field label does not support subscript: {fp}"))
        }
    } else if CONVERTIBLE_FIELD_LABELS.contains(&fp) || fp == "spec.host" {
        Ok(())
    } else {
        Err(format!("field label not supported: {fp}"))
    };
    if let Err(e) = conversion {
        errs.push(FieldError::invalid(
            fp_path,
            fp.into(),
            format!("error converting fieldPath: {e}"),
        ));
        return;
    }
    let internal = if fp == "spec.host" {
        "spec.nodeName"
    } else {
        fp
    };
    if let Some((p, key)) = split_subscript(internal) {
        let key = if p == "metadata.annotations" {
            key.to_lowercase()
        } else {
            key.to_string()
        };
        for msg in crate::api::names::validate_label_key(&key) {
            errs.push(FieldError::invalid(path, key.as_str().into(), msg));
        }
    } else if !ENV_FIELD_PATHS.contains(&internal) {
        errs.push(FieldError::not_supported(
            fp_path,
            internal.into(),
            ENV_FIELD_PATHS,
        ));
    }
}

/// The relaxed env var name rule (on by default since 1.32), for `envFrom` prefixes.
fn relaxed_env_name_errors(name: &str) -> Vec<String> {
    if name
        .chars()
        .any(|ch| !ch.is_ascii() || ch.is_ascii_control() || ch == '=')
    {
        vec!["a valid environment variable name must consist only of printable ASCII characters other than '='".to_string()]
    } else {
        Vec::new()
    }
}

/// `ValidateEnvFrom`.
fn env_from(c: &Container, path: &str, errs: &mut Vec<FieldError>) {
    for (i, ef) in c.env_from.iter().flatten().enumerate() {
        let idx = format!("{path}[{i}]");
        let prefix = ef.prefix.as_deref().unwrap_or("");
        if !prefix.is_empty() {
            for msg in relaxed_env_name_errors(prefix) {
                errs.push(FieldError::invalid(
                    format!("{idx}.prefix"),
                    prefix.into(),
                    msg,
                ));
            }
        }
        let mut sources = 0;
        let refs = [
            (
                "configMapRef",
                ef.config_map_ref.as_ref().map(|r| r.name.as_str()),
            ),
            ("secretRef", ef.secret_ref.as_ref().map(|r| r.name.as_str())),
        ];
        for (field, name) in refs {
            let Some(name) = name else {
                continue;
            };
            sources += 1;
            let name_path = format!("{idx}.{field}.name");
            if name.is_empty() {
                errs.push(FieldError::required(name_path, ""));
            } else {
                for msg in validate_object_name(name, true) {
                    errs.push(FieldError::invalid(&name_path, name.into(), msg));
                }
            }
        }
        if sources == 0 {
            errs.push(FieldError::invalid(
                path,
                "".into(),
                "must specify one of: `configMapRef` or `secretRef`",
            ));
        } else if sources > 1 {
            errs.push(FieldError::invalid(
                path,
                "".into(),
                "may not have more than one field specified at a time",
            ));
        }
    }
}

/// `ValidateVolumeMounts`: a known volume, a unique mount path, a relative subPath
/// without `..` (reported at `volumeMounts.subPath`, as Kubernetes does).
fn volume_mounts(c: &Container, vols: &VolumeNames, path: &str, errs: &mut Vec<FieldError>) {
    let mut mount_points = BTreeSet::new();
    for (i, m) in c.volume_mounts.iter().flatten().enumerate() {
        let idx = format!("{path}[{i}]");
        if m.name.is_empty() {
            errs.push(FieldError::required(format!("{idx}.name"), ""));
        }
        if !vols.contains(&m.name) {
            errs.push(FieldError::not_found(
                format!("{idx}.name"),
                m.name.as_str().into(),
            ));
        }
        if m.mount_path.is_empty() {
            errs.push(FieldError::required(format!("{idx}.mountPath"), ""));
        }
        if !mount_points.insert(m.mount_path.as_str()) {
            errs.push(FieldError::invalid(
                format!("{idx}.mountPath"),
                m.mount_path.as_str().into(),
                "must be unique",
            ));
        }
        if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
            local_descending_path(sub, &format!("{path}.subPath"), errs);
        }
    }
}

/// `validateResourceRequirements` for the extended resource dockjob maps: a GPU count
/// is an integer, and requests equal limits (GPUs are not overcommitted).
fn extended_resources(c: &Container, path: &str, errs: &mut Vec<FieldError>) {
    let Some(r) = &c.resources else {
        return;
    };
    let empty = BTreeMap::new();
    let limits = r.limits.as_ref().unwrap_or(&empty);
    let requests = r.requests.as_ref().unwrap_or(&empty);
    for (which, list) in [("limits", limits), ("requests", requests)] {
        if let Some(q) = list.get(GPU)
            && quantity_nanos(&q.0).is_some_and(|n| n % 1_000_000_000 != 0)
        {
            errs.push(FieldError::invalid(
                format!("{path}.{which}[{GPU}]"),
                q.0.as_str().into(),
                "must be an integer",
            ));
        }
    }
    if let Some(req) = requests.get(GPU) {
        match limits.get(GPU) {
            Some(limit) if quantity_nanos(&req.0) != quantity_nanos(&limit.0) => {
                errs.push(FieldError::invalid(
                    format!("{path}.requests"),
                    req.0.as_str().into(),
                    format!("must be equal to {GPU} limit of {}", limit.0),
                ));
            }
            Some(_) => {}
            None => errs.push(FieldError::required(
                format!("{path}.limits"),
                "Limit must be set for non overcommitable resources",
            )),
        }
    }
}

/// `IsValidUserID` / `IsValidGroupID`.
fn id_range(value: Option<i64>, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(v) = value
        && !(0..=i64::from(i32::MAX)).contains(&v)
    {
        errs.push(FieldError::invalid(path, BadValue::Int(v), ID_RANGE_MSG));
    }
}

/// Go's `%#v` of an optional pointer field: `(*bool)(nil)` or the value behind it
/// (Kubernetes prints an address there; dockjob prints the value, which says more).
fn go_ptr<T: std::fmt::Debug>(ty: &str, v: Option<&T>) -> String {
    match v {
        None => format!("(*{ty})(nil)"),
        Some(v) => format!("(*{ty})({v:?})"),
    }
}

/// `ValidateSecurityContext`.
fn security_context(sc: &SecurityContext, path: &str, errs: &mut Vec<FieldError>) {
    id_range(sc.run_as_user, &format!("{path}.runAsUser"), errs);
    id_range(sc.run_as_group, &format!("{path}.runAsGroup"), errs);
    if sc.allow_privilege_escalation == Some(false) {
        let shown = || {
            BadValue::Raw(format!(
                "core.SecurityContext{{Capabilities:{}, Privileged:{}, RunAsUser:{}, RunAsGroup:{}, RunAsNonRoot:{}, ReadOnlyRootFilesystem:{}, AllowPrivilegeEscalation:{}}}",
                go_ptr("core.Capabilities", sc.capabilities.as_ref()),
                go_ptr("bool", sc.privileged.as_ref()),
                go_ptr("int64", sc.run_as_user.as_ref()),
                go_ptr("int64", sc.run_as_group.as_ref()),
                go_ptr("bool", sc.run_as_non_root.as_ref()),
                go_ptr("bool", sc.read_only_root_filesystem.as_ref()),
                go_ptr("bool", sc.allow_privilege_escalation.as_ref()),
            ))
        };
        if sc.privileged == Some(true) {
            errs.push(FieldError::invalid(
                path,
                shown(),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ));
        }
        let adds = sc
            .capabilities
            .as_ref()
            .and_then(|c| c.add.as_deref())
            .unwrap_or(&[]);
        for cap in adds {
            if cap == "CAP_SYS_ADMIN" {
                errs.push(FieldError::invalid(
                    path,
                    shown(),
                    "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
                ));
            }
        }
    }
}

/// The pod-level checks of `ValidatePodSpec` after the containers: node selector
/// labels, the pod security context's ids, hostname and subdomain.
pub(super) fn validate_pod_spec_more(spec: &PodSpec, path: &str, errs: &mut Vec<FieldError>) {
    errs.extend(validate_labels(
        spec.node_selector.as_ref(),
        &format!("{path}.nodeSelector"),
    ));
    if let Some(sc) = &spec.security_context {
        let p = format!("{path}.securityContext");
        id_range(sc.run_as_user, &format!("{p}.runAsUser"), errs);
        id_range(sc.run_as_group, &format!("{p}.runAsGroup"), errs);
    }
    for (field, value) in [("hostname", &spec.hostname), ("subdomain", &spec.subdomain)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            for msg in validate_dns1123_label(v) {
                errs.push(FieldError::invalid(
                    format!("{path}.{field}"),
                    v.into(),
                    msg,
                ));
            }
        }
    }
}

/// `ValidatePortNumOrName` for a Service's `targetPort`.
pub(super) fn port_num_or_name(
    port: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString,
    path: &str,
    errs: &mut Vec<FieldError>,
) {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match port {
        IntOrString::Int(n) => {
            if !(1..=65535).contains(n) {
                errs.push(FieldError::invalid(
                    path,
                    BadValue::Int(i64::from(*n)),
                    "must be between 1 and 65535, inclusive",
                ));
            }
        }
        IntOrString::String(s) => {
            for msg in port_name_errors(s) {
                errs.push(FieldError::invalid(path, s.as_str().into(), msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::api::validate::create_errors;

    /// A pod whose spec is `spec` (YAML, indented two spaces), defaulted and validated.
    fn errors(spec: &str) -> Vec<String> {
        create_errors(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}"
        ))
    }

    #[test]
    fn volumes_and_mounts() {
        let ok = "  containers:\n  - name: c\n    image: i\n    volumeMounts: [{name: w, mountPath: /w}, {name: s, mountPath: /s, subPath: a/b}]\n  volumes: [{name: w, emptyDir: {}}, {name: s, secret: {secretName: x}}]\n";
        assert!(errors(ok).is_empty(), "{:?}", errors(ok));
        let errs = errors(
            "  containers:\n  - name: c\n    image: i\n    volumeMounts: [{name: nope, mountPath: /w}, {name: w, mountPath: /w, subPath: ../x}]\n  volumes: [{name: w, emptyDir: {}}, {name: w, emptyDir: {}}, {name: Bad, configMap: {name: \"\"}}]\n",
        );
        assert_eq!(
            errs,
            [
                "spec.volumes[1].name: Duplicate value: \"w\"",
                "spec.volumes[2].configMap.name: Required value",
                "spec.volumes[2].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "spec.containers[0].volumeMounts[0].name: Not found: \"nope\"",
                "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/w\": must be unique",
                "spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
            ]
        );
        let errs = errors(
            "  containers: [{name: c, image: i}]\n  volumes:\n  - name: v\n    hostPath: {path: /tmp, type: Dir}\n  - name: m\n    configMap: {name: x, defaultMode: 01000, items: [{key: \"\", path: /abs}]}\n  - name: two\n    emptyDir: {}\n    hostPath: {path: /x}\n",
        );
        assert_eq!(
            errs,
            [
                "spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
                "spec.volumes[1].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
                "spec.volumes[1].configMap.items[0].key: Required value",
                "spec.volumes[1].configMap.items[0].path: Invalid value: \"/abs\": must be a relative path",
                "spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type",
            ]
        );
    }

    #[test]
    fn env_sources() {
        let errs = errors(
            "  containers:\n  - name: c\n    image: i\n    env:\n    - {name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n    - {name: B, valueFrom: {fieldRef: {fieldPath: spec.hostname}}}\n    - {name: C, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}\n    - {name: D, valueFrom: {configMapKeyRef: {name: cfg, key: \"a b\"}}}\n    - {name: E, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}\n    envFrom:\n    - prefix: \"X=\"\n      secretRef: {name: s}\n    - {}\n",
        );
        assert_eq!(
            errs,
            [
                "spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
                "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.hostname\": error converting fieldPath: field label not supported: spec.hostname",
                "spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Unsupported value: \"metadata.labels\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
                "spec.containers[0].env[3].valueFrom.configMapKeyRef.key: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                "spec.containers[0].envFrom[0].prefix: Invalid value: \"X=\": a valid environment variable name must consist only of printable ASCII characters other than '='",
                "spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`",
            ]
        );
    }

    #[test]
    fn containers_names_security_and_gpus() {
        let errs = errors(
            "  hostname: Web\n  securityContext: {runAsUser: -1}\n  initContainers: [{name: c, image: i}]\n  containers:\n  - name: c\n    image: i\n    resources: {limits: {nvidia.com/gpu: 1}, requests: {nvidia.com/gpu: 2}}\n    securityContext: {privileged: true, allowPrivilegeEscalation: false, runAsGroup: 3000000000}\n",
        );
        assert_eq!(errs.len(), 6, "{errs:?}");
        assert_eq!(
            errs[0],
            "spec.containers[0].resources.requests: Invalid value: \"2\": must be equal to nvidia.com/gpu limit of 1"
        );
        assert_eq!(
            errs[1],
            "spec.containers[0].securityContext.runAsGroup: Invalid value: 3000000000: must be between 0 and 2147483647, inclusive"
        );
        assert!(
            errs[2].starts_with(
                "spec.containers[0].securityContext: Invalid value: core.SecurityContext{"
            ),
            "{}",
            errs[2]
        );
        assert!(
            errs[2].ends_with(
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"
            )
        );
        assert_eq!(
            errs[3],
            "spec.initContainers[0].name: Duplicate value: \"c\""
        );
        assert_eq!(
            errs[4],
            "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"
        );
        assert!(
            errs[5]
                .starts_with("spec.hostname: Invalid value: \"Web\": a lowercase RFC 1123 label")
        );
        let errs = errors(
            "  containers:\n  - name: c\n    image: i\n    resources: {requests: {nvidia.com/gpu: 1}}\n",
        );
        assert_eq!(
            errs,
            [
                "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"
            ]
        );
        // Limits alone default the requests (SetDefaults_Pod), which then match.
        assert!(errors("  containers:\n  - name: c\n    image: i\n    resources: {limits: {nvidia.com/gpu: 1}}\n").is_empty());
    }
}
