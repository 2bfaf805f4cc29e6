// SPDX-License-Identifier: GPL-2.0

//! What memctl's cgroup files show and do. The cftype tables in
//! `src/memctl_glue.c` call these handlers; values are in bytes.
//!
//! A group whose kmem limit was never set is not accounted: its usage is the
//! kernel's own count, it has no limit and no refusals, and as memctl keeps
//! no high-water mark for it, its peak is its current usage.

use crate::{
    ffi::{self, MemCgroup},
    group::Group,
    kmem::bytes,
    limits,
};
use core::ffi::{c_char, c_int};

/// The pages the kernel counts as kernel memory of `memcg`, as a reader of
/// `memory.stat` sees them: anyone may read the files, and an exact count
/// would flush every CPU's statistics under the global rstat lock at each
/// read.
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn kernel_count(memcg: *mut MemCgroup) -> u64 {
    // SAFETY: The caller guarantees that `memcg` is live.
    unsafe { ffi::memctl_memcg_kmem_pages(memcg, false) }
}

/// `memory.kmem.current` (v2), `memory.kmem.usage_in_bytes` (v1).
///
/// # Safety
///
/// `memcg` must be live; the cgroup core guarantees that for the group
/// whose file is being accessed, for the whole call. The same holds for
/// every handler here.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_usage(memcg: *mut MemCgroup) -> u64 {
    // SAFETY: The caller guarantees that `memcg` is live.
    bytes(match unsafe { Group::of(memcg) } {
        Some(group) => group.counter().usage(),
        // SAFETY: As above.
        None => unsafe { kernel_count(memcg) },
    })
}

/// `memory.kmem.peak` (v2), `memory.kmem.max_usage_in_bytes` (v1).
///
/// # Safety
///
/// `memcg` must be live.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_peak(memcg: *mut MemCgroup) -> u64 {
    // SAFETY: The caller guarantees that `memcg` is live.
    bytes(match unsafe { Group::of(memcg) } {
        Some(group) => group.counter().watermark(),
        // SAFETY: As above.
        None => unsafe { kernel_count(memcg) },
    })
}

/// `memory.kmem.failcnt` (v1).
///
/// # Safety
///
/// `memcg` must be live.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_failcnt(memcg: *mut MemCgroup) -> u64 {
    // SAFETY: The caller guarantees that `memcg` is live.
    unsafe { Group::of(memcg) }.map_or(0, |group| group.counter().failcnt())
}

/// The limit in bytes, `u64::MAX` if unlimited.
///
/// # Safety
///
/// `memcg` must be live.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_limit(memcg: *mut MemCgroup) -> u64 {
    // SAFETY: The caller guarantees that `memcg` is live.
    unsafe { Group::of(memcg) }
        .and_then(|group| group.counter().limit())
        .map_or(u64::MAX, bytes)
}

/// The local and hierarchical counts of the `max` event.
///
/// # Safety
///
/// `memcg` must be live and the pointers valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_events(
    memcg: *mut MemCgroup,
    local: *mut u64,
    hierarchical: *mut u64,
) {
    // SAFETY: The caller guarantees that `memcg` is live.
    let counts = unsafe { Group::of(memcg) }.map_or((0, 0), |group| {
        (group.counter().events_local(), group.counter().events())
    });
    // SAFETY: The caller guarantees that the pointers are valid for writes.
    unsafe { (*local, *hierarchical) = counts };
}

/// A write to `memory.kmem.max` (v2) or `memory.kmem.limit_in_bytes` (v1):
/// 0 or a negative errno.
///
/// # Safety
///
/// `memcg` must be live and not the root, and `buf` valid for reads of
/// `len` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_limit_write(
    memcg: *mut MemCgroup,
    buf: *const c_char,
    len: usize,
    v1: bool,
) -> c_int {
    // SAFETY: The caller guarantees that `buf` is valid for `len` bytes.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    // SAFETY: The caller guarantees that `memcg` is live and not the root.
    match unsafe { limits::write(memcg, input, v1) } {
        Ok(()) => 0,
        Err(error) => error.to_errno(),
    }
}

/// A write to `memory.kmem.failcnt` (v1).
///
/// # Safety
///
/// `memcg` must be live.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_reset_failcnt(memcg: *mut MemCgroup) {
    // SAFETY: The caller guarantees that `memcg` is live.
    if let Some(group) = unsafe { Group::of(memcg) } {
        group.counter().reset_failcnt();
    }
}

/// A write to `memory.kmem.max_usage_in_bytes` (v1).
///
/// # Safety
///
/// `memcg` must be live.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_kmem_reset_peak(memcg: *mut MemCgroup) {
    // SAFETY: The caller guarantees that `memcg` is live.
    if let Some(group) = unsafe { Group::of(memcg) } {
        group.counter().reset_watermark();
    }
}
