// SPDX-License-Identifier: GPL-2.0

//! A snapshot of a memory cgroup and its descendants that are not being
//! removed.

use crate::ffi::{self, MemCgroup};
use kernel::prelude::*;

/// `memcg` and its descendants that are not being removed (including those
/// coming online), parents before children, each held by a reference until
/// the snapshot is dropped.
///
/// # Invariants
///
/// Every pointer in `memcgs` is a live memcg on which the snapshot holds a
/// reference.
pub(crate) struct Subtree {
    memcgs: KVec<*mut MemCgroup>,
}

impl Subtree {
    /// Takes the snapshot. Sleeps (to allocate).
    ///
    /// # Safety
    ///
    /// `memcg` must be live.
    pub(crate) unsafe fn get(memcg: *mut MemCgroup) -> Result<Self> {
        let mut capacity = 16;
        loop {
            let mut memcgs = KVec::with_capacity(capacity, GFP_KERNEL)?;
            // SAFETY: `memcgs` has room for `capacity` pointers, and the
            // caller guarantees that `memcg` is live.
            let count =
                unsafe { ffi::memctl_glue_get_subtree(memcg, memcgs.as_mut_ptr(), capacity) };
            if count <= capacity {
                // SAFETY: The glue stored `count` pointers.
                unsafe { memcgs.set_len(count) };
                // INVARIANT: The glue took a reference on each of them.
                return Ok(Self { memcgs });
            }
            // Cgroups were created meanwhile; the glue kept nothing.
            capacity = count.checked_mul(2).ok_or(ENOMEM)?;
        }
    }

    /// The memcgs, parents before children.
    pub(crate) fn iter(&self) -> impl Iterator<Item = *mut MemCgroup> + '_ {
        self.memcgs.iter().copied()
    }
}

impl Drop for Subtree {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the snapshot holds one reference on
        // each memcg, dropped only here.
        unsafe { ffi::memctl_glue_put_subtree(self.memcgs.as_mut_ptr(), self.memcgs.len()) };
    }
}
