//! PKCS#12 keystores (`.p12`, `.pfx`; keytool's default since JDK 9): reading and writing.
//!
//! Built on RustCrypto's `pkcs12` 0.1 (the ASN.1 types and the PKCS#12 key derivation) and
//! `pkcs5` 0.7 (PBES2). We chose them over `p12-keystore` 0.4 because they share `der` 0.7,
//! `x509-cert` 0.2, `cms` 0.2 and `spki` 0.7 with the rest of our signing code, where
//! `p12-keystore` 0.4 pulls in a second, pre-release generation of those crates (der 0.8,
//! cms 0.3-pre) whose types would not mix with ours.
//!
//! Read: PBES2 (PBKDF2-HMAC-SHA1/SHA-256, AES-CBC, 3DES) as JDK 12+ writes, and the legacy
//! PKCS#12 PBE schemes older keytools and OpenSSL wrote (SHA-1 with 3-key 3DES, 40- and
//! 128-bit RC2); MAC with HMAC-SHA1 or HMAC-SHA256.
//! Write: what JDK 17's keytool writes: PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC for the
//! key and the certificates, 10000 iterations, HMAC-SHA256 MAC.

use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyIvInit};
use der::asn1::{BmpString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tagged};
use hmac::Mac;
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::{KeyEntry, ParsedStore};

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const OID_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const OID_LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// Iterations for key derivation and the MAC, as JDK 17's keytool uses.
const ITERATIONS: u32 = 10_000;

/// A bag as read: friendly name, local key id, and the key (PKCS#8) or certificate (DER).
type Bag<T> = (Option<String>, Option<Vec<u8>>, T);

/// Why a PKCS#12 file could not be opened.
pub(super) enum P12Error {
    /// The MAC did not verify: wrong store password (or a damaged file).
    BadMac,
    /// A key bag did not decrypt with any password tried.
    BadKeyPassword(String),
    /// Anything else.
    Malformed(String),
}

fn malformed(what: impl std::fmt::Display) -> P12Error {
    P12Error::Malformed(what.to_string())
}

/// Parses and decrypts a PKCS#12 file: verifies the MAC with `store`, decrypts certificate
/// safes with `store`, and key bags with `key` then `store`.
pub(super) fn parse(
    bytes: &[u8],
    store: &SecretString,
    key: &SecretString,
) -> Result<ParsedStore, P12Error> {
    let pfx =
        pkcs12::pfx::Pfx::from_der(bytes).map_err(|e| malformed(format!("not PKCS#12: {e}")))?;
    if pfx.auth_safe.content_type != OID_DATA {
        return Err(malformed("the authenticated safe is not of type data (public-key integrity mode is not supported)"));
    }
    let auth_octets = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(malformed)?;
    let auth_bytes = auth_octets.as_bytes();
    match &pfx.mac_data {
        Some(mac) => verify_mac(mac, auth_bytes, store)?,
        None => {
            return Err(malformed(
                "the file has no integrity MAC; re-export it with a password",
            ))
        }
    }
    let safes = Vec::<cms::content_info::ContentInfo>::from_der(auth_bytes).map_err(malformed)?;
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
                .ok_or_else(|| malformed("encrypted safe without content"))?;
            decrypt(&enc.enc_content_info.content_enc_alg, ct.as_bytes(), store)
                .map_err(|_| P12Error::BadMac)?
        } else {
            continue; // enveloped (public-key) safes: not used by keytool.
        };
        let bags = pkcs12::safe_bag::SafeContents::from_der(&contents).map_err(malformed)?;
        for bag in bags {
            let (name, local_id) = bag_attributes(&bag);
            let value = explicit_inner(&bag.bag_value)?;
            if bag.bag_id == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID {
                let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(value)
                    .map_err(malformed)?;
                let ct = epki.encrypted_data.as_bytes();
                let plain = decrypt(&epki.encryption_algorithm, ct, key)
                    .or_else(|_| decrypt(&epki.encryption_algorithm, ct, store))
                    .map_err(|_| P12Error::BadKeyPassword(name.clone().unwrap_or_default()))?;
                keys.push((name, local_id, plain));
            } else if bag.bag_id == pkcs12::PKCS_12_KEY_BAG_OID {
                keys.push((name, local_id, Zeroizing::new(value.to_vec())));
            } else if bag.bag_id == pkcs12::PKCS_12_CERT_BAG_OID {
                let cb = pkcs12::cert_type::CertBag::from_der(value).map_err(malformed)?;
                if cb.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                    certs.push((name, local_id, cb.cert_value.as_bytes().to_vec()));
                }
            }
        }
    }
    let mut entries = Vec::new();
    for (i, (name, local_id, pkcs8)) in keys.into_iter().enumerate() {
        // The key's certificate: same localKeyId, else same friendly name, else the only one.
        let leaf = certs
            .iter()
            .position(|c| local_id.is_some() && c.1 == local_id)
            .or_else(|| certs.iter().position(|c| name.is_some() && c.0 == name))
            .or_else(|| (certs.len() == 1).then_some(0));
        let mut chain = Vec::new();
        if let Some(l) = leaf {
            chain.push(certs[l].2.clone());
            extend_chain(&mut chain, &certs);
        }
        entries.push(KeyEntry {
            alias: name.unwrap_or_else(|| format!("{}", i + 1)),
            pkcs8,
            chain,
        });
    }
    let trusted = certs
        .iter()
        .filter(|c| c.0.is_some() && c.1.is_none())
        .filter_map(|c| c.0.clone())
        .collect();
    Ok(ParsedStore {
        keys: entries,
        trusted,
    })
}

/// Appends issuers from `certs` to `chain` while they can be found by subject.
fn extend_chain(chain: &mut Vec<Vec<u8>>, certs: &[Bag<Vec<u8>>]) {
    for _ in 0..8 {
        let Some(last) = chain
            .last()
            .and_then(|c| x509_cert::Certificate::from_der(c).ok())
        else {
            return;
        };
        if last.tbs_certificate.issuer == last.tbs_certificate.subject {
            return;
        }
        let next = certs.iter().find_map(|(_, _, der_bytes)| {
            let c = x509_cert::Certificate::from_der(der_bytes).ok()?;
            (c.tbs_certificate.subject == last.tbs_certificate.issuer).then(|| der_bytes.clone())
        });
        match next {
            Some(n) if !chain.contains(&n) => chain.push(n),
            _ => return,
        }
    }
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
                if let Ok(s) = v.decode_as::<BmpString>() {
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

fn verify_mac(
    mac: &pkcs12::mac_data::MacData,
    data: &[u8],
    password: &SecretString,
) -> Result<(), P12Error> {
    let salt = mac.mac_salt.as_bytes();
    let rounds = mac.iterations;
    let pw = password.expose_secret();
    let expected = mac.mac.digest.as_bytes();
    let alg = mac.mac.algorithm.oid;
    let ok = if alg == OID_SHA256 {
        let k = Zeroizing::new(
            derive_key_utf8::<Sha256>(pw, salt, Pkcs12KeyType::Mac, rounds, 32)
                .map_err(malformed)?,
        );
        let mut m = hmac::Hmac::<Sha256>::new_from_slice(&k).map_err(malformed)?;
        m.update(data);
        m.verify_slice(expected).is_ok()
    } else if alg == OID_SHA1 {
        let k = Zeroizing::new(
            derive_key_utf8::<Sha1>(pw, salt, Pkcs12KeyType::Mac, rounds, 20).map_err(malformed)?,
        );
        let mut m = hmac::Hmac::<Sha1>::new_from_slice(&k).map_err(malformed)?;
        m.update(data);
        m.verify_slice(expected).is_ok()
    } else {
        return Err(malformed(format!(
            "unsupported MAC digest {alg}; re-export the keystore with keytool -importkeystore -deststoretype pkcs12"
        )));
    };
    if ok {
        Ok(())
    } else {
        Err(P12Error::BadMac)
    }
}

/// Decrypts with a PBES2 or PKCS#12 PBE algorithm.
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    ct: &[u8],
    password: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let pw = password.expose_secret();
    if alg.oid == OID_PBES2 {
        let alg_der = alg.to_der().map_err(|e| e.to_string())?;
        let scheme = pkcs5::EncryptionScheme::from_der(&alg_der).map_err(|e| e.to_string())?;
        return scheme
            .decrypt(pw.as_bytes(), ct)
            .map(Zeroizing::new)
            .map_err(|e| e.to_string());
    }
    let params: pkcs12::pbe_params::Pkcs12PbeParams = alg
        .parameters
        .as_ref()
        .ok_or("PBE without parameters")?
        .decode_as()
        .map_err(|e| e.to_string())?;
    let salt = params.salt.as_bytes();
    let rounds = params.iterations;
    let derive = |id, len| {
        derive_key_utf8::<Sha1>(pw, salt, id, rounds, len)
            .map(Zeroizing::new)
            .map_err(|e| e.to_string())
    };
    let mut buf = Zeroizing::new(ct.to_vec());
    let plain_len = if alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC {
        let key = derive(Pkcs12KeyType::EncryptionKey, 24)?;
        let iv = derive(Pkcs12KeyType::Iv, 8)?;
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded_mut::<cbc::cipher::block_padding::Pkcs7>(&mut buf)
            .map_err(|_| "bad padding".to_owned())?
            .len()
    } else if alg.oid == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC
        || alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC
    {
        let len = if alg.oid == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC {
            5
        } else {
            16
        };
        let key = derive(Pkcs12KeyType::EncryptionKey, len)?;
        let iv = derive(Pkcs12KeyType::Iv, 8)?;
        let cipher = rc2::Rc2::new_with_eff_key_len(&key, len * 8);
        let iv_arr = cbc::cipher::generic_array::GenericArray::clone_from_slice(&iv);
        cbc::Decryptor::<rc2::Rc2>::inner_iv_init(cipher, &iv_arr)
            .decrypt_padded_mut::<cbc::cipher::block_padding::Pkcs7>(&mut buf)
            .map_err(|_| "bad padding".to_owned())?
            .len()
    } else {
        return Err(format!("unsupported encryption {}", alg.oid));
    };
    buf.truncate(plain_len);
    Ok(buf)
}

fn pbes2_encrypt(
    password: &SecretString,
    plain: &[u8],
) -> der::Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    use rand::RngCore;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let params = pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(ITERATIONS, &salt, &iv)
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    let scheme = pkcs5::EncryptionScheme::Pbes2(params);
    let ct = scheme
        .encrypt(password.expose_secret().as_bytes(), plain)
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    let alg = AlgorithmIdentifierOwned::from_der(&scheme.to_der()?)?;
    Ok((alg, ct))
}

fn attributes(alias: &str, local_id: &[u8]) -> der::Result<x509_cert::attr::Attributes> {
    let mut set = SetOfVec::new();
    let mut name_values = SetOfVec::new();
    name_values.insert(Any::encode_from(&BmpString::from_utf8(alias)?)?)?;
    set.insert(x509_cert::attr::Attribute {
        oid: OID_FRIENDLY_NAME,
        values: name_values,
    })?;
    let mut id_values = SetOfVec::new();
    id_values.insert(Any::encode_from(&OctetString::new(local_id)?)?)?;
    set.insert(x509_cert::attr::Attribute {
        oid: OID_LOCAL_KEY_ID,
        values: id_values,
    })?;
    Ok(set)
}

/// Encodes a PKCS#12 file with one private-key entry, as JDK 17's keytool would.
pub(super) fn write(
    alias: &str,
    pkcs8: &[u8],
    chain: &[Vec<u8>],
    password: &SecretString,
) -> der::Result<Vec<u8>> {
    use rand::RngCore;
    // localKeyId: keytool uses "Time <millis>"; we use the leaf certificate's SHA-1, which
    // is stable and unique per key.
    let local_id = {
        use sha1::Digest;
        Sha1::digest(chain.first().map(Vec::as_slice).unwrap_or_default()).to_vec()
    };
    // Key safe (plain data holding a shrouded key bag).
    let (key_alg, key_ct) = pbes2_encrypt(password, pkcs8)?;
    let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo {
        encryption_algorithm: key_alg,
        encrypted_data: OctetString::new(key_ct)?,
    };
    let key_bag = pkcs12::safe_bag::SafeBag {
        bag_id: pkcs12::PKCS_12_PKCS8_KEY_BAG_OID,
        bag_value: epki.to_der()?,
        bag_attributes: Some(attributes(alias, &local_id)?),
    };
    let key_safe = vec![key_bag].to_der()?;
    // Certificate safe (encrypted data holding cert bags).
    let mut cert_bags = Vec::new();
    for (i, c) in chain.iter().enumerate() {
        let cb = pkcs12::cert_type::CertBag {
            cert_id: pkcs12::PKCS_12_X509_CERT_OID,
            cert_value: OctetString::new(c.clone())?,
        };
        cert_bags.push(pkcs12::safe_bag::SafeBag {
            bag_id: pkcs12::PKCS_12_CERT_BAG_OID,
            bag_value: cb.to_der()?,
            bag_attributes: if i == 0 {
                Some(attributes(alias, &local_id)?)
            } else {
                None
            },
        });
    }
    let cert_safe_plain = cert_bags.to_der()?;
    let (cert_alg, cert_ct) = pbes2_encrypt(password, &cert_safe_plain)?;
    let enc = cms::encrypted_data::EncryptedData {
        version: cms::content_info::CmsVersion::V0,
        enc_content_info: cms::enveloped_data::EncryptedContentInfo {
            content_type: OID_DATA,
            content_enc_alg: cert_alg,
            encrypted_content: Some(OctetString::new(cert_ct)?),
        },
        unprotected_attrs: None,
    };
    let auth_safe = vec![
        cms::content_info::ContentInfo {
            content_type: OID_DATA,
            content: Any::encode_from(&OctetString::new(key_safe)?)?,
        },
        cms::content_info::ContentInfo {
            content_type: OID_ENCRYPTED_DATA,
            content: Any::encode_from(&enc)?,
        },
    ]
    .to_der()?;
    // MAC over the authenticated safe's octets.
    let mut salt = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let k = Zeroizing::new(derive_key_utf8::<Sha256>(
        password.expose_secret(),
        &salt,
        Pkcs12KeyType::Mac,
        ITERATIONS as i32,
        32,
    )?);
    let mut m = hmac::Hmac::<Sha256>::new_from_slice(&k)
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    m.update(&auth_safe);
    let mac = m.finalize().into_bytes();
    let pfx = pkcs12::pfx::Pfx {
        version: pkcs12::pfx::Version::V3,
        auth_safe: cms::content_info::ContentInfo {
            content_type: OID_DATA,
            content: Any::encode_from(&OctetString::new(auth_safe)?)?,
        },
        mac_data: Some(pkcs12::mac_data::MacData {
            mac: pkcs12::digest_info::DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: OID_SHA256,
                    parameters: Some(Any::null()),
                },
                digest: OctetString::new(mac.to_vec())?,
            },
            mac_salt: OctetString::new(salt.to_vec())?,
            iterations: ITERATIONS as i32,
        }),
    };
    pfx.to_der()
}
