//! The generator without external tools: the tree it writes, what the files say, determinism,
//! regeneration, the bundle filter, icons and errors. (The parsers that check the formats
//! independently are in `oracles.rs`.)

mod common;

use std::path::{Path, PathBuf};

use common::*;
use nativiweb_ios::{
    Capabilities, ExportMethod, GenerateError, GenerateOptions, Signing, UsageDescriptions,
    XcodeProject,
};

const PBXPROJ: &str = "App.xcodeproj/project.pbxproj";

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn plist_dict(out: &Path, rel: &str) -> plist::Dictionary {
    plist::Value::from_file(out.join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .into_dictionary()
        .unwrap()
}

fn paths(v: &[PathBuf]) -> Vec<String> {
    v.iter().map(|p| p.to_string_lossy().into_owned()).collect()
}

#[test]
fn writes_the_project_tree_and_the_filtered_bundle() {
    let (dir, dist) = project();
    let app = app("version = \"1.2.0\"\nbuild = 42\n[ios]\nteam_id = \"ABCDE12345\"\n");
    let out = dir.path().join("ios");
    let g = generate(&app, Some(&dist), dir.path(), &out, &GenerateOptions::new());

    let files: Vec<String> = tree(&out).into_keys().collect();
    let expected = [
        ".nativiweb/.gitignore",
        ".nativiweb/generated.json",
        "App.xcodeproj/project.pbxproj",
        "App.xcodeproj/xcshareddata/xcschemes/App.xcscheme",
        "App/AppDelegate.swift",
        "App/AppSchemeHandler.swift",
        "App/Assets.xcassets/AccentColor.colorset/Contents.json",
        "App/Assets.xcassets/AppIcon.appiconset/AppIcon.png",
        "App/Assets.xcassets/AppIcon.appiconset/Contents.json",
        "App/Assets.xcassets/Contents.json",
        "App/Assets.xcassets/LaunchBackground.colorset/Contents.json",
        "App/Info.plist",
        "App/PrivacyInfo.xcprivacy",
        "App/SceneDelegate.swift",
        "App/ShellSettings.swift",
        "App/WebViewController.swift",
        "App/nativiweb.json",
        "App/www/.well-known/assetlinks.json",
        "App/www/about.html",
        "App/www/app.js",
        "App/www/docs/index.html",
        "App/www/img/logo.svg",
        "App/www/index.html",
        "App/www/style.css",
        "ExportOptions.plist",
    ];
    assert_eq!(files, expected);
    // No entitlements file without capabilities.
    assert!(!out.join("App/App.entitlements").exists());

    // The result lists every project file as written, and the bundle.
    assert_eq!(g.written.len(), 17, "{:?}", g.written);
    assert!(g.unchanged.is_empty() && g.kept.is_empty() && g.removed.is_empty());
    assert_eq!(g.project, out.join("App.xcodeproj"));
    assert_eq!(g.scheme, "App");
    assert_eq!(g.web_files, 7);
    // The filter left out the secrets, dependencies, config and old builds, and said so.
    let left: Vec<&str> = g.left_out.iter().map(|l| l.rel.as_str()).collect();
    for name in [
        ".env",
        "release.p12",
        "node_modules",
        "nativiweb.toml",
        "old.ipa",
    ] {
        assert!(left.contains(&name), "{name} not left out: {left:?}");
    }
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains(".env") && w.contains("release.p12")),
        "{:?}",
        g.warnings
    );
    // The generated files are readable as their kinds.
    for (rel, bytes) in tree(&out) {
        if rel.ends_with(".json") && !rel.starts_with("App/www/") {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("{rel}: {e}"));
        }
    }
    assert!(g.warnings.iter().all(|w| !w.contains("team id")));
}

#[test]
fn the_files_say_what_the_config_says() {
    let (dir, dist) = project();
    let app = app(concat!(
        "name = \"Hello World\"\nversion = \"2.3.4\"\nbuild = 77\norientation = \"portrait\"\n",
        "theme_color = \"#0d6efd\"\nbackground_color = \"#102030\"\n",
        "allowed_hosts = [\"api.example.com\"]\n",
        "[android]\npermissions = [\"CAMERA\", \"RECORD_AUDIO\"]\n",
        "[ios]\nbundle_id = \"com.example.hello-ios\"\ndeployment_target = \"16.0\"\nteam_id = \"ABCDE12345\"\n",
    ));
    let out = dir.path().join("ios");
    let options = GenerateOptions::new()
        .usage_descriptions(UsageDescriptions::default().camera("Scan receipts."));
    let g = generate(&app, Some(&dist), dir.path(), &out, &options);

    let pbx = read(&out, PBXPROJ);
    for line in [
        "PRODUCT_BUNDLE_IDENTIFIER = \"com.example.hello-ios\";",
        "MARKETING_VERSION = 2.3.4;",
        "CURRENT_PROJECT_VERSION = 77;",
        "DEVELOPMENT_TEAM = ABCDE12345;",
        "IPHONEOS_DEPLOYMENT_TARGET = 16.0;",
        "CODE_SIGN_STYLE = Automatic;",
        "INFOPLIST_FILE = App/Info.plist;",
    ] {
        // Debug and Release of the target (and the project, for the deployment target).
        assert!(pbx.matches(line).count() >= 2, "{line} missing:\n{pbx}");
    }
    assert!(
        pbx.contains("lastKnownFileType = folder; path = www;"),
        "{pbx}"
    );

    let info = plist_dict(&out, "App/Info.plist");
    let s = |k: &str| info.get(k).and_then(|v| v.as_string()).map(str::to_owned);
    assert_eq!(s("CFBundleDisplayName").as_deref(), Some("Hello World"));
    assert_eq!(
        s("CFBundleShortVersionString").as_deref(),
        Some("$(MARKETING_VERSION)")
    );
    assert_eq!(
        s("CFBundleVersion").as_deref(),
        Some("$(CURRENT_PROJECT_VERSION)")
    );
    assert_eq!(s("CFBundleIconName").as_deref(), Some("AppIcon"));
    assert_eq!(
        info.get("ITSAppUsesNonExemptEncryption")
            .and_then(|v| v.as_boolean()),
        Some(false)
    );
    let orientations = |k: &str| -> Vec<String> {
        info.get(k)
            .and_then(|v| v.as_array())
            .unwrap()
            .iter()
            .map(|v| v.as_string().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        orientations("UISupportedInterfaceOrientations"),
        ["UIInterfaceOrientationPortrait"]
    );
    assert_eq!(
        info.get("UIRequiresFullScreen")
            .and_then(|v| v.as_boolean()),
        Some(true)
    );
    assert_eq!(
        info.get("UILaunchScreen")
            .and_then(|v| v.as_dictionary())
            .and_then(|d| d.get("UIColorName"))
            .and_then(|v| v.as_string()),
        Some("LaunchBackground")
    );
    // The given camera text; a generic microphone text (with a warning); no location.
    assert_eq!(
        s("NSCameraUsageDescription").as_deref(),
        Some("Scan receipts.")
    );
    assert!(s("NSMicrophoneUsageDescription").is_some());
    assert!(s("NSLocationWhenInUseUsageDescription").is_none());
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("NSMicrophoneUsageDescription")
                && !w.contains("NSCameraUsageDescription")),
        "{:?}",
        g.warnings
    );

    let privacy = plist_dict(&out, "App/PrivacyInfo.xcprivacy");
    assert_eq!(
        privacy
            .get("NSPrivacyTracking")
            .and_then(|v| v.as_boolean()),
        Some(false)
    );
    for key in [
        "NSPrivacyAccessedAPITypes",
        "NSPrivacyCollectedDataTypes",
        "NSPrivacyTrackingDomains",
    ] {
        assert_eq!(
            privacy.get(key).and_then(|v| v.as_array()).map(Vec::len),
            Some(0),
            "{key}"
        );
    }

    // The shell's settings: served from app://localhost, typed by the bundle's extensions.
    let settings: serde_json::Value =
        serde_json::from_str(&read(&out, "App/nativiweb.json")).unwrap();
    assert_eq!(settings["start_url"], "app://localhost/");
    assert_eq!(settings["asset_host"], "localhost");
    assert_eq!(settings["asset_root"], "www");
    assert_eq!(
        settings["allowed_hosts"],
        serde_json::json!(["api.example.com"])
    );
    assert_eq!(settings["theme_color"], "#0d6efd");
    assert_eq!(settings["background_color"], "#102030");
    assert_eq!(
        settings["mime"]["svg"],
        serde_json::json!(["image/svg+xml", "utf-8"])
    );
    assert_eq!(settings["mime"]["js"][0], "text/javascript");

    // The colour sets.
    let launch: serde_json::Value = serde_json::from_str(&read(
        &out,
        "App/Assets.xcassets/LaunchBackground.colorset/Contents.json",
    ))
    .unwrap();
    let c = &launch["colors"][0]["color"]["components"];
    assert_eq!(
        (&c["red"], &c["green"], &c["blue"]),
        (&"0x10".into(), &"0x20".into(), &"0x30".into())
    );

    let export = plist_dict(&out, "ExportOptions.plist");
    assert_eq!(
        export.get("method").and_then(|v| v.as_string()),
        Some("app-store-connect")
    );
    assert_eq!(
        export.get("signingStyle").and_then(|v| v.as_string()),
        Some("automatic")
    );
    assert_eq!(
        export.get("teamID").and_then(|v| v.as_string()),
        Some("ABCDE12345")
    );
    assert!(export.get("provisioningProfiles").is_none());
}

#[test]
fn manual_signing_capabilities_and_translations() {
    let (dir, dist) = project();
    let app = app(concat!(
        "[name_translations]\nfr = \"Bonjour\"\npt-BR = \"Olá \\\"app\\\"\"\n",
        "[ios]\nteam_id = \"ABCDE12345\"\n",
    ));
    let out = dir.path().join("ios");
    let options = GenerateOptions::new()
        .signing(Signing::Manual {
            profile: "Hello App Store".into(),
            identity: None,
        })
        .export_method(ExportMethod::ReleaseTesting)
        .capabilities(
            Capabilities::default()
                .associated_domains(["applinks:example.com", "webcredentials:*.example.com"])
                .push_notifications(true),
        );
    generate(&app, Some(&dist), dir.path(), &out, &options);

    let pbx = read(&out, PBXPROJ);
    assert!(pbx.contains("CODE_SIGN_STYLE = Manual;"));
    assert!(pbx.contains("PROVISIONING_PROFILE_SPECIFIER = \"Hello App Store\";"));
    assert!(pbx.contains("CODE_SIGN_IDENTITY = \"Apple Distribution\";"));
    assert!(pbx.contains("CODE_SIGN_ENTITLEMENTS = App/App.entitlements;"));
    assert!(pbx.contains("isa = PBXVariantGroup;"));
    assert!(pbx.contains("path = fr.lproj/InfoPlist.strings;"));
    assert!(pbx.contains("path = \"pt-BR.lproj/InfoPlist.strings\";"));

    let export = plist_dict(&out, "ExportOptions.plist");
    assert_eq!(
        export.get("method").and_then(|v| v.as_string()),
        Some("release-testing")
    );
    assert_eq!(
        export.get("signingStyle").and_then(|v| v.as_string()),
        Some("manual")
    );
    let profiles = export
        .get("provisioningProfiles")
        .and_then(|v| v.as_dictionary())
        .unwrap();
    assert_eq!(
        profiles
            .get("com.example.hello")
            .and_then(|v| v.as_string()),
        Some("Hello App Store")
    );

    let ent = plist_dict(&out, "App/App.entitlements");
    assert_eq!(
        ent.get("aps-environment").and_then(|v| v.as_string()),
        Some("development")
    );
    assert_eq!(
        ent.get("com.apple.developer.associated-domains")
            .and_then(|v| v.as_array())
            .map(Vec::len),
        Some(2)
    );

    let pt = read(&out, "App/pt-BR.lproj/InfoPlist.strings");
    assert!(
        pt.contains(r#""CFBundleDisplayName" = "Olá \"app\"";"#),
        "{pt}"
    );
    assert!(read(&out, "App/fr.lproj/InfoPlist.strings").contains("\"Bonjour\""));
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let (dir, dist) = project();
    let app = app("version = \"1.0.1\"\n[name_translations]\nde = \"Hallo\"\n");
    let options =
        GenerateOptions::new().capabilities(Capabilities::default().push_notifications(true));
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    generate(&app, Some(&dist), dir.path(), &a, &options);
    generate(&app, Some(&dist), dir.path(), &b, &options);
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (rel, bytes) in &ta {
        assert!(bytes == &tb[rel], "{rel} differs between two generations");
    }

    // Generating again in place changes nothing.
    let again = generate(&app, Some(&dist), dir.path(), &a, &options);
    assert!(again.written.is_empty(), "{:?}", again.written);
    assert_eq!(
        again.unchanged.len(),
        ta.len() - 1 - 7,
        "{:?}",
        again.unchanged
    );
    assert_eq!(tree(&a), ta);
}

#[test]
fn regeneration_keeps_edits_and_refreshes_the_rest() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    let v1 = app("version = \"1.0.0\"\nbuild = 1\n");
    generate(&v1, Some(&dist), dir.path(), &out, &GenerateOptions::new());

    // The user edits a Swift file.
    let controller = out.join("App/WebViewController.swift");
    let edited = format!(
        "{}\n// my change\n",
        read(&out, "App/WebViewController.swift")
    );
    std::fs::write(&controller, &edited).unwrap();

    // The config changes: new version, name and colours.
    let v2 = app("name = \"Hello 2\"\nversion = \"2.0.0\"\nbuild = 2\ntheme_color = \"#123456\"\n");
    let g = generate(&v2, Some(&dist), dir.path(), &out, &GenerateOptions::new());

    // The edit is kept, nativiweb's version put beside it, and the user told.
    assert_eq!(read(&out, "App/WebViewController.swift"), edited);
    assert_eq!(g.kept.len(), 1, "{:?}", g.kept);
    assert_eq!(g.kept[0].path, Path::new("App/WebViewController.swift"));
    assert_eq!(
        g.kept[0].ours,
        Path::new(".nativiweb/pending/App/WebViewController.swift")
    );
    assert_eq!(
        std::fs::read_to_string(out.join(&g.kept[0].ours)).unwrap(),
        nativiweb_ios::shell::SWIFT_SOURCES
            .iter()
            .find(|(n, _)| *n == "WebViewController.swift")
            .unwrap()
            .1
    );
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("App/WebViewController.swift") && w.contains("kept")),
        "{:?}",
        g.warnings
    );
    // Unchanged files that depend on the config were refreshed.
    let written = paths(&g.written);
    for rel in [
        PBXPROJ,
        "App/Info.plist",
        "App/nativiweb.json",
        "App/Assets.xcassets/AccentColor.colorset/Contents.json",
        "App/Assets.xcassets/AppIcon.appiconset/AppIcon.png",
    ] {
        assert!(
            written.contains(&rel.to_owned()),
            "{rel} not rewritten: {written:?}"
        );
    }
    assert!(read(&out, PBXPROJ).contains("MARKETING_VERSION = 2.0.0;"));
    assert!(read(&out, "App/Info.plist").contains("<string>Hello 2</string>"));
    // Files that do not depend on it were left alone.
    assert!(paths(&g.unchanged).contains(&"App/AppDelegate.swift".to_owned()));

    // Still edited on the next run: still kept (the manifest remembers nativiweb's hash).
    let g = generate(&v2, Some(&dist), dir.path(), &out, &GenerateOptions::new());
    assert_eq!(g.kept.len(), 1);
    assert!(g.written.is_empty(), "{:?}", g.written);

    // Deleting the file brings nativiweb's version back; so does overwrite_edits.
    std::fs::remove_file(&controller).unwrap();
    let g = generate(&v2, Some(&dist), dir.path(), &out, &GenerateOptions::new());
    assert!(g.kept.is_empty());
    assert!(!read(&out, "App/WebViewController.swift").contains("my change"));
    assert!(!out.join(".nativiweb/pending").exists());

    std::fs::write(&controller, &edited).unwrap();
    let g = generate(
        &v2,
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new().overwrite_edits(true),
    );
    assert!(g.kept.is_empty());
    assert!(!read(&out, "App/WebViewController.swift").contains("my change"));
    assert!(
        g.warnings.iter().any(|w| w.contains("overwrote")),
        "{:?}",
        g.warnings
    );
}

#[test]
fn an_edited_project_file_is_kept_with_the_owned_settings_updated() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    let v1 = app("version = \"1.0.0\"\nbuild = 1\n[ios]\nteam_id = \"ABCDE12345\"\n");
    generate(&v1, Some(&dist), dir.path(), &out, &GenerateOptions::new());

    // The user changes a setting in Xcode.
    let pbx_path = out.join(PBXPROJ);
    let edited = read(&out, PBXPROJ).replace("SWIFT_VERSION = 5.0;", "SWIFT_VERSION = 6.0;");
    std::fs::write(&pbx_path, &edited).unwrap();

    let v2 = app("version = \"1.1.0\"\nbuild = 9\n[ios]\nteam_id = \"ZYXWV98765\"\n");
    let g = generate(&v2, Some(&dist), dir.path(), &out, &GenerateOptions::new());
    let now = read(&out, PBXPROJ);
    // The user's edit stays; the config's values are current.
    assert_eq!(now.matches("SWIFT_VERSION = 6.0;").count(), 2);
    assert_eq!(now.matches("CURRENT_PROJECT_VERSION = 9;").count(), 2);
    assert_eq!(now.matches("MARKETING_VERSION = 1.1.0;").count(), 2);
    assert_eq!(now.matches("DEVELOPMENT_TEAM = ZYXWV98765;").count(), 2);
    assert!(!now.contains("ABCDE12345"));
    plist::Value::from_reader_ascii(now.as_bytes()).unwrap();

    let kept = g
        .kept
        .iter()
        .find(|k| k.path == Path::new(PBXPROJ))
        .expect("project file kept");
    let mut updated = kept.updated_settings.clone();
    updated.sort();
    assert_eq!(
        updated,
        [
            "CURRENT_PROJECT_VERSION",
            "DEVELOPMENT_TEAM",
            "MARKETING_VERSION"
        ]
    );
    // nativiweb's full version is beside it.
    let ours = std::fs::read_to_string(out.join(&kept.ours)).unwrap();
    assert!(ours.contains("SWIFT_VERSION = 5.0;") && ours.contains("CURRENT_PROJECT_VERSION = 9;"));
}

#[test]
fn files_no_longer_generated_are_removed_unless_edited() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    let with =
        GenerateOptions::new().capabilities(Capabilities::default().push_notifications(true));
    let app1 = app("[name_translations]\nfr = \"Bonjour\"\n");
    generate(&app1, Some(&dist), dir.path(), &out, &with);
    assert!(out.join("App/App.entitlements").exists());
    assert!(out.join("App/fr.lproj/InfoPlist.strings").exists());
    // The user edits the translation.
    std::fs::write(
        out.join("App/fr.lproj/InfoPlist.strings"),
        "\"CFBundleDisplayName\" = \"Salut\";\n",
    )
    .unwrap();

    let app2 = app("");
    let g = generate(
        &app2,
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new(),
    );
    assert_eq!(paths(&g.removed), ["App/App.entitlements"]);
    assert!(!out.join("App/App.entitlements").exists());
    assert!(out.join("App/fr.lproj/InfoPlist.strings").exists());
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("App/fr.lproj/InfoPlist.strings") && w.contains("no longer")),
        "{:?}",
        g.warnings
    );
    assert!(!read(&out, PBXPROJ).contains("CODE_SIGN_ENTITLEMENTS"));
}

#[test]
fn the_web_bundle_is_mirrored() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    let app = app("");
    generate(&app, Some(&dist), dir.path(), &out, &GenerateOptions::new());
    std::fs::remove_file(dist.join("about.html")).unwrap();
    std::fs::remove_dir_all(dist.join("docs")).unwrap();
    std::fs::write(dist.join("app.js"), "console.log('v2')").unwrap();
    std::fs::write(dist.join("new.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(out.join("App/www/stray.txt"), "left by hand").unwrap();

    let g = generate(&app, Some(&dist), dir.path(), &out, &GenerateOptions::new());
    let www: Vec<String> = tree(&out.join("App/www")).into_keys().collect();
    assert_eq!(
        www,
        [
            ".well-known/assetlinks.json",
            "app.js",
            "img/logo.svg",
            "index.html",
            "new.wasm",
            "style.css"
        ]
    );
    assert_eq!(read(&out, "App/www/app.js"), "console.log('v2')");
    assert_eq!(g.web_files, 6);
    // The new extension got its MIME type.
    assert!(read(&out, "App/nativiweb.json").contains("application/wasm"));
}

#[test]
fn the_output_folder_inside_the_bundle_is_never_copied() {
    let (_dir, dist) = project();
    // A static site whose bundle is the project folder itself, with the project generated
    // inside it.
    std::fs::write(dist.join("README.md"), "# readme").unwrap();
    let out = dist.join("ios");
    let app = app("");
    generate(&app, Some(&dist), &dist, &out, &GenerateOptions::new());
    let g = generate(&app, Some(&dist), &dist, &out, &GenerateOptions::new());
    let www: Vec<String> = tree(&out.join("App/www")).into_keys().collect();
    assert!(www.iter().all(|f| !f.starts_with("ios/")), "{www:?}");
    assert!(!www.contains(&"README.md".to_owned()), "{www:?}");
    assert!(g.left_out.iter().any(|l| l.rel == "ios"));
}

#[test]
fn a_remote_app_needs_no_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ios");
    let app = app("start_url = \"https://example.com/app\"\n");
    let g = generate(&app, None, dir.path(), &out, &GenerateOptions::new());
    assert!(!out.join("App/www").exists());
    assert_eq!(g.web_files, 0);
    assert!(!read(&out, PBXPROJ).contains("www"));
    let settings: serde_json::Value =
        serde_json::from_str(&read(&out, "App/nativiweb.json")).unwrap();
    assert_eq!(settings["start_url"], "https://example.com/app");
    assert_eq!(
        settings["allowed_hosts"],
        serde_json::json!(["example.com"])
    );
    // A team id is missing: said once.
    assert_eq!(
        g.warnings.iter().filter(|w| w.contains("team_id")).count(),
        1
    );
}

fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba(pixel(x, y)));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn icon(out: &Path) -> image::DynamicImage {
    image::load_from_memory(
        &std::fs::read(out.join("App/Assets.xcassets/AppIcon.appiconset/AppIcon.png")).unwrap(),
    )
    .unwrap()
}

#[test]
fn the_icon_is_opaque_1024_px() {
    // Without an icon: the first letter on the theme colour.
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    let app1 = app("name = \"zebra\"\ntheme_color = \"#204080\"\n");
    generate(
        &app1,
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new(),
    );
    let img = icon(&out);
    assert_eq!((img.width(), img.height()), (1024, 1024));
    assert!(!img.color().has_alpha());
    let rgb = img.to_rgb8();
    assert_eq!(rgb.get_pixel(0, 0).0, [0x20, 0x40, 0x80]);
    // The Z's top bar crosses the middle column in the top quarter: white ink on navy.
    let ink = (256..512).any(|y| rgb.get_pixel(512, y).0 == [0xff, 0xff, 0xff]);
    assert!(ink, "no letter drawn");

    // The app's icon, with transparency: flattened onto the background colour.
    std::fs::write(
        dir.path().join("icon.png"),
        png(64, 64, |x, _| {
            if x < 32 {
                [255, 0, 0, 255]
            } else {
                [0, 0, 0, 0]
            }
        }),
    )
    .unwrap();
    let app2 = app("icon = \"icon.png\"\nbackground_color = \"#00ff00\"\n");
    let g = generate(
        &app2,
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new(),
    );
    let rgb = icon(&out).to_rgb8();
    assert_eq!(rgb.dimensions(), (1024, 1024));
    assert_eq!(rgb.get_pixel(10, 500).0, [255, 0, 0]);
    assert_eq!(rgb.get_pixel(1000, 500).0, [0, 255, 0]);
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("64×64") && w.contains("scaled up")),
        "{:?}",
        g.warnings
    );
}

#[test]
fn bad_icons_are_errors_naming_the_file() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    std::fs::write(
        dir.path().join("wide.png"),
        png(64, 32, |_, _| [0, 0, 0, 255]),
    )
    .unwrap();
    std::fs::write(dir.path().join("icon.jpg"), b"\xff\xd8\xff\xe0 not a png").unwrap();
    for (file, says) in [
        ("wide.png", "square"),
        ("icon.jpg", "not a PNG"),
        ("missing.png", "not found"),
    ] {
        let app = app(&format!("icon = \"{file}\"\n"));
        let e =
            XcodeProject::generate(&app, Some(&dist), dir.path(), &out, &GenerateOptions::new())
                .unwrap_err();
        assert!(matches!(e, GenerateError::Icon { .. }), "{e:?}");
        assert_eq!(e.field(), Some("icon"));
        assert!(e.is_input());
        let msg = e.to_string();
        assert!(msg.contains(file) && msg.contains(says), "{msg}");
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    let gen =
        |app: &nativiweb_core::AppConfig, web: Option<&Path>, out: &Path, o: &GenerateOptions| {
            XcodeProject::generate(app, web, dir.path(), out, o).unwrap_err()
        };

    let e = gen(&app(""), None, &out, &GenerateOptions::new());
    assert!(matches!(e, GenerateError::NoWebBundle { .. }), "{e}");
    assert_eq!(e.field(), Some("web_dir"));

    let e = gen(
        &app(""),
        Some(&dir.path().join("nope")),
        &out,
        &GenerateOptions::new(),
    );
    assert!(matches!(e, GenerateError::WebDirMissing { .. }), "{e}");
    assert!(e.to_string().contains("nope"));

    let e = gen(
        &app("[ios]\ndeployment_target = \"12.4\"\n"),
        Some(&dist),
        &out,
        &GenerateOptions::new(),
    );
    assert_eq!(e.field(), Some("ios.deployment_target"), "{e}");
    assert!(e.to_string().contains("13.0"));

    let e = gen(
        &app(""),
        Some(&dist),
        &out,
        &GenerateOptions::new()
            .capabilities(Capabilities::default().associated_domains(["example.com"])),
    );
    assert_eq!(e.field(), Some("capabilities.associated_domains"), "{e}");

    let e = gen(
        &app(""),
        Some(&dist),
        &out,
        &GenerateOptions::new().signing(Signing::Manual {
            profile: " ".into(),
            identity: None,
        }),
    );
    assert_eq!(e.field(), Some("signing.profile"), "{e}");

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let e = gen(&app(""), Some(&dist), &file, &GenerateOptions::new());
    assert!(matches!(e, GenerateError::Output { .. }), "{e}");

    let e = gen(&app(""), Some(&dist), &dist, &GenerateOptions::new());
    assert!(matches!(e, GenerateError::Output { .. }), "{e}");

    // Nothing was written by a failed generation.
    assert!(!out.join("App.xcodeproj").exists());
}

#[test]
fn a_failed_generation_does_not_make_its_written_files_look_edited() {
    let (dir, dist) = project();
    let out = dir.path().join("ios");
    generate(
        &app("build = 1\n"),
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new(),
    );
    // A folder where Info.plist goes stops the next generation after it wrote the project
    // file (which comes first).
    std::fs::remove_file(out.join("App/Info.plist")).unwrap();
    std::fs::create_dir(out.join("App/Info.plist")).unwrap();
    let v2 = app("build = 2\n");
    let e = XcodeProject::generate(&v2, Some(&dist), dir.path(), &out, &GenerateOptions::new())
        .unwrap_err();
    assert!(matches!(e, GenerateError::Output { .. }), "{e}");
    assert!(e.to_string().contains("Info.plist"), "{e}");
    assert!(read(&out, PBXPROJ).contains("CURRENT_PROJECT_VERSION = 2;"));

    // The next generation (with yet another build number) refreshes it: the manifest
    // recorded what the failed run wrote.
    std::fs::remove_dir(out.join("App/Info.plist")).unwrap();
    let g = generate(
        &app("build = 3
"),
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new(),
    );
    assert!(g.kept.is_empty(), "{:?}", g.kept);
    assert_eq!(paths(&g.written), [PBXPROJ, "App/Info.plist"]);
    assert!(read(&out, PBXPROJ).contains("CURRENT_PROJECT_VERSION = 3;"));
}
