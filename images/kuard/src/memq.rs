//! The MemQ broker: named in-memory FIFO queues with kuard's counters and JSON shapes
//! (`pkg/memq/server/broker.go`, `pkg/memq/types.go`).
//!
//! Owns queue state and its JSON rendering; it must not know about HTTP.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::encoding::{hex, json_string};

/// One work item, as kuard's `memq.Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub body: String,
    pub created: SystemTime,
}

impl Message {
    /// `{"kind":"message","id":...,"body":...,"creationTimestamp":...}`.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"kind\":\"message\",\"id\":{},\"body\":{},\"creationTimestamp\":{}}}",
            json_string(&self.id),
            json_string(&self.body),
            json_string(&crate::clock::rfc3339_nano(self.created))
        )
    }
}

/// One queue's counters, as kuard's `memq.Stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStat {
    pub name: String,
    pub depth: u64,
    pub enqueued: u64,
    pub dequeued: u64,
    pub drained: u64,
}

/// `{"kind":"stats","queues":[{"name":..,"depth":..,"enqueued":..,"dequeued":..,"drained":..}]}`.
pub fn stats_json(stats: &[QueueStat]) -> String {
    let queues: Vec<String> = stats
        .iter()
        .map(|s| {
            format!(
                "{{\"name\":{},\"depth\":{},\"enqueued\":{},\"dequeued\":{},\"drained\":{}}}",
                json_string(&s.name),
                s.depth,
                s.enqueued,
                s.dequeued,
                s.drained
            )
        })
        .collect();
    format!("{{\"kind\":\"stats\",\"queues\":[{}]}}", queues.join(","))
}

/// kuard's broker errors, with its exact messages (they are the HTTP 400 bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerError {
    EmptyQueue,
    NotExist,
    AlreadyExist,
    EmptyName,
}

impl fmt::Display for BrokerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BrokerError::EmptyQueue => "empty queue",
            BrokerError::NotExist => "does not exist",
            BrokerError::AlreadyExist => "already exists",
            BrokerError::EmptyName => "empty name",
        })
    }
}

impl std::error::Error for BrokerError {}

#[derive(Default)]
struct Queue {
    messages: VecDeque<Message>,
    enqueued: u64,
    dequeued: u64,
    drained: u64,
}

/// All queues behind one lock: the traffic is a few hundred requests, so a single mutex is
/// simpler than kuard's per-queue locks and gives the same observable behaviour.
pub struct Broker {
    queues: Mutex<BTreeMap<String, Queue>>,
    ids: IdSource,
}

impl Default for Broker {
    fn default() -> Self {
        Self::new()
    }
}

impl Broker {
    pub fn new() -> Self {
        Broker {
            queues: Mutex::new(BTreeMap::new()),
            ids: IdSource::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Queue>> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn create_queue(&self, name: &str) -> Result<(), BrokerError> {
        check_name(name)?;
        let mut queues = self.lock();
        if queues.contains_key(name) {
            return Err(BrokerError::AlreadyExist);
        }
        queues.insert(name.to_string(), Queue::default());
        Ok(())
    }

    pub fn delete_queue(&self, name: &str) -> Result<(), BrokerError> {
        check_name(name)?;
        self.lock()
            .remove(name)
            .map(|_| ())
            .ok_or(BrokerError::NotExist)
    }

    /// Drops every pending message, counting them as drained.
    pub fn drain_queue(&self, name: &str) -> Result<(), BrokerError> {
        check_name(name)?;
        let mut queues = self.lock();
        let q = queues.get_mut(name).ok_or(BrokerError::NotExist)?;
        q.drained += q.messages.len() as u64;
        q.messages.clear();
        Ok(())
    }

    pub fn put_message(&self, name: &str, body: &str) -> Result<Message, BrokerError> {
        check_name(name)?;
        let mut queues = self.lock();
        let q = queues.get_mut(name).ok_or(BrokerError::NotExist)?;
        let message = Message {
            id: self.ids.next_id(),
            body: body.to_string(),
            created: SystemTime::now(),
        };
        q.messages.push_back(message.clone());
        q.enqueued += 1;
        Ok(message)
    }

    /// Takes the oldest message; `EmptyQueue` is the HTTP 204 case.
    pub fn get_message(&self, name: &str) -> Result<Message, BrokerError> {
        check_name(name)?;
        let mut queues = self.lock();
        let q = queues.get_mut(name).ok_or(BrokerError::NotExist)?;
        let message = q.messages.pop_front().ok_or(BrokerError::EmptyQueue)?;
        q.dequeued += 1;
        Ok(message)
    }

    /// Counters of every queue, ordered by name (kuard's order is Go's random map order).
    pub fn stats(&self) -> Vec<QueueStat> {
        self.lock()
            .iter()
            .map(|(name, q)| QueueStat {
                name: name.clone(),
                depth: q.messages.len() as u64,
                enqueued: q.enqueued,
                dequeued: q.dequeued,
                drained: q.drained,
            })
            .collect()
    }
}

fn check_name(name: &str) -> Result<(), BrokerError> {
    if name.is_empty() {
        Err(BrokerError::EmptyName)
    } else {
        Ok(())
    }
}

/// Random 128-bit hex ids (kuard: 16 bytes from crypto/rand). std has no public RNG, but
/// `RandomState` is seeded from the OS per process; hashing a counter with it gives
/// unpredictable, non-repeating ids without opening /dev/urandom (absent in some sandboxes).
pub struct IdSource {
    state: RandomState,
    counter: AtomicU64,
}

impl Default for IdSource {
    fn default() -> Self {
        Self::new()
    }
}

impl IdSource {
    pub fn new() -> Self {
        IdSource {
            state: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }

    /// 16 random bytes.
    pub fn next_bytes(&self) -> [u8; 16] {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut out = [0u8; 16];
        for (i, half) in out.chunks_exact_mut(8).enumerate() {
            let mut h = self.state.build_hasher();
            h.write_u64(n);
            h.write_u64(i as u64);
            half.copy_from_slice(&h.finish().to_le_bytes());
        }
        out
    }

    pub fn next_id(&self) -> String {
        hex(&self.next_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::json_top_level_string;

    #[test]
    fn fifo_with_counters() {
        let b = Broker::new();
        b.create_queue("keygen").unwrap();
        for i in 0..3 {
            b.put_message("keygen", &format!("work-item-{i}")).unwrap();
        }
        assert_eq!(b.get_message("keygen").unwrap().body, "work-item-0");
        assert_eq!(b.get_message("keygen").unwrap().body, "work-item-1");
        assert_eq!(
            b.stats(),
            vec![QueueStat {
                name: "keygen".into(),
                depth: 1,
                enqueued: 3,
                dequeued: 2,
                drained: 0
            }]
        );
        assert_eq!(b.get_message("keygen").unwrap().body, "work-item-2");
        assert_eq!(b.get_message("keygen"), Err(BrokerError::EmptyQueue));
    }

    #[test]
    fn drain_counts_pending_messages() {
        let b = Broker::new();
        b.create_queue("q").unwrap();
        b.put_message("q", "a").unwrap();
        b.put_message("q", "b").unwrap();
        b.drain_queue("q").unwrap();
        let s = &b.stats()[0];
        assert_eq!((s.depth, s.enqueued, s.dequeued, s.drained), (0, 2, 0, 2));
        assert_eq!(b.get_message("q"), Err(BrokerError::EmptyQueue));
    }

    #[test]
    fn queue_lifecycle_errors() {
        let b = Broker::new();
        assert_eq!(b.get_message("nope"), Err(BrokerError::NotExist));
        assert_eq!(b.put_message("nope", "x"), Err(BrokerError::NotExist));
        assert_eq!(b.drain_queue("nope"), Err(BrokerError::NotExist));
        assert_eq!(b.delete_queue("nope"), Err(BrokerError::NotExist));
        assert_eq!(b.create_queue(""), Err(BrokerError::EmptyName));
        b.create_queue("q").unwrap();
        assert_eq!(b.create_queue("q"), Err(BrokerError::AlreadyExist));
        b.delete_queue("q").unwrap();
        assert!(b.stats().is_empty());
        assert_eq!(BrokerError::NotExist.to_string(), "does not exist");
    }

    #[test]
    fn stats_are_sorted_and_rendered_like_kuard() {
        let b = Broker::new();
        b.create_queue("z").unwrap();
        b.create_queue("a").unwrap();
        b.put_message("a", "x").unwrap();
        assert_eq!(
            stats_json(&b.stats()),
            "{\"kind\":\"stats\",\"queues\":[\
             {\"name\":\"a\",\"depth\":1,\"enqueued\":1,\"dequeued\":0,\"drained\":0},\
             {\"name\":\"z\",\"depth\":0,\"enqueued\":0,\"dequeued\":0,\"drained\":0}]}"
        );
        assert_eq!(stats_json(&[]), "{\"kind\":\"stats\",\"queues\":[]}");
    }

    #[test]
    fn message_json_round_trips() {
        let b = Broker::new();
        b.create_queue("q").unwrap();
        let m = b.put_message("q", "say \"hi\"").unwrap();
        let json = m.to_json();
        assert_eq!(
            json_top_level_string(&json, "kind").as_deref(),
            Some("message")
        );
        assert_eq!(
            json_top_level_string(&json, "body").as_deref(),
            Some("say \"hi\"")
        );
        assert_eq!(json_top_level_string(&json, "id"), Some(m.id.clone()));
        let ts = json_top_level_string(&json, "creationTimestamp").unwrap_or_default();
        assert!(ts.ends_with('Z') && ts.contains('T'), "{ts}");
    }

    #[test]
    fn ids_are_32_hex_chars_and_distinct() {
        let ids = IdSource::new();
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
