#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The platform-independent core: model, config, the five traits, pipeline, detection, hashing.
pub use nativiweb_core as core;

/// Android: the SDK-free APK and App Bundle packager, signing, keystores, the Gradle builder and project generator.
#[cfg(feature = "android")]
pub use nativiweb_android as android;

/// iOS: the Xcode project generator, `XcodeBuilder` (macOS) and the credential check (any OS).
#[cfg(feature = "ios")]
pub use nativiweb_ios as ios;

/// Store submission: Google Play and App Store Connect.
#[cfg(feature = "store")]
pub use nativiweb_store as store;

/// The build farm: Redis queue, workers, deployment records, webhooks, metrics, HTTP API.
#[cfg(feature = "farm")]
pub use nativiweb_farm as farm;

/// The attribute macro nativiweb's traits are written with: put `#[async_trait]` on the `impl`
/// block of a custom backend (no `async-trait` dependency of your own needed).
pub use nativiweb_core::async_trait;
/// The token that cancels a pipeline run (from `tokio-util`; no dependency of your own needed).
pub use nativiweb_core::CancellationToken;

/// What a program that runs builds or writes a backend usually needs, in one `use`.
///
/// ```
/// use nativiweb::prelude::*;
///
/// #[derive(Debug)]
/// struct Nowhere;
///
/// #[async_trait]
/// impl ArtifactSink for Nowhere {
///     fn name(&self) -> &str {
///         "nowhere"
///     }
///     async fn store(&self, _ctx: &BuildContext, _artifact: &Artifact) -> Result<StoredArtifact> {
///         Err(Error::InvalidInput("this sink stores nothing".into()))
///     }
/// }
/// let _cancel = CancellationToken::new();
/// ```
pub mod prelude {
    pub use nativiweb_core::events::{event_channel, Event, EventSender};
    pub use nativiweb_core::{
        async_trait, AppConfig, Artifact, ArtifactKind, ArtifactSink, BuildContext, BuildInput,
        BuildReport, BuildStatus, Builder, CancellationToken, Error, Pipeline, Platform,
        ProjectSource, Result, Signer, StoreSubmitter, StoredArtifact,
    };
}
