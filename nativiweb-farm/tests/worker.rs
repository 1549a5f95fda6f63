//! The farm against a real `redis-server` (started on a free port per test): builds end to
//! end, cancel, timeout, retries, dead letters, takeover of a dead worker's job, a Redis
//! restart mid-build, priorities, metrics, webhooks.

mod support;

use std::time::{Duration, Instant};

use nativiweb_core::model::{BuildStatus, ErrorKind};
use nativiweb_core::testing::LocalServer;
use nativiweb_farm::farm::FarmEvent;
use nativiweb_farm::{BuildId, CancelOutcome, Priority};
use redis::Value;
use support::{files_under, processes_with, wait_for_process, Env};

fn marker(tag: &str) -> String {
    format!("nw-test-{tag}-{}", BuildId::generate())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_runs_end_to_end_and_leaves_one_record_and_its_artifacts() {
    let Some(env) = Env::new().await else { return };
    let (stop, handle) = env.start_worker(env.config("w1"));
    let queued = env.submit("hello", None).await;
    assert_eq!(queued.status, BuildStatus::Queued);
    let mut seen = Vec::new();
    let done = env
        .farm
        .follow(&queued.id, |e: &FarmEvent| seen.push(e.clone()))
        .await
        .unwrap();
    assert_eq!(done.status, BuildStatus::Success, "{:?}", done.error);
    assert_eq!(done.attempts, 1);
    assert_eq!(done.worker.as_deref(), Some("w1"));
    assert_eq!(done.sandboxed, Some(false));
    assert!(done.duration_ms.is_some() && done.started_at.is_some());
    let statuses: Vec<_> = seen.iter().filter_map(|e| e.status()).collect();
    assert_eq!(
        statuses,
        [
            BuildStatus::Queued,
            BuildStatus::Building,
            BuildStatus::Success
        ]
    );
    assert!(
        seen.iter().any(|e| e.event["event"] == "step_started"),
        "no pipeline events"
    );

    // The artifacts, the log and record.json under apps/{app}/{id}/.
    let prefix = format!("apps/hello/{}", queued.id);
    let files = files_under(&env.storage_dir.path().join(&prefix));
    let names: Vec<_> = files.iter().map(|p| p.display().to_string()).collect();
    assert!(names.contains(&"record.json".to_string()), "{names:?}");
    assert!(names.contains(&"build.log".to_string()), "{names:?}");
    assert_eq!(done.artifacts.len(), 1, "{:?}", done.artifacts);
    let art = &done.artifacts[0];
    let bytes = std::fs::read(env.storage_dir.path().join(&prefix).join(&art.name)).unwrap();
    assert_eq!(nativiweb_core::hash::sha256_hex(&bytes), art.sha256);
    let stored: serde_json::Value = serde_json::from_slice(
        &std::fs::read(env.storage_dir.path().join(&prefix).join("record.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(stored["status"], "success");
    assert_eq!(stored["artifacts"][0]["sha256"], art.sha256.as_str());
    let log =
        std::fs::read_to_string(env.storage_dir.path().join(&prefix).join("build.log")).unwrap();
    assert!(!log.is_empty());

    // The queue is empty and nothing is pending.
    let depths = env.farm.queue_depths().await.unwrap();
    assert!(
        depths.iter().all(|d| d.waiting == 0 && d.running == 0),
        "{depths:?}"
    );
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_running_build_kills_its_tools_within_a_second() {
    let Some(env) = Env::new().await else { return };
    let (stop, handle) = env.start_worker(env.config("w1"));
    let m = marker("cancel");
    let queued = env.submit("hello", Some(&format!("slow:30:{m}"))).await;
    wait_for_process(&m, Duration::from_secs(20)).await;
    let t = Instant::now();
    assert_eq!(
        env.farm.cancel(&queued.id).await.unwrap(),
        CancelOutcome::Stopping
    );
    while !processes_with(&m).is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "tools alive {:?} after cancel",
            t.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let done = env.wait(&queued.id, Duration::from_secs(10)).await;
    assert_eq!(done.status, BuildStatus::Cancelled);
    assert_eq!(done.error_kind, Some(ErrorKind::Cancelled));
    assert_eq!(done.attempts, 1);
    assert!(matches!(
        env.farm.cancel(&queued.id).await.unwrap(),
        CancelOutcome::AlreadyFinished(BuildStatus::Cancelled)
    ));
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_build_cancelled_never_starts() {
    let Some(env) = Env::new().await else { return };
    let queued = env.submit("hello", None).await;
    assert_eq!(
        env.farm.cancel(&queued.id).await.unwrap(),
        CancelOutcome::Cancelled
    );
    let (stop, handle) = env.start_worker(env.config("w1"));
    let after = env.submit("hello", None).await;
    let done = env.wait(&after.id, Duration::from_secs(20)).await;
    assert_eq!(done.status, BuildStatus::Success);
    let cancelled = env.farm.record(&queued.id).await.unwrap().unwrap();
    assert_eq!(cancelled.status, BuildStatus::Cancelled);
    assert_eq!(cancelled.attempts, 0, "a cancelled job was started");
    assert!(!env
        .storage_dir
        .path()
        .join(format!("apps/hello/{}", queued.id))
        .exists());
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_over_its_timeout_fails_and_its_tools_are_killed() {
    let Some(env) = Env::new().await else { return };
    let (stop, handle) = env.start_worker(env.config("w1"));
    let m = marker("timeout");
    let id = BuildId::generate();
    let mut job = env.upload_job(&id, "hello").await;
    job.builder = Some(format!("slow:60:{m}"));
    job.timeout_secs = Some(2);
    env.farm.submit_as(id.clone(), &job).await.unwrap();
    wait_for_process(&m, Duration::from_secs(20)).await;
    let done = env.wait(&id, Duration::from_secs(20)).await;
    assert_eq!(done.status, BuildStatus::Failed);
    assert_eq!(
        done.error_kind,
        Some(ErrorKind::Timeout),
        "{:?}",
        done.error
    );
    assert_eq!(done.attempts, 1, "a timeout was retried");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(processes_with(&m).is_empty(), "tools outlived the timeout");
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_once_and_tool_failures_are_retried_then_dead_lettered() {
    let Some(env) = Env::new().await else { return };
    let mut config = env.config("w1");
    config.max_attempts = 3;
    let (stop, handle) = env.start_worker(config);
    let bad = env.submit("hello", Some("bad")).await;
    let failing = env.submit("hello", Some("fail")).await;
    let bad = env.wait(&bad.id, Duration::from_secs(20)).await;
    assert_eq!(bad.status, BuildStatus::Failed);
    assert_eq!(bad.error_kind, Some(ErrorKind::Input));
    assert_eq!(bad.attempts, 1, "bad input was retried");
    assert!(
        bad.error.as_deref().unwrap_or("").contains("icon"),
        "{:?}",
        bad.error
    );
    let failing = env.wait(&failing.id, Duration::from_secs(30)).await;
    assert_eq!(failing.status, BuildStatus::Failed);
    assert_eq!(failing.error_kind, Some(ErrorKind::Failed));
    assert_eq!(
        failing.attempts, 3,
        "tool failures are retried up to max_attempts runs"
    );
    let mut con = redis::Client::open(env.redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let dead: Value = redis::cmd("XRANGE")
        .arg("nw:dead")
        .arg("-")
        .arg("+")
        .query_async(&mut con)
        .await
        .unwrap();
    let dead = format!("{dead:?}");
    assert!(dead.contains(failing.id.as_str()), "{dead}");
    assert!(
        !dead.contains(bad.id.as_str()),
        "bad input went to the dead letters"
    );
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_held_by_a_dead_worker_is_taken_over_and_done_once() {
    let Some(env) = Env::new().await else { return };
    let queued = env.submit("hello", None).await;
    // A worker that reads the job and dies (never acks, never heartbeats).
    let mut con = redis::Client::open(env.redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let read: Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("workers")
        .arg("ghost")
        .arg("COUNT")
        .arg(1)
        .arg("STREAMS")
        .arg("nw:q:android:normal")
        .arg(">")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(format!("{read:?}").contains(queued.id.as_str()));
    let t = Instant::now();
    let (stop, handle) = env.start_worker(env.config("w2"));
    let done = env.wait(&queued.id, Duration::from_secs(20)).await;
    assert_eq!(done.status, BuildStatus::Success);
    assert_eq!(done.worker.as_deref(), Some("w2"));
    assert!(
        t.elapsed() >= Duration::from_millis(1500),
        "taken over before the visibility timeout"
    );
    let metrics = nativiweb_farm::metrics::render(&env.farm).await.unwrap();
    assert!(
        metrics.contains("nativiweb_jobs_reclaimed_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nativiweb_builds_total{platform=\"android\",status=\"success\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nativiweb_build_duration_seconds_count{platform=\"android\"} 1"),
        "{metrics}"
    );
    // Every metric the example Grafana dashboard queries exists.
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/farm/grafana-dashboard.json"),
    )
    .unwrap();
    let mut names: Vec<&str> = dashboard
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("nativiweb_"))
        .collect();
    names.sort();
    names.dedup();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        assert!(
            metrics.contains(name),
            "the dashboard queries {name}, which /metrics lacks"
        );
    }
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarting_mid_build_loses_nothing() {
    let Some(redis) = LocalServer::redis_persistent() else {
        return;
    };
    let Some(mut env) = Env::with_redis(redis).await else {
        return;
    };
    let (stop, handle) = env.start_worker(env.config("w1"));
    let m = marker("restart");
    let slow = env.submit("hello", Some(&format!("slow:2:{m}"))).await;
    let waiting = env.submit("hello", None).await;
    wait_for_process(&m, Duration::from_secs(20)).await;
    env.redis.restart();
    let slow = env.wait(&slow.id, Duration::from_secs(60)).await;
    assert_eq!(slow.status, BuildStatus::Success, "{:?}", slow.error);
    let waiting = env.wait(&waiting.id, Duration::from_secs(60)).await;
    assert_eq!(waiting.status, BuildStatus::Success, "{:?}", waiting.error);
    // A job submitted after the restart is taken too.
    let after = env.submit("hello", None).await;
    assert_eq!(
        env.wait(&after.id, Duration::from_secs(30)).await.status,
        BuildStatus::Success
    );
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn high_priority_jobs_are_taken_first() {
    let Some(env) = Env::new().await else { return };
    let normal = env.submit("hello", None).await;
    let id = BuildId::generate();
    let mut job = env.upload_job(&id, "hello").await;
    job.priority = Priority::High;
    let high = env.farm.submit_as(id, &job).await.unwrap();
    let (stop, handle) = env.start_worker(env.config("w1"));
    let normal = env.wait(&normal.id, Duration::from_secs(20)).await;
    let high = env.wait(&high.id, Duration::from_secs(20)).await;
    assert!(
        high.started_at < normal.started_at,
        "high {:?} normal {:?}",
        high.started_at,
        normal.started_at
    );
    stop.cancel();
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_mid_build_hands_the_job_back() {
    let Some(env) = Env::new().await else { return };
    let mut config = env.config("w1");
    config.shutdown_grace = Duration::from_millis(200);
    let (stop, handle) = env.start_worker(config);
    let m = marker("handback");
    let queued = env.submit("hello", Some(&format!("slow:30:{m}"))).await;
    wait_for_process(&m, Duration::from_secs(20)).await;
    stop.cancel();
    handle.await.unwrap();
    assert!(processes_with(&m).is_empty(), "tools outlived the worker");
    let r = env.farm.record(&queued.id).await.unwrap().unwrap();
    assert_eq!(r.status, BuildStatus::Queued, "{r:?}");
    let depths = env.farm.queue_depths().await.unwrap();
    assert_eq!(
        depths.iter().map(|d| d.waiting).sum::<u64>(),
        1,
        "{depths:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_log_and_record_go_to_s3_with_presigned_urls() {
    use nativiweb_core::sink::object::object_store::aws::AmazonS3Builder;
    use nativiweb_core::sink::ObjectStoreSink;
    let Some(env) = Env::new().await else { return };
    let Some(s3) = LocalServer::s3() else { return };
    let Some(curl) = nativiweb_core::testing::tool("curl") else {
        return;
    };
    let made = std::process::Command::new(&curl)
        .args(["-sf", "-X", "PUT", &format!("{}/farm", s3.url())])
        .status()
        .unwrap();
    assert!(made.success());
    let storage = ObjectStoreSink::from_s3_builder(
        AmazonS3Builder::new()
            .with_bucket_name("farm")
            .with_endpoint(s3.url())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("AKIATEST")
            .with_secret_access_key("not-a-real-secret"),
        "nw",
    )
    .unwrap();
    let mut config = env.config("w1");
    config.storage = storage.clone();
    let (stop, handle) = env.start_worker(config);
    let id = BuildId::generate();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("p.zip");
    support::write_project_zip(&zip, "hello");
    let key = format!("uploads/{id}.zip");
    let up = storage
        .put_file(&key, &zip, "application/zip")
        .await
        .unwrap();
    let job = nativiweb_farm::JobRequest::new(
        "hello",
        nativiweb_core::model::Platform::Android,
        nativiweb_farm::JobSource::Upload {
            key,
            size: up.size,
            sha256: up.sha256,
            name: None,
        },
    );
    env.farm.submit_as(id.clone(), &job).await.unwrap();
    let done = env.wait(&id, Duration::from_secs(30)).await;
    assert_eq!(done.status, BuildStatus::Success, "{:?}", done.error);
    let art = &done.artifacts[0];
    assert_eq!(
        art.location,
        format!("s3://farm/nw/apps/hello/{id}/{}", art.name)
    );
    assert_eq!(
        done.log.as_deref(),
        Some(format!("s3://farm/nw/apps/hello/{id}/build.log").as_str())
    );
    // The pre-signed URL serves the artifact's bytes to a plain HTTP client.
    let url = art.url.as_deref().expect("a pre-signed URL");
    let got = std::process::Command::new(&curl)
        .args(["-sf", url])
        .output()
        .unwrap();
    assert!(got.status.success());
    assert_eq!(nativiweb_core::hash::sha256_hex(&got.stdout), art.sha256);
    let record = storage
        .get_bytes(&format!("apps/hello/{id}/record.json"))
        .await
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(&record).unwrap();
    assert_eq!(record["status"], "success");
    assert_eq!(record["id"], id.as_str());
    stop.cancel();
    handle.await.unwrap();
}
