//! Memory check: submits a large file to both stores' loopback stand-ins (the same ones the
//! integration tests use) and prints the submitting process's peak resident set size.
//!
//! ```text
//! cargo build --release -p nativiweb-store --example submit_1gb
//! /usr/bin/time -v target/release/examples/submit_1gb 1024 4
//! ```
//!
//! The arguments are the size in MiB (default 1024) and the chunk/part size in MiB (default 4).
//! The file is sparse, so creating it costs no disk. The stand-ins run in a child process (this
//! binary with `serve`), so the figure printed (`VmHWM` of this process) is the submitters'
//! alone; the App Store Connect stand-in spools parts to a temporary file (1 GB of free disk
//! for a 1 GB run).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
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

/// The child: both stand-ins, their base URLs on stdout, until stdin closes.
async fn serve(chunk_mib: u64) -> Result<(), Box<dyn std::error::Error>> {
    let spool = tempfile::tempdir()?;
    let play = support::play::PlayMock::start(support::play::PlayState::default()).await;
    play.server.stop_logging();
    let asc = support::asc::AscMock::start(support::asc::AscState {
        part_size: chunk_mib * 1024 * 1024,
        spool_dir: Some(spool.path().to_owned()),
        ..Default::default()
    })
    .await;
    asc.server.stop_logging();
    // The stand-ins verify JWTs with keys made in this process: hand the keys to the parent
    // through the pipe (never argv).
    let hello = serde_json::json!({
        "play": play.server.base,
        "asc": asc.server.base,
        "service_account": support::service_account_json(),
        "p8": secrecy::ExposeSecret::expose_secret(&support::p8_pem()),
    });
    println!("{hello}");
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    let errors: Vec<String> = play
        .state
        .lock()
        .map(|s| s.errors.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(
            asc.state
                .lock()
                .map(|s| s.errors.clone())
                .unwrap_or_default(),
        )
        .collect();
    if !errors.is_empty() {
        eprintln!("stand-in errors: {errors:?}");
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        let chunk_mib = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(4);
        return serve(chunk_mib).await;
    }
    let mib: u64 = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(1024);
    // Chunk (Play) and part (App Store Connect stand-in) size in MiB.
    let chunk_mib: u64 = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(4);
    let size = mib * 1024 * 1024;

    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", &chunk_mib.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let hello: serde_json::Value = serde_json::from_str(&lines.next().ok_or("no stand-ins")??)?;
    let field = |k: &str| hello[k].as_str().map(str::to_owned).ok_or("bad hello");
    let (play_base, asc_base) = (field("play")?, field("asc")?);
    let service_account = field("service_account")?;
    let p8 = secrecy::SecretString::from(field("p8")?);

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

    let mut options = PlayOptions::new("internal");
    options.upload.chunk_size = chunk_mib * 1024 * 1024;
    let key = ServiceAccountKey::from_json(&service_account)?;
    let play = GooglePlay::new(key, support::play::PACKAGE, options)?.with_endpoint(&play_base)?;
    let started = Instant::now();
    let release = play.submit_file(&ctx, &path, ArtifactKind::Aab).await?;
    println!(
        "google-play: {mib} MiB uploaded (resumable, {chunk_mib} MiB chunks) as version code {} in {:.1}s; peak RSS so far {} KiB",
        release.version_code,
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );

    let ipa = dir.path().join("Big.ipa");
    std::fs::rename(&path, &ipa)?;
    let key = ApiKey::from_p8(support::asc::KEY_ID, Some(support::asc::ISSUER.into()), &p8)?;
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
    .with_endpoint(&asc_base)?;
    let started = Instant::now();
    let build = asc.submit_file(&ctx, &ipa).await?;
    println!(
        "app-store-connect: {mib} MiB uploaded ({chunk_mib} MiB parts, 4 at a time) as {} ({}) in {:.1}s",
        build.build_id.as_deref().unwrap_or("?"),
        build.state,
        started.elapsed().as_secs_f64()
    );
    drop(ctx);
    drop(play);
    drop(asc);
    let last = drain.await?;
    drop(child.stdin.take());
    child.wait()?;
    println!(
        "last progress event: {last} bytes; submitting process peak RSS {} KiB",
        peak_rss_kib()
    );
    Ok(())
}
