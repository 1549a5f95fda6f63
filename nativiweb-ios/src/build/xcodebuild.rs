//! What xcodebuild is asked: which workspace or project, which scheme (from `xcodebuild -list
//! -json`), the `archive` and `-exportArchive` command lines with the signing and version
//! build settings, and the ExportOptions.plist.

use std::path::{Path, PathBuf};

use super::XcodeError;
use crate::{ExportMethod, Signing};

/// A workspace or a project: what `-workspace` / `-project` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    /// A `.xcworkspace` (CocoaPods, or a workspace the team keeps).
    Workspace(PathBuf),
    /// A `.xcodeproj`.
    Project(PathBuf),
}

impl Container {
    /// `-workspace` or `-project`.
    pub fn flag(&self) -> &'static str {
        match self {
            Container::Workspace(_) => "-workspace",
            Container::Project(_) => "-project",
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        match self {
            Container::Workspace(p) | Container::Project(p) => p,
        }
    }

    /// Its name without the extension (`App` for `App.xcworkspace`).
    pub fn stem(&self) -> String {
        self.path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The `.xcworkspace` in `dir` if there is one, else the `.xcodeproj` (first by name, so the
/// choice does not depend on the file system's order).
pub fn find_container(dir: &Path) -> Option<Container> {
    let mut workspaces = Vec::new();
    let mut projects = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("xcworkspace") => workspaces.push(path),
            Some("xcodeproj") => projects.push(path),
            _ => {}
        }
    }
    workspaces.sort();
    projects.sort();
    workspaces
        .into_iter()
        .next()
        .map(Container::Workspace)
        .or_else(|| projects.into_iter().next().map(Container::Project))
}

/// What `xcodebuild -list -json` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListInfo {
    /// The workspace's or project's name.
    pub name: String,
    /// Its schemes, in xcodebuild's order.
    pub schemes: Vec<String>,
}

/// Parses `xcodebuild -list -json` output: `{"project": {"name", "schemes", "targets",
/// "configurations"}}` or `{"workspace": {"name", "schemes"}}`. Anything before the first
/// `{` (a warning xcodebuild printed on stdout) is skipped.
pub fn parse_list(stdout: &str) -> Result<ListInfo, String> {
    let start = stdout
        .find('{')
        .ok_or_else(|| "no JSON object in the output".to_owned())?;
    let value: serde_json::Value =
        serde_json::from_str(&stdout[start..]).map_err(|e| format!("bad JSON: {e}"))?;
    let inner = value
        .get("workspace")
        .or_else(|| value.get("project"))
        .ok_or_else(|| "neither \"workspace\" nor \"project\" in the JSON".to_owned())?;
    let name = inner
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or_default()
        .to_owned();
    let schemes = inner
        .get("schemes")
        .and_then(|s| s.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(ListInfo { name, schemes })
}

/// The scheme to build: `wanted` when given (it must be listed); else the one named like the
/// workspace or project (`App`, `Runner`, the React Native app's name); else the first that
/// is not a CocoaPods one (`Pods-…`, or a pod's own scheme, which CocoaPods names after the
/// pod and lists after the app's).
pub fn choose_scheme(
    info: &ListInfo,
    container_stem: &str,
    wanted: Option<&str>,
) -> Option<String> {
    if let Some(w) = wanted {
        return info.schemes.iter().find(|s| *s == w).cloned();
    }
    info.schemes
        .iter()
        .find(|s| *s == container_stem || *s == &info.name)
        .or_else(|| info.schemes.iter().find(|s| !s.starts_with("Pods-")))
        .cloned()
}

/// How the archive is signed.
#[derive(Debug, Clone)]
pub enum ArchiveSigning {
    /// Manual signing with the temporary keychain's identity and the installed profile.
    Manual {
        /// The certificate's SHA-1 (`CODE_SIGN_IDENTITY`): unambiguous where a name may match
        /// several certificates on the Mac.
        identity_sha1: String,
        /// The profile's UUID (`PROVISIONING_PROFILE_SPECIFIER`).
        profile_uuid: String,
        /// The temporary keychain (`OTHER_CODE_SIGN_FLAGS=--keychain …`).
        keychain: PathBuf,
    },
    /// Automatic signing with an App Store Connect API key (`-allowProvisioningUpdates`).
    ApiKey {
        /// The `.p8` file.
        key_path: PathBuf,
        /// The key id.
        key_id: String,
        /// The issuer id.
        issuer_id: String,
    },
}

impl ArchiveSigning {
    /// The build settings (`KEY=VALUE`) that sign the archive.
    pub fn build_settings(&self, team: Option<&str>) -> Vec<String> {
        let mut settings = Vec::new();
        match self {
            ArchiveSigning::Manual {
                identity_sha1,
                profile_uuid,
                keychain,
            } => {
                settings.push("CODE_SIGN_STYLE=Manual".to_owned());
                settings.push(format!("CODE_SIGN_IDENTITY={identity_sha1}"));
                settings.push(format!("PROVISIONING_PROFILE_SPECIFIER={profile_uuid}"));
                settings.push(format!(
                    "OTHER_CODE_SIGN_FLAGS=--keychain {}",
                    keychain.display()
                ));
            }
            ArchiveSigning::ApiKey { .. } => {
                settings.push("CODE_SIGN_STYLE=Automatic".to_owned());
            }
        }
        if let Some(team) = team {
            settings.push(format!("DEVELOPMENT_TEAM={team}"));
        }
        settings
    }

    /// The arguments that let xcodebuild fetch profiles with the API key (none for manual
    /// signing).
    pub fn auth_args(&self) -> Vec<String> {
        match self {
            ArchiveSigning::Manual { .. } => Vec::new(),
            ArchiveSigning::ApiKey {
                key_path,
                key_id,
                issuer_id,
            } => vec![
                "-allowProvisioningUpdates".to_owned(),
                "-authenticationKeyPath".to_owned(),
                key_path.display().to_string(),
                "-authenticationKeyID".to_owned(),
                key_id.clone(),
                "-authenticationKeyIssuerID".to_owned(),
                issuer_id.clone(),
            ],
        }
    }

    /// The generator's view of it (for ExportOptions.plist and generated projects).
    pub fn as_generator_signing(&self) -> Signing {
        match self {
            ArchiveSigning::Manual {
                identity_sha1,
                profile_uuid,
                ..
            } => Signing::Manual {
                profile: profile_uuid.clone(),
                identity: Some(identity_sha1.clone()),
            },
            ArchiveSigning::ApiKey { .. } => Signing::Automatic,
        }
    }
}

/// The version build settings: `MARKETING_VERSION` and `CURRENT_PROJECT_VERSION`, which the
/// templates of Xcode, Capacitor, React Native, Expo and nativiweb's generator read into
/// Info.plist; overriding them leaves the user's project untouched.
pub fn version_settings(version: &str, build: u64) -> Vec<String> {
    vec![
        format!("MARKETING_VERSION={version}"),
        format!("CURRENT_PROJECT_VERSION={build}"),
    ]
}

/// `xcodebuild archive …`.
pub fn archive_args(
    container: &Container,
    scheme: &str,
    configuration: &str,
    archive_path: &Path,
    signing: &ArchiveSigning,
    team: Option<&str>,
    versions: &[String],
) -> Vec<String> {
    let mut args = vec![
        "archive".to_owned(),
        container.flag().to_owned(),
        container.path().display().to_string(),
        "-scheme".to_owned(),
        scheme.to_owned(),
        "-configuration".to_owned(),
        configuration.to_owned(),
        "-destination".to_owned(),
        "generic/platform=iOS".to_owned(),
        "-archivePath".to_owned(),
        archive_path.display().to_string(),
    ];
    args.extend(signing.auth_args());
    args.extend(signing.build_settings(team));
    args.extend(versions.iter().cloned());
    args
}

/// `xcodebuild -exportArchive …`.
pub fn export_args(
    archive_path: &Path,
    export_path: &Path,
    options_plist: &Path,
    signing: &ArchiveSigning,
) -> Vec<String> {
    let mut args = vec![
        "-exportArchive".to_owned(),
        "-archivePath".to_owned(),
        archive_path.display().to_string(),
        "-exportPath".to_owned(),
        export_path.display().to_string(),
        "-exportOptionsPlist".to_owned(),
        options_plist.display().to_string(),
    ];
    args.extend(signing.auth_args());
    args
}

/// Writes ExportOptions.plist (method, signing style, team, and for manual signing the
/// bundle id's profile) to `path`.
pub fn write_export_options(
    path: &Path,
    method: ExportMethod,
    signing: &ArchiveSigning,
    team: Option<&str>,
    bundle_id: &str,
) -> Result<(), XcodeError> {
    let value =
        crate::plists::export_options(method, &signing.as_generator_signing(), team, bundle_id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(XcodeError::io("creating", dir))?;
    }
    std::fs::write(path, crate::plists::xml(&value)).map_err(XcodeError::io("writing", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_json_of_a_workspace_and_of_a_project() {
        let ws = "{\n  \"workspace\" : {\n    \"name\" : \"App\",\n    \"schemes\" : [\n      \"App\",\n      \"Capacitor\",\n      \"Pods-App\"\n    ]\n  }\n}\n";
        let info = parse_list(ws).unwrap();
        assert_eq!(info.name, "App");
        assert_eq!(choose_scheme(&info, "App", None).as_deref(), Some("App"));
        let proj = "warning: something\n{\"project\":{\"configurations\":[\"Debug\",\"Release\"],\"name\":\"Hello\",\"schemes\":[\"Pods-Hello\",\"HelloApp\"],\"targets\":[\"HelloApp\"]}}";
        let info = parse_list(proj).unwrap();
        assert_eq!(
            choose_scheme(&info, "Other", None).as_deref(),
            Some("HelloApp")
        );
        assert_eq!(choose_scheme(&info, "Other", Some("Nope")), None);
        assert!(parse_list("xcodebuild: error: nothing").is_err());
    }
}
