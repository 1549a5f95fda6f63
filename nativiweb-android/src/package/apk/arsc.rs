//! `resources.arsc`: the compiled resource table an APK's manifest points into.
//!
//! [`encode`] writes the app model's [`ResourceTable`] as the binary table aapt would:
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
//! Resource ids and order are the model's ([`crate::package::resources`]); the same table gives
//! the same bytes.

use crate::package::apk::axml::pool::{Encoding, StringPool};
use crate::package::apk::axml::{put_header, put_u16, put_u32, Value};
pub use crate::package::resources::{
    density, Config, Entry, FileKind, ResourceError, ResourceError as ArscError, ResourceTable,
    ResourceTable as TableBuilder, PACKAGE_ID,
};

const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
const CONFIG_SIZE: usize = 64;
const NO_ENTRY: u32 = 0xFFFF_FFFF;
const FLAG_COMPLEX: u16 = 0x0001;

/// `ResTable_config` axes an entry can vary on (for the type spec flags).
const CONFIG_LOCALE: u32 = 0x0004;
const CONFIG_DENSITY: u32 = 0x0100;
const CONFIG_VERSION: u32 = 0x0400;
const CONFIG_UI_MODE: u32 = 0x1000;
/// `ResTable_config::uiMode` night bits: `UI_MODE_NIGHT_YES`.
const UI_MODE_NIGHT_YES: u8 = 0x20;

fn axes(c: &Config) -> u32 {
    let mut f = 0;
    if c.language != [0; 2] || c.region != [0; 2] {
        f |= CONFIG_LOCALE;
    }
    if c.density != 0 {
        f |= CONFIG_DENSITY;
    }
    if c.sdk != 0 {
        f |= CONFIG_VERSION;
    }
    if c.night {
        f |= CONFIG_UI_MODE;
    }
    f
}

fn encode_config(c: &Config, out: &mut Vec<u8>) {
    let start = out.len();
    put_u32(out, CONFIG_SIZE as u32);
    put_u32(out, 0); // mcc, mnc
    out.extend_from_slice(&c.language);
    out.extend_from_slice(&c.region);
    out.push(0); // orientation
    out.push(0); // touchscreen
    put_u16(out, c.density);
    put_u32(out, 0); // keyboard, navigation, inputFlags, pad
    put_u32(out, 0); // screenWidth, screenHeight
    put_u16(out, c.sdk);
    put_u16(out, 0); // minorVersion
    out.push(0); // screenLayout
    out.push(if c.night { UI_MODE_NIGHT_YES } else { 0 });
    out.resize(start + CONFIG_SIZE, 0);
}

/// Writes `table` as a binary `resources.arsc`.
pub fn encode(table: &ResourceTable) -> Vec<u8> {
    let mut values = StringPool::new(Encoding::Utf8);
    let mut type_names = StringPool::new(Encoding::Utf8);
    let mut keys = StringPool::new(Encoding::Utf8);
    for t in &table.types {
        type_names.intern(&t.name);
        for k in &t.keys {
            keys.intern(k);
        }
        for (_, _, entry) in &t.values {
            match entry {
                Entry::Simple(Value::String(s)) | Entry::File { path: s, .. } => {
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
    for (ti, t) in table.types.iter().enumerate() {
        let type_id = (ti + 1) as u8;
        let n = t.keys.len();
        // Type spec: which axes each entry varies on.
        let mut flags = vec![0u32; n];
        for (e, c, _) in &t.values {
            flags[*e] |= axes(c);
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
                    Entry::File { path, .. } => {
                        put_u16(&mut entries, 8);
                        put_u16(&mut entries, 0);
                        put_u32(&mut entries, key);
                        put_res_value(&mut entries, &Value::String(path.clone()), &values);
                    }
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
            encode_config(&config, &mut types_bytes);
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
    let mut name: Vec<u16> = table.package.encode_utf16().take(127).collect();
    name.resize(128, 0);
    for u in name {
        put_u16(&mut pkg, u);
    }
    put_u32(&mut pkg, pkg_header as u32); // typeStrings
    put_u32(&mut pkg, table.types.len() as u32); // lastPublicType
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
        let b = encode(&t);
        assert_eq!(
            u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize,
            b.len()
        );
        assert_eq!(b, encode(&t));
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
