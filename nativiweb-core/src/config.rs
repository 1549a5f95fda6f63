//! The app configuration: `nativiweb.toml`, validated.
//!
//! Values come from two layers: what the project already says about itself (prefilled by
//! detection from capacitor.config, app.json, the web manifest, package.json...) and the
//! `nativiweb.toml` file, which wins. Both are a [`PartialAppConfig`]; [`AppConfig::resolve`]
//! merges them, fills defaults and validates every field, naming the field and the rule it
//! breaks.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The config file's name at the project root.
pub const CONFIG_FILE: &str = "nativiweb.toml";

/// Play's versionCode ceiling (and so ours for `build`).
pub const MAX_BUILD_NUMBER: u64 = 2_100_000_000;

/// Lowest Android API level nativiweb builds for (Android 5.0). Below 24 the APK also gets a v1
/// (JAR) signature.
pub const MIN_SUPPORTED_SDK: u32 = 21;

/// The default `min_sdk`: Android 7.0, the first with APK Signature Scheme v2 and a WebView
/// that updates from Play.
pub const DEFAULT_MIN_SDK: u32 = 24;

/// The newest Android API level this release knows.
pub const LATEST_KNOWN_SDK: u32 = 36;

/// Google Play's target API level requirements for new apps and updates: from the date on the
/// left (YYYY-MM-DD), uploads must target at least the level on the right. The one place these
/// deadlines live; [`required_target_sdk`] reads it.
pub const PLAY_TARGET_SDK_DEADLINES: &[(&str, u32)] = &[
    ("2023-08-31", 33),
    ("2024-08-31", 34),
    ("2025-08-31", 35),
    ("2026-08-31", 36),
];

/// The target SDK Play requires for uploads on `date` (`YYYY-MM-DD`), or `None` before the first
/// deadline in the table.
pub fn required_target_sdk(date: &str) -> Option<u32> {
    PLAY_TARGET_SDK_DEADLINES
        .iter()
        .rev()
        .find(|(from, _)| date >= *from)
        .map(|(_, level)| *level)
}

/// The default `target_sdk`: what Play requires today, as of this release.
pub const DEFAULT_TARGET_SDK: u32 = 36;

/// The default iOS deployment target.
pub const DEFAULT_IOS_DEPLOYMENT_TARGET: &str = "15.0";

/// Java keywords (and literals) that Android rejects as a package-name segment.
const JAVA_KEYWORDS: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "false",
    "final",
    "finally",
    "float",
    "for",
    "goto",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "short",
    "static",
    "strictfp",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "transient",
    "true",
    "try",
    "void",
    "volatile",
    "while",
    "_",
];

/// Why a configuration was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A field has a value that breaks a rule.
    #[error("invalid `{field}` = {value:?}: {rule}")]
    Invalid {
        /// The field, dotted (`android.min_sdk`).
        field: String,
        /// The value given.
        value: String,
        /// The rule it breaks and what to do.
        rule: String,
    },
    /// A required field has no value anywhere.
    #[error("missing `{field}`: {hint}")]
    Missing {
        /// The field.
        field: String,
        /// Where to set it.
        hint: String,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("{path}: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// The parser's message (line and column included).
        message: String,
    },
    /// Several problems at once (every one is listed, so a user fixes them in one go).
    #[error("{} problems in the app configuration:{}", problems.len(), problems.iter().map(|p| format!("\n  - {p}")).collect::<String>())]
    Several {
        /// Each problem.
        problems: Vec<ConfigError>,
    },
    /// Problems with values from a config file, naming the file.
    #[error("{path}: {source}")]
    InFile {
        /// The config file.
        path: PathBuf,
        /// The problem(s).
        #[source]
        source: Box<ConfigError>,
    },
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The config file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    /// The field at fault, for a single-field problem.
    pub fn field(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { field, .. } | ConfigError::Missing { field, .. } => Some(field),
            ConfigError::InFile { source, .. } => source.field(),
            _ => None,
        }
    }

    /// Every single problem (one for most errors, each of [`ConfigError::Several`]).
    pub fn problems(&self) -> Vec<&ConfigError> {
        match self {
            ConfigError::Several { problems } => problems.iter().collect(),
            ConfigError::InFile { source, .. } => source.problems(),
            other => vec![other],
        }
    }

    /// Names `path` in the error when a field at fault was set in that file (`file`), so the
    /// user knows where to fix it; errors about values from elsewhere stay as they are.
    fn located(self, path: &Path, file: &PartialAppConfig) -> ConfigError {
        let Ok(table) = toml::Value::try_from(file) else {
            return self;
        };
        let in_file = |field: &str| {
            let mut v = &table;
            for part in field.split('.') {
                match v.get(part) {
                    Some(next) => v = next,
                    None => return false,
                }
            }
            true
        };
        let any_in_file = self.problems().iter().any(|p| match p.field() {
            Some(f) => in_file(f),
            None => false,
        });
        if any_in_file {
            ConfigError::InFile {
                path: path.to_owned(),
                source: Box::new(self),
            }
        } else {
            self
        }
    }
}

fn invalid(field: &str, value: impl std::fmt::Display, rule: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.to_owned(),
        value: value.to_string(),
        rule: rule.into(),
    }
}

/// Screen orientation the app allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Follows the device.
    #[default]
    Any,
    /// Portrait only.
    Portrait,
    /// Landscape only.
    Landscape,
}

/// A colour as `#RRGGBB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Color {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Color {
    /// Parses `#RRGGBB` (case-insensitive).
    pub fn parse(s: &str) -> Option<Color> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        Some(Color {
            r: (v >> 16) as u8,
            g: (v >> 8) as u8,
            b: v as u8,
        })
    }

    /// As Android's `0xAARRGGBB` with full opacity.
    pub fn argb(self) -> u32 {
        0xff00_0000 | (u32::from(self.r) << 16) | (u32::from(self.g) << 8) | u32::from(self.b)
    }
}

impl std::fmt::Display for Color {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl TryFrom<String> for Color {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Color::parse(&s).ok_or_else(|| format!("`{s}` is not a colour: use #RRGGBB"))
    }
}

impl From<Color> for String {
    fn from(c: Color) -> String {
        c.to_string()
    }
}

/// Android-specific settings, all optional in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialAndroidConfig {
    /// Overrides `id` as the applicationId (when the iOS bundle id differs).
    pub application_id: Option<String>,
    /// minSdkVersion.
    pub min_sdk: Option<u32>,
    /// targetSdkVersion.
    pub target_sdk: Option<u32>,
    /// Extra permissions (`CAMERA` or `android.permission.CAMERA`).
    pub permissions: Option<Vec<String>>,
    /// Allow plain-http traffic (off by default).
    pub cleartext: Option<bool>,
}

/// iOS-specific settings, all optional in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialIosConfig {
    /// Overrides `id` as the bundle identifier.
    pub bundle_id: Option<String>,
    /// Minimum iOS version (`15.0`).
    pub deployment_target: Option<String>,
    /// Apple developer team id (10 characters).
    pub team_id: Option<String>,
}

/// One layer of configuration: the file, or what detection found. Every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialAppConfig {
    /// App id.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// The display name in other languages: locale tag (`fr`, `pt-BR`) -> name.
    pub name_translations: Option<BTreeMap<String, String>>,
    /// Version string.
    pub version: Option<String>,
    /// Build number.
    pub build: Option<u64>,
    /// Web bundle dir, relative to the project root.
    pub web_dir: Option<PathBuf>,
    /// Start URL.
    pub start_url: Option<String>,
    /// Hosts the app may navigate to.
    pub allowed_hosts: Option<Vec<String>>,
    /// Orientation.
    pub orientation: Option<Orientation>,
    /// Theme (status bar) colour, as written.
    pub theme_color: Option<String>,
    /// Background colour, as written.
    pub background_color: Option<String>,
    /// Icon path, relative to the project root.
    pub icon: Option<PathBuf>,
    /// Globs of web bundle files to leave out of the app (see [`crate::bundle`]), on top of
    /// the files nativiweb always leaves out.
    pub exclude: Option<Vec<String>>,
    /// Android settings.
    #[serde(default)]
    pub android: PartialAndroidConfig,
    /// iOS settings.
    #[serde(default)]
    pub ios: PartialIosConfig,
}

impl PartialAppConfig {
    /// Parses a `nativiweb.toml`'s text; `path` is only used in the error.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Reads `dir/nativiweb.toml` if it exists (an absent file is an empty layer).
    pub fn load_from_dir(dir: &Path) -> Result<Self, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_toml(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Io { path, source }),
        }
    }

    /// This layer with the gaps filled from `lower` (self wins field by field).
    pub fn or(self, lower: PartialAppConfig) -> PartialAppConfig {
        PartialAppConfig {
            id: self.id.or(lower.id),
            name: self.name.or(lower.name),
            name_translations: self.name_translations.or(lower.name_translations),
            version: self.version.or(lower.version),
            build: self.build.or(lower.build),
            web_dir: self.web_dir.or(lower.web_dir),
            start_url: self.start_url.or(lower.start_url),
            allowed_hosts: self.allowed_hosts.or(lower.allowed_hosts),
            orientation: self.orientation.or(lower.orientation),
            theme_color: self.theme_color.or(lower.theme_color),
            background_color: self.background_color.or(lower.background_color),
            icon: self.icon.or(lower.icon),
            exclude: self.exclude.or(lower.exclude),
            android: PartialAndroidConfig {
                application_id: self.android.application_id.or(lower.android.application_id),
                min_sdk: self.android.min_sdk.or(lower.android.min_sdk),
                target_sdk: self.android.target_sdk.or(lower.android.target_sdk),
                permissions: self.android.permissions.or(lower.android.permissions),
                cleartext: self.android.cleartext.or(lower.android.cleartext),
            },
            ios: PartialIosConfig {
                bundle_id: self.ios.bundle_id.or(lower.ios.bundle_id),
                deployment_target: self.ios.deployment_target.or(lower.ios.deployment_target),
                team_id: self.ios.team_id.or(lower.ios.team_id),
            },
        }
    }
}

/// Android settings, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AndroidConfig {
    /// applicationId (the app id unless overridden).
    pub application_id: String,
    /// minSdkVersion.
    pub min_sdk: u32,
    /// targetSdkVersion.
    pub target_sdk: u32,
    /// Permissions, fully qualified (`android.permission.CAMERA`), sorted, without duplicates.
    pub permissions: Vec<String>,
    /// Whether plain-http traffic is allowed.
    pub cleartext: bool,
}

/// iOS settings, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IosConfig {
    /// CFBundleIdentifier (the app id unless overridden).
    pub bundle_id: String,
    /// Minimum iOS version.
    pub deployment_target: String,
    /// Apple developer team id.
    pub team_id: Option<String>,
}

/// Where the app's content comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum StartUrl {
    /// A path inside the bundled web assets (`/`, `/app/index.html`).
    Bundled(String),
    /// A remote https URL the app loads.
    Remote(String),
}

/// A validated app configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    /// App id, used as applicationId and bundle id unless overridden per platform.
    pub id: String,
    /// Display name (launcher label).
    pub name: String,
    /// The display name in other languages: locale tag (`fr`, `pt-BR`) -> name, validated like
    /// `name`.
    pub name_translations: BTreeMap<String, String>,
    /// Version string (versionName / CFBundleShortVersionString).
    pub version: String,
    /// Build number (versionCode / CFBundleVersion).
    pub build: u64,
    /// Web bundle dir relative to the project root, when set or detected.
    pub web_dir: Option<PathBuf>,
    /// Where the app starts.
    pub start_url: StartUrl,
    /// Hosts a remote app may navigate to in-app (others open in the browser).
    pub allowed_hosts: Vec<String>,
    /// Orientation.
    pub orientation: Orientation,
    /// Theme (status bar) colour.
    pub theme_color: Color,
    /// Background (splash) colour.
    pub background_color: Color,
    /// Icon path relative to the project root.
    pub icon: Option<PathBuf>,
    /// The user's globs of web bundle files to leave out of the app, validated (see
    /// [`crate::bundle::BundleFilter::new`]).
    pub exclude: Vec<String>,
    /// Android settings.
    pub android: AndroidConfig,
    /// iOS settings.
    pub ios: IosConfig,
}

impl AppConfig {
    /// Reads `root/nativiweb.toml` (if any) over `prefill` and resolves the result. Problems
    /// in the file name it by its path.
    pub fn load(root: &Path, prefill: PartialAppConfig) -> Result<AppConfig, ConfigError> {
        Self::load_with(root, PartialAppConfig::default(), prefill)
    }

    /// [`AppConfig::load`] with a layer of `overrides` on top of the file (values given on
    /// the command line, such as a CI's build number).
    pub fn load_with(
        root: &Path,
        overrides: PartialAppConfig,
        prefill: PartialAppConfig,
    ) -> Result<AppConfig, ConfigError> {
        let file = PartialAppConfig::load_from_dir(root)?;
        let from_file = file.clone();
        AppConfig::resolve(overrides.or(file).or(prefill), Some(root)).map_err(|e| {
            let path = root.join(CONFIG_FILE);
            e.located(&path, &from_file)
        })
    }

    /// Fills defaults and validates every field, reporting every problem at once
    /// ([`ConfigError::Several`] when there is more than one). With `root`, paths are also
    /// checked to stay inside it after resolving symlinks.
    pub fn resolve(p: PartialAppConfig, root: Option<&Path>) -> Result<AppConfig, ConfigError> {
        let mut problems: Vec<ConfigError> = Vec::new();
        let mut check = |r: Result<(), ConfigError>| {
            if let Err(e) = r {
                problems.push(e);
            }
        };

        let id = p.id.clone().unwrap_or_default();
        if p.id.is_none() {
            check(Err(ConfigError::Missing {
                field: "id".into(),
                hint: format!("set `id = \"com.example.app\"` in {CONFIG_FILE}"),
            }));
        }
        let name = match &p.name {
            None => {
                check(Err(ConfigError::Missing {
                    field: "name".into(),
                    hint: format!("set `name = \"My App\"` in {CONFIG_FILE}"),
                }));
                String::new()
            }
            Some(n) => match validate_name("name", n) {
                Ok(n) => n,
                Err(e) => {
                    check(Err(e));
                    n.clone()
                }
            },
        };
        let mut name_translations = BTreeMap::new();
        for (tag, text) in p.name_translations.clone().unwrap_or_default() {
            let field = format!("name_translations.{tag}");
            check(validate_locale_tag(&field, &tag));
            match validate_name(&field, &text) {
                Ok(t) => {
                    name_translations.insert(tag, t);
                }
                Err(e) => check(Err(e)),
            }
        }

        let application_id = p
            .android
            .application_id
            .clone()
            .unwrap_or_else(|| id.clone());
        let bundle_id = p.ios.bundle_id.clone().unwrap_or_else(|| id.clone());
        let android_error = if p.id.is_some() || p.android.application_id.is_some() {
            let field = if application_id == id {
                "id"
            } else {
                "android.application_id"
            };
            validate_android_id(field, &application_id).err()
        } else {
            None
        };
        // A bad `id` usually breaks the iOS rules too; say it once.
        let id_said = android_error
            .as_ref()
            .is_some_and(|e| e.field() == Some("id"));
        check(android_error.map_or(Ok(()), Err));
        if p.id.is_some() || p.ios.bundle_id.is_some() {
            let field = if bundle_id == id {
                "id"
            } else {
                "ios.bundle_id"
            };
            if !(field == "id" && id_said) {
                check(validate_bundle_id(field, &bundle_id));
            }
        }

        let version = p.version.clone().unwrap_or_else(|| "1.0.0".to_owned());
        check(validate_version(&version));
        let build = p.build.unwrap_or(1);
        if !(1..=MAX_BUILD_NUMBER).contains(&build) {
            check(Err(invalid(
                "build",
                build,
                format!(
                    "must be between 1 and {MAX_BUILD_NUMBER} (Google Play's versionCode limit)"
                ),
            )));
        }

        let web_dir = match p
            .web_dir
            .as_deref()
            .map(|d| validate_inside("web_dir", d, root))
        {
            Some(Err(e)) => {
                check(Err(e));
                None
            }
            Some(Ok(d)) => Some(d),
            None => None,
        };
        let icon = match p.icon.as_deref().map(|d| validate_inside("icon", d, root)) {
            Some(Err(e)) => {
                check(Err(e));
                None
            }
            Some(Ok(d)) => Some(d),
            None => None,
        };
        let exclude = p.exclude.clone().unwrap_or_default();
        for glob in &exclude {
            if let Err(e) = crate::bundle::BundleFilter::new(std::slice::from_ref(glob)) {
                check(Err(invalid("exclude", glob, e.to_string())));
            }
        }

        let start_url = match validate_start_url(p.start_url.as_deref().unwrap_or("/")) {
            Ok(s) => s,
            Err(e) => {
                check(Err(e));
                StartUrl::Bundled("/".to_owned())
            }
        };
        let mut allowed_hosts = p.allowed_hosts.clone().unwrap_or_default();
        for h in &allowed_hosts {
            check(validate_host(h));
        }
        if let StartUrl::Remote(url) = &start_url {
            if let Some(host) = url_host(url) {
                if !allowed_hosts.iter().any(|h| host_matches(h, host)) {
                    allowed_hosts.push(host.to_owned());
                }
            }
        }

        let white = Color {
            r: 255,
            g: 255,
            b: 255,
        };
        let theme_color = parse_color("theme_color", p.theme_color.as_deref(), "#ffffff")
            .unwrap_or_else(|e| {
                check(Err(e));
                white
            });
        let background_color =
            parse_color("background_color", p.background_color.as_deref(), "#ffffff")
                .unwrap_or_else(|e| {
                    check(Err(e));
                    white
                });

        let min_sdk = p.android.min_sdk.unwrap_or(DEFAULT_MIN_SDK);
        let target_sdk = p.android.target_sdk.unwrap_or(DEFAULT_TARGET_SDK);
        if !(MIN_SUPPORTED_SDK..=LATEST_KNOWN_SDK).contains(&min_sdk) {
            check(Err(invalid(
                "android.min_sdk",
                min_sdk,
                format!("must be between {MIN_SUPPORTED_SDK} and {LATEST_KNOWN_SDK}"),
            )));
        } else if target_sdk < min_sdk || target_sdk > LATEST_KNOWN_SDK {
            check(Err(invalid(
                "android.target_sdk",
                target_sdk,
                format!("must be between min_sdk ({min_sdk}) and {LATEST_KNOWN_SDK}"),
            )));
        }
        let mut permissions = Vec::new();
        for perm in p.android.permissions.clone().unwrap_or_default() {
            match validate_permission(&perm) {
                Ok(full) => permissions.push(full),
                Err(e) => check(Err(e)),
            }
        }
        permissions.sort();
        permissions.dedup();

        let deployment_target = p
            .ios
            .deployment_target
            .clone()
            .unwrap_or_else(|| DEFAULT_IOS_DEPLOYMENT_TARGET.to_owned());
        check(validate_deployment_target(&deployment_target));
        if let Some(team) = &p.ios.team_id {
            if team.len() != 10
                || !team
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                check(Err(invalid(
                    "ios.team_id",
                    team,
                    "must be 10 uppercase letters or digits, as shown under Membership in your Apple developer account",
                )));
            }
        }

        match problems.len() {
            0 => {}
            1 => return Err(problems.remove(0)),
            _ => return Err(ConfigError::Several { problems }),
        }
        Ok(AppConfig {
            id,
            name,
            name_translations,
            version,
            build,
            web_dir,
            start_url,
            allowed_hosts,
            orientation: p.orientation.unwrap_or_default(),
            theme_color,
            background_color,
            icon,
            exclude,
            android: AndroidConfig {
                application_id,
                min_sdk,
                target_sdk,
                permissions,
                cleartext: p.android.cleartext.unwrap_or(false),
            },
            ios: IosConfig {
                bundle_id,
                deployment_target,
                team_id: p.ios.team_id,
            },
        })
    }
}

/// Checks a BCP 47-style locale tag as Android resource qualifiers take it: a 2–3 letter
/// language, optionally `-` and a 2-letter region (`fr`, `pt-BR`).
fn validate_locale_tag(field: &str, tag: &str) -> Result<(), ConfigError> {
    let mut parts = tag.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()));
    let region_ok = match parts.next() {
        None => true,
        Some(r) => r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()),
    };
    if lang_ok && region_ok && parts.next().is_none() {
        Ok(())
    } else {
        Err(invalid(
            field,
            tag,
            "the key must be a locale tag like fr or pt-BR (lowercase language, optional uppercase region)",
        ))
    }
}

fn validate_name(field: &str, name: &str) -> Result<String, ConfigError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, name, "must not be empty"));
    }
    if trimmed.chars().count() > 50 {
        return Err(invalid(
            field,
            name,
            "must be at most 50 characters (launchers truncate long labels; App Store names are limited to 30)",
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid(field, name, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

/// Checks an Android applicationId: at least two dot-separated segments, each starting with a
/// letter and made of ASCII letters, digits and `_`, none a Java keyword.
pub fn validate_android_id(field: &str, id: &str) -> Result<(), ConfigError> {
    let segments: Vec<&str> = id.split('.').collect();
    if segments.len() < 2 {
        return Err(invalid(
            field,
            id,
            "an Android applicationId needs at least two dot-separated segments, like com.example.app",
        ));
    }
    if id.len() > 150 {
        return Err(invalid(field, id, "must be at most 150 characters"));
    }
    for seg in segments {
        let mut chars = seg.chars();
        match chars.next() {
            None => {
                return Err(invalid(
                    field,
                    id,
                    "has an empty segment (two dots in a row, or a leading or trailing dot)",
                ))
            }
            Some(c) if !c.is_ascii_alphabetic() => {
                return Err(invalid(
                    field,
                    id,
                    format!(
                        "segment `{seg}` must start with a letter (Android applicationId rule)"
                    ),
                ))
            }
            _ => {}
        }
        if let Some(bad) = seg
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        {
            return Err(invalid(
                field,
                id,
                format!("segment `{seg}` has `{bad}`: Android applicationIds allow only letters, digits and `_`"),
            ));
        }
        if JAVA_KEYWORDS.contains(&seg) {
            return Err(invalid(
                field,
                id,
                format!(
                    "segment `{seg}` is a Java keyword, which Android rejects in a package name"
                ),
            ));
        }
    }
    Ok(())
}

/// Checks an iOS bundle identifier: dot-separated segments of ASCII letters, digits and `-`.
pub fn validate_bundle_id(field: &str, id: &str) -> Result<(), ConfigError> {
    if id.len() > 155 {
        return Err(invalid(
            field,
            id,
            "must be at most 155 characters (App Store rule)",
        ));
    }
    for seg in id.split('.') {
        if seg.is_empty() {
            return Err(invalid(
                field,
                id,
                "has an empty segment (two dots in a row, or a leading or trailing dot)",
            ));
        }
        if let Some(bad) = seg
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            let hint = if bad == '_' {
                " (set [ios] bundle_id = \"...\" with `-` in place of `_` to keep `_` on Android)"
            } else {
                ""
            };
            return Err(invalid(
                field,
                id,
                format!("`{bad}` is not allowed in an iOS bundle id: use letters, digits, `-` and `.`{hint}"),
            ));
        }
    }
    Ok(())
}

fn validate_version(v: &str) -> Result<(), ConfigError> {
    let parts: Vec<&str> = v.split('.').collect();
    let ok = (1..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "version",
            v,
            "must be one to three dot-separated numbers like 1.2.0 (the App Store's CFBundleShortVersionString rule)",
        ))
    }
}

fn validate_deployment_target(v: &str) -> Result<(), ConfigError> {
    let parts: Vec<&str> = v.split('.').collect();
    let major: Option<u32> = parts.first().and_then(|m| m.parse().ok());
    let well_formed = (1..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match major {
        Some(m) if well_formed && (12..=30).contains(&m) => Ok(()),
        _ => Err(invalid(
            "ios.deployment_target",
            v,
            "must be an iOS version like 15.0 (12.0 or later)",
        )),
    }
}

fn validate_inside(field: &str, path: &Path, root: Option<&Path>) -> Result<PathBuf, ConfigError> {
    let mut depth: i32 = 0;
    for comp in path.components() {
        match comp {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return Err(invalid(
                        field,
                        path.display(),
                        "must stay inside the project (no `..` above its root)",
                    ));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid(
                    field,
                    path.display(),
                    "must be relative to the project root, not absolute",
                ));
            }
        }
    }
    if let Some(root) = root {
        let full = root.join(path);
        if let (Ok(real), Ok(real_root)) = (full.canonicalize(), root.canonicalize()) {
            if !real.starts_with(&real_root) {
                return Err(invalid(
                    field,
                    path.display(),
                    "resolves (through a symlink) to a place outside the project",
                ));
            }
        }
    }
    Ok(path.to_owned())
}

fn validate_start_url(url: &str) -> Result<StartUrl, ConfigError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        match url_host(url) {
            Some(host) if validate_host(host).is_ok() => Ok(StartUrl::Remote(url.to_owned())),
            _ => Err(invalid(
                "start_url",
                url,
                "has no valid host after https://",
            )),
        }
    } else if lower.starts_with("http://") {
        Err(invalid(
            "start_url",
            url,
            "must use https:// (stores and Android block cleartext by default)",
        ))
    } else if lower.contains("://")
        || lower.starts_with("javascript:")
        || lower.starts_with("data:")
    {
        Err(invalid(
            "start_url",
            url,
            "must be a path inside the app (`/`) or an https:// URL",
        ))
    } else if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(invalid(
            "start_url",
            url,
            "must not contain spaces or control characters",
        ))
    } else if url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .any(|s| s == "..")
    {
        Err(invalid(
            "start_url",
            url,
            "must not climb out of the bundle with `..`",
        ))
    } else {
        let path = if url.starts_with('/') {
            url.to_owned()
        } else {
            format!("/{url}")
        };
        Ok(StartUrl::Bundled(path))
    }
}

/// The host of an `https://` URL (without port or credentials).
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = host_port.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host[..host.len() - suffix.len()].ends_with('.')
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

fn validate_host(h: &str) -> Result<(), ConfigError> {
    let body = h.strip_prefix("*.").unwrap_or(h);
    let ok = !body.is_empty()
        && body.len() <= 253
        && body.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "allowed_hosts",
            h,
            "must be a host name like app.example.com or *.example.com (no scheme, path or port)",
        ))
    }
}

fn parse_color(field: &str, value: Option<&str>, default: &str) -> Result<Color, ConfigError> {
    let v = value.unwrap_or(default);
    Color::parse(v).ok_or_else(|| invalid(field, v, "must be a colour written #RRGGBB"))
}

fn validate_permission(p: &str) -> Result<String, ConfigError> {
    let full = if p.contains('.') {
        p.to_owned()
    } else {
        format!("android.permission.{p}")
    };
    let ok = full.split('.').all(|seg| {
        seg.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if ok {
        Ok(full)
    } else {
        Err(invalid(
            "android.permissions",
            p,
            "must be a permission name like CAMERA or android.permission.CAMERA",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> PartialAppConfig {
        PartialAppConfig {
            id: Some("com.example.hello".into()),
            name: Some("Hello".into()),
            ..Default::default()
        }
    }

    fn err_field(p: PartialAppConfig) -> String {
        match AppConfig::resolve(p, None) {
            Err(ConfigError::Invalid { field, .. }) | Err(ConfigError::Missing { field, .. }) => {
                field
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_fill_in() {
        let c = AppConfig::resolve(base(), None).unwrap();
        assert_eq!(c.version, "1.0.0");
        assert_eq!(c.build, 1);
        assert_eq!(c.android.min_sdk, 24);
        assert_eq!(c.android.target_sdk, 36);
        assert_eq!(c.start_url, StartUrl::Bundled("/".into()));
        assert_eq!(c.android.application_id, "com.example.hello");
    }

    #[test]
    fn full_file_parses() {
        let text = r##"
            id = "com.example.hello"
            name = "Hello"
            version = "1.2.0"
            build = 42
            web_dir = "dist"
            start_url = "https://app.example.com"
            allowed_hosts = ["app.example.com"]
            orientation = "portrait"
            theme_color = "#0d6efd"
            background_color = "#ffffff"
            icon = "icon.png"
            [android]
            min_sdk = 24
            target_sdk = 36
            permissions = ["CAMERA"]
            [ios]
            deployment_target = "15.0"
            team_id = "ABCDE12345"
        "##;
        let p = PartialAppConfig::from_toml(text, Path::new("nativiweb.toml")).unwrap();
        let c = AppConfig::resolve(p, None).unwrap();
        assert_eq!(c.build, 42);
        assert_eq!(c.theme_color.argb(), 0xff0d6efd);
        assert_eq!(c.android.permissions, vec!["android.permission.CAMERA"]);
        assert_eq!(
            c.start_url,
            StartUrl::Remote("https://app.example.com".into())
        );
        assert_eq!(c.orientation, Orientation::Portrait);
    }

    #[test]
    fn unknown_key_is_a_parse_error_naming_the_file() {
        let e = PartialAppConfig::from_toml(
            "id = \"a.b\"\nnmae = \"x\"",
            Path::new("x/nativiweb.toml"),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("x/nativiweb.toml") && msg.contains("nmae"),
            "{msg}"
        );
    }

    #[test]
    fn file_layer_wins_over_prefill() {
        let file = PartialAppConfig {
            name: Some("From File".into()),
            ..Default::default()
        };
        let c = AppConfig::resolve(file.or(base()), None).unwrap();
        assert_eq!(c.name, "From File");
        assert_eq!(c.id, "com.example.hello");
    }

    #[test]
    fn rejects_bad_ids() {
        for bad in [
            "hello",
            "com..x",
            "com.1app",
            "com.example.class",
            "com.ex-ample.app",
            ".com.x",
            "com.x.",
        ] {
            let p = PartialAppConfig {
                id: Some(bad.into()),
                ..base()
            };
            assert_eq!(err_field(p), "id", "{bad}");
        }
        // `_` is fine on Android but not in a bundle id; an iOS override fixes it.
        let p = PartialAppConfig {
            id: Some("com.example.my_app".into()),
            ..base()
        };
        let e = AppConfig::resolve(p.clone(), None).unwrap_err().to_string();
        assert!(e.contains("bundle_id"), "{e}");
        let mut p = p;
        p.ios.bundle_id = Some("com.example.my-app".into());
        assert!(AppConfig::resolve(p, None).is_ok());
    }

    #[test]
    fn rejects_bad_values_naming_the_field() {
        assert_eq!(
            err_field(PartialAppConfig {
                build: Some(0),
                ..base()
            }),
            "build"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                build: Some(2_100_000_001),
                ..base()
            }),
            "build"
        );
        assert!(AppConfig::resolve(
            PartialAppConfig {
                build: Some(2_100_000_000),
                ..base()
            },
            None
        )
        .is_ok());
        assert_eq!(
            err_field(PartialAppConfig {
                version: Some("1.2.3.4".into()),
                ..base()
            }),
            "version"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                version: Some("v1".into()),
                ..base()
            }),
            "version"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                theme_color: Some("blue".into()),
                ..base()
            }),
            "theme_color"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                background_color: Some("#fff".into()),
                ..base()
            }),
            "background_color"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                web_dir: Some("../x".into()),
                ..base()
            }),
            "web_dir"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                icon: Some("/etc/icon.png".into()),
                ..base()
            }),
            "icon"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                start_url: Some("http://x.com".into()),
                ..base()
            }),
            "start_url"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                start_url: Some("javascript:alert(1)".into()),
                ..base()
            }),
            "start_url"
        );
        assert_eq!(
            err_field(PartialAppConfig {
                allowed_hosts: Some(vec!["https://x.com".into()]),
                ..base()
            }),
            "allowed_hosts"
        );
        assert_eq!(err_field(PartialAppConfig { id: None, ..base() }), "id");
        assert_eq!(
            err_field(PartialAppConfig {
                name: Some("  ".into()),
                ..base()
            }),
            "name"
        );
        let mut p = base();
        p.android.min_sdk = Some(30);
        p.android.target_sdk = Some(29);
        assert_eq!(err_field(p), "android.target_sdk");
        let mut p = base();
        p.ios.team_id = Some("abc".into());
        assert_eq!(err_field(p), "ios.team_id");
    }

    #[test]
    fn name_translations_are_validated() {
        let text = "id = \"com.example.hello\"\nname = \"Hello\"\n[name_translations]\nfr = \"Bonjour\"\npt-BR = \"Olá\"\n";
        let p = PartialAppConfig::from_toml(text, Path::new("nativiweb.toml")).unwrap();
        let c = AppConfig::resolve(p, None).unwrap();
        assert_eq!(c.name_translations["fr"], "Bonjour");
        assert_eq!(c.name_translations["pt-BR"], "Olá");
        let mut bad = base();
        bad.name_translations = Some([("french".to_owned(), "Bonjour".to_owned())].into());
        assert_eq!(err_field(bad), "name_translations.french");
        let mut bad = base();
        bad.name_translations = Some([("fr".to_owned(), " ".to_owned())].into());
        assert_eq!(err_field(bad), "name_translations.fr");
    }

    #[test]
    fn remote_start_url_host_is_allowed() {
        let p = PartialAppConfig {
            start_url: Some("https://app.example.com/home".into()),
            ..base()
        };
        let c = AppConfig::resolve(p, None).unwrap();
        assert_eq!(c.allowed_hosts, vec!["app.example.com"]);
        assert!(host_matches("*.example.com", "app.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
    }

    #[test]
    fn play_deadline_table() {
        assert_eq!(required_target_sdk("2026-11-22"), Some(36));
        assert_eq!(required_target_sdk("2025-09-01"), Some(35));
        assert_eq!(required_target_sdk("2020-01-01"), None);
    }
}
