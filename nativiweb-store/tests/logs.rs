//! Everything the submitters log at TRACE level, through flows that refresh tokens and retry,
//! holds no key, JWT or bearer token.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nativiweb_store::appstore::{ApiKey, AppStoreConnect, AppStoreOptions};
use nativiweb_store::nativiweb_core::ArtifactKind;
use nativiweb_store::play::{GooglePlay, PlayOptions, ServiceAccountKey};
use nativiweb_store::RetryPolicy;
use secrecy::ExposeSecret;
use support::server::Reply;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

#[tokio::test]
async fn trace_logs_hold_no_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Google Play: a revoked token (401, refresh), a 500 retried, a failed commit.
    let play_mock = support::play::PlayMock::start(support::play::PlayState {
        revoke_at_request: Some(2),
        ..Default::default()
    })
    .await;
    play_mock
        .state
        .lock()
        .unwrap()
        .faults
        .push(support::play::Fault {
            when: Box::new(|r| r.path.contains("/tracks/")),
            reply: support::play::google_error(500, "INTERNAL", "boom", None),
            times: 1,
        });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.aab");
    std::fs::write(&path, support::pattern(2000)).unwrap();
    let (ctx, _rx) = support::ctx_with_events();
    let mut o = PlayOptions::new("internal");
    o.retry = fast();
    let key = ServiceAccountKey::from_json(&support::service_account_json()).unwrap();
    let play = GooglePlay::new(key, support::play::PACKAGE, o)
        .unwrap()
        .with_endpoint(&play_mock.server.base)
        .unwrap();
    play.submit_file(&ctx, &path, ArtifactKind::Aab)
        .await
        .unwrap();

    // App Store Connect: a 401 (new token) and a failed part.
    let asc_mock = support::asc::AscMock::start(Default::default()).await;
    asc_mock
        .state
        .lock()
        .unwrap()
        .faults
        .push(support::asc::Fault {
            when: Box::new(|r| r.path == "/v1/apps"),
            reply: support::asc::api_error(401, "NOT_AUTHORIZED", "expired", "expired"),
            times: 1,
        });
    asc_mock
        .state
        .lock()
        .unwrap()
        .faults
        .push(support::asc::Fault {
            when: Box::new(|r| r.path == "/part/file-1/1"),
            reply: Reply::empty(500),
            times: 1,
        });
    let key = ApiKey::from_p8(
        support::asc::KEY_ID,
        Some(support::asc::ISSUER.into()),
        &support::p8_pem(),
    )
    .unwrap();
    let asc = AppStoreConnect::new(
        key,
        AppStoreOptions {
            bundle_id: Some(support::asc::BUNDLE_ID.into()),
            version: Some("1.0".into()),
            build_number: Some("1".into()),
            poll_interval: Duration::from_millis(2),
            retry: fast(),
            ..Default::default()
        },
    )
    .unwrap()
    .with_endpoint(&asc_mock.server.base)
    .unwrap();
    let ipa = dir.path().join("app.ipa");
    std::fs::copy(&path, &ipa).unwrap();
    asc.submit_file(&ctx, &ipa).await.unwrap();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("refreshing the access token"),
        "the capture works: {logs}"
    );
    assert!(logs.contains("making a new token"), "{logs}");
    assert!(logs.contains("part failed; retrying"), "{logs}");
    let mut secrets: Vec<String> = play_mock.state.lock().unwrap().tokens_issued.clone();
    for r in play_mock
        .requests()
        .iter()
        .chain(asc_mock.requests().iter())
    {
        if let Some(b) = r.bearer() {
            secrets.push(b.to_owned());
        }
        if r.path == "/token" {
            let form = String::from_utf8_lossy(&r.body).into_owned();
            secrets.push(form.split("assertion=").nth(1).unwrap().to_owned());
        }
    }
    secrets.push(support::rsa_pem().lines().nth(1).unwrap().to_owned());
    secrets.push(
        support::p8_pem()
            .expose_secret()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned(),
    );
    secrets.push(support::asc::PART_SIGNATURE.to_owned());
    assert!(secrets.len() > 10);
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "a secret is in the logs");
    }
    assert!(!logs.contains("PRIVATE KEY"));
}
