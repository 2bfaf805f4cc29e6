// SPDX-License-Identifier: GPL-2.0

//! The rate limit of `LOG`'s lines (SPEC 4.3): like the kernel's
//! `printk_ratelimited()`, at most a burst of lines in each interval, so
//! that a group oscillating around a threshold cannot flood the log; the
//! next line printed says how many were suppressed before it.

/// The kernel's `DEFAULT_RATELIMIT_INTERVAL`, in milliseconds.
pub const LOG_INTERVAL_MS: u64 = 5000;
/// The kernel's `DEFAULT_RATELIMIT_BURST`.
pub const LOG_BURST: u32 = 10;

/// A limit of `burst` lines per `interval` of a clock that only grows.
#[derive(Debug)]
pub struct LogLimit {
    interval: u64,
    burst: u32,
    /// When the current interval began; `None` before the first line.
    begin: Option<u64>,
    /// Lines printed in the current interval.
    printed: u32,
    /// Lines refused since the last one printed.
    suppressed: u64,
}

impl LogLimit {
    /// At most `burst` lines in each `interval`.
    pub const fn new(interval: u64, burst: u32) -> Self {
        Self {
            interval,
            burst,
            begin: None,
            printed: 0,
            suppressed: 0,
        }
    }

    /// Whether a line may be printed at `now`: `Some` with the number of
    /// lines suppressed since the last one printed, which that line reports,
    /// or `None` (the line is counted as suppressed).
    pub fn admit(&mut self, now: u64) -> Option<u64> {
        match self.begin {
            Some(begin) if now.wrapping_sub(begin) < self.interval => {}
            _ => {
                self.begin = Some(now);
                self.printed = 0;
            }
        }
        if self.printed < self.burst {
            self.printed = self.printed.saturating_add(1);
            Some(core::mem::take(&mut self.suppressed))
        } else {
            self.suppressed = self.suppressed.saturating_add(1);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_interval_then_the_count_of_the_suppressed() {
        let mut limit = LogLimit::new(LOG_INTERVAL_MS, LOG_BURST);
        for ms in 0..LOG_BURST as u64 {
            assert_eq!(limit.admit(1000 + ms), Some(0));
        }
        for ms in 0..90 {
            assert_eq!(limit.admit(2000 + ms), None);
        }
        // Still within the interval that began at 1000.
        assert_eq!(limit.admit(1000 + LOG_INTERVAL_MS - 1), None);
        // A new interval: the first line reports the 91 before it.
        assert_eq!(limit.admit(1000 + LOG_INTERVAL_MS), Some(91));
        assert_eq!(limit.admit(1000 + LOG_INTERVAL_MS + 1), Some(0));
    }

    #[test]
    fn lines_below_the_burst_are_never_suppressed() {
        let mut limit = LogLimit::new(LOG_INTERVAL_MS, LOG_BURST);
        for i in 0..100u64 {
            assert_eq!(limit.admit(i * LOG_INTERVAL_MS / 5), Some(0));
        }
    }

    #[test]
    fn a_clock_that_wraps_starts_a_new_interval_in_time() {
        let mut limit = LogLimit::new(10, 1);
        assert_eq!(limit.admit(u64::MAX - 2), Some(0));
        assert_eq!(limit.admit(u64::MAX), None);
        assert_eq!(limit.admit(3), None);
        assert_eq!(limit.admit(8), Some(2));
    }

    #[test]
    fn a_zero_burst_prints_nothing_and_counts_everything() {
        let mut limit = LogLimit::new(10, 0);
        assert_eq!(limit.admit(0), None);
        assert_eq!(limit.admit(100), None);
    }
}
