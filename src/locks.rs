// SPDX-License-Identifier: GPL-2.0

//! memctl's two mutexes, defined in the C glue so that they are static and
//! known to lockdep from the start.
//!
//! The limit lock serialises limit changes, which may sleep in reclaim. The
//! tree lock serialises changes to which groups are accounted: activation of
//! a subtree against new cgroups coming online under an accounted parent.
//! It nests inside the limit lock and inside the cgroup core's
//! `cgroup_mutex` (the online hook runs under it).

use crate::ffi;

/// Holds the limit lock until dropped.
pub(crate) struct LimitLock(());

impl LimitLock {
    /// Takes the limit lock. Sleeps.
    pub(crate) fn lock() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_limit_lock() };
        Self(())
    }
}

impl Drop for LimitLock {
    fn drop(&mut self) {
        // SAFETY: `self` proves the lock is held by this task.
        unsafe { ffi::memctl_glue_limit_unlock() };
    }
}

/// Holds the tree lock until dropped.
pub(crate) struct TreeLock(());

impl TreeLock {
    /// Takes the tree lock. Sleeps.
    pub(crate) fn lock() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_tree_lock() };
        Self(())
    }
}

impl Drop for TreeLock {
    fn drop(&mut self) {
        // SAFETY: `self` proves the lock is held by this task.
        unsafe { ffi::memctl_glue_tree_unlock() };
    }
}
