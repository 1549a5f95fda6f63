//! Google Play through the Android Publisher API v3.
//!
//! One submission is one *edit*: `edits.insert` → upload the AAB (`edits.bundles.upload`) or
//! APK (`edits.apks.upload`) → optionally its `mapping.txt` (`edits.deobfuscationfiles.upload`)
//! → `edits.tracks.update` with the release → optionally `edits.validate` → `edits.commit`. If
//! anything fails after the edit exists, the edit is deleted (`edits.delete`), so no half-made
//! edit blocks the next run.

mod api;
mod auth;
mod errors;
mod key;
mod upload;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use nativiweb_core::{ArtifactKind, BuildContext, StoreSubmitter, StoredArtifact, Submission};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use api::{Payload, PlayApi, Subject};
pub use auth::{assertion, TokenSource, ASSERTION_LIFETIME, REFRESH_MARGIN, SCOPE};
pub use errors::{parse_google_error, GoogleError, PlayError, BACKEND};
pub use key::ServiceAccountKey;
pub use upload::{UploadOptions, CHUNK_QUANTUM};

use crate::body::{file_len, Progress};
use crate::http::{Endpoint, RetryPolicy};

/// Play's limit on one language's release notes, in characters.
pub const RELEASE_NOTES_MAX_CHARS: usize = 500;

/// A release's status on its track (`Release.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseStatus {
    /// Rolled out to every user of the track.
    Completed,
    /// Saved, not rolled out (the only status a draft app accepts).
    Draft,
    /// A staged rollout to [`PlayOptions::user_fraction`] of the track's users.
    InProgress,
    /// A staged rollout that was stopped.
    Halted,
}

impl ReleaseStatus {
    /// The API's spelling (`completed`, `draft`, `inProgress`, `halted`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Completed => "completed",
            ReleaseStatus::Draft => "draft",
            ReleaseStatus::InProgress => "inProgress",
            ReleaseStatus::Halted => "halted",
        }
    }
}

impl std::str::FromStr for ReleaseStatus {
    type Err = PlayError;
    /// Accepts the API's spelling and the CLI's (`in-progress`, `in_progress`), any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "completed" => Ok(ReleaseStatus::Completed),
            "draft" => Ok(ReleaseStatus::Draft),
            "inprogress" => Ok(ReleaseStatus::InProgress),
            "halted" => Ok(ReleaseStatus::Halted),
            _ => Err(PlayError::InvalidInput(format!(
                "unknown release status `{s}`: use completed, draft, inProgress or halted"
            ))),
        }
    }
}

/// One language's "What's new" text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseNote {
    /// A BCP-47 tag Play knows (`en-US`, `fr-FR`).
    pub language: String,
    /// At most [`RELEASE_NOTES_MAX_CHARS`] characters.
    pub text: String,
}

impl ReleaseNote {
    /// Parses the CLI's `LANG=FILE` and reads the file.
    pub fn from_arg(arg: &str) -> Result<Self, PlayError> {
        let (language, file) = arg.split_once('=').ok_or_else(|| {
            PlayError::InvalidInput(format!(
                "release notes `{arg}` are not LANG=FILE (e.g. en-US=notes/en.txt)"
            ))
        })?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| PlayError::InvalidInput(format!("reading release notes {file}: {e}")))?;
        Ok(ReleaseNote {
            language: language.trim().to_owned(),
            text: text.trim_end().to_owned(),
        })
    }
}

/// What to do with an upload: which track, how to release it, and how to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayOptions {
    /// The track (`internal`, `alpha`, `beta`, `production`, or a custom track's name).
    pub track: String,
    /// The release status; `None` means `inProgress` when `user_fraction` is set, else
    /// `completed`.
    pub status: Option<ReleaseStatus>,
    /// For a staged rollout: the fraction of users, strictly between 0 and 1.
    pub user_fraction: Option<f64>,
    /// "What's new", per language.
    pub release_notes: Vec<ReleaseNote>,
    /// The release's name in Play Console (Play uses the version name when absent).
    pub release_name: Option<String>,
    /// Commit with `changesNotSentForReview=true` (needed when Play says the changes must be
    /// sent for review from Play Console).
    pub changes_not_sent_for_review: bool,
    /// Call `edits.validate` before committing (commit validates too; this reports problems
    /// without trying to commit).
    pub validate: bool,
    /// A ProGuard/R8 `mapping.txt` to upload for the new version code.
    pub mapping_file: Option<PathBuf>,
    /// Simple vs resumable uploads, chunk size.
    pub upload: UploadOptions,
    /// Retries for 429/5xx answers.
    pub retry: RetryPolicy,
}

impl PlayOptions {
    /// Options for a completed release on `track`, everything else at its default.
    pub fn new(track: impl Into<String>) -> Self {
        PlayOptions {
            track: track.into(),
            status: None,
            user_fraction: None,
            release_notes: Vec::new(),
            release_name: None,
            changes_not_sent_for_review: false,
            validate: false,
            mapping_file: None,
            upload: UploadOptions::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// The status the release gets.
    pub fn effective_status(&self) -> ReleaseStatus {
        self.status.unwrap_or(if self.user_fraction.is_some() {
            ReleaseStatus::InProgress
        } else {
            ReleaseStatus::Completed
        })
    }

    /// Refuses combinations Play would refuse, before anything is sent.
    pub fn check(&self) -> Result<(), PlayError> {
        if self.track.trim().is_empty() {
            return Err(PlayError::InvalidInput("the track name is empty".into()));
        }
        let status = self.effective_status();
        match (status, self.user_fraction) {
            (ReleaseStatus::InProgress, None) => {
                return Err(PlayError::InvalidInput(
                    "a staged rollout (inProgress) needs a user fraction (--rollout 0.1 for 10 %)"
                        .into(),
                ))
            }
            (ReleaseStatus::InProgress | ReleaseStatus::Halted, Some(f))
                if !(f > 0.0 && f < 1.0) =>
            {
                return Err(PlayError::InvalidInput(format!(
                    "rollout fraction {f} must be strictly between 0 and 1; use status completed for everyone"
                )))
            }
            (ReleaseStatus::Completed | ReleaseStatus::Draft, Some(f)) => {
                return Err(PlayError::InvalidInput(format!(
                    "a rollout fraction ({f}) only applies to inProgress or halted releases, not {}",
                    status.as_str()
                )))
            }
            _ => {}
        }
        for note in &self.release_notes {
            let n = note.text.chars().count();
            if n > RELEASE_NOTES_MAX_CHARS {
                return Err(PlayError::InvalidInput(format!(
                    "release notes for {} are {n} characters; Play allows {RELEASE_NOTES_MAX_CHARS}",
                    note.language
                )));
            }
            if note.language.is_empty() {
                return Err(PlayError::InvalidInput(
                    "release notes without a language".into(),
                ));
            }
        }
        self.upload.check()
    }

    /// The `Release` JSON for `version_codes`.
    fn release_json(&self, version_codes: &[i64]) -> Value {
        let mut release = json!({
            "versionCodes": version_codes.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            "status": self.effective_status().as_str(),
        });
        if let Some(f) = self.user_fraction {
            release["userFraction"] = json!(f);
        }
        if let Some(name) = &self.release_name {
            release["name"] = json!(name);
        }
        if !self.release_notes.is_empty() {
            release["releaseNotes"] = self
                .release_notes
                .iter()
                .map(|n| json!({"language": n.language, "text": n.text}))
                .collect();
        }
        release
    }
}

/// What Play answered to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayRelease {
    /// The edit that was committed.
    pub edit_id: String,
    /// The uploaded file's version code.
    pub version_code: i64,
    /// The track released to.
    pub track: String,
    /// The release status set.
    pub status: ReleaseStatus,
}

/// The Google Play [`StoreSubmitter`]: uploads AABs and APKs to one app's track.
///
/// `Debug` names the app and the service account only.
#[derive(Clone)]
pub struct GooglePlay {
    api: Arc<PlayApi>,
    options: PlayOptions,
}

impl std::fmt::Debug for GooglePlay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GooglePlay")
            .field("package", &self.api.package)
            .field("service_account", &self.api.tokens.key().client_email())
            .field("endpoint", &self.api.endpoint)
            .field("options", &self.options)
            .finish()
    }
}

/// The permission Play Console calls "release to production".
const PERM_PRODUCTION: &str = "Release to production, exclude devices, and use Play App Signing";
/// The permission Play Console calls "release to testing tracks".
const PERM_TESTING: &str = "Release apps to testing tracks";

impl GooglePlay {
    /// A submitter for the app `package`, authenticated as `key`'s service account.
    pub fn new(
        key: ServiceAccountKey,
        package: impl Into<String>,
        options: PlayOptions,
    ) -> Result<Self, PlayError> {
        let package = package.into();
        if package.is_empty() || package.contains(['/', '?', '#', ' ']) {
            return Err(PlayError::InvalidInput(format!(
                "`{package}` is not an Android package name (like com.example.app)"
            )));
        }
        options.check()?;
        let http = crate::http::client().map_err(|e| PlayError::Protocol {
            endpoint: "client".into(),
            message: e.to_string(),
        })?;
        Ok(GooglePlay {
            api: Arc::new(PlayApi {
                http,
                endpoint: Endpoint::real(),
                retry: options.retry,
                tokens: TokenSource::new(key),
                package,
            }),
            options,
        })
    }

    /// Sends every request (API, token, uploads) to `base` instead of Google's hosts.
    pub fn with_endpoint(self, base: &str) -> Result<Self, PlayError> {
        let endpoint = Endpoint::override_with(base)?;
        let api = PlayApi {
            http: self.api.http.clone(),
            endpoint,
            retry: self.api.retry,
            tokens: TokenSource::new(self.api.tokens.key().clone()),
            package: self.api.package.clone(),
        };
        Ok(GooglePlay {
            api: Arc::new(api),
            options: self.options,
        })
    }

    /// The options this submitter releases with.
    pub fn options(&self) -> &PlayOptions {
        &self.options
    }

    /// The app's package name.
    pub fn package(&self) -> &str {
        &self.api.package
    }

    fn needs_for(&self, track: &str) -> &'static str {
        if track == "production" {
            PERM_PRODUCTION
        } else {
            PERM_TESTING
        }
    }

    async fn insert_edit(&self, ctx: &BuildContext) -> Result<String, PlayError> {
        let url = self.api.app_url("/edits");
        let edit = self
            .api
            .call(
                ctx,
                Method::POST,
                &url,
                &Payload::Json(&json!({})),
                Subject::default(),
            )
            .await?;
        edit.get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| PlayError::Protocol {
                endpoint: format!("POST {}", crate::http::describe_url(&url)),
                message: "the new edit has no id".into(),
            })
    }

    /// Deletes an edit, on a context of its own so a cancelled or timed-out build still
    /// cleans up (bounded to 30 s). Failures are logged, not returned: the edit expires anyway.
    async fn delete_edit(&self, ctx: &BuildContext, edit_id: &str) {
        let mut cleanup = ctx.clone().with_cancel(CancellationToken::new());
        cleanup.deadline = Some(Instant::now() + Duration::from_secs(30));
        let url = self.api.app_url(&format!("/edits/{edit_id}"));
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: None,
        };
        match self
            .api
            .call(&cleanup, Method::DELETE, &url, &Payload::Empty, subject)
            .await
        {
            Ok(_) => ctx.info(format!("deleted edit {edit_id} after the failure")),
            Err(e) => {
                tracing::warn!(edit_id, error = %e, "could not delete the edit");
                ctx.info(format!("could not delete edit {edit_id}: {e}"));
            }
        }
    }

    /// Runs `work` inside a fresh edit; deletes the edit if `work` fails.
    async fn in_edit<T, F, Fut>(&self, ctx: &BuildContext, work: F) -> Result<T, PlayError>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, PlayError>>,
    {
        let edit_id = self.insert_edit(ctx).await?;
        match work(edit_id.clone()).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.delete_edit(ctx, &edit_id).await;
                Err(e)
            }
        }
    }

    async fn get_track(
        &self,
        ctx: &BuildContext,
        edit_id: &str,
        track: &str,
    ) -> Result<Value, PlayError> {
        let url = self
            .api
            .app_url(&format!("/edits/{edit_id}/tracks/{track}"));
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: None,
        };
        self.api
            .call(ctx, Method::GET, &url, &Payload::Empty, subject)
            .await
    }

    async fn update_track(
        &self,
        ctx: &BuildContext,
        edit_id: &str,
        track: &str,
        releases: Vec<Value>,
    ) -> Result<Value, PlayError> {
        let url = self
            .api
            .app_url(&format!("/edits/{edit_id}/tracks/{track}"));
        let body = json!({"track": track, "releases": releases});
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: Some(self.needs_for(track)),
        };
        self.api
            .call(ctx, Method::PUT, &url, &Payload::Json(&body), subject)
            .await
    }

    async fn validate_edit(&self, ctx: &BuildContext, edit_id: &str) -> Result<(), PlayError> {
        let url = self.api.app_url(&format!("/edits/{edit_id}:validate"));
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: None,
        };
        self.api
            .call(ctx, Method::POST, &url, &Payload::Empty, subject)
            .await
            .map(drop)
    }

    async fn commit_edit(
        &self,
        ctx: &BuildContext,
        edit_id: &str,
        track: &str,
    ) -> Result<(), PlayError> {
        let mut url = self.api.app_url(&format!("/edits/{edit_id}:commit"));
        if self.options.changes_not_sent_for_review {
            url.push_str("?changesNotSentForReview=true");
        }
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: Some(self.needs_for(track)),
        };
        self.api
            .call(ctx, Method::POST, &url, &Payload::Empty, subject)
            .await
            .map(drop)
    }

    async fn upload_binary(
        &self,
        ctx: &BuildContext,
        edit_id: &str,
        path: &Path,
        kind: ArtifactKind,
    ) -> Result<i64, PlayError> {
        let total = file_len(path).await.map_err(|source| PlayError::File {
            path: path.display().to_string(),
            source,
        })?;
        let collection = match kind {
            ArtifactKind::Aab => "bundles",
            ArtifactKind::Apk => "apks",
            other => {
                return Err(PlayError::InvalidInput(format!(
                    "Google Play takes aab or apk files, not {other}"
                )))
            }
        };
        let url = self
            .api
            .upload_url(&format!("/edits/{edit_id}/{collection}"));
        let progress = Progress::new(ctx, total, format!("uploading {} to Google Play", kind));
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: Some(self.needs_for(&self.options.track)),
        };
        let upload = upload::Upload {
            url: &url,
            path,
            total,
            options: &self.options.upload,
            progress: &progress,
        };
        let resource = upload::upload_file(&self.api, ctx, &upload, subject).await?;
        // Bundle: {"versionCode": 42, "sha1", "sha256"}; Apk: {"versionCode": 42, "binary": {...}}.
        resource
            .get("versionCode")
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| PlayError::Protocol {
                endpoint: format!("POST {}", crate::http::describe_url(&url)),
                message: "the upload's answer has no versionCode".into(),
            })
    }

    async fn upload_mapping_in(
        &self,
        ctx: &BuildContext,
        edit_id: &str,
        version_code: i64,
        mapping: &Path,
    ) -> Result<(), PlayError> {
        let total = file_len(mapping).await.map_err(|source| PlayError::File {
            path: mapping.display().to_string(),
            source,
        })?;
        let url = self.api.upload_url(&format!(
            "/edits/{edit_id}/apks/{version_code}/deobfuscationFiles/proguard"
        ));
        let progress = Progress::new(ctx, total, "uploading mapping.txt to Google Play");
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: Some(self.needs_for(&self.options.track)),
        };
        let upload = upload::Upload {
            url: &url,
            path: mapping,
            total,
            options: &self.options.upload,
            progress: &progress,
        };
        upload::upload_file(&self.api, ctx, &upload, subject)
            .await
            .map(drop)
    }

    /// Uploads `path` (an AAB or APK) and releases it on the configured track, in one edit.
    pub async fn submit_file(
        &self,
        ctx: &BuildContext,
        path: &Path,
        kind: ArtifactKind,
    ) -> Result<PlayRelease, PlayError> {
        self.options.check()?;
        if !matches!(kind, ArtifactKind::Aab | ArtifactKind::Apk) {
            return Err(PlayError::InvalidInput(format!(
                "Google Play takes aab or apk files, not {kind}"
            )));
        }
        if let Err(e) = tokio::fs::metadata(path).await {
            return Err(PlayError::InvalidInput(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
        let track = self.options.track.clone();
        self.in_edit(ctx, |edit_id| async move {
            ctx.info(format!("edit {edit_id}: uploading {}", path.display()));
            let version_code = match self.upload_binary(ctx, &edit_id, path, kind).await {
                Err(PlayError::VersionCodeUsed {
                    endpoint,
                    version_code,
                    message,
                    ..
                }) => {
                    // Say which code and the highest one in use, so the fix is obvious.
                    // Google's message rarely names the code; the app config does.
                    let version_code =
                        version_code.or_else(|| ctx.app.as_ref().map(|a| a.build as i64));
                    let highest = self.highest_over_tracks(ctx, &edit_id).await;
                    return Err(PlayError::VersionCodeUsed {
                        endpoint,
                        version_code,
                        highest,
                        message,
                    });
                }
                other => other?,
            };
            if let Some(mapping) = &self.options.mapping_file {
                self.upload_mapping_in(ctx, &edit_id, version_code, mapping)
                    .await?;
            }
            let release = self.options.release_json(&[version_code]);
            self.update_track(ctx, &edit_id, &track, vec![release])
                .await?;
            if self.options.validate {
                self.validate_edit(ctx, &edit_id).await?;
            }
            self.commit_edit(ctx, &edit_id, &track).await?;
            ctx.info(format!(
                "Google Play: version code {version_code} released to `{track}` ({})",
                self.options.effective_status().as_str()
            ));
            Ok(PlayRelease {
                edit_id,
                version_code,
                track,
                status: self.options.effective_status(),
            })
        })
        .await
    }

    /// The track holding the highest version code of the app, read in `edit_id`
    /// (`edits.tracks.list`); `None` when it cannot be read.
    async fn highest_over_tracks(
        &self,
        ctx: &BuildContext,
        edit_id: &str,
    ) -> Option<(String, i64)> {
        let url = self.api.app_url(&format!("/edits/{edit_id}/tracks"));
        let subject = Subject {
            edit_id: Some(edit_id),
            needs: None,
        };
        let list = self
            .api
            .call(ctx, Method::GET, &url, &Payload::Empty, subject)
            .await
            .ok()?;
        list.get("tracks")?
            .as_array()?
            .iter()
            .filter_map(|t| {
                let name = t.get("track")?.as_str()?.to_owned();
                Some((name, highest_in_track(t)?))
            })
            .max_by_key(|(_, code)| *code)
    }

    /// The highest version code in any release on `track` (`None` when the track is empty), so
    /// a caller can set the next build number. Uses a throw-away edit, deleted afterwards.
    pub async fn highest_version_code(
        &self,
        ctx: &BuildContext,
        track: &str,
    ) -> Result<Option<i64>, PlayError> {
        let edit_id = self.insert_edit(ctx).await?;
        let result = self.get_track(ctx, &edit_id, track).await;
        self.delete_edit_quietly(ctx, &edit_id).await;
        match result {
            Ok(t) => Ok(highest_in_track(&t)),
            // A track nobody released to yet is answered with 404 by some apps.
            Err(PlayError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete_edit_quietly(&self, ctx: &BuildContext, edit_id: &str) {
        let url = self.api.app_url(&format!("/edits/{edit_id}"));
        if let Err(e) = self
            .api
            .call(
                ctx,
                Method::DELETE,
                &url,
                &Payload::Empty,
                Subject::default(),
            )
            .await
        {
            tracing::debug!(edit_id, error = %e, "could not delete a read-only edit");
        }
    }

    /// Uploads a `mapping.txt` for an already uploaded `version_code`, in its own edit.
    pub async fn upload_mapping(
        &self,
        ctx: &BuildContext,
        version_code: i64,
        mapping: &Path,
    ) -> Result<(), PlayError> {
        let track = self.options.track.clone();
        self.in_edit(ctx, |edit_id| async move {
            self.upload_mapping_in(ctx, &edit_id, version_code, mapping)
                .await?;
            self.commit_edit(ctx, &edit_id, &track).await
        })
        .await
    }

    /// Promotes the newest release of `from` (the one with the highest version code) to the
    /// configured track with the configured status, fraction, name and notes (the release's
    /// own name and notes are kept when none are configured).
    pub async fn promote(&self, ctx: &BuildContext, from: &str) -> Result<PlayRelease, PlayError> {
        self.options.check()?;
        let to = self.options.track.clone();
        let from = from.to_owned();
        self.in_edit(ctx, |edit_id| async move {
            let source = self.get_track(ctx, &edit_id, &from).await?;
            let release = newest_release(&source).ok_or_else(|| {
                PlayError::InvalidInput(format!("track `{from}` has no release to promote"))
            })?;
            let codes: Vec<i64> = version_codes(&release);
            let mut new_release = self.options.release_json(&codes);
            if self.options.release_name.is_none() {
                if let Some(name) = release.get("name") {
                    new_release["name"] = name.clone();
                }
            }
            if self.options.release_notes.is_empty() {
                if let Some(notes) = release.get("releaseNotes") {
                    new_release["releaseNotes"] = notes.clone();
                }
            }
            self.update_track(ctx, &edit_id, &to, vec![new_release])
                .await?;
            if self.options.validate {
                self.validate_edit(ctx, &edit_id).await?;
            }
            self.commit_edit(ctx, &edit_id, &to).await?;
            let version_code = codes.iter().copied().max().unwrap_or_default();
            ctx.info(format!(
                "Google Play: version code {version_code} promoted from `{from}` to `{to}`"
            ));
            Ok(PlayRelease {
                edit_id,
                version_code,
                track: to,
                status: self.options.effective_status(),
            })
        })
        .await
    }
}

/// The version codes of one release (strings in the API, int64).
fn version_codes(release: &Value) -> Vec<i64> {
    release
        .get("versionCodes")
        .and_then(Value::as_array)
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| c.as_str().and_then(|s| s.parse().ok()).or(c.as_i64()))
                .collect()
        })
        .unwrap_or_default()
}

/// The highest version code in a `Track` resource.
fn highest_in_track(track: &Value) -> Option<i64> {
    track
        .get("releases")
        .and_then(Value::as_array)?
        .iter()
        .flat_map(version_codes)
        .max()
}

/// The release holding the highest version code.
fn newest_release(track: &Value) -> Option<Value> {
    track
        .get("releases")
        .and_then(Value::as_array)?
        .iter()
        .filter(|r| !version_codes(r).is_empty())
        .max_by_key(|r| version_codes(r).into_iter().max())
        .cloned()
}

/// The local file behind a stored artifact (object-store URLs must be downloaded first).
pub(crate) fn local_path(artifact: &StoredArtifact) -> Result<PathBuf, String> {
    let loc = &artifact.location;
    let path = loc.strip_prefix("file://").unwrap_or(loc);
    if path.contains("://") {
        return Err(format!(
            "{} is stored at {loc}, not on this machine: store it with the local sink (or download it) before submitting",
            artifact.name
        ));
    }
    Ok(PathBuf::from(path))
}

#[async_trait]
impl StoreSubmitter for GooglePlay {
    fn name(&self) -> &str {
        BACKEND
    }

    fn accepts(&self, kind: ArtifactKind) -> bool {
        matches!(kind, ArtifactKind::Aab | ArtifactKind::Apk)
    }

    async fn submit(
        &self,
        ctx: &BuildContext,
        artifact: &StoredArtifact,
    ) -> nativiweb_core::Result<Submission> {
        let started = Instant::now();
        let path = local_path(artifact).map_err(PlayError::InvalidInput)?;
        let release = self
            .submit_file(ctx, &path, artifact.kind)
            .await
            .map_err(|e| e.into_core(started.elapsed()))?;
        Ok(Submission {
            store: BACKEND.to_owned(),
            track: Some(release.track),
            id: Some(release.version_code.to_string()),
            status: release.status.as_str().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_refuse_what_play_refuses() {
        let mut o = PlayOptions::new("beta");
        assert!(o.check().is_ok());
        assert_eq!(o.effective_status(), ReleaseStatus::Completed);
        o.user_fraction = Some(0.1);
        assert_eq!(o.effective_status(), ReleaseStatus::InProgress);
        assert!(o.check().is_ok());
        o.user_fraction = Some(1.0);
        assert!(o.check().is_err());
        o.user_fraction = Some(0.5);
        o.status = Some(ReleaseStatus::Completed);
        assert!(o.check().is_err());
        o.status = Some(ReleaseStatus::InProgress);
        o.user_fraction = None;
        assert!(o.check().is_err());
        let mut o = PlayOptions::new("beta");
        o.release_notes.push(ReleaseNote {
            language: "en-US".into(),
            text: "x".repeat(501),
        });
        assert!(o.check().is_err());
        let mut o = PlayOptions::new("beta");
        o.upload.chunk_size = 1000;
        assert!(o.check().is_err());
        assert_eq!(
            "in-progress".parse::<ReleaseStatus>().unwrap(),
            ReleaseStatus::InProgress
        );
        assert!("soon".parse::<ReleaseStatus>().is_err());
    }

    #[test]
    fn finds_the_highest_code_on_a_track() {
        let t = json!({"track": "beta", "releases": [
            {"versionCodes": ["40", "41"], "status": "completed"},
            {"versionCodes": ["39"], "status": "halted"}
        ]});
        assert_eq!(highest_in_track(&t), Some(41));
        assert_eq!(highest_in_track(&json!({"track": "beta"})), None);
        assert_eq!(version_codes(&newest_release(&t).unwrap()), vec![40, 41]);
    }
}
