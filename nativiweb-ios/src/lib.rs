//! # nativiweb-ios
//!
//! nativiweb's iOS backends. Today: the Xcode project generator, [`XcodeProject`], which turns
//! an app config and its built web bundle into an Xcode project around nativiweb's iOS shell
//! (a UIKit app whose one screen is a `WKWebView`), the signing [`credentials`] check, and the
//! [`XcodeBuilder`] ([`build`]: xcodebuild, CocoaPods and the project's own CLIs driven as
//! processes on macOS, signing from a temporary keychain).
//!
//! ```no_run
//! use std::path::Path;
//! use nativiweb_core::config::{AppConfig, PartialAppConfig};
//! use nativiweb_ios::{GenerateOptions, XcodeProject};
//!
//! let project = Path::new("my-app");
//! let app = AppConfig::load(project, PartialAppConfig::default())?;
//! let generated = XcodeProject::generate(
//!     &app,
//!     Some(&project.join("dist")),
//!     project,
//!     &project.join("ios"),
//!     &GenerateOptions::new(),
//! )?;
//! for warning in &generated.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! println!("open {}", generated.project.display());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The generated project
//!
//! ```text
//! <out>/
//!   App.xcodeproj/project.pbxproj              one app target "App", Debug and Release
//!   App.xcodeproj/xcshareddata/xcschemes/App.xcscheme
//!   App/AppDelegate.swift                      the shell (see the `shell` module)
//!   App/SceneDelegate.swift
//!   App/WebViewController.swift
//!   App/AppSchemeHandler.swift
//!   App/ShellSettings.swift
//!   App/Info.plist
//!   App/PrivacyInfo.xcprivacy
//!   App/nativiweb.json                         the shell's settings, as on Android
//!   App/Assets.xcassets/                       AppIcon (1024 px), AccentColor, LaunchBackground
//!   App/<lang>.lproj/InfoPlist.strings         translated names (name_translations), if any
//!   App/App.entitlements                       only when capabilities are asked for
//!   App/www/                                   the web bundle, a folder reference
//!   ExportOptions.plist                        for xcodebuild -exportArchive
//!   .nativiweb/generated.json                  what nativiweb wrote (hashes), for regeneration
//!   .nativiweb/pending/                        nativiweb's versions of files you edited
//!   .nativiweb/.gitignore                      keeps pending/ out of version control
//! ```
//!
//! - **`project.pbxproj`**, written by our own OpenStep writer (the `plist` crate reads the
//!   format but does not write it). Object ids are hashes of each object's place in the
//!   project, so the same inputs give the same bytes. The target's build settings carry the
//!   app's identity: `PRODUCT_BUNDLE_IDENTIFIER` (`[ios] bundle_id`, else `id`),
//!   `MARKETING_VERSION` (`version`), `CURRENT_PROJECT_VERSION` (`build`), `DEVELOPMENT_TEAM`
//!   (`[ios] team_id`, left out with a warning when unset), `IPHONEOS_DEPLOYMENT_TARGET`
//!   (`[ios] deployment_target`, 13.0 or later), `CODE_SIGN_STYLE` (and for manual signing
//!   `CODE_SIGN_IDENTITY`, `PROVISIONING_PROFILE_SPECIFIER`).
//! - **`Info.plist`** takes its versions from those build settings (`$(MARKETING_VERSION)`,
//!   `$(CURRENT_PROJECT_VERSION)`), so they change in one place. It has the display name,
//!   `CFBundleIconName`, `ITSAppUsesNonExemptEncryption` = false (the shell uses only the
//!   system's HTTPS; without the key every upload stops at "Missing Compliance"), the
//!   orientations from `orientation` (with `UIRequiresFullScreen` when it is not `any`, as
//!   iPad multitasking requires every orientation), `UILaunchScreen` in the background
//!   colour, the scene manifest, and the camera/microphone/location texts when the app uses
//!   them ([`UsageDescriptions`]).
//! - **`PrivacyInfo.xcprivacy`**: no tracking, no collected data, no required-reason API
//!   (the shell keeps its state in the scene's restoration activity, not UserDefaults).
//! - **Entitlements**: `nativiweb.toml` has nothing for capabilities, so by default there is
//!   no entitlements file; [`Capabilities`] (associated domains, push) in the options writes
//!   `App/App.entitlements` and sets `CODE_SIGN_ENTITLEMENTS`.
//! - **`ExportOptions.plist`**: the current method names ([`ExportMethod`]:
//!   `app-store-connect`, `release-testing`, `enterprise`, `debugging`), `signingStyle`,
//!   `teamID`, and for manual signing `provisioningProfiles` (bundle id → profile).
//! - **The icon**: the config's `icon` (a square PNG, 1024 px or scaled to it) flattened onto
//!   the background colour, as the App Store refuses transparency; without one, the first
//!   letter of the name on the theme colour.
//! - **The web bundle** is copied through the core bundle filter ([`nativiweb_core::bundle`]),
//!   never raw: no dotfiles, keys, `node_modules`, `nativiweb.toml`, built apps, or what the
//!   `exclude` globs name.
//!
//! ## Regeneration
//!
//! Generating again into the same folder keeps the user's edits; see the [`regen`] module for
//! the rules. In short: unchanged files are refreshed, edited files are kept (and reported in
//! [`Generated::kept`], with nativiweb's version under `.nativiweb/pending/`), and a kept
//! `project.pbxproj` still gets the config's versions, bundle id, team and deployment target.
//!
//! ## Credentials
//!
//! [`credentials`] reads a signing identity from a `.p12` ([`P12Identity`]: certificate,
//! private key, SHA-1, team id, expiry; PBES2/AES as OpenSSL 3 writes it and the legacy
//! 3DES/RC2 files Keychain Access exports) and a `.mobileprovision` ([`ProvisioningProfile`]:
//! the plist inside the CMS signature, its kind, app id, entitlements, certificates, devices,
//! expiry), on any OS. [`credentials::check`] then says, before any build, everything that
//! would make signing or exporting fail — the certificate is not in the profile, the app id
//! does not cover the bundle id, either has expired (a warning within 30 days), the export
//! method does not fit the profile, an entitlement is missing, the key is not the
//! certificate's — each [`Problem`] naming the files at fault (both, for a mismatch) and what
//! to do. The `.p12` password comes from
//! `NATIVIWEB_CERTIFICATE_PASSWORD` or a password file, never from the command line.
#![warn(missing_docs)]

mod assets;
pub mod build;
pub mod credentials;
mod error;
mod generate;
mod options;
mod pbxproj;
mod plists;
mod project;
pub mod regen;
pub mod shell;

pub use nativiweb_core;

pub use assets::ICON_SIZE;
pub use build::{Toolchain, XcodeBuilder, XcodeError, XcodeOptions, XcodeSigning};
pub use credentials::{
    check as check_credentials, CheckReport, CheckRequest, CredentialError, P12Identity, Problem,
    ProfileKind, ProvisioningProfile,
};
pub use error::GenerateError;
pub use generate::{Generated, KeptFile, XcodeProject};
pub use options::{Capabilities, ExportMethod, GenerateOptions, Signing, UsageDescriptions};
