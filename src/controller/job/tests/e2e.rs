//! The Kubernetes e2e Job tests (test/e2e/apps/job.go) that apply to one host, as
//! pure scenarios: each test is named after the e2e case it mirrors and checks the
//! same outcome. Cases about the API server or the engine (delete a job, adopt and
//! release, status subresource, CPU requests) are covered elsewhere or do not apply.

use super::sim::Sim;
use super::*;
use k8s_openapi::api::batch::v1::{
    PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement,
    PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule, SuccessPolicy, SuccessPolicyRule,
};
use k8s_openapi::api::core::v1::PodCondition;

fn exit_rule(action: &str, values: &[i32]) -> PodFailurePolicyRule {
    PodFailurePolicyRule {
        action: action.into(),
        on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
            container_name: None,
            operator: "In".into(),
            values: values.to_vec(),
        }),
        on_pod_conditions: None,
    }
}

fn indexed(completions: i32, parallelism: i32) -> Sim {
    Sim::new(job(Some(completions), parallelism, 6, "Never"))
        .with_spec(|s| s.completion_mode = Some("Indexed".into()))
}

/// `failOddSucceedEven`: pods of odd indexes exit 1, even ones 0.
fn fail_odd_succeed_even(p: &Pod) -> Option<i32> {
    Sim::index_of(p).map(|ix| i32::from(ix % 2 == 1))
}

/// Drives the Job until it has a terminal condition: pods run, then `outcome` decides
/// each pod's exit code; the clock moves far enough for every backoff.
fn run_to_end(sim: &mut Sim, outcome: impl Fn(&Pod) -> Option<i32>) -> f64 {
    let mut now = 0.0;
    for _ in 0..40 {
        sim.step(now);
        if finished_condition(&sim.job).is_some() {
            return now;
        }
        sim.run_all();
        now += 1.0;
        sim.exit_where(now, &outcome);
        sim.stop_deleted(now);
        now += 700.0;
    }
    panic!("job did not finish: {:?}", sim.status());
}

fn terminal(sim: &Sim) -> (String, String) {
    let c = finished_condition(&sim.job).cloned().unwrap_or_default();
    (c.type_, c.reason.unwrap_or_default())
}

#[test]
fn should_run_a_job_to_completion_when_tasks_succeed() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never"));
    run_to_end(&mut sim, |_| Some(0));
    let s = sim.status();
    assert_eq!(
        terminal(&sim),
        ("Complete".into(), "CompletionsReached".into())
    );
    assert_eq!(cond_types(&s), ["SuccessCriteriaMet", "Complete"]);
    assert_eq!((s.succeeded, s.failed), (Some(4), None));
    assert_eq!(sim.pods.len(), 4);
    assert!(
        sim.events
            .contains(&("Completed".into(), "Job completed".into()))
    );
}

#[test]
fn should_allow_to_use_the_pod_failure_policy_on_exit_code_to_fail_the_job_early() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never")).with_spec(|s| {
        s.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![exit_rule("FailJob", &[1])],
        })
    });
    sim.step(0.0);
    sim.run_all();
    let first = sim.active()[0].clone();
    sim.exit(&first, 1, 5.0);
    let plan = sim.step(6.0);
    let msg = format!(
        "Container pi for pod default/{first} failed with exit code 1 matching FailJob rule at index 0"
    );
    let ft = cond(&plan.status, "FailureTarget")
        .cloned()
        .unwrap_or_default();
    assert_eq!(ft.reason.as_deref(), Some("PodFailurePolicy"));
    assert_eq!(ft.message.as_deref(), Some(msg.as_str()));
    assert_eq!(plan.delete.len(), 1, "the other pod is stopped");
    assert!(!plan.delete[0].untracked, "and counts as failed");
    assert_eq!(
        (plan.status.failed, plan.status.terminating),
        (Some(2), Some(1))
    );
    assert!(plan.create.is_empty());

    sim.stop_deleted(7.0);
    let plan = sim.step(8.0);
    assert_eq!(cond_types(&plan.status), ["FailureTarget", "Failed"]);
    assert_eq!(terminal(&sim), ("Failed".into(), "PodFailurePolicy".into()));
    assert_eq!(
        reasons(&plan),
        [(EventType::Warning, "PodFailurePolicy", msg.as_str())]
    );
    assert_eq!(
        (plan.status.failed, plan.status.terminating),
        (Some(2), Some(0))
    );
}

#[test]
fn should_allow_to_use_a_pod_failure_policy_to_ignore_failure_matching_on_exit_code() {
    // backoffLimit = pods - 1: the Job would fail if the failures counted.
    let mut sim = indexed(3, 3).with_spec(|s| {
        s.backoff_limit = Some(2);
        s.pod_replacement_policy = Some("Failed".into());
        s.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![exit_rule("Ignore", &[42])],
        });
    });
    // The first pod of each index fails with 42, the second succeeds.
    run_to_end(&mut sim, |p| {
        let first = p
            .metadata
            .name
            .as_deref()
            .is_some_and(|n| n.ends_with("0001") || n.ends_with("0002") || n.ends_with("0003"));
        Some(if first { 42 } else { 0 })
    });
    let s = sim.status();
    assert_eq!(
        terminal(&sim),
        ("Complete".into(), "CompletionsReached".into())
    );
    assert_eq!(
        (s.succeeded, s.failed),
        (Some(3), None),
        "ignored failures are not counted"
    );
    assert_eq!(s.completed_indexes.as_deref(), Some("0-2"));
    assert_eq!(sim.pods.len(), 6);
}

#[test]
fn should_allow_to_use_a_pod_failure_policy_to_ignore_failure_matching_on_disruption_target_condition()
 {
    let mut sim = indexed(3, 3).with_spec(|s| {
        s.backoff_limit = Some(2);
        s.pod_replacement_policy = Some("Failed".into());
        s.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![PodFailurePolicyRule {
                action: "Ignore".into(),
                on_exit_codes: None,
                on_pod_conditions: Some(vec![PodFailurePolicyOnPodConditionsPattern {
                    type_: "DisruptionTarget".into(),
                    status: Some("True".into()),
                }]),
            }],
        });
    });
    sim.step(0.0);
    sim.run_all();
    assert_eq!(sim.step(1.0).status.ready, Some(3));
    // Evict every pod: the eviction adds DisruptionTarget and the pod fails.
    sim.exit_where(2.0, |_| Some(137));
    for p in &mut sim.pods {
        if let Some(cs) = p.status.as_mut().and_then(|s| s.conditions.as_mut()) {
            cs.push(PodCondition {
                type_: "DisruptionTarget".into(),
                status: "True".into(),
                reason: Some("EvictionByEvictionAPI".into()),
                ..PodCondition::default()
            });
        }
    }
    let plan = sim.step(3.0);
    assert_eq!(plan.status.failed, None);
    assert_eq!(
        plan.status.conditions, None,
        "not failed despite backoffLimit 2"
    );
    run_to_end(&mut sim, |_| Some(0));
    assert_eq!(
        terminal(&sim),
        ("Complete".into(), "CompletionsReached".into())
    );
    assert_eq!(sim.status().failed, None);
}

#[test]
fn should_not_create_pods_when_created_in_suspend_state() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never")).with_spec(|s| s.suspend = Some(true));
    let plan = sim.step(0.0);
    assert!(plan.create.is_empty());
    let c = cond(&plan.status, "Suspended").cloned().unwrap_or_default();
    assert_eq!(
        (c.status.as_str(), c.reason.as_deref(), c.message.as_deref()),
        ("True", Some("JobSuspended"), Some("Job suspended"))
    );
    assert_eq!(
        reasons(&plan),
        [(EventType::Normal, "Suspended", "Job suspended")]
    );
    assert_eq!(plan.status.start_time, None, "not started while suspended");
    assert_eq!(plan.status.ready, Some(0));
    let again = sim.step(30.0);
    assert!(again.events.is_empty() && again.create.is_empty());
    assert_eq!(again.status, plan.status);

    sim.set_spec(|s| s.suspend = Some(false));
    let plan = sim.step(40.0);
    assert_eq!(plan.create.len(), 2);
    let c = cond(&plan.status, "Suspended").cloned().unwrap_or_default();
    assert_eq!(
        (c.status.as_str(), c.reason.as_deref(), c.message.as_deref()),
        ("False", Some("JobResumed"), Some("Job resumed"))
    );
    assert_eq!(c.last_transition_time, Some(Time(t(40.0))));
    assert_eq!(
        reasons(&plan),
        [(EventType::Normal, "Resumed", "Job resumed")]
    );
    assert_eq!(plan.status.start_time, Some(Time(t(40.0))));

    // "should manage the lifecycle of a job": created suspended, resumed, completes.
    let mut now = 40.0;
    while finished_condition(&sim.job).is_none() && now < 100.0 {
        now += 1.0;
        sim.exit_where(now, |_| Some(0));
        sim.step(now);
    }
    assert_eq!(
        terminal(&sim),
        ("Complete".into(), "CompletionsReached".into())
    );
    assert_eq!(sim.status().succeeded, Some(4));
}

#[test]
fn should_delete_pods_when_suspended() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never"));
    sim.step(0.0);
    sim.run_all();
    assert_eq!(sim.step(1.0).status.ready, Some(2));

    sim.set_spec(|s| s.suspend = Some(true));
    let plan = sim.step(5.0);
    assert_eq!(plan.delete.len(), 2);
    assert!(
        plan.delete.iter().all(|d| d.untracked),
        "suspension never counts a pod"
    );
    assert!(plan.create.is_empty());
    let s = &plan.status;
    assert_eq!((s.active, s.ready, s.terminating), (None, Some(0), Some(2)));
    assert_eq!(
        cond(s, "Suspended").map(|c| c.status.as_str()),
        Some("True")
    );
    assert_eq!(
        reasons(&plan),
        [(EventType::Normal, "Suspended", "Job suspended")]
    );

    // The kubelet stops them (SIGTERM, exit 143): neither failed nor replaced.
    sim.stop_deleted(6.0);
    let plan = sim.step(7.0);
    let s = &plan.status;
    assert_eq!((s.active, s.failed, s.terminating), (None, None, Some(0)));
    assert!(plan.create.is_empty() && plan.events.is_empty());

    // Resuming starts over at once: stopped pods are no failures, so no backoff.
    sim.set_spec(|s| s.suspend = Some(false));
    let plan = sim.step(8.0);
    assert_eq!(plan.create.len(), 2);
    assert_eq!(plan.status.start_time, Some(Time(t(8.0))));
}

#[test]
fn should_recreate_pods_only_after_they_have_failed_if_pod_replacement_policy_is_set_to_failed() {
    let mut sim = Sim::new(job(Some(1), 1, 1, "Never"))
        .with_spec(|s| s.pod_replacement_policy = Some("Failed".into()));
    sim.step(0.0);
    sim.run_all();
    // The user deletes the pod; its container takes a while to stop.
    let name = sim.active()[0].clone();
    if let Some(p) = sim.pods.iter_mut().find(|p| pod_name(p) == name) {
        p.metadata.deletion_timestamp = Some(Time(t(2.0)));
    }
    let plan = sim.step(3.0);
    let s = &plan.status;
    assert_eq!((s.active, s.failed, s.terminating), (None, None, Some(1)));
    assert!(plan.create.is_empty(), "not recreated while terminating");

    sim.exit(&name, 143, 10.0);
    // Replaced once it has failed (after the 10 s pod-failure backoff).
    let plan = sim.step(20.0);
    let s = &plan.status;
    assert_eq!(plan.create.len(), 1);
    assert_eq!(
        (s.active, s.failed, s.terminating),
        (Some(1), Some(1), Some(0))
    );
}

#[test]
fn should_create_pods_for_an_indexed_job_with_completion_indexes_and_specified_hostname() {
    let mut sim = indexed(4, 2);
    let plan = sim.step(0.0);
    let got: Vec<(Option<&str>, Option<&str>)> = plan
        .create
        .iter()
        .map(|p| {
            (
                p.metadata.generate_name.as_deref(),
                p.spec.as_ref().and_then(|s| s.hostname.as_deref()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [(Some("pi-0-"), Some("pi-0")), (Some("pi-1-"), Some("pi-1"))]
    );
    for (ix, p) in plan.create.iter().enumerate() {
        let want = ix.to_string();
        let ann = p.metadata.annotations.clone().unwrap_or_default();
        let lab = p.metadata.labels.clone().unwrap_or_default();
        assert_eq!(ann.get(COMPLETION_INDEX_KEY), Some(&want));
        assert_eq!(lab.get(COMPLETION_INDEX_KEY), Some(&want));
        assert_eq!(
            ann.get("team").map(String::as_str),
            Some("batch"),
            "template kept"
        );
        let env = p
            .spec
            .as_ref()
            .map(|s| s.containers[0].env.clone().unwrap_or_default())
            .unwrap_or_default();
        let fields: Vec<(&str, Option<&str>)> = env
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    e.value_from
                        .as_ref()
                        .and_then(|v| v.field_ref.as_ref())
                        .map(|f| f.field_path.as_str()),
                )
            })
            .collect();
        assert_eq!(
            fields,
            [(
                "JOB_COMPLETION_INDEX",
                Some("metadata.labels['batch.kubernetes.io/job-completion-index']")
            )]
        );
        assert_eq!(p.spec.as_ref().and_then(|s| s.subdomain.as_deref()), None);
    }
    run_to_end(&mut sim, |_| Some(0));
    let s = sim.status();
    assert_eq!(
        terminal(&sim),
        ("Complete".into(), "CompletionsReached".into())
    );
    assert_eq!(
        (s.succeeded, s.completed_indexes.as_deref()),
        (Some(4), Some("0-3"))
    );
    assert_eq!(s.failed_indexes, None);
    let mut hosts: Vec<String> = sim
        .pods
        .iter()
        .filter_map(|p| p.spec.as_ref().and_then(|s| s.hostname.clone()))
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["pi-0", "pi-1", "pi-2", "pi-3"]);
}

#[test]
fn should_create_pods_with_completion_indexes_for_an_indexed_job() {
    let mut sim = indexed(4, 2);
    run_to_end(&mut sim, |_| Some(0));
    let mut labels: Vec<String> = sim
        .pods
        .iter()
        .filter_map(|p| {
            p.metadata
                .labels
                .as_ref()?
                .get(COMPLETION_INDEX_KEY)
                .cloned()
        })
        .collect();
    labels.sort();
    assert_eq!(labels, ["0", "1", "2", "3"]);
}

#[test]
fn with_success_policy_should_succeeded_when_all_indexes_succeeded() {
    let mut sim = indexed(2, 2).with_spec(|s| {
        s.success_policy = Some(SuccessPolicy {
            rules: vec![SuccessPolicyRule {
                succeeded_count: Some(2),
                succeeded_indexes: None,
            }],
        })
    });
    run_to_end(&mut sim, |_| Some(0));
    let s = sim.status();
    assert_eq!(cond_types(&s), ["SuccessCriteriaMet", "Complete"]);
    for type_ in ["SuccessCriteriaMet", "Complete"] {
        let c = cond(&s, type_).cloned().unwrap_or_default();
        assert_eq!(c.reason.as_deref(), Some("SuccessPolicy"));
        assert_eq!(c.message.as_deref(), Some("Matched rules at index 0"));
    }
    assert_eq!(
        (s.active, s.ready, s.terminating, s.failed),
        (None, Some(0), Some(0), None)
    );
}

fn success_policy_leaves_pending_indexes(rule: SuccessPolicyRule) {
    let mut sim = indexed(5, 2)
        .with_spec(|s| s.backoff_limit = Some(i32::MAX))
        .with_spec(|s| s.success_policy = Some(SuccessPolicy { rules: vec![rule] }));
    sim.step(0.0);
    sim.run_all();
    // Index 0 succeeds while index 1 still runs.
    sim.exit_where(1.0, |p| (Sim::index_of(p) == Some(0)).then_some(0));
    let plan = sim.step(2.0);
    let c = cond(&plan.status, "SuccessCriteriaMet")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (c.reason.as_deref(), c.message.as_deref()),
        (Some("SuccessPolicy"), Some("Matched rules at index 0"))
    );
    assert_eq!(
        cond(&plan.status, "Complete"),
        None,
        "waits for the leftover pod"
    );
    assert_eq!(plan.delete.len(), 1);
    assert!(plan.delete[0].untracked, "leftovers count for nothing");
    assert!(plan.create.is_empty());
    assert_eq!(plan.status.terminating, Some(1));

    sim.stop_deleted(3.0);
    let plan = sim.step(4.0);
    let s = &plan.status;
    assert_eq!(cond_types(s), ["SuccessCriteriaMet", "Complete"]);
    assert_eq!(terminal(&sim), ("Complete".into(), "SuccessPolicy".into()));
    assert_eq!(s.completed_indexes.as_deref(), Some("0"));
    assert_eq!(
        (s.active, s.ready, s.terminating, s.succeeded, s.failed),
        (None, Some(0), Some(0), Some(1), None)
    );
    assert_eq!(
        reasons(&plan),
        [(EventType::Normal, "Completed", "Job completed")]
    );
}

#[test]
fn with_success_policy_succeeded_indexes_rule_should_succeeded_even_when_some_indexes_remain_pending()
 {
    success_policy_leaves_pending_indexes(SuccessPolicyRule {
        succeeded_indexes: Some("0".into()),
        succeeded_count: None,
    });
}

#[test]
fn with_success_policy_succeeded_count_rule_should_succeeded_even_when_some_indexes_remain_pending()
{
    success_policy_leaves_pending_indexes(SuccessPolicyRule {
        succeeded_indexes: None,
        succeeded_count: Some(1),
    });
}

#[test]
fn should_execute_all_indexes_despite_some_failing_when_using_backoff_limit_per_index() {
    let mut sim = indexed(4, 2).with_spec(|s| {
        s.backoff_limit = None;
        s.backoff_limit_per_index = Some(1);
    });
    run_to_end(&mut sim, fail_odd_succeed_even);
    let s = sim.status();
    assert_eq!(terminal(&sim), ("Failed".into(), "FailedIndexes".into()));
    let c = finished_condition(&sim.job).cloned().unwrap_or_default();
    assert_eq!(c.message.as_deref(), Some("Job has failed indexes"));
    assert_eq!(s.failed_indexes.as_deref(), Some("1,3"));
    assert_eq!(s.completed_indexes.as_deref(), Some("0,2"));
    assert_eq!((s.failed, s.succeeded), (Some(4), Some(2)));
}

#[test]
fn should_terminate_job_execution_when_the_number_of_failed_indexes_exceeds_max_failed_indexes() {
    let mut sim = indexed(4, 1).with_spec(|s| {
        s.backoff_limit = None;
        s.backoff_limit_per_index = Some(0);
        s.max_failed_indexes = Some(0);
    });
    run_to_end(&mut sim, |_| Some(1));
    let s = sim.status();
    assert_eq!(
        terminal(&sim),
        ("Failed".into(), "MaxFailedIndexesExceeded".into())
    );
    let c = finished_condition(&sim.job).cloned().unwrap_or_default();
    assert_eq!(
        c.message.as_deref(),
        Some("Job has exceeded the specified maximal number of failed indexes")
    );
    assert_eq!(s.failed_indexes.as_deref(), Some("0"));
    assert_eq!(s.failed, Some(1));
    assert_eq!(sim.pods.len(), 1, "terminated early");
    assert!(sim.events.contains(&(
        "MaxFailedIndexesExceeded".into(),
        "Job has exceeded the specified maximal number of failed indexes".into()
    )));
}

#[test]
fn should_record_the_failure_count_in_the_pod_annotation_when_using_backoff_limit_per_index() {
    let mut sim = indexed(2, 2).with_spec(|s| {
        s.backoff_limit = None;
        s.backoff_limit_per_index = Some(1);
    });
    run_to_end(&mut sim, |_| Some(1));
    let mut seen: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for p in &sim.pods {
        let ann = p.metadata.annotations.clone().unwrap_or_default();
        if let (Some(ix), Some(count)) = (Sim::index_of(p), ann.get(INDEX_FAILURE_COUNT_ANNOTATION))
        {
            seen.entry(ix).or_default().push(count.clone());
        }
    }
    let want: BTreeMap<usize, Vec<String>> = [
        (0, vec!["0".to_owned(), "1".to_owned()]),
        (1, vec!["0".to_owned(), "1".to_owned()]),
    ]
    .into_iter()
    .collect();
    assert_eq!(seen, want);
    let s = sim.status();
    assert_eq!(s.failed_indexes.as_deref(), Some("0,1"));
    assert_eq!(s.completed_indexes, None);
    assert_eq!((s.failed, s.succeeded), (Some(4), None));
}

#[test]
fn should_mark_indexes_as_failed_when_the_fail_index_action_is_matched_in_pod_failure_policy() {
    let mut sim = indexed(2, 2).with_spec(|s| {
        s.backoff_limit = None;
        s.backoff_limit_per_index = Some(1);
        s.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![exit_rule("FailIndex", &[1])],
        });
    });
    run_to_end(&mut sim, fail_odd_succeed_even);
    let s = sim.status();
    assert_eq!(terminal(&sim), ("Failed".into(), "FailedIndexes".into()));
    assert_eq!(s.failed_indexes.as_deref(), Some("1"));
    assert_eq!(s.completed_indexes.as_deref(), Some("0"));
    assert_eq!((s.failed, s.succeeded), (Some(1), Some(1)));
    assert_eq!(sim.pods.len(), 2, "the failed index was not retried");
}

#[test]
fn should_run_a_job_to_completion_when_tasks_sometimes_fail_and_are_locally_restarted() {
    // OnFailure: Docker restarts the container in place; one restart each is below
    // the backoff limit.
    let mut sim = Sim::new(job(Some(4), 2, 6, "OnFailure"));
    let mut now = 0.0;
    while finished_condition(&sim.job).is_none() && now < 50.0 {
        sim.step(now);
        sim.run_all();
        for p in &mut sim.pods {
            if let Some(s) = p
                .status
                .as_mut()
                .filter(|s| s.phase.as_deref() == Some("Running"))
            {
                s.container_statuses = Some(vec![ContainerStatus {
                    name: "pi".into(),
                    restart_count: 1,
                    ..ContainerStatus::default()
                }]);
            }
        }
        now += 1.0;
        sim.step(now);
        sim.exit_where(now, |_| Some(0));
        now += 1.0;
    }
    assert_eq!(
        terminal(&sim),
        ("Complete".into(), "CompletionsReached".into())
    );
    assert_eq!(sim.status().succeeded, Some(4));
}

#[test]
fn should_run_a_job_to_completion_when_tasks_sometimes_fail_and_are_not_locally_restarted() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never"));
    // The first two pods fail once; every later pod succeeds.
    run_to_end(&mut sim, |p| {
        let n = p.metadata.name.as_deref().unwrap_or_default();
        Some(i32::from(n.ends_with("00001") || n.ends_with("00002")))
    });
    let s = sim.status();
    assert_eq!(cond_types(&s), ["SuccessCriteriaMet", "Complete"]);
    let c = cond(&s, "SuccessCriteriaMet").cloned().unwrap_or_default();
    assert_eq!(c.reason.as_deref(), Some("CompletionsReached"));
    assert_eq!((s.active, s.ready, s.terminating), (None, Some(0), Some(0)));
    assert_eq!((s.succeeded, s.failed), (Some(4), Some(2)));
}

#[test]
fn should_fail_when_exceeds_active_deadline() {
    let mut sim =
        Sim::new(job(Some(4), 2, 6, "Never")).with_spec(|s| s.active_deadline_seconds = Some(1));
    let plan = sim.step(0.0);
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(1)));
    sim.run_all();
    assert_eq!(
        sim.step(0.5).requeue_after,
        Some(Duration::from_millis(500))
    );

    let plan = sim.step(1.0);
    let c = cond(&plan.status, "FailureTarget")
        .cloned()
        .unwrap_or_default();
    assert_eq!(c.reason.as_deref(), Some("DeadlineExceeded"));
    assert_eq!(
        c.message.as_deref(),
        Some("Job was active longer than specified deadline")
    );
    assert_eq!(plan.delete.len(), 2, "every active pod is stopped");
    assert_eq!(
        cond(&plan.status, "Failed"),
        None,
        "until they have stopped"
    );

    sim.stop_deleted(1.5);
    let plan = sim.step(2.0);
    let s = &plan.status;
    assert_eq!(terminal(&sim), ("Failed".into(), "DeadlineExceeded".into()));
    assert_eq!((s.active, s.ready, s.terminating), (None, Some(0), Some(0)));
    assert_eq!(
        reasons(&plan),
        [(
            EventType::Warning,
            "DeadlineExceeded",
            "Job was active longer than specified deadline"
        )]
    );
}

#[test]
fn should_fail_to_exceed_backoff_limit() {
    let mut sim = Sim::new(job(Some(1), 1, 1, "Never"));
    run_to_end(&mut sim, |_| Some(1));
    let s = sim.status();
    assert_eq!(cond_types(&s), ["FailureTarget", "Failed"]);
    assert_eq!(
        terminal(&sim),
        ("Failed".into(), "BackoffLimitExceeded".into())
    );
    assert_eq!(sim.pods.len(), 2, "backoffLimit + 1 pods");
    assert!(sim.pods.iter().all(|p| phase(p) == "Failed"));
    assert_eq!((s.active, s.ready, s.terminating), (None, Some(0), Some(0)));
}

#[test]
fn should_update_the_status_ready_field() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never")).with_spec(|s| s.suspend = Some(true));
    assert_eq!(sim.step(0.0).status.ready, Some(0));
    sim.set_spec(|s| s.suspend = Some(false));
    sim.step(1.0);
    sim.run_all();
    assert_eq!(sim.step(2.0).status.ready, Some(2));
    sim.set_spec(|s| s.suspend = Some(true));
    assert_eq!(sim.step(3.0).status.ready, Some(0));
}

#[test]
fn should_allow_to_delegate_reconciliation_to_external_controller() {
    let mut sim = Sim::new(job(Some(4), 2, 6, "Never"))
        .with_spec(|s| s.managed_by = Some("example.com/custom-job-controller".into()));
    let plan = sim.step(0.0);
    assert!(plan.create.is_empty() && plan.delete.is_empty() && plan.events.is_empty());
    assert_eq!(plan.status, JobStatus::default());
    // Our own name is ours.
    let mut sim = Sim::new(job(Some(1), 1, 6, "Never"))
        .with_spec(|s| s.managed_by = Some(JOB_CONTROLLER_NAME.into()));
    assert_eq!(sim.step(0.0).create.len(), 1);
}
