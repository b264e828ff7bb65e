//! Admission: what the API server does to a request body before it is stored —
//! decode (with the same decoder as `apply`, so unknown fields warn and unsupported
//! fields are refused the same way), default, validate, and enforce what an update may
//! change. Nothing is stored when any step fails.

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodStatus};
use serde_json::Value;

use super::status::ApiError;
use crate::api::decode::{Object, decode_manifests};
use crate::api::defaults::{default_cronjob, default_job, default_pod_spec, set_job_selector};
use crate::api::kinds::Kind;
use crate::api::names::validate_dns1123_label;
use crate::api::validate::{
    FieldError, invalid_message, validate_cronjob, validate_cronjob_update, validate_job,
    validate_job_update, validate_pod,
};

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

/// The CronJob strategy's `WarningsOnUpdate` for a kept `TZ=` schedule.
const TZ_IN_SCHEDULE_UPDATE_WARNING: &str = "cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details";

fn prepare_cronjob(ns: &str, cj: &mut CronJob) {
    cj.metadata.namespace = Some(ns.to_string());
    default_cronjob(cj);
}

/// `422 Invalid` naming every error, when there is one.
fn refuse_invalid(kind: Kind, name: &str, errs: &[FieldError]) -> Result<(), ApiError> {
    if errs.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        kind,
        name,
        invalid_message(kind, name, errs),
    ))
}

/// The CronJob registry strategy's `WarningsOnCreate` for the name: Jobs and pods are
/// named after the CronJob, so a name that is not a DNS label surprises.
fn cronjob_name_warnings(cj: &CronJob) -> Vec<String> {
    let name = cj.metadata.name.as_deref().unwrap_or("");
    let msgs = validate_dns1123_label(name);
    if name.is_empty() || msgs.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [{}]",
        msgs.join(" ")
    )]
}

fn prepare_pod(ns: &str, pod: &mut Pod) {
    pod.metadata.namespace = Some(ns.to_string());
    if let Some(spec) = pod.spec.as_mut() {
        default_pod_spec(spec);
    }
}

/// Admits a new object for `POST {collection}`.
pub fn admit_create(kind: Kind, ns: &str, body: &[u8]) -> Result<Admitted, ApiError> {
    let (object, mut warnings) = decode_one(kind, ns, body)?;
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
        Object::CronJob(mut cj) => {
            require_name(kind, &cj.metadata)?;
            prepare_cronjob(ns, &mut cj);
            cj.metadata.uid = Some(uuid::Uuid::new_v4().to_string());
            cj.status = None;
            refuse_invalid(kind, &display_name(&cj.metadata), &validate_cronjob(&cj))?;
            warnings.extend(cronjob_name_warnings(&cj));
            to_value(&cj)?
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
    let (object, mut warnings) = decode_one(kind, ns, body)?;
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
        Object::CronJob(mut cj) => {
            if cj.metadata.name.as_deref() != Some(name) {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({}) does not match the name on the URL ({name})",
                    cj.metadata.name.as_deref().unwrap_or("")
                )));
            }
            let old_cj: CronJob = serde_json::from_value(old.clone()).map_err(decode_old)?;
            prepare_cronjob(ns, &mut cj);
            cj.metadata.uid = old_cj.metadata.uid.clone();
            cj.metadata.creation_timestamp = old_cj.metadata.creation_timestamp.clone();
            cj.metadata.deletion_timestamp = old_cj.metadata.deletion_timestamp.clone();
            if cj.metadata.resource_version.is_none() {
                cj.metadata.resource_version = old_cj.metadata.resource_version.clone();
            }
            // The status belongs to the controller (a status subresource in Kubernetes).
            cj.status = old_cj.status.clone();
            refuse_invalid(kind, name, &validate_cronjob_update(&old_cj, &cj))?;
            if cj.spec.schedule.contains("TZ") {
                // WarningsOnUpdate, word for word (its path really reads spec.spec).
                warnings.push(TZ_IN_SCHEDULE_UPDATE_WARNING.to_string());
            }
            to_value(&cj)?
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Kubernetes Up & Running's CronJob, as the book (2nd edition) prints it.
    const BOOK_V1BETA1: &str = "\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: example-cron
spec:
  schedule: \"0 */5 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: batch-job
            image: my-batch-image
          restartPolicy: OnFailure
";

    fn create(body: &str) -> Result<Admitted, ApiError> {
        admit_create(Kind::CronJob, "default", body.as_bytes())
    }

    #[test]
    fn cronjob_create_defaults_and_warns_for_v1beta1() {
        let admitted = create(BOOK_V1BETA1).unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(
            admitted.warnings,
            [
                "request body:1:1: batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"
            ]
        );
        let v = &admitted.object;
        assert_eq!(v["apiVersion"], "batch/v1");
        assert_eq!(v["metadata"]["namespace"], "default");
        assert!(v["metadata"]["uid"].as_str().is_some_and(|u| !u.is_empty()));
        let spec = &v["spec"];
        assert_eq!(spec["concurrencyPolicy"], "Allow");
        assert_eq!(spec["suspend"], false);
        assert_eq!(spec["successfulJobsHistoryLimit"], 3);
        assert_eq!(spec["failedJobsHistoryLimit"], 1);
        assert_eq!(
            spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
            "ClusterFirst"
        );
        assert!(spec["jobTemplate"]["spec"].get("backoffLimit").is_none());
        assert!(v.get("status").is_none_or(|s| s.is_null()));
    }

    #[test]
    fn cronjob_create_refuses_invalid_with_422() {
        let err = match create(&BOOK_V1BETA1.replace("0 */5 * * *", "0 */5 * *")) {
            Err(e) => e,
            Ok(_) => panic!("admitted"),
        };
        assert_eq!(err.code, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            err.message,
            "CronJob.batch \"example-cron\" is invalid: spec.schedule: Invalid value: \"0 */5 * *\": expected exactly 5 fields, found 4: [0 */5 * *]"
        );
        let admitted = match create(&BOOK_V1BETA1.replace("example-cron", "ex.ample")) {
            Ok(a) => a,
            Err(e) => panic!("{}", e.message),
        };
        assert_eq!(
            admitted.warnings[1],
            "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]"
        );
    }

    #[test]
    fn cronjob_update_keeps_identity_and_status() {
        let created = create(BOOK_V1BETA1).unwrap_or_else(|e| panic!("{}", e.message));
        let mut old = created.object.clone();
        old["metadata"]["resourceVersion"] = "5".into();
        old["metadata"]["creationTimestamp"] = "2025-01-01T00:00:00Z".into();
        old["status"] = serde_json::json!({"lastScheduleTime": "2025-01-01T05:00:00Z"});
        let body = BOOK_V1BETA1
            .replace("batch/v1beta1", "batch/v1")
            .replace("0 */5 * * *", "*/10 * * * *")
            + "  concurrencyPolicy: Forbid\nstatus:\n  lastScheduleTime: \"2030-01-01T00:00:00Z\"\n";
        let updated = admit_update(
            Kind::CronJob,
            "default",
            "example-cron",
            &old,
            body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{}", e.message));
        assert!(updated.warnings.is_empty(), "{:?}", updated.warnings);
        let v = &updated.object;
        assert_eq!(v["metadata"]["uid"], old["metadata"]["uid"]);
        assert_eq!(v["metadata"]["resourceVersion"], "5");
        assert_eq!(v["metadata"]["creationTimestamp"], "2025-01-01T00:00:00Z");
        assert_eq!(v["spec"]["schedule"], "*/10 * * * *");
        assert_eq!(v["spec"]["concurrencyPolicy"], "Forbid");
        assert_eq!(v["status"]["lastScheduleTime"], "2025-01-01T05:00:00Z");

        let bad = body.replace("Forbid", "Sometimes");
        let err = match admit_update(
            Kind::CronJob,
            "default",
            "example-cron",
            &old,
            bad.as_bytes(),
        ) {
            Err(e) => e,
            Ok(_) => panic!("admitted"),
        };
        assert_eq!(err.code, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.message.ends_with("spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""), "{}", err.message);
        let mut tz_old = old.clone();
        tz_old["spec"]["schedule"] = "TZ=UTC 0 * * * *".into();
        let tz_body = body.replace("*/10 * * * *", "TZ=UTC */10 * * * *");
        let kept = admit_update(
            Kind::CronJob,
            "default",
            "example-cron",
            &tz_old,
            tz_body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(kept.warnings, [TZ_IN_SCHEDULE_UPDATE_WARNING]);
        let renamed = admit_update(Kind::CronJob, "default", "other", &old, body.as_bytes());
        assert!(matches!(renamed, Err(e) if e.code == axum::http::StatusCode::BAD_REQUEST));
    }
}
