//! The farm's HTTP API (feature `server`), served by `nativiweb farm serve`.
//!
//! | route | does |
//! |---|---|
//! | `POST /v1/builds` | submits a build: a JSON [`JobRequest`](crate::JobRequest) with a git source, or a `multipart/form-data` form with a `job` part and a `source` ZIP; 201 with the record and `Location: /v1/builds/{id}` |
//! | `GET /v1/builds/{id}` | the build's [`DeploymentRecord`](crate::DeploymentRecord) |
//! | `GET /v1/builds/{id}/logs` | its events, live, as Server-Sent Events, resumable with `Last-Event-ID` |
//! | `DELETE /v1/builds/{id}` | cancels it: 202 with the outcome |
//! | `POST /v1/hooks/github` | builds on `git push` ([`github`]) |
//! | `GET /v1/openapi.json` | the OpenAPI 3.1 document of all this ([`openapi`]) |
//! | `GET /metrics` | Prometheus metrics of the whole farm |
//! | `GET /healthz` | 200 when Redis answers, 503 otherwise |
//!
//! **Authentication.** Everything under `/v1` but the GitHub hook takes
//! `Authorization: Bearer TOKEN` ([`auth`]); a missing or wrong token gets 401 with
//! `WWW-Authenticate: Bearer`. The GitHub hook is authenticated by its HMAC signature instead.
//! `/metrics` and `/healthz` take no token, like the workers' `--metrics` endpoint, so that
//! Prometheus and load balancers can reach them: they show counts, queue names, worker ids and
//! signing profile names, never a build's content or a secret — bind the server to a private
//! network or let the proxy in front restrict them if that is too much. With no token
//! configured at all, `/v1` is open: `nativiweb farm serve` allows that only on a loopback
//! address.
//!
//! **Errors** have one JSON shape everywhere, `{"error": {"code": "not_found", "message": "…"}}`
//! ([`ApiError`]); the codes are `bad_request` (400), `unauthorized` (401), `not_found` (404),
//! `method_not_allowed` (405), `payload_too_large` (413), `unsupported_media_type` (415),
//! `internal` (500) and `unavailable` (503: Redis or the object store is down).
//!
//! **Limits.** JSON bodies are read up to [`ServerConfig::max_json`] bytes; uploads are
//! streamed to a temporary file up to [`ServerConfig::max_upload`] bytes (413 past it, nothing
//! stored) and checked as ZIPs before they are stored ([`uploads`]).
//!
//! ```no_run
//! use nativiweb_core::sink::ObjectStoreSink;
//! use nativiweb_farm::server::{self, ServerConfig};
//! use nativiweb_farm::Farm;
//! use secrecy::SecretString;
//! use tokio_util::sync::CancellationToken;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let farm = Farm::connect("redis://127.0.0.1:6379").await?;
//! let mut config = ServerConfig::new(farm);
//! config.storage = Some(ObjectStoreSink::from_url("s3://builds/farm")?);
//! config.tokens = vec![SecretString::from(std::env::var("API_TOKEN")?)];
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! let shutdown = CancellationToken::new();
//! server::serve(listener, config, shutdown).await?;
//! # Ok(()) }
//! ```
//!
//! A client then submits and follows a build:
//!
//! ```text
//! curl -H "Authorization: Bearer $TOKEN" -F 'job={"platform":"android"}' -F source=@app.zip \
//!      http://farm:8080/v1/builds
//! curl -N -H "Authorization: Bearer $TOKEN" http://farm:8080/v1/builds/$ID/logs
//! ```

use std::sync::Arc;
use std::time::Duration;

use nativiweb_core::sink::ObjectStoreSink;
use nativiweb_core::source::ZipLimits;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::farm::Farm;
use crate::webhook::Webhooks;

pub mod auth;
pub mod error;
pub mod github;
pub mod openapi;
mod routes;
mod sse;
pub mod uploads;

pub use auth::{tokens_from_env, tokens_from_file, ApiTokens, TOKENS_ENV};
pub use error::{ApiError, ErrorCode, ServerError};
pub use github::{GithubHooks, GithubRepo};

/// The default [`ServerConfig::max_upload`]: 512 MiB.
pub const DEFAULT_MAX_UPLOAD: u64 = 512 << 20;

/// The default [`ServerConfig::max_json`]: 64 KiB.
pub const DEFAULT_MAX_JSON: usize = 64 << 10;

/// What the server serves and how.
#[derive(Clone)]
pub struct ServerConfig {
    /// The farm builds are queued on.
    pub farm: Farm,
    /// Where uploads go (`uploads/{id}.zip`): the workers' storage. Without it only git
    /// sources are accepted.
    pub storage: Option<ObjectStoreSink>,
    /// The accepted bearer tokens. None at all leaves `/v1` open.
    pub tokens: Vec<SecretString>,
    /// The largest upload, in bytes (the workers' `max_upload` should be the same).
    pub max_upload: u64,
    /// The largest JSON body (a job, a form's `job` part), in bytes.
    pub max_json: usize,
    /// GitHub push hooks; without them `POST /v1/hooks/github` answers 404.
    pub github: Option<GithubHooks>,
    /// What an upload may hold (entries, unpacked size, ratio), checked before it is stored.
    pub zip_limits: ZipLimits,
    /// Webhooks told of each build the server queues (status `queued`; the workers send the
    /// later changes with theirs).
    pub webhooks: Option<Webhooks>,
    /// How long one blocking read of a log stream waits before checking whether the build
    /// ended (default 5 s).
    pub sse_block: Duration,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("farm", &self.farm)
            .field("storage", &self.storage)
            .field("tokens", &format_args!("<{} redacted>", self.tokens.len()))
            .field("max_upload", &self.max_upload)
            .field("max_json", &self.max_json)
            .field("github", &self.github)
            .field("zip_limits", &self.zip_limits)
            .field("webhooks", &self.webhooks.is_some())
            .field("sse_block", &self.sse_block)
            .finish()
    }
}

impl ServerConfig {
    /// A config for `farm`: no storage (git sources only), no token, 512 MiB uploads, 64 KiB
    /// JSON, no GitHub hooks, the default ZIP limits, no webhooks.
    pub fn new(farm: Farm) -> Self {
        ServerConfig {
            farm,
            storage: None,
            tokens: Vec::new(),
            max_upload: DEFAULT_MAX_UPLOAD,
            max_json: DEFAULT_MAX_JSON,
            github: None,
            zip_limits: ZipLimits::default(),
            webhooks: None,
            sse_block: Duration::from_secs(5),
        }
    }
}

/// What the handlers share.
pub(crate) struct AppState {
    pub(crate) farm: Farm,
    pub(crate) storage: Option<ObjectStoreSink>,
    pub(crate) tokens: ApiTokens,
    pub(crate) max_upload: u64,
    pub(crate) max_json: usize,
    pub(crate) github: Option<GithubHooks>,
    pub(crate) zip_limits: ZipLimits,
    pub(crate) webhooks: Option<Webhooks>,
    pub(crate) sse_block: Duration,
    /// Ends the log streams when the server stops.
    pub(crate) shutdown: CancellationToken,
}

fn state(config: ServerConfig, shutdown: CancellationToken) -> Arc<AppState> {
    Arc::new(AppState {
        tokens: ApiTokens::new(&config.tokens),
        farm: config.farm,
        storage: config.storage,
        max_upload: config.max_upload,
        max_json: config.max_json,
        github: config.github,
        zip_limits: config.zip_limits,
        webhooks: config.webhooks,
        sse_block: config.sse_block.max(Duration::from_millis(10)),
        shutdown,
    })
}

/// The API as an [`axum::Router`] (for tests, or to nest in a bigger server). Its log streams
/// end when their builds do; [`serve`] also ends them at shutdown.
pub fn router(config: ServerConfig) -> axum::Router {
    routes::router(state(config, CancellationToken::new()))
}

/// Serves the API on `listener` until `shutdown` is cancelled, then stops taking connections,
/// ends the log streams and waits for the requests in flight.
///
/// # Errors
/// [`ServerError::Serve`] when the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    if config.tokens.is_empty() {
        tracing::warn!("the API on {addr} takes no token: anyone who reaches it can submit builds");
    }
    let app = routes::router(state(config, shutdown.clone()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .map_err(|source| ServerError::Serve { addr, source })
}
