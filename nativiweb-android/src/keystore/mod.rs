//! Keystores: open PKCS#12 and JKS files, create upload keystores, and the per-user debug
//! keystore.
//!
//! Passwords are `SecretString`s (from `secrecy`) from the environment or a file ([`KeystorePasswords`]),
//! never argv; they never appear in errors or `Debug` output. The key password defaults to
//! the store password, and when the key password given does not open a key the store password
//! is tried too, so the two-password confusion around PKCS#12 (where keytool ignores
//! `-keypass`) does not bite.

mod jks;
pub mod keys;
mod pkcs12;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use secrecy::{ExposeSecret, SecretString};
use sha1::Digest;
use x509_cert::name::Name;
use zeroize::Zeroizing;

use crate::error::{Result, SignError};
use crate::keystore::keys::{KeyKind, PrivateKey, SigningIdentity};

pub use jks::{JCEKS_MAGIC, JKS_MAGIC};

/// The environment variable holding the keystore password.
pub const KEYSTORE_PASSWORD_ENV: &str = "NATIVIWEB_KEYSTORE_PASSWORD";
/// The environment variable holding the key password (defaults to the store password).
pub const KEY_PASSWORD_ENV: &str = "NATIVIWEB_KEY_PASSWORD";

/// The debug keystore's password, as Android's `debug.keystore` has it.
pub const DEBUG_PASSWORD: &str = "android";
/// The debug key's alias, as Android's.
pub const DEBUG_ALIAS: &str = "androiddebugkey";
/// The debug certificate's subject, as Android's.
pub const DEBUG_DNAME: &str = "CN=Android Debug,O=Android,C=US";
/// Validity of new certificates: 30 years (Play asks for validity past 2033; 25 years is the
/// floor it recommends).
pub const DEFAULT_VALIDITY_DAYS: u32 = 30 * 365 + 7;

/// A keystore's password and, optionally, a separate key password.
///
/// `Debug` never shows the values.
#[derive(Clone)]
pub struct KeystorePasswords {
    store: SecretString,
    key: Option<SecretString>,
}

impl fmt::Debug for KeystorePasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeystorePasswords")
            .field("store", &"***")
            .field("key", &self.key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl KeystorePasswords {
    /// The store password; the key password is the same.
    pub fn new(store: SecretString) -> Self {
        KeystorePasswords { store, key: None }
    }

    /// Sets a key password different from the store password.
    pub fn with_key_password(mut self, key: SecretString) -> Self {
        self.key = Some(key);
        self
    }

    /// From `NATIVIWEB_KEYSTORE_PASSWORD` (required) and `NATIVIWEB_KEY_PASSWORD` (optional).
    pub fn from_env() -> Result<Self> {
        let store = std::env::var(KEYSTORE_PASSWORD_ENV).map_err(|_| SignError::Keystore {
            path: PathBuf::new(),
            reason: format!(
                "no keystore password: set {KEYSTORE_PASSWORD_ENV} or pass --password-file (never a password on the command line)"
            ),
        })?;
        Ok(Self::new(SecretString::from(store)).with_env_key_password())
    }

    /// The first line of `path` as the store password (trailing `\r\n` removed), and
    /// `NATIVIWEB_KEY_PASSWORD` as the key password when set.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| SignError::io("reading password file", path, e))?,
        );
        let line = text.lines().next().unwrap_or_default();
        Ok(Self::new(SecretString::from(line.to_owned())).with_env_key_password())
    }

    fn with_env_key_password(mut self) -> Self {
        if let Ok(k) = std::env::var(KEY_PASSWORD_ENV) {
            if !k.is_empty() {
                self.key = Some(SecretString::from(k));
            }
        }
        self
    }

    /// The store password.
    pub fn store(&self) -> &SecretString {
        &self.store
    }

    /// The key password (the store password when none was set).
    pub fn key(&self) -> &SecretString {
        self.key.as_ref().unwrap_or(&self.store)
    }
}

/// The keystore file formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeystoreFormat {
    /// PKCS#12 (`.p12`, `.pfx`), keytool's default since JDK 9.
    Pkcs12,
    /// Java KeyStore (`.jks`, `.keystore`).
    Jks,
}

impl KeystoreFormat {
    /// Tells the format from the first bytes of a file.
    pub fn detect(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0xfe, 0xed, 0xfe, 0xed, ..] => Some(KeystoreFormat::Jks),
            [0x30, ..] => Some(KeystoreFormat::Pkcs12),
            _ => None,
        }
    }
}

/// A private-key entry as decrypted from a keystore.
pub(crate) struct KeyEntry {
    alias: String,
    pkcs8: Zeroizing<Vec<u8>>,
    chain: Vec<Vec<u8>>,
}

/// What a keystore holds once decrypted.
pub(crate) struct ParsedStore {
    keys: Vec<KeyEntry>,
    #[allow(dead_code)]
    trusted: Vec<String>,
}

fn parse_store(
    path: &Path,
    passwords: &KeystorePasswords,
) -> Result<(KeystoreFormat, ParsedStore)> {
    let bytes = std::fs::read(path).map_err(|e| SignError::io("reading keystore", path, e))?;
    let wrong = |alias: Option<String>| SignError::WrongPassword {
        path: path.to_owned(),
        alias,
    };
    if bytes.starts_with(&JCEKS_MAGIC.to_be_bytes()) {
        return Err(SignError::keystore(
            path,
            "JCEKS keystores are not supported; convert it with `keytool -importkeystore -srckeystore <file> -destkeystore <new.p12> -deststoretype pkcs12`",
        ));
    }
    match KeystoreFormat::detect(&bytes) {
        Some(KeystoreFormat::Jks) => jks::parse(&bytes, passwords.store(), passwords.key())
            .map(|s| (KeystoreFormat::Jks, s))
            .map_err(|e| match e {
                jks::JksError::BadIntegrity => wrong(None),
                jks::JksError::BadKeyPassword(a) => wrong(Some(a)),
                jks::JksError::Malformed(m) => SignError::keystore(path, format!("{m}; check that the file is a JKS keystore")),
            }),
        Some(KeystoreFormat::Pkcs12) => pkcs12::parse(&bytes, passwords.store(), passwords.key())
            .map(|s| (KeystoreFormat::Pkcs12, s))
            .map_err(|e| match e {
                pkcs12::P12Error::BadMac => wrong(None),
                pkcs12::P12Error::BadKeyPassword(a) => wrong(Some(a)),
                pkcs12::P12Error::Malformed(m) => SignError::keystore(path, format!("{m}; check that the file is a PKCS#12 keystore")),
            }),
        None => Err(SignError::keystore(
            path,
            "not a keystore (neither PKCS#12 nor JKS); pass the .p12/.jks/.keystore file keytool or Android Studio made",
        )),
    }
}

/// The format of the keystore at `path` and the aliases of its private-key entries.
pub fn list_aliases(
    path: &Path,
    passwords: &KeystorePasswords,
) -> Result<(KeystoreFormat, Vec<String>)> {
    let (format, store) = parse_store(path, passwords)?;
    Ok((format, store.keys.into_iter().map(|k| k.alias).collect()))
}

/// Opens the key `alias` of the keystore at `path` (PKCS#12 or JKS, told from the content).
/// With no alias, the keystore must hold exactly one key.
///
/// Errors: [`SignError::WrongPassword`], [`SignError::AliasNotFound`] (listing the aliases),
/// [`SignError::AliasRequired`], [`SignError::UnsupportedKey`],
/// [`SignError::CertificateExpired`]. A certificate expiring within 90 days is not an error:
/// see [`SigningIdentity::expiry_warning`].
pub fn open_keystore(
    path: &Path,
    passwords: &KeystorePasswords,
    alias: Option<&str>,
) -> Result<SigningIdentity> {
    let (_, store) = parse_store(path, passwords)?;
    let available: Vec<String> = store.keys.iter().map(|k| k.alias.clone()).collect();
    let entry = match alias {
        Some(a) => store
            .keys
            .iter()
            .find(|k| k.alias == a)
            .or_else(|| store.keys.iter().find(|k| k.alias.eq_ignore_ascii_case(a)))
            .ok_or_else(|| SignError::AliasNotFound {
                path: path.to_owned(),
                alias: a.to_owned(),
                available: available.clone(),
            })?,
        None => match store.keys.as_slice() {
            [one] => one,
            [] => {
                return Err(SignError::keystore(
                    path,
                    "it holds no private key; create one with `nativiweb keystore new`",
                ))
            }
            _ => {
                return Err(SignError::AliasRequired {
                    path: path.to_owned(),
                    available,
                })
            }
        },
    };
    let key = PrivateKey::from_pkcs8_der(&entry.pkcs8, Some(&entry.alias))?;
    let identity = SigningIdentity::new(entry.alias.clone(), key, entry.chain.clone())?;
    let debug = identity.certificate().subject.contains("CN=Android Debug");
    Ok(identity.with_debug(debug))
}

/// What a new keystore holds.
#[derive(Debug, Clone)]
pub struct NewKeystore {
    /// The key's alias.
    pub alias: String,
    /// The certificate subject, RFC 4514 (`CN=Example,O=Example Inc,C=US`).
    pub dname: String,
    /// RSA 2048..4096 or EC P-256.
    pub kind: KeyKind,
    /// Certificate validity in days (at least 25 years = 9125 days is what Play asks for).
    pub validity_days: u32,
}

impl NewKeystore {
    /// An RSA 2048 key valid [`DEFAULT_VALIDITY_DAYS`].
    pub fn new(alias: impl Into<String>, dname: impl Into<String>) -> Self {
        NewKeystore {
            alias: alias.into(),
            dname: dname.into(),
            kind: KeyKind::Rsa(2048),
            validity_days: DEFAULT_VALIDITY_DAYS,
        }
    }
}

/// A self-signed X.509 v3 certificate for `key` (SHA-256 signature, subject key identifier,
/// serial random, valid from now for `validity_days`).
pub fn self_signed_certificate(
    key: &PrivateKey,
    dname: &str,
    validity_days: u32,
) -> Result<Vec<u8>> {
    use rand::RngCore;
    use x509_cert::certificate::{TbsCertificate, Version};
    let bad = |e: String| SignError::Crypto(format!("cannot build the certificate: {e}"));
    let subject = Name::from_str(dname).map_err(|e| SignError::UnsupportedKey {
        alias: None,
        reason: format!(
            "bad distinguished name `{dname}` ({e}); write it like `CN=Name,O=Org,C=US`"
        ),
    })?;
    let spki_der = key.public_key_der()?;
    let spki =
        spki::SubjectPublicKeyInfoOwned::from_der(&spki_der).map_err(|e| bad(e.to_string()))?;
    let mut serial = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let sig_alg = if key.is_rsa() {
        spki::AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
            parameters: Some(der::Any::null()),
        }
    } else {
        spki::AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        }
    };
    let now = std::time::SystemTime::now();
    let validity = x509_cert::time::Validity {
        not_before: rfc5280_time(now).map_err(|e| bad(e.to_string()))?,
        not_after: rfc5280_time(now + Duration::from_secs(validity_days as u64 * 86_400))
            .map_err(|e| bad(e.to_string()))?,
    };
    let ski = sha1::Sha1::digest(spki.subject_public_key.raw_bytes());
    let ski_ext = x509_cert::ext::pkix::SubjectKeyIdentifier(
        OctetString::new(ski.to_vec()).map_err(|e| bad(e.to_string()))?,
    );
    let ext = x509_cert::ext::Extension {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14"),
        critical: false,
        extn_value: OctetString::new(ski_ext.to_der().map_err(|e| bad(e.to_string()))?)
            .map_err(|e| bad(e.to_string()))?,
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: x509_cert::serial_number::SerialNumber::new(&serial)
            .map_err(|e| bad(e.to_string()))?,
        signature: sig_alg.clone(),
        issuer: subject.clone(),
        validity,
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(vec![ext]),
    };
    let tbs_der = tbs.to_der().map_err(|e| bad(e.to_string()))?;
    let sig = key.sign_sha256(&tbs_der)?;
    let cert = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&sig).map_err(|e| bad(e.to_string()))?,
    };
    cert.to_der().map_err(|e| bad(e.to_string()))
}

/// RFC 5280: UTCTime through 2049, GeneralizedTime from 2050 (whole seconds).
fn rfc5280_time(t: std::time::SystemTime) -> der::Result<x509_cert::time::Time> {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| der::Error::from(der::ErrorKind::DateTime))?
        .as_secs();
    let t = std::time::UNIX_EPOCH + Duration::from_secs(secs);
    match der::asn1::UtcTime::from_system_time(t) {
        Ok(u) => Ok(x509_cert::time::Time::UtcTime(u)),
        Err(_) => Ok(x509_cert::time::Time::GeneralTime(
            der::asn1::GeneralizedTime::from_system_time(t)?,
        )),
    }
}

/// Creates a PKCS#12 upload keystore at `path` with a new key and a self-signed certificate,
/// readable by `keytool -list`. Refuses to overwrite an existing file (losing an upload key
/// is not recoverable). The file is written to a temporary name, then moved into place, with
/// mode 0600.
pub fn create_keystore(
    path: &Path,
    spec: &NewKeystore,
    password: &SecretString,
) -> Result<SigningIdentity> {
    if password.expose_secret().chars().count() < 6 {
        return Err(SignError::NewKeystore {
            path: path.to_owned(),
            reason: "the keystore password must have at least 6 characters (keytool's rule)".into(),
        });
    }
    if spec.alias.is_empty() {
        return Err(SignError::NewKeystore {
            path: path.to_owned(),
            reason: "the alias must not be empty".into(),
        });
    }
    if path.exists() {
        return Err(SignError::NewKeystore {
            path: path.to_owned(),
            reason:
            "the file already exists; choose another path (an existing keystore is never overwritten)".into(),
        });
    }
    let key = PrivateKey::generate(spec.kind)?;
    let cert = self_signed_certificate(&key, &spec.dname, spec.validity_days)?;
    let identity = SigningIdentity::new(spec.alias.clone(), key, vec![cert])?;
    write_pkcs12(path, &identity, password)?;
    Ok(identity)
}

/// Writes `identity` as a one-entry PKCS#12 keystore at `path` (temp file, then a rename that
/// never replaces an existing file).
pub fn write_pkcs12(
    path: &Path,
    identity: &SigningIdentity,
    password: &SecretString,
) -> Result<()> {
    let pkcs8 = identity.key().to_pkcs8_der()?;
    let bytes = pkcs12::write(identity.alias(), &pkcs8, identity.chain(), password)
        .map_err(|e| SignError::Crypto(format!("cannot encode the PKCS#12 keystore: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| SignError::io("creating directory", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".keystore-")
        .tempfile_in(dir)
        .map_err(|e| SignError::io("creating temporary file in", dir, e))?;
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    tmp.write_all(&bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| SignError::io("writing", tmp.path().to_owned(), e))?;
    tmp.persist_noclobber(path)
        .map_err(|e| SignError::io("creating", path, e.error))?;
    Ok(())
}

/// Where the per-user debug keystore lives: `$XDG_CONFIG_HOME/nativiweb/debug.p12`, else
/// `~/.config/nativiweb/debug.p12`.
pub fn debug_keystore_path() -> Result<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })
        .ok_or_else(|| {
            SignError::keystore(
                "debug.p12",
                "cannot place the debug keystore: set XDG_CONFIG_HOME or HOME",
            )
        })?;
    Ok(base.join("nativiweb").join("debug.p12"))
}

/// The per-user debug key, like Android's `~/.android/debug.keystore`: opened from `path`,
/// or created there once (PKCS#12, password `android`, alias `androiddebugkey`, RSA 2048,
/// subject `CN=Android Debug,O=Android,C=US`). The identity is marked debug: stores refuse
/// what it signs. Returns whether it was created now.
pub fn debug_identity_at(path: &Path) -> Result<(SigningIdentity, bool)> {
    let passwords = KeystorePasswords::new(SecretString::from(DEBUG_PASSWORD));
    let mut created = false;
    if !path.exists() {
        let spec = NewKeystore::new(DEBUG_ALIAS, DEBUG_DNAME);
        match create_keystore(path, &spec, passwords.store()) {
            Ok(_) => created = true,
            // Another process created it between our check and our rename: use theirs.
            Err(_) if path.exists() => {}
            Err(e) => return Err(e),
        }
    }
    let id = open_keystore(path, &passwords, Some(DEBUG_ALIAS))?;
    Ok((id.with_debug(true), created))
}

/// [`debug_identity_at`] at [`debug_keystore_path`].
pub fn debug_identity() -> Result<(SigningIdentity, bool)> {
    debug_identity_at(&debug_keystore_path()?)
}

#[cfg(test)]
mod tests;
