//! Shared by the farm's tests: a Redis and a storage folder per test, test backends (a web-zip
//! builder; a slow one that runs a marked `sleep` so a test can see its tools die; failing
//! ones), and helpers to upload a project and wait for a build.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nativiweb_core::error::Error;
use nativiweb_core::memory::WebZipBuilder;
use nativiweb_core::model::{Artifact, Platform};
use nativiweb_core::process::{self, Command};
use nativiweb_core::sandbox::{SandboxMode, SandboxPolicy};
use nativiweb_core::sink::ObjectStoreSink;
use nativiweb_core::testing::LocalServer;
use nativiweb_core::{async_trait, BuildContext, BuildInput, Builder, Signer};
use nativiweb_farm::signing::SigningProfile;
use nativiweb_farm::{
    Backends, BuildId, DeploymentRecord, Farm, JobRequest, JobSource, Worker, WorkerConfig,
};
use tokio_util::sync::CancellationToken;

/// A builder that runs `sh -c 'sleep N' MARKER` through the core process runner, then zips.
#[derive(Debug)]
pub struct SlowBuilder {
    pub secs: u64,
    pub marker: String,
}

#[async_trait]
impl Builder for SlowBuilder {
    fn name(&self) -> &str {
        "slow"
    }
    fn platform(&self) -> Platform {
        Platform::Android
    }
    async fn build(
        &self,
        ctx: &BuildContext,
        input: &BuildInput,
    ) -> nativiweb_core::Result<Vec<Artifact>> {
        let cmd = Command::new("sh")
            .arg("-c")
            .arg(format!("sleep {}", self.secs))
            .arg(&self.marker);
        process::run(ctx, cmd)
            .await
            .map_err(|e| Error::backend("slow", e))?;
        WebZipBuilder::new(Platform::Android)
            .build(ctx, input)
            .await
    }
}

/// A builder that fails: as bad input, or as a tool failure (retried).
#[derive(Debug)]
pub struct FailingBuilder {
    pub input: bool,
}

#[async_trait]
impl Builder for FailingBuilder {
    fn name(&self) -> &str {
        "failing"
    }
    fn platform(&self) -> Platform {
        Platform::Android
    }
    async fn build(
        &self,
        _ctx: &BuildContext,
        _input: &BuildInput,
    ) -> nativiweb_core::Result<Vec<Artifact>> {
        if self.input {
            Err(Error::InvalidInput(
                "the icon is 12 px: give a square PNG of 512 px or more".into(),
            ))
        } else {
            Err(Error::backend("failing", "the tool crashed (exit 134)"))
        }
    }
}

/// Builders by the job's `builder`: none = web-zip, `slow:SECS:MARKER`, `fail`, `bad`.
#[derive(Debug)]
pub struct TestBackends;

impl Backends for TestBackends {
    fn platforms(&self) -> Vec<Platform> {
        vec![Platform::Android, Platform::Ios]
    }
    fn builder(&self, job: &JobRequest) -> nativiweb_core::Result<Box<dyn Builder>> {
        match job.builder.as_deref() {
            None => Ok(Box::new(WebZipBuilder::new(job.platform))),
            Some("fail") => Ok(Box::new(FailingBuilder { input: false })),
            Some("bad") => Ok(Box::new(FailingBuilder { input: true })),
            Some(b) if b.starts_with("slow:") => {
                let mut parts = b.splitn(3, ':').skip(1);
                let secs = parts.next().and_then(|s| s.parse().ok()).unwrap_or(30);
                let marker = parts.next().unwrap_or("nw-marker").to_owned();
                Ok(Box::new(SlowBuilder { secs, marker }))
            }
            Some(other) => Err(Error::InvalidInput(format!("no builder {other}"))),
        }
    }
    fn signer(
        &self,
        _job: &JobRequest,
        _p: Option<&SigningProfile>,
    ) -> nativiweb_core::Result<Option<Box<dyn Signer>>> {
        Ok(None)
    }
}

/// A test's Redis, storage folder and project upload.
pub struct Env {
    pub redis: LocalServer,
    pub storage_dir: tempfile::TempDir,
    pub farm: Farm,
}

impl Env {
    /// `None` when redis-server is missing (the test skips).
    pub async fn new() -> Option<Env> {
        Env::with_redis(LocalServer::redis()?).await
    }

    pub async fn with_redis(redis: LocalServer) -> Option<Env> {
        let farm = Farm::connect(&redis.url()).await.expect("connect");
        Some(Env {
            redis,
            storage_dir: tempfile::tempdir().unwrap(),
            farm,
        })
    }

    pub fn storage(&self) -> ObjectStoreSink {
        ObjectStoreSink::from_url(self.storage_dir.path().to_str().unwrap()).unwrap()
    }

    /// A worker config for tests: unsandboxed, a short visibility timeout.
    pub fn config(&self, id: &str) -> WorkerConfig {
        let mut c = WorkerConfig::new(self.storage());
        c.id = id.to_owned();
        c.sandbox = SandboxPolicy::new(SandboxMode::Off);
        c.allow_unsandboxed = true;
        c.visibility_timeout = Duration::from_secs(2);
        c.shutdown_grace = Duration::from_secs(5);
        c
    }

    /// Starts a worker in this process; stop it with the returned token.
    pub fn start_worker(
        &self,
        config: WorkerConfig,
    ) -> (CancellationToken, tokio::task::JoinHandle<()>) {
        let worker = Worker::new(self.farm.clone(), config, Arc::new(TestBackends)).unwrap();
        let stop = CancellationToken::new();
        let s = stop.clone();
        let handle = tokio::spawn(async move {
            worker.run(s).await.unwrap();
        });
        (stop, handle)
    }

    /// Zips a one-page web project and uploads it for build `id`; returns the job.
    pub async fn upload_job(&self, id: &BuildId, app: &str) -> JobRequest {
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("p.zip");
        write_project_zip(&zip_path, app);
        let key = format!("uploads/{id}.zip");
        let stored = self
            .storage()
            .put_file(&key, &zip_path, "application/zip")
            .await
            .unwrap();
        JobRequest::new(
            app,
            Platform::Android,
            JobSource::Upload {
                key,
                size: stored.size,
                sha256: stored.sha256,
                name: Some(app.into()),
            },
        )
    }

    /// Submits a job for a fresh upload with `builder`.
    pub async fn submit(&self, app: &str, builder: Option<&str>) -> DeploymentRecord {
        let id = BuildId::generate();
        let mut job = self.upload_job(&id, app).await;
        job.builder = builder.map(str::to_owned);
        self.farm.submit_as(id, &job).await.unwrap()
    }

    /// Waits for the build to end (at most `limit`).
    pub async fn wait(&self, id: &BuildId, limit: Duration) -> DeploymentRecord {
        let started = Instant::now();
        loop {
            // A read may fail while a test restarts Redis: try again.
            let Ok(Some(r)) = self.farm.record(id).await else {
                assert!(
                    started.elapsed() < limit,
                    "build {id} unreadable after {limit:?}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            if r.is_final() {
                return r;
            }
            assert!(
                started.elapsed() < limit,
                "build {id} still {:?} after {limit:?}",
                r.status
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the build's status is `building`.
    pub async fn wait_building(&self, id: &BuildId) {
        let started = Instant::now();
        loop {
            let r = self.farm.record(id).await.unwrap().unwrap();
            if r.status == nativiweb_core::model::BuildStatus::Building {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "build {id} never started"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A ZIP holding `index.html` and a `nativiweb.toml`.
pub fn write_project_zip(path: &Path, app: &str) {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("index.html", o).unwrap();
    z.write_all(b"<!doctype html><title>hi</title><h1>hi</h1>")
        .unwrap();
    z.start_file("nativiweb.toml", o).unwrap();
    z.write_all(
        format!(
            "id = \"dev.nativiweb.{}\"\nname = \"Hi\"\n",
            app.replace('-', "_")
        )
        .as_bytes(),
    )
    .unwrap();
    z.finish().unwrap();
}

/// Pids whose command line holds `marker`.
pub fn processes_with(marker: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmd).contains(marker) {
                out.push(pid);
            }
        }
    }
    out
}

/// Waits up to `limit` for a process holding `marker` to appear.
pub async fn wait_for_process(marker: &str, limit: Duration) {
    let t = Instant::now();
    while processes_with(marker).is_empty() {
        assert!(
            t.elapsed() < limit,
            "no process with {marker} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The files under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The bearer token of the API tests' servers.
pub const TEST_TOKEN: &str = "nw-test-token-5c1e9a";

/// A running API server: its base URL and what stops it.
#[cfg(feature = "server")]
pub struct Api {
    pub base: String,
    pub stop: CancellationToken,
    pub handle: tokio::task::JoinHandle<()>,
}

#[cfg(feature = "server")]
impl Env {
    /// A server config for tests: this env's farm and storage, [`TEST_TOKEN`], short blocks.
    pub fn server_config(&self) -> nativiweb_farm::server::ServerConfig {
        let mut c = nativiweb_farm::server::ServerConfig::new(self.farm.clone());
        c.storage = Some(self.storage());
        c.tokens = vec![secrecy::SecretString::from(TEST_TOKEN.to_owned())];
        c.sse_block = Duration::from_millis(500);
        c
    }

    /// Serves `config` on 127.0.0.1 on a free port.
    pub async fn serve(&self, config: nativiweb_farm::server::ServerConfig) -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let s = stop.clone();
        let handle = tokio::spawn(async move {
            nativiweb_farm::server::serve(listener, config, s)
                .await
                .unwrap();
        });
        Api { base, stop, handle }
    }

    /// Jobs waiting or running in every queue.
    pub async fn jobs_in_queues(&self) -> u64 {
        self.farm
            .queue_depths()
            .await
            .unwrap()
            .iter()
            .map(|d| d.waiting + d.running)
            .sum()
    }
}

/// `hex(HMAC-SHA256(key, body))` computed by `openssl dgst` (an implementation independent of
/// the farm's); `None` when openssl is missing (the test skips).
pub fn openssl_hmac_sha256(key: &str, body: &[u8]) -> Option<String> {
    use std::io::Write;
    let openssl = nativiweb_core::testing::tool("openssl")?;
    let mut child = std::process::Command::new(openssl)
        .args(["dgst", "-sha256", "-hmac", key])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl dgst failed");
    let text = String::from_utf8(out.stdout).unwrap();
    // "SHA2-256(stdin)= <hex>" (or "(stdin)= <hex>" with older versions)
    Some(text.trim().rsplit(' ').next().unwrap().to_owned())
}

/// A ZIP of `entries` (name, bytes), stored (no compression) when `stored`.
pub fn write_zip(path: &Path, entries: &[(&str, &[u8])], stored: bool) {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = if stored {
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
    } else {
        zip::write::SimpleFileOptions::default()
    };
    for (name, bytes) in entries {
        z.start_file(*name, o).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// `n` bytes that do not compress (a xorshift sequence).
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
