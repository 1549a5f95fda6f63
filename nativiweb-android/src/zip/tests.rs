use super::*;

fn build(f: impl FnOnce(&mut ZipWriter<Vec<u8>>)) -> Vec<u8> {
    let mut w = ZipWriter::new(Vec::new());
    f(&mut w);
    w.finish().unwrap()
}

#[test]
fn round_trip_stored_deflated_precompressed() {
    let big: Vec<u8> = (0..100_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let bytes = build(|w| {
        w.add_deflated("AndroidManifest.xml", b"<manifest/>")
            .unwrap();
        w.add_stored("resources.arsc", &big[..1001]).unwrap();
        w.add_stored("lib/arm64-v8a/libx.so", &big[..5000]).unwrap();
        let (crc, d) = deflate(&big);
        w.add_precompressed("classes.dex", crc, big.len() as u64, &d)
            .unwrap();
    });
    let z = ZipArchive::new(bytes).unwrap();
    let names: Vec<_> = z.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AndroidManifest.xml",
            "resources.arsc",
            "lib/arm64-v8a/libx.so",
            "classes.dex"
        ]
    );
    assert_eq!(z.read(&z.entries()[0]).unwrap(), b"<manifest/>");
    assert_eq!(z.read(&z.entries()[1]).unwrap(), &big[..1001]);
    assert_eq!(z.read(&z.entries()[3]).unwrap(), big);
    assert_eq!(z.entries()[1].data_offset % 4, 0);
    assert_eq!(z.entries()[2].data_offset % 16384, 0);
    assert_eq!(z.entries()[3].method, METHOD_DEFLATED);
}

#[test]
fn output_is_deterministic() {
    let make = || {
        build(|w| {
            w.add_deflated("a.txt", b"hello hello hello").unwrap();
            w.add_stored("b.bin", &[1, 2, 3]).unwrap();
        })
    };
    assert_eq!(make(), make());
}

#[test]
fn every_stored_offset_is_aligned_whatever_precedes_it() {
    for prefix in 0..40usize {
        let bytes = build(|w| {
            w.add_stored(&format!("p{}", "x".repeat(prefix)), &vec![7u8; prefix])
                .unwrap();
            w.add_stored("lib/x86/libfoo.so", b"elf").unwrap();
            w.add_stored("assets/a", b"abc").unwrap();
        });
        let z = ZipArchive::new(bytes).unwrap();
        for e in z.entries() {
            assert_eq!(e.data_offset % required_alignment(&e.name), 0, "{}", e.name);
        }
    }
}

#[test]
fn rejects_duplicates_and_bad_names() {
    let mut w = ZipWriter::new(Vec::new());
    w.add_stored("a", b"1").unwrap();
    assert!(matches!(
        w.add_stored("a", b"2"),
        Err(ZipError::DuplicateEntry(_))
    ));
    for bad in ["", "/abs", "../up", "a\\b"] {
        assert!(
            matches!(w.add_stored(bad, b""), Err(ZipError::InvalidName(_))),
            "{bad}"
        );
    }
}

#[test]
fn many_entries_use_zip64_end_records() {
    let bytes = build(|w| {
        for i in 0..0x1_0000u32 {
            w.add_stored(&format!("{i}"), b"").unwrap();
        }
    });
    let z = ZipArchive::new(bytes).unwrap();
    assert!(z.layout().zip64);
    assert_eq!(z.entries().len(), 0x1_0000);
    assert_eq!(z.layout().entry_count, 0x1_0000);
}

#[test]
fn detects_crc_mismatch_and_truncation() {
    let mut bytes = build(|w| w.add_stored("a.txt", b"hello").unwrap());
    let z = ZipArchive::new(bytes.clone()).unwrap();
    let at = z.entries()[0].data_offset as usize;
    bytes[at] ^= 1;
    let z = ZipArchive::new(bytes.clone()).unwrap();
    assert!(matches!(
        z.read(&z.entries()[0]),
        Err(ZipError::CorruptEntry { .. })
    ));
    assert!(ZipArchive::new(bytes[..bytes.len() - 5].to_vec()).is_err());
    assert!(matches!(
        ZipArchive::new(vec![0u8; 100]),
        Err(ZipError::NoEndOfCentralDirectory)
    ));
}
