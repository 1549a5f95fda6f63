//! X.509 certificates: what the check needs from them, and whether a private key is theirs.

use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode, Reader, Tag, Tagged};
use serde::Serialize;
use sha1::{Digest, Sha1};
use time::OffsetDateTime;

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// A certificate as the check sees it: its DER bytes and what it says.
///
/// Two certificates are the same when their DER bytes are (that is how Xcode and `codesign`
/// match a signing identity to a profile's `DeveloperCertificates`).
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    spki: Vec<u8>,
    summary: CertSummary,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

/// What a certificate says, for messages and `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CertSummary {
    /// The subject's common name (`Apple Distribution: Example Inc (ABCDE12345)`).
    pub common_name: Option<String>,
    /// The team id: Apple puts it in the subject's organizational unit (OU).
    pub team_id: Option<String>,
    /// The subject's organization (O): the team's name.
    pub organization: Option<String>,
    /// The serial number, hex.
    pub serial_number: String,
    /// The SHA-1 fingerprint of the DER bytes, upper-case hex without separators, as
    /// `security find-identity` prints it.
    pub sha1: String,
    /// Valid from.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// Valid until (expiry).
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// The public key: `RSA 2048`, `EC P-256`, or the algorithm's OID.
    pub key: String,
}

impl CertSummary {
    /// The common name, else the SHA-1 fingerprint: how messages name the certificate.
    pub fn name(&self) -> &str {
        self.common_name.as_deref().unwrap_or(&self.sha1)
    }
}

impl Certificate {
    /// Parses a DER certificate.
    pub(crate) fn from_der(der: &[u8]) -> Result<Certificate, String> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        let tbs = &cert.tbs_certificate;
        let mut common_name = None;
        let mut team_id = None;
        let mut organization = None;
        for rdn in tbs.subject.0.iter() {
            for atv in rdn.0.iter() {
                let slot = if atv.oid == OID_CN {
                    &mut common_name
                } else if atv.oid == OID_OU {
                    &mut team_id
                } else if atv.oid == OID_O {
                    &mut organization
                } else {
                    continue;
                };
                if slot.is_none() {
                    *slot = directory_string(&atv.value);
                }
            }
        }
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("bad public key: {e}"))?;
        let time = |t: &x509_cert::time::Time| {
            let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
            OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        let summary = CertSummary {
            common_name,
            team_id,
            organization,
            serial_number: hex::encode_upper(tbs.serial_number.as_bytes()),
            sha1: hex::encode_upper(Sha1::digest(der)),
            not_before: time(&tbs.validity.not_before),
            not_after: time(&tbs.validity.not_after),
            key: describe_key(&tbs.subject_public_key_info),
        };
        Ok(Certificate {
            der: der.to_vec(),
            spki,
            summary,
        })
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// What the certificate says.
    pub fn summary(&self) -> &CertSummary {
        &self.summary
    }

    /// The subject's public key (`SubjectPublicKeyInfo`, DER).
    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }
}

/// A DirectoryString (or IA5String) attribute value as text.
fn directory_string(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::TeletexString
        | Tag::VisibleString => Some(String::from_utf8_lossy(bytes).into_owned()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

fn describe_key(spki: &spki::SubjectPublicKeyInfoOwned) -> String {
    let oid = spki.algorithm.oid;
    if oid == OID_RSA {
        if let Some((n, _)) = spki
            .subject_public_key
            .as_bytes()
            .and_then(|b| rsa_public(b).ok())
        {
            return format!("RSA {}", bit_len(n.as_bytes()));
        }
        return "RSA".into();
    }
    if oid == OID_EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(c) if c == OID_P256 => "EC P-256".into(),
            Some(c) if c == OID_P384 => "EC P-384".into(),
            Some(c) => format!("EC {c}"),
            None => "EC".into(),
        };
    }
    oid.to_string()
}

fn bit_len(unsigned_be: &[u8]) -> usize {
    match unsigned_be.iter().position(|b| *b != 0) {
        Some(i) => (unsigned_be.len() - i) * 8 - unsigned_be[i].leading_zeros() as usize,
        None => 0,
    }
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public(der: &[u8]) -> der::Result<(UintRef<'_>, UintRef<'_>)> {
    let mut reader = der::SliceReader::new(der)?;
    let pair = reader.sequence(|r| {
        let n = UintRef::decode(r)?;
        let e = UintRef::decode(r)?;
        Ok((n, e))
    })?;
    Ok(pair)
}

/// `RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, ... }`: the public half.
fn rsa_private_public_half(der: &[u8]) -> der::Result<(UintRef<'_>, UintRef<'_>)> {
    let mut reader = der::SliceReader::new(der)?;
    reader.sequence(|r| {
        let _version = u8::decode(r)?;
        let n = UintRef::decode(r)?;
        let e = UintRef::decode(r)?;
        while !r.is_finished() {
            der::AnyRef::decode(r)?;
        }
        Ok((n, e))
    })
}

/// Whether a private key belongs to a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyMatch {
    /// The key's public half is the certificate's public key.
    Matches,
    /// It is not: the key belongs to another certificate.
    Differs,
    /// The key could not be compared (a key type other than RSA or EC P-256); the text says
    /// which.
    Unchecked(String),
}

/// Compares the public half of a PKCS#8 private key with a certificate's
/// `SubjectPublicKeyInfo` (RSA: modulus and exponent; EC P-256: the point).
pub(crate) fn key_matches(pkcs8_der: &[u8], spki_der: &[u8]) -> KeyMatch {
    let Ok(key) = pkcs8::PrivateKeyInfo::try_from(pkcs8_der) else {
        return KeyMatch::Unchecked("the private key is not PKCS#8".into());
    };
    let Ok(spki) = spki::SubjectPublicKeyInfoRef::try_from(spki_der) else {
        return KeyMatch::Unchecked("the certificate's public key does not parse".into());
    };
    if key.algorithm.oid != spki.algorithm.oid {
        return KeyMatch::Differs;
    }
    let Some(cert_key) = spki.subject_public_key.as_bytes() else {
        return KeyMatch::Unchecked("the certificate's public key does not parse".into());
    };
    if key.algorithm.oid == OID_RSA {
        return match (
            rsa_private_public_half(key.private_key),
            rsa_public(cert_key),
        ) {
            (Ok(a), Ok(b)) if a == b => KeyMatch::Matches,
            (Ok(_), Ok(_)) => KeyMatch::Differs,
            _ => KeyMatch::Unchecked("the RSA key does not parse".into()),
        };
    }
    if key.algorithm.oid == OID_EC {
        let curve =
            |p: Option<der::AnyRef<'_>>| p.and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        let key_curve = curve(key.algorithm.parameters);
        let cert_curve = curve(spki.algorithm.parameters);
        if key_curve.is_some() && key_curve != cert_curve {
            return KeyMatch::Differs;
        }
        if cert_curve != Some(OID_P256) {
            return KeyMatch::Unchecked(format!(
                "EC keys on curve {} are not compared (P-256 is)",
                cert_curve.map(|c| c.to_string()).unwrap_or_default()
            ));
        }
        use p256::pkcs8::DecodePrivateKey;
        let (Ok(secret), Ok(public)) = (
            p256::SecretKey::from_pkcs8_der(pkcs8_der),
            p256::PublicKey::from_sec1_bytes(cert_key),
        ) else {
            return KeyMatch::Unchecked("the EC P-256 key does not parse".into());
        };
        return if secret.public_key() == public {
            KeyMatch::Matches
        } else {
            KeyMatch::Differs
        };
    }
    KeyMatch::Unchecked(format!(
        "keys of type {} are not compared (RSA and EC P-256 are)",
        key.algorithm.oid
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01, 0x00]), 9);
        assert_eq!(bit_len(&[]), 0);
    }

    #[test]
    fn garbage_is_an_error_or_unchecked_never_a_panic() {
        assert!(Certificate::from_der(b"not a certificate").is_err());
        assert!(matches!(
            key_matches(b"junk", b"junk"),
            KeyMatch::Unchecked(_)
        ));
    }
}
