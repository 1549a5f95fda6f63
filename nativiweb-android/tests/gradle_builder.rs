//! The Gradle builder driven through the real pipeline (directory source, `GradleBuilder`,
//! `ApkSigner`, local sink) against stand-ins for `gradlew`, `npx`, `cordova` and `flutter`
//! (tests/fixtures/gradle) that behave like them: Gradle's log lines, outputs where the real
//! tools write them (real unsigned APKs and AABs), and a record of every call — argv, working
//! directory, /proc command lines and environment. For each project kind: the right commands
//! in the right folders, the toolchain passed in the environment, the version set by the init
//! script, the outputs found, signed by our signer and verified (`apksigner verify`,
//! `jarsigner -verify` when installed), and the keystore password nowhere a tool can see.

#[path = "fixtures/gradle/support.rs"]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::gradle::{BuildType, GradleOptions};
use nativiweb_core::testing;
use nativiweb_core::{ArtifactKind, BuildReport, BuildStatus, CancellationToken, StepOutcome};
use support::{Bench, Kind, Record, APP_ID, BUILD, VERSION};

fn assert_success(report: &BuildReport, lines: &[String]) {
    assert_eq!(
        report.status,
        BuildStatus::Success,
        "{:?}\n{}",
        report.error,
        lines.join("\n")
    );
}

/// The stored artifacts' paths.
fn stored(report: &BuildReport) -> Vec<PathBuf> {
    report
        .artifacts
        .iter()
        .map(|a| PathBuf::from(&a.location))
        .collect()
}

/// `apksigner verify` on an APK our signer signed (skips when apksigner is missing).
fn apksigner_verify(apk: &Path) {
    let Some(apksigner) = testing::tool("apksigner") else {
        return;
    };
    let out = Command::new(apksigner)
        .args(["verify", "--verbose"])
        .arg(apk)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "apksigner verify failed:\n{text}");
    assert!(
        text.contains("Verified using v2 scheme (APK Signature Scheme v2): true"),
        "{text}"
    );
}

/// `jarsigner -verify` on an AAB our signer signed (skips when jarsigner is missing).
fn jarsigner_verify(aab: &Path) {
    let Some(jarsigner) = testing::tool("jarsigner") else {
        return;
    };
    let out = Command::new(jarsigner)
        .args(["-verify", "-verbose"])
        .arg(aab)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("jar verified."),
        "jarsigner -verify failed:\n{text}"
    );
}

/// The gradlew call: the flags every Gradle run gets, the init script, the task.
fn assert_gradle_call(rec: &Record, task: &str, bench: &Bench) {
    let args = &rec.args;
    assert!(args.contains(&"--console=plain".to_owned()), "{args:?}");
    assert!(args.contains(&"--stacktrace".to_owned()), "{args:?}");
    assert!(args.contains(&"--no-daemon".to_owned()), "{args:?}");
    assert!(
        args.iter().any(|a| a.starts_with("--init-script=")),
        "{args:?}"
    );
    assert_eq!(args.last().unwrap(), task, "{args:?}");
    // The JDK and SDK discovery chose, in the environment; the JDK's bin first on PATH.
    assert_eq!(rec.env("JAVA_HOME"), Some(bench.jdk.to_str().unwrap()));
    assert_eq!(rec.env("ANDROID_HOME"), Some(bench.sdk.to_str().unwrap()));
    assert!(rec
        .env("PATH")
        .unwrap()
        .starts_with(&format!("{}/bin:", bench.jdk.display())));
    // The init script sets the app config's version through the variant API.
    let init = bench.init_script();
    assert!(
        init.contains(&format!("def nativiwebVersionCode = {BUILD}\n")),
        "{init}"
    );
    assert!(
        init.contains(&format!("def nativiwebVersionName = '{VERSION}'\n")),
        "{init}"
    );
    assert!(init.contains("androidComponents"), "{init}");
}

/// The build ran in a copy of the project: `rel` inside the work dir's copy.
fn assert_cwd(rec: &Record, rel: &str) {
    let cwd = rec.cwd.to_string_lossy().into_owned();
    assert!(
        cwd.contains("nativiweb-build-") && cwd.ends_with(&format!("/project{rel}")),
        "{} ran in {cwd}",
        rec.tool
    );
}

#[tokio::test]
async fn android_project_apk_built_signed_and_verified() {
    let mut bench = Bench::new(Kind::Android);
    bench.env.insert("STANDIN_SPLITS".into(), "1".into());
    bench.env.insert("STANDIN_MAPPING".into(), "1".into());
    let mapping_dir = bench.root().join("mappings");
    let options = GradleOptions {
        mapping_dir: Some(mapping_dir.clone()),
        ..bench.options()
    };
    let (report, lines) = bench
        .run(
            bench.pipeline(options, ArtifactKind::Apk),
            CancellationToken::new(),
        )
        .await;
    assert_success(&report, &lines);

    let gradle = bench.records_of("gradlew");
    assert_eq!(gradle.len(), 1, "{gradle:?}");
    assert_gradle_call(&gradle[0], ":app:assembleRelease", &bench);
    assert_cwd(&gradle[0], "");
    assert!(
        gradle[0].cmdline.contains("gradlew"),
        "{}",
        gradle[0].cmdline
    );

    // Gradle's lines went out as log events.
    assert!(lines.iter().any(|l| l == "> Task :app:assembleRelease"));
    assert!(lines.iter().any(|l| l == "BUILD SUCCESSFUL in 12s"));

    // local.properties was written with the SDK found.
    let local = bench
        .log_files()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("local.properties."))
        .expect("gradlew saw a local.properties");
    assert!(
        local
            .1
            .contains(&format!("sdk.dir={}", bench.sdk.display())),
        "{}",
        local.1
    );

    // The universal APK and the two splits, renamed and signed (`-unsigned` dropped), and
    // R8's mapping file as an artifact of its own (not signed).
    let mut names: Vec<String> = report.artifacts.iter().map(|a| a.name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{APP_ID}-{VERSION}-arm64-v8a-release.apk"),
            format!("{APP_ID}-{VERSION}-armeabi-v7a-release.apk"),
            format!("{APP_ID}-{VERSION}-release-mapping.txt"),
            format!("{APP_ID}-{VERSION}-release.apk"),
        ]
    );
    assert_eq!(report.signatures.len(), 3);
    for a in &report.artifacts {
        let want = if a.name.ends_with("mapping.txt") {
            ArtifactKind::Mapping
        } else {
            ArtifactKind::Apk
        };
        assert_eq!(a.kind, want);
        assert_eq!(
            a.sha256,
            nativiweb_core::hash::sha256_file(Path::new(&a.location))
                .unwrap()
                .sha256
        );
    }
    for apk in stored(&report)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
    {
        let info = nativiweb_android::package::read_app_file(&apk).unwrap();
        assert_eq!(info.package.as_deref(), Some(APP_ID));
        apksigner_verify(&apk);
    }
    // R8's mapping file kept where asked.
    let mapping = mapping_dir.join(format!("{APP_ID}-{VERSION}-release-mapping.txt"));
    assert!(std::fs::read_to_string(&mapping)
        .unwrap()
        .contains("MainActivity -> a.a"));
    assert!(lines
        .iter()
        .any(|l| l.contains("R8 wrote its mapping file")));

    bench.assert_password_nowhere(&lines);
    // The user's project was not touched: no local.properties, no outputs.
    assert!(!bench.project.join("local.properties").exists());
    assert!(!bench.project.join("app/build").exists());
}

#[tokio::test]
async fn capacitor_syncs_then_bundles_with_android_gradlew() {
    let bench = Bench::new(Kind::Capacitor);
    let (report, lines) = bench.build(ArtifactKind::Aab).await;
    assert_success(&report, &lines);

    let records = bench.records();
    let tools: Vec<&str> = records.iter().map(|r| r.tool.as_str()).collect();
    assert_eq!(tools, ["npx", "gradlew"], "sync first, then Gradle");
    assert_eq!(records[0].args, ["--no", "cap", "sync", "android"]);
    assert_cwd(&records[0], "");
    assert_eq!(
        records[0].env("JAVA_HOME"),
        Some(bench.jdk.to_str().unwrap())
    );
    assert_gradle_call(&records[1], ":app:bundleRelease", &bench);
    assert_cwd(&records[1], "/android");
    assert!(lines
        .iter()
        .any(|l| l.contains("Copying web assets from dist")));

    assert_eq!(report.artifacts.len(), 1);
    let aab = &stored(&report)[0];
    assert_eq!(
        report.artifacts[0].name,
        format!("{APP_ID}-{VERSION}-release.aab")
    );
    assert_eq!(report.artifacts[0].kind, ArtifactKind::Aab);
    assert_eq!(report.signatures[0].schemes, ["v1"]);
    jarsigner_verify(aab);
    bench.assert_password_nowhere(&lines);
}

#[tokio::test]
async fn react_native_runs_android_gradlew_with_node_on_path() {
    let bench = Bench::new(Kind::ReactNative);
    let (report, lines) = bench.build(ArtifactKind::Apk).await;
    assert_success(&report, &lines);
    let records = bench.records();
    let tools: Vec<&str> = records.iter().map(|r| r.tool.as_str()).collect();
    assert_eq!(tools, ["gradlew"]);
    assert_gradle_call(&records[0], ":app:assembleRelease", &bench);
    assert_cwd(&records[0], "/android");
    // node is reachable for the React Native Gradle plugin.
    let path = records[0].env("PATH").unwrap();
    assert!(path.split(':').any(|d| Path::new(d).join("node").is_file()));
    apksigner_verify(&stored(&report)[0]);
    bench.assert_password_nowhere(&lines);
}

#[tokio::test]
async fn expo_prebuilds_android_when_it_is_missing() {
    let bench = Bench::new(Kind::Expo {
        with_android: false,
    });
    let (report, lines) = bench.build(ArtifactKind::Aab).await;
    assert_success(&report, &lines);
    let records = bench.records();
    let tools: Vec<&str> = records.iter().map(|r| r.tool.as_str()).collect();
    assert_eq!(tools, ["npx", "gradlew"]);
    assert_eq!(
        records[0].args,
        [
            "--no",
            "expo",
            "prebuild",
            "--platform",
            "android",
            "--no-install"
        ]
    );
    assert_eq!(records[0].env("CI"), Some("1"));
    assert_cwd(&records[0], "");
    assert_gradle_call(&records[1], ":app:bundleRelease", &bench);
    assert_cwd(&records[1], "/android");
    jarsigner_verify(&stored(&report)[0]);
    bench.assert_password_nowhere(&lines);
}

#[tokio::test]
async fn expo_with_an_android_folder_goes_straight_to_gradle() {
    let bench = Bench::new(Kind::Expo { with_android: true });
    // A gradlew that lost its executable bit (an archive, a Windows checkout): made executable
    // in the build's copy.
    let gradlew = bench.project.join("android/gradlew");
    std::fs::set_permissions(&gradlew, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (report, lines) = bench.build(ArtifactKind::Apk).await;
    assert_success(&report, &lines);
    let tools: Vec<String> = bench.records().into_iter().map(|r| r.tool).collect();
    assert_eq!(tools, ["gradlew"]);
    apksigner_verify(&stored(&report)[0]);
    // The user's own file is left as it was.
    assert_eq!(
        gradlew.metadata().unwrap().permissions().mode() & 0o777,
        0o644
    );
}

#[tokio::test]
async fn cordova_prepares_then_compiles_through_its_gradlew() {
    let bench = Bench::new(Kind::Cordova);
    let (report, lines) = bench.build(ArtifactKind::Aab).await;
    assert_success(&report, &lines);
    let records = bench.records();
    let tools: Vec<&str> = records.iter().map(|r| r.tool.as_str()).collect();
    assert_eq!(tools, ["cordova", "cordova", "gradlew"]);
    assert_eq!(records[0].args, ["prepare", "android"]);
    assert_cwd(&records[0], "");
    let compile = &records[1].args;
    assert_eq!(
        compile[..5],
        [
            "compile",
            "android",
            "--release",
            "--",
            "--packageType=bundle"
        ]
    );
    for flag in ["--console=plain", "--stacktrace", "--no-daemon"] {
        assert!(
            compile.contains(&format!("--gradleArg={flag}")),
            "{compile:?}"
        );
    }
    assert!(compile
        .iter()
        .any(|a| a.starts_with("--gradleArg=--init-script=")));
    // cordova-android ran Gradle: its gradlew got the flags and the init script, with
    // cordova as its parent.
    assert_gradle_call(&records[2], ":app:bundleRelease", &bench);
    assert_cwd(&records[2], "/platforms/android");
    assert_eq!(records[2].ppid, records[1].pid);
    assert!(
        records[2]
            .parent_cmdline
            .contains("cordova compile android"),
        "{}",
        records[2].parent_cmdline
    );
    assert_eq!(
        report.artifacts[0].name,
        format!("{APP_ID}-{VERSION}-release.aab")
    );
    jarsigner_verify(&stored(&report)[0]);
    bench.assert_password_nowhere(&lines);
}

#[tokio::test]
async fn flutter_builds_apk_and_appbundle_with_the_version() {
    for (format, target, name) in [
        (
            ArtifactKind::Apk,
            "apk",
            format!("{APP_ID}-{VERSION}-release.apk"),
        ),
        (
            ArtifactKind::Aab,
            "appbundle",
            format!("{APP_ID}-{VERSION}-release.aab"),
        ),
    ] {
        let bench = Bench::new(Kind::Flutter);
        let (report, lines) = bench.build(format).await;
        assert_success(&report, &lines);
        let records = bench.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].tool, "flutter");
        assert_eq!(
            records[0].args,
            [
                "build".to_owned(),
                target.to_owned(),
                "--release".to_owned(),
                format!("--build-number={BUILD}"),
                format!("--build-name={VERSION}"),
            ]
        );
        assert_cwd(&records[0], "");
        assert_eq!(
            records[0].env("JAVA_HOME"),
            Some(bench.jdk.to_str().unwrap())
        );
        assert_eq!(
            records[0].env("ANDROID_HOME"),
            Some(bench.sdk.to_str().unwrap())
        );
        // Only the flutter-apk output (not the .sha1 next to it, nor the copy in apk/).
        assert_eq!(report.artifacts.len(), 1, "{:?}", report.artifacts);
        assert_eq!(report.artifacts[0].name, name);
        let file = &stored(&report)[0];
        match format {
            ArtifactKind::Apk => apksigner_verify(file),
            _ => jarsigner_verify(file),
        }
        bench.assert_password_nowhere(&lines);
    }
}

#[tokio::test]
async fn debug_variant_and_the_callers_daemon() {
    let mut bench = Bench::new(Kind::Android);
    bench.env.insert("STANDIN_DAEMON_NOTE".into(), "1".into());
    let options = GradleOptions {
        build_type: BuildType::Debug,
        daemon: true,
        gradle_user_home: Some(bench.root().join("gradle-home")),
        extra_args: vec!["--offline".into()],
        ..bench.options()
    };
    let (report, lines) = bench
        .run(
            bench.pipeline(options, ArtifactKind::Apk),
            CancellationToken::new(),
        )
        .await;
    assert_success(&report, &lines);
    let rec = &bench.records_of("gradlew")[0];
    assert!(
        !rec.args.contains(&"--no-daemon".to_owned()),
        "{:?}",
        rec.args
    );
    assert_eq!(
        rec.args[rec.args.len() - 2..],
        [":app:assembleDebug", "--offline"]
    );
    assert_eq!(
        rec.env("GRADLE_USER_HOME"),
        Some(bench.root().join("gradle-home").to_str().unwrap())
    );
    assert_eq!(
        report.artifacts[0].name,
        format!("{APP_ID}-{VERSION}-debug.apk")
    );
    assert!(report
        .steps
        .iter()
        .all(|s| s.outcome != StepOutcome::Failed));
    apksigner_verify(&stored(&report)[0]);
}
