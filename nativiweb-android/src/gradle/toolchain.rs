//! [`Discovery`]: finding, before anything runs, the JDK and Android SDK a Gradle build needs,
//! and saying precisely what to install or set when they are missing or wrong.
//!
//! Every input is explicit — the environment map, the folders searched — so a build farm can
//! pin them and tests run on fake layouts; [`Discovery::new`] fills the usual places for an
//! environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::compat::{self, JavaRange};
use super::jdk::{self, Jdk, JdkPlaces, JdkSearch};
use super::project::GradleProject;
use super::sdk::{self, AndroidSdk, SdkSource};
use super::version::Version;

/// How to install a JDK, for messages.
fn install_jdk_hint(major: u32) -> String {
    format!(
        "install JDK {major} (`apt install openjdk-{major}-jdk-headless`, `brew install openjdk@{major}`, or Temurin from https://adoptium.net) and set JAVA_HOME to it"
    )
}

/// Why the toolchain a build needs is not there. Each message names versions and says what to
/// install or set.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ToolchainError {
    /// No JDK at all.
    #[error("no JDK found; this build needs {need} ({reasons}). Looked in: {searched}.{rejected} To fix: {hint}")]
    NoJdk {
        /// The JDKs that fit (`JDK 17 to 22`).
        need: String,
        /// Why (`Android Gradle Plugin 8.7.3 needs JDK 17 or newer; Gradle 8.9 runs on JDK 8 to 22`).
        reasons: String,
        /// Where it looked.
        searched: String,
        /// Candidates that were not usable JDKs, with why (may be empty).
        rejected: String,
        /// What to do.
        hint: String,
    },
    /// JDKs were found, none of a version the project's Gradle and AGP both accept.
    #[error("no JDK here fits this build, which needs {need} ({reasons}); found {found}. To fix: {hint}")]
    WrongJdk {
        /// The JDKs that fit.
        need: String,
        /// Why.
        reasons: String,
        /// What was found (`JDK 11 at /usr/lib/jvm/java-11 (JAVA_HOME)`).
        found: String,
        /// What to do.
        hint: String,
    },
    /// The JDK the build is pinned to (the `java_home` option, or `org.gradle.java.home`) is
    /// not usable or not a version that fits.
    #[error("{source_name} is {home}, {problem}; this build needs {need}. To fix: {hint}")]
    PinnedJdk {
        /// Which setting pins it.
        source_name: String,
        /// The folder it names.
        home: PathBuf,
        /// What is wrong with it.
        problem: String,
        /// The JDKs that fit, and why (`JDK 17 to 22 (Android Gradle Plugin 8.7.3 needs …)`).
        need: String,
        /// What to do.
        hint: String,
    },
    /// The wrapper's Gradle is older than the Android Gradle Plugin needs.
    #[error("the Android Gradle Plugin {agp} ({agp_file}) needs Gradle {min_gradle} or newer, but the wrapper ({gradle_file}) uses Gradle {gradle}. To fix: run `./gradlew wrapper --gradle-version {min_gradle}` in the project's Gradle root, or use an older Android Gradle Plugin")]
    GradleTooOld {
        /// The AGP version.
        agp: String,
        /// Where it is declared.
        agp_file: PathBuf,
        /// The wrapper's Gradle.
        gradle: String,
        /// The wrapper properties file.
        gradle_file: PathBuf,
        /// The oldest Gradle the AGP accepts.
        min_gradle: String,
    },
    /// No Android SDK.
    #[error("no Android SDK found (looked in: {searched}){invalid}. To fix: install it (Android Studio, or the command-line tools from https://developer.android.com/studio#command-line-tools-only, then `sdkmanager \"platform-tools\"{packages}`) and set ANDROID_HOME to its folder")]
    NoSdk {
        /// Where it looked.
        searched: String,
        /// Settings that named a folder without an SDK (may be empty).
        invalid: String,
        /// The packages the project needs, as sdkmanager arguments (may be empty).
        packages: String,
    },
    /// The compile SDK platform is not installed.
    #[error("compileSdk {api} ({declared_in}) needs the SDK platform `platforms;android-{api}`, which is not installed in the SDK at {sdk} (installed: {installed}). To fix: run `{install}`")]
    MissingPlatform {
        /// The API level.
        api: u32,
        /// The file that sets compileSdk.
        declared_in: PathBuf,
        /// The SDK.
        sdk: PathBuf,
        /// The platforms installed (`android-34, android-35` or `none`).
        installed: String,
        /// The command that installs it.
        install: String,
    },
    /// The build tools the project asks for are not installed.
    #[error("buildToolsVersion {version} ({declared_in}) is not installed in the SDK at {sdk} (installed: {installed}). To fix: run `{install}`, or remove buildToolsVersion to let the Android Gradle Plugin use its default")]
    MissingBuildTools {
        /// The version.
        version: String,
        /// The file that sets it.
        declared_in: PathBuf,
        /// The SDK.
        sdk: PathBuf,
        /// The build-tools installed.
        installed: String,
        /// The command that installs it.
        install: String,
    },
}

/// The JDK and SDK a build runs with, and what is worth telling the user about the choice.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The JDK (passed to the tools as `JAVA_HOME`, its `bin` first on `PATH`).
    pub jdk: Jdk,
    /// The SDK (passed as `ANDROID_HOME` and `ANDROID_SDK_ROOT`).
    pub sdk: AndroidSdk,
    /// The JDK versions the project accepts, and why.
    pub java_range: JavaRange,
    /// Things worth a log line (a `JAVA_HOME` passed over, a package Gradle will download).
    pub notes: Vec<String>,
}

impl Toolchain {
    /// The environment the build's tools get: `JAVA_HOME`, `ANDROID_HOME`, `ANDROID_SDK_ROOT`
    /// and `PATH` with the JDK's `bin` first (`path` is the `PATH` they would otherwise get).
    pub fn env(&self, path: Option<&str>) -> Vec<(String, String)> {
        let bin = self.jdk.home.join("bin").display().to_string();
        let path = match path.filter(|p| !p.is_empty()) {
            Some(p) => format!("{bin}:{p}"),
            None => bin,
        };
        let sdk = self.sdk.root.display().to_string();
        vec![
            ("JAVA_HOME".into(), self.jdk.home.display().to_string()),
            ("ANDROID_HOME".into(), sdk.clone()),
            ("ANDROID_SDK_ROOT".into(), sdk),
            ("PATH".into(), path),
        ]
    }

    /// One line for the log: `JDK 17.0.2 at … (JAVA_HOME); Android SDK at … (ANDROID_HOME)`.
    pub fn summary(&self) -> String {
        format!(
            "JDK {} at {} ({}); Android SDK at {} ({})",
            self.jdk.version,
            self.jdk.home.display(),
            self.jdk.source,
            self.sdk.root.display(),
            self.sdk.source
        )
    }
}

/// Where and how to look for the toolchain. Build it with [`Discovery::new`] (the usual
/// places for an environment) or field by field (a build farm's fixed layout, tests).
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The environment the build's tools will get (`JAVA_HOME`, `PATH`, `ANDROID_HOME`,
    /// `ANDROID_SDK_ROOT`, `HOME`).
    pub env: BTreeMap<String, String>,
    /// A JDK to use, whatever the environment says.
    pub java_home: Option<PathBuf>,
    /// Folders whose entries are JDK homes (`/usr/lib/jvm`).
    pub jdk_roots: Vec<PathBuf>,
    /// Android Studio's bundled JDK homes.
    pub studio_jdks: Vec<PathBuf>,
    /// An SDK to use, whatever the environment and `local.properties` say.
    pub android_sdk: Option<PathBuf>,
    /// Default SDK folders, tried after `local.properties`, `ANDROID_HOME` and
    /// `ANDROID_SDK_ROOT`.
    pub sdk_dirs: Vec<PathBuf>,
    /// When the SDK license was accepted, let a missing platform or build-tools through (the
    /// Android Gradle Plugin downloads it) instead of failing. Off by default: on a build
    /// farm the SDK is read-only and a download fails ten minutes in.
    pub allow_sdk_downloads: bool,
}

impl Discovery {
    /// Looks where JDKs and SDKs usually are for `env` (its `HOME`): see
    /// [`Discovery::usual_jdk_roots`], [`Discovery::usual_studio_jdks`],
    /// [`Discovery::usual_sdk_dirs`].
    pub fn new(env: BTreeMap<String, String>) -> Discovery {
        let home = env.get("HOME").map(PathBuf::from);
        Discovery {
            jdk_roots: Self::usual_jdk_roots(home.as_deref()),
            studio_jdks: Self::usual_studio_jdks(home.as_deref()),
            sdk_dirs: Self::usual_sdk_dirs(home.as_deref()),
            env,
            ..Discovery::default()
        }
    }

    /// [`Discovery::new`] for this process's environment.
    pub fn from_process_env() -> Discovery {
        Discovery::new(std::env::vars().collect())
    }

    /// Folders that hold JDKs on Linux and macOS: the system's, SDKMAN's, IntelliJ's and
    /// Homebrew's.
    pub fn usual_jdk_roots(home: Option<&Path>) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = [
            "/usr/lib/jvm",
            "/usr/java",
            "/opt/java",
            "/Library/Java/JavaVirtualMachines",
            "/opt/homebrew/opt",
            "/usr/local/opt",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        if let Some(home) = home {
            for rel in [
                "Library/Java/JavaVirtualMachines",
                ".sdkman/candidates/java",
                ".jdks",
                ".asdf/installs/java",
            ] {
                roots.push(home.join(rel));
            }
        }
        roots
    }

    /// Where Android Studio keeps its bundled JDK (JetBrains Runtime; `jre` before Electric
    /// Eel) on Linux (tarball, snap, JetBrains Toolbox) and macOS.
    pub fn usual_studio_jdks(home: Option<&Path>) -> Vec<PathBuf> {
        let mut studios: Vec<PathBuf> = vec![
            PathBuf::from("/opt/android-studio"),
            PathBuf::from("/usr/local/android-studio"),
            PathBuf::from("/snap/android-studio/current"),
        ];
        let mut mac: Vec<PathBuf> = vec![PathBuf::from("/Applications/Android Studio.app")];
        if let Some(home) = home {
            studios.push(home.join("android-studio"));
            studios.push(home.join(".local/share/JetBrains/Toolbox/apps/android-studio"));
            mac.push(home.join("Applications/Android Studio.app"));
        }
        let mut out = Vec::new();
        for s in studios {
            out.push(s.join("jbr"));
            out.push(s.join("jre"));
        }
        for app in mac {
            out.push(app.join("Contents/jbr/Contents/Home"));
            out.push(app.join("Contents/jre/Contents/Home"));
            out.push(app.join("Contents/jre/jdk/Contents/Home"));
        }
        out
    }

    /// Default SDK folders: Android Studio's on Linux and macOS, GitHub's runners, Debian's
    /// `android-sdk` package.
    pub fn usual_sdk_dirs(home: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(home) = home {
            dirs.push(home.join("Android/Sdk"));
            dirs.push(home.join("Library/Android/sdk"));
        }
        for d in [
            "/opt/android-sdk",
            "/usr/local/lib/android/sdk",
            "/usr/lib/android-sdk",
        ] {
            dirs.push(PathBuf::from(d));
        }
        dirs
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The JDKs this discovery sees for `project` (its `org.gradle.java.home` pins one).
    pub fn find_jdks(&self, project: Option<&GradleProject>) -> JdkSearch {
        let gradle_java_home = project
            .and_then(|p| p.java_home.as_ref())
            .map(|f| (f.value.as_path(), f.file.as_path()));
        jdk::search(&JdkPlaces {
            forced: self.java_home.as_deref(),
            gradle_java_home,
            java_home: self.var("JAVA_HOME"),
            path: self.var("PATH"),
            roots: &self.jdk_roots,
            studio_homes: &self.studio_jdks,
        })
    }

    /// The SDK for `project`: the `android_sdk` option, else `local.properties`' `sdk.dir`,
    /// `ANDROID_HOME`, `ANDROID_SDK_ROOT`, the default folders — the first that is an SDK.
    pub fn find_sdk(
        &self,
        project: Option<&GradleProject>,
    ) -> Result<(AndroidSdk, Vec<String>), ToolchainError> {
        let mut notes = Vec::new();
        let mut searched = Vec::new();
        let mut invalid = Vec::new();
        if let Some(dir) = &self.android_sdk {
            if sdk::is_sdk(dir) {
                return Ok((AndroidSdk::read(dir, SdkSource::Option), notes));
            }
            searched.push(format!("{} (the android_sdk option)", dir.display()));
            invalid.push(format!(
                "the android_sdk option names {}, which is not an Android SDK",
                dir.display()
            ));
        } else {
            if let Some(found) = project.and_then(|p| p.sdk_dir.as_ref()) {
                searched.push(format!("sdk.dir in {}", found.file.display()));
                if sdk::is_sdk(&found.value) {
                    return Ok((
                        AndroidSdk::read(
                            &found.value,
                            SdkSource::LocalProperties(found.file.clone()),
                        ),
                        notes,
                    ));
                }
                notes.push(format!(
                    "sdk.dir in {} is {}, which is not an Android SDK (a path from another machine?); it is replaced with the SDK found",
                    found.file.display(),
                    found.value.display()
                ));
                invalid.push(format!(
                    "sdk.dir in {} names {}",
                    found.file.display(),
                    found.value.display()
                ));
            }
            for (name, source) in [
                ("ANDROID_HOME", SdkSource::AndroidHome),
                ("ANDROID_SDK_ROOT", SdkSource::AndroidSdkRoot),
            ] {
                match self.var(name) {
                    Some(dir) => {
                        searched.push(format!("{name}={dir}"));
                        if sdk::is_sdk(Path::new(dir)) {
                            return Ok((AndroidSdk::read(Path::new(dir), source), notes));
                        }
                        invalid.push(format!("{name}={dir} is not an Android SDK"));
                    }
                    None => searched.push(format!("{name} (not set)")),
                }
            }
            for dir in &self.sdk_dirs {
                searched.push(dir.display().to_string());
                if sdk::is_sdk(dir) {
                    return Ok((AndroidSdk::read(dir, SdkSource::Default), notes));
                }
            }
        }
        let mut packages = String::new();
        if let Some(api) = project.and_then(|p| p.compile_sdk.as_ref()) {
            packages.push_str(&format!(" \"platforms;android-{}\"", api.value));
        }
        if let Some(bt) = project.and_then(|p| p.build_tools.as_ref()) {
            packages.push_str(&format!(" \"build-tools;{}\"", bt.value));
        }
        Err(ToolchainError::NoSdk {
            searched: searched.join(", "),
            invalid: if invalid.is_empty() {
                String::new()
            } else {
                format!("; {}", invalid.join("; "))
            },
            packages,
        })
    }

    /// The JDK versions `project` accepts; an error when its AGP needs a newer Gradle than
    /// its wrapper has (nothing could run it).
    pub fn java_range(project: Option<&GradleProject>) -> Result<JavaRange, ToolchainError> {
        let Some(project) = project else {
            return Ok(JavaRange {
                min: 8,
                max: None,
                reasons: vec!["the Android project is not there yet; its versions are checked once it is generated".into()],
            });
        };
        let agp = project.agp_version.as_ref();
        let gradle = project.gradle_version.as_ref();
        if let (Some(agp), Some(gradle)) = (agp, gradle) {
            if let Some(min) = compat::agp_min_gradle(&agp.value) {
                if gradle.value < min {
                    return Err(ToolchainError::GradleTooOld {
                        agp: agp.value.to_string(),
                        agp_file: agp.file.clone(),
                        gradle: gradle.value.to_string(),
                        gradle_file: gradle.file.clone(),
                        min_gradle: min.to_string(),
                    });
                }
            }
        }
        let range = compat::java_range(agp.map(|f| &f.value), gradle.map(|f| &f.value));
        if range.is_empty() {
            // AGP needs a newer JDK than this Gradle runs on.
            let (Some(agp), Some(gradle)) = (agp, gradle) else {
                return Ok(range);
            };
            let min =
                compat::first_gradle_for_java(range.min).unwrap_or_else(|| Version::new(&[8, 0]));
            let min = match compat::agp_min_gradle(&agp.value) {
                Some(agp_min) if agp_min > min => agp_min,
                _ => min,
            };
            return Err(ToolchainError::GradleTooOld {
                agp: agp.value.to_string(),
                agp_file: agp.file.clone(),
                gradle: gradle.value.to_string(),
                gradle_file: gradle.file.clone(),
                min_gradle: min.to_string(),
            });
        }
        Ok(range)
    }

    /// Finds the JDK and SDK for `project` (`None`: a project whose Android build is generated
    /// during the build, so only their presence is checked) and checks the SDK has what the
    /// project asks for. Every problem is returned, so the user fixes them in one go.
    pub fn discover(
        &self,
        project: Option<&GradleProject>,
    ) -> Result<Toolchain, Vec<ToolchainError>> {
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let range = match Self::java_range(project) {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        let jdk = range.as_ref().and_then(|range| {
            let search = self.find_jdks(project);
            match pick(&search, range) {
                Ok((jdk, mut n)) => {
                    notes.append(&mut n);
                    Some(jdk)
                }
                Err(e) => {
                    problems.push(e);
                    None
                }
            }
        });
        let sdk = match self.find_sdk(project) {
            Ok((sdk, mut n)) => {
                notes.append(&mut n);
                Some(sdk)
            }
            Err(e) => {
                problems.push(e);
                None
            }
        };
        if let (Some(sdk), Some(project)) = (&sdk, project) {
            for missing in missing_packages(sdk, project) {
                if self.allow_sdk_downloads && sdk.licenses_accepted {
                    notes.push(format!(
                        "{missing}; the SDK license is accepted, so the Android Gradle Plugin will download it"
                    ));
                } else {
                    problems.push(missing);
                }
            }
        }
        match (jdk, sdk, range) {
            (Some(jdk), Some(sdk), Some(java_range)) if problems.is_empty() => Ok(Toolchain {
                jdk,
                sdk,
                java_range,
                notes,
            }),
            _ => Err(problems),
        }
    }
}

/// The platform and build-tools `project` needs that `sdk` lacks.
pub fn missing_packages(sdk: &AndroidSdk, project: &GradleProject) -> Vec<ToolchainError> {
    let mut out = Vec::new();
    if let Some(api) = &project.compile_sdk {
        if !sdk.has_platform(api.value) {
            out.push(ToolchainError::MissingPlatform {
                api: api.value,
                declared_in: api.file.clone(),
                sdk: sdk.root.clone(),
                installed: list_or_none(sdk.platforms.iter().map(|p| format!("android-{p}"))),
                install: sdk.sdkmanager_command(&format!("platforms;android-{}", api.value)),
            });
        }
    }
    if let Some(bt) = &project.build_tools {
        if !sdk.has_build_tools(&bt.value) {
            out.push(ToolchainError::MissingBuildTools {
                version: bt.value.clone(),
                declared_in: bt.file.clone(),
                sdk: sdk.root.clone(),
                installed: list_or_none(sdk.build_tools.iter().cloned()),
                install: sdk.sdkmanager_command(&format!("build-tools;{}", bt.value)),
            });
        }
    }
    out
}

fn list_or_none(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The JDK `range` allows among what `search` found, with notes; or the error that says why
/// none fits.
pub fn pick(search: &JdkSearch, range: &JavaRange) -> Result<(Jdk, Vec<String>), ToolchainError> {
    let need = range.describe();
    let reasons = range.reasons.join("; ");
    let hint = install_jdk_hint(range.min);
    // A pinned JDK: it or nothing.
    let pinned = |source_name: String, home: PathBuf, problem: String, fix: String| {
        ToolchainError::PinnedJdk {
            source_name,
            home,
            problem,
            need: format!("{need} ({reasons})"),
            hint: fix,
        }
    };
    if let (Some((name, home)), true) = (&search.pinned, search.found.is_empty()) {
        let why = search
            .rejected
            .first()
            .map(|(_, why)| why.clone())
            .unwrap_or_else(|| "not a JDK".into());
        return Err(pinned(
            name.clone(),
            home.clone(),
            format!("but {why}"),
            format!(
                "point {name} at a JDK {} home (the folder with bin/java and a release file)",
                range.min
            ),
        ));
    }
    if let Some(jdk) = search.found.iter().find(|j| {
        matches!(
            j.source,
            jdk::JdkSource::Option | jdk::JdkSource::GradleProperties(_)
        )
    }) {
        if range.allows(jdk.major) {
            return Ok((jdk.clone(), Vec::new()));
        }
        let fix = match &jdk.source {
            jdk::JdkSource::GradleProperties(_) => format!(
                "point org.gradle.java.home at a JDK {} home, or remove the line to let nativiweb choose",
                range.min
            ),
            _ => format!("give a JDK {} home as java_home", range.min),
        };
        return Err(pinned(
            jdk.source.to_string(),
            jdk.home.clone(),
            format!("a JDK {} ({})", jdk.major, jdk.version),
            fix,
        ));
    }
    match jdk::choose(&search.found, range) {
        Some(jdk) => {
            let mut notes = Vec::new();
            if let Some(home) = search
                .found
                .iter()
                .find(|j| j.source == jdk::JdkSource::JavaHome && j.home != jdk.home)
            {
                notes.push(format!(
                    "JAVA_HOME is JDK {} ({}), but this build needs {need} ({reasons}): using JDK {} at {} instead",
                    home.major,
                    home.home.display(),
                    jdk.version,
                    jdk.home.display()
                ));
            }
            for (what, why) in &search.rejected {
                if what.contains("(JAVA_HOME)") {
                    notes.push(format!("JAVA_HOME {what} is not a JDK: {why}"));
                }
            }
            Ok((jdk.clone(), notes))
        }
        None if search.found.is_empty() => Err(ToolchainError::NoJdk {
            need,
            reasons,
            searched: search.searched.join(", "),
            rejected: if search.rejected.is_empty() {
                String::new()
            } else {
                format!(
                    " Not usable: {}.",
                    search
                        .rejected
                        .iter()
                        .map(|(w, why)| format!("{w}: {why}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            },
            hint,
        }),
        None => Err(ToolchainError::WrongJdk {
            need,
            reasons,
            found: search
                .found
                .iter()
                .map(|j| format!("JDK {} at {} ({})", j.version, j.home.display(), j.source))
                .collect::<Vec<_>>()
                .join(", "),
            hint,
        }),
    }
}
