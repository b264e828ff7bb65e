//! Admission: what the API server does to a request body before it is stored —
//! decode (with the same decoder as `apply`, so unknown fields warn and unsupported
//! fields are refused the same way), default, validate, and enforce what an update may
//! change. Nothing is stored when any step fails.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, PodStatus};
use serde_json::Value;

use super::status::ApiError;
use crate::api::decode::{Object, decode_manifests};
use crate::api::defaults::{default_job, default_pod_spec, set_job_selector};
use crate::api::kinds::Kind;
use crate::api::validate::{invalid_message, validate_job, validate_job_update, validate_pod};

/// An object ready to store, and the warnings to pass back to the client.
pub struct Admitted {
    pub object: Value,
    pub warnings: Vec<String>,
}

const SOURCE: &str = "request body";

fn decode_one(kind: Kind, ns: &str, body: &[u8]) -> Result<(Object, Vec<String>), ApiError> {
    if kind == Kind::Event {
        return Err(ApiError::bad_request(
            "events are written by the engine only",
        ));
    }
    let mut docs =
        decode_manifests(SOURCE, body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if docs.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "the request body must hold exactly one object, found {}",
            docs.len()
        )));
    }
    let doc = docs.remove(0);
    if doc.object.kind() != kind {
        return Err(ApiError::bad_request(format!(
            "the body holds a {} but the path is for {}",
            doc.object.kind().kind(),
            kind.resource()
        )));
    }
    if let Some(obj_ns) = doc.object.namespace()
        && !obj_ns.is_empty()
        && obj_ns != ns
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok((doc.object, doc.warnings))
}

fn to_value<T: serde::Serialize>(obj: &T) -> Result<Value, ApiError> {
    serde_json::to_value(obj).map_err(|e| ApiError::internal(format!("cannot encode object: {e}")))
}

fn display_name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name
        .clone()
        .or_else(|| meta.generate_name.clone())
        .unwrap_or_default()
}

fn require_name(
    kind: Kind,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Result<(), ApiError> {
    if meta.name.as_deref().unwrap_or("").is_empty()
        && meta.generate_name.as_deref().unwrap_or("").is_empty()
    {
        return Err(ApiError::invalid(
            kind,
            "",
            format!(
                "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                kind_display(kind)
            ),
        ));
    }
    Ok(())
}

/// `Job.batch` / `Pod`: how Kubernetes names a kind in `... is invalid` messages.
fn kind_display(kind: Kind) -> String {
    if kind.group().is_empty() {
        kind.kind().to_string()
    } else {
        format!("{}.{}", kind.kind(), kind.group())
    }
}

fn prepare_job(ns: &str, job: &mut Job) {
    job.metadata.namespace = Some(ns.to_string());
    default_job(job);
}

fn prepare_pod(ns: &str, pod: &mut Pod) {
    pod.metadata.namespace = Some(ns.to_string());
    if let Some(spec) = pod.spec.as_mut() {
        default_pod_spec(spec);
    }
}

/// Admits a new object for `POST {collection}`.
pub fn admit_create(kind: Kind, ns: &str, body: &[u8]) -> Result<Admitted, ApiError> {
    let (object, warnings) = decode_one(kind, ns, body)?;
    let value = match object {
        Object::Job(mut job) => {
            require_name(kind, &job.metadata)?;
            prepare_job(ns, &mut job);
            let uid = uuid::Uuid::new_v4().to_string();
            job.metadata.uid = Some(uid.clone());
            set_job_selector(&mut job, &uid);
            job.status = None;
            let errs = validate_job(&job);
            if !errs.is_empty() {
                let name = display_name(&job.metadata);
                return Err(ApiError::invalid(
                    kind,
                    &name,
                    invalid_message(kind, &name, &errs),
                ));
            }
            to_value(&job)?
        }
        Object::Pod(mut pod) => {
            require_name(kind, &pod.metadata)?;
            prepare_pod(ns, &mut pod);
            pod.status = Some(PodStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            });
            let errs = validate_pod(&pod);
            if !errs.is_empty() {
                let name = display_name(&pod.metadata);
                return Err(ApiError::invalid(
                    kind,
                    &name,
                    invalid_message(kind, &name, &errs),
                ));
            }
            to_value(&pod)?
        }
    };
    Ok(Admitted {
        object: value,
        warnings,
    })
}

/// Admits a replacement for `PUT {collection}/{name}`: the stored identity, status and
/// deletion mark are kept; the spec must follow Kubernetes' mutability rules.
pub fn admit_update(
    kind: Kind,
    ns: &str,
    name: &str,
    old: &Value,
    body: &[u8],
) -> Result<Admitted, ApiError> {
    let (object, warnings) = decode_one(kind, ns, body)?;
    let decode_old = |e: serde_json::Error| {
        ApiError::internal(format!(
            "stored {} {ns}/{name} is unreadable: {e}",
            kind.kind()
        ))
    };
    let value = match object {
        Object::Job(mut job) => {
            if job.metadata.name.as_deref() != Some(name) {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({}) does not match the name on the URL ({name})",
                    job.metadata.name.as_deref().unwrap_or("")
                )));
            }
            let old_job: Job = serde_json::from_value(old.clone()).map_err(decode_old)?;
            prepare_job(ns, &mut job);
            let uid = old_job.metadata.uid.clone().unwrap_or_default();
            job.metadata.uid = Some(uid.clone());
            job.metadata.creation_timestamp = old_job.metadata.creation_timestamp.clone();
            job.metadata.deletion_timestamp = old_job.metadata.deletion_timestamp.clone();
            if job.metadata.resource_version.is_none() {
                job.metadata.resource_version = old_job.metadata.resource_version.clone();
            }
            if job.spec.as_ref().and_then(|s| s.manual_selector) != Some(true) {
                set_job_selector(&mut job, &uid);
            }
            job.status = old_job.status.clone();
            let mut errs = validate_job(&job);
            errs.extend(validate_job_update(&old_job, &job));
            if !errs.is_empty() {
                return Err(ApiError::invalid(
                    kind,
                    name,
                    invalid_message(kind, name, &errs),
                ));
            }
            to_value(&job)?
        }
        Object::Pod(mut pod) => {
            let old_pod: Pod = serde_json::from_value(old.clone()).map_err(decode_old)?;
            prepare_pod(ns, &mut pod);
            if pod.spec != old_pod.spec {
                return Err(ApiError::invalid(
                    kind,
                    name,
                    format!(
                        "Pod \"{name}\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
                    ),
                ));
            }
            pod.metadata.uid = old_pod.metadata.uid.clone();
            pod.metadata.creation_timestamp = old_pod.metadata.creation_timestamp.clone();
            pod.metadata.deletion_timestamp = old_pod.metadata.deletion_timestamp.clone();
            if pod.metadata.resource_version.is_none() {
                pod.metadata.resource_version = old_pod.metadata.resource_version.clone();
            }
            pod.status = old_pod.status.clone();
            to_value(&pod)?
        }
    };
    Ok(Admitted {
        object: value,
        warnings,
    })
}
