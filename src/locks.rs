// SPDX-License-Identifier: GPL-2.0

//! memctl's mutexes, defined in the C glue so that they are static and
//! known to lockdep from the start.
//!
//! The limit lock serialises limit changes, which may sleep in reclaim. The
//! tree lock serialises changes to which groups are accounted: activation of
//! a subtree against new cgroups coming online under an accounted parent.
//! It nests inside the limit lock and inside the cgroup core's
//! `cgroup_mutex` (the online hook runs under it). The dirty lock
//! serialises writes of dirty settings, and the task lock writes of task
//! settings, each against unload turning its hooks off. The log lock guards
//! the rate limit of `LOG`'s lines.

use crate::ffi;
use kernel::{error::to_result, prelude::*};

/// Holds one of the glue's mutexes until dropped.
pub(crate) struct MutexGuard {
    unlock: unsafe extern "C" fn(),
}

impl MutexGuard {
    /// Takes the limit lock. Sleeps.
    pub(crate) fn limits() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_limit_lock() };
        Self {
            unlock: ffi::memctl_glue_limit_unlock,
        }
    }

    /// Takes the tree lock. Sleeps.
    pub(crate) fn tree() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_tree_lock() };
        Self {
            unlock: ffi::memctl_glue_tree_unlock,
        }
    }

    /// Takes the dirty lock. Sleeps.
    pub(crate) fn dirty() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_dirty_lock() };
        Self {
            unlock: ffi::memctl_glue_dirty_unlock,
        }
    }

    /// Takes the log lock. Sleeps.
    pub(crate) fn log() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_log_lock() };
        Self {
            unlock: ffi::memctl_glue_log_unlock,
        }
    }

    /// Takes the task lock, unless the caller gets a fatal signal while it
    /// waits. Sleeps.
    pub(crate) fn tasks_killable() -> Result<Self> {
        // SAFETY: The mutex is static; on success `Drop` releases it
        // exactly once.
        to_result(unsafe { ffi::memctl_glue_task_lock_killable() })?;
        Ok(Self {
            unlock: ffi::memctl_glue_task_unlock,
        })
    }

    /// Takes the task lock. Sleeps.
    pub(crate) fn tasks() -> Self {
        // SAFETY: The mutex is static; `Drop` releases it exactly once.
        unsafe { ffi::memctl_glue_task_lock() };
        Self {
            unlock: ffi::memctl_glue_task_unlock,
        }
    }
}

impl Drop for MutexGuard {
    fn drop(&mut self) {
        // SAFETY: `unlock` releases the mutex the constructor took, which
        // this task holds.
        unsafe { (self.unlock)() };
    }
}
