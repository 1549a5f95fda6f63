//! nativiweb-android (in progress).
#![warn(missing_docs)]
pub use nativiweb_core;

pub mod zip;
pub mod align;
pub mod apksign;
pub mod digest;
pub mod error;
pub mod keys;
pub mod keystore;
pub mod manifest;
pub mod sigblock;
pub mod signer;
pub mod v1;
pub mod verify;
pub mod arsc;
pub mod axml;
pub mod icons;
pub mod packager;
pub mod shell;

pub use packager::ApkPackager;
