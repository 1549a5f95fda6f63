//! Native projects: a Gradle Android app and an Xcode project.

use std::path::Path;

use super::fsutil::{self, Listing};

/// Settings file names, Groovy and Kotlin DSL.
pub(crate) const GRADLE_SETTINGS: &[&str] = &["settings.gradle", "settings.gradle.kts"];

/// Most modules whose build file we open looking for the application plugin.
const MAX_MODULES: usize = 64;

/// What an Android app module's build file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AndroidApp {
    /// The module folder, relative to the project root.
    pub module: String,
    /// `applicationId`.
    pub application_id: Option<String>,
    /// `versionName`.
    pub version_name: Option<String>,
    /// `versionCode`.
    pub version_code: Option<u64>,
    /// `minSdk` / `minSdkVersion`.
    pub min_sdk: Option<u32>,
    /// `targetSdk` / `targetSdkVersion`.
    pub target_sdk: Option<u32>,
}

/// The string literals of `include` lines in a settings file, as module folders
/// (`':app'` -> `app`, `":feature:home"` -> `feature/home`).
pub(crate) fn included_modules(settings: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in settings.lines() {
        let line = line.trim();
        if !line.starts_with("include") || line.starts_with("includeBuild") {
            continue;
        }
        let mut rest = line;
        while let Some(q) = rest.find(['\'', '"']) {
            let quote = rest.as_bytes()[q] as char;
            let after = &rest[q + 1..];
            let Some(end) = after.find(quote) else { break };
            let module = after[..end].trim_start_matches(':').replace(':', "/");
            if !module.is_empty() && !module.contains("..") && !out.contains(&module) {
                out.push(module);
            }
            rest = &after[end + 1..];
        }
    }
    out
}

fn applies_app_plugin(build: &str) -> bool {
    build.contains("com.android.application")
        || build.contains("android.application")
        || build.contains("android-application")
}

/// A number after `key` (`versionCode 3`, `versionCode = 3`, `minSdk(24)`).
fn number_after(text: &str, keys: &[&str]) -> Option<u64> {
    for key in keys {
        for (pos, _) in text.match_indices(key) {
            let after = &text[pos + key.len()..];
            // The key must end there (`minSdkVersion` is not `minSdk`).
            if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let value = after.trim_start_matches([' ', '\t', '=', '(']);
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                return Some(n);
            }
        }
    }
    None
}

/// A quoted string after `key` (`applicationId "com.x"`, `applicationId = "com.x"`).
fn string_after(text: &str, key: &str) -> Option<String> {
    for (pos, _) in text.match_indices(key) {
        let after = &text[pos + key.len()..];
        if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = after.trim_start_matches([' ', '\t', '=', '(']);
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &value[1..];
        let end = body.find(quote)?;
        return Some(body[..end].to_owned());
    }
    None
}

fn read_app(module: &str, text: &str) -> AndroidApp {
    AndroidApp {
        module: module.to_owned(),
        application_id: string_after(text, "applicationId"),
        version_name: string_after(text, "versionName"),
        version_code: number_after(text, &["versionCode"]),
        min_sdk: number_after(text, &["minSdk", "minSdkVersion"])
            .and_then(|n| u32::try_from(n).ok()),
        target_sdk: number_after(text, &["targetSdk", "targetSdkVersion"])
            .and_then(|n| u32::try_from(n).ok()),
    }
}

/// Finds the Android application module of a Gradle project at `root`: a module listed in
/// settings.gradle(.kts) whose build file applies `com.android.application` (or the root
/// build file itself when nothing is included).
pub(crate) fn android_app(
    root: &Path,
    listing: &Listing,
    warnings: &mut Vec<String>,
) -> Option<AndroidApp> {
    let settings_name = listing.first_file(GRADLE_SETTINGS)?;
    let settings = match fsutil::read_inside(root, settings_name, root, fsutil::MAX_CONFIG)? {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            warnings.push(format!("could not read {settings_name}: {e}"));
            return None;
        }
    };
    let mut modules = included_modules(&settings);
    // Look at `app` first: it is the application module in nearly every project.
    if let Some(i) = modules.iter().position(|m| m == "app") {
        let app = modules.remove(i);
        modules.insert(0, app);
    }
    for module in modules.iter().take(MAX_MODULES) {
        for file in ["build.gradle", "build.gradle.kts"] {
            let rel = format!("{module}/{file}");
            if let Some(Ok(bytes)) = fsutil::read_inside(root, &rel, root, fsutil::MAX_CONFIG) {
                let text = String::from_utf8_lossy(&bytes);
                if applies_app_plugin(&text) {
                    return Some(read_app(module, &text));
                }
            }
        }
    }
    if modules.is_empty() {
        for file in ["build.gradle", "build.gradle.kts"] {
            if listing.has_file(file) {
                if let Some(Ok(bytes)) = fsutil::read_inside(root, file, root, fsutil::MAX_CONFIG) {
                    let text = String::from_utf8_lossy(&bytes);
                    if applies_app_plugin(&text) {
                        return Some(read_app(".", &text));
                    }
                }
            }
        }
    }
    None
}

/// The first `*.xcworkspace` or `*.xcodeproj` folder in the listing (a workspace wins: it is
/// what CocoaPods users open).
pub(crate) fn xcode_project(listing: &Listing) -> Option<String> {
    let dirs = || {
        listing
            .entries()
            .iter()
            .filter(|e| e.ty == fsutil::EntryType::Dir)
    };
    dirs()
        .find(|e| e.name.ends_with(".xcworkspace"))
        .or_else(|| dirs().find(|e| e.name.ends_with(".xcodeproj")))
        .map(|e| e.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_includes() {
        let s = "rootProject.name = 'x'\ninclude ':app', ':lib'\ninclude(\":feature:home\")\nincludeBuild('plugins')\n";
        assert_eq!(included_modules(s), ["app", "lib", "feature/home"]);
    }

    #[test]
    fn build_file_values() {
        let t = "android {\n defaultConfig {\n applicationId = \"com.example.app\"\n minSdk = 24\n targetSdkVersion 35\n versionCode 7\n versionName \"1.2\"\n }\n}";
        let a = read_app("app", t);
        assert_eq!(a.application_id.as_deref(), Some("com.example.app"));
        assert_eq!(a.min_sdk, Some(24));
        assert_eq!(a.target_sdk, Some(35));
        assert_eq!(a.version_code, Some(7));
        assert_eq!(a.version_name.as_deref(), Some("1.2"));
    }
}
