//! Table-driven tests of `reconcile` with an injected clock: the pod helpers and the
//! scenarios of the Kubernetes e2e list (test/e2e/apps/job.go) that apply to one host.

use super::conditions::ensure;
use super::pods::{PodClass, classify, finished_time, phase, pod_name};
use super::*;
use crate::api::labels;

mod e2e;
mod features;
mod sim;
use k8s_openapi::api::batch::v1::JobSpec;
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateTerminated, PodCondition, PodSpec, PodTemplateSpec,
};
use k8s_openapi::api::core::v1::{ContainerStatus, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use std::collections::BTreeMap;

const UID: &str = "0b9a6d3e-1111-2222-3333-444455556666";

/// Seconds after a fixed instant: the injected clock.
fn t(secs: f64) -> Timestamp {
    let base = 1_767_225_600_i64; // 2026-01-01T00:00:00Z
    let nanos = (secs * 1e9).round() as i64;
    Timestamp::from_second(base)
        .and_then(|b| b.checked_add(jiff::SignedDuration::from_nanos(nanos)))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A defaulted Job as the API hands it to the controller.
fn job(completions: Option<i32>, parallelism: i32, backoff_limit: i32, restart: &str) -> Job {
    let mut template_labels = BTreeMap::new();
    template_labels.insert("app".to_owned(), "pi".to_owned());
    template_labels.insert(labels::JOB_NAME.to_owned(), "pi".to_owned());
    template_labels.insert(labels::CONTROLLER_UID.to_owned(), UID.to_owned());
    let mut annotations = BTreeMap::new();
    annotations.insert("team".to_owned(), "batch".to_owned());
    Job {
        metadata: ObjectMeta {
            name: Some("pi".into()),
            namespace: Some("default".into()),
            uid: Some(UID.into()),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            completions,
            parallelism: Some(parallelism),
            backoff_limit: Some(backoff_limit),
            completion_mode: Some("NonIndexed".into()),
            pod_replacement_policy: Some("TerminatingOrFailed".into()),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(template_labels),
                    annotations: Some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "pi".into(),
                        image: Some("dockjob-test/busybox:1".into()),
                        ..Container::default()
                    }],
                    restart_policy: Some(restart.into()),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        status: None,
    }
}

/// A pod of the Job, built up by the methods below.
struct P(Pod);

fn pod(name: &str, phase: &str) -> P {
    P(Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            creation_timestamp: Some(Time(t(0.0))),
            ..ObjectMeta::default()
        },
        spec: None,
        status: Some(PodStatus {
            phase: Some(phase.into()),
            container_statuses: Some(vec![ContainerStatus {
                name: "pi".into(),
                ..ContainerStatus::default()
            }]),
            ..PodStatus::default()
        }),
    })
}

impl P {
    fn status(&mut self) -> &mut PodStatus {
        self.0.status.get_or_insert_with(PodStatus::default)
    }
    /// The container terminated at `at` (with exit code 0 or 1 by phase).
    fn finished(mut self, at: Timestamp) -> Self {
        let code = i32::from(phase(&self.0) == "Failed");
        for cs in self.status().container_statuses.iter_mut().flatten() {
            cs.state = Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: code,
                    finished_at: Some(Time(at)),
                    ..ContainerStateTerminated::default()
                }),
                ..ContainerState::default()
            });
        }
        self
    }
    fn ready(mut self) -> Self {
        self.status().conditions = Some(vec![PodCondition {
            type_: "Ready".into(),
            status: "True".into(),
            ..PodCondition::default()
        }]);
        self
    }
    fn restarts(mut self, n: i32) -> Self {
        for cs in self.status().container_statuses.iter_mut().flatten() {
            cs.restart_count = n;
        }
        self
    }
    fn init_restarts(mut self, n: i32) -> Self {
        self.status().init_container_statuses = Some(vec![ContainerStatus {
            name: "setup".into(),
            restart_count: n,
            ..ContainerStatus::default()
        }]);
        self
    }
    fn deleting(mut self, at: Timestamp) -> Self {
        self.0.metadata.deletion_timestamp = Some(Time(at));
        self
    }
    fn created(mut self, at: Timestamp) -> Self {
        self.0.metadata.creation_timestamp = Some(Time(at));
        self
    }
    fn done(self) -> Pod {
        self.0
    }
}

/// The Job after the engine wrote the plan's status.
fn with_status(job: &Job, plan: &JobPlan) -> Job {
    let mut next = job.clone();
    next.status = Some(plan.status.clone());
    next
}

fn cond<'a>(status: &'a JobStatus, type_: &str) -> Option<&'a JobCondition> {
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == type_)
}

fn cond_types(status: &JobStatus) -> Vec<&str> {
    status
        .conditions
        .iter()
        .flatten()
        .map(|c| c.type_.as_str())
        .collect()
}

/// Names of the pods the plan stops.
fn deleted(plan: &JobPlan) -> Vec<&str> {
    plan.delete.iter().map(|d| d.name.as_str()).collect()
}

fn reasons(plan: &JobPlan) -> Vec<(EventType, &str, &str)> {
    plan.events
        .iter()
        .map(|e| (e.type_.clone(), e.reason.as_str(), e.message.as_str()))
        .collect()
}

#[test]
fn one_shot_creates_one_pod_shaped_like_kubernetes() {
    let j = job(Some(1), 1, 6, "Never");
    let plan = reconcile(&j, &[] as &[Pod], t(0.4));
    assert_eq!(plan.create.len(), 1);
    assert!(plan.delete.is_empty() && plan.events.is_empty());
    assert_eq!(plan.requeue_after, None);

    let p = &plan.create[0];
    assert_eq!(p.metadata.generate_name.as_deref(), Some("pi-"));
    assert_eq!(p.metadata.name, None);
    assert_eq!(p.metadata.namespace.as_deref(), Some("default"));
    let l = p.metadata.labels.clone().unwrap_or_default();
    assert_eq!(l.get("app").map(String::as_str), Some("pi"));
    for (k, v) in [
        (labels::JOB_NAME, "pi"),
        (labels::BATCH_JOB_NAME, "pi"),
        (labels::CONTROLLER_UID, UID),
        (labels::BATCH_CONTROLLER_UID, UID),
    ] {
        assert_eq!(l.get(k).map(String::as_str), Some(v), "label {k}");
    }
    let ann = p.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(ann.get("team").map(String::as_str), Some("batch"));
    assert_eq!(
        p.metadata.owner_references,
        Some(vec![OwnerReference {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            name: "pi".into(),
            uid: UID.into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }])
    );
    assert_eq!(
        p.spec,
        j.spec.as_ref().and_then(|s| s.template.spec.clone())
    );
    assert_eq!(
        p.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Pending")
    );

    let s = &plan.status;
    assert_eq!(s.start_time, Some(Time(t(0.0))), "stamped in whole seconds");
    assert_eq!(
        (s.active, s.ready, s.terminating),
        (Some(1), Some(0), Some(0))
    );
    assert_eq!((s.succeeded, s.failed), (None, None));
    assert_eq!(s.conditions, None);
    assert_eq!(
        s.uncounted_terminated_pods,
        Some(UncountedTerminatedPods::default())
    );
}

#[test]
fn one_shot_completes_with_both_conditions_and_the_event() {
    let j0 = job(Some(1), 1, 6, "Never");
    let j1 = with_status(&j0, &reconcile(&j0, &[] as &[Pod], t(0.0)));
    // While the pod runs nothing more is created.
    let running = [pod("pi-abcde", "Running").ready().done()];
    let plan = reconcile(&j1, &running, t(3.0));
    assert!(plan.create.is_empty());
    assert_eq!((plan.status.active, plan.status.ready), (Some(1), Some(1)));

    let done = [pod("pi-abcde", "Succeeded").finished(t(7.0)).done()];
    let plan = reconcile(&with_status(&j1, &plan), &done, t(8.0));
    let s = &plan.status;
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    assert_eq!(cond_types(s), ["SuccessCriteriaMet", "Complete"]);
    for type_ in ["SuccessCriteriaMet", "Complete"] {
        let c = cond(s, type_).cloned().unwrap_or_default();
        assert_eq!(c.status, "True");
        assert_eq!(c.reason.as_deref(), Some("CompletionsReached"));
        assert_eq!(
            c.message.as_deref(),
            Some("Reached expected number of succeeded pods")
        );
        assert_eq!(c.last_transition_time, Some(Time(t(8.0))));
        assert_eq!(c.last_probe_time, Some(Time(t(8.0))));
    }
    assert_eq!(s.start_time, Some(Time(t(0.0))));
    assert_eq!(s.completion_time, Some(Time(t(8.0))));
    assert_eq!(
        (s.active, s.ready, s.succeeded, s.failed),
        (None, Some(0), Some(1), None)
    );
    assert_eq!(
        reasons(&plan),
        [(EventType::Normal, "Completed", "Job completed")]
    );
    assert!(finished_condition(&with_status(&j1, &plan)).is_some());
}

#[test]
fn parallel_ten_by_five_never_exceeds_five_and_ends_at_exactly_ten() {
    let mut j = job(Some(10), 5, 6, "Never");
    let mut pods: Vec<Pod> = Vec::new();
    let mut created = 0;
    for step in 0..50 {
        let now = t(f64::from(step));
        let plan = reconcile(&j, &pods, now);
        for p in &plan.create {
            created += 1;
            let mut p = p.clone();
            p.metadata.name = Some(format!("pi-{created:05}"));
            p.metadata.creation_timestamp = Some(Time(now));
            pods.push(p);
        }
        let active = pods
            .iter()
            .filter(|p| classify(p) == PodClass::Active)
            .count();
        assert!(active <= 5, "step {step}: {active} active");
        assert_eq!(plan.status.active.unwrap_or(0), i32_len(active));
        j = with_status(&j, &plan);
        if finished_condition(&j).is_some() {
            break;
        }
        // The two oldest running pods succeed before the next reconcile.
        for p in pods.iter_mut().filter(|p| phase(p) == "Pending").take(2) {
            if let Some(s) = p.status.as_mut() {
                s.phase = Some("Succeeded".into());
            }
        }
    }
    let s = j.status.clone().unwrap_or_default();
    assert_eq!(
        cond(&s, "Complete").map(|c| c.status.as_str()),
        Some("True")
    );
    assert_eq!(s.succeeded, Some(10));
    assert_eq!(created, 10);
    assert_eq!(s.active, None);
}

#[test]
fn parallelism_larger_than_remaining_completions_creates_only_what_is_needed() {
    let j = job(Some(5), 4, 6, "Never");
    let pods: Vec<Pod> = (0..3)
        .map(|i| pod(&format!("pi-{i}"), "Succeeded").finished(t(1.0)).done())
        .collect();
    let plan = reconcile(&j, &pods, t(2.0));
    assert_eq!(plan.create.len(), 2);
    assert_eq!(plan.status.active, Some(2));

    // With one of the two still running, only one more.
    let mut more = pods.clone();
    more.push(pod("pi-3", "Running").done());
    assert_eq!(reconcile(&j, &more, t(2.0)).create.len(), 1);
}

#[test]
fn work_queue_starts_parallelism_and_stops_creating_after_first_success() {
    let j = job(None, 3, 6, "Never");
    let plan = reconcile(&j, &[] as &[Pod], t(0.0));
    assert_eq!(plan.create.len(), 3);
    let j = with_status(&j, &plan);

    // One consumer finished the queue, two still draining: no new pod, not done.
    let pods = vec![
        pod("pi-a", "Succeeded").finished(t(5.0)).done(),
        pod("pi-b", "Running").done(),
        pod("pi-c", "Running").done(),
    ];
    let plan = reconcile(&j, &pods, t(6.0));
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    assert_eq!(plan.status.conditions, None);
    assert_eq!(
        (plan.status.active, plan.status.succeeded),
        (Some(2), Some(1))
    );

    // Even when one of the rest fails, it is not replaced; the job completes once
    // every pod has terminated.
    let pods = vec![
        pod("pi-a", "Succeeded").finished(t(5.0)).done(),
        pod("pi-b", "Failed").finished(t(7.0)).done(),
        pod("pi-c", "Running").done(),
    ];
    let plan = reconcile(&j, &pods, t(8.0));
    assert!(plan.create.is_empty());
    assert_eq!(plan.status.conditions, None);
    let pods = vec![
        pod("pi-a", "Succeeded").finished(t(5.0)).done(),
        pod("pi-b", "Failed").finished(t(7.0)).done(),
        pod("pi-c", "Succeeded").finished(t(9.0)).done(),
    ];
    let plan = reconcile(&j, &pods, t(10.0));
    assert!(plan.create.is_empty());
    assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet", "Complete"]);
    assert_eq!(
        (plan.status.succeeded, plan.status.failed),
        (Some(2), Some(1))
    );
}

#[test]
fn work_queue_without_success_replaces_failed_consumers() {
    let j = job(None, 2, 6, "Never");
    let pods = vec![
        pod("pi-a", "Failed").finished(t(0.0)).done(),
        pod("pi-b", "Running").done(),
    ];
    let plan = reconcile(&j, &pods, t(10.0));
    assert_eq!(plan.create.len(), 1);
    assert_eq!(plan.status.failed, Some(1));
}

/// Backoff table: (finish times of failed pods, finish times of succeeded pods,
/// now, expected pods created, expected requeue_after).
#[test]
fn pod_failure_backoff_timing() {
    /// (name, failed pods' finish times, succeeded pods' finish times, now,
    /// pods created, requeue_after)
    type Case = (
        &'static str,
        &'static [f64],
        &'static [f64],
        f64,
        usize,
        Option<Duration>,
    );
    let cases: &[Case] = &[
        ("no failure, no wait", &[], &[], 0.0, 1, None),
        (
            "9.9 s after a failure",
            &[0.0],
            &[],
            9.9,
            0,
            Some(Duration::from_millis(100)),
        ),
        ("10 s after a failure", &[0.0], &[], 10.0, 1, None),
        (
            "just after the second failure",
            &[0.0],
            &[],
            0.0,
            0,
            Some(Duration::from_secs(10)),
        ),
        (
            "19 s after the second failure",
            &[0.0, 15.0],
            &[],
            34.0,
            0,
            Some(Duration::from_secs(1)),
        ),
        (
            "20 s after the second failure",
            &[0.0, 15.0],
            &[],
            35.0,
            1,
            None,
        ),
        (
            "third failure waits 40 s",
            &[0.0, 15.0, 40.0],
            &[],
            79.0,
            0,
            Some(Duration::from_secs(1)),
        ),
        (
            "third failure after 40 s",
            &[0.0, 15.0, 40.0],
            &[],
            80.0,
            1,
            None,
        ),
        (
            "eight failures are capped at 10 min",
            &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            &[],
            606.5,
            0,
            Some(Duration::from_millis(500)),
        ),
        (
            "capped wait ends at 10 min",
            &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            &[],
            607.0,
            1,
            None,
        ),
        (
            "a success resets the count",
            &[0.0, 1.0, 2.0, 20.0],
            &[10.0],
            29.0,
            0,
            Some(Duration::from_secs(1)),
        ),
        (
            "failures before the last success do not count",
            &[0.0, 1.0],
            &[10.0],
            11.0,
            1,
            None,
        ),
    ];
    for (name, failed, succeeded, now, want_create, want_requeue) in cases {
        let j = job(Some(5), 1, 100, "Never");
        let mut pods: Vec<Pod> = Vec::new();
        for (i, at) in failed.iter().enumerate() {
            pods.push(pod(&format!("f{i}"), "Failed").finished(t(*at)).done());
        }
        for (i, at) in succeeded.iter().enumerate() {
            pods.push(pod(&format!("s{i}"), "Succeeded").finished(t(*at)).done());
        }
        let plan = reconcile(&j, &pods, t(*now));
        assert_eq!(plan.create.len(), *want_create, "{name}: created");
        assert_eq!(plan.requeue_after, *want_requeue, "{name}: requeue_after");
        // Waiting never shows as an active pod.
        let want_active = (*want_create > 0).then_some(1);
        assert_eq!(plan.status.active, want_active, "{name}: active");
    }
}

#[test]
fn finish_time_falls_back_like_kubernetes() {
    // No terminated container: the Ready=False transition time.
    let mut p = pod("a", "Failed").done();
    if let Some(s) = p.status.as_mut() {
        s.conditions = Some(vec![PodCondition {
            type_: "Ready".into(),
            status: "False".into(),
            last_transition_time: Some(Time(t(42.0))),
            ..PodCondition::default()
        }]);
    }
    assert_eq!(finished_time(&p), t(42.0));
    // Then deletion time minus grace period, then creation time.
    let mut p = pod("b", "Running").deleting(t(100.0)).done();
    p.metadata.deletion_grace_period_seconds = Some(30);
    assert_eq!(finished_time(&p), t(70.0));
    assert_eq!(
        finished_time(&pod("c", "Failed").created(t(5.0)).done()),
        t(5.0)
    );
    // The latest container finish wins.
    let mut p = pod("d", "Failed").finished(t(3.0)).done();
    if let Some(s) = p.status.as_mut() {
        let mut second = s.container_statuses.clone().unwrap_or_default()[0].clone();
        second.name = "side".into();
        if let Some(term) = second.state.as_mut().and_then(|st| st.terminated.as_mut()) {
            term.finished_at = Some(Time(t(9.0)));
        }
        s.container_statuses
            .get_or_insert_with(Vec::new)
            .push(second);
    }
    assert_eq!(finished_time(&p), t(9.0));
}

#[test]
fn backoff_limit_with_restart_policy_never() {
    // failed > backoffLimit fails the job; failed == backoffLimit does not.
    let j = job(Some(1), 1, 2, "Never");
    let two: Vec<Pod> = (0..2)
        .map(|i| {
            pod(&format!("f{i}"), "Failed")
                .finished(t(f64::from(i)))
                .done()
        })
        .collect();
    let plan = reconcile(&j, &two, t(100.0));
    assert_eq!(plan.status.conditions, None);
    assert_eq!(plan.create.len(), 1);
    assert_eq!(plan.status.failed, Some(2));

    let mut three = two.clone();
    three.push(pod("f2", "Failed").finished(t(50.0)).done());
    let plan = reconcile(&j, &three, t(51.0));
    let s = &plan.status;
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    assert_eq!(cond_types(s), ["FailureTarget", "Failed"]);
    for type_ in ["FailureTarget", "Failed"] {
        let c = cond(s, type_).cloned().unwrap_or_default();
        assert_eq!(c.reason.as_deref(), Some("BackoffLimitExceeded"));
        assert_eq!(
            c.message.as_deref(),
            Some("Job has reached the specified backoff limit")
        );
        assert_eq!(c.last_transition_time, Some(Time(t(51.0))));
    }
    assert_eq!(cond(s, "Complete"), None);
    assert_eq!(s.completion_time, None);
    assert_eq!((s.failed, s.active, s.succeeded), (Some(3), None, None));
    assert_eq!(plan.requeue_after, None);
    assert_eq!(
        reasons(&plan),
        [(
            EventType::Warning,
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit"
        )]
    );
}

#[test]
fn failing_job_stops_active_pods_counts_them_failed_and_waits_for_them() {
    let j = job(Some(4), 2, 1, "Never");
    let pods = vec![
        pod("f0", "Failed").finished(t(0.0)).done(),
        pod("f1", "Failed").finished(t(20.0)).done(),
        pod("run", "Running").ready().done(),
    ];
    let plan = reconcile(&j, &pods, t(21.0));
    let s = &plan.status;
    assert_eq!(deleted(&plan), ["run"]);
    assert!(plan.create.is_empty() && plan.events.is_empty());
    assert_eq!(
        cond_types(s),
        ["FailureTarget"],
        "Failed waits for the pod to stop"
    );
    assert_eq!(
        (s.failed, s.active, s.ready, s.terminating),
        (Some(3), None, Some(0), Some(1))
    );

    // Still running on the next pass (the stop is in flight): listed again, same counts.
    let j1 = with_status(&j, &plan);
    let again = reconcile(&j1, &pods, t(22.0));
    assert_eq!(deleted(&again), ["run"]);
    assert_eq!(again.status, plan.status);
    assert!(again.events.is_empty());

    // Once it has stopped, the job is Failed; FailureTarget keeps its time.
    let stopped = vec![
        pod("f0", "Failed").finished(t(0.0)).done(),
        pod("f1", "Failed").finished(t(20.0)).done(),
        pod("run", "Failed").finished(t(23.0)).done(),
    ];
    let plan = reconcile(&j1, &stopped, t(24.0));
    let s = &plan.status;
    assert_eq!(cond_types(s), ["FailureTarget", "Failed"]);
    assert_eq!(
        cond(s, "FailureTarget").and_then(|c| c.last_transition_time.clone()),
        Some(Time(t(21.0)))
    );
    assert_eq!(
        cond(s, "Failed").and_then(|c| c.last_transition_time.clone()),
        Some(Time(t(24.0)))
    );
    assert_eq!((s.failed, s.terminating), (Some(3), Some(0)));
    assert_eq!(reasons(&plan).len(), 1);
    assert!(plan.delete.is_empty());
}

#[test]
fn backoff_limit_with_restart_policy_on_failure_counts_restarts() {
    let cases: &[(&str, i32, Vec<Pod>, bool)] = &[
        (
            "2 restarts, limit 3",
            3,
            vec![pod("a", "Running").restarts(2).done()],
            false,
        ),
        (
            "3 restarts, limit 3",
            3,
            vec![pod("a", "Running").restarts(3).done()],
            true,
        ),
        (
            "init and app restarts add up",
            3,
            vec![pod("a", "Running").restarts(2).init_restarts(1).done()],
            true,
        ),
        (
            "restarts of several pods add up",
            3,
            vec![
                pod("a", "Running").restarts(2).done(),
                pod("b", "Pending").restarts(1).done(),
            ],
            true,
        ),
        (
            "terminal pods' restarts do not count",
            3,
            vec![
                pod("a", "Succeeded").restarts(5).done(),
                pod("b", "Running").restarts(1).done(),
            ],
            false,
        ),
        (
            "limit 0 fails on the first restart",
            0,
            vec![pod("a", "Running").restarts(1).done()],
            true,
        ),
        (
            "limit 0 without restarts",
            0,
            vec![pod("a", "Running").done()],
            false,
        ),
    ];
    for (name, limit, pods, fails) in cases {
        let j = job(Some(2), 2, *limit, "OnFailure");
        let plan = reconcile(&j, pods, t(5.0));
        let failed_target = cond(&plan.status, "FailureTarget").is_some();
        assert_eq!(failed_target, *fails, "{name}");
        if *fails {
            let running: Vec<String> = pods
                .iter()
                .filter(|p| classify(p) == PodClass::Active)
                .map(pod_name)
                .collect();
            assert_eq!(deleted(&plan), running, "{name}: delete");
            assert!(plan.delete.iter().all(|d| !d.untracked), "{name}: counted");
            assert!(plan.create.is_empty(), "{name}: create");
            assert_eq!(
                plan.status.failed,
                Some(i32_len(running.len())),
                "{name}: failed"
            );
        }
    }
    // The same restarts mean nothing under restartPolicy Never.
    let j = job(Some(1), 1, 3, "Never");
    let plan = reconcile(&j, &[pod("a", "Running").restarts(9).done()], t(5.0));
    assert_eq!(plan.status.conditions, None);
}

#[test]
fn counts_are_derived_from_pods_including_terminal_ones() {
    let pods = vec![
        pod("s1", "Succeeded").finished(t(1.0)).done(),
        pod("s2", "Succeeded").finished(t(2.0)).done(),
        pod("f1", "Failed").finished(t(3.0)).done(),
        pod("r1", "Running").ready().done(),
        pod("r2", "Running").done(),
        pod("p1", "Pending").done(),
        pod("x1", "Running").ready().deleting(t(4.0)).done(),
    ];
    let j = job(Some(10), 4, 6, "Never");
    let plan = reconcile(&j, &pods, t(100.0));
    let s = &plan.status;
    // A terminating pod is not active; with TerminatingOrFailed it is a failure and
    // is replaced without waiting for it to stop (the pod created now is active).
    assert_eq!(plan.create.len(), 1);
    assert_eq!(
        (s.active, s.ready, s.succeeded, s.failed, s.terminating),
        (Some(4), Some(1), Some(2), Some(2), Some(1))
    );

    // With podReplacementPolicy Failed it is neither failed nor replaced yet.
    let mut j = job(Some(10), 4, 6, "Never");
    if let Some(spec) = j.spec.as_mut() {
        spec.pod_replacement_policy = Some("Failed".into());
    }
    let plan = reconcile(&j, &pods, t(100.0));
    assert_eq!(
        (plan.status.failed, plan.status.terminating),
        (Some(1), Some(1))
    );
    assert!(plan.create.is_empty());
}

#[test]
fn reconcile_is_idempotent_while_running() {
    let j = job(Some(3), 2, 6, "Never");
    let pods = vec![
        pod("a", "Running").ready().done(),
        pod("b", "Succeeded").finished(t(4.0)).done(),
        pod("c", "Running").done(),
    ];
    let first = reconcile(&j, &pods, t(5.0));
    let j1 = with_status(&j, &first);
    let second = reconcile(&j1, &pods, t(60.0));
    assert!(second.create.is_empty() && second.delete.is_empty() && second.events.is_empty());
    assert_eq!(
        second.status, first.status,
        "nothing to write the second time"
    );
}

#[test]
fn finished_job_changes_nothing_and_only_stops_stragglers() {
    let j = job(Some(1), 1, 6, "Never");
    let pods = vec![pod("a", "Succeeded").finished(t(4.0)).done()];
    let done = with_status(&j, &reconcile(&j, &pods, t(5.0)));
    assert!(finished_condition(&done).is_some());

    let mut later = pods.clone();
    later.push(pod("stray", "Running").done());
    later.push(pod("late", "Failed").finished(t(6.0)).done());
    for now in [t(6.0), t(3600.0)] {
        let plan = reconcile(&done, &later, now);
        assert_eq!(Some(&plan.status), done.status.as_ref());
        assert!(plan.create.is_empty() && plan.events.is_empty());
        assert_eq!(deleted(&plan), ["stray"]);
        assert_eq!(plan.requeue_after, None);
    }
}

#[test]
fn success_decided_earlier_wins_over_later_failures() {
    // SuccessCriteriaMet recorded, pods still terminating: Complete waits; a failure
    // count over the limit meanwhile does not turn it into Failed.
    let mut j = job(Some(1), 1, 0, "Never");
    let mut conds = Vec::new();
    ensure(
        &mut conds,
        condition::SUCCESS_CRITERIA_MET,
        "True",
        reason::COMPLETIONS_REACHED,
        reason::COMPLETIONS_REACHED_MESSAGE,
        t(1.0),
    );
    j.status = Some(JobStatus {
        conditions: Some(conds),
        start_time: Some(Time(t(0.0))),
        ..JobStatus::default()
    });
    let pods = vec![
        pod("ok", "Succeeded").finished(t(1.0)).done(),
        pod("bye", "Running").deleting(t(1.0)).done(),
    ];
    let plan = reconcile(&j, &pods, t(2.0));
    assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet"]);
    assert!(plan.delete.is_empty(), "already being stopped");
    assert_eq!(plan.status.terminating, Some(1));
    assert!(plan.create.is_empty());

    let pods = vec![
        pod("ok", "Succeeded").finished(t(1.0)).done(),
        pod("bye", "Failed").finished(t(3.0)).done(),
    ];
    let plan = reconcile(&j, &pods, t(4.0));
    assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet", "Complete"]);
    assert_eq!(
        cond(&plan.status, "SuccessCriteriaMet").and_then(|c| c.last_transition_time.clone()),
        Some(Time(t(1.0)))
    );
    assert_eq!(
        reasons(&plan),
        [(EventType::Normal, "Completed", "Job completed")]
    );
}

#[test]
fn active_deadline_requeues_then_fails() {
    let mut j = job(Some(1), 1, 6, "Never");
    if let Some(spec) = j.spec.as_mut() {
        spec.active_deadline_seconds = Some(30);
    }
    let plan = reconcile(&j, &[] as &[Pod], t(0.0));
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(30)));
    let j = with_status(&j, &plan);
    let pods = [pod("a", "Running").done()];
    assert_eq!(
        reconcile(&j, &pods, t(10.0)).requeue_after,
        Some(Duration::from_secs(20))
    );
    let plan = reconcile(&j, &pods, t(30.0));
    let c = cond(&plan.status, "FailureTarget")
        .cloned()
        .unwrap_or_default();
    assert_eq!(c.reason.as_deref(), Some("DeadlineExceeded"));
    assert_eq!(
        c.message.as_deref(),
        Some("Job was active longer than specified deadline")
    );
    assert_eq!(deleted(&plan), ["a"]);
}

#[test]
fn surplus_pods_are_removed_least_progressed_first() {
    let j = job(Some(10), 1, 6, "Never");
    let pods = vec![
        pod("old-ready", "Running").ready().created(t(1.0)).done(),
        pod("pending", "Pending").created(t(3.0)).done(),
        pod("new-running", "Running").created(t(2.0)).done(),
    ];
    let plan = reconcile(&j, &pods, t(5.0));
    assert_eq!(deleted(&plan), ["pending", "new-running"]);
    assert!(plan.create.is_empty());
    assert_eq!(
        (plan.status.active, plan.status.terminating),
        (Some(1), Some(2))
    );
}

#[test]
fn job_being_deleted_gets_no_new_pods() {
    let mut j = job(Some(1), 1, 6, "Never");
    j.metadata.deletion_timestamp = Some(Time(t(0.0)));
    assert!(reconcile(&j, &[] as &[Pod], t(1.0)).create.is_empty());
}

#[test]
fn too_many_succeeded_pods_are_reported() {
    let j = job(Some(1), 1, 6, "Never");
    let pods = vec![
        pod("a", "Succeeded").finished(t(1.0)).done(),
        pod("b", "Succeeded").finished(t(1.0)).done(),
    ];
    let plan = reconcile(&j, &pods, t(2.0));
    assert_eq!(
        reasons(&plan),
        [
            (
                EventType::Warning,
                "TooManySucceededPods",
                "Too many succeeded pods running after completion count reached"
            ),
            (EventType::Normal, "Completed", "Job completed"),
        ]
    );
}

#[test]
fn status_serializes_with_the_api_omitempty_rules() {
    let j = job(Some(1), 1, 6, "Never");
    let plan = reconcile(&j, &[pod("a", "Succeeded").finished(t(1.0)).done()], t(2.0));
    let v = serde_json::to_value(&plan.status).unwrap_or_default();
    assert_eq!(v.get("active"), None);
    assert_eq!(v.get("failed"), None);
    assert_eq!(v["ready"], 0);
    assert_eq!(v["terminating"], 0);
    assert_eq!(v["succeeded"], 1);
    assert_eq!(v["uncountedTerminatedPods"], serde_json::json!({}));
    assert_eq!(v["completionTime"], "2026-01-01T00:00:02Z");
}
