//! The parts of `package.json` detection reads, parsed leniently.
//!
//! Only the fields detection uses are kept (serde skips the rest without allocating), and
//! each is read tolerantly: a field of the wrong type is ignored, not an error, and dependency
//! versions are never interpreted (`workspace:*`, `catalog:`, `nightly`, `file:../x` are all
//! just strings), so odd values never break detection.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A JSON object read as name -> string, skipping (without building) values that are not
/// strings; anything that is not an object reads as empty. Dependency maps are parsed straight
/// into this, so a big package.json costs no intermediate `serde_json::Value` tree.
#[derive(Default)]
struct LenientMap(Vec<(String, String)>);

/// A string, or `None` for any other JSON value (which is skipped).
struct LenientString(Option<String>);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LenientString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientString(Some(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LenientString(Some(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientString(None))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LenientString(None))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LenientString(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LenientString(None))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientString(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientString(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(LenientString(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(LenientString(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for LenientMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LenientMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, LenientString>()? {
                    if let Some(v) = v.0 {
                        out.push((k, v));
                    }
                }
                Ok(LenientMap(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(LenientMap::default())
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(LenientMap::default())
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientMap::default())
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LenientMap::default())
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LenientMap::default())
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LenientMap::default())
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientMap::default())
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct Raw {
    name: Option<Value>,
    version: Option<Value>,
    #[serde(rename = "productName")]
    product_name: Option<Value>,
    #[serde(rename = "displayName")]
    display_name: Option<Value>,
    #[serde(default)]
    scripts: LenientMap,
    #[serde(default)]
    dependencies: LenientMap,
    #[serde(rename = "devDependencies", default)]
    dev_dependencies: LenientMap,
    workspaces: Option<Value>,
    #[serde(rename = "packageManager")]
    package_manager: Option<Value>,
    #[serde(rename = "devEngines")]
    dev_engines: Option<Value>,
}

/// What detection uses from a `package.json`.
#[derive(Debug, Clone, Default)]
pub(crate) struct PackageJson {
    /// `name` (may be scoped: `@scope/app`).
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `productName` or `displayName` (a human name some projects set).
    pub product_name: Option<String>,
    /// `scripts`.
    pub scripts: BTreeMap<String, String>,
    /// Names in `dependencies` and `devDependencies`, with their version specs.
    pub deps: BTreeMap<String, String>,
    /// `workspaces` (an array, or `{ "packages": [...] }`).
    pub workspaces: Option<Vec<String>>,
    /// `packageManager` (`pnpm@9.1.0+sha512...`), or `devEngines.packageManager.name`.
    pub package_manager: Option<String>,
}

fn string(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

impl PackageJson {
    /// Parses the text of a package.json; the error is serde_json's message (with line and
    /// column).
    pub fn parse(bytes: &[u8]) -> Result<PackageJson, String> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let raw: Raw = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let scripts: BTreeMap<String, String> = raw.scripts.0.into_iter().collect();
        let mut deps = BTreeMap::new();
        for (k, v) in raw.dependencies.0.into_iter().chain(raw.dev_dependencies.0) {
            deps.entry(k).or_insert(v);
        }
        let workspaces = raw.workspaces.map(|w| match &w {
            Value::Object(m) => m.get("packages").map(string_list).unwrap_or_default(),
            other => string_list(other),
        });
        let package_manager = string(raw.package_manager).or_else(|| {
            raw.dev_engines
                .as_ref()
                .and_then(|d| d.get("packageManager"))
                .and_then(|p| match p {
                    Value::Array(a) => a.first(),
                    other => Some(other),
                })
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        Ok(PackageJson {
            name: string(raw.name),
            version: string(raw.version),
            product_name: string(raw.product_name).or_else(|| string(raw.display_name)),
            scripts,
            deps,
            workspaces,
            package_manager,
        })
    }

    /// True when `name` is exactly a dependency or dev dependency.
    pub fn has_dep(&self, name: &str) -> bool {
        self.deps.contains_key(name)
    }

    /// The version spec of a dependency.
    pub fn dep(&self, name: &str) -> Option<&str> {
        self.deps.get(name).map(String::as_str)
    }

    /// The `build` script, if any (an empty one counts as none).
    pub fn script(&self, name: &str) -> Option<&str> {
        self.scripts
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }
}

/// The major version a dependency spec asks for, when it says (`^3.2.0` -> 3, `~2` -> 2,
/// `>=14 <15` -> 14); `None` for `workspace:*`, `latest`, git URLs and the like.
pub(crate) fn major_version(spec: &str) -> Option<u64> {
    let s = spec
        .trim()
        .trim_start_matches("npm:")
        .trim_start_matches(['^', '~', '=', '>', '<', 'v', ' ']);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields() {
        let p = PackageJson::parse(
            br#"{"name":"@scope/app","version":7,"scripts":{"build":"vite build","x":1},
                "dependencies":{"react":"catalog:","next":"workspace:*"},
                "devDependencies":{"vite":"nightly","odd":{"a":1}},
                "workspaces":{"packages":["apps/*", 3]},
                "devEngines":{"packageManager":{"name":"pnpm","version":"^9"}}}"#,
        )
        .unwrap();
        assert_eq!(p.name.as_deref(), Some("@scope/app"));
        assert_eq!(p.version, None);
        assert_eq!(p.script("build"), Some("vite build"));
        assert!(p.has_dep("vite") && p.has_dep("next"));
        // A dependency whose spec is not a string is skipped, not an error.
        assert!(!p.has_dep("odd"));
        assert_eq!(p.workspaces, Some(vec!["apps/*".to_owned()]));
        assert_eq!(p.package_manager.as_deref(), Some("pnpm"));
        assert!(PackageJson::parse(b"[1,2]").is_err());
        assert!(PackageJson::parse(b"{").is_err());
    }

    #[test]
    fn majors() {
        assert_eq!(major_version("^3.2.0"), Some(3));
        assert_eq!(major_version(">=14 <15"), Some(14));
        assert_eq!(major_version("npm:nuxt@2"), None);
        assert_eq!(major_version("workspace:*"), None);
        assert_eq!(major_version("2.x"), Some(2));
    }
}
