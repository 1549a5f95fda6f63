//! `GradleProject::generate`: the generated Gradle project's key files, its determinism, its
//! regeneration (edits kept, the rest refreshed), the bundle filter, and oracles that are not
//! ours — tree-sitter-java / tree-sitter-kotlin parse the sources and build scripts, aapt2
//! compiles and links the manifest and `res/`, and the GradleBuilder's own project reader
//! finds the versions the generator wrote (so its JDK choice fits the generated project).
//!
//! Not run here: Gradle with the Android Gradle Plugin (no Android SDK platform on this
//! machine); `examples/ci/github-actions-gradle.yml` builds a generated project for real.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::gradle::generate::{scripts, GenerateOptions, GeneratedProject};
use nativiweb_android::gradle::{compat, GradleProject};
use nativiweb_core::config::{AppConfig, PartialAppConfig};
use serde_json::Value;

/// An app config from `nativiweb.toml` text (`id` and `name` given unless the text sets them).
fn app(extra: &str) -> AppConfig {
    let sets = |key: &str| extra.lines().any(|l| l.trim_start().starts_with(key));
    let mut text = String::new();
    if !sets("id =") {
        text.push_str("id = \"com.example.hello\"\n");
    }
    if !sets("name =") {
        text.push_str("name = \"Hello\"\n");
    }
    text.push_str(extra);
    let layer = PartialAppConfig::from_toml(&text, Path::new("nativiweb.toml")).unwrap();
    AppConfig::resolve(layer, None).unwrap()
}

const FULL: &str = concat!(
    "version = \"3.1.4\"\nbuild = 1592\norientation = \"landscape\"\n",
    "theme_color = \"#0d6efd\"\nbackground_color = \"#fafafa\"\n",
    "allowed_hosts = [\"api.example.com\"]\n",
    "[name_translations]\nfr = \"Bonjour l'app\"\npt-BR = \"Olá \\\"app\\\"\"\n",
    "[android]\npermissions = [\"CAMERA\", \"ACCESS_FINE_LOCATION\"]\n",
);

/// A project folder with a built web bundle in `dist/`, including files that must never ship.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    let files: &[(&str, &str)] = &[
        (
            "index.html",
            "<!doctype html><title>Hello</title><script src=app.js></script>",
        ),
        ("app.js", "console.log('hi')"),
        ("style.css", "body{margin:0}"),
        ("docs/index.html", "<h1>Docs</h1>"),
        ("_next/static/chunk.js", "1"),
        ("img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
        (".well-known/assetlinks.json", "[]"),
        (".env", "API_KEY=secret"),
        ("release.p12", "not really a key"),
        ("upload.jks", "not really a keystore"),
        ("node_modules/lib/index.js", "module.exports = 1"),
        ("nativiweb.toml", "id = \"x.y\""),
    ];
    for (rel, text) in files {
        let path = dist.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, dist)
}

fn generate(app: &AppConfig, dist: &Path, project: &Path, out: &Path) -> GeneratedProject {
    GradleProject::generate(app, Some(dist), project, out, &GenerateOptions::new())
        .unwrap_or_else(|e| panic!("generate failed: {e}"))
}

/// Every file under `dir`, relative, `/`-separated, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn full() -> (tempfile::TempDir, PathBuf, GeneratedProject) {
    let (dir, dist) = project();
    let out = dir.path().join("android");
    let generated = generate(&app(FULL), &dist, dir.path(), &out);
    (dir, out, generated)
}

#[test]
fn the_build_scripts_hold_the_app_config() {
    let (_dir, out, generated) = full();
    assert_eq!(generated.module, "app");
    assert_eq!(generated.agp_version, scripts::AGP_VERSION);
    let app_build = read(&out, "app/build.gradle.kts");
    for line in [
        "namespace = \"com.example.hello\"",
        "compileSdk = 36",
        "applicationId = \"com.example.hello\"",
        "minSdk = 24",
        "targetSdk = 36",
        "versionCode = 1592",
        "versionName = \"3.1.4\"",
        "alias(libs.plugins.android.application)",
        "val keystorePath: String = providers.environmentVariable(\"NATIVIWEB_KEYSTORE_PATH\").orNull.orEmpty()",
        "storePassword = providers.environmentVariable(\"NATIVIWEB_KEYSTORE_PASSWORD\").orNull",
        "keyAlias = providers.environmentVariable(\"NATIVIWEB_KEY_ALIAS\").orNull",
        "keyPassword = providers.environmentVariable(\"NATIVIWEB_KEY_PASSWORD\")",
        "if (keystorePath.isNotEmpty()) {",
        "signingConfig = signingConfigs.findByName(\"release\")",
        "ignoreAssetsPattern = \"!.svn:!.git:!.ds_store:!*.scc:!CVS:!thumbs.db:!picasa.ini:!*~\"",
    ] {
        assert!(
            app_build.lines().any(|l| l.trim() == line),
            "app/build.gradle.kts lacks `{line}`:\n{app_build}"
        );
    }
    assert_eq!(scripts::project_name("Olá: \"app\" 1/2."), "Olá- -app- 1-2");
    assert_eq!(scripts::project_name(" ... "), "app");
    let settings = read(&out, "settings.gradle.kts");
    assert!(settings.contains("rootProject.name = \"Hello\"\ninclude(\":app\")"));
    assert!(settings.contains("google()"));
    let catalog = read(&out, "gradle/libs.versions.toml");
    assert!(catalog.contains(&format!("agp = \"{}\"", scripts::AGP_VERSION)));
    assert!(catalog.contains(
        "android-application = { id = \"com.android.application\", version.ref = \"agp\" }"
    ));
    let properties = read(&out, "gradle.properties");
    assert!(properties.lines().any(|l| l == "android.useAndroidX=true"));
    assert!(properties
        .lines()
        .any(|l| l.starts_with("org.gradle.jvmargs=")));
    let wrapper = read(&out, "gradle/wrapper/gradle-wrapper.properties");
    assert!(wrapper.contains(&format!(
        "distributionUrl=https\\://services.gradle.org/distributions/gradle-{}-bin.zip\n",
        scripts::GRADLE_VERSION
    )));
    // No checksum nativiweb could not check.
    assert!(!wrapper.contains("distributionSha256Sum"));
}

#[test]
fn the_gradle_builder_reads_the_versions_the_generator_wrote() {
    let (_dir, out, _) = full();
    let read = GradleProject::read(&out);
    assert_eq!(
        read.agp_version.as_ref().map(|f| f.value.to_string()),
        Some(scripts::AGP_VERSION.to_owned()),
        "{read:#?}"
    );
    assert_eq!(
        read.gradle_version.as_ref().map(|f| f.value.to_string()),
        Some(scripts::GRADLE_VERSION.to_owned())
    );
    assert_eq!(read.app_module.as_deref(), Some("app"));
    assert_eq!(read.compile_sdk.as_ref().map(|f| f.value), Some(36));
    // The JDK the builder would pick: 17 (what AGP 8 needs) up to what this Gradle runs on.
    let range = compat::java_range(
        read.agp_version.as_ref().map(|f| &f.value),
        read.gradle_version.as_ref().map(|f| &f.value),
    );
    assert!(!range.is_empty(), "{range:?}");
    assert!(range.allows(17) && range.allows(21), "{}", range.describe());
}

#[test]
fn the_manifest_and_resources_come_from_the_app_model() {
    let (_dir, out, _) = full();
    let manifest = read(&out, "app/src/main/AndroidManifest.xml");
    for needle in [
        "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">",
        "<uses-permission android:name=\"android.permission.CAMERA\" />",
        "<uses-permission android:name=\"android.permission.INTERNET\" />",
        "<uses-feature android:name=\"android.hardware.camera\"",
        "android:label=\"@string/app_name\"",
        "android:icon=\"@mipmap/ic_launcher\"",
        "android:theme=\"@style/AppTheme\"",
        "<activity android:name=\"app.nativiweb.shell.MainActivity\"",
        "android:launchMode=\"singleTask\"",
        "android:screenOrientation=\"sensorLandscape\"",
        "android:windowSoftInputMode=\"adjustResize\"",
        "android:configChanges=\"mcc|mnc|locale|touchscreen|keyboard|keyboardHidden|navigation|orientation|screenLayout|uiMode|screenSize|smallestScreenSize|density|layoutDirection|colorMode|grammaticalGender|fontWeightAdjustment|fontScale\"",
        "<action android:name=\"android.intent.action.MAIN\" />",
    ] {
        assert!(manifest.contains(needle), "manifest lacks {needle}:\n{manifest}");
    }
    // What the Android Gradle Plugin owns is in app/build.gradle.kts, not here.
    for owned in [
        "package=",
        "versionCode",
        "versionName",
        "uses-sdk",
        "compileSdkVersion",
    ] {
        assert!(
            !manifest.contains(owned),
            "manifest has {owned}:\n{manifest}"
        );
    }

    let strings = read(&out, "app/src/main/res/values/strings.xml");
    assert!(strings.contains("<string name=\"app_name\">Hello</string>"));
    let fr = read(&out, "app/src/main/res/values-fr/strings.xml");
    assert!(
        fr.contains("<string name=\"app_name\">Bonjour l\\'app</string>"),
        "{fr}"
    );
    let pt = read(&out, "app/src/main/res/values-pt-rBR/strings.xml");
    assert!(pt.contains("Olá \\&quot;app\\&quot;"), "{pt}");
    let day = read(&out, "app/src/main/res/values/themes.xml");
    assert!(day.contains(
        "<style name=\"AppTheme\" parent=\"@android:style/Theme.Material.Light.NoActionBar\">"
    ));
    assert!(day.contains("<item name=\"android:statusBarColor\">#FF0D6EFD</item>"));
    assert!(day.contains("<item name=\"android:windowBackground\">#FFFAFAFA</item>"));
    assert!(day.contains("<item name=\"android:isLightTheme\">true</item>"));
    let night = read(&out, "app/src/main/res/values-night/themes.xml");
    assert!(night.contains(
        "<style name=\"AppTheme\" parent=\"@android:style/Theme.Material.NoActionBar\">"
    ));
    assert!(night.contains("<item name=\"android:isLightTheme\">false</item>"));
    let adaptive = read(&out, "app/src/main/res/mipmap-anydpi-v26/ic_launcher.xml");
    assert!(adaptive.contains("<background android:drawable=\"@color/ic_launcher_background\" />"));
    assert!(adaptive.contains("<foreground android:drawable=\"@mipmap/ic_launcher_foreground\" />"));
    for density in ["mdpi", "hdpi", "xhdpi", "xxhdpi", "xxxhdpi"] {
        for name in ["ic_launcher", "ic_launcher_foreground"] {
            let png =
                std::fs::read(out.join(format!("app/src/main/res/mipmap-{density}/{name}.png")))
                    .unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
    }

    // The shell's settings, as the packager writes them.
    let settings: Value =
        serde_json::from_str(&read(&out, "app/src/main/assets/nativiweb.json")).unwrap();
    assert_eq!(
        settings["start_url"],
        "https://appassets.androidplatform.net/"
    );
    assert_eq!(settings["asset_root"], "www");
    assert_eq!(settings["allowed_hosts"][0], "api.example.com");
    assert_eq!(settings["mime"]["js"][0], "text/javascript");
    // The Java shell reads those keys.
    let assets = read(&out, "app/src/main/java/app/nativiweb/shell/Assets.java");
    for key in [
        "\"asset_host\"",
        "\"asset_root\"",
        "\"allowed_hosts\"",
        "\"mime\"",
    ] {
        assert!(assets.contains(key), "Assets.java does not read {key}");
    }
}

#[test]
fn the_web_bundle_goes_through_the_bundle_filter() {
    let (_dir, out, generated) = full();
    let www = out.join("app/src/main/assets/www");
    let files: Vec<String> = tree(&www).into_keys().collect();
    assert_eq!(
        files,
        [
            ".well-known/assetlinks.json",
            "_next/static/chunk.js",
            "app.js",
            "docs/index.html",
            "img/logo.svg",
            "index.html",
            "style.css",
        ]
    );
    assert_eq!(generated.web_files, 7);
    for secret in [
        ".env",
        "release.p12",
        "upload.jks",
        "nativiweb.toml",
        "node_modules",
    ] {
        assert!(
            generated.left_out.iter().any(|l| l.rel == secret),
            "{secret} not reported as left out: {:?}",
            generated.left_out
        );
    }
    // Nothing secret-looking anywhere in the project's assets.
    for rel in tree(&out.join("app/src/main/assets")).keys() {
        let name = rel.rsplit('/').next().unwrap();
        assert!(
            !name.starts_with(".env") && !name.ends_with(".p12") && !name.ends_with(".jks"),
            "{rel} is in the app's assets"
        );
    }
    assert!(
        generated.warnings.iter().any(|w| w.contains("look secret")),
        "{:?}",
        generated.warnings
    );
}

#[test]
fn two_generations_are_byte_identical() {
    let (dir, dist) = project();
    let app = app(FULL);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    generate(&app, &dist, dir.path(), &a);
    generate(&app, &dist, dir.path(), &b);
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (rel, bytes) in &ta {
        assert!(tb[rel] == *bytes, "{rel} differs between two generations");
    }
    // And generating again in place changes nothing.
    let again = generate(&app, &dist, dir.path(), &a);
    assert!(again.written.is_empty(), "{:?}", again.written);
    assert!(again.kept.is_empty());
    assert_eq!(tree(&a), ta);
}

#[test]
fn regeneration_keeps_edits_and_refreshes_the_rest() {
    let (dir, dist) = project();
    let out = dir.path().join("android");
    generate(&app(FULL), &dist, dir.path(), &out);

    // The user edits the app's build file and MainActivity.java.
    let build = out.join("app/build.gradle.kts");
    let edited = read(&out, "app/build.gradle.kts").replace(
        "    compileOptions {",
        "    buildFeatures {\n        buildConfig = true\n    }\n\n    compileOptions {",
    );
    std::fs::write(&build, &edited).unwrap();
    let activity = out.join("app/src/main/java/app/nativiweb/shell/MainActivity.java");
    let mut java = read(
        &out,
        "app/src/main/java/app/nativiweb/shell/MainActivity.java",
    );
    java.push_str("// my change\n");
    std::fs::write(&activity, &java).unwrap();

    // New version, new name, changed web bundle.
    let app2 = app(&FULL
        .replace("version = \"3.1.4\"", "version = \"3.2.0\"")
        .replace("build = 1592", "build = 1600")
        .replace(
            "name_translations]\nfr = \"Bonjour l'app\"",
            "name_translations]\nfr = \"Salut\"",
        ));
    std::fs::write(dist.join("app.js"), "console.log('v2')").unwrap();
    std::fs::remove_file(dist.join("style.css")).unwrap();
    std::fs::write(dist.join("new.css"), "p{}").unwrap();
    let generated = generate(&app2, &dist, dir.path(), &out);

    // Edits survive and are reported, with nativiweb's version beside them.
    let kept: Vec<String> = generated
        .kept
        .iter()
        .map(|k| k.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        kept,
        [
            "app/build.gradle.kts",
            "app/src/main/java/app/nativiweb/shell/MainActivity.java"
        ]
    );
    assert_eq!(
        read(
            &out,
            "app/src/main/java/app/nativiweb/shell/MainActivity.java"
        ),
        java
    );
    assert!(out
        .join(".nativiweb/pending/app/src/main/java/app/nativiweb/shell/MainActivity.java")
        .is_file());
    assert!(generated
        .warnings
        .iter()
        .any(|w| w.contains("MainActivity.java: kept")));

    // The kept build file keeps the edit and still gets the new versions.
    let build_now = read(&out, "app/build.gradle.kts");
    assert!(build_now.contains("buildConfig = true"));
    assert!(
        build_now.contains("        versionCode = 1600\n"),
        "{build_now}"
    );
    assert!(build_now.contains("        versionName = \"3.2.0\"\n"));
    assert_eq!(
        generated.kept[0].updated_settings,
        ["versionCode", "versionName"]
    );

    // Untouched generated files are updated.
    assert!(read(&out, "app/src/main/res/values-fr/strings.xml").contains(">Salut</string>"));
    assert!(generated
        .written
        .iter()
        .any(|p| p == Path::new("app/src/main/res/values-fr/strings.xml")));

    // The web bundle is refreshed: changed, added and removed files.
    let www = out.join("app/src/main/assets/www");
    assert_eq!(
        std::fs::read_to_string(www.join("app.js")).unwrap(),
        "console.log('v2')"
    );
    assert!(www.join("new.css").is_file());
    assert!(!www.join("style.css").exists());

    // Taking nativiweb's version back: with overwrite_edits the edits go.
    let generated = GradleProject::generate(
        &app2,
        Some(&dist),
        dir.path(),
        &out,
        &GenerateOptions::new().overwrite_edits(true),
    )
    .unwrap();
    assert!(generated.kept.is_empty());
    assert!(!read(&out, "app/build.gradle.kts").contains("buildConfig = true"));
}

#[test]
fn a_remote_app_needs_no_bundle_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("android");
    let remote =
        app("start_url = \"https://app.example.com/\"\nallowed_hosts = [\"app.example.com\"]\n");
    let generated =
        GradleProject::generate(&remote, None, dir.path(), &out, &GenerateOptions::new()).unwrap();
    assert_eq!(generated.web_files, 0);
    assert!(!out.join("app/src/main/assets/www").exists());
    let settings: Value =
        serde_json::from_str(&read(&out, "app/src/main/assets/nativiweb.json")).unwrap();
    assert_eq!(settings["start_url"], "https://app.example.com/");

    // A bundled app without a bundle, an output folder that is a file, an old minSdk.
    let err = GradleProject::generate(&app(""), None, dir.path(), &out, &GenerateOptions::new())
        .unwrap_err();
    assert!(err.is_input() && err.field() == Some("web_dir"), "{err}");
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let err = GradleProject::generate(&remote, None, dir.path(), &file, &GenerateOptions::new())
        .unwrap_err();
    assert!(
        err.is_input() && err.to_string().contains("is a file"),
        "{err}"
    );
    let mut old = remote.clone();
    old.android.min_sdk = 21;
    let err =
        GradleProject::generate(&old, None, dir.path(), &out, &GenerateOptions::new()).unwrap_err();
    assert_eq!(err.field(), Some("android.min_sdk"), "{err}");
}

/// `python3` when it can import every module in `modules`; else skips (or fails under
/// NATIVIWEB_REQUIRE_TOOLS=1).
fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = nativiweb_core::testing::tool("python3")?;
    let imports = modules.join(", ");
    let ok = Command::new(&python)
        .args(["-c", &format!("import {imports}")])
        .output()
        .is_ok_and(|o| o.status.success());
    nativiweb_core::testing::require(
        &format!("Python modules {imports} (scripts/install.d/android.sh installs them)"),
        ok,
    )
    .then_some(python)
}

fn parse_report(python: &Path, files: &[String]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/java_kotlin_parse.py");
    let out = Command::new(python)
        .arg(&script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn java_sources_and_kotlin_scripts_parse_with_tree_sitter() {
    let Some(python) = python_with(&["tree_sitter", "tree_sitter_java", "tree_sitter_kotlin"])
    else {
        return;
    };
    let (dir, out, _) = full();

    // The oracle finds errors when there are some.
    let bad_java = dir.path().join("Bad.java");
    std::fs::write(&bad_java, "class A { void f( { int x = ; }\n").unwrap();
    let bad_kts = dir.path().join("bad.gradle.kts");
    std::fs::write(
        &bad_kts,
        "android {\n    compileSdk = \n    defaultConfig {\n",
    )
    .unwrap();
    let bad: Vec<String> = [&bad_java, &bad_kts]
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let report = parse_report(&python, &bad);
    for file in &bad {
        assert!(
            !report["problems"][file].as_array().unwrap().is_empty(),
            "tree-sitter found nothing wrong in {file}"
        );
    }

    let mut files: Vec<String> = tree(&out)
        .into_keys()
        .filter(|rel| rel.ends_with(".java") || rel.ends_with(".kts"))
        .map(|rel| out.join(rel).to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 8 + 3, "{files:?}");
    let report = parse_report(&python, &files);
    for file in &files {
        let problems = report["problems"][file].as_array().unwrap();
        assert!(problems.is_empty(), "{file}:\n{problems:#?}");
    }
    let main = out
        .join("app/src/main/java/app/nativiweb/shell/MainActivity.java")
        .to_string_lossy()
        .into_owned();
    assert_eq!(report["classes"][&main][0], "MainActivity");
}

/// The framework-res.apk aapt2 links against (Debian's `android-framework-res`, API 29).
const FRAMEWORK_RES: &str = "/usr/share/android-framework-res/framework-res.apk";

#[test]
fn the_manifest_and_resources_compile_and_link_with_aapt2() {
    let Some(aapt2) = nativiweb_core::testing::tool("aapt2") else {
        return;
    };
    if !nativiweb_core::testing::require(FRAMEWORK_RES, Path::new(FRAMEWORK_RES).is_file()) {
        return;
    }
    let (dir, out, _) = full();
    let work = dir.path().join("aapt2");
    std::fs::create_dir_all(&work).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let o = Command::new(&aapt2).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "aapt2 {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let res_zip = work.join("res.zip");
    run(&[
        "compile".as_ref(),
        "--dir".as_ref(),
        out.join("app/src/main/res").as_os_str(),
        "-o".as_ref(),
        res_zip.as_os_str(),
    ]);

    // What AGP's manifest merger does before it links: the package and versions from
    // app/build.gradle.kts go into the manifest (here as aapt2 options). The framework here is
    // API 29, which predates two configChanges flags (API 31 and 34) that android-36's has.
    let manifest = std::fs::read_to_string(out.join("app/src/main/AndroidManifest.xml"))
        .unwrap()
        .replacen("<manifest ", "<manifest package=\"com.example.hello\" ", 1)
        .replace("|grammaticalGender|fontWeightAdjustment", "");
    let merged = work.join("AndroidManifest.xml");
    std::fs::write(&merged, manifest).unwrap();
    let apk = work.join("app.apk");
    run(&[
        "link".as_ref(),
        "-I".as_ref(),
        FRAMEWORK_RES.as_ref(),
        "--manifest".as_ref(),
        merged.as_os_str(),
        "--min-sdk-version".as_ref(),
        "24".as_ref(),
        "--target-sdk-version".as_ref(),
        "36".as_ref(),
        "--version-code".as_ref(),
        "1592".as_ref(),
        "--version-name".as_ref(),
        "3.1.4".as_ref(),
        "-o".as_ref(),
        apk.as_os_str(),
        res_zip.as_os_str(),
    ]);

    // What was linked: the label (and its translations), the icon, the theme.
    let o = Command::new(&aapt2)
        .args(["dump", "resources"])
        .arg(&apk)
        .output()
        .unwrap();
    let dump = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "string/app_name",
        "\"Bonjour l'app\"",
        "mipmap/ic_launcher",
        "style/AppTheme",
        "color/ic_launcher_background",
    ] {
        assert!(dump.contains(needle), "aapt2 dump lacks {needle}:\n{dump}");
    }
}
