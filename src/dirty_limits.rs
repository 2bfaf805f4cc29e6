// SPDX-License-Identifier: GPL-2.0

//! Per-group dirty page-cache limits (SPEC 3): the files, and the dirty
//! hooks' callbacks.
//!
//! A group's settings live in its memcg as words the hook layer copies to
//! a new child (`word` in the pure logic), tagged with this load of the
//! module; settings of another load read as "follows the global values",
//! so unloading needs no walk over the memcgs and a reload starts clean.
//! The settings do not pin the module.
//!
//! The dirty hooks' static key turns on at the first write of a setting
//! and off at unload: [`DirtyHooks`] holds it.

use crate::{
    dirty::{
        self, dirtyable_pages, domain_thresholds, word, DirtyFile, DirtySettings, GlobalSettings,
        Level, Pause, Thresholds,
    },
    ffi::{self, BdiWriteback, MemCgroup, DIRTY_WORDS},
    limit::ParseError,
    locks::MutexGuard,
    settings_key::SettingsKey,
};
use core::{
    ffi::{c_char, c_int, c_uint, c_ulong},
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::{page::PAGE_SHIFT, prelude::*};

/// The tag of this load, set once at init; 0 until then.
static LOAD_TAG: AtomicU64 = AtomicU64::new(0);
/// The dirty hooks' key. At unload, writes are refused and throttled
/// writers let go.
// SAFETY: The glue functions take and drop a reference on the dirty hooks'
// key, and may sleep.
static KEY: SettingsKey = unsafe {
    SettingsKey::new(
        ffi::memctl_glue_dirty_hooks_get,
        ffi::memctl_glue_dirty_hooks_put,
    )
};

// `PAGE_SHIFT` (12) fits any integer type.
const PAGE_SHIFT_U32: u32 = PAGE_SHIFT as u32;

/// The dirty hooks while this load may turn them on; dropping it (at
/// unload, before the hook layer checks that every key is off) refuses
/// further writes and turns them off.
pub(crate) struct DirtyHooks(());

impl DirtyHooks {
    /// Tags this load.
    pub(crate) fn new() -> Self {
        // SAFETY: Reads a clock.
        LOAD_TAG.store(unsafe { ffi::memctl_glue_load_tag() }, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for DirtyHooks {
    fn drop(&mut self) {
        let _lock = MutexGuard::dirty();
        KEY.close();
    }
}

/// The settings of `memcg`.
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn settings_of(memcg: *mut MemCgroup) -> DirtySettings {
    let mut words = [0u64; DIRTY_WORDS];
    // SAFETY: The caller guarantees that `memcg` is live; `words` has room.
    unsafe { ffi::memctl_glue_read_dirty_words(memcg, words.as_mut_ptr()) };
    if words[0] != LOAD_TAG.load(Ordering::Relaxed) {
        return DirtySettings::GLOBAL;
    }
    DirtySettings {
        foreground: word::decode(words[1]),
        background: word::decode(words[2]),
    }
}

/// The `vm.dirty_*` sysctls.
fn global_settings() -> GlobalSettings {
    let (mut ratio, mut bytes, mut bg_ratio, mut bg_bytes) = (0, 0, 0, 0);
    // SAFETY: The pointers are valid for writes.
    unsafe {
        ffi::memctl_global_dirty_settings(&mut ratio, &mut bytes, &mut bg_ratio, &mut bg_bytes)
    };
    GlobalSettings {
        ratio,
        bytes,
        background_ratio: bg_ratio,
        background_bytes: bg_bytes,
    }
}

/// The file with index `file` (the glue's `.private`).
fn file_of(file: c_uint) -> Option<DirtyFile> {
    DirtyFile::ALL.get(usize::try_from(file).ok()?).copied()
}

/// A read of a dirty file of `memcg`.
///
/// # Safety
///
/// `memcg` must be live; the cgroup core guarantees that for the group
/// whose file is read.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_dirty_read(memcg: *mut MemCgroup, file: c_uint) -> u64 {
    let Some(file) = file_of(file) else {
        return 0;
    };
    // SAFETY: The caller guarantees that `memcg` is live; the root has no
    // parent, and its files show the global values.
    let settings = if unsafe { ffi::memctl_glue_parent(memcg) }.is_null() {
        DirtySettings::GLOBAL
    } else {
        // SAFETY: As above.
        unsafe { settings_of(memcg) }
    };
    file.read(&settings, &global_settings())
}

/// A write to a dirty file of `memcg`: 0 or a negative errno. `EINVAL` in
/// the root cgroup and for anything that does not parse; a failed write
/// changes nothing.
///
/// # Safety
///
/// `memcg` must be live and `buf` valid for reads of `len` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_dirty_write(
    memcg: *mut MemCgroup,
    file: c_uint,
    buf: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: The caller guarantees that `buf` is valid for `len` bytes.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    // SAFETY: The caller guarantees that `memcg` is live.
    match unsafe { write(memcg, file, input) } {
        Ok(()) => 0,
        Err(error) => error.to_errno(),
    }
}

/// See [`memctl_dirty_write`].
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn write(memcg: *mut MemCgroup, file: c_uint, input: &[u8]) -> Result {
    let file = file_of(file).ok_or(EINVAL)?;
    // SAFETY: The caller guarantees that `memcg` is live.
    if unsafe { ffi::memctl_glue_parent(memcg) }.is_null() {
        return Err(EINVAL);
    }
    let _lock = MutexGuard::dirty();
    if KEY.closing() {
        return Err(ENODEV);
    }
    // SAFETY: As above.
    let old = unsafe { settings_of(memcg) };
    let new = file
        .write(&old, input, PAGE_SHIFT_U32)
        .map_err(|_: ParseError| EINVAL)?;
    let words = [
        LOAD_TAG.load(Ordering::Relaxed),
        word::encode(new.foreground).ok_or(EINVAL)?,
        word::encode(new.background).ok_or(EINVAL)?,
    ];
    // Dropped by `DirtyHooks::drop`. Sleeps, which a file write may.
    KEY.take();
    // SAFETY: As above; the dirty lock is held.
    unsafe { ffi::memctl_glue_write_dirty_words(memcg, words.as_ptr()) };
    Ok(())
}

/// The global domain's dirtyable and dirty (with writeback) pages.
fn global_state() -> (u64, u64) {
    let (mut avail, mut dirty) = (0, 0);
    // SAFETY: The pointers are valid for writes.
    unsafe { ffi::memctl_global_dirty_state(&mut avail, &mut dirty) };
    (avail, dirty)
}

/// A memcg's page cache as its dirty thresholds see it.
struct Counts {
    /// Dirty pages and pages under writeback.
    dirty: u64,
    /// Dirtyable pages ([`dirtyable_pages`]).
    dirtyable: u64,
}

/// The counts of `memcg`, given the global domain's dirtyable and dirty
/// pages.
///
/// # Safety
///
/// `memcg` must be live. Sleeps.
unsafe fn counts_of(memcg: *mut MemCgroup, global: (u64, u64)) -> Counts {
    let (mut file, mut headroom, mut dirty, mut writeback) = (0, 0, 0, 0);
    // SAFETY: The caller guarantees that `memcg` is live; the pointers are
    // valid for writes.
    unsafe {
        ffi::memctl_memcg_dirty_stats(memcg, &mut file, &mut headroom, &mut dirty, &mut writeback)
    };
    let dirty = dirty.saturating_add(writeback);
    Counts {
        dirty,
        dirtyable: dirtyable_pages(file, dirty, headroom, global.0, global.1),
    }
}

/// A group's level in a domain, by its own settings (none where it
/// follows the global values) and counts.
///
/// # Safety
///
/// `memcg` must be live. Sleeps.
unsafe fn level_of(memcg: *mut MemCgroup, settings: &DirtySettings, global: (u64, u64)) -> Level {
    // SAFETY: The caller guarantees that `memcg` is live.
    let counts = unsafe { counts_of(memcg, global) };
    Level {
        dirty: counts.dirty,
        thresholds: settings.thresholds(counts.dirtyable, PAGE_SHIFT_U32, Thresholds::NONE),
    }
}

/// The levels of `memcg`'s ancestors below the root that have settings.
///
/// # Safety
///
/// `memcg` must be live; a child pins its ancestors.
unsafe fn ancestors(memcg: *mut MemCgroup, global: (u64, u64)) -> impl Iterator<Item = Level> {
    // SAFETY: The caller guarantees that `memcg` is live.
    let mut next = unsafe { ffi::memctl_glue_parent(memcg) };
    core::iter::from_fn(move || {
        // SAFETY: `next` is null or an ancestor of a live memcg.
        while !next.is_null() && !unsafe { ffi::memctl_glue_parent(next) }.is_null() {
            let ancestor = next;
            // SAFETY: As above.
            next = unsafe { ffi::memctl_glue_parent(ancestor) };
            // SAFETY: As above.
            let settings = unsafe { settings_of(ancestor) };
            if settings.is_set() {
                // SAFETY: As above.
                return Some(unsafe { level_of(ancestor, &settings, global) });
            }
        }
        None
    })
}

/// Whether `memcg` or an ancestor below the root has settings: the cheap
/// test that leaves everyone else to the kernel.
///
/// # Safety
///
/// `memcg` must be live.
unsafe fn any_settings(memcg: *mut MemCgroup) -> bool {
    let mut memcg = memcg;
    // SAFETY: The caller guarantees that `memcg` is live, which keeps its
    // ancestors so; the root has no parent.
    while !memcg.is_null() && !unsafe { ffi::memctl_glue_parent(memcg) }.is_null() {
        // SAFETY: As above.
        if unsafe { settings_of(memcg) }.is_set() {
            return true;
        }
        // SAFETY: As above.
        memcg = unsafe { ffi::memctl_glue_parent(memcg) };
    }
    false
}

/// The hook layer's `dirty_limits`: the thresholds of `memcg`'s writeback
/// domain, by its settings and its ancestors'.
///
/// # Safety
///
/// `memcg` must be a live memcg with a writeback domain, and the pointers
/// valid; the hook layer guarantees that.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_dirty_limits(
    memcg: *mut MemCgroup,
    avail: c_ulong,
    dirty: c_ulong,
    global_avail: c_ulong,
    global_dirty: c_ulong,
    thresh: *mut c_ulong,
    bg_thresh: *mut c_ulong,
) {
    // SAFETY: The caller guarantees that `memcg` is live.
    if !unsafe { any_settings(memcg) } {
        return;
    }
    // SAFETY: The caller guarantees that the pointers are valid.
    let kernel = unsafe {
        Thresholds {
            foreground: *thresh,
            background: *bg_thresh,
        }
    };
    // SAFETY: As above.
    let own = unsafe { settings_of(memcg) };
    let group = Level {
        dirty,
        thresholds: own.thresholds(avail, PAGE_SHIFT_U32, kernel),
    };
    // SAFETY: As above.
    let domain = domain_thresholds(group, unsafe {
        ancestors(memcg, (global_avail, global_dirty))
    });
    // SAFETY: As above.
    unsafe { (*thresh, *bg_thresh) = (domain.foreground, domain.background) };
}

/// `memcg`'s dirty count and the thresholds of its settings and its
/// ancestors' (a pair that follows the global values adds none: the
/// kernel applies those); `None` if none of them has settings.
///
/// # Safety
///
/// `memcg` must be live. Sleeps.
unsafe fn limits_of(memcg: *mut MemCgroup) -> Option<(u64, Thresholds)> {
    // SAFETY: The caller guarantees that `memcg` is live.
    if !unsafe { any_settings(memcg) } {
        return None;
    }
    let global = global_state();
    // SAFETY: As above.
    let group = unsafe { level_of(memcg, &settings_of(memcg), global) };
    // SAFETY: As above.
    let domain = domain_thresholds(group, unsafe { ancestors(memcg, global) });
    Some((group.dirty, domain))
}

/// The hook layer's `dirty_throttle`: a writer reached its ratelimit.
///
/// With a memcg writeback domain (cgroup v2 with cgroup writeback) the
/// kernel has just throttled the writer by the thresholds
/// `memctl_on_dirty_limits` gave the domain of `wb`'s memcg; but the
/// kernel's hard limit follows a lowered threshold down only gradually
/// (`update_dirty_limit()`), so memctl holds the writer while that group is
/// over its threshold, writing back the group's own inodes. Without one
/// (cgroup v1; no io controller), memctl throttles the writer while its
/// own group, or an ancestor, is over its threshold, and flushes the
/// device: the pages it writes are whichever are dirty.
///
/// # Safety
///
/// `wb` must be live; the hook layer guarantees that.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_dirty_throttle(
    wb: *mut BdiWriteback,
    flags: c_uint,
) -> c_int {
    // SAFETY: The caller guarantees that `wb` is live.
    if unsafe { ffi::memctl_glue_wb_has_memcg_domain(wb) } {
        // SAFETY: As above; the wb holds its memcg, and the memcg its
        // ancestors.
        return unsafe { throttle(ffi::memctl_glue_wb_memcg(wb), wb, flags, true) };
    }
    // SAFETY: Returns a reference, dropped below.
    let memcg = unsafe { ffi::memctl_glue_get_current_memcg() };
    // SAFETY: The reference keeps `memcg` live; `wb` is live.
    let ret = unsafe { throttle(memcg, wb, flags, false) };
    // SAFETY: Drops the reference taken above.
    unsafe { ffi::memctl_glue_put_memcg(memcg) };
    ret
}

/// Throttles the current task, a writer whose pages count in `memcg`,
/// while that group or an ancestor is over its threshold. `own_wb`: `wb`
/// writes back only `memcg`'s inodes (cgroup writeback), so its background
/// writeback is the group's; otherwise the whole device is flushed.
///
/// # Safety
///
/// `memcg` and `wb` must be live. Sleeps unless `flags` has `BDP_ASYNC`.
unsafe fn throttle(
    memcg: *mut MemCgroup,
    wb: *mut BdiWriteback,
    flags: c_uint,
    own_wb: bool,
) -> c_int {
    // SAFETY: The caller guarantees that `memcg` is live.
    let Some((dirty, domain)) = (unsafe { limits_of(memcg) }) else {
        return 0;
    };
    // Check this writer again before it can pass the threshold, if there
    // is one.
    if let Some(pages) = dirty::poll_interval(dirty, domain.foreground) {
        // SAFETY: Changes only the current task's ratelimit.
        unsafe { ffi::memctl_glue_limit_poll_interval(pages) };
    }
    if dirty > domain.background {
        // SAFETY: The caller guarantees that `wb` is live.
        unsafe { ffi::memctl_wb_start_writeback(wb, own_wb) };
    }
    if dirty <= domain.foreground {
        return 0;
    }
    // SAFETY: Reads `flags` only.
    if unsafe { ffi::memctl_glue_dirty_flags_async(flags) } {
        return EAGAIN.to_errno();
    }
    // SAFETY: Reads a constant.
    let mut pause = Pause::new(unsafe { ffi::memctl_glue_hz() });
    loop {
        // SAFETY: As above.
        unsafe { ffi::memctl_wb_start_writeback(wb, own_wb) };
        // SAFETY: Sleeps in the writer's context, which may.
        if !unsafe { ffi::memctl_glue_throttle_pause(pause.take()) } || KEY.closing() {
            return 0;
        }
        // SAFETY: The caller guarantees that `memcg` is live.
        match unsafe { limits_of(memcg) } {
            Some((dirty, domain)) if dirty > domain.foreground => continue,
            _ => return 0,
        }
    }
}
