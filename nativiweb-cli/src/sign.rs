//! `nativiweb sign` and `nativiweb verify`: in-process APK/AAB signing and verification.
//!
//! `sign <APK|AAB> --keystore FILE [--alias A] [--out FILE] [--min-sdk N]`: APKs get v2 and
//! v3 (and v1 when minSdk < 24, read from the APK unless given), AABs get v1 JAR signing.
//! Without `--out` the file is signed in place: an aligned APK that needs no v1 keeps its
//! entries where they are and only its end (signing block, central directory, end record) is
//! rewritten and synced, which costs one hashing pass; anything else is written to a temporary
//! file and renamed over it, as `--out` always is (the kernel copies the entries, cloning them
//! where the filesystem can, while they are hashed).
//! Passwords come from NATIVIWEB_KEYSTORE_PASSWORD / NATIVIWEB_KEY_PASSWORD or
//! `--password-file`, never argv.
//!
//! `verify <APK|AAB>`: the schemes present, the signer's certificate; exit 1 when the file is
//! not signed or any byte changed since signing.

use std::path::{Path, PathBuf};

use clap::Args;
use nativiweb::android::error::SignError;
use nativiweb::android::keystore::keys::CertificateInfo;
use nativiweb::android::keystore::KeystorePasswords;
use nativiweb::android::sign::apksign::SignOptions;
use nativiweb::android::sign::signer::ApkSigner;
use serde::Serialize;

use nativiweb::core::pipeline::error_chain;

use crate::output::{print_json, CliError};
use crate::{OutputArgs, PasswordArgs};

/// Arguments of `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The APK or AAB to sign.
    #[arg(value_name = "APK|AAB")]
    pub input: PathBuf,
    /// The keystore (PKCS#12 .p12/.pfx or JKS .jks/.keystore).
    #[arg(long, value_name = "FILE")]
    pub keystore: PathBuf,
    /// The key's alias; may be left out when the keystore holds one key.
    #[arg(long, value_name = "A")]
    pub alias: Option<String>,
    /// Where to write the signed file: a file path, or a folder to write into (default: sign
    /// in place).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The app's minSdk (default: read from the APK's manifest); v1 is added below 24.
    #[arg(long, value_name = "N")]
    pub min_sdk: Option<u32>,
    #[command(flatten)]
    pub passwords: PasswordArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The APK or AAB to verify.
    #[arg(value_name = "APK|AAB")]
    pub input: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Reads the passwords from `--password-file` or the environment.
pub fn passwords(args: &PasswordArgs) -> Result<KeystorePasswords, CliError> {
    match &args.password_file {
        Some(f) => KeystorePasswords::from_file(f),
        None => KeystorePasswords::from_env(),
    }
    .map_err(|e| CliError::input(sign_error_message(&e)))
}

/// The message of a signing error (the keystore-password error has no path to show).
pub fn sign_error_message(e: &SignError) -> String {
    let msg = error_chain(e);
    msg.replace("cannot read keystore : ", "")
}

/// Maps a signing error to an exit code: the tool's job failing (verification, I/O while
/// writing) is 1, everything the user can fix in their input is 2.
pub fn sign_error(e: SignError) -> CliError {
    match e {
        SignError::Verify { .. } | SignError::Crypto(_) => CliError::failed(sign_error_message(&e)),
        SignError::Io { action, .. } if action != "opening" && action != "reading keystore" => {
            CliError::failed(sign_error_message(&e))
        }
        _ => CliError::input(sign_error_message(&e)),
    }
}

#[derive(Debug, Serialize)]
struct SignJson {
    path: PathBuf,
    schemes: Vec<String>,
    min_sdk: Option<u32>,
    alias: String,
    key: String,
    certificate: CertificateInfo,
    replaced_signature: bool,
    aligned: bool,
    in_place: bool,
    warnings: Vec<String>,
}

fn fingerprint(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}

/// Where `sign` writes: in place without `--out`; into the folder when `--out` is one (like
/// `cp`); else the file `--out` names, whose folder must exist.
fn output_path(input: &Path, out: Option<&Path>) -> Result<PathBuf, CliError> {
    let Some(out) = out else {
        return Ok(input.to_owned());
    };
    if out.is_dir() {
        let name = input
            .file_name()
            .ok_or_else(|| CliError::input(format!("{} has no file name", input.display())))?;
        return Ok(out.join(name));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => Ok(out.to_owned()),
        Ok(_) => Err(CliError::input(format!(
            "--out {}: {} is a file, not a folder; choose a path in an existing folder",
            out.display(),
            parent.display()
        ))),
        Err(_) => Err(CliError::input(format!(
            "--out {}: the folder {} does not exist; create it first or choose another path",
            out.display(),
            parent.display()
        ))),
    }
}

/// Runs `sign`.
pub async fn run_sign(args: SignArgs) -> Result<(), CliError> {
    let passwords = passwords(&args.passwords)?;
    let output = output_path(&args.input, args.out.as_deref())?;
    let (report, signer) = tokio::task::spawn_blocking(move || {
        let signer = ApkSigner::from_keystore(&args.keystore, &passwords, args.alias.as_deref())?
            .with_options(SignOptions {
                min_sdk: args.min_sdk,
                ..SignOptions::default()
            });
        let report = signer.sign_file(&args.input, &output)?;
        Ok::<_, SignError>((report, signer))
    })
    .await
    .map_err(|e| CliError::failed(format!("signing crashed: {e}")))?
    .map_err(sign_error)?;
    let id = signer.identity();
    let warnings: Vec<String> = id.expiry_warning().into_iter().collect();
    if args.output.json {
        return print_json(&SignJson {
            path: report.path,
            schemes: report.schemes,
            min_sdk: report.min_sdk,
            alias: id.alias().to_owned(),
            key: id.key().describe(),
            certificate: id.certificate().clone(),
            replaced_signature: report.replaced_signature,
            aligned: report.rewritten,
            in_place: report.in_place,
            warnings,
        });
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let cert = id.certificate();
    println!(
        "Signed {} ({})",
        report.path.display(),
        report.schemes.join(", ")
    );
    println!("Key: `{}` ({})", id.alias(), id.key().describe());
    println!("Certificate: {}", cert.subject);
    println!("SHA-256: {}", fingerprint(&cert.sha256));
    println!("Valid until: {}", cert.not_after.date());
    if report.replaced_signature {
        println!("Replaced the previous signature.");
    }
    Ok(())
}

/// Runs `verify`.
pub async fn run_verify(args: VerifyArgs) -> Result<(), CliError> {
    let input = args.input.clone();
    let result =
        tokio::task::spawn_blocking(move || nativiweb::android::sign::verify::verify(&input))
            .await
            .map_err(|e| CliError::failed(format!("verification crashed: {e}")))?;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let err = sign_error(e);
            if args.output.json {
                let message = err.message.clone();
                return Err(err.with_json(serde_json::json!({
                    "path": args.input,
                    "verified": false,
                    "error": message,
                })));
            }
            return Err(err);
        }
    };
    if args.output.json {
        let mut v = serde_json::to_value(&report)
            .map_err(|e| CliError::failed(format!("could not serialize the result: {e}")))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("verified".into(), serde_json::Value::Bool(true));
        }
        return print_json(&v);
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let cert = &report.certificate;
    println!(
        "Verified {}: {}",
        report.path.display(),
        report.schemes.join(", ")
    );
    if let Some(p) = &report.package {
        println!("Package: {p}");
    }
    if let Some(m) = report.min_sdk {
        println!("minSdk: {m}");
    }
    println!("Signer: {}", cert.subject);
    println!("SHA-256: {}", fingerprint(&cert.sha256));
    println!("Key: {}", cert.key);
    println!("Valid until: {}", cert.not_after.date());
    Ok(())
}
