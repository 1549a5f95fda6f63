//! Project detection: what a directory is and how to build its web bundle.
//!
//! (Contract types; the detector itself is being written for issue 3.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::PartialAppConfig;

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
    /// The workspace tool (`pnpm`, `npm`, `yarn`, `lerna`, `nx`, `turbo`, `rush`).
    pub tool: String,
    /// Its members.
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
    /// The command that builds the web bundle.
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
}

/// Detects what the project at `root` is.
pub fn detect(root: &Path) -> Result<Detection, DetectError> {
    if !root.is_dir() {
        return Err(DetectError::NotADirectory {
            path: root.to_owned(),
        });
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    let static_site = root.join("index.html").is_file();
    Ok(Detection {
        kind: if static_site {
            ProjectKind::Web
        } else {
            ProjectKind::Unknown
        },
        framework: static_site.then(|| "static".to_owned()),
        package_manager: None,
        build_command: None,
        output_dir: static_site.then(|| PathBuf::from(".")),
        pwa_manifest: None,
        workspace: None,
        app: DetectedApp::default(),
        warnings: Vec::new(),
        prefill: PartialAppConfig::default(),
        root,
    })
}
