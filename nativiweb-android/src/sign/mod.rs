//! Signing and verifying, in-process: APK Signature Scheme v1 (JAR), v2 and v3 for APKs, v1
//! for App Bundles, with no JDK or build-tools.
//!
//! - [`signer`]: [`ApkSigner`](signer::ApkSigner) and [`JarSigner`](signer::JarSigner), the
//!   [`Signer`](nativiweb_core::Signer) backends a pipeline uses.
//! - [`apksign`]: the signing itself (the fast path that copies or keeps the entries, the
//!   rewriting path); `inplace` rewrites only the end of an APK signed in place.
//! - [`v1`]: JAR signing (`MANIFEST.MF`, `.SF`, the CMS signature block).
//! - [`sigblock`]: the APK Signing Block and the v2/v3 signer records.
//! - [`digest`]: the chunked, parallel v2/v3 content digest.
//! - [`verify`]: checks every signature present, stricter than the platform.
//! - [`manifest`]: reads the package and `minSdkVersion` from a binary manifest (whether v1
//!   is needed).

pub mod apksign;
pub mod digest;
mod inplace;
pub mod manifest;
pub mod sigblock;
pub mod signer;
pub mod v1;
pub mod verify;
