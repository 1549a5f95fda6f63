//! The Gradle builder when things go wrong, through the real pipeline and the stand-in
//! gradlew: a failed build reports Gradle's "What went wrong" block and the failing task (not
//! the stack trace), with advice for known causes; a hanging build is killed on timeout and on
//! cancel with its whole process tree (no orphan left); a wrong toolchain stops the build in
//! the check step, in well under a second, before any tool runs.

#[path = "fixtures/gradle/support.rs"]
mod support;

use std::time::{Duration, Instant};

use nativiweb_android::gradle::GradleOptions;
use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::{ArtifactKind, BuildStatus, CancellationToken, ErrorKind, Step, StepOutcome};
use support::{fake_jdk, wait_gone, Bench, Kind};

fn step_outcome(report: &nativiweb_core::BuildReport, step: Step) -> Option<StepOutcome> {
    report
        .steps
        .iter()
        .find(|s| s.step == step)
        .map(|s| s.outcome)
}

#[tokio::test]
async fn a_failed_build_says_what_went_wrong_not_the_whole_log() {
    let mut bench = Bench::new(Kind::Android);
    bench.env.insert("STANDIN_MODE".into(), "fail".into());
    let (report, lines) = bench.build(ArtifactKind::Apk).await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(report.error_kind, Some(ErrorKind::Failed));
    assert_eq!(
        step_outcome(&report, Step::Build),
        Some(StepOutcome::Failed)
    );
    let error = report.error.clone().unwrap();
    assert!(
        error.contains("in task :app:compileReleaseJavaWithJavac"),
        "{error}"
    );
    assert!(error.contains("What went wrong:"), "{error}");
    assert!(
        error.contains("> Compilation failed; see the compiler error output for details."),
        "{error}"
    );
    // Not the stack trace nor the rest of the log (which went out as log events).
    assert!(!error.contains("Frame150"), "{error}");
    assert!(!error.contains("* Try:"), "{error}");
    assert!(lines.iter().any(|l| l.contains("Frame150")));
    assert!(lines.iter().any(|l| l == "BUILD FAILED in 3s"));
    // The command is named as the user knows it (their folder, not the build's copy).
    assert!(
        error.contains(&bench.project.join("gradlew").display().to_string()),
        "{error}"
    );
    assert!(report.artifacts.is_empty());
    bench.assert_password_nowhere(&lines);
}

#[tokio::test]
async fn known_causes_get_a_sentence_of_advice() {
    for (mode, advice, task) in [
        (
            "license",
            "yes | sdkmanager --licenses",
            ":app:compileReleaseJavaWithJavac",
        ),
        ("oom", "org.gradle.jvmargs=-Xmx4g", ":app:mergeDexRelease"),
    ] {
        let mut bench = Bench::new(Kind::Android);
        bench.env.insert("STANDIN_MODE".into(), mode.into());
        let (report, _) = bench.build(ArtifactKind::Aab).await;
        assert_eq!(report.status, BuildStatus::Failed, "{mode}");
        let error = report.error.unwrap();
        assert!(error.contains("What went wrong:"), "{mode}: {error}");
        assert!(error.contains("Advice: "), "{mode}: {error}");
        assert!(error.contains(advice), "{mode}: {error}");
        assert!(
            error.contains(&format!("in task {task}")),
            "{mode}: {error}"
        );
    }
}

/// The pids a hanging stand-in gradlew recorded: itself and its `sleep` worker.
fn hang_pids(bench: &Bench) -> Vec<u32> {
    bench
        .log_files()
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "pid"))
        .map(|(_, text)| text.trim().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_timeout_kills_the_whole_gradle_tree() {
    let mut bench = Bench::new(Kind::Android);
    bench.env.insert("STANDIN_MODE".into(), "hang".into());
    let options = GradleOptions {
        timeout: Some(Duration::from_secs(3)),
        ..bench.options()
    };
    let started = Instant::now();
    let (report, lines) = bench
        .run(
            bench.pipeline(options, ArtifactKind::Apk),
            CancellationToken::new(),
        )
        .await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(
        report.error_kind,
        Some(ErrorKind::Timeout),
        "{:?}",
        report.error
    );
    let error = report.error.unwrap();
    assert!(
        error.contains("timed out after 3s and was killed"),
        "{error}"
    );
    assert!(lines
        .iter()
        .any(|l| l == "> Task :app:compileReleaseKotlin"));
    // The error ends with the last lines of output, not all of them.
    assert!(
        error.ends_with("> Task :app:compileReleaseKotlin"),
        "{error}"
    );
    assert!(error.lines().count() < 30, "{error}");
    assert!(lines.iter().any(|l| l.ends_with("lib0.pom")));
    assert!(!error.contains("lib0.pom"), "{error}");
    let pids = hang_pids(&bench);
    assert_eq!(pids.len(), 2, "gradlew and its worker recorded their pids");
    let alive = wait_gone(&pids, 5);
    assert!(
        alive.is_empty(),
        "still running after the timeout: {alive:?}"
    );
}

#[tokio::test]
async fn cancel_kills_the_whole_gradle_tree() {
    let mut bench = Bench::new(Kind::Capacitor);
    bench.env.insert("STANDIN_MODE".into(), "hang".into());
    let pipeline = bench.pipeline(bench.options(), ArtifactKind::Aab);
    let cancel = CancellationToken::new();
    let (events, mut rx) = event_channel();
    let trigger = cancel.clone();
    // Cancel once Gradle is busy (its worker started).
    let watcher = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(event) = rx.recv().await {
            if let Event::Log { line, .. } = event {
                if line == "> Task :app:compileReleaseKotlin" {
                    trigger.cancel();
                }
                lines.push(line);
            }
        }
        lines
    });
    let started = Instant::now();
    let report = pipeline.run(events, cancel).await;
    let lines = watcher.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(report.status, BuildStatus::Cancelled, "{:?}", report.error);
    assert_eq!(report.error_kind, Some(ErrorKind::Cancelled));
    assert_eq!(
        step_outcome(&report, Step::Build),
        Some(StepOutcome::Cancelled)
    );
    // npx ran and finished; Gradle was running when the cancel came.
    let tools: Vec<String> = bench.records().into_iter().map(|r| r.tool).collect();
    assert_eq!(tools, ["npx", "gradlew"]);
    let pids = hang_pids(&bench);
    assert_eq!(pids.len(), 2);
    let alive = wait_gone(&pids, 5);
    assert!(
        alive.is_empty(),
        "still running after the cancel: {alive:?}"
    );
    bench.assert_password_nowhere(&lines);
}

#[tokio::test]
async fn a_wrong_jdk_stops_the_build_before_anything_runs() {
    // Only a JDK 11, as JAVA_HOME and installed; the project's AGP 8.7.3 needs 17.
    let bench = Bench::new(Kind::Capacitor);
    let jdk11 = fake_jdk(&bench.root().join("jvm11/jdk-11"), "11.0.22", false);
    let options = GradleOptions {
        discovery: Some(nativiweb_android::gradle::Discovery {
            jdk_roots: vec![bench.root().join("jvm11")],
            ..Default::default()
        }),
        ..GradleOptions::default()
    };
    let pipeline = bench
        .pipeline(options, ArtifactKind::Aab)
        .env("JAVA_HOME", jdk11.display().to_string());
    let (report, _) = bench.run(pipeline, CancellationToken::new()).await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    assert_eq!(
        step_outcome(&report, Step::Check),
        Some(StepOutcome::Failed)
    );
    let check = report.steps.iter().find(|s| s.step == Step::Check).unwrap();
    assert!(
        check.duration_ms < 1000,
        "the check took {} ms",
        check.duration_ms
    );
    let error = report.error.unwrap();
    assert!(error.contains("needs JDK 17 to 23"), "{error}");
    assert!(
        error.contains("Android Gradle Plugin 8.7.2 needs JDK 17 or newer"),
        "{error}"
    );
    assert!(
        error.contains("Gradle 8.11.1 runs on JDK 8 to 23"),
        "{error}"
    );
    assert!(error.contains("found JDK 11.0.22"), "{error}");
    assert!(error.contains("install JDK 17"), "{error}");
    // Nothing ran: no stand-in left a record, no build step started.
    assert!(bench.records().is_empty(), "{:?}", bench.records());
    assert!(report.steps.iter().all(|s| s.step != Step::Build));
}

#[tokio::test]
async fn a_missing_platform_and_a_missing_tool_are_reported_together() {
    // compileSdk 36, which the SDK lacks; and no npx on PATH.
    let bench = Bench::new(Kind::Capacitor);
    support::android_dir(&bench.project.join("android"), "8.7.2", "8.11.1", 36);
    std::fs::remove_file(bench.bin.join("npx")).unwrap();
    let (report, _) = bench.build(ArtifactKind::Apk).await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    let error = report.error.unwrap();
    assert!(error.contains("2 problems"), "{error}");
    assert!(
        error.contains("needs `npx`, which is not on PATH"),
        "{error}"
    );
    assert!(error.contains("Node.js"), "{error}");
    assert!(
        error.contains("compileSdk 36") && error.contains("`platforms;android-36`"),
        "{error}"
    );
    assert!(
        error.contains("installed: android-34, android-35"),
        "{error}"
    );
    assert!(
        error.contains(&format!(
            "sdkmanager --sdk_root={} \"platforms;android-36\"",
            bench.sdk.display()
        )),
        "{error}"
    );
    // The file that sets compileSdk, as the user knows it.
    assert!(
        error.contains(
            &bench
                .project
                .join("android/app/build.gradle")
                .display()
                .to_string()
        ),
        "{error}"
    );
    assert!(bench.records().is_empty());
}

#[tokio::test]
async fn projects_the_gradle_builder_does_not_build_are_refused_in_the_check() {
    let bench = Bench::new(Kind::Capacitor);
    // A Capacitor project without its android/ folder.
    std::fs::remove_dir_all(bench.project.join("android")).unwrap();
    let (report, _) = bench.build(ArtifactKind::Apk).await;
    let error = report.error.unwrap();
    assert!(error.contains("npx cap add android"), "{error}");
    assert_eq!(report.error_kind, Some(ErrorKind::Input));

    // A plain web app: the direct builder's job.
    let bench = Bench::new(Kind::Android);
    let web = bench.root().join("web");
    support::write(&web.join("index.html"), "<!doctype html><h1>hi</h1>");
    support::nativiweb_toml(&web);
    let pipeline = nativiweb_core::Pipeline::new(
        Box::new(nativiweb_core::source::DirectorySource::new(&web)),
        Box::new(nativiweb_android::GradleBuilder::with_options(
            bench.options(),
        )),
        Box::new(nativiweb_core::sink::LocalDirSink::new(&bench.out)),
    )
    .skip_web_build(true);
    let (report, _) = bench.run(pipeline, CancellationToken::new()).await;
    let error = report.error.unwrap();
    assert!(error.contains("is a web project"), "{error}");
    assert!(error.contains("--builder direct"), "{error}");

    // A format Gradle does not make.
    let bench = Bench::new(Kind::Android);
    let (report, _) = bench.build(ArtifactKind::Ipa).await;
    let error = report.error.unwrap();
    assert!(error.contains("not ipa"), "{error}");
}
