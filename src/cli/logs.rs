//! `dockjob logs (POD | TYPE/NAME | -l SELECTOR) [-c CONTAINER] [-f] [-p] [--tail=N]
//! [--since=D | --since-time=T] [--timestamps] [--all-containers] [--prefix]`: container
//! output, as kubectl asks the log API for it. For a Job the pod is picked as kubectl
//! picks it: a running pod first, else the oldest. The options go to the engine as the
//! Kubernetes log API's query parameters; only the choice of pods and containers, the
//! `[pod/NAME/CONTAINER] ` prefixes and the merging of followed streams happen here.

use std::io::Write;

use anyhow::{Context, anyhow, bail};
use futures::StreamExt;
use serde_json::Value;

use super::client::Client;
use super::query::with_params;
use super::wait::parse_go_duration;
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

/// kubectl's usage line for `logs`, in its usage error.
const USAGE_ERR: &str = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command";

/// kubectl's default `--tail` when pods are chosen by selector.
const SELECTOR_TAIL: i64 = 10;

/// `logs`' flags, as given.
#[derive(Debug, Clone, Default)]
pub struct LogsArgs {
    /// POD, pod/NAME or job/NAME.
    pub target: Option<String>,
    /// The inline `[CONTAINER]` after the target.
    pub inline_container: Option<String>,
    pub container: Option<String>,
    pub follow: bool,
    pub previous: bool,
    pub timestamps: bool,
    pub all_containers: bool,
    pub prefix: bool,
    /// A Go duration (`10s`, `5m`).
    pub since: Option<String>,
    /// RFC3339.
    pub since_time: Option<String>,
    /// `None`: not given (all lines, or 10 with a selector); -1: all.
    pub tail: Option<i64>,
    pub limit_bytes: i64,
    pub selector: Option<String>,
    pub max_log_requests: usize,
    pub namespace: String,
}

/// The log API query shared by every container asked, from checked flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogQuery {
    pub follow: bool,
    pub previous: bool,
    pub timestamps: bool,
    pub since_seconds: Option<i64>,
    pub since_time: Option<String>,
    pub tail_lines: Option<i64>,
    pub limit_bytes: Option<i64>,
}

impl LogQuery {
    /// The `.../log` path for one container.
    pub fn path(&self, ns: &str, pod: &str, container: Option<&str>) -> String {
        let t = |b: bool| b.then_some("true");
        let since_seconds = self.since_seconds.map(|s| s.to_string());
        let tail = self.tail_lines.map(|s| s.to_string());
        let limit = self.limit_bytes.map(|s| s.to_string());
        with_params(
            &format!("{}/log", Kind::Pod.object_path(ns, pod)),
            &[
                ("container", container),
                ("follow", t(self.follow)),
                ("previous", t(self.previous)),
                ("sinceSeconds", since_seconds.as_deref()),
                ("sinceTime", self.since_time.as_deref()),
                ("timestamps", t(self.timestamps)),
                ("tailLines", tail.as_deref()),
                ("limitBytes", limit.as_deref()),
            ],
        )
    }
}

/// kubectl's `Complete` and `Validate`: refuses bad flags (with kubectl's messages)
/// before the engine is reached, and builds the query.
pub fn check(args: &LogsArgs) -> anyhow::Result<LogQuery> {
    match (&args.target, &args.selector) {
        // kubectl's UsageErrorf adds where to find the usage.
        (None, None) => bail!("{USAGE_ERR}\nSee 'dockjob logs -h' for help and examples"),
        (Some(_), Some(_)) => bail!("only a selector (-l) or a POD name is allowed"),
        _ => {}
    }
    let since_time = match args.since_time.as_deref() {
        Some(t) => {
            let ts = t
                .parse::<jiff::Timestamp>()
                .map_err(|_| anyhow!("parsing time \"{t}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"{t}\" as \"2006\""))?;
            Some(ts.to_string())
        }
        None => None,
    };
    let since_nanos = match args.since.as_deref() {
        Some(s) => parse_go_duration(s)
            .map_err(|e| anyhow!("invalid argument \"{s}\" for \"--since\" flag: {e}"))?,
        None => 0,
    };
    if since_time.is_some() && since_nanos != 0 {
        bail!("at most one of `sinceTime` or `sinceSeconds` may be specified");
    }
    let container = args.container.as_ref().or(args.inline_container.as_ref());
    if let (true, Some(c)) = (args.all_containers, container) {
        bail!("--all-containers=true should not be specified with container name {c}");
    }
    if args.container.is_some() && args.inline_container.is_some() {
        bail!("only one of -c or an inline [CONTAINER] arg is allowed");
    }
    if args.limit_bytes < 0 {
        bail!("--limit-bytes must be greater than 0");
    }
    // Go's Duration.Round(time.Second): halves away from zero.
    let since_seconds = round_to_seconds(since_nanos);
    if since_seconds < 0 {
        bail!("--since must be greater than 0");
    }
    let tail_lines = match args.tail {
        None if args.selector.is_some() => Some(SELECTOR_TAIL),
        None | Some(-1) => None,
        Some(n) if n < -1 => bail!("--tail must be greater than or equal to -1"),
        Some(n) => Some(n),
    };
    Ok(LogQuery {
        follow: args.follow,
        previous: args.previous,
        timestamps: args.timestamps,
        since_seconds: (since_nanos != 0).then_some(since_seconds),
        since_time,
        tail_lines,
        limit_bytes: (args.limit_bytes != 0).then_some(args.limit_bytes),
    })
}

fn round_to_seconds(nanos: i128) -> i64 {
    const S: i128 = 1_000_000_000;
    let whole = nanos / S;
    let rem = nanos % S;
    let rounded = if rem.abs() * 2 >= S {
        whole + rem.signum()
    } else {
        whole
    };
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// One log stream to print: the pod, the container (`None`: the pod's default) and the
/// prefix for its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSource {
    pub pod: String,
    pub container: Option<String>,
    pub prefix: Option<String>,
}

/// The streams for the chosen pods, in kubectl's order: per pod, init containers then
/// app containers with `--all-containers`, else the named or default container. Lines
/// are prefixed `[pod/NAME/CONTAINER] ` with `--prefix` or when several pods are shown.
pub fn sources(pods: &[Value], container: Option<&str>, all: bool, prefix: bool) -> Vec<LogSource> {
    let prefix = prefix || pods.len() > 1;
    let mut out = Vec::new();
    for pod in pods {
        let name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
        let names = |field: &str| -> Vec<String> {
            pod["spec"][field]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        };
        let containers: Vec<Option<String>> = if all {
            names("initContainers")
                .into_iter()
                .chain(names("containers"))
                .map(Some)
                .collect()
        } else {
            vec![container.map(str::to_string)]
        };
        for c in containers {
            let shown = c.clone().or_else(|| names("containers").into_iter().next());
            out.push(LogSource {
                pod: name.clone(),
                prefix: prefix.then(|| format!("[pod/{name}/{}] ", shown.unwrap_or_default())),
                container: c,
            });
        }
    }
    out
}

/// Cuts a byte stream into whole lines, each with the prefix: kubectl writes a
/// followed stream line by line, so streams never interleave mid-line.
#[derive(Debug, Default)]
pub struct Lines {
    prefix: Vec<u8>,
    pending: Vec<u8>,
}

impl Lines {
    pub fn new(prefix: Option<&str>) -> Lines {
        Lines {
            prefix: prefix.unwrap_or("").as_bytes().to_vec(),
            pending: Vec::new(),
        }
    }

    /// The complete lines so far, prefixed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let Some(last_nl) = self.pending.iter().rposition(|b| *b == b'\n') else {
            return Vec::new();
        };
        let rest = self.pending.split_off(last_nl + 1);
        let done = std::mem::replace(&mut self.pending, rest);
        let mut out = Vec::with_capacity(done.len());
        for line in done.split_inclusive(|b| *b == b'\n') {
            out.extend_from_slice(&self.prefix);
            out.extend_from_slice(line);
        }
        out
    }

    /// A last line without its newline, prefixed (nothing if there is none).
    pub fn finish(&mut self) -> Vec<u8> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let mut out = self.prefix.clone();
        out.append(&mut self.pending);
        out
    }
}

/// `dockjob logs TARGET [-c C] [-f]` with no other flag (used by `run -i`).
pub async fn run(
    client: &Client,
    target: &str,
    container: Option<&str>,
    follow: bool,
    ns: &str,
) -> anyhow::Result<()> {
    let args = LogsArgs {
        target: Some(target.to_string()),
        container: container.map(str::to_string),
        follow,
        max_log_requests: 5,
        namespace: ns.to_string(),
        ..LogsArgs::default()
    };
    let query = check(&args)?;
    run_args(client, &args, &query).await
}

/// The pods `args` name.
async fn pods(client: &Client, args: &LogsArgs) -> anyhow::Result<Vec<Value>> {
    let ns = &args.namespace;
    let list = |selector: String| async move {
        let path = with_params(
            &Kind::Pod.collection_path(Some(ns)),
            &[("labelSelector", Some(&selector))],
        );
        anyhow::Ok(
            client.get(&path).await?["items"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        )
    };
    if let Some(selector) = &args.selector {
        let mut pods = list(selector.clone()).await?;
        pods.sort_by(|a, b| {
            a["metadata"]["name"]
                .as_str()
                .cmp(&b["metadata"]["name"].as_str())
        });
        return Ok(pods);
    }
    let target = args.target.as_deref().unwrap_or("");
    let pod_name = match target.split_once('/') {
        None => target,
        Some((kind, name)) => match Kind::from_cli(kind) {
            Some(Kind::Pod) => name,
            Some(Kind::Job) => {
                let job = client.get(&Kind::Job.object_path(ns, name)).await?;
                let uid = job["metadata"]["uid"].as_str().unwrap_or("");
                let pods = list(format!("{BATCH_CONTROLLER_UID}={uid}")).await?;
                return match pick_pod(&pods) {
                    Some(p) => Ok(vec![p.clone()]),
                    None => bail!("no pods found for job.batch/{name}"),
                };
            }
            _ => bail!("cannot get logs from {kind}: use a pod name, pod/NAME or job/NAME"),
        },
    };
    Ok(vec![
        client.get(&Kind::Pod.object_path(ns, pod_name)).await?,
    ])
}

/// `dockjob logs` with every flag.
pub async fn run_args(client: &Client, args: &LogsArgs, query: &LogQuery) -> anyhow::Result<()> {
    let pods = pods(client, args).await?;
    if pods.is_empty() {
        eprintln!("No resources found in {} namespace.", args.namespace);
        return Ok(());
    }
    let container = args
        .container
        .as_deref()
        .or(args.inline_container.as_deref());
    let sources = sources(&pods, container, args.all_containers, args.prefix);
    if query.follow && sources.len() > 1 {
        if sources.len() > args.max_log_requests {
            bail!(
                "you are attempting to follow {} log streams, but maximum allowed concurrency is {}, use --max-log-requests to increase the limit",
                sources.len(),
                args.max_log_requests
            );
        }
        return parallel(client, &args.namespace, query, sources).await;
    }
    let mut out = std::io::stdout().lock();
    for source in sources {
        let path = query.path(&args.namespace, &source.pod, source.container.as_deref());
        let mut stream = Box::pin(client.stream(&path).await?);
        let mut lines = source.prefix.as_deref().map(|p| Lines::new(Some(p)));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            let bytes = match lines.as_mut() {
                Some(l) => l.push(&chunk),
                None => chunk.to_vec(),
            };
            out.write_all(&bytes).context("writing logs to stdout")?;
            out.flush().ok();
        }
        if let Some(l) = lines.as_mut() {
            out.write_all(&l.finish())
                .context("writing logs to stdout")?;
        }
    }
    out.flush().ok();
    Ok(())
}

/// Follows several streams at once, whole lines at a time; the first error ends all.
async fn parallel(
    client: &Client,
    ns: &str,
    query: &LogQuery,
    sources: Vec<LogSource>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<u8>>>(64);
    for source in sources {
        let path = query.path(ns, &source.pod, source.container.as_deref());
        let client = client.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let result: anyhow::Result<()> = async {
                let mut stream = Box::pin(client.stream(&path).await?);
                let mut lines = Lines::new(source.prefix.as_deref());
                while let Some(chunk) = stream.next().await {
                    let bytes = lines.push(&chunk?);
                    if !bytes.is_empty() && tx.send(Ok(bytes)).await.is_err() {
                        return Ok(());
                    }
                }
                let _ = tx.send(Ok(lines.finish())).await;
                Ok(())
            }
            .await;
            if let Err(e) = result {
                let _ = tx.send(Err(e)).await;
            }
        });
    }
    drop(tx);
    let mut out = std::io::stdout().lock();
    while let Some(item) = rx.recv().await {
        out.write_all(&item?).context("writing logs to stdout")?;
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

    fn args() -> LogsArgs {
        LogsArgs {
            target: Some("p".into()),
            max_log_requests: 5,
            namespace: "default".into(),
            ..LogsArgs::default()
        }
    }

    fn err(a: LogsArgs) -> String {
        check(&a).unwrap_err().to_string()
    }

    #[test]
    fn flags_become_the_log_api_query() {
        let q = check(&LogsArgs {
            since: Some("90s".into()),
            tail: Some(5),
            timestamps: true,
            previous: true,
            ..args()
        })
        .unwrap();
        assert_eq!(
            q.path("ns", "p", Some("c")),
            "/api/v1/namespaces/ns/pods/p/log?container=c&previous=true&sinceSeconds=90&timestamps=true&tailLines=5"
        );
        let q = check(&LogsArgs {
            since_time: Some("2026-01-02T03:04:05+01:00".into()),
            tail: Some(-1),
            limit_bytes: 10,
            follow: true,
            ..args()
        })
        .unwrap();
        assert_eq!(
            q.path("ns", "p", None),
            "/api/v1/namespaces/ns/pods/p/log?follow=true&sinceTime=2026-01-02T02%3A04%3A05Z&limitBytes=10"
        );
        // A selector shows the last 10 lines unless --tail says otherwise; 1.5s rounds up.
        let q = check(&LogsArgs {
            target: None,
            selector: Some("a=b".into()),
            since: Some("1500ms".into()),
            ..args()
        })
        .unwrap();
        assert_eq!((q.tail_lines, q.since_seconds), (Some(10), Some(2)));
    }

    #[test]
    fn kubectls_flag_errors() {
        assert!(
            err(LogsArgs {
                target: None,
                ..args()
            })
            .starts_with("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.")
        );
        assert_eq!(
            err(LogsArgs {
                selector: Some("a=b".into()),
                ..args()
            }),
            "only a selector (-l) or a POD name is allowed"
        );
        assert_eq!(
            err(LogsArgs {
                since: Some("5s".into()),
                since_time: Some("2026-01-01T00:00:00Z".into()),
                ..args()
            }),
            "at most one of `sinceTime` or `sinceSeconds` may be specified"
        );
        assert_eq!(
            err(LogsArgs {
                all_containers: true,
                container: Some("c".into()),
                ..args()
            }),
            "--all-containers=true should not be specified with container name c"
        );
        assert_eq!(
            err(LogsArgs {
                inline_container: Some("c".into()),
                container: Some("d".into()),
                ..args()
            }),
            "only one of -c or an inline [CONTAINER] arg is allowed"
        );
        assert_eq!(
            err(LogsArgs {
                tail: Some(-2),
                ..args()
            }),
            "--tail must be greater than or equal to -1"
        );
        assert_eq!(
            err(LogsArgs {
                since: Some("-5s".into()),
                ..args()
            }),
            "--since must be greater than 0"
        );
        assert_eq!(
            err(LogsArgs {
                limit_bytes: -1,
                ..args()
            }),
            "--limit-bytes must be greater than 0"
        );
    }

    #[test]
    fn sources_in_kubectls_order_with_prefixes() {
        let pod = |n: &str| {
            json!({"metadata": {"name": n}, "spec": {
            "initContainers": [{"name": "init"}], "containers": [{"name": "a"}, {"name": "b"}]}})
        };
        let one = [pod("p")];
        let all = sources(&one, None, true, false);
        let names: Vec<_> = all
            .iter()
            .map(|s| s.container.as_deref().unwrap())
            .collect();
        assert_eq!(names, ["init", "a", "b"]);
        assert!(all.iter().all(|s| s.prefix.is_none()));
        let prefixed = sources(&one, None, false, true);
        assert_eq!(prefixed[0].prefix.as_deref(), Some("[pod/p/a] "));
        assert_eq!(prefixed[0].container, None);
        let two = [pod("p1"), pod("p2")];
        let s = sources(&two, Some("b"), false, false);
        let prefixes: Vec<_> = s.iter().map(|s| s.prefix.as_deref().unwrap()).collect();
        assert_eq!(prefixes, ["[pod/p1/b] ", "[pod/p2/b] "]);
    }

    #[test]
    fn lines_are_prefixed_whole() {
        let mut l = Lines::new(Some("[pod/p/c] "));
        assert_eq!(l.push(b"one\ntw"), b"[pod/p/c] one\n");
        assert_eq!(l.push(b"o"), b"");
        assert_eq!(
            l.push(b"\nthree\nfour"),
            b"[pod/p/c] two\n[pod/p/c] three\n"
        );
        assert_eq!(l.finish(), b"[pod/p/c] four");
        assert_eq!(l.finish(), b"");
        assert_eq!(round_to_seconds(-1_500_000_000), -2);
    }
}
