// SPDX-License-Identifier: GPL-2.0

//! Per-task over-limit actions (SPEC 4): `prctl(PR_SET_MEMCONTROL)`,
//! `PR_GET_MEMCONTROL`, `/proc/<pid>/memctl` and the task hooks'
//! callbacks. What the settings mean, when a thread is over and what it
//! does then are [`crate::task`]'s; this file keeps the settings in the
//! kernel's per-thread block and carries out what that logic decides.
//!
//! A thread's settings are written under this registration's generation,
//! so unload ends them all without a walk over the tasks, and a reload
//! starts every thread from none. The task hooks' static key turns on at
//! the first write of settings and off at unload: [`TaskHooks`] holds it.
//!
//! A charge beyond the per-CPU stock only marks a check as due; the check
//! runs on the thread's way back to user mode, where it may sleep, log and
//! take signals. The `ENOMEM` gates check at once.

use crate::{
    ffi::{self, Task, TASK_WORDS},
    locks::MutexGuard,
    log_limit::{LogLimit, LOG_BURST, LOG_INTERVAL_MS},
    settings_key::SettingsKey,
    task::{
        parse_proc, Action, Episode, GroupUsage, LogLine, Overage, ProcLine, Response, Rss,
        TaskSettings, CHECK_DUE, PR_GET_MEMCONTROL, PR_SET_MEMCONTROL,
    },
};
use core::{
    cell::UnsafeCell,
    ffi::{c_char, c_int, c_long, c_ulong},
    fmt::{self, Write},
};
use kernel::{error::to_result, prelude::*};

/// The task hooks' key. At unload, writes of settings are refused.
// SAFETY: The glue functions take and drop a reference on the task hooks'
// key, and may sleep.
static KEY: SettingsKey = unsafe {
    SettingsKey::new(
        ffi::memctl_glue_task_hooks_get,
        ffi::memctl_glue_task_hooks_put,
    )
};

/// The task hooks while this load may turn them on; dropping it (at
/// unload, before the hook layer checks that every key is off) refuses
/// further writes and turns them off.
pub(crate) struct TaskHooks(());

impl TaskHooks {
    /// The task hooks, off until the first write of settings.
    pub(crate) fn new() -> Self {
        Self(())
    }
}

impl Drop for TaskHooks {
    fn drop(&mut self) {
        let _lock = MutexGuard::tasks();
        KEY.close();
    }
}

/// A thread's settings as this registration sees them, and the write
/// sequence they were read at.
struct Stored {
    settings: TaskSettings,
    sequence: u32,
}

fn nsig() -> u64 {
    // SAFETY: Returns a constant.
    unsafe { ffi::memctl_glue_nsig() }
}

/// Reads `task`'s settings.
///
/// # Safety
///
/// `task` must be live.
unsafe fn read(task: *mut Task) -> Stored {
    let mut words = [0u64; TASK_WORDS];
    let mut generation = 0;
    // SAFETY: The caller guarantees that `task` is live; the buffers are
    // as large as the glue writes.
    let sequence = unsafe { ffi::memctl_glue_task_read(task, words.as_mut_ptr(), &mut generation) };
    // SAFETY: Reads a number.
    let current = unsafe { ffi::memctl_task_generation() };
    let settings = if generation == current {
        TaskSettings::from_words(words, nsig())
    } else {
        TaskSettings::NONE
    };
    Stored { settings, sequence }
}

/// Sets the settings of `task`, or of every thread of its process.
///
/// # Safety
///
/// `task` must be live. Sleeps.
unsafe fn write(task: *mut Task, all_threads: bool, settings: &TaskSettings) -> Result {
    let _lock = MutexGuard::tasks_killable()?;
    if KEY.closing() {
        return Err(EINVAL);
    }
    // Dropped by `TaskHooks::drop`. Sleeps, which a prctl or a file write
    // may.
    KEY.take();
    let words = settings.words();
    let calls = settings.calls();
    // SAFETY: The caller guarantees that `task` is live; `words` holds
    // `TASK_WORDS` words. Reads a number.
    to_result(unsafe {
        ffi::memctl_glue_task_write(
            task,
            all_threads,
            words.as_ptr(),
            ffi::memctl_task_generation(),
            calls.check,
            calls.refuse,
            calls.fault,
        )
    })
}

/// `prctl(PR_GET_MEMCONTROL)` and `prctl(PR_SET_MEMCONTROL)` from the
/// current task: the value, 0, or a negative errno.
#[no_mangle]
pub(crate) extern "C" fn memctl_on_task_prctl(
    option: c_int,
    arg2: c_ulong,
    arg3: c_ulong,
    arg4: c_ulong,
    arg5: c_ulong,
) -> c_long {
    match prctl(option, [arg2, arg3, arg4, arg5]) {
        // At most `i64::MAX`: `TaskSettings` refuses larger byte counts
        // and action words are 32 bits.
        Ok(value) => value as c_long,
        Err(error) => error.to_errno() as c_long,
    }
}

fn prctl(option: c_int, args: [c_ulong; 4]) -> Result<u64> {
    // SAFETY: Returns the current task, live while it runs this.
    let current = unsafe { ffi::memctl_glue_current() };
    match u64::try_from(option) {
        Ok(PR_SET_MEMCONTROL) => {
            if args[3] != 0 {
                return Err(EINVAL);
            }
            let settings =
                TaskSettings::new(args[0], args[1], args[2], nsig()).map_err(|_| EINVAL)?;
            // SAFETY: The current task is live.
            unsafe { write(current, false, &settings) }?;
            Ok(0)
        }
        Ok(PR_GET_MEMCONTROL) => {
            if args[1..].iter().any(|&arg| arg != 0) {
                return Err(EINVAL);
            }
            // SAFETY: The current task is live.
            let stored = unsafe { read(current) };
            stored.settings.get(args[0]).map_err(|_| EINVAL)
        }
        _ => Err(EINVAL),
    }
}

/// The current task, which has settings, charged memory beyond its CPU's
/// stock: a check is due on its way back to user mode. Does not sleep.
#[no_mangle]
pub(crate) extern "C" fn memctl_on_task_charge() {
    // SAFETY: Reads the current task's own word.
    let episode = unsafe { ffi::memctl_glue_episode() };
    // Already due: the task has not been back to user mode since.
    if episode & CHECK_DUE == 0 {
        // SAFETY: Only the current task changes its episode word, and it
        // is the caller.
        unsafe {
            ffi::memctl_glue_set_episode(episode | CHECK_DUE);
            ffi::memctl_glue_notify_resume();
        }
    }
}

/// Whether the current task is over its threshold, by its settings.
fn current_overage(settings: &TaskSettings) -> Option<Overage> {
    let mut rss = Rss::default();
    // SAFETY: The pointers are valid for writes; does not sleep.
    unsafe { ffi::memctl_glue_current_rss(&mut rss.anon, &mut rss.file, &mut rss.shmem) };
    if !settings.needs_group(&rss) {
        return settings.over(None, rss);
    }
    let (mut usage, mut high) = (0, 0);
    // SAFETY: As above.
    let group =
        unsafe { ffi::memctl_glue_current_group(&mut usage, &mut high) }.then_some(GroupUsage {
            usage,
            high: (high != u64::MAX).then_some(high),
        });
    settings.over(group, rss)
}

/// The current task, which has settings, is on its way back to user mode:
/// if it charged memory since the last check, check it and act. May sleep.
#[no_mangle]
pub(crate) extern "C" fn memctl_on_task_resume() {
    // SAFETY: Reads the current task's own word.
    let word = unsafe { ffi::memctl_glue_episode() };
    if word & CHECK_DUE == 0 {
        return;
    }
    // SAFETY: The current task is live.
    let stored = unsafe { read(ffi::memctl_glue_current()) };
    let mut episode = Episode::load(word, stored.sequence);
    let over = if stored.settings.is_active() {
        current_overage(&stored.settings)
    } else {
        None
    };
    let response = episode.check(&stored.settings, over);
    // SAFETY: Only the current task changes its episode word.
    unsafe { ffi::memctl_glue_set_episode(episode.store(stored.sequence)) };
    if let (Some(response), Some(overage)) = (response, over) {
        act(&stored.settings, overage, response);
    }
}

/// Carries out a check's response, in the current task on its way back to
/// user mode.
fn act(settings: &TaskSettings, overage: Overage, response: Response) {
    if response.log {
        log(settings, overage);
    }
    if let Some(signal) = response.signal {
        // SAFETY: Signals the current task; the number was checked to be
        // below `_NSIG`.
        unsafe { ffi::memctl_glue_signal(c_int::from(signal)) };
    }
    if response.kill {
        // SAFETY: Signals the current task.
        unsafe { ffi::memctl_glue_kill() };
    }
    if response.sleep_ms != 0 {
        // SAFETY: Sleeps in the current task, which may sleep here.
        unsafe { ffi::memctl_glue_slowdown(response.sleep_ms) };
    }
}

/// The text of a NUL-terminated C string in `buf`, or `?` if it is not
/// UTF-8.
fn c_text(buf: &[u8]) -> &str {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    core::str::from_utf8(&buf[..end]).unwrap_or("?")
}

/// `LOG`'s rate limit, shared by every task so that many tasks cannot
/// flood the log either.
struct SharedLogLimit(UnsafeCell<LogLimit>);

// SAFETY: The limit is only used under the log lock.
unsafe impl Sync for SharedLogLimit {}

static LOG_LIMIT: SharedLogLimit =
    SharedLogLimit(UnsafeCell::new(LogLimit::new(LOG_INTERVAL_MS, LOG_BURST)));

/// Whether a line may be printed now, and how many were suppressed before
/// it. Sleeps.
fn log_admit() -> Option<u64> {
    // SAFETY: Reads numbers.
    let (jiffies, hz) = unsafe { (ffi::memctl_glue_jiffies(), ffi::memctl_glue_hz()) };
    let now_ms = jiffies.wrapping_mul(1000) / hz.max(1);
    let _lock = MutexGuard::log();
    // SAFETY: The log lock, held until the end of this function, serialises
    // every use of the limit.
    unsafe { (*LOG_LIMIT.0.get()).admit(now_ms) }
}

/// Prints the current task's episode line, unless the rate limit refuses it.
fn log(settings: &TaskSettings, overage: Overage) {
    let Some(suppressed) = log_admit() else {
        return;
    };
    let mut comm = [0u8; 16];
    let mut path = [0u8; 256];
    // SAFETY: The buffers are valid for writes of their lengths.
    let found = unsafe {
        ffi::memctl_glue_current_identity(
            comm.as_mut_ptr().cast::<c_char>(),
            comm.len(),
            path.as_mut_ptr().cast::<c_char>(),
            path.len(),
        )
    } == 0;
    let line = LogLine {
        settings,
        overage,
        comm: c_text(&comm),
        // SAFETY: Reads the current task's id.
        pid: unsafe { ffi::memctl_glue_current_pid() },
        cgroup: if found { c_text(&path) } else { "?" },
        suppressed,
    };
    pr_info!("{}\n", line);
}

/// The current task asks for a mapping, heap or mapping growth, locked or
/// differently protected memory: true refuses it with `ENOMEM`. May run
/// under the mmap lock; does not sleep.
#[no_mangle]
pub(crate) extern "C" fn memctl_on_task_refuse() -> bool {
    // SAFETY: The current task is live.
    let stored = unsafe { read(ffi::memctl_glue_current()) };
    if stored.settings.action() != Action::Enomem {
        return false;
    }
    let refuse = stored.settings.refuses(current_overage(&stored.settings));
    if refuse {
        // The episode (and its log line) is the next check's business.
        memctl_on_task_charge();
    }
    refuse
}

/// Writes formatted text into a byte buffer, failing when it is full.
struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for BufWriter<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len.checked_add(text.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A read of `/proc/<pid>/memctl` or `/proc/<pid>/task/<tid>/memctl`: the
/// length of the line written to `buf`, or a negative errno.
///
/// # Safety
///
/// `task` must be live and `buf` valid for writes of `size` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_task_proc_show(
    task: *mut Task,
    buf: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: The caller guarantees that `task` is live.
    let stored = unsafe { read(task) };
    // SAFETY: The caller guarantees that `buf` is valid for `size` bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    let mut writer = BufWriter { buf, len: 0 };
    match write!(writer, "{}", ProcLine(&stored.settings)) {
        // A slice is never longer than `isize::MAX`.
        Ok(()) => writer.len as isize,
        Err(_) => EINVAL.to_errno() as isize,
    }
}

/// A write of `/proc/<pid>/memctl` (`all_threads`) or
/// `/proc/<pid>/task/<tid>/memctl` by a task that may ptrace-attach
/// `task`: 0 or a negative errno; a refused write changes nothing.
///
/// # Safety
///
/// `task` must be live and `buf` valid for reads of `len` bytes. Sleeps.
#[no_mangle]
pub(crate) unsafe extern "C" fn memctl_on_task_proc_store(
    task: *mut Task,
    all_threads: bool,
    buf: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: The caller guarantees that `buf` is valid for `len` bytes.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    let result = parse_proc(input)
        .and_then(|[word, extra, rss]| TaskSettings::new(word, extra, rss, nsig()))
        .map_err(|_| EINVAL)
        // SAFETY: The caller guarantees that `task` is live.
        .and_then(|settings| unsafe { write(task, all_threads, &settings) });
    match result {
        Ok(()) => 0,
        Err(error) => error.to_errno(),
    }
}
