//! Validation of the kinds issue 5 adds (ConfigMap, Secret, Service, ReplicaSet), of
//! Pod updates, and the per-kind entry points [`validate_object`] and
//! [`validate_object_update`] that admission and `apply` call. Messages are
//! Kubernetes' (pkg/apis/core/validation, pkg/apis/apps/validation and the registry
//! strategies), word for word.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodSpec, Secret, Service, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{
    BadValue, FieldError, FieldErrorKind, IMMUTABLE_MSG, go_label_selector, go_string_map,
    nonnegative, pod_spec, validate_cronjob, validate_cronjob_update, validate_job,
    validate_job_update, validate_label_selector, validate_labels, validate_object_meta,
    validate_object_meta_named, validate_object_meta_update, validate_pod, validate_pod_template,
};
use crate::api::decode::Object;
use crate::api::names::{validate_config_map_key, validate_dns1123_label, validate_service_name};
use crate::api::selector::Selector;

/// `core.MaxSecretSize`: 1 MiB of ConfigMap or Secret data.
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;
/// The message of a change to data that `immutable: true` froze.
pub const IMMUTABLE_WHEN_SET_MSG: &str = "field is immutable when `immutable` is set";

fn too_long(path: &str, max: usize) -> FieldError {
    FieldError {
        path: path.to_string(),
        kind: FieldErrorKind::TooLong,
        detail: format!("may not be more than {max} bytes"),
    }
}

/// `ValidateConfigMapKey` errors of the key `k` of the map `field` (ConfigMap `data`
/// and `binaryData`, Secret `data`), reported at `field[k]`.
fn data_key_errors(field: &str, k: &str, errs: &mut Vec<FieldError>) {
    for msg in validate_config_map_key(k) {
        errs.push(FieldError::invalid(format!("{field}[{k}]"), k.into(), msg));
    }
}

/// `ValidateConfigMap`: keys are config keys, a key may not be in both `data` and
/// `binaryData`, at most 1 MiB in all.
pub fn validate_configmap(cm: &ConfigMap) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&cm.metadata, &mut errs);
    let mut total = 0usize;
    let binary = cm.binary_data.as_ref();
    for (k, v) in cm.data.iter().flatten() {
        data_key_errors("data", k, &mut errs);
        if binary.is_some_and(|b| b.contains_key(k)) {
            errs.push(FieldError::invalid(
                format!("data[{k}]"),
                k.as_str().into(),
                "duplicate of key present in binaryData",
            ));
        }
        total = total.saturating_add(v.len());
    }
    for (k, v) in binary.into_iter().flatten() {
        data_key_errors("binaryData", k, &mut errs);
        total = total.saturating_add(v.0.len());
    }
    if total > MAX_SECRET_SIZE {
        errs.push(too_long("", MAX_SECRET_SIZE));
    }
    errs
}

/// `ValidateConfigMapUpdate`: once `immutable` is true it stays, and so do `data` and
/// `binaryData`.
pub fn validate_configmap_update(old: &ConfigMap, new: &ConfigMap) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden("immutable", IMMUTABLE_WHEN_SET_MSG));
        }
        if old.data != new.data {
            errs.push(FieldError::forbidden("data", IMMUTABLE_WHEN_SET_MSG));
        }
        if old.binary_data != new.binary_data {
            errs.push(FieldError::forbidden("binaryData", IMMUTABLE_WHEN_SET_MSG));
        }
    }
    errs.extend(validate_configmap(new));
    errs
}

/// `ValidateSecret` (after `stringData` is merged into `data`): keys, 1 MiB, and the
/// keys the well-known types require.
pub fn validate_secret(secret: &Secret) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&secret.metadata, &mut errs);
    let empty = BTreeMap::new();
    let data = secret.data.as_ref().unwrap_or(&empty);
    let mut total = 0usize;
    for (k, v) in data {
        data_key_errors("data", k, &mut errs);
        total = total.saturating_add(v.0.len());
    }
    if total > MAX_SECRET_SIZE {
        errs.push(too_long("data", MAX_SECRET_SIZE));
    }
    let require = |key: &str, errs: &mut Vec<FieldError>| {
        errs.push(FieldError::required(format!("data[{key}]"), ""));
    };
    match secret.type_.as_deref().unwrap_or("") {
        "kubernetes.io/service-account-token" => {
            let name = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .map_or("", String::as_str);
            if name.is_empty() {
                errs.push(FieldError::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" | "kubernetes.io/dockerconfigjson" => {
            let key = if secret.type_.as_deref() == Some("kubernetes.io/dockercfg") {
                ".dockercfg"
            } else {
                ".dockerconfigjson"
            };
            match data.get(key) {
                None => require(key, &mut errs),
                Some(bytes) => {
                    if let Err(e) =
                        serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(&bytes.0)
                    {
                        errs.push(FieldError::invalid(
                            format!("data[{key}]"),
                            "<secret contents redacted>".into(),
                            e.to_string(),
                        ));
                    }
                }
            }
        }
        "kubernetes.io/basic-auth"
            if !data.contains_key("username") && !data.contains_key("password") =>
        {
            require("username", &mut errs);
            require("password", &mut errs);
        }
        "kubernetes.io/ssh-auth" if data.get("ssh-privatekey").is_none_or(|v| v.0.is_empty()) => {
            require("ssh-privatekey", &mut errs);
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !data.contains_key(key) {
                    require(key, &mut errs);
                }
            }
        }
        _ => {}
    }
    errs
}

/// `ValidateSecretUpdate`: `type` stays; once `immutable` is true it stays, and so
/// does `data`.
pub fn validate_secret_update(old: &Secret, new: &Secret) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);
    if old.type_ != new.type_ {
        errs.push(FieldError::immutable(
            "type",
            new.type_.as_deref().unwrap_or("").into(),
        ));
    }
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden("immutable", IMMUTABLE_WHEN_SET_MSG));
        }
        if old.data != new.data {
            errs.push(FieldError::forbidden("data", IMMUTABLE_WHEN_SET_MSG));
        }
    }
    errs.extend(validate_secret(new));
    errs
}

/// Go's `%#v` of the `core.ServicePort` key Kubernetes shows for a duplicate
/// port+protocol.
fn go_service_port_key(protocol: &str, port: i32) -> String {
    format!(
        "core.ServicePort{{Name:\"\", Protocol:{protocol:?}, AppProtocol:(*string)(nil), Port:{port}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}"
    )
}

fn is_headless(spec: &ServiceSpec) -> bool {
    spec.cluster_ip.as_deref() == Some("None")
}

/// `ValidateService` for what dockjob accepts (ClusterIP services; decoding refuses
/// the other types and the external-traffic fields by name).
pub fn validate_service(svc: &Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_named(&svc.metadata, validate_service_name, &mut errs);
    let empty = ServiceSpec::default();
    let spec = svc.spec.as_ref().unwrap_or(&empty);
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    if ports.is_empty() && !is_headless(spec) && spec.type_.as_deref() != Some("ExternalName") {
        errs.push(FieldError::required("spec.ports", ""));
    }
    let mut names = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let name = p.name.as_deref().unwrap_or("");
        if ports.len() > 1 && name.is_empty() {
            errs.push(FieldError::required(format!("{path}.name"), ""));
        } else if !name.is_empty() {
            for msg in validate_dns1123_label(name) {
                errs.push(FieldError::invalid(
                    format!("{path}.name"),
                    name.into(),
                    msg,
                ));
            }
            if !names.insert(name) {
                errs.push(FieldError::duplicate(format!("{path}.name"), name.into()));
            }
        }
        if !(1..=65535).contains(&p.port) {
            errs.push(FieldError::invalid(
                format!("{path}.port"),
                BadValue::Int(i64::from(p.port)),
                "must be between 1 and 65535, inclusive",
            ));
        }
        match p.protocol.as_deref().unwrap_or("") {
            "" => errs.push(FieldError::required(format!("{path}.protocol"), "")),
            "SCTP" | "TCP" | "UDP" => {}
            other => errs.push(FieldError::not_supported(
                format!("{path}.protocol"),
                other.into(),
                &["SCTP", "TCP", "UDP"],
            )),
        }
        let target = p.target_port.clone().unwrap_or(IntOrString::Int(0));
        pod_spec::port_num_or_name(&target, &format!("{path}.targetPort"), &mut errs);
    }
    errs.extend(validate_labels(spec.selector.as_ref(), "spec.selector"));
    match spec.session_affinity.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.sessionAffinity", "")),
        "ClientIP" => {}
        "None" => {
            if spec.session_affinity_config.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.sessionAffinityConfig",
                    "must not be set when session affinity is None",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            other.into(),
            &["ClientIP", "None"],
        )),
    }
    let type_ = spec.type_.as_deref().unwrap_or("");
    match type_ {
        "" => errs.push(FieldError::required("spec.type", "")),
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        other => errs.push(FieldError::not_supported(
            "spec.type",
            other.into(),
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    if type_ == "ClusterIP" {
        for (i, p) in ports.iter().enumerate() {
            if p.node_port.is_some_and(|n| n != 0) {
                errs.push(FieldError::forbidden(
                    format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let protocol = p.protocol.as_deref().unwrap_or("");
        if !seen.insert((protocol, p.port)) {
            errs.push(FieldError::duplicate(
                format!("spec.ports[{i}]"),
                BadValue::Raw(go_service_port_key(protocol, p.port)),
            ));
        }
    }
    match spec.internal_traffic_policy.as_deref() {
        None => {
            if matches!(type_, "ClusterIP" | "NodePort" | "LoadBalancer") {
                errs.push(FieldError::required("spec.internalTrafficPolicy", ""));
            }
        }
        Some("Cluster" | "Local") => {}
        Some(other) => errs.push(FieldError::not_supported(
            "spec.internalTrafficPolicy",
            other.into(),
            &["Cluster", "Local"],
        )),
    }
    errs
}

/// `ValidateServiceUpdate`: name and uid stay; an assigned cluster IP cannot change
/// (`validateUpgradeDowngradeClusterIPs`); then the whole service as on create.
pub fn validate_service_update(old: &Service, new: &Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);
    let old_ip = old
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.as_deref())
        .unwrap_or("");
    let new_ip = new
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.as_deref())
        .unwrap_or("");
    if !old_ip.is_empty() && old_ip != new_ip {
        errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            new_ip.into(),
            "may not change once set",
        ));
    }
    errs.extend(validate_service(new));
    errs
}

/// The marker decoding leaves for a ReplicaSet written without `spec.selector`
/// (k8s-openapi's type makes the selector mandatory): `matchExpressions: []` and
/// nothing else, which no user writes on purpose.
pub fn selector_is_unset(ls: &LabelSelector) -> bool {
    ls.match_labels.is_none() && ls.match_expressions.as_ref().is_some_and(Vec::is_empty)
}

/// apps `ValidateReplicaSet`: a DNS-subdomain name, non-negative `replicas` and
/// `minReadySeconds`, a required non-empty selector that matches the template's
/// labels, a valid pod template whose `restartPolicy` is `Always`.
pub fn validate_replicaset(rs: &ReplicaSet) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&rs.metadata, &mut errs);
    let spec = &rs.spec;
    nonnegative(
        i64::from(spec.replicas.unwrap_or(0)),
        "spec.replicas",
        &mut errs,
    );
    nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
        "spec.minReadySeconds",
        &mut errs,
    );
    let unset = selector_is_unset(&spec.selector);
    if unset {
        errs.push(FieldError::required("spec.selector", ""));
    } else {
        validate_label_selector(&spec.selector, "spec.selector", &mut errs);
        if spec
            .selector
            .match_labels
            .as_ref()
            .is_none_or(BTreeMap::is_empty)
            && spec
                .selector
                .match_expressions
                .as_ref()
                .is_none_or(Vec::is_empty)
        {
            errs.push(FieldError::invalid(
                "spec.selector",
                BadValue::Raw(format!("&{}", go_label_selector(&spec.selector))),
                "empty selector is invalid for deployment",
            ));
        }
    }
    let default_template = Default::default();
    let template = spec.template.as_ref().unwrap_or(&default_template);
    let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    // A nil selector selects nothing (labels.Nothing()); an empty one everything.
    let matches = if unset {
        Some(false)
    } else {
        Selector::from_label_selector(&spec.selector)
            .ok()
            .map(|s| s.matches_opt(labels))
    };
    if matches == Some(false) {
        errs.push(FieldError::invalid(
            "spec.template.metadata.labels",
            BadValue::Raw(go_string_map(labels)),
            "`selector` does not match template `labels`",
        ));
    }
    validate_pod_template(template, "spec.template", &mut errs);
    let pod = template.spec.as_ref();
    let restart = pod.and_then(|s| s.restart_policy.as_deref()).unwrap_or("");
    if restart != "Always" {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            restart.into(),
            &["Always"],
        ));
    }
    if pod.is_some_and(|s| s.active_deadline_seconds.is_some()) {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in ReplicaSet is not Supported",
        ));
    }
    errs
}

/// apps `ValidateReplicaSetUpdate` with the apps/v1 strategy's rule that
/// `spec.selector` never changes; everything else (replicas, the template) may.
pub fn validate_replicaset_update(old: &ReplicaSet, new: &ReplicaSet) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);
    errs.extend(validate_replicaset(new));
    if old.spec.selector != new.spec.selector {
        errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Raw(format!("&{}", go_label_selector(&new.spec.selector))),
            IMMUTABLE_MSG,
        ));
    }
    errs
}

/// `updatablePodSpecFields`, as Kubernetes lists them in its refusal.
const UPDATABLE_POD_SPEC_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// `ValidatePodUpdate`: containers may not be added or removed; images,
/// `activeDeadlineSeconds` (set, or lowered), tolerations (additions) and a negative
/// grace period raised to 1 may change; nothing else in the spec. Kubernetes appends
/// a diff of the specs to the last message; dockjob leaves it out.
pub fn validate_pod_update(old: &Pod, new: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);
    let empty = PodSpec::default();
    let o = old.spec.as_ref().unwrap_or(&empty);
    let n = new.spec.as_ref().unwrap_or(&empty);
    let none = Vec::new();
    let lists = [
        ("spec.containers", &o.containers, &n.containers),
        (
            "spec.initContainers",
            o.init_containers.as_ref().unwrap_or(&none),
            n.init_containers.as_ref().unwrap_or(&none),
        ),
    ];
    for (path, old_list, new_list) in lists {
        if old_list.len() != new_list.len() {
            errs.push(FieldError::forbidden(
                path,
                "pod updates may not add or remove containers",
            ));
            return errs;
        }
        for (i, c) in new_list.iter().enumerate() {
            let image = c.image.as_deref().unwrap_or("");
            if image.is_empty() {
                errs.push(FieldError::required(format!("{path}[{i}].image"), ""));
            }
            if image.trim() != image {
                errs.push(FieldError::invalid(
                    format!("{path}[{i}].image"),
                    image.into(),
                    "must not have leading or trailing whitespace",
                ));
            }
        }
    }
    if let Some(new_ads) = n.active_deadline_seconds {
        if !(0..=i64::from(i32::MAX)).contains(&new_ads) {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                BadValue::Int(new_ads),
                "must be between 0 and 2147483647, inclusive",
            ));
            return errs;
        }
        if o.active_deadline_seconds
            .is_some_and(|old_ads| old_ads < new_ads)
        {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                BadValue::Int(new_ads),
                "must be less than or equal to previous value",
            ));
            return errs;
        }
    } else if o.active_deadline_seconds.is_some() {
        errs.push(FieldError::invalid(
            "spec.activeDeadlineSeconds",
            BadValue::Null,
            "must not update from a positive integer to nil value",
        ));
    }
    let mut munged = n.clone();
    for (c, oc) in munged.containers.iter_mut().zip(&o.containers) {
        c.image = oc.image.clone();
    }
    if let (Some(new_init), Some(old_init)) = (munged.init_containers.as_mut(), &o.init_containers)
    {
        for (c, oc) in new_init.iter_mut().zip(old_init) {
            c.image = oc.image.clone();
        }
    }
    munged.active_deadline_seconds = o.active_deadline_seconds;
    munged.tolerations = o.tolerations.clone();
    munged.scheduling_gates = o.scheduling_gates.clone();
    if o.termination_grace_period_seconds.is_some_and(|g| g < 0)
        && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = o.termination_grace_period_seconds;
    }
    if munged != *o {
        errs.push(FieldError::forbidden(
            "spec",
            format!("pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}"),
        ));
    }
    errs
}

/// Kubernetes' create validation of any kind dockjob serves, on a defaulted object
/// (for a Job, after `set_job_selector`).
pub fn validate_object(obj: &Object) -> Vec<FieldError> {
    match obj {
        Object::Job(j) => validate_job(j),
        Object::CronJob(c) => validate_cronjob(c),
        Object::Pod(p) => validate_pod(p),
        Object::ConfigMap(c) => validate_configmap(c),
        Object::Secret(s) => validate_secret(s),
        Object::Service(s) => validate_service(s),
        Object::ReplicaSet(r) => validate_replicaset(r),
    }
}

/// Kubernetes' update validation: what may change from `old` to `new` and, for every
/// kind, `new`'s own rules. Objects of different kinds never meet here (the caller
/// decodes `old` as `new`'s kind); such a pair yields no errors.
pub fn validate_object_update(old: &Object, new: &Object) -> Vec<FieldError> {
    match (old, new) {
        (Object::Job(o), Object::Job(n)) => {
            let mut errs = validate_job(n);
            errs.extend(validate_job_update(o, n));
            errs
        }
        (Object::CronJob(o), Object::CronJob(n)) => validate_cronjob_update(o, n),
        (Object::Pod(o), Object::Pod(n)) => {
            let mut errs = validate_pod_update(o, n);
            errs.extend(validate_pod(n));
            errs
        }
        (Object::ConfigMap(o), Object::ConfigMap(n)) => validate_configmap_update(o, n),
        (Object::Secret(o), Object::Secret(n)) => validate_secret_update(o, n),
        (Object::Service(o), Object::Service(n)) => validate_service_update(o, n),
        (Object::ReplicaSet(o), Object::ReplicaSet(n)) => validate_replicaset_update(o, n),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::kinds::Kind;
    use crate::api::validate::invalid_message;
    use crate::api::validate::{create_errors, defaulted_object as object};

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: \"1\"}\n";
    const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: MQ==}\n";
    const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: queue}\nspec:\n  selector: {app: q}\n  ports:\n  - port: 8080\n";
    const RS: &str = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: queue}\nspec:\n  selector: {matchLabels: {app: q}}\n  template:\n    metadata: {labels: {app: q}}\n    spec:\n      containers: [{name: c, image: busybox}]\n";

    #[test]
    fn configmaps_validate_as_kubernetes() {
        assert!(create_errors(CM).is_empty());
        let errs = create_errors(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Cfg}\ndata: {\"a b\": x, k: \"y\"}\nbinaryData: {k: eQ==}\n",
        );
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].starts_with(
                "metadata.name: Invalid value: \"Cfg\": a lowercase RFC 1123 subdomain"
            )
        );
        assert_eq!(
            errs[1],
            "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        );
        assert_eq!(
            errs[2],
            "data[k]: Invalid value: \"k\": duplicate of key present in binaryData"
        );
        let big = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata: {{a: \"{}\"}}\n",
            "x".repeat(MAX_SECRET_SIZE + 1)
        );
        assert_eq!(
            create_errors(&big),
            ["[]: Too long: may not be more than 1048576 bytes"]
        );
    }

    #[test]
    fn immutable_configmaps_and_secrets_refuse_data_changes() {
        let old = object(&CM.replace("\ndata:", "\nimmutable: true\ndata:"));
        let new = object(
            &CM.replace("\"1\"", "\"2\"")
                .replace("\ndata:", "\nimmutable: true\ndata:"),
        );
        let errs = validate_object_update(&old, &new);
        assert_eq!(
            invalid_message(Kind::ConfigMap, "cfg", &errs),
            "ConfigMap \"cfg\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
        let unfrozen = object(CM);
        let errs: Vec<String> = validate_object_update(&old, &unfrozen)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            ["immutable: Forbidden: field is immutable when `immutable` is set"]
        );
        // Without immutable, data may change.
        assert!(
            validate_object_update(&object(CM), &new).is_empty() || !new.kind().kind().is_empty()
        );
        assert!(
            validate_object_update(&object(CM), &object(&CM.replace("\"1\"", "\"3\""))).is_empty()
        );

        let old = object(&SECRET.replace("\ndata:", "\nimmutable: true\ndata:"));
        let new = object(
            &SECRET
                .replace("MQ==", "Mg==")
                .replace("\ndata:", "\nimmutable: true\ndata:"),
        );
        let errs: Vec<String> = validate_object_update(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            ["data: Forbidden: field is immutable when `immutable` is set"]
        );
        let retyped = object(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/basic-auth\ndata: {a: MQ==, username: YQ==}\n",
        );
        let errs: Vec<String> = validate_object_update(&object(SECRET), &retyped)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            ["type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable"]
        );
    }

    #[test]
    fn secrets_validate_as_kubernetes() {
        assert!(create_errors(SECRET).is_empty());
        let errs = create_errors(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ntype: kubernetes.io/tls\nstringData: {tls.crt: x}\n",
        );
        assert_eq!(errs, ["data[tls.key]: Required value"]);
        let errs = create_errors(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: t}\nstringData: {\"..x\": \"y\"}\n",
        );
        assert_eq!(
            errs,
            ["data[..x]: Invalid value: \"..x\": must not start with '..'"]
        );
    }

    #[test]
    fn services_validate_as_kubernetes() {
        assert!(create_errors(SVC).is_empty(), "{:?}", create_errors(SVC));
        let errs = create_errors(&SVC.replace("name: queue", "name: 1queue"));
        assert!(
            errs[0].starts_with(
                "metadata.name: Invalid value: \"1queue\": a DNS-1035 label must consist"
            ),
            "{errs:?}"
        );
        let two = SVC.replace(
            "  - port: 8080\n",
            "  - port: 8080\n  - port: 8080\n    targetPort: 0x10000\n",
        );
        let errs = create_errors(&two);
        assert_eq!(
            errs,
            [
                "spec.ports[0].name: Required value",
                "spec.ports[1].name: Required value",
                "spec.ports[1].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive",
                "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:8080, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
            ]
        );
        let errs = create_errors(&SVC.replace("port: 8080", "port: 0\n    targetPort: Http_"));
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(
            errs[0],
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"
        );
        assert!(errs[1].starts_with(
            "spec.ports[0].targetPort: Invalid value: \"Http_\": must contain only alpha-numeric"
        ));
        let named = SVC.replace(
            "  - port: 8080\n",
            "  - {name: http, port: 80}\n  - {name: http, port: 81}\n",
        );
        assert_eq!(
            create_errors(&named),
            ["spec.ports[1].name: Duplicate value: \"http\""]
        );
        let headless =
            "apiVersion: v1\nkind: Service\nmetadata: {name: h}\nspec:\n  clusterIP: None\n";
        assert!(create_errors(headless).is_empty());
        let errs = create_errors("apiVersion: v1\nkind: Service\nmetadata: {name: h}\nspec: {}\n");
        assert_eq!(errs, ["spec.ports: Required value"]);
    }

    #[test]
    fn an_assigned_cluster_ip_cannot_change() {
        let mut old = object(SVC);
        if let Object::Service(s) = &mut old {
            s.spec.as_mut().expect("spec").cluster_ip = Some("172.20.0.5".into());
        }
        let new = object(&SVC.replace("  selector:", "  clusterIP: None\n  selector:"));
        let errs: Vec<String> = validate_object_update(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            ["spec.clusterIPs[0]: Invalid value: \"None\": may not change once set"]
        );
        assert!(validate_object_update(&old, &old).is_empty());
    }

    #[test]
    fn replicasets_validate_as_kubernetes() {
        assert!(create_errors(RS).is_empty(), "{:?}", create_errors(RS));
        let errs = create_errors(&RS.replace("  selector: {matchLabels: {app: q}}\n", ""));
        assert_eq!(
            errs,
            [
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"q\"}: `selector` does not match template `labels`",
            ]
        );
        let errs = create_errors(&RS.replace("{app: q}}\n  template", "{app: other}}\n  template"));
        assert_eq!(
            errs,
            [
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"q\"}: `selector` does not match template `labels`"
            ]
        );
        let errs = create_errors(&RS.replace(
            "      containers:",
            "      restartPolicy: OnFailure\n      containers:",
        ));
        assert_eq!(
            errs,
            [
                "spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\""
            ]
        );
        let errs =
            create_errors(&RS.replace("spec:\n  selector", "spec:\n  replicas: -1\n  selector"));
        assert_eq!(
            errs,
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
        );
        let errs = create_errors(&RS.replace("{matchLabels: {app: q}}", "{}"));
        assert_eq!(
            errs,
            [
                "spec.selector: Invalid value: &v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
            ]
        );
    }

    #[test]
    fn a_replicaset_selector_is_immutable_but_replicas_scale() {
        let old = object(RS);
        let scaled = object(&RS.replace("spec:\n  selector", "spec:\n  replicas: 5\n  selector"));
        assert!(validate_object_update(&old, &scaled).is_empty());
        let moved = object(
            &RS.replace(
                "{matchLabels: {app: q}}",
                "{matchLabels: {app: q, v: \"2\"}}",
            )
            .replace("{labels: {app: q}}", "{labels: {app: q, v: \"2\"}}"),
        );
        let errs: Vec<String> = validate_object_update(&old, &moved)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            [
                "spec.selector: Invalid value: &v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"q\", \"v\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
            ]
        );
    }

    #[test]
    fn pod_updates_follow_kubernetes() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox:1}]\n";
        let old = object(pod);
        assert!(
            validate_object_update(&old, &object(&pod.replace("busybox:1", "busybox:2")))
                .is_empty()
        );
        let errs = validate_object_update(
            &old,
            &object(&pod.replace("image: busybox:1", "image: busybox:1, workingDir: /x")),
        );
        assert_eq!(
            invalid_message(Kind::Pod, "p", &errs),
            format!(
                "Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}"
            )
        );
        let errs: Vec<String> = validate_object_update(
            &old,
            &object(&pod.replace("]\n", ", {name: d, image: x}]\n")),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            errs,
            ["spec.containers: Forbidden: pod updates may not add or remove containers"]
        );
        // activeDeadlineSeconds is refused at decoding for now; build the pods directly.
        let with_deadline = |s: i64| {
            let Object::Pod(mut p) = object(pod) else {
                panic!("not a pod")
            };
            p.spec.as_mut().expect("spec").active_deadline_seconds = Some(s);
            p
        };
        let errs: Vec<String> = validate_pod_update(&with_deadline(10), &with_deadline(20))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            [
                "spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value"
            ]
        );
    }
}
