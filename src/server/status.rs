//! API errors as Kubernetes `Status` objects, so kubectl-style clients get the reason,
//! the code and the message they expect (`jobs.batch "x" not found`, 404).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::kinds::Kind;
use crate::api::validate::FieldError;
use crate::store::StoreError;

/// An error answer from the API: HTTP code, Kubernetes reason and message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: StatusCode,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message)
    }

    /// Kubernetes' `NewInternalError`: 500, reason InternalError, the message prefixed
    /// `Internal error occurred: ` and repeated as the one cause. Storage failures (a
    /// full or read-only disk) are answered this way, as the API server answers its
    /// storage's.
    pub fn internal_error(err: impl std::fmt::Display) -> Self {
        let cause = err.to_string();
        let mut e = Self::internal(format!("Internal error occurred: {cause}"));
        e.details = Some(json!({"causes": [{"message": cause}]}));
        e
    }

    pub fn not_found(kind: Kind, name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{} \"{name}\" not found", kind.resource()),
        )
        .with_details(kind, name)
    }

    /// `errors.NewInvalid`: 422 with details naming the object by its Kind (`Job`, not
    /// the resource) and one cause per field error (`reason`, `message`, `field`), from
    /// which kubectl prints `The Job "x" is invalid: ...`.
    pub fn invalid(kind: Kind, name: &str, message: String, causes: &[FieldError]) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", message);
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| {
                // `Path.String()` of the root path is `[]` (see FieldError's Display).
                let field = if c.path.is_empty() { "[]" } else { &c.path };
                json!({"reason": c.reason(), "message": c.body(), "field": field})
            })
            .collect();
        e.details = Some(json!({
            "name": name,
            "group": kind.group(),
            "kind": kind.kind(),
            "causes": causes,
        }));
        e
    }

    pub fn with_details(mut self, kind: Kind, name: &str) -> Self {
        self.details = Some(json!({"name": name, "group": kind.group(), "kind": kind.plural()}));
        self
    }

    /// The `Status` object Kubernetes returns for this error.
    pub fn to_status(&self) -> Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code.as_u16(),
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.code, Json(self.to_status())).into_response()
    }
}

/// The API server's answer to a body over its limit (`limitedReadBody` in
/// k8s.io/apiserver: `NewRequestEntityTooLargeError("limit is N")`).
pub fn entity_too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("Request entity too large: limit is {limit}"),
    )
}

/// Response middleware: axum's body-limit rejection (a plain-text 413) becomes the
/// `Status` Kubernetes clients expect.
pub async fn status_for_too_large(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return entity_too_large(crate::api::decode::MAX_REQUEST_BYTES).into_response();
    }
    response
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "NotFound", message)
            }
            StoreError::AlreadyExists { .. } => {
                ApiError::new(StatusCode::CONFLICT, "AlreadyExists", message)
            }
            StoreError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, "Conflict", message),
            StoreError::Invalid(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", message)
            }
            _ => ApiError::internal_error(message),
        }
    }
}
