//! What a client asks the farm to build: a [`JobRequest`], queued under a [`BuildId`].
//!
//! A job never carries a secret value: it names a signing profile (see
//! [`crate::signing::SigningProfiles`]) that each worker resolves from its own configuration,
//! so a dump of Redis leaks nothing.

use std::fmt;
use std::time::Duration;

use nativiweb_core::model::{ArtifactKind, Platform};
use serde::{Deserialize, Serialize};

use crate::error::FarmError;

/// A build's id: `b` followed by 12 hex digits of milliseconds since the Unix epoch and 8 random
/// hex digits, so ids sort by submission time and are safe in URLs, keys and file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BuildId(String);

impl BuildId {
    /// A new, unique id.
    pub fn generate() -> BuildId {
        let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        let random: u32 = rand_u32();
        BuildId(format!(
            "b{:012x}{random:08x}",
            ms as u64 & 0xffff_ffff_ffff
        ))
    }

    /// Parses an id a user typed or a URL held.
    ///
    /// # Errors
    /// [`FarmError::BadId`] when it is not 1–64 of `[a-z0-9-]`.
    pub fn parse(s: &str) -> Result<BuildId, FarmError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(BuildId(s.to_owned()))
        } else {
            Err(FarmError::BadId(s.chars().take(80).collect()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Random bits for ids without another dependency: the std hasher's per-process random keys
/// mixed with a counter and the clock.
fn rand_u32() -> u32 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_i128(time::OffsetDateTime::now_utc().unix_timestamp_nanos());
    h.write_u32(std::process::id());
    h.finish() as u32
}

impl fmt::Display for BuildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BuildId {
    type Error = FarmError;
    fn try_from(s: String) -> Result<Self, FarmError> {
        BuildId::parse(&s)
    }
}

impl From<BuildId> for String {
    fn from(id: BuildId) -> String {
        id.0
    }
}

/// Two levels: `high` jobs are taken before any `normal` one waiting in the same queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Taken first (a release hotfix).
    High,
    /// The default.
    #[default]
    Normal,
}

impl Priority {
    /// Both, in the order workers take them.
    pub const ALL: [Priority; 2] = [Priority::High, Priority::Normal];

    /// `high` or `normal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
        }
    }
}

impl std::str::FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            other => Err(format!("unknown priority `{other}`: use high or normal")),
        }
    }
}

/// Where a worker gets the project from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum JobSource {
    /// A git repository, cloned by the worker (credentials, if any, are the worker's own).
    Git {
        /// The repository URL (no credentials in it: the farm refuses URLs that carry them).
        url: String,
        /// Branch, tag or commit; the default branch when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// A ZIP of the project uploaded to the farm's object store.
    Upload {
        /// The object's name under the store's prefix (`uploads/{build_id}.zip`).
        key: String,
        /// Its size in bytes.
        size: u64,
        /// Its SHA-256, lowercase hex, checked by the worker after download.
        sha256: String,
        /// What was uploaded (the folder or file name), for the record.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

/// A build request as it sits in the queue. Serialized as JSON in Redis; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRequest {
    /// The app the build belongs to (the key prefix `apps/{app_id}/…`): `[a-z0-9._-]`.
    pub app_id: String,
    /// The platform, which picks the queue: Linux workers never take iOS jobs.
    pub platform: Platform,
    /// Where the project comes from.
    pub source: JobSource,
    /// The builder (`direct`, `gradle`, `xcode`); the platform's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<String>,
    /// The artifact format; the builder's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ArtifactKind>,
    /// The signing profile the worker resolves (its name only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_profile: Option<String>,
    /// The build number (versionCode / CFBundleVersion) over the project's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_number: Option<u64>,
    /// The version name over the project's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// Queue priority.
    #[serde(default)]
    pub priority: Priority,
    /// The whole build's time limit in seconds; the platform's default (30 min Android,
    /// 45 min iOS) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

impl JobRequest {
    /// A request with defaults for everything but the app, platform and source.
    pub fn new(app_id: impl Into<String>, platform: Platform, source: JobSource) -> Self {
        JobRequest {
            app_id: app_id.into(),
            platform,
            source,
            builder: None,
            format: None,
            signing_profile: None,
            build_number: None,
            version_name: None,
            priority: Priority::Normal,
            timeout_secs: None,
        }
    }

    /// The build's time limit: the request's, else 30 minutes for Android and 45 for iOS (the
    /// seeds' farms' limits).
    pub fn timeout(&self) -> Duration {
        match self.timeout_secs {
            Some(s) => Duration::from_secs(s),
            None => default_timeout(self.platform),
        }
    }

    /// Checks what can be checked without a worker: the app id's characters, a git URL without
    /// credentials, a sane timeout.
    ///
    /// # Errors
    /// [`FarmError::BadRequest`] naming the field.
    pub fn validate(&self) -> Result<(), FarmError> {
        let app_ok = !self.app_id.is_empty()
            && self.app_id.len() <= 128
            && !self.app_id.starts_with('.')
            && self.app_id.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if !app_ok {
            return Err(FarmError::BadRequest(format!(
                "app_id `{}` must be 1-128 of a-z, 0-9, `.`, `_`, `-` (not starting with `.`)",
                self.app_id.chars().take(80).collect::<String>()
            )));
        }
        match &self.source {
            JobSource::Git { url, .. } => {
                if url.is_empty() {
                    return Err(FarmError::BadRequest("source.url is empty".into()));
                }
                if let Some((_, rest)) = url.split_once("://") {
                    let authority = rest.split('/').next().unwrap_or("");
                    if authority.contains('@') && !url.starts_with("ssh://") {
                        return Err(FarmError::BadRequest(
                            "source.url carries credentials: jobs never hold secrets; give the workers a git credential helper or a deploy key instead".into(),
                        ));
                    }
                }
            }
            JobSource::Upload { key, sha256, .. } => {
                if key.is_empty() || key.contains("..") || key.starts_with('/') {
                    return Err(FarmError::BadRequest(format!(
                        "source.key `{key}` is not an upload key"
                    )));
                }
                if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(FarmError::BadRequest(
                        "source.sha256 must be 64 hex digits".into(),
                    ));
                }
            }
        }
        if self.timeout_secs == Some(0) {
            return Err(FarmError::BadRequest("timeout_secs must be above 0".into()));
        }
        Ok(())
    }
}

/// The default time limit of a platform's builds: 30 minutes for Android, 45 for iOS.
pub fn default_timeout(platform: Platform) -> Duration {
    match platform {
        Platform::Android => Duration::from_secs(30 * 60),
        Platform::Ios => Duration::from_secs(45 * 60),
    }
}

/// An app id from a name (a folder, a repository): lowercase, other characters as `-`.
pub fn app_id_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_owned();
    if out.is_empty() {
        "app".to_owned()
    } else {
        out.chars().take(128).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sortable_and_parse() {
        let a = BuildId::generate();
        let b = BuildId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 21);
        assert_eq!(BuildId::parse(a.as_str()).unwrap(), a);
        assert!(BuildId::parse("../etc").is_err());
        assert!(BuildId::parse("").is_err());
    }

    #[test]
    fn requests_with_credentials_or_bad_app_ids_are_refused() {
        let git = |url: &str| JobSource::Git {
            url: url.into(),
            reference: None,
        };
        let ok = JobRequest::new("hello", Platform::Android, git("https://example.com/a.git"));
        ok.validate().unwrap();
        let creds = JobRequest::new(
            "hello",
            Platform::Android,
            git("https://u:p@example.com/a.git"),
        );
        assert!(creds
            .validate()
            .unwrap_err()
            .to_string()
            .contains("credentials"));
        let bad = JobRequest::new("Hello World", Platform::Android, git("https://e/a"));
        assert!(bad.validate().unwrap_err().to_string().contains("app_id"));
        assert_eq!(app_id_from_name("My App!"), "my-app");
        assert_eq!(ok.timeout(), Duration::from_secs(1800));
    }
}
