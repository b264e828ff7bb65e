//! Building a pod from the Job's template the way the Job controller does
//! (`GetPodFromTemplate` plus the Indexed additions of `manageJob`).
//!
//! Pure: the Job and the index in, a Pod to create (named by the store through
//! `generateName`) out.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, EnvVar, EnvVarSource, ObjectFieldSelector, Pod};

use super::indexed::{
    COMPLETION_INDEX_ENV, COMPLETION_INDEX_KEY, INDEX_FAILURE_COUNT_ANNOTATION,
    INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
};
use crate::api::labels;
use crate::controller::pod_template::{controller_ref, pod_from_template};

/// `names.MaxGeneratedNameLength`: 63 minus the 5 random characters.
const MAX_GENERATED_NAME_LENGTH: usize = 58;

/// What makes a pod of an Indexed Job different from its siblings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct IndexedPod {
    pub index: usize,
    /// `(failures, ignored failures)` of the index so far, with `backoffLimitPerIndex`.
    pub failure_counts: Option<(i32, i32)>,
}

/// A pod for the Job: template labels plus the Job's identity labels, template
/// annotations and finalizers, a controller owner reference, the template's spec; for
/// an Indexed Job also the completion index (annotation, label, `JOB_COMPLETION_INDEX`,
/// hostname `<job>-<index>`, generateName `<job>-<index>-`) and the per-index
/// failure counts.
pub(super) fn new_pod(job: &Job, indexed: Option<IndexedPod>) -> Pod {
    let job_name = job.metadata.name.clone().unwrap_or_default();
    let job_uid = job.metadata.uid.clone().unwrap_or_default();
    let mut pod = pod_from_template(
        job.spec.as_ref().map(|s| &s.template),
        job.metadata.namespace.clone(),
        format!("{job_name}-"),
        controller_ref("batch/v1", "Job", &job_name, &job_uid),
    );
    let pod_labels = pod.metadata.labels.get_or_insert_with(Default::default);
    for (key, value) in [
        (labels::CONTROLLER_UID, &job_uid),
        (labels::JOB_NAME, &job_name),
        (labels::BATCH_CONTROLLER_UID, &job_uid),
        (labels::BATCH_JOB_NAME, &job_name),
    ] {
        pod_labels.insert(key.to_owned(), value.clone());
    }

    if let Some(ix) = indexed {
        let index = ix.index.to_string();
        let annotations = pod
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        annotations.insert(COMPLETION_INDEX_KEY.to_owned(), index.clone());
        if let Some((failures, ignored)) = ix.failure_counts {
            annotations.insert(
                INDEX_FAILURE_COUNT_ANNOTATION.to_owned(),
                failures.to_string(),
            );
            if ignored > 0 {
                annotations.insert(
                    INDEX_IGNORED_FAILURE_COUNT_ANNOTATION.to_owned(),
                    ignored.to_string(),
                );
            }
        }
        // The PodIndexLabel feature (on by default since 1.28, GA in 1.32).
        pod_labels.insert(COMPLETION_INDEX_KEY.to_owned(), index.clone());
        if let Some(s) = pod.spec.as_mut() {
            for c in s.init_containers.iter_mut().flatten() {
                add_index_env(c);
            }
            for c in &mut s.containers {
                add_index_env(c);
            }
            s.hostname = Some(format!("{job_name}-{index}"));
        }
        pod.metadata.generate_name = Some(generate_name_with_index(&job_name, ix.index));
    }
    pod
}

/// `addCompletionIndexEnvVariable`: appended unless the container already sets it; a
/// downward-API reference to the index label (`PodIndexLabel` on).
fn add_index_env(c: &mut Container) {
    let env = c.env.get_or_insert_with(Vec::new);
    if env.iter().any(|e| e.name == COMPLETION_INDEX_ENV) {
        return;
    }
    env.push(EnvVar {
        name: COMPLETION_INDEX_ENV.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: None,
                field_path: format!("metadata.labels['{COMPLETION_INDEX_KEY}']"),
            }),
            ..EnvVarSource::default()
        }),
    });
}

/// `podGenerateNameWithIndex`: `<job>-<index>-`, the job name cut so the prefix fits
/// `MaxGeneratedNameLength`.
fn generate_name_with_index(job_name: &str, index: usize) -> String {
    let suffix = format!("-{index}-");
    let prefix = format!("{job_name}{suffix}");
    if prefix.len() <= MAX_GENERATED_NAME_LENGTH {
        return prefix;
    }
    let keep = MAX_GENERATED_NAME_LENGTH.saturating_sub(suffix.len());
    let cut: String = job_name.chars().take(keep).collect();
    format!("{cut}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_name_with_index_is_cut_like_kubernetes() {
        assert_eq!(generate_name_with_index("pi", 3), "pi-3-");
        let long = "a".repeat(60);
        let got = generate_name_with_index(&long, 12);
        assert_eq!(got.len(), MAX_GENERATED_NAME_LENGTH);
        assert!(got.ends_with("a-12-"));
    }

    #[test]
    fn user_set_index_env_is_kept() {
        let mut c = Container {
            env: Some(vec![EnvVar {
                name: COMPLETION_INDEX_ENV.into(),
                value: Some("7".into()),
                value_from: None,
            }]),
            ..Container::default()
        };
        add_index_env(&mut c);
        assert_eq!(c.env.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            c.env.as_ref().and_then(|e| e[0].value.as_deref()),
            Some("7")
        );
    }
}
