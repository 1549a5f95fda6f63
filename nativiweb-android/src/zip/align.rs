//! zipalign: stored entries on 4-byte boundaries, `.so` files on 16 KiB, `resources.arsc`
//! stored (Android 11+ refuses to install a targetSdk 30+ APK whose `resources.arsc` is
//! compressed or unaligned), so the platform can map them straight from the APK.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::{Result, SignError};
use crate::zip::{
    required_alignment, RawEntry, ReadAt, ZipArchive, ZipEntry, ZipWriter, METHOD_STORED,
};

/// The entry name whose storage Android checks for targetSdk 30+.
pub const RESOURCES_ARSC: &str = "resources.arsc";

/// An entry that is not stored the way Android wants it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlignmentError {
    /// A stored entry whose data does not start on its alignment.
    #[error("{}: entry `{entry}` starts at offset {offset}, which is not a multiple of {required}; run `nativiweb sign` (it aligns) or zipalign -P 16 4", path.display())]
    Unaligned {
        /// The archive.
        path: PathBuf,
        /// The entry at fault.
        entry: String,
        /// Where its data starts.
        offset: u64,
        /// The alignment it needs.
        required: u64,
    },
    /// `resources.arsc` is compressed.
    #[error("{}: `resources.arsc` is compressed; Android 11+ refuses it for targetSdk 30+: store it uncompressed (nativiweb's aligner does)", path.display())]
    CompressedResources {
        /// The archive.
        path: PathBuf,
    },
}

/// The first alignment problem among `entries`, if any.
pub fn find_misalignment(path: &Path, entries: &[ZipEntry]) -> Option<AlignmentError> {
    for e in entries {
        if e.name == RESOURCES_ARSC && e.method != METHOD_STORED {
            return Some(AlignmentError::CompressedResources {
                path: path.to_owned(),
            });
        }
        if e.method == METHOD_STORED && !e.is_dir() {
            let required = required_alignment(&e.name);
            if e.data_offset % required != 0 {
                return Some(AlignmentError::Unaligned {
                    path: path.to_owned(),
                    entry: e.name.clone(),
                    offset: e.data_offset,
                    required,
                });
            }
        }
    }
    None
}

/// Checks that every stored entry of the zip at `path` is aligned (4 bytes, 16 KiB for `.so`)
/// and that `resources.arsc` is stored. The error names the first entry that is off.
pub fn check_alignment(path: &Path) -> Result<()> {
    let z = ZipArchive::open(path).map_err(|e| SignError::zip(path, e))?;
    match find_misalignment(path, z.entries()) {
        Some(e) => Err(SignError::Alignment(e)),
        None => Ok(()),
    }
}

/// Copies the entries of `src` into `w`, aligned, skipping those `skip` selects. Entry bytes
/// are copied as they are (no recompression), except a compressed `resources.arsc`, which is
/// inflated and stored.
pub(crate) fn copy_aligned<R: ReadAt, W: std::io::Write>(
    path: &Path,
    src: &ZipArchive<R>,
    w: &mut ZipWriter<W>,
    skip: &dyn Fn(&ZipEntry) -> bool,
) -> Result<()> {
    for e in src.entries() {
        if skip(e) {
            continue;
        }
        if e.name == RESOURCES_ARSC && e.method != METHOD_STORED {
            let data = src.read(e).map_err(|err| SignError::zip(path, err))?;
            w.add_stored(&e.name, &data)
                .map_err(|err| SignError::zip(path, err))?;
            continue;
        }
        let raw = RawEntry {
            name: e.name.clone(),
            method: e.method,
            crc32: e.crc32,
            compressed_len: e.compressed_len,
            uncompressed_len: e.uncompressed_len,
            alignment: required_alignment(&e.name),
        };
        let mut r = src.raw_reader(e);
        w.add_raw_from(&raw, &mut r)
            .map_err(|err| SignError::zip(path, err))?;
    }
    Ok(())
}

/// zipalign: writes an aligned copy of the zip at `input` to `output` (entries in the same
/// order, bytes copied, `resources.arsc` stored). Any APK signature is dropped, since
/// alignment changes the signed bytes: sign after aligning (`sign` does both).
pub fn zipalign(input: &Path, output: &Path) -> Result<()> {
    let src = ZipArchive::open(input).map_err(|e| SignError::zip(input, e))?;
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".zipalign-")
        .tempfile_in(dir)
        .map_err(|e| SignError::io("creating temporary file in", dir, e))?;
    let file: &File = tmp.as_file();
    let mut w = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
    copy_aligned(input, &src, &mut w, &|_| false)?;
    w.finish().map_err(|e| SignError::zip(output, e))?;
    tmp.persist(output)
        .map_err(|e| SignError::io("renaming into", output, e.error))?;
    Ok(())
}
