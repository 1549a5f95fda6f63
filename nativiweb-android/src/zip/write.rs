//! [`ZipWriter`]: a deterministic, aligning zip writer.

use std::collections::HashSet;
use std::io::{self, Read, Write};

use super::{
    deflate, required_alignment, validate_name, ZipError, ALIGNMENT_EXTRA_ID, DOS_DATE, DOS_TIME,
    METHOD_DEFLATED, METHOD_STORED,
};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const U32_MAX: u64 = 0xffff_ffff;

/// One entry as it goes in the central directory.
#[derive(Debug, Clone)]
struct CentralRecord {
    name: String,
    method: u16,
    flags: u16,
    crc32: u32,
    compressed_len: u64,
    uncompressed_len: u64,
    local_offset: u64,
}

/// An entry whose bytes are copied as they are (already compressed or stored), as zipalign and
/// the signer do when they rewrite an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    /// The entry name.
    pub name: String,
    /// [`super::METHOD_STORED`] or [`super::METHOD_DEFLATED`].
    pub method: u16,
    /// CRC-32 of the uncompressed bytes.
    pub crc32: u32,
    /// Length of the bytes as stored in the archive.
    pub compressed_len: u64,
    /// Length once uncompressed.
    pub uncompressed_len: u64,
    /// Data alignment for stored entries (ignored for deflated ones); 1 for none.
    pub alignment: u64,
}

/// Writes a zip archive front to back.
///
/// Output is deterministic: every entry gets the same DOS date and time
/// ([`super::DOS_DATE`]/[`super::DOS_TIME`]), no extra fields except alignment padding
/// (id `0xd935`, as Android's tools write it) and Zip64 records only when a size, offset or
/// count needs them; entries appear in the order added.
///
/// Stored entries are aligned with [`required_alignment`]: 16384 bytes for `.so`, 4 otherwise.
pub struct ZipWriter<W: Write> {
    inner: W,
    offset: u64,
    entries: Vec<CentralRecord>,
    names: HashSet<String>,
}

impl<W: Write> std::fmt::Debug for ZipWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipWriter")
            .field("offset", &self.offset)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl<W: Write> ZipWriter<W> {
    /// A writer that starts at offset 0 of `inner`.
    pub fn new(inner: W) -> Self {
        ZipWriter {
            inner,
            offset: 0,
            entries: Vec::new(),
            names: HashSet::new(),
        }
    }

    /// How many bytes have been written so far (the offset of the next local header).
    pub fn position(&self) -> u64 {
        self.offset
    }

    /// Adds a stored (uncompressed) entry whose data starts on [`required_alignment`]`(name)`:
    /// 4 bytes, or 16384 for `.so` files. Padding goes in the local header's extra field.
    pub fn add_stored(&mut self, name: &str, data: &[u8]) -> Result<(), ZipError> {
        self.add_stored_aligned(name, data, required_alignment(name))
    }

    /// Adds a stored entry whose data starts on a multiple of `alignment` (1 for none).
    pub fn add_stored_aligned(
        &mut self,
        name: &str,
        data: &[u8],
        alignment: u64,
    ) -> Result<(), ZipError> {
        let crc = super::crc32(data);
        let entry = RawEntry {
            name: name.to_owned(),
            method: METHOD_STORED,
            crc32: crc,
            compressed_len: data.len() as u64,
            uncompressed_len: data.len() as u64,
            alignment,
        };
        self.add_raw(&entry, data)
    }

    /// Adds an entry deflated from `data` (deterministic; see [`super::deflate`]).
    pub fn add_deflated(&mut self, name: &str, data: &[u8]) -> Result<(), ZipError> {
        let (crc, deflated) = deflate(data);
        self.add_precompressed(name, crc, data.len() as u64, &deflated)
    }

    /// Adds an entry already deflated elsewhere (raw deflate, no zlib header), so callers can
    /// compress on many threads. `crc32` and `uncompressed_len` describe the original bytes.
    pub fn add_precompressed(
        &mut self,
        name: &str,
        crc32: u32,
        uncompressed_len: u64,
        deflated: &[u8],
    ) -> Result<(), ZipError> {
        let entry = RawEntry {
            name: name.to_owned(),
            method: METHOD_DEFLATED,
            crc32,
            compressed_len: deflated.len() as u64,
            uncompressed_len,
            alignment: 1,
        };
        self.add_raw(&entry, deflated)
    }

    /// Adds an entry whose archive bytes are `data` exactly (`data.len()` must equal
    /// `entry.compressed_len`).
    pub fn add_raw(&mut self, entry: &RawEntry, data: &[u8]) -> Result<(), ZipError> {
        if data.len() as u64 != entry.compressed_len {
            return Err(ZipError::CorruptEntry {
                entry: entry.name.clone(),
                reason: format!(
                    "{} bytes given for an entry declared as {} bytes",
                    data.len(),
                    entry.compressed_len
                ),
            });
        }
        let mut reader = data;
        self.add_raw_from(entry, &mut reader)
    }

    /// Like [`ZipWriter::add_raw`], streaming the `entry.compressed_len` archive bytes from
    /// `data`, so a large entry never has to be in memory.
    pub fn add_raw_from(&mut self, entry: &RawEntry, data: &mut dyn Read) -> Result<(), ZipError> {
        validate_name(&entry.name)?;
        if entry.method != METHOD_STORED && entry.method != METHOD_DEFLATED {
            return Err(ZipError::Unsupported {
                entry: entry.name.clone(),
                feature: format!("compression method {}", entry.method),
            });
        }
        if !self.names.insert(entry.name.clone()) {
            return Err(ZipError::DuplicateEntry(entry.name.clone()));
        }
        let name = entry.name.as_bytes();
        let zip64 = entry.compressed_len >= U32_MAX || entry.uncompressed_len >= U32_MAX;
        let flags: u16 = if entry.name.is_ascii() { 0 } else { 0x0800 };

        let mut extra = Vec::new();
        if zip64 {
            put_u16(&mut extra, 0x0001);
            put_u16(&mut extra, 16);
            put_u64(&mut extra, entry.uncompressed_len);
            put_u64(&mut extra, entry.compressed_len);
        }
        if entry.method == METHOD_STORED && entry.alignment > 1 {
            let align = entry.alignment;
            let data_start = self.offset + 30 + name.len() as u64 + extra.len() as u64;
            if !data_start.is_multiple_of(align) {
                // An alignment record is at least 6 bytes: id, size, alignment.
                let min_start = data_start + 6;
                let pad = (align - min_start % align) % align;
                let align_u16 = u16::try_from(align).unwrap_or(u16::MAX);
                put_u16(&mut extra, ALIGNMENT_EXTRA_ID);
                put_u16(&mut extra, (2 + pad) as u16);
                put_u16(&mut extra, align_u16);
                extra.resize(extra.len() + pad as usize, 0);
            }
        }
        if extra.len() > u16::MAX as usize {
            return Err(ZipError::Corrupt(format!(
                "alignment of {} for `{}` needs an extra field over 64 KiB",
                entry.alignment, entry.name
            )));
        }

        let mut header = Vec::with_capacity(30 + name.len() + extra.len());
        put_u32(&mut header, LOCAL_SIG);
        put_u16(&mut header, if zip64 { 45 } else { 20 });
        put_u16(&mut header, flags);
        put_u16(&mut header, entry.method);
        put_u16(&mut header, DOS_TIME);
        put_u16(&mut header, DOS_DATE);
        put_u32(&mut header, entry.crc32);
        put_u32(&mut header, clamp32(entry.compressed_len, zip64));
        put_u32(&mut header, clamp32(entry.uncompressed_len, zip64));
        put_u16(&mut header, name.len() as u16);
        put_u16(&mut header, extra.len() as u16);
        header.extend_from_slice(name);
        header.extend_from_slice(&extra);
        self.inner.write_all(&header)?;

        let copied = io::copy(&mut data.take(entry.compressed_len), &mut self.inner)?;
        if copied != entry.compressed_len {
            return Err(ZipError::CorruptEntry {
                entry: entry.name.clone(),
                reason: format!(
                    "only {copied} of {} bytes could be read",
                    entry.compressed_len
                ),
            });
        }
        self.entries.push(CentralRecord {
            name: entry.name.clone(),
            method: entry.method,
            flags,
            crc32: entry.crc32,
            compressed_len: entry.compressed_len,
            uncompressed_len: entry.uncompressed_len,
            local_offset: self.offset,
        });
        self.offset += header.len() as u64 + entry.compressed_len;
        Ok(())
    }

    /// Ends the entries without writing the central directory: returns the inner writer
    /// (flushed), the offset where the entries end, and the central directory and end records
    /// as they would follow there. The signer inserts the APK Signing Block in between.
    pub fn finish_entries(mut self) -> Result<(W, u64, Vec<u8>, Vec<u8>), ZipError> {
        let cd_offset = self.offset;
        let (cd, _) = central_directory(&self.entries);
        let eocd = end_records(self.entries.len() as u64, cd.len() as u64, cd_offset);
        self.inner.flush()?;
        Ok((self.inner, cd_offset, cd, eocd))
    }

    /// Writes the central directory and the end-of-central-directory record (with Zip64
    /// records when needed) and returns the inner writer, flushed.
    pub fn finish(mut self) -> Result<W, ZipError> {
        let cd_offset = self.offset;
        let (cd, _) = central_directory(&self.entries);
        self.inner.write_all(&cd)?;
        let eocd = end_records(self.entries.len() as u64, cd.len() as u64, cd_offset);
        self.inner.write_all(&eocd)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// Builds the central directory for `entries`; returns it and its record count.
fn central_directory(entries: &[CentralRecord]) -> (Vec<u8>, usize) {
    let mut cd = Vec::with_capacity(entries.len() * 64);
    for e in entries {
        let mut extra = Vec::new();
        let big_u = e.uncompressed_len >= U32_MAX;
        let big_c = e.compressed_len >= U32_MAX;
        let big_o = e.local_offset >= U32_MAX;
        if big_u || big_c || big_o {
            put_u16(&mut extra, 0x0001);
            let size = 8 * (big_u as u16 + big_c as u16 + big_o as u16);
            put_u16(&mut extra, size);
            if big_u {
                put_u64(&mut extra, e.uncompressed_len);
            }
            if big_c {
                put_u64(&mut extra, e.compressed_len);
            }
            if big_o {
                put_u64(&mut extra, e.local_offset);
            }
        }
        let zip64 = !extra.is_empty();
        put_u32(&mut cd, CENTRAL_SIG);
        put_u16(&mut cd, if zip64 { 45 } else { 20 }); // made by: MS-DOS, spec 2.0 / 4.5
        put_u16(&mut cd, if zip64 { 45 } else { 20 });
        put_u16(&mut cd, e.flags);
        put_u16(&mut cd, e.method);
        put_u16(&mut cd, DOS_TIME);
        put_u16(&mut cd, DOS_DATE);
        put_u32(&mut cd, e.crc32);
        put_u32(&mut cd, clamp32(e.compressed_len, big_c));
        put_u32(&mut cd, clamp32(e.uncompressed_len, big_u));
        put_u16(&mut cd, e.name.len() as u16);
        put_u16(&mut cd, extra.len() as u16);
        put_u16(&mut cd, 0); // comment
        put_u16(&mut cd, 0); // disk
        put_u16(&mut cd, 0); // internal attributes
        put_u32(&mut cd, 0); // external attributes
        put_u32(&mut cd, clamp32(e.local_offset, big_o));
        cd.extend_from_slice(e.name.as_bytes());
        cd.extend_from_slice(&extra);
    }
    (cd, entries.len())
}

/// The end records: a Zip64 end record and locator when needed, then the classic EOCD.
pub(crate) fn end_records(count: u64, cd_size: u64, cd_offset: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(98);
    let zip64 = count >= 0xffff || cd_size >= U32_MAX || cd_offset >= U32_MAX;
    if zip64 {
        let z64_offset = cd_offset + cd_size;
        put_u32(&mut out, ZIP64_EOCD_SIG);
        put_u64(&mut out, 44);
        put_u16(&mut out, 45);
        put_u16(&mut out, 45);
        put_u32(&mut out, 0);
        put_u32(&mut out, 0);
        put_u64(&mut out, count);
        put_u64(&mut out, count);
        put_u64(&mut out, cd_size);
        put_u64(&mut out, cd_offset);
        put_u32(&mut out, ZIP64_LOCATOR_SIG);
        put_u32(&mut out, 0);
        put_u64(&mut out, z64_offset);
        put_u32(&mut out, 1);
    }
    put_u32(&mut out, EOCD_SIG);
    put_u16(&mut out, 0);
    put_u16(&mut out, 0);
    let c16 = if zip64 { 0xffff } else { count as u16 };
    put_u16(&mut out, c16);
    put_u16(&mut out, c16);
    put_u32(&mut out, clamp32(cd_size, zip64));
    put_u32(&mut out, clamp32(cd_offset, zip64));
    put_u16(&mut out, 0);
    out
}

fn clamp32(v: u64, zip64: bool) -> u32 {
    if zip64 || v >= U32_MAX {
        u32::MAX
    } else {
        v as u32
    }
}

pub(crate) fn put_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
pub(crate) fn put_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
pub(crate) fn put_u64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}
