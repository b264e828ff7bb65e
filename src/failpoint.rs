//! Test-only crash points: lets a fault-injection test stop the engine at an exact
//! moment (between two Docker calls) instead of racing a SIGKILL against it.
//!
//! Inert unless the environment variable `DOCKJOB_FAILPOINT` names a point:
//! `DOCKJOB_FAILPOINT=after-create:abort` aborts the process (as a SIGKILL would: no
//! destructor, no flush, no cleanup) right after the kubelet created an app container and
//! before it starts it. The variable is read once. Must not do anything else: no
//! delays, no errors returned, no other actions.

use std::sync::OnceLock;

/// The environment variable naming the armed failpoint.
pub const ENV: &str = "DOCKJOB_FAILPOINT";

/// The kubelet created an app container and has not started it yet.
pub const AFTER_CREATE: &str = "after-create";

/// What the variable asks: `(point, action)`; only the action `abort` exists.
fn parse(value: &str) -> Option<(&str, &str)> {
    let (point, action) = value.trim().split_once(':')?;
    (action == "abort" && !point.is_empty()).then_some((point, action))
}

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let value = std::env::var(ENV).ok()?;
            parse(&value).map(|(point, _)| point.to_string())
        })
        .as_deref()
}

/// Aborts the process when `point` is the armed failpoint; otherwise nothing.
pub fn hit(point: &str) {
    if armed() == Some(point) {
        eprintln!("{ENV}: aborting at {point}");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_point_and_abort_only() {
        assert_eq!(parse("after-create:abort"), Some(("after-create", "abort")));
        assert_eq!(parse("after-create"), None);
        assert_eq!(parse("after-create:sleep"), None);
        assert_eq!(parse(":abort"), None);
    }

    #[test]
    fn an_unarmed_point_does_nothing() {
        // The variable is not set in unit tests, so this returns.
        hit("no-such-point");
    }
}
