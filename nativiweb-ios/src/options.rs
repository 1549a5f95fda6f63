//! What the generator can be told beyond the app config: signing, the export method, the
//! capabilities (entitlements), the camera/microphone/location texts, and what to do with
//! files the user edited.

use std::path::PathBuf;

/// How the app is signed: Xcode's `CODE_SIGN_STYLE`, and ExportOptions.plist's
/// `signingStyle` and `provisioningProfiles`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signing {
    /// Xcode manages certificates and profiles for the team (`CODE_SIGN_STYLE = Automatic`):
    /// the usual choice on a developer's Mac, and in CI with `-allowProvisioningUpdates` and
    /// an App Store Connect API key.
    #[default]
    Automatic,
    /// A given provisioning profile and certificate (`CODE_SIGN_STYLE = Manual`): the usual
    /// choice in CI with a distribution certificate and profile installed on the machine.
    Manual {
        /// The provisioning profile's name or UUID (`PROVISIONING_PROFILE_SPECIFIER`, and the
        /// bundle id's entry in ExportOptions.plist's `provisioningProfiles`).
        profile: String,
        /// The signing certificate (`CODE_SIGN_IDENTITY`); `Apple Distribution` when `None`.
        identity: Option<String>,
    },
}

impl Signing {
    /// `Automatic` or `Manual`, as `CODE_SIGN_STYLE` spells it.
    pub fn code_sign_style(&self) -> &'static str {
        match self {
            Signing::Automatic => "Automatic",
            Signing::Manual { .. } => "Manual",
        }
    }

    /// `automatic` or `manual`, as ExportOptions.plist's `signingStyle` spells it.
    pub fn export_style(&self) -> &'static str {
        match self {
            Signing::Automatic => "automatic",
            Signing::Manual { .. } => "manual",
        }
    }
}

/// How `xcodebuild -exportArchive` exports the app: ExportOptions.plist's `method`, with the
/// names Xcode 15.3 introduced (the older `app-store`, `ad-hoc`, `development` are deprecated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExportMethod {
    /// For App Store Connect: TestFlight and the App Store (formerly `app-store`).
    #[default]
    AppStoreConnect,
    /// For the devices in the profile (formerly `ad-hoc`).
    ReleaseTesting,
    /// For an Apple Developer Enterprise Program organisation.
    Enterprise,
    /// For development devices (formerly `development`).
    Debugging,
}

impl ExportMethod {
    /// Every method, in the order above.
    pub const ALL: [ExportMethod; 4] = [
        ExportMethod::AppStoreConnect,
        ExportMethod::ReleaseTesting,
        ExportMethod::Enterprise,
        ExportMethod::Debugging,
    ];

    /// The name ExportOptions.plist uses (`app-store-connect`, `release-testing`,
    /// `enterprise`, `debugging`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportMethod::AppStoreConnect => "app-store-connect",
            ExportMethod::ReleaseTesting => "release-testing",
            ExportMethod::Enterprise => "enterprise",
            ExportMethod::Debugging => "debugging",
        }
    }

    /// The method named `name`: the current names, and the deprecated ones they replaced
    /// (`app-store`, `ad-hoc`, `development`).
    pub fn parse(name: &str) -> Option<ExportMethod> {
        Some(match name {
            "app-store-connect" | "app-store" => ExportMethod::AppStoreConnect,
            "release-testing" | "ad-hoc" => ExportMethod::ReleaseTesting,
            "enterprise" => ExportMethod::Enterprise,
            "debugging" | "development" => ExportMethod::Debugging,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ExportMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Capabilities that need entitlements. `nativiweb.toml` has no table for them yet, so with
/// the default (none) the project has no `.entitlements` file at all; asking for one here
/// writes `App/App.entitlements` and sets `CODE_SIGN_ENTITLEMENTS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Associated domains (`applinks:example.com`, `webcredentials:example.com`): universal
    /// links and shared passwords with a site. The site must serve the matching
    /// `apple-app-site-association` file.
    pub associated_domains: Vec<String>,
    /// Push notifications (`aps-environment`, written as `development`; Xcode switches it to
    /// `production` when it exports for App Store Connect).
    pub push_notifications: bool,
}

impl Capabilities {
    /// Whether any capability is asked for (and so an entitlements file is written).
    pub fn is_empty(&self) -> bool {
        self.associated_domains.is_empty() && !self.push_notifications
    }

    /// With associated domains (`applinks:example.com`...).
    pub fn associated_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.associated_domains = domains.into_iter().map(Into::into).collect();
        self
    }

    /// With (or without) push notifications.
    pub fn push_notifications(mut self, on: bool) -> Self {
        self.push_notifications = on;
        self
    }
}

/// The texts iOS shows when a page first uses the camera, the microphone or location
/// (Info.plist's `NSCameraUsageDescription`, `NSMicrophoneUsageDescription`,
/// `NSLocationWhenInUseUsageDescription`).
///
/// A text is written when it is set here, or when the app config's `[android] permissions`
/// (the one list of device features the web app uses) asks for the feature: `CAMERA`,
/// `RECORD_AUDIO`, `ACCESS_FINE_LOCATION` / `ACCESS_COARSE_LOCATION`; then a generic text is
/// used and a warning suggests a specific one (App Review asks texts to say what the app does
/// with the feature). Without the key, iOS never lets the page use the feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsageDescriptions {
    /// `NSCameraUsageDescription`.
    pub camera: Option<String>,
    /// `NSMicrophoneUsageDescription`.
    pub microphone: Option<String>,
    /// `NSLocationWhenInUseUsageDescription`.
    pub location: Option<String>,
}

impl UsageDescriptions {
    /// With the camera text.
    pub fn camera(mut self, text: impl Into<String>) -> Self {
        self.camera = Some(text.into());
        self
    }

    /// With the microphone text.
    pub fn microphone(mut self, text: impl Into<String>) -> Self {
        self.microphone = Some(text.into());
        self
    }

    /// With the location text.
    pub fn location(mut self, text: impl Into<String>) -> Self {
        self.location = Some(text.into());
        self
    }
}

/// Everything [`crate::XcodeProject::generate`] takes beyond the app config and the folders.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GenerateOptions {
    /// How the app is signed.
    pub signing: Signing,
    /// ExportOptions.plist's `method`.
    pub export_method: ExportMethod,
    /// Capabilities needing entitlements (none by default: no entitlements file).
    pub capabilities: Capabilities,
    /// Camera, microphone and location texts.
    pub usage_descriptions: UsageDescriptions,
    /// Folders never to copy into the app even when they sit inside the web bundle folder
    /// (the build's artifact folder, its work dir). The output folder is always left out.
    pub leave_out: Vec<PathBuf>,
    /// Overwrite files the user edited since they were generated (their edits are lost; each
    /// is named in a warning). Off by default: edited files are kept.
    pub overwrite_edits: bool,
}

impl GenerateOptions {
    /// The defaults: automatic signing, `app-store-connect`, no capabilities, edits kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// With this signing.
    pub fn signing(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }

    /// With this export method.
    pub fn export_method(mut self, method: ExportMethod) -> Self {
        self.export_method = method;
        self
    }

    /// With these capabilities.
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// With these usage texts.
    pub fn usage_descriptions(mut self, texts: UsageDescriptions) -> Self {
        self.usage_descriptions = texts;
        self
    }

    /// Also leaves out the folder at `path` when it is inside the web bundle.
    pub fn leave_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.leave_out.push(path.into());
        self
    }

    /// Overwrites (or keeps, the default) files the user edited.
    pub fn overwrite_edits(mut self, on: bool) -> Self {
        self.overwrite_edits = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_method_names_round_trip() {
        for m in ExportMethod::ALL {
            assert_eq!(ExportMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(
            ExportMethod::parse("ad-hoc"),
            Some(ExportMethod::ReleaseTesting)
        );
        assert_eq!(ExportMethod::parse("appstore"), None);
    }
}
