//! The app model's resource table: typed resources (`string/app_name`, `mipmap/ic_launcher`,
//! `style/AppTheme`) with a value per configuration (a locale, a density, night mode, an API
//! level), and the ids the manifest refers to them by. One table, two encoders:
//! `resources.arsc` for APKs ([`crate::package::apk::arsc`]) and aapt2's protobuf
//! `ResourceTable` for App Bundles ([`crate::package::aab`]).
//!
//! Resource ids are `0x7f TT EEEE`: package `0x7f`, type index (from 1, in the order types were
//! first added) and entry index (from 0, in the order keys were first added). The same calls
//! in the same order give the same ids and the same bytes.

use crate::package::xml::Value;

/// The application's package id, the `PP` of every resource id it defines.
pub const PACKAGE_ID: u32 = 0x7f;

/// Screen densities, in dots per inch as `ResTable_config::density` stores them.
pub mod density {
    /// mdpi (the 1x baseline).
    pub const MDPI: u16 = 160;
    /// hdpi (1.5x).
    pub const HDPI: u16 = 240;
    /// xhdpi (2x).
    pub const XHDPI: u16 = 320;
    /// xxhdpi (3x).
    pub const XXHDPI: u16 = 480;
    /// xxxhdpi (4x).
    pub const XXXHDPI: u16 = 640;
    /// anydpi: vector or XML resources that suit every density.
    pub const ANY: u16 = 0xFFFE;
}

/// The configuration a resource value applies to (the qualifiers of a `res/` folder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Config {
    /// Two-letter ISO 639-1 language (`fr`), or zeros for any.
    pub language: [u8; 2],
    /// Two-letter ISO 3166-1 region (`BR`), or zeros for any.
    pub region: [u8; 2],
    /// Screen density ([`density`]), or 0 for any.
    pub density: u16,
    /// Minimum platform API level, or 0 for any.
    pub sdk: u16,
    /// Night mode (`-night`): the value applies when the system is in dark mode.
    pub night: bool,
}

impl Config {
    /// The default configuration (no qualifiers).
    pub const DEFAULT: Config = Config {
        language: [0; 2],
        region: [0; 2],
        density: 0,
        sdk: 0,
        night: false,
    };

    /// A density-qualified configuration (aapt adds `-v4`, the level densities appeared in).
    pub fn density(dpi: u16) -> Config {
        Config {
            density: dpi,
            sdk: if dpi == density::ANY { 21 } else { 4 },
            ..Config::DEFAULT
        }
    }

    /// The night-mode configuration (`-night-v8`: aapt adds the level night mode appeared in).
    pub fn night() -> Config {
        Config {
            night: true,
            sdk: 8,
            ..Config::DEFAULT
        }
    }

    /// The locale as a BCP 47 tag (`fr`, `pt-BR`), or `None` for any locale.
    pub fn locale_tag(&self) -> Option<String> {
        if self.language == [0; 2] {
            return None;
        }
        let mut tag = String::from_utf8_lossy(&self.language).into_owned();
        if self.region != [0; 2] {
            tag.push('-');
            tag.push_str(&String::from_utf8_lossy(&self.region));
        }
        Some(tag)
    }

    /// A locale configuration from a BCP 47-ish tag: `fr`, `pt-BR`, `pt_BR` or `pt-rBR`.
    pub fn locale(tag: &str) -> Result<Config, ResourceError> {
        let bad = || ResourceError::BadLocale {
            tag: tag.to_owned(),
        };
        let mut parts = tag.split(['-', '_']);
        let lang = parts.next().unwrap_or("");
        if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut c = Config::DEFAULT;
        let l = lang.to_ascii_lowercase();
        c.language = [l.as_bytes()[0], l.as_bytes()[1]];
        if let Some(region) = parts.next() {
            let region = if region.len() == 3 && region.starts_with('r') {
                &region[1..]
            } else {
                region
            };
            if region.len() != 2 || !region.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(bad());
            }
            let r = region.to_ascii_uppercase();
            c.region = [r.as_bytes()[0], r.as_bytes()[1]];
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(c)
    }

    /// The `res/` folder suffix for this configuration (`-fr-rBR`, `-xxhdpi-v4`).
    pub fn qualifiers(&self) -> String {
        let mut s = String::new();
        if self.language != [0; 2] {
            s.push('-');
            s.push_str(&String::from_utf8_lossy(&self.language));
            if self.region != [0; 2] {
                s.push_str("-r");
                s.push_str(&String::from_utf8_lossy(&self.region));
            }
        }
        let d = match self.density {
            0 => None,
            density::MDPI => Some("mdpi".to_owned()),
            density::HDPI => Some("hdpi".to_owned()),
            density::XHDPI => Some("xhdpi".to_owned()),
            density::XXHDPI => Some("xxhdpi".to_owned()),
            density::XXXHDPI => Some("xxxhdpi".to_owned()),
            density::ANY => Some("anydpi".to_owned()),
            other => Some(format!("{other}dpi")),
        };
        if self.night {
            s.push_str("-night");
        }
        if let Some(d) = d {
            s.push('-');
            s.push_str(&d);
        }
        if self.sdk != 0 {
            s.push_str(&format!("-v{}", self.sdk));
        }
        s
    }
}

/// A resource value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A plain value: a string, a colour, a boolean, a reference.
    Simple(Value),
    /// A file under `res/` (`res/mipmap-hdpi-v4/ic_launcher.png`).
    File {
        /// The path inside the APK (inside the module for an App Bundle).
        path: String,
        /// What the file holds.
        kind: FileKind,
    },
    /// A style (theme): a parent style and attribute/value pairs.
    Style {
        /// The parent style's resource id (`android:style/Theme.Material.Light.NoActionBar`).
        parent: u32,
        /// `(attribute id, value)` pairs; written sorted by attribute id.
        items: Vec<(u32, Value)>,
    },
}

/// Errors from building a resource table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// A translation's locale tag is not one we can encode.
    #[error("locale `{tag}` is not supported: use a two-letter language with an optional two-letter region, like `fr` or `pt-BR`")]
    BadLocale {
        /// The tag given.
        tag: String,
    },
    /// The same resource was given twice for one configuration.
    #[error("resource {ty}/{key} is defined twice for configuration `{qualifiers}`; keep one")]
    Duplicate {
        /// The type.
        ty: String,
        /// The key.
        key: String,
        /// The configuration's folder qualifiers.
        qualifiers: String,
    },
    /// More types or entries than the format can number.
    #[error("too many resources: {0}")]
    TooMany(String),
}

/// What a resource file holds; App Bundles record it, and hold XML in protobuf form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A PNG image.
    Png,
    /// An XML resource (binary XML in an APK, a protobuf `XmlNode` in an App Bundle).
    Xml,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) keys: Vec<String>,
    /// `(entry index, config, value)` in insertion order.
    pub(crate) values: Vec<(usize, Config, Entry)>,
}

/// The app's resources, collected by [`ResourceTable::add`].
#[derive(Debug, Clone)]
pub struct ResourceTable {
    pub(crate) package: String,
    pub(crate) types: Vec<TypeDef>,
}

impl ResourceTable {
    /// An empty table for `package` (the manifest's package name).
    pub fn new(package: &str) -> ResourceTable {
        ResourceTable {
            package: package.to_owned(),
            types: Vec::new(),
        }
    }

    /// Adds `ty/key` for `config` and returns its resource id (the same for every config).
    pub fn add(
        &mut self,
        ty: &str,
        key: &str,
        config: Config,
        entry: Entry,
    ) -> Result<u32, ResourceError> {
        let ti = match self.types.iter().position(|t| t.name == ty) {
            Some(i) => i,
            None => {
                if self.types.len() >= 0xFE {
                    return Err(ResourceError::TooMany(
                        "more than 254 resource types".into(),
                    ));
                }
                self.types.push(TypeDef {
                    name: ty.to_owned(),
                    keys: Vec::new(),
                    values: Vec::new(),
                });
                self.types.len() - 1
            }
        };
        let t = &mut self.types[ti];
        let ei = match t.keys.iter().position(|k| k == key) {
            Some(i) => i,
            None => {
                if t.keys.len() >= 0xFFFF {
                    return Err(ResourceError::TooMany(format!(
                        "more than 65535 {ty} resources"
                    )));
                }
                t.keys.push(key.to_owned());
                t.keys.len() - 1
            }
        };
        if t.values.iter().any(|(e, c, _)| *e == ei && *c == config) {
            return Err(ResourceError::Duplicate {
                ty: ty.to_owned(),
                key: key.to_owned(),
                qualifiers: config.qualifiers(),
            });
        }
        t.values.push((ei, config, entry));
        Ok(Self::id(ti, ei))
    }

    /// The id `add` returned for `ty/key`, if it was added.
    pub fn id_of(&self, ty: &str, key: &str) -> Option<u32> {
        let ti = self.types.iter().position(|t| t.name == ty)?;
        let ei = self.types[ti].keys.iter().position(|k| k == key)?;
        Some(Self::id(ti, ei))
    }

    /// The `(type, key)` of the resource `id` names in this table, if any.
    pub fn name_of(&self, id: u32) -> Option<(&str, &str)> {
        if id >> 24 != PACKAGE_ID {
            return None;
        }
        let ti = ((id >> 16) & 0xff) as usize;
        let t = self.types.get(ti.checked_sub(1)?)?;
        let key = t.keys.get((id & 0xffff) as usize)?;
        Some((&t.name, key))
    }

    /// The package name.
    pub fn package(&self) -> &str {
        &self.package
    }

    pub(crate) fn id(ti: usize, ei: usize) -> u32 {
        (PACKAGE_ID << 24) | (((ti + 1) as u32) << 16) | ei as u32
    }
}
