//! App Store Connect's errors, typed.
//!
//! The API answers failures with JSON:API errors: `{"errors": [{"id", "status", "code",
//! "title", "detail", "source": {"pointer" | "parameter"}}]}`. Each is kept; the variant says
//! whose fault it is.

use nativiweb_core::Error as CoreError;

use crate::http::TransportError;

/// The backend name in core errors.
pub const BACKEND: &str = "app-store-connect";

/// One JSON:API error object.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct JsonApiError {
    /// The HTTP status, as a string.
    #[serde(default)]
    pub status: String,
    /// Apple's machine-readable code (`ENTITY_ERROR.ATTRIBUTE.INVALID`, `NOT_AUTHORIZED`).
    #[serde(default)]
    pub code: String,
    /// A short summary.
    #[serde(default)]
    pub title: String,
    /// The details.
    #[serde(default)]
    pub detail: String,
    /// What in the request it is about.
    #[serde(default)]
    pub source: Option<ErrorSource>,
}

/// Where in the request an error points.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ErrorSource {
    /// A JSON pointer into the request body.
    #[serde(default)]
    pub pointer: Option<String>,
    /// A query parameter.
    #[serde(default)]
    pub parameter: Option<String>,
}

impl std::fmt::Display for JsonApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.title, self.detail)?;
        if let Some(src) = &self.source {
            if let Some(p) = src.pointer.as_deref().or(src.parameter.as_deref()) {
                write!(f, " (at {p})")?;
            }
        }
        Ok(())
    }
}

fn join(errors: &[JsonApiError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What went wrong talking to App Store Connect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AscError {
    /// The API key could not be used.
    #[error("App Store Connect API key: {0}")]
    InvalidKey(String),

    /// The caller's options or file are wrong (before anything was sent).
    #[error("{0}")]
    InvalidInput(String),

    /// App Store Connect already has this version and build number.
    #[error("App Store Connect already has {bundle_id} version {version} build {build} ({existing}): raise the build number (CFBundleVersion) and build again")]
    DuplicateBuild {
        /// The app.
        bundle_id: String,
        /// CFBundleShortVersionString.
        version: String,
        /// CFBundleVersion.
        build: String,
        /// What holds the number: `build <id>, <processingState>` or `build upload <id>,
        /// <state>`.
        existing: String,
    },

    /// No app with this bundle id in the account.
    #[error("no app with bundle id `{bundle_id}` in App Store Connect: create it (Apps > +) or check the bundle id and that the key's team owns the app")]
    AppNotFound {
        /// The bundle id asked for.
        bundle_id: String,
    },

    /// Beta groups named in the options do not exist.
    #[error("beta group(s) {} not found for the app; its groups are: {}", missing.join(", "), if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    BetaGroupNotFound {
        /// The names not found.
        missing: Vec<String>,
        /// The groups the app has.
        available: Vec<String>,
    },

    /// Apple refused the key (401 even with a fresh token).
    #[error("{endpoint}: App Store Connect refused the API key (HTTP 401): {}; check the key id, issuer id and .p8 file, and that the key is not revoked", join(errors))]
    Unauthorized {
        /// The failing call.
        endpoint: String,
        /// Apple's errors.
        errors: Vec<JsonApiError>,
    },

    /// Any other answer that is not a success.
    #[error("{endpoint}: HTTP {status}: {}", if errors.is_empty() { message.clone() } else { join(errors) })]
    Api {
        /// The failing call.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// Apple's errors.
        errors: Vec<JsonApiError>,
        /// The start of the body when it held no JSON:API errors.
        message: String,
    },

    /// The upload or the build failed Apple's processing.
    #[error("App Store Connect {what} ended {state}: {}", if errors.is_empty() { "no details given".to_owned() } else { errors.join("; ") })]
    Processing {
        /// The upload or build.
        what: String,
        /// The final state (`FAILED`, `INVALID`).
        state: String,
        /// Apple's error descriptions.
        errors: Vec<String>,
    },

    /// Waiting for Apple ran out of time.
    #[error("gave up waiting for {what} after {}s (last state {state}); it may still finish: check App Store Connect", waited.as_secs())]
    WaitTimeout {
        /// What was waited for.
        what: String,
        /// The last state seen.
        state: String,
        /// How long we waited.
        waited: std::time::Duration,
    },

    /// An answer the documented protocol does not allow.
    #[error("{endpoint}: {message}")]
    Protocol {
        /// The failing call.
        endpoint: String,
        /// What was wrong.
        message: String,
    },

    /// A part upload failed for good.
    #[error(
        "uploading part {part} (bytes {offset}..{end}) failed after {attempts} attempts: {message}"
    )]
    Part {
        /// 1-based part number.
        part: u64,
        /// First byte.
        offset: u64,
        /// One past the last byte.
        end: u64,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        message: String,
    },

    /// The IPA could not be read.
    #[error("reading {path}: {message}")]
    Ipa {
        /// The file.
        path: String,
        /// What was wrong.
        message: String,
    },

    /// Network, cancellation or deadline.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl AscError {
    /// True when the user must change something (the IPA, the options, the key, the app's
    /// setup) rather than retry: the CLI exits 2 for these.
    pub fn is_input(&self) -> bool {
        match self {
            AscError::InvalidKey(_)
            | AscError::InvalidInput(_)
            | AscError::DuplicateBuild { .. }
            | AscError::AppNotFound { .. }
            | AscError::BetaGroupNotFound { .. }
            | AscError::Unauthorized { .. }
            | AscError::Ipa { .. }
            // Apple's processing refused the binary (bad signature, missing Info.plist keys):
            // the app must change.
            | AscError::Processing { .. } => true,
            AscError::Api { status, .. } => matches!(status, 400 | 403 | 404 | 409 | 422),
            AscError::WaitTimeout { .. }
            | AscError::Protocol { .. }
            | AscError::Part { .. }
            | AscError::Transport(_) => false,
        }
    }
}

impl AscError {
    /// The core error for this failure: [`CoreError::Rejected`] for input errors (exit 2),
    /// [`CoreError::Backend`] for store and network failures (exit 1), and core's own
    /// cancellation and timeout (`elapsed`: how long the step had run).
    pub fn into_core(self, elapsed: std::time::Duration) -> CoreError {
        match self {
            AscError::Transport(TransportError::Cancelled) => CoreError::Cancelled,
            AscError::Transport(TransportError::TimedOut) => CoreError::Timeout {
                step: nativiweb_core::Step::Submit,
                elapsed,
                limit: None,
            },
            e if e.is_input() => CoreError::rejected(BACKEND, e),
            e => CoreError::backend(BACKEND, e),
        }
    }
}

impl From<AscError> for CoreError {
    /// [`AscError::into_core`] without a known elapsed time.
    fn from(e: AscError) -> Self {
        e.into_core(std::time::Duration::ZERO)
    }
}

/// Reads `{"errors": [...]}`; `None` when the body is something else.
pub fn parse_errors(body: &str) -> Vec<JsonApiError> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(default)]
        errors: Vec<JsonApiError>,
    }
    serde_json::from_str::<Envelope>(body)
        .map(|e| e.errors)
        .unwrap_or_default()
}
