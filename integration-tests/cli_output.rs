//! `get`'s kubectl output options against a real engine: `-o jsonpath=` (on the List,
//! and on the object when one is named), `{range}`, `-o custom-columns=`,
//! `--show-labels`, `-L` and `--sort-by`.

mod common;

use std::time::Duration;

use common::*;

fn jobs(e: &Engine) {
    for (name, tier) in [("job-10", "back"), ("job-9", "front"), ("alpha", "")] {
        let labels = if tier.is_empty() {
            String::new()
        } else {
            format!("  labels:\n    tier: {tier}\n    app: queue\n")
        };
        e.apply(&busybox_job(name, &labels, "", "Never", "true"));
    }
    for name in ["job-10", "job-9", "alpha"] {
        e.wait_finished(name, Duration::from_secs(60));
    }
}

#[test]
fn output_options_on_jobs_and_pods() {
    let e = Engine::start();
    jobs(&e);

    // The seed's use: the first pod's name.
    let pods = e.pods("alpha");
    let pod = pods[0]["metadata"]["name"].as_str().unwrap_or_default();
    let first = e.ok(&[
        "get",
        "pods",
        "-a",
        "-l",
        "job-name=alpha",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    assert_eq!(first, pod);

    // One named object: the template sees the object itself.
    assert_eq!(
        e.ok(&["get", "job", "alpha", "-o", "jsonpath={.metadata.name}"]),
        "alpha"
    );

    let names = e.ok(&[
        "get",
        "jobs",
        "-a",
        "--sort-by=.metadata.name",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
    ]);
    assert_eq!(names, "alpha\njob-9\njob-10\n");

    let cc = e.ok(&[
        "get",
        "jobs",
        "-a",
        "--sort-by=.metadata.name",
        "-o",
        "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier",
    ]);
    assert_eq!(
        cc,
        "NAME     TIER\nalpha    <none>\njob-9    front\njob-10   back\n"
    );

    let table = e.ok(&[
        "get",
        "jobs",
        "-a",
        "--sort-by=.metadata.name",
        "--show-labels",
    ]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].ends_with("   LABELS"), "{table}");
    assert!(
        lines[1].starts_with("alpha ") && lines[1].contains("job-name=alpha"),
        "{table}"
    );
    assert!(
        lines[3].starts_with("job-10 ") && lines[3].ends_with("   app=queue,tier=back"),
        "{table}"
    );

    let table = e.ok(&[
        "get",
        "jobs",
        "-a",
        "--sort-by=.metadata.name",
        "-L",
        "tier,app",
        "--no-headers",
    ]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0].first(), Some(&"alpha"));
    assert_eq!(&rows[2][rows[2].len() - 2..], ["back", "queue"], "{table}");
    assert_eq!(&rows[1][rows[1].len() - 2..], ["front", "queue"], "{table}");

    // kubectl's errors.
    let out = e.cli(&["get", "jobs", "-a", "--sort-by=.metadata.nope"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "couldn't find any field with path \"{.metadata.nope}\" in the list of objects"
        ),
        "{}",
        stderr(&out)
    );
    let out = e.cli(&[
        "get",
        "job",
        "alpha",
        "--allow-missing-template-keys=false",
        "-o",
        "jsonpath={.nope}",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with("error: error executing jsonpath \"{.nope}\": Error executing template: nope is not found. Printing more information for debugging the template:\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(e.ok(&["get", "job", "alpha", "-o", "jsonpath={.nope}"]), "");
}
