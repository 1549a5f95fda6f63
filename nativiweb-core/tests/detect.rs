//! Detection against the fixtures in tests/fixtures/detect: every kind, framework, package
//! manager, workspace tool and config source, including the false positives the rules name.

use std::path::{Path, PathBuf};

use nativiweb_core::config::{AppConfig, Orientation};
use nativiweb_core::detect::{detect, Detection, Framework, Lockfile, PackageManager, ProjectKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/detect")
        .join(name)
}

fn run(name: &str) -> Detection {
    detect(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One expected row: fixture, kind, framework, package manager, build command, output dir.
type Row = (
    &'static str,
    ProjectKind,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

fn check(rows: &[Row]) {
    let mut failures = Vec::new();
    for (name, kind, framework, pm, build, out) in rows {
        let d = run(name);
        let got = (
            d.kind,
            d.framework.as_deref(),
            d.package_manager.as_deref(),
            d.build_command.as_deref(),
            d.output_dir.as_deref().map(|p| p.to_str().unwrap()),
        );
        let want = (*kind, *framework, *pm, *build, *out);
        if got != want {
            failures.push(format!(
                "{name}:\n   got {got:?}\n  want {want:?}\n  warnings {:?}",
                d.warnings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn kinds() {
    use ProjectKind::*;
    check(&[
        (
            "web-vite",
            Web,
            Some("vite"),
            Some("pnpm"),
            Some("pnpm run build"),
            Some("www"),
        ),
        (
            "capacitor-ts",
            Capacitor,
            Some("vite"),
            Some("npm"),
            Some("npm run build"),
            Some("dist/app"),
        ),
        (
            "capacitor-ionic-angular",
            Capacitor,
            Some("ionic-angular"),
            Some("yarn"),
            Some("yarn run build"),
            Some("www/browser"),
        ),
        ("cordova", Cordova, Some("static"), None, None, Some("www")),
        (
            "expo",
            Expo,
            Some("expo"),
            Some("bun"),
            Some("bunx expo export -p web"),
            Some("dist"),
        ),
        (
            "expo-app-config-json",
            Expo,
            Some("expo"),
            Some("npm"),
            Some("npx expo export -p web"),
            Some("dist"),
        ),
        (
            "expo-app-config-ts",
            Expo,
            Some("expo"),
            Some("npm"),
            Some("npx expo export -p web"),
            Some("dist"),
        ),
        ("react-native", ReactNative, None, Some("yarn"), None, None),
        (
            "flutter",
            Flutter,
            Some("flutter"),
            None,
            Some("flutter build web"),
            Some("build/web"),
        ),
        ("android", Android, None, None, None, None),
        ("twa", Android, None, None, None, None),
        ("xcode", Xcode, None, None, None, None),
        ("static", Web, Some("static"), None, None, Some(".")),
        (
            "static-prebuilt",
            Web,
            Some("static"),
            None,
            None,
            Some("www"),
        ),
        ("unknown", Unknown, None, None, None, None),
    ]);
}

#[test]
fn false_positives() {
    use ProjectKind::*;
    check(&[
        // A Heroku app.json is not Expo.
        ("heroku-app-json", Unknown, None, Some("npm"), None, None),
        // config.xml without www/ is not Cordova.
        ("cordova-xml-without-www", Unknown, None, None, None, None),
        // A Dart package is not Flutter.
        ("dart-package", Unknown, None, None, None, None),
        // An Android library project is not an app.
        ("android-library-only", Unknown, None, None, None, None),
        // nextra is not next (no framework: only the build script).
        (
            "fw-nextra",
            Web,
            None,
            Some("npm"),
            Some("npm run build"),
            None,
        ),
        // preact is not react: a preact app on vite is vite.
        (
            "fw-preact-vite",
            Web,
            Some("vite"),
            Some("npm"),
            Some("npm run build"),
            Some("dist"),
        ),
        // react-router the library is not the React Router framework.
        (
            "fw-react-router-library",
            Web,
            Some("vite"),
            Some("npm"),
            Some("npm run build"),
            Some("dist"),
        ),
    ]);
}

#[test]
fn frameworks() {
    use ProjectKind::Web;
    let npm = Some("npm");
    let run = Some("npm run build");
    check(&[
        (
            "fw-nextjs-export",
            Web,
            Some("nextjs"),
            npm,
            run,
            Some("out"),
        ),
        (
            "fw-nextjs-distdir",
            Web,
            Some("nextjs"),
            npm,
            run,
            Some("static-out"),
        ),
        (
            "fw-nextjs-server",
            Web,
            Some("nextjs"),
            npm,
            run,
            Some("out"),
        ),
        (
            "fw-nextjs-legacy-export",
            Web,
            Some("nextjs"),
            npm,
            run,
            Some("exported"),
        ),
        (
            "fw-nuxt",
            Web,
            Some("nuxt"),
            npm,
            Some("npm run generate"),
            Some(".output/public"),
        ),
        (
            "fw-nuxt2",
            Web,
            Some("nuxt"),
            npm,
            Some("npx nuxt generate"),
            Some("dist"),
        ),
        (
            "fw-sveltekit-static",
            Web,
            Some("sveltekit"),
            npm,
            run,
            Some("public"),
        ),
        (
            "fw-sveltekit-auto",
            Web,
            Some("sveltekit"),
            npm,
            run,
            Some("build"),
        ),
        (
            "fw-remix",
            Web,
            Some("remix"),
            npm,
            run,
            Some("build/client"),
        ),
        (
            "fw-react-router",
            Web,
            Some("react-router"),
            npm,
            run,
            Some("out/client"),
        ),
        ("fw-astro", Web, Some("astro"), npm, run, Some("site")),
        ("fw-gatsby", Web, Some("gatsby"), npm, run, Some("public")),
        (
            "fw-angular",
            Web,
            Some("angular"),
            npm,
            run,
            Some("dist/shop"),
        ),
        (
            "fw-angular-default-path",
            Web,
            Some("angular"),
            npm,
            run,
            Some("dist/store/browser"),
        ),
        (
            "fw-angular-browser-builder",
            Web,
            Some("angular"),
            npm,
            run,
            Some("dist/legacy"),
        ),
        (
            "fw-create-react-app",
            Web,
            Some("create-react-app"),
            npm,
            run,
            Some("build"),
        ),
        (
            "fw-vue-cli",
            Web,
            Some("vue-cli"),
            npm,
            run,
            Some("public-build"),
        ),
        (
            "fw-preact-cli",
            Web,
            Some("preact-cli"),
            npm,
            run,
            Some("build"),
        ),
        (
            "fw-parcel",
            Web,
            Some("parcel"),
            npm,
            Some("npx parcel build index.html"),
            Some("dist"),
        ),
        ("fw-stencil", Web, Some("stencil"), npm, run, Some("www")),
        ("fw-ember", Web, Some("ember"), npm, run, Some("dist")),
        (
            "fw-eleventy",
            Web,
            Some("eleventy"),
            npm,
            run,
            Some("public"),
        ),
        (
            "fw-docusaurus",
            Web,
            Some("docusaurus"),
            npm,
            run,
            Some("site-build"),
        ),
        (
            "fw-vitepress",
            Web,
            Some("vitepress"),
            npm,
            run,
            Some("docs/.vitepress/dist"),
        ),
        (
            "fw-solid-start",
            Web,
            Some("solid-start"),
            npm,
            run,
            Some(".output/public"),
        ),
        ("fw-qwik", Web, Some("qwik"), npm, run, Some("dist")),
        ("fw-quasar", Web, Some("quasar"), npm, run, Some("dist/pwa")),
        (
            "fw-ionic-react",
            Web,
            Some("ionic-react"),
            npm,
            run,
            Some("dist"),
        ),
        (
            "fw-ionic-vue",
            Web,
            Some("ionic-vue"),
            npm,
            run,
            Some("built"),
        ),
        (
            "fw-vite-no-script",
            Web,
            Some("vite"),
            npm,
            Some("npx vite build"),
            Some("dist"),
        ),
        (
            "fw-vite-root",
            Web,
            Some("vite"),
            npm,
            run,
            Some("public-dist"),
        ),
        (
            "fw-tauri",
            Web,
            Some("vite"),
            npm,
            run,
            Some("frontend-dist"),
        ),
    ]);
}

#[test]
fn static_export_problems_are_warned_and_kept() {
    let d = run("fw-nextjs-server");
    assert!(
        d.warnings.iter().any(|w| w.contains("output: 'export'")),
        "{:?}",
        d.warnings
    );
    assert!(d
        .not_static
        .as_deref()
        .is_some_and(|w| w.contains("Next.js")));
    let d = run("fw-nextjs-export");
    assert!(
        d.warnings.is_empty() && d.not_static.is_none(),
        "{:?}",
        d.warnings
    );
    let d = run("fw-sveltekit-auto");
    assert!(d
        .not_static
        .as_deref()
        .is_some_and(|w| w.contains("adapter-static")));
    assert!(run("fw-sveltekit-static").not_static.is_none());
}

#[test]
fn package_managers() {
    /// Fixture, manager, lockfile followed, install argv, whether a warning is expected.
    type Case = (
        &'static str,
        PackageManager,
        Option<Lockfile>,
        &'static [&'static str],
        bool,
    );
    let cases: &[Case] = &[
        (
            "pm-none",
            PackageManager::Npm,
            None,
            &["npm", "install"],
            false,
        ),
        (
            "pm-shrinkwrap",
            PackageManager::Npm,
            Some(Lockfile::NpmShrinkwrap),
            &["npm", "ci"],
            false,
        ),
        (
            "web-vite",
            PackageManager::Pnpm,
            Some(Lockfile::Pnpm),
            &["pnpm", "install", "--frozen-lockfile"],
            false,
        ),
        (
            "pm-yarn-classic",
            PackageManager::Yarn,
            Some(Lockfile::YarnClassic),
            &["yarn", "install", "--frozen-lockfile"],
            false,
        ),
        (
            "pm-yarn-berry",
            PackageManager::Yarn,
            Some(Lockfile::YarnBerry),
            &["yarn", "install", "--immutable"],
            false,
        ),
        (
            "pm-bun-lock",
            PackageManager::Bun,
            Some(Lockfile::Bun),
            &["bun", "install", "--frozen-lockfile"],
            false,
        ),
        (
            "pm-bun-lockb",
            PackageManager::Bun,
            Some(Lockfile::BunBinary),
            &["bun", "install", "--frozen-lockfile"],
            false,
        ),
        // The field wins over a lockfile of another manager, with a warning.
        (
            "pm-field-pnpm",
            PackageManager::Pnpm,
            None,
            &["pnpm", "install"],
            true,
        ),
        (
            "pm-field-yarn-berry",
            PackageManager::Yarn,
            None,
            &["yarn", "install"],
            false,
        ),
        (
            "pm-dev-engines",
            PackageManager::Pnpm,
            Some(Lockfile::Pnpm),
            &["pnpm", "install", "--frozen-lockfile"],
            false,
        ),
        // Several lockfiles and no field: the most specific, with a warning.
        (
            "pm-several",
            PackageManager::Pnpm,
            Some(Lockfile::Pnpm),
            &["pnpm", "install", "--frozen-lockfile"],
            true,
        ),
    ];
    for (name, pm, lock, argv, warned) in cases {
        let d = run(name);
        let plan = d
            .install
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no install plan"));
        assert_eq!(d.package_manager_kind(), Some(*pm), "{name}");
        assert_eq!(plan.manager, *pm, "{name}");
        assert_eq!(plan.lockfile, *lock, "{name}");
        assert_eq!(plan.argv(), *argv, "{name}");
        assert_eq!(plan.dir, d.root, "{name}");
        assert_eq!(!d.warnings.is_empty(), *warned, "{name}: {:?}", d.warnings);
    }
    let several = run("pm-several");
    assert!(
        several.warnings[0].contains("pnpm-lock.yaml")
            && several.warnings[0].contains("package-lock.json")
    );
    assert!(run("pm-field-yarn-berry").install.unwrap().yarn_berry);
    assert!(run("react-native").install.unwrap().yarn_berry);
}

fn members(d: &Detection) -> Vec<(String, ProjectKind, Option<String>)> {
    d.workspace
        .as_ref()
        .expect("a workspace")
        .members
        .iter()
        .map(|m| {
            (
                m.path.to_string_lossy().into_owned(),
                m.kind,
                m.framework.clone(),
            )
        })
        .collect()
}

fn m(path: &str, kind: ProjectKind, fw: Option<&str>) -> (String, ProjectKind, Option<String>) {
    (path.to_owned(), kind, fw.map(str::to_owned))
}

#[test]
fn workspaces() {
    use ProjectKind::*;
    let d = run("ws-pnpm");
    assert_eq!(d.kind, Workspace);
    assert_eq!(d.framework, None);
    assert_eq!(d.build_command, None);
    assert_eq!(d.workspace.as_ref().unwrap().tool, "pnpm");
    // `*` is one level, `**` any depth, `!**/test/**` excludes; android/ inside the Capacitor
    // app and the folder without package.json are not members.
    assert_eq!(
        members(&d),
        vec![
            m("apps/mobile", Capacitor, Some("vite")),
            m("apps/web", Web, Some("vite")),
            m("packages/nested/deep", Web, Some("astro")),
            m("packages/ui", Unknown, None),
        ]
    );

    let d = run("ws-npm");
    assert_eq!(
        (d.kind, d.workspace.as_ref().unwrap().tool.as_str()),
        (Workspace, "npm")
    );
    assert_eq!(
        members(&d),
        vec![
            m("packages/lib", Unknown, None),
            m("packages/site", Web, Some("docusaurus"))
        ]
    );

    let d = run("ws-yarn");
    assert_eq!(d.workspace.as_ref().unwrap().tool, "yarn");
    assert_eq!(
        members(&d),
        vec![
            m("apps/expo", Expo, Some("expo")),
            m("apps/native", ReactNative, None)
        ]
    );

    let d = run("ws-lerna");
    assert_eq!(d.workspace.as_ref().unwrap().tool, "lerna");
    assert_eq!(members(&d), vec![m("modules/a", Web, Some("gatsby"))]);

    let d = run("ws-nx");
    assert_eq!(
        (d.kind, d.workspace.as_ref().unwrap().tool.as_str()),
        (Workspace, "nx")
    );
    assert_eq!(
        members(&d),
        vec![
            m("apps/shop", Web, Some("angular")),
            m("libs/shared/ui", Unknown, None)
        ]
    );

    let d = run("ws-turbo");
    assert_eq!(
        (
            d.workspace.as_ref().unwrap().tool.as_str(),
            d.package_manager.as_deref()
        ),
        ("turbo", Some("bun"))
    );
    assert_eq!(members(&d), vec![m("apps/web", Web, Some("nextjs"))]);

    let d = run("ws-rush");
    assert_eq!(d.workspace.as_ref().unwrap().tool, "rush");
    assert_eq!(members(&d), vec![m("apps/portal", Web, Some("vite"))]);
    assert!(
        d.warnings.iter().any(|w| w.contains("../outside")),
        "{:?}",
        d.warnings
    );

    // A root that is itself an app stays an app, with its workspace listed.
    let d = run("ws-root-app");
    assert_eq!((d.kind, d.framework.as_deref()), (Web, Some("nextjs")));
    assert_eq!(members(&d), vec![m("packages/utils", Unknown, None)]);
}

#[test]
fn a_member_finds_its_workspace_root_above() {
    let root = fixture("ws-pnpm").canonicalize().unwrap();
    let d = detect(&root.join("apps/web")).unwrap();
    assert_eq!(d.kind, ProjectKind::Web);
    assert_eq!(d.package_manager.as_deref(), Some("pnpm"));
    assert_eq!(d.build_command.as_deref(), Some("pnpm run build"));
    let plan = d.install.unwrap();
    assert_eq!(plan.dir, root);
    assert_eq!(plan.lockfile, Some(Lockfile::Pnpm));
    assert_eq!(d.workspace.unwrap().tool, "pnpm");

    // The lockfile of a bun workspace reaches its member too.
    let ws = fixture("ws-turbo").canonicalize().unwrap();
    let d = detect(&ws.join("apps/web")).unwrap();
    assert_eq!(d.package_manager.as_deref(), Some("bun"));
    assert_eq!(d.install.unwrap().dir, ws);
    assert_eq!(d.output_dir.as_deref(), Some(Path::new("out")));
}

#[test]
fn pwa_manifest_prefills_the_config() {
    let d = run("web-vite");
    assert_eq!(
        d.pwa_manifest.as_deref(),
        Some(Path::new("public/app.webmanifest"))
    );
    let p = &d.prefill;
    // short_name is the launcher label.
    assert_eq!(p.name.as_deref(), Some("Hello"));
    assert_eq!(p.start_url.as_deref(), Some("/"));
    assert_eq!(p.orientation, Some(Orientation::Portrait));
    assert_eq!(p.theme_color.as_deref(), Some("#0d6efd"));
    assert_eq!(p.background_color.as_deref(), Some("#ffffff"));
    // The largest PNG for `any` purpose (not the maskable one, not the SVG).
    assert_eq!(
        p.icon.as_deref(),
        Some(Path::new("public/icons/icon-512.png"))
    );
    assert_eq!(
        d.manifest.as_ref().unwrap().display.as_deref(),
        Some("standalone")
    );
    // An npm scope never becomes an id.
    assert_eq!(p.id, None);

    let d = run("static");
    assert_eq!(
        d.pwa_manifest.as_deref(),
        Some(Path::new("site.webmanifest"))
    );
    assert_eq!(d.prefill.theme_color.as_deref(), Some("#0d6efd"));
    assert_eq!(d.prefill.start_url.as_deref(), Some("/index.html"));

    let d = run("capacitor-ionic-angular");
    assert_eq!(
        d.pwa_manifest.as_deref(),
        Some(Path::new("src/manifest.webmanifest"))
    );
    // capacitor.config wins over the manifest for the name; the manifest adds the colour.
    assert_eq!(d.prefill.name.as_deref(), Some("Ionic Starter"));
    assert_eq!(d.prefill.theme_color.as_deref(), Some("#3880ff"));
    assert_eq!(d.prefill.background_color.as_deref(), Some("#112233"));
}

#[test]
fn config_sources_prefill() {
    let p = run("capacitor-ts").prefill;
    assert_eq!(p.id.as_deref(), Some("com.example.captain"));
    assert_eq!(p.name.as_deref(), Some("Captain"));
    // The computed live-reload URL is not a literal, so it is not used.
    assert_eq!(p.start_url, None);

    let d = run("expo");
    let p = &d.prefill;
    assert_eq!(p.id.as_deref(), Some("com.example.expogofar"));
    assert_eq!(p.name.as_deref(), Some("Expo Go Far"));
    assert_eq!(p.version.as_deref(), Some("3.1.0"));
    assert_eq!(p.build, Some(31));
    assert_eq!(p.orientation, Some(Orientation::Portrait));
    assert_eq!(p.icon.as_deref(), Some(Path::new("assets/icon.png")));
    assert_eq!(d.app.id.as_deref(), Some("com.example.expogofar"));

    let p = run("expo-app-config-ts").prefill;
    assert_eq!(
        (p.id.as_deref(), p.name.as_deref(), p.version.as_deref()),
        (
            Some("com.example.typedexpo"),
            Some("Typed Expo"),
            Some("1.4.0")
        )
    );

    let p = run("twa").prefill;
    assert_eq!(p.id.as_deref(), Some("com.example.twa"));
    assert_eq!(p.name.as_deref(), Some("Example"));
    assert_eq!(p.start_url.as_deref(), Some("https://pwa.example.com/app/"));
    assert_eq!(p.build, Some(4));
    assert_eq!(p.android.min_sdk, Some(21));
    assert_eq!(p.theme_color.as_deref(), Some("#6200ee"));

    let p = run("cordova").prefill;
    assert_eq!(p.id.as_deref(), Some("com.example.cordovaapp"));
    assert_eq!(p.name.as_deref(), Some("Cordova & Friends"));
    assert_eq!(p.version.as_deref(), Some("2.3.4"));
    assert_eq!(p.build, Some(20304));
    assert_eq!(p.orientation, Some(Orientation::Landscape));
    assert_eq!(
        (p.android.min_sdk, p.android.target_sdk),
        (Some(24), Some(35))
    );
    assert_eq!(p.icon.as_deref(), Some(Path::new("res/icon.png")));

    let d = run("flutter");
    assert_eq!(d.prefill.version.as_deref(), Some("1.2.3"));
    assert_eq!(d.prefill.build, Some(45));
    assert_eq!(
        d.pwa_manifest.as_deref(),
        Some(Path::new("web/manifest.json"))
    );
    assert_eq!(
        d.prefill.icon.as_deref(),
        Some(Path::new("web/icons/Icon-512.png"))
    );

    let p = run("android").prefill;
    assert_eq!(
        (p.id.as_deref(), p.version.as_deref(), p.build),
        (Some("com.example.nativeapp"), Some("1.4"), Some(12))
    );
    assert_eq!(
        (p.android.min_sdk, p.android.target_sdk),
        (Some(26), Some(35))
    );

    // Odd versions never break parsing, and are not prefilled.
    let d = run("odd-versions");
    assert_eq!(
        (d.kind, d.framework.as_deref()),
        (ProjectKind::Web, Some("vite"))
    );
    assert_eq!(d.prefill.name.as_deref(), Some("my-app"));
    assert_eq!(d.prefill.version, None);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn every_prefill_resolves() {
    // Whatever detection prefills passes AppConfig validation once an id and name are given.
    let base = std::fs::read_dir(fixture("")).unwrap();
    for entry in base {
        let path = entry.unwrap().path();
        let d = detect(&path).unwrap();
        let mut p = d.prefill.clone();
        p.id = p.id.or_else(|| Some("com.example.probe".into()));
        p.name = p.name.or_else(|| Some("Probe".into()));
        if let Err(e) = AppConfig::resolve(p, Some(&d.root)) {
            panic!("{}: prefill does not resolve: {e}", path.display());
        }
    }
}

#[test]
fn malformed_files_are_warnings_naming_the_file() {
    let d = run("malformed");
    for file in [
        "package.json",
        "config.xml",
        "pubspec.yaml",
        "pnpm-workspace.yaml",
        "m.json",
    ] {
        assert!(
            d.warnings
                .iter()
                .any(|w| w.starts_with(file) && w.contains("not valid")),
            "{file}: {:?}",
            d.warnings
        );
    }
    // The index.html still makes it a static site.
    assert_eq!(d.kind, ProjectKind::Web);
}

#[test]
fn json_shape_matches_the_design() {
    let d = run("web-vite");
    let v = serde_json::to_value(&d).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "app",
            "build_command",
            "framework",
            "kind",
            "output_dir",
            "package_manager",
            "pwa_manifest",
            "root",
            "warnings",
            "workspace"
        ]
    );
    assert_eq!(v["kind"], "web");
    assert_eq!(v["framework"], "vite");
    assert_eq!(v["package_manager"], "pnpm");
    assert_eq!(v["output_dir"], "www");
    assert_eq!(
        v["app"],
        serde_json::json!({"id": null, "name": "Hello", "version": "0.1.0"})
    );
    let ws = serde_json::to_value(run("ws-npm")).unwrap();
    assert_eq!(
        ws["workspace"]["members"][1],
        serde_json::json!({"path": "packages/site", "kind": "web", "framework": "docusaurus"})
    );
    assert_eq!(
        serde_json::to_value(run("react-native").kind).unwrap(),
        "react-native"
    );
    // Deterministic: the same project gives byte-identical JSON.
    assert_eq!(
        serde_json::to_string(&run("ws-pnpm")).unwrap(),
        serde_json::to_string(&run("ws-pnpm")).unwrap()
    );
}

#[test]
fn typed_accessors() {
    let d = run("capacitor-ionic-angular");
    assert_eq!(d.framework_kind(), Some(Framework::IonicAngular));
    assert_eq!(
        run("fw-vite-no-script").build_argv().unwrap(),
        ["npx", "vite", "build"]
    );
    assert!(run("unknown").build_argv().is_none());
}

#[test]
fn not_a_directory() {
    let e = detect(&fixture("static/index.html")).unwrap_err();
    assert!(e.to_string().contains("not a directory"), "{e}");
    assert!(detect(&fixture("does-not-exist")).is_err());
}

#[test]
fn malformed_toml_and_jsonc_are_warnings_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let put = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    put(
        "package.json",
        r#"{"devDependencies":{"vite":"7"},"scripts":{"build":"vite build"}}"#,
    );
    put("src-tauri/Tauri.toml", "[build\nfrontend-dist = \n");
    let d = detect(root).unwrap();
    assert!(
        d.warnings
            .iter()
            .any(|w| w.starts_with("src-tauri/Tauri.toml is not valid TOML")),
        "{:?}",
        d.warnings
    );
    // The framework default stands in for the unreadable config.
    assert_eq!(d.output_dir.as_deref(), Some(Path::new("dist")));

    put("rush.json", "{ \"projects\": [ { \"projectFolder\": ");
    let d = detect(root).unwrap();
    assert!(
        d.warnings
            .iter()
            .any(|w| w.starts_with("rush.json is not valid JSON")),
        "{:?}",
        d.warnings
    );
}
