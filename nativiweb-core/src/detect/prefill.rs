//! Config prefill: what the project's own files already say about the app.
//!
//! Each source (capacitor.config, Expo's app.json, Bubblewrap's twa-manifest.json, Cordova's
//! config.xml, pubspec.yaml, the web manifest, package.json) becomes one
//! [`PartialAppConfig`] layer. Every value is checked with the same validation
//! [`AppConfig::resolve`] applies, and one that would fail is left out (`None`) rather than
//! prefilled: a prefill never makes a valid `nativiweb.toml` fail. An npm package name like
//! `@scope/my-app` is a name, never an id.

use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use serde_json::Value;

use crate::config::{
    validate_android_id, validate_bundle_id, AppConfig, ConfigError, PartialAppConfig,
};

use super::fsutil;
use super::jsconfig::JsScan;
use super::manifest::{css_color, orientation, WebManifest};
use super::native::AndroidApp;
use super::package_json::PackageJson;
use super::yaml::Yaml;

fn probe_base() -> PartialAppConfig {
    PartialAppConfig {
        id: Some("com.example.probe".into()),
        name: Some("Probe".into()),
        ..Default::default()
    }
}

/// Validation of one field. Paths (icon, web_dir) were already found inside the project with
/// symlinks checked, so the probe skips resolving them again; [`merge`] checks the whole
/// result against the root once.
fn passes(p: PartialAppConfig, _root: &Path) -> bool {
    AppConfig::resolve(p, None).is_ok()
}

/// Keeps only the values of `p` that pass validation on their own; `source` names the file in
/// the warnings given for an unusable id.
pub(crate) fn sanitize(
    p: PartialAppConfig,
    root: &Path,
    source: &str,
    warnings: &mut Vec<String>,
) -> PartialAppConfig {
    // The usual case: every value is valid, checked in one pass.
    let id_ok = p.id.as_deref().is_none_or(|id| {
        validate_android_id("id", id).is_ok() && validate_bundle_id("id", id).is_ok()
    });
    if id_ok {
        let mut probe = p.clone();
        probe.id = probe.id.or_else(|| probe_base().id);
        probe.name = probe.name.or_else(|| probe_base().name);
        if passes(probe, root) {
            return p;
        }
    }
    let mut out = PartialAppConfig::default();
    if let Some(id) = p.id {
        let android = validate_android_id("id", &id).is_ok();
        let ios = validate_bundle_id("id", &id).is_ok();
        if android && ios {
            out.id = Some(id);
        } else if android {
            warnings.push(format!(
                "{source}: app id `{id}` is a valid Android applicationId but not an iOS bundle id; prefilled only [android] application_id: set `id` in nativiweb.toml"
            ));
            out.android.application_id = Some(id);
        } else {
            warnings.push(format!(
                "{source}: `{id}` is not a valid app id (like com.example.app); not used"
            ));
        }
    }
    if let Some(a) = p.android.application_id {
        if validate_android_id("android.application_id", &a).is_ok() {
            out.android.application_id = Some(a);
        }
    }
    if let Some(b) = p.ios.bundle_id {
        if validate_bundle_id("ios.bundle_id", &b).is_ok() {
            out.ios.bundle_id = Some(b);
        }
    }
    macro_rules! keep {
        ($($field:ident).+) => {
            if let Some(v) = p.$($field).+ {
                let mut probe = probe_base();
                probe.$($field).+ = Some(v.clone());
                if passes(probe, root) {
                    out.$($field).+ = Some(v);
                }
            }
        };
    }
    keep!(name);
    keep!(version);
    keep!(build);
    keep!(web_dir);
    keep!(start_url);
    keep!(allowed_hosts);
    keep!(theme_color);
    keep!(background_color);
    keep!(icon);
    keep!(android.min_sdk);
    keep!(android.target_sdk);
    keep!(android.permissions);
    keep!(android.cleartext);
    keep!(ios.deployment_target);
    keep!(ios.team_id);
    out.orientation = p.orientation;
    out
}

/// Merges layers (first wins field by field), then drops any field the combination makes
/// invalid (a min_sdk above another source's target_sdk, say).
pub(crate) fn merge(layers: Vec<PartialAppConfig>, root: &Path) -> PartialAppConfig {
    let mut merged = layers
        .into_iter()
        .fold(PartialAppConfig::default(), |acc, l| acc.or(l));
    for _ in 0..16 {
        let mut probe = merged.clone();
        probe.id = probe.id.or_else(|| Some("com.example.probe".into()));
        probe.name = probe.name.or_else(|| Some("Probe".into()));
        match AppConfig::resolve(probe, Some(root)) {
            Ok(_) => break,
            Err(ConfigError::Invalid { field, .. }) => {
                if !clear_field(&mut merged, &field) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    merged
}

fn clear_field(p: &mut PartialAppConfig, field: &str) -> bool {
    match field {
        "id" => p.id = None,
        "name" => p.name = None,
        "version" => p.version = None,
        "build" => p.build = None,
        "web_dir" => p.web_dir = None,
        "start_url" => p.start_url = None,
        "allowed_hosts" => p.allowed_hosts = None,
        "theme_color" => p.theme_color = None,
        "background_color" => p.background_color = None,
        "icon" => p.icon = None,
        "android.application_id" => p.android.application_id = None,
        "android.min_sdk" => p.android.min_sdk = None,
        "android.target_sdk" => p.android.target_sdk = None,
        "android.permissions" => p.android.permissions = None,
        "ios.bundle_id" => p.ios.bundle_id = None,
        "ios.deployment_target" => p.ios.deployment_target = None,
        "ios.team_id" => p.ios.team_id = None,
        f if f.starts_with("name_translations") => p.name_translations = None,
        _ => return false,
    }
    true
}

fn s(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
}

fn n(v: &Value, path: &[&str]) -> Option<u64> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_u64()
        .or_else(|| cur.as_str().and_then(|x| x.trim().parse().ok()))
}

/// An icon path from a config file, if the file exists inside the project.
fn existing_icon(root: &Path, base: &Path, src: &str) -> Option<PathBuf> {
    let rel = fsutil::join_rel(base, src)?;
    (fsutil::stays_inside(&rel) && fsutil::is_file_inside(root, &rel.to_string_lossy(), root))
        .then_some(rel)
}

/// Capacitor: from capacitor.config.json (`json`) or the literals of a .ts/.js config (`js`).
pub(crate) fn capacitor(json: Option<&Value>, js: Option<&JsScan>) -> PartialAppConfig {
    let get = |path: &[&str]| -> Option<String> {
        match (json, js) {
            (Some(v), _) => s(v, path),
            (None, Some(js)) => js.get_str(path).map(str::to_owned),
            _ => None,
        }
    };
    let mut p = PartialAppConfig {
        id: get(&["appId"]),
        name: get(&["appName"]),
        start_url: get(&["server", "url"]),
        background_color: get(&["backgroundColor"]).as_deref().and_then(css_color),
        ..Default::default()
    };
    if let Some(hosts) = json
        .and_then(|v| v.get("server"))
        .and_then(|s| s.get("allowNavigation"))
        .and_then(Value::as_array)
    {
        let hosts: Vec<String> = hosts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if !hosts.is_empty() {
            p.allowed_hosts = Some(hosts);
        }
    }
    p
}

/// The Expo config object of an app.json / app.config.json: the `expo` key, or (for
/// app.config.json only) the top level when it looks like one.
pub(crate) fn expo_object<'a>(v: &'a Value, file: &str) -> Option<&'a Value> {
    if let Some(e) = v.get("expo").filter(|e| e.is_object()) {
        return Some(e);
    }
    (file.starts_with("app.config")
        && v.is_object()
        && (v.get("slug").is_some() || v.get("sdkVersion").is_some()))
    .then_some(v)
}

/// Expo: name, slug, version, android.package, android.versionCode, ios.bundleIdentifier,
/// ios.buildNumber, orientation, backgroundColor, icon.
pub(crate) fn expo(expo: &Value, root: &Path) -> PartialAppConfig {
    let mut p = PartialAppConfig {
        name: s(expo, &["name"]).or_else(|| s(expo, &["slug"])),
        version: s(expo, &["version"]),
        build: n(expo, &["android", "versionCode"]).or_else(|| n(expo, &["ios", "buildNumber"])),
        orientation: s(expo, &["orientation"]).as_deref().and_then(orientation),
        background_color: s(expo, &["backgroundColor"]).as_deref().and_then(css_color),
        theme_color: s(expo, &["primaryColor"]).as_deref().and_then(css_color),
        icon: s(expo, &["icon"]).and_then(|i| existing_icon(root, Path::new(""), &i)),
        ..Default::default()
    };
    let android = s(expo, &["android", "package"]);
    let ios = s(expo, &["ios", "bundleIdentifier"]);
    match (android, ios) {
        (Some(a), Some(i)) if a == i => p.id = Some(a),
        (Some(a), Some(i)) => {
            p.id = Some(a);
            p.ios.bundle_id = Some(i);
        }
        (Some(a), None) => p.id = Some(a),
        (None, Some(i)) => p.id = Some(i),
        (None, None) => {}
    }
    p
}

/// Expo from the literals of app.config.js/ts (under `expo` or at the top level).
pub(crate) fn expo_js(js: &JsScan) -> PartialAppConfig {
    let get = |path: &[&str]| -> Option<String> {
        let mut with_expo = vec!["expo"];
        with_expo.extend_from_slice(path);
        js.get_str(&with_expo)
            .or_else(|| js.get_str(path))
            .map(str::to_owned)
    };
    let mut p = PartialAppConfig {
        name: get(&["name"]).or_else(|| get(&["slug"])),
        version: get(&["version"]),
        ..Default::default()
    };
    let android = get(&["android", "package"]);
    let ios = get(&["ios", "bundleIdentifier"]);
    p.id = android.clone().or(ios.clone());
    if android.is_some() && ios.is_some() && android != ios {
        p.ios.bundle_id = ios;
    }
    p
}

/// Bubblewrap's twa-manifest.json: a Trusted Web Activity of a remote site.
pub(crate) fn twa(v: &Value) -> PartialAppConfig {
    let host = s(v, &["host"]).map(|h| {
        h.trim_start_matches("https://")
            .trim_end_matches('/')
            .to_owned()
    });
    let start = s(v, &["startUrl"]).unwrap_or_else(|| "/".into());
    let start_url = host.as_ref().map(|h| {
        if start.starts_with('/') {
            format!("https://{h}{start}")
        } else {
            format!("https://{h}/{start}")
        }
    });
    let mut p = PartialAppConfig {
        id: s(v, &["packageId"]),
        name: s(v, &["launcherName"]).or_else(|| s(v, &["name"])),
        version: s(v, &["appVersionName"]).or_else(|| s(v, &["appVersion"])),
        build: n(v, &["appVersionCode"]),
        start_url,
        orientation: s(v, &["orientation"]).as_deref().and_then(orientation),
        theme_color: s(v, &["themeColor"]).as_deref().and_then(css_color),
        background_color: s(v, &["backgroundColor"]).as_deref().and_then(css_color),
        ..Default::default()
    };
    p.android.min_sdk = n(v, &["minSdkVersion"]).and_then(|x| u32::try_from(x).ok());
    p
}

/// What Cordova's config.xml says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CordovaConfig {
    /// Whether the root element is `<widget>` (what makes it Cordova's).
    pub is_widget: bool,
    /// The prefill layer.
    pub prefill: PartialAppConfig,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.trim().to_owned())
        })
        .filter(|v| !v.is_empty())
}

/// Parses config.xml: `<widget id version android-versionCode>`, `<name>`, `<content src>`,
/// the Orientation / BackgroundColor / android-minSdkVersion / android-targetSdkVersion
/// preferences and the first existing `<icon src>`. Entities other than XML's five are never
/// expanded (quick-xml does not read DTDs), so a hostile file cannot balloon.
pub(crate) fn cordova(text: &str, root: &Path) -> Result<CordovaConfig, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = CordovaConfig::default();
    let mut depth = 0usize;
    let mut in_name = false;
    let mut name_text = String::new();
    let mut is_first = true;
    let mut platform: Option<String> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} at byte {}", reader.buffer_position()))?;
        match event {
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (e, empty) = match ev {
                    Event::Start(e) => (e, false),
                    Event::Empty(e) => (e, true),
                    _ => continue,
                };
                let local = e.local_name();
                let tag = local.as_ref();
                if is_first {
                    is_first = false;
                    if tag != "widget" {
                        return Ok(out);
                    }
                    out.is_widget = true;
                    out.prefill.id = attr(&e, "id");
                    out.prefill.version = attr(&e, "version");
                    out.prefill.build =
                        attr(&e, "android-versionCode").and_then(|v| v.parse().ok());
                }
                match tag {
                    "name" if depth == 1 && !empty && out.prefill.name.is_none() => {
                        in_name = true;
                        name_text.clear();
                    }
                    "platform" => platform = attr(&e, "name"),
                    "content" if depth == 1 => {
                        out.prefill.start_url = attr(&e, "src");
                    }
                    "preference" => {
                        let key = attr(&e, "name").unwrap_or_default().to_ascii_lowercase();
                        let value = attr(&e, "value").unwrap_or_default();
                        let applies = platform.as_deref().is_none_or(|p| p == "android");
                        match key.as_str() {
                            "orientation" => out.prefill.orientation = orientation(&value),
                            "backgroundcolor" => {
                                // Cordova writes 0xAARRGGBB.
                                let hex = value.trim_start_matches("0x").trim_start_matches('#');
                                out.prefill.background_color = match hex.len() {
                                    8 if hex[..2].eq_ignore_ascii_case("ff") => {
                                        css_color(&format!("#{}", &hex[2..]))
                                    }
                                    6 => css_color(&format!("#{hex}")),
                                    _ => None,
                                };
                            }
                            "android-minsdkversion" if applies => {
                                out.prefill.android.min_sdk = value.parse().ok()
                            }
                            "android-targetsdkversion" if applies => {
                                out.prefill.android.target_sdk = value.parse().ok()
                            }
                            _ => {}
                        }
                    }
                    "icon" if out.prefill.icon.is_none() => {
                        if let Some(src) = attr(&e, "src") {
                            out.prefill.icon = existing_icon(root, Path::new(""), &src);
                        }
                    }
                    "allow-navigation" if depth == 1 => {
                        // `https://*.example.com/*` -> `*.example.com`; `*` (anything) and
                        // non-https patterns are not hosts nativiweb can allow.
                        if let Some(host) = attr(&e, "href")
                            .as_deref()
                            .and_then(|h| h.strip_prefix("https://"))
                            .map(|h| h.split(['/', ':', '?']).next().unwrap_or("").to_owned())
                            .filter(|h| !h.is_empty() && h != "*")
                        {
                            out.prefill
                                .allowed_hosts
                                .get_or_insert_with(Vec::new)
                                .push(host);
                        }
                    }
                    _ => {}
                }
                // `Empty` elements (`<platform name="x"/>`) have no End event.
                if empty {
                    if tag == "platform" {
                        platform = None;
                    }
                } else {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let local = e.local_name();
                match local.as_ref() {
                    "name" if in_name => {
                        in_name = false;
                        let t = name_text.trim();
                        if !t.is_empty() {
                            out.prefill.name = Some(t.to_owned());
                        }
                    }
                    "platform" => platform = None,
                    _ => {}
                }
            }
            Event::Text(t) if in_name => name_text.push_str(&t.xml10_content()),
            Event::CData(t) if in_name => {
                name_text.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if in_name => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    name_text.push(c);
                } else {
                    let entity = r.into_inner();
                    name_text.push_str(match entity.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if is_first {
        return Err("no root element".into());
    }
    Ok(out)
}

/// pubspec.yaml: `name`, and `version: 1.2.3+45` -> version 1.2.3, build 45.
pub(crate) fn pubspec(y: &Yaml) -> PartialAppConfig {
    let mut p = PartialAppConfig {
        name: y.get("name").and_then(Yaml::as_str).map(str::to_owned),
        ..Default::default()
    };
    if let Some(v) = y.get("version").and_then(Yaml::as_str) {
        let (version, build) = match v.split_once('+') {
            Some((v, b)) => (v, b.parse().ok()),
            None => (v, None),
        };
        p.version = Some(version.trim().to_owned());
        p.build = build;
    }
    p
}

/// True when pubspec.yaml depends on the Flutter SDK (`dependencies: flutter: sdk: flutter`).
pub(crate) fn pubspec_is_flutter(y: &Yaml) -> bool {
    y.get("dependencies")
        .and_then(|d| d.get("flutter"))
        .and_then(|f| f.get("sdk"))
        .and_then(Yaml::as_str)
        == Some("flutter")
}

/// package.json: `productName`/`displayName`, else `name` without its npm scope; `version`.
/// Never an id: npm names are not app ids.
pub(crate) fn package_json(pkg: &PackageJson) -> PartialAppConfig {
    let name = pkg.product_name.clone().or_else(|| {
        pkg.name.as_deref().map(|n| match n.strip_prefix('@') {
            Some(scoped) => scoped.split_once('/').map_or(scoped, |(_, n)| n).to_owned(),
            None => n.to_owned(),
        })
    });
    PartialAppConfig {
        name: name.filter(|n| !n.trim().is_empty()),
        version: pkg.version.clone(),
        ..Default::default()
    }
}

/// The web manifest: `short_name` (the launcher label) or `name`, start_url, orientation,
/// colours and the best icon.
pub(crate) fn web_manifest(m: &WebManifest) -> PartialAppConfig {
    PartialAppConfig {
        name: m.short_name.clone().or_else(|| m.name.clone()),
        start_url: m.start_url.clone(),
        orientation: m.orientation,
        theme_color: m.theme_color.clone(),
        background_color: m.background_color.clone(),
        icon: m.icon.clone(),
        ..Default::default()
    }
}

/// A native Android project's app module build file.
pub(crate) fn android(app: &AndroidApp) -> PartialAppConfig {
    let mut p = PartialAppConfig {
        id: app.application_id.clone(),
        version: app.version_name.clone(),
        build: app.version_code,
        ..Default::default()
    };
    p.android.min_sdk = app.min_sdk;
    p.android.target_sdk = app.target_sdk;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cordova_config() {
        let root = std::env::temp_dir();
        let c = cordova(
            r#"<?xml version='1.0' encoding='utf-8'?>
<widget id="com.example.hello" version="1.2.0" android-versionCode="12" xmlns="http://www.w3.org/ns/widgets">
  <name>Hello &amp; Co</name>
  <content src="index.html" />
  <preference name="Orientation" value="portrait" />
  <platform name="ios"><preference name="android-minSdkVersion" value="19" /></platform>
  <preference name="android-minSdkVersion" value="24" />
  <preference name="BackgroundColor" value="0xff112233" />
  <allow-navigation href="https://*.example.com/*" />
  <allow-navigation href="http://insecure.example.com/*" />
  <allow-navigation href="*" />
</widget>"#,
            &root,
        )
        .unwrap();
        assert!(c.is_widget);
        let p = c.prefill;
        assert_eq!(p.id.as_deref(), Some("com.example.hello"));
        assert_eq!(p.name.as_deref(), Some("Hello & Co"));
        assert_eq!(p.version.as_deref(), Some("1.2.0"));
        assert_eq!(p.build, Some(12));
        assert_eq!(p.start_url.as_deref(), Some("index.html"));
        assert_eq!(p.android.min_sdk, Some(24));
        assert_eq!(p.background_color.as_deref(), Some("#112233"));
        assert_eq!(p.allowed_hosts, Some(vec!["*.example.com".to_owned()]));
        assert!(!cordova("<plist><dict/></plist>", &root).unwrap().is_widget);
        assert!(cordova("<widget><name>x</nome></widget>", &root).is_err());
    }

    #[test]
    fn scoped_name_is_a_name() {
        let pkg = PackageJson {
            name: Some("@scope/my-app".into()),
            ..Default::default()
        };
        let p = package_json(&pkg);
        assert_eq!(p.name.as_deref(), Some("my-app"));
        assert_eq!(p.id, None);
    }

    #[test]
    fn sanitize_drops_invalid_values() {
        let root = std::env::temp_dir();
        let mut w = Vec::new();
        let p = sanitize(
            PartialAppConfig {
                id: Some("com.example.my_app".into()),
                version: Some("nightly".into()),
                build: Some(0),
                theme_color: Some("#123456".into()),
                start_url: Some("http://192.168.0.2:8100".into()),
                ..Default::default()
            },
            &root,
            "x",
            &mut w,
        );
        assert_eq!(p.id, None);
        assert_eq!(
            p.android.application_id.as_deref(),
            Some("com.example.my_app")
        );
        assert_eq!(p.version, None);
        assert_eq!(p.build, None);
        assert_eq!(p.start_url, None);
        assert_eq!(p.theme_color.as_deref(), Some("#123456"));
        assert_eq!(w.len(), 1);
    }
}
