//! Google Play against a loopback stand-in that follows the Android Publisher v3 shapes.

mod support;

use std::time::Duration;

use nativiweb_store::nativiweb_core::{
    ArtifactKind, ErrorKind, Platform, StoreSubmitter, StoredArtifact,
};
use nativiweb_store::play::{
    GooglePlay, PlayError, PlayOptions, ReleaseNote, ReleaseStatus, ServiceAccountKey,
};
use nativiweb_store::RetryPolicy;
use serde_json::json;
use support::play::{google_error, Fault, PlayMock, PlayState, PACKAGE};
use support::{ctx_with_events, pattern, progress_events, sha256_hex};

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}

fn options(track: &str) -> PlayOptions {
    let mut o = PlayOptions::new(track);
    o.retry = fast_retry();
    o.upload.resumable_threshold = 512 * 1024;
    o.upload.chunk_size = 256 * 1024;
    o
}

fn play(mock: &PlayMock, package: &str, options: PlayOptions) -> GooglePlay {
    let key = ServiceAccountKey::from_json(&support::service_account_json()).unwrap();
    GooglePlay::new(key, package, options)
        .unwrap()
        .with_endpoint(&mock.server.base)
        .unwrap()
}

fn write_file(dir: &tempfile::TempDir, name: &str, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let bytes = pattern(len);
    let path = dir.path().join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

fn lines(mock: &PlayMock) -> Vec<String> {
    mock.requests()
        .iter()
        .map(|r| {
            let mut l = r.line();
            if !r.query.is_empty() {
                l = format!("{l}?{}", r.query);
            }
            l
        })
        .collect()
}

const API: &str = "/androidpublisher/v3/applications/com.example.hello";
const UPLOAD: &str = "/upload/androidpublisher/v3/applications/com.example.hello";

#[tokio::test]
async fn small_bundle_goes_in_one_media_upload_and_is_released() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = write_file(&dir, "app-release.aab", 100_000);
    let (ctx, mut rx) = ctx_with_events();
    let submitter = play(&mock, PACKAGE, options("internal"));
    let artifact = StoredArtifact {
        name: "app-release.aab".into(),
        location: path.display().to_string(),
        kind: ArtifactKind::Aab,
        platform: Platform::Android,
        size: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    };
    assert!(submitter.accepts(ArtifactKind::Aab) && submitter.accepts(ArtifactKind::Apk));
    assert!(!submitter.accepts(ArtifactKind::Ipa));
    let submission = submitter.submit(&ctx, &artifact).await.unwrap();
    assert_eq!(submission.store, "google-play");
    assert_eq!(submission.track.as_deref(), Some("internal"));
    assert_eq!(submission.id.as_deref(), Some("42"));
    assert_eq!(submission.status, "completed");

    assert_eq!(
        lines(&mock),
        vec![
            "POST /token".to_owned(),
            format!("POST {API}/edits"),
            format!("POST {UPLOAD}/edits/edit-1/bundles?uploadType=media"),
            format!("PUT {API}/edits/edit-1/tracks/internal"),
            format!("POST {API}/edits/edit-1:commit"),
        ]
    );
    let reqs = mock.requests();
    // The token endpoint got a form with a verified assertion (checked by the mock too).
    let form = String::from_utf8(reqs[0].body.clone()).unwrap();
    assert!(
        form.starts_with(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        ),
        "{form}"
    );
    let s = mock.state.lock().unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let claims = &s.assertions[0];
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    // Every API call carried the bearer the token endpoint issued.
    for r in &reqs[1..] {
        assert_eq!(
            r.bearer(),
            Some(s.tokens_issued[0].as_str()),
            "{}",
            r.line()
        );
    }
    assert_eq!(reqs[2].body, bytes);
    assert_eq!(s.uploads_sha256, vec![sha256_hex(&bytes)]);
    assert_eq!(
        reqs[3].json(),
        json!({"track": "internal", "releases": [{"versionCodes": ["42"], "status": "completed"}]})
    );
    assert_eq!(
        s.tracks["internal"]["releases"][0]["versionCodes"],
        json!(["42"])
    );
    assert!(s.edits["edit-1"].committed && !s.edits["edit-1"].deleted);
    drop(s);
    let progress = progress_events(&mut rx);
    assert_eq!(
        progress.last(),
        Some(&(100_000, Some(100_000))),
        "{progress:?}"
    );
}

#[tokio::test]
async fn staged_rollout_with_notes_name_validate_and_not_sent_for_review() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.apk", 5000);
    let notes = dir.path().join("en.txt");
    std::fs::write(&notes, "Faster start.\n").unwrap();
    let mut o = options("production");
    o.user_fraction = Some(0.1);
    o.release_name = Some("1.2.0 (42)".into());
    o.release_notes = vec![
        ReleaseNote::from_arg(&format!("en-US={}", notes.display())).unwrap(),
        ReleaseNote {
            language: "fr-FR".into(),
            text: "Démarrage plus rapide.".into(),
        },
    ];
    o.validate = true;
    o.changes_not_sent_for_review = true;
    let (ctx, _rx) = ctx_with_events();
    let release = play(&mock, PACKAGE, o)
        .submit_file(&ctx, &path, ArtifactKind::Apk)
        .await
        .unwrap();
    assert_eq!(release.status, ReleaseStatus::InProgress);
    assert_eq!(release.version_code, 42);
    let l = lines(&mock);
    assert_eq!(
        l[2],
        format!("POST {UPLOAD}/edits/edit-1/apks?uploadType=media")
    );
    assert_eq!(l[4], format!("POST {API}/edits/edit-1:validate"));
    assert_eq!(
        l[5],
        format!("POST {API}/edits/edit-1:commit?changesNotSentForReview=true")
    );
    let track = mock.requests()[3].json();
    assert_eq!(
        track,
        json!({"track": "production", "releases": [{
            "versionCodes": ["42"], "status": "inProgress", "userFraction": 0.1, "name": "1.2.0 (42)",
            "releaseNotes": [{"language": "en-US", "text": "Faster start."}, {"language": "fr-FR", "text": "Démarrage plus rapide."}]
        }]})
    );
    let s = mock.state.lock().unwrap();
    assert!(s.edits["edit-1"].validated);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
}

#[tokio::test]
async fn draft_release() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let mut o = options("beta");
    o.status = Some(ReleaseStatus::Draft);
    let (ctx, _rx) = ctx_with_events();
    let r = play(&mock, PACKAGE, o)
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    assert_eq!(r.status, ReleaseStatus::Draft);
    assert_eq!(mock.requests()[3].json()["releases"][0]["status"], "draft");
    assert!(mock.requests()[3].json()["releases"][0]
        .get("userFraction")
        .is_none());
}

#[tokio::test]
async fn resumable_upload_resumes_from_the_servers_range_after_a_dropped_connection() {
    let total = 5 * 256 * 1024 + 12_345;
    let mock = PlayMock::start(PlayState {
        // The second chunk's connection drops after 100 000 of its bytes reached the server.
        cut_chunk: Some((2, 100_000)),
        ..PlayState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = write_file(&dir, "big.aab", total);
    let (ctx, mut rx) = ctx_with_events();
    let r = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    assert_eq!(r.version_code, 42);
    let reqs = mock.requests();
    let start = reqs
        .iter()
        .find(|r| r.query == "uploadType=resumable")
        .unwrap();
    assert_eq!(start.method, "POST");
    assert_eq!(start.path, format!("{UPLOAD}/edits/edit-1/bundles"));
    assert_eq!(
        start.header("x-upload-content-length"),
        Some(total.to_string().as_str())
    );
    assert_eq!(
        start.header("x-upload-content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(start.header("content-length"), Some("0"));
    // The session URI pointed at www.googleapis.com; the override moved it to the mock.
    let puts: Vec<String> = reqs
        .iter()
        .filter(|r| r.method == "PUT" && r.query.contains("upload_id=session-1"))
        .map(|r| r.header("content-range").unwrap().to_owned())
        .collect();
    let q = 256 * 1024;
    let t = total;
    assert_eq!(
        puts,
        vec![
            format!("bytes 0-{}/{t}", q - 1),
            format!("bytes {q}-{}/{t}", 2 * q - 1),
            format!("bytes */{t}"),
            format!("bytes {}-{}/{t}", q + 100_000, q + 100_000 + q - 1),
            format!("bytes {}-{}/{t}", 2 * q + 100_000, 3 * q + 100_000 - 1),
            format!("bytes {}-{}/{t}", 3 * q + 100_000, 4 * q + 100_000 - 1),
            format!("bytes {}-{}/{t}", 4 * q + 100_000, t - 1),
        ]
    );
    let s = mock.state.lock().unwrap();
    assert_eq!(
        s.uploads_sha256,
        vec![sha256_hex(&bytes)],
        "the server assembled the exact file"
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    drop(s);
    let progress = progress_events(&mut rx);
    assert_eq!(progress.last().unwrap().0, total as u64);
    assert!(progress
        .iter()
        .all(|(d, t)| *d <= total as u64 && *t == Some(total as u64)));
}

#[tokio::test]
async fn a_token_revoked_mid_flow_is_refreshed_once_and_the_call_retried() {
    let mock = PlayMock::start(PlayState {
        revoke_at_request: Some(3), // the track update
        ..PlayState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    let l = lines(&mock);
    assert_eq!(l[3], format!("PUT {API}/edits/edit-1/tracks/internal"));
    assert_eq!(l[4], "POST /token");
    assert_eq!(l[5], format!("PUT {API}/edits/edit-1/tracks/internal"));
    let reqs = mock.requests();
    let s = mock.state.lock().unwrap();
    assert_eq!(s.tokens_issued.len(), 2);
    assert_eq!(reqs[5].bearer(), Some(s.tokens_issued[1].as_str()));
    assert_eq!(reqs[6].bearer(), Some(s.tokens_issued[1].as_str()));
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_before_use() {
    // Tokens that live 30 s are inside the 60 s renewal margin: each call gets a fresh one.
    let mock = PlayMock::start(PlayState {
        token_lifetime: 30,
        ..PlayState::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    let s = mock.state.lock().unwrap();
    assert_eq!(s.tokens_issued.len(), 4, "one per API call");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
}

#[tokio::test]
async fn a_401_that_persists_after_refresh_fails_without_looping() {
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path.ends_with("/edits") && r.method == "POST"),
        reply: google_error(
            401,
            "UNAUTHENTICATED",
            "The current user has insufficient permissions to perform the requested operation.",
            None,
        ),
        times: 10,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::PermissionDenied { .. }), "{err}");
    assert_eq!(
        mock.requests()
            .iter()
            .filter(|r| r.path.ends_with("/edits"))
            .count(),
        2
    );
}

#[tokio::test]
async fn a_used_version_code_says_which_and_the_highest_and_deletes_the_edit() {
    let mut state = PlayState::default();
    state.used_codes.extend([41, 42]);
    state.tracks.insert("production".into(), json!({"track": "production", "releases": [{"versionCodes": ["42"], "status": "completed"}]}));
    state.tracks.insert(
        "beta".into(),
        json!({"track": "beta", "releases": [{"versionCodes": ["41"], "status": "completed"}]}),
    );
    let mock = PlayMock::start(state).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path.ends_with("/bundles")),
        reply: google_error(
            403,
            "PERMISSION_DENIED",
            "Version code 42 has already been used.",
            None,
        ),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = play(&mock, PACKAGE, options("beta"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    match &err {
        PlayError::VersionCodeUsed {
            version_code,
            highest,
            ..
        } => {
            assert_eq!(*version_code, Some(42));
            assert_eq!(highest.as_ref(), Some(&("production".to_owned(), 42)));
        }
        other => panic!("{other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("version code 42 has already been used"),
        "{msg}"
    );
    assert!(
        msg.contains("the highest in use is 42, on track `production`"),
        "{msg}"
    );
    assert!(msg.contains("raise the build number above 42"), "{msg}");
    let l = lines(&mock);
    assert_eq!(l[3], format!("GET {API}/edits/edit-1/tracks"));
    assert_eq!(l.last().unwrap(), &format!("DELETE {API}/edits/edit-1"));
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
    let core: nativiweb_store::nativiweb_core::Error = err.into();
    assert_eq!(core.kind(), ErrorKind::Input, "exit 2");
}

#[tokio::test]
async fn an_unknown_package_says_the_first_upload_is_manual() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = play(&mock, "com.example.missing", options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::PackageNotFound { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("com.example.missing") && msg.contains("must be made by hand in Play Console"),
        "{msg}"
    );
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Input
    );
}

#[tokio::test]
async fn permission_denied_names_the_account_and_permission_and_cleans_up() {
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.method == "PUT" && r.path.ends_with("/tracks/production")),
        reply: google_error(
            403,
            "PERMISSION_DENIED",
            "The caller does not have permission",
            Some("forbidden"),
        ),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = play(&mock, PACKAGE, options("production"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PlayError::PermissionDenied { .. }), "{msg}");
    assert!(msg.contains(support::CLIENT_EMAIL), "{msg}");
    assert!(msg.contains("Release to production"), "{msg}");
    assert!(msg.contains("The caller does not have permission"), "{msg}");
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
}

#[tokio::test]
async fn an_expired_edit_is_a_store_failure_and_is_deleted() {
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path.ends_with(":commit")),
        reply: google_error(
            400,
            "FAILED_PRECONDITION",
            "This Edit has expired.",
            Some("editExpired"),
        ),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PlayError::EditExpired { ref edit_id, .. } if edit_id == "edit-1"),
        "{err}"
    );
    assert_eq!(
        lines(&mock).last().unwrap(),
        &format!("DELETE {API}/edits/edit-1")
    );
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Failed,
        "exit 1"
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_a_bounded_number_of_times() {
    let mock = PlayMock::start(PlayState::default()).await;
    {
        let mut s = mock.state.lock().unwrap();
        s.faults.push(Fault {
            when: Box::new(|r| r.method == "POST" && r.path.ends_with("/edits")),
            reply: google_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded",
                Some("rateLimitExceeded"),
            )
            .with_header("retry-after", "0"),
            times: 1,
        });
        s.faults.push(Fault {
            when: Box::new(|r| r.method == "PUT" && r.path.contains("/tracks/")),
            reply: google_error(500, "INTERNAL", "Internal error encountered.", None),
            times: 2,
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    let l = lines(&mock);
    assert_eq!(l.iter().filter(|l| l.ends_with("/edits")).count(), 2);
    assert_eq!(
        l.iter().filter(|l| l.contains("/tracks/internal")).count(),
        3
    );

    // A server that keeps failing: three attempts, then the error, and the edit is deleted.
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.method == "PUT" && r.path.contains("/tracks/")),
        reply: google_error(
            503,
            "UNAVAILABLE",
            "The service is currently unavailable.",
            None,
        ),
        times: 100,
    });
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::Api { status: 503, .. }), "{err}");
    assert!(err
        .to_string()
        .contains("The service is currently unavailable."));
    assert_eq!(
        lines(&mock)
            .iter()
            .filter(|l| l.contains("/tracks/internal"))
            .count(),
        3
    );
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Failed
    );
}

#[tokio::test]
async fn a_bad_release_is_refused_by_play_and_the_edit_deleted() {
    // The mock refuses a version code it never saw, as Play does.
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.method == "PUT" && r.path.contains("/tracks/")),
        reply: google_error(
            400,
            "INVALID_ARGUMENT",
            "Release notes language 'xx' is not supported.",
            Some("badRequest"),
        ),
        times: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 400 INVALID_ARGUMENT (badRequest)")
            && msg.contains("'xx' is not supported"),
        "{msg}"
    );
    assert!(
        msg.contains("/edits/edit-1/tracks/internal"),
        "names the endpoint: {msg}"
    );
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Input
    );
}

#[tokio::test]
async fn mapping_highest_code_and_promotion() {
    let mut state = PlayState::default();
    state.used_codes.extend([40, 41]);
    state.tracks.insert("beta".into(), json!({"track": "beta", "releases": [
        {"versionCodes": ["40"], "status": "completed"},
        {"versionCodes": ["41"], "status": "completed", "name": "1.1 (41)", "releaseNotes": [{"language": "en-US", "text": "Fixes."}]}
    ]}));
    let mock = PlayMock::start(state).await;
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _rx) = ctx_with_events();

    let p = play(&mock, PACKAGE, options("production"));
    assert_eq!(
        p.highest_version_code(&ctx, "beta").await.unwrap(),
        Some(41)
    );
    assert_eq!(p.highest_version_code(&ctx, "alpha").await.unwrap(), None);
    assert!(mock
        .state
        .lock()
        .unwrap()
        .edits
        .values()
        .all(|e| e.deleted && !e.committed));

    let mut o = options("production");
    o.user_fraction = Some(0.2);
    let promoted = play(&mock, PACKAGE, o).promote(&ctx, "beta").await.unwrap();
    assert_eq!(promoted.version_code, 41);
    assert_eq!(
        mock.state.lock().unwrap().tracks["production"]["releases"],
        json!([{"versionCodes": ["41"], "status": "inProgress", "userFraction": 0.2, "name": "1.1 (41)",
                "releaseNotes": [{"language": "en-US", "text": "Fixes."}]}])
    );

    // A submission with its mapping.txt uploads it for the new code, in the same edit.
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (mapping, mbytes) = write_file(&dir, "mapping.txt", 3000);
    let mut o = options("internal");
    o.mapping_file = Some(mapping.clone());
    let r = play(&mock, PACKAGE, o)
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    assert_eq!(r.version_code, 42);
    let reqs = mock.requests();
    let m = reqs
        .iter()
        .find(|r| r.path.contains("deobfuscationFiles"))
        .unwrap();
    assert_eq!(
        m.path,
        format!(
            "{UPLOAD}/edits/{}/apks/42/deobfuscationFiles/proguard",
            r.edit_id
        )
    );
    assert_eq!(m.query, "uploadType=media");
    assert_eq!(m.body, mbytes);

    // And a mapping for an existing code, in an edit of its own.
    play(&mock, PACKAGE, options("internal"))
        .upload_mapping(&ctx, 41, &mapping)
        .await
        .unwrap();
    let s = mock.state.lock().unwrap();
    assert!(s
        .edits
        .values()
        .any(|e| e.committed && e.mappings == vec![(41, 3000)]));
    assert!(
        s.errors.iter().all(|e| e.contains("/tracks/alpha")),
        "{:?}",
        s.errors
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let mock = PlayMock::start(PlayState::default()).await;
    let (ctx, _rx) = ctx_with_events();
    let key = ServiceAccountKey::from_json(&support::service_account_json()).unwrap();
    let mut o = options("beta");
    o.user_fraction = Some(1.5);
    assert!(matches!(
        GooglePlay::new(key.clone(), PACKAGE, o),
        Err(PlayError::InvalidInput(_))
    ));
    assert!(GooglePlay::new(key, "not a package", options("beta")).is_err());
    let p = play(&mock, PACKAGE, options("beta"));
    let err = p
        .submit_file(&ctx, "/nonexistent/app.aab".as_ref(), ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(matches!(err, PlayError::InvalidInput(_)), "{err}");
    let err = p
        .submit_file(&ctx, "/nonexistent/app.ipa".as_ref(), ArtifactKind::Ipa)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("aab or apk"), "{err}");
    assert!(mock.requests().is_empty());
    assert!(ServiceAccountKey::from_json("{\"type\": \"authorized_user\"}").is_err());
    assert!(ServiceAccountKey::from_json("not json").is_err());
}

#[tokio::test]
async fn cancellation_and_deadlines_stop_the_upload_and_map_to_core_kinds() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    ctx.cancel.cancel();
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Cancelled
    );

    let (mut ctx, _rx) = ctx_with_events();
    ctx.deadline = Some(std::time::Instant::now());
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Timeout
    );
}

#[tokio::test]
async fn no_key_assertion_or_token_in_debug_errors_or_events() {
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.path.ends_with(":commit")),
        reply: google_error(500, "INTERNAL", "boom", None),
        times: 100,
    });
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, mut rx) = ctx_with_events();
    let key = ServiceAccountKey::from_json(&support::service_account_json()).unwrap();
    let p = play(&mock, PACKAGE, options("internal"));
    let err = p
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    let core = nativiweb_store::nativiweb_core::Error::from(err);
    let mut seen = format!("{key:?} {p:?} {core} {core:?}");
    while let Ok(e) = rx.try_recv() {
        seen.push_str(&format!("{e:?}"));
    }
    let s = mock.state.lock().unwrap();
    let pem = support::rsa_pem();
    let key_body: String = pem.lines().nth(1).unwrap().to_owned();
    assert!(
        !seen.contains("PRIVATE KEY") && !seen.contains(&key_body),
        "{seen}"
    );
    for t in &s.tokens_issued {
        assert!(!seen.contains(t.as_str()), "token leaked: {seen}");
    }
    let form = String::from_utf8(mock.requests()[0].body.clone()).unwrap();
    let assertion = form.split("assertion=").nth(1).unwrap();
    assert!(!seen.contains(&assertion[..40]), "assertion leaked");
    assert!(
        seen.contains(support::CLIENT_EMAIL),
        "Debug still says who: {seen}"
    );
}

#[tokio::test]
async fn a_build_cancelled_mid_upload_still_deletes_its_edit() {
    let mock = PlayMock::start(PlayState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "app.aab", 1000);
    let (ctx, _rx) = ctx_with_events();
    // The build is cancelled while the upload is in flight (the stand-in fires the token when
    // the upload arrives, then answers normally).
    let cancel = ctx.cancel.clone();
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(move |r| {
            if r.path.ends_with("/bundles") {
                cancel.cancel();
            }
            false
        }),
        reply: google_error(500, "INTERNAL", "unused", None),
        times: 1,
    });
    let p = play(&mock, PACKAGE, options("internal"));
    let started = std::time::Instant::now();
    let err = p
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    let core = err.into_core(started.elapsed());
    assert_eq!(core.kind(), ErrorKind::Cancelled);
    assert_eq!(
        lines(&mock).last().unwrap(),
        &format!("DELETE {API}/edits/edit-1")
    );
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
}

#[tokio::test]
async fn a_chunk_answered_503_resumes_and_endless_drops_give_up() {
    let total = 3 * 256 * 1024 + 5;
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = write_file(&dir, "big.aab", total);
    let (ctx, _rx) = ctx_with_events();

    // A 503 on the second chunk: ask the server what it has, go on from there.
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| {
            r.method == "PUT"
                && r.header("content-range")
                    .is_some_and(|c| c.starts_with("bytes 262144-"))
        }),
        reply: google_error(503, "UNAVAILABLE", "Backend Error", None),
        times: 1,
    });
    play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();
    let ranges: Vec<String> = mock
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.query.contains("upload_id="))
        .map(|r| r.header("content-range").unwrap().to_owned())
        .collect();
    let q = 256 * 1024;
    assert_eq!(
        ranges,
        vec![
            format!("bytes 0-{}/{total}", q - 1),
            format!("bytes {q}-{}/{total}", 2 * q - 1),
            format!("bytes */{total}"),
            format!("bytes {q}-{}/{total}", 2 * q - 1),
            format!("bytes {}-{}/{total}", 2 * q, 3 * q - 1),
            format!("bytes {}-{}/{total}", 3 * q, total - 1),
        ]
    );
    assert_eq!(
        mock.state.lock().unwrap().uploads_sha256,
        vec![sha256_hex(&bytes)]
    );

    // A connection that always drops: a bounded number of tries, then an error, and the edit
    // is deleted.
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| {
            r.method == "PUT" && r.header("content-range").is_some_and(|c| !c.contains('*'))
        }),
        reply: support::server::Reply::Hangup,
        times: 1000,
    });
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("stalled at byte 0"), "{err}");
    let chunk_puts = mock
        .requests()
        .iter()
        .filter(|r| {
            r.method == "PUT" && r.header("content-range").is_some_and(|c| !c.contains('*'))
        })
        .count();
    assert_eq!(chunk_puts, 6, "max_stalls (5) + 1 attempts");
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
    assert_eq!(
        nativiweb_store::nativiweb_core::Error::from(err).kind(),
        ErrorKind::Failed
    );
}

#[tokio::test]
async fn an_expired_upload_session_says_so() {
    let total = 2 * 256 * 1024 + 5;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_file(&dir, "big.aab", total);
    let (ctx, _rx) = ctx_with_events();
    let mock = PlayMock::start(PlayState::default()).await;
    mock.state.lock().unwrap().faults.push(Fault {
        when: Box::new(|r| r.method == "PUT" && r.query.contains("upload_id=")),
        reply: google_error(404, "NOT_FOUND", "Upload session not found", None),
        times: 1,
    });
    let err = play(&mock, PACKAGE, options("internal"))
        .submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("upload session expired"), "{err}");
    assert!(mock.state.lock().unwrap().edits["edit-1"].deleted);
}
