use super::*;
use crate::keystore::keys::SigningIdentity;

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[test]
fn create_then_open_ec_keystore() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.p12");
    let mut spec = NewKeystore::new("upload", "CN=Example,O=Example Inc,C=US");
    spec.kind = KeyKind::EcP256;
    let made = create_keystore(&path, &spec, &pw("s3cret pass)")).unwrap();
    let opened = open_keystore(&path, &KeystorePasswords::new(pw("s3cret pass)")), None).unwrap();
    assert_eq!(opened.certificate_der(), made.certificate_der());
    assert_eq!(opened.alias(), "upload");
    assert_eq!(
        opened.certificate().subject,
        "CN=Example,O=Example Inc,C=US"
    );
    let years =
        (opened.certificate().not_after - opened.certificate().not_before).whole_days() / 365;
    assert!(years >= 25, "{years}");
    assert!(!opened.is_debug());
    // Never overwrite.
    assert!(create_keystore(&path, &spec, &pw("s3cret pass)")).is_err());
}

#[test]
fn errors_name_the_problem_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.p12");
    let mut spec = NewKeystore::new("mykey", "CN=T");
    spec.kind = KeyKind::EcP256;
    create_keystore(&path, &spec, &pw("correct-horse")).unwrap();
    let e = open_keystore(&path, &KeystorePasswords::new(pw("wrong-battery")), None).unwrap_err();
    assert!(matches!(e, SignError::WrongPassword { .. }), "{e}");
    assert!(
        !e.to_string().contains("wrong-battery") && !format!("{e:?}").contains("wrong-battery")
    );
    let e = open_keystore(
        &path,
        &KeystorePasswords::new(pw("correct-horse")),
        Some("other"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("mykey"), "{e}");
    assert!(matches!(e, SignError::AliasNotFound { .. }));
    // A wrong key password falls back to the store password (PKCS#12 has one password).
    let p = KeystorePasswords::new(pw("correct-horse")).with_key_password(pw("nope-nope"));
    assert!(open_keystore(&path, &p, Some("MYKEY")).is_ok());
    assert!(!format!("{p:?}").contains("correct-horse"));
}

#[test]
fn debug_keystore_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nativiweb/debug.p12");
    let (a, created) = debug_identity_at(&path).unwrap();
    assert!(created && a.is_debug());
    assert_eq!(a.alias(), DEBUG_ALIAS);
    assert_eq!(a.certificate().subject, DEBUG_DNAME);
    let (b, created) = debug_identity_at(&path).unwrap();
    assert!(!created);
    assert_eq!(a.certificate_der(), b.certificate_der());
}

#[test]
fn rejects_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.p12");
    std::fs::write(&path, b"hello").unwrap();
    let e = open_keystore(&path, &KeystorePasswords::new(pw("whatever")), None).unwrap_err();
    assert!(matches!(e, SignError::Keystore { .. }), "{e}");
}

#[test]
fn expiring_certificates_warn_and_expired_ones_fail() {
    let key = PrivateKey::generate(KeyKind::EcP256).unwrap();
    let soon = self_signed_certificate(&key, "CN=Soon", 30).unwrap();
    let id = SigningIdentity::new("soon", key.clone(), vec![soon]).unwrap();
    let warning = id.expiry_warning().expect("a warning within 90 days");
    assert!(warning.contains("soon"), "{warning}");
    let expired = self_signed_certificate(&key, "CN=Gone", 0).unwrap();
    let e = SigningIdentity::new("gone", key.clone(), vec![expired]).unwrap_err();
    assert!(matches!(e, SignError::CertificateExpired { .. }), "{e}");
    let long = self_signed_certificate(&key, "CN=Long", DEFAULT_VALIDITY_DAYS).unwrap();
    assert!(SigningIdentity::new("long", key, vec![long])
        .unwrap()
        .expiry_warning()
        .is_none());
}

#[test]
fn a_certificate_of_another_key_is_refused() {
    let a = PrivateKey::generate(KeyKind::EcP256).unwrap();
    let b = PrivateKey::generate(KeyKind::EcP256).unwrap();
    let cert_b = self_signed_certificate(&b, "CN=B", 9200).unwrap();
    let e = SigningIdentity::new("a", a, vec![cert_b]).unwrap_err();
    assert!(matches!(e, SignError::UnsupportedKey { .. }), "{e}");
}
