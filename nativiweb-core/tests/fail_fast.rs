//! Checks that can fail in a second run before a minute of work: the pipeline's `check` step
//! finds bad input before any install or build starts (stand-in tools record every call, so
//! "nothing ran" is observed, not assumed), reports every problem at once, and names the
//! user's files rather than the build's temporary copies.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nativiweb_core::events::event_channel;
use nativiweb_core::memory::WebZipBuilder;
use nativiweb_core::sink::LocalDirSink;
use nativiweb_core::source::DirectorySource;
use nativiweb_core::{
    BuildReport, BuildStatus, CancellationToken, ErrorKind, Pipeline, Platform, Step, StepOutcome,
};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A private bin folder whose `node` and `npm` only record that they were called.
struct Recorder {
    bin: tempfile::TempDir,
    log: PathBuf,
}

impl Recorder {
    fn new() -> Self {
        let bin = tempfile::tempdir().unwrap();
        let log = bin.path().join("calls.log");
        for tool in ["node", "npm"] {
            let p = bin.path().join(tool);
            std::fs::write(
                &p,
                format!("#!/bin/sh\necho \"{tool} $*\" >> \"{}\"\n", log.display()),
            )
            .unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Recorder { bin, log }
    }

    fn path(&self) -> String {
        self.bin.path().display().to_string()
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

async fn build(
    project: &Path,
    out: &Path,
    tools: &Recorder,
    skip: bool,
) -> (BuildReport, Duration) {
    let pipeline = Pipeline::new(
        Box::new(DirectorySource::new(project).keep_build_outputs(skip)),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(LocalDirSink::new(out)),
    )
    .skip_web_build(skip)
    .env("PATH", tools.path());
    let started = Instant::now();
    let report = pipeline
        .run(event_channel().0, CancellationToken::new())
        .await;
    (report, started.elapsed())
}

fn last_step(report: &BuildReport) -> (Step, StepOutcome) {
    let s = report.steps.last().unwrap();
    (s.step, s.outcome)
}

#[tokio::test]
async fn a_nextjs_server_app_fails_before_any_install_or_build() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("shop");
    write(
        &app,
        "package.json",
        r#"{"name":"shop","version":"1.0.0","scripts":{"build":"next build"},"dependencies":{"next":"15.0.0","react":"19.0.0"}}"#,
    );
    write(&app, "package-lock.json", "{}");
    write(
        &app,
        "next.config.js",
        "module.exports = { reactStrictMode: true };\n",
    );
    write(
        &app,
        "nativiweb.toml",
        "id = \"com.example.shop\"\nname = \"Shop\"\n",
    );
    let tools = Recorder::new();
    let (report, took) = build(&app, &tmp.path().join("out"), &tools, false).await;
    assert_eq!(report.status, BuildStatus::Failed);
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    assert_eq!(last_step(&report), (Step::Check, StepOutcome::Failed));
    let error = report.error.clone().unwrap();
    assert!(error.contains("output: 'export'"), "{error}");
    assert_eq!(tools.calls(), "", "a tool ran before the check failed");
    println!("time to the error: {took:?}");
    // The goal is under a second; a test may only assert ten times looser.
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn every_input_problem_is_reported_at_once_naming_the_users_files() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("site");
    write(&app, "index.html", "<h1>hi</h1>");
    write(
        &app,
        "nativiweb.toml",
        "id = \"com.example.site\"\nname = \"Site\"\nversion = \"v1\"\ntheme_color = \"blue\"\nexclude = [\"src/[a\"]\n",
    );
    // The output folder is a file.
    let out = tmp.path().join("out-file");
    std::fs::write(&out, "not a folder").unwrap();
    let tools = Recorder::new();
    let (report, took) = build(&app, &out, &tools, false).await;
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    let error = report.error.clone().unwrap();
    // The config's three problems, in one message that names the user's own file...
    for expected in ["`version`", "`theme_color`", "`exclude`"] {
        assert!(error.contains(expected), "{expected} missing from {error}");
    }
    let user_toml = app.canonicalize().unwrap().join("nativiweb.toml");
    assert!(error.contains(&user_toml.display().to_string()), "{error}");
    assert!(
        !error.contains("nativiweb-build-"),
        "names a temporary copy: {error}"
    );
    assert_eq!(last_step(&report), (Step::Detect, StepOutcome::Failed));
    assert!(took < Duration::from_secs(10), "{took:?}");

    // ...and once the config is right, the output folder problem is said before any work.
    write(
        &app,
        "nativiweb.toml",
        "id = \"com.example.site\"\nname = \"Site\"\n",
    );
    let (report, _) = build(&app, &out, &tools, false).await;
    let error = report.error.clone().unwrap();
    assert_eq!(last_step(&report), (Step::Check, StepOutcome::Failed));
    assert!(error.contains("is a file, not a folder"), "{error}");
    assert!(!error.contains("os error"), "{error}");
}

#[tokio::test]
async fn skip_web_build_without_a_built_bundle_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("vite");
    write(
        &app,
        "package.json",
        r#"{"name":"vite-app","version":"1.0.0","scripts":{"build":"vite build"},"devDependencies":{"vite":"^7.0.0"}}"#,
    );
    write(&app, "index.html", "<div id=app></div>");
    write(
        &app,
        "nativiweb.toml",
        "id = \"com.example.vite\"\nname = \"Vite\"\n",
    );
    let tools = Recorder::new();
    let (report, _) = build(&app, &tmp.path().join("out"), &tools, true).await;
    assert_eq!(report.error_kind, Some(ErrorKind::Input));
    assert_eq!(last_step(&report), (Step::Check, StepOutcome::Failed));
    let error = report.error.clone().unwrap();
    let looked = app.canonicalize().unwrap().join("dist/index.html");
    assert!(error.contains("no built web bundle was found"), "{error}");
    assert!(error.contains(&looked.display().to_string()), "{error}");
    assert!(error.contains("drop --skip-web-build"), "{error}");
    assert!(error.contains("`npm run build`"), "{error}");
    assert!(
        !error.contains("web_dir"),
        "web_dir is not the fix: {error}"
    );
    assert!(!error.contains("(`none`)"), "{error}");
    assert_eq!(tools.calls(), "");
}

#[tokio::test]
async fn missing_tools_are_found_before_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("vite");
    write(
        &app,
        "package.json",
        r#"{"name":"vite-app","version":"1.0.0","scripts":{"build":"vite build"},"devDependencies":{"vite":"^7.0.0"}}"#,
    );
    write(&app, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    write(
        &app,
        "nativiweb.toml",
        "id = \"com.example.vite\"\nname = \"Vite\"\n",
    );
    let tools = Recorder::new(); // node and npm, but no pnpm
    let (report, _) = build(&app, &tmp.path().join("out"), &tools, false).await;
    assert_eq!(last_step(&report), (Step::Check, StepOutcome::Failed));
    let error = report.error.clone().unwrap();
    assert!(error.contains("`pnpm` is not installed"), "{error}");
    assert_eq!(tools.calls(), "");
}

#[tokio::test]
async fn an_output_folder_that_is_the_bundle_itself_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("site");
    write(&app, "dist/index.html", "<h1>hi</h1>");
    write(
        &app,
        "nativiweb.toml",
        "id = \"com.example.site\"\nname = \"Site\"\nweb_dir = \"dist\"\n",
    );
    let tools = Recorder::new();
    let (report, _) = build(&app, &app.join("dist"), &tools, true).await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("is the web bundle folder itself"),
        "{:?}",
        report.warnings
    );
}
