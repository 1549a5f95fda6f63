//! The chunked content digest of APK Signature Scheme v2/v3, computed in parallel and
//! streaming.
//!
//! The signed content is three sections: the zip entries (everything before the APK Signing
//! Block), the central directory, and the end-of-central-directory record (with its
//! central-directory offset pointing at the signing block). Each section is cut into 1 MiB
//! chunks (the last one shorter); each chunk's digest is `H(0xa5 || u32le len || chunk)`, and
//! the content digest is `H(0x5a || u32le count || chunk digests...)`.
//!
//! Chunks are independent, so every core hashes its own: workers take chunk numbers from an
//! atomic counter and read their chunk with positioned reads (`pread`), 64 KiB at a time, into
//! their own buffer, hashing each piece as it arrives. The piece is still in the core's cache
//! when it is hashed: reading the whole 1 MiB chunk first made the kernel's copy into the
//! buffer cost nearly as much as the hashing (the buffer does not fit the cache, so every byte
//! went out to memory and back). Memory stays at one small buffer per core whatever the APK's
//! size. We read rather than memory-map on purpose: pages of a mapping count in the process's
//! resident set, so mapping a 1 GB APK would make the process look (and, under memory
//! pressure, be) 1 GB large.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256, Sha512};

use crate::zip::ReadAt;

/// The chunk size the schemes use.
pub const CHUNK_SIZE: u64 = 1024 * 1024;
/// How much of a chunk is read at once: small enough that the bytes read are still in the
/// core's cache when hashed.
const READ_SIZE: usize = 64 * 1024;

/// The digest a content digest is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentDigest {
    /// Chunked SHA-256 (signature algorithms 0x0103, 0x0201).
    Sha256,
    /// Chunked SHA-512 (signature algorithms 0x0104, 0x0202).
    Sha512,
}

impl ContentDigest {
    /// A hasher for one chunk of `len` bytes, its prefix already fed.
    fn chunk_hasher(self, len: usize) -> ChunkHasher {
        let mut prefix = [0xa5u8; 5];
        prefix[1..].copy_from_slice(&(len as u32).to_le_bytes());
        match self {
            ContentDigest::Sha256 => {
                let mut h = Sha256::new();
                h.update(prefix);
                ChunkHasher::Sha256(h)
            }
            ContentDigest::Sha512 => {
                let mut h = Sha512::new();
                h.update(prefix);
                ChunkHasher::Sha512(h)
            }
        }
    }

    fn hash_top(self, count: u32, digests: &[Vec<u8>]) -> Vec<u8> {
        let mut prefix = [0x5au8; 5];
        prefix[1..].copy_from_slice(&count.to_le_bytes());
        match self {
            ContentDigest::Sha256 => {
                let mut h = Sha256::new();
                h.update(prefix);
                digests.iter().for_each(|d| h.update(d));
                h.finalize().to_vec()
            }
            ContentDigest::Sha512 => {
                let mut h = Sha512::new();
                h.update(prefix);
                digests.iter().for_each(|d| h.update(d));
                h.finalize().to_vec()
            }
        }
    }
}

/// A chunk's digest being computed.
enum ChunkHasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl ChunkHasher {
    fn update(&mut self, bytes: &[u8]) {
        match self {
            ChunkHasher::Sha256(h) => h.update(bytes),
            ChunkHasher::Sha512(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            ChunkHasher::Sha256(h) => h.finalize().to_vec(),
            ChunkHasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// One section of signed content: `len` bytes of `src` from `start`, followed by
/// `zero_padding` zero bytes (the page-alignment padding before the signing block, which
/// belongs to the entries section).
pub struct Section<'a> {
    /// Where the bytes come from.
    pub src: &'a dyn ReadAt,
    /// Offset in `src`.
    pub start: u64,
    /// Number of bytes from `src`.
    pub len: u64,
    /// Zero bytes appended after them.
    pub zero_padding: u64,
}

impl Section<'_> {
    fn total(&self) -> u64 {
        self.len + self.zero_padding
    }

    /// Fills `buf` with the section's bytes at `pos`.
    fn read(&self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        let n = buf.len() as u64;
        let from_src = self.len.saturating_sub(pos).min(n) as usize;
        if from_src > 0 {
            self.src
                .read_exact_at(&mut buf[..from_src], self.start + pos)?;
        }
        buf[from_src..].fill(0);
        Ok(())
    }
}

/// Computes the chunked content digests of `sections` for each of `algs` in one pass over
/// the data, on up to `threads` threads (0 = one per core).
pub fn content_digests(
    sections: &[Section<'_>],
    algs: &[ContentDigest],
    threads: usize,
) -> io::Result<Vec<Vec<u8>>> {
    // (section, offset, len) of every chunk, in order.
    let mut chunks = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let mut pos = 0;
        while pos < s.total() {
            let len = (s.total() - pos).min(CHUNK_SIZE);
            chunks.push((i, pos, len as usize));
            pos += len;
        }
    }
    let count = u32::try_from(chunks.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "too many chunks"))?;
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
    .clamp(1, chunks.len().max(1));

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Vec<Vec<u8>>>> =
        Mutex::new(vec![vec![Vec::new(); chunks.len()]; algs.len()]);
    let failure: Mutex<Option<io::Error>> = Mutex::new(None);
    let work = || {
        let mut buf = vec![0u8; READ_SIZE];
        let mut local: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
        'chunks: loop {
            let idx = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(s, pos, len)) = chunks.get(idx) else {
                break;
            };
            let mut hashers: Vec<ChunkHasher> = algs.iter().map(|a| a.chunk_hasher(len)).collect();
            let mut done = 0;
            while done < len {
                let n = (len - done).min(READ_SIZE);
                if let Err(e) = sections[s].read(&mut buf[..n], pos + done as u64) {
                    if let Ok(mut f) = failure.lock() {
                        f.get_or_insert(e);
                    }
                    next.store(chunks.len(), Ordering::Relaxed);
                    break 'chunks;
                }
                hashers.iter_mut().for_each(|h| h.update(&buf[..n]));
                done += n;
            }
            local.push((idx, hashers.into_iter().map(ChunkHasher::finish).collect()));
        }
        if let Ok(mut r) = results.lock() {
            for (idx, ds) in local {
                for (a, d) in ds.into_iter().enumerate() {
                    r[a][idx] = d;
                }
            }
        }
    };
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(work);
            }
        });
    }
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let results = results
        .into_inner()
        .map_err(|_| io::Error::other("a digest worker panicked"))?;
    Ok(algs
        .iter()
        .zip(results)
        .map(|(a, ds)| a.hash_top(count, &ds))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digest computed naively, to check the parallel one against.
    fn naive(data: &[&[u8]]) -> Vec<u8> {
        let mut digests = Vec::new();
        for s in data {
            for c in s.chunks(CHUNK_SIZE as usize) {
                let mut h = Sha256::new();
                h.update([0xa5]);
                h.update((c.len() as u32).to_le_bytes());
                h.update(c);
                digests.push(h.finalize().to_vec());
            }
        }
        let mut h = Sha256::new();
        h.update([0x5a]);
        h.update((digests.len() as u32).to_le_bytes());
        for d in &digests {
            h.update(d);
        }
        h.finalize().to_vec()
    }

    #[test]
    fn parallel_matches_naive_with_padding() {
        let a: Vec<u8> = (0..(3 * CHUNK_SIZE as usize + 12345))
            .map(|i| (i * 7) as u8)
            .collect();
        let b = vec![9u8; 777];
        let c = vec![1u8; 22];
        let mut padded = a.clone();
        padded.extend(std::iter::repeat_n(0, 4096 - padded.len() % 4096));
        let expected = naive(&[&padded, &b, &c]);
        for threads in [1, 2, 5] {
            let secs = [
                Section {
                    src: &a,
                    start: 0,
                    len: a.len() as u64,
                    zero_padding: (padded.len() - a.len()) as u64,
                },
                Section {
                    src: &b,
                    start: 0,
                    len: b.len() as u64,
                    zero_padding: 0,
                },
                Section {
                    src: &c,
                    start: 0,
                    len: c.len() as u64,
                    zero_padding: 0,
                },
            ];
            let got = content_digests(&secs, &[ContentDigest::Sha256], threads).unwrap();
            assert_eq!(got[0], expected, "threads={threads}");
        }
    }
}
