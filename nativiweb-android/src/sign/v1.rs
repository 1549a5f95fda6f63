//! v1 signing: JAR signing with SHA-256, as `jarsigner -digestalg SHA-256` and apksigner
//! make it.
//!
//! - `META-INF/MANIFEST.MF`: a main section, then one section per entry with the SHA-256 of
//!   its uncompressed bytes.
//! - `META-INF/<NAME>.SF`: the SHA-256 of the whole manifest, and of each of its entry
//!   sections; for APKs also `X-Android-APK-Signed: 2, 3`, so a v1-only verifier on a newer
//!   platform knows v2/v3 signatures were stripped.
//! - `META-INF/<NAME>.RSA` or `.EC`: a detached CMS SignedData over the `.SF` bytes, with no
//!   signed attributes (as apksigner does; that also keeps the output deterministic).
//!
//! Lines are CRLF-terminated and at most 72 bytes; longer ones continue on lines starting
//! with a space.

use std::collections::BTreeMap;

use base64::Engine;
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};

use crate::keystore::keys::{verify_signature, HashAlg, SigningIdentity};
use crate::zip::{ReadAt, ZipArchive, ZipEntry};

/// The manifest's path.
pub const MANIFEST: &str = "META-INF/MANIFEST.MF";
const CREATED_BY: &str = "1.0 (nativiweb)";

const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// True for the files a JAR signature consists of (dropped when re-signing, not digested).
pub fn is_signature_file(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("META-INF/") else {
        return false;
    };
    if rest.contains('/') {
        return false;
    }
    let upper = rest.to_ascii_uppercase();
    upper == "MANIFEST.MF"
        || upper.starts_with("SIG-")
        || [".SF", ".RSA", ".DSA", ".EC"]
            .iter()
            .any(|s| upper.ends_with(s))
}

/// The base name of the signature files for a key alias: up to 8 characters of
/// `[A-Z0-9_-]`, upper-cased, others replaced by `_` (what jarsigner does); `CERT` if empty.
pub fn signature_basename(alias: &str) -> String {
    let s: String = alias
        .chars()
        .take(8)
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "CERT".into()
    } else {
        s
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Appends `name: value` with 72-byte line wrapping (continuations start with a space; never
/// split inside a UTF-8 character).
fn attr_line(out: &mut Vec<u8>, name: &str, value: &str) {
    let line = format!("{name}: {value}");
    let mut rest = line.as_str();
    let mut limit = 72;
    let mut first = true;
    while !rest.is_empty() {
        let mut cut = rest.len().min(limit);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if !first {
            out.push(b' ');
        }
        out.extend_from_slice(&rest.as_bytes()[..cut]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[cut..];
        first = false;
        limit = 71;
    }
}

/// The three files of a v1 signature.
pub struct JarSignature {
    /// `META-INF/MANIFEST.MF` bytes.
    pub manifest: Vec<u8>,
    /// (`META-INF/NAME.SF`, bytes).
    pub sf: (String, Vec<u8>),
    /// (`META-INF/NAME.RSA` or `.EC`, CMS bytes).
    pub block: (String, Vec<u8>),
}

/// Builds a v1 signature over `digests` (entry name -> SHA-256 of its uncompressed bytes).
/// `apk_signed_schemes` is `Some("2, 3")` for APKs also signed with v2/v3.
pub fn build_signature(
    digests: &BTreeMap<String, [u8; 32]>,
    identity: &SigningIdentity,
    apk_signed_schemes: Option<&str>,
) -> Result<JarSignature, String> {
    let mut manifest = Vec::new();
    attr_line(&mut manifest, "Manifest-Version", "1.0");
    attr_line(&mut manifest, "Created-By", CREATED_BY);
    manifest.extend_from_slice(b"\r\n");
    let mut sections = Vec::with_capacity(digests.len());
    for (name, d) in digests {
        let mut sec = Vec::new();
        attr_line(&mut sec, "Name", name);
        attr_line(&mut sec, "SHA-256-Digest", &b64(d));
        sec.extend_from_slice(b"\r\n");
        manifest.extend_from_slice(&sec);
        sections.push((name, sec));
    }
    let main_len = manifest.len() - sections.iter().map(|(_, s)| s.len()).sum::<usize>();

    let mut sf = Vec::new();
    attr_line(&mut sf, "Signature-Version", "1.0");
    attr_line(&mut sf, "Created-By", CREATED_BY);
    attr_line(
        &mut sf,
        "SHA-256-Digest-Manifest",
        &b64(&Sha256::digest(&manifest)),
    );
    attr_line(
        &mut sf,
        "SHA-256-Digest-Manifest-Main-Attributes",
        &b64(&Sha256::digest(&manifest[..main_len])),
    );
    if let Some(schemes) = apk_signed_schemes {
        attr_line(&mut sf, "X-Android-APK-Signed", schemes);
    }
    sf.extend_from_slice(b"\r\n");
    for (name, sec) in &sections {
        attr_line(&mut sf, "Name", name);
        attr_line(&mut sf, "SHA-256-Digest", &b64(&Sha256::digest(sec)));
        sf.extend_from_slice(b"\r\n");
    }

    let base = signature_basename(identity.alias());
    let ext = if identity.key().is_rsa() { "RSA" } else { "EC" };
    let cms = signed_data(&sf, identity)
        .map_err(|e| format!("cannot build the JAR signature block: {e}"))?;
    Ok(JarSignature {
        manifest,
        sf: (format!("META-INF/{base}.SF"), sf),
        block: (format!("META-INF/{base}.{ext}"), cms),
    })
}

/// A detached CMS SignedData over `content`, without signed attributes.
fn signed_data(content: &[u8], identity: &SigningIdentity) -> Result<Vec<u8>, String> {
    use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
    use cms::signed_data::{
        CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo,
        SignerInfos,
    };
    let e = |e: der::Error| e.to_string();
    let leaf = x509_cert::Certificate::from_der(identity.certificate_der()).map_err(e)?;
    let sha256 = spki::AlgorithmIdentifierOwned {
        oid: OID_SHA256,
        parameters: None,
    };
    let sig_alg = if identity.key().is_rsa() {
        spki::AlgorithmIdentifierOwned {
            oid: OID_RSA,
            parameters: Some(Any::null()),
        }
    } else {
        spki::AlgorithmIdentifierOwned {
            oid: OID_ECDSA_SHA256,
            parameters: None,
        }
    };
    let signature = identity
        .key()
        .sign_sha256(content)
        .map_err(|e| e.to_string())?;
    let mut certs = SetOfVec::new();
    for c in identity.chain() {
        certs
            .insert(CertificateChoices::Certificate(
                x509_cert::Certificate::from_der(c).map_err(e)?,
            ))
            .map_err(e)?;
    }
    let mut digest_algs = SetOfVec::new();
    digest_algs.insert(sha256.clone()).map_err(e)?;
    let mut infos = SetOfVec::new();
    infos
        .insert(SignerInfo {
            version: cms::content_info::CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: leaf.tbs_certificate.issuer.clone(),
                serial_number: leaf.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256,
            signed_attrs: None,
            signature_algorithm: sig_alg,
            signature: OctetString::new(signature).map_err(e)?,
            unsigned_attrs: None,
        })
        .map_err(e)?;
    let sd = SignedData {
        version: cms::content_info::CmsVersion::V1,
        digest_algorithms: digest_algs,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: OID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    cms::content_info::ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: Any::encode_from(&sd).map_err(e)?,
    }
    .to_der()
    .map_err(e)
}

/// SHA-256 of every entry to digest (not directories, not signature files), streaming each
/// entry through the inflater, on all cores.
pub fn entry_digests<R: ReadAt>(
    zip: &ZipArchive<R>,
    entries: &[&ZipEntry],
) -> Result<BTreeMap<String, [u8; 32]>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let out = Mutex::new(BTreeMap::new());
    let err: Mutex<Option<String>> = Mutex::new(None);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(entries.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(e) = entries.get(i) else { break };
                    match digest_entry(zip, e, &mut buf) {
                        Ok(d) => {
                            if let Ok(mut o) = out.lock() {
                                o.insert(e.name.clone(), d);
                            }
                        }
                        Err(m) => {
                            if let Ok(mut x) = err.lock() {
                                x.get_or_insert(m);
                            }
                            next.store(entries.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(m) = err.into_inner().ok().flatten() {
        return Err(m);
    }
    out.into_inner()
        .map_err(|_| "a digest worker panicked".to_owned())
}

fn digest_entry<R: ReadAt>(
    zip: &ZipArchive<R>,
    e: &ZipEntry,
    buf: &mut [u8],
) -> Result<[u8; 32], String> {
    use std::io::Read;
    let mut r = zip.reader(e).map_err(|x| x.to_string())?;
    let mut h = Sha256::new();
    let mut crc = flate2::Crc::new();
    let mut total = 0u64;
    loop {
        let n = r
            .read(buf)
            .map_err(|x| format!("entry `{}`: cannot inflate: {x}", e.name))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        crc.update(&buf[..n]);
        total += n as u64;
    }
    if total != e.uncompressed_len || crc.sum() != e.crc32 {
        return Err(format!(
            "entry `{}` is corrupt (size or CRC-32 mismatch)",
            e.name
        ));
    }
    Ok(h.finalize().into())
}

/// A parsed manifest-style file (MANIFEST.MF or .SF): main attributes and named sections
/// with their raw bytes.
pub(crate) struct ParsedManifest {
    pub main: BTreeMap<String, String>,
    pub sections: Vec<(String, BTreeMap<String, String>, Vec<u8>)>,
}

pub(crate) fn parse_manifest(bytes: &[u8]) -> Result<ParsedManifest, String> {
    // Split into sections at blank lines, keeping each section's raw bytes (with its blank line).
    let mut raw_sections: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut line_start = 0;
    while i < bytes.len() {
        let (eol, next) = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            (true, i + 2)
        } else if bytes[i] == b'\n' || bytes[i] == b'\r' {
            (true, i + 1)
        } else {
            (false, i + 1)
        };
        if eol {
            if i == line_start {
                raw_sections.push(&bytes[start..next]);
                start = next;
            }
            line_start = next;
        }
        i = next;
    }
    if start < bytes.len() {
        raw_sections.push(&bytes[start..]);
    }
    let parse_attrs = |sec: &[u8]| -> Result<BTreeMap<String, String>, String> {
        let text = String::from_utf8_lossy(sec);
        let mut lines: Vec<String> = Vec::new();
        for l in text.split(['\n']) {
            let l = l.strip_suffix('\r').unwrap_or(l);
            if l.is_empty() {
                continue;
            }
            if let Some(cont) = l.strip_prefix(' ') {
                match lines.last_mut() {
                    Some(last) => last.push_str(cont),
                    None => return Err("continuation line without a header".into()),
                }
            } else {
                lines.push(l.to_owned());
            }
        }
        let mut m = BTreeMap::new();
        for l in lines {
            let (k, v) = l
                .split_once(": ")
                .ok_or_else(|| format!("bad manifest line `{l}`"))?;
            m.insert(k.to_owned(), v.to_owned());
        }
        Ok(m)
    };
    let mut iter = raw_sections.into_iter();
    let main_raw = iter.next().unwrap_or_default();
    let main = parse_attrs(main_raw)?;
    let mut sections = Vec::new();
    for sec in iter {
        let attrs = parse_attrs(sec)?;
        if attrs.is_empty() {
            continue;
        }
        let name = attrs
            .get("Name")
            .cloned()
            .ok_or("manifest section without a Name")?;
        sections.push((name, attrs, sec.to_vec()));
    }
    Ok(ParsedManifest { main, sections })
}

/// What v1 verification found.
#[derive(Debug, Clone)]
pub struct V1Verified {
    /// The signer's certificate (DER).
    pub certificate: Vec<u8>,
    /// `X-Android-APK-Signed` of the .SF, when present.
    pub apk_signed: Option<String>,
}

/// Verifies the v1 signature of `zip`: the CMS signature over the .SF, the .SF's digest of the
/// manifest (or of each section), and every entry's SHA-256 against the manifest; every entry
/// must be listed. Only SHA-256 digests are accepted.
pub fn verify<R: ReadAt>(zip: &ZipArchive<R>) -> Result<V1Verified, String> {
    let manifest_entry = zip.entry(MANIFEST).ok_or("no META-INF/MANIFEST.MF")?;
    let manifest_bytes = zip.read(manifest_entry).map_err(|e| e.to_string())?;
    let manifest = parse_manifest(&manifest_bytes)?;
    let sf_entries: Vec<&ZipEntry> = zip
        .entries()
        .iter()
        .filter(|e| is_signature_file(&e.name) && e.name.to_ascii_uppercase().ends_with(".SF"))
        .collect();
    if sf_entries.len() != 1 {
        return Err(format!(
            "expected one .SF signature file, found {}",
            sf_entries.len()
        ));
    }
    let sf_entry = sf_entries[0];
    let stem = &sf_entry.name[..sf_entry.name.len() - 3];
    let block_entry = ["RSA", "EC", "DSA"]
        .iter()
        .find_map(|x| zip.entry(&format!("{stem}.{x}")))
        .ok_or_else(|| format!("no signature block for {}", sf_entry.name))?;
    let sf_bytes = zip.read(sf_entry).map_err(|e| e.to_string())?;
    let block = zip.read(block_entry).map_err(|e| e.to_string())?;
    let certificate = verify_cms(&block, &sf_bytes)?;

    let sf = parse_manifest(&sf_bytes)?;
    let whole_ok = sf
        .main
        .get("SHA-256-Digest-Manifest")
        .is_some_and(|d| *d == b64(&Sha256::digest(&manifest_bytes)));
    let sf_sections: BTreeMap<&str, &BTreeMap<String, String>> = sf
        .sections
        .iter()
        .map(|(n, a, _)| (n.as_str(), a))
        .collect();
    if !whole_ok {
        // Fall back to per-section digests (jarsigner's rule).
        for (name, _, raw) in &manifest.sections {
            let d = sf_sections
                .get(name.as_str())
                .and_then(|a| a.get("SHA-256-Digest"))
                .ok_or_else(|| format!("entry `{name}` is not covered by {}", sf_entry.name))?;
            if *d != b64(&Sha256::digest(raw)) {
                return Err(format!(
                    "the manifest section of `{name}` does not match {}",
                    sf_entry.name
                ));
            }
        }
    }
    let listed: BTreeMap<&str, &BTreeMap<String, String>> = manifest
        .sections
        .iter()
        .map(|(n, a, _)| (n.as_str(), a))
        .collect();
    let to_check: Vec<&ZipEntry> = zip
        .entries()
        .iter()
        .filter(|e| !e.is_dir() && !is_signature_file(&e.name))
        .collect();
    for e in &to_check {
        if !listed.contains_key(e.name.as_str()) {
            return Err(format!(
                "entry `{}` is not signed (missing from the manifest)",
                e.name
            ));
        }
    }
    let digests = entry_digests(zip, &to_check)?;
    for (name, attrs) in &listed {
        let expected = attrs.get("SHA-256-Digest").ok_or_else(|| {
            format!(
                "entry `{name}` has no SHA-256 digest in the manifest (only SHA-256 is verified)"
            )
        })?;
        let actual = digests
            .get(*name)
            .ok_or_else(|| format!("entry `{name}` is in the manifest but not in the archive"))?;
        if *expected != b64(actual) {
            return Err(format!(
                "entry `{name}` was modified after signing (digest mismatch)"
            ));
        }
    }
    Ok(V1Verified {
        certificate,
        apk_signed: sf.main.get("X-Android-APK-Signed").cloned(),
    })
}

/// Verifies a CMS SignedData `block` over detached `content`; returns the signer's
/// certificate.
fn verify_cms(block: &[u8], content: &[u8]) -> Result<Vec<u8>, String> {
    use cms::cert::CertificateChoices;
    use cms::signed_data::{SignedData, SignerIdentifier};
    let ci = cms::content_info::ContentInfo::from_der(block)
        .map_err(|e| format!("bad signature block: {e}"))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err("the signature block is not CMS SignedData".into());
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| format!("bad SignedData: {e}"))?;
    let info = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("SignedData without a signer")?;
    let SignerIdentifier::IssuerAndSerialNumber(isn) = &info.sid else {
        return Err("signer identified by key id; not supported".into());
    };
    let cert = sd
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                CertificateChoices::Certificate(c)
                    if c.tbs_certificate.issuer == isn.issuer
                        && c.tbs_certificate.serial_number == isn.serial_number =>
                {
                    Some(c.clone())
                }
                _ => None,
            })
        })
        .ok_or("the signer's certificate is not in the signature block")?;
    if info.digest_alg.oid != OID_SHA256 {
        return Err(format!(
            "digest algorithm {} is not supported (only SHA-256)",
            info.digest_alg.oid
        ));
    }
    let sig_oid = info.signature_algorithm.oid;
    if ![OID_RSA, OID_SHA256_RSA, OID_ECDSA_SHA256, OID_EC].contains(&sig_oid) {
        return Err(format!("signature algorithm {sig_oid} is not supported"));
    }
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let signed_bytes = match &info.signed_attrs {
        None => content.to_vec(),
        Some(attrs) => {
            let md = attrs
                .iter()
                .find(|a| a.oid == OID_MESSAGE_DIGEST)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .ok_or("signed attributes without a message digest")?;
            if md.as_bytes() != Sha256::digest(content).as_slice() {
                return Err("the .SF file does not match its signature (message digest)".into());
            }
            attrs.to_der().map_err(|e| e.to_string())?
        }
    };
    verify_signature(
        &spki,
        HashAlg::Sha256,
        &signed_bytes,
        info.signature.as_bytes(),
    )
    .map_err(|e| format!("signature over the .SF file: {e}"))?;
    cert.to_der().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_lines_at_72_bytes() {
        let mut out = Vec::new();
        let name = "res/".to_owned() + &"x".repeat(150);
        attr_line(&mut out, "Name", &name);
        let text = String::from_utf8(out.clone()).unwrap();
        for l in text.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 72, "{l}");
        }
        out.extend_from_slice(b"\r\n");
        let mut doc = b"Manifest-Version: 1.0\r\n\r\n".to_vec();
        doc.extend_from_slice(&out);
        let parsed = parse_manifest(&doc).unwrap();
        assert_eq!(parsed.sections[0].0, name);
    }

    #[test]
    fn signature_files_and_basenames() {
        assert!(is_signature_file("META-INF/MANIFEST.MF"));
        assert!(is_signature_file("META-INF/CERT.RSA"));
        assert!(is_signature_file("META-INF/x.ec"));
        assert!(!is_signature_file("META-INF/services/foo.SF"));
        assert!(!is_signature_file("META-INF/kotlin.kotlin_module"));
        assert_eq!(signature_basename("my upload key"), "MY_UPLOA");
        assert_eq!(signature_basename(""), "CERT");
    }
}
