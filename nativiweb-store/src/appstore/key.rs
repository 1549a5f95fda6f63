//! App Store Connect API keys: a `.p8` (PKCS#8 PEM, P-256) with its key id, and either a team
//! key's issuer id or nothing for an individual key.

use std::fmt;
use std::path::Path;

use p256::pkcs8::DecodePrivateKey;
use secrecy::{ExposeSecret, SecretString};

use super::errors::AscError;

/// Who a key speaks for, which decides the JWT's `iss`/`sub` claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOwner {
    /// A team key: `iss` is the issuer id shown in App Store Connect > Users and Access >
    /// Integrations.
    Team {
        /// The issuer id (a UUID).
        issuer_id: String,
    },
    /// An individual key: no `iss`, `sub: "user"`.
    Individual,
}

/// A parsed API key. `Debug` shows the key id and owner, never the key.
#[derive(Clone)]
pub struct ApiKey {
    key_id: String,
    owner: KeyOwner,
    key: p256::ecdsa::SigningKey,
}

impl ApiKey {
    /// A key from its id, its issuer id (`None` for an individual key) and the `.p8` text.
    pub fn from_p8(
        key_id: impl Into<String>,
        issuer_id: Option<String>,
        p8_pem: &SecretString,
    ) -> Result<Self, AscError> {
        let key_id = key_id.into();
        if key_id.trim().is_empty() || !key_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AscError::InvalidKey(format!(
                "`{key_id}` is not an App Store Connect key id (10 letters and digits, from the AuthKey_<ID>.p8 file name)"
            )));
        }
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(p8_pem.expose_secret()).map_err(|_| {
            AscError::InvalidKey(format!(
                "the .p8 for key {key_id} is not a PKCS#8 PEM P-256 private key: download it again from App Store Connect > Users and Access > Integrations"
            ))
        })?;
        let owner = match issuer_id {
            Some(id) if !id.trim().is_empty() => KeyOwner::Team {
                issuer_id: id.trim().to_owned(),
            },
            _ => KeyOwner::Individual,
        };
        Ok(ApiKey { key_id, owner, key })
    }

    /// Reads the `.p8` file and parses it (see [`ApiKey::from_p8`]).
    pub fn from_p8_file(
        key_id: impl Into<String>,
        issuer_id: Option<String>,
        path: &Path,
    ) -> Result<Self, AscError> {
        let pem = std::fs::read_to_string(path)
            .map(SecretString::from)
            .map_err(|e| AscError::InvalidKey(format!("reading {}: {e}", path.display())))?;
        Self::from_p8(key_id, issuer_id, &pem)
    }

    /// The key id (the JWT header's `kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Team or individual.
    pub fn owner(&self) -> &KeyOwner {
        &self.owner
    }

    pub(crate) fn signing_key(&self) -> &p256::ecdsa::SigningKey {
        &self.key
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("key_id", &self.key_id)
            .field("owner", &self.owner)
            .field("private_key", &"<redacted>")
            .finish()
    }
}
