// SPDX-License-Identifier: GPL-2.0

//! When a refused charge may try to reclaim: a back-off after futile tries.
//!
//! A charge refused by a kmem limit may shrink the limited group's slab
//! caches and try again (SPEC 2.4). That walks every memcg and node of the
//! group's subtree, so a workload that keeps hitting its limit with nothing
//! to reclaim (every failing fork of a fork bomb) would pay for a walk on
//! each refusal. A [`ReclaimGate`] closes for a back-off period after a
//! reclaim that did not let the charge through; refusals in that period fail
//! at once. A reclaim that helped keeps the gate open.
//!
//! Times are in ticks of a clock that may wrap (the kernel's jiffies).

use core::sync::atomic::{AtomicU64, Ordering};

/// A limited group's gate for charge-path reclaim.
#[derive(Debug)]
pub struct ReclaimGate {
    /// Ticks until which reclaim is not tried; meaningless while `0`.
    closed_until: AtomicU64,
}

/// `a` is after `b` on a clock that wraps (the kernel's `time_after()`).
fn after(a: u64, b: u64) -> bool {
    (b.wrapping_sub(a) as i64) < 0
}

impl Default for ReclaimGate {
    fn default() -> Self {
        Self::new()
    }
}

impl ReclaimGate {
    /// An open gate.
    pub const fn new() -> Self {
        Self {
            closed_until: AtomicU64::new(0),
        }
    }

    /// Whether a charge refused at `now` should try to reclaim.
    pub fn is_open(&self, now: u64) -> bool {
        let until = self.closed_until.load(Ordering::Relaxed);
        until == 0 || !after(until, now)
    }

    /// Records a reclaim tried at `now`: if it did not let the charge
    /// through, the gate stays closed for `backoff` ticks after `now`.
    pub fn record(&self, now: u64, helped: bool, backoff: u64) {
        let until = if helped {
            0
        } else {
            // 0 means open; a deadline that lands on it moves by a tick.
            now.wrapping_add(backoff).max(1)
        };
        self.closed_until.store(until, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_gate_is_open() {
        assert!(ReclaimGate::new().is_open(0));
        assert!(ReclaimGate::new().is_open(u64::MAX));
    }

    #[test]
    fn a_futile_reclaim_closes_the_gate_for_the_backoff() {
        let gate = ReclaimGate::new();
        gate.record(1000, false, 25);
        assert!(!gate.is_open(1000));
        assert!(!gate.is_open(1024));
        assert!(gate.is_open(1025));
        assert!(gate.is_open(5000));
    }

    #[test]
    fn a_reclaim_that_helped_keeps_it_open() {
        let gate = ReclaimGate::new();
        gate.record(1000, false, 25);
        gate.record(1030, true, 25);
        assert!(gate.is_open(1031));
    }

    #[test]
    fn the_clock_may_wrap() {
        let gate = ReclaimGate::new();
        let now = u64::MAX - 10;
        gate.record(now, false, 25);
        assert!(!gate.is_open(now));
        assert!(!gate.is_open(5));
        assert!(gate.is_open(14));
        // A deadline of exactly 0 would read as open.
        gate.record(u64::MAX - 24, false, 25);
        assert!(!gate.is_open(0));
        assert!(gate.is_open(1));
    }
}
