//! # nativiweb-store
//!
//! nativiweb's [`StoreSubmitter`](nativiweb_core::StoreSubmitter) backends:
//!
//! - [`play::GooglePlay`]: the Android Publisher API v3 edits flow (upload an AAB or APK, simple
//!   or resumable; release it on a track, staged or draft, with notes; validate; commit; delete
//!   the edit on failure), plus the highest version code on a track, `mapping.txt` uploads and
//!   promotion between tracks.
//! - [`appstore::AppStoreConnect`]: the App Store Connect Build Uploads API (parallel part
//!   uploads, checksums, state polling), a pre-flight that refuses a version/build already
//!   uploaded, and TestFlight (processing, export compliance, "What to Test", beta groups, beta
//!   review).
//!
//! Both authenticate with JWTs made here ([`jwt`]), stream files from disk in bounded memory
//! ([`body`]), report `Progress` events with bytes sent, retry 429/5xx answers a bounded number
//! of times with backoff and jitter ([`http`]), honour the build's cancellation token and
//! deadline, and take one endpoint override that moves every API and upload host (tests,
//! proxies). Keys, JWTs and bearer tokens never appear in logs, errors or `Debug` output.
//!
//! Errors map onto nativiweb-core's kinds: what the user must fix (a duplicate version, a
//! missing permission, bad options) becomes [`nativiweb_core::Error::Rejected`] (the CLI exits
//! 2); what failed in the store or the network becomes [`nativiweb_core::Error::Backend`]
//! (exit 1).
//!
//! ## From CLI flags to this API
//!
//! `nativiweb submit play <AAB|APK> ...` maps onto [`play::GooglePlay::new`] and
//! [`play::PlayOptions`]:
//!
//! | flag | API |
//! |---|---|
//! | `--service-account <JSON>` | [`play::ServiceAccountKey::from_file`] |
//! | `--package <ID>` | the `package` argument of [`play::GooglePlay::new`] |
//! | `--track <T>` | [`play::PlayOptions::new`] / `track` |
//! | `--status S` | `status: Some(S.parse::<ReleaseStatus>()?)` (completed, draft, inProgress, halted) |
//! | `--rollout F` | `user_fraction: Some(F)` (status defaults to inProgress) |
//! | `--release-notes LANG=FILE` | `release_notes.push(ReleaseNote::from_arg(arg)?)` |
//! | `--release-name N` | `release_name: Some(N)` |
//! | `--changes-not-sent-for-review` | `changes_not_sent_for_review: true` |
//! | `--endpoint <URL>` | [`play::GooglePlay::with_endpoint`] |
//!
//! `nativiweb submit appstore <IPA> ...` maps onto [`appstore::AppStoreConnect::new`] and
//! [`appstore::AppStoreOptions`]:
//!
//! | flag | API |
//! |---|---|
//! | `--key-id <K> --issuer-id <I> --key <P8>` | [`appstore::ApiKey::from_p8_file`]`(K, Some(I), P8)` (no issuer: an individual key) |
//! | `--bundle-id`, `--version`, `--build` | `bundle_id`, `version`, `build_number` (read from the IPA when absent) |
//! | `--wait` | `wait_for_processing: true` |
//! | `--testflight-groups A,B` | `beta_groups: vec![A, B]` |
//! | `--whats-new TEXT` | `whats_new: Some(TEXT)` |
//! | `--endpoint <URL>` | [`appstore::AppStoreConnect::with_endpoint`] |
//!
//! Both are [`StoreSubmitter`](nativiweb_core::StoreSubmitter)s; called directly
//! (`submit_file`), their errors ([`play::PlayError`], [`appstore::AscError`]) convert into
//! [`nativiweb_core::Error`] with `into_core`/`From`, whose `kind()` gives the exit code: `Input`
//! → 2, anything else → 1.
//!
//! ## Where the stores' documentation is thin
//!
//! The request and response shapes follow Google's and Apple's published references; the
//! integration tests' stand-ins reproduce them. Some details are not documented and are
//! assumptions, each kept in one place:
//!
//! - Google Play error reasons: "version code already used" is recognised by the reason
//!   `apkUpgradeVersionConflict` or a message "Version code N has already been used"; an
//!   expired edit by `editExpired`/`editAlreadyCommitted` or its message; an unknown package
//!   by a 404 whose message names the package ([`play::PlayError`]).
//! - App Store Connect: the uploaded file's checksum is sent as its MD5 (the schema allows MD5
//!   or SHA-256); a spent `X-Rate-Limit` budget without `Retry-After` waits 60 s (capped by
//!   [`RetryPolicy::max_delay`]); `GET /v1/buildUploads/{id}?include=build` links the build
//!   once the upload is `COMPLETE`; `DELETE /v1/buildUploads/{id}` frees a version/build number
//!   whose file could not be sent; `filter[bundleId]` results are re-checked for an exact match.
//!
//! ```no_run
//! use nativiweb_store::play::{GooglePlay, PlayOptions, ServiceAccountKey};
//! use nativiweb_store::nativiweb_core::{ArtifactKind, BuildContext, Platform};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let key = ServiceAccountKey::from_file("play-key.json".as_ref())?;
//! let mut options = PlayOptions::new("beta");
//! options.user_fraction = Some(0.1); // a staged rollout to 10 %
//! let play = GooglePlay::new(key, "com.example.hello", options)?;
//! let ctx = BuildContext::new("/tmp/build", Platform::Android);
//! let release = play.submit_file(&ctx, "app-release.aab".as_ref(), ArtifactKind::Aab).await?;
//! println!("version code {} is on {}", release.version_code, release.track);
//! # Ok(())
//! # }
//! ```
//!
//! ```no_run
//! use nativiweb_store::appstore::{ApiKey, AppStoreConnect, AppStoreOptions};
//! use nativiweb_store::nativiweb_core::{BuildContext, Platform};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let key = ApiKey::from_p8_file("ABC123DEFG", Some("69a6de70-...".into()), "AuthKey.p8".as_ref())?;
//! let options = AppStoreOptions {
//!     beta_groups: vec!["QA".into()],
//!     whats_new: Some("Try the new onboarding.".into()),
//!     ..AppStoreOptions::default()
//! };
//! let asc = AppStoreConnect::new(key, options)?;
//! let ctx = BuildContext::new("/tmp/build", Platform::Ios);
//! let build = asc.submit_file(&ctx, "Hello.ipa".as_ref()).await?;
//! println!("{} ({}) is {}", build.version, build.build_number, build.state);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub use nativiweb_core;

pub mod appstore;
pub mod body;
pub mod http;
pub mod jwt;
pub mod play;

pub use appstore::AppStoreConnect;
pub use http::{Endpoint, RetryPolicy};
pub use play::GooglePlay;
