//! Minimal HTTP/1.1 wire format: read one request, write one response, parse one response.
//! Every connection carries one exchange (`Connection: close`), which curl, Go's client and
//! our own client all handle.
//!
//! Owns bytes-on-the-wire only; routing lives in `server`, URLs and requests in `client`.

use std::fmt;
use std::io::{self, Read, Write};

/// Headers larger than this are refused (431-style), so a bad client cannot grow memory.
const MAX_HEAD: usize = 64 * 1024;
/// Bodies larger than this are refused; MemQ items are small strings.
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent (path plus any query).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[derive(Debug)]
pub enum HttpError {
    Io(io::Error),
    /// The peer closed before a complete message arrived.
    Truncated,
    Malformed(&'static str),
    TooLarge,
    Unsupported(&'static str),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Io(e) => write!(f, "i/o error: {e}"),
            HttpError::Truncated => f.write_str("connection closed mid-message"),
            HttpError::Malformed(what) => write!(f, "malformed HTTP message: {what}"),
            HttpError::TooLarge => f.write_str("HTTP message too large"),
            HttpError::Unsupported(what) => write!(f, "unsupported HTTP feature: {what}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// Reads the head (through the blank line), starting from bytes already buffered, and
/// returns it with any bytes read past it.
fn read_head(r: &mut impl Read, mut buf: Vec<u8>) -> Result<(Vec<u8>, Vec<u8>), HttpError> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            buf.truncate(end);
            return Ok((buf, rest));
        }
        if buf.len() > MAX_HEAD {
            return Err(HttpError::TooLarge);
        }
        let n = r.read(&mut chunk)?;
        if n == 0 {
            return Err(HttpError::Truncated);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_headers<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, HttpError> {
    lines
        .map(|line| {
            line.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or(HttpError::Malformed("header line without ':'"))
        })
        .collect()
}

fn content_length(headers: &[(String, String)]) -> Result<Option<usize>, HttpError> {
    match header(headers, "content-length") {
        None => Ok(None),
        Some(v) => {
            let n: usize = v
                .parse()
                .map_err(|_| HttpError::Malformed("bad Content-Length"))?;
            if n > MAX_BODY {
                return Err(HttpError::TooLarge);
            }
            Ok(Some(n))
        }
    }
}

fn read_exact_body(r: &mut impl Read, mut body: Vec<u8>, len: usize) -> Result<Vec<u8>, HttpError> {
    if body.len() < len {
        let mut rest = vec![0u8; len - body.len()];
        r.read_exact(&mut rest).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => HttpError::Truncated,
            _ => HttpError::Io(e),
        })?;
        body.extend_from_slice(&rest);
    }
    body.truncate(len);
    Ok(body)
}

/// Reads one request. `interim` receives `100 Continue` when the client asks for it (curl
/// does for bodies over 1 KiB).
pub fn read_request(r: &mut impl Read, interim: &mut impl Write) -> Result<Request, HttpError> {
    let (head, already) = read_head(r, Vec::new())?;
    let head = std::str::from_utf8(&head).map_err(|_| HttpError::Malformed("non-UTF-8 head"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().ok_or(HttpError::Malformed("empty request"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::Malformed("bad request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return Err(HttpError::Malformed("bad request line"));
    }
    let headers = parse_headers(lines)?;
    if header(&headers, "transfer-encoding").is_some() {
        return Err(HttpError::Unsupported("Transfer-Encoding"));
    }
    let len = content_length(&headers)?.unwrap_or(0);
    if len > already.len()
        && header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        interim.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        interim.flush()?;
    }
    let body = read_exact_body(r, already, len)?;
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Plain text with a trailing newline, as Go's `http.Error`.
    pub fn text(status: u16, message: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: format!("{message}\n").into_bytes(),
        }
    }

    /// A JSON document with a trailing newline, as Go's `json.Encoder`.
    pub fn json(body: String) -> Response {
        Response {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: format!("{body}\n").into_bytes(),
        }
    }

    /// No body at all (200 for kuard's empty successes, 204 for an empty queue).
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}

pub fn write_response(w: &mut impl Write, resp: &Response) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    if resp.status != 204 {
        head.push_str(&format!(
            "Content-Type: {}\r\nContent-Length: {}\r\n",
            resp.content_type,
            resp.body.len()
        ));
    }
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    w.write_all(head.as_bytes())?;
    if resp.status != 204 {
        w.write_all(&resp.body)?;
    }
    w.flush()
}

/// A response as read by the client: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientResponse {
    pub status: u16,
    pub reason: String,
    pub body: Vec<u8>,
}

/// Reads one response; without Content-Length the body runs to EOF (we always send
/// `Connection: close`). Interim 1xx responses are skipped.
pub fn read_response(r: &mut impl Read) -> Result<ClientResponse, HttpError> {
    let mut pending = Vec::new();
    loop {
        let (head, already) = read_head(r, std::mem::take(&mut pending))?;
        let head =
            std::str::from_utf8(&head).map_err(|_| HttpError::Malformed("non-UTF-8 head"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().ok_or(HttpError::Malformed("empty response"))?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        if !version.starts_with("HTTP/1.") {
            return Err(HttpError::Malformed("bad status line"));
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(HttpError::Malformed("bad status code"))?;
        let reason = parts.next().unwrap_or_default().to_string();
        let headers = parse_headers(lines)?;
        if (100..200).contains(&status) {
            pending = already; // The final response may already be buffered.
            continue;
        }
        if header(&headers, "transfer-encoding")
            .is_some_and(|v| !v.eq_ignore_ascii_case("identity"))
        {
            return Err(HttpError::Unsupported("Transfer-Encoding"));
        }
        let body = if status == 204 || status == 304 {
            Vec::new()
        } else if let Some(len) = content_length(&headers)? {
            read_exact_body(r, already, len)?
        } else {
            let mut body = already;
            r.take(MAX_BODY as u64).read_to_end(&mut body)?;
            body
        };
        return Ok(ClientResponse {
            status,
            reason,
            body,
        });
    }
}

/// Percent-decodes a path segment (`%2F` -> `/`), as Go does before routing. Invalid escapes
/// are kept literally rather than rejected.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> (Result<Request, HttpError>, Vec<u8>) {
        let mut interim = Vec::new();
        let r = read_request(&mut &raw[..], &mut interim);
        (r, interim)
    }

    #[test]
    fn reads_curl_style_post() {
        let raw = b"POST /memq/server/queues/keygen/enqueue HTTP/1.1\r\nHost: localhost:8080\r\n\
User-Agent: curl/7.88.1\r\nContent-Length: 11\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nwork-item-0";
        let (req, interim) = parse(raw);
        let req = req.unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.target, "/memq/server/queues/keygen/enqueue");
        assert_eq!(req.body, b"work-item-0");
        assert_eq!(
            header(&req.headers, "content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert!(interim.is_empty());
    }

    #[test]
    fn request_without_body() {
        let (req, _) = parse(b"PUT /memq/server/queues/keygen HTTP/1.1\r\nHost: x\r\n\r\n");
        let req = req.unwrap();
        assert_eq!(req.method, "PUT");
        assert!(req.body.is_empty());
    }

    #[test]
    fn answers_expect_continue() {
        let raw = b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc";
        // The body is already buffered here, so no interim response is needed.
        let (req, interim) = parse(raw);
        assert_eq!(req.unwrap().body, b"abc");
        assert!(interim.is_empty());

        // Body not yet sent: a reader that returns the head first, then the body.
        struct Split<'a>(Vec<&'a [u8]>);
        impl Read for Split<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Ok(0);
                }
                let part = self.0.remove(0);
                buf[..part.len()].copy_from_slice(part);
                Ok(part.len())
            }
        }
        let mut r = Split(vec![
            b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
            b"abc",
        ]);
        let mut interim = Vec::new();
        let req = read_request(&mut r, &mut interim).unwrap();
        assert_eq!(req.body, b"abc");
        assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn rejects_bad_requests() {
        assert!(matches!(
            parse(b"GET /\r\n\r\n").0,
            Err(HttpError::Malformed(_))
        ));
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nHost").0,
            Err(HttpError::Truncated)
        ));
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").0,
            Err(HttpError::Truncated)
        ));
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").0,
            Err(HttpError::Unsupported(_))
        ));
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n").0,
            Err(HttpError::TooLarge)
        ));
    }

    #[test]
    fn response_round_trip() {
        let mut wire = Vec::new();
        write_response(&mut wire, &Response::json("{\"a\":1}".into())).unwrap();
        let text = String::from_utf8(wire.clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 8\r\n"));
        let resp = read_response(&mut &wire[..]).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, b"{\"a\":1}\n");
    }

    #[test]
    fn no_content_has_no_body() {
        let mut wire = Vec::new();
        write_response(&mut wire, &Response::empty(204)).unwrap();
        let text = String::from_utf8(wire.clone()).unwrap();
        assert!(!text.contains("Content-Length"));
        let resp = read_response(&mut &wire[..]).unwrap();
        assert_eq!((resp.status, resp.body.len()), (204, 0));
    }

    #[test]
    fn client_reads_body_to_eof_and_skips_interim() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 400 Bad Request\r\n\r\ndoes not exist\n";
        let resp = read_response(&mut &wire[..]).unwrap();
        assert_eq!(resp.status, 400);
        assert_eq!(resp.reason, "Bad Request");
        assert_eq!(resp.body, b"does not exist\n");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("bad%zz%4"), "bad%zz%4");
        assert_eq!(percent_decode("keygen"), "keygen");
    }
}
