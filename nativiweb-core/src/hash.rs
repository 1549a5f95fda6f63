//! Streaming SHA-256 of files and streams, several files in parallel, and a writer that hashes
//! what it copies.
//!
//! Every artifact nativiweb produces or stores is identified by its SHA-256, so hashing sits on
//! the hot path of every build (an AAB or IPA is often hundreds of MiB). Three things make it
//! fast:
//!
//! - **SHA extensions.** `sha2` 0.10 checks at run time (via `cpufeatures`) whether the CPU has
//!   the x86 SHA extensions (`sha_ni`) and uses them when it does; otherwise it falls back to
//!   portable code. [`hardware_accelerated`] reports which path this machine takes.
//! - **Large buffers.** Files are read in [`BUFFER_SIZE`] chunks, so a 1 GiB file costs a few
//!   hundred `read` calls instead of a hundred thousand.
//! - **Overlapped reads.** For files of at least [`OVERLAP_THRESHOLD`] bytes a reader thread fills
//!   one buffer while the calling thread hashes the other, so the time is close to the hashing
//!   time alone rather than reading plus hashing.
//!
//! [`sha256_files`] hashes several files at once on up to `available_parallelism` threads, and
//! [`HashingWriter`] hashes bytes while they are written elsewhere (the local sink uses it to
//! hash an artifact while copying it, reading it once).
//!
//! ```
//! use std::io::Write;
//! use nativiweb_core::hash::{sha256_reader, HashingWriter};
//!
//! let digest = sha256_reader(&b"abc"[..])?;
//! assert_eq!(digest.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
//!
//! let mut w = HashingWriter::new(Vec::new());
//! w.write_all(b"abc")?;
//! let (copy, same) = w.finish();
//! assert_eq!((copy.as_slice(), same), (&b"abc"[..], digest));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Size of each read buffer. Large enough that syscall overhead vanishes next to hashing,
/// small enough that two of them stay cheap to allocate per file.
pub const BUFFER_SIZE: usize = 1 << 20;

/// Files at least this large are hashed with a separate reader thread (two buffers: one being
/// filled, one being hashed). Smaller files are read and hashed on the calling thread, where a
/// thread spawn would cost more than it saves.
pub const OVERLAP_THRESHOLD: u64 = 8 << 20;

/// The size and SHA-256 of some bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileDigest {
    /// How many bytes were hashed.
    pub size: u64,
    /// Their SHA-256, lowercase hex (64 characters).
    pub sha256: String,
}

/// Why a file could not be hashed. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The file could not be opened (missing, no permission).
    #[error("cannot open {path}: {source}; check that the file exists and is readable")]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The path is a directory or another non-regular file that has no single digest.
    #[error("{path} is a directory, not a file; pass the files inside it instead")]
    IsADirectory {
        /// The path.
        path: PathBuf,
    },
    /// Reading failed part way through.
    #[error("error reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The blocking task that hashed the file died (it panicked or the runtime shut down).
    #[error("hashing {path} was interrupted: the worker task did not finish ({reason})")]
    Interrupted {
        /// The file.
        path: PathBuf,
        /// What the runtime reported.
        reason: String,
    },
}

impl HashError {
    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            HashError::Open { path, .. }
            | HashError::IsADirectory { path }
            | HashError::Read { path, .. }
            | HashError::Interrupted { path, .. } => path,
        }
    }

    /// True when the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, HashError::Open { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

/// True when this CPU has the SHA extensions that `sha2` uses at run time (x86 `sha_ni` with
/// SSE2/SSSE3/SSE4.1 — the same test `sha2` makes — or the ARMv8 SHA2 extension). Reported so
/// benchmarks and diagnostics can say which code path produced their figures.
pub fn hardware_accelerated() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse2")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("sha2")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// SHA-256 of a byte slice, lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Hashes everything `reader` yields until end of stream, in [`BUFFER_SIZE`] chunks.
///
/// Interrupted reads are retried; any other read error is returned as is (the reader has no
/// path to name, so callers add it).
pub fn sha256_reader<R: Read>(mut reader: R) -> io::Result<FileDigest> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUFFER_SIZE];
    let mut size = 0u64;
    loop {
        let n = fill(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(finish(hasher, size))
}

/// Hashes the file at `path`.
///
/// Large files (at least [`OVERLAP_THRESHOLD`]) are read on a helper thread while this thread
/// hashes, so the cost is close to the hashing alone. Errors name the path.
pub fn sha256_file(path: &Path) -> Result<FileDigest, HashError> {
    sha256_file_with_progress(path, &mut |_| {})
}

/// Like [`sha256_file`], calling `progress` with the number of bytes just hashed after each
/// chunk (so a caller can drive a progress bar: the deltas add up to the file's size).
pub fn sha256_file_with_progress(
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<FileDigest, HashError> {
    let (file, len) = open_regular(path)?;
    if len >= OVERLAP_THRESHOLD {
        hash_overlapped(file, path, progress)
    } else {
        hash_serial(file, path, progress)
    }
}

/// Hashes several files in parallel on up to `available_parallelism` threads (never more
/// threads than files). Results come back in the order of `paths`; one file's error does not
/// stop the others.
pub fn sha256_files(paths: &[PathBuf]) -> Vec<Result<FileDigest, HashError>> {
    sha256_files_with_progress(paths, &|_| {})
}

/// Like [`sha256_files`], calling `progress` (from any worker thread) with the number of bytes
/// just hashed, so the deltas add up to the total size of all files.
pub fn sha256_files_with_progress(
    paths: &[PathBuf],
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Result<FileDigest, HashError>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(paths.len());
    if workers <= 1 {
        // One worker: let sha256_file overlap reads with hashing instead.
        return paths
            .iter()
            .map(|p| sha256_file_with_progress(p, &mut |n| progress(n)))
            .collect();
    }
    // Several workers already keep the cores busy, so each hashes serially (no reader thread:
    // that would put two threads per core).
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<FileDigest, HashError>>> =
        (0..paths.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else { break };
                        let result = open_regular(path)
                            .and_then(|(file, _)| hash_serial(file, path, &mut |n| progress(n)));
                        done.push((i, result));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            // A worker only panics if hashing itself panicked; its files get an error below.
            if let Ok(done) = handle.join() {
                for (i, result) in done {
                    results[i] = Some(result);
                }
            }
        }
    });
    results
        .into_iter()
        .zip(paths)
        .map(|(r, path)| {
            r.unwrap_or_else(|| {
                Err(HashError::Interrupted {
                    path: path.clone(),
                    reason: "the hashing thread panicked".to_owned(),
                })
            })
        })
        .collect()
}

/// [`sha256_file`] on tokio's blocking pool, for async callers.
pub async fn sha256_file_async(path: impl Into<PathBuf>) -> Result<FileDigest, HashError> {
    let path = path.into();
    let for_task = path.clone();
    tokio::task::spawn_blocking(move || sha256_file(&for_task))
        .await
        .unwrap_or_else(|e| {
            Err(HashError::Interrupted {
                path,
                reason: e.to_string(),
            })
        })
}

/// [`sha256_files`] on tokio's blocking pool, for async callers.
pub async fn sha256_files_async(paths: Vec<PathBuf>) -> Vec<Result<FileDigest, HashError>> {
    let for_task = paths.clone();
    match tokio::task::spawn_blocking(move || sha256_files(&for_task)).await {
        Ok(results) => results,
        Err(e) => paths
            .into_iter()
            .map(|path| {
                Err(HashError::Interrupted {
                    path,
                    reason: e.to_string(),
                })
            })
            .collect(),
    }
}

/// A writer that hashes and counts every byte it passes on to the inner writer.
///
/// Only bytes the inner writer accepted are hashed, so after a short write the digest still
/// matches what was actually written.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably (writing to it directly bypasses the hash).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns the inner writer and the digest of everything written through this one.
    /// Does not flush: call `flush` first if the inner writer buffers.
    pub fn finish(self) -> (W, FileDigest) {
        (self.inner, finish(self.hasher, self.size))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn finish(hasher: Sha256, size: u64) -> FileDigest {
    FileDigest {
        size,
        sha256: hex::encode(hasher.finalize()),
    }
}

/// Opens `path` for reading and checks that it is not a directory; returns the file and its
/// length (a hint only: the file may change while it is read, and the digest covers what was
/// actually read).
fn open_regular(path: &Path) -> Result<(File, u64), HashError> {
    let file = File::open(path).map_err(|source| HashError::Open {
        path: path.to_owned(),
        source,
    })?;
    let meta = file.metadata().map_err(|source| HashError::Open {
        path: path.to_owned(),
        source,
    })?;
    if meta.is_dir() {
        return Err(HashError::IsADirectory {
            path: path.to_owned(),
        });
    }
    Ok((file, meta.len()))
}

/// Reads until `buf` is full or the stream ends; returns how many bytes it holds.
fn fill<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn hash_serial(
    mut file: File,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<FileDigest, HashError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUFFER_SIZE];
    let mut size = 0u64;
    loop {
        let n = fill(&mut file, &mut buf).map_err(|source| HashError::Read {
            path: path.to_owned(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
        progress(n as u64);
    }
    Ok(finish(hasher, size))
}

/// Two buffers circulate between a reader thread (fills them) and this thread (hashes them).
fn hash_overlapped(
    mut file: File,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<FileDigest, HashError> {
    const BUFFERS: usize = 2;
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(BUFFERS);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
    for _ in 0..BUFFERS {
        // Cannot fail: the channel has room for every buffer and its receiver is alive.
        let _ = empty_tx.send(vec![0u8; BUFFER_SIZE]);
    }
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // Ends when the file is read, on a read error, or when the hasher hangs up.
            while let Ok(mut buf) = empty_rx.recv() {
                match fill(&mut file, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if full_tx.send(Ok((buf, n))).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        // The loop ends when the reader drops its sender (end of file or error).
        for chunk in full_rx.iter() {
            let (buf, n) = chunk.map_err(|source| HashError::Read {
                path: path.to_owned(),
                source,
            })?;
            hasher.update(&buf[..n]);
            size += n as u64;
            progress(n as u64);
            // The reader may have finished already; then the buffer is simply dropped.
            let _ = empty_tx.send(buf);
        }
        Ok(finish(hasher, size))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_handles_short_reads() {
        /// A reader that returns at most 3 bytes per call.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(3).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let data: Vec<u8> = (0..100u8).collect();
        let mut buf = [0u8; 64];
        let mut r = Trickle(&data);
        assert_eq!(fill(&mut r, &mut buf).unwrap(), 64);
        assert_eq!(&buf[..], &data[..64]);
        assert_eq!(fill(&mut r, &mut buf).unwrap(), 36);
        assert_eq!(fill(&mut r, &mut buf).unwrap(), 0);
    }
}
