//! `?watch=true`: the Kubernetes watch protocol, one JSON object per line
//! (`{"type":"ADDED","object":{...}}`).
//!
//! Without a resourceVersion the stream starts with a synthetic ADDED for every existing
//! object, as Kubernetes does. The subscription is taken before the list, and events at
//! or below the list's resourceVersion are dropped, so nothing is missed or doubled.
//! A receiver that falls behind gets Kubernetes' 410 Gone `ERROR` event and the stream
//! ends; the client relists.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::objects::Filter;
use super::status::ApiError;
use crate::api::kinds::Kind;
use crate::store::Store;

fn line(type_: &str, object: &Value) -> Bytes {
    let mut s = json!({"type": type_, "object": object}).to_string();
    s.push('\n');
    Bytes::from(s)
}

/// The watch response for `kind` under `filter`, from `since` (exclusive) or from now
/// with the current objects first.
pub fn stream(store: Store, kind: Kind, filter: Filter, since: Option<u64>) -> Response {
    let rx = store.watch();
    let (initial, from_rv) = match since {
        Some(rv) => (Vec::new(), rv),
        None => match store.list_with_version(kind, filter.namespace.as_deref(), None) {
            Ok((items, rv)) => (
                items
                    .iter()
                    .filter(|o| filter.matches(o))
                    .map(|o| line("ADDED", o))
                    .collect(),
                rv,
            ),
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    let initial = futures::stream::iter(initial.into_iter().map(Ok::<Bytes, Infallible>));
    let live = BroadcastStream::new(rx)
        .take_while(|item| {
            futures::future::ready(!matches!(item, Err(BroadcastStreamRecvError::Lagged(_))))
        })
        .filter_map(move |item| {
            let filter = filter.clone();
            async move {
                let ev = item.ok()?;
                if ev.kind != kind || ev.resource_version <= from_rv || !filter.matches(&ev.object)
                {
                    return None;
                }
                Some(Ok::<Bytes, Infallible>(line(ev.type_.as_str(), &ev.object)))
            }
        });
    let gone = futures::stream::once(async {
        Ok::<Bytes, Infallible>(line(
            "ERROR",
            &ApiError::new(
                axum::http::StatusCode::GONE,
                "Expired",
                "too old resource version: the watch fell behind; list again",
            )
            .to_status(),
        ))
    });
    let body = Body::from_stream(initial.chain(live).chain(gone));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
