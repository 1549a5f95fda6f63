//! # nativiweb
//!
//! Turns web projects into signed native mobile apps, as a library. This umbrella crate
//! re-exports the workspace's crates; enable only the platforms you need with the `android`,
//! `ios` and `store` features (all on by default).
#![warn(missing_docs)]

pub use nativiweb_core as core;

#[cfg(feature = "android")]
pub use nativiweb_android as android;

#[cfg(feature = "ios")]
pub use nativiweb_ios as ios;

#[cfg(feature = "store")]
pub use nativiweb_store as store;
