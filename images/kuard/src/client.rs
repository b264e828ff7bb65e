//! MemQ client: the one call a consumer makes, `POST {server}/queues/{queue}/dequeue`.
//!
//! Owns URL parsing and the request/response exchange; retry policy belongs to the caller
//! (`keygen`), which follows kuard's "log, sleep 1 s, retry".

use std::fmt;
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::encoding::json_top_level_string;
use crate::http;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed `http://host[:port][/base]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub host: String,
    pub port: u16,
    /// Path prefix without a trailing slash (`/memq/server`), possibly empty.
    pub base_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    NotHttp(String),
    NoHost(String),
    BadPort(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::NotHttp(u) => write!(f, "{u:?}: only http:// URLs are supported"),
            UrlError::NoHost(u) => write!(f, "{u:?}: no host"),
            UrlError::BadPort(u) => write!(f, "{u:?}: invalid port"),
        }
    }
}

impl std::error::Error for UrlError {}

impl ServerUrl {
    pub fn parse(url: &str) -> Result<ServerUrl, UrlError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| UrlError::NotHttp(url.to_string()))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            // [::1]:8080
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| UrlError::NoHost(url.to_string()))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(UrlError::NoHost(url.to_string()));
        }
        let port = match port {
            None => 80,
            Some(p) => p.parse().map_err(|_| UrlError::BadPort(url.to_string()))?,
        };
        let path = path.split(['?', '#']).next().unwrap_or_default();
        Ok(ServerUrl {
            host: host.to_string(),
            port,
            base_path: path.trim_end_matches('/').to_string(),
        })
    }

    /// `{base}/queues/{queue}/{action}`, as kuard's client joins it.
    pub fn queue_path(&self, queue: &str, action: &str) -> String {
        format!("{}/queues/{}/{}", self.base_path, queue, action)
    }

    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// The result of one dequeue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dequeued {
    /// A work item: its id and body (empty strings when the JSON lacks them).
    Item { id: String, body: String },
    /// 204: the queue is empty.
    Empty,
}

#[derive(Debug)]
pub enum ClientError {
    Connect(String, std::io::Error),
    Http(http::HttpError),
    /// Status >= 300, as kuard's client reports it: `HTTP Error: 400 Bad Request`.
    Status {
        status: u16,
        reason: String,
        body: String,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect(addr, e) => write!(f, "cannot connect to {addr}: {e}"),
            ClientError::Http(e) => write!(f, "{e}"),
            ClientError::Status {
                status,
                reason,
                body,
            } => {
                write!(f, "HTTP Error: {status} {reason}")?;
                let body = body.trim();
                if !body.is_empty() {
                    write!(f, " ({body})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ClientError {}

impl From<http::HttpError> for ClientError {
    fn from(e: http::HttpError) -> Self {
        ClientError::Http(e)
    }
}

/// Classifies a dequeue response: 204 is empty, other 2xx carry a message, >= 300 is an
/// error (kuard's `errorFromResponse`).
pub fn interpret_dequeue(resp: http::ClientResponse) -> Result<Dequeued, ClientError> {
    if resp.status >= 300 {
        return Err(ClientError::Status {
            status: resp.status,
            reason: resp.reason,
            body: String::from_utf8_lossy(&resp.body).into_owned(),
        });
    }
    if resp.status == 204 {
        return Ok(Dequeued::Empty);
    }
    let text = String::from_utf8_lossy(&resp.body);
    Ok(Dequeued::Item {
        id: json_top_level_string(&text, "id").unwrap_or_default(),
        body: json_top_level_string(&text, "body").unwrap_or_default(),
    })
}

/// Takes one item off `queue`.
pub fn dequeue(server: &ServerUrl, queue: &str) -> Result<Dequeued, ClientError> {
    let authority = format!("{}:{}", server.host, server.port);
    let addrs: Vec<_> = (server.host.as_str(), server.port)
        .to_socket_addrs()
        .map_err(|e| ClientError::Connect(authority.clone(), e))?
        .collect();
    let mut last_err = None;
    let mut stream = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let mut stream = stream.ok_or_else(|| {
        let e = last_err.unwrap_or_else(|| std::io::Error::other("no addresses"));
        ClientError::Connect(authority.clone(), e)
    })?;
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kuard-dockjob\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        server.queue_path(queue, "dequeue"),
        server.host_header()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(http::HttpError::Io)?;
    let resp = http::read_response(&mut stream)?;
    interpret_dequeue(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_book_url() {
        let u = ServerUrl::parse("http://queue:8080/memq/server").unwrap();
        assert_eq!(
            u,
            ServerUrl {
                host: "queue".into(),
                port: 8080,
                base_path: "/memq/server".into()
            }
        );
        assert_eq!(
            u.queue_path("keygen", "dequeue"),
            "/memq/server/queues/keygen/dequeue"
        );
        assert_eq!(u.host_header(), "queue:8080");
    }

    #[test]
    fn defaults_and_edge_forms() {
        let u = ServerUrl::parse("http://queue/memq/server/").unwrap();
        assert_eq!((u.port, u.base_path.as_str()), (80, "/memq/server"));
        assert_eq!(u.host_header(), "queue");
        let u = ServerUrl::parse("http://[::1]:9000").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.base_path.as_str()),
            ("::1", 9000, "")
        );
        assert_eq!(u.host_header(), "[::1]:9000");
    }

    #[test]
    fn rejects_bad_urls() {
        assert!(matches!(
            ServerUrl::parse("https://q/x"),
            Err(UrlError::NotHttp(_))
        ));
        assert!(matches!(
            ServerUrl::parse("queue:8080"),
            Err(UrlError::NotHttp(_))
        ));
        assert!(matches!(
            ServerUrl::parse("http://:8080/x"),
            Err(UrlError::NoHost(_))
        ));
        assert!(matches!(
            ServerUrl::parse("http://q:port/x"),
            Err(UrlError::BadPort(_))
        ));
    }

    fn resp(status: u16, body: &str) -> http::ClientResponse {
        http::ClientResponse {
            status,
            reason: http::reason(status).into(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn interprets_statuses_like_kuard() {
        assert_eq!(interpret_dequeue(resp(204, "")).unwrap(), Dequeued::Empty);
        assert_eq!(
            interpret_dequeue(resp(
                200,
                r#"{"kind":"message","id":"ab","body":"work-item-1"}"#
            ))
            .unwrap(),
            Dequeued::Item {
                id: "ab".into(),
                body: "work-item-1".into()
            }
        );
        let err = interpret_dequeue(resp(400, "does not exist\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "HTTP Error: 400 Bad Request (does not exist)"
        );
    }

    #[test]
    fn dequeue_against_a_live_server() {
        use crate::memq::Broker;
        use std::sync::Arc;
        let broker = Arc::new(Broker::new());
        broker.create_queue("keygen").unwrap();
        broker.put_message("keygen", "work-item-0").unwrap();
        let listener = crate::server::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::clone(&broker);
        std::thread::spawn(move || crate::server::serve(listener, served));

        let url = ServerUrl::parse(&format!("http://127.0.0.1:{port}/memq/server")).unwrap();
        match dequeue(&url, "keygen").unwrap() {
            Dequeued::Item { body, id } => {
                assert_eq!(body, "work-item-0");
                assert_eq!(id.len(), 32);
            }
            Dequeued::Empty => panic!("expected an item"),
        }
        assert_eq!(dequeue(&url, "keygen").unwrap(), Dequeued::Empty);
        assert!(matches!(
            dequeue(&url, "missing"),
            Err(ClientError::Status { status: 400, .. })
        ));
        assert_eq!(broker.stats()[0].dequeued, 1);
    }
}
