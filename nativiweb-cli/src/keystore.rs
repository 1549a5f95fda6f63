//! `nativiweb keystore new <FILE> --alias <A> [--dname "CN=..."]`: a new upload keystore.
//!
//! PKCS#12 (what keytool reads by default), RSA 2048 unless `--key-type ec` (P-256), a
//! self-signed certificate valid 30 years. The password comes from
//! NATIVIWEB_KEYSTORE_PASSWORD or `--password-file`, never argv. An existing file is never
//! overwritten.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use nativiweb::android::keystore::keys::{CertificateInfo, KeyKind};
use nativiweb::android::keystore::{create_keystore, NewKeystore, DEFAULT_VALIDITY_DAYS};
use serde::Serialize;

use crate::output::{print_json, CliError};
use crate::sign::{passwords, sign_error};
use crate::{OutputArgs, PasswordArgs};

/// Keystore subcommands.
#[derive(Debug, Subcommand)]
pub enum KeystoreCommand {
    /// Create a new upload keystore (PKCS#12) with one key and a self-signed certificate.
    New(NewArgs),
}

/// The key algorithm of a new keystore.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyType {
    /// RSA 2048 (what Android Studio and Play use by default).
    Rsa,
    /// ECDSA P-256.
    Ec,
}

/// Arguments of `keystore new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Where to create the keystore (must not exist).
    #[arg(value_name = "FILE")]
    pub path: PathBuf,
    /// The key's alias.
    #[arg(long, value_name = "A")]
    pub alias: String,
    /// The certificate's subject.
    #[arg(long, value_name = "DN", default_value = "CN=Android Upload Key")]
    pub dname: String,
    /// The key algorithm.
    #[arg(long, value_enum, default_value_t = KeyType::Rsa)]
    pub key_type: KeyType,
    /// Certificate validity in days (Play asks for validity beyond 2033; at least 25 years).
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_VALIDITY_DAYS)]
    pub validity_days: u32,
    #[command(flatten)]
    pub passwords: PasswordArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Serialize)]
struct NewJson {
    path: PathBuf,
    format: &'static str,
    alias: String,
    key: String,
    certificate: CertificateInfo,
}

/// Runs a keystore subcommand.
pub async fn run(cmd: KeystoreCommand) -> Result<(), CliError> {
    match cmd {
        KeystoreCommand::New(args) => run_new(args).await,
    }
}

async fn run_new(args: NewArgs) -> Result<(), CliError> {
    if args.validity_days < 25 * 365 {
        return Err(CliError::input(format!(
            "--validity-days {} is too short: Play asks upload keys to be valid at least 25 years (9125 days)",
            args.validity_days
        )));
    }
    let passwords = passwords(&args.passwords)?;
    let spec = NewKeystore {
        alias: args.alias.clone(),
        dname: args.dname.clone(),
        kind: match args.key_type {
            KeyType::Rsa => KeyKind::Rsa(2048),
            KeyType::Ec => KeyKind::EcP256,
        },
        validity_days: args.validity_days,
    };
    let path = args.path.clone();
    let id = tokio::task::spawn_blocking(move || create_keystore(&path, &spec, passwords.store()))
        .await
        .map_err(|e| CliError::failed(format!("keystore creation crashed: {e}")))?
        .map_err(sign_error)?;
    if args.output.json {
        return print_json(&NewJson {
            path: args.path,
            format: "pkcs12",
            alias: id.alias().to_owned(),
            key: id.key().describe(),
            certificate: id.certificate().clone(),
        });
    }
    println!("Created {} (PKCS#12)", args.path.display());
    println!("Alias: {}", id.alias());
    println!("Key: {}", id.key().describe());
    println!("Certificate: {}", id.certificate().subject);
    println!("SHA-256: {}", id.certificate().sha256);
    println!("Valid until: {}", id.certificate().not_after.date());
    println!(
        "Back this file and its password up: a lost upload key must be reset through Play support."
    );
    Ok(())
}
