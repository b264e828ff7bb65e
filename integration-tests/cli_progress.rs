//! `apply --wait` and status colours as a script sees them (stdout and stderr piped,
//! so no terminal): one plain line per Job when it ends, a non-zero exit naming the
//! reason when a Job failed, and tables without escape codes.

mod common;

use common::*;

#[test]
fn apply_wait_prints_plain_lines_and_exits_zero_when_the_job_completes() {
    let e = Engine::start();
    let yaml = busybox_job("twice", "", "  completions: 2\n", "Never", "true");
    let out = e.cli_stdin(
        &["apply", "-f", "-", "--wait", "--timeout=120s"],
        Some(&yaml),
    );
    assert!(
        out.status.success(),
        "{}\n{}",
        stderr(&out),
        tail(&e.log(), 30)
    );
    assert_eq!(
        stdout(&out),
        "job.batch/twice created\njob.batch/twice complete\n"
    );
    // Not a terminal: no progress bar drawn on stderr either.
    assert_eq!(stderr(&out), "");
    assert_eq!(e.job("twice")["status"]["succeeded"], 2);

    // Piped `get jobs -a` (finished Jobs are hidden without -a): no colour codes even
    // for a coloured status.
    let table = e.ok(&["get", "jobs", "-a"]);
    assert!(table.contains("Complete"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table:?}");
}

#[test]
fn apply_wait_exits_non_zero_naming_the_reason_when_the_job_fails() {
    let e = Engine::start();
    let yaml = busybox_job("doomed", "", "  backoffLimit: 0\n", "Never", "exit 3");
    let out = e.cli_stdin(
        &["apply", "-f", "-", "--wait", "--timeout=120s"],
        Some(&yaml),
    );
    assert!(!out.status.success(), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "job.batch/doomed created\njob.batch/doomed failed: BackoffLimitExceeded: Job has reached the specified backoff limit\n"
    );
    let table = e.ok(&["get", "jobs", "-a"]);
    assert!(table.contains("Failed"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table:?}");
}
