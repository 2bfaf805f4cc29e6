// SPDX-License-Identifier: GPL-2.0

//! memctl's pure logic, free of kernel types so that `cargo test` checks it
//! on the host.
//!
//! Each file here is also compiled into the kernel module (see
//! `src/memctl_main.rs`), which is why the files use nothing but `core` and
//! refer to each other only through `super::`.

#![no_std]

pub mod counter;
pub mod dirty;
pub mod limit;
pub mod log_limit;
pub mod reclaim;
pub mod task;
pub mod units;
