//! CPU time and peak resident memory from getrusage(2).
//!
//! The only unsafe code of the crate: std has no getrusage, and rustix
//! (already in the tree) does not wrap it.
#![allow(unsafe_code)]

use std::time::Duration;

use crate::error::BenchError;

/// Resource use as getrusage(2) reports it.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// CPU time in user mode.
    pub user: Duration,
    /// CPU time in the kernel on the process's behalf.
    pub sys: Duration,
    /// Peak resident set size, KiB (Linux `ru_maxrss`).
    pub max_rss_kib: u64,
}

impl Usage {
    /// User plus system time.
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }
}

/// This process, all threads.
pub fn this_process() -> Result<Usage, BenchError> {
    get(libc::RUSAGE_SELF)
}

/// The children this process has waited for (the largest peak among them;
/// CPU summed).
pub fn waited_children() -> Result<Usage, BenchError> {
    get(libc::RUSAGE_CHILDREN)
}

fn get(who: libc::c_int) -> Result<Usage, BenchError> {
    // SAFETY: `rusage` is plain old data for which all-zero bytes are a
    // valid value, and getrusage writes only into the struct we pass.
    let mut raw: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `raw` is a valid, exclusively borrowed rusage for the call.
    let rc = unsafe { libc::getrusage(who, &mut raw) };
    if rc != 0 {
        return Err(BenchError::Rusage(std::io::Error::last_os_error()));
    }
    Ok(Usage {
        user: duration(raw.ru_utime),
        sys: duration(raw.ru_stime),
        max_rss_kib: u64::try_from(raw.ru_maxrss).unwrap_or(0),
    })
}

fn duration(t: libc::timeval) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let micros = u32::try_from(t.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_uses_some_cpu_and_memory() {
        // Burn a little CPU so user time cannot round to zero.
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        std::hint::black_box(x);
        let usage = this_process().unwrap();
        assert!(usage.cpu() > Duration::ZERO);
        assert!(usage.max_rss_kib > 0);
    }
}
