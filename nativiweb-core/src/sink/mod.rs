//! [`crate::ArtifactSink`] backends: where finished artifacts are kept.
//!
//! [`LocalDirSink`] (the default) copies artifacts into a folder and keeps an `artifacts.json`
//! manifest beside them. Every sink computes the SHA-256 from the bytes it stored, never trusting
//! the hash it was handed.

pub mod local;

pub use local::{LocalDirSink, LocalSinkError, ManifestEntry, MANIFEST_NAME};
