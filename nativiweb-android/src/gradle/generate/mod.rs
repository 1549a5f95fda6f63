//! [`GradleProject::generate`] (`nativiweb generate --platform android`): an Android project
//! of the app's own, in Gradle's Kotlin DSL, around the same shell the SDK-free packager ships
//! — for web apps whose team wants an `android/` folder to open in Android Studio, add native
//! code to, or build with their own Gradle CI.
//!
//! What it writes into the output folder:
//!
//! | file | from |
//! |---|---|
//! | `settings.gradle.kts`, `build.gradle.kts`, `gradle/libs.versions.toml`, `gradle.properties`, `gradle/wrapper/gradle-wrapper.properties`, `.gitignore` | [`scripts`] |
//! | `app/build.gradle.kts` | [`scripts::app_build`]: namespace, applicationId, SDK levels and versions from the app config; release signing from `NATIVIWEB_KEYSTORE_*` environment variables |
//! | `app/src/main/java/app/nativiweb/shell/*.java` | [`java`]: the shell in Java |
//! | `app/src/main/AndroidManifest.xml`, `app/src/main/res/` | [`res`]: from the packager's [`AppModel`] |
//! | `app/src/main/assets/nativiweb.json` | the shell's settings, as the packager writes them |
//! | `app/src/main/assets/www/` | the web bundle, through the core bundle filter |
//! | `.nativiweb/generated.json` | [`regen`]: what was written, to keep the user's edits on regeneration |
//!
//! The same inputs give the same bytes. Regenerating keeps the files the user edited (see
//! [`regen`]); the web bundle and the versions are always brought up to date.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nativiweb_core::bundle::LeftOut;
use nativiweb_core::config::AppConfig;
use serde::Serialize;

use crate::package::model::{AppModel, Prepared};
use crate::package::PackageOptions;

pub mod error;
pub mod java;
pub mod options;
pub mod regen;
pub mod res;
pub mod scripts;
pub mod xml_text;

pub use error::GenerateError;
pub use options::GenerateOptions;

use super::GradleProject;
use regen::Planned;

/// Where the web bundle goes, relative to the project.
pub const WEB_DIR: &str = "app/src/main/assets/www";

/// Where the shell's settings go, relative to the project.
pub const SETTINGS_FILE: &str = "app/src/main/assets/nativiweb.json";

/// The lowest `minSdk` the shell runs on (its Java uses API 24 classes unguarded, as the smali
/// shell does).
pub const MIN_SDK: u32 = 24;

/// A file kept because the user edited it (see [`GradleProject::generate`]): the type the iOS
/// generator reports too.
pub use nativiweb_core::regen::KeptFile;

/// What [`GradleProject::generate`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GeneratedProject {
    /// The output folder.
    pub out: PathBuf,
    /// The Gradle project: the output folder itself (it holds `settings.gradle.kts`).
    pub project: PathBuf,
    /// The application module (`app`).
    pub module: String,
    /// The Android Gradle Plugin version the project uses.
    pub agp_version: String,
    /// The Gradle version its wrapper names.
    pub gradle_version: String,
    /// Files written (new, or refreshed because they were unchanged since the last
    /// generation), relative to `out`.
    pub written: Vec<PathBuf>,
    /// Files that already held exactly what would be written, relative to `out`.
    pub unchanged: Vec<PathBuf>,
    /// Files kept because the user edited them.
    pub kept: Vec<KeptFile>,
    /// Files of an earlier generation that this one no longer makes, deleted (they were
    /// unchanged), relative to `out`.
    pub removed: Vec<PathBuf>,
    /// How many web bundle files the app holds (in `app/src/main/assets/www/`).
    pub web_files: usize,
    /// Their total size in bytes.
    pub web_bytes: u64,
    /// What the bundle filter left out of the app, and why.
    pub left_out: Vec<LeftOut>,
    /// Things the user should know: edited files kept, secret-looking files in the web folder.
    pub warnings: Vec<String>,
}

impl GradleProject {
    /// The application module's name in a generated project.
    pub const APP_MODULE: &'static str = "app";

    /// Generates (or regenerates) the Gradle project for `app` in `out`.
    ///
    /// - `web_dir`: the built web bundle, copied into `app/src/main/assets/www/` through the
    ///   bundle filter ([`nativiweb_core::bundle`], exactly as the packager takes it). `None`
    ///   for an app that loads a remote `start_url` and bundles nothing.
    /// - `project_dir`: the project root, where the config's `icon` is found.
    /// - `out`: the folder the project is written to (created when absent); never copied into
    ///   the app, even inside `web_dir`.
    ///
    /// Files the user edited since the last generation are kept (see [`regen`]). Writing is
    /// blocking file I/O: from async code, call it in `spawn_blocking`.
    pub fn generate(
        app: &AppConfig,
        web_dir: Option<&Path>,
        project_dir: &Path,
        out: &Path,
        options: &GenerateOptions,
    ) -> Result<GeneratedProject, GenerateError> {
        if app.android.min_sdk < MIN_SDK {
            return Err(GenerateError::Invalid {
                field: "android.min_sdk".to_owned(),
                value: app.android.min_sdk.to_string(),
                rule: format!("the nativiweb shell runs on Android 7 (API {MIN_SDK}) or later: set {MIN_SDK} or more"),
            });
        }
        match std::fs::metadata(out) {
            Ok(m) if !m.is_dir() => {
                return Err(GenerateError::Output {
                    path: out.to_owned(),
                    reason: "is a file: give a folder (it is created when absent)".to_owned(),
                })
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(out).map_err(GenerateError::io(out))?;
            }
            Err(e) => return Err(GenerateError::io(out)(e)),
        }
        // Another generator's project (an Xcode project): sharing its folder would replace its
        // record of what it wrote, and its next run would take its own files for the user's.
        if let Some(other) = regen::recorded_generator(out)
            .filter(|g| !g.is_empty() && !g.starts_with("nativiweb-android"))
        {
            return Err(GenerateError::Output {
                path: out.to_owned(),
                reason: format!("holds a project another generator wrote ({other}): generate the Android project into a folder of its own (android/)"),
            });
        }
        if web_dir.is_some_and(|w| same_dir(w, out)) {
            return Err(GenerateError::Output {
                path: out.to_owned(),
                reason: "is the web bundle folder itself: generate the project into a folder of its own (android/)".to_owned(),
            });
        }

        let mut leave_out = options.leave_out.clone();
        leave_out.push(out.to_owned());
        let package_options = PackageOptions {
            // Read, not compressed: the files are copied as they are.
            compression_level: 0,
            label_translations: options.label_translations.clone(),
            leave_out,
            ..PackageOptions::default()
        };
        let model = AppModel::build(app, web_dir, project_dir, &package_options, &|| false)?;

        let mut result = GeneratedProject {
            out: out.to_owned(),
            project: out.to_owned(),
            module: Self::APP_MODULE.to_owned(),
            agp_version: scripts::AGP_VERSION.to_owned(),
            gradle_version: scripts::GRADLE_VERSION.to_owned(),
            left_out: model.left_out.clone(),
            warnings: model.warnings.clone(),
            ..GeneratedProject::default()
        };

        let planned = plan(app, &model);
        regen::apply(out, &planned, options.overwrite_edits, &mut result)?;
        sync_web(&model, &out.join(WEB_DIR))?;
        result.web_files = model.asset_files;
        result.web_bytes = model.asset_bytes;
        Ok(result)
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Every file of the project but the web bundle, in memory, in a fixed order.
fn plan(app: &AppConfig, model: &AppModel) -> Vec<Planned> {
    let mut files = vec![
        Planned::new("settings.gradle.kts", scripts::settings(app).into_bytes()),
        Planned::new("build.gradle.kts", scripts::root_build().into_bytes()),
        Planned::new(
            "gradle/libs.versions.toml",
            scripts::version_catalog().into_bytes(),
        ),
        Planned::new(
            "gradle.properties",
            scripts::gradle_properties().into_bytes(),
        ),
        Planned::new(
            "gradle/wrapper/gradle-wrapper.properties",
            scripts::wrapper_properties().into_bytes(),
        ),
        Planned::new(".gitignore", scripts::gitignore().into_bytes()),
        Planned {
            rel: scripts::APP_BUILD_FILE.to_owned(),
            bytes: scripts::app_build(app).into_bytes(),
            owned_settings: scripts::owned_settings(app),
        },
        Planned::new(
            format!("{}/AndroidManifest.xml", res::MAIN),
            res::manifest(model),
        ),
    ];
    for (name, text) in java::JAVA_SOURCES {
        files.push(Planned::new(
            format!("{}/{name}", java::PACKAGE_DIR),
            text.as_bytes().to_vec(),
        ));
    }
    for (rel, bytes) in res::res_files(model) {
        files.push(Planned::new(rel, bytes));
    }
    let mut settings = model.settings_json.clone();
    settings.push(b'\n');
    files.push(Planned::new(SETTINGS_FILE, settings));
    // The pending copies are for the user to look at, not to commit; the record is (so a
    // regeneration on another machine knows which files are nativiweb's).
    files.push(Planned::new(
        ".nativiweb/.gitignore",
        b"# nativiweb's versions of files you edited, to compare: not for version control.\npending/\n".to_vec(),
    ));
    files
}

/// Makes `dest` hold exactly the model's web files: writes what differs, deletes the rest.
fn sync_web(model: &AppModel, dest: &Path) -> Result<(), GenerateError> {
    let root = format!("{}/", crate::shell::ASSET_ROOT);
    if model.assets.is_empty() {
        return Ok(regen::remove_path(dest)?);
    }
    if std::fs::symlink_metadata(dest).is_ok_and(|m| !m.is_dir()) {
        regen::remove_path(dest)?;
    }
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut wanted_dirs: BTreeSet<String> = BTreeSet::new();
    for asset in &model.assets {
        let Prepared::Stored(name, data) = asset else {
            // Built with compression off, every entry is stored; a deflated one is a bug.
            return Err(GenerateError::Io {
                path: dest.join(asset.name()),
                source: std::io::Error::other("the app model compressed a web file"),
            });
        };
        let rel = name.strip_prefix(&root).unwrap_or(name);
        let mut parent = rel;
        while let Some((p, _)) = parent.rsplit_once('/') {
            wanted_dirs.insert(p.to_owned());
            parent = p;
        }
        wanted.insert(rel.to_owned());
        let to = dest.join(rel);
        if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
            regen::remove_path(&to)?;
        }
        if std::fs::read(&to).is_ok_and(|disk| disk == *data) {
            continue;
        }
        regen::write_atomic(&to, data)?;
    }
    prune(dest, "", &wanted, &wanted_dirs)
}

/// Deletes what is under `dir` (at `prefix` in the bundle) and not wanted.
fn prune(
    dir: &Path,
    prefix: &str,
    files: &BTreeSet<String>,
    dirs: &BTreeSet<String>,
) -> Result<(), GenerateError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(GenerateError::io(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(GenerateError::io(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let is_dir = entry
            .file_type()
            .map_err(GenerateError::io(&path))?
            .is_dir();
        if is_dir && dirs.contains(&rel) {
            prune(&path, &format!("{rel}/"), files, dirs)?;
        } else if is_dir || !files.contains(&rel) {
            regen::remove_path(&path)?;
        }
    }
    Ok(())
}
