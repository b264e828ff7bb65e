//! `dockjob delete KIND[,KIND...] NAME... | KIND/NAME... | -f FILE | KIND[,KIND...] -l
//! SELECTOR`: marks each object for deletion, waits until the engine has removed it with
//! every container it made (as kubectl's `--wait` waits for finalizers), and says
//! `replicaset.apps "queue" deleted`, one line per object, in the order kubectl visits
//! them (kind by kind as typed; a file's objects in file order).

use std::time::{Duration, Instant};

use anyhow::bail;
use hyper::Method;
use serde_json::Value;

use super::Reported;
use super::apply;
use super::client::{Client, ServerError};
use super::get::pod_finished;
use super::query::with_params;
use super::resources::Selection;
use crate::api::kinds::Kind;

/// What to delete.
pub enum Targets {
    /// Objects by kind and name.
    Names(Selection),
    /// Every object of these kinds matching a label selector.
    Selector(Selection, String),
    /// The objects in these manifests (each in its own `metadata.namespace`, else `-n`).
    Files(Vec<String>),
}

/// kubectl's argument checks, made before the engine is reached.
pub fn check(selection: Option<&Selection>, selector: Option<&str>) -> anyhow::Result<()> {
    let Some(selection) = selection else {
        return Ok(());
    };
    if selector.is_some() && selection.has_names() {
        bail!("name cannot be provided when a selector is specified");
    }
    if selector.is_none() && !selection.has_names() {
        bail!("resource(s) were provided, but no name was specified");
    }
    Ok(())
}

/// kubectl's `--all`: every object of the kinds named, as the empty selector (which
/// matches everything); names given with it are deleted by name, as kubectl does.
pub fn select_all(
    all: bool,
    selector: Option<String>,
    selection: &Selection,
) -> anyhow::Result<Option<String>> {
    if !all {
        return Ok(selector);
    }
    if selector.is_some() {
        bail!("cannot set --all and --selector at the same time");
    }
    Ok((!selection.has_names()).then(String::new))
}

/// kubectl's `AddSourceToErr("deleting", ...)`: a server error about an object read
/// from a file names the file.
fn with_source(se: &ServerError, file: &str) -> ServerError {
    ServerError {
        code: se.code,
        reason: se.reason.clone(),
        message: format!("error when deleting {file:?}: {}", se.message),
    }
}

/// `--timeout`: a Go duration as kubectl takes it (`0` or less waits a week, as
/// kubectl's "determine a timeout" does), or a bare number of seconds (dockjob's older
/// form, kept so existing scripts work).
pub fn parse_timeout(s: &str) -> anyhow::Result<Duration> {
    if let Ok(secs) = s.parse::<u64>()
        && secs > 0
    {
        return Ok(Duration::from_secs(secs));
    }
    let d = super::wait::parse_timeout(s)?;
    Ok(if d.is_zero() {
        Duration::from_secs(168 * 3600)
    } else {
        d
    })
}

/// `dockjob delete`.
///
/// `ignore_not_found` (kubectl's `--ignore-not-found`): a missing object is skipped
/// silently; when none was found, `No resources found` on stdout and success.
pub async fn run(
    client: &Client,
    targets: Targets,
    ns: &str,
    wait: bool,
    timeout: Duration,
    ignore_not_found: bool,
) -> anyhow::Result<()> {
    // Each object with the file it came from (kubectl's `info.Source`), if any.
    let mut objects: Vec<(Kind, String, String, Option<String>)> = Vec::new();
    match targets {
        Targets::Names(selection) => {
            for r in selection.requests {
                objects.extend(
                    r.names
                        .into_iter()
                        .map(|n| (r.kind, ns.to_string(), n, None)),
                );
            }
        }
        Targets::Selector(selection, selector) => {
            for r in &selection.requests {
                let path = with_params(
                    &r.kind.collection_path(Some(ns)),
                    &[(
                        "labelSelector",
                        Some(selector.as_str()).filter(|s| !s.is_empty()),
                    )],
                );
                let list = client.get(&path).await?;
                for item in list["items"].as_array().into_iter().flatten() {
                    // An object already being deleted is deleted again (kubectl does
                    // not skip it either) and waited for like the others.
                    if let Some(name) = item["metadata"]["name"].as_str() {
                        objects.push((r.kind, ns.to_string(), name.to_string(), None));
                    }
                }
            }
            if objects.is_empty() {
                // kubectl's delete says it on stdout (get says it on stderr).
                println!("No resources found");
                return Ok(());
            }
        }
        Targets::Files(files) => {
            for m in apply::load(&files)? {
                let obj_ns = m.object.namespace().filter(|s| !s.is_empty()).unwrap_or(ns);
                let name = m.object.name().unwrap_or_default();
                let source = if m.source == "<stdin>" {
                    "STDIN".to_string()
                } else {
                    m.source.clone()
                };
                objects.push((
                    m.object.kind(),
                    obj_ns.to_string(),
                    name.to_string(),
                    Some(source),
                ));
            }
        }
    }

    // As kubectl's: the objects that go are reported first, the errors after them.
    let mut errors: Vec<String> = Vec::new();
    let mut pending = Vec::new();
    for (kind, ns, name, source) in objects {
        match client
            .request(Method::DELETE, &kind.object_path(&ns, &name), None)
            .await
        {
            Ok(_) => pending.push((kind, ns, name)),
            Err(e)
                if ignore_not_found
                    && e.downcast_ref::<ServerError>()
                        .is_some_and(|se| se.code == 404) => {}
            Err(e) if e.downcast_ref::<ServerError>().is_some() => {
                errors.push(match (e.downcast_ref::<ServerError>(), &source) {
                    (Some(se), Some(file)) => with_source(se, file).to_string(),
                    _ => e.to_string(),
                });
            }
            Err(e) => return Err(e),
        }
    }
    if pending.is_empty() && errors.is_empty() {
        println!("No resources found");
        return Ok(());
    }
    for (kind, ns, name) in pending {
        if wait && let Err(e) = wait_gone(client, kind, &ns, &name, timeout).await {
            report(&errors);
            return Err(e);
        }
        println!("{} \"{name}\" deleted", kind.qualified());
    }
    if !errors.is_empty() {
        report(&errors);
        return Err(Reported(1).into());
    }
    Ok(())
}

/// Prints the errors collected on the way, after what stdout already has.
fn report(errors: &[String]) {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    for e in errors {
        eprintln!("{e}");
    }
}

async fn wait_gone(
    client: &Client,
    kind: Kind,
    ns: &str,
    name: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let path = kind.object_path(ns, name);
    while let Some(obj) = client.get_opt(&path).await? {
        // A pod of a live Job is terminated, not removed: its record stays (with its
        // logs) until the Job goes, so it is deleted once it has ended.
        if kind == Kind::Pod
            && !obj["metadata"]["deletionTimestamp"].is_null()
            && pod_finished(&obj)
            && owner_job_alive(client, ns, &obj).await?
        {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "timed out after {}s waiting for {} \"{name}\" to be deleted; the engine is still removing its containers (see `dockjob get pods -a`)",
                timeout.as_secs(),
                kind.qualified()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Whether the pod's controller is a Job that exists and is not being deleted: only
/// then does the engine keep the pod's record after terminating it. Bare pods and pods
/// of other controllers are removed, so `delete` waits for them to go.
async fn owner_job_alive(client: &Client, ns: &str, pod: &Value) -> anyhow::Result<bool> {
    let Some(job) = pod["metadata"]["ownerReferences"]
        .as_array()
        .and_then(|refs| {
            refs.iter()
                .find(|r| r["controller"] == true && r["kind"] == "Job")
        })
        .and_then(|r| r["name"].as_str())
    else {
        return Ok(false);
    };
    Ok(client
        .get_opt(&Kind::Job.object_path(ns, job))
        .await?
        .is_some_and(|j| j["metadata"]["deletionTimestamp"].is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::resources::parse;

    fn sel(args: &[&str]) -> Selection {
        parse(
            "delete",
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn errors_about_objects_from_files_name_the_file() {
        let se = ServerError {
            code: 404,
            reason: "NotFound".into(),
            message: "jobs.batch \"x\" not found".into(),
        };
        assert_eq!(
            with_source(&se, "job.yaml").to_string(),
            "Error from server (NotFound): error when deleting \"job.yaml\": jobs.batch \"x\" not found"
        );
    }

    #[test]
    fn timeouts_are_durations_or_seconds() {
        assert_eq!(parse_timeout("60").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_timeout("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(
            parse_timeout("0s").unwrap(),
            Duration::from_secs(168 * 3600)
        );
        assert_eq!(parse_timeout("0").unwrap(), Duration::from_secs(168 * 3600));
        assert_eq!(
            parse_timeout("soon").unwrap_err().to_string(),
            "invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\""
        );
    }

    #[test]
    fn all_is_the_empty_selector_unless_names_are_given() {
        assert_eq!(select_all(false, None, &sel(&["jobs"])).unwrap(), None);
        assert_eq!(
            select_all(false, Some("a=b".into()), &sel(&["jobs"])).unwrap(),
            Some("a=b".to_string())
        );
        assert_eq!(
            select_all(true, None, &sel(&["jobs,pods"])).unwrap(),
            Some(String::new())
        );
        assert_eq!(select_all(true, None, &sel(&["jobs", "x"])).unwrap(), None);
        assert_eq!(
            select_all(true, Some("a=b".into()), &sel(&["jobs"]))
                .unwrap_err()
                .to_string(),
            "cannot set --all and --selector at the same time"
        );
        assert!(check(Some(&sel(&["jobs"])), Some("")).is_ok());
    }

    #[test]
    fn kubectls_argument_checks() {
        assert!(check(Some(&sel(&["rs,svc,job"])), Some("chapter=jobs")).is_ok());
        assert!(check(Some(&sel(&["rs/queue"])), None).is_ok());
        assert!(check(None, None).is_ok());
        assert_eq!(
            check(Some(&sel(&["rs", "queue"])), Some("a=b"))
                .unwrap_err()
                .to_string(),
            "name cannot be provided when a selector is specified"
        );
        assert_eq!(
            check(Some(&sel(&["rs,svc"])), None)
                .unwrap_err()
                .to_string(),
            "resource(s) were provided, but no name was specified"
        );
    }
}
