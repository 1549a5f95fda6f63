//! Upload bodies streamed from disk in bounded memory, counting the bytes that leave.
//!
//! A 1 GB bundle is never read into memory: each request body is a range of the file, read in
//! [`READ_BUF`] pieces as the connection takes them, and every piece read is added to a shared
//! [`Progress`] that emits `Progress` events through the build's event channel.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use nativiweb_core::events::Event;
use nativiweb_core::BuildContext;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// How much of the file one read takes (and so roughly what one body holds in memory).
pub const READ_BUF: usize = 64 * 1024;

/// Bytes sent so far for one upload, shared by every request of it (chunks, parallel parts),
/// reported as `Progress { done, total, message }` events about every 1 % (at least every
/// 1 MiB for small files) and at the end.
#[derive(Debug, Clone)]
pub struct Progress {
    inner: Arc<ProgressInner>,
}

#[derive(Debug)]
struct ProgressInner {
    ctx_events: nativiweb_core::events::EventSender,
    step: nativiweb_core::Step,
    total: u64,
    message: String,
    done: AtomicU64,
    last_reported: AtomicU64,
    every: u64,
}

impl Progress {
    /// Progress for an upload of `total` bytes, described by `message` in each event.
    pub fn new(ctx: &BuildContext, total: u64, message: impl Into<String>) -> Self {
        Progress {
            inner: Arc::new(ProgressInner {
                ctx_events: ctx.events.clone(),
                step: ctx.step,
                total,
                message: message.into(),
                done: AtomicU64::new(0),
                last_reported: AtomicU64::new(0),
                every: (total / 100).clamp(1, 1 << 20),
            }),
        }
    }

    /// Bytes counted so far.
    pub fn done(&self) -> u64 {
        self.inner.done.load(Ordering::Relaxed)
    }

    /// Sets the count to what the server says it has (after a resumed upload), and reports it.
    pub fn set(&self, done: u64) {
        self.inner.done.store(done, Ordering::Relaxed);
        self.report(done, true);
    }

    /// Counts `n` more bytes sent.
    pub fn add(&self, n: u64) {
        let done = self.inner.done.fetch_add(n, Ordering::Relaxed) + n;
        self.report(done, false);
    }

    /// Takes back `n` bytes counted for an attempt that failed and will be sent again.
    pub fn sub(&self, n: u64) {
        let _ = self
            .inner
            .done
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| {
                Some(d.saturating_sub(n))
            });
    }

    fn report(&self, done: u64, force: bool) {
        let last = self.inner.last_reported.load(Ordering::Relaxed);
        let due = force || done >= self.inner.total || done.abs_diff(last) >= self.inner.every;
        if due
            && self
                .inner
                .last_reported
                .compare_exchange(last, done, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.inner.ctx_events.send(Event::Progress {
                step: self.inner.step,
                done,
                total: Some(self.inner.total),
                message: self.inner.message.clone(),
            });
        }
    }
}

/// Opens `path` and streams `len` bytes from `offset` as a request body, counting them into
/// `progress`. Returns the body and a counter of the bytes this body has read, so a failed
/// attempt can take them back from `progress`.
pub async fn file_range_body(
    path: &Path,
    offset: u64,
    len: u64,
    progress: Progress,
) -> std::io::Result<(reqwest::Body, Arc<AtomicU64>)> {
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(SeekFrom::Start(offset)).await?;
    let reader = file.take(len);
    let counted = Arc::new(AtomicU64::new(0));
    let stream = CountingStream {
        inner: ReaderStream::with_capacity(reader, READ_BUF),
        progress,
        counted: counted.clone(),
    };
    Ok((reqwest::Body::wrap_stream(stream), counted))
}

/// The length of the file at `path`, checked against what the caller expects.
pub async fn file_len(path: &Path) -> std::io::Result<u64> {
    Ok(tokio::fs::metadata(path).await?.len())
}

/// A stream of file pieces that counts each piece as it is handed to the connection.
struct CountingStream<S> {
    inner: S,
    progress: Progress,
    counted: Arc<AtomicU64>,
}

impl<S> Stream for CountingStream<S>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(bytes))) = &polled {
            let n = bytes.len() as u64;
            self.counted.fetch_add(n, Ordering::Relaxed);
            self.progress.add(n);
        }
        polled
    }
}

/// Hashes a file (MD5 and SHA-256) in one streaming pass on a blocking thread.
pub async fn hash_file(path: PathBuf) -> std::io::Result<FileDigests> {
    tokio::task::spawn_blocking(move || {
        use md5::Digest as _;
        use std::io::Read;
        let mut file = std::fs::File::open(&path)?;
        let mut md5 = md5::Md5::new();
        let mut sha = sha2::Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            md5.update(&buf[..n]);
            sha2::Digest::update(&mut sha, &buf[..n]);
        }
        Ok(FileDigests {
            md5: hex::encode(md5.finalize()),
            sha256: hex::encode(sha2::Digest::finalize(sha)),
        })
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A file's digests, lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigests {
    /// MD5.
    pub md5: String,
    /// SHA-256.
    pub sha256: String,
}
