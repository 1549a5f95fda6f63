//! Flipping one byte anywhere in a signed APK makes our verify fail: in an entry, the APK
//! Signing Block, the central directory and the end record; for APKs we signed (v1+v2+v3 and
//! v2+v3) and ones apksigner signed.

use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::keystore::keys::{KeyKind, PrivateKey, SigningIdentity};
use nativiweb_android::keystore::self_signed_certificate;
use nativiweb_android::sign::apksign::{sign_apk, SignOptions};
use nativiweb_android::sign::sigblock::find_block;
use nativiweb_android::sign::verify::verify;
use nativiweb_android::zip::{ZipArchive, ZipWriter};

/// An APK-shaped zip with a minimal binary manifest (min_sdk as given) and some entries.
fn apk(dir: &Path, min_sdk: u32) -> PathBuf {
    let path = dir.join(format!("in-{min_sdk}.apk"));
    let mut w = ZipWriter::new(Vec::new());
    w.add_deflated("AndroidManifest.xml", &binary_manifest(min_sdk))
        .unwrap();
    w.add_stored("resources.arsc", &[1u8; 3000]).unwrap();
    w.add_deflated("classes.dex", &b"dex\n035\0".repeat(5000))
        .unwrap();
    w.add_stored("lib/arm64-v8a/libx.so", &[7u8; 20000])
        .unwrap();
    w.add_deflated("assets/index.html", b"<h1>hi</h1>").unwrap();
    std::fs::write(&path, w.finish().unwrap()).unwrap();
    path
}

/// A binary XML `<manifest package="t.t"><uses-sdk android:minSdkVersion=N/></manifest>`.
fn binary_manifest(min_sdk: u32) -> Vec<u8> {
    fn u16le(v: &mut Vec<u8>, x: u16) {
        v.extend_from_slice(&x.to_le_bytes());
    }
    fn u32le(v: &mut Vec<u8>, x: u32) {
        v.extend_from_slice(&x.to_le_bytes());
    }
    // Strings: 0 minSdkVersion, 1 package, 2 manifest, 3 uses-sdk, 4 t.t
    let strings = ["minSdkVersion", "package", "manifest", "uses-sdk", "t.t"];
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for s in strings {
        offsets.push(data.len() as u32);
        data.push(s.len() as u8);
        data.push(s.len() as u8);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let mut pool = Vec::new();
    let header = 28u32;
    let strings_start = header + 4 * strings.len() as u32;
    u16le(&mut pool, 1);
    u16le(&mut pool, 28);
    u32le(&mut pool, strings_start + data.len() as u32);
    u32le(&mut pool, strings.len() as u32);
    u32le(&mut pool, 0);
    u32le(&mut pool, 0x100);
    u32le(&mut pool, strings_start);
    u32le(&mut pool, 0);
    for o in offsets {
        u32le(&mut pool, o);
    }
    pool.extend_from_slice(&data);
    let mut resmap = Vec::new();
    u16le(&mut resmap, 0x180);
    u16le(&mut resmap, 8);
    u32le(&mut resmap, 12);
    u32le(&mut resmap, 0x0101_020c);
    let element = |name: u32, attrs: &[(u32, u32, u8, u32)]| {
        let mut e = Vec::new();
        u16le(&mut e, 0x102);
        u16le(&mut e, 16);
        u32le(&mut e, 36 + 20 * attrs.len() as u32);
        u32le(&mut e, 1);
        u32le(&mut e, u32::MAX);
        u32le(&mut e, u32::MAX);
        u32le(&mut e, name);
        u16le(&mut e, 20);
        u16le(&mut e, 20);
        u16le(&mut e, attrs.len() as u16);
        u16le(&mut e, 0);
        u16le(&mut e, 0);
        u16le(&mut e, 0);
        for &(n, raw, ty, d) in attrs {
            u32le(&mut e, u32::MAX);
            u32le(&mut e, n);
            u32le(&mut e, raw);
            u16le(&mut e, 8);
            e.push(0);
            e.push(ty);
            u32le(&mut e, d);
        }
        e
    };
    let mut body = Vec::new();
    body.extend(pool);
    body.extend(resmap);
    body.extend(element(2, &[(1, 4, 3, 4)]));
    body.extend(element(3, &[(0, u32::MAX, 0x10, min_sdk)]));
    let mut xml = Vec::new();
    u16le(&mut xml, 3);
    u16le(&mut xml, 8);
    u32le(&mut xml, 8 + body.len() as u32);
    xml.extend(body);
    xml
}

fn ec_identity() -> SigningIdentity {
    let key = PrivateKey::generate(KeyKind::EcP256).unwrap();
    let cert = self_signed_certificate(&key, "CN=Tamper Test", 9200).unwrap();
    SigningIdentity::new("tamper", key, vec![cert]).unwrap()
}

/// Offsets to flip: in an entry's data, a local header, the signing block (signed data, the
/// signature, the padding), the central directory and the end record.
fn regions(path: &Path) -> Vec<(&'static str, u64)> {
    let bytes = std::fs::read(path).unwrap();
    let zip = ZipArchive::new(bytes.clone()).unwrap();
    let l = zip.layout().clone();
    let block = find_block(&bytes, l.cd_offset).unwrap().unwrap();
    let e = &zip.entries()[1];
    vec![
        ("entry data", e.data_offset + 5),
        ("local header", e.local_header_offset + 14),
        ("first entry", 0),
        ("signing block size", block.offset + 2),
        ("signing block, v2 signed data", block.offset + 60),
        (
            "signing block, middle",
            block.offset + (l.cd_offset - block.offset) / 2,
        ),
        ("signing block, end", l.cd_offset - 30),
        ("central directory", l.cd_offset + 20),
        ("central directory, last", l.eocd_offset - 1),
        ("end record cd offset", l.eocd_offset + 17),
        ("end record last byte", l.file_len - 1),
    ]
}

fn assert_every_flip_fails(path: &Path) {
    verify(path).expect("the untouched file verifies");
    let original = std::fs::read(path).unwrap();
    let flipped = path.with_extension("flipped.apk");
    for (what, at) in regions(path) {
        let mut b = original.clone();
        b[at as usize] ^= 0x01;
        std::fs::write(&flipped, &b).unwrap();
        assert!(
            verify(&flipped).is_err(),
            "flipping a byte in the {what} (offset {at}) went unnoticed"
        );
    }
}

#[test]
fn every_region_is_protected_in_our_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let id = ec_identity();
    for min_sdk in [21, 26] {
        let input = apk(dir.path(), min_sdk);
        let out = dir.path().join(format!("signed-{min_sdk}.apk"));
        sign_apk(&input, &out, &id, &SignOptions::default()).unwrap();
        assert_eq!(verify(&out).unwrap().min_sdk, Some(min_sdk));
        assert_every_flip_fails(&out);
    }
}

#[test]
fn unsigned_and_stripped_apks_fail() {
    let dir = tempfile::tempdir().unwrap();
    let input = apk(dir.path(), 26);
    assert!(verify(&input).is_err(), "an unsigned APK verified");
}

#[test]
fn every_region_is_protected_in_apksigner_signatures() {
    let (Some(apksigner), Some(keytool)) = (
        nativiweb_core::testing::tool("apksigner"),
        nativiweb_core::testing::tool("keytool"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("k.p12");
    let st = Command::new(keytool)
        .args(["-genkeypair", "-keystore"])
        .arg(&ks)
        .args([
            "-storetype",
            "PKCS12",
            "-alias",
            "k",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
        ])
        .args([
            "-validity",
            "9000",
            "-dname",
            "CN=Apksigner",
            "-storepass:env",
            "P",
            "-keypass:env",
            "P",
        ])
        .env("P", "password1")
        .output()
        .unwrap();
    assert!(st.status.success());
    let input = apk(dir.path(), 21);
    let out = dir.path().join("apksigner.apk");
    let st = Command::new(apksigner)
        .args(["sign", "--ks"])
        .arg(&ks)
        .args(["--ks-pass", "env:P", "--out"])
        .arg(&out)
        .arg(&input)
        .env("P", "password1")
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_every_flip_fails(&out);
}
