//! The error type every trait method and pipeline step returns.
//!
//! Modeled on `object_store::Error`: a few precise variants for what core itself does, and
//! [`Error::Backend`] for what a pluggable backend reports, always naming the backend and
//! carrying its own typed error as the source. Messages say what is wrong and what to do, and
//! never contain a secret value (process output is redacted before it gets here).

use std::path::PathBuf;
use std::time::Duration;

use crate::model::Step;

/// A boxed error from a backend or a lower layer.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors from nativiweb-core and from the backends behind its traits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The app configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing ("reading", "creating", "renaming").
        action: &'static str,
        /// The file or directory at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// An external tool failed, could not start, or was killed.
    #[error(transparent)]
    Process(#[from] crate::process::ProcessError),

    /// The project could not be materialized (bad archive, failed clone, missing folder).
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),

    /// The build's cancellation token fired.
    #[error("build cancelled")]
    Cancelled,

    /// A step ran past its own deadline or the build's.
    #[error("step `{step}` timed out after {}{}; raise the timeout or find what hangs in the step's log", crate::model::human_duration(*elapsed), limit.map(|l| format!(" (the limit was {})", crate::model::human_duration(l))).unwrap_or_default())]
    Timeout {
        /// The step that was running.
        step: Step,
        /// How long the step had run.
        elapsed: Duration,
        /// The timeout that ran out (the step's or the build's), when known.
        limit: Option<Duration>,
    },

    /// The input is not what the step needs; the message says what to change.
    #[error("{0}")]
    InvalidInput(String),

    /// A backend rejected its input (an icon that is not square, a wrong keystore password):
    /// the user must change the project, config or credentials.
    #[error("{backend}: {source}")]
    Rejected {
        /// Which backend.
        backend: String,
        /// Its own error.
        #[source]
        source: BoxError,
    },

    /// Several problems found at once (the pipeline's `check` step reports every input problem
    /// it finds, so a user fixes them in one go).
    #[error("{} problems:{}", problems.len(), problems.iter().map(|p| format!("\n  - {}", crate::pipeline::error_chain(p).replace('\n', "\n    "))).collect::<String>())]
    Several {
        /// Each problem.
        problems: Vec<Error>,
    },

    /// A backend (builder, signer, sink, submitter, source) failed.
    #[error("{backend}: {source}")]
    Backend {
        /// Which backend (`apk-packager`, `gradle`, `local-dir`, `google-play`).
        backend: String,
        /// Its own error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// An I/O error with the path and the action that failed.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Wraps a backend's own error, naming the backend.
    pub fn backend(backend: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Backend {
            backend: backend.into(),
            source: source.into(),
        }
    }

    /// Wraps a backend's own error that says its input is wrong (see [`Error::Rejected`]).
    pub fn rejected(backend: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Rejected {
            backend: backend.into(),
            source: source.into(),
        }
    }

    /// True when the user must change the input: bad config, bad project, rejected by a backend.
    pub fn is_input(&self) -> bool {
        match self {
            Error::Several { problems } => problems.iter().all(Error::is_input),
            other => matches!(
                other,
                Error::Config(_)
                    | Error::InvalidInput(_)
                    | Error::Source(_)
                    | Error::Rejected { .. }
            ),
        }
    }

    /// One error for a list of problems: `None` for none, the problem itself for one,
    /// [`Error::Several`] for more.
    pub fn from_problems(mut problems: Vec<Error>) -> Option<Error> {
        match problems.len() {
            0 => None,
            1 => problems.pop(),
            _ => Some(Error::Several { problems }),
        }
    }

    /// The kind of failure, for [`crate::model::BuildReport::error_kind`].
    pub fn kind(&self) -> crate::model::ErrorKind {
        use crate::model::ErrorKind;
        if self.is_cancelled() {
            ErrorKind::Cancelled
        } else if self.is_timeout() {
            ErrorKind::Timeout
        } else if self.is_input() {
            ErrorKind::Input
        } else {
            ErrorKind::Failed
        }
    }

    /// True for [`Error::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled) || matches!(self, Error::Process(p) if p.is_cancelled())
    }

    /// True for [`Error::Timeout`] and process timeouts.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. }) || matches!(self, Error::Process(p) if p.is_timeout())
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
