//! `dockjob describe KIND[,KIND...] [NAME...] | KIND/NAME...`: kubectl's layout for every
//! kind dockjob serves, with the object's events. Without names, every object of the
//! kind (or those `-l` selects) is described; a name that matches nothing falls back to
//! the objects whose names start with it, as kubectl's `describe pod oneshot` finds
//! `oneshot-x7k2p`.

use anyhow::bail;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, Secret, Service};
use serde_json::Value;

use super::Reported;
use super::client::{Client, ServerError};
use super::printers;
use super::query::with_params;
use super::resources::Selection;
use crate::api::kinds::Kind;
use crate::api::labels::BATCH_CONTROLLER_UID;

/// What `describe` was asked for.
#[derive(Debug, Clone)]
pub struct DescribeArgs {
    pub selection: Selection,
    pub selector: Option<String>,
    pub namespace: String,
    pub all_namespaces: bool,
}

async fn events_for(client: &Client, ns: &str, uid: &str) -> anyhow::Result<Vec<Event>> {
    let path = with_params(
        &Kind::Event.collection_path(Some(ns)),
        &[("fieldSelector", Some(&format!("involvedObject.uid={uid}")))],
    );
    let list = client.get(&path).await?;
    let mut events: Vec<Event> = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    // Timestamps have one-second resolution; the resourceVersion keeps events of the
    // same second in the order they were recorded.
    events.sort_by_key(|e| {
        let rv = e
            .metadata
            .resource_version
            .as_deref()
            .and_then(|v| v.parse::<u64>().ok());
        (e.first_timestamp.as_ref().map(|t| t.0), rv)
    });
    Ok(events)
}

/// The pods of `ns` a label selector string matches (all of them for `None`).
async fn pods_matching(
    client: &Client,
    ns: &str,
    selector: Option<&str>,
) -> anyhow::Result<Vec<Pod>> {
    let path = with_params(
        &Kind::Pod.collection_path(Some(ns)),
        &[("labelSelector", selector)],
    );
    Ok(client.get(&path).await?["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect()
        })
        .unwrap_or_default())
}

fn text(v: &Value, field: &str) -> String {
    v["metadata"][field].as_str().unwrap_or("").to_string()
}

/// The description of one object, as kubectl's describer for its kind writes it.
async fn describe_one(client: &Client, kind: Kind, value: Value) -> anyhow::Result<String> {
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::system();
    let ns = text(&value, "namespace");
    let uid = text(&value, "uid");
    let events = events_for(client, &ns, &uid).await?;
    Ok(match kind {
        Kind::Job => {
            let job: Job = serde_json::from_value(value)?;
            let selector = format!("{BATCH_CONTROLLER_UID}={uid}");
            let pods = pods_matching(client, &ns, Some(&selector)).await?;
            printers::describe_job(&job, &pods, &events, now, &tz)
        }
        Kind::Pod => {
            let pod: Pod = serde_json::from_value(value)?;
            printers::describe_pod(&pod, &events, now, &tz)
        }
        Kind::CronJob => {
            let cj: CronJob = serde_json::from_value(value)?;
            printers::describe_cronjob(&cj, &events, now, &tz)
        }
        Kind::ConfigMap => {
            let cm: ConfigMap = serde_json::from_value(value)?;
            printers::describe_configmap(&cm, &events, now)
        }
        Kind::Secret => {
            let secret: Secret = serde_json::from_value(value)?;
            printers::describe_secret(&secret)
        }
        Kind::Service => {
            let svc: Service = serde_json::from_value(value)?;
            // Endpoints come from the pods the selector matches; no selector, no pods.
            let pods = match svc.spec.as_ref().and_then(|s| s.selector.as_ref()) {
                Some(sel) => {
                    let s: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    pods_matching(client, &ns, Some(&s.join(","))).await?
                }
                None => Vec::new(),
            };
            printers::describe_service(&svc, &pods, &events, now)
        }
        Kind::ReplicaSet => {
            let rs: ReplicaSet = serde_json::from_value(value)?;
            let selector =
                printers::selector_string(Some(&rs.spec.selector)).map_err(anyhow::Error::msg)?;
            let pods = pods_matching(client, &ns, Some(&selector)).await?;
            printers::describe_replicaset(&rs, &pods, &events, now, &tz)
        }
        Kind::Event => bail!("describe does not support events; use `dockjob get events`"),
    })
}

/// kubectl's `DescribeMatchingResources`: the objects of `kind` whose names start with
/// `prefix`.
async fn matching(
    client: &Client,
    kind: Kind,
    ns: &str,
    prefix: &str,
) -> anyhow::Result<Vec<Value>> {
    let list = client.get(&kind.collection_path(Some(ns))).await?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| {
            v["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .cloned()
        .collect())
}

/// The objects to describe, kind by kind; missing names are reported on stderr (the
/// flag says so).
async fn collect(
    client: &Client,
    args: &DescribeArgs,
) -> anyhow::Result<(Vec<(Kind, Value)>, bool)> {
    let mut out = Vec::new();
    let mut failed = false;
    let sel = &args.selection;
    for r in &sel.requests {
        if r.names.is_empty() {
            let ns = (!args.all_namespaces).then_some(args.namespace.as_str());
            let path = with_params(
                &r.kind.collection_path(ns),
                &[("labelSelector", args.selector.as_deref())],
            );
            let list = client.get(&path).await?;
            out.extend(
                list["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| (r.kind, v.clone())),
            );
            continue;
        }
        for name in &r.names {
            match client.get(&r.kind.object_path(&args.namespace, name)).await {
                Ok(v) => out.push((r.kind, v)),
                Err(e) => match e.downcast_ref::<ServerError>() {
                    Some(se) if se.code == 404 && sel.single_item && !sel.with_kind => {
                        let found = matching(client, r.kind, &args.namespace, name).await?;
                        if found.is_empty() {
                            eprintln!("{e}");
                            failed = true;
                        }
                        out.extend(found.into_iter().map(|v| (r.kind, v)));
                    }
                    Some(_) => {
                        eprintln!("{e}");
                        failed = true;
                    }
                    None => return Err(e),
                },
            }
        }
    }
    Ok((out, failed))
}

/// `dockjob describe`.
pub async fn run(client: &Client, args: &DescribeArgs) -> anyhow::Result<()> {
    if args.selection.has_names() && args.selector.is_some() {
        bail!("name cannot be provided when a selector is specified");
    }
    let (objects, failed) = collect(client, args).await?;
    if objects.is_empty() && !failed {
        if args.all_namespaces {
            eprintln!("No resources found");
        } else {
            eprintln!("No resources found in {} namespace.", args.namespace);
        }
        return Ok(());
    }
    let mut first = true;
    for (kind, value) in objects {
        let text = describe_one(client, kind, value).await?;
        // kubectl: the first description as is, each next one after "\n\n".
        if first {
            print!("{text}");
        } else {
            print!("\n\n{text}");
        }
        first = false;
    }
    if failed {
        return Err(Reported(1).into());
    }
    Ok(())
}
