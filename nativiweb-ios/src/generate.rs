//! [`XcodeProject::generate`]: puts every part together and writes it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nativiweb_core::bundle::{self, Bundle, BundleFilter, LeftOut};
use nativiweb_core::config::{AppConfig, StartUrl};
use serde::Serialize;

use crate::error::GenerateError;
use crate::options::{Capabilities, GenerateOptions, Signing};
use crate::plists::{self, Usage};
use crate::project::{self, ProjectSpec, SOURCE_DIR, TARGET};
use crate::regen::{self, Planned};
use crate::{assets, shell};

/// The Xcode project generator (issue #14): an iOS app project for a web app, built around the
/// nativiweb shell (see the [crate docs](crate) for the files it writes).
#[derive(Debug, Clone, Copy, Default)]
pub struct XcodeProject;

/// A file kept because the user edited it (see [`XcodeProject::generate`]); the type the
/// Android generator reports too.
pub use nativiweb_core::regen::KeptFile;

/// What [`XcodeProject::generate`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Generated {
    /// The output folder.
    pub out: PathBuf,
    /// The project: `<out>/App.xcodeproj`.
    pub project: PathBuf,
    /// The scheme to build (`xcodebuild -scheme App`).
    pub scheme: String,
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
    /// How many web bundle files the app holds (in `App/www/`).
    pub web_files: usize,
    /// Their total size in bytes.
    pub web_bytes: u64,
    /// What the bundle filter left out of the app, and why.
    pub left_out: Vec<LeftOut>,
    /// Things the user should know: edited files kept, secret-looking files in the web
    /// folder, a missing team id, generic usage texts, a small icon.
    pub warnings: Vec<String>,
}

impl XcodeProject {
    /// The project's folder name in the output folder.
    pub const PROJECT: &'static str = "App.xcodeproj";
    /// The app target and its shared scheme.
    pub const TARGET: &'static str = TARGET;
    /// The export options file, in the output folder (`xcodebuild -exportArchive
    /// -exportOptionsPlist ExportOptions.plist`).
    pub const EXPORT_OPTIONS: &'static str = "ExportOptions.plist";

    /// Generates (or regenerates) the Xcode project for `app` in `out`.
    ///
    /// - `web_dir`: the built web bundle (the web build's output folder), copied into
    ///   `App/www/` through the bundle filter ([`nativiweb_core::bundle`]: the app's `exclude`
    ///   globs, no dotfiles, keys, `node_modules`...; when it is `project_dir` itself, the
    ///   project's own files are left out too). `None` for an app that loads a remote
    ///   `start_url` and bundles nothing.
    /// - `project_dir`: the project root, where the config's `icon` is found.
    /// - `out`: the folder the project is written to (created when absent). It is never
    ///   copied into the app, even inside `web_dir`.
    ///
    /// Files the user edited since the last generation are kept (see the [crate
    /// docs](crate#regeneration)). Writing is blocking file I/O: from async code, call it in
    /// `spawn_blocking`.
    pub fn generate(
        app: &AppConfig,
        web_dir: Option<&Path>,
        project_dir: &Path,
        out: &Path,
        options: &GenerateOptions,
    ) -> Result<Generated, GenerateError> {
        check(app, options)?;
        let mut result = Generated {
            out: out.to_owned(),
            project: out.join(Self::PROJECT),
            scheme: TARGET.to_owned(),
            ..Generated::default()
        };

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

        let bundle = match web_dir {
            Some(dir) => Some(collect_bundle(app, dir, project_dir, out, options)?),
            None => {
                if let StartUrl::Bundled(path) = &app.start_url {
                    return Err(GenerateError::NoWebBundle {
                        start_url: path.clone(),
                    });
                }
                None
            }
        };
        if let Some(b) = &bundle {
            if let StartUrl::Bundled(_) = app.start_url {
                if !b.files.iter().any(|f| f.rel == "index.html") {
                    result.warnings.push(format!(
                        "the web bundle {} has no index.html at its top: the app's start page and single-page-app fallback need one",
                        b.root.display()
                    ));
                }
            }
            result.warnings.extend(b.warnings());
            result.left_out = b.left_out.clone();
        }

        let planned = plan(app, bundle.as_ref(), project_dir, options, &mut result)?;
        regen::apply(out, &planned, options.overwrite_edits, &mut result)?;

        let www = out.join(SOURCE_DIR).join(shell::ASSET_ROOT);
        match &bundle {
            Some(b) => {
                sync_web(b, &www)?;
                result.web_files = b.files.len();
                result.web_bytes = b.total_bytes();
            }
            None => regen::remove_path(&www)?,
        }
        Ok(result)
    }
}

/// The checks an iOS project adds to the config's own.
fn check(app: &AppConfig, options: &GenerateOptions) -> Result<(), GenerateError> {
    let target = &app.ios.deployment_target;
    let major: u32 = target
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 13 {
        return Err(GenerateError::invalid(
            "ios.deployment_target",
            target,
            "the iOS shell uses window scenes, which need iOS 13.0 or later: set 13.0 or later (15.0 is the default)",
        ));
    }
    check_capabilities(&options.capabilities)?;
    if let Signing::Manual { profile, identity } = &options.signing {
        if profile.trim().is_empty() {
            return Err(GenerateError::invalid(
                "signing.profile",
                profile,
                "manual signing needs the provisioning profile's name or UUID",
            ));
        }
        if identity.as_deref().is_some_and(|i| i.trim().is_empty()) {
            return Err(GenerateError::invalid(
                "signing.identity",
                "",
                "give the certificate's name (`Apple Distribution`) or leave it out",
            ));
        }
    }
    Ok(())
}

fn check_capabilities(c: &Capabilities) -> Result<(), GenerateError> {
    const SERVICES: &[&str] = &[
        "applinks",
        "webcredentials",
        "activitycontinuation",
        "appclips",
    ];
    for d in &c.associated_domains {
        let ok = d.split_once(':').is_some_and(|(service, host)| {
            let host = host.split('?').next().unwrap_or(host);
            let host = host.strip_prefix("*.").unwrap_or(host);
            SERVICES.contains(&service)
                && !host.is_empty()
                && host.split('.').count() >= 2
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        });
        if !ok {
            return Err(GenerateError::invalid(
                "capabilities.associated_domains",
                d,
                "must be `service:host` like applinks:example.com or webcredentials:*.example.com (services: applinks, webcredentials, activitycontinuation, appclips)",
            ));
        }
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn collect_bundle(
    app: &AppConfig,
    dir: &Path,
    project_dir: &Path,
    out: &Path,
    options: &GenerateOptions,
) -> Result<Bundle, GenerateError> {
    if !dir.is_dir() {
        return Err(GenerateError::WebDirMissing {
            path: dir.to_owned(),
        });
    }
    if same_dir(dir, out) {
        return Err(GenerateError::Output {
            path: out.to_owned(),
            reason: "is the web bundle folder itself: generate the project into a folder of its own (ios/)".to_owned(),
        });
    }
    let mut filter = BundleFilter::new(&app.exclude)?
        .project_files(same_dir(dir, project_dir))
        .skip_folder(out);
    for folder in &options.leave_out {
        filter = filter.skip_folder(folder);
    }
    Ok(bundle::collect(dir, &filter)?)
}

/// Every file of the project but the web bundle, in memory.
fn plan(
    app: &AppConfig,
    bundle: Option<&Bundle>,
    project_dir: &Path,
    options: &GenerateOptions,
    result: &mut Generated,
) -> Result<Vec<Planned>, GenerateError> {
    let team = app.ios.team_id.as_deref();
    if team.is_none() {
        result.warnings.push(
            "no Apple team id: set `[ios] team_id = \"ABCDE12345\"` in nativiweb.toml (signing needs it), or pick the team in Xcode".to_owned(),
        );
    }
    let localizations: Vec<(String, &String)> = app
        .name_translations
        .iter()
        .map(|(tag, name)| (lproj(tag), name))
        .collect();
    let regions: Vec<String> = localizations
        .iter()
        .map(|(l, _)| l.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let entitlements = plists::entitlements(&options.capabilities);
    let spec = ProjectSpec {
        bundle_id: &app.ios.bundle_id,
        version: &app.version,
        build: app.build,
        team,
        deployment_target: &app.ios.deployment_target,
        signing: &options.signing,
        entitlements: entitlements.is_some(),
        web: bundle.is_some(),
        localizations: regions,
    };

    let mut files = Vec::new();
    let (pbxproj, target) = project::pbxproj(&spec);
    files.push(Planned {
        rel: format!("{}/project.pbxproj", XcodeProject::PROJECT),
        bytes: pbxproj.into_bytes(),
        owned_settings: project::owned_settings(&spec),
    });
    files.push(Planned::new(
        format!(
            "{}/xcshareddata/xcschemes/{TARGET}.xcscheme",
            XcodeProject::PROJECT
        ),
        project::scheme(target).into_bytes(),
    ));

    let src = |name: &str| format!("{SOURCE_DIR}/{name}");
    for (name, text) in shell::SWIFT_SOURCES {
        files.push(Planned::new(src(name), text.as_bytes().to_vec()));
    }

    let usage = usage_texts(app, options, result);
    files.push(Planned::new(
        src("Info.plist"),
        plists::xml(&plists::info_plist(app, &usage)),
    ));
    files.push(Planned::new(
        src("PrivacyInfo.xcprivacy"),
        plists::xml(&plists::privacy_manifest()),
    ));
    if let Some(e) = &entitlements {
        files.push(Planned::new(src(project::ENTITLEMENTS), plists::xml(e)));
    }
    for (region, name) in &localizations {
        files.push(Planned::new(
            src(&format!("{region}.lproj/InfoPlist.strings")),
            plists::info_plist_strings(name),
        ));
    }

    let extensions: BTreeSet<String> = bundle
        .map(|b| {
            b.files
                .iter()
                .filter_map(|f| {
                    let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
                    name.rsplit_once('.')
                        .map(|(_, ext)| ext.to_ascii_lowercase())
                })
                .collect()
        })
        .unwrap_or_default();
    let settings = shell::settings(app, extensions.iter().map(String::as_str));
    let mut json = settings.to_json();
    json.push(b'\n');
    files.push(Planned::new(src(shell::SETTINGS_FILE), json));

    let icon = match &app.icon {
        Some(rel) => {
            let (png, warnings) =
                assets::icon_from_file(&project_dir.join(rel), app.background_color)?;
            result.warnings.extend(warnings);
            png
        }
        None => assets::letter_icon(&app.name, app.theme_color)?,
    };
    for (rel, bytes) in assets::catalog(icon, app.theme_color, app.background_color) {
        files.push(Planned::new(src(&format!("Assets.xcassets/{rel}")), bytes));
    }

    // The pending copies are for the user to look at, not to commit; the manifest is (so a
    // regeneration on another machine knows which files are nativiweb's).
    files.push(Planned::new(
        ".nativiweb/.gitignore",
        b"# nativiweb's versions of files you edited, to compare: not for version control.\npending/\n".to_vec(),
    ));
    files.push(Planned::new(
        XcodeProject::EXPORT_OPTIONS,
        plists::xml(&plists::export_options(
            options.export_method,
            &options.signing,
            team,
            &app.ios.bundle_id,
        )),
    ));
    Ok(files)
}

/// The `.lproj` name for a config locale tag: Xcode's script names for Chinese, the tag as
/// written otherwise (`fr`, `pt-BR`).
fn lproj(tag: &str) -> String {
    match tag {
        "zh-CN" | "zh-SG" => "zh-Hans".to_owned(),
        "zh-TW" => "zh-Hant".to_owned(),
        other => other.to_owned(),
    }
}

/// The camera, microphone and location texts (see [`crate::UsageDescriptions`]).
fn usage_texts(app: &AppConfig, options: &GenerateOptions, result: &mut Generated) -> Usage {
    let asks = |names: &[&str]| {
        app.android.permissions.iter().any(|p| {
            names
                .iter()
                .any(|n| p == &format!("android.permission.{n}"))
        })
    };
    let given = &options.usage_descriptions;
    let mut generic = Vec::new();
    let mut pick = |text: &Option<String>, asked: bool, key: &str, what: &str| match text {
        Some(t) => Some(t.clone()),
        None if asked => {
            generic.push(key.to_owned());
            Some(format!("{} uses {what} when a page asks for it.", app.name))
        }
        None => None,
    };
    let usage = Usage {
        camera: pick(
            &given.camera,
            asks(&["CAMERA"]),
            "NSCameraUsageDescription",
            "the camera",
        ),
        microphone: pick(
            &given.microphone,
            asks(&["RECORD_AUDIO"]),
            "NSMicrophoneUsageDescription",
            "the microphone",
        ),
        location: pick(
            &given.location,
            asks(&["ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"]),
            "NSLocationWhenInUseUsageDescription",
            "your location",
        ),
    };
    if !generic.is_empty() {
        result.warnings.push(format!(
            "Info.plist: generic texts for {}: App Review asks them to say what the app does with the feature; set them in the generator's usage_descriptions",
            generic.join(", ")
        ));
    }
    usage
}

/// Makes `dest` hold exactly the bundle's files: copies what differs, deletes the rest.
fn sync_web(bundle: &Bundle, dest: &Path) -> Result<(), GenerateError> {
    if std::fs::symlink_metadata(dest).is_ok_and(|m| !m.is_dir()) {
        regen::remove_path(dest)?;
    }
    let mut wanted_dirs: BTreeSet<String> = BTreeSet::new();
    let wanted: BTreeSet<&str> = bundle.files.iter().map(|f| f.rel.as_str()).collect();
    for file in &bundle.files {
        let mut rel = file.rel.as_str();
        while let Some((parent, _)) = rel.rsplit_once('/') {
            wanted_dirs.insert(parent.to_owned());
            rel = parent;
        }
        let to = dest.join(&file.rel);
        // A folder where a file goes (the bundle changed shape): make room.
        if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
            regen::remove_path(&to)?;
        }
        if regen::same_contents(&file.path, &to).unwrap_or(false) {
            continue;
        }
        regen::copy_atomic(&file.path, &to)?;
    }
    prune(dest, "", &wanted, &wanted_dirs)
}

/// Deletes what is under `dir` (at `prefix` in the bundle) and not wanted.
fn prune(
    dir: &Path,
    prefix: &str,
    files: &BTreeSet<&str>,
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
        } else if is_dir || !files.contains(rel.as_str()) {
            regen::remove_path(&path)?;
        }
    }
    Ok(())
}
