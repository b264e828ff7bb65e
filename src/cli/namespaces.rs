//! `dockjob get namespaces|ns [NAME...]`: the namespaces that exist, as kubectl lists
//! them (NAME, STATUS, AGE).
//!
//! dockjob stores no Namespace objects: a namespace is implicit, it exists while any
//! object is stored in it, and `default` always exists. So this is a read-only view
//! computed here, in the CLI, from every kind's cross-namespace list; it is not a
//! [`Kind`] (a variant there would have to be served, stored and validated everywhere
//! although nothing can be created or deleted). The objects it prints are shaped as
//! the API server's `v1 Namespace` so `-o yaml|json|name|jsonpath` read as kubectl's.

use std::collections::BTreeMap;

use anyhow::bail;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::{Value, json};

use super::Reported;
use super::client::{Client, ServerError};
use super::printers::{self, TableOptions};
use crate::api::kinds::Kind;

/// The words kubectl accepts for namespaces.
const WORDS: [&str; 3] = ["namespaces", "namespace", "ns"];

/// Why dockjob cannot create, delete or describe a namespace.
pub const IMPLICIT: &str = "namespaces are implicit in dockjob: one exists while objects are stored in it (and \"default\" always does); they cannot be created, deleted or described, only listed with `dockjob get namespaces`";

/// Whether `word` names the namespaces resource (`ns`, `namespace`, `namespaces`).
pub fn is_namespace_word(word: &str) -> bool {
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Reads `get`'s words when they ask for namespaces: `Some(names)` (empty for all) for
/// `ns [NAME...]` or `ns/NAME...`; `None` when they ask for other kinds. Mixing
/// namespaces with other kinds is refused.
pub fn parse_words(words: &[String]) -> anyhow::Result<Option<Vec<String>>> {
    let Some(first) = words.first() else {
        return Ok(None);
    };
    let kind_word = |w: &str| -> String { w.split_once('/').map_or(w, |(k, _)| k).to_string() };
    if first.contains('/') {
        let namespaced: Vec<bool> = words
            .iter()
            .map(|w| is_namespace_word(&kind_word(w)))
            .collect();
        if !namespaced.iter().any(|b| *b) {
            return Ok(None);
        }
        if !namespaced.iter().all(|b| *b) {
            bail!("dockjob lists namespaces on their own: `dockjob get namespaces`");
        }
        let mut names = Vec::new();
        for w in words {
            match w.split_once('/') {
                Some((_, n)) if !n.is_empty() && !n.contains('/') => names.push(n.to_string()),
                _ => bail!("arguments in resource/name form must have a single resource and name"),
            }
        }
        return Ok(Some(names));
    }
    let types: Vec<&str> = first.split(',').collect();
    let ns_types = types.iter().filter(|t| is_namespace_word(t)).count();
    if ns_types == 0 {
        return Ok(None);
    }
    if ns_types != types.len() {
        bail!("dockjob lists namespaces on their own: `dockjob get namespaces`");
    }
    Ok(Some(words[1..].to_vec()))
}

/// A namespace as the API server would return it.
fn namespace_object(name: &str, created: Option<&str>) -> Value {
    let mut metadata = json!({
        "name": name,
        "labels": {"kubernetes.io/metadata.name": name},
    });
    if let Some(t) = created {
        metadata["creationTimestamp"] = json!(t);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata,
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// The namespaces the stored `objects` live in, plus `default`, sorted by name (as the
/// API server lists them); each dated by its oldest object's creationTimestamp.
pub fn derive(objects: &[Value]) -> Vec<Value> {
    let mut oldest: BTreeMap<String, Option<jiff::Timestamp>> = BTreeMap::new();
    oldest.insert("default".to_string(), None);
    for obj in objects {
        let Some(ns) = obj["metadata"]["namespace"]
            .as_str()
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let created: Option<jiff::Timestamp> = obj["metadata"]["creationTimestamp"]
            .as_str()
            .and_then(|t| t.parse().ok());
        let entry = oldest.entry(ns.to_string()).or_insert(created);
        if let Some(c) = created
            && entry.is_none_or(|e| c < e)
        {
            *entry = Some(c);
        }
    }
    oldest
        .into_iter()
        .map(|(name, created)| {
            let created = created.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            namespace_object(&name, created.as_deref())
        })
        .collect()
}

/// kubectl's namespace table (printers.go `printNamespace`): NAME, STATUS, AGE.
pub fn table(items: &[Value], now: jiff::Timestamp, opts: &TableOptions) -> String {
    let rows: Vec<printers::Row> = items
        .iter()
        .map(|ns| {
            let created: Option<Time> = ns["metadata"]["creationTimestamp"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .map(Time);
            printers::Row {
                namespace: String::new(),
                cells: vec![
                    ns["metadata"]["name"].as_str().unwrap_or("").to_string(),
                    ns["status"]["phase"].as_str().unwrap_or("").to_string(),
                    printers::age(created.as_ref(), now),
                ],
            }
        })
        .collect();
    printers::render_table(&["Name", "Status", "Age"], &rows, opts)
}

/// What `get namespaces` was asked for.
#[derive(Debug, Clone)]
pub struct NamespaceArgs {
    /// Names asked for; empty for all.
    pub names: Vec<String>,
    pub output: Option<String>,
    pub no_headers: bool,
    pub labels: printers::labels::LabelColumns,
    pub allow_missing_template_keys: bool,
}

/// The text printed for `found` (already restricted to the names asked for).
pub fn render(
    args: &NamespaceArgs,
    found: &[Value],
    now: jiff::Timestamp,
) -> anyhow::Result<String> {
    let single = args.names.len() == 1 && found.len() == 1;
    let one_or_list = || {
        if single {
            found[0].clone()
        } else {
            printers::list_value(found.to_vec())
        }
    };
    match args.output.as_deref() {
        None | Some("wide") => {
            let opts = TableOptions {
                no_headers: args.no_headers,
                ..TableOptions::default()
            };
            let text = table(found, now, &opts);
            Ok(printers::labels::append_columns(
                &text,
                found,
                &args.labels,
                args.no_headers,
            ))
        }
        Some("name") => {
            let names: Vec<String> = found
                .iter()
                .filter_map(|v| v["metadata"]["name"].as_str().map(str::to_string))
                .collect();
            Ok(printers::names("namespace", &names))
        }
        Some("json") => Ok(printers::to_json(&one_or_list())?),
        Some("yaml") => Ok(printers::to_yaml(&one_or_list())?),
        Some(o) if o.starts_with("jsonpath=") => {
            let template = &o["jsonpath=".len()..];
            if template.is_empty() {
                bail!("template format specified but no template given");
            }
            let path = printers::jsonpath::JsonPath::parse(template)
                .map_err(|e| anyhow::anyhow!("error parsing jsonpath {template}, {e}\n"))?
                .allow_missing_keys(args.allow_missing_template_keys);
            let object = one_or_list();
            path.execute(&object).map_err(|e| {
                anyhow::anyhow!(
                    "{}",
                    printers::jsonpath::execution_error(template, &e, &object)
                )
            })
        }
        Some(other) => bail!(
            "unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,jsonpath,name,wide,yaml"
        ),
    }
}

/// `dockjob get namespaces`: lists every kind across namespaces and prints the
/// namespaces found; a name asked for that does not exist is kubectl's NotFound.
pub async fn run(client: &Client, args: &NamespaceArgs) -> anyhow::Result<()> {
    // Refuse a bad format before reaching the engine's lists.
    render(args, &[], jiff::Timestamp::now())?;
    let mut objects = Vec::new();
    for kind in Kind::ALL {
        let list = client.get(&kind.collection_path(None)).await?;
        objects.extend(list["items"].as_array().cloned().unwrap_or_default());
    }
    let all = derive(&objects);
    let mut found = Vec::new();
    let mut failed = false;
    if args.names.is_empty() {
        found = all;
    } else {
        for name in &args.names {
            match all.iter().find(|v| v["metadata"]["name"] == name.as_str()) {
                Some(v) => found.push(v.clone()),
                None => {
                    eprintln!(
                        "{}",
                        ServerError {
                            code: 404,
                            reason: "NotFound".to_string(),
                            message: format!("namespaces {name:?} not found"),
                        }
                    );
                    failed = true;
                }
            }
        }
    }
    if !found.is_empty() || args.output.is_some() {
        print!("{}", render(args, &found, jiff::Timestamp::now())?);
    }
    if failed {
        return Err(Reported(1).into());
    }
    Ok(())
}

/// What `get namespaces -w` follows: which namespaces hold objects, as the objects of
/// every kind come and go. Pure; fed by the watch streams of every kind.
#[derive(Debug, Default)]
pub struct NamespaceTracker {
    /// (kind, uid) -> (namespace, creationTimestamp) of every object seen.
    objects: BTreeMap<(Kind, String), (String, Option<String>)>,
}

impl NamespaceTracker {
    fn namespaces(&self) -> Vec<Value> {
        let objects: Vec<Value> = self
            .objects
            .values()
            .map(|(ns, created)| {
                json!({"metadata": {"namespace": ns, "creationTimestamp": created}})
            })
            .collect();
        derive(&objects)
    }

    fn names(&self) -> Vec<String> {
        self.namespaces()
            .iter()
            .filter_map(|v| v["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    }

    /// Records one object of `kind` (added or changed, or `deleted`) and returns the
    /// namespaces this made appear (status Active) or vanish (status Terminating, the
    /// last state a watcher of a real namespace sees), in that order.
    pub fn observe(&mut self, kind: Kind, object: &Value, deleted: bool) -> Vec<Value> {
        let Some(uid) = object["metadata"]["uid"].as_str() else {
            return Vec::new();
        };
        let Some(ns) = object["metadata"]["namespace"]
            .as_str()
            .filter(|s| !s.is_empty())
        else {
            return Vec::new();
        };
        let before = self.names();
        let key = (kind, uid.to_string());
        if deleted {
            self.objects.remove(&key);
        } else {
            let created = object["metadata"]["creationTimestamp"]
                .as_str()
                .map(str::to_string);
            self.objects.insert(key, (ns.to_string(), created));
        }
        let after = self.namespaces();
        let mut changes: Vec<Value> = after
            .iter()
            .filter(|v| {
                v["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| !before.iter().any(|b| b == n))
            })
            .cloned()
            .collect();
        for gone in before
            .iter()
            .filter(|b| !after.iter().any(|v| v["metadata"]["name"] == b.as_str()))
        {
            let mut v = namespace_object(gone, None);
            v["status"]["phase"] = json!("Terminating");
            changes.push(v);
        }
        changes
    }
}

/// `dockjob get namespaces -w` (`list_first`) and `--watch-only`: the namespaces in use,
/// then one line each time a namespace appears (its first object) or vanishes (its last
/// object gone), followed through the watch streams of every kind; runs until
/// interrupted. `-L`/`--show-labels` columns are not added to the watch lines.
pub async fn run_watch(
    client: &Client,
    args: &NamespaceArgs,
    list_first: bool,
) -> anyhow::Result<()> {
    render(args, &[], jiff::Timestamp::now())?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Kind, super::watch::WatchEvent)>(256);
    let mut tracker = NamespaceTracker::default();
    for kind in Kind::ALL {
        let collection = kind.collection_path(None);
        let listed = super::watch::list(client, &collection, &[]).await?;
        for obj in &listed.items {
            tracker.observe(kind, obj, false);
        }
        let client = client.clone();
        let tx = tx.clone();
        let mut since = listed.resource_version;
        tokio::spawn(async move {
            loop {
                if let Ok(mut stream) =
                    super::watch::Watch::open(&client, &collection, &[], &since).await
                {
                    while let Some(Ok(ev)) = stream.next().await {
                        if ev.type_ == super::watch::EventType::Error {
                            break;
                        }
                        let rv = super::watch::resource_version(&ev.object).to_string();
                        if rv.parse::<u64>().unwrap_or(0) > since.parse::<u64>().unwrap_or(0) {
                            since = rv;
                        }
                        if tx.send((kind, ev)).await.is_err() {
                            return;
                        }
                    }
                }
                // The stream ended: list again (what changed meanwhile arrives as
                // additions) and watch from there.
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let Ok(listed) = super::watch::list(&client, &collection, &[]).await else {
                    continue;
                };
                for obj in listed.items {
                    let ev = super::watch::WatchEvent {
                        type_: super::watch::EventType::Added,
                        object: obj,
                    };
                    if tx.send((kind, ev)).await.is_err() {
                        return;
                    }
                }
                since = listed.resource_version;
            }
        });
    }
    drop(tx);
    let wanted = |v: &Value| {
        args.names.is_empty()
            || v["metadata"]["name"]
                .as_str()
                .is_some_and(|n| args.names.iter().any(|w| w == n))
    };
    let mut widths = printers::tabwriter::RememberedWidths::default();
    let mut printed = 0usize;
    let mut print = |items: Vec<Value>| -> anyhow::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let now = jiff::Timestamp::now();
        let text = match args.output.as_deref() {
            None | Some("wide") => {
                let opts = TableOptions {
                    no_headers: args.no_headers || printed > 0,
                    raw: true,
                    ..TableOptions::default()
                };
                printers::align_watch(&table(&items, now, &opts), &mut widths)
            }
            _ => {
                let mut out = String::new();
                for item in &items {
                    let mut one = args.clone();
                    one.names = vec![item["metadata"]["name"].as_str().unwrap_or("").into()];
                    if args.output.as_deref() == Some("yaml") && printed + out.len() > 0 {
                        out.push_str("---\n");
                    }
                    out.push_str(&render(&one, std::slice::from_ref(item), now)?);
                }
                out
            }
        };
        printed += items.len();
        print!("{text}");
        Ok(())
    };
    let initial: Vec<Value> = tracker.namespaces().into_iter().filter(wanted).collect();
    if !args.names.is_empty() {
        for name in &args.names {
            if !initial
                .iter()
                .any(|v| v["metadata"]["name"] == name.as_str())
            {
                eprintln!(
                    "{}",
                    ServerError {
                        code: 404,
                        reason: "NotFound".to_string(),
                        message: format!("namespaces {name:?} not found"),
                    }
                );
                return Err(Reported(1).into());
            }
        }
    }
    if list_first {
        print(initial)?;
    }
    while let Some((kind, ev)) = rx.recv().await {
        let deleted = ev.type_ == super::watch::EventType::Deleted;
        let changes: Vec<Value> = tracker
            .observe(kind, &ev.object, deleted)
            .into_iter()
            .filter(wanted)
            .collect();
        print(changes)?;
    }
    bail!("lost the engine's watch streams")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    fn args(output: Option<&str>, names: &[&str]) -> NamespaceArgs {
        NamespaceArgs {
            names: words(names),
            output: output.map(str::to_string),
            no_headers: false,
            labels: Default::default(),
            allow_missing_template_keys: true,
        }
    }

    fn obj(ns: &str, created: &str) -> Value {
        json!({"metadata": {"name": "x", "namespace": ns, "creationTimestamp": created}})
    }

    #[test]
    fn the_tracker_reports_namespaces_appearing_and_vanishing() {
        let mut t = NamespaceTracker::default();
        let job = |uid: &str, ns: &str| {
            json!({"metadata": {"uid": uid, "namespace": ns, "name": uid,
                "creationTimestamp": "2026-11-27T10:00:00Z"}})
        };
        // `default` is always there: its first object changes nothing.
        assert!(t.observe(Kind::Job, &job("a", "default"), false).is_empty());
        let added = t.observe(Kind::Job, &job("b", "team"), false);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0]["metadata"]["name"], "team");
        assert_eq!(added[0]["status"]["phase"], "Active");
        // A second object in it, then a change of the first: nothing new.
        assert!(t.observe(Kind::Pod, &job("c", "team"), false).is_empty());
        assert!(t.observe(Kind::Job, &job("b", "team"), false).is_empty());
        assert!(t.observe(Kind::Job, &job("b", "team"), true).is_empty());
        let gone = t.observe(Kind::Pod, &job("c", "team"), true);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["metadata"]["name"], "team");
        assert_eq!(gone[0]["status"]["phase"], "Terminating");
        // `default` never vanishes; objects without a namespace are ignored.
        assert!(t.observe(Kind::Job, &job("a", "default"), true).is_empty());
        assert!(
            t.observe(Kind::Job, &json!({"metadata": {"uid": "x"}}), false)
                .is_empty()
        );
    }

    #[test]
    fn words_select_namespaces_alone() {
        assert_eq!(parse_words(&words(&["ns"])).unwrap(), Some(vec![]));
        assert_eq!(
            parse_words(&words(&["namespaces", "a", "b"])).unwrap(),
            Some(words(&["a", "b"]))
        );
        assert_eq!(
            parse_words(&words(&["namespace/a", "ns/b"])).unwrap(),
            Some(words(&["a", "b"]))
        );
        assert_eq!(parse_words(&words(&["pods"])).unwrap(), None);
        assert_eq!(parse_words(&words(&["job/a"])).unwrap(), None);
        assert!(parse_words(&words(&["ns,pods"])).is_err());
        assert!(parse_words(&words(&["ns/a", "pod/b"])).is_err());
    }

    #[test]
    fn namespaces_are_derived_from_objects_dated_by_the_oldest() {
        let objects = [
            obj("work", "2024-05-01T11:00:00Z"),
            obj("work", "2024-05-01T10:00:00Z"),
            obj("default", "2024-05-01T11:59:00Z"),
            obj("batch", "2024-05-01T11:30:00Z"),
        ];
        let ns = derive(&objects);
        let names: Vec<&str> = ns
            .iter()
            .map(|v| v["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["batch", "default", "work"]);
        assert_eq!(
            ns[2]["metadata"]["creationTimestamp"],
            "2024-05-01T10:00:00Z"
        );
        assert_eq!(ns[2]["kind"], "Namespace");
        assert_eq!(ns[2]["apiVersion"], "v1");
        // `default` exists even when empty, with no creation time.
        let empty = derive(&[]);
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0]["metadata"]["name"], "default");
        assert!(empty[0]["metadata"]["creationTimestamp"].is_null());
    }

    #[test]
    fn table_name_and_json_as_kubectl() {
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let ns = derive(&[obj("work", "2024-05-01T10:00:00Z")]);
        assert_eq!(
            render(&args(None, &[]), &ns, now).unwrap(),
            "NAME      STATUS   AGE\ndefault   Active   <unknown>\nwork      Active   120m\n"
        );
        assert_eq!(
            render(&args(Some("name"), &[]), &ns, now).unwrap(),
            "namespace/default\nnamespace/work\n"
        );
        let one: Value =
            serde_json::from_str(&render(&args(Some("json"), &["work"]), &ns[1..], now).unwrap())
                .unwrap();
        assert_eq!(one["kind"], "Namespace");
        let list: Value =
            serde_json::from_str(&render(&args(Some("json"), &[]), &ns, now).unwrap()).unwrap();
        assert_eq!(list["kind"], "List");
        assert_eq!(
            render(
                &args(Some("jsonpath={.items[*].metadata.name}"), &[]),
                &ns,
                now
            )
            .unwrap(),
            "default work"
        );
        assert!(render(&args(Some("table"), &[]), &ns, now).is_err());
    }
}
