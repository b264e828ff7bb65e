//! Bearer-token authentication for the TCP listener: the token file's checks at start,
//! the constant-time comparison, and the middleware that answers 401 with Kubernetes'
//! `Unauthorized` Status to any request without the right token.
//!
//! The Unix socket needs none of this (its file mode decides who connects); this module
//! must not be layered on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Why the token file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read the token file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the token file {path} is readable by group or others (mode {mode:04o}); run `chmod 600 {path}`"
    )]
    Readable { path: PathBuf, mode: u32 },
    #[error("the token file {path} is empty; put the token on its first line")]
    Empty { path: PathBuf },
    #[error(
        "the token in {path} holds whitespace or control characters; a bearer token is one word"
    )]
    Malformed { path: PathBuf },
}

/// The secret every TCP request must carry.
#[derive(Clone)]
pub struct Token(Arc<Vec<u8>>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// Reads the token (first line, surrounding whitespace trimmed). A file group or
    /// others can read is refused, as ssh refuses such keys: anyone who can read it can
    /// run containers on this host.
    pub fn load(path: &Path) -> Result<Token, TokenError> {
        use std::os::unix::fs::PermissionsExt;
        let read = |source| TokenError::Read {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read)?;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(TokenError::Readable {
                path: path.to_path_buf(),
                mode,
            });
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        Token::parse(&text).map_err(|e| match e {
            ParseError::Empty => TokenError::Empty {
                path: path.to_path_buf(),
            },
            ParseError::Malformed => TokenError::Malformed {
                path: path.to_path_buf(),
            },
        })
    }

    fn parse(text: &str) -> Result<Token, ParseError> {
        let token = text.lines().next().unwrap_or("").trim();
        if token.is_empty() {
            return Err(ParseError::Empty);
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ParseError::Malformed);
        }
        Ok(Token(Arc::new(token.as_bytes().to_vec())))
    }

    /// Whether an `Authorization` header value is `Bearer <this token>`. The token bytes
    /// are compared in constant time (only the length can leak).
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        let Some(given) = header.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        constant_time_eq(given, &self.0)
    }
}

#[derive(Debug)]
enum ParseError {
    Empty,
    Malformed,
}

/// Equal bytes, in time depending on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Kubernetes' answer to a request without valid credentials, byte for byte as the API
/// server writes it (its field order), and nothing else.
pub const UNAUTHORIZED_BODY: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;

/// The 401 answer: [`UNAUTHORIZED_BODY`] as JSON.
pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        UNAUTHORIZED_BODY,
    )
        .into_response()
}

/// Middleware: lets a request through only with the right bearer token.
pub async fn require_token(State(token): State<Token>, req: Request, next: Next) -> Response {
    let header = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
    if token.accepts(header) {
        next.run(req).await
    } else {
        unauthorized()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::status::ApiError;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn accepts_only_the_exact_bearer_token() {
        let t = Token::parse("s3cret-token\n").expect("token");
        let cases: [(Option<&[u8]>, bool); 8] = [
            (Some(b"Bearer s3cret-token"), true),
            (None, false),
            (Some(b""), false),
            (Some(b"Bearer "), false),
            (Some(b"Bearer s3cret-tokeN"), false),
            (Some(b"Bearer s3cret-token2"), false),
            (Some(b"bearer s3cret-token"), false),
            (Some(b"Basic s3cret-token"), false),
        ];
        for (header, ok) in cases {
            assert_eq!(
                t.accepts(header),
                ok,
                "{:?}",
                header.map(String::from_utf8_lossy)
            );
        }
    }

    #[test]
    fn token_text_is_one_word_on_the_first_line() {
        assert!(matches!(Token::parse(""), Err(ParseError::Empty)));
        assert!(matches!(Token::parse("  \nabc"), Err(ParseError::Empty)));
        assert!(matches!(Token::parse("a b"), Err(ParseError::Malformed)));
        let t = Token::parse("  abc  \nignored").expect("token");
        assert!(t.accepts(Some(b"Bearer abc")));
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
    }

    #[test]
    fn a_token_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        std::fs::write(&path, "abc\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = Token::load(&path).expect_err("0644 refused");
        assert!(err.to_string().contains("mode 0644"), "{err}");
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(
            Token::load(&path)
                .expect("0600 ok")
                .accepts(Some(b"Bearer abc"))
        );
        let missing = Token::load(&dir.path().join("nope")).expect_err("missing");
        assert!(
            missing.to_string().contains("cannot read the token file"),
            "{missing}"
        );
    }

    #[test]
    fn the_401_body_is_the_status_our_errors_make() {
        let status = ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized");
        let body: serde_json::Value = serde_json::from_str(UNAUTHORIZED_BODY).expect("valid JSON");
        assert_eq!(status.to_status(), body);
        assert_eq!(unauthorized().status(), StatusCode::UNAUTHORIZED);
    }
}
