//! The store side of `submit` and `build --submit` (cargo feature `store`): the command-line
//! options turned into nativiweb-store's clients, the upload with live progress, and the
//! result printed for people or as one JSON document.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nativiweb::android::package::read_app_file;
use nativiweb::async_trait;
use nativiweb::core::events::{event_channel, Event, Stream};
use nativiweb::core::model::{human_duration, ArtifactKind, Platform, Step};
use nativiweb::core::{
    BuildContext, Error as CoreError, StoreSubmitter, StoredArtifact, Submission,
};
use nativiweb::store::appstore::{ApiKey, AppStoreConnect, AppStoreOptions};
use nativiweb::store::play::{
    GooglePlay, PlayError, PlayOptions, ReleaseNote, ReleaseStatus, ServiceAccountKey,
};
use nativiweb::CancellationToken;
use serde_json::json;

use super::{AppStoreArgs, PlayArgs, PlayReleaseArgs, SubmitCommand, TestflightArgs};
use crate::output::{print_json, CliError};

/// A store error as the CLI reports it: exit 2 when the input must change, else 1.
fn store_error(e: CoreError) -> CliError {
    let input = e.is_input();
    CliError::from_kind(e, input)
}

fn play_input(e: PlayError) -> CliError {
    store_error(e.into_core(Duration::ZERO))
}

/// Reads the service account key and the release options.
pub fn play_options(
    track: &str,
    release: &PlayReleaseArgs,
) -> Result<(ServiceAccountKey, PlayOptions), CliError> {
    let path = release.service_account.as_deref().ok_or_else(|| {
        CliError::input(
            "Google Play needs a service account key: pass --service-account key.json (Play Console → Setup → API access)",
        )
    })?;
    let key = ServiceAccountKey::from_file(path).map_err(play_input)?;
    let mut options = PlayOptions::new(track);
    options.status = release
        .status
        .as_deref()
        .map(str::parse::<ReleaseStatus>)
        .transpose()
        .map_err(play_input)?;
    options.user_fraction = release.rollout;
    for arg in &release.release_notes {
        options
            .release_notes
            .push(ReleaseNote::from_arg(arg).map_err(play_input)?);
    }
    options.release_name = release.release_name.clone();
    options.changes_not_sent_for_review = release.changes_not_sent_for_review;
    options.validate = release.validate;
    options.mapping_file = release.mapping.clone();
    options.check().map_err(play_input)?;
    Ok((key, options))
}

fn google_play(
    key: ServiceAccountKey,
    package: &str,
    options: PlayOptions,
    endpoint: Option<&str>,
) -> Result<GooglePlay, PlayError> {
    let play = GooglePlay::new(key, package, options)?;
    match endpoint {
        Some(base) => play.with_endpoint(base),
        None => Ok(play),
    }
}

/// Reads the API key and the TestFlight options.
pub fn appstore_client(
    testflight: &TestflightArgs,
    mut options: AppStoreOptions,
    endpoint: Option<&str>,
) -> Result<AppStoreConnect, CliError> {
    let input = |e: nativiweb::store::appstore::AscError| store_error(e.into_core(Duration::ZERO));
    let (Some(key_id), Some(path)) = (&testflight.key_id, &testflight.key) else {
        return Err(CliError::input(
            "App Store Connect needs an API key: pass --key-id ID --key AuthKey_ID.p8 (and --issuer-id for a team key)",
        ));
    };
    let key =
        ApiKey::from_p8_file(key_id.clone(), testflight.issuer_id.clone(), path).map_err(input)?;
    options.wait_for_processing = testflight.wait;
    options.beta_groups = testflight.testflight_groups.clone();
    options.whats_new = testflight.whats_new.clone();
    options.submit_for_beta_review = testflight.beta_review;
    let client = AppStoreConnect::new(key, options).map_err(input)?;
    match endpoint {
        Some(base) => client.with_endpoint(base).map_err(input),
        None => Ok(client),
    }
}

/// Google Play for `build --submit play:TRACK`: the package is the app's `applicationId`,
/// known once the project is detected, so the client is made in the pipeline's check step
/// (and refuses bad options there, before anything is built).
#[derive(Debug)]
pub struct PlayForApp {
    key: ServiceAccountKey,
    options: PlayOptions,
    endpoint: Option<String>,
    client: OnceLock<GooglePlay>,
}

impl PlayForApp {
    /// A submitter releasing the built app on `track`.
    pub fn new(
        track: &str,
        release: &PlayReleaseArgs,
        endpoint: Option<String>,
    ) -> Result<Self, CliError> {
        let (key, options) = play_options(track, release)?;
        Ok(PlayForApp {
            key,
            options,
            endpoint,
            client: OnceLock::new(),
        })
    }

    fn client(&self, ctx: &BuildContext) -> nativiweb::core::Result<&GooglePlay> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let package = ctx.app()?.android.application_id.clone();
        let play = google_play(
            self.key.clone(),
            &package,
            self.options.clone(),
            self.endpoint.as_deref(),
        )?;
        Ok(self.client.get_or_init(|| play))
    }
}

#[async_trait]
impl StoreSubmitter for PlayForApp {
    fn name(&self) -> &str {
        "google-play"
    }

    fn accepts(&self, kind: ArtifactKind) -> bool {
        matches!(kind, ArtifactKind::Aab | ArtifactKind::Apk)
    }

    async fn preflight(&self, ctx: &BuildContext) -> nativiweb::core::Result<()> {
        self.client(ctx).map(drop)
    }

    async fn submit(
        &self,
        ctx: &BuildContext,
        artifact: &StoredArtifact,
    ) -> nativiweb::core::Result<Submission> {
        self.client(ctx)?.submit(ctx, artifact).await
    }
}

/// Prints the store's log lines and upload progress while `rx` is open: a bar on a terminal,
/// a line per tenth of the file in logs.
fn print_events(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
    json: bool,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        let mut last_tenth = None;
        while let Some(event) = rx.recv().await {
            match event {
                Event::Log { stream, line, .. } => {
                    let line = match stream {
                        Stream::Warning => format!("warning: {line}"),
                        _ => line,
                    };
                    match &bar {
                        Some(bar) => bar.println(line),
                        None => eprintln!("{line}"),
                    }
                }
                Event::Progress {
                    done,
                    total,
                    message,
                    ..
                } => match (&bar, total) {
                    (Some(bar), Some(total)) => {
                        bar.set_length(total);
                        bar.set_position(done);
                        bar.set_message(message);
                    }
                    (None, Some(total)) if total > 0 => {
                        let tenth = done * 10 / total;
                        if last_tenth != Some(tenth) {
                            last_tenth = Some(tenth);
                            eprintln!("{message}: {}% ({done}/{total} bytes)", tenth * 10);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    })
}

/// A context for a lone submission: its events printed, Ctrl-C cancelling it.
fn context(platform: Platform, json: bool) -> (BuildContext, tokio::task::JoinHandle<()>) {
    let (tx, rx) = event_channel();
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let mut ctx = BuildContext::new(std::env::temp_dir(), platform)
        .with_events(tx)
        .with_cancel(cancel);
    ctx.step = Step::Submit;
    (ctx, print_events(rx, json))
}

fn file_kind(path: &Path, allowed: &[ArtifactKind]) -> Result<ArtifactKind, CliError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind: Option<ArtifactKind> = ext.parse().ok();
    match kind {
        Some(k) if allowed.contains(&k) => {}
        _ => {
            let names: Vec<String> = allowed.iter().map(|k| format!(".{k}")).collect();
            return Err(CliError::input(format!(
                "{} is not a {} file",
                path.display(),
                names.join(" or ")
            )));
        }
    }
    if !path.is_file() {
        return Err(CliError::input(format!(
            "{} does not exist: build it first (nativiweb build ... --format {ext})",
            path.display()
        )));
    }
    Ok(kind.unwrap_or(allowed[0]))
}

/// Runs `nativiweb submit play|appstore`.
pub async fn run(cmd: SubmitCommand) -> Result<(), CliError> {
    match cmd {
        SubmitCommand::Play(args) => {
            let json = args.output.json;
            submit_play(args).await.map_err(|e| with_json(e, json))
        }
        SubmitCommand::Appstore(args) => {
            let json = args.output.json;
            submit_appstore(args).await.map_err(|e| with_json(e, json))
        }
    }
}

fn with_json(e: CliError, json: bool) -> CliError {
    e.with_json_fallback(json, json!({ "status": "failed" }))
}

async fn submit_play(args: PlayArgs) -> Result<(), CliError> {
    let kind = file_kind(&args.file, &[ArtifactKind::Aab, ArtifactKind::Apk])?;
    let (key, options) = play_options(&args.track, &args.release)?;
    // The file's own manifest: refuse a file Play would refuse, before sending a byte.
    let file = args.file.clone();
    let info = tokio::task::spawn_blocking(move || read_app_file(&file))
        .await
        .map_err(|e| CliError::failed(format!("reading the app file crashed: {e}")))?
        .map_err(|m| {
            CliError::input(format!(
                "{} is not an app Play can take: {m}",
                args.file.display()
            ))
        })?;
    if let Some(package) = info.package.as_deref().filter(|p| *p != args.package) {
        return Err(CliError::input(format!(
            "{} is the app {package}, not --package {}: upload it to its own app, or rebuild it with android.application_id = \"{}\"",
            args.file.display(),
            args.package,
            args.package
        )));
    }
    let play =
        google_play(key, &args.package, options, args.endpoint.as_deref()).map_err(play_input)?;
    let (ctx, printer) = context(Platform::Android, args.output.json);
    let started = Instant::now();
    let result = play.submit_file(&ctx, &args.file, kind).await;
    drop(ctx);
    let _ = printer.await;
    let release = result
        .map_err(|e| match e {
            // Play rarely says which code it refused; the file's manifest does.
            PlayError::VersionCodeUsed {
                endpoint,
                version_code: None,
                highest,
                message,
            } => PlayError::VersionCodeUsed {
                endpoint,
                version_code: info.version_code.map(i64::from),
                highest,
                message,
            },
            other => other,
        })
        .map_err(|e| store_error(e.into_core(started.elapsed())))?;
    let took = human_duration(started.elapsed());
    if args.output.json {
        print_json(&json!({
            "status": "success",
            "store": "google-play",
            "file": args.file,
            "package": args.package,
            "track": release.track,
            "version_code": release.version_code,
            "release_status": release.status.as_str(),
            "edit_id": release.edit_id,
            "duration_ms": started.elapsed().as_millis() as u64,
        }))
    } else {
        println!(
            "uploaded {} to Google Play in {took}: version code {} is on {} ({})",
            args.file.display(),
            release.version_code,
            release.track,
            release.status.as_str()
        );
        Ok(())
    }
}

async fn submit_appstore(args: AppStoreArgs) -> Result<(), CliError> {
    file_kind(&args.file, &[ArtifactKind::Ipa])?;
    let options = AppStoreOptions {
        bundle_id: args.bundle_id.clone(),
        version: args.version.clone(),
        build_number: args.build_number.clone(),
        ..AppStoreOptions::default()
    };
    let client = appstore_client(&args.testflight, options, args.endpoint.as_deref())?;
    let (ctx, printer) = context(Platform::Ios, args.output.json);
    let started = Instant::now();
    let result = client.submit_file(&ctx, &args.file).await;
    drop(ctx);
    let _ = printer.await;
    let build = result.map_err(|e| store_error(e.into_core(started.elapsed())))?;
    if args.output.json {
        print_json(&json!({
            "status": "success",
            "store": "app-store-connect",
            "file": args.file,
            "app_id": build.app_id,
            "upload_id": build.upload_id,
            "build_id": build.build_id,
            "version": build.version,
            "build_number": build.build_number,
            "state": build.state,
            "warnings": build.warnings,
            "duration_ms": started.elapsed().as_millis() as u64,
        }))
    } else {
        for w in &build.warnings {
            eprintln!("warning: App Store Connect: {w}");
        }
        println!(
            "uploaded {} to App Store Connect in {}: {} ({}) is {}",
            args.file.display(),
            human_duration(started.elapsed()),
            build.version,
            build.build_number,
            build.state
        );
        Ok(())
    }
}
