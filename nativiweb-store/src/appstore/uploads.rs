//! The Build Uploads API: reserve an upload, reserve its file, send the parts Apple asks for,
//! mark the file uploaded with its checksum, and poll until Apple has the build.
//!
//! Shapes (App Store Connect API 4.1+): `POST /v1/buildUploads` with
//! `cfBundleShortVersionString`, `cfBundleVersion`, `platform` and the `app` relationship;
//! `POST /v1/buildUploadFiles` with `assetType: ASSET`, `fileName`, `fileSize`,
//! `uti: com.apple.ipa` and the `buildUpload` relationship, answered with `uploadOperations`
//! (`method`, `url`, `offset`, `length`, `requestHeaders[{name, value}]`, `partNumber`);
//! `PATCH /v1/buildUploadFiles/{id}` with `sourceFileChecksums` and `uploaded: true`;
//! `GET /v1/buildUploads/{id}` until `state.state` is `COMPLETE` or `FAILED`, with
//! `state.errors/warnings/infos[{code, description}]`.
//!
//! Uncertain: which checksum algorithm Apple verifies. The schema allows `MD5` or `SHA_256` for
//! `file` (and an MD5 `composite`); we send the whole file's MD5, the algorithm Transporter and
//! Apple's older upload API used.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, TryStreamExt};
use nativiweb_core::BuildContext;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_LENGTH};
use reqwest::Method;
use serde_json::{json, Value};

use super::api::{data_id, AscApi};
use super::errors::AscError;
use crate::body::{file_range_body, hash_file, Progress};
use crate::http::{describe_url, is_retryable, server_backoff};

/// One part Apple asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOperation {
    /// 1-based.
    pub part_number: u64,
    /// `PUT` usually.
    pub method: String,
    /// A pre-signed URL (its query is a credential: never logged).
    pub url: String,
    /// First byte of the part.
    pub offset: u64,
    /// Bytes in the part.
    pub length: u64,
    /// Headers to send with it.
    pub headers: Vec<(String, String)>,
}

fn parse_operations(file: &Value, size: u64) -> Result<Vec<UploadOperation>, String> {
    let ops = file
        .pointer("/data/attributes/uploadOperations")
        .and_then(Value::as_array)
        .ok_or("the build upload file has no uploadOperations")?;
    let mut out = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let field = |k: &str| op.get(k).ok_or(format!("upload operation {i} has no {k}"));
        let offset = field("offset")?.as_u64().ok_or("offset is not a number")?;
        let length = field("length")?.as_u64().ok_or("length is not a number")?;
        if offset.checked_add(length).is_none_or(|end| end > size) {
            return Err(format!(
                "upload operation {i} asks for bytes {offset}+{length} of a {size}-byte file"
            ));
        }
        let headers = op
            .get("requestHeaders")
            .and_then(Value::as_array)
            .map(|hs| {
                hs.iter()
                    .filter_map(|h| {
                        Some((
                            h.get("name")?.as_str()?.to_owned(),
                            h.get("value")?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(UploadOperation {
            part_number: op
                .get("partNumber")
                .and_then(Value::as_u64)
                .unwrap_or(i as u64 + 1),
            method: field("method")?
                .as_str()
                .ok_or("method is not a string")?
                .to_owned(),
            url: field("url")?
                .as_str()
                .ok_or("url is not a string")?
                .to_owned(),
            offset,
            length,
            headers,
        });
    }
    let covered: u64 = out.iter().map(|o| o.length).sum();
    if covered != size {
        return Err(format!(
            "the upload operations cover {covered} bytes of a {size}-byte file"
        ));
    }
    Ok(out)
}

/// How parts are sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartSettings {
    pub concurrency: usize,
    pub attempts: u32,
}

/// Creates the build upload and returns its id.
pub(crate) async fn create_build_upload(
    api: &AscApi,
    ctx: &BuildContext,
    app_id: &str,
    version: &str,
    build: &str,
) -> Result<String, AscError> {
    let body = json!({"data": {
        "type": "buildUploads",
        "attributes": {
            "cfBundleShortVersionString": version,
            "cfBundleVersion": build,
            "platform": "IOS"
        },
        "relationships": {"app": {"data": {"type": "apps", "id": app_id}}}
    }});
    let doc = api
        .call(ctx, Method::POST, "/v1/buildUploads", Some(&body))
        .await?;
    data_id(&doc).ok_or_else(|| AscError::Protocol {
        endpoint: api.name(&Method::POST, "/v1/buildUploads"),
        message: "the new build upload has no id".into(),
    })
}

/// Deletes a build upload whose file could not be sent, on a context of its own so a
/// cancelled or timed-out build still cleans up (bounded to 30 s). Failures are logged only.
pub(crate) async fn delete_build_upload(api: &AscApi, ctx: &BuildContext, upload_id: &str) {
    let mut cleanup = ctx
        .clone()
        .with_cancel(tokio_util::sync::CancellationToken::new());
    cleanup.deadline = Some(Instant::now() + Duration::from_secs(30));
    match api
        .call(
            &cleanup,
            Method::DELETE,
            &format!("/v1/buildUploads/{upload_id}"),
            None,
        )
        .await
    {
        Ok(_) => ctx.info(format!(
            "deleted build upload {upload_id} after the failure"
        )),
        Err(e) => {
            tracing::warn!(upload_id, error = %e, "could not delete the build upload");
            ctx.info(format!("could not delete build upload {upload_id}: {e}"));
        }
    }
}

/// Reserves the file, sends its parts, marks it uploaded. Returns the file's id.
pub(crate) async fn upload_file(
    api: &AscApi,
    ctx: &BuildContext,
    upload_id: &str,
    path: &Path,
    size: u64,
    settings: PartSettings,
) -> Result<String, AscError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("app.ipa")
        .to_owned();
    // Hash while the reservation is made: one streaming pass, on a blocking thread.
    let digests = tokio::spawn(hash_file(path.to_owned()));
    let body = json!({"data": {
        "type": "buildUploadFiles",
        "attributes": {
            "assetType": "ASSET",
            "fileName": file_name,
            "fileSize": size,
            "uti": "com.apple.ipa"
        },
        "relationships": {"buildUpload": {"data": {"type": "buildUploads", "id": upload_id}}}
    }});
    let doc = api
        .call(ctx, Method::POST, "/v1/buildUploadFiles", Some(&body))
        .await?;
    let endpoint = api.name(&Method::POST, "/v1/buildUploadFiles");
    let file_id = data_id(&doc).ok_or_else(|| AscError::Protocol {
        endpoint: endpoint.clone(),
        message: "the build upload file has no id".into(),
    })?;
    let ops =
        parse_operations(&doc, size).map_err(|message| AscError::Protocol { endpoint, message })?;
    ctx.info(format!(
        "App Store Connect: sending {} part(s), {} at a time",
        ops.len(),
        settings.concurrency
    ));
    let progress = Progress::new(ctx, size, "uploading ipa to App Store Connect");
    stream::iter(ops.into_iter().map(Ok))
        .try_for_each_concurrent(settings.concurrency.max(1), |op| {
            let progress = progress.clone();
            async move { send_part(api, ctx, path, &op, &progress, settings.attempts).await }
        })
        .await?;
    progress.set(size);

    let digests = digests
        .await
        .map_err(|e| AscError::Ipa {
            path: path.display().to_string(),
            message: e.to_string(),
        })?
        .map_err(|e| AscError::Ipa {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    let patch = json!({"data": {
        "type": "buildUploadFiles",
        "id": file_id,
        "attributes": {
            "sourceFileChecksums": {"file": {"hash": digests.md5, "algorithm": "MD5"}},
            "uploaded": true
        }
    }});
    api.call(
        ctx,
        Method::PATCH,
        &format!("/v1/buildUploadFiles/{file_id}"),
        Some(&patch),
    )
    .await?;
    Ok(file_id)
}

/// Sends one part, retrying network errors, 429 and 5xx up to `attempts` times.
async fn send_part(
    api: &AscApi,
    ctx: &BuildContext,
    path: &Path,
    op: &UploadOperation,
    progress: &Progress,
    attempts: u32,
) -> Result<(), AscError> {
    let method = Method::from_bytes(op.method.as_bytes()).map_err(|_| AscError::Protocol {
        endpoint: describe_url(&op.url),
        message: format!(
            "upload operation method `{}` is not an HTTP method",
            op.method
        ),
    })?;
    let url = api.endpoint.resolve(&op.url)?;
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &op.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) else {
            return Err(AscError::Protocol {
                endpoint: describe_url(&op.url),
                message: format!("upload operation header `{k}` is not a valid header"),
            });
        };
        headers.insert(name, value);
    }
    headers.insert(CONTENT_LENGTH, HeaderValue::from(op.length));
    let part_err = |attempts: u32, message: String| AscError::Part {
        part: op.part_number,
        offset: op.offset,
        end: op.offset + op.length,
        attempts,
        message,
    };
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let (body, counted): (reqwest::Body, Arc<AtomicU64>) =
            file_range_body(path, op.offset, op.length, progress.clone())
                .await
                .map_err(|e| AscError::Ipa {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
        let request = api
            .http
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .body(body);
        let outcome = crate::http::guarded(ctx, request.send()).await?;
        let (failure, wait) = match outcome {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) if is_retryable(r.status()) => {
                let wait = server_backoff(&r);
                (format!("HTTP {}", r.status().as_u16()), wait)
            }
            Ok(r) => {
                let status = r.status().as_u16();
                let body: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                return Err(part_err(attempt, format!("HTTP {status}: {body}")));
            }
            Err(e) => (e.without_url().to_string(), None),
        };
        progress.sub(counted.load(Ordering::Relaxed));
        if attempt >= attempts.max(1) {
            return Err(part_err(attempt, failure));
        }
        tracing::debug!(part = op.part_number, attempt, %failure, "part failed; retrying");
        crate::http::sleep(ctx, api.retry.delay(attempt, wait)).await?;
    }
}

/// The final state of a build upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOutcome {
    /// `COMPLETE`.
    pub state: String,
    /// The build's id when Apple links it.
    pub build_id: Option<String>,
    /// Apple's warnings, `CODE: description`.
    pub warnings: Vec<String>,
}

fn details(state: &Value, key: &str) -> Vec<String> {
    state
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    let code = i.get("code").and_then(Value::as_str).unwrap_or("");
                    let desc = i.get("description").and_then(Value::as_str).unwrap_or("");
                    if code.is_empty() {
                        desc.to_owned()
                    } else {
                        format!("{code}: {desc}")
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `GET /v1/buildUploads/{id}` until `COMPLETE` or `FAILED`, at most `timeout`.
pub(crate) async fn wait_for_upload(
    api: &AscApi,
    ctx: &BuildContext,
    upload_id: &str,
    interval: Duration,
    timeout: Duration,
) -> Result<UploadOutcome, AscError> {
    let started = Instant::now();
    let mut reported = 0usize;
    loop {
        let doc = api
            .call(
                ctx,
                Method::GET,
                &format!("/v1/buildUploads/{upload_id}?include=build"),
                None,
            )
            .await?;
        let state = doc
            .pointer("/data/attributes/state")
            .cloned()
            .unwrap_or(Value::Null);
        let name = state
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or("UNKNOWN")
            .to_owned();
        let warnings = details(&state, "warnings");
        for w in warnings.iter().skip(reported) {
            ctx.info(format!("App Store Connect warning: {w}"));
        }
        reported = reported.max(warnings.len());
        match name.as_str() {
            "COMPLETE" => {
                let build_id = doc
                    .pointer("/data/relationships/build/data/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                return Ok(UploadOutcome {
                    state: name,
                    build_id,
                    warnings,
                });
            }
            "FAILED" => {
                return Err(AscError::Processing {
                    what: format!("build upload {upload_id}"),
                    state: name,
                    errors: details(&state, "errors"),
                })
            }
            _ => {}
        }
        if started.elapsed() + interval > timeout {
            return Err(AscError::WaitTimeout {
                what: format!("build upload {upload_id}"),
                state: name,
                waited: started.elapsed(),
            });
        }
        crate::http::sleep(ctx, interval).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_must_cover_the_file_exactly() {
        let doc = json!({"data": {"id": "f", "attributes": {"uploadOperations": [
            {"method": "PUT", "url": "https://u/1", "offset": 0, "length": 6, "partNumber": 1,
             "requestHeaders": [{"name": "Content-Type", "value": "application/octet-stream"}]},
            {"method": "PUT", "url": "https://u/2", "offset": 6, "length": 4, "partNumber": 2}
        ]}}});
        let ops = parse_operations(&doc, 10).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].headers[0].0, "Content-Type");
        assert!(parse_operations(&doc, 11).is_err());
        assert!(parse_operations(&doc, 8).is_err());
    }
}
