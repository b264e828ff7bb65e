//! Kubernetes' validation of Jobs and Pods, with its messages word for word
//! (pkg/apis/batch/validation, pkg/apis/core/validation, apimachinery's
//! `field.Error`), so a manifest dockjob refuses is refused by a cluster with the same
//! words, and the other way round.
//!
//! Runs on defaulted objects, as the API server does (defaults.rs first, and
//! `set_job_selector` for Jobs). Pure: must not default, decode or look anything up.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::batch::v1::{
    CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec, PodFailurePolicyOnExitCodesRequirement,
    PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule, SuccessPolicy, SuccessPolicyRule,
};
use k8s_openapi::api::core::v1::{
    Affinity, Container, Pod, PodSpec, PodTemplateSpec, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::kinds::Kind;
use super::labels;
use super::names::{
    MAX_GENERATED_NAME_LENGTH, RANDOM_LENGTH, max_len_error, validate_dns1123_label,
    validate_label_key, validate_label_value, validate_object_name,
};
use super::selector::Selector;
use crate::controller::schedule;

mod objects;
mod pod_spec;

pub use objects::{
    validate_configmap, validate_configmap_update, validate_object, validate_object_update,
    validate_pod_update, validate_replicaset, validate_replicaset_update, validate_secret,
    validate_secret_update, validate_service, validate_service_update,
};

/// Test fixture of the validation tests: the one manifest in `text`, decoded and
/// defaulted as `apply` does before it validates.
#[cfg(test)]
fn defaulted_object(text: &str) -> super::decode::Object {
    let mut ms = super::decode::decode_manifests("t.yaml", text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut obj = ms.remove(0).object;
    super::defaults::default_object(&mut obj);
    obj
}

/// Test fixture: the create-validation messages of the manifest in `text`, defaulted.
#[cfg(test)]
fn create_errors(text: &str) -> Vec<String> {
    validate_object(&defaulted_object(text))
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// apimachinery `isNegativeErrorMsg`.
const NEGATIVE_MSG: &str = "must be greater than or equal to 0";
/// apimachinery `FieldImmutableErrorMsg`.
pub const IMMUTABLE_MSG: &str = "field is immutable";
/// `TotalAnnotationSizeLimitB`: 256 KiB of keys and values together.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;
/// The regular expression Kubernetes quotes for a malformed quantity.
const QUANTITY_REGEX: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// The value a field error shows, printed as Kubernetes' `field.Error` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue {
    /// `null`
    Null,
    Int(i64),
    Bool(bool),
    /// Printed quoted (Go's `%q`).
    Str(String),
    /// Printed as is: Go's `%#v` rendering of a map or struct.
    Raw(String),
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Null => f.write_str("null"),
            BadValue::Int(i) => write!(f, "{i}"),
            BadValue::Bool(b) => write!(f, "{b}"),
            BadValue::Str(s) => write!(f, "{s:?}"),
            BadValue::Raw(s) => f.write_str(s),
        }
    }
}

impl From<&str> for BadValue {
    fn from(s: &str) -> Self {
        BadValue::Str(s.to_string())
    }
}

impl From<i64> for BadValue {
    fn from(i: i64) -> Self {
        BadValue::Int(i)
    }
}

/// The kind of a field error (apimachinery `field.ErrorType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// "Required value"
    Required,
    /// "Invalid value: V"
    Invalid { value: BadValue },
    /// "Invalid value" with no value shown (Kubernetes' `field.OmitValueType{}`).
    InvalidOmitted,
    /// "Unsupported value: V" (the supported values are in the detail).
    NotSupported {
        value: BadValue,
        supported: Vec<String>,
    },
    /// "Forbidden"
    Forbidden,
    /// "Duplicate value: V"
    Duplicate { value: BadValue },
    /// "Not found: V"
    NotFound { value: BadValue },
    /// "Too long"
    TooLong,
    /// "Too many: N" (`field.TooMany`; the limit is in the detail).
    TooMany { actual: i64 },
    /// An update changed a field that cannot change: Kubernetes reports it as
    /// "Invalid value: V: field is immutable".
    Immutable { value: BadValue },
}

/// One validation error, displayed exactly as Kubernetes prints it:
/// `spec.parallelism: Invalid value: -1: must be greater than or equal to 0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Kubernetes' field path (`spec.template.spec.containers[0].image`; map keys in
    /// brackets: `spec.template.metadata.labels[job-name]`).
    pub path: String,
    pub kind: FieldErrorKind,
    pub detail: String,
}

impl FieldError {
    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Required,
            detail: detail.into(),
        }
    }

    pub fn invalid(path: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Invalid { value },
            detail: detail.into(),
        }
    }

    /// `field.NotSupported`: the detail lists the supported values, quoted.
    pub fn not_supported(path: impl Into<String>, value: BadValue, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::NotSupported {
                value,
                supported: supported.iter().map(|s| s.to_string()).collect(),
            },
            detail,
        }
    }

    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Forbidden,
            detail: detail.into(),
        }
    }

    /// `field.NotFound`: a reference to something that does not exist.
    pub fn not_found(path: impl Into<String>, value: BadValue) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::NotFound { value },
            detail: String::new(),
        }
    }

    pub fn duplicate(path: impl Into<String>, value: BadValue) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Duplicate { value },
            detail: String::new(),
        }
    }

    /// `field.Invalid` with `field.OmitValueType{}`: "Invalid value" without a value.
    pub fn invalid_omit(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::InvalidOmitted,
            detail: detail.into(),
        }
    }

    pub fn immutable(path: impl Into<String>, value: BadValue) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Immutable { value },
            detail: IMMUTABLE_MSG.to_string(),
        }
    }

    /// The message without the path (apimachinery `ErrorBody`), as in a `Status`
    /// cause's `message`.
    pub fn body(&self) -> String {
        let mut s = match &self.kind {
            FieldErrorKind::Required => "Required value".to_string(),
            FieldErrorKind::Forbidden => "Forbidden".to_string(),
            FieldErrorKind::TooLong => "Too long".to_string(),
            FieldErrorKind::InvalidOmitted => "Invalid value".to_string(),
            FieldErrorKind::Invalid { value } | FieldErrorKind::Immutable { value } => {
                format!("Invalid value: {value}")
            }
            FieldErrorKind::NotSupported { value, .. } => format!("Unsupported value: {value}"),
            FieldErrorKind::TooMany { actual } => format!("Too many: {actual}"),
            FieldErrorKind::Duplicate { value } => format!("Duplicate value: {value}"),
            FieldErrorKind::NotFound { value } => format!("Not found: {value}"),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }

    /// The `reason` of a `Status` cause (`FieldValueInvalid`...).
    pub fn reason(&self) -> &'static str {
        match self.kind {
            FieldErrorKind::Required => "FieldValueRequired",
            FieldErrorKind::Invalid { .. }
            | FieldErrorKind::InvalidOmitted
            | FieldErrorKind::Immutable { .. } => "FieldValueInvalid",
            FieldErrorKind::NotSupported { .. } => "FieldValueNotSupported",
            FieldErrorKind::Forbidden => "FieldValueForbidden",
            FieldErrorKind::Duplicate { .. } => "FieldValueDuplicate",
            FieldErrorKind::NotFound { .. } => "FieldValueNotFound",
            FieldErrorKind::TooLong => "FieldValueTooLong",
            FieldErrorKind::TooMany { .. } => "FieldValueTooMany",
        }
    }
}

impl fmt::Display for FieldError {
    /// apimachinery's `field.Error.Error()`. The root path (`field.NewPath("")`, used
    /// for a ConfigMap's or Secret's total size) prints as `[]`, as `Path.String()`
    /// writes an element without a name as an empty index.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "[]"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.body())
    }
}

impl std::error::Error for FieldError {}

/// `Job.batch` / `Pod`: Kubernetes' `GroupKind.String()`.
fn group_kind(kind: Kind) -> String {
    if kind.group().is_empty() {
        kind.kind().to_string()
    } else {
        format!("{}.{}", kind.kind(), kind.group())
    }
}

/// Error messages without repeats, in order (apimachinery's aggregate drops repeats).
fn unique_messages(errs: &[FieldError]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    errs.iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

/// The API server's message for an invalid object (`errors.NewInvalid`):
/// `Job.batch "foo" is invalid: spec.parallelism: Invalid value: -1: must be greater
/// than or equal to 0`, and `[a, b]` for several errors.
pub fn invalid_message(kind: Kind, name: &str, errs: &[FieldError]) -> String {
    let msgs = unique_messages(errs);
    let head = format!("{} {name:?} is invalid", group_kind(kind));
    match msgs.len() {
        0 => head,
        1 => format!("{head}: {}", msgs[0]),
        _ => format!("{head}: [{}]", msgs.join(", ")),
    }
}

/// What kubectl prints for that error: `The Job "foo" is invalid: <error>`, or the
/// header then one `* <error>` line per error. Ends with a newline, as kubectl's.
pub fn kubectl_invalid_message(kind: Kind, name: &str, errs: &[FieldError]) -> String {
    let msgs = unique_messages(errs);
    let head = format!("The {} {name:?} is invalid: ", kind.kind());
    match msgs.len() {
        0 => format!("The {} {name:?} is invalid\n", kind.kind()),
        1 => format!("{head}{}\n", msgs[0]),
        _ => {
            let mut out = format!("{head}\n");
            for m in msgs {
                out.push_str(&format!("* {m}\n"));
            }
            out
        }
    }
}

// ---------------------------------------------------------------------------------
// Go `%#v` renderings of the values Kubernetes shows for maps and selectors.

fn go_string_map(m: Option<&BTreeMap<String, String>>) -> String {
    match m {
        None => "map[string]string(nil)".to_string(),
        Some(m) => {
            let items: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
            format!("map[string]string{{{}}}", items.join(", "))
        }
    }
}

fn go_label_selector(ls: &LabelSelector) -> String {
    let exprs = match &ls.match_expressions {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(list) => {
            let items: Vec<String> = list
                .iter()
                .map(|r| {
                    let values = match &r.values {
                        None => "[]string(nil)".to_string(),
                        Some(v) => {
                            let q: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
                            format!("[]string{{{}}}", q.join(", "))
                        }
                    };
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{:?}, Operator:{:?}, Values:{values}}}",
                        r.key, r.operator
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{exprs}}}",
        go_string_map(ls.match_labels.as_ref())
    )
}

fn opt_i32(v: Option<i32>) -> BadValue {
    v.map_or(BadValue::Null, |i| BadValue::Int(i64::from(i)))
}

// ---------------------------------------------------------------------------------
// Metadata.

fn nonnegative(value: i64, path: &str, errs: &mut Vec<FieldError>) {
    if value < 0 {
        errs.push(FieldError::invalid(
            path,
            BadValue::Int(value),
            NEGATIVE_MSG,
        ));
    }
}

/// `ValidateLabels`: every key a label key, every value a label value; errors name
/// the whole map's path, as Kubernetes does.
pub fn validate_labels(labels: Option<&BTreeMap<String, String>>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in labels.into_iter().flatten() {
        for msg in validate_label_key(k) {
            errs.push(FieldError::invalid(path, k.as_str().into(), msg));
        }
        for msg in validate_label_value(v) {
            errs.push(FieldError::invalid(path, v.as_str().into(), msg));
        }
    }
    errs
}

/// `ValidateAnnotations`: keys are label keys (case-insensitive), 256 KiB in total.
pub fn validate_annotations(
    annotations: Option<&BTreeMap<String, String>>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut size = 0usize;
    for (k, v) in annotations.into_iter().flatten() {
        for msg in validate_label_key(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, k.as_str().into(), msg));
        }
        size = size.saturating_add(k.len() + v.len());
    }
    if size > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError {
            path: path.to_string(),
            kind: FieldErrorKind::TooLong,
            detail: format!("may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"),
        });
    }
    errs
}

/// `ValidateObjectMeta` with the DNS-subdomain name rule of Jobs and Pods.
///
/// Two deliberate differences: an unset namespace is not an error (the caller fills
/// it from the request or the CLI context before storing), and a name that is still
/// to be generated from `generateName` is not "Required" (the engine generates it).
fn validate_object_meta(meta: &ObjectMeta, errs: &mut Vec<FieldError>) {
    validate_object_meta_named(meta, validate_object_name, errs);
}

/// `ValidateObjectMeta` with the kind's name rule (`NameIsDNSSubdomain` for most,
/// `NameIsDNS1035Label` for Services); see [`validate_object_meta`].
fn validate_object_meta_named(
    meta: &ObjectMeta,
    name_rule: fn(&str, bool) -> Vec<String>,
    errs: &mut Vec<FieldError>,
) {
    let validate_object_name = name_rule;
    let generate = meta.generate_name.as_deref().unwrap_or("");
    if !generate.is_empty() {
        for msg in validate_object_name(generate, true) {
            errs.push(FieldError::invalid(
                "metadata.generateName",
                generate.into(),
                msg,
            ));
        }
    }
    let name = meta.name.as_deref().unwrap_or("");
    if name.is_empty() {
        if generate.is_empty() {
            errs.push(FieldError::required(
                "metadata.name",
                "name or generateName is required",
            ));
        }
    } else {
        for msg in validate_object_name(name, false) {
            errs.push(FieldError::invalid("metadata.name", name.into(), msg));
        }
    }
    if let Some(ns) = meta.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        for msg in validate_dns1123_label(ns) {
            errs.push(FieldError::invalid("metadata.namespace", ns.into(), msg));
        }
    }
    if let Some(g) = meta.generation {
        nonnegative(g, "metadata.generation", errs);
    }
    errs.extend(validate_labels(meta.labels.as_ref(), "metadata.labels"));
    errs.extend(validate_annotations(
        meta.annotations.as_ref(),
        "metadata.annotations",
    ));
}

// ---------------------------------------------------------------------------------
// Pods.

/// `ValidatePodTemplateSpec`. Note Kubernetes' path for template labels:
/// `spec.template.labels` (not `.metadata.labels`).
fn validate_pod_template(template: &PodTemplateSpec, path: &str, errs: &mut Vec<FieldError>) {
    let meta = template.metadata.as_ref();
    errs.extend(validate_labels(
        meta.and_then(|m| m.labels.as_ref()),
        &format!("{path}.labels"),
    ));
    errs.extend(validate_annotations(
        meta.and_then(|m| m.annotations.as_ref()),
        &format!("{path}.annotations"),
    ));
    let empty = PodSpec::default();
    validate_pod_spec(
        template.spec.as_ref().unwrap_or(&empty),
        &format!("{path}.spec"),
        errs,
    );
}

/// `ValidatePodSpec` for the fields dockjob supports.
fn validate_pod_spec(spec: &PodSpec, path: &str, errs: &mut Vec<FieldError>) {
    if spec.termination_grace_period_seconds.is_none() {
        errs.push(FieldError::required(
            format!("{path}.terminationGracePeriodSeconds"),
            "",
        ));
    }
    let vols = pod_spec::validate_volumes(spec, path, errs);
    let containers_path = format!("{path}.containers");
    if spec.containers.is_empty() {
        errs.push(FieldError::required(&containers_path, ""));
    } else {
        let mut names = BTreeSet::new();
        for (i, c) in spec.containers.iter().enumerate() {
            let p = format!("{containers_path}[{i}]");
            validate_container(c, &p, errs);
            pod_spec::validate_container_more(c, &vols, &p, errs);
            if !names.insert(c.name.as_str()) {
                errs.push(FieldError::duplicate(
                    format!("{p}.name"),
                    c.name.as_str().into(),
                ));
            }
        }
    }
    if let Some(init) = &spec.init_containers {
        let mut names: BTreeSet<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
        for (i, c) in init.iter().enumerate() {
            let p = format!("{path}.initContainers[{i}]");
            validate_container(c, &p, errs);
            pod_spec::validate_container_more(c, &vols, &p, errs);
            if !names.insert(c.name.as_str()) {
                errs.push(FieldError::duplicate(
                    format!("{p}.name"),
                    c.name.as_str().into(),
                ));
            }
        }
    }
    let restart = spec.restart_policy.as_deref().unwrap_or("");
    match restart {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(FieldError::required(format!("{path}.restartPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            format!("{path}.restartPolicy"),
            other.into(),
            &["Always", "OnFailure", "Never"],
        )),
    }
    match spec.dns_policy.as_deref().unwrap_or("") {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.push(FieldError::required(format!("{path}.dnsPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            format!("{path}.dnsPolicy"),
            other.into(),
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    pod_spec::validate_pod_spec_more(spec, path, errs);
}

/// `validateContainerCommon` for the fields dockjob supports.
fn validate_container(c: &Container, path: &str, errs: &mut Vec<FieldError>) {
    let name_path = format!("{path}.name");
    if c.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        for msg in validate_dns1123_label(&c.name) {
            errs.push(FieldError::invalid(&name_path, c.name.as_str().into(), msg));
        }
    }
    if c.image.as_deref().unwrap_or("").is_empty() {
        errs.push(FieldError::required(format!("{path}.image"), ""));
    }
    match c.termination_message_policy.as_deref().unwrap_or("") {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.push(FieldError::required(
            format!("{path}.terminationMessagePolicy"),
            "",
        )),
        other => errs.push(FieldError::not_supported(
            format!("{path}.terminationMessagePolicy"),
            other.into(),
            &["File", "FallbackToLogsOnError"],
        )),
    }
    validate_ports(c, path, errs);
    for (i, e) in c.env.iter().flatten().enumerate() {
        let name_path = format!("{path}.env[{i}].name");
        if e.name.is_empty() {
            errs.push(FieldError::required(name_path, ""));
        } else if e
            .name
            .chars()
            .any(|ch| !ch.is_ascii() || ch.is_ascii_control() || ch == '=')
        {
            // RelaxedEnvironmentVariableValidation (on by default since 1.32).
            errs.push(FieldError::invalid(
                name_path,
                e.name.as_str().into(),
                "a valid environment variable name must consist only of printable ASCII characters other than '='",
            ));
        }
    }
    match c.image_pull_policy.as_deref().unwrap_or("") {
        "Always" | "IfNotPresent" | "Never" => {}
        "" => errs.push(FieldError::required(format!("{path}.imagePullPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            format!("{path}.imagePullPolicy"),
            other.into(),
            &["Always", "IfNotPresent", "Never"],
        )),
    }
    if let Some(r) = &c.resources {
        validate_resources(r, &format!("{path}.resources"), errs);
    }
}

/// `validateContainerPorts` (ports are accepted, so they are checked as Kubernetes
/// checks them).
fn validate_ports(c: &Container, path: &str, errs: &mut Vec<FieldError>) {
    let mut names = BTreeSet::new();
    for (i, p) in c.ports.iter().flatten().enumerate() {
        let idx = format!("{path}.ports[{i}]");
        if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
            let msgs = port_name_errors(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(FieldError::invalid(format!("{idx}.name"), name.into(), msg));
                }
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(format!("{idx}.name"), name.into()));
            }
        }
        if p.container_port == 0 {
            errs.push(FieldError::required(format!("{idx}.containerPort"), ""));
        } else if !(1..=65535).contains(&p.container_port) {
            errs.push(FieldError::invalid(
                format!("{idx}.containerPort"),
                BadValue::Int(i64::from(p.container_port)),
                "must be between 1 and 65535, inclusive",
            ));
        }
        match p.protocol.as_deref().unwrap_or("") {
            "SCTP" | "TCP" | "UDP" => {}
            "" => errs.push(FieldError::required(format!("{idx}.protocol"), "")),
            other => errs.push(FieldError::not_supported(
                format!("{idx}.protocol"),
                other.into(),
                &["SCTP", "TCP", "UDP"],
            )),
        }
    }
}

/// apimachinery `IsValidPortName`.
fn port_name_errors(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push(max_len_error(15));
    }
    if port.is_empty()
        || !port
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !port.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if port.starts_with('-') || port.ends_with('-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `helper.IsOvercommitAllowed`: native resources (no domain, or a
/// `kubernetes.io/` one) other than huge pages may have requests below limits.
fn is_overcommit_allowed(name: &str) -> bool {
    (!name.contains('/') || name.contains("kubernetes.io/")) && !name.starts_with("hugepages-")
}

/// A resource quantity in nano-units (`1` = 1e9, `500m` = 5e8, `1Ki` = 1024e9),
/// rounded up, saturating; `None` when it is not Kubernetes quantity syntax.
pub fn quantity_nanos(q: &str) -> Option<i128> {
    let b = q.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let num_start = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    let number = &q[num_start..i];
    let suffix = &q[i..];
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || frac_part.contains('.')
        || int_part.len() + frac_part.len() > 30
    {
        return None;
    }
    // value = digits * 10^(-frac_len) * multiplier, in nano-units.
    let digits: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let mut exp10: i32 = 9 - i32::try_from(frac_part.len()).ok()?;
    let mut factor: i128 = 1;
    match suffix {
        "" => {}
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        "Ki" => factor = 1 << 10,
        "Mi" => factor = 1 << 20,
        "Gi" => factor = 1 << 30,
        "Ti" => factor = 1 << 40,
        "Pi" => factor = 1 << 50,
        "Ei" => factor = 1 << 60,
        s if s.starts_with(['e', 'E']) => {
            let e: i32 = s[1..].parse().ok()?;
            if e.abs() > 40 {
                return None;
            }
            exp10 += e;
        }
        _ => return None,
    }
    let mut value = digits.saturating_mul(factor);
    if exp10 >= 0 {
        for _ in 0..exp10 {
            value = value.saturating_mul(10);
        }
    } else {
        let div = 10i128.checked_pow(exp10.unsigned_abs())?;
        value = value.saturating_add(div - 1) / div;
    }
    Some(if negative { -value } else { value })
}

/// `ValidateContainerResourceRequirements` for cpu and memory: well-formed,
/// non-negative quantities, requests no larger than limits.
fn validate_resources(r: &ResourceRequirements, path: &str, errs: &mut Vec<FieldError>) {
    let check =
        |list: Option<&BTreeMap<String, Quantity>>, which: &str, errs: &mut Vec<FieldError>| {
            for (name, q) in list.into_iter().flatten() {
                let p = format!("{path}.{which}[{name}]");
                match quantity_nanos(&q.0) {
                    None => errs.push(FieldError::invalid(
                        p,
                        q.0.as_str().into(),
                        format!("quantities must match the regular expression '{QUANTITY_REGEX}'"),
                    )),
                    Some(n) if n < 0 => {
                        errs.push(FieldError::invalid(p, q.0.as_str().into(), NEGATIVE_MSG))
                    }
                    Some(_) => {}
                }
            }
        };
    check(r.limits.as_ref(), "limits", errs);
    check(r.requests.as_ref(), "requests", errs);
    if let (Some(limits), Some(requests)) = (&r.limits, &r.requests) {
        for (name, req) in requests {
            let Some(limit) = limits.get(name) else {
                continue;
            };
            // Extended resources (GPUs) must equal their limit: pod_spec checks them.
            if let (Some(rq), Some(lq)) = (quantity_nanos(&req.0), quantity_nanos(&limit.0))
                && is_overcommit_allowed(name)
                && rq > lq
            {
                errs.push(FieldError::invalid(
                    format!("{path}.requests"),
                    req.0.as_str().into(),
                    format!("must be less than or equal to {name} limit of {}", limit.0),
                ));
            }
        }
    }
}

/// Kubernetes' validation of a new bare Pod (`ValidatePodCreate`, supported fields),
/// after `default_pod`.
pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&pod.metadata, &mut errs);
    let empty = PodSpec::default();
    validate_pod_spec(pod.spec.as_ref().unwrap_or(&empty), "spec", &mut errs);
    errs
}

// ---------------------------------------------------------------------------------
// Jobs.

/// `ValidateLabelSelector`.
fn validate_label_selector(ls: &LabelSelector, path: &str, errs: &mut Vec<FieldError>) {
    errs.extend(validate_labels(
        ls.match_labels.as_ref(),
        &format!("{path}.matchLabels"),
    ));
    for (i, r) in ls.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let values = r.values.as_deref().unwrap_or(&[]);
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.push(FieldError::required(
                        format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.push(FieldError::forbidden(
                        format!("{p}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => errs.push(FieldError::invalid(
                format!("{p}.operator"),
                other.into(),
                "not a valid selector operator",
            )),
        }
        for msg in validate_label_key(&r.key) {
            errs.push(FieldError::invalid(
                format!("{p}.key"),
                r.key.as_str().into(),
                msg,
            ));
        }
        for (j, v) in values.iter().enumerate() {
            for msg in validate_label_value(v) {
                errs.push(FieldError::invalid(
                    format!("{p}.values[{j}]"),
                    v.as_str().into(),
                    msg,
                ));
            }
        }
    }
}

/// `ValidateHasLabel`.
fn has_label(meta: Option<&ObjectMeta>, key: &str, expected: &str, errs: &mut Vec<FieldError>) {
    let labels = meta.and_then(|m| m.labels.as_ref());
    let path = format!("spec.template.metadata.labels[{key}]");
    match labels.and_then(|l| l.get(key)) {
        None => errs.push(FieldError::required(path, format!("must be '{expected}'"))),
        Some(v) if v != expected => errs.push(FieldError::invalid(
            path,
            BadValue::Raw(go_string_map(labels)),
            format!("must be '{expected}'"),
        )),
        Some(_) => {}
    }
}

/// `validateGeneratedSelector`: with a generated selector, the template carries the
/// job's name and uid labels and the selector selects them.
fn validate_generated_selector(job: &Job, errs: &mut Vec<FieldError>) {
    let Some(spec) = &job.spec else {
        return;
    };
    if spec.manual_selector == Some(true) {
        return;
    }
    let Some(selector) = &spec.selector else {
        return;
    };
    let uid = job.metadata.uid.as_deref().unwrap_or("");
    let name = job.metadata.name.as_deref().unwrap_or("");
    if uid.is_empty() {
        errs.push(FieldError::required("metadata.uid", ""));
    }
    let meta = spec.template.metadata.as_ref();
    has_label(meta, labels::CONTROLLER_UID, uid, errs);
    has_label(meta, labels::JOB_NAME, name, errs);
    has_label(meta, labels::BATCH_CONTROLLER_UID, uid, errs);
    has_label(meta, labels::BATCH_JOB_NAME, name, errs);
    let expected: BTreeMap<String, String> = [
        (labels::CONTROLLER_UID, uid),
        (labels::JOB_NAME, name),
        (labels::BATCH_CONTROLLER_UID, uid),
        (labels::BATCH_JOB_NAME, name),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Ok(sel) = Selector::from_label_selector(selector)
        && !sel.matches(&expected)
    {
        errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Raw(go_label_selector(selector)),
            "`selector` not auto-generated",
        ));
    }
}

/// `maxParallelismForIndexedJob`: caps the length of `status.completedIndexes`.
pub const MAX_PARALLELISM_FOR_INDEXED_JOB: i32 = 100_000;
/// `maxFailedIndexesForIndexedJob`.
pub const MAX_FAILED_INDEXES_FOR_INDEXED_JOB: i32 = 100_000;
/// `completionsSoftLimit`: above it, `backoffLimitPerIndex` needs tighter limits.
pub const COMPLETIONS_SOFT_LIMIT: i32 = 100_000;
/// `parallelismLimitForHighCompletions`.
pub const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS: i32 = 10_000;
/// `maxFailedIndexesLimitForHighCompletions`.
pub const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS: i32 = 10_000;
/// `maxPodFailurePolicyRules`.
pub const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
/// `maxPodFailurePolicyOnExitCodesValues`.
pub const MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES: usize = 255;
/// `maxPodFailurePolicyOnPodConditionsPatterns`.
pub const MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS: usize = 20;
/// `maxJobSuccessPolicySucceededIndexesLimit`: 64 KiB.
pub const MAX_SUCCEEDED_INDEXES_LENGTH: usize = 64 * 1024;
/// `maxSuccessPolicyRule`.
pub const MAX_SUCCESS_POLICY_RULES: usize = 20;

/// `supportedPodFailurePolicyActions`, sorted as `sets.List` prints them.
const POD_FAILURE_POLICY_ACTIONS: &[&str] = &["Count", "FailIndex", "FailJob", "Ignore"];
/// `supportedPodFailurePolicyOnExitCodesOperator`, sorted.
const ON_EXIT_CODES_OPERATORS: &[&str] = &["In", "NotIn"];
/// `supportedPodFailurePolicyOnPodConditionsStatus`, sorted.
const ON_POD_CONDITIONS_STATUSES: &[&str] = &["False", "True", "Unknown"];
/// `supportedPodReplacementPolicy`, sorted.
const POD_REPLACEMENT_POLICIES: &[&str] = &["Failed", "TerminatingOrFailed"];

/// Go's `%q` of a string slice: `["a" "b"]`, as Kubernetes' "valid values" details
/// print it.
fn go_quoted_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `%#v` of a `[]int32`.
fn go_int32_slice(values: &[i32]) -> String {
    if values.is_empty() {
        // k8s-openapi cannot tell `values: []` from a missing list; a missing list
        // (Go nil) is the common case.
        return "[]int32(nil)".to_string();
    }
    let items: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[]int32{{{}}}", items.join(", "))
}

/// A struct value in a message. Kubernetes prints Go's `%#v` of its internal type,
/// pointer addresses included, which no one can reproduce; the JSON says the same.
fn json_value<T: serde::Serialize>(value: &T) -> BadValue {
    BadValue::Raw(serde_json::to_string(value).unwrap_or_default())
}

/// `field.TooMany`.
fn too_many(path: impl Into<String>, actual: usize, max: usize) -> FieldError {
    FieldError {
        path: path.into(),
        kind: FieldErrorKind::TooMany {
            actual: i64::try_from(actual).unwrap_or(i64::MAX),
        },
        detail: format!("must have at most {max} items"),
    }
}

/// `ValidateQualifiedName`: apimachinery `IsQualifiedName`, whose messages are the
/// label key's except for the "more than one '/'" case.
fn qualified_name_errors(value: &str, path: &str, errs: &mut Vec<FieldError>) {
    for msg in validate_label_key(value) {
        let msg = match msg.strip_prefix("a valid label key ") {
            Some(rest) => format!("a qualified name {rest}"),
            None => msg,
        };
        errs.push(FieldError::invalid(path, value.into(), msg));
    }
}

/// apimachinery-style `validateIndexesFormat`: `1,3-5,7` with every index below
/// `completions` and intervals in increasing order. Returns how many indexes it names,
/// or the error text Kubernetes puts after "error parsing succeededIndexes: ".
pub fn validate_indexes_format(indexes: &str, completions: i32) -> Result<i32, String> {
    if indexes.is_empty() {
        return Ok(0);
    }
    let mut last: Option<i32> = None;
    let mut total: i32 = 0;
    for interval in indexes.split(',') {
        let (x, y) = parse_index_interval(interval, completions)?;
        if let Some(l) = last
            && l >= x
        {
            return Err(format!("non-increasing order, previous: {l}, current: {x}"));
        }
        total = total.saturating_add(y - x + 1);
        last = Some(y);
    }
    Ok(total)
}

/// `parseIndexInterval`: `x` or `x-y` with `x < y < completions`.
fn parse_index_interval(interval: &str, completions: i32) -> Result<(i32, i32), String> {
    let limits: Vec<&str> = interval.split('-').collect();
    if limits.len() > 2 {
        return Err(format!(
            "the fragment {interval:?} violates the requirement that an index interval can have at most two parts separated by '-'"
        ));
    }
    // Go's strconv.Atoi: optional sign, decimal digits, 64-bit range.
    let parse = |s: &str| -> Result<i64, String> {
        s.parse::<i64>()
            .map_err(|_| format!("cannot convert string to integer for index: {s:?}"))
    };
    let x = parse(limits[0])?;
    if x >= i64::from(completions) {
        return Err(format!("too large index: {:?}", limits[0]));
    }
    let Some(second) = limits.get(1) else {
        // 0 <= x < completions: a '-' sign splits the interval, so no part is
        // negative, and the cast is exact.
        return Ok((x as i32, x as i32));
    };
    let y = parse(second)?;
    if y >= i64::from(completions) {
        return Err(format!("too large index: {second:?}"));
    }
    if x >= y {
        return Err(format!("non-increasing order, previous: {x}, current: {y}"));
    }
    Ok((x as i32, y as i32))
}

/// `validatePodFailurePolicy` and its rules.
fn validate_pod_failure_policy(spec: &JobSpec, errs: &mut Vec<FieldError>) {
    let Some(policy) = &spec.pod_failure_policy else {
        return;
    };
    let rules_path = "spec.podFailurePolicy.rules";
    if policy.rules.len() > MAX_POD_FAILURE_POLICY_RULES {
        errs.push(too_many(
            rules_path,
            policy.rules.len(),
            MAX_POD_FAILURE_POLICY_RULES,
        ));
    }
    let pod = spec.template.spec.as_ref();
    let container_names: BTreeSet<&str> = pod
        .into_iter()
        .flat_map(|p| {
            p.containers
                .iter()
                .chain(p.init_containers.iter().flatten())
        })
        .map(|c| c.name.as_str())
        .collect();
    for (i, rule) in policy.rules.iter().enumerate() {
        let rule_path = format!("{rules_path}[{i}]");
        validate_pod_failure_policy_rule(spec, rule, &rule_path, &container_names, errs);
    }
}

/// `validatePodFailurePolicyRule`.
fn validate_pod_failure_policy_rule(
    spec: &JobSpec,
    rule: &PodFailurePolicyRule,
    rule_path: &str,
    container_names: &BTreeSet<&str>,
    errs: &mut Vec<FieldError>,
) {
    let action_path = format!("{rule_path}.action");
    match rule.action.as_str() {
        "" => errs.push(FieldError::required(
            action_path,
            format!(
                "valid values: {}",
                go_quoted_list(POD_FAILURE_POLICY_ACTIONS)
            ),
        )),
        "FailIndex" => {
            if spec.backoff_limit_per_index.is_none() {
                errs.push(FieldError::invalid(
                    action_path,
                    "FailIndex".into(),
                    "requires the backoffLimitPerIndex to be set",
                ));
            }
        }
        a if POD_FAILURE_POLICY_ACTIONS.contains(&a) => {}
        other => errs.push(FieldError::not_supported(
            action_path,
            other.into(),
            POD_FAILURE_POLICY_ACTIONS,
        )),
    }
    if let Some(codes) = &rule.on_exit_codes {
        validate_on_exit_codes(
            codes,
            &format!("{rule_path}.onExitCodes"),
            container_names,
            errs,
        );
    }
    let conditions = rule.on_pod_conditions.as_deref().unwrap_or(&[]);
    if !conditions.is_empty() {
        validate_on_pod_conditions(conditions, &format!("{rule_path}.onPodConditions"), errs);
    }
    match (rule.on_exit_codes.is_some(), conditions.is_empty()) {
        (true, false) => errs.push(FieldError::invalid_omit(
            rule_path,
            "specifying both OnExitCodes and OnPodConditions is not supported",
        )),
        (false, true) => errs.push(FieldError::invalid_omit(
            rule_path,
            "specifying one of OnExitCodes and OnPodConditions is required",
        )),
        _ => {}
    }
}

/// `validatePodFailurePolicyRuleOnPodConditions`.
fn validate_on_pod_conditions(
    patterns: &[PodFailurePolicyOnPodConditionsPattern],
    path: &str,
    errs: &mut Vec<FieldError>,
) {
    if patterns.len() > MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS {
        errs.push(too_many(
            path,
            patterns.len(),
            MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS,
        ));
    }
    for (j, pattern) in patterns.iter().enumerate() {
        let pattern_path = format!("{path}[{j}]");
        qualified_name_errors(&pattern.type_, &format!("{pattern_path}.type"), errs);
        let status_path = format!("{pattern_path}.status");
        match pattern.status.as_deref().unwrap_or("") {
            "" => errs.push(FieldError::required(
                status_path,
                format!(
                    "valid values: {}",
                    go_quoted_list(ON_POD_CONDITIONS_STATUSES)
                ),
            )),
            s if ON_POD_CONDITIONS_STATUSES.contains(&s) => {}
            other => errs.push(FieldError::not_supported(
                status_path,
                other.into(),
                ON_POD_CONDITIONS_STATUSES,
            )),
        }
    }
}

/// `validatePodFailurePolicyRuleOnExitCodes`.
fn validate_on_exit_codes(
    codes: &PodFailurePolicyOnExitCodesRequirement,
    path: &str,
    container_names: &BTreeSet<&str>,
    errs: &mut Vec<FieldError>,
) {
    let operator_path = format!("{path}.operator");
    match codes.operator.as_str() {
        "" => errs.push(FieldError::required(
            operator_path,
            format!("valid values: {}", go_quoted_list(ON_EXIT_CODES_OPERATORS)),
        )),
        op if ON_EXIT_CODES_OPERATORS.contains(&op) => {}
        other => errs.push(FieldError::not_supported(
            operator_path,
            other.into(),
            ON_EXIT_CODES_OPERATORS,
        )),
    }
    if let Some(name) = &codes.container_name
        && !container_names.contains(name.as_str())
    {
        errs.push(FieldError::invalid(
            format!("{path}.containerName"),
            name.as_str().into(),
            "must be one of the container or initContainer names in the pod template",
        ));
    }
    let values_path = format!("{path}.values");
    if codes.values.is_empty() {
        errs.push(FieldError::invalid(
            &values_path,
            BadValue::Raw(go_int32_slice(&codes.values)),
            "at least one value is required",
        ));
    } else if codes.values.len() > MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES {
        errs.push(too_many(
            &values_path,
            codes.values.len(),
            MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES,
        ));
    }
    let mut ordered = true;
    let mut seen = BTreeSet::new();
    for (j, &value) in codes.values.iter().enumerate() {
        let value_path = format!("{values_path}[{j}]");
        if codes.operator == "In" && value == 0 {
            errs.push(FieldError::invalid(
                &value_path,
                BadValue::Int(0),
                "must not be 0 for the In operator",
            ));
        }
        if !seen.insert(value) {
            errs.push(FieldError::duplicate(
                &value_path,
                BadValue::Int(i64::from(value)),
            ));
        }
        if j > 0 && codes.values[j - 1] > value {
            ordered = false;
        }
    }
    if !ordered {
        errs.push(FieldError::invalid(
            values_path,
            BadValue::Raw(go_int32_slice(&codes.values)),
            "must be ordered",
        ));
    }
}

/// `validateSuccessPolicy` (Indexed jobs only; the caller checks the mode).
fn validate_success_policy(spec: &JobSpec, policy: &SuccessPolicy, errs: &mut Vec<FieldError>) {
    let rules_path = "spec.successPolicy.rules";
    if policy.rules.is_empty() {
        errs.push(FieldError::required(
            rules_path,
            "at least one rules must be specified when the successPolicy is specified",
        ));
    }
    if policy.rules.len() > MAX_SUCCESS_POLICY_RULES {
        errs.push(too_many(
            rules_path,
            policy.rules.len(),
            MAX_SUCCESS_POLICY_RULES,
        ));
    }
    for (i, rule) in policy.rules.iter().enumerate() {
        validate_success_policy_rule(spec, rule, &format!("{rules_path}[{i}]"), errs);
    }
}

/// `validateSuccessPolicyRule`. Kubernetes dereferences `completions` here (an
/// Indexed job without completions already has "Required value"); dockjob skips the
/// range checks in that case instead of failing.
fn validate_success_policy_rule(
    spec: &JobSpec,
    rule: &SuccessPolicyRule,
    rule_path: &str,
    errs: &mut Vec<FieldError>,
) {
    if rule.succeeded_count.is_none() && rule.succeeded_indexes.is_none() {
        errs.push(FieldError::required(
            rule_path,
            "at least one of succeededCount or succeededIndexes must be specified",
        ));
    }
    let Some(completions) = spec.completions else {
        return;
    };
    let mut total_indexes = 0;
    if let Some(indexes) = &rule.succeeded_indexes {
        let path = format!("{rule_path}.succeededIndexes");
        if indexes.len() > MAX_SUCCEEDED_INDEXES_LENGTH {
            errs.push(FieldError {
                path: path.clone(),
                kind: FieldErrorKind::TooLong,
                detail: format!("must have at most {MAX_SUCCEEDED_INDEXES_LENGTH} bytes"),
            });
        }
        match validate_indexes_format(indexes, completions) {
            Ok(total) => total_indexes = total,
            Err(e) => errs.push(FieldError::invalid(
                path,
                indexes.as_str().into(),
                format!("error parsing succeededIndexes: {e}"),
            )),
        }
    }
    if let Some(count) = rule.succeeded_count {
        let path = format!("{rule_path}.succeededCount");
        nonnegative(i64::from(count), &path, errs);
        if count > completions {
            errs.push(FieldError::invalid(
                &path,
                BadValue::Int(i64::from(count)),
                format!(
                    "must be less than or equal to {completions} (the number of specified completions)"
                ),
            ));
        }
        if rule.succeeded_indexes.is_some() && count > total_indexes {
            errs.push(FieldError::invalid(
                &path,
                BadValue::Int(i64::from(count)),
                format!(
                    "must be less than or equal to {total_indexes} (the number of indexes in the specified succeededIndexes field)"
                ),
            ));
        }
    }
}

/// `validatePodReplacementPolicy`.
fn validate_pod_replacement_policy(spec: &JobSpec, errs: &mut Vec<FieldError>) {
    let Some(policy) = spec.pod_replacement_policy.as_deref() else {
        return;
    };
    let path = "spec.podReplacementPolicy";
    if spec.pod_failure_policy.is_some() {
        if policy != "Failed" {
            errs.push(FieldError::not_supported(path, policy.into(), &["Failed"]));
        }
    } else if !POD_REPLACEMENT_POLICIES.contains(&policy) {
        errs.push(FieldError::not_supported(
            path,
            policy.into(),
            POD_REPLACEMENT_POLICIES,
        ));
    }
}

/// `validateJobSpec`'s rules on completion mode, indexes and their limits.
fn validate_completion_mode(spec: &JobSpec, errs: &mut Vec<FieldError>) {
    let int = |v: i32| BadValue::Int(i64::from(v));
    if let Some(mode) = spec.completion_mode.as_deref() {
        if mode != "NonIndexed" && mode != "Indexed" {
            errs.push(FieldError::not_supported(
                "spec.completionMode",
                mode.into(),
                &["NonIndexed", "Indexed"],
            ));
        }
        if mode == "Indexed" {
            if spec.completions.is_none() {
                errs.push(FieldError::required(
                    "spec.completions",
                    "when completion mode is Indexed",
                ));
            }
            if let Some(p) = spec.parallelism
                && p > MAX_PARALLELISM_FOR_INDEXED_JOB
            {
                errs.push(FieldError::invalid(
                    "spec.parallelism",
                    int(p),
                    format!(
                        "must be less than or equal to {MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed"
                    ),
                ));
            }
            if let (Some(c), Some(m)) = (spec.completions, spec.max_failed_indexes)
                && m > c
            {
                errs.push(FieldError::invalid(
                    "spec.maxFailedIndexes",
                    int(m),
                    "must be less than or equal to completions",
                ));
            }
            if let Some(m) = spec.max_failed_indexes
                && m > MAX_FAILED_INDEXES_FOR_INDEXED_JOB
            {
                errs.push(FieldError::invalid(
                    "spec.maxFailedIndexes",
                    int(m),
                    format!("must be less than or equal to {MAX_FAILED_INDEXES_FOR_INDEXED_JOB}"),
                ));
            }
            if let Some(c) = spec.completions
                && c > COMPLETIONS_SOFT_LIMIT
                && spec.backoff_limit_per_index.is_some()
            {
                if spec.max_failed_indexes.is_none() {
                    errs.push(FieldError::required(
                        "spec.maxFailedIndexes",
                        format!(
                            "must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"
                        ),
                    ));
                }
                if let Some(p) = spec.parallelism
                    && p > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS
                {
                    errs.push(FieldError::invalid(
                        "spec.parallelism",
                        int(p),
                        format!(
                            "must be less than or equal to {PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
                        ),
                    ));
                }
                if let Some(m) = spec.max_failed_indexes
                    && m > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS
                {
                    errs.push(FieldError::invalid(
                        "spec.maxFailedIndexes",
                        int(m),
                        format!(
                            "must be less than or equal to {MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
                        ),
                    ));
                }
            }
        }
    }
    if spec
        .completion_mode
        .as_deref()
        .is_none_or(|m| m == "NonIndexed")
    {
        if let Some(b) = spec.backoff_limit_per_index {
            errs.push(FieldError::invalid(
                "spec.backoffLimitPerIndex",
                int(b),
                "requires indexed completion mode",
            ));
        }
        if let Some(m) = spec.max_failed_indexes {
            errs.push(FieldError::invalid(
                "spec.maxFailedIndexes",
                int(m),
                "requires indexed completion mode",
            ));
        }
    }
}

fn is_indexed(spec: &JobSpec) -> bool {
    spec.completion_mode.as_deref() == Some("Indexed")
}

/// `validateJobSpec`: the spec's own rules, in Kubernetes' order.
fn validate_job_spec_fields(spec: &JobSpec, errs: &mut Vec<FieldError>) {
    let checks: [(Option<i64>, &str); 6] = [
        (spec.parallelism.map(i64::from), "spec.parallelism"),
        (spec.completions.map(i64::from), "spec.completions"),
        (spec.active_deadline_seconds, "spec.activeDeadlineSeconds"),
        (spec.backoff_limit.map(i64::from), "spec.backoffLimit"),
        (
            spec.ttl_seconds_after_finished.map(i64::from),
            "spec.ttlSecondsAfterFinished",
        ),
        (
            spec.backoff_limit_per_index.map(i64::from),
            "spec.backoffLimitPerIndex",
        ),
    ];
    for (value, path) in checks {
        if let Some(v) = value {
            nonnegative(v, path, errs);
        }
    }
    if let Some(m) = spec.max_failed_indexes {
        nonnegative(i64::from(m), "spec.maxFailedIndexes", errs);
        if spec.backoff_limit_per_index.is_none() {
            errs.push(FieldError::required(
                "spec.backoffLimitPerIndex",
                "when maxFailedIndexes is specified",
            ));
        }
    }
    // spec.managedBy: decoding accepts only "kubernetes.io/job-controller", which
    // passes Kubernetes' format and length checks, so they are not repeated here.
    validate_completion_mode(spec, errs);
    validate_pod_failure_policy(spec, errs);
    if let Some(policy) = &spec.success_policy {
        if is_indexed(spec) {
            validate_success_policy(spec, policy, errs);
        } else {
            errs.push(FieldError::invalid(
                "spec.successPolicy",
                json_value(policy),
                "requires indexed completion mode",
            ));
        }
    }
    validate_pod_replacement_policy(spec, errs);
    validate_pod_template(&spec.template, "spec.template", errs);
    let restart = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("");
    match restart {
        "Always" | "" => errs.push(FieldError::required(
            "spec.template.spec.restartPolicy",
            "valid values: \"OnFailure\", \"Never\"",
        )),
        "OnFailure" | "Never" => {
            if spec.pod_failure_policy.is_some() && restart != "Never" {
                errs.push(FieldError::invalid(
                    "spec.template.spec.restartPolicy",
                    restart.into(),
                    "only \"Never\" is supported when podFailurePolicy is specified",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            other.into(),
            &["OnFailure", "Never"],
        )),
    }
}

/// Kubernetes' validation of a Job (`ValidateJob`, the fields dockjob supports), run
/// after `default_job` and `set_job_selector`, errors in Kubernetes' order.
pub fn validate_job(job: &Job) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&job.metadata, &mut errs);
    validate_generated_selector(job, &mut errs);
    let default_spec = JobSpec::default();
    let spec = job.spec.as_ref().unwrap_or(&default_spec);
    validate_job_spec_fields(spec, &mut errs);

    match &spec.selector {
        None => errs.push(FieldError::required("spec.selector", "")),
        Some(ls) => validate_label_selector(ls, "spec.selector", &mut errs),
    }
    if let Some(ls) = &spec.selector
        && let Ok(sel) = Selector::from_label_selector(ls)
    {
        let template_labels = spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.as_ref());
        if !sel.matches_opt(template_labels) {
            errs.push(FieldError::invalid(
                "spec.template.metadata.labels",
                BadValue::Raw(go_string_map(template_labels)),
                "`selector` does not match template `labels`",
            ));
        }
    }
    // Indexed pods are named (and hostnamed) `<job>-<index>`: the largest must be a
    // DNS label. A name still to be generated is checked once it exists.
    let name = job.metadata.name.as_deref().unwrap_or("");
    if is_indexed(spec)
        && !name.is_empty()
        && let Some(c) = spec.completions.filter(|&c| c > 0)
    {
        let hostname = format!("{name}-{}", c - 1);
        if !validate_dns1123_label(&hostname).is_empty() {
            errs.push(FieldError::invalid(
                "metadata.name",
                name.into(),
                format!("will not able to create pod with invalid DNS label: {hostname}"),
            ));
        }
    }
    errs
}

/// `ValidateObjectMetaUpdate`'s identity rules: name, namespace and uid stay.
fn validate_object_meta_update(old: &ObjectMeta, new: &ObjectMeta, errs: &mut Vec<FieldError>) {
    let fields = [
        ("metadata.name", &old.name, &new.name),
        ("metadata.namespace", &old.namespace, &new.namespace),
        ("metadata.uid", &old.uid, &new.uid),
    ];
    for (path, old, new) in fields {
        if old.as_deref().unwrap_or("") != new.as_deref().unwrap_or("") {
            errs.push(FieldError::immutable(
                path,
                new.as_deref().unwrap_or("").into(),
            ));
        }
    }
}

/// The old template with what Kubernetes lets change in a suspended Job that never
/// started (`AllowMutableSchedulingDirectives`) taken from the new one: template
/// labels and annotations, node selector, tolerations, scheduling gates and node
/// affinity. dockjob refuses the scheduling fields at decoding, so in practice the
/// labels and annotations are what may change.
fn template_with_mutable_directives(
    old: &PodTemplateSpec,
    new: &PodTemplateSpec,
) -> PodTemplateSpec {
    let mut t = old.clone();
    let meta = t.metadata.get_or_insert_with(Default::default);
    let new_meta = new.metadata.as_ref();
    meta.labels = new_meta.and_then(|m| m.labels.clone());
    meta.annotations = new_meta.and_then(|m| m.annotations.clone());
    if let (Some(spec), Some(new_spec)) = (t.spec.as_mut(), new.spec.as_ref()) {
        match (new_spec.affinity.as_ref(), spec.affinity.as_mut()) {
            (None, Some(old_affinity)) => {
                old_affinity.node_affinity = None;
                if *old_affinity == Affinity::default() {
                    spec.affinity = None;
                }
            }
            (Some(new_affinity), None) => {
                spec.affinity = Some(Affinity {
                    node_affinity: new_affinity.node_affinity.clone(),
                    ..Default::default()
                });
            }
            (Some(new_affinity), Some(old_affinity)) => {
                old_affinity.node_affinity = new_affinity.node_affinity.clone();
            }
            (None, None) => {}
        }
        spec.node_selector = new_spec.node_selector.clone();
        spec.tolerations = new_spec.tolerations.clone();
        spec.scheduling_gates = new_spec.scheduling_gates.clone();
    }
    t
}

/// Kubernetes' rules for what an update of a Job may change (`ValidateJobUpdate`
/// without re-running [`validate_job`], which the caller runs on `new`), with the
/// options the Job registry strategy sets:
///
/// - name, namespace and uid stay;
/// - `spec.completions` stays, except in an Indexed job where it may change together
///   with `parallelism` (the two equal: elastic Indexed Jobs, GA since 1.31);
/// - `spec.selector`, `spec.completionMode`, `spec.podFailurePolicy`,
///   `spec.backoffLimitPerIndex`, `spec.managedBy` and `spec.successPolicy` stay;
/// - `spec.template` stays, except its labels and annotations (and scheduling
///   directives) while the old job is suspended and has never started;
/// - everything else (`parallelism`, `suspend`, `activeDeadlineSeconds`,
///   `backoffLimit`, `ttlSecondsAfterFinished`, `maxFailedIndexes`,
///   `podReplacementPolicy`) may change, within [`validate_job`]'s rules.
pub fn validate_job_update(old: &Job, new: &Job) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);

    let default_spec = JobSpec::default();
    let o = old.spec.as_ref().unwrap_or(&default_spec);
    let n = new.spec.as_ref().unwrap_or(&default_spec);
    // validateCompletions
    if o.completions != n.completions {
        if !is_indexed(n) {
            errs.push(FieldError::immutable(
                "spec.completions",
                opt_i32(n.completions),
            ));
        } else if let Some(c) = n.completions
            && Some(c) != n.parallelism
        {
            // (Indexed without completions already fails "Required value".)
            errs.push(FieldError::invalid(
                "spec.completions",
                BadValue::Int(i64::from(c)),
                "can only be modified in tandem with spec.parallelism",
            ));
        }
    }
    if o.selector != n.selector {
        let v = n
            .selector
            .as_ref()
            .map_or(BadValue::Null, |s| BadValue::Raw(go_label_selector(s)));
        errs.push(FieldError::immutable("spec.selector", v));
    }
    let suspended_never_started = o.suspend == Some(true)
        && old
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .is_none();
    let old_template = if suspended_never_started {
        template_with_mutable_directives(&o.template, &n.template)
    } else {
        o.template.clone()
    };
    if old_template != n.template {
        errs.push(FieldError::immutable(
            "spec.template",
            json_value(&n.template),
        ));
    }
    if o.completion_mode != n.completion_mode {
        let v = n
            .completion_mode
            .as_deref()
            .map_or(BadValue::Null, BadValue::from);
        errs.push(FieldError::immutable("spec.completionMode", v));
    }
    if o.pod_failure_policy != n.pod_failure_policy {
        let v = n
            .pod_failure_policy
            .as_ref()
            .map_or(BadValue::Null, json_value);
        errs.push(FieldError::immutable("spec.podFailurePolicy", v));
    }
    if o.backoff_limit_per_index != n.backoff_limit_per_index {
        errs.push(FieldError::immutable(
            "spec.backoffLimitPerIndex",
            opt_i32(n.backoff_limit_per_index),
        ));
    }
    if o.managed_by != n.managed_by {
        let v = n
            .managed_by
            .as_deref()
            .map_or(BadValue::Null, BadValue::from);
        errs.push(FieldError::immutable("spec.managedBy", v));
    }
    if o.success_policy != n.success_policy {
        let v = n.success_policy.as_ref().map_or(BadValue::Null, json_value);
        errs.push(FieldError::immutable("spec.successPolicy", v));
    }
    errs
}

// ---------------------------------------------------------------------------------
// CronJobs.

/// `DNS1035LabelMaxLength - 11`: the CronJob controller names each Job
/// `<cronjob>-<scheduled minutes>` (an 11-character suffix), and a Job name must fit a
/// 63-character label.
pub const CRONJOB_NAME_MAX_LENGTH: usize = 63 - 11;

/// `validateConcurrencyPolicy`'s values, in Kubernetes' order.
const CONCURRENCY_POLICIES: &[&str] = &["Allow", "Forbid", "Replace"];

/// Kubernetes' path of a CronJob's Job spec.
const JOB_TEMPLATE_SPEC_PATH: &str = "spec.jobTemplate.spec";

/// Errors of a Job spec validated at `spec`, moved to `spec.jobTemplate.spec`.
fn rerooted_under_job_template(errs: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errs.into_iter().map(|mut e| {
        if let Some(rest) = e.path.strip_prefix("spec")
            && (rest.is_empty() || rest.starts_with(['.', '[']))
        {
            e.path = format!("{JOB_TEMPLATE_SPEC_PATH}{rest}");
        }
        e
    })
}

/// `ValidateJobTemplateSpec`: the template's spec is validated as a Job's spec
/// (`validateJobSpec`: restart policy, pod template, counts, policies), and its
/// selector must be left to the controller. Kubernetes does not validate
/// `jobTemplate.metadata` here.
fn validate_job_template_spec(template: &JobTemplateSpec, errs: &mut Vec<FieldError>) {
    let default_spec = JobSpec::default();
    let spec = template.spec.as_ref().unwrap_or(&default_spec);
    let mut spec_errs = Vec::new();
    validate_job_spec_fields(spec, &mut spec_errs);
    errs.extend(rerooted_under_job_template(spec_errs));
    if let Some(selector) = &spec.selector {
        errs.push(FieldError::invalid(
            format!("{JOB_TEMPLATE_SPEC_PATH}.selector"),
            BadValue::Raw(go_label_selector(selector)),
            "`selector` will be auto-generated",
        ));
    }
    if spec.manual_selector == Some(true) {
        errs.push(FieldError::not_supported(
            format!("{JOB_TEMPLATE_SPEC_PATH}.manualSelector"),
            BadValue::Bool(true),
            &["nil", "false"],
        ));
    }
}

/// `validateCronJobSpec`, in Kubernetes' order: schedule, startingDeadlineSeconds,
/// timeZone (on create, and on an update that changes it), concurrencyPolicy, the job
/// template, the history limits. `old` is the stored spec on an update: a schedule
/// that already had `TZ=` may keep it.
fn validate_cronjob_spec(
    spec: &CronJobSpec,
    old: Option<&CronJobSpec>,
    errs: &mut Vec<FieldError>,
) {
    errs.extend(schedule::validate_schedule(
        &spec.schedule,
        old.map(|o| o.schedule.as_str()),
        spec.time_zone.as_deref(),
        "spec.schedule",
    ));
    if let Some(d) = spec.starting_deadline_seconds {
        nonnegative(d, "spec.startingDeadlineSeconds", errs);
    }
    if old.is_none_or(|o| o.time_zone != spec.time_zone) {
        errs.extend(schedule::validate_time_zone(
            spec.time_zone.as_deref(),
            "spec.timeZone",
        ));
    }
    match spec.concurrency_policy.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.concurrencyPolicy", "")),
        p if CONCURRENCY_POLICIES.contains(&p) => {}
        other => errs.push(FieldError::not_supported(
            "spec.concurrencyPolicy",
            other.into(),
            CONCURRENCY_POLICIES,
        )),
    }
    validate_job_template_spec(&spec.job_template, errs);
    if let Some(limit) = spec.successful_jobs_history_limit {
        nonnegative(i64::from(limit), "spec.successfulJobsHistoryLimit", errs);
    }
    if let Some(limit) = spec.failed_jobs_history_limit {
        nonnegative(i64::from(limit), "spec.failedJobsHistoryLimit", errs);
    }
}

/// Kubernetes' validation of a new CronJob (`ValidateCronJobCreate`), run after
/// `default_cronjob`: metadata (a DNS-subdomain name of at most
/// [`CRONJOB_NAME_MAX_LENGTH`] characters), then the spec.
///
/// A name still to be generated from `generateName` is measured as it will be
/// (the prefix cut to 58 characters, plus 5), and shown as the prefix.
pub fn validate_cronjob(cj: &CronJob) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&cj.metadata, &mut errs);
    validate_cronjob_spec(&cj.spec, None, &mut errs);
    let name = cj.metadata.name.as_deref().unwrap_or("");
    let generate = cj.metadata.generate_name.as_deref().unwrap_or("");
    let (shown, length) = if !name.is_empty() {
        (name, name.len())
    } else {
        (
            generate,
            generate.len().min(MAX_GENERATED_NAME_LENGTH) + RANDOM_LENGTH,
        )
    };
    if !shown.is_empty() && length > CRONJOB_NAME_MAX_LENGTH {
        errs.push(FieldError::invalid(
            "metadata.name",
            shown.into(),
            format!("must be no more than {CRONJOB_NAME_MAX_LENGTH} characters"),
        ));
    }
    errs
}

/// Kubernetes' validation of a CronJob update (`ValidateCronJobUpdate`), complete: the
/// caller runs this instead of [`validate_cronjob`]. Name, namespace and uid stay;
/// every spec field may change, within the spec's rules, with two update-only
/// allowances: the name's 52-character limit is not applied (older CronJobs may be
/// longer), and `timeZone` is checked only when it changes.
pub fn validate_cronjob_update(old: &CronJob, new: &CronJob) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(&old.metadata, &new.metadata, &mut errs);
    validate_object_meta(&new.metadata, &mut errs);
    validate_cronjob_spec(&new.spec, Some(&old.spec), &mut errs);
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::defaults::{default_job, default_pod, set_job_selector};
    use serde_json::json;

    const UID: &str = "0c6b7e5e-0000-4000-8000-000000000001";

    /// The seed's one-shot job, defaulted and given a selector as the engine would.
    fn seed(edit: impl FnOnce(&mut serde_json::Value)) -> Job {
        let mut v = json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "oneshot", "namespace": "default", "labels": {"chapter": "jobs"}},
            "spec": {"template": {
                "metadata": {"labels": {"chapter": "jobs"}},
                "spec": {
                    "containers": [{"name": "kuard", "image": "gcr.io/kuar-demo/kuard-amd64:1",
                        "imagePullPolicy": "Always",
                        "args": ["--keygen-enable", "--keygen-exit-on-complete", "--keygen-num-to-gen=10"]}],
                    "restartPolicy": "OnFailure"}}}
        });
        edit(&mut v);
        let mut job: Job = serde_json::from_value(v).expect("job");
        default_job(&mut job);
        job.metadata.uid = Some(UID.to_string());
        set_job_selector(&mut job, UID);
        job
    }

    fn messages(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_seed_job_is_valid() {
        assert_eq!(messages(&validate_job(&seed(|_| {}))), Vec::<String>::new());
        let work_queue = seed(|v| {
            v["spec"]["parallelism"] = json!(5);
        });
        assert_eq!(work_queue.spec.as_ref().and_then(|s| s.completions), None);
        assert!(validate_job(&work_queue).is_empty());
    }

    #[test]
    fn each_kubernetes_message() {
        type Edit = fn(&mut serde_json::Value);
        let cases: Vec<(Edit, Vec<String>)> = vec![
            (
                |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Always"),
                vec!["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!(null),
                vec!["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Sometimes"),
                vec![
                    "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"".into(),
                    "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"OnFailure\", \"Never\"".into(),
                ],
            ),
            (
                |v| v["spec"]["parallelism"] = json!(-1),
                vec!["spec.parallelism: Invalid value: -1: must be greater than or equal to 0".into()],
            ),
            (
                |v| v["spec"]["completions"] = json!(-2),
                vec!["spec.completions: Invalid value: -2: must be greater than or equal to 0".into()],
            ),
            (
                |v| v["spec"]["backoffLimit"] = json!(-3),
                vec!["spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"] = json!([]),
                vec!["spec.template.spec.containers: Required value".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["image"] = json!(null),
                vec!["spec.template.spec.containers[0].image: Required value".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["name"] = json!("Kuard"),
                vec!["spec.template.spec.containers[0].name: Invalid value: \"Kuard\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["name"] = json!(""),
                vec!["spec.template.spec.containers[0].name: Required value".into()],
            ),
            (
                |v| {
                    let c = v["spec"]["template"]["spec"]["containers"][0].clone();
                    v["spec"]["template"]["spec"]["containers"] = json!([c.clone(), c]);
                },
                vec!["spec.template.spec.containers[1].name: Duplicate value: \"kuard\"".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["env"] = json!([{"name": "A=B", "value": "x"}, {"name": ""}]),
                vec![
                    "spec.template.spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='".into(),
                    "spec.template.spec.containers[0].env[1].name: Required value".into(),
                ],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("Sometimes"),
                vec!["spec.template.spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"limits": {"cpu": "1"}, "requests": {"cpu": "2"}}),
                vec!["spec.template.spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1".into()],
            ),
            (
                |v| v["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"limits": {"memory": "lots"}}),
                vec!["spec.template.spec.containers[0].resources.limits[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".into()],
            ),
            (
                |v| v["metadata"]["name"] = json!("Foo"),
                vec![
                    "metadata.name: Invalid value: \"Foo\": ".to_string() + &validate_dns1123_subdomain_msg(),
                    "spec.template.metadata.labels[job-name]: Invalid value: map[string]string{\"batch.kubernetes.io/controller-uid\":\"0c6b7e5e-0000-4000-8000-000000000001\", \"batch.kubernetes.io/job-name\":\"oneshot\", \"chapter\":\"jobs\", \"controller-uid\":\"0c6b7e5e-0000-4000-8000-000000000001\", \"job-name\":\"oneshot\"}: must be 'Foo'".into(),
                    "spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: map[string]string{\"batch.kubernetes.io/controller-uid\":\"0c6b7e5e-0000-4000-8000-000000000001\", \"batch.kubernetes.io/job-name\":\"oneshot\", \"chapter\":\"jobs\", \"controller-uid\":\"0c6b7e5e-0000-4000-8000-000000000001\", \"job-name\":\"oneshot\"}: must be 'Foo'".into(),
                ],
            ),
            (
                |v| v["metadata"]["labels"] = json!({"bad key": "x"}),
                vec!["metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".into()],
            ),
        ];
        for (edit, want) in cases {
            let mut job = seed(edit);
            if job.metadata.name.as_deref() == Some("Foo") {
                // set_job_selector ran with "Foo" already; make the labels disagree as
                // a renamed job would.
                let labels = job
                    .spec
                    .as_mut()
                    .and_then(|s| s.template.metadata.as_mut())
                    .and_then(|m| m.labels.as_mut())
                    .expect("labels");
                labels.insert("job-name".into(), "oneshot".into());
                labels.insert("batch.kubernetes.io/job-name".into(), "oneshot".into());
            }
            assert_eq!(messages(&validate_job(&job)), want);
        }
    }

    fn validate_dns1123_subdomain_msg() -> String {
        crate::api::names::validate_dns1123_subdomain("Foo")[0].clone()
    }

    #[test]
    fn selector_rules() {
        // A user-set selector that does not match the template.
        let job = seed(|v| {
            v["spec"]["manualSelector"] = json!(true);
            v["spec"]["selector"] = json!({"matchLabels": {"app": "other"}});
        });
        assert_eq!(
            messages(&validate_job(&job)),
            [
                "spec.template.metadata.labels: Invalid value: map[string]string{\"chapter\":\"jobs\"}: `selector` does not match template `labels`"
            ]
        );
        // Without manualSelector, an extra selector term is "not auto-generated".
        let job = seed(|v| {
            v["spec"]["selector"] = json!({"matchLabels": {"chapter": "jobs"}});
        });
        assert_eq!(
            messages(&validate_job(&job)),
            [
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"batch.kubernetes.io/controller-uid\":\"0c6b7e5e-0000-4000-8000-000000000001\", \"chapter\":\"jobs\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated"
            ]
        );
        // Missing selector and uid (validation before set_job_selector).
        let mut job: Job = serde_json::from_value(json!({
            "metadata": {"name": "x"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}
        }))
        .expect("job");
        default_job(&mut job);
        assert_eq!(
            messages(&validate_job(&job)),
            ["spec.selector: Required value"]
        );
        let job = seed(|v| {
            v["spec"]["manualSelector"] = json!(true);
            v["spec"]["selector"] = json!({"matchExpressions": [{"key": "chapter", "operator": "Has"}, {"key": "a", "operator": "In"}]});
        });
        assert_eq!(
            messages(&validate_job(&job)),
            [
                "spec.selector.matchExpressions[0].operator: Invalid value: \"Has\": not a valid selector operator",
                "spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            ]
        );
    }

    #[test]
    fn generate_name_needs_no_name() {
        let mut job = seed(|_| {});
        job.metadata.name = None;
        job.metadata.generate_name = Some("oneshot-".into());
        // The generated labels hold the old name, so only label errors remain; what
        // matters is that no "name or generateName is required" error appears.
        assert!(
            !messages(&validate_job(&job))
                .iter()
                .any(|m| m.starts_with("metadata.name"))
        );
        job.metadata.generate_name = None;
        assert!(messages(&validate_job(&job)).contains(
            &"metadata.name: Required value: name or generateName is required".to_string()
        ));
    }

    #[test]
    fn pods() {
        let mut pod: Pod = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 0, "name": "Http"}]}]}
        }))
        .expect("pod");
        default_pod(&mut pod);
        assert_eq!(
            messages(&validate_pod(&pod)),
            [
                "spec.containers[0].ports[0].name: Invalid value: \"Http\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "spec.containers[0].ports[0].containerPort: Required value",
            ]
        );
        let mut pod: Pod = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}
        }))
        .expect("pod");
        default_pod(&mut pod);
        assert!(validate_pod(&pod).is_empty());
    }

    #[test]
    fn updates() {
        let old = seed(|_| {});
        let mut new = old.clone();
        if let Some(s) = new.spec.as_mut() {
            s.parallelism = Some(3);
            s.backoff_limit = Some(1);
        }
        assert!(validate_job_update(&old, &new).is_empty());

        let mut new = old.clone();
        if let Some(s) = new.spec.as_mut() {
            s.completions = Some(4);
            if let Some(p) = s.template.spec.as_mut() {
                p.containers[0].image = Some("busybox".into());
            }
        }
        let errs = validate_job_update(&old, &new);
        let msgs = messages(&errs);
        assert_eq!(
            msgs[0],
            "spec.completions: Invalid value: 4: field is immutable"
        );
        assert!(
            msgs[1].starts_with("spec.template: Invalid value: {"),
            "{}",
            msgs[1]
        );
        assert!(msgs[1].ends_with(": field is immutable"), "{}", msgs[1]);
        assert_eq!(errs.len(), 2);
        assert!(matches!(errs[0].kind, FieldErrorKind::Immutable { .. }));
        assert_eq!(errs[0].reason(), "FieldValueInvalid");

        let mut new = old.clone();
        if let Some(s) = new.spec.as_mut() {
            s.selector = None;
            s.completions = None;
        }
        new.metadata.name = Some("other".into());
        assert_eq!(
            messages(&validate_job_update(&old, &new)),
            [
                "metadata.name: Invalid value: \"other\": field is immutable",
                "spec.completions: Invalid value: null: field is immutable",
                "spec.selector: Invalid value: null: field is immutable",
            ]
        );
    }

    /// The seed job with `restartPolicy: Never` and the given spec fields merged in.
    fn never(fields: serde_json::Value) -> Job {
        seed(|v| {
            v["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
            for (k, f) in fields.as_object().expect("object") {
                v["spec"][k] = f.clone();
            }
        })
    }

    #[test]
    fn every_implemented_field_can_be_valid() {
        let job = never(json!({
            "parallelism": 2, "completions": 4, "activeDeadlineSeconds": 0,
            "ttlSecondsAfterFinished": 0, "suspend": true, "completionMode": "Indexed",
            "backoffLimitPerIndex": 1, "maxFailedIndexes": 4,
            "managedBy": "kubernetes.io/job-controller",
            "podFailurePolicy": {"rules": [
                {"action": "FailJob", "onExitCodes": {"containerName": "kuard", "operator": "In", "values": [1, 42]}},
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
                {"action": "FailIndex", "onExitCodes": {"operator": "NotIn", "values": [0]}},
                {"action": "Count", "onPodConditions": [{"type": "example.com/Custom", "status": "False"}]},
            ]},
            "successPolicy": {"rules": [{"succeededIndexes": "0,2-3", "succeededCount": 3}, {"succeededCount": 4}]},
        }));
        assert_eq!(messages(&validate_job(&job)), Vec::<String>::new());
    }

    #[test]
    fn job_spec_field_messages() {
        let cases: Vec<(serde_json::Value, Vec<&str>)> = vec![
            (
                json!({"activeDeadlineSeconds": -1}),
                vec![
                    "spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
            (
                json!({"ttlSecondsAfterFinished": -5}),
                vec![
                    "spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0",
                ],
            ),
            (
                json!({"completionMode": "Sometimes"}),
                vec![
                    "spec.completionMode: Unsupported value: \"Sometimes\": supported values: \"NonIndexed\", \"Indexed\"",
                ],
            ),
            (
                json!({"completionMode": "Indexed", "parallelism": 100001, "completions": null}),
                vec![
                    "spec.completions: Required value: when completion mode is Indexed",
                    "spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed",
                ],
            ),
            (
                json!({"backoffLimitPerIndex": -1, "maxFailedIndexes": -1}),
                vec![
                    "spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0",
                    "spec.maxFailedIndexes: Invalid value: -1: must be greater than or equal to 0",
                    "spec.backoffLimitPerIndex: Invalid value: -1: requires indexed completion mode",
                    "spec.maxFailedIndexes: Invalid value: -1: requires indexed completion mode",
                ],
            ),
            (
                json!({"maxFailedIndexes": 1, "completionMode": "Indexed", "completions": 3}),
                vec![
                    "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
                ],
            ),
            (
                json!({"completionMode": "Indexed", "completions": 3, "backoffLimitPerIndex": 1, "maxFailedIndexes": 4}),
                vec![
                    "spec.maxFailedIndexes: Invalid value: 4: must be less than or equal to completions",
                ],
            ),
            (
                json!({"completionMode": "Indexed", "completions": 200000, "parallelism": 20000, "backoffLimitPerIndex": 1}),
                vec![
                    "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000",
                    "spec.parallelism: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
                ],
            ),
            (
                json!({"completionMode": "Indexed", "completions": 200000, "backoffLimitPerIndex": 1, "maxFailedIndexes": 150000}),
                vec![
                    "spec.maxFailedIndexes: Invalid value: 150000: must be less than or equal to 100000",
                    "spec.maxFailedIndexes: Invalid value: 150000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
                ],
            ),
            (
                json!({"podReplacementPolicy": "Sometimes"}),
                vec![
                    "spec.podReplacementPolicy: Unsupported value: \"Sometimes\": supported values: \"Failed\", \"TerminatingOrFailed\"",
                ],
            ),
            (
                json!({"podReplacementPolicy": "TerminatingOrFailed", "podFailurePolicy": {"rules": []}}),
                vec![
                    "spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\"",
                ],
            ),
            (
                json!({"successPolicy": {"rules": [{"succeededCount": 1}]}}),
                vec![
                    "spec.successPolicy: Invalid value: {\"rules\":[{\"succeededCount\":1}]}: requires indexed completion mode",
                ],
            ),
        ];
        for (fields, want) in cases {
            let job = never(fields.clone());
            assert_eq!(messages(&validate_job(&job)), want, "{fields}");
        }
    }

    #[test]
    fn pod_failure_policy_messages() {
        let policy = |rules: serde_json::Value| json!({"podFailurePolicy": {"rules": rules}});
        let cases: Vec<(serde_json::Value, Vec<&str>)> = vec![
            (
                policy(json!([{"onExitCodes": {"operator": "In", "values": [1]}}])),
                vec![
                    "spec.podFailurePolicy.rules[0].action: Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
                ],
            ),
            (
                policy(
                    json!([{"action": "Restart", "onExitCodes": {"operator": "In", "values": [1]}}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].action: Unsupported value: \"Restart\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"",
                ],
            ),
            (
                policy(
                    json!([{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [1]}}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set",
                ],
            ),
            (
                policy(json!([{"action": "FailJob", "onExitCodes": {"values": [1]}}])),
                vec![
                    "spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: [\"In\" \"NotIn\"]",
                ],
            ),
            (
                policy(
                    json!([{"action": "FailJob", "onExitCodes": {"operator": "Has", "values": [1]}}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: \"Has\": supported values: \"In\", \"NotIn\"",
                ],
            ),
            (
                policy(
                    json!([{"action": "FailJob", "onExitCodes": {"containerName": "other", "operator": "In", "values": [1]}}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: \"other\": must be one of the container or initContainer names in the pod template",
                ],
            ),
            (
                policy(json!([{"action": "FailJob", "onExitCodes": {"operator": "In"}}])),
                vec![
                    "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32(nil): at least one value is required",
                ],
            ),
            (
                policy(
                    json!([{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [3, 0, 3]}}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{3, 0, 3}: must be ordered",
                ],
            ),
            (
                policy(
                    json!([{"action": "Ignore", "onExitCodes": {"operator": "NotIn", "values": (0..256).collect::<Vec<i32>>()}}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items",
                ],
            ),
            (
                policy(json!([{"action": "Ignore"}])),
                vec![
                    "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
                ],
            ),
            (
                policy(
                    json!([{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}, "onPodConditions": [{"type": "DisruptionTarget"}]}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
                ],
            ),
            (
                policy(
                    json!([{"action": "Ignore", "onPodConditions": [{"type": "Disruption Target", "status": "Maybe"}]}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"Disruption Target\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                    "spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\"",
                ],
            ),
            (
                policy(json!([{"action": "Ignore", "onPodConditions": [{"type": "a/b/c"}]}])),
                vec![
                    "spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ],
            ),
            (
                policy(
                    json!([{"action": "Ignore", "onPodConditions": (0..21).map(|_| json!({"type": "X"})).collect::<Vec<_>>()}]),
                ),
                vec![
                    "spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items",
                ],
            ),
            (
                policy(json!(
                    (0..21)
                        .map(|_| json!({"action": "Ignore", "onPodConditions": [{"type": "X"}]}))
                        .collect::<Vec<_>>()
                )),
                vec!["spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items"],
            ),
        ];
        for (fields, want) in cases {
            let job = never(fields.clone());
            assert_eq!(messages(&validate_job(&job)), want, "{fields}");
        }
        // Not allowed with OnFailure (the seed's restart policy).
        let job = seed(|v| {
            v["spec"]["podFailurePolicy"] = json!({"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}]});
        });
        assert_eq!(
            messages(&validate_job(&job)),
            [
                "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified"
            ]
        );
        // An init container's name counts too.
        let job = never(json!({
            "podFailurePolicy": {"rules": [{"action": "Ignore", "onExitCodes": {"containerName": "init", "operator": "In", "values": [1]}}]},
        }));
        let mut job = job;
        if let Some(pod) = job.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
            let mut init = pod.containers[0].clone();
            init.name = "init".into();
            pod.init_containers = Some(vec![init]);
        }
        assert_eq!(messages(&validate_job(&job)), Vec::<String>::new());
    }

    #[test]
    fn success_policy_messages() {
        let indexed = |rules: serde_json::Value| json!({"completionMode": "Indexed", "completions": 5, "successPolicy": {"rules": rules}});
        let cases: Vec<(serde_json::Value, Vec<&str>)> = vec![
            (
                indexed(json!([])),
                vec![
                    "spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified",
                ],
            ),
            (
                indexed(json!([{}])),
                vec![
                    "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified",
                ],
            ),
            (
                indexed(json!([{"succeededIndexes": "1,3-5"}])),
                vec![
                    "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"1,3-5\": error parsing succeededIndexes: too large index: \"5\"",
                ],
            ),
            (
                indexed(json!([{"succeededIndexes": "3,1"}])),
                vec![
                    "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"3,1\": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1",
                ],
            ),
            (
                indexed(json!([{"succeededIndexes": "1-a"}])),
                vec![
                    "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"1-a\": error parsing succeededIndexes: cannot convert string to integer for index: \"a\"",
                ],
            ),
            (
                indexed(json!([{"succeededIndexes": "1-2-3"}])),
                vec![
                    "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"1-2-3\": error parsing succeededIndexes: the fragment \"1-2-3\" violates the requirement that an index interval can have at most two parts separated by '-'",
                ],
            ),
            (
                indexed(json!([{"succeededIndexes": "0,2-3", "succeededCount": 4}])),
                vec![
                    "spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of indexes in the specified succeededIndexes field)",
                ],
            ),
            (
                indexed(json!([{"succeededCount": 6}])),
                vec![
                    "spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)",
                ],
            ),
            (
                indexed(json!([{"succeededCount": -1}])),
                vec![
                    "spec.successPolicy.rules[0].succeededCount: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
            (
                indexed(json!(
                    (0..21)
                        .map(|_| json!({"succeededCount": 1}))
                        .collect::<Vec<_>>()
                )),
                vec!["spec.successPolicy.rules: Too many: 21: must have at most 20 items"],
            ),
        ];
        for (fields, want) in cases {
            let job = never(fields.clone());
            assert_eq!(messages(&validate_job(&job)), want, "{fields}");
        }
    }

    #[test]
    fn indexes_format() {
        assert_eq!(validate_indexes_format("", 3), Ok(0));
        assert_eq!(validate_indexes_format("0,2-4,7", 8), Ok(5));
        assert_eq!(validate_indexes_format("+1", 3), Ok(1));
        assert_eq!(
            validate_indexes_format("2-2", 3),
            Err("non-increasing order, previous: 2, current: 2".into())
        );
        assert_eq!(
            validate_indexes_format("1,1", 3),
            Err("non-increasing order, previous: 1, current: 1".into())
        );
        assert_eq!(
            validate_indexes_format("-1", 3),
            Err("cannot convert string to integer for index: \"\"".into())
        );
        assert_eq!(
            validate_indexes_format("1,", 3),
            Err("cannot convert string to integer for index: \"\"".into())
        );
    }

    #[test]
    fn indexed_job_names_must_make_dns_labels() {
        let job = seed(|v| {
            v["metadata"]["name"] = json!("a".repeat(62));
            v["spec"]["completionMode"] = json!("Indexed");
            v["spec"]["completions"] = json!(10);
        });
        let name = "a".repeat(62);
        assert_eq!(
            messages(&validate_job(&job)),
            [format!(
                "metadata.name: Invalid value: \"{name}\": will not able to create pod with invalid DNS label: {name}-9"
            )]
        );
    }

    #[test]
    fn update_rules_for_issue_3_fields() {
        let old = never(json!({"completionMode": "Indexed", "completions": 4, "parallelism": 2}));
        let change = |edit: fn(&mut JobSpec)| {
            let mut new = old.clone();
            if let Some(s) = new.spec.as_mut() {
                edit(s);
            }
            messages(&validate_job_update(&old, &new))
        };
        // May change.
        assert!(change(|s| s.suspend = Some(true)).is_empty());
        assert!(change(|s| s.active_deadline_seconds = Some(5)).is_empty());
        assert!(change(|s| s.ttl_seconds_after_finished = Some(5)).is_empty());
        assert!(change(|s| s.parallelism = Some(7)).is_empty());
        assert!(change(|s| s.max_failed_indexes = Some(1)).is_empty());
        assert!(change(|s| s.pod_replacement_policy = Some("Failed".into())).is_empty());
        // Elastic Indexed Job: completions only in tandem with parallelism.
        assert!(
            change(|s| {
                s.completions = Some(6);
                s.parallelism = Some(6);
            })
            .is_empty()
        );
        assert_eq!(
            change(|s| s.completions = Some(6)),
            [
                "spec.completions: Invalid value: 6: can only be modified in tandem with spec.parallelism"
            ]
        );
        // May not.
        assert_eq!(
            change(|s| s.completion_mode = Some("NonIndexed".into())),
            ["spec.completionMode: Invalid value: \"NonIndexed\": field is immutable"]
        );
        assert_eq!(
            change(|s| s.backoff_limit_per_index = Some(1)),
            ["spec.backoffLimitPerIndex: Invalid value: 1: field is immutable"]
        );
        assert_eq!(
            change(|s| s.managed_by = Some("kubernetes.io/job-controller".into())),
            ["spec.managedBy: Invalid value: \"kubernetes.io/job-controller\": field is immutable"]
        );
        assert_eq!(
            change(|s| s.pod_failure_policy = Some(Default::default())),
            ["spec.podFailurePolicy: Invalid value: {\"rules\":[]}: field is immutable"]
        );
        assert_eq!(
            change(|s| s.success_policy = Some(Default::default())),
            ["spec.successPolicy: Invalid value: {\"rules\":[]}: field is immutable"]
        );
        // NonIndexed: completions never change.
        let old = never(json!({}));
        let mut new = old.clone();
        if let Some(s) = new.spec.as_mut() {
            s.completions = Some(2);
            s.parallelism = Some(2);
        }
        assert_eq!(
            messages(&validate_job_update(&old, &new)),
            ["spec.completions: Invalid value: 2: field is immutable"]
        );
    }

    #[test]
    fn template_of_a_suspended_never_started_job_may_change_labels_only() {
        let label = |job: &mut Job| {
            if let Some(l) = job
                .spec
                .as_mut()
                .and_then(|s| s.template.metadata.as_mut())
                .and_then(|m| m.labels.as_mut())
            {
                l.insert("extra".into(), "yes".into());
            }
        };
        let image = |job: &mut Job| {
            if let Some(p) = job.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
                p.containers[0].image = Some("busybox".into());
            }
        };
        let suspended = never(json!({"suspend": true}));
        let mut new = suspended.clone();
        label(&mut new);
        assert!(validate_job_update(&suspended, &new).is_empty());
        let mut new = suspended.clone();
        image(&mut new);
        let msgs = messages(&validate_job_update(&suspended, &new));
        assert_eq!(msgs.len(), 1);
        assert!(
            msgs[0].starts_with("spec.template: Invalid value: {"),
            "{}",
            msgs[0]
        );
        assert!(msgs[0].ends_with("}: field is immutable"), "{}", msgs[0]);

        // Once started (or not suspended), the labels are frozen too.
        let mut started = suspended.clone();
        started.status = Some(k8s_openapi::api::batch::v1::JobStatus {
            start_time: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                Default::default(),
            )),
            ..Default::default()
        });
        let mut new = started.clone();
        label(&mut new);
        assert_eq!(validate_job_update(&started, &new).len(), 1);
        let running = never(json!({}));
        let mut new = running.clone();
        label(&mut new);
        let errs = validate_job_update(&running, &new);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "spec.template");
        assert_eq!(errs[0].detail, IMMUTABLE_MSG);
    }

    #[test]
    fn too_many_and_omitted_values_print_as_kubernetes() {
        let e = too_many("a", 21, 20);
        assert_eq!(e.to_string(), "a: Too many: 21: must have at most 20 items");
        assert_eq!(e.reason(), "FieldValueTooMany");
        let e = FieldError::invalid_omit("b", "why");
        assert_eq!(e.to_string(), "b: Invalid value: why");
        assert_eq!(e.reason(), "FieldValueInvalid");
    }

    #[test]
    fn aggregate_messages() {
        let one = [FieldError::invalid(
            "spec.parallelism",
            BadValue::Int(-1),
            NEGATIVE_MSG,
        )];
        assert_eq!(
            invalid_message(Kind::Job, "foo", &one),
            "Job.batch \"foo\" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0"
        );
        let two = [
            one[0].clone(),
            FieldError::required("spec.template.spec.containers", ""),
            one[0].clone(),
        ];
        assert_eq!(
            invalid_message(Kind::Job, "foo", &two),
            "Job.batch \"foo\" is invalid: [spec.parallelism: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers: Required value]"
        );
        assert_eq!(invalid_message(Kind::Pod, "p", &[]), "Pod \"p\" is invalid");
        assert_eq!(
            kubectl_invalid_message(Kind::Job, "foo", &one),
            "The Job \"foo\" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0\n"
        );
        assert_eq!(
            kubectl_invalid_message(Kind::Job, "foo", &two),
            "The Job \"foo\" is invalid: \n* spec.parallelism: Invalid value: -1: must be greater than or equal to 0\n* spec.template.spec.containers: Required value\n"
        );
        assert_eq!(
            FieldError::not_supported("a", BadValue::Str("x".into()), &["OnFailure", "Never"])
                .to_string(),
            "a: Unsupported value: \"x\": supported values: \"OnFailure\", \"Never\""
        );
        assert_eq!(
            FieldError::forbidden("a", "no").to_string(),
            "a: Forbidden: no"
        );
    }

    #[test]
    fn quantities() {
        let cases = [
            ("1", Some(1_000_000_000)),
            ("500m", Some(500_000_000)),
            ("0.5", Some(500_000_000)),
            ("1Ki", Some(1024 * 1_000_000_000)),
            ("64Mi", Some(64 * (1 << 20) * 1_000_000_000i128)),
            ("1e3", Some(1000 * 1_000_000_000)),
            ("1n", Some(1)),
            ("0.1n", Some(1)),
            ("-1", Some(-1_000_000_000)),
            ("+2k", Some(2_000_000_000_000)),
            ("", None),
            ("abc", None),
            ("1.2.3", None),
            ("1Q", None),
            (".", None),
            ("999999999999999999999999999999Ei", Some(i128::MAX)),
            ("0.00000000000000000000000000001Ei", Some(1)),
        ];
        for (q, want) in cases {
            assert_eq!(quantity_nanos(q), want, "{q}");
        }
    }
}

#[cfg(test)]
mod cronjob_tests {
    use super::*;
    use crate::api::defaults::default_cronjob;
    use serde_json::json;

    /// manifests/cronjob.yaml, defaulted as the API server does.
    fn book(edit: impl FnOnce(&mut serde_json::Value)) -> CronJob {
        let mut v = json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "example-cron", "namespace": "default"},
            "spec": {
                "schedule": "0 */5 * * *",
                "jobTemplate": {"spec": {"template": {"spec": {
                    "containers": [{"name": "batch-job", "image": "dockjob/kuard-amd64:1",
                        "imagePullPolicy": "IfNotPresent",
                        "args": ["--keygen-enable", "--keygen-exit-on-complete", "--keygen-num-to-gen=10"]}],
                    "restartPolicy": "OnFailure"}}}}}
        });
        edit(&mut v);
        let mut cj: CronJob = serde_json::from_value(v).expect("cronjob");
        default_cronjob(&mut cj);
        cj
    }

    fn messages(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_book_cronjob_is_valid() {
        assert_eq!(
            messages(&validate_cronjob(&book(|_| {}))),
            Vec::<String>::new()
        );
        let every = book(|v| {
            let s = &mut v["spec"];
            s["timeZone"] = json!("America/New_York");
            s["startingDeadlineSeconds"] = json!(0);
            s["concurrencyPolicy"] = json!("Replace");
            s["suspend"] = json!(true);
            s["successfulJobsHistoryLimit"] = json!(0);
            s["failedJobsHistoryLimit"] = json!(0);
            s["schedule"] = json!("@weekly");
            s["jobTemplate"]["metadata"] = json!({"labels": {"a": "b"}});
            s["jobTemplate"]["spec"]["manualSelector"] = json!(false);
            s["jobTemplate"]["spec"]["completions"] = json!(3);
            s["jobTemplate"]["spec"]["completionMode"] = json!("Indexed");
        });
        assert_eq!(messages(&validate_cronjob(&every)), Vec::<String>::new());
        assert_eq!(
            messages(&validate_cronjob(&book(
                |v| v["metadata"]["name"] = json!("a".repeat(52))
            ))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_kubernetes_message() {
        type Edit = fn(&mut serde_json::Value);
        let long = "a".repeat(53);
        let cases: Vec<(Edit, Vec<String>)> = vec![
            (
                |v| v["metadata"]["name"] = json!("a".repeat(53)),
                vec![format!(
                    "metadata.name: Invalid value: \"{long}\": must be no more than 52 characters"
                )],
            ),
            (
                |v| v["spec"]["schedule"] = json!(""),
                vec!["spec.schedule: Required value".into()],
            ),
            (
                |v| v["spec"]["schedule"] = json!("61 * * * *"),
                vec![
                    "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["schedule"] = json!("0 */5 * *"),
                vec![
                    "spec.schedule: Invalid value: \"0 */5 * *\": expected exactly 5 fields, found 4: [0 */5 * *]"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["schedule"] = json!("TZ=UTC 0 * * * *"),
                vec![
                    "spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["schedule"] = json!("CRON_TZ=Europe/Paris @daily"),
                vec![
                    "spec.schedule: Invalid value: \"CRON_TZ=Europe/Paris @daily\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["timeZone"] = json!("X"),
                vec!["spec.timeZone: Invalid value: \"X\": unknown time zone X".into()],
            ),
            (
                |v| v["spec"]["timeZone"] = json!("Mars/Olympus_Mons"),
                vec![
                    "spec.timeZone: Invalid value: \"Mars/Olympus_Mons\": unknown time zone Mars/Olympus_Mons"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["timeZone"] = json!(" UTC"),
                vec!["spec.timeZone: Invalid value: \" UTC\": unknown time zone  UTC".into()],
            ),
            (
                |v| v["spec"]["timeZone"] = json!("../etc/passwd"),
                vec![
                    "spec.timeZone: Invalid value: \"../etc/passwd\": unknown time zone ../etc/passwd"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["timeZone"] = json!(""),
                vec![
                    "spec.timeZone: Invalid value: \"\": timeZone must be nil or non-empty string"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["timeZone"] = json!("Local"),
                vec![
                    "spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["startingDeadlineSeconds"] = json!(-1),
                vec![
                    "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["concurrencyPolicy"] = json!("Sometimes"),
                vec![
                    "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["successfulJobsHistoryLimit"] = json!(-1),
                vec![
                    "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["failedJobsHistoryLimit"] = json!(-2),
                vec![
                    "spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = json!(null),
                vec![
                    "spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] = json!([]),
                vec!["spec.jobTemplate.spec.template.spec.containers: Required value".into()],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] = json!(null),
                vec!["spec.jobTemplate.spec.template.spec.containers[0].image: Required value".into()],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["template"]["metadata"] = json!({"labels": {"a": "-x"}}),
                vec![
                    "spec.jobTemplate.spec.template.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["parallelism"] = json!(-1),
                vec![
                    "spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["completionMode"] = json!("Indexed"),
                vec!["spec.jobTemplate.spec.completions: Required value: when completion mode is Indexed".into()],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["selector"] = json!({"matchLabels": {"a": "b"}}),
                vec![
                    "spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"b\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated"
                        .into(),
                ],
            ),
            (
                |v| v["spec"]["jobTemplate"]["spec"]["manualSelector"] = json!(true),
                vec![
                    "spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\", \"false\""
                        .into(),
                ],
            ),
        ];
        for (edit, want) in cases {
            let cj = book(edit);
            assert_eq!(messages(&validate_cronjob(&cj)), want);
        }
    }

    #[test]
    fn errors_come_in_kubernetes_order_with_the_invalid_message() {
        let cj = book(|v| {
            let s = &mut v["spec"];
            s["failedJobsHistoryLimit"] = json!(-1);
            s["jobTemplate"]["spec"]["backoffLimit"] = json!(-1);
            s["concurrencyPolicy"] = json!("Never");
            s["timeZone"] = json!("Nowhere");
            s["startingDeadlineSeconds"] = json!(-5);
            s["schedule"] = json!("* * * * * *");
        });
        let errs = validate_cronjob(&cj);
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.schedule",
                "spec.startingDeadlineSeconds",
                "spec.timeZone",
                "spec.concurrencyPolicy",
                "spec.jobTemplate.spec.backoffLimit",
                "spec.failedJobsHistoryLimit",
            ]
        );
        let one = book(|v| v["spec"]["concurrencyPolicy"] = json!("Never"));
        assert_eq!(
            invalid_message(Kind::CronJob, "example-cron", &validate_cronjob(&one)),
            "CronJob.batch \"example-cron\" is invalid: spec.concurrencyPolicy: Unsupported value: \"Never\": supported values: \"Allow\", \"Forbid\", \"Replace\""
        );
    }

    #[test]
    fn names() {
        let bad = book(|v| v["metadata"]["name"] = json!("Example_Cron"));
        let msgs = messages(&validate_cronjob(&bad));
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with(
                "metadata.name: Invalid value: \"Example_Cron\": a lowercase RFC 1123 subdomain"
            ),
            "{msgs:?}"
        );
        // A generated name is measured as it will be: prefix + 5 characters.
        let generated = |prefix: &str| {
            let prefix = prefix.to_string();
            book(move |v| {
                v["metadata"]["name"] = json!(null);
                v["metadata"]["generateName"] = json!(prefix);
            })
        };
        assert!(validate_cronjob(&generated(&"g".repeat(47))).is_empty());
        assert_eq!(
            messages(&validate_cronjob(&generated(&"g".repeat(48)))),
            [format!(
                "metadata.name: Invalid value: \"{}\": must be no more than 52 characters",
                "g".repeat(48)
            )]
        );
    }

    #[test]
    fn updates() {
        let old = book(|v| v["metadata"]["uid"] = json!("u1"));
        // Kubernetes lets every spec field change.
        let new = book(|v| {
            v["metadata"]["uid"] = json!("u1");
            let s = &mut v["spec"];
            s["schedule"] = json!("*/2 * * * *");
            s["timeZone"] = json!("Asia/Tokyo");
            s["concurrencyPolicy"] = json!("Forbid");
            s["suspend"] = json!(true);
            s["startingDeadlineSeconds"] = json!(30);
            s["successfulJobsHistoryLimit"] = json!(1);
            s["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] =
                json!("busybox");
            s["jobTemplate"]["spec"]["backoffLimit"] = json!(1);
        });
        assert_eq!(
            messages(&validate_cronjob_update(&old, &new)),
            Vec::<String>::new()
        );
        // Identity stays.
        let renamed = book(|v| {
            v["metadata"]["uid"] = json!("u2");
            v["metadata"]["name"] = json!("other");
        });
        assert_eq!(
            messages(&validate_cronjob_update(&old, &renamed)),
            [
                "metadata.name: Invalid value: \"other\": field is immutable",
                "metadata.uid: Invalid value: \"u2\": field is immutable",
            ]
        );
        // The spec's rules still apply.
        let bad = book(|v| {
            v["metadata"]["uid"] = json!("u1");
            v["spec"]["schedule"] = json!("0 25 * * *");
        });
        assert_eq!(
            messages(&validate_cronjob_update(&old, &bad)),
            [
                "spec.schedule: Invalid value: \"0 25 * * *\": end of range (25) above maximum (23): 25"
            ]
        );
        // No 52-character limit on update (older CronJobs may be longer).
        let long = |v: &mut serde_json::Value| v["metadata"]["name"] = json!("l".repeat(60));
        assert!(validate_cronjob_update(&book(long), &book(long)).is_empty());
        // A schedule that already had TZ= may keep it, unless timeZone is set too.
        let tz = |v: &mut serde_json::Value| v["spec"]["schedule"] = json!("TZ=UTC 0 * * * *");
        assert!(validate_cronjob_update(&book(tz), &book(tz)).is_empty());
        let both = book(|v| {
            v["spec"]["schedule"] = json!("TZ=UTC 0 * * * *");
            v["spec"]["timeZone"] = json!("UTC");
        });
        assert_eq!(
            messages(&validate_cronjob_update(&book(tz), &both)),
            [
                "spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use both timeZone field and TZ or CRON_TZ in schedule"
            ]
        );
        // timeZone is checked only when it changes.
        let gone = |v: &mut serde_json::Value| v["spec"]["timeZone"] = json!("Gone/Zone");
        assert!(validate_cronjob_update(&book(gone), &book(gone)).is_empty());
        assert_eq!(
            messages(&validate_cronjob_update(&book(|_| {}), &book(gone))),
            ["spec.timeZone: Invalid value: \"Gone/Zone\": unknown time zone Gone/Zone"]
        );
    }
}
