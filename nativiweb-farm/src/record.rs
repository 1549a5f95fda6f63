//! The deployment record: what a build is, where it is, and what it made. Kept in Redis while
//! the build lives (and 24 hours after), and as `record.json` beside the artifacts
//! (`apps/{app_id}/{build_id}/record.json`), where it outlives Redis.

use nativiweb_core::model::{
    ArtifactKind, BuildReport, BuildStatus, ErrorKind, Platform, StepReport,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::job::{BuildId, JobRequest, JobSource, Priority};

/// Where the project came from, as the record shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSource {
    /// `git` or `upload`.
    pub kind: String,
    /// The repository URL (git) or the uploaded name.
    pub repo: Option<String>,
    /// The branch, tag or commit asked for.
    pub reference: Option<String>,
    /// The commit built (git), once the worker cloned it.
    pub commit: Option<String>,
    /// The commit's message, first line.
    pub message: Option<String>,
    /// The upload's key in the object store (upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<String>,
}

/// One stored artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordArtifact {
    /// The file name.
    pub name: String,
    /// What it is.
    pub kind: ArtifactKind,
    /// Where it is stored (`s3://bucket/apps/…` or a path).
    pub location: String,
    /// A pre-signed download URL, for stores that can sign one (S3), valid for a few days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the stored bytes.
    pub sha256: String,
}

/// A build's record (the seeds' `deployments` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// The build id.
    pub id: BuildId,
    /// The app it belongs to.
    pub app_id: String,
    /// The platform.
    pub platform: Platform,
    /// queued / building / success / failed / cancelled.
    pub status: BuildStatus,
    /// Queue priority.
    pub priority: Priority,
    /// Where the project came from.
    pub source: RecordSource,
    /// The builder asked for.
    pub builder: Option<String>,
    /// The format asked for.
    pub format: Option<ArtifactKind>,
    /// The signing profile named by the job.
    pub signing_profile: Option<String>,
    /// The app's version name as built.
    pub version: Option<String>,
    /// The build number as built.
    pub build_number: Option<u64>,
    /// The stored artifacts.
    pub artifacts: Vec<RecordArtifact>,
    /// When it was submitted.
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// When a worker started it (the last attempt).
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// When it finished.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Milliseconds from start to finish of the last attempt.
    pub duration_ms: Option<u64>,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// What kind of failure (`input` is never retried).
    pub error_kind: Option<ErrorKind>,
    /// The worker running it or that ran it last.
    pub worker: Option<String>,
    /// How many times a worker started it.
    pub attempts: u32,
    /// Where the build's log is stored.
    pub log: Option<String>,
    /// Whether its tools ran sandboxed (`false` only on workers started with
    /// `--allow-unsandboxed`).
    pub sandboxed: Option<bool>,
    /// The pipeline's steps of the last attempt.
    #[serde(default)]
    pub steps: Vec<StepReport>,
    /// What the build warned about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl DeploymentRecord {
    /// The record of a job just submitted.
    pub fn queued(id: BuildId, job: &JobRequest) -> Self {
        let source = match &job.source {
            JobSource::Git { url, reference } => RecordSource {
                kind: "git".into(),
                repo: Some(url.clone()),
                reference: reference.clone(),
                ..RecordSource::default()
            },
            JobSource::Upload { key, name, .. } => RecordSource {
                kind: "upload".into(),
                repo: name.clone(),
                upload: Some(key.clone()),
                ..RecordSource::default()
            },
        };
        DeploymentRecord {
            id,
            app_id: job.app_id.clone(),
            platform: job.platform,
            status: BuildStatus::Queued,
            priority: job.priority,
            source,
            builder: job.builder.clone(),
            format: job.format,
            signing_profile: job.signing_profile.clone(),
            version: job.version_name.clone(),
            build_number: job.build_number,
            artifacts: Vec::new(),
            queued_at: OffsetDateTime::now_utc(),
            started_at: None,
            finished_at: None,
            duration_ms: None,
            error: None,
            error_kind: None,
            worker: None,
            attempts: 0,
            log: None,
            sandboxed: None,
            steps: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// True once the build has ended (success, failed, cancelled).
    pub fn is_final(&self) -> bool {
        is_final(self.status)
    }

    /// Takes a finished pipeline run's outcome: status, error, steps, source commit, versions.
    pub fn absorb(&mut self, report: &BuildReport) {
        self.status = report.status;
        self.error = report.error.clone();
        self.error_kind = report.error_kind;
        self.steps = report.steps.clone();
        self.warnings = report.warnings.clone();
        if let Some(source) = &report.source {
            self.source.commit = source.commit.clone().or(self.source.commit.take());
            self.source.message = source.message.clone().or(self.source.message.take());
        }
        self.finish(report.status);
    }

    /// Marks the record as ended with `status` now, computing the duration.
    pub fn finish(&mut self, status: BuildStatus) {
        let now = OffsetDateTime::now_utc();
        self.status = status;
        self.finished_at = Some(now);
        self.duration_ms = self
            .started_at
            .map(|s| (now - s).whole_milliseconds().max(0) as u64);
    }

    /// The key prefix of the build's objects: `apps/{app_id}/{build_id}`.
    pub fn object_prefix(&self) -> String {
        format!("apps/{}/{}", self.app_id, self.id)
    }
}

/// True for the statuses a build never leaves.
pub fn is_final(status: BuildStatus) -> bool {
    matches!(
        status,
        BuildStatus::Success | BuildStatus::Failed | BuildStatus::Cancelled
    )
}

/// The lowercase name of a status, as Redis and metrics hold it.
pub fn status_str(status: BuildStatus) -> &'static str {
    match status {
        BuildStatus::Queued => "queued",
        BuildStatus::Building => "building",
        BuildStatus::Success => "success",
        BuildStatus::Failed => "failed",
        BuildStatus::Cancelled => "cancelled",
    }
}
