//! `get -w` from the built binary: the table, then one line per change, each padded to
//! the column widths already printed (kubectl's `RememberWidths` tabwriter), so every
//! row starts its columns where the header does.

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::*;

fn configmap(name: &str, keys: usize) -> String {
    let data: String = (0..keys).map(|i| format!("  k{i}: \"v\"\n")).collect();
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{data}")
}

/// Lines from the watcher until `n` have arrived (or 30 s passed).
fn lines(rx: &Receiver<String>, n: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < n && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    seen
}

/// Where each column of `header` starts.
fn starts(header: &str) -> Vec<usize> {
    let mut out = vec![0];
    let b = header.as_bytes();
    for i in 1..b.len() {
        if b[i] != b' ' && b[i - 1] == b' ' {
            out.push(i);
        }
    }
    out
}

#[test]
fn watch_rows_stay_under_the_header() {
    let e = Engine::start();
    e.apply(&configmap("a-long-configmap-name", 1));
    let (mut watcher, rx) = e.spawn_cli_lines(&["get", "cm", "-w"]);
    let first = lines(&rx, 2);
    // A shorter name and a wider DATA cell arrive after the header was printed.
    e.apply(&configmap("b", 12));
    let second = lines(&rx, 1);
    e.apply(&configmap("c", 2));
    let third = lines(&rx, 1);
    let _ = watcher.kill();
    let _ = watcher.wait();
    let all: Vec<String> = first.into_iter().chain(second).chain(third).collect();
    let text = all.join("\n");
    assert_eq!(all.len(), 4, "{text}");
    assert_eq!(all[0], "NAME                    DATA   AGE", "{text}");
    let cols = starts(&all[0]);
    for row in &all[1..] {
        for &c in &cols[1..] {
            assert!(
                row.as_bytes().get(c - 1) == Some(&b' ') && row.as_bytes()[c] != b' ',
                "row {row:?} does not start a column at {c}:\n{text}"
            );
        }
    }
    assert!(
        all[1].starts_with("a-long-configmap-name   1      "),
        "{text}"
    );
    assert!(
        all[2].starts_with("b                       12     "),
        "{text}"
    );
    assert!(
        all[3].starts_with("c                       2      "),
        "{text}"
    );
}
