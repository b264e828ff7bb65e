//! Focused checks of single JobSpec fields beyond the e2e list: Indexed bookkeeping,
//! suspend and the deadline timer, pod failure policy counting, per-index backoff,
//! untracked pods.

use super::sim::Sim;
use super::*;
use k8s_openapi::api::batch::v1::{
    PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyRule,
};
use k8s_openapi::api::core::v1::EnvVar;

fn indexed_job(completions: i32, parallelism: i32) -> Job {
    let mut j = job(Some(completions), parallelism, 6, "Never");
    if let Some(s) = j.spec.as_mut() {
        s.completion_mode = Some("Indexed".into());
    }
    j
}

impl P {
    fn index(mut self, ix: &str) -> Self {
        self.0
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(COMPLETION_INDEX_KEY.to_owned(), ix.to_owned());
        self
    }
    fn untracked(mut self) -> Self {
        self.0
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(UNTRACKED_ANNOTATION.to_owned(), "true".to_owned());
        self
    }
    fn exit_code(mut self, code: i32) -> Self {
        for cs in self.status().container_statuses.iter_mut().flatten() {
            if let Some(term) = cs.state.as_mut().and_then(|s| s.terminated.as_mut()) {
                term.exit_code = code;
            }
        }
        self
    }
}

fn policy(action: &str, values: &[i32]) -> Option<PodFailurePolicy> {
    Some(PodFailurePolicy {
        rules: vec![PodFailurePolicyRule {
            action: action.into(),
            on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
                container_name: None,
                operator: "In".into(),
                values: values.to_vec(),
            }),
            on_pod_conditions: None,
        }],
    })
}

#[test]
fn completed_indexes_use_the_compressed_form() {
    let j = indexed_job(10, 1);
    let pods: Vec<Pod> = ["1", "3", "4", "5", "7"]
        .iter()
        .map(|ix| {
            pod(&format!("s{ix}"), "Succeeded")
                .finished(t(1.0))
                .index(ix)
                .done()
        })
        .collect();
    let plan = reconcile(&j, &pods, t(2.0));
    assert_eq!(plan.status.completed_indexes.as_deref(), Some("1,3-5,7"));
    assert_eq!(plan.status.succeeded, Some(5));
    // The lowest pending index is next.
    let created: Vec<Option<&str>> = plan
        .create
        .iter()
        .map(|p| p.metadata.generate_name.as_deref())
        .collect();
    assert_eq!(created, [Some("pi-0-")]);
}

#[test]
fn a_second_success_of_an_index_counts_once() {
    let j = indexed_job(2, 1);
    let pods = vec![
        pod("a", "Succeeded").finished(t(1.0)).index("0").done(),
        pod("b", "Succeeded").finished(t(2.0)).index("0").done(),
        pod("c", "Succeeded").finished(t(2.0)).index("9").done(),
    ];
    let plan = reconcile(&j, &pods, t(3.0));
    assert_eq!(plan.status.succeeded, Some(1));
    assert_eq!(plan.status.completed_indexes.as_deref(), Some("0"));
    assert_eq!(plan.create.len(), 1);
}

#[test]
fn repeated_out_of_range_and_missing_indexes_are_removed_before_anything_is_created() {
    let j = indexed_job(4, 4);
    let pods = vec![
        pod("dup-old", "Running")
            .ready()
            .created(t(1.0))
            .index("0")
            .done(),
        pod("dup-new", "Pending").created(t(2.0)).index("0").done(),
        pod("far", "Running").index("7").done(),
        pod("none", "Running").done(),
        pod("one", "Running").index("1").done(),
    ];
    let plan = reconcile(&j, &pods, t(3.0));
    let mut got = deleted(&plan);
    got.sort();
    assert_eq!(got, ["dup-new", "far", "none"]);
    assert!(plan.delete.iter().all(|d| d.untracked));
    assert!(plan.create.is_empty(), "deletion takes precedence");
    assert_eq!(
        (plan.status.active, plan.status.terminating),
        (Some(2), Some(3))
    );
}

#[test]
fn user_set_index_env_is_kept_and_init_containers_get_it() {
    let mut j = indexed_job(1, 1);
    if let Some(ps) = j.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
        ps.containers[0].env = Some(vec![EnvVar {
            name: COMPLETION_INDEX_ENV.into(),
            value: Some("mine".into()),
            ..EnvVar::default()
        }]);
        ps.init_containers = Some(vec![Container {
            name: "setup".into(),
            ..Container::default()
        }]);
    }
    let plan = reconcile(&j, &[] as &[Pod], t(0.0));
    let spec = plan.create[0].spec.clone().unwrap_or_default();
    let main = spec.containers[0].env.clone().unwrap_or_default();
    assert_eq!(main.len(), 1);
    assert_eq!(main[0].value.as_deref(), Some("mine"));
    let init = spec.init_containers.unwrap_or_default()[0]
        .env
        .clone()
        .unwrap_or_default();
    assert_eq!(init.len(), 1);
    assert_eq!(init[0].name, COMPLETION_INDEX_ENV);
}

#[test]
fn suspended_job_ignores_its_deadline_and_resume_restarts_the_timer() {
    let mut sim = Sim::new(job(Some(1), 1, 6, "Never")).with_spec(|s| {
        s.active_deadline_seconds = Some(100);
    });
    sim.step(0.0);
    sim.run_all();
    sim.set_spec(|s| s.suspend = Some(true));
    let plan = sim.step(10.0);
    assert_eq!(plan.requeue_after, None, "the timer stops while suspended");
    sim.stop_deleted(11.0);
    // Past the deadline counted from the first start, but suspended: nothing happens.
    let plan = sim.step(150.0);
    assert_eq!(cond(&plan.status, "FailureTarget"), None);
    assert_eq!(plan.requeue_after, None);

    // Resumed before the deadline ran out: the deadline now counts from the resume.
    let mut sim =
        Sim::new(job(Some(1), 1, 6, "Never")).with_spec(|s| s.active_deadline_seconds = Some(100));
    sim.step(0.0);
    sim.set_spec(|s| s.suspend = Some(true));
    sim.step(10.0);
    sim.stop_deleted(11.0);
    sim.set_spec(|s| s.suspend = Some(false));
    let plan = sim.step(50.0);
    assert_eq!(plan.status.start_time, Some(Time(t(50.0))));
    assert_eq!(plan.create.len(), 1);
    let plan = sim.step(60.0);
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(90)));
}

#[test]
fn resuming_after_the_deadline_passed_fails_as_kubernetes_does() {
    // job_controller.go checks pastActiveDeadline with the old startTime before the
    // resume resets it, so a Job suspended longer than its deadline fails on resume.
    let mut sim =
        Sim::new(job(Some(1), 1, 6, "Never")).with_spec(|s| s.active_deadline_seconds = Some(100));
    sim.step(0.0);
    sim.set_spec(|s| s.suspend = Some(true));
    sim.step(10.0);
    sim.stop_deleted(11.0);
    sim.set_spec(|s| s.suspend = Some(false));
    let plan = sim.step(500.0);
    assert_eq!(
        cond_types(&plan.status),
        ["Suspended", "FailureTarget", "Failed"]
    );
    assert_eq!(
        cond(&plan.status, "Failed").and_then(|c| c.reason.as_deref()),
        Some("DeadlineExceeded")
    );
}

#[test]
fn ignored_failures_do_not_count_toward_backoff_limit_but_count_rules_do() {
    let cases: &[(&str, &str, Option<i32>, bool)] = &[
        ("Ignore", "Ignore", None, false),
        ("Count", "Count", Some(1), true),
        ("no rule matches", "Ignore", Some(1), true),
    ];
    for (name, action, want_failed, fails) in cases {
        let mut j = job(Some(1), 1, 0, "Never");
        if let Some(s) = j.spec.as_mut() {
            s.pod_failure_policy = policy(action, &[42]);
        }
        let code = if *name == "no rule matches" { 1 } else { 42 };
        let pods = [pod("a", "Failed").finished(t(1.0)).exit_code(code).done()];
        let plan = reconcile(&j, &pods, t(2.0));
        assert_eq!(plan.status.failed, *want_failed, "{name}");
        assert_eq!(
            cond(&plan.status, "FailureTarget").is_some(),
            *fails,
            "{name}"
        );
        if !fails {
            // Replaced after the pod-failure backoff.
            assert_eq!(plan.requeue_after, Some(Duration::from_secs(9)), "{name}");
            assert_eq!(reconcile(&j, &pods, t(11.0)).create.len(), 1, "{name}");
        }
    }
}

#[test]
fn untracked_pods_count_for_nothing() {
    let j = job(Some(2), 2, 0, "Never");
    let pods = vec![
        pod("stopped-ok", "Succeeded")
            .finished(t(1.0))
            .untracked()
            .done(),
        pod("stopped-bad", "Failed")
            .finished(t(1.0))
            .untracked()
            .done(),
        pod("stopping", "Running")
            .deleting(t(1.0))
            .untracked()
            .done(),
    ];
    let plan = reconcile(&j, &pods, t(2.0));
    let s = &plan.status;
    assert_eq!(
        (s.succeeded, s.failed, s.terminating),
        (None, None, Some(1))
    );
    assert_eq!(s.conditions, None, "backoffLimit 0 not exceeded");
    assert_eq!(plan.create.len(), 2, "replaced without backoff");
}

#[test]
fn per_index_backoff_delays_only_the_failed_index() {
    let mut j = indexed_job(3, 3);
    if let Some(s) = j.spec.as_mut() {
        s.backoff_limit = None;
        s.backoff_limit_per_index = Some(3);
    }
    let failed = |name: &str, count: &str, at: f64| {
        let mut p = pod(name, "Failed").finished(t(at)).index("1").done();
        p.metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(INDEX_FAILURE_COUNT_ANNOTATION.to_owned(), count.to_owned());
        p
    };
    // Index 1 failed twice (counts 0 and 1), the last at t=10: its third pod waits
    // 20 s; indexes 0 and 2 start at once.
    let pods = vec![failed("a", "0", 0.0), failed("b", "1", 10.0)];
    let plan = reconcile(&j, &pods, t(15.0));
    let names: Vec<Option<&str>> = plan
        .create
        .iter()
        .map(|p| p.metadata.generate_name.as_deref())
        .collect();
    assert_eq!(names, [Some("pi-0-"), Some("pi-2-")]);
    for p in &plan.create {
        let ann = p.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(
            ann.get(INDEX_FAILURE_COUNT_ANNOTATION).map(String::as_str),
            Some("0")
        );
    }
    assert_eq!(plan.status.failed_indexes.as_deref(), Some(""));
    assert_eq!(plan.status.failed, Some(2));

    let busy = {
        let mut v = pods.clone();
        v.push(pod("r0", "Running").index("0").done());
        v.push(pod("r2", "Running").index("2").done());
        v
    };
    let plan = reconcile(&j, &busy, t(15.0));
    assert!(plan.create.is_empty());
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(15)));
    let plan = reconcile(&j, &busy, t(30.0));
    assert_eq!(plan.create.len(), 1);
    let ann = plan.create[0]
        .metadata
        .annotations
        .clone()
        .unwrap_or_default();
    assert_eq!(
        ann.get(INDEX_FAILURE_COUNT_ANNOTATION).map(String::as_str),
        Some("2")
    );
    assert_eq!(ann.get(INDEX_IGNORED_FAILURE_COUNT_ANNOTATION), None);
}

#[test]
fn ignored_index_failures_are_annotated_separately() {
    let mut j = indexed_job(1, 1);
    if let Some(s) = j.spec.as_mut() {
        s.backoff_limit = None;
        s.backoff_limit_per_index = Some(0);
        s.pod_failure_policy = policy("Ignore", &[42]);
    }
    let pods = [pod("a", "Failed")
        .finished(t(0.0))
        .exit_code(42)
        .index("0")
        .done()];
    let plan = reconcile(&j, &pods, t(100.0));
    assert_eq!(
        plan.status.failed_indexes.as_deref(),
        Some(""),
        "not failed"
    );
    assert_eq!(plan.create.len(), 1);
    let ann = plan.create[0]
        .metadata
        .annotations
        .clone()
        .unwrap_or_default();
    assert_eq!(
        ann.get(INDEX_FAILURE_COUNT_ANNOTATION).map(String::as_str),
        Some("0")
    );
    assert_eq!(
        ann.get(INDEX_IGNORED_FAILURE_COUNT_ANNOTATION)
            .map(String::as_str),
        Some("1")
    );
}

#[test]
fn terminating_pods_hold_back_replacements_only_under_policy_failed() {
    /// (name, podReplacementPolicy, with a pod failure policy, pods created, failed)
    type Case = (&'static str, Option<&'static str>, bool, usize, Option<i32>);
    let cases: &[Case] = &[
        (
            "TerminatingOrFailed",
            Some("TerminatingOrFailed"),
            false,
            1,
            Some(1),
        ),
        ("Failed", Some("Failed"), false, 0, None),
        ("podFailurePolicy implies Failed", None, true, 0, None),
    ];
    for (name, policy_name, with_pfp, want_create, want_failed) in cases {
        let mut j = job(Some(1), 1, 6, "Never");
        if let Some(s) = j.spec.as_mut() {
            s.pod_replacement_policy = policy_name.map(str::to_owned);
            if *with_pfp {
                s.pod_failure_policy = policy("FailJob", &[42]);
            }
        }
        let pods = [pod("a", "Running").deleting(t(0.0)).done()];
        let plan = reconcile(&j, &pods, t(20.0));
        assert_eq!(plan.create.len(), *want_create, "{name}");
        assert_eq!(plan.status.failed, *want_failed, "{name}");
        assert_eq!(plan.status.terminating, Some(1), "{name}");
    }
}

#[test]
fn complete_and_failed_are_never_set_together() {
    // Success already decided; a later FailJob match does not turn it into Failed.
    let mut j = job(Some(1), 1, 0, "Never");
    if let Some(s) = j.spec.as_mut() {
        s.pod_failure_policy = policy("FailJob", &[1]);
    }
    let first = reconcile(
        &j,
        &[pod("ok", "Succeeded").finished(t(1.0)).done()],
        t(2.0),
    );
    assert_eq!(
        cond_types(&first.status),
        ["SuccessCriteriaMet", "Complete"]
    );
    let done = with_status(&j, &first);
    let pods = [
        pod("ok", "Succeeded").finished(t(1.0)).done(),
        pod("bad", "Failed").finished(t(3.0)).done(),
    ];
    let plan = reconcile(&done, &pods, t(4.0));
    assert_eq!(cond_types(&plan.status), ["SuccessCriteriaMet", "Complete"]);
}
