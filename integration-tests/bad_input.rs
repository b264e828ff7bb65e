//! Bad input against one real engine: every manifest of `integration-tests/bad-manifests/`
//! (plus the cases too big or too binary to keep in the repository, generated here)
//! must make `dockjob apply -f FILE` exit 1 (not crash, not hang) with an error that
//! names the file, the line and the field, and leave nothing applied. Also: the API's
//! request size limit answered as Kubernetes answers it, and a bad `-l` selector.
//!
//! A corpus file starts with a `# <what it is>` comment and carries one or more
//! `# expect: <fragment>` lines: fragments stderr must contain, `{file}` standing for
//! the path given to `-f`. Adding a case is adding a file.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// Where the checked-in corpus lives.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("integration-tests/bad-manifests")
}

/// One bad input: the file to apply and what stderr must say.
struct Case {
    path: PathBuf,
    expects: Vec<String>,
}

/// The checked-in corpus, in name order. Every file must describe itself and expect
/// something, so a case cannot pass vacuously.
fn checked_in() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "the corpus lost files: {paths:?}");
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("corpus file");
            if bytes.is_empty() {
                // The one case that cannot carry a comment.
                return Case {
                    path,
                    expects: vec!["no objects passed to apply".into()],
                };
            }
            let text = String::from_utf8(bytes).expect("checked-in cases are UTF-8");
            assert!(
                text.starts_with("# "),
                "{}: the first line must say what the case is",
                path.display()
            );
            let shown = path.display().to_string();
            let expects: Vec<String> = text
                .lines()
                .filter_map(|l| l.strip_prefix("# expect: "))
                .map(|f| f.replace("{file}", &shown))
                .collect();
            assert!(
                !expects.is_empty(),
                "{}: no `# expect:` line",
                path.display()
            );
            Case { path, expects }
        })
        .collect()
}

/// A nested YAML document `depth` levels deep, as one line.
fn deep_flow(depth: usize, open: &str, leaf: &str, close: &str) -> Vec<u8> {
    format!("{}{leaf}{}\n", open.repeat(depth), close.repeat(depth)).into_bytes()
}

/// The cases generated at run time (too big, too deep or too binary to check in),
/// written into `dir`.
fn generated(dir: &Path) -> Vec<Case> {
    let cm = |name: &str, value: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  big: \"{value}\"\n")
            .into_bytes()
    };
    let mut block_maps = String::new();
    for i in 0..2_000 {
        block_maps.push_str(&" ".repeat(i));
        block_maps.push_str("a:\n");
    }
    let mut block_seqs = String::new();
    for i in 0..2_000 {
        block_seqs.push_str(&" ".repeat(2 * i));
        block_seqs.push_str("-\n");
    }
    let mut garbage = Vec::with_capacity(64 * 1024);
    let mut x: u32 = 0x1234_5678;
    for _ in 0..64 * 1024 {
        // xorshift: reproducible bytes, every value represented.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push((x >> 24) as u8);
    }
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let depth_msg = "nested more than 64 levels deep";
    let cases: Vec<(&str, Vec<u8>, Vec<String>)> = vec![
        (
            "deep-flow-lists.yaml",
            deep_flow(10_000, "[", "", "]"),
            vec![":1:".into(), depth_msg.into()],
        ),
        (
            "deep-flow-maps.yaml",
            deep_flow(10_000, "{a: ", "1", "}"),
            vec![":1:".into(), depth_msg.into()],
        ),
        (
            "deep-block-maps.yaml",
            block_maps.into_bytes(),
            vec![depth_msg.into()],
        ),
        (
            "deep-block-lists.yaml",
            block_seqs.into_bytes(),
            vec![depth_msg.into()],
        ),
        (
            "not-utf8.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: latin1\ndata:\n  a: \"caf\xe9\"\n"
                .to_vec(),
            vec![
                ":6:10: invalid UTF-8 at byte offset 71".into(),
                "manifests must be UTF-8 text".into(),
            ],
        ),
        (
            "binary-garbage.yaml",
            garbage,
            vec!["invalid UTF-8".into()],
        ),
        (
            "nul-bytes.yaml",
            vec![0u8; 100],
            vec![":1:1:".into()],
        ),
        (
            "billion-laughs.yaml",
            laughs.as_bytes().to_vec(),
            vec!["more than 1000000 YAML nodes (counting alias expansions)".into()],
        ),
        (
            // Over the API's 3 MiB request limit, in a file under the file limit.
            "huge-document.yaml",
            cm("huge", &"x".repeat(4 << 20)),
            vec![
                ":1: ConfigMap \"huge\" is invalid: []: Too long: may not be more than 1048576 bytes"
                    .into(),
            ],
        ),
        (
            // Valid for the API, but apply's copy in the last-applied annotation is
            // over Kubernetes' 256 KiB of annotations, as with kubectl.
            "annotation-too-big.yaml",
            cm("big-for-apply", &"x".repeat(300 << 10)),
            vec![
                ":1: ConfigMap \"big-for-apply\" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes".into(),
                "last-applied-configuration".into(),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (name, bytes, expects) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write generated case");
        out.push(Case { path, expects });
    }
    // Over the sane file size: refused by its size, before it is read (sparse file).
    let path = dir.join("huge-file.yaml");
    let f = std::fs::File::create(&path).expect("create huge file");
    f.set_len((32 << 20) + 1).expect("size huge file");
    out.push(Case {
        expects: vec![format!(
            "{}: 33554433 bytes is more than the 33554432 bytes dockjob reads from one source",
            path.display()
        )],
        path,
    });
    out
}

/// Runs the CLI, killing it if it has not ended after `timeout` (a hang is a failure,
/// reported as such rather than hanging the test).
fn cli_bounded(e: &Engine, args: &[&str], timeout: Duration) -> Result<Output, String> {
    let mut child = e.spawn_cli(args);
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for cli") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("dockjob {args:?} still running after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// What is wrong with the CLI's answer to one case (empty when it is right).
fn check(case: &Case, out: &Output) -> Vec<String> {
    let mut problems = Vec::new();
    let err = stderr(out);
    if out.status.code() != Some(1) {
        problems.push(format!("exit status {} (want 1)", out.status));
    }
    if err.contains("panicked") || err.contains("stack overflow") {
        problems.push("crashed".into());
    }
    let shown = case.path.display().to_string();
    let empty_input = err.contains("no objects passed to apply");
    if !empty_input && !err.contains(&shown) {
        problems.push("stderr does not name the file".into());
    }
    for fragment in &case.expects {
        if !err.contains(fragment.as_str()) {
            problems.push(format!("stderr lacks {fragment:?}"));
        }
    }
    if !stdout(out).trim().is_empty() {
        problems.push(format!("stdout is not empty: {}", stdout(out)));
    }
    problems
}

#[test]
fn every_bad_manifest_is_refused_with_its_place_and_nothing_is_applied() {
    let e = Engine::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases = checked_in();
    cases.extend(generated(dir.path()));
    let mut failures = Vec::new();
    for case in &cases {
        let file = case.path.display().to_string();
        match cli_bounded(&e, &["apply", "-f", &file], Duration::from_secs(60)) {
            Err(hang) => failures.push(format!("{file}: {hang}")),
            Ok(out) => {
                let problems = check(case, &out);
                if !problems.is_empty() {
                    failures.push(format!(
                        "{file}: {}\n  stderr: {}",
                        problems.join("; "),
                        stderr(&out).chars().take(2_000).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not refused as they should be:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // Nothing of any case reached the store, in any namespace.
    let all = e.cli(&["get", "all", "-A"]);
    assert!(all.status.success(), "get all -A: {}", stderr(&all));
    assert_eq!(stdout(&all).trim(), "", "something was applied");
    for kind in [
        "configmaps",
        "secrets",
        "jobs",
        "cronjobs",
        "pods",
        "replicasets",
    ] {
        let items = e.json(&["get", kind, "-A"])["items"].clone();
        assert_eq!(items, json!([]), "{kind} were applied");
    }
}

#[test]
fn stdin_is_named_and_bounded_like_a_file() {
    let e = Engine::start();
    let out = e.cli_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n  parallelism: two\n"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("<stdin>:6:16: spec.parallelism: invalid type: string \"two\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_label_selector_on_the_command_line_is_refused() {
    let e = Engine::start();
    for (selector, expect) in [
        ("a in (b", "',' or ')'"),
        ("a=b=c", ""),
        ("A B", ""),
        ("a in (b,c", "',' or ')'"),
        ("key=", ""),
    ] {
        let out = cli_bounded(
            &e,
            &["get", "pods", "-l", selector],
            Duration::from_secs(30),
        )
        .unwrap_or_else(|hang| panic!("{hang}"));
        if selector == "key=" {
            // An empty value is a valid selector (label present with value "").
            assert!(out.status.success(), "{selector:?}: {}", stderr(&out));
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{selector:?}: {}", stderr(&out));
        let err = stderr(&out);
        // The engine parses it, as the API server does for kubectl:
        // `Error from server (BadRequest): unable to parse requirement: ...`.
        assert!(
            err.contains("(BadRequest): unable to parse requirement: invalid label selector"),
            "{selector:?}: {err}"
        );
        assert!(
            err.contains(&format!("{selector:?}")),
            "{selector:?}: {err}"
        );
        assert!(err.contains(expect), "{selector:?}: {err}");
        assert!(!err.contains("panicked"), "{selector:?}: {err}");
    }
}

/// A raw HTTP/1.1 POST of `body_len` bytes to the engine's socket: the status code and
/// the body of its answer. The body is written from another thread, since the engine
/// may answer (and close) before reading it all.
fn raw_post(socket: &Path, path: &str, body: Vec<u8>) -> (u16, Value) {
    let mut stream = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut writer = stream.try_clone().expect("clone");
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&body);
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    drop(stream);
    let _ = sender.join();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let code: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let (headers, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // One chunk: size line, data, then the terminator.
        rest.split_once("\r\n")
            .map(|(_, data)| data.rsplit_once("\r\n0\r\n").map_or(data, |(d, _)| d))
            .unwrap_or(rest)
            .trim_end_matches("\r\n")
            .to_string()
    } else {
        rest.to_string()
    };
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (code, value)
}

#[test]
fn a_request_over_the_api_limit_gets_413_with_a_kubernetes_status() {
    let e = Engine::start();
    let path = format!("/api/v1/namespaces/{}/configmaps", e.namespace);
    // A JSON ConfigMap one byte over 3 MiB.
    let limit = 3 * 1024 * 1024;
    let prefix = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":""#;
    let suffix = r#""}}"#;
    let filler = "x".repeat(limit + 1 - prefix.len() - suffix.len());
    let body = format!("{prefix}{filler}{suffix}").into_bytes();
    assert_eq!(body.len(), limit + 1);
    let (code, status) = raw_post(&e.socket, &path, body);
    assert_eq!(code, 413);
    assert_eq!(
        status,
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Request entity too large: limit is 3145728",
            "reason": "RequestEntityTooLarge",
            "code": 413,
        })
    );
    // Nothing was stored, and a body at the limit is read (and refused for what it
    // holds, not for its size).
    assert_eq!(e.json(&["get", "configmaps"])["items"], json!([]));
    let small = format!(
        "{prefix}{}{suffix}",
        "x".repeat(limit - prefix.len() - suffix.len())
    );
    let (code, status) = raw_post(&e.socket, &path, small.into_bytes());
    assert_eq!(code, 422, "{status}");
    assert_eq!(status["reason"], "Invalid", "{status}");
}
