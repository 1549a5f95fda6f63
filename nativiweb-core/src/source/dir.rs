//! [`DirectorySource`]: a project that is already a folder on this machine.
//!
//! By default the folder is copied into the build's work dir, so a build never changes the
//! user's files, leaving out what the build recreates or must never see:
//!
//! - `node_modules/` at any depth: the install step reinstalls from the lockfile (copying
//!   tens of thousands of files only for `npm ci` to delete them is most of a build's time);
//! - framework caches (`.next/`, `.nuxt/`, `.svelte-kit/`, `.turbo/`, `.parcel-cache/`,
//!   `.angular/`, `.expo/`);
//! - the detected web build output (`dist/`, `build/`...), which the web build writes anew,
//!   unless [`DirectorySource::keep_build_outputs`] is set (for `--skip-web-build`);
//! - the folders the build itself writes to ([`BuildContext::leave_out`]: the `--out` folder)
//!   and the work dir, when they lie inside the project.
//!
//! [`DirectorySource::in_place`] skips the copy: the build runs in the user's folder (its web
//! build writes there, and an installed `node_modules` is used as it is).
//!
//! Regular files keep their permission bits (so `gradlew` stays executable; setuid/setgid/
//! sticky bits are dropped). Symbolic links are never followed while copying:
//!
//! - a link whose target resolves inside the project is recreated as a link, with a relative
//!   target that resolves to the same file in the copy (its own text when that is already the
//!   case, otherwise the shortest relative path through real folders);
//! - a link that resolves outside the project, or to nothing, is skipped with a log line, so a
//!   build can never read or write through it into the rest of the machine;
//! - sockets, FIFOs and device files are skipped with a log line.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use async_trait::async_trait;

use super::{blocking, SourceError, Staging};
use crate::context::BuildContext;
use crate::detect::Detection;
use crate::error::Result;
use crate::model::SourceInfo;
use crate::traits::ProjectSource;

/// Framework caches, never copied (the build recreates them).
const CACHE_DIRS: &[&str] = &[
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".turbo",
    ".parcel-cache",
    ".angular",
    ".expo",
];

/// A project in a local folder, copied into the build's work dir (or used in place).
#[derive(Debug, Clone)]
pub struct DirectorySource {
    root: PathBuf,
    in_place: bool,
    keep_build_outputs: bool,
}

impl DirectorySource {
    /// A source that copies the folder at `root`, leaving out `node_modules`, caches and the
    /// web build's output (see the module docs).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirectorySource {
            root: root.into(),
            in_place: false,
            keep_build_outputs: false,
        }
    }

    /// Build in the folder itself instead of a copy: faster (nothing copied, an installed
    /// `node_modules` reused), but the web build writes into the user's folder. For a
    /// developer's own machine; a build farm keeps the default copy.
    pub fn in_place(mut self, yes: bool) -> Self {
        self.in_place = yes;
        self
    }

    /// Copy the web build's output folder too: needed when the web build is skipped and the
    /// bundle already built there is what gets packaged.
    pub fn keep_build_outputs(mut self, keep: bool) -> Self {
        self.keep_build_outputs = keep;
        self
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

    fn local_root(&self) -> Option<PathBuf> {
        Some(self.root.clone())
    }

    fn in_place_root(&self) -> Option<PathBuf> {
        self.in_place.then(|| self.root.clone())
    }

    async fn materialize(&self, ctx: &BuildContext, dest: &Path) -> Result<SourceInfo> {
        let root = self.root.clone();
        let dest = dest.to_owned();
        if self.in_place {
            let canonical = blocking("directory", move || {
                let canonical = match fs::metadata(&root) {
                    Ok(m) if m.is_dir() => fs::canonicalize(&root)
                        .map_err(|e| SourceError::io("resolving", &root, e))?,
                    _ => return Err(SourceError::NotADirectory { path: root }.into()),
                };
                if fs::canonicalize(&dest).ok().as_deref() != Some(canonical.as_path()) {
                    return Err(crate::error::Error::InvalidInput(format!(
                        "an in-place directory source builds in {} itself, but the pipeline gave it {}: let the pipeline use in_place_root()",
                        canonical.display(),
                        dest.display()
                    )));
                }
                Ok(canonical)
            })
            .await?;
            ctx.info(format!(
                "building in place in {} (nothing copied)",
                canonical.display()
            ));
            return Ok(SourceInfo {
                kind: "directory".to_owned(),
                origin: canonical.display().to_string(),
                ..SourceInfo::default()
            });
        }
        let task_ctx = ctx.clone();
        let keep_outputs = self.keep_build_outputs;
        let (canonical, copied, subdir) = blocking("directory", move || {
            // A workspace member needs its workspace (the lockfile and the other members it
            // depends on): copy from the workspace root and build in the member.
            // One detection of the project decides both what to copy and which output to
            // leave out (the member's own, also when the workspace is copied).
            let detection = crate::detect::detect(&root).ok();
            let (copy_root, subdir) = workspace_of(&root, detection.as_ref());
            let rebuilt = detection.as_ref().filter(|_| !keep_outputs);
            let (canonical, copied) = copy_project(&copy_root, &dest, &task_ctx, rebuilt)?;
            Ok((canonical, copied, subdir))
        })
        .await?;
        if let Some(sub) = &subdir {
            ctx.info(format!(
                "{} is a member of the workspace at {}: copied the workspace, building in {}",
                self.root.display(),
                canonical.display(),
                sub.display()
            ));
        }
        if !copied.left_out.is_empty() {
            ctx.info(format!(
                "left out of the copy: {}",
                copied.left_out.join(", ")
            ));
        }
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
            subdir,
            ..SourceInfo::default()
        })
    }
}

/// The folder to copy for the project at `root`: the workspace root when `root` is a member
/// of a workspace (with `root`'s place inside it), else `root` itself.
fn workspace_of(root: &Path, detection: Option<&Detection>) -> (PathBuf, Option<PathBuf>) {
    let Some(d) = detection else {
        return (root.to_owned(), None);
    };
    match &d.install {
        Some(plan) if plan.dir != d.root => match d.root.strip_prefix(&plan.dir) {
            Ok(sub) if !sub.as_os_str().is_empty() => (plan.dir.clone(), Some(sub.to_owned())),
            _ => (root.to_owned(), None),
        },
        _ => (root.to_owned(), None),
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
    /// Folders left out on purpose, with why (`node_modules/ (reinstalled)`).
    left_out: Vec<String>,
}

/// Folders of the project the copy leaves out, by (device, inode), with why: the build's
/// output folders, and the web build output of `rebuilt` (the project's detection, when its
/// web build will run).
fn planned_omissions(
    ctx: &BuildContext,
    rebuilt: Option<&Detection>,
) -> Vec<((u64, u64), &'static str)> {
    let mut out = Vec::new();
    for dir in &ctx.leave_out {
        // An output folder that is itself a web bundle (its own index.html: `--out dist` with
        // the site in dist/) is copied, or the build would lose its bundle; the artifacts in
        // it are left out of the app by the bundle filter, by kind.
        if fs::metadata(dir.join("index.html")).is_ok_and(|m| m.is_file()) {
            continue;
        }
        if let Ok(m) = fs::metadata(dir) {
            out.push(((m.dev(), m.ino()), "the build's output folder"));
        }
    }
    // The web build rewrites its output; copying the old one is wasted time (and could hide a
    // build that silently wrote nothing). Only for a known framework's build, so a static
    // site's own folder is never mistaken for an output.
    let output = rebuilt
        .filter(|d| d.build_command.is_some() && d.framework.is_some())
        .and_then(|d| {
            let rel = d.output_dir.as_ref()?;
            // Never the project folder itself (an output dir of `.`).
            let below = rel.components().any(|c| matches!(c, Component::Normal(_)));
            below.then(|| d.root.join(rel))
        });
    if let Some(m) = output.and_then(|dir| fs::metadata(dir).ok()) {
        out.push(((m.dev(), m.ino()), "rebuilt by the web build"));
    }
    out
}

fn copy_project(
    root: &Path,
    dest: &Path,
    ctx: &BuildContext,
    rebuilt: Option<&Detection>,
) -> Result<(PathBuf, Copied)> {
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

    let omissions = planned_omissions(ctx, rebuilt);

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
                let name = entry.file_name();
                let why = if name == "node_modules" {
                    Some("reinstalled by the install step")
                } else if CACHE_DIRS.iter().any(|c| name == *c) {
                    Some("a build cache")
                } else {
                    omissions
                        .iter()
                        .find(|(id, _)| *id == (meta.dev(), meta.ino()))
                        .map(|(_, why)| *why)
                };
                if let Some(why) = why {
                    copied
                        .left_out
                        .push(format!("{}/ ({why})", rel_child.display()));
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
