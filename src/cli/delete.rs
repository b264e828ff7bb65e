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

/// `dockjob delete`.
pub async fn run(
    client: &Client,
    targets: Targets,
    ns: &str,
    wait: bool,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut objects: Vec<(Kind, String, String)> = Vec::new();
    match targets {
        Targets::Names(selection) => {
            for r in selection.requests {
                objects.extend(r.names.into_iter().map(|n| (r.kind, ns.to_string(), n)));
            }
        }
        Targets::Selector(selection, selector) => {
            for r in &selection.requests {
                let path = with_params(
                    &r.kind.collection_path(Some(ns)),
                    &[("labelSelector", Some(&selector))],
                );
                let list = client.get(&path).await?;
                for item in list["items"].as_array().into_iter().flatten() {
                    // An object already being deleted is deleted again (kubectl does
                    // not skip it either) and waited for like the others.
                    if let Some(name) = item["metadata"]["name"].as_str() {
                        objects.push((r.kind, ns.to_string(), name.to_string()));
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
                objects.push((m.object.kind(), obj_ns.to_string(), name.to_string()));
            }
        }
    }

    let mut failed = false;
    let mut pending = Vec::new();
    for (kind, ns, name) in objects {
        match client
            .request(Method::DELETE, &kind.object_path(&ns, &name), None)
            .await
        {
            Ok(_) => pending.push((kind, ns, name)),
            Err(e) if e.downcast_ref::<ServerError>().is_some() => {
                eprintln!("{e}");
                failed = true;
            }
            Err(e) => return Err(e),
        }
    }
    for (kind, ns, name) in pending {
        if wait {
            wait_gone(client, kind, &ns, &name, timeout).await?;
        }
        println!("{} \"{name}\" deleted", kind.qualified());
    }
    if failed {
        return Err(Reported(1).into());
    }
    Ok(())
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
