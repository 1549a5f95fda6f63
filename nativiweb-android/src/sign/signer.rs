//! [`ApkSigner`] and [`JarSigner`]: the signing code behind nativiweb-core's [`Signer`]
//! trait, so a pipeline signs APKs and AABs in-process, with no JDK or build-tools.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use nativiweb_core::{
    Artifact, ArtifactKind, BuildContext, Error as CoreError, SignatureInfo, SignedArtifact, Signer,
};

use crate::error::{Result, SignError};
use crate::keystore::keys::SigningIdentity;
use crate::keystore::{debug_identity, open_keystore, KeystorePasswords};
use crate::sign::apksign::{sign_apk, sign_jar, SignOptions, SignReport};

/// The backend name of [`ApkSigner`] in errors and reports.
pub const APK_SIGNER: &str = "apk-signer";
/// The backend name of [`JarSigner`].
pub const JAR_SIGNER: &str = "jar-signer";

/// Signs APKs with APK Signature Scheme v2 and v3, plus v1 (JAR) when minSdk < 24; AABs
/// given to it get v1 JAR signing, as Play requires of an upload.
///
/// ```no_run
/// # fn main() -> Result<(), nativiweb_android::error::SignError> {
/// use nativiweb_android::keystore::KeystorePasswords;
/// use nativiweb_android::sign::signer::ApkSigner;
///
/// let passwords = KeystorePasswords::from_env()?; // NATIVIWEB_KEYSTORE_PASSWORD, NATIVIWEB_KEY_PASSWORD
/// let signer = ApkSigner::from_keystore("upload.p12".as_ref(), &passwords, None)?;
/// let report = signer.sign_file("app.apk".as_ref(), "app-signed.apk".as_ref())?;
/// println!("{:?} by {}", report.schemes, report.certificate_subject);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ApkSigner {
    identity: Arc<SigningIdentity>,
    options: SignOptions,
}

impl ApkSigner {
    /// A signer using `identity`.
    pub fn new(identity: SigningIdentity) -> Self {
        ApkSigner {
            identity: Arc::new(identity),
            options: SignOptions::default(),
        }
    }

    /// A signer with the key `alias` (or the only key) of the PKCS#12 or JKS keystore at
    /// `path`. Fails on a wrong password, an unknown alias (listing the aliases there), an
    /// unsupported key or an expired certificate.
    pub fn from_keystore(
        path: &Path,
        passwords: &KeystorePasswords,
        alias: Option<&str>,
    ) -> Result<Self> {
        Ok(Self::new(open_keystore(path, passwords, alias)?))
    }

    /// A signer with the per-user debug key (created once under
    /// `$XDG_CONFIG_HOME/nativiweb/debug.p12`); what it signs reports `debug: true`.
    pub fn debug() -> Result<Self> {
        Ok(Self::new(debug_identity()?.0))
    }

    /// Sets the minSdk to decide v1 by, instead of reading the APK's manifest.
    pub fn with_min_sdk(mut self, min_sdk: Option<u32>) -> Self {
        self.options.min_sdk = min_sdk;
        self
    }

    /// Sets all signing options.
    pub fn with_options(mut self, options: SignOptions) -> Self {
        self.options = options;
        self
    }

    /// The key and certificate it signs with.
    pub fn identity(&self) -> &SigningIdentity {
        &self.identity
    }

    /// Signs `input` into `output` (which may be `input`), synchronously: an APK (by its
    /// `.apk` extension or anything but `.aab`) with v1/v2/v3, an AAB with v1.
    pub fn sign_file(&self, input: &Path, output: &Path) -> Result<SignReport> {
        match ArtifactKind::from_path(input) {
            Some(ArtifactKind::Aab) => sign_jar(input, output, &self.identity),
            _ => sign_apk(input, output, &self.identity, &self.options),
        }
    }
}

/// Signs AABs (and other JARs) with v1 JAR signing and SHA-256, like
/// `jarsigner -sigalg SHA256withRSA -digestalg SHA-256`.
#[derive(Debug, Clone)]
pub struct JarSigner {
    identity: Arc<SigningIdentity>,
}

impl JarSigner {
    /// A signer using `identity`.
    pub fn new(identity: SigningIdentity) -> Self {
        JarSigner {
            identity: Arc::new(identity),
        }
    }

    /// A signer with the key `alias` (or the only key) of the keystore at `path`.
    pub fn from_keystore(
        path: &Path,
        passwords: &KeystorePasswords,
        alias: Option<&str>,
    ) -> Result<Self> {
        Ok(Self::new(open_keystore(path, passwords, alias)?))
    }

    /// The key and certificate it signs with.
    pub fn identity(&self) -> &SigningIdentity {
        &self.identity
    }

    /// Signs `input` into `output` (which may be `input`), synchronously.
    pub fn sign_file(&self, input: &Path, output: &Path) -> Result<SignReport> {
        sign_jar(input, output, &self.identity)
    }
}

/// Shared body of both signers' `Signer::sign`: runs the signing on a blocking thread,
/// honours cancellation and the deadline, reports what was signed with.
async fn sign_artifact(
    backend: &'static str,
    identity: Arc<SigningIdentity>,
    run: impl FnOnce(&Path, &Path) -> Result<SignReport> + Send + 'static,
    ctx: &BuildContext,
    artifact: &Artifact,
    out: Option<&Path>,
) -> nativiweb_core::Result<SignedArtifact> {
    let started = Instant::now();
    ctx.check(started)?;
    let input = artifact.path.clone();
    let output: PathBuf = out.map_or_else(|| input.clone(), Path::to_owned);
    if let Some(w) = identity.expiry_warning() {
        ctx.info(format!("warning: {w}"));
    }
    let (i, o) = (input.clone(), output.clone());
    let report = tokio::task::spawn_blocking(move || run(&i, &o))
        .await
        .map_err(|e| CoreError::backend(backend, format!("the signing task failed: {e}")))?
        .map_err(|e| e.into_core(backend))?;
    ctx.check(started)?;
    let digest = tokio::task::spawn_blocking({
        let o = output.clone();
        move || nativiweb_core::hash::sha256_file(&o)
    })
    .await
    .map_err(|e| CoreError::backend(backend, format!("the hashing task failed: {e}")))?
    .map_err(|e| CoreError::backend(backend, e))?;
    ctx.info(format!(
        "signed {} with {} (key `{}`, {}, certificate {} sha256 {}){}",
        output.display(),
        report.schemes.join(", "),
        identity.alias(),
        identity.key().describe(),
        report.certificate_subject,
        report.certificate_sha256,
        if identity.is_debug() {
            " — debug key: stores refuse it"
        } else {
            ""
        }
    ));
    Ok(SignedArtifact {
        artifact: Artifact {
            path: output,
            kind: artifact.kind,
            platform: artifact.platform,
            size: digest.size,
            sha256: digest.sha256,
        },
        signature: SignatureInfo {
            signer: backend.to_owned(),
            schemes: report.schemes,
            certificate_subject: report.certificate_subject,
            certificate_sha256: report.certificate_sha256,
            debug: identity.is_debug(),
        },
    })
}

#[async_trait]
impl Signer for ApkSigner {
    fn name(&self) -> &str {
        APK_SIGNER
    }

    fn supports(&self, kind: ArtifactKind) -> bool {
        matches!(kind, ArtifactKind::Apk | ArtifactKind::Aab)
    }

    async fn sign(
        &self,
        ctx: &BuildContext,
        artifact: &Artifact,
        out: Option<&Path>,
    ) -> nativiweb_core::Result<SignedArtifact> {
        if !self.supports(artifact.kind) {
            return Err(CoreError::InvalidInput(format!(
                "{APK_SIGNER} signs APKs and AABs, not {} files ({})",
                artifact.kind,
                artifact.path.display()
            )));
        }
        let identity = self.identity.clone();
        let options = self.options.clone();
        let kind = artifact.kind;
        let id = identity.clone();
        sign_artifact(
            APK_SIGNER,
            identity,
            move |i, o| match kind {
                ArtifactKind::Aab => sign_jar(i, o, &id),
                _ => sign_apk(i, o, &id, &options),
            },
            ctx,
            artifact,
            out,
        )
        .await
    }
}

#[async_trait]
impl Signer for JarSigner {
    fn name(&self) -> &str {
        JAR_SIGNER
    }

    fn supports(&self, kind: ArtifactKind) -> bool {
        matches!(kind, ArtifactKind::Aab | ArtifactKind::Zip)
    }

    async fn sign(
        &self,
        ctx: &BuildContext,
        artifact: &Artifact,
        out: Option<&Path>,
    ) -> nativiweb_core::Result<SignedArtifact> {
        if !self.supports(artifact.kind) {
            return Err(CoreError::InvalidInput(format!(
                "{JAR_SIGNER} signs AABs and JARs, not {} files ({}); use ApkSigner for APKs",
                artifact.kind,
                artifact.path.display()
            )));
        }
        let identity = self.identity.clone();
        let id = identity.clone();
        sign_artifact(
            JAR_SIGNER,
            identity,
            move |i, o| sign_jar(i, o, &id),
            ctx,
            artifact,
            out,
        )
        .await
    }
}

impl From<SignError> for CoreError {
    fn from(e: SignError) -> Self {
        e.into_core(APK_SIGNER)
    }
}
