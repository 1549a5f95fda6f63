//! What both stores share on the wire: one `reqwest` client, the endpoint override, bounded
//! retries with backoff and jitter for 429 and 5xx answers, and racing every request against the
//! build's cancellation token and deadline.

use std::time::{Duration, Instant};

use nativiweb_core::BuildContext;
use reqwest::{Response, StatusCode, Url};

/// How a transport-level step failed: the network, the build's cancel token or its deadline.
/// Store errors wrap it, so a message still says which endpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The request could not be sent or its answer not read (DNS, TLS, reset, dropped).
    #[error("{endpoint}: network error: {source}; check the connection or proxy and retry")]
    Network {
        /// `METHOD url-without-query` of the request.
        endpoint: String,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The build's cancellation token fired while waiting.
    #[error("cancelled")]
    Cancelled,
    /// The step's deadline passed while waiting.
    #[error("deadline passed")]
    TimedOut,
    /// A URL from the caller or the store is not valid.
    #[error("invalid URL `{url}`: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
}

/// How often and how patiently to retry answers that say "try again" (429, 500, 502, 503, 504)
/// and dropped connections on idempotent requests. Nothing retries forever: after
/// `max_attempts` the last answer is returned to the caller, which turns it into an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The first backoff; each further one doubles, plus up to 50 % random jitter.
    pub base_delay: Duration,
    /// No single wait is longer than this, whatever a `Retry-After` header asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1): exponential with jitter,
    /// or what the server asked for, capped at `max_delay`.
    pub fn delay(&self, attempt: u32, server_asked: Option<Duration>) -> Duration {
        if let Some(asked) = server_asked {
            return asked.min(self.max_delay);
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let jitter_ms = rand::random::<u64>() % (exp.as_millis() as u64 / 2 + 1);
        (exp + Duration::from_millis(jitter_ms)).min(self.max_delay)
    }
}

/// True for the statuses worth retrying as they are.
pub fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// The wait a 429 or 503 answer asks for: `Retry-After` in seconds, or App Store Connect's
/// `X-Rate-Limit` header once its hourly budget is spent (`user-hour-rem:0` means wait; Apple
/// does not say how long, so a minute is assumed — an assumption, see the crate docs).
pub fn server_backoff(response: &Response) -> Option<Duration> {
    backoff_from_headers(response.headers())
}

/// [`server_backoff`] on bare headers.
pub fn backoff_from_headers(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(secs) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(secs));
    }
    let limit = headers.get("x-rate-limit").and_then(|v| v.to_str().ok())?;
    let spent = limit
        .split(';')
        .filter_map(|kv| kv.split_once(':'))
        .any(|(k, v)| k.trim().ends_with("-rem") && v.trim() == "0");
    spent.then_some(Duration::from_secs(60))
}

/// Where requests go: the store's real hosts, or one override base URL that replaces the
/// scheme, host and port of every URL (API, token, upload and pre-signed part URLs alike), for
/// tests against a local server and for proxies. The override's own path, if any, is prefixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    base: Option<Url>,
}

impl Endpoint {
    /// The stores' real hosts.
    pub fn real() -> Self {
        Endpoint { base: None }
    }

    /// Every request goes to `base` instead (e.g. `http://127.0.0.1:8080`).
    pub fn override_with(base: &str) -> Result<Self, TransportError> {
        let url = Url::parse(base).map_err(|e| TransportError::BadUrl {
            url: base.to_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(TransportError::BadUrl {
                url: base.to_owned(),
                reason: "use an http:// or https:// URL with a host".into(),
            });
        }
        Ok(Endpoint { base: Some(url) })
    }

    /// The override, when one is set.
    pub fn base(&self) -> Option<&Url> {
        self.base.as_ref()
    }

    /// `url` as it must be requested: unchanged, or moved onto the override base.
    pub fn resolve(&self, url: &str) -> Result<Url, TransportError> {
        let parsed = Url::parse(url).map_err(|e| TransportError::BadUrl {
            url: describe_url(url),
            reason: e.to_string(),
        })?;
        let Some(base) = &self.base else {
            return Ok(parsed);
        };
        let mut out = base.clone();
        let prefix = base.path().trim_end_matches('/');
        out.set_path(&format!("{prefix}{}", parsed.path()));
        out.set_query(parsed.query());
        Ok(out)
    }
}

/// A URL for messages: scheme, host and path, without the query (pre-signed upload URLs carry
/// their signature there).
pub fn describe_url(url: &str) -> String {
    match url.split_once('?') {
        Some((head, _)) => head.to_owned(),
        None => url.to_owned(),
    }
}

/// `METHOD url-without-query`, the endpoint named in errors.
pub fn endpoint_name(method: &reqwest::Method, url: &Url) -> String {
    format!("{method} {}", describe_url(url.as_str()))
}

/// Runs `fut`, unless the build is cancelled or its deadline passes first.
pub async fn guarded<T>(
    ctx: &BuildContext,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, TransportError> {
    let deadline = async {
        match ctx.deadline {
            Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => Err(TransportError::Cancelled),
        _ = deadline => Err(TransportError::TimedOut),
        out = fut => Ok(out),
    }
}

/// Sleeps `delay`, unless the build is cancelled or the deadline comes first.
pub async fn sleep(ctx: &BuildContext, delay: Duration) -> Result<(), TransportError> {
    if let Some(deadline) = ctx.deadline {
        if Instant::now() + delay > deadline {
            // Waiting would end past the deadline: fail now rather than sleep into it.
            guarded(
                ctx,
                tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)),
            )
            .await?;
            return Err(TransportError::TimedOut);
        }
    }
    guarded(ctx, tokio::time::sleep(delay)).await
}

/// Sends the request `make` builds, retrying 429 answers, and when `idempotent` also 5xx
/// answers and dropped connections, under `policy`. `make` is called once per attempt, so a
/// streamed body is re-opened each time. Returns the last answer whatever its status; the
/// caller maps non-2xx answers to its store's errors.
pub async fn send_with_retry<F>(
    ctx: &BuildContext,
    policy: &RetryPolicy,
    idempotent: bool,
    endpoint: &str,
    mut make: F,
) -> Result<Response, TransportError>
where
    F: FnMut() -> reqwest::RequestBuilder,
{
    send_with_retry_async(ctx, policy, idempotent, endpoint, || {
        let request = make();
        async move { Ok::<_, TransportError>(request) }
    })
    .await
    .map_err(|e| match e {
        RetryError::Transport(t) => t,
        RetryError::Make(t) => t,
    })
}

/// Why [`send_with_retry_async`] gave up: the transport, or the caller's request builder.
#[derive(Debug)]
pub enum RetryError<E> {
    /// Network, cancellation or deadline.
    Transport(TransportError),
    /// The request builder failed (e.g. the file to stream could not be opened).
    Make(E),
}

/// [`send_with_retry`] with a request builder that may await (open a file to stream) and fail.
pub async fn send_with_retry_async<F, Fut, E>(
    ctx: &BuildContext,
    policy: &RetryPolicy,
    idempotent: bool,
    endpoint: &str,
    mut make: F,
) -> Result<Response, RetryError<E>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<reqwest::RequestBuilder, E>>,
{
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let last = attempt >= policy.max_attempts.max(1);
        let request = make().await.map_err(RetryError::Make)?;
        let sent = guarded(ctx, request.send())
            .await
            .map_err(RetryError::Transport)?;
        match sent {
            // A POST answered 5xx may have been carried out: only a 429 (refused before any
            // work) is safe to send again.
            Ok(response)
                if is_retryable(response.status())
                    && (idempotent || response.status() == StatusCode::TOO_MANY_REQUESTS)
                    && !last =>
            {
                let wait = policy.delay(attempt, server_backoff(&response));
                tracing::debug!(
                    endpoint,
                    status = response.status().as_u16(),
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    "retrying"
                );
                drop(response);
                sleep(ctx, wait).await.map_err(RetryError::Transport)?;
            }
            Ok(response) => return Ok(response),
            Err(e) => {
                // Without the URL: a resumable session URI is a credential for its upload.
                let e = e.without_url();
                if idempotent && !last && (e.is_connect() || e.is_request() || e.is_timeout()) {
                    let wait = policy.delay(attempt, None);
                    tracing::debug!(endpoint, attempt, error = %e, "retrying after a network error");
                    sleep(ctx, wait).await.map_err(RetryError::Transport)?;
                } else {
                    return Err(RetryError::Transport(TransportError::Network {
                        endpoint: endpoint.to_owned(),
                        source: e,
                    }));
                }
            }
        }
    }
}

/// The shared HTTP client: rustls, no proxy discovery beyond reqwest's defaults, a connect
/// timeout so a black-holed host fails instead of hanging.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .user_agent(concat!("nativiweb-store/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Reads a whole (small, JSON) answer body as text, without the URL in its error.
pub async fn read_text(response: Response) -> Result<String, reqwest::Error> {
    response.text().await.map_err(|e| e.without_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_moves_every_host_and_keeps_path_and_query() {
        let e = Endpoint::override_with("http://127.0.0.1:9/proxy/").unwrap();
        let u = e.resolve("https://upload.example.com/a/b?x=1&y=2").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/proxy/a/b?x=1&y=2");
        let real = Endpoint::real().resolve("https://h.example/p").unwrap();
        assert_eq!(real.as_str(), "https://h.example/p");
        assert!(Endpoint::override_with("ftp://x").is_err());
    }

    #[test]
    fn backoff_reads_retry_after_and_the_spent_hourly_budget() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let mut h = HeaderMap::new();
        assert_eq!(backoff_from_headers(&h), None);
        h.insert(
            "x-rate-limit",
            HeaderValue::from_static("user-hour-lim:3500;user-hour-rem:12;"),
        );
        assert_eq!(
            backoff_from_headers(&h),
            None,
            "budget left: no forced wait"
        );
        h.insert(
            "x-rate-limit",
            HeaderValue::from_static("user-hour-lim:3500;user-hour-rem:0;"),
        );
        assert_eq!(backoff_from_headers(&h), Some(Duration::from_secs(60)));
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(
            backoff_from_headers(&h),
            Some(Duration::from_secs(7)),
            "Retry-After wins"
        );
    }

    #[test]
    fn delays_grow_are_capped_and_honour_the_server() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let d1 = p.delay(1, None);
        assert!(
            d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(150),
            "{d1:?}"
        );
        let d3 = p.delay(3, None);
        assert!(
            d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(600),
            "{d3:?}"
        );
        assert_eq!(p.delay(9, None), Duration::from_secs(1));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(30))),
            Duration::from_secs(1)
        );
    }
}
