//! CRUD routes for one kind, on the Kubernetes paths:
//! `GET|POST {collection}`, `GET|PUT|DELETE {collection}/{name}`, and the
//! all-namespaces `GET` list, each with `labelSelector`, `fieldSelector` and `watch`.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::admission;
use super::status::ApiError;
use super::watch;
use crate::api::kinds::Kind;
use crate::api::selector::Selector;
use crate::api::table::{IncludeObject, TABLE_MEDIA_TYPE};

/// The query parameters Kubernetes list/watch/delete requests carry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub watch: Option<String>,
    pub resource_version: Option<String>,
    /// A Table's rows' objects (`None`, `Metadata`, `Object`; see `api::table`).
    pub include_object: Option<String>,
}

impl ListParams {
    fn is_watch(&self) -> bool {
        matches!(self.watch.as_deref(), Some("true") | Some("1"))
    }
}

/// A parsed `fieldSelector`: only equality on the few fields clients use here
/// (`metadata.name`, `metadata.namespace`, `involvedObject.*`, `status.phase`).
#[derive(Debug, Default, Clone)]
pub struct FieldSelector(Vec<(String, String, bool)>);

impl FieldSelector {
    /// Whether the selector has no terms (matches everything).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields the selector's terms are about.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(key, _, _)| key.as_str())
    }

    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (key, value, eq) = if let Some((k, v)) = term.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = term.split_once("==") {
                (k, v, true)
            } else if let Some((k, v)) = term.split_once('=') {
                (k, v, true)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{s}'; can't understand '{term}'"
                )));
            };
            out.push((key.trim().to_string(), value.trim().to_string(), eq));
        }
        Ok(FieldSelector(out))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(key, value, eq)| {
            let mut cur = obj;
            for part in key.split('.') {
                cur = cur.get(part).unwrap_or(&Value::Null);
            }
            let actual = match cur {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (actual == *value) == *eq
        })
    }
}

/// Label and field filters of one request.
#[derive(Clone)]
pub struct Filter {
    pub namespace: Option<String>,
    pub labels: Option<Selector>,
    pub fields: FieldSelector,
}

impl Filter {
    pub fn from_params(namespace: Option<String>, p: &ListParams) -> Result<Self, ApiError> {
        let labels =
            match p.label_selector.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(s) => Some(s.parse::<Selector>().map_err(|e| {
                    ApiError::bad_request(format!("unable to parse requirement: {e}"))
                })?),
                None => None,
            };
        let fields = match p.field_selector.as_deref() {
            Some(s) => FieldSelector::parse(s)?,
            None => FieldSelector::default(),
        };
        Ok(Filter {
            namespace,
            labels,
            fields,
        })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        if let Some(ns) = &self.namespace
            && obj["metadata"]["namespace"].as_str() != Some(ns.as_str())
        {
            return false;
        }
        if let Some(sel) = &self.labels {
            let labels: BTreeMap<String, String> =
                serde_json::from_value(obj["metadata"]["labels"].clone()).unwrap_or_default();
            if !sel.matches(&labels) {
                return false;
            }
        }
        self.fields.matches(obj)
    }
}

/// The routes of one kind.
pub fn routes(kind: Kind) -> Router<AppState> {
    let collection = kind.collection_path(Some("{ns}"));
    let object = format!("{collection}/{{name}}");
    Router::new()
        .route(
            &kind.collection_path(None),
            get(
                move |s: State<AppState>, h: HeaderMap, q: Query<ListParams>| {
                    list(kind, s, h, None, q)
                },
            ),
        )
        .route(
            &collection,
            get(
                move |s: State<AppState>,
                      Path(ns): Path<String>,
                      h: HeaderMap,
                      q: Query<ListParams>| { list(kind, s, h, Some(ns), q) },
            )
            .post(
                move |s: State<AppState>, Path(ns): Path<String>, body: Bytes| {
                    create(kind, s, ns, body)
                },
            ),
        )
        .route(
            &object,
            get(
                move |s: State<AppState>, Path((ns, name)): Path<(String, String)>| {
                    get_one(kind, s, ns, name)
                },
            )
            .put(
                move |s: State<AppState>, Path((ns, name)): Path<(String, String)>, body: Bytes| {
                    replace(kind, s, ns, name, body)
                },
            )
            .delete(
                move |s: State<AppState>, Path((ns, name)): Path<(String, String)>| {
                    delete(kind, s, ns, name)
                },
            ),
        )
}

fn list_object(kind: Kind, items: Vec<Value>, rv: u64) -> Value {
    json!({
        "kind": format!("{}List", kind.kind()),
        "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": items,
    })
}

async fn list(
    kind: Kind,
    State(state): State<AppState>,
    headers: HeaderMap,
    ns: Option<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let filter = Filter::from_params(ns, &params)?;
    if params.is_watch() {
        let since = params
            .resource_version
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|rv| *rv > 0);
        return Ok(watch::stream(state.store.clone(), kind, filter, since));
    }
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if crate::api::table::accepts_table(accept) {
        let include = IncludeObject::parse(params.include_object.as_deref())
            .map_err(ApiError::bad_request)?;
        // Rows with whole objects are the plain list's objects: the list is served (the
        // Accept header's last choice), as for a kind without a table.
        if include != IncludeObject::Object
            && let Some(text) =
                state
                    .tables
                    .list(&state.store, kind, &filter, include, jiff::Timestamp::now())?
        {
            return Ok(text_response(TABLE_MEDIA_TYPE, text));
        }
    }

    if filter.fields.is_empty() {
        // Namespace and labels are the store's columns: the stored bodies go into the
        // answer as they are, never decoded and re-encoded.
        let labels = filter.labels.as_ref();
        let matches = |l: &BTreeMap<String, String>| labels.is_none_or(|sel| sel.matches(l));
        let (items, rv) = state.store.list_raw(
            kind,
            filter.namespace.as_deref(),
            labels.map(|_| &matches as crate::store::LabelFilter<'_>),
        )?;
        return Ok(raw_list_response(kind, &items, rv));
    }
    let (items, rv) = state
        .store
        .list_with_version(kind, filter.namespace.as_deref(), None)?;
    let items: Vec<Value> = items.into_iter().filter(|o| filter.matches(o)).collect();
    Ok(Json(list_object(kind, items, rv)).into_response())
}

/// The `{Kind}List` of `items` (each one object's JSON text) as [`list_object`] writes
/// it, built by concatenation.
fn raw_list_text(kind: Kind, items: &[String], rv: u64) -> String {
    let head = json!({
        "kind": format!("{}List", kind.kind()),
        "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
    })
    .to_string();
    let len: usize = items.iter().map(|i| i.len() + 1).sum();
    let mut text = String::with_capacity(head.len() + len + 16);
    // `head` is a JSON object: drop its closing brace and append the items.
    text.push_str(&head[..head.len() - 1]);
    text.push_str(",\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(item);
    }
    text.push_str("]}");
    text
}

fn raw_list_response(kind: Kind, items: &[String], rv: u64) -> Response {
    json_text_response(raw_list_text(kind, items, rv))
}

/// A 200 answer whose body is JSON text made by hand.
fn json_text_response(text: String) -> Response {
    text_response("application/json", text)
}

fn text_response(media_type: &'static str, text: String) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(media_type),
        )],
        text,
    )
        .into_response()
}

async fn get_one(
    kind: Kind,
    State(state): State<AppState>,
    ns: String,
    name: String,
) -> Result<Json<Value>, ApiError> {
    match state.store.get(kind, &ns, &name)? {
        Some(v) => Ok(Json(v)),
        None => Err(ApiError::not_found(kind, &name)),
    }
}

/// Kubernetes returns admission warnings in `Warning: 299 - "..."` headers.
fn with_warnings(mut resp: Response, warnings: &[String]) -> Response {
    for w in warnings {
        let text = format!("299 - \"{}\"", w.replace('"', "'"));
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().append("warning", v);
        }
    }
    resp
}

async fn create(
    kind: Kind,
    State(state): State<AppState>,
    ns: String,
    body: Bytes,
) -> Result<Response, ApiError> {
    let admitted = admission::admit_create(kind, &ns, &body)?;
    let name = admitted.object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let stored = state
        .store
        .create(kind, admitted.object)
        .map_err(|e| store_error(kind, &name, e))?;
    Ok(with_warnings(
        (StatusCode::CREATED, Json(stored)).into_response(),
        &admitted.warnings,
    ))
}

async fn replace(
    kind: Kind,
    State(state): State<AppState>,
    ns: String,
    name: String,
    body: Bytes,
) -> Result<Response, ApiError> {
    let conditional = names_resource_version(&body);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let Some(old) = state.store.get(kind, &ns, &name)? else {
            return Err(ApiError::not_found(kind, &name));
        };
        let admitted = admission::admit_update(kind, &ns, &name, &old, &body)?;
        match state.store.update(kind, admitted.object) {
            Ok(stored) => {
                return Ok(with_warnings(
                    Json(stored).into_response(),
                    &admitted.warnings,
                ));
            }
            // No resourceVersion given: an unconditional update, which the API server
            // retries against the latest object (GuaranteedUpdate) instead of failing
            // because someone wrote between our read and our write.
            Err(e) if e.is_conflict() && !conditional && attempts < UNCONDITIONAL_ATTEMPTS => {}
            Err(e) => return Err(store_error(kind, &name, e)),
        }
    }
}

/// How often an unconditional PUT is retried after losing a race to another writer.
const UNCONDITIONAL_ATTEMPTS: usize = 5;

/// True when the PUT body carries a non-empty `metadata.resourceVersion`: the update
/// then applies only to that version (optimistic concurrency), else 409 Conflict.
fn names_resource_version(body: &[u8]) -> bool {
    // A body that does not decode fails admission anyway, so "not conditional" is a
    // safe answer for it.
    crate::api::decode::decode_manifests("request body", body)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .and_then(|doc| doc.object.meta().resource_version.clone())
        .is_some_and(|rv| !rv.is_empty())
}

/// A store error as the API server words it, with the object's `details` (name, group
/// and resource) that clients read for NotFound, AlreadyExists and Conflict.
fn store_error(kind: Kind, name: &str, e: crate::store::StoreError) -> ApiError {
    let keyed = e.is_not_found()
        || e.is_conflict()
        || matches!(e, crate::store::StoreError::AlreadyExists { .. });
    let err = ApiError::from(e);
    if keyed {
        err.with_details(kind, name)
    } else {
        err
    }
}

/// Marks the object for deletion and returns it, as Kubernetes does for an object with
/// finalizers: the engine's garbage collector stops and removes what the object made,
/// then removes the object. Clients wait for the 404 (kubectl's `--wait`).
async fn delete(
    kind: Kind,
    State(state): State<AppState>,
    ns: String,
    name: String,
) -> Result<Response, ApiError> {
    // Objects nothing owns or cleans up after (no containers, no dependents the engine
    // removes) go at once, as they do in Kubernetes without finalizers; the rest are
    // marked and finished by the engine's garbage collector.
    if matches!(kind, Kind::Event | Kind::ConfigMap | Kind::Secret) {
        return match state.store.delete(kind, &ns, &name)? {
            Some(v) => Ok(Json(v).into_response()),
            None => Err(ApiError::not_found(kind, &name)),
        };
    }
    let now = crate::api::time::now_rfc3339();
    match state.store.mark_deleted(kind, &ns, &name, &now, None)? {
        Some(v) => Ok((StatusCode::OK, Json(v)).into_response()),
        None => Err(ApiError::not_found(kind, &name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n";

    #[test]
    fn a_raw_list_is_the_list_object_as_json() {
        let items = [
            json!({"metadata": {"name": "a"}}),
            json!({"metadata": {"name": "b"}}),
        ];
        let text: Vec<String> = items.iter().map(Value::to_string).collect();
        let raw: Value = serde_json::from_str(&raw_list_text(Kind::Pod, &text, 7)).unwrap();
        assert_eq!(raw, list_object(Kind::Pod, items.to_vec(), 7));
        let empty: Value = serde_json::from_str(&raw_list_text(Kind::Job, &[], 3)).unwrap();
        assert_eq!(empty, list_object(Kind::Job, Vec::new(), 3));
        assert_eq!(empty["items"], json!([]));
    }

    #[test]
    fn a_put_is_conditional_only_when_it_names_a_resource_version() {
        assert!(!names_resource_version(JOB.as_bytes()));
        let with_rv = format!("{JOB}  resourceVersion: \"12\"\n");
        assert!(names_resource_version(with_rv.as_bytes()));
        let empty_rv = format!("{JOB}  resourceVersion: \"\"\n");
        assert!(!names_resource_version(empty_rv.as_bytes()));
        let json = r#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"x","resourceVersion":"3"}}"#;
        assert!(names_resource_version(json.as_bytes()));
        assert!(!names_resource_version(b"\xff\xfe not a manifest"));
    }

    #[test]
    fn store_errors_carry_the_objects_details_as_the_api_server_sends_them() {
        let conflict = store_error(
            Kind::Job,
            "x",
            crate::store::StoreError::Conflict {
                kind: Kind::Job,
                namespace: "default".into(),
                name: "x".into(),
            },
        );
        assert_eq!(conflict.code, StatusCode::CONFLICT);
        assert_eq!(
            conflict.to_status(),
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "Operation cannot be fulfilled on jobs.batch \"x\": the object has been modified; please apply your changes to the latest version and try again",
                "reason": "Conflict", "code": 409,
                "details": {"name": "x", "group": "batch", "kind": "jobs"}
            })
        );
        let disk = store_error(
            Kind::Job,
            "x",
            crate::store::StoreError::Io {
                context: "writing".into(),
                source: std::io::Error::other("disk full"),
            },
        );
        assert_eq!(disk.code, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(disk.reason, "InternalError");
        assert_eq!(
            disk.message,
            "Internal error occurred: store: writing: disk full"
        );
        assert_eq!(
            disk.to_status()["details"],
            json!({"causes": [{"message": "store: writing: disk full"}]})
        );
    }
}
