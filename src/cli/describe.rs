//! `dockjob describe job|cronjob|pod NAME`: kubectl's layout, with the object's events.

use anyhow::bail;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Pod};
use serde_json::Value;

use super::client::Client;
use super::printers;
use super::query::with_params;
use crate::api::kinds::Kind;
use crate::api::labels::BATCH_CONTROLLER_UID;

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

fn uid(v: &Value) -> String {
    v["metadata"]["uid"].as_str().unwrap_or("").to_string()
}

/// `dockjob describe`.
pub async fn run(client: &Client, kind: Kind, names: &[String], ns: &str) -> anyhow::Result<()> {
    if names.is_empty() {
        bail!(
            "you must specify the name of the {} to describe",
            kind.kind().to_lowercase()
        );
    }
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::system();
    let mut first = true;
    for name in names {
        let value = client.get(&kind.object_path(ns, name)).await?;
        let events = events_for(client, ns, &uid(&value)).await?;
        let text = match kind {
            Kind::Job => {
                let job: Job = serde_json::from_value(value.clone())?;
                let path = with_params(
                    &Kind::Pod.collection_path(Some(ns)),
                    &[(
                        "labelSelector",
                        Some(&format!("{BATCH_CONTROLLER_UID}={}", uid(&value))),
                    )],
                );
                let pods: Vec<Pod> = client.get(&path).await?["items"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| serde_json::from_value(v.clone()).ok())
                            .collect()
                    })
                    .unwrap_or_default();
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
            Kind::Event => bail!("describe does not support events; use `dockjob get events`"),
            Kind::ConfigMap | Kind::Secret | Kind::Service | Kind::ReplicaSet => {
                bail!("describe {} is not implemented yet", kind.plural())
            }
        };
        if !first {
            println!();
        }
        first = false;
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }
    Ok(())
}
