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
