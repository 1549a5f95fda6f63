//! Installing the provisioning profile for one build: copied as `<UUID>.mobileprovision` into
//! the folders Xcode reads profiles from, and removed afterwards — but only the copies this
//! build made: a profile the user had installed already (same UUID) is left alone.

use std::path::{Path, PathBuf};

use super::XcodeError;

/// Whether `uuid` is a profile UUID (hex digits and dashes), so that it is safe as a file
/// name: a profile is user input, and its UUID must not be able to name `../something`.
pub fn valid_uuid(uuid: &str) -> bool {
    !uuid.is_empty() && uuid.len() <= 64 && uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Copies `profile` into each of `dirs` as `<uuid>.mobileprovision` (written to a temporary
/// name, then renamed), adding each file it creates to `created` as soon as it exists (so a
/// failure half-way still leaves cleanup the full list). Files already there are kept and
/// not listed, so cleanup never removes them.
pub fn install(
    profile: &Path,
    uuid: &str,
    dirs: &[PathBuf],
    created: &mut Vec<PathBuf>,
) -> Result<(), XcodeError> {
    if !valid_uuid(uuid) {
        return Err(XcodeError::Project {
            path: profile.to_owned(),
            problem: format!(
                "{}: its UUID {uuid:?} is not a profile UUID (hex digits and dashes): download the profile again from the Apple Developer portal",
                profile.display()
            ),
        });
    }
    let bytes = std::fs::read(profile).map_err(XcodeError::io("reading", profile))?;
    for dir in dirs {
        let dest = dir.join(format!("{uuid}.mobileprovision"));
        if dest.exists() {
            continue;
        }
        std::fs::create_dir_all(dir).map_err(XcodeError::io("creating", dir))?;
        let tmp = dir.join(format!(".{uuid}.mobileprovision.nativiweb-tmp"));
        std::fs::write(&tmp, &bytes).map_err(XcodeError::io("writing", &tmp))?;
        if let Err(e) = std::fs::rename(&tmp, &dest) {
            let _ = std::fs::remove_file(&tmp);
            return Err(XcodeError::io("renaming", &dest)(e));
        }
        created.push(dest);
    }
    Ok(())
}
