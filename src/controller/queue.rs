//! The controller work queue: de-duplicating and delayed, like client-go's
//! `workqueue` (`Type` + `DelayingInterface`).
//!
//! Owns which key a worker handles next and when: a key is queued at most once however
//! often it is added, is never handed to two workers at once, and a key added again
//! while it is being processed is handed out again after `done`. Delayed adds keep the
//! earliest pending deadline per key.
//!
//! Must not know what a key means or run any reconcile itself; it holds no tasks of its
//! own: deadlines are watched by the workers waiting in `next` (tokio `Notify` and
//! timers, no polling loop), so the queue costs nothing while nobody asks.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A cloneable handle to one work queue; every clone sees the same queue.
pub struct WorkQueue<K> {
    inner: Arc<Inner<K>>,
}

impl<K> Clone for WorkQueue<K> {
    fn clone(&self) -> Self {
        WorkQueue {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<K> {
    state: Mutex<State<K>>,
    /// Woken on every change a waiting worker may care about: a key became ready, a
    /// key was done, an earlier deadline appeared, the queue shut down.
    changed: Notify,
}

struct State<K> {
    /// Keys ready to be handed out, oldest first.
    ready: VecDeque<K>,
    /// Keys that need processing: those in `ready`, and those added while being
    /// processed (they go back into `ready` on `done`).
    dirty: HashSet<K>,
    /// Keys a worker holds right now.
    processing: HashSet<K>,
    /// Delayed keys and the earliest time each becomes ready.
    waiting: HashMap<K, Instant>,
    shut_down: bool,
}

impl<K> Default for WorkQueue<K>
where
    K: Clone + Eq + Hash + Send,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K> WorkQueue<K>
where
    K: Clone + Eq + Hash + Send,
{
    /// An empty queue.
    pub fn new() -> Self {
        WorkQueue {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    ready: VecDeque::new(),
                    dirty: HashSet::new(),
                    processing: HashSet::new(),
                    waiting: HashMap::new(),
                    shut_down: false,
                }),
                changed: Notify::new(),
            }),
        }
    }

    /// Queue `key` now. A key already queued is not queued twice; a key being
    /// processed is queued again once its worker calls `done`. Ignored after
    /// `shutdown`.
    pub fn add(&self, key: K) {
        let woke = {
            let mut state = self.lock();
            state.insert(key)
        };
        if woke {
            self.inner.changed.notify_waiters();
        }
    }

    /// Queue `key` once `delay` has passed. If the key is already waiting, the earlier
    /// of the two deadlines wins (a later add never postpones a pending one). A zero
    /// delay is `add`.
    pub fn add_after(&self, key: K, delay: Duration) {
        if delay.is_zero() {
            self.add(key);
            return;
        }
        let deadline = Instant::now() + delay;
        let earlier = {
            let mut state = self.lock();
            if state.shut_down {
                return;
            }
            match state.waiting.get_mut(&key) {
                Some(pending) if *pending <= deadline => false,
                Some(pending) => {
                    *pending = deadline;
                    true
                }
                None => {
                    state.waiting.insert(key, deadline);
                    true
                }
            }
        };
        if earlier {
            // Sleeping workers must recompute when to wake.
            self.inner.changed.notify_waiters();
        }
    }

    /// The next key to process, waiting until one is ready. The caller owns the key
    /// until it calls `done` with it. `None` once the queue is shut down.
    pub async fn next(&self) -> Option<K> {
        loop {
            // Register for wake-ups before looking at the state, so a change made
            // between the look and the wait is not missed.
            let mut changed = pin!(self.inner.changed.notified());
            changed.as_mut().enable();
            let wake_at = {
                let mut state = self.lock();
                if state.shut_down {
                    return None;
                }
                state.promote_due(Instant::now());
                if let Some(key) = state.ready.pop_front() {
                    state.dirty.remove(&key);
                    state.processing.insert(key.clone());
                    return Some(key);
                }
                state.waiting.values().min().copied()
            };
            match wake_at {
                Some(at) => {
                    tokio::select! {
                        _ = changed => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    /// Release `key` after processing it. If it was added again meanwhile, it is
    /// queued again now.
    pub fn done(&self, key: &K) {
        let requeued = {
            let mut state = self.lock();
            state.processing.remove(key) && state.dirty.contains(key) && {
                state.ready.push_back(key.clone());
                true
            }
        };
        if requeued {
            self.inner.changed.notify_waiters();
        }
    }

    /// Stop the queue: every `next` (waiting or future) returns `None`, and adds are
    /// ignored. Pending and delayed keys are dropped: controllers are level-triggered
    /// and relist everything when they start again.
    pub fn shutdown(&self) {
        {
            let mut state = self.lock();
            state.shut_down = true;
            state.ready.clear();
            state.dirty.clear();
            state.waiting.clear();
        }
        self.inner.changed.notify_waiters();
    }

    /// Whether `shutdown` has been called.
    pub fn is_shut_down(&self) -> bool {
        self.lock().shut_down
    }

    /// A poisoned lock only means another worker panicked mid-update; the state is
    /// still a valid set of keys, so keep going rather than take every worker down.
    fn lock(&self) -> MutexGuard<'_, State<K>> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K> State<K>
where
    K: Clone + Eq + Hash,
{
    /// Mark `key` as needing processing; true when it became ready to hand out.
    fn insert(&mut self, key: K) -> bool {
        if self.shut_down || self.dirty.contains(&key) {
            return false;
        }
        self.dirty.insert(key.clone());
        if self.processing.contains(&key) {
            return false;
        }
        self.ready.push_back(key);
        true
    }

    /// Move every delayed key whose deadline has come into the ready queue, earliest
    /// deadline first.
    fn promote_due(&mut self, now: Instant) {
        let mut due: Vec<(Instant, K)> = Vec::new();
        self.waiting.retain(|key, at| {
            if *at <= now {
                due.push((*at, key.clone()));
                false
            } else {
                true
            }
        });
        due.sort_by_key(|(at, _)| *at);
        for (_, key) in due {
            self.insert(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `next` with a deadline, so a test that expects nothing does not hang.
    async fn next_within(q: &WorkQueue<&'static str>, wait: Duration) -> Option<&'static str> {
        tokio::time::timeout(wait, q.next()).await.ok().flatten()
    }

    #[tokio::test(start_paused = true)]
    async fn adds_are_deduplicated_and_fifo() {
        let q = WorkQueue::new();
        q.add("a");
        q.add("b");
        q.add("a");
        assert_eq!(q.next().await, Some("a"));
        assert_eq!(q.next().await, Some("b"));
        assert_eq!(next_within(&q, Duration::from_secs(60)).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn key_added_while_processing_comes_back_after_done_only() {
        let q = WorkQueue::new();
        q.add("a");
        let held = q.next().await;
        assert_eq!(held, Some("a"));
        q.add("a");
        q.add("a");
        // Not handed to a second worker while the first holds it.
        assert_eq!(next_within(&q, Duration::from_secs(60)).await, None);
        q.done(&"a");
        assert_eq!(q.next().await, Some("a"));
        q.done(&"a");
        // Added twice while processing, handed out once.
        assert_eq!(next_within(&q, Duration::from_secs(60)).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn done_without_readd_does_not_requeue() {
        let q = WorkQueue::new();
        q.add("a");
        assert_eq!(q.next().await, Some("a"));
        q.done(&"a");
        assert_eq!(next_within(&q, Duration::from_secs(60)).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_worker_is_woken_by_add() {
        let q = WorkQueue::new();
        let worker = tokio::spawn({
            let q = q.clone();
            async move { q.next().await }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        q.add("a");
        assert_eq!(worker.await.ok().flatten(), Some("a"));
    }

    #[tokio::test(start_paused = true)]
    async fn add_after_waits_for_its_delay() {
        let q = WorkQueue::new();
        let start = Instant::now();
        q.add_after("a", Duration::from_secs(10));
        assert_eq!(next_within(&q, Duration::from_millis(9_900)).await, None);
        assert_eq!(q.next().await, Some("a"));
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn add_after_keeps_the_earliest_deadline() {
        let q = WorkQueue::new();
        let start = Instant::now();
        q.add_after("a", Duration::from_secs(30));
        q.add_after("a", Duration::from_secs(10));
        q.add_after("a", Duration::from_secs(20));
        assert_eq!(q.next().await, Some("a"));
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        q.done(&"a");
        // The later deadlines were folded into the earliest one, not kept.
        assert_eq!(next_within(&q, Duration::from_secs(120)).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn earlier_deadline_wakes_a_sleeping_worker() {
        let q = WorkQueue::new();
        let start = Instant::now();
        q.add_after("a", Duration::from_secs(60));
        let worker = tokio::spawn({
            let q = q.clone();
            async move { q.next().await.map(|k| (k, Instant::now())) }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        q.add_after("a", Duration::from_secs(4));
        let (key, at) = worker.await.ok().flatten().unwrap_or(("none", start));
        assert_eq!(key, "a");
        assert_eq!(at - start, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn delayed_key_ready_while_processing_is_handed_out_after_done() {
        let q = WorkQueue::new();
        q.add("a");
        assert_eq!(q.next().await, Some("a"));
        q.add_after("a", Duration::from_secs(1));
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Due, but still held by the first worker.
        assert_eq!(next_within(&q, Duration::from_secs(60)).await, None);
        q.done(&"a");
        assert_eq!(q.next().await, Some("a"));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_delay_is_an_immediate_add() {
        let q = WorkQueue::new();
        q.add_after("a", Duration::ZERO);
        assert_eq!(next_within(&q, Duration::from_millis(1)).await, Some("a"));
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_releases_waiting_workers_and_ignores_adds() {
        let q: WorkQueue<&'static str> = WorkQueue::new();
        let worker = tokio::spawn({
            let q = q.clone();
            async move { q.next().await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        q.shutdown();
        assert_eq!(worker.await.ok().flatten(), None);
        q.add("a");
        q.add_after("b", Duration::from_secs(1));
        assert!(q.is_shut_down());
        assert_eq!(q.next().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn two_workers_never_hold_the_same_key() {
        let q = WorkQueue::new();
        q.add("a");
        q.add("b");
        let first = q.next().await;
        let second = q.next().await;
        assert_eq!((first, second), (Some("a"), Some("b")));
        q.add("a");
        q.add("b");
        assert_eq!(next_within(&q, Duration::from_secs(60)).await, None);
        q.done(&"b");
        assert_eq!(q.next().await, Some("b"));
    }
}
