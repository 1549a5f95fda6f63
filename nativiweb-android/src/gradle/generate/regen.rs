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
//! The rules and the record are [`nativiweb_core::regen`]'s, shared with the iOS generator;
//! this module adds the Kotlin build file's settings update.

use std::path::Path;

use nativiweb_core::regen::{self as core_regen, Outcome, SettingsUpdate};

use super::{GenerateError, GeneratedProject};

pub(crate) use nativiweb_core::regen::{recorded_generator, remove_path, write_atomic, Planned};

/// The record of generated files, relative to the output folder.
pub const MANIFEST: &str = core_regen::RECORD;

/// Where nativiweb's versions of kept files go, relative to the output folder.
pub const PENDING: &str = core_regen::PENDING;

/// Writes `planned` into `out`, keeping the user's edits as described above, and records what
/// happened in `result`.
pub(crate) fn apply(
    out: &Path,
    planned: &[Planned],
    overwrite_edits: bool,
    result: &mut GeneratedProject,
) -> Result<(), GenerateError> {
    let mut outcome = Outcome::default();
    let applied = core_regen::apply(
        out,
        planned,
        overwrite_edits,
        &format!("nativiweb-android {}", env!("CARGO_PKG_VERSION")),
        &update_settings,
        &mut outcome,
    );
    result.written.extend(outcome.written);
    result.unchanged.extend(outcome.unchanged);
    result.kept.extend(outcome.kept);
    result.removed.extend(outcome.removed);
    result.warnings.extend(outcome.warnings);
    Ok(applied?)
}

/// Brings the values the app config owns up to date in the user's `app/build.gradle.kts`.
fn update_settings(path: &Path, text: &str, settings: &[(&'static str, String)]) -> SettingsUpdate {
    let mut text = text.to_owned();
    let mut update = SettingsUpdate::default();
    for (key, value) in settings {
        match set_assignments(&text, key, value) {
            Some((new_text, changed)) => {
                if changed > 0 {
                    update.updated.push((*key).to_owned());
                }
                text = new_text;
            }
            None => update.warnings.push(format!(
                "{}: has no `{key} = ...` line; set it to {value} in the `android {{ defaultConfig {{ }} }}` block",
                path.display()
            )),
        }
    }
    if !update.updated.is_empty() {
        update.text = Some(text);
    }
    update
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
