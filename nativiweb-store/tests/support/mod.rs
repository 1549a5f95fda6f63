//! Shared test support: the loopback server, keys, JWT checks done with the public key.
#![allow(dead_code)]

pub mod asc;
pub mod play;
pub mod server;

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

/// One RSA key per test binary (generating one costs a moment).
pub fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())
}

pub fn rsa_pem() -> String {
    use rsa::pkcs8::EncodePrivateKey;
    rsa_key()
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

pub fn rsa_public_pem() -> String {
    use rsa::pkcs8::EncodePublicKey;
    rsa_key()
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
}

pub const CLIENT_EMAIL: &str = "ci-uploader@nativiweb-test.iam.gserviceaccount.com";
pub const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// A service-account JSON key as Google hands it out.
pub fn service_account_json() -> String {
    serde_json::json!({
        "type": "service_account",
        "project_id": "nativiweb-test",
        "private_key_id": "0123456789abcdef",
        "private_key": rsa_pem(),
        "client_email": CLIENT_EMAIL,
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
    })
    .to_string()
}

pub fn p256_key() -> &'static p256::ecdsa::SigningKey {
    static KEY: OnceLock<p256::ecdsa::SigningKey> = OnceLock::new();
    KEY.get_or_init(|| p256::ecdsa::SigningKey::random(&mut rand::thread_rng()))
}

pub fn p8_pem() -> secrecy::SecretString {
    use p256::pkcs8::EncodePrivateKey;
    secrecy::SecretString::from(
        p256_key()
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string(),
    )
}

pub fn p256_public_pem() -> String {
    use p256::pkcs8::EncodePublicKey;
    p256_key()
        .verifying_key()
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .unwrap()
}

/// A compact JWS split and decoded; `Err` says what is wrong.
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    pub signing_input: String,
    pub signature: Vec<u8>,
}

pub fn split_jwt(token: &str) -> Result<Jwt, String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(format!("{} segments, want 3", parts.len()));
    }
    let dec = |s: &str| {
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|e| format!("base64url: {e}"))
    };
    Ok(Jwt {
        header: serde_json::from_slice(&dec(parts[0])?).map_err(|e| e.to_string())?,
        claims: serde_json::from_slice(&dec(parts[1])?).map_err(|e| e.to_string())?,
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature: dec(parts[2])?,
    })
}

/// Verifies an RS256 JWT with the test RSA key's public half.
pub fn verify_rs256(token: &str) -> Result<Jwt, String> {
    use rsa::signature::Verifier;
    let jwt = split_jwt(token)?;
    if jwt.header["alg"] != "RS256" || jwt.header["typ"] != "JWT" {
        return Err(format!("header {}", jwt.header));
    }
    let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(rsa_key().to_public_key());
    let sig =
        rsa::pkcs1v15::Signature::try_from(jwt.signature.as_slice()).map_err(|e| e.to_string())?;
    key.verify(jwt.signing_input.as_bytes(), &sig)
        .map_err(|_| "RS256 signature does not verify".to_owned())?;
    Ok(jwt)
}

/// Verifies an ES256 JWT with the test P-256 key's public half.
pub fn verify_es256(token: &str) -> Result<Jwt, String> {
    use p256::ecdsa::signature::Verifier;
    let jwt = split_jwt(token)?;
    if jwt.header["alg"] != "ES256" || jwt.header["typ"] != "JWT" {
        return Err(format!("header {}", jwt.header));
    }
    let sig = p256::ecdsa::Signature::from_slice(&jwt.signature).map_err(|e| e.to_string())?;
    p256_key()
        .verifying_key()
        .verify(jwt.signing_input.as_bytes(), &sig)
        .map_err(|_| "ES256 signature does not verify".to_owned())?;
    Ok(jwt)
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Deterministic, not-all-zero file content.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// A context that collects events.
pub fn ctx_with_events() -> (
    nativiweb_store::nativiweb_core::BuildContext,
    tokio::sync::mpsc::UnboundedReceiver<nativiweb_store::nativiweb_core::Event>,
) {
    let (tx, rx) = nativiweb_store::nativiweb_core::events::event_channel();
    let mut ctx = nativiweb_store::nativiweb_core::BuildContext::new(
        std::env::temp_dir(),
        nativiweb_store::nativiweb_core::Platform::Android,
    )
    .with_events(tx);
    ctx.step = nativiweb_store::nativiweb_core::Step::Submit;
    (ctx, rx)
}

/// The `Progress` events received so far: (done, total).
pub fn progress_events(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<nativiweb_store::nativiweb_core::Event>,
) -> Vec<(u64, Option<u64>)> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let nativiweb_store::nativiweb_core::Event::Progress { done, total, .. } = e {
            out.push((done, total));
        }
    }
    out
}
