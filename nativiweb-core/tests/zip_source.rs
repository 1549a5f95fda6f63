//! ZipSource: normal extraction, the single-top-folder rule, and every refusal (zip slip,
//! symlinks, limits, zip bombs, lying sizes, encryption, corruption) leaving nothing behind.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::source::{SourceError, ZipLimits, ZipSource};
use nativiweb_core::{BuildContext, Error, Platform, ProjectSource};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// A temp dir holding the archive and an empty `project` destination; `parent` is where the
/// staging directory goes, so tests can check nothing is left in it.
struct Fixture {
    tmp: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("work")).unwrap();
        std::fs::create_dir(tmp.path().join("work/project")).unwrap();
        Fixture { tmp }
    }
    fn archive(&self) -> PathBuf {
        self.tmp.path().join("upload.zip")
    }
    fn dest(&self) -> PathBuf {
        self.tmp.path().join("work/project")
    }
    fn ctx(&self) -> BuildContext {
        BuildContext::new(self.tmp.path().join("work"), Platform::Android)
    }
    /// Names in the work dir and in the destination: after a failure, only the empty
    /// destination may be there.
    fn assert_nothing_written(&self) {
        let work: Vec<_> = std::fs::read_dir(self.tmp.path().join("work"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            work,
            vec!["project".to_owned()],
            "leftovers in the work dir"
        );
        assert_eq!(
            std::fs::read_dir(self.dest()).unwrap().count(),
            0,
            "destination is not empty"
        );
        // Nothing escaped next to the archive either.
        for name in ["evil.txt", "x"] {
            assert!(!self.tmp.path().join(name).exists(), "{name} escaped");
        }
    }
    async fn extract(&self, limits: ZipLimits) -> Result<nativiweb_core::SourceInfo, Error> {
        ZipSource::new(self.archive())
            .with_limits(limits)
            .materialize(&self.ctx(), &self.dest())
            .await
    }
}

enum E<'a> {
    File(&'a str, &'a [u8], u32),
    Dir(&'a str),
    Link(&'a str, &'a str),
}

fn write_zip(path: &Path, entries: &[E<'_>], method: CompressionMethod) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for e in entries {
        match *e {
            E::File(name, data, mode) => {
                let opts = SimpleFileOptions::default()
                    .compression_method(method)
                    .unix_permissions(mode);
                w.start_file(name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            E::Dir(name) => w.add_directory(name, SimpleFileOptions::default()).unwrap(),
            E::Link(name, target) => w
                .add_symlink(name, target, SimpleFileOptions::default())
                .unwrap(),
        }
    }
    w.finish().unwrap();
}

/// Offsets of every local (`PK\x03\x04`) and central (`PK\x01\x02`) header in `bytes`.
fn headers(bytes: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let find = |sig: &[u8; 4]| {
        bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == sig)
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    (find(b"PK\x03\x04"), find(b"PK\x01\x02"))
}

fn put_u16(bytes: &mut [u8], at: usize, v: u16) {
    bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn source_err(e: Error) -> SourceError {
    match e {
        Error::Source(s) => s,
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[tokio::test]
async fn extracts_files_folders_and_exec_bits() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[
            E::File("index.html", b"<h1>hi</h1>", 0o644),
            E::Dir("src/"),
            E::File("src/app.js", b"console.log(1)", 0o644),
            E::File("deep/er/still/x.txt", b"x", 0o600),
            E::File("gradlew", b"#!/bin/sh\n", 0o755),
        ],
        CompressionMethod::Deflated,
    );
    let (events, mut rx) = event_channel();
    let info = ZipSource::new(fx.archive())
        .materialize(&fx.ctx().with_events(events), &fx.dest())
        .await
        .unwrap();
    assert_eq!(info.kind, "zip");
    assert_eq!(info.origin, fx.archive().display().to_string());
    assert_eq!(info.commit, None);
    let d = fx.dest();
    assert_eq!(std::fs::read(d.join("index.html")).unwrap(), b"<h1>hi</h1>");
    assert_eq!(
        std::fs::read(d.join("src/app.js")).unwrap(),
        b"console.log(1)"
    );
    assert_eq!(std::fs::read(d.join("deep/er/still/x.txt")).unwrap(), b"x");
    let mode = |p: &str| std::fs::metadata(d.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("gradlew"), 0o755);
    assert_eq!(mode("index.html"), 0o644);
    // Only the destination is left in the work dir: the staging dir was moved or removed.
    let work: Vec<_> = std::fs::read_dir(fx.tmp.path().join("work"))
        .unwrap()
        .collect();
    assert_eq!(work.len(), 1);
    let mut lines = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let Event::Log { line, .. } = ev {
            lines.push(line);
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("extracted 4 files")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn strips_a_single_top_level_folder_like_github_archives() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[
            E::Dir("hello-main/"),
            E::File("hello-main/package.json", b"{}", 0o644),
            E::File("hello-main/src/main.ts", b"x", 0o644),
            E::File("__MACOSX/hello-main/._package.json", b"junk", 0o644),
        ],
        CompressionMethod::Deflated,
    );
    fx.extract(ZipLimits::default()).await.unwrap();
    assert!(fx.dest().join("package.json").is_file());
    assert!(fx.dest().join("src/main.ts").is_file());
    assert!(!fx.dest().join("hello-main").exists());
    assert!(!fx.dest().join("__MACOSX").exists());
}

#[tokio::test]
async fn keeps_two_top_level_folders() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[
            E::File("web/index.html", b"a", 0o644),
            E::File("android/build.gradle", b"b", 0o644),
        ],
        CompressionMethod::Stored,
    );
    fx.extract(ZipLimits::default()).await.unwrap();
    assert!(fx.dest().join("web/index.html").is_file());
    assert!(fx.dest().join("android/build.gradle").is_file());
}

#[tokio::test]
async fn refuses_zip_slip_paths() {
    for (bad, why) in [
        ("../evil.txt", "`..`"),
        ("a/../../evil.txt", "`..`"),
        ("..\\evil.txt", "`..`"),
        ("/tmp/evil.txt", "absolute"),
        ("C:/evil.txt", "drive letter"),
    ] {
        let fx = Fixture::new();
        write_zip(
            &fx.archive(),
            &[
                E::File("ok.txt", b"fine", 0o644),
                E::File(bad, b"pwned", 0o644),
            ],
            CompressionMethod::Deflated,
        );
        let err = fx.extract(ZipLimits::default()).await.unwrap_err();
        let msg = err.to_string();
        match source_err(err) {
            SourceError::ZipUnsafePath { entry, reason, .. } => {
                assert_eq!(entry, bad);
                assert!(reason.contains(why), "{reason}");
            }
            other => panic!("{bad}: {other:?}"),
        }
        assert!(msg.contains(bad), "{msg}");
        fx.assert_nothing_written();
    }
}

#[tokio::test]
async fn refuses_symlink_entries() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[E::File("a.txt", b"a", 0o644), E::Link("x", "/etc/passwd")],
        CompressionMethod::Deflated,
    );
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipSymlink { entry, .. } if entry == "x"),
        "{err:?}"
    );
    assert!(err.to_string().contains("symbolic link"));
    fx.assert_nothing_written();
}

#[tokio::test]
async fn refuses_too_many_entries() {
    let fx = Fixture::new();
    let names: Vec<String> = (0..6).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<E<'_>> = names.iter().map(|n| E::File(n, b"x", 0o644)).collect();
    write_zip(&fx.archive(), &entries, CompressionMethod::Stored);
    let limits = ZipLimits {
        max_entries: 5,
        ..ZipLimits::default()
    };
    let err = source_err(fx.extract(limits).await.unwrap_err());
    assert!(
        matches!(
            err,
            SourceError::ZipTooManyEntries {
                entries: 6,
                limit: 5,
                ..
            }
        ),
        "{err:?}"
    );
    fx.assert_nothing_written();
    // Exactly at the limit is fine.
    let fx = Fixture::new();
    write_zip(&fx.archive(), &entries[..5], CompressionMethod::Stored);
    fx.extract(limits).await.unwrap();
}

#[tokio::test]
async fn refuses_archives_over_the_size_limit() {
    let fx = Fixture::new();
    let data = vec![7u8; 600];
    write_zip(
        &fx.archive(),
        &[
            E::File("a.bin", &data, 0o644),
            E::File("b.bin", &data, 0o644),
        ],
        CompressionMethod::Stored,
    );
    let limits = ZipLimits {
        max_total_size: 1000,
        ..ZipLimits::default()
    };
    let err = source_err(fx.extract(limits).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipTooLarge { entry, limit: 1000, .. } if entry == "b.bin"),
        "{err:?}"
    );
    fx.assert_nothing_written();
}

#[tokio::test]
async fn refuses_zip_bombs_by_ratio() {
    let fx = Fixture::new();
    let zeros = vec![0u8; 4 << 20];
    write_zip(
        &fx.archive(),
        &[E::File("bomb.bin", &zeros, 0o644)],
        CompressionMethod::Deflated,
    );
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    match &err {
        SourceError::ZipRatio {
            what, ratio, limit, ..
        } => {
            assert!(what.contains("bomb.bin"), "{what}");
            assert!(*ratio > 100, "{ratio}");
            assert_eq!(*limit, 100);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("zip bomb"));
    fx.assert_nothing_written();
}

#[tokio::test]
async fn small_repetitive_files_are_not_bombs() {
    let fx = Fixture::new();
    let spaces = vec![b' '; 200 * 1024];
    write_zip(
        &fx.archive(),
        &[E::File("style.css", &spaces, 0o644)],
        CompressionMethod::Deflated,
    );
    fx.extract(ZipLimits::default()).await.unwrap();
    assert_eq!(std::fs::read(fx.dest().join("style.css")).unwrap(), spaces);
}

/// An archive that declares 1000 bytes but inflates to 4 MiB: the declared-size checks pass,
/// the bytes actually written trip the limits.
#[tokio::test]
async fn counts_bytes_actually_written_when_sizes_lie() {
    let zeros = vec![0u8; 4 << 20];
    let build = |fx: &Fixture| {
        write_zip(
            &fx.archive(),
            &[E::File("liar.bin", &zeros, 0o644)],
            CompressionMethod::Deflated,
        );
        let mut bytes = std::fs::read(fx.archive()).unwrap();
        let (locals, centrals) = headers(&bytes);
        put_u32(&mut bytes, locals[0] + 22, 1000);
        put_u32(&mut bytes, centrals[0] + 24, 1000);
        std::fs::write(fx.archive(), bytes).unwrap();
    };
    // Caught by the ratio, counted on the bytes written.
    let fx = Fixture::new();
    build(&fx);
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipRatio { uncompressed, .. } if *uncompressed > 1000),
        "{err:?}"
    );
    fx.assert_nothing_written();
    // Caught by the total size when the ratio is allowed.
    let fx = Fixture::new();
    build(&fx);
    let limits = ZipLimits {
        max_total_size: 1 << 20,
        max_ratio: 1_000_000,
        ..ZipLimits::default()
    };
    let err = source_err(fx.extract(limits).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipTooLarge { entry, .. } if entry == "liar.bin"),
        "{err:?}"
    );
    fx.assert_nothing_written();
}

#[tokio::test]
async fn refuses_encrypted_entries() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[E::File("secret.txt", b"hidden", 0o644)],
        CompressionMethod::Stored,
    );
    // Set the "encrypted" flag (general purpose bit 0) in both headers.
    let mut bytes = std::fs::read(fx.archive()).unwrap();
    let (locals, centrals) = headers(&bytes);
    bytes[locals[0] + 6] |= 1;
    bytes[centrals[0] + 8] |= 1;
    std::fs::write(fx.archive(), bytes).unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipEncrypted { entry, .. } if entry == "secret.txt"),
        "{err:?}"
    );
    fx.assert_nothing_written();
}

/// A real password-protected archive made by Info-ZIP's `zip -P`.
#[tokio::test]
async fn refuses_archives_made_with_a_password() {
    let Some(zip_tool) = nativiweb_core::testing::tool("zip") else {
        return;
    };
    let fx = Fixture::new();
    let src = fx.tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"secret").unwrap();
    let status = std::process::Command::new(zip_tool)
        .current_dir(&src)
        .args(["-q", "-P", "pw123"])
        .arg(fx.archive())
        .arg("a.txt")
        .status()
        .unwrap();
    assert!(status.success());
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(matches!(err, SourceError::ZipEncrypted { .. }), "{err:?}");
    fx.assert_nothing_written();
}

#[tokio::test]
async fn reports_a_bad_crc_naming_the_entry() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[
            E::File("good.txt", b"good", 0o644),
            E::File("bad.txt", b"hello world", 0o644),
        ],
        CompressionMethod::Stored,
    );
    let mut bytes = std::fs::read(fx.archive()).unwrap();
    let pos = bytes.windows(11).position(|w| w == b"hello world").unwrap();
    bytes[pos] = b'J';
    std::fs::write(fx.archive(), bytes).unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    match &err {
        SourceError::ZipEntryCorrupt { entry, reason, .. } => {
            assert_eq!(entry, "bad.txt");
            assert!(reason.contains("CRC"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    fx.assert_nothing_written();
}

#[tokio::test]
async fn reports_truncated_and_non_zip_files() {
    let fx = Fixture::new();
    let data: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
    write_zip(
        &fx.archive(),
        &[E::File("data.bin", &data, 0o644)],
        CompressionMethod::Deflated,
    );
    let bytes = std::fs::read(fx.archive()).unwrap();
    std::fs::write(fx.archive(), &bytes[..bytes.len() / 2]).unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(matches!(err, SourceError::ZipCorrupt { .. }), "{err:?}");
    fx.assert_nothing_written();

    std::fs::write(fx.archive(), b"<html>not a zip</html>").unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(matches!(err, SourceError::ZipCorrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("upload.zip"));
    fx.assert_nothing_written();
}

/// Local data truncated while the central directory (which zip readers look at first) is
/// intact: the entry's data ends early.
#[tokio::test]
async fn reports_entries_whose_data_was_cut() {
    let fx = Fixture::new();
    let data: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
    write_zip(
        &fx.archive(),
        &[E::File("data.bin", &data, 0o644)],
        CompressionMethod::Deflated,
    );
    let mut bytes = std::fs::read(fx.archive()).unwrap();
    let (locals, centrals) = headers(&bytes);
    // Claim a compressed size beyond the data actually there (up to the end of the file).
    let data_start = locals[0] + 30 + "data.bin".len();
    let real = u32::from_le_bytes(
        bytes[centrals[0] + 20..centrals[0] + 24]
            .try_into()
            .unwrap(),
    );
    let cut = real / 2;
    put_u32(&mut bytes, centrals[0] + 20, cut);
    put_u32(&mut bytes, locals[0] + 18, cut);
    assert!(data_start + (cut as usize) < bytes.len());
    std::fs::write(fx.archive(), bytes).unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipEntryCorrupt { entry, .. } if entry == "data.bin"),
        "{err:?}"
    );
    fx.assert_nothing_written();
}

#[tokio::test]
async fn refuses_unsupported_methods_and_clashing_paths() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[E::File("a.txt", b"a", 0o644)],
        CompressionMethod::Stored,
    );
    let mut bytes = std::fs::read(fx.archive()).unwrap();
    let (locals, centrals) = headers(&bytes);
    put_u16(&mut bytes, locals[0] + 8, 97); // WavPack
    put_u16(&mut bytes, centrals[0] + 10, 97);
    std::fs::write(fx.archive(), bytes).unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipUnsupported { entry, .. } if entry == "a.txt"),
        "{err:?}"
    );
    fx.assert_nothing_written();

    // A file where another entry needs a folder.
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[
            E::File("assets", b"a file", 0o644),
            E::File("assets/logo.png", b"png", 0o644),
        ],
        CompressionMethod::Stored,
    );
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(&err, SourceError::ZipDuplicate { entry, .. } if entry == "assets/logo.png"),
        "{err:?}"
    );
    fx.assert_nothing_written();
}

#[tokio::test]
async fn a_cancelled_extraction_leaves_nothing() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[E::File("a.txt", b"a", 0o644)],
        CompressionMethod::Stored,
    );
    let ctx = fx.ctx();
    ctx.cancel.cancel();
    let err = ZipSource::new(fx.archive())
        .materialize(&ctx, &fx.dest())
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    fx.assert_nothing_written();
}

#[tokio::test]
async fn refuses_a_destination_that_is_not_empty() {
    let fx = Fixture::new();
    write_zip(
        &fx.archive(),
        &[E::File("a.txt", b"a", 0o644)],
        CompressionMethod::Stored,
    );
    std::fs::write(fx.dest().join("keep.txt"), b"mine").unwrap();
    let err = source_err(fx.extract(ZipLimits::default()).await.unwrap_err());
    assert!(
        matches!(err, SourceError::DestinationNotEmpty { .. }),
        "{err:?}"
    );
    assert_eq!(std::fs::read(fx.dest().join("keep.txt")).unwrap(), b"mine");
}

#[tokio::test]
async fn a_missing_archive_names_it() {
    let fx = Fixture::new();
    let err = fx.extract(ZipLimits::default()).await.unwrap_err();
    assert!(err.to_string().contains("upload.zip"), "{err}");
    fx.assert_nothing_written();
}

/// Deflate64 archives (as 7-Zip and Windows write them for large files) extract; LZMA ones
/// are refused as unsupported, naming the entry and the method.
#[tokio::test]
async fn reads_deflate64_and_names_lzma_as_unsupported() {
    let Some(sevenz) = nativiweb_core::testing::tool("7z") else {
        return;
    };
    for method in ["Deflate64", "LZMA"] {
        let fx = Fixture::new();
        let src = fx.tmp.path().join("src");
        std::fs::create_dir(&src).unwrap();
        let text: String = (0..5000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(src.join("notes.txt"), &text).unwrap();
        let out = std::process::Command::new(&sevenz)
            .current_dir(&src)
            .args(["a", "-tzip", &format!("-mm={method}"), "-bd", "-bso0"])
            .arg(fx.archive())
            .arg("notes.txt")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let result = fx.extract(ZipLimits::default()).await;
        if method == "Deflate64" {
            result.unwrap();
            assert_eq!(
                std::fs::read_to_string(fx.dest().join("notes.txt")).unwrap(),
                text
            );
        } else {
            let err = source_err(result.unwrap_err());
            assert!(
                matches!(&err, SourceError::ZipUnsupported { entry, method, .. } if entry == "notes.txt" && method.contains("LZMA")),
                "{err:?}"
            );
            fx.assert_nothing_written();
        }
    }
}
