//! Detection and builds on real monorepo layouts: a member uses its workspace's package
//! manager whatever lockfiles lie inside it, a yarn workspace without a lockfile is known by
//! its scripts, Expo's web bundler decides where its export goes, and a member is built with
//! its whole workspace (install at the root, build in the member).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nativiweb_core::detect::detect;
use nativiweb_core::events::event_channel;
use nativiweb_core::memory::{MemorySink, WebZipBuilder};
use nativiweb_core::source::DirectorySource;
use nativiweb_core::{BuildStatus, CancellationToken, Pipeline, Platform};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The layout of create-t3-turbo: a pnpm workspace with catalogs, turbo, a Next.js app and
/// an Expo app that depend on workspace packages.
fn t3_turbo(root: &Path) {
    write(
        root,
        "package.json",
        r#"{"name":"create-t3-turbo","private":true,"packageManager":"pnpm@10.11.1","scripts":{"build":"turbo run build"},"devDependencies":{"turbo":"^2.5.4","prettier":"catalog:"}}"#,
    );
    write(
        root,
        "pnpm-workspace.yaml",
        "packages:\n  - apps/*\n  - packages/*\n  - tooling/*\n\ncatalog:\n  prettier: ^3.5.3\n\ncatalogs:\n  react19:\n    react: 19.1.0\n",
    );
    write(root, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    write(root, "turbo.json", "{\"tasks\":{}}");
    write(
        root,
        "apps/nextjs/package.json",
        r#"{"name":"@acme/nextjs","private":true,"scripts":{"build":"next build"},"dependencies":{"@acme/api":"workspace:*","next":"^15.3.3","react":"catalog:react19"}}"#,
    );
    write(
        root,
        "apps/nextjs/next.config.js",
        "export default { output: 'export' };\n",
    );
    write(
        root,
        "apps/expo/package.json",
        r#"{"name":"@acme/expo","private":true,"main":"index.ts","dependencies":{"expo":"~53.0.11","react-native":"~0.79.3","@acme/api":"workspace:*"}}"#,
    );
    write(
        root,
        "apps/expo/app.json",
        r#"{"expo":{"name":"expo","slug":"expo"}}"#,
    );
    write(
        root,
        "packages/api/package.json",
        r#"{"name":"@acme/api","version":"0.1.0"}"#,
    );
}

#[test]
fn pnpm_workspace_members_use_pnpm_even_with_a_stray_lockfile() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("t3");
    t3_turbo(&root);
    for member in ["apps/nextjs", "apps/expo"] {
        let d = detect(&root.join(member)).unwrap();
        assert_eq!(
            d.package_manager.as_deref(),
            Some("pnpm"),
            "{member}: {:?}",
            d.warnings
        );
        assert_eq!(
            d.install.as_ref().unwrap().dir,
            root.canonicalize().unwrap()
        );
    }
    // Someone ran `npm install` inside the member: the workspace still decides.
    write(&root, "apps/nextjs/package-lock.json", "{}");
    write(&root, "apps/nextjs/yarn.lock", "");
    let d = detect(&root.join("apps/nextjs")).unwrap();
    assert_eq!(
        d.package_manager.as_deref(),
        Some("pnpm"),
        "{:?}",
        d.warnings
    );
    assert_eq!(d.build_command.as_deref(), Some("pnpm run build"));
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("package-lock.json") && w.contains("stray lockfile")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn a_yarn_workspace_without_a_lockfile_is_known_by_its_scripts() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mono");
    write(
        &root,
        "package.json",
        r#"{"name":"mono","private":true,"workspaces":["packages/*"],"scripts":{"build":"yarn workspaces foreach -A run build","lint":"yarn eslint ."}}"#,
    );
    write(
        &root,
        "packages/web/package.json",
        r#"{"name":"web","scripts":{"build":"vite build"},"devDependencies":{"vite":"^7.0.0"}}"#,
    );
    let d = detect(&root).unwrap();
    assert_eq!(
        d.package_manager.as_deref(),
        Some("yarn"),
        "{:?}",
        d.warnings
    );
    assert_eq!(d.workspace.as_ref().unwrap().tool, "yarn");
    let member = detect(&root.join("packages/web")).unwrap();
    assert_eq!(
        member.package_manager.as_deref(),
        Some("yarn"),
        "{:?}",
        member.warnings
    );
    assert_eq!(member.build_command.as_deref(), Some("yarn run build"));
    // Without such scripts, npm stays the default.
    write(
        &root,
        "package.json",
        r#"{"name":"mono","private":true,"workspaces":["packages/*"],"scripts":{"build":"tsc -b"}}"#,
    );
    assert_eq!(
        detect(&root).unwrap().package_manager.as_deref(),
        Some("npm")
    );
}

#[test]
fn expo_on_webpack_exports_to_web_build() {
    let tmp = tempfile::tempdir().unwrap();
    let app = |name: &str, expo: &str, app_json: &str| {
        let dir = tmp.path().join(name);
        write(
            &dir,
            "package.json",
            &format!(
                r#"{{"name":"{name}","dependencies":{{"expo":"{expo}","react-native":"0.72.0"}}}}"#
            ),
        );
        write(&dir, "package-lock.json", "{}");
        write(&dir, "app.json", app_json);
        detect(&dir).unwrap()
    };
    let old = app("sdk49", "~49.0.0", r#"{"expo":{"name":"Old"}}"#);
    assert_eq!(old.output_dir.as_deref(), Some(Path::new("web-build")));
    assert_eq!(old.build_command.as_deref(), Some("npx expo export:web"));
    let metro = app(
        "sdk49-metro",
        "^49.0.3",
        r#"{"expo":{"name":"Metro","web":{"bundler":"metro"}}}"#,
    );
    assert_eq!(metro.output_dir.as_deref(), Some(Path::new("dist")));
    assert_eq!(
        metro.build_command.as_deref(),
        Some("npx expo export -p web")
    );
    let new = app("sdk51", "~51.0.0", r#"{"expo":{"name":"New"}}"#);
    assert_eq!(new.output_dir.as_deref(), Some(Path::new("dist")));
    // An app.config.js that sets metro on an old SDK.
    let dir = tmp.path().join("sdk48-js");
    write(
        &dir,
        "package.json",
        r#"{"name":"js","dependencies":{"expo":"48.0.0"}}"#,
    );
    write(
        &dir,
        "app.config.js",
        "export default { expo: { name: 'Js', web: { bundler: 'metro' } } };\n",
    );
    assert_eq!(
        detect(&dir).unwrap().output_dir.as_deref(),
        Some(Path::new("dist"))
    );
}

#[tokio::test]
async fn a_member_is_built_with_its_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("t3");
    t3_turbo(&root);
    std::fs::create_dir_all(root.join("node_modules/.pnpm")).unwrap();
    // A stand-in pnpm that records where it ran and writes the export like `next build`.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = tmp.path().join("calls.log");
    for tool in ["node", "pnpm"] {
        let p = bin.join(tool);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"{tool} $* @ $(pwd)\" >> \"{}\"\nif [ \"$2\" = build ]; then mkdir -p out && echo '<h1>t3</h1>' > out/index.html; fi\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mkdir = nativiweb_core::testing::which("mkdir").unwrap();
    std::os::unix::fs::symlink(mkdir, bin.join("mkdir")).unwrap();
    write(
        &root,
        "apps/nextjs/nativiweb.toml",
        "id = \"com.acme.next\"\nname = \"Acme\"\n",
    );

    let sink = MemorySink::new();
    let report = Pipeline::new(
        Box::new(DirectorySource::new(root.join("apps/nextjs"))),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(sink.clone()),
    )
    .env("PATH", bin.display().to_string())
    .keep_work_dir(true)
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    let work = report.work_dir.clone().unwrap();
    let calls = std::fs::read_to_string(&log).unwrap();
    let project = work.join("project");
    assert!(
        calls.contains(&format!(
            "pnpm install --frozen-lockfile @ {}",
            project.display()
        )),
        "{calls}"
    );
    assert!(
        calls.contains(&format!(
            "pnpm run build @ {}",
            project.join("apps/nextjs").display()
        )),
        "{calls}"
    );
    // The workspace's other members came along; its node_modules did not.
    assert!(project.join("packages/api/package.json").is_file());
    assert!(!project.join("node_modules").exists());
    assert_eq!(
        report.source.as_ref().unwrap().subdir.as_deref(),
        Some(Path::new("apps/nextjs"))
    );
    std::fs::remove_dir_all(work).unwrap();
}
