//! kuard for dockjob's tests and demos: a std-only, statically linked stand-in for
//! `gcr.io/kuar-demo/kuard-amd64:1` (Kubernetes Up & Running), covering what the Jobs
//! chapter uses: the keygen workload (counted or fed by MemQ) and the MemQ server.
//!
//! Owns process wiring: flags, signal handler, which mode runs, and the exit code. Like kuard
//! it always serves HTTP on `--address` (default `:8080`); in keygen mode a bind failure is
//! only logged, since the keys are the job's work.

mod client;
mod clock;
mod encoding;
mod flags;
mod http;
mod keygen;
mod log;
mod memq;
mod server;
mod sha256;
mod signals;

use std::process::ExitCode;
use std::sync::Arc;

use flags::{Config, Parsed};

/// Version printed at start-up, as kuard prints its own.
const VERSION: &str = concat!("dockjob-", env!("CARGO_PKG_VERSION"));

fn main() -> ExitCode {
    signals::install();
    let config = match flags::parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(c)) => c,
        Ok(Parsed::Help) => {
            print!("{}", flags::usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}\n{}", flags::usage());
            return ExitCode::from(2);
        }
    };
    logf!("Starting kuard version: {VERSION}");
    let k = &config.keygen;
    logf!(
        "Config: address={} keygen.enable={} num-to-gen={} time-to-run={} exit-on-complete={} exit-code={} memq-server={:?} memq-queue={:?}",
        config.address,
        k.enable,
        k.num_to_gen,
        k.time_to_run,
        k.exit_on_complete,
        k.exit_code,
        k.memq_server,
        k.memq_queue
    );

    if config.keygen.enable {
        run_keygen(&config)
    } else {
        run_server(&config)
    }
}

/// Plain kuard: serve until killed. A bind failure is fatal, as in kuard (`log.Fatal`).
fn run_server(config: &Config) -> ExitCode {
    let listener = match server::bind(&config.address) {
        Ok(l) => l,
        Err(e) => {
            logf!("cannot listen on {}: {e}", config.address);
            return ExitCode::FAILURE;
        }
    };
    logf!("Serving on {}", config.address);
    server::serve(listener, Arc::new(memq::Broker::new()));
    ExitCode::SUCCESS
}

fn run_keygen(config: &Config) -> ExitCode {
    // Serve alongside the workload, like kuard; the work does not depend on it.
    let server = match server::bind(&config.address) {
        Ok(listener) => {
            logf!("Serving on {}", config.address);
            Some(std::thread::spawn(move || {
                server::serve(listener, Arc::new(memq::Broker::new()))
            }))
        }
        Err(e) => {
            logf!(
                "cannot listen on {} ({e}); running the workload without the HTTP server",
                config.address
            );
            None
        }
    };

    let k = &config.keygen;
    let seeds = keygen::Seeds::default();
    let mut log = |line: String| log::line(&line);
    if !k.memq_server.is_empty() {
        let url = match client::ServerUrl::parse(&k.memq_server) {
            Ok(u) => u,
            Err(e) => {
                logf!("invalid --keygen-memq-server: {e}");
                return ExitCode::from(2);
            }
        };
        if k.memq_queue.is_empty() {
            logf!("--keygen-memq-server needs --keygen-memq-queue");
            return ExitCode::from(2);
        }
        keygen::run_memq(
            k,
            keygen::WORK_ROUNDS,
            &seeds,
            &mut || client::dequeue(&url, &k.memq_queue),
            &mut std::thread::sleep,
            &mut log,
        );
    } else {
        keygen::run_counted(k, keygen::WORK_ROUNDS, &seeds, &mut log);
    }

    if k.exit_on_complete {
        // The process exit status is the low byte, as for Go's os.Exit.
        std::process::exit(k.exit_code);
    }
    // kuard keeps running (and serving) after the work; so do we, until a signal arrives.
    match server {
        Some(handle) => {
            let _ = handle.join();
        }
        None => loop {
            std::thread::park();
        },
    }
    ExitCode::SUCCESS
}
