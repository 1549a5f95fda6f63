//! DirectorySource: a faithful copy (contents, exec bits, inner symlinks) that never follows a
//! symlink out of the project and never copies the destination into itself.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::source::{DirectorySource, SourceError};
use nativiweb_core::{BuildContext, Error, Platform, ProjectSource};

fn logs(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) -> Vec<String> {
    let mut lines = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let Event::Log { line, .. } = ev {
            lines.push(line);
        }
    }
    lines
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[tokio::test]
async fn copies_files_modes_and_inner_symlinks_but_not_outer_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app");
    let outside = tmp.path().join("secret.txt");
    std::fs::write(&outside, b"do not copy").unwrap();
    std::fs::create_dir_all(src.join("src/components")).unwrap();
    std::fs::create_dir_all(src.join("tools/.bin")).unwrap();
    std::fs::create_dir_all(src.join("tools/vite/bin")).unwrap();
    std::fs::write(src.join("package.json"), b"{\"name\":\"app\"}").unwrap();
    std::fs::write(src.join("src/components/App.tsx"), b"export {}").unwrap();
    std::fs::write(src.join("tools/vite/bin/vite.js"), b"#!/usr/bin/env node").unwrap();
    std::fs::write(src.join("gradlew"), b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(src.join("gradlew"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::write(src.join("private.key"), b"k").unwrap();
    std::fs::set_permissions(
        src.join("private.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    // Inside: relative links, like npm's .bin links, and a link to a folder.
    symlink("../vite/bin/vite.js", src.join("tools/.bin/vite")).unwrap();
    symlink("src/components", src.join("components")).unwrap();
    // Inside, but written as an absolute path: rewritten relative to resolve in the copy.
    symlink(src.join("package.json"), src.join("pkg-abs.json")).unwrap();
    // Outside: absolute, relative, and through another link; and a dangling one.
    symlink(&outside, src.join("leak-abs")).unwrap();
    symlink("../secret.txt", src.join("leak-rel")).unwrap();
    symlink("..", src.join("parent")).unwrap();
    symlink("parent/secret.txt", src.join("leak-via-link")).unwrap();
    symlink("does-not-exist", src.join("dangling")).unwrap();

    let dest = tmp.path().join("work/project");
    std::fs::create_dir_all(&dest).unwrap();
    let (events, mut rx) = event_channel();
    let ctx = BuildContext::new(tmp.path().join("work"), Platform::Android).with_events(events);
    let info = DirectorySource::new(&src)
        .materialize(&ctx, &dest)
        .await
        .unwrap();
    assert_eq!(info.kind, "directory");
    assert_eq!(
        info.origin,
        std::fs::canonicalize(&src).unwrap().display().to_string()
    );

    assert_eq!(
        std::fs::read(dest.join("package.json")).unwrap(),
        b"{\"name\":\"app\"}"
    );
    assert_eq!(
        std::fs::read(dest.join("src/components/App.tsx")).unwrap(),
        b"export {}"
    );
    // Exec bits kept, setuid dropped; private modes kept.
    assert_eq!(mode(&dest.join("gradlew")), 0o755);
    assert_eq!(mode(&dest.join("private.key")), 0o600);

    // Inner links are links, with their own text, and resolve inside the copy.
    let bin = dest.join("tools/.bin/vite");
    assert!(std::fs::symlink_metadata(&bin)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(&bin).unwrap(),
        Path::new("../vite/bin/vite.js")
    );
    assert_eq!(std::fs::read(&bin).unwrap(), b"#!/usr/bin/env node");
    assert_eq!(
        std::fs::read_link(dest.join("components")).unwrap(),
        Path::new("src/components")
    );
    assert!(dest.join("components/App.tsx").is_file());
    let abs = dest.join("pkg-abs.json");
    assert_eq!(std::fs::read_link(&abs).unwrap(), Path::new("package.json"));

    // Nothing outside was copied or linked.
    for name in [
        "leak-abs",
        "leak-rel",
        "parent",
        "leak-via-link",
        "dangling",
    ] {
        assert!(
            std::fs::symlink_metadata(dest.join(name)).is_err(),
            "{name} should have been skipped"
        );
    }
    let lines = logs(&mut rx);
    for name in ["leak-abs", "leak-rel", "parent", "leak-via-link"] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!("skipped symlink {name}: it points outside"))),
            "{name}: {lines:?}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l.contains("skipped symlink dangling: it is dangling")));
}

#[tokio::test]
async fn never_copies_the_destination_into_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app");
    std::fs::create_dir_all(src.join(".nativiweb/work/project")).unwrap();
    std::fs::write(src.join("index.html"), b"hi").unwrap();
    let dest = src.join(".nativiweb/work/project");
    let ctx = BuildContext::new(src.join(".nativiweb/work"), Platform::Ios);
    DirectorySource::new(&src)
        .materialize(&ctx, &dest)
        .await
        .unwrap();
    assert_eq!(std::fs::read(dest.join("index.html")).unwrap(), b"hi");
    // The work dir is copied, but not the destination (nor the staging dir) inside it.
    let copied_work = dest.join(".nativiweb/work");
    assert!(copied_work.is_dir());
    assert_eq!(std::fs::read_dir(&copied_work).unwrap().count(), 0);
}

#[tokio::test]
async fn skips_special_files() {
    let Some(mkfifo) = nativiweb_core::testing::tool("mkfifo") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a").unwrap();
    assert!(std::process::Command::new(mkfifo)
        .arg(src.join("pipe"))
        .status()
        .unwrap()
        .success());
    let dest = tmp.path().join("project");
    let (events, mut rx) = event_channel();
    let ctx = BuildContext::new(tmp.path(), Platform::Android).with_events(events);
    DirectorySource::new(&src)
        .materialize(&ctx, &dest)
        .await
        .unwrap();
    assert!(dest.join("a.txt").is_file());
    assert!(std::fs::symlink_metadata(dest.join("pipe")).is_err());
    assert!(logs(&mut rx).iter().any(|l| l.contains("skipped pipe")));
}

#[tokio::test]
async fn missing_or_file_roots_are_errors_and_failures_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("project");
    std::fs::create_dir(&dest).unwrap();
    let ctx = BuildContext::new(tmp.path(), Platform::Android);
    for root in [tmp.path().join("nope"), {
        let f = tmp.path().join("file.txt");
        std::fs::write(&f, b"x").unwrap();
        f
    }] {
        let err = DirectorySource::new(&root)
            .materialize(&ctx, &dest)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Source(SourceError::NotADirectory { path }) if *path == root),
            "{err:?}"
        );
    }

    // An unreadable file fails the copy, naming it; nothing is left in dest or beside it.
    // (Root ignores permissions, so this part only runs as a normal user.)
    let src = tmp.path().join("app");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("ok.txt"), b"ok").unwrap();
    std::fs::write(src.join("locked.txt"), b"no").unwrap();
    std::fs::set_permissions(
        src.join("locked.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    if std::fs::read(src.join("locked.txt")).is_err() {
        let err = DirectorySource::new(&src)
            .materialize(&ctx, &dest)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("locked.txt"), "{err}");
        assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".nativiweb-staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Cancelled before it starts: cancelled error, nothing written.
    std::fs::set_permissions(
        src.join("locked.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let ctx = BuildContext::new(tmp.path(), Platform::Android);
    ctx.cancel.cancel();
    let err = DirectorySource::new(&src)
        .materialize(&ctx, &dest)
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
}

/// A Vite-like project: what the web build recreates is not copied.
fn vite_project(root: &Path) {
    for (rel, body) in [
        (
            "package.json",
            r#"{"name":"app","scripts":{"build":"vite build"},"devDependencies":{"vite":"^7"}}"#,
        ),
        ("package-lock.json", "{}"),
        ("index.html", "<div id=app></div>"),
        ("src/main.ts", "console.log(1)"),
        ("node_modules/vite/package.json", "{}"),
        ("packages/ui/node_modules/x/index.js", "x"),
        ("packages/ui/index.ts", "export {}"),
        (".turbo/cache.json", "{}"),
        ("dist/index.html", "<old build>"),
        ("out/app.apk", "PK"),
    ] {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

#[tokio::test]
async fn leaves_out_dependencies_caches_outputs_and_the_out_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app");
    vite_project(&src);
    let dest = tmp.path().join("work/project");
    std::fs::create_dir_all(&dest).unwrap();
    let (events, mut rx) = event_channel();
    let mut ctx = BuildContext::new(tmp.path().join("work"), Platform::Android).with_events(events);
    ctx.leave_out = vec![src.join("out")];
    DirectorySource::new(&src)
        .materialize(&ctx, &dest)
        .await
        .unwrap();
    for kept in [
        "package.json",
        "package-lock.json",
        "index.html",
        "src/main.ts",
        "packages/ui/index.ts",
    ] {
        assert!(dest.join(kept).is_file(), "{kept} was not copied");
    }
    for left in [
        "node_modules",
        "packages/ui/node_modules",
        ".turbo",
        "dist",
        "out",
    ] {
        assert!(!dest.join(left).exists(), "{left} was copied");
    }
    let log = logs(&mut rx).join("\n");
    assert!(
        log.contains("node_modules/ (reinstalled by the install step)"),
        "{log}"
    );
    assert!(log.contains("dist/ (rebuilt by the web build)"), "{log}");
    assert!(log.contains("out/ (the build's output folder)"), "{log}");

    // For --skip-web-build the built output is what gets packaged: it is copied.
    let dest2 = tmp.path().join("work2/project");
    std::fs::create_dir_all(&dest2).unwrap();
    let ctx2 = BuildContext::new(tmp.path().join("work2"), Platform::Android);
    DirectorySource::new(&src)
        .keep_build_outputs(true)
        .materialize(&ctx2, &dest2)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dest2.join("dist/index.html")).unwrap(),
        b"<old build>"
    );
    assert!(!dest2.join("node_modules").exists());
}

#[tokio::test]
async fn a_static_site_folder_is_never_taken_for_a_build_output() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("site");
    std::fs::create_dir_all(src.join("public")).unwrap();
    std::fs::write(src.join("public/index.html"), "<h1>hi</h1>").unwrap();
    let dest = tmp.path().join("work/project");
    std::fs::create_dir_all(&dest).unwrap();
    let ctx = BuildContext::new(tmp.path().join("work"), Platform::Android);
    DirectorySource::new(&src)
        .materialize(&ctx, &dest)
        .await
        .unwrap();
    assert!(dest.join("public/index.html").is_file());
}

#[tokio::test]
async fn in_place_copies_nothing_and_names_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app");
    vite_project(&src);
    let source = DirectorySource::new(&src).in_place(true);
    let root = source.in_place_root().unwrap();
    let ctx = BuildContext::new(tmp.path().join("work"), Platform::Android);
    let info = source
        .materialize(&ctx, &root.canonicalize().unwrap())
        .await
        .unwrap();
    assert_eq!(
        info.origin,
        src.canonicalize().unwrap().display().to_string()
    );
    assert!(!tmp.path().join("work").exists());
    // Anything else than the folder itself is a programming error, said as such.
    let e = source
        .materialize(&ctx, &tmp.path().join("elsewhere"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("in_place_root"), "{e}");
}
