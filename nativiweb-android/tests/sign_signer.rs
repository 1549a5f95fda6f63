//! `ApkSigner`/`JarSigner` behind nativiweb-core's `Signer` trait: what a pipeline sees.

use std::path::Path;

use nativiweb_android::keystore::keys::{KeyKind, PrivateKey, SigningIdentity};
use nativiweb_android::keystore::{create_keystore, KeystorePasswords, NewKeystore};
use nativiweb_android::sign::signer::{ApkSigner, JarSigner};
use nativiweb_android::zip::ZipWriter;
use nativiweb_core::{Artifact, ArtifactKind, BuildContext, Platform, Signer};
use secrecy::SecretString;

fn artifact(path: &Path, kind: ArtifactKind) -> Artifact {
    let bytes = std::fs::read(path).unwrap();
    Artifact {
        path: path.to_owned(),
        kind,
        platform: Platform::Android,
        size: bytes.len() as u64,
        sha256: nativiweb_core::hash::sha256_hex(&bytes),
    }
}

fn zip(path: &Path) {
    let mut w = ZipWriter::new(Vec::new());
    w.add_stored("resources.arsc", &[0u8; 100]).unwrap();
    w.add_deflated("classes.dex", b"dex").unwrap();
    std::fs::write(path, w.finish().unwrap()).unwrap();
}

fn ec_identity() -> SigningIdentity {
    let key = PrivateKey::generate(KeyKind::EcP256).unwrap();
    let cert =
        nativiweb_android::keystore::self_signed_certificate(&key, "CN=Pipeline", 9200).unwrap();
    SigningIdentity::new("pipeline", key, vec![cert]).unwrap()
}

#[tokio::test]
async fn signs_through_the_trait_and_reports_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let apk = dir.path().join("app.apk");
    zip(&apk);
    let ctx = BuildContext::new(dir.path(), Platform::Android);
    let signer: Box<dyn Signer> = Box::new(ApkSigner::new(ec_identity()).with_min_sdk(Some(21)));
    assert!(signer.supports(ArtifactKind::Apk) && signer.supports(ArtifactKind::Aab));
    assert!(!signer.supports(ArtifactKind::Ipa));
    let out = dir.path().join("signed.apk");
    let signed = signer
        .sign(&ctx, &artifact(&apk, ArtifactKind::Apk), Some(&out))
        .await
        .unwrap();
    assert_eq!(signed.signature.schemes, ["v1", "v2", "v3"]);
    assert_eq!(signed.signature.signer, "apk-signer");
    assert!(!signed.signature.debug);
    assert_eq!(signed.signature.certificate_subject, "CN=Pipeline");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(signed.artifact.size, bytes.len() as u64);
    assert_eq!(
        signed.artifact.sha256,
        nativiweb_core::hash::sha256_hex(&bytes)
    );
    nativiweb_android::sign::verify::verify(&out).unwrap();

    // In place, AAB through JarSigner.
    let aab = dir.path().join("app.aab");
    zip(&aab);
    let jar = JarSigner::new(ec_identity());
    let signed = jar
        .sign(&ctx, &artifact(&aab, ArtifactKind::Aab), None)
        .await
        .unwrap();
    assert_eq!(signed.artifact.path, aab);
    assert_eq!(signed.signature.schemes, ["v1"]);
    assert!(jar
        .sign(&ctx, &artifact(&apk, ArtifactKind::Apk), None)
        .await
        .is_err());
}

#[tokio::test]
async fn errors_name_the_backend_and_cancellation_stops() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.apk");
    std::fs::write(&bad, b"not a zip").unwrap();
    let ctx = BuildContext::new(dir.path(), Platform::Android);
    let signer = ApkSigner::new(ec_identity());
    let err = signer
        .sign(&ctx, &artifact(&bad, ArtifactKind::Apk), None)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("apk-signer: "), "{msg}");
    assert!(msg.contains("broken.apk"), "{msg}");

    let apk = dir.path().join("app.apk");
    zip(&apk);
    ctx.cancel.cancel();
    let err = signer
        .sign(&ctx, &artifact(&apk, ArtifactKind::Apk), None)
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err}");
}

#[test]
fn from_keystore_opens_and_marks_nothing_debug() {
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("upload.p12");
    let mut spec = NewKeystore::new("upload", "CN=Upload");
    spec.kind = KeyKind::EcP256;
    create_keystore(&ks, &spec, &SecretString::from("password")).unwrap();
    let s = ApkSigner::from_keystore(
        &ks,
        &KeystorePasswords::new(SecretString::from("password")),
        Some("upload"),
    )
    .unwrap();
    assert_eq!(s.identity().alias(), "upload");
    assert!(!s.identity().is_debug());
    assert!(!format!("{s:?}").contains("password"));
}

#[tokio::test]
async fn debug_key_signatures_say_debug() {
    let dir = tempfile::tempdir().unwrap();
    let (id, created) =
        nativiweb_android::keystore::debug_identity_at(&dir.path().join("cfg/nativiweb/debug.p12"))
            .unwrap();
    assert!(created);
    let apk = dir.path().join("app.apk");
    zip(&apk);
    let ctx = BuildContext::new(dir.path(), Platform::Android);
    let signed = ApkSigner::new(id)
        .with_min_sdk(Some(24))
        .sign(&ctx, &artifact(&apk, ArtifactKind::Apk), None)
        .await
        .unwrap();
    assert!(signed.signature.debug);
    assert_eq!(
        signed.signature.certificate_subject,
        "CN=Android Debug,O=Android,C=US"
    );
    assert_eq!(signed.signature.schemes, ["v2", "v3"]);
}
