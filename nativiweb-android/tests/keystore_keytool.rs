//! Keystores against keytool (JDK): keytool reads what we create, we read what keytool
//! creates (PKCS12 and JKS, RSA and EC, separate key password for JKS).

use std::path::Path;
use std::process::Command;

use nativiweb_android::error::SignError;
use nativiweb_android::keystore::keys::KeyKind;
use nativiweb_android::keystore::{
    create_keystore, list_aliases, open_keystore, KeystoreFormat, KeystorePasswords, NewKeystore,
};
use nativiweb_core::testing::tool;
use secrecy::SecretString;

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Runs keytool -genkeypair; passwords go through env vars (keytool's `:env` syntax), never
/// argv.
fn keytool_genkey(
    keytool: &Path,
    path: &Path,
    storetype: &str,
    alias: &str,
    keyalg: &str,
    keypass: &str,
) {
    let mut args: Vec<String> = [
        "-genkeypair",
        "-keystore",
        path.to_str().unwrap(),
        "-storetype",
        storetype,
        "-alias",
        alias,
        "-keyalg",
        keyalg,
        "-validity",
        "10000",
        "-dname",
        "CN=Keytool Test,O=Example,C=US",
        "-storepass:env",
        "KT_STOREPASS",
        "-keypass:env",
        "KT_KEYPASS",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if keyalg == "RSA" {
        args.extend(["-keysize".into(), "2048".into()]);
    } else {
        args.extend(["-groupname".into(), "secp256r1".into()]);
    }
    let out = Command::new(keytool)
        .args(&args)
        .env("KT_STOREPASS", "store-pass 1")
        .env("KT_KEYPASS", keypass)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn we_read_keystores_keytool_made() {
    let Some(keytool) = tool("keytool") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (storetype, keyalg, keypass) in [
        ("PKCS12", "RSA", "store-pass 1"),
        ("PKCS12", "EC", "store-pass 1"),
        ("JKS", "RSA", "key-pass 2"),
        ("JKS", "EC", "store-pass 1"),
    ] {
        let path = dir.path().join(format!("{storetype}-{keyalg}.ks"));
        keytool_genkey(&keytool, &path, storetype, "release", keyalg, keypass);
        let mut passwords = KeystorePasswords::new(pw("store-pass 1"));
        if keypass != "store-pass 1" {
            passwords = passwords.with_key_password(pw(keypass));
        }
        let (format, aliases) = list_aliases(&path, &passwords).unwrap();
        assert_eq!(
            format,
            if storetype == "JKS" {
                KeystoreFormat::Jks
            } else {
                KeystoreFormat::Pkcs12
            }
        );
        assert_eq!(aliases, ["release"]);
        let id = open_keystore(&path, &passwords, None).unwrap();
        assert_eq!(id.certificate().subject, "CN=Keytool Test,O=Example,C=US");
        assert_eq!(id.key().is_rsa(), keyalg == "RSA", "{storetype} {keyalg}");
        // Wrong store password.
        let e = open_keystore(&path, &KeystorePasswords::new(pw("nope nope")), None).unwrap_err();
        assert!(
            matches!(e, SignError::WrongPassword { alias: None, .. }),
            "{e}"
        );
        if storetype == "JKS" && keypass != "store-pass 1" {
            // Right store password, wrong key password (and the store password does not open it).
            let p = KeystorePasswords::new(pw("store-pass 1")).with_key_password(pw("bad key pw"));
            let e = open_keystore(&path, &p, None).unwrap_err();
            assert!(
                matches!(e, SignError::WrongPassword { alias: Some(_), .. }),
                "{e}"
            );
        }
    }
}

#[test]
fn keytool_lists_keystores_we_made() {
    let Some(keytool) = tool("keytool") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for kind in [KeyKind::Rsa(2048), KeyKind::EcP256] {
        let path = dir.path().join(format!("{kind:?}.p12"));
        let mut spec = NewKeystore::new("upload", "CN=Upload Key,O=Example Inc,C=US");
        spec.kind = kind;
        let id = create_keystore(&path, &spec, &pw("hunter2 (with spaces)")).unwrap();
        let out = Command::new(&keytool)
            .args([
                "-list",
                "-v",
                "-keystore",
                path.to_str().unwrap(),
                "-storepass:env",
                "KT_STOREPASS",
            ])
            .env("KT_STOREPASS", "hunter2 (with spaces)")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("Alias name: upload"), "{text}");
        assert!(text.contains("PrivateKeyEntry"), "{text}");
        assert!(
            text.contains("CN=Upload Key, O=Example Inc, C=US"),
            "{text}"
        );
        let fp = id.certificate().sha256.to_uppercase();
        let fp_colons: Vec<String> = fp
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        assert!(
            text.contains(&fp_colons.join(":")),
            "fingerprint missing: {text}"
        );
    }
}

#[test]
fn unsupported_keys_are_named() {
    let Some(keytool) = tool("keytool") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("p384", ["-keyalg", "EC", "-groupname", "secp384r1"]),
        ("rsa1024", ["-keyalg", "RSA", "-keysize", "1024"]),
    ] {
        let path = dir.path().join(format!("{name}.p12"));
        let out = Command::new(&keytool)
            .args([
                "-genkeypair",
                "-keystore",
                path.to_str().unwrap(),
                "-storetype",
                "PKCS12",
                "-alias",
                name,
            ])
            .args(extra)
            .args([
                "-validity",
                "9000",
                "-dname",
                "CN=Weak",
                "-storepass:env",
                "KT_P",
                "-keypass:env",
                "KT_P",
            ])
            .env("KT_P", "changeit")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let e = open_keystore(&path, &KeystorePasswords::new(pw("changeit")), None).unwrap_err();
        assert!(matches!(e, SignError::UnsupportedKey { .. }), "{name}: {e}");
        assert!(e.to_string().contains(name), "the alias is named: {e}");
    }
}
