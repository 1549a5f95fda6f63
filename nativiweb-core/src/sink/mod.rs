//! [`crate::ArtifactSink`] backends: where finished artifacts are kept.
//!
//! [`LocalDirSink`] (the default) copies artifacts into a folder and keeps an `artifacts.json`
//! manifest beside them. [`ObjectStoreSink`] (features `object-store` and `s3`) puts them in an
//! object store: Amazon S3 or an S3-compatible server, a local folder, or memory. Every sink
//! computes the SHA-256 from the bytes it stored, never trusting the hash it was handed.

pub mod local;
#[cfg(feature = "object-store")]
pub mod object;

pub use local::{LocalDirSink, LocalSinkError, ManifestEntry, MANIFEST_NAME};
#[cfg(feature = "object-store")]
pub use object::{
    content_type_for, object_store, ObjectSinkError, ObjectStoreSink, StoredObject,
    DEFAULT_PART_SIZE, SHA256_METADATA,
};
