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

//! The rules and the record are [`nativiweb_core::regen`]'s, shared with the Android Gradle
//! generator; this module adds the project file's settings update.

use std::path::Path;

use nativiweb_core::regen::{self as core_regen, Outcome, SettingsUpdate};

use crate::error::GenerateError;
use crate::Generated;

pub(crate) use nativiweb_core::regen::{copy_atomic, remove_path, same_contents, Planned};

/// The manifest of generated files, relative to the output folder.
pub const MANIFEST: &str = core_regen::RECORD;

/// Where nativiweb's versions of kept files go, relative to the output folder.
pub const PENDING: &str = core_regen::PENDING;

/// Writes `planned` into `out`, keeping the user's edits as described above, and records what
/// happened in `result`.
pub(crate) fn apply(
    out: &Path,
    planned: &[Planned],
    overwrite_edits: bool,
    result: &mut Generated,
) -> Result<(), GenerateError> {
    let mut outcome = Outcome::default();
    let applied = core_regen::apply(
        out,
        planned,
        overwrite_edits,
        &format!("nativiweb-ios {}", env!("CARGO_PKG_VERSION")),
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

/// Brings the owned build settings up to date in the user's project file. A file that no
/// longer parses after the change is left as it was, with a warning.
fn update_settings(path: &Path, text: &str, settings: &[(&'static str, String)]) -> SettingsUpdate {
    let mut text = text.to_owned();
    let mut update = SettingsUpdate::default();
    for (key, value) in settings {
        match crate::pbxproj::set_assignments(&text, key, value) {
            Some((new_text, changed)) => {
                if changed > 0 {
                    update.updated.push((*key).to_owned());
                }
                text = new_text;
            }
            None => update.warnings.push(format!(
                "{}: has no {key} setting; set it to {value} in Xcode",
                path.display()
            )),
        }
    }
    if update.updated.is_empty() {
        return update;
    }
    if plist::Value::from_reader_ascii(text.as_bytes()).is_err() {
        update.warnings.push(format!(
            "{}: updating its build settings would break it, so it was left as it was; set {} in Xcode",
            path.display(),
            update.updated.join(", ")
        ));
        update.updated.clear();
        return update;
    }
    update.text = Some(text);
    update
}
