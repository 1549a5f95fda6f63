//! `nativiweb build DIR --platform android|ios [--builder direct|gradle|xcode] [--format apk|aab|ipa]
//! [--out DIR] [--keystore FILE [--alias A]] [--skip-web-build]`: the whole pipeline — detect,
//! web build, package, sign, store in `--out` with `artifacts.json`.
//!
//! Without `--keystore`, Android builds are signed with the per-user debug key (created once,
//! like Android's debug.keystore) and the command says the result is not for the store.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use nativiweb::android::signer::ApkSigner;
use nativiweb::android::ApkPackager;
use nativiweb::core::events::{event_channel, Event, Stream};
use nativiweb::core::model::{ArtifactKind, BuildReport, BuildStatus, ErrorKind, Platform};
use nativiweb::core::sink::local::LocalDirSink;
use nativiweb::core::source::dir::DirectorySource;
use nativiweb::core::Pipeline;
use tokio_util::sync::CancellationToken;

use crate::output::{print_json, CliError};
use crate::sign::{passwords, sign_error};
use crate::{OutputArgs, PasswordArgs};

/// Which builder produces the native artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuilderChoice {
    /// nativiweb's SDK-free Android packager (no JDK, SDK or Gradle).
    Direct,
    /// A generated Gradle project built with Gradle and the Android SDK.
    Gradle,
    /// A generated Xcode project built with xcodebuild (macOS).
    Xcode,
}

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The project directory.
    pub dir: PathBuf,
    /// The platform to build for.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Platform,
    /// The builder (default: direct for Android, xcode for iOS).
    #[arg(long, value_enum)]
    pub builder: Option<BuilderChoice>,
    /// The artifact format (default: the builder's; apk for direct).
    #[arg(long, value_parser = parse_kind)]
    pub format: Option<ArtifactKind>,
    /// Where to store the artifacts and artifacts.json.
    #[arg(long, default_value = "dist")]
    pub out: PathBuf,
    /// The upload keystore (PKCS#12 or JKS); without it, the per-user debug key signs.
    #[arg(long, value_name = "FILE")]
    pub keystore: Option<PathBuf>,
    /// The key's alias in the keystore (may be left out when it holds one key).
    #[arg(long, value_name = "A", requires = "keystore")]
    pub alias: Option<String>,
    #[command(flatten)]
    pub passwords: PasswordArgs,
    /// Package the web bundle as it is, without installing or building.
    #[arg(long)]
    pub skip_web_build: bool,
    /// Keep the build's work dir and print where it is.
    #[arg(long)]
    pub keep_work_dir: bool,
    /// Fail the build after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Print every line the tools print (always shown when a step fails).
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

fn parse_kind(s: &str) -> Result<ArtifactKind, String> {
    s.parse()
}

/// Runs `build`.
pub async fn run(args: BuildArgs) -> Result<(), CliError> {
    if !args.dir.is_dir() {
        return Err(CliError::input(format!(
            "{} is not a directory: give the project's folder",
            args.dir.display()
        )));
    }
    let builder = match (args.platform, args.builder.unwrap_or(match args.platform {
        Platform::Android => BuilderChoice::Direct,
        Platform::Ios => BuilderChoice::Xcode,
    })) {
        (Platform::Android, BuilderChoice::Direct) => ApkPackager::new(),
        (Platform::Android, BuilderChoice::Gradle) => {
            return Err(CliError::input(
                "the gradle builder is not part of this release yet: use --builder direct (the default), which needs no JDK, SDK or Gradle",
            ))
        }
        (Platform::Ios, BuilderChoice::Xcode) => {
            return Err(CliError::input(
                "iOS builds (the xcode builder) are not part of this release yet; --platform android works",
            ))
        }
        (platform, choice) => {
            return Err(CliError::input(format!(
                "the {choice:?} builder does not build for {platform}",
                choice = choice
            )))
        }
    };

    let (signer, debug_note) = match &args.keystore {
        Some(keystore) => {
            let pw = passwords(&args.passwords)?;
            let keystore = keystore.clone();
            let alias = args.alias.clone();
            let signer = tokio::task::spawn_blocking(move || {
                ApkSigner::from_keystore(&keystore, &pw, alias.as_deref())
            })
            .await
            .map_err(|e| CliError::failed(format!("opening the keystore crashed: {e}")))?
            .map_err(sign_error)?;
            (signer, None)
        }
        None => {
            let path = nativiweb::android::keystore::debug_keystore_path().map_err(sign_error)?;
            let signer = tokio::task::spawn_blocking(ApkSigner::debug)
                .await
                .map_err(|e| CliError::failed(format!("opening the debug keystore crashed: {e}")))?
                .map_err(sign_error)?;
            (signer, Some(path))
        }
    };

    let mut pipeline = Pipeline::new(
        Box::new(DirectorySource::new(&args.dir)),
        Box::new(builder),
        Box::new(LocalDirSink::new(&args.out)),
    )
    .signer(Box::new(signer))
    .platform(args.platform)
    .skip_web_build(args.skip_web_build)
    .keep_work_dir(args.keep_work_dir);
    if let Some(format) = args.format {
        pipeline = pipeline.format(format);
    }
    if let Some(secs) = args.timeout {
        pipeline = pipeline.timeout(Duration::from_secs(secs));
    }

    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });

    let (events, mut rx) = event_channel();
    let verbose = args.verbose;
    let show_progress = !args.output.json && std::io::stderr().is_terminal();
    let printer = tokio::spawn(async move {
        let bar = show_progress.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        while let Some(event) = rx.recv().await {
            match event {
                Event::StepStarted { step, .. } => match &bar {
                    Some(bar) => bar.set_prefix(step.as_str()),
                    None if !verbose => {}
                    None => eprintln!("==> {step}"),
                },
                Event::StepFinished {
                    step,
                    duration,
                    outcome,
                } => {
                    let line = format!("{step}: {outcome:?} in {} ms", duration.as_millis());
                    match &bar {
                        Some(bar) => bar.println(line),
                        None => eprintln!("{line}"),
                    }
                }
                Event::Log {
                    step, stream, line, ..
                } => {
                    if verbose || stream == Stream::Info {
                        let text = format!("[{step}] {line}");
                        match &bar {
                            Some(bar) if verbose => bar.println(text),
                            Some(bar) => bar.set_message(line),
                            None if verbose => eprintln!("{text}"),
                            None => {}
                        }
                    } else if let Some(bar) = &bar {
                        bar.set_message(line);
                    }
                }
                Event::Progress {
                    message,
                    done,
                    total,
                    ..
                } => {
                    if let Some(bar) = &bar {
                        let of = total.map(|t| format!("/{t}")).unwrap_or_default();
                        bar.set_message(format!("{message} {done}{of}"));
                    }
                }
                Event::ArtifactReady { .. } => {}
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    });

    let report = pipeline.run(events, cancel).await;
    drop(pipeline);
    let _ = printer.await;

    if args.output.json {
        print_json(&report)?;
    } else {
        print_human(&report, debug_note.as_ref());
    }
    match report.status {
        BuildStatus::Success => Ok(()),
        _ => {
            let message = report
                .error
                .clone()
                .unwrap_or_else(|| "the build failed".to_owned());
            let mut err = match report.error_kind {
                Some(ErrorKind::Input) => CliError::input(message),
                _ => CliError::failed(message),
            };
            if args.output.json {
                // The report on stdout already carries the error.
                err.json = None;
            }
            Err(err)
        }
    }
}

fn print_human(report: &BuildReport, debug_keystore: Option<&PathBuf>) {
    if report.status != BuildStatus::Success {
        if let Some(dir) = &report.work_dir {
            eprintln!("work dir kept at {}", dir.display());
        }
        return;
    }
    let secs = report
        .duration()
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    println!(
        "built {} artifact(s) in {secs:.2}s:",
        report.artifacts.len()
    );
    for (i, a) in report.artifacts.iter().enumerate() {
        println!("  {}  ({} bytes)", a.location, a.size);
        println!("    sha256 {}", a.sha256);
        if let Some(sig) = report.signatures.get(i) {
            println!(
                "    signed ({}) by {} (cert sha256 {})",
                sig.schemes.join(", "),
                sig.certificate_subject,
                sig.certificate_sha256
            );
        }
    }
    if report.signatures.iter().any(|s| s.debug) {
        let at = debug_keystore
            .map(|p| format!(" ({})", p.display()))
            .unwrap_or_default();
        println!(
            "note: signed with your debug key{at}: it installs on devices (adb install), but Google Play rejects it. Create an upload key with `nativiweb keystore new upload.p12 --alias upload` and pass --keystore."
        );
    }
    if let Some(dir) = &report.work_dir {
        println!("work dir kept at {}", dir.display());
    }
}
