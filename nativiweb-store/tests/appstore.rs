//! App Store Connect against a loopback stand-in that follows the documented JSON:API shapes.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use nativiweb_store::appstore::{ApiKey, AppStoreConnect, AppStoreOptions, AscError};
use nativiweb_store::nativiweb_core::{
    ArtifactKind, ErrorKind, Platform, StoreSubmitter, StoredArtifact,
};
use nativiweb_store::RetryPolicy;
use support::asc::{api_error, AscMock, AscState, Build, Fault, APP_ID, BUNDLE_ID, ISSUER, KEY_ID};
use support::server::Reply;
use support::{ctx_with_events, pattern, progress_events};

fn info_plist(bundle: &str, version: &str, build: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>{bundle}</string>
<key>CFBundleShortVersionString</key><string>{version}</string>
<key>CFBundleVersion</key><string>{build}</string>
<key>CFBundleName</key><string>Hello</string>
</dict></plist>"#
    )
}

/// An IPA: `Payload/Hello.app/Info.plist` plus `filler` stored bytes so it spans several parts.
fn ipa(dir: &tempfile::TempDir, version: &str, build: &str, filler: usize) -> (PathBuf, Vec<u8>) {
    let path = dir.path().join("Hello.ipa");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("Payload/Hello.app/Info.plist", stored)
        .unwrap();
    zip.write_all(info_plist(BUNDLE_ID, version, build).as_bytes())
        .unwrap();
    zip.start_file("Payload/Hello.app/Hello", stored).unwrap();
    zip.write_all(&pattern(filler)).unwrap();
    zip.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn options() -> AppStoreOptions {
    AppStoreOptions {
        poll_interval: Duration::from_millis(5),
        upload_concurrency: 3,
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        },
        ..AppStoreOptions::default()
    }
}

fn team_key() -> ApiKey {
    ApiKey::from_p8(KEY_ID, Some(ISSUER.into()), &support::p8_pem()).unwrap()
}

fn asc(mock: &AscMock, options: AppStoreOptions) -> AppStoreConnect {
    AppStoreConnect::new(team_key(), options)
        .unwrap()
        .with_endpoint(&mock.server.base)
        .unwrap()
}

fn lines(mock: &AscMock) -> Vec<String> {
    mock.requests().iter().map(|r| r.line()).collect()
}

#[tokio::test]
async fn uploads_an_ipa_in_parallel_parts_and_waits_for_the_upload() {
    let mock = AscMock::start(AscState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = ipa(&dir, "1.2.0", "42", 300_000);
    let (mut ctx, mut rx) = ctx_with_events();
    ctx.platform = Platform::Ios;
    let submitter = asc(&mock, options());
    assert!(submitter.accepts(ArtifactKind::Ipa) && !submitter.accepts(ArtifactKind::Aab));
    let artifact = StoredArtifact {
        name: "Hello.ipa".into(),
        location: path.display().to_string(),
        kind: ArtifactKind::Ipa,
        platform: Platform::Ios,
        size: bytes.len() as u64,
        sha256: support::sha256_hex(&bytes),
    };
    let submission = submitter.submit(&ctx, &artifact).await.unwrap();
    assert_eq!(submission.store, "app-store-connect");
    assert_eq!(submission.track.as_deref(), Some("testflight"));
    assert_eq!(submission.status, "COMPLETE");
    assert_eq!(submission.id.as_deref(), Some("build-1"));

    let reqs = mock.requests();
    let l = lines(&mock);
    assert_eq!(l[0], "GET /v1/apps");
    assert_eq!(
        reqs[0]
            .query_map()
            .get("filter[bundleId]")
            .map(String::as_str),
        Some(BUNDLE_ID)
    );
    assert_eq!(l[1], "GET /v1/builds");
    let q = reqs[1].query_map();
    assert_eq!(q.get("filter[app]").map(String::as_str), Some(APP_ID));
    assert_eq!(q.get("filter[version]").map(String::as_str), Some("42"));
    assert_eq!(
        q.get("filter[preReleaseVersion.version]")
            .map(String::as_str),
        Some("1.2.0")
    );
    assert_eq!(l[2], format!("GET /v1/apps/{APP_ID}/buildUploads"));
    let q = reqs[2].query_map();
    assert_eq!(
        q.get("filter[cfBundleShortVersionString]")
            .map(String::as_str),
        Some("1.2.0")
    );
    assert_eq!(
        q.get("filter[cfBundleVersion]").map(String::as_str),
        Some("42")
    );
    assert_eq!(q.get("filter[platform]").map(String::as_str), Some("IOS"));
    assert_eq!(l[3], "POST /v1/buildUploads");
    assert_eq!(
        reqs[3].json(),
        serde_json::json!({"data": {"type": "buildUploads",
            "attributes": {"cfBundleShortVersionString": "1.2.0", "cfBundleVersion": "42", "platform": "IOS"},
            "relationships": {"app": {"data": {"type": "apps", "id": APP_ID}}}}})
    );
    assert_eq!(l[4], "POST /v1/buildUploadFiles");
    let file = reqs[4].json();
    assert_eq!(file["data"]["attributes"]["fileSize"], bytes.len() as u64);
    assert_eq!(file["data"]["attributes"]["fileName"], "Hello.ipa");
    let parts = (bytes.len() as u64).div_ceil(64 * 1024) as usize;
    let part_reqs: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/part/"))
        .collect();
    assert_eq!(part_reqs.len(), parts);
    assert!(
        part_reqs
            .iter()
            .all(|r| r.header("authorization").is_none()),
        "no bearer on pre-signed URLs"
    );
    let patch = reqs.iter().find(|r| r.method == "PATCH").unwrap();
    let md5 = {
        use md5::Digest;
        hex::encode(md5::Md5::digest(&bytes))
    };
    assert_eq!(
        patch.json(),
        serde_json::json!({"data": {"type": "buildUploadFiles", "id": "file-1", "attributes": {
            "sourceFileChecksums": {"file": {"hash": md5, "algorithm": "MD5"}}, "uploaded": true}}})
    );
    assert!(
        l.iter()
            .filter(|l| *l == "GET /v1/buildUploads/bu-1")
            .count()
            >= 2,
        "{l:?}"
    );
    let s = mock.state.lock().unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let assembled: Vec<u8> = s.files["file-1"]
        .parts
        .values()
        .flatten()
        .copied()
        .collect();
    assert_eq!(assembled, bytes);
    // Every API request carried a JWT that verified (the mock checked the signature).
    let api_calls = reqs.iter().filter(|r| r.path.starts_with("/v1/")).count();
    assert_eq!(s.jwt_claims.len(), api_calls);
    let c = &s.jwt_claims[0];
    assert_eq!(c["iss"], ISSUER);
    assert_eq!(c["aud"], "appstoreconnect-v1");
    assert_eq!(
        c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
        1200
    );
    drop(s);
    let progress = progress_events(&mut rx);
    assert_eq!(
        progress.last(),
        Some(&(bytes.len() as u64, Some(bytes.len() as u64)))
    );
}

#[tokio::test]
async fn testflight_processing_compliance_whats_new_groups_and_review() {
    let mock = AscMock::start(AscState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "2.0", "7", 10_000);
    let (ctx, _rx) = ctx_with_events();
    let o = AppStoreOptions {
        uses_non_exempt_encryption: Some(false),
        whats_new: Some("Try the new onboarding.".into()),
        beta_groups: vec!["QA".into(), "Friends & Family".into()],
        submit_for_beta_review: true,
        ..options()
    };
    let build = asc(&mock, o).submit_file(&ctx, &path).await.unwrap();
    assert_eq!(build.build_id.as_deref(), Some("build-1"));
    assert_eq!(build.version, "2.0");
    assert_eq!(build.build_number, "7");
    assert_eq!(build.state, "WAITING_FOR_REVIEW");
    let s = mock.state.lock().unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let b = &s.builds[0];
    assert_eq!(b.state, "VALID");
    assert_eq!(b.encryption, Some(false));
    assert_eq!(
        b.localizations.values().next().unwrap(),
        &("en-US".to_owned(), "Try the new onboarding.".to_owned())
    );
    assert_eq!(b.groups, vec!["grp-1".to_owned(), "grp-2".to_owned()]);
    assert!(b.review);
    drop(s);
    let reqs = mock.requests();
    let groups_query = reqs.iter().find(|r| r.path == "/v1/betaGroups").unwrap();
    assert_eq!(
        groups_query
            .query_map()
            .get("filter[app]")
            .map(String::as_str),
        Some(APP_ID)
    );
    // Groups are resolved before the upload starts.
    let gi = reqs
        .iter()
        .position(|r| r.path == "/v1/betaGroups")
        .unwrap();
    let ui = reqs
        .iter()
        .position(|r| r.path == "/v1/buildUploads")
        .unwrap();
    assert!(gi < ui);
}

#[tokio::test]
async fn whats_new_updates_an_existing_localization() {
    let mock = AscMock::start(AscState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "2.0", "8", 1000);
    let (ctx, _rx) = ctx_with_events();
    // The build appears with an en-US localization already (Apple creates one for the app's
    // primary language).
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/v1/builds/build-1/betaBuildLocalizations"),
        reply: Reply::json(200, serde_json::json!({"data": [{"type": "betaBuildLocalizations", "id": "loc-9", "attributes": {"locale": "en-US", "whatsNew": null}}], "links": {"self": "x"}})),
        times: 1,
    });
    let o = AppStoreOptions {
        whats_new: Some("New!".into()),
        ..options()
    };
    let err = asc(&mock, o).submit_file(&ctx, &path).await.unwrap_err();
    // The mock has no loc-9, so the PATCH is answered 404: what matters is the request made.
    let patch = mock
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/betaBuildLocalizations/loc-9")
        .unwrap();
    assert_eq!(patch.method, "PATCH");
    assert_eq!(
        patch.json(),
        serde_json::json!({"data": {"type": "betaBuildLocalizations", "id": "loc-9", "attributes": {"whatsNew": "New!"}}})
    );
    assert!(matches!(err, AscError::Api { status: 404, .. }), "{err}");
}

#[tokio::test]
async fn an_individual_key_signs_with_sub_user() {
    let mock = AscMock::start(AscState {
        individual_key: true,
        ..AscState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "1", 1000);
    let (ctx, _rx) = ctx_with_events();
    let key = ApiKey::from_p8(KEY_ID, None, &support::p8_pem()).unwrap();
    let a = AppStoreConnect::new(key, options())
        .unwrap()
        .with_endpoint(&mock.server.base)
        .unwrap();
    a.submit_file(&ctx, &path).await.unwrap();
    let s = mock.state.lock().unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.jwt_claims[0]["sub"], "user");
    assert!(s.jwt_claims[0].get("iss").is_none());
}

#[tokio::test]
async fn preflight_refuses_a_build_number_already_uploaded_before_sending_a_byte() {
    let mut state = AscState::default();
    state.builds.push(Build {
        id: "build-77".into(),
        version: "42".into(),
        pre_release: "1.2.0".into(),
        state: "VALID".into(),
        polls: 0,
        encryption: None,
        groups: vec![],
        localizations: Default::default(),
        review: false,
    });
    let mock = AscMock::start(state).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.2.0", "42", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AscError::DuplicateBuild { .. }), "{msg}");
    assert!(
        msg.contains("version 1.2.0 build 42")
            && msg.contains("build-77")
            && msg.contains("raise the build number"),
        "{msg}"
    );
    assert_eq!(lines(&mock), vec!["GET /v1/apps", "GET /v1/builds"]);
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Input,
        "exit 2"
    );
}

#[tokio::test]
async fn a_failed_part_is_sent_again() {
    let mock = AscMock::start(AscState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/part/file-1/2"),
        reply: Reply::empty(500),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = ipa(&dir, "1.0", "3", 200_000);
    let (ctx, mut rx) = ctx_with_events();
    asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap();
    assert_eq!(
        mock.requests()
            .iter()
            .filter(|r| r.path == "/part/file-1/2")
            .count(),
        2
    );
    let assembled: Vec<u8> = mock.state.lock().unwrap().files["file-1"]
        .parts
        .values()
        .flatten()
        .copied()
        .collect();
    assert_eq!(assembled, bytes);
    let progress = progress_events(&mut rx);
    assert!(
        progress.iter().all(|(d, _)| *d <= bytes.len() as u64),
        "retries are not counted twice: {progress:?}"
    );

    // A part that keeps failing ends the upload, naming the part, after the allowed attempts.
    let mock = AscMock::start(AscState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/part/file-1/1"),
        reply: Reply::empty(503),
        times: 100,
    });
    let err = asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AscError::Part {
                part: 1,
                attempts: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        !err.to_string().contains("PRESIGNED-SECRET"),
        "no pre-signed query in errors: {err}"
    );
    assert_eq!(
        lines(&mock).last().unwrap(),
        "DELETE /v1/buildUploads/bu-1",
        "the upload is freed"
    );
    assert!(mock.state.lock().unwrap().uploads["bu-1"].deleted);
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Failed
    );
}

#[tokio::test]
async fn an_upload_that_fails_processing_reports_apples_errors() {
    let mock = AscMock::start(AscState {
        upload_fails: Some(vec![(
            "90087".into(),
            "Unsupported Architectures. The executable contains x86_64.".into(),
        )]),
        upload_warnings: vec![("90725".into(), "SDK version issue.".into())],
        ..AscState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "4", 1000);
    let (ctx, mut rx) = ctx_with_events();
    let err = asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AscError::Processing { .. }), "{msg}");
    assert!(
        msg.contains("FAILED") && msg.contains("90087: Unsupported Architectures"),
        "{msg}"
    );
    let mut logs = String::new();
    while let Ok(e) = rx.try_recv() {
        logs.push_str(&format!("{e:?}"));
    }
    assert!(
        logs.contains("90725: SDK version issue."),
        "warnings are reported: {logs}"
    );
}

#[tokio::test]
async fn a_build_that_processes_invalid_is_an_error() {
    let mock = AscMock::start(AscState {
        final_build_state: "INVALID".into(),
        ..AscState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "5", 1000);
    let (ctx, _rx) = ctx_with_events();
    let o = AppStoreOptions {
        wait_for_processing: true,
        ..options()
    };
    let err = asc(&mock, o).submit_file(&ctx, &path).await.unwrap_err();
    assert!(
        matches!(err, AscError::Processing { ref state, .. } if state == "INVALID"),
        "{err}"
    );
}

#[tokio::test]
async fn processing_that_outlasts_the_deadline_gives_up() {
    let mock = AscMock::start(AscState {
        polls_needed: 1000,
        ..AscState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "6", 1000);
    let (ctx, _rx) = ctx_with_events();
    let o = AppStoreOptions {
        upload_timeout: Duration::from_millis(50),
        ..options()
    };
    let err = asc(&mock, o).submit_file(&ctx, &path).await.unwrap_err();
    assert!(matches!(err, AscError::WaitTimeout { .. }), "{err}");
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Failed
    );
}

#[tokio::test]
async fn a_401_makes_a_new_token_once_then_fails_clearly() {
    let mock = AscMock::start(AscState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/v1/buildUploads" && r.method == "POST"),
        reply: api_error(401, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid.", "Provide a properly configured and signed bearer token, and make sure that it has not expired."),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "8", 1000);
    let (ctx, _rx) = ctx_with_events();
    asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap();
    assert_eq!(
        lines(&mock)
            .iter()
            .filter(|l| *l == "POST /v1/buildUploads")
            .count(),
        2
    );

    let mock = AscMock::start(AscState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/v1/apps"),
        reply: api_error(
            401,
            "NOT_AUTHORIZED",
            "Authentication credentials are missing or invalid.",
            "expired",
        ),
        times: 100,
    });
    let err = asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap_err();
    assert!(matches!(err, AscError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("NOT_AUTHORIZED"));
    assert_eq!(lines(&mock), vec!["GET /v1/apps", "GET /v1/apps"]);
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Input
    );
}

#[tokio::test]
async fn forbidden_conflict_and_not_found_keep_apples_words() {
    for (status, code) in [
        (403u16, "FORBIDDEN_ERROR"),
        (409, "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE"),
    ] {
        let mock = AscMock::start(AscState::default()).await;
        mock.state.lock().unwrap().faults.push(Fault {
            when: Box::new(|r| r.path == "/v1/buildUploads"),
            reply: api_error(
                status,
                code,
                "Refused",
                "The API key in use does not allow this request",
            ),
            times: 1,
        });
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = ipa(&dir, "1.0", "9", 1000);
        let (ctx, _rx) = ctx_with_events();
        let err = asc(&mock, options())
            .submit_file(&ctx, &path)
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, AscError::Api { status: s, .. } if s == status),
            "{msg}"
        );
        assert!(
            msg.contains(code)
                && msg.contains("does not allow this request")
                && msg.contains("POST"),
            "{msg}"
        );
        assert_eq!(
            nativiweb_store::nativiweb_core::Error::from(err).kind(),
            ErrorKind::Input
        );
    }
    // An app that is not in the account.
    let mock = AscMock::start(AscState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "9", 1000);
    let (ctx, _rx) = ctx_with_events();
    let o = AppStoreOptions {
        bundle_id: Some("com.example.other".into()),
        ..options()
    };
    let err = asc(&mock, o).submit_file(&ctx, &path).await.unwrap_err();
    assert!(matches!(err, AscError::AppNotFound { .. }), "{err}");
}

#[tokio::test]
async fn rate_limits_back_off_and_server_errors_are_bounded() {
    let mock = AscMock::start(AscState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/v1/apps"),
        reply: api_error(
            429,
            "RATE_LIMIT_EXCEEDED",
            "The request rate limit has been reached.",
            "",
        )
        .with_header("x-rate-limit", "user-hour-lim:3500;user-hour-rem:0;")
        .with_header("retry-after", "0"),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "10", 1000);
    let (ctx, _rx) = ctx_with_events();
    asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap();
    assert_eq!(lines(&mock)[..2], ["GET /v1/apps", "GET /v1/apps"]);

    let mock = AscMock::start(AscState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path == "/v1/apps"),
        reply: api_error(500, "UNEXPECTED_ERROR", "An unexpected error occurred.", ""),
        times: 100,
    });
    let err = asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap_err();
    assert!(matches!(err, AscError::Api { status: 500, .. }), "{err}");
    assert_eq!(lines(&mock).len(), 3, "max_attempts = 3");
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Failed,
        "exit 1"
    );
}

#[tokio::test]
async fn unknown_beta_groups_and_long_notes_are_refused_before_the_upload() {
    let mock = AscMock::start(AscState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "11", 1000);
    let (ctx, _rx) = ctx_with_events();
    let o = AppStoreOptions {
        beta_groups: vec!["QA".into(), "Nobody".into()],
        ..options()
    };
    let err = asc(&mock, o).submit_file(&ctx, &path).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("Nobody") && msg.contains("QA, Friends & Family"),
        "{msg}"
    );
    assert!(!lines(&mock).contains(&"POST /v1/buildUploads".to_owned()));

    let o = AppStoreOptions {
        whats_new: Some("x".repeat(4001)),
        ..options()
    };
    assert!(matches!(
        AppStoreConnect::new(team_key(), o),
        Err(AscError::InvalidInput(_))
    ));
    assert!(ApiKey::from_p8("bad id!", None, &support::p8_pem()).is_err());
    assert!(ApiKey::from_p8(
        KEY_ID,
        None,
        &secrecy::SecretString::from(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )
    )
    .is_err());
}

#[tokio::test]
async fn version_and_build_given_override_the_ipa_and_no_secret_leaks() {
    let mock = AscMock::start(AscState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = ipa(&dir, "1.0", "12", 1000);
    let (ctx, mut rx) = ctx_with_events();
    let o = AppStoreOptions {
        bundle_id: Some(BUNDLE_ID.into()),
        version: Some("3.1".into()),
        build_number: Some("99".into()),
        ..options()
    };
    let a = asc(&mock, o);
    let b = a.submit_file(&ctx, &path).await.unwrap();
    assert_eq!((b.version.as_str(), b.build_number.as_str()), ("3.1", "99"));
    let tokens: Vec<String> = mock
        .requests()
        .iter()
        .filter_map(|r| r.bearer().map(str::to_owned))
        .collect();
    assert!(!tokens.is_empty());
    let mut seen = format!("{a:?} {:?}", team_key());
    while let Ok(e) = rx.try_recv() {
        seen.push_str(&format!("{e:?}"));
    }
    let err = AscError::InvalidKey("x".into());
    seen.push_str(&format!("{err} {err:?}"));
    for t in &tokens {
        assert!(!seen.contains(t.as_str()), "token leaked: {seen}");
    }
    use secrecy::ExposeSecret;
    let pem = support::p8_pem();
    let body_line = pem.expose_secret().lines().nth(1).unwrap().to_owned();
    assert!(
        !seen.contains("PRIVATE KEY") && !seen.contains(&body_line),
        "{seen}"
    );
    assert!(seen.contains(KEY_ID), "{seen}");
}

#[tokio::test]
async fn preflight_refuses_an_upload_still_in_flight_but_not_a_failed_one() {
    let mut state = AscState::default();
    for (id, build, st) in [("bu-7", "50", "PROCESSING"), ("bu-8", "51", "FAILED")] {
        state.uploads.insert(
            id.into(),
            support::asc::BuildUpload {
                version: "1.2.0".into(),
                build: build.into(),
                state: st.into(),
                polls: 0,
                build_id: None,
                deleted: false,
            },
        );
    }
    let mock = AscMock::start(state).await;
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _rx) = ctx_with_events();
    let (path, _) = ipa(&dir, "1.2.0", "50", 1000);
    let err = asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AscError::DuplicateBuild { .. }), "{msg}");
    assert!(msg.contains("build upload bu-7, PROCESSING"), "{msg}");
    assert!(!lines(&mock).contains(&"POST /v1/buildUploads".to_owned()));

    // A failed upload does not hold the number.
    let (path, _) = ipa(&dir, "1.2.0", "51", 1000);
    asc(&mock, options())
        .submit_file(&ctx, &path)
        .await
        .unwrap();
}
