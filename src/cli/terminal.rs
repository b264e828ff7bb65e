//! What the CLI may do to the terminal: colours (https://no-color.org) and progress
//! bars. Decided once at the CLI edge from pure functions of (is a terminal,
//! `NO_COLOR`), so the printers stay pure and piped output stays plain text.

use std::ffi::OsStr;
use std::io::IsTerminal;

/// Colours only on a terminal, and not when `NO_COLOR` is set to a non-empty value
/// (no-color.org: an empty `NO_COLOR` does not count).
pub fn colour_enabled(is_tty: bool, no_color: Option<&OsStr>) -> bool {
    is_tty && no_color.is_none_or(OsStr::is_empty)
}

/// Whether tables printed on stdout get status colours.
pub fn stdout_colour() -> bool {
    colour_enabled(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Whether progress bars are drawn on stderr: a terminal only. `NO_COLOR` is about
/// colour, not about drawing, so it does not turn the bar off.
pub fn stderr_progress() -> bool {
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_no_non_empty_no_color() {
        assert!(colour_enabled(true, None));
        assert!(colour_enabled(true, Some(OsStr::new(""))));
        assert!(!colour_enabled(true, Some(OsStr::new("1"))));
        assert!(!colour_enabled(true, Some(OsStr::new("false"))));
        assert!(!colour_enabled(false, None));
        assert!(!colour_enabled(false, Some(OsStr::new(""))));
    }
}
