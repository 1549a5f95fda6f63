//! `nativiweb build DIR --platform android|ios [--builder direct|gradle|xcode] [--format apk|aab|ipa]
//! [--out DIR | --sink s3://BUCKET/PREFIX] [--keystore FILE [--alias A]] [--skip-web-build] [--in-place] [--timeout 30m]`:
//! the whole pipeline — detect, check every input, web build, package, sign, store in `--out`
//! with `artifacts.json` (or, with `--sink s3://BUCKET/PREFIX` and the feature `s3`, in S3).
//!
//! Without `--keystore`, Android builds are signed with the per-user debug key (created once,
//! like Android's debug.keystore) and the command says the result is not for the store.
//!
//! iOS builds (`--builder xcode`, macOS only) take `--certificate P12 --profile
//! MOBILEPROVISION [--export-method M]`; the `.p12` password comes from
//! `NATIVIWEB_CERTIFICATE_PASSWORD` or `--password-file`, never argv. The `.ipa` is signed by
//! xcodebuild's export, so the pipeline gets no signer. Elsewhere than macOS the command
//! stops at once with exit code 2 and says what works on any OS.
//!
//! On a terminal a spinner shows the step and its last line; elsewhere (CI logs) every line
//! the tools print is passed through, prefixed with its step, so a long web build is never
//! silent. Warnings always reach stderr.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use nativiweb::android::sign::signer::ApkSigner;
use nativiweb::android::{ApkPackager, GradleBuilder};
use nativiweb::core::config::PartialAppConfig;
use nativiweb::core::events::{event_channel, Event, Stream};
use nativiweb::core::model::{
    human_duration, ArtifactKind, BuildReport, BuildStatus, ErrorKind, Platform, Step, StepOutcome,
};
use nativiweb::core::sandbox::scan::{ClamAvScanner, SecretScanner};
use nativiweb::core::sandbox::{registries, Network, SandboxMode, SandboxPolicy, SandboxStatus};
use nativiweb::core::sink::local::LocalDirSink;
use nativiweb::core::source::dir::DirectorySource;
use nativiweb::core::{ArtifactSink, Builder, Pipeline, StoreSubmitter};
use nativiweb::ios::build::{
    XcodeBuilder, XcodeError, XcodeOptions, XcodeSigning, CERTIFICATE_PASSWORD_SECRET,
};
use nativiweb::ios::credentials::{password_from_env, password_from_file};
use nativiweb::ios::ExportMethod;
use nativiweb::CancellationToken;
use secrecy::SecretString;

use crate::output::{print_json, CliError};
use crate::sign::{passwords, sign_error};
use crate::submit::{PlayReleaseArgs, SubmitTarget, TestflightArgs};
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
    /// Store the artifacts in S3 instead (`s3://BUCKET/PREFIX`, settings from the AWS_*
    /// variables; needs the cargo feature `s3`), or in a folder (like --out).
    #[arg(long, value_name = "s3://BUCKET/PREFIX|DIR", conflicts_with = "out")]
    pub sink: Option<String>,
    /// The upload keystore (PKCS#12 or JKS); without it, the per-user debug key signs.
    #[arg(long, value_name = "FILE")]
    pub keystore: Option<PathBuf>,
    /// The key's alias in the keystore (may be left out when it holds one key).
    #[arg(long, value_name = "A", requires = "keystore")]
    pub alias: Option<String>,
    /// iOS: the signing certificate with its key, as a .p12 (its password from
    /// NATIVIWEB_CERTIFICATE_PASSWORD or --password-file).
    #[arg(long, value_name = "P12", requires = "profile")]
    pub certificate: Option<PathBuf>,
    /// iOS: the provisioning profile (.mobileprovision) for the app and the certificate.
    #[arg(long, value_name = "MOBILEPROVISION", requires = "certificate")]
    pub profile: Option<PathBuf>,
    /// iOS: how the app is exported: app-store-connect, release-testing, enterprise or
    /// debugging (default: what the profile is for).
    #[arg(long, value_name = "METHOD")]
    pub export_method: Option<String>,
    #[command(flatten)]
    pub passwords: PasswordArgs,
    /// Package the web bundle as it is, without installing or building.
    #[arg(long)]
    pub skip_web_build: bool,
    /// Build in the project folder itself instead of a copy: faster (an installed
    /// node_modules is reused), but the web build writes into your folder.
    #[arg(long)]
    pub in_place: bool,
    /// Keep the build's work dir and print where it is.
    #[arg(long)]
    pub keep_work_dir: bool,
    /// Fail the build after this long: seconds, or a number with s, m or h (`90s`, `30m`).
    /// 30 minutes unless given, as build farms limit a build.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout, default_value = "30m")]
    pub timeout: Option<Duration>,
    /// The build number (Android versionCode, iOS CFBundleVersion), over `build` in
    /// nativiweb.toml: CI passes its run number so every upload is higher than the last.
    #[arg(long, value_name = "N")]
    pub build_number: Option<u64>,
    /// The version name users see (`1.4.0`), over `version` in nativiweb.toml.
    #[arg(long, value_name = "V")]
    pub version_name: Option<String>,
    /// Print every line the tools print (always shown when a step fails).
    #[arg(long, short)]
    pub verbose: bool,
    /// Run the build's tools (install, web build, Gradle) in a sandbox (bubblewrap): `off`
    /// (the default), `auto` (sandboxed when this machine can, else said once), `required`
    /// (refuse to run a tool unsandboxed). Sandboxed tools see only the build's folder and
    /// the toolchains, no home, no keys; the network only through nativiweb's proxy to the
    /// package registries.
    #[arg(long, value_name = "auto|required|off", default_value = "off", value_parser = parse_sandbox)]
    pub sandbox: SandboxMode,
    /// With --sandbox: hosts the install may reach besides the package registries (npm, Maven
    /// and Google Maven, pub.dev, CocoaPods): `--allow-hosts npm.example.com,*.corp.example`.
    #[arg(
        long,
        value_name = "HOST,...",
        value_delimiter = ',',
        requires = "sandbox"
    )]
    pub allow_hosts: Vec<String>,
    /// Scan the project before anything runs: `secrets` (private keys, keystores, .env files
    /// fail the build) or `clamav` (ClamAV's clamscan, its default database). Repeatable.
    #[arg(long, value_name = "secrets|clamav")]
    pub scan: Vec<ScanChoice>,
    /// Upload the signed build when it succeeds: `play:TRACK` (play:internal, play:production,
    /// ...) with the Play options below, or `testflight` with the App Store Connect key.
    #[arg(long, value_name = "play:TRACK|testflight", value_parser = parse_submit)]
    pub submit: Option<SubmitTarget>,
    #[command(flatten)]
    pub play: PlayReleaseArgs,
    #[command(flatten)]
    pub testflight: TestflightArgs,
    /// Send the store's requests to this base URL instead of its hosts (tests, proxies).
    #[arg(long, value_name = "URL", requires = "submit")]
    pub endpoint: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_submit(s: &str) -> Result<SubmitTarget, String> {
    s.parse()
}

pub(crate) fn parse_sandbox(s: &str) -> Result<SandboxMode, String> {
    s.parse()
}

/// A source scanner for `--scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanChoice {
    /// Private keys, keystores and `.env` files in the source fail the build.
    Secrets,
    /// ClamAV (`clamscan`).
    Clamav,
}

/// The sandbox for `--sandbox`: the toolchains the tools need, read-only; the registries and
/// `--allow-hosts` through the proxy for the install and web build; the relay is this program
/// (its hidden `__relay` command), so nothing else needs installing.
fn sandbox_policy(args: &BuildArgs) -> Result<Option<(SandboxPolicy, Network)>, CliError> {
    if args.sandbox == SandboxMode::Off {
        return Ok(None);
    }
    let (policy, network) = sandbox_parts(args.sandbox, &args.allow_hosts)?;
    if let SandboxStatus::Unavailable { reason } = policy.status() {
        if args.sandbox == SandboxMode::Required {
            return Err(CliError::input(format!(
                "--sandbox required, but tools cannot be sandboxed here: {reason}; install bubblewrap (apt install bubblewrap) or use --sandbox auto|off"
            )));
        }
        eprintln!("warning: the build's tools will run unsandboxed: {reason}");
    }
    Ok(Some((policy, network)))
}

/// The sandbox policy in `mode` (toolchains from `JAVA_HOME`, `ANDROID_HOME`, ... read-only;
/// this program as the relay) and the install step's network (the package registries and
/// `allow_hosts` through the proxy). Shared by `build` and `farm worker`.
pub(crate) fn sandbox_parts(
    mode: SandboxMode,
    allow_hosts: &[String],
) -> Result<(SandboxPolicy, Network), CliError> {
    let exe = std::env::current_exe().map_err(|e| {
        CliError::failed(format!(
            "cannot find this program for the sandbox's relay: {e}"
        ))
    })?;
    let mut policy = SandboxPolicy::new(mode).relay_command(exe, ["__relay"]);
    for var in [
        "JAVA_HOME",
        "ANDROID_HOME",
        "ANDROID_SDK_ROOT",
        "FLUTTER_ROOT",
        "NVM_BIN",
    ] {
        if let Some(dir) = std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
        {
            policy = policy.read_only(dir);
        }
    }
    let mut hosts: Vec<String> = [
        registries::NPM,
        registries::MAVEN,
        registries::PUB,
        registries::COCOAPODS,
    ]
    .concat()
    .iter()
    .map(|h| h.to_string())
    .collect();
    hosts.extend(allow_hosts.iter().cloned());
    let network = Network::proxy(hosts).map_err(CliError::input)?;
    Ok((policy, network))
}

/// The store step for `--submit`, checked before anything is built: the destination fits the
/// platform, Play gets an upload key (it rejects the debug key), and the store's key and
/// options are read and checked now.
fn submitter(args: &BuildArgs) -> Result<Option<Box<dyn StoreSubmitter>>, CliError> {
    let Some(target) = &args.submit else {
        return Ok(None);
    };
    match (target, args.platform) {
        (SubmitTarget::Play(_), Platform::Android) => {
            if args.keystore.is_none() {
                return Err(CliError::input(
                    "--submit play needs --keystore with your upload key: Google Play rejects apps signed with the debug key",
                ));
            }
        }
        (SubmitTarget::Testflight, Platform::Ios) => {}
        (SubmitTarget::Play(_), _) => return Err(CliError::input(
            "--submit play:TRACK is for --platform android; iOS builds go to --submit testflight",
        )),
        (SubmitTarget::Testflight, _) => return Err(CliError::input(
            "--submit testflight is for --platform ios; Android builds go to --submit play:TRACK",
        )),
    }
    #[cfg(feature = "store")]
    {
        use crate::submit::stores;
        Ok(Some(match target {
            SubmitTarget::Play(track) => Box::new(stores::PlayForApp::new(
                track,
                &args.play,
                args.endpoint.clone(),
            )?) as Box<dyn StoreSubmitter>,
            SubmitTarget::Testflight => Box::new(stores::appstore_client(
                &args.testflight,
                Default::default(),
                args.endpoint.as_deref(),
            )?),
        }))
    }
    #[cfg(not(feature = "store"))]
    {
        Err(crate::submit::without_store())
    }
}

/// The sink `--sink` names (an object store with the feature `s3`, else a folder), or the
/// `--out` folder.
fn artifact_sink(args: &BuildArgs) -> Result<Box<dyn ArtifactSink>, CliError> {
    let Some(url) = &args.sink else {
        return Ok(Box::new(LocalDirSink::new(&args.out)));
    };
    if !url.contains("://") {
        return Ok(Box::new(LocalDirSink::new(url)));
    }
    #[cfg(feature = "s3")]
    {
        nativiweb::core::sink::ObjectStoreSink::from_url(url)
            .map(|sink| Box::new(sink) as Box<dyn ArtifactSink>)
            .map_err(|e| CliError::from_kind(&e, e.is_input()))
    }
    #[cfg(not(feature = "s3"))]
    {
        let scheme = url.split("://").next().unwrap_or_default();
        Err(CliError::input(format!(
            "--sink {scheme}://…: this nativiweb was built without S3 support: install it with `cargo install --locked nativiweb-cli --features s3` (or run `cargo run --release -p nativiweb-cli --features s3 -- ...`), or give a folder"
        )))
    }
}

pub(crate) fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

pub(crate) fn parse_kind(s: &str) -> Result<ArtifactKind, String> {
    s.parse()
}

/// `90`, `90s`, `30m`, `2h`.
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: write seconds (90) or 90s, 30m, 2h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        other => {
            return Err(format!(
                "`{other}` is not a unit: write seconds (90) or 90s, 30m, 2h"
            ))
        }
    };
    if secs == 0 {
        return Err("the timeout must be longer than zero".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

/// Runs `build`. With `--json`, stdout gets the build report, or (when the build could not
/// start) `{"status": "failed", "error": …, "error_kind": …}`.
pub async fn run(args: BuildArgs) -> Result<(), CliError> {
    let json = args.output.json;
    run_build(args)
        .await
        .map_err(|e| e.with_json_fallback(json, serde_json::json!({ "status": "failed" })))
}

async fn run_build(args: BuildArgs) -> Result<(), CliError> {
    if !args.dir.is_dir() {
        return Err(CliError::input(format!(
            "{} is not a directory: give the project's folder",
            args.dir.display()
        )));
    }
    let builder = match (
        args.platform,
        args.builder.unwrap_or(match args.platform {
            Platform::Android => BuilderChoice::Direct,
            Platform::Ios => BuilderChoice::Xcode,
        }),
    ) {
        (Platform::Android, BuilderChoice::Direct) => {
            Box::new(ApkPackager::new()) as Box<dyn Builder>
        }
        (Platform::Android, BuilderChoice::Gradle) => Box::new(GradleBuilder::new()),
        (Platform::Ios, BuilderChoice::Xcode) => Box::new(xcode_builder(&args)?),
        (platform, choice) => {
            return Err(CliError::input(format!(
                "the {choice:?} builder does not build for {platform}",
                choice = choice
            )))
        }
    };

    let submitter = submitter(&args)?;
    let sink = artifact_sink(&args)?;
    // iOS: the ipa is signed by xcodebuild's export; no signer, no debug keystore.
    let (signer, debug_note) = match (&args.keystore, args.platform) {
        (_, Platform::Ios) => (None, None),
        (Some(keystore), Platform::Android) => {
            let pw = passwords(&args.passwords)?;
            let keystore = keystore.clone();
            let alias = args.alias.clone();
            let signer = tokio::task::spawn_blocking(move || {
                ApkSigner::from_keystore(&keystore, &pw, alias.as_deref())
            })
            .await
            .map_err(|e| CliError::failed(format!("opening the keystore crashed: {e}")))?
            .map_err(sign_error)?;
            (Some(signer), None)
        }
        (None, Platform::Android) => {
            let path = nativiweb::android::keystore::debug_keystore_path().map_err(sign_error)?;
            let signer = tokio::task::spawn_blocking(ApkSigner::debug)
                .await
                .map_err(|e| CliError::failed(format!("opening the debug keystore crashed: {e}")))?
                .map_err(sign_error)?;
            (Some(signer), Some(path))
        }
    };

    let source = DirectorySource::new(&args.dir)
        .in_place(args.in_place)
        .keep_build_outputs(args.skip_web_build);
    let mut pipeline = Pipeline::new(Box::new(source), builder, sink)
        .platform(args.platform)
        .skip_web_build(args.skip_web_build)
        .keep_work_dir(args.keep_work_dir);
    if let Some(signer) = signer {
        pipeline = pipeline.signer(Box::new(signer));
    }
    if args.platform == Platform::Ios {
        pipeline = pipeline.secret(CERTIFICATE_PASSWORD_SECRET, ios_password(&args)?);
    }
    if let Some(format) = args.format {
        pipeline = pipeline.format(format);
    }
    if let Some(submitter) = submitter {
        pipeline = pipeline.submitter(submitter);
    }
    if let Some((policy, network)) = sandbox_policy(&args)? {
        pipeline = pipeline
            .sandbox(policy)
            .sandbox_network(Step::WebBuild, network);
    }
    for scan in &args.scan {
        pipeline = match scan {
            ScanChoice::Secrets => pipeline.scanner(Box::new(SecretScanner::new().blocking())),
            ScanChoice::Clamav => pipeline.scanner(Box::new(ClamAvScanner::new())),
        };
    }
    if args.build_number.is_some() || args.version_name.is_some() {
        pipeline = pipeline.config_overrides(PartialAppConfig {
            build: args.build_number,
            version: args.version_name.clone(),
            ..PartialAppConfig::default()
        });
    }
    if let Some(limit) = args.timeout {
        pipeline = pipeline.timeout(limit);
    }

    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });

    let (events, mut rx) = event_channel();
    let terminal = std::io::stderr().is_terminal();
    // On a terminal: a spinner (every line with -v). Elsewhere (CI logs): every line, so a
    // long step is never silent. With --json on a terminal, the spinner stays on stderr.
    let verbose = args.verbose || !terminal;
    let show_progress = terminal;
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
        let say = |line: String| match &bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        };
        while let Some(event) = rx.recv().await {
            match event {
                Event::StepStarted { step, .. } => match &bar {
                    Some(bar) => bar.set_prefix(step.as_str()),
                    None => eprintln!("==> {step}"),
                },
                Event::StepFinished {
                    step,
                    duration,
                    outcome,
                } => say(format!(
                    "{step}: {} {}",
                    outcome_words(outcome),
                    human_duration(duration)
                )),
                Event::Log {
                    step, stream, line, ..
                } => match (stream, &bar) {
                    (Stream::Warning, _) => say(format!("warning: {line}")),
                    (_, Some(bar)) if !verbose => bar.set_message(line),
                    _ => say(format!("[{step}] {line}")),
                },
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
            let err = match report.error_kind {
                Some(ErrorKind::Input) => CliError::input(message),
                _ => CliError::failed(message),
            };
            // With --json, the report on stdout already carries the error.
            Err(if args.output.json {
                err.json_printed()
            } else {
                err
            })
        }
    }
}

/// The xcode builder for `--platform ios`: on macOS with `--certificate` and `--profile`;
/// elsewhere the macOS message at once (exit 2), before anything is read or copied.
fn xcode_builder(args: &BuildArgs) -> Result<XcodeBuilder, CliError> {
    if !cfg!(target_os = "macos") {
        return Err(CliError::input(XcodeError::NotMacOs));
    }
    let (Some(certificate), Some(profile)) = (&args.certificate, &args.profile) else {
        return Err(CliError::input(
            "an iOS build needs signing: --certificate DIST.p12 --profile APP.mobileprovision (the .p12 password in NATIVIWEB_CERTIFICATE_PASSWORD or --password-file); `nativiweb credentials check` checks the pair first",
        ));
    };
    let export_method = match &args.export_method {
        Some(m) => Some(ExportMethod::parse(m).ok_or_else(|| {
            CliError::input(format!(
                "unknown export method `{m}`: use app-store-connect, release-testing, enterprise or debugging"
            ))
        })?),
        None => None,
    };
    Ok(XcodeBuilder::new()
        .signing(XcodeSigning::Manual {
            certificate: certificate.clone(),
            profile: profile.clone(),
        })
        .options(XcodeOptions {
            export_method,
            ..XcodeOptions::default()
        }))
}

/// The `.p12` password, from `--password-file` or `NATIVIWEB_CERTIFICATE_PASSWORD`.
fn ios_password(args: &BuildArgs) -> Result<SecretString, CliError> {
    match &args.passwords.password_file {
        Some(path) => password_from_file(path),
        None => password_from_env(),
    }
    .map_err(|e| {
        let input = e.is_input();
        CliError::from_kind(e, input)
    })
}

/// How a step ended, as the step-finished line says it (`done in 1.2 s`).
fn outcome_words(outcome: StepOutcome) -> &'static str {
    match outcome {
        StepOutcome::Success => "done in",
        StepOutcome::Skipped => "skipped after",
        StepOutcome::Failed => "failed after",
        StepOutcome::TimedOut => "timed out after",
        StepOutcome::Cancelled => "cancelled after",
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
    for sub in &report.submissions {
        println!(
            "submitted to {}{}: {}{}",
            sub.store,
            sub.track
                .as_ref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            sub.status,
            sub.id
                .as_ref()
                .map(|id| format!(", id {id}"))
                .unwrap_or_default()
        );
    }
    let debug_signed = |kind: ArtifactKind| {
        report
            .artifacts
            .iter()
            .zip(&report.signatures)
            .any(|(a, s)| s.debug && a.kind == kind)
    };
    let at = debug_keystore
        .map(|p| format!(" ({})", p.display()))
        .unwrap_or_default();
    if debug_signed(ArtifactKind::Aab) {
        println!(
            "note: this App Bundle is signed with your debug key{at}. Google Play takes an App Bundle only when it is signed with your app's upload key: create one with `nativiweb keystore new upload.p12 --alias upload`, keep it safe, and build with --keystore upload.p12 (Play enrolls it at the first upload)."
        );
    } else if debug_signed(ArtifactKind::Apk) {
        println!(
            "note: signed with your debug key{at}: it installs on devices (adb install), but Google Play rejects it. Create an upload key with `nativiweb keystore new upload.p12 --alias upload` and pass --keystore."
        );
    }
    if let Some(dir) = &report.work_dir {
        println!("work dir kept at {}", dir.display());
    }
}
