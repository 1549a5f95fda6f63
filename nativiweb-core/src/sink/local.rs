//! [`LocalDirSink`]: artifacts copied into a local folder, listed in `artifacts.json`.
//!
//! Each store is atomic: the bytes go to a hidden temporary file in the same folder, are hashed
//! while they are copied ([`HashingWriter`]), flushed to disk (`fsync`), and renamed to their
//! final name, so a reader never sees a half-written artifact and a crash leaves at most a
//! hidden `.nativiweb-tmp-*` file. The manifest is rewritten the same way.
//!
//! **Names.** An artifact is stored under its file name. Storing the same name again replaces
//! the file and its manifest entry (a rebuild of `app-release.apk` supersedes the old one). A
//! name that is taken by something the sink did not store (a file someone put there, a folder,
//! or the manifest's own name) is never overwritten: the artifact gets the first free name of
//! the form `stem-2.ext`, `stem-3.ext`, …
//!
//! **Concurrency.** Several stores may run at once: copying and hashing run in parallel, and
//! choosing the name, renaming and updating the manifest happen under a lock — a mutex shared
//! by clones of the sink, plus an advisory `flock` on `.artifacts.lock` in the folder, so two
//! processes (or two sinks) writing to the same folder do not lose each other's entries either.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::context::BuildContext;
use crate::error::{Error, Result};
use crate::hash::{HashingWriter, BUFFER_SIZE};
use crate::model::{Artifact, ArtifactKind, Platform, StoredArtifact};
use crate::traits::ArtifactSink;

/// The manifest's file name inside the sink's folder.
pub const MANIFEST_NAME: &str = "artifacts.json";

/// The lock file that serializes manifest updates across processes.
const LOCK_NAME: &str = ".artifacts.lock";

/// Prefix of temporary files; names starting with it are never used for artifacts.
const TEMP_PREFIX: &str = ".nativiweb-tmp-";

/// How many `stem-N.ext` alternatives to try before giving up on a taken name.
const MAX_ALTERNATIVES: u32 = 10_000;

/// One artifact in `artifacts.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The file name in the sink's folder.
    pub name: String,
    /// What the file is.
    pub kind: ArtifactKind,
    /// Which platform it is for.
    pub platform: Platform,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the stored bytes, lowercase hex.
    pub sha256: String,
    /// When it was stored (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// Why the local sink could not store an artifact. Each variant names the file at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalSinkError {
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The output folder (or a folder on its path) is a file.
    #[error("the output folder {path} cannot be created: {blocker} is a file, not a folder; choose another output folder (--out) or move that file away")]
    FolderIsFile {
        /// The output folder.
        path: PathBuf,
        /// The file in the way (the folder itself or one of its parents).
        blocker: PathBuf,
    },
    /// The output folder cannot be written.
    #[error("cannot write in the output folder {path} ({source}); choose a folder you can write to (--out), or fix its permissions")]
    NotWritable {
        /// The folder that was tried (the output folder, or its nearest existing parent).
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The artifact is not a regular file (a folder such as an `.xcarchive`, or missing).
    #[error("artifact {path} is not a regular file; zip folders (such as .xcarchive) before storing them")]
    NotAFile {
        /// The artifact's path.
        path: PathBuf,
    },
    /// The artifact's file name cannot be used.
    #[error("artifact {path} has no usable file name ({reason}); rename it")]
    BadName {
        /// The artifact's path.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// The existing manifest is not valid JSON of the expected shape; it is left untouched.
    #[error("manifest {path} is not valid ({source}); fix or remove it — nativiweb will not overwrite it")]
    CorruptManifest {
        /// The manifest.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// Every alternative name was taken.
    #[error("no free name for {name} in {dir} after {tries} tries; clean up the folder")]
    NoFreeName {
        /// The wanted name.
        name: String,
        /// The sink's folder.
        dir: PathBuf,
        /// How many names were tried.
        tries: u32,
    },
}

fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> LocalSinkError + 'a {
    move |source| LocalSinkError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Stores artifacts in a local folder with an `artifacts.json` manifest. Cloning shares the
/// lock, so clones may store concurrently. See the [module docs](self).
///
/// ```no_run
/// # async fn demo(ctx: &nativiweb_core::BuildContext, artifact: &nativiweb_core::Artifact) -> nativiweb_core::Result<()> {
/// use nativiweb_core::{sink::LocalDirSink, ArtifactSink};
/// let sink = LocalDirSink::new("dist/artifacts");
/// let stored = sink.store(ctx, artifact).await?;
/// println!("{} {}", stored.sha256, stored.location);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LocalDirSink {
    dir: PathBuf,
    lock: Arc<Mutex<()>>,
}

impl LocalDirSink {
    /// A sink storing into `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalDirSink {
            dir: dir.into(),
            lock: Arc::new(Mutex::new(())),
        }
    }

    /// The folder artifacts are stored in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the manifest.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST_NAME)
    }

    /// The manifest's entries, sorted by name (empty when nothing was stored yet).
    pub fn read_manifest(&self) -> Result<Vec<ManifestEntry>, LocalSinkError> {
        read_manifest(&self.manifest_path())
    }

    /// Checks that the folder can be used without creating it: it (or, when it does not exist
    /// yet, its nearest existing parent) is a folder this process can write in. The `check`
    /// step of a pipeline runs this before any build work.
    pub fn check_folder(&self) -> Result<(), LocalSinkError> {
        let mut probe = self.dir.as_path();
        let existing = loop {
            match fs::metadata(probe) {
                Ok(m) if m.is_dir() => break probe.to_owned(),
                Ok(_) => {
                    return Err(LocalSinkError::FolderIsFile {
                        path: self.dir.clone(),
                        blocker: probe.to_owned(),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) if e.raw_os_error() == Some(nix::libc::ENOTDIR) => {}
                Err(e) => {
                    return Err(LocalSinkError::NotWritable {
                        path: probe.to_owned(),
                        source: e,
                    })
                }
            }
            probe = match probe.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => break PathBuf::from("."),
            };
        };
        // A real write is the only reliable test (permissions, ACLs, read-only mounts).
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&existing)
            .map(drop)
            .map_err(|source| LocalSinkError::NotWritable {
                path: existing,
                source,
            })
    }

    /// An error creating the folder, said in terms of what the user must change.
    fn folder_error(&self, e: io::Error) -> LocalSinkError {
        match self.check_folder() {
            Err(better) => better,
            Ok(()) => LocalSinkError::Io {
                action: "creating the output folder",
                path: self.dir.clone(),
                source: e,
            },
        }
    }

    /// Stores `artifact` on the calling thread (blocking I/O): what [`ArtifactSink::store`]
    /// runs on tokio's blocking pool.
    pub fn store_blocking(&self, artifact: &Artifact) -> Result<StoredArtifact, LocalSinkError> {
        let src = &artifact.path;
        let wanted = artifact
            .path
            .file_name()
            .ok_or(LocalSinkError::BadName {
                path: src.clone(),
                reason: "the path has no file name",
            })?
            .to_str()
            .ok_or(LocalSinkError::BadName {
                path: src.clone(),
                reason: "the file name is not valid UTF-8",
            })?
            .to_owned();

        // The folder is probed only when something fails (check_folder is the preflight).
        fs::create_dir_all(&self.dir).map_err(|e| self.folder_error(e))?;
        let dir = fs::canonicalize(&self.dir).map_err(io_err("resolving", &self.dir))?;

        let mut input = File::open(src).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LocalSinkError::NotAFile { path: src.clone() },
            _ => LocalSinkError::Io {
                action: "opening",
                path: src.clone(),
                source: e,
            },
        })?;
        let meta = input.metadata().map_err(io_err("reading", src))?;
        if !meta.is_file() {
            return Err(LocalSinkError::NotAFile { path: src.clone() });
        }

        // Copy and hash outside the lock: concurrent stores copy in parallel.
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&dir)
            .map_err(|source| LocalSinkError::NotWritable {
                path: dir.clone(),
                source,
            })?;
        let mut writer = HashingWriter::new(tmp.as_file());
        let mut buf = vec![0u8; BUFFER_SIZE];
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("reading", src)(e)),
            };
            writer
                .write_all(&buf[..n])
                .map_err(io_err("writing", tmp.path()))?;
        }
        let (file, digest) = writer.finish();
        file.set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(io_err("setting permissions of", tmp.path()))?;
        file.sync_all().map_err(io_err("flushing", tmp.path()))?;

        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let lock_path = dir.join(LOCK_NAME);
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("opening", &lock_path))?;
        let _flock = Flock::lock(lock_file, FlockArg::LockExclusive).map_err(|(_, errno)| {
            LocalSinkError::Io {
                action: "locking",
                path: lock_path.clone(),
                source: io::Error::from(errno),
            }
        })?;

        let manifest_path = dir.join(MANIFEST_NAME);
        let mut entries = read_manifest(&manifest_path)?;
        let name = free_name(&dir, &wanted, &entries)?;
        let target = dir.join(&name);
        tmp.persist(&target)
            .map_err(|e| io_err("renaming into place", &target)(e.error))?;
        entries.retain(|e| e.name != name);
        entries.push(ManifestEntry {
            name: name.clone(),
            kind: artifact.kind,
            platform: artifact.platform,
            size: digest.size,
            sha256: digest.sha256.clone(),
            created: OffsetDateTime::now_utc(),
        });
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        write_manifest(&dir, &manifest_path, &entries)?;
        // One directory fsync makes both renames durable.
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("flushing", &dir))?;

        Ok(StoredArtifact {
            name,
            location: target.display().to_string(),
            kind: artifact.kind,
            platform: artifact.platform,
            size: digest.size,
            sha256: digest.sha256,
        })
    }
}

#[async_trait]
impl ArtifactSink for LocalDirSink {
    fn name(&self) -> &str {
        "local-dir"
    }

    fn local_dir(&self) -> Option<PathBuf> {
        Some(self.dir.clone())
    }

    async fn preflight(&self, _ctx: &BuildContext) -> Result<()> {
        let sink = self.clone();
        tokio::task::spawn_blocking(move || sink.check_folder())
            .await
            .map_err(|e| Error::backend("local-dir", format!("checking the folder failed: {e}")))?
            .map_err(|e| Error::rejected("local-dir", e))
    }

    async fn store(&self, ctx: &BuildContext, artifact: &Artifact) -> Result<StoredArtifact> {
        let sink = self.clone();
        let owned = artifact.clone();
        let stored = tokio::task::spawn_blocking(move || sink.store_blocking(&owned))
            .await
            .map_err(|e| {
                Error::backend(
                    "local-dir",
                    format!("storing {} did not finish: {e}", artifact.path.display()),
                )
            })?
            .map_err(|e| match e {
                LocalSinkError::FolderIsFile { .. } | LocalSinkError::NotWritable { .. } => {
                    Error::rejected("local-dir", e)
                }
                other => Error::backend("local-dir", other),
            })?;
        if !artifact.sha256.is_empty() && !artifact.sha256.eq_ignore_ascii_case(&stored.sha256) {
            ctx.warn(format!(
                "{} changed after it was built (expected sha256 {}, stored {}); the stored bytes are what the manifest lists",
                artifact.path.display(),
                artifact.sha256,
                stored.sha256
            ));
        }
        ctx.info(format!(
            "stored {} ({} bytes, sha256 {})",
            stored.location, stored.size, stored.sha256
        ));
        Ok(stored)
    }
}

fn read_manifest(path: &Path) -> Result<Vec<ManifestEntry>, LocalSinkError> {
    match fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|source| LocalSinkError::CorruptManifest {
                path: path.to_owned(),
                source,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io_err("reading", path)(e)),
    }
}

fn write_manifest(
    dir: &Path,
    path: &Path,
    entries: &[ManifestEntry],
) -> Result<(), LocalSinkError> {
    let mut json =
        serde_json::to_vec_pretty(entries).map_err(|source| LocalSinkError::CorruptManifest {
            path: path.to_owned(),
            source,
        })?;
    json.push(b'\n');
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(io_err("creating a temporary file in", dir))?;
    tmp.write_all(&json)
        .map_err(io_err("writing", tmp.path()))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(io_err("setting permissions of", tmp.path()))?;
    tmp.as_file()
        .sync_all()
        .map_err(io_err("flushing", tmp.path()))?;
    tmp.persist(path)
        .map_err(|e| io_err("renaming into place", path)(e.error))?;
    Ok(())
}

/// `wanted` if it is free or was stored by this sink before (then it is replaced), else the
/// first free `stem-N.ext`.
fn free_name(
    dir: &Path,
    wanted: &str,
    entries: &[ManifestEntry],
) -> Result<String, LocalSinkError> {
    let usable = |name: &str| -> bool {
        if name == MANIFEST_NAME || name == LOCK_NAME || name.starts_with(TEMP_PREFIX) {
            return false;
        }
        match fs::symlink_metadata(dir.join(name)) {
            Err(_) => true,
            // Ours to replace: a regular file the manifest lists.
            Ok(m) => m.is_file() && entries.iter().any(|e| e.name == name),
        }
    };
    if usable(wanted) {
        return Ok(wanted.to_owned());
    }
    // `app.release.apk` -> `app.release-2.apk`; `.hidden` and `noext` get the suffix at the end.
    let (stem, ext) = match wanted.rfind('.') {
        Some(i) if i > 0 => (&wanted[..i], &wanted[i..]),
        _ => (wanted, ""),
    };
    let stem = stem.strip_prefix(TEMP_PREFIX).unwrap_or(stem);
    for n in 2..MAX_ALTERNATIVES + 2 {
        let candidate = format!("{stem}-{n}{ext}");
        if usable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(LocalSinkError::NoFreeName {
        name: wanted.to_owned(),
        dir: dir.to_owned(),
        tries: MAX_ALTERNATIVES,
    })
}
