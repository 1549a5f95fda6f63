//! The farm's errors. Each names the build, key, URL or file at fault; none carries a secret.

use std::path::PathBuf;

/// Why a farm operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FarmError {
    /// Redis refused or could not be reached.
    #[error("redis: {action}: {source}")]
    Redis {
        /// What was being done.
        action: String,
        /// Redis' error (its URL's password is never part of it).
        #[source]
        source: redis::RedisError,
    },
    /// A build id that is not one.
    #[error("`{0}` is not a build id")]
    BadId(String),
    /// A request the farm cannot take; the message names the field.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No build with this id (never submitted, or its 24 hours are over).
    #[error("no build `{0}`: it was never submitted or its record expired (records are kept 24 hours in Redis; the JSON record beside the artifacts stays)")]
    NotFound(String),
    /// What Redis holds is not what the farm wrote (another program, another version).
    #[error("build {id}: its stored {what} is unreadable: {detail}")]
    Corrupt {
        /// The build.
        id: String,
        /// What was read.
        what: &'static str,
        /// The parser's message.
        detail: String,
    },
    /// The object store failed.
    #[error(transparent)]
    Storage(#[from] Box<nativiweb_core::sink::ObjectSinkError>),
    /// A local file operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The signing profiles file is wrong; the message names the profile and field.
    #[error("signing profiles {}: {message}", path.display())]
    Profiles {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The worker cannot run as configured.
    #[error("worker: {0}")]
    Worker(String),
}

impl FarmError {
    /// A Redis error while doing `action`.
    pub fn redis(action: impl Into<String>, source: redis::RedisError) -> Self {
        FarmError::Redis {
            action: action.into(),
            source,
        }
    }

    /// A file error.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FarmError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the caller's input is at fault (exit code 2, HTTP 4xx).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            FarmError::BadId(_)
                | FarmError::BadRequest(_)
                | FarmError::NotFound(_)
                | FarmError::Profiles { .. }
        )
    }
}

impl From<nativiweb_core::sink::ObjectSinkError> for FarmError {
    fn from(e: nativiweb_core::sink::ObjectSinkError) -> Self {
        FarmError::Storage(Box::new(e))
    }
}

/// The farm's result type.
pub type Result<T, E = FarmError> = std::result::Result<T, E>;
