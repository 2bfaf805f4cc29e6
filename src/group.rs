// SPDX-License-Identifier: GPL-2.0

//! memctl's state for one memory cgroup: an accounted group.
//!
//! A [`Group`] is attached to its memcg through the hook layer, which hands
//! it back on every hook call for that memcg and to [`Group::release`] when
//! the kernel frees the memcg. While any group exists the module is pinned
//! and the kmem hooks are on: each group holds one reference on their
//! static key.

use crate::{
    counter::{Counter, Node},
    ffi::{self, MemCgroup},
    reclaim::ReclaimGate,
};
use core::{
    ffi::c_void,
    ptr,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{error::to_result, prelude::*};

/// The state of an accounted memory cgroup.
///
/// # Invariants
///
/// - `memcg` is live for as long as the group is attached to it, and a group
///   is freed only by [`Group::release`], when the kernel frees `memcg`.
/// - `parent` is null or the group of `memcg`'s parent; a parent memcg is
///   freed after its children, so it outlives this group.
/// - An attached group holds a reference on the kmem hooks' static key.
pub(crate) struct Group {
    counter: Counter,
    reclaim_gate: ReclaimGate,
    parent: AtomicPtr<Group>,
    memcg: *mut MemCgroup,
}

impl Node for Group {
    fn counter(&self) -> &Counter {
        &self.counter
    }

    fn parent(&self) -> Option<&Self> {
        let parent = self.parent.load(Ordering::Acquire);
        // SAFETY: By the type invariants `parent` is null or a group that
        // outlives `self`.
        unsafe { parent.as_ref() }
    }
}

impl Group {
    /// The group of `memcg`, if it is accounted.
    ///
    /// # Safety
    ///
    /// `memcg` must be live for `'a`.
    pub(crate) unsafe fn of<'a>(memcg: *mut MemCgroup) -> Option<&'a Group> {
        // SAFETY: The caller guarantees that `memcg` is live.
        let state = unsafe { ffi::memctl_memcg_state(memcg) };
        // SAFETY: memctl attaches nothing but groups, and a group lives as
        // long as its memcg, which is live for `'a`.
        unsafe { state.cast::<Group>().as_ref() }
    }

    /// The group a hook passes as its state.
    ///
    /// # Safety
    ///
    /// `state` must be a group attached to a memcg that is live for `'a`.
    pub(crate) unsafe fn from_state<'a>(state: *mut c_void) -> &'a Group {
        // SAFETY: The caller guarantees that `state` is an attached group,
        // and an attached group lives as long as its memcg.
        unsafe { &*state.cast::<Group>() }
    }

    /// The accounted memcg.
    pub(crate) fn memcg(&self) -> *mut MemCgroup {
        self.memcg
    }

    /// The group's counter.
    pub(crate) fn counter(&self) -> &Counter {
        &self.counter
    }

    /// When charges refused by this group's limit may try to reclaim.
    pub(crate) fn reclaim_gate(&self) -> &ReclaimGate {
        &self.reclaim_gate
    }

    /// Allocates an unattached group for `memcg`, unlimited, its usage
    /// starting at zero.
    pub(crate) fn new(memcg: *mut MemCgroup) -> Result<KBox<Group>> {
        Ok(KBox::new(
            Group {
                counter: Counter::new(0),
                reclaim_gate: ReclaimGate::new(),
                parent: AtomicPtr::new(ptr::null_mut()),
                memcg,
            },
            GFP_KERNEL,
        )?)
    }

    /// Links `self` to the group of its memcg's parent, if that is accounted
    /// and `self` is not linked yet. Called under the tree lock.
    ///
    /// # Safety
    ///
    /// `self.memcg` must be live.
    pub(crate) unsafe fn link_to_parent(&self) {
        if !self.parent.load(Ordering::Relaxed).is_null() {
            return;
        }
        // SAFETY: The caller guarantees that `self.memcg` is live, so its
        // parent is too (a child pins its parent).
        let parent = unsafe { ffi::memctl_glue_parent(self.memcg) };
        if parent.is_null() {
            return;
        }
        // SAFETY: As above, `parent` is live.
        if let Some(parent) = unsafe { Group::of(parent) } {
            // INVARIANT: `parent` is the group of the parent memcg.
            self.parent
                .store(ptr::from_ref(parent).cast_mut(), Ordering::Release);
        }
    }

    /// Attaches `group` to its memcg, linked to the parent's group, and
    /// turns the kmem hooks on for it. From then on the group's counter, and
    /// its accounted ancestors', count every charge and uncharge of the memcg.
    ///
    /// Fails with `EBUSY` if the memcg has state, or `ENODEV` if the module
    /// is going away; `group` is freed then.
    ///
    /// # Safety
    ///
    /// `group`'s memcg must be live for `'a`, and online or coming online.
    pub(crate) unsafe fn attach<'a>(group: KBox<Group>) -> Result<&'a Group> {
        // SAFETY: The caller guarantees that the memcg is live.
        unsafe { group.link_to_parent() };
        let memcg = group.memcg;
        let state = KBox::into_raw(group);
        // SAFETY: Taken here, dropped in `release` or below.
        unsafe { ffi::memctl_glue_kmem_hooks_get() };
        // SAFETY: The caller guarantees that `memcg` is live; `state` is a
        // group, which `release` frees when the kernel frees `memcg`.
        let attached = to_result(unsafe { ffi::memctl_glue_attach(memcg, state.cast()) });
        match attached {
            // SAFETY: `state` is attached now, so it lives as long as its
            // memcg, which the caller guarantees is live for `'a`.
            Ok(()) => Ok(unsafe { &*state }),
            Err(error) => {
                // SAFETY: `state` came from `KBox::into_raw` and was not
                // attached, so nothing else refers to it.
                drop(unsafe { KBox::from_raw(state) });
                // SAFETY: Drops the reference taken above.
                unsafe { ffi::memctl_glue_kmem_hooks_put() };
                Err(error)
            }
        }
    }

    /// Frees the group the kernel hands back when it frees its memcg.
    ///
    /// # Safety
    ///
    /// `state` must be a group that `attach` attached, and the hook layer
    /// must have detached it: nothing refers to it any more.
    pub(crate) unsafe fn release(state: *mut c_void) {
        // SAFETY: The caller guarantees that `state` came from `attach`,
        // which got it from `KBox::into_raw`, and is no longer shared.
        drop(unsafe { KBox::from_raw(state.cast::<Group>()) });
        // SAFETY: Drops the reference `attach` took for this group.
        unsafe { ffi::memctl_glue_kmem_hooks_put() };
    }
}
