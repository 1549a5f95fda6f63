//! AAB (JAR) signing against jarsigner: an AAB-shaped zip signed by us passes
//! `jarsigner -verify -strict`, for RSA and EC keys; our verify agrees, and catches changes.

use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::keystore::keys::{KeyKind, PrivateKey, SigningIdentity};
use nativiweb_android::keystore::{self_signed_certificate, write_pkcs12};
use nativiweb_android::sign::apksign::sign_jar;
use nativiweb_android::sign::verify::verify;
use nativiweb_android::zip::{ZipArchive, ZipWriter};
use secrecy::SecretString;

fn aab(dir: &Path) -> PathBuf {
    let path = dir.join("app.aab");
    let mut w = ZipWriter::new(Vec::new());
    w.add_deflated("BundleConfig.pb", b"\x0a\x05\x0a\x031.0")
        .unwrap();
    w.add_deflated("base/manifest/AndroidManifest.xml", b"\x0a\x08manifest")
        .unwrap();
    w.add_deflated("base/dex/classes.dex", &b"dex\n035\0".repeat(3000))
        .unwrap();
    w.add_stored("base/assets/www/index.html", b"<h1>hello</h1>")
        .unwrap();
    w.add_deflated("base/res/values/strings with space.xml", b"x")
        .unwrap();
    w.add_deflated(
        &format!("base/assets/{}.txt", "long-name-".repeat(12)),
        b"wrapped",
    )
    .unwrap();
    w.add_deflated(
        "BUNDLE-METADATA/com.android.tools.build.obfuscation/proguard.map",
        b"map",
    )
    .unwrap();
    std::fs::write(&path, w.finish().unwrap()).unwrap();
    path
}

fn identity(kind: KeyKind) -> SigningIdentity {
    let key = PrivateKey::generate(kind).unwrap();
    let cert = self_signed_certificate(&key, "CN=Upload,O=Example,C=US", 10_000).unwrap();
    SigningIdentity::new("upload key", key, vec![cert]).unwrap()
}

#[test]
fn jarsigner_accepts_our_aab_signatures() {
    let Some(jarsigner) = nativiweb_core::testing::tool("jarsigner") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = aab(dir.path());
    for (kind, ext) in [(KeyKind::Rsa(2048), "RSA"), (KeyKind::EcP256, "EC")] {
        let id = identity(kind);
        let out = dir.path().join(format!("signed-{ext}.aab"));
        let report = sign_jar(&input, &out, &id).unwrap();
        assert_eq!(report.schemes, ["v1"]);
        let z = ZipArchive::open(&out).unwrap();
        assert_eq!(z.entries()[0].name, "META-INF/MANIFEST.MF");
        assert!(z.entry(&format!("META-INF/UPLOAD_K.{ext}")).is_some());
        // -strict turns "self-signed, no trusted chain" into an error, for jarsigner's own
        // signatures too; trusting the upload certificate (the keystore it came from, as a
        // Play upload key is) is how -strict verification of an upload key is done.
        let ks = dir.path().join(format!("trust-{ext}.p12"));
        write_pkcs12(&ks, &id, &SecretString::from("trustpass")).unwrap();
        let st = Command::new(&jarsigner)
            .args(["-verify", "-strict", "-verbose", "-keystore"])
            .arg(&ks)
            .args(["-storetype", "PKCS12", "-storepass:env", "TRUST_PASS"])
            .arg(&out)
            .env("TRUST_PASS", "trustpass")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&st.stdout);
        assert!(
            st.status.success(),
            "jarsigner rejected ({ext}): {text}{}",
            String::from_utf8_lossy(&st.stderr)
        );
        assert!(text.contains("jar verified."), "{text}");
        let ours = verify(&out).unwrap();
        assert_eq!(ours.schemes, ["v1"]);
        assert_eq!(ours.certificate.sha256, id.certificate().sha256);
        // Re-signing replaces: one signature, by the new key.
        let other = identity(KeyKind::EcP256);
        sign_jar(&out, &out, &other).unwrap();
        let z = ZipArchive::open(&out).unwrap();
        let sigs = z
            .entries()
            .iter()
            .filter(|e| e.name.ends_with(".SF"))
            .count();
        assert_eq!(sigs, 1);
        assert_eq!(
            verify(&out).unwrap().certificate.sha256,
            other.certificate().sha256
        );
    }
}

#[test]
fn changed_entry_fails_our_verify() {
    let dir = tempfile::tempdir().unwrap();
    let input = aab(dir.path());
    let out = dir.path().join("signed.aab");
    sign_jar(&input, &out, &identity(KeyKind::EcP256)).unwrap();
    let mut bytes = std::fs::read(&out).unwrap();
    let z = ZipArchive::new(bytes.clone()).unwrap();
    let e = z.entry("base/assets/www/index.html").unwrap().clone();
    bytes[e.data_offset as usize] ^= 0x20; // '<' -> something else, CRC now wrong too
    let bad = dir.path().join("bad.aab");
    std::fs::write(&bad, &bytes).unwrap();
    assert!(verify(&bad).is_err());
    // A new entry not in the manifest is refused as unsigned.
    let z = ZipArchive::open(&out).unwrap();
    let mut w = ZipWriter::new(Vec::new());
    for e in z.entries() {
        w.add_deflated(&e.name, &z.read(e).unwrap()).unwrap();
    }
    w.add_deflated("base/dex/classes2.dex", b"evil").unwrap();
    std::fs::write(&bad, w.finish().unwrap()).unwrap();
    let err = verify(&bad).unwrap_err().to_string();
    assert!(err.contains("classes2.dex"), "{err}");
}
