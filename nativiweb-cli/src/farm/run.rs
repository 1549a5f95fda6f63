//! The `farm` commands, with the farm compiled in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nativiweb::core::model::{BuildStatus, ErrorKind, Platform};
use nativiweb::core::sandbox::scan::{ClamAvScanner, SecretScanner, SourceScanner};
use nativiweb::core::sandbox::SandboxMode;
use nativiweb::core::sink::ObjectStoreSink;
use nativiweb::core::CancellationToken;
use nativiweb::farm::job::app_id_from_name;
use nativiweb::farm::keys::Keys;
use nativiweb::farm::signing::SigningProfiles;
use nativiweb::farm::{
    BuildId, CancelOutcome, DeploymentRecord, Farm, FarmError, FarmEvent, JobRequest, JobSource,
    Webhook, Webhooks, Worker, WorkerConfig,
};
use secrecy::SecretString;

use super::{CancelArgs, FarmCommand, RedisArgs, ServeArgs, StatusArgs, SubmitArgs, WorkerArgs};
use crate::build::ScanChoice;
use crate::output::{print_json, CliError};

/// The environment variable holding the webhooks' HMAC secret.
const WEBHOOK_SECRET_ENV: &str = "NATIVIWEB_WEBHOOK_SECRET";

pub async fn run(cmd: FarmCommand) -> Result<(), CliError> {
    match cmd {
        FarmCommand::Worker(args) => worker(args).await,
        FarmCommand::Submit(args) => {
            let json = args.output.json;
            submit(args)
                .await
                .map_err(|e| e.with_json_fallback(json, serde_json::json!({ "status": "failed" })))
        }
        FarmCommand::Status(args) => {
            let json = args.output.json;
            status(args)
                .await
                .map_err(|e| e.with_json_fallback(json, serde_json::json!({ "status": "failed" })))
        }
        FarmCommand::Cancel(args) => {
            let json = args.output.json;
            cancel(args)
                .await
                .map_err(|e| e.with_json_fallback(json, serde_json::json!({ "status": "failed" })))
        }
        FarmCommand::Serve(args) => serve(args).await,
    }
}

/// A token cancelled (after saying `message`) on SIGTERM or Ctrl-C.
fn cancel_on_signal(message: &'static str) -> CancellationToken {
    let token = CancellationToken::new();
    let on_signal = token.clone();
    tokio::spawn(async move {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("{message}");
        on_signal.cancel();
    });
    token
}

fn farm_error(e: FarmError) -> CliError {
    CliError::from_kind(e.to_string(), e.is_input())
}

async fn connect(args: &RedisArgs) -> Result<Farm, CliError> {
    Farm::connect_with(&args.redis, Keys::new(args.namespace.clone()))
        .await
        .map_err(|e| {
            CliError::input(format!(
                "{e}: check --redis / NATIVIWEB_REDIS_URL and that Redis runs"
            ))
        })
}

fn storage(url: &str) -> Result<ObjectStoreSink, CliError> {
    ObjectStoreSink::from_url(url).map_err(|e| CliError::input(format!("--sink {url}: {e}")))
}

async fn worker(args: WorkerArgs) -> Result<(), CliError> {
    let farm = connect(&args.redis).await?;
    let storage = storage(&args.sink)?;
    let queues = if args.queues.is_empty() {
        if cfg!(target_os = "macos") {
            vec![Platform::Android, Platform::Ios]
        } else {
            vec![Platform::Android]
        }
    } else {
        args.queues.clone()
    };
    let profiles = match &args.signing_profiles {
        Some(f) => SigningProfiles::load(f).map_err(farm_error)?,
        None => SigningProfiles::none(),
    };
    let backends = tokio::task::spawn_blocking({
        let queues = queues.clone();
        let profiles_ref = Arc::new(profiles);
        let p = profiles_ref.clone();
        move || super::backends::CliBackends::open(&p, &queues).map(|b| (b, profiles_ref))
    })
    .await
    .map_err(|e| CliError::failed(format!("opening the signing profiles crashed: {e}")))??;
    let (backends, profiles) = backends;
    let (policy, network) = crate::build::sandbox_parts(args.sandbox, &args.allow_hosts)?;
    let mut config = WorkerConfig::new(storage);
    if let Some(id) = &args.id {
        config.id = id.clone();
    }
    let queue_names = queues
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(",");
    config.queues = queues;
    config.concurrency = args.concurrency;
    config.profiles = profiles;
    config.sandbox = policy.limits(nativiweb::core::sandbox::Limits {
        address_space: Some(args.memory_limit),
        cpu_seconds: Some(args.cpu_limit.as_secs()),
        processes: Some(args.max_processes),
        file_size: nativiweb::farm::worker::default_limits().file_size,
    });
    config.install_network = network;
    config.allow_unsandboxed = args.allow_unsandboxed;
    config.visibility_timeout = args.visibility_timeout;
    config.max_attempts = args.max_attempts.max(1);
    config.shutdown_grace = args.shutdown_grace;
    config.work_root = args.work_dir.clone();
    let scans = args.scan.clone();
    config.scanners = Arc::new(move || {
        scans
            .iter()
            .map(|s| match s {
                ScanChoice::Secrets => {
                    Box::new(SecretScanner::new().blocking()) as Box<dyn SourceScanner>
                }
                ScanChoice::Clamav => Box::new(ClamAvScanner::new()),
            })
            .collect()
    });
    if !args.webhook.is_empty() {
        let secret = std::env::var(WEBHOOK_SECRET_ENV).map_err(|_| {
            CliError::input(format!(
                "--webhook needs its signing secret in {WEBHOOK_SECRET_ENV} (receivers verify X-Nativiweb-Signature with it)"
            ))
        })?;
        let secret = SecretString::from(secret);
        config.webhooks = Webhooks::new(
            args.webhook
                .iter()
                .map(|url| Webhook {
                    url: url.clone(),
                    secret: secret.clone(),
                })
                .collect(),
            5,
        );
    }
    let worker = Worker::new(farm.clone(), config, Arc::new(backends)).map_err(farm_error)?;
    if let Some(addr) = &args.metrics {
        super::metrics_http::serve(farm.clone(), addr).await?;
    }
    if !worker.sandboxed() {
        eprintln!(
            "warning: builds on this worker run UNSANDBOXED (--allow-unsandboxed): every record says so"
        );
    } else if args.sandbox == SandboxMode::Auto {
        eprintln!("builds run sandboxed (bubblewrap)");
    }
    eprintln!(
        "worker {} taking {} from {} ({} at a time)",
        worker.id(),
        queue_names,
        farm.redis_display(),
        args.concurrency
    );
    let shutdown =
        cancel_on_signal("stopping: finishing running builds (handed back after the grace period)");
    worker.run(shutdown).await.map_err(farm_error)
}

fn looks_like_git(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@") || source.ends_with(".git")
}

async fn submit(args: SubmitArgs) -> Result<(), CliError> {
    let farm = connect(&args.redis).await?;
    let id = BuildId::generate();
    let (source, default_app) = if looks_like_git(&args.source) && !Path::new(&args.source).exists()
    {
        let name = args
            .source
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .rsplit(['/', ':'])
            .next()
            .unwrap_or("app")
            .to_owned();
        (
            JobSource::Git {
                url: args.source.clone(),
                reference: args.reference.clone(),
            },
            name,
        )
    } else {
        let path = PathBuf::from(&args.source);
        let sink = args.sink.as_deref().ok_or_else(|| {
            CliError::input("a folder or .zip is uploaded: give --sink (the workers' s3://BUCKET/PREFIX or folder)")
        })?;
        let storage = storage(sink)?;
        let scratch =
            tempfile::tempdir().map_err(|e| CliError::failed(format!("temp dir: {e}")))?;
        let (zip, name) = if path.is_dir() {
            let zip = scratch.path().join("source.zip");
            let (p, z) = (path.clone(), zip.clone());
            tokio::task::spawn_blocking(move || super::upload::zip_dir(&p, &z))
                .await
                .map_err(|e| CliError::failed(format!("zipping crashed: {e}")))??;
            let canonical = path.canonicalize().unwrap_or(path.clone());
            (
                zip,
                canonical
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        } else if path.is_file() {
            (
                path.clone(),
                path.file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        } else {
            return Err(CliError::input(format!(
                "{}: not a folder, a .zip or a git URL",
                args.source
            )));
        };
        let key = format!("uploads/{id}.zip");
        let stored = storage
            .put_file(&key, &zip, "application/zip")
            .await
            .map_err(|e| CliError::failed(format!("uploading {}: {e}", zip.display())))?;
        (
            JobSource::Upload {
                key,
                size: stored.size,
                sha256: stored.sha256,
                name: Some(name.clone()),
            },
            name,
        )
    };
    let mut job = JobRequest::new(
        args.app_id
            .clone()
            .unwrap_or_else(|| app_id_from_name(&default_app)),
        args.platform,
        source,
    );
    job.builder = args.builder.clone();
    job.format = args.format;
    job.signing_profile = args.signing_profile.clone();
    job.build_number = args.build_number;
    job.version_name = args.version_name.clone();
    job.priority = args.priority.parse().map_err(CliError::input)?;
    job.timeout_secs = args.timeout.map(|t| t.as_secs());
    let record = farm.submit_as(id, &job).await.map_err(farm_error)?;
    if !args.wait {
        if args.output.json {
            print_json(&record)?;
        } else {
            println!("{}", record.id);
        }
        return Ok(());
    }
    eprintln!("queued {}", record.id);
    let done = farm
        .follow(&record.id, print_event)
        .await
        .map_err(farm_error)?;
    finish_output(&done, args.output.json)
}

fn print_event(e: &FarmEvent) {
    let ev = &e.event;
    match ev.get("event").and_then(|v| v.as_str()) {
        Some("log") => eprintln!(
            "[{}] {}",
            ev["step"].as_str().unwrap_or(""),
            ev["line"].as_str().unwrap_or("")
        ),
        Some("status") => eprintln!(
            "==> {}{}",
            ev["status"].as_str().unwrap_or(""),
            ev["worker"]
                .as_str()
                .map(|w| format!(" on {w}"))
                .unwrap_or_default()
        ),
        Some("step_started") => eprintln!("--> {}", ev["step"].as_str().unwrap_or("")),
        _ => {}
    }
}

/// Prints a final record and exits as `build` does: 0 success, 2 bad input, 1 otherwise.
fn finish_output(record: &DeploymentRecord, json: bool) -> Result<(), CliError> {
    if json {
        print_json(record)?;
    } else {
        println!(
            "{} {}",
            record.id,
            nativiweb::farm::record::status_str(record.status)
        );
        for a in &record.artifacts {
            println!("  {}  {}  {}", a.sha256, a.size, a.location);
        }
        if let Some(e) = &record.error {
            println!("  error: {e}");
        }
    }
    match record.status {
        BuildStatus::Success => Ok(()),
        _ => {
            let message = record
                .error
                .clone()
                .unwrap_or_else(|| "the build did not succeed".into());
            let e = CliError::from_kind(message, record.error_kind == Some(ErrorKind::Input));
            Err(if json { e.json_printed() } else { e })
        }
    }
}

async fn status(args: StatusArgs) -> Result<(), CliError> {
    let farm = connect(&args.redis).await?;
    let id = BuildId::parse(&args.id).map_err(farm_error)?;
    if args.follow {
        let done = farm.follow(&id, print_event).await.map_err(farm_error)?;
        return finish_output(&done, args.output.json);
    }
    let record = farm
        .record(&id)
        .await
        .map_err(farm_error)?
        .ok_or_else(|| farm_error(FarmError::NotFound(id.to_string())))?;
    if args.output.json {
        print_json(&record)
    } else {
        println!(
            "{} {}",
            record.id,
            nativiweb::farm::record::status_str(record.status)
        );
        if let Some(w) = &record.worker {
            println!("  worker: {w} (attempt {})", record.attempts);
        }
        for a in &record.artifacts {
            println!("  {}  {}  {}", a.sha256, a.size, a.location);
        }
        if let Some(e) = &record.error {
            println!("  error: {e}");
        }
        Ok(())
    }
}

async fn cancel(args: CancelArgs) -> Result<(), CliError> {
    let farm = connect(&args.redis).await?;
    let id = BuildId::parse(&args.id).map_err(farm_error)?;
    let outcome = farm.cancel(&id).await.map_err(farm_error)?;
    if args.output.json {
        print_json(&serde_json::json!({ "id": id, "outcome": outcome }))
    } else {
        match outcome {
            CancelOutcome::Cancelled => println!("{id} cancelled (it had not started)"),
            CancelOutcome::Stopping => println!("{id} is stopping: its worker kills its tools"),
            CancelOutcome::AlreadyFinished(s) => {
                println!(
                    "{id} had already ended: {}",
                    nativiweb::farm::record::status_str(s)
                )
            }
        }
        Ok(())
    }
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    use nativiweb::farm::server::{self, GithubHooks, ServerConfig, TOKENS_ENV};

    let tokens = match &args.tokens {
        Some(file) => server::tokens_from_file(file).map_err(|e| CliError::input(e.to_string()))?,
        None => server::tokens_from_env(),
    };
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host(args.listen.as_str())
        .await
        .map_err(|e| CliError::input(format!("--listen {}: {e}", args.listen)))?
        .collect();
    let loopback = !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback());
    if tokens.is_empty() && !loopback {
        return Err(CliError::input(format!(
            "farm serve: no API token: give --tokens FILE (one per line) or {TOKENS_ENV} (comma-separated); \
             without a token the API is open to anyone who reaches it, so it only listens on a loopback \
             address (--listen 127.0.0.1:PORT), not on {}",
            args.listen
        )));
    }
    let farm = connect(&args.redis).await?;
    let mut config = ServerConfig::new(farm.clone());
    config.tokens = tokens;
    config.storage = args.sink.as_deref().map(storage).transpose()?;
    config.max_upload = args.max_upload_mb.saturating_mul(1 << 20);
    if let Some(file) = &args.github {
        config.github = Some(GithubHooks::load(file).map_err(|e| CliError::input(e.to_string()))?);
    }
    let listener = tokio::net::TcpListener::bind(args.listen.as_str())
        .await
        .map_err(|e| CliError::input(format!("--listen {}: {e}", args.listen)))?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| args.listen.clone());
    if config.tokens.is_empty() {
        eprintln!("warning: no API token: the API on {local} is open to anyone on this machine");
    }
    if config.storage.is_none() {
        eprintln!("no --sink: the API takes git sources only (uploads need the workers' storage)");
    }
    eprintln!(
        "serving the farm API on http://{local} (Redis {}); GET /v1/openapi.json describes it",
        farm.redis_display()
    );
    let shutdown = cancel_on_signal("stopping: finishing the requests in flight");
    server::serve(listener, config, shutdown)
        .await
        .map_err(|e| CliError::failed(e.to_string()))
}
