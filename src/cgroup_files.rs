// SPDX-License-Identifier: GPL-2.0

//! What memctl's cgroup files show. The cftype tables in
//! `src/memctl_glue.c` call these handlers.

use crate::{
    ffi::{self, MemCgroup},
    units::pages_to_bytes,
};
use kernel::page::PAGE_SHIFT;

/// Reads `memory.kmem.current` (v2) and `memory.kmem.usage_in_bytes` (v1):
/// the group's kernel-memory usage in bytes, its descendants included.
///
/// # Safety
///
/// `memcg` must point to a live memory cgroup. The cgroup core guarantees
/// that for the group whose file is being read, for the whole call.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_usage_read(memcg: *mut MemCgroup) -> u64 {
    // SAFETY: The caller guarantees that `memcg` is live.
    let pages = unsafe { ffi::memctl_memcg_kmem_pages(memcg) };
    // `c_ulong` is `u64` on x86_64, and `PAGE_SHIFT` (12) fits any integer.
    pages_to_bytes(pages, PAGE_SHIFT as u32)
}
