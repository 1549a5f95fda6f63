//! The SDK-free packager end to end, with Android's own tools as oracles: `aapt dump badging`,
//! `aapt dump xmltree` and `aapt dump resources` read our APK, `zipalign -c` checks its
//! alignment, `dexdump` reads its classes.dex, androguard opens the APK, its manifest, its
//! resources and its dex; plus byte-for-byte determinism and the bad-input errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::package::{
    build_apk, package_apk, package_apk_with, ApkPackager, PackageError, PackageOptions,
    PackagedApk,
};
use nativiweb_android::shell;
use nativiweb_android::zip::{ZipArchive, METHOD_STORED};
use nativiweb_core::config::{AppConfig, PartialAppConfig};
use nativiweb_core::{testing, ArtifactKind, BuildContext, BuildInput, Builder, Platform};

fn hello_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

fn hello_app() -> AppConfig {
    AppConfig::load(&hello_dir(), PartialAppConfig::default()).unwrap()
}

fn package_hello(out: &Path) -> PackagedApk {
    let dir = hello_dir();
    package_apk(&hello_app(), Some(&dir), &dir, out).unwrap()
}

fn app(toml: &str) -> AppConfig {
    let p = PartialAppConfig::from_toml(toml, Path::new("nativiweb.toml")).unwrap();
    AppConfig::resolve(p, None).unwrap()
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// A small SPA bundle with a Next.js-style `_next/` folder.
fn spa(root: &Path) {
    write(
        root,
        "index.html",
        b"<!doctype html><title>x</title><script src=/_next/app.js></script>",
    );
    write(
        root,
        "_next/app.js",
        "console.log('hi');\n".repeat(50).as_bytes(),
    );
    write(root, "_next/static/chunk.css", b"body{margin:0}");
    write(root, "img/logo.png", &[0x89, b'P', b'N', b'G', 1, 2, 3, 4]);
    write(root, ".DS_Store", b"junk");
}

fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{text}",
        tool.display()
    );
    text
}

fn assert_contains(haystack: &str, wants: &[&str]) {
    for want in wants {
        assert!(haystack.contains(want), "missing {want:?} in:\n{haystack}");
    }
}

#[test]
fn aapt_badging_reads_our_apk() {
    let Some(aapt) = testing::tool("aapt") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let apk = tmp.path().join("hello.apk");
    package_hello(&apk);
    let badging = run(&aapt, &["dump", "badging", apk.to_str().unwrap()]);
    assert_contains(
        &badging,
        &[
            "package: name='dev.nativiweb.hello' versionCode='1' versionName='1.0.0'",
            "sdkVersion:'24'",
            "targetSdkVersion:'36'",
            "uses-permission: name='android.permission.INTERNET'",
            "application-label:'Hello PWA'",
            // Adaptive icon: aapt resolves the icon to the anydpi-v26 XML at every density.
            "application-icon-160:'res/mipmap-anydpi-v26/ic_launcher.xml'",
            "application-icon-640:'res/mipmap-anydpi-v26/ic_launcher.xml'",
            "application: label='Hello PWA' icon='res/mipmap-anydpi-v26/ic_launcher.xml'",
            "launchable-activity: name='app.nativiweb.shell.MainActivity'",
            "densities: '160' '240' '320' '480' '640' '65534'",
        ],
    );
}

#[test]
fn aapt_xmltree_prints_our_manifest_and_adaptive_icon() {
    let Some(aapt) = testing::tool("aapt") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let apk = tmp.path().join("hello.apk");
    package_hello(&apk);
    let apk = apk.to_str().unwrap();
    let tree = run(&aapt, &["dump", "xmltree", apk, "AndroidManifest.xml"]);
    assert_contains(
        &tree,
        &[
            "N: android=http://schemas.android.com/apk/res/android",
            "E: manifest",
            "A: android:versionCode(0x0101021b)=(type 0x10)0x1",
            "A: android:versionName(0x0101021c)=\"1.0.0\"",
            "A: package=\"dev.nativiweb.hello\"",
            "E: uses-sdk",
            "A: android:minSdkVersion(0x0101020c)=(type 0x10)0x18",
            "A: android:targetSdkVersion(0x01010270)=(type 0x10)0x24",
            "A: android:name(0x01010003)=\"android.permission.INTERNET\"",
            "E: application",
            "A: android:label(0x01010001)=@0x7f",
            "A: android:icon(0x01010002)=@0x7f",
            "A: android:theme(0x01010000)=@0x7f",
            "A: android:usesCleartextTraffic(0x010104ec)=(type 0x12)0x0",
            "E: activity",
            "A: android:name(0x01010003)=\"app.nativiweb.shell.MainActivity\"",
            "A: android:exported(0x01010010)=(type 0x12)0xffffffff",
            "A: android:configChanges(0x0101001f)=(type 0x11)0x5000ffff",
            "E: action",
            "A: android:name(0x01010003)=\"android.intent.action.MAIN\"",
            "A: android:name(0x01010003)=\"android.intent.category.LAUNCHER\"",
        ],
    );
    let icon = run(
        &aapt,
        &[
            "dump",
            "xmltree",
            apk,
            "res/mipmap-anydpi-v26/ic_launcher.xml",
        ],
    );
    assert_contains(
        &icon,
        &[
            "E: adaptive-icon",
            "E: background",
            "A: android:drawable(0x01010199)=@0x7f010000",
            "E: foreground",
            "A: android:drawable(0x01010199)=@0x7f020001",
        ],
    );
}

#[test]
fn aapt_reads_resources_with_translations_theme_and_icons() {
    let Some(aapt) = testing::tool("aapt") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let web = tmp.path().join("web");
    spa(&web);
    let mut app = app(
        "id = \"com.example.spa\"\nname = \"Spa\"\ntheme_color = \"#123456\"\norientation = \"portrait\"\n[name_translations]\nfr = \"Spa en français\"\npt-BR = \"from the config\"\n[android]\ncleartext = true\npermissions = [\"CAMERA\"]\n",
    );
    app.version = "2.3.4".into();
    // Translations come from nativiweb.toml; the options add to them and win per locale.
    let options = PackageOptions {
        label_translations: BTreeMap::from([("pt-BR".to_owned(), "Spa do Brasil".to_owned())]),
        ..Default::default()
    };
    let apk = tmp.path().join("spa.apk");
    package_apk_with(&app, Some(&web), tmp.path(), &apk, &options, &|| false).unwrap();
    let apk = apk.to_str().unwrap();
    let badging = run(&aapt, &["dump", "badging", apk]);
    assert_contains(
        &badging,
        &[
            "application-label:'Spa'",
            "application-label-fr:'Spa en français'",
            "application-label-pt-BR:'Spa do Brasil'",
            "uses-permission: name='android.permission.CAMERA'",
            // Declared optional, so Play does not hide the app from devices without a camera.
            "uses-feature-not-required: name='android.hardware.camera'",
            "versionName='2.3.4'",
        ],
    );
    let res = run(&aapt, &["dump", "--values", "resources", apk]);
    assert_contains(
        &res,
        &[
            "Package Groups (1)",
            "Package 0 id=0x7f name=com.example.spa",
            "spec resource 0x7f030000 com.example.spa:string/app_name",
            "config fr:",
            "config pt-rBR:",
            "(string8) \"Spa en français\"",
            "resource 0x7f010000 com.example.spa:color/ic_launcher_background: t=0x1c d=0xff123456",
            "config mdpi-v4:",
            "config xxxhdpi-v4:",
            "config anydpi-v26:",
            "(string8) \"res/mipmap-xxhdpi-v4/ic_launcher.png\"",
            "com.example.spa:style/AppTheme",
            "Parent=0x01030241",
            // Dark mode: the same style at night over the dark Material theme, so the page's
            // prefers-color-scheme follows the system (isLightTheme false there).
            "config night-v8:",
            "Parent=0x0103022e",
            // statusBarColor and colorPrimary = the theme colour.
            "(Key=0x01010451): (color) #ff123456",
            "(Key=0x01010433): (color) #ff123456",
        ],
    );
    // This aapt prints every bag value as "(color) #data", booleans included: check the data
    // of windowNoTitle (true), windowActionBar (false) and windowLightStatusBar (false on a
    // dark theme colour).
    let value_of = |key: &str| {
        res.lines()
            .find(|l| l.contains(&format!("(Key={key})")))
            .unwrap_or_else(|| panic!("no {key} in the theme:\n{res}"))
            .rsplit('#')
            .next()
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(value_of("0x01010056"), "ffffffff");
    assert_eq!(value_of("0x010102cd"), "00000000");
    assert_eq!(value_of("0x010104e0"), "00000000");
    let tree = run(&aapt, &["dump", "xmltree", apk, "AndroidManifest.xml"]);
    assert_contains(
        &tree,
        &[
            "A: android:usesCleartextTraffic(0x010104ec)=(type 0x12)0xffffffff",
            "A: android:screenOrientation(0x0101001e)=(type 0x10)0x1",
        ],
    );
}

#[test]
fn zipalign_accepts_the_apk_and_layout_is_as_documented() {
    let tmp = tempfile::tempdir().unwrap();
    let web = tmp.path().join("web");
    spa(&web);
    let app = app("id = \"com.example.spa\"\nname = \"Spa\"\n");
    let apk = tmp.path().join("spa.apk");
    let report = package_apk(&app, Some(&web), tmp.path(), &apk).unwrap();
    assert_eq!(report.asset_files, 4, ".DS_Store is skipped");
    assert_eq!(report.size, std::fs::metadata(&apk).unwrap().len());

    let zip = ZipArchive::open(&apk).unwrap();
    let names: Vec<&str> = zip.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        &names[..3],
        &["AndroidManifest.xml", "classes.dex", "resources.arsc"]
    );
    for want in [
        "assets/nativiweb.json",
        "assets/www/index.html",
        "assets/www/_next/app.js",
        "assets/www/_next/static/chunk.css",
        "assets/www/img/logo.png",
        "res/mipmap-anydpi-v26/ic_launcher.xml",
        "res/mipmap-mdpi-v4/ic_launcher.png",
        "res/mipmap-xxxhdpi-v4/ic_launcher_foreground.png",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(!names.iter().any(|n| n.ends_with(".DS_Store")));
    let arsc = zip.entry("resources.arsc").unwrap();
    assert_eq!(arsc.method, METHOD_STORED);
    assert_eq!(arsc.data_offset % 4, 0);
    assert_eq!(
        zip.entry("assets/www/img/logo.png").unwrap().method,
        METHOD_STORED
    );
    assert_ne!(
        zip.entry("assets/www/_next/app.js").unwrap().method,
        METHOD_STORED
    );
    let dex = zip.read(zip.entry("classes.dex").unwrap()).unwrap();
    assert_eq!(dex, shell::CLASSES_DEX);

    let settings: serde_json::Value = serde_json::from_slice(
        &zip.read(zip.entry("assets/nativiweb.json").unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        settings["start_url"],
        "https://appassets.androidplatform.net/"
    );
    assert_eq!(settings["asset_root"], "www");
    assert_eq!(settings["mime"]["js"][0], "text/javascript");
    assert_eq!(settings["mime"]["html"][1], "utf-8");
    assert_eq!(settings["mime"]["png"][1], "");

    if let Some(zipalign) = testing::tool("zipalign") {
        run(&zipalign, &["-c", "-p", "4", apk.to_str().unwrap()]);
    }
}

#[test]
fn dexdump_reads_the_shell() {
    let Some(dexdump) = testing::tool("dexdump") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dex = tmp.path().join("classes.dex");
    std::fs::write(&dex, shell::CLASSES_DEX).unwrap();
    let out = run(&dexdump, &["-h", dex.to_str().unwrap()]);
    assert_contains(
        &out,
        &[
            "DEX version '037'",
            "Class descriptor  : 'Lapp/nativiweb/shell/MainActivity;'",
            "Superclass        : 'Landroid/app/Activity;'",
            "Class descriptor  : 'Lapp/nativiweb/shell/ShellClient;'",
            "Superclass        : 'Landroid/webkit/WebViewClient;'",
            "Class descriptor  : 'Lapp/nativiweb/shell/SwClient;'",
            "Class descriptor  : 'Lapp/nativiweb/shell/BackCallback;'",
            "Class descriptor  : 'Lapp/nativiweb/shell/Assets;'",
            "Class descriptor  : 'Lapp/nativiweb/shell/ShellChrome;'",
            "Superclass        : 'Landroid/webkit/WebChromeClient;'",
        ],
    );
}

fn androguard_available() -> bool {
    Command::new("python3")
        .args(["-c", "import androguard"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn androguard_opens_the_apk_manifest_resources_and_dex() {
    if !testing::require(
        "androguard (pip install androguard)",
        androguard_available(),
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let apk = tmp.path().join("hello.apk");
    package_hello(&apk);
    let script = r#"
import sys, logging
try:
    from loguru import logger
    logger.remove()
except Exception:
    pass
from androguard.core.apk import APK
from androguard.core.dex import DEX
a = APK(sys.argv[1])
assert a.is_valid_APK(), "not a valid APK"
print("package", a.get_package())
print("version", a.get_androidversion_code(), a.get_androidversion_name())
print("sdk", a.get_min_sdk_version(), a.get_target_sdk_version())
print("label", a.get_app_name())
print("main", a.get_main_activity())
print("permissions", ",".join(sorted(a.get_permissions())))
print("icon", a.get_app_icon())
xml = a.get_android_manifest_axml().get_xml()
assert b"MainActivity" in xml, xml
res = a.get_android_resources()
print("resource_packages", ",".join(res.get_packages_names()))
d = DEX(a.get_dex())
print("classes", ",".join(sorted(c.get_name() for c in d.get_classes())))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&apk)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "androguard failed:\n{stdout}\n{stderr}"
    );
    assert_contains(
        &stdout,
        &[
            "package dev.nativiweb.hello",
            "version 1 1.0.0",
            "sdk 24 36",
            "label Hello PWA",
            "main app.nativiweb.shell.MainActivity",
            "permissions android.permission.INTERNET",
            "icon res/mipmap-anydpi-v26/ic_launcher.xml",
            "resource_packages dev.nativiweb.hello",
            "Lapp/nativiweb/shell/Assets;",
            "Lapp/nativiweb/shell/MainActivity;",
        ],
    );
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    // Two copies of one bundle, their files created in opposite orders.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let files: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| {
            (
                format!("dir{}/file{i}.js", i % 5),
                format!("export const v{i} = {i};\n")
                    .repeat(i + 1)
                    .into_bytes(),
            )
        })
        .collect();
    write(&a, "index.html", b"<!doctype html>");
    for (rel, data) in &files {
        write(&a, rel, data);
    }
    for (rel, data) in files.iter().rev() {
        write(&b, rel, data);
    }
    write(&b, "index.html", b"<!doctype html>");
    let app = app("id = \"com.example.det\"\nname = \"Det\"\n");
    let one = build_apk(
        &app,
        Some(&a),
        tmp.path(),
        &PackageOptions::default(),
        &|| false,
    )
    .unwrap()
    .bytes;
    let two = build_apk(
        &app,
        Some(&b),
        tmp.path(),
        &PackageOptions::default(),
        &|| false,
    )
    .unwrap()
    .bytes;
    assert!(one == two, "the same bundle gave different APKs");
    // And the example app, written twice to files.
    let (x, y) = (tmp.path().join("x.apk"), tmp.path().join("y.apk"));
    let rx = package_hello(&x);
    let ry = package_hello(&y);
    assert_eq!(rx.sha256, ry.sha256);
    assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());
}

#[test]
fn remote_app_needs_no_web_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(
        "id = \"com.example.remote\"\nname = \"Remote\"\nstart_url = \"https://app.example.com/home\"\nallowed_hosts = [\"*.example.com\"]\n",
    );
    let built = build_apk(&app, None, tmp.path(), &PackageOptions::default(), &|| {
        false
    })
    .unwrap();
    assert_eq!(built.asset_files, 0);
    let bytes = built.bytes;
    let zip = ZipArchive::new(bytes).unwrap();
    let settings: serde_json::Value = serde_json::from_slice(
        &zip.read(zip.entry("assets/nativiweb.json").unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(settings["start_url"], "https://app.example.com/home");
    assert_eq!(
        settings["allowed_hosts"],
        serde_json::json!(["*.example.com"]),
        "app.example.com is covered by *.example.com"
    );
}

fn err(app: &AppConfig, web: Option<&Path>, project: &Path, options: &PackageOptions) -> String {
    let e = build_apk(app, web, project, options, &|| false).unwrap_err();
    e.to_string()
}

#[test]
fn bad_input_gets_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let base = app("id = \"com.example.bad\"\nname = \"Bad\"\n");
    let defaults = PackageOptions::default();

    // No index.html.
    let web = root.join("dist");
    write(&web, "app.js", b"1");
    let e = build_apk(&base, Some(&web), root, &defaults, &|| false).unwrap_err();
    assert!(matches!(e, PackageError::NoIndexHtml { .. }), "{e}");
    assert!(
        e.to_string().contains("dist") && e.to_string().contains("web_dir"),
        "{e}"
    );

    // No web dir at all for a bundled start page; a missing folder.
    let msg = err(&base, None, root, &defaults);
    assert!(
        msg.contains("web_dir") && msg.contains("start_url"),
        "{msg}"
    );
    let msg = err(&base, Some(&root.join("nope")), root, &defaults);
    assert!(msg.contains("does not exist"), "{msg}");

    // Over the size limit: names the largest files and the option.
    write(&web, "index.html", b"<!doctype html>");
    write(&web, "video.bin", &vec![7u8; 5000]);
    let small = PackageOptions {
        max_asset_bytes: 1000,
        ..Default::default()
    };
    let e = build_apk(&base, Some(&web), root, &small, &|| false).unwrap_err();
    assert!(matches!(e, PackageError::AssetsTooLarge { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("video.bin (5000 bytes)") && msg.contains("max_asset_bytes"),
        "{msg}"
    );

    // Icons: not a PNG, not square, too small.
    let mut with_icon = base.clone();
    with_icon.icon = Some("icon.png".into());
    write(root, "icon.png", b"GIF89a not a png");
    let msg = err(&with_icon, Some(&web), root, &defaults);
    assert!(
        msg.contains("icon.png") && msg.contains("not a PNG"),
        "{msg}"
    );
    let wide = image::RgbaImage::new(200, 100);
    wide.save(root.join("icon.png")).unwrap();
    let msg = err(&with_icon, Some(&web), root, &defaults);
    assert!(msg.contains("200x100") && msg.contains("square"), "{msg}");
    image::RgbaImage::new(16, 16)
        .save(root.join("icon.png"))
        .unwrap();
    let msg = err(&with_icon, Some(&web), root, &defaults);
    assert!(msg.contains("16x16") && msg.contains("at least"), "{msg}");
    let msg = err(
        &AppConfig {
            icon: Some("missing.png".into()),
            ..base.clone()
        },
        Some(&web),
        root,
        &defaults,
    );
    assert!(msg.contains("missing.png"), "{msg}");

    // An application id Android rejects (AppConfig's fields are public, so re-checked here).
    for bad in ["single", "com.example.class", "com.1up.app", "com..x"] {
        let mut a = base.clone();
        a.android.application_id = bad.into();
        let e = build_apk(&a, Some(&web), root, &defaults, &|| false).unwrap_err();
        assert!(matches!(e, PackageError::AppId(_)), "{bad}: {e}");
        assert!(e.to_string().contains(bad), "{e}");
    }

    // A translation locale we cannot encode.
    let opts = PackageOptions {
        label_translations: BTreeMap::from([("klingon".to_owned(), "x".to_owned())]),
        ..Default::default()
    };
    let msg = err(&base, Some(&web), root, &opts);
    assert!(msg.contains("klingon") && msg.contains("pt-BR"), "{msg}");

    // Cancelled before writing.
    let e = build_apk(&base, Some(&web), root, &defaults, &|| true).unwrap_err();
    assert!(matches!(e, PackageError::Cancelled));
}

#[test]
fn a_square_icon_is_resized_to_every_density() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let web = root.join("web");
    spa(&web);
    let mut img = image::RgbaImage::from_pixel(300, 300, image::Rgba([200, 10, 10, 255]));
    img.put_pixel(0, 0, image::Rgba([0, 0, 0, 255]));
    img.save(root.join("icon.png")).unwrap();
    let mut a = app("id = \"com.example.icon\"\nname = \"Icon\"\nbackground_color = \"#00ff00\"\n");
    a.icon = Some("icon.png".into());
    let bytes = build_apk(&a, Some(&web), root, &PackageOptions::default(), &|| false)
        .unwrap()
        .bytes;
    let zip = ZipArchive::new(bytes).unwrap();
    for (dir, legacy, fg) in [
        ("mdpi", 48, 108),
        ("hdpi", 72, 162),
        ("xhdpi", 96, 216),
        ("xxhdpi", 144, 324),
        ("xxxhdpi", 192, 432),
    ] {
        let png = zip
            .read(
                zip.entry(&format!("res/mipmap-{dir}-v4/ic_launcher.png"))
                    .unwrap(),
            )
            .unwrap();
        let img = image::load_from_memory(&png).unwrap().into_rgba8();
        assert_eq!(img.dimensions(), (legacy, legacy), "{dir}");
        assert_eq!(img.get_pixel(legacy / 2, legacy / 2).0, [200, 10, 10, 255]);
        let png = zip
            .read(
                zip.entry(&format!("res/mipmap-{dir}-v4/ic_launcher_foreground.png"))
                    .unwrap(),
            )
            .unwrap();
        let img = image::load_from_memory(&png).unwrap().into_rgba8();
        assert_eq!(img.dimensions(), (fg, fg), "{dir}");
        // Transparent margin around the icon's visible 72 dp, icon in the middle.
        assert_eq!(img.get_pixel(1, 1).0[3], 0);
        assert_eq!(img.get_pixel(fg / 2, fg / 2).0, [200, 10, 10, 255]);
    }
}

#[tokio::test]
async fn apk_packager_is_a_builder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = hello_dir();
    let ctx = BuildContext::new(tmp.path(), Platform::Android).with_app(hello_app());
    let packager = ApkPackager::new();
    assert_eq!(packager.name(), "direct");
    assert_eq!(packager.platform(), Platform::Android);
    let input = BuildInput {
        project_dir: dir.clone(),
        web_dir: Some(dir.clone()),
        out_dir: tmp.path().join("out"),
        format: None,
    };
    let artifacts = packager.build(&ctx, &input).await.unwrap();
    assert_eq!(artifacts.len(), 1);
    let a = &artifacts[0];
    assert_eq!(a.kind, ArtifactKind::Apk);
    assert_eq!(a.platform, Platform::Android);
    assert_eq!(
        a.path,
        tmp.path()
            .join("out/dev.nativiweb.hello-1.0.0-unsigned.apk")
    );
    let bytes = std::fs::read(&a.path).unwrap();
    assert_eq!(a.size, bytes.len() as u64);
    use sha2::Digest;
    assert_eq!(a.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
    // nativiweb.toml at the bundle root is not shipped.
    let zip = ZipArchive::new(bytes).unwrap();
    assert!(zip.entry("assets/www/nativiweb.toml").is_none());
    assert!(zip.entry("assets/www/sw.js").is_some());

    // An App Bundle, the same way.
    let aab = BuildInput {
        format: Some(ArtifactKind::Aab),
        ..input.clone()
    };
    let artifacts = packager.build(&ctx, &aab).await.unwrap();
    assert_eq!(artifacts[0].kind, ArtifactKind::Aab);
    assert_eq!(
        artifacts[0].path,
        tmp.path()
            .join("out/dev.nativiweb.hello-1.0.0-unsigned.aab")
    );
    let zip = ZipArchive::open(&artifacts[0].path).unwrap();
    assert!(zip.entry("base/resources.pb").is_some());
    // An IPA is not something this builder makes.
    let ipa = BuildInput {
        format: Some(ArtifactKind::Ipa),
        ..input.clone()
    };
    let e = packager.build(&ctx, &ipa).await.unwrap_err();
    assert!(e.to_string().contains("--format aab"), "{e}");
    // Bad input is reported as the user's to fix (CLI exit code 2), naming the backend.
    let bad = BuildInput {
        web_dir: Some(tmp.path().join("no-such-dir")),
        ..input.clone()
    };
    let e = packager.build(&ctx, &bad).await.unwrap_err();
    assert!(e.is_input(), "{e}");
    assert!(
        e.to_string().contains("apk-packager") && e.to_string().contains("no-such-dir"),
        "{e}"
    );
    // Cancellation is honoured.
    ctx.cancel.cancel();
    let e = packager.build(&ctx, &input).await.unwrap_err();
    assert!(e.is_cancelled(), "{e}");
}

/// aapt2 parses with the loader Android 9+ uses at run time (LoadedArsc), and prints typed
/// values, so it checks the theme's booleans and the file resources' types too.
#[test]
fn aapt2_reads_resources_theme_and_manifest() {
    let Some(aapt2) = testing::tool("aapt2") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let apk = tmp.path().join("hello.apk");
    package_hello(&apk);
    let apk = apk.to_str().unwrap();
    let res = run(&aapt2, &["dump", "resources", apk]);
    assert_contains(
        &res,
        &[
            "Package name=dev.nativiweb.hello id=7f",
            "resource 0x7f010000 color/ic_launcher_background",
            "(mdpi-v4) (file) res/mipmap-mdpi-v4/ic_launcher.png type=PNG",
            "(xxxhdpi-v4) (file) res/mipmap-xxxhdpi-v4/ic_launcher_foreground.png type=PNG",
            "(anydpi-v26) (file) res/mipmap-anydpi-v26/ic_launcher.xml type=XML",
            "resource 0x7f030000 string/app_name",
            "() \"Hello PWA\"",
            "resource 0x7f040000 style/AppTheme",
            "parent=0x01030241",
            "0x01010054=#ffffffff",
            "0x01010056=true",
            "0x010102cd=false",
            "0x01010451=#ff0d6efd",
            "0x010104e0=false",
        ],
    );
    let tree = run(
        &aapt2,
        &["dump", "xmltree", "--file", "AndroidManifest.xml", apk],
    );
    assert_contains(
        &tree,
        &[
            "android:versionCode(0x0101021b)=1",
            "android:targetSdkVersion(0x01010270)=36",
            "android:theme(0x01010000)=@0x7f040000",
            "android:label(0x01010001)=@0x7f030000",
            "android:icon(0x01010002)=@0x7f020000",
            "android:exported(0x01010010)=true",
            "android:launchMode(0x0101001d)=2",
            "android:windowSoftInputMode(0x0101022b)=0x00000010",
        ],
    );
}
