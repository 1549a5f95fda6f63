//! What the Gradle project generator can be told beyond the app config.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Everything [`crate::gradle::GradleProject::generate`] takes beyond the app config and the
/// folders.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GenerateOptions {
    /// Translations of the app's label: locale tag (`fr`, `pt-BR`) → label, on top of the app
    /// config's `name_translations` (these win for the same locale), as for the packager.
    pub label_translations: BTreeMap<String, String>,
    /// Folders never to copy into the app even when they sit inside the web bundle folder
    /// (the build's artifact folder, its work dir). The output folder is always left out.
    pub leave_out: Vec<PathBuf>,
    /// Overwrite files the user edited since they were generated (their edits are lost; each
    /// is named in a warning). Off by default: edited files are kept.
    pub overwrite_edits: bool,
}

impl GenerateOptions {
    /// The defaults: no extra translations, edits kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also leaves out the folder at `path` when it is inside the web bundle.
    pub fn leave_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.leave_out.push(path.into());
        self
    }

    /// Overwrites (or keeps, the default) files the user edited.
    pub fn overwrite_edits(mut self, on: bool) -> Self {
        self.overwrite_edits = on;
        self
    }

    /// With a translation of the app's label for `locale` (`fr`, `pt-BR`).
    pub fn label_translation(
        mut self,
        locale: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        self.label_translations.insert(locale.into(), label.into());
        self
    }
}
