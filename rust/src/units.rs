// SPDX-License-Identifier: GPL-2.0

//! Conversions between page counts and the byte values cgroup files show.

/// The number of bytes in `pages` pages of `1 << page_shift` bytes each.
///
/// Saturates at `u64::MAX` instead of wrapping, so a corrupted or huge count
/// can never be reported as a small one.
pub fn pages_to_bytes(pages: u64, page_shift: u32) -> u64 {
    match pages.checked_shl(page_shift) {
        Some(bytes) if bytes >> page_shift == pages => bytes,
        _ => u64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_whole_pages() {
        assert_eq!(pages_to_bytes(0, 12), 0);
        assert_eq!(pages_to_bytes(1, 12), 4096);
        assert_eq!(pages_to_bytes(25_600, 12), 100 << 20);
        assert_eq!(pages_to_bytes(3, 16), 3 << 16);
    }

    #[test]
    fn largest_exact_value_is_not_saturated() {
        let max_pages = u64::MAX >> 12;
        assert_eq!(pages_to_bytes(max_pages, 12), max_pages << 12);
    }

    #[test]
    fn overflow_saturates() {
        assert_eq!(pages_to_bytes((u64::MAX >> 12) + 1, 12), u64::MAX);
        assert_eq!(pages_to_bytes(u64::MAX, 12), u64::MAX);
        assert_eq!(pages_to_bytes(1, 64), u64::MAX);
    }
}
