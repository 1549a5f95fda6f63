//! Detection stays inside the project and within bounds: no node_modules, hidden folders or
//! build outputs walked, no symlink followed out of the root or around a loop, every read
//! bounded.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use nativiweb_core::detect::{detect, DetectError, ProjectKind};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn member_paths(root: &Path) -> Vec<String> {
    detect(root)
        .unwrap()
        .workspace
        .unwrap()
        .members
        .into_iter()
        .map(|m| m.path.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn walks_skip_node_modules_hidden_folders_and_build_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "package.json", r#"{"name":"ws","workspaces":["**"]}"#);
    write(root, "apps/web/package.json", r#"{"name":"web"}"#);
    for skipped in [
        "node_modules/left-pad",
        "apps/web/node_modules/react",
        "node_modules/@scope/deep/node_modules/x",
        ".cache/pkg",
        "apps/.hidden/pkg",
        "dist/pkg",
        "apps/web/build/pkg",
        "coverage/pkg",
    ] {
        write(
            root,
            &format!("{skipped}/package.json"),
            r#"{"name":"nope"}"#,
        );
    }
    assert_eq!(member_paths(root), ["apps/web"]);
}

#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "evil/package.json",
        r#"{"name":"evil","dependencies":{"next":"15"}}"#,
    );
    write(
        outside.path(),
        "pkg.json",
        r#"{"name":"outside","dependencies":{"vite":"7"},"scripts":{"build":"vite build"}}"#,
    );
    write(
        outside.path(),
        "vite.config.ts",
        "export default { build: { outDir: 'stolen' } }",
    );

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "pnpm-workspace.yaml", "packages:\n  - 'apps/*'\n");
    write(root, "apps/web/package.json", r#"{"name":"web"}"#);
    symlink(outside.path().join("evil"), root.join("apps/evil")).unwrap();
    assert_eq!(member_paths(root), ["apps/web"]);

    // A project whose package.json and vite config are symlinks to files outside it.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "index.html", "<!doctype html>");
    symlink(outside.path().join("pkg.json"), root.join("package.json")).unwrap();
    symlink(
        outside.path().join("vite.config.ts"),
        root.join("vite.config.ts"),
    )
    .unwrap();
    let d = detect(root).unwrap();
    assert_eq!(
        (d.kind, d.framework.as_deref()),
        (ProjectKind::Web, Some("static"))
    );
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("package.json") && w.contains("outside")),
        "{:?}",
        d.warnings
    );
    assert_eq!(d.package_manager, None);

    // A page symlinked from outside is not read for its manifest link.
    write(
        outside.path(),
        "page.html",
        "<link rel=manifest href=app.webmanifest>",
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "app.webmanifest",
        r#"{"name":"Linked only from outside"}"#,
    );
    symlink(outside.path().join("page.html"), root.join("index.html")).unwrap();
    let d = detect(root).unwrap();
    assert_eq!(d.pwa_manifest, None);

    // A symlink inside the project is fine.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "real/package.json",
        r#"{"name":"x","devDependencies":{"vite":"7"},"scripts":{"build":"vite build"}}"#,
    );
    symlink(root.join("real/package.json"), root.join("package.json")).unwrap();
    assert_eq!(detect(root).unwrap().framework.as_deref(), Some("vite"));
}

#[test]
fn symlink_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{"name":"ws","workspaces":["packages/**"]}"#,
    );
    write(root, "packages/a/package.json", r#"{"name":"a"}"#);
    symlink(root.join("packages"), root.join("packages/a/loop")).unwrap();
    symlink(root, root.join("packages/a/up")).unwrap();
    symlink("self", root.join("packages/self")).unwrap();
    let members = member_paths(root);
    assert_eq!(members, ["packages/a"]);
}

#[test]
fn a_huge_package_json_is_an_error_not_an_oom() {
    let dir = tempfile::tempdir().unwrap();
    let f = fs::File::create(dir.path().join("package.json")).unwrap();
    f.set_len(4 * 1024 * 1024 + 1).unwrap();
    match detect(dir.path()) {
        Err(e @ DetectError::TooLarge { .. }) => {
            assert!(e.to_string().contains("package.json"), "{e}")
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // In a member it is a warning, and the workspace is still described.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{"name":"ws","workspaces":["p/*"]}"#,
    );
    write(root, "p/ok/package.json", r#"{"name":"ok"}"#);
    fs::create_dir_all(root.join("p/big")).unwrap();
    fs::File::create(root.join("p/big/package.json"))
        .unwrap()
        .set_len(5 * 1024 * 1024)
        .unwrap();
    let d = detect(root).unwrap();
    assert_eq!(d.workspace.unwrap().members.len(), 1);
    assert!(
        d.warnings.iter().any(|w| w.contains("p/big")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn an_oversized_config_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{"devDependencies":{"vite":"7"},"scripts":{"build":"vite build"}}"#,
    );
    fs::File::create(root.join("vite.config.ts"))
        .unwrap()
        .set_len(2 * 1024 * 1024)
        .unwrap();
    let d = detect(root).unwrap();
    assert_eq!(d.output_dir.as_deref(), Some(Path::new("dist")));
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("vite.config.ts") && w.contains("too large")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn android_and_ios_folders_belong_to_their_project() {
    // A Capacitor app with native folders: one result, capacitor.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{"dependencies":{"@capacitor/core":"7","@capacitor/android":"7"},"devDependencies":{"vite":"7"},"scripts":{"build":"vite build"}}"#,
    );
    write(
        root,
        "capacitor.config.json",
        r#"{"appId":"com.example.x","appName":"X","webDir":"dist"}"#,
    );
    write(root, "android/settings.gradle", "include ':app'");
    write(
        root,
        "android/app/build.gradle",
        "apply plugin: 'com.android.application'",
    );
    write(root, "ios/App/App.xcodeproj/project.pbxproj", "{}");
    let d = detect(root).unwrap();
    assert_eq!(d.kind, ProjectKind::Capacitor);
    assert_eq!(d.workspace, None);
}

#[test]
fn a_member_outside_the_workspace_patterns_does_not_climb_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "pnpm-workspace.yaml", "packages:\n  - 'apps/*'\n");
    write(root, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    write(
        root,
        "tools/script/package.json",
        r#"{"name":"script","devDependencies":{"vite":"7"},"scripts":{"build":"vite build"}}"#,
    );
    let d = detect(&root.join("tools/script")).unwrap();
    assert_eq!(d.package_manager.as_deref(), Some("npm"));
    assert_eq!(d.workspace, None);
    assert_eq!(
        d.install.unwrap().dir,
        root.join("tools/script").canonicalize().unwrap()
    );
}
