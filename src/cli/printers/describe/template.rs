//! The `Pod Template:` section (kubectl's `DescribePodTemplate`) that `describe job`,
//! `describe cronjob` and `describe replicaset` share. Must not print anything of the
//! owning object.

use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::containers::describe_containers;
use super::volumes::describe_volumes;
use super::{
    LEVEL_0, LEVEL_1, Writer, print_annotations, print_labels, print_node_selectors_tolerations,
};

/// kubectl's `DescribePodTemplate`.
pub(super) fn describe_pod_template(w: &mut Writer, template: &PodTemplateSpec, tz: &TimeZone) {
    w.write(LEVEL_0, "Pod Template:\n");
    let meta = template.metadata.clone().unwrap_or_default();
    let spec = template.spec.clone().unwrap_or_default();
    print_labels(w, "  Labels", meta.labels.as_ref());
    if meta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        print_annotations(w, "  Annotations", meta.annotations.as_ref());
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(LEVEL_1, &format!("Service Account:\t{sa}\n"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|i| !i.is_empty()) {
        describe_containers(w, "Init Containers", init, None, None, "  ", tz);
    }
    describe_containers(w, "Containers", &spec.containers, None, None, "  ", tz);
    describe_volumes(w, spec.volumes.as_ref(), "  ");
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(LEVEL_1, &format!("Priority Class Name:\t{pc}\n"));
    }
    print_node_selectors_tolerations(w, &spec, "  ");
}
