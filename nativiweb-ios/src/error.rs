//! Why a project could not be generated.

use std::path::PathBuf;

use nativiweb_core::bundle::BundleError;

/// Why [`crate::XcodeProject::generate`] failed. Each variant names the field or the file at
/// fault; [`GenerateError::is_input`] tells bad input (fix the config or the files) from a
/// failure of the machine (a disk error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A value that the app config accepts but an iOS project cannot use, or a bad option.
    #[error("invalid `{field}` = {value:?} for iOS: {rule}")]
    Invalid {
        /// The field (`ios.deployment_target`) or option (`capabilities.associated_domains`).
        field: String,
        /// The value given.
        value: String,
        /// The rule it breaks and what to do.
        rule: String,
    },
    /// The app starts at a bundled page but no web bundle folder was given.
    #[error("the app starts at the bundled page `{start_url}` but no web bundle folder was given: build the web app first (or set `web_dir`), or set `start_url` to an https:// address")]
    NoWebBundle {
        /// The app's start page.
        start_url: String,
    },
    /// The web bundle folder is missing or not a folder.
    #[error("the web bundle folder {path} does not exist or is not a folder: build the web app first, or set `web_dir` to the folder it writes")]
    WebDirMissing {
        /// The folder.
        path: PathBuf,
    },
    /// The web bundle could not be listed (a bad `exclude` glob, an unreadable file, a name an
    /// app cannot hold).
    #[error("web bundle: {0}")]
    Bundle(#[from] BundleError),
    /// The app icon cannot be used.
    #[error("icon {path}: {reason}")]
    Icon {
        /// The icon file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The output folder is a file, or lies inside a folder the project cannot be written to.
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
    /// True when the input is at fault (the config, the icon, the web bundle, the options),
    /// false for a failure of the machine that may pass on a retry (a disk error).
    pub fn is_input(&self) -> bool {
        match self {
            GenerateError::Invalid { .. }
            | GenerateError::NoWebBundle { .. }
            | GenerateError::WebDirMissing { .. }
            | GenerateError::Icon { .. }
            | GenerateError::Output { .. } => true,
            GenerateError::Bundle(e) => !matches!(e, BundleError::Io { .. }),
            GenerateError::Io { .. } => false,
        }
    }

    /// The config field or option at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            GenerateError::Invalid { field, .. } => Some(field),
            GenerateError::NoWebBundle { .. } | GenerateError::WebDirMissing { .. } => {
                Some("web_dir")
            }
            GenerateError::Icon { .. } => Some("icon"),
            GenerateError::Bundle(BundleError::BadGlob { .. }) => Some("exclude"),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> GenerateError {
        let path = path.into();
        move |source| GenerateError::Io { path, source }
    }

    pub(crate) fn invalid(
        field: &str,
        value: impl std::fmt::Display,
        rule: impl Into<String>,
    ) -> GenerateError {
        GenerateError::Invalid {
            field: field.to_owned(),
            value: value.to_string(),
            rule: rule.into(),
        }
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
                path: std::path::PathBuf::new(),
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}
