//! Writing a generated native project over an earlier one without losing the user's edits:
//! the one implementation the iOS (Xcode) and Android (Gradle) generators share.
//!
//! Every file a generator writes is recorded, with the SHA-256 of the bytes written, in
//! `.nativiweb/generated.json` in the output folder ([`RECORD`]). On the next generation, for
//! each file:
//!
//! - absent: written;
//! - already holding the new bytes: left alone (so the IDE and the build see no change);
//! - holding what nativiweb wrote last time (its hash matches the record): rewritten;
//! - anything else (the user edited it, or it was there before nativiweb): **kept**, and
//!   nativiweb's version is written to `.nativiweb/pending/<same path>` to compare and merge
//!   by hand; the outcome lists it and a warning names it. Its record keeps the old hash, so it
//!   stays "edited" until the user takes nativiweb's version (or deletes the file, which has
//!   it written again).
//!
//! A file may name settings the app config owns ([`Planned::owned_settings`]: the version, the
//! bundle id...): when it is kept, the generator's [`SettingsUpdater`] still brings those up
//! to date in the user's copy, so an edited project keeps building the right version.
//!
//! A file written before but no longer generated is deleted when unchanged, kept with a
//! warning when edited. With `overwrite_edits`, edited files are overwritten instead. Web
//! bundles are not subject to this: generators copy them whole every time.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The record of generated files, relative to the output folder.
pub const RECORD: &str = ".nativiweb/generated.json";

/// Where nativiweb's versions of kept files go, relative to the output folder.
pub const PENDING: &str = ".nativiweb/pending";

/// What `.nativiweb/generated.json` holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Manifest {
    /// What wrote it.
    generator: String,
    /// Path relative to the output folder -> SHA-256 (hex) of the bytes nativiweb wrote.
    files: BTreeMap<String, String>,
}

/// Why a generated project could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegenError {
    /// Something in the output folder is in the way (a folder where a file goes).
    #[error("{path}: {reason}")]
    Output {
        /// The path at fault.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl RegenError {
    /// An I/O error on `path`, for `map_err`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> RegenError {
        let path = path.into();
        move |source| RegenError::Io { path, source }
    }
}

/// A file kept because the user edited it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptFile {
    /// The kept file, relative to the output folder.
    pub path: PathBuf,
    /// Where nativiweb's version of it was written instead (under `.nativiweb/pending/`),
    /// relative to the output folder.
    pub ours: PathBuf,
    /// The settings the app config owns that were updated in the user's copy
    /// (`MARKETING_VERSION`, `versionCode`...).
    pub updated_settings: Vec<String>,
}

/// What [`apply`] did, file by file.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Files written (new, or refreshed because they were unchanged since the last
    /// generation), relative to the output folder.
    pub written: Vec<PathBuf>,
    /// Files that already held exactly what would be written.
    pub unchanged: Vec<PathBuf>,
    /// Files kept because the user edited them.
    pub kept: Vec<KeptFile>,
    /// Files of an earlier generation that this one no longer makes, deleted.
    pub removed: Vec<PathBuf>,
    /// Edited files kept or overwritten, an unreadable record, settings not updated.
    pub warnings: Vec<String>,
}

/// What a [`SettingsUpdater`] made of a kept file.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    /// The file's new text, or `None` to leave it as it is.
    pub text: Option<String>,
    /// The settings changed in it.
    pub updated: Vec<String>,
    /// What the user should know (a setting not found, a change that would break the file).
    pub warnings: Vec<String>,
}

/// Brings the owned settings (`(key, value)` pairs) up to date in the text of a kept file at
/// the given path: each generator knows its own file format.
pub type SettingsUpdater<'a> = &'a dyn Fn(&Path, &str, &[(&'static str, String)]) -> SettingsUpdate;

/// One file to write.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Relative to the output folder, `/`-separated.
    pub rel: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The `(setting, value)` pairs the app config owns in this file, brought up to date in a
    /// copy the user edited (the project file's version and bundle id...).
    pub owned_settings: Vec<(&'static str, String)>,
}

impl Planned {
    /// A file with no owned settings.
    pub fn new(rel: impl Into<String>, bytes: Vec<u8>) -> Self {
        Planned {
            rel: rel.into(),
            bytes,
            owned_settings: Vec::new(),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The generator named in `out`'s record (`nativiweb-ios 0.1.0`), when there is a readable one:
/// so a generator can refuse to write over another's project.
pub fn recorded_generator(out: &Path) -> Option<String> {
    let bytes = std::fs::read(out.join(RECORD)).ok()?;
    serde_json::from_slice::<Manifest>(&bytes)
        .ok()
        .map(|m| m.generator)
}

/// Writes `planned` into `out`, keeping the user's edits as described above, records the files
/// as written by `generator` (`nativiweb-ios 0.1.0`), and says what happened in `result`.
pub fn apply(
    out: &Path,
    planned: &[Planned],
    overwrite_edits: bool,
    generator: &str,
    update: SettingsUpdater<'_>,
    result: &mut Outcome,
) -> Result<(), RegenError> {
    let manifest_path = out.join(RECORD);
    let old = match std::fs::read(&manifest_path) {
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => m,
            Err(e) => {
                result.warnings.push(format!(
                    "{} is not readable ({e}): every existing file is treated as edited and kept",
                    manifest_path.display()
                ));
                Manifest::default()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => return Err(RegenError::io(&manifest_path)(e)),
    };
    // Starts as the old record, updated file by file, and saved even when a write fails: a
    // file written before the failure must not look edited by the user on the next run.
    let mut new = Manifest {
        generator: generator.to_owned(),
        files: old.files.clone(),
    };
    let written = write_planned(
        out,
        planned,
        overwrite_edits,
        &old,
        &mut new,
        update,
        result,
    );
    if let Err(e) = written {
        let _ = save_manifest(&manifest_path, &new);
        return Err(e);
    }

    // Files written last time that this generation does not make.
    let planned_rels: BTreeSet<&str> = planned.iter().map(|p| p.rel.as_str()).collect();
    for (rel, hash) in &old.files {
        if planned_rels.contains(rel.as_str()) {
            continue;
        }
        let path = out.join(rel);
        let outcome = match std::fs::read(&path) {
            Ok(disk) if sha256_hex(&disk) == *hash || overwrite_edits => {
                match std::fs::remove_file(&path) {
                    Ok(()) => {
                        remove_empty_parents(out, &path);
                        result.removed.push(PathBuf::from(rel));
                        Ok(())
                    }
                    Err(e) => Err(RegenError::io(&path)(e)),
                }
            }
            Ok(_) => {
                result.warnings.push(format!(
                    "{rel}: nativiweb no longer generates it, but you edited it, so it was kept (delete it if it is not needed)"
                ));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(RegenError::io(&path)(e)),
        };
        if let Err(e) = outcome {
            let _ = save_manifest(&manifest_path, &new);
            return Err(e);
        }
        // From now on the file, if still there, is the user's.
        new.files.remove(rel);
    }
    save_manifest(&manifest_path, &new)
}

fn save_manifest(path: &Path, manifest: &Manifest) -> Result<(), RegenError> {
    let mut text = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    text.push(b'\n');
    write_atomic(path, &text)
}

/// Writes each planned file (or keeps it), recording what it did in `new` and `result`.
fn write_planned(
    out: &Path,
    planned: &[Planned],
    overwrite_edits: bool,
    old: &Manifest,
    new: &mut Manifest,
    update: SettingsUpdater<'_>,
    result: &mut Outcome,
) -> Result<(), RegenError> {
    remove_path(&out.join(PENDING))?;
    for file in planned {
        let path = out.join(&file.rel);
        let recorded = old.files.get(&file.rel);
        let disk = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                return Err(RegenError::Output {
                    path,
                    reason: "is a folder where the project has a file: move it away".to_owned(),
                })
            }
            Err(e) => return Err(RegenError::io(&path)(e)),
        };
        let new_hash = sha256_hex(&file.bytes);
        let Some(disk) = disk else {
            write_atomic(&path, &file.bytes)?;
            result.written.push(PathBuf::from(&file.rel));
            new.files.insert(file.rel.clone(), new_hash);
            continue;
        };
        if disk == file.bytes {
            result.unchanged.push(PathBuf::from(&file.rel));
            new.files.insert(file.rel.clone(), new_hash);
            continue;
        }
        let ours = recorded.is_some_and(|h| *h == sha256_hex(&disk));
        if ours || overwrite_edits {
            if !ours {
                result.warnings.push(format!(
                    "{}: overwrote your edits (overwrite_edits is on)",
                    file.rel
                ));
            }
            write_atomic(&path, &file.bytes)?;
            result.written.push(PathBuf::from(&file.rel));
            new.files.insert(file.rel.clone(), new_hash);
            continue;
        }

        // Edited (or not ours): keep it, put ours beside for the user to compare.
        let pending_rel = format!("{PENDING}/{}", file.rel);
        write_atomic(&out.join(&pending_rel), &file.bytes)?;
        let mut updated = Vec::new();
        if !file.owned_settings.is_empty() {
            updated = update_settings(&path, &disk, &file.owned_settings, update, result)?;
        }
        let what = if recorded.is_some() {
            "you edited it since nativiweb wrote it"
        } else {
            "it was there before nativiweb wrote this project"
        };
        let mut warning = format!(
            "{}: kept, as {what}; nativiweb's version is in {pending_rel} to compare",
            file.rel
        );
        if !updated.is_empty() {
            warning.push_str(&format!(
                " (the settings the app config owns were updated in yours: {})",
                updated.join(", ")
            ));
        }
        result.warnings.push(warning);
        result.kept.push(KeptFile {
            path: PathBuf::from(&file.rel),
            ours: PathBuf::from(pending_rel),
            updated_settings: updated,
        });
        // Its record (if any) stays nativiweb's last hash, so it stays "edited".
    }
    Ok(())
}

/// Brings the owned settings up to date in the user's copy through `update`; returns the ones
/// changed.
fn update_settings(
    path: &Path,
    disk: &[u8],
    settings: &[(&'static str, String)],
    update: SettingsUpdater<'_>,
    result: &mut Outcome,
) -> Result<Vec<String>, RegenError> {
    let Ok(text) = std::str::from_utf8(disk) else {
        result.warnings.push(format!(
            "{}: not UTF-8, so the settings the app config owns were not updated in it",
            path.display()
        ));
        return Ok(Vec::new());
    };
    let outcome = update(path, text, settings);
    result.warnings.extend(outcome.warnings);
    match outcome.text {
        Some(new_text) if !outcome.updated.is_empty() => {
            write_atomic(path, new_text.as_bytes())?;
            Ok(outcome.updated)
        }
        _ => Ok(Vec::new()),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder (mode 0644), creating
/// the folders on the way: a reader sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RegenError> {
    let parent = parent_of(path);
    std::fs::create_dir_all(parent).map_err(RegenError::io(parent))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".nativiweb-")
        .tempfile_in(parent)
        .map_err(RegenError::io(parent))?;
    tmp.write_all(bytes).map_err(RegenError::io(path))?;
    finish_temp(tmp, path)
}

/// Copies `from` to `to` the same way.
pub fn copy_atomic(from: &Path, to: &Path) -> Result<(), RegenError> {
    let parent = parent_of(to);
    std::fs::create_dir_all(parent).map_err(RegenError::io(parent))?;
    let mut src = std::fs::File::open(from).map_err(RegenError::io(from))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".nativiweb-")
        .tempfile_in(parent)
        .map_err(RegenError::io(parent))?;
    std::io::copy(&mut src, &mut tmp).map_err(RegenError::io(from))?;
    finish_temp(tmp, to)
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn finish_temp(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), RegenError> {
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(RegenError::io(path))?;
    tmp.as_file().sync_all().map_err(RegenError::io(path))?;
    tmp.persist(path).map_err(|e| RegenError::Io {
        path: path.to_owned(),
        source: e.error,
    })?;
    Ok(())
}

/// Removes a file or a folder with everything in it; nothing there is fine.
pub fn remove_path(path: &Path) -> Result<(), RegenError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).map_err(RegenError::io(path)),
        Ok(_) => std::fs::remove_file(path).map_err(RegenError::io(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RegenError::io(path)(e)),
    }
}

/// Removes the empty folders above `path`, up to (not including) `root`.
fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Whether two files hold the same bytes (sizes first, then the contents in chunks).
pub fn same_contents(a: &Path, b: &Path) -> std::io::Result<bool> {
    let (ma, mb) = (std::fs::metadata(a)?, std::fs::metadata(b)?);
    if !ma.is_file() || !mb.is_file() || ma.len() != mb.len() {
        return Ok(false);
    }
    let mut fa = std::io::BufReader::new(std::fs::File::open(a)?);
    let mut fb = std::io::BufReader::new(std::fs::File::open(b)?);
    let mut ba = vec![0u8; 64 * 1024];
    let mut bb = vec![0u8; 64 * 1024];
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}
