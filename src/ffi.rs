// SPDX-License-Identifier: GPL-2.0

//! The C functions memctl calls: the hook layer's exports (`mm/memctl.c` in
//! the patched tree) and memctl's own glue (`src/memctl_glue.c`, declared in
//! `include/memctl_glue.h`; keep the two in step).
//!
//! `kernel::bindings` of 6.12 covers none of them, and their signatures are
//! plain enough to declare by hand.

use core::{
    ffi::{c_int, c_ulong, c_void},
    marker::{PhantomData, PhantomPinned},
};
use kernel::bindings::gfp_t;

/// An opaque C `struct mem_cgroup`, only ever handled by pointer.
#[repr(C)]
pub(crate) struct MemCgroup {
    _opaque: [u8; 0],
    _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

extern "C" {
    // The hook layer.

    /// The kernel's own kernel-memory page count of `memcg`, hierarchical.
    /// May sleep.
    pub(crate) fn memctl_memcg_kmem_pages(memcg: *mut MemCgroup) -> c_ulong;

    /// The state attached to `memcg`, or null.
    pub(crate) fn memctl_memcg_state(memcg: *mut MemCgroup) -> *mut c_void;

    /// Runs the memcg-aware shrinkers over `memcg`'s subtree, as far as
    /// `gfp` and the current task's allocation scope allow; returns how
    /// many objects they freed. Sleeps.
    pub(crate) fn memctl_memcg_reclaim_slab(memcg: *mut MemCgroup, gfp: gfp_t) -> c_ulong;

    /// Wakes up the pollers of `memcg`'s `memory.kmem.events`. Any context.
    pub(crate) fn memctl_memcg_notify_events(memcg: *mut MemCgroup);

    // The glue.

    /// Registers memctl's ops and cgroup files with the hook layer.
    pub(crate) fn memctl_glue_register() -> c_int;

    /// Undoes [`memctl_glue_register`], waiting for callers in flight.
    pub(crate) fn memctl_glue_unregister();

    /// Attaches `state` to `memcg` until the kernel frees `memcg`, pinning
    /// the module meanwhile. Fails with `EBUSY` if `memcg` has state and
    /// with `ENODEV` if the module is going away. May sleep.
    pub(crate) fn memctl_glue_attach(memcg: *mut MemCgroup, state: *mut c_void) -> c_int;

    pub(crate) fn memctl_glue_limit_lock();
    pub(crate) fn memctl_glue_limit_unlock();
    pub(crate) fn memctl_glue_tree_lock();
    pub(crate) fn memctl_glue_tree_unlock();

    /// `memcg`'s parent, or null for the root.
    pub(crate) fn memctl_glue_parent(memcg: *mut MemCgroup) -> *mut MemCgroup;

    /// Stores `memcg` and its descendants that are not being removed, parents
    /// first, with a reference each, in `subtree` and returns how many; if
    /// more than `capacity` exist it stores nothing and returns a number to
    /// retry with.
    pub(crate) fn memctl_glue_get_subtree(
        memcg: *mut MemCgroup,
        subtree: *mut *mut MemCgroup,
        capacity: usize,
    ) -> usize;

    /// Drops the references [`memctl_glue_get_subtree`] took.
    pub(crate) fn memctl_glue_put_subtree(subtree: *mut *mut MemCgroup, count: usize);

    /// Whether a charge with `gfp` by the current context must not be
    /// refused (`__GFP_NOFAIL`, dying tasks, tasks in reclaim).
    pub(crate) fn memctl_glue_charge_exempt(gfp: gfp_t) -> bool;

    /// Whether a charge with `gfp` may sleep.
    pub(crate) fn memctl_glue_charge_may_block(gfp: gfp_t) -> bool;

    /// Takes and drops references on the static keys of the hooks.
    pub(crate) fn memctl_glue_kmem_hooks_get();
    pub(crate) fn memctl_glue_kmem_hooks_put();
    pub(crate) fn memctl_glue_memcg_hooks_get();
    pub(crate) fn memctl_glue_memcg_hooks_put();

    /// Waits until objects freed through RCU so far are freed (and
    /// uncharged). Sleeps.
    pub(crate) fn memctl_glue_wait_for_rcu_frees();

    /// Gives up the CPU if another task should run. Sleeps.
    pub(crate) fn memctl_glue_cond_resched();

    /// The kernel's clock tick count, `jiffies`.
    pub(crate) fn memctl_glue_jiffies() -> u64;
}
