//! Bearer-token authentication of everything under `/v1` but the GitHub hook (which carries
//! its own signature).
//!
//! The server keeps only the SHA-256 of each token and compares the digest of the presented
//! token with every one of them in constant time ([`subtle`]): neither the comparison's
//! duration nor an early exit says how much of a guess was right, and the tokens themselves
//! are not kept in memory past start-up. Tokens are never logged, quoted in an error or
//! printed by `Debug`.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use super::error::{ApiError, ServerError};
use super::AppState;

/// The environment variable holding API tokens, comma-separated.
pub const TOKENS_ENV: &str = "NATIVIWEB_API_TOKENS";

/// The accepted tokens, as digests. An empty set accepts every request (the CLI allows that
/// only on a loopback address).
#[derive(Clone, Default)]
pub struct ApiTokens {
    digests: Arc<Vec<[u8; 32]>>,
}

impl std::fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiTokens({} tokens)", self.digests.len())
    }
}

impl ApiTokens {
    /// The set of `tokens` (empty ones are ignored).
    pub fn new(tokens: &[SecretString]) -> Self {
        let digests = tokens
            .iter()
            .map(|t| t.expose_secret().trim())
            .filter(|t| !t.is_empty())
            .map(digest)
            .collect();
        ApiTokens {
            digests: Arc::new(digests),
        }
    }

    /// True when no token is configured: every request is accepted.
    pub fn is_open(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `candidate` is one of the tokens, compared in constant time against all.
    pub fn accepts(&self, candidate: &str) -> bool {
        let d = digest(candidate);
        let mut ok = Choice::from(0);
        for known in self.digests.iter() {
            ok |= known[..].ct_eq(&d[..]);
        }
        bool::from(ok)
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Tokens from a file: one per line; blank lines and lines starting with `#` are skipped.
///
/// # Errors
/// [`ServerError::Tokens`] when the file cannot be read or holds no token.
pub fn tokens_from_file(path: &Path) -> Result<Vec<SecretString>, ServerError> {
    let text = std::fs::read_to_string(path).map_err(|e| ServerError::Tokens {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let tokens: Vec<SecretString> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| SecretString::from(l.to_owned()))
        .collect();
    if tokens.is_empty() {
        return Err(ServerError::Tokens {
            path: path.to_owned(),
            message: "no token in the file: write one per line".into(),
        });
    }
    Ok(tokens)
}

/// Tokens from [`TOKENS_ENV`] (comma-separated); none when it is unset or empty.
pub fn tokens_from_env() -> Vec<SecretString> {
    std::env::var(TOKENS_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| SecretString::from(t.to_owned()))
        .collect()
}

/// The middleware: lets the request through with an accepted `Authorization: Bearer TOKEN`,
/// answers 401 (with `WWW-Authenticate: Bearer`) otherwise.
pub(crate) async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if state.tokens.is_open() {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    match presented {
        None => ApiError::unauthorized(
            "this API needs a bearer token: send `Authorization: Bearer TOKEN`",
        )
        .into_response(),
        Some(token) if state.tokens.accepts(&token) => next.run(request).await,
        Some(_) => ApiError::unauthorized("the bearer token is not accepted").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_matched_and_never_shown() {
        let tokens = ApiTokens::new(&[
            SecretString::from("alpha-token".to_owned()),
            SecretString::from(" ".to_owned()),
        ]);
        assert!(!tokens.is_open());
        assert!(tokens.accepts("alpha-token"));
        assert!(!tokens.accepts("alpha-toke"));
        assert!(!tokens.accepts(""));
        assert!(!format!("{tokens:?}").contains("alpha"));
        assert!(ApiTokens::new(&[]).is_open());
    }
}
