//! `dockjob get KIND[,KIND...] [NAME...] | KIND/NAME... | all`: tables as kubectl
//! prints them (one per kind, `kind.group/name` names when several kinds are listed), or
//! yaml/json/name.
//!
//! Like `docker ps`, the default view is what is live: jobs without a Complete or
//! Failed condition, pods that are Pending or Running. `-a` adds the finished ones.
//! Objects asked for by name are always shown.
//!
//! CronJobs have no finished state: all of them are always shown.
//!
//! `-w` prints the table, then one row per change as kubectl's `get -w` does: the rows
//! after the first batch come without a header, and kubectl's tabwriter (flag
//! `RememberWidths`) pads each to at least the column widths already printed, so they
//! stay under the header; a wider cell widens its column from then on. Without `-a`, a
//! finished object that was not shown is not shown when it changes either; one that was
//! shown keeps being shown, so its last transition (Completed, Failed, deletion) is seen.

use std::collections::HashSet;

use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, Secret, Service};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Reported;
use super::client::{Client, ServerError};
use super::printers::{self, TableOptions};
use super::query::with_params;
use super::resources::{Request, Selection};
use super::watch::{self, EventType, Watch};
use crate::api::kinds::Kind;
use crate::api::table::{ACCEPT_TABLE, IncludeObject, Table, accepts_table, cell_text};

/// What `get` was asked for.
#[derive(Debug, Clone)]
pub struct GetArgs {
    /// The kinds and names, as [`super::resources::parse`] read them.
    pub selection: Selection,
    pub all: bool,
    pub selector: Option<String>,
    pub output: Option<String>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub no_headers: bool,
    /// `--show-labels` and `-L`: label columns after every table's own.
    pub labels: printers::labels::LabelColumns,
    /// `--sort-by`: a relaxed jsonpath the objects of each kind are ordered by.
    pub sort_by: Option<String>,
    /// `--allow-missing-template-keys` (kubectl's default: true).
    pub allow_missing_template_keys: bool,
    /// `--ignore-not-found`: a missing named object is skipped silently, and nothing
    /// found is no message either (exit 0), as kubectl's `get`.
    pub ignore_not_found: bool,
}

impl GetArgs {
    /// The first (for `-w`, the only) kind asked for.
    fn kind(&self) -> Kind {
        self.selection
            .requests
            .first()
            .map_or(Kind::Pod, |r| r.kind)
    }

    /// The names asked for with the first kind.
    fn names(&self) -> &[String] {
        self.selection
            .requests
            .first()
            .map_or(&[], |r| r.names.as_slice())
    }
}

/// The objects of one kind that `get` found, in the order they are printed.
#[derive(Debug, Clone)]
pub struct Group {
    pub kind: Kind,
    /// The objects; for a server-printed `table`, each row's PartialObjectMetadata
    /// (metadata only: enough for namespaces and label columns).
    pub items: Vec<Value>,
    /// The server's Table, when it printed the list itself (see `api::table`).
    pub table: Option<Table>,
}

impl From<(Kind, Vec<Value>)> for Group {
    fn from((kind, items): (Kind, Vec<Value>)) -> Group {
        Group {
            kind,
            items,
            table: None,
        }
    }
}

/// kubectl's argument checks that need no engine: names cannot be combined with a
/// selector, nor looked up across all namespaces.
pub fn check(args: &GetArgs) -> anyhow::Result<()> {
    if args.selection.has_names() && args.selector.is_some() {
        bail!("name cannot be provided when a selector is specified");
    }
    if args.selection.has_names() && args.all_namespaces {
        bail!("a resource cannot be retrieved by name across all namespaces");
    }
    render_groups(args, &[], jiff::Timestamp::now())?;
    Ok(())
}

/// kubectl's answer to `get` without a resource type: a hint on stderr, then a usage
/// error (exit 1).
pub fn missing_resource_type() -> anyhow::Error {
    eprintln!(
        "You must specify the type of resource to get. Use one of: {}.\n",
        super::resources::KINDS_HINT
    );
    anyhow::anyhow!("Required resource not specified.\nSee 'dockjob get -h' for help and examples")
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
        _ => true,
    }
}

/// Lists the objects of one request (its names, or a filtered list); a named object
/// the server refuses adds its error to `errors`.
async fn fetch_request(
    client: &Client,
    args: &GetArgs,
    request: &Request,
    errors: &mut Vec<String>,
) -> anyhow::Result<Group> {
    let mut items = Vec::new();
    let kind = request.kind;
    if request.names.is_empty() {
        let ns = (!args.all_namespaces).then_some(args.namespace.as_str());
        let table = server_printable(args, kind);
        // `get pods` without -a leaves out finished pods: the server can, by phase.
        let live_pods = (table && kind == Kind::Pod && !args.all)
            .then_some("status.phase!=Succeeded,status.phase!=Failed");
        // The rows' metadata is read only for namespaces and label columns.
        let metadata = args.all_namespaces || !args.labels.is_empty();
        let include = (table && !metadata).then_some(IncludeObject::None.as_str());
        let path = with_params(
            &kind.collection_path(ns),
            &[
                ("labelSelector", args.selector.as_deref()),
                ("fieldSelector", live_pods),
                ("includeObject", include),
            ],
        );
        let mut list: Value = if table {
            let (media, body) = client.get_negotiated(&path, ACCEPT_TABLE).await?;
            if accepts_table(&media) {
                let mut table: Table = serde_json::from_slice(&body)
                    .context("the engine's Table answer is not valid")?;
                let items = table
                    .rows
                    .iter_mut()
                    .map(|r| r.object.take().unwrap_or(Value::Null))
                    .collect();
                return Ok(Group {
                    kind,
                    items,
                    table: Some(table),
                });
            }
            serde_json::from_slice(&body).context("the engine's answer is not JSON")?
        } else {
            client.get(&path).await?
        };
        // Taken, not cloned: a list of 10,000 pods is 25 MB of JSON.
        if let Value::Array(all) = list["items"].take() {
            items = all;
        }
        if !args.all {
            items.retain(|v| is_live(kind, v));
        }
    } else {
        for name in &request.names {
            match client.get(&kind.object_path(&args.namespace, name)).await {
                Ok(v) => items.push(v),
                Err(e)
                    if args.ignore_not_found
                        && e.downcast_ref::<ServerError>()
                            .is_some_and(|se| se.code == 404) => {}
                Err(e) if e.downcast_ref::<ServerError>().is_some() => errors.push(e.to_string()),
                Err(e) => return Err(e),
            }
        }
    }
    Ok((kind, items).into())
}

/// Whether a list of `kind` may be printed by the server (kubectl's Table): a plain
/// table (`-o wide` too) in the server's order, and the finished objects `get` leaves
/// out without `-a` known to the server (pods, by phase) or to no one (kinds that
/// never finish). Jobs without `-a` are filtered here, on their conditions.
fn server_printable(args: &GetArgs, kind: Kind) -> bool {
    let plain_table = args.output.as_deref().is_none_or(|o| o == "wide");
    plain_table && args.sort_by.is_none() && (args.all || kind != Kind::Job)
}

/// Lists every request's objects, kind by kind, with the server's error for each named
/// object it refused (a missing one: NotFound), in the order they were asked for.
pub async fn fetch(client: &Client, args: &GetArgs) -> anyhow::Result<(Vec<Group>, Vec<String>)> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for request in &args.selection.requests {
        groups.push(fetch_request(client, args, request, &mut errors).await?);
    }
    Ok((groups, errors))
}

fn typed<T: DeserializeOwned>(items: &[Value]) -> anyhow::Result<Vec<T>> {
    items
        .iter()
        // Decoded from the borrowed value: no deep copy of each object first.
        .map(|v| <T as serde::Deserialize>::deserialize(v).map_err(Into::into))
        .collect()
}

/// `dockjob get`. As kubectl's, the objects found are printed first and the errors
/// (one line each) after them.
pub async fn run(client: &Client, args: &GetArgs) -> anyhow::Result<()> {
    let (groups, errors) = fetch(client, args).await?;
    let failed = !errors.is_empty();
    let out = render_groups(args, &groups, jiff::Timestamp::now())?;
    let empty = groups.iter().all(|g| g.items.is_empty());
    let human = args
        .output
        .as_deref()
        .is_none_or(|o| o == "wide" || o.starts_with("custom-columns"));
    let table = args.output.as_deref().is_none_or(|o| o == "wide");
    if empty && args.ignore_not_found {
        // kubectl prints neither the message nor an empty List then.
    } else if failed && empty && args.selection.single_item && !table {
        // kubectl's printGeneric: one named object that is missing is only the error,
        // not an empty List.
    } else if empty && !failed && human {
        if args.all_namespaces {
            eprintln!("No resources found");
        } else {
            eprintln!("No resources found in {} namespace.", args.namespace);
        }
    } else {
        print!("{out}");
    }
    if failed {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        for e in &errors {
            eprintln!("{e}");
        }
        return Err(Reported(1).into());
    }
    Ok(())
}

/// The text `get` prints for one kind's objects.
pub fn render(args: &GetArgs, items: &[Value]) -> anyhow::Result<String> {
    render_at(args, items, jiff::Timestamp::now())
}

/// [`render`] at a given time, for the first kind asked for.
pub fn render_at(args: &GetArgs, items: &[Value], now: jiff::Timestamp) -> anyhow::Result<String> {
    render_groups(args, &[(args.kind(), items.to_vec()).into()], now)
}

/// One kind's table.
fn table(
    kind: Kind,
    items: &[Value],
    now: jiff::Timestamp,
    opts: &TableOptions,
) -> anyhow::Result<String> {
    Ok(match kind {
        Kind::Job => printers::jobs_table(&typed::<Job>(items)?, now, opts),
        Kind::Pod => printers::pods_table(&typed::<Pod>(items)?, now, opts),
        Kind::Event => printers::events_table(&typed::<Event>(items)?, now, opts),
        Kind::CronJob => printers::cronjobs_table(&typed::<CronJob>(items)?, now, opts),
        Kind::ConfigMap => printers::configmaps_table(&typed::<ConfigMap>(items)?, now, opts),
        Kind::Secret => printers::secrets_table(&typed::<Secret>(items)?, now, opts),
        Kind::Service => printers::services_table(&typed::<Service>(items)?, now, opts),
        Kind::ReplicaSet => printers::replicasets_table(&typed::<ReplicaSet>(items)?, now, opts),
    })
}

/// A server-printed Table as kubectl prints it: the columns of priority 0, and with
/// `-o wide` the others too.
///
/// `items` are the rows' objects (taken out of the table as it was read; `Null` where
/// the server sent none): the NAMESPACE column is read from them.
pub(crate) fn server_table(t: &Table, items: &[Value], opts: &TableOptions) -> String {
    let shown: Vec<usize> = t
        .column_definitions
        .iter()
        .enumerate()
        .filter(|(_, c)| c.priority == 0 || opts.wide)
        .map(|(i, _)| i)
        .collect();
    let headers: Vec<&str> = shown
        .iter()
        .map(|i| t.column_definitions[*i].name.as_str())
        .collect();
    let rows: Vec<printers::Row> = t
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| printers::Row {
            namespace: items
                .get(i)
                .and_then(|o| o["metadata"]["namespace"].as_str())
                .unwrap_or_default()
                .to_string(),
            cells: shown
                .iter()
                .map(|i| r.cells.get(*i).map(cell_text).unwrap_or_default())
                .collect(),
        })
        .collect();
    printers::render_table(&headers, &rows, opts)
}

/// `kind.group` as kubectl prefixes names with it (`job.batch`, `pod`).
fn qualified(kind: Kind) -> &'static str {
    match kind {
        Kind::Job => "job.batch",
        Kind::CronJob => "cronjob.batch",
        Kind::Pod => "pod",
        Kind::Event => "event",
        Kind::ConfigMap => "configmap",
        Kind::Secret => "secret",
        Kind::Service => "service",
        Kind::ReplicaSet => "replicaset.apps",
    }
}

/// The text `get` prints for the groups found, as kubectl prints them: one table per
/// kind (each aligned on its own, a blank line between them unless `--no-headers`),
/// names as `kind.group/name` when several kinds were asked for or found; `-o
/// yaml|json` one object when one was named, else a `List` of all; `-o name` a line
/// per object.
pub fn render_groups(
    args: &GetArgs,
    groups: &[Group],
    now: jiff::Timestamp,
) -> anyhow::Result<String> {
    render_groups_with(args, groups, now, false)
}

/// [`render_groups`]; `raw` leaves tables tab-separated for `get -w`'s writer.
fn render_groups_with(
    args: &GetArgs,
    groups: &[Group],
    now: jiff::Timestamp,
    raw: bool,
) -> anyhow::Result<String> {
    let found: Vec<Kind> = groups
        .iter()
        .filter(|g| !g.items.is_empty())
        .map(|g| g.kind)
        .collect();
    let with_kind = args.selection.with_kind || found.windows(2).any(|w| w[0] != w[1]);
    let table_output = args.output.as_deref().is_none_or(|o| o == "wide");
    let sorted;
    let groups = match &args.sort_by {
        Some(field) => {
            sorted = sort_groups(groups, field, table_output)?;
            sorted.as_slice()
        }
        None => groups,
    };
    let output = args.output.as_deref();
    if let Some(text) = render_template_output(args, groups, output, raw)? {
        return Ok(text);
    }
    match output {
        None | Some("wide") => {
            let mut out = String::new();
            for Group { kind, items, table } in groups {
                let opts = TableOptions {
                    wide: args.output.as_deref() == Some("wide"),
                    no_headers: args.no_headers,
                    show_namespace: args.all_namespaces,
                    kind_prefix: with_kind.then(|| qualified(*kind)),
                    colour: super::terminal::stdout_colour(),
                    raw,
                };
                let text = match table {
                    Some(t) => server_table(t, items, &opts),
                    None => self::table(*kind, items, now, &opts)?,
                };
                let text = if raw {
                    printers::labels::append_cells(&text, items, &args.labels, args.no_headers)
                } else {
                    printers::labels::append_columns(&text, items, &args.labels, args.no_headers)
                };
                if text.is_empty() {
                    continue;
                }
                if !out.is_empty() && !args.no_headers {
                    out.push('\n');
                }
                out.push_str(&text);
            }
            Ok(out)
        }
        Some(fmt @ ("yaml" | "json")) => {
            let all: Vec<Value> = groups.iter().flat_map(|g| g.items.clone()).collect();
            let value = if args.selection.single_item && all.len() == 1 {
                all[0].clone()
            } else {
                printers::list_value(all)
            };
            if fmt == "yaml" {
                Ok(printers::to_yaml(&value)?)
            } else {
                Ok(printers::to_json(&value)?)
            }
        }
        Some("name") => {
            let mut out = String::new();
            for Group { kind, items, .. } in groups {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|v| v["metadata"]["name"].as_str().map(str::to_string))
                    .collect();
                out.push_str(&printers::names(qualified(*kind), &names));
            }
            Ok(out)
        }
        Some(other) => bail!(
            "unable to match a printer suitable for the output format \"{other}\", allowed formats are: custom-columns,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml"
        ),
    }
}

/// `--sort-by`: each kind's objects in kubectl's order. kubectl refuses a path that no
/// object has (for other than tables only when there is more than one object).
fn sort_groups(groups: &[Group], field: &str, table_output: bool) -> anyhow::Result<Vec<Group>> {
    let total: usize = groups.iter().map(|g| g.items.len()).sum();
    let mut out = groups.to_vec();
    let mut found_somewhere = false;
    for Group { items, .. } in &mut out {
        match printers::sort_by::sort_items(items, field, true) {
            Ok(()) => found_somewhere |= !items.is_empty(),
            Err(e) if e.to_string().starts_with("couldn't find any field") => {}
            Err(e) => return Err(e.into()),
        }
    }
    if !found_somewhere && (total > 1 || (table_output && total > 0)) {
        let template = printers::custom_columns::relaxed_jsonpath(field)?;
        bail!("couldn't find any field with path {template:?} in the list of objects");
    }
    Ok(out)
}

/// `-o jsonpath=`, `jsonpath-file=`, `jsonpath-as-json=` and `custom-columns=`, or None
/// for the other formats. jsonpath runs on the object when one was named, else on a
/// `List` of all of them, as kubectl's does.
fn render_template_output(
    args: &GetArgs,
    groups: &[Group],
    output: Option<&str>,
    raw: bool,
) -> anyhow::Result<Option<String>> {
    let Some((format, value)) = output.and_then(|o| o.split_once('=').or(Some((o, "")))) else {
        return Ok(None);
    };
    let all = || -> Vec<Value> { groups.iter().flat_map(|g| g.items.clone()).collect() };
    match format {
        "jsonpath" | "jsonpath-file" | "jsonpath-as-json" => {
            let template = if format == "jsonpath-file" {
                std::fs::read_to_string(value)
                    .map_err(|e| anyhow::anyhow!("error reading --template {value}, {e}\n"))?
            } else {
                value.to_string()
            };
            if template.is_empty() {
                bail!("template format specified but no template given");
            }
            let path = printers::jsonpath::JsonPath::parse(&template)
                .map_err(|e| anyhow::anyhow!("error parsing jsonpath {template}, {e}\n"))?
                .allow_missing_keys(args.allow_missing_template_keys)
                .output_json(format == "jsonpath-as-json");
            // `check` passes no groups at all: only the template is checked then.
            if groups.is_empty() {
                return Ok(Some(String::new()));
            }
            let items = all();
            let object = if args.selection.single_item && items.len() == 1 {
                items[0].clone()
            } else {
                printers::list_value(items)
            };
            let object = printers::omit_managed_fields(&object);
            match path.execute(&object) {
                Ok(text) => Ok(Some(text)),
                Err(e) => bail!(
                    "{}",
                    printers::jsonpath::execution_error(&template, &e, &object)
                ),
            }
        }
        "custom-columns" => {
            let columns = printers::custom_columns::parse_spec(value)?;
            let render = if raw {
                printers::custom_columns::render_raw
            } else {
                printers::custom_columns::render
            };
            Ok(Some(render(&columns, &all(), args.no_headers)?))
        }
        _ => Ok(None),
    }
}

/// What `get -w` prints as objects arrive, as kubectl's printers do in watch mode: the
/// header once, above the first row printed, every table row aligned by one
/// `RememberWidths` tabwriter flushed after each batch; YAML documents after the first
/// preceded by `---`; JSON objects one after the other; names one per line; a jsonpath
/// template run on each object.
pub struct WatchPrinter<'a> {
    args: &'a GetArgs,
    printed: usize,
    widths: printers::tabwriter::RememberedWidths,
}

impl<'a> WatchPrinter<'a> {
    pub fn new(args: &'a GetArgs) -> Self {
        WatchPrinter {
            args,
            printed: 0,
            widths: Default::default(),
        }
    }

    /// The text for the next batch of objects (the initial list, or one change).
    pub fn render(&mut self, items: &[Value], now: jiff::Timestamp) -> anyhow::Result<String> {
        if items.is_empty() {
            return Ok(String::new());
        }
        let output = self.args.output.as_deref();
        let text = match output {
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
            Some("json") => {
                let mut out = String::new();
                for item in items {
                    out.push_str(&printers::to_json(item)?);
                }
                out
            }
            Some(o) if o.starts_with("jsonpath") => {
                // kubectl's watch hands the printer one object at a time.
                let mut args = self.args.clone();
                args.selection.single_item = true;
                let mut out = String::new();
                for item in items {
                    out.push_str(&render_at(&args, std::slice::from_ref(item), now)?);
                }
                out
            }
            _ => {
                let mut args = self.args.clone();
                args.no_headers = args.no_headers || self.printed > 0;
                let raw =
                    render_groups_with(&args, &[(args.kind(), items.to_vec()).into()], now, true)?;
                if matches!(output, None | Some("wide"))
                    || output.is_some_and(|o| o.starts_with("custom-columns"))
                {
                    printers::align_watch(&raw, &mut self.widths)
                } else {
                    raw
                }
            }
        };
        self.printed += items.len();
        Ok(text)
    }
}

fn uid(v: &Value) -> String {
    v["metadata"]["uid"].as_str().unwrap_or("").to_string()
}

fn rv_number(v: &str) -> u64 {
    v.parse().unwrap_or(0)
}

/// `dockjob get -w` (`list_first`) and `--watch-only`: runs until interrupted, or until
/// the engine can no longer be reached.
pub async fn run_watch(client: &Client, args: &GetArgs, list_first: bool) -> anyhow::Result<()> {
    // Fail early on an unknown format, as kubectl does before watching.
    render_at(args, &[], jiff::Timestamp::now())?;
    if args.selection.several_kinds() {
        bail!(
            "watch is only supported on individual resources and resource collections - more than 1 resource was found"
        );
    }
    let kind = args.kind();
    let names = args.names();
    let ns = (!args.all_namespaces).then_some(args.namespace.as_str());
    let collection = kind.collection_path(ns);
    let one_name = (names.len() == 1).then(|| format!("metadata.name={}", names[0]));
    let params = [
        ("labelSelector", args.selector.as_deref()),
        ("fieldSelector", one_name.as_deref()),
    ];
    let wanted = |v: &Value| {
        names.is_empty()
            || v["metadata"]["name"]
                .as_str()
                .is_some_and(|n| names.iter().any(|w| w == n))
    };
    let listed = watch::list(client, &collection, &params).await?;
    let mut failed = false;
    for name in names {
        if !listed
            .items
            .iter()
            .any(|v| v["metadata"]["name"] == name.as_str())
        {
            eprintln!(
                "{}",
                ServerError {
                    code: 404,
                    reason: "NotFound".to_string(),
                    message: format!("{} {name:?} not found", kind.resource()),
                }
            );
            failed = true;
        }
    }
    if failed {
        return Err(Reported(1).into());
    }
    let visible = |v: &Value, shown: &HashSet<String>| {
        args.all || !names.is_empty() || is_live(kind, v) || shown.contains(&uid(v))
    };
    let mut printer = WatchPrinter::new(args);
    let mut shown: HashSet<String> = HashSet::new();
    let initial: Vec<Value> = listed
        .items
        .into_iter()
        .filter(|v| wanted(v) && visible(v, &shown))
        .collect();
    shown.extend(initial.iter().map(uid));
    if list_first {
        print!("{}", printer.render(&initial, jiff::Timestamp::now())?);
    }
    let mut since = listed.resource_version;
    loop {
        let mut stream = Watch::open(client, &collection, &params, &since).await?;
        while let Some(Ok(ev)) = stream.next().await {
            if ev.type_ == EventType::Error {
                break;
            }
            let obj = ev.object;
            let rv = watch::resource_version(&obj).to_string();
            if rv_number(&rv) > rv_number(&since) {
                since = rv;
            }
            if !wanted(&obj) || !visible(&obj, &shown) {
                continue;
            }
            shown.insert(uid(&obj));
            print!("{}", printer.render(&[obj], jiff::Timestamp::now())?);
        }
        // The stream ended (fell behind, or the connection broke): list again and show
        // what changed meanwhile, then watch from the new list.
        let listed = watch::list(client, &collection, &params).await?;
        let changed: Vec<Value> = listed
            .items
            .into_iter()
            .filter(|v| {
                rv_number(watch::resource_version(v)) > rv_number(&since)
                    && wanted(v)
                    && visible(v, &shown)
            })
            .collect();
        shown.extend(changed.iter().map(uid));
        print!("{}", printer.render(&changed, jiff::Timestamp::now())?);
        since = listed.resource_version;
    }
}

#[cfg(test)]
#[path = "get_watch_tests.rs"]
mod watch_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `get KIND [-o OUTPUT]` in the default namespace (also for the watch goldens).
    pub(super) fn args(kind: Kind, output: Option<&str>) -> GetArgs {
        GetArgs {
            selection: Selection {
                requests: vec![Request {
                    kind,
                    names: vec![],
                }],
                with_kind: false,
                single_item: false,
            },
            all: false,
            selector: None,
            output: output.map(str::to_string),
            namespace: "default".into(),
            all_namespaces: false,
            no_headers: false,
            labels: Default::default(),
            sort_by: None,
            allow_missing_template_keys: true,
            ignore_not_found: false,
        }
    }

    fn pod(name: &str, phase: &str, state: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default",
                            "creationTimestamp": "2024-05-01T11:59:50Z"},
               "spec": {"containers": [{"name": "main", "image": "busybox"}]},
               "status": {"phase": phase, "containerStatuses": [
                   {"name": "main", "ready": false, "restartCount": 0, "image": "busybox",
                    "imageID": "", "state": state}]}})
    }

    /// kubectl's `RememberWidths` tabwriter: a later row is padded to the widths the
    /// header and first rows set.
    #[test]
    fn watch_rows_after_the_first_batch_have_no_header_and_keep_the_widths() {
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let a = args(Kind::Pod, None);
        let mut p = WatchPrinter::new(&a);
        assert_eq!(p.render(&[], now).unwrap(), "");
        let first = p
            .render(
                &[pod(
                    "oneshot-x7k2p",
                    "Pending",
                    json!({"waiting": {"reason": "ContainerCreating"}}),
                )],
                now,
            )
            .unwrap();
        assert_eq!(
            first,
            "NAME            READY   STATUS              RESTARTS   AGE\noneshot-x7k2p   0/1     ContainerCreating   0          10s\n"
        );
        let next = p
            .render(
                &[pod(
                    "oneshot-x7k2p",
                    "Succeeded",
                    json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
                )],
                now,
            )
            .unwrap();
        assert_eq!(
            next,
            "oneshot-x7k2p   0/1     Completed           0          10s\n"
        );
    }

    #[test]
    fn cronjobs_print_as_a_table_and_are_always_live() {
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob",
                        "metadata": {"name": "nightly", "namespace": "default",
                                     "creationTimestamp": "2024-05-01T11:00:00Z"},
                        "spec": {"schedule": "0 3 * * *", "suspend": false,
                                 "jobTemplate": {"spec": {"template": {}}}},
                        "status": {}});
        assert!(is_live(Kind::CronJob, &cj));
        let a = args(Kind::CronJob, None);
        let mut p = WatchPrinter::new(&a);
        assert_eq!(
            p.render(std::slice::from_ref(&cj), now).unwrap(),
            "NAME      SCHEDULE    TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\nnightly   0 3 * * *   <none>     False     0        <none>          60m\n"
        );
        assert_eq!(
            p.render(&[cj], now).unwrap(),
            "nightly   0 3 * * *   <none>     False     0        <none>          60m\n"
        );
    }

    #[test]
    fn watch_yaml_documents_are_separated() {
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let a = args(Kind::Job, Some("yaml"));
        let mut p = WatchPrinter::new(&a);
        let job = |n: &str| json!({"kind": "Job", "metadata": {"name": n}});
        assert_eq!(
            p.render(&[job("a"), job("b")], now).unwrap(),
            "kind: Job\nmetadata:\n  name: a\n---\nkind: Job\nmetadata:\n  name: b\n"
        );
        assert_eq!(
            p.render(&[job("a")], now).unwrap(),
            "---\nkind: Job\nmetadata:\n  name: a\n"
        );
        let n = args(Kind::Job, Some("name"));
        let mut p = WatchPrinter::new(&n);
        assert_eq!(p.render(&[job("a")], now).unwrap(), "job.batch/a\n");
    }

    fn job_value(name: &str) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": name, "namespace": "default",
                            "creationTimestamp": "2024-05-01T11:59:00Z"},
               "spec": {"completions": 1, "parallelism": 1, "template": {}},
               "status": {}})
    }

    fn selection(words: &[&str]) -> Selection {
        crate::cli::resources::parse(
            "get",
            &words.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    /// `get jobs,pods`: one table per kind, aligned on its own, a blank line between
    /// them, names as `kind.group/name`; `--no-headers` drops the blank line too.
    #[test]
    fn several_kinds_print_one_table_each() {
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let mut a = args(Kind::Job, None);
        a.selection = selection(&["jobs,pods"]);
        let groups: Vec<Group> = vec![
            (Kind::Job, vec![job_value("oneshot")]).into(),
            (
                Kind::Pod,
                vec![pod(
                    "oneshot-x7k2p",
                    "Running",
                    json!({"running": {"startedAt": "2024-05-01T11:59:55Z"}}),
                )],
            )
                .into(),
        ];
        assert_eq!(
            render_groups(&a, &groups, now).unwrap(),
            "\
NAME                STATUS    COMPLETIONS   DURATION   AGE
job.batch/oneshot   Running   0/1                      60s

NAME                READY   STATUS    RESTARTS   AGE
pod/oneshot-x7k2p   0/1     Running   0          10s
"
        );
        a.no_headers = true;
        assert_eq!(
            render_groups(&a, &groups, now).unwrap(),
            "job.batch/oneshot   Running   0/1         60s\npod/oneshot-x7k2p   0/1   Running   0     10s\n"
        );
        // A kind with nothing found prints nothing, and one kind alone has plain names
        // unless several were asked for.
        a.no_headers = false;
        let only_jobs: Vec<Group> = vec![
            (Kind::Job, vec![job_value("a")]).into(),
            (Kind::Pod, vec![]).into(),
        ];
        assert!(
            render_groups(&a, &only_jobs, now)
                .unwrap()
                .contains("job.batch/a")
        );
        a.selection = selection(&["job/a", "job/b"]);
        let two: Vec<Group> = vec![(Kind::Job, vec![job_value("a"), job_value("b")]).into()];
        let text = render_groups(&a, &two, now).unwrap();
        assert!(
            text.contains("\na   ") && !text.contains("job.batch/"),
            "{text}"
        );
    }

    #[test]
    fn yaml_is_the_object_for_one_name_else_a_list() {
        let now: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let mut a = args(Kind::Job, Some("json"));
        a.selection = selection(&["job/a"]);
        let one: Vec<Group> = vec![(Kind::Job, vec![job_value("a")]).into()];
        let v: Value = serde_json::from_str(&render_groups(&a, &one, now).unwrap()).unwrap();
        assert_eq!(v["kind"], "Job");
        a.selection = selection(&["job/a", "pod/p"]);
        let v: Value = serde_json::from_str(&render_groups(&a, &one, now).unwrap()).unwrap();
        assert_eq!(v["kind"], "List");
        a.output = Some("name".into());
        let groups: Vec<Group> = vec![
            (
                Kind::ReplicaSet,
                vec![json!({"metadata": {"name": "queue"}})],
            )
                .into(),
            (Kind::Service, vec![json!({"metadata": {"name": "queue"}})]).into(),
        ];
        assert_eq!(
            render_groups(&a, &groups, now).unwrap(),
            "replicaset.apps/queue\nservice/queue\n"
        );
    }

    #[test]
    fn names_with_a_selector_or_all_namespaces_are_refused() {
        let mut a = args(Kind::Job, None);
        a.selection = selection(&["job", "a"]);
        a.selector = Some("x=y".into());
        assert_eq!(
            check(&a).unwrap_err().to_string(),
            "name cannot be provided when a selector is specified"
        );
        a.selector = None;
        a.all_namespaces = true;
        assert_eq!(
            check(&a).unwrap_err().to_string(),
            "a resource cannot be retrieved by name across all namespaces"
        );
        a.all_namespaces = false;
        a.output = Some("table".into());
        assert!(check(&a).unwrap_err().to_string().contains("\"table\""));
    }
}
