//! [`GradleProject`]: what a Gradle Android build says about the tools it needs, read from its
//! files before anything runs — the Android Gradle Plugin version (version catalog, `plugins {}`
//! block or `buildscript` classpath, Groovy or Kotlin DSL), the Gradle version of the wrapper,
//! the app module's `compileSdk` and `buildToolsVersion`, `local.properties`' `sdk.dir` and
//! `gradle.properties`' `org.gradle.java.home`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::script::{self, strip_comments};
use super::version::Version;

/// Settings file names, Kotlin DSL first (Gradle prefers it when both exist).
pub const SETTINGS_FILES: &[&str] = &["settings.gradle.kts", "settings.gradle"];
/// Build file names, Kotlin DSL first.
pub const BUILD_FILES: &[&str] = &["build.gradle.kts", "build.gradle"];
/// Where the wrapper records its Gradle distribution.
pub const WRAPPER_PROPERTIES: &str = "gradle/wrapper/gradle-wrapper.properties";
/// The default version catalog.
pub const VERSION_CATALOG: &str = "gradle/libs.versions.toml";

/// Largest build file read (a real one is a few KiB).
const MAX_FILE: u64 = 1024 * 1024;

/// The plugin ids that carry the Android Gradle Plugin's version.
const AGP_PLUGIN_IDS: &[&str] = &["com.android.application", "com.android.library"];
/// The Maven coordinates of the Android Gradle Plugin.
const AGP_MODULE: &str = "com.android.tools.build:gradle";

/// Where a value was read from, for messages (`app/build.gradle.kts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    /// The value.
    pub value: T,
    /// The file it came from.
    pub file: PathBuf,
}

/// What a Gradle Android build's files say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradleProject {
    /// The Gradle root: the folder that holds `settings.gradle(.kts)`.
    pub root: PathBuf,
    /// The settings file, when there is one.
    pub settings_file: Option<PathBuf>,
    /// The wrapper script (`gradlew`), when there is one.
    pub wrapper: Option<PathBuf>,
    /// The Gradle version of the wrapper's `distributionUrl`.
    pub gradle_version: Option<Found<Version>>,
    /// The Android Gradle Plugin version.
    pub agp_version: Option<Found<Version>>,
    /// The application module's folder relative to the root (`app`; `.` for a single-project
    /// build), when a module applies `com.android.application`.
    pub app_module: Option<String>,
    /// The application module's build file.
    pub app_build_file: Option<PathBuf>,
    /// The API level the app compiles against (`compileSdk`), when it is a value we can read
    /// (not `flutter.compileSdkVersion`).
    pub compile_sdk: Option<Found<u32>>,
    /// `buildToolsVersion`, when the project sets one.
    pub build_tools: Option<Found<String>>,
    /// `sdk.dir` of `local.properties`.
    pub sdk_dir: Option<Found<PathBuf>>,
    /// `org.gradle.java.home` of `gradle.properties`: the JDK Gradle will use whatever
    /// `JAVA_HOME` says.
    pub java_home: Option<Found<PathBuf>>,
}

/// Reads a small text file; `None` when it is missing, unreadable or absurdly large.
pub(crate) fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The first of `names` that is a file in `dir`.
fn first_file(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// The nearest folder from `dir` up (at most `max_up` levels) that holds a settings file.
pub fn find_gradle_root(dir: &Path, max_up: usize) -> Option<PathBuf> {
    dir.ancestors()
        .take(max_up + 1)
        .find(|d| first_file(d, SETTINGS_FILES).is_some())
        .map(Path::to_owned)
}

/// The Gradle version in a wrapper `distributionUrl`
/// (`https://services.gradle.org/distributions/gradle-8.9-bin.zip` -> `8.9`).
pub fn gradle_version_from_url(url: &str) -> Option<Version> {
    let file = url.rsplit('/').next()?;
    let rest = file.strip_prefix("gradle-")?;
    let stem = rest
        .strip_suffix("-bin.zip")
        .or_else(|| rest.strip_suffix("-all.zip"))
        .or_else(|| rest.strip_suffix(".zip"))?;
    Version::parse(stem)
}

/// A parsed version catalog: versions, plugins (alias -> id, version) and libraries
/// (alias -> module, version), aliases normalized to dotted form (`android-application` ->
/// `android.application`).
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    versions: BTreeMap<String, String>,
    plugins: BTreeMap<String, (String, Option<String>)>,
    libraries: BTreeMap<String, (String, Option<String>)>,
}

fn normalize_alias(alias: &str) -> String {
    alias.replace(['-', '_'], ".").to_ascii_lowercase()
}

impl Catalog {
    pub(crate) fn parse(text: &str) -> Option<Catalog> {
        let table: toml::Table = text.parse().ok()?;
        let mut catalog = Catalog::default();
        if let Some(versions) = table.get("versions").and_then(|v| v.as_table()) {
            for (k, v) in versions {
                let value = match v {
                    toml::Value::String(s) => Some(s.clone()),
                    toml::Value::Table(t) => ["strictly", "require", "prefer"]
                        .iter()
                        .find_map(|key| t.get(*key).and_then(|x| x.as_str()))
                        .map(str::to_owned),
                    _ => None,
                };
                if let Some(value) = value {
                    catalog.versions.insert(normalize_alias(k), value);
                }
            }
        }
        let version_of = |t: &toml::Table, catalog: &Catalog| -> Option<String> {
            match t.get("version") {
                Some(toml::Value::String(s)) => Some(s.clone()),
                Some(toml::Value::Table(v)) => match v.get("ref").and_then(|r| r.as_str()) {
                    Some(r) => catalog.versions.get(&normalize_alias(r)).cloned(),
                    None => ["strictly", "require", "prefer"]
                        .iter()
                        .find_map(|key| v.get(*key).and_then(|x| x.as_str()))
                        .map(str::to_owned),
                },
                _ => None,
            }
        };
        if let Some(plugins) = table.get("plugins").and_then(|v| v.as_table()) {
            for (k, v) in plugins {
                let entry = match v {
                    toml::Value::String(s) => match s.split_once(':') {
                        Some((id, version)) => (id.to_owned(), Some(version.to_owned())),
                        None => (s.clone(), None),
                    },
                    toml::Value::Table(t) => match t.get("id").and_then(|i| i.as_str()) {
                        Some(id) => (id.to_owned(), version_of(t, &catalog)),
                        None => continue,
                    },
                    _ => continue,
                };
                catalog.plugins.insert(normalize_alias(k), entry);
            }
        }
        if let Some(libraries) = table.get("libraries").and_then(|v| v.as_table()) {
            for (k, v) in libraries {
                let entry = match v {
                    toml::Value::String(s) => {
                        let mut parts = s.splitn(3, ':');
                        let (g, a, ver) = (parts.next(), parts.next(), parts.next());
                        match (g, a) {
                            (Some(g), Some(a)) => (format!("{g}:{a}"), ver.map(str::to_owned)),
                            _ => continue,
                        }
                    }
                    toml::Value::Table(t) => {
                        let module = match t.get("module").and_then(|m| m.as_str()) {
                            Some(m) => m.to_owned(),
                            None => match (
                                t.get("group").and_then(|g| g.as_str()),
                                t.get("name").and_then(|n| n.as_str()),
                            ) {
                                (Some(g), Some(n)) => format!("{g}:{n}"),
                                _ => continue,
                            },
                        };
                        (module, version_of(t, &catalog))
                    }
                    _ => continue,
                };
                catalog.libraries.insert(normalize_alias(k), entry);
            }
        }
        Some(catalog)
    }

    /// The version a `libs.versions.x` accessor names.
    pub(crate) fn version(&self, accessor: &str) -> Option<&str> {
        self.versions
            .get(&normalize_alias(accessor))
            .map(String::as_str)
    }

    /// The plugin a `libs.plugins.x` accessor names: (id, version).
    fn plugin(&self, accessor: &str) -> Option<&(String, Option<String>)> {
        self.plugins.get(&normalize_alias(accessor))
    }

    /// The library a `libs.x` accessor names: (module, version).
    fn library(&self, accessor: &str) -> Option<&(String, Option<String>)> {
        self.libraries.get(&normalize_alias(accessor))
    }

    /// The AGP version the catalog declares for the plugin or the Gradle plugin library.
    fn agp(&self) -> Option<String> {
        AGP_PLUGIN_IDS
            .iter()
            .find_map(|id| {
                self.plugins
                    .values()
                    .find(|(pid, v)| pid == id && v.is_some())
                    .and_then(|(_, v)| v.clone())
            })
            .or_else(|| {
                self.libraries
                    .values()
                    .find(|(m, v)| m == AGP_MODULE && v.is_some())
                    .and_then(|(_, v)| v.clone())
            })
            .or_else(|| self.versions.get("agp").cloned())
    }
}

/// Accessors after `prefix` in `text` (`libs.plugins.android.application` ->
/// `android.application`).
fn accessors<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(pos, _)| {
            let rest = &text[pos + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            rest[..end]
                .trim_end_matches('.')
                .trim_end_matches(".get")
                .trim_end_matches('.')
        })
        .filter(|a| !a.is_empty())
        .collect()
}

/// The build files (comment-free) of a project that may say which AGP it uses.
struct Scripts {
    /// (file, text without comments)
    files: Vec<(PathBuf, String)>,
    properties: BTreeMap<String, String>,
}

impl Scripts {
    /// `$name` / `${name}` / a bare name: its value from an assignment in these files or
    /// gradle.properties.
    fn resolve_var(&self, name: &str) -> Option<String> {
        for (_, text) in &self.files {
            for expr in script::assignments(text, name) {
                if let Some(s) = script::first_quoted(&expr) {
                    if !s.contains('$') {
                        return Some(s);
                    }
                }
            }
        }
        self.properties.get(name).cloned()
    }

    /// A version string as written, with `$var`/`${var}` resolved.
    fn expand(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if let Some(var) = raw.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            return self.resolve_var(var.trim().rsplit('.').next()?);
        }
        if let Some(var) = raw.strip_prefix('$') {
            return self.resolve_var(var);
        }
        Some(raw.to_owned())
    }
}

/// The AGP version the scripts declare: a `plugins {}` entry with a version, an
/// `alias(libs.plugins.…)`, a `com.android.tools.build:gradle:…` classpath (literal,
/// `$variable` or `libs.…`), or else the catalog's entry.
fn agp_version(scripts: &Scripts, catalog: Option<&Catalog>) -> Option<(String, PathBuf)> {
    for (file, text) in &scripts.files {
        // plugins { id 'com.android.application' version '8.7.3' }
        for id in AGP_PLUGIN_IDS {
            for quote in ['\'', '"'] {
                let needle = format!("{quote}{id}{quote}");
                for (pos, _) in text.match_indices(&needle) {
                    let rest = &text[pos + needle.len()..];
                    let stmt = rest.split('\n').next().unwrap_or("");
                    let Some(vpos) = stmt.match_indices("version").map(|(i, _)| i).find(|i| {
                        !stmt[i + 7..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    }) else {
                        continue;
                    };
                    if let Some(raw) = script::first_quoted(&stmt[vpos..]) {
                        if let Some(v) = scripts.expand(&raw) {
                            return Some((v, file.clone()));
                        }
                    }
                }
            }
        }
        // alias(libs.plugins.android.application)
        if let Some(catalog) = catalog {
            for accessor in accessors(text, "libs.plugins.") {
                if let Some((id, Some(version))) = catalog.plugin(accessor) {
                    if AGP_PLUGIN_IDS.contains(&id.as_str()) {
                        return Some((version.clone(), file.clone()));
                    }
                }
            }
        }
        // classpath 'com.android.tools.build:gradle:8.7.3' / "…:$agp_version"
        let module = format!("{AGP_MODULE}:");
        for (pos, _) in text.match_indices(&module) {
            let rest = &text[pos + module.len()..];
            let end = rest.find(['\'', '"', '\n', ')']).unwrap_or(rest.len());
            if let Some(v) = scripts.expand(&rest[..end]) {
                if !v.is_empty() {
                    return Some((v, file.clone()));
                }
            }
        }
        // classpath(libs.android.gradlePlugin)
        if let (Some(catalog), true) = (catalog, text.contains("classpath")) {
            for (pos, _) in text.match_indices("classpath") {
                let line = text[pos..].split('\n').next().unwrap_or("");
                for accessor in accessors(line, "libs.") {
                    if let Some((module, Some(version))) = catalog.library(accessor) {
                        if module == AGP_MODULE {
                            return Some((version.clone(), file.clone()));
                        }
                    }
                }
            }
        }
    }
    None
}

fn applies_app_plugin(text: &str) -> bool {
    text.contains("com.android.application")
        || text.contains("android.application")
        || text.contains("android-application")
}

/// The value of `key` in the app module, following simple references: a literal, a property
/// of the root project (`rootProject.ext.compileSdkVersion`, a `variables.gradle` entry), a
/// `gradle.properties` entry, a version catalog entry.
fn module_value(
    key_names: &[&str],
    app: &(PathBuf, String),
    root_scripts: &Scripts,
    catalog: Option<&Catalog>,
) -> Option<(String, PathBuf)> {
    let (app_file, app_text) = app;
    let mut exprs: Vec<(String, PathBuf)> = Vec::new();
    for key in key_names {
        for expr in script::assignments(app_text, key) {
            exprs.push((expr, app_file.clone()));
        }
    }
    for (expr, file) in exprs {
        if let Some(v) = evaluate(&expr, &file, root_scripts, catalog, 0) {
            return Some(v);
        }
    }
    None
}

/// A value expression as text (an integer or a version string), following references.
fn evaluate(
    expr: &str,
    file: &Path,
    scripts: &Scripts,
    catalog: Option<&Catalog>,
    depth: usize,
) -> Option<(String, PathBuf)> {
    if depth > 3 || expr.contains("flutter.") {
        return None;
    }
    let e = expr.trim();
    // A quoted literal.
    if e.starts_with(['"', '\'']) {
        let s = script::first_quoted(e)?;
        return match s.strip_prefix('$') {
            Some(_) => scripts.expand(&s).map(|v| (v, file.to_owned())),
            None => Some((s, file.to_owned())),
        };
    }
    if let Some(n) = script::integer_in(e).filter(|_| {
        e.trim_end_matches([')', ';'])
            .trim()
            .bytes()
            .all(|b| b.is_ascii_digit())
            || e.contains("release(")
    }) {
        return Some((n.to_string(), file.to_owned()));
    }
    // libs.versions.compileSdk.get().toInt()
    if let Some(catalog) = catalog {
        if let Some(accessor) = accessors(e, "libs.versions.").first() {
            let value = catalog.version(accessor)?;
            return Some((value.to_owned(), file.parent()?.join(VERSION_CATALOG)));
        }
    }
    // findProperty('android.compileSdkVersion') ?: '35'
    for name in script::property_reads(e) {
        if let Some(v) = scripts.properties.get(&name) {
            return Some((v.clone(), file.to_owned()));
        }
    }
    // rootProject.ext.compileSdkVersion / compileSdkVersion
    if let Some(name) = script::property_name(e) {
        for (f, text) in &scripts.files {
            for rhs in script::assignments(text, name) {
                if rhs.trim() == e || script::property_name(&rhs) == Some(name) {
                    continue;
                }
                if let Some(v) = evaluate(&rhs, f, scripts, catalog, depth + 1) {
                    return Some(v);
                }
            }
        }
        if let Some(v) = scripts.properties.get(name) {
            return Some((v.clone(), file.to_owned()));
        }
        return None;
    }
    // One integer literal somewhere in a computed expression.
    script::integer_in(e).map(|n| (n.to_string(), file.to_owned()))
}

impl GradleProject {
    /// Reads the Gradle build at `root` (the folder holding `settings.gradle(.kts)`, or a
    /// single-project build's folder). Missing or unreadable files leave their fields `None`.
    pub fn read(root: &Path) -> GradleProject {
        let settings_file = first_file(root, SETTINGS_FILES);
        let wrapper = Some(root.join("gradlew")).filter(|p| p.is_file());
        let properties = read_small(&root.join("gradle.properties"))
            .map(|t| script::read_properties(&t))
            .unwrap_or_default();
        let gradle_version = {
            let file = root.join(WRAPPER_PROPERTIES);
            read_small(&file)
                .map(|t| script::read_properties(&t))
                .and_then(|p| p.get("distributionUrl").cloned())
                .and_then(|url| gradle_version_from_url(&url))
                .map(|value| Found { value, file })
        };
        let settings_text = settings_file
            .as_deref()
            .and_then(read_small)
            .map(|t| strip_comments(&t))
            .unwrap_or_default();
        let catalog = read_small(&root.join(VERSION_CATALOG)).and_then(|t| Catalog::parse(&t));

        // Root-level scripts: settings, root build file, and other root *.gradle(.kts) files
        // (Capacitor's variables.gradle, shared version files).
        let mut files: Vec<(PathBuf, String)> = Vec::new();
        if let Some(s) = &settings_file {
            files.push((s.clone(), settings_text.clone()));
        }
        for name in BUILD_FILES {
            let p = root.join(name);
            if let Some(t) = read_small(&p) {
                files.push((p, strip_comments(&t)));
            }
        }
        if let Ok(entries) = std::fs::read_dir(root) {
            let mut extra: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    (name.ends_with(".gradle") || name.ends_with(".gradle.kts"))
                        && !SETTINGS_FILES.contains(&name)
                        && !BUILD_FILES.contains(&name)
                })
                .collect();
            extra.sort();
            for p in extra.into_iter().take(16) {
                if let Some(t) = read_small(&p) {
                    files.push((p, strip_comments(&t)));
                }
            }
        }

        // The application module.
        let modules = script::included_modules(&settings_text);
        let mut ordered = modules.clone();
        if let Some(i) = ordered.iter().position(|m| m == "app") {
            let app = ordered.remove(i);
            ordered.insert(0, app);
        }
        let mut app: Option<(String, PathBuf, String)> = None;
        for module in ordered.iter().take(64) {
            if let Some(file) = first_file(&root.join(module), BUILD_FILES) {
                if let Some(text) = read_small(&file).map(|t| strip_comments(&t)) {
                    if applies_app_plugin(&text) {
                        app = Some((module.clone(), file, text));
                        break;
                    }
                }
            }
        }
        if app.is_none() && modules.is_empty() {
            if let Some((file, text)) = files
                .iter()
                .find(|(f, _)| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| BUILD_FILES.contains(&n))
                })
                .cloned()
            {
                if applies_app_plugin(&text) {
                    app = Some((".".to_owned(), file, text));
                }
            }
        }

        let scripts = Scripts { files, properties };
        let mut agp = agp_version(&scripts, catalog.as_ref());
        if agp.is_none() {
            if let Some((_, file, text)) = &app {
                let own = Scripts {
                    files: vec![(file.clone(), text.clone())],
                    properties: scripts.properties.clone(),
                };
                agp = agp_version(&own, catalog.as_ref());
            }
        }
        if agp.is_none() {
            if let Some(c) = &catalog {
                agp = c.agp().map(|v| (v, root.join(VERSION_CATALOG)));
            }
        }
        if agp.is_none() {
            // An included build that carries its own catalog (React Native's Gradle plugin in
            // node_modules declares the AGP the app gets).
            for dir in script::included_builds(&settings_text) {
                let file = root.join(&dir).join(VERSION_CATALOG);
                if let Some(v) = read_small(&file)
                    .and_then(|t| Catalog::parse(&t))
                    .and_then(|c| c.agp())
                {
                    agp = Some((v, file));
                    break;
                }
            }
        }
        let agp_version = agp.and_then(|(v, file)| {
            Version::parse(&v).map(|value| Found {
                value,
                file: file.clone(),
            })
        });

        let (compile_sdk, build_tools) = match &app {
            Some((_, file, text)) => {
                let pair = (file.clone(), text.clone());
                let compile_sdk = module_value(
                    &["compileSdk", "compileSdkVersion"],
                    &pair,
                    &scripts,
                    catalog.as_ref(),
                )
                .and_then(|(v, file)| script::integer_in(&v).map(|value| Found { value, file }));
                let build_tools =
                    module_value(&["buildToolsVersion"], &pair, &scripts, catalog.as_ref())
                        .filter(|(v, _)| Version::parse(v).is_some())
                        .map(|(value, file)| Found { value, file });
                (compile_sdk, build_tools)
            }
            None => (None, None),
        };

        let local = root.join("local.properties");
        let sdk_dir = read_small(&local)
            .map(|t| script::read_properties(&t))
            .and_then(|p| p.get("sdk.dir").cloned())
            .filter(|s| !s.trim().is_empty())
            .map(|s| Found {
                value: PathBuf::from(s.trim()),
                file: local.clone(),
            });
        let java_home = scripts
            .properties
            .get("org.gradle.java.home")
            .filter(|s| !s.trim().is_empty())
            .map(|s| Found {
                value: PathBuf::from(s.trim()),
                file: root.join("gradle.properties"),
            });

        GradleProject {
            root: root.to_owned(),
            settings_file,
            wrapper,
            gradle_version,
            agp_version,
            app_module: app.as_ref().map(|(m, _, _)| m.clone()),
            app_build_file: app.map(|(_, f, _)| f),
            compile_sdk,
            build_tools,
            sdk_dir,
            java_home,
        }
    }

    /// The Gradle task path for `task` in the app module (`:app:bundleRelease`), or the bare
    /// task for a single-project build or an unknown module.
    pub fn task(&self, task: &str) -> String {
        match self.app_module.as_deref() {
            Some(".") | None => task.to_owned(),
            Some(m) => format!(":{}:{task}", m.replace('/', ":")),
        }
    }

    /// The app module's folder (the root for a single-project build).
    pub fn module_dir(&self) -> PathBuf {
        match self.app_module.as_deref() {
            Some(".") | None => self.root.clone(),
            Some(m) => self.root.join(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn wrapper_urls() {
        let v = |u: &str| gradle_version_from_url(u).map(|v| v.to_string());
        assert_eq!(
            v("https://services.gradle.org/distributions/gradle-8.9-bin.zip").as_deref(),
            Some("8.9")
        );
        assert_eq!(
            v("https://mirror.example/gradle/gradle-8.11.1-all.zip").as_deref(),
            Some("8.11.1")
        );
        assert_eq!(
            v("https://services.gradle.org/distributions-snapshots/gradle-8.12-rc-1-bin.zip")
                .as_deref(),
            Some("8.12-rc-1")
        );
        assert_eq!(v("https://example/other.zip"), None);
    }

    #[test]
    fn kotlin_dsl_with_a_version_catalog() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        write(r, "settings.gradle.kts", "pluginManagement { repositories { google() } }\nrootProject.name = \"x\"\ninclude(\":app\")\ninclude(\":core\")\n");
        write(r, "build.gradle.kts", "plugins {\n    alias(libs.plugins.android.application) apply false\n    // id(\"com.android.application\") version \"1.0\" apply false\n}\n");
        write(r, "gradle/libs.versions.toml", "[versions]\nagp = \"8.7.3\"\ncompileSdk = \"35\"\n\n[plugins]\nandroid-application = { id = \"com.android.application\", version.ref = \"agp\" }\n");
        write(
            r,
            "core/build.gradle.kts",
            "plugins { id(\"com.android.library\") }\n",
        );
        write(r, "app/build.gradle.kts", "plugins {\n    alias(libs.plugins.android.application)\n}\nandroid {\n    namespace = \"com.example\"\n    compileSdk = libs.versions.compileSdk.get().toInt()\n    buildToolsVersion = \"35.0.0\"\n}\n");
        write(
            r,
            WRAPPER_PROPERTIES,
            "distributionUrl=https\\://services.gradle.org/distributions/gradle-8.9-bin.zip\n",
        );
        write(r, "local.properties", "sdk.dir=/opt/sdk\n");
        let p = GradleProject::read(r);
        assert_eq!(p.agp_version.as_ref().unwrap().value.to_string(), "8.7.3");
        assert_eq!(p.gradle_version.as_ref().unwrap().value.to_string(), "8.9");
        assert_eq!(p.app_module.as_deref(), Some("app"));
        assert_eq!(p.compile_sdk.as_ref().unwrap().value, 35);
        assert_eq!(p.build_tools.as_ref().unwrap().value, "35.0.0");
        assert_eq!(p.sdk_dir.as_ref().unwrap().value, Path::new("/opt/sdk"));
        assert_eq!(p.task("bundleRelease"), ":app:bundleRelease");
    }

    #[test]
    fn groovy_buildscript_and_root_ext() {
        // Capacitor's layout: classpath in the root build file, compileSdk in variables.gradle.
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        write(r, "settings.gradle", "include ':app'\ninclude ':capacitor-android'\nproject(':capacitor-android').projectDir = new File('../node_modules/@capacitor/android/capacitor')\n");
        write(r, "build.gradle", "buildscript {\n    repositories { google() }\n    dependencies {\n        classpath 'com.android.tools.build:gradle:8.7.2'\n    }\n}\napply from: \"variables.gradle\"\n");
        write(r, "variables.gradle", "ext {\n    minSdkVersion = 23\n    compileSdkVersion = 35\n    targetSdkVersion = 35\n}\n");
        write(r, "app/build.gradle", "apply plugin: 'com.android.application'\nandroid {\n    namespace \"com.example.app\"\n    compileSdkVersion rootProject.ext.compileSdkVersion\n}\n");
        let p = GradleProject::read(r);
        assert_eq!(p.agp_version.as_ref().unwrap().value.to_string(), "8.7.2");
        assert!(p
            .agp_version
            .as_ref()
            .unwrap()
            .file
            .ends_with("build.gradle"));
        assert_eq!(p.compile_sdk.as_ref().unwrap().value, 35);
        assert!(p
            .compile_sdk
            .as_ref()
            .unwrap()
            .file
            .ends_with("variables.gradle"));
        assert!(p.gradle_version.is_none() && p.wrapper.is_none());
    }

    #[test]
    fn variables_and_plugins_in_settings() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        // Flutter: the AGP in settings.gradle's plugins block, compileSdk from Flutter.
        write(r, "settings.gradle", "plugins {\n    id \"dev.flutter.flutter-plugin-loader\" version \"1.0.0\"\n    id \"com.android.application\" version \"8.1.0\" apply false\n}\ninclude \":app\"\n");
        write(r, "app/build.gradle", "plugins { id \"com.android.application\" }\nandroid { compileSdk = flutter.compileSdkVersion }\n");
        let p = GradleProject::read(r);
        assert_eq!(p.agp_version.as_ref().unwrap().value.to_string(), "8.1.0");
        assert!(p.compile_sdk.is_none());

        // A classpath with a variable, and gradle.properties.
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        write(r, "settings.gradle", "include ':app'\n");
        write(r, "build.gradle", "buildscript {\n    ext.agp_version = '7.4.2'\n    dependencies { classpath \"com.android.tools.build:gradle:$agp_version\" }\n}\n");
        write(
            r,
            "gradle.properties",
            "org.gradle.jvmargs=-Xmx2g\norg.gradle.java.home=/opt/jdk-11\nandroid.compileSdk=33\n",
        );
        write(r, "app/build.gradle", "apply plugin: 'com.android.application'\nandroid {\n  compileSdk Integer.parseInt(findProperty('android.compileSdk') ?: '34')\n}\n");
        let p = GradleProject::read(r);
        assert_eq!(p.agp_version.as_ref().unwrap().value.to_string(), "7.4.2");
        assert_eq!(p.compile_sdk.as_ref().unwrap().value, 33);
        assert_eq!(
            p.java_home.as_ref().unwrap().value,
            Path::new("/opt/jdk-11")
        );
    }

    #[test]
    fn react_native_agp_from_its_gradle_plugin() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path();
        let r = project.join("android");
        write(&r, "settings.gradle", "pluginManagement { includeBuild(\"../node_modules/@react-native/gradle-plugin\") }\nplugins { id(\"com.facebook.react.settings\") }\ninclude ':app'\nincludeBuild('../node_modules/@react-native/gradle-plugin')\n");
        write(&r, "build.gradle", "buildscript {\n    ext {\n        buildToolsVersion = \"35.0.0\"\n        compileSdkVersion = 35\n    }\n    dependencies {\n        classpath(\"com.android.tools.build:gradle\")\n        classpath(\"com.facebook.react:react-native-gradle-plugin\")\n    }\n}\n");
        write(&r, "app/build.gradle", "apply plugin: \"com.android.application\"\nandroid {\n    buildToolsVersion rootProject.ext.buildToolsVersion\n    compileSdk rootProject.ext.compileSdkVersion\n}\n");
        write(project, "node_modules/@react-native/gradle-plugin/gradle/libs.versions.toml", "[versions]\nagp = \"8.6.0\"\n[libraries]\nandroid-gradle-plugin = { module = \"com.android.tools.build:gradle\", version.ref = \"agp\" }\n");
        let p = GradleProject::read(&r);
        assert_eq!(p.agp_version.as_ref().unwrap().value.to_string(), "8.6.0");
        assert_eq!(p.compile_sdk.as_ref().unwrap().value, 35);
        assert_eq!(p.build_tools.as_ref().unwrap().value, "35.0.0");
    }

    #[test]
    fn single_project_build() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        write(r, "settings.gradle", "rootProject.name = 'solo'\n");
        write(
            r,
            "build.gradle",
            "plugins { id 'com.android.application' version '8.5.2' }\nandroid { compileSdk 34 }\n",
        );
        let p = GradleProject::read(r);
        assert_eq!(p.app_module.as_deref(), Some("."));
        assert_eq!(p.compile_sdk.as_ref().unwrap().value, 34);
        assert_eq!(p.task("assembleRelease"), "assembleRelease");
        assert_eq!(p.module_dir(), r);
    }
}
