//! `--socket-group GROUP`: a group name or numeric gid, resolved through the system's
//! group database (getgrnam_r), so an unknown group stops the engine at start instead of
//! leaving a socket nobody expected to reach.

/// Why the group cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("--socket-group {0:?}: no such group (see /etc/group or `getent group`)")]
    Unknown(String),
    #[error("--socket-group {group:?}: cannot look the group up: {source}")]
    Lookup {
        group: String,
        #[source]
        source: std::io::Error,
    },
}

/// The gid of `group`: digits are taken as a gid (which must exist), anything else as a
/// name.
pub fn resolve(group: &str) -> Result<u32, GroupError> {
    let unknown = || GroupError::Unknown(group.to_string());
    if group.is_empty() || group.contains('\0') {
        return Err(unknown());
    }
    if let Ok(gid) = group.parse::<u32>() {
        return match lookup(|buf, grp, res| {
            // SAFETY: every pointer is valid for the call and sized as passed.
            unsafe { libc::getgrgid_r(gid, grp, buf.as_mut_ptr(), buf.len(), res) }
        }) {
            Ok(Some(g)) => Ok(g),
            Ok(None) => Err(unknown()),
            Err(source) => Err(GroupError::Lookup {
                group: group.to_string(),
                source,
            }),
        };
    }
    let name = std::ffi::CString::new(group).map_err(|_| unknown())?;
    match lookup(|buf, grp, res| {
        // SAFETY: as above; `name` outlives the call.
        unsafe { libc::getgrnam_r(name.as_ptr(), grp, buf.as_mut_ptr(), buf.len(), res) }
    }) {
        Ok(Some(g)) => Ok(g),
        Ok(None) => Err(unknown()),
        Err(source) => Err(GroupError::Lookup {
            group: group.to_string(),
            source,
        }),
    }
}

/// Runs a `getgr*_r` call, growing the buffer on ERANGE; the gid found, if any.
fn lookup(
    call: impl Fn(&mut [libc::c_char], *mut libc::group, *mut *mut libc::group) -> libc::c_int,
) -> Result<Option<u32>, std::io::Error> {
    let mut size = 1024usize;
    loop {
        let mut buf: Vec<libc::c_char> = vec![0; size];
        // SAFETY: `group` is plain old data; the call fills it.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        let rc = call(&mut buf, &mut grp, &mut result);
        if rc == libc::ERANGE && size < 1 << 20 {
            size *= 2;
            continue;
        }
        if rc != 0 {
            // ENOENT and friends mean "not found" for some libcs.
            if matches!(rc, libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM) {
                return Ok(None);
            }
            return Err(std::io::Error::from_raw_os_error(rc));
        }
        if result.is_null() {
            return Ok(None);
        }
        return Ok(Some(grp.gr_gid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_gids_resolve_and_unknown_groups_are_refused() {
        // Group 0 exists on every Unix system; its name varies only in theory.
        assert_eq!(resolve("0").expect("gid 0"), 0);
        assert_eq!(resolve("root").expect("root group"), 0);
        for bad in ["no-such-group-dockjob", "", "4294967294", "a\0b"] {
            let err = resolve(bad).expect_err(bad);
            assert!(err.to_string().contains("no such group"), "{bad:?}: {err}");
        }
    }
}
