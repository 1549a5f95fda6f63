//! Finding JDKs: `JAVA_HOME`, the `java` on `PATH`, the usual install folders
//! (`/usr/lib/jvm/*`, `/Library/Java/JavaVirtualMachines/*`, SDKMAN, Homebrew) and Android
//! Studio's bundled JetBrains Runtime, each read from its `release` file
//! (`JAVA_VERSION="17.0.2"`) without starting a JVM.

use std::path::{Path, PathBuf};

use super::compat::JavaRange;
use super::script::read_properties;
use super::version::Version;

/// Where a JDK was found, which also decides which one wins among compatible ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JdkSource {
    /// Given by the caller ([`super::GradleOptions::java_home`]): the only one considered.
    Option,
    /// `org.gradle.java.home` in the project's `gradle.properties`: Gradle uses it whatever
    /// `JAVA_HOME` says, so it is the only one considered.
    GradleProperties(PathBuf),
    /// The `JAVA_HOME` environment variable.
    JavaHome,
    /// The `java` found on `PATH`.
    Path,
    /// A folder of JDKs searched (`/usr/lib/jvm`).
    Installed(PathBuf),
    /// Android Studio's bundled runtime.
    AndroidStudio,
}

impl std::fmt::Display for JdkSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JdkSource::Option => f.write_str("the builder's java_home option"),
            JdkSource::GradleProperties(file) => {
                write!(f, "org.gradle.java.home in {}", file.display())
            }
            JdkSource::JavaHome => f.write_str("JAVA_HOME"),
            JdkSource::Path => f.write_str("the java on PATH"),
            JdkSource::Installed(root) => write!(f, "{}", root.display()),
            JdkSource::AndroidStudio => f.write_str("Android Studio's bundled JDK"),
        }
    }
}

/// A JDK: its home folder, its version and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jdk {
    /// The JDK's home (what `JAVA_HOME` is set to); symlinks resolved.
    pub home: PathBuf,
    /// `JAVA_VERSION` of its `release` file (`17.0.2`, `1.8.0_292`).
    pub version: String,
    /// The major version (`17`; `8` for `1.8.0_292`).
    pub major: u32,
    /// Where it was found.
    pub source: JdkSource,
}

/// The major Java version of a `JAVA_VERSION` value (`"17.0.2"` -> 17, `"1.8.0_292"` -> 8).
pub fn java_major(version: &str) -> Option<u32> {
    let v = Version::parse(version.trim().trim_matches('"'))?;
    match v.parts() {
        [1, minor, ..] => Some(*minor),
        _ => Some(v.major()),
    }
}

/// Reads the JDK at `home`: its `release` file's `JAVA_VERSION`, and `bin/java` and
/// `bin/javac` (a JRE cannot compile the app). The error says what is missing.
pub fn probe(home: &Path, source: JdkSource) -> Result<Jdk, String> {
    if !home.is_dir() {
        return Err("it is not a folder".into());
    }
    let executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if !executable(&home.join("bin/java")) {
        return Err("it has no bin/java".into());
    }
    let release = home.join("release");
    let text = std::fs::read_to_string(&release)
        .map_err(|_| "it has no `release` file to read its version from".to_owned())?;
    let props = read_properties(&text);
    let version = props
        .get("JAVA_VERSION")
        .map(|v| v.trim().trim_matches('"').to_owned())
        .ok_or_else(|| "its `release` file has no JAVA_VERSION".to_owned())?;
    let major = java_major(&version)
        .ok_or_else(|| format!("its JAVA_VERSION `{version}` is not a version"))?;
    if !executable(&home.join("bin/javac")) {
        return Err(format!(
            "it is a Java {major} runtime (JRE) without bin/javac; Gradle needs a JDK"
        ));
    }
    let home = home.canonicalize().unwrap_or_else(|_| home.to_owned());
    Ok(Jdk {
        home,
        version,
        major,
        source,
    })
}

/// Sub-paths of an install folder's entries where a JDK home can be: the entry itself
/// (Linux), `Contents/Home` (macOS bundles), Homebrew's `libexec/openjdk.jdk/Contents/Home`.
const HOME_SUFFIXES: &[&str] = &["", "Contents/Home", "libexec/openjdk.jdk/Contents/Home"];

/// What a search for JDKs found, and the candidates it rejected with why (for messages).
#[derive(Debug, Clone, Default)]
pub struct JdkSearch {
    /// The JDKs found, in search order, without duplicates.
    pub found: Vec<Jdk>,
    /// Places looked at that did not hold a usable JDK: (what, why).
    pub rejected: Vec<(String, String)>,
    /// The places searched, for a "looked in" message.
    pub searched: Vec<String>,
    /// When one setting pins the JDK (the `java_home` option, `org.gradle.java.home`): its
    /// name and the folder it names. Nothing else was searched.
    pub pinned: Option<(String, PathBuf)>,
}

impl JdkSearch {
    fn add(&mut self, home: &Path, source: JdkSource, report_rejection: bool) {
        match probe(home, source.clone()) {
            Ok(jdk) => {
                if !self.found.iter().any(|j| j.home == jdk.home) {
                    self.found.push(jdk);
                }
            }
            Err(why) if report_rejection => self
                .rejected
                .push((format!("{} ({source})", home.display()), why)),
            Err(_) => {}
        }
    }
}

/// Where to look for JDKs.
#[derive(Debug, Clone, Default)]
pub struct JdkPlaces<'a> {
    /// A JDK the caller chose; when set nothing else is considered.
    pub forced: Option<&'a Path>,
    /// The project's `org.gradle.java.home` and the file that set it; when set (and nothing is
    /// forced), nothing else is considered.
    pub gradle_java_home: Option<(&'a Path, &'a Path)>,
    /// `JAVA_HOME`.
    pub java_home: Option<&'a str>,
    /// `PATH`.
    pub path: Option<&'a str>,
    /// Folders whose entries are JDK homes.
    pub roots: &'a [PathBuf],
    /// Android Studio runtime homes.
    pub studio_homes: &'a [PathBuf],
}

/// Finds the JDKs at `places`, in order: forced, `org.gradle.java.home`, `JAVA_HOME`, `PATH`,
/// the install folders (entries sorted by name), Android Studio.
pub fn search(places: &JdkPlaces<'_>) -> JdkSearch {
    let mut s = JdkSearch::default();
    if let Some(home) = places.forced {
        s.searched
            .push(format!("{} (the java_home option)", home.display()));
        s.pinned = Some((JdkSource::Option.to_string(), home.to_owned()));
        s.add(home, JdkSource::Option, true);
        return s;
    }
    if let Some((home, file)) = places.gradle_java_home {
        s.searched.push(format!(
            "{} (org.gradle.java.home in {})",
            home.display(),
            file.display()
        ));
        let source = JdkSource::GradleProperties(file.to_owned());
        s.pinned = Some((source.to_string(), home.to_owned()));
        s.add(home, source, true);
        return s;
    }
    match places.java_home.filter(|v| !v.trim().is_empty()) {
        Some(home) => {
            s.searched.push(format!("JAVA_HOME={home}"));
            s.add(Path::new(home), JdkSource::JavaHome, true);
        }
        None => s.searched.push("JAVA_HOME (not set)".into()),
    }
    if let Some(path) = places.path {
        s.searched.push("PATH".into());
        if let Some(java) =
            nativiweb_core::process::find_program("java", Some(std::ffi::OsStr::new(path)))
        {
            // /usr/bin/java -> /usr/lib/jvm/java-17-openjdk-amd64/bin/java
            if let Some(home) = java
                .canonicalize()
                .ok()
                .and_then(|real| real.parent()?.parent().map(Path::to_owned))
            {
                s.add(&home, JdkSource::Path, false);
            }
        }
    }
    for root in places.roots {
        s.searched.push(root.display().to_string());
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        for dir in dirs {
            for suffix in HOME_SUFFIXES {
                let home = if suffix.is_empty() {
                    dir.clone()
                } else {
                    dir.join(suffix)
                };
                if home.join("release").is_file() || home.join("bin/java").is_file() {
                    s.add(&home, JdkSource::Installed(root.clone()), true);
                    break;
                }
            }
        }
    }
    for home in places.studio_homes {
        if home.is_dir() {
            s.searched.push(home.display().to_string());
            s.add(home, JdkSource::AndroidStudio, true);
        }
    }
    s
}

/// The JDK to build with among `found`: one that `range` allows — `JAVA_HOME`'s when it does
/// (the user's own choice), else the newest allowed (newer JDKs run Gradle faster; the range's
/// top is already the newest the project's Gradle runs on), the first found among equals.
pub fn choose<'a>(found: &'a [Jdk], range: &JavaRange) -> Option<&'a Jdk> {
    let allowed = || found.iter().filter(|j| range.allows(j.major));
    if let Some(pinned) = found
        .iter()
        .find(|j| matches!(j.source, JdkSource::Option | JdkSource::GradleProperties(_)))
    {
        return range.allows(pinned.major).then_some(pinned);
    }
    if let Some(jdk) = allowed().find(|j| j.source == JdkSource::JavaHome) {
        return Some(jdk);
    }
    let best = allowed().map(|j| j.major).max()?;
    allowed().find(|j| j.major == best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors() {
        assert_eq!(java_major("17.0.2"), Some(17));
        assert_eq!(java_major("\"21\""), Some(21));
        assert_eq!(java_major("1.8.0_292"), Some(8));
        assert_eq!(java_major("25-ea"), Some(25));
        assert_eq!(java_major("x"), None);
    }
}
