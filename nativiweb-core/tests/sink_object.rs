//! ObjectStoreSink: keys, locations, hashes and content types on the in-memory and
//! local-filesystem stores (always), and against a real S3 server (`moto_server`, feature
//! `s3`): multipart uploads, metadata and bytes read back over plain HTTP with pre-signed URLs,
//! their signed expiry, the pipeline's check and store steps, preflight failures, no secret in output.
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

/// An in-memory store that appends to a file when a multipart upload starts: the file changes
/// between put_file's hash pass and its upload.
#[derive(Debug)]
struct Meddler {
    inner: InMemory,
    file: std::path::PathBuf,
}

impl std::fmt::Display for Meddler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Meddler")
    }
}

mod meddler {
    use super::Meddler;
    use futures_util::stream::BoxStream;
    use nativiweb_core::async_trait;
    use nativiweb_core::sink::object_store::path::Path;
    use nativiweb_core::sink::object_store::{
        CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
        PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
    };

    #[async_trait]
    impl ObjectStore for Meddler {
        async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
            self.inner.put_opts(l, p, o).await
        }
        async fn put_multipart_opts(
            &self,
            l: &Path,
            o: PutMultipartOptions,
        ) -> Result<Box<dyn MultipartUpload>> {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&self.file)
                .unwrap();
            f.write_all(b"tampered").unwrap();
            self.inner.put_multipart_opts(l, o).await
        }
        async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
            self.inner.get_opts(l, o).await
        }
        fn delete_stream(
            &self,
            locations: BoxStream<'static, Result<Path>>,
        ) -> BoxStream<'static, Result<Path>> {
            self.inner.delete_stream(locations)
        }
        fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
            self.inner.list(prefix)
        }
        async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
            self.inner.list_with_delimiter(prefix).await
        }
        async fn copy_opts(&self, from: &Path, to: &Path, o: CopyOptions) -> Result<()> {
            self.inner.copy_opts(from, to, o).await
        }
    }
}

#[tokio::test]
async fn a_file_that_changes_during_the_upload_is_not_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("app.aab");
    std::fs::write(&src, pattern(300_000)).unwrap();
    let store = Arc::new(Meddler {
        inner: InMemory::new(),
        file: src.clone(),
    });
    let sink = ObjectStoreSink::new(store, "", "memory://").with_part_size(100_000);
    let err = sink
        .put_file("app.aab", &src, "application/zip")
        .await
        .unwrap_err();
    assert!(matches!(err, ObjectSinkError::FileChanged { .. }), "{err}");
    assert!(err.to_string().contains("app.aab"), "{err}");
    let gone = sink.get_bytes("app.aab").await.unwrap_err();
    assert!(matches!(gone, ObjectSinkError::NotFound { .. }), "{gone}");
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

#[cfg(feature = "s3")]
mod s3 {
    //! Against `moto_server`: every check of what the server holds goes over plain HTTP
    //! (a std TcpStream client below) with pre-signed URLs, not through object_store.

    use super::*;
    use nativiweb_core::sink::object_store::aws::AmazonS3Builder;
    use nativiweb_core::sink::object_store::signer::Signer;
    use nativiweb_core::testing::{free_port, LocalServer};
    use nativiweb_core::{Step, StepOutcome};
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Instant;

    const SECRET: &str = "s3cr3t-never-printed-7f3a";

    fn builder(endpoint: &str, bucket: &str) -> AmazonS3Builder {
        AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("AKIATESTKEY")
            .with_secret_access_key(SECRET)
    }

    /// A parsed HTTP response.
    struct Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Response {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// One HTTP/1.1 request to a loopback `http://` URL, on a blocking std TcpStream.
    fn http(method: &str, url: &str) -> Response {
        let rest = url.strip_prefix("http://").expect("an http:// URL");
        let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let target = if target.is_empty() { "/" } else { target };
        let mut stream = TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of headers");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let chunked = headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        if chunked {
            body = dechunk(&body);
        }
        Response {
            status,
            headers,
            body,
        }
    }

    fn dechunk(mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let eol = data
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&data[..eol])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .expect("hex chunk size");
            if size == 0 {
                return out;
            }
            out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
            data = &data[eol + 2 + size + 2..];
        }
    }

    async fn http_async(method: &'static str, url: String) -> Response {
        tokio::task::spawn_blocking(move || http(method, &url))
            .await
            .unwrap()
    }

    /// Creates `bucket` on the server (moto takes unsigned requests).
    async fn create_bucket(server: &LocalServer, bucket: &str) {
        let r = http_async("PUT", format!("{}/{bucket}", server.url())).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }

    #[tokio::test]
    async fn multipart_upload_is_verified_over_plain_http() {
        let Some(server) = LocalServer::s3() else {
            return;
        };
        create_bucket(&server, "builds").await;
        let sink = ObjectStoreSink::from_s3_builder(builder(&server.url(), "builds"), "apps")
            .unwrap()
            .with_part_size(5 << 20)
            .child("com.example/9");
        assert_eq!(ArtifactSink::name(&sink), "s3");

        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("app-release.aab");
        let bytes = pattern((12 << 20) + 12_345); // three parts: 5 + 5 + 2 MiB
        std::fs::write(&src, &bytes).unwrap();
        let stored = sink
            .put_file(
                "app-release.aab",
                &src,
                content_type_for(Some(ArtifactKind::Aab), ""),
            )
            .await
            .unwrap();
        assert_eq!(stored.key, "apps/com.example/9/app-release.aab");
        assert_eq!(
            stored.location,
            "s3://builds/apps/com.example/9/app-release.aab"
        );
        assert_eq!(stored.size, bytes.len() as u64);
        assert_eq!(stored.sha256, sha(&bytes));

        // GET with the pre-signed URL: the bytes, their hash metadata and content type.
        let url = sink
            .presigned_get("app-release.aab", Duration::from_secs(300))
            .await
            .unwrap()
            .expect("S3 signs URLs");
        assert!(
            url.starts_with(&format!(
                "{}/builds/apps/com.example/9/app-release.aab?",
                server.url()
            )),
            "{url}"
        );
        assert!(!url.contains(SECRET));
        let got = http_async("GET", url).await;
        assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
        assert_eq!(got.body.len(), bytes.len());
        assert_eq!(sha(&got.body), stored.sha256, "the bytes on the server");
        assert_eq!(
            got.header("x-amz-meta-sha256"),
            Some(stored.sha256.as_str())
        );
        assert_eq!(got.header("content-type"), Some("application/zip"));
        // S3 gives a multipart object the ETag `"md5-of-part-md5s-PARTS"`: three parts here.
        let etag = got.header("etag").unwrap_or_default();
        assert!(
            etag.trim_matches('"').ends_with("-3"),
            "not a 3-part upload: {etag}"
        );

        // HEAD (signed for HEAD): the same metadata without the body.
        let s3 = builder(&server.url(), "builds").build().unwrap();
        let head_url = s3
            .signed_url(
                http::Method::HEAD,
                &sink.key("app-release.aab"),
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        let head = http_async("HEAD", head_url.to_string()).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.header("content-type"), Some("application/zip"));
        assert_eq!(
            head.header("x-amz-meta-sha256"),
            Some(stored.sha256.as_str())
        );
        assert_eq!(
            head.header("content-length"),
            Some(bytes.len().to_string().as_str())
        );

        // Reading back through the sink: streamed to a file, checked against the metadata.
        let dest = tmp.path().join("back.aab");
        let n = sink
            .get_to_file("app-release.aab", &dest, 64 << 20)
            .await
            .unwrap();
        assert_eq!(n, bytes.len() as u64);
        assert_eq!(sha(&std::fs::read(&dest).unwrap()), stored.sha256);

        // Small objects in one PUT get the same metadata.
        let rec = sink
            .put_bytes(
                "record.json",
                Bytes::from_static(b"{\"ok\":true}"),
                "application/json",
            )
            .await
            .unwrap();
        let url = sink
            .presigned_get("record.json", Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        let got = http_async("GET", url).await;
        assert_eq!(got.body, b"{\"ok\":true}");
        assert_eq!(got.header("x-amz-meta-sha256"), Some(rec.sha256.as_str()));
        assert_eq!(got.header("content-type"), Some("application/json"));

        sink.delete("record.json").await.unwrap();
        let err = sink.get_bytes("record.json").await.unwrap_err();
        assert!(matches!(err, ObjectSinkError::NotFound { .. }), "{err}");
    }

    #[tokio::test]
    async fn presigned_urls_carry_a_signed_expiry() {
        let Some(server) = LocalServer::s3() else {
            return;
        };
        create_bucket(&server, "exp").await;
        let sink = ObjectStoreSink::from_s3_builder(builder(&server.url(), "exp"), "").unwrap();
        sink.put_bytes(
            "a b.txt",
            Bytes::from_static(b"hello"),
            "text/plain; charset=utf-8",
        )
        .await
        .unwrap();
        let url = sink
            .presigned_get("a b.txt", Duration::from_secs(90))
            .await
            .unwrap()
            .unwrap();
        let fresh = http_async("GET", url.clone()).await;
        assert_eq!(fresh.status, 200);
        assert_eq!(fresh.body, b"hello");
        assert_eq!(
            fresh.header("content-type"),
            Some("text/plain; charset=utf-8")
        );

        // moto_server does not enforce X-Amz-Expires (it accepts any signature), so the expiry
        // is checked here: the URL says 90 s from now, and its SigV4 signature, recomputed
        // independently with the secret, covers that expiry (a real S3 refuses the URL after
        // it, and refuses any URL whose expiry was edited).
        let query = parse_query(&url);
        assert_eq!(query_value(&query, "X-Amz-Expires"), "90");
        let date = query_value(&query, "X-Amz-Date");
        let now = time::OffsetDateTime::now_utc();
        let signed_at = time::PrimitiveDateTime::parse(
            &date,
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
        )
        .unwrap()
        .assume_utc();
        assert!(
            (now - signed_at).abs() < time::Duration::minutes(2),
            "{date}"
        );
        assert_eq!(
            sigv4_presigned_signature(&url, SECRET),
            query_value(&query, "X-Amz-Signature")
        );
        let tampered = url.replace("X-Amz-Expires=90", "X-Amz-Expires=604800");
        assert_ne!(
            sigv4_presigned_signature(&tampered, SECRET),
            query_value(&query, "X-Amz-Signature")
        );
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// AWS's URI encoding: everything but `A-Za-z0-9-_.~` as `%XX`.
    fn aws_encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn parse_query(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (percent_decode(k), percent_decode(v)))
            .collect()
    }

    fn query_value(query: &[(String, String)], name: &str) -> String {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in the URL"))
    }

    fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let ih = Sha256::new()
            .chain_update(&inner)
            .chain_update(data)
            .finalize();
        Sha256::new()
            .chain_update(&outer)
            .chain_update(ih)
            .finalize()
            .to_vec()
    }

    /// The SigV4 query-string signature of a pre-signed GET URL, computed from its parts
    /// (AWS's "Authenticating Requests: Using Query Parameters").
    fn sigv4_presigned_signature(url: &str, secret: &str) -> String {
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, path_query) = rest.split_at(rest.find('/').unwrap());
        let path = path_query.split('?').next().unwrap();
        let mut query: Vec<(String, String)> = parse_query(url)
            .into_iter()
            .filter(|(k, _)| k != "X-Amz-Signature")
            .map(|(k, v)| (aws_encode(&k), aws_encode(&v)))
            .collect();
        query.sort();
        let canonical_query = query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let canonical_request =
            format!("GET\n{path}\n{canonical_query}\nhost:{authority}\n\nhost\nUNSIGNED-PAYLOAD");
        let all = parse_query(url);
        let date = query_value(&all, "X-Amz-Date");
        let credential = query_value(&all, "X-Amz-Credential");
        let scope = credential.split_once('/').unwrap().1.to_owned();
        let mut scope_parts = scope.split('/');
        let (day, region, service) = (
            scope_parts.next().unwrap(),
            scope_parts.next().unwrap(),
            scope_parts.next().unwrap(),
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            sha(canonical_request.as_bytes())
        );
        let k_date = hmac(format!("AWS4{secret}").as_bytes(), day.as_bytes());
        let k_region = hmac(&k_date, region.as_bytes());
        let k_service = hmac(&k_region, service.as_bytes());
        let k_signing = hmac(&k_service, b"aws4_request");
        hex::encode(hmac(&k_signing, string_to_sign.as_bytes()))
    }

    #[tokio::test]
    async fn a_pipeline_checks_and_stores_in_s3_and_reruns_overwrite() {
        let Some(server) = LocalServer::s3() else {
            return;
        };
        create_bucket(&server, "farm").await;
        let parent = tempfile::tempdir().unwrap();
        let root = ObjectStoreSink::from_s3_builder(builder(&server.url(), "farm"), "").unwrap();
        let builds = root.child("apps/com.example.s3/b7");
        let mut locations = Vec::new();
        for _ in 0..2 {
            let pipeline = Pipeline::new(
                Box::new(app_source("com.example.s3")),
                Box::new(WebZipBuilder::new(Platform::Android)),
                Box::new(builds.clone()),
            )
            .skip_web_build(true)
            .work_dir_parent(parent.path());
            let (events, _rx) = event_channel();
            let report = pipeline.run(events, CancellationToken::new()).await;
            assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
            let a = &report.artifacts[0];
            assert!(
                a.location.starts_with("s3://farm/apps/com.example.s3/b7/"),
                "{}",
                a.location
            );
            let url = builds
                .presigned_get(&a.name, Duration::from_secs(60))
                .await
                .unwrap()
                .unwrap();
            let got = http_async("GET", url).await;
            assert_eq!(sha(&got.body), a.sha256);
            assert_eq!(got.header("x-amz-meta-sha256"), Some(a.sha256.as_str()));
            locations.push(a.location.clone());
        }
        // The same keys on a re-run, and nothing else in the bucket (no probe objects).
        assert_eq!(locations[0], locations[1]);
        let listing = http_async("GET", format!("{}/farm?list-type=2", server.url())).await;
        let xml = String::from_utf8_lossy(&listing.body);
        assert_eq!(xml.matches("<Key>").count(), 1, "{xml}");
    }

    #[tokio::test]
    async fn preflight_names_a_missing_bucket() {
        let Some(server) = LocalServer::s3() else {
            return;
        };
        let parent = tempfile::tempdir().unwrap();
        let sink = ObjectStoreSink::from_s3_builder(builder(&server.url(), "no-such-bucket"), "x")
            .unwrap();
        let ctx = BuildContext::new(parent.path(), Platform::Android);
        let started = Instant::now();
        let err = sink.preflight(&ctx).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let text = nativiweb_core::pipeline::error_chain(&err);
        assert!(text.contains("no-such-bucket"), "{text}");
        assert!(text.contains(&server.url()), "{text}");
        assert!(text.contains("does not exist"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(!format!("{err:?}").contains(SECRET));
        assert_eq!(err.kind(), ErrorKind::Input, "{text}");

        // In a pipeline it is the check step that fails, before any build work.
        let pipeline = Pipeline::new(
            Box::new(app_source("com.example.nobucket")),
            Box::new(WebZipBuilder::new(Platform::Android)),
            Box::new(sink),
        )
        .skip_web_build(true)
        .work_dir_parent(parent.path());
        let (events, _rx) = event_channel();
        let report = pipeline.run(events, CancellationToken::new()).await;
        assert_eq!(report.status, BuildStatus::Failed);
        let check = report.steps.iter().find(|s| s.step == Step::Check).unwrap();
        assert_eq!(check.outcome, StepOutcome::Failed);
        assert!(!report.steps.iter().any(|s| s.step == Step::Build));
        assert!(report.error.unwrap().contains("no-such-bucket"));
    }

    #[tokio::test]
    async fn preflight_names_a_wrong_endpoint_quickly() {
        let dead = format!("http://127.0.0.1:{}", free_port());
        let sink = ObjectStoreSink::from_s3_builder(builder(&dead, "builds"), "").unwrap();
        let parent = tempfile::tempdir().unwrap();
        let ctx = BuildContext::new(parent.path(), Platform::Android);
        let started = Instant::now();
        let err = sink.preflight(&ctx).await.unwrap_err();
        let took = started.elapsed();
        let text = nativiweb_core::pipeline::error_chain(&err);
        assert!(took < Duration::from_secs(10), "took {took:?}: {text}");
        assert!(text.contains(&dead), "{text}");
        assert!(text.contains("AWS_ENDPOINT_URL"), "{text}");
        assert!(text.contains("`builds`"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert_eq!(
            err.kind(),
            ErrorKind::Failed,
            "unreachable is not bad input: {text}"
        );
    }

    #[tokio::test]
    async fn debug_shows_no_secret() {
        let sink =
            ObjectStoreSink::from_s3_builder(builder("http://127.0.0.1:9", "dbg"), "p").unwrap();
        let debug = format!("{sink:?} {:#?}", sink.child("x"));
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(debug.contains("AmazonS3(dbg)"), "{debug}");
        assert!(debug.contains("s3"), "{debug}");
    }

    #[test]
    fn s3_urls_take_bucket_and_prefix() {
        let sink = ObjectStoreSink::from_url("s3://my-bucket/apps/x/").unwrap();
        assert_eq!(sink.location("a.apk"), "s3://my-bucket/apps/x/a.apk");
        assert_eq!(sink.key("a.apk").as_ref(), "apps/x/a.apk");
        assert_eq!(ArtifactSink::name(&sink), "s3");
        let err = ObjectStoreSink::from_url("s3://user:pw-7f3a@bucket/x").unwrap_err();
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
        assert!(!format!("{err} {err:?}").contains("pw-7f3a"), "{err}");
    }
}
