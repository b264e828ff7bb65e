//! The engine's Prometheus metrics: what it runs and how Docker answers.
//!
//! Process-wide (one registry, like Prometheus' default one) because Docker calls happen
//! deep inside the runtime, which must not depend on the engine. Counters of pods come
//! from the store's watch stream (a pod added = created; a phase reaching Succeeded or
//! Failed = one result, which the kubelet writes once), so no controller needs a hook;
//! the Jobs-by-condition gauge is computed from the store at scrape time. Served only
//! when the engine is started with `--metrics-addr` (a loopback address).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde_json::Value;

use crate::api::kinds::Kind;
use crate::store::{Store, WatchEvent, WatchType};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ControllerLabels {
    controller: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConditionLabels {
    condition: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms .. ~32 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

struct Metrics {
    registry: Registry,
    pods_created: Counter,
    pods_succeeded: Counter,
    pods_failed: Counter,
    reconcile: Family<ControllerLabels, Histogram, fn() -> Histogram>,
    docker_latency: Family<OpLabels, Histogram, fn() -> Histogram>,
    docker_errors: Family<OpLabels, Counter>,
    jobs: Family<ConditionLabels, Gauge>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("dockjob");
    let m = Metrics {
        registry: Registry::default(),
        pods_created: Counter::default(),
        pods_succeeded: Counter::default(),
        pods_failed: Counter::default(),
        reconcile: Family::new_with_constructor(latency_histogram),
        docker_latency: Family::new_with_constructor(latency_histogram),
        docker_errors: Family::default(),
        jobs: Family::default(),
    };
    registry.register(
        "pods_created",
        "Pods created by the controllers since the engine started",
        m.pods_created.clone(),
    );
    registry.register(
        "pods_succeeded",
        "Pods that reached phase Succeeded since the engine started",
        m.pods_succeeded.clone(),
    );
    registry.register(
        "pods_failed",
        "Pods that reached phase Failed since the engine started",
        m.pods_failed.clone(),
    );
    registry.register(
        "reconcile_duration_seconds",
        "Time one reconcile of one object took, by controller",
        m.reconcile.clone(),
    );
    registry.register(
        "docker_request_duration_seconds",
        "Latency of Docker Engine API calls, by operation",
        m.docker_latency.clone(),
    );
    registry.register(
        "docker_request_errors",
        "Docker Engine API calls that failed, by operation",
        m.docker_errors.clone(),
    );
    registry.register("jobs", "Jobs by condition", m.jobs.clone());
    Metrics { registry, ..m }
});

/// Records how long one reconcile of `controller` (job, cronjob, replicaset, service) took.
pub fn reconciled(controller: &'static str, elapsed: Duration) {
    METRICS
        .reconcile
        .get_or_create(&ControllerLabels { controller })
        .observe(elapsed.as_secs_f64());
}

/// Times one Docker call and counts it as an error when it fails, unless `expected`
/// says the failure is an answer (404 for an inspect of a missing container...).
pub async fn docker_call<T, E>(
    operation: &'static str,
    call: impl Future<Output = Result<T, E>>,
    expected: impl Fn(&E) -> bool,
) -> Result<T, E> {
    let started = Instant::now();
    let result = call.await;
    let labels = OpLabels { operation };
    METRICS
        .docker_latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    if result.as_ref().is_err_and(|e| !expected(e)) {
        METRICS.docker_errors.get_or_create(&labels).inc();
    }
    result
}

/// What a pod change means for the pod counters, given the phase last seen for its uid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PodCount {
    Created,
    Succeeded,
    Failed,
}

/// Follows pod phases from the store's watch stream. Pure apart from `phases`, the last
/// phase seen per pod uid, so each result is counted once.
fn count_pod(ev: &WatchEvent, phases: &mut HashMap<String, String>) -> Option<PodCount> {
    if ev.kind != Kind::Pod {
        return None;
    }
    let uid = ev.object["metadata"]["uid"].as_str()?.to_string();
    if ev.type_ == WatchType::Deleted {
        phases.remove(&uid);
        return None;
    }
    let phase = ev.object["status"]["phase"]
        .as_str()
        .unwrap_or("Pending")
        .to_string();
    let before = phases.insert(uid, phase.clone());
    if ev.type_ == WatchType::Added {
        return Some(PodCount::Created);
    }
    if before.as_deref() == Some(phase.as_str()) {
        return None;
    }
    match phase.as_str() {
        "Succeeded" => Some(PodCount::Succeeded),
        "Failed" => Some(PodCount::Failed),
        _ => None,
    }
}

/// Counts pods from the store's watch stream until the store closes.
pub async fn follow_pods(store: Store) {
    use tokio::sync::broadcast::error::RecvError;
    let mut rx = store.watch();
    // Pods already stored when the engine starts were counted by an earlier engine.
    let mut phases: HashMap<String, String> = store
        .list(Kind::Pod, None, None)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            Some((
                p["metadata"]["uid"].as_str()?.to_string(),
                p["status"]["phase"]
                    .as_str()
                    .unwrap_or("Pending")
                    .to_string(),
            ))
        })
        .collect();
    loop {
        match rx.recv().await {
            Ok(ev) => match count_pod(&ev, &mut phases) {
                Some(PodCount::Created) => {
                    METRICS.pods_created.inc();
                }
                Some(PodCount::Succeeded) => {
                    METRICS.pods_succeeded.inc();
                }
                Some(PodCount::Failed) => {
                    METRICS.pods_failed.inc();
                }
                None => {}
            },
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        }
    }
}

/// The condition a Job is counted under: its terminal condition, else Suspended or
/// Active.
fn job_condition(job: &Value) -> &'static str {
    let has = |t: &str| {
        job["status"]["conditions"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["type"] == t && c["status"] == "True"))
    };
    if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if has("Suspended") {
        "Suspended"
    } else {
        "Active"
    }
}

/// The metrics in Prometheus' text format, with the Jobs gauge taken from the store now.
pub fn render(store: &Store) -> Result<String, String> {
    let jobs = store
        .list(Kind::Job, None, None)
        .map_err(|e| e.to_string())?;
    let mut counts: HashMap<&'static str, i64> = ["Active", "Complete", "Failed", "Suspended"]
        .into_iter()
        .map(|c| (c, 0))
        .collect();
    for job in &jobs {
        *counts.entry(job_condition(job)).or_default() += 1;
    }
    for (condition, n) in counts {
        METRICS
            .jobs
            .get_or_create(&ConditionLabels { condition })
            .set(n);
    }
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &METRICS.registry)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Why the metrics listener cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "--metrics-addr {0}: metrics are served on loopback only; use 127.0.0.1:PORT or [::1]:PORT"
    )]
    NotLoopback(SocketAddr),
    #[error("--metrics-addr {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Binds the metrics listener; refuses anything but a loopback address, since the
/// metrics name the user's jobs.
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, ListenError> {
    if !addr.ip().is_loopback() {
        return Err(ListenError::NotLoopback(addr));
    }
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ListenError::Bind { addr, source })
}

/// Serves `GET /metrics` on the listener until the engine stops.
pub async fn serve(listener: tokio::net::TcpListener, store: Store) {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let store = store.clone();
            async move {
                match render(&store) {
                    Ok(text) => (
                        [(
                            header::CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8",
                        )],
                        text,
                    )
                        .into_response(),
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
                }
            }
        }),
    );
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "metrics listener stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(type_: WatchType, uid: &str, phase: Option<&str>) -> WatchEvent {
        let mut object = json!({"metadata": {"uid": uid}});
        if let Some(p) = phase {
            object["status"] = json!({ "phase": p });
        }
        WatchEvent {
            kind: Kind::Pod,
            type_,
            object,
            resource_version: 1,
        }
    }

    #[test]
    fn each_pod_result_counts_once() {
        let mut phases = HashMap::new();
        let seq = [
            (ev(WatchType::Added, "a", None), Some(PodCount::Created)),
            (ev(WatchType::Modified, "a", Some("Running")), None),
            (
                ev(WatchType::Modified, "a", Some("Succeeded")),
                Some(PodCount::Succeeded),
            ),
            // A later write (deletionTimestamp, annotation) repeats the phase.
            (ev(WatchType::Modified, "a", Some("Succeeded")), None),
            (ev(WatchType::Added, "b", None), Some(PodCount::Created)),
            (
                ev(WatchType::Modified, "b", Some("Failed")),
                Some(PodCount::Failed),
            ),
            (ev(WatchType::Deleted, "b", Some("Failed")), None),
        ];
        for (i, (event, want)) in seq.iter().enumerate() {
            assert_eq!(count_pod(event, &mut phases), *want, "step {i}");
        }
        assert!(!phases.contains_key("b"), "deleted pods are forgotten");
    }

    #[test]
    fn other_kinds_are_not_pods() {
        let mut phases = HashMap::new();
        let mut e = ev(WatchType::Added, "j", None);
        e.kind = Kind::Job;
        assert_eq!(count_pod(&e, &mut phases), None);
    }

    #[test]
    fn jobs_are_counted_by_their_condition() {
        let cond = |t: &str| json!({"status": {"conditions": [{"type": t, "status": "True"}]}});
        assert_eq!(job_condition(&cond("Complete")), "Complete");
        assert_eq!(job_condition(&cond("Failed")), "Failed");
        assert_eq!(job_condition(&cond("Suspended")), "Suspended");
        assert_eq!(job_condition(&json!({"status": {}})), "Active");
        let not_yet = json!({"status": {"conditions": [{"type": "Complete", "status": "False"}]}});
        assert_eq!(job_condition(&not_yet), "Active");
    }

    #[tokio::test]
    async fn only_loopback_is_served() {
        let err = bind("0.0.0.0:0".parse().unwrap()).await.unwrap_err();
        assert!(err.to_string().contains("loopback only"), "{err}");
        assert!(bind("127.0.0.1:0".parse().unwrap()).await.is_ok());
    }

    #[tokio::test]
    async fn docker_calls_are_timed_and_errors_counted() {
        let ok: Result<u8, ()> = docker_call("test_ok", async { Ok(1) }, |_| false).await;
        assert_eq!(ok, Ok(1));
        let err: Result<u8, &str> = docker_call("test_err", async { Err("no") }, |_| false).await;
        assert_eq!(err, Err("no"));
        let answer: Result<u8, &str> =
            docker_call("test_404", async { Err("404") }, |e| *e == "404").await;
        assert_eq!(answer, Err("404"));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &METRICS.registry).unwrap();
        assert!(
            out.contains("dockjob_docker_request_errors_total{operation=\"test_err\"} 1"),
            "{out}"
        );
        for quiet in ["test_ok", "test_404"] {
            assert!(
                !out.contains(&format!(
                    "dockjob_docker_request_errors_total{{operation=\"{quiet}\"}}"
                )),
                "{out}"
            );
        }
        assert!(
            out.contains("dockjob_docker_request_duration_seconds_count{operation=\"test_ok\"} 1"),
            "{out}"
        );
    }
}
