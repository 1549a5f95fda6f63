//! Where the tools an iOS build drives are: `xcodebuild`, `security`, and by project kind
//! `pod`, `npx` and `flutter`; and the user's home, under which provisioning profiles are
//! installed.
//!
//! On macOS, [`Toolchain::discover`] finds them the usual way (the build's `PATH`, then
//! `/usr/bin` for Apple's tools). Anywhere else there is no Xcode, so a [`Toolchain`] only
//! exists when the caller builds one explicitly with [`Toolchain::new`] — which is how the
//! tests run the builder on Linux against stand-in tools.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use nativiweb_core::process;

use super::XcodeError;

/// Where Xcode (before 16) and `security`-based CI scripts install provisioning profiles,
/// relative to the home folder.
pub const LEGACY_PROFILES_DIR: &str = "Library/MobileDevice/Provisioning Profiles";

/// Where Xcode 16 and later look for provisioning profiles, relative to the home folder.
pub const XCODE16_PROFILES_DIR: &str = "Library/Developer/Xcode/UserData/Provisioning Profiles";

/// The tools and folders one iOS build uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Toolchain {
    /// `xcodebuild`.
    pub xcodebuild: PathBuf,
    /// `security` (keychains).
    pub security: PathBuf,
    /// `pod` (CocoaPods), for projects with a Podfile that the build installs itself.
    pub pod: Option<PathBuf>,
    /// `npx`, for Capacitor (`cap sync`) and Expo (`expo prebuild`).
    pub npx: Option<PathBuf>,
    /// `flutter`, for Flutter projects.
    pub flutter: Option<PathBuf>,
    /// `codesign`, given to `security import -T` so that it may use the key without a prompt.
    pub codesign: PathBuf,
    /// The folders the provisioning profile is installed in (as `<UUID>.mobileprovision`) for
    /// the build's length: both places Xcode has read them from.
    pub profiles_dirs: Vec<PathBuf>,
}

impl Toolchain {
    /// An explicit toolchain: these `xcodebuild` and `security`, profiles installed under
    /// `home` (in [`LEGACY_PROFILES_DIR`] and [`XCODE16_PROFILES_DIR`]), no `pod`, `npx` or
    /// `flutter` until set with the methods below, `codesign` at `/usr/bin/codesign`.
    ///
    /// A builder with an explicit toolchain runs on any OS: this is for tests with stand-in
    /// tools, and for Macs where Xcode lives somewhere unusual.
    pub fn new(xcodebuild: impl Into<PathBuf>, security: impl Into<PathBuf>, home: &Path) -> Self {
        Toolchain {
            xcodebuild: xcodebuild.into(),
            security: security.into(),
            pod: None,
            npx: None,
            flutter: None,
            codesign: PathBuf::from("/usr/bin/codesign"),
            profiles_dirs: vec![
                home.join(LEGACY_PROFILES_DIR),
                home.join(XCODE16_PROFILES_DIR),
            ],
        }
    }

    /// Sets `pod`.
    pub fn pod(mut self, path: impl Into<PathBuf>) -> Self {
        self.pod = Some(path.into());
        self
    }

    /// Sets `npx`.
    pub fn npx(mut self, path: impl Into<PathBuf>) -> Self {
        self.npx = Some(path.into());
        self
    }

    /// Sets `flutter`.
    pub fn flutter(mut self, path: impl Into<PathBuf>) -> Self {
        self.flutter = Some(path.into());
        self
    }

    /// Installs profiles in these folders instead of the two under the home folder.
    pub fn profiles_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.profiles_dirs = dirs;
        self
    }

    /// This Mac's tools: `xcodebuild` and `security` on `path` (a `PATH`-style list; the
    /// process's when `None`) or in `/usr/bin`, `pod`, `npx` and `flutter` on `path`, the home
    /// folder from `HOME`. Fails with [`XcodeError::NotMacOs`] on any other OS.
    pub fn discover(path: Option<&OsStr>, home: Option<&Path>) -> Result<Toolchain, XcodeError> {
        if !cfg!(target_os = "macos") {
            return Err(XcodeError::NotMacOs);
        }
        let find = |name: &str| process::find_program(name, path);
        let apple = |name: &str| find(name).unwrap_or_else(|| Path::new("/usr/bin").join(name));
        let home = match home {
            Some(h) => h.to_owned(),
            None => std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| {
                XcodeError::Unsupported(
                    "HOME is not set: the provisioning profile is installed under the home folder"
                        .into(),
                )
            })?,
        };
        let mut t = Toolchain::new(apple("xcodebuild"), apple("security"), &home);
        t.codesign = apple("codesign");
        t.pod = find("pod");
        t.npx = find("npx");
        t.flutter = find("flutter");
        Ok(t)
    }
}
