//! The keygen workload: kuard's stand-in for "generate RSA keys". Each item is a fixed
//! amount of CPU work (iterated SHA-256), so every key costs about the same, ~50-100 ms on a
//! typical core; items come from a counter (`--keygen-num-to-gen`, `--keygen-time-to-run`)
//! or from a MemQ queue (`--keygen-memq-server`).
//!
//! Owns the loops and their log lines; it must not exit the process (main does, with
//! `--keygen-exit-code`) and gets its I/O (logging, dequeue, sleep) injected for tests.

use std::time::{Duration, Instant};

use crate::client::{ClientError, Dequeued};
use crate::encoding::base64_raw_std;
use crate::flags::KeygenConfig;
use crate::memq::IdSource;
use crate::sha256;

/// SHA-256 rounds per key. Calibrated so one key takes ~70 ms in a release build on the
/// 2-core CI machine; deterministic, unlike real RSA generation.
pub const WORK_ROUNDS: u32 = 250_000;

/// How long a MemQ consumer waits after an error or (without exit-on-complete) an empty
/// queue, as kuard does.
pub const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Performs one item of work from `seed` and returns kuard's fingerprint form
/// `SHA256:<base64 without padding>`.
pub fn generate_key(seed: &[u8], rounds: u32) -> String {
    let mut state = sha256::digest(seed);
    for _ in 0..rounds {
        state = sha256::digest(&state);
    }
    format!("SHA256:{}", base64_raw_std(&state))
}

/// The part of kuard's log line in parentheses: `ID 0 3/10`, `ID 0 3/Inf`, with
/// `4 seconds left` when a time limit is set.
pub fn progress(generated: u64, num_to_gen: i64, left: Option<Duration>) -> String {
    let count = if num_to_gen > 0 {
        format!("{generated}/{num_to_gen}")
    } else {
        format!("{generated}/Inf")
    };
    match left {
        Some(d) => format!("ID 0 {count} {}", rel_time(d)),
        None => format!("ID 0 {count}"),
    }
}

/// go-humanize's `RelTime(now, end, "left", ...)`, in the units kuard shows.
fn rel_time(left: Duration) -> String {
    let s = left.as_secs();
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit} left")
        } else {
            format!("{n} {unit}s left")
        }
    };
    match s {
        0 => "now".to_string(),
        1..=59 => plural(s, "second"),
        60..=3599 => plural(s / 60, "minute"),
        3600..=86_399 => plural(s / 3600, "hour"),
        _ => plural(s / 86_400, "day"),
    }
}

/// Source of per-item seeds: random per process, so parallel pods print different keys.
#[derive(Default)]
pub struct Seeds(IdSource);

impl Seeds {
    pub fn next_seed(&self) -> [u8; 16] {
        self.0.next_bytes()
    }
}

/// Runs the counted workload until `num_to_gen` keys are made or `time_to_run` passes
/// (either 0 = unlimited). Returns the number of keys generated.
pub fn run_counted(
    cfg: &KeygenConfig,
    rounds: u32,
    seeds: &Seeds,
    log: &mut dyn FnMut(String),
) -> u64 {
    let start = Instant::now();
    let deadline =
        (cfg.time_to_run > 0).then(|| start + Duration::from_secs(cfg.time_to_run.unsigned_abs()));
    let mut generated: u64 = 0;
    loop {
        if cfg.num_to_gen > 0 && generated >= cfg.num_to_gen.unsigned_abs() {
            break;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let key = generate_key(&seeds.next_seed(), rounds);
        generated += 1;
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        log(format!(
            "({}) Item done: {key}",
            progress(generated, cfg.num_to_gen, left)
        ));
    }
    log("(ID 0) Workload exiting".to_string());
    generated
}

/// Runs the MemQ consumer: one key per dequeued item. Errors are logged and retried after
/// [`RETRY_DELAY`]. On an empty queue it returns when `exit_on_complete` is set (the caller
/// exits with the exit code); otherwise it waits and polls again, forever, as kuard does.
/// Returns the number of items processed.
pub fn run_memq(
    cfg: &KeygenConfig,
    rounds: u32,
    seeds: &Seeds,
    dequeue: &mut dyn FnMut() -> Result<Dequeued, ClientError>,
    sleep: &mut dyn FnMut(Duration),
    log: &mut dyn FnMut(String),
) -> u64 {
    log(format!(
        "MemQ Worker starting (server {}, queue {})",
        cfg.memq_server, cfg.memq_queue
    ));
    let mut processed: u64 = 0;
    loop {
        match dequeue() {
            Err(e) => {
                log(format!("Error talking to server: {e}. Retrying after 1s."));
                sleep(RETRY_DELAY);
            }
            Ok(Dequeued::Empty) => {
                if cfg.exit_on_complete {
                    log(format!(
                        "Queue is empty. Processed {processed} items. Exiting with code {}.",
                        cfg.exit_code
                    ));
                    return processed;
                }
                log("Queue is empty. Retrying after 1s.".to_string());
                sleep(RETRY_DELAY);
            }
            Ok(Dequeued::Item { id, body }) => {
                let key = generate_key(&seeds.next_seed(), rounds);
                processed += 1;
                log(format!(
                    "({}) Item done: {key} (message {id}: {body})",
                    progress(processed, 0, None)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> KeygenConfig {
        KeygenConfig {
            enable: true,
            ..KeygenConfig::default()
        }
    }

    #[test]
    fn key_is_deterministic_per_seed_and_work_matters() {
        let a = generate_key(b"seed", 10);
        assert_eq!(a, generate_key(b"seed", 10));
        assert_ne!(a, generate_key(b"seed", 11));
        assert_ne!(a, generate_key(b"other", 10));
        assert!(a.starts_with("SHA256:"));
        // 32 bytes in unpadded base64 are 43 characters.
        assert_eq!(a.len(), "SHA256:".len() + 43);
        // Zero rounds is a single hash of the seed.
        assert_eq!(
            generate_key(b"abc", 0),
            format!("SHA256:{}", base64_raw_std(&sha256::digest(b"abc")))
        );
    }

    #[test]
    fn progress_labels() {
        assert_eq!(progress(1, 10, None), "ID 0 1/10");
        assert_eq!(progress(4, 0, None), "ID 0 4/Inf");
        assert_eq!(progress(4, -3, None), "ID 0 4/Inf");
        assert_eq!(
            progress(2, 0, Some(Duration::from_secs(9))),
            "ID 0 2/Inf 9 seconds left"
        );
        assert_eq!(rel_time(Duration::from_millis(400)), "now");
        assert_eq!(rel_time(Duration::from_secs(1)), "1 second left");
        assert_eq!(rel_time(Duration::from_secs(150)), "2 minutes left");
        assert_eq!(rel_time(Duration::from_secs(3600)), "1 hour left");
    }

    #[test]
    fn counted_run_stops_at_num_to_gen() {
        let mut lines = Vec::new();
        let c = KeygenConfig {
            num_to_gen: 3,
            ..cfg()
        };
        let n = run_counted(&c, 1, &Seeds::default(), &mut |l| lines.push(l));
        assert_eq!(n, 3);
        assert_eq!(lines.len(), 4);
        assert!(
            lines[0].starts_with("(ID 0 1/3) Item done: SHA256:"),
            "{}",
            lines[0]
        );
        assert!(lines[2].starts_with("(ID 0 3/3) Item done: SHA256:"));
        assert_eq!(lines[3], "(ID 0) Workload exiting");
        // Random seeds: two items do not print the same key.
        assert_ne!(lines[0][20..], lines[1][20..]);
    }

    #[test]
    fn counted_run_stops_at_time_to_run() {
        let c = KeygenConfig {
            time_to_run: 1,
            ..cfg()
        };
        let started = Instant::now();
        let mut count = 0;
        let n = run_counted(&c, 2_000, &Seeds::default(), &mut |_| count += 1);
        let took = started.elapsed();
        assert!(n >= 1, "at least one key before the deadline");
        assert_eq!(count as u64, n + 1);
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_secs(5),
            "{took:?}"
        );
    }

    #[test]
    fn memq_run_retries_errors_and_exits_on_empty() {
        let mut script = vec![
            Err(ClientError::Connect(
                "queue:8080".into(),
                std::io::Error::other("refused"),
            )),
            Ok(Dequeued::Item {
                id: "a".into(),
                body: "work-item-0".into(),
            }),
            Ok(Dequeued::Item {
                id: "b".into(),
                body: "work-item-1".into(),
            }),
            Ok(Dequeued::Empty),
        ]
        .into_iter();
        let mut sleeps = Vec::new();
        let mut lines = Vec::new();
        let c = KeygenConfig {
            exit_on_complete: true,
            exit_code: 3,
            memq_server: "http://queue:8080/memq/server".into(),
            memq_queue: "keygen".into(),
            ..cfg()
        };
        let n = run_memq(
            &c,
            1,
            &Seeds::default(),
            &mut || script.next().unwrap_or(Ok(Dequeued::Empty)),
            &mut |d| sleeps.push(d),
            &mut |l| lines.push(l),
        );
        assert_eq!(n, 2);
        assert_eq!(sleeps, vec![RETRY_DELAY]);
        assert!(lines[1].contains("Error talking to server"), "{lines:?}");
        assert!(lines[2].contains("(ID 0 1/Inf) Item done: SHA256:"));
        assert!(lines[3].contains("work-item-1"));
        assert!(lines[4].contains("Exiting with code 3"), "{lines:?}");
    }

    #[test]
    fn memq_without_exit_on_complete_keeps_polling() {
        let mut polls = 0;
        let mut sleeps = 0;
        let c = cfg();
        // Without exit-on-complete the loop never returns on an empty queue; the fake
        // dequeue panics after three polls to end it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_memq(
                &c,
                1,
                &Seeds::default(),
                &mut || {
                    polls += 1;
                    if polls > 3 {
                        panic!("stop");
                    }
                    Ok(Dequeued::Empty)
                },
                &mut |_| sleeps += 1,
                &mut |_| {},
            )
        }));
        assert!(result.is_err(), "the loop only ends by the test's stop");
        assert_eq!(sleeps, 3);
    }
}
