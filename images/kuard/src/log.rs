//! Log lines in Go's `log` format (`2006/01/02 15:04:05 message`), as kuard prints them.
//!
//! Owns the output format only. Lines go to stdout (kuard uses stderr) so that every
//! `logs` implementation shows them, including ones that only read stdout.

use std::io::Write;
use std::time::SystemTime;

/// Prints one timestamped line and flushes it, so a container killed right after still has
/// the line in its log.
pub fn line(message: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout is not a reason to stop the workload.
    let _ = writeln!(
        out,
        "{} {}",
        crate::clock::log_timestamp(SystemTime::now()),
        message
    );
    let _ = out.flush();
}

/// `format!`-style logging: `logf!("Serving on {}", addr)`.
#[macro_export]
macro_rules! logf {
    ($($arg:tt)*) => {
        $crate::log::line(&format!($($arg)*))
    };
}
