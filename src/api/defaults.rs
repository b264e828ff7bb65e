//! Kubernetes' defaulting: the values the API server fills in when an object is
//! created, so the engine stores and prints (`get -o yaml`) what a cluster would.
//! Sources: pkg/apis/batch/v1/defaults.go (and the defaulter-gen'd
//! zz_generated.defaults.go that decides which defaults reach nested types),
//! pkg/apis/core/v1/defaults.go (pods, volumes, Services, Secrets), apps/v1
//! `SetDefaults_ReplicaSet`, the Job registry strategy's selector generation
//! (pkg/registry/batch/job/strategy.go), and the v1 Secret conversion that merges
//! `stringData` into `data`. [`default_object`] applies the right ones to any kind.
//!
//! Pure and idempotent: applying a default twice changes nothing. Must not validate
//! (validate.rs) or reject anything.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, Pod, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, Secret, Service, ServiceSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::decode::Object;
use super::labels;

/// `SetDefaults_ConfigMapVolumeSource` / `SetDefaults_SecretVolumeSource`: 0644,
/// printed by kubectl as the decimal 420.
pub const DEFAULT_VOLUME_MODE: i32 = 0o644;

/// The API server's defaults for any kind it serves, as on create and update (for a
/// Job, [`set_job_selector`] still follows once the uid is known). ConfigMaps have
/// none.
pub fn default_object(obj: &mut Object) {
    match obj {
        Object::Job(j) => default_job(j),
        Object::CronJob(c) => default_cronjob(c),
        Object::Pod(p) => default_pod(p),
        Object::ConfigMap(_) => {}
        Object::Secret(s) => default_secret(s),
        Object::Service(s) => default_service(s),
        Object::ReplicaSet(r) => default_replicaset(r),
    }
}

/// `SetDefaults_Secret` (type `Opaque`) after the v1 conversion: every `stringData`
/// entry is written into `data` (overriding a `data` entry of the same key) and
/// `stringData` is dropped, so it is never stored nor shown.
pub fn default_secret(secret: &mut Secret) {
    if let Some(string_data) = secret.string_data.take() {
        let data = secret.data.get_or_insert_with(BTreeMap::new);
        for (k, v) in string_data {
            data.insert(k, ByteString(v.into_bytes()));
        }
    }
    if secret.type_.as_deref().is_none_or(str::is_empty) {
        secret.type_ = Some("Opaque".to_string());
    }
}

/// `SetDefaults_Service`: type `ClusterIP`, `sessionAffinity` `None` (its config
/// dropped), each port's protocol `TCP` and `targetPort` its `port`, and
/// `internalTrafficPolicy` `Cluster` for a ClusterIP service. Address fields
/// (`clusterIP`, `ipFamilies`) are the engine's to set.
pub fn default_service(svc: &mut Service) {
    let spec = svc.spec.get_or_insert_with(ServiceSpec::default);
    if spec.session_affinity.as_deref().is_none_or(str::is_empty) {
        spec.session_affinity = Some("None".to_string());
    }
    if spec.session_affinity.as_deref() == Some("None") {
        spec.session_affinity_config = None;
    }
    if spec.type_.as_deref().is_none_or(str::is_empty) {
        spec.type_ = Some("ClusterIP".to_string());
    }
    for p in spec.ports.iter_mut().flatten() {
        if p.protocol.as_deref().is_none_or(str::is_empty) {
            p.protocol = Some("TCP".to_string());
        }
        let unset = match &p.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::String(s)) => s.is_empty(),
            Some(IntOrString::Int(_)) => false,
        };
        if unset {
            p.target_port = Some(IntOrString::Int(p.port));
        }
    }
    if spec.internal_traffic_policy.is_none()
        && matches!(
            spec.type_.as_deref(),
            Some("ClusterIP" | "NodePort" | "LoadBalancer")
        )
    {
        spec.internal_traffic_policy = Some("Cluster".to_string());
    }
}

/// apps/v1 `SetDefaults_ReplicaSet`: `replicas` 1. The selector is not defaulted
/// from the template's labels in apps/v1 (validation requires it), and the pod
/// template gets the pod spec defaults (`restartPolicy` Always...).
pub fn default_replicaset(rs: &mut ReplicaSet) {
    let spec = &mut rs.spec;
    if spec.replicas.is_none() {
        spec.replicas = Some(1);
    }
    default_pod_template(spec.template.get_or_insert_with(PodTemplateSpec::default));
}

/// Whether `v` sets a volume source other than emptyDir, hostPath, configMap, secret,
/// projected, downwardAPI, nfs and persistentVolumeClaim (the ones validation checks
/// one by one). Defaulting and validation share this one list of the rest.
pub(crate) fn has_other_volume_source(v: &Volume) -> bool {
    v.aws_elastic_block_store.is_some()
        || v.azure_disk.is_some()
        || v.azure_file.is_some()
        || v.cephfs.is_some()
        || v.cinder.is_some()
        || v.csi.is_some()
        || v.ephemeral.is_some()
        || v.fc.is_some()
        || v.flex_volume.is_some()
        || v.flocker.is_some()
        || v.gce_persistent_disk.is_some()
        || v.git_repo.is_some()
        || v.glusterfs.is_some()
        || v.image.is_some()
        || v.iscsi.is_some()
        || v.photon_persistent_disk.is_some()
        || v.portworx_volume.is_some()
        || v.quobyte.is_some()
        || v.rbd.is_some()
        || v.scale_io.is_some()
        || v.storageos.is_some()
        || v.vsphere_volume.is_some()
}

/// `SetDefaults_Volume` (no source means an emptyDir) and the volume sources'
/// defaults: configMap and secret `defaultMode` 0644, hostPath `type` "".
fn default_volume(v: &mut Volume) {
    let has_source = has_other_volume_source(v)
        || v.config_map.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.host_path.is_some()
        || v.nfs.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some();
    if !has_source {
        v.empty_dir = Some(EmptyDirVolumeSource::default());
    }
    if let Some(cm) = v.config_map.as_mut()
        && cm.default_mode.is_none()
    {
        cm.default_mode = Some(DEFAULT_VOLUME_MODE);
    }
    if let Some(secret) = v.secret.as_mut()
        && secret.default_mode.is_none()
    {
        secret.default_mode = Some(DEFAULT_VOLUME_MODE);
    }
    if let Some(hp) = v.host_path.as_mut()
        && hp.type_.is_none()
    {
        hp.type_ = Some(String::new());
    }
}

/// `v1.DefaultTerminationGracePeriodSeconds`.
pub const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: i64 = 30;
/// `v1.DefaultSchedulerName`.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";
/// `v1.TerminationMessagePathDefault`.
pub const TERMINATION_MESSAGE_PATH: &str = "/dev/termination-log";
/// The Job `backoffLimit` when unset (and no `backoffLimitPerIndex`).
pub const DEFAULT_BACKOFF_LIMIT: i32 = 6;

/// `SetDefaults_CronJob`'s `successfulJobsHistoryLimit`.
pub const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT: i32 = 3;
/// `SetDefaults_CronJob`'s `failedJobsHistoryLimit`.
pub const DEFAULT_FAILED_JOBS_HISTORY_LIMIT: i32 = 1;

/// `SetObjectDefaults_CronJob`: `SetDefaults_CronJob` (`concurrencyPolicy` Allow,
/// `suspend` false, history limits 3 and 1), then what reaches the job template:
/// `podFailurePolicy` pattern statuses and the pod template's defaults.
///
/// Not [`default_job`]: defaulter-gen calls `SetDefaults_Job` for Job objects only, so
/// a cluster stores `jobTemplate.spec` without `completions`, `parallelism`,
/// `backoffLimit`, `completionMode`... Those are filled in when the CronJob controller
/// creates each Job (and the API server defaults it as any Job). `startingDeadlineSeconds`
/// and `timeZone` have no default.
pub fn default_cronjob(cj: &mut CronJob) {
    let spec = &mut cj.spec;
    if spec.concurrency_policy.as_deref().is_none_or(str::is_empty) {
        spec.concurrency_policy = Some("Allow".to_string());
    }
    if spec.suspend.is_none() {
        spec.suspend = Some(false);
    }
    if spec.successful_jobs_history_limit.is_none() {
        spec.successful_jobs_history_limit = Some(DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT);
    }
    if spec.failed_jobs_history_limit.is_none() {
        spec.failed_jobs_history_limit = Some(DEFAULT_FAILED_JOBS_HISTORY_LIMIT);
    }
    // JobTemplateSpec.Spec is a value in Kubernetes: it is always there to default.
    let job_spec = spec.job_template.spec.get_or_insert_with(JobSpec::default);
    default_pod_failure_policy(job_spec);
    default_pod_template(&mut job_spec.template);
}

/// `SetDefaults_PodFailurePolicyOnPodConditionsPattern`: a pattern without `status`
/// matches `True`.
fn default_pod_failure_policy(spec: &mut JobSpec) {
    if let Some(policy) = spec.pod_failure_policy.as_mut() {
        for rule in &mut policy.rules {
            for pattern in rule.on_pod_conditions.iter_mut().flatten() {
                if pattern.status.as_deref().is_none_or(str::is_empty) {
                    pattern.status = Some("True".to_string());
                }
            }
        }
    }
}

/// `SetDefaults_Job` (with `SetDefaults_PodFailurePolicyOnPodConditionsPattern`)
/// plus the pod template defaults. `managedBy`, `activeDeadlineSeconds`,
/// `ttlSecondsAfterFinished`, `backoffLimitPerIndex`, `maxFailedIndexes` and
/// `successPolicy` have no default, as in Kubernetes.
///
/// Both `completions` and `parallelism` unset means one pod (both 1); only
/// `parallelism` unset means 1; `completions` stays unset when only `parallelism` is
/// set (the work-queue pattern). The job's labels default to the template's labels.
pub fn default_job(job: &mut Job) {
    let spec = job.spec.get_or_insert_with(JobSpec::default);
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
        spec.parallelism = Some(1);
    }
    if spec.parallelism.is_none() {
        spec.parallelism = Some(1);
    }
    if spec.backoff_limit.is_none() {
        spec.backoff_limit = Some(if spec.backoff_limit_per_index.is_some() {
            i32::MAX
        } else {
            DEFAULT_BACKOFF_LIMIT
        });
    }
    if let Some(template_labels) = &spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        && job.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty)
    {
        job.metadata.labels = Some(template_labels.clone());
    }
    if spec.completion_mode.is_none() {
        spec.completion_mode = Some("NonIndexed".to_string());
    }
    if spec.suspend.is_none() {
        spec.suspend = Some(false);
    }
    default_pod_failure_policy(spec);
    if spec.pod_replacement_policy.is_none() {
        spec.pod_replacement_policy = Some(if spec.pod_failure_policy.is_some() {
            "Failed".to_string()
        } else {
            "TerminatingOrFailed".to_string()
        });
    }
    // Current Kubernetes defaults manualSelector to false (batch/v1 SetDefaults_Job).
    if spec.manual_selector.is_none() {
        spec.manual_selector = Some(false);
    }
    default_pod_template(&mut spec.template);
}

/// Defaults of a pod template: its pod spec (Kubernetes' `PodSpec` is not optional).
pub fn default_pod_template(template: &mut PodTemplateSpec) {
    default_pod_spec(template.spec.get_or_insert_with(PodSpec::default));
}

/// `SetDefaults_PodSpec` and the container defaults, for bare pods and templates.
///
/// `restartPolicy` becomes `Always` here as in Kubernetes, templates included; a Job's
/// validation then refuses `Always` with "Required value", exactly as the API server
/// reports a Job written without a restart policy.
pub fn default_pod_spec(spec: &mut PodSpec) {
    if spec.dns_policy.as_deref().is_none_or(str::is_empty) {
        spec.dns_policy = Some("ClusterFirst".to_string());
    }
    if spec.restart_policy.as_deref().is_none_or(str::is_empty) {
        spec.restart_policy = Some("Always".to_string());
    }
    if spec.security_context.is_none() {
        spec.security_context = Some(PodSecurityContext::default());
    }
    if spec.termination_grace_period_seconds.is_none() {
        spec.termination_grace_period_seconds = Some(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    }
    if spec.scheduler_name.as_deref().is_none_or(str::is_empty) {
        spec.scheduler_name = Some(DEFAULT_SCHEDULER_NAME.to_string());
    }
    for c in spec.containers.iter_mut() {
        default_container(c);
    }
    for c in spec.init_containers.iter_mut().flatten() {
        default_container(c);
    }
    for v in spec.volumes.iter_mut().flatten() {
        default_volume(v);
    }
}

/// `SetDefaults_Pod` for a bare pod (what the API server does to a created Pod,
/// including those the Job controller creates): requests default to limits,
/// `enableServiceLinks` to true, then the pod spec defaults.
pub fn default_pod(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    let containers = spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten());
    for c in containers {
        let Some(resources) = c.resources.as_mut() else {
            continue;
        };
        let Some(limits) = resources.limits.clone() else {
            continue;
        };
        let requests = resources.requests.get_or_insert_with(BTreeMap::new);
        for (k, v) in limits {
            requests.entry(k).or_insert(v);
        }
    }
    if spec.enable_service_links.is_none() {
        spec.enable_service_links = Some(true);
    }
    default_pod_spec(spec);
}

/// `SetDefaults_Container`, `SetDefaults_ContainerPort` and the downward-API
/// `apiVersion` default; `resources` becomes `{}` as Go's non-pointer field prints.
pub fn default_container(c: &mut Container) {
    if c.image_pull_policy.as_deref().is_none_or(str::is_empty) {
        let policy = if image_tag(c.image.as_deref().unwrap_or("")) == Some("latest") {
            "Always"
        } else {
            "IfNotPresent"
        };
        c.image_pull_policy = Some(policy.to_string());
    }
    if c.termination_message_path
        .as_deref()
        .is_none_or(str::is_empty)
    {
        c.termination_message_path = Some(TERMINATION_MESSAGE_PATH.to_string());
    }
    if c.termination_message_policy
        .as_deref()
        .is_none_or(str::is_empty)
    {
        c.termination_message_policy = Some("File".to_string());
    }
    if c.resources.is_none() {
        c.resources = Some(ResourceRequirements::default());
    }
    for p in c.ports.iter_mut().flatten() {
        if p.protocol.as_deref().is_none_or(str::is_empty) {
            p.protocol = Some("TCP".to_string());
        }
    }
    for e in c.env.iter_mut().flatten() {
        if let Some(field_ref) = e.value_from.as_mut().and_then(|v| v.field_ref.as_mut())
            && field_ref.api_version.as_deref().is_none_or(str::is_empty)
        {
            field_ref.api_version = Some("v1".to_string());
        }
    }
}

/// The tag of an image reference as Kubernetes' `parseImageName` reads it: the tag
/// written, or `latest` when there is neither tag nor digest; `None` for a digest-only
/// reference or no image.
pub fn image_tag(image: &str) -> Option<&str> {
    if image.is_empty() {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let component = &name[name.rfind('/').map_or(0, |i| i + 1)..];
    match component.split_once(':') {
        Some((_, tag)) => Some(tag),
        None if digest.is_none() => Some("latest"),
        None => None,
    }
}

/// What the API server does at create when `manualSelector` is not true: the selector
/// matches `batch.kubernetes.io/controller-uid=<uid>`, and the template gets the
/// `controller-uid`, `job-name` labels and their `batch.kubernetes.io/` forms (labels
/// the user already set are left alone; validation reports conflicts). The job's
/// labels default to the template's when it has none — what a cluster shows after
/// defaulting the stored object.
///
/// Call it after the name is final (a `generateName` resolved) and after
/// [`default_job`].
pub fn set_job_selector(job: &mut Job, uid: &str) {
    let name = job.metadata.name.clone().unwrap_or_default();
    let spec = job.spec.get_or_insert_with(JobSpec::default);
    if spec.manual_selector == Some(true) {
        return;
    }
    let template_labels = spec
        .template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(BTreeMap::new);
    for key in [labels::JOB_NAME, labels::BATCH_JOB_NAME] {
        template_labels
            .entry(key.to_string())
            .or_insert_with(|| name.clone());
    }
    for key in [labels::CONTROLLER_UID, labels::BATCH_CONTROLLER_UID] {
        template_labels
            .entry(key.to_string())
            .or_insert_with(|| uid.to_string());
    }
    let template_labels = template_labels.clone();
    let selector = spec.selector.get_or_insert_with(LabelSelector::default);
    selector
        .match_labels
        .get_or_insert_with(BTreeMap::new)
        .entry(labels::BATCH_CONTROLLER_UID.to_string())
        .or_insert_with(|| uid.to_string());
    if job.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty) {
        job.metadata.labels = Some(template_labels);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerPort, EnvVarSource, ObjectFieldSelector};
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use serde_json::json;

    fn job(spec: serde_json::Value) -> Job {
        serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi"},
            "spec": spec,
        }))
        .expect("job")
    }

    fn template() -> serde_json::Value {
        json!({"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}})
    }

    fn cronjob(spec: serde_json::Value) -> CronJob {
        serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "hello"},
            "spec": spec,
        }))
        .expect("cronjob")
    }

    #[test]
    fn cronjob_defaults_match_kubernetes() {
        let mut cj = cronjob(json!({
            "schedule": "*/1 * * * *",
            "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "c", "image": "busybox"}]}}}},
        }));
        default_cronjob(&mut cj);
        let s = &cj.spec;
        assert_eq!(s.concurrency_policy.as_deref(), Some("Allow"));
        assert_eq!(s.suspend, Some(false));
        assert_eq!(s.successful_jobs_history_limit, Some(3));
        assert_eq!(s.failed_jobs_history_limit, Some(1));
        assert_eq!(s.starting_deadline_seconds, None);
        assert_eq!(s.time_zone, None);
        let job_spec = s.job_template.spec.as_ref().expect("job spec");
        // SetDefaults_Job is not applied to a template: a cluster stores none of these.
        assert_eq!(job_spec.completions, None);
        assert_eq!(job_spec.parallelism, None);
        assert_eq!(job_spec.backoff_limit, None);
        assert_eq!(job_spec.completion_mode, None);
        assert_eq!(job_spec.suspend, None);
        assert_eq!(job_spec.manual_selector, None);
        assert_eq!(job_spec.pod_replacement_policy, None);
        // The pod template's defaults are.
        let pod = job_spec.template.spec.as_ref().expect("pod");
        assert_eq!(pod.restart_policy.as_deref(), Some("OnFailure"));
        assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirst"));
        assert_eq!(pod.scheduler_name.as_deref(), Some(DEFAULT_SCHEDULER_NAME));
        assert_eq!(
            pod.termination_grace_period_seconds,
            Some(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
        );
        assert_eq!(
            pod.containers[0].termination_message_path.as_deref(),
            Some(TERMINATION_MESSAGE_PATH)
        );
        assert_eq!(
            pod.containers[0].image_pull_policy.as_deref(),
            Some("Always")
        );
        let once = cj.clone();
        default_cronjob(&mut cj);
        assert_eq!(cj, once, "defaulting twice changes nothing");
    }

    #[test]
    fn cronjob_values_that_are_set_stay() {
        let mut cj = cronjob(json!({
            "schedule": "@daily",
            "concurrencyPolicy": "Forbid",
            "suspend": true,
            "successfulJobsHistoryLimit": 0,
            "failedJobsHistoryLimit": 5,
            "jobTemplate": {"spec": {
                "backoffLimit": 2,
                "podFailurePolicy": {"rules": [
                    {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]},
                "template": template()}},
        }));
        default_cronjob(&mut cj);
        let s = &cj.spec;
        assert_eq!(s.concurrency_policy.as_deref(), Some("Forbid"));
        assert_eq!(s.suspend, Some(true));
        assert_eq!(s.successful_jobs_history_limit, Some(0));
        assert_eq!(s.failed_jobs_history_limit, Some(5));
        let job_spec = s.job_template.spec.as_ref().expect("job spec");
        assert_eq!(job_spec.backoff_limit, Some(2));
        let rules = &job_spec.pod_failure_policy.as_ref().expect("policy").rules;
        let patterns = rules[0].on_pod_conditions.as_ref().expect("patterns");
        assert_eq!(patterns[0].status.as_deref(), Some("True"));

        // An empty concurrencyPolicy is unset; a template without spec gets one, with
        // the pod defaults (validation then asks for containers, as Kubernetes does).
        let mut cj =
            cronjob(json!({"schedule": "@daily", "concurrencyPolicy": "", "jobTemplate": {}}));
        default_cronjob(&mut cj);
        assert_eq!(cj.spec.concurrency_policy.as_deref(), Some("Allow"));
        let pod = cj
            .spec
            .job_template
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .expect("pod spec");
        assert_eq!(pod.restart_policy.as_deref(), Some("Always"));
    }

    #[test]
    fn completions_and_parallelism() {
        let cases = [
            (None, None, Some(1), Some(1)),
            (Some(5), None, Some(5), Some(1)),
            (None, Some(3), None, Some(3)),
            (Some(10), Some(5), Some(10), Some(5)),
            (Some(0), Some(0), Some(0), Some(0)),
        ];
        for (completions, parallelism, want_c, want_p) in cases {
            let mut j = job(
                json!({"completions": completions, "parallelism": parallelism, "template": template()}),
            );
            default_job(&mut j);
            let s = j.spec.as_ref().expect("spec");
            assert_eq!(
                (s.completions, s.parallelism),
                (want_c, want_p),
                "{completions:?}/{parallelism:?}"
            );
        }
    }

    #[test]
    fn job_defaults_match_kubernetes() {
        let mut j = job(json!({"template": template()}));
        default_job(&mut j);
        let s = j.spec.as_ref().expect("spec");
        assert_eq!(s.backoff_limit, Some(6));
        assert_eq!(s.completion_mode.as_deref(), Some("NonIndexed"));
        assert_eq!(s.suspend, Some(false));
        assert_eq!(
            s.pod_replacement_policy.as_deref(),
            Some("TerminatingOrFailed")
        );
        assert_eq!(s.manual_selector, Some(false));
        let pod = s.template.spec.as_ref().expect("pod spec");
        assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
        assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirst"));
        // Idempotent.
        let again = {
            let mut k = j.clone();
            default_job(&mut k);
            k
        };
        assert_eq!(again, j);

        let mut j =
            job(json!({"backoffLimit": 2, "backoffLimitPerIndex": 1, "template": template()}));
        default_job(&mut j);
        assert_eq!(j.spec.as_ref().and_then(|s| s.backoff_limit), Some(2));
        let mut j = job(json!({"backoffLimitPerIndex": 1, "template": template()}));
        default_job(&mut j);
        assert_eq!(
            j.spec.as_ref().and_then(|s| s.backoff_limit),
            Some(i32::MAX)
        );
        let mut j = job(json!({"podFailurePolicy": {"rules": []}, "template": template()}));
        default_job(&mut j);
        assert_eq!(
            j.spec
                .as_ref()
                .and_then(|s| s.pod_replacement_policy.as_deref()),
            Some("Failed")
        );
    }

    #[test]
    fn issue_3_field_defaults() {
        // Pod condition patterns default to status True; set values are kept.
        let mut j = job(json!({
            "podFailurePolicy": {"rules": [
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}, {"type": "X", "status": "False"}]},
                {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}},
            ]},
            "template": template(),
        }));
        default_job(&mut j);
        let s = j.spec.as_ref().expect("spec");
        let rules = &s.pod_failure_policy.as_ref().expect("policy").rules;
        let statuses: Vec<_> = rules[0]
            .on_pod_conditions
            .iter()
            .flatten()
            .map(|p| p.status.as_deref())
            .collect();
        assert_eq!(statuses, [Some("True"), Some("False")]);
        assert_eq!(rules[1].on_pod_conditions, None);
        assert_eq!(s.pod_replacement_policy.as_deref(), Some("Failed"));
        // Values the user wrote are never replaced; managedBy has no default.
        let mut j = job(json!({
            "suspend": true, "completionMode": "Indexed", "completions": 3,
            "podReplacementPolicy": "Failed", "backoffLimit": 0, "manualSelector": true,
            "template": template(),
        }));
        default_job(&mut j);
        let s = j.spec.as_ref().expect("spec");
        assert_eq!(s.suspend, Some(true));
        assert_eq!(s.completion_mode.as_deref(), Some("Indexed"));
        assert_eq!((s.completions, s.parallelism), (Some(3), Some(1)));
        assert_eq!(s.pod_replacement_policy.as_deref(), Some("Failed"));
        assert_eq!(s.backoff_limit, Some(0));
        assert_eq!(s.manual_selector, Some(true));
        assert_eq!(s.managed_by, None);
        assert_eq!(s.active_deadline_seconds, None);
        assert_eq!(s.ttl_seconds_after_finished, None);
        assert_eq!(s.max_failed_indexes, None);
    }

    #[test]
    fn job_labels_default_to_template_labels() {
        let mut j = job(
            json!({"template": {"metadata": {"labels": {"app": "kuard"}}, "spec": template()["spec"]}}),
        );
        default_job(&mut j);
        assert_eq!(
            j.metadata.labels,
            Some(BTreeMap::from([("app".to_string(), "kuard".to_string())]))
        );
        let mut j = job(
            json!({"template": {"metadata": {"labels": {"app": "kuard"}}, "spec": template()["spec"]}}),
        );
        j.metadata.labels = Some(BTreeMap::from([("own".to_string(), "x".to_string())]));
        default_job(&mut j);
        assert_eq!(
            j.metadata.labels,
            Some(BTreeMap::from([("own".to_string(), "x".to_string())]))
        );
    }

    #[test]
    fn pod_spec_and_container_defaults() {
        let mut spec: PodSpec = serde_json::from_value(json!({
            "containers": [
                {"name": "a", "image": "busybox"},
                {"name": "b", "image": "busybox:latest"},
                {"name": "c", "image": "gcr.io/kuar-demo/kuard-amd64:1"},
                {"name": "d", "image": "busybox@sha256:abc"},
                {"name": "e", "image": "localhost:5000/img"},
                {"name": "f", "image": "localhost:5000/img:2"},
                {"name": "g", "image": "img:latest@sha256:abc"},
                {"name": "h", "image": "busybox", "imagePullPolicy": "Never",
                 "ports": [{"containerPort": 80}],
                 "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]},
            ]
        }))
        .expect("spec");
        default_pod_spec(&mut spec);
        let policies: Vec<_> = spec
            .containers
            .iter()
            .map(|c| c.image_pull_policy.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(
            policies,
            [
                "Always",
                "Always",
                "IfNotPresent",
                "IfNotPresent",
                "Always",
                "IfNotPresent",
                "Always",
                "Never"
            ]
        );
        assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
        assert_eq!(spec.scheduler_name.as_deref(), Some("default-scheduler"));
        assert_eq!(spec.termination_grace_period_seconds, Some(30));
        assert_eq!(spec.security_context, Some(PodSecurityContext::default()));
        let c = &spec.containers[7];
        assert_eq!(
            c.termination_message_path.as_deref(),
            Some("/dev/termination-log")
        );
        assert_eq!(c.termination_message_policy.as_deref(), Some("File"));
        assert_eq!(c.resources, Some(ResourceRequirements::default()));
        assert_eq!(
            c.ports,
            Some(vec![ContainerPort {
                container_port: 80,
                protocol: Some("TCP".into()),
                ..Default::default()
            }])
        );
        assert_eq!(
            c.env.as_ref().and_then(|e| e[0].value_from.clone()),
            Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    api_version: Some("v1".into()),
                    field_path: "metadata.name".into()
                }),
                ..Default::default()
            })
        );
    }

    #[test]
    fn bare_pods_get_requests_from_limits() {
        let mut pod: Pod = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "busybox",
                "resources": {"limits": {"cpu": "1", "memory": "64Mi"}, "requests": {"cpu": "500m"}}}]}
        }))
        .expect("pod");
        default_pod(&mut pod);
        let spec = pod.spec.as_ref().expect("spec");
        let req = spec.containers[0]
            .resources
            .as_ref()
            .and_then(|r| r.requests.clone())
            .expect("requests");
        assert_eq!(req["cpu"], Quantity("500m".into()));
        assert_eq!(req["memory"], Quantity("64Mi".into()));
        assert_eq!(spec.enable_service_links, Some(true));
        assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
    }

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("busybox"), Some("latest"));
        assert_eq!(image_tag("busybox:1.36"), Some("1.36"));
        assert_eq!(image_tag("registry:5000/a/b"), Some("latest"));
        assert_eq!(image_tag("registry:5000/a/b:v2"), Some("v2"));
        assert_eq!(image_tag("a@sha256:00"), None);
        assert_eq!(image_tag(""), None);
    }

    #[test]
    fn selector_generation() {
        let mut j = job(
            json!({"template": {"metadata": {"labels": {"app": "kuard"}}, "spec": template()["spec"]}}),
        );
        default_job(&mut j);
        set_job_selector(&mut j, "u-1");
        let s = j.spec.as_ref().expect("spec");
        assert_eq!(
            s.selector.as_ref().and_then(|l| l.match_labels.clone()),
            Some(BTreeMap::from([(
                "batch.kubernetes.io/controller-uid".to_string(),
                "u-1".to_string()
            )]))
        );
        let tl = s
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .expect("labels");
        assert_eq!(
            tl,
            BTreeMap::from([
                ("app".to_string(), "kuard".to_string()),
                (
                    "batch.kubernetes.io/controller-uid".to_string(),
                    "u-1".to_string()
                ),
                ("batch.kubernetes.io/job-name".to_string(), "pi".to_string()),
                ("controller-uid".to_string(), "u-1".to_string()),
                ("job-name".to_string(), "pi".to_string()),
            ])
        );
        // The job's labels came from the template at defaulting time: only `app`.
        assert_eq!(
            j.metadata.labels,
            Some(BTreeMap::from([("app".to_string(), "kuard".to_string())]))
        );

        // No template labels: the job shows the generated ones.
        let mut j = job(json!({"template": template()}));
        default_job(&mut j);
        set_job_selector(&mut j, "u-2");
        assert_eq!(j.metadata.labels.as_ref().map(BTreeMap::len), Some(4));
        assert_eq!(
            j.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("job-name").cloned()),
            Some("pi".to_string())
        );

        // A user-set label is kept; a manual selector is left alone.
        let mut j = job(
            json!({"template": {"metadata": {"labels": {"job-name": "mine"}}, "spec": template()["spec"]}}),
        );
        set_job_selector(&mut j, "u-3");
        let tl = j
            .spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.clone())
            .expect("labels");
        assert_eq!(tl["job-name"], "mine");
        let mut j = job(
            json!({"manualSelector": true, "selector": {"matchLabels": {"a": "b"}}, "template": template()}),
        );
        let before = j.clone();
        set_job_selector(&mut j, "u-4");
        assert_eq!(j, before);
    }
}
