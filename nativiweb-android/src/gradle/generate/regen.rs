//! Writing a generated Gradle project over an earlier one without losing the user's edits:
//! the same rules, and the same record, as the iOS generator's (`nativiweb_ios::regen`).
//!
//! Every file nativiweb writes is recorded, with the SHA-256 of the bytes written, in
//! `.nativiweb/generated.json` in the output folder. On the next generation, for each file:
//!
//! - absent: written;
//! - already holding the new bytes: left alone (so Gradle sees no change);
//! - holding what nativiweb wrote last time (its hash matches the record): rewritten;
//! - anything else (the user edited it, or it was there before nativiweb): **kept**, and
//!   nativiweb's version is written to `.nativiweb/pending/<same path>` to compare and merge
//!   by hand; the result lists it and a warning names it. Its record keeps the old hash, so it
//!   stays "edited" until the user takes nativiweb's version (or deletes the file).
//!
//! The app module's `app/build.gradle.kts` follows the same rule, with one addition: when it is
//! kept, the values the app config owns (`applicationId`, `minSdk`, `targetSdk`,
//! `versionCode`, `versionName`) are still brought up to date in it, line by line, so a build
//! file the user changed keeps building the right version.
//!
//! A file nativiweb wrote before but no longer generates is deleted when unchanged, kept with a
//! warning when edited. With [`super::GenerateOptions::overwrite_edits`], edited files are
//! overwritten instead. The web bundle (`app/src/main/assets/www/`) is not subject to this: it
//! is made identical to the web build's output every time.
//!
//! (This repeats `nativiweb_ios::regen` rather than sharing it, because platform crates do not
//! depend on each other; moving it into nativiweb-core is the way to share it.)

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{GenerateError, GeneratedProject as Generated, KeptFile};

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
    /// For the app's build file: the `(property, Kotlin value)` pairs to bring up to date in a
    /// copy the user edited (`("versionCode", "42")`).
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

/// The generator named in `out`'s record (`nativiweb-ios 0.1.0`), when there is a readable one.
pub(crate) fn recorded_generator(out: &Path) -> Option<String> {
    let bytes = std::fs::read(out.join(MANIFEST)).ok()?;
    serde_json::from_slice::<Manifest>(&bytes)
        .ok()
        .map(|m| m.generator)
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
        generator: format!("nativiweb-android {}", env!("CARGO_PKG_VERSION")),
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
                " (the values the app config owns were updated in yours: {})",
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

/// Brings the owned values up to date in the user's build file; returns the ones changed.
fn update_settings(
    path: &Path,
    disk: &[u8],
    settings: &[(&'static str, String)],
    result: &mut Generated,
) -> Result<Vec<String>, GenerateError> {
    let Ok(mut text) = String::from_utf8(disk.to_vec()) else {
        result.warnings.push(format!(
            "{}: not UTF-8, so the values the app config owns were not updated in it",
            path.display()
        ));
        return Ok(Vec::new());
    };
    let mut updated = Vec::new();
    for (key, value) in settings {
        match set_assignments(&text, key, value) {
            Some((new_text, changed)) => {
                if changed > 0 {
                    updated.push((*key).to_owned());
                }
                text = new_text;
            }
            None => result.warnings.push(format!(
                "{}: has no `{key} = ...` line; set it to {value} in the `android {{ defaultConfig {{ }} }}` block",
                path.display()
            )),
        }
    }
    if updated.is_empty() {
        return Ok(updated);
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

/// `text` with every line `key = ...` (a Kotlin assignment, any indentation) set to `key =
/// value`, and how many lines changed; `None` when no line assigns `key`.
pub(crate) fn set_assignments(text: &str, key: &str, value: &str) -> Option<(String, usize)> {
    let mut found = false;
    let mut changed = 0;
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let trimmed = body.trim_start();
        let indent = &body[..body.len() - trimmed.len()];
        let assigns = trimmed
            .strip_prefix(key)
            .map(str::trim_start)
            .filter(|rest| rest.starts_with('=') && !rest.starts_with("=="));
        match assigns {
            Some(_) => {
                found = true;
                let new_line = format!("{indent}{key} = {value}");
                if new_line != body {
                    changed += 1;
                }
                out.push_str(&new_line);
                out.push_str(end);
            }
            None => out.push_str(line),
        }
    }
    found.then_some((out, changed))
}
