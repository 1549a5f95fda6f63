//! Our own zip reader and writer.
//!
//! Signing and packaging need raw control that general-purpose zip crates do not give: the
//! exact offset where each entry's data starts (zipalign pads the local header's extra field so
//! stored data lands on 4-byte or 16 KiB boundaries), the byte ranges of the entries section,
//! the central directory and the end-of-central-directory record (APK Signature Scheme v2/v3
//! digest exactly those three regions and insert the APK Signing Block between the first two),
//! and byte-identical output for identical input (fixed timestamps, no extra fields but
//! alignment padding, entries in the order added). So this is core code, not a wrapper.
//!
//! - [`ZipWriter`] writes stored, deflated, precompressed and raw-copied entries.
//! - [`ZipArchive`] lists entries with their offsets and gives raw access to their bytes.

pub mod align;
mod read;
mod write;

pub use read::{RangeReader, ReadAt, ZipArchive, ZipEntry, ZipLayout};
pub use write::{RawEntry, ZipWriter};

use std::io::Write;

/// Compression method 0: the bytes are stored as they are.
pub const METHOD_STORED: u16 = 0;
/// Compression method 8: raw deflate.
pub const METHOD_DEFLATED: u16 = 8;

/// The DOS date written on every entry: 1981-01-01, the value aapt2 and bundletool use, so
/// the same inputs give the same bytes whatever the clock says.
pub const DOS_DATE: u16 = ((1981 - 1980) << 9) | (1 << 5) | 1;
/// The DOS time written on every entry: 01:01:02 (two-second units), as aapt2 does.
pub const DOS_TIME: u16 = (1 << 11) | (1 << 5) | 1;

/// The extra-field header id Android's tools use for alignment padding (apksigner, zipalign
/// -p): two bytes of alignment followed by zero padding.
pub const ALIGNMENT_EXTRA_ID: u16 = 0xd935;

/// Alignment of the data of native libraries stored uncompressed, so the loader can map them
/// straight from the APK on devices with 16 KiB pages (Play requires it for targetSdk 35+).
pub const SO_ALIGNMENT: u64 = 16384;
/// Alignment of every other stored entry (what `zipalign 4` does), so resources can be mapped.
pub const DEFAULT_ALIGNMENT: u64 = 4;

/// Errors of the zip layer. They name the entry (or the offset) at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZipError {
    /// Reading or writing failed.
    #[error("zip I/O failed: {0}")]
    Io(#[from] std::io::Error),

    /// The archive has no end-of-central-directory record.
    #[error("not a zip archive: no end-of-central-directory record found; check that the file is a complete APK/AAB/zip")]
    NoEndOfCentralDirectory,

    /// A structure is damaged or inconsistent.
    #[error("corrupt zip archive: {0}; rebuild the file")]
    Corrupt(String),

    /// An entry is damaged (bad local header, CRC mismatch, bad deflate stream).
    #[error("corrupt zip entry `{entry}`: {reason}; rebuild the file")]
    CorruptEntry {
        /// The entry's name.
        entry: String,
        /// What is wrong.
        reason: String,
    },

    /// The same name was added twice.
    #[error("duplicate zip entry `{0}`: each name may appear once")]
    DuplicateEntry(String),

    /// A name that is empty, absolute, too long or contains `..` or a backslash.
    #[error("invalid zip entry name `{0}`: use a relative path with `/` separators, no `..`, under 65535 bytes")]
    InvalidName(String),

    /// A feature we do not read (encryption, multi-disk archives, unknown compression).
    #[error("unsupported zip feature in `{entry}`: {feature}")]
    Unsupported {
        /// The entry (or "archive").
        entry: String,
        /// What is not supported.
        feature: String,
    },
}

/// The data alignment a stored entry named `name` needs: 16384 for `.so` native libraries,
/// 4 for everything else.
pub fn required_alignment(name: &str) -> u64 {
    if name.ends_with(".so") {
        SO_ALIGNMENT
    } else {
        DEFAULT_ALIGNMENT
    }
}

/// Deflates `data` (raw deflate, level 6, deterministic) and returns its CRC-32 and the
/// compressed bytes. Callers may run this on many threads and hand the results to
/// [`ZipWriter::add_precompressed`].
pub fn deflate(data: &[u8]) -> (u32, Vec<u8>) {
    let crc = crc32(data);
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(data.len() / 2 + 64),
        flate2::Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let out: Vec<u8> = enc
        .write_all(data)
        .and_then(|()| enc.finish())
        .unwrap_or_default();
    (crc, out)
}

/// The CRC-32 (IEEE) of `data`, as zip records it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// Checks that `name` is a safe, relative zip entry name.
pub(crate) fn validate_name(name: &str) -> Result<(), ZipError> {
    let bad = name.is_empty()
        || name.len() > u16::MAX as usize
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|c| c == "..");
    if bad {
        Err(ZipError::InvalidName(name.to_owned()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
