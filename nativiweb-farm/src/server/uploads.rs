//! Project uploads: the `multipart/form-data` form of `POST /v1/builds`.
//!
//! The `source` part (a ZIP) is streamed to a temporary file, hashed on the way and counted
//! against the server's `max_upload` — it is never held whole in memory, and an upload over
//! the limit is refused with 413 as soon as the limit is passed. The file is then checked as a
//! ZIP from its central directory alone (no extraction): entry names that would climb out of
//! the work folder (`../`, absolute paths, drive letters, NUL bytes), symbolic links,
//! encrypted entries, more entries than [`ZipLimits::max_entries`], more declared bytes than
//! [`ZipLimits::max_total_size`] and zip-bomb ratios are refused with 400. Only then is it
//! stored; the worker checks again as it extracts (a crafted archive can lie about its sizes,
//! which only extraction sees).
//!
//! The job comes as a `job` part holding the JSON of a [`crate::JobRequest`] without its
//! `source`, and/or as one text part per field (`app_id`, `platform`, `builder`, `format`,
//! `signing_profile`, `build_number`, `version_name`, `priority`, `timeout_secs`), which
//! override the JSON's.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::Multipart;
use nativiweb_core::source::ZipLimits;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::error::{ApiError, ErrorCode};

/// The text parts that may stand for the `job` part's fields.
pub(crate) const FIELDS: [&str; 9] = [
    "app_id",
    "platform",
    "builder",
    "format",
    "signing_profile",
    "build_number",
    "version_name",
    "priority",
    "timeout_secs",
];

/// The fields that are numbers in the job's JSON.
const NUMERIC: [&str; 2] = ["build_number", "timeout_secs"];

/// An upload on local disk, removed when dropped.
#[derive(Debug)]
pub(crate) struct Upload {
    /// The ZIP.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// The file name the client gave, without folders.
    pub file_name: Option<String>,
    _dir: tempfile::TempDir,
}

/// What a multipart form held.
#[derive(Debug, Default)]
pub(crate) struct Form {
    /// The job's fields (from the `job` part, then the field parts).
    pub job: serde_json::Map<String, serde_json::Value>,
    /// The `source` part.
    pub upload: Option<Upload>,
}

/// Reads the form: the `source` part to a temporary file, the others as JSON fields.
pub(crate) async fn read_form(
    mut multipart: Multipart,
    max_upload: u64,
    max_json: usize,
) -> Result<Form, ApiError> {
    let mut form = Form::default();
    let mut fields = serde_json::Map::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "source" => {
                if form.upload.is_some() {
                    return Err(ApiError::bad_request("the form has two `source` parts"));
                }
                form.upload = Some(stream_to_file(field, max_upload).await?);
            }
            "job" => {
                let bytes = read_small(field, max_json, "job").await?;
                let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                    ApiError::bad_request(format!("the `job` part is not JSON: {e}"))
                })?;
                let serde_json::Value::Object(map) = value else {
                    return Err(ApiError::bad_request(
                        "the `job` part must be a JSON object (a job without `source`)",
                    ));
                };
                form.job.extend(map);
            }
            f if FIELDS.contains(&f) => {
                let bytes = read_small(field, max_json, f).await?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| ApiError::bad_request(format!("the `{f}` part is not UTF-8")))?;
                let text = text.trim();
                let value = if NUMERIC.contains(&f) {
                    let n: u64 = text.parse().map_err(|_| {
                        ApiError::bad_request(format!("`{f}` must be a whole number, not `{text}`"))
                    })?;
                    serde_json::Value::from(n)
                } else {
                    serde_json::Value::from(text)
                };
                fields.insert(f.to_owned(), value);
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown form part `{}`: send `job` (JSON) or its fields ({}) and `source` (the ZIP)",
                    other.chars().take(40).collect::<String>(),
                    FIELDS.join(", ")
                )))
            }
        }
    }
    form.job.extend(fields);
    Ok(form)
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(e.body_text())
    } else {
        ApiError::bad_request(format!("reading the multipart form: {}", e.body_text()))
    }
}

/// A small text part, at most `limit` bytes.
async fn read_small(mut field: Field<'_>, limit: usize, name: &str) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if out.len() + chunk.len() > limit {
            return Err(ApiError::too_large(format!(
                "the `{name}` part is over {limit} bytes"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Streams the part to a temporary file, hashing and counting it; refuses it past `limit`.
async fn stream_to_file(mut field: Field<'_>, limit: u64) -> Result<Upload, ApiError> {
    let file_name = field.file_name().map(|n| {
        n.rsplit(['/', '\\'])
            .next()
            .unwrap_or(n)
            .chars()
            .take(200)
            .collect::<String>()
    });
    let dir = tempfile::Builder::new()
        .prefix("nativiweb-upload-")
        .tempdir()
        .map_err(|e| {
            ApiError::internal(format!("making a temporary folder for the upload: {e}"))
        })?;
    let path = dir.path().join("source.zip");
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| ApiError::internal(format!("writing the upload to disk: {e}")))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(limit));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(format!("writing the upload to disk: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::internal(format!("writing the upload to disk: {e}")))?;
    drop(file);
    if size == 0 {
        return Err(ApiError::bad_request("the `source` part is empty"));
    }
    Ok(Upload {
        path,
        size,
        sha256: hex::encode(hasher.finalize()),
        file_name: file_name.filter(|n| !n.is_empty()),
        _dir: dir,
    })
}

/// The 413 of an upload over `limit` bytes.
pub(crate) fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "the upload is over this server's limit of {limit} bytes ({} MiB); nothing was stored",
            limit >> 20
        ),
    )
}

/// Checks the upload as a ZIP (off the async threads) with the rules the worker's ZIP source
/// extracts by ([`nativiweb_core::source::check_archive`]): see the [module docs](self).
pub(crate) async fn check_zip(path: &Path, limits: ZipLimits) -> Result<(), ApiError> {
    let path = path.to_owned();
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || nativiweb_core::source::check_archive(&path, &limits))
        .await
        .map_err(|e| ApiError::internal(format!("checking the upload crashed: {e}")))?
        .map_err(|e| {
            // The message names the server's temporary file: say "the upload" instead.
            let m = e.to_string().replace(&shown, "the upload");
            ApiError::bad_request(format!("the upload was refused: {m}; nothing was stored"))
        })
}
