#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The platform-independent core: model, config, the five traits, pipeline, detection, hashing.
pub use nativiweb_core as core;

/// Android: the SDK-free APK packager, signing, zipalign and keystores.
#[cfg(feature = "android")]
pub use nativiweb_android as android;

/// iOS (reserved): the Xcode project generator and builder.
#[cfg(feature = "ios")]
pub use nativiweb_ios as ios;

/// Store submission (reserved): Google Play and App Store Connect.
#[cfg(feature = "store")]
pub use nativiweb_store as store;
