//! The pipeline end to end with the memory backends: reports and their JSON, events,
//! cancellation, deadlines, work dirs, concurrency, failing backends and redaction.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use nativiweb_core::events::{event_channel, Event, Stream};
use nativiweb_core::memory::{
    MemorySigner, MemorySink, MemorySource, MemorySubmitter, WebZipBuilder,
};
use nativiweb_core::process::{run, Command};
use nativiweb_core::{
    Artifact, ArtifactKind, BuildContext, BuildInput, BuildReport, BuildStatus, Builder, Error,
    ErrorKind, Pipeline, Platform, SignedArtifact, Signer, Step, StepOutcome,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

const SIGNING_KEY: &str = "NATIVIWEB_TEST_SIGNING_KEY";
const KEY_VALUE: &str = "pipeline-signing-key-9b7e";

fn source(id: &str, body: &str) -> MemorySource {
    MemorySource::new()
        .file("index.html", format!("<!doctype html><h1>{body}</h1>"))
        .file("assets/app.js", "console.log('hi')")
        .file(
            "nativiweb.toml",
            format!("id = \"{id}\"\nname = \"Hello\"\nversion = \"1.2.0\"\nbuild = 42\n"),
        )
        .commit("0123456789abcdef0123456789abcdef01234567", "Add hello page")
}

fn drain(rx: &mut UnboundedReceiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn outcomes(report: &BuildReport) -> Vec<(Step, StepOutcome)> {
    report.steps.iter().map(|s| (s.step, s.outcome)).collect()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[tokio::test]
async fn full_run_with_memory_backends_succeeds() {
    let parent = tempfile::tempdir().unwrap();
    let sink = MemorySink::new();
    let submitter = MemorySubmitter::new("internal");
    let pipeline = Pipeline::new(
        Box::new(source("com.example.hello", "Hello")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(sink.clone()),
    )
    .signer(Box::new(MemorySigner::new(SIGNING_KEY)))
    .submitter(Box::new(submitter.clone()))
    .secret(SIGNING_KEY, SecretString::from(KEY_VALUE))
    .skip_web_build(true)
    .work_dir_parent(parent.path());
    let (events, mut rx) = event_channel();
    let report = pipeline.run(events, CancellationToken::new()).await;

    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    assert_eq!(report.error, None);
    assert_eq!(report.platform, Platform::Android);
    assert_eq!(
        outcomes(&report),
        [
            (Step::Source, StepOutcome::Success),
            (Step::Detect, StepOutcome::Success),
            (Step::Check, StepOutcome::Success),
            (Step::WebBuild, StepOutcome::Skipped),
            (Step::Build, StepOutcome::Success),
            (Step::Sign, StepOutcome::Success),
            (Step::Store, StepOutcome::Success),
            (Step::Submit, StepOutcome::Success),
        ]
    );
    let source = report.source.as_ref().unwrap();
    assert_eq!(source.kind, "memory");
    assert_eq!(
        source.commit.as_deref(),
        Some("0123456789abcdef0123456789abcdef01234567")
    );

    // The artifact: stored, hashed, signed, submitted.
    assert_eq!(report.artifacts.len(), 1);
    let stored = &report.artifacts[0];
    assert_eq!(stored.name, "com.example.hello.zip");
    assert_eq!(stored.kind, ArtifactKind::Zip);
    let bytes = sink.get(&stored.name).unwrap();
    assert_eq!(bytes.len() as u64, stored.size);
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), stored.sha256);
    let check = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(check.path(), &bytes).unwrap();
    assert!(MemorySigner::verify(check.path(), &SecretString::from(KEY_VALUE)).unwrap());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(check.path()).unwrap()).unwrap();
    let mut index = String::new();
    zip.by_name("index.html")
        .unwrap()
        .read_to_string(&mut index)
        .unwrap();
    assert!(index.contains("<h1>Hello</h1>"));
    assert!(
        zip.by_name("nativiweb.toml").is_ok(),
        "the static site root is the bundle"
    );
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].signer, "memory-signer");
    assert_eq!(report.submissions.len(), 1);
    assert_eq!(report.submissions[0].status, "completed");
    assert_eq!(submitter.received(), report.artifacts);

    // The JSON has the fields DESIGN.md lists.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["status"], "success");
    assert_eq!(json["platform"], "android");
    for key in ["started_at", "finished_at"] {
        let t = json[key].as_str().unwrap();
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap();
    }
    assert_eq!(
        json["source"]["commit"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(json["steps"].as_array().unwrap().len(), 8);
    assert_eq!(json["steps"][2]["step"], "check");
    assert_eq!(json["steps"][4]["step"], "build");
    assert!(json["steps"][4]["duration_ms"].is_u64());
    assert_eq!(json["steps"][3]["outcome"], "skipped");
    let art = &json["artifacts"][0];
    assert_eq!(art["kind"], "zip");
    assert_eq!(art["size"], stored.size);
    assert_eq!(art["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(art["location"], "memory://com.example.hello.zip");
    assert!(json["error"].is_null());
    assert!(json["work_dir"].is_null());
    let back: BuildReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
    assert!(report.duration().is_some());

    // Events: every step started and finished in order, one artifact ready, logs attributed.
    let events = drain(&mut rx);
    let mut boundaries = Vec::new();
    let mut ready = 0;
    for e in &events {
        match e {
            Event::StepStarted { step, .. } => boundaries.push(("start", *step)),
            Event::StepFinished { step, .. } => boundaries.push(("end", *step)),
            Event::ArtifactReady { artifact } => {
                assert_eq!(artifact, stored);
                ready += 1;
            }
            _ => {}
        }
    }
    let expected: Vec<_> = [
        Step::Source,
        Step::Detect,
        Step::Check,
        Step::WebBuild,
        Step::Build,
        Step::Sign,
        Step::Store,
        Step::Submit,
    ]
    .into_iter()
    .flat_map(|s| [("start", s), ("end", s)])
    .collect();
    assert_eq!(boundaries, expected);
    assert_eq!(ready, 1);
    assert!(events.iter().any(|e| matches!(e,
        Event::Log { step: Step::Build, stream: Stream::Info, line, .. } if line.starts_with("zipped 3 files"))));

    // The work dir is gone.
    assert!(
        entries(parent.path()).is_empty(),
        "{:?}",
        entries(parent.path())
    );
}

#[tokio::test]
async fn contract_web_build_runs_when_not_skipped() {
    let pipeline = Pipeline::new(
        Box::new(source("com.example.web", "Web")),
        Box::new(WebZipBuilder::new(Platform::Ios)),
        Box::new(MemorySink::new()),
    );
    let (events, _rx) = event_channel();
    let report = pipeline.run(events, CancellationToken::new()).await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    assert_eq!(report.platform, Platform::Ios);
    assert_eq!(report.steps[2].step, Step::Check);
    assert_eq!(report.steps[3].step, Step::WebBuild);
    assert_eq!(report.steps[3].outcome, StepOutcome::Success);
    assert_eq!(report.steps[5].outcome, StepOutcome::Skipped, "no signer");
    assert_eq!(
        report.steps[7].outcome,
        StepOutcome::Skipped,
        "no submitter"
    );
    assert_eq!(report.artifacts[0].platform, Platform::Ios);
}

/// A builder that runs a long tool that forks a sleeping grandchild and records its pid.
#[derive(Debug)]
struct SlowBuilder {
    script: PathBuf,
}

impl SlowBuilder {
    fn new(dir: &Path) -> Self {
        let script = dir.join("slow.sh");
        std::fs::write(
            &script,
            "sleep 1000 &\necho \"grandchild $!\"\necho \"leader $$\"\nsleep 1000\n",
        )
        .unwrap();
        SlowBuilder { script }
    }
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
        _input: &BuildInput,
    ) -> nativiweb_core::Result<Vec<Artifact>> {
        run(ctx, Command::new("/bin/sh").arg(&self.script)).await?;
        Ok(Vec::new())
    }
}

fn pids(events: &[Event]) -> Vec<i32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log {
                step: Step::Build,
                line,
                ..
            } => line
                .strip_prefix("grandchild ")
                .or_else(|| line.strip_prefix("leader "))
                .map(|p| p.parse().unwrap()),
            _ => None,
        })
        .collect()
}

fn alive(pid: i32) -> bool {
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => !cfg!(target_os = "linux"),
    }
}

async fn assert_gone(pid: i32) {
    let start = Instant::now();
    while alive(pid) {
        assert!(start.elapsed() < Duration::from_secs(2), "{pid} survived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn cancel_stops_a_long_build_within_a_second_and_kills_its_tools() {
    let scripts = tempfile::tempdir().unwrap();
    let parent = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::new(
        Box::new(source("com.example.slow", "Slow")),
        Box::new(SlowBuilder::new(scripts.path())),
        Box::new(MemorySink::new()),
    )
    .skip_web_build(true)
    .work_dir_parent(parent.path());
    let (events, mut rx) = event_channel();
    let cancel = CancellationToken::new();
    let task = {
        let cancel = cancel.clone();
        tokio::spawn(async move { pipeline.run(events, cancel).await })
    };

    let mut seen = Vec::new();
    while pids(&seen).len() < 2 {
        let e = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("the slow tool never started")
            .unwrap();
        seen.push(e);
    }
    let tool_pids = pids(&seen);
    assert!(tool_pids.iter().all(|p| alive(*p)));

    let cancelled_at = Instant::now();
    cancel.cancel();
    let report = task.await.unwrap();
    let took = cancelled_at.elapsed();
    assert!(took < Duration::from_secs(1), "cancel took {took:?}");

    assert_eq!(report.status, BuildStatus::Cancelled);
    assert_eq!(
        report.error.as_deref(),
        Some("build cancelled during step `build`")
    );
    assert_eq!(report.steps.last().unwrap().step, Step::Build);
    assert_eq!(report.steps.last().unwrap().outcome, StepOutcome::Cancelled);
    assert_eq!(
        serde_json::to_value(&report).unwrap()["status"],
        "cancelled"
    );
    for pid in tool_pids {
        assert_gone(pid).await;
    }
    assert!(entries(parent.path()).is_empty());
    // The last event closes the build step as cancelled.
    let rest = drain(&mut rx);
    assert!(
        matches!(
            rest.last(),
            Some(Event::StepFinished {
                step: Step::Build,
                outcome: StepOutcome::Cancelled,
                ..
            })
        ),
        "{rest:?}"
    );
}

#[tokio::test]
async fn step_timeout_fails_naming_the_step() {
    let scripts = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::new(
        Box::new(source("com.example.slow", "Slow")),
        Box::new(SlowBuilder::new(scripts.path())),
        Box::new(MemorySink::new()),
    )
    .skip_web_build(true)
    .step_timeout(Step::Build, Duration::from_millis(400))
    .step_timeout(Step::Source, Duration::from_secs(30));
    let (events, mut rx) = event_channel();
    let started = Instant::now();
    let report = pipeline.run(events, CancellationToken::new()).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(report.status, BuildStatus::Failed);
    let error = report.error.as_deref().unwrap();
    assert!(
        error.contains("`build`") && error.contains("timed out"),
        "{error}"
    );
    assert_eq!(report.steps.last().unwrap().outcome, StepOutcome::TimedOut);
    assert_eq!(serde_json::to_value(&report).unwrap()["status"], "failed");
    assert_eq!(report.error_kind, Some(ErrorKind::Timeout));
    for pid in pids(&drain(&mut rx)) {
        assert_gone(pid).await;
    }
}

#[tokio::test]
async fn whole_build_timeout_fails_naming_the_running_step() {
    let scripts = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::new(
        Box::new(source("com.example.slow", "Slow")),
        Box::new(SlowBuilder::new(scripts.path())),
        Box::new(MemorySink::new()),
    )
    .skip_web_build(true)
    .timeout(Duration::from_millis(600));
    let (events, mut rx) = event_channel();
    let report = pipeline.run(events, CancellationToken::new()).await;
    assert_eq!(report.status, BuildStatus::Failed);
    let error = report.error.as_deref().unwrap();
    assert!(
        error.contains("`build`") && error.contains("timed out"),
        "{error}"
    );
    // The limit that ran out is named as it was set, and the step's own duration is said in
    // the same words the step-finished event gives (one formatter, one reading).
    assert!(error.contains("(the limit was 600 ms)"), "{error}");
    let mut finished = None;
    while let Ok(e) = rx.try_recv() {
        if let Event::StepFinished {
            step: Step::Build,
            duration,
            ..
        } = e
        {
            finished = Some(duration);
        }
    }
    let said = nativiweb_core::model::human_duration(finished.unwrap());
    assert!(
        error.contains(&format!("timed out after {said}")),
        "{error} vs {said}"
    );
}

#[tokio::test]
async fn work_dir_is_kept_on_request() {
    let parent = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::new(
        Box::new(source("com.example.keep", "Keep")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .skip_web_build(true)
    .keep_work_dir(true)
    .work_dir_parent(parent.path().join("nested"));
    let (events, _rx) = event_channel();
    let report = pipeline.run(events, CancellationToken::new()).await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    let work = report.work_dir.clone().unwrap();
    assert!(work.starts_with(parent.path().join("nested").canonicalize().unwrap()));
    assert!(work.join("project/index.html").is_file());
    assert!(work.join("out/com.example.keep.zip").is_file());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["work_dir"], work.display().to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pipelines_do_not_interfere() {
    let parent = tempfile::tempdir().unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let sink = MemorySink::new();
        let pipeline = Pipeline::new(
            Box::new(source(&format!("com.example.app{i}"), &format!("App {i}"))),
            Box::new(WebZipBuilder::new(Platform::Android)),
            Box::new(sink.clone()),
        )
        .signer(Box::new(MemorySigner::new(SIGNING_KEY)))
        .secret(SIGNING_KEY, SecretString::from(format!("{KEY_VALUE}-{i}")))
        .skip_web_build(true)
        // Even builds keep their dir so we can see the dirs were distinct.
        .keep_work_dir(i % 2 == 0)
        .work_dir_parent(parent.path());
        tasks.push(tokio::spawn(async move {
            let (events, mut rx) = event_channel();
            let report = pipeline.run(events, CancellationToken::new()).await;
            (i, report, sink, drain(&mut rx))
        }));
    }
    let mut kept = Vec::new();
    for task in tasks {
        let (i, report, sink, events) = task.await.unwrap();
        assert_eq!(
            report.status,
            BuildStatus::Success,
            "{i}: {:?}",
            report.error
        );
        let name = format!("com.example.app{i}.zip");
        assert_eq!(report.artifacts.len(), 1);
        assert_eq!(report.artifacts[0].name, name);
        let bytes = sink.get(&name).unwrap();
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), &bytes).unwrap();
        let key = SecretString::from(format!("{KEY_VALUE}-{i}"));
        assert!(MemorySigner::verify(tmp.path(), &key).unwrap(), "{i}");
        let mut zip = zip::ZipArchive::new(std::fs::File::open(tmp.path()).unwrap()).unwrap();
        let mut index = String::new();
        zip.by_name("index.html")
            .unwrap()
            .read_to_string(&mut index)
            .unwrap();
        assert!(index.contains(&format!("<h1>App {i}</h1>")), "{i}: {index}");
        // Each build's events speak only of its own app.
        for e in &events {
            if let Event::ArtifactReady { artifact } = e {
                assert_eq!(artifact.name, name);
            }
        }
        match report.work_dir {
            Some(dir) => kept.push(dir),
            None => assert_eq!(i % 2, 1),
        }
    }
    kept.sort();
    kept.dedup();
    assert_eq!(kept.len(), 4, "kept work dirs must be distinct");
    let mut left = entries(parent.path());
    left.sort();
    assert_eq!(left, kept, "only the kept work dirs remain");
}

/// A signer that fails with an error quoting the password it was given, as a careless tool
/// would.
#[derive(Debug)]
struct LeakySigner;

#[async_trait]
impl Signer for LeakySigner {
    fn name(&self) -> &str {
        "leaky"
    }
    fn supports(&self, _kind: ArtifactKind) -> bool {
        true
    }
    async fn sign(
        &self,
        ctx: &BuildContext,
        _artifact: &Artifact,
        _out: Option<&Path>,
    ) -> nativiweb_core::Result<SignedArtifact> {
        let pw = ctx
            .secrets
            .get(SIGNING_KEY)
            .unwrap()
            .expose_secret()
            .to_owned();
        ctx.info(format!("trying password {pw}"));
        Err(Error::backend(
            "leaky",
            Error::InvalidInput(format!(
                "keystore was tampered with, or password {pw} was incorrect"
            )),
        ))
    }
}

#[tokio::test]
async fn failing_signer_fails_the_build_without_leaking_the_secret() {
    let sink = MemorySink::new();
    let pipeline = Pipeline::new(
        Box::new(source("com.example.leak", "Leak")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(sink.clone()),
    )
    .signer(Box::new(LeakySigner))
    .secret(SIGNING_KEY, SecretString::from(KEY_VALUE))
    .skip_web_build(true);
    let (events, mut rx) = event_channel();
    let report = pipeline.run(events, CancellationToken::new()).await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(
        report.error.as_deref(),
        Some(
            "step `sign` failed: leaky: keystore was tampered with, or password *** was incorrect"
        )
    );
    assert_eq!(report.steps.last().unwrap().step, Step::Sign);
    assert_eq!(report.steps.last().unwrap().outcome, StepOutcome::Failed);
    assert!(
        report.artifacts.is_empty() && sink.is_empty(),
        "nothing stored after a failed sign"
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(KEY_VALUE), "{json}");
    assert!(format!("{report:?}").contains("***"));
    for e in drain(&mut rx) {
        let text = format!("{e:?}");
        assert!(!text.contains(KEY_VALUE), "{text}");
    }
}

#[tokio::test]
async fn missing_signing_key_names_the_secret() {
    let pipeline = Pipeline::new(
        Box::new(source("com.example.nokey", "No key")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .signer(Box::new(MemorySigner::new(SIGNING_KEY)))
    .skip_web_build(true);
    let report = pipeline
        .run(event_channel().0, CancellationToken::new())
        .await;
    assert_eq!(report.status, BuildStatus::Failed);
    let error = report.error.unwrap();
    assert!(
        error.starts_with("step `sign` failed: memory-signer:"),
        "{error}"
    );
    assert!(error.contains(SIGNING_KEY), "{error}");
}

#[derive(Debug)]
struct PanickingBuilder;

#[async_trait]
impl Builder for PanickingBuilder {
    fn name(&self) -> &str {
        "panicky"
    }
    fn platform(&self) -> Platform {
        Platform::Android
    }
    async fn build(
        &self,
        _ctx: &BuildContext,
        _input: &BuildInput,
    ) -> nativiweb_core::Result<Vec<Artifact>> {
        panic!("index out of range in the packager");
    }
}

#[tokio::test]
async fn a_panicking_backend_fails_its_step_instead_of_the_caller() {
    let parent = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::new(
        Box::new(source("com.example.panic", "Panic")),
        Box::new(PanickingBuilder),
        Box::new(MemorySink::new()),
    )
    .skip_web_build(true)
    .work_dir_parent(parent.path());
    let report = pipeline
        .run(event_channel().0, CancellationToken::new())
        .await;
    assert_eq!(report.status, BuildStatus::Failed);
    let error = report.error.unwrap();
    assert!(
        error.contains("step `build` failed: panicky: panicked: index out of range"),
        "{error}"
    );
    assert!(entries(parent.path()).is_empty());
}

#[tokio::test]
async fn bad_setups_fail_with_a_report() {
    // A builder for another platform.
    let report = Pipeline::new(
        Box::new(source("com.example.a", "A")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .platform(Platform::Ios)
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert!(report.steps.is_empty());
    assert!(report
        .error
        .unwrap()
        .contains("builds for android but the pipeline targets ios"));

    // A format the builder does not make.
    let report = Pipeline::new(
        Box::new(source("com.example.a", "A")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .format(ArtifactKind::Aab)
    .skip_web_build(true)
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert!(report
        .error
        .unwrap()
        .starts_with("step `build` failed: web-zip: makes `zip` artifacts only, not `aab`"));

    // A store that takes none of the artifacts.
    let report = Pipeline::new(
        Box::new(source("com.example.a", "A")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .submitter(Box::new(
        MemorySubmitter::new("internal").accepting([ArtifactKind::Aab]),
    ))
    .skip_web_build(true)
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(report.artifacts.len(), 1, "stored before the submit failed");
    assert_eq!(report.steps.last().unwrap().outcome, StepOutcome::Failed);
    assert!(report
        .error
        .unwrap()
        .contains("accepts none of the built artifacts (zip)"));

    // A source path escaping the project.
    let report = Pipeline::new(
        Box::new(MemorySource::new().file("../escape.txt", "x")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert_eq!(outcomes(&report), [(Step::Source, StepOutcome::Failed)]);
    assert!(report.error.unwrap().contains("../escape.txt"));

    // A project without nativiweb.toml or anything to prefill the id from.
    let report = Pipeline::new(
        Box::new(MemorySource::new().file("index.html", "<h1>x</h1>")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(MemorySink::new()),
    )
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert_eq!(report.steps.last().unwrap().step, Step::Detect);
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    // Every config problem at once, said as what to fix (not as a step that broke).
    let error = report.error.unwrap();
    assert!(
        error.starts_with("2 problems in the app configuration:\n  - missing `id`"),
        "{error}"
    );
    assert!(error.contains("missing `name`"), "{error}");
    assert!(!error.contains("step `"), "{error}");
}

#[tokio::test]
async fn an_already_cancelled_token_runs_nothing() {
    let cancel = CancellationToken::new();
    cancel.cancel();
    let sink = MemorySink::new();
    let report = Pipeline::new(
        Box::new(source("com.example.a", "A")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(sink.clone()),
    )
    .run(event_channel().0, cancel)
    .await;
    assert_eq!(report.status, BuildStatus::Cancelled);
    assert_eq!(outcomes(&report), [(Step::Source, StepOutcome::Cancelled)]);
    assert_eq!(report.error_kind, Some(ErrorKind::Cancelled));
    assert!(sink.is_empty());
}
