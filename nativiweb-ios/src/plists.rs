//! The property lists of the project: `Info.plist`, `PrivacyInfo.xcprivacy`, the
//! entitlements, `ExportOptions.plist` (XML, written with the `plist` crate), and the
//! `InfoPlist.strings` of translated display names.

use nativiweb_core::config::{AppConfig, Orientation};
use plist::{Dictionary, Value};

use crate::options::{Capabilities, ExportMethod, Signing};
use crate::shell;

/// Usage texts that go into Info.plist, already decided (see
/// [`crate::options::UsageDescriptions`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Usage {
    pub camera: Option<String>,
    pub microphone: Option<String>,
    pub location: Option<String>,
}

fn dict(pairs: Vec<(&str, Value)>) -> Value {
    let mut d = Dictionary::new();
    for (k, v) in pairs {
        d.insert(k.to_owned(), v);
    }
    d.sort_keys();
    Value::Dictionary(d)
}

fn string(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(items.into_iter().map(string).collect())
}

/// The XML text of a property list (with a final newline).
pub(crate) fn xml(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing plain values to memory does not fail.
    let _ = value.to_writer_xml(&mut out);
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    out
}

const PORTRAIT: &str = "UIInterfaceOrientationPortrait";
const UPSIDE_DOWN: &str = "UIInterfaceOrientationPortraitUpsideDown";
const LEFT: &str = "UIInterfaceOrientationLandscapeLeft";
const RIGHT: &str = "UIInterfaceOrientationLandscapeRight";

/// The orientations for iPhone and for iPad.
fn orientations(o: Orientation) -> (Vec<&'static str>, Vec<&'static str>) {
    match o {
        // iPhones do not turn apps upside down (Xcode's template leaves it out too).
        Orientation::Any => (
            vec![PORTRAIT, LEFT, RIGHT],
            vec![PORTRAIT, UPSIDE_DOWN, LEFT, RIGHT],
        ),
        Orientation::Portrait => (vec![PORTRAIT], vec![PORTRAIT, UPSIDE_DOWN]),
        Orientation::Landscape => (vec![LEFT, RIGHT], vec![LEFT, RIGHT]),
    }
}

/// `Info.plist`. Versions and the bundle id are build settings (`$(MARKETING_VERSION)`...), so
/// the project file is the one place they change.
pub(crate) fn info_plist(app: &AppConfig, usage: &Usage) -> Value {
    let (iphone, ipad) = orientations(app.orientation);
    let scene = dict(vec![
        ("UISceneConfigurationName", string("Default Configuration")),
        (
            "UISceneDelegateClassName",
            string("$(PRODUCT_MODULE_NAME).SceneDelegate"),
        ),
    ]);
    let mut pairs = vec![
        ("CFBundleDevelopmentRegion", string("en")),
        ("CFBundleDisplayName", string(&app.name)),
        ("CFBundleExecutable", string("$(EXECUTABLE_NAME)")),
        ("CFBundleIconName", string("AppIcon")),
        ("CFBundleIdentifier", string("$(PRODUCT_BUNDLE_IDENTIFIER)")),
        ("CFBundleInfoDictionaryVersion", string("6.0")),
        ("CFBundleName", string("$(PRODUCT_NAME)")),
        (
            "CFBundlePackageType",
            string("$(PRODUCT_BUNDLE_PACKAGE_TYPE)"),
        ),
        ("CFBundleShortVersionString", string("$(MARKETING_VERSION)")),
        ("CFBundleVersion", string("$(CURRENT_PROJECT_VERSION)")),
        // The shell uses only the system's encryption (HTTPS): exempt, so uploads do not
        // stop at "Missing Compliance".
        ("ITSAppUsesNonExemptEncryption", Value::Boolean(false)),
        ("LSRequiresIPhoneOS", Value::Boolean(true)),
        (
            "NSUserActivityTypes",
            strings([shell::RESTORATION_ACTIVITY_TYPE]),
        ),
        (
            "UIApplicationSceneManifest",
            dict(vec![
                ("UIApplicationSupportsMultipleScenes", Value::Boolean(false)),
                (
                    "UISceneConfigurations",
                    dict(vec![(
                        "UIWindowSceneSessionRoleApplication",
                        Value::Array(vec![scene]),
                    )]),
                ),
            ]),
        ),
        (
            "UILaunchScreen",
            dict(vec![("UIColorName", string(crate::assets::LAUNCH_COLOR))]),
        ),
        ("UISupportedInterfaceOrientations", strings(iphone)),
        ("UISupportedInterfaceOrientations~ipad", strings(ipad)),
    ];
    if app.orientation != Orientation::Any {
        // An iPad app that does not support every orientation must opt out of multitasking,
        // or App Store Connect rejects the upload.
        pairs.push(("UIRequiresFullScreen", Value::Boolean(true)));
    }
    if let Some(text) = &usage.camera {
        pairs.push(("NSCameraUsageDescription", string(text)));
    }
    if let Some(text) = &usage.microphone {
        pairs.push(("NSMicrophoneUsageDescription", string(text)));
    }
    if let Some(text) = &usage.location {
        pairs.push(("NSLocationWhenInUseUsageDescription", string(text)));
    }
    dict(pairs)
}

/// `PrivacyInfo.xcprivacy`, the privacy manifest App Store Connect requires since May 2024.
/// The shell tracks nobody, collects nothing and calls no required-reason API (no
/// UserDefaults, no file timestamps, no disk space, no boot time): every list is empty. An app
/// whose web code collects data declares it here (the file is the user's to edit, and kept).
pub(crate) fn privacy_manifest() -> Value {
    dict(vec![
        ("NSPrivacyAccessedAPITypes", Value::Array(vec![])),
        ("NSPrivacyCollectedDataTypes", Value::Array(vec![])),
        ("NSPrivacyTracking", Value::Boolean(false)),
        ("NSPrivacyTrackingDomains", Value::Array(vec![])),
    ])
}

/// `App.entitlements` for the capabilities, or `None` when none is asked for.
pub(crate) fn entitlements(c: &Capabilities) -> Option<Value> {
    if c.is_empty() {
        return None;
    }
    let mut pairs = Vec::new();
    if !c.associated_domains.is_empty() {
        pairs.push((
            "com.apple.developer.associated-domains",
            strings(c.associated_domains.iter().map(String::as_str)),
        ));
    }
    if c.push_notifications {
        pairs.push(("aps-environment", string("development")));
    }
    Some(dict(pairs))
}

/// `ExportOptions.plist` for `xcodebuild -exportArchive`.
pub(crate) fn export_options(
    method: ExportMethod,
    signing: &Signing,
    team: Option<&str>,
    bundle_id: &str,
) -> Value {
    let mut pairs = vec![
        ("method", string(method.as_str())),
        ("signingStyle", string(signing.export_style())),
        ("destination", string("export")),
    ];
    if let Some(team) = team {
        pairs.push(("teamID", string(team)));
    }
    if let Signing::Manual { profile, .. } = signing {
        pairs.push((
            "provisioningProfiles",
            dict(vec![(bundle_id, string(profile))]),
        ));
    }
    if method == ExportMethod::AppStoreConnect {
        // nativiweb sets the build number; Xcode must not bump it on export.
        pairs.push(("manageAppVersionAndBuildNumber", Value::Boolean(false)));
        pairs.push(("uploadSymbols", Value::Boolean(true)));
    }
    dict(pairs)
}

/// An `InfoPlist.strings` with the translated display name (UTF-8, which Xcode accepts and
/// turns into the binary format when it builds).
pub(crate) fn info_plist_strings(name: &str) -> Vec<u8> {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    format!("/* The app's name on the home screen in this language (from nativiweb.toml's name_translations). */\n\"CFBundleDisplayName\" = \"{escaped}\";\n")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_file_escapes() {
        let text = String::from_utf8(info_plist_strings("Say \"hi\"")).unwrap();
        assert!(
            text.contains(r#""CFBundleDisplayName" = "Say \"hi\"";"#),
            "{text}"
        );
        // The strings format is an OpenStep dictionary without its braces.
        let v = plist::Value::from_reader_ascii(format!("{{{text}}}").as_bytes()).unwrap();
        assert_eq!(
            v.as_dictionary()
                .and_then(|d| d.get("CFBundleDisplayName"))
                .and_then(|n| n.as_string()),
            Some("Say \"hi\"")
        );
    }

    #[test]
    fn orientation_sets() {
        assert_eq!(orientations(Orientation::Any).1.len(), 4);
        assert_eq!(orientations(Orientation::Portrait).0, vec![PORTRAIT]);
        assert!(!orientations(Orientation::Landscape).0.contains(&PORTRAIT));
    }
}
