//! Signing in place: an aligned APK signed where it is gives the same bytes as signing it to
//! another file, keeps its inode (only its end was rewritten), verifies with our `verify` and
//! `apksigner`, replaces an old signing block without growing, and is left byte-identical when
//! signing fails before writing. (A write that fails half-way is put back: see the unit tests
//! of `sign::inplace`, which inject the failures.)

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::keystore::keys::{KeyKind, PrivateKey, SigningIdentity};
use nativiweb_android::keystore::self_signed_certificate;
use nativiweb_android::sign::apksign::{sign_apk, SignOptions};
use nativiweb_android::sign::sigblock::{encode_block, find_block};
use nativiweb_android::sign::verify::verify;
use nativiweb_android::zip::{ZipArchive, ZipWriter};

fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// An aligned, unsigned APK-shaped zip of a few MiB (more than one 1 MiB digest chunk), whose
/// entries do not end on a page boundary.
fn apk(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut w = ZipWriter::new(Vec::new());
    w.add_deflated("AndroidManifest.xml", b"not parsed: min_sdk is given")
        .unwrap();
    w.add_deflated("classes.dex", &b"dex\n035\0 code ".repeat(3000))
        .unwrap();
    w.add_stored("resources.arsc", &noise(5000, 1)).unwrap();
    w.add_stored("lib/arm64-v8a/libapp.so", &noise(2_500_000, 2))
        .unwrap();
    w.add_stored("assets/odd.bin", &noise(777, 3)).unwrap();
    std::fs::write(&path, w.finish().unwrap()).unwrap();
    path
}

fn identity(cn: &str) -> SigningIdentity {
    let key = PrivateKey::generate(KeyKind::EcP256).unwrap();
    let cert = self_signed_certificate(&key, &format!("CN={cn}"), 9000).unwrap();
    SigningIdentity::new(cn, key, vec![cert]).unwrap()
}

fn opts() -> SignOptions {
    SignOptions {
        min_sdk: Some(24),
        ..SignOptions::default()
    }
}

fn inode(path: &Path) -> (u64, u64) {
    let m = std::fs::metadata(path).unwrap();
    (m.dev(), m.ino())
}

/// `apksigner verify` (when installed) accepts `apk` with v2 and v3.
fn apksigner_accepts(apk: &Path) {
    let Some(apksigner) = nativiweb_core::testing::tool("apksigner") else {
        return;
    };
    let out = Command::new(apksigner)
        .args(["verify", "--verbose", "--min-sdk-version", "24"])
        .arg(apk)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "apksigner rejected {}: {text}{}",
        apk.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Verified using v2 scheme (APK Signature Scheme v2): true"),
        "{text}"
    );
    assert!(
        text.contains("Verified using v3 scheme (APK Signature Scheme v3): true"),
        "{text}"
    );
}

#[test]
fn in_place_gives_the_bytes_signing_to_another_file_gives() {
    let dir = tempfile::tempdir().unwrap();
    let unsigned = apk(dir.path(), "unsigned.apk");
    let id = identity("In Place");

    let out = dir.path().join("out.apk");
    let to_other = sign_apk(&unsigned, &out, &id, &opts()).unwrap();
    assert!(!to_other.in_place && !to_other.rewritten, "{to_other:?}");

    let work = dir.path().join("work.apk");
    std::fs::copy(&unsigned, &work).unwrap();
    let before = inode(&work);
    let r = sign_apk(&work, &work, &id, &opts()).unwrap();
    assert!(r.in_place, "{r:?}");
    assert!(!r.rewritten && !r.replaced_signature, "{r:?}");
    assert_eq!(r.schemes, ["v2", "v3"]);
    assert_eq!(
        inode(&work),
        before,
        "the file was replaced, not signed in place"
    );
    assert_eq!(
        std::fs::read(&work).unwrap(),
        std::fs::read(&out).unwrap(),
        "in place and to another file differ"
    );
    // The entries were not touched.
    let unsigned_bytes = std::fs::read(&unsigned).unwrap();
    let cd = ZipArchive::new(unsigned_bytes.clone())
        .unwrap()
        .layout()
        .cd_offset as usize;
    assert_eq!(
        std::fs::read(&work).unwrap()[..cd],
        unsigned_bytes[..cd],
        "entries changed"
    );
    let v = verify(&work).unwrap();
    assert_eq!(v.schemes, ["v2", "v3"]);
    assert_eq!(v.certificate.sha256, id.certificate().sha256);
    apksigner_accepts(&work);

    // Another spelling of the same path, and a symbolic link to it, sign in place too.
    std::fs::copy(&unsigned, &work).unwrap();
    let dotted = dir.path().join(".").join("work.apk");
    let r = sign_apk(&work, &dotted, &id, &opts()).unwrap();
    assert!(r.in_place, "{r:?}");
    std::fs::copy(&unsigned, &work).unwrap();
    let link = dir.path().join("link.apk");
    std::os::unix::fs::symlink(&work, &link).unwrap();
    let r = sign_apk(&link, &link, &id, &opts()).unwrap();
    assert!(r.in_place, "{r:?}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&work).unwrap(), std::fs::read(&out).unwrap());
}

#[test]
fn a_hard_link_as_output_is_a_new_file_and_the_input_stays() {
    let dir = tempfile::tempdir().unwrap();
    let unsigned = apk(dir.path(), "unsigned.apk");
    let other = dir.path().join("other.apk");
    std::fs::hard_link(&unsigned, &other).unwrap();
    let before = std::fs::read(&unsigned).unwrap();
    let r = sign_apk(&unsigned, &other, &identity("Link"), &opts()).unwrap();
    assert!(!r.in_place, "{r:?}");
    assert_eq!(std::fs::read(&unsigned).unwrap(), before);
    verify(&other).unwrap();
}

#[test]
fn resigning_in_place_replaces_the_block_without_growing() {
    let dir = tempfile::tempdir().unwrap();
    let unsigned = apk(dir.path(), "unsigned.apk");
    let a = identity("Signer A");
    let b = identity("Signer B");
    let fresh_a = dir.path().join("a.apk");
    let fresh_b = dir.path().join("b.apk");
    sign_apk(&unsigned, &fresh_a, &a, &opts()).unwrap();
    sign_apk(&unsigned, &fresh_b, &b, &opts()).unwrap();

    let work = dir.path().join("work.apk");
    std::fs::copy(&fresh_a, &work).unwrap();
    let len = std::fs::metadata(&work).unwrap().len();
    let before = inode(&work);
    for (id, fresh) in [(&b, &fresh_b), (&a, &fresh_a), (&a, &fresh_a)] {
        let r = sign_apk(&work, &work, id, &opts()).unwrap();
        assert!(r.in_place && r.replaced_signature, "{r:?}");
        assert_eq!(
            std::fs::metadata(&work).unwrap().len(),
            len,
            "the file grew"
        );
        assert_eq!(inode(&work), before);
        assert_eq!(
            std::fs::read(&work).unwrap(),
            std::fs::read(fresh).unwrap(),
            "re-signed in place != signed afresh"
        );
        let v = verify(&work).unwrap();
        assert_eq!(v.certificate.sha256, id.certificate().sha256);
        apksigner_accepts(&work);
    }
}

/// `unsigned` with a made-up signing block of `extra` bytes between its entries and its
/// central directory (as another tool could leave), and the end record pointing past it.
fn with_foreign_block(unsigned: &Path, out: &Path, extra: usize, break_it: bool) {
    let bytes = std::fs::read(unsigned).unwrap();
    let layout = ZipArchive::new(bytes.clone()).unwrap().layout().clone();
    let cd = layout.cd_offset as usize;
    let mut block = encode_block(&[(0x1234_5678, noise(extra, 9))]);
    if break_it {
        // The leading size no longer matches the trailing one.
        block[0] ^= 0x10;
    }
    let mut b = bytes[..cd].to_vec();
    b.extend_from_slice(&block);
    b.extend_from_slice(&bytes[cd..]);
    let eocd = layout.eocd_offset as usize + block.len();
    let new_cd = (cd + block.len()) as u32;
    b[eocd + 16..eocd + 20].copy_from_slice(&new_cd.to_le_bytes());
    std::fs::write(out, b).unwrap();
}

#[test]
fn a_larger_old_block_is_replaced_and_the_file_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    let unsigned = apk(dir.path(), "unsigned.apk");
    let id = identity("Shrink");
    let fresh = dir.path().join("fresh.apk");
    sign_apk(&unsigned, &fresh, &id, &opts()).unwrap();

    let work = dir.path().join("work.apk");
    with_foreign_block(&unsigned, &work, 50_000, false);
    let old_len = std::fs::metadata(&work).unwrap().len();
    let bytes = std::fs::read(&work).unwrap();
    let cd = ZipArchive::new(bytes.clone()).unwrap().layout().cd_offset;
    assert!(find_block(&bytes, cd).unwrap().is_some(), "no block made");

    let r = sign_apk(&work, &work, &id, &opts()).unwrap();
    assert!(r.in_place && r.replaced_signature, "{r:?}");
    let signed = std::fs::read(&work).unwrap();
    assert!((signed.len() as u64) < old_len, "the file did not shrink");
    assert_eq!(signed, std::fs::read(&fresh).unwrap());
    verify(&work).unwrap();
    apksigner_accepts(&work);
}

#[test]
fn errors_before_writing_leave_the_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let unsigned = apk(dir.path(), "unsigned.apk");
    let id = identity("Untouched");
    let bytes = std::fs::read(&unsigned).unwrap();

    // Truncated: the end record is cut off.
    let truncated = dir.path().join("truncated.apk");
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();
    // Truncated inside the last entry's data: the central directory is gone.
    let half = dir.path().join("half.apk");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    // An old signing block whose two sizes differ.
    let broken = dir.path().join("broken-block.apk");
    with_foreign_block(&unsigned, &broken, 3000, true);
    // No manifest to read minSdk from, and none given.
    let no_manifest = dir.path().join("no-manifest.apk");
    let mut w = ZipWriter::new(Vec::new());
    w.add_stored("lib/arm64-v8a/libapp.so", &noise(100_000, 4))
        .unwrap();
    std::fs::write(&no_manifest, w.finish().unwrap()).unwrap();

    for (path, opts) in [
        (&truncated, opts()),
        (&half, opts()),
        (&broken, opts()),
        (&no_manifest, SignOptions::default()),
    ] {
        let before = std::fs::read(path).unwrap();
        let e = sign_apk(path, path, &id, &opts).unwrap_err();
        let file_name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            e.to_string().contains(file_name),
            "the error does not name {file_name}: {e}"
        );
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "{file_name} changed although signing failed"
        );
        // No temporary file was left behind either.
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".nativiweb-sign-")
            })
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
