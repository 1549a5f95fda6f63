//! The data every step passes along: platforms, artifact kinds, artifacts, steps and the build
//! report that a pipeline returns (and that the CLI prints with `--json`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A target platform. One pipeline run builds for exactly one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Android phones and tablets (APK, AAB).
    Android,
    /// iPhone and iPad (IPA, xcarchive).
    Ios,
}

impl Platform {
    /// The lowercase name used in config files, the CLI and JSON (`android`, `ios`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "android" => Ok(Platform::Android),
            "ios" => Ok(Platform::Ios),
            other => Err(format!(
                "unknown platform `{other}`: use `android` or `ios`"
            )),
        }
    }
}

/// What kind of file an artifact is. Decides which signer and which store upload applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// An Android package, installable directly.
    Apk,
    /// An Android App Bundle, the format Google Play requires for new apps.
    Aab,
    /// An iOS app archive ready for App Store Connect.
    Ipa,
    /// An Xcode archive (a directory, usually zipped for storage).
    Xcarchive,
    /// Any other zip (a web bundle, a generated project).
    Zip,
    /// An R8/ProGuard `mapping.txt`: what crash reports need to show real names, and what
    /// Google Play takes with the version it belongs to. No signer signs it.
    Mapping,
}

impl ArtifactKind {
    /// The lowercase name used in JSON and on the CLI, which is also the usual file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Apk => "apk",
            ArtifactKind::Aab => "aab",
            ArtifactKind::Ipa => "ipa",
            ArtifactKind::Xcarchive => "xcarchive",
            ArtifactKind::Zip => "zip",
            ArtifactKind::Mapping => "mapping",
        }
    }

    /// Guesses the kind from a file name's extension (case-insensitive), if it is one we know.
    pub fn from_path(path: &std::path::Path) -> Option<ArtifactKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        ext.parse().ok()
    }
}

impl std::fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ArtifactKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "apk" => Ok(ArtifactKind::Apk),
            "aab" => Ok(ArtifactKind::Aab),
            "ipa" => Ok(ArtifactKind::Ipa),
            "xcarchive" => Ok(ArtifactKind::Xcarchive),
            "zip" => Ok(ArtifactKind::Zip),
            "mapping" => Ok(ArtifactKind::Mapping),
            other => Err(format!(
                "unknown artifact kind `{other}`: use apk, aab, ipa, xcarchive, zip or mapping"
            )),
        }
    }
}

/// A file a builder or signer produced, with its size and SHA-256 (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Where the file is now (inside the build's work dir until a sink stores it).
    pub path: PathBuf,
    /// What the file is.
    pub kind: ArtifactKind,
    /// Which platform it is for.
    pub platform: Platform,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// An artifact after an [`crate::ArtifactSink`] stored it: where it lives now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredArtifact {
    /// File name, as listed in the sink's manifest.
    pub name: String,
    /// Where the sink put it: an absolute path for the local sink, a URL for object stores.
    pub location: String,
    /// What the file is.
    pub kind: ArtifactKind,
    /// Which platform it is for.
    pub platform: Platform,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the stored bytes, lowercase hex (computed while copying, not trusted from input).
    pub sha256: String,
}

/// What a signer signed with, reported so a build record shows which key went into a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureInfo {
    /// The signer backend (`apksigner`, `jarsigner`, `codesign`).
    pub signer: String,
    /// Schemes written, e.g. `["v1", "v2", "v3"]` for an APK.
    pub schemes: Vec<String>,
    /// Subject of the signing certificate (RFC 4514 form).
    pub certificate_subject: String,
    /// SHA-256 fingerprint of the signing certificate's DER bytes, lowercase hex.
    pub certificate_sha256: String,
    /// True when the key is a debug key that stores refuse.
    pub debug: bool,
}

/// An artifact after signing, with what it was signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedArtifact {
    /// The signed file (its size and hash are those of the signed bytes).
    pub artifact: Artifact,
    /// The key and schemes used.
    pub signature: SignatureInfo,
}

/// The store's answer to an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// Which store (`google-play`, `app-store-connect`).
    pub store: String,
    /// The track or destination (`internal`, `production`, `testflight`), when the store has one.
    pub track: Option<String>,
    /// The store's id for what was uploaded (version code, build id, edit id).
    pub id: Option<String>,
    /// The store's status for the upload, in its own words (`completed`, `PROCESSING`).
    pub status: String,
}

/// A duration as people read it in logs and errors: `850 ms`, `2.0 s`, `3 min 05 s`. One
/// formatter for every place a duration is shown, so one event never reads two ways.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        let secs = d.as_secs_f64().round() as u64;
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

/// The steps of a pipeline, in order. Used in events and in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Materializing the project into the work dir.
    Source,
    /// Working out what the project is and loading its config.
    Detect,
    /// Checking every input that can be checked before the long steps (config, icon, output
    /// folder, credentials), so a bad input fails in a second instead of after the web build.
    Check,
    /// Installing dependencies and building the web bundle.
    WebBuild,
    /// Producing the native artifact(s).
    Build,
    /// Signing the artifacts.
    Sign,
    /// Storing the artifacts in the sink.
    Store,
    /// Uploading to a store.
    Submit,
}

impl Step {
    /// The snake_case name used in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Source => "source",
            Step::Detect => "detect",
            Step::Check => "check",
            Step::WebBuild => "web_build",
            Step::Build => "build",
            Step::Sign => "sign",
            Step::Store => "store",
            Step::Submit => "submit",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// It did its job.
    Success,
    /// It was not needed (no submitter configured, `--skip-web-build`).
    Skipped,
    /// It failed; the report's `error` says why.
    Failed,
    /// The build was cancelled while it ran.
    Cancelled,
    /// It ran past its deadline or the build's.
    TimedOut,
}

/// Where a build is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    /// Accepted, not started.
    Queued,
    /// Running.
    Building,
    /// Finished with artifacts.
    Success,
    /// Stopped by an error (including a timeout).
    Failed,
    /// Stopped by its cancellation token.
    Cancelled,
}

/// Why a build did not succeed, for callers that act on it (the CLI's exit code, a retry
/// policy): fix the input, look at the build, raise a deadline, or nothing (cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input was rejected (config, project files, icon, keystore, password): the user must
    /// change it; retrying the same build fails the same way.
    Input,
    /// A tool or backend failed while doing its job.
    Failed,
    /// A step or the build ran past its deadline.
    Timeout,
    /// The build was cancelled.
    Cancelled,
}

/// Where the project came from, as a deployment record would show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The source backend (`directory`, `zip`, `git`).
    pub kind: String,
    /// The path or URL the project came from (credentials stripped from URLs).
    pub origin: String,
    /// The git commit hash, for git sources.
    pub commit: Option<String>,
    /// The commit's message (first line), for git sources.
    pub message: Option<String>,
    /// The branch or tag asked for, for git sources.
    pub reference: Option<String>,
    /// Where the project is inside what was materialized, when that is more than the project:
    /// a workspace member (`apps/web`) is materialized with its whole workspace, whose root
    /// holds the lockfile its install needs. The pipeline builds in this subfolder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<PathBuf>,
}

/// One step's record in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// Which step.
    pub step: Step,
    /// How it ended.
    pub outcome: StepOutcome,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// How long it ran, in milliseconds.
    pub duration_ms: u64,
}

/// The result of a pipeline run, serialized as the CLI's `--json` output of `build`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildReport {
    /// Where the build ended.
    pub status: BuildStatus,
    /// The platform built for.
    pub platform: Platform,
    /// When the build started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it finished (absent while queued or building).
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Where the project came from.
    pub source: Option<SourceInfo>,
    /// The steps that ran, in order.
    pub steps: Vec<StepReport>,
    /// The stored artifacts.
    pub artifacts: Vec<StoredArtifact>,
    /// What each artifact was signed with, in the order of `artifacts`.
    pub signatures: Vec<SignatureInfo>,
    /// The stores' answers, when the build submitted.
    pub submissions: Vec<Submission>,
    /// The error that ended a failed build (secrets redacted), or why it was cancelled.
    pub error: Option<String>,
    /// What kind of failure `error` is, when there is one.
    pub error_kind: Option<ErrorKind>,
    /// Things the user should know about a build that went on anyway (secret-looking files
    /// left out of the bundle, a debug key, an output folder inside the bundle).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Where the build's work dir was kept, when the caller asked to keep it.
    pub work_dir: Option<PathBuf>,
}

impl BuildReport {
    /// A report for a build that has not started yet.
    pub fn queued(platform: Platform) -> Self {
        BuildReport {
            status: BuildStatus::Queued,
            platform,
            started_at: OffsetDateTime::now_utc(),
            finished_at: None,
            source: None,
            steps: Vec::new(),
            artifacts: Vec::new(),
            signatures: Vec::new(),
            submissions: Vec::new(),
            error: None,
            error_kind: None,
            warnings: Vec::new(),
            work_dir: None,
        }
    }

    /// Total time from start to finish, when finished.
    pub fn duration(&self) -> Option<Duration> {
        let end = self.finished_at?;
        (end - self.started_at).try_into().ok()
    }
}
