//! `dockjob apply -f FILE|DIR|-`: decode and validate every document first (all or
//! nothing: one bad document and none is sent), then create or update each object,
//! printing kubectl's `job.batch/oneshot created`, `configmap/x configured`,
//! `service/x unchanged`, `replicaset.apps/x created`, `pod/x created`...
//!
//! Like kubectl, the object as written is kept in the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation; an apply whose input
//! equals it changes nothing.

use anyhow::bail;
use hyper::Method;
use serde_json::Value;

use std::time::{Duration, Instant};

use super::Reported;
use super::client::Client;
use super::progress::JobProgress;
use super::source;
use super::terminal;
use super::wait::{self, JobEnd};
use crate::api::decode::{MAX_REQUEST_BYTES, Manifest, Object, decode_manifests};
use crate::api::defaults::{default_object, set_job_selector};
use crate::api::kinds::Kind;
use crate::api::labels::LAST_APPLIED;
use crate::api::validate::{invalid_message, validate_annotations, validate_object};

/// Decodes and validates every document of every source. Returns the manifests, or
/// prints every error and fails: nothing may be applied when any document is bad.
pub fn load(files: &[String]) -> anyhow::Result<Vec<Manifest>> {
    let sources = source::read_all(files)?;
    let mut manifests = Vec::new();
    let mut errors = Vec::new();
    for s in &sources {
        match decode_manifests(&s.name, &s.bytes) {
            Ok(m) => manifests.extend(m),
            Err(e) => errors.push(e.to_string()),
        }
    }
    for m in &manifests {
        for w in &m.warnings {
            eprintln!("Warning: {w}");
        }
        errors.extend(validate_client_side(m));
    }
    if !errors.is_empty() {
        // The API server's aggregate drops repeats (two labels derived from one bad
        // name give the same message twice); so does this list.
        let mut seen = std::collections::HashSet::new();
        for e in errors.iter().filter(|e| seen.insert(e.as_str())) {
            eprintln!("error: {e}");
        }
        return Err(Reported(1).into());
    }
    if manifests.is_empty() {
        bail!("no objects passed to apply");
    }
    Ok(manifests)
}

/// Everything `apply` checks in one decoded manifest before anything is sent (what
/// [`load`] and [`run`] refuse), each error a line naming file and line. The fuzz
/// target (`fuzz/fuzz_targets/decode.rs`) drives this on arbitrary bytes.
pub fn client_side_errors(m: &Manifest) -> Vec<String> {
    let mut errors = validate_client_side(m);
    errors.extend(apply_size_errors(m));
    errors
}

/// The checks the engine will make, run before anything is sent, each error with the
/// file and line of the field it names: the same defaults and validation as
/// admission, for every kind.
fn validate_client_side(m: &Manifest) -> Vec<String> {
    let mut obj = m.object.clone();
    default_object(&mut obj);
    if let Object::Job(job) = &mut obj {
        // The real selector needs the uid the engine assigns; any uid validates alike.
        const PLACEHOLDER_UID: &str = "00000000-0000-0000-0000-000000000000";
        job.metadata.uid = Some(PLACEHOLDER_UID.into());
        set_job_selector(job, PLACEHOLDER_UID);
    }
    let kind = obj.kind();
    let name = obj.name().unwrap_or("").to_string();
    let mut out = Vec::new();
    if name.is_empty() {
        out.push(format!(
            "{}:{}: metadata.name: Required value: apply needs a name (generateName cannot be used with apply)",
            m.source, m.line
        ));
        return out;
    }
    for e in &validate_object(&obj) {
        out.push(format!(
            "{}:{}: {}",
            m.source,
            m.line_of(&e.path),
            invalid_message(kind, &name, std::slice::from_ref(e))
        ));
    }
    out
}

/// kubectl's RequireNamespace (cli-runtime's resource/visitor.go): when the namespace
/// was given explicitly with `-n`, an object that names another one is refused, so a
/// manifest never lands somewhere the user did not ask for. One message per such object.
pub fn namespace_mismatches(manifests: &[Manifest], namespace: &str) -> Vec<String> {
    manifests
        .iter()
        .filter_map(|m| m.object.namespace().filter(|ns| !ns.is_empty() && *ns != namespace))
        .map(|ns| {
            format!(
                "the namespace from the provided object {ns:?} does not match the namespace {namespace:?}. You must pass '--namespace={ns}' to perform this operation."
            )
        })
        .collect()
}

/// `dockjob apply`. `explicit_namespace`: `-n` was given, so objects naming another
/// namespace are refused (all or nothing, before anything is sent), as kubectl does.
/// `wait`: `--wait` was given, with its `--timeout` if any; every applied Job is then
/// followed to its end.
pub async fn run(
    client: &Client,
    manifests: Vec<Manifest>,
    namespace: &str,
    explicit_namespace: bool,
    wait: Option<Option<Duration>>,
) -> anyhow::Result<()> {
    let mut errors = if explicit_namespace {
        namespace_mismatches(&manifests, namespace)
    } else {
        Vec::new()
    };
    errors.extend(manifests.iter().flat_map(apply_size_errors));
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {e}");
        }
        return Err(Reported(1).into());
    }
    let mut failed = false;
    let mut jobs = Vec::new();
    for m in manifests {
        match apply_one(client, &m, namespace).await {
            Ok(line) => {
                println!("{line}");
                if m.object.kind() == Kind::Job {
                    let ns = m
                        .object
                        .namespace()
                        .filter(|ns| !ns.is_empty())
                        .unwrap_or(namespace);
                    jobs.push((ns.to_string(), m.object.name().unwrap_or("").to_string()));
                }
            }
            Err(e) => {
                eprintln!("error: {}:{}: {e:#}", m.source, m.line);
                failed = true;
            }
        }
    }
    if let Some(timeout) = wait
        && !wait_for_jobs(client, &jobs, timeout).await?
    {
        failed = true;
    }
    if failed {
        return Err(Reported(1).into());
    }
    Ok(())
}

/// `apply --wait`: follows each Job to its end, one line each on stdout
/// (`job.batch/X complete`, `job.batch/X failed: Reason: message`), with a progress bar
/// on stderr when it is a terminal. One timeout for all, as `wait`. Whether all
/// completed.
async fn wait_for_jobs(
    client: &Client,
    jobs: &[(String, String)],
    timeout: Option<Duration>,
) -> anyhow::Result<bool> {
    let bars = terminal::stderr_progress();
    let started = Instant::now();
    let mut all_complete = true;
    for (ns, name) in jobs {
        let shown = format!("{}/{name}", Kind::Job.qualified());
        let progress = bars.then(|| JobProgress::new(&shown));
        let left = timeout.map(|t| t.saturating_sub(started.elapsed()));
        let end = wait::job_end(client, ns, name, left, progress.as_ref()).await;
        if let Some(p) = &progress {
            p.finish();
        }
        match end? {
            JobEnd::Complete => println!("{shown} complete"),
            JobEnd::Failed(reason) => {
                println!("{shown} failed: {reason}");
                all_complete = false;
            }
        }
    }
    Ok(all_complete)
}

/// The object apply sends: as written, with the `last-applied-configuration`
/// annotation (whose value is also returned) and the namespace set.
fn applied_object(m: &Manifest, ns: &str) -> (Value, String) {
    let mut obj = m.object.to_value();
    let last_applied = format!("{}\n", obj);
    let annotations = &mut obj["metadata"]["annotations"];
    if !annotations.is_object() {
        *annotations = Value::Object(Default::default());
    }
    annotations[LAST_APPLIED] = Value::String(last_applied.clone());
    obj["metadata"]["namespace"] = Value::String(ns.to_string());
    (obj, last_applied)
}

/// What only `apply` adds can make an object too big, checked before anything is
/// sent: the copy of the object in the last-applied annotation (Kubernetes allows 256
/// KiB of annotations, so kubectl's apply fails the same way), and the request body
/// over the API's 3 MiB limit. Each error names the file and line of the object.
fn apply_size_errors(m: &Manifest) -> Vec<String> {
    let kind = m.object.kind();
    let name = m.object.name().unwrap_or("");
    let (obj, last_applied) = applied_object(m, m.object.namespace().unwrap_or(""));
    let mut annotations = m.object.meta().annotations.clone().unwrap_or_default();
    annotations.insert(LAST_APPLIED.to_string(), last_applied);
    let mut out: Vec<String> = validate_annotations(Some(&annotations), "metadata.annotations")
        .iter()
        .map(|e| {
            format!(
                "{}:{}: {} (apply keeps a copy of the whole object in the {LAST_APPLIED} annotation: keep the object under about 128 KiB, e.g. move large data to a hostPath volume)",
                m.source,
                m.line,
                invalid_message(kind, name, std::slice::from_ref(e))
            )
        })
        .collect();
    let size = obj.to_string().len();
    if size > MAX_REQUEST_BYTES {
        out.push(format!(
            "{}:{}: {}/{name}: the request would be {size} bytes, over the API's limit (Request entity too large: limit is {MAX_REQUEST_BYTES})",
            m.source,
            m.line,
            kind.qualified()
        ));
    }
    out
}

async fn apply_one(client: &Client, m: &Manifest, default_ns: &str) -> anyhow::Result<String> {
    let kind = m.object.kind();
    let ns = match m.object.namespace() {
        Some(ns) if !ns.is_empty() => ns.to_string(),
        _ => default_ns.to_string(),
    };
    let (mut obj, last_applied) = applied_object(m, &ns);
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();

    let path = kind.object_path(&ns, &name);
    let shown = format!("{}/{}", kind.qualified(), name);
    let verb = match client.get_opt(&path).await? {
        None => {
            // The engine's warnings repeat the ones `load` already printed.
            client
                .request(Method::POST, &kind.collection_path(Some(&ns)), Some(&obj))
                .await?;
            "created"
        }
        Some(existing) => {
            if existing["metadata"]["annotations"][LAST_APPLIED].as_str() == Some(&last_applied) {
                "unchanged"
            } else {
                obj["metadata"]["resourceVersion"] =
                    existing["metadata"]["resourceVersion"].clone();
                client.request(Method::PUT, &path, Some(&obj)).await?;
                "configured"
            }
        }
    };
    Ok(format!("{shown} {verb}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifests(yaml: &str) -> Vec<Manifest> {
        decode_manifests("test.yaml", yaml.as_bytes()).unwrap()
    }

    #[test]
    fn an_object_naming_another_namespace_is_refused_with_kubectls_message() {
        let m = manifests(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: team\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
        );
        assert_eq!(
            namespace_mismatches(&m, "other"),
            [
                "the namespace from the provided object \"team\" does not match the namespace \"other\". You must pass '--namespace=team' to perform this operation."
            ]
        );
        // Same namespace, or none in the object: nothing to refuse.
        assert!(namespace_mismatches(&m, "team").is_empty());
    }

    #[test]
    fn an_object_too_big_for_the_last_applied_annotation_is_refused_before_sending() {
        let small =
            manifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n");
        assert!(client_side_errors(&small[0]).is_empty());
        let big = manifests(&format!(
            "# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: \"{}\"\n",
            "x".repeat(300 << 10)
        ));
        let errors = client_side_errors(&big[0]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "test.yaml:2: ConfigMap \"big\" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes (apply keeps a copy"
            ),
            "{}",
            errors[0]
        );
    }
}
