//! `dockjob logs POD | job/NAME [-c CONTAINER] [-f]`: a container's output. For a Job,
//! the pod is picked as kubectl picks it: a running pod first, else the oldest.

use std::io::Write;

use anyhow::{Context, bail};
use futures::StreamExt;
use serde_json::Value;

use super::client::Client;
use super::query::with_params;
use crate::api::kinds::Kind;
use crate::api::labels::BATCH_CONTROLLER_UID;

/// The pod whose logs `job/NAME` shows.
pub fn pick_pod(pods: &[Value]) -> Option<&Value> {
    let rank = |p: &Value| match p["status"]["phase"].as_str() {
        Some("Running") => 0,
        Some("Succeeded" | "Failed") => 1,
        _ => 2,
    };
    pods.iter().min_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| {
            let t = |p: &Value| {
                p["metadata"]["creationTimestamp"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            };
            t(a).cmp(&t(b))
        })
    })
}

/// `dockjob logs`.
pub async fn run(
    client: &Client,
    target: &str,
    container: Option<&str>,
    follow: bool,
    ns: &str,
) -> anyhow::Result<()> {
    let pod_name = match target.split_once('/') {
        None => target.to_string(),
        Some((kind, name)) => match Kind::from_cli(kind) {
            Some(Kind::Pod) => name.to_string(),
            Some(Kind::Job) => {
                let job = client.get(&Kind::Job.object_path(ns, name)).await?;
                let uid = job["metadata"]["uid"].as_str().unwrap_or("");
                let path = with_params(
                    &Kind::Pod.collection_path(Some(ns)),
                    &[(
                        "labelSelector",
                        Some(&format!("{BATCH_CONTROLLER_UID}={uid}")),
                    )],
                );
                let pods = client.get(&path).await?["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                match pick_pod(&pods) {
                    Some(p) => p["metadata"]["name"].as_str().unwrap_or("").to_string(),
                    None => bail!("no pods found for job.batch/{name}"),
                }
            }
            _ => bail!("cannot get logs from {kind}: use a pod name, pod/NAME or job/NAME"),
        },
    };
    let follow_s = follow.then_some("true");
    let path = with_params(
        &format!("{}/log", Kind::Pod.object_path(ns, &pod_name)),
        &[("container", container), ("follow", follow_s)],
    );
    let mut stream = Box::pin(client.stream(&path).await?);
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        out.write_all(&chunk).context("writing logs to stdout")?;
        out.flush().ok();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn running_pod_first_then_oldest() {
        let pods = vec![
            json!({"metadata": {"name": "a", "creationTimestamp": "2026-01-01T00:00:02Z"}, "status": {"phase": "Succeeded"}}),
            json!({"metadata": {"name": "b", "creationTimestamp": "2026-01-01T00:00:01Z"}, "status": {"phase": "Failed"}}),
            json!({"metadata": {"name": "c", "creationTimestamp": "2026-01-01T00:00:03Z"}, "status": {"phase": "Running"}}),
        ];
        assert_eq!(pick_pod(&pods).unwrap()["metadata"]["name"], "c");
        assert_eq!(pick_pod(&pods[..2]).unwrap()["metadata"]["name"], "b");
        assert!(pick_pod(&[]).is_none());
    }
}
