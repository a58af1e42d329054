//! How ten regions write their phone numbers nationally, as data: one table
//! per region, each a list of group shapes. A candidate written without a
//! country code is a phone when its digit groups are one of these shapes
//! (international numbers, with `+` or `00`, need no table).
//!
//! The shapes follow each numbering plan's lengths (ITU-T E.164 national
//! plans, as libphonenumber's metadata records them) and the groupings
//! people type: `020 7946 0958`, `06 12 44 85 21`, `(030) 1234-5678`,
//! `(11) 91234-5678`, `090-1234-5678`. A group shape alone is not enough
//! for some plans, so a shape also says which digit leads and which
//! separators it is written with.

/// Which digit the first group starts with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lead {
    /// The trunk prefix `0` followed by a non-zero digit (most of Europe,
    /// Japan, India).
    Trunk,
    /// Any digit (North America: the tests and generators use every area code).
    Any,
    /// One of these digits.
    OneOf(&'static [u8]),
}

/// One grouping of a national number.
#[derive(Debug)]
pub(crate) struct Shape {
    /// Digits in each group, in order (matched through `key`).
    #[cfg_attr(not(test), expect(dead_code, reason = "read through `key`; tests read it"))]
    pub(crate) groups: &'static [u8],
    /// `groups` as one number, four bits a group ([`shape_key`]).
    pub(crate) key: u32,
    pub(crate) lead: Lead,
    /// Separators the groups may be written with (one style per number; the
    /// one after a parenthesised or first group may differ).
    pub(crate) seps: &'static [u8],
}

/// One region's national shapes.
#[derive(Debug)]
pub(crate) struct Region {
    /// ISO 3166 code (or plan name), for the docs and tests.
    #[cfg_attr(not(test), expect(dead_code, reason = "names the table in tests"))]
    pub(crate) name: &'static str,
    pub(crate) shapes: &'static [Shape],
}

const fn shape(groups: &'static [u8], lead: Lead, seps: &'static [u8]) -> Shape {
    match shape_key(groups) {
        Some(key) => Shape { groups, key, lead, seps },
        None => panic!("a shape has at most seven groups of 1-15 digits"),
    }
}

/// A grouping as one number: four bits a group, at most seven groups of
/// 1–15 digits (a national shape has two to five), so a candidate's
/// grouping is compared with a shape in one step.
pub(crate) const fn shape_key(lens: &[u8]) -> Option<u32> {
    if lens.len() > 7 {
        return None;
    }
    let mut key = 0u32;
    let mut i = 0;
    while i < lens.len() {
        if lens[i] == 0 || lens[i] > 15 {
            return None;
        }
        key = (key << 4) | lens[i] as u32;
        i += 1;
    }
    Some(key)
}

const ANY_SEP: &[u8] = b" .-/";
const SPACE: &[u8] = b" ";
use Lead::{Any, OneOf, Trunk};

/// North America (NANP): `415-555-2671`, `(415)555-2671`, `1-800-555-0199`.
pub(crate) const NANP: Region = Region {
    name: "NANP",
    shapes: &[shape(&[3, 3, 4], Any, b" .-"), shape(&[1, 3, 3, 4], OneOf(b"1"), b" .-")],
};

/// United Kingdom: 10 digits after the trunk 0.
pub(crate) const GB: Region = Region {
    name: "GB",
    shapes: &[
        shape(&[3, 4, 4], Trunk, ANY_SEP),
        shape(&[4, 3, 4], Trunk, ANY_SEP),
        shape(&[4, 7], Trunk, ANY_SEP),
        shape(&[5, 6], Trunk, ANY_SEP),
        shape(&[5, 3, 3], Trunk, ANY_SEP),
        shape(&[5, 5], Trunk, ANY_SEP),
        shape(&[4, 6], Trunk, ANY_SEP),
        shape(&[4, 3, 3], Trunk, ANY_SEP),
    ],
};

/// France: `0` and nine digits, in pairs.
pub(crate) const FR: Region = Region { name: "FR", shapes: &[shape(&[2, 2, 2, 2, 2], Trunk, b" .-")] };

/// Germany: area codes of 2–5 digits after the 0, subscribers of 4–8.
pub(crate) const DE: Region = Region {
    name: "DE",
    shapes: &[
        shape(&[3, 8], Trunk, ANY_SEP),
        shape(&[3, 7], Trunk, ANY_SEP),
        shape(&[4, 7], Trunk, ANY_SEP),
        shape(&[4, 8], Trunk, ANY_SEP),
        shape(&[4, 6], Trunk, ANY_SEP),
        shape(&[5, 6], Trunk, ANY_SEP),
        shape(&[5, 5], Trunk, ANY_SEP),
        shape(&[6, 5], Trunk, ANY_SEP),
        shape(&[3, 4, 4], Trunk, ANY_SEP),
        shape(&[4, 3, 4], Trunk, ANY_SEP),
        shape(&[5, 3, 3], Trunk, ANY_SEP),
    ],
};

/// Italy: landlines keep their 0; mobiles start with 3, written 3-3-4 (not
/// 3-7: that is an HTTP status and a size in every access log).
pub(crate) const IT: Region = Region {
    name: "IT",
    shapes: &[
        shape(&[4, 6], Trunk, ANY_SEP),
        shape(&[2, 8], Trunk, ANY_SEP),
        shape(&[3, 7], Trunk, ANY_SEP),
        shape(&[2, 4, 4], Trunk, ANY_SEP),
        shape(&[3, 3, 4], Trunk, ANY_SEP),
        shape(&[3, 3, 4], OneOf(b"3"), ANY_SEP),
    ],
};

/// Spain: nine digits, no trunk prefix, written 3-3-3, 3-2-2-2 or 2-3-2-2.
/// Only with spaces: dotted, these shapes are thousands and IPv4 addresses.
pub(crate) const ES: Region = Region {
    name: "ES",
    shapes: &[
        shape(&[3, 3, 3], OneOf(b"6789"), SPACE),
        shape(&[3, 2, 2, 2], OneOf(b"6789"), SPACE),
        shape(&[2, 3, 2, 2], OneOf(b"6789"), SPACE),
    ],
};

/// The Netherlands: `0` and nine digits.
pub(crate) const NL: Region = Region {
    name: "NL",
    shapes: &[
        shape(&[3, 7], Trunk, ANY_SEP),
        shape(&[2, 8], Trunk, ANY_SEP),
        shape(&[4, 6], Trunk, ANY_SEP),
        shape(&[3, 3, 4], Trunk, ANY_SEP),
        shape(&[2, 4, 4], Trunk, ANY_SEP),
        shape(&[2, 2, 2, 2, 2], Trunk, ANY_SEP),
    ],
};

/// Brazil: a two-digit area code (often in parentheses), then 4 or 5 digits
/// and 4, the last two joined by a dash: `(11) 91234-5678`, `11 3915-0008`.
pub(crate) const BR: Region = Region {
    name: "BR",
    shapes: &[shape(&[2, 5, 4], OneOf(b"123456789"), b"-"), shape(&[2, 4, 4], OneOf(b"123456789"), b"-")],
};

/// Japan: `0` and 9 or 10 digits, dashed.
pub(crate) const JP: Region = Region {
    name: "JP",
    shapes: &[
        shape(&[2, 4, 4], Trunk, b"- "),
        shape(&[3, 4, 4], Trunk, b"- "),
        shape(&[3, 3, 4], Trunk, b"- "),
        shape(&[4, 2, 4], Trunk, b"- "),
        shape(&[5, 1, 4], Trunk, b"- "),
    ],
};

/// India: ten-digit mobiles starting 6–9 (`98765 43210`), with the trunk 0
/// (`098765 43210`), and landlines with 2–4 digit area codes.
pub(crate) const IN: Region = Region {
    name: "IN",
    shapes: &[
        shape(&[5, 5], OneOf(b"6789"), SPACE),
        shape(&[6, 5], Trunk, ANY_SEP),
        shape(&[3, 8], Trunk, ANY_SEP),
        shape(&[4, 7], Trunk, ANY_SEP),
        shape(&[5, 6], Trunk, ANY_SEP),
    ],
};

/// Every region's table.
pub(crate) const REGIONS: &[&Region] = &[&NANP, &GB, &FR, &DE, &IT, &ES, &NL, &BR, &JP, &IN];

/// Which groupings some region has, as a 256-bit filter over the shapes'
/// keys: most digit groupings in logs are no national shape, and a miss
/// here spares the walk over every region's shapes.
const SHAPE_FILTER: [u64; 4] = {
    let mut bits = [0u64; 4];
    let mut r = 0;
    while r < REGIONS.len() {
        let shapes = REGIONS[r].shapes;
        let mut i = 0;
        while i < shapes.len() {
            let slot = filter_slot(shapes[i].key);
            bits[slot / 64] |= 1 << (slot % 64);
            i += 1;
        }
        r += 1;
    }
    bits
};

const fn filter_slot(key: u32) -> usize {
    (key.wrapping_mul(0x9e37_79b9) >> 24) as usize
}

/// Whether some region may have a shape with this key (no false "no").
pub(crate) fn may_have_shape(key: u32) -> bool {
    let slot = filter_slot(key);
    SHAPE_FILTER[slot / 64] & (1 << (slot % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_lets_every_shape_through_and_stops_others() {
        for r in REGIONS {
            for sh in r.shapes {
                assert!(may_have_shape(sh.key), "{} {:x}", r.name, sh.key);
            }
        }
        // It is a filter worth having: most groupings are stopped.
        let keys: Vec<u32> = (1..=15u8)
            .flat_map(|a| (1..=15u8).flat_map(move |b| (1..=15u8).map(move |c| [a, b, c])))
            .filter_map(|l| shape_key(&l))
            .collect();
        let passed = keys.iter().filter(|&&k| may_have_shape(k)).count();
        assert!(passed * 4 < keys.len(), "{passed} of {} three-group keys pass", keys.len());
    }
}
