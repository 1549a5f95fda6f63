//! Signing an APK in place: only the file's end is rewritten.
//!
//! An aligned APK that needs no v1 signature keeps its entries byte for byte when signed, so
//! signing it in place is one hashing pass over the entries and one write of the end of the
//! file (the APK Signing Block, the central directory and the end record, starting where the
//! entries end), then a truncation to the new end and an `fsync`. An old signing block is
//! overwritten: the entries end where it started.
//!
//! The tradeoff against writing a new file and renaming it: the APK is modified where it is,
//! so a crash (power loss, `kill -9`) during the few-kilobyte write can leave it with intact
//! entries but a damaged end; rebuild or re-sign it from the unsigned APK then. Everything
//! that can fail in the usual way (reading and hashing, the signature itself, a file changed
//! meanwhile) fails before the first byte is written, and leaves the file untouched; an error
//! while writing (a full disk, an I/O error) writes the original end back, which the bytes
//! held in memory allow. Hard links and symbolic links to the file see the signed APK, and the
//! file keeps its owner and permissions. A file we may not write is signed through a new file
//! and a rename instead, as an APK that has to be rewritten always is.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use crate::error::{Result, SignError};

/// What the in-place writer needs of a file: a trait so tests can make each step fail.
pub(crate) trait TailFile {
    /// Writes all of `buf` at `offset`.
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Truncates or extends to `len` bytes.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Flushes the data (and the length) to the disk.
    fn sync_data(&self) -> io::Result<()>;
    /// The current length.
    fn len(&self) -> io::Result<u64>;
}

impl TailFile for File {
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(self, buf, offset)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

/// True when `input` and `output` are the same path once symbolic links, `.` and `..` are
/// resolved. Two hard links of one file are not the same path: writing to the other name
/// replaces it with a new file and leaves the input as it was, as it always did.
pub(crate) fn same_path(input: &Path, output: &Path) -> bool {
    match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Opens `path` for reading and writing; `None` when we may not write it (a read-only file),
/// so the caller signs through a new file and a rename instead.
pub(crate) fn open_for_update(path: &Path) -> Result<Option<File>> {
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(None),
        Err(e) => Err(SignError::io("opening for writing", path, e)),
    }
}

/// Replaces the bytes of `file` (at `path`) from `at` to its end with `tail`, truncates it to
/// the new end and syncs it.
///
/// `old_tail` is what the file holds from `at` to its end now; a file of another length has
/// changed since it was read, and is left alone. When writing or truncating fails, `old_tail`
/// is written back and the old length restored, so the file ends as it began; when even that
/// fails the error says the end is damaged.
pub(crate) fn replace_tail<F: TailFile>(
    file: &F,
    path: &Path,
    at: u64,
    old_tail: &[u8],
    tail: &[u8],
) -> Result<()> {
    let old_len = at + old_tail.len() as u64;
    let len = file
        .len()
        .map_err(|e| SignError::io("reading the length of", path, e))?;
    if len != old_len {
        return Err(SignError::bad(
            path,
            format!(
                "the file changed while being signed ({old_len} bytes when read, {len} now); sign it again"
            ),
        ));
    }
    let written = file
        .write_all_at(tail, at)
        .and_then(|()| file.set_len(at + tail.len() as u64));
    if let Err(e) = written {
        let restored = file
            .write_all_at(old_tail, at)
            .and_then(|()| file.set_len(old_len))
            .and_then(|()| file.sync_data());
        return Err(match restored {
            Ok(()) => SignError::io(
                "writing the signature into (the file is unchanged)",
                path,
                e,
            ),
            Err(r) => SignError::bad(
                path,
                format!(
                    "writing the signature failed ({e}), and so did writing the original end back \
                     ({r}): the entries are intact but the central directory is damaged; rebuild \
                     the APK"
                ),
            ),
        });
    }
    file.sync_data()
        .map_err(|e| SignError::io("syncing", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    /// A file in memory whose `fail_at`-th write, truncation or sync (counting from 0) fails,
    /// the write after storing half its bytes.
    struct Flaky {
        bytes: RefCell<Vec<u8>>,
        ops: Cell<usize>,
        fail_at: usize,
    }

    impl Flaky {
        fn new(bytes: &[u8], fail_at: usize) -> Self {
            Flaky {
                bytes: RefCell::new(bytes.to_vec()),
                ops: Cell::new(0),
                fail_at,
            }
        }
        fn step(&self) -> bool {
            let n = self.ops.get();
            self.ops.set(n + 1);
            n == self.fail_at
        }
    }

    impl TailFile for Flaky {
        fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
            let fail = self.step();
            let buf = if fail { &buf[..buf.len() / 2] } else { buf };
            let mut b = self.bytes.borrow_mut();
            let end = offset as usize + buf.len();
            if b.len() < end {
                b.resize(end, 0);
            }
            b[offset as usize..end].copy_from_slice(buf);
            if fail {
                return Err(io::Error::other("disk full"));
            }
            Ok(())
        }
        fn set_len(&self, len: u64) -> io::Result<()> {
            if self.step() {
                return Err(io::Error::other("cannot truncate"));
            }
            self.bytes.borrow_mut().resize(len as usize, 0);
            Ok(())
        }
        fn sync_data(&self) -> io::Result<()> {
            if self.step() {
                return Err(io::Error::other("I/O error"));
            }
            Ok(())
        }
        fn len(&self) -> io::Result<u64> {
            Ok(self.bytes.borrow().len() as u64)
        }
    }

    const ORIGINAL: &[u8] = b"entries....OLD-CENTRAL-DIRECTORY-AND-END";
    const AT: u64 = 11;

    #[test]
    fn replaces_the_tail_longer_or_shorter() {
        for tail in [
            &b"padding+BLOCK+CD+EOCD, longer than before: 0123456789"[..],
            b"short",
        ] {
            let f = Flaky::new(ORIGINAL, usize::MAX);
            replace_tail(&f, Path::new("x.apk"), AT, &ORIGINAL[11..], tail).unwrap();
            let mut want = b"entries....".to_vec();
            want.extend_from_slice(tail);
            assert_eq!(*f.bytes.borrow(), want);
        }
    }

    #[test]
    fn a_failed_write_or_truncation_restores_the_file() {
        let tail = b"padding+BLOCK+CD+EOCD, longer than before: 0123456789";
        // 0: the write fails half-way; 1: the truncation fails after the whole write.
        for fail_at in [0, 1] {
            let f = Flaky::new(ORIGINAL, fail_at);
            let e = replace_tail(&f, Path::new("x.apk"), AT, &ORIGINAL[11..], tail).unwrap_err();
            assert!(e.to_string().contains("x.apk"), "{e}");
            assert!(e.to_string().contains("unchanged"), "{e}");
            assert_eq!(*f.bytes.borrow(), ORIGINAL, "fail_at={fail_at}");
        }
    }

    #[test]
    fn a_failed_restore_says_the_end_is_damaged() {
        // The write fails, then writing the old end back fails too.
        let f = Flaky::new(ORIGINAL, 0);
        struct Twice(Flaky);
        impl TailFile for Twice {
            fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
                self.0.write_all_at(buf, offset)?;
                Err(io::Error::other("still failing"))
            }
            fn set_len(&self, len: u64) -> io::Result<()> {
                self.0.set_len(len)
            }
            fn sync_data(&self) -> io::Result<()> {
                self.0.sync_data()
            }
            fn len(&self) -> io::Result<u64> {
                self.0.len()
            }
        }
        let e = replace_tail(
            &Twice(f),
            Path::new("x.apk"),
            AT,
            &ORIGINAL[11..],
            b"new end",
        )
        .unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
        assert!(e.to_string().contains("x.apk"), "{e}");
    }

    #[test]
    fn a_file_of_another_length_is_left_alone() {
        let f = Flaky::new(ORIGINAL, usize::MAX);
        let e = replace_tail(&f, Path::new("x.apk"), AT, &ORIGINAL[12..], b"new").unwrap_err();
        assert!(e.to_string().contains("changed while being signed"), "{e}");
        assert_eq!(*f.bytes.borrow(), ORIGINAL);
        assert_eq!(f.ops.get(), 0, "nothing was written");
    }

    #[test]
    fn a_failed_sync_is_an_error() {
        // write (0), truncate (1), sync (2).
        let f = Flaky::new(ORIGINAL, 2);
        let e = replace_tail(&f, Path::new("x.apk"), AT, &ORIGINAL[11..], b"new").unwrap_err();
        assert!(e.to_string().contains("syncing x.apk"), "{e}");
    }
}
