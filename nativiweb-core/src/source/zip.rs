//! [`ZipSource`]: a project uploaded as a zip archive.
//!
//! An uploaded archive is untrusted input, so extraction is defensive:
//!
//! - **Nothing outside the destination.** Entry names with `..` components, absolute paths
//!   (`/etc/x`, `\x`, `C:\x`) or NUL bytes are refused ("zip slip"); `\` counts as a path
//!   separator, as Windows tools write it. Symbolic-link entries (unix mode `S_IFLNK`) are
//!   refused, since a link could point anywhere and a later entry could write through it.
//! - **Bounded work.** At most [`ZipLimits::max_entries`] entries and
//!   [`ZipLimits::max_total_size`] bytes: declared sizes are checked before anything is written,
//!   and the bytes actually written are counted too, because a crafted archive can lie about its
//!   sizes. An entry, or the whole archive, that expands more than [`ZipLimits::max_ratio`] times
//!   (once past [`ZipLimits::ratio_min_size`]) is a zip bomb and is refused.
//! - **Clear failures.** Encrypted entries, unsupported compression methods, bad CRCs, truncated
//!   data and damaged central directories each get their own [`SourceError`] naming the entry.
//! - **All or nothing.** Everything is extracted into a staging directory next to the
//!   destination and moved into place in one rename; on any error (or cancellation) the staging
//!   directory is removed and the destination stays empty.
//!
//! Two conveniences match what uploads usually look like:
//!
//! - **A single top-level folder is stripped.** When every entry lies under one folder (as in
//!   GitHub's "Download ZIP" archives, `repo-main/...`, or a folder zipped from a file manager),
//!   that folder's contents become the project root. An archive with files at its top level,
//!   or with two or more top-level folders, is extracted as it is.
//! - **macOS metadata is skipped.** Entries under `__MACOSX/` (resource forks that Finder adds)
//!   are not extracted and do not count when looking for the single top-level folder.
//!
//! Files get mode 0644, or 0755 when the archive marks them executable; folders get 0755.
//! Entries may be stored, deflated or Deflate64-compressed; other methods (LZMA, bzip2,
//! Zstandard, ...) are refused with [`SourceError::ZipUnsupported`] naming the entry and method.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use async_trait::async_trait;
use zip::result::ZipError;

use super::{blocking, SourceError, Staging};
use crate::context::BuildContext;
use crate::error::Result;
use crate::model::SourceInfo;
use crate::traits::ProjectSource;

/// Limits that stop a malicious or accidental archive from exhausting the build machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries (files and folders) an archive may have. Default 100 000.
    pub max_entries: u64,
    /// Most bytes all entries may unpack to, declared and actually written. Default 2 GiB.
    pub max_total_size: u64,
    /// Highest uncompressed:compressed ratio allowed for one entry and for the archive as a
    /// whole (against the archive's file size). Default 100.
    pub max_ratio: u64,
    /// The ratio is only enforced once an entry (or the archive) has unpacked to more than this
    /// many bytes, so a small, very repetitive file (a 100 KiB file of spaces compresses about
    /// 1000:1) is not mistaken for a bomb. Default 1 MiB.
    pub ratio_min_size: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: 100_000,
            max_total_size: 2 << 30,
            max_ratio: 100,
            ratio_min_size: 1 << 20,
        }
    }
}

/// A project uploaded as a zip archive. See the [module docs](self) for what is refused and
/// why.
///
/// ```no_run
/// use nativiweb_core::source::{ZipLimits, ZipSource};
/// let source = ZipSource::new("/uploads/app.zip").with_limits(ZipLimits {
///     max_total_size: 512 << 20,
///     ..ZipLimits::default()
/// });
/// ```
#[derive(Debug, Clone)]
pub struct ZipSource {
    archive: PathBuf,
    limits: ZipLimits,
}

impl ZipSource {
    /// A source that extracts the archive at `archive` with the default [`ZipLimits`].
    pub fn new(archive: impl Into<PathBuf>) -> Self {
        ZipSource {
            archive: archive.into(),
            limits: ZipLimits::default(),
        }
    }

    /// Replaces the limits.
    pub fn with_limits(mut self, limits: ZipLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The archive's path.
    pub fn archive(&self) -> &Path {
        &self.archive
    }

    /// The limits in force.
    pub fn limits(&self) -> &ZipLimits {
        &self.limits
    }
}

#[async_trait]
impl ProjectSource for ZipSource {
    fn name(&self) -> &str {
        "zip"
    }

    async fn materialize(&self, ctx: &BuildContext, dest: &Path) -> Result<SourceInfo> {
        let archive = self.archive.clone();
        let limits = self.limits;
        let dest = dest.to_owned();
        let task_ctx = ctx.clone();
        let done = blocking("zip", move || extract(&archive, &dest, &limits, &task_ctx)).await?;
        let mut line = format!(
            "extracted {} files and {} folders ({} bytes) from {}",
            done.files,
            done.dirs,
            done.bytes,
            self.archive.display()
        );
        if let Some(top) = &done.stripped {
            line.push_str(&format!(
                "; its single top-level folder `{top}/` became the project root"
            ));
        }
        if done.skipped > 0 {
            line.push_str(&format!("; skipped {} __MACOSX/ entries", done.skipped));
        }
        ctx.info(line);
        Ok(SourceInfo {
            kind: "zip".to_owned(),
            origin: self.archive.display().to_string(),
            ..SourceInfo::default()
        })
    }
}

/// What an extraction did.
#[derive(Debug, Default)]
struct Extracted {
    files: u64,
    dirs: u64,
    bytes: u64,
    stripped: Option<String>,
    skipped: u64,
}

/// One entry to extract, after its name and type were checked.
#[derive(Debug)]
struct Planned {
    index: usize,
    name: String,
    rel: PathBuf,
    dir: bool,
    executable: bool,
    compressed: u64,
}

const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFDIR: u32 = 0o040_000;

/// Copy buffer size; also how often (in bytes) cancellation is checked inside a big entry.
const COPY_CHUNK: usize = 256 * 1024;

fn extract(
    archive_path: &Path,
    dest: &Path,
    limits: &ZipLimits,
    ctx: &BuildContext,
) -> Result<Extracted> {
    let started = Instant::now();
    let file = File::open(archive_path).map_err(|e| SourceError::io("opening", archive_path, e))?;
    let archive_len = file
        .metadata()
        .map_err(|e| SourceError::io("reading", archive_path, e))?
        .len();
    let mut zip = zip::ZipArchive::new(BufReader::with_capacity(64 * 1024, file))
        .map_err(|e| archive_error(archive_path, e))?;
    let (plan, mut done) = plan(&mut zip, archive_path, archive_len, limits)?;
    ctx.check(started)?;

    let staging = Staging::new(dest)?;
    let root = staging.path().join("project");
    std::fs::create_dir(&root).map_err(|e| SourceError::io("creating", &root, e))?;

    let mut total = 0u64;
    let mut buf = vec![0u8; COPY_CHUNK];
    for entry in &plan {
        ctx.check(started)?;
        let target = root.join(&entry.rel);
        if entry.dir {
            create_dirs(&target, archive_path, &entry.name)?;
            done.dirs += 1;
            continue;
        }
        if let Some(parent) = target.parent() {
            create_dirs(parent, archive_path, &entry.name)?;
        }
        let mut reader = zip
            .by_index(entry.index)
            .map_err(|e| entry_error(archive_path, &entry.name, e))?;
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if entry.executable { 0o755 } else { 0o644 })
            .open(&target)
            .map_err(|e| clash_or_io(e, archive_path, &entry.name, "creating", &target))?;
        let mut written = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(SourceError::ZipEntryCorrupt {
                        archive: archive_path.to_owned(),
                        entry: entry.name.clone(),
                        reason: describe_read_error(&e),
                    }
                    .into())
                }
            };
            written += n as u64;
            total += n as u64;
            check_written(limits, archive_path, entry, written, total, archive_len)?;
            out.write_all(&buf[..n])
                .map_err(|e| SourceError::io("writing", &target, e))?;
            ctx.check(started)?;
        }
        done.files += 1;
    }
    done.bytes = total;
    staging.commit(&root)?;
    Ok(done)
}

/// Checks an archive as [`ZipSource`] would before extracting it — entry count, names (no
/// `..`, absolute paths or drive letters), symlinks, encryption, compression methods, declared
/// sizes and compression ratios — from its central directory, without unpacking anything. A
/// server taking uploads refuses a bad one before storing it (the worker that extracts it
/// checks again, and also counts the bytes actually written).
///
/// # Errors
/// The [`SourceError`] extraction would fail with, naming the archive and the entry.
pub fn check_archive(archive_path: &Path, limits: &ZipLimits) -> Result<(), SourceError> {
    let file = File::open(archive_path).map_err(|e| SourceError::io("opening", archive_path, e))?;
    let archive_len = file
        .metadata()
        .map_err(|e| SourceError::io("reading", archive_path, e))?
        .len();
    let mut zip = zip::ZipArchive::new(BufReader::with_capacity(64 * 1024, file))
        .map_err(|e| archive_error(archive_path, e))?;
    plan(&mut zip, archive_path, archive_len, limits).map(|_| ())
}

/// Checks the entry count, and the names, types, encryption, compression methods and declared
/// sizes of every entry before anything is written, and works out the single top-level folder
/// to strip.
fn plan<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    archive: &Path,
    archive_len: u64,
    limits: &ZipLimits,
) -> Result<(Vec<Planned>, Extracted), SourceError> {
    if zip.len() as u64 > limits.max_entries {
        return Err(SourceError::ZipTooManyEntries {
            archive: archive.to_owned(),
            entries: zip.len() as u64,
            limit: limits.max_entries,
        });
    }
    let mut plan = Vec::with_capacity(zip.len());
    let mut done = Extracted::default();
    let mut declared_total = 0u64;
    for index in 0..zip.len() {
        let entry = zip
            .by_index_raw(index)
            .map_err(|e| archive_error(archive, e))?;
        let name = entry.name().to_owned();
        let rel = relative_path(&name).map_err(|reason| SourceError::ZipUnsafePath {
            archive: archive.to_owned(),
            entry: name.clone(),
            reason,
        })?;
        let mode = entry.unix_mode().unwrap_or(0);
        if mode & S_IFMT == S_IFLNK {
            return Err(SourceError::ZipSymlink {
                archive: archive.to_owned(),
                entry: name,
            });
        }
        if entry.encrypted() {
            return Err(SourceError::ZipEncrypted {
                archive: archive.to_owned(),
                entry: name,
            });
        }
        if rel.as_os_str().is_empty() {
            // `./` or similar: the root folder itself.
            continue;
        }
        if rel.starts_with("__MACOSX") {
            done.skipped += 1;
            continue;
        }
        let dir = name.ends_with('/') || name.ends_with('\\') || mode & S_IFMT == S_IFDIR;
        if !dir && !can_read(entry.compression()) {
            return Err(SourceError::ZipUnsupported {
                archive: archive.to_owned(),
                entry: name,
                method: method_name(entry.compression()),
            });
        }
        let (size, compressed) = if dir {
            (0, 0)
        } else {
            (entry.size(), entry.compressed_size())
        };
        declared_total = declared_total.saturating_add(size);
        if declared_total > limits.max_total_size {
            return Err(SourceError::ZipTooLarge {
                archive: archive.to_owned(),
                entry: name,
                limit: limits.max_total_size,
            });
        }
        if let Some(e) = ratio_error(
            limits,
            archive,
            || format!("entry `{name}`"),
            compressed,
            size,
        ) {
            return Err(e);
        }
        plan.push(Planned {
            index,
            name,
            rel,
            dir,
            executable: !dir && mode & 0o111 != 0,
            compressed,
        });
    }
    if let Some(e) = ratio_error(
        limits,
        archive,
        || "the archive as a whole".to_owned(),
        archive_len,
        declared_total,
    ) {
        return Err(e);
    }
    if let Some(top) = single_top_folder(&plan) {
        plan.retain_mut(|p| {
            p.rel = p
                .rel
                .strip_prefix(&top)
                .map(Path::to_owned)
                .unwrap_or_default();
            !p.rel.as_os_str().is_empty()
        });
        done.stripped = Some(top);
    }
    Ok((plan, done))
}

/// Whether this build can decompress `method`: stored, deflate and Deflate64 (Windows' and
/// 7-Zip's "enhanced deflate", pure Rust). LZMA is not enabled: the zip crate's LZMA reader
/// fails on archives 7-Zip writes (zip-rs/zip2#275), and a clear "unsupported method" error
/// beats a misleading "corrupt" one.
fn can_read(method: zip::CompressionMethod) -> bool {
    zip::SUPPORTED_COMPRESSION_METHODS.contains(&method)
}

/// A readable name for a compression method the reader cannot handle.
fn method_name(method: zip::CompressionMethod) -> String {
    use zip::CompressionMethod as M;
    let known = [
        (M::LZMA, "LZMA"),
        (M::BZIP2, "bzip2"),
        (M::ZSTD, "Zstandard"),
        (M::ZSTD_DEPRECATED, "Zstandard"),
        (M::XZ, "xz"),
        (M::PPMD, "PPMd"),
        (M::IMPLODE, "implode"),
        (M::PKWARE_IMPLODE, "implode"),
        (M::SHRINK, "shrink"),
        (M::WAVPACK, "WavPack"),
        (M::JPEG, "JPEG"),
        (M::MP3, "MP3"),
    ];
    match known.iter().find(|(m, _)| *m == method) {
        Some((_, name)) => format!("{name}, {method}"),
        None => method.to_string(),
    }
}

/// The folder every entry lies under, when there is exactly one and something is inside it.
fn single_top_folder(plan: &[Planned]) -> Option<String> {
    let mut top: Option<&std::ffi::OsStr> = None;
    let mut nested = false;
    for p in plan {
        let mut parts = p.rel.components();
        let first = parts.next()?.as_os_str();
        let deeper = parts.next().is_some();
        if !deeper && !p.dir {
            return None; // a file at the top level
        }
        nested |= deeper;
        match top {
            None => top = Some(first),
            Some(t) if t == first => {}
            Some(_) => return None,
        }
    }
    if !nested {
        return None;
    }
    top.map(|t| t.to_string_lossy().into_owned())
}

/// Maps an archive entry name to a relative path, or says why it is unsafe.
fn relative_path(name: &str) -> Result<PathBuf, &'static str> {
    if name.is_empty() {
        return Err("the name is empty");
    }
    if name.contains('\0') {
        return Err("the name contains a NUL byte");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Err("it is an absolute path");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err("it is an absolute Windows path with a drive letter");
    }
    let mut out = PathBuf::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err("it has a `..` component that climbs out of the destination"),
            part => out.push(part),
        }
    }
    Ok(out)
}

/// The ratio error for `uncompressed` bytes out of `compressed`, if over the limit.
fn ratio_error(
    limits: &ZipLimits,
    archive: &Path,
    what: impl FnOnce() -> String,
    compressed: u64,
    uncompressed: u64,
) -> Option<SourceError> {
    if uncompressed <= limits.ratio_min_size {
        return None;
    }
    let compressed = compressed.max(1);
    if uncompressed <= compressed.saturating_mul(limits.max_ratio) {
        return None;
    }
    Some(SourceError::ZipRatio {
        archive: archive.to_owned(),
        what: what(),
        compressed,
        uncompressed,
        ratio: uncompressed / compressed,
        limit: limits.max_ratio,
    })
}

/// Checks the bytes actually written so far against the limits (archives can lie about their
/// declared sizes).
fn check_written(
    limits: &ZipLimits,
    archive: &Path,
    entry: &Planned,
    written: u64,
    total: u64,
    archive_len: u64,
) -> Result<(), SourceError> {
    if total > limits.max_total_size {
        return Err(SourceError::ZipTooLarge {
            archive: archive.to_owned(),
            entry: entry.name.clone(),
            limit: limits.max_total_size,
        });
    }
    if let Some(e) = ratio_error(
        limits,
        archive,
        || format!("entry `{}`", entry.name),
        entry.compressed,
        written,
    ) {
        return Err(e);
    }
    if let Some(e) = ratio_error(
        limits,
        archive,
        || "the archive as a whole".to_owned(),
        archive_len,
        total,
    ) {
        return Err(e);
    }
    Ok(())
}

fn create_dirs(path: &Path, archive: &Path, entry: &str) -> Result<(), SourceError> {
    std::fs::create_dir_all(path).map_err(|e| clash_or_io(e, archive, entry, "creating", path))
}

/// A path that already exists (or has a file where a folder is needed) means two entries
/// clash; anything else is an I/O error on the staging directory.
fn clash_or_io(
    e: std::io::Error,
    archive: &Path,
    entry: &str,
    action: &'static str,
    path: &Path,
) -> SourceError {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::AlreadyExists | ErrorKind::NotADirectory
    ) {
        SourceError::ZipDuplicate {
            archive: archive.to_owned(),
            entry: entry.to_owned(),
        }
    } else {
        SourceError::io(action, path, e)
    }
}

/// An error opening the archive or reading its central directory.
fn archive_error(archive: &Path, e: ZipError) -> SourceError {
    match e {
        ZipError::Io(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
            SourceError::io("reading", archive, io)
        }
        other => SourceError::ZipCorrupt {
            archive: archive.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// An error opening one entry for reading.
fn entry_error(archive: &Path, entry: &str, e: ZipError) -> SourceError {
    match e {
        ZipError::UnsupportedArchive(msg) if msg == ZipError::PASSWORD_REQUIRED => {
            SourceError::ZipEncrypted {
                archive: archive.to_owned(),
                entry: entry.to_owned(),
            }
        }
        ZipError::UnsupportedArchive(msg) => SourceError::ZipUnsupported {
            archive: archive.to_owned(),
            entry: entry.to_owned(),
            method: msg.to_owned(),
        },
        ZipError::Io(io) => SourceError::ZipEntryCorrupt {
            archive: archive.to_owned(),
            entry: entry.to_owned(),
            reason: describe_read_error(&io),
        },
        other => SourceError::ZipEntryCorrupt {
            archive: archive.to_owned(),
            entry: entry.to_owned(),
            reason: other.to_string(),
        },
    }
}

fn describe_read_error(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return "its data ends early: the archive is truncated".to_owned();
    }
    let text = e.to_string();
    if text.contains("Invalid checksum") {
        return "CRC-32 mismatch: the data does not match its checksum".to_owned();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path("a/b.txt").unwrap(), PathBuf::from("a/b.txt"));
        assert_eq!(relative_path("./a//b/").unwrap(), PathBuf::from("a/b"));
        assert_eq!(relative_path("a\\b").unwrap(), PathBuf::from("a/b"));
        assert_eq!(relative_path("./").unwrap(), PathBuf::new());
        assert!(relative_path("../x").is_err());
        assert!(relative_path("a/../../x").is_err());
        assert!(relative_path("a/..").is_err());
        assert!(relative_path("..\\x").is_err());
        assert!(relative_path("/etc/passwd").is_err());
        assert!(relative_path("\\x").is_err());
        assert!(relative_path("C:/x").is_err());
        assert!(relative_path("c:x").is_err());
        assert!(relative_path("a\0b").is_err());
        assert!(relative_path("").is_err());
        // A colon elsewhere is an ordinary character on unix.
        assert_eq!(relative_path("a/b:c").unwrap(), PathBuf::from("a/b:c"));
    }

    fn planned(rel: &str, dir: bool) -> Planned {
        Planned {
            index: 0,
            name: rel.to_owned(),
            rel: PathBuf::from(rel),
            dir,
            executable: false,
            compressed: 0,
        }
    }

    #[test]
    fn top_folder_detection() {
        let gh = [
            planned("repo-main", true),
            planned("repo-main/index.html", false),
            planned("repo-main/src/app.js", false),
        ];
        assert_eq!(single_top_folder(&gh).as_deref(), Some("repo-main"));
        // Without a folder entry of its own.
        assert_eq!(
            single_top_folder(&[planned("x/a", false)]).as_deref(),
            Some("x")
        );
        // Files at the top level, two folders, or an empty folder: extract as is.
        assert_eq!(
            single_top_folder(&[planned("x/a", false), planned("b", false)]),
            None
        );
        assert_eq!(
            single_top_folder(&[planned("x/a", false), planned("y/b", false)]),
            None
        );
        assert_eq!(single_top_folder(&[planned("x", true)]), None);
        assert_eq!(single_top_folder(&[]), None);
    }
}
