// SPDX-License-Identifier: GPL-2.0

//! Per-group dirty page-cache limits (SPEC 3): the four files' values and
//! the thresholds they give a group's writeback domain.
//!
//! The files mirror `/proc/sys/vm/dirty_*`. Each threshold is set either as
//! a ratio of the group's dirtyable memory or as bytes; writing one form
//! zeroes the other, which then reads 0. Unlike `vm.dirty_bytes` in a memcg
//! domain of 6.12, which the kernel rescales by the group's share of the
//! machine's dirtyable memory, a group's bytes are absolute: the threshold
//! is that many bytes, rounded up to pages (as in the 2011 series).
//!
//! Values written are checked as the kernel checks the sysctls: a ratio is
//! a decimal from 0 to 100; a byte count (the memory controller's syntax,
//! with `K`, `M`, `G`... suffixes) is at least two pages for the foreground
//! threshold (`vm.dirty_bytes`' minimum) and at least one byte for the
//! background one. Anything else is refused and changes nothing.
//!
//! All counts are in pages. A writer is throttled when its group or any
//! ancestor is over its threshold; 6.12 throttles in one writeback domain,
//! the group's, so [`domain_thresholds`] lowers the group's thresholds by
//! what its ancestors have left.

use super::limit::{parse_bytes, value_of, ParseError};

/// The largest ratio, in percent.
pub const MAX_RATIO: u64 = 100;

/// One threshold, as a pair of files sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    /// Percent (0 to 100) of the group's dirtyable memory.
    Ratio(u64),
    /// Bytes, absolute.
    Bytes(u64),
}

impl Threshold {
    /// What the ratio file of the pair reads: 0 while bytes are set.
    pub fn ratio(self) -> u64 {
        match self {
            Threshold::Ratio(ratio) => ratio,
            Threshold::Bytes(_) => 0,
        }
    }

    /// What the bytes file of the pair reads: 0 while a ratio is set.
    pub fn bytes(self) -> u64 {
        match self {
            Threshold::Ratio(_) => 0,
            Threshold::Bytes(bytes) => bytes,
        }
    }

    /// The threshold in pages for `dirtyable` pages of dirtyable memory.
    /// Bytes round up to whole pages, ratios down.
    fn pages(self, dirtyable: u64, page_shift: u32) -> u64 {
        match self {
            Threshold::Ratio(ratio) => mul_div(dirtyable, ratio),
            Threshold::Bytes(bytes) => bytes.div_ceil(1 << page_shift),
        }
    }
}

/// `value * ratio / MAX_RATIO`, rounded down, for `ratio <= MAX_RATIO`,
/// without overflowing and without 128-bit division (which the kernel's
/// Rust has no helper for on x86-64).
fn mul_div(value: u64, ratio: u64) -> u64 {
    let ratio = ratio.min(MAX_RATIO);
    value / MAX_RATIO * ratio + value % MAX_RATIO * ratio / MAX_RATIO
}

/// A group's dirty settings: the foreground threshold, at which its
/// writers are throttled, and the background one, at which writeback of
/// its pages starts. `None` follows the global `vm.dirty_*` settings, as a
/// group does until the pair is written in it or an ancestor it was
/// created under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirtySettings {
    /// `memory.dirty_ratio` / `memory.dirty_limit_in_bytes`.
    pub foreground: Option<Threshold>,
    /// `memory.dirty_background_ratio` /
    /// `memory.dirty_background_limit_in_bytes`.
    pub background: Option<Threshold>,
}

impl DirtySettings {
    /// Both thresholds follow the global settings.
    pub const GLOBAL: DirtySettings = DirtySettings {
        foreground: None,
        background: None,
    };

    /// Whether the group has a threshold of its own.
    pub fn is_set(&self) -> bool {
        self.foreground.is_some() || self.background.is_some()
    }
}

/// The `vm.dirty_*` sysctls, as the kernel keeps them: in each pair one is
/// zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalSettings {
    /// `vm.dirty_ratio`.
    pub ratio: u64,
    /// `vm.dirty_bytes`.
    pub bytes: u64,
    /// `vm.dirty_background_ratio`.
    pub background_ratio: u64,
    /// `vm.dirty_background_bytes`.
    pub background_bytes: u64,
}

/// One of the four files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirtyFile {
    /// `memory.dirty_ratio`.
    Ratio,
    /// `memory.dirty_limit_in_bytes`.
    Bytes,
    /// `memory.dirty_background_ratio`.
    BackgroundRatio,
    /// `memory.dirty_background_limit_in_bytes`.
    BackgroundBytes,
}

impl DirtyFile {
    /// Every file, indexed as the glue's `.private` (`memory.dirty_ratio`,
    /// `memory.dirty_limit_in_bytes`, `memory.dirty_background_ratio`,
    /// `memory.dirty_background_limit_in_bytes`).
    pub const ALL: [DirtyFile; 4] = [
        DirtyFile::Ratio,
        DirtyFile::Bytes,
        DirtyFile::BackgroundRatio,
        DirtyFile::BackgroundBytes,
    ];

    /// What the file reads for `settings`; a pair that follows the global
    /// settings reads the sysctl's value, as the files of the root cgroup
    /// always do.
    pub fn read(self, settings: &DirtySettings, global: &GlobalSettings) -> u64 {
        match self {
            DirtyFile::Ratio => settings.foreground.map_or(global.ratio, Threshold::ratio),
            DirtyFile::Bytes => settings.foreground.map_or(global.bytes, Threshold::bytes),
            DirtyFile::BackgroundRatio => settings
                .background
                .map_or(global.background_ratio, Threshold::ratio),
            DirtyFile::BackgroundBytes => settings
                .background
                .map_or(global.background_bytes, Threshold::bytes),
        }
    }

    /// The settings after `input` is written to the file; an error changes
    /// nothing (every error is `EINVAL` to the writer).
    pub fn write(
        self,
        settings: &DirtySettings,
        input: &[u8],
        page_shift: u32,
    ) -> Result<DirtySettings, ParseError> {
        let mut new = *settings;
        match self {
            DirtyFile::Ratio => new.foreground = Some(Threshold::Ratio(parse_ratio(input)?)),
            DirtyFile::BackgroundRatio => {
                new.background = Some(Threshold::Ratio(parse_ratio(input)?))
            }
            DirtyFile::Bytes => {
                new.foreground = Some(Threshold::Bytes(parse_at_least(input, 2 << page_shift)?))
            }
            DirtyFile::BackgroundBytes => {
                new.background = Some(Threshold::Bytes(parse_at_least(input, 1)?))
            }
        }
        Ok(new)
    }
}

/// Parses a ratio: a decimal from 0 to 100, white space around it ignored.
fn parse_ratio(input: &[u8]) -> Result<u64, ParseError> {
    let mut ratio: u64 = 0;
    for &c in value_of(input)? {
        if !c.is_ascii_digit() {
            return Err(ParseError::Invalid);
        }
        ratio = ratio * 10 + u64::from(c - b'0');
        if ratio > MAX_RATIO {
            return Err(ParseError::Overflow);
        }
    }
    Ok(ratio)
}

/// Parses a byte count that must be at least `min` and, to fit in a word
/// ([`word`]), below 2^63.
fn parse_at_least(input: &[u8], min: u64) -> Result<u64, ParseError> {
    let bytes = parse_bytes(value_of(input)?)?;
    if bytes < min {
        return Err(ParseError::Invalid);
    }
    if bytes >= 1 << 63 {
        return Err(ParseError::Overflow);
    }
    Ok(bytes)
}

/// A domain's thresholds, in pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Writers are throttled around this many dirty pages.
    pub foreground: u64,
    /// Background writeback starts above this many.
    pub background: u64,
}

impl Thresholds {
    /// No threshold at all, for a group that leaves a pair to the kernel
    /// where the kernel has none for it (an ancestor; any group without a
    /// memcg writeback domain).
    pub const NONE: Thresholds = Thresholds {
        foreground: u64::MAX,
        background: u64::MAX,
    };

    /// The kernel's rule (`domain_dirty_limits()`): a background threshold
    /// that is not below the foreground one is half of it.
    fn with_background_below(self) -> Self {
        let background = if self.background >= self.foreground {
            self.foreground / 2
        } else {
            self.background
        };
        Thresholds {
            foreground: self.foreground,
            background,
        }
    }
}

impl DirtySettings {
    /// The thresholds of a group with `dirtyable` pages of dirtyable
    /// memory ([`dirtyable_pages`]), by its own settings alone; a pair
    /// that follows the global settings takes `fallback`'s value (the
    /// kernel's, where it computed one).
    pub fn thresholds(&self, dirtyable: u64, page_shift: u32, fallback: Thresholds) -> Thresholds {
        let pages = |threshold: Option<Threshold>, fallback| {
            threshold.map_or(fallback, |t| t.pages(dirtyable, page_shift))
        };
        Thresholds {
            foreground: pages(self.foreground, fallback.foreground),
            background: pages(self.background, fallback.background),
        }
        .with_background_below()
    }
}

/// The dirtyable memory of a memcg writeback domain, as 6.12 computes it
/// (`mdtc_calc_avail()`): the group's file pages, plus as much of the
/// clean file pages of other groups as its memory limits leave room for.
///
/// `headroom` is the least room below `memory.max`/`memory.high` over the
/// group and its ancestors; `global_dirtyable` and `global_dirty` are the
/// machine's (the global domain's).
pub fn dirtyable_pages(
    file: u64,
    dirty: u64,
    headroom: u64,
    global_dirtyable: u64,
    global_dirty: u64,
) -> u64 {
    let clean = file - file.min(dirty);
    let global_clean = global_dirtyable - global_dirtyable.min(global_dirty);
    let other_clean = global_clean - global_clean.min(clean);
    file.saturating_add(headroom.min(other_clean))
}

/// One group on the path from a writer's group to the root: its dirty
/// (and writeback) pages, subtree included, and its own thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// Dirty and writeback pages of the group and its descendants.
    pub dirty: u64,
    /// The group's thresholds by its own settings.
    pub thresholds: Thresholds,
}

/// The thresholds of the writeback domain of `group`, the writer's group,
/// given its `ancestors` up to (not including) the root that have
/// settings: its own, each lowered to its dirty count plus the room the
/// tightest ancestor has left below that ancestor's threshold. So the
/// domain reaches a threshold when the group or any ancestor reaches its
/// own; an ancestor over its threshold holds the group at its current count.
pub fn domain_thresholds(group: Level, ancestors: impl IntoIterator<Item = Level>) -> Thresholds {
    let mut domain = group.thresholds;
    for ancestor in ancestors {
        let room = |threshold: u64| {
            group
                .dirty
                .saturating_add(threshold.saturating_sub(ancestor.dirty))
        };
        domain.foreground = domain.foreground.min(room(ancestor.thresholds.foreground));
        domain.background = domain.background.min(room(ancestor.thresholds.background));
    }
    domain.with_background_below()
}

/// How a threshold is kept in one word of a memcg (the hook layer copies
/// the words from a parent to a new child): 0 follows the global
/// `vm.dirty_*` settings, a ratio `r` is `r + 1`, bytes have the top bit
/// set. Bytes at or above 2^63 do not fit and are refused.
pub mod word {
    use super::Threshold;

    const BYTES: u64 = 1 << 63;

    /// The word for `threshold`, or `None` if it does not fit.
    pub fn encode(threshold: Option<Threshold>) -> Option<u64> {
        match threshold {
            None => Some(0),
            Some(Threshold::Ratio(ratio)) => ratio.checked_add(1).filter(|&w| w < BYTES),
            Some(Threshold::Bytes(bytes)) => (bytes < BYTES).then_some(bytes | BYTES),
        }
    }

    /// The threshold a word holds; `None` follows the global settings.
    pub fn decode(word: u64) -> Option<Threshold> {
        if word & BYTES != 0 {
            Some(Threshold::Bytes(word & !BYTES))
        } else {
            word.checked_sub(1).map(Threshold::Ratio)
        }
    }
}

/// How many pages a task may dirty before it is checked again, `dirty`
/// pages dirty of a `thresh` limit: the kernel's `dirty_poll_interval()`,
/// about the square root of the room left, so that writers are checked
/// more often the closer they are. The room is capped at `u32::MAX` pages,
/// as the kernel caps its thresholds, so the interval fits a C `int`.
/// `None` without a threshold (`thresh` of [`Thresholds::NONE`]): the
/// writer's ratelimit is the kernel's business alone.
pub fn poll_interval(dirty: u64, thresh: u64) -> Option<u64> {
    if thresh == Thresholds::NONE.foreground {
        return None;
    }
    Some(match thresh.checked_sub(dirty) {
        Some(room) if room > 0 => 1 << (room.min(u64::from(u32::MAX)).ilog2() >> 1),
        _ => 1,
    })
}

/// The pauses of a writer throttled where the kernel has no memcg
/// writeback domain (the 2011 series' loop): one tick, doubling up to a
/// tenth of a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    ticks: u64,
    max: u64,
}

impl Pause {
    /// The first pause, for a clock of `hz` ticks a second.
    pub fn new(hz: u64) -> Self {
        Pause {
            ticks: 1,
            max: (hz / 10).max(1),
        }
    }

    /// This pause, in ticks; the next one will be twice as long, up to the
    /// maximum.
    pub fn take(&mut self) -> u64 {
        let ticks = self.ticks;
        self.ticks = (ticks * 2).min(self.max);
        ticks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE_SHIFT: u32 = 12;
    const PAGE: u64 = 1 << PAGE_SHIFT;

    /// The kernel's defaults: `vm.dirty_ratio` 20, `vm.dirty_background_ratio` 10.
    const GLOBAL: GlobalSettings = GlobalSettings {
        ratio: 20,
        bytes: 0,
        background_ratio: 10,
        background_bytes: 0,
    };

    /// The same values as a group's own.
    const DEFAULTS: DirtySettings = DirtySettings {
        foreground: Some(Threshold::Ratio(20)),
        background: Some(Threshold::Ratio(10)),
    };

    fn write(
        file: DirtyFile,
        settings: &DirtySettings,
        input: &str,
    ) -> Result<DirtySettings, ParseError> {
        file.write(settings, input.as_bytes(), PAGE_SHIFT)
    }

    fn assert_refused(files: [DirtyFile; 2], input: &str) {
        for file in files {
            assert!(
                write(file, &DEFAULTS, input).is_err(),
                "{input:?} to {file:?}"
            );
        }
    }

    fn reads(settings: &DirtySettings) -> [u64; 4] {
        DirtyFile::ALL.map(|file| file.read(settings, &GLOBAL))
    }

    #[test]
    fn files_read_the_settings() {
        assert_eq!(reads(&DEFAULTS), [20, 0, 10, 0]);
        let bytes = DirtySettings {
            foreground: Some(Threshold::Bytes(10 << 20)),
            background: Some(Threshold::Bytes(5 << 20)),
        };
        assert_eq!(reads(&bytes), [0, 10 << 20, 0, 5 << 20]);
    }

    #[test]
    fn a_pair_that_follows_the_global_settings_reads_them() {
        assert!(!DirtySettings::GLOBAL.is_set());
        assert_eq!(reads(&DirtySettings::GLOBAL), [20, 0, 10, 0]);
        let global = GlobalSettings {
            ratio: 0,
            bytes: 64 << 20,
            background_ratio: 5,
            background_bytes: 0,
        };
        let s = write(DirtyFile::BackgroundBytes, &DirtySettings::GLOBAL, "1M").unwrap();
        assert!(s.is_set());
        let read = DirtyFile::ALL.map(|file| file.read(&s, &global));
        assert_eq!(read, [0, 64 << 20, 0, 1 << 20]);
    }

    #[test]
    fn writing_one_form_zeroes_the_other() {
        let s = write(DirtyFile::Bytes, &DEFAULTS, "10M").unwrap();
        assert_eq!(reads(&s), [0, 10 << 20, 10, 0]);
        let s = write(DirtyFile::Ratio, &s, "30").unwrap();
        assert_eq!(reads(&s), [30, 0, 10, 0]);
        let s = write(DirtyFile::BackgroundBytes, &s, "1m").unwrap();
        assert_eq!(reads(&s), [30, 0, 0, 1 << 20]);
        let s = write(DirtyFile::BackgroundRatio, &s, "5").unwrap();
        assert_eq!(reads(&s), [30, 0, 5, 0]);
    }

    #[test]
    fn ratios_are_decimals_from_0_to_100() {
        for (input, ratio) in [("0", 0), ("100", 100), (" 42\n", 42), ("007", 7)] {
            let s = write(DirtyFile::Ratio, &DEFAULTS, input).unwrap();
            assert_eq!(s.foreground, Some(Threshold::Ratio(ratio)), "{input:?}");
        }
        for input in [
            "101",
            "1000",
            "99999999999999999999999",
            "-1",
            "",
            " ",
            "1.5",
            "0x10",
            "10%",
            "1 0",
            "ten",
        ] {
            assert_refused([DirtyFile::Ratio, DirtyFile::BackgroundRatio], input);
        }
    }

    #[test]
    fn byte_counts_use_the_memory_controllers_syntax() {
        for (input, bytes) in [
            ("8192", 8192),
            ("10M", 10 << 20),
            (" 1g\n", 1 << 30),
            ("0x4000", 0x4000),
        ] {
            let s = write(DirtyFile::Bytes, &DEFAULTS, input).unwrap();
            assert_eq!(s.foreground, Some(Threshold::Bytes(bytes)), "{input:?}");
        }
        for input in [
            "",
            "-1",
            "max",
            "10Q",
            "10MB",
            "8E",
            "18446744073709551616",
            "16E",
        ] {
            assert_refused([DirtyFile::Bytes, DirtyFile::BackgroundBytes], input);
        }
    }

    #[test]
    fn byte_minimums_are_the_sysctls() {
        // vm.dirty_bytes: at least two pages; vm.dirty_background_bytes: one byte.
        assert!(write(DirtyFile::Bytes, &DEFAULTS, "0").is_err());
        assert!(write(DirtyFile::Bytes, &DEFAULTS, "8191").is_err());
        assert!(write(DirtyFile::Bytes, &DEFAULTS, "8192").is_ok());
        assert!(write(DirtyFile::BackgroundBytes, &DEFAULTS, "0").is_err());
        assert!(write(DirtyFile::BackgroundBytes, &DEFAULTS, "1").is_ok());
    }

    #[test]
    fn a_refused_write_changes_nothing() {
        let s = write(DirtyFile::Bytes, &DEFAULTS, "10M").unwrap();
        assert!(write(DirtyFile::Ratio, &s, "101").is_err());
        // The caller keeps `s`: the failed write returned no new settings.
        assert_eq!(reads(&s), [0, 10 << 20, 10, 0]);
    }

    #[test]
    fn ratios_apply_to_dirtyable_memory_rounding_down() {
        let t = DEFAULTS.thresholds(1000, PAGE_SHIFT, Thresholds::NONE);
        assert_eq!(
            t,
            Thresholds {
                foreground: 200,
                background: 100
            }
        );
        let t = DEFAULTS.thresholds(999, PAGE_SHIFT, Thresholds::NONE);
        assert_eq!(
            t,
            Thresholds {
                foreground: 199,
                background: 99
            }
        );
        assert_eq!(
            DEFAULTS.thresholds(0, PAGE_SHIFT, Thresholds::NONE),
            Thresholds {
                foreground: 0,
                background: 0
            }
        );
    }

    #[test]
    fn bytes_are_absolute_and_round_up_to_pages() {
        let s = DirtySettings {
            foreground: Some(Threshold::Bytes(10 << 20)),
            background: Some(Threshold::Bytes(PAGE + 1)),
        };
        for dirtyable in [0, 100, 1 << 30] {
            let t = s.thresholds(dirtyable, PAGE_SHIFT, Thresholds::NONE);
            assert_eq!(
                t,
                Thresholds {
                    foreground: 2560,
                    background: 2
                }
            );
        }
    }

    #[test]
    fn a_background_threshold_not_below_the_foreground_is_half_of_it() {
        let s = DirtySettings {
            foreground: Some(Threshold::Ratio(10)),
            background: Some(Threshold::Ratio(10)),
        };
        assert_eq!(
            s.thresholds(1000, PAGE_SHIFT, Thresholds::NONE),
            Thresholds {
                foreground: 100,
                background: 50
            }
        );
        let s = DirtySettings {
            foreground: Some(Threshold::Bytes(10 << 20)),
            background: Some(Threshold::Ratio(100)),
        };
        assert_eq!(
            s.thresholds(1 << 20, PAGE_SHIFT, Thresholds::NONE),
            Thresholds {
                foreground: 2560,
                background: 1280
            }
        );
    }

    #[test]
    fn a_pair_that_follows_the_global_settings_takes_the_fallback() {
        let kernel = Thresholds {
            foreground: 400,
            background: 200,
        };
        assert_eq!(
            DirtySettings::GLOBAL.thresholds(1000, PAGE_SHIFT, kernel),
            kernel
        );
        let s = DirtySettings {
            foreground: Some(Threshold::Ratio(30)),
            background: None,
        };
        // 300 of its own, the kernel's 200 for the background.
        let t = s.thresholds(1000, PAGE_SHIFT, kernel);
        assert_eq!(
            t,
            Thresholds {
                foreground: 300,
                background: 200
            }
        );
        // Where the kernel has none, the background is half the foreground.
        let t = s.thresholds(1000, PAGE_SHIFT, Thresholds::NONE);
        assert_eq!(
            t,
            Thresholds {
                foreground: 300,
                background: 150
            }
        );
        // A background threshold alone leaves the foreground unlimited.
        let s = DirtySettings {
            foreground: None,
            background: Some(Threshold::Bytes(PAGE * 10)),
        };
        let t = s.thresholds(1000, PAGE_SHIFT, Thresholds::NONE);
        assert_eq!(
            t,
            Thresholds {
                foreground: u64::MAX,
                background: 10
            }
        );
    }

    #[test]
    fn huge_values_do_not_wrap() {
        let s = DirtySettings {
            foreground: Some(Threshold::Ratio(100)),
            background: Some(Threshold::Bytes(u64::MAX)),
        };
        let t = s.thresholds(u64::MAX, PAGE_SHIFT, Thresholds::NONE);
        assert_eq!(t.foreground, u64::MAX);
        assert_eq!(t.background, u64::MAX.div_ceil(PAGE));
        let path = [
            Level {
                dirty: u64::MAX,
                thresholds: t,
            },
            Level {
                dirty: 0,
                thresholds: t,
            },
        ];
        assert_eq!(domain(&path), Some(t));
    }

    #[test]
    fn dirtyable_memory_is_the_kernels_for_a_memcg_domain() {
        // 1000 file pages, 100 of them dirty: 900 clean. The machine has
        // 10000 dirtyable, 500 dirty: 9500 clean, 8600 of other groups.
        assert_eq!(dirtyable_pages(1000, 100, 50, 10_000, 500), 1050);
        assert_eq!(dirtyable_pages(1000, 100, u64::MAX, 10_000, 500), 9600);
        // Counts read at different times may disagree; nothing underflows.
        assert_eq!(dirtyable_pages(10, 20, 5, 3, 9), 10);
        assert_eq!(dirtyable_pages(0, 0, 0, 0, 0), 0);
    }

    /// `domain_thresholds()` of a path from the group up, if not empty.
    fn domain(path: &[Level]) -> Option<Thresholds> {
        let (group, ancestors) = path.split_first()?;
        Some(domain_thresholds(*group, ancestors.iter().copied()))
    }

    fn level(dirty: u64, foreground: u64, background: u64) -> Level {
        Level {
            dirty,
            thresholds: Thresholds {
                foreground,
                background,
            },
        }
    }

    #[test]
    fn a_group_alone_keeps_its_own_thresholds() {
        assert_eq!(domain(&[]), None);
        let own = Thresholds {
            foreground: 100,
            background: 50,
        };
        assert_eq!(domain(&[level(30, 100, 50)]), Some(own));
    }

    #[test]
    fn an_ancestor_with_room_to_spare_changes_nothing() {
        let path = [level(30, 100, 50), level(40, 1000, 500)];
        assert_eq!(
            domain(&path),
            Some(Thresholds {
                foreground: 100,
                background: 50
            })
        );
    }

    #[test]
    fn an_ancestor_with_a_lower_limit_applies_to_a_child_with_a_higher_one() {
        // The child (limit 100) holds all of its parent's dirty pages; the
        // parent's limit is 60: the child's domain reaches it at 60.
        let path = [level(30, 100, 50), level(30, 60, 40)];
        assert_eq!(
            domain(&path),
            Some(Thresholds {
                foreground: 60,
                background: 40
            })
        );
    }

    #[test]
    fn an_ancestor_over_its_limit_holds_the_group_where_it_is() {
        // A sibling made the parent's dirty pages: the child may add none.
        let path = [level(10, 100, 50), level(80, 60, 40)];
        let domain = domain(&path).unwrap();
        assert_eq!(domain.foreground, 10);
        // ... and its background writeback starts.
        assert_eq!(domain.background, 5);
        assert!(domain.background < 10);
    }

    #[test]
    fn the_tightest_ancestor_wins() {
        let path = [
            level(10, 1000, 500),
            level(20, 100, 50),   // room 80 (fg), 30 (bg)
            level(200, 230, 210), // room 30 (fg), 10 (bg)
            level(300, 1000, 400),
        ];
        assert_eq!(
            domain(&path),
            Some(Thresholds {
                foreground: 40,
                background: 20
            })
        );
    }

    #[test]
    fn words_round_trip() {
        let cases = [
            None,
            Some(Threshold::Ratio(0)),
            Some(Threshold::Ratio(100)),
            Some(Threshold::Bytes(0)),
            Some(Threshold::Bytes(8192)),
            Some(Threshold::Bytes((1 << 63) - 1)),
        ];
        for threshold in cases {
            let encoded = word::encode(threshold).unwrap();
            assert_eq!(word::decode(encoded), threshold, "{threshold:?}");
        }
        assert_eq!(
            word::encode(None),
            Some(0),
            "a zeroed memcg follows the global settings"
        );
        assert_eq!(word::encode(Some(Threshold::Bytes(1 << 63))), None);
        assert_eq!(word::encode(Some(Threshold::Bytes(u64::MAX))), None);
    }

    #[test]
    fn poll_interval_is_the_kernels() {
        assert_eq!(poll_interval(0, 1), Some(1));
        assert_eq!(poll_interval(0, 4), Some(2));
        assert_eq!(poll_interval(0, 1 << 20), Some(1 << 10));
        assert_eq!(poll_interval(100, 100 + 1023), Some(1 << 4));
        // At or over the limit: check at every page.
        assert_eq!(poll_interval(100, 100), Some(1));
        assert_eq!(poll_interval(200, 100), Some(1));
    }

    #[test]
    fn poll_interval_fits_an_int_and_leaves_no_threshold_alone() {
        assert_eq!(poll_interval(0, Thresholds::NONE.foreground), None);
        assert_eq!(poll_interval(1 << 40, Thresholds::NONE.foreground), None);
        for thresh in [u64::MAX - 1, 1 << 63, 1 << 40, 1 << 32, u64::from(u32::MAX)] {
            let pages = poll_interval(0, thresh).expect("a threshold");
            assert!(pages <= i32::MAX as u64, "{thresh}: {pages}");
            assert_eq!(pages, 1 << 15, "the kernel's largest, at {thresh}");
        }
    }

    #[test]
    fn pauses_double_up_to_a_tenth_of_a_second() {
        let mut pause = Pause::new(250);
        let ticks: [u64; 7] = core::array::from_fn(|_| pause.take());
        assert_eq!(ticks, [1, 2, 4, 8, 16, 25, 25]);
        let mut slow = Pause::new(5);
        assert_eq!([slow.take(), slow.take()], [1, 1]);
    }
}
