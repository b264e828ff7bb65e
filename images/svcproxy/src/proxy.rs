//! The listeners and the forwarding: one accept thread per service port, two copy
//! threads per connection.
//!
//! Owns sockets only; it must not read files (main hands it each new [`Config`]).
//!
//! A port is listened on only while it has endpoints. Kubernetes rejects a connection to
//! a Service without endpoints (kube-proxy installs a REJECT rule, so the client sees
//! "connection refused"); closing the listening socket gives exactly that. Each accepted
//! connection goes to the next endpoint in round-robin order; when an endpoint does not
//! answer the next one is tried, and when none does the client connection is closed.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::Config;

/// How long a connection to one endpoint may take before the next one is tried. A pod
/// that just went away is unreachable rather than refusing, so this bounds the wait.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// What one listener shares with its accept thread and the connections it spawns.
struct Shared {
    endpoints: RwLock<Vec<SocketAddrV4>>,
    next: AtomicUsize,
    stop: AtomicBool,
}

struct Listener {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// All the service ports of one Service.
pub struct Proxy {
    bind: Ipv4Addr,
    listeners: BTreeMap<u16, Listener>,
}

impl Proxy {
    /// A proxy listening on `bind` (0.0.0.0 in the container; loopback in tests).
    pub fn new(bind: Ipv4Addr) -> Proxy {
        Proxy {
            bind,
            listeners: BTreeMap::new(),
        }
    }

    /// The ports listened on now.
    #[cfg(test)]
    pub fn listening(&self) -> Vec<u16> {
        self.listeners.keys().copied().collect()
    }

    /// Makes the listeners match `config`: opens ports that gained endpoints, closes
    /// ports that lost them or were removed, and swaps the endpoint lists in place (open
    /// connections are not touched). Returns the ports that could not be opened, with
    /// the error; the caller applies the config again later to retry them.
    pub fn apply(&mut self, config: &Config) -> Vec<(u16, io::Error)> {
        let gone: Vec<u16> = self
            .listeners
            .keys()
            .filter(|p| config.get(p).is_none_or(Vec::is_empty))
            .copied()
            .collect();
        for port in gone {
            if let Some(l) = self.listeners.remove(&port) {
                self.stop(port, l);
            }
        }
        let mut failed = Vec::new();
        for (&port, endpoints) in config.iter().filter(|(_, e)| !e.is_empty()) {
            if let Some(l) = self.listeners.get(&port) {
                *l.shared
                    .endpoints
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = endpoints.clone();
                continue;
            }
            match TcpListener::bind((self.bind, port)) {
                Ok(socket) => {
                    let shared = Arc::new(Shared {
                        endpoints: RwLock::new(endpoints.clone()),
                        next: AtomicUsize::new(0),
                        stop: AtomicBool::new(false),
                    });
                    let for_thread = shared.clone();
                    let thread = std::thread::spawn(move || accept_loop(socket, for_thread));
                    self.listeners.insert(
                        port,
                        Listener {
                            shared,
                            thread: Some(thread),
                        },
                    );
                }
                Err(e) => failed.push((port, e)),
            }
        }
        failed
    }

    /// Closes one listener: flags it, wakes its blocked accept with a connection of our
    /// own, and waits for the thread to drop the socket so the port can be bound again.
    fn stop(&self, port: u16, mut listener: Listener) {
        listener.shared.stop.store(true, Ordering::SeqCst);
        let wake = if self.bind.is_unspecified() {
            Ipv4Addr::LOCALHOST
        } else {
            self.bind
        };
        let woke =
            TcpStream::connect_timeout(&SocketAddrV4::new(wake, port).into(), CONNECT_TIMEOUT)
                .is_ok();
        if woke && let Some(t) = listener.thread.take() {
            let _ = t.join();
        }
        // Not woken: the thread exits at its next accept; a rebind meanwhile fails and
        // is retried by the caller.
    }
}

fn accept_loop(socket: TcpListener, shared: Arc<Shared>) {
    for conn in socket.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        match conn {
            Ok(client) => {
                let shared = shared.clone();
                std::thread::spawn(move || forward(client, &shared));
            }
            // Out of file descriptors or a connection reset before accept: keep serving.
            Err(e) => {
                eprintln!("svcproxy: accept: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// The endpoints to try for one connection: all of them, starting at the next one in
/// round-robin order.
fn pick_order(endpoints: &[SocketAddrV4], next: &AtomicUsize) -> Vec<SocketAddrV4> {
    if endpoints.is_empty() {
        return Vec::new();
    }
    let start = next.fetch_add(1, Ordering::Relaxed) % endpoints.len();
    endpoints[start..]
        .iter()
        .chain(&endpoints[..start])
        .copied()
        .collect()
}

fn forward(client: TcpStream, shared: &Shared) {
    let order = {
        let endpoints = shared.endpoints.read().unwrap_or_else(|p| p.into_inner());
        pick_order(&endpoints, &shared.next)
    };
    let backend = order
        .iter()
        .find_map(|addr| TcpStream::connect_timeout(&(*addr).into(), CONNECT_TIMEOUT).ok());
    // No endpoint answered: dropping the client closes its connection.
    let Some(backend) = backend else { return };
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    let (Ok(client_r), Ok(backend_w)) = (client.try_clone(), backend.try_clone()) else {
        return;
    };
    let upstream = std::thread::spawn(move || pipe(client_r, backend_w));
    pipe(backend, client);
    let _ = upstream.join();
}

/// Copies until EOF, then half-closes the writer so the other side sees EOF too
/// (HTTP clients that close their write side still get the whole answer).
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A backend that answers every connection with its name and closes.
    fn backend(name: &'static str) -> SocketAddrV4 {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = match l.local_addr().unwrap() {
            std::net::SocketAddr::V4(a) => a,
            other => panic!("not v4: {other}"),
        };
        std::thread::spawn(move || {
            for mut c in l.incoming().flatten() {
                let mut buf = [0u8; 64];
                let n = c.read(&mut buf).unwrap_or(0);
                let _ = c
                    .write_all(format!("{name}:{}", String::from_utf8_lossy(&buf[..n])).as_bytes());
            }
        });
        addr
    }

    fn free_port() -> u16 {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn ask(port: u16) -> io::Result<String> {
        let mut c = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        c.write_all(b"hi")?;
        c.shutdown(Shutdown::Write)?;
        let mut out = String::new();
        c.read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_robin_order_rotates() {
        let eps: Vec<SocketAddrV4> = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let next = AtomicUsize::new(0);
        assert_eq!(pick_order(&eps, &next), eps);
        assert_eq!(pick_order(&eps, &next)[0], eps[1]);
        assert_eq!(pick_order(&eps, &next), vec![eps[2], eps[0], eps[1]]);
        assert_eq!(pick_order(&eps, &next)[0], eps[0]);
        assert!(pick_order(&[], &next).is_empty());
    }

    #[test]
    fn forwards_round_robin_and_follows_updates() {
        let (a, b) = (backend("a"), backend("b"));
        let port = free_port();
        let mut proxy = Proxy::new(Ipv4Addr::LOCALHOST);
        assert!(proxy.apply(&Config::from([(port, vec![a, b])])).is_empty());
        let mut seen = vec![ask(port).unwrap(), ask(port).unwrap()];
        seen.sort();
        assert_eq!(seen, vec!["a:hi", "b:hi"]);

        // Endpoints swapped in place, the listener stays.
        assert!(proxy.apply(&Config::from([(port, vec![b])])).is_empty());
        assert_eq!(ask(port).unwrap(), "b:hi");
        assert_eq!(ask(port).unwrap(), "b:hi");
        assert_eq!(proxy.listening(), vec![port]);
    }

    #[test]
    fn no_endpoints_refuses_connections_and_reopens_later() {
        let a = backend("a");
        let port = free_port();
        let mut proxy = Proxy::new(Ipv4Addr::LOCALHOST);
        assert!(proxy.apply(&Config::from([(port, vec![a])])).is_empty());
        assert_eq!(ask(port).unwrap(), "a:hi");

        assert!(proxy.apply(&Config::from([(port, vec![])])).is_empty());
        assert!(proxy.listening().is_empty());
        let err = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);

        assert!(proxy.apply(&Config::from([(port, vec![a])])).is_empty());
        assert_eq!(ask(port).unwrap(), "a:hi");
        // A removed port closes as well.
        assert!(proxy.apply(&Config::new()).is_empty());
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    }

    #[test]
    fn a_dead_endpoint_is_skipped() {
        let dead = SocketAddrV4::new(Ipv4Addr::LOCALHOST, free_port());
        let a = backend("a");
        let port = free_port();
        let mut proxy = Proxy::new(Ipv4Addr::LOCALHOST);
        assert!(
            proxy
                .apply(&Config::from([(port, vec![dead, a])]))
                .is_empty()
        );
        for _ in 0..3 {
            assert_eq!(ask(port).unwrap(), "a:hi");
        }
    }

    #[test]
    fn only_dead_endpoints_close_the_client() {
        let dead = SocketAddrV4::new(Ipv4Addr::LOCALHOST, free_port());
        let port = free_port();
        let mut proxy = Proxy::new(Ipv4Addr::LOCALHOST);
        assert!(proxy.apply(&Config::from([(port, vec![dead])])).is_empty());
        // Accepted, then closed without an answer.
        let out = ask(port);
        assert!(matches!(out.as_deref(), Ok("") | Err(_)), "{out:?}");
    }

    #[test]
    fn a_busy_port_is_reported() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let mut proxy = Proxy::new(Ipv4Addr::LOCALHOST);
        let failed = proxy.apply(&Config::from([(port, vec![backend("a")])]));
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].0, port);
    }
}
