//! [`SignError`]: what signing, verification, alignment and keystores report.
//!
//! Every variant names what is at fault (the file, the entry, the alias) and says what to do.
//! No variant ever carries a password: keystore errors say a password was wrong, never which.

use std::path::PathBuf;

use crate::zip::ZipError;

/// Errors of signing, verifying, aligning and keystore handling.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What we were doing ("reading", "creating", "renaming").
        action: &'static str,
        /// The file at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// The APK/AAB is not a zip we can work with.
    #[error("{}: {source}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip layer found.
        #[source]
        source: ZipError,
    },

    /// The keystore password (or the key password) is wrong, or the file was tampered with.
    #[error("wrong password for keystore {}{}: check NATIVIWEB_KEYSTORE_PASSWORD (or --password-file){}", path.display(), alias.as_ref().map(|a| format!(" (key `{a}`)")).unwrap_or_default(), if alias.is_some() { " and NATIVIWEB_KEY_PASSWORD" } else { "" })]
    WrongPassword {
        /// The keystore.
        path: PathBuf,
        /// The key whose password was wrong, when it was the key password.
        alias: Option<String>,
    },

    /// The alias asked for is not in the keystore.
    #[error("alias `{alias}` not found in keystore {}; it holds: {}", path.display(), if available.is_empty() { "no private keys".to_owned() } else { available.join(", ") })]
    AliasNotFound {
        /// The keystore.
        path: PathBuf,
        /// The alias asked for.
        alias: String,
        /// The aliases of private-key entries it holds.
        available: Vec<String>,
    },

    /// The keystore holds several keys and none was chosen.
    #[error("keystore {} holds several keys ({}); choose one with --alias", path.display(), available.join(", "))]
    AliasRequired {
        /// The keystore.
        path: PathBuf,
        /// Its private-key aliases.
        available: Vec<String>,
    },

    /// The keystore is damaged or in a form we do not read.
    #[error("cannot read keystore {}: {reason}", path.display())]
    Keystore {
        /// The keystore.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },

    /// A new keystore cannot be created as asked.
    #[error("cannot create keystore {}: {reason}", path.display())]
    NewKeystore {
        /// Where it was to be created.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },

    /// The key is of a type or size we do not sign with.
    #[error("unsupported key{}: {reason}; use an RSA key of 2048 to 4096 bits or an EC P-256 key", alias.as_ref().map(|a| format!(" `{a}`")).unwrap_or_default())]
    UnsupportedKey {
        /// The key's alias, when it came from a keystore.
        alias: Option<String>,
        /// What it is.
        reason: String,
    },

    /// The signing certificate has expired.
    #[error("the certificate of key `{alias}` expired on {not_after}; create a new upload key (nativiweb keystore new) and register it with the store")]
    CertificateExpired {
        /// The key's alias.
        alias: String,
        /// When it expired (RFC 3339).
        not_after: String,
    },

    /// A stored entry is not aligned.
    #[error(transparent)]
    Alignment(#[from] crate::zip::align::AlignmentError),

    /// The artifact is not an APK/AAB we can sign (no manifest, zip64, bad minSdk).
    #[error("cannot sign {}: {reason}", path.display())]
    BadArtifact {
        /// The artifact.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },

    /// Verification failed: the file was changed after signing, or the signature is invalid.
    #[error("verification of {} failed: {reason}", path.display())]
    Verify {
        /// The artifact.
        path: PathBuf,
        /// What did not match.
        reason: String,
    },

    /// A cryptographic operation failed (key generation, signing).
    #[error("{0}")]
    Crypto(String),
}

impl SignError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        SignError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn zip(path: impl Into<PathBuf>, source: ZipError) -> Self {
        SignError::Zip {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn keystore(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        SignError::Keystore {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn verify(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        SignError::Verify {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn bad(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        SignError::BadArtifact {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Wraps this error for the `Signer` trait boundary.
    pub fn into_core(self, backend: &str) -> nativiweb_core::Error {
        nativiweb_core::Error::backend(backend, self)
    }
}

/// `Result` with [`SignError`].
pub type Result<T, E = SignError> = std::result::Result<T, E>;
