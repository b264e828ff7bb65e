//! The store's disk fails under a running engine: it fills up (a small tmpfs), or it goes
//! read-only (ext4 on a loop device, forced into its emergency read-only state as after
//! an I/O error). Writes are refused with the API server's InternalError Status naming
//! the cause and the database file, reads keep being served, a job that was running
//! keeps every result, and the database passes `PRAGMA integrity_check` afterwards.
//!
//! These tests mount file systems, so they run as root (as CI does); they fail, never
//! skip, without it.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Runs a system command and asserts it succeeded.
fn run(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file system mounted by the test; lazily unmounted when dropped (the engine may
/// still hold files on it while the test unwinds).
struct Mounted {
    point: PathBuf,
}

impl Mounted {
    /// Unmounts now (not lazily), asserting nothing holds the file system any more.
    fn unmount(self) {
        run("umount", &[self.point.to_str().unwrap()]);
        std::mem::forget(self);
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.point).status();
    }
}

fn mount_tmpfs(point: &Path, size: &str) -> Mounted {
    std::fs::create_dir_all(point).expect("mount point");
    run(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size}"),
            "tmpfs",
            point.to_str().unwrap(),
        ],
    );
    Mounted {
        point: point.to_path_buf(),
    }
}

/// Fills the file system holding `file` until the kernel says it is full.
fn fill(file: &Path) {
    let mut f = std::fs::File::create(file).expect("filler file");
    for chunk in [1 << 20, 4096, 512] {
        let block = vec![0u8; chunk];
        loop {
            match f.write_all(&block).and_then(|()| f.sync_all()) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling {}: {e}", file.display()),
            }
        }
    }
}

/// A Job of `completions` pods, one at a time, each sleeping `seconds` then succeeding.
fn serial_job(name: &str, completions: u32, seconds: u32) -> String {
    busybox_job(
        name,
        "",
        &format!("  completions: {completions}\n  parallelism: 1\n  backoffLimit: 0\n"),
        "Never",
        &format!("sleep {seconds}"),
    )
}

/// Waits until the job has a pod whose app container runs in Docker.
fn wait_running(e: &Engine, job: &str) {
    eventually(Duration::from_secs(60), "a running pod", || {
        let running = e
            .pods(job)
            .iter()
            .any(|p| p["status"]["phase"] == "Running");
        running.then_some(())
    });
}

/// Waits until every container of the test's namespace has exited (the running pod
/// finished while the disk was broken, and its sandbox was stopped).
fn wait_all_containers_exited(e: &Engine) {
    eventually(
        Duration::from_secs(60),
        "the pod's containers to exit",
        || {
            let all = docker_containers(&e.label(), false);
            let running = docker_containers(&e.label(), true);
            (!all.is_empty() && running.is_empty()).then_some(())
        },
    );
}

/// A write is refused: the CLI exits non-zero printing the API's InternalError, whose
/// message names the database file, and the raw API answers 500 with the Status.
fn assert_write_refused(e: &Engine, why: &[&str]) {
    let db = e.data_dir().join(dockjob::store::DB_FILE);
    let out = e.cli_stdin(&["apply", "-f", "-"], Some(&serial_job("late", 1, 0)));
    let err = stderr(&out);
    assert!(!out.status.success(), "apply succeeded on a broken disk");
    assert!(
        err.contains("Error from server (InternalError)")
            && err.contains("Internal error occurred: store: ")
            && err.contains(&format!("in {}", db.display()))
            && why.iter().any(|w| err.contains(w)),
        "unclear error: {err}"
    );
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"},
        "data": {"k": "v"}
    });
    let (code, answer) = http_unix(
        &e.socket,
        "POST",
        &format!("/api/v1/namespaces/{}/configmaps", e.namespace),
        Some(&body.to_string()),
    );
    assert_eq!(code, 500, "{answer}");
    let status: Value = serde_json::from_str(&answer).expect("a Status body");
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["status"], "Failure");
    assert_eq!(status["reason"], "InternalError");
    assert_eq!(status["code"], 500);
    let message = status["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Internal error occurred: store: "),
        "{message}"
    );
    assert_eq!(
        Some(message.trim_start_matches("Internal error occurred: ")),
        status["details"]["causes"][0]["message"].as_str()
    );
}

/// Reads still work while writes fail.
fn assert_reads_served(e: &Engine, job: &str) {
    let listed = e.ok(&["get", "jobs", "-A"]);
    assert!(listed.contains(job), "{listed}");
    let described = e.ok(&["describe", "job", job]);
    assert!(described.contains("Name:"), "{described}");
    assert_eq!(e.job(job)["metadata"]["name"], job);
    assert!(e.cli(&["get", "job", "late"]).status.code() != Some(0));
}

/// The job ends Complete with exactly `completions` succeeded pods, none failed.
fn assert_exact_result(e: &Engine, job: &str, completions: u64) {
    let done = e.wait_finished(job, Duration::from_secs(180));
    assert!(
        condition(&done, "Complete").is_some_and(|c| c["status"] == "True"),
        "{:#}",
        done["status"]
    );
    assert_eq!(done["status"]["succeeded"], completions);
    assert!(done["status"]["failed"].as_u64().unwrap_or(0) == 0);
    let pods = e.pods(job);
    let succeeded = pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Succeeded")
        .count();
    assert_eq!(pods.len() as u64, completions, "one pod per completion");
    assert_eq!(succeeded as u64, completions);
}

fn assert_integrity(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open the store");
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs");
    assert_eq!(result, "ok");
}

#[test]
fn a_full_disk_refuses_writes_serves_reads_and_recovers_without_a_restart() {
    let mut e = Engine::start();
    e.kill();
    let data = e.data_dir();
    std::fs::remove_dir_all(&data).expect("fresh data dir");
    let _mount = mount_tmpfs(&data, "16m");
    e.restart();

    e.apply(&serial_job("runner", 3, 3));
    wait_running(&e, "runner");
    let filler = data.join("filler");
    fill(&filler);

    assert_write_refused(&e, &["database or disk is full"]);
    assert_reads_served(&e, "runner");
    // The running pod ends while nothing can be written, and its sandbox stops: no
    // Docker event will come again for it, so only a retried write can record it.
    wait_all_containers_exited(&e);
    assert!(e.log().contains("writing pod status failed; retrying"));

    std::fs::remove_file(&filler).expect("free the space");
    assert_exact_result(&e, "runner", 3);
    assert_eq!(
        stdout(&e.cli_stdin(&["apply", "-f", "-"], Some(&serial_job("late", 1, 0)))),
        "job.batch/late created\n",
        "writes work again"
    );
    e.kill();
    assert_integrity(&data.join(dockjob::store::DB_FILE));
}

#[test]
fn a_disk_gone_read_only_refuses_writes_serves_reads_and_keeps_results() {
    let mut e = Engine::start();
    e.kill();
    let data = e.data_dir();
    std::fs::remove_dir_all(&data).expect("fresh data dir");
    std::fs::create_dir_all(&data).expect("mount point");
    let image = e.dir.path().join("disk.img");
    let image_s = image.to_str().unwrap().to_string();
    let data_s = data.to_str().unwrap().to_string();
    run("truncate", &["-s", "64M", &image_s]);
    run("mkfs.ext4", &["-q", "-F", &image_s]);
    run("mount", &["-o", "loop", &image_s, &data_s]);
    let mount = Mounted {
        point: data.clone(),
    };
    e.restart();

    e.apply(&serial_job("runner", 3, 3));
    wait_running(&e, "runner");
    // ext4's emergency read-only state, as after a disk error (errors=remount-ro). A
    // plain `remount,ro` is refused while the engine holds its database open for
    // writing, which is also why a disk only ever goes read-only under a live engine
    // this way.
    run("mount", &["-o", "remount,abort", &data_s]);

    assert_write_refused(&e, &["read-only", "failed a write"]);
    assert_reads_served(&e, "runner");
    wait_all_containers_exited(&e);

    // An aborted ext4 cannot go back to read-write while mounted: the operator stops
    // the engine, repairs and remounts the disk, and starts the engine again.
    e.kill();
    mount.unmount();
    // 0: clean, 1: errors corrected (the journal of the aborted mount replayed).
    let fsck = Command::new("e2fsck")
        .args(["-f", "-y", &image_s])
        .output()
        .expect("e2fsck runs");
    assert!(
        matches!(fsck.status.code(), Some(0) | Some(1)),
        "e2fsck could not repair the disk: {}",
        String::from_utf8_lossy(&fsck.stdout)
    );
    run("mount", &["-o", "loop", &image_s, &data_s]);
    let _mount = Mounted {
        point: data.clone(),
    };
    assert_integrity(&data.join(dockjob::store::DB_FILE));
    e.restart();
    assert_exact_result(&e, "runner", 3);
    e.kill();
    assert_integrity(&data.join(dockjob::store::DB_FILE));
}
