// SPDX-License-Identifier: GPL-2.0

//! Setting a kmem limit: parsing, switching accounting on for a subtree,
//! and lowering a limit below the usage.

use crate::{
    ffi::{self, MemCgroup},
    group::Group,
    kmem::UNLIMITED_PAGES,
    limit::{Limit, LimitSyntax},
    locks::MutexGuard,
    subtree::Subtree,
};
use kernel::{bindings, page::PAGE_SHIFT, prelude::*};

/// The syntax of `memory.kmem.limit_in_bytes` (v1) or `memory.kmem.max`.
fn syntax(v1: bool) -> LimitSyntax<'static> {
    LimitSyntax {
        unlimited: if v1 { b"-1" } else { b"max" },
        // `PAGE_SHIFT` (12) fits any integer type.
        page_shift: PAGE_SHIFT as u32,
        unlimited_pages: UNLIMITED_PAGES,
    }
}

/// Applies a value written to a kmem limit file of `memcg`.
///
/// A finite limit on an unaccounted group switches accounting on for the
/// group and its descendants, with the limit in place from the start;
/// "unlimited" there changes nothing. A limit below the usage first reclaims
/// the group's slab and fails with `EBUSY`, keeping the old limit (or the
/// group unaccounted), if the usage stays above it. A group being removed
/// cannot be switched on: `ENODEV`, as for the cgroup core's own files.
/// A write that fails changes nothing.
///
/// # Safety
///
/// `memcg` must be live and not the root; the cgroup core guarantees that
/// for a file handler of a file that is not on the root.
pub(crate) unsafe fn write(memcg: *mut MemCgroup, input: &[u8], v1: bool) -> Result {
    let limit = match syntax(v1).parse(input).map_err(|_| EINVAL)? {
        Limit::Unlimited => None,
        Limit::Pages(pages) => Some(pages),
    };
    let _limits = MutexGuard::limits();
    // SAFETY: The caller guarantees that `memcg` is live.
    if let Some(group) = unsafe { Group::of(memcg) } {
        return set_limit(group, limit);
    }
    // libcgroup writes every file back with the value it read: "unlimited"
    // must not switch accounting on.
    let Some(pages) = limit else {
        return Ok(());
    };
    // Refuse before switching accounting on rather than after.
    // SAFETY: The caller guarantees that `memcg` is live, for both calls.
    unsafe { fit_with_one_reclaim(memcg, || ffi::memctl_memcg_kmem_pages(memcg, true) <= pages) }?;
    // SAFETY: As above.
    unsafe { activate(memcg, pages) }
}

/// Sets `group`'s limit, reclaiming once if the usage is above it.
fn set_limit(group: &Group, limit: Option<u64>) -> Result {
    let fits = || {
        group
            .counter()
            // SAFETY: Called under the limit lock, a mutex: may sleep.
            .set_limit(limit, || unsafe { ffi::memctl_glue_cond_resched() })
            .is_ok()
    };
    // SAFETY: `group` is attached, so its memcg is live.
    unsafe { fit_with_one_reclaim(group.memcg(), fits) }
}

/// Succeeds if `fits` does, or does after one reclaim of `memcg`'s subtree;
/// fails with `EBUSY` otherwise.
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn fit_with_one_reclaim(memcg: *mut MemCgroup, mut fits: impl FnMut() -> bool) -> Result {
    if fits() {
        return Ok(());
    }
    // SAFETY: The caller guarantees that `memcg` is live.
    unsafe { reclaim(memcg) };
    if fits() {
        Ok(())
    } else {
        Err(EBUSY)
    }
}

/// Frees what can be freed of the kernel memory of `memcg`'s subtree
/// (unused dentries and inodes) and waits until it is uncharged.
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn reclaim(memcg: *mut MemCgroup) {
    // SAFETY: The caller guarantees that `memcg` is live; a file write may
    // sleep and enter the file system.
    unsafe { ffi::memctl_memcg_reclaim_slab(memcg, bindings::GFP_KERNEL) };
    // SAFETY: Sleeps, which a file write may.
    unsafe { ffi::memctl_glue_wait_for_rcu_frees() };
}

/// Holds references on the static keys of the hooks for an activation.
///
/// Taken before the tree lock and the snapshot of the subtree, the memcg
/// lifecycle key makes every memcg that comes online from then on ask
/// memctl (and wait for the tree lock), so that a child created during the
/// activation is either in the snapshot or accounted from birth; the kmem
/// key makes the charge hooks count for each group from the moment it is
/// attached, which exact counters need (see [`activate`]).
struct HooksHeld(());

impl HooksHeld {
    fn get() -> Self {
        // SAFETY: Dropped in `drop`. Sleeps, which a file write may.
        unsafe {
            ffi::memctl_glue_memcg_hooks_get();
            ffi::memctl_glue_kmem_hooks_get();
        }
        Self(())
    }
}

impl Drop for HooksHeld {
    fn drop(&mut self) {
        // SAFETY: Drops the references `get` took.
        unsafe {
            ffi::memctl_glue_kmem_hooks_put();
            ffi::memctl_glue_memcg_hooks_put();
        }
    }
}

/// Switches accounting on for `memcg`, with a limit of `pages`, and for each
/// of its descendants that is not accounted yet, and links groups accounted
/// earlier to their new parents.
///
/// Each new counter starts at zero when its group is attached, linked to its
/// parent's, so that from then on it and its ancestors' see every charge and
/// uncharge; only once the whole subtree is attached and linked is each
/// rebased on an exact count of the kernel's. A charge or uncharge is thus
/// counted once: in the kernel's count if it came first, by the hooks if it
/// came after.
///
/// Nothing is attached if allocating fails or `memcg` is being removed
/// (`ENODEV`).
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn activate(memcg: *mut MemCgroup, pages: u64) -> Result {
    let _hooks = HooksHeld::get();
    let _tree = MutexGuard::tree();
    // SAFETY: The caller guarantees that `memcg` is live.
    let subtree = unsafe { Subtree::get(memcg) }?;
    // A removed group is left out of its own snapshot.
    if subtree.iter().next() != Some(memcg) {
        return Err(ENODEV);
    }
    let mut new_groups = KVec::new();
    for memcg in subtree.iter() {
        // SAFETY: The snapshot holds a reference on `memcg`.
        if unsafe { Group::of(memcg) }.is_none() {
            new_groups.push(Group::new(memcg)?, GFP_KERNEL)?;
        }
    }
    let mut attached = KVec::with_capacity(new_groups.len(), GFP_KERNEL)?;
    // Parents come first, so each new group finds its parent's. The first
    // is `memcg`'s, which the check above found unaccounted.
    for group in new_groups {
        if group.memcg() == memcg {
            // Nothing else refers to the counter yet, and it is at zero.
            let _ = group.counter().set_limit(Some(pages), || {});
        }
        // SAFETY: The snapshot holds a reference on the group's memcg,
        // which was online or coming online when taken, for the rest of
        // this function.
        let group = unsafe { Group::attach(group) }?;
        // `attached` has room for every new group.
        attached.push(group, GFP_KERNEL)?;
    }
    // Groups accounted earlier may have an accounted parent now.
    for memcg in subtree.iter() {
        // SAFETY: The snapshot holds a reference on `memcg`.
        if let Some(group) = unsafe { Group::of(memcg) } {
            // SAFETY: As above.
            unsafe { group.link_to_parent() };
        }
    }
    for group in attached.iter() {
        // SAFETY: The snapshot holds a reference on the group's memcg.
        unsafe { rebase_on_kernel_count(group) };
    }
    Ok(())
}

/// Rebases `group`'s counter on the kernel's count of its memcg, read while
/// the counter did not change, as far as a few tries can find such a moment;
/// a charge that lands between the reads of a try makes it try again.
///
/// # Safety
///
/// `group`'s memcg must be live.
unsafe fn rebase_on_kernel_count(group: &Group) {
    const TRIES: usize = 16;
    let counter = group.counter();
    let mut before = counter.counted();
    for attempt in 1..=TRIES {
        // SAFETY: The caller guarantees that the memcg is live.
        let kernel = unsafe { ffi::memctl_memcg_kmem_pages(group.memcg(), true) };
        let after = counter.counted();
        if after == before || attempt == TRIES {
            counter.rebase(kernel, before);
            return;
        }
        before = after;
    }
}
