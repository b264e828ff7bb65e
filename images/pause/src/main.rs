//! `pause`: the infra container of every dockjob pod, like Kubernetes' pause image.
//!
//! It owns the pod's network namespace (and hostname): the pod's app and init containers
//! join it with `network_mode: container:<infra>`, so they share localhost and one IP,
//! and it must outlive all of them. It does nothing but wait: SIGTERM or SIGINT end it
//! with exit code 0 (so `docker stop` returns at once instead of waiting out the grace
//! period), and as PID 1 it reaps any zombie re-parented to it. Anything else it must not
//! do: no files, no network, no output beyond one line on a fatal setup error.
//!
//! std has no signal API but links libc anyway, so the few calls are declared by hand.
//! The signals are blocked and taken synchronously with `sigwaitinfo`, so no code runs in
//! a signal handler.

use std::ffi::c_int;

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;
const SIGCHLD: c_int = 17;
const SIG_BLOCK: c_int = 0;
const WNOHANG: c_int = 1;
const EINTR: c_int = 4;

/// glibc's `sigset_t` on Linux: 1024 bits.
#[repr(C)]
struct SigSet([u64; 16]);

/// `siginfo_t` is 128 bytes on Linux; only `si_signo` (the first int) is read.
#[repr(C)]
struct SigInfo {
    signo: c_int,
    _rest: [u8; 124],
}

unsafe extern "C" {
    fn sigemptyset(set: *mut SigSet) -> c_int;
    fn sigaddset(set: *mut SigSet, signum: c_int) -> c_int;
    fn sigprocmask(how: c_int, set: *const SigSet, old: *mut SigSet) -> c_int;
    fn sigwaitinfo(set: *const SigSet, info: *mut SigInfo) -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn __errno_location() -> *mut c_int;
}

fn errno() -> c_int {
    // SAFETY: __errno_location always returns a valid pointer to this thread's errno.
    unsafe { *__errno_location() }
}

/// Collects every exited child without blocking.
fn reap() {
    let mut status: c_int = 0;
    // SAFETY: status points to a live c_int; -1 means any child.
    while unsafe { waitpid(-1, &mut status, WNOHANG) } > 0 {}
}

fn main() {
    let mut set = SigSet([0; 16]);
    // SAFETY: `set` is a valid, writable sigset_t-sized buffer for every call below.
    let blocked = unsafe {
        sigemptyset(&mut set) == 0
            && [SIGINT, SIGTERM, SIGCHLD]
                .iter()
                .all(|&s| sigaddset(&mut set, s) == 0)
            && sigprocmask(SIG_BLOCK, &set, std::ptr::null_mut()) == 0
    };
    if !blocked {
        eprintln!("pause: cannot block SIGTERM/SIGINT/SIGCHLD");
        std::process::exit(1);
    }
    loop {
        let mut info = SigInfo {
            signo: 0,
            _rest: [0; 124],
        };
        // SAFETY: both pointers refer to live, correctly sized buffers.
        let sig = unsafe { sigwaitinfo(&set, &mut info) };
        match sig {
            SIGINT | SIGTERM => std::process::exit(0),
            SIGCHLD => reap(),
            -1 if errno() == EINTR => {}
            -1 => {
                eprintln!("pause: sigwaitinfo failed (errno {})", errno());
                std::process::exit(1);
            }
            _ => {}
        }
    }
}
