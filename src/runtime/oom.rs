//! Which containers the kernel's OOM killer hit, learned from Docker's `oom` events and
//! from the kernel's own log.
//!
//! Why: Docker 20.10 sets `State.OOMKilled` only when containerd's OOM event reaches it
//! before the container's exit. Under load the two race: the OOM event lands after the
//! exit (Docker still emits an `oom` event, but the inspect says `OOMKilled: false` for
//! good) or is dropped altogether (the task is gone by then). Measured here: 2 of 30
//! containers OOM-killed side by side on a loaded host inspected `OOMKilled: false`, one
//! with an `oom` event 100 ms after its `die`, one with none. The kernel writes its
//! `oom-kill:... task_memcg=/docker/<id>` line before the kill, so with the kernel log
//! readable (root, as dockerd's own host) no OOM kill is missed; without it Docker's
//! events still catch the late ones. A container is OOMKilled, as the kubelet says it,
//! when its run ended after an OOM kill in its cgroup, whatever its exit code.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum};

/// How many containers to remember; the oldest notes go first (the kernel log names
/// every container of the host, not only ours).
const REMEMBERED: usize = 4096;

/// Container id -> when we learned the OOM killer hit it.
#[derive(Debug, Default)]
pub struct OomLog {
    noted: Mutex<HashMap<String, jiff::Timestamp>>,
}

impl OomLog {
    /// A new log that also hears the kernel's OOM kills (when the kernel log is readable).
    pub fn with_kernel_log() -> Arc<OomLog> {
        let log = Arc::new(OomLog::default());
        kernel::listen(&log);
        log
    }

    /// Notes an OOM kill in container `id` (a full Docker id), learned at `at`.
    pub fn note(&self, id: &str, at: jiff::Timestamp) {
        let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        if noted.len() >= REMEMBERED
            && !noted.contains_key(id)
            && let Some(oldest) = noted
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
        {
            noted.remove(&oldest);
        }
        let entry = noted.entry(id.to_string()).or_insert(at);
        *entry = (*entry).max(at);
    }

    /// Forgets a removed container.
    pub fn forget(&self, id: &str) {
        self.noted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// Marks the inspect of a container that is no longer running `OOMKilled` when an
    /// OOM kill was noted during its last run (noted after that run started), as Docker
    /// would have had it learned of the kill in time.
    pub fn apply(&self, inspect: &mut ContainerInspectResponse) {
        let Some(id) = inspect.id.as_deref() else {
            return;
        };
        let Some(noted) = self
            .noted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .copied()
        else {
            return;
        };
        let Some(state) = inspect.state.as_mut() else {
            return;
        };
        let ended = matches!(
            state.status,
            Some(
                ContainerStateStatusEnum::EXITED
                    | ContainerStateStatusEnum::RESTARTING
                    | ContainerStateStatusEnum::DEAD
            )
        );
        // A container on its first run has no earlier run an OOM kill could belong to.
        // Its start time does not bound the kill: Docker stamps StartedAt after the task
        // runs, and a process that blows its limit at once is killed (and the kernel's
        // line read) before that stamp. A restarted container's kill must come after
        // its last start.
        let first_run = inspect.restart_count.unwrap_or(0) == 0;
        let started: Option<jiff::Timestamp> =
            state.started_at.as_deref().and_then(|s| s.parse().ok());
        let this_run = first_run || started.is_some_and(|s| noted >= s);
        if ended && state.oom_killed != Some(true) && this_run {
            tracing::info!(
                container = id,
                "OOM kill missing from Docker's inspect, known from its oom event or the kernel log"
            );
            state.oom_killed = Some(true);
        }
    }
}

/// The container id (64 hex digits) the kernel's OOM-kill log line names, from the
/// killed task's memory cgroup: `/docker/<id>` (cgroupfs driver) or
/// `/system.slice/docker-<id>.scope` (systemd driver). Kernels before 4.19 wrote
/// `Task in /docker/<id> killed as a result of limit of ...` instead.
pub fn container_of_kernel_line(line: &str) -> Option<&str> {
    let path = if let Some(at) = line.find("task_memcg=") {
        let rest = &line[at + "task_memcg=".len()..];
        &rest[..rest.find(',').unwrap_or(rest.len())]
    } else if let Some(at) = line.find("Task in ") {
        let rest = &line[at + "Task in ".len()..];
        &rest[..rest.find(' ').unwrap_or(rest.len())]
    } else {
        return None;
    };
    let last = path.rsplit('/').next()?;
    let last = last.strip_prefix("docker-").unwrap_or(last);
    let last = last.strip_suffix(".scope").unwrap_or(last);
    (last.len() == 64 && last.bytes().all(|b| b.is_ascii_hexdigit())).then_some(last)
}

/// The one reader of `/dev/kmsg` in the process, passing each OOM kill to every live
/// [`OomLog`].
mod kernel {
    use super::*;

    fn listeners() -> &'static Mutex<Vec<Weak<OomLog>>> {
        static LISTENERS: OnceLock<Mutex<Vec<Weak<OomLog>>>> = OnceLock::new();
        LISTENERS.get_or_init(|| {
            // Started once, on first use; it blocks in read() between messages (no polling).
            match std::fs::File::open("/dev/kmsg") {
                Ok(file) => {
                    let spawned = std::thread::Builder::new()
                        .name("dockjob-kmsg".into())
                        .spawn(move || read(file));
                    if let Err(e) = spawned {
                        tracing::warn!(error = %e, "cannot start the kernel log reader");
                    }
                }
                Err(e) => tracing::info!(
                    error = %e,
                    "the kernel log (/dev/kmsg) is not readable: OOM kills are known from Docker alone"
                ),
            }
            Mutex::new(Vec::new())
        })
    }

    pub(super) fn listen(log: &Arc<OomLog>) {
        listeners()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::downgrade(log));
    }

    /// Reads `/dev/kmsg` from its end: one record per read, `prio,seq,usec,flags;text`.
    fn read(mut file: std::fs::File) {
        if let Err(e) = file.seek(SeekFrom::End(0)) {
            tracing::warn!(error = %e, "cannot seek the kernel log: OOM kills are known from Docker alone");
            return;
        }
        let mut buf = vec![0u8; 8192];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    let record = String::from_utf8_lossy(&buf[..n]);
                    let text = record.split_once(';').map_or(&*record, |(_, t)| t);
                    if let Some(id) = container_of_kernel_line(text) {
                        let now = jiff::Timestamp::now();
                        let mut all = listeners().lock().unwrap_or_else(|p| p.into_inner());
                        all.retain(|l| match l.upgrade() {
                            Some(log) => {
                                log.note(id, now);
                                true
                            }
                            None => false,
                        });
                    }
                }
                // Records overwritten before we read them: go on with the next.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the kernel log stopped: OOM kills are known from Docker alone");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::ContainerState;

    const ID: &str = "25e0bb467bf012823548cb4acc06c7507177d77e9f73080a1b3a7c4b2020b351";

    #[test]
    fn the_kernel_line_names_the_container_by_its_memory_cgroup() {
        let cgroupfs = format!(
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset={ID},mems_allowed=0,oom_memcg=/docker/{ID},task_memcg=/docker/{ID},task=sh,pid=17898,uid=0"
        );
        assert_eq!(container_of_kernel_line(&cgroupfs), Some(ID));
        let systemd = format!(
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/docker-{ID}.scope,task_memcg=/system.slice/docker-{ID}.scope,task=sh,pid=1,uid=0"
        );
        assert_eq!(container_of_kernel_line(&systemd), Some(ID));
        let old = format!("Task in /docker/{ID} killed as a result of limit of /docker/{ID}");
        assert_eq!(container_of_kernel_line(&old), Some(ID));
    }

    #[test]
    fn other_kernel_lines_name_no_container() {
        for line in [
            "Memory cgroup out of memory: Killed process 17898 (sh) total-vm:1kB",
            "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task_memcg=/user.slice,task=x,pid=1,uid=0",
            "oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/docker/abc,task=x",
            "eth0: link up",
        ] {
            assert_eq!(container_of_kernel_line(line), None, "{line}");
        }
    }

    fn exited(started_at: &str, status: ContainerStateStatusEnum) -> ContainerInspectResponse {
        ContainerInspectResponse {
            id: Some(ID.to_string()),
            state: Some(ContainerState {
                status: Some(status),
                exit_code: Some(137),
                oom_killed: Some(false),
                started_at: Some(started_at.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn oom_killed(i: &ContainerInspectResponse) -> Option<bool> {
        i.state.as_ref().and_then(|s| s.oom_killed)
    }

    #[test]
    fn an_oom_noted_during_the_last_run_marks_the_ended_container() {
        let log = OomLog::default();
        log.note(ID, ts("2026-01-01T00:00:05Z"));
        for status in [
            ContainerStateStatusEnum::EXITED,
            ContainerStateStatusEnum::RESTARTING,
        ] {
            let mut i = exited("2026-01-01T00:00:04Z", status);
            log.apply(&mut i);
            assert_eq!(oom_killed(&i), Some(true), "{status:?}");
        }
    }

    /// A process that blows its limit at once is killed before Docker stamps StartedAt:
    /// on a container's first run, the kill noted "before" its start is still its own.
    #[test]
    fn an_oom_noted_before_the_first_runs_start_stamp_marks_it() {
        let log = OomLog::default();
        log.note(ID, ts("2026-01-01T00:00:03.990Z"));
        let mut i = exited("2026-01-01T00:00:04Z", ContainerStateStatusEnum::EXITED);
        log.apply(&mut i);
        assert_eq!(oom_killed(&i), Some(true));
    }

    #[test]
    fn an_oom_of_an_earlier_run_or_a_running_container_or_another_container_changes_nothing() {
        let log = OomLog::default();
        log.note(ID, ts("2026-01-01T00:00:05Z"));
        let mut restarted = exited("2026-01-01T00:00:06Z", ContainerStateStatusEnum::EXITED);
        restarted.restart_count = Some(1);
        log.apply(&mut restarted);
        assert_eq!(oom_killed(&restarted), Some(false));
        let mut running = exited("2026-01-01T00:00:04Z", ContainerStateStatusEnum::RUNNING);
        log.apply(&mut running);
        assert_eq!(oom_killed(&running), Some(false));
        let mut other = exited("2026-01-01T00:00:04Z", ContainerStateStatusEnum::EXITED);
        other.id = Some("f".repeat(64));
        log.apply(&mut other);
        assert_eq!(oom_killed(&other), Some(false));
        log.forget(ID);
        let mut forgotten = exited("2026-01-01T00:00:04Z", ContainerStateStatusEnum::EXITED);
        log.apply(&mut forgotten);
        assert_eq!(oom_killed(&forgotten), Some(false));
    }

    #[test]
    fn the_log_keeps_a_bounded_number_of_containers_dropping_the_oldest() {
        let log = OomLog::default();
        let base = ts("2026-01-01T00:00:00Z");
        for n in 0..=REMEMBERED {
            let at = base + jiff::SignedDuration::from_secs(n as i64);
            log.note(&format!("{n:064x}"), at);
        }
        let noted = log.noted.lock().unwrap();
        assert_eq!(noted.len(), REMEMBERED);
        assert!(!noted.contains_key(&format!("{:064x}", 0)));
        assert!(noted.contains_key(&format!("{REMEMBERED:064x}")));
    }
}
