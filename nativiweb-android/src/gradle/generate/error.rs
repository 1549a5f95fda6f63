//! Why a Gradle project could not be generated.

use std::path::PathBuf;

use nativiweb_core::bundle::BundleError;

use crate::package::PackageError;

/// Why [`crate::gradle::GradleProject::generate`] failed. Each variant names the field or the
/// file at fault; [`GenerateError::is_input`] tells bad input (fix the config or the files)
/// from a failure of the machine (a disk error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A value the app config accepts but a Gradle project cannot use.
    #[error("invalid `{field}` = {value:?} for an Android project: {rule}")]
    Invalid {
        /// The field (`android.target_sdk`).
        field: String,
        /// The value given.
        value: String,
        /// The rule it breaks and what to do.
        rule: String,
    },
    /// The app model (manifest, resources, icons, web bundle) could not be built: the same
    /// checks and messages as the SDK-free packager's.
    #[error(transparent)]
    Model(#[from] PackageError),
    /// The output folder is a file, or is the web bundle folder itself.
    #[error("output folder {path}: {reason}")]
    Output {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl GenerateError {
    /// True when the input is at fault (the config, the icon, the web bundle, the output
    /// folder), false for a failure of the machine that may pass on a retry (a disk error).
    pub fn is_input(&self) -> bool {
        match self {
            GenerateError::Invalid { .. } | GenerateError::Output { .. } => true,
            GenerateError::Model(e) => e.is_input(),
            GenerateError::Io { .. } => false,
        }
    }

    /// The config field or option at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            GenerateError::Invalid { field, .. } => Some(field),
            GenerateError::Model(
                PackageError::NoWebDir { .. }
                | PackageError::WebDirMissing { .. }
                | PackageError::NoIndexHtml { .. },
            ) => Some("web_dir"),
            GenerateError::Model(PackageError::Icon(_)) => Some("icon"),
            GenerateError::Model(PackageError::AppId(_)) => Some("android.application_id"),
            GenerateError::Model(PackageError::Bundle(BundleError::BadGlob { .. })) => {
                Some("exclude")
            }
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> GenerateError {
        let path = path.into();
        move |source| GenerateError::Io { path, source }
    }
}

impl From<nativiweb_core::regen::RegenError> for GenerateError {
    fn from(e: nativiweb_core::regen::RegenError) -> Self {
        match e {
            nativiweb_core::regen::RegenError::Output { path, reason } => {
                GenerateError::Output { path, reason }
            }
            nativiweb_core::regen::RegenError::Io { path, source } => {
                GenerateError::Io { path, source }
            }
            other => GenerateError::Io {
                path: PathBuf::new(),
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}
