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
    let inflight = Inflight::default();
    let (failed_tx, mut failed_rx) = mpsc::channel::<String>(1);
    loop {
        let item = tokio::select! {
            item = events.next() => item,
            // An observation failed: reconnect, and the relist will catch the change up.
            Some(reason) = failed_rx.recv() => return Ok(Session::Broke {
                reason,
                lasted: opened.elapsed(),
            }),
            _ = tx.closed() => return Ok(Session::ReceiverGone),
        };
        let reason = match item {
            Some(Ok(event)) => {
                if let Some(hint) = hint_of(runtime, &event) {
                    if hint.exit.is_some() {
                        exit_ahead(&inflight, runtime, hint, tx, &failed_tx);
                    } else {
                        inflight.observe(runtime, hint, tx, &failed_tx);
                    }
                }
                continue;
            }
            Some(Err(e)) => one_line(&e),
            None => "the stream ended".to_string(),
        };
        return Ok(Session::Broke {
            reason,
            lasted: opened.elapsed(),
        });
    }
}

/// What an event says about one of our pods: which pod, and whether it was a SIGKILL
/// exit (which waits for Docker to learn of an OOM kill before it is observed).
#[derive(Debug, Clone)]
struct Hint {
    namespace: String,
    name: String,
    uid: String,
    killed: bool,
    /// A `die` event's container id, exit code and time (RFC 3339).
    exit: Option<(String, i64, String)>,
}

/// A `die` event: the pod's terminal status from the event itself when it says enough
/// (see [`Runtime::observe_exit`]), sent at once, past any observation of the pod still
/// in flight (an inspect begun before the exit waits for Docker's cleanup of it);
/// otherwise the pod is observed in turn as for any event.
fn exit_ahead(
    inflight: &Inflight,
    runtime: &Runtime,
    hint: Hint,
    tx: &mpsc::Sender<RuntimeEvent>,
    failed: &mpsc::Sender<String>,
) {
    let (inflight, runtime, tx, failed) = (
        inflight.clone(),
        runtime.clone(),
        tx.clone(),
        failed.clone(),
    );
    tokio::spawn(async move {
        let known = match &hint.exit {
            Some((id, code, at)) => runtime.observe_exit(&hint.uid, id, *code, at).await,
            None => Ok(None),
        };
        match known {
            Ok(Some(pod)) => {
                let _ = tx.send(RuntimeEvent::Changed(pod)).await;
            }
            _ => inflight.observe(&runtime, hint, &tx, &failed),
        }
    });
}

/// One observation in flight per pod, at most.
///
/// Why: an inspect waits while Docker starts that container (it holds the container's
/// lock for the whole start, a second or more under load), so observing every event in
/// turn made one pod's start delay every other pod's exit, and with it the start of the
/// pod that takes its slot. Pods are observed side by side; the events of one pod that
/// arrive while it is being observed fold into one more observation afterwards (each
/// observation is a fresh look at the whole pod, not a delta), which keeps one pod's
/// observations in order.
#[derive(Clone, Default)]
struct Inflight {
    /// Pods being observed, and whether another event came for each meanwhile (with
    /// the latest hint).
    pods: std::sync::Arc<std::sync::Mutex<HashMap<String, Option<Hint>>>>,
}

impl Inflight {
    fn observe(
        &self,
        runtime: &Runtime,
        hint: Hint,
        tx: &mpsc::Sender<RuntimeEvent>,
        failed: &mpsc::Sender<String>,
    ) {
        {
            let mut pods = self.pods.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(again) = pods.get_mut(&hint.uid) {
                let killed = hint.killed || again.as_ref().is_some_and(|h| h.killed);
                *again = Some(Hint { killed, ..hint });
                return;
            }
            pods.insert(hint.uid.clone(), None);
        }
        let (this, runtime, tx, failed) =
            (self.clone(), runtime.clone(), tx.clone(), failed.clone());
        tokio::spawn(async move {
            let mut hint = hint;
            loop {
                match observe_hint(&runtime, &hint).await {
                    Ok(pod) => {
                        if tx.send(RuntimeEvent::Changed(pod)).await.is_err() {
                            break;
                        }
                    }
                    Err(reason) => {
                        let _ = failed.try_send(reason);
                        break;
                    }
                }
                let mut pods = this.pods.lock().unwrap_or_else(|p| p.into_inner());
                match pods.get_mut(&hint.uid).and_then(Option::take) {
                    Some(next) => hint = next,
                    None => {
                        pods.remove(&hint.uid);
                        return;
                    }
                }
            }
            this.pods
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&hint.uid);
        });
    }
}

use super::status::OOM_REPORT_GRACE;

/// The pod an event is about; `None` for events that are not about one of our pods.
fn hint_of(runtime: &Runtime, event: &EventMessage) -> Option<Hint> {
    let action = event.action.as_deref().unwrap_or("");
    if !ACTIONS.contains(&action) {
        return None;
    }
    let attrs = event.actor.as_ref().and_then(|a| a.attributes.as_ref())?;
    let uid = attrs.get(label::POD_UID)?;
    if action == "destroy"
        && let Some(id) = event.actor.as_ref().and_then(|a| a.id.as_deref())
    {
        runtime.forget(id);
    }
    if action == "start"
        && let Some(id) = event.actor.as_ref().and_then(|a| a.id.as_deref())
        && let Some(at) = event_time(event)
    {
        runtime.note_start(id, &at);
    }
    if action == "oom"
        && let Some(id) = event.actor.as_ref().and_then(|a| a.id.as_deref())
        && let Some(at) = event
            .time_nano
            .and_then(|t| jiff::Timestamp::from_nanosecond(i128::from(t)).ok())
    {
        runtime.note_oom(id, at);
    }
    Some(Hint {
        namespace: attrs.get(label::NAMESPACE).cloned().unwrap_or_default(),
        name: attrs.get(label::POD).cloned().unwrap_or_default(),
        uid: uid.clone(),
        killed: action == "die" && attrs.get("exitCode").map(String::as_str) == Some("137"),
        exit: exit_of(event),
    })
}

/// A `die` event's container id, exit code and time, as Docker stamped them.
fn exit_of(event: &EventMessage) -> Option<(String, i64, String)> {
    if event.action.as_deref() != Some("die") {
        return None;
    }
    let actor = event.actor.as_ref()?;
    let code = actor.attributes.as_ref()?.get("exitCode")?.parse().ok()?;
    Some((actor.id.clone()?, code, event_time(event)?))
}

/// When Docker stamped the event, RFC 3339 with nanoseconds (as its inspect times).
fn event_time(event: &EventMessage) -> Option<String> {
    let at = jiff::Timestamp::from_nanosecond(i128::from(event.time_nano?)).ok()?;
    Some(at.to_string())
}

/// The pod's fresh state (status `None` once its last container is gone).
async fn observe_hint(runtime: &Runtime, hint: &Hint) -> Result<ObservedPod, String> {
    if hint.killed {
        // A SIGKILL may be the kernel's OOM killer, and Docker's `oom` event may land just
        // after the exit (see `runtime::oom`): wait for it, or the pod's one terminal
        // status would say Error instead of OOMKilled.
        tokio::time::sleep(OOM_REPORT_GRACE).await;
    }
    let observed = runtime
        .observe_pod(&hint.uid)
        .await
        .map_err(|e| e.to_string())?;
    Ok(observed.unwrap_or_else(|| ObservedPod {
        namespace: hint.namespace.clone(),
        name: hint.name.clone(),
        uid: hint.uid.clone(),
        containers: Vec::new(),
    }))
}
