//! Signing credentials for tests, made with OpenSSL: certificates and keys, `.p12` files and
//! CMS-signed provisioning profiles. The `.p12` password reaches OpenSSL only through its
//! environment (`-passout env:VAR`), never argv.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use nativiweb_core::testing;
use nativiweb_ios::credentials::P12Identity;
use secrecy::SecretString;
use time::{Duration, OffsetDateTime};

pub const TEAM: &str = "ABCDE12345";
pub const OTHER_TEAM: &str = "FGHIJ67890";
pub const PASSWORD: &str = "c0rrect-h0rse:battery staple";
/// The variable the tests hand the password to OpenSSL in.
pub const PASSWORD_VAR: &str = "NW_TEST_P12_PASSWORD";
pub const BUNDLE_ID: &str = "com.example.hello";

pub fn password() -> SecretString {
    SecretString::from(PASSWORD.to_owned())
}

/// Keys and certificates made once per test run.
pub struct Fixtures {
    pub dir: PathBuf,
    pub openssl: PathBuf,
    /// "Apple Distribution" RSA 2048, team TEAM.
    pub dist: Pair,
    /// Another team's RSA certificate.
    pub other: Pair,
    /// "Apple Development" EC P-256, team TEAM.
    pub ec: Pair,
    /// Signs the profiles (stands in for Apple's WWDR intermediate).
    pub signer: Pair,
    /// The default p12 (PBES2, AES-256-CBC) of `dist`.
    pub dist_p12: PathBuf,
}

pub struct Pair {
    pub key: PathBuf,
    pub cert: PathBuf,
    pub der: Vec<u8>,
}

pub static FIXTURES: OnceLock<Option<Fixtures>> = OnceLock::new();
pub static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn fixtures() -> Option<&'static Fixtures> {
    FIXTURES
        .get_or_init(|| {
            let openssl = testing::tool("openssl")?;
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-credentials-fixtures", env!("CARGO_CRATE_NAME")));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let rsa = ["-newkey", "rsa:2048"];
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
            let subject = |kind: &str, team: &str| {
                format!("/UID={team}/CN=Apple {kind}: Example Inc ({team})/OU={team}/O=Example Inc/C=US")
            };
            let dist = make_pair(&openssl, &dir, "dist", &rsa, &subject("Distribution", TEAM));
            let other = make_pair(
                &openssl,
                &dir,
                "other",
                &rsa,
                &subject("Distribution", OTHER_TEAM),
            );
            let ecp = make_pair(&openssl, &dir, "ec", &ec, &subject("Development", TEAM));
            let signer = make_pair(
                &openssl,
                &dir,
                "signer",
                &ec,
                "/CN=Test Worldwide Developer Relations/O=Test/C=US",
            );
            let dist_p12 = export_p12(&openssl, &dir, &dist, &[]);
            Some(Fixtures {
                dir,
                openssl,
                dist,
                other,
                ec: ecp,
                signer,
                dist_p12,
            })
        })
        .as_ref()
}

pub fn run(openssl: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(openssl)
        .args(args)
        .env(PASSWORD_VAR, PASSWORD)
        .output()
        .unwrap();
    assert!(
        !args.iter().any(|a| a.contains(PASSWORD)),
        "the password must not be in argv"
    );
    out
}

pub fn run_ok(openssl: &Path, args: &[&str]) -> Vec<u8> {
    let out = run(openssl, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn make_pair(openssl: &Path, dir: &Path, name: &str, newkey: &[&str], subject: &str) -> Pair {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.pem"));
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&[
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-days",
        "365",
        "-subj",
        subject,
    ]);
    run_ok(openssl, &args);
    let der = run_ok(
        openssl,
        &["x509", "-in", cert.to_str().unwrap(), "-outform", "DER"],
    );
    Pair { key, cert, der }
}

pub fn unique(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{stem}-{n}.{ext}"))
}

/// `openssl pkcs12 -export` of `pair` with `extra` options; the password from the environment.
pub fn export_p12(openssl: &Path, dir: &Path, pair: &Pair, extra: &[&str]) -> PathBuf {
    try_export_p12(openssl, dir, pair, extra).unwrap_or_else(|e| panic!("{e}"))
}

pub fn try_export_p12(
    openssl: &Path,
    dir: &Path,
    pair: &Pair,
    extra: &[&str],
) -> Result<PathBuf, String> {
    let out = unique(dir, "identity", "p12");
    let pass_env = format!("env:{PASSWORD_VAR}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-in",
        pair.cert.to_str().unwrap(),
        "-inkey",
        pair.key.to_str().unwrap(),
        "-name",
        "Apple Distribution",
        "-out",
        out.to_str().unwrap(),
        "-passout",
        &pass_env,
    ];
    args.extend_from_slice(extra);
    let result = run(openssl, &args);
    if result.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&result.stderr)
        ))
    }
}

/// What goes into a test profile.
pub struct Spec {
    pub name: String,
    pub app_id: String,
    pub certs: Vec<Vec<u8>>,
    pub devices: Option<Vec<String>>,
    pub all_devices: bool,
    pub get_task_allow: bool,
    pub expires: OffsetDateTime,
    pub entitlements: Vec<(String, plist::Value)>,
    /// BER with indefinite lengths (`-stream`), as Apple writes; else DER.
    pub ber: bool,
}

impl Spec {
    pub fn app_store(f: &Fixtures) -> Spec {
        Spec {
            name: "Hello App Store".into(),
            app_id: format!("{TEAM}.{BUNDLE_ID}"),
            certs: vec![f.dist.der.clone()],
            devices: None,
            all_devices: false,
            get_task_allow: false,
            expires: OffsetDateTime::now_utc() + Duration::days(300),
            entitlements: vec![(
                "aps-environment".into(),
                plist::Value::String("production".into()),
            )],
            ber: true,
        }
    }
}

/// Writes the profile's plist and signs it with `openssl cms -sign -nodetach`.
pub fn write_profile(f: &Fixtures, spec: &Spec) -> PathBuf {
    use plist::{Dictionary, Value};
    let mut entitlements = Dictionary::new();
    entitlements.insert(
        "application-identifier".into(),
        Value::String(spec.app_id.clone()),
    );
    entitlements.insert(
        "com.apple.developer.team-identifier".into(),
        Value::String(TEAM.into()),
    );
    entitlements.insert("get-task-allow".into(), Value::Boolean(spec.get_task_allow));
    entitlements.insert(
        "keychain-access-groups".into(),
        Value::Array(vec![Value::String(format!("{TEAM}.*"))]),
    );
    for (k, v) in &spec.entitlements {
        entitlements.insert(k.clone(), v.clone());
    }
    let strings = |v: &[&str]| Value::Array(v.iter().map(|s| Value::String((*s).into())).collect());
    let mut d = Dictionary::new();
    d.insert("AppIDName".into(), Value::String("Hello".into()));
    d.insert("ApplicationIdentifierPrefix".into(), strings(&[TEAM]));
    d.insert(
        "CreationDate".into(),
        Value::Date(std::time::SystemTime::now().into()),
    );
    d.insert("Platform".into(), strings(&["iOS", "xrOS", "visionOS"]));
    d.insert("IsXcodeManaged".into(), Value::Boolean(false));
    d.insert(
        "DeveloperCertificates".into(),
        Value::Array(spec.certs.iter().map(|c| Value::Data(c.clone())).collect()),
    );
    d.insert("Entitlements".into(), Value::Dictionary(entitlements));
    d.insert(
        "ExpirationDate".into(),
        Value::Date(std::time::SystemTime::from(spec.expires).into()),
    );
    d.insert("Name".into(), Value::String(spec.name.clone()));
    if let Some(devices) = &spec.devices {
        d.insert(
            "ProvisionedDevices".into(),
            Value::Array(devices.iter().map(|s| Value::String(s.clone())).collect()),
        );
    }
    if spec.all_devices {
        d.insert("ProvisionsAllDevices".into(), Value::Boolean(true));
    }
    d.insert("TeamIdentifier".into(), strings(&[TEAM]));
    d.insert("TeamName".into(), Value::String("Example Inc".into()));
    d.insert("TimeToLive".into(), Value::Integer(300.into()));
    let uuid = format!(
        "0AF0C0DE-0000-4000-8000-{:012}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    d.insert("UUID".into(), Value::String(uuid));
    d.insert("Version".into(), Value::Integer(1.into()));
    let plist_path = unique(&f.dir, "profile", "plist");
    Value::Dictionary(d).to_file_xml(&plist_path).unwrap();
    let out = unique(&f.dir, "profile", "mobileprovision");
    let mut args = vec![
        "cms",
        "-sign",
        "-nodetach",
        "-binary",
        "-outform",
        "DER",
        "-in",
        plist_path.to_str().unwrap(),
        "-signer",
        f.signer.cert.to_str().unwrap(),
        "-inkey",
        f.signer.key.to_str().unwrap(),
        "-out",
        out.to_str().unwrap(),
    ];
    if spec.ber {
        args.push("-stream");
    }
    run_ok(&f.openssl, &args);
    // OpenSSL itself reads back what it signed.
    run_ok(
        &f.openssl,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            out.to_str().unwrap(),
        ],
    );
    out
}

pub fn identity(path: &Path) -> P12Identity {
    P12Identity::open(path, &password()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
