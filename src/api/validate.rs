//! Kubernetes' validation of Jobs and Pods, with its messages word for word
//! (pkg/apis/batch/validation, pkg/apis/core/validation, apimachinery's
//! `field.Error`), so a manifest dockjob refuses is refused by a cluster with the same
//! words, and the other way round.
//!
//! Runs on defaulted objects, as the API server does (defaults.rs first, and
//! `set_job_selector` for Jobs). Pure: must not default, decode or look anything up.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodTemplateSpec, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::kinds::Kind;
use super::labels;
use super::names::{
    max_len_error, validate_dns1123_label, validate_label_key, validate_label_value,
    validate_object_name,
};
use super::selector::Selector;

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
    /// "Unsupported value: V" (the supported values are in the detail).
    NotSupported {
        value: BadValue,
        supported: Vec<String>,
    },
    /// "Forbidden"
    Forbidden,
    /// "Duplicate value: V"
    Duplicate { value: BadValue },
    /// "Too long"
    TooLong,
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

    pub fn duplicate(path: impl Into<String>, value: BadValue) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Duplicate { value },
            detail: String::new(),
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
            FieldErrorKind::Invalid { value } | FieldErrorKind::Immutable { value } => {
                format!("Invalid value: {value}")
            }
            FieldErrorKind::NotSupported { value, .. } => format!("Unsupported value: {value}"),
            FieldErrorKind::Duplicate { value } => format!("Duplicate value: {value}"),
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
            FieldErrorKind::Invalid { .. } | FieldErrorKind::Immutable { .. } => {
                "FieldValueInvalid"
            }
            FieldErrorKind::NotSupported { .. } => "FieldValueNotSupported",
            FieldErrorKind::Forbidden => "FieldValueForbidden",
            FieldErrorKind::Duplicate { .. } => "FieldValueDuplicate",
            FieldErrorKind::TooLong => "FieldValueTooLong",
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
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
    let containers_path = format!("{path}.containers");
    if spec.containers.is_empty() {
        errs.push(FieldError::required(&containers_path, ""));
    } else {
        let mut names = BTreeSet::new();
        for (i, c) in spec.containers.iter().enumerate() {
            let p = format!("{containers_path}[{i}]");
            validate_container(c, &p, errs);
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
            if let (Some(rq), Some(lq)) = (quantity_nanos(&req.0), quantity_nanos(&limit.0))
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

/// Kubernetes' validation of a Job (`ValidateJob`, the fields dockjob supports), run
/// after `default_job` and `set_job_selector`, errors in Kubernetes' order.
pub fn validate_job(job: &Job) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&job.metadata, &mut errs);
    validate_generated_selector(job, &mut errs);
    let default_spec = Default::default();
    let spec = job.spec.as_ref().unwrap_or(&default_spec);

    if let Some(v) = spec.parallelism {
        nonnegative(i64::from(v), "spec.parallelism", &mut errs);
    }
    if let Some(v) = spec.completions {
        nonnegative(i64::from(v), "spec.completions", &mut errs);
    }
    if let Some(v) = spec.active_deadline_seconds {
        nonnegative(v, "spec.activeDeadlineSeconds", &mut errs);
    }
    if let Some(v) = spec.backoff_limit {
        nonnegative(i64::from(v), "spec.backoffLimit", &mut errs);
    }
    if let Some(v) = spec.ttl_seconds_after_finished {
        nonnegative(i64::from(v), "spec.ttlSecondsAfterFinished", &mut errs);
    }
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    if let Some(mode) = spec.completion_mode.as_deref()
        && mode != "NonIndexed"
        && mode != "Indexed"
    {
        errs.push(FieldError::not_supported(
            "spec.completionMode",
            mode.into(),
            &["NonIndexed", "Indexed"],
        ));
    }
    if indexed && spec.completions.is_none() {
        errs.push(FieldError::required(
            "spec.completions",
            "when completion mode is Indexed",
        ));
    }
    if let Some(policy) = spec.pod_replacement_policy.as_deref() {
        if spec.pod_failure_policy.is_some() {
            if policy != "Failed" {
                errs.push(FieldError::not_supported(
                    "spec.podReplacementPolicy",
                    policy.into(),
                    &["Failed"],
                ));
            }
        } else if policy != "Failed" && policy != "TerminatingOrFailed" {
            errs.push(FieldError::not_supported(
                "spec.podReplacementPolicy",
                policy.into(),
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    validate_pod_template(&spec.template, "spec.template", &mut errs);
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
    errs
}

/// Kubernetes' rules for what an update of a Job may change (`ValidateJobUpdate`
/// without re-running [`validate_job`], which the caller runs on `new`): name,
/// namespace and uid stay; `spec.completions`, `spec.selector`, `spec.template`,
/// `spec.completionMode`, `spec.podFailurePolicy`, `spec.backoffLimitPerIndex`,
/// `spec.managedBy` and `spec.successPolicy` are immutable; `parallelism`,
/// `backoffLimit`, `activeDeadlineSeconds` and `suspend` may change.
pub fn validate_job_update(old: &Job, new: &Job) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let meta_immutable =
        |path: &str, old: &Option<String>, new: &Option<String>, errs: &mut Vec<FieldError>| {
            if old.as_deref().unwrap_or("") != new.as_deref().unwrap_or("") {
                errs.push(FieldError::immutable(
                    path,
                    new.as_deref().unwrap_or("").into(),
                ));
            }
        };
    meta_immutable(
        "metadata.name",
        &old.metadata.name,
        &new.metadata.name,
        &mut errs,
    );
    meta_immutable(
        "metadata.namespace",
        &old.metadata.namespace,
        &new.metadata.namespace,
        &mut errs,
    );
    meta_immutable(
        "metadata.uid",
        &old.metadata.uid,
        &new.metadata.uid,
        &mut errs,
    );

    let default_spec = Default::default();
    let o = old.spec.as_ref().unwrap_or(&default_spec);
    let n = new.spec.as_ref().unwrap_or(&default_spec);
    if o.completions != n.completions {
        errs.push(FieldError::immutable(
            "spec.completions",
            opt_i32(n.completions),
        ));
    }
    if o.selector != n.selector {
        let v = n
            .selector
            .as_ref()
            .map_or(BadValue::Null, |s| BadValue::Raw(go_label_selector(s)));
        errs.push(FieldError::immutable("spec.selector", v));
    }
    if o.template != n.template {
        let json = serde_json::to_string(&n.template).unwrap_or_default();
        errs.push(FieldError::immutable("spec.template", BadValue::Raw(json)));
    }
    if o.completion_mode != n.completion_mode {
        let v = n
            .completion_mode
            .as_deref()
            .map_or(BadValue::Null, BadValue::from);
        errs.push(FieldError::immutable("spec.completionMode", v));
    }
    if o.pod_failure_policy != n.pod_failure_policy {
        let json = serde_json::to_string(&n.pod_failure_policy).unwrap_or_default();
        errs.push(FieldError::immutable(
            "spec.podFailurePolicy",
            BadValue::Raw(json),
        ));
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
        let json = serde_json::to_string(&n.success_policy).unwrap_or_default();
        errs.push(FieldError::immutable(
            "spec.successPolicy",
            BadValue::Raw(json),
        ));
    }
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
