//! # nativiweb-store
//!
//! The home of nativiweb's `StoreSubmitter` backends: Google Play (the Android Publisher API:
//! edits, uploads, tracks) and App Store Connect (JWT-authenticated uploads). None of them is
//! written yet; until they are, this crate only re-exports [`nativiweb_core`], whose
//! [`nativiweb_core::StoreSubmitter`] trait and in-memory submitter
//! ([`nativiweb_core::memory::MemorySubmitter`]) define what a backend must do.
//!
//! ```
//! use nativiweb_store::nativiweb_core::memory::MemorySubmitter;
//! use nativiweb_store::nativiweb_core::{ArtifactKind, StoreSubmitter};
//!
//! let play = MemorySubmitter::new("internal").accepting([ArtifactKind::Aab]);
//! assert!(play.accepts(ArtifactKind::Aab));
//! assert!(!play.accepts(ArtifactKind::Ipa));
//! ```
#![warn(missing_docs)]

pub use nativiweb_core;
