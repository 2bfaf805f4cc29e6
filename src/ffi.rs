// SPDX-License-Identifier: GPL-2.0

//! The C functions memctl calls: the hook layer's exports (`mm/memctl.c` in
//! the patched tree) and memctl's own glue (`src/memctl_glue.c`).
//!
//! `kernel::bindings` of 6.12 covers none of them, and their signatures are
//! plain enough to declare by hand.

use core::marker::{PhantomData, PhantomPinned};

/// An opaque C `struct mem_cgroup`, only ever handled by pointer.
#[repr(C)]
pub(crate) struct MemCgroup {
    _opaque: [u8; 0],
    _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

extern "C" {
    /// Registers memctl's ops and cgroup files with the hook layer.
    pub(crate) fn memctl_glue_register() -> core::ffi::c_int;

    /// Undoes [`memctl_glue_register`], waiting for callers in flight.
    pub(crate) fn memctl_glue_unregister();

    /// The kernel's own kernel-memory page count of `memcg`, hierarchical.
    /// May sleep.
    pub(crate) fn memctl_memcg_kmem_pages(memcg: *mut MemCgroup) -> core::ffi::c_ulong;
}
