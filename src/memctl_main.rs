// SPDX-License-Identifier: GPL-2.0

//! memctl: kernel-memory limits, dirty page-cache limits and per-process
//! over-limit actions for memory cgroups.
//!
//! The kernel side is a small hook layer (`include/linux/memctl.h` in the
//! patched tree); this module supplies the policy behind it. The crate root
//! only wires the pieces together:
//!
//! - [`registration`]: the module's registration with the hook layer,
//! - [`kmem`]: the kmem hook callbacks (charge, uncharge, lifecycle),
//! - [`group`]: the state of an accounted memory cgroup,
//! - [`limits`]: setting a limit, and switching accounting on,
//! - [`cgroup_files`]: what memctl's cgroup files show,
//! - [`dirty_limits`]: the dirty files and the dirty hooks' callbacks,
//! - [`task_actions`]: the per-task prctl options, procfs files and the
//!   task hooks' callbacks,
//! - [`subtree`], [`locks`], [`ffi`]: kernel plumbing,
//! - [`counter`], [`dirty`], [`limit`], [`reclaim`], [`task`], [`units`]:
//!   pure logic shared with the host tests in `rust/`.

use kernel::prelude::*;

mod cgroup_files;
mod dirty_limits;
mod ffi;
mod group;
mod kmem;
mod limits;
mod locks;
mod registration;
mod settings_key;
mod subtree;
mod task_actions;

#[path = "../rust/src/counter.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod counter;
#[path = "../rust/src/dirty.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod dirty;
#[path = "../rust/src/limit.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod limit;
#[path = "../rust/src/log_limit.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod log_limit;
#[path = "../rust/src/reclaim.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod reclaim;
#[path = "../rust/src/task.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod task;
#[path = "../rust/src/units.rs"]
#[expect(unreachable_pub, reason = "`rust/` is a library crate on the host")]
mod units;

module! {
    type: Memctl,
    name: "memctl",
    author: "memctl developers",
    description: "Kernel-memory, dirty and per-task limits for memory cgroups",
    license: "GPL",
}

/// The module's state. Fields drop in order: the dirty and task hooks go
/// off before the registration ends, as the hook layer checks.
struct Memctl {
    _dirty_hooks: dirty_limits::DirtyHooks,
    _task_hooks: task_actions::TaskHooks,
    _registration: registration::Registration,
}

impl kernel::Module for Memctl {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Tagged before the files appear.
        let dirty_hooks = dirty_limits::DirtyHooks::new();
        let task_hooks = task_actions::TaskHooks::new();
        let registration = registration::Registration::new()?;
        pr_info!("registered with the memory controller\n");
        Ok(Memctl {
            _dirty_hooks: dirty_hooks,
            _task_hooks: task_hooks,
            _registration: registration,
        })
    }
}

impl Drop for Memctl {
    fn drop(&mut self) {
        pr_info!("unregistering\n");
    }
}
