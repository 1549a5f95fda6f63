//! Java KeyStore (`.jks`, `.keystore`; keytool's default before JDK 9, and what Android
//! Studio made for years): reading, written from the format's description.
//!
//! Layout (big-endian): magic `FEEDFEED`, version 2, entry count; each entry is a tag (1 key,
//! 2 trusted certificate), an alias (Java modified UTF-8 with a u16 length), a timestamp, then
//! for keys the protected key and the certificate chain. The file ends with a SHA-1 over
//! UTF-16BE(password) || "Mighty Aphrodite" || everything before it: the integrity check.
//!
//! Keys are protected with Sun's proprietary scheme (OID 1.3.6.1.4.1.42.2.17.1.1): a 20-byte
//! salt, the key XORed with a SHA-1 keystream (each block SHA-1(password || previous block),
//! starting from the salt), and a 20-byte check SHA-1(password || plaintext).

use der::Decode;
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::{KeyEntry, ParsedStore};

/// The magic number at the start of a JKS file.
pub const JKS_MAGIC: u32 = 0xfeed_feed;
/// The magic number of JCEKS, which we do not read.
pub const JCEKS_MAGIC: u32 = 0xcece_cece;

const SUN_KEY_PROTECTOR: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.17.1.1");

/// Why a JKS file could not be opened.
pub(super) enum JksError {
    /// The integrity check failed: wrong store password (or a damaged file).
    BadIntegrity,
    /// A key did not decrypt with any password tried (alias given).
    BadKeyPassword(String),
    /// Anything else.
    Malformed(String),
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], JksError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| JksError::Malformed("truncated file".into()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, JksError> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, JksError> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn utf(&mut self) -> Result<String, JksError> {
        let n = self.u16()? as usize;
        Ok(decode_modified_utf8(self.take(n)?))
    }
    fn bytes(&mut self) -> Result<&'a [u8], JksError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// Java's modified UTF-8 (NUL as C0 80, supplementary characters as surrogate pairs).
fn decode_modified_utf8(b: &[u8]) -> String {
    let mut units: Vec<u16> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as u16;
        if c < 0x80 {
            units.push(c);
            i += 1;
        } else if c & 0xe0 == 0xc0 && i + 1 < b.len() {
            units.push(((c & 0x1f) << 6) | (b[i + 1] as u16 & 0x3f));
            i += 2;
        } else if c & 0xf0 == 0xe0 && i + 2 < b.len() {
            units.push(
                ((c & 0x0f) << 12) | ((b[i + 1] as u16 & 0x3f) << 6) | (b[i + 2] as u16 & 0x3f),
            );
            i += 3;
        } else {
            units.push(0xfffd);
            i += 1;
        }
    }
    String::from_utf16_lossy(&units)
}

/// The password as Java hands it to the JKS digests: UTF-16BE code units.
fn password_bytes(password: &SecretString) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        password
            .expose_secret()
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect(),
    )
}

/// Parses a JKS file, checking its integrity with `store` and decrypting keys with `key`, then
/// `store`.
pub(super) fn parse(
    bytes: &[u8],
    store: &SecretString,
    key: &SecretString,
) -> Result<ParsedStore, JksError> {
    if bytes.len() < 12 + 20 {
        return Err(JksError::Malformed("truncated file".into()));
    }
    let (body, check) = bytes.split_at(bytes.len() - 20);
    let mut h = Sha1::new();
    h.update(password_bytes(store).as_slice());
    h.update(b"Mighty Aphrodite");
    h.update(body);
    if h.finalize().as_slice() != check {
        return Err(JksError::BadIntegrity);
    }
    let mut c = Cursor { b: body, pos: 0 };
    if c.u32()? != JKS_MAGIC {
        return Err(JksError::Malformed("not a JKS file".into()));
    }
    let version = c.u32()?;
    if version != 1 && version != 2 {
        return Err(JksError::Malformed(format!(
            "unknown JKS version {version}"
        )));
    }
    let count = c.u32()?;
    let mut keys = Vec::new();
    let mut trusted = Vec::new();
    for _ in 0..count {
        let tag = c.u32()?;
        let alias = c.utf()?;
        let _timestamp = c.take(8)?;
        match tag {
            1 => {
                let protected = c.bytes()?;
                let n = c.u32()?;
                let mut chain = Vec::new();
                for _ in 0..n {
                    if version == 2 {
                        let _cert_type = c.utf()?;
                    }
                    chain.push(c.bytes()?.to_vec());
                }
                let pkcs8 = recover_key(protected, key)
                    .or_else(|_| recover_key(protected, store))
                    .map_err(|e| match e {
                        JksError::BadIntegrity => JksError::BadKeyPassword(alias.clone()),
                        other => other,
                    })?;
                keys.push(KeyEntry {
                    alias,
                    pkcs8,
                    chain,
                });
            }
            2 => {
                if version == 2 {
                    let _cert_type = c.utf()?;
                }
                let _cert = c.bytes()?;
                trusted.push(alias);
            }
            3 => {
                return Err(JksError::Malformed(
                    "secret-key entries belong to JCEKS files; this is not a JKS keystore".into(),
                ))
            }
            t => return Err(JksError::Malformed(format!("unknown entry tag {t}"))),
        }
    }
    Ok(ParsedStore { keys, trusted })
}

/// Undoes Sun's key protection; `BadIntegrity` when the check digest does not match.
fn recover_key(protected: &[u8], password: &SecretString) -> Result<Zeroizing<Vec<u8>>, JksError> {
    let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(protected)
        .map_err(|e| JksError::Malformed(format!("bad protected key: {e}")))?;
    if epki.encryption_algorithm.oid != SUN_KEY_PROTECTOR {
        return Err(JksError::Malformed(format!(
            "key protected with {}, not Sun's JKS scheme",
            epki.encryption_algorithm.oid
        )));
    }
    let data = epki.encrypted_data.as_bytes();
    if data.len() < 40 {
        return Err(JksError::Malformed("protected key too short".into()));
    }
    let (salt, rest) = data.split_at(20);
    let (enc, check) = rest.split_at(rest.len() - 20);
    let pw = password_bytes(password);
    let mut plain = Zeroizing::new(Vec::with_capacity(enc.len()));
    let mut block = salt.to_vec();
    for chunk in enc.chunks(20) {
        let mut h = Sha1::new();
        h.update(pw.as_slice());
        h.update(&block);
        block = h.finalize().to_vec();
        plain.extend(chunk.iter().zip(&block).map(|(a, b)| a ^ b));
    }
    let mut h = Sha1::new();
    h.update(pw.as_slice());
    h.update(plain.as_slice());
    if h.finalize().as_slice() != check {
        return Err(JksError::BadIntegrity);
    }
    Ok(plain)
}
