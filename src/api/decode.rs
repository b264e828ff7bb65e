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

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{self, Event, Parser, ScalarStyle, ScanError};

use super::kinds::Kind;

/// Largest manifest source read at once. Far above any real manifest (the API server
/// refuses objects over 3 MiB), low enough that a stray binary file fails fast.
pub const MAX_MANIFEST_BYTES: usize = 32 << 20;
/// Deepest nesting accepted. Kubernetes objects nest about 15 levels; the limit keeps
/// recursion (here and in serde) far from the stack's end.
pub const MAX_DEPTH: usize = 64;
/// Most YAML nodes accepted per source, counting each alias expansion: stops "billion
/// laughs" documents before they eat the memory.
pub const MAX_NODES: usize = 1_000_000;

/// What dockjob serves, for error messages.
const SERVED: &str = "dockjob serves apiVersion \"batch/v1\" kind \"Job\", apiVersion \"batch/v1\" kind \"CronJob\" and apiVersion \"v1\" kind \"Pod\"";

/// The kinds a manifest may hold (events are written by the engine only).
const SERVED_KINDS: [Kind; 3] = [Kind::Job, Kind::CronJob, Kind::Pod];

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
}

impl Object {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Job(_) => Kind::Job,
            Object::CronJob(_) => Kind::CronJob,
            Object::Pod(_) => Kind::Pod,
        }
    }

    /// The object's metadata.
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::Job(j) => &j.metadata,
            Object::CronJob(c) => &c.metadata,
            Object::Pod(p) => &p.metadata,
        }
    }

    /// The object's metadata, to fill in a namespace or a generated name.
    pub fn meta_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Job(j) => &mut j.metadata,
            Object::CronJob(c) => &mut c.metadata,
            Object::Pod(p) => &mut p.metadata,
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
        };
        v.unwrap_or(Value::Null)
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
        } else {
            info
        },
    }
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
                    "{path}: duplicate key {key:?}: already defined at line {}",
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
        && matches!(k.as_str(), "List" | "JobList" | "CronJobList" | "PodList")
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
                None => Err(field_error(
                    file,
                    kind_pos,
                    "kind",
                    format!(
                        "{kind:?} (apiVersion {api_version:?}) is not served by dockjob; {SERVED}"
                    ),
                )),
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
            e.inner().to_string(),
        )
    };
    let (object, round_trip) = match kind {
        Kind::Job => {
            let job: Job = serde_path_to_error::deserialize(value.clone()).map_err(type_error)?;
            let rt = serde_json::to_value(&job).unwrap_or(Value::Null);
            (Object::Job(Box::new(job)), rt)
        }
        Kind::CronJob => {
            let cj: CronJob =
                serde_path_to_error::deserialize(value.clone()).map_err(type_error)?;
            let rt = serde_json::to_value(&cj).unwrap_or(Value::Null);
            (Object::CronJob(Box::new(cj)), rt)
        }
        _ => {
            let pod: Pod = serde_path_to_error::deserialize(value.clone()).map_err(type_error)?;
            let rt = serde_json::to_value(&pod).unwrap_or(Value::Null);
            (Object::Pod(Box::new(pod)), rt)
        }
    };

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

/// Fields of a pod spec (`spec.template.spec` of a Job, `spec` of a Pod), relative to
/// it. `[]` stands for any list index.
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
    ("containers[].resources", Support::Yes),
    ("containers[].resources.limits", Support::Yes),
    ("containers[].resources.limits.cpu", Support::Yes),
    ("containers[].resources.limits.memory", Support::Yes),
    ("containers[].resources.requests", Support::Yes),
    ("containers[].resources.requests.cpu", Support::Yes),
    ("containers[].resources.requests.memory", Support::Yes),
    (
        "containers[].terminationMessagePath",
        Support::DefaultOnly(&[Lit::Str("/dev/termination-log")]),
    ),
    (
        "containers[].terminationMessagePolicy",
        Support::DefaultOnly(&[Lit::Str("File")]),
    ),
    (
        "containers[].ports",
        Support::Ignored(
            "container ports are accepted but have no effect in dockjob (nothing routes to pods yet)",
        ),
    ),
    ("restartPolicy", Support::Yes),
    ("terminationGracePeriodSeconds", Support::Yes),
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

/// Looks a normalized path (`[]` for indexes) up in the tables for `kind`.
fn support_of(kind: Kind, norm: &str) -> Option<Support> {
    let find = |table: &[(&str, Support)], p: &str| {
        table.iter().find(|(path, _)| *path == p).map(|(_, s)| *s)
    };
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
    let (object_table, pod_spec) = match kind {
        Kind::Job => (JOB_FIELDS, "spec.template.spec"),
        _ => (POD_FIELDS, "spec"),
    };
    if let Some(rest) = norm
        .strip_prefix(pod_spec)
        .and_then(|r| r.strip_prefix('.'))
    {
        return find(POD_SPEC_FIELDS, rest);
    }
    let meta_prefixes: &[&str] = match kind {
        Kind::Job => &["metadata.", "spec.template.metadata."],
        _ => &["metadata."],
    };
    for meta in meta_prefixes {
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
                if !is_empty(v) {
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
        assert_eq!(
            m.warnings,
            [
                "job.yaml:22:9: spec.template.spec.containers[0].ports: container ports are accepted but have no effect in dockjob (nothing routes to pods yet)"
            ]
        );
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
            "      restartPolicy: OnFailure\n      nodeName: n1\n",
        );
        let err = decode(&text).expect_err("unsupported");
        assert_eq!(
            err.to_string(),
            "job.yaml:22:7: spec.template.spec.nodeName: not supported by dockjob yet"
        );
        let text = SEED_ONESHOT.replace(
            "      restartPolicy: OnFailure\n",
            "      restartPolicy: OnFailure\n      dnsPolicy: None\n      hostNetwork: true\n      volumes: []\n",
        )
        .replace(
            "        imagePullPolicy: Always\n",
            "        imagePullPolicy: Always\n        env:\n        - name: A\n          valueFrom: {fieldRef: {fieldPath: metadata.name}}\n",
        );
        let err = decode(&text).expect_err("unsupported");
        assert_eq!(
            err.to_string(),
            "job.yaml:19:11: spec.template.spec.containers[0].env[0].valueFrom: not supported by dockjob yet\n\
             job.yaml:25:7: spec.template.spec.dnsPolicy: not supported by dockjob yet (only the default \"ClusterFirst\" is)\n\
             job.yaml:26:7: spec.template.spec.hostNetwork: not supported by dockjob yet"
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
            "job.yaml:8:16: spec.parallelism: invalid type: string \"two\", expected i32"
        );
        // go-yaml v2 reads `yes` as a boolean, so an env value `yes` fails as in kubectl.
        let text = SEED_ONESHOT.replace(
            "        imagePullPolicy: Always\n",
            "        imagePullPolicy: Always\n        env:\n        - name: A\n          value: yes\n",
        );
        let err = decode(&text).expect_err("type");
        assert_eq!(
            err.to_string(),
            "job.yaml:19:18: spec.template.spec.containers[0].env[0].value: invalid type: boolean `true`, expected a string"
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
            "job.yaml:17:9: spec.template.spec.containers[0].image: duplicate key \"image\": already defined at line 15"
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
            "job.yaml:2:1: kind: \"Deployment\" (apiVersion \"apps/v1\") is not served by dockjob; dockjob serves apiVersion \"batch/v1\" kind \"Job\", apiVersion \"batch/v1\" kind \"CronJob\" and apiVersion \"v1\" kind \"Pod\""
        );
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
        let err = decode(&text).expect_err("nodeName");
        assert_eq!(
            err.to_string(),
            "job.yaml:27:11: spec.jobTemplate.spec.template.spec.nodeName: not supported by dockjob yet"
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
}
