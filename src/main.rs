//! The `dockjob` binary: `dockjob server` runs the engine; every other verb is the CLI.

use std::process::ExitCode;

use clap::Parser;
use dockjob::cli::client::ServerError;
use dockjob::cli::{self, Cli, Command, Reported};
use dockjob::engine;

fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Server {
        max_creates_in_flight,
        metrics_addr,
    } = cli.command
    {
        init_tracing();
        let config = engine::Config {
            data_dir: cli
                .data_dir
                .clone()
                .unwrap_or_else(engine::paths::default_data_dir),
            socket: cli
                .socket
                .clone()
                .unwrap_or_else(engine::paths::default_socket),
            max_creates_in_flight: max_creates_in_flight.max(1),
            metrics_addr,
        };
        return match runtime.block_on(engine::run(config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dockjob server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(Reported(code)) = e.downcast_ref::<Reported>() {
                return ExitCode::from((*code).clamp(1, 255) as u8);
            }
            if let Some(se) = e.downcast_ref::<ServerError>() {
                eprintln!("{se}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}
