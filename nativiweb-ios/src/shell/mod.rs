//! The iOS shell: the Swift program every generated project builds (UIKit, one window scene,
//! one `WKWebView`), and the settings file it reads. Its sources are the `.swift` files beside
//! this module, copied as they are into `App/` of the generated project.
//!
//! It behaves as the Android shell does (`nativiweb_android::shell`), reading the same
//! `nativiweb.json` ([`ShellSettings`]):
//!
//! - `AppSchemeHandler`: a `WKURLSchemeHandler` serving the app bundle's `www/` folder at
//!   `app://localhost/` with the MIME types of the settings: `index.html` for a path ending in
//!   `/`, the file itself, `path.html` for a path without an extension, a small page moving a
//!   folder asked without its trailing slash to `path/`, then the single-page-app fallback to
//!   the root `index.html` for navigations and extension-less paths, else a 404. Paths that
//!   climb out of the folder (`..`) are not served. Byte ranges (audio, video) get a 206.
//!   Pages have the origin `app://localhost`: an API the app calls with `fetch` must allow it
//!   (CORS). WebKit does not run service workers for a custom scheme.
//! - `WebViewController`: the web view in the safe area, the theme colour around it (status
//!   bar text dark or light to read on it), the background colour behind the page before it
//!   paints. Navigation to the bundled pages and to `allowed_hosts` (`*.example.com` for
//!   subdomains; an exact host also covers its `www.` twin) stays in the app; other links in
//!   the main frame, and new windows to other hosts, open with `UIApplication.shared.open`
//!   (Safari, or the app of the scheme: phone, mail, maps). When the start page itself leads
//!   out (a redirect), the app says so and offers to try again instead of staying blank.
//!   JavaScript dialogs are native alerts; a crashed web content process reloads the page.
//!   Camera and microphone requests (WKUIDelegate's media capture permission, iOS 15+) are
//!   granted only to pages in the app and only for what Info.plist declares
//!   (`NSCameraUsageDescription`, `NSMicrophoneUsageDescription`); iOS then asks the user
//!   once. Location goes through WebKit's own prompt when Info.plist has
//!   `NSLocationWhenInUseUsageDescription`.
//! - `SceneDelegate`: the window, and state restoration: going to the background the scene
//!   saves the current page's URL (in the app, at most 2048 characters) in its
//!   `stateRestorationActivity`, and when iOS ended the app there, the next launch opens that
//!   page again (the Android shell's saved state). No UserDefaults, so the privacy manifest
//!   declares no required-reason API.
//! - `AppDelegate`: the entry point (`@main`), one scene configuration.
//! - `ShellSettings`: `nativiweb.json`, decoded.

use nativiweb_core::config::AppConfig;
pub use nativiweb_core::shell::ShellSettings;

/// The URL scheme the shell serves bundled pages from.
pub const SCHEME: &str = "app";

/// The host of bundled pages: they live at `app://localhost/`.
pub const ASSET_HOST: &str = "localhost";

/// The folder in the app bundle (and in `App/` of the project) holding the web bundle.
pub const ASSET_ROOT: &str = "www";

/// The settings file's name in the app bundle (and in `App/` of the project).
pub const SETTINGS_FILE: &str = "nativiweb.json";

/// The activity type the shell saves its state under (listed in Info.plist's
/// `NSUserActivityTypes`).
pub const RESTORATION_ACTIVITY_TYPE: &str = "app.nativiweb.shell.page";

/// The shell's Swift sources `(file name, text)`, written into `App/` of the project.
pub const SWIFT_SOURCES: &[(&str, &str)] = &[
    ("AppDelegate.swift", include_str!("AppDelegate.swift")),
    (
        "AppSchemeHandler.swift",
        include_str!("AppSchemeHandler.swift"),
    ),
    ("SceneDelegate.swift", include_str!("SceneDelegate.swift")),
    ("ShellSettings.swift", include_str!("ShellSettings.swift")),
    (
        "WebViewController.swift",
        include_str!("WebViewController.swift"),
    ),
];

/// The settings for `app` as the iOS shell serves it (bundled pages from `app://localhost/`,
/// files in the app bundle's `www/`), typing the bundle's files by the given extensions.
pub fn settings<'a>(
    app: &AppConfig,
    extensions: impl IntoIterator<Item = &'a str>,
) -> ShellSettings {
    ShellSettings::new(
        app,
        &format!("{SCHEME}://{ASSET_HOST}"),
        ASSET_ROOT,
        extensions,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str) -> &'static str {
        SWIFT_SOURCES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| *text)
            .unwrap()
    }

    /// The constants the Rust side writes into the project are the ones the Swift reads.
    #[test]
    fn swift_agrees_with_the_constants() {
        assert!(
            source("AppSchemeHandler.swift").contains(&format!("static let scheme = \"{SCHEME}\""))
        );
        assert!(source("SceneDelegate.swift").contains(&format!(
            "static let restorationActivityType = \"{RESTORATION_ACTIVITY_TYPE}\""
        )));
        let settings = source("ShellSettings.swift");
        assert!(settings.contains("forResource: \"nativiweb\", withExtension: \"json\""));
        assert_eq!(SETTINGS_FILE, "nativiweb.json");
        for key in [
            "start_url",
            "asset_host",
            "asset_root",
            "allowed_hosts",
            "theme_color",
            "background_color",
        ] {
            assert!(settings.contains(&format!("= \"{key}\"")), "{key}");
        }
        assert!(settings.contains(&format!("assetRoot: \"{ASSET_ROOT}\"")));
        assert!(settings.contains(&format!("assetHost: \"{ASSET_HOST}\"")));
    }

    /// Every key of the settings file is one the Swift decodes (a new field in core's
    /// settings must reach the iOS shell too).
    #[test]
    fn swift_decodes_every_settings_key() {
        let app = AppConfig::resolve(
            nativiweb_core::config::PartialAppConfig {
                id: Some("com.example.hello".into()),
                name: Some("Hello".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&settings(&app, ["html"]).to_json()).unwrap();
        let swift = source("ShellSettings.swift");
        for key in json.as_object().unwrap().keys() {
            assert!(
                swift.contains(&format!("\"{key}\"")) || swift.contains(&format!("case {key}\n")),
                "ShellSettings.swift does not decode `{key}`"
            );
        }
        assert_eq!(json["start_url"], "app://localhost/");
        assert_eq!(json["asset_host"], "localhost");
    }
}
