//! The kinds dockjob serves and how each is named: in REST paths, in kubectl-style
//! output (`job.batch/oneshot`) and on the command line (`jobs`, `job`, `jobs.batch`).

use serde::{Deserialize, Serialize};

/// A kind of object the engine stores and serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Job,
    CronJob,
    Pod,
    Event,
    ConfigMap,
    Secret,
    Service,
    ReplicaSet,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Job,
        Kind::CronJob,
        Kind::Pod,
        Kind::Event,
        Kind::ConfigMap,
        Kind::Secret,
        Kind::Service,
        Kind::ReplicaSet,
    ];

    /// `apiVersion` as written in manifests.
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Job | Kind::CronJob => "batch/v1",
            Kind::ReplicaSet => "apps/v1",
            Kind::Pod | Kind::Event | Kind::ConfigMap | Kind::Secret | Kind::Service => "v1",
        }
    }

    /// API group: empty for the core group.
    pub fn group(self) -> &'static str {
        match self {
            Kind::Job | Kind::CronJob => "batch",
            Kind::ReplicaSet => "apps",
            Kind::Pod | Kind::Event | Kind::ConfigMap | Kind::Secret | Kind::Service => "",
        }
    }

    /// `kind` as written in manifests.
    pub fn kind(self) -> &'static str {
        match self {
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
            Kind::Pod => "Pod",
            Kind::Event => "Event",
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
            Kind::Service => "Service",
            Kind::ReplicaSet => "ReplicaSet",
        }
    }

    /// The plural resource name used in REST paths.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Job => "jobs",
            Kind::CronJob => "cronjobs",
            Kind::Pod => "pods",
            Kind::Event => "events",
            Kind::ConfigMap => "configmaps",
            Kind::Secret => "secrets",
            Kind::Service => "services",
            Kind::ReplicaSet => "replicasets",
        }
    }

    /// `job.batch` / `pod`: how kubectl names the kind in `job.batch/x created`.
    pub fn qualified(self) -> String {
        let singular = self.kind().to_ascii_lowercase();
        if self.group().is_empty() {
            singular
        } else {
            format!("{singular}.{}", self.group())
        }
    }

    /// `jobs.batch` / `pods`: how Kubernetes names the resource in `Status` messages
    /// (`jobs.batch "x" not found`).
    pub fn resource(self) -> String {
        if self.group().is_empty() {
            self.plural().to_string()
        } else {
            format!("{}.{}", self.plural(), self.group())
        }
    }

    /// The kind for a manifest's `apiVersion` and `kind`.
    pub fn from_type(api_version: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.api_version() == api_version && k.kind() == kind)
    }

    /// The kind for a REST path's group and plural.
    pub fn from_path(group: &str, plural: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.group() == group && k.plural() == plural)
    }

    /// The kind for a name typed on the command line, with kubectl's aliases.
    pub fn from_cli(name: &str) -> Option<Kind> {
        match name.to_ascii_lowercase().as_str() {
            "job" | "jobs" | "job.batch" | "jobs.batch" => Some(Kind::Job),
            "cronjob" | "cronjobs" | "cj" | "cronjob.batch" | "cronjobs.batch" => {
                Some(Kind::CronJob)
            }
            "pod" | "pods" | "po" => Some(Kind::Pod),
            "event" | "events" | "ev" => Some(Kind::Event),
            "configmap" | "configmaps" | "cm" => Some(Kind::ConfigMap),
            "secret" | "secrets" => Some(Kind::Secret),
            "service" | "services" | "svc" => Some(Kind::Service),
            "replicaset" | "replicasets" | "rs" | "replicaset.apps" | "replicasets.apps" => {
                Some(Kind::ReplicaSet)
            }
            _ => None,
        }
    }

    /// The REST collection path in a namespace, or across namespaces when `ns` is None.
    pub fn collection_path(self, ns: Option<&str>) -> String {
        let prefix = if self.group().is_empty() {
            format!("/api/{}", self.api_version())
        } else {
            format!("/apis/{}", self.api_version())
        };
        match ns {
            Some(ns) => format!("{prefix}/namespaces/{ns}/{}", self.plural()),
            None => format!("{prefix}/{}", self.plural()),
        }
    }

    /// The REST path of one object.
    pub fn object_path(self, ns: &str, name: &str) -> String {
        format!("{}/{name}", self.collection_path(Some(ns)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_mirror_kubernetes() {
        assert_eq!(
            Kind::Job.object_path("default", "pi"),
            "/apis/batch/v1/namespaces/default/jobs/pi"
        );
        assert_eq!(Kind::Pod.collection_path(None), "/api/v1/pods");
        assert_eq!(Kind::Job.qualified(), "job.batch");
        assert_eq!(Kind::Pod.qualified(), "pod");
        assert_eq!(Kind::Job.resource(), "jobs.batch");
    }

    #[test]
    fn cli_aliases() {
        for n in ["job", "jobs", "jobs.batch", "JOB"] {
            assert_eq!(Kind::from_cli(n), Some(Kind::Job), "{n}");
        }
        assert_eq!(Kind::from_cli("po"), Some(Kind::Pod));
        assert_eq!(Kind::from_cli("cj"), Some(Kind::CronJob));
        assert_eq!(Kind::from_cli("rs"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::from_cli("svc"), Some(Kind::Service));
        assert_eq!(Kind::from_cli("cm"), Some(Kind::ConfigMap));
        assert_eq!(Kind::from_cli("deployments"), None);
        assert_eq!(
            Kind::ReplicaSet.object_path("default", "queue"),
            "/apis/apps/v1/namespaces/default/replicasets/queue"
        );
        assert_eq!(Kind::ReplicaSet.qualified(), "replicaset.apps");
        assert_eq!(
            Kind::CronJob.object_path("default", "c"),
            "/apis/batch/v1/namespaces/default/cronjobs/c"
        );
        assert_eq!(Kind::from_type("batch/v1", "Job"), Some(Kind::Job));
        assert_eq!(Kind::from_path("", "pods"), Some(Kind::Pod));
    }
}
