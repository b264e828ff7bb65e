//! Admission: what the API server does to a request body before it is stored —
//! decode (with the same decoder as `apply`, so unknown fields warn and unsupported
//! fields are refused the same way), default, validate, and enforce what an update may
//! change — for every kind a client may write. Nothing is stored when any step fails.
//!
//! Fields the engine owns are kept from the stored object across updates, as the API
//! server keeps them (a status subresource, `patchAllocatedValues` for Services):
//! `status` of every kind, a Pod's `ownerReferences` (adoption), and a Service's `clusterIP`/`clusterIPs`/`ipFamilies`/
//! `ipFamilyPolicy`, which the engine writes through the store once it allocated
//! them. Secret `stringData` is merged into `data` and dropped by the defaults.

use k8s_openapi::api::core::v1::PodStatus;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::powers::{Policy, check_object};
use super::status::ApiError;
use crate::api::decode::{Object, decode_manifests};
use crate::api::defaults::{default_object, set_job_selector};
use crate::api::kinds::Kind;
use crate::api::names::validate_dns1123_label;
use crate::api::validate::{FieldError, invalid_message, validate_object, validate_object_update};

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

fn display_name(meta: &ObjectMeta) -> String {
    meta.name
        .clone()
        .or_else(|| meta.generate_name.clone())
        .unwrap_or_default()
}

fn require_name(kind: Kind, meta: &ObjectMeta) -> Result<(), ApiError> {
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
            &[FieldError::required(
                "metadata.name",
                "name or generateName is required",
            )],
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

/// The CronJob strategy's `WarningsOnUpdate` for a kept `TZ=` schedule.
const TZ_IN_SCHEDULE_UPDATE_WARNING: &str = "cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details";

/// `422 Invalid` naming every error, when there is one.
fn refuse_invalid(kind: Kind, name: &str, errs: &[FieldError]) -> Result<(), ApiError> {
    if errs.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        kind,
        name,
        invalid_message(kind, name, errs),
        errs,
    ))
}

/// The CronJob registry strategy's `WarningsOnCreate` for the name: Jobs and pods are
/// named after the CronJob, so a name that is not a DNS label surprises.
fn cronjob_name_warnings(name: &str) -> Vec<String> {
    let msgs = validate_dns1123_label(name);
    if name.is_empty() || msgs.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [{}]",
        msgs.join(" ")
    )]
}

/// The Service strategy's `clusterIPs` from `clusterIP`: one family, one address.
fn sync_cluster_ips(svc: &mut k8s_openapi::api::core::v1::Service) {
    if let Some(spec) = svc.spec.as_mut() {
        spec.cluster_ips = spec
            .cluster_ip
            .as_ref()
            .filter(|ip| !ip.is_empty())
            .map(|ip| vec![ip.clone()]);
    }
}

/// Admits a new object for `POST {collection}`.
pub fn admit_create(kind: Kind, ns: &str, body: &[u8]) -> Result<Admitted, ApiError> {
    let (mut object, mut warnings) = decode_one(kind, ns, body)?;
    require_name(kind, object.meta())?;
    object.meta_mut().namespace = Some(ns.to_string());
    default_object(&mut object);
    let uid = uuid::Uuid::new_v4().to_string();
    object.meta_mut().uid = Some(uid.clone());
    match &mut object {
        Object::Job(job) => {
            set_job_selector(job, &uid);
            job.status = None;
        }
        Object::CronJob(cj) => cj.status = None,
        Object::Pod(pod) => {
            pod.status = Some(PodStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            });
        }
        Object::Service(svc) => {
            svc.status = None;
            if let Some(spec) = svc.spec.as_mut() {
                spec.ip_families = None;
            }
            sync_cluster_ips(svc);
        }
        Object::ReplicaSet(rs) => rs.status = None,
        Object::ConfigMap(_) | Object::Secret(_) => {}
    }
    let name = display_name(object.meta());
    refuse_invalid(kind, &name, &validate_object(&object))?;
    if kind == Kind::CronJob {
        warnings.extend(cronjob_name_warnings(object.name().unwrap_or("")));
    }
    Ok(Admitted {
        object: object.to_value(),
        warnings,
    })
}

/// Keeps what the engine wrote into the stored object (see the module docs).
fn keep_server_set(old: &Object, new: &mut Object) {
    match (old, new) {
        (Object::Job(o), Object::Job(n)) => n.status = o.status.clone(),
        (Object::CronJob(o), Object::CronJob(n)) => n.status = o.status.clone(),
        (Object::Pod(o), Object::Pod(n)) => {
            n.status = o.status.clone();
            // A ReplicaSet that adopted the pod wrote its ownerReferences (decoding
            // refuses them from clients), as a cluster keeps them across applies.
            if n.metadata.owner_references.is_none() {
                n.metadata.owner_references = o.metadata.owner_references.clone();
            }
        }
        (Object::ReplicaSet(o), Object::ReplicaSet(n)) => n.status = o.status.clone(),
        (Object::Service(o), Object::Service(n)) => {
            n.status = o.status.clone();
            if let (Some(os), Some(ns)) = (o.spec.as_ref(), n.spec.as_mut()) {
                if ns.cluster_ip.as_deref().unwrap_or("").is_empty() {
                    ns.cluster_ip = os.cluster_ip.clone();
                }
                ns.ip_families = os.ip_families.clone();
                if ns.ip_family_policy.is_none() {
                    ns.ip_family_policy = os.ip_family_policy.clone();
                }
            }
            sync_cluster_ips(n);
        }
        _ => {}
    }
}

/// Admits a replacement for `PUT {collection}/{name}`: the stored identity, status,
/// engine-set fields and deletion mark are kept; the rest must follow Kubernetes'
/// mutability rules.
pub fn admit_update(
    kind: Kind,
    ns: &str,
    name: &str,
    old: &Value,
    body: &[u8],
) -> Result<Admitted, ApiError> {
    let (mut object, mut warnings) = decode_one(kind, ns, body)?;
    if object.name() != Some(name) {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            object.name().unwrap_or("")
        )));
    }
    let old_obj = Object::from_stored(kind, old.clone()).map_err(|e| {
        ApiError::internal(format!(
            "stored {} {ns}/{name} is unreadable: {e}",
            kind.kind()
        ))
    })?;
    object.meta_mut().namespace = Some(ns.to_string());
    default_object(&mut object);
    let old_meta = old_obj.meta().clone();
    let meta = object.meta_mut();
    meta.uid = old_meta.uid.clone();
    meta.creation_timestamp = old_meta.creation_timestamp.clone();
    meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
    if meta.resource_version.is_none() {
        meta.resource_version = old_meta.resource_version.clone();
    }
    if let Object::Job(job) = &mut object
        && job.spec.as_ref().and_then(|s| s.manual_selector) != Some(true)
    {
        set_job_selector(job, old_meta.uid.as_deref().unwrap_or(""));
    }
    keep_server_set(&old_obj, &mut object);
    refuse_invalid(kind, name, &validate_object_update(&old_obj, &object))?;
    if let Object::CronJob(cj) = &object
        && cj.spec.schedule.contains("TZ")
    {
        // WarningsOnUpdate, word for word (its path really reads spec.spec).
        warnings.push(TZ_IN_SCHEDULE_UPDATE_WARNING.to_string());
    }
    Ok(Admitted {
        object: object.to_value(),
        warnings,
    })
}

/// Refuses (403 Forbidden, as Kubernetes' Pod Security admission) a body asking for a
/// host power `policy` does not allow, naming every such field and the flag that would
/// allow it. A body that does not decode passes: the create/update handler reports why.
/// Runs before [`admit_create`]/[`admit_update`], so a refused object is never stored.
pub fn check_powers(
    kind: Kind,
    body: &[u8],
    policy: &Policy,
    resolve: &dyn Fn(&std::path::Path) -> Option<std::path::PathBuf>,
) -> Result<(), ApiError> {
    let Ok(docs) = decode_manifests(SOURCE, body) else {
        return Ok(());
    };
    let [doc] = docs.as_slice() else {
        return Ok(());
    };
    if doc.object.kind() != kind {
        return Ok(());
    }
    let violations = check_object(&doc.object, policy, resolve);
    if violations.is_empty() {
        return Ok(());
    }
    let name = display_name(doc.object.meta());
    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
    Err(ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "Forbidden",
        format!(
            "{} \"{name}\" is forbidden: {}",
            kind.resource(),
            list.join(", ")
        ),
    )
    .with_details(kind, &name))
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

    fn admitted(r: Result<Admitted, ApiError>) -> Admitted {
        r.unwrap_or_else(|e| panic!("{}", e.message))
    }

    fn refused(r: Result<Admitted, ApiError>) -> ApiError {
        match r {
            Err(e) => e,
            Ok(a) => panic!("admitted: {}", a.object),
        }
    }

    const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\ndata: {user: YWRtaW4=, password: b2xk}\nstringData: {password: new}\n";

    #[test]
    fn secret_string_data_is_merged_into_data_and_dropped() {
        let a = admitted(admit_create(Kind::Secret, "default", SECRET.as_bytes()));
        let v = &a.object;
        assert_eq!(v["type"], "Opaque");
        assert_eq!(v["data"]["user"], "YWRtaW4=");
        // stringData wins over data for the same key, as in Kubernetes.
        assert_eq!(v["data"]["password"], "bmV3");
        assert!(v.get("stringData").is_none(), "{v}");
        assert_eq!(v["metadata"]["namespace"], "default");
    }

    #[test]
    fn immutable_secrets_and_configmaps_refuse_changes_with_422() {
        let frozen = SECRET.replace("stringData", "immutable: true\nstringData");
        let old = admitted(admit_create(Kind::Secret, "default", frozen.as_bytes())).object;
        let err = refused(admit_update(
            Kind::Secret,
            "default",
            "creds",
            &old,
            frozen.replace("new", "newer").as_bytes(),
        ));
        assert_eq!(err.code, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            err.message,
            "Secret \"creds\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
        // The same content is no change.
        admitted(admit_update(
            Kind::Secret,
            "default",
            "creds",
            &old,
            frozen.as_bytes(),
        ));
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\nbinaryData: {b: AAE=}\n";
        let old = admitted(admit_create(Kind::ConfigMap, "default", cm.as_bytes())).object;
        let err = refused(admit_update(
            Kind::ConfigMap,
            "default",
            "c",
            &old,
            cm.replace("AAE=", "AAI=").as_bytes(),
        ));
        assert!(
            err.message
                .ends_with("binaryData: Forbidden: field is immutable when `immutable` is set"),
            "{}",
            err.message
        );
    }

    const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: queue}\nspec:\n  selector: {app: q}\n  ports: [{port: 8080}]\n";

    #[test]
    fn service_defaults_and_the_engine_set_address_survive_applies() {
        let a = admitted(admit_create(Kind::Service, "default", SVC.as_bytes()));
        let spec = &a.object["spec"];
        assert_eq!(spec["type"], "ClusterIP");
        assert_eq!(spec["ports"][0]["targetPort"], 8080);
        assert!(spec.get("clusterIP").is_none_or(Value::is_null));
        // The engine allocates an address (through the store), then the user applies.
        let mut old = a.object.clone();
        old["spec"]["clusterIP"] = "172.30.0.7".into();
        old["spec"]["clusterIPs"] = serde_json::json!(["172.30.0.7"]);
        old["status"] = serde_json::json!({"loadBalancer": {}});
        let updated = admitted(admit_update(
            Kind::Service,
            "default",
            "queue",
            &old,
            SVC.replace("8080", "9090").as_bytes(),
        ));
        let spec = &updated.object["spec"];
        assert_eq!(spec["clusterIP"], "172.30.0.7");
        assert_eq!(spec["clusterIPs"], serde_json::json!(["172.30.0.7"]));
        assert_eq!(spec["ports"][0]["port"], 9090);
        let err = refused(admit_update(
            Kind::Service,
            "default",
            "queue",
            &old,
            SVC.replace("spec:\n", "spec:\n  clusterIP: None\n")
                .as_bytes(),
        ));
        assert!(
            err.message
                .ends_with("spec.clusterIPs[0]: Invalid value: \"None\": may not change once set"),
            "{}",
            err.message
        );
        let err = refused(admit_create(
            Kind::Service,
            "default",
            SVC.replace("queue", "Queue").as_bytes(),
        ));
        assert!(err.message.starts_with("Service \"Queue\" is invalid: metadata.name: Invalid value: \"Queue\": a DNS-1035 label"), "{}", err.message);
    }

    const RS: &str = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: queue}\nspec:\n  selector: {matchLabels: {app: q}}\n  template:\n    metadata: {labels: {app: q}}\n    spec:\n      containers: [{name: c, image: busybox}]\n";

    #[test]
    fn replicasets_default_keep_status_and_refuse_selector_changes() {
        let a = admitted(admit_create(Kind::ReplicaSet, "default", RS.as_bytes()));
        assert_eq!(a.object["spec"]["replicas"], 1);
        assert_eq!(
            a.object["spec"]["template"]["spec"]["restartPolicy"],
            "Always"
        );
        let mut old = a.object.clone();
        old["status"] = serde_json::json!({"replicas": 1, "readyReplicas": 1});
        let scaled = admitted(admit_update(
            Kind::ReplicaSet,
            "default",
            "queue",
            &old,
            RS.replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector")
                .as_bytes(),
        ));
        assert_eq!(scaled.object["spec"]["replicas"], 3);
        assert_eq!(scaled.object["status"]["readyReplicas"], 1);
        assert_eq!(scaled.object["metadata"]["uid"], old["metadata"]["uid"]);
        let err = refused(admit_create(
            Kind::ReplicaSet,
            "default",
            RS.replace("  selector: {matchLabels: {app: q}}\n", "")
                .as_bytes(),
        ));
        assert_eq!(
            err.message,
            "ReplicaSet.apps \"queue\" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"q\"}: `selector` does not match template `labels`]"
        );
    }

    #[test]
    fn bare_pods_get_pod_defaults_and_keep_their_status() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox, resources: {limits: {memory: 64Mi}}}\n  volumes: [{name: v}, {name: s, secret: {secretName: x}}]\n";
        let a = admitted(admit_create(Kind::Pod, "default", pod.as_bytes()));
        let spec = &a.object["spec"];
        assert_eq!(
            spec["containers"][0]["resources"]["requests"]["memory"],
            "64Mi"
        );
        assert_eq!(spec["enableServiceLinks"], true);
        assert_eq!(spec["volumes"][0]["emptyDir"], serde_json::json!({}));
        assert_eq!(spec["volumes"][1]["secret"]["defaultMode"], 420);
        assert_eq!(a.object["status"]["phase"], "Pending");
        let mut old = a.object.clone();
        old["status"]["phase"] = "Running".into();
        let same = admitted(admit_update(
            Kind::Pod,
            "default",
            "p",
            &old,
            pod.as_bytes(),
        ));
        assert_eq!(same.object["status"]["phase"], "Running");
        let err = refused(admit_update(
            Kind::Pod,
            "default",
            "p",
            &old,
            pod.replace("name: v}", "name: w}").as_bytes(),
        ));
        assert!(
            err.message
                .contains("spec: Forbidden: pod updates may not change fields other than"),
            "{}",
            err.message
        );
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

    #[test]
    fn check_powers_refuses_with_403_naming_field_and_flag() {
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: root}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      initContainers:\n      - name: i\n        image: x\n        securityContext: {capabilities: {add: [SYS_ADMIN]}}\n      containers:\n      - name: c\n        image: x\n        securityContext: {privileged: true}\n";
        let none = |_: &std::path::Path| None;
        let err = check_powers(Kind::Job, job.as_bytes(), &Policy::default(), &none)
            .expect_err("refused");
        assert_eq!(err.code, axum::http::StatusCode::FORBIDDEN);
        assert_eq!(err.reason, "Forbidden");
        assert_eq!(
            err.message,
            "jobs.batch \"root\" is forbidden: spec.template.spec.initContainers[0].securityContext.capabilities.add[0]: Forbidden: capability \"SYS_ADMIN\" is beyond Docker's default set; start the engine with --allow-capabilities to allow it, spec.template.spec.containers[0].securityContext.privileged: Forbidden: privileged containers can take over the host; start the engine with --allow-privileged to allow them"
        );
        let all = Policy {
            privileged: true,
            capabilities: true,
            ..Policy::default()
        };
        assert!(check_powers(Kind::Job, job.as_bytes(), &all, &none).is_ok());
        // Undecodable or mismatched bodies are left to the handler's own errors.
        assert!(check_powers(Kind::Job, b"{", &Policy::default(), &none).is_ok());
        assert!(check_powers(Kind::Pod, job.as_bytes(), &Policy::default(), &none).is_ok());
    }
}
