//! The shell app's `AndroidManifest.xml` as binary XML (the manifest itself is the app model's,
//! [`crate::package::manifest`]).

pub use crate::package::manifest::*;

use nativiweb_core::config::AppConfig;

use super::{encode, AxmlError};

/// The manifest for `app` as binary XML, ready to store as `AndroidManifest.xml`.
pub fn encode_manifest(app: &AppConfig, res: &ManifestResources) -> Result<Vec<u8>, AxmlError> {
    encode(&manifest(app, res))
}
