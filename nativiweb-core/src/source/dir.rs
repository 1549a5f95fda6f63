//! [`DirectorySource`]: a project that is already a folder on this machine.
//!
//! The folder is copied as it is (including `node_modules`, `.git` and build outputs: the
//! source does not guess what the build needs). Regular files keep their permission bits
//! (so `gradlew` stays executable; setuid/setgid/sticky bits are dropped). Symbolic links are
//! never followed while copying:
//!
//! - a link whose target resolves inside the project is recreated as a link, with a relative
//!   target that resolves to the same file in the copy (its own text when that is already the
//!   case, otherwise the shortest relative path through real folders);
//! - a link that resolves outside the project, or to nothing, is skipped with a log line, so a
//!   build can never read or write through it into the rest of the machine;
//! - sockets, FIFOs and device files are skipped with a log line.
//!
//! When the destination lies inside the source folder (a work dir under the project), it is
//! not copied into itself.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use async_trait::async_trait;

use super::{blocking, SourceError, Staging};
use crate::context::BuildContext;
use crate::error::Result;
use crate::model::SourceInfo;
use crate::traits::ProjectSource;

/// A project in a local folder, copied into the build's work dir.
#[derive(Debug, Clone)]
pub struct DirectorySource {
    root: PathBuf,
}

impl DirectorySource {
    /// A source that copies the folder at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirectorySource { root: root.into() }
    }

    /// The folder copied.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl ProjectSource for DirectorySource {
    fn name(&self) -> &str {
        "directory"
    }

    async fn materialize(&self, ctx: &BuildContext, dest: &Path) -> Result<SourceInfo> {
        let root = self.root.clone();
        let dest = dest.to_owned();
        let task_ctx = ctx.clone();
        let (canonical, copied) =
            blocking("directory", move || copy_project(&root, &dest, &task_ctx)).await?;
        ctx.info(format!(
            "copied {} files, {} folders and {} symlinks ({} bytes) from {}{}",
            copied.files,
            copied.dirs,
            copied.links,
            copied.bytes,
            canonical.display(),
            if copied.skipped > 0 {
                format!("; skipped {} entries (see above)", copied.skipped)
            } else {
                String::new()
            }
        ));
        Ok(SourceInfo {
            kind: "directory".to_owned(),
            origin: canonical.display().to_string(),
            ..SourceInfo::default()
        })
    }
}

/// What a copy did.
#[derive(Debug, Default)]
struct Copied {
    files: u64,
    dirs: u64,
    links: u64,
    bytes: u64,
    skipped: u64,
}

fn copy_project(root: &Path, dest: &Path, ctx: &BuildContext) -> Result<(PathBuf, Copied)> {
    let started = Instant::now();
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        _ => {
            return Err(SourceError::NotADirectory {
                path: root.to_owned(),
            }
            .into())
        }
    }
    let root = fs::canonicalize(root).map_err(|e| SourceError::io("resolving", root, e))?;
    let staging = Staging::new(dest)?;
    let out_root = staging.path().join("project");
    fs::create_dir(&out_root).map_err(|e| SourceError::io("creating", &out_root, e))?;

    // Never copy the destination (or the staging dir) into itself.
    let mut skip_ids = HashSet::new();
    for p in [dest, staging.path()] {
        if let Ok(m) = fs::metadata(p) {
            skip_ids.insert((m.dev(), m.ino()));
        }
    }

    let mut copied = Copied::default();
    let mut dir_modes: Vec<(PathBuf, u32)> = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let src_dir = root.join(&rel);
        let mut entries = fs::read_dir(&src_dir)
            .and_then(|it| it.collect::<std::io::Result<Vec<_>>>())
            .map_err(|e| SourceError::io("reading", &src_dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            ctx.check(started)?;
            let rel_child = rel.join(entry.file_name());
            let src = entry.path();
            let dst = out_root.join(&rel_child);
            // DirEntry::metadata does not follow symlinks.
            let meta = entry
                .metadata()
                .map_err(|e| SourceError::io("reading", &src, e))?;
            let kind = meta.file_type();
            if kind.is_dir() {
                if skip_ids.contains(&(meta.dev(), meta.ino())) {
                    ctx.info(format!(
                        "skipped {}: it is the build's own destination",
                        rel_child.display()
                    ));
                    copied.skipped += 1;
                    continue;
                }
                fs::create_dir(&dst).map_err(|e| SourceError::io("creating", &dst, e))?;
                dir_modes.push((dst, meta.mode() & 0o777));
                copied.dirs += 1;
                stack.push(rel_child);
            } else if kind.is_file() {
                fs::copy(&src, &dst).map_err(|e| SourceError::io("copying", &src, e))?;
                fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o777))
                    .map_err(|e| SourceError::io("setting permissions of", &dst, e))?;
                copied.files += 1;
                copied.bytes += meta.len();
            } else if kind.is_symlink() {
                match link_target(&root, &rel, &src) {
                    Ok(target) => {
                        std::os::unix::fs::symlink(&target, &dst)
                            .map_err(|e| SourceError::io("creating symlink", &dst, e))?;
                        copied.links += 1;
                    }
                    Err(reason) => {
                        ctx.info(format!("skipped symlink {}: {reason}", rel_child.display()));
                        copied.skipped += 1;
                    }
                }
            } else {
                ctx.info(format!(
                    "skipped {}: not a regular file, folder or symlink (a socket, FIFO or device)",
                    rel_child.display()
                ));
                copied.skipped += 1;
            }
        }
    }
    // Folder modes last (deepest first), so a read-only source folder could still be filled.
    for (dir, mode) in dir_modes.iter().rev() {
        fs::set_permissions(dir, fs::Permissions::from_mode(*mode))
            .map_err(|e| SourceError::io("setting permissions of", dir, e))?;
    }
    staging.commit(&out_root)?;
    Ok((root, copied))
}

/// Decides what the copy of the symlink at `link` (whose folder is `parent_rel` under the
/// canonical `root`) should point to, or why it must be skipped.
///
/// The link's own text is kept when it has no `..` and names exactly the file it resolves to
/// (so it passes through no other link and cannot climb out of the copy). Otherwise it is
/// replaced by the relative path from the link's folder to the resolved target, which passes
/// only through real folders and so resolves to the same file in the copy.
pub(crate) fn link_target(root: &Path, parent_rel: &Path, link: &Path) -> Result<PathBuf, String> {
    let text = fs::read_link(link).map_err(|e| format!("cannot read it: {e}"))?;
    let resolved =
        fs::canonicalize(link).map_err(|_| format!("it is dangling (-> {})", text.display()))?;
    let inside = resolved
        .strip_prefix(root)
        .map_err(|_| format!("it points outside the project (-> {})", text.display()))?;
    let simple = text.is_relative()
        && !text.components().any(|c| c == Component::ParentDir)
        && normalize(&parent_rel.join(&text)) == inside;
    if simple {
        return Ok(text);
    }
    Ok(relative_from(parent_rel, inside))
}

/// `path` without `.` components (it has no `..`).
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The relative path from folder `from` to `to`, both relative to the same root and made of
/// real folder names only.
fn relative_from(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Removes symlinks under `root` that resolve outside it or to nothing, and rewrites those
/// whose text would not resolve to the same file once `root` moves (see [`link_target`]).
/// Skips `.git` at the top. Returns how many links were removed. Used on fresh git checkouts,
/// whose links come from the repository and are as untrusted as a zip's entries.
pub(crate) fn scrub_symlinks(root: &Path, ctx: &BuildContext) -> Result<u64> {
    let started = Instant::now();
    let root = fs::canonicalize(root).map_err(|e| SourceError::io("resolving", root, e))?;
    let mut removed = 0;
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let mut entries = fs::read_dir(&dir)
            .and_then(|it| it.collect::<std::io::Result<Vec<_>>>())
            .map_err(|e| SourceError::io("reading", &dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            ctx.check(started)?;
            let rel_child = rel.join(entry.file_name());
            if rel_child == Path::new(".git") {
                continue;
            }
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| SourceError::io("reading", &path, e))?;
            if kind.is_dir() {
                stack.push(rel_child);
            } else if kind.is_symlink() {
                match link_target(&root, &rel, &path) {
                    Ok(target) => {
                        if fs::read_link(&path).ok().as_deref() != Some(target.as_path()) {
                            fs::remove_file(&path)
                                .and_then(|()| std::os::unix::fs::symlink(&target, &path))
                                .map_err(|e| SourceError::io("rewriting symlink", &path, e))?;
                        }
                    }
                    Err(reason) => {
                        fs::remove_file(&path)
                            .map_err(|e| SourceError::io("removing symlink", &path, e))?;
                        ctx.info(format!("removed symlink {}: {reason}", rel_child.display()));
                        removed += 1;
                    }
                }
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_folders() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(relative_from(&p(""), &p("a/b")), p("a/b"));
        assert_eq!(relative_from(&p("a"), &p("a/b")), p("b"));
        assert_eq!(relative_from(&p("a/c"), &p("a/b")), p("../b"));
        assert_eq!(relative_from(&p("x/y"), &p("a")), p("../../a"));
        assert_eq!(relative_from(&p("a"), &p("a")), p("."));
        assert_eq!(relative_from(&p("a/b"), &p("")), p("../.."));
    }
}
