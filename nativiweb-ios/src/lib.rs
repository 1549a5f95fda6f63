//! nativiweb-ios (in progress).
#![warn(missing_docs)]
pub use nativiweb_core;
