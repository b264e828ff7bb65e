//! Fixtures the printers' unit tests share. Test-only; no printing logic here.

use jiff::Timestamp;

/// The fixed "now" every printer test measures ages against.
pub(super) fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}
