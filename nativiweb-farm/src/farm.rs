//! [`Farm`]: a handle on the farm's Redis for clients (submit, status, cancel, follow) and for
//! workers (take, heartbeat, update, finish). Cheap to clone; every clone shares one
//! multiplexed connection that reconnects by itself after Redis restarts.

use std::time::Duration;

use nativiweb_core::model::{BuildStatus, Platform};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{FarmError, Result};
use crate::job::{BuildId, JobRequest, Priority};
use crate::keys::{Keys, GROUP};
use crate::record::{is_final, status_str, DeploymentRecord};
use crate::scripts::Scripts;

/// How long records and event streams stay in Redis after a build ends.
pub const RESULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The most events a build's stream keeps (older ones are trimmed; the log file has all).
pub const EVENTS_MAXLEN: usize = 5_000;

/// One event of a build's stream: its stream id (also the SSE event id, to resume from) and
/// its JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FarmEvent {
    /// The Redis stream id (`1700000000000-0`), increasing.
    pub id: String,
    /// The event: a pipeline event (`{"event":"log",…}`) or a status change
    /// (`{"event":"status","status":"building",…}`).
    pub event: serde_json::Value,
}

impl FarmEvent {
    /// The status this event announces, when it is a status change.
    pub fn status(&self) -> Option<BuildStatus> {
        if self.event.get("event")?.as_str()? != "status" {
            return None;
        }
        serde_json::from_value(self.event.get("status")?.clone()).ok()
    }
}

/// What `cancel` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelOutcome {
    /// It was queued: it is cancelled now and will never start.
    Cancelled,
    /// It is running: its worker was told and stops its tools within a second.
    Stopping,
    /// It had already ended, with this status.
    AlreadyFinished(BuildStatus),
}

/// A queue's depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDepth {
    /// The platform.
    pub platform: Platform,
    /// The priority.
    pub priority: Priority,
    /// Jobs waiting for a worker.
    pub waiting: u64,
    /// Jobs a worker holds (running, or about to be reclaimed).
    pub running: u64,
}

/// A handle on the farm's Redis.
#[derive(Clone)]
pub struct Farm {
    pub(crate) client: redis::Client,
    pub(crate) con: ConnectionManager,
    pub(crate) keys: Keys,
    pub(crate) scripts: Scripts,
    url_for_display: String,
}

impl std::fmt::Debug for Farm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Farm")
            .field("redis", &self.url_for_display)
            .field("keys", &self.keys)
            .finish()
    }
}

/// A Redis URL with its password masked, for messages.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl Farm {
    /// Connects to the farm's Redis at `url` (`redis://[:PASSWORD@]HOST:PORT[/DB]`,
    /// `rediss://` for TLS is not compiled in) under the default namespace, and makes the
    /// queues' consumer groups.
    ///
    /// # Errors
    /// [`FarmError::Redis`] when the URL is wrong or Redis does not answer.
    pub async fn connect(url: &str) -> Result<Farm> {
        Farm::connect_with(url, Keys::default()).await
    }

    /// Like [`Farm::connect`], with the keys under another namespace.
    ///
    /// # Errors
    /// As [`Farm::connect`].
    pub async fn connect_with(url: &str, keys: Keys) -> Result<Farm> {
        let shown = redact_url(url);
        let client = redis::Client::open(url)
            .map_err(|e| FarmError::redis(format!("opening {shown}"), e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(1));
        let con = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|e| FarmError::redis(format!("connecting to {shown}"), e))?;
        let farm = Farm {
            client,
            con,
            keys,
            scripts: Scripts::default(),
            url_for_display: shown,
        };
        farm.ensure_groups().await?;
        Ok(farm)
    }

    /// The key names.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The Redis URL, password masked.
    pub fn redis_display(&self) -> &str {
        &self.url_for_display
    }

    /// Makes every queue's stream and consumer group (idempotent; again after a Redis that
    /// lost its data restarts).
    ///
    /// # Errors
    /// Redis errors other than "the group exists".
    pub async fn ensure_groups(&self) -> Result<()> {
        let mut con = self.con.clone();
        for platform in [Platform::Android, Platform::Ios] {
            for priority in Priority::ALL {
                let key = self.keys.queue(platform, priority);
                let r: redis::RedisResult<Value> = redis::cmd("XGROUP")
                    .arg("CREATE")
                    .arg(&key)
                    .arg(GROUP)
                    .arg("0")
                    .arg("MKSTREAM")
                    .query_async(&mut con)
                    .await;
                match r {
                    Ok(_) => {}
                    Err(e) if e.to_string().contains("BUSYGROUP") => {}
                    Err(e) => return Err(FarmError::redis(format!("creating group on {key}"), e)),
                }
            }
        }
        Ok(())
    }

    /// Queues `job` and returns its record (status `queued`). Returns at once: a worker that
    /// waits on the queue takes it within milliseconds.
    ///
    /// # Errors
    /// [`FarmError::BadRequest`] from [`JobRequest::validate`]; Redis errors.
    pub async fn submit(&self, job: &JobRequest) -> Result<DeploymentRecord> {
        self.submit_as(BuildId::generate(), job).await
    }

    /// Like [`Farm::submit`] under an id chosen by the caller (one it already used for the
    /// upload's key). Submitting an id twice is refused.
    ///
    /// # Errors
    /// As [`Farm::submit`]; [`FarmError::BadRequest`] when the id exists.
    pub async fn submit_as(&self, id: BuildId, job: &JobRequest) -> Result<DeploymentRecord> {
        job.validate()?;
        let record = DeploymentRecord::queued(id.clone(), job);
        let event = status_event(&record);
        let mut con = self.con.clone();
        let created: i64 = self
            .scripts
            .submit
            .key(self.keys.build(id.as_str()))
            .key(self.keys.queue(job.platform, job.priority))
            .key(self.keys.events(id.as_str()))
            .key(self.keys.stats())
            .arg(to_json(job))
            .arg(to_json(&record))
            .arg(id.as_str())
            .arg(EVENTS_MAXLEN)
            .arg(event)
            .arg(job.platform.as_str())
            .invoke_async(&mut con)
            .await
            .map_err(|e| FarmError::redis(format!("submitting {id}"), e))?;
        if created == 0 {
            return Err(FarmError::BadRequest(format!("build id {id} exists")));
        }
        Ok(record)
    }

    /// The build's record, or `None` when there is none (never submitted, or expired).
    ///
    /// # Errors
    /// Redis errors; [`FarmError::Corrupt`] when the stored record does not parse.
    pub async fn record(&self, id: &BuildId) -> Result<Option<DeploymentRecord>> {
        let mut con = self.con.clone();
        let raw: Option<String> = redis::cmd("HGET")
            .arg(self.keys.build(id.as_str()))
            .arg("record")
            .query_async(&mut con)
            .await
            .map_err(|e| FarmError::redis(format!("reading {id}"), e))?;
        raw.map(|r| parse_record(id.as_str(), &r)).transpose()
    }

    /// Cancels a build: a queued one never starts; a running one's worker kills its tools
    /// (it checks several times a second) and records it `cancelled`.
    ///
    /// # Errors
    /// [`FarmError::NotFound`]; Redis errors.
    pub async fn cancel(&self, id: &BuildId) -> Result<CancelOutcome> {
        for _ in 0..20 {
            let Some(read) = self.record(id).await? else {
                return Err(FarmError::NotFound(id.to_string()));
            };
            if read.is_final() {
                return Ok(CancelOutcome::AlreadyFinished(read.status));
            }
            let mut new = read.clone();
            new.error = Some("cancelled before it started".into());
            new.error_kind = Some(nativiweb_core::model::ErrorKind::Cancelled);
            new.finish(BuildStatus::Cancelled);
            let mut con = self.con.clone();
            let outcome: String = self
                .scripts
                .cancel
                .key(self.keys.build(id.as_str()))
                .key(self.keys.events(id.as_str()))
                .key(self.keys.stats())
                .arg(to_json(&read))
                .arg(to_json(&new))
                .arg(status_event(&new))
                .arg(EVENTS_MAXLEN)
                .arg(RESULT_TTL.as_secs())
                .arg(new.platform.as_str())
                .invoke_async(&mut con)
                .await
                .map_err(|e| FarmError::redis(format!("cancelling {id}"), e))?;
            match outcome.as_str() {
                "missing" => return Err(FarmError::NotFound(id.to_string())),
                "queued" => return Ok(CancelOutcome::Cancelled),
                "running" => return Ok(CancelOutcome::Stopping),
                "done" => {
                    let status = self
                        .record(id)
                        .await?
                        .map_or(BuildStatus::Cancelled, |r| r.status);
                    return Ok(CancelOutcome::AlreadyFinished(status));
                }
                _ => continue, // the record changed under us: read it again
            }
        }
        Err(FarmError::Worker(format!(
            "cancelling {id}: its record kept changing; try again"
        )))
    }

    /// The build's events after stream id `after` (all of them for `None`), waiting up to
    /// `block` for the first one when there are none yet. At most `count`.
    ///
    /// # Errors
    /// Redis errors.
    pub async fn events(
        &self,
        id: &BuildId,
        after: Option<&str>,
        block: Option<Duration>,
        count: usize,
    ) -> Result<Vec<FarmEvent>> {
        let mut con = match block {
            // A blocking read holds its connection: never the shared one.
            Some(_) => self.blocking_connection().await?,
            None => self.con.clone(),
        };
        self.read_events(&mut con, id, after, block, count).await
    }

    /// [`Farm::events`] on a connection the caller keeps (a follower's or an SSE stream's own
    /// blocking connection, made once rather than per read).
    pub(crate) async fn read_events(
        &self,
        con: &mut ConnectionManager,
        id: &BuildId,
        after: Option<&str>,
        block: Option<Duration>,
        count: usize,
    ) -> Result<Vec<FarmEvent>> {
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT").arg(count.max(1));
        if let Some(b) = block {
            cmd.arg("BLOCK").arg(b.as_millis().max(1) as u64);
        }
        cmd.arg("STREAMS")
            .arg(self.keys.events(id.as_str()))
            .arg(after.unwrap_or("0-0"));
        let reply: Value = cmd
            .query_async(con)
            .await
            .map_err(|e| FarmError::redis(format!("reading events of {id}"), e))?;
        let mut out = Vec::new();
        for (_, entries) in parse_streams(&reply) {
            for (entry_id, fields) in entries {
                if let Some(raw) = fields.get("e") {
                    let event = serde_json::from_str(raw).unwrap_or(serde_json::Value::Null);
                    out.push(FarmEvent {
                        id: entry_id,
                        event,
                    });
                }
            }
        }
        Ok(out)
    }

    /// A connection of its own for blocking reads, with a response timeout longer than any
    /// block the farm asks for.
    pub(crate) async fn blocking_connection(&self) -> Result<ConnectionManager> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(35)))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(1));
        ConnectionManager::new_with_config(self.client.clone(), config)
            .await
            .map_err(|e| FarmError::redis(format!("connecting to {}", self.url_for_display), e))
    }

    /// Waits until the build ends (following its events) and returns its final record;
    /// `on_event` sees every event on the way, from the first.
    ///
    /// # Errors
    /// [`FarmError::NotFound`]; Redis errors (retried for about a minute: a restarting Redis
    /// is waited for).
    pub async fn follow(
        &self,
        id: &BuildId,
        mut on_event: impl FnMut(&FarmEvent),
    ) -> Result<DeploymentRecord> {
        let mut after: Option<String> = None;
        let mut failures = 0u32;
        // One blocking connection for the whole follow (made again after an error).
        let mut con: Option<ConnectionManager> = None;
        loop {
            let read = match &mut con {
                Some(c) => Ok(c),
                None => self.blocking_connection().await.map(|c| con.insert(c)),
            };
            let read = match read {
                Ok(c) => {
                    self.read_events(c, id, after.as_deref(), Some(Duration::from_secs(1)), 500)
                        .await
                }
                Err(e) => Err(e),
            };
            if read.is_err() {
                con = None;
            }
            match read {
                Ok(events) => {
                    failures = 0;
                    for e in &events {
                        on_event(e);
                        after = Some(e.id.clone());
                    }
                    // After the final status event, or when the stream is quiet (its events
                    // may have been trimmed or expired), the record says whether it is over.
                    let finished = events.iter().any(|e| e.status().is_some_and(is_final));
                    if finished || events.is_empty() {
                        match self.record(id).await? {
                            Some(r) if r.is_final() => return Ok(r),
                            Some(_) => {}
                            None => return Err(FarmError::NotFound(id.to_string())),
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    if failures > 60 {
                        return Err(e);
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Each queue's depth: jobs waiting and jobs held by workers.
    ///
    /// # Errors
    /// Redis errors.
    pub async fn queue_depths(&self) -> Result<Vec<QueueDepth>> {
        let mut con = self.con.clone();
        let mut out = Vec::new();
        for platform in [Platform::Android, Platform::Ios] {
            for priority in Priority::ALL {
                let key = self.keys.queue(platform, priority);
                let reply: Value = redis::cmd("XINFO")
                    .arg("GROUPS")
                    .arg(&key)
                    .query_async(&mut con)
                    .await
                    .unwrap_or(Value::Nil);
                let (mut waiting, mut running) = (0, 0);
                if let Value::Array(groups) = reply {
                    for g in groups {
                        let map = value_map(&g);
                        if map.get("name").map(String::as_str) == Some(GROUP) {
                            waiting = map.get("lag").and_then(|v| v.parse().ok()).unwrap_or(0);
                            running = map.get("pending").and_then(|v| v.parse().ok()).unwrap_or(0);
                        }
                    }
                }
                out.push(QueueDepth {
                    platform,
                    priority,
                    waiting,
                    running,
                });
            }
        }
        Ok(out)
    }
}

/// The JSON of a status-change event for `record`.
pub(crate) fn status_event(record: &DeploymentRecord) -> String {
    serde_json::json!({
        "event": "status",
        "status": status_str(record.status),
        "at": OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "worker": record.worker,
        "attempt": record.attempts,
        "error": record.error,
    })
    .to_string()
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Our own types always serialize.
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

pub(crate) fn parse_record(id: &str, raw: &str) -> Result<DeploymentRecord> {
    serde_json::from_str(raw).map_err(|e| FarmError::Corrupt {
        id: id.to_owned(),
        what: "record",
        detail: e.to_string(),
    })
}

/// A stream entry: its id and its fields.
pub(crate) type Entry = (String, std::collections::BTreeMap<String, String>);

/// The entries of an XREAD / XREADGROUP reply, by stream.
pub(crate) fn parse_streams(reply: &Value) -> Vec<(String, Vec<Entry>)> {
    let mut out = Vec::new();
    let streams: Vec<(&Value, &Value)> = match reply {
        Value::Array(items) => items
            .iter()
            .filter_map(|s| match s {
                Value::Array(pair) if pair.len() == 2 => Some((&pair[0], &pair[1])),
                _ => None,
            })
            .collect(),
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        _ => Vec::new(),
    };
    for (name, entries) in streams {
        out.push((value_string(name), parse_entries(entries)));
    }
    out
}

/// The entries of a list of `[id, [field, value, …]]` (deleted entries, whose fields are nil,
/// come back with no fields).
pub(crate) fn parse_entries(entries: &Value) -> Vec<Entry> {
    let mut out = Vec::new();
    if let Value::Array(items) = entries {
        for item in items {
            if let Value::Array(pair) = item {
                if pair.is_empty() {
                    continue;
                }
                let id = value_string(&pair[0]);
                let fields = pair.get(1).map(value_map).unwrap_or_default();
                out.push((id, fields));
            }
        }
    }
    out
}

/// A flat `[k, v, k, v…]` array or a RESP3 map as strings.
pub(crate) fn value_map(v: &Value) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    match v {
        Value::Array(items) => {
            for kv in items.chunks(2) {
                if let [k, v] = kv {
                    map.insert(value_string(k), value_string(v));
                }
            }
        }
        Value::Map(pairs) => {
            for (k, v) in pairs {
                map.insert(value_string(k), value_string(v));
            }
        }
        _ => {}
    }
    map
}

/// A Redis value as text (numbers in decimal; nil and arrays as empty).
pub(crate) fn value_string(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Okay => "OK".into(),
        Value::Double(d) => d.to_string(),
        _ => String::new(),
    }
}
