//! ObjectStoreSink: keys, locations, hashes and content types on the in-memory and
//! local-filesystem stores.
#![cfg(feature = "object-store")]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use nativiweb_core::events::event_channel;
use nativiweb_core::memory::{MemorySource, WebZipBuilder};
use nativiweb_core::sink::object_store::memory::InMemory;
use nativiweb_core::sink::object_store::{Attribute, ObjectStore, ObjectStoreExt};
use nativiweb_core::sink::{content_type_for, ObjectSinkError, ObjectStoreSink};
use nativiweb_core::{
    Artifact, ArtifactKind, ArtifactSink, BuildContext, BuildStatus, Error, ErrorKind, Pipeline,
    Platform,
};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Bytes that differ from part to part (a shifted part would change the hash).
fn pattern(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn artifact(path: &Path, kind: ArtifactKind) -> Artifact {
    Artifact {
        path: path.to_owned(),
        kind,
        platform: Platform::Android,
        size: 0,
        sha256: String::new(),
    }
}

fn app_source(id: &str) -> MemorySource {
    MemorySource::new()
        .file("index.html", "<!doctype html><h1>Hello</h1>")
        .file(
            "nativiweb.toml",
            format!("id = \"{id}\"\nname = \"Hello\"\nversion = \"1.0.0\"\nbuild = 7\n"),
        )
}

/// The sha256 metadata and content type the store keeps for `key`.
async fn attributes(store: &Arc<dyn ObjectStore>, key: &str) -> (Option<String>, Option<String>) {
    let got = store.get(&key.into()).await.unwrap();
    let meta = got
        .attributes
        .get(&Attribute::Metadata("sha256".into()))
        .map(|v| v.to_string());
    let ct = got
        .attributes
        .get(&Attribute::ContentType)
        .map(|v| v.to_string());
    (meta, ct)
}

#[tokio::test]
async fn memory_keys_locations_and_children() {
    let sink = ObjectStoreSink::from_url("memory://").unwrap();
    assert_eq!(sink.key("a.apk").as_ref(), "a.apk");
    assert_eq!(sink.location("a.apk"), "memory://a.apk");
    let child = sink.child("apps/com.example/42");
    assert_eq!(
        child.key("record.json").as_ref(),
        "apps/com.example/42/record.json"
    );
    assert_eq!(
        child.location("record.json"),
        "memory://apps/com.example/42/record.json"
    );
    // Slashes at the ends and doubled are dropped; `..` cannot climb out of the prefix.
    assert_eq!(
        child.child("/x//y/").key("z").as_ref(),
        "apps/com.example/42/x/y/z"
    );
    assert!(!child
        .key("../../evil")
        .as_ref()
        .starts_with("apps/com.example/evil"));
    assert!(child
        .key("../../evil")
        .as_ref()
        .starts_with("apps/com.example/42/"));

    let store = Arc::new(InMemory::new());
    let sink = ObjectStoreSink::new(store.clone(), "builds/", "s3://bucket");
    assert_eq!(sink.key("x.aab").as_ref(), "builds/x.aab");
    assert_eq!(sink.location("x.aab"), "s3://bucket/builds/x.aab");
    assert!(Arc::ptr_eq(
        sink.object_store(),
        &(store as Arc<dyn ObjectStore>)
    ));
    assert_eq!(ArtifactSink::name(&sink), "object-store");
}

#[tokio::test]
async fn memory_put_get_delete_with_hash_and_content_type() {
    let sink = ObjectStoreSink::from_url("memory://")
        .unwrap()
        .child("apps/com.example/1");
    let json = Bytes::from_static(b"{\"status\":\"success\"}");
    let stored = sink
        .put_bytes("record.json", json.clone(), "application/json")
        .await
        .unwrap();
    assert_eq!(stored.key, "apps/com.example/1/record.json");
    assert_eq!(stored.size, json.len() as u64);
    assert_eq!(stored.sha256, sha(&json));
    assert_eq!(sink.get_bytes("record.json").await.unwrap(), json);
    let (meta, ct) = attributes(sink.object_store(), &stored.key).await;
    assert_eq!(meta.as_deref(), Some(stored.sha256.as_str()));
    assert_eq!(ct.as_deref(), Some("application/json"));

    // Overwrites in place (idempotent re-runs).
    let again = sink
        .put_bytes("record.json", Bytes::from_static(b"{}"), "application/json")
        .await
        .unwrap();
    assert_eq!(again.key, stored.key);
    assert_eq!(sink.get_bytes("record.json").await.unwrap(), &b"{}"[..]);

    // Presigning is S3's: memory cannot.
    assert_eq!(
        sink.presigned_get("record.json", Duration::from_secs(60))
            .await
            .unwrap(),
        None
    );

    sink.delete("record.json").await.unwrap();
    sink.delete("record.json").await.unwrap(); // deleting what is gone is fine
    let err = sink.get_bytes("record.json").await.unwrap_err();
    assert!(matches!(err, ObjectSinkError::NotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("memory://apps/com.example/1/record.json"),
        "{err}"
    );

    let err = sink
        .put_bytes("", Bytes::new(), "text/plain")
        .await
        .unwrap_err();
    assert!(matches!(err, ObjectSinkError::BadName { .. }), "{err}");
}

#[tokio::test]
async fn memory_multipart_put_file_hashes_and_roundtrips() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app-release.aab");
    let bytes = pattern(1_000_003);
    std::fs::write(&src, &bytes).unwrap();
    // Tiny parts: memory takes any part size, so this goes through the multipart path.
    let sink = ObjectStoreSink::from_url("memory://")
        .unwrap()
        .with_part_size(64 * 1024);
    let stored = sink
        .put_file("app-release.aab", &src, "application/zip")
        .await
        .unwrap();
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.sha256, sha(&bytes));
    let (meta, ct) = attributes(sink.object_store(), "app-release.aab").await;
    assert_eq!(meta.as_deref(), Some(stored.sha256.as_str()));
    assert_eq!(ct.as_deref(), Some("application/zip"));

    let dest = tmp.path().join("down/copy.aab");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let n = sink
        .get_to_file("app-release.aab", &dest, 2_000_000)
        .await
        .unwrap();
    assert_eq!(n, bytes.len() as u64);
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);

    // Over the limit: refused, nothing (not even a temp file) left behind.
    let small = tmp.path().join("down/small.aab");
    let err = sink
        .get_to_file("app-release.aab", &small, 1000)
        .await
        .unwrap_err();
    assert!(matches!(err, ObjectSinkError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("limit of 1000 bytes"), "{err}");
    assert!(!small.exists());
    assert_eq!(
        std::fs::read_dir(dest.parent().unwrap()).unwrap().count(),
        1
    );

    // A missing local file is named.
    let err = sink
        .put_file("x.apk", &tmp.path().join("missing.apk"), "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing.apk"), "{err}");
    assert!(err.is_input());
}

#[tokio::test]
async fn get_to_file_refuses_bytes_that_do_not_match_their_hash() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let sink = ObjectStoreSink::new(store.clone(), "", "memory://");
    sink.put_bytes("a.txt", Bytes::from_static(b"good"), "text/plain")
        .await
        .unwrap();
    // Someone replaces the bytes but keeps the old metadata.
    let old = store.get(&"a.txt".into()).await.unwrap();
    let attrs = old.attributes.clone();
    store
        .put_opts(
            &"a.txt".into(),
            Bytes::from_static(b"evil").into(),
            nativiweb_core::sink::object_store::PutOptions {
                attributes: attrs,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("a.txt");
    let err = sink.get_to_file("a.txt", &dest, 100).await.unwrap_err();
    assert!(matches!(err, ObjectSinkError::HashMismatch { .. }), "{err}");
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn local_folder_store_and_preflight() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("not/yet/there");
    // A plain path: the folder is created.
    let sink = ObjectStoreSink::from_url(dir.to_str().unwrap()).unwrap();
    assert!(dir.is_dir());
    let canonical = std::fs::canonicalize(&dir).unwrap();
    let base = format!("file://{}/", canonical.display());
    assert_eq!(sink.location("a.apk"), format!("{base}a.apk"));

    let child = sink.child("apps/com.example/3");
    let ctx = BuildContext::new(tmp.path(), Platform::Android);
    child.preflight(&ctx).await.unwrap();
    assert_eq!(
        child.local_dir(),
        Some(canonical.join("apps/com.example/3"))
    );

    // Multipart on the filesystem (the local store takes no attributes: bytes only).
    let src = tmp.path().join("app-release.apk");
    let bytes = pattern(300_001);
    std::fs::write(&src, &bytes).unwrap();
    let child = child.with_part_size(100_000);
    for _ in 0..2 {
        // Twice: the same key is overwritten, never `-2`.
        let stored = child
            .store(&ctx, &artifact(&src, ArtifactKind::Apk))
            .await
            .unwrap();
        assert_eq!(stored.name, "app-release.apk");
        assert_eq!(stored.sha256, sha(&bytes));
        assert_eq!(stored.size, bytes.len() as u64);
        assert_eq!(
            stored.location,
            format!("{base}apps/com.example/3/app-release.apk")
        );
    }
    let on_disk = canonical.join("apps/com.example/3/app-release.apk");
    assert_eq!(std::fs::read(&on_disk).unwrap(), bytes);
    let names: Vec<_> = std::fs::read_dir(on_disk.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["app-release.apk"], "no probe, temp or -2 file left");

    // Small objects too, and reading back.
    let rec = child
        .put_bytes("record.json", Bytes::from_static(b"{}"), "application/json")
        .await
        .unwrap();
    assert_eq!(rec.sha256, sha(b"{}"));
    assert_eq!(child.get_bytes("record.json").await.unwrap(), &b"{}"[..]);
    child.delete("record.json").await.unwrap();
    child.delete("record.json").await.unwrap();
    assert_eq!(
        child
            .presigned_get("app-release.apk", Duration::from_secs(5))
            .await
            .unwrap(),
        None
    );

    // file:// URLs name the same folder.
    let same = ObjectStoreSink::from_url(&format!("file://{}", canonical.display())).unwrap();
    assert_eq!(same.location("a.apk"), format!("{base}a.apk"));
}

#[tokio::test]
async fn a_pipeline_stores_into_the_object_store() {
    let parent = tempfile::tempdir().unwrap();
    let sink = ObjectStoreSink::from_url("memory://").unwrap();
    let builds = sink.child("apps/com.example.obj/b1");
    let pipeline = Pipeline::new(
        Box::new(app_source("com.example.obj")),
        Box::new(WebZipBuilder::new(Platform::Android)),
        Box::new(builds.clone()),
    )
    .skip_web_build(true)
    .work_dir_parent(parent.path());
    let (events, _rx) = event_channel();
    let report = pipeline.run(events, CancellationToken::new()).await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    assert_eq!(report.artifacts.len(), 1);
    let a = &report.artifacts[0];
    assert!(
        a.location.starts_with("memory://apps/com.example.obj/b1/"),
        "{}",
        a.location
    );
    let bytes = builds.get_bytes(&a.name).await.unwrap();
    assert_eq!(a.sha256, sha(&bytes));
    assert_eq!(a.size, bytes.len() as u64);
}

#[test]
fn bad_urls_say_what_to_write() {
    let cases = [
        ("", "empty"),
        ("ftp://host/x", "`ftp://` is not supported"),
        ("memory://bucket", "memory:// takes no bucket"),
        ("file://host/dir", "not a host"),
    ];
    for (url, needle) in cases {
        let err = ObjectStoreSink::from_url(url).unwrap_err();
        assert!(err.to_string().contains(needle), "{url}: {err}");
        assert!(err.is_input(), "{url}");
        let core: Error = err.into();
        assert_eq!(core.kind(), ErrorKind::Input, "{url}");
    }
    #[cfg(not(feature = "s3"))]
    {
        let err = ObjectStoreSink::from_url("s3://bucket/x").unwrap_err();
        assert!(err.to_string().contains("--features s3"), "{err}");
    }
    #[cfg(feature = "s3")]
    {
        let err = ObjectStoreSink::from_url("s3:///prefix").unwrap_err();
        assert!(err.to_string().contains("bucket is missing"), "{err}");
    }
}

#[test]
fn content_types_follow_the_kind_then_the_extension() {
    use ArtifactKind::*;
    assert_eq!(
        content_type_for(Some(Apk), "x"),
        "application/vnd.android.package-archive"
    );
    for k in [Aab, Zip, Xcarchive] {
        assert_eq!(content_type_for(Some(k), "x"), "application/zip");
    }
    assert_eq!(content_type_for(Some(Ipa), "x"), "application/octet-stream");
    assert_eq!(
        content_type_for(Some(Mapping), "mapping.txt"),
        "text/plain; charset=utf-8"
    );
    assert_eq!(content_type_for(None, "record.JSON"), "application/json");
    assert_eq!(
        content_type_for(None, "build.log"),
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        content_type_for(None, "notes.txt"),
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        content_type_for(None, "app.apk"),
        "application/vnd.android.package-archive"
    );
    assert_eq!(content_type_for(None, "blob"), "application/octet-stream");
}
