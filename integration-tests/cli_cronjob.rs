//! The CronJob verbs as a user types them, against a real engine and Docker: `get
//! cronjobs` (plain, wide, `-w`), `describe cronjob`, and `create job --from=cronjob/X`
//! with kubectl's errors. The CronJob's schedule is far away (New Year's midnight), so
//! no scheduled job interferes; the one job that runs is the manual one.

mod common;

use std::ops::Not;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

fn cronjob(suspend: bool) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  labels:
    app: report
spec:
  schedule: "0 0 1 1 *"
  timeZone: Europe/Paris
  suspend: {suspend}
  jobTemplate:
    metadata:
      labels:
        app: report
      annotations:
        team: ops
    spec:
      backoffLimit: 1
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: {BUSYBOX}
            command: ["sh", "-c", "echo manual run"]
"#
    )
}

/// A table line's cells: kubectl separates columns by at least three spaces and no cell
/// here holds two spaces in a row.
fn cells(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// `Key:  value` lines of `describe`, with the value trimmed.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(str::trim)
}

#[test]
fn get_describe_and_create_job_from_a_cronjob() {
    let e = Engine::start();
    assert_eq!(e.apply(&cronjob(false)), "cronjob.batch/report created\n");

    let table = e.ok(&["get", "cronjobs"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert_eq!(
        cells(lines[0]),
        [
            "NAME",
            "SCHEDULE",
            "TIMEZONE",
            "SUSPEND",
            "ACTIVE",
            "LAST SCHEDULE",
            "AGE"
        ],
        "{table}"
    );
    let row = cells(lines[1]);
    assert_eq!(
        row[..6],
        [
            "report",
            "0 0 1 1 *",
            "Europe/Paris",
            "False",
            "0",
            "<none>"
        ],
        "{table}"
    );
    assert!(row[6].ends_with('s'), "a fresh age: {table}");

    let wide = e.ok(&["get", "cj", "report", "-o", "wide"]);
    let wide_lines: Vec<&str> = wide.lines().collect();
    assert_eq!(
        cells(wide_lines[0])[7..],
        ["CONTAINERS", "IMAGES", "SELECTOR"],
        "{wide}"
    );
    assert_eq!(
        cells(wide_lines[1])[7..],
        ["main", BUSYBOX, "<none>"],
        "{wide}"
    );

    let text = e.ok(&["describe", "cronjob", "report"]);
    assert_eq!(field(&text, "Name"), Some("report"), "{text}");
    assert_eq!(field(&text, "Namespace"), Some(e.namespace.as_str()));
    assert_eq!(field(&text, "Labels"), Some("app=report"), "{text}");
    assert_eq!(field(&text, "Schedule"), Some("0 0 1 1 *"), "{text}");
    assert_eq!(field(&text, "Concurrency Policy"), Some("Allow"), "{text}");
    assert_eq!(field(&text, "Suspend"), Some("False"), "{text}");
    assert_eq!(
        field(&text, "Successful Job History Limit"),
        Some("3"),
        "{text}"
    );
    assert_eq!(
        field(&text, "Failed Job History Limit"),
        Some("1"),
        "{text}"
    );
    assert_eq!(
        field(&text, "Starting Deadline Seconds"),
        Some("<unset>"),
        "{text}"
    );
    assert_eq!(
        field(&text, "Last Schedule Time"),
        Some("<unset>"),
        "{text}"
    );
    assert_eq!(field(&text, "Active Jobs"), Some("<none>"), "{text}");
    assert!(text.contains("Pod Template:\n"), "{text}");
    assert!(text.contains("    Image:  "), "{text}");

    // kubectl's errors: the server's NotFound as is, bad flags refused before asking.
    let missing = e.cli(&["create", "job", "other", "--from=cronjob/missing"]);
    assert!(!missing.status.success());
    assert_eq!(
        stderr(&missing),
        "Error from server (NotFound): cronjobs.batch \"missing\" not found\n"
    );
    let neither = e.cli(&["create", "job", "x"]);
    assert!(!neither.status.success());
    assert_eq!(
        stderr(&neither),
        "error: either --image or --from must be specified\n"
    );
    let both = e.cli(&["create", "job", "x", "--from=cronjob/report", "--", "date"]);
    assert!(!both.status.success());
    assert_eq!(stderr(&both), "error: cannot specify --from and command\n");
}

#[test]
fn create_job_from_a_cronjob_runs_its_template() {
    let e = Engine::start();
    e.apply(&cronjob(false));
    let created = e.ok(&["create", "job", "manual", "--from=cronjob/report"]);
    assert_eq!(created, "job.batch/manual created\n");
    let job = e.wait_finished("manual", Duration::from_secs(60));
    assert_eq!(
        condition(&job, "Complete").map(|c| c["status"].clone()),
        Some("True".into()),
        "{job:#}"
    );
    let cj = e.json(&["get", "cronjob", "report"]);
    let meta = &job["metadata"];
    assert_eq!(
        meta["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(meta["annotations"]["team"], "ops");
    assert_eq!(meta["labels"]["app"], "report");
    assert_eq!(meta["ownerReferences"][0]["kind"], "CronJob");
    assert_eq!(meta["ownerReferences"][0]["name"], "report");
    assert_eq!(meta["ownerReferences"][0]["uid"], cj["metadata"]["uid"]);
    assert_eq!(e.ok(&["logs", "job/manual"]), "manual run\n");
    // Deleting the CronJob deletes the job it owns.
    e.ok(&["delete", "cronjob", "report"]);
    assert!(e.cli(&["get", "job", "manual"]).status.success().not());
}

#[test]
fn create_job_from_an_image() {
    let e = Engine::start();
    // The harness appends its flags, which would land after `--`: put them first.
    let out = Command::new(bin())
        .arg("--socket")
        .arg(&e.socket)
        .args(["-n", &e.namespace, "--no-autostart"])
        .args(["create", "job", "hello", &format!("--image={BUSYBOX}")])
        .args(["--", "sh", "-c", "echo from image"])
        .output()
        .expect("cli runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let created = String::from_utf8_lossy(&out.stdout);
    assert_eq!(created, "job.batch/hello created\n");
    let job = e.wait_finished("hello", Duration::from_secs(60));
    assert!(condition(&job, "Complete").is_some(), "{job:#}");
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["name"],
        "hello"
    );
    assert_eq!(e.ok(&["logs", "job/hello"]), "from image\n");
    let again = e.cli(&["create", "job", "hello", &format!("--image={BUSYBOX}")]);
    assert!(!again.status.success());
    assert_eq!(
        stderr(&again),
        "error: failed to create job: jobs.batch \"hello\" already exists\n"
    );
}

#[test]
fn get_cronjobs_watch_shows_a_suspension() {
    let e = Engine::start();
    e.apply(&cronjob(false));
    let (mut watcher, lines) = e.spawn_cli_lines(&["get", "cronjobs", "-w"]);
    let mut seen: Vec<String> = Vec::new();
    let mut applied = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline
        && !seen
            .iter()
            .skip(2)
            .any(|l| cells(l).get(3).map(String::as_str) == Some("True"))
    {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
        if seen.len() >= 2 && !applied {
            e.apply(&cronjob(true));
            applied = true;
        }
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    let all = seen.join("\n");
    assert!(
        seen.first().is_some_and(|l| l.starts_with("NAME ")),
        "{all}"
    );
    assert_eq!(
        cells(&seen[1])[..4],
        ["report", "0 0 1 1 *", "Europe/Paris", "False"],
        "{all}"
    );
    assert!(
        seen[2..].iter().any(|l| cells(l).get(..4)
            == Some(&["report", "0 0 1 1 *", "Europe/Paris", "True"].map(String::from)[..])),
        "{all}"
    );
}
