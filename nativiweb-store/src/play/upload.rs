//! Sending a file to an upload endpoint: Google's simple media upload for small files and the
//! resumable protocol for large ones.
//!
//! Resumable (<https://developers.google.com/api-client-library/java/google-api-java-client/media-upload>,
//! "Resumable upload" in the Drive/YouTube docs, same protocol for every Google API):
//! 1. `POST ...?uploadType=resumable` with `X-Upload-Content-Type` and `X-Upload-Content-Length`
//!    and no body; the session URI comes back in `Location`.
//! 2. `PUT <session>` each chunk with `Content-Range: bytes FIRST-LAST/TOTAL` (chunks are
//!    multiples of 256 KiB but the last); `308 Resume Incomplete` with `Range: bytes=0-N` says
//!    what the server has; `200`/`201` with the resource ends the upload.
//! 3. After a dropped connection or a 5xx, `PUT <session>` with `Content-Range: bytes */TOTAL`
//!    and no body asks what the server has; the upload resumes from there, not from the chunk
//!    boundary.

use std::path::Path;

use nativiweb_core::BuildContext;
use reqwest::header::{HeaderName, CONTENT_RANGE, LOCATION, RANGE};
use reqwest::{Method, StatusCode};

use super::api::{Payload, PlayApi, Subject};
use super::errors::PlayError;
use crate::body::Progress;
use crate::http::{describe_url, TransportError};

/// Resumable chunks must be multiples of this (Google's rule).
pub const CHUNK_QUANTUM: u64 = 256 * 1024;

/// How files are sent to Play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOptions {
    /// Files up to this size go in one simple media upload; larger ones use the resumable
    /// protocol.
    pub resumable_threshold: u64,
    /// The resumable chunk size: a multiple of 256 KiB. Each chunk is one request, streamed.
    pub chunk_size: u64,
    /// How many times in a row a chunk may fail (dropped connection, 5xx) without the server
    /// taking any new byte before the upload gives up.
    pub max_stalls: u32,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            resumable_threshold: 8 * 1024 * 1024,
            chunk_size: 32 * 1024 * 1024,
            max_stalls: 5,
        }
    }
}

impl UploadOptions {
    /// Refuses chunk sizes Google would refuse.
    pub fn check(&self) -> Result<(), PlayError> {
        if self.chunk_size == 0 || !self.chunk_size.is_multiple_of(CHUNK_QUANTUM) {
            return Err(PlayError::InvalidInput(format!(
                "upload chunk size {} is not a positive multiple of 256 KiB ({CHUNK_QUANTUM} bytes)",
                self.chunk_size
            )));
        }
        Ok(())
    }
}

/// One file to send: where to, what, how.
pub(crate) struct Upload<'a> {
    /// The media endpoint, without `uploadType`.
    pub url: &'a str,
    /// The file.
    pub path: &'a Path,
    /// Its size in bytes.
    pub total: u64,
    /// Simple or resumable, chunk size.
    pub options: &'a UploadOptions,
    /// Where bytes sent are counted.
    pub progress: &'a Progress,
}

/// Uploads the file to its media endpoint and returns the resource JSON Google answers with.
pub(crate) async fn upload_file(
    api: &PlayApi,
    ctx: &BuildContext,
    upload: &Upload<'_>,
    subject: Subject<'_>,
) -> Result<serde_json::Value, PlayError> {
    let Upload {
        url,
        path,
        total,
        options,
        progress,
    } = *upload;
    if total <= options.resumable_threshold {
        let url = format!("{url}?uploadType=media");
        let payload = Payload::File {
            path,
            offset: 0,
            len: total,
            progress,
        };
        // A POST of a whole file is not idempotent in general, but an edit's upload that never
        // arrived can be sent again; Google's own clients retry media uploads on 5xx.
        let response = api
            .send(ctx, Method::POST, &url, &[], &payload, true)
            .await?;
        return api
            .read_json(ctx, &Method::POST, &url, response, subject)
            .await;
    }
    resumable(api, ctx, upload, subject).await
}

async fn resumable(
    api: &PlayApi,
    ctx: &BuildContext,
    upload: &Upload<'_>,
    subject: Subject<'_>,
) -> Result<serde_json::Value, PlayError> {
    let Upload {
        url,
        path,
        total,
        options,
        progress,
    } = *upload;
    let start_url = format!("{url}?uploadType=resumable");
    let headers = [
        (
            HeaderName::from_static("x-upload-content-type"),
            "application/octet-stream".to_owned(),
        ),
        (
            HeaderName::from_static("x-upload-content-length"),
            total.to_string(),
        ),
    ];
    let response = api
        .send(
            ctx,
            Method::POST,
            &start_url,
            &headers,
            &Payload::Empty,
            false,
        )
        .await?;
    if !response.status().is_success() {
        let body = api
            .read_json(ctx, &Method::POST, &start_url, response, subject)
            .await;
        return Err(body.err().unwrap_or_else(|| PlayError::Protocol {
            endpoint: format!("POST {}", describe_url(&start_url)),
            message: "the upload session could not be started".into(),
        }));
    }
    let session = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| PlayError::Protocol {
            endpoint: format!("POST {}", describe_url(&start_url)),
            message: "the resumable upload answer has no Location header (session URI)".into(),
        })?;
    let session_name = format!("PUT {}", describe_url(&session));

    let mut offset = 0u64;
    let mut stalls = 0u32;
    loop {
        let end = (offset + options.chunk_size).min(total);
        let payload = Payload::File {
            path,
            offset,
            len: end - offset,
            progress,
        };
        let range = [(CONTENT_RANGE, format!("bytes {offset}-{}/{total}", end - 1))];
        let answer = match api
            .send(ctx, Method::PUT, &session, &range, &payload, false)
            .await
        {
            Ok(r) => Answer::Response(r),
            Err(PlayError::Transport(TransportError::Network { source, .. })) => {
                tracing::debug!(error = %source, offset, "chunk failed; asking the server what it has");
                Answer::Interrupted
            }
            Err(e) => return Err(e),
        };
        let answer = match answer {
            Answer::Response(r) if r.status().is_server_error() => Answer::Interrupted,
            other => other,
        };
        let response = match answer {
            Answer::Response(r) => r,
            Answer::Interrupted => {
                stalls += 1;
                if stalls > options.max_stalls {
                    return Err(PlayError::Protocol {
                        endpoint: session_name,
                        message: format!(
                            "the upload stalled at byte {offset} of {total} after {} attempts without progress; try again later",
                            options.max_stalls + 1
                        ),
                    });
                }
                crate::http::sleep(ctx, api.retry.delay(stalls, None)).await?;
                query_status(api, ctx, &session, total).await?
            }
        };
        match response.status() {
            s if s.as_u16() == 308 => {
                let next =
                    next_offset(&response, total).map_err(|message| PlayError::Protocol {
                        endpoint: session_name.clone(),
                        message,
                    })?;
                if next > offset {
                    stalls = 0;
                }
                offset = next;
                progress.set(offset);
            }
            s if s.is_success() => {
                progress.set(total);
                return api
                    .read_json(ctx, &Method::PUT, &session, response, subject)
                    .await;
            }
            StatusCode::NOT_FOUND | StatusCode::GONE => {
                return Err(PlayError::Protocol {
                    endpoint: session_name,
                    message: format!(
                        "the upload session expired (HTTP {}): submit again to start a new one",
                        response.status().as_u16()
                    ),
                })
            }
            _ => {
                return Err(api
                    .read_json(ctx, &Method::PUT, &session, response, subject)
                    .await
                    .err()
                    .unwrap_or_else(|| PlayError::Protocol {
                        endpoint: session_name.clone(),
                        message: "unexpected answer".into(),
                    }))
            }
        }
    }
}

enum Answer {
    Response(reqwest::Response),
    Interrupted,
}

/// `PUT <session>` with `Content-Range: bytes */TOTAL`: what has the server got?
async fn query_status(
    api: &PlayApi,
    ctx: &BuildContext,
    session: &str,
    total: u64,
) -> Result<reqwest::Response, PlayError> {
    let headers = [(CONTENT_RANGE, format!("bytes */{total}"))];
    // Idempotent: asking twice is harmless, so dropped connections are retried here.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match api
            .send(ctx, Method::PUT, session, &headers, &Payload::Empty, true)
            .await
        {
            Ok(r) if r.status().is_server_error() && attempt < api.retry.max_attempts => {
                crate::http::sleep(ctx, api.retry.delay(attempt, None)).await?;
            }
            other => return other,
        }
    }
}

/// The next byte to send after a 308: one past the end of `Range: bytes=0-N`, or 0 when the
/// server has nothing yet (no `Range`).
fn next_offset(response: &reqwest::Response, total: u64) -> Result<u64, String> {
    let Some(range) = response.headers().get(RANGE) else {
        return Ok(0);
    };
    let range = range
        .to_str()
        .map_err(|_| "unreadable Range header".to_owned())?;
    let last = range
        .trim()
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .filter(|(first, _)| first.trim() == "0")
        .and_then(|(_, last)| last.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("unexpected Range header `{range}` (want bytes=0-N)"))?;
    if last >= total {
        return Err(format!(
            "the server says it has bytes 0-{last} of a {total}-byte file"
        ));
    }
    Ok(last + 1)
}
