//! `dockjob events [--for KIND/NAME] [--types=Normal,Warning] [-w] [-A]`: kubectl's
//! `events` command — the events of a namespace sorted by when they were last seen,
//! optionally only those of one object, and with `-w` each new one as it arrives.
//!
//! Unlike kubectl, whose `-w` prints the existing events in the server's order, the
//! existing events are printed sorted here too before the watch starts (from the list's
//! resourceVersion, so nothing is missed or doubled).

use anyhow::bail;
use k8s_openapi::api::core::v1::Event;
use serde_json::{Value, json};

use super::client::Client;
use super::printers;
use super::watch::{self, EventType, Watch};
use crate::api::kinds::Kind;

/// `--for KIND/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForObject {
    pub kind: Kind,
    pub name: String,
}

/// Parses `--for` as kubectl's `decodeResourceTypeName` does.
pub fn parse_for(s: &str) -> anyhow::Result<ForObject> {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [_] => bail!("--for must be in resource/name form"),
        [kind, name] => match Kind::from_cli(kind) {
            Some(kind) => Ok(ForObject {
                kind,
                name: name.to_string(),
            }),
            None => bail!("the server doesn't have a resource type \"{kind}\""),
        },
        _ => bail!("arguments in resource/name form may not have more than one slash"),
    }
}

/// `--types`: each Normal or Warning (any case), sorted and de-duplicated as kubectl's
/// string set.
pub fn parse_types(types: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in types.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning") {
            bail!("valid --types are Normal or Warning");
        }
        out.push(t.to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// What `events` was asked for.
#[derive(Debug, Clone)]
pub struct EventsArgs {
    pub for_object: Option<ForObject>,
    pub watch: bool,
    pub all_namespaces: bool,
    pub types: Vec<String>,
    pub no_headers: bool,
    pub output: Option<String>,
    pub namespace: String,
}

impl EventsArgs {
    fn type_wanted(&self, e: &Value) -> bool {
        let t = e["type"].as_str().unwrap_or("");
        self.types.is_empty() || self.types.iter().any(|w| w.eq_ignore_ascii_case(t))
    }

    /// The field selector of `--for`: the object's kind and name.
    fn field_selector(&self) -> Option<String> {
        self.for_object.as_ref().map(|f| {
            format!(
                "involvedObject.kind={},involvedObject.name={}",
                f.kind.kind(),
                f.name
            )
        })
    }
}

/// Prints events as kubectl's events printers do: the header once, rows aligned by one
/// `RememberWidths` tabwriter flushed after each batch (so later events stay under the
/// header), YAML documents separated by `---` in watch mode.
pub struct EventsPrinter<'a> {
    args: &'a EventsArgs,
    printed: usize,
    widths: printers::tabwriter::RememberedWidths,
}

impl<'a> EventsPrinter<'a> {
    pub fn new(args: &'a EventsArgs) -> anyhow::Result<Self> {
        match args.output.as_deref() {
            None | Some("yaml") | Some("json") => Ok(EventsPrinter {
                args,
                printed: 0,
                widths: Default::default(),
            }),
            Some(other) => bail!(
                "unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,yaml"
            ),
        }
    }

    /// The text for a batch of events (already filtered and sorted).
    pub fn render(&mut self, items: &[Value], now: jiff::Timestamp) -> anyhow::Result<String> {
        if items.is_empty() {
            return Ok(String::new());
        }
        let text = match self.args.output.as_deref() {
            Some("yaml") => {
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    if self.printed + i > 0 {
                        out.push_str("---\n");
                    }
                    out.push_str(&printers::to_yaml(item)?);
                }
                out
            }
            Some(_) => {
                let mut out = String::new();
                for item in items {
                    out.push_str(&printers::to_json(item)?);
                }
                out
            }
            None => {
                let events: Vec<Event> = items
                    .iter()
                    .map(|v| serde_json::from_value(v.clone()))
                    .collect::<Result<_, _>>()?;
                let header = !self.args.no_headers && self.printed == 0;
                let raw = printers::kubectl_events_table_with(
                    &events,
                    now,
                    header,
                    self.args.all_namespaces,
                    true,
                );
                printers::align_watch(&raw, &mut self.widths)
            }
        };
        self.printed += items.len();
        Ok(text)
    }
}

/// Sorts raw events by kubectl's event time. Timestamps have one-second resolution, so
/// events of the same second keep the order they were recorded in (resourceVersion).
fn sorted(mut items: Vec<Value>) -> Vec<Value> {
    let key = |v: &Value| {
        let time = serde_json::from_value::<Event>(v.clone())
            .ok()
            .and_then(|e| printers::event_time(&e));
        (time, watch::resource_version(v).parse::<u64>().ok())
    };
    items.sort_by_cached_key(key);
    items
}

/// `dockjob events`.
pub async fn run(client: &Client, args: &EventsArgs) -> anyhow::Result<()> {
    let mut printer = EventsPrinter::new(args)?;
    let ns = (!args.all_namespaces).then_some(args.namespace.as_str());
    let collection = Kind::Event.collection_path(ns);
    let fs = args.field_selector();
    let params = [("fieldSelector", fs.as_deref())];
    let listed = watch::list(client, &collection, &params).await?;
    let items: Vec<Value> = sorted(
        listed
            .items
            .into_iter()
            .filter(|e| args.type_wanted(e))
            .collect(),
    );
    if !args.watch {
        if items.is_empty() {
            if args.all_namespaces {
                eprintln!("No events found.");
            } else {
                eprintln!("No events found in {} namespace.", args.namespace);
            }
            return Ok(());
        }
        if args.output.is_some() {
            // kubectl prints the list itself for -o yaml|json.
            let list =
                json!({"apiVersion": "v1", "items": items, "kind": "EventList", "metadata": {}});
            let text = if args.output.as_deref() == Some("yaml") {
                printers::to_yaml(&list)?
            } else {
                printers::to_json(&list)?
            };
            print!("{text}");
            return Ok(());
        }
        print!("{}", printer.render(&items, jiff::Timestamp::now())?);
        return Ok(());
    }
    print!("{}", printer.render(&items, jiff::Timestamp::now())?);
    let mut since = listed.resource_version;
    let rv = |v: &str| v.parse::<u64>().unwrap_or(0);
    loop {
        let mut stream = Watch::open(client, &collection, &params, &since).await?;
        while let Some(Ok(ev)) = stream.next().await {
            match ev.type_ {
                EventType::Error => break,
                // Events expire; their removal is not news (kubectl skips it too).
                EventType::Deleted => {}
                EventType::Added | EventType::Modified => {
                    let obj_rv = watch::resource_version(&ev.object).to_string();
                    if rv(&obj_rv) > rv(&since) {
                        since = obj_rv;
                    }
                    if args.type_wanted(&ev.object) {
                        print!("{}", printer.render(&[ev.object], jiff::Timestamp::now())?);
                    }
                }
            }
        }
        // The stream ended: list again, print what came meanwhile, watch on.
        let relisted = watch::list(client, &collection, &params).await?;
        let news: Vec<Value> = sorted(
            relisted
                .items
                .into_iter()
                .filter(|e| rv(watch::resource_version(e)) > rv(&since) && args.type_wanted(e))
                .collect(),
        );
        print!("{}", printer.render(&news, jiff::Timestamp::now())?);
        since = relisted.resource_version;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_flag() {
        assert_eq!(
            parse_for("job/oneshot").unwrap(),
            ForObject {
                kind: Kind::Job,
                name: "oneshot".into()
            }
        );
        assert_eq!(
            parse_for("oneshot").unwrap_err().to_string(),
            "--for must be in resource/name form"
        );
        assert_eq!(
            parse_for("a/b/c").unwrap_err().to_string(),
            "arguments in resource/name form may not have more than one slash"
        );
        assert!(parse_for("deployment/x").is_err());
    }

    #[test]
    fn types_flag() {
        assert_eq!(
            parse_types(&["warning".into(), "Normal".into(), "warning".into()]).unwrap(),
            vec!["Normal".to_string(), "warning".to_string()]
        );
        assert_eq!(
            parse_types(&["Error".into()]).unwrap_err().to_string(),
            "valid --types are Normal or Warning"
        );
    }

    fn args(output: Option<&str>) -> EventsArgs {
        EventsArgs {
            for_object: Some(ForObject {
                kind: Kind::Job,
                name: "pi".into(),
            }),
            watch: true,
            all_namespaces: false,
            types: vec!["warning".into()],
            no_headers: false,
            output: output.map(str::to_string),
            namespace: "default".into(),
        }
    }

    #[test]
    fn filters_and_header_once() {
        let a = args(None);
        assert_eq!(
            a.field_selector().as_deref(),
            Some("involvedObject.kind=Job,involvedObject.name=pi")
        );
        assert!(a.type_wanted(&json!({"type": "Warning"})));
        assert!(!a.type_wanted(&json!({"type": "Normal"})));
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let ev = json!({"metadata": {"name": "pi.1", "namespace": "default"},
            "involvedObject": {"kind": "Job", "name": "pi"}, "type": "Warning",
            "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit",
            "firstTimestamp": "2024-05-01T11:59:00Z", "lastTimestamp": "2024-05-01T11:59:00Z", "count": 1});
        let mut p = EventsPrinter::new(&a).unwrap();
        assert_eq!(
            p.render(std::slice::from_ref(&ev), now).unwrap(),
            "LAST SEEN   TYPE      REASON                 OBJECT   MESSAGE\n60s         Warning   BackoffLimitExceeded   Job/pi   Job has reached the specified backoff limit\n"
        );
        // kubectl's `RememberWidths` writer: later events stay under the header, and a
        // wider cell widens its column from then on.
        assert_eq!(
            p.render(std::slice::from_ref(&ev), now).unwrap(),
            "60s         Warning   BackoffLimitExceeded   Job/pi   Job has reached the specified backoff limit\n"
        );
        let mut wide = ev.clone();
        wide["involvedObject"]["name"] = json!("pi-with-a-long-name");
        assert_eq!(
            p.render(&[wide], now).unwrap(),
            "60s         Warning   BackoffLimitExceeded   Job/pi-with-a-long-name   Job has reached the specified backoff limit\n"
        );
        assert_eq!(
            p.render(&[ev], now).unwrap(),
            "60s         Warning   BackoffLimitExceeded   Job/pi                    Job has reached the specified backoff limit\n"
        );
        assert!(EventsPrinter::new(&args(Some("wide"))).is_err());
    }

    #[test]
    fn sorted_by_last_seen() {
        let items = vec![
            json!({"metadata": {"name": "b"}, "involvedObject": {}, "lastTimestamp": "2024-05-01T11:59:00Z"}),
            json!({"metadata": {"name": "a"}, "involvedObject": {}, "lastTimestamp": "2024-05-01T11:58:00Z"}),
            json!({"metadata": {"name": "c"}, "involvedObject": {}, "eventTime": "2024-05-01T11:58:30.000000Z"}),
            json!({"metadata": {"name": "e", "resourceVersion": "9"}, "involvedObject": {}, "lastTimestamp": "2024-05-01T11:59:10Z"}),
            json!({"metadata": {"name": "d", "resourceVersion": "8"}, "involvedObject": {}, "lastTimestamp": "2024-05-01T11:59:10Z"}),
        ];
        let names: Vec<String> = sorted(items)
            .iter()
            .map(|v| v["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a", "c", "b", "d", "e"]);
    }
}
