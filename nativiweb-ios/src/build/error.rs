//! Why an Xcode build could not run or failed.

use std::path::PathBuf;

use nativiweb_core::{ArtifactKind, Error};

use super::failure::XcodeFailure;
use super::BACKEND;
use crate::credentials::CredentialError;

/// Why [`super::XcodeBuilder`] could not build. Each variant names the file, tool or setting
/// at fault and says what to do; none carries a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XcodeError {
    /// This machine is not a Mac and no explicit toolchain was given.
    #[error("iOS builds need macOS with Xcode (xcodebuild, codesign and the keychain exist only there): run this build on a Mac or a macOS CI runner (GitHub Actions `runs-on: macos-latest`). On any OS, `nativiweb generate DIR --platform ios --out ios` writes the Xcode project and `nativiweb credentials check --platform ios ...` checks the certificate and profile before a Mac spends minutes on them")]
    NotMacOs,
    /// No signing was configured.
    #[error("the xcode builder needs signing credentials: a distribution certificate (.p12) and its provisioning profile (--certificate and --profile; the .p12 password in NATIVIWEB_CERTIFICATE_PASSWORD), or an App Store Connect API key for automatic signing")]
    NoSigning,
    /// A format the builder does not make.
    #[error(
        "the xcode builder makes .ipa files, not {0}: use --format ipa (or leave --format out)"
    )]
    Format(ArtifactKind),
    /// The project is not one the builder builds.
    #[error("the xcode builder builds Xcode, Capacitor, React Native, Expo and Flutter projects and web apps, but {root} is {kind}: {hint}")]
    UnsupportedKind {
        /// The project folder.
        root: PathBuf,
        /// What detection found.
        kind: String,
        /// What to do.
        hint: String,
    },
    /// A folder or file the build needs is missing (no `ios/`, no Xcode project).
    #[error("{problem}")]
    Project {
        /// The folder or file at fault.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A tool the project kind needs is missing.
    #[error("building this {kind} project needs `{program}`, which was not found: {hint}")]
    MissingTool {
        /// The program.
        program: String,
        /// The project kind.
        kind: String,
        /// How to get it.
        hint: String,
    },
    /// The `.p12`, the profile or the password could not be read.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The certificate and the profile cannot sign this app (from [`crate::credentials::check`]).
    #[error("{problem}")]
    Credential {
        /// One problem of the check, naming both files and what to do.
        problem: String,
    },
    /// The App Store Connect API key file is missing.
    #[error("the App Store Connect API key {path} cannot be read ({reason}): give the .p8 file downloaded from App Store Connect (Users and Access > Integrations)")]
    ApiKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A combination of options the builder cannot carry out.
    #[error("{0}")]
    Unsupported(String),
    /// `xcodebuild -list -json` printed something that is not its JSON.
    #[error("`{command}` did not print the JSON xcodebuild -list -json prints ({reason}); is {path} an Xcode project?")]
    List {
        /// The command.
        command: String,
        /// The workspace or project.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// No scheme to build.
    #[error("{path} has no scheme to build{}: share the app's scheme in Xcode (Product > Scheme > Manage Schemes > Shared) and commit xcshareddata/, or name one with the scheme option", if schemes.is_empty() { String::new() } else { format!(" (it lists {}, but none is {name:?})", schemes.join(", "), name = wanted.as_deref().unwrap_or("")) })]
    NoScheme {
        /// The workspace or project.
        path: PathBuf,
        /// The schemes it lists.
        schemes: Vec<String>,
        /// The scheme asked for, if any.
        wanted: Option<String>,
    },
    /// The keychain or profile could not be set up (`security` failed).
    #[error("setting up signing failed: {0}")]
    Signing(String),
    /// A tool failed: its `error:` lines and advice.
    #[error(transparent)]
    Failed(Box<XcodeFailure>),
    /// The build succeeded but left no output where it should be.
    #[error("`{command}` succeeded but wrote no {what} in {dir}")]
    NoOutputs {
        /// What ran last.
        command: String,
        /// What was looked for.
        what: String,
        /// Where.
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

impl From<XcodeFailure> for XcodeError {
    fn from(f: XcodeFailure) -> Self {
        XcodeError::Failed(Box::new(f))
    }
}

impl XcodeError {
    /// True when the user must change the project, the credentials, the machine or the
    /// options (a retry fails the same way), as opposed to a tool failing while it works.
    pub fn is_input(&self) -> bool {
        match self {
            XcodeError::NotMacOs
            | XcodeError::NoSigning
            | XcodeError::Format(_)
            | XcodeError::UnsupportedKind { .. }
            | XcodeError::Project { .. }
            | XcodeError::MissingTool { .. }
            | XcodeError::Credential { .. }
            | XcodeError::ApiKey { .. }
            | XcodeError::Unsupported(_)
            | XcodeError::NoScheme { .. } => true,
            XcodeError::Credentials(e) => e.is_input(),
            _ => false,
        }
    }

    /// The core error: [`Error::Rejected`] for bad input, else [`Error::Backend`].
    pub fn into_core(self) -> Error {
        if self.is_input() {
            Error::rejected(BACKEND, self)
        } else {
            Error::backend(BACKEND, self)
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> XcodeError {
        let path = path.into();
        move |source| XcodeError::Io {
            action,
            path,
            source,
        }
    }
}
