//! zipalign: our aligner's output passes `zipalign -c -p 4` (Debian's zipalign; `-p` checks
//! `.so` page alignment, which our 16 KiB satisfies), our check names the entry that is off,
//! and a compressed `resources.arsc` is stored.

use std::process::Command;

use nativiweb_android::error::SignError;
use nativiweb_android::zip::align::{check_alignment, zipalign, AlignmentError};
use nativiweb_android::zip::{RawEntry, ZipArchive, ZipWriter, METHOD_STORED};

/// A zip with deliberately misaligned stored entries and a deflated resources.arsc.
fn unaligned(path: &std::path::Path) {
    let mut w = ZipWriter::new(Vec::new());
    w.add_deflated("AndroidManifest.xml", b"manifest").unwrap();
    w.add_deflated("resources.arsc", &[3u8; 5000]).unwrap();
    for (name, len) in [
        ("assets/a.bin", 3usize),
        ("lib/arm64-v8a/libfoo.so", 9000),
        ("assets/b.png", 77),
    ] {
        let data = vec![0x5a; len];
        let e = RawEntry {
            name: name.into(),
            method: METHOD_STORED,
            crc32: nativiweb_android::zip::crc32(&data),
            compressed_len: len as u64,
            uncompressed_len: len as u64,
            alignment: 1,
        };
        w.add_raw(&e, &data).unwrap();
    }
    std::fs::write(path, w.finish().unwrap()).unwrap();
}

#[test]
fn aligns_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.apk");
    unaligned(&input);
    match check_alignment(&input) {
        Err(SignError::Alignment(AlignmentError::CompressedResources { .. })) => {}
        other => panic!("expected the compressed resources.arsc to be reported: {other:?}"),
    }
    let out = dir.path().join("aligned.apk");
    zipalign(&input, &out).unwrap();
    check_alignment(&out).unwrap();
    let z = ZipArchive::open(&out).unwrap();
    let arsc = z.entry("resources.arsc").unwrap();
    assert_eq!(arsc.method, METHOD_STORED);
    assert_eq!(z.read(arsc).unwrap(), vec![3u8; 5000]);
    assert_eq!(
        z.entry("lib/arm64-v8a/libfoo.so").unwrap().data_offset % 16384,
        0
    );
    let names: Vec<_> = z.entries().iter().map(|e| e.name.clone()).collect();
    let before: Vec<_> = ZipArchive::open(&input)
        .unwrap()
        .entries()
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert_eq!(names, before, "order kept");
    if let Some(zipalign_tool) = nativiweb_core::testing::tool("zipalign") {
        let st = Command::new(&zipalign_tool)
            .args(["-c", "-p", "-v", "4"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stdout)
        );
        let st = Command::new(&zipalign_tool)
            .args(["-c", "4"])
            .arg(&input)
            .output()
            .unwrap();
        assert!(
            !st.status.success(),
            "zipalign should reject the unaligned input"
        );
    }
}

#[test]
fn names_the_misaligned_entry() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.apk");
    let mut w = ZipWriter::new(Vec::new());
    w.add_stored("resources.arsc", b"1234").unwrap();
    let data = b"xyz";
    w.add_raw(
        &RawEntry {
            name: "assets/odd1.txt".into(),
            method: METHOD_STORED,
            crc32: nativiweb_android::zip::crc32(data),
            compressed_len: 3,
            uncompressed_len: 3,
            alignment: 1,
        },
        data,
    )
    .unwrap();
    std::fs::write(&input, w.finish().unwrap()).unwrap();
    let err = check_alignment(&input).unwrap_err().to_string();
    // Data of the second entry starts at 30+14+4 (first) + 30 + 15 = 93; the assert below
    // keeps the fixture honest.
    let z = ZipArchive::open(&input).unwrap();
    let off = z.entry("assets/odd1.txt").unwrap().data_offset;
    assert_ne!(off % 4, 0, "fixture must be misaligned");
    assert!(
        err.contains("assets/odd1.txt") && err.contains(&off.to_string()),
        "{err}"
    );
}
