//! What an IPA says about itself: bundle id, version and build number from
//! `Payload/<App>.app/Info.plist` (binary or XML plist).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::errors::AscError;

/// `Info.plist` is small; anything bigger is not one.
const MAX_PLIST: u64 = 4 * 1024 * 1024;

/// The IPA's identity, from its `Info.plist`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpaInfo {
    /// `CFBundleIdentifier`.
    pub bundle_id: String,
    /// `CFBundleShortVersionString` (the marketing version, `1.2.0`).
    pub version: String,
    /// `CFBundleVersion` (the build number, `42`).
    pub build: String,
}

/// Reads the IPA's `Info.plist` on a blocking thread (zip reading is synchronous I/O).
pub async fn read_ipa_info(path: &Path) -> Result<IpaInfo, AscError> {
    let path: PathBuf = path.to_owned();
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || read_ipa_info_blocking(&path))
        .await
        .map_err(|e| AscError::Ipa {
            path: shown,
            message: e.to_string(),
        })?
}

fn read_ipa_info_blocking(path: &Path) -> Result<IpaInfo, AscError> {
    let err = |message: String| AscError::Ipa {
        path: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| err(format!("not an IPA (zip) file: {e}")))?;
    let name = zip
        .file_names()
        .find(|n| {
            let parts: Vec<&str> = n.split('/').collect();
            parts.len() == 3
                && parts[0] == "Payload"
                && parts[1].ends_with(".app")
                && parts[2] == "Info.plist"
        })
        .map(str::to_owned)
        .ok_or_else(|| err("no Payload/<App>.app/Info.plist inside: is this an IPA?".into()))?;
    let entry = zip.by_name(&name).map_err(|e| err(e.to_string()))?;
    if entry.size() > MAX_PLIST {
        return Err(err(format!(
            "{name} is {} bytes, too big for an Info.plist",
            entry.size()
        )));
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .take(MAX_PLIST)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("reading {name}: {e}")))?;
    let plist = plist::Value::from_reader(std::io::Cursor::new(bytes))
        .map_err(|e| err(format!("{name} is not a property list: {e}")))?;
    let dict = plist
        .as_dictionary()
        .ok_or_else(|| err(format!("{name} is not a dictionary")))?;
    let get = |key: &str| {
        dict.get(key)
            .and_then(plist::Value::as_string)
            .map(str::to_owned)
            .ok_or_else(|| err(format!("{name} has no {key}")))
    };
    Ok(IpaInfo {
        bundle_id: get("CFBundleIdentifier")?,
        version: get("CFBundleShortVersionString")?,
        build: get("CFBundleVersion")?,
    })
}
