//! The two JSON Web Tokens the stores want, encoded by hand.
//!
//! Google wants RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signed by a service account's RSA key;
//! Apple wants ES256 (ECDSA P-256 with SHA-256, the signature as the 64-byte `r || s`) signed by
//! a `.p8` key. A JWS in compact form is three base64url segments, so the encoder is a few
//! lines on top of `rsa` and `p256`, which the workspace already compiles for APK and keystore
//! signing. Pulling in `jsonwebtoken` would add a second crypto stack (`ring` plus its own
//! PEM/DER parsing) to every cold build for no gain.
//!
//! The tokens are returned as `SecretString` (secrecy): they are bearer credentials for as long as they
//! live, so they never reach a log line, an error message or `Debug` output.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::SecretString;
use serde::Serialize;

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// The claims could not be serialized (never expected for the crate's own claim types).
    #[error("serializing JWT claims: {0}")]
    Claims(#[from] serde_json::Error),
    /// The private key refused to sign (a corrupt or unsupported key).
    #[error("signing the JWT failed: {0}")]
    Sign(String),
}

/// The JOSE header: the algorithm, `typ: JWT`, and the key id when the store wants one.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    typ: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

/// `base64url(header) . base64url(claims)`: the bytes that get signed.
fn signing_input(
    alg: &str,
    kid: Option<&str>,
    claims: &impl Serialize,
) -> Result<String, JwtError> {
    let header = serde_json::to_vec(&Header {
        alg,
        typ: "JWT",
        kid,
    })?;
    let claims = serde_json::to_vec(claims)?;
    Ok(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    ))
}

/// An RS256 JWT over `claims`, signed with `key` (Google service accounts).
pub fn encode_rs256(
    key: &rsa::RsaPrivateKey,
    kid: Option<&str>,
    claims: &impl Serialize,
) -> Result<SecretString, JwtError> {
    use rsa::signature::{SignatureEncoding, Signer};
    let input = signing_input("RS256", kid, claims)?;
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    let signature = signer
        .try_sign(input.as_bytes())
        .map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(SecretString::from(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )))
}

/// An ES256 JWT over `claims`, signed with `key` (App Store Connect API keys). The signature is
/// the fixed-size `r || s` form JWS requires (RFC 7518 §3.4), not DER.
pub fn encode_es256(
    key: &p256::ecdsa::SigningKey,
    kid: Option<&str>,
    claims: &impl Serialize,
) -> Result<SecretString, JwtError> {
    use p256::ecdsa::signature::Signer;
    let input = signing_input("ES256", kid, claims)?;
    let signature: p256::ecdsa::Signature = key
        .try_sign(input.as_bytes())
        .map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(SecretString::from(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )))
}

/// Seconds since the Unix epoch, for `iat` and `exp`.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn es256_signature_is_raw_r_s_and_verifies() {
        use p256::ecdsa::signature::Verifier;
        let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
        let token = encode_es256(&key, Some("KEY123"), &serde_json::json!({"iss": "x"})).unwrap();
        let parts: Vec<&str> = token.expose_secret().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "KEY123");
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(sig.len(), 64);
        let sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        key.verifying_key().verify(input.as_bytes(), &sig).unwrap();
        // A changed payload does not verify.
        assert!(key.verifying_key().verify(b"other", &sig).is_err());
    }
}
