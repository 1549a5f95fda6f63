//! [`XcodeBuilder`] (`--builder xcode`, macOS): builds a signed `.ipa` with the project's own
//! tools — `xcodebuild`, and CocoaPods, the Capacitor, Expo or Flutter CLI around it — signing
//! with a temporary keychain and an installed provisioning profile that are removed when the
//! build ends, whichever way it ends.
//!
//! What runs, by the kind [`nativiweb_core::detect`] finds (each in the project's folder
//! unless said):
//!
//! | kind | steps |
//! |---|---|
//! | `web` | nativiweb's Xcode project generated into the work dir ([`crate::XcodeProject`]), then `xcodebuild` |
//! | `xcode` | `pod install` when there is a Podfile, then `xcodebuild` on the `.xcworkspace` (else the `.xcodeproj`) |
//! | `capacitor` | `npx --no cap sync ios` (which runs `pod install` for CocoaPods layouts; Swift Package Manager layouts have none), then `xcodebuild` in `ios/App` |
//! | `react-native` | `pod install` in `ios/` when there is a Podfile, then `xcodebuild` in `ios/` |
//! | `expo` | `npx --no expo prebuild --platform ios --no-install` when there is no `ios/`, `pod install` in `ios/`, then `xcodebuild` |
//! | `flutter` | `flutter build ipa --release --export-options-plist=… --build-number=N --build-name=V`, signing settings passed as `FLUTTER_XCODE_*` variables |
//!
//! `xcodebuild` runs three times: `-list -json` (the scheme: the one named like the workspace
//! or project, else the first that is not a CocoaPods one), `archive` (`-destination
//! generic/platform=iOS`, manual signing build settings `CODE_SIGN_STYLE=Manual`,
//! `CODE_SIGN_IDENTITY=<certificate SHA-1>`, `PROVISIONING_PROFILE_SPECIFIER=<profile UUID>`,
//! `DEVELOPMENT_TEAM`, `OTHER_CODE_SIGN_FLAGS=--keychain <temporary keychain>` — or
//! `-allowProvisioningUpdates` with an App Store Connect API key — and the app config's
//! versions as `MARKETING_VERSION=` / `CURRENT_PROJECT_VERSION=`, so the user's project is
//! never edited), and `-exportArchive` with an ExportOptions.plist written with the `plist`
//! crate. Every tool goes through [`nativiweb_core::process::run`]: no shell, lines streamed
//! as events, the whole process tree killed on timeout or cancel.
//!
//! **Signing.** Before anything runs ([`Builder::preflight`]), the `.p12` is opened with the
//! password from the build's secrets ([`CERTIFICATE_PASSWORD_SECRET`]) and
//! [`crate::credentials::check`] compares it with the profile, the bundle id and the export
//! method, so a mismatch fails in well under a second. During the build, [`keychain`] makes a
//! temporary keychain under a one-time random password and imports the identity re-encrypted
//! under that password ([`crate::P12Identity::to_pkcs12`]): the user's password is in no
//! argv, environment, log line or error. [`profile`] installs the profile by UUID. Both are
//! undone by [`session::SigningSession`] on success, failure, timeout and cancel — also when
//! the pipeline drops the build's future.
//!
//! **Known risk (not checked on a Mac):** build settings given on xcodebuild's command line
//! apply to every target, Pods and Swift package targets included; Xcode refuses a manually
//! specified profile on targets that cannot have one ("does not support provisioning
//! profiles"). Projects hitting it must set manual signing on the app target in the project;
//! [`failure`] gives that advice.
//!
//! **Failures** are summarised from the tools' `error:` lines with advice for the common ones
//! ([`failure`]). **Outputs** ([`outputs`]): the `.ipa` (signed by xcodebuild's export: the
//! pipeline must be given no signer for it, and none of nativiweb's signers supports
//! [`ArtifactKind::Ipa`]), the `.xcarchive` zipped, the dSYMs zipped.
//!
//! Elsewhere than macOS, [`XcodeBuilder::new`] fails its preflight at once with
//! [`XcodeError::NotMacOs`]; only a builder given an explicit [`Toolchain`]
//! ([`XcodeBuilder::with_toolchain`]) runs there — which is how the tests drive it against
//! stand-in tools.
//!
//! ```no_run
//! use nativiweb_ios::build::{XcodeBuilder, XcodeSigning};
//!
//! let builder = XcodeBuilder::new().signing(XcodeSigning::Manual {
//!     certificate: "dist.p12".into(),
//!     profile: "App_Store.mobileprovision".into(),
//! });
//! # let _ = builder;
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use nativiweb_core::detect::{self, ProjectKind};
use nativiweb_core::process::{self, Command, Output, ProcessError};
use nativiweb_core::{
    Artifact, ArtifactKind, BuildContext, BuildInput, Builder, Error, Platform, WebNeeds,
};
use secrecy::{ExposeSecret, SecretString};

use crate::credentials::{self, CheckRequest, CredentialError, P12Identity, ProvisioningProfile};
use crate::{ExportMethod, GenerateOptions, XcodeProject};

mod error;
pub mod failure;
pub mod keychain;
pub mod outputs;
pub mod profile;
pub mod session;
pub mod toolchain;
pub mod xcodebuild;

pub use error::XcodeError;
pub use failure::XcodeFailure;
pub use toolchain::Toolchain;
use xcodebuild::{ArchiveSigning, Container};

/// The backend name in logs and errors.
pub const BACKEND: &str = "xcode";

/// The build secret the `.p12` password is read from (the same name as the CLI's environment
/// variable).
pub const CERTIFICATE_PASSWORD_SECRET: &str = credentials::CERTIFICATE_PASSWORD_ENV;

/// How the app is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XcodeSigning {
    /// A distribution (or development) certificate with its key, and its provisioning
    /// profile: manual signing with a temporary keychain. The `.p12` password comes from the
    /// build's secret [`XcodeOptions::password_secret`].
    Manual {
        /// The `.p12`.
        certificate: PathBuf,
        /// The `.mobileprovision`.
        profile: PathBuf,
    },
    /// Automatic signing: xcodebuild fetches certificates and profiles with an App Store
    /// Connect API key (`-allowProvisioningUpdates -authenticationKeyPath …`). The key's path
    /// and ids are not secret; the key file is.
    ApiKey {
        /// The `.p8` file.
        key_path: PathBuf,
        /// The key id.
        key_id: String,
        /// The issuer id.
        issuer_id: String,
    },
}

/// Options of the [`XcodeBuilder`].
#[derive(Debug, Clone)]
pub struct XcodeOptions {
    /// The export method; by default the one the profile's kind is for (an App Store profile
    /// exports for App Store Connect), or App Store Connect with an API key.
    pub export_method: Option<ExportMethod>,
    /// The scheme to build; by default the one `xcodebuild -list -json` names like the
    /// workspace or project.
    pub scheme: Option<String>,
    /// The build configuration (`Release`).
    pub configuration: String,
    /// The team (`DEVELOPMENT_TEAM`); by default `[ios] team_id`, else the certificate's team.
    pub team_id: Option<String>,
    /// Kills each tool (its whole process tree) after this long; the pipeline's deadlines
    /// apply as well.
    pub timeout: Option<Duration>,
    /// The name of the build secret holding the `.p12` password
    /// ([`CERTIFICATE_PASSWORD_SECRET`]).
    pub password_secret: String,
    /// Passes the app config's `version` and `build` as `MARKETING_VERSION` and
    /// `CURRENT_PROJECT_VERSION` (Flutter: `--build-name`/`--build-number`). Default `true`.
    pub apply_version: bool,
}

impl Default for XcodeOptions {
    fn default() -> Self {
        XcodeOptions {
            export_method: None,
            scheme: None,
            configuration: "Release".to_owned(),
            team_id: None,
            timeout: None,
            password_secret: CERTIFICATE_PASSWORD_SECRET.to_owned(),
            apply_version: true,
        }
    }
}

/// Nativiweb's xcodebuild [`Builder`] (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct XcodeBuilder {
    signing: Option<XcodeSigning>,
    options: XcodeOptions,
    toolchain: Option<Toolchain>,
}

impl XcodeBuilder {
    /// A builder with this Mac's tools (found when the build runs). On any other OS its
    /// preflight fails at once with [`XcodeError::NotMacOs`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with an explicit toolchain: it runs on any OS (the tests' stand-in tools, or
    /// an Xcode in an unusual place).
    pub fn with_toolchain(toolchain: Toolchain) -> Self {
        XcodeBuilder {
            toolchain: Some(toolchain),
            ..Self::default()
        }
    }

    /// Sets how the app is signed (required).
    pub fn signing(mut self, signing: XcodeSigning) -> Self {
        self.signing = Some(signing);
        self
    }

    /// Sets the options.
    pub fn options(mut self, options: XcodeOptions) -> Self {
        self.options = options;
        self
    }

    /// The options in use.
    pub fn current_options(&self) -> &XcodeOptions {
        &self.options
    }

    /// The toolchain for a build: the explicit one, else this Mac's.
    pub fn toolchain(&self, ctx: &BuildContext) -> Result<Toolchain, XcodeError> {
        if let Some(t) = &self.toolchain {
            return Ok(t.clone());
        }
        let path = ctx
            .env
            .get("PATH")
            .map(std::ffi::OsString::from)
            .or_else(|| std::env::var_os("PATH"));
        Toolchain::discover(path.as_deref(), None)
    }
}

/// How a project kind is built.
#[derive(Debug, Clone)]
struct Plan {
    kind: ProjectKind,
    root: PathBuf,
    /// The folder of the Xcode project (`None`: generated into the work dir).
    ios_dir: Option<PathBuf>,
    /// Whether `ios/` is made during the build (Expo without one).
    prebuild: bool,
    /// Whether the build runs `pod install` itself (Capacitor's `cap sync` and Flutter do it
    /// on their own).
    pods: bool,
}

/// Reads the project and lists every problem (file reads only).
fn plan(root: &Path, toolchain: &Toolchain) -> (Option<Plan>, Vec<XcodeError>) {
    let mut problems = Vec::new();
    let kind = match detect::detect(root) {
        Ok(d) => d.kind,
        Err(e) => {
            problems.push(XcodeError::Project {
                path: root.to_owned(),
                problem: e.to_string(),
            });
            return (None, problems);
        }
    };
    let ios_dir = match kind {
        ProjectKind::Web => None,
        ProjectKind::Xcode => Some(root.to_owned()),
        ProjectKind::Capacitor => Some(root.join("ios/App")),
        ProjectKind::ReactNative | ProjectKind::Expo | ProjectKind::Flutter => {
            Some(root.join("ios"))
        }
        other => {
            let hint = match other {
                ProjectKind::Android => "it is an Android project: build it with --platform android",
                ProjectKind::Cordova => "Cordova's iOS platform is not built by nativiweb yet: run `cordova prepare ios` and build platforms/ios (an Xcode project) with --builder xcode",
                ProjectKind::Workspace => "build one of its apps: point the build at the member's folder",
                _ => "point the build at the folder that holds the .xcodeproj, capacitor.config.*, package.json or pubspec.yaml",
            };
            problems.push(XcodeError::UnsupportedKind {
                root: root.to_owned(),
                kind: match other {
                    ProjectKind::Unknown => "not a project nativiweb recognizes".into(),
                    k => format!("a {k} project"),
                },
                hint: hint.into(),
            });
            return (None, problems);
        }
    };
    let prebuild = kind == ProjectKind::Expo && ios_dir.as_ref().is_some_and(|d| !d.is_dir());
    let pods = prebuild
        || match (kind, &ios_dir) {
            (ProjectKind::Xcode | ProjectKind::ReactNative | ProjectKind::Expo, Some(dir)) => {
                dir.join("Podfile").is_file()
            }
            _ => false,
        };
    let plan = Plan {
        kind,
        root: root.to_owned(),
        ios_dir,
        prebuild,
        pods,
    };
    let mut need = |program: &str, have: bool, hint: &str| {
        if !have {
            problems.push(XcodeError::MissingTool {
                program: program.into(),
                kind: kind.to_string(),
                hint: hint.into(),
            });
        }
    };
    let node_hint = process::install_hint("npx").unwrap_or_else(|| "install Node.js".into());
    match kind {
        ProjectKind::Capacitor => need("npx", toolchain.npx.is_some(), &node_hint),
        ProjectKind::Expo if plan.prebuild => need("npx", toolchain.npx.is_some(), &node_hint),
        ProjectKind::Flutter => need(
            "flutter",
            toolchain.flutter.is_some(),
            "install the Flutter SDK (https://docs.flutter.dev/get-started/install) and put its bin folder on PATH",
        ),
        _ => {}
    }
    if plan.pods {
        need(
            "pod",
            toolchain.pod.is_some(),
            "install CocoaPods (`brew install cocoapods`, or `gem install cocoapods`)",
        );
    }
    if let Some(dir) = &plan.ios_dir {
        let missing = match kind {
            ProjectKind::Expo => false,
            ProjectKind::Flutter => !dir.is_dir(),
            // Capacitor's CocoaPods workspace appears after `cap sync`; the project is there.
            _ => xcodebuild::find_container(dir).is_none(),
        };
        if missing {
            let problem = match kind {
                ProjectKind::Capacitor => format!(
                    "this Capacitor project has no iOS project ({} has no .xcodeproj): run `npx cap add ios` once and keep the ios/ folder in the project",
                    dir.display()
                ),
                ProjectKind::Flutter => format!(
                    "this Flutter project has no iOS project ({} is missing): run `flutter create --platforms=ios .` once and keep the ios/ folder",
                    dir.display()
                ),
                ProjectKind::ReactNative => format!(
                    "{} has no .xcworkspace or .xcodeproj: restore the React Native project's ios/ folder",
                    dir.display()
                ),
                _ => format!("{} has no .xcworkspace or .xcodeproj", dir.display()),
            };
            problems.push(XcodeError::Project {
                path: dir.clone(),
                problem,
            });
        }
    }
    (Some(plan), problems)
}

/// The signing identity and profile, read and checked.
struct Credentials {
    identity: P12Identity,
    profile: ProvisioningProfile,
    export_method: ExportMethod,
    warnings: Vec<String>,
}

/// The checked signing, or every problem with it.
enum SigningCheck {
    Manual(Box<Credentials>),
    ApiKey(ExportMethod),
}

impl XcodeBuilder {
    /// Reads and checks the signing inputs (off the async threads): the `.p12` with the
    /// password from the build's secrets, the profile, [`credentials::check`].
    async fn check_signing(
        &self,
        ctx: &BuildContext,
        kind: Option<ProjectKind>,
    ) -> Result<SigningCheck, Vec<XcodeError>> {
        let Some(signing) = self.signing.clone() else {
            return Err(vec![XcodeError::NoSigning]);
        };
        let app = ctx
            .app()
            .map_err(|e| vec![XcodeError::Unsupported(e.to_string())])?;
        let bundle_id = app.ios.bundle_id.clone();
        let wanted = self.options.export_method;
        match signing {
            XcodeSigning::ApiKey { key_path, .. } => {
                let mut problems = Vec::new();
                let meta = tokio::fs::metadata(&key_path).await;
                if let Err(e) = meta.and_then(|m| {
                    if m.is_file() {
                        Ok(())
                    } else {
                        Err(std::io::Error::other("not a file"))
                    }
                }) {
                    problems.push(XcodeError::ApiKey {
                        path: ctx.user_path(&key_path),
                        reason: e.to_string(),
                    });
                }
                if kind == Some(ProjectKind::Flutter) {
                    problems.push(XcodeError::Unsupported("`flutter build ipa` takes no App Store Connect API key: sign Flutter apps with a certificate and profile (--certificate, --profile)".into()));
                }
                if problems.is_empty() {
                    Ok(SigningCheck::ApiKey(wanted.unwrap_or_default()))
                } else {
                    Err(problems)
                }
            }
            XcodeSigning::Manual {
                certificate,
                profile,
            } => {
                let password: Option<SecretString> = ctx
                    .secrets
                    .get(&self.options.password_secret)
                    .map(|s| SecretString::from(s.expose_secret().to_owned()));
                let done = tokio::task::spawn_blocking(move || {
                    open_and_check(&certificate, &profile, password, &bundle_id, wanted)
                })
                .await;
                match done {
                    Ok(r) => r.map(|c| SigningCheck::Manual(Box::new(c))),
                    Err(e) => Err(vec![XcodeError::Signing(format!(
                        "checking the credentials crashed: {e}"
                    ))]),
                }
            }
        }
    }
}

fn open_and_check(
    certificate: &Path,
    profile: &Path,
    password: Option<SecretString>,
    bundle_id: &str,
    wanted: Option<ExportMethod>,
) -> Result<Credentials, Vec<XcodeError>> {
    let mut problems = Vec::new();
    let identity = match password {
        None => Err(CredentialError::NoPassword),
        Some(pw) => P12Identity::open(certificate, &pw),
    };
    let profile = ProvisioningProfile::open(profile);
    let (identity, profile) = match (identity, profile) {
        (Ok(i), Ok(p)) => (i, p),
        (i, p) => {
            problems.extend(i.err().map(XcodeError::from));
            problems.extend(p.err().map(XcodeError::from));
            return Err(problems);
        }
    };
    let export_method = wanted.unwrap_or_else(|| profile.kind().export_method());
    let request = CheckRequest::new(bundle_id).export_method(export_method);
    let report =
        credentials::check(&identity, &profile, &request).map_err(|e| vec![XcodeError::from(e)])?;
    if !report.is_ok() {
        return Err(report
            .problems
            .iter()
            .map(|p| XcodeError::Credential {
                problem: p.to_string(),
            })
            .collect());
    }
    Ok(Credentials {
        identity,
        profile,
        export_method,
        warnings: report.warnings.iter().map(|w| w.to_string()).collect(),
    })
}

fn check_format(input: &BuildInput) -> Result<(), XcodeError> {
    match input.format {
        None | Some(ArtifactKind::Ipa) => Ok(()),
        Some(other) => Err(XcodeError::Format(other)),
    }
}

fn problems_error(problems: Vec<XcodeError>) -> Option<Error> {
    Error::from_problems(problems.into_iter().map(XcodeError::into_core).collect())
}

fn crashed(what: &str) -> impl FnOnce(tokio::task::JoinError) -> Error + '_ {
    move |e| Error::backend(BACKEND, format!("{what} crashed: {e}"))
}

/// Runs one tool through the core process runner, saying so first; a failure becomes an
/// [`XcodeFailure`] (its `error:` lines and advice), cancellation and timeouts stay what they
/// are.
pub(crate) async fn run_tool(ctx: &BuildContext, cmd: Command) -> Result<Output, Error> {
    ctx.info(ctx.user_paths(&format!("running {}", cmd.display())));
    match process::run(ctx, cmd).await {
        Ok(out) => Ok(out),
        Err(ProcessError::Failed {
            command,
            status,
            tail,
            ..
        }) => {
            let lines: Vec<String> = tail.lines().map(|l| ctx.user_paths(l)).collect();
            let failure = failure::parse(&ctx.user_paths(&command), &status, &lines);
            Err(XcodeError::from(failure).into_core())
        }
        Err(ProcessError::TimedOut {
            command,
            elapsed,
            tail,
        }) => {
            let lines: Vec<&str> = tail.lines().collect();
            let start = lines.len().saturating_sub(failure::FALLBACK_TAIL_LINES);
            Err(Error::Process(ProcessError::TimedOut {
                command: ctx.user_paths(&command),
                elapsed,
                tail: lines[start..].join("\n"),
            }))
        }
        Err(e) => Err(Error::Process(e)),
    }
}

impl XcodeBuilder {
    fn command(&self, program: &Path, cwd: &Path) -> Command {
        let mut cmd = Command::new(program)
            .current_dir(cwd)
            .tail_lines(failure::FAILURE_SCAN_LINES);
        if let Some(t) = self.options.timeout {
            cmd = cmd.timeout(t);
        }
        cmd
    }

    /// `pod install` in `dir`, with the UTF-8 locale CocoaPods insists on.
    async fn pod_install(
        &self,
        ctx: &BuildContext,
        toolchain: &Toolchain,
        dir: &Path,
    ) -> Result<(), Error> {
        let pod = toolchain.pod.as_deref().ok_or_else(|| {
            XcodeError::MissingTool {
                program: "pod".into(),
                kind: "CocoaPods".into(),
                hint: "install CocoaPods (`brew install cocoapods`)".into(),
            }
            .into_core()
        })?;
        run_tool(
            ctx,
            self.command(pod, dir)
                .arg("install")
                .env("LANG", "en_US.UTF-8")
                .env("COCOAPODS_DISABLE_STATS", "true"),
        )
        .await
        .map(|_| ())
    }

    /// What comes before xcodebuild: sync the web bundle in, generate `ios/`, install Pods.
    async fn prepare(
        &self,
        ctx: &BuildContext,
        toolchain: &Toolchain,
        plan: &Plan,
    ) -> Result<(), Error> {
        let npx = || {
            toolchain.npx.clone().ok_or_else(|| {
                XcodeError::MissingTool {
                    program: "npx".into(),
                    kind: plan.kind.to_string(),
                    hint: process::install_hint("npx").unwrap_or_default(),
                }
                .into_core()
            })
        };
        match plan.kind {
            ProjectKind::Capacitor => {
                run_tool(
                    ctx,
                    self.command(&npx()?, &plan.root)
                        .args(["--no", "cap", "sync", "ios"]),
                )
                .await?;
            }
            ProjectKind::Expo if plan.prebuild => {
                run_tool(
                    ctx,
                    self.command(&npx()?, &plan.root)
                        .args([
                            "--no",
                            "expo",
                            "prebuild",
                            "--platform",
                            "ios",
                            "--no-install",
                        ])
                        .env("CI", "1"),
                )
                .await?;
            }
            _ => {}
        }
        if let (true, Some(dir)) = (plan.pods, &plan.ios_dir) {
            // After `expo prebuild` the Podfile is new: look again.
            let podfile = tokio::fs::metadata(dir.join("Podfile")).await;
            if podfile.is_ok_and(|m| m.is_file()) {
                self.pod_install(ctx, toolchain, dir).await?;
            }
        }
        Ok(())
    }
}

/// What the signing step hands to xcodebuild.
struct Signed {
    archive: ArchiveSigning,
    team: Option<String>,
    export_method: ExportMethod,
    /// For the log: the certificate and profile used.
    description: String,
}

#[async_trait]
impl Builder for XcodeBuilder {
    fn name(&self) -> &str {
        BACKEND
    }

    fn platform(&self) -> Platform {
        Platform::Ios
    }

    /// A web app and Capacitor need the built bundle (generated into the project, or synced
    /// by `cap sync`); React Native and Expo need their dependencies (their Xcode build phase
    /// bundles the JavaScript, and CocoaPods reads `node_modules`); a plain Xcode project and
    /// Flutter need nothing from the web toolchain.
    fn web_needs(&self, detection: &detect::Detection) -> WebNeeds {
        match detection.kind {
            ProjectKind::Web | ProjectKind::Capacitor => WebNeeds::Bundle,
            ProjectKind::ReactNative | ProjectKind::Expo => WebNeeds::InstallOnly,
            _ => WebNeeds::Nothing,
        }
    }

    /// Before the web build: macOS (or an explicit toolchain), the format, the project kind
    /// and its iOS folder, the tools it needs, and the credentials — opened with the build's
    /// password and checked against the bundle id and export method — every problem at once.
    async fn preflight(
        &self,
        ctx: &BuildContext,
        input: &BuildInput,
    ) -> nativiweb_core::Result<()> {
        let toolchain = self.toolchain(ctx).map_err(XcodeError::into_core)?;
        let mut problems = Vec::new();
        if let Err(e) = check_format(input) {
            problems.push(e);
        }
        let root = input.project_dir.clone();
        let t = toolchain.clone();
        let (planned, plan_problems) = tokio::task::spawn_blocking(move || plan(&root, &t))
            .await
            .map_err(crashed("reading the project"))?;
        problems.extend(plan_problems);
        match self
            .check_signing(ctx, planned.as_ref().map(|p| p.kind))
            .await
        {
            Ok(SigningCheck::Manual(c)) => {
                for w in &c.warnings {
                    ctx.warn(w);
                }
                ctx.info(ctx.user_paths(&format!(
                    "xcode builder: signing with \"{}\" (SHA-1 {}) and profile \"{}\" ({}), export method {}",
                    c.identity.certificate().summary().name(),
                    c.identity.certificate().summary().sha1,
                    c.profile.name,
                    c.profile.uuid,
                    c.export_method
                )));
            }
            Ok(SigningCheck::ApiKey(_)) => {}
            Err(e) => problems.extend(e),
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
        let toolchain = self.toolchain(ctx).map_err(XcodeError::into_core)?;
        check_format(input).map_err(XcodeError::into_core)?;
        let app = Arc::new(ctx.app()?.clone());
        let root = input.project_dir.clone();
        let t = toolchain.clone();
        let (planned, problems) = tokio::task::spawn_blocking(move || plan(&root, &t))
            .await
            .map_err(crashed("reading the project"))?;
        if let Some(e) = problems_error(problems) {
            return Err(e);
        }
        let Some(plan) = planned else {
            return Err(Error::backend(
                BACKEND,
                "no plan and no problem; this is a bug",
            ));
        };
        let checked = self
            .check_signing(ctx, Some(plan.kind))
            .await
            .map_err(|p| {
                problems_error(p).unwrap_or_else(|| Error::backend(BACKEND, "signing check failed"))
            })?;

        // 1. What comes before xcodebuild.
        self.prepare(ctx, &toolchain, &plan).await?;

        // 2. Signing: set up on the Mac, undone on every path (see `session`).
        let work = ctx.work_dir.join("xcode");
        tokio::fs::create_dir_all(&work)
            .await
            .map_err(|e| XcodeError::io("creating", &work)(e).into_core())?;
        let keychain_password = keychain::random_password();
        // The one-time password is masked in every line and error like the build's secrets.
        let sctx = ctx.clone().with_secrets(ctx.secrets.clone().with(
            keychain::KEYCHAIN_PASSWORD_SECRET,
            SecretString::from(keychain_password.expose_secret().to_owned()),
        ));
        let mut session = session::SigningSession::new(&sctx, &toolchain.security);
        let result = async {
            let signed = self
                .set_up_signing(
                    &sctx,
                    &mut session,
                    &toolchain,
                    &app,
                    checked,
                    &keychain_password,
                )
                .await?;
            // 3. The build.
            self.run_build(&sctx, &toolchain, &plan, &app, input, &signed, &work)
                .await
                .map(|products| (products, signed))
        }
        .await;
        session.finish().await;
        let ((ipa, archive), signed) = result?;

        // 4. The outputs.
        let out_dir = input.out_dir.clone();
        let base = format!("{}-{}-{}", app.ios.bundle_id, app.version, app.build);
        let artifacts =
            tokio::task::spawn_blocking(move || outputs::collect(&ipa, &archive, &out_dir, &base))
                .await
                .map_err(crashed("collecting the outputs"))?
                .map_err(XcodeError::into_core)?;
        for a in &artifacts {
            ctx.info(format!(
                "built {} ({} bytes, sha256 {})",
                a.path.display(),
                a.size,
                a.sha256
            ));
        }
        ctx.info(format!(
            "the .ipa is signed by xcodebuild's export ({}, export method {}); no other signer needs to touch it",
            signed.description, signed.export_method
        ));
        Ok(artifacts)
    }
}

impl XcodeBuilder {
    /// Installs the profile and makes the temporary keychain (manual signing), or checks the
    /// API key (automatic signing).
    async fn set_up_signing(
        &self,
        ctx: &BuildContext,
        session: &mut session::SigningSession,
        toolchain: &Toolchain,
        app: &nativiweb_core::config::AppConfig,
        checked: SigningCheck,
        password: &SecretString,
    ) -> Result<Signed, Error> {
        let team_from = |cert_team: Option<String>, profile_team: Option<String>| {
            self.options
                .team_id
                .clone()
                .or_else(|| app.ios.team_id.clone())
                .or(cert_team)
                .or(profile_team)
        };
        match checked {
            SigningCheck::ApiKey(method) => {
                let Some(XcodeSigning::ApiKey {
                    key_path,
                    key_id,
                    issuer_id,
                }) = self.signing.clone()
                else {
                    return Err(Error::backend(
                        BACKEND,
                        "API key signing without a key; this is a bug",
                    ));
                };
                Ok(Signed {
                    archive: ArchiveSigning::ApiKey {
                        key_path,
                        key_id: key_id.clone(),
                        issuer_id,
                    },
                    team: team_from(None, None),
                    export_method: method,
                    description: format!(
                        "automatic signing with App Store Connect API key {key_id}"
                    ),
                })
            }
            SigningCheck::Manual(c) => {
                let Credentials {
                    identity,
                    profile,
                    export_method,
                    ..
                } = *c;
                // The profile, by UUID.
                {
                    let (src, uuid, dirs) = (
                        profile.path.clone(),
                        profile.uuid.clone(),
                        toolchain.profiles_dirs.clone(),
                    );
                    let (created, r) = tokio::task::spawn_blocking(move || {
                        let mut created = Vec::new();
                        let r = profile::install(&src, &uuid, &dirs, &mut created);
                        (created, r)
                    })
                    .await
                    .map_err(crashed("installing the profile"))?;
                    for f in &created {
                        ctx.info(format!(
                            "installed the provisioning profile as {}",
                            f.display()
                        ));
                    }
                    session.add_profiles(created);
                    r.map_err(XcodeError::into_core)?;
                }
                // The identity, re-encrypted under the one-time password.
                let pw = SecretString::from(password.expose_secret().to_owned());
                let summary = identity.certificate().summary().clone();
                let p12 = tokio::task::spawn_blocking(move || identity.to_pkcs12(&pw))
                    .await
                    .map_err(crashed("re-encrypting the identity"))?
                    .map_err(|e| XcodeError::from(e).into_core())?;
                let path = keychain::keychain_path(&ctx.work_dir);
                keychain::set_up(
                    ctx,
                    session,
                    &toolchain.security,
                    &toolchain.codesign,
                    &path,
                    password,
                    p12,
                    self.options.timeout,
                )
                .await?;
                ctx.info(format!(
                    "signing identity \"{}\" is in the temporary keychain {}",
                    summary.name(),
                    path.display()
                ));
                Ok(Signed {
                    archive: ArchiveSigning::Manual {
                        identity_sha1: summary.sha1.clone(),
                        profile_uuid: profile.uuid.clone(),
                        keychain: path,
                    },
                    team: team_from(summary.team_id.clone(), profile.team_ids.first().cloned()),
                    export_method,
                    description: format!(
                        "\"{}\" (SHA-1 {}) with profile \"{}\" ({})",
                        summary.name(),
                        summary.sha1,
                        profile.name,
                        profile.uuid
                    ),
                })
            }
        }
    }

    /// Archives and exports (or has Flutter do both); returns the `.ipa` and the `.xcarchive`.
    #[allow(clippy::too_many_arguments)]
    async fn run_build(
        &self,
        ctx: &BuildContext,
        toolchain: &Toolchain,
        plan: &Plan,
        app: &Arc<nativiweb_core::config::AppConfig>,
        input: &BuildInput,
        signed: &Signed,
        work: &Path,
    ) -> Result<(PathBuf, PathBuf), Error> {
        let bundle_id = app.ios.bundle_id.clone();
        let options_plist = work.join("ExportOptions.plist");
        {
            let (p, s, team, b, m) = (
                options_plist.clone(),
                signed.archive.clone(),
                signed.team.clone(),
                bundle_id.clone(),
                signed.export_method,
            );
            tokio::task::spawn_blocking(move || {
                xcodebuild::write_export_options(&p, m, &s, team.as_deref(), &b)
            })
            .await
            .map_err(crashed("writing ExportOptions.plist"))?
            .map_err(XcodeError::into_core)?;
        }

        if plan.kind == ProjectKind::Flutter {
            return self
                .flutter_build(ctx, toolchain, plan, app, signed, &options_plist)
                .await;
        }

        // The workspace or project: generated for a web app, else found.
        let container = match &plan.ios_dir {
            None => {
                let out = work.join("project");
                let (a, web, root, o) = (
                    Arc::clone(app),
                    input.web_dir.clone(),
                    plan.root.clone(),
                    out.clone(),
                );
                let opts = GenerateOptions::new()
                    .signing(signed.archive.as_generator_signing())
                    .export_method(signed.export_method);
                let generated = tokio::task::spawn_blocking(move || {
                    XcodeProject::generate(&a, web.as_deref(), &root, &o, &opts)
                })
                .await
                .map_err(crashed("generating the Xcode project"))?
                .map_err(|e| {
                    if e.is_input() {
                        Error::rejected(BACKEND, e)
                    } else {
                        Error::backend(BACKEND, e)
                    }
                })?;
                ctx.info(format!(
                    "generated the Xcode project {} ({} web files)",
                    generated.project.display(),
                    generated.web_files
                ));
                Container::Project(generated.project)
            }
            Some(dir) => {
                let d = dir.clone();
                tokio::task::spawn_blocking(move || xcodebuild::find_container(&d))
                    .await
                    .map_err(crashed("finding the Xcode project"))?
                    .ok_or_else(|| {
                        XcodeError::Project {
                            path: ctx.user_path(dir),
                            problem: format!(
                                "{} has no .xcworkspace or .xcodeproj after the project's tools ran",
                                ctx.user_path(dir).display()
                            ),
                        }
                        .into_core()
                    })?
            }
        };
        let cwd = container
            .path()
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| plan.root.clone());

        // The scheme.
        let list_cmd = self
            .command(&toolchain.xcodebuild, &cwd)
            .args([
                container.flag(),
                &container.path().display().to_string(),
                "-list",
                "-json",
            ])
            .capture_stdout(true);
        let list_line = ctx.user_paths(&list_cmd.display());
        let listed = run_tool(ctx, list_cmd).await?;
        let info = xcodebuild::parse_list(&listed.stdout.join("\n")).map_err(|reason| {
            XcodeError::List {
                command: list_line,
                path: ctx.user_path(container.path()),
                reason,
            }
            .into_core()
        })?;
        let scheme =
            xcodebuild::choose_scheme(&info, &container.stem(), self.options.scheme.as_deref())
                .ok_or_else(|| {
                    XcodeError::NoScheme {
                        path: ctx.user_path(container.path()),
                        schemes: info.schemes.clone(),
                        wanted: self.options.scheme.clone(),
                    }
                    .into_core()
                })?;
        ctx.info(format!(
            "building scheme {scheme} of {}",
            ctx.user_path(container.path()).display()
        ));

        // Archive.
        let archive = work.join("archive").join(format!("{scheme}.xcarchive"));
        let versions = if self.options.apply_version {
            xcodebuild::version_settings(&app.version, app.build)
        } else {
            Vec::new()
        };
        let args = xcodebuild::archive_args(
            &container,
            &scheme,
            &self.options.configuration,
            &archive,
            &signed.archive,
            signed.team.as_deref(),
            &versions,
        );
        run_tool(ctx, self.command(&toolchain.xcodebuild, &cwd).args(&args)).await?;
        if !tokio::fs::metadata(&archive)
            .await
            .is_ok_and(|m| m.is_dir())
        {
            return Err(XcodeError::NoOutputs {
                command: "xcodebuild archive".into(),
                what: "archive".into(),
                dir: archive,
            }
            .into_core());
        }

        // Export.
        let export = work.join("export");
        let args = xcodebuild::export_args(&archive, &export, &options_plist, &signed.archive);
        run_tool(ctx, self.command(&toolchain.xcodebuild, &cwd).args(&args)).await?;
        let e = export.clone();
        let ipa = tokio::task::spawn_blocking(move || outputs::find_ipa(&e))
            .await
            .map_err(crashed("finding the ipa"))?
            .ok_or_else(|| {
                XcodeError::NoOutputs {
                    command: "xcodebuild -exportArchive".into(),
                    what: ".ipa".into(),
                    dir: export,
                }
                .into_core()
            })?;
        Ok((ipa, archive))
    }

    /// `flutter build ipa` with the signing build settings as `FLUTTER_XCODE_*` variables
    /// (which Flutter passes to xcodebuild) and the export options plist.
    async fn flutter_build(
        &self,
        ctx: &BuildContext,
        toolchain: &Toolchain,
        plan: &Plan,
        app: &nativiweb_core::config::AppConfig,
        signed: &Signed,
        options_plist: &Path,
    ) -> Result<(PathBuf, PathBuf), Error> {
        let flutter = toolchain.flutter.as_deref().ok_or_else(|| {
            XcodeError::MissingTool {
                program: "flutter".into(),
                kind: "flutter".into(),
                hint: "install the Flutter SDK".into(),
            }
            .into_core()
        })?;
        let mut cmd = self
            .command(flutter, &plan.root)
            .args(["build", "ipa", "--release"])
            .arg(format!(
                "--export-options-plist={}",
                options_plist.display()
            ));
        if self.options.apply_version {
            cmd = cmd
                .arg(format!("--build-number={}", app.build))
                .arg(format!("--build-name={}", app.version));
        }
        for setting in signed.archive.build_settings(signed.team.as_deref()) {
            if let Some((k, v)) = setting.split_once('=') {
                cmd = cmd.env(format!("FLUTTER_XCODE_{k}"), v);
            }
        }
        run_tool(ctx, cmd).await?;
        let build = plan.root.join("build/ios");
        let (ipa_dir, archive_dir) = (build.join("ipa"), build.join("archive"));
        let (i, a) = (ipa_dir.clone(), archive_dir.clone());
        let (ipa, archive) =
            tokio::task::spawn_blocking(move || (outputs::find_ipa(&i), outputs::find_archive(&a)))
                .await
                .map_err(crashed("finding Flutter's outputs"))?;
        let missing = |what: &str, dir: PathBuf| {
            XcodeError::NoOutputs {
                command: "flutter build ipa".into(),
                what: what.into(),
                dir,
            }
            .into_core()
        };
        Ok((
            ipa.ok_or_else(|| missing(".ipa", ipa_dir))?,
            archive.ok_or_else(|| missing(".xcarchive", archive_dir))?,
        ))
    }
}
