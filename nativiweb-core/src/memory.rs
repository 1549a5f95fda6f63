//! Small backends for the five traits that need no platform tools: for core's own tests, for
//! tests of services built on nativiweb, and as the smallest working examples of each trait.
//!
//! | backend | trait | what it does |
//! |---|---|---|
//! | [`MemorySource`] | [`ProjectSource`] | writes a map of path -> bytes into the work dir |
//! | [`WebZipBuilder`] | [`Builder`] | zips the web bundle into a deterministic `zip` artifact |
//! | [`MemorySigner`] | [`Signer`] | adds an HMAC-SHA256-signed digest manifest to a zip |
//! | [`MemorySink`] | [`ArtifactSink`] | keeps the artifact's bytes in memory, hashing them |
//! | [`MemorySubmitter`] | [`StoreSubmitter`] | records what it was asked to submit |
//!
//! Each is cheap to clone and clones share state, so a test keeps one handle and gives the
//! pipeline a `Box` of another:
//!
//! ```
//! use nativiweb_core::memory::{MemorySink, MemorySource, WebZipBuilder};
//! use nativiweb_core::{Pipeline, Platform};
//!
//! let sink = MemorySink::new();
//! let pipeline = Pipeline::new(
//!     Box::new(
//!         MemorySource::new()
//!             .file("index.html", "<h1>hi</h1>")
//!             .file("nativiweb.toml", "id = \"com.example.hi\"\nname = \"Hi\"\n"),
//!     ),
//!     Box::new(WebZipBuilder::new(Platform::Android)),
//!     Box::new(sink.clone()),
//! );
//! # let _ = pipeline;
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use crate::context::BuildContext;
use crate::error::{Error, Result};
use crate::model::{
    Artifact, ArtifactKind, Platform, SignatureInfo, SignedArtifact, SourceInfo, StoredArtifact,
    Submission,
};
use crate::traits::{ArtifactSink, BuildInput, Builder, ProjectSource, Signer, StoreSubmitter};

/// What went wrong in one of these backends. Reported through [`Error::Backend`], which names
/// the backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryError {
    /// A [`MemorySource`] path would land outside the project.
    #[error("`{}` is not a relative path inside the project (absolute paths and `..` are refused): use a path like `src/index.html`", path.display())]
    BadPath {
        /// The path given.
        path: PathBuf,
    },
    /// The builder was given no web bundle.
    #[error("there is no web bundle to zip (the app loads a remote start_url, or the project is native): use a builder that does not need one")]
    NoWebBundle,
    /// The builder was asked for a format it does not make.
    #[error(
        "makes `zip` artifacts only, not `{asked}`: ask for zip or choose a builder for {asked}"
    )]
    UnsupportedFormat {
        /// The format asked for.
        asked: ArtifactKind,
    },
    /// The web bundle holds something that is not a regular file or directory.
    #[error("{} is a symlink or special file; the zip builder stores regular files only: replace it with a copy", path.display())]
    NotAFile {
        /// The entry at fault.
        path: PathBuf,
    },
    /// A zip could not be read or written.
    #[error("zip {}: {source}", path.display())]
    Zip {
        /// The zip file.
        path: PathBuf,
        /// The zip library's error.
        #[source]
        source: zip::result::ZipError,
    },
    /// The signing key secret is missing.
    #[error("the signing key secret `{name}` is not set: add it to the build's Secrets")]
    MissingKey {
        /// The secret's name.
        name: String,
    },
    /// The signer was given an artifact kind it cannot sign.
    #[error("cannot sign `{kind}` artifacts (only zip): leave it to a signer for {kind}")]
    CannotSign {
        /// The kind given.
        kind: ArtifactKind,
    },
    /// The file's bytes no longer match the hash recorded when it was built or signed.
    #[error("{} changed after it was built: its sha256 is {actual}, expected {expected}; something rewrote it between steps", path.display())]
    HashMismatch {
        /// The artifact file.
        path: PathBuf,
        /// The hash recorded in the artifact.
        expected: String,
        /// The hash of the bytes read.
        actual: String,
    },
    /// The submitter was given an artifact kind it does not take.
    #[error("does not accept `{kind}` artifacts (accepts: {accepted})")]
    NotAccepted {
        /// The kind given.
        kind: ArtifactKind,
        /// What it takes.
        accepted: String,
    },
}

fn backend_err(name: &str, e: MemoryError) -> Error {
    Error::backend(name, e)
}

fn join_err(name: &str, e: tokio::task::JoinError) -> Error {
    Error::backend(name, format!("worker task failed: {e}"))
}

/// SHA-256 of a file, streamed, with its size (through [`crate::hash`]).
fn hash_file(path: &Path) -> Result<(u64, String)> {
    let digest = crate::hash::sha256_file(path).map_err(|e| Error::backend("hash", e))?;
    Ok((digest.size, digest.sha256))
}

// ---------------------------------------------------------------------------------------------
// MemorySource

/// A [`ProjectSource`] that writes a fixed set of files (path -> bytes) into the work dir.
///
/// Paths are relative with `/` or the platform separator; absolute paths and `..` are refused.
/// On failure nothing it wrote is left behind.
#[derive(Clone, Default)]
pub struct MemorySource {
    files: BTreeMap<PathBuf, Arc<[u8]>>,
    origin: Option<String>,
    commit: Option<(String, String)>,
}

impl MemorySource {
    /// An empty project.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn file(mut self, path: impl Into<PathBuf>, bytes: impl AsRef<[u8]>) -> Self {
        self.insert(path, bytes);
        self
    }

    /// Adds (or replaces) a file in place.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl AsRef<[u8]>) {
        self.files.insert(path.into(), Arc::from(bytes.as_ref()));
    }

    /// What the report's `source.origin` says (default `memory`).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Records a commit hash and message in the report, as a git source would.
    pub fn commit(mut self, hash: impl Into<String>, message: impl Into<String>) -> Self {
        self.commit = Some((hash.into(), message.into()));
        self
    }

    fn check_paths(&self) -> std::result::Result<(), MemoryError> {
        for path in self.files.keys() {
            let ok = path.components().next().is_some()
                && path.components().all(|c| matches!(c, Component::Normal(_)));
            if !ok {
                return Err(MemoryError::BadPath { path: path.clone() });
            }
        }
        Ok(())
    }
}

impl fmt::Debug for MemorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySource")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("origin", &self.origin)
            .finish()
    }
}

#[async_trait]
impl ProjectSource for MemorySource {
    fn name(&self) -> &str {
        "memory"
    }

    async fn materialize(&self, ctx: &BuildContext, dest: &Path) -> Result<SourceInfo> {
        self.check_paths().map_err(|e| backend_err("memory", e))?;
        let files = self.files.clone();
        let dest = dest.to_owned();
        let count = files.len();
        tokio::task::spawn_blocking(move || write_files(&dest, &files))
            .await
            .map_err(|e| join_err("memory", e))??;
        ctx.info(format!("wrote {count} project files from memory"));
        let (commit, message) = match &self.commit {
            Some((c, m)) => (Some(c.clone()), Some(m.clone())),
            None => (None, None),
        };
        Ok(SourceInfo {
            kind: "memory".into(),
            origin: self.origin.clone().unwrap_or_else(|| "memory".into()),
            commit,
            message,
            reference: None,
            subdir: None,
        })
    }
}

/// Writes `files` under `dest`; on failure removes every top-level entry it created.
fn write_files(dest: &Path, files: &BTreeMap<PathBuf, Arc<[u8]>>) -> Result<()> {
    let mut created: BTreeSet<PathBuf> = BTreeSet::new();
    let result = files.iter().try_for_each(|(rel, bytes)| {
        if let Some(Component::Normal(top)) = rel.components().next() {
            let top = dest.join(top);
            if !top.exists() {
                created.insert(top);
            }
        }
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io("writing", &path, e))
    });
    if result.is_err() {
        for top in created {
            let _ = if top.is_dir() {
                std::fs::remove_dir_all(&top)
            } else {
                std::fs::remove_file(&top)
            };
        }
    }
    result
}

// ---------------------------------------------------------------------------------------------
// WebZipBuilder

/// A [`Builder`] that zips the web bundle into `out_dir/<app id>.zip` (or `web.zip` without an
/// app config): entries sorted, timestamps fixed at 1980-01-01, permissions 0644, so the same
/// bundle always gives byte-identical zips.
#[derive(Debug, Clone)]
pub struct WebZipBuilder {
    platform: Platform,
}

impl WebZipBuilder {
    /// A builder that labels its zip as built for `platform`.
    pub fn new(platform: Platform) -> Self {
        WebZipBuilder { platform }
    }
}

#[async_trait]
impl Builder for WebZipBuilder {
    fn name(&self) -> &str {
        "web-zip"
    }

    fn platform(&self) -> Platform {
        self.platform
    }

    async fn build(&self, ctx: &BuildContext, input: &BuildInput) -> Result<Vec<Artifact>> {
        if let Some(asked) = input.format.filter(|k| *k != ArtifactKind::Zip) {
            return Err(backend_err(
                "web-zip",
                MemoryError::UnsupportedFormat { asked },
            ));
        }
        let web_dir = input
            .web_dir
            .clone()
            .ok_or_else(|| backend_err("web-zip", MemoryError::NoWebBundle))?;
        let stem = ctx.app.as_ref().map_or("web", |a| a.id.as_str());
        let out = input.out_dir.join(format!("{stem}.zip"));
        let cancel = ctx.cancel.clone();
        let target = out.clone();
        let (count, size, sha256) =
            tokio::task::spawn_blocking(move || zip_dir(&web_dir, &target, &cancel))
                .await
                .map_err(|e| join_err("web-zip", e))??;
        ctx.info(format!(
            "zipped {count} files into {} ({size} bytes)",
            out.display()
        ));
        Ok(vec![Artifact {
            path: out,
            kind: ArtifactKind::Zip,
            platform: self.platform,
            size,
            sha256,
        }])
    }
}

/// Regular files under `root`, as sorted `/`-separated relative names.
fn list_files(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("listing", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing", &dir, e))?;
            let path = entry.path();
            let ty = entry
                .file_type()
                .map_err(|e| Error::io("reading type of", &path, e))?;
            if ty.is_dir() {
                stack.push(path);
            } else if ty.is_file() {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((name, path));
            } else {
                return Err(backend_err("web-zip", MemoryError::NotAFile { path }));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn deterministic_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
}

/// Zips `root` into `target` (through a temp file renamed into place); returns the file count,
/// size and SHA-256.
fn zip_dir(root: &Path, target: &Path, cancel: &CancellationToken) -> Result<(usize, u64, String)> {
    let files = list_files(root)?;
    let tmp = target.with_extension("zip.partial");
    let zip_err = |source| {
        backend_err(
            "web-zip",
            MemoryError::Zip {
                path: target.to_owned(),
                source,
            },
        )
    };
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io("creating", &tmp, e))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        for (name, path) in &files {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            zip.start_file(name.as_str(), deterministic_options())
                .map_err(zip_err)?;
            let mut src = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
            std::io::copy(&mut src, &mut zip).map_err(|e| Error::io("zipping", path, e))?;
        }
        let mut w = zip.finish().map_err(zip_err)?;
        w.flush().map_err(|e| Error::io("writing", &tmp, e))?;
        std::fs::rename(&tmp, target).map_err(|e| Error::io("renaming into", target, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    let (size, sha256) = hash_file(target)?;
    Ok((files.len(), size, sha256))
}

// ---------------------------------------------------------------------------------------------
// MemorySigner

/// The manifest entry [`MemorySigner`] adds: one `Name:` / `SHA-256:` pair per entry.
pub const SIGNATURE_MANIFEST: &str = "META-INF/NATIVIWEB.MF";
/// The entry holding the HMAC-SHA256 of the manifest, lowercase hex.
pub const SIGNATURE_FILE: &str = "META-INF/NATIVIWEB.SIG";

/// A [`Signer`] for zip artifacts that needs no certificates: it adds a manifest of every
/// entry's SHA-256 ([`SIGNATURE_MANIFEST`]) and an HMAC-SHA256 of that manifest keyed with a
/// build secret ([`SIGNATURE_FILE`]), like a jar signature without the PKI.
///
/// It exercises what a real signer does — read a secret from the context, rewrite the artifact
/// atomically, report new size and hash — and [`MemorySigner::verify`] checks its output. Its
/// [`SignatureInfo`] is marked `debug`: no store accepts it.
#[derive(Debug, Clone)]
pub struct MemorySigner {
    key_secret: String,
}

impl MemorySigner {
    /// A signer keyed with the build secret named `key_secret`.
    pub fn new(key_secret: impl Into<String>) -> Self {
        MemorySigner {
            key_secret: key_secret.into(),
        }
    }

    /// True when the zip at `path` carries a manifest that matches its entries and an HMAC of
    /// that manifest made with `key`. Blocking (reads the whole zip).
    pub fn verify(path: &Path, key: &SecretString) -> Result<bool> {
        let zip_err = |source| {
            backend_err(
                "memory-signer",
                MemoryError::Zip {
                    path: path.to_owned(),
                    source,
                },
            )
        };
        let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
        let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
        let mut read_entry = |name: &str| -> Result<Option<Vec<u8>>> {
            match archive.by_name(name) {
                Ok(mut f) => {
                    let mut buf = Vec::new();
                    f.read_to_end(&mut buf)
                        .map_err(|e| Error::io("reading", path.join(name), e))?;
                    Ok(Some(buf))
                }
                Err(zip::result::ZipError::FileNotFound) => Ok(None),
                Err(e) => Err(zip_err(e)),
            }
        };
        let (Some(manifest), Some(sig)) =
            (read_entry(SIGNATURE_MANIFEST)?, read_entry(SIGNATURE_FILE)?)
        else {
            return Ok(false);
        };
        let expected = hex::encode(hmac_sha256(key.expose_secret().as_bytes(), &manifest));
        if sig != expected.as_bytes() {
            return Ok(false);
        }
        let (recomputed, _) = entry_manifest(&mut archive, path)?;
        Ok(recomputed == manifest)
    }
}

/// HMAC-SHA256 (RFC 2104) over `msg` with `key`.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = Zeroizing::new([0u8; BLOCK]);
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = Zeroizing::new([0x36u8; BLOCK]);
    let mut opad = Zeroizing::new([0x5cu8; BLOCK]);
    for i in 0..BLOCK {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new()
        .chain_update(ipad.as_slice())
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad.as_slice())
        .chain_update(inner)
        .finalize()
        .into()
}

/// The manifest of every entry but the signature files, in archive order, and the indices of
/// those entries.
fn entry_manifest<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    path: &Path,
) -> Result<(Vec<u8>, Vec<usize>)> {
    let mut manifest = b"Nativiweb-Signature-Version: 1\n\n".to_vec();
    let mut keep = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|source| {
            backend_err(
                "memory-signer",
                MemoryError::Zip {
                    path: path.to_owned(),
                    source,
                },
            )
        })?;
        let name = entry.name().to_owned();
        if name == SIGNATURE_MANIFEST || name == SIGNATURE_FILE {
            continue;
        }
        let mut hasher = Sha256::new();
        std::io::copy(&mut entry, &mut hasher)
            .map_err(|e| Error::io("reading", path.join(&name), e))?;
        manifest.extend_from_slice(
            format!(
                "Name: {name}\nSHA-256: {}\n\n",
                hex::encode(hasher.finalize())
            )
            .as_bytes(),
        );
        keep.push(i);
    }
    Ok((manifest, keep))
}

/// Rewrites the zip at `src` into `dest` (via a temp file) with the signature entries added.
fn sign_zip(src: &Path, dest: &Path, key: &[u8]) -> Result<(u64, String)> {
    let zip_err = |source| {
        backend_err(
            "memory-signer",
            MemoryError::Zip {
                path: src.to_owned(),
                source,
            },
        )
    };
    let file = std::fs::File::open(src).map_err(|e| Error::io("reading", src, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    let (manifest, keep) = entry_manifest(&mut archive, src)?;
    let signature = hex::encode(hmac_sha256(key, &manifest));

    let tmp = dest.with_extension("signing.partial");
    let result = (|| {
        let out = std::fs::File::create(&tmp).map_err(|e| Error::io("creating", &tmp, e))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
        for i in keep {
            let entry = archive.by_index_raw(i).map_err(zip_err)?;
            zip.raw_copy_file(entry).map_err(zip_err)?;
        }
        for (name, bytes) in [
            (SIGNATURE_MANIFEST, manifest.as_slice()),
            (SIGNATURE_FILE, signature.as_bytes()),
        ] {
            zip.start_file(name, deterministic_options())
                .map_err(zip_err)?;
            zip.write_all(bytes)
                .map_err(|e| Error::io("writing", &tmp, e))?;
        }
        let mut w = zip.finish().map_err(zip_err)?;
        w.flush().map_err(|e| Error::io("writing", &tmp, e))?;
        std::fs::rename(&tmp, dest).map_err(|e| Error::io("renaming into", dest, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    hash_file(dest)
}

#[async_trait]
impl Signer for MemorySigner {
    fn name(&self) -> &str {
        "memory-signer"
    }

    fn supports(&self, kind: ArtifactKind) -> bool {
        kind == ArtifactKind::Zip
    }

    async fn sign(
        &self,
        ctx: &BuildContext,
        artifact: &Artifact,
        out: Option<&Path>,
    ) -> Result<SignedArtifact> {
        if !self.supports(artifact.kind) {
            return Err(backend_err(
                "memory-signer",
                MemoryError::CannotSign {
                    kind: artifact.kind,
                },
            ));
        }
        let key = ctx.secrets.get(&self.key_secret).ok_or_else(|| {
            backend_err(
                "memory-signer",
                MemoryError::MissingKey {
                    name: self.key_secret.clone(),
                },
            )
        })?;
        let key = Zeroizing::new(key.expose_secret().as_bytes().to_vec());
        let key_id = hex::encode(hmac_sha256(&key, b"nativiweb memory signer key id"));
        let src = artifact.path.clone();
        let dest = out.map_or_else(|| src.clone(), Path::to_owned);
        let target = dest.clone();
        let (size, sha256) = tokio::task::spawn_blocking(move || sign_zip(&src, &target, &key))
            .await
            .map_err(|e| join_err("memory-signer", e))??;
        ctx.info(format!("signed {} (HMAC-SHA256 manifest)", dest.display()));
        Ok(SignedArtifact {
            artifact: Artifact {
                path: dest,
                size,
                sha256,
                ..artifact.clone()
            },
            signature: SignatureInfo {
                signer: "memory-signer".into(),
                schemes: vec!["hmac-sha256-manifest".into()],
                certificate_subject: "CN=nativiweb memory signer".into(),
                certificate_sha256: key_id,
                debug: true,
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// MemorySink

/// An [`ArtifactSink`] that keeps each artifact's bytes in memory under its file name
/// (a later artifact with the same name replaces the earlier one, like an object store).
///
/// It hashes the bytes it read and refuses a file whose hash differs from the one the builder
/// or signer recorded. Clones share the same store.
#[derive(Clone, Default)]
pub struct MemorySink {
    objects: Arc<Mutex<Objects>>,
}

/// Stored objects by name: the record and the bytes.
type Objects = BTreeMap<String, (StoredArtifact, Arc<[u8]>)>;

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes stored under `name`.
    pub fn get(&self, name: &str) -> Option<Arc<[u8]>> {
        self.lock().get(name).map(|(_, b)| Arc::clone(b))
    }

    /// Every stored artifact's record, sorted by name.
    pub fn stored(&self) -> Vec<StoredArtifact> {
        self.lock().values().map(|(s, _)| s.clone()).collect()
    }

    /// How many artifacts are stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Objects> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for MemorySink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySink")
            .field("objects", &self.lock().keys().collect::<Vec<_>>())
            .finish()
    }
}

#[async_trait]
impl ArtifactSink for MemorySink {
    fn name(&self) -> &str {
        "memory"
    }

    async fn store(&self, ctx: &BuildContext, artifact: &Artifact) -> Result<StoredArtifact> {
        let path = artifact.path.clone();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Error::InvalidInput(format!("artifact path {} has no file name", path.display()))
            })?;
        let (bytes, sha256) = tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
            let sha = crate::hash::sha256_hex(&bytes);
            Ok::<_, Error>((bytes, sha))
        })
        .await
        .map_err(|e| join_err("memory", e))??;
        if !artifact.sha256.is_empty() && !artifact.sha256.eq_ignore_ascii_case(&sha256) {
            return Err(backend_err(
                "memory",
                MemoryError::HashMismatch {
                    path: artifact.path.clone(),
                    expected: artifact.sha256.clone(),
                    actual: sha256,
                },
            ));
        }
        let stored = StoredArtifact {
            location: format!("memory://{name}"),
            name: name.clone(),
            kind: artifact.kind,
            platform: artifact.platform,
            size: bytes.len() as u64,
            sha256,
        };
        ctx.info(format!(
            "stored {name} in memory ({} bytes, sha256 {})",
            stored.size, stored.sha256
        ));
        self.lock()
            .insert(name, (stored.clone(), Arc::from(bytes.into_boxed_slice())));
        Ok(stored)
    }
}

// ---------------------------------------------------------------------------------------------
// MemorySubmitter

/// A [`StoreSubmitter`] that records every artifact it is given and answers like a store that
/// accepted it (`status: "completed"`, ids counting from 1). Clones share the record.
#[derive(Debug, Clone)]
pub struct MemorySubmitter {
    track: String,
    kinds: Option<Vec<ArtifactKind>>,
    received: Arc<Mutex<Vec<StoredArtifact>>>,
}

impl MemorySubmitter {
    /// A submitter for `track` that accepts every kind.
    pub fn new(track: impl Into<String>) -> Self {
        MemorySubmitter {
            track: track.into(),
            kinds: None,
            received: Arc::default(),
        }
    }

    /// Accept only these kinds (a Play-like store takes `aab` and `apk`).
    pub fn accepting(mut self, kinds: impl IntoIterator<Item = ArtifactKind>) -> Self {
        self.kinds = Some(kinds.into_iter().collect());
        self
    }

    /// What it was given, in order.
    pub fn received(&self) -> Vec<StoredArtifact> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait]
impl StoreSubmitter for MemorySubmitter {
    fn name(&self) -> &str {
        "memory-store"
    }

    fn accepts(&self, kind: ArtifactKind) -> bool {
        self.kinds.as_ref().is_none_or(|k| k.contains(&kind))
    }

    async fn submit(&self, ctx: &BuildContext, artifact: &StoredArtifact) -> Result<Submission> {
        if !self.accepts(artifact.kind) {
            let accepted = self
                .kinds
                .iter()
                .flatten()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(backend_err(
                "memory-store",
                MemoryError::NotAccepted {
                    kind: artifact.kind,
                    accepted,
                },
            ));
        }
        let id = {
            let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
            received.push(artifact.clone());
            received.len()
        };
        ctx.info(format!(
            "submitted {} to track {} as #{id}",
            artifact.name, self.track
        ));
        Ok(Submission {
            store: "memory-store".into(),
            track: Some(self.track.clone()),
            id: Some(id.to_string()),
            status: "completed".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231() {
        // Test case 1 and 2 of RFC 4231.
        assert_eq!(
            hex::encode(hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block size.
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    fn bundle(dir: &Path) -> PathBuf {
        let web = dir.join("web");
        std::fs::create_dir_all(web.join("assets/js")).unwrap();
        std::fs::write(web.join("index.html"), "<h1>hi</h1>").unwrap();
        std::fs::write(web.join("assets/js/app.js"), "console.log(1)").unwrap();
        std::fs::write(web.join("b.css"), "body{}").unwrap();
        web
    }

    #[test]
    fn zips_are_deterministic_and_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let web = bundle(dir.path());
        let never = CancellationToken::new();
        let (n, size, sha) = zip_dir(&web, &dir.path().join("a.zip"), &never).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        std::fs::write(web.join("b.css"), "body{}").unwrap(); // new mtime, same bytes
        let (_, size2, sha2) = zip_dir(&web, &dir.path().join("b.zip"), &never).unwrap();
        assert_eq!((n, size, &sha), (3, size2, &sha2));
        assert_eq!(
            std::fs::read(dir.path().join("a.zip")).unwrap(),
            std::fs::read(dir.path().join("b.zip")).unwrap()
        );
        let archive =
            zip::ZipArchive::new(std::fs::File::open(dir.path().join("a.zip")).unwrap()).unwrap();
        let names: Vec<_> = archive.file_names().collect();
        assert_eq!(names, ["assets/js/app.js", "b.css", "index.html"]);
        assert!(!dir.path().join("a.zip.partial").exists());
    }

    #[test]
    fn zipping_stops_on_cancel_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let web = bundle(dir.path());
        let cancelled = CancellationToken::new();
        cancelled.cancel();
        let err = zip_dir(&web, &dir.path().join("a.zip"), &cancelled).unwrap_err();
        assert!(err.is_cancelled());
        assert!(!dir.path().join("a.zip").exists());
        assert!(!dir.path().join("a.zip.partial").exists());
    }

    #[test]
    fn signatures_verify_and_detect_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let web = bundle(dir.path());
        let zip_path = dir.path().join("a.zip");
        zip_dir(&web, &zip_path, &CancellationToken::new()).unwrap();
        let key = SecretString::from("signing-key-123");
        let (_, sha) = sign_zip(&zip_path, &zip_path, key.expose_secret().as_bytes()).unwrap();
        assert_eq!(hash_file(&zip_path).unwrap().1, sha);
        assert!(MemorySigner::verify(&zip_path, &key).unwrap());
        assert!(!MemorySigner::verify(&zip_path, &SecretString::from("another-key")).unwrap());

        // Re-signing replaces the signature instead of stacking a second one.
        let signed = std::fs::read(&zip_path).unwrap();
        sign_zip(&zip_path, &zip_path, key.expose_secret().as_bytes()).unwrap();
        assert_eq!(std::fs::read(&zip_path).unwrap(), signed);

        // Change an entry's content but keep the old signature files: verification fails.
        let tampered = dir.path().join("t.zip");
        let mut src = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
        let mut w = zip::ZipWriter::new(std::fs::File::create(&tampered).unwrap());
        for i in 0..src.len() {
            let mut e = src.by_index(i).unwrap();
            let name = e.name().to_owned();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            if name == "index.html" {
                bytes = b"<h1>evil</h1>".to_vec();
            }
            w.start_file(name, deterministic_options()).unwrap();
            w.write_all(&bytes).unwrap();
        }
        w.finish().unwrap();
        assert!(!MemorySigner::verify(&tampered, &key).unwrap());
    }

    #[test]
    fn source_refuses_escaping_paths() {
        for bad in ["../evil", "/etc/passwd", "a/../../b", ""] {
            let src = MemorySource::new().file("ok.txt", "x").file(bad, "y");
            assert!(
                matches!(src.check_paths(), Err(MemoryError::BadPath { .. })),
                "{bad}"
            );
        }
        assert!(MemorySource::new()
            .file("a/b/c.txt", "x")
            .check_paths()
            .is_ok());
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut files: BTreeMap<PathBuf, Arc<[u8]>> = BTreeMap::new();
        files.insert("a/one.txt".into(), Arc::from(&b"1"[..]));
        // `a/one.txt/two.txt` needs `a/one.txt` to be a directory: the write fails.
        files.insert("a/one.txt/two.txt".into(), Arc::from(&b"2"[..]));
        files.insert("0.txt".into(), Arc::from(&b"0"[..]));
        assert!(write_files(dir.path(), &files).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
