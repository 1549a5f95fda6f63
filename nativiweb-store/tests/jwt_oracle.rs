//! The JWTs we make, verified by independent implementations: PyJWT (with `cryptography`) and
//! `openssl dgst -verify`. Skipped with a message when the tool is missing, failed instead under
//! `NATIVIWEB_REQUIRE_TOOLS=1`.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use nativiweb_store::appstore::{make_token, ApiKey};
use nativiweb_store::nativiweb_core::testing::{require, tool};
use nativiweb_store::play::{assertion, ServiceAccountKey};
use secrecy::{ExposeSecret, SecretString};

const PYJWT_CHECK: &str = r#"
import json, sys, jwt
token = sys.stdin.read().strip()
pub = open(sys.argv[1]).read()
claims = jwt.decode(token, pub, algorithms=[sys.argv[2]], audience=sys.argv[3],
                    options={"require": ["exp", "iat", "aud"]})
print(json.dumps({"header": jwt.get_unverified_header(token), "claims": claims}))
"#;

fn python_with_pyjwt() -> Option<std::path::PathBuf> {
    let python = tool("python3")?;
    let ok = Command::new(&python)
        .args(["-c", "import jwt, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    require(
        "PyJWT and cryptography (pip install pyjwt cryptography)",
        ok,
    )
    .then_some(python)
}

/// Runs PyJWT on `token` (given on stdin, never argv); `Ok(json)` when it verifies.
fn pyjwt(
    python: &std::path::Path,
    token: &str,
    public_pem: &str,
    alg: &str,
    aud: &str,
) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().unwrap();
    let pub_path = dir.path().join("pub.pem");
    std::fs::write(&pub_path, public_pem).unwrap();
    let mut child = Command::new(python)
        .args(["-c", PYJWT_CHECK])
        .arg(&pub_path)
        .args([alg, aud])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

fn tamper(token: &SecretString) -> String {
    // Change one claim byte: the signature must no longer verify.
    let t = token.expose_secret();
    let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    let mut payload = parts[1].clone().into_bytes();
    payload[5] = if payload[5] == b'A' { b'B' } else { b'A' };
    parts[1] = String::from_utf8(payload).unwrap();
    parts.join(".")
}

#[test]
fn pyjwt_verifies_the_google_assertion() {
    let Some(python) = python_with_pyjwt() else {
        return;
    };
    let key = ServiceAccountKey::from_json(&support::service_account_json()).unwrap();
    let now = support::now();
    let token = assertion(&key, now).unwrap();
    let out = pyjwt(
        &python,
        token.expose_secret(),
        &support::rsa_public_pem(),
        "RS256",
        support::TOKEN_URI,
    )
    .unwrap();
    assert_eq!(out["header"]["alg"], "RS256");
    assert_eq!(out["header"]["kid"], "0123456789abcdef");
    let c = &out["claims"];
    assert_eq!(c["iss"], support::CLIENT_EMAIL);
    assert_eq!(
        c["scope"],
        "https://www.googleapis.com/auth/androidpublisher"
    );
    assert_eq!(c["aud"], support::TOKEN_URI);
    assert_eq!(c["iat"], now);
    assert_eq!(c["exp"], now + 3600);
    assert!(pyjwt(
        &python,
        &tamper(&token),
        &support::rsa_public_pem(),
        "RS256",
        support::TOKEN_URI
    )
    .is_err());
}

#[test]
fn pyjwt_verifies_the_app_store_connect_tokens() {
    let Some(python) = python_with_pyjwt() else {
        return;
    };
    let now = support::now();
    let team = ApiKey::from_p8(
        "ABC123DEFG",
        Some("69a6de70-03db-47e3-e053-5b8c7c11a4d1".into()),
        &support::p8_pem(),
    )
    .unwrap();
    let token = make_token(&team, now, Duration::from_secs(3600)).unwrap();
    let out = pyjwt(
        &python,
        token.expose_secret(),
        &support::p256_public_pem(),
        "ES256",
        "appstoreconnect-v1",
    )
    .unwrap();
    assert_eq!(
        out["header"],
        serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": "ABC123DEFG"})
    );
    let c = &out["claims"];
    assert_eq!(c["iss"], "69a6de70-03db-47e3-e053-5b8c7c11a4d1");
    assert_eq!(c["exp"], now + 1200, "capped at 20 minutes");
    assert!(c.get("sub").is_none());

    let individual = ApiKey::from_p8("ABC123DEFG", None, &support::p8_pem()).unwrap();
    let token = make_token(&individual, now, Duration::from_secs(600)).unwrap();
    let out = pyjwt(
        &python,
        token.expose_secret(),
        &support::p256_public_pem(),
        "ES256",
        "appstoreconnect-v1",
    )
    .unwrap();
    assert_eq!(out["claims"]["sub"], "user");
    assert!(out["claims"].get("iss").is_none());
    assert!(pyjwt(
        &python,
        &tamper(&token),
        &support::p256_public_pem(),
        "ES256",
        "appstoreconnect-v1"
    )
    .is_err());
}

/// `openssl dgst -sha256 -verify` on the signing input; `true` when it verifies.
fn openssl_verifies(
    openssl: &std::path::Path,
    public_pem: &str,
    input: &str,
    der_signature: &[u8],
) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let (p, i, s) = (
        dir.path().join("pub.pem"),
        dir.path().join("in"),
        dir.path().join("sig"),
    );
    std::fs::write(&p, public_pem).unwrap();
    std::fs::write(&i, input).unwrap();
    std::fs::write(&s, der_signature).unwrap();
    Command::new(openssl)
        .args(["dgst", "-sha256", "-verify"])
        .arg(&p)
        .arg("-signature")
        .arg(&s)
        .arg(&i)
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn openssl_verifies_both_signatures() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let key = ServiceAccountKey::from_json(&support::service_account_json()).unwrap();
    let token = assertion(&key, support::now()).unwrap();
    let jwt = support::split_jwt(token.expose_secret()).unwrap();
    assert!(openssl_verifies(
        &openssl,
        &support::rsa_public_pem(),
        &jwt.signing_input,
        &jwt.signature
    ));
    assert!(!openssl_verifies(
        &openssl,
        &support::rsa_public_pem(),
        &format!("{}x", jwt.signing_input),
        &jwt.signature
    ));

    let asc = ApiKey::from_p8("ABC123DEFG", None, &support::p8_pem()).unwrap();
    let token = make_token(&asc, support::now(), Duration::from_secs(60)).unwrap();
    let jwt = support::split_jwt(token.expose_secret()).unwrap();
    assert_eq!(jwt.signature.len(), 64, "JWS wants r || s, not DER");
    // openssl wants DER: convert the raw r || s.
    let der = p256::ecdsa::Signature::from_slice(&jwt.signature)
        .unwrap()
        .to_der();
    assert!(openssl_verifies(
        &openssl,
        &support::p256_public_pem(),
        &jwt.signing_input,
        der.as_bytes()
    ));
}
