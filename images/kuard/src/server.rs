//! kuard's HTTP surface that the Jobs chapter needs: the MemQ server under `/memq/server`,
//! `/healthy` and `/ready` probes, and a short index page.
//!
//! Owns routing and the accept loop; queue semantics live in `memq`, the wire format in
//! `http`. One thread per connection: traffic is tiny and std has no async runtime.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use crate::http::{self, Request, Response};
use crate::logf;
use crate::memq::{Broker, BrokerError, stats_json};

/// The MemQ API prefix, as kuard mounts it.
pub const MEMQ_BASE: &str = "/memq/server";

/// Maps one request to its response. Pure apart from the broker, so it is unit-tested.
pub fn route(broker: &Broker, req: &Request) -> Response {
    let path = req.target.split(['?', '#']).next().unwrap_or_default();
    let method = req.method.as_str();

    match path {
        "/healthy" | "/ready" => {
            return only(method, &["GET", "HEAD"], || Response::text(200, "ok"));
        }
        "/" => {
            return only(method, &["GET", "HEAD"], || {
                Response::text(
                    200,
                    "kuard (dockjob test image): MemQ server at /memq/server, probes at /healthy and /ready",
                )
            });
        }
        _ => {}
    }

    let Some(rest) = path.strip_prefix(MEMQ_BASE) else {
        return not_found();
    };
    if rest == "/stats" {
        return only(method, &["GET"], || {
            Response::json(stats_json(&broker.stats()))
        });
    }
    let Some(rest) = rest.strip_prefix("/queues/") else {
        return not_found();
    };
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [queue] => {
            let name = http::percent_decode(queue);
            match method {
                "PUT" => empty_or_error(broker.create_queue(&name)),
                "DELETE" => empty_or_error(broker.delete_queue(&name)),
                _ => method_not_allowed(&["PUT", "DELETE"]),
            }
        }
        [queue, action] => {
            let name = http::percent_decode(queue);
            if method != "POST" {
                return match *action {
                    "drain" | "dequeue" | "enqueue" => method_not_allowed(&["POST"]),
                    _ => not_found(),
                };
            }
            match *action {
                "drain" => empty_or_error(broker.drain_queue(&name)),
                "enqueue" => {
                    let body = String::from_utf8_lossy(&req.body);
                    match broker.put_message(&name, &body) {
                        Ok(m) => Response::json(m.to_json()),
                        Err(e) => Response::text(400, &e.to_string()),
                    }
                }
                "dequeue" => match broker.get_message(&name) {
                    Ok(m) => Response::json(m.to_json()),
                    Err(BrokerError::EmptyQueue) => Response::empty(204),
                    Err(e) => Response::text(400, &e.to_string()),
                },
                _ => not_found(),
            }
        }
        _ => not_found(),
    }
}

fn only(method: &str, allowed: &[&str], ok: impl FnOnce() -> Response) -> Response {
    if allowed.contains(&method) {
        ok()
    } else {
        method_not_allowed(allowed)
    }
}

fn empty_or_error(r: Result<(), BrokerError>) -> Response {
    match r {
        Ok(()) => Response::empty(200),
        Err(e) => Response::text(400, &e.to_string()),
    }
}

/// Go's `http.NotFound` body.
fn not_found() -> Response {
    Response::text(404, "404 page not found")
}

/// httprouter's 405 answer, with the `Allow` header.
fn method_not_allowed(allowed: &[&str]) -> Response {
    let mut r = Response::text(405, "Method Not Allowed");
    r.headers.push(("Allow", allowed.join(", ")));
    r
}

/// Binds kuard-style addresses: `:8080` means every interface (IPv6 and IPv4 when the
/// host has IPv6, IPv4 only otherwise, as Go does); `host:port` binds that address.
pub fn bind(address: &str) -> io::Result<TcpListener> {
    if let Some(port) = address.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid port in address {address:?}"),
            )
        })?;
        return TcpListener::bind(SocketAddr::from(([0u16; 8], port)))
            .or_else(|_| TcpListener::bind(SocketAddr::from(([0u8; 4], port))));
    }
    let addrs: Vec<SocketAddr> = address.to_socket_addrs()?.collect();
    TcpListener::bind(&addrs[..])
}

/// Serves forever on an already-bound listener.
pub fn serve(listener: TcpListener, broker: Arc<Broker>) {
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let broker = Arc::clone(&broker);
                std::thread::spawn(move || handle(stream, &broker));
            }
            Err(e) => {
                logf!("accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn handle(mut stream: TcpStream, broker: &Broker) {
    // A stalled client must not pin a thread forever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".to_string());
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => {
            logf!("{peer}: cannot clone connection: {e}");
            return;
        }
    };
    let response = match http::read_request(&mut stream, &mut writer) {
        Ok(req) => {
            // kuard's logging middleware: remote, method, URL.
            logf!("{peer} {} {}", req.method, req.target);
            route(broker, &req)
        }
        Err(http::HttpError::Truncated) => return, // Probe connections that send nothing.
        Err(http::HttpError::TooLarge) => Response::text(413, "request too large"),
        Err(http::HttpError::Unsupported(what)) => {
            Response::text(501, &format!("{what} is not supported"))
        }
        Err(e) => {
            logf!("{peer}: bad request: {e}");
            Response::text(400, &e.to_string())
        }
    };
    if let Err(e) = http::write_response(&mut writer, &response) {
        logf!("{peer}: writing response failed: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::json_top_level_string;

    fn req(method: &str, target: &str, body: &str) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn call(b: &Broker, method: &str, target: &str, body: &str) -> Response {
        route(b, &req(method, target, body))
    }

    fn body(r: &Response) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    #[test]
    fn book_load_queue_then_consume() {
        let b = Broker::new();
        assert_eq!(
            call(&b, "PUT", "/memq/server/queues/keygen", "").status,
            200
        );
        for i in 0..3 {
            let r = call(
                &b,
                "POST",
                "/memq/server/queues/keygen/enqueue",
                &format!("work-item-{i}"),
            );
            assert_eq!(r.status, 200);
            assert_eq!(r.content_type, "application/json");
            assert_eq!(
                json_top_level_string(&body(&r), "body").as_deref(),
                Some(format!("work-item-{i}").as_str())
            );
        }
        let r = call(&b, "POST", "/memq/server/queues/keygen/dequeue", "");
        assert_eq!(r.status, 200);
        assert_eq!(
            json_top_level_string(&body(&r), "body").as_deref(),
            Some("work-item-0")
        );

        let stats = call(&b, "GET", "/memq/server/stats", "");
        assert_eq!(
            body(&stats),
            "{\"kind\":\"stats\",\"queues\":[{\"name\":\"keygen\",\"depth\":2,\"enqueued\":3,\"dequeued\":1,\"drained\":0}]}\n"
        );

        assert_eq!(
            call(&b, "POST", "/memq/server/queues/keygen/drain", "").status,
            200
        );
        let empty = call(&b, "POST", "/memq/server/queues/keygen/dequeue", "");
        assert_eq!(empty.status, 204);
        assert!(empty.body.is_empty());
        assert_eq!(
            call(&b, "DELETE", "/memq/server/queues/keygen", "").status,
            200
        );
    }

    #[test]
    fn errors_are_400_with_kuard_messages() {
        let b = Broker::new();
        let r = call(&b, "POST", "/memq/server/queues/nope/dequeue", "");
        assert_eq!((r.status, body(&r)), (400, "does not exist\n".to_string()));
        call(&b, "PUT", "/memq/server/queues/q", "");
        let r = call(&b, "PUT", "/memq/server/queues/q", "");
        assert_eq!((r.status, body(&r)), (400, "already exists\n".to_string()));
        let r = call(&b, "PUT", "/memq/server/queues/", "");
        assert_eq!((r.status, body(&r)), (400, "empty name\n".to_string()));
    }

    #[test]
    fn probes_and_unknown_paths() {
        let b = Broker::new();
        let r = call(&b, "GET", "/healthy", "");
        assert_eq!((r.status, body(&r)), (200, "ok\n".to_string()));
        assert_eq!(call(&b, "GET", "/ready?x=1", "").status, 200);
        assert_eq!(call(&b, "GET", "/nope", "").status, 404);
        assert_eq!(
            call(&b, "GET", "/memq/server/queues/q/explode", "").status,
            404
        );
        let r = call(&b, "GET", "/memq/server/queues/q/dequeue", "");
        assert_eq!(r.status, 405);
        assert_eq!(r.headers, vec![("Allow", "POST".to_string())]);
        assert_eq!(call(&b, "POST", "/memq/server/stats", "").status, 405);
    }

    #[test]
    fn queue_names_are_percent_decoded() {
        let b = Broker::new();
        call(&b, "PUT", "/memq/server/queues/my%20queue", "");
        assert_eq!(b.stats()[0].name, "my queue");
    }

    #[test]
    fn bind_rejects_bad_port() {
        assert!(bind(":notaport").is_err());
        let l = bind("127.0.0.1:0").unwrap();
        assert!(l.local_addr().unwrap().port() > 0);
    }
}
