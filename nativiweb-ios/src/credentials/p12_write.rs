//! Writing a signing identity back out as a `.p12`, under a new password.
//!
//! The XcodeBuilder needs this because `security import` takes the `.p12` password as an
//! argument (`-P`), which every process on the machine can read in `/proc` or `ps`. The user's
//! password must never be there, so the builder re-encrypts the identity under the one-time
//! random password of its temporary keychain and imports that file: the only password on a
//! command line is one that opens nothing once the build is over.
//!
//! The format is the one macOS's `security import` has always read (and what `openssl pkcs12
//! -export -legacy` writes): the private key in a shrouded key bag encrypted with
//! `pbeWithSHAAnd3-KeyTripleDES-CBC`, the certificates in a plain bag set, a SHA-1 integrity
//! MAC. OpenSSL 3's default (PBES2, AES-256, HMAC-SHA-256 MAC) is refused by the `security`
//! of several macOS releases ("MAC verification failed during PKCS12 import"), and the
//! password here is random and short-lived, so the older scheme costs nothing.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use der::asn1::{BmpString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Encode};
use hmac::Mac;
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use zeroize::Zeroizing;

use super::{CredentialError, P12Identity};

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const OID_LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// Key derivation rounds for the key and the MAC (what OpenSSL and Keychain Access use).
const ROUNDS: i32 = 2048;

impl P12Identity {
    /// This identity (the certificate, its private key and the other certificates) as a new
    /// PKCS#12 file protected by `password`, in the legacy encryption macOS's `security import`
    /// reads (3DES key bag, SHA-1 MAC; see the module docs). Nothing of the original file's
    /// password is in it.
    pub fn to_pkcs12(
        &self,
        password: &SecretString,
    ) -> Result<Zeroizing<Vec<u8>>, CredentialError> {
        let bad = |what: &str, e: der::Error| CredentialError::P12 {
            path: self.path().to_path_buf(),
            reason: format!("could not write it again as PKCS#12 ({what}): {e}"),
        };
        let bmp = bmp_password(password);
        let mut rng = rand::rngs::OsRng;
        let local_id = {
            use sha1::Digest;
            Sha1::digest(self.certificate().der()).to_vec()
        };
        let name = self
            .certificate()
            .summary()
            .common_name
            .clone()
            .unwrap_or_else(|| "signing identity".to_owned());

        // The key, encrypted.
        let mut key_salt = [0u8; 8];
        rng.fill_bytes(&mut key_salt);
        let enc_key = Zeroizing::new(derive_key::<Sha1>(
            &bmp,
            &key_salt,
            Pkcs12KeyType::EncryptionKey,
            ROUNDS,
            24,
        ));
        let iv = derive_key::<Sha1>(&bmp, &key_salt, Pkcs12KeyType::Iv, ROUNDS, 8);
        let key_plain = self.private_key().expose_secret();
        // PKCS#7 padding adds 1 to 8 bytes.
        let mut buf = Zeroizing::new(vec![0u8; key_plain.len() + 8]);
        buf[..key_plain.len()].copy_from_slice(key_plain);
        let set_up_failed = |e: &dyn std::fmt::Display| CredentialError::P12 {
            path: self.path().to_path_buf(),
            reason: format!("could not encrypt the key again: {e}"),
        };
        let encrypted = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&enc_key, &iv)
            .map_err(|e| set_up_failed(&e))?
            .encrypt_padded_mut::<Pkcs7>(&mut buf, key_plain.len())
            .map_err(|e| set_up_failed(&e))?
            .to_vec();
        let params = pkcs12::pbe_params::Pkcs12PbeParams {
            salt: OctetString::new(key_salt.to_vec()).map_err(|e| bad("salt", e))?,
            iterations: ROUNDS,
        };
        let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo {
            encryption_algorithm: spki::AlgorithmIdentifierOwned {
                oid: pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC,
                parameters: Some(Any::encode_from(&params).map_err(|e| bad("parameters", e))?),
            },
            encrypted_data: OctetString::new(encrypted).map_err(|e| bad("key", e))?,
        };
        let key_bag = pkcs12::safe_bag::SafeBag {
            bag_id: pkcs12::PKCS_12_PKCS8_KEY_BAG_OID,
            bag_value: epki.to_der().map_err(|e| bad("key bag", e))?,
            bag_attributes: Some(
                attributes(&local_id, Some(&name)).map_err(|e| bad("attributes", e))?,
            ),
        };

        // The certificates: the key's first (with its local key id), then the others.
        let mut bags = vec![key_bag];
        let leaf = std::iter::once((self.certificate(), true));
        let others = self.other_certificates().iter().map(|c| (c, false));
        for (cert, is_leaf) in leaf.chain(others) {
            let value = pkcs12::cert_type::CertBag {
                cert_id: pkcs12::PKCS_12_X509_CERT_OID,
                cert_value: OctetString::new(cert.der().to_vec())
                    .map_err(|e| bad("certificate", e))?,
            }
            .to_der()
            .map_err(|e| bad("certificate bag", e))?;
            let attrs = if is_leaf {
                Some(attributes(&local_id, Some(&name)).map_err(|e| bad("attributes", e))?)
            } else {
                None
            };
            bags.push(pkcs12::safe_bag::SafeBag {
                bag_id: pkcs12::PKCS_12_CERT_BAG_OID,
                bag_value: value,
                bag_attributes: attrs,
            });
        }
        let safe = Zeroizing::new(bags.to_der().map_err(|e| bad("bags", e))?);
        let auth_safe = vec![cms::content_info::ContentInfo {
            content_type: OID_DATA,
            content: Any::encode_from(
                &OctetString::new(safe.to_vec()).map_err(|e| bad("safe", e))?,
            )
            .map_err(|e| bad("safe", e))?,
        }]
        .to_der()
        .map_err(|e| bad("authenticated safe", e))?;

        // The integrity MAC.
        let mut mac_salt = [0u8; 8];
        rng.fill_bytes(&mut mac_salt);
        let mac_key = Zeroizing::new(derive_key::<Sha1>(
            &bmp,
            &mac_salt,
            Pkcs12KeyType::Mac,
            ROUNDS,
            20,
        ));
        let mut mac =
            hmac::Hmac::<Sha1>::new_from_slice(&mac_key).map_err(|e| CredentialError::P12 {
                path: self.path().to_path_buf(),
                reason: format!("could not set up the MAC: {e}"),
            })?;
        mac.update(&auth_safe);
        let digest = mac.finalize().into_bytes().to_vec();
        let pfx = pkcs12::pfx::Pfx {
            version: pkcs12::pfx::Version::V3,
            auth_safe: cms::content_info::ContentInfo {
                content_type: OID_DATA,
                content: Any::encode_from(
                    &OctetString::new(auth_safe).map_err(|e| bad("safe", e))?,
                )
                .map_err(|e| bad("safe", e))?,
            },
            mac_data: Some(pkcs12::mac_data::MacData {
                mac: pkcs12::digest_info::DigestInfo {
                    algorithm: spki::AlgorithmIdentifierOwned {
                        oid: OID_SHA1,
                        parameters: Some(Any::null()),
                    },
                    digest: OctetString::new(digest).map_err(|e| bad("MAC", e))?,
                },
                mac_salt: OctetString::new(mac_salt.to_vec()).map_err(|e| bad("MAC salt", e))?,
                iterations: ROUNDS,
            }),
        };
        Ok(Zeroizing::new(pfx.to_der().map_err(|e| bad("file", e))?))
    }
}

/// The password as the PKCS#12 key derivation takes it: UTF-16BE with a 2-byte terminator.
fn bmp_password(password: &SecretString) -> Zeroizing<Vec<u8>> {
    let text = password.expose_secret();
    let mut bmp = Zeroizing::new(Vec::with_capacity(text.len() * 2 + 2));
    for unit in text.encode_utf16() {
        bmp.extend_from_slice(&unit.to_be_bytes());
    }
    bmp.extend_from_slice(&[0, 0]);
    bmp
}

/// `localKeyId` (ties the key to its certificate) and `friendlyName` (the name Keychain Access
/// shows).
fn attributes(
    local_id: &[u8],
    name: Option<&str>,
) -> Result<SetOfVec<x509_cert::attr::Attribute>, der::Error> {
    let mut set = SetOfVec::new();
    let mut id_values = SetOfVec::new();
    id_values.insert(Any::encode_from(&OctetString::new(local_id.to_vec())?)?)?;
    set.insert(x509_cert::attr::Attribute {
        oid: OID_LOCAL_KEY_ID,
        values: id_values,
    })?;
    if let Some(name) = name {
        let mut name_values = SetOfVec::new();
        name_values.insert(Any::encode_from(&BmpString::from_utf8(name)?)?)?;
        set.insert(x509_cert::attr::Attribute {
            oid: OID_FRIENDLY_NAME,
            values: name_values,
        })?;
    }
    Ok(set)
}
