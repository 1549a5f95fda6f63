//! A text writer for the app model's element tree ([`crate::package::xml::Element`]): the
//! manifest and XML resources as the source files a Gradle project holds, where the binary
//! encoders write resource ids and numbers.
//!
//! Typed values become what aapt2 reads back into the same values: references by name
//! (`@string/app_name`, `@android:style/Theme.Material.NoActionBar`), colours as `#AARRGGBB`,
//! and the manifest's enum and flag attributes by their symbols (`singleTask`,
//! `orientation|screenSize|...`), since aapt2 refuses numbers for them.

use crate::package::manifest::attr;
use crate::package::resources::ResourceTable;
use crate::package::xml::{Element, Value, ANDROID_NS};

/// `configChanges` flag symbols (`attrs_manifest.xml`), in the order of their bits.
pub const CONFIG_CHANGES_FLAGS: &[(u32, &str)] = &[
    (0x0001, "mcc"),
    (0x0002, "mnc"),
    (0x0004, "locale"),
    (0x0008, "touchscreen"),
    (0x0010, "keyboard"),
    (0x0020, "keyboardHidden"),
    (0x0040, "navigation"),
    (0x0080, "orientation"),
    (0x0100, "screenLayout"),
    (0x0200, "uiMode"),
    (0x0400, "screenSize"),
    (0x0800, "smallestScreenSize"),
    (0x1000, "density"),
    (0x2000, "layoutDirection"),
    (0x4000, "colorMode"),
    (0x8000, "grammaticalGender"),
    (0x1000_0000, "fontWeightAdjustment"),
    (0x4000_0000, "fontScale"),
];

/// `launchMode` symbols.
const LAUNCH_MODES: &[(u32, &str)] = &[
    (0, "standard"),
    (1, "singleTop"),
    (2, "singleTask"),
    (3, "singleInstance"),
    (4, "singleInstancePerTask"),
];

/// `screenOrientation` symbols.
const ORIENTATIONS: &[(u32, &str)] = &[
    (0, "landscape"),
    (1, "portrait"),
    (2, "user"),
    (3, "behind"),
    (4, "sensor"),
    (5, "nosensor"),
    (6, "sensorLandscape"),
    (7, "sensorPortrait"),
    (8, "reverseLandscape"),
    (9, "reversePortrait"),
    (10, "fullSensor"),
    (11, "userLandscape"),
    (12, "userPortrait"),
    (13, "fullUser"),
    (14, "locked"),
];

/// Framework resources the model refers to, by id: `(id, "@android:type/name")`.
const FRAMEWORK_REFERENCES: &[(u32, &str)] = &[
    (
        attr::THEME_MATERIAL_LIGHT_NO_ACTION_BAR,
        "@android:style/Theme.Material.Light.NoActionBar",
    ),
    (
        attr::THEME_MATERIAL_NO_ACTION_BAR,
        "@android:style/Theme.Material.NoActionBar",
    ),
];

/// Framework attributes used as style items, by id: `(id, "android:name")`.
pub const FRAMEWORK_ATTRS: &[(u32, &str)] = &[
    (attr::WINDOW_NO_TITLE, "android:windowNoTitle"),
    (attr::WINDOW_BACKGROUND, "android:windowBackground"),
    (attr::WINDOW_ACTION_BAR, "android:windowActionBar"),
    (attr::COLOR_PRIMARY, "android:colorPrimary"),
    (attr::COLOR_PRIMARY_DARK, "android:colorPrimaryDark"),
    (attr::COLOR_ACCENT, "android:colorAccent"),
    (attr::STATUS_BAR_COLOR, "android:statusBarColor"),
    (attr::NAVIGATION_BAR_COLOR, "android:navigationBarColor"),
    (
        attr::WINDOW_LIGHT_STATUS_BAR,
        "android:windowLightStatusBar",
    ),
    (attr::IS_LIGHT_THEME, "android:isLightTheme"),
];

/// Escapes text for an XML attribute value or element content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// A string resource's text as aapt2 reads it back unchanged: backslash escapes for `\`, `'`,
/// `"`, new lines and tabs, a leading `@` or `?` escaped (else it is a reference), then XML
/// escapes.
pub fn resource_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '@' | '?' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    // Leading and trailing spaces would be trimmed: keep them by quoting the whole value.
    let out = if text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{out}\"")
    } else {
        out
    };
    escape(&out)
}

/// A resource id as a reference: `@type/key` for the app's own, `@android:...` for the
/// framework's the model uses, `@0x...` otherwise (which no model produces).
pub fn reference(id: u32, table: &ResourceTable) -> String {
    if let Some((ty, key)) = table.name_of(id) {
        return format!("@{ty}/{key}");
    }
    FRAMEWORK_REFERENCES
        .iter()
        .find(|(i, _)| *i == id)
        .map_or_else(|| format!("@0x{id:08x}"), |(_, name)| (*name).to_owned())
}

/// A value as resource XML writes it (style items, attributes without symbols).
pub fn value(v: &Value, table: &ResourceTable) -> String {
    match v {
        Value::String(s) => escape(s),
        Value::Int(n) => n.to_string(),
        Value::Hex(n) => format!("0x{n:08x}"),
        Value::Bool(b) => b.to_string(),
        Value::Reference(id) => reference(*id, table),
        Value::Color(argb) => format!("#{argb:08X}"),
    }
}

fn symbol(table: &[(u32, &str)], n: u32) -> Option<String> {
    table
        .iter()
        .find(|(v, _)| *v == n)
        .map(|(_, s)| (*s).to_owned())
}

fn flags(table: &[(u32, &str)], n: u32) -> Option<String> {
    let mut rest = n;
    let mut names = Vec::new();
    for (bit, name) in table {
        if n & bit == *bit {
            names.push(*name);
            rest &= !bit;
        }
    }
    (rest == 0).then(|| names.join("|"))
}

/// `windowSoftInputMode` symbols: a state (low nibble) and an adjust mode (next nibble).
fn soft_input(n: u32) -> Option<String> {
    let state = match n & 0x0f {
        0 => None,
        1 => Some("stateUnchanged"),
        2 => Some("stateHidden"),
        3 => Some("stateAlwaysHidden"),
        4 => Some("stateVisible"),
        5 => Some("stateAlwaysVisible"),
        _ => return None,
    };
    let adjust = match n & 0xf0 {
        0 => None,
        0x10 => Some("adjustResize"),
        0x20 => Some("adjustPan"),
        0x30 => Some("adjustNothing"),
        _ => return None,
    };
    if n & !0xff != 0 {
        return None;
    }
    let parts: Vec<&str> = [state, adjust].into_iter().flatten().collect();
    Some(if parts.is_empty() {
        "stateUnspecified".to_owned()
    } else {
        parts.join("|")
    })
}

/// An attribute's value: the manifest's enum and flag attributes by symbol, the rest by
/// [`value`].
fn attr_value(name: &str, android: bool, v: &Value, table: &ResourceTable) -> String {
    let symbolic = match (android, name, v) {
        (true, "configChanges", Value::Hex(n) | Value::Int(n)) => flags(CONFIG_CHANGES_FLAGS, *n),
        (true, "launchMode", Value::Int(n)) => symbol(LAUNCH_MODES, *n),
        (true, "screenOrientation", Value::Int(n)) => symbol(ORIENTATIONS, *n),
        (true, "windowSoftInputMode", Value::Hex(n) | Value::Int(n)) => soft_input(*n),
        _ => None,
    };
    symbolic.unwrap_or_else(|| value(v, table))
}

/// The element tree as an XML document: the `android` namespace declared on the root when
/// used, the first attribute beside the tag and each other on its own line, in the tree's
/// order, four spaces an indentation level.
pub fn document(root: &Element, table: &ResourceTable) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    write_element(&mut out, root, table, 0, root.uses_android_ns());
    out
}

fn write_element(
    out: &mut String,
    e: &Element,
    table: &ResourceTable,
    depth: usize,
    declare_ns: bool,
) {
    let indent = "    ".repeat(depth);
    let attr_indent = "    ".repeat(depth + 2);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&e.name);
    let mut attrs: Vec<String> = Vec::new();
    if declare_ns {
        attrs.push(format!("xmlns:android=\"{ANDROID_NS}\""));
    }
    for a in &e.attrs {
        let android = a.namespace.as_deref() == Some(ANDROID_NS);
        let name = if android {
            format!("android:{}", a.name)
        } else {
            a.name.clone()
        };
        attrs.push(format!(
            "{name}=\"{}\"",
            attr_value(&a.name, android, &a.value, table)
        ));
    }
    for (i, a) in attrs.iter().enumerate() {
        if i == 0 {
            out.push(' ');
        } else {
            out.push('\n');
            out.push_str(&attr_indent);
        }
        out.push_str(a);
    }
    if e.children.is_empty() {
        out.push_str(" />\n");
        return;
    }
    out.push_str(">\n");
    for child in &e.children {
        write_element(out, child, table, depth + 1, false);
    }
    out.push_str(&indent);
    out.push_str("</");
    out.push_str(&e.name);
    out.push_str(">\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_enums_are_written_as_symbols() {
        assert_eq!(
            flags(CONFIG_CHANGES_FLAGS, 0x0480).unwrap(),
            "orientation|screenSize"
        );
        assert!(flags(CONFIG_CHANGES_FLAGS, 0x0002_0000).is_none());
        assert_eq!(soft_input(0x10).unwrap(), "adjustResize");
        assert_eq!(soft_input(0x12).unwrap(), "stateHidden|adjustResize");
        assert_eq!(symbol(LAUNCH_MODES, 2).unwrap(), "singleTask");
        assert_eq!(symbol(ORIENTATIONS, 6).unwrap(), "sensorLandscape");
    }

    #[test]
    fn strings_are_escaped_for_aapt2() {
        assert_eq!(
            resource_string("Bob's \"app\""),
            "Bob\\'s \\&quot;app\\&quot;"
        );
        assert_eq!(resource_string("@home"), "\\@home");
        assert_eq!(resource_string("a & <b>"), "a &amp; &lt;b&gt;");
    }
}
