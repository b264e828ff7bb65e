//! SIGTERM/SIGINT handling. As PID 1 in a container a process gets no default signal
//! actions, so without a handler `docker stop` (and a Service deletion) would wait out the whole
//! grace period and then SIGKILL.
//!
//! Owns the handler only. std has no signal API, but it links libc anyway, so `signal(2)`
//! and `_exit(2)` are declared by hand; `_exit` is async-signal-safe.

use std::ffi::c_int;

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

unsafe extern "C" {
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn _exit(status: c_int) -> !;
}

/// Exits as a process killed by the signal would be reported: 128 + signal number
/// (143 for SIGTERM), which is what Kubernetes shows for a terminated container.
extern "C" fn on_signal(signum: c_int) {
    // SAFETY: _exit is async-signal-safe and takes no pointers.
    unsafe { _exit(128 + signum) }
}

/// Installs the handler for SIGTERM and SIGINT.
pub fn install() {
    for sig in [SIGTERM, SIGINT] {
        // SAFETY: `on_signal` has the C signature signal(2) expects and only calls _exit.
        // The return value (previous handler or SIG_ERR) needs no action: if installation
        // fails the process keeps the default behaviour.
        unsafe {
            signal(sig, on_signal);
        }
    }
}
