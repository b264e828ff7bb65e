//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`: a container's output, from Docker,
//! optionally followed, as the kubelet serves it.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;

use super::AppState;
use super::status::ApiError;
use crate::api::kinds::Kind;

#[derive(Debug, Default, Deserialize)]
pub struct LogParams {
    pub follow: Option<String>,
    pub container: Option<String>,
}

pub async fn pod_logs(
    State(state): State<AppState>,
    Path((ns, name)): Path<(String, String)>,
    Query(params): Query<LogParams>,
) -> Result<Response, ApiError> {
    let Some(value) = state.store.get(Kind::Pod, &ns, &name)? else {
        return Err(ApiError::not_found(Kind::Pod, &name));
    };
    let pod: Pod = serde_json::from_value(value)
        .map_err(|e| ApiError::internal(format!("stored pod {ns}/{name} is unreadable: {e}")))?;
    let follow = matches!(params.follow.as_deref(), Some("true") | Some("1"));
    let stream = state
        .runtime
        .logs(&pod, params.container.as_deref(), follow)
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let body = Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other)));
    Ok(([(header::CONTENT_TYPE, "text/plain")], body).into_response())
}
