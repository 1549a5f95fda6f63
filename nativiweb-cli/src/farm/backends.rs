//! The CLI's [`Backends`]: the Android builders (`direct`, `gradle`) and signers of this
//! program, and the iOS builder where it can run. Signers are opened once per profile at
//! start (a keystore's key derivation takes milliseconds, the debug key's creation longer) and
//! cloned for each job.

use std::collections::BTreeMap;

use nativiweb::android::keystore::KeystorePasswords;
use nativiweb::android::{ApkPackager, ApkSigner, GradleBuilder};
use nativiweb::core::model::Platform;
use nativiweb::core::{Builder, Error, Signer};
use nativiweb::farm::signing::{SigningProfile, SigningProfiles};
use nativiweb::farm::{Backends, CredentialExpiry, JobRequest};

use crate::output::CliError;

/// This program's builders and the signers of the worker's profiles.
#[derive(Debug)]
pub struct CliBackends {
    android_signers: BTreeMap<String, ApkSigner>,
    android_expiries: BTreeMap<String, CredentialExpiry>,
    debug: Option<ApkSigner>,
}

impl CliBackends {
    /// Opens every Android profile's keystore now, so a wrong password stops the worker at
    /// start instead of failing builds.
    pub fn open(profiles: &SigningProfiles, queues: &[Platform]) -> Result<Self, CliError> {
        let mut android_signers = BTreeMap::new();
        let mut android_expiries = BTreeMap::new();
        for p in profiles.iter().filter(|p| p.platform == Platform::Android) {
            let Some(keystore) = &p.keystore else {
                continue;
            };
            let pw = KeystorePasswords::new(p.password.clone());
            let signer =
                ApkSigner::from_keystore(keystore, &pw, p.alias.as_deref()).map_err(|e| {
                    CliError::input(format!(
                        "signing profile `{}`: {}",
                        p.name,
                        crate::sign::sign_error_message(&e)
                    ))
                })?;
            android_expiries.insert(
                p.name.clone(),
                CredentialExpiry {
                    profile: p.name.clone(),
                    what: "certificate".into(),
                    expires_at: signer.identity().certificate().not_after,
                },
            );
            android_signers.insert(p.name.clone(), signer);
        }
        let debug = if queues.contains(&Platform::Android) {
            Some(ApkSigner::debug().map_err(crate::sign::sign_error)?)
        } else {
            None
        };
        Ok(CliBackends {
            android_signers,
            android_expiries,
            debug,
        })
    }
}

impl Backends for CliBackends {
    fn platforms(&self) -> Vec<Platform> {
        let mut p = vec![Platform::Android];
        if cfg!(target_os = "macos") {
            p.push(Platform::Ios);
        }
        p
    }

    fn builder(&self, job: &JobRequest) -> nativiweb::core::Result<Box<dyn Builder>> {
        match (job.platform, job.builder.as_deref()) {
            (Platform::Android, None | Some("direct")) => Ok(Box::new(ApkPackager::new())),
            (Platform::Android, Some("gradle")) => Ok(Box::new(GradleBuilder::new())),
            (platform, Some(other)) => Err(Error::InvalidInput(format!(
                "builder `{other}` does not build {platform} on this worker: use direct or gradle for android"
            ))),
            (Platform::Ios, None) => Err(Error::InvalidInput(
                "iOS builds need a macOS worker with Xcode".into(),
            )),
        }
    }

    fn signer(
        &self,
        job: &JobRequest,
        profile: Option<&SigningProfile>,
    ) -> nativiweb::core::Result<Option<Box<dyn Signer>>> {
        match (job.platform, profile) {
            (Platform::Android, Some(p)) => match self.android_signers.get(&p.name) {
                Some(s) => Ok(Some(Box::new(s.clone()))),
                None => Err(Error::InvalidInput(format!(
                    "signing profile `{}` is an {} profile; this job builds android",
                    p.name, p.platform
                ))),
            },
            (Platform::Android, None) => {
                Ok(self.debug.clone().map(|s| Box::new(s) as Box<dyn Signer>))
            }
            (Platform::Ios, _) => Ok(None),
        }
    }

    fn expiries(&self, profile: &SigningProfile) -> Vec<CredentialExpiry> {
        self.android_expiries
            .get(&profile.name)
            .cloned()
            .into_iter()
            .collect()
    }
}
