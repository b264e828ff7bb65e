//! A tiny stand-in for the engine and kubelet: applies each plan the way the engine
//! does (pods named from `generateName`, stopped pods marked with `deletionTimestamp`
//! and, when untracked, the annotation; status written; events kept), so scenario
//! tests can drive a Job through its life with an injected clock.

use super::*;
use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated, PodCondition};

pub(super) struct Sim {
    pub job: Job,
    pub pods: Vec<Pod>,
    pub events: Vec<(String, String)>,
    next: usize,
}

impl Sim {
    pub fn new(job: Job) -> Self {
        Sim {
            job,
            pods: Vec::new(),
            events: Vec::new(),
            next: 0,
        }
    }

    /// One reconcile at `now`, executed.
    pub fn step(&mut self, now: f64) -> JobPlan {
        let plan = reconcile(&self.job, &self.pods, t(now));
        for p in &plan.create {
            self.next += 1;
            let mut p = p.clone();
            let prefix = p.metadata.generate_name.clone().unwrap_or_default();
            p.metadata.name = Some(format!("{prefix}{:05}", self.next));
            p.metadata.creation_timestamp = Some(Time(t(now)));
            self.pods.push(p);
        }
        for d in &plan.delete {
            if let Some(p) = self
                .pods
                .iter_mut()
                .find(|p| p.metadata.name.as_deref() == Some(d.name.as_str()))
                && classify(p) == PodClass::Active
            {
                p.metadata.deletion_timestamp = Some(Time(t(now)));
                if d.untracked {
                    p.metadata
                        .annotations
                        .get_or_insert_with(BTreeMap::new)
                        .insert(UNTRACKED_ANNOTATION.to_owned(), "true".to_owned());
                }
            }
        }
        self.job.status = Some(plan.status.clone());
        for e in &plan.events {
            self.events.push((e.reason.clone(), e.message.clone()));
        }
        plan
    }

    pub fn status(&self) -> JobStatus {
        self.job.status.clone().unwrap_or_default()
    }

    pub fn with_spec(mut self, f: impl FnOnce(&mut JobSpec)) -> Self {
        if let Some(s) = self.job.spec.as_mut() {
            f(s);
        }
        self
    }

    pub fn set_spec(&mut self, f: impl FnOnce(&mut JobSpec)) {
        if let Some(s) = self.job.spec.as_mut() {
            f(s);
        }
    }

    /// Names of the pods that are Pending or Running and not being deleted.
    pub fn active(&self) -> Vec<String> {
        self.pods
            .iter()
            .filter(|p| classify(p) == PodClass::Active)
            .map(pod_name)
            .collect()
    }

    /// The kubelet: every active pod starts running and becomes ready.
    pub fn run_all(&mut self) {
        for p in self
            .pods
            .iter_mut()
            .filter(|p| classify(p) == PodClass::Active)
        {
            let s = p.status.get_or_insert_with(PodStatus::default);
            s.phase = Some("Running".into());
            s.conditions = Some(vec![PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..PodCondition::default()
            }]);
        }
    }

    /// The kubelet: the pod's container exits with `code` at `at` (0 = Succeeded).
    pub fn exit(&mut self, name: &str, code: i32, at: f64) {
        if let Some(p) = self
            .pods
            .iter_mut()
            .find(|p| p.metadata.name.as_deref() == Some(name))
        {
            terminate(p, code, at);
        }
    }

    /// The kubelet: every non-terminal pod picked by `which` exits with the code it
    /// returns.
    pub fn exit_where(&mut self, at: f64, which: impl Fn(&Pod) -> Option<i32>) {
        for p in self.pods.iter_mut() {
            if matches!(classify(p), PodClass::Active | PodClass::Terminating)
                && let Some(code) = which(p)
            {
                terminate(p, code, at);
            }
        }
    }

    /// The kubelet: pods being deleted are stopped (SIGTERM: exit 143, Failed).
    pub fn stop_deleted(&mut self, at: f64) {
        self.exit_where(at, |p| p.metadata.deletion_timestamp.as_ref().map(|_| 143));
    }

    pub fn index_of(p: &Pod) -> Option<usize> {
        indexed::completion_index(p)
    }
}

fn terminate(p: &mut Pod, code: i32, at: f64) {
    let s = p.status.get_or_insert_with(PodStatus::default);
    s.phase = Some(if code == 0 { "Succeeded" } else { "Failed" }.into());
    s.conditions = Some(vec![PodCondition {
        type_: "Ready".into(),
        status: "False".into(),
        last_transition_time: Some(Time(t(at))),
        ..PodCondition::default()
    }]);
    s.container_statuses = Some(vec![ContainerStatus {
        name: "pi".into(),
        state: Some(ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: code,
                finished_at: Some(Time(t(at))),
                ..ContainerStateTerminated::default()
            }),
            ..ContainerState::default()
        }),
        ..ContainerStatus::default()
    }]);
}
