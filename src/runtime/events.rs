//! The observer: Docker events stream + relist, as kube's watcher does (list, then watch,
//! and list again after every break).
//!
//! Owns the reconnect loop and its backoff. The events stream is only a hint: it drops on
//! a dockerd restart and cannot replay what happened while nobody listened, so every
//! (re)connect starts with a full relist (`Resynced`), and every event is answered with a
//! fresh inspect of the pod rather than trusted as a delta. Must not interpret results.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptionsBuilder;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{ObservedPod, Runtime, RuntimeEvent, one_line};
use crate::api::labels::docker as label;

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// A stream that stayed up this long resets the backoff.
const HEALTHY_AFTER: Duration = Duration::from_secs(5);
/// Events are asked from a little before the relist, so nothing falls between the two
/// (duplicates are harmless: each event only triggers a fresh inspect).
const SINCE_MARGIN_SECS: u64 = 2;
/// Container actions that can change a pod's status.
const ACTIONS: [&str; 10] = [
    "create", "start", "restart", "die", "oom", "kill", "stop", "pause", "unpause", "destroy",
];

/// Spawns the observer task; it ends when the returned stream is dropped.
pub(super) fn spawn(runtime: Runtime) -> impl Stream<Item = RuntimeEvent> + Send + 'static {
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(observe(runtime, tx));
    ReceiverStream::new(rx)
}

async fn observe(runtime: Runtime, tx: mpsc::Sender<RuntimeEvent>) {
    let mut backoff = BACKOFF_MIN;
    loop {
        let reason = match connect_once(&runtime, &tx).await {
            Ok(Session::ReceiverGone) => return,
            Ok(Session::Broke { reason, lasted }) => {
                if lasted >= HEALTHY_AFTER {
                    backoff = BACKOFF_MIN;
                }
                reason
            }
            Err(reason) => reason,
        };
        let msg = format!(
            "Docker events stream at {} lost: {reason}; reconnecting in {} ms",
            runtime.inner.host,
            backoff.as_millis()
        );
        if tx.send(RuntimeEvent::Disconnected(msg)).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = tx.closed() => return,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

enum Session {
    ReceiverGone,
    Broke { reason: String, lasted: Duration },
}

/// One connection: relist, then follow events until the stream breaks.
async fn connect_once(
    runtime: &Runtime,
    tx: &mpsc::Sender<RuntimeEvent>,
) -> Result<Session, String> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs().saturating_sub(SINCE_MARGIN_SECS))
        .unwrap_or(0);
    let pods = runtime.relist().await.map_err(|e| e.to_string())?;
    if tx.send(RuntimeEvent::Resynced(pods)).await.is_err() {
        return Ok(Session::ReceiverGone);
    }
    let opened = Instant::now();
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec![format!("{}={}", label::ENGINE, runtime.inner.engine_id)],
        ),
        (
            "event".to_string(),
            ACTIONS.iter().map(|a| a.to_string()).collect(),
        ),
    ]);
    let options = EventsOptionsBuilder::new()
        .since(&since.to_string())
        .filters(&filters)
        .build();
    let mut events = runtime.inner.docker.events(Some(options));
    loop {
        let item = tokio::select! {
            item = events.next() => item,
            _ = tx.closed() => return Ok(Session::ReceiverGone),
        };
        let reason = match item {
            Some(Ok(event)) => match changed(runtime, &event).await {
                Ok(Some(pod)) => {
                    if tx.send(RuntimeEvent::Changed(pod)).await.is_err() {
                        return Ok(Session::ReceiverGone);
                    }
                    continue;
                }
                Ok(None) => continue,
                // The inspect failed: reconnect, and the relist will catch the change up.
                Err(reason) => reason,
            },
            Some(Err(e)) => one_line(&e),
            None => "the stream ended".to_string(),
        };
        return Ok(Session::Broke {
            reason,
            lasted: opened.elapsed(),
        });
    }
}

/// How long a SIGKILLed container's observation waits for Docker to learn of an OOM kill.
const OOM_REPORT_GRACE: Duration = Duration::from_millis(500);

/// The pod an event is about, with its fresh state (status `None` once its last container
/// is gone). `Ok(None)` for events that are not about one of our pods.
async fn changed(runtime: &Runtime, event: &EventMessage) -> Result<Option<ObservedPod>, String> {
    let action = event.action.as_deref().unwrap_or("");
    if !ACTIONS.contains(&action) {
        return Ok(None);
    }
    let Some(attrs) = event.actor.as_ref().and_then(|a| a.attributes.as_ref()) else {
        return Ok(None);
    };
    let Some(uid) = attrs.get(label::POD_UID) else {
        return Ok(None);
    };
    if action == "destroy"
        && let Some(id) = event.actor.as_ref().and_then(|a| a.id.as_deref())
    {
        runtime.forget(id);
    }
    if action == "die" && attrs.get("exitCode").map(String::as_str) == Some("137") {
        // A SIGKILL may be the kernel's OOM killer. With cgroup v2 containerd reports the
        // OOM through an inotify watch that can land just after the exit, and Docker sets
        // State.OOMKilled only then: wait for it, or the pod's one terminal status would
        // say Error instead of OOMKilled.
        tokio::time::sleep(OOM_REPORT_GRACE).await;
    }
    let observed = runtime.observe_pod(uid).await.map_err(|e| e.to_string())?;
    Ok(Some(observed.unwrap_or_else(|| ObservedPod {
        namespace: attrs.get(label::NAMESPACE).cloned().unwrap_or_default(),
        name: attrs.get(label::POD).cloned().unwrap_or_default(),
        uid: uid.clone(),
        containers: Vec::new(),
    })))
}
