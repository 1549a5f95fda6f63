//! The parts of `package.json` detection reads, parsed leniently.
//!
//! Only the fields detection uses are kept (serde skips the rest without allocating), and
//! each is read tolerantly: a field of the wrong type is ignored, not an error, and dependency
//! versions are never interpreted (`workspace:*`, `catalog:`, `nightly`, `file:../x` are all
//! just strings), so odd values never break detection.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Raw {
    name: Option<Value>,
    version: Option<Value>,
    #[serde(rename = "productName")]
    product_name: Option<Value>,
    #[serde(rename = "displayName")]
    display_name: Option<Value>,
    scripts: Option<Value>,
    dependencies: Option<Value>,
    #[serde(rename = "devDependencies")]
    dev_dependencies: Option<Value>,
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

fn string_map(v: Option<Value>, into: &mut BTreeMap<String, String>) {
    if let Some(Value::Object(m)) = v {
        for (k, v) in m {
            let spec = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            into.entry(k).or_insert(spec);
        }
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
        let mut scripts = BTreeMap::new();
        if let Some(Value::Object(m)) = raw.scripts {
            for (k, v) in m {
                if let Value::String(s) = v {
                    scripts.insert(k, s);
                }
            }
        }
        let mut deps = BTreeMap::new();
        string_map(raw.dependencies, &mut deps);
        string_map(raw.dev_dependencies, &mut deps);
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
        .trim_start_matches(|c: char| matches!(c, '^' | '~' | '=' | '>' | '<' | 'v' | ' '));
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
        assert!(p.has_dep("vite") && p.has_dep("next") && p.has_dep("odd"));
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
