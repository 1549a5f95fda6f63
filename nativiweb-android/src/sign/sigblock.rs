//! The APK Signing Block and the APK Signature Scheme v2/v3 signer records, encoded and
//! decoded as the schemes define them (all integers little-endian):
//!
//! ```text
//! block:  u64 size (of what follows, this field excluded)
//!         pairs: u64 len, u32 id, value (len - 4 bytes) ...
//!         u64 size (same value)
//!         "APK Sig Block 42"
//! v2 value: lp(signers: lp(signer)...)
//!   signer: lp(signed data) lp(signatures: lp(u32 alg, lp(sig))...) lp(public key, SPKI DER)
//!   signed data: lp(digests: lp(u32 alg, lp(digest))...) lp(certs: lp(DER)...)
//!                lp(attributes: lp(u32 id, value)...)
//! v3 value: the same, with u32 minSdk, u32 maxSdk after the certificates in the signed data
//!   and again after the signed data in the signer.
//! ```
//! where `lp(x)` is `u32 len || x`. Like apksigner, we pad the block with a verity padding
//! pair (id 0x42726577) so its size is a multiple of 4096, and start it on a 4096-byte
//! boundary: the file stays page-aligned for fs-verity.

use crate::zip::ReadAt;

/// Pair id of APK Signature Scheme v2.
pub const V2_BLOCK_ID: u32 = 0x7109_871a;
/// Pair id of APK Signature Scheme v3.
pub const V3_BLOCK_ID: u32 = 0xf053_68c0;
/// Pair id of APK Signature Scheme v3.1.
pub const V31_BLOCK_ID: u32 = 0x1b93_ad61;
/// Pair id of the padding apksigner adds to make the block a multiple of 4096 bytes.
pub const VERITY_PADDING_BLOCK_ID: u32 = 0x4272_6577;
/// Pair id of the source stamp (v2) that some build tools add.
pub const SOURCE_STAMP_BLOCK_ID: u32 = 0x6dff_800d;
/// Pair id of Play's dependency metadata block.
pub const DEPENDENCY_INFO_BLOCK_ID: u32 = 0x504b_4453;
/// v2 signed-data attribute telling v2 verifiers that a newer scheme (v3) signed the APK too,
/// so stripping the v3 block is detected.
pub const STRIPPING_PROTECTION_ATTR_ID: u32 = 0xbeef_f00d;

/// RSASSA-PKCS1-v1_5 with SHA-256 (chunked SHA-256 content digest).
pub const SIG_RSA_PKCS1_SHA256: u32 = 0x0103;
/// RSASSA-PKCS1-v1_5 with SHA-512.
pub const SIG_RSA_PKCS1_SHA512: u32 = 0x0104;
/// ECDSA with SHA-256.
pub const SIG_ECDSA_SHA256: u32 = 0x0201;
/// ECDSA with SHA-512.
pub const SIG_ECDSA_SHA512: u32 = 0x0202;

/// The block's trailing magic.
pub const MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// The page size the block is padded to.
pub const PAGE: u64 = 4096;
/// Largest signing block we read (real ones are a few KiB).
const MAX_BLOCK: u64 = 64 * 1024 * 1024;

/// The v3 maxSdk meaning "no upper bound".
pub const V3_MAX_SDK: u32 = 0x7fff_ffff;

fn lp(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn lp_seq(items: &[Vec<u8>]) -> Vec<u8> {
    let mut inner = Vec::new();
    for it in items {
        lp(&mut inner, it);
    }
    inner
}

/// The parts of one signer, for encoding.
pub struct SignerParts<'a> {
    /// (signature algorithm id, content digest).
    pub digests: &'a [(u32, Vec<u8>)],
    /// DER certificates, signing certificate first.
    pub certificates: &'a [Vec<u8>],
    /// (attribute id, value).
    pub attributes: &'a [(u32, Vec<u8>)],
    /// v3 only: the SDK range this signer applies to.
    pub sdk_range: Option<(u32, u32)>,
}

/// Encodes a signer's signed data.
pub fn encode_signed_data(p: &SignerParts<'_>) -> Vec<u8> {
    let digests: Vec<Vec<u8>> = p
        .digests
        .iter()
        .map(|(alg, d)| {
            let mut v = alg.to_le_bytes().to_vec();
            lp(&mut v, d);
            v
        })
        .collect();
    let attrs: Vec<Vec<u8>> = p
        .attributes
        .iter()
        .map(|(id, val)| {
            let mut v = id.to_le_bytes().to_vec();
            v.extend_from_slice(val);
            v
        })
        .collect();
    let mut out = Vec::new();
    lp(&mut out, &lp_seq(&digests));
    lp(&mut out, &lp_seq(p.certificates));
    if let Some((min, max)) = p.sdk_range {
        out.extend_from_slice(&min.to_le_bytes());
        out.extend_from_slice(&max.to_le_bytes());
    }
    lp(&mut out, &lp_seq(&attrs));
    out
}

/// Encodes a scheme block value with one signer.
pub fn encode_scheme_value(
    signed_data: &[u8],
    sdk_range: Option<(u32, u32)>,
    signatures: &[(u32, Vec<u8>)],
    public_key: &[u8],
) -> Vec<u8> {
    let sigs: Vec<Vec<u8>> = signatures
        .iter()
        .map(|(alg, s)| {
            let mut v = alg.to_le_bytes().to_vec();
            lp(&mut v, s);
            v
        })
        .collect();
    let mut signer = Vec::new();
    lp(&mut signer, signed_data);
    if let Some((min, max)) = sdk_range {
        signer.extend_from_slice(&min.to_le_bytes());
        signer.extend_from_slice(&max.to_le_bytes());
    }
    lp(&mut signer, &lp_seq(&sigs));
    lp(&mut signer, public_key);
    let mut value = Vec::new();
    lp(&mut value, &lp_seq(&[signer]));
    value
}

/// Encodes the APK Signing Block holding `pairs`, padded with a verity padding pair to a
/// multiple of 4096 bytes.
pub fn encode_block(pairs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let pairs_len: u64 = pairs.iter().map(|(_, v)| 12 + v.len() as u64).sum();
    let mut total = 8 + pairs_len + 8 + 16;
    let mut padding = 0u64;
    if !total.is_multiple_of(PAGE) {
        padding = PAGE - total % PAGE;
        if padding < 12 {
            padding += PAGE; // a pair needs at least its length and id
        }
        total += padding;
    }
    let size = total - 8;
    let mut out = Vec::with_capacity(total as usize);
    out.extend_from_slice(&size.to_le_bytes());
    for (id, v) in pairs {
        out.extend_from_slice(&(4 + v.len() as u64).to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(v);
    }
    if padding > 0 {
        out.extend_from_slice(&(padding - 8).to_le_bytes());
        out.extend_from_slice(&VERITY_PADDING_BLOCK_ID.to_le_bytes());
        out.resize(out.len() + (padding - 12) as usize, 0);
    }
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(MAGIC);
    out
}

/// An APK Signing Block found in a file.
#[derive(Debug, Clone)]
pub struct SigningBlock {
    /// Offset of the block's first byte (the end of the zip entries).
    pub offset: u64,
    /// The whole block.
    pub bytes: Vec<u8>,
    /// Its (id, value) pairs, in order.
    pub pairs: Vec<(u32, Vec<u8>)>,
}

impl SigningBlock {
    /// The value of the first pair with `id`.
    pub fn get(&self, id: u32) -> Option<&[u8]> {
        self.pairs
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v.as_slice())
    }
}

/// Finds the APK Signing Block that ends at `cd_offset`, if there is one. Errors describe a
/// block that is present but malformed.
pub fn find_block<R: ReadAt + ?Sized>(
    src: &R,
    cd_offset: u64,
) -> Result<Option<SigningBlock>, String> {
    if cd_offset < 32 {
        return Ok(None);
    }
    let mut footer = [0u8; 24];
    src.read_exact_at(&mut footer, cd_offset - 24)
        .map_err(|e| e.to_string())?;
    if &footer[8..] != MAGIC {
        return Ok(None);
    }
    let size = u64::from_le_bytes(footer[..8].try_into().unwrap_or_default());
    if !(24..=MAX_BLOCK).contains(&size) || size + 8 > cd_offset {
        return Err(format!("APK Signing Block size {size} is out of range"));
    }
    let offset = cd_offset - size - 8;
    let mut bytes = vec![0u8; (size + 8) as usize];
    src.read_exact_at(&mut bytes, offset)
        .map_err(|e| e.to_string())?;
    let head = u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default());
    if head != size {
        return Err(format!(
            "APK Signing Block sizes differ ({head} at the start, {size} at the end)"
        ));
    }
    let pairs_end = bytes.len() - 24;
    let mut pos = 8usize;
    let mut pairs = Vec::new();
    while pos < pairs_end {
        if pos + 12 > pairs_end {
            return Err("truncated pair in the APK Signing Block".into());
        }
        let len = u64::from_le_bytes(bytes[pos..pos + 8].try_into().unwrap_or_default());
        if len < 4 || len > (pairs_end - pos - 8) as u64 {
            return Err(format!(
                "pair length {len} out of range in the APK Signing Block"
            ));
        }
        let id = u32::from_le_bytes(bytes[pos + 8..pos + 12].try_into().unwrap_or_default());
        let value = bytes[pos + 12..pos + 8 + len as usize].to_vec();
        pairs.push((id, value));
        pos += 8 + len as usize;
    }
    Ok(Some(SigningBlock {
        offset,
        bytes,
        pairs,
    }))
}

/// A reader of length-prefixed fields.
pub(crate) struct Lp<'a> {
    b: &'a [u8],
}

impl<'a> Lp<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Lp { b }
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.b.is_empty()
    }
    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        if self.b.len() < 4 {
            return Err("truncated integer".into());
        }
        let (h, t) = self.b.split_at(4);
        self.b = t;
        Ok(u32::from_le_bytes([h[0], h[1], h[2], h[3]]))
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        if self.b.len() < n {
            return Err("length prefix runs past its container".into());
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.b
    }
}

/// One signer of a v2 or v3 block, decoded.
#[derive(Debug, Clone)]
pub struct DecodedSigner {
    /// The signed data, as signed.
    pub signed_data: Vec<u8>,
    /// (algorithm, digest) from the signed data.
    pub digests: Vec<(u32, Vec<u8>)>,
    /// Certificates from the signed data.
    pub certificates: Vec<Vec<u8>>,
    /// (id, value) attributes from the signed data.
    pub attributes: Vec<(u32, Vec<u8>)>,
    /// v3: the SDK range in the signed data.
    pub signed_sdk_range: Option<(u32, u32)>,
    /// v3: the SDK range outside the signed data (must equal the signed one).
    pub sdk_range: Option<(u32, u32)>,
    /// (algorithm, signature).
    pub signatures: Vec<(u32, Vec<u8>)>,
    /// The public key (SPKI DER).
    pub public_key: Vec<u8>,
}

/// Decodes the signers of a v2 (`v3 = false`) or v3 block value.
pub fn decode_signers(value: &[u8], v3: bool) -> Result<Vec<DecodedSigner>, String> {
    let mut outer = Lp::new(value);
    let mut signers_lp = Lp::new(outer.bytes()?);
    if !outer.is_empty() {
        return Err("trailing bytes after the signers".into());
    }
    let mut out = Vec::new();
    while !signers_lp.is_empty() {
        let mut s = Lp::new(signers_lp.bytes()?);
        let signed_data = s.bytes()?;
        let sdk_range = if v3 { Some((s.u32()?, s.u32()?)) } else { None };
        let mut sigs_lp = Lp::new(s.bytes()?);
        let public_key = s.bytes()?.to_vec();
        if !s.is_empty() {
            return Err("trailing bytes in a signer".into());
        }
        let mut signatures = Vec::new();
        while !sigs_lp.is_empty() {
            let mut one = Lp::new(sigs_lp.bytes()?);
            let alg = one.u32()?;
            signatures.push((alg, one.bytes()?.to_vec()));
        }
        let mut sd = Lp::new(signed_data);
        let mut digests_lp = Lp::new(sd.bytes()?);
        let mut certs_lp = Lp::new(sd.bytes()?);
        let signed_sdk_range = if v3 {
            Some((sd.u32()?, sd.u32()?))
        } else {
            None
        };
        let mut attrs_lp = Lp::new(sd.bytes()?);
        let mut digests = Vec::new();
        while !digests_lp.is_empty() {
            let mut one = Lp::new(digests_lp.bytes()?);
            let alg = one.u32()?;
            digests.push((alg, one.bytes()?.to_vec()));
        }
        let mut certificates = Vec::new();
        while !certs_lp.is_empty() {
            certificates.push(certs_lp.bytes()?.to_vec());
        }
        let mut attributes = Vec::new();
        while !attrs_lp.is_empty() {
            let mut one = Lp::new(attrs_lp.bytes()?);
            let id = one.u32()?;
            attributes.push((id, one.rest().to_vec()));
        }
        out.push(DecodedSigner {
            signed_data: signed_data.to_vec(),
            digests,
            certificates,
            attributes,
            signed_sdk_range,
            sdk_range,
            signatures,
            public_key,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_is_page_multiple_and_round_trips() {
        for n in [0usize, 1, 100, 4000, 4060, 4070, 9000] {
            let pairs = vec![(V2_BLOCK_ID, vec![7u8; n]), (V3_BLOCK_ID, vec![8u8; 3])];
            let block = encode_block(&pairs);
            assert_eq!(block.len() as u64 % PAGE, 0, "n={n}");
            let mut file = vec![0u8; 100];
            file.extend_from_slice(&block);
            let found = find_block(&file, file.len() as u64).unwrap().unwrap();
            assert_eq!(found.offset, 100);
            assert_eq!(&found.pairs[..2], &pairs[..]);
            assert_eq!(found.pairs[2].0, VERITY_PADDING_BLOCK_ID);
        }
    }

    #[test]
    fn signer_round_trip() {
        let digests = vec![(SIG_RSA_PKCS1_SHA256, vec![1u8; 32])];
        let certs = vec![vec![0x30, 0]];
        let attrs = vec![(STRIPPING_PROTECTION_ATTR_ID, 3u32.to_le_bytes().to_vec())];
        for v3 in [false, true] {
            let range = v3.then_some((28, V3_MAX_SDK));
            let sd = encode_signed_data(&SignerParts {
                digests: &digests,
                certificates: &certs,
                attributes: &attrs,
                sdk_range: range,
            });
            let value =
                encode_scheme_value(&sd, range, &[(SIG_RSA_PKCS1_SHA256, vec![9; 256])], b"pk");
            let s = &decode_signers(&value, v3).unwrap()[0];
            assert_eq!(s.signed_data, sd);
            assert_eq!(s.digests, digests);
            assert_eq!(s.certificates, certs);
            assert_eq!(s.attributes, attrs);
            assert_eq!(s.sdk_range, range);
            assert_eq!(s.signed_sdk_range, range);
            assert_eq!(s.public_key, b"pk");
        }
    }
}
