//! The store's error type. Messages that Kubernetes defines (not found, already exists,
//! conflict, invalid) are worded exactly as the API server words them, so the server can
//! pass them through as `Status.message` unchanged.
//!
//! Must not know about HTTP: the server maps variants to status codes.

use crate::api::kinds::Kind;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist (HTTP 404, reason NotFound).
    #[error("{} \"{name}\" not found", kind.resource())]
    NotFound {
        kind: Kind,
        namespace: String,
        name: String,
    },

    /// An object with this kind, namespace and name exists already (HTTP 409, reason
    /// AlreadyExists).
    #[error("{} \"{name}\" already exists", kind.resource())]
    AlreadyExists {
        kind: Kind,
        namespace: String,
        name: String,
    },

    /// The caller's `metadata.resourceVersion` is stale: someone else wrote the object
    /// since the caller read it (HTTP 409, reason Conflict). Re-read and retry.
    #[error(
        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
         please apply your changes to the latest version and try again",
        kind.resource()
    )]
    Conflict {
        kind: Kind,
        namespace: String,
        name: String,
    },

    /// The object cannot be stored as given (missing name, immutable field changed, not
    /// a JSON object). The message is complete, in Kubernetes' words where it has them
    /// (`Job.batch "x" is invalid: metadata.uid: Invalid value: "y": field is immutable`).
    #[error("{0}")]
    Invalid(String),

    /// SQLite failed. `context` says what the store was doing; disk-full and read-only
    /// failures get a hint, because those are the ones an operator can fix.
    #[error("store: {context}: {source}{}", sqlite_hint(source))]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },

    /// A file-system operation on the data directory failed.
    #[error("store: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// A stored body is not valid JSON, or does not convert to the requested typed
    /// object (typed helpers such as `get_as`).
    #[error("store: {context}: {source}")]
    Json {
        context: String,
        #[source]
        source: serde_json::Error,
    },

    /// The database was written by a newer dockjob whose schema this build does not know.
    #[error(
        "store: the database has schema version {found}, but this dockjob knows only up to \
         {supported}; upgrade dockjob or use another data directory"
    )]
    UnsupportedSchema { found: i64, supported: i64 },
}

impl StoreError {
    /// Wraps a SQLite error with what the store was doing.
    pub(crate) fn sqlite(context: impl Into<String>, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            context: context.into(),
            source,
        }
    }

    /// Like [`StoreError::sqlite`], naming the database file when the failure is the
    /// disk's (full, read-only, failing), so the operator knows where to make room.
    pub(crate) fn sqlite_at(
        context: impl Into<String>,
        path: &std::path::Path,
        source: rusqlite::Error,
    ) -> StoreError {
        let context = context.into();
        let context = if is_disk_failure(&source) {
            format!("{context} in {}", path.display())
        } else {
            context
        };
        StoreError::Sqlite { context, source }
    }

    /// True when SQLite failed because of the disk (full, read-only or an I/O error),
    /// not because of the request: the write may succeed once the disk is fixed.
    pub fn is_disk_failure(&self) -> bool {
        matches!(self, StoreError::Sqlite { source, .. } if is_disk_failure(source))
    }

    /// `Job.batch "x" is invalid: <details>`, the way Kubernetes' `NewInvalid` words it.
    pub(crate) fn invalid(kind: Kind, name: &str, details: &str) -> StoreError {
        StoreError::Invalid(format!(
            "{} \"{name}\" is invalid: {details}",
            qualified_kind(kind)
        ))
    }

    /// True for NotFound, so callers can branch without matching every field.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound { .. })
    }

    /// True for Conflict: the caller should re-read and retry.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// `Job.batch` / `Pod`: Kubernetes' GroupKind string, used in `is invalid` messages.
fn qualified_kind(kind: Kind) -> String {
    if kind.group().is_empty() {
        kind.kind().to_string()
    } else {
        format!("{}.{}", kind.kind(), kind.group())
    }
}

fn is_disk_failure(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DiskFull)
            | Some(rusqlite::ErrorCode::ReadOnly)
            | Some(rusqlite::ErrorCode::SystemIoFailure)
    )
}

/// An operator-facing hint for the SQLite failures that are about the machine, not
/// about dockjob.
fn sqlite_hint(err: &rusqlite::Error) -> &'static str {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => {
            " (the disk holding the data directory is full; free space and retry; \
             nothing was written)"
        }
        Some(rusqlite::ErrorCode::ReadOnly) => {
            " (the database is read-only; check the data directory's permissions and that \
             its file system is mounted read-write)"
        }
        Some(rusqlite::ErrorCode::SystemIoFailure) => {
            " (the disk holding the data directory failed a write: it may be full, \
             read-only or failing; nothing was written)"
        }
        Some(rusqlite::ErrorCode::CannotOpen) | Some(rusqlite::ErrorCode::PermissionDenied) => {
            " (check that the data directory exists and is writable by this user)"
        }
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            " (another process holds the database; is a second engine running on this data \
             directory?)"
        }
        Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase) => {
            " (the database file is damaged; restore it from a backup or move it away)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_kubernetes() {
        let nf = StoreError::NotFound {
            kind: Kind::Job,
            namespace: "default".into(),
            name: "x".into(),
        };
        assert_eq!(nf.to_string(), r#"jobs.batch "x" not found"#);
        assert!(nf.is_not_found());
        let ae = StoreError::AlreadyExists {
            kind: Kind::Pod,
            namespace: "default".into(),
            name: "p".into(),
        };
        assert_eq!(ae.to_string(), r#"pods "p" already exists"#);
        let c = StoreError::Conflict {
            kind: Kind::Job,
            namespace: "default".into(),
            name: "x".into(),
        };
        assert!(c.is_conflict());
        assert_eq!(
            c.to_string(),
            r#"Operation cannot be fulfilled on jobs.batch "x": the object has been modified; please apply your changes to the latest version and try again"#
        );
        assert_eq!(
            StoreError::invalid(Kind::Job, "", "metadata.name: Required value").to_string(),
            r#"Job.batch "" is invalid: metadata.name: Required value"#
        );
        assert_eq!(
            StoreError::invalid(Kind::Pod, "p", "d").to_string(),
            r#"Pod "p" is invalid: d"#
        );
    }
}
