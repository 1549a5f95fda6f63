//! The nativiweb command line: detect, hash, generate, build, sign, verify, keystore,
//! credentials, submit.
//!
//! Human output by default, `--json` for machines: with `--json` every command prints exactly
//! one JSON document on stdout, whatever happens (on failure it carries `error` and
//! `error_kind`: `input`, `failed`, `timeout` or `cancelled`). Exit codes: 0 success, 1 the
//! build (or the tool's job) failed, 2 bad input (bad arguments, bad config, a file that is
//! not what it should be). Passwords never come from argv: `NATIVIWEB_KEYSTORE_PASSWORD`,
//! `NATIVIWEB_KEY_PASSWORD` or `--password-file`.
//!
//! Installed with `cargo install --path nativiweb-cli` as `nativiweb`; [`main`] is the whole
//! program, so the umbrella crate's `examples/nativiweb.rs` runs the same code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use output::CliError;

pub mod build;
pub mod credentials;
pub mod detect;
pub mod farm;
pub mod generate;
pub mod hash;
pub mod keystore;
pub mod output;
pub mod sign;
pub mod submit;

/// nativiweb: turn web projects into signed native mobile apps.
#[derive(Debug, Parser)]
#[command(name = "nativiweb", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Say what a project is and how its web bundle is built.
    Detect(detect::DetectArgs),
    /// Print SHA-256 digests, like sha256sum.
    Hash(hash::HashArgs),
    /// Generate a native project (Xcode) around nativiweb's shell, for web apps.
    Generate(generate::GenerateArgs),
    /// Build a signed app from a project.
    Build(Box<build::BuildArgs>),
    /// Sign an APK or AAB with a keystore.
    Sign(sign::SignArgs),
    /// Verify an APK's or AAB's signatures and print the signer.
    Verify(sign::VerifyArgs),
    /// Manage keystores.
    #[command(subcommand)]
    Keystore(keystore::KeystoreCommand),
    /// Check signing credentials (iOS certificate and profile) before a build.
    #[command(subcommand)]
    Credentials(credentials::CredentialsCommand),
    /// Upload a built app to Google Play or App Store Connect / TestFlight.
    #[command(subcommand)]
    Submit(submit::SubmitCommand),
    /// The build farm: workers, submitting and following builds, the HTTP API.
    #[command(subcommand)]
    Farm(farm::FarmCommand),
}

/// Options shared by commands that print results.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Print JSON for machines instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A password source: `--password-file`, else the environment.
#[derive(Debug, Clone, Args)]
pub struct PasswordArgs {
    /// Read the keystore password from this file (first line) instead of
    /// NATIVIWEB_KEYSTORE_PASSWORD. The key password comes from NATIVIWEB_KEY_PASSWORD, else the
    /// store password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// Runs the command line with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    // Inside a build sandbox this program is also the network relay (`--sandbox`): it is
    // started by the sandbox as `nativiweb __relay ...`, never by hand.
    if std::env::args_os().nth(1).is_some_and(|a| a == "__relay") {
        return nativiweb::core::sandbox::relay::relay_main(std::env::args_os().skip(2).collect());
    }
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::argument_error(e, json),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Detect(args) => detect::run(args).await,
            Command::Hash(args) => hash::run(args).await,
            Command::Generate(args) => generate::run(args).await,
            Command::Build(args) => build::run(*args).await,
            Command::Sign(args) => sign::run_sign(args).await,
            Command::Verify(args) => sign::run_verify(args).await,
            Command::Keystore(cmd) => keystore::run(cmd).await,
            Command::Submit(cmd) => submit::run(cmd).await,
            Command::Credentials(cmd) => credentials::run(cmd).await,
            Command::Farm(cmd) => farm::run(cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(json),
    }
}
