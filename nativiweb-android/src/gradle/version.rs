//! [`Version`]: the dotted versions of Gradle, the Android Gradle Plugin and JDKs, as projects
//! write them (`8.7.3`, `8.10`, `9.0.0-alpha04`, `8.10-rc-1`).

use std::cmp::Ordering;
use std::fmt;

/// A dotted version number with an optional pre-release suffix.
///
/// Comparisons look at the numbers only, with missing parts read as zero (`8.10` ==
/// `8.10.0`): a pre-release of a line (`8.7.0-alpha01`, `8.10-rc-1`) has that line's
/// requirements, which is what the compatibility tables need.
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<u32>,
    text: String,
}

impl Version {
    /// Parses `text` (`8.7.3`, `8.10-rc-1`, `9.0.0-alpha04`, `1.8.0_292`): leading dotted
    /// numbers, then anything. `None` when it does not start with a number.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let mut parts = Vec::new();
        for piece in text.split('.') {
            let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() {
                break;
            }
            parts.push(digits.parse().ok()?);
            if digits.len() != piece.len() {
                break;
            }
        }
        if parts.is_empty() {
            return None;
        }
        Some(Version {
            parts,
            text: text.to_owned(),
        })
    }

    /// A version from its numbers (`Version::new(&[8, 7, 3])`).
    pub fn new(parts: &[u32]) -> Version {
        Version {
            parts: parts.to_vec(),
            text: parts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("."),
        }
    }

    /// The first number (`8` for `8.7.3`).
    pub fn major(&self) -> u32 {
        self.parts.first().copied().unwrap_or(0)
    }

    /// The second number, or 0.
    pub fn minor(&self) -> u32 {
        self.parts.get(1).copied().unwrap_or(0)
    }

    /// The numbers.
    pub fn parts(&self) -> &[u32] {
        &self.parts
    }

    /// The version as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when this version is at least `parts` (numbers only).
    pub fn at_least(&self, parts: &[u32]) -> bool {
        compare(&self.parts, parts) != Ordering::Less
    }
}

fn compare(a: &[u32], b: &[u32]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        match x.cmp(&y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        compare(&self.parts, &other.parts) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.parts, &other.parts)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s).ok_or_else(|| format!("`{s}` is not a version number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_projects_write() {
        let v = Version::parse("8.7.3").unwrap();
        assert_eq!(v.parts(), &[8, 7, 3]);
        assert_eq!(Version::parse("8.10-rc-1").unwrap().parts(), &[8, 10]);
        assert_eq!(Version::parse("9.0.0-alpha04").unwrap().parts(), &[9, 0, 0]);
        assert_eq!(Version::parse("1.8.0_292").unwrap().parts(), &[1, 8, 0]);
        assert_eq!(Version::parse("17").unwrap().major(), 17);
        assert!(Version::parse("latest").is_none());
        assert!(Version::parse("$agp").is_none());
    }

    #[test]
    fn compares_numbers_only() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("8.10") > v("8.9.1"));
        assert_eq!(v("8.10"), v("8.10.0"));
        assert_eq!(v("8.10-rc-1"), v("8.10"));
        assert!(v("7.4.2") < v("8.0"));
        assert!(v("8.11.1").at_least(&[8, 11, 1]));
        assert!(!v("8.11").at_least(&[8, 11, 1]));
        assert_eq!(v("8.7.3").to_string(), "8.7.3");
    }
}
