//! `nativiweb generate DIR --platform android|ios --out OUT [--export-method M]
//! [--overwrite-edits] [--json]`: a native project of the user's own, around nativiweb's
//! shell, for web apps: a Gradle (Kotlin DSL) project for Android, an Xcode project for iOS.
//!
//! The project is detected and its `nativiweb.toml` loaded as `build` does; the web bundle is
//! the project's built output folder (run the web build first), copied through the bundle
//! filter. Regenerating keeps the files the user edited and says which.

use std::path::PathBuf;

use clap::Args;
use nativiweb::android::gradle::{self, GradleProject};
use nativiweb::core::config::{AppConfig, StartUrl};
use nativiweb::core::model::Platform;
use nativiweb::ios::{ExportMethod, GenerateOptions, XcodeProject};

use crate::output::{print_json, CliError};
use crate::OutputArgs;

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The project directory.
    pub dir: PathBuf,
    /// The platform to generate a project for.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Platform,
    /// Where to write the project (regenerating in place keeps your edits).
    #[arg(long)]
    pub out: PathBuf,
    /// iOS: ExportOptions.plist's method: app-store-connect, release-testing, enterprise or
    /// debugging.
    #[arg(long, value_name = "METHOD")]
    pub export_method: Option<String>,
    /// Replace files you edited since the last generation (each is named in a warning).
    #[arg(long)]
    pub overwrite_edits: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

/// Runs `generate`.
pub async fn run(args: GenerateArgs) -> Result<(), CliError> {
    let json = args.output.json;
    generate(args)
        .await
        .map_err(|e| e.with_json_fallback(json, serde_json::json!({ "status": "failed" })))
}

/// What a generator made, for the output.
enum Made {
    Ios(nativiweb::ios::Generated),
    Android(gradle::GeneratedProject),
}

async fn generate(args: GenerateArgs) -> Result<(), CliError> {
    if !matches!(args.platform, Platform::Ios | Platform::Android) {
        return Err(CliError::input(
            "generate makes Android (Gradle) and iOS (Xcode) projects: use --platform android or --platform ios",
        ));
    }
    if args.platform == Platform::Android && args.export_method.is_some() {
        return Err(CliError::input(
            "--export-method is for iOS projects: leave it out with --platform android",
        ));
    }
    if !args.dir.is_dir() {
        return Err(CliError::input(format!(
            "{} is not a directory: give the project's folder",
            args.dir.display()
        )));
    }
    let mut options = GenerateOptions::new();
    if let Some(method) = &args.export_method {
        let method = ExportMethod::parse(method).ok_or_else(|| {
            CliError::input(format!(
                "unknown export method `{method}`: use app-store-connect, release-testing, enterprise or debugging"
            ))
        })?;
        options = options.export_method(method);
    }
    options.overwrite_edits = args.overwrite_edits;
    let android_options = gradle::GenerateOptions::new().overwrite_edits(args.overwrite_edits);
    let platform = args.platform;
    let dir = args.dir.clone();
    let out = args.out.clone();
    let made = tokio::task::spawn_blocking(move || -> Result<Made, CliError> {
        let detection = nativiweb::core::detect::detect(&dir).map_err(CliError::input)?;
        let app = AppConfig::load(&detection.root, detection.prefill.clone())
            .map_err(CliError::input)?;
        let web_dir = match (&app.web_dir, &app.start_url) {
            (Some(rel), _) => Some(detection.root.join(rel)),
            (None, StartUrl::Remote(_)) => None,
            (None, StartUrl::Bundled(_)) => {
                detection.output_dir.as_ref().map(|o| detection.root.join(o))
            }
        };
        if let Some(web) = web_dir.as_ref().filter(|w| !w.is_dir()) {
            let how = detection
                .build_command
                .clone()
                .unwrap_or_else(|| "your web build".to_owned());
            return Err(CliError::input(format!(
                "the web bundle {} is not there yet: run `{how}` first, or set `web_dir` in nativiweb.toml",
                web.display()
            )));
        }
        if platform == Platform::Android {
            return GradleProject::generate(
                &app,
                web_dir.as_deref(),
                &detection.root,
                &out,
                &android_options,
            )
            .map(Made::Android)
            .map_err(|e| {
                let input = e.is_input();
                CliError::from_kind(e, input)
            });
        }
        XcodeProject::generate(&app, web_dir.as_deref(), &detection.root, &out, &options)
            .map(Made::Ios)
            .map_err(|e| {
                let input = e.is_input();
                CliError::from_kind(e, input)
            })
    })
    .await
    .map_err(|e| CliError::failed(format!("generating crashed: {e}")))??;

    let generated = match made {
        Made::Ios(generated) => generated,
        Made::Android(generated) => return report_android(&generated, args.output.json),
    };
    report(
        &generated,
        "ios",
        Summary {
            project: &generated.project,
            written: generated.written.len(),
            unchanged: generated.unchanged.len(),
            kept: generated.kept.iter().map(|k| (&k.path, &k.ours)).collect(),
            web_files: generated.web_files,
            warnings: &generated.warnings,
        },
        &format!(
            "open it in Xcode, or build on a Mac: xcodebuild -project {} -scheme {} archive",
            generated.project.display(),
            generated.scheme
        ),
        args.output.json,
    )
}

/// What both generators report, for [`report`].
struct Summary<'a> {
    project: &'a std::path::Path,
    written: usize,
    unchanged: usize,
    kept: Vec<(&'a PathBuf, &'a PathBuf)>,
    web_files: usize,
    warnings: &'a [String],
}

/// Prints what a generator did: one JSON document with `--json` (the result, with `status` and
/// `platform`), else what was written and kept, and `next` (how to build the project).
fn report(
    result: &impl serde::Serialize,
    platform: &str,
    summary: Summary<'_>,
    next: &str,
    json: bool,
) -> Result<(), CliError> {
    if json {
        let mut doc = serde_json::to_value(result)
            .map_err(|e| CliError::failed(format!("could not serialize the result: {e}")))?;
        if let Some(o) = doc.as_object_mut() {
            o.insert("status".into(), "success".into());
            o.insert("platform".into(), platform.into());
        }
        return print_json(&doc);
    }
    for w in summary.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "generated {} ({} files written, {} unchanged, {} kept as you edited them; {} web files)",
        summary.project.display(),
        summary.written,
        summary.unchanged,
        summary.kept.len(),
        summary.web_files
    );
    for (path, ours) in &summary.kept {
        println!(
            "  kept {} (nativiweb's version: {})",
            path.display(),
            ours.display()
        );
    }
    println!("{next}");
    Ok(())
}

/// Prints what the Android generator did: one JSON document with `--json` (the result, with
/// `status` and `platform`), else the same lines as for iOS and how to build the project.
fn report_android(generated: &gradle::GeneratedProject, json: bool) -> Result<(), CliError> {
    report(
        generated,
        "android",
        Summary {
            project: &generated.project,
            written: generated.written.len(),
            unchanged: generated.unchanged.len(),
            kept: generated.kept.iter().map(|k| (&k.path, &k.ours)).collect(),
            web_files: generated.web_files,
            warnings: &generated.warnings,
        },
        &format!(
            "open it in Android Studio, or build it with JDK 17+ and the Android SDK: add the wrapper once (gradle wrapper --gradle-version {}), then ./gradlew assembleRelease in {} (signed when NATIVIWEB_KEYSTORE_PATH, NATIVIWEB_KEYSTORE_PASSWORD and NATIVIWEB_KEY_ALIAS are set)",
            generated.gradle_version,
            generated.project.display()
        ),
        json,
    )
}
