//! The worker: takes jobs from its platforms' queues, builds each with the [`Pipeline`], and
//! writes what happened to Redis, the object store and the webhooks.
//!
//! **Delivery.** Jobs are entries of Redis streams read through one consumer group: an entry a
//! worker read stays in the group's pending list, owned by that worker, until the worker acks
//! it at the build's end. A running build's worker resets the entry's idle time every
//! `visibility_timeout / 3` (`XCLAIM … JUSTID`, the heartbeat); an entry idle longer than
//! `visibility_timeout` belongs to a dead worker, and another worker takes it over with
//! `XAUTOCLAIM` and runs the build again. Every write about a build is fenced by the attempt
//! its start got (see [`crate::scripts`]), so the first worker, if it was only paused, can no
//! longer write anything; artifacts go to fixed keys (`apps/{app}/{build}/{name}`), so a
//! second run replaces, never duplicates, them.
//!
//! **Retries.** Only failures that are not the input's fault (`error_kind = failed`) and lost
//! workers are retried, up to `max_attempts` runs in all; a job that exhausts them goes to the
//! dead-letter stream. Input errors, timeouts and cancels end the build at once.
//!
//! **Shutdown.** On its token (SIGTERM in the CLI) the worker takes nothing more, lets running
//! builds finish for `shutdown_grace`, then stops them and hands their jobs back to the queue
//! (not counted as a failure).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nativiweb_core::config::PartialAppConfig;
use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::model::{BuildReport, BuildStatus, ErrorKind, Platform, Step};
use nativiweb_core::sandbox::scan::SourceScanner;
use nativiweb_core::sandbox::{Limits, Network, SandboxPolicy, SandboxStatus};
use nativiweb_core::sink::ObjectStoreSink;
use nativiweb_core::source::{GitRef, GitSource, ZipLimits, ZipSource};
use nativiweb_core::{Pipeline, ProjectSource};
use redis::aio::ConnectionManager;
use redis::Value;
use time::OffsetDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::backends::Backends;
use crate::error::{FarmError, Result};
use crate::farm::{
    parse_record, parse_streams, status_event, to_json, value_string, Farm, EVENTS_MAXLEN,
    RESULT_TTL,
};
use crate::job::{BuildId, JobRequest, JobSource, Priority};
use crate::keys::GROUP;
use crate::metrics;
use crate::record::{status_str, DeploymentRecord, RecordArtifact};
use crate::signing::SigningProfiles;
use crate::webhook::Webhooks;

/// How long pre-signed artifact URLs in records stay valid.
const PRESIGNED_FOR: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How often a running build's worker looks for a cancel and for a takeover.
const CANCEL_POLL: Duration = Duration::from_millis(200);

/// The limits of every tool of a farm build, as the seeds' farms set them: 4 GiB of address
/// space and 30 minutes of CPU per process, 4096 processes, 8 GiB files (Node, npm and the JDK
/// start fine under 4 GiB).
pub fn default_limits() -> Limits {
    Limits {
        address_space: Some(4 << 30),
        cpu_seconds: Some(30 * 60),
        processes: Some(4096),
        file_size: Some(8 << 30),
    }
}

/// A worker's settings.
pub struct WorkerConfig {
    /// This worker's name in records and metrics (default: host-pid).
    pub id: String,
    /// The platforms whose queues it takes.
    pub queues: Vec<Platform>,
    /// How many builds at once.
    pub concurrency: usize,
    /// Where artifacts, logs, records and uploads live.
    pub storage: ObjectStoreSink,
    /// Where builds' work dirs go (the system temp dir when `None`).
    pub work_root: Option<PathBuf>,
    /// The signing profiles jobs may name.
    pub profiles: Arc<SigningProfiles>,
    /// The sandbox every build's tools run in, with its limits ([`default_limits`]).
    pub sandbox: SandboxPolicy,
    /// The install step's network (the package registries through the proxy).
    pub install_network: Network,
    /// Run builds unsandboxed when the sandbox is unavailable (recorded in each record).
    pub allow_unsandboxed: bool,
    /// Scanners run on every source before any of its code runs (made per build).
    pub scanners: Arc<dyn Fn() -> Vec<Box<dyn SourceScanner>> + Send + Sync>,
    /// An entry idle this long belongs to a dead worker and is taken over.
    pub visibility_timeout: Duration,
    /// Runs per job at most (first run, retries and takeovers together).
    pub max_attempts: u32,
    /// On shutdown, how long running builds may go on before they are handed back.
    pub shutdown_grace: Duration,
    /// Limits of uploaded ZIPs.
    pub zip_limits: ZipLimits,
    /// Largest upload the worker downloads, bytes.
    pub max_upload: u64,
    /// Where status changes are POSTed.
    pub webhooks: Webhooks,
}

impl std::fmt::Debug for WorkerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerConfig")
            .field("id", &self.id)
            .field("queues", &self.queues)
            .field("concurrency", &self.concurrency)
            .field("storage", &self.storage)
            .field("visibility_timeout", &self.visibility_timeout)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl WorkerConfig {
    /// Defaults: both platforms' queues, 1 build at a time, a 60 s visibility timeout, 3 runs
    /// per job, 10 minutes of grace at shutdown, the sandbox required, no webhooks.
    pub fn new(storage: ObjectStoreSink) -> Self {
        WorkerConfig {
            id: default_worker_id(),
            queues: vec![Platform::Android, Platform::Ios],
            concurrency: 1,
            storage,
            work_root: None,
            profiles: Arc::new(SigningProfiles::none()),
            sandbox: SandboxPolicy::new(nativiweb_core::sandbox::SandboxMode::Required)
                .limits(default_limits()),
            install_network: Network::None,
            allow_unsandboxed: false,
            scanners: Arc::new(Vec::new),
            visibility_timeout: Duration::from_secs(60),
            max_attempts: 3,
            shutdown_grace: Duration::from_secs(600),
            zip_limits: ZipLimits::default(),
            max_upload: 1 << 30,
            webhooks: Webhooks::none(),
        }
    }
}

/// `host-pid`, the default worker id.
pub fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// A worker bound to a farm.
#[derive(Debug)]
pub struct Worker {
    farm: Farm,
    config: Arc<WorkerConfig>,
    backends: Arc<dyn Backends>,
    sandboxed: bool,
    running: Arc<std::sync::Mutex<Vec<Running>>>,
}

/// A build this worker is running, for shutdown and metrics.
#[derive(Debug, Clone)]
struct Running {
    id: BuildId,
    cancel: CancellationToken,
    hand_back: Arc<std::sync::atomic::AtomicBool>,
}

/// A queue entry a worker read.
#[derive(Debug, Clone)]
struct Taken {
    stream: String,
    entry: String,
    id: String,
    priority: Priority,
    reclaimed: bool,
}

impl Worker {
    /// A worker for `farm`. Checks at once what would otherwise fail every build: the queues
    /// are platforms the backends build, and the sandbox works here (or `allow_unsandboxed`).
    ///
    /// # Errors
    /// [`FarmError::Worker`] saying what to change.
    pub fn new(farm: Farm, config: WorkerConfig, backends: Arc<dyn Backends>) -> Result<Worker> {
        if config.queues.is_empty() {
            return Err(FarmError::Worker(
                "no queues: give --queues android, ios or both".into(),
            ));
        }
        let can = backends.platforms();
        if let Some(p) = config.queues.iter().find(|p| !can.contains(p)) {
            return Err(FarmError::Worker(format!(
                "this worker cannot build {p} (it builds {}): drop {p} from --queues{}",
                can.iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if *p == Platform::Ios {
                    "; iOS workers run on macOS with Xcode"
                } else {
                    ""
                }
            )));
        }
        let sandboxed = match (config.sandbox.mode, config.sandbox.status()) {
            (nativiweb_core::sandbox::SandboxMode::Off, _) => {
                if !config.allow_unsandboxed {
                    return Err(FarmError::Worker(
                        "the sandbox is off: a farm runs strangers' code, so start the worker with --allow-unsandboxed to run builds unsandboxed (each record says so)".into(),
                    ));
                }
                false
            }
            (_, SandboxStatus::Available { .. }) => true,
            (_, SandboxStatus::Unavailable { reason }) => {
                if !config.allow_unsandboxed {
                    return Err(FarmError::Worker(format!(
                        "builds cannot be sandboxed here ({reason}): install bubblewrap, or start with --allow-unsandboxed to run untrusted builds unsandboxed (each record says so)"
                    )));
                }
                false
            }
        };
        if config.concurrency == 0 {
            return Err(FarmError::Worker("--concurrency must be at least 1".into()));
        }
        Ok(Worker {
            farm,
            config: Arc::new(config),
            backends,
            sandboxed,
            running: Arc::default(),
        })
    }

    /// Whether builds run sandboxed on this worker.
    pub fn sandboxed(&self) -> bool {
        self.sandboxed
    }

    /// This worker's id.
    pub fn id(&self) -> &str {
        &self.config.id
    }

    /// Runs until `shutdown` is cancelled, then finishes or hands back its builds and returns.
    ///
    /// # Errors
    /// Only when the worker cannot start (its blocking Redis connection); Redis errors while
    /// running are retried (a restarting Redis is waited for).
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        let slots = Arc::new(Semaphore::new(self.config.concurrency));
        let mut blocking = self.farm.blocking_connection().await?;
        let mut tasks = tokio::task::JoinSet::new();
        let heartbeat = tokio::spawn(heartbeat_loop(
            self.farm.clone(),
            self.config.clone(),
            self.backends.clone(),
            slots.clone(),
            self.running.clone(),
            shutdown.clone(),
        ));
        let mut last_reclaim = Instant::now();
        let reclaim_every = (self.config.visibility_timeout / 2).max(Duration::from_millis(200));
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            // Wait for a free slot (or shutdown).
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                () = shutdown.cancelled() => break,
            };
            let mut taken = Vec::new();
            if last_reclaim.elapsed() >= reclaim_every {
                last_reclaim = Instant::now();
                match self.reclaim(1 + slots.available_permits()).await {
                    Ok(t) => taken = t,
                    Err(e) => tracing::warn!("reclaiming: {e}"),
                }
            }
            if taken.is_empty() {
                let read = tokio::select! {
                    r = self.take(&mut blocking, reclaim_every.min(Duration::from_secs(1))) => r,
                    () = shutdown.cancelled() => break,
                };
                match read {
                    Ok(t) => {
                        backoff = Duration::from_millis(100);
                        taken = t;
                    }
                    Err(e) => {
                        tracing::warn!("reading the queues: {e}; retrying in {backoff:?}");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(2));
                        if e.to_string().contains("NOGROUP") {
                            let _ = self.farm.ensure_groups().await;
                        }
                        continue;
                    }
                }
            }
            let mut permit = Some(permit);
            for t in taken {
                let p = match permit.take() {
                    Some(p) => p,
                    None => match slots.clone().try_acquire_owned() {
                        Ok(p) => p,
                        Err(_) => {
                            self.release(&t).await;
                            continue;
                        }
                    },
                };
                tasks.spawn(self.clone_parts().run_job(t, p));
            }
            while tasks.try_join_next().is_some() {}
        }
        // Shutdown: let running builds finish for the grace period, then hand them back.
        let grace = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                next = tasks.join_next() => if next.is_none() { break },
                () = &mut grace => {
                    let running = self.running.lock().map(|r| r.clone()).unwrap_or_default();
                    for r in running {
                        r.hand_back.store(true, std::sync::atomic::Ordering::SeqCst);
                        r.cancel.cancel();
                    }
                    while tasks.join_next().await.is_some() {}
                    break;
                }
            }
        }
        heartbeat.abort();
        let mut con = self.farm.con.clone();
        let _: redis::RedisResult<Value> = redis::cmd("HDEL")
            .arg(self.farm.keys.workers())
            .arg(&self.config.id)
            .query_async(&mut con)
            .await;
        self.config.webhooks.flush(Duration::from_secs(5)).await;
        Ok(())
    }

    fn clone_parts(&self) -> JobRunner {
        JobRunner {
            farm: self.farm.clone(),
            config: self.config.clone(),
            backends: self.backends.clone(),
            sandboxed: self.sandboxed,
            running: self.running.clone(),
        }
    }

    /// Reads at most one entry per queue stream, blocking up to `block` when there is none.
    async fn take(&self, con: &mut ConnectionManager, block: Duration) -> Result<Vec<Taken>> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(GROUP)
            .arg(&self.config.id)
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(block.as_millis().max(1) as u64)
            .arg("STREAMS");
        let mut streams = Vec::new();
        for priority in Priority::ALL {
            for platform in &self.config.queues {
                streams.push((self.farm.keys.queue(*platform, priority), priority));
            }
        }
        for (s, _) in &streams {
            cmd.arg(s);
        }
        for _ in &streams {
            cmd.arg(">");
        }
        let reply: Value = cmd
            .query_async(con)
            .await
            .map_err(|e| FarmError::redis("reading the queues", e))?;
        let mut out = Vec::new();
        for (stream, entries) in parse_streams(&reply) {
            let priority = streams
                .iter()
                .find(|(s, _)| *s == stream)
                .map_or(Priority::Normal, |(_, p)| *p);
            for (entry, fields) in entries {
                out.push(Taken {
                    stream: stream.clone(),
                    entry,
                    id: fields.get("id").cloned().unwrap_or_default(),
                    priority,
                    reclaimed: false,
                });
            }
        }
        out.sort_by_key(|t| t.priority != Priority::High);
        Ok(out)
    }

    /// Takes over entries idle past the visibility timeout (their workers are gone).
    async fn reclaim(&self, max: usize) -> Result<Vec<Taken>> {
        let mut con = self.farm.con.clone();
        let mut out = Vec::new();
        'queues: for priority in Priority::ALL {
            for platform in &self.config.queues {
                if out.len() >= max {
                    break 'queues;
                }
                let stream = self.farm.keys.queue(*platform, priority);
                let reply: Value = redis::cmd("XAUTOCLAIM")
                    .arg(&stream)
                    .arg(GROUP)
                    .arg(&self.config.id)
                    .arg(self.config.visibility_timeout.as_millis() as u64)
                    .arg("0-0")
                    .arg("COUNT")
                    .arg(max - out.len())
                    .query_async(&mut con)
                    .await
                    .map_err(|e| FarmError::redis(format!("reclaiming from {stream}"), e))?;
                let Value::Array(parts) = reply else { continue };
                if let Some(entries) = parts.get(1) {
                    for (entry, fields) in crate::farm::parse_entries(entries) {
                        match fields.get("id") {
                            Some(id) => out.push(Taken {
                                stream: stream.clone(),
                                entry,
                                id: id.clone(),
                                priority,
                                reclaimed: true,
                            }),
                            None => {
                                // trimmed or deleted: nothing to run
                                let _: redis::RedisResult<Value> = redis::cmd("XACK")
                                    .arg(&stream)
                                    .arg(GROUP)
                                    .arg(&entry)
                                    .query_async(&mut con)
                                    .await;
                            }
                        }
                    }
                }
            }
        }
        if !out.is_empty() {
            let _: redis::RedisResult<Value> = redis::cmd("HINCRBY")
                .arg(self.farm.keys.stats())
                .arg("reclaimed")
                .arg(out.len())
                .query_async(&mut con)
                .await;
        }
        Ok(out)
    }

    /// Gives an entry it has no room for back to the queue.
    async fn release(&self, t: &Taken) {
        let mut con = self.farm.con.clone();
        let r: redis::RedisResult<Value> = self
            .farm
            .scripts
            .release
            .key(&t.stream)
            .arg(GROUP)
            .arg(&t.entry)
            .arg(&t.id)
            .invoke_async(&mut con)
            .await;
        if let Err(e) = r {
            tracing::warn!(
                "handing back {}: {e} (another worker takes it over after the visibility timeout)",
                t.id
            );
        }
    }
}

/// What one job's task needs of its worker.
#[derive(Clone)]
struct JobRunner {
    farm: Farm,
    config: Arc<WorkerConfig>,
    backends: Arc<dyn Backends>,
    sandboxed: bool,
    running: Arc<std::sync::Mutex<Vec<Running>>>,
}

/// How a run ended, for the queue.
enum Ending {
    Finish { dead: Option<String> },
    Requeue { count_failure: bool },
}

impl JobRunner {
    async fn run_job(self, taken: Taken, _permit: OwnedSemaphorePermit) {
        let id = match BuildId::parse(&taken.id) {
            Ok(id) => id,
            Err(_) => {
                self.ack(&taken).await;
                return;
            }
        };
        if let Err(e) = self.run_job_inner(&id, &taken).await {
            tracing::error!("build {id}: {e}");
        }
    }

    async fn run_job_inner(&self, id: &BuildId, taken: &Taken) -> Result<()> {
        let started: Value = retry(|| async {
            let mut con = self.farm.con.clone();
            self.farm
                .scripts
                .start
                .key(self.farm.keys.build(id.as_str()))
                .arg(&self.config.id)
                .arg(&taken.stream)
                .arg(&taken.entry)
                .arg(if taken.reclaimed { "1" } else { "0" })
                .invoke_async(&mut con)
                .await
                .map_err(|e| FarmError::redis(format!("starting {id}"), e))
        })
        .await?;
        let parts: Vec<String> = match &started {
            Value::Array(items) => items.iter().map(value_string).collect(),
            _ => Vec::new(),
        };
        match parts.first().map(String::as_str) {
            Some("run") => {}
            Some("cancel") => {
                let mut record = parse_record(id.as_str(), parts.get(1).map_or("", |s| s))?;
                record.error = Some("cancelled".into());
                record.error_kind = Some(ErrorKind::Cancelled);
                record.finish(BuildStatus::Cancelled);
                self.finish("*", &record, taken, None).await?;
                return Ok(());
            }
            _ => {
                // missing (expired) or already done: a duplicate delivery
                self.ack(taken).await;
                return Ok(());
            }
        }
        let attempt = parts.get(1).cloned().unwrap_or_default();
        let failures: u32 = parts.get(2).and_then(|f| f.parse().ok()).unwrap_or(0);
        let job: JobRequest =
            serde_json::from_str(parts.get(3).map_or("", |s| s)).map_err(|e| {
                FarmError::Corrupt {
                    id: id.to_string(),
                    what: "job",
                    detail: e.to_string(),
                }
            })?;
        let mut record = parse_record(id.as_str(), parts.get(4).map_or("", |s| s))?;
        record.attempts = attempt.parse().unwrap_or(0);
        record.worker = Some(self.config.id.clone());
        if failures >= self.config.max_attempts {
            record.error = Some(format!(
                "its worker was lost {failures} times (killed, out of memory, machine gone): the job went to the dead-letter stream"
            ));
            record.error_kind = Some(ErrorKind::Failed);
            record.finish(BuildStatus::Failed);
            self.finish(&attempt, &record, taken, Some("worker lost too many times"))
                .await?;
            return Ok(());
        }
        record.status = BuildStatus::Building;
        record.started_at = Some(OffsetDateTime::now_utc());
        record.finished_at = None;
        record.duration_ms = None;
        record.error = None;
        record.error_kind = None;
        record.sandboxed = Some(self.sandboxed);
        let storage = self.config.storage.child(&record.object_prefix());
        record.log = Some(storage.location("build.log"));
        if !self.update(&attempt, &record).await? {
            return Ok(()); // another worker has it now
        }

        // Watch for a cancel or a takeover, and keep the entry ours (the heartbeat).
        let cancel = CancellationToken::new();
        let hand_back = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Ok(mut r) = self.running.lock() {
            r.push(Running {
                id: id.clone(),
                cancel: cancel.clone(),
                hand_back: hand_back.clone(),
            });
        }
        let watcher = tokio::spawn(watch(
            self.farm.clone(),
            self.config.clone(),
            id.clone(),
            taken.clone(),
            attempt.clone(),
            cancel.clone(),
            lost.clone(),
        ));

        let outcome = self
            .build(id, &job, &mut record, &storage, cancel.clone())
            .await;
        watcher.abort();
        if let Ok(mut r) = self.running.lock() {
            r.retain(|x| x.id != *id);
        }
        if lost.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(()); // fenced out: the new owner writes the record
        }
        let report = match outcome {
            Ok(report) => report,
            Err(e) => {
                // The worker's own part failed (the upload could not be fetched, the store is
                // down): a failure that is not the input's fault unless it says so.
                let mut report = BuildReport::queued(job.platform);
                report.status = BuildStatus::Failed;
                report.error_kind = Some(if e.is_input() {
                    ErrorKind::Input
                } else {
                    ErrorKind::Failed
                });
                report.error = Some(e.to_string());
                report
            }
        };
        let handed_back = hand_back.load(std::sync::atomic::Ordering::SeqCst);
        record.absorb(&report);
        let ending = if handed_back {
            Ending::Requeue {
                count_failure: false,
            }
        } else if report.status == BuildStatus::Failed
            && report.error_kind == Some(ErrorKind::Failed)
        {
            if failures + 1 < self.config.max_attempts {
                Ending::Requeue {
                    count_failure: true,
                }
            } else {
                Ending::Finish {
                    dead: Some(format!("failed {} times", failures + 1)),
                }
            }
        } else {
            Ending::Finish { dead: None }
        };
        metrics::observe_build(&self.farm, &record).await;
        match ending {
            Ending::Finish { dead } => {
                // record.json beside the artifacts, then the final state in Redis.
                if self.still_ours(id, &attempt).await {
                    let bytes = serde_json::to_vec_pretty(&record).unwrap_or_default();
                    if let Err(e) = storage
                        .put_bytes("record.json", bytes.into(), "application/json")
                        .await
                    {
                        record
                            .warnings
                            .push(format!("record.json could not be stored: {e}"));
                    }
                }
                self.finish(&attempt, &record, taken, dead.as_deref())
                    .await?;
            }
            Ending::Requeue { count_failure } => {
                record.status = BuildStatus::Queued;
                record.finished_at = None;
                self.requeue(&attempt, &record, taken, count_failure)
                    .await?;
            }
        }
        Ok(())
    }

    /// Materializes the source and runs the pipeline, streaming events to Redis and the log.
    async fn build(
        &self,
        id: &BuildId,
        job: &JobRequest,
        record: &mut DeploymentRecord,
        storage: &ObjectStoreSink,
        cancel: CancellationToken,
    ) -> Result<BuildReport> {
        let scratch = tempfile::Builder::new()
            .prefix("nativiweb-job-")
            .tempdir_in(
                self.config
                    .work_root
                    .clone()
                    .unwrap_or_else(std::env::temp_dir),
            )
            .map_err(|e| FarmError::io("making a work dir", std::env::temp_dir(), e))?;
        let source: Box<dyn ProjectSource> = match &job.source {
            JobSource::Git { url, reference } => {
                let mut s = GitSource::new(url.clone());
                if let Some(r) = reference {
                    s = s.with_ref(GitRef::parse(r));
                }
                Box::new(s)
            }
            JobSource::Upload { key, sha256, .. } => {
                let zip = scratch.path().join("source.zip");
                self.config
                    .storage
                    .get_to_file(key, &zip, self.config.max_upload)
                    .await?;
                let got = {
                    let zip = zip.clone();
                    tokio::task::spawn_blocking(move || nativiweb_core::hash::sha256_file(&zip))
                        .await
                        .map_err(|e| FarmError::Worker(format!("hashing the upload: {e}")))?
                        .map_err(|e| FarmError::Worker(format!("hashing the upload: {e}")))?
                        .sha256
                };
                if !got.eq_ignore_ascii_case(sha256) {
                    return Err(FarmError::BadRequest(format!(
                        "the upload {key} has SHA-256 {got}, not the {sha256} the job names: upload it again"
                    )));
                }
                Box::new(ZipSource::new(zip).with_limits(self.config.zip_limits))
            }
        };
        let profile = match &job.signing_profile {
            Some(name) => Some(self.config.profiles.get(name).ok_or_else(|| {
                FarmError::BadRequest(format!(
                    "signing profile `{name}` is not configured on worker {} (it has: {})",
                    self.config.id,
                    self.config.profiles.names().join(", ")
                ))
            })?),
            None => None,
        };
        let builder = self
            .backends
            .builder(job)
            .map_err(|e| FarmError::BadRequest(e.to_string()))?;
        let signer = self
            .backends
            .signer(job, profile)
            .map_err(|e| FarmError::BadRequest(e.to_string()))?;
        let mut pipeline = Pipeline::new(source, builder, Box::new(storage.clone()))
            .platform(job.platform)
            .timeout(job.timeout())
            .work_dir_parent(scratch.path());
        if let Some(signer) = signer {
            pipeline = pipeline.signer(signer);
        }
        if let Some(format) = job.format {
            pipeline = pipeline.format(format);
        }
        if self.sandboxed {
            pipeline = pipeline
                .sandbox(self.config.sandbox.for_new_build())
                .sandbox_network(Step::WebBuild, self.config.install_network.clone());
        }
        for scanner in (self.config.scanners)() {
            pipeline = pipeline.scanner(scanner);
        }
        if job.build_number.is_some() || job.version_name.is_some() {
            pipeline = pipeline.config_overrides(PartialAppConfig {
                build: job.build_number,
                version: job.version_name.clone(),
                ..PartialAppConfig::default()
            });
        }

        // Events: to the build's Redis stream (batched) and to the log file.
        let (events, mut rx) = event_channel();
        let log_path = scratch.path().join("build.log");
        let farm = self.farm.clone();
        let events_key = farm.keys.events(id.as_str());
        let forward = tokio::spawn({
            let log_path = log_path.clone();
            async move {
                use tokio::io::AsyncWriteExt;
                let mut log = tokio::fs::File::create(&log_path).await.ok();
                let mut con = farm.con.clone();
                let mut batch: Vec<Event> = Vec::new();
                while let Some(first) = rx.recv().await {
                    batch.push(first);
                    while let Ok(more) = rx.try_recv() {
                        batch.push(more);
                        if batch.len() >= 256 {
                            break;
                        }
                    }
                    let mut pipe = redis::pipe();
                    let mut text = String::new();
                    for e in batch.drain(..) {
                        if let Event::Log {
                            step,
                            stream,
                            line,
                            at,
                        } = &e
                        {
                            let at = at
                                .format(&time::format_description::well_known::Rfc3339)
                                .unwrap_or_default();
                            text.push_str(&format!(
                                "{at} [{step}] {}: {line}\n",
                                serde_json::to_value(stream)
                                    .ok()
                                    .and_then(|v| v.as_str().map(str::to_owned))
                                    .unwrap_or_default()
                            ));
                        }
                        pipe.cmd("XADD")
                            .arg(&events_key)
                            .arg("MAXLEN")
                            .arg("~")
                            .arg(EVENTS_MAXLEN)
                            .arg("*")
                            .arg("e")
                            .arg(to_json(&e))
                            .ignore();
                    }
                    if let Some(f) = log.as_mut() {
                        let _ = f.write_all(text.as_bytes()).await;
                    }
                    // Live logs are best effort: a Redis hiccup loses lines there, never in the log file.
                    let _: redis::RedisResult<()> = pipe.query_async(&mut con).await;
                }
                if let Some(mut f) = log {
                    let _ = f.flush().await;
                }
            }
        });
        let report = pipeline.run(events, cancel).await;
        let _ = forward.await;
        match storage
            .put_file("build.log", &log_path, "text/plain; charset=utf-8")
            .await
        {
            Ok(_) => {}
            Err(e) => record
                .warnings
                .push(format!("the build log could not be stored: {e}")),
        }
        record.artifacts = Vec::with_capacity(report.artifacts.len());
        for a in &report.artifacts {
            let url = storage
                .presigned_get(&a.name, PRESIGNED_FOR)
                .await
                .ok()
                .flatten();
            record.artifacts.push(RecordArtifact {
                name: a.name.clone(),
                kind: a.kind,
                location: a.location.clone(),
                url,
                size: a.size,
                sha256: a.sha256.clone(),
            });
        }
        Ok(report)
    }

    async fn still_ours(&self, id: &BuildId, attempt: &str) -> bool {
        let mut con = self.farm.con.clone();
        let a: redis::RedisResult<Option<String>> = redis::cmd("HGET")
            .arg(self.farm.keys.build(id.as_str()))
            .arg("attempt")
            .query_async(&mut con)
            .await;
        matches!(a, Ok(Some(a)) if a == attempt)
    }

    /// Runs one of the fenced scripts for `record` (retried while Redis is away) and, when it
    /// took (the attempt is still this worker's), posts the record to the webhooks.
    async fn fenced(
        &self,
        what: &str,
        script: &redis::Script,
        record: &DeploymentRecord,
        keys: &[&str],
        args: &[&str],
    ) -> Result<bool> {
        let id = record.id.as_str();
        let ok: i64 = retry(|| async {
            let mut con = self.farm.con.clone();
            let mut call = script.prepare_invoke();
            for k in keys {
                call.key(*k);
            }
            for a in args {
                call.arg(*a);
            }
            call.invoke_async(&mut con)
                .await
                .map_err(|e| FarmError::redis(format!("{what} {id}"), e))
        })
        .await?;
        if ok == 1 {
            self.config.webhooks.send(record);
        }
        Ok(ok == 1)
    }

    async fn update(&self, attempt: &str, record: &DeploymentRecord) -> Result<bool> {
        let id = record.id.as_str();
        let keys = [self.farm.keys.build(id), self.farm.keys.events(id)];
        let (json, event) = (to_json(record), status_event(record));
        let maxlen = EVENTS_MAXLEN.to_string();
        self.fenced(
            "updating",
            &self.farm.scripts.update,
            record,
            &[&keys[0], &keys[1]],
            &[attempt, &json, status_str(record.status), &event, &maxlen],
        )
        .await
    }

    async fn finish(
        &self,
        attempt: &str,
        record: &DeploymentRecord,
        taken: &Taken,
        dead: Option<&str>,
    ) -> Result<bool> {
        let id = record.id.as_str();
        let k = &self.farm.keys;
        let keys = [
            k.build(id),
            k.events(id),
            taken.stream.clone(),
            k.stats(),
            k.dead(),
        ];
        let (json, event) = (to_json(record), status_event(record));
        let (maxlen, ttl) = (EVENTS_MAXLEN.to_string(), RESULT_TTL.as_secs().to_string());
        self.fenced(
            "finishing",
            &self.farm.scripts.finish,
            record,
            &[&keys[0], &keys[1], &keys[2], &keys[3], &keys[4]],
            &[
                attempt,
                &json,
                status_str(record.status),
                &event,
                &maxlen,
                GROUP,
                &taken.entry,
                &ttl,
                record.platform.as_str(),
                dead.unwrap_or(""),
                id,
            ],
        )
        .await
    }

    async fn requeue(
        &self,
        attempt: &str,
        record: &DeploymentRecord,
        taken: &Taken,
        count_failure: bool,
    ) -> Result<bool> {
        let id = record.id.as_str();
        let k = &self.farm.keys;
        let keys = [k.build(id), k.events(id), taken.stream.clone()];
        let (json, event) = (to_json(record), status_event(record));
        let maxlen = EVENTS_MAXLEN.to_string();
        self.fenced(
            "requeueing",
            &self.farm.scripts.requeue,
            record,
            &[&keys[0], &keys[1], &keys[2]],
            &[
                attempt,
                &json,
                &event,
                &maxlen,
                GROUP,
                &taken.entry,
                id,
                if count_failure { "1" } else { "0" },
            ],
        )
        .await
    }

    async fn ack(&self, taken: &Taken) {
        let mut con = self.farm.con.clone();
        let _: redis::RedisResult<Value> = redis::cmd("XACK")
            .arg(&taken.stream)
            .arg(GROUP)
            .arg(&taken.entry)
            .query_async(&mut con)
            .await;
    }
}

/// While a build runs: cancel it when asked or when another worker took it over, and keep its
/// queue entry from looking idle.
async fn watch(
    farm: Farm,
    config: Arc<WorkerConfig>,
    id: BuildId,
    taken: Taken,
    attempt: String,
    cancel: CancellationToken,
    lost: Arc<std::sync::atomic::AtomicBool>,
) {
    let heartbeat_every = (config.visibility_timeout / 3).max(Duration::from_millis(100));
    let mut last_beat = Instant::now();
    let key = farm.keys.build(id.as_str());
    loop {
        tokio::time::sleep(CANCEL_POLL).await;
        let mut con = farm.con.clone();
        let state: redis::RedisResult<(Option<String>, Option<String>)> = redis::cmd("HMGET")
            .arg(&key)
            .arg("cancel")
            .arg("attempt")
            .query_async(&mut con)
            .await;
        if let Ok((flag, current)) = state {
            if current.as_deref().is_some_and(|c| c != attempt) {
                lost.store(true, std::sync::atomic::Ordering::SeqCst);
                cancel.cancel();
                return;
            }
            if flag.as_deref() == Some("1") {
                cancel.cancel();
            }
        }
        if last_beat.elapsed() >= heartbeat_every {
            let r: redis::RedisResult<Value> = redis::cmd("XCLAIM")
                .arg(&taken.stream)
                .arg(GROUP)
                .arg(&config.id)
                .arg(0)
                .arg(&taken.entry)
                .arg("JUSTID")
                .query_async(&mut con)
                .await;
            if r.is_ok() {
                last_beat = Instant::now();
            }
        }
    }
}

/// Every two seconds: this worker's line in the workers hash (busy builds, queues, the expiry
/// of its signing credentials), for the metrics.
async fn heartbeat_loop(
    farm: Farm,
    config: Arc<WorkerConfig>,
    backends: Arc<dyn Backends>,
    slots: Arc<Semaphore>,
    running: Arc<std::sync::Mutex<Vec<Running>>>,
    shutdown: CancellationToken,
) {
    let expiries: Vec<_> = config
        .profiles
        .iter()
        .flat_map(|p| backends.expiries(p))
        .collect();
    let started = OffsetDateTime::now_utc().unix_timestamp();
    loop {
        let busy = running.lock().map(|r| r.len()).unwrap_or(0);
        let line = serde_json::json!({
            "id": config.id,
            "queues": config.queues,
            "concurrency": config.concurrency,
            "busy": busy,
            "free": slots.available_permits(),
            "draining": shutdown.is_cancelled(),
            "started": started,
            "seen": OffsetDateTime::now_utc().unix_timestamp(),
            "expiries": expiries,
        });
        let mut con = farm.con.clone();
        let _: redis::RedisResult<Value> = redis::cmd("HSET")
            .arg(farm.keys.workers())
            .arg(&config.id)
            .arg(line.to_string())
            .query_async(&mut con)
            .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Retries a Redis operation for about two minutes (a Redis restarting, a failover), so a
/// build's end is never lost to a blip.
async fn retry<T, F, Fut>(mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let started = Instant::now();
    let mut wait = Duration::from_millis(50);
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if started.elapsed() < Duration::from_secs(120) => {
                tracing::warn!("{e}; retrying in {wait:?}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}
