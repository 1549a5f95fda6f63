//! `GET /v1/builds/{id}/logs`: a build's events, live, as Server-Sent Events.
//!
//! Each event of the build's Redis stream becomes one SSE event: `id:` is its stream id,
//! `event:` its `event` field (`log`, `step_started`, `status`, …) and `data:` its JSON. A
//! client that reconnects with `Last-Event-ID` gets exactly the events after that id. The
//! stream ends after the build's final status event (success, failed, cancelled); while it
//! waits, a task reads the stream with blocking `XREAD`s — as [`crate::Farm::events`] does, but
//! on one connection of its own for the whole response rather than a new one per read, since a
//! running build's events return every read at once — and the response sends a keep-alive
//! comment every 15 seconds so that proxies keep it open.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::error::ApiError;
use super::routes::build_id;
use super::AppState;
use crate::farm::FarmEvent;
use crate::job::BuildId;
use crate::record::is_final;

/// How many events one read takes.
const BATCH: usize = 500;

/// How many Redis failures in a row end the stream (one a second: about a minute).
const MAX_FAILURES: u32 = 60;

/// `GET /v1/builds/{id}/logs`.
pub(crate) async fn logs(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = build_id(&id)?;
    let after = match headers.get("last-event-id") {
        None => None,
        Some(v) => {
            let s = v.to_str().unwrap_or("").trim();
            if !is_stream_id(s) {
                return Err(ApiError::bad_request(
                    "Last-Event-ID must be an event id this API sent (like 1700000000000-0)",
                ));
            }
            Some(s.to_owned())
        }
    };
    if state.farm.record(&id).await?.is_none() {
        return Err(crate::FarmError::NotFound(id.to_string()).into());
    }
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(64);
    tokio::spawn(pump(state, id, after, tx));
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// `MS-SEQ`, both decimal.
fn is_stream_id(s: &str) -> bool {
    match s.split_once('-') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.len() <= 20
                && b.len() <= 20
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Reads the build's events and sends them until the final status, the client leaving, or
/// the server shutting down.
async fn pump(
    state: Arc<AppState>,
    id: BuildId,
    mut after: Option<String>,
    tx: mpsc::Sender<Result<Event, Infallible>>,
) {
    let mut failures = 0u32;
    let mut con = None;
    loop {
        let read = tokio::select! {
            r = read_blocking(&state, &mut con, &id, after.as_deref()) => r,
            _ = state.shutdown.cancelled() => return,
            _ = tx.closed() => return,
        };
        let events = match read {
            Ok(events) => {
                failures = 0;
                events
            }
            Err(e) => {
                con = None;
                failures += 1;
                if failures > MAX_FAILURES {
                    let _ = tx.send(Ok(error_event(&e.to_string()))).await;
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if events.is_empty() {
            // Nothing new: has the build ended (its final event sent before we came back, or
            // its record expired)? An event appended between the read and this check is
            // picked up by one more read.
            match state.farm.record(&id).await {
                Ok(Some(r)) if !r.is_final() => continue,
                Ok(None) => return,
                Ok(Some(_)) => {
                    match state.farm.events(&id, after.as_deref(), None, BATCH).await {
                        Ok(rest) if !rest.is_empty() => {
                            let _ = send_all(&tx, &rest, &mut after).await;
                        }
                        _ => {}
                    }
                    return;
                }
                Err(_) => continue,
            }
        }
        if send_all(&tx, &events, &mut after).await {
            return;
        }
    }
}

/// The events after `after`, waiting up to the server's block time for the first, on this
/// stream's own connection (made on first use, again after an error).
async fn read_blocking(
    state: &AppState,
    con: &mut Option<redis::aio::ConnectionManager>,
    id: &BuildId,
    after: Option<&str>,
) -> crate::Result<Vec<FarmEvent>> {
    let c = match con {
        Some(c) => c,
        None => con.insert(state.farm.blocking_connection().await?),
    };
    state
        .farm
        .read_events(c, id, after, Some(state.sse_block), BATCH)
        .await
}

/// Sends `events`; true when the stream is over (the final status sent, or the client left).
async fn send_all(
    tx: &mpsc::Sender<Result<Event, Infallible>>,
    events: &[FarmEvent],
    after: &mut Option<String>,
) -> bool {
    for e in events {
        if tx.send(Ok(to_sse(e))).await.is_err() {
            return true;
        }
        *after = Some(e.id.clone());
        if e.status().is_some_and(is_final) {
            return true;
        }
    }
    false
}

/// One farm event as an SSE event.
fn to_sse(e: &FarmEvent) -> Event {
    let name = e
        .event
        .get("event")
        .and_then(|v| v.as_str())
        .filter(|n| {
            !n.is_empty()
                && n.len() <= 64
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .unwrap_or("message");
    Event::default()
        .id(e.id.clone())
        .event(name)
        .data(serde_json::to_string(&e.event).unwrap_or_else(|_| "null".into()))
}

fn error_event(message: &str) -> Event {
    Event::default().event("error").data(
        serde_json::json!({ "event": "error", "error": { "code": "unavailable", "message": message } })
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_are_checked() {
        assert!(is_stream_id("1700000000000-0"));
        assert!(!is_stream_id("1700000000000"));
        assert!(!is_stream_id("a-1"));
        assert!(!is_stream_id("1-\n"));
    }
}
