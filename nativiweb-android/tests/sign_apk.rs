//! APK signing against the real tools: APKs built by `aapt`, signed by us with keys from
//! keystores `keytool` made (PKCS12 and JKS, RSA and EC), must pass `apksigner verify` with v2
//! and v3 (and v1 for minSdk 21); signing is deterministic for RSA and re-signing replaces the
//! old signature cleanly.

use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::keystore::keys::SigningIdentity;
use nativiweb_android::keystore::{open_keystore, KeystorePasswords};
use nativiweb_android::sign::apksign::{sign_apk, SignOptions};
use nativiweb_android::sign::verify::verify;
use nativiweb_core::testing::{require, tool};
use secrecy::SecretString;

const FRAMEWORK_RES: &str = "/usr/share/android-framework-res/framework-res.apk";
const STOREPASS: &str = "store pass (1)";

/// Builds an unsigned APK with aapt: a manifest with `min_sdk`, a few assets (one large and
/// incompressible, so it is stored by aapt's rules for some extensions).
fn aapt_apk(aapt: &Path, dir: &Path, min_sdk: u32) -> PathBuf {
    let src = dir.join(format!("src{min_sdk}"));
    std::fs::create_dir_all(src.join("assets/sub")).unwrap();
    std::fs::write(
        src.join("AndroidManifest.xml"),
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.signtest" android:versionCode="3" android:versionName="1.0">
  <uses-sdk android:minSdkVersion="{min_sdk}" android:targetSdkVersion="34"/>
  <application android:label="Sign test"/>
</manifest>"#
        ),
    )
    .unwrap();
    std::fs::write(src.join("assets/index.html"), "<h1>hello</h1>".repeat(200)).unwrap();
    let noise: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(src.join("assets/sub/photo.jpg"), &noise).unwrap();
    std::fs::write(src.join("assets/odd.bin"), b"abc").unwrap();
    let out = dir.join(format!("unsigned-{min_sdk}.apk"));
    let st = Command::new(aapt)
        .args(["package", "-f", "-M"])
        .arg(src.join("AndroidManifest.xml"))
        .args(["-I", FRAMEWORK_RES, "-A"])
        .arg(src.join("assets"))
        .arg("-F")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "aapt: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    out
}

fn keytool_store(keytool: &Path, path: &Path, storetype: &str, keyalg: &str) {
    let mut cmd = Command::new(keytool);
    cmd.args(["-genkeypair", "-keystore"])
        .arg(path)
        .args([
            "-storetype",
            storetype,
            "-alias",
            "release",
            "-keyalg",
            keyalg,
        ])
        .args([
            "-validity",
            "10000",
            "-dname",
            "CN=Sign Test,O=Example,C=US",
        ])
        .args(["-storepass:env", "KT_PASS", "-keypass:env", "KT_PASS"])
        .env("KT_PASS", STOREPASS);
    if keyalg == "RSA" {
        cmd.args(["-keysize", "2048"]);
    } else {
        cmd.args(["-groupname", "secp256r1"]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn identity(path: &Path) -> SigningIdentity {
    open_keystore(
        path,
        &KeystorePasswords::new(SecretString::from(STOREPASS)),
        None,
    )
    .unwrap()
}

/// Runs `apksigner verify --verbose --print-certs` and returns its stdout (asserting success).
fn apksigner_verify(apksigner: &Path, apk: &Path) -> String {
    let out = Command::new(apksigner)
        .args(["verify", "--verbose", "--print-certs"])
        .arg(apk)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "apksigner rejected {}: {text}{}",
        apk.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let aapt = tool("aapt")?;
    let apksigner = tool("apksigner")?;
    let keytool = tool("keytool")?;
    require("android-framework-res", Path::new(FRAMEWORK_RES).exists())
        .then_some((aapt, apksigner, keytool))
}

#[test]
fn apksigner_accepts_our_signatures_for_every_keystore_and_key_type() {
    let Some((aapt, apksigner, keytool)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let apk21 = aapt_apk(&aapt, dir.path(), 21);
    let apk24 = aapt_apk(&aapt, dir.path(), 24);
    for (storetype, keyalg) in [
        ("PKCS12", "RSA"),
        ("PKCS12", "EC"),
        ("JKS", "RSA"),
        ("JKS", "EC"),
    ] {
        let ks = dir.path().join(format!("{storetype}-{keyalg}.ks"));
        keytool_store(&keytool, &ks, storetype, keyalg);
        let id = identity(&ks);
        for (apk, min_sdk) in [(&apk21, 21), (&apk24, 24)] {
            let out = dir
                .path()
                .join(format!("signed-{storetype}-{keyalg}-{min_sdk}.apk"));
            let report = sign_apk(apk, &out, &id, &SignOptions::default()).unwrap();
            assert_eq!(report.min_sdk, Some(min_sdk));
            let text = apksigner_verify(&apksigner, &out);
            let v1 = min_sdk < 24;
            assert!(
                text.contains(&format!("Verified using v1 scheme (JAR signing): {v1}")),
                "{text}"
            );
            assert!(
                text.contains("Verified using v2 scheme (APK Signature Scheme v2): true"),
                "{text}"
            );
            assert!(
                text.contains("Verified using v3 scheme (APK Signature Scheme v3): true"),
                "{text}"
            );
            assert!(text.contains(&id.certificate().sha256), "{text}");
            // Ours agrees.
            let ours = verify(&out).unwrap();
            let want: Vec<&str> = if v1 {
                vec!["v1", "v2", "v3"]
            } else {
                vec!["v2", "v3"]
            };
            assert_eq!(ours.schemes, want);
            assert_eq!(ours.certificate.sha256, id.certificate().sha256);
            assert_eq!(ours.package.as_deref(), Some("com.example.signtest"));
            // zipalign agrees the output is aligned.
            if let Some(zipalign) = tool("zipalign") {
                let st = Command::new(zipalign)
                    .args(["-c", "4"])
                    .arg(&out)
                    .output()
                    .unwrap();
                assert!(
                    st.status.success(),
                    "{}",
                    String::from_utf8_lossy(&st.stdout)
                );
            }
        }
    }
}

#[test]
fn rsa_signing_is_deterministic_and_resigning_replaces_cleanly() {
    let Some((aapt, apksigner, keytool)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("rsa.p12");
    keytool_store(&keytool, &ks, "PKCS12", "RSA");
    let id = identity(&ks);
    let ec_ks = dir.path().join("ec.p12");
    keytool_store(&keytool, &ec_ks, "PKCS12", "EC");
    let other = identity(&ec_ks);
    for min_sdk in [21, 24] {
        let apk = aapt_apk(&aapt, dir.path(), min_sdk);
        let a = dir.path().join(format!("a{min_sdk}.apk"));
        let b = dir.path().join(format!("b{min_sdk}.apk"));
        sign_apk(&apk, &a, &id, &SignOptions::default()).unwrap();
        sign_apk(&apk, &b, &id, &SignOptions::default()).unwrap();
        let bytes_a = std::fs::read(&a).unwrap();
        assert_eq!(
            bytes_a,
            std::fs::read(&b).unwrap(),
            "minSdk {min_sdk}: not deterministic"
        );
        // Sign with another key in place, then back: the result equals a fresh signature.
        let c = dir.path().join(format!("c{min_sdk}.apk"));
        std::fs::copy(&a, &c).unwrap();
        let r = sign_apk(&c, &c, &other, &SignOptions::default()).unwrap();
        assert!(r.replaced_signature);
        let text = apksigner_verify(&apksigner, &c);
        assert!(text.contains(&other.certificate().sha256), "{text}");
        assert!(
            !text.contains(&id.certificate().sha256),
            "old signer still there: {text}"
        );
        assert!(text.contains("Number of signers: 1"), "{text}");
        sign_apk(&c, &c, &id, &SignOptions::default()).unwrap();
        assert_eq!(
            std::fs::read(&c).unwrap(),
            bytes_a,
            "minSdk {min_sdk}: re-signing left traces"
        );
    }
}

#[test]
fn our_verify_accepts_apksigner_output() {
    let Some((aapt, apksigner, keytool)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (keyalg, min_sdk) in [("RSA", 21), ("EC", 24)] {
        let ks = dir.path().join(format!("{keyalg}.p12"));
        keytool_store(&keytool, &ks, "PKCS12", keyalg);
        let apk = aapt_apk(&aapt, dir.path(), min_sdk);
        let signed = dir.path().join(format!("apksigner-{keyalg}.apk"));
        let out = Command::new(&apksigner)
            .args(["sign", "--ks"])
            .arg(&ks)
            .args(["--ks-pass", "env:KT_PASS", "--out"])
            .arg(&signed)
            .arg(&apk)
            .env("KT_PASS", STOREPASS)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = verify(&signed).unwrap();
        assert!(report.schemes.contains(&"v2".to_owned()), "{report:?}");
        assert_eq!(
            report.certificate.sha256,
            identity(&ks).certificate().sha256
        );
        assert_eq!(report.certificate.subject, "CN=Sign Test,O=Example,C=US");
        if min_sdk < 24 {
            // apksigner adds v1 for old platforms (Debian's also for newer ones).
            assert!(report.schemes.contains(&"v1".to_owned()), "{report:?}");
        }
    }
}
