// SPDX-License-Identifier: GPL-2.0

//! Hierarchical page counters with a limit, a high-water mark and refusal
//! counts: memctl's kernel-memory accounting.
//!
//! Each accounted cgroup has one [`Counter`]; a charge is added to the
//! group's counter and to every accounted ancestor's, and is refused if any
//! of them would go above its limit. This is the scheme of the kernel's
//! `mm/page_counter.c`, and like it the hot path is one atomic add per level
//! and no lock.
//!
//! Usage is kept signed and reads clamp it at zero. When accounting is
//! switched on for a group that already holds kernel memory, its counter
//! starts at zero, counts the charges and uncharges from then on, and is then
//! rebased on the kernel's own count ([`Counter::rebase`]); until then an
//! uncharge of older memory can take it below zero, and the signed count
//! keeps that exact instead of wrapping around.

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A cgroup in a hierarchy of counters.
pub trait Node {
    /// This group's counter.
    fn counter(&self) -> &Counter;
    /// The nearest accounted ancestor, if any.
    fn parent(&self) -> Option<&Self>;
}

/// The value of an unlimited limit.
const UNLIMITED: i64 = i64::MAX;

/// One group's kernel-memory counter, in pages.
#[derive(Debug)]
pub struct Counter {
    usage: AtomicI64,
    limit: AtomicI64,
    watermark: AtomicI64,
    failcnt: AtomicU64,
    events_local: AtomicU64,
    events: AtomicU64,
}

/// A limit change that would leave the usage above the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AboveLimit;

/// Clamps a page count into the signed range the counters use.
fn signed(pages: u64) -> i64 {
    i64::try_from(pages).unwrap_or(UNLIMITED)
}

impl Counter {
    /// A counter without a limit that starts at `usage` pages.
    pub const fn new(usage: u64) -> Self {
        let usage = if usage > UNLIMITED as u64 {
            UNLIMITED
        } else {
            usage as i64
        };
        Self {
            usage: AtomicI64::new(usage),
            limit: AtomicI64::new(UNLIMITED),
            watermark: AtomicI64::new(usage),
            failcnt: AtomicU64::new(0),
            events_local: AtomicU64::new(0),
            events: AtomicU64::new(0),
        }
    }

    /// Current usage in pages.
    pub fn usage(&self) -> u64 {
        self.usage.load(Ordering::SeqCst).max(0) as u64
    }

    /// The limit in pages, or `None` if unlimited.
    pub fn limit(&self) -> Option<u64> {
        match self.limit.load(Ordering::Relaxed) {
            UNLIMITED => None,
            pages => Some(pages as u64),
        }
    }

    /// The highest usage since the counter started or was last reset.
    pub fn watermark(&self) -> u64 {
        self.watermark.load(Ordering::Relaxed).max(0) as u64
    }

    /// Charges refused by this counter's own limit (v1 `failcnt`).
    pub fn failcnt(&self) -> u64 {
        self.failcnt.load(Ordering::Relaxed)
    }

    /// Charges refused by this counter's own limit since it started: the
    /// local count of the `max` event.
    pub fn events_local(&self) -> u64 {
        self.events_local.load(Ordering::Relaxed)
    }

    /// Charges refused by this counter's limit or by the limit of an
    /// accounted descendant: the hierarchical count of the `max` event.
    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// Sets `failcnt` back to zero.
    pub fn reset_failcnt(&self) {
        self.failcnt.store(0, Ordering::Relaxed);
    }

    /// Restarts the high-water mark from the current usage.
    pub fn reset_watermark(&self) {
        self.watermark
            .store(self.usage.load(Ordering::SeqCst), Ordering::Relaxed);
    }

    /// Sets the limit to `limit` pages (`None`: unlimited).
    ///
    /// Fails, leaving the old limit, if the usage is above the new limit; a
    /// charge that races with the change either sees the old limit and is
    /// then seen here, or sees the new one. Callers serialise changes of
    /// one counter's limit. `relax` runs before each retry; in the kernel it
    /// gives up the CPU, as `page_counter_set_max()` does, because charges
    /// may keep the retries going for a while.
    pub fn set_limit(&self, limit: Option<u64>, mut relax: impl FnMut()) -> Result<(), AboveLimit> {
        let new = limit.map_or(UNLIMITED, signed);
        loop {
            let usage = self.usage.load(Ordering::SeqCst);
            if usage > new {
                return Err(AboveLimit);
            }
            let old = self.limit.swap(new, Ordering::SeqCst);
            if new >= old || self.usage.load(Ordering::SeqCst) <= usage {
                return Ok(());
            }
            // Charges that saw the old limit came in meanwhile: check again.
            self.limit.store(old, Ordering::SeqCst);
            relax();
        }
    }

    /// The usage as counted, which may be below zero before [`rebase`].
    ///
    /// [`rebase`]: Counter::rebase
    pub fn counted(&self) -> i64 {
        self.usage.load(Ordering::SeqCst)
    }

    /// Makes the usage `kernel` pages plus whatever was counted after
    /// [`counted`] returned `counted_then`, and restarts the high-water mark.
    ///
    /// A counter that starts at zero when a group with kernel memory becomes
    /// accounted is exact from then on if it is rebased on a count of the
    /// kernel's taken while its own count read `counted_then`.
    ///
    /// [`counted`]: Counter::counted
    pub fn rebase(&self, kernel: u64, counted_then: i64) {
        let correction = signed(kernel).saturating_sub(counted_then);
        let usage = self
            .usage
            .fetch_add(correction, Ordering::SeqCst)
            .saturating_add(correction);
        self.watermark.store(usage, Ordering::Relaxed);
    }

    /// Adds `pages` if that keeps the usage within the limit.
    fn try_add(&self, pages: i64) -> bool {
        let new = self
            .usage
            .fetch_add(pages, Ordering::SeqCst)
            .saturating_add(pages);
        if new > self.limit.load(Ordering::SeqCst) {
            self.usage.fetch_sub(pages, Ordering::SeqCst);
            return false;
        }
        self.raise_watermark(new);
        true
    }

    /// Adds `pages` whatever the limit.
    fn add(&self, pages: i64) {
        let new = self
            .usage
            .fetch_add(pages, Ordering::SeqCst)
            .saturating_add(pages);
        self.raise_watermark(new);
    }

    fn sub(&self, pages: i64) {
        self.usage.fetch_sub(pages, Ordering::SeqCst);
    }

    fn raise_watermark(&self, usage: i64) {
        // Most charges do not set a new mark; only those pay for the write.
        if usage > self.watermark.load(Ordering::Relaxed) {
            self.watermark.fetch_max(usage, Ordering::Relaxed);
        }
    }
}

/// `node` and its accounted ancestors, nearest first.
fn lineage<N: Node>(node: &N) -> impl Iterator<Item = &N> {
    core::iter::successors(Some(node), |n| n.parent())
}

/// Charges `pages` to `node` and its ancestors, unless that would take one
/// of them above its limit.
///
/// On refusal nothing stays charged and the error names the nearest group
/// whose limit refused. The refusal is not recorded: see [`record_refusal`].
pub fn try_charge<N: Node>(node: &N, pages: u64) -> Result<(), &N> {
    let pages = signed(pages);
    for level in lineage(node) {
        if !level.counter().try_add(pages) {
            for charged in lineage(node).take_while(|n| !core::ptr::eq(*n, level)) {
                charged.counter().sub(pages);
            }
            return Err(level);
        }
    }
    Ok(())
}

/// Charges `pages` to `node` and its ancestors whatever their limits (the
/// charges the kernel never refuses).
pub fn force_charge<N: Node>(node: &N, pages: u64) {
    let pages = signed(pages);
    for level in lineage(node) {
        level.counter().add(pages);
    }
}

/// Returns `pages` charged to `node` and its ancestors.
pub fn uncharge<N: Node>(node: &N, pages: u64) {
    let pages = signed(pages);
    for level in lineage(node) {
        level.counter().sub(pages);
    }
}

/// Records that `limited`'s limit refused a charge: its `failcnt` and local
/// event count go up, and the hierarchical event count of it and of each
/// ancestor. `changed` is called for each group whose event counts changed.
pub fn record_refusal<N: Node>(limited: &N, mut changed: impl FnMut(&N)) {
    let counter = limited.counter();
    counter.failcnt.fetch_add(1, Ordering::Relaxed);
    counter.events_local.fetch_add(1, Ordering::Relaxed);
    for level in lineage(limited) {
        level.counter().events.fetch_add(1, Ordering::Relaxed);
        changed(level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::{sync::Arc, thread, vec::Vec};

    /// A group in a test hierarchy.
    #[derive(Debug)]
    struct Group<'a> {
        counter: Counter,
        parent: Option<&'a Group<'a>>,
    }

    impl Node for Group<'_> {
        fn counter(&self) -> &Counter {
            &self.counter
        }
        fn parent(&self) -> Option<&Self> {
            self.parent
        }
    }

    fn group<'a>(usage: u64, limit: Option<u64>, parent: Option<&'a Group<'a>>) -> Group<'a> {
        let group = Group {
            counter: Counter::new(usage),
            parent,
        };
        group.counter.set_limit(limit, || {}).unwrap();
        group
    }

    #[test]
    fn a_new_counter_starts_unlimited_at_its_seed() {
        let counter = Counter::new(42);
        assert_eq!(counter.usage(), 42);
        assert_eq!(counter.watermark(), 42);
        assert_eq!(counter.limit(), None);
        assert_eq!((counter.failcnt(), counter.events()), (0, 0));
    }

    #[test]
    fn charges_within_the_limit_succeed_up_to_it_exactly() {
        let g = group(0, Some(10), None);
        assert!(try_charge(&g, 4).is_ok());
        assert!(try_charge(&g, 6).is_ok());
        assert_eq!(g.counter.usage(), 10);
        assert!(try_charge(&g, 1).is_err());
        assert_eq!(g.counter.usage(), 10);
        uncharge(&g, 3);
        assert_eq!(g.counter.usage(), 7);
        assert_eq!(g.counter.watermark(), 10);
    }

    #[test]
    fn charges_go_to_every_ancestor() {
        let root = group(100, None, None);
        let mid = group(10, None, Some(&root));
        let leaf = group(0, None, Some(&mid));
        try_charge(&leaf, 5).unwrap();
        assert_eq!(
            (
                leaf.counter.usage(),
                mid.counter.usage(),
                root.counter.usage()
            ),
            (5, 15, 105)
        );
        uncharge(&leaf, 5);
        assert_eq!(
            (
                leaf.counter.usage(),
                mid.counter.usage(),
                root.counter.usage()
            ),
            (0, 10, 100)
        );
    }

    #[test]
    fn an_ancestor_limit_refuses_and_nothing_stays_charged() {
        let root = group(0, None, None);
        let mid = group(0, Some(8), Some(&root));
        let leaf = group(0, None, Some(&mid));
        let sibling = group(0, None, Some(&mid));
        try_charge(&sibling, 6).unwrap();
        let refused_by = try_charge(&leaf, 3).unwrap_err();
        assert!(core::ptr::eq(refused_by, &mid));
        assert_eq!(leaf.counter.usage(), 0);
        assert_eq!(mid.counter.usage(), 6);
        assert_eq!(root.counter.usage(), 6);
        try_charge(&leaf, 2).unwrap();
        assert_eq!(mid.counter.usage(), 8);
    }

    #[test]
    fn the_nearest_refusing_limit_is_reported() {
        let root = group(0, Some(5), None);
        let leaf = group(0, Some(3), Some(&root));
        assert!(core::ptr::eq(try_charge(&leaf, 4).unwrap_err(), &leaf));
        assert!(core::ptr::eq(try_charge(&leaf, 6).unwrap_err(), &leaf));
        let other = group(0, None, Some(&root));
        assert!(core::ptr::eq(try_charge(&other, 6).unwrap_err(), &root));
    }

    #[test]
    fn forced_charges_may_exceed_the_limit() {
        let root = group(0, Some(2), None);
        let leaf = group(0, Some(1), Some(&root));
        force_charge(&leaf, 5);
        assert_eq!((leaf.counter.usage(), root.counter.usage()), (5, 5));
        assert_eq!(leaf.counter.watermark(), 5);
        assert!(try_charge(&leaf, 1).is_err());
        uncharge(&leaf, 5);
        assert!(try_charge(&leaf, 1).is_ok());
    }

    #[test]
    fn underflow_reads_as_zero_and_later_counts_stay_exact() {
        let g = group(1, None, None);
        uncharge(&g, 3);
        assert_eq!(g.counter.usage(), 0);
        try_charge(&g, 2).unwrap();
        assert_eq!(g.counter.usage(), 0);
        try_charge(&g, 4).unwrap();
        assert_eq!(g.counter.usage(), 4);
    }

    #[test]
    fn huge_counts_saturate_instead_of_wrapping() {
        let g = group(0, Some(10), None);
        assert!(try_charge(&g, u64::MAX).is_err());
        assert_eq!(g.counter.usage(), 0);
        let big = Counter::new(u64::MAX);
        assert_eq!(big.usage(), i64::MAX as u64);
    }

    #[test]
    fn lowering_the_limit_below_usage_fails_and_keeps_the_old_limit() {
        let g = group(0, Some(100), None);
        try_charge(&g, 50).unwrap();
        assert_eq!(g.counter.set_limit(Some(49), || {}), Err(AboveLimit));
        assert_eq!(g.counter.limit(), Some(100));
        assert_eq!(g.counter.set_limit(Some(50), || {}), Ok(()));
        assert_eq!(g.counter.limit(), Some(50));
        assert_eq!(g.counter.set_limit(None, || {}), Ok(()));
        assert_eq!(g.counter.limit(), None);
        assert_eq!(g.counter.set_limit(Some(u64::MAX), || {}), Ok(()));
        assert_eq!(g.counter.limit(), None, "u64::MAX pages is unlimited");
    }

    #[test]
    fn a_limit_of_zero_refuses_everything() {
        let g = group(0, Some(0), None);
        assert!(try_charge(&g, 1).is_err());
        force_charge(&g, 1);
        assert_eq!(g.counter.usage(), 1);
    }

    #[test]
    fn refusals_count_locally_and_up_the_hierarchy() {
        let root = group(0, None, None);
        let mid = group(0, Some(1), Some(&root));
        let leaf = group(0, None, Some(&mid));
        let mut notified = Vec::new();
        let refused_by = try_charge(&leaf, 2).unwrap_err();
        record_refusal(refused_by, |g| notified.push(g as *const Group<'_>));
        assert_eq!(notified, [&mid as *const _, &root as *const _]);
        assert_eq!((mid.counter.failcnt(), mid.counter.events_local()), (1, 1));
        assert_eq!((mid.counter.events(), root.counter.events()), (1, 1));
        assert_eq!(
            (root.counter.failcnt(), root.counter.events_local()),
            (0, 0)
        );
        assert_eq!((leaf.counter.failcnt(), leaf.counter.events()), (0, 0));
    }

    #[test]
    fn resets() {
        let g = group(0, Some(4), None);
        try_charge(&g, 4).unwrap();
        record_refusal(try_charge(&g, 1).unwrap_err(), |_| {});
        uncharge(&g, 3);
        assert_eq!((g.counter.watermark(), g.counter.failcnt()), (4, 1));
        g.counter.reset_watermark();
        g.counter.reset_failcnt();
        assert_eq!((g.counter.watermark(), g.counter.failcnt()), (1, 0));
        assert_eq!(g.counter.events(), 1, "events are never reset");
    }

    /// Groups that live for the whole process, so threads can share them.
    fn leaked(
        usage: u64,
        limit: Option<u64>,
        parent: Option<&'static Group<'static>>,
    ) -> &'static Group<'static> {
        std::boxed::Box::leak(std::boxed::Box::new(group(usage, limit, parent)))
    }

    #[test]
    fn concurrent_charges_never_exceed_a_limit_and_balance_out() {
        use std::sync::atomic::AtomicU64;
        // Four threads that each try to hold 20 pages or more compete for
        // 16: the limit refuses often, and what the threads hold at once
        // never goes above it.
        const LIMIT: u64 = 16;
        let root = leaked(0, Some(LIMIT), None);
        let leaves: Arc<Vec<&'static Group<'static>>> =
            Arc::new((0..4).map(|_| leaked(0, None, Some(root))).collect());
        let held_by_all = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let leaves = Arc::clone(&leaves);
                let held_by_all = Arc::clone(&held_by_all);
                thread::spawn(move || {
                    let leaf = leaves[i];
                    let (mut held, mut refused, mut granted) = (Vec::new(), 0u64, 0u64);
                    for round in 0..20_000u64 {
                        let pages = 1 + (round + i as u64) % 4;
                        match try_charge(leaf, pages) {
                            Ok(()) => {
                                granted += 1;
                                let now = held_by_all.fetch_add(pages, Ordering::SeqCst) + pages;
                                assert!(now <= LIMIT, "{now} pages held under a limit of {LIMIT}");
                                held.push(pages);
                            }
                            Err(refused_by) => {
                                assert!(core::ptr::eq(refused_by, root));
                                refused += 1;
                            }
                        }
                        // Nine rounds take 20 pages or more: each thread
                        // meets the limit even if it runs alone.
                        if round % 9 == 8 {
                            for pages in held.drain(..) {
                                held_by_all.fetch_sub(pages, Ordering::SeqCst);
                                uncharge(leaf, pages);
                            }
                        }
                    }
                    for pages in held.drain(..) {
                        held_by_all.fetch_sub(pages, Ordering::SeqCst);
                        uncharge(leaf, pages);
                    }
                    (granted, refused)
                })
            })
            .collect();
        let (mut granted, mut refused) = (0, 0);
        for t in threads {
            let (g, r) = t.join().unwrap();
            granted += g;
            refused += r;
        }
        assert!(
            refused > 0,
            "the limit never refused: the test proves nothing"
        );
        assert!(granted > 0);
        assert_eq!(root.counter.usage(), 0);
        assert!(root.counter.watermark() <= LIMIT);
        for leaf in leaves.iter() {
            assert_eq!(leaf.counter.usage(), 0);
        }
    }

    #[test]
    fn lowering_the_limit_races_charges_without_breaking_it() {
        use std::sync::atomic::{AtomicBool, AtomicU64};
        // One thread charges a page at a time and publishes how many it
        // holds after each granted charge; another keeps changing the limit.
        // Once a change succeeded, the pages held never exceed the new limit.
        let g = leaked(0, None, None);
        let held = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let charger = {
            let (held, refused, done) =
                (Arc::clone(&held), Arc::clone(&refused), Arc::clone(&done));
            thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    if try_charge(g, 1).is_ok() {
                        held.fetch_add(1, Ordering::SeqCst);
                    } else {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    if held.load(Ordering::SeqCst) > 100 {
                        let pages = held.swap(0, Ordering::SeqCst);
                        uncharge(g, pages);
                    }
                }
                uncharge(g, held.swap(0, Ordering::SeqCst));
            })
        };
        let (mut set, mut above) = (0, 0);
        // Until every outcome was seen often, however the threads are
        // scheduled on a loaded machine.
        for round in 0..10_000_000u64 {
            if round >= 20_000
                && set >= 1_000
                && above >= 1_000
                && refused.load(Ordering::SeqCst) >= 100
            {
                break;
            }
            let limit = 20 + round % 100;
            match g.counter.set_limit(Some(limit), thread::yield_now) {
                Ok(()) => {
                    set += 1;
                    let now = held.load(Ordering::SeqCst);
                    assert!(now <= limit, "{now} pages held under a limit of {limit}");
                }
                Err(AboveLimit) => above += 1,
            }
        }
        done.store(true, Ordering::SeqCst);
        charger.join().unwrap();
        let refused = refused.load(Ordering::SeqCst);
        assert!(
            set > 0 && above > 0,
            "set {set}, refused as above the usage {above}"
        );
        assert!(refused > 0, "no charge ever met a limit");
        assert_eq!(g.counter.usage(), 0);
    }

    #[test]
    fn rebasing_on_the_kernel_count_keeps_later_changes() {
        // Accounting starts at zero; 3 pages are uncharged (older memory)
        // and 5 charged before the kernel is asked, which then counts 40.
        let g = group(0, None, None);
        uncharge(&g, 3);
        try_charge(&g, 5).unwrap();
        let counted_then = g.counter.counted();
        assert_eq!(counted_then, 2);
        // A charge after the kernel's count counts on top of it.
        try_charge(&g, 1).unwrap();
        g.counter.rebase(40, counted_then);
        assert_eq!(g.counter.usage(), 41);
        assert_eq!(g.counter.watermark(), 41);
        uncharge(&g, 41);
        assert_eq!(g.counter.usage(), 0);
    }
}
