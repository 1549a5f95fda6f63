//! LocalDirSink: atomic copies hashed from the stored bytes, the artifacts.json manifest,
//! replacement and name collisions, concurrent stores, and bad input.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nativiweb_core::sink::{LocalDirSink, ManifestEntry, MANIFEST_NAME};
use nativiweb_core::{Artifact, ArtifactKind, ArtifactSink, BuildContext, Platform};
use sha2::{Digest, Sha256};

fn artifact(path: &Path, kind: ArtifactKind) -> Artifact {
    Artifact {
        path: path.to_owned(),
        kind,
        platform: Platform::Android,
        size: 0,
        sha256: String::new(),
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn ctx(dir: &Path) -> BuildContext {
    BuildContext::new(dir, Platform::Android)
}

fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".nativiweb-tmp"))
        .collect()
}

#[tokio::test]
async fn stores_a_copy_with_its_hash_and_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("build/app-release.apk");
    std::fs::create_dir_all(src.parent().unwrap()).unwrap();
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7) as u8).collect();
    std::fs::write(&src, &bytes).unwrap();

    // A relative, not yet existing folder: created, and the location is absolute.
    let out = tmp.path().join("out/artifacts");
    let sink = LocalDirSink::new(&out);
    let stored = sink
        .store(&ctx(tmp.path()), &artifact(&src, ArtifactKind::Apk))
        .await
        .unwrap();
    assert_eq!(stored.name, "app-release.apk");
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.sha256, sha(&bytes));
    assert_eq!(stored.kind, ArtifactKind::Apk);
    let location = PathBuf::from(&stored.location);
    assert!(location.is_absolute());
    assert_eq!(
        location,
        std::fs::canonicalize(&out).unwrap().join("app-release.apk")
    );
    assert_eq!(std::fs::read(&location).unwrap(), bytes);
    assert_eq!(
        std::fs::metadata(&location).unwrap().permissions().mode() & 0o777,
        0o644
    );
    // The source is untouched.
    assert_eq!(std::fs::read(&src).unwrap(), bytes);

    let manifest = sink.read_manifest().unwrap();
    assert_eq!(manifest.len(), 1);
    let entry = &manifest[0];
    assert_eq!(entry.name, "app-release.apk");
    assert_eq!(entry.kind, ArtifactKind::Apk);
    assert_eq!(entry.platform, Platform::Android);
    assert_eq!(entry.size, bytes.len() as u64);
    assert_eq!(entry.sha256, stored.sha256);

    // The manifest is the documented JSON shape, with an RFC 3339 timestamp.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(MANIFEST_NAME)).unwrap()).unwrap();
    let obj = json.as_array().unwrap()[0].as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["created", "kind", "name", "platform", "sha256", "size"]
    );
    assert_eq!(obj["kind"], "apk");
    assert_eq!(obj["platform"], "android");
    let created = obj["created"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{created}"
    );
    assert!(hidden_files(&out).is_empty());
}

#[tokio::test]
async fn restoring_a_name_replaces_it_and_foreign_files_are_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Someone else's file with the same name as our artifact.
    std::fs::write(out.join("app.aab"), b"not ours").unwrap();
    let sink = LocalDirSink::new(&out);
    let src = tmp.path().join("app.aab");

    std::fs::write(&src, b"build 1").unwrap();
    let first = sink
        .store(&ctx(tmp.path()), &artifact(&src, ArtifactKind::Aab))
        .await
        .unwrap();
    assert_eq!(first.name, "app-2.aab");
    assert_eq!(std::fs::read(out.join("app.aab")).unwrap(), b"not ours");

    // Storing the same artifact again replaces our file and entry, not the foreign one.
    std::fs::write(&src, b"build 2").unwrap();
    let second = sink
        .store(&ctx(tmp.path()), &artifact(&src, ArtifactKind::Aab))
        .await
        .unwrap();
    assert_eq!(second.name, "app-2.aab");
    assert_eq!(std::fs::read(out.join("app-2.aab")).unwrap(), b"build 2");
    let manifest = sink.read_manifest().unwrap();
    assert_eq!(manifest.len(), 1);
    assert_eq!(manifest[0].sha256, sha(b"build 2"));

    // An artifact named like the manifest is stored beside it, not over it.
    let odd = tmp.path().join(MANIFEST_NAME);
    std::fs::write(&odd, b"{}").unwrap();
    let stored = sink
        .store(&ctx(tmp.path()), &artifact(&odd, ArtifactKind::Zip))
        .await
        .unwrap();
    assert_eq!(stored.name, "artifacts-2.json");
    let names: Vec<_> = sink
        .read_manifest()
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["app-2.aab", "artifacts-2.json"]);

    // A folder in the way is not overwritten either.
    std::fs::create_dir(out.join("web.zip")).unwrap();
    let web = tmp.path().join("web.zip");
    std::fs::write(&web, b"zip").unwrap();
    let stored = sink
        .store(&ctx(tmp.path()), &artifact(&web, ArtifactKind::Zip))
        .await
        .unwrap();
    assert_eq!(stored.name, "web-2.zip");
}

#[tokio::test]
async fn concurrent_stores_all_land_in_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let sink = LocalDirSink::new(&out);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let src = tmp.path().join(format!("app-{i}.apk"));
        std::fs::write(&src, format!("artifact {i}").repeat(1000 + i)).unwrap();
        // Half through clones of the sink, half through a second sink on the same folder
        // (serialized by the file lock rather than the shared mutex).
        let sink = if i % 2 == 0 {
            sink.clone()
        } else {
            LocalDirSink::new(&out)
        };
        let ctx = ctx(tmp.path());
        tasks.push(tokio::spawn(async move {
            sink.store(&ctx, &artifact(&src, ArtifactKind::Apk))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let manifest: Vec<ManifestEntry> = sink.read_manifest().unwrap();
    assert_eq!(manifest.len(), 24);
    // Sorted by name, each hash matching its file.
    let mut names: Vec<_> = manifest.iter().map(|e| e.name.clone()).collect();
    let sorted = {
        let mut s = names.clone();
        s.sort();
        s
    };
    assert_eq!(names, sorted);
    for e in &manifest {
        assert_eq!(e.sha256, sha(&std::fs::read(out.join(&e.name)).unwrap()));
    }
    names.dedup();
    assert_eq!(names.len(), 24);
    assert!(hidden_files(&out).is_empty());
}

#[tokio::test]
async fn bad_input_is_a_clear_error_and_a_corrupt_manifest_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let sink = LocalDirSink::new(&out);

    let missing = tmp.path().join("missing.ipa");
    let err = sink
        .store(&ctx(tmp.path()), &artifact(&missing, ArtifactKind::Ipa))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("local-dir:"), "{msg}");
    assert!(msg.contains("missing.ipa"), "{msg}");

    let archive = tmp.path().join("App.xcarchive");
    std::fs::create_dir(&archive).unwrap();
    let err = sink
        .store(
            &ctx(tmp.path()),
            &artifact(&archive, ArtifactKind::Xcarchive),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("zip folders"), "{err}");

    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(MANIFEST_NAME), b"{ not json").unwrap();
    let src = tmp.path().join("a.apk");
    std::fs::write(&src, b"a").unwrap();
    let err = sink
        .store(&ctx(tmp.path()), &artifact(&src, ArtifactKind::Apk))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("artifacts.json"), "{err}");
    assert_eq!(
        std::fs::read(out.join(MANIFEST_NAME)).unwrap(),
        b"{ not json"
    );
    // Nothing stored, no temp file left.
    assert!(!out.join("a.apk").exists());
    assert!(hidden_files(&out).is_empty());
}
