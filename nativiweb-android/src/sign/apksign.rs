//! Signing APKs (v1 when needed, v2 and v3 always) and AABs (v1 JAR signing).
//!
//! The fast path is taken when the APK is already aligned, needs no v1 signature and holds no
//! old JAR signature: its entries are kept byte for byte. Signed in place (`output` is
//! `input`), the file is hashed once and only its end is rewritten: the APK Signing Block, the
//! central directory and the end record go where the entries end (the `inplace` module says
//! what that trades). Signed to another file, the entries are copied to it by the kernel
//! (`copy_file_range`, which clones the extents on filesystems that share them) while all
//! cores hash them in 1 MiB chunks, then the same end is appended. Otherwise the entries are
//! rewritten aligned (bytes copied, never recompressed), old signature files dropped and the
//! v1 files added, then the same v2/v3 step runs on the rewritten entries. Whenever a new file
//! is written, it is written to a temporary file in the destination directory and renamed into
//! place, so a failure never leaves a half-written APK.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::{Result, SignError};
use crate::keystore::keys::SigningIdentity;
use crate::sign::digest::{content_digests, ContentDigest, Section};
use crate::sign::inplace;
use crate::sign::manifest::read_manifest;
use crate::sign::sigblock::{
    encode_block, encode_scheme_value, encode_signed_data, find_block, SignerParts, PAGE,
    SIG_ECDSA_SHA256, SIG_RSA_PKCS1_SHA256, STRIPPING_PROTECTION_ATTR_ID, V2_BLOCK_ID, V3_BLOCK_ID,
    V3_MAX_SDK,
};
use crate::sign::v1::{build_signature, entry_digests, is_signature_file};
use crate::zip::align::{copy_aligned, find_misalignment};
use crate::zip::{ReadAt, ZipArchive, ZipEntry, ZipWriter};

/// The first API level that verifies v2 signatures; below it only v1 counts.
pub const V2_MIN_SDK: u32 = 24;
/// The first API level that verifies v3 signatures (the v3 signer's minSdk).
pub const V3_MIN_SDK: u32 = 28;

/// How to sign.
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// The app's minSdk; read from the APK's `AndroidManifest.xml` when `None`.
    pub min_sdk: Option<u32>,
    /// Force v1 on or off; by default it is written when minSdk < 24.
    pub v1: Option<bool>,
    /// Hashing threads; 0 means one per core.
    pub threads: usize,
}

/// What signing did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignReport {
    /// The file written.
    pub path: PathBuf,
    /// Schemes written: `v1`, `v2`, `v3`.
    pub schemes: Vec<String>,
    /// The minSdk signing was decided for (APKs only).
    pub min_sdk: Option<u32>,
    /// True when entries had to be rewritten (alignment fixed, v1 added, old v1 removed).
    pub rewritten: bool,
    /// True when the APK was signed in place: its entries kept where they are, only its end
    /// (signing block, central directory, end record) rewritten.
    pub in_place: bool,
    /// True when the input carried a signature that was replaced.
    pub replaced_signature: bool,
    /// SHA-256 of the signing certificate, lowercase hex.
    pub certificate_sha256: String,
    /// Subject of the signing certificate.
    pub certificate_subject: String,
}

fn tmp_in(output: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".nativiweb-sign-")
        .tempfile_in(dir)
        .map_err(|e| SignError::io("creating a temporary file in", dir, e))
}

/// Signs the APK at `input` with `identity`, writing `output` (which may be `input`).
///
/// v2 and v3 are always written; v1 too when minSdk < 24 (from `opts` or the APK's manifest).
/// An unaligned APK is aligned first; an existing signature (v1 files, signing block) is
/// replaced. RSA signatures are deterministic, so the same input and key give the same bytes.
///
/// When `output` is `input` (the same path once symbolic links are resolved) and the entries
/// can stay as they are, the file is signed in place: hashed once, and only its end rewritten
/// and synced ([`SignReport::in_place`]). The bytes are those signing to another file gives.
/// Otherwise (a new output, entries to rewrite, a file we may not write) the output is written
/// to a temporary file in its directory and renamed over `output`.
pub fn sign_apk(
    input: &Path,
    output: &Path,
    identity: &SigningIdentity,
    opts: &SignOptions,
) -> Result<SignReport> {
    let file = File::open(input).map_err(|e| SignError::io("opening", input, e))?;
    let zip = ZipArchive::new(&file).map_err(|e| SignError::zip(input, e))?;
    if zip.layout().zip64 {
        return Err(SignError::bad(
            input,
            "it is a Zip64 archive, which Android cannot install; keep the APK under 4 GiB and 65535 entries",
        ));
    }
    let old_block = find_block(&file, zip.layout().cd_offset)
        .map_err(|m| SignError::bad(input, format!("{m}; rebuild the APK")))?;
    let entries_end = old_block
        .as_ref()
        .map_or(zip.layout().cd_offset, |b| b.offset);

    let min_sdk = match opts.min_sdk {
        Some(m) => m,
        None => {
            let entry = zip.entry("AndroidManifest.xml").ok_or_else(|| {
                SignError::bad(
                    input,
                    "it has no AndroidManifest.xml; is it an APK? (pass --min-sdk to sign anyway)",
                )
            })?;
            let xml = zip.read(entry).map_err(|e| SignError::zip(input, e))?;
            read_manifest(&xml)
                .map_err(|m| {
                    SignError::bad(
                        input,
                        format!("cannot read AndroidManifest.xml: {m}; pass --min-sdk"),
                    )
                })?
                .min_sdk
        }
    };
    let v1 = opts.v1.unwrap_or(min_sdk < V2_MIN_SDK);
    let has_v1_files = zip.entries().iter().any(|e| is_signature_file(&e.name));
    let misaligned = find_misalignment(input, zip.entries()).is_some();
    let rewrite = v1 || has_v1_files || misaligned;

    let report = |rewritten: bool, in_place: bool| {
        let mut schemes = Vec::new();
        if v1 {
            schemes.push("v1".to_owned());
        }
        schemes.extend(["v2".to_owned(), "v3".to_owned()]);
        SignReport {
            path: output.to_owned(),
            schemes,
            min_sdk: Some(min_sdk),
            rewritten,
            in_place,
            replaced_signature: old_block.is_some() || has_v1_files,
            certificate_sha256: identity.certificate().sha256.clone(),
            certificate_subject: identity.certificate().subject.clone(),
        }
    };

    if !rewrite && inplace::same_path(input, output) {
        if let Some(rw) = inplace::open_for_update(input)? {
            sign_in_place(input, &file, &rw, &zip, entries_end, identity, opts.threads)?;
            return Ok(report(false, true));
        }
    }

    let tmp = tmp_in(output)?;
    let out: &File = tmp.as_file();
    let tmp_path = tmp.path().to_owned();
    let (cd, eocd, content_end, from_output) = if rewrite {
        let mut w = ZipWriter::new(BufWriter::with_capacity(1 << 20, out));
        copy_aligned(input, &zip, &mut w, &|e: &ZipEntry| {
            is_signature_file(&e.name)
        })?;
        if v1 {
            let to_digest: Vec<&ZipEntry> = zip
                .entries()
                .iter()
                .filter(|e| !e.is_dir() && !is_signature_file(&e.name))
                .collect();
            let digests = entry_digests(&zip, &to_digest).map_err(|m| SignError::bad(input, m))?;
            let sig =
                build_signature(&digests, identity, Some("2, 3")).map_err(SignError::Crypto)?;
            for (name, bytes) in [
                (crate::sign::v1::MANIFEST, &sig.manifest),
                (sig.sf.0.as_str(), &sig.sf.1),
                (sig.block.0.as_str(), &sig.block.1),
            ] {
                w.add_deflated(name, bytes)
                    .map_err(|e| SignError::zip(output, e))?;
            }
        }
        let (buf, end, cd, eocd) = w
            .finish_entries()
            .map_err(|e| SignError::zip(&tmp_path, e))?;
        buf.into_inner()
            .map_err(|e| SignError::io("writing", &tmp_path, e.into_error()))?;
        (cd, eocd, end, true)
    } else {
        let (cd, eocd) = read_cd_and_eocd(input, &zip)?;
        (cd, eocd, entries_end, false)
    };

    let entries_src: &dyn ReadAt = if from_output { out } else { &file };
    let tail = signed_tail(identity, entries_src, content_end, cd, eocd, |sections| {
        if from_output {
            return content_digests(sections, &[ContentDigest::Sha256], opts.threads)
                .map_err(|e| SignError::io("hashing", &tmp_path, e));
        }
        // Copy the entries while the other cores hash them.
        std::thread::scope(|s| {
            let copier = s.spawn(|| {
                let mut src = std::io::Read::take(&file, content_end);
                let mut dst = out;
                std::io::copy(&mut src, &mut dst)
            });
            let d = content_digests(sections, &[ContentDigest::Sha256], opts.threads)
                .map_err(|e| SignError::io("hashing", input, e));
            let copied = copier
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("copy thread panicked")))
                .map_err(|e| SignError::io("copying into", &tmp_path, e))?;
            if copied != content_end {
                return Err(SignError::bad(input, "the file changed while being signed"));
            }
            d
        })
    })?;
    std::os::unix::fs::FileExt::write_all_at(out, &tail, content_end)
        .map_err(|e| SignError::io("writing", &tmp_path, e))?;
    drop(zip);
    drop(file);
    persist(tmp, output)?;
    Ok(report(rewrite, false))
}

/// Signs in place the APK `input`, open as `file` (read-only, for hashing) and `rw` (for the
/// write), whose entries end at `entries_end`: one hashing pass over the entries, then the end
/// of the file replaced (see the `inplace` module). Nothing is written unless everything before the
/// write succeeded.
fn sign_in_place(
    input: &Path,
    file: &File,
    rw: &File,
    zip: &ZipArchive<&File>,
    entries_end: u64,
    identity: &SigningIdentity,
    threads: usize,
) -> Result<()> {
    let (cd, eocd) = read_cd_and_eocd(input, zip)?;
    // What the write replaces, to put back if it fails half-way.
    let old_tail = zip
        .read_range(
            entries_end,
            usize::try_from(zip.layout().file_len - entries_end).unwrap_or(usize::MAX),
        )
        .map_err(|e| SignError::zip(input, e))?;
    let tail = signed_tail(identity, file, entries_end, cd, eocd, |sections| {
        content_digests(sections, &[ContentDigest::Sha256], threads)
            .map_err(|e| SignError::io("hashing", input, e))
    })?;
    inplace::replace_tail(rw, input, entries_end, &old_tail, &tail)
}

/// The central directory and the end-of-central-directory record of `zip` (at `path`).
fn read_cd_and_eocd(path: &Path, zip: &ZipArchive<&File>) -> Result<(Vec<u8>, Vec<u8>)> {
    let layout = zip.layout();
    let cd = zip
        .read_range(layout.cd_offset, layout.cd_size as usize)
        .map_err(|e| SignError::zip(path, e))?;
    let eocd = zip
        .read_range(
            layout.eocd_offset,
            (layout.file_len - layout.eocd_offset) as usize,
        )
        .map_err(|e| SignError::zip(path, e))?;
    Ok((cd, eocd))
}

/// What follows the entries `[0, content_end)` of `entries` in the signed APK: the zero
/// padding to a page boundary, the v2 + v3 signing block, the central directory `cd` and the
/// end record `eocd` (its central-directory offset set past the block).
///
/// `hash` computes the content digest of the sections it is given (a caller may copy the
/// entries meanwhile).
fn signed_tail(
    identity: &SigningIdentity,
    entries: &dyn ReadAt,
    content_end: u64,
    cd: Vec<u8>,
    mut eocd: Vec<u8>,
    hash: impl FnOnce(&[Section<'_>]) -> Result<Vec<Vec<u8>>>,
) -> Result<Vec<u8>> {
    let padding = (PAGE - content_end % PAGE) % PAGE;
    let block_offset = content_end + padding;
    // The digest covers the end record as it will be once the block is in place, with the
    // central-directory offset pointing at the block.
    set_cd_offset(&mut eocd, block_offset);
    let digest = {
        let sections = [
            Section {
                src: entries,
                start: 0,
                len: content_end,
                zero_padding: padding,
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
        hash(&sections)?.remove(0)
    };
    let block = signing_block(identity, &digest)?;
    set_cd_offset(&mut eocd, block_offset + block.len() as u64);
    let mut tail = Vec::with_capacity(padding as usize + block.len() + cd.len() + eocd.len());
    tail.resize(padding as usize, 0);
    tail.extend_from_slice(&block);
    tail.extend_from_slice(&cd);
    tail.extend_from_slice(&eocd);
    Ok(tail)
}

fn persist(tmp: tempfile::NamedTempFile, output: &Path) -> Result<()> {
    // Keep the usual permissions of a build output rather than the temp file's 0600.
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(output)
        .map_err(|e| SignError::io("renaming into", output, e.error))?;
    Ok(())
}

/// Sets the central-directory offset field of a classic end-of-central-directory record.
fn set_cd_offset(eocd: &mut [u8], offset: u64) {
    let v = u32::try_from(offset).unwrap_or(u32::MAX);
    eocd[16..20].copy_from_slice(&v.to_le_bytes());
}

/// The v2 + v3 APK Signing Block for content digest `digest` (chunked SHA-256).
fn signing_block(identity: &SigningIdentity, digest: &[u8]) -> Result<Vec<u8>> {
    let alg = if identity.key().is_rsa() {
        SIG_RSA_PKCS1_SHA256
    } else {
        SIG_ECDSA_SHA256
    };
    let digests = [(alg, digest.to_vec())];
    let public_key = identity.key().public_key_der()?;
    let certs = identity.chain().to_vec();
    // v2, with the attribute saying v3 signed too.
    let v2_attrs = [(STRIPPING_PROTECTION_ATTR_ID, 3u32.to_le_bytes().to_vec())];
    let v2_sd = encode_signed_data(&SignerParts {
        digests: &digests,
        certificates: &certs,
        attributes: &v2_attrs,
        sdk_range: None,
    });
    let v2_sig = identity.key().sign_sha256(&v2_sd)?;
    let v2 = encode_scheme_value(&v2_sd, None, &[(alg, v2_sig)], &public_key);
    // v3, for API 28 and up.
    let range = Some((V3_MIN_SDK, V3_MAX_SDK));
    let v3_sd = encode_signed_data(&SignerParts {
        digests: &digests,
        certificates: &certs,
        attributes: &[],
        sdk_range: range,
    });
    let v3_sig = identity.key().sign_sha256(&v3_sd)?;
    let v3 = encode_scheme_value(&v3_sd, range, &[(alg, v3_sig)], &public_key);
    Ok(encode_block(&[(V2_BLOCK_ID, v2), (V3_BLOCK_ID, v3)]))
}

/// Signs an AAB (or any JAR-shaped zip) with v1 JAR signing and SHA-256, as
/// `jarsigner -sigalg SHA256withRSA -digestalg SHA-256` does (SHA256withECDSA for EC keys).
/// Old signature files are replaced; entries are copied aligned; `output` may be `input`.
pub fn sign_jar(input: &Path, output: &Path, identity: &SigningIdentity) -> Result<SignReport> {
    let file = File::open(input).map_err(|e| SignError::io("opening", input, e))?;
    let zip = ZipArchive::new(&file).map_err(|e| SignError::zip(input, e))?;
    let has_v1_files = zip.entries().iter().any(|e| is_signature_file(&e.name));
    let to_digest: Vec<&ZipEntry> = zip
        .entries()
        .iter()
        .filter(|e| !e.is_dir() && !is_signature_file(&e.name))
        .collect();
    let digests = entry_digests(&zip, &to_digest).map_err(|m| SignError::bad(input, m))?;
    let sig = build_signature(&digests, identity, None).map_err(SignError::Crypto)?;
    let tmp = tmp_in(output)?;
    let tmp_path = tmp.path().to_owned();
    {
        let mut w = ZipWriter::new(BufWriter::with_capacity(1 << 20, tmp.as_file()));
        // The manifest and signature files first, as jarsigner writes them.
        for (name, bytes) in [
            (crate::sign::v1::MANIFEST, &sig.manifest),
            (sig.sf.0.as_str(), &sig.sf.1),
            (sig.block.0.as_str(), &sig.block.1),
        ] {
            w.add_deflated(name, bytes)
                .map_err(|e| SignError::zip(&tmp_path, e))?;
        }
        copy_aligned(input, &zip, &mut w, &|e: &ZipEntry| {
            is_signature_file(&e.name)
        })?;
        let buf = w.finish().map_err(|e| SignError::zip(&tmp_path, e))?;
        buf.into_inner()
            .map_err(|e| SignError::io("writing", &tmp_path, e.into_error()))?;
    }
    drop(zip);
    drop(file);
    persist(tmp, output)?;
    Ok(SignReport {
        path: output.to_owned(),
        schemes: vec!["v1".to_owned()],
        min_sdk: None,
        rewritten: true,
        in_place: false,
        replaced_signature: has_v1_files,
        certificate_sha256: identity.certificate().sha256.clone(),
        certificate_subject: identity.certificate().subject.clone(),
    })
}
