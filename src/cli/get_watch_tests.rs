//! Golden tests for `get -w` of every kind: the exact lines kubectl's watch prints, the
//! header once, then one row per change padded to the widths already printed (kubectl's
//! `RememberWidths` tabwriter, flushed after every change), and the other formats.

use serde_json::{Value, json};

use super::tests::args;
use super::*;

const CREATED: &str = "2024-05-01T11:59:00Z";

fn now() -> jiff::Timestamp {
    "2024-05-01T12:00:00Z".parse().expect("valid time")
}

fn meta(name: &str) -> Value {
    json!({"name": name, "namespace": "default", "creationTimestamp": CREATED,
           "uid": format!("uid-{name}"), "labels": {"app": "batch"}})
}

/// Renders `batches` one after the other through one watch printer, as `get -w` prints
/// the list and then each change.
fn watch(args: &GetArgs, batches: &[Vec<Value>]) -> Vec<String> {
    let mut p = WatchPrinter::new(args);
    batches
        .iter()
        .map(|b| p.render(b, now()).expect("renders"))
        .collect()
}

fn job(name: &str, status: Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta(name),
           "spec": {"completions": 1, "parallelism": 1,
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
                    "template": {"spec": {"containers": [
                        {"name": "main", "image": "dockjob-test/busybox:1"}]}}},
           "status": status})
}

fn running_job(name: &str) -> Value {
    job(
        name,
        json!({"active": 1, "startTime": CREATED, "ready": 0, "terminating": 0}),
    )
}

fn complete_job(name: &str) -> Value {
    job(
        name,
        json!({"succeeded": 1, "startTime": CREATED, "completionTime": "2024-05-01T11:59:30Z",
               "ready": 0, "terminating": 0,
               "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                              {"type": "Complete", "status": "True"}]}),
    )
}

#[test]
fn jobs() {
    let out = watch(
        &args(Kind::Job, None),
        &[
            vec![running_job("oneshot")],
            vec![complete_job("oneshot")],
            vec![running_job("a-much-longer-job-name")],
            vec![complete_job("oneshot")],
        ],
    );
    assert_eq!(
        out,
        [
            "NAME      STATUS    COMPLETIONS   DURATION   AGE\n\
             oneshot   Running   0/1           60s        60s\n",
            "oneshot   Complete   1/1           30s        60s\n",
            // STATUS stays as wide as `Complete` made it.
            "a-much-longer-job-name   Running    0/1           60s        60s\n",
            "oneshot                  Complete   1/1           30s        60s\n",
        ]
    );
}

#[test]
fn jobs_wide_name_and_custom_columns() {
    let out = watch(
        &args(Kind::Job, Some("wide")),
        &[vec![running_job("oneshot")], vec![complete_job("oneshot")]],
    );
    assert_eq!(
        out,
        [
            "NAME      STATUS    COMPLETIONS   DURATION   AGE   CONTAINERS   IMAGES                   SELECTOR\n\
             oneshot   Running   0/1           60s        60s   main         dockjob-test/busybox:1   batch.kubernetes.io/controller-uid=u1\n",
            "oneshot   Complete   1/1           30s        60s   main         dockjob-test/busybox:1   batch.kubernetes.io/controller-uid=u1\n",
        ]
    );
    let out = watch(
        &args(Kind::Job, Some("name")),
        &[vec![running_job("oneshot")], vec![complete_job("oneshot")]],
    );
    assert_eq!(out, ["job.batch/oneshot\n", "job.batch/oneshot\n"]);
    let out = watch(
        &args(
            Kind::Job,
            Some("custom-columns=NAME:.metadata.name,OK:.status.succeeded"),
        ),
        &[vec![running_job("oneshot")], vec![complete_job("oneshot")]],
    );
    assert_eq!(out, ["NAME      OK\noneshot   <none>\n", "oneshot   1\n"]);
}

#[test]
fn jsonpath_runs_on_each_object_and_labels_are_columns() {
    let out = watch(
        &args(Kind::Job, Some("jsonpath={.metadata.name} ")),
        &[
            vec![running_job("a"), running_job("b")],
            vec![complete_job("a")],
        ],
    );
    assert_eq!(out, ["a b ", "a "]);
    let mut a = args(Kind::Job, None);
    a.labels.show_labels = true;
    let out = watch(
        &a,
        &[vec![running_job("oneshot")], vec![complete_job("oneshot")]],
    );
    assert_eq!(
        out,
        [
            "NAME      STATUS    COMPLETIONS   DURATION   AGE   LABELS\n\
             oneshot   Running   0/1           60s        60s   app=batch\n",
            "oneshot   Complete   1/1           30s        60s   app=batch\n",
        ]
    );
}

fn cronjob(suspend: bool, active: usize) -> Value {
    let refs: Vec<Value> = (0..active)
        .map(|i| json!({"kind": "Job", "name": format!("nightly-{i}")}))
        .collect();
    json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("nightly"),
           "spec": {"schedule": "*/5 * * * *", "timeZone": "Europe/Paris", "suspend": suspend,
                    "jobTemplate": {"spec": {"template": {}}}},
           "status": {"active": refs, "lastScheduleTime": "2024-05-01T11:55:00Z"}})
}

#[test]
fn cronjobs() {
    let out = watch(
        &args(Kind::CronJob, None),
        &[vec![cronjob(false, 1)], vec![cronjob(true, 0)]],
    );
    assert_eq!(
        out,
        [
            "NAME      SCHEDULE      TIMEZONE       SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n\
             nightly   */5 * * * *   Europe/Paris   False     1        5m              60s\n",
            "nightly   */5 * * * *   Europe/Paris   True      0        5m              60s\n",
        ]
    );
}

fn pod(name: &str, phase: &str, ready: bool, state: Value, restarts: u32) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta(name),
           "spec": {"nodeName": "dockjob", "containers": [{"name": "main", "image": "busybox"}]},
           "status": {"phase": phase, "podIP": "172.18.0.7", "containerStatuses": [
               {"name": "main", "ready": ready, "restartCount": restarts, "image": "busybox",
                "imageID": "", "state": state}]}})
}

#[test]
fn pods_keep_widths_and_widen_for_a_longer_cell() {
    let creating = json!({"waiting": {"reason": "ContainerCreating"}});
    let running = json!({"running": {"startedAt": CREATED}});
    let done = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
    let out = watch(
        &args(Kind::Pod, None),
        &[
            vec![pod("queue-x7k2p", "Running", true, running.clone(), 0)],
            vec![pod("work-abcde", "Pending", false, creating, 0)],
            vec![pod(
                "work-with-a-long-name-abcde",
                "Running",
                true,
                running,
                12,
            )],
            vec![pod("work-abcde", "Succeeded", false, done, 0)],
        ],
    );
    assert_eq!(
        out,
        [
            "NAME          READY   STATUS    RESTARTS   AGE\n\
             queue-x7k2p   1/1     Running   0          60s\n",
            "work-abcde    0/1     ContainerCreating   0          60s\n",
            "work-with-a-long-name-abcde   1/1     Running             12         60s\n",
            "work-abcde                    0/1     Completed           0          60s\n",
        ]
    );
}

#[test]
fn pods_wide() {
    let running = json!({"running": {"startedAt": CREATED}});
    let done = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
    let out = watch(
        &args(Kind::Pod, Some("wide")),
        &[
            vec![pod("work-abcde", "Running", true, running, 0)],
            vec![pod("work-abcde", "Succeeded", false, done, 0)],
        ],
    );
    assert_eq!(
        out,
        [
            "NAME         READY   STATUS    RESTARTS   AGE   IP           NODE      NOMINATED NODE   READINESS GATES\n\
             work-abcde   1/1     Running   0          60s   172.18.0.7   dockjob   <none>           <none>\n",
            "work-abcde   0/1     Completed   0          60s   172.18.0.7   dockjob   <none>           <none>\n",
        ]
    );
}

fn replicaset(ready: i32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta("queue"),
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "q"}},
                    "template": {"spec": {"containers": [{"name": "q", "image": "kuard"}]}}},
           "status": {"replicas": 1, "readyReplicas": ready}})
}

#[test]
fn replicasets() {
    let out = watch(
        &args(Kind::ReplicaSet, None),
        &[vec![replicaset(0)], vec![replicaset(1)]],
    );
    assert_eq!(
        out,
        [
            "NAME    DESIRED   CURRENT   READY   AGE\n\
             queue   1         1         0       60s\n",
            "queue   1         1         1       60s\n",
        ]
    );
}

fn service(ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": meta("queue"),
           "spec": {"type": "ClusterIP", "clusterIP": ip, "selector": {"app": "q"},
                    "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080}]}})
}

#[test]
fn services() {
    let out = watch(
        &args(Kind::Service, None),
        &[vec![service("172.18.0.10")], vec![service("None")]],
    );
    assert_eq!(
        out,
        [
            "NAME    TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)    AGE\n\
             queue   ClusterIP   172.18.0.10   <none>        8080/TCP   60s\n",
            "queue   ClusterIP   None          <none>        8080/TCP   60s\n",
        ]
    );
}

#[test]
fn configmaps_and_secrets() {
    let cm = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("cfg"), "data": data});
    let out = watch(
        &args(Kind::ConfigMap, None),
        &[
            vec![cm(json!({"a": "1"}))],
            vec![cm(json!({"a": "1", "b": "2"}))],
        ],
    );
    assert_eq!(
        out,
        [
            "NAME   DATA   AGE\ncfg    1      60s\n",
            "cfg    2      60s\n"
        ]
    );
    let secret = |data: Value| {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta("creds"),
               "type": "Opaque", "data": data})
    };
    let out = watch(
        &args(Kind::Secret, None),
        &[vec![secret(json!({}))], vec![secret(json!({"k": "dg=="}))]],
    );
    assert_eq!(
        out,
        [
            "NAME    TYPE     DATA   AGE\ncreds   Opaque   0      60s\n",
            "creds   Opaque   1      60s\n"
        ]
    );
}

fn event(reason: &str, type_: &str, message: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
           "metadata": {"name": format!("oneshot.{reason}"), "namespace": "default",
                        "creationTimestamp": CREATED},
           "involvedObject": {"kind": "Job", "name": "oneshot", "namespace": "default"},
           "reason": reason, "type": type_, "message": message, "count": 1,
           "source": {"component": "job-controller"},
           "firstTimestamp": CREATED, "lastTimestamp": CREATED})
}

#[test]
fn events() {
    let out = watch(
        &args(Kind::Event, None),
        &[
            vec![event(
                "SuccessfulCreate",
                "Normal",
                "Created pod: oneshot-x7k2p",
            )],
            vec![event("Completed", "Normal", "Job completed")],
        ],
    );
    assert_eq!(
        out,
        [
            "LAST SEEN   TYPE     REASON             OBJECT        MESSAGE\n\
             60s         Normal   SuccessfulCreate   job/oneshot   Created pod: oneshot-x7k2p\n",
            "60s         Normal   Completed          job/oneshot   Job completed\n",
        ]
    );
}
