//! [`ObjectStoreSink`]: artifacts in an object store — Amazon S3 or an S3-compatible server
//! (feature `s3`), a local folder or memory (feature `object-store`) — through the
//! [`object_store`](https://docs.rs/object_store/0.13) crate.
//!
//! **Keys.** Everything lives under one prefix (`apps/{app_id}/{build_id}` in the farm, see
//! [`ObjectStoreSink::child`]); an artifact is stored under its file name. Storing the same
//! name again overwrites the object, so a re-run of a build writes the same keys (an object
//! store has no `-2` copies, unlike [`super::LocalDirSink`], whose folder may hold files it
//! did not write).
//!
//! **Hashes.** Every object written by [`ObjectStoreSink::put_file`] or
//! [`ObjectStoreSink::put_bytes`] carries its SHA-256 as user metadata `sha256` (on S3, the
//! header `x-amz-meta-sha256`) and a content type, where the store keeps attributes (S3 and
//! memory do; the local-filesystem store does not, and gets the bytes alone).
//!
//! **Large files** go up as multipart uploads in parts of [`DEFAULT_PART_SIZE`]. S3 takes user
//! metadata only when the upload is created, before the first part, so the hash must be known
//! first. The file is therefore hashed in a first pass (SHA-256 runs at about 2 GB/s with the
//! CPU's SHA extensions, a fraction of any upload's time) and hashed again while it is
//! uploaded; if the two differ the file changed under us, the upload is aborted, and the store
//! never holds bytes whose metadata lies. The alternative — upload, then a CopyObject of the
//! object onto itself with the new metadata — costs a server-side copy of every byte, is not
//! in `object_store`'s API, and leaves a window where the object has no hash.
//!
//! **Secrets** never appear in errors or in `Debug` output: the sink's `Debug` is written by
//! hand and shows the store's `Display` (`AmazonS3(bucket)`), never its configuration.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions,
    PutPayload, WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::context::BuildContext;
use crate::error::{Error, Result};
use crate::model::{Artifact, ArtifactKind, StoredArtifact};
use crate::traits::ArtifactSink;

pub use object_store;

/// The default size of each part of a multipart upload (and the size above which a file is
/// uploaded in parts): 8 MiB, comfortably above S3's 5 MiB minimum for all parts but the last.
pub const DEFAULT_PART_SIZE: usize = 8 << 20;

/// S3's smallest part (all parts of a multipart upload but the last must be at least this).
pub const MIN_PART_SIZE: usize = 5 << 20;

/// How many parts are in flight at once during a multipart upload (memory: this many parts,
/// plus two being read).
const UPLOAD_CONCURRENCY: usize = 4;

/// Payloads up to this size are hashed on the calling task (microseconds); larger ones on
/// tokio's blocking pool.
const INLINE_HASH_LIMIT: usize = 256 << 10;

/// The metadata key holding the SHA-256 of an object's bytes.
pub const SHA256_METADATA: &str = "sha256";

/// Prefix of the preflight's probe objects and of temporary download files.
const TEMP_PREFIX: &str = ".nativiweb-tmp-";

/// How long the preflight's probe may take before the store counts as unreachable.
pub const DEFAULT_PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(15);

/// What an object store operation returned: where the object is, its size and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The object's key in the store (prefix included), e.g. `apps/com.example/42/app.apk`.
    pub key: String,
    /// Where it is, as [`StoredArtifact::location`] shows it, e.g. `s3://bucket/apps/…/app.apk`.
    pub location: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the stored bytes, lowercase hex.
    pub sha256: String,
}

/// Why the object-store sink failed. Each variant names the URL, key or file at fault and the
/// operation; none carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectSinkError {
    /// The sink URL cannot be used; the message says which part and what to write instead.
    #[error("sink URL `{url}`: {problem}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it and what to do.
        problem: String,
    },
    /// The URL needs a cargo feature this build does not have.
    #[error("sink URL `{url}` needs S3 support, which this build of nativiweb does not have; rebuild with `--features {feature}`")]
    FeatureDisabled {
        /// The URL as given.
        url: String,
        /// The cargo feature to enable.
        feature: &'static str,
    },
    /// The store could not be configured (an S3 setting from the environment is invalid).
    #[error("configuring the object store for `{url}`: {source}; check the AWS_* variables (AWS_REGION, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP)")]
    Config {
        /// The sink URL (or store) being configured.
        url: String,
        /// What object_store reported.
        #[source]
        source: object_store::Error,
    },
    /// A name that cannot be a key (empty, or a folder path).
    #[error("`{name}` cannot be stored: {reason}")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// An operation on the store failed.
    #[error("{operation} {location}: {source}")]
    Store {
        /// What we were doing (`uploading`, `reading`, `deleting`...).
        operation: &'static str,
        /// The object's location (URL form).
        location: String,
        /// What the store reported.
        #[source]
        source: object_store::Error,
    },
    /// The object does not exist.
    #[error("{location} does not exist")]
    NotFound {
        /// The object's location.
        location: String,
    },
    /// The object is larger than the caller accepts.
    #[error("{location} is {size} bytes, more than the limit of {limit} bytes; not downloaded")]
    TooLarge {
        /// The object's location.
        location: String,
        /// Its size (or the bytes received so far when the store under-reported it).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The bytes read back do not match the `sha256` the object was stored with.
    #[error("{location} is corrupt: its bytes hash to {actual}, but it was stored with sha256 {expected}")]
    HashMismatch {
        /// The object's location.
        location: String,
        /// The hash stored as metadata.
        expected: String,
        /// The hash of the bytes received.
        actual: String,
    },
    /// The file changed between the hash pass and the upload; the upload was aborted.
    #[error("{path} changed while it was uploaded to {location} (sha256 {before} before, {after} while uploading); nothing was stored — make sure nothing writes the file during the upload")]
    FileChanged {
        /// The local file.
        path: PathBuf,
        /// Where it was going.
        location: String,
        /// Its hash in the first pass.
        before: String,
        /// Its hash during the upload.
        after: String,
    },
    /// The local file to upload is not a regular file.
    #[error("{path} is not a regular file; zip folders (such as .xcarchive) before storing them")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A local file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The store answered the preflight probe, refusing it: the bucket does not exist or the
    /// credentials are not accepted.
    #[error("cannot write to {target}: {problem}")]
    Refused {
        /// The bucket and endpoint (or store) probed.
        target: String,
        /// What is wrong and which setting to check.
        problem: String,
        /// What the store reported.
        #[source]
        source: object_store::Error,
    },
    /// The store did not answer the preflight probe (wrong endpoint, network down).
    #[error("cannot reach {target}: {problem}")]
    Unreachable {
        /// The bucket and endpoint (or store) probed.
        target: String,
        /// What to check.
        problem: String,
        /// What the store reported, if it reported anything before the timeout.
        #[source]
        source: Option<object_store::Error>,
    },
}

impl ObjectSinkError {
    /// True when the user must change the input (the URL, a setting, the credentials, the
    /// bucket), false for failures of the store or the network.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            ObjectSinkError::BadUrl { .. }
                | ObjectSinkError::FeatureDisabled { .. }
                | ObjectSinkError::Config { .. }
                | ObjectSinkError::BadName { .. }
                | ObjectSinkError::NotAFile { .. }
                | ObjectSinkError::Refused { .. }
        )
    }
}

/// Which kind of store a sink writes to: decides the sink's name and the wording of errors.
#[derive(Clone)]
enum Backend {
    /// Any store given to [`ObjectStoreSink::new`].
    Generic,
    /// A local folder.
    Local { dir: PathBuf },
    /// S3: the bucket and endpoint name the target in errors; `probe` is the same store with
    /// short timeouts and one retry, so the preflight fails in seconds, not minutes of backoff.
    #[cfg(feature = "s3")]
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: String,
        probe: Arc<dyn ObjectStore>,
    },
}

/// An [`ArtifactSink`] (and a small object API for the build farm) over any
/// [`ObjectStore`](https://docs.rs/object_store/0.13/object_store/trait.ObjectStore.html). See the [module docs](self).
///
/// ```
/// # async fn demo() -> Result<(), nativiweb_core::sink::ObjectSinkError> {
/// use nativiweb_core::sink::ObjectStoreSink;
/// let sink = ObjectStoreSink::from_url("memory://")?.child("apps/com.example.hello/42");
/// let stored = sink.put_bytes("record.json", "{}".into(), "application/json").await?;
/// assert_eq!(stored.key, "apps/com.example.hello/42/record.json");
/// assert_eq!(stored.location, "memory://apps/com.example.hello/42/record.json");
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
/// ```
#[derive(Clone)]
pub struct ObjectStoreSink {
    store: Arc<dyn ObjectStore>,
    /// Signs pre-signed URLs (object_store's `Signer` exists only with its HTTP clients).
    #[cfg(feature = "s3")]
    signer: Option<Arc<dyn object_store::signer::Signer>>,
    prefix: ObjectPath,
    location_base: String,
    backend: Backend,
    part_size: usize,
    preflight_timeout: Duration,
    /// Cleared when the store refused attributes (the local-filesystem store does); shared by
    /// clones and children, which write to the same store.
    attributes: Arc<AtomicBool>,
}

impl fmt::Debug for ObjectStoreSink {
    // By hand: object_store's own Debug of a store prints its whole configuration (client
    // options, credential providers, encryption keys). Its S3 credential type masks the secret
    // key today, but a store given to `new` may be anything, so the sink shows only the
    // store's Display (`AmazonS3(bucket)`) and its own settings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ObjectStoreSink");
        d.field("backend", &self.backend_name())
            .field("store", &format_args!("{}", self.store))
            .field("prefix", &self.prefix.as_ref())
            .field("location_base", &self.location_base)
            .field("part_size", &self.part_size);
        #[cfg(feature = "s3")]
        d.field("signs_urls", &self.signer.is_some());
        #[cfg(feature = "s3")]
        if let Backend::S3 {
            endpoint, region, ..
        } = &self.backend
        {
            d.field("endpoint", endpoint).field("region", region);
        }
        d.finish()
    }
}

impl ObjectStoreSink {
    /// Any object store, keys under `prefix` ("" for none); `location_base` is what
    /// `StoredArtifact::location` starts with (e.g. "s3://bucket" or a file URL).
    pub fn new(
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        location_base: impl Into<String>,
    ) -> Self {
        ObjectStoreSink {
            store,
            #[cfg(feature = "s3")]
            signer: None,
            prefix: ObjectPath::from(prefix),
            location_base: location_base.into(),
            backend: Backend::Generic,
            part_size: DEFAULT_PART_SIZE,
            preflight_timeout: DEFAULT_PREFLIGHT_TIMEOUT,
            attributes: Arc::new(AtomicBool::new(true)),
        }
    }

    /// From a sink URL: `s3://BUCKET/PREFIX` (feature s3; settings from the standard AWS_* env
    /// vars: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_SESSION_TOKEN, AWS_ALLOW_HTTP=true for a local endpoint, read by
    /// `AmazonS3Builder::from_env`), `file:///ABS/DIR` or a plain directory path
    /// (LocalFileSystem, the folder created if missing), `memory://` (InMemory). Errors say
    /// which part of the URL is wrong and what to set.
    pub fn from_url(url: &str) -> Result<Self, ObjectSinkError> {
        let bad = |problem: String| ObjectSinkError::BadUrl {
            url: redact_userinfo(url),
            problem,
        };
        if url.trim().is_empty() {
            return Err(bad(
                "it is empty; give s3://BUCKET/PREFIX, file:///ABSOLUTE/DIR, a folder, or memory://"
                    .to_owned(),
            ));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            // A plain folder path.
            return Self::local(url, Path::new(url));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => {
                #[cfg(feature = "s3")]
                {
                    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                    if bucket.is_empty() {
                        return Err(bad(
                            "the bucket is missing; write s3://BUCKET/PREFIX (the endpoint and region come from AWS_ENDPOINT_URL and AWS_REGION)".to_owned(),
                        ));
                    }
                    if bucket.contains(['?', '#', '@', ':']) {
                        // Not echoed: it may hold `user:password@`.
                        return Err(bad(
                            "the bucket name holds `?`, `#`, `@` or `:`; write s3://BUCKET/PREFIX, with credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the endpoint in AWS_ENDPOINT_URL, not in the URL".to_owned(),
                        ));
                    }
                    let builder = object_store::aws::AmazonS3Builder::from_env()
                        .with_bucket_name(bucket);
                    Self::s3_with_url(builder, prefix.trim_matches('/'), url)
                }
                #[cfg(not(feature = "s3"))]
                {
                    let _ = rest;
                    Err(ObjectSinkError::FeatureDisabled {
                        url: redact_userinfo(url),
                        feature: "s3",
                    })
                }
            }
            "file" => {
                let parsed = url::Url::parse(url).map_err(|e| {
                    bad(format!("not a file URL ({e}); write file:///ABSOLUTE/DIR"))
                })?;
                if parsed.host_str().is_some_and(|h| !h.is_empty() && h != "localhost") {
                    return Err(bad(format!(
                        "file URLs name a local folder, not a host (`{}`); write file:///ABSOLUTE/DIR with three slashes",
                        parsed.host_str().unwrap_or_default()
                    )));
                }
                let dir = parsed.to_file_path().map_err(|()| {
                    bad("the path is not an absolute local path; write file:///ABSOLUTE/DIR".to_owned())
                })?;
                Self::local(url, &dir)
            }
            "memory" => {
                if !rest.trim_matches('/').is_empty() {
                    return Err(bad(
                        "memory:// takes no bucket or path; write memory:// and use child() for a prefix"
                            .to_owned(),
                    ));
                }
                Ok(Self::new(
                    Arc::new(object_store::memory::InMemory::new()),
                    "",
                    "memory://",
                ))
            }
            other => Err(bad(format!(
                "the scheme `{other}://` is not supported; use s3://BUCKET/PREFIX, file:///ABSOLUTE/DIR, a folder path, or memory://"
            ))),
        }
    }

    /// A sink on a local folder (created if missing).
    fn local(url: &str, dir: &Path) -> Result<Self, ObjectSinkError> {
        std::fs::create_dir_all(dir).map_err(|source| ObjectSinkError::Io {
            action: "creating the sink folder",
            path: dir.to_owned(),
            source,
        })?;
        let dir = std::fs::canonicalize(dir).map_err(|source| ObjectSinkError::Io {
            action: "resolving the sink folder",
            path: dir.to_owned(),
            source,
        })?;
        let store =
            object_store::local::LocalFileSystem::new_with_prefix(&dir).map_err(|source| {
                ObjectSinkError::Config {
                    url: redact_userinfo(url),
                    source,
                }
            })?;
        let base = url::Url::from_directory_path(&dir)
            .map(|u| u.to_string())
            .unwrap_or_else(|()| format!("file://{}/", dir.display()));
        let mut sink = Self::new(Arc::new(store), "", base);
        sink.backend = Backend::Local { dir };
        Ok(sink)
    }

    /// An S3 (or S3-compatible) sink from a configured builder, keys under `prefix`. The
    /// bucket must be set on the builder; settings not set there are not read from the
    /// environment (start from `AmazonS3Builder::from_env()` for that). Pre-signed URLs work.
    ///
    /// ```no_run
    /// use nativiweb_core::sink::{object_store::aws::AmazonS3Builder, ObjectStoreSink};
    /// let builder = AmazonS3Builder::new()
    ///     .with_bucket_name("builds")
    ///     .with_endpoint("http://127.0.0.1:9000")
    ///     .with_allow_http(true)
    ///     .with_region("us-east-1")
    ///     .with_access_key_id("test")
    ///     .with_secret_access_key("test");
    /// let sink = ObjectStoreSink::from_s3_builder(builder, "apps")?;
    /// # Ok::<(), nativiweb_core::sink::ObjectSinkError>(())
    /// ```
    #[cfg(feature = "s3")]
    pub fn from_s3_builder(
        builder: object_store::aws::AmazonS3Builder,
        prefix: &str,
    ) -> Result<Self, ObjectSinkError> {
        let bucket = builder
            .get_config_value(&object_store::aws::AmazonS3ConfigKey::Bucket)
            .unwrap_or_default();
        Self::s3_with_url(builder, prefix, &format!("s3://{bucket}/{prefix}"))
    }

    #[cfg(feature = "s3")]
    fn s3_with_url(
        builder: object_store::aws::AmazonS3Builder,
        prefix: &str,
        url: &str,
    ) -> Result<Self, ObjectSinkError> {
        use object_store::aws::AmazonS3ConfigKey as Key;
        use object_store::ClientConfigKey;

        let bucket = builder.get_config_value(&Key::Bucket).unwrap_or_default();
        if bucket.is_empty() {
            return Err(ObjectSinkError::BadUrl {
                url: redact_userinfo(url),
                problem: "no bucket; write s3://BUCKET/PREFIX".to_owned(),
            });
        }
        let endpoint = builder
            .get_config_value(&Key::Endpoint)
            .map(|e| without_userinfo(&e));
        let region = builder
            .get_config_value(&Key::Region)
            .unwrap_or_else(|| "us-east-1".to_owned());
        let config_err = |source| ObjectSinkError::Config {
            url: redact_userinfo(url),
            source,
        };
        // The preflight's store: one retry, short timeouts. The main store keeps
        // object_store's patient defaults (10 retries with backoff) for real uploads.
        let probe = builder
            .clone()
            .with_retry(object_store::RetryConfig {
                backoff: object_store::BackoffConfig::default(),
                max_retries: 1,
                retry_timeout: Duration::from_secs(5),
            })
            .with_config(
                Key::Client(ClientConfigKey::ConnectTimeout),
                "3s".to_owned(),
            )
            .with_config(Key::Client(ClientConfigKey::Timeout), "10s".to_owned())
            .build()
            .map_err(config_err)?;
        let s3 = Arc::new(builder.build().map_err(config_err)?);
        let mut sink = Self::new(s3.clone(), prefix, format!("s3://{bucket}"));
        sink.signer = Some(s3);
        sink.backend = Backend::S3 {
            bucket,
            endpoint,
            region,
            probe: Arc::new(probe),
        };
        Ok(sink)
    }

    /// Sets the part size of multipart uploads, which is also the size above which
    /// [`ObjectStoreSink::put_file`] uploads in parts (default [`DEFAULT_PART_SIZE`]). S3
    /// refuses parts under [`MIN_PART_SIZE`] (but the last); other stores take any size, which
    /// tests use to exercise multipart on small files.
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1);
        self
    }

    /// Sets how long [`ArtifactSink::preflight`]'s probe may take (default
    /// [`DEFAULT_PREFLIGHT_TIMEOUT`]).
    pub fn with_preflight_timeout(mut self, timeout: Duration) -> Self {
        self.preflight_timeout = timeout;
        self
    }

    /// Gives the sink a URL signer for [`ObjectStoreSink::presigned_get`] (sinks made by
    /// [`ObjectStoreSink::from_url`] or `from_s3_builder` for S3 have one already).
    #[cfg(feature = "s3")]
    pub fn with_signer(mut self, signer: Arc<dyn object_store::signer::Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The same store with `sub` appended to the prefix (the farm uses `apps/{app_id}/{build_id}`).
    pub fn child(&self, sub: &str) -> Self {
        let mut child = self.clone();
        child.prefix = join(&self.prefix, sub);
        child
    }

    /// The key of `name` under the prefix.
    pub fn key(&self, name: &str) -> ObjectPath {
        join(&self.prefix, name)
    }

    /// Where `name` is, as StoredArtifact::location shows it.
    pub fn location(&self, name: &str) -> String {
        self.location_of(&self.key(name))
    }

    fn location_of(&self, key: &ObjectPath) -> String {
        if self.location_base.ends_with('/') {
            format!("{}{}", self.location_base, key)
        } else {
            format!("{}/{}", self.location_base, key)
        }
    }

    /// The prefix keys are stored under.
    pub fn prefix(&self) -> &ObjectPath {
        &self.prefix
    }

    /// The key of `name`, refusing names that are no object (empty, or only slashes).
    fn checked_key(&self, name: &str) -> Result<ObjectPath, ObjectSinkError> {
        if ObjectPath::from(name).as_ref().is_empty() {
            return Err(ObjectSinkError::BadName {
                name: name.to_owned(),
                reason: "the name is empty",
            });
        }
        Ok(self.key(name))
    }

    /// The underlying store.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    fn backend_name(&self) -> &'static str {
        match self.backend {
            #[cfg(feature = "s3")]
            Backend::S3 { .. } => "s3",
            _ => "object-store",
        }
    }

    /// The attributes an object is written with, or none when the store refused them before.
    fn attributes(&self, content_type: &str, sha256: &str) -> Attributes {
        if !self.attributes.load(Ordering::Relaxed) {
            return Attributes::new();
        }
        let mut attrs = Attributes::new();
        if !content_type.is_empty() {
            attrs.insert(Attribute::ContentType, content_type.to_owned().into());
        }
        attrs.insert(
            Attribute::Metadata(SHA256_METADATA.into()),
            sha256.to_owned().into(),
        );
        attrs
    }

    /// Whether `e` says the store does not keep attributes (then they are dropped for good).
    fn refused_attributes(&self, e: &object_store::Error, attrs: &Attributes) -> bool {
        if !attrs.is_empty() && matches!(e, object_store::Error::NotImplemented { .. }) {
            self.attributes.store(false, Ordering::Relaxed);
            return true;
        }
        false
    }

    fn store_err(
        &self,
        operation: &'static str,
        key: &ObjectPath,
    ) -> impl FnOnce(object_store::Error) -> ObjectSinkError + '_ {
        let location = self.location_of(key);
        move |source| match source {
            object_store::Error::NotFound { .. } if operation == "reading" => {
                ObjectSinkError::NotFound { location }
            }
            source => ObjectSinkError::Store {
                operation,
                location,
                source,
            },
        }
    }

    /// Small objects in one PUT (a record.json): returns size + sha256.
    pub async fn put_bytes(
        &self,
        name: &str,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<StoredObject, ObjectSinkError> {
        let key = self.checked_key(name)?;
        let sha256 = if bytes.len() <= INLINE_HASH_LIMIT {
            crate::hash::sha256_hex(&bytes)
        } else {
            // Up to a part (8 MiB) from put_file: milliseconds of CPU, off the async threads.
            let for_task = bytes.clone();
            tokio::task::spawn_blocking(move || crate::hash::sha256_hex(&for_task))
                .await
                .map_err(|e| ObjectSinkError::Io {
                    action: "hashing",
                    path: PathBuf::from(name),
                    source: std::io::Error::other(format!("the hashing task died: {e}")),
                })?
        };
        let size = bytes.len() as u64;
        let payload = PutPayload::from_bytes(bytes);
        let attrs = self.attributes(content_type, &sha256);
        let put = |attributes: Attributes| {
            self.store.put_opts(
                &key,
                payload.clone(),
                PutOptions {
                    attributes,
                    ..PutOptions::default()
                },
            )
        };
        match put(attrs.clone()).await {
            Ok(_) => {}
            Err(e) if self.refused_attributes(&e, &attrs) => {
                put(Attributes::new())
                    .await
                    .map_err(self.store_err("uploading", &key))?;
            }
            Err(e) => return Err(self.store_err("uploading", &key)(e)),
        }
        Ok(StoredObject {
            key: key.to_string(),
            location: self.location_of(&key),
            size,
            sha256,
        })
    }

    /// A file streamed from disk: multipart upload above the part size (default 8 MiB parts,
    /// see [`ObjectStoreSink::with_part_size`]), SHA-256 computed while streaming and stored
    /// as object metadata `sha256` where the store supports attributes (S3 user metadata
    /// `x-amz-meta-sha256`), with `content_type` (see [`content_type_for`]).
    ///
    /// Multipart uploads need the metadata when they are created, so a large file is hashed
    /// in a first pass, then hashed again while it streams; a file that changed in between is
    /// not stored (the upload is aborted with [`ObjectSinkError::FileChanged`]). A file of at
    /// most one part is read once and sent in one PUT.
    pub async fn put_file(
        &self,
        name: &str,
        path: &Path,
        content_type: &str,
    ) -> Result<StoredObject, ObjectSinkError> {
        let key = self.checked_key(name)?;
        let io = |action: &'static str| {
            move |source: std::io::Error| match source.kind() {
                std::io::ErrorKind::NotFound => ObjectSinkError::NotAFile {
                    path: path.to_owned(),
                },
                _ => ObjectSinkError::Io {
                    action,
                    path: path.to_owned(),
                    source,
                },
            }
        };
        let meta = tokio::fs::metadata(path).await.map_err(io("reading"))?;
        if !meta.is_file() {
            return Err(ObjectSinkError::NotAFile {
                path: path.to_owned(),
            });
        }
        if meta.len() <= self.part_size as u64 {
            let bytes = tokio::fs::read(path).await.map_err(io("reading"))?;
            if bytes.len() <= self.part_size {
                return self.put_bytes(name, Bytes::from(bytes), content_type).await;
            }
            // It grew since the metadata was read: upload it in parts like any large file.
        }

        // First pass: the hash, which the multipart upload must carry from its creation.
        let before =
            crate::hash::sha256_file_async(path)
                .await
                .map_err(|e| ObjectSinkError::Io {
                    action: "hashing",
                    path: path.to_owned(),
                    source: std::io::Error::other(e.to_string()),
                })?;
        let attrs = self.attributes(content_type, &before.sha256);
        let create = |attributes: Attributes| {
            self.store.put_multipart_opts(
                &key,
                PutMultipartOptions {
                    attributes,
                    ..PutMultipartOptions::default()
                },
            )
        };
        let upload = match create(attrs.clone()).await {
            Ok(upload) => upload,
            Err(e) if self.refused_attributes(&e, &attrs) => create(Attributes::new())
                .await
                .map_err(self.store_err("starting the upload of", &key))?,
            Err(e) => return Err(self.store_err("starting the upload of", &key)(e)),
        };
        let mut upload = WriteMultipart::new_with_chunk_size(upload, self.part_size);

        // Second pass: a blocking reader reads parts and hashes them; this task sends them.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(2);
        let part_size = self.part_size;
        let owned_path = path.to_owned();
        let reader = tokio::task::spawn_blocking(move || read_parts(&owned_path, part_size, &tx));
        let mut failure = None;
        while let Some(part) = rx.recv().await {
            match part {
                Ok(bytes) => {
                    if let Err(e) = upload.wait_for_capacity(UPLOAD_CONCURRENCY).await {
                        failure = Some(self.store_err("uploading", &key)(e));
                        break;
                    }
                    upload.put(bytes);
                }
                Err(source) => {
                    failure = Some(ObjectSinkError::Io {
                        action: "reading",
                        path: path.to_owned(),
                        source,
                    });
                    break;
                }
            }
        }
        drop(rx);
        let after = match reader.await {
            Ok(Ok(digest)) => Some(digest),
            Ok(Err(source)) => {
                failure.get_or_insert(ObjectSinkError::Io {
                    action: "reading",
                    path: path.to_owned(),
                    source,
                });
                None
            }
            Err(e) => {
                failure.get_or_insert(ObjectSinkError::Io {
                    action: "reading",
                    path: path.to_owned(),
                    source: std::io::Error::other(format!("the reader task died: {e}")),
                });
                None
            }
        };
        if let (None, Some(after)) = (&failure, &after) {
            if after.sha256 != before.sha256 {
                failure = Some(ObjectSinkError::FileChanged {
                    path: path.to_owned(),
                    location: self.location_of(&key),
                    before: before.sha256.clone(),
                    after: after.sha256.clone(),
                });
            }
        }
        match (failure, after) {
            (None, Some(after)) => {
                upload
                    .finish()
                    .await
                    .map_err(self.store_err("finishing the upload of", &key))?;
                Ok(StoredObject {
                    key: key.to_string(),
                    location: self.location_of(&key),
                    size: after.size,
                    sha256: after.sha256,
                })
            }
            (failure, _) => {
                // Best effort: a failed abort leaves an incomplete upload, which S3's
                // lifecycle rules clean up; the original error is what the caller needs.
                let _ = upload.abort().await;
                Err(failure.unwrap_or_else(|| ObjectSinkError::Io {
                    action: "reading",
                    path: path.to_owned(),
                    source: std::io::Error::other("the file could not be read"),
                }))
            }
        }
    }

    /// Stream an object to a local file (temp + rename), refusing more than `max_size` bytes
    /// (error says the limit). When the object carries a `sha256`, the bytes received are
    /// checked against it. Returns the number of bytes written.
    pub async fn get_to_file(
        &self,
        name: &str,
        dest: &Path,
        max_size: u64,
    ) -> Result<u64, ObjectSinkError> {
        let key = self.checked_key(name)?;
        let location = self.location_of(&key);
        let result = self
            .store
            .get(&key)
            .await
            .map_err(self.store_err("reading", &key))?;
        if result.meta.size > max_size {
            return Err(ObjectSinkError::TooLarge {
                location,
                size: result.meta.size,
                limit: max_size,
            });
        }
        let expected = result
            .attributes
            .get(&Attribute::Metadata(SHA256_METADATA.into()))
            .map(|v| v.as_ref().to_ascii_lowercase());

        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!("{TEMP_PREFIX}{}-{file_name}", unique_suffix()));
        let io = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| ObjectSinkError::Io {
                action,
                path,
                source,
            }
        };
        let mut file = tokio::fs::File::create(&tmp)
            .await
            .map_err(io("creating", &tmp))?;
        let written: Result<(u64, String), ObjectSinkError> = async {
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut stream = result.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(self.store_err("reading", &key))?;
                size += chunk.len() as u64;
                if size > max_size {
                    return Err(ObjectSinkError::TooLarge {
                        location: location.clone(),
                        size,
                        limit: max_size,
                    });
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(io("writing", &tmp))?;
            }
            file.flush().await.map_err(io("writing", &tmp))?;
            file.sync_all().await.map_err(io("flushing", &tmp))?;
            Ok((size, hex::encode(hasher.finalize())))
        }
        .await;
        drop(file);
        let outcome = match written {
            Ok((size, actual)) => match expected {
                Some(expected) if expected != actual => Err(ObjectSinkError::HashMismatch {
                    location,
                    expected,
                    actual,
                }),
                _ => tokio::fs::rename(&tmp, dest)
                    .await
                    .map(|()| size)
                    .map_err(io("renaming into place", dest)),
            },
            Err(e) => Err(e),
        };
        if outcome.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        outcome
    }

    /// The whole object in memory (for small objects such as a record.json).
    pub async fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectSinkError> {
        let key = self.checked_key(name)?;
        let result = self
            .store
            .get(&key)
            .await
            .map_err(self.store_err("reading", &key))?;
        result
            .bytes()
            .await
            .map_err(self.store_err("reading", &key))
    }

    /// A pre-signed GET URL valid for `expires` (S3 only: object_store's `Signer` trait); None
    /// for stores that cannot sign (local, memory).
    pub async fn presigned_get(
        &self,
        name: &str,
        expires: Duration,
    ) -> Result<Option<String>, ObjectSinkError> {
        let key = self.checked_key(name)?;
        #[cfg(feature = "s3")]
        if let Some(signer) = &self.signer {
            return signer
                .signed_url(http::Method::GET, &key, expires)
                .await
                .map(|url| Some(url.to_string()))
                .map_err(self.store_err("signing a URL for", &key));
        }
        let _ = (key, expires);
        Ok(None)
    }

    /// Deletes the object; deleting one that does not exist is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), ObjectSinkError> {
        let key = self.checked_key(name)?;
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.store_err("deleting", &key)(e)),
        }
    }

    /// What the preflight names in its errors: the bucket and endpoint, or the store.
    fn target(&self) -> String {
        match &self.backend {
            #[cfg(feature = "s3")]
            Backend::S3 {
                bucket,
                endpoint,
                region,
                ..
            } => match endpoint {
                Some(e) => format!("bucket `{bucket}` at {e}"),
                None => format!("bucket `{bucket}` (AWS S3, region {region})"),
            },
            Backend::Local { dir } => format!("the folder {}", dir.display()),
            Backend::Generic => format!("{} ({})", self.store, self.location_base),
        }
    }

    /// Checks that the store is reachable and writable: puts a small probe object under the
    /// prefix and deletes it, within the preflight timeout. Errors name the bucket and
    /// endpoint and the `AWS_*` variable to check.
    pub async fn check_writable(&self) -> Result<(), ObjectSinkError> {
        let store = match &self.backend {
            #[cfg(feature = "s3")]
            Backend::S3 { probe, .. } => probe.clone(),
            _ => self.store.clone(),
        };
        let key = self.key(&format!("{TEMP_PREFIX}probe-{}", unique_suffix()));
        let probe = async {
            store
                .put(&key, PutPayload::from_static(b"nativiweb"))
                .await?;
            store.delete(&key).await
        };
        match tokio::time::timeout(self.preflight_timeout, probe).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.classify(e)),
            Err(_) => Err(ObjectSinkError::Unreachable {
                target: self.target(),
                problem: format!(
                    "no answer within {} s; {}",
                    self.preflight_timeout.as_secs_f32(),
                    self.endpoint_hint()
                ),
                source: None,
            }),
        }
    }

    fn endpoint_hint(&self) -> &'static str {
        match self.backend {
            #[cfg(feature = "s3")]
            Backend::S3 { .. } => "check AWS_ENDPOINT_URL (and AWS_ALLOW_HTTP=true for an http:// endpoint) and AWS_REGION, and that the server is up",
            _ => "check that the store is available",
        }
    }

    /// A preflight failure in the user's terms.
    fn classify(&self, e: object_store::Error) -> ObjectSinkError {
        #[cfg(feature = "s3")]
        let s3 = matches!(self.backend, Backend::S3 { .. });
        #[cfg(not(feature = "s3"))]
        let s3 = false;
        let target = self.target();
        let refused = |problem: &str, source| ObjectSinkError::Refused {
            target: target.clone(),
            problem: problem.to_owned(),
            source,
        };
        match e {
            object_store::Error::NotFound { .. } if s3 => refused(
                "the bucket does not exist; create it, or fix the bucket name in the sink URL (s3://BUCKET/PREFIX) or the endpoint in AWS_ENDPOINT_URL",
                e,
            ),
            object_store::Error::PermissionDenied { .. } if s3 => refused(
                "access denied; check that the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) may write to this bucket",
                e,
            ),
            object_store::Error::Unauthenticated { .. } if s3 => refused(
                "the credentials were not accepted; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN",
                e,
            ),
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => {
                refused("access denied; check the store's permissions", e)
            }
            object_store::Error::Generic { .. } if s3 && is_http_status(&e) => refused(
                "the server refused the probe object; check the bucket name, AWS_REGION and the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
                e,
            ),
            e => ObjectSinkError::Unreachable {
                target,
                problem: self.endpoint_hint().to_owned(),
                source: Some(e),
            },
        }
    }
}

/// Whether the store's error carries an HTTP answer (the server was reached and said no),
/// rather than a transport failure.
fn is_http_status(e: &object_store::Error) -> bool {
    let text = e.to_string();
    text.contains("Server returned") || text.contains("Client error") || text.contains("status")
}

/// `prefix` with the parts of `sub` appended (empty parts and slashes dropped; `.` and `..`
/// are escaped by object_store, so no name leaves the prefix).
fn join(prefix: &ObjectPath, sub: &str) -> ObjectPath {
    let sub = ObjectPath::from(sub);
    ObjectPath::from_iter(prefix.parts().chain(sub.parts()))
}

/// `url` with any `user:password@` before the host replaced by `***@`, for messages.
fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// An endpoint URL without `user:password@`, for messages.
#[cfg(feature = "s3")]
fn without_userinfo(endpoint: &str) -> String {
    match url::Url::parse(endpoint) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => endpoint.to_owned(),
    }
}

/// A suffix unlikely to collide between concurrent processes and tasks.
fn unique_suffix() -> String {
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Reads `path` in parts of `part_size`, hashing each and sending it on; returns the digest
/// of everything read. Stops early (returning what it hashed) when the receiver hangs up.
fn read_parts(
    path: &Path,
    part_size: usize,
    tx: &tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
) -> std::io::Result<crate::hash::FileDigest> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let mut buf = vec![0u8; part_size];
        let mut filled = 0;
        while filled < buf.len() {
            match file.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            break;
        }
        buf.truncate(filled);
        hasher.update(&buf);
        size += filled as u64;
        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
            break;
        }
        if filled < part_size {
            break;
        }
    }
    Ok(crate::hash::FileDigest {
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// The content type an artifact is stored with: from its kind when known, else from the
/// file name's extension; `application/octet-stream` for anything else.
///
/// | kind / extension | content type |
/// |---|---|
/// | apk | `application/vnd.android.package-archive` |
/// | aab, zip, xcarchive | `application/zip` |
/// | ipa | `application/octet-stream` |
/// | json | `application/json` |
/// | txt, log, mapping | `text/plain; charset=utf-8` |
pub fn content_type_for(kind: Option<ArtifactKind>, name: &str) -> &'static str {
    const TEXT: &str = "text/plain; charset=utf-8";
    match kind {
        Some(ArtifactKind::Apk) => return "application/vnd.android.package-archive",
        Some(ArtifactKind::Aab | ArtifactKind::Zip | ArtifactKind::Xcarchive) => {
            return "application/zip"
        }
        Some(ArtifactKind::Ipa) => return "application/octet-stream",
        Some(ArtifactKind::Mapping) => return TEXT,
        None => {}
    }
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "apk" => "application/vnd.android.package-archive",
        "aab" | "zip" | "xcarchive" => "application/zip",
        "json" => "application/json",
        "txt" | "log" => TEXT,
        _ => "application/octet-stream",
    }
}

#[async_trait]
impl ArtifactSink for ObjectStoreSink {
    fn name(&self) -> &str {
        self.backend_name()
    }

    fn local_dir(&self) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local { dir } => Some(
                self.prefix
                    .parts()
                    .fold(dir.clone(), |d, p| d.join(p.as_ref())),
            ),
            _ => None,
        }
    }

    async fn preflight(&self, _ctx: &BuildContext) -> Result<()> {
        self.check_writable()
            .await
            .map_err(|e| to_core(self.backend_name(), e))
    }

    async fn store(&self, ctx: &BuildContext, artifact: &Artifact) -> Result<StoredArtifact> {
        let backend = self.backend_name();
        let name = artifact
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                to_core(
                    backend,
                    ObjectSinkError::BadName {
                        name: artifact.path.display().to_string(),
                        reason: "the path has no file name in UTF-8",
                    },
                )
            })?
            .to_owned();
        let content_type = content_type_for(Some(artifact.kind), &name);
        let stored = self
            .put_file(&name, &artifact.path, content_type)
            .await
            .map_err(|e| to_core(backend, e))?;
        if !artifact.sha256.is_empty() && !artifact.sha256.eq_ignore_ascii_case(&stored.sha256) {
            ctx.warn(format!(
                "{} changed after it was built (expected sha256 {}, stored {}); the stored bytes are what the report lists",
                artifact.path.display(),
                artifact.sha256,
                stored.sha256
            ));
        }
        ctx.info(format!(
            "stored {} ({} bytes, sha256 {})",
            stored.location, stored.size, stored.sha256
        ));
        Ok(StoredArtifact {
            name,
            location: stored.location,
            kind: artifact.kind,
            platform: artifact.platform,
            size: stored.size,
            sha256: stored.sha256,
        })
    }
}

/// The core error for a sink error: input problems (URL, settings, credentials, bucket) are
/// [`Error::Rejected`], the store's or network's failures [`Error::Backend`].
fn to_core(backend: &str, e: ObjectSinkError) -> Error {
    if e.is_input() {
        Error::rejected(backend, e)
    } else {
        Error::backend(backend, e)
    }
}

impl From<ObjectSinkError> for Error {
    fn from(e: ObjectSinkError) -> Self {
        let backend = match &e {
            ObjectSinkError::BadUrl { url, .. } | ObjectSinkError::FeatureDisabled { url, .. }
                if url.starts_with("s3") =>
            {
                "s3"
            }
            _ => "object-store",
        };
        to_core(backend, e)
    }
}
