//! The web build step: install dependencies with the detected package manager, run the build,
//! check the output.
//!
//! Installs are frozen to the lockfile when there is one (`npm ci`, `pnpm install
//! --frozen-lockfile`, `yarn install --immutable` for Yarn 2+ or `--frozen-lockfile` for Yarn
//! 1, `bun install --frozen-lockfile`), so a build never silently resolves different versions
//! than the developer tested; without a lockfile it is a plain install. In a workspace member
//! the install runs at the workspace root, the build in the member. Every command goes through
//! [`crate::process::run`]: no shell, the build's `ctx.env`, logs streamed as events, killed
//! on cancel or deadline. The result must be a folder with an `index.html`.

use std::path::{Path, PathBuf};

use crate::config::{AppConfig, StartUrl};
use crate::context::BuildContext;
use crate::detect::{Detection, ProjectKind};
use crate::error::{Error, Result};
use crate::process::{self, Command};

/// Registry tokens handed to the install command when the build holds them as secrets
/// (private packages); every other secret stays out of the install's environment.
pub const REGISTRY_TOKEN_SECRETS: &[&str] =
    &["NPM_TOKEN", "NODE_AUTH_TOKEN", "YARN_NPM_AUTH_TOKEN"];

/// Why the web build could not produce a bundle. Each message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebBuildError {
    /// A tool the build needs is not installed.
    #[error("`{tool}` is not installed (not found on PATH), and this project needs it to build its web bundle: {hint}")]
    ToolMissing {
        /// The program.
        tool: String,
        /// How to get it.
        hint: String,
    },
    /// Detection found no folder for the bundle and the config names none.
    #[error("nativiweb cannot tell where this {kind} project's web bundle is: set `web_dir` in nativiweb.toml to the folder that holds its index.html")]
    NoBundleDir {
        /// The detected kind.
        kind: ProjectKind,
    },
    /// There is a package.json but nothing builds the bundle and nothing is built.
    #[error("{package_json} has no `build` script and nativiweb does not know how to build this project: add a \"build\" script that writes the web bundle (with an index.html) to a folder, and set `web_dir` to that folder in nativiweb.toml")]
    NoBuildScript {
        /// The package.json.
        package_json: PathBuf,
    },
    /// The build ran but its output folder does not exist.
    #[error("the web build (`{command}`) finished but {dir} does not exist{why}")]
    OutputMissing {
        /// The expected folder.
        dir: PathBuf,
        /// The build command.
        command: String,
        /// Why, when known (a Next.js app not exported statically), else how to fix it.
        why: String,
    },
    /// The output folder exists but is empty.
    #[error("the web bundle folder {dir} is empty{why}")]
    OutputEmpty {
        /// The folder.
        dir: PathBuf,
        /// What to do.
        why: String,
    },
    /// The output folder has no index.html.
    #[error("the web bundle folder {dir} has no index.html{why}")]
    NoIndexHtml {
        /// The folder.
        dir: PathBuf,
        /// Why, when known, else what to do.
        why: String,
    },
    /// The web build was skipped, but there is no built bundle to package.
    #[error("the web build was skipped (--skip-web-build), but no built web bundle was found: looked for {dir}/index.html and {problem}. Build the web app first{}, or drop --skip-web-build so nativiweb builds it", command.as_deref().map(|c| format!(" (`{c}`)")).unwrap_or_default())]
    NotBuilt {
        /// Where the bundle was looked for.
        dir: PathBuf,
        /// What was wrong there.
        problem: String,
        /// The command that builds it, when known.
        command: Option<String>,
    },
    /// The project's setup cannot produce a static bundle (a Next.js server app), found before
    /// any install or build ran.
    #[error("{why}")]
    NotStatic {
        /// Why, and what to change.
        why: String,
    },
    /// The bundle folder resolves outside the project (and its workspace).
    #[error("the web bundle folder {dir} is outside the project {root}: set `web_dir` to a folder inside it")]
    OutsideProject {
        /// The folder.
        dir: PathBuf,
        /// The project root.
        root: PathBuf,
    },
}

impl WebBuildError {
    /// True for errors the project or its config must fix (rather than the machine).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, WebBuildError::ToolMissing { .. })
    }
}

impl From<WebBuildError> for Error {
    fn from(e: WebBuildError) -> Error {
        if e.is_input_error() {
            Error::InvalidInput(e.to_string())
        } else {
            Error::backend("web-build", e)
        }
    }
}

/// Finds `program` on the build's PATH (`ctx.env["PATH"]` when set, else the process's).
pub fn find_program(ctx: &BuildContext, program: &str) -> Option<PathBuf> {
    let path = ctx.env.get("PATH").map(std::ffi::OsStr::new);
    process::find_program(program, path)
}

fn require(ctx: &BuildContext, program: &str) -> std::result::Result<(), WebBuildError> {
    if find_program(ctx, program).is_some() {
        return Ok(());
    }
    let hint = match program {
        "flutter" => "install the Flutter SDK (https://docs.flutter.dev/get-started/install) and put its bin folder on PATH".to_owned(),
        other => process::install_hint(other)
            .unwrap_or_else(|| format!("install `{other}` or put the folder that holds it on PATH")),
    };
    Err(WebBuildError::ToolMissing {
        tool: program.to_owned(),
        hint,
    })
}

/// The programs a command needs: itself, and Node.js for the npm-family tools (bun runs on
/// its own).
fn needed_programs(program: &str) -> Vec<&str> {
    match program {
        "npm" | "npx" | "pnpm" | "yarn" => vec!["node", program],
        other => vec![other],
    }
}

/// Checks that `dir` is a bundle: it exists, is not empty, and holds an index.html.
async fn check_bundle(
    dir: &Path,
    detection: &Detection,
    command: Option<&str>,
) -> std::result::Result<(), WebBuildError> {
    let why_not_static = detection.not_static.as_ref().map(|w| format!(": {w}"));
    let meta = tokio::fs::metadata(dir).await;
    if !meta.as_ref().is_ok_and(|m| m.is_dir()) {
        return Err(WebBuildError::OutputMissing {
            dir: dir.to_owned(),
            command: command.unwrap_or("none").to_owned(),
            why: why_not_static.unwrap_or_else(|| {
                ": check where the build writes its output and set `web_dir` in nativiweb.toml to that folder".to_owned()
            }),
        });
    }
    let empty = match tokio::fs::read_dir(dir).await {
        Ok(mut rd) => rd.next_entry().await.ok().flatten().is_none(),
        Err(_) => true,
    };
    if empty {
        return Err(WebBuildError::OutputEmpty {
            dir: dir.to_owned(),
            why: why_not_static.unwrap_or_else(|| {
                ": the build wrote nothing there; check its log, or set `web_dir` to the folder it writes".to_owned()
            }),
        });
    }
    if !tokio::fs::metadata(dir.join("index.html"))
        .await
        .is_ok_and(|m| m.is_file())
    {
        return Err(WebBuildError::NoIndexHtml {
            dir: dir.to_owned(),
            why: why_not_static.unwrap_or_else(|| {
                ": the app's entry page must be index.html at the top of the bundle; set `web_dir` to the folder that has it".to_owned()
            }),
        });
    }
    Ok(())
}

/// The bundle folder must stay inside the project, or inside its workspace root (a monorepo
/// app may build to `../../dist/apps/web`).
fn check_inside(dir: &Path, detection: &Detection) -> std::result::Result<(), WebBuildError> {
    let real = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let inside = |base: &Path| {
        let base = base.canonicalize().unwrap_or_else(|_| base.to_owned());
        real.starts_with(base)
    };
    if inside(&detection.root) || detection.install.as_ref().is_some_and(|i| inside(&i.dir)) {
        Ok(())
    } else {
        Err(WebBuildError::OutsideProject {
            dir: dir.to_owned(),
            root: detection.root.clone(),
        })
    }
}

/// Where the bundle will be, relative to the project root: the config's `web_dir`, else what
/// detection found.
pub(crate) fn bundle_rel(detection: &Detection, app: &AppConfig) -> Option<PathBuf> {
    app.web_dir.clone().or_else(|| detection.output_dir.clone())
}

/// With `--skip-web-build`: the bundle must already be there, built.
async fn check_prebuilt(
    dir: &Path,
    detection: &Detection,
) -> std::result::Result<(), WebBuildError> {
    let problem = match check_bundle(dir, detection, None).await {
        Ok(()) => return Ok(()),
        Err(WebBuildError::OutputMissing { .. }) => "that folder does not exist".to_owned(),
        Err(WebBuildError::OutputEmpty { .. }) => "that folder is empty".to_owned(),
        Err(WebBuildError::NoIndexHtml { .. }) => "that folder has no index.html".to_owned(),
        Err(other) => return Err(other),
    };
    Err(WebBuildError::NotBuilt {
        dir: dir.to_owned(),
        problem,
        command: detection.build_command.clone(),
    })
}

/// The web build's checks that take a moment, run by the pipeline's `check` step before
/// anything is installed or built: the tools the build needs are on PATH, the project's
/// setup can produce a static bundle, and with `skip` the built bundle is already there.
pub async fn preflight(
    ctx: &BuildContext,
    detection: &Detection,
    app: &AppConfig,
    skip: bool,
) -> Result<()> {
    let remote = matches!(app.start_url, StartUrl::Remote(_));
    if remote && app.web_dir.is_none() && detection.build_command.is_none() {
        return Ok(());
    }
    let mut problems: Vec<Error> = Vec::new();
    if skip {
        if let Some(rel) = bundle_rel(detection, app) {
            if let Err(e) = check_prebuilt(&detection.root.join(rel), detection).await {
                problems.push(e.into());
            }
        }
        return Error::from_problems(problems).map_or(Ok(()), Err);
    }
    if let Some(argv) = detection.build_argv() {
        let mut programs = needed_programs(&argv[0]);
        let install = detection.install.as_ref().map(|plan| plan.argv());
        if let Some(install) = &install {
            programs.extend(needed_programs(&install[0]));
        }
        let mut seen = Vec::new();
        for program in programs {
            if seen.contains(&program) {
                continue;
            }
            seen.push(program);
            if let Err(e) = require(ctx, program) {
                problems.push(e.into());
            }
        }
        if app.web_dir.is_none() && !remote {
            if let Some(why) = &detection.not_static {
                problems.push(WebBuildError::NotStatic { why: why.clone() }.into());
            }
        }
    }
    Error::from_problems(problems).map_or(Ok(()), Err)
}

/// Installs the project's JavaScript dependencies with its package manager (frozen to the
/// lockfile), when it has any; what a native build that bundles the JS itself needs (React
/// Native, Expo). Reuses an installed `node_modules` when building in place.
pub async fn install(ctx: &BuildContext, detection: &Detection) -> Result<()> {
    let Some(plan) = detection.install.as_ref() else {
        return Ok(());
    };
    if ctx.in_place
        && std::fs::symlink_metadata(plan.dir.join("node_modules")).is_ok_and(|m| m.is_dir())
    {
        ctx.info(
            "building in place with the dependencies already in node_modules (delete it to reinstall)",
        );
        return Ok(());
    }
    let install = plan.argv();
    for program in needed_programs(&install[0]) {
        require(ctx, program)?;
    }
    ctx.info(format!(
        "installing dependencies: `{}` in {}",
        install.join(" "),
        plan.dir.display()
    ));
    let mut cmd = Command::new(&install[0])
        .args(&install[1..])
        .current_dir(&plan.dir);
    for name in REGISTRY_TOKEN_SECRETS {
        if ctx.secrets.get(name).is_some() {
            cmd = cmd.secret_env(*name);
        }
    }
    process::run(ctx, cmd).await?;
    Ok(())
}

/// The check step's part for a builder that needs only the dependencies installed: the
/// package manager is on PATH.
pub fn preflight_install(ctx: &BuildContext, detection: &Detection) -> Result<()> {
    let Some(plan) = detection.install.as_ref() else {
        return Ok(());
    };
    let install = plan.argv();
    let problems: Vec<Error> = needed_programs(&install[0])
        .into_iter()
        .filter_map(|program| require(ctx, program).err().map(Error::from))
        .collect();
    Error::from_problems(problems).map_or(Ok(()), Err)
}

/// Produces the web bundle and returns its absolute directory, or `None` when the app has no
/// bundle to package (a remote `start_url`). With `skip`, uses the output as it is.
pub async fn build_web(
    ctx: &BuildContext,
    detection: &Detection,
    app: &AppConfig,
    skip: bool,
) -> Result<Option<PathBuf>> {
    let root = &detection.root;
    let rel = bundle_rel(detection, app);
    let remote = matches!(app.start_url, StartUrl::Remote(_));

    // A remote app with nothing to build: package a bundle only if one is already there.
    if remote && app.web_dir.is_none() && detection.build_command.is_none() {
        if let Some(rel) = &rel {
            let dir = root.join(rel);
            if check_bundle(&dir, detection, None).await.is_ok() {
                ctx.info(format!(
                    "using the web bundle in {} (the app starts at a remote URL)",
                    dir.display()
                ));
                return Ok(Some(dir));
            }
        }
        ctx.info("the app starts at a remote https URL and has no web bundle to build; nothing to package");
        return Ok(None);
    }

    let rel = rel.ok_or(WebBuildError::NoBundleDir {
        kind: detection.kind,
    })?;
    let dir = root.join(&rel);

    if skip {
        ctx.info(format!(
            "skipping the web build; using {} as it is",
            dir.display()
        ));
        check_prebuilt(&dir, detection).await?;
        check_inside(&dir, detection)?;
        return Ok(Some(dir));
    }

    let Some(argv) = detection.build_argv() else {
        // Nothing to run: a static site, or a folder that holds a built bundle.
        if check_bundle(&dir, detection, None).await.is_ok() {
            check_inside(&dir, detection)?;
            ctx.info(format!(
                "{} is a static site; no build needed",
                dir.display()
            ));
            return Ok(Some(dir));
        }
        if detection.install.is_some() {
            return Err(WebBuildError::NoBuildScript {
                package_json: root.join("package.json"),
            }
            .into());
        }
        check_bundle(&dir, detection, None).await?;
        return Ok(Some(dir));
    };

    for program in needed_programs(&argv[0]) {
        require(ctx, program)?;
    }
    install(ctx, detection).await?;

    let command = argv.join(" ");
    ctx.info(format!(
        "building the web bundle: `{command}` in {}",
        root.display()
    ));
    process::run(
        ctx,
        Command::new(&argv[0]).args(&argv[1..]).current_dir(root),
    )
    .await?;

    check_bundle(&dir, detection, Some(&command)).await?;
    check_inside(&dir, detection)?;
    ctx.info(format!("web bundle ready in {}", dir.display()));
    Ok(Some(dir))
}
