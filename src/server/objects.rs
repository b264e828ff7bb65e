//! CRUD routes for one kind, on the Kubernetes paths:
//! `GET|POST {collection}`, `GET|PUT|DELETE {collection}/{name}`, and the
//! all-namespaces `GET` list, each with `labelSelector`, `fieldSelector` and `watch`.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
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

/// The query parameters Kubernetes list/watch/delete requests carry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub watch: Option<String>,
    pub resource_version: Option<String>,
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
            get(move |s: State<AppState>, q: Query<ListParams>| list(kind, s, None, q)),
        )
        .route(
            &collection,
            get(
                move |s: State<AppState>, Path(ns): Path<String>, q: Query<ListParams>| {
                    list(kind, s, Some(ns), q)
                },
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

    let (items, rv) = state
        .store
        .list_with_version(kind, filter.namespace.as_deref(), None)?;
    let items: Vec<Value> = items.into_iter().filter(|o| filter.matches(o)).collect();
    Ok(Json(list_object(kind, items, rv)).into_response())
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
    let stored = state.store.create(kind, admitted.object)?;
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
    let Some(old) = state.store.get(kind, &ns, &name)? else {
        return Err(ApiError::not_found(kind, &name));
    };
    let admitted = admission::admit_update(kind, &ns, &name, &old, &body)?;
    let stored = state.store.update(kind, admitted.object)?;
    Ok(with_warnings(
        Json(stored).into_response(),
        &admitted.warnings,
    ))
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
    if kind == Kind::Event {
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
