//! Finding the Android SDK (`local.properties`' `sdk.dir`, `ANDROID_HOME`, `ANDROID_SDK_ROOT`,
//! the usual default folders), listing what it has installed, and writing `local.properties`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::script::{escape_property_value, read_properties};

/// Where an SDK was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkSource {
    /// Given by the caller ([`super::GradleOptions::android_sdk`]).
    Option,
    /// `sdk.dir` in the project's `local.properties` (the file).
    LocalProperties(PathBuf),
    /// The `ANDROID_HOME` environment variable.
    AndroidHome,
    /// The (deprecated) `ANDROID_SDK_ROOT` environment variable.
    AndroidSdkRoot,
    /// A usual install folder (`~/Android/Sdk`, `~/Library/Android/sdk`).
    Default,
}

impl std::fmt::Display for SdkSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SdkSource::Option => f.write_str("the builder's android_sdk option"),
            SdkSource::LocalProperties(file) => write!(f, "sdk.dir in {}", file.display()),
            SdkSource::AndroidHome => f.write_str("ANDROID_HOME"),
            SdkSource::AndroidSdkRoot => f.write_str("ANDROID_SDK_ROOT"),
            SdkSource::Default => f.write_str("the default install folder"),
        }
    }
}

/// An Android SDK and what it has installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndroidSdk {
    /// The SDK's root (what `ANDROID_HOME` is set to).
    pub root: PathBuf,
    /// Where it was found.
    pub source: SdkSource,
    /// Installed platforms' API levels (`platforms/android-35/android.jar`), sorted.
    pub platforms: Vec<u32>,
    /// Installed build-tools versions (`build-tools/35.0.0`), sorted.
    pub build_tools: Vec<String>,
    /// Whether the SDK license was accepted (`licenses/android-sdk-license`): without it the
    /// Android Gradle Plugin cannot download a missing package by itself.
    pub licenses_accepted: bool,
}

/// Folders an SDK always has at least one of.
const SDK_MARKERS: &[&str] = &[
    "platforms",
    "build-tools",
    "platform-tools",
    "cmdline-tools",
    "licenses",
];

/// Whether `dir` looks like an Android SDK.
pub fn is_sdk(dir: &Path) -> bool {
    dir.is_dir() && SDK_MARKERS.iter().any(|m| dir.join(m).is_dir())
}

impl AndroidSdk {
    /// Lists what the SDK at `root` has installed.
    pub fn read(root: &Path, source: SdkSource) -> AndroidSdk {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
        let mut platforms: Vec<u32> = list_dir(&root.join("platforms"))
            .into_iter()
            .filter_map(|name| {
                let level = name.strip_prefix("android-")?.parse().ok()?;
                root.join("platforms")
                    .join(&name)
                    .join("android.jar")
                    .is_file()
                    .then_some(level)
            })
            .collect();
        platforms.sort_unstable();
        let mut build_tools: Vec<String> = list_dir(&root.join("build-tools"))
            .into_iter()
            .filter(|name| {
                let dir = root.join("build-tools").join(name);
                ["source.properties", "package.xml", "aapt2"]
                    .iter()
                    .any(|f| dir.join(f).is_file())
            })
            .collect();
        build_tools.sort_by(|a, b| {
            super::version::Version::parse(a)
                .cmp(&super::version::Version::parse(b))
                .then(a.cmp(b))
        });
        let licenses_accepted = root.join("licenses/android-sdk-license").is_file();
        AndroidSdk {
            root,
            source,
            platforms,
            build_tools,
            licenses_accepted,
        }
    }

    /// Whether `platforms;android-<api>` is installed.
    pub fn has_platform(&self, api: u32) -> bool {
        self.platforms.contains(&api)
    }

    /// Whether `build-tools;<version>` is installed.
    pub fn has_build_tools(&self, version: &str) -> bool {
        self.build_tools.iter().any(|b| b == version)
    }

    /// The command that installs `package` (`platforms;android-35`) into this SDK: its own
    /// `sdkmanager` when the command-line tools are there.
    pub fn sdkmanager_command(&self, package: &str) -> String {
        let own = self.root.join("cmdline-tools/latest/bin/sdkmanager");
        let program = if own.is_file() {
            own.display().to_string()
        } else {
            "sdkmanager".to_owned()
        };
        format!("{program} --sdk_root={} \"{package}\"", self.root.display())
    }
}

fn list_dir(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Makes the project's `local.properties` name `sdk`: creates the file when it is missing,
/// adds `sdk.dir` when the file lacks it, and replaces an `sdk.dir` that names no SDK (a path
/// from another machine). A valid `sdk.dir` is left alone. Written through a temporary file
/// and renamed. Returns what it did, for the log (`None` when nothing changed).
pub fn write_local_properties(gradle_root: &Path, sdk: &Path) -> std::io::Result<Option<String>> {
    let file = gradle_root.join("local.properties");
    let existing = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let line = format!(
        "sdk.dir={}",
        escape_property_value(&sdk.display().to_string())
    );
    let (text, what) = match &existing {
        None => (
            format!("## Written by nativiweb: the Android SDK this build uses.\n{line}\n"),
            format!("wrote {} (sdk.dir={})", file.display(), sdk.display()),
        ),
        Some(text) => match read_properties(text).get("sdk.dir") {
            Some(current) if is_sdk(Path::new(current.trim())) => return Ok(None),
            Some(current) => {
                let current = current.clone();
                let mut out = String::with_capacity(text.len() + line.len());
                for l in text.lines() {
                    let trimmed = l.trim_start();
                    let is_sdk_line = trimmed.starts_with("sdk.dir")
                        && trimmed["sdk.dir".len()..]
                            .trim_start()
                            .starts_with(['=', ':']);
                    if is_sdk_line {
                        out.push_str(&line);
                    } else {
                        out.push_str(l);
                    }
                    out.push('\n');
                }
                (
                    out,
                    format!(
                        "replaced sdk.dir={current} (no SDK there) with {} in {}",
                        sdk.display(),
                        file.display()
                    ),
                )
            }
            None => {
                let mut out = text.clone();
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&line);
                out.push('\n');
                (
                    out,
                    format!("added sdk.dir={} to {}", sdk.display(), file.display()),
                )
            }
        },
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".local.properties-")
        .tempfile_in(gradle_root)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(&file).map_err(|e| e.error)?;
    Ok(Some(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_properties_written_completed_or_fixed() {
        let tmp = tempfile::tempdir().unwrap();
        let sdk = tmp.path().join("sdk");
        std::fs::create_dir_all(sdk.join("platforms")).unwrap();
        let root = tmp.path().join("proj");
        std::fs::create_dir_all(&root).unwrap();
        let read =
            || read_properties(&std::fs::read_to_string(root.join("local.properties")).unwrap());

        assert!(write_local_properties(&root, &sdk).unwrap().is_some());
        assert_eq!(read()["sdk.dir"], sdk.display().to_string());
        // Valid: untouched.
        assert!(write_local_properties(&root, Path::new("/elsewhere"))
            .unwrap()
            .is_none());

        std::fs::write(root.join("local.properties"), "flutter.sdk=/opt/flutter").unwrap();
        write_local_properties(&root, &sdk).unwrap().unwrap();
        assert_eq!(read()["sdk.dir"], sdk.display().to_string());
        assert_eq!(read()["flutter.sdk"], "/opt/flutter");

        std::fs::write(
            root.join("local.properties"),
            "sdk.dir=/Users/someone/Library/Android/sdk\nx=1\n",
        )
        .unwrap();
        let what = write_local_properties(&root, &sdk).unwrap().unwrap();
        assert!(what.contains("replaced sdk.dir=/Users/someone"), "{what}");
        assert_eq!(read()["sdk.dir"], sdk.display().to_string());
        assert_eq!(read()["x"], "1");
    }
}
