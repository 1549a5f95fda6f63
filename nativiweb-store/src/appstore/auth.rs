//! App Store Connect's bearer token: an ES256 JWT the client makes itself
//! (<https://developer.apple.com/documentation/appstoreconnectapi/generating-tokens-for-api-requests>):
//! header `alg: ES256, kid, typ: JWT`; claims `iss` (team keys) or `sub: "user"` (individual
//! keys), `iat`, `exp` at most 20 minutes later, `aud: "appstoreconnect-v1"`.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde::Serialize;

use super::errors::AscError;
use super::key::{ApiKey, KeyOwner};
use crate::jwt;

/// The audience App Store Connect wants.
pub const AUDIENCE: &str = "appstoreconnect-v1";

/// Apple refuses tokens that live longer than this.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(20 * 60);

/// A token is remade when less than this is left of its life.
pub const REGENERATE_MARGIN: Duration = Duration::from_secs(60);

#[derive(Serialize)]
struct Claims<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    iat: u64,
    exp: u64,
    aud: &'a str,
}

/// Makes a token for `key` issued at `iat` (seconds since the epoch) that lives `lifetime`
/// (capped at [`MAX_TOKEN_LIFETIME`]).
pub fn make_token(key: &ApiKey, iat: u64, lifetime: Duration) -> Result<SecretString, AscError> {
    let lifetime = lifetime.min(MAX_TOKEN_LIFETIME).as_secs();
    let (iss, sub) = match key.owner() {
        KeyOwner::Team { issuer_id } => (Some(issuer_id.as_str()), None),
        KeyOwner::Individual => (None, Some("user")),
    };
    let claims = Claims {
        iss,
        sub,
        iat,
        exp: iat + lifetime,
        aud: AUDIENCE,
    };
    jwt::encode_es256(key.signing_key(), Some(key.key_id()), &claims)
        .map_err(|e| AscError::InvalidKey(e.to_string()))
}

/// Keeps one token and remakes it before it expires or after a 401.
pub struct TokenCache {
    key: ApiKey,
    lifetime: Duration,
    cached: std::sync::Mutex<Option<(SecretString, Instant)>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("key", &self.key)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache for `key` making tokens that live `lifetime` (at most 20 minutes).
    pub fn new(key: ApiKey, lifetime: Duration) -> Self {
        TokenCache {
            key,
            lifetime: lifetime.min(MAX_TOKEN_LIFETIME),
            cached: std::sync::Mutex::new(None),
        }
    }

    /// The key.
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    /// A token valid for at least [`REGENERATE_MARGIN`] (or for its whole life when that is
    /// shorter).
    pub fn token(&self) -> Result<SecretString, AscError> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        let margin = REGENERATE_MARGIN.min(self.lifetime / 2);
        if let Some((token, expires)) = cached.as_ref() {
            if *expires > Instant::now() + margin {
                return Ok(token.clone());
            }
        }
        let token = make_token(&self.key, jwt::unix_now(), self.lifetime)?;
        *cached = Some((token.clone(), Instant::now() + self.lifetime));
        Ok(token)
    }

    /// Forgets the token (Apple answered 401), so the next call makes a new one.
    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn key() -> ApiKey {
        use p256::pkcs8::EncodePrivateKey;
        let k = p256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
        let pem = k.to_pkcs8_pem(p256::pkcs8::LineEnding::LF).unwrap();
        ApiKey::from_p8("ABC123DEFG", None, &SecretString::from(pem.to_string())).unwrap()
    }

    fn exp(token: &SecretString) -> u64 {
        use base64::Engine;
        let payload = token.expose_secret().split('.').nth(1).unwrap().to_owned();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        claims["exp"].as_u64().unwrap()
    }

    #[test]
    fn tokens_are_reused_then_remade_before_they_expire() {
        let cache = TokenCache::new(key(), Duration::from_secs(3600));
        assert_eq!(cache.lifetime, MAX_TOKEN_LIFETIME, "capped at 20 minutes");
        let first = cache.token().unwrap();
        assert_eq!(
            cache.token().unwrap().expose_secret(),
            first.expose_secret()
        );

        // A 1 s token is remade once less than half its life is left.
        let short = TokenCache::new(key(), Duration::from_secs(1));
        let a = short.token().unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        let b = short.token().unwrap();
        assert!(exp(&b) > exp(&a), "a new token with a later exp");
    }
}
