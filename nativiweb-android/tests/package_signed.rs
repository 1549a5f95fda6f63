//! Packaged APKs signed by our ApkSigner install-verify with the Android SDK's own `apksigner
//! verify` (v2/v3 always, v1 too for minSdk < 24, which the signer reads from our binary
//! manifest), and packaging + signing stays deterministic.

use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_android::keystore::debug_identity_at;
use nativiweb_android::package::package_apk;
use nativiweb_android::sign::signer::ApkSigner;
use nativiweb_core::config::{AppConfig, PartialAppConfig};
use nativiweb_core::testing;

fn hello_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

fn verify(apksigner: &Path, apk: &Path) -> String {
    let out = Command::new(apksigner)
        .args(["verify", "--verbose", apk.to_str().unwrap()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "apksigner verify failed:\n{text}");
    text
}

#[test]
fn packaged_and_signed_apks_verify_with_apksigner() {
    let tmp = tempfile::tempdir().unwrap();
    let (identity, created) = debug_identity_at(&tmp.path().join("debug.p12")).unwrap();
    assert!(created);
    let signer = ApkSigner::new(identity);
    let dir = hello_dir();

    // The example app (minSdk 24): v2 + v3, no v1; the signer found minSdk in our manifest.
    let app = AppConfig::load(&dir, PartialAppConfig::default()).unwrap();
    let unsigned = tmp.path().join("hello-unsigned.apk");
    let signed = tmp.path().join("hello.apk");
    package_apk(&app, Some(&dir), &dir, &unsigned).unwrap();
    let report = signer.sign_file(&unsigned, &signed).unwrap();
    assert_eq!(report.min_sdk, Some(24));
    let info = nativiweb_android::package::read_app_file(&signed).unwrap();
    assert_eq!(info.package.as_deref(), Some("dev.nativiweb.hello"));
    assert_eq!(info.version_code, Some(1));
    assert_eq!(report.schemes, vec!["v2", "v3"]);
    // Signing a second time from the same unsigned APK gives the same bytes.
    let again = tmp.path().join("hello-again.apk");
    signer.sign_file(&unsigned, &again).unwrap();
    assert!(std::fs::read(&signed).unwrap() == std::fs::read(&again).unwrap());

    // minSdk 21: v1 (JAR) signing too.
    let mut old = app.clone();
    old.android.min_sdk = 21;
    let old_unsigned = tmp.path().join("old-unsigned.apk");
    let old_signed = tmp.path().join("old.apk");
    package_apk(&old, Some(&dir), &dir, &old_unsigned).unwrap();
    let report = signer.sign_file(&old_unsigned, &old_signed).unwrap();
    assert_eq!(report.min_sdk, Some(21));
    assert_eq!(report.schemes, vec!["v1", "v2", "v3"]);

    let Some(apksigner) = testing::tool("apksigner") else {
        return;
    };
    let text = verify(&apksigner, &signed);
    assert!(
        text.contains("Verified using v2 scheme (APK Signature Scheme v2): true")
            && text.contains("Verified using v3 scheme (APK Signature Scheme v3): true"),
        "{text}"
    );
    let text = verify(&apksigner, &old_signed);
    assert!(
        text.contains("Verified using v1 scheme (JAR signing): true")
            && text.contains("Verified using v2 scheme (APK Signature Scheme v2): true"),
        "{text}"
    );

    // The signed APK still reads the same to aapt.
    if let Some(aapt) = testing::tool("aapt") {
        let out = Command::new(aapt)
            .args(["dump", "badging", signed.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("launchable-activity: name='app.nativiweb.shell.MainActivity'"),
            "{text}"
        );
    }
}
