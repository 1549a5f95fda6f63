//! Project detection: what a directory is and how to build its web bundle.
//!
//! [`detect`] reads the root directory's listing once and decides from file names which few
//! files it must open: package.json, the one config file that names the output folder, the
//! HTML page that links the web manifest. Each read is bounded, symlinks never lead out of the
//! project, and walks (workspace members only) never enter `node_modules`, `.git`, hidden
//! folders or build outputs. Malformed files become warnings that name the file; only an
//! unreadable root or an absurdly large package.json is an error.
//!
//! Kinds, in the order they are decided:
//!
//! | kind | signal |
//! |---|---|
//! | `capacitor` | `capacitor.config.{json,ts,js}` or the `@capacitor/core` dependency |
//! | `expo` | the `expo` dependency, or app.json / app.config.* with an `expo` key (a Heroku app.json is not Expo) |
//! | `react-native` | the `react-native` dependency without expo |
//! | `cordova` | a config.xml whose root is `<widget>`, and a `www/` folder |
//! | `flutter` | pubspec.yaml depending on the flutter SDK |
//! | `android` | settings.gradle(.kts) including a module that applies `com.android.application` |
//! | `xcode` | a `*.xcodeproj` or `*.xcworkspace` folder |
//! | `web` | a web framework, a build script, or an index.html |
//! | `workspace` | a monorepo root (pnpm-workspace.yaml, `workspaces`, lerna, nx, turbo, rush) that is not itself an app |
//!
//! `android/` and `ios/` folders inside a Capacitor, React Native or Flutter project are part of
//! that project: only the root's own files decide.

mod framework;
mod fsutil;
mod jsconfig;
mod manifest;
mod native;
mod outdir;
mod package_json;
mod package_manager;
mod prefill;
mod workspace;
mod yaml;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::PartialAppConfig;

pub use framework::Framework;
pub use manifest::WebManifest;
pub use package_manager::{InstallPlan, Lockfile, PackageManager};

use framework::FrameworkMatch;
use fsutil::Listing;
use jsconfig::JsScan;
use package_json::PackageJson;

/// What kind of project a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProjectKind {
    /// A web app or static site.
    Web,
    /// A Capacitor app.
    Capacitor,
    /// A Cordova app.
    Cordova,
    /// An Expo app.
    Expo,
    /// A React Native app without Expo.
    ReactNative,
    /// A Flutter app.
    Flutter,
    /// A native Android (Gradle) project.
    Android,
    /// A native Xcode project or workspace.
    Xcode,
    /// A monorepo root that is not itself an app.
    Workspace,
    /// Nothing we recognise.
    Unknown,
}

impl ProjectKind {
    /// The name `detect --json` prints (`react-native`, `web`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKind::Web => "web",
            ProjectKind::Capacitor => "capacitor",
            ProjectKind::Cordova => "cordova",
            ProjectKind::Expo => "expo",
            ProjectKind::ReactNative => "react-native",
            ProjectKind::Flutter => "flutter",
            ProjectKind::Android => "android",
            ProjectKind::Xcode => "xcode",
            ProjectKind::Workspace => "workspace",
            ProjectKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ProjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The app identity detection found (for `detect --json`'s `app`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectedApp {
    /// App id, when the project declares one.
    pub id: Option<String>,
    /// App name.
    pub name: Option<String>,
    /// Version string.
    pub version: Option<String>,
}

/// A workspace member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceMember {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// The member's kind.
    pub kind: ProjectKind,
    /// The member's web framework.
    pub framework: Option<String>,
}

/// A monorepo the project is (or is in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceInfo {
    /// The workspace tool (`pnpm`, `npm`, `yarn`, `bun`, `lerna`, `nx`, `turbo`, `rush`).
    pub tool: String,
    /// Its members, sorted by path. When detection ran on a member, paths are relative to
    /// the workspace root above it ([`Detection::install`] holds that root).
    pub members: Vec<WorkspaceMember>,
}

/// What detection found, serialized as `nativiweb detect --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// The absolute project root.
    pub root: PathBuf,
    /// The project kind.
    pub kind: ProjectKind,
    /// The web framework that builds the bundle.
    pub framework: Option<String>,
    /// `npm`, `pnpm`, `yarn` or `bun`.
    pub package_manager: Option<String>,
    /// The command that builds the web bundle (arguments separated by single spaces, no
    /// shell syntax: [`Detection::build_argv`] splits it).
    pub build_command: Option<String>,
    /// The web bundle dir relative to root (`.` for a plain static site).
    pub output_dir: Option<PathBuf>,
    /// Relative path of the web app manifest.
    pub pwa_manifest: Option<PathBuf>,
    /// The workspace, when the project is or is in one.
    pub workspace: Option<WorkspaceInfo>,
    /// The app identity found.
    pub app: DetectedApp,
    /// Things the user should know (several lockfiles, a Next.js app not exported statically).
    pub warnings: Vec<String>,
    /// Config values prefilled from the project's own files.
    #[serde(skip)]
    pub prefill: PartialAppConfig,
    /// How to install dependencies (manager, directory, lockfile), for a JavaScript project.
    #[serde(skip)]
    pub install: Option<InstallPlan>,
    /// The web manifest's contents (display mode and the rest), when there is one.
    #[serde(skip)]
    pub manifest: Option<WebManifest>,
    /// Why the build as configured will not produce a static bundle (a Next.js app without
    /// `output: 'export'`, SvelteKit without adapter-static). The web build reports it when
    /// the output is missing.
    #[serde(skip)]
    pub not_static: Option<String>,
    /// The folder holds nothing at all (not even hidden files): there is no project here.
    #[serde(skip)]
    pub empty: bool,
}

impl Detection {
    /// [`Detection::framework`] as the enum.
    pub fn framework_kind(&self) -> Option<Framework> {
        self.framework.as_deref().and_then(|f| f.parse().ok())
    }

    /// [`Detection::package_manager`] as the enum.
    pub fn package_manager_kind(&self) -> Option<PackageManager> {
        self.package_manager.as_deref().and_then(|p| p.parse().ok())
    }

    /// The build command as program and arguments (no shell).
    pub fn build_argv(&self) -> Option<Vec<String>> {
        self.build_command
            .as_deref()
            .map(|c| c.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
    }
}

/// Why detection could not run at all (problems with single files are warnings instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// The root is missing or not a directory.
    #[error("{path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The root directory could not be listed.
    #[error("cannot list {path}: {source}; check that it exists and is readable")]
    Unreadable {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The project's package.json is larger than any real one.
    #[error("{path} is {size} bytes, over the {limit}-byte limit for a package.json; it is not a real manifest (check what generated it)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// Capacitor config file names, in Capacitor CLI's order.
const CAPACITOR_CONFIGS: &[&str] = &[
    "capacitor.config.ts",
    "capacitor.config.js",
    "capacitor.config.mjs",
    "capacitor.config.cjs",
    "capacitor.config.json",
];
const EXPO_JS_CONFIGS: &[&str] = &[
    "app.config.ts",
    "app.config.js",
    "app.config.mjs",
    "app.config.cjs",
];
/// Folders that hold a prebuilt static site in a project without package.json.
const STATIC_DIRS: &[&str] = &["public", "www", "site", "docs", "dist", "build"];
/// How many parent folders we climb looking for the workspace root of a member.
const MAX_CLIMB: usize = 16;

/// Everything one directory's own files say, before the package manager is known.
struct Analysis {
    listing: Listing,
    pkg: Option<PackageJson>,
    kind: ProjectKind,
    framework: Option<FrameworkMatch>,
    /// Signals that the directory is an app even when it is a workspace root too.
    strong: bool,
    capacitor: Option<(Option<Value>, Option<JsScan>)>,
    expo: Option<PartialAppConfig>,
    cordova: Option<prefill::CordovaConfig>,
    pubspec: Option<yaml::Yaml>,
    android: Option<native::AndroidApp>,
}

/// Reads `dir`'s files and decides its kind and framework. `label` prefixes file names in
/// warnings (`apps/web/`).
fn analyze(
    dir: &Path,
    boundary: &Path,
    listing: Listing,
    label: &str,
    warnings: &mut Vec<String>,
) -> Result<Analysis, DetectError> {
    let pkg = if listing.has_file("package.json") {
        read_package_json(dir, boundary, label, warnings)?
    } else {
        None
    };
    let read_text = |name: &str, warnings: &mut Vec<String>| {
        fsutil::read_config_text(dir, name, boundary, label, warnings)
    };
    let read_json = |name: &str, warnings: &mut Vec<String>| {
        fsutil::read_config_json(dir, name, boundary, label, warnings)
    };
    let has_dep = |d: &str| pkg.as_ref().is_some_and(|p| p.has_dep(d));

    let mut a = Analysis {
        kind: ProjectKind::Unknown,
        framework: None,
        strong: false,
        capacitor: None,
        expo: None,
        cordova: None,
        pubspec: None,
        android: None,
        pkg: None,
        listing,
    };
    let listing = &a.listing;

    // Capacitor.
    let cap_file = listing.first_file(CAPACITOR_CONFIGS);
    if cap_file.is_some() || has_dep("@capacitor/core") {
        a.kind = ProjectKind::Capacitor;
        a.strong = cap_file.is_some();
        a.capacitor = Some(match cap_file {
            Some(f) if f.ends_with(".json") => (read_json(f, warnings), None),
            Some(f) => (None, read_text(f, warnings).map(|t| JsScan::parse(&t))),
            None => (None, None),
        });
    }
    // Expo: the dependency, or an app.json / app.config.* that is Expo's.
    if a.kind == ProjectKind::Unknown {
        let mut expo_cfg: Option<PartialAppConfig> = None;
        let mut expo_file = false;
        for name in ["app.json", "app.config.json"] {
            if listing.has_file(name) {
                if let Some(v) = read_json(name, warnings) {
                    if let Some(e) = prefill::expo_object(&v, name) {
                        expo_cfg = Some(prefill::expo(e, dir));
                        expo_file = true;
                        break;
                    }
                }
            }
        }
        if expo_cfg.is_none() {
            if let Some(f) = listing.first_file(EXPO_JS_CONFIGS) {
                if let Some(js) = read_text(f, warnings).map(|t| JsScan::parse(&t)) {
                    if js.has_key("expo") || js.has_string_prefix("expo/config") || has_dep("expo")
                    {
                        expo_cfg = Some(prefill::expo_js(&js));
                        expo_file = true;
                    }
                }
            }
        }
        if expo_file || has_dep("expo") {
            a.kind = ProjectKind::Expo;
            a.strong = expo_file;
            a.expo = expo_cfg;
        } else if has_dep("react-native") {
            a.kind = ProjectKind::ReactNative;
            a.strong = listing.has_dir("android") || listing.has_dir("ios");
        }
    }
    // Cordova: config.xml with a <widget> root and www/.
    if listing.has_file("config.xml")
        && (a.kind == ProjectKind::Unknown || a.kind == ProjectKind::Capacitor)
    {
        let want_kind = a.kind == ProjectKind::Unknown && listing.has_dir("www");
        // Read it for the kind, or for prefill when Capacitor migrated from Cordova.
        if want_kind || a.kind == ProjectKind::Capacitor {
            if let Some(text) = read_text("config.xml", warnings) {
                match prefill::cordova(&text, dir) {
                    Ok(c) if c.is_widget => {
                        if want_kind {
                            a.kind = ProjectKind::Cordova;
                            a.strong = true;
                        }
                        a.cordova = Some(c);
                    }
                    Ok(_) => {}
                    Err(e) => warnings.push(format!(
                        "{label}config.xml is not valid XML ({e}); ignored it"
                    )),
                }
            }
        }
    }
    // Flutter.
    if listing.has_file("pubspec.yaml") && a.kind == ProjectKind::Unknown {
        if let Some(text) = read_text("pubspec.yaml", warnings) {
            match yaml::parse(&text) {
                Ok(y) => {
                    if prefill::pubspec_is_flutter(&y) {
                        a.kind = ProjectKind::Flutter;
                        a.strong = true;
                    }
                    a.pubspec = Some(y);
                }
                Err(e) => warnings.push(format!(
                    "{label}pubspec.yaml is not valid YAML ({e}); ignored it"
                )),
            }
        }
    }
    // Native Android / Xcode at the root.
    if a.kind == ProjectKind::Unknown && listing.first_file(native::GRADLE_SETTINGS).is_some() {
        if let Some(app) = native::android_app(dir, listing, warnings) {
            a.kind = ProjectKind::Android;
            a.strong = true;
            a.android = Some(app);
        }
    }
    if a.kind == ProjectKind::Unknown && native::xcode_project(listing).is_some() {
        a.kind = ProjectKind::Xcode;
        a.strong = true;
    }
    // The web framework (for web, Capacitor, Cordova, React Native and Expo projects).
    let config_framework = framework::from_config_files(listing);
    a.framework = match a.kind {
        ProjectKind::Expo => Some(FrameworkMatch {
            framework: Framework::Expo,
            builder: Some(Framework::Expo),
        }),
        ProjectKind::Flutter => Some(FrameworkMatch {
            framework: Framework::Flutter,
            builder: Some(Framework::Flutter),
        }),
        ProjectKind::Android | ProjectKind::Xcode => None,
        _ => framework::detect(pkg.as_ref(), listing),
    };
    if a.kind == ProjectKind::Unknown {
        let build_script = pkg.as_ref().is_some_and(|p| p.script("build").is_some());
        if a.framework.is_some() || build_script {
            a.kind = ProjectKind::Web;
            a.strong = config_framework.is_some()
                || listing.has_file("index.html")
                || listing.has_file("project.json");
        } else if listing.has_file("index.html") {
            a.kind = ProjectKind::Web;
            a.strong = true;
        } else if pkg.is_none() {
            // A folder holding a prebuilt site.
            if let Some(d) = STATIC_DIRS.iter().find(|d| {
                listing.has_dir(d)
                    && fsutil::is_file_inside(dir, &format!("{d}/index.html"), boundary)
            }) {
                let _ = d;
                a.kind = ProjectKind::Web;
                a.strong = true;
            }
        }
    }
    // An Nx project without a package.json: its project.json says what it is.
    if a.kind == ProjectKind::Unknown && pkg.is_none() && listing.has_file("project.json") {
        if let Some(v) = read_json("project.json", warnings) {
            let executor = v
                .get("targets")
                .and_then(|t| t.get("build"))
                .and_then(|b| b.get("executor"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let application = v.get("projectType").and_then(Value::as_str) == Some("application");
            if let Some((kind, fw)) = nx_executor(executor) {
                a.kind = kind;
                a.framework = fw.map(|framework| FrameworkMatch {
                    framework,
                    builder: Some(framework),
                });
            } else if application {
                a.kind = ProjectKind::Web;
            }
        }
    }
    // A plain site or a www/ app with no build: static.
    let needs_static = a.framework.is_none()
        && matches!(
            a.kind,
            ProjectKind::Web | ProjectKind::Cordova | ProjectKind::Capacitor
        )
        && pkg.as_ref().is_none_or(|p| p.script("build").is_none());
    if needs_static {
        a.framework = Some(FrameworkMatch {
            framework: Framework::Static,
            builder: Some(Framework::Static),
        });
    }
    a.pkg = pkg;
    Ok(a)
}

/// What an Nx build executor (`@nx/vite:build`, `@nx/angular:application`) says about a
/// project.
fn nx_executor(executor: &str) -> Option<(ProjectKind, Option<Framework>)> {
    let plugin = executor.split(':').next().unwrap_or("");
    Some(match plugin {
        "@nx/angular" | "@nrwl/angular" | "@angular-devkit/build-angular" | "@angular/build" => {
            (ProjectKind::Web, Some(Framework::Angular))
        }
        "@nx/next" | "@nrwl/next" => (ProjectKind::Web, Some(Framework::Nextjs)),
        "@nx/vite" | "@nrwl/vite" => (ProjectKind::Web, Some(Framework::Vite)),
        "@nx/remix" => (ProjectKind::Web, Some(Framework::Remix)),
        "@nx/expo" | "@nrwl/expo" => (ProjectKind::Expo, Some(Framework::Expo)),
        "@nx/react-native" | "@nrwl/react-native" => (ProjectKind::ReactNative, None),
        _ => return None,
    })
}

fn read_package_json(
    dir: &Path,
    boundary: &Path,
    label: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<PackageJson>, DetectError> {
    match fsutil::read_inside(dir, "package.json", boundary, fsutil::MAX_PACKAGE_JSON) {
        None => Ok(None),
        Some(Err(fsutil::ReadError::TooLarge { size })) => Err(DetectError::TooLarge {
            path: dir.join("package.json"),
            size,
            limit: fsutil::MAX_PACKAGE_JSON,
        }),
        Some(Err(e)) => {
            warnings.push(format!(
                "could not read {label}package.json: {e}; ignored it"
            ));
            Ok(None)
        }
        Some(Ok(bytes)) => match PackageJson::parse(&bytes) {
            Ok(p) => Ok(Some(p)),
            Err(e) => {
                warnings.push(format!(
                    "{label}package.json is not valid JSON ({e}); ignored it"
                ));
                Ok(None)
            }
        },
    }
}

/// The workspace root above a member, found by climbing parent folders.
struct Enclosing {
    dir: PathBuf,
    listing: Listing,
    pkg: Option<PackageJson>,
    spec: workspace::WorkspaceSpec,
}

/// The manager the first of `pkgs` whose scripts call exactly one names.
fn scripts_hint(pkgs: &[Option<&PackageJson>]) -> Option<PackageManager> {
    pkgs.iter()
        .flatten()
        .find_map(|p| package_manager::from_scripts(p.scripts.values()))
}

fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// Climbs from `root` to the workspace root that lists it as a member. Stops at the first
/// folder that is some project's root (a workspace marker, a lockfile, a package.json), at a
/// repository root (`.git`), or after [`MAX_CLIMB`] levels. Only a few names are checked
/// per level, so a big parent folder costs nothing.
fn find_enclosing(root: &Path, warnings: &mut Vec<String>) -> Option<Enclosing> {
    let mut dir = root.parent();
    for _ in 0..MAX_CLIMB {
        let d = dir?;
        let marker = workspace::MARKERS.iter().any(|m| exists(&d.join(m)));
        let pkg_file = exists(&d.join("package.json"));
        let lock = package_manager::LOCKFILE_NAMES
            .iter()
            .any(|l| exists(&d.join(l)));
        if marker || pkg_file || lock {
            let mut outside = Vec::new();
            let listing = Listing::read(d, d, &mut outside).ok()?;
            let label = format!("{}/", d.display());
            let pkg = if listing.has_file("package.json") {
                read_package_json(d, d, &label, warnings).ok().flatten()
            } else {
                None
            };
            let locks = package_manager::lockfiles_in(d, &listing);
            let field = pkg.as_ref().and_then(|p| p.package_manager.as_deref());
            let hint = scripts_hint(&[pkg.as_ref()]);
            let pm = package_manager::choose(field, &locks, false, "", hint)
                .0
                .as_str();
            let spec = workspace::spec(d, d, &listing, pkg.as_ref(), pm, &label, warnings)?;
            let rel = root.strip_prefix(d).ok()?.to_string_lossy().into_owned();
            let member = workspace::matches(&spec, &rel)
                || (spec.nx_scan && exists(&root.join("project.json")));
            if !member {
                return None;
            }
            return Some(Enclosing {
                dir: d.to_owned(),
                listing,
                pkg,
                spec,
            });
        }
        if exists(&d.join(".git")) {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// The build command for a project, as the words of an argv.
fn build_words(
    a: &Analysis,
    builder: Option<Framework>,
    pm: Option<PackageManager>,
    dir: &Path,
    boundary: &Path,
) -> Option<Vec<String>> {
    let own = |words: &[&str]| Some(words.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    let run = |pm: PackageManager, script: &str| own(&[pm.as_str(), "run", script]);
    let exec = |pm: PackageManager, words: &[&str]| {
        let mut v: Vec<String> = pm.exec_prefix().iter().map(|s| (*s).to_owned()).collect();
        v.extend(words.iter().map(|s| (*s).to_owned()));
        Some(v)
    };
    if a.kind == ProjectKind::Flutter {
        return own(&["flutter", "build", "web"]);
    }
    let pm = pm?;
    let pkg = a.pkg.as_ref()?;
    let build = pkg.script("build");
    match a.kind {
        ProjectKind::Android
        | ProjectKind::Xcode
        | ProjectKind::Workspace
        | ProjectKind::Unknown => return None,
        ProjectKind::ReactNative if a.framework.is_none() => return None,
        ProjectKind::Expo => {
            // An Expo `build` script is usually `eas build` (native); use it only when it
            // exports the web bundle.
            if let Some(s) = ["build:web", "export:web", "build"]
                .into_iter()
                .find(|s| pkg.script(s).is_some_and(|c| c.contains("expo export")))
            {
                return run(pm, s);
            }
            let input = outdir::Input {
                dir,
                boundary,
                listing: &a.listing,
                pkg: a.pkg.as_ref(),
                label: "",
            };
            if outdir::expo_uses_webpack(&input, &mut Vec::new()) {
                return exec(pm, &["expo", "export:web"]);
            }
            return exec(pm, &["expo", "export", "-p", "web"]);
        }
        _ => {}
    }
    if builder == Some(Framework::Nuxt) {
        if pkg.script("generate").is_some() {
            return run(pm, "generate");
        }
        if build.is_some_and(|b| b.contains("nuxt generate")) {
            return run(pm, "build");
        }
        return exec(pm, &["nuxt", "generate"]);
    }
    if build.is_some() {
        return run(pm, "build");
    }
    let builder = builder?;
    let words = builder.default_build()?;
    let mut argv = exec(pm, words)?;
    match builder {
        Framework::Parcel => {
            for entry in ["index.html", "src/index.html"] {
                if fsutil::is_file_inside(dir, entry, boundary) {
                    argv.push(entry.to_owned());
                    break;
                }
            }
        }
        Framework::Vitepress if fsutil::is_dir_inside(dir, "docs/.vitepress", boundary) => {
            argv.push("docs".to_owned());
        }
        _ => {}
    }
    Some(argv)
}

/// The output dir and the reason a build will not be static, for an analysed project.
fn output_of(
    a: &Analysis,
    dir: &Path,
    boundary: &Path,
    label: &str,
    warnings: &mut Vec<String>,
) -> (Option<PathBuf>, Option<String>) {
    let input = outdir::Input {
        dir,
        boundary,
        listing: &a.listing,
        pkg: a.pkg.as_ref(),
        label,
    };
    let builder = a.framework.and_then(|f| f.builder);
    let from_framework = |warnings: &mut Vec<String>| -> Option<outdir::Output> {
        let fw = builder?;
        if fw == Framework::Static {
            return None;
        }
        let mut out = outdir::for_framework(fw, &input, warnings);
        if !out.configured {
            if let Some(t) = outdir::tauri(&input, warnings) {
                out.dir = t;
                out.configured = true;
            }
        }
        Some(out)
    };
    match a.kind {
        ProjectKind::Capacitor => {
            let (json, js) = a
                .capacitor
                .as_ref()
                .map(|(j, s)| (j.as_ref(), s.as_ref()))
                .unwrap_or((None, None));
            let web_dir = json
                .and_then(|v| v.get("webDir"))
                .and_then(Value::as_str)
                .or_else(|| js.and_then(|j| j.get_str(&["webDir"])))
                .and_then(fsutil::normalize_rel);
            match web_dir {
                Some(d) => {
                    // The framework config still tells whether the build is static.
                    let not_static = from_framework(&mut Vec::new()).and_then(|o| o.not_static);
                    (Some(d), not_static)
                }
                None => match from_framework(warnings) {
                    Some(o) => (Some(o.dir), o.not_static),
                    None => (Some(PathBuf::from("www")), None),
                },
            }
        }
        ProjectKind::Cordova => (Some(PathBuf::from("www")), None),
        ProjectKind::Expo => (Some(outdir::expo(&input, warnings).dir), None),
        ProjectKind::Flutter => (Some(PathBuf::from("build/web")), None),
        ProjectKind::Web | ProjectKind::ReactNative => {
            if builder == Some(Framework::Static)
                || (a.kind == ProjectKind::Web && a.framework.is_none() && a.pkg.is_none())
            {
                if a.listing.has_file("index.html") {
                    return (Some(PathBuf::from(".")), None);
                }
                let d = STATIC_DIRS.iter().find(|d| {
                    a.listing.has_dir(d)
                        && fsutil::is_file_inside(dir, &format!("{d}/index.html"), boundary)
                });
                return (
                    d.map(PathBuf::from).or_else(|| Some(PathBuf::from("."))),
                    None,
                );
            }
            match from_framework(warnings) {
                Some(o) => (Some(o.dir), o.not_static),
                None => (None, None),
            }
        }
        _ => (None, None),
    }
}

/// Detects what the project at `root` is.
///
/// Reads the root's listing once, then only the files the decision needs. Runs in well under
/// a millisecond for a typical app; in a monorepo, members are found without entering
/// `node_modules`. Blocking: call it from `spawn_blocking` in async code.
pub fn detect(root: &Path) -> Result<Detection, DetectError> {
    if !root.is_dir() {
        return Err(DetectError::NotADirectory {
            path: root.to_owned(),
        });
    }
    let root = root
        .canonicalize()
        .map_err(|source| DetectError::Unreadable {
            path: root.to_owned(),
            source,
        })?;
    let mut warnings = Vec::new();
    let mut outside = Vec::new();
    let listing =
        Listing::read(&root, &root, &mut outside).map_err(|source| DetectError::Unreadable {
            path: root.clone(),
            source,
        })?;
    for name in &outside {
        warnings.push(format!(
            "ignored `{name}`: it is a symlink that points outside the project (or nowhere)"
        ));
    }
    let empty = listing.entries().is_empty() && outside.is_empty();
    let mut a = analyze(&root, &root, listing, "", &mut warnings)?;
    if empty {
        warnings.push(format!(
            "{} is empty: there is no project here",
            root.display()
        ));
    }

    // The package manager: the root's own lockfiles, else the workspace root's above.
    let own_field = a.pkg.as_ref().and_then(|p| p.package_manager.clone());
    let own_locks = package_manager::lockfiles_in(&root, &a.listing);
    // The manager names a `workspaces` workspace (npm, yarn, bun).
    let own_hint = scripts_hint(&[a.pkg.as_ref()]);
    let tool_pm = package_manager::choose(own_field.as_deref(), &own_locks, false, "", own_hint).0;
    let own_spec = workspace::spec(
        &root,
        &root,
        &a.listing,
        a.pkg.as_ref(),
        tool_pm.as_str(),
        "",
        &mut warnings,
    );
    // A member of a workspace installs with the workspace's manager, whatever lockfiles lie
    // inside the member (a stray `npm install` there must not turn a pnpm monorepo into npm).
    let enclosing = if own_spec.is_none() && a.pkg.is_some() {
        find_enclosing(&root, &mut warnings)
    } else {
        None
    };
    if let (Some(e), false) = (&enclosing, own_locks.is_empty()) {
        let names: Vec<&str> = own_locks.iter().map(|l| l.file_name()).collect();
        warnings.push(format!(
            "{} is ignored: this project is a member of the workspace at {}, whose package manager installs it; delete the stray lockfile",
            names.join(", "),
            e.dir.display()
        ));
    }

    let mut install = None;
    let mut pm = None;
    if a.pkg.is_some() {
        let (dir, locks, field, yarnrc, where_) = match &enclosing {
            Some(e) => (
                e.dir.clone(),
                package_manager::lockfiles_in(&e.dir, &e.listing),
                own_field
                    .clone()
                    .or_else(|| e.pkg.as_ref().and_then(|p| p.package_manager.clone())),
                e.listing.has_file(".yarnrc.yml"),
                format!("the workspace root {}", e.dir.display()),
            ),
            None => (
                root.clone(),
                own_locks.clone(),
                own_field.clone(),
                a.listing.has_file(".yarnrc.yml"),
                "the project".to_owned(),
            ),
        };
        // Without a field or lockfile, the scripts of the workspace root (or the project) may
        // say which manager.
        let hint = scripts_hint(&[
            enclosing.as_ref().and_then(|e| e.pkg.as_ref()),
            a.pkg.as_ref(),
        ]);
        let (manager, lockfile, yarn_berry, warning) =
            package_manager::choose(field.as_deref(), &locks, yarnrc, &where_, hint);
        warnings.extend(warning);
        pm = Some(manager);
        install = Some(InstallPlan {
            manager,
            dir,
            lockfile,
            yarn_berry,
        });
    }

    // The workspace: this root's, or the one it is a member of.
    let mut workspace_info = None;
    if let Some(spec) = &own_spec {
        let members = describe_members(&root, spec, &mut warnings);
        workspace_info = Some(WorkspaceInfo {
            tool: spec.tool.clone(),
            members,
        });
        if !a.strong {
            a.kind = ProjectKind::Workspace;
            a.framework = None;
        }
    } else if let Some(e) = &enclosing {
        let members = describe_members(&e.dir, &e.spec, &mut warnings);
        workspace_info = Some(WorkspaceInfo {
            tool: e.spec.tool.clone(),
            members,
        });
    }

    let builder = a.framework.and_then(|f| f.builder);
    let build_command = build_words(&a, builder, pm, &root, &root).map(|w| w.join(" "));
    let (output_dir, not_static) = output_of(&a, &root, &root, "", &mut warnings);
    if output_dir.is_none() && build_command.is_some() && a.kind == ProjectKind::Web {
        warnings.push(
            "package.json's build script uses a tool nativiweb does not recognise, so the bundle folder is unknown: set web_dir in nativiweb.toml to the folder it writes".to_owned(),
        );
    }
    if matches!(a.framework, Some(FrameworkMatch { builder: None, .. })) {
        warnings.push(format!(
            "{} runs on a framework nativiweb does not recognise; set web_dir in nativiweb.toml",
            a.framework
                .map(|f| f.framework.as_str())
                .unwrap_or("the project")
        ));
    }

    // The web manifest.
    let web_kinds = matches!(
        a.kind,
        ProjectKind::Web
            | ProjectKind::Capacitor
            | ProjectKind::Cordova
            | ProjectKind::Flutter
            | ProjectKind::Expo
            | ProjectKind::ReactNative
    );
    let pwa_manifest = if web_kinds {
        manifest::find(&root, &a.listing, &mut warnings)
    } else {
        None
    };
    let web_manifest = pwa_manifest
        .as_ref()
        .and_then(|m| manifest::read(&root, &a.listing, m, &mut warnings));

    // Prefill, most specific source first.
    let mut layers = Vec::new();
    let mut add = |p: PartialAppConfig, source: &str, warnings: &mut Vec<String>| {
        layers.push(prefill::sanitize(p, &root, source, warnings));
    };
    if let Some((json, js)) = &a.capacitor {
        let file = a
            .listing
            .first_file(CAPACITOR_CONFIGS)
            .unwrap_or("capacitor config");
        add(
            prefill::capacitor(json.as_ref(), js.as_ref()),
            file,
            &mut warnings,
        );
    }
    if let Some(e) = a.expo.take() {
        add(e, "the Expo config", &mut warnings);
    }
    if a.listing.has_file("twa-manifest.json") {
        if let Some(Ok(bytes)) =
            fsutil::read_inside(&root, "twa-manifest.json", &root, fsutil::MAX_CONFIG)
        {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => add(prefill::twa(&v), "twa-manifest.json", &mut warnings),
                Err(e) => warnings.push(format!(
                    "twa-manifest.json is not valid JSON ({e}); ignored it"
                )),
            }
        }
    }
    if let Some(c) = &a.cordova {
        add(c.prefill.clone(), "config.xml", &mut warnings);
    }
    if let Some(app) = &a.android {
        let source = format!("{}/build.gradle", app.module);
        add(prefill::android(app), &source, &mut warnings);
    }
    if let Some(y) = &a.pubspec {
        add(prefill::pubspec(y), "pubspec.yaml", &mut warnings);
    }
    if let Some(m) = &web_manifest {
        let source = m.path.display().to_string();
        add(prefill::web_manifest(m), &source, &mut warnings);
    }
    if let Some(p) = &a.pkg {
        add(prefill::package_json(p), "package.json", &mut warnings);
    }
    let prefill = prefill::merge(layers, &root);

    if a.kind == ProjectKind::Unknown && !empty {
        warnings.push(
            "nothing here is a project nativiweb knows: no package.json, index.html (here or in public/, www/, dist/...), capacitor or Expo config, config.xml, pubspec.yaml, Gradle or Xcode project; give the folder that holds one, or set web_dir in nativiweb.toml".to_owned(),
        );
    }
    let app = DetectedApp {
        id: prefill
            .id
            .clone()
            .or_else(|| prefill.android.application_id.clone()),
        name: prefill.name.clone(),
        version: prefill.version.clone(),
    };
    Ok(Detection {
        root,
        kind: a.kind,
        framework: a.framework.map(|f| f.framework.as_str().to_owned()),
        package_manager: pm.map(|p| p.as_str().to_owned()),
        build_command,
        output_dir,
        pwa_manifest,
        workspace: workspace_info,
        app,
        warnings,
        prefill,
        install,
        manifest: web_manifest,
        not_static,
        empty,
    })
}

/// Lists and describes the members of the workspace at `ws_root`.
fn describe_members(
    ws_root: &Path,
    spec: &workspace::WorkspaceSpec,
    warnings: &mut Vec<String>,
) -> Vec<WorkspaceMember> {
    let found = workspace::members(ws_root, spec, warnings);
    let mut out = Vec::with_capacity(found.len());
    for m in found {
        let label = format!("{}/", m.rel);
        // A member's oversized package.json is a warning: the root can still be described.
        let a = match analyze(&m.abs, ws_root, m.listing, &label, warnings) {
            Ok(a) => a,
            Err(e) => {
                warnings.push(format!("{e}; skipped member {}", m.rel));
                continue;
            }
        };
        out.push(WorkspaceMember {
            path: PathBuf::from(&m.rel),
            kind: a.kind,
            framework: a.framework.map(|f| f.framework.as_str().to_owned()),
        });
    }
    out
}

#[cfg(test)]
mod fuzz {
    //! The text parsers never panic, whatever they are given.
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn parsers_never_panic(s in ".{0,400}", bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            for text in [s.as_str(), lossy.as_str()] {
                let scan = JsScan::parse(text);
                let _ = scan.get_str(&["build", "outDir"]);
                let _ = jsconfig::strip_jsonc(text);
                let _ = yaml::parse(text);
                let _ = prefill::cordova(text, Path::new("/nonexistent"));
                let _ = manifest::manifest_href(text);
                let _ = manifest::css_color(text);
                let _ = native::included_modules(text);
                let _ = outdir::flag_value(text, &["-o", "--out-dir"]);
                let _ = package_manager::parse_field(text);
                let _ = package_json::major_version(text);
                let _ = fsutil::normalize_rel(text);
            }
            let _ = PackageJson::parse(&bytes);
        }
    }
}
