//! Writing a generated project over an earlier one without losing the user's edits.
//!
//! Every file nativiweb writes is recorded, with the SHA-256 of the bytes written, in
//! `.nativiweb/generated.json` in the output folder. On the next generation, for each file:
//!
//! - absent: written;
//! - already holding the new bytes: left alone (so Xcode sees no change);
//! - holding what nativiweb wrote last time (its hash matches the manifest): rewritten;
//! - anything else (the user edited it, or it was there before nativiweb): **kept**, and
//!   nativiweb's version is written to `.nativiweb/pending/<same path>` to compare and merge
//!   by hand; the result lists it and a warning names it. Its manifest entry keeps the old
//!   hash, so it stays "edited" until the user takes nativiweb's version (or deletes the file,
//!   which has it written again).
//!
//! The project file, `App.xcodeproj/project.pbxproj`, follows the same rule, with one
//! addition: when it is kept, the build settings the app config owns (bundle id, version,
//! build number, deployment target, team) are still brought up to date in it, line by line,
//! so a project the user changed in Xcode keeps building the right version. Everything else
//! in it (added files, capabilities, signing set in Xcode) stays as the user left it; files
//! nativiweb adds later (an entitlements file, a translation) are in the pending copy.
//!
//! A file nativiweb wrote before but no longer generates (the entitlements when the
//! capabilities are gone) is deleted when unchanged, kept with a warning when edited.
//! With [`crate::GenerateOptions::overwrite_edits`], edited files are overwritten instead.
//!
//! The web bundle (`App/www/`) is not subject to this: it is a copy of the web build's output
//! and is made identical to it every time (files the filter leaves out, or that the build no
//! longer makes, are deleted).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::GenerateError;
use crate::{Generated, KeptFile};

/// The manifest of generated files, relative to the output folder.
pub const MANIFEST: &str = ".nativiweb/generated.json";

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

/// One file to write.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// Relative to the output folder, `/`-separated.
    pub rel: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// For the project file: the `(build setting, value)` pairs to bring up to date in a copy
    /// the user edited.
    pub owned_settings: Vec<(&'static str, String)>,
}

impl Planned {
    pub(crate) fn new(rel: impl Into<String>, bytes: Vec<u8>) -> Self {
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

/// Writes `planned` into `out`, keeping the user's edits as described above, and records what
/// happened in `result`.
pub(crate) fn apply(
    out: &Path,
    planned: &[Planned],
    overwrite_edits: bool,
    result: &mut Generated,
) -> Result<(), GenerateError> {
    let manifest_path = out.join(MANIFEST);
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
        Err(e) => return Err(GenerateError::io(&manifest_path)(e)),
    };
    // Starts as the old record, updated file by file, and saved even when a write fails: a
    // file written before the failure must not look edited by the user on the next run.
    let mut new = Manifest {
        generator: format!("nativiweb-ios {}", env!("CARGO_PKG_VERSION")),
        files: old.files.clone(),
    };
    let written = write_planned(out, planned, overwrite_edits, &old, &mut new, result);
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
                    Err(e) => Err(GenerateError::io(&path)(e)),
                }
            }
            Ok(_) => {
                result.warnings.push(format!(
                    "{rel}: nativiweb no longer generates it, but you edited it, so it was kept (delete it if it is not needed)"
                ));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(GenerateError::io(&path)(e)),
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

fn save_manifest(path: &Path, manifest: &Manifest) -> Result<(), GenerateError> {
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
    result: &mut Generated,
) -> Result<(), GenerateError> {
    remove_path(&out.join(PENDING))?;
    for file in planned {
        let path = out.join(&file.rel);
        let recorded = old.files.get(&file.rel);
        let disk = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                return Err(GenerateError::Output {
                    path,
                    reason: "is a folder where the project has a file: move it away".to_owned(),
                })
            }
            Err(e) => return Err(GenerateError::io(&path)(e)),
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
            updated = update_settings(&path, &disk, &file.owned_settings, result)?;
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

/// Brings the owned build settings up to date in the user's project file; returns the ones
/// changed. A file that no longer parses after the change is left as it was, with a warning.
fn update_settings(
    path: &Path,
    disk: &[u8],
    settings: &[(&'static str, String)],
    result: &mut Generated,
) -> Result<Vec<String>, GenerateError> {
    let Ok(mut text) = String::from_utf8(disk.to_vec()) else {
        result.warnings.push(format!(
            "{}: not UTF-8, so its build settings were not updated",
            path.display()
        ));
        return Ok(Vec::new());
    };
    let mut updated = Vec::new();
    for (key, value) in settings {
        match crate::pbxproj::set_assignments(&text, key, value) {
            Some((new_text, changed)) => {
                if changed > 0 {
                    updated.push((*key).to_owned());
                }
                text = new_text;
            }
            None => result.warnings.push(format!(
                "{}: has no {key} setting; set it to {value} in Xcode",
                path.display()
            )),
        }
    }
    if updated.is_empty() {
        return Ok(updated);
    }
    if plist::Value::from_reader_ascii(text.as_bytes()).is_err() {
        result.warnings.push(format!(
            "{}: updating its build settings would break it, so it was left as it was; set {} in Xcode",
            path.display(),
            updated.join(", ")
        ));
        return Ok(Vec::new());
    }
    write_atomic(path, text.as_bytes())?;
    Ok(updated)
}

/// Writes `bytes` to `path` through a temporary file in the same folder (mode 0644), creating
/// the folders on the way: a reader sees the old file or the new one, never half of one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), GenerateError> {
    let parent = parent_of(path);
    std::fs::create_dir_all(parent).map_err(GenerateError::io(parent))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".nativiweb-")
        .tempfile_in(parent)
        .map_err(GenerateError::io(parent))?;
    tmp.write_all(bytes).map_err(GenerateError::io(path))?;
    finish_temp(tmp, path)
}

/// Copies `from` to `to` the same way.
pub(crate) fn copy_atomic(from: &Path, to: &Path) -> Result<(), GenerateError> {
    let parent = parent_of(to);
    std::fs::create_dir_all(parent).map_err(GenerateError::io(parent))?;
    let mut src = std::fs::File::open(from).map_err(GenerateError::io(from))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".nativiweb-")
        .tempfile_in(parent)
        .map_err(GenerateError::io(parent))?;
    std::io::copy(&mut src, &mut tmp).map_err(GenerateError::io(from))?;
    finish_temp(tmp, to)
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn finish_temp(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), GenerateError> {
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(GenerateError::io(path))?;
    tmp.as_file().sync_all().map_err(GenerateError::io(path))?;
    tmp.persist(path).map_err(|e| GenerateError::Io {
        path: path.to_owned(),
        source: e.error,
    })?;
    Ok(())
}

/// Removes a file or a folder with everything in it; nothing there is fine.
pub(crate) fn remove_path(path: &Path) -> Result<(), GenerateError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).map_err(GenerateError::io(path)),
        Ok(_) => std::fs::remove_file(path).map_err(GenerateError::io(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(GenerateError::io(path)(e)),
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
pub(crate) fn same_contents(a: &Path, b: &Path) -> std::io::Result<bool> {
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
