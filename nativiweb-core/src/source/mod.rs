//! [`crate::ProjectSource`] backends: a local directory ([`DirectorySource`]), an uploaded zip
//! ([`ZipSource`]) and a git repository ([`GitSource`]).
//!
//! All three build the project in a *staging* directory next to the destination and move it
//! into place only when everything succeeded, so a failed or cancelled source step leaves the
//! destination exactly as it was (empty), and nothing half-extracted is ever seen by a later
//! step.

use std::path::{Path, PathBuf};

pub mod dir;
pub mod git;
pub mod zip;

pub use dir::DirectorySource;
pub use git::{GitRef, GitSource};
pub use zip::{check_archive, ZipLimits, ZipSource};

/// Why a project could not be materialized. Each variant names the path, entry, reference or
/// limit at fault, and the message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The source directory does not exist or is not a directory.
    #[error("project directory {path} does not exist or is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },

    /// The destination already holds files; sources only fill empty directories.
    #[error(
        "destination {path} is not empty; materialize the project into a new or empty directory"
    )]
    DestinationNotEmpty {
        /// The destination.
        path: PathBuf,
    },

    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing ("reading", "creating", "copying").
        action: &'static str,
        /// The file or directory at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// The file is not a zip archive, or its central directory is damaged or truncated.
    #[error("{archive} is not a readable zip archive ({reason}); upload the archive again or re-create it with a standard zip tool")]
    ZipCorrupt {
        /// The archive.
        archive: PathBuf,
        /// What the zip reader reported.
        reason: String,
    },

    /// One entry's data is damaged: a bad CRC, truncated data, an invalid compressed stream.
    #[error("entry `{entry}` of {archive} is corrupt ({reason}); the archive is damaged or was truncated in transit, upload it again")]
    ZipEntryCorrupt {
        /// The archive.
        archive: PathBuf,
        /// The entry name as stored in the archive.
        entry: String,
        /// What the zip reader reported.
        reason: String,
    },

    /// An entry would be written outside the destination (`../`, an absolute path, a drive
    /// letter) or has an unusable name: the "zip slip" attack.
    #[error("entry `{entry}` of {archive} has an unsafe path ({reason}); nothing was extracted — re-create the archive with paths relative to the project root")]
    ZipUnsafePath {
        /// The archive.
        archive: PathBuf,
        /// The entry name as stored in the archive.
        entry: String,
        /// Why the path is refused.
        reason: &'static str,
    },

    /// An entry is a symbolic link, which could point anywhere on the build machine.
    #[error("entry `{entry}` of {archive} is a symbolic link; archives with symlinks are refused — replace the link with the file it points to")]
    ZipSymlink {
        /// The archive.
        archive: PathBuf,
        /// The entry name.
        entry: String,
    },

    /// An entry is encrypted; uploads must not need a password.
    #[error(
        "entry `{entry}` of {archive} is encrypted; upload an archive made without a password"
    )]
    ZipEncrypted {
        /// The archive.
        archive: PathBuf,
        /// The entry name.
        entry: String,
    },

    /// An entry uses a compression method this build cannot read.
    #[error("entry `{entry}` of {archive} uses an unsupported compression method ({method}); re-create the archive with deflate or no compression")]
    ZipUnsupported {
        /// The archive.
        archive: PathBuf,
        /// The entry name.
        entry: String,
        /// The method, as the zip reader names it.
        method: String,
    },

    /// Two entries map to the same path (a duplicate name, or a file where another entry needs
    /// a folder).
    #[error("entry `{entry}` of {archive} clashes with another entry at the same path; re-create the archive without duplicates")]
    ZipDuplicate {
        /// The archive.
        archive: PathBuf,
        /// The entry name.
        entry: String,
    },

    /// The archive has more entries than [`ZipLimits::max_entries`] allows.
    #[error("{archive} has {entries} entries, more than the limit of {limit}; remove build outputs and dependencies (node_modules) from the upload, or raise ZipLimits::max_entries")]
    ZipTooManyEntries {
        /// The archive.
        archive: PathBuf,
        /// How many entries it has.
        entries: u64,
        /// The limit.
        limit: u64,
    },

    /// Extracting would write more than [`ZipLimits::max_total_size`] bytes (declared sizes
    /// are checked first, and the bytes actually written are counted as well).
    #[error("{archive} unpacks to more than {limit} bytes (stopped at entry `{entry}`); upload a smaller project or raise ZipLimits::max_total_size")]
    ZipTooLarge {
        /// The archive.
        archive: PathBuf,
        /// The entry that crossed the limit.
        entry: String,
        /// The limit, in bytes.
        limit: u64,
    },

    /// An entry, or the archive as a whole, expands more than [`ZipLimits::max_ratio`] times:
    /// the signature of a zip bomb.
    #[error("{what} of {archive} expands {ratio}:1 (from {compressed} to more than {uncompressed} bytes), over the limit of {limit}:1; this looks like a zip bomb — upload a normal archive or raise ZipLimits::max_ratio")]
    ZipRatio {
        /// The archive.
        archive: PathBuf,
        /// `entry `name`` or `the archive as a whole`.
        what: String,
        /// Compressed bytes.
        compressed: u64,
        /// Uncompressed bytes (declared or written so far).
        uncompressed: u64,
        /// The ratio, rounded down.
        ratio: u64,
        /// The limit.
        limit: u64,
    },

    /// The git URL cannot be used.
    #[error("git URL `{url}` cannot be used: {reason}")]
    GitInvalidUrl {
        /// The URL, credentials removed.
        url: String,
        /// Why.
        reason: &'static str,
    },

    /// The branch, tag or commit name cannot be used.
    #[error("git reference `{reference}` cannot be used: {reason}")]
    GitInvalidRef {
        /// The reference as given.
        reference: String,
        /// Why.
        reason: &'static str,
    },

    /// The repository has no such branch, tag or commit.
    #[error("{origin} has no branch, tag or commit `{reference}`; check the name (branches and tags are case-sensitive) and that it was pushed\n{detail}")]
    GitRefNotFound {
        /// The repository (credentials removed).
        origin: String,
        /// The reference asked for.
        reference: String,
        /// What git said (redacted).
        detail: String,
    },

    /// A git command failed (network, authentication, a repository that does not exist).
    #[error("git could not {action} {origin}: {source}")]
    Git {
        /// What we were doing ("clone", "fetch from", "check out").
        action: &'static str,
        /// The repository (credentials removed).
        origin: String,
        /// The process error with git's last lines of output (redacted).
        #[source]
        source: crate::process::ProcessError,
    },
}

impl SourceError {
    /// A [`SourceError::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SourceError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// A staging directory next to the destination. The project is built inside it and moved
/// into `dest` by [`Staging::commit`]; dropping it without committing deletes it with
/// everything in it.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: tempfile::TempDir,
    dest: PathBuf,
}

impl Staging {
    /// Checks that `dest` is an empty directory (or does not exist yet, with an existing
    /// parent) and creates a hidden staging directory beside it.
    pub(crate) fn new(dest: &Path) -> Result<Staging, SourceError> {
        match std::fs::read_dir(dest) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(SourceError::DestinationNotEmpty {
                        path: dest.to_owned(),
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SourceError::io("reading", dest, e)),
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let dir = tempfile::Builder::new()
            .prefix(".nativiweb-staging-")
            .tempdir_in(&parent)
            .map_err(|e| SourceError::io("creating a staging directory in", &parent, e))?;
        Ok(Staging {
            dir,
            dest: dest.to_owned(),
        })
    }

    /// The staging directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Moves `root` (a directory inside the staging directory) to the destination with one
    /// rename, which replaces the empty destination directory. The rest of the staging
    /// directory is removed.
    pub(crate) fn commit(self, root: &Path) -> Result<(), SourceError> {
        use std::os::unix::fs::PermissionsExt;
        // The staging dir is created 0700; give the project the destination's own mode.
        let mode = std::fs::metadata(&self.dest)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o755);
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(mode))
            .map_err(|e| SourceError::io("setting permissions of", root, e))?;
        std::fs::rename(root, &self.dest)
            .map_err(|e| SourceError::io("moving the project into", &self.dest, e))
        // `self.dir` drops here and removes what is left of the staging directory.
    }
}

/// Runs blocking work on tokio's blocking pool and flattens a panicked or aborted task into
/// an error that names the source.
pub(crate) async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, crate::Error> + Send + 'static,
) -> Result<T, crate::Error> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(crate::Error::backend(
            what,
            format!("the worker task did not finish: {e}"),
        ))
    })
}
