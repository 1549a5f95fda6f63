//! [`Backends`]: how a worker turns a job into a builder and a signer. The farm depends on
//! nativiweb-core only; the program that runs a worker (the CLI, a company's own service)
//! brings the platform crates and implements this trait, so a Linux-only worker never compiles
//! the iOS builder and a custom builder plugs in without forking the farm.

use nativiweb_core::model::Platform;
use nativiweb_core::{Builder, Signer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::job::JobRequest;
use crate::signing::SigningProfile;

/// When one of a profile's credentials expires, for the metrics' expiry gauge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialExpiry {
    /// The signing profile.
    pub profile: String,
    /// `certificate` or `provisioning_profile`.
    pub what: String,
    /// When it stops being valid.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Chooses a job's builder and signer.
pub trait Backends: Send + Sync + std::fmt::Debug {
    /// The platforms this worker can build (a worker refuses queues outside them at start).
    fn platforms(&self) -> Vec<Platform>;

    /// The builder for `job` (its platform, `builder` and `format`).
    ///
    /// # Errors
    /// An input error when the job asks for a builder this worker does not have.
    fn builder(&self, job: &JobRequest) -> nativiweb_core::Result<Box<dyn Builder>>;

    /// The signer for `job`, with the worker's profile the job named (`None`: the platform's
    /// debug signing, or none).
    ///
    /// # Errors
    /// An input error when the profile does not fit the job (an iOS profile for Android).
    fn signer(
        &self,
        job: &JobRequest,
        profile: Option<&SigningProfile>,
    ) -> nativiweb_core::Result<Option<Box<dyn Signer>>>;

    /// When the profile's certificates expire (read once at worker start).
    fn expiries(&self, _profile: &SigningProfile) -> Vec<CredentialExpiry> {
        Vec::new()
    }
}
