//! `podFailurePolicy` matching (`pod_failure_policy.go`): which rule, if any, a failed
//! pod matches, and what that means for counting it.
//!
//! Pure: one pod against the policy. Whether the pod is failed at all is the caller's
//! business (`isPodFailed`).

use k8s_openapi::api::batch::v1::{PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodCondition};

/// The action of the first matching rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    FailJob,
    FailIndex,
    Ignore,
    Count,
}

/// `matchPodFailurePolicy`'s three results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyMatch {
    /// The Job failure message when a `FailJob` rule matched.
    pub fail_job_message: Option<String>,
    /// False only when an `Ignore` rule matched: the failure does not count toward
    /// `backoffLimit` (or `backoffLimitPerIndex`).
    pub count_failed: bool,
    pub action: Option<Action>,
}

impl PolicyMatch {
    fn none() -> Self {
        PolicyMatch {
            fail_job_message: None,
            count_failed: true,
            action: None,
        }
    }
}

/// Matches `pod` against the rules in order; the first rule that matches decides.
/// Without a policy every failure counts.
pub fn matches(policy: Option<&PodFailurePolicy>, pod: &Pod) -> PolicyMatch {
    let Some(policy) = policy else {
        return PolicyMatch::none();
    };
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    for (index, rule) in policy.rules.iter().enumerate() {
        let Some(action) = parse_action(&rule.action) else {
            continue;
        };
        let message = if let Some(req) = &rule.on_exit_codes {
            let Some((container, code)) = match_on_exit_codes(pod, req) else {
                continue;
            };
            format!(
                "Container {container} for pod {ns}/{name} failed with exit code {code} matching {} rule at index {index}",
                rule.action
            )
        } else if let Some(patterns) = &rule.on_pod_conditions {
            let Some(cond) = match_on_pod_conditions(pod, patterns) else {
                continue;
            };
            format!(
                "Pod {ns}/{name} has condition {} matching {} rule at index {index}",
                cond.type_, rule.action
            )
        } else {
            continue;
        };
        return match action {
            Action::Ignore => PolicyMatch {
                fail_job_message: None,
                count_failed: false,
                action: Some(action),
            },
            Action::Count | Action::FailIndex => PolicyMatch {
                fail_job_message: None,
                count_failed: true,
                action: Some(action),
            },
            Action::FailJob => PolicyMatch {
                fail_job_message: Some(message),
                count_failed: true,
                action: Some(action),
            },
        };
    }
    PolicyMatch::none()
}

fn parse_action(s: &str) -> Option<Action> {
    match s {
        "FailJob" => Some(Action::FailJob),
        "FailIndex" => Some(Action::FailIndex),
        "Ignore" => Some(Action::Ignore),
        "Count" => Some(Action::Count),
        _ => None,
    }
}

/// `matchOnExitCodes`: the first terminated container (app containers before init
/// containers) with a non-zero exit code the requirement matches, as (name, code).
fn match_on_exit_codes(
    pod: &Pod,
    req: &PodFailurePolicyOnExitCodesRequirement,
) -> Option<(String, i32)> {
    let status = pod.status.as_ref()?;
    let main = status.container_statuses.iter().flatten();
    let init = status.init_container_statuses.iter().flatten();
    main.chain(init).find_map(|cs| matching_container(cs, req))
}

fn matching_container(
    cs: &ContainerStatus,
    req: &PodFailurePolicyOnExitCodesRequirement,
) -> Option<(String, i32)> {
    let code = cs.state.as_ref()?.terminated.as_ref()?.exit_code;
    if req.container_name.as_deref().is_some_and(|n| n != cs.name) || code == 0 {
        return None;
    }
    let listed = req.values.contains(&code);
    let hit = match req.operator.as_str() {
        "In" => listed,
        "NotIn" => !listed,
        _ => false,
    };
    hit.then(|| (cs.name.clone(), code))
}

/// `matchOnPodConditions`: the first pod condition (in the pod's order) that one of
/// the patterns names with the same status (`True` when the pattern leaves it out, as
/// the API defaults it).
fn match_on_pod_conditions<'a>(
    pod: &'a Pod,
    patterns: &[k8s_openapi::api::batch::v1::PodFailurePolicyOnPodConditionsPattern],
) -> Option<&'a PodCondition> {
    let conds = pod.status.as_ref()?.conditions.as_ref()?;
    conds.iter().find(|c| {
        patterns
            .iter()
            .any(|p| p.type_ == c.type_ && p.status.as_deref().unwrap_or("True") == c.status)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{
        PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule,
    };
    use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn exited(name: &str, code: i32) -> ContainerStatus {
        ContainerStatus {
            name: name.into(),
            state: Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: code,
                    ..ContainerStateTerminated::default()
                }),
                ..ContainerState::default()
            }),
            ..ContainerStatus::default()
        }
    }

    fn failed_pod(containers: Vec<ContainerStatus>, init: Vec<ContainerStatus>) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some("p".into()),
                namespace: Some("ns".into()),
                ..ObjectMeta::default()
            },
            spec: None,
            status: Some(PodStatus {
                phase: Some("Failed".into()),
                container_statuses: Some(containers),
                init_container_statuses: Some(init),
                ..PodStatus::default()
            }),
        }
    }

    fn exit_rule(
        action: &str,
        op: &str,
        values: &[i32],
        container: Option<&str>,
    ) -> PodFailurePolicyRule {
        PodFailurePolicyRule {
            action: action.into(),
            on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
                container_name: container.map(str::to_owned),
                operator: op.into(),
                values: values.to_vec(),
            }),
            on_pod_conditions: None,
        }
    }

    fn cond_rule(action: &str, type_: &str) -> PodFailurePolicyRule {
        PodFailurePolicyRule {
            action: action.into(),
            on_exit_codes: None,
            on_pod_conditions: Some(vec![PodFailurePolicyOnPodConditionsPattern {
                type_: type_.into(),
                status: Some("True".into()),
            }]),
        }
    }

    #[test]
    fn rules_match_like_kubernetes() {
        let main42 = failed_pod(vec![exited("main", 42)], vec![]);
        let disrupted = {
            let mut p = failed_pod(vec![exited("main", 137)], vec![]);
            if let Some(s) = p.status.as_mut() {
                s.conditions = Some(vec![PodCondition {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                    ..PodCondition::default()
                }]);
            }
            p
        };
        type Case = (
            &'static str,
            Vec<PodFailurePolicyRule>,
            Pod,
            Option<Action>,
            bool,
            Option<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                "FailJob on exit code In",
                vec![exit_rule("FailJob", "In", &[42], None)],
                main42.clone(),
                Some(Action::FailJob),
                true,
                Some(
                    "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0",
                ),
            ),
            (
                "no rule matches",
                vec![exit_rule("FailJob", "In", &[1], None)],
                main42.clone(),
                None,
                true,
                None,
            ),
            (
                "NotIn matches other codes",
                vec![exit_rule("Ignore", "NotIn", &[1, 2], None)],
                main42.clone(),
                Some(Action::Ignore),
                false,
                None,
            ),
            (
                "container name must match",
                vec![exit_rule("FailJob", "In", &[42], Some("side"))],
                main42.clone(),
                None,
                true,
                None,
            ),
            (
                "first matching rule wins",
                vec![
                    exit_rule("FailJob", "In", &[1], None),
                    exit_rule("Count", "In", &[42], None),
                    exit_rule("FailJob", "In", &[42], None),
                ],
                main42.clone(),
                Some(Action::Count),
                true,
                None,
            ),
            (
                "exit code 0 never matches NotIn",
                vec![exit_rule("FailJob", "NotIn", &[1], None)],
                failed_pod(vec![exited("main", 0)], vec![]),
                None,
                true,
                None,
            ),
            (
                "init containers are matched after app containers",
                vec![exit_rule("FailJob", "In", &[3], None)],
                failed_pod(vec![], vec![exited("setup", 3)]),
                Some(Action::FailJob),
                true,
                Some(
                    "Container setup for pod ns/p failed with exit code 3 matching FailJob rule at index 0",
                ),
            ),
            (
                "DisruptionTarget condition ignored",
                vec![
                    exit_rule("FailJob", "In", &[1], None),
                    cond_rule("Ignore", "DisruptionTarget"),
                ],
                disrupted.clone(),
                Some(Action::Ignore),
                false,
                None,
            ),
            (
                "condition FailJob message",
                vec![cond_rule("FailJob", "DisruptionTarget")],
                disrupted.clone(),
                Some(Action::FailJob),
                true,
                Some("Pod ns/p has condition DisruptionTarget matching FailJob rule at index 0"),
            ),
            (
                "FailIndex counts",
                vec![exit_rule("FailIndex", "In", &[42], None)],
                main42.clone(),
                Some(Action::FailIndex),
                true,
                None,
            ),
        ];
        for (name, rules, pod, action, count, message) in cases {
            let policy = PodFailurePolicy { rules };
            let m = matches(Some(&policy), &pod);
            assert_eq!(m.action, action, "{name}: action");
            assert_eq!(m.count_failed, count, "{name}: count");
            assert_eq!(m.fail_job_message.as_deref(), message, "{name}: message");
        }
        assert_eq!(matches(None, &main42), PolicyMatch::none());
    }
}
