//! Manifest decoding: bytes of a YAML (or JSON) file into typed Kubernetes objects,
//! with every problem reported at `FILE:LINE:COL` and named by its field path.
//!
//! Owns: the YAML reading (multi-document, `kind: List`, anchors and merge keys,
//! go-yaml v2 scalar rules as kubectl reads them), type errors with field paths,
//! unknown-field warnings (as kubectl prints them), the supported-subset check (which
//! Kubernetes fields dockjob implements; see [`JOB_FIELDS`], [`CRONJOB_FIELDS`] and
//! [`POD_SPEC_FIELDS`]), the old `batch/v1beta1` CronJob read as `batch/v1` with the API
//! server's deprecation warning, and the path → line index that lets validation errors
//! point at a line.
//!
//! Must not: default, validate values (defaults.rs, validate.rs), read files or talk to
//! anything; the caller passes the bytes and the name to print.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{self, Event, Parser, ScalarStyle, ScanError};

use super::kinds::Kind;

/// Largest manifest source read at once. Far above any real manifest (the API server
/// refuses objects over 3 MiB), low enough that a stray binary file fails fast.
pub const MAX_MANIFEST_BYTES: usize = 32 << 20;
/// The API server's request body limit (`MaxRequestBodyBytes`, 3 MiB, in
/// k8s.io/apiserver): the engine answers 413 beyond it, and apply checks it first.
pub const MAX_REQUEST_BYTES: usize = 3 * 1024 * 1024;
/// Deepest nesting accepted. Kubernetes objects nest about 15 levels; the limit keeps
/// recursion (here and in serde) far from the stack's end.
pub const MAX_DEPTH: usize = 64;
/// Most YAML nodes accepted per source, counting each alias expansion: stops "billion
/// laughs" documents before they eat the memory.
pub const MAX_NODES: usize = 1_000_000;

/// What dockjob serves, for error messages.
const SERVED: &str = "dockjob serves apiVersion \"batch/v1\" kind \"Job\", apiVersion \"batch/v1\" kind \"CronJob\", apiVersion \"v1\" kind \"Pod\", apiVersion \"v1\" kind \"ConfigMap\", apiVersion \"v1\" kind \"Secret\", apiVersion \"v1\" kind \"Service\" and apiVersion \"apps/v1\" kind \"ReplicaSet\"";

/// The kinds a manifest may hold (events are written by the engine only).
pub const SERVED_KINDS: [Kind; 7] = [
    Kind::Job,
    Kind::CronJob,
    Kind::Pod,
    Kind::ConfigMap,
    Kind::Secret,
    Kind::Service,
    Kind::ReplicaSet,
];

/// `kind: XList` documents expanded to their items, as kubectl reads them.
const LIST_KINDS: [&str; 8] = [
    "List",
    "JobList",
    "CronJobList",
    "PodList",
    "ConfigMapList",
    "SecretList",
    "ServiceList",
    "ReplicaSetList",
];

/// The CronJob API version Kubernetes removed in 1.25, still found in old manifests
/// (Kubernetes Up & Running's CronJob): read as `batch/v1`, whose schema is the same.
pub const CRONJOB_V1BETA1: &str = "batch/v1beta1";

/// What the API server answers (a `Warning` header, printed by kubectl) to a request
/// for the deprecated CronJob version: `k8s.io/apiserver` `deprecatedAPIWarning` with
/// the version's `APILifecycleDeprecated` 1.21 and `APILifecycleRemoved` 1.25.
pub const CRONJOB_V1BETA1_WARNING: &str =
    "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob";

/// A decoded object of a kind dockjob serves.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    Pod(Box<Pod>),
    ConfigMap(Box<ConfigMap>),
    Secret(Box<Secret>),
    Service(Box<Service>),
    ReplicaSet(Box<ReplicaSet>),
}

impl Object {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Job(_) => Kind::Job,
            Object::CronJob(_) => Kind::CronJob,
            Object::Pod(_) => Kind::Pod,
            Object::ConfigMap(_) => Kind::ConfigMap,
            Object::Secret(_) => Kind::Secret,
            Object::Service(_) => Kind::Service,
            Object::ReplicaSet(_) => Kind::ReplicaSet,
        }
    }

    /// The object's metadata.
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::Job(j) => &j.metadata,
            Object::CronJob(c) => &c.metadata,
            Object::Pod(p) => &p.metadata,
            Object::ConfigMap(c) => &c.metadata,
            Object::Secret(s) => &s.metadata,
            Object::Service(s) => &s.metadata,
            Object::ReplicaSet(r) => &r.metadata,
        }
    }

    /// The object's metadata, to fill in a namespace or a generated name.
    pub fn meta_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Job(j) => &mut j.metadata,
            Object::CronJob(c) => &mut c.metadata,
            Object::Pod(p) => &mut p.metadata,
            Object::ConfigMap(c) => &mut c.metadata,
            Object::Secret(s) => &mut s.metadata,
            Object::Service(s) => &mut s.metadata,
            Object::ReplicaSet(r) => &mut r.metadata,
        }
    }

    /// `metadata.name`, when set.
    pub fn name(&self) -> Option<&str> {
        self.meta().name.as_deref()
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.meta().namespace.as_deref()
    }

    /// The object as Kubernetes JSON (what is sent to and stored by the engine).
    pub fn to_value(&self) -> Value {
        // Serializing k8s-openapi types into a Value cannot fail: every map has string
        // keys and every number is finite. Null is an unreachable fallback.
        let v = match self {
            Object::Job(j) => serde_json::to_value(j),
            Object::CronJob(c) => serde_json::to_value(c),
            Object::Pod(p) => serde_json::to_value(p),
            Object::ConfigMap(c) => serde_json::to_value(c),
            Object::Secret(s) => serde_json::to_value(s),
            Object::Service(s) => serde_json::to_value(s),
            Object::ReplicaSet(r) => serde_json::to_value(r),
        };
        v.unwrap_or(Value::Null)
    }
}

impl Object {
    /// An object as the store keeps it (Kubernetes JSON of `kind`), for admission to
    /// compare an update with. Events are not objects a client writes.
    pub fn from_stored(kind: Kind, value: Value) -> Result<Object, String> {
        fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Result<Box<T>, String> {
            serde_json::from_value(v)
                .map(Box::new)
                .map_err(|e| e.to_string())
        }
        Ok(match kind {
            Kind::Job => Object::Job(typed(value)?),
            Kind::CronJob => Object::CronJob(typed(value)?),
            Kind::Pod => Object::Pod(typed(value)?),
            Kind::ConfigMap => Object::ConfigMap(typed(value)?),
            Kind::Secret => Object::Secret(typed(value)?),
            Kind::Service => Object::Service(typed(value)?),
            Kind::ReplicaSet => Object::ReplicaSet(typed(value)?),
            Kind::Event => return Err("events are written by the engine only".to_string()),
        })
    }
}

/// A 1-based line and column in a manifest source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Where a field of one object is written: its key and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FieldSpan {
    key: Position,
    value: Position,
}

/// Field path (`spec.template.spec.containers[0].image`) → where it is written, for
/// one object. Paths use `.key` for every mapping key and `[i]` for list items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathIndex {
    fields: HashMap<String, FieldSpan>,
}

impl PathIndex {
    /// Where the field's key is written (its value's position for list items).
    pub fn key_position(&self, path: &str) -> Option<Position> {
        self.fields.get(&normalize_path(path)).map(|s| s.key)
    }

    /// Where the field's value starts.
    pub fn value_position(&self, path: &str) -> Option<Position> {
        self.fields.get(&normalize_path(path)).map(|s| s.value)
    }

    /// The key position of the path or, when it is not written (a defaulted field),
    /// of its nearest written ancestor.
    pub fn nearest(&self, path: &str) -> Option<Position> {
        let mut p = normalize_path(path);
        loop {
            if let Some(s) = self.fields.get(&p) {
                return Some(s.key);
            }
            p = parent_path(&p)?;
        }
    }

    fn nearest_value(&self, path: &str) -> Option<Position> {
        let p = normalize_path(path);
        if let Some(s) = self.fields.get(&p) {
            return Some(s.value);
        }
        self.nearest(&p)
    }
}

/// `a.b[0].c` → `a.b[0]` → `a.b` → `a` → None.
fn parent_path(path: &str) -> Option<String> {
    let cut = path.rfind(['.', '['])?;
    Some(path[..cut].to_string())
}

/// Accepts Kubernetes' `field.Path` spellings: `metadata.labels[app]` (map keys in
/// brackets) becomes `metadata.labels.app`; `[0]` stays; serde's `?` segments go.
fn normalize_path(path: &str) -> String {
    let path = path.trim_start_matches('.');
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        if inner.chars().all(|c| c.is_ascii_digit()) && !inner.is_empty() {
            out.push('[');
            out.push_str(inner);
            out.push(']');
        } else {
            out.push('.');
            out.push_str(inner);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.replace(".?", "")
}

/// One decoded object and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The file name (or `-`) given to [`decode_manifests`], for messages.
    pub source: String,
    /// 1-based line where the object starts.
    pub line: usize,
    pub object: Object,
    /// Unknown fields and accepted-but-ignored fields, one line each, as
    /// `FILE:LINE:COL: ...` (the caller prefixes `Warning: `).
    pub warnings: Vec<String>,
    /// Where each field is written.
    pub index: PathIndex,
}

impl Manifest {
    /// Line and column of a field path, when the manifest writes that field.
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        self.index.key_position(path).map(|p| (p.line, p.column))
    }

    /// The line to report a problem with `path` at: the field's line, else its nearest
    /// written ancestor's (a defaulted field), else the object's first line.
    pub fn line_of(&self, path: &str) -> usize {
        self.position_of(path).line
    }

    /// Like [`Manifest::line_of`], with the column.
    pub fn position_of(&self, path: &str) -> Position {
        self.index.nearest(path).unwrap_or(Position {
            line: self.line,
            column: 1,
        })
    }

    /// `FILE:LINE:COL` for a field path, to prefix a message with.
    pub fn at(&self, path: &str) -> String {
        let p = self.position_of(path);
        format!("{}:{}:{}", self.source, p.line, p.column)
    }
}

/// A manifest field dockjob does not implement (yet, or ever on one host).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {path}: {message}")]
pub struct UnsupportedField {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub path: String,
    /// Why: `not supported by dockjob yet`, with ` (only the default "X" is)` for
    /// fields accepted only at their default, or the reason one Docker host makes the
    /// value meaningless (see [`Support::Only`], [`Support::Refused`]).
    pub message: String,
}

/// The message for a field dockjob has not implemented yet.
const NOT_YET: &str = "not supported by dockjob yet";

/// Why a manifest source cannot be used. Each line starts with `FILE:LINE:COL:` (or
/// `FILE:` for the whole source) and names the field path when there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "{file}:{line}:{column}: invalid UTF-8 at byte offset {offset}: manifests must be UTF-8 text"
    )]
    NotUtf8 {
        file: String,
        line: usize,
        column: usize,
        offset: usize,
    },
    #[error("{file}: {size} bytes is more than the {limit} bytes dockjob reads from one source")]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    /// Not YAML, or YAML no Kubernetes object can be made of (duplicate keys, too deep).
    #[error("{file}:{line}:{column}: {message}")]
    Yaml {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A field with a wrong value: wrong type, missing or unknown apiVersion/kind.
    #[error("{file}:{line}:{column}: {path}: {message}")]
    Field {
        file: String,
        line: usize,
        column: usize,
        path: String,
        message: String,
    },
    /// Kubernetes fields dockjob does not implement yet, all of them for one object.
    #[error("{}", join_lines(.0))]
    Unsupported(Vec<UnsupportedField>),
}

fn join_lines(fields: &[UnsupportedField]) -> String {
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Decodes every object of a manifest source: YAML documents separated by `---`
/// (empty ones skipped), `kind: List` expanded to its items, JSON accepted (it is
/// YAML). `source` is the name used in messages (`-` for stdin).
pub fn decode_manifests(source: &str, bytes: &[u8]) -> Result<Vec<Manifest>, ManifestError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge {
            file: source.to_string(),
            size: bytes.len(),
            limit: MAX_MANIFEST_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let before = &bytes[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        ManifestError::NotUtf8 {
            file: source.to_string(),
            line,
            column,
            offset,
        }
    })?;
    let roots = read_documents(source, text)?;
    let mut out = Vec::new();
    for root in roots {
        objects_from_root(source, &root, &mut out)?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// YAML → tree with positions.

#[derive(Clone, Debug)]
struct YNode {
    pos: Position,
    kind: YKind,
}

#[derive(Clone, Debug)]
enum YKind {
    Null,
    Bool(bool),
    Num(Number),
    /// `.inf` / `.nan`: YAML numbers JSON cannot carry; an error if they reach an object.
    NonFinite(String),
    Str(String),
    Seq(Vec<YNode>),
    Map(Vec<YEntry>),
}

#[derive(Clone, Debug)]
struct YEntry {
    key: String,
    key_pos: Position,
    value: YNode,
}

/// A completed node with what limits need: its height and node count.
#[derive(Debug)]
struct Built {
    node: YNode,
    height: usize,
    count: usize,
}

enum Frame {
    Seq {
        pos: Position,
        anchor: usize,
        items: Vec<YNode>,
        height: usize,
        count: usize,
    },
    Map {
        pos: Position,
        anchor: usize,
        entries: Vec<YEntry>,
        seen: HashMap<String, Position>,
        /// The key read, waiting for its value (`true` for a `<<` merge key).
        key: Option<(String, Position, bool)>,
        merges: Vec<YNode>,
        height: usize,
        count: usize,
    },
}

struct Builder<'a> {
    file: &'a str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Rc<Built>>,
    open_anchors: HashSet<usize>,
    nodes: usize,
    root: Option<YNode>,
    roots: Vec<YNode>,
}

fn pos_of(m: &granit_parser::Marker) -> Position {
    Position {
        line: m.line(),
        column: m.col() + 1,
    }
}

fn read_documents(file: &str, text: &str) -> Result<Vec<YNode>, ManifestError> {
    let mut options = granit_parser::Options::default();
    options.block_nesting_limit = MAX_DEPTH;
    options.flow_nesting_limit = MAX_DEPTH;
    options.emit_comments = false;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut b = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        open_anchors: HashSet::new(),
        nodes: 0,
        root: None,
        roots: Vec::new(),
    };
    for ev in parser {
        let (event, span) = ev.map_err(|e| scan_error(file, &e))?;
        b.event(event, pos_of(&span.start))?;
    }
    Ok(b.roots)
}

fn scan_error(file: &str, e: &ScanError) -> ManifestError {
    let p = pos_of(e.marker());
    let info = e.info();
    ManifestError::Yaml {
        file: file.to_string(),
        line: p.line,
        column: p.column,
        message: if info.is_empty() {
            "invalid YAML".to_string()
        } else if info.contains("recursion limit") {
            // The parser's nesting limit (set to MAX_DEPTH): say what it means.
            format!(
                "nested more than {MAX_DEPTH} levels deep (Kubernetes objects nest about 15): check the brackets and indentation"
            )
        } else {
            info
        },
    }
}

/// serde's type error in the words of a manifest's author: Kubernetes' integer
/// types instead of Rust's, and the obvious fix for a quoted number or a number where
/// text belongs.
fn plain_type_message(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, k8s) in [
        (
            "expected i32",
            "expected an int32 (-2147483648 to 2147483647)",
        ),
        (
            "expected i64",
            "expected an int64 (-9223372036854775808 to 9223372036854775807)",
        ),
        ("expected u32", "expected an integer from 0 to 4294967295"),
        ("expected f64", "expected a number"),
    ] {
        if let Some(rest) = out.strip_suffix(rust) {
            out = format!("{rest}{k8s}");
        }
    }
    if out.starts_with("invalid type: string") && out.contains("expected an int") {
        out.push_str("; write the number without quotes");
    } else if out.starts_with("invalid value: integer") && out.contains("expected an int") {
        out.push_str("; the value is out of range");
    } else if (out.starts_with("invalid type: integer")
        || out.starts_with("invalid type: boolean")
        || out.starts_with("invalid type: floating point"))
        && out.ends_with("expected a string")
    {
        out.push_str("; quote the value to make it a string");
    }
    out
}

impl Builder<'_> {
    fn err(&self, pos: Position, message: impl Into<String>) -> ManifestError {
        ManifestError::Yaml {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// The field path of the node being built, for messages.
    fn current_path(&self) -> String {
        let mut path = String::new();
        for f in &self.stack {
            match f {
                Frame::Seq { items, .. } => path.push_str(&format!("[{}]", items.len())),
                Frame::Map { key, .. } => {
                    if let Some((k, _, _)) = key {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(k);
                    }
                }
            }
        }
        path
    }

    fn count(&mut self, n: usize, pos: Position) -> Result<(), ManifestError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(self.err(
                pos,
                format!("more than {MAX_NODES} YAML nodes (counting alias expansions): refusing to read further"),
            ));
        }
        Ok(())
    }

    fn key_pending(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn event(&mut self, event: Event<'_>, pos: Position) -> Result<(), ManifestError> {
        match event {
            Event::DocumentStart(..) => {
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take() {
                    self.roots.push(root);
                }
                self.anchors.clear();
                self.open_anchors.clear();
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.count(1, pos)?;
                if self.key_pending() {
                    let merge = style == ScalarStyle::Plain && value == "<<" && tag.is_none();
                    return self.set_key(value.into_owned(), pos, merge);
                }
                let core = tag
                    .as_ref()
                    .and_then(|t| t.core_suffix().map(str::to_string));
                let kind = resolve_scalar(&value, style, core.as_deref());
                let node = YNode { pos, kind };
                if anchor != 0 {
                    self.anchors.insert(
                        anchor,
                        Rc::new(Built {
                            node: node.clone(),
                            height: 1,
                            count: 1,
                        }),
                    );
                }
                self.complete(Built {
                    node,
                    height: 1,
                    count: 1,
                })?;
            }
            Event::Alias(id) => {
                let Some(built) = self.anchors.get(&id).cloned() else {
                    let msg = if self.open_anchors.contains(&id) {
                        "alias refers to a node that contains it (recursive alias)"
                    } else {
                        "alias refers to an unknown anchor"
                    };
                    return Err(self.err(pos, msg));
                };
                self.count(built.count, pos)?;
                if self.key_pending() {
                    let key = match &built.node.kind {
                        YKind::Str(s) | YKind::NonFinite(s) => s.clone(),
                        YKind::Null => "null".to_string(),
                        YKind::Bool(b) => b.to_string(),
                        YKind::Num(n) => n.to_string(),
                        YKind::Seq(_) | YKind::Map(_) => {
                            return Err(self.err(pos, "a mapping key must be a scalar"));
                        }
                    };
                    return self.set_key(key, pos, false);
                }
                let mut node = built.node.clone();
                node.pos = pos;
                self.complete(Built {
                    node,
                    height: built.height,
                    count: built.count,
                })?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.count(1, pos)?;
                self.start_collection(pos)?;
                if anchor != 0 {
                    self.open_anchors.insert(anchor);
                }
                self.stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                    height: 0,
                    count: 1,
                });
            }
            Event::MappingStart(_, anchor, _) => {
                self.count(1, pos)?;
                self.start_collection(pos)?;
                if anchor != 0 {
                    self.open_anchors.insert(anchor);
                }
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    seen: HashMap::new(),
                    key: None,
                    merges: Vec::new(),
                    height: 0,
                    count: 1,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.err(pos, "unbalanced collection end"));
                };
                let (built, anchor) = match frame {
                    Frame::Seq {
                        pos,
                        anchor,
                        items,
                        height,
                        count,
                    } => (
                        Built {
                            node: YNode {
                                pos,
                                kind: YKind::Seq(items),
                            },
                            height: height + 1,
                            count,
                        },
                        anchor,
                    ),
                    Frame::Map {
                        pos,
                        anchor,
                        mut entries,
                        seen,
                        merges,
                        height,
                        count,
                        ..
                    } => {
                        apply_merges(&mut entries, &seen, merges);
                        (
                            Built {
                                node: YNode {
                                    pos,
                                    kind: YKind::Map(entries),
                                },
                                height: height + 1,
                                count,
                            },
                            anchor,
                        )
                    }
                };
                if anchor != 0 {
                    self.open_anchors.remove(&anchor);
                    self.anchors.insert(
                        anchor,
                        Rc::new(Built {
                            node: built.node.clone(),
                            height: built.height,
                            count: built.count,
                        }),
                    );
                }
                self.complete(built)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn start_collection(&self, pos: Position) -> Result<(), ManifestError> {
        if self.key_pending() {
            return Err(self.err(
                pos,
                "a mapping key must be a scalar (complex keys are not valid in Kubernetes objects)",
            ));
        }
        Ok(())
    }

    fn set_key(&mut self, key: String, pos: Position, merge: bool) -> Result<(), ManifestError> {
        if !merge
            && let Some(Frame::Map { seen, .. }) = self.stack.last()
            && let Some(first) = seen.get(&key)
        {
            let first = *first;
            let mut path = self.current_path();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key);
            return Err(self.err(
                pos,
                format!(
                    "{path}: mapping key {key:?} already defined at line {} (YAML allows each key once per mapping; keep one)",
                    first.line
                ),
            ));
        }
        if let Some(Frame::Map {
            key: slot, seen, ..
        }) = self.stack.last_mut()
        {
            if !merge {
                seen.insert(key.clone(), pos);
            }
            *slot = Some((key, pos, merge));
        }
        Ok(())
    }

    fn complete(&mut self, built: Built) -> Result<(), ManifestError> {
        let depth = self.stack.len() + built.height;
        if depth > MAX_DEPTH {
            return Err(self.err(
                built.node.pos,
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let file = self.file;
        match self.stack.last_mut() {
            None => {
                self.root = Some(built.node);
            }
            Some(Frame::Seq {
                items,
                height,
                count,
                ..
            }) => {
                *height = (*height).max(built.height);
                *count = count.saturating_add(built.count);
                items.push(built.node);
            }
            Some(Frame::Map {
                entries,
                key,
                merges,
                height,
                count,
                ..
            }) => {
                *height = (*height).max(built.height);
                *count = count.saturating_add(built.count);
                let Some((k, key_pos, merge)) = key.take() else {
                    // Keys are taken by `set_key`; a value always has one waiting.
                    return Err(ManifestError::Yaml {
                        file: file.to_string(),
                        line: built.node.pos.line,
                        column: built.node.pos.column,
                        message: "mapping value without a key".to_string(),
                    });
                };
                if merge {
                    let ok = match &built.node.kind {
                        YKind::Map(_) => true,
                        YKind::Seq(items) => items.iter().all(|i| matches!(i.kind, YKind::Map(_))),
                        _ => false,
                    };
                    if !ok {
                        return Err(ManifestError::Yaml {
                            file: file.to_string(),
                            line: key_pos.line,
                            column: key_pos.column,
                            message: "merge key `<<` needs a mapping or a list of mappings"
                                .to_string(),
                        });
                    }
                    merges.push(built.node);
                } else {
                    entries.push(YEntry {
                        key: k,
                        key_pos,
                        value: built.node,
                    });
                }
            }
        }
        Ok(())
    }
}

/// YAML merge keys: explicit keys win over merged ones, earlier sources over later.
fn apply_merges(entries: &mut Vec<YEntry>, seen: &HashMap<String, Position>, merges: Vec<YNode>) {
    let mut present: HashSet<String> = seen.keys().cloned().collect();
    for m in merges {
        let sources = match m.kind {
            YKind::Map(e) => vec![e],
            YKind::Seq(items) => items
                .into_iter()
                .filter_map(|i| match i.kind {
                    YKind::Map(e) => Some(e),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for source in sources {
            for e in source {
                if present.insert(e.key.clone()) {
                    entries.push(e);
                }
            }
        }
    }
}

/// A scalar's value with go-yaml v2's rules (what `kubectl` uses through
/// sigs.k8s.io/yaml): quoted → string; plain `~`/`null`/empty → null; `true`, `yes`,
/// `on`, `y` (any of their case forms) → booleans; Go integer syntax (with `_`, `0x`,
/// `0o`, `0b`, leading-0 octal) and floats → numbers; anything else → string.
fn resolve_scalar(value: &str, style: ScalarStyle, core_tag: Option<&str>) -> YKind {
    match core_tag {
        Some("str") => return YKind::Str(value.to_string()),
        Some("null" | "bool" | "int" | "float") => return resolve_plain(value),
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return YKind::Str(value.to_string());
    }
    resolve_plain(value)
}

fn resolve_plain(s: &str) -> YKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return YKind::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return YKind::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return YKind::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return YKind::NonFinite(s.to_string()),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return YKind::Str(s.to_string());
    }
    let plain = s.replace('_', "");
    if let Some(i) = parse_go_int(&plain) {
        return YKind::Num(Number::from(i));
    }
    if let Some(u) = parse_go_uint(&plain) {
        return YKind::Num(Number::from(u));
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        // Go's json.Marshal writes an integral float64 without a fraction, so
        // `parallelism: 2.0` reaches the API server as 2.
        if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
            return YKind::Num(Number::from(f as i64));
        }
        if let Some(n) = Number::from_f64(f) {
            return YKind::Num(n);
        }
    }
    YKind::Str(s.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_go_magnitude(digits)?;
    if neg {
        if magnitude == i64::MAX as u64 + 1 {
            Some(i64::MIN)
        } else {
            i64::try_from(magnitude).ok().map(|m| -m)
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign).
fn parse_go_uint(s: &str) -> Option<u64> {
    parse_go_magnitude(s.strip_prefix('+').unwrap_or(s))
}

fn parse_go_magnitude(d: &str) -> Option<u64> {
    if d.is_empty() {
        return None;
    }
    let lower = d.to_ascii_lowercase();
    let (radix, digits) = if let Some(h) = lower.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`. Shared with
/// the `-o yaml` printer, which quotes exactly the strings this would read as floats.
pub(crate) fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

// ---------------------------------------------------------------------------------
// Tree → JSON value, path index.

fn to_json(file: &str, node: &YNode) -> Result<Value, ManifestError> {
    Ok(match &node.kind {
        YKind::Null => Value::Null,
        YKind::Bool(b) => Value::Bool(*b),
        YKind::Num(n) => Value::Number(n.clone()),
        YKind::NonFinite(s) => {
            return Err(ManifestError::Yaml {
                file: file.to_string(),
                line: node.pos.line,
                column: node.pos.column,
                message: format!(
                    "{s} is not a number Kubernetes objects can hold (JSON has no infinity or NaN)"
                ),
            });
        }
        YKind::Str(s) => Value::String(s.clone()),
        YKind::Seq(items) => Value::Array(
            items
                .iter()
                .map(|i| to_json(file, i))
                .collect::<Result<_, _>>()?,
        ),
        YKind::Map(entries) => {
            let mut m = Map::new();
            for e in entries {
                m.insert(e.key.clone(), to_json(file, &e.value)?);
            }
            Value::Object(m)
        }
    })
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn build_index(node: &YNode, path: &str, index: &mut PathIndex) {
    match &node.kind {
        YKind::Map(entries) => {
            for e in entries {
                let p = join_key(path, &e.key);
                build_index(&e.value, &p, index);
                index.fields.insert(
                    p,
                    FieldSpan {
                        key: e.key_pos,
                        value: e.value.pos,
                    },
                );
            }
        }
        YKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                build_index(item, &p, index);
                index.fields.insert(
                    p,
                    FieldSpan {
                        key: item.pos,
                        value: item.pos,
                    },
                );
            }
        }
        _ => {}
    }
}

fn map_get<'a>(node: &'a YNode, key: &str) -> Option<&'a YEntry> {
    match &node.kind {
        YKind::Map(entries) => entries.iter().find(|e| e.key == key),
        _ => None,
    }
}

fn describe(kind: &YKind) -> &'static str {
    match kind {
        YKind::Null => "null",
        YKind::Bool(_) => "a boolean",
        YKind::Num(_) | YKind::NonFinite(_) => "a number",
        YKind::Str(_) => "a string",
        YKind::Seq(_) => "a list",
        YKind::Map(_) => "a mapping",
    }
}

// ---------------------------------------------------------------------------------
// Documents → objects.

fn objects_from_root(
    file: &str,
    root: &YNode,
    out: &mut Vec<Manifest>,
) -> Result<(), ManifestError> {
    if matches!(root.kind, YKind::Null) {
        return Ok(());
    }
    if !matches!(root.kind, YKind::Map(_)) {
        return Err(ManifestError::Yaml {
            file: file.to_string(),
            line: root.pos.line,
            column: root.pos.column,
            message: format!(
                "expected a Kubernetes object (a mapping with apiVersion and kind), found {}",
                describe(&root.kind)
            ),
        });
    }
    if let Some(YEntry {
        value: YNode {
            kind: YKind::Str(k),
            ..
        },
        ..
    }) = map_get(root, "kind")
        && LIST_KINDS.contains(&k.as_str())
    {
        let Some(items) = map_get(root, "items") else {
            return Ok(());
        };
        match &items.value.kind {
            YKind::Null => return Ok(()),
            YKind::Seq(list) => {
                for item in list {
                    if let Some(YEntry {
                        value:
                            YNode {
                                kind: YKind::Str(k),
                                ..
                            },
                        ..
                    }) = map_get(item, "kind")
                        && k.ends_with("List")
                    {
                        return Err(ManifestError::Yaml {
                            file: file.to_string(),
                            line: item.pos.line,
                            column: item.pos.column,
                            message: "a List item cannot itself be a List".to_string(),
                        });
                    }
                    if !matches!(item.kind, YKind::Map(_)) {
                        return Err(ManifestError::Yaml {
                            file: file.to_string(),
                            line: item.pos.line,
                            column: item.pos.column,
                            message: format!(
                                "items: expected a Kubernetes object, found {}",
                                describe(&item.kind)
                            ),
                        });
                    }
                    out.push(decode_object(file, item)?);
                }
                return Ok(());
            }
            other => {
                return Err(field_error(
                    file,
                    items.value.pos,
                    "items",
                    format!("expected a list of objects, found {}", describe(other)),
                ));
            }
        }
    }
    out.push(decode_object(file, root)?);
    Ok(())
}

fn field_error(file: &str, pos: Position, path: &str, message: String) -> ManifestError {
    ManifestError::Field {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
        path: path.to_string(),
        message,
    }
}

/// The `apiVersion`/`kind` pair of an object, checked against what dockjob serves,
/// and, for a `batch/v1beta1` CronJob (read as `batch/v1`), where its `apiVersion` is
/// written, for the deprecation warning.
fn object_kind(file: &str, node: &YNode) -> Result<(Kind, Option<Position>), ManifestError> {
    let string_field = |name: &str| -> Result<Option<(String, Position)>, ManifestError> {
        match map_get(node, name) {
            None => Ok(None),
            Some(YEntry {
                value:
                    YNode {
                        kind: YKind::Str(s),
                        ..
                    },
                key_pos,
                ..
            }) if !s.is_empty() => Ok(Some((s.clone(), *key_pos))),
            // Null and "" mean unset, as in Kubernetes.
            Some(YEntry {
                value:
                    YNode {
                        kind: YKind::Null | YKind::Str(_),
                        ..
                    },
                ..
            }) => Ok(None),
            Some(e) => Err(field_error(
                file,
                e.value.pos,
                name,
                format!(
                    "expected a string, found {}; {SERVED}",
                    describe(&e.value.kind)
                ),
            )),
        }
    };
    let api_version = string_field("apiVersion")?;
    let kind = string_field("kind")?;
    let (kind, kind_pos) = match kind {
        Some(k) => k,
        None => {
            return Err(field_error(
                file,
                node.pos,
                "kind",
                format!("Required value: every object needs apiVersion and kind; {SERVED}"),
            ));
        }
    };
    let (api_version, api_pos) = match api_version {
        Some(a) => a,
        None => {
            return Err(field_error(
                file,
                node.pos,
                "apiVersion",
                format!("Required value: every object needs apiVersion and kind; {SERVED}"),
            ));
        }
    };
    if api_version == CRONJOB_V1BETA1 && kind == Kind::CronJob.kind() {
        return Ok((Kind::CronJob, Some(api_pos)));
    }
    match Kind::from_type(&api_version, &kind) {
        Some(k) if SERVED_KINDS.contains(&k) => Ok((k, None)),
        _ => {
            let served_kind = SERVED_KINDS.into_iter().find(|k| k.kind() == kind);
            match served_kind {
                Some(k) => Err(field_error(
                    file,
                    api_pos,
                    "apiVersion",
                    format!(
                        "{api_version:?} does not serve kind {kind:?}; use apiVersion {:?}",
                        k.api_version()
                    ),
                )),
                None => {
                    // Kinds are case-sensitive; a near miss gets its fix.
                    let hint = SERVED_KINDS
                        .into_iter()
                        .find(|k| k.kind().eq_ignore_ascii_case(&kind))
                        .map(|k| {
                            format!(
                                "; did you mean kind {:?}? (apiVersion {:?})",
                                k.kind(),
                                k.api_version()
                            )
                        })
                        .unwrap_or_default();
                    Err(field_error(
                        file,
                        kind_pos,
                        "kind",
                        format!(
                            "{kind:?} (apiVersion {api_version:?}) is not served by dockjob{hint}; {SERVED}"
                        ),
                    ))
                }
            }
        }
    }
}

fn decode_object(file: &str, node: &YNode) -> Result<Manifest, ManifestError> {
    let (kind, deprecated_at) = object_kind(file, node)?;
    let mut value = to_json(file, node)?;
    if deprecated_at.is_some() {
        // The same schema under its current name: k8s-openapi's CronJob insists on it.
        value["apiVersion"] = Value::from(Kind::CronJob.api_version());
    }
    let mut index = PathIndex::default();
    build_index(node, "", &mut index);

    let type_error = |e: serde_path_to_error::Error<serde_json::Error>| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let pos = index.nearest_value(&path).unwrap_or(node.pos);
        field_error(
            file,
            pos,
            if path.is_empty() { "(object)" } else { &path },
            plain_type_message(&e.inner().to_string()),
        )
    };
    if kind == Kind::ReplicaSet {
        mark_unset_selector(&mut value);
    }
    match kind {
        Kind::Secret => check_base64(file, &mut value, "data", &index, node.pos)?,
        Kind::ConfigMap => check_base64(file, &mut value, "binaryData", &index, node.pos)?,
        _ => {}
    }
    fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
        value: &Value,
    ) -> Result<(T, Value), serde_path_to_error::Error<serde_json::Error>> {
        let t: T = serde_path_to_error::deserialize(value.clone())?;
        let rt = serde_json::to_value(&t).unwrap_or(Value::Null);
        Ok((t, rt))
    }
    let (object, round_trip) = match kind {
        Kind::Job => typed(&value).map(|(t, rt)| (Object::Job(Box::new(t)), rt)),
        Kind::CronJob => typed(&value).map(|(t, rt)| (Object::CronJob(Box::new(t)), rt)),
        Kind::ConfigMap => typed(&value).map(|(t, rt)| (Object::ConfigMap(Box::new(t)), rt)),
        Kind::Secret => typed(&value).map(|(t, rt)| (Object::Secret(Box::new(t)), rt)),
        Kind::Service => typed(&value).map(|(t, rt)| (Object::Service(Box::new(t)), rt)),
        Kind::ReplicaSet => typed(&value).map(|(t, rt)| (Object::ReplicaSet(Box::new(t)), rt)),
        _ => typed(&value).map(|(t, rt)| (Object::Pod(Box::new(t)), rt)),
    }
    .map_err(type_error)?;

    let mut unknown = Vec::new();
    unknown_fields(&value, &round_trip, "", &mut unknown);
    let unknown_set: HashSet<String> = unknown.iter().cloned().collect();

    let mut notes: Vec<(Position, String)> = unknown
        .iter()
        .map(|p| {
            let pos = index.key_position(p).unwrap_or(node.pos);
            (pos, format!("unknown field \"{p}\""))
        })
        .collect();
    if let Some(pos) = deprecated_at {
        notes.push((pos, CRONJOB_V1BETA1_WARNING.to_string()));
    }
    let mut unsupported = Vec::new();
    let mut check = Check {
        kind,
        unknown: &unknown_set,
        unsupported: &mut unsupported,
        warnings: &mut notes,
        index: &index,
        file,
        fallback: node.pos,
    };
    check.walk("", "", &value);
    if !unsupported.is_empty() {
        unsupported.sort_by_key(|u: &UnsupportedField| (u.line, u.column));
        return Err(ManifestError::Unsupported(unsupported));
    }
    notes.sort();
    let warnings = notes
        .into_iter()
        .map(|(p, msg)| format!("{file}:{}:{}: {msg}", p.line, p.column))
        .collect();
    Ok(Manifest {
        source: file.to_string(),
        line: node.pos.line,
        object,
        warnings,
        index,
    })
}

/// k8s-openapi's ReplicaSet makes `spec` and `spec.selector` mandatory, while
/// Kubernetes reports a missing selector as `spec.selector: Required value`. A
/// missing one is replaced by `validate::selector_is_unset`'s marker
/// (`matchExpressions: []`) so validation can report it in Kubernetes' words.
fn mark_unset_selector(value: &mut Value) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let spec = obj
        .entry("spec")
        .or_insert_with(|| Value::Object(Map::new()));
    if spec.is_null() {
        *spec = Value::Object(Map::new());
    }
    if let Some(spec) = spec.as_object_mut()
        && spec.get("selector").is_none_or(Value::is_null)
    {
        spec.insert(
            "selector".to_string(),
            serde_json::json!({"matchExpressions": []}),
        );
    }
}

/// Checks every value of the base64 map `field` (a Secret's `data`, a ConfigMap's
/// `binaryData`) as Go's `encoding/json` decodes `[]byte` (standard alphabet, padding
/// required, `\r` and `\n` skipped), naming the key and where its value is written;
/// then drops the line breaks Go skips, so the typed decoding sees clean base64.
fn check_base64(
    file: &str,
    value: &mut Value,
    field: &str,
    index: &PathIndex,
    fallback: Position,
) -> Result<(), ManifestError> {
    let Some(map) = value.get_mut(field).and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (key, v) in map.iter_mut() {
        let Some(text) = v.as_str() else {
            continue;
        };
        if let Some(offset) = go_base64_error(text) {
            let path = format!("{field}.{key}");
            let pos = index.value_position(&path).unwrap_or(fallback);
            return Err(field_error(
                file,
                pos,
                &path,
                format!(
                    "illegal base64 data at input byte {offset} (values under {field} are base64; write plain text under {})",
                    if field == "data" {
                        "stringData"
                    } else {
                        "data"
                    }
                ),
            ));
        }
        if text.contains(['\r', '\n']) {
            *v = Value::String(text.replace(['\r', '\n'], ""));
        }
    }
    Ok(())
}

/// Where Go's `base64.StdEncoding` stops decoding `s` (its `CorruptInputError`
/// offset), or None when `s` is valid.
fn go_base64_error(s: &str) -> Option<usize> {
    let chars: Vec<(usize, u8)> = s
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b != b'\r' && *b != b'\n')
        .collect();
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let mut i = 0;
    while i < chars.len() {
        let quantum_start = chars[i].0;
        let mut j = 0;
        while j < 4 {
            let Some(&(at, b)) = chars.get(i) else {
                // Input ended inside a quantum: padding was required.
                return Some(quantum_start);
            };
            if b == b'=' {
                if j < 2 {
                    return Some(at);
                }
                // `==` after two characters, `=` after three; then nothing.
                let needed = 4 - j;
                for k in 0..needed {
                    match chars.get(i + k) {
                        Some(&(_, b'=')) => {}
                        Some(&(other, _)) => return Some(other),
                        None => return Some(s.len()),
                    }
                }
                return chars.get(i + needed).map(|&(at, _)| at);
            }
            if !alphabet(b) {
                return Some(at);
            }
            i += 1;
            j += 1;
        }
    }
    None
}

/// Paths present in the input but absent after a round trip through the k8s-openapi
/// type (which drops what it does not know): Kubernetes' unknown fields. Only the
/// outermost unknown path is reported; nulls are skipped (they mean "unset").
fn unknown_fields(input: &Value, typed: &Value, path: &str, out: &mut Vec<String>) {
    match (input, typed) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if v.is_null() {
                    continue;
                }
                let p = join_key(path, k);
                match b.get(k) {
                    None => out.push(p),
                    Some(t) => unknown_fields(v, t, &p, out),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, t)) in a.iter().zip(b).enumerate() {
                unknown_fields(v, t, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------
// The supported subset.

/// A literal a field may hold when dockjob accepts it only at its default.
#[derive(Clone, Copy, Debug)]
pub enum Lit {
    Str(&'static str),
    Bool(bool),
}

impl Lit {
    fn matches(self, v: &Value) -> bool {
        match self {
            Lit::Str(s) => v.as_str() == Some(s),
            Lit::Bool(b) => v.as_bool() == Some(b),
        }
    }

    fn show(self) -> String {
        match self {
            Lit::Str(s) => format!("{s:?}"),
            Lit::Bool(b) => b.to_string(),
        }
    }
}

/// What dockjob does with a Kubernetes field a manifest sets.
#[derive(Clone, Copy, Debug)]
pub enum Support {
    /// Implemented; its children are looked up in the table too.
    Yes,
    /// Implemented with everything beneath it (free-form maps such as labels).
    Tree,
    /// Accepted only at one of these values (Kubernetes' defaults, which
    /// `kubectl get -o yaml` prints back); any other value is refused.
    DefaultOnly(&'static [Lit]),
    /// Accepted only at one of these values, whatever dockjob implements later: any
    /// other value is refused with the reason (one Docker host makes it meaningless),
    /// rather than ignored silently.
    Only {
        values: &'static [Lit],
        why: &'static str,
    },
    /// Refused at any value that is set, with the reason; for fields one Docker host
    /// makes meaningless at every value.
    Refused(&'static str),
    /// Accepted with no effect, with a warning saying why.
    Ignored(&'static str),
    /// Written by the API server and ignored on create, as Kubernetes ignores it
    /// (status, uid, resourceVersion...): lets `kubectl get -o yaml` output be applied.
    ServerSet,
}

/// Fields of `metadata` (objects and pod templates), relative to `metadata`.
pub const METADATA_FIELDS: &[(&str, Support)] = &[
    ("name", Support::Yes),
    ("generateName", Support::Yes),
    ("namespace", Support::Yes),
    ("labels", Support::Tree),
    ("annotations", Support::Tree),
    ("creationTimestamp", Support::ServerSet),
    ("uid", Support::ServerSet),
    ("resourceVersion", Support::ServerSet),
    ("generation", Support::ServerSet),
    ("managedFields", Support::ServerSet),
    ("selfLink", Support::ServerSet),
];

/// `spec.managedBy`'s one accepted value: Kubernetes' own Job controller.
pub const JOB_CONTROLLER_NAME: &str = "kubernetes.io/job-controller";

/// Fields of a batch/v1 Job outside `metadata` and the pod spec.
///
/// Every field of batch/v1 `JobSpec` (kubernetes/api `batch/v1/types.go`) is decided
/// here, so none is ignored silently:
///
/// | field | decision |
/// |---|---|
/// | `parallelism` | supported |
/// | `completions` | supported |
/// | `activeDeadlineSeconds` | supported |
/// | `podFailurePolicy` (`rules[].action`, `rules[].onExitCodes` {`containerName`, `operator`, `values`}, `rules[].onPodConditions[]` {`type`, `status`}) | supported |
/// | `successPolicy` (`rules[].succeededIndexes`, `rules[].succeededCount`) | supported |
/// | `backoffLimit` | supported |
/// | `backoffLimitPerIndex` | supported |
/// | `maxFailedIndexes` | supported |
/// | `selector` | supported (whole label selector) |
/// | `manualSelector` | supported |
/// | `template` | supported (`metadata` labels and annotations; the pod spec per [`POD_SPEC_FIELDS`]) |
/// | `ttlSecondsAfterFinished` | supported |
/// | `completionMode` | supported (`NonIndexed`, `Indexed`; other values fail validation as in Kubernetes) |
/// | `suspend` | supported |
/// | `podReplacementPolicy` | supported (`TerminatingOrFailed`, `Failed`) |
/// | `managedBy` | only `kubernetes.io/job-controller`: no other controller exists on one host to hand the Job to |
/// | `scheduling` | refused: workload-aware (gang) scheduling needs a cluster scheduler |
pub const JOB_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    // A Job made by `create job --from=cronjob/X` names its CronJob as owner, so
    // deleting the CronJob deletes it (the store files objects by controller uid).
    ("metadata.ownerReferences", Support::Tree),
    ("status", Support::ServerSet),
    ("spec", Support::Yes),
    ("spec.parallelism", Support::Yes),
    ("spec.completions", Support::Yes),
    ("spec.activeDeadlineSeconds", Support::Yes),
    ("spec.podFailurePolicy", Support::Yes),
    ("spec.podFailurePolicy.rules", Support::Yes),
    ("spec.podFailurePolicy.rules[]", Support::Yes),
    ("spec.podFailurePolicy.rules[].action", Support::Yes),
    ("spec.podFailurePolicy.rules[].onExitCodes", Support::Yes),
    (
        "spec.podFailurePolicy.rules[].onExitCodes.containerName",
        Support::Yes,
    ),
    (
        "spec.podFailurePolicy.rules[].onExitCodes.operator",
        Support::Yes,
    ),
    (
        "spec.podFailurePolicy.rules[].onExitCodes.values",
        Support::Yes,
    ),
    (
        "spec.podFailurePolicy.rules[].onPodConditions",
        Support::Yes,
    ),
    (
        "spec.podFailurePolicy.rules[].onPodConditions[]",
        Support::Yes,
    ),
    (
        "spec.podFailurePolicy.rules[].onPodConditions[].type",
        Support::Yes,
    ),
    (
        "spec.podFailurePolicy.rules[].onPodConditions[].status",
        Support::Yes,
    ),
    ("spec.successPolicy", Support::Yes),
    ("spec.successPolicy.rules", Support::Yes),
    ("spec.successPolicy.rules[]", Support::Yes),
    ("spec.successPolicy.rules[].succeededIndexes", Support::Yes),
    ("spec.successPolicy.rules[].succeededCount", Support::Yes),
    ("spec.backoffLimit", Support::Yes),
    ("spec.backoffLimitPerIndex", Support::Yes),
    ("spec.maxFailedIndexes", Support::Yes),
    ("spec.selector", Support::Tree),
    ("spec.manualSelector", Support::Yes),
    ("spec.ttlSecondsAfterFinished", Support::Yes),
    ("spec.completionMode", Support::Yes),
    ("spec.suspend", Support::Yes),
    ("spec.podReplacementPolicy", Support::Yes),
    (
        "spec.managedBy",
        Support::Only {
            values: &[Lit::Str(JOB_CONTROLLER_NAME)],
            why: "dockjob is the only Job controller on its Docker host, so there is no other controller to hand the Job to",
        },
    ),
    (
        "spec.scheduling",
        Support::Refused(
            "workload-aware (gang) scheduling places pods across a cluster's nodes; dockjob runs every pod on its one Docker host",
        ),
    ),
    ("spec.template", Support::Yes),
    ("spec.template.metadata", Support::Yes),
    ("spec.template.metadata.labels", Support::Tree),
    ("spec.template.metadata.annotations", Support::Tree),
    (
        "spec.template.metadata.creationTimestamp",
        Support::ServerSet,
    ),
    ("spec.template.spec", Support::Yes),
];

/// Fields of a batch/v1 CronJob outside `metadata` and the job template's spec.
///
/// Every field of batch/v1 `CronJobSpec` (kubernetes/api `batch/v1/types.go`) is
/// decided here, so none is ignored silently:
///
/// | field | decision |
/// |---|---|
/// | `schedule` | supported (validated as the API server does) |
/// | `timeZone` | supported (IANA names from the tz database bundled into dockjob) |
/// | `startingDeadlineSeconds` | supported |
/// | `concurrencyPolicy` | supported (`Allow`, `Forbid`, `Replace`; other values fail validation as in Kubernetes) |
/// | `suspend` | supported |
/// | `jobTemplate` | supported: `metadata` labels and annotations; `spec` is a Job's spec, decided by [`JOB_FIELDS`] and [`POD_SPEC_FIELDS`] under `spec.jobTemplate.spec` |
/// | `successfulJobsHistoryLimit` | supported |
/// | `failedJobsHistoryLimit` | supported |
pub const CRONJOB_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    ("status", Support::ServerSet),
    ("spec", Support::Yes),
    ("spec.schedule", Support::Yes),
    ("spec.timeZone", Support::Yes),
    ("spec.startingDeadlineSeconds", Support::Yes),
    ("spec.concurrencyPolicy", Support::Yes),
    ("spec.suspend", Support::Yes),
    ("spec.successfulJobsHistoryLimit", Support::Yes),
    ("spec.failedJobsHistoryLimit", Support::Yes),
    ("spec.jobTemplate", Support::Yes),
    ("spec.jobTemplate.metadata", Support::Yes),
    ("spec.jobTemplate.metadata.labels", Support::Tree),
    ("spec.jobTemplate.metadata.annotations", Support::Tree),
    (
        "spec.jobTemplate.metadata.creationTimestamp",
        Support::ServerSet,
    ),
];

/// Where a CronJob holds its Job spec; beneath it, [`JOB_FIELDS`]' `spec` entries apply.
const JOB_TEMPLATE_SPEC: &str = "spec.jobTemplate.spec";

/// Fields of a v1 Pod outside `metadata` and the pod spec.
pub const POD_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    ("status", Support::ServerSet),
    ("spec", Support::Yes),
];

/// Why node placement fields are accepted with a warning.
const ONE_NODE: &str = "dockjob runs every pod on its one Docker host, so node placement has no effect: every pod lands here";
/// Why probes are accepted with a warning.
const PROBES: &str = "probes are not run by dockjob: the container counts as started, live and ready as soon as it runs";
/// Why volume types other than the four dockjob mounts are refused.
const OTHER_VOLUME: &str = "dockjob mounts emptyDir, hostPath, configMap and secret volumes only; this volume type needs a cluster's storage plugins";
/// Why sharing the host's namespaces is refused.
const HOST_NAMESPACES: &str = "dockjob keeps every pod in its own namespaces on the namespace's Docker network; sharing the host's network, PID or IPC namespace is not offered";

/// Fields of a pod spec (`spec.template.spec` of a Job or ReplicaSet, `spec` of a
/// Pod), relative to it. `[]` stands for any list index. Init containers share the
/// container entries (`initContainers[].x` is looked up as `containers[].x`), except
/// for [`INIT_CONTAINER_FIELDS`].
///
/// Every field of v1 `PodSpec` and `Container` is decided here (a test checks it), so
/// none is dropped silently:
///
/// | fields | decision |
/// |---|---|
/// | `containers`, `initContainers` (name, image, command, args, workingDir, env with value/valueFrom configMapKeyRef/secretKeyRef/fieldRef, envFrom configMapRef/secretRef/prefix, resources limits/requests cpu/memory/nvidia.com/gpu, ports, volumeMounts name/mountPath/readOnly/subPath, securityContext runAsUser/runAsGroup/runAsNonRoot/readOnlyRootFilesystem/capabilities/privileged/allowPrivilegeEscalation, imagePullPolicy) | supported |
/// | `volumes` emptyDir (medium, sizeLimit), hostPath (path, type), configMap and secret (items, defaultMode, optional) | supported |
/// | `restartPolicy`, `terminationGracePeriodSeconds`, `hostname`, `subdomain`, `securityContext` runAsUser/runAsGroup/runAsNonRoot/fsGroup/supplementalGroups, env `resourceFieldRef` | supported |
/// | `nodeSelector`, `affinity`, `tolerations`, `nodeName`, `priorityClassName`, `priority`, `preemptionPolicy`, `topologySpreadConstraints` | warned: one node |
/// | `livenessProbe`, `readinessProbe`, `startupProbe` | warned: not run |
/// | `serviceAccountName`, `serviceAccount`, `automountServiceAccountToken`, `imagePullSecrets` | warned: no API credentials, the daemon's registry credentials |
/// | `lifecycle`, other volume types, `hostNetwork`, `hostPID`, `hostIPC`, sidecar init containers, `volumeDevices`, `ephemeralContainers`, `runtimeClassName`, `schedulingGates`, `resourceClaims` | refused with the reason |
/// | `dnsPolicy`, `schedulerName`, `enableServiceLinks`, `terminationMessagePath`, `terminationMessagePolicy` | their defaults only |
/// | everything else (`activeDeadlineSeconds`, `dnsConfig`, `hostAliases`, `os`, `overhead`, `readinessGates`, pod `resources`, `setHostnameAsFQDN`, `shareProcessNamespace`, `stdin`, `tty`, `resizePolicy`, `subPathExpr`, `mountPropagation`, seccomp/SELinux/AppArmor, `sysctls`, `fileKeyRef`, `hostPort`...) | refused: not supported by dockjob yet |
pub const POD_SPEC_FIELDS: &[(&str, Support)] = &[
    ("containers", Support::Yes),
    ("containers[]", Support::Yes),
    ("containers[].name", Support::Yes),
    ("containers[].image", Support::Yes),
    ("containers[].command", Support::Yes),
    ("containers[].args", Support::Yes),
    ("containers[].workingDir", Support::Yes),
    ("containers[].imagePullPolicy", Support::Yes),
    ("containers[].env", Support::Yes),
    ("containers[].env[]", Support::Yes),
    ("containers[].env[].name", Support::Yes),
    ("containers[].env[].value", Support::Yes),
    ("containers[].env[].valueFrom", Support::Yes),
    ("containers[].env[].valueFrom.configMapKeyRef", Support::Yes),
    (
        "containers[].env[].valueFrom.configMapKeyRef.name",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.configMapKeyRef.key",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.configMapKeyRef.optional",
        Support::Yes,
    ),
    ("containers[].env[].valueFrom.secretKeyRef", Support::Yes),
    (
        "containers[].env[].valueFrom.resourceFieldRef",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.resourceFieldRef.resource",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.resourceFieldRef.containerName",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.resourceFieldRef.divisor",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.secretKeyRef.name",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.secretKeyRef.key",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.secretKeyRef.optional",
        Support::Yes,
    ),
    ("containers[].env[].valueFrom.fieldRef", Support::Yes),
    (
        "containers[].env[].valueFrom.fieldRef.apiVersion",
        Support::Yes,
    ),
    (
        "containers[].env[].valueFrom.fieldRef.fieldPath",
        Support::Yes,
    ),
    ("containers[].envFrom", Support::Yes),
    ("containers[].envFrom[]", Support::Yes),
    ("containers[].envFrom[].prefix", Support::Yes),
    ("containers[].envFrom[].configMapRef", Support::Yes),
    ("containers[].envFrom[].configMapRef.name", Support::Yes),
    ("containers[].envFrom[].configMapRef.optional", Support::Yes),
    ("containers[].envFrom[].secretRef", Support::Yes),
    ("containers[].envFrom[].secretRef.name", Support::Yes),
    ("containers[].envFrom[].secretRef.optional", Support::Yes),
    ("containers[].resources", Support::Yes),
    ("containers[].resources.limits", Support::Yes),
    ("containers[].resources.limits.cpu", Support::Yes),
    ("containers[].resources.limits.memory", Support::Yes),
    ("containers[].resources.limits.nvidia.com/gpu", Support::Yes),
    ("containers[].resources.requests", Support::Yes),
    ("containers[].resources.requests.cpu", Support::Yes),
    ("containers[].resources.requests.memory", Support::Yes),
    (
        "containers[].resources.requests.nvidia.com/gpu",
        Support::Yes,
    ),
    ("containers[].ports", Support::Yes),
    ("containers[].ports[]", Support::Yes),
    ("containers[].ports[].containerPort", Support::Yes),
    ("containers[].ports[].name", Support::Yes),
    ("containers[].ports[].protocol", Support::Yes),
    ("containers[].volumeMounts", Support::Yes),
    ("containers[].volumeMounts[]", Support::Yes),
    ("containers[].volumeMounts[].name", Support::Yes),
    ("containers[].volumeMounts[].mountPath", Support::Yes),
    ("containers[].volumeMounts[].readOnly", Support::Yes),
    ("containers[].volumeMounts[].subPath", Support::Yes),
    ("containers[].securityContext", Support::Yes),
    ("containers[].securityContext.runAsUser", Support::Yes),
    ("containers[].securityContext.runAsGroup", Support::Yes),
    ("containers[].securityContext.runAsNonRoot", Support::Yes),
    (
        "containers[].securityContext.readOnlyRootFilesystem",
        Support::Yes,
    ),
    ("containers[].securityContext.capabilities", Support::Yes),
    (
        "containers[].securityContext.capabilities.add",
        Support::Yes,
    ),
    (
        "containers[].securityContext.capabilities.drop",
        Support::Yes,
    ),
    ("containers[].securityContext.privileged", Support::Yes),
    (
        "containers[].securityContext.allowPrivilegeEscalation",
        Support::Yes,
    ),
    ("containers[].livenessProbe", Support::Ignored(PROBES)),
    ("containers[].readinessProbe", Support::Ignored(PROBES)),
    ("containers[].startupProbe", Support::Ignored(PROBES)),
    (
        "containers[].lifecycle",
        Support::Refused(
            "lifecycle hooks (postStart, preStop) are not run by dockjob, and a pod that relies on them would misbehave",
        ),
    ),
    (
        "containers[].volumeDevices",
        Support::Refused(
            "raw block devices come from persistent volume claims, which need a cluster's storage",
        ),
    ),
    (
        "containers[].restartPolicy",
        Support::Refused(
            "a container-level restart policy is only valid for sidecar init containers, which dockjob does not run",
        ),
    ),
    (
        "containers[].restartPolicyRules",
        Support::Refused(
            "container restart rules are only valid with a container-level restart policy, which dockjob does not run",
        ),
    ),
    (
        "containers[].terminationMessagePath",
        Support::DefaultOnly(&[Lit::Str("/dev/termination-log")]),
    ),
    (
        "containers[].terminationMessagePolicy",
        Support::DefaultOnly(&[Lit::Str("File")]),
    ),
    ("volumes", Support::Yes),
    ("volumes[]", Support::Yes),
    ("volumes[].name", Support::Yes),
    ("volumes[].emptyDir", Support::Yes),
    ("volumes[].emptyDir.medium", Support::Yes),
    ("volumes[].emptyDir.sizeLimit", Support::Yes),
    ("volumes[].hostPath", Support::Yes),
    ("volumes[].hostPath.path", Support::Yes),
    ("volumes[].hostPath.type", Support::Yes),
    ("volumes[].configMap", Support::Yes),
    ("volumes[].configMap.name", Support::Yes),
    ("volumes[].configMap.items", Support::Yes),
    ("volumes[].configMap.items[]", Support::Yes),
    ("volumes[].configMap.items[].key", Support::Yes),
    ("volumes[].configMap.items[].path", Support::Yes),
    ("volumes[].configMap.items[].mode", Support::Yes),
    ("volumes[].configMap.defaultMode", Support::Yes),
    ("volumes[].configMap.optional", Support::Yes),
    ("volumes[].secret", Support::Yes),
    ("volumes[].secret.secretName", Support::Yes),
    ("volumes[].secret.items", Support::Yes),
    ("volumes[].secret.items[]", Support::Yes),
    ("volumes[].secret.items[].key", Support::Yes),
    ("volumes[].secret.items[].path", Support::Yes),
    ("volumes[].secret.items[].mode", Support::Yes),
    ("volumes[].secret.defaultMode", Support::Yes),
    ("volumes[].secret.optional", Support::Yes),
    (
        "volumes[].awsElasticBlockStore",
        Support::Refused(OTHER_VOLUME),
    ),
    ("volumes[].azureDisk", Support::Refused(OTHER_VOLUME)),
    ("volumes[].azureFile", Support::Refused(OTHER_VOLUME)),
    ("volumes[].cephfs", Support::Refused(OTHER_VOLUME)),
    ("volumes[].cinder", Support::Refused(OTHER_VOLUME)),
    ("volumes[].csi", Support::Refused(OTHER_VOLUME)),
    ("volumes[].downwardAPI", Support::Refused(OTHER_VOLUME)),
    ("volumes[].ephemeral", Support::Refused(OTHER_VOLUME)),
    ("volumes[].fc", Support::Refused(OTHER_VOLUME)),
    ("volumes[].flexVolume", Support::Refused(OTHER_VOLUME)),
    ("volumes[].flocker", Support::Refused(OTHER_VOLUME)),
    (
        "volumes[].gcePersistentDisk",
        Support::Refused(OTHER_VOLUME),
    ),
    ("volumes[].gitRepo", Support::Refused(OTHER_VOLUME)),
    ("volumes[].glusterfs", Support::Refused(OTHER_VOLUME)),
    ("volumes[].image", Support::Refused(OTHER_VOLUME)),
    ("volumes[].iscsi", Support::Refused(OTHER_VOLUME)),
    ("volumes[].nfs", Support::Refused(OTHER_VOLUME)),
    (
        "volumes[].persistentVolumeClaim",
        Support::Refused(OTHER_VOLUME),
    ),
    (
        "volumes[].photonPersistentDisk",
        Support::Refused(OTHER_VOLUME),
    ),
    ("volumes[].portworxVolume", Support::Refused(OTHER_VOLUME)),
    ("volumes[].projected", Support::Refused(OTHER_VOLUME)),
    ("volumes[].quobyte", Support::Refused(OTHER_VOLUME)),
    ("volumes[].rbd", Support::Refused(OTHER_VOLUME)),
    ("volumes[].scaleIO", Support::Refused(OTHER_VOLUME)),
    ("volumes[].storageos", Support::Refused(OTHER_VOLUME)),
    ("volumes[].vsphereVolume", Support::Refused(OTHER_VOLUME)),
    ("initContainers", Support::Yes),
    ("restartPolicy", Support::Yes),
    ("terminationGracePeriodSeconds", Support::Yes),
    ("hostname", Support::Yes),
    ("subdomain", Support::Yes),
    ("securityContext", Support::Yes),
    ("securityContext.runAsUser", Support::Yes),
    ("securityContext.runAsGroup", Support::Yes),
    ("securityContext.fsGroup", Support::Yes),
    ("securityContext.supplementalGroups", Support::Yes),
    ("securityContext.runAsNonRoot", Support::Yes),
    ("nodeSelector", Support::Ignored(ONE_NODE)),
    ("affinity", Support::Ignored(ONE_NODE)),
    ("tolerations", Support::Ignored(ONE_NODE)),
    ("nodeName", Support::Ignored(ONE_NODE)),
    ("priorityClassName", Support::Ignored(ONE_NODE)),
    ("priority", Support::Ignored(ONE_NODE)),
    ("preemptionPolicy", Support::Ignored(ONE_NODE)),
    ("topologySpreadConstraints", Support::Ignored(ONE_NODE)),
    (
        "serviceAccountName",
        Support::Ignored(
            "dockjob has no service accounts: no API credentials are mounted into pods",
        ),
    ),
    (
        "serviceAccount",
        Support::Ignored(
            "dockjob has no service accounts: no API credentials are mounted into pods",
        ),
    ),
    (
        "automountServiceAccountToken",
        Support::Ignored(
            "dockjob has no service accounts: no API credentials are mounted into pods",
        ),
    ),
    (
        "imagePullSecrets",
        Support::Ignored("images are pulled with the Docker daemon's own registry credentials"),
    ),
    ("hostNetwork", Support::Refused(HOST_NAMESPACES)),
    ("hostPID", Support::Refused(HOST_NAMESPACES)),
    ("hostIPC", Support::Refused(HOST_NAMESPACES)),
    (
        "hostUsers",
        Support::Only {
            values: &[Lit::Bool(true)],
            why: "dockjob does not run pods in user namespaces",
        },
    ),
    (
        "ephemeralContainers",
        Support::Refused(
            "ephemeral containers are added to running pods by `kubectl debug`, which dockjob does not offer",
        ),
    ),
    (
        "runtimeClassName",
        Support::Refused("dockjob runs every container with the Docker daemon's default runtime"),
    ),
    (
        "schedulingGates",
        Support::Refused(
            "dockjob has no scheduler to hold pods back: a gated pod would never start",
        ),
    ),
    (
        "resourceClaims",
        Support::Refused("dynamic resource allocation needs a cluster's resource drivers"),
    ),
    (
        "workloadRef",
        Support::Refused(
            "workload-aware (gang) scheduling places pods across a cluster's nodes; dockjob runs every pod on its one Docker host",
        ),
    ),
    (
        "schedulingGroup",
        Support::Refused(
            "workload-aware (gang) scheduling places pods across a cluster's nodes; dockjob runs every pod on its one Docker host",
        ),
    ),
    (
        "dnsPolicy",
        Support::DefaultOnly(&[Lit::Str("ClusterFirst")]),
    ),
    (
        "schedulerName",
        Support::DefaultOnly(&[Lit::Str("default-scheduler")]),
    ),
    (
        "enableServiceLinks",
        Support::DefaultOnly(&[Lit::Bool(true)]),
    ),
];

/// Init-container fields decided differently from a regular container's.
pub const INIT_CONTAINER_FIELDS: &[(&str, Support)] = &[(
    "initContainers[].restartPolicy",
    Support::Refused(
        "sidecar init containers (restartPolicy: Always) are not run by dockjob: init containers run once, in order, each to success",
    ),
)];

/// Fields of a v1 ConfigMap.
///
/// | field | decision |
/// |---|---|
/// | `data`, `binaryData` (base64) | supported |
/// | `immutable` | supported (data changes refused once true) |
pub const CONFIGMAP_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    ("data", Support::Tree),
    ("binaryData", Support::Tree),
    ("immutable", Support::Yes),
];

/// Fields of a v1 Secret.
///
/// | field | decision |
/// |---|---|
/// | `data` (base64; an invalid value is an error naming the key) | supported |
/// | `stringData` | supported (merged into `data` by the engine, as the API server does) |
/// | `type` | supported (any type; the well-known ones are validated as Kubernetes does) |
/// | `immutable` | supported |
pub const SECRET_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    ("data", Support::Tree),
    ("stringData", Support::Tree),
    ("type", Support::Yes),
    ("immutable", Support::Yes),
];

/// Why a Service may only be of type ClusterIP.
const CLUSTER_IP_ONLY: &str = "dockjob's services are reachable on the namespace's Docker network only (and through port-forward); there are no node ports, load balancers or external DNS names on one Docker host";
/// Why external traffic fields are refused.
const NO_EXTERNAL: &str = "dockjob's services are reachable on the namespace's Docker network only; there is no external traffic to route";

/// Fields of a v1 Service.
///
/// | field | decision |
/// |---|---|
/// | `selector`, `ports[]` (`name`, `port`, `targetPort` number or name) | supported |
/// | `ports[].protocol` | only `TCP`: the service proxy forwards TCP |
/// | `type` | only `ClusterIP` |
/// | `clusterIP` | only unset or `None` (headless): the engine assigns the address |
/// | `sessionAffinity` | only `None` |
/// | `internalTrafficPolicy` | supported (`Cluster` and `Local` are the same on one node) |
/// | `clusterIPs`, `ipFamilies` | server-set |
/// | `ipFamilyPolicy` | only `SingleStack` (Docker networks here are IPv4) |
/// | `publishNotReadyAddresses`, `trafficDistribution`, `ports[].appProtocol` | warned: no effect |
/// | `ports[].nodePort`, `externalIPs`, `externalName`, `externalTrafficPolicy`, `loadBalancer*`, `allocateLoadBalancerNodePorts`, `healthCheckNodePort`, `sessionAffinityConfig` | refused with the reason |
pub const SERVICE_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    ("status", Support::ServerSet),
    ("spec", Support::Yes),
    ("spec.selector", Support::Tree),
    ("spec.ports", Support::Yes),
    ("spec.ports[]", Support::Yes),
    ("spec.ports[].name", Support::Yes),
    ("spec.ports[].port", Support::Yes),
    ("spec.ports[].targetPort", Support::Yes),
    (
        "spec.ports[].protocol",
        Support::Only {
            values: &[Lit::Str("TCP")],
            why: "dockjob's service proxy forwards TCP only",
        },
    ),
    (
        "spec.ports[].appProtocol",
        Support::Ignored(
            "appProtocol is a hint for proxies that speak the protocol; dockjob forwards bytes",
        ),
    ),
    ("spec.ports[].nodePort", Support::Refused(CLUSTER_IP_ONLY)),
    (
        "spec.type",
        Support::Only {
            values: &[Lit::Str("ClusterIP")],
            why: CLUSTER_IP_ONLY,
        },
    ),
    (
        "spec.clusterIP",
        Support::Only {
            values: &[Lit::Str("None")],
            why: "dockjob assigns the service address itself; a manifest may leave it unset or ask for a headless service (None)",
        },
    ),
    ("spec.clusterIPs", Support::ServerSet),
    ("spec.ipFamilies", Support::ServerSet),
    (
        "spec.ipFamilyPolicy",
        Support::Only {
            values: &[Lit::Str("SingleStack")],
            why: "dockjob's Docker networks are single-stack IPv4",
        },
    ),
    ("spec.internalTrafficPolicy", Support::Yes),
    (
        "spec.sessionAffinity",
        Support::Only {
            values: &[Lit::Str("None")],
            why: "dockjob's service proxy picks a ready pod for each connection and keeps no client affinity",
        },
    ),
    (
        "spec.sessionAffinityConfig",
        Support::Refused(
            "dockjob's service proxy picks a ready pod for each connection and keeps no client affinity",
        ),
    ),
    (
        "spec.publishNotReadyAddresses",
        Support::Ignored("only ready pods receive a service's traffic in dockjob"),
    ),
    (
        "spec.trafficDistribution",
        Support::Ignored(
            "every endpoint is on the one Docker host, so traffic distribution has no effect",
        ),
    ),
    ("spec.externalIPs", Support::Refused(NO_EXTERNAL)),
    ("spec.externalName", Support::Refused(CLUSTER_IP_ONLY)),
    ("spec.externalTrafficPolicy", Support::Refused(NO_EXTERNAL)),
    (
        "spec.healthCheckNodePort",
        Support::Refused(CLUSTER_IP_ONLY),
    ),
    ("spec.loadBalancerIP", Support::Refused(CLUSTER_IP_ONLY)),
    ("spec.loadBalancerClass", Support::Refused(CLUSTER_IP_ONLY)),
    (
        "spec.loadBalancerSourceRanges",
        Support::Refused(CLUSTER_IP_ONLY),
    ),
    (
        "spec.allocateLoadBalancerNodePorts",
        Support::Refused(CLUSTER_IP_ONLY),
    ),
];

/// Fields of an apps/v1 ReplicaSet outside `metadata` and the pod spec.
///
/// | field | decision |
/// |---|---|
/// | `replicas`, `selector` (required, whole label selector), `minReadySeconds` | supported |
/// | `template` | supported (`metadata` labels and annotations; the pod spec per [`POD_SPEC_FIELDS`]) |
pub const REPLICASET_FIELDS: &[(&str, Support)] = &[
    ("apiVersion", Support::Yes),
    ("kind", Support::Yes),
    ("metadata", Support::Yes),
    ("status", Support::ServerSet),
    ("spec", Support::Yes),
    ("spec.replicas", Support::Yes),
    ("spec.selector", Support::Tree),
    ("spec.minReadySeconds", Support::Yes),
    ("spec.template", Support::Yes),
    ("spec.template.metadata", Support::Yes),
    ("spec.template.metadata.labels", Support::Tree),
    ("spec.template.metadata.annotations", Support::Tree),
    (
        "spec.template.metadata.creationTimestamp",
        Support::ServerSet,
    ),
    ("spec.template.spec", Support::Yes),
];

fn find(table: &[(&str, Support)], p: &str) -> Option<Support> {
    table.iter().find(|(path, _)| *path == p).map(|(_, s)| *s)
}

/// A pod spec field's decision, relative to the pod spec.
fn pod_spec_support(rest: &str) -> Option<Support> {
    if let Some(after) = rest.strip_prefix("initContainers")
        && after.starts_with("[]")
    {
        if let Some(s) = find(INIT_CONTAINER_FIELDS, rest) {
            return Some(s);
        }
        return find(POD_SPEC_FIELDS, &format!("containers{after}"));
    }
    find(POD_SPEC_FIELDS, rest)
}

/// Looks a normalized path (`[]` for indexes) up in the tables for `kind`.
fn support_of(kind: Kind, norm: &str) -> Option<Support> {
    if kind == Kind::CronJob {
        if let Some(rest) = norm.strip_prefix(JOB_TEMPLATE_SPEC)
            && (rest.is_empty() || rest.starts_with('.'))
        {
            // The Job spec's own decisions, at the Job's path.
            return support_of(Kind::Job, &format!("spec{rest}"));
        }
        if let Some(rest) = norm.strip_prefix("metadata.") {
            return find(METADATA_FIELDS, rest);
        }
        return find(CRONJOB_FIELDS, norm);
    }
    let (object_table, pod_spec, template_meta): (_, Option<&str>, Option<&str>) = match kind {
        Kind::Job => (
            JOB_FIELDS,
            Some("spec.template.spec"),
            Some("spec.template.metadata."),
        ),
        Kind::ReplicaSet => (
            REPLICASET_FIELDS,
            Some("spec.template.spec"),
            Some("spec.template.metadata."),
        ),
        Kind::ConfigMap => (CONFIGMAP_FIELDS, None, None),
        Kind::Secret => (SECRET_FIELDS, None, None),
        Kind::Service => (SERVICE_FIELDS, None, None),
        _ => (POD_FIELDS, Some("spec"), None),
    };
    if let Some(rest) = pod_spec
        .and_then(|p| norm.strip_prefix(p))
        .and_then(|r| r.strip_prefix('.'))
    {
        return pod_spec_support(rest);
    }
    for meta in std::iter::once("metadata.").chain(template_meta) {
        if let Some(rest) = norm.strip_prefix(meta)
            && let Some(s) = find(METADATA_FIELDS, rest)
            && find(object_table, norm).is_none()
        {
            return Some(s);
        }
    }
    find(object_table, norm)
}

/// Unset for Kubernetes: null, false, "", [], or a mapping of such.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(is_empty),
        Value::Number(_) => false,
    }
}

struct Check<'a> {
    kind: Kind,
    unknown: &'a HashSet<String>,
    unsupported: &'a mut Vec<UnsupportedField>,
    warnings: &'a mut Vec<(Position, String)>,
    index: &'a PathIndex,
    file: &'a str,
    fallback: Position,
}

impl Check<'_> {
    fn walk(&mut self, path: &str, norm: &str, v: &Value) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    self.visit(&join_key(path, k), &join_key(norm, k), child);
                }
            }
            Value::Array(items) => {
                // Scalar items (args, command) are covered by the list's own entry.
                for (i, child) in items.iter().enumerate() {
                    if child.is_object() || child.is_array() {
                        self.visit(&format!("{path}[{i}]"), &format!("{norm}[]"), child);
                    }
                }
            }
            _ => {}
        }
    }

    fn visit(&mut self, path: &str, norm: &str, v: &Value) {
        if self.unknown.contains(path) {
            return;
        }
        let pos = self.index.key_position(path).unwrap_or(self.fallback);
        match support_of(self.kind, norm) {
            Some(Support::Yes) => self.walk(path, norm, v),
            Some(Support::Tree | Support::ServerSet) => {}
            Some(Support::Ignored(why)) => {
                if !is_empty(v) {
                    self.warnings.push((pos, format!("{path}: {why}")));
                }
            }
            Some(Support::DefaultOnly(values)) => {
                if !is_empty(v) && !values.iter().any(|l| l.matches(v)) {
                    let message = format!("{NOT_YET} (only the default {} is)", show_all(values));
                    self.refuse(path, pos, message);
                }
            }
            Some(Support::Only { values, why }) => {
                if !is_empty(v) && !values.iter().any(|l| l.matches(v)) {
                    let message = format!(
                        "{} is refused: only {} is accepted: {why}",
                        show_value(v),
                        show_all(values)
                    );
                    self.refuse(path, pos, message);
                }
            }
            Some(Support::Refused(why)) => {
                // A refused mapping is refused even when empty (`projected: {}`
                // still names a volume type dockjob cannot mount).
                if v.is_object() || !is_empty(v) {
                    self.refuse(path, pos, format!("refused: {why}"));
                }
            }
            None => {
                if !is_empty(v) {
                    self.refuse(path, pos, NOT_YET.to_string());
                }
            }
        }
    }

    fn refuse(&mut self, path: &str, pos: Position, message: String) {
        self.unsupported.push(UnsupportedField {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            path: path.to_string(),
            message,
        });
    }
}

/// `"a" or "b"`, for messages.
fn show_all(values: &[Lit]) -> String {
    let shown: Vec<String> = values.iter().map(|l| l.show()).collect();
    shown.join(" or ")
}

/// A manifest value in a message: strings quoted, anything else as JSON.
fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_ONESHOT: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: oneshot
  labels:
    chapter: jobs
spec:
  template:
    metadata:
      labels:
        chapter: jobs
    spec:
      containers:
      - name: kuard
        image: gcr.io/kuar-demo/kuard-amd64:1
        imagePullPolicy: Always
        args:
        - \"--keygen-enable\"
        - \"--keygen-exit-on-complete\"
        - \"--keygen-num-to-gen=10\"
      restartPolicy: OnFailure
";

    fn decode(text: &str) -> Result<Vec<Manifest>, ManifestError> {
        decode_manifests("job.yaml", text.as_bytes())
    }

    fn one(text: &str) -> Manifest {
        let mut v = decode(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    fn job(m: &Manifest) -> &Job {
        match &m.object {
            Object::Job(j) => j,
            other => panic!("not a job: {other:?}"),
        }
    }

    #[test]
    fn decodes_the_seed_job() {
        let m = one(SEED_ONESHOT);
        assert_eq!(m.source, "job.yaml");
        assert_eq!(m.line, 1);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert_eq!(m.object.kind(), Kind::Job);
        assert_eq!(m.object.name(), Some("oneshot"));
        assert_eq!(m.object.namespace(), None);
        let j = job(&m);
        let spec = j.spec.as_ref().expect("spec");
        let pod = spec.template.spec.as_ref().expect("pod spec");
        assert_eq!(pod.restart_policy.as_deref(), Some("OnFailure"));
        let c = &pod.containers[0];
        assert_eq!(c.image.as_deref(), Some("gcr.io/kuar-demo/kuard-amd64:1"));
        assert_eq!(
            c.args.as_deref(),
            Some(
                &[
                    "--keygen-enable".to_string(),
                    "--keygen-exit-on-complete".to_string(),
                    "--keygen-num-to-gen=10".to_string()
                ][..]
            )
        );
        assert_eq!(
            m.locate("spec.template.spec.containers[0].image"),
            Some((15, 9))
        );
        assert_eq!(m.line_of("spec.template.spec.restartPolicy"), 21);
        // Not written: the nearest written ancestor.
        assert_eq!(m.line_of("spec.template.spec.containers[0].resources"), 14);
        assert_eq!(m.line_of("spec.parallelism"), 7);
        assert_eq!(m.line_of("nothing.here"), 1);
        assert_eq!(m.line_of("metadata.labels[chapter]"), 6);
        assert_eq!(m.at("metadata.name"), "job.yaml:4:3");
        let v = m.object.to_value();
        assert_eq!(v["kind"], "Job");
        assert_eq!(
            v["spec"]["template"]["spec"]["containers"][0]["name"],
            "kuard"
        );
    }

    #[test]
    fn multiple_documents_empty_ones_and_lists() {
        let text = format!(
            "---\n# nothing\n---\n{SEED_ONESHOT}---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {{name: p1}}\n  spec:\n    containers: [{{name: c, image: busybox}}]\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {{name: j2}}\n  spec: {{template: {{spec: {{restartPolicy: Never, containers: [{{name: c, image: x}}]}}}}}}\n...\n"
        );
        let ms = decode(&text).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<_> = ms.iter().map(|m| m.object.name().unwrap_or("")).collect();
        assert_eq!(names, ["oneshot", "p1", "j2"]);
        assert_eq!(ms[0].line, 4);
        assert_eq!(ms[1].line, 29);
        assert_eq!(ms[1].object.kind(), Kind::Pod);
        assert_eq!(ms[2].line, 34);
        assert_eq!(ms[2].locate("metadata.name"), Some((36, 14)));
        assert!(decode("").expect("empty").is_empty());
        assert!(decode("---\n---\n").expect("empty docs").is_empty());
    }

    #[test]
    fn json_is_accepted() {
        let text = r#"{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
 "spec": {"parallelism": 2, "template": {"spec": {"restartPolicy": "Never",
 "containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"cpu": 1, "memory": "64Mi"}}}]}}}}"#;
        let m = one(text);
        let spec = job(&m).spec.as_ref().expect("spec");
        assert_eq!(spec.parallelism, Some(2));
        let limits = spec.template.spec.as_ref().expect("pod").containers[0]
            .resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .expect("limits");
        assert_eq!(limits["cpu"].0, "1");
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn unknown_fields_are_warnings_with_path_and_line() {
        let text = SEED_ONESHOT.replace("imagePullPolicy: Always", "imagePullPolice: Always")
            + "  foo: 1\n";
        let m = one(&text);
        assert_eq!(
            m.warnings,
            [
                "job.yaml:16:9: unknown field \"spec.template.spec.containers[0].imagePullPolice\"",
                "job.yaml:22:3: unknown field \"spec.foo\"",
            ]
        );
        // Nested unknown fields are reported once, at the outermost unknown key.
        let m = one(&SEED_ONESHOT.replace(
            "  labels:\n    chapter: jobs\nspec",
            "  extra:\n    deep: {a: 1}\nspec",
        ));
        assert_eq!(
            m.warnings,
            ["job.yaml:5:3: unknown field \"metadata.extra\""]
        );
    }

    #[test]
    fn round_trip_differences_are_not_unknown_fields() {
        let text = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: j
  creationTimestamp: null
  annotations: {}
spec:
  backoffLimit: 2
  selector: {}
  template:
    metadata:
      creationTimestamp: null
    spec:
      securityContext: {}
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        env: []
        resources:
          requests: {cpu: 0.5, memory: 1e3}
        ports:
        - containerPort: 8080
status: {}
";
        let m = one(text);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn kubectl_get_yaml_defaults_are_accepted() {
        let text = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: j
  uid: 5c2f
  resourceVersion: \"12\"
  generation: 1
  labels: {job-name: j}
spec:
  backoffLimit: 6
  completionMode: NonIndexed
  completions: 1
  manualSelector: false
  parallelism: 1
  podReplacementPolicy: TerminatingOrFailed
  suspend: false
  selector:
    matchLabels: {batch.kubernetes.io/controller-uid: 5c2f}
  template:
    metadata:
      labels: {job-name: j}
    spec:
      containers:
      - image: busybox
        imagePullPolicy: IfNotPresent
        name: c
        resources: {}
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
      dnsPolicy: ClusterFirst
      restartPolicy: Never
      schedulerName: default-scheduler
      securityContext: {}
      terminationGracePeriodSeconds: 30
status:
  active: 1
";
        let m = one(text);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn unsupported_fields_are_errors_naming_path_and_line() {
        let text = SEED_ONESHOT.replace(
            "      restartPolicy: OnFailure\n",
            "      restartPolicy: OnFailure\n      shareProcessNamespace: true\n",
        );
        let err = decode(&text).expect_err("unsupported");
        assert_eq!(
            err.to_string(),
            "job.yaml:22:7: spec.template.spec.shareProcessNamespace: not supported by dockjob yet"
        );
        let text = SEED_ONESHOT.replace(
            "      restartPolicy: OnFailure\n",
            "      restartPolicy: OnFailure\n      dnsPolicy: None\n      hostNetwork: true\n      volumes: []\n",
        )
        .replace(
            "        imagePullPolicy: Always\n",
            "        imagePullPolicy: Always\n        env:\n        - name: A\n          valueFrom: {fileKeyRef: {path: a, key: b, volumeName: v}}\n",
        );
        let err = decode(&text).expect_err("unsupported");
        assert_eq!(
            err.to_string(),
            format!(
                "job.yaml:19:23: spec.template.spec.containers[0].env[0].valueFrom.fileKeyRef: not supported by dockjob yet\n\
             job.yaml:25:7: spec.template.spec.dnsPolicy: not supported by dockjob yet (only the default \"ClusterFirst\" is)\n\
             job.yaml:26:7: spec.template.spec.hostNetwork: refused: {HOST_NAMESPACES}"
            )
        );
        match err {
            ManifestError::Unsupported(fields) => assert_eq!(fields.len(), 3),
            other => panic!("{other:?}"),
        }
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, ownerReferences: [{name: x}]}\nspec:\n  containers: [{name: c, image: i}]\n";
        assert_eq!(
            decode(pod).expect_err("owner").to_string(),
            "job.yaml:3:21: metadata.ownerReferences: not supported by dockjob yet"
        );
    }

    /// A job setting every JobSpec field issue 3 implements, at non-default values.
    const EVERY_JOB_FIELD: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: every
spec:
  parallelism: 2
  completions: 4
  activeDeadlineSeconds: 600
  backoffLimit: 3
  backoffLimitPerIndex: 1
  maxFailedIndexes: 2
  ttlSecondsAfterFinished: 0
  completionMode: Indexed
  suspend: true
  podReplacementPolicy: Failed
  managedBy: kubernetes.io/job-controller
  manualSelector: false
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: main
        operator: In
        values: [42]
    - action: Ignore
      onPodConditions:
      - type: DisruptionTarget
        status: \"True\"
    - action: FailIndex
      onExitCodes: {operator: NotIn, values: [0, 1]}
    - action: Count
      onPodConditions: [{type: ConfigIssue}]
  successPolicy:
    rules:
    - succeededIndexes: 0,2-3
      succeededCount: 2
    - succeededCount: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
";

    #[test]
    fn every_implemented_job_field_decodes() {
        let m = one(EVERY_JOB_FIELD);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        let spec = job(&m).spec.clone().expect("spec");
        assert_eq!(spec.active_deadline_seconds, Some(600));
        assert_eq!(spec.ttl_seconds_after_finished, Some(0));
        assert_eq!(spec.suspend, Some(true));
        assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
        assert_eq!(spec.backoff_limit_per_index, Some(1));
        assert_eq!(spec.max_failed_indexes, Some(2));
        assert_eq!(spec.pod_replacement_policy.as_deref(), Some("Failed"));
        assert_eq!(spec.managed_by.as_deref(), Some(JOB_CONTROLLER_NAME));
        let rules = spec.pod_failure_policy.expect("policy").rules;
        assert_eq!(rules.len(), 4);
        let codes = rules[0].on_exit_codes.as_ref().expect("codes");
        assert_eq!(codes.container_name.as_deref(), Some("main"));
        assert_eq!(
            (codes.operator.as_str(), &codes.values[..]),
            ("In", &[42][..])
        );
        let conds = rules[1].on_pod_conditions.as_ref().expect("conditions");
        assert_eq!(conds[0].type_, "DisruptionTarget");
        assert_eq!(conds[0].status.as_deref(), Some("True"));
        let success = spec.success_policy.expect("success").rules;
        assert_eq!(success[0].succeeded_indexes.as_deref(), Some("0,2-3"));
        assert_eq!(success[0].succeeded_count, Some(2));
        assert_eq!(success[1].succeeded_count, Some(3));
    }

    #[test]
    fn each_implemented_job_field_decodes_alone() {
        let fields = [
            "activeDeadlineSeconds: 10",
            "ttlSecondsAfterFinished: 5",
            "suspend: true",
            "completionMode: Indexed",
            "completionMode: NonIndexed",
            "backoffLimitPerIndex: 2",
            "maxFailedIndexes: 1",
            "podReplacementPolicy: Failed",
            "podReplacementPolicy: TerminatingOrFailed",
            "managedBy: kubernetes.io/job-controller",
            "podFailurePolicy: {rules: [{action: Ignore, onExitCodes: {operator: In, values: [3]}}]}",
            "successPolicy: {rules: [{succeededIndexes: \"1\"}]}",
        ];
        for field in fields {
            let text = SEED_ONESHOT.replace(
                "spec:\n  template:",
                &format!("spec:\n  {field}\n  template:"),
            );
            let m = decode(&text).unwrap_or_else(|e| panic!("{field}: {e}"));
            assert!(m[0].warnings.is_empty(), "{field}: {:?}", m[0].warnings);
        }
    }

    #[test]
    fn managed_by_another_controller_is_refused_by_name() {
        let text = SEED_ONESHOT.replace(
            "spec:\n  template:",
            "spec:\n  managedBy: kueue.x-k8s.io/multikueue\n  template:",
        );
        let err = decode(&text).expect_err("managedBy");
        assert_eq!(
            err.to_string(),
            "job.yaml:8:3: spec.managedBy: \"kueue.x-k8s.io/multikueue\" is refused: only \"kubernetes.io/job-controller\" is accepted: dockjob is the only Job controller on its Docker host, so there is no other controller to hand the Job to"
        );
        assert!(matches!(err, ManifestError::Unsupported(ref f) if f[0].path == "spec.managedBy"));
    }

    #[test]
    fn workload_scheduling_is_refused_by_name() {
        let text = SEED_ONESHOT.replace(
            "spec:\n  template:",
            "spec:\n  scheduling:\n    schedulingPolicy: {gang: {minCount: 2}}\n  template:",
        );
        let err = decode(&text).expect_err("scheduling");
        assert_eq!(
            err.to_string(),
            "job.yaml:8:3: spec.scheduling: refused: workload-aware (gang) scheduling places pods across a cluster's nodes; dockjob runs every pod on its one Docker host"
        );
    }

    #[test]
    fn every_job_spec_field_has_a_decision() {
        // batch/v1 JobSpec's fields as k8s-openapi serializes a fully set spec: each
        // must be in the table (supported, or refused by name), never unknown.
        let spec = serde_json::json!({
            "activeDeadlineSeconds": 1, "backoffLimit": 1, "backoffLimitPerIndex": 1,
            "completionMode": "x", "completions": 1, "managedBy": "x", "manualSelector": true,
            "maxFailedIndexes": 1, "parallelism": 1, "podFailurePolicy": {"rules": []},
            "podReplacementPolicy": "x", "scheduling": {}, "selector": {},
            "successPolicy": {"rules": []}, "suspend": true,
            "template": {}, "ttlSecondsAfterFinished": 1,
        });
        let typed: k8s_openapi::api::batch::v1::JobSpec =
            serde_json::from_value(spec).expect("spec");
        let round = serde_json::to_value(&typed).expect("json");
        let fields = round.as_object().expect("object");
        assert_eq!(
            fields.len(),
            17,
            "a JobSpec field was added: decide it in JOB_FIELDS"
        );
        for key in fields.keys() {
            assert!(
                support_of(Kind::Job, &format!("spec.{key}")).is_some(),
                "spec.{key} has no decision"
            );
        }
    }

    #[test]
    fn wrong_types_name_the_full_path() {
        let text = SEED_ONESHOT.replace(
            "spec:\n  template:",
            "spec:\n  parallelism: two\n  template:",
        );
        let err = decode(&text).expect_err("type");
        assert_eq!(
            err.to_string(),
            "job.yaml:8:16: spec.parallelism: invalid type: string \"two\", expected an int32 (-2147483648 to 2147483647); write the number without quotes"
        );
        // go-yaml v2 reads `yes` as a boolean, so an env value `yes` fails as in kubectl.
        let text = SEED_ONESHOT.replace(
            "        imagePullPolicy: Always\n",
            "        imagePullPolicy: Always\n        env:\n        - name: A\n          value: yes\n",
        );
        let err = decode(&text).expect_err("type");
        assert_eq!(
            err.to_string(),
            "job.yaml:19:18: spec.template.spec.containers[0].env[0].value: invalid type: boolean `true`, expected a string; quote the value to make it a string"
        );
        let err = decode("apiVersion: v1\nkind: Pod\nmetadata: [a]\n").expect_err("meta");
        assert!(
            err.to_string()
                .starts_with("job.yaml:3:11: metadata: invalid type: sequence"),
            "{err}"
        );
    }

    #[test]
    fn invalid_yaml_reports_line_and_column() {
        let err = decode("apiVersion: batch/v1\nkind: Job\nspec: [a, b\n").expect_err("yaml");
        match &err {
            ManifestError::Yaml { file, line, .. } => {
                assert_eq!(file, "job.yaml");
                assert!(*line >= 3, "{err}");
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().starts_with("job.yaml:"), "{err}");
        let err = decode("a: b\n  c: d\n").expect_err("yaml");
        assert!(err.to_string().starts_with("job.yaml:"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors_naming_the_key() {
        let text = SEED_ONESHOT.replace(
            "        imagePullPolicy: Always\n",
            "        imagePullPolicy: Always\n        image: other\n",
        );
        let err = decode(&text).expect_err("dup");
        assert_eq!(
            err.to_string(),
            "job.yaml:17:9: spec.template.spec.containers[0].image: mapping key \"image\" already defined at line 15 (YAML allows each key once per mapping; keep one)"
        );
    }

    #[test]
    fn non_utf8_names_offset_and_line() {
        let mut bytes = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\xff\n".to_vec();
        let err = decode_manifests("-", &bytes).expect_err("utf8");
        assert_eq!(
            err.to_string(),
            "-:4:10: invalid UTF-8 at byte offset 44: manifests must be UTF-8 text"
        );
        bytes.truncate(32);
        assert!(!matches!(
            decode_manifests("-", &bytes),
            Err(ManifestError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn wrong_or_missing_kind_lists_what_is_served() {
        let err = decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
            .expect_err("kind");
        assert_eq!(
            err.to_string(),
            format!(
                "job.yaml:2:1: kind: \"Deployment\" (apiVersion \"apps/v1\") is not served by dockjob; {SERVED}"
            )
        );
        let err =
            decode("apiVersion: extensions/v1beta1\nkind: ReplicaSet\n").expect_err("version");
        assert_eq!(
            err.to_string(),
            "job.yaml:1:1: apiVersion: \"extensions/v1beta1\" does not serve kind \"ReplicaSet\"; use apiVersion \"apps/v1\""
        );
        let err = decode("apiVersion: apps/v1\nkind: Service\n").expect_err("version");
        assert!(err.to_string().ends_with("use apiVersion \"v1\""), "{err}");
        let err = decode("apiVersion: batch/v2alpha1\nkind: CronJob\n").expect_err("version");
        assert_eq!(
            err.to_string(),
            "job.yaml:1:1: apiVersion: \"batch/v2alpha1\" does not serve kind \"CronJob\"; use apiVersion \"batch/v1\""
        );
        let err = decode("apiVersion: batch/v1beta1\nkind: Job\n").expect_err("version");
        assert_eq!(
            err.to_string(),
            "job.yaml:1:1: apiVersion: \"batch/v1beta1\" does not serve kind \"Job\"; use apiVersion \"batch/v1\""
        );
        let err = decode("metadata: {name: x}\n").expect_err("missing");
        assert!(
            err.to_string().starts_with("job.yaml:1:1: kind: Required value: every object needs apiVersion and kind; dockjob serves"),
            "{err}"
        );
        let err = decode("kind: Job\n").expect_err("missing");
        assert!(
            err.to_string()
                .starts_with("job.yaml:1:1: apiVersion: Required value"),
            "{err}"
        );
        let err = decode("- a\n- b\n").expect_err("list");
        assert_eq!(
            err.to_string(),
            "job.yaml:1:1: expected a Kubernetes object (a mapping with apiVersion and kind), found a list"
        );
        let err = decode("apiVersion: v1\nkind: Event\n").expect_err("event");
        assert!(err.to_string().contains("not served"), "{err}");
    }

    #[test]
    fn scalars_follow_go_yaml_v2() {
        let cases: &[(&str, Value)] = &[
            ("10", Value::from(10)),
            ("-3", Value::from(-3)),
            ("1_000", Value::from(1000)),
            ("0x1F", Value::from(31)),
            ("010", Value::from(8)),
            ("0o17", Value::from(15)),
            ("0b101", Value::from(5)),
            ("2.0", Value::from(2)),
            ("1e3", Value::from(1000)),
            ("0.5", Value::from(0.5)),
            ("08", Value::from(8)),
            ("yes", Value::Bool(true)),
            ("Off", Value::Bool(false)),
            ("~", Value::Null),
            ("null", Value::Null),
            ("128Mi", Value::from("128Mi")),
            ("1.2.3", Value::from("1.2.3")),
            ("-x", Value::from("-x")),
            ("'10'", Value::from("10")),
            ("\"true\"", Value::from("true")),
            ("!!str 10", Value::from("10")),
            ("99999999999999999999", Value::from(1e20)),
            ("18446744073709551615", Value::from(u64::MAX)),
        ];
        for (text, want) in cases {
            let roots = read_documents("t", &format!("v: {text}\n")).expect(text);
            let v = to_json("t", &roots[0]).expect(text);
            assert_eq!(&v["v"], want, "{text}");
        }
        let roots = read_documents("t", "v: .inf\n").expect("inf");
        assert!(to_json("t", &roots[0]).is_err());
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "\
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - &base {name: a, image: busybox, command: [sh]}
      - <<: *base
        name: b
";
        let m = one(text);
        let pod = job(&m)
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .expect("pod");
        assert_eq!(pod.containers[1].name, "b");
        assert_eq!(pod.containers[1].image.as_deref(), Some("busybox"));
        assert_eq!(
            pod.containers[1].command.as_deref(),
            Some(&["sh".to_string()][..])
        );
    }

    #[test]
    fn limits_stop_deep_and_exploding_documents() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(decode(&deep), Err(ManifestError::Yaml { .. })));
        let deep_block: String = (0..150).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(matches!(
            decode(&deep_block),
            Err(ManifestError::Yaml { .. })
        ));
        // Billion laughs.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let err = decode(&text).expect_err("laughs");
        assert!(err.to_string().contains("YAML nodes"), "{err}");
        // Aliases cannot be used to exceed the depth limit either.
        let mut text = String::from("a0: &a0 [[[[[[[[[[1]]]]]]]]]]\n");
        for i in 1..10 {
            text.push_str(&format!("a{i}: &a{i} [[[[[[[[[*a{}]]]]]]]]]\n", i - 1));
        }
        let err = decode(&text).expect_err("deep aliases");
        assert!(err.to_string().contains("levels deep"), "{err}");
        let big = vec![b' '; MAX_MANIFEST_BYTES + 1];
        assert!(matches!(
            decode_manifests("big", &big),
            Err(ManifestError::TooLarge { .. })
        ));
    }

    /// Kubernetes Up & Running's CronJob, as the book (2nd edition) prints it.
    const KUAR_CRONJOB: &str = "\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: example-cron
spec:
  # Run every fifth hour
  schedule: \"0 */5 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: batch-job
            image: my-batch-image
          restartPolicy: OnFailure
";

    fn cronjob(m: &Manifest) -> &CronJob {
        match &m.object {
            Object::CronJob(c) => c,
            other => panic!("not a cronjob: {other:?}"),
        }
    }

    #[test]
    fn the_book_cronjob_v1beta1_is_read_as_batch_v1_with_the_deprecation_warning() {
        let m = decode_manifests("cronjob.yaml", KUAR_CRONJOB.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
            .remove(0);
        assert_eq!(
            m.warnings,
            [
                "cronjob.yaml:1:1: batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob"
            ]
        );
        assert_eq!(m.object.kind(), Kind::CronJob);
        assert_eq!(m.object.name(), Some("example-cron"));
        let cj = cronjob(&m);
        assert_eq!(cj.spec.schedule, "0 */5 * * *");
        let pod = cj
            .spec
            .job_template
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .expect("pod spec");
        assert_eq!(pod.restart_policy.as_deref(), Some("OnFailure"));
        assert_eq!(pod.containers[0].image.as_deref(), Some("my-batch-image"));
        let v = m.object.to_value();
        assert_eq!(v["apiVersion"], "batch/v1");
        assert_eq!(v["kind"], "CronJob");
        assert_eq!(m.locate("spec.schedule"), Some((7, 3)));
        assert_eq!(
            m.line_of("spec.jobTemplate.spec.template.spec.containers[0].image"),
            14
        );
        // The same manifest as batch/v1: no warning.
        let m = one(&KUAR_CRONJOB.replace("batch/v1beta1", "batch/v1"));
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert_eq!(cronjob(&m).spec.schedule, "0 */5 * * *");
    }

    /// A CronJob setting every CronJobSpec field, at non-default values.
    const EVERY_CRONJOB_FIELD: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: every
  labels: {app: report}
spec:
  schedule: \"@hourly\"
  timeZone: Europe/Berlin
  startingDeadlineSeconds: 200
  concurrencyPolicy: Forbid
  suspend: true
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 0
  jobTemplate:
    metadata:
      labels: {run: nightly}
      annotations: {owner: ops}
    spec:
      backoffLimit: 2
      activeDeadlineSeconds: 60
      ttlSecondsAfterFinished: 30
      template:
        metadata:
          labels: {run: nightly}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: [sh, -c, date]
";

    #[test]
    fn every_cronjob_field_decodes() {
        let m = one(EVERY_CRONJOB_FIELD);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        let spec = &cronjob(&m).spec;
        assert_eq!(spec.schedule, "@hourly");
        assert_eq!(spec.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(spec.starting_deadline_seconds, Some(200));
        assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
        assert_eq!(spec.suspend, Some(true));
        assert_eq!(spec.successful_jobs_history_limit, Some(5));
        assert_eq!(spec.failed_jobs_history_limit, Some(0));
        let meta = spec.job_template.metadata.as_ref().expect("template meta");
        assert_eq!(meta.labels.as_ref().expect("labels")["run"], "nightly");
        assert_eq!(
            meta.annotations.as_ref().expect("annotations")["owner"],
            "ops"
        );
        let job = spec.job_template.spec.as_ref().expect("job spec");
        assert_eq!(job.backoff_limit, Some(2));
        assert_eq!(job.active_deadline_seconds, Some(60));
        assert_eq!(job.ttl_seconds_after_finished, Some(30));
    }

    #[test]
    fn every_cronjob_spec_field_has_a_decision() {
        let spec = serde_json::json!({
            "concurrencyPolicy": "x", "failedJobsHistoryLimit": 1, "jobTemplate": {},
            "schedule": "x", "startingDeadlineSeconds": 1, "successfulJobsHistoryLimit": 1,
            "suspend": true, "timeZone": "x",
        });
        let typed: k8s_openapi::api::batch::v1::CronJobSpec =
            serde_json::from_value(spec).expect("spec");
        let round = serde_json::to_value(&typed).expect("json");
        let fields = round.as_object().expect("object");
        assert_eq!(
            fields.len(),
            8,
            "a CronJobSpec field was added: decide it in CRONJOB_FIELDS"
        );
        for key in fields.keys() {
            assert!(
                support_of(Kind::CronJob, &format!("spec.{key}")).is_some(),
                "spec.{key} has no decision"
            );
        }
        // The job template's spec is a Job's spec, with the Job's decisions.
        for (path, _) in JOB_FIELDS.iter().filter(|(p, _)| p.starts_with("spec.")) {
            let under = format!("spec.jobTemplate.{path}");
            assert!(
                support_of(Kind::CronJob, &under).is_some(),
                "{under} has no decision"
            );
        }
        assert!(
            support_of(
                Kind::CronJob,
                "spec.jobTemplate.spec.template.spec.containers[].image"
            )
            .is_some()
        );
        assert!(support_of(Kind::CronJob, "spec.jobTemplate.specx").is_none());
    }

    #[test]
    fn job_template_fields_are_refused_or_warned_by_their_full_path() {
        let text = EVERY_CRONJOB_FIELD.replace(
            "          restartPolicy: Never\n",
            "          restartPolicy: Never\n          nodeName: n1\n",
        );
        assert_eq!(
            one(&text).warnings,
            [format!(
                "job.yaml:27:11: spec.jobTemplate.spec.template.spec.nodeName: {ONE_NODE}"
            )]
        );
        let text = EVERY_CRONJOB_FIELD.replace(
            "          restartPolicy: Never\n",
            "          restartPolicy: Never\n          hostIPC: true\n",
        );
        let err = decode(&text).expect_err("hostIPC");
        assert_eq!(
            err.to_string(),
            format!(
                "job.yaml:27:11: spec.jobTemplate.spec.template.spec.hostIPC: refused: {HOST_NAMESPACES}"
            )
        );
        let text = EVERY_CRONJOB_FIELD.replace(
            "      annotations: {owner: ops}\n",
            "      annotations: {owner: ops}\n      name: fixed\n",
        );
        let err = decode(&text).expect_err("template name");
        assert_eq!(
            err.to_string(),
            "job.yaml:18:7: spec.jobTemplate.metadata.name: not supported by dockjob yet"
        );
        let text = EVERY_CRONJOB_FIELD.replace(
            "      backoffLimit: 2\n",
            "      backoffLimit: 2\n      scheduling: {x: 1}\n      managedBy: other.io/controller\n",
        );
        let err = decode(&text).expect_err("job spec refusals");
        let msg = err.to_string();
        assert!(
            msg.contains(
                "job.yaml:20:7: spec.jobTemplate.spec.scheduling: refused: workload-aware"
            ),
            "{msg}"
        );
        assert!(
            msg.contains(
                "job.yaml:21:7: spec.jobTemplate.spec.managedBy: \"other.io/controller\" is refused"
            ),
            "{msg}"
        );
        let text = EVERY_CRONJOB_FIELD
            .replace(
                "      backoffLimit: 2\n",
                "      backoffLimit: 2\n      backofLimit: 3\n",
            )
            .replace(
                "  suspend: true\n",
                "  suspend: true\n  concurency: Allow\n",
            );
        let m = one(&text);
        assert_eq!(
            m.warnings,
            [
                "job.yaml:12:3: unknown field \"spec.concurency\"",
                "job.yaml:21:7: unknown field \"spec.jobTemplate.spec.backofLimit\"",
            ]
        );
    }

    #[test]
    fn kubectl_get_yaml_of_a_cronjob_is_accepted() {
        let text = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
  uid: 5c2f
  resourceVersion: \"7\"
  generation: 1
spec:
  concurrencyPolicy: Allow
  failedJobsHistoryLimit: 1
  successfulJobsHistoryLimit: 3
  suspend: false
  schedule: \"*/1 * * * *\"
  jobTemplate:
    metadata:
      creationTimestamp: null
    spec:
      template:
        metadata:
          creationTimestamp: null
        spec:
          containers:
          - image: busybox
            imagePullPolicy: IfNotPresent
            name: c
            resources: {}
            terminationMessagePath: /dev/termination-log
            terminationMessagePolicy: File
          dnsPolicy: ClusterFirst
          restartPolicy: OnFailure
          schedulerName: default-scheduler
          securityContext: {}
          terminationGracePeriodSeconds: 30
status:
  active:
  - apiVersion: batch/v1
    kind: Job
    name: c-29000000
    namespace: default
    uid: 1a2b
  lastScheduleTime: \"2025-03-01T10:00:00Z\"
  lastSuccessfulTime: \"2025-03-01T09:00:10Z\"
";
        let m = one(text);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        let list = format!(
            "apiVersion: batch/v1\nkind: CronJobList\nitems:\n- {}",
            KUAR_CRONJOB.replace('\n', "\n  ")
        );
        let ms = decode(&list).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].warnings.len(), 1, "{:?}", ms[0].warnings);
    }

    const KINDS: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {app.properties: \"a=1\", MODE: fast}
binaryData: {blob: AAEC}
immutable: true
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
type: Opaque
data:
  password: c2VjcmV0
stringData:
  user: admin
---
apiVersion: v1
kind: Service
metadata: {name: queue}
spec:
  selector: {app: work-queue}
  ports:
  - name: http
    port: 8080
    targetPort: http
    protocol: TCP
  - name: admin
    port: 9090
    targetPort: 9091
  sessionAffinity: None
  type: ClusterIP
  internalTrafficPolicy: Cluster
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: queue}
spec:
  replicas: 2
  minReadySeconds: 5
  selector:
    matchLabels: {app: work-queue}
  template:
    metadata:
      labels: {app: work-queue}
    spec:
      containers:
      - name: queue
        image: dockjob/kuard-amd64:1
        ports: [{containerPort: 8080, name: http}]
";

    #[test]
    fn every_new_kind_decodes_without_warnings() {
        let ms = decode(KINDS).unwrap_or_else(|e| panic!("{e}"));
        let kinds: Vec<Kind> = ms.iter().map(|m| m.object.kind()).collect();
        assert_eq!(
            kinds,
            [
                Kind::ConfigMap,
                Kind::Secret,
                Kind::Service,
                Kind::ReplicaSet
            ]
        );
        for m in &ms {
            assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        }
        match &ms[0].object {
            Object::ConfigMap(c) => {
                assert_eq!(c.data.as_ref().expect("data")["MODE"], "fast");
                assert_eq!(c.binary_data.as_ref().expect("bin")["blob"].0, [0, 1, 2]);
                assert_eq!(c.immutable, Some(true));
            }
            other => panic!("{other:?}"),
        }
        match &ms[1].object {
            Object::Secret(sec) => {
                assert_eq!(sec.data.as_ref().expect("data")["password"].0, b"secret");
                assert_eq!(sec.string_data.as_ref().expect("sd")["user"], "admin");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ms[1].object.to_value()["data"]["password"], "c2VjcmV0");
        match &ms[2].object {
            Object::Service(svc) => {
                let ports = svc
                    .spec
                    .as_ref()
                    .and_then(|s| s.ports.clone())
                    .expect("ports");
                assert_eq!(
                    ports[0].target_port,
                    Some(
                        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(
                            "http".into()
                        )
                    )
                );
            }
            other => panic!("{other:?}"),
        }
        match &ms[3].object {
            Object::ReplicaSet(rs) => {
                assert_eq!(rs.spec.replicas, Some(2));
                assert_eq!(rs.spec.min_ready_seconds, Some(5));
            }
            other => panic!("{other:?}"),
        }
        let list = "apiVersion: v1\nkind: ServiceList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n";
        assert_eq!(
            decode(list).expect("list")[0].object.kind(),
            Kind::ConfigMap
        );
    }

    #[test]
    fn replicaset_without_selector_decodes_with_the_unset_marker() {
        let text = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i}]\n";
        let m = one(text);
        match &m.object {
            Object::ReplicaSet(rs) => {
                assert_eq!(rs.spec.selector.match_expressions, Some(vec![]));
                assert_eq!(rs.spec.selector.match_labels, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(decode("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\n").is_ok());
    }

    #[test]
    fn invalid_base64_names_the_key_and_where_its_value_is() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  ok: b2s=\n  password: not base64!\n";
        let err = decode(text).expect_err("base64");
        assert_eq!(
            err.to_string(),
            "job.yaml:6:13: data.password: illegal base64 data at input byte 3 (values under data are base64; write plain text under stringData)"
        );
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData:\n  blob: YWJj\n  bad: YWJ\n";
        let err = decode(text).expect_err("base64");
        assert!(
            err.to_string()
                .starts_with("job.yaml:6:8: binaryData.bad: illegal base64 data at input byte 0"),
            "{err}"
        );
        // Go skips line breaks inside base64.
        let text =
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: \"c2Vj\\ncmV0\"\n";
        match &one(text).object {
            Object::Secret(sec) => assert_eq!(sec.data.as_ref().expect("data")["k"].0, b"secret"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn go_base64_offsets() {
        assert_eq!(go_base64_error(""), None);
        assert_eq!(go_base64_error("YWJj"), None);
        assert_eq!(go_base64_error("YWI="), None);
        assert_eq!(go_base64_error("YQ=="), None);
        assert_eq!(go_base64_error("YWJ"), Some(0));
        assert_eq!(go_base64_error("YWJjZA"), Some(4));
        assert_eq!(go_base64_error("Y==="), Some(1));
        assert_eq!(go_base64_error("YQ==YQ=="), Some(4));
        assert_eq!(go_base64_error("YW*j"), Some(2));
        assert_eq!(go_base64_error("YQ=x"), Some(3));
    }

    #[test]
    fn service_fields_dockjob_cannot_serve_are_refused_by_name() {
        let base = KINDS
            .split("---\n")
            .nth(2)
            .expect("service doc")
            .to_string();
        let cases = [
            (
                "type: ClusterIP",
                "type: NodePort",
                "spec.type: \"NodePort\" is refused: only \"ClusterIP\" is accepted: dockjob's services",
            ),
            (
                "type: ClusterIP",
                "type: LoadBalancer",
                "spec.type: \"LoadBalancer\" is refused",
            ),
            (
                "type: ClusterIP",
                "type: ExternalName",
                "spec.type: \"ExternalName\" is refused",
            ),
            (
                "protocol: TCP",
                "protocol: UDP",
                "spec.ports[0].protocol: \"UDP\" is refused: only \"TCP\" is accepted: dockjob's service proxy forwards TCP only",
            ),
            (
                "protocol: TCP",
                "protocol: SCTP",
                "spec.ports[0].protocol: \"SCTP\" is refused",
            ),
            (
                "type: ClusterIP",
                "type: ClusterIP\n  clusterIP: 10.0.0.9",
                "spec.clusterIP: \"10.0.0.9\" is refused: only \"None\" is accepted",
            ),
            (
                "protocol: TCP",
                "protocol: TCP\n    nodePort: 30080",
                "spec.ports[0].nodePort: refused: dockjob's services",
            ),
            (
                "sessionAffinity: None",
                "sessionAffinity: ClientIP",
                "spec.sessionAffinity: \"ClientIP\" is refused",
            ),
            (
                "type: ClusterIP",
                "type: ClusterIP\n  externalIPs: [1.2.3.4]",
                "spec.externalIPs: refused",
            ),
        ];
        for (from, to, want) in cases {
            let text = base.replace(from, to);
            let err = decode(&text).expect_err(to);
            assert!(err.to_string().contains(want), "{to}: {err}");
        }
        let m = one(&base.replace("type: ClusterIP", "type: ClusterIP\n  clusterIP: None"));
        assert!(m.warnings.is_empty());
        let m = one(&base.replace("protocol: TCP", "protocol: TCP\n    appProtocol: http"));
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
        assert!(m.warnings[0].contains("spec.ports[0].appProtocol: appProtocol is a hint"));
    }

    /// A pod using every pod-template field issue 5 implements.
    const FULL_POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: full, labels: {app: x}}
spec:
  hostname: web-0
  subdomain: web
  terminationGracePeriodSeconds: 5
  restartPolicy: Always
  securityContext: {runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true}
  initContainers:
  - name: init
    image: busybox
    command: [sh, -c, 'echo hi > /work/x']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: busybox:1
    imagePullPolicy: IfNotPresent
    command: [sh]
    args: [-c, sleep 1]
    workingDir: /work
    env:
    - {name: A, value: b}
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: KEY
      valueFrom: {configMapKeyRef: {name: cfg, key: MODE, optional: true}}
    - name: PW
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    envFrom:
    - configMapRef: {name: cfg, optional: true}
      prefix: CFG_
    - secretRef: {name: creds}
    resources:
      limits: {cpu: 500m, memory: 64Mi, nvidia.com/gpu: 1}
      requests: {cpu: 100m, memory: 32Mi}
    ports: [{containerPort: 8080, name: http, protocol: TCP}]
    volumeMounts:
    - {name: work, mountPath: /work}
    - {name: cfg, mountPath: /etc/cfg, readOnly: true}
    - {name: creds, mountPath: /etc/creds/pw, subPath: password}
    - {name: host, mountPath: /host}
    securityContext:
      runAsUser: 1000
      runAsGroup: 1000
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities: {add: [NET_ADMIN], drop: [ALL]}
      privileged: false
      allowPrivilegeEscalation: false
  - name: sidecar
    image: busybox
  volumes:
  - {name: work, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
  - name: cfg
    configMap: {name: cfg, items: [{key: MODE, path: mode, mode: 0400}], defaultMode: 0644, optional: true}
  - {name: creds, secret: {secretName: creds, defaultMode: 0400, optional: false}}
  - {name: host, hostPath: {path: /tmp, type: Directory}}
";

    #[test]
    fn the_full_pod_template_decodes_without_warnings() {
        let m = one(FULL_POD);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        // The same template under a Job and a ReplicaSet.
        let spec = FULL_POD.split_once("spec:\n").expect("spec").1;
        let indented: String = spec.lines().map(|l| format!("      {l}\n")).collect();
        let rs = format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: r}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n    metadata: {{labels: {{app: x}}}}\n    spec:\n{indented}"
        );
        assert!(one(&rs).warnings.is_empty());
        let job = format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n  template:\n    spec:\n{indented}"
        );
        assert!(one(&job).warnings.is_empty());
    }

    #[test]
    fn node_placement_and_probes_are_warned_by_name() {
        let text = FULL_POD.replace(
            "  hostname: web-0\n",
            "  hostname: web-0\n  nodeSelector: {disk: ssd}\n  tolerations: [{operator: Exists}]\n  affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: zone}}]}}\n  nodeName: n1\n  priorityClassName: high\n",
        )
        .replace(
            "  - name: sidecar\n    image: busybox\n",
            "  - name: sidecar\n    image: busybox\n    livenessProbe: {exec: {command: [\"true\"]}}\n    readinessProbe: {httpGet: {port: 80}}\n",
        );
        let m = one(&text);
        let paths: Vec<&str> = m
            .warnings
            .iter()
            .map(|w| w.split(": ").nth(1).unwrap_or(""))
            .collect();
        assert_eq!(
            paths,
            [
                "spec.nodeSelector",
                "spec.tolerations",
                "spec.affinity",
                "spec.nodeName",
                "spec.priorityClassName",
                "spec.containers[1].livenessProbe",
                "spec.containers[1].readinessProbe",
            ]
        );
        assert!(m.warnings[0].ends_with(ONE_NODE), "{}", m.warnings[0]);
        assert!(m.warnings[6].ends_with(PROBES), "{}", m.warnings[6]);
    }

    #[test]
    fn what_dockjob_cannot_map_is_refused_by_name() {
        let cases = [
            ("  hostname: web-0\n", "  hostname: web-0\n  hostPID: true\n", format!("spec.hostPID: refused: {HOST_NAMESPACES}")),
            (
                "  - name: sidecar\n    image: busybox\n",
                "  - name: sidecar\n    image: busybox\n    lifecycle: {preStop: {exec: {command: [\"true\"]}}}\n",
                "spec.containers[1].lifecycle: refused: lifecycle hooks".to_string(),
            ),
            (
                "  - {name: host, hostPath: {path: /tmp, type: Directory}}\n",
                "  - {name: host, persistentVolumeClaim: {claimName: data}}\n",
                format!("spec.volumes[3].persistentVolumeClaim: refused: {OTHER_VOLUME}"),
            ),
            (
                "  - {name: host, hostPath: {path: /tmp, type: Directory}}\n",
                "  - {name: host, projected: {sources: []}}\n",
                format!("spec.volumes[3].projected: refused: {OTHER_VOLUME}"),
            ),
            (
                "    command: [sh, -c, 'echo hi > /work/x']\n",
                "    command: [sh, -c, 'echo hi > /work/x']\n    restartPolicy: Always\n",
                "spec.initContainers[0].restartPolicy: refused: sidecar init containers".to_string(),
            ),
            (
                "    - {name: host, mountPath: /host}\n",
                "    - {name: host, mountPath: /host, subPathExpr: $(POD)}\n",
                "spec.containers[0].volumeMounts[3].subPathExpr: not supported by dockjob yet".to_string(),
            ),
            (
                "      limits: {cpu: 500m, memory: 64Mi, nvidia.com/gpu: 1}\n",
                "      limits: {cpu: 500m, memory: 64Mi, ephemeral-storage: 1Gi}\n",
                "spec.containers[0].resources.limits.ephemeral-storage: not supported by dockjob yet".to_string(),
            ),
        ];
        for (from, to, want) in cases {
            assert!(FULL_POD.contains(from), "{from}");
            let err = decode(&FULL_POD.replace(from, to)).expect_err(to);
            assert!(err.to_string().contains(&want), "{to}: {err}");
        }
    }

    #[test]
    fn every_pod_spec_and_container_field_is_decided() {
        // v1 PodSpec and Container fields (k8s-openapi `latest`): each is in the table,
        // supported, warned or refused by name, except those listed as not yet done.
        let not_yet = [
            "activeDeadlineSeconds",
            "dnsConfig",
            "evictionResponders",
            "hostAliases",
            "hostnameOverride",
            "os",
            "overhead",
            "readinessGates",
            "resources",
            "setHostnameAsFQDN",
            "shareProcessNamespace",
        ];
        let pod_spec = [
            "activeDeadlineSeconds",
            "affinity",
            "automountServiceAccountToken",
            "containers",
            "dnsConfig",
            "dnsPolicy",
            "enableServiceLinks",
            "ephemeralContainers",
            "evictionResponders",
            "hostAliases",
            "hostIPC",
            "hostNetwork",
            "hostPID",
            "hostUsers",
            "hostname",
            "hostnameOverride",
            "imagePullSecrets",
            "initContainers",
            "nodeName",
            "nodeSelector",
            "os",
            "overhead",
            "preemptionPolicy",
            "priority",
            "priorityClassName",
            "readinessGates",
            "resourceClaims",
            "resources",
            "restartPolicy",
            "runtimeClassName",
            "schedulerName",
            "schedulingGates",
            "schedulingGroup",
            "securityContext",
            "serviceAccount",
            "serviceAccountName",
            "setHostnameAsFQDN",
            "shareProcessNamespace",
            "subdomain",
            "terminationGracePeriodSeconds",
            "tolerations",
            "topologySpreadConstraints",
            "volumes",
            "workloadRef",
        ];
        for f in pod_spec {
            let decided = support_of(Kind::Pod, &format!("spec.{f}")).is_some();
            assert_eq!(decided, !not_yet.contains(&f), "spec.{f}");
        }
        let container_not_yet = ["resizePolicy", "stdin", "stdinOnce", "tty"];
        let container = [
            "args",
            "command",
            "env",
            "envFrom",
            "image",
            "imagePullPolicy",
            "lifecycle",
            "livenessProbe",
            "name",
            "ports",
            "readinessProbe",
            "resizePolicy",
            "resources",
            "restartPolicy",
            "restartPolicyRules",
            "securityContext",
            "startupProbe",
            "stdin",
            "stdinOnce",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "tty",
            "volumeDevices",
            "volumeMounts",
            "workingDir",
        ];
        for f in container {
            for list in ["containers", "initContainers"] {
                let decided = support_of(Kind::Pod, &format!("spec.{list}[].{f}")).is_some();
                assert_eq!(decided, !container_not_yet.contains(&f), "{list}[].{f}");
            }
        }
        for kind in [Kind::Job, Kind::ReplicaSet] {
            assert!(
                support_of(
                    kind,
                    "spec.template.spec.initContainers[].env[].valueFrom.secretKeyRef.key"
                )
                .is_some()
            );
        }
        let service = [
            "allocateLoadBalancerNodePorts",
            "clusterIP",
            "clusterIPs",
            "externalIPs",
            "externalName",
            "externalTrafficPolicy",
            "healthCheckNodePort",
            "internalTrafficPolicy",
            "ipFamilies",
            "ipFamilyPolicy",
            "loadBalancerClass",
            "loadBalancerIP",
            "loadBalancerSourceRanges",
            "ports",
            "publishNotReadyAddresses",
            "selector",
            "sessionAffinity",
            "sessionAffinityConfig",
            "trafficDistribution",
            "type",
        ];
        for f in service {
            assert!(
                support_of(Kind::Service, &format!("spec.{f}")).is_some(),
                "spec.{f}"
            );
        }
        for f in [
            "appProtocol",
            "name",
            "nodePort",
            "port",
            "protocol",
            "targetPort",
        ] {
            assert!(
                support_of(Kind::Service, &format!("spec.ports[].{f}")).is_some(),
                "{f}"
            );
        }
        for f in ["replicas", "selector", "minReadySeconds", "template"] {
            assert!(
                support_of(Kind::ReplicaSet, &format!("spec.{f}")).is_some(),
                "{f}"
            );
        }
        for f in ["data", "binaryData", "immutable"] {
            assert!(support_of(Kind::ConfigMap, f).is_some(), "{f}");
        }
        for f in ["data", "stringData", "type", "immutable"] {
            assert!(support_of(Kind::Secret, f).is_some(), "{f}");
        }
    }

    #[test]
    fn path_normalization() {
        assert_eq!(
            normalize_path("metadata.labels[app]"),
            "metadata.labels.app"
        );
        assert_eq!(normalize_path("a.b[0].c"), "a.b[0].c");
        assert_eq!(normalize_path("a.?.b"), "a.b");
        assert_eq!(parent_path("a.b[0]").as_deref(), Some("a.b"));
        assert_eq!(parent_path("a"), None);
    }

    #[test]
    fn nesting_far_too_deep_is_refused_in_plain_words_without_recursing() {
        for text in [
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            format!("{}1{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
            (0..500).map(|i| format!("{}a:\n", " ".repeat(i))).collect(),
        ] {
            let err = decode(&text).expect_err("too deep").to_string();
            assert!(
                err.contains(&format!("nested more than {MAX_DEPTH} levels deep")),
                "{err}"
            );
        }
    }

    #[test]
    fn a_kind_in_the_wrong_case_gets_the_right_spelling() {
        let err =
            decode("apiVersion: batch/v1\nkind: cronjob\nmetadata: {name: a}\n").expect_err("kind");
        assert_eq!(
            err.to_string(),
            format!(
                "job.yaml:2:1: kind: \"cronjob\" (apiVersion \"batch/v1\") is not served by dockjob; did you mean kind \"CronJob\"? (apiVersion \"batch/v1\"); {SERVED}"
            )
        );
    }

    #[test]
    fn type_errors_speak_kubernetes_types_and_say_the_fix() {
        assert_eq!(
            plain_type_message("invalid value: integer `1099511627776`, expected i32"),
            "invalid value: integer `1099511627776`, expected an int32 (-2147483648 to 2147483647); the value is out of range"
        );
        assert_eq!(
            plain_type_message("invalid type: integer `5`, expected a string"),
            "invalid type: integer `5`, expected a string; quote the value to make it a string"
        );
        // Anything else is left as serde wrote it.
        assert_eq!(
            plain_type_message("missing field `containers`"),
            "missing field `containers`"
        );
    }
}
