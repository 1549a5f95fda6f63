//! Verifying signed APKs and AABs: which schemes are present and valid, who signed, and
//! whether any byte changed since.
//!
//! Stricter than the platform where that costs nothing: every v1, v2 and v3 signature present
//! is checked (the platform checks only the newest it knows), the signing block may hold only
//! known pairs and its padding must be zeros, and all schemes must name the same certificate.
//! So flipping any byte of a signed APK — in an entry, the signing block, the central
//! directory or the end record — makes verification fail.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Result, SignError};
use crate::keystore::keys::{verify_signature, CertificateInfo, HashAlg};
use crate::sign::digest::{content_digests, ContentDigest, Section};
use crate::sign::manifest::read_manifest;
use crate::sign::sigblock::{
    decode_signers, find_block, DecodedSigner, DEPENDENCY_INFO_BLOCK_ID, SIG_ECDSA_SHA256,
    SIG_ECDSA_SHA512, SIG_RSA_PKCS1_SHA256, SIG_RSA_PKCS1_SHA512, SOURCE_STAMP_BLOCK_ID,
    STRIPPING_PROTECTION_ATTR_ID, V2_BLOCK_ID, V31_BLOCK_ID, V3_BLOCK_ID, VERITY_PADDING_BLOCK_ID,
};
use crate::zip::ZipArchive;

/// Google Play's "frosting" metadata pair, found in APKs Play delivers.
const PLAY_FROSTING_BLOCK_ID: u32 = 0x2146_444e;

/// The outcome of a successful verification.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// The file verified.
    pub path: PathBuf,
    /// Schemes present and verified, in order (`v1`, `v2`, `v3`).
    pub schemes: Vec<String>,
    /// The signer's certificate.
    pub certificate: CertificateInfo,
    /// minSdk from the manifest, for APKs.
    pub min_sdk: Option<u32>,
    /// The package name from the manifest, for APKs.
    pub package: Option<String>,
    /// Things worth knowing that are not failures (certificate expiring soon, no v1 for an
    /// APK whose minSdk is below 24).
    pub warnings: Vec<String>,
}

fn alg_info(alg: u32) -> Option<(ContentDigest, HashAlg, u8)> {
    // (content digest, signature hash, preference: higher is stronger)
    match alg {
        SIG_RSA_PKCS1_SHA256 => Some((ContentDigest::Sha256, HashAlg::Sha256, 1)),
        SIG_ECDSA_SHA256 => Some((ContentDigest::Sha256, HashAlg::Sha256, 1)),
        SIG_RSA_PKCS1_SHA512 => Some((ContentDigest::Sha512, HashAlg::Sha512, 2)),
        SIG_ECDSA_SHA512 => Some((ContentDigest::Sha512, HashAlg::Sha512, 2)),
        _ => None,
    }
}

/// Checks one signer's signature and consistency; returns the content digest it expects.
fn check_signer(path: &Path, scheme: &str, s: &DecodedSigner) -> Result<(ContentDigest, Vec<u8>)> {
    let fail = |m: String| SignError::verify(path, format!("{scheme}: {m}"));
    let (alg, sig) = s
        .signatures
        .iter()
        .filter(|(a, _)| alg_info(*a).is_some())
        .max_by_key(|(a, _)| alg_info(*a).map(|i| i.2))
        .ok_or_else(|| {
            fail(
                "no signature with a supported algorithm (RSA PKCS#1 or ECDSA P-256, SHA-256/512)"
                    .into(),
            )
        })?;
    let (content, hash, _) = alg_info(*alg).ok_or_else(|| fail("unsupported algorithm".into()))?;
    verify_signature(&s.public_key, hash, &s.signed_data, sig).map_err(fail)?;
    let sig_algs: BTreeSet<u32> = s.signatures.iter().map(|(a, _)| *a).collect();
    let dig_algs: BTreeSet<u32> = s.digests.iter().map(|(a, _)| *a).collect();
    if sig_algs != dig_algs {
        return Err(fail(
            "the signature and digest algorithm lists differ".into(),
        ));
    }
    let digest = s
        .digests
        .iter()
        .find(|(a, _)| a == alg)
        .map(|(_, d)| d.clone())
        .ok_or_else(|| fail("no digest for the signature's algorithm".into()))?;
    let leaf = s
        .certificates
        .first()
        .ok_or_else(|| fail("no certificate".into()))?;
    let cert = {
        use der::{Decode, Encode};
        x509_cert::Certificate::from_der(leaf)
            .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der())
            .map_err(|e| fail(format!("bad certificate: {e}")))?
    };
    if cert != s.public_key {
        return Err(fail("the public key does not match the certificate".into()));
    }
    if s.sdk_range != s.signed_sdk_range {
        return Err(fail(
            "the SDK range outside the signed data differs from the signed one".into(),
        ));
    }
    Ok((content, digest))
}

/// Verifies the signatures of the APK or AAB at `path`.
///
/// Fails when no signature is present, when any present signature does not verify, when any
/// signed byte changed, or when schemes disagree on the signer.
pub fn verify(path: &Path) -> Result<VerifyReport> {
    let file = File::open(path).map_err(|e| SignError::io("opening", path, e))?;
    let zip = ZipArchive::new(&file).map_err(|e| SignError::zip(path, e))?;
    let layout = zip.layout().clone();
    let block = find_block(&file, layout.cd_offset).map_err(|m| SignError::verify(path, m))?;
    let mut schemes = Vec::new();
    let mut certs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut warnings = Vec::new();

    if let Some(block) = &block {
        for (id, value) in &block.pairs {
            match *id {
                V2_BLOCK_ID
                | V3_BLOCK_ID
                | V31_BLOCK_ID
                | SOURCE_STAMP_BLOCK_ID
                | DEPENDENCY_INFO_BLOCK_ID
                | PLAY_FROSTING_BLOCK_ID => {}
                VERITY_PADDING_BLOCK_ID => {
                    if value.iter().any(|&b| b != 0) {
                        return Err(SignError::verify(
                            path,
                            "the signing block's padding was modified",
                        ));
                    }
                }
                other => {
                    return Err(SignError::verify(
                        path,
                        format!(
                        "unknown pair {other:#010x} in the APK Signing Block (was it modified?)"
                    ),
                    ))
                }
            }
        }
        let mut expected: Vec<(ContentDigest, Vec<u8>)> = Vec::new();
        for (id, scheme) in [
            (V2_BLOCK_ID, "v2"),
            (V3_BLOCK_ID, "v3"),
            (V31_BLOCK_ID, "v3.1"),
        ] {
            let Some(value) = block.get(id) else { continue };
            let signers = decode_signers(value, id != V2_BLOCK_ID)
                .map_err(|m| SignError::verify(path, format!("{scheme} block: {m}")))?;
            if signers.is_empty() {
                return Err(SignError::verify(
                    path,
                    format!("{scheme} block has no signer"),
                ));
            }
            for s in &signers {
                expected.push(check_signer(path, scheme, s)?);
                if id == V2_BLOCK_ID {
                    for (attr, v) in &s.attributes {
                        if *attr == STRIPPING_PROTECTION_ATTR_ID
                            && v.get(..4) == Some(&3u32.to_le_bytes()[..])
                            && block.get(V3_BLOCK_ID).is_none()
                        {
                            return Err(SignError::verify(path, "the v2 signature says v3 signed too, but the v3 signature is missing (stripped?)"));
                        }
                    }
                }
                if let Some(c) = s.certificates.first() {
                    certs.push((scheme.to_owned(), c.clone()));
                }
            }
            if id != V31_BLOCK_ID {
                schemes.push(scheme.to_owned());
            }
        }
        if expected.is_empty() {
            return Err(SignError::verify(
                path,
                "the APK Signing Block holds no v2 or v3 signature",
            ));
        }
        // One pass over the file for every digest kind needed.
        let kinds: Vec<ContentDigest> = expected
            .iter()
            .map(|(k, _)| *k)
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        let cd = zip
            .read_range(layout.cd_offset, layout.cd_size as usize)
            .map_err(|e| SignError::zip(path, e))?;
        let mut eocd = zip
            .read_range(
                layout.eocd_offset,
                (layout.file_len - layout.eocd_offset) as usize,
            )
            .map_err(|e| SignError::zip(path, e))?;
        if layout.zip64 {
            return Err(SignError::verify(
                path,
                "Zip64 APKs cannot carry v2/v3 signatures",
            ));
        }
        eocd[16..20].copy_from_slice(&(block.offset as u32).to_le_bytes());
        let sections = [
            Section {
                src: &file,
                start: 0,
                len: block.offset,
                zero_padding: 0,
            },
            Section {
                src: &cd,
                start: 0,
                len: cd.len() as u64,
                zero_padding: 0,
            },
            Section {
                src: &eocd,
                start: 0,
                len: eocd.len() as u64,
                zero_padding: 0,
            },
        ];
        let actual =
            content_digests(&sections, &kinds, 0).map_err(|e| SignError::io("reading", path, e))?;
        for (kind, want) in &expected {
            let got = kinds
                .iter()
                .position(|k| k == kind)
                .map(|i| &actual[i])
                .ok_or_else(|| SignError::verify(path, "internal: digest kind missing"))?;
            if got != want {
                return Err(SignError::verify(
                    path,
                    "the content digest does not match: the file was modified after signing",
                ));
            }
        }
    }

    if zip.entry(crate::sign::v1::MANIFEST).is_some() {
        let v1 = crate::sign::v1::verify(&zip)
            .map_err(|m| SignError::verify(path, format!("v1: {m}")))?;
        if let Some(claims) = &v1.apk_signed {
            for n in claims.split(',').map(str::trim) {
                let present = match n {
                    "2" => schemes.iter().any(|s| s == "v2"),
                    "3" => schemes.iter().any(|s| s == "v3"),
                    _ => true,
                };
                if !present {
                    return Err(SignError::verify(
                        path,
                        format!("the v1 signature says scheme v{n} signed too, but that signature is missing (stripped?)"),
                    ));
                }
            }
        }
        schemes.insert(0, "v1".to_owned());
        certs.insert(0, ("v1".to_owned(), v1.certificate));
    }
    let (_, leaf) = certs
        .first()
        .cloned()
        .ok_or_else(|| SignError::verify(path, "it is not signed (no v1, v2 or v3 signature)"))?;
    if let Some((scheme, _)) = certs.iter().find(|(_, c)| *c != leaf) {
        return Err(SignError::verify(
            path,
            format!("the {scheme} signer differs from the {} signer", certs[0].0),
        ));
    }
    let certificate = CertificateInfo::from_der(&leaf).map_err(|m| SignError::verify(path, m))?;
    if certificate.is_expired() {
        warnings.push(format!(
            "the signing certificate expired on {}",
            certificate.not_after
        ));
    } else if certificate.expires_soon() {
        warnings.push(format!(
            "the signing certificate expires on {}",
            certificate.not_after
        ));
    }
    let (mut min_sdk, mut package) = (None, None);
    if let Some(m) = zip.entry("AndroidManifest.xml") {
        if let Ok(info) = zip
            .read(m)
            .map_err(|_| ())
            .and_then(|x| read_manifest(&x).map_err(|_| ()))
        {
            if info.min_sdk < crate::sign::apksign::V2_MIN_SDK && !schemes.iter().any(|s| s == "v1")
            {
                warnings.push(format!(
                    "minSdk is {} but there is no v1 signature: Android before 7.0 will refuse it",
                    info.min_sdk
                ));
            }
            min_sdk = Some(info.min_sdk);
            package = info.package;
        }
    }
    Ok(VerifyReport {
        path: path.to_owned(),
        schemes,
        certificate,
        min_sdk,
        package,
        warnings,
    })
}
