//! [`ZipArchive`]: lists a zip's entries with their offsets and gives raw access to them.
//!
//! Reads go through [`ReadAt`] (positioned reads), so many threads can read one file at once
//! and nothing but the central directory is held in memory.

use std::fs::File;
use std::io::{self, Read};

use super::{ZipError, METHOD_DEFLATED, METHOD_STORED};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD_MIN: u64 = 22;

/// A source of bytes read at absolute offsets (a file, or bytes in memory).
pub trait ReadAt: Sync {
    /// Fills `buf` from `offset`; fails with `UnexpectedEof` past the end.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    /// Total length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// True when empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}

impl ReadAt for File {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, offset)
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

impl ReadAt for [u8] {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let end = start
            .checked_add(buf.len())
            .filter(|&e| e <= <[u8]>::len(self))
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(&self[start..end]);
        Ok(())
    }
    fn len(&self) -> io::Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }
}

impl ReadAt for Vec<u8> {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }
    fn len(&self) -> io::Result<u64> {
        Ok(Vec::len(self) as u64)
    }
}

impl<T: ReadAt + ?Sized + Send> ReadAt for &T {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }
}

/// A `Read` over the byte range `[pos, end)` of a [`ReadAt`].
#[derive(Debug)]
pub struct RangeReader<'a, R: ReadAt + ?Sized> {
    src: &'a R,
    pos: u64,
    end: u64,
}

impl<'a, R: ReadAt + ?Sized> RangeReader<'a, R> {
    /// Reads `src[start..end]`.
    pub fn new(src: &'a R, start: u64, end: u64) -> Self {
        RangeReader {
            src,
            pos: start,
            end,
        }
    }
}

impl<R: ReadAt + ?Sized> Read for RangeReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        self.src.read_exact_at(&mut buf[..n], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Where the regions of a zip are: entries, central directory, end records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipLayout {
    /// Offset of the central directory (the end of the entries section, or of the APK Signing
    /// Block when there is one).
    pub cd_offset: u64,
    /// Size of the central directory.
    pub cd_size: u64,
    /// Offset of the end records: the Zip64 end record when present, else the classic EOCD.
    pub end_offset: u64,
    /// Offset of the classic end-of-central-directory record.
    pub eocd_offset: u64,
    /// Number of entries.
    pub entry_count: u64,
    /// File length.
    pub file_len: u64,
    /// True when the archive uses Zip64 end records.
    pub zip64: bool,
}

/// One entry of the central directory, with where its data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The entry name.
    pub name: String,
    /// Compression method (0 stored, 8 deflated).
    pub method: u16,
    /// General-purpose flags.
    pub flags: u16,
    /// CRC-32 of the uncompressed bytes.
    pub crc32: u32,
    /// Size of the stored bytes.
    pub compressed_len: u64,
    /// Size once uncompressed.
    pub uncompressed_len: u64,
    /// Offset of the local header.
    pub local_header_offset: u64,
    /// Offset of the entry's data (after the local header, its name and extra field).
    pub data_offset: u64,
    /// Offset of this entry's record in the central directory.
    pub central_offset: u64,
}

impl ZipEntry {
    /// True for directory entries (names ending in `/`).
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// A zip archive opened for reading: its layout and entries.
#[derive(Debug)]
pub struct ZipArchive<R: ReadAt> {
    src: R,
    layout: ZipLayout,
    entries: Vec<ZipEntry>,
}

impl ZipArchive<File> {
    /// Opens the zip file at `path`.
    pub fn open(path: &std::path::Path) -> Result<Self, ZipError> {
        ZipArchive::new(File::open(path)?)
    }
}

impl<R: ReadAt> ZipArchive<R> {
    /// Reads the end records and the central directory of `src`, and each local header (to
    /// find where data starts).
    pub fn new(src: R) -> Result<Self, ZipError> {
        let layout = find_layout(&src)?;
        let entries = read_central_directory(&src, &layout)?;
        Ok(ZipArchive {
            src,
            layout,
            entries,
        })
    }

    /// The regions of the file.
    pub fn layout(&self) -> &ZipLayout {
        &self.layout
    }

    /// The entries, in central directory order.
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// The entry named `name`.
    pub fn entry(&self, name: &str) -> Option<&ZipEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The underlying source.
    pub fn source(&self) -> &R {
        &self.src
    }

    /// Gives back the underlying source.
    pub fn into_source(self) -> R {
        self.src
    }

    /// A reader over the entry's bytes as stored (compressed for deflated entries).
    pub fn raw_reader(&self, entry: &ZipEntry) -> RangeReader<'_, R> {
        RangeReader::new(
            &self.src,
            entry.data_offset,
            entry.data_offset + entry.compressed_len,
        )
    }

    /// Reads `len` bytes at `offset` of the archive.
    pub fn read_range(&self, offset: u64, len: usize) -> Result<Vec<u8>, ZipError> {
        let mut buf = vec![0u8; len];
        self.src.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }

    /// A reader over the entry's uncompressed bytes. The CRC is not checked: use
    /// [`ZipArchive::read`] or check it yourself when it matters.
    pub fn reader(&self, entry: &ZipEntry) -> Result<Box<dyn Read + '_>, ZipError> {
        let raw = self.raw_reader(entry);
        match entry.method {
            METHOD_STORED => Ok(Box::new(raw)),
            METHOD_DEFLATED => Ok(Box::new(
                flate2::read::DeflateDecoder::new(io::BufReader::with_capacity(64 * 1024, raw))
                    .take(entry.uncompressed_len),
            )),
            m => Err(ZipError::Unsupported {
                entry: entry.name.clone(),
                feature: format!("compression method {m}"),
            }),
        }
    }

    /// The entry's uncompressed bytes, CRC-checked.
    pub fn read(&self, entry: &ZipEntry) -> Result<Vec<u8>, ZipError> {
        let cap = usize::try_from(entry.uncompressed_len.min(1 << 30)).unwrap_or(0);
        let mut out = Vec::with_capacity(cap);
        self.reader(entry)?
            .read_to_end(&mut out)
            .map_err(|e| ZipError::CorruptEntry {
                entry: entry.name.clone(),
                reason: format!("cannot inflate: {e}"),
            })?;
        if out.len() as u64 != entry.uncompressed_len {
            return Err(ZipError::CorruptEntry {
                entry: entry.name.clone(),
                reason: format!(
                    "{} bytes once uncompressed, the directory says {}",
                    out.len(),
                    entry.uncompressed_len
                ),
            });
        }
        if super::crc32(&out) != entry.crc32 {
            return Err(ZipError::CorruptEntry {
                entry: entry.name.clone(),
                reason: "CRC-32 mismatch".into(),
            });
        }
        Ok(out)
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Finds the end records: the EOCD is searched backwards through the last 64 KiB + 22 bytes
/// (its comment can be up to 65535 bytes); a candidate counts only when its comment length
/// reaches exactly the end of the file.
fn find_layout<R: ReadAt + ?Sized>(src: &R) -> Result<ZipLayout, ZipError> {
    let file_len = src.len()?;
    if file_len < EOCD_MIN {
        return Err(ZipError::NoEndOfCentralDirectory);
    }
    let tail_len = file_len.min(EOCD_MIN + 0xffff);
    let tail_start = file_len - tail_len;
    let mut tail = vec![0u8; tail_len as usize];
    src.read_exact_at(&mut tail, tail_start)?;
    let mut pos = tail.len() - EOCD_MIN as usize;
    let eocd_rel = loop {
        if u32_at(&tail, pos) == EOCD_SIG {
            let comment = u16_at(&tail, pos + 20) as usize;
            if pos + EOCD_MIN as usize + comment == tail.len() {
                break pos;
            }
        }
        if pos == 0 {
            return Err(ZipError::NoEndOfCentralDirectory);
        }
        pos -= 1;
    };
    let eocd_offset = tail_start + eocd_rel as u64;
    let e = &tail[eocd_rel..];
    if u16_at(e, 4) != 0 || u16_at(e, 6) != 0 {
        return Err(ZipError::Unsupported {
            entry: "archive".into(),
            feature: "multi-disk archives".into(),
        });
    }
    let mut count = u16_at(e, 10) as u64;
    let mut cd_size = u32_at(e, 12) as u64;
    let mut cd_offset = u32_at(e, 16) as u64;
    let mut end_offset = eocd_offset;
    let mut zip64 = false;

    if eocd_offset >= 20 {
        let mut loc = [0u8; 20];
        src.read_exact_at(&mut loc, eocd_offset - 20)?;
        if u32_at(&loc, 0) == ZIP64_LOCATOR_SIG {
            let z64 = u64_at(&loc, 8);
            let mut rec = [0u8; 56];
            if z64.checked_add(56).is_none_or(|e| e > eocd_offset - 20) {
                return Err(ZipError::Corrupt(
                    "Zip64 locator points outside the file".into(),
                ));
            }
            src.read_exact_at(&mut rec, z64)?;
            if u32_at(&rec, 0) != ZIP64_EOCD_SIG {
                return Err(ZipError::Corrupt("Zip64 end record missing".into()));
            }
            count = u64_at(&rec, 32);
            cd_size = u64_at(&rec, 40);
            cd_offset = u64_at(&rec, 48);
            end_offset = z64;
            zip64 = true;
        }
    }
    if cd_offset
        .checked_add(cd_size)
        .is_none_or(|end| end != end_offset)
    {
        return Err(ZipError::Corrupt(format!(
            "central directory at {cd_offset} of {cd_size} bytes does not end where the end record starts ({end_offset})"
        )));
    }
    Ok(ZipLayout {
        cd_offset,
        cd_size,
        end_offset,
        eocd_offset,
        entry_count: count,
        file_len,
        zip64,
    })
}

fn read_central_directory<R: ReadAt + ?Sized>(
    src: &R,
    layout: &ZipLayout,
) -> Result<Vec<ZipEntry>, ZipError> {
    let cd_len = usize::try_from(layout.cd_size)
        .map_err(|_| ZipError::Corrupt("central directory too large".into()))?;
    let mut cd = vec![0u8; cd_len];
    src.read_exact_at(&mut cd, layout.cd_offset)?;
    let mut entries = Vec::with_capacity(layout.entry_count.min(1 << 20) as usize);
    let mut pos = 0usize;
    while pos < cd.len() {
        if pos + 46 > cd.len() || u32_at(&cd, pos) != CENTRAL_SIG {
            return Err(ZipError::Corrupt(format!(
                "bad central directory record at offset {}",
                layout.cd_offset + pos as u64
            )));
        }
        let r = &cd[pos..];
        let flags = u16_at(r, 8);
        let method = u16_at(r, 10);
        let crc32 = u32_at(r, 16);
        let mut compressed_len = u32_at(r, 20) as u64;
        let mut uncompressed_len = u32_at(r, 24) as u64;
        let name_len = u16_at(r, 28) as usize;
        let extra_len = u16_at(r, 30) as usize;
        let comment_len = u16_at(r, 32) as usize;
        let mut local_header_offset = u32_at(r, 42) as u64;
        let rec_len = 46 + name_len + extra_len + comment_len;
        if pos + rec_len > cd.len() {
            return Err(ZipError::Corrupt(format!(
                "central directory record at offset {} runs past the directory",
                layout.cd_offset + pos as u64
            )));
        }
        let name = String::from_utf8_lossy(&r[46..46 + name_len]).into_owned();
        let extra = &r[46 + name_len..46 + name_len + extra_len];
        // Zip64 extended information: fields present only for the values saturated at 0xffffffff.
        let mut x = 0usize;
        while x + 4 <= extra.len() {
            let id = u16_at(extra, x);
            let size = u16_at(extra, x + 2) as usize;
            let body = &extra[x + 4..(x + 4 + size).min(extra.len())];
            if id == 0x0001 {
                let mut b = 0usize;
                let mut next = |v: &mut u64| {
                    if *v == 0xffff_ffff && b + 8 <= body.len() {
                        *v = u64_at(body, b);
                        b += 8;
                    }
                };
                next(&mut uncompressed_len);
                next(&mut compressed_len);
                next(&mut local_header_offset);
            }
            x += 4 + size;
        }
        if flags & 1 != 0 {
            return Err(ZipError::Unsupported {
                entry: name,
                feature: "encrypted entries".into(),
            });
        }
        let mut lh = [0u8; 30];
        if local_header_offset
            .checked_add(30)
            .is_none_or(|e| e > layout.cd_offset)
        {
            return Err(ZipError::CorruptEntry {
                entry: name,
                reason: format!("local header offset {local_header_offset} is past the entries"),
            });
        }
        src.read_exact_at(&mut lh, local_header_offset)?;
        if u32_at(&lh, 0) != LOCAL_SIG {
            return Err(ZipError::CorruptEntry {
                entry: name,
                reason: format!("no local header at offset {local_header_offset}"),
            });
        }
        let data_offset =
            local_header_offset + 30 + u16_at(&lh, 26) as u64 + u16_at(&lh, 28) as u64;
        if data_offset
            .checked_add(compressed_len)
            .is_none_or(|e| e > layout.cd_offset)
        {
            return Err(ZipError::CorruptEntry {
                entry: name,
                reason: "data runs past the start of the central directory".into(),
            });
        }
        entries.push(ZipEntry {
            name,
            method,
            flags,
            crc32,
            compressed_len,
            uncompressed_len,
            local_header_offset,
            data_offset,
            central_offset: layout.cd_offset + pos as u64,
        });
        pos += rec_len;
    }
    Ok(entries)
}
