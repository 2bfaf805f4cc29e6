// SPDX-License-Identifier: GPL-2.0

//! The C functions memctl calls: the hook layer's exports (`mm/memctl.c` in
//! the patched tree) and memctl's own glue (`src/memctl_glue.c`, declared in
//! `include/memctl_glue.h`; keep the two in step).
//!
//! `kernel::bindings` of 6.12 covers none of them, and their signatures are
//! plain enough to declare by hand.

use core::{
    ffi::{c_char, c_int, c_uint, c_ulong, c_void},
    marker::{PhantomData, PhantomPinned},
};
use kernel::bindings::gfp_t;

/// An opaque C `struct mem_cgroup`, only ever handled by pointer.
#[repr(C)]
pub(crate) struct MemCgroup {
    _opaque: [u8; 0],
    _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

/// An opaque C `struct bdi_writeback`, only ever handled by pointer.
#[repr(C)]
pub(crate) struct BdiWriteback {
    _opaque: [u8; 0],
    _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

/// An opaque C `struct task_struct`, only ever handled by pointer.
#[repr(C)]
pub(crate) struct Task {
    _opaque: [u8; 0],
    _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

/// How many words of dirty settings a memcg has.
pub(crate) const DIRTY_WORDS: usize = 3;

/// How many words of settings a task has.
pub(crate) const TASK_WORDS: usize = 3;

extern "C" {
    // The hook layer.

    /// The kernel's own kernel-memory page count of `memcg`, hierarchical:
    /// `exact` flushes every CPU's statistics under the global rstat lock,
    /// otherwise the kernel's thresholded flush is enough. May sleep.
    pub(crate) fn memctl_memcg_kmem_pages(memcg: *mut MemCgroup, exact: bool) -> c_ulong;

    /// The state attached to `memcg`, or null.
    pub(crate) fn memctl_memcg_state(memcg: *mut MemCgroup) -> *mut c_void;

    /// Runs the memcg-aware shrinkers over `memcg`'s subtree, as far as
    /// `gfp` and the current task's allocation scope allow; returns how
    /// many objects they freed. Sleeps.
    pub(crate) fn memctl_memcg_reclaim_slab(memcg: *mut MemCgroup, gfp: gfp_t) -> c_ulong;

    /// Wakes up the pollers of `memcg`'s `memory.kmem.events`. Any context.
    pub(crate) fn memctl_memcg_notify_events(memcg: *mut MemCgroup);

    /// The `vm.dirty_*` sysctls.
    pub(crate) fn memctl_global_dirty_settings(
        ratio: *mut c_ulong,
        bytes: *mut c_ulong,
        bg_ratio: *mut c_ulong,
        bg_bytes: *mut c_ulong,
    );

    /// `memcg`'s file, dirty and writeback pages (hierarchical) and its
    /// least `memory.max`/`memory.high` headroom up the tree. May sleep.
    pub(crate) fn memctl_memcg_dirty_stats(
        memcg: *mut MemCgroup,
        filepages: *mut c_ulong,
        headroom: *mut c_ulong,
        dirty: *mut c_ulong,
        writeback: *mut c_ulong,
    );

    /// The global writeback domain's dirtyable pages, and its dirty and
    /// writeback pages.
    pub(crate) fn memctl_global_dirty_state(avail: *mut c_ulong, dirty: *mut c_ulong);

    /// Starts `wb`'s background writeback, or with `background` false,
    /// flushes its device without stopping at the global background
    /// threshold.
    pub(crate) fn memctl_wb_start_writeback(wb: *mut BdiWriteback, background: bool);

    // The glue.

    /// Registers memctl's ops and cgroup files with the hook layer.
    pub(crate) fn memctl_glue_register() -> c_int;

    /// Undoes [`memctl_glue_register`], waiting for callers in flight.
    pub(crate) fn memctl_glue_unregister();

    /// Attaches `state` to `memcg` until the kernel frees `memcg`, pinning
    /// the module meanwhile. Fails with `EBUSY` if `memcg` has state and
    /// with `ENODEV` if the module is going away. May sleep.
    pub(crate) fn memctl_glue_attach(memcg: *mut MemCgroup, state: *mut c_void) -> c_int;

    pub(crate) fn memctl_glue_limit_lock();
    pub(crate) fn memctl_glue_limit_unlock();
    pub(crate) fn memctl_glue_tree_lock();
    pub(crate) fn memctl_glue_tree_unlock();

    /// `memcg`'s parent, or null for the root.
    pub(crate) fn memctl_glue_parent(memcg: *mut MemCgroup) -> *mut MemCgroup;

    /// Stores `memcg` and its descendants that are not being removed, parents
    /// first, with a reference each, in `subtree` and returns how many; if
    /// more than `capacity` exist it stores nothing and returns a number to
    /// retry with.
    pub(crate) fn memctl_glue_get_subtree(
        memcg: *mut MemCgroup,
        subtree: *mut *mut MemCgroup,
        capacity: usize,
    ) -> usize;

    /// Drops the references [`memctl_glue_get_subtree`] took.
    pub(crate) fn memctl_glue_put_subtree(subtree: *mut *mut MemCgroup, count: usize);

    /// Whether a charge with `gfp` by the current context must not be
    /// refused (`__GFP_NOFAIL`, dying tasks, tasks in reclaim).
    pub(crate) fn memctl_glue_charge_exempt(gfp: gfp_t) -> bool;

    /// Whether a charge with `gfp` may sleep.
    pub(crate) fn memctl_glue_charge_may_block(gfp: gfp_t) -> bool;

    /// Takes and drops references on the static keys of the hooks.
    pub(crate) fn memctl_glue_kmem_hooks_get();
    pub(crate) fn memctl_glue_kmem_hooks_put();
    pub(crate) fn memctl_glue_memcg_hooks_get();
    pub(crate) fn memctl_glue_memcg_hooks_put();

    /// Waits until objects freed through RCU so far are freed (and
    /// uncharged). Sleeps.
    pub(crate) fn memctl_glue_wait_for_rcu_frees();

    /// Gives up the CPU if another task should run. Sleeps.
    pub(crate) fn memctl_glue_cond_resched();

    /// The kernel's clock tick count, `jiffies`.
    pub(crate) fn memctl_glue_jiffies() -> u64;

    // The glue, for dirty limits.

    pub(crate) fn memctl_glue_dirty_lock();
    pub(crate) fn memctl_glue_dirty_unlock();

    /// Takes and drops a reference on the dirty hooks' static key.
    pub(crate) fn memctl_glue_dirty_hooks_get();
    pub(crate) fn memctl_glue_dirty_hooks_put();

    /// Reads `memcg`'s dirty words: the tag first, then the settings
    /// written with it or later.
    pub(crate) fn memctl_glue_read_dirty_words(memcg: *mut MemCgroup, words: *mut u64);

    /// Writes `memcg`'s dirty words, the tag last. Under the dirty lock.
    pub(crate) fn memctl_glue_write_dirty_words(memcg: *mut MemCgroup, words: *const u64);

    /// A tag unique to this load of the module, never 0.
    pub(crate) fn memctl_glue_load_tag() -> u64;

    /// Clock ticks per second.
    pub(crate) fn memctl_glue_hz() -> u64;

    /// Whether `wb` is a non-root memcg's, with a memcg writeback domain.
    pub(crate) fn memctl_glue_wb_has_memcg_domain(wb: *mut BdiWriteback) -> bool;

    /// The memcg of a `wb` that has a memcg domain.
    pub(crate) fn memctl_glue_wb_memcg(wb: *mut BdiWriteback) -> *mut MemCgroup;

    /// The current task's memcg, with a reference.
    pub(crate) fn memctl_glue_get_current_memcg() -> *mut MemCgroup;

    /// Drops a reference on `memcg`.
    pub(crate) fn memctl_glue_put_memcg(memcg: *mut MemCgroup);

    /// Checks the current task again after at most `pages` dirtied pages.
    pub(crate) fn memctl_glue_limit_poll_interval(pages: c_ulong);

    /// Sleeps `ticks` as a writer waiting for writeback; false if a fatal
    /// signal is pending.
    pub(crate) fn memctl_glue_throttle_pause(ticks: c_ulong) -> bool;

    /// Whether the dirty hooks' `flags` forbid sleeping (`BDP_ASYNC`).
    pub(crate) fn memctl_glue_dirty_flags_async(flags: c_uint) -> bool;

    // The hook layer, for per-task actions.

    /// The generation of this registration, never 0: a task's settings
    /// written under another are none.
    pub(crate) fn memctl_task_generation() -> u32;

    // The glue, for per-task actions.

    pub(crate) fn memctl_glue_task_lock();
    pub(crate) fn memctl_glue_task_lock_killable() -> c_int;
    pub(crate) fn memctl_glue_task_unlock();
    pub(crate) fn memctl_glue_log_lock();
    pub(crate) fn memctl_glue_log_unlock();

    /// Takes and drops a reference on the task hooks' static key.
    pub(crate) fn memctl_glue_task_hooks_get();
    pub(crate) fn memctl_glue_task_hooks_put();

    /// Reads `task`'s settings words and their generation under the
    /// writers' lock; returns the write sequence they were read at, and no
    /// settings (generation 0) if `task` has exited. `task` must be live;
    /// sleeps only on `PREEMPT_RT`, where spinlocks do.
    pub(crate) fn memctl_glue_task_read(
        task: *mut Task,
        words: *mut u64,
        generation: *mut u32,
    ) -> u32;

    /// Writes the settings of `task`, or of every thread of its process,
    /// and the call sites they need, under its sighand lock; 0 or
    /// `-ESRCH` if it has exited.
    pub(crate) fn memctl_glue_task_write(
        task: *mut Task,
        all_threads: bool,
        words: *const u64,
        generation: u32,
        check: bool,
        refuse: bool,
        fault: bool,
    ) -> c_int;

    /// The current task.
    pub(crate) fn memctl_glue_current() -> *mut Task;

    /// The current task's episode word, which only it changes.
    pub(crate) fn memctl_glue_episode() -> u32;
    pub(crate) fn memctl_glue_set_episode(episode: u32);

    /// Makes the current task go through `resume_user_mode_work()`.
    pub(crate) fn memctl_glue_notify_resume();

    /// The kernel's `_NSIG`.
    pub(crate) fn memctl_glue_nsig() -> u64;

    /// The current task's memcg's usage and `memory.high` in bytes
    /// (`u64::MAX` for max); false on cgroup v1 or in the root group.
    pub(crate) fn memctl_glue_current_group(usage: *mut u64, high: *mut u64) -> bool;

    /// The current task's RSS by kind, in bytes.
    pub(crate) fn memctl_glue_current_rss(anon: *mut u64, file: *mut u64, shmem: *mut u64);

    /// Sends `sig` to the current task, as it would send it to itself.
    pub(crate) fn memctl_glue_signal(sig: c_int);

    /// Sends `SIGKILL` to the current task from the kernel.
    pub(crate) fn memctl_glue_kill();

    /// A killable sleep of `ms`, counted as a memory stall.
    pub(crate) fn memctl_glue_slowdown(ms: u64);

    /// The current task's command and its memcg's path, NUL-terminated;
    /// 0, or an error (the path is then unset).
    pub(crate) fn memctl_glue_current_identity(
        comm: *mut c_char,
        comm_len: usize,
        path: *mut c_char,
        path_len: usize,
    ) -> c_int;

    /// The current task's thread id.
    pub(crate) fn memctl_glue_current_pid() -> c_int;
}
