//! The five traits a pipeline is made of. Each is object-safe, so a pipeline holds
//! `Box<dyn Builder>` (and so on) chosen at run time, and each takes the build's
//! [`BuildContext`].
//!
//! The traits are async, written with the `async_trait` attribute macro (re-exported as
//! `nativiweb_core::async_trait` and `nativiweb::async_trait`), so a custom backend puts
//! `#[async_trait]` on its `impl` block too and needs no extra dependency:
//!
//! ```
//! use nativiweb_core::{async_trait, Artifact, ArtifactSink, BuildContext, Result, StoredArtifact};
//!
//! /// Keeps artifacts where the builder wrote them.
//! #[derive(Debug)]
//! struct InPlace;
//!
//! #[async_trait]
//! impl ArtifactSink for InPlace {
//!     fn name(&self) -> &str {
//!         "in-place"
//!     }
//!
//!     async fn store(&self, _ctx: &BuildContext, artifact: &Artifact) -> Result<StoredArtifact> {
//!         Ok(StoredArtifact {
//!             name: artifact.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
//!             location: artifact.path.display().to_string(),
//!             kind: artifact.kind,
//!             platform: artifact.platform,
//!             size: artifact.size,
//!             sha256: artifact.sha256.clone(),
//!         })
//!     }
//! }
//! ```
//!
//! Every backend may also implement `preflight`: checks that take a moment (a file exists, a
//! folder is writable, a credential parses) and that the pipeline runs in its `check` step,
//! before any install or build, so bad input fails in a second rather than after minutes.

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

    /// The user's own folder this source copies, when it is one on this machine: the
    /// pipeline names it (not the temporary copy) in messages about the project's files.
    fn local_root(&self) -> Option<PathBuf> {
        None
    }

    /// The folder to build in, in place, when the caller allowed it: the pipeline then uses it
    /// as the project dir and passes it as `dest` to [`ProjectSource::materialize`], which
    /// copies nothing. `None` (the default) means a copy in the work dir.
    fn in_place_root(&self) -> Option<PathBuf> {
        None
    }
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

    /// Checks, before the web build, what can be checked in a moment: the format asked for,
    /// the icon, the tools the build will need. `input.web_dir` may not exist yet.
    async fn preflight(&self, _ctx: &BuildContext, _input: &BuildInput) -> Result<()> {
        Ok(())
    }

    /// What this builder needs of the web build for `detection`'s project: the web bundle
    /// (the default: packagers and Capacitor), only the JavaScript dependencies installed
    /// (React Native and Expo, whose native build bundles the JS itself), or nothing (a plain
    /// Android project, Flutter). The pipeline runs only that much.
    fn web_needs(&self, _detection: &crate::detect::Detection) -> WebNeeds {
        WebNeeds::Bundle
    }
}

/// How much of the web build a [`Builder`] needs (see [`Builder::web_needs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebNeeds {
    /// The built web bundle (install, then the build script).
    Bundle,
    /// The dependencies installed (`node_modules`), no web build.
    InstallOnly,
    /// Nothing from the web toolchain.
    Nothing,
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

    /// Checks, before the web build, that signing will work (the key is usable).
    async fn preflight(&self, _ctx: &BuildContext) -> Result<()> {
        Ok(())
    }
}

/// Stores artifacts somewhere durable and says where, with size and SHA-256.
#[async_trait]
pub trait ArtifactSink: Send + Sync + std::fmt::Debug {
    /// A short name for logs and errors (`local-dir`, `s3`, `memory`).
    fn name(&self) -> &str;

    /// Stores `artifact`; the returned hash is computed from the bytes stored.
    async fn store(&self, ctx: &BuildContext, artifact: &Artifact) -> Result<StoredArtifact>;

    /// The local folder artifacts go to, when the sink writes to this machine: the pipeline
    /// never copies or packages it, even when it lies inside the project.
    fn local_dir(&self) -> Option<PathBuf> {
        None
    }

    /// Checks, before the web build, that storing will work (the folder can be written).
    async fn preflight(&self, _ctx: &BuildContext) -> Result<()> {
        Ok(())
    }
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

    /// Checks, before the web build, that submitting can work (credentials parse).
    async fn preflight(&self, _ctx: &BuildContext) -> Result<()> {
        Ok(())
    }
}
