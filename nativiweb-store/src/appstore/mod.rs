//! App Store Connect: IPA uploads through the Build Uploads API, and TestFlight.
//!
//! A submission: read version and build number from the IPA's `Info.plist` (unless given) →
//! find the app by bundle id → pre-flight (refuse a version/build App Store Connect already
//! has, resolve beta group names) before sending a byte → `POST /v1/buildUploads` →
//! `POST /v1/buildUploadFiles` → the returned part uploads, in parallel with bounded
//! concurrency, each retried → `PATCH` the file `uploaded` with its checksum → poll the upload
//! until `COMPLETE`/`FAILED` → optionally TestFlight: wait for processing, export compliance,
//! "What to Test", beta groups, beta review.

mod api;
mod auth;
mod errors;
mod ipa;
mod key;
mod testflight;
mod uploads;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use nativiweb_core::{ArtifactKind, BuildContext, StoreSubmitter, StoredArtifact, Submission};
use reqwest::Method;
use serde_json::Value;

use api::{data_array, q, AscApi};
pub use auth::{make_token, TokenCache, AUDIENCE, MAX_TOKEN_LIFETIME, REGENERATE_MARGIN};
pub use errors::{parse_errors, AscError, ErrorSource, JsonApiError, BACKEND};
pub use ipa::{read_ipa_info, IpaInfo};
pub use key::{ApiKey, KeyOwner};
pub use testflight::{BuildRecord, WHATS_NEW_MAX_CHARS};
pub use uploads::{UploadOperation, UploadOutcome};

use crate::body::file_len;
use crate::http::{Endpoint, RetryPolicy};

/// What to upload and what to do with it afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct AppStoreOptions {
    /// The app's bundle id; read from the IPA when `None`.
    pub bundle_id: Option<String>,
    /// `CFBundleShortVersionString`; read from the IPA when `None`.
    pub version: Option<String>,
    /// `CFBundleVersion`; read from the IPA when `None`.
    pub build_number: Option<String>,
    /// Wait until TestFlight has processed the build (implied by every TestFlight option below).
    pub wait_for_processing: bool,
    /// The export compliance answer to set on the build (`usesNonExemptEncryption`).
    pub uses_non_exempt_encryption: Option<bool>,
    /// "What to Test" (at most [`WHATS_NEW_MAX_CHARS`] characters).
    pub whats_new: Option<String>,
    /// The locale of `whats_new`.
    pub whats_new_locale: String,
    /// Beta groups (by name) to give the build to.
    pub beta_groups: Vec<String>,
    /// Submit the build for beta app review (needed for external testers).
    pub submit_for_beta_review: bool,
    /// Parts sent at the same time.
    pub upload_concurrency: usize,
    /// Attempts per part (the first included).
    pub part_attempts: u32,
    /// How often to poll the upload and the build's processing.
    pub poll_interval: Duration,
    /// How long to wait for the upload to be `COMPLETE`.
    pub upload_timeout: Duration,
    /// How long to wait for TestFlight processing.
    pub processing_timeout: Duration,
    /// How long each JWT lives (at most 20 minutes).
    pub token_lifetime: Duration,
    /// Retries for 429/5xx answers.
    pub retry: RetryPolicy,
}

impl Default for AppStoreOptions {
    fn default() -> Self {
        AppStoreOptions {
            bundle_id: None,
            version: None,
            build_number: None,
            wait_for_processing: false,
            uses_non_exempt_encryption: None,
            whats_new: None,
            whats_new_locale: "en-US".into(),
            beta_groups: Vec::new(),
            submit_for_beta_review: false,
            upload_concurrency: 4,
            part_attempts: 3,
            poll_interval: Duration::from_secs(15),
            upload_timeout: Duration::from_secs(30 * 60),
            processing_timeout: Duration::from_secs(60 * 60),
            token_lifetime: MAX_TOKEN_LIFETIME,
            retry: RetryPolicy::default(),
        }
    }
}

impl AppStoreOptions {
    /// True when a TestFlight step needs the processed build.
    pub fn needs_processed_build(&self) -> bool {
        self.wait_for_processing
            || self.uses_non_exempt_encryption.is_some()
            || self.whats_new.is_some()
            || !self.beta_groups.is_empty()
            || self.submit_for_beta_review
    }

    /// Refuses options Apple would refuse, before anything is sent.
    pub fn check(&self) -> Result<(), AscError> {
        if let Some(text) = &self.whats_new {
            let n = text.chars().count();
            if n > WHATS_NEW_MAX_CHARS {
                return Err(AscError::InvalidInput(format!(
                    "\"What to Test\" is {n} characters; App Store Connect allows {WHATS_NEW_MAX_CHARS}"
                )));
            }
        }
        if self.upload_concurrency == 0 || self.part_attempts == 0 {
            return Err(AscError::InvalidInput(
                "upload concurrency and part attempts must be at least 1".into(),
            ));
        }
        if self.token_lifetime.is_zero() || self.token_lifetime > MAX_TOKEN_LIFETIME {
            return Err(AscError::InvalidInput(format!(
                "token lifetime must be between 1 s and {} s",
                MAX_TOKEN_LIFETIME.as_secs()
            )));
        }
        Ok(())
    }
}

/// What App Store Connect answered to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppStoreBuild {
    /// The app's id.
    pub app_id: String,
    /// The build upload's id.
    pub upload_id: String,
    /// The build's id, once Apple linked it.
    pub build_id: Option<String>,
    /// `CFBundleShortVersionString`.
    pub version: String,
    /// `CFBundleVersion`.
    pub build_number: String,
    /// The last state: `COMPLETE` (uploaded), `VALID` (processed) or the beta review state.
    pub state: String,
    /// Apple's warnings about the upload.
    pub warnings: Vec<String>,
}

/// The App Store Connect [`StoreSubmitter`]: uploads IPAs and hands them to TestFlight.
///
/// `Debug` shows the key id and options, never the key or a token.
#[derive(Debug)]
pub struct AppStoreConnect {
    api: AscApi,
    options: AppStoreOptions,
}

impl std::fmt::Debug for AscApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AscApi")
            .field("endpoint", &self.endpoint)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl AppStoreConnect {
    /// A submitter authenticated with `key`.
    pub fn new(key: ApiKey, options: AppStoreOptions) -> Result<Self, AscError> {
        options.check()?;
        let http = crate::http::client().map_err(|e| AscError::Protocol {
            endpoint: "client".into(),
            message: e.to_string(),
        })?;
        Ok(AppStoreConnect {
            api: AscApi {
                http,
                endpoint: Endpoint::real(),
                retry: options.retry,
                tokens: TokenCache::new(key, options.token_lifetime),
            },
            options,
        })
    }

    /// Sends every request (API and part uploads) to `base` instead of Apple's hosts.
    pub fn with_endpoint(mut self, base: &str) -> Result<Self, AscError> {
        self.api.endpoint = Endpoint::override_with(base)?;
        Ok(self)
    }

    /// The options.
    pub fn options(&self) -> &AppStoreOptions {
        &self.options
    }

    /// The app's id for `bundle_id`.
    pub async fn find_app(&self, ctx: &BuildContext, bundle_id: &str) -> Result<String, AscError> {
        let doc = self
            .api
            .call(
                ctx,
                Method::GET,
                &format!("/v1/apps?filter[bundleId]={}&limit=200", q(bundle_id)),
                None,
            )
            .await?;
        // The filter is not documented as exact; keep only the exact match.
        data_array(&doc)
            .iter()
            .find(|a| a.pointer("/attributes/bundleId").and_then(Value::as_str) == Some(bundle_id))
            .and_then(|a| a.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| AscError::AppNotFound {
                bundle_id: bundle_id.to_owned(),
            })
    }

    /// Fails with [`AscError::DuplicateBuild`] when the app already has this version and build:
    /// as a build (`GET /v1/builds`), or as a build upload that did not fail (`GET
    /// /v1/apps/{id}/buildUploads`, which also catches an upload still being processed).
    pub async fn preflight(
        &self,
        ctx: &BuildContext,
        app_id: &str,
        bundle_id: &str,
        version: &str,
        build: &str,
    ) -> Result<(), AscError> {
        let duplicate = |existing: String| AscError::DuplicateBuild {
            bundle_id: bundle_id.to_owned(),
            version: version.to_owned(),
            build: build.to_owned(),
            existing,
        };
        if let Some(b) = testflight::find_build(&self.api, ctx, app_id, version, build).await? {
            return Err(duplicate(format!("build {}, {}", b.id, b.processing_state)));
        }
        let doc = self
            .api
            .call(
                ctx,
                Method::GET,
                &format!(
                    "/v1/apps/{}/buildUploads?filter[cfBundleShortVersionString]={}&filter[cfBundleVersion]={}&filter[platform]=IOS&limit=200",
                    q(app_id),
                    q(version),
                    q(build)
                ),
                None,
            )
            .await?;
        let live = data_array(&doc).iter().find_map(|u| {
            let attr = |k: &str| {
                u.pointer(&format!("/attributes/{k}"))
                    .and_then(Value::as_str)
            };
            let state = u
                .pointer("/attributes/state/state")
                .and_then(Value::as_str)
                .unwrap_or("UNKNOWN");
            let id = u.get("id").and_then(Value::as_str).unwrap_or("?");
            (attr("cfBundleShortVersionString") == Some(version)
                && attr("cfBundleVersion") == Some(build)
                && state != "FAILED")
                .then(|| format!("build upload {id}, {state}"))
        });
        match live {
            Some(existing) => Err(duplicate(existing)),
            None => Ok(()),
        }
    }

    /// Uploads the IPA at `path` and runs the TestFlight steps the options ask for.
    pub async fn submit_file(
        &self,
        ctx: &BuildContext,
        path: &Path,
    ) -> Result<AppStoreBuild, AscError> {
        self.options.check()?;
        let size = file_len(path).await.map_err(|e| AscError::Ipa {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if size == 0 {
            return Err(AscError::Ipa {
                path: path.display().to_string(),
                message: "the file is empty".into(),
            });
        }
        let o = &self.options;
        let from_ipa = if o.bundle_id.is_none() || o.version.is_none() || o.build_number.is_none() {
            Some(ipa::read_ipa_info(path).await?)
        } else {
            None
        };
        let pick = |given: &Option<String>, read: fn(&IpaInfo) -> &String| {
            given
                .clone()
                .or_else(|| from_ipa.as_ref().map(|i| read(i).clone()))
                .unwrap_or_default()
        };
        let bundle_id = pick(&o.bundle_id, |i| &i.bundle_id);
        let version = pick(&o.version, |i| &i.version);
        let build = pick(&o.build_number, |i| &i.build);

        let app_id = self.find_app(ctx, &bundle_id).await?;
        self.preflight(ctx, &app_id, &bundle_id, &version, &build)
            .await?;
        let group_ids = testflight::resolve_groups(&self.api, ctx, &app_id, &o.beta_groups).await?;

        ctx.info(format!(
            "App Store Connect: uploading {bundle_id} {version} ({build}), {size} bytes"
        ));
        let upload_id =
            uploads::create_build_upload(&self.api, ctx, &app_id, &version, &build).await?;
        let sent = uploads::upload_file(
            &self.api,
            ctx,
            &upload_id,
            path,
            size,
            uploads::PartSettings {
                concurrency: o.upload_concurrency,
                attempts: o.part_attempts,
            },
        )
        .await;
        if let Err(e) = sent {
            // Free the version/build number for the next attempt.
            uploads::delete_build_upload(&self.api, ctx, &upload_id).await;
            return Err(e);
        }
        let outcome = uploads::wait_for_upload(
            &self.api,
            ctx,
            &upload_id,
            o.poll_interval,
            o.upload_timeout,
        )
        .await?;
        let mut result = AppStoreBuild {
            app_id: app_id.clone(),
            upload_id,
            build_id: outcome.build_id,
            version: version.clone(),
            build_number: build.clone(),
            state: outcome.state,
            warnings: outcome.warnings,
        };
        if !o.needs_processed_build() {
            return Ok(result);
        }
        let record = testflight::wait_for_processing(
            &self.api,
            ctx,
            &app_id,
            &version,
            &build,
            o.poll_interval,
            o.processing_timeout,
        )
        .await?;
        result.build_id = Some(record.id.clone());
        result.state = record.processing_state;
        if let Some(uses) = o.uses_non_exempt_encryption {
            testflight::set_encryption(&self.api, ctx, &record.id, uses).await?;
        }
        if let Some(text) = &o.whats_new {
            testflight::set_whats_new(&self.api, ctx, &record.id, &o.whats_new_locale, text)
                .await?;
        }
        if !group_ids.is_empty() {
            testflight::add_to_groups(&self.api, ctx, &record.id, &group_ids).await?;
            ctx.info(format!(
                "TestFlight: build given to {}",
                o.beta_groups.join(", ")
            ));
        }
        if o.submit_for_beta_review {
            result.state = testflight::submit_for_review(&self.api, ctx, &record.id).await?;
        }
        Ok(result)
    }
}

#[async_trait]
impl StoreSubmitter for AppStoreConnect {
    fn name(&self) -> &str {
        BACKEND
    }

    fn accepts(&self, kind: ArtifactKind) -> bool {
        kind == ArtifactKind::Ipa
    }

    async fn submit(
        &self,
        ctx: &BuildContext,
        artifact: &StoredArtifact,
    ) -> nativiweb_core::Result<Submission> {
        if artifact.kind != ArtifactKind::Ipa {
            return Err(AscError::InvalidInput(format!(
                "App Store Connect takes ipa files, not {}",
                artifact.kind
            ))
            .into());
        }
        let started = std::time::Instant::now();
        let path = crate::play::local_path(artifact).map_err(AscError::InvalidInput)?;
        let build = self
            .submit_file(ctx, &path)
            .await
            .map_err(|e| e.into_core(started.elapsed()))?;
        Ok(Submission {
            store: BACKEND.to_owned(),
            track: Some("testflight".to_owned()),
            id: Some(build.build_id.unwrap_or(build.upload_id)),
            status: build.state,
        })
    }
}
