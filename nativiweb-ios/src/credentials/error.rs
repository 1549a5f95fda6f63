//! Why a certificate or a provisioning profile could not be read.

use std::path::PathBuf;

/// Why a `.p12`, a `.mobileprovision` or a password file could not be read. Each variant names
/// the file at fault and says what to do. None of them ever carries the password.
///
/// A certificate and a profile that *can* be read but do not fit together are not errors: they
/// are [`Problem`](super::Problem)s in the [`CheckReport`](super::CheckReport).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// No password was given for the `.p12`.
    #[error("no certificate password: set {env} (empty for a .p12 exported without one) or pass --password-file; never put a password on the command line", env = super::CERTIFICATE_PASSWORD_ENV)]
    NoPassword,
    /// The password does not open the `.p12` (its integrity MAC did not verify).
    #[error("{path}: the password does not open this .p12 (its integrity check failed): give the password chosen when the certificate was exported, through {env} or --password-file", env = super::CERTIFICATE_PASSWORD_ENV)]
    WrongPassword {
        /// The `.p12`.
        path: PathBuf,
    },
    /// The `.p12` is not a PKCS#12 file, is damaged, or uses something we do not read.
    #[error("{path}: {reason}")]
    P12 {
        /// The `.p12`.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The `.mobileprovision` is not a CMS-signed provisioning profile, or lacks a field.
    #[error("{path}: {reason}")]
    Profile {
        /// The `.mobileprovision`.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The bundle id asked for is not one.
    #[error("invalid bundle id {bundle_id:?}: {rule}")]
    BundleId {
        /// The value given.
        bundle_id: String,
        /// The rule it breaks.
        rule: String,
    },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl CredentialError {
    /// True when the input is at fault (a wrong password, a file that is not what it should
    /// be, a missing file, a bad bundle id): fix it and run again. False for a failure of the
    /// machine (a read error other than "not found" or "permission denied").
    pub fn is_input(&self) -> bool {
        match self {
            CredentialError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::IsADirectory
            ),
            _ => true,
        }
    }

    /// The file at fault, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            CredentialError::WrongPassword { path }
            | CredentialError::P12 { path, .. }
            | CredentialError::Profile { path, .. }
            | CredentialError::Io { path, .. } => Some(path),
            CredentialError::NoPassword | CredentialError::BundleId { .. } => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CredentialError {
        let path = path.into();
        move |source| CredentialError::Io { path, source }
    }
}
