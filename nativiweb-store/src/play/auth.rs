//! Service-account OAuth: an RS256 JWT assertion exchanged at the key's `token_uri` for a
//! bearer token (RFC 7523, `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`), cached
//! and refreshed a minute before it expires.

use std::time::{Duration, Instant};

use nativiweb_core::BuildContext;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::Mutex;

use super::errors::{parse_oauth_error, PlayError};
use super::key::ServiceAccountKey;
use crate::http::{endpoint_name, send_with_retry, Endpoint, RetryPolicy};
use crate::jwt;

/// The OAuth scope of the Android Publisher API.
pub const SCOPE: &str = "https://www.googleapis.com/auth/androidpublisher";

/// How long an assertion is valid: Google accepts at most one hour.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(3600);

/// A token is renewed when less than this is left of its life, so it never expires mid-request.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The JWT claims Google's token endpoint wants.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// Makes the signed assertion for `key` at time `iat` (seconds since the epoch).
pub fn assertion(key: &ServiceAccountKey, iat: u64) -> Result<SecretString, PlayError> {
    let claims = Claims {
        iss: key.client_email(),
        scope: SCOPE,
        aud: key.token_uri(),
        iat,
        exp: iat + ASSERTION_LIFETIME.as_secs(),
    };
    jwt::encode_rs256(key.rsa(), key.private_key_id(), &claims)
        .map_err(|e| PlayError::InvalidKey(e.to_string()))
}

struct Cached {
    token: SecretString,
    expires: Instant,
}

/// Hands out a valid bearer token, fetching a new one when there is none, when the cached one
/// is about to expire, or after the API answered 401 ([`TokenSource::invalidate`]).
pub struct TokenSource {
    key: ServiceAccountKey,
    cached: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_email", &self.key.client_email())
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenSource {
    /// A token source for `key`, with nothing cached yet.
    pub fn new(key: ServiceAccountKey) -> Self {
        TokenSource {
            key,
            cached: Mutex::new(None),
        }
    }

    /// The key tokens are made for.
    pub fn key(&self) -> &ServiceAccountKey {
        &self.key
    }

    /// Forgets the cached token (the API refused it), so the next call fetches a new one.
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    /// A bearer token valid for at least [`REFRESH_MARGIN`].
    pub async fn token(
        &self,
        ctx: &BuildContext,
        http: &reqwest::Client,
        endpoint: &Endpoint,
        retry: &RetryPolicy,
    ) -> Result<SecretString, PlayError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            if c.expires > Instant::now() + REFRESH_MARGIN {
                return Ok(c.token.clone());
            }
        }
        let assertion = assertion(&self.key, jwt::unix_now())?;
        let url = endpoint.resolve(self.key.token_uri())?;
        let name = endpoint_name(&reqwest::Method::POST, &url);
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.expose_secret()),
        ];
        let response = send_with_retry(ctx, retry, true, &name, || {
            http.post(url.clone()).form(&form)
        })
        .await?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(PlayError::Auth {
                token_uri: crate::http::describe_url(self.key.token_uri()),
                client_email: self.key.client_email().to_owned(),
                status: status.as_u16(),
                message: parse_oauth_error(&body),
            });
        }
        let parsed: TokenResponse = serde_json::from_str(&body).map_err(|_| PlayError::Auth {
            token_uri: crate::http::describe_url(self.key.token_uri()),
            client_email: self.key.client_email().to_owned(),
            status: status.as_u16(),
            message: "the token endpoint's answer has no access_token".into(),
        })?;
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        let token = SecretString::from(parsed.access_token);
        *cached = Some(Cached {
            token: token.clone(),
            expires: Instant::now() + lifetime,
        });
        Ok(token)
    }
}
