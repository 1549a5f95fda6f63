//! The iOS credential check against certificates, keys, `.p12` files and CMS-signed
//! provisioning profiles that the tests make with OpenSSL (the oracle for fingerprints and
//! dates, too). The `.p12` password reaches OpenSSL only through its environment
//! (`-passout env:VAR`), never argv. The credentials are made by `common::signing`.

mod common;

use std::time::Instant;

use common::signing::*;

use nativiweb_core::testing;
use nativiweb_ios::credentials::{
    self, CheckRequest, CredentialError, KeyMatch, P12Identity, Problem, ProfileKind,
    ProvisioningProfile, Warning,
};
use nativiweb_ios::ExportMethod;
use secrecy::SecretString;
use time::{Duration, OffsetDateTime};

fn problem_kinds(report: &credentials::CheckReport) -> Vec<&'static str> {
    report.problems.iter().map(Problem::kind).collect()
}

#[test]
fn matching_pair_passes_and_reports_what_openssl_sees() {
    let Some(f) = fixtures() else { return };
    let id = identity(&f.dist_p12);
    let profile = ProvisioningProfile::open(&write_profile(f, &Spec::app_store(f))).unwrap();
    let request = CheckRequest::new(BUNDLE_ID)
        .export_method(ExportMethod::AppStoreConnect)
        .entitlements(["aps-environment"]);
    let report = credentials::check(&id, &profile, &request).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
    assert_eq!(id.key_match(), &KeyMatch::Matches);

    // The certificate as OpenSSL reads it.
    let cert = &report.certificate;
    let oracle = String::from_utf8(run_ok(
        &f.openssl,
        &[
            "x509",
            "-in",
            f.dist.cert.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha1",
            "-enddate",
            "-dateopt",
            "iso_8601",
        ],
    ))
    .unwrap();
    let fingerprint = oracle
        .lines()
        .find_map(|l| {
            l.split_once("Fingerprint=")
                .map(|(_, v)| v.replace(':', ""))
        })
        .unwrap();
    assert_eq!(cert.sha1, fingerprint);
    let end = oracle
        .lines()
        .find_map(|l| l.strip_prefix("notAfter="))
        .unwrap();
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    assert_eq!(cert.not_after.format(&format).unwrap(), end);
    assert_eq!(cert.team_id.as_deref(), Some(TEAM));
    assert_eq!(
        cert.common_name.as_deref(),
        Some("Apple Distribution: Example Inc (ABCDE12345)")
    );
    assert_eq!(cert.organization.as_deref(), Some("Example Inc"));
    assert_eq!(cert.key, "RSA 2048");

    // The profile.
    assert_eq!(profile.kind(), ProfileKind::AppStore);
    assert_eq!(profile.name, "Hello App Store");
    assert_eq!(profile.team_ids, [TEAM]);
    assert_eq!(
        profile.application_identifier,
        format!("{TEAM}.{BUNDLE_ID}")
    );
    assert_eq!(profile.developer_certificates.len(), 1);
    assert_eq!(profile.platforms, ["iOS", "xrOS", "visionOS"]);
    assert!(profile.uuid.starts_with("0AF0C0DE-"));

    // JSON for --json.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["bundle_id"], BUNDLE_ID);
    assert_eq!(json["export_method"], "app-store-connect");
    assert_eq!(json["problems"], serde_json::json!([]));
    assert_eq!(json["certificate"]["team_id"], TEAM);
    assert_eq!(json["certificate"]["sha1"], fingerprint.as_str());
    assert_eq!(json["profile"]["kind"], "app-store");
    assert_eq!(json["profile"]["export_method"], "app-store-connect");
    assert_eq!(json["profile"]["certificates"][0], fingerprint.as_str());
    assert!(json["profile"]["expiration_date"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}

#[test]
fn every_p12_encryption_openssl_writes_is_read() {
    let Some(f) = fixtures() else { return };
    // (label, options, needs OpenSSL's legacy provider)
    let cases: &[(&str, &[&str], bool)] = &[
        (
            "PBES2 AES-256-CBC, HMAC-SHA-256 (OpenSSL 3 default)",
            &[],
            false,
        ),
        (
            "PBES2 AES-128-CBC, HMAC-SHA-512",
            &[
                "-certpbe",
                "AES-128-CBC",
                "-keypbe",
                "AES-128-CBC",
                "-macalg",
                "sha512",
            ],
            false,
        ),
        (
            "PBES2 3DES-CBC",
            &["-certpbe", "DES-EDE3-CBC", "-keypbe", "DES-EDE3-CBC"],
            false,
        ),
        (
            "PKCS#12 PBE 3DES, HMAC-SHA-1",
            &[
                "-certpbe",
                "PBE-SHA1-3DES",
                "-keypbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ],
            false,
        ),
        (
            "-legacy: RC2-40 certificates, 3DES key, SHA-1 MAC (Keychain Access)",
            &["-legacy"],
            true,
        ),
        (
            "PKCS#12 PBE RC2-40 certificates, 3DES key",
            &[
                "-legacy",
                "-certpbe",
                "PBE-SHA1-RC2-40",
                "-keypbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ],
            true,
        ),
        (
            "PKCS#12 PBE RC2-128",
            &[
                "-legacy",
                "-certpbe",
                "PBE-SHA1-RC2-128",
                "-keypbe",
                "PBE-SHA1-RC2-128",
                "-macalg",
                "sha1",
            ],
            true,
        ),
        (
            "PKCS#12 PBE 2-key 3DES",
            &[
                "-legacy",
                "-certpbe",
                "PBE-SHA1-2DES",
                "-keypbe",
                "PBE-SHA1-2DES",
                "-macalg",
                "sha1",
            ],
            true,
        ),
    ];
    let legacy = try_export_p12(&f.openssl, &f.dir, &f.dist, &["-legacy"]).is_ok();
    let mut read = 0;
    for (label, options, needs_legacy) in cases {
        if *needs_legacy && !testing::require("OpenSSL's legacy provider (RC2, -legacy)", legacy) {
            continue;
        }
        let p12 = export_p12(&f.openssl, &f.dir, &f.dist, options);
        let info = run(
            &f.openssl,
            &[
                "pkcs12",
                "-in",
                p12.to_str().unwrap(),
                "-info",
                "-noout",
                "-legacy",
                "-passin",
                &format!("env:{PASSWORD_VAR}"),
            ],
        );
        let info = String::from_utf8_lossy(&info.stderr).into_owned();
        let id = P12Identity::open(&p12, &password())
            .unwrap_or_else(|e| panic!("{label}: {e}\nopenssl -info:\n{info}"));
        assert_eq!(id.certificate().der(), f.dist.der.as_slice(), "{label}");
        assert_eq!(id.key_match(), &KeyMatch::Matches, "{label}");
        read += 1;
    }
    assert!(read >= 4, "only {read} encryptions were tried");
}

#[test]
fn rc2_40_really_is_what_the_legacy_export_uses() {
    let Some(f) = fixtures() else { return };
    let Ok(p12) = try_export_p12(&f.openssl, &f.dir, &f.dist, &["-legacy"]) else {
        testing::require("OpenSSL's legacy provider (RC2, -legacy)", false);
        return;
    };
    let info = run(
        &f.openssl,
        &[
            "pkcs12",
            "-in",
            p12.to_str().unwrap(),
            "-info",
            "-noout",
            "-legacy",
            "-passin",
            &format!("env:{PASSWORD_VAR}"),
        ],
    );
    let info = String::from_utf8_lossy(&info.stderr);
    assert!(info.contains("pbeWithSHA1And40BitRC2-CBC"), "{info}");
    assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
    assert!(info.contains("MAC: sha1"), "{info}");
    identity(&p12);
}

#[test]
fn ec_p256_identities_are_read_and_their_keys_compared() {
    let Some(f) = fixtures() else { return };
    let p12 = export_p12(&f.openssl, &f.dir, &f.ec, &[]);
    let id = identity(&p12);
    assert_eq!(id.key_match(), &KeyMatch::Matches);
    assert_eq!(id.certificate().summary().key, "EC P-256");
    let mut spec = Spec::app_store(f);
    spec.certs = vec![f.ec.der.clone()];
    let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID)).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
}

#[test]
fn certificate_not_in_profile_names_both_and_the_teams() {
    let Some(f) = fixtures() else { return };
    let id = identity(&export_p12(&f.openssl, &f.dir, &f.other, &[]));
    let profile = ProvisioningProfile::open(&write_profile(f, &Spec::app_store(f))).unwrap();
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID)).unwrap();
    assert_eq!(problem_kinds(&report), ["certificate_not_in_profile"]);
    let msg = report.problems[0].to_string();
    let other_sha1 = &id.certificate().summary().sha1;
    let dist_sha1 = &profile.developer_certificates[0].summary().sha1;
    for needle in [
        "Apple Distribution: Example Inc (FGHIJ67890)",
        other_sha1.as_str(),
        id.path().to_str().unwrap(),
        "Hello App Store",
        profile.uuid.as_str(),
        profile.path.to_str().unwrap(),
        "Apple Distribution: Example Inc (ABCDE12345)",
        dist_sha1.as_str(),
        "belongs to team FGHIJ67890, the profile to team ABCDE12345",
        "Apple Developer portal",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["problems"][0]["kind"], "certificate_not_in_profile");
    assert_eq!(json["problems"][0]["message"], msg.as_str());
}

#[test]
fn app_ids_and_wildcards_match_as_apple_matches_them() {
    let Some(f) = fixtures() else { return };
    let id = identity(&f.dist_p12);
    let cases: &[(&str, &str, bool)] = &[
        ("ABCDE12345.com.example.hello", "com.example.hello", true),
        ("ABCDE12345.com.example.hello", "com.example.hello2", false),
        ("ABCDE12345.com.example.hello", "com.example", false),
        ("ABCDE12345.*", "com.example.hello", true),
        ("ABCDE12345.*", "org.other.thing", true),
        ("ABCDE12345.com.example.*", "com.example.hello", true),
        ("ABCDE12345.com.example.*", "com.example.hello.widget", true),
        ("ABCDE12345.com.example.*", "com.example", false),
        ("ABCDE12345.com.example.*", "com.examples.hello", false),
        ("ABCDE12345.com.example.*", "org.example.hello", false),
        // A prefix that is neither the team nor an ApplicationIdentifierPrefix.
        ("ZZZZZ99999.com.example.hello", "com.example.hello", false),
    ];
    for (app_id, bundle_id, matches) in cases {
        let mut spec = Spec::app_store(f);
        spec.app_id = (*app_id).into();
        spec.ber = false; // DER profiles are read too.
        let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
        assert_eq!(
            profile.matches_bundle_id(bundle_id),
            *matches,
            "{app_id} vs {bundle_id}"
        );
        let report = credentials::check(&id, &profile, &CheckRequest::new(*bundle_id)).unwrap();
        if *matches {
            assert!(
                report.is_ok(),
                "{app_id} vs {bundle_id}: {:#?}",
                report.problems
            );
        } else {
            assert_eq!(
                problem_kinds(&report),
                ["app_id_mismatch"],
                "{app_id} vs {bundle_id}"
            );
            let msg = report.problems[0].to_string();
            for needle in [
                *bundle_id,
                *app_id,
                "Hello App Store",
                profile.path.to_str().unwrap(),
            ] {
                assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
            }
        }
    }
}

#[test]
fn expiry_fails_and_warns_inside_thirty_days() {
    let Some(f) = fixtures() else { return };
    let id = identity(&f.dist_p12);
    let cert_end = id.certificate().summary().not_after;

    // The certificate has expired (checked as of a day after its end); the profile has not.
    let mut spec = Spec::app_store(f);
    spec.expires = cert_end + Duration::days(400);
    let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
    let later = cert_end + Duration::days(1);
    let report =
        credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID).at(later)).unwrap();
    assert_eq!(problem_kinds(&report), ["certificate_expired"]);
    let msg = report.problems[0].to_string();
    for needle in [
        "Apple Distribution: Example Inc (ABCDE12345)",
        id.path().to_str().unwrap(),
        "expired on",
        &cert_end.date().to_string(),
        "create a new certificate",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }

    // Ten days before the certificate's end: a warning, no problem.
    let soon = cert_end - Duration::days(10);
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID).at(soon)).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.warnings.len(), 1, "{:#?}", report.warnings);
    assert!(matches!(
        &report.warnings[0],
        Warning::CertificateExpiresSoon { days_left: 10, .. }
    ));
    assert!(report.warnings[0].to_string().contains("in 10 days"));
    // Thirty-one days before: nothing.
    let report = credentials::check(
        &id,
        &profile,
        &CheckRequest::new(BUNDLE_ID).at(cert_end - Duration::days(31)),
    )
    .unwrap();
    assert!(report.warnings.is_empty(), "{:#?}", report.warnings);

    // Checked as of before the certificate's start (a machine with a wrong clock).
    let start = id.certificate().summary().not_before;
    let report = credentials::check(
        &id,
        &profile,
        &CheckRequest::new(BUNDLE_ID).at(start - Duration::days(1)),
    )
    .unwrap();
    assert_eq!(problem_kinds(&report), ["certificate_not_yet_valid"]);
    assert!(report.problems[0].to_string().contains("clock"));

    // The profile has expired.
    let mut spec = Spec::app_store(f);
    spec.expires = OffsetDateTime::now_utc() - Duration::days(2);
    let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID)).unwrap();
    assert_eq!(problem_kinds(&report), ["profile_expired"]);
    let msg = report.problems[0].to_string();
    for needle in [
        "Hello App Store",
        profile.path.to_str().unwrap(),
        "expired on",
        "regenerate",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }

    // The profile expires in five days.
    let mut spec = Spec::app_store(f);
    spec.expires = OffsetDateTime::now_utc() + Duration::days(5) + Duration::hours(1);
    let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID)).unwrap();
    assert!(report.is_ok());
    assert_eq!(report.warnings.len(), 1, "{:#?}", report.warnings);
    assert_eq!(report.warnings[0].kind(), "profile_expires_soon");
    assert!(report.warnings[0].to_string().contains("in 5 days"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["warnings"][0]["kind"], "profile_expires_soon");
}

#[test]
fn profile_kinds_and_export_methods_fit_as_apple_defines_them() {
    let Some(f) = fixtures() else { return };
    let id = identity(&f.dist_p12);
    let devices = Some(vec!["00008030-001A2B3C4D5E6F70".to_owned()]);
    let kinds = [
        (ProfileKind::AppStore, None, false, false),
        (ProfileKind::AdHoc, devices.clone(), false, false),
        (ProfileKind::Development, devices.clone(), false, true),
        (ProfileKind::Enterprise, None, true, false),
    ];
    for (kind, devices, all, debuggable) in kinds {
        let mut spec = Spec::app_store(f);
        spec.name = format!("Hello {kind}");
        spec.devices = devices;
        spec.all_devices = all;
        spec.get_task_allow = debuggable;
        let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
        assert_eq!(profile.kind(), kind);
        assert_eq!(
            profile.summary().export_method,
            kind.export_method().as_str()
        );
        for method in ExportMethod::ALL {
            let report = credentials::check(
                &id,
                &profile,
                &CheckRequest::new(BUNDLE_ID).export_method(method),
            )
            .unwrap();
            let fits = matches!(
                (method, kind),
                (ExportMethod::AppStoreConnect, ProfileKind::AppStore)
                    | (ExportMethod::ReleaseTesting, ProfileKind::AdHoc)
                    | (ExportMethod::Enterprise, ProfileKind::Enterprise)
                    | (ExportMethod::Debugging, ProfileKind::Development)
            );
            if fits {
                assert!(report.is_ok(), "{method} / {kind}: {:#?}", report.problems);
            } else {
                assert_eq!(
                    problem_kinds(&report),
                    ["export_method_mismatch"],
                    "{method} / {kind}"
                );
                let msg = report.problems[0].to_string();
                for needle in [
                    format!("export method {method}"),
                    format!("{kind} profile"),
                    format!("Hello {kind}"),
                    format!("--export-method {}", kind.export_method()),
                ] {
                    assert!(msg.contains(&needle), "{needle:?} missing from: {msg}");
                }
            }
        }
    }
    // The deprecated names parse to the same methods.
    assert_eq!(
        ExportMethod::parse("app-store"),
        Some(ExportMethod::AppStoreConnect)
    );
    assert_eq!(
        ExportMethod::parse("ad-hoc"),
        Some(ExportMethod::ReleaseTesting)
    );
    assert_eq!(
        ExportMethod::parse("development"),
        Some(ExportMethod::Debugging)
    );
}

#[test]
fn a_missing_entitlement_is_named_with_what_the_profile_grants() {
    let Some(f) = fixtures() else { return };
    let id = identity(&f.dist_p12);
    let profile = ProvisioningProfile::open(&write_profile(f, &Spec::app_store(f))).unwrap();
    let request = CheckRequest::new(BUNDLE_ID)
        .entitlements(["aps-environment", "com.apple.developer.associated-domains"]);
    let report = credentials::check(&id, &profile, &request).unwrap();
    assert_eq!(problem_kinds(&report), ["entitlement_missing"]);
    let msg = report.problems[0].to_string();
    for needle in [
        "com.apple.developer.associated-domains",
        "Hello App Store",
        profile.path.to_str().unwrap(),
        "aps-environment",
        "application-identifier",
        "Identifiers",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }
}

#[test]
fn a_key_that_is_not_the_certificates_is_a_problem() {
    let Some(f) = fixtures() else { return };
    // OpenSSL refuses to export a key with a certificate that is not its own, so the test
    // writes that .p12 itself (a plain key bag and a certificate bag bound by localKeyId, an
    // HMAC-SHA-256 MAC), and OpenSSL checks the result is a valid PKCS#12 file.
    let foreign_key = run_ok(
        &f.openssl,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            f.other.key.to_str().unwrap(),
            "-outform",
            "DER",
        ],
    );
    let bytes = p12_with(&f.dist.der, &foreign_key, PASSWORD);
    let path = unique(&f.dir, "foreign-key", "p12");
    std::fs::write(&path, &bytes).unwrap();
    let info = run(
        &f.openssl,
        &[
            "pkcs12",
            "-in",
            path.to_str().unwrap(),
            "-info",
            "-nodes",
            "-passin",
            &format!("env:{PASSWORD_VAR}"),
        ],
    );
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );

    let id = identity(&path);
    assert_eq!(id.key_match(), &KeyMatch::Differs);
    assert_eq!(id.certificate().der(), f.dist.der.as_slice());
    let profile = ProvisioningProfile::open(&write_profile(f, &Spec::app_store(f))).unwrap();
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID)).unwrap();
    assert_eq!(problem_kinds(&report), ["key_mismatch"]);
    let msg = report.problems[0].to_string();
    for needle in [
        path.to_str().unwrap(),
        "Apple Distribution: Example Inc (ABCDE12345)",
        id.certificate().summary().sha1.as_str(),
        "private key",
        "Keychain Access",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }
}

/// A PKCS#12 file with a plain key bag and a certificate bag sharing localKeyId 01.
fn p12_with(cert_der: &[u8], pkcs8: &[u8], password: &str) -> Vec<u8> {
    use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
    use der::{Any, Encode};
    use hmac::Mac;
    let data = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    let local_key_id = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
    let attrs = || {
        let mut values = SetOfVec::new();
        values
            .insert(Any::encode_from(&OctetString::new(vec![1u8]).unwrap()).unwrap())
            .unwrap();
        let mut set = SetOfVec::new();
        set.insert(x509_cert::attr::Attribute {
            oid: local_key_id,
            values,
        })
        .unwrap();
        set
    };
    let key_bag = pkcs12::safe_bag::SafeBag {
        bag_id: pkcs12::PKCS_12_KEY_BAG_OID,
        bag_value: pkcs8.to_vec(),
        bag_attributes: Some(attrs()),
    };
    let cert_bag = pkcs12::safe_bag::SafeBag {
        bag_id: pkcs12::PKCS_12_CERT_BAG_OID,
        bag_value: pkcs12::cert_type::CertBag {
            cert_id: pkcs12::PKCS_12_X509_CERT_OID,
            cert_value: OctetString::new(cert_der.to_vec()).unwrap(),
        }
        .to_der()
        .unwrap(),
        bag_attributes: Some(attrs()),
    };
    let safe = vec![key_bag, cert_bag].to_der().unwrap();
    let auth_safe = vec![cms::content_info::ContentInfo {
        content_type: data,
        content: Any::encode_from(&OctetString::new(safe).unwrap()).unwrap(),
    }]
    .to_der()
    .unwrap();
    let salt = [7u8; 16];
    let key = pkcs12::kdf::derive_key_utf8::<sha2::Sha256>(
        password,
        &salt,
        pkcs12::kdf::Pkcs12KeyType::Mac,
        2048,
        32,
    )
    .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(&auth_safe);
    pkcs12::pfx::Pfx {
        version: pkcs12::pfx::Version::V3,
        auth_safe: cms::content_info::ContentInfo {
            content_type: data,
            content: Any::encode_from(&OctetString::new(auth_safe).unwrap()).unwrap(),
        },
        mac_data: Some(pkcs12::mac_data::MacData {
            mac: pkcs12::digest_info::DigestInfo {
                algorithm: spki::AlgorithmIdentifierOwned {
                    oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1"),
                    parameters: Some(Any::null()),
                },
                digest: OctetString::new(mac.finalize().into_bytes().to_vec()).unwrap(),
            },
            mac_salt: OctetString::new(salt.to_vec()).unwrap(),
            iterations: 2048,
        }),
    }
    .to_der()
    .unwrap()
}

#[test]
fn every_problem_at_once() {
    let Some(f) = fixtures() else { return };
    let id = identity(&export_p12(&f.openssl, &f.dir, &f.other, &[]));
    let mut spec = Spec::app_store(f);
    spec.app_id = format!("{TEAM}.com.example.other");
    spec.expires = OffsetDateTime::now_utc() - Duration::days(1);
    spec.devices = Some(vec!["00008030-001A2B3C4D5E6F70".into()]);
    let profile = ProvisioningProfile::open(&write_profile(f, &spec)).unwrap();
    let request = CheckRequest::new(BUNDLE_ID)
        .export_method(ExportMethod::AppStoreConnect)
        .entitlements(["com.apple.developer.icloud-services"]);
    let report = credentials::check(&id, &profile, &request).unwrap();
    assert_eq!(
        problem_kinds(&report),
        [
            "certificate_not_in_profile",
            "app_id_mismatch",
            "profile_expired",
            "export_method_mismatch",
            "entitlement_missing"
        ]
    );
}

#[test]
fn the_password_never_shows_and_a_wrong_one_says_so() {
    let Some(f) = fixtures() else { return };
    let wrong = SecretString::from("not-the-password-4711".to_owned());
    let err = P12Identity::open(&f.dist_p12, &wrong).unwrap_err();
    assert!(
        matches!(err, CredentialError::WrongPassword { .. }),
        "{err:?}"
    );
    assert!(err.is_input());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("not-the-password-4711"), "{shown}");
    assert!(shown.contains(f.dist_p12.to_str().unwrap()), "{shown}");
    assert!(shown.contains("NATIVIWEB_CERTIFICATE_PASSWORD"), "{shown}");

    let id = identity(&f.dist_p12);
    let debug = format!("{id:?}");
    assert!(!debug.contains(PASSWORD), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
    // Not the key either: no 16-byte run of the PKCS#8 key in hex or as a byte list.
    use secrecy::ExposeSecret;
    let key = id.private_key().expose_secret();
    assert!(key.len() > 100);
    let key_hex = key[40..56]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert!(!debug.to_lowercase().contains(&key_hex), "{debug}");
    assert!(!debug.contains(&format!("{:?}", &key[40..56])), "{debug}");

    let profile = ProvisioningProfile::open(&write_profile(f, &Spec::app_store(f))).unwrap();
    let report = credentials::check(&id, &profile, &CheckRequest::new(BUNDLE_ID)).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(PASSWORD));
    assert!(!format!("{report:?}").contains(PASSWORD));
}

#[test]
fn empty_passwords_files_without_keys_and_non_profiles_are_told_apart() {
    let Some(f) = fixtures() else { return };
    // A .p12 exported with an empty password.
    let empty = unique(&f.dir, "empty-password", "p12");
    run_ok(
        &f.openssl,
        &[
            "pkcs12",
            "-export",
            "-in",
            f.dist.cert.to_str().unwrap(),
            "-inkey",
            f.dist.key.to_str().unwrap(),
            "-out",
            empty.to_str().unwrap(),
            "-passout",
            "pass:",
        ],
    );
    let id = P12Identity::open(&empty, &SecretString::from(String::new())).unwrap();
    assert_eq!(id.key_match(), &KeyMatch::Matches);

    // Certificates only.
    let no_key = export_p12(&f.openssl, &f.dir, &f.dist, &["-nokeys"]);
    let err = P12Identity::open(&no_key, &password()).unwrap_err();
    assert!(err.to_string().contains("no private key"), "{err}");
    assert!(err.to_string().contains(no_key.to_str().unwrap()), "{err}");

    // Not a .p12 at all (a PEM certificate).
    let err = P12Identity::open(&f.dist.cert, &password()).unwrap_err();
    assert!(matches!(err, CredentialError::P12 { .. }), "{err:?}");
    assert!(err.to_string().contains("not a PKCS#12"), "{err}");

    // A missing file is bad input too.
    let err = P12Identity::open(&f.dir.join("missing.p12"), &password()).unwrap_err();
    assert!(err.is_input(), "{err:?}");

    // A plain plist is not a profile (it must be the CMS-signed file).
    let plist = unique(&f.dir, "plain", "plist");
    plist::Value::Dictionary(plist::Dictionary::new())
        .to_file_xml(&plist)
        .unwrap();
    let err = ProvisioningProfile::open(&plist).unwrap_err();
    assert!(matches!(err, CredentialError::Profile { .. }), "{err:?}");
    assert!(err.to_string().contains("CMS-signed"), "{err}");

    // A bad bundle id.
    let profile = ProvisioningProfile::open(&write_profile(f, &Spec::app_store(f))).unwrap();
    let id = identity(&f.dist_p12);
    for bad in ["", "com..example", "com.example/app", "com.exämple"] {
        let err = credentials::check(&id, &profile, &CheckRequest::new(bad)).unwrap_err();
        assert!(
            matches!(err, CredentialError::BundleId { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn password_file_first_line_without_its_line_ending() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "hunter2 with spaces\r\nsecond line\n").unwrap();
    let pw = credentials::password_from_file(&file).unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(pw.expose_secret(), "hunter2 with spaces");
    let err = credentials::password_from_file(&dir.path().join("none")).unwrap_err();
    assert!(err.is_input());
}

#[test]
fn a_check_on_a_matching_pair_takes_well_under_a_second() {
    let Some(f) = fixtures() else { return };
    let profile_path = write_profile(f, &Spec::app_store(f));
    let request = CheckRequest::new(BUNDLE_ID).export_method(ExportMethod::AppStoreConnect);
    // The goal is < 100 ms in a release build (examples/credentials_check.rs measures it);
    // this debug-build test asserts a bound ten times looser.
    let mut best = std::time::Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let id = P12Identity::open(&f.dist_p12, &password()).unwrap();
        let profile = ProvisioningProfile::open(&profile_path).unwrap();
        let report = credentials::check(&id, &profile, &request).unwrap();
        let elapsed = start.elapsed();
        assert!(report.is_ok());
        best = best.min(elapsed);
    }
    eprintln!("credentials check (debug build, best of 3): {best:?}");
    assert!(best < std::time::Duration::from_secs(1), "{best:?}");
}

/// Re-encodes DER as BER the way streaming encoders write it: every constructed element with
/// an indefinite length, and long OCTET STRINGs in 1000-byte segments. Primitive contents
/// (and so the bytes a PKCS#12 MAC covers) are left as they are.
fn der_to_indefinite_ber(der: &[u8]) -> Vec<u8> {
    fn header(input: &[u8]) -> (u8, usize, usize) {
        let id = input[0];
        let first = input[1];
        if first < 0x80 {
            return (id, 2, usize::from(first));
        }
        let n = usize::from(first & 0x7f);
        let len = input[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (id, 2 + n, len)
    }
    fn encode(mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            let (id, header_len, len) = header(input);
            let body = &input[header_len..header_len + len];
            if id & 0x20 != 0 {
                out.extend_from_slice(&[id, 0x80]);
                encode(body, out);
                out.extend_from_slice(&[0, 0]);
            } else if id == 0x04 && body.len() > 1000 {
                out.extend_from_slice(&[0x24, 0x80]);
                for chunk in body.chunks(1000) {
                    out.extend_from_slice(&[0x04, 0x82]);
                    out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
                    out.extend_from_slice(chunk);
                }
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&input[..header_len + len]);
            }
            input = &input[header_len + len..];
        }
    }
    let mut out = Vec::new();
    encode(der, &mut out);
    out
}

#[test]
fn a_p12_in_ber_with_indefinite_lengths_is_read() {
    let Some(f) = fixtures() else { return };
    let der = std::fs::read(&f.dist_p12).unwrap();
    let ber = der_to_indefinite_ber(&der);
    assert_eq!(&ber[..2], [0x30, 0x80]);
    let path = unique(&f.dir, "ber", "p12");
    std::fs::write(&path, &ber).unwrap();
    // OpenSSL reads it too: the re-encoding is valid BER with an intact MAC.
    let info = run(
        &f.openssl,
        &[
            "pkcs12",
            "-in",
            path.to_str().unwrap(),
            "-info",
            "-noout",
            "-passin",
            &format!("env:{PASSWORD_VAR}"),
        ],
    );
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let id = identity(&path);
    assert_eq!(id.certificate().der(), f.dist.der.as_slice());
    assert_eq!(id.key_match(), &KeyMatch::Matches);
}
