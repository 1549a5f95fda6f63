//! `nativiweb submit play|appstore`: upload a built app to Google Play or App Store Connect /
//! TestFlight, from any OS, and the options `build --submit` shares.
//!
//! ```text
//! nativiweb submit play <AAB|APK> --package <ID> --track <T> --service-account <JSON>
//!     [--status completed|draft|inProgress|halted] [--rollout F] [--release-notes LANG=FILE]...
//!     [--release-name N] [--changes-not-sent-for-review] [--validate] [--mapping FILE]
//!     [--endpoint URL] [--json]
//! nativiweb submit appstore <IPA> --key-id <K> [--issuer-id <I>] --key <P8> [--bundle-id ID]
//!     [--version V] [--build N] [--wait] [--testflight-groups A,B] [--whats-new TEXT]
//!     [--beta-review] [--endpoint URL] [--json]
//! ```
//!
//! Exit 0 when the store accepted the upload, 1 when the store or the network failed, 2 for
//! bad input (a missing key file, bad options, a version the store already has). The key files
//! are read from disk; nothing secret is taken from argv or printed.
//!
//! The store clients (reqwest with rustls) come with the cargo feature `store` of
//! nativiweb-cli; without it these commands say how to get it.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::OutputArgs;

/// `nativiweb submit ...`.
#[derive(Debug, Subcommand)]
pub enum SubmitCommand {
    /// Upload an AAB or APK to a Google Play track.
    Play(PlayArgs),
    /// Upload an IPA to App Store Connect and TestFlight.
    #[command(disable_version_flag = true)]
    Appstore(AppStoreArgs),
}

/// How a Play upload is released (shared by `submit play` and `build --submit play:TRACK`).
#[derive(Debug, Clone, Default, Args)]
pub struct PlayReleaseArgs {
    /// The service account's JSON key (Play Console → Setup → API access).
    #[arg(long, value_name = "JSON")]
    pub service_account: Option<PathBuf>,
    /// The release status: completed, draft, inProgress (a staged rollout) or halted.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// A staged rollout to this fraction of users (0 < F < 1); the status becomes inProgress.
    #[arg(long, value_name = "F")]
    pub rollout: Option<f64>,
    /// "What's new" for a language, from a file: `--release-notes en-US=notes/en.txt`.
    #[arg(long = "release-notes", value_name = "LANG=FILE")]
    pub release_notes: Vec<String>,
    /// The release's name in Play Console (default: the version name).
    #[arg(long, value_name = "NAME")]
    pub release_name: Option<String>,
    /// Commit without sending the changes for review (when Play Console asks for it).
    #[arg(long)]
    pub changes_not_sent_for_review: bool,
    /// Ask Play to validate the edit before committing it.
    #[arg(long)]
    pub validate: bool,
    /// An R8/ProGuard mapping.txt to upload with the version.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

/// The App Store Connect key and TestFlight options (shared by `submit appstore` and
/// `build --submit testflight`).
#[derive(Debug, Clone, Default, Args)]
pub struct TestflightArgs {
    /// The API key's id (App Store Connect → Users and Access → Integrations).
    #[arg(long, value_name = "ID")]
    pub key_id: Option<String>,
    /// The issuer id of a team key; leave out for an individual key.
    #[arg(long, value_name = "UUID")]
    pub issuer_id: Option<String>,
    /// The API key's `.p8` file.
    #[arg(long = "key", value_name = "P8")]
    pub key: Option<PathBuf>,
    /// Wait until TestFlight has processed the build (implied by the options below).
    #[arg(long)]
    pub wait: bool,
    /// Beta groups to give the build to, by name: `--testflight-groups QA,Friends`.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub testflight_groups: Vec<String>,
    /// "What to Test" for the testers.
    #[arg(long, value_name = "TEXT")]
    pub whats_new: Option<String>,
    /// Submit the build for beta app review (needed for external testers).
    #[arg(long)]
    pub beta_review: bool,
}

/// `nativiweb submit play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The AAB or APK to upload.
    pub file: PathBuf,
    /// The app's package name (applicationId).
    #[arg(long, value_name = "ID")]
    pub package: String,
    /// The track: internal, alpha, beta, production, or a custom track.
    #[arg(long, value_name = "TRACK")]
    pub track: String,
    #[command(flatten)]
    pub release: PlayReleaseArgs,
    /// Send every request to this base URL instead of Google's hosts (tests, proxies).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `nativiweb submit appstore`.
#[derive(Debug, Args)]
pub struct AppStoreArgs {
    /// The IPA to upload.
    pub file: PathBuf,
    #[command(flatten)]
    pub testflight: TestflightArgs,
    /// The app's bundle id (default: from the IPA's Info.plist).
    #[arg(long, value_name = "ID")]
    pub bundle_id: Option<String>,
    /// The version (CFBundleShortVersionString; default: from the IPA).
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// The build number (CFBundleVersion; default: from the IPA).
    #[arg(long = "build", value_name = "N")]
    pub build_number: Option<String>,
    /// Send every request to this base URL instead of Apple's hosts (tests, proxies).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where `build --submit` sends the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitTarget {
    /// `play:TRACK`.
    Play(String),
    /// `testflight`.
    Testflight,
}

impl std::str::FromStr for SubmitTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("play", track)) if !track.trim().is_empty() => {
                Ok(SubmitTarget::Play(track.trim().to_owned()))
            }
            _ if s.eq_ignore_ascii_case("testflight") => Ok(SubmitTarget::Testflight),
            _ => Err(format!(
                "`{s}` is not a destination: use play:TRACK (play:internal, play:production, ...) or testflight"
            )),
        }
    }
}

/// Runs `nativiweb submit`.
pub async fn run(cmd: SubmitCommand) -> Result<(), crate::CliError> {
    #[cfg(feature = "store")]
    {
        stores::run(cmd).await
    }
    #[cfg(not(feature = "store"))]
    {
        let _ = cmd;
        Err(without_store())
    }
}

/// The error of a store command in a binary built without the `store` feature.
#[cfg(not(feature = "store"))]
pub fn without_store() -> crate::CliError {
    crate::CliError::input(
        "this nativiweb was built without the store clients: install it with `cargo install --locked nativiweb-cli --features store` (or run `cargo run --release -p nativiweb-cli --features store -- ...`)",
    )
}

#[cfg(feature = "store")]
pub mod stores;
