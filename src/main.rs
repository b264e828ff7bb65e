//! The `dockjob` binary: `dockjob server` runs the engine; every other verb is the CLI.

use std::process::ExitCode;

use clap::Parser;
use dockjob::cli::client::ServerError;
use dockjob::cli::{self, Cli, Command, Reported};
use dockjob::engine;

/// mimalloc instead of glibc's malloc: glibc keeps what a burst freed (the start-up
/// resync and a Job's reconcile decode thousands of pods at once) in its per-thread
/// arenas, so the idle engine held 240 MB after reading 10,000 pods; mimalloc gives
/// freed pages back to the system.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    if let Command::Server { args } = cli.command {
        init_tracing();
        let config = match engine::Config::from_flags(
            args,
            cli.data_dir
                .clone()
                .unwrap_or_else(engine::paths::default_data_dir),
            cli.socket
                .clone()
                .unwrap_or_else(engine::paths::default_socket),
        ) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("dockjob server: {e}");
                return ExitCode::FAILURE;
            }
        };
        return match runtime.block_on(engine::run(config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dockjob server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    quiet_on_closed_stdout();
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if closed_stdout(&e) {
                return ExitCode::from(EXIT_CLOSED_PIPE);
            }
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

/// What a shell reports for a process ended by SIGPIPE (128 + 13).
const EXIT_CLOSED_PIPE: u8 = 141;

/// `dockjob logs POD | head -3`: once the reader is gone, kubectl (a Go program) ends
/// quietly on SIGPIPE. Rust ignores SIGPIPE so that a closed engine socket is an error
/// we can report; a closed stdout must still end the CLI without a message or a panic.
fn closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `print!` panics when stdout is a closed pipe: turn exactly that panic into the quiet
/// exit above, leaving every other panic's report alone.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(EXIT_CLOSED_PIPE));
        }
        default(info);
    }));
}
