// SPDX-License-Identifier: GPL-2.0

//! The kmem controller's hook callbacks: charge, uncharge, the memcg
//! lifecycle and the OOM report. `src/memctl_glue.c` puts them in the ops
//! table it registers with the hook layer.

use crate::{
    counter,
    ffi::{self, MemCgroup},
    group::Group,
    locks::MutexGuard,
    units::pages_to_bytes,
};
use core::ffi::{c_int, c_ulong, c_void};
use kernel::{bindings::gfp_t, page::PAGE_SHIFT, prelude::*};

/// The largest page count a kernel page counter holds (`PAGE_COUNTER_MAX`),
/// which the kernel prints and shows as "unlimited" on cgroup v1.
pub(crate) const UNLIMITED_PAGES: u64 = (i64::MAX as u64) >> PAGE_SHIFT;

/// `pages` in bytes.
pub(crate) fn bytes(pages: u64) -> u64 {
    // `PAGE_SHIFT` (12) fits any integer type.
    pages_to_bytes(pages, PAGE_SHIFT as u32)
}

/// How long charges refused by a group's limit fail without trying to
/// reclaim after a reclaim that did not help: 100 ms, so that a workload that
/// keeps hitting its limit with nothing to reclaim (a fork bomb) walks the
/// subtree's shrinkers at most ten times a second.
fn reclaim_backoff() -> u64 {
    // Jiffies are an `unsigned long`: a `u64` holds them.
    kernel::time::msecs_to_jiffies(100) as u64
}

/// Kernel memory is being charged to the memcg of `state`.
///
/// Refuses with `ENOMEM` if the charge would take the group or an accounted
/// ancestor above its limit, unless the charge must not fail, after trying
/// once to make room by shrinking the limited group's slab caches if the
/// charge may sleep and the group's [`ReclaimGate`] is open.
///
/// [`ReclaimGate`]: crate::reclaim::ReclaimGate
///
/// # Safety
///
/// `state` must be a group attached to a live memcg; the hook layer
/// guarantees that for the call.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_kmem_charge(
    state: *mut c_void,
    gfp: gfp_t,
    nr_pages: c_ulong,
) -> c_int {
    // SAFETY: The caller guarantees that `state` is a group of a live memcg.
    let group = unsafe { Group::from_state(state) };
    let pages = nr_pages;
    let Err(mut limited) = counter::try_charge(group, pages) else {
        return 0;
    };
    // SAFETY: Reads only the flags of `gfp` and of the current task.
    if unsafe { ffi::memctl_glue_charge_exempt(gfp) } {
        counter::force_charge(group, pages);
        return 0;
    }
    // SAFETY: As above.
    if unsafe { ffi::memctl_glue_charge_may_block(gfp) } {
        // SAFETY: Reads the clock.
        let now = unsafe { ffi::memctl_glue_jiffies() };
        let gate = limited.reclaim_gate();
        if gate.is_open(now) {
            // SAFETY: `limited` is `group` or an ancestor, so its memcg is
            // live, and `gfp` allows sleeping.
            let freed = unsafe { ffi::memctl_memcg_reclaim_slab(limited.memcg(), gfp) };
            // Dentries and inodes are freed, and uncharged, only after an
            // RCU grace period: without waiting, the retry would see their
            // uncharge only by chance.
            if freed > 0 {
                // SAFETY: `gfp` allows sleeping.
                unsafe { ffi::memctl_glue_wait_for_rcu_frees() };
            }
            let retried = counter::try_charge(group, pages);
            gate.record(now, retried.is_ok(), reclaim_backoff());
            match retried {
                Ok(()) => return 0,
                Err(still_limited) => limited = still_limited,
            }
        }
    }
    counter::record_refusal(limited, |changed| {
        // SAFETY: `changed` is `limited` or an ancestor, so its memcg is live;
        // notification works in any context.
        unsafe { ffi::memctl_memcg_notify_events(changed.memcg()) }
    });
    ENOMEM.to_errno()
}

/// Kernel memory charged to the memcg of `state` is returned. Any context.
///
/// # Safety
///
/// `state` must be a group attached to a live memcg; the hook layer
/// guarantees that for the call.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_kmem_uncharge(state: *mut c_void, nr_pages: c_ulong) {
    // SAFETY: The caller guarantees that `state` is a group of a live memcg.
    let group = unsafe { Group::from_state(state) };
    counter::uncharge(group, nr_pages);
}

/// A memcg is coming online while some memcg is accounted: account it from
/// birth if its parent is accounted.
///
/// # Safety
///
/// `memcg` must be a live memcg coming online; the hook layer calls this
/// from the memory controller's `css_online` under `cgroup_mutex`.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_memcg_online(memcg: *mut MemCgroup) -> c_int {
    let _tree = MutexGuard::tree();
    // SAFETY: The caller guarantees that `memcg` is live, and a child pins
    // its parent.
    let parent = unsafe { ffi::memctl_glue_parent(memcg) };
    // SAFETY: As above, `parent` is null or live.
    let parent_accounted = !parent.is_null() && unsafe { Group::of(parent) }.is_some();
    // SAFETY: The caller guarantees that `memcg` is live. An activation
    // that reached `memcg` before it came online has accounted it already.
    let accounted = unsafe { Group::of(memcg) }.is_some();
    if !parent_accounted || accounted {
        return 0;
    }
    // Nothing can be charged to a memcg before it is online: its counter
    // is exact at zero.
    let attached = Group::new(memcg).and_then(|group| {
        // SAFETY: The caller guarantees that `memcg` is live and coming
        // online.
        unsafe { Group::attach(group) }.map(|_| ())
    });
    match attached {
        Ok(()) => 0,
        Err(error) => error.to_errno(),
    }
}

/// The kernel frees a memcg that has a group: free the group.
///
/// # Safety
///
/// `state` must be the group of `memcg`, detached by the hook layer.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_memcg_free(_memcg: *mut MemCgroup, state: *mut c_void) {
    // SAFETY: The caller guarantees that `state` is a detached group.
    unsafe { Group::release(state) };
}

/// The values of memctl's line in a memcg OOM report, in bytes; returns
/// whether there is such a line.
///
/// # Safety
///
/// `state` must be a group attached to a live memcg, and the pointers valid
/// for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_oom_stats(
    state: *mut c_void,
    usage: *mut u64,
    limit: *mut u64,
    failcnt: *mut u64,
) -> bool {
    // SAFETY: The caller guarantees that `state` is a group of a live memcg.
    let counter = unsafe { Group::from_state(state) }.counter();
    // SAFETY: The caller guarantees that the pointers are valid for writes.
    unsafe {
        *usage = bytes(counter.usage());
        *limit = bytes(counter.limit().unwrap_or(UNLIMITED_PAGES));
        *failcnt = counter.failcnt();
    }
    true
}
