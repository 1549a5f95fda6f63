//! Signing keys and certificates: the RSA or EC P-256 private key, its certificate chain, and
//! what a build record shows about them (subject, SHA-256 fingerprint, expiry).

use std::fmt;

use der::{Decode, Encode};
use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::{Digest, Sha256, Sha512};
use signature::{RandomizedSigner, SignatureEncoding, Verifier};
use spki::{DecodePublicKey, EncodePublicKey};
use time::OffsetDateTime;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::error::{Result, SignError};

/// Smallest RSA modulus we sign with (Play and apksigner's own floor).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus we sign with.
pub const MAX_RSA_BITS: usize = 4096;
/// How long before expiry a certificate gets a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

const OID_RSA: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// A private key we sign with.
#[derive(Clone)]
pub enum PrivateKey {
    /// RSA, 2048 to 4096 bits; signs with PKCS#1 v1.5 and SHA-256.
    Rsa(Box<rsa::RsaPrivateKey>),
    /// ECDSA on NIST P-256; signs with SHA-256, DER-encoded signatures.
    EcP256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Which kind of key, to ask for a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with the given modulus size in bits (2048 to 4096).
    Rsa(usize),
    /// ECDSA P-256.
    EcP256,
}

impl PrivateKey {
    /// Decodes a PKCS#8 `PrivateKeyInfo` (what PKCS12 and JKS hold), refusing key types and
    /// sizes we do not sign with.
    pub fn from_pkcs8_der(der_bytes: &[u8], alias: Option<&str>) -> Result<Self> {
        let unsupported = |reason: String| SignError::UnsupportedKey {
            alias: alias.map(str::to_owned),
            reason,
        };
        let info = pkcs8::PrivateKeyInfo::from_der(der_bytes)
            .map_err(|e| unsupported(format!("the key is not a PKCS#8 private key ({e})")))?;
        let oid = info.algorithm.oid;
        if oid == OID_RSA {
            let key = rsa::RsaPrivateKey::from_pkcs8_der(der_bytes)
                .map_err(|e| unsupported(format!("bad RSA key ({e})")))?;
            let bits = rsa::traits::PublicKeyParts::size(&key) * 8;
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                return Err(unsupported(format!("RSA key of {bits} bits")));
            }
            Ok(PrivateKey::Rsa(Box::new(key)))
        } else if oid == OID_EC {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| unsupported("EC key without a named curve".into()))?;
            if curve != OID_P256 {
                return Err(unsupported(format!("EC key on curve {curve}")));
            }
            let key = p256::ecdsa::SigningKey::from_pkcs8_der(der_bytes)
                .map_err(|e| unsupported(format!("bad EC key ({e})")))?;
            Ok(PrivateKey::EcP256(key))
        } else {
            Err(unsupported(format!("key algorithm {oid}")))
        }
    }

    /// Generates a new key.
    pub fn generate(kind: KeyKind) -> Result<Self> {
        let mut rng = rand::rngs::OsRng;
        match kind {
            KeyKind::Rsa(bits) => {
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err(SignError::UnsupportedKey {
                        alias: None,
                        reason: format!("RSA key of {bits} bits"),
                    });
                }
                let key = rsa::RsaPrivateKey::new(&mut rng, bits)
                    .map_err(|e| SignError::Crypto(format!("RSA key generation failed: {e}")))?;
                Ok(PrivateKey::Rsa(Box::new(key)))
            }
            KeyKind::EcP256 => Ok(PrivateKey::EcP256(p256::ecdsa::SigningKey::random(
                &mut rng,
            ))),
        }
    }

    /// The key as PKCS#8 DER (zeroized when dropped).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_der(),
            PrivateKey::EcP256(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| SignError::Crypto(format!("cannot encode the private key: {e}")))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::EcP256(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| SignError::Crypto(format!("cannot encode the public key: {e}")))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// Signs `message` with SHA-256: PKCS#1 v1.5 for RSA (deterministic), DER-encoded ECDSA
    /// (RFC 6979 deterministic nonces) for P-256.
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            PrivateKey::Rsa(k) => {
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
                // The RNG only blinds the computation; PKCS#1 v1.5 output is deterministic.
                let sig = signer
                    .try_sign_with_rng(&mut rand::rngs::OsRng, message)
                    .map_err(|e| SignError::Crypto(format!("RSA signing failed: {e}")))?;
                Ok(sig.to_vec())
            }
            PrivateKey::EcP256(k) => {
                let sig: p256::ecdsa::Signature = signature::Signer::try_sign(k, message)
                    .map_err(|e| SignError::Crypto(format!("ECDSA signing failed: {e}")))?;
                Ok(sig.to_der().to_bytes().to_vec())
            }
        }
    }

    /// "RSA 2048" or "EC P-256".
    pub fn describe(&self) -> String {
        match self {
            PrivateKey::Rsa(k) => format!("RSA {}", rsa::traits::PublicKeyParts::size(&**k) * 8),
            PrivateKey::EcP256(_) => "EC P-256".to_owned(),
        }
    }

    /// True for RSA keys.
    pub fn is_rsa(&self) -> bool {
        matches!(self, PrivateKey::Rsa(_))
    }
}

/// Hash functions signatures are made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha256,
    Sha512,
}

/// Verifies `sig` over `message` with the DER `SubjectPublicKeyInfo` `spki`: RSA PKCS#1 v1.5
/// or ECDSA P-256 (DER signature), with the given hash.
pub(crate) fn verify_signature(
    spki: &[u8],
    hash: HashAlg,
    message: &[u8],
    sig: &[u8],
) -> std::result::Result<(), String> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|e| format!("bad public key: {e}"))?;
    if info.algorithm.oid == OID_RSA {
        let key = rsa::RsaPublicKey::from_public_key_der(spki)
            .map_err(|e| format!("bad RSA public key: {e}"))?;
        let s = rsa::pkcs1v15::Signature::try_from(sig)
            .map_err(|e| format!("bad RSA signature: {e}"))?;
        let ok = match hash {
            HashAlg::Sha256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &s),
            HashAlg::Sha512 => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &s),
        };
        ok.map_err(|_| "RSA signature does not match".to_owned())
    } else if info.algorithm.oid == OID_EC {
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki)
            .map_err(|e| format!("unsupported EC public key (only P-256 is verified): {e}"))?;
        let s = p256::ecdsa::Signature::from_der(sig)
            .map_err(|e| format!("bad ECDSA signature: {e}"))?;
        let ok = match hash {
            HashAlg::Sha256 => key.verify(message, &s),
            HashAlg::Sha512 => {
                let digest = Sha512::digest(message);
                signature::hazmat::PrehashVerifier::verify_prehash(&key, &digest, &s)
            }
        };
        ok.map_err(|_| "ECDSA signature does not match".to_owned())
    } else {
        Err(format!(
            "unsupported public key algorithm {}",
            info.algorithm.oid
        ))
    }
}

/// What a build record shows about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name (RFC 4514 form, as x509-cert prints it).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// SHA-256 of the certificate's DER bytes, lowercase hex.
    pub sha256: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// The public key, "RSA 2048" or "EC P-256" (or the algorithm OID when neither).
    pub key: String,
}

impl CertificateInfo {
    /// Parses a DER certificate.
    pub fn from_der(der_bytes: &[u8]) -> std::result::Result<Self, String> {
        let cert = Certificate::from_der(der_bytes).map_err(|e| format!("bad certificate: {e}"))?;
        let tbs = &cert.tbs_certificate;
        let to_time = |t: x509_cert::time::Time| {
            OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        let spki = &tbs.subject_public_key_info;
        let key = if spki.algorithm.oid == OID_RSA {
            let bits = spki
                .to_der()
                .ok()
                .and_then(|d| rsa::RsaPublicKey::from_public_key_der(&d).ok())
                .map(|k| rsa::traits::PublicKeyParts::size(&k) * 8)
                .unwrap_or(0);
            format!("RSA {bits}")
        } else if spki.algorithm.oid == OID_EC {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
            match curve {
                Some(c) if c == OID_P256 => "EC P-256".to_owned(),
                Some(c) => format!("EC {c}"),
                None => "EC".to_owned(),
            }
        } else {
            spki.algorithm.oid.to_string()
        };
        Ok(CertificateInfo {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            sha256: hex::encode(Sha256::digest(der_bytes)),
            not_before: to_time(tbs.validity.not_before),
            not_after: to_time(tbs.validity.not_after),
            key,
        })
    }

    /// True when the certificate's validity has ended.
    pub fn is_expired(&self) -> bool {
        self.not_after <= OffsetDateTime::now_utc()
    }

    /// True when it expires within [`EXPIRY_WARNING_DAYS`] days (and has not yet).
    pub fn expires_soon(&self) -> bool {
        !self.is_expired()
            && self.not_after
                <= OffsetDateTime::now_utc() + time::Duration::days(EXPIRY_WARNING_DAYS)
    }
}

/// A key and its certificate chain, ready to sign: what a keystore entry opens to.
///
/// `Debug` shows the alias, the key type and the certificate subject, never key material.
#[derive(Clone)]
pub struct SigningIdentity {
    alias: String,
    key: PrivateKey,
    chain: Vec<Vec<u8>>,
    info: CertificateInfo,
    debug: bool,
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("alias", &self.alias)
            .field("key", &self.key.describe())
            .field("subject", &self.info.subject)
            .field("sha256", &self.info.sha256)
            .field("debug", &self.debug)
            .finish()
    }
}

impl SigningIdentity {
    /// A key with its certificate chain (DER, signing certificate first). Fails when the first
    /// certificate's public key is not the key's, or the certificate expired.
    pub fn new(alias: impl Into<String>, key: PrivateKey, chain: Vec<Vec<u8>>) -> Result<Self> {
        let alias = alias.into();
        let leaf = chain.first().ok_or_else(|| SignError::UnsupportedKey {
            alias: Some(alias.clone()),
            reason: "the key has no certificate".into(),
        })?;
        let info = CertificateInfo::from_der(leaf).map_err(|reason| SignError::UnsupportedKey {
            alias: Some(alias.clone()),
            reason,
        })?;
        let cert = Certificate::from_der(leaf).map_err(|e| SignError::UnsupportedKey {
            alias: Some(alias.clone()),
            reason: format!("bad certificate: {e}"),
        })?;
        let cert_spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| SignError::Crypto(format!("cannot encode the certificate key: {e}")))?;
        if cert_spki != key.public_key_der()? {
            return Err(SignError::UnsupportedKey {
                alias: Some(alias),
                reason: "the certificate does not belong to the private key".into(),
            });
        }
        if info.is_expired() {
            return Err(SignError::CertificateExpired {
                alias,
                not_after: info
                    .not_after
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            });
        }
        Ok(SigningIdentity {
            alias,
            key,
            chain,
            info,
            debug: false,
        })
    }

    /// Marks this identity as a debug key (stores refuse what it signs).
    pub fn with_debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }

    /// The keystore alias it came from.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The signing certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.chain[0]
    }

    /// The whole chain, DER, signing certificate first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Subject, fingerprint and validity of the signing certificate.
    pub fn certificate(&self) -> &CertificateInfo {
        &self.info
    }

    /// True for debug keys.
    pub fn is_debug(&self) -> bool {
        self.debug
    }

    /// A warning when the certificate expires within 90 days.
    pub fn expiry_warning(&self) -> Option<String> {
        self.info.expires_soon().then(|| {
            format!(
                "the certificate of key `{}` expires on {}; plan a key upgrade with the store",
                self.alias,
                self.info
                    .not_after
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            )
        })
    }
}
