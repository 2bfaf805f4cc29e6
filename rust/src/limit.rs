// SPDX-License-Identifier: GPL-2.0

//! Parsing of the limits written to memctl's cgroup files.
//!
//! The syntax is the stock memory controller's (`page_counter_memparse()`,
//! which uses `memparse()`): surrounding whitespace is ignored; a number in
//! C notation (decimal, `0x` hexadecimal or `0` octal) with an optional
//! binary suffix `K`, `M`, `G`, `T`, `P` or `E` (either case) is a byte count,
//! rounded down to whole pages; one keyword (`-1` on cgroup v1, `max` on
//! cgroup v2) means unlimited, and so does any byte count at or above the
//! largest limit a page counter can hold, which is what the v1 files show
//! for "unlimited" and what libcgroup writes back.
//!
//! Where the stock parser is lax memctl refuses: an empty value, a number
//! that does not fit in 64 bits (with or without its suffix) and anything
//! after the suffix are errors, where `memparse()` would return 0 or wrap.

/// A parsed limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// No limit.
    Unlimited,
    /// At most this many pages.
    Pages(u64),
}

/// Why a value was refused; every case is `EINVAL` to the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// Not a number, a bad suffix, or something after the suffix.
    Invalid,
    /// The byte count does not fit in 64 bits.
    Overflow,
}

/// How a file spells "unlimited", and the page geometry of the machine.
#[derive(Clone, Copy, Debug)]
pub struct LimitSyntax<'a> {
    /// The keyword for "unlimited": `-1` (v1) or `max` (v2).
    pub unlimited: &'a [u8],
    /// log2 of the page size.
    pub page_shift: u32,
    /// The smallest page count that means "unlimited" (`PAGE_COUNTER_MAX`).
    pub unlimited_pages: u64,
}

impl LimitSyntax<'_> {
    /// Parses `input`, as written to the file.
    pub fn parse(&self, input: &[u8]) -> Result<Limit, ParseError> {
        let value = value_of(input)?;
        if value == self.unlimited {
            return Ok(Limit::Unlimited);
        }
        let bytes = parse_bytes(value)?;
        let pages = bytes >> self.page_shift;
        if pages >= self.unlimited_pages {
            Ok(Limit::Unlimited)
        } else {
            Ok(Limit::Pages(pages))
        }
    }
}

/// The value written to a file: `input` without the white space around it,
/// which must leave something.
pub fn value_of(input: &[u8]) -> Result<&[u8], ParseError> {
    let value = trim_ascii_whitespace(input);
    if value.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(value)
}

/// `input` without leading and trailing ASCII white space (`<[u8]>::trim_ascii`
/// is newer than the kernel's minimum Rust version).
fn trim_ascii_whitespace(input: &[u8]) -> &[u8] {
    let start = input
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(input.len());
    let end = input
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |last| last + 1);
    &input[start..end]
}

/// The number `digits` spell in `radix`, or `None` if one of them is not a
/// digit of `radix` or the number does not fit in a `u64`.
pub fn digits_value(digits: &[u8], radix: u32) -> Option<u64> {
    digits.iter().try_fold(0u64, |number, &c| {
        let digit = (c as char).to_digit(radix)?;
        number
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))
    })
}

/// Parses a byte count with an optional binary suffix, all of `value`.
pub fn parse_bytes(value: &[u8]) -> Result<u64, ParseError> {
    let (radix, digits) = match value {
        [b'0', b'x' | b'X', first, ..] if first.is_ascii_hexdigit() => (16, &value[2..]),
        [b'0', ..] => (8, value),
        _ => (10, value),
    };
    let end = digits
        .iter()
        .position(|&c| !(c as char).is_digit(radix))
        .unwrap_or(digits.len());
    if end == 0 {
        return Err(ParseError::Invalid);
    }
    // `end` only covers digits of `radix`: `None` is an overflow.
    let number = digits_value(&digits[..end], radix).ok_or(ParseError::Overflow)?;
    let shift = match &digits[end..] {
        [] => 0,
        [suffix] => match suffix.to_ascii_uppercase() {
            b'K' => 10,
            b'M' => 20,
            b'G' => 30,
            b'T' => 40,
            b'P' => 50,
            b'E' => 60,
            _ => return Err(ParseError::Invalid),
        },
        _ => return Err(ParseError::Invalid),
    };
    if number.leading_zeros() < shift {
        return Err(ParseError::Overflow);
    }
    Ok(number << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE_SHIFT: u32 = 12;
    /// `PAGE_COUNTER_MAX` on 64-bit with 4 KiB pages: `LONG_MAX / PAGE_SIZE`.
    const COUNTER_MAX: u64 = (i64::MAX as u64) >> PAGE_SHIFT;

    const V1: LimitSyntax<'static> = LimitSyntax {
        unlimited: b"-1",
        page_shift: PAGE_SHIFT,
        unlimited_pages: COUNTER_MAX,
    };
    const V2: LimitSyntax<'static> = LimitSyntax {
        unlimited: b"max",
        ..V1
    };

    fn pages(n: u64) -> Result<Limit, ParseError> {
        Ok(Limit::Pages(n))
    }

    #[test]
    fn digits_value_needs_digits_of_its_radix_and_a_u64() {
        assert_eq!(digits_value(b"", 10), Some(0));
        assert_eq!(digits_value(b"0755", 8), Some(0o755));
        assert_eq!(digits_value(b"fF", 16), Some(255));
        assert_eq!(digits_value(b"18446744073709551615", 10), Some(u64::MAX));
        assert_eq!(digits_value(b"18446744073709551616", 10), None);
        assert_eq!(digits_value(b"8", 8), None);
        assert_eq!(digits_value(b"1 2", 10), None);
    }

    #[test]
    fn plain_byte_counts_round_down_to_pages() {
        assert_eq!(V2.parse(b"0"), pages(0));
        assert_eq!(V2.parse(b"4095"), pages(0));
        assert_eq!(V2.parse(b"4096"), pages(1));
        assert_eq!(V2.parse(b"1048576"), pages(256));
        assert_eq!(V2.parse(b"1048577"), pages(256));
    }

    #[test]
    fn suffixes_in_either_case() {
        assert_eq!(V2.parse(b"64k"), pages(16));
        assert_eq!(V2.parse(b"64K"), pages(16));
        assert_eq!(V2.parse(b"16M"), pages(4096));
        assert_eq!(V2.parse(b"1g"), pages(1 << 18));
        assert_eq!(V2.parse(b"2T"), pages(2 << 28));
        assert_eq!(V2.parse(b"1P"), pages(1 << 38));
        assert_eq!(V2.parse(b"1E"), pages(1 << 48));
    }

    #[test]
    fn c_notation_like_memparse() {
        assert_eq!(V2.parse(b"0x1000"), pages(1));
        assert_eq!(V2.parse(b"0X10k"), pages(4));
        assert_eq!(V2.parse(b"0x1E"), pages(0), "E is a hex digit here");
        assert_eq!(V2.parse(b"010000"), pages(1));
        assert_eq!(V2.parse(b"08"), Err(ParseError::Invalid));
        assert_eq!(V2.parse(b"0x"), Err(ParseError::Invalid));
        assert_eq!(V2.parse(b"0xg"), Err(ParseError::Invalid));
    }

    #[test]
    fn whitespace_around_the_value_is_ignored() {
        assert_eq!(V2.parse(b"64M\n"), pages(16384));
        assert_eq!(V2.parse(b"  64M \t\n"), pages(16384));
        assert_eq!(V2.parse(b"max\n"), Ok(Limit::Unlimited));
        assert_eq!(V1.parse(b" -1\n"), Ok(Limit::Unlimited));
    }

    #[test]
    fn each_hierarchy_has_its_own_unlimited_keyword() {
        assert_eq!(V1.parse(b"-1"), Ok(Limit::Unlimited));
        assert_eq!(V2.parse(b"max"), Ok(Limit::Unlimited));
        assert_eq!(V1.parse(b"max"), Err(ParseError::Invalid));
        assert_eq!(V2.parse(b"-1"), Err(ParseError::Invalid));
        assert_eq!(V2.parse(b"MAX"), Err(ParseError::Invalid));
    }

    #[test]
    fn the_value_v1_shows_for_unlimited_means_unlimited() {
        // libcgroup writes back what it read: 9223372036854771712.
        let shown = COUNTER_MAX << PAGE_SHIFT;
        let text = b"9223372036854771712";
        assert_eq!(shown, 9_223_372_036_854_771_712);
        assert_eq!(V1.parse(text), Ok(Limit::Unlimited));
        assert_eq!(V2.parse(text), Ok(Limit::Unlimited));
        assert_eq!(V1.parse(b"9223372036854775807"), Ok(Limit::Unlimited));
        assert_eq!(V1.parse(b"18446744073709551615"), Ok(Limit::Unlimited));
        assert_eq!(V1.parse(b"9223372036854767616"), pages(COUNTER_MAX - 1));
    }

    #[test]
    fn empty_values_are_refused() {
        assert_eq!(V1.parse(b""), Err(ParseError::Empty));
        assert_eq!(V2.parse(b"\n"), Err(ParseError::Empty));
        assert_eq!(V2.parse(b" \t "), Err(ParseError::Empty));
    }

    #[test]
    fn garbage_and_trailing_junk_are_refused() {
        for bad in [
            &b"abc"[..],
            b"K",
            b"12Q",
            b"12KB",
            b"12 K",
            b"12M3",
            b"1.5G",
            b"64M junk",
            b"64M\n64M",
            b"+64M",
            b"max1",
            b"-1\x00",
            b"\xff",
        ] {
            assert_eq!(V1.parse(bad), Err(ParseError::Invalid), "{bad:?}");
            assert_eq!(V2.parse(bad), Err(ParseError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn negative_numbers_other_than_the_v1_keyword_are_refused() {
        for bad in [&b"-2"[..], b"-0", b"-1K", b"--1", b"-4096"] {
            assert_eq!(V1.parse(bad), Err(ParseError::Invalid), "{bad:?}");
            assert_eq!(V2.parse(bad), Err(ParseError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        assert_eq!(
            V2.parse(b"18446744073709551615"),
            Ok(Limit::Unlimited),
            "u64::MAX itself fits"
        );
        assert_eq!(V2.parse(b"18446744073709551616"), Err(ParseError::Overflow));
        assert_eq!(
            V2.parse(b"99999999999999999999999"),
            Err(ParseError::Overflow)
        );
        assert_eq!(V2.parse(b"0x10000000000000000"), Err(ParseError::Overflow));
        assert_eq!(V2.parse(b"16E"), Err(ParseError::Overflow));
        assert_eq!(V2.parse(b"16777216T"), Err(ParseError::Overflow));
        assert_eq!(V2.parse(b"17179869184G"), Err(ParseError::Overflow));
        assert_eq!(V2.parse(b"15E"), Ok(Limit::Unlimited));
    }

    #[test]
    fn other_page_sizes() {
        let syntax = LimitSyntax {
            page_shift: 16,
            unlimited_pages: (i64::MAX as u64) >> 16,
            ..V2
        };
        assert_eq!(syntax.parse(b"64K"), pages(1));
        assert_eq!(syntax.parse(b"65535"), pages(0));
    }
}
