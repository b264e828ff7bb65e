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

/// `get pods` is printed by the engine, as the API server prints for kubectl (a Table,
/// asked for with kubectl's Accept header): finished pods left out without `-a` (by a
/// phase field selector), every pod with it, the wide columns with `-o wide`.
#[test]
fn pods_are_printed_by_the_engine_as_kubectl_asks() {
    let e = Engine::start();
    e.apply(&busybox_job("done", "", "", "Never", "true"));
    e.apply(&busybox_job("live", "", "", "Never", "sleep 300"));
    e.wait_finished("done", Duration::from_secs(60));
    let live = eventually(Duration::from_secs(60), "the live pod running", || {
        let pods = e.pods("live");
        let running = pods
            .first()
            .is_some_and(|p| p["status"]["phase"] == "Running");
        running.then(|| pods[0]["metadata"]["name"].as_str().unwrap().to_string())
    });
    let done = e.pods("done")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();

    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let path = format!("/api/v1/namespaces/{}/pods", e.namespace);
    let (code, body) = http_unix_with(&e.socket, "GET", &path, &[("Accept", accept)], None);
    assert_eq!(code, 200, "{body}");
    let table: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(table["kind"], "Table", "{table:#}");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(table["columnDefinitions"][0]["name"], "Name");
    assert_eq!(table["rows"].as_array().unwrap().len(), 2, "{table:#}");
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    // includeObject=None (what the CLI asks for when it prints no namespace or
    // labels): the same cells, no objects; an unknown policy is refused.
    let bare_path = format!("{path}?includeObject=None");
    let (code, body) = http_unix_with(&e.socket, "GET", &bare_path, &[("Accept", accept)], None);
    assert_eq!(code, 200, "{body}");
    let bare: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(bare["rows"].as_array().unwrap().len(), 2, "{bare:#}");
    assert_eq!(bare["rows"][0]["cells"], table["rows"][0]["cells"]);
    assert!(bare["rows"][0].get("object").is_none(), "{bare:#}");
    let bogus = format!("{path}?includeObject=Everything");
    let (code, body) = http_unix_with(&e.socket, "GET", &bogus, &[("Accept", accept)], None);
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("Unsupported value"), "{body}");
    // Without the Accept header: the plain list, as before.
    let (_, body) = http_unix(&e.socket, "GET", &path, None);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["kind"], "PodList");

    let out = e.ok(&["get", "pods"]);
    assert!(out.starts_with("NAME "), "{out}");
    assert!(out.contains(&live) && out.contains("Running"), "{out}");
    assert!(!out.contains(&done), "a finished pod without -a: {out}");
    let all = e.ok(&["get", "pods", "-a", "--show-labels"]);
    let line = all
        .lines()
        .find(|l| l.starts_with(&done))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(
        line.contains("Completed") && line.contains("job-name=done"),
        "{all}"
    );
    // -A prints each row's namespace, read from the rows' metadata.
    let every = e.ok(&["get", "pods", "-a", "-A"]);
    let line = every
        .lines()
        .find(|l| l.contains(&done))
        .unwrap_or_else(|| panic!("{every}"));
    assert!(line.starts_with(&format!("{} ", e.namespace)), "{every}");
    let wide = e.ok(&["get", "pods", "-a", "-o", "wide"]);
    let header: Vec<&str> = wide.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    e.ok(&["delete", "job", "live", "done"]);
}
