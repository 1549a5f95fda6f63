//! Google Play's errors, typed.
//!
//! Google answers failures with `{"error": {"code", "message", "status", "errors": [{"reason",
//! "message", "domain"}]}}`. The known ones a user can act on get their own variant and advice;
//! every other answer keeps the endpoint, HTTP status, Google's status, reason and message.
//!
//! Which `reason` strings Google uses is only partly documented; the matching below also looks
//! at the message (e.g. "Version code 42 has already been used."), as fastlane supply does.

use nativiweb_core::Error as CoreError;

use crate::http::TransportError;

/// The backend name in core errors.
pub const BACKEND: &str = "google-play";

/// What went wrong talking to Google Play.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlayError {
    /// The service-account key could not be used.
    #[error("service-account key: {0}")]
    InvalidKey(String),

    /// The caller's options or file are wrong (before anything was sent).
    #[error("{0}")]
    InvalidInput(String),

    /// The token endpoint refused the service account's assertion.
    #[error("{token_uri} refused a token for {client_email} (HTTP {status}): {message}; check that the key is current (not deleted in Google Cloud) and the machine's clock is right")]
    Auth {
        /// Where the token was asked for.
        token_uri: String,
        /// The service account.
        client_email: String,
        /// HTTP status.
        status: u16,
        /// The endpoint's `error_description` (or `error`).
        message: String,
    },

    /// The version code is already used by an earlier upload (fastlane#21642).
    #[error("{endpoint}: version code {} has already been used{}: raise the build number above {} and build again (Google said: {message})",
        version_code.map(|v| v.to_string()).unwrap_or_else(|| "of this file".into()),
        highest.as_ref().map(|(t, v)| format!(" (the highest in use is {v}, on track `{t}`)")).unwrap_or_default(),
        highest.as_ref().map(|(_, v)| v.to_string()).or(version_code.map(|v| v.to_string())).unwrap_or_else(|| "the highest one used".into()))]
    VersionCodeUsed {
        /// The failing call.
        endpoint: String,
        /// The code refused, when known.
        version_code: Option<i64>,
        /// The track looked at and the highest code on it, when it could be read.
        highest: Option<(String, i64)>,
        /// Google's message.
        message: String,
    },

    /// Play has no app with this package name (or the account cannot see it).
    #[error("{endpoint}: package `{package}` was not found in Play Console: the first upload of a new app must be made by hand in Play Console (create the app, upload one AAB), then the API can upload (Google said: {message})")]
    PackageNotFound {
        /// The failing call.
        endpoint: String,
        /// The package name asked for.
        package: String,
        /// Google's message.
        message: String,
    },

    /// The service account lacks a permission.
    #[error("{endpoint}: the service account {service_account} lacks the permission to {needed}: in Play Console > Users and permissions, invite it and grant it {needed} for this app (Google said: {message})")]
    PermissionDenied {
        /// The failing call.
        endpoint: String,
        /// The service account's e-mail.
        service_account: String,
        /// What the call needed, in Play Console's words.
        needed: String,
        /// Google's message.
        message: String,
    },

    /// The edit expired or was deleted or committed meanwhile.
    #[error("{endpoint}: edit {edit_id} is no longer open (expired, deleted or committed elsewhere): submit again (Google said: {message})")]
    EditExpired {
        /// The failing call.
        endpoint: String,
        /// The edit.
        edit_id: String,
        /// Google's message.
        message: String,
    },

    /// Any other answer that is not a success.
    #[error("{endpoint}: HTTP {status}{}{}: {message}",
        google_status.as_deref().map(|s| format!(" {s}")).unwrap_or_default(),
        reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Api {
        /// The failing call.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// Google's `status` (`INVALID_ARGUMENT`, `PERMISSION_DENIED`...).
        google_status: Option<String>,
        /// The first `errors[].reason`.
        reason: Option<String>,
        /// Google's message (or the start of the body when it is not Google's JSON).
        message: String,
    },

    /// A resumable upload answered in a way the protocol does not allow.
    #[error("{endpoint}: {message}")]
    Protocol {
        /// The failing call.
        endpoint: String,
        /// What was wrong.
        message: String,
    },

    /// The file to upload could not be read.
    #[error("reading {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// Network, cancellation or deadline.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl PlayError {
    /// True when the user must change something (the file, the options, the key or the
    /// account's permissions) rather than retry: the CLI exits 2 for these.
    pub fn is_input(&self) -> bool {
        match self {
            PlayError::InvalidKey(_)
            | PlayError::InvalidInput(_)
            | PlayError::Auth { .. }
            | PlayError::VersionCodeUsed { .. }
            | PlayError::PackageNotFound { .. }
            | PlayError::PermissionDenied { .. } => true,
            PlayError::Api { status, .. } => matches!(status, 400 | 401 | 403 | 404 | 409 | 422),
            PlayError::EditExpired { .. }
            | PlayError::Protocol { .. }
            | PlayError::File { .. }
            | PlayError::Transport(_) => false,
        }
    }
}

impl PlayError {
    /// The core error for this failure: [`CoreError::Rejected`] for input errors (exit 2),
    /// [`CoreError::Backend`] for store and network failures (exit 1), and core's own
    /// cancellation and timeout (`elapsed`: how long the step had run).
    pub fn into_core(self, elapsed: std::time::Duration) -> CoreError {
        match self {
            PlayError::Transport(TransportError::Cancelled) => CoreError::Cancelled,
            PlayError::Transport(TransportError::TimedOut) => CoreError::Timeout {
                step: nativiweb_core::Step::Submit,
                elapsed,
                limit: None,
            },
            e if e.is_input() => CoreError::rejected(BACKEND, e),
            e => CoreError::backend(BACKEND, e),
        }
    }
}

impl From<PlayError> for CoreError {
    /// [`PlayError::into_core`] without a known elapsed time.
    fn from(e: PlayError) -> Self {
        e.into_core(std::time::Duration::ZERO)
    }
}

/// Google's error body, as far as we read it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GoogleError {
    /// `error.status`.
    pub status: Option<String>,
    /// `error.errors[0].reason`.
    pub reason: Option<String>,
    /// `error.message`, or the start of the body.
    pub message: String,
}

/// Reads `{"error": {...}}`; any other body becomes the message (cut to 300 characters).
pub fn parse_google_error(body: &str) -> GoogleError {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        status: Option<String>,
        #[serde(default)]
        errors: Vec<Detail>,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        #[serde(default)]
        reason: Option<String>,
    }
    match serde_json::from_str::<Envelope>(body) {
        Ok(env) => GoogleError {
            status: env.error.status,
            reason: env.error.errors.into_iter().find_map(|d| d.reason),
            message: env.error.message.unwrap_or_default(),
        },
        Err(_) => GoogleError {
            status: None,
            reason: None,
            message: body.chars().take(300).collect(),
        },
    }
}

/// Reads an OAuth token endpoint's `{"error", "error_description"}`.
pub fn parse_oauth_error(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    match (
        v.get("error").and_then(|e| e.as_str()),
        v.get("error_description").and_then(|e| e.as_str()),
    ) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(e), None) => e.to_owned(),
        _ => body.chars().take(300).collect(),
    }
}

/// The version code in a "version code N has already been used" message, if it says so.
pub fn version_code_in_message(message: &str) -> Option<i64> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("version code")?;
    lower[at + "version code".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

/// True when Google says the version code is taken.
pub fn is_version_code_used(err: &GoogleError) -> bool {
    let m = err.message.to_ascii_lowercase();
    matches!(
        err.reason.as_deref(),
        Some("apkUpgradeVersionConflict") | Some("apkVersionCodeAlreadyUsed")
    ) || (m.contains("version code") && m.contains("already been used"))
}

/// True when Google says the edit is gone.
pub fn is_edit_expired(err: &GoogleError) -> bool {
    let m = err.message.to_ascii_lowercase();
    matches!(
        err.reason.as_deref(),
        Some("editExpired") | Some("editAlreadyCommitted") | Some("editDeleted")
    ) || (m.contains("edit")
        && (m.contains("expired")
            || m.contains("has been deleted")
            || m.contains("already been committed")))
}

/// True when Google says the package does not exist.
pub fn is_package_not_found(status: u16, err: &GoogleError) -> bool {
    let m = err.message.to_ascii_lowercase();
    (status == 404 && m.contains("package"))
        || matches!(err.reason.as_deref(), Some("applicationNotFound"))
        || m.contains("package not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_google_errors_and_version_codes() {
        let e = parse_google_error(
            r#"{"error":{"code":403,"message":"APK specifies a version code that has already been used.","status":"PERMISSION_DENIED","errors":[{"message":"x","domain":"androidpublisher","reason":"apkUpgradeVersionConflict"}]}}"#,
        );
        assert_eq!(e.status.as_deref(), Some("PERMISSION_DENIED"));
        assert_eq!(e.reason.as_deref(), Some("apkUpgradeVersionConflict"));
        assert!(is_version_code_used(&e));
        assert_eq!(
            version_code_in_message("Version code 42 has already been used."),
            Some(42)
        );
        assert_eq!(version_code_in_message("no code here"), None);
        let plain = parse_google_error("<html>Bad gateway</html>");
        assert_eq!(plain.message, "<html>Bad gateway</html>");
        assert!(!is_version_code_used(&plain));
    }
}
