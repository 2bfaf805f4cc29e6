// SPDX-License-Identifier: GPL-2.0

//! memctl's registration with the kernel's hook layer.

use crate::ffi;
use kernel::{error::to_result, prelude::*};

/// Proof that memctl's ops and cgroup files are registered; dropping it
/// unregisters them.
///
/// # Invariants
///
/// The glue's ops are registered with the hook layer while a value exists,
/// and at most one value exists (the module state holds it).
pub(crate) struct Registration(());

impl Registration {
    /// Registers memctl's ops and cgroup files.
    ///
    /// Fails with `EBUSY` if another memctl is registered, or with the error
    /// of adding the files; nothing is left registered on failure.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: The glue's ops and file tables are static, so they outlive
        // the registration, which `Drop` ends before the module goes away.
        to_result(unsafe { ffi::memctl_glue_register() })?;
        // INVARIANT: The registration above succeeded.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the ops are registered, and this is
        // the only place that unregisters them.
        unsafe { ffi::memctl_glue_unregister() };
    }
}
