//! Reading values out of Gradle build scripts (Groovy and Kotlin DSL), `.properties` files and
//! version catalogs without running Gradle: enough to find the versions a build needs before
//! it starts. Nothing here evaluates code; a value computed in a way these readers do not
//! follow is reported as unknown, never guessed wrong on purpose.

use std::collections::BTreeMap;

/// `text` without `//` and `/* */` comments (string literals kept, so `"https://…"` stays).
pub(crate) fn strip_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut start = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 2;
                    continue;
                }
                if b == q || b == b'\n' {
                    quote = None;
                }
                i += 1;
            }
            None => {
                if b == b'"' || b == b'\'' {
                    quote = Some(b);
                    i += 1;
                } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                    out.push_str(&text[start..i]);
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    start = i;
                } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
                    out.push_str(&text[start..i]);
                    i += 2;
                    while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                        if bytes[i] == b'\n' {
                            out.push('\n');
                        }
                        i += 1;
                    }
                    i = (i + 2).min(bytes.len());
                    start = i;
                } else {
                    i += 1;
                }
            }
        }
    }
    out.push_str(&text[start.min(text.len())..]);
    out
}

/// The quoted strings of `text`, in order (`'a'`, `"b"`), without their quotes.
pub(crate) fn quoted_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(q) = rest.find(['\'', '"']) {
        let quote = rest.as_bytes()[q] as char;
        let after = &rest[q + 1..];
        let Some(end) = after.find(quote) else { break };
        out.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

/// The first quoted string in `text`.
pub(crate) fn first_quoted(text: &str) -> Option<String> {
    quoted_strings(text).into_iter().next()
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The expressions assigned to `key` in `text`: what follows `key` (as a whole word, not a
/// longer name, not after a `.` unless `qualified` allows it) and a separator (`=`, `(`, or
/// Groovy's space), up to the end of the line. `compileSdk 35`, `compileSdk = 35`,
/// `compileSdk(35)`, `ext.compileSdkVersion = 35`, `set("compileSdk", 35)`.
pub(crate) fn assignments(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (pos, _) in text.match_indices(key) {
        let before = text.as_bytes()[..pos].last().copied();
        if before.is_some_and(|b| is_ident_byte(b) || b == b'"' || b == b'\'') {
            // `set("key", v)` is handled below; `xkey` is another name.
            if !matches!(before, Some(b'"') | Some(b'\'')) {
                continue;
            }
        }
        let after = &text[pos + key.len()..];
        if after.as_bytes().first().is_some_and(|b| is_ident_byte(*b)) {
            continue;
        }
        let line_end = after.find('\n').unwrap_or(after.len());
        let line = &after[..line_end];
        let value = if matches!(before, Some(b'"') | Some(b'\'')) {
            // `set("key", value)` / `extra["key"] = value` / `"key": value`.
            let rest = line.trim_start_matches(['"', '\'']).trim_start();
            let rest = rest
                .strip_prefix(',')
                .or_else(|| rest.strip_prefix(']').map(|r| r.trim_start()))
                .or_else(|| rest.strip_prefix(':'))
                .map(str::trim_start);
            match rest {
                Some(r) => r.trim_start_matches('=').trim_start(),
                None => continue,
            }
        } else {
            let trimmed = line.trim_start();
            if let Some(r) = trimmed.strip_prefix('=') {
                if r.starts_with('=') {
                    continue; // `key == x` is a comparison
                }
                r.trim_start()
            } else if let Some(r) = trimmed.strip_prefix('(') {
                r.trim_start()
            } else if line.starts_with([' ', '\t']) && !trimmed.is_empty() {
                // Groovy `key value`; not `key {` blocks, `key.x`, or operators.
                if trimmed.starts_with([
                    '{', '.', '?', ':', ')', ',', '+', '-', '*', '/', '<', '>', '!', '&', '|', '}',
                ]) {
                    if trimmed.starts_with('{') {
                        // A block: keep it, callers may look inside (`compileSdk { version = release(36) }`).
                        let block_end = after.find('}').map(|e| e + 1).unwrap_or(after.len());
                        out.push(after[..block_end].trim().to_owned());
                    }
                    continue;
                }
                trimmed
            } else if trimmed.starts_with('{') {
                let block_end = after.find('}').map(|e| e + 1).unwrap_or(after.len());
                out.push(after[..block_end].trim().to_owned());
                continue;
            } else {
                continue;
            }
        };
        let value = balance_parens(value.trim().trim_end_matches(';').trim());
        if !value.is_empty() {
            out.push(value.to_owned());
        }
    }
    out
}

/// `value` without the closing parentheses of the call it was an argument of (`34)` -> `34`).
fn balance_parens(mut value: &str) -> &str {
    while value.ends_with(')') && value.matches(')').count() > value.matches('(').count() {
        value = value[..value.len() - 1].trim_end();
    }
    value
}

/// The integer a simple expression stands for: `35`, `'35'`, `"android-35"`, `release(36)`,
/// `35)`; or, for anything else, the one integer literal it contains
/// (`Integer.parseInt(findProperty('android.compileSdkVersion') ?: '35')`).
pub(crate) fn integer_in(expr: &str) -> Option<u32> {
    let e = expr.trim().trim_end_matches([')', ';']).trim();
    let unquoted = e.trim_matches(['"', '\'']);
    if let Ok(n) = unquoted.parse() {
        return Some(n);
    }
    if let Some(rest) = unquoted.strip_prefix("android-") {
        return rest.parse().ok();
    }
    if let Some(pos) = e.find("release(") {
        let digits: String = e[pos + 8..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return digits.parse().ok();
    }
    let numbers = integer_literals(e);
    match numbers.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Whole integer literals in `text` (not parts of names or dotted versions).
fn integer_literals(text: &str) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !(is_ident_byte(bytes[i - 1]) || bytes[i - 1] == b'.'))
        {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let next = bytes.get(i).copied();
            if !next.is_some_and(|b| is_ident_byte(b) || b == b'.') {
                if let Ok(n) = text[start..i].parse() {
                    out.push(n);
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The last name of a property path (`rootProject.ext.compileSdkVersion` ->
/// `compileSdkVersion`), when the expression is only that.
pub(crate) fn property_name(expr: &str) -> Option<&str> {
    let e = expr.trim().trim_end_matches([')', ';']).trim();
    if e.is_empty() || !e.bytes().all(|b| is_ident_byte(b) || b == b'.') {
        return None;
    }
    let last = e.rsplit('.').next()?;
    (!last.is_empty() && !last.as_bytes()[0].is_ascii_digit()).then_some(last)
}

/// The property names an expression reads with `findProperty('x')`, `property("x")`,
/// `project.properties['x']` or `providers.gradleProperty("x")`.
pub(crate) fn property_reads(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in [
        "findProperty(",
        "property(",
        "properties[",
        "gradleProperty(",
        "getProperty(",
    ] {
        for (pos, _) in expr.match_indices(marker) {
            if let Some(name) = first_quoted(&expr[pos + marker.len()..]) {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// The `include` lines of a settings file as module folders (`':app'` -> `app`,
/// `":feature:home"` -> `feature/home`).
pub(crate) fn included_modules(settings: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in settings.lines() {
        let line = line.trim();
        if !line.starts_with("include") || line.starts_with("includeBuild") {
            continue;
        }
        for module in quoted_strings(line) {
            let module = module.trim_start_matches(':').replace(':', "/");
            if !module.is_empty() && !module.contains("..") && !out.contains(&module) {
                out.push(module);
            }
        }
    }
    out
}

/// The folders of `includeBuild("…")` lines (relative to the settings file).
pub(crate) fn included_builds(settings: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (pos, _) in settings.match_indices("includeBuild") {
        let rest = &settings[pos + "includeBuild".len()..];
        let line = rest.split('\n').next().unwrap_or("");
        if let Some(path) = first_quoted(line) {
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

/// A Java `.properties` file as key/value pairs, in order: `key=value`, `key: value`,
/// `key value`, `#`/`!` comments, `\` line continuations and escapes (`\:`, `\\`, `\uXXXX`).
pub(crate) fn read_properties(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut logical = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if logical.is_empty() && (trimmed.is_empty() || trimmed.starts_with(['#', '!'])) {
            continue;
        }
        // An odd number of trailing backslashes continues the line.
        let trailing = trimmed.len() - trimmed.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            logical.push_str(&trimmed[..trimmed.len() - 1]);
            if lines.clone().next().is_some() {
                continue;
            }
        } else {
            logical.push_str(trimmed);
        }
        let entry = std::mem::take(&mut logical);
        let (key, value) = split_property(&entry);
        out.insert(unescape(&key), unescape(value.trim_start()));
    }
    out
}

fn split_property(entry: &str) -> (String, &str) {
    let bytes = entry.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' => return (entry[..i].trim_end().to_owned(), &entry[i + 1..]),
            b' ' | b'\t' => {
                let key = entry[..i].to_owned();
                let rest = entry[i..].trim_start();
                let rest = rest
                    .strip_prefix(['=', ':'])
                    .map(str::trim_start)
                    .unwrap_or(rest);
                return (key, rest);
            }
            _ => i += 1,
        }
    }
    (entry.to_owned(), "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `value` escaped for a `.properties` file: backslashes, `:`, `=`, leading spaces and
/// non-ASCII characters (as `\uXXXX`, which every reader of the format understands).
pub(crate) fn escape_property_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            ':' => out.push_str("\\:"),
            '=' => out.push_str("\\="),
            ' ' if i == 0 => out.push_str("\\ "),
            '\n' => out.push_str("\\n"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_strings_stay() {
        let t = "a = 'x' // gone\n/* block\n id 'com.android.application' version '1.0' */ b = \"https://x\"";
        let s = strip_comments(t);
        assert!(s.contains("a = 'x' \n"));
        assert!(!s.contains("gone") && !s.contains("1.0"));
        assert!(s.contains("b = \"https://x\""));
    }

    #[test]
    fn assignments_in_both_dsls() {
        let t = "android {\n compileSdk 35\n compileSdkVersion = rootProject.ext.compileSdkVersion\n compileSdk(34)\n minCompileSdk 1\n}\n";
        assert_eq!(
            assignments(t, "compileSdk"),
            ["35", "34"],
            "compileSdkVersion and minCompileSdk are other names"
        );
        assert_eq!(
            assignments(t, "compileSdkVersion"),
            ["rootProject.ext.compileSdkVersion"]
        );
        let t = "ext {\n  compileSdkVersion = 35\n}\nextra[\"agp\"] = \"8.7.3\"\nset(\"minSdk\", 24)\nif (compileSdkVersion == 3) {}";
        assert_eq!(assignments(t, "compileSdkVersion"), ["35"]);
        assert_eq!(assignments(t, "agp"), ["\"8.7.3\""]);
        assert_eq!(assignments(t, "minSdk"), ["24"]);
        let t = "android {\n    compileSdk {\n        version = release(36)\n    }\n}";
        assert_eq!(integer_in(&assignments(t, "compileSdk")[0]), Some(36));
    }

    #[test]
    fn integers_from_simple_expressions() {
        assert_eq!(integer_in("35"), Some(35));
        assert_eq!(integer_in("'35'"), Some(35));
        assert_eq!(integer_in("\"android-34\""), Some(34));
        assert_eq!(integer_in("release(36)"), Some(36));
        assert_eq!(
            integer_in("Integer.parseInt(findProperty('android.compileSdkVersion') ?: '35')"),
            Some(35)
        );
        assert_eq!(integer_in("flutter.compileSdkVersion"), None);
        assert_eq!(integer_in("libs.versions.compileSdk.get().toInt()"), None);
        assert_eq!(integer_in("a + 3 + 4"), None);
        assert_eq!(
            property_name("rootProject.ext.compileSdkVersion"),
            Some("compileSdkVersion")
        );
        assert_eq!(
            property_name("compileSdkVersion)"),
            Some("compileSdkVersion")
        );
        assert_eq!(property_name("35"), None);
        assert_eq!(
            property_reads("Integer.parseInt(findProperty('android.compileSdkVersion') ?: '35')"),
            ["android.compileSdkVersion"]
        );
    }

    #[test]
    fn settings_lines() {
        let s = "rootProject.name = 'x'\ninclude ':app', ':lib'\ninclude(\":feature:home\")\nincludeBuild('../node_modules/@react-native/gradle-plugin')\n";
        assert_eq!(included_modules(s), ["app", "lib", "feature/home"]);
        assert_eq!(
            included_builds(s),
            ["../node_modules/@react-native/gradle-plugin"]
        );
    }

    #[test]
    fn properties_files() {
        let t = "# comment\n! also\nsdk.dir=C\\:\\\\Users\\\\me\\\\sdk\ndistributionUrl=https\\://services.gradle.org/distributions/gradle-8.9-bin.zip\nkey : value\nspaced value here\nlong = a\\\n    b\nuni=caf\\u00e9\n";
        let p = read_properties(t);
        assert_eq!(p["sdk.dir"], "C:\\Users\\me\\sdk");
        assert_eq!(
            p["distributionUrl"],
            "https://services.gradle.org/distributions/gradle-8.9-bin.zip"
        );
        assert_eq!(p["key"], "value");
        assert_eq!(p["spaced"], "value here");
        assert_eq!(p["long"], "ab");
        assert_eq!(p["uni"], "café");
        let escaped = escape_property_value("/home/zoë/Android Sdk:x");
        assert_eq!(escaped, "/home/zo\\u00eb/Android Sdk\\:x");
        let back = read_properties(&format!("sdk.dir={escaped}\n"));
        assert_eq!(back["sdk.dir"], "/home/zoë/Android Sdk:x");
    }
}
