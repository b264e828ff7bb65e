//! `GetPodFromTemplate` (`pkg/controller/controller_utils.go`): the pod a controller
//! creates from its pod template, shared by the Job and ReplicaSet controllers.
//!
//! Pure: the template and the owner in, a Pod to create (named by the store through
//! `generateName`) out. Controller-specific additions (the Job's identity labels, the
//! completion index) are the caller's.

use k8s_openapi::api::core::v1::{Pod, PodStatus, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

/// A pod from `template`: its labels, annotations and finalizers, its spec, a
/// controller ownerReference to `owner` (the `metav1.NewControllerRef` the controllers
/// pass) and `generateName` (`<owner>-`), phase Pending.
pub fn pod_from_template(
    template: Option<&PodTemplateSpec>,
    namespace: Option<String>,
    generate_name: String,
    owner: OwnerReference,
) -> Pod {
    let template_meta = template
        .and_then(|t| t.metadata.clone())
        .unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(generate_name),
            namespace,
            labels: Some(template_meta.labels.unwrap_or_default()),
            annotations: template_meta.annotations.filter(|a| !a.is_empty()),
            finalizers: template_meta.finalizers.filter(|f| !f.is_empty()),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: template.and_then(|t| t.spec.clone()),
        status: Some(PodStatus {
            phase: Some("Pending".into()),
            ..PodStatus::default()
        }),
    }
}

/// `metav1.NewControllerRef`: the ownerReference a controller puts on what it creates
/// (`controller` and `blockOwnerDeletion` true).
pub fn controller_ref(api_version: &str, kind: &str, name: &str, uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: api_version.into(),
        kind: kind.into(),
        name: name.into(),
        uid: uid.into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn copies_template_metadata_and_spec_and_owns_the_pod() {
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([("app".into(), "q".into())])),
                annotations: Some(BTreeMap::new()),
                ..ObjectMeta::default()
            }),
            spec: Some(Default::default()),
        };
        let pod = pod_from_template(
            Some(&template),
            Some("ns".into()),
            "queue-".into(),
            controller_ref("apps/v1", "ReplicaSet", "queue", "u1"),
        );
        assert_eq!(pod.metadata.generate_name.as_deref(), Some("queue-"));
        assert_eq!(pod.metadata.namespace.as_deref(), Some("ns"));
        assert_eq!(
            pod.metadata.labels.as_ref().and_then(|l| l.get("app")),
            Some(&"q".to_string())
        );
        // An empty map is not written, as Go's omitempty would not.
        assert_eq!(pod.metadata.annotations, None);
        let owner = &pod.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.uid.as_str()),
            ("ReplicaSet", "u1")
        );
        assert_eq!(owner.controller, Some(true));
        assert_eq!(owner.block_owner_deletion, Some(true));
        assert!(pod.spec.is_some());
        assert_eq!(pod.status.and_then(|s| s.phase).as_deref(), Some("Pending"));
    }
}
