//! iOS signing credentials: the `.p12` signing identity, the `.mobileprovision` profile, and
//! the pre-flight check that they sign a given app, on any OS and before any build.
//!
//! ```no_run
//! use std::path::Path;
//! use nativiweb_ios::ExportMethod;
//! use nativiweb_ios::credentials::{self, CheckRequest, P12Identity, ProvisioningProfile};
//!
//! let password = credentials::password_from_env()?;
//! let identity = P12Identity::open(Path::new("dist.p12"), &password)?;
//! let profile = ProvisioningProfile::open(Path::new("App_Store.mobileprovision"))?;
//! let request = CheckRequest::new("com.example.app").export_method(ExportMethod::AppStoreConnect);
//! let report = credentials::check(&identity, &profile, &request)?;
//! for warning in &report.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! for problem in &report.problems {
//!     eprintln!("error: {problem}");
//! }
//! std::process::exit(if report.is_ok() { 0 } else { 2 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`P12Identity`] reads the certificate and its private key from a `.p12`, encrypted as
//!   OpenSSL 3 writes it (PBES2, AES-256-CBC) or as Keychain Access and `openssl -legacy` do
//!   (3DES, 40-bit RC2); [`P12Identity`] has the full list. The password comes
//!   from [`password_from_env`] (`NATIVIWEB_CERTIFICATE_PASSWORD`) or [`password_from_file`],
//!   never from the command line, and shows in no error and no `Debug` output.
//! - [`ProvisioningProfile`] reads the property list out of the CMS-signed profile (BER or
//!   DER): UUID, name, team, `application-identifier`, entitlements, `DeveloperCertificates`,
//!   devices, expiry; [`ProvisioningProfile::kind`] tells app-store, ad-hoc, enterprise and
//!   development profiles apart the way Apple does.
//! - [`check`] returns a [`CheckReport`] with every [`Problem`] (each names the certificate
//!   and the profile at fault, with their files, and says what to do) and [`Warning`]; it serializes
//!   for `--json`. A report with problems is bad input (exit code 2 in the CLI).

mod ber;
mod cert;
mod check;
mod error;
mod p12;
mod p12_write;
mod profile;

use std::path::Path;

use secrecy::SecretString;
use zeroize::Zeroizing;

pub use cert::{CertSummary, Certificate, KeyMatch};
pub use check::{
    check, CertRef, CheckReport, CheckRequest, Problem, ProfileRef, Warning, EXPIRY_WARNING,
};
pub use error::CredentialError;
pub use p12::P12Identity;
pub use profile::{ProfileKind, ProfileSummary, ProvisioningProfile};

/// The environment variable the `.p12` password is read from.
pub const CERTIFICATE_PASSWORD_ENV: &str = "NATIVIWEB_CERTIFICATE_PASSWORD";

/// The `.p12` password from [`CERTIFICATE_PASSWORD_ENV`]. Set but empty means a `.p12`
/// exported without a password; unset is [`CredentialError::NoPassword`].
pub fn password_from_env() -> Result<SecretString, CredentialError> {
    match std::env::var(CERTIFICATE_PASSWORD_ENV) {
        Ok(value) => Ok(SecretString::from(value)),
        Err(_) => Err(CredentialError::NoPassword),
    }
}

/// The `.p12` password from the first line of a file (its line ending removed), for
/// `--password-file`.
pub fn password_from_file(path: &Path) -> Result<SecretString, CredentialError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(CredentialError::io(path))?);
    let line = text.lines().next().unwrap_or_default();
    Ok(SecretString::from(line.to_owned()))
}
