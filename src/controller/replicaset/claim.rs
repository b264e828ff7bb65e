//! `ClaimPods` (`PodControllerRefManager`, `pkg/controller/controller_ref_manager.go`):
//! which active pods a ReplicaSet owns after this reconcile, which orphans it adopts
//! and which of its pods it lets go.
//!
//! Pure: decides only; the engine writes the ownerReferences.

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::api::selector::Selector;

/// The outcome of claiming a set of active pods.
#[derive(Debug, Default)]
pub struct Claim<'a> {
    /// Pods the ReplicaSet counts: already owned and matching, plus those adopted.
    pub claimed: Vec<&'a Pod>,
    /// Orphans to adopt (also in `claimed`).
    pub adopt: Vec<&'a Pod>,
    /// Owned pods the selector no longer matches (not in `claimed`).
    pub release: Vec<&'a Pod>,
}

/// The pod's controller ownerReference, if any (`metav1.GetControllerOf`).
pub fn controller_of(pod: &Pod) -> Option<&OwnerReference> {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
}

/// Whether the pod's controller is this ReplicaSet (same uid).
pub(super) fn is_owned_by(pod: &Pod, rs: &ReplicaSet) -> bool {
    controller_of(pod).is_some_and(|r| Some(r.uid.as_str()) == rs.metadata.uid.as_deref())
}

/// `ClaimObject` for each pod, in order:
/// - controlled by this ReplicaSet: claimed when the selector matches; otherwise
///   released, unless the ReplicaSet is being deleted;
/// - controlled by something else: ignored;
/// - an orphan: adopted when the selector matches, neither the ReplicaSet nor the pod
///   is being deleted and both are in the same namespace.
pub fn claim_pods<'a>(rs: &ReplicaSet, selector: &Selector, pods: &[&'a Pod]) -> Claim<'a> {
    let rs_deleting = rs.metadata.deletion_timestamp.is_some();
    let rs_ns = rs.metadata.namespace.as_deref().unwrap_or("");
    let mut claim = Claim::default();
    for &pod in pods {
        let matches = selector.matches_opt(pod.metadata.labels.as_ref());
        match controller_of(pod) {
            Some(r) if Some(r.uid.as_str()) == rs.metadata.uid.as_deref() => {
                if matches {
                    claim.claimed.push(pod);
                } else if !rs_deleting {
                    claim.release.push(pod);
                }
            }
            Some(_) => {}
            None => {
                let same_ns = rs_ns.is_empty() || pod.metadata.namespace.as_deref() == Some(rs_ns);
                if !rs_deleting && matches && pod.metadata.deletion_timestamp.is_none() && same_ns {
                    claim.adopt.push(pod);
                    claim.claimed.push(pod);
                }
            }
        }
    }
    claim
}
