//! The routes and their handlers: builds (submit, record, cancel), metrics, health, and the
//! typed 404/405 answers for everything else.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio_stream::StreamExt;

use super::error::ApiError;
use super::uploads::{self, Upload};
use super::{auth, github, openapi, sse, AppState};
use crate::job::{app_id_from_name, BuildId, JobRequest, JobSource};

/// What a multipart form may hold besides the source, in bytes: the job part and the form's
/// own framing.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The whole API.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let authenticated = Router::new()
        .route("/v1/builds", post(create_build))
        .route("/v1/builds/{id}", get(get_build).delete(cancel_build))
        .route("/v1/builds/{id}/logs", get(sse::logs))
        .route("/v1/openapi.json", get(openapi::document))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token));
    Router::new()
        .merge(authenticated)
        .route("/v1/hooks/github", post(github::hook))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Every body is read with the limit of its route (see read_limited, uploads).
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route: see GET /v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        super::error::ErrorCode::MethodNotAllowed,
        "this route does not take this method: see GET /v1/openapi.json",
    )
}

/// A request body of at most `limit` bytes (413 past it).
pub(crate) async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::too_large(format!("the body is over the limit of {limit} bytes"));
    if content_length(headers).is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut out = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
        if out.len() + chunk.len() > limit {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// `POST /v1/builds`: a JSON job with a git source, or a multipart form with an upload.
async fn create_build(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let result = match media_type(request.headers()).as_deref() {
        Some("application/json") => create_from_json(&state, request).await,
        Some("multipart/form-data") => create_from_form(&state, request).await,
        _ => Err(ApiError::new(
            super::error::ErrorCode::UnsupportedMediaType,
            "send the job as application/json (a git source) or multipart/form-data (a `job` part and a `source` ZIP)",
        )),
    };
    match result {
        Ok(record) => {
            if let Some(webhooks) = &state.webhooks {
                webhooks.send(&record);
            }
            let location = format!("/v1/builds/{}", record.id);
            let mut response = (StatusCode::CREATED, Json(&record)).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

async fn create_from_json(
    state: &AppState,
    request: Request,
) -> Result<crate::DeploymentRecord, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = read_limited(&parts.headers, body, state.max_json).await?;
    let job: JobRequest = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the job is not a valid JobRequest: {e}")))?;
    if !matches!(job.source, JobSource::Git { .. }) {
        return Err(ApiError::bad_request(
            "a JSON job takes a git source ({\"kind\":\"git\",\"url\":…}); upload a ZIP as multipart/form-data with a `source` part instead",
        ));
    }
    let id = BuildId::generate();
    let record = state.farm.submit_as(id, &job).await?;
    tracing::info!("queued {} ({} from git)", record.id, record.app_id);
    Ok(record)
}

async fn create_from_form(
    state: &AppState,
    request: Request,
) -> Result<crate::DeploymentRecord, ApiError> {
    let Some(storage) = &state.storage else {
        return Err(ApiError::bad_request(
            "this server takes git sources only (it has no storage for uploads): send a JSON job with a git source",
        ));
    };
    let declared_limit = state
        .max_upload
        .saturating_add(state.max_json as u64)
        .saturating_add(FORM_OVERHEAD);
    if content_length(request.headers()).is_some_and(|n| n > declared_limit) {
        return Err(uploads::too_large(state.max_upload));
    }
    let multipart = Multipart::from_request(request, &()).await.map_err(|e| {
        ApiError::bad_request(format!("reading the multipart form: {}", e.body_text()))
    })?;
    let form = uploads::read_form(multipart, state.max_upload, state.max_json).await?;
    let Some(upload) = form.upload else {
        return Err(ApiError::bad_request(
            "the form has no `source` part: attach the project's ZIP as `source`",
        ));
    };
    let id = BuildId::generate();
    let job = upload_job(&id, form.job, &upload)?;
    // Everything but Redis is checked before anything is stored.
    job.validate()?;
    uploads::check_zip(&upload.path, state.zip_limits).await?;
    let key = format!("uploads/{id}.zip");
    let stored = storage
        .put_file(&key, &upload.path, "application/zip")
        .await
        .map_err(|e| {
            ApiError::new(
                super::error::ErrorCode::Unavailable,
                format!("storing the upload: {e}"),
            )
        })?;
    if stored.sha256 != upload.sha256 {
        let _ = storage.delete(&key).await;
        return Err(ApiError::internal(
            "the stored upload does not hash to what was received; nothing was queued",
        ));
    }
    match state.farm.submit_as(id, &job).await {
        Ok(record) => {
            tracing::info!(
                "queued {} ({} from an upload of {} bytes)",
                record.id,
                record.app_id,
                upload.size
            );
            Ok(record)
        }
        Err(e) => {
            if let Err(d) = storage.delete(&key).await {
                tracing::warn!("removing the upload {key} of a refused job: {d}");
            }
            Err(e.into())
        }
    }
}

/// The job of a form: its fields with the upload as source, the app id from the file name
/// when absent.
fn upload_job(
    id: &BuildId,
    mut fields: serde_json::Map<String, serde_json::Value>,
    upload: &Upload,
) -> Result<JobRequest, ApiError> {
    if fields.contains_key("source") {
        return Err(ApiError::bad_request(
            "the `job` part must not have a `source`: the `source` part is the source",
        ));
    }
    let stem = upload
        .file_name
        .as_deref()
        .map(|n| n.strip_suffix(".zip").unwrap_or(n).to_owned());
    if !fields.contains_key("app_id") {
        let name = stem.as_deref().unwrap_or("app");
        fields.insert("app_id".into(), app_id_from_name(name).into());
    }
    let source = JobSource::Upload {
        key: format!("uploads/{id}.zip"),
        size: upload.size,
        sha256: upload.sha256.clone(),
        name: stem,
    };
    fields.insert(
        "source".into(),
        serde_json::to_value(&source).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| ApiError::bad_request(format!("the job is not valid: {e}")))
}

/// A build id from the path (400 when it is not one).
pub(crate) fn build_id(raw: &str) -> Result<BuildId, ApiError> {
    BuildId::parse(raw).map_err(ApiError::from)
}

/// `GET /v1/builds/{id}`.
async fn get_build(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<crate::DeploymentRecord>, ApiError> {
    let id = build_id(&id)?;
    match state.farm.record(&id).await? {
        Some(record) => Ok(Json(record)),
        None => Err(crate::FarmError::NotFound(id.to_string()).into()),
    }
}

/// `DELETE /v1/builds/{id}`: 202 with what `cancel` did.
async fn cancel_build(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = build_id(&id)?;
    let outcome = state.farm.cancel(&id).await?;
    tracing::info!("cancel {id}: {outcome:?}");
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "id": id, "outcome": outcome })),
    )
        .into_response())
}

/// `GET /metrics`: Prometheus' text format (no token: see the module docs).
async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let text = crate::metrics::render(&state.farm).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// `GET /healthz`: 200 when Redis answers a PING, 503 otherwise.
async fn healthz(State(state): State<Arc<AppState>>) -> Result<Json<serde_json::Value>, ApiError> {
    let mut con = state.farm.con.clone();
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        redis::cmd("PING").query_async::<String>(&mut con),
    )
    .await;
    match ping {
        Ok(Ok(_)) => Ok(Json(serde_json::json!({ "status": "ok", "redis": "ok" }))),
        Ok(Err(e)) => Err(ApiError::new(
            super::error::ErrorCode::Unavailable,
            format!("redis at {}: {e}", state.farm.redis_display()),
        )),
        Err(_) => Err(ApiError::new(
            super::error::ErrorCode::Unavailable,
            format!(
                "redis at {} did not answer within 3 s",
                state.farm.redis_display()
            ),
        )),
    }
}
