//! # nativiweb-android
//!
//! Android for nativiweb: the SDK-free APK packager, and in-process signing with no JDK or
//! build-tools — APK Signature Scheme v1/v2/v3 ([`ApkSigner`]), AAB JAR signing
//! ([`JarSigner`]), zipalign ([`align`]), PKCS#12 and JKS keystores ([`keystore`]) and
//! verification ([`verify`]). Signing and packaging share our own zip layer ([`zip`]).
//!
//! ```no_run
//! # fn main() -> Result<(), nativiweb_android::SignError> {
//! use nativiweb_android::keystore::KeystorePasswords;
//! use nativiweb_android::ApkSigner;
//!
//! let passwords = KeystorePasswords::from_env()?;
//! let signer = ApkSigner::from_keystore("upload.p12".as_ref(), &passwords, Some("upload"))?;
//! signer.sign_file("app.apk".as_ref(), "app-signed.apk".as_ref())?;
//! let report = nativiweb_android::verify::verify("app-signed.apk".as_ref())?;
//! assert!(report.schemes.contains(&"v2".to_owned()));
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
pub use nativiweb_core;

pub mod align;
pub mod apksign;
pub mod arsc;
pub mod axml;
pub mod digest;
pub mod error;
pub mod icons;
pub mod keys;
pub mod keystore;
pub mod manifest;
pub mod packager;
pub mod shell;
pub mod sigblock;
pub mod signer;
pub mod v1;
pub mod verify;
pub mod zip;

pub use error::SignError;
pub use packager::ApkPackager;
pub use signer::{ApkSigner, JarSigner};
