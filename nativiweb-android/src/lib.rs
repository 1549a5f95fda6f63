//! # nativiweb-android
//!
//! Android for nativiweb, with no JDK, SDK or Gradle: the SDK-free packager that turns a web
//! bundle into an APK ([`ApkPackager`]), and in-process signing — APK Signature Scheme
//! v1/v2/v3 ([`ApkSigner`]), AAB JAR signing ([`JarSigner`]), zipalign ([`zip::align`]),
//! PKCS#12 and JKS keystores ([`keystore`]) and verification ([`sign::verify`]).
//!
//! The folders follow the architecture:
//!
//! | module | what |
//! |---|---|
//! | [`package`] | the app model built from the config and the web bundle, its APK encoders ([`package::apk`]: binary XML, `resources.arsc`), launcher icons |
//! | [`shell`] | the Android program every packaged app runs (`classes.dex`) and its settings |
//! | [`sign`] | v1/v2/v3 signing, the signing block, digests, verification, the `Signer` backends |
//! | [`keystore`] | PKCS#12 and JKS keystores, keys and certificates |
//! | [`zip`] | our zip reader and writer, and zipalign |
//! | [`gradle`] | [`GradleBuilder`]: builds Android, Capacitor, Cordova, React Native, Expo and Flutter projects with their own tools, after JDK and SDK discovery |
//!
//! The older flat paths (`nativiweb_android::sign::verify`, `::signer`, `::align`, `::keys`, ...)
//! still work: they are re-exported below.
//!
//! ```no_run
//! # fn main() -> Result<(), nativiweb_android::SignError> {
//! use nativiweb_android::keystore::KeystorePasswords;
//! use nativiweb_android::ApkSigner;
//!
//! let passwords = KeystorePasswords::from_env()?;
//! let signer = ApkSigner::from_keystore("upload.p12".as_ref(), &passwords, Some("upload"))?;
//! signer.sign_file("app.apk".as_ref(), "app-signed.apk".as_ref())?;
//! let report = nativiweb_android::sign::verify::verify("app-signed.apk".as_ref())?;
//! assert!(report.schemes.contains(&"v2".to_owned()));
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
pub use nativiweb_core;

pub mod error;
pub mod gradle;
pub mod keystore;
pub mod package;
pub mod shell;
pub mod sign;
pub mod zip;

pub use error::SignError;
pub use gradle::GradleBuilder;
pub use package::ApkPackager;
pub use sign::signer::{ApkSigner, JarSigner};

// The paths from before the crate was arranged in folders, for callers that use them.
#[doc(no_inline)]
pub use keystore::keys;
#[doc(no_inline)]
pub use package::apk::{arsc, axml};
#[doc(no_inline)]
pub use package::icons;
#[doc(no_inline)]
pub use sign::{apksign, digest, manifest, sigblock, signer, v1, verify};
#[doc(no_inline)]
pub use zip::align;
/// The SDK-free packager (now [`package`]).
pub mod packager {
    pub use crate::package::*;
}
