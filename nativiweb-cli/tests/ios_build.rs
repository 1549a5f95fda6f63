//! `nativiweb build --platform ios`: on macOS the xcode builder (tested with stand-in tools in
//! nativiweb-ios/tests/xcode_builder.rs); elsewhere it stops at once with exit code 2, says
//! iOS builds need macOS with Xcode, and names what works on any OS — before it copies,
//! installs or reads anything (no certificate, no password needed to be told).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn cli() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nativiweb"))
}

fn hello_pwa() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

fn run(args: &[&str], config_home: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(cli())
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("NATIVIWEB_CERTIFICATE_PASSWORD")
        .output()
        .expect("running the CLI");
    (out, started.elapsed())
}

#[cfg(not(target_os = "macos"))]
#[test]
fn ios_build_elsewhere_than_macos_exits_2_at_once_with_the_macos_message() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let project = hello_pwa();
    let base = [
        "build",
        project.to_str().unwrap(),
        "--platform",
        "ios",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    for extra in [&[][..], &["--builder", "xcode"][..]] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let (o, took) = run(&args, dir.path());
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert!(
            stderr.contains("iOS builds need macOS with Xcode"),
            "{stderr}"
        );
        assert!(
            stderr.contains("nativiweb generate DIR --platform ios"),
            "{stderr}"
        );
        assert!(stderr.contains("nativiweb credentials check"), "{stderr}");
        assert!(!out_dir.exists(), "nothing was written");
        // No debug keystore was made for an iOS build.
        assert!(!dir.path().join("nativiweb").exists());
    }

    // With --json: one document, error_kind input.
    let mut args = base.to_vec();
    args.push("--json");
    let (o, _) = run(&args, dir.path());
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["status"], "failed");
    assert_eq!(doc["error_kind"], "input");
    assert!(doc["error"].as_str().unwrap().contains("macOS"));
}

#[test]
fn the_certificate_needs_its_profile() {
    let dir = tempfile::tempdir().unwrap();
    let project = hello_pwa();
    let (o, _) = run(
        &[
            "build",
            project.to_str().unwrap(),
            "--platform",
            "ios",
            "--certificate",
            "dist.p12",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("--profile"), "{stderr}");
}
