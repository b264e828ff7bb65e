//! `dockjob run NAME --image=IMAGE [--restart=OnFailure|Never] [--env K=V]... [--labels
//! k=v,...] [--command] [-i] [-- ARGS...]`: the seed book's `kubectl run
//! --restart=OnFailure`, which made a batch/v1 Job (kubectl's old `job/v1` generator):
//! labels `run=NAME` unless `--labels`, one container named NAME, the words after `--`
//! as its args (its command with `--command`). Prints `job.batch/NAME created`.
//!
//! With `-i` it attaches as kubectl does, output only (dockjob passes no standard input
//! to containers): waits for the Job's pod to start, streams its logs until the
//! container ends, waits for the pod to finish and exits with its exit code, as
//! kubectl's `run -i` does (0 when it succeeded; `pod NS/NAME terminated (REASON)` and
//! the container's code when it failed).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::bail;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::Reported;
use super::client::Client;
use super::logs;
use super::query::with_params;
use crate::api::kinds::Kind;
use crate::api::labels::BATCH_CONTROLLER_UID;

/// kubectl's `--pod-running-timeout` default: how long `-i` waits for the pod to start.
pub const POD_RUNNING_TIMEOUT: Duration = Duration::from_secs(60);

/// How often the pod is looked at while waiting.
const POLL: Duration = Duration::from_millis(200);

/// What `run` was asked for, as typed.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub name: Option<String>,
    pub image: Option<String>,
    /// `--restart`: OnFailure (the default here) or Never.
    pub restart: Option<String>,
    /// `--env K=V`, repeatable.
    pub env: Vec<String>,
    /// `--labels k=v,...`.
    pub labels: Option<String>,
    /// `--command`: the words after `--` are the command, not the args.
    pub command: bool,
    /// `-i`: attach to the pod's output and exit with its code.
    pub stdin: bool,
    /// The words after `--`.
    pub args: Vec<String>,
    pub namespace: String,
}

/// kubectl's usage errors end with a pointer to the help.
fn usage(message: &str) -> anyhow::Error {
    anyhow::anyhow!("{message}\nSee 'dockjob run -h' for help and examples")
}

/// kubectl's `parseEnvs`: `NAME=VALUE`, NAME a valid environment variable name.
pub fn parse_env(items: &[String]) -> anyhow::Result<Vec<EnvVar>> {
    items
        .iter()
        .map(|item| {
            let Some((name, value)) = item.split_once('=') else {
                bail!("invalid env: {item}");
            };
            if !is_env_var_name(name) {
                bail!("invalid env: {item}");
            }
            Ok(EnvVar {
                name: name.to_string(),
                value: Some(value.to_string()),
                value_from: None,
            })
        })
        .collect()
}

/// apimachinery's `IsEnvVarName`: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
fn is_env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_') => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// kubectl's `generate.ParseLabels`: `k=v,k2=v2`.
pub fn parse_labels(spec: &str) -> anyhow::Result<BTreeMap<String, String>> {
    if spec.is_empty() {
        bail!("no label spec passed");
    }
    let mut labels = BTreeMap::new();
    for item in spec.split(',') {
        let parts: Vec<&str> = item.split('=').collect();
        if parts.len() != 2 {
            bail!("unexpected label spec: {item}");
        }
        if parts[0].is_empty() {
            bail!("unexpected empty label key");
        }
        labels.insert(parts[0].to_string(), parts[1].to_string());
    }
    Ok(labels)
}

/// distribution's reference grammar (what kubectl's `reference.ReferenceRegexp`
/// accepts): `[domain[:port]/]path[:tag][@digest]`, path components lower case.
pub fn valid_image(image: &str) -> bool {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest {
        let Some((algo, hex)) = d.split_once(':') else {
            return false;
        };
        if algo.is_empty()
            || !algo
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c))
            || hex.len() < 32
            || !hex.chars().all(|c| c.is_ascii_hexdigit())
        {
            return false;
        }
    }
    // A tag is after the last ':' that follows the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let mut cs = tag.chars();
        let first_ok = cs
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !first_ok
            || tag.len() > 128
            || !cs.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return false;
        }
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let domain = parts[0];
        if domain.contains('.') || domain.contains(':') || domain == "localhost" {
            let host = domain.split(':').next().unwrap_or("");
            let port_ok = domain
                .split_once(':')
                .is_none_or(|(_, p)| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            let host_ok = !host.is_empty()
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                });
            if !(port_ok && host_ok) {
                return false;
            }
            parts.remove(0);
        }
    }
    !parts.is_empty() && parts.iter().all(|p| valid_path_component(p))
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`.
fn valid_path_component(p: &str) -> bool {
    let b = p.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_alnum(b[i]) {
            i += 1;
        }
        let sep = &p[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// kubectl's checks, then the Job it would create (kubectl's `job/v1` generator).
pub fn build(args: &RunArgs) -> anyhow::Result<Job> {
    let Some(name) = args.name.clone().filter(|n| !n.is_empty()) else {
        return Err(usage("NAME is required for run"));
    };
    let Some(image) = args.image.clone().filter(|i| !i.is_empty()) else {
        return Err(usage("--image is required"));
    };
    if !valid_image(&image) {
        bail!("Invalid image name \"{image}\": invalid reference format");
    }
    let restart = match args.restart.as_deref() {
        // kubectl's default for `run -i`; a Job's pod cannot use Always.
        None | Some("") => "OnFailure",
        Some(r @ ("OnFailure" | "Never")) => r,
        Some("Always") => bail!(
            "--restart=Always is not supported: dockjob runs every `run` as a batch/v1 Job, whose pods must use --restart=OnFailure or --restart=Never"
        ),
        Some(other) => return Err(usage(&format!("invalid restart policy: {other}"))),
    };
    let env = parse_env(&args.env)?;
    let labels = match args.labels.as_deref() {
        Some(spec) => parse_labels(spec)?,
        None => BTreeMap::from([("run".to_string(), name.clone())]),
    };
    let words = (!args.args.is_empty()).then(|| args.args.clone());
    let container = Container {
        name: name.clone(),
        image: Some(image),
        command: if args.command { words.clone() } else { None },
        args: if args.command { None } else { words },
        env: (!env.is_empty()).then_some(env),
        ..Container::default()
    };
    Ok(Job {
        metadata: ObjectMeta {
            name: Some(name),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    restart_policy: Some(restart.to_string()),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        status: None,
    })
}

/// Whether a pod's container has started (or the pod already ended): its logs can be
/// followed.
pub fn pod_started(pod: &Value) -> bool {
    match pod["status"]["phase"].as_str() {
        Some("Running" | "Succeeded" | "Failed") => true,
        _ => pod["status"]["containerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["state"].get("running").is_some() || c["state"].get("terminated").is_some()),
    }
}

/// What `run -i` ends with once the pod has finished: `Ok` when it succeeded, else the
/// exit code and kubectl's message (`None` while it has not finished).
pub fn outcome(pod: &Value) -> Option<Result<(), (i32, String)>> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    match pod["status"]["phase"].as_str() {
        Some("Succeeded") => Some(Ok(())),
        Some("Failed") => {
            let terminated = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
            let code = terminated["exitCode"].as_i64().unwrap_or(0);
            if terminated.is_null() || code == 0 {
                return Some(Err((
                    1,
                    format!("error: pod {ns}/{name} failed with unknown exit code"),
                )));
            }
            Some(Err((
                i32::try_from(code).unwrap_or(1),
                format!(
                    "pod {ns}/{name} terminated ({})\n{}",
                    terminated["reason"].as_str().unwrap_or(""),
                    terminated["message"].as_str().unwrap_or("")
                ),
            )))
        }
        _ => None,
    }
}

/// kubectl's `fatal`: a message gets a newline at its end unless it already has one, so
/// `terminated (Error)\n` followed by an empty termination message prints one line.
fn with_final_newline(message: &str) -> String {
    if message.ends_with('\n') {
        message.to_string()
    } else {
        format!("{message}\n")
    }
}

/// `dockjob run`.
pub async fn run(client: &Client, args: &RunArgs) -> anyhow::Result<()> {
    let job = build(args)?;
    let ns = args.namespace.as_str();
    let (created, warnings) = client
        .request(
            hyper::Method::POST,
            &Kind::Job.collection_path(Some(ns)),
            Some(&serde_json::to_value(&job)?),
        )
        .await?;
    for w in &warnings {
        eprintln!("Warning: {w}");
    }
    let name = created["metadata"]["name"].as_str().unwrap_or("");
    if !args.stdin {
        println!("{}/{name} created", Kind::Job.qualified());
        return Ok(());
    }
    attach(client, ns, &created).await
}

/// `-i`: the Job's first pod, its output, its exit code.
async fn attach(client: &Client, ns: &str, job: &Value) -> anyhow::Result<()> {
    let uid = job["metadata"]["uid"].as_str().unwrap_or("");
    let pods_path = with_params(
        &Kind::Pod.collection_path(Some(ns)),
        &[(
            "labelSelector",
            Some(&format!("{BATCH_CONTROLLER_UID}={uid}")),
        )],
    );
    let deadline = Instant::now() + POD_RUNNING_TIMEOUT;
    let pod_name = loop {
        let pods = client.get(&pods_path).await?["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // The first pod the Job made is the one kubectl attaches to.
        let mut pods: Vec<&Value> = pods.iter().collect();
        pods.sort_by_key(|p| {
            p["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or("")
                .to_string()
        });
        if let Some(p) = pods.first().filter(|p| pod_started(p)) {
            break p["metadata"]["name"].as_str().unwrap_or("").to_string();
        }
        if Instant::now() > deadline {
            bail!("timed out waiting for the condition");
        }
        tokio::time::sleep(POLL).await;
    };
    logs::run(client, &pod_name, None, true, ns).await?;
    let pod_path = Kind::Pod.object_path(ns, &pod_name);
    loop {
        let pod = client.get(&pod_path).await?;
        match outcome(&pod) {
            Some(Ok(())) => return Ok(()),
            Some(Err((code, message))) => {
                eprint!("{}", with_final_newline(&message));
                return Err(Reported(code).into());
            }
            None => tokio::time::sleep(POLL).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(name: &str, image: &str) -> RunArgs {
        RunArgs {
            name: Some(name.into()),
            image: Some(image.into()),
            namespace: "default".into(),
            ..RunArgs::default()
        }
    }

    /// The seed book's `kubectl run -i oneshot --image=... --restart=OnFailure -- ...`.
    #[test]
    fn the_books_oneshot() {
        let mut a = args("oneshot", "dockjob/kuard-amd64:1");
        a.restart = Some("OnFailure".into());
        a.args = vec![
            "--keygen-enable".into(),
            "--keygen-num-to-gen".into(),
            "10".into(),
        ];
        assert_eq!(
            serde_json::to_value(build(&a).unwrap()).unwrap(),
            json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "oneshot", "labels": {"run": "oneshot"}},
                "spec": {"template": {
                    "metadata": {"labels": {"run": "oneshot"}},
                    "spec": {"restartPolicy": "OnFailure", "containers": [{
                        "name": "oneshot", "image": "dockjob/kuard-amd64:1",
                        "args": ["--keygen-enable", "--keygen-num-to-gen", "10"]}]}}}
            })
        );
    }

    #[test]
    fn env_labels_and_command() {
        let mut a = args("hello", "dockjob-test/busybox:1");
        a.restart = Some("Never".into());
        a.env = vec!["GREETING=hi=there".into(), "EMPTY=".into()];
        a.labels = Some("app=demo,tier=batch".into());
        a.command = true;
        a.args = vec!["sh".into(), "-c".into(), "echo $GREETING".into()];
        let job = serde_json::to_value(build(&a).unwrap()).unwrap();
        let labels = json!({"app": "demo", "tier": "batch"});
        assert_eq!(job["metadata"]["labels"], labels);
        assert_eq!(job["spec"]["template"]["metadata"]["labels"], labels);
        let c = &job["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["command"], json!(["sh", "-c", "echo $GREETING"]));
        assert!(c.get("args").is_none());
        assert_eq!(
            c["env"],
            json!([{"name": "GREETING", "value": "hi=there"}, {"name": "EMPTY", "value": ""}])
        );
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
        // No args at all: neither command nor args.
        let bare = serde_json::to_value(build(&args("b", "busybox")).unwrap()).unwrap();
        let c = &bare["spec"]["template"]["spec"]["containers"][0];
        assert!(c.get("command").is_none() && c.get("args").is_none());
        assert_eq!(
            bare["spec"]["template"]["spec"]["restartPolicy"],
            "OnFailure"
        );
    }

    #[test]
    fn kubectls_validation_messages() {
        let err = |a: RunArgs| build(&a).unwrap_err().to_string();
        assert_eq!(
            err(RunArgs::default()),
            "NAME is required for run\nSee 'dockjob run -h' for help and examples"
        );
        assert_eq!(
            err(RunArgs {
                name: Some("x".into()),
                ..RunArgs::default()
            }),
            "--image is required\nSee 'dockjob run -h' for help and examples"
        );
        assert_eq!(
            err(args("x", "Busybox")),
            "Invalid image name \"Busybox\": invalid reference format"
        );
        let mut a = args("x", "busybox");
        a.restart = Some("Sometimes".into());
        assert_eq!(
            err(a.clone()),
            "invalid restart policy: Sometimes\nSee 'dockjob run -h' for help and examples"
        );
        a.restart = Some("Always".into());
        assert!(err(a).starts_with("--restart=Always is not supported"));
        let mut a = args("x", "busybox");
        a.env = vec!["NOVALUE".into()];
        assert_eq!(err(a.clone()), "invalid env: NOVALUE");
        a.env = vec!["1BAD=x".into()];
        assert_eq!(err(a), "invalid env: 1BAD=x");
        let mut a = args("x", "busybox");
        a.labels = Some("a=b,c".into());
        assert_eq!(err(a.clone()), "unexpected label spec: c");
        a.labels = Some("=v".into());
        assert_eq!(err(a), "unexpected empty label key");
    }

    #[test]
    fn image_references() {
        for ok in [
            "busybox",
            "dockjob/kuard-amd64:1",
            "gcr.io/kuar-demo/kuard-amd64:blue",
            "localhost:5000/a/b_c__d-e:v1.2",
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(valid_image(ok), "{ok}");
        }
        for bad in [
            "",
            "Busybox",
            "busybox:",
            "a//b",
            "-a",
            "busybox:-x",
            "a@sha256:xyz",
        ] {
            assert!(!valid_image(bad), "{bad}");
        }
    }

    #[test]
    fn exit_codes_as_kubectl_reports_them() {
        let pod = |phase: &str, terminated: Value| {
            json!({"metadata": {"name": "oneshot-abcde", "namespace": "default"},
                   "status": {"phase": phase, "containerStatuses": [{"state": {"terminated": terminated}}]}})
        };
        assert_eq!(outcome(&json!({"status": {"phase": "Running"}})), None);
        assert_eq!(
            outcome(&pod("Succeeded", json!({"exitCode": 0}))),
            Some(Ok(()))
        );
        assert_eq!(
            outcome(&pod("Failed", json!({"exitCode": 3, "reason": "Error"}))),
            Some(Err((
                3,
                "pod default/oneshot-abcde terminated (Error)\n".to_string()
            )))
        );
        assert_eq!(
            outcome(&pod("Failed", json!({"exitCode": 0}))),
            Some(Err((
                1,
                "error: pod default/oneshot-abcde failed with unknown exit code".to_string()
            )))
        );
        assert_eq!(
            with_final_newline("pod default/oneshot-abcde terminated (Error)\n"),
            "pod default/oneshot-abcde terminated (Error)\n"
        );
        assert_eq!(
            with_final_newline("pod default/oneshot-abcde terminated (OOMKilled)\nbye"),
            "pod default/oneshot-abcde terminated (OOMKilled)\nbye\n"
        );
        assert!(!pod_started(&json!({"status": {"phase": "Pending"}})));
        assert!(pod_started(&json!({"status": {"phase": "Pending",
            "containerStatuses": [{"state": {"running": {}}}]}})));
        assert!(pod_started(&pod("Failed", json!({"exitCode": 1}))));
    }
}
