//! The [`Pipeline`]: source -> detect -> web build -> builder -> signer -> sink -> submitter.
//!
//! One `run` is one build. It works in its own temp dir, sends typed events for every step and
//! log line, stops within a second of its cancellation token firing (killing the tools it
//! started), fails with a timeout naming the step when a per-step or whole-build deadline
//! passes, and always returns a [`BuildReport`]. Nothing is global, so any number of pipelines
//! (or runs of one pipeline) proceed side by side in one process.
//!
//! ```
//! use nativiweb_core::events::event_channel;
//! use nativiweb_core::memory::{MemorySink, MemorySource, WebZipBuilder};
//! use nativiweb_core::{BuildStatus, Pipeline, Platform};
//! use tokio_util::sync::CancellationToken;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let pipeline = Pipeline::new(
//!     Box::new(
//!         MemorySource::new()
//!             .file("index.html", "<h1>Hello</h1>")
//!             .file("nativiweb.toml", "id = \"com.example.hello\"\nname = \"Hello\"\n"),
//!     ),
//!     Box::new(WebZipBuilder::new(Platform::Android)),
//!     Box::new(MemorySink::new()),
//! )
//! .skip_web_build(true);
//! let (events, _rx) = event_channel();
//! let report = pipeline.run(events, CancellationToken::new()).await;
//! assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
//! assert_eq!(report.artifacts[0].name, "com.example.hello.zip");
//! # });
//! ```

use std::any::Any;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::config::{AppConfig, PartialAppConfig};
use crate::context::BuildContext;
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::events::{Event, EventSender};
use crate::model::{
    Artifact, ArtifactKind, BuildReport, BuildStatus, Platform, Step, StepOutcome, StepReport,
    StoredArtifact,
};
use crate::sandbox::scan::SourceScanner;
use crate::sandbox::{Network, SandboxPolicy};
use crate::secret::{Redactor, Secrets};
use crate::traits::{
    ArtifactSink, BuildInput, Builder, ProjectSource, Signer, StoreSubmitter, WebNeeds,
};

/// After a cancel, how long the pipeline waits for its work dir to be deleted before returning
/// the report anyway (the deletion finishes in the background).
const CANCELLED_CLEANUP_WAIT: Duration = Duration::from_millis(300);

/// A configured build: the backends for each step and the options that apply to every run.
///
/// Built with [`Pipeline::new`] and chained setters; run with [`Pipeline::run`]. `run` takes
/// `&self`, so one pipeline can run several builds, concurrently if need be: each run has its
/// own work dir, context and report.
#[derive(Debug)]
pub struct Pipeline {
    source: Box<dyn ProjectSource>,
    builder: Box<dyn Builder>,
    signer: Option<Box<dyn Signer>>,
    sink: Box<dyn ArtifactSink>,
    submitter: Option<Box<dyn StoreSubmitter>>,
    platform: Option<Platform>,
    skip_web_build: bool,
    format: Option<ArtifactKind>,
    keep_work_dir: bool,
    work_dir_parent: Option<PathBuf>,
    step_timeouts: BTreeMap<Step, Duration>,
    timeout: Option<Duration>,
    env: BTreeMap<String, String>,
    secrets: Secrets,
    overrides: PartialAppConfig,
    sandbox: SandboxPolicy,
    sandbox_networks: BTreeMap<Step, Network>,
    scanners: Vec<Box<dyn SourceScanner>>,
}

impl Pipeline {
    /// A pipeline that materializes the project with `source`, builds it with `builder` and
    /// stores the artifacts in `sink`; no signer, no submitter, no deadlines, the platform of
    /// the builder, work dirs under the system temp dir.
    pub fn new(
        source: Box<dyn ProjectSource>,
        builder: Box<dyn Builder>,
        sink: Box<dyn ArtifactSink>,
    ) -> Self {
        Pipeline {
            source,
            builder,
            signer: None,
            sink,
            submitter: None,
            platform: None,
            skip_web_build: false,
            format: None,
            keep_work_dir: false,
            work_dir_parent: None,
            step_timeouts: BTreeMap::new(),
            timeout: None,
            env: BTreeMap::new(),
            secrets: Secrets::new(),
            overrides: PartialAppConfig::default(),
            sandbox: SandboxPolicy::default(),
            sandbox_networks: BTreeMap::new(),
            scanners: Vec::new(),
        }
    }

    /// Scans the project with `scanner` at the end of the source step, before any of its code
    /// runs (see [`crate::sandbox::scan`]); blocking findings fail the build.
    pub fn scanner(mut self, scanner: Box<dyn SourceScanner>) -> Self {
        self.scanners.push(scanner);
        self
    }

    /// Runs every tool of every build in this sandbox (see [`crate::sandbox`]; off by
    /// default). Its network applies to every step without its own
    /// [`Pipeline::sandbox_network`].
    pub fn sandbox(mut self, policy: SandboxPolicy) -> Self {
        self.sandbox = policy;
        self
    }

    /// The network the tools of `step` get in the sandbox, instead of the policy's: typically
    /// the registries for [`Step::WebBuild`] (installs) and none for the others.
    pub fn sandbox_network(mut self, step: Step, network: Network) -> Self {
        self.sandbox_networks.insert(step, network);
        self
    }

    /// Config values that win over `nativiweb.toml` and detection for every run: a CI's
    /// build number (`--build-number`), a release's version name (`--version-name`).
    pub fn config_overrides(mut self, overrides: PartialAppConfig) -> Self {
        self.overrides = overrides;
        self
    }

    /// Signs every artifact the signer supports (the others stay as built).
    pub fn signer(mut self, signer: Box<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Submits every stored artifact the store accepts.
    pub fn submitter(mut self, submitter: Box<dyn StoreSubmitter>) -> Self {
        self.submitter = Some(submitter);
        self
    }

    /// The platform to build for. Defaults to the builder's; a different one fails the build
    /// before it starts.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Use the project's web bundle as it is instead of installing and building it (the web
    /// build step is reported as skipped).
    pub fn skip_web_build(mut self, skip: bool) -> Self {
        self.skip_web_build = skip;
        self
    }

    /// The artifact format to ask the builder for (`apk`, `aab`, `ipa`, `zip`).
    pub fn format(mut self, format: ArtifactKind) -> Self {
        self.format = Some(format);
        self
    }

    /// Keep the work dir after the build (its path is in [`BuildReport::work_dir`]), for
    /// looking at the generated project. By default it is removed.
    pub fn keep_work_dir(mut self, keep: bool) -> Self {
        self.keep_work_dir = keep;
        self
    }

    /// Create work dirs under `dir` (created if missing) instead of the system temp dir.
    pub fn work_dir_parent(mut self, dir: impl Into<PathBuf>) -> Self {
        self.work_dir_parent = Some(dir.into());
        self
    }

    /// Fail the build when `step` runs longer than `timeout`.
    pub fn step_timeout(mut self, step: Step, timeout: Duration) -> Self {
        self.step_timeouts.insert(step, timeout);
        self
    }

    /// Fail the build when it runs longer than `timeout` in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Passes a non-secret environment variable to every tool the build runs.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Replaces the build's secrets: available to backends through the context, to tools only
    /// through their environment, and masked in every log line and in the report.
    pub fn secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// Adds one secret under `name` (usually the environment variable a tool reads it from).
    pub fn secret(mut self, name: impl Into<String>, value: SecretString) -> Self {
        self.secrets.insert(name, value);
        self
    }

    /// Runs one build, sending events to `events`, until it succeeds, fails, times out or
    /// `cancel` fires. Never panics (a panicking backend fails its step) and always returns a
    /// finished report.
    pub async fn run(&self, events: EventSender, cancel: CancellationToken) -> BuildReport {
        let platform = self.platform.unwrap_or_else(|| self.builder.platform());
        let mut report = BuildReport::queued(platform);
        report.status = BuildStatus::Building;
        let started = Instant::now();
        let redactor = self.secrets.redactor();

        let result = if self.builder.platform() != platform {
            Err((Failure {
                step: None,
                error: Error::InvalidInput(format!(
                    "builder `{}` builds for {} but the pipeline targets {platform}: choose a {platform} builder",
                    self.builder.name(),
                    self.builder.platform()
                )),
            }, None))
        } else {
            match create_work_dir(self.work_dir_parent.clone()).await {
                Err(error) => Err((Failure { step: None, error }, None)),
                Ok((tmp, work)) => {
                    let mut ctx = BuildContext::new(&work, platform)
                        .with_secrets(self.secrets.clone())
                        .with_events(events.clone())
                        .with_cancel(cancel.clone());
                    ctx.env = self.env.clone();
                    ctx.sandbox = self.sandbox.for_new_build();
                    let mut run = Run {
                        pipeline: self,
                        ctx,
                        report: &mut report,
                        build_deadline: self.timeout.map(|t| started + t),
                    };
                    let result = run.steps().await;
                    let ctx = run.ctx;
                    report.warnings = ctx.warnings();
                    self.finish_work_dir(tmp, &cancel, &events, &mut report)
                        .await;
                    result.map_err(|f| (f, Some(ctx)))
                }
            }
        };

        report.finished_at = Some(OffsetDateTime::now_utc());
        match result {
            Ok(()) => report.status = BuildStatus::Success,
            Err((failure, ctx)) => {
                report.status = if failure.error.is_cancelled() {
                    BuildStatus::Cancelled
                } else {
                    BuildStatus::Failed
                };
                let text = failure.describe(&redactor);
                report.error = Some(match &ctx {
                    Some(ctx) => ctx.user_paths(&text),
                    None => text,
                });
                report.error_kind = Some(failure.error.kind());
            }
        }
        report
    }

    /// Removes the work dir, or keeps it and records where.
    async fn finish_work_dir(
        &self,
        tmp: tempfile::TempDir,
        cancel: &CancellationToken,
        events: &EventSender,
        report: &mut BuildReport,
    ) {
        if self.keep_work_dir {
            report.work_dir = Some(tmp.keep());
            return;
        }
        let path = tmp.keep();
        let target = path.clone();
        let removal = tokio::task::spawn_blocking(move || remove_dir_with_retries(&target));
        let outcome = if cancel.is_cancelled() {
            // A cancelled build must answer fast; a big tree finishes deleting in the background.
            match tokio::time::timeout(CANCELLED_CLEANUP_WAIT, removal).await {
                Ok(joined) => joined,
                Err(_) => return,
            }
        } else {
            removal.await
        };
        let error = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        events.info(
            report.steps.last().map_or(Step::Source, |s| s.step),
            format!(
                "could not remove the work dir {}: {error}; delete it by hand",
                path.display()
            ),
        );
        report.work_dir = Some(path);
    }
}

/// Tools killed a moment ago may still be exiting while their files are deleted; retry briefly.
fn remove_dir_with_retries(path: &Path) -> std::io::Result<()> {
    let mut attempt = 0;
    loop {
        match std::fs::remove_dir_all(path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if attempt >= 3 => return Err(e),
            Err(_) => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Creates `parent/nativiweb-build-XXXX/{project,out}`; returns the guard and the absolute,
/// symlink-free path.
async fn create_work_dir(parent: Option<PathBuf>) -> Result<(tempfile::TempDir, PathBuf)> {
    let joined = tokio::task::spawn_blocking(move || {
        let parent = parent.unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io("creating", &parent, e))?;
        let tmp = tempfile::Builder::new()
            .prefix("nativiweb-build-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io("creating a work dir in", &parent, e))?;
        let work = tmp
            .path()
            .canonicalize()
            .map_err(|e| Error::io("resolving", tmp.path(), e))?;
        for sub in ["project", "out"] {
            let dir = work.join(sub);
            std::fs::create_dir(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        }
        Ok((tmp, work))
    })
    .await;
    match joined {
        Ok(r) => r,
        Err(e) => Err(Error::InvalidInput(format!(
            "creating the work dir failed: {e}"
        ))),
    }
}

/// Why a build ended early, and in which step.
struct Failure {
    step: Option<Step>,
    error: Error,
}

impl Failure {
    /// The report's error text: the step, then the whole error chain, secrets masked.
    fn describe(&self, redactor: &Redactor) -> String {
        let chain = error_chain(&self.error);
        let text = match (self.step, &self.error) {
            (Some(step), e) if e.is_cancelled() => format!("build cancelled during step `{step}`"),
            (None, e) if e.is_cancelled() => "build cancelled".to_owned(),
            // Bad input is about the user's project, config or credentials, not a step that
            // broke: the message alone says what to fix.
            (_, e) if e.is_input() => chain,
            (_, Error::Timeout { .. }) | (None, _) => chain,
            (Some(step), _) => format!("step `{step}` failed: {chain}"),
        };
        redactor.redact(&text)
    }
}

/// `error` and each of its sources, skipping a source whose text the message already includes.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let msg = s.to_string();
        if !msg.is_empty() && !text.contains(&msg) {
            text.push_str(": ");
            text.push_str(&msg);
        }
        source = s.source();
    }
    text
}

/// The state of one build while its steps run.
struct Run<'p, 'r> {
    pipeline: &'p Pipeline,
    /// The build's context; each step gets a copy with `step` and `deadline` set.
    ctx: BuildContext,
    report: &'r mut BuildReport,
    build_deadline: Option<Instant>,
}

impl<'p> Run<'p, '_> {
    async fn steps(&mut self) -> Result<(), Failure> {
        let p: &'p Pipeline = self.pipeline;

        self.prepare_paths().await;
        let info = self
            .step(
                Step::Source,
                p.source.name(),
                StepOutcome::Success,
                |ctx| async move {
                    let info = p.source.materialize(&ctx, &ctx.project_dir).await?;
                    if !p.scanners.is_empty() {
                        crate::sandbox::scan::scan(&ctx, &ctx.project_dir, &p.scanners)
                            .await
                            .map_err(|e| Error::Rejected {
                                backend: "source scan".to_owned(),
                                source: Box::new(e),
                            })?;
                    }
                    Ok(info)
                },
            )
            .await?;
        if let Some(sub) = &info.subdir {
            // A workspace member, materialized with its workspace: build in the member, and
            // map the copy's root to the workspace root on the user's side.
            self.ctx.project_dir = self.ctx.project_dir.join(sub);
            let depth = sub.components().count();
            if let Some(origin) = self.ctx.origin_dir.take() {
                self.ctx.origin_dir = origin.ancestors().nth(depth).map(Path::to_owned);
            }
        }
        self.report.source = Some(info);

        let (detection, app) = self
            .step(
                Step::Detect,
                "detect",
                StepOutcome::Success,
                |ctx| async move { detect_and_load(&ctx, &p.overrides).await },
            )
            .await?;
        self.ctx.app = Some(Arc::new(app));

        let skip = p.skip_web_build;
        let needs = p.builder.web_needs(&detection);
        // What the builder will get, with the bundle where the web build will leave it.
        let planned = BuildInput {
            project_dir: detection.root.clone(),
            web_dir: self
                .ctx
                .app
                .as_deref()
                .filter(|_| needs == WebNeeds::Bundle)
                .and_then(|app| crate::webbuild::bundle_rel(&detection, app))
                .map(|rel| detection.root.join(rel)),
            out_dir: self.ctx.work_dir.join("out"),
            format: p.format,
        };
        {
            let detection = &detection;
            let planned = &planned;
            self.step(
                Step::Check,
                "check",
                StepOutcome::Success,
                |ctx| async move { check_inputs(&ctx, p, detection, needs, planned).await },
            )
            .await?;
        }

        let web_dir = {
            let detection = &detection;
            let outcome = if skip || needs == WebNeeds::Nothing {
                StepOutcome::Skipped
            } else {
                StepOutcome::Success
            };
            let builder = p.builder.name();
            self.step(Step::WebBuild, "web-build", outcome, |ctx| async move {
                let app = ctx.app()?;
                match needs {
                    WebNeeds::Bundle => crate::webbuild::build_web(&ctx, detection, app, skip).await,
                    WebNeeds::InstallOnly if skip => Ok(None),
                    WebNeeds::InstallOnly => {
                        ctx.info(format!(
                            "the {builder} build bundles the JavaScript itself: installing the dependencies only"
                        ));
                        crate::webbuild::install(&ctx, detection).await.map(|()| None)
                    }
                    WebNeeds::Nothing => {
                        ctx.info(format!("the {builder} build needs no web build"));
                        Ok(None)
                    }
                }
            })
            .await?
        };

        let input = BuildInput { web_dir, ..planned };
        let input = &input;
        let artifacts = self
            .step(
                Step::Build,
                p.builder.name(),
                StepOutcome::Success,
                |ctx| async move {
                    let artifacts = p.builder.build(&ctx, input).await?;
                    if artifacts.is_empty() {
                        return Err(Error::InvalidInput(format!(
                            "builder `{}` finished without producing an artifact",
                            p.builder.name()
                        )));
                    }
                    Ok(artifacts)
                },
            )
            .await?;

        let artifacts = match &p.signer {
            None => {
                // An ipa is signed by xcodebuild's export inside the build step: saying it
                // "stays unsigned" would be wrong.
                let note = if artifacts.iter().any(|a| a.kind == ArtifactKind::Ipa) {
                    "no signer configured: the ipa was signed by the builder's export"
                } else {
                    "no signer configured: artifacts stay unsigned"
                };
                self.skip(Step::Sign, note);
                artifacts
            }
            Some(signer) if !artifacts.iter().any(|a| signer.supports(a.kind)) => {
                self.skip(
                    Step::Sign,
                    &format!(
                        "signer `{}` signs none of the artifacts ({}): they stay unsigned",
                        signer.name(),
                        kinds(artifacts.iter().map(|a| a.kind))
                    ),
                );
                artifacts
            }
            Some(signer) => {
                let (signed, signatures) = self
                    .step(Step::Sign, signer.name(), StepOutcome::Success, |ctx| {
                        sign_all(ctx, signer.as_ref(), artifacts)
                    })
                    .await?;
                self.report.signatures = signatures;
                signed
            }
        };

        let stored: Mutex<Vec<StoredArtifact>> = Mutex::new(Vec::new());
        let result = {
            let stored = &stored;
            let artifacts = &artifacts;
            self.step(
                Step::Store,
                p.sink.name(),
                StepOutcome::Success,
                |ctx| async move {
                    for artifact in artifacts {
                        let s = p.sink.store(&ctx, artifact).await?;
                        ctx.events.send(Event::ArtifactReady {
                            artifact: s.clone(),
                        });
                        lock(stored).push(s);
                    }
                    Ok(())
                },
            )
            .await
        };
        self.report.artifacts = std::mem::take(&mut *lock(&stored));
        result?;

        match &p.submitter {
            None => self.skip(Step::Submit, "no store submitter configured"),
            Some(submitter) => {
                let submissions = Mutex::new(Vec::new());
                let result = {
                    let submissions = &submissions;
                    let stored = &self.report.artifacts.clone();
                    self.step(Step::Submit, submitter.name(), StepOutcome::Success, |ctx| async move {
                        let accepted: Vec<&StoredArtifact> =
                            stored.iter().filter(|a| submitter.accepts(a.kind)).collect();
                        if accepted.is_empty() {
                            return Err(Error::InvalidInput(format!(
                                "store `{}` accepts none of the built artifacts ({}): build a format it takes",
                                submitter.name(),
                                kinds(stored.iter().map(|a| a.kind))
                            )));
                        }
                        for artifact in accepted {
                            let s = submitter.submit(&ctx, artifact).await?;
                            lock(submissions).push(s);
                        }
                        Ok(())
                    })
                    .await
                };
                self.report.submissions = std::mem::take(&mut *lock(&submissions));
                result?;
            }
        }
        Ok(())
    }

    /// Where the project lives (a copy in the work dir, or the user's folder in place), the
    /// user's own folder for messages, and the folders the build writes to.
    async fn prepare_paths(&mut self) {
        let p = self.pipeline;
        let in_place = p.source.in_place_root();
        let local = p.source.local_root();
        let out = p.sink.local_dir();
        let resolved = tokio::task::spawn_blocking(move || {
            (
                in_place.map(|d| absolute(&d)),
                local.map(|d| absolute(&d)),
                out.map(|d| absolute(&d)),
            )
        })
        .await
        .unwrap_or_default();
        let (in_place, local, out) = resolved;
        if let Some(dir) = in_place {
            self.ctx.project_dir = dir;
            self.ctx.in_place = true;
        }
        self.ctx.origin_dir = local;
        self.ctx.leave_out = out.into_iter().collect();
    }

    /// The context for `step`: the build's, with the step and its deadline set.
    fn step_ctx(&self, step: Step, now: Instant) -> BuildContext {
        let step_limit = self.pipeline.step_timeouts.get(&step).copied();
        let step_deadline = step_limit.map(|t| now + t);
        let mut ctx = self.ctx.clone();
        ctx.step = step;
        let (deadline, limit) = match (step_deadline, self.build_deadline) {
            (Some(a), Some(b)) if b < a => (Some(b), self.pipeline.timeout),
            (Some(a), _) => (Some(a), step_limit),
            (None, Some(b)) => (Some(b), self.pipeline.timeout),
            (None, None) => (None, None),
        };
        ctx.deadline = deadline;
        ctx.deadline_limit = limit;
        if let Some(network) = self.pipeline.sandbox_networks.get(&step) {
            ctx.sandbox.network = network.clone();
        }
        ctx
    }

    /// Runs one step: events around it, its record in the report, the cancel token and the
    /// deadline raced against it (the step's future is dropped when either fires, which kills
    /// the tools it started), and a panic in a backend turned into a failure.
    async fn step<T, F, Fut>(
        &mut self,
        step: Step,
        backend: &str,
        on_success: StepOutcome,
        f: F,
    ) -> Result<T, Failure>
    where
        F: FnOnce(BuildContext) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let started_at = OffsetDateTime::now_utc();
        let ctx = self.step_ctx(step, started);
        let cancel = ctx.cancel.clone();
        let deadline = ctx.deadline;
        let ctx_limit = ctx.deadline_limit;
        self.ctx.events.send(Event::StepStarted {
            step,
            at: started_at,
        });

        let result = if cancel.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            let fut = CatchUnwind(Box::pin(f(ctx)));
            tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(Error::Cancelled),
                _ = sleep_until(deadline) => Err(Error::Timeout { step, elapsed: started.elapsed(), limit: ctx_limit }),
                r = fut => r.unwrap_or_else(|panic| Err(Error::backend(
                    backend,
                    format!("panicked: {}; this is a bug in the `{backend}` backend", panic_message(&*panic)),
                ))),
            }
        };

        let outcome = match &result {
            Ok(_) => on_success,
            Err(e) if e.is_cancelled() => StepOutcome::Cancelled,
            Err(e) if e.is_timeout() => StepOutcome::TimedOut,
            Err(_) => StepOutcome::Failed,
        };
        // One measurement for the event, the report and a timeout's message.
        let duration = started.elapsed();
        let mut result = result;
        if let Err(Error::Timeout { elapsed, limit, .. }) = &mut result {
            *elapsed = duration;
            if limit.is_none() {
                *limit = ctx_limit;
            }
        }
        self.record_duration(step, duration, started_at, outcome);
        result.map_err(|error| Failure {
            step: Some(step),
            error,
        })
    }

    /// Records a step that had nothing to do, saying why.
    fn skip(&mut self, step: Step, why: &str) {
        let started_at = OffsetDateTime::now_utc();
        self.ctx.events.send(Event::StepStarted {
            step,
            at: started_at,
        });
        self.ctx.events.info(step, why);
        self.record(step, Instant::now(), started_at, StepOutcome::Skipped);
    }

    fn record(
        &mut self,
        step: Step,
        started: Instant,
        started_at: OffsetDateTime,
        outcome: StepOutcome,
    ) {
        self.record_duration(step, started.elapsed(), started_at, outcome);
    }

    fn record_duration(
        &mut self,
        step: Step,
        duration: Duration,
        started_at: OffsetDateTime,
        outcome: StepOutcome,
    ) {
        self.ctx.events.send(Event::StepFinished {
            step,
            duration,
            outcome,
        });
        self.report.steps.push(StepReport {
            step,
            outcome,
            started_at,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn kinds(kinds: impl Iterator<Item = ArtifactKind>) -> String {
    let mut names: Vec<&str> = kinds.map(|k| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

/// Detection and config loading read many small files: off the async threads.
async fn detect_and_load(
    ctx: &BuildContext,
    overrides: &PartialAppConfig,
) -> Result<(Detection, AppConfig)> {
    let dir = ctx.project_dir.clone();
    let overrides = overrides.clone();
    let (detection, app) = tokio::task::spawn_blocking(move || -> Result<_> {
        let detection = crate::detect::detect(&dir).map_err(|e| Error::rejected("detect", e))?;
        let app = AppConfig::load_with(&detection.root, overrides, detection.prefill.clone())?;
        Ok((detection, app))
    })
    .await
    .map_err(|e| Error::backend("detect", format!("detection task failed: {e}")))??;
    let framework = detection
        .framework
        .as_deref()
        .map(|f| format!(", framework {f}"))
        .unwrap_or_default();
    let kind = serde_json::to_value(detection.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", detection.kind));
    ctx.info(format!(
        "detected a {kind} project{framework}; app {} {} ({})",
        app.id, app.version, app.build
    ));
    for warning in &detection.warnings {
        ctx.warn(ctx.user_paths(warning));
    }
    Ok((detection, app))
}

async fn sign_all(
    ctx: BuildContext,
    signer: &dyn Signer,
    artifacts: Vec<Artifact>,
) -> Result<(Vec<Artifact>, Vec<crate::model::SignatureInfo>)> {
    let mut signed = Vec::with_capacity(artifacts.len());
    let mut signatures = Vec::new();
    for artifact in artifacts {
        if signer.supports(artifact.kind) {
            // `app-unsigned.apk` (what builders name unsigned output) is signed into
            // `app.apk`; anything else is signed in place.
            let renamed = signed_name(&artifact.path);
            let s = signer.sign(&ctx, &artifact, renamed.as_deref()).await?;
            if renamed.is_some() && s.artifact.path != artifact.path {
                let unsigned = artifact.path.clone();
                // The unsigned file is not an artifact any more; leaving it is harmless.
                let _ = tokio::fs::remove_file(&unsigned).await;
            }
            signatures.push(s.signature);
            signed.push(s.artifact);
        } else {
            ctx.info(format!(
                "`{}` does not sign {} files; {} stays unsigned",
                signer.name(),
                artifact.kind,
                artifact.path.display()
            ));
            signed.push(artifact);
        }
    }
    Ok((signed, signatures))
}

/// `dir/name-unsigned.ext` -> `dir/name.ext`; `None` for names without the `-unsigned` marker.
fn signed_name(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, Some(ext)),
        None => (name, None),
    };
    let base = stem.strip_suffix("-unsigned").filter(|b| !b.is_empty())?;
    let signed = match ext {
        Some(ext) => format!("{base}.{ext}"),
        None => base.to_owned(),
    };
    Some(path.with_file_name(signed))
}

/// `path` made absolute (against the current dir) and resolved when it exists; a path that
/// does not exist yet keeps its absolute spelling.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_owned(),
    }
}

/// The `check` step: every input problem that can be found before installing or building,
/// all reported together.
async fn check_inputs(
    ctx: &BuildContext,
    p: &Pipeline,
    detection: &Detection,
    needs: WebNeeds,
    planned: &BuildInput,
) -> Result<()> {
    let app = ctx.app()?;
    let mut problems = Vec::new();
    let web = match needs {
        WebNeeds::Bundle => crate::webbuild::preflight(ctx, detection, app, p.skip_web_build).await,
        WebNeeds::InstallOnly if !p.skip_web_build => {
            crate::webbuild::preflight_install(ctx, detection)
        }
        WebNeeds::InstallOnly | WebNeeds::Nothing => Ok(()),
    };
    if let Err(e) = web {
        problems.push(e);
    }
    if let Err(e) = p.builder.preflight(ctx, planned).await {
        problems.push(e);
    }
    if let Some(signer) = &p.signer {
        if let Err(e) = signer.preflight(ctx).await {
            problems.push(e);
        }
    }
    if let Err(e) = p.sink.preflight(ctx).await {
        problems.push(e);
    }
    if let Some(submitter) = &p.submitter {
        if let Err(e) = submitter.preflight(ctx).await {
            problems.push(e);
        }
    }
    if let Some(web_dir) = &planned.web_dir {
        note_output_inside_bundle(ctx, web_dir);
    }
    match Error::from_problems(problems) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// Says once when a folder the build stores artifacts in lies inside the web bundle (it is
/// left out of the app, so builds never pack earlier builds).
fn note_output_inside_bundle(ctx: &BuildContext, web_dir: &Path) {
    let user_bundle = absolute(&ctx.user_path(web_dir));
    for out in &ctx.leave_out {
        if *out == user_bundle {
            // Web builds empty their output folder (Vite, Next.js), and storing artifacts
            // there mixes them with the site: say so, once.
            ctx.warn(format!(
                "the output folder {} is the web bundle folder itself: the web build may empty it (deleting earlier artifacts) and the artifacts sit among the site's files; choose another output folder (--out)",
                out.display()
            ));
        } else if out.starts_with(&user_bundle) {
            ctx.info(format!(
                "the output folder {} is inside the web bundle folder {}: nativiweb leaves it (and any built APK, AAB or IPA) out of the app",
                out.display(),
                user_bundle.display()
            ));
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// Polls a future, turning a panic into an `Err` with the panic payload.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::result::Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(move || inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn unsigned_names_lose_their_marker() {
        use super::signed_name;
        use std::path::Path;
        assert_eq!(
            signed_name(Path::new("/o/com.x-1.0-unsigned.apk")).unwrap(),
            Path::new("/o/com.x-1.0.apk")
        );
        assert_eq!(signed_name(Path::new("/o/app-release.apk")), None);
        assert_eq!(signed_name(Path::new("/o/-unsigned.apk")), None);
    }

    use super::*;

    #[test]
    fn error_chain_skips_repeated_sources() {
        let io = std::io::Error::other("disk full");
        let e = Error::io("writing", "/x/y", io);
        assert_eq!(error_chain(&e), "writing /x/y: disk full");
        let e = Error::backend("s3", Error::InvalidInput("bucket missing".into()));
        assert_eq!(error_chain(&e), "s3: bucket missing");
    }

    #[test]
    fn failure_text_names_the_step_and_masks_secrets() {
        let redactor = Redactor::new(["hunter22"]);
        let f = Failure {
            step: Some(Step::Sign),
            error: Error::backend("apksigner", "bad password hunter22".to_owned()),
        };
        assert_eq!(
            f.describe(&redactor),
            "step `sign` failed: apksigner: bad password ***"
        );
        let f = Failure {
            step: Some(Step::Build),
            error: Error::Cancelled,
        };
        assert_eq!(f.describe(&redactor), "build cancelled during step `build`");
    }

    #[test]
    fn pipeline_and_its_run_future_are_send() {
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        fn assert_send<T: Send>(_: &T) {}
        let p = Pipeline::new(
            Box::new(crate::memory::MemorySource::new()),
            Box::new(crate::memory::WebZipBuilder::new(Platform::Android)),
            Box::new(crate::memory::MemorySink::new()),
        );
        assert_send_sync(&p);
        let fut = p.run(EventSender::discard(), CancellationToken::new());
        assert_send(&fut);
    }
}
