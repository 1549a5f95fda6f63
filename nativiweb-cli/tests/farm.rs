//! The farm end to end with real processes: `nativiweb farm worker` processes against a real
//! `redis-server` and a storage folder, `farm submit --wait` / `status` / `cancel` from the
//! command line, a worker killed with SIGKILL in the middle of a build, and a flood of jobs
//! over several worker processes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nativiweb::core::model::{BuildStatus, Platform};
use nativiweb::core::sink::ObjectStoreSink;
use nativiweb::core::testing::LocalServer;
use nativiweb::farm::{BuildId, Farm, JobRequest, JobSource};

fn cli() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nativiweb"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A worker process; killed (SIGKILL) when dropped.
struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    fn start(
        redis: &str,
        sink: &Path,
        config_home: &Path,
        id: &str,
        extra: &[&str],
    ) -> WorkerProcess {
        let log = config_home.join(format!("{id}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(cli())
            .args([
                "farm",
                "worker",
                "--queues",
                "android",
                "--sandbox",
                "auto",
                "--id",
                id,
            ])
            .arg("--sink")
            .arg(sink)
            .args(extra)
            .env("NATIVIWEB_REDIS_URL", redis)
            .env("XDG_CONFIG_HOME", config_home)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        WorkerProcess { child, log }
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A project whose web build takes `millis` (a node script), for builds to kill mid-way.
fn slow_project(dir: &Path, millis: u64) -> PathBuf {
    let p = dir.join("slow-app");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("package.json"),
        r#"{"name":"slow-app","version":"1.0.0","private":true,"scripts":{"build":"node slow-build-marker.js"}}"#,
    )
    .unwrap();
    std::fs::write(
        p.join("package-lock.json"),
        r#"{"name":"slow-app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"slow-app","version":"1.0.0"}}}"#,
    )
    .unwrap();
    std::fs::write(
        p.join("slow-build-marker.js"),
        format!("const fs = require('fs');\nsetTimeout(() => {{ fs.mkdirSync('dist', {{ recursive: true }}); fs.writeFileSync('dist/index.html', '<h1>slow</h1>'); }}, {millis});\n"),
    )
    .unwrap();
    std::fs::write(
        p.join("nativiweb.toml"),
        "id = \"com.example.slow\"\nname = \"Slow\"\nweb_dir = \"dist\"\n",
    )
    .unwrap();
    p
}

fn apks_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "apk") {
                out.push(p);
            }
        }
    }
    out
}

fn node_available() -> bool {
    nativiweb::core::testing::tool("node").is_some()
        && nativiweb::core::testing::tool("npm").is_some()
}

#[test]
fn submit_wait_builds_hello_pwa_on_a_worker_process() {
    let Some(redis) = LocalServer::redis() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sink = tmp.path().join("sink");
    let _w = WorkerProcess::start(&redis.url(), &sink, tmp.path(), "w1", &[]);
    let out = Command::new(cli())
        .args(["farm", "submit"])
        .arg(repo_root().join("examples/hello-pwa"))
        .args([
            "--platform",
            "android",
            "--wait",
            "--json",
            "--build-number",
            "7",
        ])
        .arg("--sink")
        .arg(&sink)
        .env("NATIVIWEB_REDIS_URL", redis.url())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        _w.log()
    );
    let record: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(record["status"], "success");
    assert_eq!(record["build_number"], 7);
    assert_eq!(record["worker"], "w1");
    assert_eq!(record["sandboxed"], true);
    let art = &record["artifacts"][0];
    assert_eq!(art["kind"], "apk");
    let apks = apks_under(&sink.join("apps"));
    assert_eq!(apks.len(), 1, "{apks:?}");
    let bytes = std::fs::read(&apks[0]).unwrap();
    assert_eq!(
        nativiweb::core::hash::sha256_hex(&bytes),
        art["sha256"].as_str().unwrap()
    );
    let id = record["id"].as_str().unwrap();

    // status and cancel of a finished build from the command line
    let status = Command::new(cli())
        .args(["farm", "status", id, "--json"])
        .env("NATIVIWEB_REDIS_URL", redis.url())
        .output()
        .unwrap();
    assert!(status.status.success());
    let again: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(again["id"], id);
    let cancel = Command::new(cli())
        .args(["farm", "cancel", id])
        .env("NATIVIWEB_REDIS_URL", redis.url())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&cancel.stdout).contains("already ended"));
    let missing = Command::new(cli())
        .args(["farm", "status", "b000000000000deadbeef", "--json"])
        .env("NATIVIWEB_REDIS_URL", redis.url())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_worker_killed_mid_build_loses_nothing_and_the_job_completes_once_elsewhere() {
    if !node_available() {
        return;
    }
    let Some(redis) = LocalServer::redis() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sink = tmp.path().join("sink");
    let project = slow_project(tmp.path(), 4000);
    let mut a = WorkerProcess::start(
        &redis.url(),
        &sink,
        tmp.path(),
        "wa",
        &["--visibility-timeout", "2s"],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let farm = rt.block_on(Farm::connect(&redis.url())).unwrap();
    let submit = Command::new(cli())
        .args(["farm", "submit"])
        .arg(&project)
        .args(["--platform", "android", "--json"])
        .arg("--sink")
        .arg(&sink)
        .env("NATIVIWEB_REDIS_URL", redis.url())
        .output()
        .unwrap();
    assert!(
        submit.status.success(),
        "{}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let queued: serde_json::Value = serde_json::from_slice(&submit.stdout).unwrap();
    let id = BuildId::parse(queued["id"].as_str().unwrap()).unwrap();
    // Wait for worker A to be in the middle of the web build, then kill it.
    let t = Instant::now();
    loop {
        let r = rt.block_on(farm.record(&id)).unwrap().unwrap();
        let busy =
            r.status == BuildStatus::Building && !processes_with("slow-build-marker").is_empty();
        if busy {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "never started: {:?}\n{}",
            r.status,
            a.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    a.kill9();
    let _b = WorkerProcess::start(
        &redis.url(),
        &sink,
        tmp.path(),
        "wb",
        &["--visibility-timeout", "2s"],
    );
    let done = rt.block_on(async {
        let t = Instant::now();
        loop {
            let r = farm.record(&id).await.unwrap().unwrap();
            if r.is_final() {
                return r;
            }
            assert!(
                t.elapsed() < Duration::from_secs(90),
                "not done: {:?}",
                r.status
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert_eq!(
        done.status,
        BuildStatus::Success,
        "{:?}\n{}",
        done.error,
        _b.log()
    );
    assert_eq!(done.worker.as_deref(), Some("wb"));
    assert_eq!(done.attempts, 2);
    let apks = apks_under(&sink.join("apps"));
    assert_eq!(apks.len(), 1, "one set of artifacts: {apks:?}");
    assert_eq!(done.artifacts.len(), 1);
    let records: Vec<_> = walk(&sink.join("apps"))
        .into_iter()
        .filter(|p| p.ends_with("record.json"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
}

#[test]
fn a_flood_of_200_jobs_over_4_worker_processes_is_done_exactly_once() {
    let Some(redis) = LocalServer::redis() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sink = tmp.path().join("sink");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let farm = rt.block_on(Farm::connect(&redis.url())).unwrap();
    // One upload, 200 jobs naming it.
    let zip = tmp.path().join("p.zip");
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("index.html", o).unwrap();
        z.write_all(b"<!doctype html><h1>flood</h1>").unwrap();
        z.start_file("nativiweb.toml", o).unwrap();
        z.write_all(b"id = \"com.example.flood\"\nname = \"Flood\"\n")
            .unwrap();
        z.finish().unwrap();
    }
    let storage = ObjectStoreSink::from_url(sink.to_str().unwrap()).unwrap();
    let stored = rt
        .block_on(storage.put_file("uploads/flood.zip", &zip, "application/zip"))
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..200 {
        let job = JobRequest::new(
            "flood",
            Platform::Android,
            JobSource::Upload {
                key: "uploads/flood.zip".into(),
                size: stored.size,
                sha256: stored.sha256.clone(),
                name: None,
            },
        );
        ids.push(rt.block_on(farm.submit(&job)).unwrap().id);
    }
    let workers: Vec<_> = (0..4)
        .map(|i| WorkerProcess::start(&redis.url(), &sink, tmp.path(), &format!("f{i}"), &[]))
        .collect();
    let t = Instant::now();
    let records = rt.block_on(async {
        let mut done = Vec::new();
        for id in &ids {
            loop {
                let r = farm.record(id).await.unwrap().unwrap();
                if r.is_final() {
                    done.push(r);
                    break;
                }
                assert!(
                    t.elapsed() < Duration::from_secs(300),
                    "{id} not done after 300 s"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        done
    });
    eprintln!("200 builds over 4 worker processes in {:?}", t.elapsed());
    for r in &records {
        assert_eq!(
            r.status,
            BuildStatus::Success,
            "{}: {:?}\n{}",
            r.id,
            r.error,
            workers[0].log()
        );
        assert_eq!(r.attempts, 1, "{} ran twice", r.id);
    }
    let used: std::collections::BTreeSet<_> =
        records.iter().filter_map(|r| r.worker.clone()).collect();
    assert!(used.len() >= 2, "only {used:?} worked");
    let apks = apks_under(&sink.join("apps/flood"));
    assert_eq!(apks.len(), 200);
    let metrics = rt
        .block_on(nativiweb::farm::metrics::render(&farm))
        .unwrap();
    assert!(
        metrics.contains("nativiweb_builds_total{platform=\"android\",status=\"success\"} 200"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nativiweb_jobs_reclaimed_total 0"),
        "{metrics}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn processes_with(marker: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmd).contains(marker) {
                out.push(pid);
            }
        }
    }
    out
}
