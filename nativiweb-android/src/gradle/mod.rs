//! [`GradleBuilder`] (`--builder gradle`): builds an Android project with its own tools —
//! Gradle, and the Capacitor, Cordova, Expo or Flutter CLI around it — after checking, in the
//! pipeline's `check` step, that the JDK and Android SDK it needs are there.
//!
//! What runs, by the kind [`nativiweb_core::detect`] finds:
//!
//! | kind | steps (each in the project's folder unless said) |
//! |---|---|
//! | `android` | `./gradlew :app:assembleRelease` (or `bundleRelease`) in the Gradle root |
//! | `capacitor` | `npx --no cap sync android` (the project's own Capacitor CLI), then `android/gradlew` |
//! | `react-native` | `android/gradlew` (the React Native Gradle plugin bundles the JavaScript; `node` must be on `PATH`) |
//! | `expo` | `npx --no expo prebuild --platform android --no-install` when there is no `android/`, then `android/gradlew` |
//! | `cordova` | `cordova prepare android`, then `cordova compile android --release -- --packageType=apk\|bundle --gradleArg=…` |
//! | `flutter` | `flutter build apk\|appbundle --release --build-number N --build-name V` (Flutter drives Gradle) |
//!
//! (Flutter picks its JDK itself — `flutter config --jdk-dir`, then Android Studio's, then
//! `JAVA_HOME` — so the JDK chosen here is what it gets only on machines without those.)
//!
//! Gradle runs with `--console=plain --stacktrace --no-daemon` (or the caller's daemon, with
//! [`GradleOptions::daemon`]) and an init script ([`init_script`]) that sets the app's
//! `versionCode` and `versionName` from the app config through the Android Gradle Plugin's
//! variant API, so the user's files are never edited. Every tool goes through
//! [`nativiweb_core::process::run`]: no shell, lines streamed as events, the whole process
//! tree killed on timeout or cancel. The tools get `JAVA_HOME` (the JDK [`Discovery`] chose),
//! `ANDROID_HOME`/`ANDROID_SDK_ROOT`, and no secret: release outputs are built unsigned (or
//! as the project signs them) and the pipeline's signer signs them afterwards, so a keystore
//! password never reaches Gradle's command line, environment or logs.
//!
//! Before anything runs ([`Builder::preflight`]), the project's Android Gradle Plugin and
//! Gradle versions are read ([`GradleProject`]), a JDK both accept is chosen from the ones
//! installed ([`compat`] has the tables and their sources), the SDK is found and checked for
//! the `compileSdk` platform and build tools; anything missing fails in well under a second
//! with a message that names the versions and what to install or set.
//!
//! On failure the error carries Gradle's "What went wrong" block and the failing task, with a
//! sentence of advice for known causes ([`failure`]). The outputs — `app/build/outputs/
//! {apk,bundle}/<variant>/` (splits included), Flutter's and Cordova's equivalents — are
//! copied to the build's out folder as `<applicationId>-<version>-<gradle name>`.
//!
//! ```no_run
//! use nativiweb_android::gradle::{GradleBuilder, GradleOptions};
//!
//! let builder = GradleBuilder::with_options(GradleOptions {
//!     gradle_user_home: Some("/var/cache/gradle".into()), // shared by a build farm's workers
//!     ..GradleOptions::default()
//! });
//! # let _ = builder;
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use nativiweb_core::detect::{self, ProjectKind};
use nativiweb_core::process::{self, Command, ProcessError};
use nativiweb_core::{
    Artifact, ArtifactKind, BuildContext, BuildInput, Builder, Error, Platform, WebNeeds,
};

use crate::package::Format;

pub mod compat;
pub mod failure;
pub mod generate;
pub mod init_script;
pub mod jdk;
pub mod outputs;
pub mod project;
mod script;
pub mod sdk;
pub mod toolchain;
pub mod version;

pub use failure::BuildFailure;
pub use generate::{GenerateError, GenerateOptions, GeneratedProject, KeptFile};
pub use jdk::{Jdk, JdkSource};
pub use outputs::Variant;
pub use project::GradleProject;
pub use sdk::{AndroidSdk, SdkSource};
pub use toolchain::{Discovery, Toolchain, ToolchainError};
pub use version::Version;

/// The backend name in logs and errors.
pub const BACKEND: &str = "gradle";

/// How many trailing output lines are kept to find Gradle's "What went wrong" block: with
/// `--stacktrace` the trace after it runs to hundreds of lines.
pub const FAILURE_SCAN_LINES: usize = 4000;

/// Release or debug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildType {
    /// `assembleRelease` / `bundleRelease`: built unsigned (unless the project signs it), then
    /// signed by the pipeline's signer.
    #[default]
    Release,
    /// `assembleDebug` / `bundleDebug`: signed by Gradle with the machine's debug key.
    Debug,
}

impl BuildType {
    /// `release` or `debug`.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildType::Release => "release",
            BuildType::Debug => "debug",
        }
    }
}

/// Options of the [`GradleBuilder`].
#[derive(Debug, Clone)]
pub struct GradleOptions {
    /// Release (default) or debug.
    pub build_type: BuildType,
    /// The product flavor to build (`free` -> `assembleFreeRelease`), for projects with flavors;
    /// `None` builds every flavor of the build type.
    pub flavor: Option<String>,
    /// Use Gradle's daemon (a caller that keeps one warm between builds) instead of
    /// `--no-daemon`.
    pub daemon: bool,
    /// `GRADLE_USER_HOME` for the tools: a cache shared by a build farm's builds.
    pub gradle_user_home: Option<PathBuf>,
    /// A JDK to build with, whatever the environment says.
    pub java_home: Option<PathBuf>,
    /// An Android SDK to build with, whatever the environment and `local.properties` say.
    pub android_sdk: Option<PathBuf>,
    /// Let a missing platform or build-tools through when the SDK license is accepted (the
    /// Android Gradle Plugin downloads it). Off by default.
    pub allow_sdk_downloads: bool,
    /// Where to look for JDKs and SDKs; `None`: the usual places for this process's
    /// environment ([`Discovery::new`]). The build's own environment (`ctx.env`) is laid over
    /// its `env` either way, and its `PATH` (or else this process's) is the tools' `PATH`.
    pub discovery: Option<Discovery>,
    /// More arguments for Gradle (`--offline`, `-Pfoo=bar`; for Cordova they become
    /// `--gradleArg=…`, for Flutter they go to `flutter build`). Never put secrets here:
    /// arguments are visible to every process on the machine.
    pub extra_args: Vec<String>,
    /// Kills each tool (its whole process tree) after this long; the pipeline's step and
    /// build deadlines apply as well.
    pub timeout: Option<Duration>,
    /// Sets `versionCode`/`versionName` from the app config (`build`, `version`) with an init
    /// script (Flutter: `--build-number`/`--build-name`). Default `true`.
    pub apply_version: bool,
    /// Where to copy R8's `mapping.txt` when the build writes one (it is not an artifact the
    /// pipeline signs or stores: there is no artifact kind for it).
    pub mapping_dir: Option<PathBuf>,
}

impl Default for GradleOptions {
    fn default() -> Self {
        GradleOptions {
            build_type: BuildType::Release,
            flavor: None,
            daemon: false,
            gradle_user_home: None,
            java_home: None,
            android_sdk: None,
            allow_sdk_downloads: false,
            discovery: None,
            extra_args: Vec::new(),
            timeout: None,
            apply_version: true,
            mapping_dir: None,
        }
    }
}

/// Why a Gradle build could not run or failed. Each names the file, tool or task at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GradleError {
    /// The JDK or SDK is missing or wrong.
    #[error(transparent)]
    Toolchain(Box<ToolchainError>),
    /// The project is not one the Gradle builder builds.
    #[error("the gradle builder builds Android, Capacitor, Cordova, React Native, Expo and Flutter projects, but {root} is {kind}: {hint}")]
    UnsupportedKind {
        /// The project folder.
        root: PathBuf,
        /// What detection found (`a web project`).
        kind: String,
        /// What to do.
        hint: String,
    },
    /// A format the builder does not make.
    #[error(
        "the gradle builder makes APKs and App Bundles, not {0}: use --format apk or --format aab"
    )]
    Format(ArtifactKind),
    /// A folder or file the build needs is missing (no `android/`, no wrapper).
    #[error("{problem}")]
    Project {
        /// The folder or file at fault.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A tool the project kind needs is not on `PATH`.
    #[error("building a {kind} project needs `{program}`, which is not on PATH: {hint}")]
    MissingTool {
        /// The program.
        program: String,
        /// The project kind.
        kind: String,
        /// How to get it.
        hint: String,
    },
    /// A tool failed: its "What went wrong", failing task and advice.
    #[error(transparent)]
    Failed(Box<BuildFailure>),
    /// The build succeeded but left nothing where the outputs go.
    #[error("`{command}` succeeded but wrote no {kind} for the {variant} variant under {dir}; check the project's output settings (or choose the flavor with GradleOptions::flavor)")]
    NoOutputs {
        /// What ran last.
        command: String,
        /// `apk` or `aab`.
        kind: ArtifactKind,
        /// The variant.
        variant: String,
        /// Where outputs were looked for.
        dir: PathBuf,
    },
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl From<ToolchainError> for GradleError {
    fn from(e: ToolchainError) -> Self {
        GradleError::Toolchain(Box::new(e))
    }
}

impl From<BuildFailure> for GradleError {
    fn from(e: BuildFailure) -> Self {
        GradleError::Failed(Box::new(e))
    }
}

impl GradleError {
    /// True when the user must change the project, the machine's toolchain or the options (a
    /// retry fails the same way), as opposed to a tool failing while it works.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            GradleError::Toolchain(_)
                | GradleError::UnsupportedKind { .. }
                | GradleError::Format(_)
                | GradleError::Project { .. }
                | GradleError::MissingTool { .. }
        )
    }

    fn into_core(self) -> Error {
        if self.is_input() {
            Error::rejected(BACKEND, self)
        } else {
            Error::backend(BACKEND, self)
        }
    }
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> GradleError + 'a {
    move |source| GradleError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// How a project kind is built: where its Gradle root is and which tools it needs.
#[derive(Debug, Clone)]
struct Layout {
    kind: ProjectKind,
    /// The project (detection's root).
    root: PathBuf,
    /// The Gradle root (may not exist yet for Expo and Cordova).
    gradle_root: PathBuf,
}

impl Layout {
    fn new(kind: ProjectKind, root: &Path) -> Result<Layout, GradleError> {
        let gradle_root = match kind {
            ProjectKind::Android => {
                project::find_gradle_root(root, 0).unwrap_or_else(|| root.to_owned())
            }
            ProjectKind::Capacitor
            | ProjectKind::ReactNative
            | ProjectKind::Expo
            | ProjectKind::Flutter => root.join("android"),
            ProjectKind::Cordova => root.join("platforms/android"),
            other => {
                let hint = match other {
                    ProjectKind::Web => "use the direct builder (--builder direct, the default), which packages a web app with no JDK or SDK",
                    ProjectKind::Xcode => "it is an iOS project: build it with --platform ios",
                    ProjectKind::Workspace => "build one of its apps: point the build at the member's folder",
                    _ => "point the build at the folder that holds settings.gradle, capacitor.config.*, config.xml or pubspec.yaml",
                };
                return Err(GradleError::UnsupportedKind {
                    root: root.to_owned(),
                    kind: match other {
                        ProjectKind::Unknown => "not a project nativiweb recognizes".into(),
                        k => format!("a {k} project"),
                    },
                    hint: hint.into(),
                });
            }
        };
        Ok(Layout {
            kind,
            root: root.to_owned(),
            gradle_root,
        })
    }

    fn has_gradle_root(&self) -> bool {
        project::SETTINGS_FILES
            .iter()
            .any(|f| self.gradle_root.join(f).is_file())
    }

    /// Whether the Android project is made during the build (Expo without `android/`,
    /// Cordova without `platforms/android`).
    fn generated(&self) -> bool {
        matches!(self.kind, ProjectKind::Expo | ProjectKind::Cordova) && !self.has_gradle_root()
    }
}

/// What [`GradleBuilder::check`] found.
struct Checked {
    layout: Layout,
    project: Option<GradleProject>,
    toolchain: Option<Toolchain>,
    problems: Vec<GradleError>,
}

/// Whether `package.json` at `root` lists `dep` among its dependencies.
fn depends_on(root: &Path, dep: &str) -> bool {
    project::read_small(&root.join("package.json"))
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| {
            ["dependencies", "devDependencies"]
                .iter()
                .any(|k| v.get(k).and_then(|d| d.get(dep)).is_some())
        })
}

/// Nativiweb's Gradle [`Builder`] (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct GradleBuilder {
    options: GradleOptions,
}

impl GradleBuilder {
    /// A builder with default options: release, no daemon, the usual JDK and SDK places.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with `options`.
    pub fn with_options(options: GradleOptions) -> Self {
        GradleBuilder { options }
    }

    /// The options in use.
    pub fn options(&self) -> &GradleOptions {
        &self.options
    }

    /// The variant built.
    pub fn variant(&self) -> Variant {
        Variant {
            build_type: self.options.build_type.as_str().to_owned(),
            flavor: self.options.flavor.clone(),
        }
    }

    /// The discovery for a build: the options' (or the usual places), with the build's
    /// environment laid over and the options' JDK and SDK.
    pub fn discovery(&self, ctx: &BuildContext) -> Discovery {
        let mut d = self
            .options
            .discovery
            .clone()
            .unwrap_or_else(Discovery::from_process_env);
        for (k, v) in &ctx.env {
            d.env.insert(k.clone(), v.clone());
        }
        // The tools need a PATH (sh, node, the project's CLIs): the process's, unless the
        // discovery or the build set one.
        if !d.env.contains_key("PATH") {
            if let Ok(path) = std::env::var("PATH") {
                d.env.insert("PATH".into(), path);
            }
        }
        if self.options.java_home.is_some() {
            d.java_home = self.options.java_home.clone();
        }
        if self.options.android_sdk.is_some() {
            d.android_sdk = self.options.android_sdk.clone();
        }
        d.allow_sdk_downloads |= self.options.allow_sdk_downloads;
        d
    }

    /// Everything that can be checked before a tool runs (synchronous: file reads only).
    fn check(root: &Path, discovery: &Discovery) -> Checked {
        let mut problems = Vec::new();
        let kind = match detect::detect(root) {
            Ok(d) => d.kind,
            Err(e) => {
                problems.push(GradleError::Project {
                    path: root.to_owned(),
                    problem: e.to_string(),
                });
                return Checked {
                    layout: Layout {
                        kind: ProjectKind::Unknown,
                        root: root.to_owned(),
                        gradle_root: root.to_owned(),
                    },
                    project: None,
                    toolchain: None,
                    problems,
                };
            }
        };
        let layout = match Layout::new(kind, root) {
            Ok(l) => l,
            Err(e) => {
                problems.push(e);
                return Checked {
                    layout: Layout {
                        kind,
                        root: root.to_owned(),
                        gradle_root: root.to_owned(),
                    },
                    project: None,
                    toolchain: None,
                    problems,
                };
            }
        };
        let path = discovery.env.get("PATH").map(OsString::from);
        let on_path = |program: &str| process::find_program(program, path.as_deref()).is_some();
        let mut need = |program: &str, hint: String| {
            if !on_path(program) {
                problems.push(GradleError::MissingTool {
                    program: program.into(),
                    kind: kind.to_string(),
                    hint,
                });
            }
        };
        let node_hint =
            || process::install_hint("node").unwrap_or_else(|| "install Node.js".into());
        match kind {
            ProjectKind::Capacitor => need("npx", node_hint()),
            ProjectKind::ReactNative => need("node", node_hint()),
            ProjectKind::Expo => {
                need("node", node_hint());
                if layout.generated() {
                    need("npx", node_hint());
                }
            }
            ProjectKind::Cordova if !depends_on(root, "cordova") => need(
                "cordova",
                "add cordova to the project's devDependencies (`npm install --save-dev cordova`), or install it globally (`npm install -g cordova`)".into(),
            ),
            ProjectKind::Flutter => need(
                "flutter",
                "install the Flutter SDK (https://docs.flutter.dev/get-started/install) and put its bin folder on PATH".into(),
            ),
            _ => {}
        }
        if !layout.has_gradle_root() && !layout.generated() {
            let problem = match kind {
                ProjectKind::Capacitor => format!(
                    "this Capacitor project has no Android project ({} is missing): run `npx cap add android` once and keep the android/ folder in the project",
                    layout.gradle_root.display()
                ),
                ProjectKind::Flutter => format!(
                    "this Flutter project has no Android project ({} is missing): run `flutter create --platforms=android .` once and keep the android/ folder",
                    layout.gradle_root.display()
                ),
                _ => format!(
                    "{} has no settings.gradle or settings.gradle.kts: restore the project's Android folder",
                    layout.gradle_root.display()
                ),
            };
            problems.push(GradleError::Project {
                path: layout.gradle_root.clone(),
                problem,
            });
        }
        let project = layout
            .has_gradle_root()
            .then(|| GradleProject::read(&layout.gradle_root));
        if let Some(p) = &project {
            let wrapper_needed = matches!(
                kind,
                ProjectKind::Android
                    | ProjectKind::Capacitor
                    | ProjectKind::ReactNative
                    | ProjectKind::Expo
            );
            if wrapper_needed && p.wrapper.is_none() && !on_path("gradle") {
                problems.push(GradleError::Project {
                    path: p.root.join("gradlew"),
                    problem: format!(
                        "{} has no Gradle wrapper (gradlew) and no `gradle` is on PATH: add the wrapper to the project (`gradle wrapper --gradle-version <version>` on a machine with Gradle) or install Gradle",
                        p.root.display()
                    ),
                });
            }
        }
        let toolchain = match discovery.discover(project.as_ref()) {
            Ok(t) => Some(t),
            Err(errors) => {
                problems.extend(errors.into_iter().map(GradleError::from));
                None
            }
        };
        Checked {
            layout,
            project,
            toolchain,
            problems,
        }
    }

    /// [`GradleBuilder::check`] off the async threads.
    async fn check_async(&self, ctx: &BuildContext, root: &Path) -> Result<Checked, Error> {
        let discovery = self.discovery(ctx);
        let root = root.to_owned();
        tokio::task::spawn_blocking(move || Self::check(&root, &discovery))
            .await
            .map_err(|e| Error::backend(BACKEND, format!("checking the toolchain failed: {e}")))
    }

    fn gradle_flags(&self, init_script: Option<&Path>) -> Vec<String> {
        let mut flags = vec!["--console=plain".to_owned(), "--stacktrace".to_owned()];
        if !self.options.daemon {
            flags.push("--no-daemon".into());
        }
        if let Some(script) = init_script {
            flags.push(format!("--init-script={}", script.display()));
        }
        flags
    }

    /// The environment every tool of the build gets.
    fn tool_env(&self, toolchain: &Toolchain, discovery: &Discovery) -> Vec<(String, String)> {
        let mut env = toolchain.env(discovery.env.get("PATH").map(String::as_str));
        if let Some(home) = &self.options.gradle_user_home {
            env.push(("GRADLE_USER_HOME".into(), home.display().to_string()));
        }
        env
    }

    /// Runs one tool through the core process runner; a failure becomes a [`BuildFailure`].
    async fn run_tool(
        &self,
        ctx: &BuildContext,
        program: &Path,
        args: Vec<String>,
        cwd: &Path,
        env: &[(String, String)],
    ) -> Result<(), Error> {
        let mut cmd = Command::new(program)
            .args(&args)
            .current_dir(cwd)
            .tail_lines(FAILURE_SCAN_LINES);
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        if let Some(t) = self.options.timeout {
            cmd = cmd.timeout(t);
        }
        ctx.info(ctx.user_paths(&format!("running {} (in {})", cmd.display(), cwd.display())));
        match process::run(ctx, cmd).await {
            Ok(_) => Ok(()),
            Err(ProcessError::Failed {
                command,
                status,
                tail,
                ..
            }) => {
                let lines: Vec<String> = tail.lines().map(str::to_owned).collect();
                let failure = failure::parse(&ctx.user_paths(&command), &status, &lines);
                Err(GradleError::from(failure).into_core())
            }
            Err(ProcessError::TimedOut {
                command,
                elapsed,
                tail,
            }) => {
                // The tail kept for finding "What went wrong" is long; a timeout shows its end.
                let lines: Vec<&str> = tail.lines().collect();
                let start = lines.len().saturating_sub(failure::FAILURE_TAIL_LINES);
                Err(Error::Process(ProcessError::TimedOut {
                    command: ctx.user_paths(&command),
                    elapsed,
                    tail: lines[start..].join("\n"),
                }))
            }
            Err(e) => Err(Error::Process(e)),
        }
    }

    /// `program` resolved on the tools' `PATH` (or the project's `node_modules/.bin`).
    fn resolve(
        program: &str,
        env: &[(String, String)],
        local_bin: Option<&Path>,
        kind: ProjectKind,
    ) -> Result<PathBuf, Error> {
        if let Some(local) = local_bin.map(|d| d.join(program)) {
            if let Some(found) = process::find_program(&local.to_string_lossy(), None) {
                return Ok(found);
            }
        }
        let path = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| OsString::from(v));
        process::find_program(program, path.as_deref()).ok_or_else(|| {
            GradleError::MissingTool {
                program: program.into(),
                kind: kind.to_string(),
                hint: process::install_hint(program)
                    .unwrap_or_else(|| format!("install `{program}` or put it on PATH")),
            }
            .into_core()
        })
    }

    /// The wrapper to run (made executable when a copy lost its mode), or `gradle` on PATH.
    fn gradle_program(
        project: &GradleProject,
        env: &[(String, String)],
        kind: ProjectKind,
    ) -> Result<PathBuf, Error> {
        match &project.wrapper {
            Some(wrapper) => {
                use std::os::unix::fs::PermissionsExt;
                let meta = std::fs::metadata(wrapper)
                    .map_err(|e| io_error("reading", wrapper)(e).into_core())?;
                let mode = meta.permissions().mode();
                if mode & 0o100 == 0 {
                    std::fs::set_permissions(
                        wrapper,
                        std::fs::Permissions::from_mode(mode | 0o755),
                    )
                    .map_err(|e| io_error("making executable", wrapper)(e).into_core())?;
                }
                Ok(wrapper.clone())
            }
            None => Self::resolve("gradle", env, None, kind),
        }
    }
}

/// The format asked for: APK by default, or an App Bundle.
fn check_format(input: &BuildInput) -> Result<Format, GradleError> {
    match input.format {
        None => Ok(Format::Apk),
        Some(kind) => Format::from_kind(kind).ok_or(GradleError::Format(kind)),
    }
}

fn problems_error(problems: Vec<GradleError>) -> Option<Error> {
    Error::from_problems(problems.into_iter().map(GradleError::into_core).collect())
}

/// Copies a build output to `dest` and describes it as an artifact of `kind` (size, SHA-256).
fn copy_artifact(
    src: &Path,
    dest: PathBuf,
    kind: ArtifactKind,
    action: &'static str,
) -> Result<Artifact, GradleError> {
    std::fs::copy(src, &dest).map_err(io_error(action, &dest))?;
    let digest = nativiweb_core::hash::sha256_file(&dest).map_err(|e| GradleError::Io {
        action: "hashing",
        path: dest.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(Artifact {
        path: dest,
        kind,
        platform: Platform::Android,
        size: digest.size,
        sha256: digest.sha256,
    })
}

#[async_trait]
impl Builder for GradleBuilder {
    fn name(&self) -> &str {
        BACKEND
    }

    /// Capacitor syncs the built web bundle into `android/`, and a Cordova project with a
    /// build script builds its `www/`; React Native and Expo need their dependencies (their
    /// Gradle plugins bundle the JavaScript); a plain Android project and Flutter need nothing
    /// from the web toolchain.
    fn web_needs(&self, detection: &nativiweb_core::detect::Detection) -> WebNeeds {
        match detection.kind {
            ProjectKind::Capacitor => WebNeeds::Bundle,
            ProjectKind::Cordova if detection.build_command.is_some() => WebNeeds::Bundle,
            ProjectKind::Cordova | ProjectKind::ReactNative | ProjectKind::Expo => {
                WebNeeds::InstallOnly
            }
            _ => WebNeeds::Nothing,
        }
    }

    fn platform(&self) -> Platform {
        Platform::Android
    }

    /// Before the web build: the format, the project kind and its Android folder, the tools
    /// it needs on PATH, the JDK (a version the project's AGP and Gradle both accept) and the
    /// SDK (with the `compileSdk` platform and build tools) — every problem at once.
    async fn preflight(
        &self,
        ctx: &BuildContext,
        input: &BuildInput,
    ) -> nativiweb_core::Result<()> {
        let mut problems = Vec::new();
        if let Err(e) = check_format(input) {
            problems.push(e);
        }
        let checked = self.check_async(ctx, &input.project_dir).await?;
        problems.extend(checked.problems);
        if let Some(toolchain) = &checked.toolchain {
            ctx.info(ctx.user_paths(&format!(
                "gradle builder: {} project; {}",
                checked.layout.kind,
                toolchain.summary()
            )));
            for note in &toolchain.notes {
                ctx.info(ctx.user_paths(note));
            }
        }
        match problems_error(problems) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    async fn build(
        &self,
        ctx: &BuildContext,
        input: &BuildInput,
    ) -> nativiweb_core::Result<Vec<Artifact>> {
        let format = check_format(input).map_err(GradleError::into_core)?;
        let app = ctx.app()?.clone();
        let variant = self.variant();
        let checked = self.check_async(ctx, &input.project_dir).await?;
        if let Some(e) = problems_error(checked.problems) {
            return Err(e);
        }
        let (layout, toolchain) = match (checked.layout, checked.toolchain) {
            (layout, Some(t)) => (layout, t),
            (_, None) => {
                return Err(Error::backend(
                    BACKEND,
                    "no toolchain was found, and no problem reported; this is a bug",
                ))
            }
        };
        let discovery = self.discovery(ctx);
        let env = self.tool_env(&toolchain, &discovery);
        let kind = layout.kind;
        let root = layout.root.clone();
        let node_bin = root.join("node_modules/.bin");
        let started = SystemTime::now();
        let generated = layout.generated();
        let pre_step = matches!(kind, ProjectKind::Capacitor | ProjectKind::Cordova)
            || (kind == ProjectKind::Expo && generated);

        // 1. What comes before Gradle: sync the web bundle in, or generate the Android project.
        match kind {
            ProjectKind::Capacitor => {
                let npx = Self::resolve("npx", &env, None, kind)?;
                self.run_tool(
                    ctx,
                    &npx,
                    vec!["--no".into(), "cap".into(), "sync".into(), "android".into()],
                    &root,
                    &env,
                )
                .await?;
            }
            ProjectKind::Expo if generated => {
                let npx = Self::resolve("npx", &env, None, kind)?;
                let mut expo_env = env.clone();
                expo_env.push(("CI".into(), "1".into()));
                self.run_tool(
                    ctx,
                    &npx,
                    [
                        "--no",
                        "expo",
                        "prebuild",
                        "--platform",
                        "android",
                        "--no-install",
                    ]
                    .map(String::from)
                    .to_vec(),
                    &root,
                    &expo_env,
                )
                .await?;
            }
            ProjectKind::Cordova => {
                let cordova = Self::resolve("cordova", &env, Some(&node_bin), kind)?;
                self.run_tool(
                    ctx,
                    &cordova,
                    vec!["prepare".into(), "android".into()],
                    &root,
                    &env,
                )
                .await?;
            }
            _ => {}
        }

        // 2. The project as it is now (generated, synced): check it again, fully.
        let (project, toolchain) = if pre_step {
            let checked = self.check_async(ctx, &root).await?;
            if let Some(e) = problems_error(checked.problems) {
                return Err(e);
            }
            match (checked.project, checked.toolchain) {
                (Some(p), Some(t)) => (p, t),
                (None, _) => {
                    return Err(GradleError::Project {
                        path: layout.gradle_root.clone(),
                        problem: format!(
                            "the {kind} tools ran but left no Android project at {}",
                            layout.gradle_root.display()
                        ),
                    }
                    .into_core())
                }
                (_, None) => {
                    return Err(Error::backend(
                        BACKEND,
                        "no toolchain after generation; this is a bug",
                    ))
                }
            }
        } else {
            match checked.project {
                Some(p) => (p, toolchain),
                None => {
                    return Err(Error::backend(
                        BACKEND,
                        "no Gradle project after the check; this is a bug",
                    ))
                }
            }
        };
        for note in &toolchain.notes {
            ctx.info(ctx.user_paths(note));
        }
        let env = self.tool_env(&toolchain, &discovery);

        // local.properties names the SDK found (Gradle reads it before ANDROID_HOME).
        {
            let gradle_root = project.root.clone();
            let sdk = toolchain.sdk.root.clone();
            let wrote = tokio::task::spawn_blocking(move || {
                sdk::write_local_properties(&gradle_root, &sdk)
            })
            .await
            .map_err(|e| Error::backend(BACKEND, format!("writing local.properties failed: {e}")))?
            .map_err(|e| {
                io_error("writing", &project.root.join("local.properties"))(e).into_core()
            })?;
            if let Some(what) = wrote {
                ctx.info(ctx.user_paths(&what));
            }
        }

        // The init script that sets the version, in the work dir (never in the project).
        let init = if self.options.apply_version && kind != ProjectKind::Flutter {
            let dir = ctx.work_dir.join("gradle");
            let file = dir.join(init_script::FILE_NAME);
            let api =
                init_script::VariantApi::for_agp(project.agp_version.as_ref().map(|f| &f.value));
            let text = init_script::init_script(app.build, &app.version, api);
            let f = file.clone();
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                std::fs::create_dir_all(&dir)?;
                std::fs::write(&f, text)
            })
            .await
            .map_err(|e| Error::backend(BACKEND, format!("writing the init script failed: {e}")))?
            .map_err(|e| io_error("writing", &file)(e).into_core())?;
            Some(file)
        } else {
            None
        };

        // 3. The build itself.
        let task_verb = match format {
            Format::Apk => "assemble",
            Format::Aab => "bundle",
        };
        let task = format!("{task_verb}{}", variant.task_suffix());
        let last_command: String;
        let (outputs_dir, flutter_apks) = match kind {
            ProjectKind::Flutter => {
                let flutter = Self::resolve("flutter", &env, None, kind)?;
                let mut args = vec![
                    "build".to_owned(),
                    match format {
                        Format::Apk => "apk".into(),
                        Format::Aab => "appbundle".into(),
                    },
                    format!("--{}", variant.build_type),
                ];
                if let Some(flavor) = &variant.flavor {
                    args.push(format!("--flavor={flavor}"));
                }
                if self.options.apply_version {
                    args.push(format!("--build-number={}", app.build));
                    args.push(format!("--build-name={}", app.version));
                }
                args.extend(self.options.extra_args.iter().cloned());
                last_command = format!("flutter {}", args.join(" "));
                self.run_tool(ctx, &flutter, args, &root, &env).await?;
                let outputs = root.join("build/app/outputs");
                (outputs.clone(), Some(outputs.join("flutter-apk")))
            }
            ProjectKind::Cordova => {
                let cordova = Self::resolve("cordova", &env, Some(&node_bin), kind)?;
                let mut args = vec![
                    "compile".to_owned(),
                    "android".into(),
                    format!("--{}", variant.build_type),
                    "--".into(),
                    format!(
                        "--packageType={}",
                        match format {
                            Format::Apk => "apk",
                            Format::Aab => "bundle",
                        }
                    ),
                ];
                for flag in self
                    .gradle_flags(init.as_deref())
                    .into_iter()
                    .chain(self.options.extra_args.iter().cloned())
                {
                    args.push(format!("--gradleArg={flag}"));
                }
                last_command = format!("cordova {}", args.join(" "));
                self.run_tool(ctx, &cordova, args, &root, &env).await?;
                (project.module_dir().join("build/outputs"), None)
            }
            _ => {
                let gradle = {
                    let (project, env) = (project.clone(), env.clone());
                    tokio::task::spawn_blocking(move || Self::gradle_program(&project, &env, kind))
                        .await
                        .map_err(|e| {
                            Error::backend(
                                BACKEND,
                                format!("finding the Gradle wrapper failed: {e}"),
                            )
                        })??
                };
                let mut args = self.gradle_flags(init.as_deref());
                args.push(project.task(&task));
                args.extend(self.options.extra_args.iter().cloned());
                last_command = format!("{} {}", gradle.display(), args.join(" "));
                self.run_tool(ctx, &gradle, args, &project.root, &env)
                    .await?;
                (project.module_dir().join("build/outputs"), None)
            }
        };

        // 4. The outputs, copied to the out folder under names that carry the app.
        let out_dir = input.out_dir.clone();
        let module = project.app_module.clone().unwrap_or_else(|| "app".into());
        let app_id = app.android.application_id.clone();
        let version = app.version.clone();
        let mapping_dir = self.options.mapping_dir.clone();
        let variant_for_copy = variant.clone();
        let found = tokio::task::spawn_blocking(
            move || -> Result<(Vec<Artifact>, Option<PathBuf>), GradleError> {
                let files = match (&flutter_apks, format) {
                    (Some(dir), Format::Apk) => {
                        outputs::find_flutter_apks(dir, &variant_for_copy, started)
                    }
                    _ => outputs::find(&outputs_dir, format, &variant_for_copy, started),
                };
                if files.is_empty() {
                    return Err(GradleError::NoOutputs {
                        command: last_command,
                        kind: format.kind(),
                        variant: variant_for_copy.name(),
                        dir: flutter_apks.unwrap_or(outputs_dir),
                    });
                }
                std::fs::create_dir_all(&out_dir).map_err(io_error("creating", &out_dir))?;
                let mut artifacts = Vec::new();
                for file in files {
                    let name = file
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("app.apk");
                    let dest =
                        out_dir.join(outputs::artifact_name(name, &module, &app_id, &version));
                    artifacts.push(copy_artifact(
                        &file,
                        dest,
                        format.kind(),
                        "copying the output to",
                    )?);
                }
                let mut mapping = outputs::find_mapping(&outputs_dir, &variant_for_copy, started);
                // The mapping file is an artifact of its own (stored with the app; Play takes
                // it with the version), named like the app's outputs.
                if let Some(src) = &mapping {
                    let dest = out_dir.join(format!(
                        "{app_id}-{version}-{}-mapping.txt",
                        variant_for_copy.name()
                    ));
                    artifacts.push(copy_artifact(
                        src,
                        dest,
                        ArtifactKind::Mapping,
                        "copying mapping.txt to",
                    )?);
                }
                if let (Some(src), Some(dir)) = (&mapping, &mapping_dir) {
                    std::fs::create_dir_all(dir).map_err(io_error("creating", dir))?;
                    let dest = dir.join(format!(
                        "{app_id}-{version}-{}-mapping.txt",
                        variant_for_copy.name()
                    ));
                    std::fs::copy(src, &dest).map_err(io_error("copying mapping.txt to", &dest))?;
                    mapping = Some(dest);
                }
                Ok((artifacts, mapping))
            },
        )
        .await
        .map_err(|e| Error::backend(BACKEND, format!("collecting the outputs failed: {e}")))?;
        let (artifacts, mapping) = found.map_err(GradleError::into_core)?;
        for a in &artifacts {
            ctx.info(format!(
                "built {} ({} bytes, sha256 {})",
                a.path.display(),
                a.size,
                a.sha256
            ));
        }
        if let Some(mapping) = mapping {
            ctx.info(ctx.user_paths(&format!(
                "R8 wrote its mapping file: {}{}",
                mapping.display(),
                if self.options.mapping_dir.is_none() {
                    " (stored with the app as a `mapping` artifact)"
                } else {
                    ""
                }
            )));
        }
        Ok(artifacts)
    }
}
