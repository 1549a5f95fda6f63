//! Memory check: submits a large file to both stores' loopback stand-ins (the same ones the
//! integration tests use, in this process) and prints the peak resident set size.
//!
//! ```text
//! cargo build --release -p nativiweb-store --example submit_1gb
//! /usr/bin/time -v target/release/examples/submit_1gb 1024
//! ```
//!
//! The argument is the size in MiB (default 1024). The file is sparse, so creating it costs no
//! disk. The figure includes the stand-in servers, which hold up to one 4 MiB chunk or part per
//! connection while they hash it (the App Store Connect one spools parts to a temporary file,
//! which needs 1 GB of free disk); the submitters themselves stream 64 KiB at a time.

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::time::{Duration, Instant};

use nativiweb_store::appstore::{ApiKey, AppStoreConnect, AppStoreOptions};
use nativiweb_store::nativiweb_core::ArtifactKind;
use nativiweb_store::play::{GooglePlay, PlayOptions, ServiceAccountKey};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1024);
    let size = mib * 1024 * 1024;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.aab");
    std::fs::File::create(&path)?.set_len(size)?;
    let (ctx, mut events) = support::ctx_with_events();
    // Drain events as they come, as a CLI progress bar would.
    let drain = tokio::spawn(async move {
        let mut last = 0;
        while let Some(e) = events.recv().await {
            if let nativiweb_store::nativiweb_core::Event::Progress { done, .. } = e {
                last = done;
            }
        }
        last
    });

    let play_mock = support::play::PlayMock::start(support::play::PlayState::default()).await;
    let mut options = PlayOptions::new("internal");
    options.upload.chunk_size = 4 * 1024 * 1024;
    let key = ServiceAccountKey::from_json(&support::service_account_json())?;
    let play = GooglePlay::new(key, support::play::PACKAGE, options)?
        .with_endpoint(&play_mock.server.base)?;
    let started = Instant::now();
    let release = play.submit_file(&ctx, &path, ArtifactKind::Aab).await?;
    println!(
        "google-play: {mib} MiB uploaded (resumable, 4 MiB chunks) as version code {} in {:.1}s; peak RSS so far {} KiB",
        release.version_code,
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );

    let spool = tempfile::tempdir()?;
    let asc_mock = support::asc::AscMock::start(support::asc::AscState {
        part_size: 4 * 1024 * 1024,
        spool_dir: Some(spool.path().to_owned()),
        ..Default::default()
    })
    .await;
    let ipa = dir.path().join("Big.ipa");
    std::fs::rename(&path, &ipa)?;
    let key = ApiKey::from_p8(
        support::asc::KEY_ID,
        Some(support::asc::ISSUER.into()),
        &support::p8_pem(),
    )?;
    let asc = AppStoreConnect::new(
        key,
        AppStoreOptions {
            bundle_id: Some(support::asc::BUNDLE_ID.into()),
            version: Some("1.0".into()),
            build_number: Some("1".into()),
            poll_interval: Duration::from_millis(10),
            ..Default::default()
        },
    )?
    .with_endpoint(&asc_mock.server.base)?;
    let started = Instant::now();
    let build = asc.submit_file(&ctx, &ipa).await?;
    println!(
        "app-store-connect: {mib} MiB uploaded (4 MiB parts, 4 at a time) as {} ({}) in {:.1}s",
        build.build_id.as_deref().unwrap_or("?"),
        build.state,
        started.elapsed().as_secs_f64()
    );
    drop(ctx);
    drop(play);
    drop(asc);
    let last = drain.await?;
    println!(
        "last progress event: {last} bytes; peak RSS {} KiB",
        peak_rss_kib()
    );
    Ok(())
}
