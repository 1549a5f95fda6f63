//! Toolchain discovery on fake JDK and SDK layouts built in temp dirs (nothing of this
//! machine's is looked at): JAVA_HOME set and unset, several JDKs with the right one chosen per
//! Android Gradle Plugin and Gradle version, wrong majors, JREs, macOS and Android Studio
//! layouts, `org.gradle.java.home`, no SDK, a missing platform or build-tools — each with the
//! message a user gets.

#[path = "fixtures/gradle/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nativiweb_android::gradle::{Discovery, GradleProject, JdkSource, SdkSource, ToolchainError};
use support::{android_dir, fake_jdk, fake_sdk, write};

struct Layout {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Layout {
    fn new() -> Layout {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        Layout { _tmp: tmp, root }
    }

    fn jdk(&self, rel: &str, version: &str) -> PathBuf {
        fake_jdk(&self.root.join(rel), version, false)
    }

    /// A Gradle project with this AGP, Gradle and compileSdk.
    fn project(&self, agp: &str, gradle: &str, compile_sdk: u32) -> GradleProject {
        let dir = self.root.join(format!("proj-{agp}-{gradle}-{compile_sdk}"));
        android_dir(&dir, agp, gradle, compile_sdk);
        GradleProject::read(&dir)
    }

    /// A discovery that looks only in this layout: `jvm/` for JDKs, `env` as given.
    fn discovery(&self, env: &[(&str, &Path)]) -> Discovery {
        Discovery {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.display().to_string()))
                .collect::<BTreeMap<_, _>>(),
            jdk_roots: vec![self.root.join("jvm")],
            sdk_dirs: vec![self.root.join("home/Android/Sdk")],
            ..Discovery::default()
        }
    }
}

fn errors(
    result: Result<nativiweb_android::gradle::Toolchain, Vec<ToolchainError>>,
) -> Vec<ToolchainError> {
    match result {
        Ok(t) => panic!("expected problems, got {}", t.summary()),
        Err(e) => e,
    }
}

#[test]
fn java_home_wins_when_it_fits() {
    let l = Layout::new();
    let home = l.jdk("elsewhere/jdk-17", "17.0.9");
    l.jdk("jvm/jdk-21", "21.0.2");
    let sdk = fake_sdk(&l.root.join("sdk"), &[35], &[], false);
    let project = l.project("8.7.3", "8.9", 35);
    let t = l
        .discovery(&[("JAVA_HOME", &home), ("ANDROID_HOME", &sdk)])
        .discover(Some(&project))
        .unwrap();
    assert_eq!(t.jdk.home, home);
    assert_eq!(t.jdk.major, 17);
    assert_eq!(t.jdk.source, JdkSource::JavaHome);
    assert_eq!(t.sdk.root, sdk);
    assert_eq!(t.sdk.source, SdkSource::AndroidHome);
    assert!(t.notes.is_empty(), "{:?}", t.notes);
    // The tools get them, the JDK's bin first on PATH.
    let env: BTreeMap<String, String> = t.env(Some("/usr/bin")).into_iter().collect();
    assert_eq!(env["JAVA_HOME"], home.display().to_string());
    assert_eq!(env["ANDROID_HOME"], sdk.display().to_string());
    assert_eq!(env["PATH"], format!("{}/bin:/usr/bin", home.display()));
}

#[test]
fn without_java_home_the_newest_jdk_both_accept_is_chosen() {
    let l = Layout::new();
    let j11 = l.jdk("jvm/jdk-11", "11.0.22");
    let j17 = l.jdk("jvm/jdk-17", "17.0.9");
    let j21 = l.jdk("jvm/temurin-21", "21.0.2");
    let j25 = l.jdk("jvm/jdk-25", "25.0.1");
    let j8 = l.jdk("jvm/java-8", "1.8.0_402");
    let sdk = fake_sdk(&l.root.join("sdk"), &[30, 33, 35], &[], false);
    let d = l.discovery(&[("ANDROID_HOME", &sdk)]);
    for (agp, gradle, expected, why) in [
        // AGP 8 needs 17; Gradle 8.9 runs up to 22: 21 (25 is too new for this Gradle).
        ("8.7.3", "8.9", &j21, "JDK 17 to 22"),
        // Gradle 9.4 runs up to 26: 25.
        ("9.0.0", "9.4.0", &j25, "JDK 17 to 26"),
        // AGP 7.4 needs 11; Gradle 7.5 runs up to 18: 17.
        ("7.4.2", "7.5", &j17, "JDK 11 to 18"),
        // AGP 7.0 on Gradle 7.0: up to 16, so 11.
        ("7.0.4", "7.0.2", &j11, "JDK 11 to 16"),
        // AGP 4.1 on Gradle 6.5: up to 14; 11.
        ("4.1.3", "6.5", &j11, "JDK 8 to 14"),
    ] {
        let project = l.project(agp, gradle, 30);
        let t = d.discover(Some(&project)).unwrap();
        assert_eq!(&t.jdk.home, expected, "AGP {agp}, Gradle {gradle}");
        assert_eq!(t.java_range.describe(), why, "AGP {agp}, Gradle {gradle}");
        assert!(matches!(t.jdk.source, JdkSource::Installed(_)));
    }
    // Java 8's 1.8 version scheme is read as 8.
    let search = d.find_jdks(None);
    let j8_found = search.found.iter().find(|j| j.home == j8).unwrap();
    assert_eq!(j8_found.major, 8);
    assert_eq!(j8_found.version, "1.8.0_402");
}

#[test]
fn a_java_home_of_the_wrong_major_is_passed_over_with_a_note() {
    let l = Layout::new();
    let j11 = l.jdk("other/jdk-11", "11.0.22");
    let j17 = l.jdk("jvm/jdk-17", "17.0.9");
    let sdk = fake_sdk(&l.root.join("sdk"), &[35], &[], false);
    let project = l.project("8.7.3", "8.9", 35);
    let t = l
        .discovery(&[("JAVA_HOME", &j11), ("ANDROID_HOME", &sdk)])
        .discover(Some(&project))
        .unwrap();
    assert_eq!(t.jdk.home, j17);
    assert_eq!(t.notes.len(), 1, "{:?}", t.notes);
    assert!(
        t.notes[0].starts_with("JAVA_HOME is JDK 11")
            && t.notes[0].contains("needs JDK 17 to 22")
            && t.notes[0].contains(&format!("using JDK 17.0.9 at {}", j17.display())),
        "{}",
        t.notes[0]
    );
}

#[test]
fn only_wrong_majors_is_an_error_that_names_them() {
    let l = Layout::new();
    let j11 = l.jdk("jvm/jdk-11", "11.0.22");
    l.jdk("jvm/jdk-25", "25.0.1");
    let sdk = fake_sdk(&l.root.join("sdk"), &[35], &[], false);
    let project = l.project("8.7.3", "8.9", 35);
    let errs = errors(
        l.discovery(&[("JAVA_HOME", &j11), ("ANDROID_HOME", &sdk)])
            .discover(Some(&project)),
    );
    assert_eq!(errs.len(), 1);
    let msg = errs[0].to_string();
    assert!(matches!(errs[0], ToolchainError::WrongJdk { .. }), "{msg}");
    assert!(msg.contains("needs JDK 17 to 22"), "{msg}");
    assert!(
        msg.contains("Android Gradle Plugin 8.7.3 needs JDK 17 or newer"),
        "{msg}"
    );
    assert!(msg.contains("Gradle 8.9 runs on JDK 8 to 22"), "{msg}");
    assert!(
        msg.contains(&format!("JDK 11.0.22 at {} (JAVA_HOME)", j11.display())),
        "{msg}"
    );
    assert!(msg.contains("JDK 25.0.1"), "{msg}");
    assert!(msg.contains("install JDK 17"), "{msg}");
}

#[test]
fn no_jdk_says_where_it_looked_and_what_to_install() {
    let l = Layout::new();
    // A JRE (no javac) and a folder that is not a JDK at all.
    fake_jdk(&l.root.join("jvm/jre-17"), "17.0.9", true);
    std::fs::create_dir_all(l.root.join("jvm/openjdk-17")).unwrap();
    let bogus = l.root.join("not-a-jdk");
    std::fs::create_dir_all(&bogus).unwrap();
    let sdk = fake_sdk(&l.root.join("sdk"), &[35], &[], false);
    let project = l.project("8.7.3", "8.9", 35);
    let errs = errors(
        l.discovery(&[("JAVA_HOME", &bogus), ("ANDROID_HOME", &sdk)])
            .discover(Some(&project)),
    );
    let msg = errs[0].to_string();
    assert!(matches!(errs[0], ToolchainError::NoJdk { .. }), "{msg}");
    assert!(
        msg.starts_with("no JDK found; this build needs JDK 17 to 22"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("JAVA_HOME={}", bogus.display())),
        "{msg}"
    );
    assert!(
        msg.contains(&l.root.join("jvm").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("it has no bin/java"), "{msg}");
    assert!(
        msg.contains("a Java 17 runtime (JRE) without bin/javac"),
        "{msg}"
    );
    assert!(msg.contains("install JDK 17"), "{msg}");
    assert!(msg.contains("set JAVA_HOME"), "{msg}");

    // JAVA_HOME unset is said as such.
    let errs = errors(
        l.discovery(&[("ANDROID_HOME", &sdk)])
            .discover(Some(&project)),
    );
    assert!(
        errs[0].to_string().contains("JAVA_HOME (not set)"),
        "{}",
        errs[0]
    );
}

#[test]
fn macos_layouts_android_studio_and_path() {
    let l = Layout::new();
    // /Library/Java/JavaVirtualMachines/<x>.jdk/Contents/Home
    let mac = l.jdk("jvm/temurin-17.jdk/Contents/Home", "17.0.9");
    let d = l.discovery(&[]);
    let found = d.find_jdks(None).found;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].home, mac);

    // Android Studio's bundled runtime (macOS app layout), found when nothing else is.
    let l = Layout::new();
    let jbr = l.jdk(
        "Applications/Android Studio.app/Contents/jbr/Contents/Home",
        "21.0.6",
    );
    let mut d = l.discovery(&[]);
    d.studio_jdks = vec![l
        .root
        .join("Applications/Android Studio.app/Contents/jbr/Contents/Home")];
    assert!(Discovery::usual_studio_jdks(Some(&l.root)).contains(&d.studio_jdks[0]));
    let found = d.find_jdks(None).found;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].home, jbr);
    assert_eq!(found[0].source, JdkSource::AndroidStudio);
    assert!(Discovery::usual_studio_jdks(Some(Path::new("/home/u")))
        .contains(&PathBuf::from("/home/u/android-studio/jbr")));

    // The java on PATH, through symlinks (/usr/bin/java -> …/jdk/bin/java).
    let l = Layout::new();
    let jdk = l.jdk("opt/jdk-17", "17.0.9");
    std::fs::create_dir_all(l.root.join("usr/bin")).unwrap();
    std::os::unix::fs::symlink(jdk.join("bin/java"), l.root.join("usr/bin/java")).unwrap();
    let d = l.discovery(&[("PATH", &l.root.join("usr/bin"))]);
    let found = d.find_jdks(None).found;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].home, jdk);
    assert_eq!(found[0].source, JdkSource::Path);
}

#[test]
fn gradle_java_home_pins_the_jdk() {
    let l = Layout::new();
    let j11 = l.jdk("opt/jdk-11", "11.0.22");
    l.jdk("jvm/jdk-17", "17.0.9");
    let sdk = fake_sdk(&l.root.join("sdk"), &[35], &[], false);
    let dir = l.root.join("proj");
    android_dir(&dir, "8.7.3", "8.9", 35);
    write(
        &dir.join("gradle.properties"),
        &format!(
            "org.gradle.jvmargs=-Xmx2g\norg.gradle.java.home={}\n",
            j11.display()
        ),
    );
    let project = GradleProject::read(&dir);
    let errs = errors(
        l.discovery(&[("ANDROID_HOME", &sdk)])
            .discover(Some(&project)),
    );
    let msg = errs[0].to_string();
    assert!(matches!(errs[0], ToolchainError::PinnedJdk { .. }), "{msg}");
    assert!(msg.contains("org.gradle.java.home in"), "{msg}");
    assert!(msg.contains("gradle.properties"), "{msg}");
    assert!(msg.contains("a JDK 11 (11.0.22)"), "{msg}");
    assert!(msg.contains("needs JDK 17 to 22"), "{msg}");
    assert!(msg.contains("remove the line"), "{msg}");

    // The caller's java_home pins it too, and must be a JDK.
    let mut d = l.discovery(&[("ANDROID_HOME", &sdk)]);
    d.java_home = Some(l.root.join("missing"));
    let project = l.project("8.7.3", "8.9", 35);
    let errs = errors(d.discover(Some(&project)));
    let msg = errs[0].to_string();
    assert!(msg.contains("the builder's java_home option is"), "{msg}");
    assert!(msg.contains("it is not a folder"), "{msg}");
}

#[test]
fn no_sdk_lists_where_it_looked_and_what_to_install() {
    let l = Layout::new();
    let jdk = l.jdk("jvm/jdk-17", "17.0.9");
    let project = l.project("8.7.3", "8.9", 35);
    let missing = l.root.join("nowhere");
    let errs = errors(
        l.discovery(&[("JAVA_HOME", &jdk), ("ANDROID_SDK_ROOT", &missing)])
            .discover(Some(&project)),
    );
    assert_eq!(errs.len(), 1);
    let msg = errs[0].to_string();
    assert!(matches!(errs[0], ToolchainError::NoSdk { .. }), "{msg}");
    assert!(msg.contains("ANDROID_HOME (not set)"), "{msg}");
    assert!(
        msg.contains(&format!(
            "ANDROID_SDK_ROOT={} is not an Android SDK",
            missing.display()
        )),
        "{msg}"
    );
    assert!(msg.contains("home/Android/Sdk"), "{msg}");
    assert!(msg.contains("\"platforms;android-35\""), "{msg}");
    assert!(msg.contains("set ANDROID_HOME"), "{msg}");
}

#[test]
fn sdk_sources_in_order_and_a_stale_local_properties() {
    let l = Layout::new();
    let jdk = l.jdk("jvm/jdk-17", "17.0.9");
    let default = fake_sdk(&l.root.join("home/Android/Sdk"), &[35], &[], false);
    let other = fake_sdk(&l.root.join("other-sdk"), &[35], &[], false);
    let dir = l.root.join("proj");
    android_dir(&dir, "8.7.3", "8.9", 35);

    // The default folder, when nothing is set.
    let t = l
        .discovery(&[("JAVA_HOME", &jdk)])
        .discover(Some(&GradleProject::read(&dir)))
        .unwrap();
    assert_eq!(
        (t.sdk.root.clone(), t.sdk.source.clone()),
        (default.clone(), SdkSource::Default)
    );

    // local.properties' sdk.dir wins over ANDROID_HOME (Gradle reads it first).
    write(
        &dir.join("local.properties"),
        &format!("sdk.dir={}\n", other.display()),
    );
    let project = GradleProject::read(&dir);
    let t = l
        .discovery(&[("JAVA_HOME", &jdk), ("ANDROID_HOME", &default)])
        .discover(Some(&project))
        .unwrap();
    assert_eq!(t.sdk.root, other);
    assert!(matches!(t.sdk.source, SdkSource::LocalProperties(_)));

    // A stale sdk.dir (another machine's) is noted and passed over, then rewritten.
    write(
        &dir.join("local.properties"),
        "sdk.dir=/Users/someone/Library/Android/sdk\n",
    );
    let project = GradleProject::read(&dir);
    let t = l
        .discovery(&[("JAVA_HOME", &jdk), ("ANDROID_HOME", &default)])
        .discover(Some(&project))
        .unwrap();
    assert_eq!(t.sdk.root, default);
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("/Users/someone/Library/Android/sdk")),
        "{:?}",
        t.notes
    );
    let what = nativiweb_android::gradle::sdk::write_local_properties(&dir, &t.sdk.root)
        .unwrap()
        .unwrap();
    assert!(
        what.starts_with("replaced sdk.dir=/Users/someone"),
        "{what}"
    );
    assert_eq!(GradleProject::read(&dir).sdk_dir.unwrap().value, default);
}

#[test]
fn missing_platform_and_build_tools_say_what_to_install() {
    let l = Layout::new();
    let jdk = l.jdk("jvm/jdk-17", "17.0.9");
    let sdk = fake_sdk(&l.root.join("sdk"), &[33, 34], &["34.0.0"], false);
    std::fs::create_dir_all(sdk.join("cmdline-tools/latest/bin")).unwrap();
    support::write_exec(
        &sdk.join("cmdline-tools/latest/bin/sdkmanager"),
        "#!/bin/sh\n",
    );
    let dir = l.root.join("proj");
    android_dir(&dir, "8.7.3", "8.9", 35);
    write(
        &dir.join("app/build.gradle"),
        "apply plugin: 'com.android.application'\nandroid {\n    compileSdk 35\n    buildToolsVersion '35.0.1'\n}\n",
    );
    let project = GradleProject::read(&dir);
    let d = l.discovery(&[("JAVA_HOME", &jdk), ("ANDROID_HOME", &sdk)]);
    let errs = errors(d.discover(Some(&project)));
    assert_eq!(errs.len(), 2, "{errs:?}");
    let platform = errs[0].to_string();
    assert!(
        matches!(errs[0], ToolchainError::MissingPlatform { api: 35, .. }),
        "{platform}"
    );
    assert!(platform.starts_with("compileSdk 35 ("), "{platform}");
    assert!(platform.contains("app/build.gradle"), "{platform}");
    assert!(
        platform.contains("installed: android-33, android-34"),
        "{platform}"
    );
    assert!(
        platform.contains(&format!(
            "{}/cmdline-tools/latest/bin/sdkmanager --sdk_root={} \"platforms;android-35\"",
            sdk.display(),
            sdk.display()
        )),
        "{platform}"
    );
    let tools = errs[1].to_string();
    assert!(
        matches!(errs[1], ToolchainError::MissingBuildTools { .. }),
        "{tools}"
    );
    assert!(tools.contains("buildToolsVersion 35.0.1"), "{tools}");
    assert!(tools.contains("installed: 34.0.0"), "{tools}");
    assert!(tools.contains("\"build-tools;35.0.1\""), "{tools}");

    // With downloads allowed but no license accepted: still errors.
    let mut d = d;
    d.allow_sdk_downloads = true;
    assert_eq!(errors(d.discover(Some(&project))).len(), 2);
    // With the license accepted, they become notes: AGP downloads them.
    write(&sdk.join("licenses/android-sdk-license"), "\nx\n");
    let t = d.discover(Some(&project)).unwrap();
    assert_eq!(t.notes.len(), 2, "{:?}", t.notes);
    assert!(t.notes[0].contains("will download it"), "{:?}", t.notes);
}

#[test]
fn an_agp_too_new_for_the_wrapper_is_caught_before_gradle_starts() {
    let l = Layout::new();
    let jdk = l.jdk("jvm/jdk-17", "17.0.9");
    let sdk = fake_sdk(&l.root.join("sdk"), &[35], &[], false);
    let d = l.discovery(&[("JAVA_HOME", &jdk), ("ANDROID_HOME", &sdk)]);

    let project = l.project("8.7.3", "8.4", 35);
    let errs = errors(d.discover(Some(&project)));
    let msg = errs[0].to_string();
    assert!(
        matches!(errs[0], ToolchainError::GradleTooOld { .. }),
        "{msg}"
    );
    assert!(msg.contains("Android Gradle Plugin 8.7.3"), "{msg}");
    assert!(msg.contains("needs Gradle 8.9 or newer"), "{msg}");
    assert!(msg.contains("uses Gradle 8.4"), "{msg}");
    assert!(
        msg.contains("./gradlew wrapper --gradle-version 8.9"),
        "{msg}"
    );
    assert!(msg.contains("gradle-wrapper.properties"), "{msg}");

    // Unknown AGP version: JDK 17 assumed, Gradle's range applies.
    let dir = l.root.join("no-agp");
    android_dir(&dir, "8.7.3", "8.9", 35);
    write(
        &dir.join("build.gradle"),
        "// plugins come from an included build\n",
    );
    let project = GradleProject::read(&dir);
    assert!(project.agp_version.is_none());
    let t = d.discover(Some(&project)).unwrap();
    assert_eq!(t.java_range.describe(), "JDK 17 to 22");
    assert!(t.java_range.reasons[0].contains("could not be read"));
}

#[test]
fn a_project_generated_during_the_build_only_needs_some_jdk_and_an_sdk() {
    let l = Layout::new();
    let jdk = l.jdk("jvm/jdk-11", "11.0.22");
    let sdk = fake_sdk(&l.root.join("sdk"), &[], &[], false);
    let t = l
        .discovery(&[("ANDROID_HOME", &sdk)])
        .discover(None)
        .unwrap();
    assert_eq!(t.jdk.home, jdk);
    assert!(t.java_range.reasons[0].contains("not there yet"));
}

#[test]
fn the_usual_places_follow_home() {
    let home = Path::new("/home/dev");
    let d = Discovery::new(BTreeMap::from([(
        "HOME".to_owned(),
        "/home/dev".to_owned(),
    )]));
    assert!(d.jdk_roots.contains(&PathBuf::from("/usr/lib/jvm")));
    assert!(d
        .jdk_roots
        .contains(&PathBuf::from("/Library/Java/JavaVirtualMachines")));
    assert!(d.jdk_roots.contains(&home.join(".sdkman/candidates/java")));
    assert!(d.sdk_dirs.contains(&home.join("Android/Sdk")));
    assert!(d.sdk_dirs.contains(&home.join("Library/Android/sdk")));
    assert!(d.studio_jdks.contains(&PathBuf::from(
        "/Applications/Android Studio.app/Contents/jbr/Contents/Home"
    )));
}
