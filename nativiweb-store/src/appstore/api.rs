//! The authenticated App Store Connect client: a bearer JWT on every call (remade once after a
//! 401), bounded retries for 429 (honouring `Retry-After` / `X-Rate-Limit`) and 5xx, and
//! JSON:API errors turned into [`AscError`]s naming the endpoint.

use nativiweb_core::BuildContext;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::auth::TokenCache;
use super::errors::{parse_errors, AscError};
use crate::http::{
    describe_url, endpoint_name, send_with_retry, Endpoint, RetryPolicy, TransportError,
};

/// The API's host.
pub const API_HOST: &str = "https://api.appstoreconnect.apple.com";

/// One key's view of App Store Connect.
pub(crate) struct AscApi {
    pub http: reqwest::Client,
    pub endpoint: Endpoint,
    pub retry: RetryPolicy,
    pub tokens: TokenCache,
}

impl AscApi {
    /// `https://api.appstoreconnect.apple.com{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{API_HOST}{path}")
    }

    /// Calls the API and returns the successful answer's JSON (`null` for 204).
    pub async fn call(
        &self,
        ctx: &BuildContext,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Value, AscError> {
        let url = self.url(path_and_query);
        let resolved = self.endpoint.resolve(&url)?;
        let name = endpoint_name(&method, &resolved);
        let idempotent = matches!(method, Method::GET | Method::PATCH | Method::DELETE);
        let mut regenerated = false;
        loop {
            let token = self.tokens.token()?;
            // The header text is wiped when dropped; the HeaderValue is marked sensitive so
            // hyper and reqwest never print it.
            let bearer = zeroize::Zeroizing::new(format!("Bearer {}", token.expose_secret()));
            let mut auth = HeaderValue::from_str(&bearer)
                .map_err(|_| AscError::InvalidKey("the token is not a valid header".into()))?;
            auth.set_sensitive(true);
            let response = send_with_retry(ctx, &self.retry, idempotent, &name, || {
                let rb = self
                    .http
                    .request(method.clone(), resolved.clone())
                    .header(AUTHORIZATION, auth.clone());
                match body {
                    Some(b) => rb.json(b),
                    None if method == Method::GET => rb,
                    None => rb.header(CONTENT_LENGTH, "0"),
                }
            })
            .await?;
            let status = response.status();
            let text = crate::http::guarded(ctx, response.text())
                .await?
                .map_err(|e| {
                    AscError::Transport(TransportError::Network {
                        endpoint: name.clone(),
                        source: e.without_url(),
                    })
                })?;
            if status == StatusCode::UNAUTHORIZED {
                if !regenerated {
                    tracing::debug!(endpoint = %name, "401: making a new token and retrying once");
                    self.tokens.invalidate();
                    regenerated = true;
                    continue;
                }
                return Err(AscError::Unauthorized {
                    endpoint: name,
                    errors: parse_errors(&text),
                });
            }
            if status.is_success() {
                if text.trim().is_empty() {
                    return Ok(Value::Null);
                }
                return serde_json::from_str(&text).map_err(|e| AscError::Protocol {
                    endpoint: name,
                    message: format!("the answer is not JSON: {e}"),
                });
            }
            return Err(AscError::Api {
                endpoint: name,
                status: status.as_u16(),
                errors: parse_errors(&text),
                message: text.chars().take(300).collect(),
            });
        }
    }

    /// The name of an endpoint for errors raised outside [`AscApi::call`].
    pub fn name(&self, method: &Method, path: &str) -> String {
        format!("{method} {}", describe_url(&self.url(path)))
    }
}

/// `data.id` of a JSON:API document.
pub(crate) fn data_id(doc: &Value) -> Option<String> {
    doc.pointer("/data/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `data` as an array (empty when absent).
pub(crate) fn data_array(doc: &Value) -> &[Value] {
    doc.get("data")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Percent-encodes a query value (bundle ids and versions are plain, group names may not be).
pub(crate) fn q(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
