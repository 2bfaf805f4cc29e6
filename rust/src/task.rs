// SPDX-License-Identifier: GPL-2.0

//! Per-task over-limit actions (SPEC 4): the `prctl(PR_SET_MEMCONTROL)` and
//! `/proc/<pid>/memctl` ABI, when a task is over its threshold, and what
//! happens then, episode by episode.
//!
//! A task's settings are an action word and two byte counts:
//!
//! - the action word: bits 0-7 the action, bits 8-15 a signal number (for
//!   [`Action::Signal`] only), bits 16-31 flags ([`flags`]); bits 32-63 are
//!   reserved and must be 0;
//! - `cgroup_extra`: how far above its group's `memory.high` the group's
//!   usage may go before the task acts;
//! - `rss_limit`: with RSS kinds in the flags, how large the task's RSS of
//!   those kinds may be.
//!
//! Everything that is not exactly valid is refused ([`Invalid`], `EINVAL`),
//! and a refused call changes nothing. Beyond SPEC 4.1's list memctl also
//! refuses a signal number or [`flags::SIGCONT`] with an action other than
//! [`Action::Signal`] (a field that has no meaning there) and a byte count
//! above `i64::MAX`, which `PR_GET_MEMCONTROL` could not return: the
//! system call's return value is a `long`, and a negative one is an error.

use core::fmt;

use super::limit::digits_value;

/// `prctl()` option that reads one of the calling thread's settings.
pub const PR_GET_MEMCONTROL: u64 = 0x4d43_0001;
/// `prctl()` option that sets the calling thread's settings.
pub const PR_SET_MEMCONTROL: u64 = 0x4d43_0002;

/// `PR_GET_MEMCONTROL` selectors.
pub mod selector {
    /// The action word.
    pub const ACTION: u64 = 0;
    /// `cgroup_extra`, in bytes.
    pub const CLIMIT: u64 = 1;
    /// `rss_limit`, in bytes.
    pub const PLIMIT: u64 = 2;
}

/// The flags, as they are in bits 16-31 of the action word (shifted by
/// [`FLAGS_SHIFT`]).
pub mod flags {
    /// Signal at every check while over, not once per episode.
    pub const SIGCONT: u64 = 0x1;
    /// Ignore the cgroup: the RSS limit alone decides.
    pub const DIRECT: u64 = 0x2;
    /// One kernel log line per episode.
    pub const LOG: u64 = 0x4;
    /// Count anonymous pages in the task's RSS.
    pub const RSS_ANON: u64 = 0x100;
    /// Count file pages in the task's RSS.
    pub const RSS_FILE: u64 = 0x200;
    /// Count shared memory pages in the task's RSS.
    pub const RSS_SHMEM: u64 = 0x400;
    /// The RSS kinds.
    pub const RSS_KINDS: u64 = RSS_ANON | RSS_FILE | RSS_SHMEM;
    /// Every defined flag.
    pub const ALL: u64 = SIGCONT | DIRECT | LOG | RSS_KINDS;
}

/// Where the signal number is in the action word.
pub const SIGNAL_SHIFT: u32 = 8;
/// Where the flags are in the action word.
pub const FLAGS_SHIFT: u32 = 16;

/// The largest byte count a setting may have: what a `long` holds.
pub const MAX_BYTES: u64 = i64::MAX as u64;

/// What a task does while it is over its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing (with [`flags::LOG`], the episode is logged).
    None = 0,
    /// Memory-mapping system calls fail with `ENOMEM`.
    Enomem = 1,
    /// The task sleeps on its way back to user mode.
    Slowdown = 2,
    /// The configured signal.
    Signal = 3,
    /// `SIGKILL`.
    Kill = 4,
}

impl Action {
    fn from_bits(bits: u64) -> Option<Self> {
        Some(match bits {
            0 => Action::None,
            1 => Action::Enomem,
            2 => Action::Slowdown,
            3 => Action::Signal,
            4 => Action::Kill,
            _ => return None,
        })
    }

    /// The action's name, as the log line shows it.
    pub fn name(self) -> &'static str {
        match self {
            Action::None => "NONE",
            Action::Enomem => "ENOMEM",
            Action::Slowdown => "SLOWDOWN",
            Action::Signal => "SIGNAL",
            Action::Kill => "KILL",
        }
    }
}

/// A refused setting or request: `EINVAL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

/// One thread's settings. `TaskSettings::NONE`, what a thread has until it
/// or its parent sets something, never acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskSettings {
    action: Action,
    signal: u8,
    flags: u64,
    cgroup_extra: u64,
    rss_limit: u64,
}

impl TaskSettings {
    /// No action, no flags, no limits.
    pub const NONE: TaskSettings = TaskSettings {
        action: Action::None,
        signal: 0,
        flags: 0,
        cgroup_extra: 0,
        rss_limit: 0,
    };

    /// The settings `PR_SET_MEMCONTROL` (or a write to the procfs file)
    /// asks for, if valid. `nsig` is the kernel's `_NSIG`: signal numbers
    /// must be below it.
    pub fn new(word: u64, cgroup_extra: u64, rss_limit: u64, nsig: u64) -> Result<Self, Invalid> {
        if word >> 32 != 0 || cgroup_extra > MAX_BYTES || rss_limit > MAX_BYTES {
            return Err(Invalid);
        }
        let action = Action::from_bits(word & 0xff).ok_or(Invalid)?;
        let signal = (word >> SIGNAL_SHIFT) & 0xff;
        let flags = word >> FLAGS_SHIFT;
        if flags & !flags::ALL != 0 {
            return Err(Invalid);
        }
        let signal_ok = match action {
            Action::Signal => signal != 0 && signal < nsig,
            _ => signal == 0 && flags & flags::SIGCONT == 0,
        };
        let direct_ok =
            flags & flags::DIRECT == 0 || (flags & flags::RSS_KINDS != 0 && rss_limit != 0);
        if !signal_ok || !direct_ok {
            return Err(Invalid);
        }
        Ok(TaskSettings {
            action,
            // Checked above to fit in 8 bits.
            signal: signal as u8,
            flags,
            cgroup_extra,
            rss_limit,
        })
    }

    /// The settings as the kernel keeps them for a thread: the action word
    /// and the two byte counts.
    pub fn words(&self) -> [u64; 3] {
        [self.word(), self.cgroup_extra, self.rss_limit]
    }

    /// The settings [`TaskSettings::words`] gave; [`TaskSettings::NONE`]
    /// for words no valid settings give.
    pub fn from_words(words: [u64; 3], nsig: u64) -> Self {
        Self::new(words[0], words[1], words[2], nsig).unwrap_or(Self::NONE)
    }

    /// Which of the hook layer's call sites the thread's settings need.
    pub fn calls(&self) -> Calls {
        Calls {
            check: self.is_active(),
            refuse: self.action == Action::Enomem,
            fault: self.is_active() && self.has(flags::DIRECT),
        }
    }

    /// Whether a memory-mapping system call of the thread fails with
    /// `ENOMEM`: its action is [`Action::Enomem`] and a check made for the
    /// call found it over (`over`, from [`TaskSettings::over`]).
    pub fn refuses(&self, over: Option<Overage>) -> bool {
        over.is_some() && self.action == Action::Enomem
    }

    /// The action word, as it was set.
    pub fn word(&self) -> u64 {
        self.action as u64 | u64::from(self.signal) << SIGNAL_SHIFT | self.flags << FLAGS_SHIFT
    }

    /// What `PR_GET_MEMCONTROL` returns for `selector`.
    pub fn get(&self, selector: u64) -> Result<u64, Invalid> {
        match selector {
            selector::ACTION => Ok(self.word()),
            selector::CLIMIT => Ok(self.cgroup_extra),
            selector::PLIMIT => Ok(self.rss_limit),
            _ => Err(Invalid),
        }
    }

    /// The action.
    pub fn action(&self) -> Action {
        self.action
    }

    /// Whether any flag of `mask` is set.
    pub fn has(&self, mask: u64) -> bool {
        self.flags & mask != 0
    }

    /// Whether the thread's memory has to be checked at all: it has an
    /// action, or logs.
    pub fn is_active(&self) -> bool {
        self.action != Action::None || self.has(flags::LOG)
    }

    /// Whether the task is over its threshold, and by what numbers, given
    /// its group's usage and `memory.high` (`None` where the cgroup trigger
    /// cannot fire: the root group, cgroup v1) and its RSS.
    ///
    /// Without [`flags::DIRECT`] the group must be over `memory.high +
    /// cgroup_extra` and, if RSS kinds are set, the task's RSS of those
    /// kinds over `rss_limit` too; the group's numbers are reported. With
    /// it, only the RSS counts.
    pub fn over(&self, group: Option<GroupUsage>, rss: Rss) -> Option<Overage> {
        let rss_over = self.rss_over(&rss);
        let rss = Overage {
            trigger: Trigger::Rss,
            usage: rss.of(self.flags),
            threshold: self.rss_limit,
        };
        if self.has(flags::DIRECT) {
            return rss_over.then_some(rss);
        }
        let group = group?;
        let threshold = group.high?.saturating_add(self.cgroup_extra);
        (group.usage > threshold && rss_over).then_some(Overage {
            trigger: Trigger::Cgroup,
            usage: group.usage,
            threshold,
        })
    }

    /// Whether [`TaskSettings::over`] needs the group's numbers, given the
    /// task's RSS: not with [`flags::DIRECT`], nor when RSS kinds are set
    /// and the RSS is within `rss_limit`, as the cgroup trigger needs both.
    /// Looking the group up is most of what an `ENOMEM` gate costs.
    pub fn needs_group(&self, rss: &Rss) -> bool {
        !self.has(flags::DIRECT) && self.rss_over(rss)
    }

    /// Whether the RSS condition holds: no RSS kinds, or their RSS over
    /// `rss_limit`.
    fn rss_over(&self, rss: &Rss) -> bool {
        !self.has(flags::RSS_KINDS) || rss.of(self.flags) > self.rss_limit
    }
}

/// The call sites a thread's settings need; the others skip it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calls {
    /// The checks after its charges and on its way back to user mode.
    pub check: bool,
    /// The `ENOMEM` gates.
    pub refuse: bool,
    /// The checks after each page fault: the RSS alone decides, and no
    /// memcg charge may come (the root cgroup, no memory controller).
    pub fault: bool,
}

/// A memory cgroup's usage and `memory.high`, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupUsage {
    /// `memory.current`.
    pub usage: u64,
    /// `memory.high`; `None` for `max`.
    pub high: Option<u64>,
}

/// A task's RSS by kind, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rss {
    /// Anonymous pages.
    pub anon: u64,
    /// File pages.
    pub file: u64,
    /// Shared memory pages.
    pub shmem: u64,
}

impl Rss {
    /// The RSS of the kinds in `flags`.
    fn of(&self, flags: u64) -> u64 {
        let kind = |flag, bytes| if flags & flag != 0 { bytes } else { 0 };
        kind(flags::RSS_ANON, self.anon)
            .saturating_add(kind(flags::RSS_FILE, self.file))
            .saturating_add(kind(flags::RSS_SHMEM, self.shmem))
    }
}

/// Which test found the task over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The group's usage against `memory.high + cgroup_extra`.
    Cgroup,
    /// The task's RSS against `rss_limit`.
    Rss,
}

/// How far over a task is: the usage that decided and its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overage {
    /// What was compared.
    pub trigger: Trigger,
    /// Bytes in use.
    pub usage: u64,
    /// Bytes allowed.
    pub threshold: u64,
}

/// The shortest and longest sleep of [`Action::Slowdown`], in milliseconds.
pub const SLOWDOWN_MIN_MS: u64 = 10;
/// See [`SLOWDOWN_MIN_MS`].
pub const SLOWDOWN_MAX_MS: u64 = 1000;

impl Overage {
    /// How long [`Action::Slowdown`] sleeps: [`SLOWDOWN_MIN_MS`] plus one
    /// millisecond per thousandth of the threshold the usage is over it,
    /// at most [`SLOWDOWN_MAX_MS`] (reached at twice the threshold).
    pub fn slowdown_ms(&self) -> u64 {
        let over = self.usage.saturating_sub(self.threshold);
        // Per mille of the threshold, without overflowing: a threshold
        // below 1000 bytes counts as 1000.
        let per_mille = over / (self.threshold / 1000).max(1);
        SLOWDOWN_MIN_MS
            .saturating_add(per_mille)
            .min(SLOWDOWN_MAX_MS)
    }
}

/// What a thread does on its way back to user mode after a check found it
/// over; the default is nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// Print the log line (the episode's first check, with [`flags::LOG`]).
    pub log: bool,
    /// Send this signal (`SIGKILL` is the caller's for [`Action::Kill`]).
    pub signal: Option<u8>,
    /// Kill the task.
    pub kill: bool,
    /// Sleep this long, in milliseconds.
    pub sleep_ms: u64,
}

/// A thread's episode: from the first check that finds it over to the
/// first that finds it under. Not inherited: a new thread starts outside
/// one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Episode {
    over: bool,
}

/// The kernel keeps a thread's episode in a word that only the thread
/// itself changes: bit 0 ([`CHECK_DUE`]) says that the thread charged
/// memory since its last check, bit 1 that the last check found it over,
/// and bits 2-31 tag the settings the episode belongs to (half their write
/// sequence, which is even). New settings start outside an episode, as a
/// new thread does (its word is 0).
pub const CHECK_DUE: u32 = 1;
const OVER: u32 = 2;
const TAG_SHIFT: u32 = 2;

impl Episode {
    /// The episode an episode word holds for the settings written at
    /// `sequence`.
    pub fn load(word: u32, sequence: u32) -> Self {
        Episode {
            over: word & OVER != 0 && word >> TAG_SHIFT == Self::tag(sequence),
        }
    }

    /// The episode word for the settings written at `sequence`, with no
    /// check due.
    pub fn store(&self, sequence: u32) -> u32 {
        Self::tag(sequence) << TAG_SHIFT | if self.over { OVER } else { 0 }
    }

    fn tag(sequence: u32) -> u32 {
        (sequence >> 1) & (u32::MAX >> TAG_SHIFT)
    }

    /// Whether the last check found the thread over.
    #[cfg(test)]
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// Records a check's finding, `over` (from [`TaskSettings::over`]),
    /// and returns what the thread is to do about it on its way back to
    /// user mode (`None`: nothing).
    pub fn check(&mut self, settings: &TaskSettings, over: Option<Overage>) -> Option<Response> {
        let starts = !self.over;
        self.over = over.is_some();
        let overage = over?;
        let response = Response {
            log: starts && settings.has(flags::LOG),
            signal: match settings.action {
                Action::Signal if starts || settings.has(flags::SIGCONT) => Some(settings.signal),
                _ => None,
            },
            kill: settings.action == Action::Kill,
            sleep_ms: match settings.action {
                Action::Slowdown => overage.slowdown_ms(),
                _ => 0,
            },
        };
        (response != Response::default()).then_some(response)
    }
}

/// The three numbers of `/proc/<pid>/memctl`, decimal or `0x` hexadecimal
/// (a leading `0` is not octal), separated and surrounded by ASCII white
/// space; nothing else.
pub fn parse_proc(input: &[u8]) -> Result<[u64; 3], Invalid> {
    let mut numbers = input
        .split(|c| c.is_ascii_whitespace())
        .filter(|word| !word.is_empty());
    let mut values = [0; 3];
    for value in &mut values {
        *value = parse_number(numbers.next().ok_or(Invalid)?)?;
    }
    match numbers.next() {
        None => Ok(values),
        Some(_) => Err(Invalid),
    }
}

fn parse_number(word: &[u8]) -> Result<u64, Invalid> {
    let (radix, digits) = match word {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        _ => (10, word),
    };
    if digits.is_empty() {
        return Err(Invalid);
    }
    digits_value(digits, radix).ok_or(Invalid)
}

/// What a read of `/proc/<pid>/memctl` shows:
/// `<action_word> <cgroup_extra> <rss_limit>\n`, decimal.
pub struct ProcLine<'a>(pub &'a TaskSettings);

impl fmt::Display for ProcLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = self.0;
        writeln!(
            f,
            "{} {} {}",
            settings.word(),
            settings.cgroup_extra,
            settings.rss_limit
        )
    }
}

/// The kernel log line of an episode, after the module's `memctl: ` prefix
/// (which the kernel's `pr_info!` adds): `<comm>[<pid>] in <cgroup>:
/// memory|rss <usage> > <threshold> bytes, action <ACTION>[ <signal>]`.
pub struct LogLine<'a> {
    /// The thread's settings.
    pub settings: &'a TaskSettings,
    /// What the check found.
    pub overage: Overage,
    /// The thread's name.
    pub comm: &'a str,
    /// Its pid (thread id).
    pub pid: i32,
    /// Its memory cgroup's path.
    pub cgroup: &'a str,
    /// How many lines the rate limit suppressed before this one.
    pub suppressed: u64,
}

impl fmt::Display for LogLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.overage.trigger {
            Trigger::Cgroup => "memory",
            Trigger::Rss => "rss",
        };
        write!(
            f,
            "{}[{}] in {}: {} {} > {} bytes, action {}",
            self.comm,
            self.pid,
            self.cgroup,
            what,
            self.overage.usage,
            self.overage.threshold,
            self.settings.action.name()
        )?;
        if self.settings.action == Action::Signal {
            write!(f, " {}", self.settings.signal)?;
        }
        if self.suppressed != 0 {
            write!(f, " ({} earlier lines suppressed)", self.suppressed)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::format;

    /// x86-64's `_NSIG`.
    const NSIG: u64 = 64;
    const SIGUSR1: u64 = 10;

    fn word(action: u64, signal: u64, flags: u64) -> u64 {
        action | signal << SIGNAL_SHIFT | flags << FLAGS_SHIFT
    }

    fn set(word: u64, extra: u64, rss: u64) -> Result<TaskSettings, Invalid> {
        TaskSettings::new(word, extra, rss, NSIG)
    }

    #[test]
    fn every_action_with_its_fields_is_accepted_and_read_back() {
        let cases = [
            (word(0, 0, 0), 0, 0),
            (word(0, 0, flags::LOG), 1 << 20, 0),
            (word(1, 0, flags::RSS_ANON), 0, 64 << 20),
            (
                word(2, 0, flags::DIRECT | flags::RSS_FILE | flags::RSS_SHMEM),
                0,
                1,
            ),
            (word(3, SIGUSR1, flags::SIGCONT | flags::LOG), 5 << 30, 0),
            (word(3, NSIG - 1, 0), 0, 0),
            (word(4, 0, flags::ALL & !flags::SIGCONT), 0, MAX_BYTES),
        ];
        for (word, extra, rss) in cases {
            let settings = set(word, extra, rss).expect("valid");
            assert_eq!(settings.get(selector::ACTION), Ok(word));
            assert_eq!(settings.get(selector::CLIMIT), Ok(extra));
            assert_eq!(settings.get(selector::PLIMIT), Ok(rss));
        }
    }

    #[test]
    fn byte_counts_above_4_gib_are_kept_whole() {
        let settings = set(word(1, 0, 0), 6 << 30, 5 << 30).expect("valid");
        assert_eq!(settings.get(selector::CLIMIT), Ok(6 << 30));
        assert_eq!(settings.get(selector::PLIMIT), Ok(5 << 30));
    }

    #[test]
    fn unknown_actions_flags_and_reserved_bits_are_invalid() {
        assert_eq!(set(5, 0, 0), Err(Invalid));
        assert_eq!(set(0xff, 0, 0), Err(Invalid));
        for bit in 0..16 {
            let flag = 1 << bit;
            if flags::ALL & flag == 0 {
                assert_eq!(set(word(1, 0, flag), 0, 0), Err(Invalid), "flag {flag:#x}");
            }
        }
        for bit in 32..64 {
            assert_eq!(set(1 | 1 << bit, 0, 0), Err(Invalid), "bit {bit}");
        }
    }

    #[test]
    fn bad_signals_are_invalid() {
        assert_eq!(set(word(3, 0, 0), 0, 0), Err(Invalid));
        assert_eq!(set(word(3, NSIG, 0), 0, 0), Err(Invalid));
        assert_eq!(set(word(3, 0xff, 0), 0, 0), Err(Invalid));
        // A signal, or SIGCONT, where the action sends none.
        for action in [0, 1, 2, 4] {
            assert_eq!(set(word(action, SIGUSR1, 0), 0, 0), Err(Invalid));
            assert_eq!(set(word(action, 0, flags::SIGCONT), 0, 0), Err(Invalid));
        }
    }

    #[test]
    fn direct_needs_a_kind_and_a_limit() {
        assert_eq!(set(word(1, 0, flags::DIRECT), 0, 1 << 20), Err(Invalid));
        assert_eq!(
            set(word(1, 0, flags::DIRECT | flags::RSS_ANON), 0, 0),
            Err(Invalid)
        );
    }

    #[test]
    fn byte_counts_a_long_cannot_return_are_invalid() {
        assert_eq!(set(word(1, 0, 0), MAX_BYTES + 1, 0), Err(Invalid));
        assert_eq!(set(word(1, 0, 0), 0, u64::MAX), Err(Invalid));
    }

    #[test]
    fn unknown_selectors_are_invalid() {
        assert_eq!(TaskSettings::NONE.get(3), Err(Invalid));
        assert_eq!(TaskSettings::NONE.get(u64::MAX), Err(Invalid));
        assert_eq!(TaskSettings::NONE.get(selector::ACTION), Ok(0));
    }

    #[test]
    fn only_an_action_or_log_needs_checks() {
        assert!(!TaskSettings::NONE.is_active());
        assert!(!set(word(0, 0, flags::RSS_ANON), 0, 1)
            .expect("valid")
            .is_active());
        assert!(set(word(0, 0, flags::LOG), 0, 0)
            .expect("valid")
            .is_active());
        assert!(set(word(2, 0, 0), 0, 0).expect("valid").is_active());
    }

    const MIB: u64 = 1 << 20;

    fn group(usage: u64, high: Option<u64>) -> Option<GroupUsage> {
        Some(GroupUsage { usage, high })
    }

    #[test]
    fn the_cgroup_trigger_is_memory_high_plus_the_extra() {
        let settings = set(word(1, 0, 0), 10 * MIB, 0).expect("valid");
        let rss = Rss::default();
        assert_eq!(settings.over(group(110 * MIB, Some(100 * MIB)), rss), None);
        assert_eq!(
            settings.over(group(110 * MIB + 1, Some(100 * MIB)), rss),
            Some(Overage {
                trigger: Trigger::Cgroup,
                usage: 110 * MIB + 1,
                threshold: 110 * MIB
            })
        );
        // memory.high "max", the root group, cgroup v1: never.
        assert_eq!(settings.over(group(u64::MAX, None), rss), None);
        assert_eq!(settings.over(None, rss), None);
        // An extra that would overflow.
        let settings = set(word(1, 0, 0), MAX_BYTES, 0).expect("valid");
        assert_eq!(
            settings.over(group(u64::MAX, Some(u64::MAX - 1)), rss),
            None
        );
    }

    #[test]
    fn rss_kinds_add_a_condition_to_the_cgroup_trigger() {
        let settings =
            set(word(1, 0, flags::RSS_ANON | flags::RSS_SHMEM), 0, 8 * MIB).expect("valid");
        let over_high = group(2 * MIB, Some(MIB));
        let small = Rss {
            anon: 4 * MIB,
            file: 100 * MIB,
            shmem: 4 * MIB,
        };
        assert_eq!(settings.over(over_high, small), None);
        let large = Rss {
            shmem: 4 * MIB + 1,
            ..small
        };
        assert_eq!(
            settings.over(over_high, large).map(|o| o.trigger),
            Some(Trigger::Cgroup)
        );
        assert_eq!(settings.over(group(MIB, Some(MIB)), large), None);
    }

    #[test]
    fn direct_compares_only_the_rss_on_any_hierarchy() {
        let settings = set(word(1, 0, flags::DIRECT | flags::RSS_FILE), 0, 8 * MIB).expect("valid");
        let rss = Rss {
            anon: 100 * MIB,
            file: 8 * MIB + 4096,
            shmem: 0,
        };
        let expected = Some(Overage {
            trigger: Trigger::Rss,
            usage: 8 * MIB + 4096,
            threshold: 8 * MIB,
        });
        assert_eq!(settings.over(None, rss), expected);
        assert_eq!(settings.over(group(0, None), rss), expected);
        assert_eq!(
            settings.over(
                None,
                Rss {
                    file: 8 * MIB,
                    ..rss
                }
            ),
            None
        );
    }

    #[test]
    fn the_group_is_needed_only_where_it_can_change_the_answer() {
        let rss = |anon| Rss {
            anon,
            file: 0,
            shmem: 0,
        };
        let groups = [
            None,
            group(0, None),
            group(2 * MIB, Some(MIB)),
            group(u64::MAX, Some(0)),
        ];
        for word in [
            word(1, 0, 0),
            word(1, 0, flags::RSS_ANON),
            word(1, 0, flags::DIRECT | flags::RSS_ANON),
        ] {
            let settings = set(word, 0, 8 * MIB).expect("valid");
            for anon in [0, 8 * MIB, 8 * MIB + 1] {
                if !settings.needs_group(&rss(anon)) {
                    for group in groups {
                        assert_eq!(
                            settings.over(group, rss(anon)),
                            settings.over(None, rss(anon))
                        );
                    }
                }
            }
        }
        let cgroup_only = set(word(1, 0, 0), 0, 0).expect("valid");
        assert!(cgroup_only.needs_group(&rss(0)));
        let with_kind = set(word(1, 0, flags::RSS_ANON), 0, 8 * MIB).expect("valid");
        assert!(!with_kind.needs_group(&rss(8 * MIB)));
        assert!(with_kind.needs_group(&rss(8 * MIB + 1)));
        let direct = set(word(1, 0, flags::DIRECT | flags::RSS_ANON), 0, 8 * MIB).expect("valid");
        assert!(!direct.needs_group(&rss(u64::MAX)));
    }

    fn overage(usage: u64, threshold: u64) -> Option<Overage> {
        Some(Overage {
            trigger: Trigger::Cgroup,
            usage,
            threshold,
        })
    }

    #[test]
    fn a_signal_goes_once_per_episode_or_at_every_check_with_sigcont() {
        let once = set(word(3, SIGUSR1, 0), 0, 0).expect("valid");
        let every = set(word(3, SIGUSR1, flags::SIGCONT), 0, 0).expect("valid");
        let (mut a, mut b) = (Episode::default(), Episode::default());
        let mut signals = (0, 0);
        for over in [true, true, true, false, true, true] {
            let found = over.then_some(()).and(overage(2, 1));
            signals.0 += a.check(&once, found).and_then(|r| r.signal).is_some() as u32;
            signals.1 += b.check(&every, found).and_then(|r| r.signal).is_some() as u32;
        }
        assert_eq!(signals, (2, 5));
    }

    #[test]
    fn log_marks_the_start_of_each_episode() {
        let settings = set(word(0, 0, flags::LOG), 0, 0).expect("valid");
        let mut episode = Episode::default();
        let logged: std::vec::Vec<bool> = [true, true, false, false, true]
            .iter()
            .map(|&over| {
                episode
                    .check(&settings, over.then_some(()).and(overage(2, 1)))
                    .is_some_and(|r| r.log)
            })
            .collect();
        assert_eq!(logged, [true, false, false, false, true]);
    }

    #[test]
    fn kill_and_slowdown_act_at_every_check_while_over() {
        let kill = set(word(4, 0, 0), 0, 0).expect("valid");
        let slow = set(word(2, 0, 0), 0, 0).expect("valid");
        let mut episode = Episode::default();
        for _ in 0..2 {
            let response = episode.check(&kill, overage(2000, 1000)).expect("acts");
            assert!(response.kill);
            let response = episode.check(&slow, overage(2000, 1000)).expect("acts");
            assert_eq!(response.sleep_ms, SLOWDOWN_MAX_MS);
        }
        assert_eq!(episode.check(&slow, None), None);
        assert!(!episode.is_over());
    }

    #[test]
    fn nothing_to_do_under_or_without_an_action() {
        let mut episode = Episode::default();
        assert_eq!(episode.check(&TaskSettings::NONE, overage(2, 1)), None);
        assert!(episode.is_over());
        let enomem = set(word(1, 0, 0), 0, 0).expect("valid");
        // ENOMEM acts at the gates, not on the way back to user mode.
        assert_eq!(episode.check(&enomem, overage(2, 1)), None);
    }

    #[test]
    fn mappings_are_refused_only_while_over_with_enomem() {
        let enomem = set(word(1, 0, 0), 0, 0).expect("valid");
        let slow = set(word(2, 0, 0), 0, 0).expect("valid");
        let logged = set(word(1, 0, flags::LOG), 0, 0).expect("valid");
        assert!(!enomem.refuses(None));
        assert!(enomem.refuses(overage(2, 1)));
        assert!(logged.refuses(overage(2, 1)));
        assert!(!slow.refuses(overage(2, 1)));
        assert!(!TaskSettings::NONE.refuses(overage(2, 1)));
    }

    #[test]
    fn only_enomem_needs_the_gates_and_only_actions_or_log_the_checks() {
        let calls = |word| set(word, 0, 0).expect("valid").calls();
        let none = Calls {
            check: false,
            refuse: false,
            fault: false,
        };
        assert_eq!(TaskSettings::NONE.calls(), none);
        assert_eq!(
            calls(word(0, 0, flags::LOG)),
            Calls {
                check: true,
                refuse: false,
                fault: false,
            }
        );
        assert_eq!(
            calls(word(1, 0, 0)),
            Calls {
                check: true,
                refuse: true,
                fault: false,
            }
        );
        for action in [2, 4] {
            assert!(!calls(word(action, 0, 0)).refuse);
            assert!(calls(word(action, 0, 0)).check);
        }
        assert!(!calls(word(3, SIGUSR1, 0)).refuse);
        // Only DIRECT needs a check after faults, and only with an action.
        let calls_of = |word, rss| set(word, 0, rss).expect("valid").calls();
        assert!(calls_of(word(3, SIGUSR1, flags::DIRECT | flags::RSS_ANON), 1).fault);
        assert!(calls_of(word(0, 0, flags::LOG | flags::DIRECT | flags::RSS_ANON), 1).fault);
        assert!(!calls_of(word(0, 0, flags::DIRECT | flags::RSS_ANON), 1).fault);
        assert!(!calls_of(word(3, SIGUSR1, flags::RSS_ANON), 1).fault);
    }

    #[test]
    fn settings_survive_their_words() {
        let settings =
            set(word(3, SIGUSR1, flags::LOG | flags::RSS_ANON), 7, 1 << 33).expect("valid");
        assert_eq!(TaskSettings::from_words(settings.words(), NSIG), settings);
        assert_eq!(
            TaskSettings::from_words([1 << 40, 0, 0], NSIG),
            TaskSettings::NONE
        );
    }

    #[test]
    fn an_episode_belongs_to_the_settings_it_was_stored_for() {
        let over = Episode { over: true };
        let word = over.store(6);
        assert_eq!(word & CHECK_DUE, 0);
        assert!(Episode::load(word, 6).is_over());
        assert!(Episode::load(word | CHECK_DUE, 6).is_over());
        // Settings written since, or a new thread's word 0.
        assert!(!Episode::load(word, 8).is_over());
        assert!(!Episode::load(0, 6).is_over());
        assert!(!Episode::load(Episode::default().store(6), 6).is_over());
        // The tag wraps with the sequence, not into the flags.
        assert!(Episode::load(over.store(u32::MAX - 1), u32::MAX - 1).is_over());
    }

    #[test]
    fn slowdown_grows_with_the_overage_and_is_bounded() {
        let ms = |usage, threshold| {
            Overage {
                trigger: Trigger::Cgroup,
                usage,
                threshold,
            }
            .slowdown_ms()
        };
        assert_eq!(ms(100 * MIB, 100 * MIB), SLOWDOWN_MIN_MS);
        assert_eq!(ms(110 * MIB, 100 * MIB), SLOWDOWN_MIN_MS + 100);
        assert!(ms(150 * MIB, 100 * MIB) > ms(120 * MIB, 100 * MIB));
        assert_eq!(ms(u64::MAX, 100 * MIB), SLOWDOWN_MAX_MS);
        assert_eq!(ms(u64::MAX, 0), SLOWDOWN_MAX_MS);
        assert_eq!(ms(5, 0), SLOWDOWN_MIN_MS + 5);
    }

    #[test]
    fn proc_numbers_are_decimal_or_hex() {
        assert_eq!(parse_proc(b"1 0 0\n"), Ok([1, 0, 0]));
        assert_eq!(
            parse_proc(b"  0x10003 0X1000\t010  "),
            Ok([0x10003, 0x1000, 10])
        );
        assert_eq!(
            parse_proc(b"18446744073709551615 0 0"),
            Ok([u64::MAX, 0, 0])
        );
    }

    #[test]
    fn malformed_proc_input_is_invalid() {
        for input in [
            &b""[..],
            b"\n",
            b"1 2",
            b"1 2 3 4",
            b"1 2 x",
            b"1 2 0x",
            b"1 2 -3",
            b"1 2 +3",
            b"1 2 3M",
            b"1,2,3",
            b"0x1g 0 0",
            b"18446744073709551616 0 0",
            b"1 2 3\0",
        ] {
            assert_eq!(parse_proc(input), Err(Invalid), "{:?}", input);
        }
    }

    #[test]
    fn the_proc_line_reads_what_was_set() {
        let settings = set(word(3, SIGUSR1, flags::LOG), 5 << 30, 0).expect("valid");
        let line = format!("{}", ProcLine(&settings));
        assert_eq!(line, "264707 5368709120 0\n");
        let [w, extra, rss] = parse_proc(line.as_bytes()).expect("parses");
        assert_eq!(set(w, extra, rss), Ok(settings));
    }

    #[test]
    fn the_log_line_names_task_group_numbers_and_action() {
        let settings = set(word(3, SIGUSR1, flags::LOG), 0, 0).expect("valid");
        let line = LogLine {
            settings: &settings,
            overage: overage(2 * MIB, MIB).expect("some"),
            comm: "cache",
            pid: 42,
            cgroup: "/svc/a",
            suppressed: 0,
        };
        assert_eq!(
            format!("{line}"),
            "cache[42] in /svc/a: memory 2097152 > 1048576 bytes, action SIGNAL 10"
        );
        let line = LogLine {
            suppressed: 37,
            ..line
        };
        assert_eq!(
            format!("{line}"),
            "cache[42] in /svc/a: memory 2097152 > 1048576 bytes, action SIGNAL 10 \
             (37 earlier lines suppressed)"
        );
    }
}
