//! `dockjob get KIND [NAME...]`: tables as kubectl prints them, or yaml/json/name.
//!
//! Like `docker ps`, the default view is what is live: jobs without a Complete or
//! Failed condition, pods that are Pending or Running. `-a` adds the finished ones.
//! Objects asked for by name are always shown.

use anyhow::bail;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Reported;
use super::client::{Client, ServerError};
use super::printers::{self, TableOptions};
use super::query::with_params;
use crate::api::kinds::Kind;

/// What `get` was asked for.
#[derive(Debug, Clone)]
pub struct GetArgs {
    pub kind: Kind,
    pub names: Vec<String>,
    pub all: bool,
    pub selector: Option<String>,
    pub output: Option<String>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub no_headers: bool,
}

/// Whether a job has finished (a Complete or Failed condition that is True).
pub fn job_finished(v: &Value) -> bool {
    v["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
    })
}

/// Whether a pod has ended (Succeeded or Failed).
pub fn pod_finished(v: &Value) -> bool {
    matches!(v["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
}

fn is_live(kind: Kind, v: &Value) -> bool {
    match kind {
        Kind::Job => !job_finished(v),
        Kind::Pod => !pod_finished(v),
        Kind::Event => true,
    }
}

/// Lists the objects `args` selects (names, or a filtered list).
pub async fn fetch(client: &Client, args: &GetArgs) -> anyhow::Result<(Vec<Value>, bool)> {
    let mut items = Vec::new();
    let mut failed = false;
    if args.names.is_empty() {
        let ns = (!args.all_namespaces).then_some(args.namespace.as_str());
        let path = with_params(
            &args.kind.collection_path(ns),
            &[("labelSelector", args.selector.as_deref())],
        );
        let list = client.get(&path).await?;
        items = list["items"].as_array().cloned().unwrap_or_default();
        if !args.all {
            items.retain(|v| is_live(args.kind, v));
        }
    } else {
        for name in &args.names {
            match client
                .get(&args.kind.object_path(&args.namespace, name))
                .await
            {
                Ok(v) => items.push(v),
                Err(e) if e.downcast_ref::<ServerError>().is_some() => {
                    eprintln!("{e}");
                    failed = true;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok((items, failed))
}

fn typed<T: DeserializeOwned>(items: &[Value]) -> anyhow::Result<Vec<T>> {
    items
        .iter()
        .map(|v| serde_json::from_value(v.clone()).map_err(Into::into))
        .collect()
}

/// `dockjob get`.
pub async fn run(client: &Client, args: &GetArgs) -> anyhow::Result<()> {
    let (items, failed) = fetch(client, args).await?;
    let out = render(args, &items)?;
    if items.is_empty() && !failed && args.output.as_deref().is_none_or(|o| o == "wide") {
        if args.all_namespaces {
            eprintln!("No resources found");
        } else {
            eprintln!("No resources found in {} namespace.", args.namespace);
        }
    } else {
        print!("{out}");
    }
    if failed {
        return Err(Reported(1).into());
    }
    Ok(())
}

/// The text `get` prints for `items`.
pub fn render(args: &GetArgs, items: &[Value]) -> anyhow::Result<String> {
    let now = jiff::Timestamp::now();
    let opts = TableOptions {
        wide: args.output.as_deref() == Some("wide"),
        no_headers: args.no_headers,
        show_namespace: args.all_namespaces,
    };
    match args.output.as_deref() {
        None | Some("wide") => Ok(match args.kind {
            Kind::Job => printers::jobs_table(&typed::<Job>(items)?, now, &opts),
            Kind::Pod => printers::pods_table(&typed::<Pod>(items)?, now, &opts),
            Kind::Event => printers::events_table(&typed::<Event>(items)?, now, &opts),
        }),
        Some(fmt @ ("yaml" | "json")) => {
            let value = if args.names.len() == 1 && items.len() == 1 {
                items[0].clone()
            } else {
                printers::list_value(items.to_vec())
            };
            if fmt == "yaml" {
                Ok(printers::to_yaml(&value)?)
            } else {
                Ok(printers::to_json(&value)?)
            }
        }
        Some("name") => {
            let names: Vec<String> = items
                .iter()
                .filter_map(|v| v["metadata"]["name"].as_str().map(str::to_string))
                .collect();
            Ok(printers::names(&args.kind.qualified(), &names))
        }
        Some(other) => bail!(
            "unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,name,wide,yaml"
        ),
    }
}
