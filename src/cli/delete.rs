//! `dockjob delete KIND NAME... | -f FILE | KIND -l SELECTOR`: marks each object for
//! deletion, waits until the engine has removed it with every container it made (as
//! kubectl's `--wait` waits for finalizers), and says `job.batch "oneshot" deleted`.

use std::time::{Duration, Instant};

use anyhow::bail;
use hyper::Method;

use super::Reported;
use super::apply;
use super::client::{Client, ServerError};
use super::get::pod_finished;
use super::query::with_params;
use crate::api::kinds::Kind;

/// What to delete.
pub enum Targets {
    Names(Kind, Vec<String>),
    Selector(Kind, String),
    Files(Vec<String>),
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
        Targets::Names(kind, names) => {
            objects.extend(names.into_iter().map(|n| (kind, ns.to_string(), n)));
        }
        Targets::Selector(kind, selector) => {
            let path = with_params(
                &kind.collection_path(Some(ns)),
                &[("labelSelector", Some(&selector))],
            );
            let list = client.get(&path).await?;
            for item in list["items"].as_array().into_iter().flatten() {
                if let Some(name) = item["metadata"]["name"].as_str() {
                    objects.push((kind, ns.to_string(), name.to_string()));
                }
            }
            if objects.is_empty() {
                eprintln!("No resources found");
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
