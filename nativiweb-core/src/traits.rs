//! The five traits a pipeline is made of. Each is object-safe, so a pipeline holds
//! `Box<dyn Builder>` (and so on) chosen at run time, and each takes the build's
//! [`BuildContext`].

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::context::BuildContext;
use crate::error::Result;
use crate::model::{
    Artifact, ArtifactKind, Platform, SignedArtifact, SourceInfo, StoredArtifact, Submission,
};

/// Materializes a project into a directory and says where it came from.
#[async_trait]
pub trait ProjectSource: Send + Sync + std::fmt::Debug {
    /// A short name for logs and errors (`directory`, `zip`, `git`).
    fn name(&self) -> &str;

    /// Puts the project's files in `dest` (an empty directory that exists) and returns its origin.
    /// On failure, `dest` holds nothing the source wrote.
    async fn materialize(&self, ctx: &BuildContext, dest: &Path) -> Result<SourceInfo>;
}

/// What a [`Builder`] starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInput {
    /// The project root.
    pub project_dir: PathBuf,
    /// The built web bundle (holds `index.html`), absolute. `None` for projects without one
    /// (a native Android or Xcode project) or a remote `start_url` app.
    pub web_dir: Option<PathBuf>,
    /// Where the builder writes its artifacts.
    pub out_dir: PathBuf,
    /// The format asked for (`apk`, `aab`, `ipa`); `None` for the builder's default.
    pub format: Option<ArtifactKind>,
}

/// Turns a web bundle and the app config into unsigned (or self-signed) artifacts for one
/// platform.
#[async_trait]
pub trait Builder: Send + Sync + std::fmt::Debug {
    /// A short name for logs and errors (`direct`, `gradle`, `xcode`).
    fn name(&self) -> &str;

    /// The platform it builds for.
    fn platform(&self) -> Platform;

    /// Builds, returning the artifacts written under `input.out_dir`.
    async fn build(&self, ctx: &BuildContext, input: &BuildInput) -> Result<Vec<Artifact>>;
}

/// Signs artifacts and reports what it signed with.
#[async_trait]
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// A short name for logs and errors (`apksigner`, `jarsigner`, `codesign`).
    fn name(&self) -> &str;

    /// Whether this signer can sign artifacts of `kind`.
    fn supports(&self, kind: ArtifactKind) -> bool;

    /// Signs `artifact`, in place when `out` is `None`, else writing the signed file to `out`.
    /// The returned artifact's size and hash are those of the signed bytes.
    async fn sign(
        &self,
        ctx: &BuildContext,
        artifact: &Artifact,
        out: Option<&Path>,
    ) -> Result<SignedArtifact>;
}

/// Stores artifacts somewhere durable and says where, with size and SHA-256.
#[async_trait]
pub trait ArtifactSink: Send + Sync + std::fmt::Debug {
    /// A short name for logs and errors (`local-dir`, `s3`, `memory`).
    fn name(&self) -> &str;

    /// Stores `artifact`; the returned hash is computed from the bytes stored.
    async fn store(&self, ctx: &BuildContext, artifact: &Artifact) -> Result<StoredArtifact>;
}

/// Uploads a stored artifact to a store and reports the store's answer.
#[async_trait]
pub trait StoreSubmitter: Send + Sync + std::fmt::Debug {
    /// A short name for logs and errors (`google-play`, `app-store-connect`).
    fn name(&self) -> &str;

    /// Whether this store takes artifacts of `kind`.
    fn accepts(&self, kind: ArtifactKind) -> bool;

    /// Uploads the artifact at `artifact.location`.
    async fn submit(&self, ctx: &BuildContext, artifact: &StoredArtifact) -> Result<Submission>;
}
