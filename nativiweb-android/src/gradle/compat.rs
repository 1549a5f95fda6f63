//! Which JDK runs which Gradle and Android Gradle Plugin: the compatibility tables, kept in
//! this one place, with where each comes from.
//!
//! | table | source |
//! |---|---|
//! | [`AGP_MIN_JAVA`]: the JDK each AGP line needs to run | AGP 7.0 release notes ("JDK 11 required to run AGP 7.0", <https://developer.android.com/build/releases/past-releases/agp-7-0-0-release-notes>), AGP 8.0 release notes ("JDK 17 required to run AGP 8.0", <https://developer.android.com/build/releases/past-releases/agp-8-0-0-release-notes>), the AGP 9.0 compatibility table (JDK minimum 17, <https://developer.android.com/build/releases/agp-preview>); AGP 4.x and older ran on JDK 8 |
//! | [`AGP_MIN_GRADLE`]: the oldest Gradle each AGP line accepts | "Update Gradle" table of the AGP release notes, <https://developer.android.com/build/releases/gradle-plugin#updating-gradle> |
//! | [`GRADLE_FOR_JAVA`]: the first Gradle that runs on each Java version | Gradle's compatibility matrix, "Support for running Gradle" column, <https://docs.gradle.org/current/userguide/compatibility.html#java_runtime> (Gradle 9 runs on JVM 17 or newer only: Java 8 to 16 run "2.0 … to 8.14.x") |
//!
//! Versions newer than a table knows get the requirements of the newest line it has (a lower
//! bound: newer lines never need less), and a Gradle newer than [`GRADLE_TABLE_KNOWN_UP_TO`]
//! gets no upper JDK bound, since the table cannot say which new Java versions it runs on.

use super::version::Version;

/// `(AGP major, AGP minor, JDK major)`: from that AGP line on, this JDK or newer runs it.
pub const AGP_MIN_JAVA: &[(u32, u32, u32)] = &[(8, 0, 17), (7, 0, 11), (0, 0, 8)];

/// `(AGP major, AGP minor, minimum Gradle)`: the oldest Gradle each AGP line runs with.
pub const AGP_MIN_GRADLE: &[(u32, u32, &[u32])] = &[
    (9, 0, &[9, 0, 0]),
    (8, 13, &[8, 13]),
    (8, 12, &[8, 13]),
    (8, 11, &[8, 13]),
    (8, 10, &[8, 11, 1]),
    (8, 9, &[8, 11, 1]),
    (8, 8, &[8, 10, 2]),
    (8, 7, &[8, 9]),
    (8, 6, &[8, 7]),
    (8, 5, &[8, 7]),
    (8, 4, &[8, 6]),
    (8, 3, &[8, 4]),
    (8, 2, &[8, 2]),
    (8, 1, &[8, 0]),
    (8, 0, &[8, 0]),
    (7, 4, &[7, 5]),
    (7, 3, &[7, 4]),
    (7, 2, &[7, 3, 3]),
    (7, 1, &[7, 2]),
    (7, 0, &[7, 0]),
    (4, 2, &[6, 7, 1]),
    (4, 1, &[6, 5]),
    (4, 0, &[6, 1, 1]),
    (3, 6, &[5, 6, 4]),
    (3, 5, &[5, 4, 1]),
    (3, 4, &[5, 1, 1]),
    (3, 3, &[4, 10, 1]),
];

/// `(Java major, first Gradle that runs on it)`.
pub const GRADLE_FOR_JAVA: &[(u32, &[u32])] = &[
    (8, &[2, 0]),
    (9, &[4, 3]),
    (10, &[4, 7]),
    (11, &[5, 0]),
    (12, &[5, 4]),
    (13, &[6, 0]),
    (14, &[6, 3]),
    (15, &[6, 7]),
    (16, &[7, 0]),
    (17, &[7, 3]),
    (18, &[7, 5]),
    (19, &[7, 6]),
    (20, &[8, 3]),
    (21, &[8, 5]),
    (22, &[8, 8]),
    (23, &[8, 10]),
    (24, &[8, 14]),
    (25, &[9, 1, 0]),
    (26, &[9, 4, 0]),
];

/// From this Gradle on, the JVM that runs Gradle must be 17 or newer.
pub const GRADLE_NEEDS_JAVA_17_FROM: &[u32] = &[9, 0];

/// The newest Gradle line [`GRADLE_FOR_JAVA`] has been checked against; newer Gradle versions
/// get no upper JDK bound.
pub const GRADLE_TABLE_KNOWN_UP_TO: &[u32] = &[9, 4];

/// The JDK the project needs when its AGP version could not be read: 17 runs AGP 7.x and 8.x
/// (and every Gradle from 7.3 on).
pub const DEFAULT_JAVA: u32 = 17;

/// The oldest JDK that runs this AGP version.
pub fn agp_min_java(agp: &Version) -> u32 {
    AGP_MIN_JAVA
        .iter()
        .find(|(major, minor, _)| agp.at_least(&[*major, *minor]))
        .map(|(_, _, java)| *java)
        .unwrap_or(8)
}

/// The oldest Gradle this AGP version runs with, when the table knows its line.
pub fn agp_min_gradle(agp: &Version) -> Option<Version> {
    AGP_MIN_GRADLE
        .iter()
        .find(|(major, minor, _)| agp.at_least(&[*major, *minor]))
        .map(|(_, _, gradle)| Version::new(gradle))
}

/// The Java versions this Gradle runs on: `(oldest, newest)`, the newest `None` when the Gradle
/// is newer than the table.
pub fn gradle_java_range(gradle: &Version) -> (u32, Option<u32>) {
    let min = if gradle.at_least(GRADLE_NEEDS_JAVA_17_FROM) {
        17
    } else {
        8
    };
    let line = Version::new(&gradle.parts()[..gradle.parts().len().min(2)]);
    if line > Version::new(GRADLE_TABLE_KNOWN_UP_TO) {
        return (min, None);
    }
    let max = GRADLE_FOR_JAVA
        .iter()
        .filter(|(_, first)| gradle.at_least(first))
        .map(|(java, _)| *java)
        .max()
        .unwrap_or(8);
    (min, Some(max))
}

/// The first Gradle version that runs on `java`, when the table has it.
pub fn first_gradle_for_java(java: u32) -> Option<Version> {
    GRADLE_FOR_JAVA
        .iter()
        .find(|(j, _)| *j == java)
        .map(|(_, g)| Version::new(g))
}

/// The JDK versions a project can build with, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaRange {
    /// The oldest JDK major version that works.
    pub min: u32,
    /// The newest, when known.
    pub max: Option<u32>,
    /// Why, one reason per constraint (`Android Gradle Plugin 8.7.3 needs JDK 17 or newer`).
    pub reasons: Vec<String>,
}

impl JavaRange {
    /// True when JDK `major` is in the range.
    pub fn allows(&self, major: u32) -> bool {
        major >= self.min && self.max.is_none_or(|max| major <= max)
    }

    /// True when no JDK fits (the AGP needs a newer JDK than the Gradle runs on).
    pub fn is_empty(&self) -> bool {
        self.max.is_some_and(|max| max < self.min)
    }

    /// `JDK 17`, `JDK 17 to 22`, `JDK 17 or newer`.
    pub fn describe(&self) -> String {
        match self.max {
            Some(max) if max == self.min => format!("JDK {}", self.min),
            Some(max) => format!("JDK {} to {max}", self.min),
            None => format!("JDK {} or newer", self.min),
        }
    }
}

/// The JDKs that run this project's Gradle and AGP (either may be unknown).
pub fn java_range(agp: Option<&Version>, gradle: Option<&Version>) -> JavaRange {
    let mut reasons = Vec::new();
    let mut min = match agp {
        Some(agp) => {
            let min = agp_min_java(agp);
            reasons.push(format!(
                "Android Gradle Plugin {agp} needs JDK {min} or newer"
            ));
            min
        }
        None => {
            reasons.push(format!(
                "the Android Gradle Plugin version could not be read, so JDK {DEFAULT_JAVA} or newer (what AGP 8 needs; AGP 7 runs on it too)"
            ));
            DEFAULT_JAVA
        }
    };
    let mut max = None;
    if let Some(gradle) = gradle {
        let (gmin, gmax) = gradle_java_range(gradle);
        match gmax {
            Some(gmax) => reasons.push(format!("Gradle {gradle} runs on JDK {gmin} to {gmax}")),
            None => reasons.push(format!("Gradle {gradle} runs on JDK {gmin} or newer")),
        }
        if agp.is_none() && gmax.is_some_and(|gmax| gmax < min) {
            // Without an AGP version, an old Gradle decides: it cannot run AGP 8 anyway.
            min = gmin.max(if gradle.at_least(&[7, 0]) { 11 } else { 8 });
            reasons[0] = format!(
                "the Android Gradle Plugin version could not be read; Gradle {gradle} predates AGP 8, so JDK {min} or newer"
            );
        }
        min = min.max(gmin);
        max = gmax;
    }
    JavaRange { min, max, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn agp_lines_need_their_jdk() {
        assert_eq!(agp_min_java(&v("8.7.3")), 17);
        assert_eq!(agp_min_java(&v("9.0.0-alpha04")), 17);
        assert_eq!(agp_min_java(&v("7.4.2")), 11);
        assert_eq!(agp_min_java(&v("4.2.2")), 8);
    }

    #[test]
    fn agp_lines_need_their_gradle() {
        assert_eq!(agp_min_gradle(&v("8.7.3")).unwrap(), v("8.9"));
        assert_eq!(agp_min_gradle(&v("8.10.1")).unwrap(), v("8.11.1"));
        assert_eq!(agp_min_gradle(&v("7.2.2")).unwrap(), v("7.3.3"));
        assert_eq!(agp_min_gradle(&v("9.2.0")).unwrap(), v("9.0.0"));
        assert!(agp_min_gradle(&v("3.0.0")).is_none());
    }

    #[test]
    fn gradle_runs_on_a_range_of_jdks() {
        assert_eq!(gradle_java_range(&v("8.9")), (8, Some(22)));
        assert_eq!(gradle_java_range(&v("8.5")), (8, Some(21)));
        assert_eq!(gradle_java_range(&v("7.2")), (8, Some(16)));
        assert_eq!(gradle_java_range(&v("8.14.3")), (8, Some(24)));
        assert_eq!(gradle_java_range(&v("9.0.0")), (17, Some(24)));
        assert_eq!(gradle_java_range(&v("9.4.1")), (17, Some(26)));
        assert_eq!(gradle_java_range(&v("9.9")), (17, None));
    }

    #[test]
    fn ranges_combine_agp_and_gradle() {
        let r = java_range(Some(&v("8.7.3")), Some(&v("8.9")));
        assert_eq!((r.min, r.max), (17, Some(22)));
        assert_eq!(r.describe(), "JDK 17 to 22");
        assert!(r.allows(21) && !r.allows(11) && !r.allows(25));
        let r = java_range(Some(&v("7.4.2")), Some(&v("7.5")));
        assert_eq!((r.min, r.max), (11, Some(18)));
        // AGP 8 on a Gradle that cannot run JDK 17: nothing fits.
        let r = java_range(Some(&v("8.0.0")), Some(&v("7.2")));
        assert!(r.is_empty());
        // Unknown AGP: 17, unless the Gradle is too old for it.
        let r = java_range(None, Some(&v("8.9")));
        assert_eq!((r.min, r.max), (17, Some(22)));
        let r = java_range(None, Some(&v("7.2")));
        assert_eq!((r.min, r.max), (11, Some(16)));
        let r = java_range(None, None);
        assert_eq!((r.min, r.max), (17, None));
    }
}
