//! `nativiweb generate --platform android`: the Gradle project written from the Quickstart's
//! app, the same output shape as iOS (human and `--json`), regeneration, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str], config_home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nativiweb"))
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .output()
        .expect("running the CLI")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hello_pwa() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

#[test]
fn generate_android_writes_a_gradle_project_and_regenerating_keeps_edits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("android");
    let hello = hello_pwa();
    let json_args = [
        "generate",
        hello.to_str().unwrap(),
        "--platform",
        "android",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    let o = run(&json_args, dir.path());
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["status"], "success");
    assert_eq!(doc["platform"], "android");
    assert_eq!(doc["module"], "app");
    assert!(doc["web_files"].as_u64().unwrap() > 0, "{doc}");
    assert!(doc["written"].as_array().unwrap().len() > 10, "{doc}");
    let build = std::fs::read_to_string(out.join("app/build.gradle.kts")).unwrap();
    assert!(
        build.contains("applicationId = \"dev.nativiweb.hello\""),
        "{build}"
    );
    assert!(out.join("settings.gradle.kts").is_file());
    assert!(out.join("app/src/main/AndroidManifest.xml").is_file());
    assert!(out
        .join("app/src/main/java/app/nativiweb/shell/MainActivity.java")
        .is_file());
    assert!(out.join("app/src/main/assets/www/index.html").is_file());
    assert!(!out.join("app/src/main/assets/www/nativiweb.toml").exists());
    assert!(out.join(".nativiweb/generated.json").is_file());

    // Nothing to rewrite the second time.
    let o = run(&json_args, dir.path());
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["written"].as_array().unwrap().len(), 0, "{doc}");

    // An edit is kept and said, in the human output too.
    let manifest = out.join("app/src/main/AndroidManifest.xml");
    let mut edited = std::fs::read_to_string(&manifest).unwrap();
    edited.push_str("<!-- mine -->\n");
    std::fs::write(&manifest, &edited).unwrap();
    let o = run(&json_args[..6], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.starts_with("generated "), "{stdout}");
    assert!(stdout.contains("1 kept as you edited them"), "{stdout}");
    assert!(
        stdout.contains("kept app/src/main/AndroidManifest.xml (nativiweb's version: .nativiweb/pending/app/src/main/AndroidManifest.xml)"),
        "{stdout}"
    );
    assert!(stdout.contains("./gradlew assembleRelease"), "{stdout}");
    assert!(text(&o.stderr).contains("warning: app/src/main/AndroidManifest.xml: kept"));
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), edited);
}

#[test]
fn generate_android_refuses_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let hello = hello_pwa();
    let out = dir.path().join("android");
    // --export-method is iOS's.
    let o = run(
        &[
            "generate",
            hello.to_str().unwrap(),
            "--platform",
            "android",
            "--out",
            out.to_str().unwrap(),
            "--export-method",
            "debugging",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["status"], "failed");
    assert!(doc["error"].as_str().unwrap().contains("--export-method"));

    // Not into the folder of an iOS project nativiweb generated.
    let ios = dir.path().join("ios");
    let o = run(
        &[
            "generate",
            hello.to_str().unwrap(),
            "--platform",
            "ios",
            "--out",
            ios.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(
        &[
            "generate",
            hello.to_str().unwrap(),
            "--platform",
            "android",
            "--out",
            ios.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("another generator"),
        "{}",
        text(&o.stderr)
    );
}
