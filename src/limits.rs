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
/// group and its descendants; "unlimited" there changes nothing. A limit
/// below the usage first reclaims the group's slab and fails with `EBUSY`,
/// keeping the old limit, if the usage stays above it.
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
    unsafe { fit_with_one_reclaim(memcg, || ffi::memctl_memcg_kmem_pages(memcg) <= pages) }?;
    // SAFETY: As above.
    unsafe { activate(memcg) }?;
    // SAFETY: As above.
    let group = unsafe { Group::of(memcg) }.ok_or(ENOMEM)?;
    set_limit(group, Some(pages))
}

/// Sets `group`'s limit, reclaiming once if the usage is above it.
fn set_limit(group: &Group, limit: Option<u64>) -> Result {
    // SAFETY: `group` is attached, so its memcg is live.
    unsafe { fit_with_one_reclaim(group.memcg(), || group.counter().set_limit(limit).is_ok()) }
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

/// Holds references on the static keys of the hooks, so that attaching
/// groups while it exists does not switch a key on, which would take the
/// CPU hotplug lock under the tree lock.
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

/// Switches accounting on for `memcg` and each of its online descendants
/// that is not accounted yet, each counter starting from the kernel's own
/// count, and links groups accounted earlier to their new parents.
///
/// Either every new group is attached or, if allocating one fails, none.
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn activate(memcg: *mut MemCgroup) -> Result {
    let _hooks = HooksHeld::get();
    let _tree = MutexGuard::tree();
    // SAFETY: The caller guarantees that `memcg` is live.
    let subtree = unsafe { Subtree::get(memcg) }?;
    let mut new_groups = KVec::new();
    for memcg in subtree.iter() {
        // SAFETY: The snapshot holds a reference on `memcg`.
        if unsafe { Group::of(memcg) }.is_none() {
            // SAFETY: As above.
            let usage = unsafe { ffi::memctl_memcg_kmem_pages(memcg) };
            new_groups.push(Group::new(memcg, usage)?, GFP_KERNEL)?;
        }
    }
    // Parents come first, so each new group finds its parent's.
    for group in new_groups {
        // SAFETY: The snapshot holds a reference on the group's memcg,
        // which was online when taken.
        unsafe { Group::attach(group) }?;
    }
    // Groups accounted earlier may have an accounted parent now.
    for memcg in subtree.iter() {
        // SAFETY: The snapshot holds a reference on `memcg`.
        if let Some(group) = unsafe { Group::of(memcg) } {
            // SAFETY: As above.
            unsafe { group.link_to_parent() };
        }
    }
    Ok(())
}
