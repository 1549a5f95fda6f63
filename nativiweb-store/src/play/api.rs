//! The authenticated Android Publisher client: every call gets a bearer token, a 401 refreshes
//! the token once and retries, 429/5xx answers are retried with backoff, and failures become
//! [`PlayError`]s that name the endpoint and carry Google's message.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use nativiweb_core::BuildContext;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode};
use secrecy::ExposeSecret;

use super::auth::TokenSource;
use super::errors::*;
use crate::body::{file_range_body, Progress};
use crate::http::{endpoint_name, send_with_retry_async, Endpoint, RetryError, RetryPolicy};

/// The Android Publisher API's host.
pub const API_HOST: &str = "https://androidpublisher.googleapis.com";

/// What a request carries.
pub(crate) enum Payload<'a> {
    /// Nothing (`Content-Length: 0`).
    Empty,
    /// A JSON document.
    Json(&'a serde_json::Value),
    /// `len` bytes of a file from `offset`, streamed.
    File {
        path: &'a Path,
        offset: u64,
        len: u64,
        progress: &'a Progress,
    },
}

/// What the failing call was about, to word its error.
#[derive(Default, Clone, Copy)]
pub(crate) struct Subject<'a> {
    /// The edit the call works in.
    pub edit_id: Option<&'a str>,
    /// The permission the call needs, in Play Console's words.
    pub needs: Option<&'a str>,
}

/// One service account's view of one app.
pub(crate) struct PlayApi {
    pub http: reqwest::Client,
    pub endpoint: Endpoint,
    pub retry: RetryPolicy,
    pub tokens: TokenSource,
    pub package: String,
}

impl PlayApi {
    /// `https://androidpublisher.googleapis.com/androidpublisher/v3/applications/{pkg}{rest}`.
    pub fn app_url(&self, rest: &str) -> String {
        format!(
            "{API_HOST}/androidpublisher/v3/applications/{}{rest}",
            self.package
        )
    }

    /// The media-upload twin of [`PlayApi::app_url`] (`/upload/androidpublisher/v3/...`).
    pub fn upload_url(&self, rest: &str) -> String {
        format!(
            "{API_HOST}/upload/androidpublisher/v3/applications/{}{rest}",
            self.package
        )
    }

    /// Sends one request with a bearer token; a 401 refreshes the token and retries once.
    /// Returns the answer whatever its status.
    pub async fn send(
        &self,
        ctx: &BuildContext,
        method: Method,
        url: &str,
        headers: &[(HeaderName, String)],
        payload: &Payload<'_>,
        idempotent: bool,
    ) -> Result<Response, PlayError> {
        let resolved = self.endpoint.resolve(url)?;
        let name = endpoint_name(&method, &resolved);
        let mut refreshed = false;
        // The byte counter of the last streamed attempt, taken back from the progress when the
        // same range is sent again.
        let last_attempt: std::sync::Mutex<Option<Arc<AtomicU64>>> = std::sync::Mutex::new(None);
        let last_attempt = &last_attempt;
        loop {
            let token = self
                .tokens
                .token(ctx, &self.http, &self.endpoint, &self.retry)
                .await?;
            // The header text is wiped when dropped; the HeaderValue is marked sensitive so
            // hyper and reqwest never print it.
            let bearer = zeroize::Zeroizing::new(format!("Bearer {}", token.expose_secret()));
            let mut auth = HeaderValue::from_str(&bearer).map_err(|_| PlayError::Protocol {
                endpoint: name.clone(),
                message: "the token endpoint returned a token that is not a valid header value"
                    .into(),
            })?;
            auth.set_sensitive(true);
            let response = send_with_retry_async(ctx, &self.retry, idempotent, &name, || {
                let mut rb = self
                    .http
                    .request(method.clone(), resolved.clone())
                    .header(AUTHORIZATION, auth.clone());
                for (k, v) in headers {
                    rb = rb.header(k, v);
                }
                async move {
                    Ok::<_, std::io::Error>(match payload {
                        Payload::Empty => rb.header(CONTENT_LENGTH, "0"),
                        Payload::Json(v) => rb.json(v),
                        Payload::File {
                            path,
                            offset,
                            len,
                            progress,
                        } => {
                            // Take back what an earlier attempt counted before sending again.
                            let previous = last_attempt
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .take();
                            if let Some(previous) = previous {
                                progress.sub(previous.load(Ordering::Relaxed));
                            }
                            let (body, counted) =
                                file_range_body(path, *offset, *len, (*progress).clone()).await?;
                            *last_attempt.lock().unwrap_or_else(|e| e.into_inner()) = Some(counted);
                            rb.header(CONTENT_TYPE, "application/octet-stream")
                                .header(CONTENT_LENGTH, len.to_string())
                                .body(body)
                        }
                    })
                }
            })
            .await
            .map_err(|e| match (e, payload) {
                (RetryError::Transport(t), _) => PlayError::Transport(t),
                (RetryError::Make(source), Payload::File { path, .. }) => PlayError::File {
                    path: path.display().to_string(),
                    source,
                },
                (RetryError::Make(source), _) => PlayError::Protocol {
                    endpoint: name.clone(),
                    message: source.to_string(),
                },
            })?;
            if response.status() == StatusCode::UNAUTHORIZED && !refreshed {
                tracing::debug!(endpoint = %name, "401: refreshing the access token once");
                self.tokens.invalidate().await;
                refreshed = true;
                continue;
            }
            return Ok(response);
        }
    }

    /// Sends a request and reads a successful JSON answer (an empty body reads as `null`).
    pub async fn call(
        &self,
        ctx: &BuildContext,
        method: Method,
        url: &str,
        payload: &Payload<'_>,
        subject: Subject<'_>,
    ) -> Result<serde_json::Value, PlayError> {
        let idempotent = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        let response = self
            .send(ctx, method.clone(), url, &[], payload, idempotent)
            .await?;
        self.read_json(ctx, &method, url, response, subject).await
    }

    /// A successful answer's JSON, or the failure as a [`PlayError`].
    pub async fn read_json(
        &self,
        ctx: &BuildContext,
        method: &Method,
        url: &str,
        response: Response,
        subject: Subject<'_>,
    ) -> Result<serde_json::Value, PlayError> {
        let status = response.status();
        let name = format!("{method} {}", crate::http::describe_url(url));
        let body = crate::http::guarded(ctx, crate::http::read_text(response))
            .await?
            .map_err(|source| {
                PlayError::Transport(crate::http::TransportError::Network {
                    endpoint: name.clone(),
                    source,
                })
            })?;
        if status.is_success() {
            if body.trim().is_empty() {
                return Ok(serde_json::Value::Null);
            }
            return serde_json::from_str(&body).map_err(|e| PlayError::Protocol {
                endpoint: name,
                message: format!("the answer is not JSON: {e}"),
            });
        }
        Err(self.classify(name, status.as_u16(), &body, subject))
    }

    /// Turns a failed answer into the most specific [`PlayError`].
    pub fn classify(
        &self,
        endpoint: String,
        status: u16,
        body: &str,
        subject: Subject<'_>,
    ) -> PlayError {
        let err = parse_google_error(body);
        if is_version_code_used(&err) {
            return PlayError::VersionCodeUsed {
                endpoint,
                version_code: version_code_in_message(&err.message),
                highest: None,
                message: err.message,
            };
        }
        if let Some(edit_id) = subject.edit_id {
            if is_edit_expired(&err) {
                return PlayError::EditExpired {
                    endpoint,
                    edit_id: edit_id.to_owned(),
                    message: err.message,
                };
            }
        }
        if is_package_not_found(status, &err) {
            return PlayError::PackageNotFound {
                endpoint,
                package: self.package.clone(),
                message: err.message,
            };
        }
        let denied = status == 403
            || (status == 401 && err.message.to_ascii_lowercase().contains("permission"))
            || err.status.as_deref() == Some("PERMISSION_DENIED");
        if denied {
            return PlayError::PermissionDenied {
                endpoint,
                service_account: self.tokens.key().client_email().to_owned(),
                needed: subject
                    .needs
                    .unwrap_or("View app information (read-only)")
                    .to_owned(),
                message: err.message,
            };
        }
        PlayError::Api {
            endpoint,
            status,
            google_status: err.status,
            reason: err.reason,
            message: err.message,
        }
    }
}
