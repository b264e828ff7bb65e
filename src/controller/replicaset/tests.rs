//! Table-driven tests of the pure ReplicaSet controller, with an injected clock.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::apps::v1::{
    ReplicaSet, ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, Pod, PodCondition, PodSpec, PodStatus, PodTemplateSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, ObjectMeta, OwnerReference, Time,
};

use super::*;

const RS_UID: &str = "rs-uid";

fn now() -> Timestamp {
    "2026-01-10T12:00:00Z".parse().unwrap()
}

fn ago(secs: i64) -> Time {
    Time(now() - SignedDuration::from_secs(secs))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn rs(replicas: i32) -> ReplicaSet {
    ReplicaSet {
        metadata: ObjectMeta {
            name: Some("queue".into()),
            namespace: Some("ns".into()),
            uid: Some(RS_UID.into()),
            generation: Some(2),
            ..ObjectMeta::default()
        },
        spec: ReplicaSetSpec {
            replicas: Some(replicas),
            min_ready_seconds: None,
            selector: LabelSelector {
                match_labels: Some(labels(&[("app", "q")])),
                match_expressions: None,
            },
            template: Some(PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(&[("app", "q"), ("tier", "t")])),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "queue".into(),
                        image: Some("img".into()),
                        ..Container::default()
                    }],
                    restart_policy: Some("Always".into()),
                    ..PodSpec::default()
                }),
            }),
        },
        status: None,
    }
}

/// A pod builder: owned by the ReplicaSet, Running, ready, labelled like the template.
#[derive(Clone)]
struct P {
    name: &'static str,
    owner: Option<&'static str>,
    phase: &'static str,
    ready_for: Option<i64>,
    created_ago: i64,
    deleting: bool,
    labels: &'static [(&'static str, &'static str)],
    restarts: i32,
    cost: Option<&'static str>,
    node: Option<&'static str>,
}

fn p(name: &'static str) -> P {
    P {
        name,
        owner: Some(RS_UID),
        phase: "Running",
        ready_for: Some(100),
        created_ago: 200,
        deleting: false,
        labels: &[("app", "q"), ("tier", "t")],
        restarts: 0,
        cost: None,
        node: None,
    }
}

impl P {
    fn build(&self) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(self.name.into()),
                namespace: Some("ns".into()),
                uid: Some(format!("uid-{}", self.name)),
                labels: Some(labels(self.labels)),
                creation_timestamp: Some(ago(self.created_ago)),
                deletion_timestamp: self.deleting.then(|| ago(1)),
                annotations: self.cost.map(|c| {
                    BTreeMap::from([(DELETION_COST_ANNOTATION.to_string(), c.to_string())])
                }),
                owner_references: self.owner.map(|uid| {
                    vec![OwnerReference {
                        api_version: "apps/v1".into(),
                        kind: "ReplicaSet".into(),
                        name: "owner".into(),
                        uid: uid.into(),
                        controller: Some(true),
                        block_owner_deletion: Some(true),
                    }]
                }),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                node_name: self.node.map(str::to_string),
                ..PodSpec::default()
            }),
            status: Some(PodStatus {
                phase: Some(self.phase.into()),
                conditions: Some(vec![PodCondition {
                    type_: "Ready".into(),
                    status: if self.ready_for.is_some() {
                        "True"
                    } else {
                        "False"
                    }
                    .into(),
                    last_transition_time: Some(ago(self.ready_for.unwrap_or(0))),
                    ..PodCondition::default()
                }]),
                container_statuses: Some(vec![ContainerStatus {
                    name: "c".into(),
                    restart_count: self.restarts,
                    ..ContainerStatus::default()
                }]),
                ..PodStatus::default()
            }),
        }
    }
}

fn build(ps: &[P]) -> Vec<Pod> {
    ps.iter().map(P::build).collect()
}

#[test]
fn creates_and_deletes_the_difference() {
    struct Case {
        name: &'static str,
        replicas: i32,
        pods: Vec<P>,
        create: usize,
        delete: usize,
        replicas_status: i32,
    }
    let cases = [
        Case {
            name: "empty",
            replicas: 3,
            pods: vec![],
            create: 3,
            delete: 0,
            replicas_status: 0,
        },
        Case {
            name: "steady",
            replicas: 2,
            pods: vec![p("a"), p("b")],
            create: 0,
            delete: 0,
            replicas_status: 2,
        },
        Case {
            name: "scale down",
            replicas: 1,
            pods: vec![p("a"), p("b"), p("c")],
            create: 0,
            delete: 2,
            replicas_status: 3,
        },
        Case {
            name: "zero",
            replicas: 0,
            pods: vec![p("a")],
            create: 0,
            delete: 1,
            replicas_status: 1,
        },
        Case {
            name: "finished, terminating and foreign pods do not count",
            replicas: 2,
            pods: vec![
                p("live"),
                P {
                    phase: "Failed",
                    ..p("failed")
                },
                P {
                    phase: "Succeeded",
                    ..p("done")
                },
                P {
                    deleting: true,
                    ..p("going")
                },
                P {
                    owner: Some("other"),
                    ..p("foreign")
                },
                P {
                    owner: None,
                    labels: &[("app", "x")],
                    ..p("stranger")
                },
            ],
            create: 1,
            delete: 0,
            replicas_status: 1,
        },
        Case {
            name: "burst cap",
            replicas: 700,
            pods: vec![],
            create: BURST_REPLICAS,
            delete: 0,
            replicas_status: 0,
        },
    ];
    for c in cases {
        let plan = reconcile(&rs(c.replicas), &build(&c.pods), now());
        assert_eq!(plan.create.len(), c.create, "{}: creates", c.name);
        assert_eq!(plan.delete.len(), c.delete, "{}: deletes", c.name);
        assert_eq!(
            plan.status.replicas, c.replicas_status,
            "{}: status.replicas",
            c.name
        );
    }
}

#[test]
fn created_pods_come_from_the_template_and_are_owned() {
    let plan = reconcile(&rs(1), &[], now());
    let pod = &plan.create[0];
    assert_eq!(pod.metadata.generate_name.as_deref(), Some("queue-"));
    assert_eq!(pod.metadata.namespace.as_deref(), Some("ns"));
    assert_eq!(
        pod.metadata.labels,
        Some(labels(&[("app", "q"), ("tier", "t")]))
    );
    let owner = &pod.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (
            owner.api_version.as_str(),
            owner.kind.as_str(),
            owner.name.as_str(),
            owner.uid.as_str()
        ),
        ("apps/v1", "ReplicaSet", "queue", RS_UID)
    );
    assert_eq!(owner.controller, Some(true));
    let spec = pod.spec.as_ref().unwrap();
    assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
    assert_eq!(spec.containers[0].image.as_deref(), Some("img"));
}

#[test]
fn surplus_pods_are_ranked_like_active_pods_with_ranks() {
    // (description, the pod to keep, the pod to delete): scaling 2 -> 1 deletes the
    // second.
    let cases: Vec<(&str, P, P)> = vec![
        (
            "unassigned first",
            P {
                node: Some("n1"),
                ..p("keep")
            },
            p("del"),
        ),
        (
            "pending before running",
            p("keep"),
            P {
                phase: "Pending",
                ready_for: None,
                ..p("del")
            },
        ),
        (
            "unknown before running",
            p("keep"),
            P {
                phase: "Unknown",
                ..p("del")
            },
        ),
        (
            "pending before unknown",
            P {
                phase: "Unknown",
                ready_for: None,
                ..p("keep")
            },
            P {
                phase: "Pending",
                ready_for: None,
                ..p("del")
            },
        ),
        (
            "not ready first",
            p("keep"),
            P {
                ready_for: None,
                ..p("del")
            },
        ),
        (
            "lower deletion cost first",
            P {
                cost: Some("10"),
                ..p("keep")
            },
            P {
                cost: Some("-5"),
                ..p("del")
            },
        ),
        (
            "unparsable cost reads 0",
            P {
                cost: Some("1"),
                ..p("keep")
            },
            P {
                cost: Some("x"),
                ..p("del")
            },
        ),
        // 100 s vs 10 s ready: different log2 buckets of the age.
        (
            "ready for less time first",
            p("keep"),
            P {
                ready_for: Some(10),
                ..p("del")
            },
        ),
        (
            "more restarts first",
            p("keep"),
            P {
                restarts: 3,
                ..p("del")
            },
        ),
        (
            "newer first",
            P {
                created_ago: 5000,
                ..p("keep")
            },
            P {
                created_ago: 50,
                ..p("del")
            },
        ),
        // Same log2 bucket (2^37 ns ~ 137..275 s): the uid decides ("uid-a" < "uid-b").
        (
            "same bucket: smaller uid first",
            P {
                created_ago: 200,
                ..p("b")
            },
            P {
                created_ago: 201,
                ..p("a")
            },
        ),
        // Rule 3 wins over rule 7 and rule 8.
        (
            "readiness before restarts",
            P {
                ready_for: None,
                restarts: 0,
                created_ago: 10,
                ..p("keep")
            },
            P {
                ready_for: None,
                phase: "Pending",
                restarts: 9,
                ..p("del")
            },
        ),
    ];
    for (what, keep, del) in cases {
        for order in [[keep.clone(), del.clone()], [del.clone(), keep.clone()]] {
            let plan = reconcile(&rs(1), &build(&order), now());
            assert_eq!(plan.delete, vec![del.name.to_string()], "{what}");
        }
    }
}

#[test]
fn deletion_order_over_many_pods() {
    let pods = build(&[
        p("running-old"),
        P {
            phase: "Pending",
            ready_for: None,
            ..p("pending")
        },
        P {
            ready_for: None,
            ..p("not-ready")
        },
        P {
            created_ago: 20,
            ready_for: Some(10),
            ..p("running-new")
        },
    ]);
    let refs: Vec<&Pod> = pods.iter().collect();
    let order: Vec<_> = rank_for_deletion(&refs, now())
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(
        order,
        ["pending", "not-ready", "running-new", "running-old"]
    );
}

#[test]
fn status_counts_labels_readiness_and_availability() {
    let mut set = rs(4);
    set.spec.min_ready_seconds = Some(30);
    let pods = build(&[
        p("available"),
        P {
            ready_for: Some(5),
            ..p("ready-not-available")
        },
        P {
            ready_for: None,
            ..p("not-ready")
        },
        P {
            labels: &[("app", "q")],
            ..p("partly-labelled")
        },
        P {
            deleting: true,
            ..p("terminating")
        },
    ]);
    let plan = reconcile(&set, &pods, now());
    let s = &plan.status;
    assert_eq!(s.replicas, 4);
    assert_eq!(s.fully_labeled_replicas, Some(3));
    assert_eq!(s.ready_replicas, Some(3));
    assert_eq!(s.available_replicas, Some(2));
    assert_eq!(s.terminating_replicas, Some(1));
    assert_eq!(s.observed_generation, Some(2));
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    // Not every replica is ready: no minReadySeconds requeue.
    assert_eq!(plan.requeue_after, None);
}

#[test]
fn zero_counts_are_left_out_and_terminating_is_always_written() {
    let plan = reconcile(&rs(1), &[], now());
    assert_eq!(plan.status.replicas, 0);
    assert_eq!(plan.status.ready_replicas, None);
    assert_eq!(plan.status.available_replicas, None);
    assert_eq!(plan.status.fully_labeled_replicas, None);
    assert_eq!(plan.status.terminating_replicas, Some(0));
}

#[test]
fn all_ready_but_not_available_requeues_after_min_ready_seconds() {
    let mut set = rs(1);
    set.spec.min_ready_seconds = Some(30);
    let plan = reconcile(
        &set,
        &build(&[P {
            ready_for: Some(5),
            ..p("a")
        }]),
        now(),
    );
    assert_eq!(plan.status.ready_replicas, Some(1));
    assert_eq!(plan.status.available_replicas, None);
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(30)));
    let plan = reconcile(
        &set,
        &build(&[P {
            ready_for: Some(31),
            ..p("a")
        }]),
        now(),
    );
    assert_eq!(plan.status.available_replicas, Some(1));
    assert_eq!(plan.requeue_after, None);
}

#[test]
fn orphans_matching_the_selector_are_adopted() {
    let pods = build(&[
        P {
            owner: None,
            ..p("orphan")
        },
        P {
            owner: None,
            deleting: true,
            ..p("orphan-going")
        },
        P {
            owner: None,
            labels: &[("app", "other")],
            ..p("orphan-unmatched")
        },
        P {
            owner: None,
            phase: "Failed",
            ..p("orphan-failed")
        },
    ]);
    let plan = reconcile(&rs(2), &pods, now());
    assert_eq!(plan.adopt, vec!["orphan".to_string()]);
    assert_eq!(plan.status.replicas, 1);
    assert_eq!(plan.create.len(), 1);
}

#[test]
fn owned_pods_that_no_longer_match_are_released_and_replaced() {
    let pods = build(&[
        p("a"),
        P {
            labels: &[("app", "moved")],
            ..p("b")
        },
    ]);
    let plan = reconcile(&rs(2), &pods, now());
    assert_eq!(plan.release, vec!["b".to_string()]);
    assert_eq!(plan.status.replicas, 1);
    assert_eq!(plan.create.len(), 1);
}

#[test]
fn a_replicaset_being_deleted_neither_creates_nor_adopts_nor_releases() {
    let mut set = rs(3);
    set.metadata.deletion_timestamp = Some(ago(1));
    let pods = build(&[
        p("a"),
        P {
            owner: None,
            ..p("orphan")
        },
        P {
            labels: &[("app", "moved")],
            ..p("b")
        },
    ]);
    let plan = reconcile(&set, &pods, now());
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    assert!(plan.adopt.is_empty() && plan.release.is_empty());
    assert_eq!(plan.status.replicas, 1);
}

#[test]
fn replica_failure_condition_is_set_once_and_cleared_on_success() {
    let set = rs(2);
    let plan = reconcile(&set, &[], now());
    let failed = plan.status_after_failure(&set, ManageFailure::Create, "disk full", now());
    let conds = failed.conditions.clone().unwrap();
    assert_eq!(conds.len(), 1);
    assert_eq!(conds[0].type_.as_deref(), Some(REPLICA_FAILURE));
    assert_eq!(conds[0].status.as_deref(), Some("True"));
    assert_eq!(conds[0].reason.as_deref(), Some("FailedCreate"));
    assert_eq!(conds[0].message.as_deref(), Some("disk full"));

    // A second failure keeps the first condition as it is.
    let mut set2 = set.clone();
    set2.status = Some(failed.clone());
    let plan2 = reconcile(&set2, &[], now());
    let again = plan2.status_after_failure(&set2, ManageFailure::Delete, "other", now());
    assert_eq!(again.conditions, failed.conditions);

    // Success drops it.
    assert_eq!(plan2.status.conditions, None);
}

#[test]
fn other_conditions_survive_success() {
    let mut set = rs(0);
    set.status = Some(ReplicaSetStatus {
        conditions: Some(vec![ReplicaSetCondition {
            type_: Some("Custom".into()),
            status: Some("True".into()),
            ..ReplicaSetCondition::default()
        }]),
        ..ReplicaSetStatus::default()
    });
    let plan = reconcile(&set, &[], now());
    assert_eq!(plan.status.conditions.map(|c| c.len()), Some(1));
}

#[test]
fn slow_start_batches_double() {
    let cases: [(usize, &[usize]); 6] = [
        (0, &[]),
        (1, &[1]),
        (3, &[1, 2]),
        (5, &[1, 2, 2]),
        (7, &[1, 2, 4]),
        (10, &[1, 2, 4, 3]),
    ];
    for (count, want) in cases {
        assert_eq!(slow_start_batches(count), want, "{count}");
    }
}

#[test]
fn an_invalid_selector_does_nothing() {
    let mut set = rs(3);
    set.spec.selector.match_labels = Some(labels(&[("bad key!", "x")]));
    let plan = reconcile(&set, &[], now());
    assert!(plan.create.is_empty());
    assert_eq!(plan.status, ReplicaSetStatus::default());
}
