//! `describe`: kubectl's describers (staging/src/k8s.io/kubectl/pkg/describe) for Jobs,
//! CronJobs, Pods, ConfigMaps, Secrets, Services and ReplicaSets. Like kubectl,
//! everything is written as `Key:\tvalue` lines through one tabwriter (no minimum width,
//! padding 2), so alignment comes from the same algorithm.
//! Local times are printed in the time zone the caller passes in.

mod config;
mod containers;
mod cronjob;
mod events;
mod job;
mod pod;
mod replicaset;
mod service;
mod template;
mod volumes;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::{PodSpec, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use super::table::escape_terminal;
use super::tabwriter;

pub use config::{describe_configmap, describe_secret};
pub use cronjob::describe_cronjob;
pub use job::describe_job;
pub use pod::describe_pod;
pub use replicaset::describe_replicaset;
pub use service::describe_service;

/// Indentation levels of kubectl's `PrefixWriter` (two spaces each).
const LEVEL_0: usize = 0;
const LEVEL_1: usize = 1;
const LEVEL_2: usize = 2;
const LEVEL_3: usize = 3;

/// kubectl's annotation lines are shortened past this many bytes.
const MAX_ANNOTATION_LEN: usize = 140;

/// kubectl's `PrefixWriter` over a `tabbedString` buffer.
struct Writer {
    text: String,
}

impl Writer {
    fn new() -> Self {
        Writer {
            text: String::new(),
        }
    }

    /// `Write(level, ...)`: indentation, then the text with terminal escapes defused.
    fn write(&mut self, level: usize, s: &str) {
        let mut line = "  ".repeat(level);
        line.push_str(s);
        self.text.push_str(&escape_terminal(&line));
    }

    /// `WriteLine(...)`: the text and a newline, no indentation.
    fn write_line(&mut self, s: &str) {
        self.text.push_str(&escape_terminal(s));
        self.text.push('\n');
    }

    /// `tabbedString`: tabwriter with minwidth 0, padding 2.
    fn finish(self) -> String {
        tabwriter::align(&self.text, 0, 2)
    }
}

/// Go's `time.RFC1123Z` layout in `tz`; an absent time is Go's zero time, as kubectl
/// prints it.
fn rfc1123z(t: Option<&Time>, tz: &TimeZone) -> String {
    match t {
        Some(t) => {
            t.0.to_zoned(tz.clone())
                .strftime("%a, %d %b %Y %H:%M:%S %z")
                .to_string()
        }
        None => "Mon, 01 Jan 0001 00:00:00 +0000".to_string(),
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s.to_string()
    }
}

/// `printLabelsMultiline`: `Title:\tk=v`, further labels on `\tk=v` lines, sorted.
fn print_labels(w: &mut Writer, title: &str, labels: Option<&BTreeMap<String, String>>) {
    w.write(LEVEL_0, &format!("{title}:\t"));
    let labels = labels.filter(|l| !l.is_empty());
    let Some(labels) = labels else {
        w.write_line("<none>");
        return;
    };
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, "\t");
        }
        w.write(LEVEL_0, &format!("{k}={v}\n"));
    }
}

/// `printAnnotationsMultiline`: like labels but `k: v`, long or multi-line values on
/// their own lines, and kubectl's last-applied-configuration left out.
fn print_annotations(w: &mut Writer, title: &str, annotations: Option<&BTreeMap<String, String>>) {
    w.write(LEVEL_0, &format!("{title}:\t"));
    let keys: Vec<&String> = annotations
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.write_line("<none>");
        return;
    }
    let annotations = annotations.cloned().unwrap_or_default();
    for (i, key) in keys.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, "\t");
        }
        let raw = annotations.get(*key).map(String::as_str).unwrap_or("");
        let value = raw.strip_suffix('\n').unwrap_or(raw);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.write(LEVEL_0, &format!("{key}:\n"));
            for line in value.split('\n') {
                w.write(
                    LEVEL_0,
                    &format!("\t  {}\n", shorten(line, MAX_ANNOTATION_LEN - 2)),
                );
            }
        } else {
            w.write(LEVEL_0, &format!("{key}: {value}\n"));
        }
    }
}

/// kubectl's `shorten`: at most `max` bytes (on a character boundary here) and `...`.
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// `printPodTolerationsMultiline`.
fn print_tolerations(w: &mut Writer, title: &str, tolerations: Option<&Vec<Toleration>>) {
    w.write(LEVEL_0, &format!("{title}:\t"));
    let mut tolerations: Vec<&Toleration> = tolerations.into_iter().flatten().collect();
    if tolerations.is_empty() {
        w.write_line("<none>");
        return;
    }
    tolerations.sort_by(|a, b| a.key.cmp(&b.key));
    for (i, t) in tolerations.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, "\t");
        }
        let key = t.key.as_deref().unwrap_or("");
        let value = t.value.as_deref().unwrap_or("");
        let effect = t.effect.as_deref().unwrap_or("");
        let mut s = key.to_string();
        if !value.is_empty() {
            s.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            s.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            if !key.is_empty() || !effect.is_empty() {
                s.push_str(" op=Exists");
            } else {
                s.push_str("op=Exists");
            }
        }
        if let Some(secs) = t.toleration_seconds {
            s.push_str(&format!(" for {secs}s"));
        }
        s.push('\n');
        w.write(LEVEL_0, &s);
    }
}

/// `printController`: `Kind/name` of the owner reference marked as controller.
fn controlled_by(meta: &ObjectMeta) -> Option<String> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
        .map(|r| format!("{}/{}", r.kind, r.name))
}

/// The `Name:` and `Namespace:` lines every describer here starts with.
fn print_name_namespace(w: &mut Writer, meta: &ObjectMeta) {
    w.write(
        LEVEL_0,
        &format!("Name:\t{}\n", meta.name.as_deref().unwrap_or("")),
    );
    w.write(
        LEVEL_0,
        &format!("Namespace:\t{}\n", meta.namespace.as_deref().unwrap_or("")),
    );
}

/// The object's own `Labels:` and `Annotations:` (a pod template's are indented and
/// printed by `template`).
fn print_labels_annotations(w: &mut Writer, meta: &ObjectMeta) {
    print_labels(w, "Labels", meta.labels.as_ref());
    print_annotations(w, "Annotations", meta.annotations.as_ref());
}

/// The header of the describers whose first lines are exactly `Name`, `Namespace`,
/// `Labels`, `Annotations` (ConfigMap, Secret, Service, CronJob).
fn print_object_header(w: &mut Writer, meta: &ObjectMeta) {
    print_name_namespace(w, meta);
    print_labels_annotations(w, meta);
}

/// `Controlled By:\tKind/name`, only when an owner reference is marked as controller.
fn print_controlled_by(w: &mut Writer, meta: &ObjectMeta) {
    if let Some(owner) = controlled_by(meta) {
        w.write(LEVEL_0, &format!("Controlled By:\t{owner}\n"));
    }
}

/// A Job's `Selector:` line as `describeJob` and `describeJobTemplate` print it: the
/// selector string, or kubectl's message when it cannot be converted.
fn print_job_selector(w: &mut Writer, selector: Result<String, String>) {
    match selector {
        Ok(s) => w.write(LEVEL_0, &format!("Selector:\t{s}\n")),
        Err(e) => w.write(
            LEVEL_0,
            &format!("Selector:\tFailed to get selector: {e}\n"),
        ),
    }
}

/// The `Node-Selectors:` and `Tolerations:` lines that close a pod (`indent` empty) or
/// a pod template (`indent` two spaces).
fn print_node_selectors_tolerations(w: &mut Writer, spec: &PodSpec, indent: &str) {
    print_labels(
        w,
        &format!("{indent}Node-Selectors"),
        spec.node_selector.as_ref(),
    );
    print_tolerations(
        w,
        &format!("{indent}Tolerations"),
        spec.tolerations.as_ref(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_annotations_align_under_their_title() {
        let mut w = Writer::new();
        let labels: BTreeMap<String, String> =
            [("b".into(), "2".into()), ("a".into(), "1".into())].into();
        let long = "x".repeat(150);
        let annotations: BTreeMap<String, String> = [
            (
                "kubectl.kubernetes.io/last-applied-configuration".into(),
                "{}".into(),
            ),
            ("note".into(), "line one\nline two\n".into()),
            ("long".into(), long.clone()),
        ]
        .into();
        print_labels(&mut w, "Labels", Some(&labels));
        print_annotations(&mut w, "Annotations", Some(&annotations));
        print_labels(&mut w, "Empty", None);
        let want = format!(
            "Labels:       a=1\n              b=2\nAnnotations:  long:\n                {}...\n              note:\n                line one\n                line two\nEmpty:        <none>\n",
            "x".repeat(138)
        );
        assert_eq!(w.finish(), want);
    }

    #[test]
    fn times_in_the_given_zone() {
        let t = Time("2024-05-01T11:50:00Z".parse().unwrap());
        let tz = TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(rfc1123z(Some(&t), &tz), "Wed, 01 May 2024 13:50:00 +0200");
        assert_eq!(rfc1123z(None, &tz), "Mon, 01 Jan 0001 00:00:00 +0000");
    }
}
