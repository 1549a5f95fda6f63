//! `resources.arsc`: the compiled resource table an APK's manifest points into.
//!
//! [`TableBuilder`] collects resources (a type such as `string`, a key such as `app_name`, a
//! configuration such as "French" or "xxhdpi", and a value) and writes the table aapt would:
//!
//! ```text
//! ResTable_header            (RES_TABLE_TYPE, package count)
//! ResStringPool              every string value (labels, file paths under res/)
//! ResTable_package           id 0x7f, the package name
//!   ResStringPool            type names (color, mipmap, string, style)
//!   ResStringPool            entry keys (app_name, ic_launcher, ...)
//!   per type:
//!     ResTable_typeSpec      one flags word per entry: which config axes it varies on
//!     ResTable_type          one per configuration: entry offsets, then the entries
//! ```
//!
//! Resource ids are `0x7f TT EEEE`: package `0x7f`, type index (from 1, in the order types were
//! first added) and entry index (from 0, in the order keys were first added). The same calls
//! in the same order give the same ids and the same bytes.

use crate::package::apk::axml::pool::{Encoding, StringPool};
use crate::package::apk::axml::{put_header, put_u16, put_u32, Value};

const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
const PACKAGE_ID: u32 = 0x7f;
const CONFIG_SIZE: usize = 64;
const NO_ENTRY: u32 = 0xFFFF_FFFF;
const FLAG_COMPLEX: u16 = 0x0001;

/// `ResTable_config` axes an entry can vary on (for the type spec flags).
const CONFIG_LOCALE: u32 = 0x0004;
const CONFIG_DENSITY: u32 = 0x0100;
const CONFIG_VERSION: u32 = 0x0400;

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
}

impl Config {
    /// The default configuration (no qualifiers).
    pub const DEFAULT: Config = Config {
        language: [0; 2],
        region: [0; 2],
        density: 0,
        sdk: 0,
    };

    /// A density-qualified configuration (aapt adds `-v4`, the level densities appeared in).
    pub fn density(dpi: u16) -> Config {
        Config {
            density: dpi,
            sdk: if dpi == density::ANY { 21 } else { 4 },
            ..Config::DEFAULT
        }
    }

    /// A locale configuration from a BCP 47-ish tag: `fr`, `pt-BR`, `pt_BR` or `pt-rBR`.
    pub fn locale(tag: &str) -> Result<Config, ArscError> {
        let bad = || ArscError::BadLocale {
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
        if let Some(d) = d {
            s.push('-');
            s.push_str(&d);
        }
        if self.sdk != 0 {
            s.push_str(&format!("-v{}", self.sdk));
        }
        s
    }

    fn axes(&self) -> u32 {
        let mut f = 0;
        if self.language != [0; 2] || self.region != [0; 2] {
            f |= CONFIG_LOCALE;
        }
        if self.density != 0 {
            f |= CONFIG_DENSITY;
        }
        if self.sdk != 0 {
            f |= CONFIG_VERSION;
        }
        f
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        put_u32(out, CONFIG_SIZE as u32);
        put_u32(out, 0); // mcc, mnc
        out.extend_from_slice(&self.language);
        out.extend_from_slice(&self.region);
        out.push(0); // orientation
        out.push(0); // touchscreen
        put_u16(out, self.density);
        put_u32(out, 0); // keyboard, navigation, inputFlags, pad
        put_u32(out, 0); // screenWidth, screenHeight
        put_u16(out, self.sdk);
        put_u16(out, 0); // minorVersion
        out.resize(start + CONFIG_SIZE, 0);
    }
}

/// A resource value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A plain value: a string, a colour, a file path (a string naming a file under `res/`).
    Simple(Value),
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
pub enum ArscError {
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

#[derive(Debug, Clone)]
struct TypeDef {
    name: String,
    keys: Vec<String>,
    /// `(entry index, config, value)` in insertion order.
    values: Vec<(usize, Config, Entry)>,
}

/// Collects resources and writes a `resources.arsc`.
#[derive(Debug, Clone)]
pub struct TableBuilder {
    package: String,
    types: Vec<TypeDef>,
}

impl TableBuilder {
    /// An empty table for `package` (the manifest's package name).
    pub fn new(package: &str) -> TableBuilder {
        TableBuilder {
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
    ) -> Result<u32, ArscError> {
        let ti = match self.types.iter().position(|t| t.name == ty) {
            Some(i) => i,
            None => {
                if self.types.len() >= 0xFE {
                    return Err(ArscError::TooMany("more than 254 resource types".into()));
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
                    return Err(ArscError::TooMany(format!(
                        "more than 65535 {ty} resources"
                    )));
                }
                t.keys.push(key.to_owned());
                t.keys.len() - 1
            }
        };
        if t.values.iter().any(|(e, c, _)| *e == ei && *c == config) {
            return Err(ArscError::Duplicate {
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

    fn id(ti: usize, ei: usize) -> u32 {
        (PACKAGE_ID << 24) | (((ti + 1) as u32) << 16) | ei as u32
    }

    /// Writes the table.
    pub fn encode(&self) -> Vec<u8> {
        let mut values = StringPool::new(Encoding::Utf8);
        let mut type_names = StringPool::new(Encoding::Utf8);
        let mut keys = StringPool::new(Encoding::Utf8);
        for t in &self.types {
            type_names.intern(&t.name);
            for k in &t.keys {
                keys.intern(k);
            }
            for (_, _, entry) in &t.values {
                match entry {
                    Entry::Simple(Value::String(s)) => {
                        values.intern(s);
                    }
                    Entry::Style { items, .. } => {
                        for (_, v) in items {
                            if let Value::String(s) = v {
                                values.intern(s);
                            }
                        }
                    }
                    Entry::Simple(_) => {}
                }
            }
        }

        let mut types_bytes = Vec::new();
        for (ti, t) in self.types.iter().enumerate() {
            let type_id = (ti + 1) as u8;
            let n = t.keys.len();
            // Type spec: which axes each entry varies on.
            let mut flags = vec![0u32; n];
            for (e, c, _) in &t.values {
                flags[*e] |= c.axes();
            }
            put_header(
                &mut types_bytes,
                RES_TABLE_TYPE_SPEC_TYPE,
                16,
                (16 + 4 * n) as u32,
            );
            types_bytes.push(type_id);
            types_bytes.push(0);
            put_u16(&mut types_bytes, 0);
            put_u32(&mut types_bytes, n as u32);
            for f in flags {
                put_u32(&mut types_bytes, f);
            }
            // One type chunk per configuration, in first-use order.
            let mut configs: Vec<Config> = Vec::new();
            for (_, c, _) in &t.values {
                if !configs.contains(c) {
                    configs.push(*c);
                }
            }
            for config in configs {
                let mut offsets = vec![NO_ENTRY; n];
                let mut entries = Vec::new();
                for (e, c, entry) in &t.values {
                    if *c != config {
                        continue;
                    }
                    offsets[*e] = entries.len() as u32;
                    let key = keys.index(&t.keys[*e]);
                    match entry {
                        Entry::Simple(v) => {
                            put_u16(&mut entries, 8);
                            put_u16(&mut entries, 0);
                            put_u32(&mut entries, key);
                            put_res_value(&mut entries, v, &values);
                        }
                        Entry::Style { parent, items } => {
                            let mut items: Vec<&(u32, Value)> = items.iter().collect();
                            items.sort_by_key(|(attr, _)| *attr);
                            put_u16(&mut entries, 16);
                            put_u16(&mut entries, FLAG_COMPLEX);
                            put_u32(&mut entries, key);
                            put_u32(&mut entries, *parent);
                            put_u32(&mut entries, items.len() as u32);
                            for (attr, v) in items {
                                put_u32(&mut entries, *attr);
                                put_res_value(&mut entries, v, &values);
                            }
                        }
                    }
                }
                let header = 20 + CONFIG_SIZE;
                let entries_start = header + 4 * n;
                let size = entries_start + entries.len();
                put_header(
                    &mut types_bytes,
                    RES_TABLE_TYPE_TYPE,
                    header as u16,
                    size as u32,
                );
                types_bytes.push(type_id);
                types_bytes.push(0); // flags
                put_u16(&mut types_bytes, 0);
                put_u32(&mut types_bytes, n as u32);
                put_u32(&mut types_bytes, entries_start as u32);
                config.encode(&mut types_bytes);
                for o in offsets {
                    put_u32(&mut types_bytes, o);
                }
                types_bytes.extend_from_slice(&entries);
            }
        }

        let type_pool = type_names.encode();
        let key_pool = keys.encode();
        let pkg_header = 288usize;
        let pkg_size = pkg_header + type_pool.len() + key_pool.len() + types_bytes.len();
        let mut pkg = Vec::with_capacity(pkg_size);
        put_header(
            &mut pkg,
            RES_TABLE_PACKAGE_TYPE,
            pkg_header as u16,
            pkg_size as u32,
        );
        put_u32(&mut pkg, PACKAGE_ID);
        let mut name: Vec<u16> = self.package.encode_utf16().take(127).collect();
        name.resize(128, 0);
        for u in name {
            put_u16(&mut pkg, u);
        }
        put_u32(&mut pkg, pkg_header as u32); // typeStrings
        put_u32(&mut pkg, self.types.len() as u32); // lastPublicType
        put_u32(&mut pkg, (pkg_header + type_pool.len()) as u32); // keyStrings
        put_u32(&mut pkg, keys.len() as u32); // lastPublicKey
        put_u32(&mut pkg, 0); // typeIdOffset
        pkg.extend_from_slice(&type_pool);
        pkg.extend_from_slice(&key_pool);
        pkg.extend_from_slice(&types_bytes);

        let value_pool = values.encode();
        let total = 12 + value_pool.len() + pkg.len();
        let mut out = Vec::with_capacity(total);
        put_header(&mut out, RES_TABLE_TYPE, 12, total as u32);
        put_u32(&mut out, 1);
        out.extend_from_slice(&value_pool);
        out.extend_from_slice(&pkg);
        out
    }
}

fn put_res_value(out: &mut Vec<u8>, v: &Value, pool: &StringPool) {
    let (ty, data) = v.encode(|s| pool.index(s));
    put_u16(out, 8);
    out.push(0);
    out.push(ty);
    put_u32(out, data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_insertion_order() {
        let mut t = TableBuilder::new("com.example.x");
        let a = t
            .add(
                "string",
                "app_name",
                Config::DEFAULT,
                Entry::Simple(Value::String("X".into())),
            )
            .unwrap();
        let fr = t
            .add(
                "string",
                "app_name",
                Config::locale("fr").unwrap(),
                Entry::Simple(Value::String("Ex".into())),
            )
            .unwrap();
        let c = t
            .add(
                "color",
                "bg",
                Config::DEFAULT,
                Entry::Simple(Value::Color(0xff00ff00)),
            )
            .unwrap();
        assert_eq!(a, 0x7f01_0000);
        assert_eq!(fr, a);
        assert_eq!(c, 0x7f02_0000);
        assert_eq!(t.id_of("color", "bg"), Some(c));
        let dup = t.add(
            "color",
            "bg",
            Config::DEFAULT,
            Entry::Simple(Value::Color(0)),
        );
        assert!(matches!(dup, Err(ArscError::Duplicate { .. })));
        let b = t.encode();
        assert_eq!(
            u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize,
            b.len()
        );
        assert_eq!(b, t.encode());
    }

    #[test]
    fn locale_tags() {
        assert_eq!(Config::locale("pt-BR").unwrap().qualifiers(), "-pt-rBR");
        assert_eq!(Config::locale("pt-rBR").unwrap().qualifiers(), "-pt-rBR");
        assert_eq!(Config::locale("FR").unwrap().qualifiers(), "-fr");
        for bad in ["", "fra", "f1", "pt-BRA", "zh-Hant-TW"] {
            assert!(Config::locale(bad).is_err(), "{bad}");
        }
        assert_eq!(Config::density(density::XXHDPI).qualifiers(), "-xxhdpi-v4");
    }
}
