//! Property tests: whatever bytes a project's files hold, detection never panics.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;

use nativiweb_core::detect::detect;

/// Every file detection may open, at the places it looks.
const FILES: &[&str] = &[
    "package.json",
    "capacitor.config.ts",
    "capacitor.config.json",
    "app.json",
    "app.config.json",
    "app.config.ts",
    "config.xml",
    "pubspec.yaml",
    "pnpm-workspace.yaml",
    "lerna.json",
    "rush.json",
    "angular.json",
    "vite.config.ts",
    "next.config.mjs",
    "svelte.config.js",
    "astro.config.mjs",
    "index.html",
    "manifest.webmanifest",
    "twa-manifest.json",
    "settings.gradle",
    "app/build.gradle",
    "yarn.lock",
    "src-tauri/tauri.conf.json",
    "src-tauri/Tauri.toml",
    "apps/web/package.json",
    "apps/web/project.json",
];

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// Files every case has, so the decisions that read the fuzzed files are reached.
fn scaffold(root: &Path) {
    fs::create_dir_all(root.join("www")).unwrap();
    fs::create_dir_all(root.join("apps/web")).unwrap();
}

/// Text that looks like the files' languages, to get past the first byte of each parser.
fn code_like() -> impl Strategy<Value = Vec<u8>> {
    prop::string::string_regex(
        r#"([{}\[\]():,;=<>/*'"`$\\!#&+?.\n -]|export|default|build|outDir|webDir|expo|output|widget|name|packages|dependencies|flutter|sdk|include|manifest|rel|href|version|\d|[a-z]|é|\u{1F600})*"#,
    )
    .unwrap()
    .prop_map(String::into_bytes)
}

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "name",
        "version",
        "dependencies",
        "devDependencies",
        "scripts",
        "build",
        "workspaces",
        "packages",
        "packageManager",
        "expo",
        "android",
        "ios",
        "package",
        "versionCode",
        "bundleIdentifier",
        "appId",
        "appName",
        "webDir",
        "projects",
        "architect",
        "options",
        "outputPath",
        "builder",
        "defaultProject",
        "icons",
        "src",
        "sizes",
        "purpose",
        "start_url",
        "short_name",
        "theme_color",
        "host",
        "startUrl",
        "projectFolder",
        "frontendDist",
        "next",
        "vite",
        "@capacitor/core",
        "react-native",
        "targets",
        "executor",
        "projectType",
        "devEngines",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "",
            "vite build",
            "export",
            "../x",
            "/abs",
            "workspace:*",
            "catalog:",
            "nightly",
            "pnpm@9",
            "yarn@4",
            "com.example.app",
            "#fff",
            "rgb(1,2,3)",
            "512x512",
            "a b",
            "@angular/build:application",
            "https://x.example",
            "dist",
            "apps/*",
            "!**/test/**",
            "**",
            "[",
            "{a,b}",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        code_like(),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_files_never_panic(files in prop::collection::vec((prop::sample::select(FILES), content()), 1..8)) {
        let dir = tempfile::tempdir().unwrap();
        scaffold(dir.path());
        for (name, bytes) in &files {
            put(dir.path(), name, bytes);
        }
        // Either a detection or a typed error; never a panic.
        let _ = detect(dir.path());
        let _ = detect(&dir.path().join("apps/web"));
    }

    #[test]
    fn arbitrary_package_json_never_panics(v in json_value()) {
        let dir = tempfile::tempdir().unwrap();
        put(dir.path(), "package.json", &serde_json::to_vec(&v).unwrap());
        put(dir.path(), "index.html", b"<link rel=manifest href=m.json>");
        put(dir.path(), "m.json", &serde_json::to_vec(&v).unwrap());
        put(dir.path(), "angular.json", &serde_json::to_vec(&v).unwrap());
        put(dir.path(), "capacitor.config.json", &serde_json::to_vec(&v).unwrap());
        let d = detect(dir.path()).unwrap();
        // Whatever it prefilled passes validation.
        let mut p = d.prefill.clone();
        p.id = p.id.or_else(|| Some("com.example.probe".into()));
        p.name = p.name.or_else(|| Some("Probe".into()));
        prop_assert!(nativiweb_core::config::AppConfig::resolve(p, Some(&d.root)).is_ok());
    }
}
