//! `dockjob wait --for=condition=NAME[=VALUE]|delete KIND/NAME... [--timeout=D]`:
//! kubectl's `wait`, on the watch stream (list, then watch from the list's version;
//! relist when the stream breaks), with one improvement the issue asks for: a Job that
//! has reached the *other* end (waiting for Complete and it Failed, or the reverse) can
//! never meet the condition, so `wait` says so at once instead of running into the
//! timeout.
//!
//! The argument parsing (`--for`, Go durations) and the condition evaluation are pure
//! functions here; `run` only fetches, watches and prints.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::client::{Client, ServerError};
use super::progress::JobProgress;
use super::terminal;
use super::watch::{self, EventType, Watch};
use crate::api::kinds::Kind;

/// kubectl's default `--timeout`.
pub const DEFAULT_TIMEOUT: &str = "30s";

/// A negative `--timeout` means "wait for a week" (kubectl).
const NEGATIVE_TIMEOUT: Duration = Duration::from_secs(168 * 3600);

/// How long to wait before relisting after the watch stream broke.
const RELIST_PAUSE: Duration = Duration::from_millis(250);

/// Why `wait` stopped without the condition met. The texts are kubectl's where kubectl
/// has one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WaitError {
    #[error("unrecognized condition: {0:?}")]
    UnrecognizedCondition(String),
    #[error(
        "--for=jsonpath is not supported by dockjob; use --for=condition=NAME[=VALUE] or --for=delete"
    )]
    JsonPathUnsupported,
    #[error("invalid argument {value:?} for \"--timeout\" flag: {reason}")]
    InvalidTimeout { value: String, reason: String },
    #[error("timed out waiting for the condition on {resource}/{name}")]
    TimedOut { resource: String, name: String },
    #[error("condition not met for {resource}/{name}")]
    NotMet { resource: String, name: String },
    #[error("{0}")]
    Impossible(String),
    #[error("{resource} {name:?} was deleted while waiting for condition {condition:?}")]
    Deleted {
        resource: String,
        name: String,
        condition: String,
    },
    #[error("no matching resources found")]
    NoMatchingResources,
}

/// `--for=condition=NAME[=VALUE]`: both compared case-insensitively (kubectl folds
/// case); VALUE defaults to `true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub name: String,
    pub status: String,
}

/// What `--for` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitFor {
    Delete,
    Condition(Condition),
}

/// Parses `--for` as kubectl's `conditionFuncFor` does.
pub fn parse_for(s: &str) -> Result<WaitFor, WaitError> {
    if s.eq_ignore_ascii_case("delete") {
        return Ok(WaitFor::Delete);
    }
    if let Some(rest) = s.strip_prefix("condition=") {
        let (name, status) = match rest.split_once('=') {
            Some((n, v)) => (n, v),
            None => (rest, "true"),
        };
        return Ok(WaitFor::Condition(Condition {
            name: name.to_string(),
            status: status.to_string(),
        }));
    }
    if s.starts_with("jsonpath=") {
        return Err(WaitError::JsonPathUnsupported);
    }
    Err(WaitError::UnrecognizedCondition(s.to_string()))
}

/// Go's `time.ParseDuration`, in nanoseconds: `30s`, `1h30m`, `1.5m`, `500ms`, `0`,
/// `-1s`. The error text is Go's.
pub fn parse_go_duration(s: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &after_dot[..frac_len];
            rest = &after_dot[frac_len..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: i128 = match unit {
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => return Err(format!("time: unknown unit {other:?} in duration {s:?}")),
        };
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut value = int.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Go keeps at most the digits that fit; 18 is far past nanoseconds.
            let digits = &frac_part[..frac_part.len().min(18)];
            let f: i128 = digits.parse().map_err(|_| invalid())?;
            value += f * scale / 10i128.pow(digits.len() as u32);
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > i64::MAX as i128 {
            return Err(invalid());
        }
    }
    Ok(if neg { -total } else { total })
}

/// `--timeout` as kubectl reads it: zero checks once, negative waits a week.
pub fn parse_timeout(s: &str) -> Result<Duration, WaitError> {
    let nanos = parse_go_duration(s).map_err(|reason| WaitError::InvalidTimeout {
        value: s.to_string(),
        reason,
    })?;
    if nanos < 0 {
        return Ok(NEGATIVE_TIMEOUT);
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// Where an object stands with respect to the awaited condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Met,
    NotYet,
    /// The object can never meet the condition; the text says why.
    Impossible(String),
}

/// kubectl's `checkCondition`: the first condition whose type matches (case-folded)
/// decides; one observed at an older generation than the object's does not count.
pub fn condition_met(obj: &Value, cond: &Condition) -> bool {
    let Some(conditions) = obj["status"]["conditions"].as_array() else {
        return false;
    };
    for c in conditions {
        let Some(type_) = c["type"].as_str() else {
            continue;
        };
        if !type_.eq_ignore_ascii_case(&cond.name) {
            continue;
        }
        let Some(status) = c["status"].as_str() else {
            continue;
        };
        if let Some(generation) = obj["metadata"]["generation"].as_i64() {
            let observed = c["observedGeneration"]
                .as_i64()
                .or_else(|| obj["status"]["observedGeneration"].as_i64());
            if observed.is_some_and(|o| o < generation) {
                return false;
            }
        }
        return status.eq_ignore_ascii_case(&cond.status);
    }
    false
}

/// The first condition of `type_` when it is True (kubectl's `hasJobCondition`).
fn true_condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .filter(|c| c["status"] == "True")
}

fn describe_condition(c: &Value) -> String {
    let type_ = c["type"].as_str().unwrap_or("");
    let reason = c["reason"].as_str().unwrap_or("");
    let message = c["message"].as_str().unwrap_or("");
    match (reason.is_empty(), message.is_empty()) {
        (true, true) => format!("{type_}=True"),
        (false, true) => format!("{type_}=True ({reason})"),
        (true, false) => format!("{type_}=True ({message})"),
        (false, false) => format!("{type_}=True ({reason}: {message})"),
    }
}

/// Whether `obj` (of `kind`) meets `cond`, may still meet it, or never will.
///
/// A Job whose Complete or Failed condition is True has ended and its conditions no
/// longer change. FailureTarget and SuccessCriteriaMet are just as final (the Job
/// controller only ever follows them with Failed and Complete), so waiting for Complete
/// on a FailureTarget Job, or for Failed on a SuccessCriteriaMet one, ends at once too.
/// A pod in phase Succeeded or Failed has ended as well.
pub fn evaluate(kind: Kind, obj: &Value, cond: &Condition) -> Verdict {
    if condition_met(obj, cond) {
        return Verdict::Met;
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    let never = |why: String| {
        Verdict::Impossible(format!(
            "{}/{name} {why}; condition {:?} will never be met",
            kind.qualified(),
            cond.name
        ))
    };
    match kind {
        Kind::Job => {
            for type_ in ["Failed", "Complete"] {
                if let Some(c) = true_condition(obj, type_) {
                    return never(format!("has {}", describe_condition(c)));
                }
            }
            let wants_true = cond.status.eq_ignore_ascii_case("true");
            let interim = if cond.name.eq_ignore_ascii_case("complete") {
                Some("FailureTarget")
            } else if cond.name.eq_ignore_ascii_case("failed") {
                Some("SuccessCriteriaMet")
            } else {
                None
            };
            if let Some(c) = interim
                .filter(|_| wants_true)
                .and_then(|t| true_condition(obj, t))
            {
                return never(format!("has {}", describe_condition(c)));
            }
            Verdict::NotYet
        }
        Kind::Pod => match obj["status"]["phase"].as_str() {
            Some(phase @ ("Succeeded" | "Failed")) => never(format!("has ended (phase {phase})")),
            _ => Verdict::NotYet,
        },
        _ => Verdict::NotYet,
    }
}

/// What `wait` was asked for.
#[derive(Debug, Clone)]
pub struct WaitArgs {
    pub kind: Kind,
    pub names: Vec<String>,
    pub selector: Option<String>,
    pub for_: String,
    pub timeout: String,
    pub namespace: String,
}

/// How one object's wait ended well.
enum Outcome {
    Met,
    /// `--for=delete` on an object that was not there: kubectl prints nothing.
    Absent,
}

/// `dockjob wait`.
pub async fn run(client: &Client, args: &WaitArgs) -> anyhow::Result<()> {
    let wait_for = parse_for(&args.for_)?;
    let timeout = parse_timeout(&args.timeout)?;
    let names = match &args.selector {
        Some(sel) => {
            let listed = watch::list(
                client,
                &args.kind.collection_path(Some(&args.namespace)),
                &[("labelSelector", Some(sel))],
            )
            .await?;
            let names: Vec<String> = listed
                .items
                .iter()
                .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
                .collect();
            if names.is_empty() && wait_for != WaitFor::Delete {
                return Err(WaitError::NoMatchingResources.into());
            }
            names
        }
        None => args.names.clone(),
    };
    // One deadline for all the objects, as kubectl's single context.
    let deadline = Instant::now() + timeout;
    let once = timeout.is_zero();
    let bars = args.kind == Kind::Job && terminal::stderr_progress();
    for name in &names {
        let progress = bars.then(|| JobProgress::new(&format!("{}/{name}", args.kind.qualified())));
        let target = Target {
            client,
            kind: args.kind,
            namespace: &args.namespace,
            name,
            progress: progress.as_ref(),
        };
        let outcome = match &wait_for {
            WaitFor::Condition(cond) => target.condition(cond, deadline, once).await,
            WaitFor::Delete => target.deletion(deadline, once).await,
        };
        if let Some(p) = &progress {
            p.finish();
        }
        let outcome = outcome?;
        if let Outcome::Met = outcome {
            println!("{}/{name} condition met", args.kind.qualified());
        }
    }
    Ok(())
}

/// How a Job ended, for `apply --wait`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    Complete,
    /// Failed (or doomed to: FailureTarget), with the condition's reason and message.
    Failed(String),
}

/// The reason a Job that will not complete gives: its True Failed (or FailureTarget)
/// condition as `Reason: message`.
pub fn failure_reason(job: &Value) -> String {
    ["Failed", "FailureTarget"]
        .iter()
        .find_map(|t| true_condition(job, t))
        .map(|c| {
            let reason = c["reason"].as_str().unwrap_or("");
            let message = c["message"].as_str().unwrap_or("");
            match (reason.is_empty(), message.is_empty()) {
                (false, false) => format!("{reason}: {message}"),
                (false, true) => reason.to_string(),
                (true, false) => message.to_string(),
                (true, true) => "Failed".to_string(),
            }
        })
        .unwrap_or_else(|| "Failed".to_string())
}

/// Waits until the Job `name` completes or fails (`apply --wait`), drawing `progress`
/// when given. `timeout`: `None` waits as long as it takes (a week).
pub async fn job_end(
    client: &Client,
    namespace: &str,
    name: &str,
    timeout: Option<Duration>,
    progress: Option<&JobProgress>,
) -> anyhow::Result<JobEnd> {
    let deadline = Instant::now() + timeout.unwrap_or(NEGATIVE_TIMEOUT);
    let target = Target {
        client,
        kind: Kind::Job,
        namespace,
        name,
        progress,
    };
    let complete = Condition {
        name: "Complete".to_string(),
        status: "True".to_string(),
    };
    let once = timeout.is_some_and(|t| t.is_zero());
    match target.condition(&complete, deadline, once).await {
        Ok(_) => Ok(JobEnd::Complete),
        Err(e)
            if matches!(
                e.downcast_ref::<WaitError>(),
                Some(WaitError::Impossible(_))
            ) =>
        {
            let job = client.get(&Kind::Job.object_path(namespace, name)).await?;
            Ok(JobEnd::Failed(failure_reason(&job)))
        }
        Err(e) => Err(e),
    }
}

/// One object being waited on.
struct Target<'a> {
    client: &'a Client,
    kind: Kind,
    namespace: &'a str,
    name: &'a str,
    /// The bar to update with each version of the object seen (a Job, on a terminal).
    progress: Option<&'a JobProgress>,
}

impl Target<'_> {
    fn observe(&self, obj: &Value) {
        if let Some(p) = self.progress {
            p.update(obj);
        }
    }

    fn collection(&self) -> String {
        self.kind.collection_path(Some(self.namespace))
    }

    fn field_selector(&self) -> String {
        format!("metadata.name={}", self.name)
    }

    fn timed_out(&self) -> anyhow::Error {
        WaitError::TimedOut {
            resource: self.kind.plural().to_string(),
            name: self.name.to_string(),
        }
        .into()
    }

    fn not_met(&self) -> anyhow::Error {
        WaitError::NotMet {
            resource: self.kind.plural().to_string(),
            name: self.name.to_string(),
        }
        .into()
    }

    fn not_found(&self) -> anyhow::Error {
        ServerError {
            code: 404,
            reason: "NotFound".to_string(),
            message: format!("{} {:?} not found", self.kind.resource(), self.name),
        }
        .into()
    }

    /// Lists the object (at most one, by name) and the version to watch from. Errors
    /// reaching the engine are retried until the deadline (the engine may be
    /// restarting); errors the engine answers are final.
    async fn list(&self, deadline: Instant) -> anyhow::Result<watch::Listed> {
        loop {
            let fs = self.field_selector();
            match watch::list(
                self.client,
                &self.collection(),
                &[("fieldSelector", Some(&fs))],
            )
            .await
            {
                Ok(l) => return Ok(l),
                Err(e) if e.downcast_ref::<ServerError>().is_some() => return Err(e),
                Err(e) => {
                    if Instant::now() + RELIST_PAUSE >= deadline {
                        return Err(e);
                    }
                    tokio::time::sleep(RELIST_PAUSE).await;
                }
            }
        }
    }

    async fn open(&self, resource_version: &str) -> Option<Watch> {
        let fs = self.field_selector();
        Watch::open(
            self.client,
            &self.collection(),
            &[("fieldSelector", Some(&fs))],
            resource_version,
        )
        .await
        .ok()
    }

    async fn condition(
        &self,
        cond: &Condition,
        deadline: Instant,
        once: bool,
    ) -> anyhow::Result<Outcome> {
        let verdict_to_result = |v: Verdict| -> Option<anyhow::Result<Outcome>> {
            match v {
                Verdict::Met => Some(Ok(Outcome::Met)),
                Verdict::Impossible(why) => Some(Err(WaitError::Impossible(why).into())),
                Verdict::NotYet => None,
            }
        };
        if once {
            let obj = self
                .client
                .get(&self.kind.object_path(self.namespace, self.name))
                .await?;
            return verdict_to_result(evaluate(self.kind, &obj, cond))
                .unwrap_or_else(|| Err(self.not_met()));
        }
        let follow = async {
            let mut seen = false;
            loop {
                let listed = self.list(deadline).await?;
                let Some(obj) = listed.items.first() else {
                    if seen {
                        return Err(self.deleted(cond));
                    }
                    return Err(self.not_found());
                };
                seen = true;
                self.observe(obj);
                if let Some(r) = verdict_to_result(evaluate(self.kind, obj, cond)) {
                    return r;
                }
                let Some(mut w) = self.open(&listed.resource_version).await else {
                    tokio::time::sleep(RELIST_PAUSE).await;
                    continue;
                };
                loop {
                    match w.next().await {
                        Some(Ok(ev)) => match ev.type_ {
                            EventType::Added | EventType::Modified => {
                                self.observe(&ev.object);
                                if let Some(r) =
                                    verdict_to_result(evaluate(self.kind, &ev.object, cond))
                                {
                                    return r;
                                }
                            }
                            EventType::Deleted => return Err(self.deleted(cond)),
                            EventType::Error => break,
                        },
                        Some(Err(_)) | None => {
                            tokio::time::sleep(RELIST_PAUSE).await;
                            break;
                        }
                    }
                }
            }
        };
        match tokio::time::timeout_at(deadline, follow).await {
            Ok(r) => r,
            Err(_) => Err(self.timed_out()),
        }
    }

    fn deleted(&self, cond: &Condition) -> anyhow::Error {
        WaitError::Deleted {
            resource: self.kind.resource(),
            name: self.name.to_string(),
            condition: cond.name.clone(),
        }
        .into()
    }

    async fn deletion(&self, deadline: Instant, once: bool) -> anyhow::Result<Outcome> {
        let Some(first) = self
            .client
            .get_opt(&self.kind.object_path(self.namespace, self.name))
            .await?
        else {
            return Ok(Outcome::Absent);
        };
        if once {
            return Err(self.not_met());
        }
        let uid = first["metadata"]["uid"].as_str().unwrap_or("").to_string();
        // Gone, or replaced by a new object of the same name.
        let gone = |obj: Option<&Value>| obj.is_none_or(|o| o["metadata"]["uid"] != uid.as_str());
        let follow = async {
            loop {
                let listed = self.list(deadline).await?;
                if gone(listed.items.first()) {
                    return Ok(Outcome::Met);
                }
                let Some(mut w) = self.open(&listed.resource_version).await else {
                    tokio::time::sleep(RELIST_PAUSE).await;
                    continue;
                };
                loop {
                    match w.next().await {
                        Some(Ok(ev)) => match ev.type_ {
                            EventType::Deleted if ev.object["metadata"]["uid"] == uid.as_str() => {
                                return Ok(Outcome::Met);
                            }
                            EventType::Error => break,
                            _ => {}
                        },
                        Some(Err(_)) | None => {
                            tokio::time::sleep(RELIST_PAUSE).await;
                            break;
                        }
                    }
                }
            }
        };
        match tokio::time::timeout_at(deadline, follow).await {
            Ok(r) => r,
            Err(_) => Err(self.timed_out()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_reason_is_the_failed_conditions_reason_and_message() {
        let job = json!({"status": {"conditions": [
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
            {"type": "Failed", "status": "True", "reason": "DeadlineExceeded", "message": "Job was active longer than specified deadline"},
        ]}});
        assert_eq!(
            failure_reason(&job),
            "DeadlineExceeded: Job was active longer than specified deadline"
        );
        let interim = json!({"status": {"conditions": [
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
        ]}});
        assert_eq!(failure_reason(&interim), "BackoffLimitExceeded");
        assert_eq!(failure_reason(&json!({})), "Failed");
    }

    fn cond(name: &str, status: &str) -> Condition {
        Condition {
            name: name.into(),
            status: status.into(),
        }
    }

    #[test]
    fn for_flag_forms() {
        assert_eq!(
            parse_for("condition=complete"),
            Ok(WaitFor::Condition(cond("complete", "true")))
        );
        assert_eq!(
            parse_for("condition=Complete=True"),
            Ok(WaitFor::Condition(cond("Complete", "True")))
        );
        assert_eq!(
            parse_for("condition=Ready=false"),
            Ok(WaitFor::Condition(cond("Ready", "false")))
        );
        assert_eq!(parse_for("delete"), Ok(WaitFor::Delete));
        assert_eq!(parse_for("Delete"), Ok(WaitFor::Delete));
        assert_eq!(
            parse_for("jsonpath={.status.succeeded}=1"),
            Err(WaitError::JsonPathUnsupported)
        );
        let err = parse_for("complete").unwrap_err();
        assert_eq!(err.to_string(), r#"unrecognized condition: "complete""#);
    }

    #[test]
    fn go_durations() {
        let s = 1_000_000_000i128;
        assert_eq!(parse_go_duration("30s"), Ok(30 * s));
        assert_eq!(parse_go_duration("5m"), Ok(300 * s));
        assert_eq!(parse_go_duration("1h"), Ok(3600 * s));
        assert_eq!(parse_go_duration("1h30m10s"), Ok(5410 * s));
        assert_eq!(parse_go_duration("1.5m"), Ok(90 * s));
        assert_eq!(parse_go_duration(".5s"), Ok(s / 2));
        assert_eq!(parse_go_duration("500ms"), Ok(s / 2));
        assert_eq!(parse_go_duration("2us"), Ok(2000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("-1s"), Ok(-s));
        assert_eq!(
            parse_go_duration("5"),
            Err(r#"time: missing unit in duration "5""#.into())
        );
        assert_eq!(
            parse_go_duration("5d"),
            Err(r#"time: unknown unit "d" in duration "5d""#.into())
        );
        assert_eq!(
            parse_go_duration("abc"),
            Err(r#"time: invalid duration "abc""#.into())
        );
        assert_eq!(
            parse_go_duration(""),
            Err(r#"time: invalid duration """#.into())
        );
        assert!(parse_go_duration("9999999999h").is_err());
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("0"), Ok(Duration::ZERO));
        assert_eq!(parse_timeout("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_timeout("-1s"), Ok(Duration::from_secs(168 * 3600)));
        assert_eq!(
            parse_timeout("soon").unwrap_err().to_string(),
            r#"invalid argument "soon" for "--timeout" flag: time: invalid duration "soon""#
        );
    }

    fn job(conditions: Value) -> Value {
        json!({"kind": "Job", "metadata": {"name": "pi", "generation": 1},
               "status": {"conditions": conditions}})
    }

    #[test]
    fn complete_is_met_case_insensitively() {
        let j = job(json!([
            {"type": "SuccessCriteriaMet", "status": "True"},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached"}
        ]));
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("complete", "true")),
            Verdict::Met
        );
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("COMPLETE", "TRUE")),
            Verdict::Met
        );
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("successcriteriamet", "true")),
            Verdict::Met
        );
    }

    #[test]
    fn running_job_is_not_yet() {
        let j = job(json!([]));
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("complete", "true")),
            Verdict::NotYet
        );
        let no_status = json!({"metadata": {"name": "pi"}});
        assert_eq!(
            evaluate(Kind::Job, &no_status, &cond("failed", "true")),
            Verdict::NotYet
        );
        // Suspended is not an end: resuming is possible.
        let s = job(json!([{"type": "Suspended", "status": "True"}]));
        assert_eq!(
            evaluate(Kind::Job, &s, &cond("complete", "true")),
            Verdict::NotYet
        );
    }

    #[test]
    fn failed_job_never_completes() {
        let j = job(json!([
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit"},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit"}
        ]));
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("complete", "true")),
            Verdict::Impossible(
                "job.batch/pi has Failed=True (BackoffLimitExceeded: Job has reached the specified backoff limit); condition \"complete\" will never be met".into()
            )
        );
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("Failed", "True")),
            Verdict::Met
        );
    }

    #[test]
    fn failure_target_already_rules_out_complete() {
        let j = job(json!([
            {"type": "FailureTarget", "status": "True", "reason": "DeadlineExceeded",
             "message": "Job was active longer than specified deadline"}
        ]));
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("Complete", "True")),
            Verdict::Impossible(
                "job.batch/pi has FailureTarget=True (DeadlineExceeded: Job was active longer than specified deadline); condition \"Complete\" will never be met".into()
            )
        );
        // ...but the Failed condition is still to come.
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("failed", "true")),
            Verdict::NotYet
        );
    }

    #[test]
    fn complete_job_never_fails() {
        let j = job(json!([{"type": "Complete", "status": "True"}]));
        assert_eq!(
            evaluate(Kind::Job, &j, &cond("failed", "true")),
            Verdict::Impossible(
                "job.batch/pi has Complete=True; condition \"failed\" will never be met".into()
            )
        );
        let s = job(json!([{"type": "SuccessCriteriaMet", "status": "True",
                            "reason": "SuccessPolicy"}]));
        assert_eq!(
            evaluate(Kind::Job, &s, &cond("failed", "true")),
            Verdict::Impossible(
                "job.batch/pi has SuccessCriteriaMet=True (SuccessPolicy); condition \"failed\" will never be met".into()
            )
        );
        assert_eq!(
            evaluate(Kind::Job, &s, &cond("complete", "true")),
            Verdict::NotYet
        );
    }

    #[test]
    fn first_condition_of_a_type_decides_and_stale_generations_do_not_count() {
        let j = job(json!([
            {"type": "Ready", "status": "False"},
            {"type": "Ready", "status": "True"}
        ]));
        assert!(!condition_met(&j, &cond("ready", "true")));
        assert!(condition_met(&j, &cond("ready", "false")));
        let stale = json!({"metadata": {"generation": 3},
            "status": {"conditions": [{"type": "Ready", "status": "True", "observedGeneration": 2}]}});
        assert!(!condition_met(&stale, &cond("Ready", "True")));
        let current = json!({"metadata": {"generation": 3},
            "status": {"observedGeneration": 3, "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(condition_met(&current, &cond("Ready", "True")));
    }

    #[test]
    fn ended_pod_is_never_ready() {
        let p = json!({"metadata": {"name": "p"}, "status": {"phase": "Failed",
            "conditions": [{"type": "Ready", "status": "False"}]}});
        assert_eq!(
            evaluate(Kind::Pod, &p, &cond("Ready", "true")),
            Verdict::Impossible(
                "pod/p has ended (phase Failed); condition \"Ready\" will never be met".into()
            )
        );
        assert_eq!(
            evaluate(Kind::Pod, &p, &cond("Ready", "false")),
            Verdict::Met
        );
        let running = json!({"metadata": {"name": "p"}, "status": {"phase": "Running"}});
        assert_eq!(
            evaluate(Kind::Pod, &running, &cond("Ready", "true")),
            Verdict::NotYet
        );
    }

    #[test]
    fn error_texts_match_kubectl() {
        assert_eq!(
            WaitError::TimedOut {
                resource: "jobs".into(),
                name: "pi".into()
            }
            .to_string(),
            "timed out waiting for the condition on jobs/pi"
        );
        assert_eq!(
            WaitError::NotMet {
                resource: "jobs".into(),
                name: "pi".into()
            }
            .to_string(),
            "condition not met for jobs/pi"
        );
    }
}
