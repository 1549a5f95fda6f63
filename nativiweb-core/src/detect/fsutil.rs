//! File-system access for detection: one directory listing per directory, bounded reads, and a
//! confined walk.
//!
//! Detection decides from names first and opens only the files a decision needs. Every read
//! is bounded (a multi-gigabyte `package.json` is refused, not loaded), nothing is followed
//! out of the project through a symlink, and walks never enter `node_modules`, `.git`, hidden
//! folders or build outputs, so their cost depends on the project's own files only.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest `package.json` we read (a bigger one is an error: no real manifest is that big).
pub(crate) const MAX_PACKAGE_JSON: u64 = 4 << 20;
/// Largest config file (angular.json, vite.config.ts, app.json, config.xml...) we read.
pub(crate) const MAX_CONFIG: u64 = 1 << 20;
/// How much of an HTML page we scan for `<link rel="manifest">` (it sits in `<head>`).
pub(crate) const MAX_HTML: u64 = 256 << 10;
/// How much of `yarn.lock` we read to tell classic from berry (the marker is in the header).
pub(crate) const LOCKFILE_PEEK: u64 = 1024;

/// Folder names never entered by a walk: dependencies, VCS data and build outputs.
pub(crate) const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "dist",
    "build",
    "out",
    "coverage",
    "target",
    "Pods",
    "DerivedData",
    "__pycache__",
];

/// True for names a walk must not enter (the list above, and every hidden folder).
pub(crate) fn is_skipped_dir(name: &str) -> bool {
    name.starts_with('.') || SKIPPED_DIRS.contains(&name)
}

/// What a directory entry is, after resolving a symlink that stays inside the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryType {
    /// A regular file (or a symlink to one inside the boundary).
    File,
    /// A directory (or a symlink to one inside the boundary).
    Dir,
}

/// One directory entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The file name (UTF-8; other names are never ones detection looks for).
    pub name: String,
    /// File or directory.
    pub ty: EntryType,
    /// For a symlink, its canonical target (always inside the boundary).
    pub link_target: Option<PathBuf>,
}

/// A directory's entries, read once and sorted by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    entries: Vec<Entry>,
}

impl Listing {
    /// Reads `dir`. Symlinks are resolved: one whose target leaves `boundary` (or dangles) is
    /// left out, and its name pushed to `outside` so the caller can say so.
    pub fn read(dir: &Path, boundary: &Path, outside: &mut Vec<String>) -> std::io::Result<Self> {
        let mut entries = Vec::new();
        for item in fs::read_dir(dir)? {
            let Ok(item) = item else { continue };
            let Ok(name) = item.file_name().into_string() else {
                continue;
            };
            let Ok(ft) = item.file_type() else { continue };
            if ft.is_dir() {
                entries.push(Entry {
                    name,
                    ty: EntryType::Dir,
                    link_target: None,
                });
            } else if ft.is_file() {
                entries.push(Entry {
                    name,
                    ty: EntryType::File,
                    link_target: None,
                });
            } else if ft.is_symlink() {
                match resolve_inside(&dir.join(&name), boundary) {
                    Some((target, ty)) => entries.push(Entry {
                        name,
                        ty,
                        link_target: Some(target),
                    }),
                    None => outside.push(name),
                }
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Listing { entries })
    }

    fn get(&self, name: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// True when `name` is a file here.
    pub fn has_file(&self, name: &str) -> bool {
        self.get(name).is_some_and(|e| e.ty == EntryType::File)
    }

    /// True when `name` is a directory here.
    pub fn has_dir(&self, name: &str) -> bool {
        self.get(name).is_some_and(|e| e.ty == EntryType::Dir)
    }

    /// The first of `names` that is a file here.
    pub fn first_file<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|n| self.has_file(n))
    }

    /// All entries, sorted by name.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// Resolves the symlink at `path`; returns its canonical target and type when the target
/// exists inside `boundary`.
pub(crate) fn resolve_inside(path: &Path, boundary: &Path) -> Option<(PathBuf, EntryType)> {
    let target = fs::canonicalize(path).ok()?;
    if !target.starts_with(boundary) {
        return None;
    }
    let meta = fs::metadata(&target).ok()?;
    let ty = if meta.is_dir() {
        EntryType::Dir
    } else if meta.is_file() {
        EntryType::File
    } else {
        return None;
    };
    Some((target, ty))
}

/// Why a bounded read failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The file is larger than the limit.
    TooLarge {
        /// Its size (or the limit + 1 when it grew while reading).
        size: u64,
    },
    /// The OS refused.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge { size } => write!(f, "it is too large ({size} bytes)"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads at most `limit` bytes of `path`; a bigger file is [`ReadError::TooLarge`].
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = fs::File::open(path).map_err(ReadError::Io)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > limit {
        return Err(ReadError::TooLarge { size });
    }
    let mut buf = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: limit + 1 });
    }
    Ok(buf)
}

/// Reads the first `limit` bytes of `path` (for headers; never an error for size).
pub(crate) fn read_prefix(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = fs::File::open(path)?;
    let mut buf = Vec::new();
    file.take(limit).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Resolves `rel` under `dir` (a canonical folder inside `boundary`) one component at a time:
/// a real folder costs one `lstat`, a symlink is resolved and must stay inside `boundary`.
/// Cheaper than canonicalizing the whole absolute path for every file detection probes.
/// Returns the real path and its metadata (a final symlink followed).
fn resolve_rel(dir: &Path, rel: &str, boundary: &Path) -> Option<(PathBuf, fs::Metadata)> {
    let comps: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if comps.is_empty() {
        return None;
    }
    if comps.contains(&"..") {
        let real = fs::canonicalize(dir.join(rel)).ok()?;
        if !real.starts_with(boundary) {
            return None;
        }
        let meta = fs::metadata(&real).ok()?;
        return Some((real, meta));
    }
    let mut cur = dir.to_path_buf();
    let last = comps.len() - 1;
    for (i, c) in comps.iter().enumerate() {
        cur.push(c);
        let meta = fs::symlink_metadata(&cur).ok()?;
        let meta = if meta.file_type().is_symlink() {
            let real = fs::canonicalize(&cur).ok()?;
            if !real.starts_with(boundary) {
                return None;
            }
            cur = real;
            fs::metadata(&cur).ok()?
        } else {
            meta
        };
        if i == last {
            return Some((cur, meta));
        }
        if !meta.is_dir() {
            return None;
        }
    }
    None
}

/// Reads `rel` (`/`-separated) under `dir` as a file that must stay inside `boundary`: a
/// path through a symlink pointing out is refused like a missing file. `dir` must be a
/// canonical folder inside `boundary`.
pub(crate) fn read_inside(
    dir: &Path,
    rel: &str,
    boundary: &Path,
    limit: u64,
) -> Option<Result<Vec<u8>, ReadError>> {
    let (real, meta) = resolve_rel(dir, rel, boundary)?;
    meta.is_file().then(|| read_bounded(&real, limit))
}

/// True when `rel` under `dir` is a file inside `boundary`.
pub(crate) fn is_file_inside(dir: &Path, rel: &str, boundary: &Path) -> bool {
    resolve_rel(dir, rel, boundary).is_some_and(|(_, m)| m.is_file())
}

/// True when `rel` under `dir` is a directory inside `boundary`.
pub(crate) fn is_dir_inside(dir: &Path, rel: &str, boundary: &Path) -> bool {
    resolve_rel(dir, rel, boundary).is_some_and(|(_, m)| m.is_dir())
}

/// Reads a config file as text for a decision. An absent file is `None`; one that cannot be
/// read, is over [`MAX_CONFIG`] or is not UTF-8 is `None` plus a warning naming it (`label` is
/// the folder prefix shown in warnings, like `apps/web/`).
pub(crate) fn read_config_text(
    dir: &Path,
    rel: &str,
    boundary: &Path,
    label: &str,
    warnings: &mut Vec<String>,
) -> Option<String> {
    match read_inside(dir, rel, boundary, MAX_CONFIG)? {
        Ok(bytes) => match text(&bytes) {
            Some(t) => Some(t.to_owned()),
            None => {
                warnings.push(format!("{label}{rel} is not UTF-8 text; ignored it"));
                None
            }
        },
        Err(e) => {
            warnings.push(format!("could not read {label}{rel}: {e}; ignored it"));
            None
        }
    }
}

/// Reads a JSON config file (comments and trailing commas allowed, as in rush.json or
/// tsconfig-style files), like [`read_config_text`]; invalid JSON is a warning naming it.
pub(crate) fn read_config_json(
    dir: &Path,
    rel: &str,
    boundary: &Path,
    label: &str,
    warnings: &mut Vec<String>,
) -> Option<serde_json::Value> {
    let text = read_config_text(dir, rel, boundary, label, warnings)?;
    match serde_json::from_str(&super::jsconfig::strip_jsonc(&text)) {
        Ok(v) => Some(v),
        Err(e) => {
            warnings.push(format!("{label}{rel} is not valid JSON ({e}); ignored it"));
            None
        }
    }
}

/// Reads at most `limit` bytes of `rel` under `dir`, with the same confinement as
/// [`read_inside`] (for a page whose head is all that matters).
pub(crate) fn read_inside_prefix(
    dir: &Path,
    rel: &str,
    boundary: &Path,
    limit: u64,
) -> Option<Vec<u8>> {
    let (real, meta) = resolve_rel(dir, rel, boundary)?;
    if !meta.is_file() {
        return None;
    }
    read_prefix(&real, limit).ok()
}

/// Decodes bytes as UTF-8 text, dropping a byte-order mark.
pub(crate) fn text(bytes: &[u8]) -> Option<&str> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).ok()
}

/// Normalizes a relative path written in a config file (`./dist`, `src/../www/`, `dist\\app`)
/// into clean components. `..` that climbs above the start is kept as leading `..`.
/// Returns `None` for an absolute path or an empty result other than `.`.
pub(crate) fn normalize_rel(p: &str) -> Option<PathBuf> {
    let p = p.trim();
    if p.is_empty() {
        return None;
    }
    let unified = p.replace('\\', "/");
    let path = Path::new(&unified);
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        return Some(PathBuf::from("."));
    }
    Some(parts.iter().collect())
}

/// Joins a relative `base` (as produced by [`normalize_rel`]) and a relative `rel`, and
/// normalizes the result.
pub(crate) fn join_rel(base: &Path, rel: &str) -> Option<PathBuf> {
    if base.as_os_str().is_empty() || base == Path::new(".") {
        return normalize_rel(rel);
    }
    let joined = format!("{}/{}", base.to_string_lossy(), rel.trim());
    normalize_rel(&joined)
}

/// True when a normalized relative path stays inside its start (no leading `..`).
pub(crate) fn stays_inside(p: &Path) -> bool {
    !matches!(p.components().next(), Some(Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_config_paths() {
        assert_eq!(normalize_rel("./dist/"), Some(PathBuf::from("dist")));
        assert_eq!(normalize_rel("src/../www"), Some(PathBuf::from("www")));
        assert_eq!(normalize_rel("../dist"), Some(PathBuf::from("../dist")));
        assert_eq!(normalize_rel("a\\b"), Some(PathBuf::from("a/b")));
        assert_eq!(normalize_rel("."), Some(PathBuf::from(".")));
        assert_eq!(normalize_rel("/abs"), None);
        assert_eq!(normalize_rel(""), None);
        assert_eq!(
            join_rel(Path::new("src-tauri"), "../dist"),
            Some(PathBuf::from("dist"))
        );
        assert_eq!(
            join_rel(Path::new(""), "./res/icon.png"),
            Some(PathBuf::from("res/icon.png"))
        );
        assert_eq!(join_rel(Path::new("."), "/abs"), None);
        assert!(!stays_inside(Path::new("../x")));
        assert!(stays_inside(Path::new("x/../y")));
    }
}
