//! svcproxy: the data path of one dockjob Service. A tiny static TCP proxy that runs in
//! its own container on the namespace's Docker network, under the Service's DNS names
//! (network aliases), and forwards each connection on a service `port` to one ready
//! endpoint at its `targetPort`.
//!
//! Owns process wiring: flags, the signal handler, and the loop that re-reads the
//! endpoints file (written by the engine, see [`config`]) and hands each new version to
//! the [`proxy`] without restarting anything.
//!
//! Usage: `svcproxy [--config PATH] [--bind IP] [--interval-ms N]`
//! (defaults: `/config/endpoints`, `0.0.0.0`, 200).

mod config;
mod proxy;
mod signals;

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::Duration;

/// Where the engine uploads the endpoints file.
const DEFAULT_CONFIG: &str = "/config/endpoints";
/// How often the file is read. The file is a few hundred bytes; reading it five times a
/// second keeps an endpoint change visible within a fraction of a second without any
/// notification mechanism (std has no inotify).
const DEFAULT_INTERVAL_MS: u64 = 200;

struct Flags {
    config: String,
    bind: Ipv4Addr,
    interval: Duration,
}

fn parse_flags(args: impl Iterator<Item = String>) -> Result<Flags, String> {
    let mut flags = Flags {
        config: DEFAULT_CONFIG.to_string(),
        bind: Ipv4Addr::UNSPECIFIED,
        interval: Duration::from_millis(DEFAULT_INTERVAL_MS),
    };
    let mut args = args;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("flag needs an argument: {name}"))
        };
        match name.as_str() {
            "--config" => flags.config = value()?,
            "--bind" => {
                let v = value()?;
                flags.bind = v
                    .parse()
                    .map_err(|_| format!("invalid --bind {v:?}: expected an IPv4 address"))?;
            }
            "--interval-ms" => {
                let v = value()?;
                let ms: u64 = v
                    .parse()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .ok_or_else(|| format!("invalid --interval-ms {v:?}"))?;
                flags.interval = Duration::from_millis(ms);
            }
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    Ok(flags)
}

fn main() -> ExitCode {
    signals::install();
    let flags = match parse_flags(std::env::args().skip(1)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "svcproxy: {e}\nusage: svcproxy [--config PATH] [--bind IP] [--interval-ms N]"
            );
            return ExitCode::from(2);
        }
    };
    eprintln!("svcproxy: watching {}", flags.config);
    let mut proxy = proxy::Proxy::new(flags.bind);
    // The text last applied without errors; a failed apply (a port still busy) is
    // retried at the next tick even if the file did not change.
    let mut applied: Option<String> = None;
    let mut last_problem: Option<String> = None;
    loop {
        match std::fs::read_to_string(&flags.config) {
            Ok(text) if applied.as_deref() != Some(text.as_str()) => {
                match config::parse(&text) {
                    Ok(cfg) => {
                        let failed = proxy.apply(&cfg);
                        if failed.is_empty() {
                            let summary: Vec<String> = cfg
                                .iter()
                                .map(|(p, e)| format!("{p}->{} endpoint(s)", e.len()))
                                .collect();
                            eprintln!("svcproxy: applied: {}", summary.join(", "));
                            applied = Some(text);
                            last_problem = None;
                        } else {
                            let problem = failed
                                .iter()
                                .map(|(p, e)| format!("cannot listen on port {p}: {e}"))
                                .collect::<Vec<_>>()
                                .join("; ");
                            report(&mut last_problem, problem);
                        }
                    }
                    // Being written: read it again at the next tick.
                    Err(config::ParseError::Incomplete) => {}
                    Err(e) => report(&mut last_problem, format!("{}: {e}", flags.config)),
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => report(&mut last_problem, format!("reading {}: {e}", flags.config)),
        }
        std::thread::sleep(flags.interval);
    }
}

/// Logs a problem once, not at every tick while it lasts.
fn report(last: &mut Option<String>, problem: String) {
    if last.as_deref() != Some(problem.as_str()) {
        eprintln!("svcproxy: {problem}");
        *last = Some(problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> impl Iterator<Item = String> {
        s.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn flags_have_defaults_and_both_spellings() {
        let f = parse_flags(args(&[])).unwrap();
        assert_eq!(f.config, DEFAULT_CONFIG);
        assert!(f.bind.is_unspecified());
        let f = parse_flags(args(&[
            "--config=/x",
            "--bind",
            "127.0.0.1",
            "--interval-ms",
            "5",
        ]))
        .unwrap();
        assert_eq!(f.config, "/x");
        assert_eq!(f.bind, Ipv4Addr::LOCALHOST);
        assert_eq!(f.interval, Duration::from_millis(5));
    }

    #[test]
    fn bad_flags_are_named() {
        assert_eq!(
            parse_flags(args(&["--nope"])).err().unwrap(),
            "unknown flag: --nope"
        );
        assert_eq!(
            parse_flags(args(&["--config"])).err().unwrap(),
            "flag needs an argument: --config"
        );
        assert!(parse_flags(args(&["--bind", "x"])).is_err());
        assert!(parse_flags(args(&["--interval-ms", "0"])).is_err());
    }
}
