//! The XcodeBuilder driven through the real pipeline (directory source, `XcodeBuilder` with an
//! explicit toolchain, local sink) against stand-ins for `xcodebuild`, `security`, `pod`,
//! `npx` and `flutter` (tests/xcode) that behave like them: xcodebuild's `-list -json`, an
//! `.xcarchive` and an `.ipa` where the real tools write them, `error:` lines and hangs, a
//! keychain search list kept in a file, and a record of every call — argv, working folder,
//! environment, and every command line /proc showed while it ran. Credentials are real
//! (OpenSSL-made certificate, `.p12` and CMS-signed profile, tests/common/signing.rs).
//!
//! Nothing here runs the real xcodebuild or security: this machine is not a Mac.

mod common;
#[path = "xcode/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::signing::{fixtures, PASSWORD};
use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::{
    ArtifactKind, BuildContext, BuildInput, BuildReport, BuildStatus, Builder, CancellationToken,
    ErrorKind, Platform, Step, StepOutcome,
};
use nativiweb_ios::build::{XcodeBuilder, XcodeOptions, XcodeSigning, CERTIFICATE_PASSWORD_SECRET};
use nativiweb_ios::credentials::P12Identity;
use secrecy::SecretString;
use sha2::Digest;
use support::{wait_gone, Bench, Kind, BUILD, BUNDLE, TEAM_ID, VERSION};

fn assert_success(report: &BuildReport, lines: &[String]) {
    assert_eq!(
        report.status,
        BuildStatus::Success,
        "{:?}\n{}",
        report.error,
        lines.join("\n")
    );
}

fn step_outcome(report: &BuildReport, step: Step) -> Option<StepOutcome> {
    report
        .steps
        .iter()
        .find(|s| s.step == step)
        .map(|s| s.outcome)
}

/// The build ran in a copy of the project: `rel` inside the work dir's copy.
fn assert_cwd(cwd: &Path, rel: &str) {
    let cwd = cwd.to_string_lossy();
    assert!(
        cwd.contains("nativiweb-build-") && cwd.ends_with(&format!("/project{rel}")),
        "ran in {cwd}, expected …/project{rel}"
    );
}

/// The one-time keychain password: the same in every `security` call that takes one, 32
/// letters and digits, not the user's; and the imported `.p12` opens with it and holds the
/// user's certificate.
fn assert_one_time_password(bench: &Bench) -> String {
    let security = bench.records_of("security");
    let mut passwords = Vec::new();
    for r in &security {
        for flag in ["-p", "-P", "-k"] {
            if let Some(v) = r.opt(flag) {
                // `-k` is the keychain for `import`, the password for set-key-partition-list.
                if flag == "-k" && r.args.first().map(String::as_str) == Some("import") {
                    continue;
                }
                passwords.push(v.to_owned());
            }
        }
    }
    assert_eq!(
        passwords.len(),
        4,
        "create, unlock, import, set-key-partition-list: {passwords:?}"
    );
    let one = passwords[0].clone();
    assert!(passwords.iter().all(|p| *p == one), "{passwords:?}");
    assert_eq!(one.len(), 32);
    assert!(one.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(one, PASSWORD);
    let imported: Vec<PathBuf> = bench
        .log_files()
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("imported.")
        })
        .collect();
    assert_eq!(imported.len(), 1);
    let id = P12Identity::open(&imported[0], &SecretString::from(one.clone())).unwrap();
    assert_eq!(id.certificate().summary().sha1, bench.cert_sha1);
    assert!(P12Identity::open(&imported[0], &SecretString::from(PASSWORD)).is_err());
    // The temporary p12 was deleted from the work dir right after the import.
    let import = security.iter().find(|r| r.args[0] == "import").unwrap();
    assert!(!Path::new(&import.args[1]).exists());
    one
}

fn sha256_hex(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

#[tokio::test]
async fn a_web_app_is_generated_archived_exported_and_everything_is_cleaned_up() {
    let Some(bench) = Bench::new(Kind::Web) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);

    // The order of things: keychain set up, -list, archive, export, cleanup.
    assert_eq!(
        bench.calls(),
        [
            "security list-keychains",
            "security create-keychain",
            "security set-keychain-settings",
            "security unlock-keychain",
            "security import",
            "security set-key-partition-list",
            "security list-keychains",
            "xcodebuild -list",
            "xcodebuild archive",
            "xcodebuild -exportArchive",
            "security list-keychains",
            "security list-keychains",
            "security delete-keychain",
        ]
    );
    let security = bench.records_of("security");
    let keychain = security[1].args.last().unwrap().clone();
    assert!(keychain.ends_with(".keychain-db"), "{keychain}");
    assert_eq!(
        security[2].args,
        ["set-keychain-settings", keychain.as_str()],
        "no -l/-u: never locks itself"
    );
    assert_eq!(security[4].opt("-T"), Some("/usr/bin/codesign"));
    assert_eq!(security[4].opt("-f"), Some("pkcs12"));
    assert_eq!(security[5].opt("-S"), Some("apple-tool:,apple:,codesign:"));
    // The keychain goes first on the search list, the user's after it.
    let mut expected = vec!["list-keychains", "-d", "user", "-s", keychain.as_str()];
    let user_list: Vec<&str> = bench.search_list.lines().collect();
    expected.extend(user_list.iter());
    assert_eq!(security[6].args, expected);
    assert_one_time_password(&bench);

    // xcodebuild on the generated project, with the signing and version settings.
    let xcb = bench.records_of("xcodebuild");
    let project = xcb[0].opt("-project").unwrap();
    assert!(
        project.ends_with("/xcode/project/App.xcodeproj"),
        "{project}"
    );
    assert_eq!(xcb[0].args[2..], ["-list", "-json"]);
    let archive = &xcb[1];
    assert_eq!(archive.opt("-scheme"), Some("App"));
    assert_eq!(archive.opt("-configuration"), Some("Release"));
    assert_eq!(archive.opt("-destination"), Some("generic/platform=iOS"));
    assert!(archive
        .opt("-archivePath")
        .unwrap()
        .ends_with("/App.xcarchive"));
    assert_eq!(archive.setting("CODE_SIGN_STYLE"), Some("Manual"));
    assert_eq!(
        archive.setting("CODE_SIGN_IDENTITY"),
        Some(bench.cert_sha1.as_str())
    );
    assert_eq!(
        archive.setting("PROVISIONING_PROFILE_SPECIFIER"),
        Some(bench.uuid.as_str())
    );
    assert_eq!(archive.setting("DEVELOPMENT_TEAM"), Some(TEAM_ID));
    assert_eq!(
        archive.setting("OTHER_CODE_SIGN_FLAGS"),
        Some(format!("--keychain {keychain}").as_str())
    );
    assert_eq!(archive.setting("MARKETING_VERSION"), Some(VERSION));
    assert_eq!(
        archive.setting("CURRENT_PROJECT_VERSION"),
        Some(BUILD.to_string().as_str())
    );
    assert!(!archive
        .args
        .iter()
        .any(|a| a == "-allowProvisioningUpdates"));
    let export = &xcb[2];
    assert_eq!(export.opt("-archivePath"), archive.opt("-archivePath"));
    assert!(export.opt("-exportPath").is_some());

    // ExportOptions.plist, as the plist crate reads it.
    let (_, plist_bytes) = bench
        .log_files()
        .into_iter()
        .find(|(p, _)| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("ExportOptions.")
        })
        .unwrap();
    let options = plist::Value::from_reader(std::io::Cursor::new(plist_bytes))
        .unwrap()
        .into_dictionary()
        .unwrap();
    assert_eq!(options["method"].as_string(), Some("app-store-connect"));
    assert_eq!(options["signingStyle"].as_string(), Some("manual"));
    assert_eq!(options["teamID"].as_string(), Some(TEAM_ID));
    let profiles = options["provisioningProfiles"].as_dictionary().unwrap();
    assert_eq!(profiles[BUNDLE].as_string(), Some(bench.uuid.as_str()));

    // The artifacts: the ipa, the zipped archive, the zipped dSYMs; sizes and hashes true.
    let kinds: Vec<ArtifactKind> = report.artifacts.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            ArtifactKind::Ipa,
            ArtifactKind::Xcarchive,
            ArtifactKind::Zip
        ]
    );
    for a in &report.artifacts {
        let path = PathBuf::from(&a.location);
        assert!(path.starts_with(&bench.out), "{}", path.display());
        assert_eq!(a.size, std::fs::metadata(&path).unwrap().len());
        assert_eq!(a.sha256, sha256_hex(&path));
        assert_eq!(a.platform, Platform::Ios);
    }
    let names: Vec<String> = report.artifacts.iter().map(|a| a.name.clone()).collect();
    assert_eq!(
        names,
        [
            format!("{BUNDLE}-{VERSION}-{BUILD}.ipa"),
            format!("{BUNDLE}-{VERSION}-{BUILD}.xcarchive.zip"),
            format!("{BUNDLE}-{VERSION}-{BUILD}-dSYMs.zip"),
        ]
    );
    assert_eq!(
        sha256_hex(&PathBuf::from(&report.artifacts[0].location)),
        sha256_hex(&bench.ipa)
    );
    let zip_names = |p: &str| -> Vec<String> {
        let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
        (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().to_owned())
            .collect()
    };
    let archive_entries = zip_names(&report.artifacts[1].location);
    for want in [
        "App.xcarchive/Info.plist",
        "App.xcarchive/Products/Applications/App.app/App",
        "App.xcarchive/dSYMs/App.app.dSYM/Contents/Resources/DWARF/App",
    ] {
        assert!(
            archive_entries.iter().any(|e| e == want),
            "{want} not in {archive_entries:?}"
        );
    }
    let mut z =
        zip::ZipArchive::new(std::fs::File::open(&report.artifacts[1].location).unwrap()).unwrap();
    assert_eq!(
        z.by_name("App.xcarchive/Products/Applications/App.app/App")
            .unwrap()
            .unix_mode()
            .map(|m| m & 0o777),
        Some(0o755),
        "the executable stays executable"
    );
    assert!(zip_names(&report.artifacts[2].location)
        .contains(&"dSYMs/App.app.dSYM/Contents/Resources/DWARF/App".to_owned()));
    // No signer touched the ipa: it is signed by the export.
    assert_eq!(
        step_outcome(&report, Step::Sign),
        Some(StepOutcome::Skipped)
    );
    assert!(lines
        .iter()
        .any(|l| l.contains("signed by xcodebuild's export")));

    bench.assert_cleaned_up();
    bench.assert_password_nowhere(&lines, None);
    // The one-time password is masked in the log too.
    assert!(lines.iter().any(|l| l.contains("create-keychain -p '***'") || l.contains("create-keychain -p ***")), "{lines:#?}");
}

#[tokio::test]
async fn capacitor_syncs_first_then_builds_its_workspace() {
    let Some(bench) = Bench::new(Kind::Capacitor { pods: true }) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    let npx = bench.records_of("npx");
    assert_eq!(npx.len(), 1);
    assert_eq!(npx[0].args, ["--no", "cap", "sync", "ios"]);
    assert_cwd(&npx[0].cwd, "");
    assert!(
        bench.records_of("pod").is_empty(),
        "cap sync installs the Pods itself"
    );
    let xcb = bench.records_of("xcodebuild");
    assert!(xcb[0]
        .opt("-workspace")
        .unwrap()
        .ends_with("/ios/App/App.xcworkspace"));
    assert_cwd(&xcb[1].cwd, "/ios/App");
    assert_eq!(
        xcb[1].opt("-scheme"),
        Some("App"),
        "the app's scheme, not Pods-App"
    );
    // npx ran before the keychain existed.
    let calls = bench.calls();
    assert_eq!(calls[0], "npx --no");
    bench.assert_cleaned_up();
    bench.assert_password_nowhere(&lines, None);
}

#[tokio::test]
async fn capacitor_with_swift_packages_builds_the_project() {
    let Some(bench) = Bench::new(Kind::Capacitor { pods: false }) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    let xcb = bench.records_of("xcodebuild");
    assert!(xcb[1]
        .opt("-project")
        .unwrap()
        .ends_with("/ios/App/App.xcodeproj"));
    assert!(bench.records_of("pod").is_empty());
}

#[tokio::test]
async fn react_native_installs_pods_in_ios_then_builds_the_workspace() {
    let Some(bench) = Bench::new(Kind::ReactNative) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    let pod = bench.records_of("pod");
    assert_eq!(pod.len(), 1);
    assert_eq!(pod[0].args, ["install"]);
    assert_cwd(&pod[0].cwd, "/ios");
    assert_eq!(pod[0].env("LANG"), Some("en_US.UTF-8"));
    let xcb = bench.records_of("xcodebuild");
    assert!(xcb[1]
        .opt("-workspace")
        .unwrap()
        .ends_with("/ios/hello.xcworkspace"));
    assert_eq!(xcb[1].opt("-scheme"), Some("hello"));
    assert_cwd(&xcb[1].cwd, "/ios");
    assert_eq!(bench.calls()[0], "pod install");
    bench.assert_cleaned_up();
}

#[tokio::test]
async fn expo_without_ios_prebuilds_installs_pods_and_builds() {
    let Some(bench) = Bench::new(Kind::Expo { with_ios: false }) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    let calls = bench.calls();
    assert_eq!(calls[..2], ["npx --no", "pod install"]);
    let npx = bench.records_of("npx");
    assert_eq!(
        npx[0].args,
        [
            "--no",
            "expo",
            "prebuild",
            "--platform",
            "ios",
            "--no-install"
        ]
    );
    assert_eq!(npx[0].env("CI"), Some("1"));
    assert_cwd(&bench.records_of("pod")[0].cwd, "/ios");
    bench.assert_cleaned_up();

    // With ios/ there already: no prebuild.
    let Some(bench) = Bench::new(Kind::Expo { with_ios: true }) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    assert!(bench.records_of("npx").is_empty());
    assert_eq!(bench.records_of("pod").len(), 1);
}

#[tokio::test]
async fn a_plain_xcode_project_and_one_with_pods() {
    let Some(bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    assert!(bench.records_of("pod").is_empty());
    let xcb = bench.records_of("xcodebuild");
    assert!(xcb[0]
        .opt("-project")
        .unwrap()
        .ends_with("/project/Hello.xcodeproj"));
    assert_eq!(xcb[1].opt("-scheme"), Some("Hello"));
    assert_cwd(&xcb[1].cwd, "");

    let Some(bench) = Bench::new(Kind::Xcode { pods: true }) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    assert_eq!(bench.records_of("pod").len(), 1);
    let xcb = bench.records_of("xcodebuild");
    assert!(xcb[1]
        .opt("-workspace")
        .unwrap()
        .ends_with("/project/Hello.xcworkspace"));
}

#[tokio::test]
async fn flutter_builds_the_ipa_with_its_own_tool_and_signing_variables() {
    let Some(bench) = Bench::new(Kind::Flutter) else {
        return;
    };
    let (report, lines) = bench.build().await;
    assert_success(&report, &lines);
    assert!(bench.records_of("xcodebuild").is_empty());
    let flutter = bench.records_of("flutter");
    assert_eq!(flutter.len(), 1);
    let f = &flutter[0];
    assert_cwd(&f.cwd, "");
    assert_eq!(f.args[..3], ["build", "ipa", "--release"]);
    assert!(f
        .args
        .iter()
        .any(|a| a.starts_with("--export-options-plist=") && a.ends_with("ExportOptions.plist")));
    assert!(f.args.contains(&format!("--build-number={BUILD}")));
    assert!(f.args.contains(&format!("--build-name={VERSION}")));
    assert_eq!(f.env("FLUTTER_XCODE_CODE_SIGN_STYLE"), Some("Manual"));
    assert_eq!(
        f.env("FLUTTER_XCODE_CODE_SIGN_IDENTITY"),
        Some(bench.cert_sha1.as_str())
    );
    assert_eq!(
        f.env("FLUTTER_XCODE_PROVISIONING_PROFILE_SPECIFIER"),
        Some(bench.uuid.as_str())
    );
    assert_eq!(f.env("FLUTTER_XCODE_DEVELOPMENT_TEAM"), Some(TEAM_ID));
    assert!(f
        .env("FLUTTER_XCODE_OTHER_CODE_SIGN_FLAGS")
        .unwrap()
        .starts_with("--keychain "));
    let kinds: Vec<ArtifactKind> = report.artifacts.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            ArtifactKind::Ipa,
            ArtifactKind::Xcarchive,
            ArtifactKind::Zip
        ]
    );
    bench.assert_cleaned_up();
    bench.assert_password_nowhere(&lines, None);
}

#[tokio::test]
async fn failures_show_the_error_lines_and_advice_and_still_clean_up() {
    for (mode, needles, advice) in [
        (
            "fail-signing",
            vec!["error: No signing certificate \"iOS Distribution\" found"],
            vec!["xcodebuild found no usable signing certificate"],
        ),
        (
            "fail-profile",
            vec!["doesn't include signing certificate"],
            vec!["the provisioning profile does not list this certificate"],
        ),
        (
            "fail-pods",
            vec![
                "Unable to open base configuration reference file",
                "The sandbox is not in sync with the Podfile.lock",
            ],
            vec![
                "the CocoaPods files are missing: run `pod install`",
                "the installed Pods do not match Podfile.lock",
            ],
        ),
    ] {
        let Some(mut bench) = Bench::new(Kind::Xcode { pods: false }) else {
            return;
        };
        bench.env.insert("STANDIN_MODE".into(), mode.into());
        let (report, lines) = bench.build().await;
        assert_eq!(report.status, BuildStatus::Failed, "{mode}");
        assert_eq!(report.error_kind, Some(ErrorKind::Failed), "{mode}");
        assert_eq!(
            step_outcome(&report, Step::Build),
            Some(StepOutcome::Failed)
        );
        let error = report.error.clone().unwrap();
        assert!(error.contains("xcodebuild"), "{mode}: {error}");
        assert!(error.contains("(exit status 65)"), "{mode}: {error}");
        for n in needles {
            assert!(error.contains(n), "{mode}: {n:?} not in {error}");
        }
        for a in advice {
            assert!(
                error.contains(&format!("Advice: {a}")),
                "{mode}: {a:?} not in {error}"
            );
        }
        // Only the error lines, not the log (which went out as events).
        assert!(!error.contains("builtin-copy"), "{mode}: {error}");
        assert!(
            !error.contains("Command line invocation"),
            "{mode}: {error}"
        );
        assert!(error.lines().count() < 12, "{mode}: {error}");
        assert!(report.artifacts.is_empty());
        bench.assert_cleaned_up();
        bench.assert_password_nowhere(&lines, Some(&error));
    }
}

#[tokio::test]
async fn a_timeout_kills_xcodebuild_and_its_children_and_cleans_up() {
    let Some(mut bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    bench.env.insert("STANDIN_MODE".into(), "hang".into());
    let builder = bench.builder(XcodeOptions {
        timeout: Some(Duration::from_secs(2)),
        ..XcodeOptions::default()
    });
    let started = Instant::now();
    let (report, lines) = bench
        .run(bench.pipeline_with(builder), CancellationToken::new())
        .await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(
        report.error_kind,
        Some(ErrorKind::Timeout),
        "{:?}",
        report.error
    );
    let error = report.error.clone().unwrap();
    assert!(
        error.contains("timed out after 2s and was killed"),
        "{error}"
    );
    let pids = bench.hang_pids();
    assert_eq!(
        pids.len(),
        2,
        "xcodebuild and its worker recorded their pids"
    );
    assert!(
        wait_gone(&pids, 5).is_empty(),
        "still running after the timeout"
    );
    bench.assert_cleaned_up();
    bench.assert_password_nowhere(&lines, Some(&error));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_kills_the_tree_and_cleanup_runs_although_the_future_is_dropped() {
    let Some(mut bench) = Bench::new(Kind::Capacitor { pods: true }) else {
        return;
    };
    bench.env.insert("STANDIN_MODE".into(), "hang".into());
    let pipeline = bench.pipeline();
    let cancel = CancellationToken::new();
    let (events, mut rx) = event_channel();
    let trigger = cancel.clone();
    let watcher = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(event) = rx.recv().await {
            if let Event::Log { line, .. } = event {
                if line.starts_with("CompileSwift") {
                    trigger.cancel();
                }
                lines.push(line);
            }
        }
        lines
    });
    let started = Instant::now();
    let report = pipeline.run(events, cancel).await;
    drop(pipeline);
    let lines = watcher.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(report.status, BuildStatus::Cancelled, "{:?}", report.error);
    assert_eq!(
        step_outcome(&report, Step::Build),
        Some(StepOutcome::Cancelled)
    );
    // The keychain was there while xcodebuild ran, and is gone now.
    let calls = bench.calls();
    assert!(
        calls.contains(&"security delete-keychain".to_owned()),
        "{calls:?}"
    );
    let pids = bench.hang_pids();
    assert_eq!(pids.len(), 2);
    assert!(
        wait_gone(&pids, 5).is_empty(),
        "still running after the cancel"
    );
    bench.assert_cleaned_up();
    bench.assert_password_nowhere(&lines, report.error.as_deref());
}

#[tokio::test]
async fn dropping_the_build_future_undoes_the_signing_setup() {
    // The builder alone, its future dropped mid-archive (what a caller's own timeout does),
    // on a current-thread runtime: Drop runs the cleanup before returning.
    let Some(mut bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    bench.env.insert("STANDIN_MODE".into(), "hang".into());
    let work = bench.root().join("work");
    let project = work.join("project");
    support::project(&project, Kind::Xcode { pods: false });
    let app = nativiweb_core::config::AppConfig::load(&project, Default::default()).unwrap();
    let mut ctx = BuildContext::new(&work, Platform::Ios)
        .with_app(app)
        .with_secrets(
            nativiweb_core::secret::Secrets::new()
                .with(CERTIFICATE_PASSWORD_SECRET, SecretString::from(PASSWORD)),
        );
    ctx.env
        .insert("HOME".into(), bench.home.display().to_string());
    for (k, v) in [
        ("STANDIN_DIR", support::standins()),
        ("STANDIN_LOG", bench.log.clone()),
        ("STANDIN_STATE", bench.state.clone()),
        ("STANDIN_IPA", bench.ipa.clone()),
    ] {
        ctx.env.insert(k.into(), v.display().to_string());
    }
    ctx.env.insert("STANDIN_MODE".into(), "hang".into());
    let input = BuildInput {
        project_dir: project.clone(),
        web_dir: None,
        out_dir: work.join("out"),
        format: None,
    };
    let builder = bench.builder(XcodeOptions::default());
    builder.preflight(&ctx, &input).await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(3), builder.build(&ctx, &input)).await;
    assert!(r.is_err(), "the build hangs until dropped");
    // Nothing awaited after the drop: the cleanup already ran.
    bench.assert_cleaned_up();
    assert!(bench
        .calls()
        .contains(&"security delete-keychain".to_owned()));
    let pids = bench.hang_pids();
    assert!(wait_gone(&pids, 5).is_empty());
}

#[tokio::test]
async fn a_failed_keychain_setup_is_undone_and_a_profile_the_user_had_is_kept() {
    let Some(mut bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    bench
        .env
        .insert("STANDIN_SECURITY_MODE".into(), "fail-import".into());
    // The user had installed this profile already (in Xcode 16's folder): it stays.
    let theirs = bench.profile_files()[1].clone();
    support::write(&theirs, "the user's own copy");
    let (report, lines) = bench.build().await;
    assert_eq!(report.status, BuildStatus::Failed);
    let error = report.error.clone().unwrap();
    assert!(
        error.contains("MAC verification failed during PKCS12 import"),
        "{error}"
    );
    assert!(
        error.contains("-P '***'") || error.contains("-P ***"),
        "{error}"
    );
    assert!(bench.records_of("xcodebuild").is_empty());
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "the user's own copy"
    );
    assert!(
        !bench.profile_files()[0].exists(),
        "the copy the build made is removed"
    );
    // The keychain was made, then deleted; the search list was never changed.
    assert!(bench
        .calls()
        .contains(&"security delete-keychain".to_owned()));
    let list = std::fs::read_to_string(bench.state.join("search-list")).unwrap();
    assert_eq!(list, bench.search_list);
    for r in bench.records_of("security") {
        if r.args[0] == "create-keychain" {
            assert!(!Path::new(r.args.last().unwrap()).exists());
        }
    }
    bench.assert_password_nowhere(&lines, Some(&error));
}

#[tokio::test]
async fn a_profile_for_another_app_fails_the_check_in_a_second_before_anything_runs() {
    let Some(mut bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    let f = fixtures().unwrap();
    let mut spec = common::signing::Spec::app_store(f);
    spec.app_id = format!("{TEAM_ID}.com.example.other");
    bench.profile = common::signing::write_profile(f, &spec);
    let (report, _) = bench.build().await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    assert_eq!(
        step_outcome(&report, Step::Check),
        Some(StepOutcome::Failed)
    );
    let check = report.steps.iter().find(|s| s.step == Step::Check).unwrap();
    assert!(
        check.duration_ms < 1000,
        "the check took {} ms",
        check.duration_ms
    );
    let error = report.error.unwrap();
    assert!(error.contains("does not match the app id"), "{error}");
    assert!(
        error.contains(&bench.profile.display().to_string()),
        "{error}"
    );
    assert!(
        bench.records().is_empty(),
        "nothing ran: {:?}",
        bench.calls()
    );
    assert!(!error.contains(PASSWORD));
}

#[tokio::test]
async fn a_wrong_or_missing_password_is_said_without_the_password() {
    let Some(bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    let pipeline = bench.pipeline().secret(
        CERTIFICATE_PASSWORD_SECRET,
        SecretString::from("not-the-password"),
    );
    let (report, _) = bench.run(pipeline, CancellationToken::new()).await;
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    let error = report.error.unwrap();
    assert!(
        error.contains("the password does not open this .p12"),
        "{error}"
    );
    assert!(!error.contains("not-the-password"));
    assert!(bench.records().is_empty());
}

#[tokio::test]
async fn missing_tools_and_projects_are_reported_together_in_the_check() {
    let Some(bench) = Bench::new(Kind::Capacitor { pods: true }) else {
        return;
    };
    std::fs::remove_dir_all(bench.project.join("ios")).unwrap();
    let toolchain = nativiweb_ios::Toolchain::new(
        bench.bin.join("xcodebuild"),
        bench.bin.join("security"),
        &bench.home,
    );
    let builder = XcodeBuilder::with_toolchain(toolchain).signing(bench.signing());
    let (report, _) = bench
        .run(bench.pipeline_with(builder), CancellationToken::new())
        .await;
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    let error = report.error.unwrap();
    assert!(error.contains("2 problems"), "{error}");
    assert!(error.contains("needs `npx`"), "{error}");
    assert!(error.contains("npx cap add ios"), "{error}");
    assert!(bench.records().is_empty());

    // A format the builder does not make; no signing at all.
    let Some(bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    let builder = XcodeBuilder::with_toolchain(bench.toolchain());
    let (report, _) = bench
        .run(
            bench.pipeline_with(builder).format(ArtifactKind::Apk),
            CancellationToken::new(),
        )
        .await;
    let error = report.error.unwrap();
    assert!(error.contains("makes .ipa files, not apk"), "{error}");
    assert!(error.contains("needs signing credentials"), "{error}");
}

#[tokio::test]
async fn api_key_signing_passes_the_key_to_xcodebuild_and_uses_no_keychain() {
    let Some(bench) = Bench::new(Kind::Xcode { pods: false }) else {
        return;
    };
    let key = bench.root().join("AuthKey_ABC123.p8");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let builder = XcodeBuilder::with_toolchain(bench.toolchain()).signing(XcodeSigning::ApiKey {
        key_path: key.clone(),
        key_id: "ABC123".into(),
        issuer_id: "69a6de70-0000-47e3-e053-5b8c7c11a4d1".into(),
    });
    let (report, lines) = bench
        .run(bench.pipeline_with(builder), CancellationToken::new())
        .await;
    assert_success(&report, &lines);
    assert!(bench.records_of("security").is_empty());
    let xcb = bench.records_of("xcodebuild");
    for r in &xcb[1..] {
        assert!(
            r.args.contains(&"-allowProvisioningUpdates".to_owned()),
            "{:?}",
            r.args
        );
        assert_eq!(r.opt("-authenticationKeyPath"), Some(key.to_str().unwrap()));
        assert_eq!(r.opt("-authenticationKeyID"), Some("ABC123"));
        assert_eq!(
            r.opt("-authenticationKeyIssuerID"),
            Some("69a6de70-0000-47e3-e053-5b8c7c11a4d1")
        );
    }
    assert_eq!(xcb[1].setting("CODE_SIGN_STYLE"), Some("Automatic"));
    assert!(xcb[1].setting("PROVISIONING_PROFILE_SPECIFIER").is_none());
}

#[test]
fn the_identity_re_encrypted_opens_with_the_new_password_only() {
    let Some(f) = fixtures() else { return };
    let id = P12Identity::open(&f.dist_p12, &SecretString::from(PASSWORD)).unwrap();
    let new = SecretString::from("Zr4nd0mOneTimePassw0rd0123456789".to_owned());
    let bytes = id.to_pkcs12(&new).unwrap();
    let again = P12Identity::from_bytes(&bytes, &new, Path::new("x.p12")).unwrap();
    assert_eq!(again.certificate(), id.certificate());
    assert_eq!(
        again.key_match(),
        &nativiweb_ios::credentials::KeyMatch::Matches
    );
    assert!(
        P12Identity::from_bytes(&bytes, &SecretString::from(PASSWORD), Path::new("x.p12")).is_err()
    );
    // OpenSSL reads it too (3DES key bag, SHA-1 MAC: no legacy provider needed), with the
    // password from its environment.
    let path = f.dir.join("reencrypted.p12");
    std::fs::write(&path, &*bytes).unwrap();
    let out = std::process::Command::new(&f.openssl)
        .args([
            "pkcs12",
            "-in",
            path.to_str().unwrap(),
            "-nodes",
            "-passin",
            "env:NW_NEW_PW",
            "-info",
        ])
        .env("NW_NEW_PW", "Zr4nd0mOneTimePassw0rd0123456789")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("MAC: sha1"), "{text}");
    assert!(text.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{text}");
    assert!(text.contains("BEGIN PRIVATE KEY"), "{text}");
    assert!(text.contains("BEGIN CERTIFICATE"), "{text}");
}

#[cfg(not(target_os = "macos"))]
#[tokio::test]
async fn elsewhere_than_macos_the_builder_says_so_at_once() {
    let dir = tempfile::tempdir().unwrap();
    support::project(dir.path(), Kind::Xcode { pods: false });
    let app = nativiweb_core::config::AppConfig::load(dir.path(), Default::default()).unwrap();
    let ctx = BuildContext::new(dir.path().join("work"), Platform::Ios).with_app(app);
    let input = BuildInput {
        project_dir: dir.path().to_owned(),
        web_dir: None,
        out_dir: dir.path().join("out"),
        format: None,
    };
    let started = Instant::now();
    let err = XcodeBuilder::new()
        .preflight(&ctx, &input)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(err.is_input());
    let msg = err.to_string();
    assert!(msg.contains("iOS builds need macOS with Xcode"), "{msg}");
    assert!(
        msg.contains("nativiweb generate DIR --platform ios"),
        "{msg}"
    );
    assert!(msg.contains("nativiweb credentials check"), "{msg}");
}
