//! # nativiweb-ios
//!
//! The home of nativiweb's iOS backends: the Xcode project generator, the `XcodeBuilder`
//! (xcodebuild driven as a process) and iOS credentials (p12 certificates, provisioning
//! profiles). None of them is written yet; until they are, this crate only re-exports
//! [`nativiweb_core`] so the umbrella crate's `ios` feature has a stable place to grow, and
//! `nativiweb build --platform ios` says that iOS builds are not part of this release.
//!
//! ```
//! use nativiweb_ios::nativiweb_core::Platform;
//! assert_eq!(Platform::Ios.as_str(), "ios");
//! ```
#![warn(missing_docs)]

pub use nativiweb_core;
