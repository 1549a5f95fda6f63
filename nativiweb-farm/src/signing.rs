//! Signing profiles: the worker's own signing configuration, named by jobs.
//!
//! A job says `signing_profile = "release"`; each worker reads what `release` means from its
//! own file (`--signing-profiles FILE`), so keys, passwords and their locations never travel
//! through Redis. Passwords come from an environment variable or a file named in the profile,
//! read when the worker starts (a missing one stops the worker at start, not a build later).
//!
//! ```toml
//! [profiles.release]            # Android: a keystore
//! keystore = "/etc/nativiweb/upload.jks"
//! alias = "upload"
//! password_env = "UPLOAD_KEYSTORE_PASSWORD"
//!
//! [profiles.appstore]           # iOS: a certificate and a provisioning profile
//! certificate = "/etc/nativiweb/dist.p12"
//! provisioning_profile = "/etc/nativiweb/App_Store.mobileprovision"
//! password_file = "/run/secrets/dist-p12-password"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nativiweb_core::model::Platform;
use secrecy::SecretString;
use serde::Deserialize;

use crate::error::{FarmError, Result};

/// One profile, resolved: its files and its password.
pub struct SigningProfile {
    /// The name jobs use.
    pub name: String,
    /// The platform it signs for (from its fields: a keystore is Android, a certificate iOS).
    pub platform: Platform,
    /// Android: the keystore (PKCS#12 or JKS).
    pub keystore: Option<PathBuf>,
    /// Android: the key's alias (the keystore's only key when absent).
    pub alias: Option<String>,
    /// iOS: the `.p12` with the certificate and key.
    pub certificate: Option<PathBuf>,
    /// iOS: the `.mobileprovision`.
    pub provisioning_profile: Option<PathBuf>,
    /// The keystore's or p12's password.
    pub password: SecretString,
}

impl std::fmt::Debug for SigningProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningProfile")
            .field("name", &self.name)
            .field("platform", &self.platform)
            .field("keystore", &self.keystore)
            .field("alias", &self.alias)
            .field("certificate", &self.certificate)
            .field("provisioning_profile", &self.provisioning_profile)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    keystore: Option<PathBuf>,
    alias: Option<String>,
    certificate: Option<PathBuf>,
    provisioning_profile: Option<PathBuf>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
}

/// The profiles a worker knows.
#[derive(Debug, Default)]
pub struct SigningProfiles {
    profiles: BTreeMap<String, SigningProfile>,
}

impl SigningProfiles {
    /// No profiles: jobs that name one fail as bad input; the others are signed with the
    /// platform's debug key.
    pub fn none() -> Self {
        SigningProfiles::default()
    }

    /// Reads a profiles file, resolving every password now.
    ///
    /// # Errors
    /// [`FarmError::Profiles`] naming the profile and field: unreadable file, unknown field,
    /// a profile with both or neither of keystore and certificate, a missing file it names, a
    /// password variable that is unset.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FarmError::io("reading signing profiles", path, e))?;
        let bad = |message: String| FarmError::Profiles {
            path: path.to_owned(),
            message,
        };
        let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut profiles = BTreeMap::new();
        for (name, raw) in file.profiles {
            let resolve = |p: &Option<PathBuf>| -> Result<Option<PathBuf>> {
                let Some(p) = p else { return Ok(None) };
                let full = if p.is_absolute() {
                    p.clone()
                } else {
                    base.join(p)
                };
                if !full.is_file() {
                    return Err(bad(format!(
                        "profile `{name}`: {} is not a file",
                        full.display()
                    )));
                }
                Ok(Some(full))
            };
            let platform = match (&raw.keystore, &raw.certificate) {
                (Some(_), None) => Platform::Android,
                (None, Some(_)) => {
                    if raw.provisioning_profile.is_none() {
                        return Err(bad(format!(
                            "profile `{name}`: an iOS profile needs `provisioning_profile` beside `certificate`"
                        )));
                    }
                    Platform::Ios
                }
                _ => {
                    return Err(bad(format!(
                        "profile `{name}`: give either `keystore` (Android) or `certificate` + `provisioning_profile` (iOS)"
                    )))
                }
            };
            let password = match (&raw.password_env, &raw.password_file) {
                (Some(var), None) => std::env::var(var).map(SecretString::from).map_err(|_| {
                    bad(format!(
                        "profile `{name}`: the environment variable {var} (password_env) is not set for this worker"
                    ))
                })?,
                (None, Some(file)) => {
                    let full = if file.is_absolute() { file.clone() } else { base.join(file) };
                    let text = std::fs::read_to_string(&full).map_err(|e| {
                        bad(format!("profile `{name}`: password_file {}: {e}", full.display()))
                    })?;
                    SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned())
                }
                _ => {
                    return Err(bad(format!(
                        "profile `{name}`: give exactly one of `password_env` and `password_file` (passwords never go in this file)"
                    )))
                }
            };
            let profile = SigningProfile {
                name: name.clone(),
                platform,
                keystore: resolve(&raw.keystore)?,
                alias: raw.alias,
                certificate: resolve(&raw.certificate)?,
                provisioning_profile: resolve(&raw.provisioning_profile)?,
                password,
            };
            profiles.insert(name, profile);
        }
        Ok(SigningProfiles { profiles })
    }

    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Option<&SigningProfile> {
        self.profiles.get(name)
    }

    /// Every profile, by name.
    pub fn iter(&self) -> impl Iterator<Item = &SigningProfile> {
        self.profiles.values()
    }

    /// The names, for messages.
    pub fn names(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn profiles_resolve_files_and_passwords_and_hide_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("upload.jks"), b"x").unwrap();
        std::fs::write(dir.path().join("pw"), "s3cret-pw\n").unwrap();
        let file = dir.path().join("profiles.toml");
        std::fs::write(
            &file,
            "[profiles.release]\nkeystore = \"upload.jks\"\nalias = \"upload\"\npassword_file = \"pw\"\n",
        )
        .unwrap();
        let profiles = SigningProfiles::load(&file).unwrap();
        let p = profiles.get("release").unwrap();
        assert_eq!(p.platform, Platform::Android);
        assert_eq!(p.password.expose_secret(), "s3cret-pw");
        assert!(!format!("{profiles:?}").contains("s3cret"));

        std::fs::write(
            &file,
            "[profiles.x]\nkeystore = \"upload.jks\"\npassword_env = \"NW_TEST_UNSET_VAR_42\"\n",
        )
        .unwrap();
        let err = SigningProfiles::load(&file).unwrap_err().to_string();
        assert!(
            err.contains("NW_TEST_UNSET_VAR_42") && err.contains("`x`"),
            "{err}"
        );
        std::fs::write(
            &file,
            "[profiles.x]\nkeystore = \"nope.jks\"\npassword_file = \"pw\"\n",
        )
        .unwrap();
        assert!(SigningProfiles::load(&file)
            .unwrap_err()
            .to_string()
            .contains("nope.jks"));
    }
}
