//! The pre-flight check: does this certificate and this profile sign this app?

use std::fmt;
use std::path::PathBuf;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use time::{Duration, OffsetDateTime};

use super::cert::{CertSummary, KeyMatch};
use super::p12::P12Identity;
use super::profile::{ProfileKind, ProfileSummary, ProvisioningProfile};
use super::CredentialError;
use crate::ExportMethod;

/// How long before an expiry the check warns.
pub const EXPIRY_WARNING: Duration = Duration::days(30);

/// What the app to sign needs: its bundle id, how it will be exported, which entitlements it
/// asks for, and the time to check expiry against.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckRequest {
    /// The app's bundle id (`com.example.app`).
    pub bundle_id: String,
    /// How the app will be exported; `None` skips the profile kind check.
    pub export_method: Option<ExportMethod>,
    /// Entitlements the app asks for (`aps-environment`,
    /// `com.apple.developer.associated-domains`...): each must be in the profile.
    pub entitlements: Vec<String>,
    /// The time to check expiry against (now, unless a test or a scheduled build says
    /// otherwise).
    pub now: OffsetDateTime,
}

impl CheckRequest {
    /// A request for `bundle_id`, with no export method, no entitlements, at the current time.
    pub fn new(bundle_id: impl Into<String>) -> CheckRequest {
        CheckRequest {
            bundle_id: bundle_id.into(),
            export_method: None,
            entitlements: Vec::new(),
            now: OffsetDateTime::now_utc(),
        }
    }

    /// With this export method.
    pub fn export_method(mut self, method: ExportMethod) -> CheckRequest {
        self.export_method = Some(method);
        self
    }

    /// With these entitlements.
    pub fn entitlements<I, S>(mut self, names: I) -> CheckRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entitlements = names.into_iter().map(Into::into).collect();
        self
    }

    /// Checking expiry against `now`.
    pub fn at(mut self, now: OffsetDateTime) -> CheckRequest {
        self.now = now;
        self
    }
}

/// The certificate side of a problem: the certificate and the file it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertRef {
    /// The `.p12`.
    pub path: PathBuf,
    /// Its common name (or fingerprint).
    pub name: String,
    /// SHA-1 fingerprint.
    pub sha1: String,
    /// The team id (subject OU).
    pub team_id: Option<String>,
}

/// The profile side of a problem: the profile and its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileRef {
    /// The `.mobileprovision`.
    pub path: PathBuf,
    /// `Name`.
    pub name: String,
    /// `UUID`.
    pub uuid: String,
    /// `TeamIdentifier`.
    pub team_ids: Vec<String>,
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the certificate \"{}\" (SHA-1 {}) in {}",
            self.name,
            self.sha1,
            self.path.display()
        )
    }
}

impl fmt::Display for ProfileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the provisioning profile \"{}\" ({}) in {}",
            self.name,
            self.uuid,
            self.path.display()
        )
    }
}

/// Something that stops the app from being signed or exported with this certificate and
/// profile. Its message names both sides and says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The certificate is not one of the profile's `DeveloperCertificates`.
    CertificateNotInProfile {
        /// The certificate.
        certificate: CertRef,
        /// The profile.
        profile: ProfileRef,
        /// The profile's certificates: name and SHA-1.
        profile_certificates: Vec<(String, String)>,
    },
    /// The profile's app id does not cover the bundle id.
    AppIdMismatch {
        /// The bundle id asked for.
        bundle_id: String,
        /// The profile's `application-identifier`.
        application_identifier: String,
        /// The profile.
        profile: ProfileRef,
    },
    /// The certificate has expired.
    CertificateExpired {
        /// The certificate.
        certificate: CertRef,
        /// When.
        expired: OffsetDateTime,
    },
    /// The certificate is not valid yet.
    CertificateNotYetValid {
        /// The certificate.
        certificate: CertRef,
        /// From when it is.
        valid_from: OffsetDateTime,
    },
    /// The profile has expired.
    ProfileExpired {
        /// The profile.
        profile: ProfileRef,
        /// When.
        expired: OffsetDateTime,
    },
    /// The export method needs another kind of profile.
    ExportMethodMismatch {
        /// The export method asked for.
        export_method: ExportMethod,
        /// The profile's kind.
        profile_kind: ProfileKind,
        /// The profile.
        profile: ProfileRef,
    },
    /// An entitlement the app asks for is not in the profile.
    EntitlementMissing {
        /// The entitlement.
        entitlement: String,
        /// The profile.
        profile: ProfileRef,
        /// The entitlements the profile has.
        available: Vec<String>,
    },
    /// The private key in the `.p12` is not the certificate's.
    KeyMismatch {
        /// The certificate (and the `.p12` holding the key).
        certificate: CertRef,
    },
}

fn date(t: &OffsetDateTime) -> String {
    t.date().to_string()
}

impl Problem {
    /// A short stable name for machines: `certificate_not_in_profile`, `app_id_mismatch`,
    /// `certificate_expired`, `certificate_not_yet_valid`, `profile_expired`,
    /// `export_method_mismatch`, `entitlement_missing`, `key_mismatch`.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::CertificateNotInProfile { .. } => "certificate_not_in_profile",
            Problem::AppIdMismatch { .. } => "app_id_mismatch",
            Problem::CertificateExpired { .. } => "certificate_expired",
            Problem::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            Problem::ProfileExpired { .. } => "profile_expired",
            Problem::ExportMethodMismatch { .. } => "export_method_mismatch",
            Problem::EntitlementMissing { .. } => "entitlement_missing",
            Problem::KeyMismatch { .. } => "key_mismatch",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::CertificateNotInProfile {
                certificate,
                profile,
                profile_certificates,
            } => {
                write!(f, "{certificate} is not among the certificates of {profile}")?;
                if profile_certificates.is_empty() {
                    write!(f, " (it lists none)")?;
                } else {
                    let list: Vec<String> = profile_certificates
                        .iter()
                        .map(|(name, sha1)| format!("\"{name}\" (SHA-1 {sha1})"))
                        .collect();
                    write!(f, " ({})", list.join(", "))?;
                }
                if let Some(team) = &certificate.team_id {
                    if !profile.team_ids.is_empty() && !profile.team_ids.contains(team) {
                        write!(
                            f,
                            "; the certificate belongs to team {team}, the profile to team {}",
                            profile.team_ids.join(", ")
                        )?;
                    }
                }
                write!(f, ": add this certificate to the profile in the Apple Developer portal (Profiles > the profile > Edit) and download the profile again, or use the .p12 of one of the profile's certificates")
            }
            Problem::AppIdMismatch {
                bundle_id,
                application_identifier,
                profile,
            } => write!(
                f,
                "the bundle id {bundle_id} does not match the app id {application_identifier} of {profile}: use a profile made for {bundle_id} (or for a wildcard app id that covers it, such as {}.*), or build with the bundle id the profile is for",
                profile.team_ids.first().map(String::as_str).unwrap_or("TEAMID")
            ),
            Problem::CertificateExpired { certificate, expired } => write!(
                f,
                "{certificate} expired on {}: create a new certificate in the Apple Developer portal (Certificates), add it to the provisioning profile, download the profile again, and export the new certificate with its key as .p12",
                date(expired)
            ),
            Problem::CertificateNotYetValid { certificate, valid_from } => write!(
                f,
                "{certificate} is not valid before {}: check this machine's clock",
                date(valid_from)
            ),
            Problem::ProfileExpired { profile, expired } => write!(
                f,
                "{profile} expired on {}: regenerate it in the Apple Developer portal (Profiles > the profile > Edit > Save) and download it again",
                date(expired)
            ),
            Problem::ExportMethodMismatch {
                export_method,
                profile_kind,
                profile,
            } => write!(
                f,
                "the export method {export_method} needs {} {} profile, but {profile} is {} {profile_kind} profile: export with --export-method {}, or use {} {} profile",
                article(ProfileKind::for_export_method(*export_method)),
                ProfileKind::for_export_method(*export_method),
                article(*profile_kind),
                profile_kind.export_method(),
                article(ProfileKind::for_export_method(*export_method)),
                ProfileKind::for_export_method(*export_method),
            ),
            Problem::EntitlementMissing {
                entitlement,
                profile,
                available,
            } => write!(
                f,
                "the app asks for the entitlement {entitlement}, which {profile} does not grant (it grants: {}): enable the capability for the app id in the Apple Developer portal (Identifiers), then regenerate and download the profile",
                available.join(", ")
            ),
            Problem::KeyMismatch { certificate } => write!(
                f,
                "the private key in {} is not the key of its certificate \"{}\" (SHA-1 {}): the key's public half differs from the certificate's public key; export the certificate together with its own private key from Keychain Access (\"My Certificates\") again",
                certificate.path.display(),
                certificate.name,
                certificate.sha1
            ),
        }
    }
}

fn article(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::AppStore | ProfileKind::AdHoc | ProfileKind::Enterprise => "an",
        ProfileKind::Development => "a",
    }
}

impl Serialize for Problem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Problem", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// Something that does not stop the build but soon will, or that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// The certificate expires within [`EXPIRY_WARNING`].
    CertificateExpiresSoon {
        /// The certificate.
        certificate: CertRef,
        /// When.
        expires: OffsetDateTime,
        /// Whole days left.
        days_left: i64,
    },
    /// The profile expires within [`EXPIRY_WARNING`].
    ProfileExpiresSoon {
        /// The profile.
        profile: ProfileRef,
        /// When.
        expires: OffsetDateTime,
        /// Whole days left.
        days_left: i64,
    },
    /// The private key could not be compared with the certificate.
    KeyNotChecked {
        /// The certificate.
        certificate: CertRef,
        /// Why.
        reason: String,
    },
}

impl Warning {
    /// A short stable name for machines: `certificate_expires_soon`, `profile_expires_soon`,
    /// `key_not_checked`.
    pub fn kind(&self) -> &'static str {
        match self {
            Warning::CertificateExpiresSoon { .. } => "certificate_expires_soon",
            Warning::ProfileExpiresSoon { .. } => "profile_expires_soon",
            Warning::KeyNotChecked { .. } => "key_not_checked",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::CertificateExpiresSoon {
                certificate,
                expires,
                days_left,
            } => write!(
                f,
                "{certificate} expires on {} (in {days_left} days): renew it in the Apple Developer portal and update the profile",
                date(expires)
            ),
            Warning::ProfileExpiresSoon {
                profile,
                expires,
                days_left,
            } => write!(
                f,
                "{profile} expires on {} (in {days_left} days): regenerate it in the Apple Developer portal",
                date(expires)
            ),
            Warning::KeyNotChecked { certificate, reason } => write!(
                f,
                "the private key in {} was not compared with its certificate: {reason}",
                certificate.path.display()
            ),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Warning", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// The outcome of [`check`]: every problem and warning at once, and what both sides say.
///
/// Serializes (for `--json`) as `{"ok", "bundle_id", "export_method", "problems": [{"kind",
/// "message"}], "warnings": [{"kind", "message"}], "certificate": {...}, "profile": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckReport {
    /// The bundle id checked.
    pub bundle_id: String,
    /// The export method checked, if any.
    pub export_method: Option<ExportMethod>,
    /// What stops the build; empty when all holds.
    pub problems: Vec<Problem>,
    /// What does not stop it yet.
    pub warnings: Vec<Warning>,
    /// The `.p12`'s certificate.
    pub certificate: CertSummary,
    /// Where the certificate was read from.
    pub certificate_path: PathBuf,
    /// The profile.
    pub profile: ProfileSummary,
}

impl CheckReport {
    /// True when there is no problem (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Serialize for CheckReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CheckReport", 8)?;
        s.serialize_field("ok", &self.is_ok())?;
        s.serialize_field("bundle_id", &self.bundle_id)?;
        s.serialize_field(
            "export_method",
            &self.export_method.map(ExportMethod::as_str),
        )?;
        s.serialize_field("problems", &self.problems)?;
        s.serialize_field("warnings", &self.warnings)?;
        s.serialize_field("certificate", &self.certificate)?;
        s.serialize_field("certificate_path", &self.certificate_path)?;
        s.serialize_field("profile", &self.profile)?;
        s.end()
    }
}

/// Checks that `identity` and `profile` can sign and export the app `request` describes, and
/// reports every problem at once: the certificate is not in the profile; the profile's app id
/// does not cover the bundle id; the certificate or the profile has expired (a warning within
/// 30 days); the export method does not fit the kind of profile; an entitlement is not in the
/// profile; the key is not the certificate's.
///
/// Fails only for a bundle id that is not one ([`CredentialError::BundleId`]).
pub fn check(
    identity: &P12Identity,
    profile: &ProvisioningProfile,
    request: &CheckRequest,
) -> Result<CheckReport, CredentialError> {
    validate_bundle_id(&request.bundle_id)?;
    let cert = identity.certificate().summary();
    let cert_ref = CertRef {
        path: identity.path().to_path_buf(),
        name: cert.name().to_owned(),
        sha1: cert.sha1.clone(),
        team_id: cert.team_id.clone(),
    };
    let profile_ref = ProfileRef {
        path: profile.path.clone(),
        name: profile.name.clone(),
        uuid: profile.uuid.clone(),
        team_ids: profile.team_ids.clone(),
    };
    let now = request.now;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();

    if !profile.contains_certificate(identity.certificate()) {
        problems.push(Problem::CertificateNotInProfile {
            certificate: cert_ref.clone(),
            profile: profile_ref.clone(),
            profile_certificates: profile
                .developer_certificates
                .iter()
                .map(|c| (c.summary().name().to_owned(), c.summary().sha1.clone()))
                .collect(),
        });
    }
    if !profile.matches_bundle_id(&request.bundle_id) {
        problems.push(Problem::AppIdMismatch {
            bundle_id: request.bundle_id.clone(),
            application_identifier: profile.application_identifier.clone(),
            profile: profile_ref.clone(),
        });
    }
    if cert.not_after <= now {
        problems.push(Problem::CertificateExpired {
            certificate: cert_ref.clone(),
            expired: cert.not_after,
        });
    } else if cert.not_after - now <= EXPIRY_WARNING {
        warnings.push(Warning::CertificateExpiresSoon {
            certificate: cert_ref.clone(),
            expires: cert.not_after,
            days_left: (cert.not_after - now).whole_days(),
        });
    }
    if cert.not_before > now {
        problems.push(Problem::CertificateNotYetValid {
            certificate: cert_ref.clone(),
            valid_from: cert.not_before,
        });
    }
    if profile.expiration_date <= now {
        problems.push(Problem::ProfileExpired {
            profile: profile_ref.clone(),
            expired: profile.expiration_date,
        });
    } else if profile.expiration_date - now <= EXPIRY_WARNING {
        warnings.push(Warning::ProfileExpiresSoon {
            profile: profile_ref.clone(),
            expires: profile.expiration_date,
            days_left: (profile.expiration_date - now).whole_days(),
        });
    }
    if let Some(method) = request.export_method {
        let kind = profile.kind();
        if kind.export_method() != method {
            problems.push(Problem::ExportMethodMismatch {
                export_method: method,
                profile_kind: kind,
                profile: profile_ref.clone(),
            });
        }
    }
    for entitlement in &request.entitlements {
        if !profile.entitlements.contains_key(entitlement) {
            problems.push(Problem::EntitlementMissing {
                entitlement: entitlement.clone(),
                profile: profile_ref.clone(),
                available: profile.entitlements.keys().cloned().collect(),
            });
        }
    }
    match identity.key_match() {
        KeyMatch::Matches => {}
        KeyMatch::Differs => problems.push(Problem::KeyMismatch {
            certificate: cert_ref.clone(),
        }),
        KeyMatch::Unchecked(reason) => warnings.push(Warning::KeyNotChecked {
            certificate: cert_ref.clone(),
            reason: reason.clone(),
        }),
    }
    Ok(CheckReport {
        bundle_id: request.bundle_id.clone(),
        export_method: request.export_method,
        problems,
        warnings,
        certificate: cert.clone(),
        certificate_path: identity.path().to_path_buf(),
        profile: profile.summary(),
    })
}

/// A bundle id: letters, digits, `-` and `.`, not empty, no empty segment.
fn validate_bundle_id(bundle_id: &str) -> Result<(), CredentialError> {
    let bad = |rule: &str| CredentialError::BundleId {
        bundle_id: bundle_id.to_owned(),
        rule: rule.to_owned(),
    };
    if bundle_id.is_empty() {
        return Err(bad("it is empty"));
    }
    if !bundle_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(bad(
            "a bundle id has only letters A-Z and a-z, digits, '-' and '.' (com.example.app)",
        ));
    }
    if bundle_id.split('.').any(str::is_empty) {
        return Err(bad(
            "it has an empty part (a leading, trailing or double '.')",
        ));
    }
    Ok(())
}
