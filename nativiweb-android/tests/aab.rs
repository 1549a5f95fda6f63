//! The SDK-free App Bundle, checked by independent readers: `protoc --decode` with our schema
//! files, aapt2 (which reads the base module laid out as a proto-format APK, and converts it
//! to a binary APK that apksigner, aapt and androguard accept once signed), and jarsigner on
//! the signed bundle. Plus the layout bundletool expects and byte-for-byte determinism.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nativiweb_android::keystore::debug_identity_at;
use nativiweb_android::keystore::write_pkcs12;
use nativiweb_android::package::{build_aab, build_apk, package_with, Format, PackageOptions};
use nativiweb_android::sign::signer::{ApkSigner, JarSigner};
use nativiweb_android::zip::{ZipArchive, ZipWriter};
use nativiweb_core::config::{AppConfig, PartialAppConfig};
use nativiweb_core::testing;
use secrecy::SecretString;

fn hello_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

fn proto_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto")
}

/// hello-pwa with a French label, so translations are in the table too.
fn hello_app() -> AppConfig {
    let mut app = AppConfig::load(&hello_dir(), PartialAppConfig::default()).unwrap();
    app.name_translations
        .insert("fr".to_owned(), "Bonjour PWA".to_owned());
    app
}

fn aab_bytes(app: &AppConfig) -> Vec<u8> {
    let dir = hello_dir();
    build_aab(app, Some(&dir), &dir, &PackageOptions::default(), &|| false)
        .unwrap()
        .bytes
}

fn names(zip: &ZipArchive<Vec<u8>>) -> Vec<String> {
    zip.entries().iter().map(|e| e.name.clone()).collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn assert_contains(haystack: &str, wants: &[&str]) {
    for want in wants {
        assert!(haystack.contains(want), "missing {want:?} in:\n{haystack}");
    }
}

#[test]
fn the_bundle_has_the_layout_bundletool_expects_and_is_deterministic() {
    let app = hello_app();
    let bytes = aab_bytes(&app);
    assert!(bytes == aab_bytes(&app), "two builds gave different bytes");
    let zip = ZipArchive::new(bytes).unwrap();
    let names = names(&zip);
    for want in [
        "BundleConfig.pb",
        "base/manifest/AndroidManifest.xml",
        "base/dex/classes.dex",
        "base/resources.pb",
        "base/res/mipmap-anydpi-v26/ic_launcher.xml",
        "base/res/mipmap-xxxhdpi-v4/ic_launcher.png",
        "base/res/mipmap-mdpi-v4/ic_launcher_foreground.png",
        "base/assets/nativiweb.json",
        "base/assets/www/index.html",
    ] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
    // Everything else is inside the base module; no APK-only entries, no metadata.
    for n in &names {
        assert!(
            n == "BundleConfig.pb" || n.starts_with("base/"),
            "unexpected entry {n}"
        );
    }
    assert!(!names.iter().any(|n| n.starts_with("BUNDLE-METADATA/")
        || n.ends_with("resources.arsc")
        || n == "AndroidManifest.xml"));
    // The dex is the shell's, byte for byte.
    let dex = zip
        .read(zip.entry("base/dex/classes.dex").unwrap())
        .unwrap();
    assert!(dex == nativiweb_android::shell::CLASSES_DEX);

    // The same app as an APK carries the same web files and settings.
    let dir = hello_dir();
    let apk = build_apk(&app, Some(&dir), &dir, &PackageOptions::default(), &|| {
        false
    })
    .unwrap();
    let apk = ZipArchive::new(apk.bytes).unwrap();
    let apk_assets: Vec<String> = apk
        .entries()
        .iter()
        .filter_map(|e| e.name.strip_prefix("assets/").map(str::to_owned))
        .collect();
    let aab_assets: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix("base/assets/").map(str::to_owned))
        .collect();
    assert_eq!(apk_assets, aab_assets);
    let settings = |z: &ZipArchive<Vec<u8>>, name: &str| z.read(z.entry(name).unwrap()).unwrap();
    assert_eq!(
        settings(&apk, "assets/nativiweb.json"),
        settings(&zip, "base/assets/nativiweb.json")
    );
}

fn protoc_decode(ty: &str, file: &str, data: &[u8]) -> String {
    let protoc = testing::tool("protoc").expect("checked by the caller");
    let mut child = Command::new(protoc)
        .arg("-I")
        .arg(proto_dir())
        .arg(format!("--decode={ty}"))
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "protoc --decode={ty} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without the indentation, so expectations can span lines.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn protoc_decodes_bundle_config_manifest_and_resources_with_our_schemas() {
    if testing::tool("protoc").is_none() {
        return;
    }
    let zip = ZipArchive::new(aab_bytes(&hello_app())).unwrap();
    let read = |name: &str| zip.read(zip.entry(name).unwrap()).unwrap();

    let config = protoc_decode(
        "android.bundle.BundleConfig",
        "config.proto",
        &read("BundleConfig.pb"),
    );
    assert_contains(
        &config,
        &[
            "bundletool {\nversion: \"1.18.1\"\n}",
            "uncompressed_glob: \"assets/**/*.png\"",
            "uncompressed_glob: \"assets/**/*.woff2\"",
        ],
    );

    let manifest = protoc_decode(
        "aapt.pb.XmlNode",
        "Resources.proto",
        &read("base/manifest/AndroidManifest.xml"),
    );
    assert_contains(
        &manifest,
        &[
            "name: \"manifest\"",
            "prefix: \"android\"",
            "uri: \"http://schemas.android.com/apk/res/android\"",
            "name: \"package\"\nvalue: \"dev.nativiweb.hello\"",
            "name: \"versionCode\"",
            "resource_id: 16843291",
            "name: \"targetSdkVersion\"\nvalue: \"36\"",
            "int_decimal_value: 36",
            "name: \"label\"\nvalue: \"@string/app_name\"",
            "name: \"name\"\nvalue: \"app.nativiweb.shell.MainActivity\"",
            "value: \"android.intent.category.LAUNCHER\"",
            "int_hexadecimal_value: 1342242815", // configChanges 0x5000ffff
        ],
    );

    let resources = protoc_decode(
        "aapt.pb.ResourceTable",
        "Resources.proto",
        &read("base/resources.pb"),
    );
    assert_contains(
        &resources,
        &[
            "package_id {\nid: 127\n}",
            "package_name: \"dev.nativiweb.hello\"",
            "name: \"app_name\"",
            "value: \"Hello PWA\"",
            "locale: \"fr\"",
            "value: \"Bonjour PWA\"",
            "path: \"res/mipmap-xxhdpi-v4/ic_launcher.png\"\ntype: PNG",
            "path: \"res/mipmap-anydpi-v26/ic_launcher.xml\"\ntype: PROTO_XML",
            "density: 65534",
            "name: \"AppTheme\"",
            "ui_mode_night: UI_MODE_NIGHT_NIGHT",
            "id: 16974401", // Theme.Material.Light.NoActionBar (day parent)
            "id: 16974382", // Theme.Material.NoActionBar (night parent)
        ],
    );

    let adaptive = protoc_decode(
        "aapt.pb.XmlNode",
        "Resources.proto",
        &read("base/res/mipmap-anydpi-v26/ic_launcher.xml"),
    );
    assert_contains(
        &adaptive,
        &[
            "name: \"adaptive-icon\"",
            "name: \"foreground\"",
            "value: \"@mipmap/ic_launcher_foreground\"",
        ],
    );
}

/// The base module as a proto-format APK: the layout aapt2 reads and converts (and the one
/// bundletool gives aapt2 when it builds APKs from a bundle).
fn base_as_proto_apk(aab: &[u8], out: &Path) {
    let zip = ZipArchive::new(aab.to_vec()).unwrap();
    let mut w = ZipWriter::new(Vec::new());
    for e in zip.entries() {
        let Some(rel) = e.name.strip_prefix("base/") else {
            continue;
        };
        let name = match rel {
            "manifest/AndroidManifest.xml" => "AndroidManifest.xml".to_owned(),
            "dex/classes.dex" => "classes.dex".to_owned(),
            other => other.to_owned(),
        };
        let data = zip.read(e).unwrap();
        if name.ends_with(".png") || name == "classes.dex" {
            w.add_stored(&name, &data).unwrap();
        } else {
            w.add_deflated(&name, &data).unwrap();
        }
    }
    std::fs::write(out, w.finish().unwrap()).unwrap();
}

#[test]
fn aapt2_reads_the_base_module_and_converts_it_to_an_apk_that_verifies() {
    let Some(aapt2) = testing::tool("aapt2") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let proto_apk = tmp.path().join("base-proto.apk");
    base_as_proto_apk(&aab_bytes(&hello_app()), &proto_apk);

    let badging = run(Command::new(&aapt2)
        .arg("dump")
        .arg("badging")
        .arg(&proto_apk));
    assert_contains(
        &badging,
        &[
            "package: name='dev.nativiweb.hello' versionCode='1' versionName='1.0.0'",
            "sdkVersion:'24'",
            "targetSdkVersion:'36'",
            "application-label:'Hello PWA'",
            "application-label-fr:'Bonjour PWA'",
            "icon='res/mipmap-anydpi-v26/ic_launcher.xml'",
            "launchable-activity: name='app.nativiweb.shell.MainActivity'",
            "uses-permission: name='android.permission.INTERNET'",
        ],
    );

    // aapt2 turns it into a binary APK; signed, the platform tools accept it.
    let binary = tmp.path().join("base-binary.apk");
    run(Command::new(&aapt2)
        .args(["convert", "--output-format", "binary", "-o"])
        .arg(&binary)
        .arg(&proto_apk));
    let (identity, _) = debug_identity_at(&tmp.path().join("debug.p12")).unwrap();
    let signed = tmp.path().join("base-signed.apk");
    let report = ApkSigner::new(identity)
        .sign_file(&binary, &signed)
        .unwrap();
    assert_eq!(report.schemes, ["v2", "v3"]);
    if let Some(apksigner) = testing::tool("apksigner") {
        let text = run(Command::new(apksigner)
            .args(["verify", "--verbose"])
            .arg(&signed));
        assert!(text.contains("Verified using v2 scheme (APK Signature Scheme v2): true"));
    }
    if let Some(aapt) = testing::tool("aapt") {
        let text = run(Command::new(aapt).args(["dump", "badging"]).arg(&signed));
        assert_contains(
            &text,
            &[
                "package: name='dev.nativiweb.hello' versionCode='1' versionName='1.0.0'",
                "targetSdkVersion:'36'",
                "application-label:'Hello PWA'",
                "launchable-activity: name='app.nativiweb.shell.MainActivity'",
            ],
        );
        let themes = run(Command::new(testing::tool("aapt").unwrap()).args([
            "dump",
            "--values",
            "resources",
            signed.to_str().unwrap(),
        ]));
        assert_contains(&themes, &["config night-v8", "style/AppTheme"]);
    }
    if testing::require(
        "androguard (pip install androguard)",
        Command::new("python3")
            .args(["-c", "import androguard"])
            .output()
            .is_ok_and(|o| o.status.success()),
    ) {
        let script = r#"
import sys
try:
    from loguru import logger
    logger.remove()
except Exception:
    pass
from androguard.core.apk import APK
a = APK(sys.argv[1])
assert a.is_valid_APK()
print("package", a.get_package())
print("sdk", a.get_min_sdk_version(), a.get_target_sdk_version())
print("label", a.get_app_name())
print("main", a.get_main_activity())
"#;
        let text = run(Command::new("python3").arg("-c").arg(script).arg(&signed));
        assert_contains(
            &text,
            &[
                "package dev.nativiweb.hello",
                "sdk 24 36",
                "label Hello PWA",
                "main app.nativiweb.shell.MainActivity",
            ],
        );
    }
}

#[test]
fn the_signed_bundle_verifies_with_jarsigner() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = hello_dir();
    let unsigned = tmp.path().join("hello-unsigned.aab");
    let packaged = package_with(
        Format::Aab,
        &hello_app(),
        Some(&dir),
        &dir,
        &unsigned,
        &PackageOptions::default(),
        &|| false,
    )
    .unwrap();
    assert_eq!(packaged.path, unsigned);
    // The bundle's manifest reads back (what `submit play` checks before uploading).
    let info = nativiweb_android::package::read_app_file(&unsigned).unwrap();
    assert_eq!(info.package.as_deref(), Some("dev.nativiweb.hello"));
    assert_eq!(
        (info.version_code, info.min_sdk, info.target_sdk),
        (Some(1), 24, Some(36))
    );
    let (identity, _) = debug_identity_at(&tmp.path().join("upload.p12")).unwrap();
    let signed = tmp.path().join("hello.aab");
    let signer = JarSigner::new(identity.clone());
    let report = signer.sign_file(&unsigned, &signed).unwrap();
    assert_eq!(report.schemes, ["v1"]);
    // Signing is deterministic too.
    let again = tmp.path().join("hello-again.aab");
    signer.sign_file(&unsigned, &again).unwrap();
    assert!(std::fs::read(&signed).unwrap() == std::fs::read(&again).unwrap());
    let ours = nativiweb_android::sign::verify::verify(&signed).unwrap();
    assert_eq!(ours.schemes, ["v1"]);

    let Some(jarsigner) = testing::tool("jarsigner") else {
        return;
    };
    let trust = tmp.path().join("trust.p12");
    write_pkcs12(&trust, &identity, &SecretString::from("trustpass")).unwrap();
    let text = run(Command::new(jarsigner)
        .args(["-verify", "-strict", "-verbose", "-keystore"])
        .arg(&trust)
        .args(["-storetype", "PKCS12", "-storepass:env", "TRUST_PASS"])
        .arg(&signed)
        .env("TRUST_PASS", "trustpass"));
    assert!(text.contains("jar verified."), "{text}");
}
