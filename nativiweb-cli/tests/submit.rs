//! `nativiweb submit play|appstore` and `build --submit`, run as a process against
//! nativiweb-store's loopback stand-ins of Google Play and App Store Connect (which verify the
//! JWTs with the public key and follow the documented request shapes): exit codes 0/1/2, one
//! JSON document, what reached the store, and that bad input sends nothing.

#[path = "../../nativiweb-store/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use nativiweb::android::package::{package_with, Format, PackageOptions};
use nativiweb::core::config::{AppConfig, PartialAppConfig};
use serde_json::Value;
use support::asc::{AscMock, AscState, BUNDLE_ID, ISSUER, KEY_ID};
use support::play::{PlayMock, PlayState, PACKAGE};

fn cli() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nativiweb"))
}

/// Runs the CLI off the async runtime (the stand-ins answer on it meanwhile).
async fn run(args: Vec<String>, config_home: &Path, password: Option<&str>) -> Output {
    let mut cmd = std::process::Command::new(cli());
    cmd.args(&args)
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("NATIVIWEB_KEY_PASSWORD");
    match password {
        Some(p) => cmd.env("NATIVIWEB_KEYSTORE_PASSWORD", p),
        None => cmd.env_remove("NATIVIWEB_KEYSTORE_PASSWORD"),
    };
    tokio::task::spawn_blocking(move || cmd.output().expect("running the CLI"))
        .await
        .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn service_account(dir: &Path) -> PathBuf {
    let path = dir.join("play-key.json");
    std::fs::write(&path, support::service_account_json()).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn hello_pwa() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

/// hello-pwa packaged as the stand-in's app (`com.example.hello`) with version code `build`.
fn app_file(dir: &Path, format: Format, build: u64) -> PathBuf {
    let hello = hello_pwa();
    let mut app = AppConfig::load(&hello, PartialAppConfig::default()).unwrap();
    app.android.application_id = PACKAGE.to_owned();
    app.build = build;
    let out = dir.join(format!("app-release.{}", format.extension()));
    package_with(
        format,
        &app,
        Some(&hello),
        &hello,
        &out,
        &PackageOptions::default(),
        &|| false,
    )
    .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_play_releases_a_bundle_with_notes_and_a_staged_rollout() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let sa = service_account(dir.path());
    let aab = app_file(dir.path(), Format::Aab, 3);
    let notes = dir.path().join("en.txt");
    std::fs::write(&notes, "Faster start-up.").unwrap();
    let o = run(
        args(&[
            "submit",
            "play",
            s(&aab),
            "--package",
            PACKAGE,
            "--track",
            "beta",
            "--service-account",
            s(&sa),
            "--rollout",
            "0.25",
            "--release-notes",
            &format!("en-US={}", s(&notes)),
            "--release-name",
            "1.0 beta",
            "--endpoint",
            &mock.server.base,
            "--json",
        ]),
        dir.path(),
        None,
    )
    .await;
    let doc = json(&o);
    assert!(o.status.success(), "{doc}");
    assert_eq!(doc["status"], "success");
    assert_eq!(doc["store"], "google-play");
    assert_eq!(doc["track"], "beta");
    assert_eq!(doc["release_status"], "inProgress");
    let code = doc["version_code"].as_i64().unwrap();

    // What Play holds now: the upload's bytes, and the release on the track.
    let state = mock.state.lock().unwrap();
    assert!(state.errors.is_empty(), "{:?}", state.errors);
    assert_eq!(
        state.uploads_sha256,
        [support::sha256_hex(&std::fs::read(&aab).unwrap())]
    );
    let release = &state.tracks["beta"]["releases"][0];
    assert_eq!(release["versionCodes"][0], code.to_string());
    assert_eq!(release["status"], "inProgress");
    assert_eq!(release["userFraction"], 0.25);
    assert_eq!(release["name"], "1.0 beta");
    assert_eq!(release["releaseNotes"][0]["language"], "en-US");
    assert_eq!(release["releaseNotes"][0]["text"], "Faster start-up.");
    // The JWT the stand-in verified named our service account; no key material on stderr.
    assert_eq!(state.assertions[0]["iss"], support::CLIENT_EMAIL);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !stderr.contains("PRIVATE KEY") && !stderr.contains("ya29."),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_play_bad_input_exits_2_and_sends_nothing() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let sa = service_account(dir.path());
    let aab = app_file(dir.path(), Format::Aab, 1);
    let base = |extra: &[&str]| {
        let mut a = args(&[
            "submit",
            "play",
            s(&aab),
            "--package",
            PACKAGE,
            "--track",
            "production",
            "--endpoint",
            &mock.server.base,
            "--json",
        ]);
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    for (extra, says) in [
        (vec![], "--service-account"),
        (
            vec!["--service-account", "/nonexistent/key.json"],
            "key.json",
        ),
        (
            vec!["--service-account", s(&sa), "--rollout", "1.5"],
            "between 0 and 1",
        ),
        (
            vec!["--service-account", s(&sa), "--status", "sometimes"],
            "completed, draft, inProgress or halted",
        ),
        (
            vec!["--service-account", s(&sa), "--release-notes", "en-US"],
            "LANG=FILE",
        ),
    ] {
        let o = run(base(&extra), dir.path(), None).await;
        let doc = json(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {doc}");
        assert_eq!(doc["status"], "failed");
        assert_eq!(doc["error_kind"], "input");
        let error = doc["error"].as_str().unwrap();
        assert!(error.contains(says), "{extra:?}: {error}");
    }
    // Not an app file.
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "x").unwrap();
    let o = run(
        args(&[
            "submit",
            "play",
            s(&txt),
            "--package",
            PACKAGE,
            "--track",
            "internal",
            "--service-account",
            s(&sa),
            "--json",
        ]),
        dir.path(),
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(json(&o)["error"].as_str().unwrap().contains(".aab or .apk"));
    // Not an app, under an app's name; another app than --package.
    let fake = dir.path().join("fake.aab");
    std::fs::write(&fake, b"not a zip").unwrap();
    for (file, package, says) in [
        (&fake, PACKAGE, "not an app Play can take"),
        (
            &aab,
            "com.example.other",
            "is the app com.example.hello, not --package com.example.other",
        ),
    ] {
        let o = run(
            args(&[
                "submit",
                "play",
                s(file),
                "--package",
                package,
                "--track",
                "internal",
                "--service-account",
                s(&sa),
                "--json",
            ]),
            dir.path(),
            None,
        )
        .await;
        assert_eq!(o.status.code(), Some(2));
        let doc = json(&o);
        assert!(doc["error"].as_str().unwrap().contains(says), "{doc}");
    }
    assert!(mock.requests().is_empty(), "bad input reached the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_play_a_used_version_code_exits_2_naming_it_and_the_highest() {
    // The stand-in gives an upload the next code; 5 is taken, and 7 is live on production.
    let mut state = PlayState {
        next_code: 5,
        ..PlayState::default()
    };
    state.used_codes.insert(5);
    state.tracks.insert(
        "production".into(),
        serde_json::json!({"track": "production", "releases": [{"versionCodes": ["7"], "status": "completed"}]}),
    );
    let mock = PlayMock::start(state).await;
    let dir = tempfile::tempdir().unwrap();
    let sa = service_account(dir.path());
    let apk = app_file(dir.path(), Format::Apk, 5);
    let o = run(
        args(&[
            "submit",
            "play",
            s(&apk),
            "--package",
            PACKAGE,
            "--track",
            "internal",
            "--service-account",
            s(&sa),
            "--endpoint",
            &mock.server.base,
        ]),
        dir.path(),
        None,
    )
    .await;
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("version code 5 has already been used")
            && stderr.contains("the highest in use is 7"),
        "{stderr}"
    );
    // The edit we opened was deleted, not left behind.
    let state = mock.state.lock().unwrap();
    assert!(state.edits.values().all(|e| e.deleted && !e.committed));
}

fn ipa(dir: &Path, version: &str, build: &str) -> PathBuf {
    let path = dir.join("Hello.ipa");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("Payload/Hello.app/Info.plist", stored)
        .unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>{BUNDLE_ID}</string>
<key>CFBundleShortVersionString</key><string>{version}</string>
<key>CFBundleVersion</key><string>{build}</string>
</dict></plist>"#
    )
    .unwrap();
    zip.start_file("Payload/Hello.app/Hello", stored).unwrap();
    zip.write_all(&support::pattern(150_000)).unwrap();
    zip.finish().unwrap();
    path
}

fn p8(dir: &Path) -> PathBuf {
    use secrecy::ExposeSecret;
    let path = dir.join("AuthKey.p8");
    std::fs::write(&path, support::p8_pem().expose_secret()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_appstore_uploads_an_ipa_and_a_duplicate_build_exits_2() {
    let state = AscState {
        polls_needed: 0,
        ..AscState::default()
    };
    let mock = AscMock::start(state).await;
    let dir = tempfile::tempdir().unwrap();
    let ipa = ipa(dir.path(), "1.2.0", "42");
    let key = p8(dir.path());
    let submit = |extra: &[&str]| {
        let mut a = args(&[
            "submit",
            "appstore",
            s(&ipa),
            "--key-id",
            KEY_ID,
            "--issuer-id",
            ISSUER,
            "--key",
            s(&key),
            "--endpoint",
            &mock.server.base,
            "--json",
        ]);
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let o = run(submit(&[]), dir.path(), None).await;
    let doc = json(&o);
    assert!(o.status.success(), "{doc}");
    assert_eq!(doc["store"], "app-store-connect");
    assert_eq!(doc["version"], "1.2.0");
    assert_eq!(doc["build_number"], "42");
    assert_eq!(doc["state"], "COMPLETE");
    {
        let state = mock.state.lock().unwrap();
        assert!(state.errors.is_empty(), "{:?}", state.errors);
        assert_eq!(state.uploads.len(), 1);
        // Every JWT was ES256 from our key, for the team issuer.
        assert!(state.jwt_claims.iter().all(|c| c["iss"] == ISSUER));
    }

    // The same version and build again: the pre-flight refuses it before sending a byte.
    let before = mock.requests().len();
    let o = run(
        submit(&["--version", "1.2.0", "--build", "42"]),
        dir.path(),
        None,
    )
    .await;
    let doc = json(&o);
    assert_eq!(o.status.code(), Some(2), "{doc}");
    assert!(doc["error"].as_str().unwrap().contains("42"), "{doc}");
    let sent: Vec<String> = mock.requests()[before..].iter().map(|r| r.line()).collect();
    assert!(
        sent.iter().all(|l| l.starts_with("GET ")),
        "the pre-flight sent more than lookups: {sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_submit_play_uploads_the_signed_bundle() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    // hello-pwa as the stand-in's app.
    let project = dir.path().join("hello");
    std::fs::create_dir(&project).unwrap();
    for entry in std::fs::read_dir(hello_pwa()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), project.join(entry.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(project.join("nativiweb.toml")).unwrap();
    std::fs::write(
        project.join("nativiweb.toml"),
        toml.replace("dev.nativiweb.hello", PACKAGE),
    )
    .unwrap();
    let sa = service_account(dir.path());
    let out = dir.path().join("dist");
    let ks = dir.path().join("upload.p12");
    let password = "upload key password";
    let made = run(
        args(&["keystore", "new", s(&ks), "--alias", "upload"]),
        dir.path(),
        Some(password),
    )
    .await;
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let build = |extra: &[&str]| {
        let mut a = args(&[
            "build",
            s(&project),
            "--platform",
            "android",
            "--format",
            "aab",
            "--out",
            s(&out),
            "--submit",
            "play:internal",
            "--service-account",
            s(&sa),
            "--endpoint",
            &mock.server.base,
            "--json",
        ]);
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    // Without an upload key: refused before anything is built or sent.
    let o = run(build(&[]), dir.path(), None).await;
    let doc = json(&o);
    assert_eq!(o.status.code(), Some(2), "{doc}");
    assert!(
        doc["error"].as_str().unwrap().contains("--keystore"),
        "{doc}"
    );
    assert!(!out.exists() && mock.requests().is_empty());

    let o = run(build(&["--keystore", s(&ks)]), dir.path(), Some(password)).await;
    let doc = json(&o);
    assert!(o.status.success(), "{doc}");
    assert_eq!(doc["status"], "success");
    assert_eq!(doc["submissions"][0]["store"], "google-play");
    assert_eq!(doc["submissions"][0]["track"], "internal");
    assert_eq!(doc["signatures"][0]["debug"], false);
    // What reached Play is the signed bundle on disk, byte for byte.
    let aab = out.join("com.example.hello-1.0.0.aab");
    let bytes = std::fs::read(&aab).unwrap();
    let state = mock.state.lock().unwrap();
    assert!(state.errors.is_empty(), "{:?}", state.errors);
    assert_eq!(state.uploads_sha256, [support::sha256_hex(&bytes)]);
    assert_eq!(
        state.tracks["internal"]["releases"][0]["status"],
        "completed"
    );
}
