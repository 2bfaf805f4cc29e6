// SPDX-License-Identifier: GPL-2.0

//! A static key of the hook layer that a load of memctl takes at the first
//! write of settings and drops at unload: the dirty limits' and the
//! per-task actions'.

use core::sync::atomic::{AtomicBool, Ordering};

/// A hook layer static key that this load takes once, at the first write of
/// settings, and drops at unload, from when on writes are refused.
///
/// Its user serialises [`SettingsKey::take`], [`SettingsKey::close`] and
/// its check of [`SettingsKey::closing`] before a write with a lock of its
/// own, so that no write takes the key after unload dropped it.
pub(crate) struct SettingsKey {
    /// Whether this load holds a reference on the key.
    held: AtomicBool,
    /// Set at unload: writes are refused.
    closing: AtomicBool,
    get: unsafe extern "C" fn(),
    put: unsafe extern "C" fn(),
}

impl SettingsKey {
    /// The key that `get` takes a reference on and `put` drops.
    ///
    /// # Safety
    ///
    /// `get` must take a reference on one static key of the hook layer and
    /// `put` drop one; both may sleep and may be called at any time after
    /// the module's init.
    pub(crate) const unsafe fn new(
        get: unsafe extern "C" fn(),
        put: unsafe extern "C" fn(),
    ) -> Self {
        Self {
            held: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            get,
            put,
        }
    }

    /// Whether unload has begun: writes must be refused.
    pub(crate) fn closing(&self) -> bool {
        self.closing.load(Ordering::Relaxed)
    }

    /// Turns the hooks on, unless this load already did. Sleeps.
    pub(crate) fn take(&self) {
        if !self.held.swap(true, Ordering::Relaxed) {
            // SAFETY: `new`'s caller guarantees what `get` does; `close`
            // drops the reference.
            unsafe { (self.get)() };
        }
    }

    /// Refuses further writes and turns the hooks off. Sleeps.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::Relaxed);
        if self.held.swap(false, Ordering::Relaxed) {
            // SAFETY: Drops the reference that `take` took.
            unsafe { (self.put)() };
        }
    }
}
