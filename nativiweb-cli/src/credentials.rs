//! `nativiweb credentials check --platform ios --certificate CERT.p12 --profile
//! PROFILE.mobileprovision --bundle-id ID [--export-method M] [--entitlement NAME]...
//! [--password-file FILE] [--json]`: whether an iOS signing certificate and provisioning
//! profile can sign this app, on any OS, before a Mac spends minutes finding out.
//!
//! The `.p12` password comes from `NATIVIWEB_CERTIFICATE_PASSWORD` or `--password-file`,
//! never argv. Exit 0 when everything holds, 2 on any mismatch (all of them listed, each
//! naming both sides), 1 when the files could not be read for another reason.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use nativiweb::core::model::Platform;
use nativiweb::ios::credentials::{password_from_env, password_from_file};
use nativiweb::ios::{
    check_credentials, CheckRequest, ExportMethod, P12Identity, ProvisioningProfile,
};

use crate::output::{print_json, CliError};
use crate::OutputArgs;

/// `nativiweb credentials ...`.
#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Check that a signing certificate and a provisioning profile fit an app.
    Check(CheckArgs),
}

/// Arguments of `credentials check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The platform (ios).
    #[arg(long, value_parser = parse_platform)]
    pub platform: Platform,
    /// The signing certificate and its key, as a .p12 (password: NATIVIWEB_CERTIFICATE_PASSWORD
    /// or --password-file).
    #[arg(long, value_name = "P12")]
    pub certificate: PathBuf,
    /// The provisioning profile (.mobileprovision).
    #[arg(long, value_name = "FILE")]
    pub profile: PathBuf,
    /// The app's bundle id.
    #[arg(long, value_name = "ID")]
    pub bundle_id: String,
    /// How the app will be exported: app-store-connect, release-testing, enterprise or
    /// debugging.
    #[arg(long, value_name = "METHOD")]
    pub export_method: Option<String>,
    /// An entitlement the app needs, which the profile must grant (repeatable).
    #[arg(long = "entitlement", value_name = "NAME")]
    pub entitlements: Vec<String>,
    /// Read the .p12 password from this file (first line) instead of
    /// NATIVIWEB_CERTIFICATE_PASSWORD.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

/// Runs `nativiweb credentials`.
pub async fn run(cmd: CredentialsCommand) -> Result<(), CliError> {
    match cmd {
        CredentialsCommand::Check(args) => {
            let json = args.output.json;
            check(args)
                .await
                .map_err(|e| e.with_json_fallback(json, serde_json::json!({ "ok": false })))
        }
    }
}

fn credential_error(e: nativiweb::ios::CredentialError) -> CliError {
    let input = e.is_input();
    CliError::from_kind(e, input)
}

async fn check(args: CheckArgs) -> Result<(), CliError> {
    if args.platform != Platform::Ios {
        return Err(CliError::input(
            "credentials check is for --platform ios; Android keystores are checked by `nativiweb sign` and `build --keystore`",
        ));
    }
    let mut request =
        CheckRequest::new(args.bundle_id.clone()).entitlements(args.entitlements.clone());
    if let Some(m) = &args.export_method {
        let method = ExportMethod::parse(m).ok_or_else(|| {
            CliError::input(format!(
                "unknown export method `{m}`: use app-store-connect, release-testing, enterprise or debugging"
            ))
        })?;
        request = request.export_method(method);
    }
    let password = match &args.password_file {
        Some(path) => password_from_file(path),
        None => password_from_env(),
    }
    .map_err(credential_error)?;
    let (certificate, profile) = (args.certificate.clone(), args.profile.clone());
    let report = tokio::task::spawn_blocking(move || {
        let identity = P12Identity::open(&certificate, &password)?;
        let profile = ProvisioningProfile::open(&profile)?;
        check_credentials(&identity, &profile, &request)
    })
    .await
    .map_err(|e| CliError::failed(format!("the check crashed: {e}")))?
    .map_err(credential_error)?;

    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    if args.output.json {
        let doc = serde_json::to_value(&report)
            .map_err(|e| CliError::failed(format!("could not serialize the report: {e}")))?;
        if report.is_ok() {
            return print_json(&doc);
        }
        return Err(CliError::input(problems.join("; ")).with_json(doc));
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if !report.is_ok() {
        for p in &problems {
            eprintln!("problem: {p}");
        }
        return Err(CliError::input(format!(
            "{} and {} cannot sign {}: {} problem(s) above",
            args.certificate.display(),
            args.profile.display(),
            args.bundle_id,
            problems.len()
        )));
    }
    println!(
        "ok: {} ({}) and profile {} ({}) can sign {}",
        report.certificate.name(),
        report.certificate.sha1,
        report.profile.name,
        report.profile.uuid,
        args.bundle_id
    );
    Ok(())
}
