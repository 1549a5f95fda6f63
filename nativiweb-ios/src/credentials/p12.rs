//! Reading a signing identity (certificate and private key) from a `.p12`.
//!
//! Built on RustCrypto's `pkcs12` 0.1 (the ASN.1 types and the PKCS#12 key derivation) and
//! `pkcs5` 0.7 (PBES2), like nativiweb-android's keystore reader and for the same reason: they
//! share `der` 0.7, `x509-cert` 0.2 and `cms` 0.2 with the rest of the workspace, where the
//! `p12-keystore` crate (0.4) brings a second generation of them (`der` 0.8, `cms` 0.3-pre,
//! `pkcs5` 0.8, RustCrypto's 0.11 digests) plus `x509-parser` and its `nom` stack. It also
//! reads fewer of the legacy ciphers (no 128-bit RC2, no 2-key 3DES, no 3DES under PBES2).
//!
//! Read:
//! - PBES2 (PBKDF2 with HMAC-SHA-1/SHA-224/SHA-256/SHA-384/SHA-512; AES-128/192/256-CBC or
//!   3DES-CBC), what OpenSSL 3 writes by default (AES-256-CBC, HMAC-SHA-256 MAC);
//! - the PKCS#12 PBE schemes of RFC 7292 appendix C that Keychain Access, `openssl -legacy`
//!   and older tools write: SHA-1 with 3-key or 2-key 3DES-CBC, 40-bit or 128-bit RC2-CBC;
//! - an integrity MAC with SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512;
//! - files in BER (indefinite lengths), as some Windows and Apple tools write them.

use std::fmt;
use std::path::{Path, PathBuf};

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyIvInit};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tagged};
use hmac::Mac;
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::cert::{key_matches, Certificate, KeyMatch};
use super::{ber, CredentialError};

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const OID_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const OID_LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// Key derivation rounds above this are refused: a file asking for more would hang the check
/// (OpenSSL writes 2048, Keychain Access 2048, JDK keytool 10000 to 100000).
const MAX_ITERATIONS: i32 = 5_000_000;

/// A bag as read: friendly name, local key id, and the key (PKCS#8) or certificate (DER).
type Bag<T> = (Option<String>, Option<Vec<u8>>, T);

/// A signing identity read from a `.p12`: the certificate, its private key, and any other
/// certificates the file holds (the Apple WWDR intermediate, when exported with it).
///
/// Encryptions read: PBES2 (PBKDF2 with HMAC-SHA-1/-224/-256/-384/-512, AES-128/192/256-CBC
/// or 3DES-CBC), what OpenSSL 3 writes by default; the PKCS#12 PBE schemes Keychain Access and
/// `openssl pkcs12 -legacy` write (SHA-1 with 3-key or 2-key 3DES, 40- or 128-bit RC2); an
/// integrity MAC with SHA-1 or SHA-2; DER or BER files.
///
/// `Debug` shows the certificate and the file, never the key.
pub struct P12Identity {
    path: PathBuf,
    certificate: Certificate,
    others: Vec<Certificate>,
    key: SecretSlice<u8>,
    key_match: KeyMatch,
}

impl fmt::Debug for P12Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P12Identity")
            .field("path", &self.path)
            .field("certificate", self.certificate.summary())
            .field("other_certificates", &self.others.len())
            .field("key", &"[redacted]")
            .field("key_match", &self.key_match)
            .finish()
    }
}

impl P12Identity {
    /// Reads and decrypts the `.p12` at `path` with `password`.
    ///
    /// The file must hold exactly one private key and its certificate (what Keychain Access
    /// exports for one signing certificate). The password is used only to derive the keys
    /// that decrypt the file; it appears in no error and no `Debug` output.
    pub fn open(path: &Path, password: &SecretString) -> Result<P12Identity, CredentialError> {
        let bytes = std::fs::read(path).map_err(CredentialError::io(path))?;
        Self::from_bytes(&bytes, password, path)
    }

    /// Like [`P12Identity::open`], for bytes already read; `path` names them in messages.
    pub fn from_bytes(
        bytes: &[u8],
        password: &SecretString,
        path: &Path,
    ) -> Result<P12Identity, CredentialError> {
        let bad = |reason: String| CredentialError::P12 {
            path: path.to_path_buf(),
            reason,
        };
        let parsed = parse(bytes, password).map_err(|e| match e {
            P12Error::BadMac => CredentialError::WrongPassword {
                path: path.to_path_buf(),
            },
            P12Error::Malformed(reason) => bad(reason),
        })?;
        let ParsedP12 { mut keys, certs } = parsed;
        if keys.len() > 1 {
            let names: Vec<String> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| k.0.clone().unwrap_or_else(|| format!("key {}", i + 1)))
                .collect();
            return Err(bad(format!(
                "holds {} private keys ({}); export only the one signing certificate with its key",
                keys.len(),
                names.join(", ")
            )));
        }
        let Some((name, local_id, pkcs8)) = keys.pop() else {
            return Err(bad("holds no private key, only certificates: in Keychain Access, open \"My Certificates\", select the signing certificate (it shows its key under it) and export it as .p12".into()));
        };
        let mut parsed_certs = Vec::with_capacity(certs.len());
        for (i, (cert_name, cert_id, der)) in certs.into_iter().enumerate() {
            let cert = Certificate::from_der(&der)
                .map_err(|e| bad(format!("certificate {}: {e}", i + 1)))?;
            parsed_certs.push((cert_name, cert_id, cert));
        }
        if parsed_certs.is_empty() {
            return Err(bad("holds a private key but no certificate: export the certificate together with its key from Keychain Access (\"My Certificates\")".into()));
        }
        // The key's certificate: same localKeyId, else same friendly name, else the one whose
        // public key is the key's, else the only one.
        let leaf = parsed_certs
            .iter()
            .position(|c| local_id.is_some() && c.1 == local_id)
            .or_else(|| {
                parsed_certs
                    .iter()
                    .position(|c| name.is_some() && c.0 == name)
            })
            .or_else(|| {
                parsed_certs
                    .iter()
                    .position(|c| key_matches(&pkcs8, c.2.spki()) == KeyMatch::Matches)
            })
            .or_else(|| (parsed_certs.len() == 1).then_some(0));
        let Some(leaf) = leaf else {
            return Err(bad(format!(
                "holds {} certificates and none is marked as the private key's or matches it: export the signing certificate with its own key from Keychain Access",
                parsed_certs.len()
            )));
        };
        let certificate = parsed_certs.remove(leaf).2;
        let key_match = key_matches(&pkcs8, certificate.spki());
        Ok(P12Identity {
            path: path.to_path_buf(),
            certificate,
            others: parsed_certs.into_iter().map(|c| c.2).collect(),
            key: SecretSlice::from(pkcs8.to_vec()),
            key_match,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The signing certificate (the private key's).
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The other certificates in the file (intermediates), in file order.
    pub fn other_certificates(&self) -> &[Certificate] {
        &self.others
    }

    /// The private key, PKCS#8 DER.
    pub fn private_key(&self) -> &SecretSlice<u8> {
        &self.key
    }

    /// Whether the private key belongs to the certificate.
    pub fn key_match(&self) -> &KeyMatch {
        &self.key_match
    }
}

/// Why a PKCS#12 file could not be opened.
enum P12Error {
    /// The MAC did not verify: wrong password (or a damaged file).
    BadMac,
    /// Anything else.
    Malformed(String),
}

fn malformed(what: impl fmt::Display) -> P12Error {
    P12Error::Malformed(what.to_string())
}

struct ParsedP12 {
    keys: Vec<Bag<Zeroizing<Vec<u8>>>>,
    certs: Vec<Bag<Vec<u8>>>,
}

/// The password in the two forms the schemes use: UTF-8 (PBES2) and UTF-16BE with a 2-byte
/// terminator (the PKCS#12 KDF).
struct Password {
    utf8: Zeroizing<Vec<u8>>,
    bmp: Zeroizing<Vec<u8>>,
}

impl Password {
    fn new(password: &SecretString) -> Password {
        let text = password.expose_secret();
        let mut bmp = Zeroizing::new(Vec::with_capacity(text.len() * 2 + 2));
        for unit in text.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        Password {
            utf8: Zeroizing::new(text.as_bytes().to_vec()),
            bmp,
        }
    }

    /// The empty password as some tools derive it: no bytes at all rather than a terminator.
    fn empty_unterminated() -> Password {
        Password {
            utf8: Zeroizing::new(Vec::new()),
            bmp: Zeroizing::new(Vec::new()),
        }
    }
}

/// Decodes DER, or BER made DER.
fn decode<T: for<'a> Decode<'a>>(bytes: &[u8]) -> Result<T, P12Error> {
    match T::from_der(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            let der = ber::to_der(bytes).map_err(|_| malformed(first.to_string()))?;
            T::from_der(&der).map_err(|_| malformed(first))
        }
    }
}

fn parse(bytes: &[u8], password: &SecretString) -> Result<ParsedP12, P12Error> {
    let pfx: pkcs12::pfx::Pfx = decode(bytes).map_err(|e| match e {
        P12Error::Malformed(m) => malformed(format!(
            "not a PKCS#12 (.p12) file ({m}): export the signing certificate with its key from Keychain Access as .p12"
        )),
        other => other,
    })?;
    if pfx.auth_safe.content_type != OID_DATA {
        return Err(malformed(
            "uses public-key integrity, which nothing here reads: export it again with a password",
        ));
    }
    let auth_octets = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(malformed)?;
    let auth_bytes = auth_octets.as_bytes();
    let Some(mac) = &pfx.mac_data else {
        return Err(malformed(
            "has no integrity MAC (it was exported without a password): export it again with a password",
        ));
    };
    let mut pw = Password::new(password);
    if !verify_mac(mac, auth_bytes, &pw)? {
        let alt = Password::empty_unterminated();
        if password.expose_secret().is_empty() && verify_mac(mac, auth_bytes, &alt)? {
            pw = alt;
        } else {
            return Err(P12Error::BadMac);
        }
    }
    let safes: Vec<cms::content_info::ContentInfo> = decode(auth_bytes)?;
    let mut keys: Vec<Bag<Zeroizing<Vec<u8>>>> = Vec::new();
    let mut certs: Vec<Bag<Vec<u8>>> = Vec::new();
    for safe in safes {
        let contents: Zeroizing<Vec<u8>> = if safe.content_type == OID_DATA {
            Zeroizing::new(
                safe.content
                    .decode_as::<OctetString>()
                    .map_err(malformed)?
                    .as_bytes()
                    .to_vec(),
            )
        } else if safe.content_type == OID_ENCRYPTED_DATA {
            let enc: cms::encrypted_data::EncryptedData =
                safe.content.decode_as().map_err(malformed)?;
            let ct = enc
                .enc_content_info
                .encrypted_content
                .as_ref()
                .ok_or_else(|| malformed("an encrypted part has no content"))?;
            decrypt(&enc.enc_content_info.content_enc_alg, ct.as_bytes(), &pw)
                .map_err(|e| malformed(format!("cannot decrypt its certificates: {e}")))?
        } else {
            continue; // enveloped (public-key) safes: not written by Apple's or OpenSSL's tools.
        };
        let bags: pkcs12::safe_bag::SafeContents = decode(&contents)?;
        for bag in bags {
            let (name, local_id) = bag_attributes(&bag);
            let value = explicit_inner(&bag.bag_value)?;
            if bag.bag_id == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID {
                let epki: pkcs12::pbe_params::EncryptedPrivateKeyInfo = decode(value)?;
                let plain = decrypt(
                    &epki.encryption_algorithm,
                    epki.encrypted_data.as_bytes(),
                    &pw,
                )
                .map_err(|e| malformed(format!("cannot decrypt its private key: {e}")))?;
                keys.push((name, local_id, plain));
            } else if bag.bag_id == pkcs12::PKCS_12_KEY_BAG_OID {
                keys.push((name, local_id, Zeroizing::new(value.to_vec())));
            } else if bag.bag_id == pkcs12::PKCS_12_CERT_BAG_OID {
                let cb: pkcs12::cert_type::CertBag = decode(value)?;
                if cb.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                    certs.push((name, local_id, cb.cert_value.as_bytes().to_vec()));
                }
            }
        }
    }
    Ok(ParsedP12 { keys, certs })
}

/// The value inside a `[0] EXPLICIT` wrapper (how `pkcs12` 0.1 hands back bag values).
fn explicit_inner(tlv: &[u8]) -> Result<&[u8], P12Error> {
    let any = der::AnyRef::from_der(tlv).map_err(malformed)?;
    if any.tag().is_context_specific() {
        Ok(any.value())
    } else {
        Ok(tlv)
    }
}

fn bag_attributes(bag: &pkcs12::safe_bag::SafeBag) -> (Option<String>, Option<Vec<u8>>) {
    let mut name = None;
    let mut id = None;
    if let Some(attrs) = &bag.bag_attributes {
        for a in attrs.iter() {
            let Some(v) = a.values.iter().next() else {
                continue;
            };
            if a.oid == OID_FRIENDLY_NAME {
                if let Ok(s) = v.decode_as::<der::asn1::BmpString>() {
                    name = Some(s.to_string());
                }
            } else if a.oid == OID_LOCAL_KEY_ID {
                if let Ok(o) = v.decode_as::<OctetString>() {
                    id = Some(o.as_bytes().to_vec());
                }
            }
        }
    }
    (name, id)
}

fn check_rounds(rounds: i32) -> Result<(), String> {
    if !(1..=MAX_ITERATIONS).contains(&rounds) {
        return Err(format!(
            "asks for {rounds} key derivation rounds (at most {MAX_ITERATIONS} are accepted)"
        ));
    }
    Ok(())
}

/// Whether the MAC verifies with `pw`. Errors only for a MAC we cannot compute.
fn verify_mac(
    mac: &pkcs12::mac_data::MacData,
    data: &[u8],
    pw: &Password,
) -> Result<bool, P12Error> {
    let salt = mac.mac_salt.as_bytes();
    let rounds = mac.iterations;
    check_rounds(rounds).map_err(malformed)?;
    let expected = mac.mac.digest.as_bytes();
    let alg = mac.mac.algorithm.oid;
    macro_rules! hmac_with {
        ($d:ty, $len:expr) => {{
            let k = Zeroizing::new(derive_key::<$d>(
                &pw.bmp,
                salt,
                Pkcs12KeyType::Mac,
                rounds,
                $len,
            ));
            let mut m = hmac::Hmac::<$d>::new_from_slice(&k).map_err(malformed)?;
            m.update(data);
            m.verify_slice(expected).is_ok()
        }};
    }
    Ok(if alg == OID_SHA1 {
        hmac_with!(Sha1, 20)
    } else if alg == OID_SHA256 {
        hmac_with!(Sha256, 32)
    } else if alg == OID_SHA384 {
        hmac_with!(Sha384, 48)
    } else if alg == OID_SHA512 {
        hmac_with!(Sha512, 64)
    } else if alg == OID_SHA224 {
        hmac_with!(Sha224, 28)
    } else {
        return Err(malformed(format!(
            "uses an integrity MAC with digest {alg}, which is not read here (SHA-1 and SHA-2 are): export it again from Keychain Access or with openssl pkcs12 -export"
        )));
    })
}

/// Decrypts with a PBES2 or PKCS#12 PBE algorithm.
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    ct: &[u8],
    pw: &Password,
) -> Result<Zeroizing<Vec<u8>>, String> {
    if alg.oid == OID_PBES2 {
        let alg_der = alg.to_der().map_err(|e| e.to_string())?;
        let scheme = pkcs5::EncryptionScheme::from_der(&alg_der)
            .map_err(|e| format!("unsupported PBES2 parameters: {e}"))?;
        match scheme.pbes2().map(|p| &p.kdf) {
            Some(pkcs5::pbes2::Kdf::Pbkdf2(k)) => {
                check_rounds(i32::try_from(k.iteration_count).unwrap_or(i32::MAX))?
            }
            // scrypt's memory is 128 * r * N * p bytes: refuse what would not fit in 1 GiB.
            Some(pkcs5::pbes2::Kdf::Scrypt(k)) => {
                let memory = 128u128
                    * u128::from(k.block_size)
                    * u128::from(k.cost_parameter)
                    * u128::from(k.parallelization);
                if memory > 1 << 30 {
                    return Err(format!(
                        "asks for scrypt parameters needing {memory} bytes of memory (at most 1 GiB is accepted)"
                    ));
                }
            }
            _ => {}
        }
        return scheme
            .decrypt(&pw.utf8, ct)
            .map(Zeroizing::new)
            .map_err(|e| format!("PBES2: {e}"));
    }
    let params: pkcs12::pbe_params::Pkcs12PbeParams = alg
        .parameters
        .as_ref()
        .ok_or("PBE without parameters")?
        .decode_as()
        .map_err(|e| e.to_string())?;
    let salt = params.salt.as_bytes();
    let rounds = params.iterations;
    check_rounds(rounds)?;
    let derive = |id, len| Zeroizing::new(derive_key::<Sha1>(&pw.bmp, salt, id, rounds, len));
    let mut buf = Zeroizing::new(ct.to_vec());
    let bad_padding = |_| "wrong password or damaged data (bad padding)".to_owned();
    let plain_len = if alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC
        || alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC
    {
        let mut key = derive(Pkcs12KeyType::EncryptionKey, 24);
        if alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC {
            // 2-key 3DES: K1, K2, K1.
            let k1: Vec<u8> = key[..8].to_vec();
            key[16..24].copy_from_slice(&k1);
        }
        let iv = derive(Pkcs12KeyType::Iv, 8);
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(bad_padding)?
            .len()
    } else if alg.oid == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC
        || alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC
    {
        let len = if alg.oid == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC {
            5
        } else {
            16
        };
        let key = derive(Pkcs12KeyType::EncryptionKey, len);
        let iv = derive(Pkcs12KeyType::Iv, 8);
        let cipher = rc2::Rc2::new_with_eff_key_len(&key, len * 8);
        let iv_arr = cbc::cipher::generic_array::GenericArray::clone_from_slice(&iv);
        cbc::Decryptor::<rc2::Rc2>::inner_iv_init(cipher, &iv_arr)
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(bad_padding)?
            .len()
    } else {
        return Err(format!(
            "unsupported encryption {} (PBES2, 3DES and RC2 are read)",
            alg.oid
        ));
    };
    buf.truncate(plain_len);
    Ok(buf)
}
