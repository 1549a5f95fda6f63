//! `nativiweb farm …`: the build farm's commands — run a worker, submit a build, follow or
//! cancel it, serve the HTTP API.
//!
//! ```text
//! nativiweb farm worker --redis URL [--queues android,ios] [--concurrency N] --sink s3://BUCKET/PREFIX|DIR
//!     [--signing-profiles FILE] [--metrics ADDR] [--sandbox auto|required|off] [--allow-unsandboxed]
//!     [--allow-hosts H,…] [--scan secrets|clamav] [--webhook URL]… [--visibility-timeout 60s]
//! nativiweb farm submit DIR|ZIP|GIT-URL --platform P [--builder B] [--format F] [--ref REF]
//!     [--signing-profile NAME] --redis URL [--sink …] [--wait] [--json]
//! nativiweb farm status ID --redis URL [--follow] [--json]
//! nativiweb farm cancel ID --redis URL
//! nativiweb farm serve --redis URL --listen ADDR [--tokens FILE] [--sink …]
//! ```
//!
//! The Redis URL may also come from `NATIVIWEB_REDIS_URL` (keep a password out of argv: put
//! the URL there); S3 settings come from the standard `AWS_*` variables; webhook secrets from
//! `NATIVIWEB_WEBHOOK_SECRET`. The farm's clients (Redis, S3, the HTTP server) come with the
//! cargo feature `farm` of nativiweb-cli; without it these commands say how to get it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use nativiweb::core::model::{ArtifactKind, Platform};
use nativiweb::core::sandbox::SandboxMode;

use crate::build::{parse_kind, parse_platform, parse_sandbox, parse_timeout, ScanChoice};
use crate::output::CliError;
use crate::OutputArgs;

#[cfg(feature = "farm")]
mod backends;
#[cfg(feature = "farm")]
mod metrics_http;
#[cfg(feature = "farm")]
mod run;
#[cfg(feature = "farm")]
mod upload;

/// `nativiweb farm ...`.
#[derive(Debug, Subcommand)]
pub enum FarmCommand {
    /// Take jobs from the farm's queues and build them (runs until SIGTERM or Ctrl-C).
    Worker(WorkerArgs),
    /// Queue a build (a folder or .zip is uploaded; a git URL is cloned by the worker).
    Submit(SubmitArgs),
    /// Show a build's record (and follow its log with --follow).
    Status(StatusArgs),
    /// Cancel a queued or running build.
    Cancel(CancelArgs),
    /// Serve the HTTP API (builds, live logs, GitHub hook, metrics).
    Serve(ServeArgs),
}

/// Where the farm's Redis is.
#[derive(Debug, Clone, Args)]
pub struct RedisArgs {
    /// The farm's Redis: redis://HOST:PORT[/DB]. Put a URL with a password in
    /// NATIVIWEB_REDIS_URL instead of the command line.
    #[arg(
        long,
        value_name = "URL",
        env = "NATIVIWEB_REDIS_URL",
        hide_env_values = true
    )]
    pub redis: String,
    /// Key namespace, for several farms on one Redis.
    #[arg(long, value_name = "NS", default_value = "nw")]
    pub namespace: String,
}

/// Arguments of `farm worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub redis: RedisArgs,
    /// The queues to take jobs from (default: android; add ios on macOS).
    #[arg(long, value_delimiter = ',', value_parser = parse_platform, value_name = "PLATFORM,...")]
    pub queues: Vec<Platform>,
    /// Builds at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Where artifacts, logs and records go, and where uploads are read: s3://BUCKET/PREFIX
    /// (AWS_* variables) or a folder.
    #[arg(long, value_name = "s3://BUCKET/PREFIX|DIR")]
    pub sink: String,
    /// The signing profiles jobs may name (TOML; passwords from env vars or files).
    #[arg(long, value_name = "FILE")]
    pub signing_profiles: Option<PathBuf>,
    /// Serve Prometheus metrics on this address (GET /metrics).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Sandbox every build's tools (bubblewrap): required (the default), auto or off.
    #[arg(long, value_name = "auto|required|off", default_value = "required", value_parser = parse_sandbox)]
    pub sandbox: SandboxMode,
    /// Run builds unsandboxed where the sandbox is unavailable or off (each record says so).
    #[arg(long)]
    pub allow_unsandboxed: bool,
    /// Hosts the install may reach besides the package registries.
    #[arg(long, value_name = "HOST,...", value_delimiter = ',')]
    pub allow_hosts: Vec<String>,
    /// Scan every source before anything runs: secrets, clamav. Repeatable.
    #[arg(long, value_name = "secrets|clamav")]
    pub scan: Vec<ScanChoice>,
    /// POST each status change here, signed with NATIVIWEB_WEBHOOK_SECRET. Repeatable.
    #[arg(long, value_name = "URL")]
    pub webhook: Vec<String>,
    /// A job whose worker is silent this long is taken over by another worker.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout)]
    pub visibility_timeout: Duration,
    /// Runs per job at most (retries of failures that are not the input's, and takeovers).
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u32,
    /// On SIGTERM, how long running builds may finish before they are handed back.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_timeout)]
    pub shutdown_grace: Duration,
    /// Address space per tool process in the sandbox: 4G, 8G, 512M.
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub memory_limit: u64,
    /// CPU time per tool process in the sandbox.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_timeout)]
    pub cpu_limit: Duration,
    /// Processes (and threads) of a build's sandbox user.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub max_processes: u64,
    /// Where builds' work dirs go (default: the system temp dir).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// This worker's name (default: host-pid).
    #[arg(long)]
    pub id: Option<String>,
}

/// `4G`, `512M`, `1024K` or bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (n, mult) = match s.char_indices().last() {
        Some((i, 'G' | 'g')) => (&s[..i], 1u64 << 30),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'K' | 'k')) => (&s[..i], 1 << 10),
        _ => (s, 1),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a size: write 4G, 512M or bytes"))?;
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(format!("`{s}` is not a usable size")),
    }
}

/// Arguments of `farm submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// A project folder or .zip (uploaded to the sink), or a git URL (cloned by the worker).
    pub source: String,
    /// The platform.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Platform,
    /// The builder (direct, gradle, xcode).
    #[arg(long)]
    pub builder: Option<String>,
    /// The format (apk, aab, ipa).
    #[arg(long, value_parser = parse_kind)]
    pub format: Option<ArtifactKind>,
    /// Git: the branch, tag or commit.
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,
    /// The signing profile the worker signs with (configured on the workers).
    #[arg(long, value_name = "NAME")]
    pub signing_profile: Option<String>,
    /// The app id for the artifacts' keys (default: from the folder, file or repository name).
    #[arg(long)]
    pub app_id: Option<String>,
    /// versionCode / CFBundleVersion.
    #[arg(long, value_name = "N")]
    pub build_number: Option<u64>,
    /// versionName / CFBundleShortVersionString.
    #[arg(long, value_name = "V")]
    pub version_name: Option<String>,
    /// high or normal.
    #[arg(long, default_value = "normal")]
    pub priority: String,
    /// The build's time limit (default 30m Android, 45m iOS).
    #[arg(long, value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub redis: RedisArgs,
    /// Where to upload a folder or .zip (the workers' --sink).
    #[arg(long, value_name = "s3://BUCKET/PREFIX|DIR")]
    pub sink: Option<String>,
    /// Follow the build to its end (log on stderr); exit as `build` does.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `farm status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The build id.
    pub id: String,
    #[command(flatten)]
    pub redis: RedisArgs,
    /// Follow the log until the build ends.
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `farm cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The build id.
    pub id: String,
    #[command(flatten)]
    pub redis: RedisArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `farm serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub redis: RedisArgs,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
    /// Bearer tokens, one per line (else NATIVIWEB_API_TOKENS, comma-separated).
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Where uploads go (the workers' --sink).
    #[arg(long, value_name = "s3://BUCKET/PREFIX|DIR")]
    pub sink: Option<String>,
    /// GitHub push hooks: a TOML file mapping repositories and branches to builds.
    #[arg(long, value_name = "FILE")]
    pub github: Option<PathBuf>,
    /// Largest upload accepted, in MiB.
    #[arg(long, default_value_t = 512)]
    pub max_upload_mb: u64,
}

/// Runs a `farm` command.
pub async fn run(cmd: FarmCommand) -> Result<(), CliError> {
    #[cfg(feature = "farm")]
    {
        run::run(cmd).await
    }
    #[cfg(not(feature = "farm"))]
    {
        let _ = cmd;
        Err(CliError::input(
            "this nativiweb was built without the farm: build it with `cargo install nativiweb-cli --features farm` (or `cargo run -p nativiweb-cli --features farm -- farm …`)",
        ))
    }
}
