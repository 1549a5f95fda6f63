//! nativiweb-android (in progress).
#![warn(missing_docs)]
pub use nativiweb_core;

pub mod zip;
