//! Hashing: digests equal sha2's one-shot digest (and `sha256sum`'s) at every size around the
//! buffer and overlap thresholds, parallel results keep their order, errors name the path.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use nativiweb_core::hash::{
    self, sha256_file, sha256_file_with_progress, sha256_files, sha256_files_with_progress,
    sha256_reader, FileDigest, HashError, HashingWriter, BUFFER_SIZE, OVERLAP_THRESHOLD,
};
use sha2::{Digest, Sha256};

/// Deterministic, non-repeating bytes (a repeating pattern could hide buffer-offset bugs).
fn data(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn expected(bytes: &[u8]) -> FileDigest {
    FileDigest {
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
    }
}

#[test]
fn known_vectors() {
    // FIPS 180-2 examples.
    assert_eq!(
        sha256_reader(&b""[..]).unwrap().sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_reader(&b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"[..])
            .unwrap()
            .sha256,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        hash::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn files_of_every_interesting_size() {
    let tmp = tempfile::tempdir().unwrap();
    let big = OVERLAP_THRESHOLD as usize;
    let sizes = [
        0,
        1,
        63,
        64,
        65,
        BUFFER_SIZE - 1,
        BUFFER_SIZE,
        BUFFER_SIZE + 1,
        3 * BUFFER_SIZE + 17,
        big - 1,
        big,
        big + 1,
        big + 5 * BUFFER_SIZE + 3,
    ];
    let all = data(*sizes.iter().max().unwrap());
    for size in sizes {
        let path = tmp.path().join(format!("f{size}"));
        std::fs::write(&path, &all[..size]).unwrap();
        let want = expected(&all[..size]);
        assert_eq!(sha256_file(&path).unwrap(), want, "size {size}");
        // Progress deltas add up to the size.
        let mut seen = 0u64;
        let got = sha256_file_with_progress(&path, &mut |n| seen += n).unwrap();
        assert_eq!(got, want);
        assert_eq!(seen, size as u64);
        assert_eq!(sha256_reader(&all[..size]).unwrap(), want, "reader {size}");
    }
}

#[test]
fn agrees_with_sha256sum() {
    let Some(tool) = nativiweb_core::testing::tool("sha256sum") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.bin");
    std::fs::write(&path, data(OVERLAP_THRESHOLD as usize + 12345)).unwrap();
    let out = std::process::Command::new(tool)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let theirs = line.split_whitespace().next().unwrap();
    assert_eq!(sha256_file(&path).unwrap().sha256, theirs);
}

#[test]
fn parallel_hashing_keeps_order_and_reports_each_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let mut wants = Vec::new();
    for i in 0..9 {
        let bytes = data(1000 * i + (i % 3) * BUFFER_SIZE);
        let p = tmp.path().join(format!("{i}.bin"));
        std::fs::write(&p, &bytes).unwrap();
        paths.push(p);
        wants.push(Some(expected(&bytes)));
    }
    // A missing file and a directory in the middle.
    paths.insert(3, tmp.path().join("missing.apk"));
    wants.insert(3, None);
    paths.insert(6, tmp.path().to_path_buf());
    wants.insert(6, None);

    let total = AtomicU64::new(0);
    let results = sha256_files_with_progress(&paths, &|n| {
        total.fetch_add(n, Ordering::Relaxed);
    });
    assert_eq!(results.len(), paths.len());
    for ((result, want), path) in results.iter().zip(&wants).zip(&paths) {
        match (result, want) {
            (Ok(got), Some(want)) => assert_eq!(got, want, "{}", path.display()),
            (Err(e), None) => {
                assert_eq!(e.path(), path.as_path());
                assert!(e.to_string().contains(&path.display().to_string()), "{e}");
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
    let expected_total: u64 = wants.iter().flatten().map(|d| d.size).sum();
    assert_eq!(total.load(Ordering::Relaxed), expected_total);
    assert!(results[3].as_ref().unwrap_err().is_not_found());
    assert!(matches!(results[6], Err(HashError::IsADirectory { .. })));

    // The plain variant gives the same answers.
    let plain = sha256_files(&paths);
    for (a, b) in plain.iter().zip(&results) {
        assert_eq!(a.as_ref().ok(), b.as_ref().ok());
    }
    assert!(sha256_files(&[]).is_empty());
}

#[test]
fn errors_name_the_path_and_say_what_to_do() {
    let missing = PathBuf::from("/definitely/not/here.aab");
    let err = sha256_file(&missing).unwrap_err();
    assert!(err.is_not_found());
    let msg = err.to_string();
    assert!(msg.contains("/definitely/not/here.aab"), "{msg}");
    assert!(msg.contains("check that the file exists"), "{msg}");
}

#[tokio::test]
async fn async_wrappers() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let bytes = data(OVERLAP_THRESHOLD as usize + 1);
    std::fs::write(&a, &bytes).unwrap();
    assert_eq!(hash::sha256_file_async(&a).await.unwrap(), expected(&bytes));
    let both = hash::sha256_files_async(vec![a.clone(), tmp.path().join("b")]).await;
    assert_eq!(both[0].as_ref().unwrap(), &expected(&bytes));
    assert!(both[1].as_ref().unwrap_err().is_not_found());
}

/// Accepts at most 5 bytes per write, like a pipe or socket under pressure.
struct Stingy(Vec<u8>);
impl Write for Stingy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(5);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn hashing_writer_hashes_what_was_written() {
    let bytes = data(10_000);
    let mut w = HashingWriter::new(Stingy(Vec::new()));
    // write() may be short: only what the inner writer took is hashed.
    let n = w.write(&bytes).unwrap();
    assert_eq!(n, 5);
    assert_eq!(w.size(), 5);
    w.write_all(&bytes[n..]).unwrap();
    w.flush().unwrap();
    let (inner, digest) = w.finish();
    assert_eq!(inner.0, bytes);
    assert_eq!(digest, expected(&bytes));
}

#[test]
fn reports_the_cpu_path() {
    // Not an assertion about this machine: just that the query works and is stable.
    assert_eq!(hash::hardware_accelerated(), hash::hardware_accelerated());
}
