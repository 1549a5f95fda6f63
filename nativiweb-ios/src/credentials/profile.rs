//! Reading a provisioning profile (`.mobileprovision`).
//!
//! A profile is a CMS `SignedData` message (Apple writes it in BER, with indefinite lengths)
//! whose content is an XML property list. We read the plist out of the message; we do not
//! verify Apple's signature over it (`codesign` and the device do that).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use super::ber;
use super::cert::Certificate;
use super::CredentialError;
use crate::ExportMethod;

/// `1.2.840.113549.1.7.2` (CMS signedData), DER contents of the OID.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// `1.2.840.113549.1.7.1` (CMS data).
const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// The kind of a provisioning profile, as Apple tells them apart: `ProvisionsAllDevices`
/// makes an enterprise (in-house) profile; a `ProvisionedDevices` list makes a development
/// profile when the app may be debugged (`get-task-allow`), else an ad hoc one; neither makes
/// an App Store profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProfileKind {
    /// For App Store Connect (TestFlight and the App Store).
    AppStore,
    /// For the devices listed in the profile, without debugging.
    AdHoc,
    /// For any device of an Apple Developer Enterprise Program organisation.
    Enterprise,
    /// For the devices listed in the profile, debuggable.
    Development,
}

impl ProfileKind {
    /// `app-store`, `ad-hoc`, `enterprise`, `development`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::AppStore => "app-store",
            ProfileKind::AdHoc => "ad-hoc",
            ProfileKind::Enterprise => "enterprise",
            ProfileKind::Development => "development",
        }
    }

    /// The export method this kind of profile is for (`app-store` → `app-store-connect`,
    /// `ad-hoc` → `release-testing`, `enterprise` → `enterprise`, `development` →
    /// `debugging`).
    pub fn export_method(self) -> ExportMethod {
        match self {
            ProfileKind::AppStore => ExportMethod::AppStoreConnect,
            ProfileKind::AdHoc => ExportMethod::ReleaseTesting,
            ProfileKind::Enterprise => ExportMethod::Enterprise,
            ProfileKind::Development => ExportMethod::Debugging,
        }
    }

    /// The kind of profile an export method needs.
    pub fn for_export_method(method: ExportMethod) -> ProfileKind {
        match method {
            ExportMethod::AppStoreConnect => ProfileKind::AppStore,
            ExportMethod::ReleaseTesting => ProfileKind::AdHoc,
            ExportMethod::Enterprise => ProfileKind::Enterprise,
            ExportMethod::Debugging => ProfileKind::Development,
        }
    }
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provisioning profile: who may sign which app, for which devices, with which
/// entitlements, until when.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProvisioningProfile {
    /// The file it was read from.
    pub path: PathBuf,
    /// `UUID`.
    pub uuid: String,
    /// `Name`, as shown in the developer portal and Xcode.
    pub name: String,
    /// `TeamIdentifier` (one team in practice).
    pub team_ids: Vec<String>,
    /// `TeamName`.
    pub team_name: Option<String>,
    /// `ApplicationIdentifierPrefix`: the prefixes the app id may start with.
    pub app_id_prefixes: Vec<String>,
    /// The `application-identifier` entitlement: `TEAMID.com.example.app`, or a wildcard
    /// (`TEAMID.*`, `TEAMID.com.example.*`).
    pub application_identifier: String,
    /// `Entitlements`, as in the profile.
    pub entitlements: plist::Dictionary,
    /// `DeveloperCertificates`: the certificates that may sign with this profile.
    pub developer_certificates: Vec<Certificate>,
    /// `ProvisionedDevices` (device UDIDs), when present.
    pub provisioned_devices: Option<Vec<String>>,
    /// `ProvisionsAllDevices`.
    pub provisions_all_devices: bool,
    /// `Platform` (`iOS`, `xrOS`, `visionOS`...).
    pub platforms: Vec<String>,
    /// `CreationDate`.
    pub creation_date: Option<OffsetDateTime>,
    /// `ExpirationDate`.
    pub expiration_date: OffsetDateTime,
}

/// What a profile says, for messages and `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProfileSummary {
    /// The file.
    pub path: PathBuf,
    /// `UUID`.
    pub uuid: String,
    /// `Name`.
    pub name: String,
    /// The kind (app-store, ad-hoc, enterprise, development).
    pub kind: ProfileKind,
    /// The export method that kind fits (`app-store-connect`, `release-testing`,
    /// `enterprise`, `debugging`): a default for `--export-method`.
    pub export_method: &'static str,
    /// `TeamIdentifier`.
    pub team_ids: Vec<String>,
    /// `TeamName`.
    pub team_name: Option<String>,
    /// The `application-identifier` entitlement.
    pub application_identifier: String,
    /// The names of the entitlements the profile grants.
    pub entitlements: Vec<String>,
    /// SHA-1 fingerprints of `DeveloperCertificates`.
    pub certificates: Vec<String>,
    /// How many devices are listed (`None` when there is no list).
    pub devices: Option<usize>,
    /// `ProvisionsAllDevices`.
    pub provisions_all_devices: bool,
    /// `Platform`.
    pub platforms: Vec<String>,
    /// `ExpirationDate`.
    #[serde(with = "time::serde::rfc3339")]
    pub expiration_date: OffsetDateTime,
}

impl ProvisioningProfile {
    /// Reads the `.mobileprovision` at `path`.
    pub fn open(path: &Path) -> Result<ProvisioningProfile, CredentialError> {
        let bytes = std::fs::read(path).map_err(CredentialError::io(path))?;
        Self::from_bytes(&bytes, path)
    }

    /// Like [`ProvisioningProfile::open`], for bytes already read; `path` names them in
    /// messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<ProvisioningProfile, CredentialError> {
        let bad = |reason: String| CredentialError::Profile {
            path: path.to_path_buf(),
            reason,
        };
        let plist_bytes = signed_content(bytes).map_err(|e| {
            bad(format!(
                "not a provisioning profile ({e}): a .mobileprovision is a CMS-signed message; download the profile again from the Apple Developer portal (Profiles) or from Xcode"
            ))
        })?;
        let value = plist::Value::from_reader(std::io::Cursor::new(&plist_bytes))
            .map_err(|e| bad(format!("the signed content is not a property list: {e}")))?;
        let dict = value
            .into_dictionary()
            .ok_or_else(|| bad("the signed property list is not a dictionary".into()))?;
        Self::from_dictionary(dict, path)
    }

    fn from_dictionary(
        mut dict: plist::Dictionary,
        path: &Path,
    ) -> Result<ProvisioningProfile, CredentialError> {
        let bad = |reason: String| CredentialError::Profile {
            path: path.to_path_buf(),
            reason,
        };
        let missing = |key: &str| bad(format!("the profile has no `{key}`"));
        let string = |dict: &plist::Dictionary, key: &str| {
            dict.get(key)
                .and_then(plist::Value::as_string)
                .map(str::to_owned)
        };
        let strings = |dict: &plist::Dictionary, key: &str| -> Vec<String> {
            dict.get(key)
                .and_then(plist::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(plist::Value::as_string)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let date = |dict: &plist::Dictionary, key: &str| {
            dict.get(key)
                .and_then(plist::Value::as_date)
                .map(|d| OffsetDateTime::from(std::time::SystemTime::from(d)))
        };
        let uuid = string(&dict, "UUID").ok_or_else(|| missing("UUID"))?;
        let name = string(&dict, "Name").unwrap_or_default();
        let team_ids = strings(&dict, "TeamIdentifier");
        let expiration_date =
            date(&dict, "ExpirationDate").ok_or_else(|| missing("ExpirationDate"))?;
        let entitlements = match dict.remove("Entitlements") {
            Some(plist::Value::Dictionary(d)) => d,
            _ => return Err(missing("Entitlements")),
        };
        let application_identifier = entitlements
            .get("application-identifier")
            .and_then(plist::Value::as_string)
            .map(str::to_owned)
            .ok_or_else(|| missing("Entitlements.application-identifier"))?;
        let mut developer_certificates = Vec::new();
        if let Some(certs) = dict
            .get("DeveloperCertificates")
            .and_then(plist::Value::as_array)
        {
            for (i, c) in certs.iter().enumerate() {
                let der = c.as_data().ok_or_else(|| {
                    bad(format!(
                        "DeveloperCertificates[{i}] is not certificate data"
                    ))
                })?;
                let cert = Certificate::from_der(der)
                    .map_err(|e| bad(format!("DeveloperCertificates[{i}]: {e}")))?;
                developer_certificates.push(cert);
            }
        }
        let provisioned_devices = dict
            .contains_key("ProvisionedDevices")
            .then(|| strings(&dict, "ProvisionedDevices"));
        let provisions_all_devices = dict
            .get("ProvisionsAllDevices")
            .and_then(plist::Value::as_boolean)
            .unwrap_or(false);
        Ok(ProvisioningProfile {
            path: path.to_path_buf(),
            uuid,
            name,
            team_name: string(&dict, "TeamName"),
            app_id_prefixes: strings(&dict, "ApplicationIdentifierPrefix"),
            team_ids,
            application_identifier,
            entitlements,
            developer_certificates,
            provisioned_devices,
            provisions_all_devices,
            platforms: strings(&dict, "Platform"),
            creation_date: date(&dict, "CreationDate"),
            expiration_date,
        })
    }

    /// The kind of profile (see [`ProfileKind`]).
    pub fn kind(&self) -> ProfileKind {
        if self.provisions_all_devices {
            ProfileKind::Enterprise
        } else if self.provisioned_devices.is_some() {
            let debuggable = self
                .entitlements
                .get("get-task-allow")
                .and_then(plist::Value::as_boolean)
                .unwrap_or(false);
            if debuggable {
                ProfileKind::Development
            } else {
                ProfileKind::AdHoc
            }
        } else {
            ProfileKind::AppStore
        }
    }

    /// Whether `bundle_id` may be signed with this profile: the `application-identifier`
    /// is `PREFIX.` followed by the bundle id, or by a wildcard pattern (`*`, `com.example.*`)
    /// that it matches, where `PREFIX` is the team id or an `ApplicationIdentifierPrefix`.
    /// Bundle ids compare without regard to ASCII case, as `CFBundleIdentifier` does.
    pub fn matches_bundle_id(&self, bundle_id: &str) -> bool {
        let Some(pattern) = self.bundle_id_pattern() else {
            return false;
        };
        bundle_id_matches(pattern, bundle_id)
    }

    /// The part of `application-identifier` after its team prefix (`com.example.app`,
    /// `com.example.*`, `*`), or `None` when it starts with none of the profile's prefixes.
    pub fn bundle_id_pattern(&self) -> Option<&str> {
        let app_id = self.application_identifier.as_str();
        self.team_ids
            .iter()
            .chain(&self.app_id_prefixes)
            .find_map(|prefix| {
                app_id
                    .strip_prefix(prefix.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
            })
    }

    /// Whether `certificate` is one of `DeveloperCertificates` (same DER bytes).
    pub fn contains_certificate(&self, certificate: &Certificate) -> bool {
        self.developer_certificates.contains(certificate)
    }

    /// What the profile says, for messages and `--json`.
    pub fn summary(&self) -> ProfileSummary {
        ProfileSummary {
            path: self.path.clone(),
            uuid: self.uuid.clone(),
            name: self.name.clone(),
            kind: self.kind(),
            export_method: self.kind().export_method().as_str(),
            team_ids: self.team_ids.clone(),
            team_name: self.team_name.clone(),
            application_identifier: self.application_identifier.clone(),
            entitlements: self.entitlements.keys().cloned().collect(),
            certificates: self
                .developer_certificates
                .iter()
                .map(|c| c.summary().sha1.clone())
                .collect(),
            devices: self.provisioned_devices.as_ref().map(Vec::len),
            provisions_all_devices: self.provisions_all_devices,
            platforms: self.platforms.clone(),
            expiration_date: self.expiration_date,
        }
    }
}

/// Apple's app id matching: an exact id, or a pattern ending in `*` that matches every bundle
/// id starting with the text before the `*` (`*` alone matches any).
pub(crate) fn bundle_id_matches(pattern: &str, bundle_id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => {
            bundle_id.len() > stem.len()
                && bundle_id.is_char_boundary(stem.len())
                && bundle_id[..stem.len()].eq_ignore_ascii_case(stem)
        }
        None => pattern.eq_ignore_ascii_case(bundle_id),
    }
}

/// The content of a CMS `SignedData` message (DER or BER): the signed bytes.
fn signed_content(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let err = |what: &str| format!("{what} where a CMS signedData message has it");
    let (root, _) = ber::read(bytes)?;
    let parts = root.children()?;
    let oid = parts.first().ok_or_else(|| err("nothing"))?;
    if !oid.is_universal(6) || oid.body != OID_SIGNED_DATA {
        return Err("its content type is not signedData".into());
    }
    let wrapper = parts.get(1).ok_or_else(|| err("no content"))?;
    let signed_data = wrapper
        .children()?
        .into_iter()
        .next()
        .ok_or_else(|| err("no SignedData"))?;
    let fields = signed_data.children()?;
    // version, digestAlgorithms, encapContentInfo, ...
    let encap = fields
        .get(2)
        .ok_or_else(|| err("no encapsulated content"))?;
    let encap_fields = encap.children()?;
    let content_type = encap_fields.first().ok_or_else(|| err("no content type"))?;
    if !content_type.is_universal(6) || content_type.body != OID_DATA {
        return Err("the signed content is not of type data".into());
    }
    let explicit = encap_fields.get(1).ok_or_else(|| {
        "the signature is detached (the profile's content is not inside it)".to_owned()
    })?;
    let octets = explicit
        .children()?
        .into_iter()
        .next()
        .ok_or_else(|| err("no content"))?;
    if !octets.is_universal(4) {
        return Err(err("no OCTET STRING"));
    }
    octets.octets()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_apple_matches_them() {
        assert!(bundle_id_matches("*", "com.example.app"));
        assert!(bundle_id_matches("com.example.*", "com.example.app"));
        assert!(bundle_id_matches("com.example.*", "com.example.app.widget"));
        assert!(bundle_id_matches("com.example.app", "com.example.app"));
        assert!(bundle_id_matches("com.example.app", "com.Example.App"));
        assert!(!bundle_id_matches("com.example.*", "com.example"));
        assert!(!bundle_id_matches("com.example.*", "com.examplex.app"));
        assert!(!bundle_id_matches("com.example.app", "com.example.app2"));
        assert!(!bundle_id_matches("com.example.app", "com.example"));
        assert!(!bundle_id_matches("com.é.*", "com.x"));
    }

    #[test]
    fn non_cms_input_is_refused_with_a_reason() {
        assert!(signed_content(b"<?xml version=\"1.0\"?><plist/>").is_err());
        assert!(signed_content(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
    }
}
