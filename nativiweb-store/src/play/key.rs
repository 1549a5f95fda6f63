//! The Google service-account JSON key: who we are (`client_email`), what we sign with
//! (`private_key`), and where tokens come from (`token_uri`).

use std::fmt;
use std::path::Path;

use rsa::pkcs8::DecodePrivateKey;
use secrecy::{ExposeSecret, SecretString};

use super::errors::PlayError;

/// A parsed service-account key. `Debug` shows the account and key id, never the key.
#[derive(Clone)]
pub struct ServiceAccountKey {
    client_email: String,
    private_key_id: Option<String>,
    token_uri: String,
    key: rsa::RsaPrivateKey,
}

#[derive(serde::Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    private_key_id: Option<String>,
    private_key: Option<String>,
    token_uri: Option<String>,
}

impl ServiceAccountKey {
    /// Google's token endpoint, used when a key file does not name one.
    pub const DEFAULT_TOKEN_URI: &'static str = "https://oauth2.googleapis.com/token";

    /// Parses the JSON key Play Console / Google Cloud gave for the service account.
    pub fn from_json(json: &str) -> Result<Self, PlayError> {
        let file: KeyFile = serde_json::from_str(json).map_err(|e| {
            // serde's message names a line and column, never the value.
            PlayError::InvalidKey(format!("not a service-account JSON key: {e}"))
        })?;
        if let Some(kind) = &file.kind {
            if kind != "service_account" {
                return Err(PlayError::InvalidKey(format!(
                    "the key's type is `{kind}`, not `service_account`: download a JSON key for a service account (Google Cloud console > IAM > Service accounts > Keys)"
                )));
            }
        }
        let client_email = file
            .client_email
            .ok_or_else(|| PlayError::InvalidKey("the key has no `client_email`".into()))?;
        let pem = file
            .private_key
            .ok_or_else(|| PlayError::InvalidKey("the key has no `private_key`".into()))?;
        let pem = SecretString::from(pem);
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem.expose_secret()).map_err(|_| {
            PlayError::InvalidKey(format!(
                "the `private_key` of {client_email} is not an RSA PKCS#8 PEM key: download a new JSON key"
            ))
        })?;
        Ok(ServiceAccountKey {
            client_email,
            private_key_id: file.private_key_id,
            token_uri: file
                .token_uri
                .unwrap_or_else(|| Self::DEFAULT_TOKEN_URI.to_owned()),
            key,
        })
    }

    /// Reads and parses a key file.
    pub fn from_file(path: &Path) -> Result<Self, PlayError> {
        let json = std::fs::read_to_string(path)
            .map_err(|e| PlayError::InvalidKey(format!("reading {}: {e}", path.display())))?;
        Self::from_json(&json)
    }

    /// The service account's e-mail address (the JWT's `iss`).
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// Where the signed JWT is exchanged for a bearer token (also the JWT's `aud`).
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// The key id, sent as the JWT header's `kid`.
    pub fn private_key_id(&self) -> Option<&str> {
        self.private_key_id.as_deref()
    }

    pub(crate) fn rsa(&self) -> &rsa::RsaPrivateKey {
        &self.key
    }
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .field("private_key", &"<redacted>")
            .finish()
    }
}
