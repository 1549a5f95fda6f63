//! The farm's speed, end to end on this machine (a bench binary: `cargo bench --bench farm
//! --features farm,s3`): a real `redis-server` and a real S3 server (`moto_server`) on
//! loopback, two in-process workers building `examples/hello-pwa` with the SDK-free packager
//! and the debug key, artifacts and records stored in S3.
//!
//! - **throughput**: 200 builds submitted at once, submit → APK in S3 → record `success`
//!   (goal ≥ 10 builds/s with 2 workers on 2 cores);
//! - **submit → start latency**: one build at a time on idle workers, from just before
//!   `submit` to the worker's `started_at` (goal: median < 10 ms).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nativiweb::android::{ApkPackager, ApkSigner};
use nativiweb::core::model::{BuildStatus, Platform};
use nativiweb::core::sandbox::{SandboxMode, SandboxPolicy};
use nativiweb::core::sink::ObjectStoreSink;
use nativiweb::core::testing::LocalServer;
use nativiweb::core::{Builder, CancellationToken, Signer};
use nativiweb::farm::signing::SigningProfile;
use nativiweb::farm::{Backends, BuildId, Farm, JobRequest, JobSource, Worker, WorkerConfig};

#[derive(Debug)]
struct Direct(ApkSigner);

impl Backends for Direct {
    fn platforms(&self) -> Vec<Platform> {
        vec![Platform::Android]
    }
    fn builder(&self, _job: &JobRequest) -> nativiweb::core::Result<Box<dyn Builder>> {
        Ok(Box::new(ApkPackager::new()))
    }
    fn signer(
        &self,
        _job: &JobRequest,
        _p: Option<&SigningProfile>,
    ) -> nativiweb::core::Result<Option<Box<dyn Signer>>> {
        Ok(Some(Box::new(self.0.clone())))
    }
}

fn zip_dir(dir: &Path, out: &Path) {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                z.start_file(rel, zip::write::SimpleFileOptions::default())
                    .unwrap();
                z.write_all(&std::fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    z.finish().unwrap();
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this with no S3 or Redis check.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(redis) = LocalServer::redis() else {
        return;
    };
    let Some(s3) = LocalServer::s3() else { return };
    let tmp = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_CONFIG_HOME", tmp.path());
    std::env::set_var("AWS_ENDPOINT_URL", s3.url());
    std::env::set_var("AWS_ALLOW_HTTP", "true");
    std::env::set_var("AWS_ACCESS_KEY_ID", "bench");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench");
    std::env::set_var("AWS_REGION", "us-east-1");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // The bucket.
        let client = std::process::Command::new("curl")
            .args(["-s", "-X", "PUT", &format!("{}/farm-bench", s3.url())])
            .output()
            .expect("curl");
        assert!(client.status.success());
        let storage = ObjectStoreSink::from_url("s3://farm-bench/nw").unwrap();
        let farm = Farm::connect(&redis.url()).await.unwrap();
        let zip = tmp.path().join("hello.zip");
        zip_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello-pwa"), &zip);
        let upload = storage.put_file("uploads/hello.zip", &zip, "application/zip").await.unwrap();
        let signer = ApkSigner::debug().unwrap();
        let stop = CancellationToken::new();
        let mut handles = Vec::new();
        for i in 0..2 {
            let mut c = WorkerConfig::new(storage.clone());
            c.id = format!("bench-{i}");
            c.queues = vec![Platform::Android];
            c.sandbox = SandboxPolicy::new(SandboxMode::Off);
            c.allow_unsandboxed = true;
            let w = Worker::new(farm.clone(), c, Arc::new(Direct(signer.clone()))).unwrap();
            let s = stop.clone();
            handles.push(tokio::spawn(async move { w.run(s).await.unwrap() }));
        }
        let job = || {
            JobRequest::new(
                "hello-pwa",
                Platform::Android,
                JobSource::Upload {
                    key: "uploads/hello.zip".into(),
                    size: upload.size,
                    sha256: upload.sha256.clone(),
                    name: None,
                },
            )
        };
        let wait = |id: BuildId| {
            let farm = farm.clone();
            async move {
                loop {
                    let r = farm.record(&id).await.unwrap().unwrap();
                    if r.is_final() {
                        assert_eq!(r.status, BuildStatus::Success, "{:?}", r.error);
                        return r;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        };
        // Warm up (first builds create caches).
        for _ in 0..4 {
            let r = farm.submit(&job()).await.unwrap();
            wait(r.id).await;
        }

        // Latency: one at a time on idle workers.
        let mut latencies = Vec::new();
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let before = time::OffsetDateTime::now_utc();
            let r = farm.submit(&job()).await.unwrap();
            let done = wait(r.id).await;
            let started = done.started_at.unwrap();
            latencies.push((started - before).as_seconds_f64() * 1000.0);
        }
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let median = latencies[latencies.len() / 2];
        let p90 = latencies[latencies.len() * 9 / 10];

        // Throughput: 200 at once.
        let n = 200;
        let t = Instant::now();
        let mut ids = Vec::new();
        for _ in 0..n {
            ids.push(farm.submit(&job()).await.unwrap().id);
        }
        for id in ids {
            wait(id).await;
        }
        let secs = t.elapsed().as_secs_f64();
        println!("farm/submit_to_start: median {median:.2} ms, p90 {p90:.2} ms over 50 builds (goal < 10 ms)");
        println!(
            "farm/throughput: {n} hello-pwa builds (submit -> APK in S3 -> record success) in {secs:.2} s = {:.1} builds/s with 2 workers (goal >= 10)",
            n as f64 / secs
        );
        stop.cancel();
        for h in handles {
            let _ = h.await;
        }
    });
}
