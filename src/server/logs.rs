//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`: a container's output, from Docker,
//! optionally followed, as the kubelet serves it.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;

use jiff::{SignedDuration, Timestamp};

use super::AppState;
use super::status::ApiError;
use crate::api::kinds::Kind;
use crate::runtime::logs::{self, LogRequest};

/// The query of the Kubernetes log API (`PodLogOptions`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogParams {
    pub follow: Option<String>,
    pub container: Option<String>,
    pub previous: Option<String>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<String>,
    pub timestamps: Option<String>,
    pub tail_lines: Option<i64>,
    pub limit_bytes: Option<i64>,
}

fn flag(v: Option<&str>) -> bool {
    matches!(v, Some("true" | "1"))
}

/// The runtime's request from the query, with the API server's validation messages.
/// `previous` is resolved by the caller (it needs the pod).
fn to_request(params: &LogParams, now: Timestamp) -> Result<LogRequest, String> {
    if params.since_seconds.is_some() && params.since_time.is_some() {
        return Err("at most one of `sinceTime` or `sinceSeconds` may be specified".into());
    }
    let since = match (params.since_seconds, params.since_time.as_deref()) {
        (Some(s), _) if s < 1 => {
            return Err("sinceSeconds: Invalid value: must be greater than 0".into());
        }
        (Some(s), _) => Some(
            now.checked_sub(SignedDuration::from_secs(s))
                .unwrap_or(Timestamp::MIN),
        ),
        (None, Some(t)) => Some(
            t.parse::<Timestamp>()
                .map_err(|e| format!("sinceTime: Invalid value: \"{t}\": {e}"))?,
        ),
        (None, None) => None,
    };
    let tail_lines = match params.tail_lines {
        Some(n) if n < 0 => {
            return Err("tailLines: Invalid value: must be greater than or equal to 0".into());
        }
        Some(n) => Some(n as u64),
        None => None,
    };
    let limit_bytes = match params.limit_bytes {
        Some(n) if n < 1 => return Err("limitBytes: Invalid value: must be greater than 0".into()),
        Some(n) => Some(n as u64),
        None => None,
    };
    Ok(LogRequest {
        container: params.container.clone(),
        follow: flag(params.follow.as_deref()),
        previous: None,
        since,
        timestamps: flag(params.timestamps.as_deref()),
        tail_lines,
        limit_bytes,
    })
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
    let mut request = to_request(&params, Timestamp::now()).map_err(ApiError::bad_request)?;
    if flag(params.previous.as_deref()) {
        let container = logs::container_name(&pod, params.container.as_deref()).unwrap_or("");
        request.previous =
            Some(logs::previous_run(&pod, container).map_err(ApiError::bad_request)?);
    }
    let stream = state
        .runtime
        .logs_with(&pod, &request)
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let body = Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other)));
    Ok(([(header::CONTENT_TYPE, "text/plain")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> LogParams {
        let uri: axum::http::Uri = format!("/x?{q}").parse().unwrap();
        Query::<LogParams>::try_from_uri(&uri).unwrap().0
    }

    #[test]
    fn query_to_request() {
        let now: Timestamp = "2026-01-01T00:01:00Z".parse().unwrap();
        let r = to_request(
            &params("container=c&follow=true&sinceSeconds=10&timestamps=true&tailLines=3&limitBytes=100"),
            now,
        )
        .unwrap();
        assert_eq!(r.container.as_deref(), Some("c"));
        assert!(r.follow && r.timestamps);
        assert_eq!(r.since, Some("2026-01-01T00:00:50Z".parse().unwrap()));
        assert_eq!((r.tail_lines, r.limit_bytes), (Some(3), Some(100)));
        let r = to_request(&params("sinceTime=2026-01-01T00:00:10Z"), now).unwrap();
        assert_eq!(r.since, Some("2026-01-01T00:00:10Z".parse().unwrap()));
        assert_eq!(
            to_request(
                &params("sinceTime=2026-01-01T00:00:10Z&sinceSeconds=3"),
                now
            )
            .unwrap_err(),
            "at most one of `sinceTime` or `sinceSeconds` may be specified"
        );
        assert!(to_request(&params("tailLines=-1"), now).is_err());
    }
}
