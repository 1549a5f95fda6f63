//! The APK encoder: the app model ([`crate::package::model`]) as an installable APK, with the
//! manifest and XML resources in Android's binary XML ([`axml`]) and the resource table as
//! `resources.arsc` ([`arsc`]).

pub mod arsc;
pub mod axml;

use super::model::{prepare, AppModel, Prepared, ResContent};
use super::PackageError;
use crate::shell;
use crate::zip::ZipWriter;

/// Encodes `model` as an unsigned, aligned APK (the entries in the order of the
/// [package docs](crate::package)).
pub fn encode(model: &AppModel) -> Result<Vec<u8>, PackageError> {
    let level = Some(model.compression_level);
    let capacity = model.assets.iter().map(Prepared::stored_len).sum::<usize>() + 256 * 1024;
    let mut zip = ZipWriter::new(Vec::with_capacity(capacity));
    prepare(
        "AndroidManifest.xml".into(),
        axml::encode(&model.manifest)?,
        level,
    )
    .write_to(&mut zip, "")?;
    zip.add_stored("classes.dex", model.dex())?;
    zip.add_stored("resources.arsc", &arsc::encode(&model.resources))?;
    for file in &model.res_files {
        match &file.content {
            ResContent::Png(png) => zip.add_stored(&file.path, png)?,
            ResContent::Xml(xml) => {
                prepare(file.path.clone(), axml::encode(xml)?, level).write_to(&mut zip, "")?
            }
        }
    }
    prepare(
        shell::SETTINGS_PATH.into(),
        model.settings_json.clone(),
        level,
    )
    .write_to(&mut zip, "")?;
    for asset in &model.assets {
        asset.write_to(&mut zip, "assets/")?;
    }
    Ok(zip.finish()?)
}
