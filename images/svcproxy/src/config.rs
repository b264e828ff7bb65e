//! The endpoints file the engine writes into the proxy container, and its parser.
//!
//! Owns the format only; it must not open sockets. The format (one item per line):
//!
//! ```text
//! # dockjob svcproxy endpoints
//! port 80 172.18.0.3:9376 172.18.0.4:9376
//! port 443
//! end
//! ```
//!
//! One `port` line per service port: the port to listen on, then the ready endpoints
//! (IPv4 `ip:port`, the pod IP and the resolved targetPort). A port without endpoints
//! is listed so its absence is not mistaken for a removed port. The engine uploads the
//! file with Docker's archive API, which rewrites it in place: a reader may see a
//! partial file, so only a file whose last line is `end` counts; anything else is "not
//! yet complete" and the previous configuration stays.

use std::collections::BTreeMap;
use std::net::SocketAddrV4;

/// The proxy's whole configuration: service port -> endpoints, in the order given.
pub type Config = BTreeMap<u16, Vec<SocketAddrV4>>;

/// Why a file was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The file does not end with `end` (yet): being written, or empty.
    Incomplete,
    /// A line that is not part of the format; `line` is 1-based.
    Invalid { line: usize, message: String },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Incomplete => write!(f, "incomplete file (no final `end` line)"),
            ParseError::Invalid { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

/// Parses a whole file; see the module docs for the format.
pub fn parse(text: &str) -> Result<Config, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match last {
        Some(i) if lines[i].trim() == "end" => {}
        _ => return Err(ParseError::Incomplete),
    }
    let mut config = Config::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line == "end" {
            continue;
        }
        let invalid = |message: String| ParseError::Invalid {
            line: i + 1,
            message,
        };
        let mut words = line.split_whitespace();
        if words.next() != Some("port") {
            return Err(invalid(format!("expected `port` or `end`, found {line:?}")));
        }
        let port_text = words
            .next()
            .ok_or_else(|| invalid("`port` needs a port number".into()))?;
        let port: u16 = port_text
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| invalid(format!("invalid port {port_text:?}")))?;
        let endpoints = words
            .map(|w| {
                w.parse::<SocketAddrV4>()
                    .map_err(|_| invalid(format!("invalid endpoint {w:?} (expected ip:port)")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if config.insert(port, endpoints).is_some() {
            return Err(invalid(format!("port {port} listed twice")));
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    #[test]
    fn parses_ports_and_endpoints_in_order() {
        let c = parse(
            "# dockjob svcproxy endpoints\nport 80 172.18.0.3:9376 172.18.0.4:8080\nport 443\nend\n",
        )
        .unwrap();
        assert_eq!(
            c[&80],
            vec![addr("172.18.0.3:9376"), addr("172.18.0.4:8080")]
        );
        assert_eq!(c[&443], Vec::<SocketAddrV4>::new());
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_file_without_end_is_incomplete() {
        assert_eq!(parse(""), Err(ParseError::Incomplete));
        assert_eq!(parse("port 80 10.0.0.1:1\n"), Err(ParseError::Incomplete));
        // A prefix cut in the middle of the final line.
        assert_eq!(parse("port 80\nen"), Err(ParseError::Incomplete));
    }

    #[test]
    fn no_ports_is_a_valid_empty_config() {
        assert_eq!(parse("end\n"), Ok(Config::new()));
    }

    #[test]
    fn invalid_lines_name_the_line() {
        assert_eq!(
            parse("port 80\nlisten 81\nend\n"),
            Err(ParseError::Invalid {
                line: 2,
                message: "expected `port` or `end`, found \"listen 81\"".into()
            })
        );
        assert!(matches!(
            parse("port 0\nend"),
            Err(ParseError::Invalid { line: 1, .. })
        ));
        assert!(matches!(
            parse("port 80 10.0.0.1\nend"),
            Err(ParseError::Invalid { line: 1, .. })
        ));
        assert!(matches!(
            parse("port 80\nport 80\nend"),
            Err(ParseError::Invalid { line: 2, .. })
        ));
    }
}
