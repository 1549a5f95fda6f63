//! The app module's `AndroidManifest.xml` and `res/` folder, written as source files from the
//! same [`AppModel`] the SDK-free packager encodes: the label and its translations, the launcher
//! icons (PNG per density and the adaptive icon), the day and night themes. So a generated
//! project and a packaged APK of the same app show the same name, icon and colours.
//!
//! What the Android Gradle Plugin owns is left out of the manifest: the package (the module's
//! `namespace`), `versionCode`/`versionName` and `<uses-sdk>` are in `app/build.gradle.kts`,
//! and AGP's manifest merger writes them into the built app (AGP 8 refuses a `package`
//! attribute in a source manifest and objects to `<uses-sdk>` there).

use std::collections::BTreeMap;

use crate::package::model::{AppModel, ResContent};
use crate::package::resources::{density, Config, Entry, ResourceTable};
use crate::package::xml::{Element, Value};

use super::xml_text::{self, FRAMEWORK_ATTRS};

/// The app module's source folder, relative to the project.
pub const MAIN: &str = "app/src/main";

/// The root attributes of the model's manifest that the Gradle build sets instead.
const GRADLE_OWNED_ATTRS: &[&str] = &["package", "versionCode", "versionName", "compileSdkVersion"];

/// The manifest as a Gradle module's source manifest: the model's, without what AGP owns.
pub fn manifest(model: &AppModel) -> Vec<u8> {
    xml_text::document(&manifest_element(model), &model.resources).into_bytes()
}

/// The resource folder name for `config` (`values-fr-rBR`, `mipmap-hdpi`, `values-night`):
/// the API level aapt2 adds by itself (`-v4` for densities, `-v8` for night) is left out.
pub fn folder(ty: &str, config: &Config) -> String {
    let mut c = *config;
    let implied = if c.night {
        8
    } else if c.density != 0 && c.density != density::ANY {
        4
    } else {
        0
    };
    if c.sdk == implied {
        c.sdk = 0;
    }
    format!("{ty}{}", c.qualifiers())
}

/// Every file under `app/src/main/res/`, as `(path relative to the project, bytes)`, sorted.
pub fn res_files(model: &AppModel) -> Vec<(String, Vec<u8>)> {
    let table = &model.resources;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();

    // Resource files (icons, the adaptive icon), under folders named as aapt2 would name them.
    for f in &model.res_files {
        let rel = f.path.strip_prefix("res/").unwrap_or(&f.path);
        let rel = rel.replacen("-v4/", "/", 1);
        let bytes = match &f.content {
            ResContent::Png(png) => png.clone(),
            ResContent::Xml(e) => xml_text::document(e, table).into_bytes(),
        };
        files.insert(format!("{MAIN}/res/{rel}"), bytes);
    }

    // Values: one file per kind and configuration.
    let mut values: BTreeMap<(String, &'static str), Vec<String>> = BTreeMap::new();
    for t in &table.types {
        for (ei, config, entry) in &t.values {
            let key = &t.keys[*ei];
            let (file, line) = match (t.name.as_str(), entry) {
                (_, Entry::File { .. }) => continue,
                ("string", Entry::Simple(Value::String(s))) => (
                    "strings.xml",
                    format!(
                        "    <string name=\"{key}\">{}</string>\n",
                        xml_text::resource_string(s)
                    ),
                ),
                ("color", Entry::Simple(v)) => (
                    "colors.xml",
                    format!(
                        "    <color name=\"{key}\">{}</color>\n",
                        xml_text::value(v, table)
                    ),
                ),
                (ty, Entry::Simple(v)) => (
                    "values.xml",
                    format!(
                        "    <item type=\"{ty}\" name=\"{key}\">{}</item>\n",
                        xml_text::value(v, table)
                    ),
                ),
                ("style", Entry::Style { parent, items }) => {
                    ("themes.xml", style(key, *parent, items, table))
                }
                (ty, Entry::Style { parent, items }) => (
                    "values.xml",
                    style(key, *parent, items, table).replacen(
                        "<style ",
                        &format!("<style type=\"{ty}\" "),
                        1,
                    ),
                ),
            };
            values
                .entry((folder("values", config), file))
                .or_default()
                .push(line);
        }
    }
    for ((dir, file), lines) in values {
        let mut text = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<resources>\n");
        for line in lines {
            text.push_str(&line);
        }
        text.push_str("</resources>\n");
        files.insert(format!("{MAIN}/res/{dir}/{file}"), text.into_bytes());
    }
    files.into_iter().collect()
}

fn style(key: &str, parent: u32, items: &[(u32, Value)], table: &ResourceTable) -> String {
    let mut text = format!(
        "    <style name=\"{key}\" parent=\"{}\">\n",
        xml_text::reference(parent, table)
    );
    for (attr, v) in items {
        let name = FRAMEWORK_ATTRS
            .iter()
            .find(|(id, _)| id == attr)
            .map_or_else(|| format!("0x{attr:08x}"), |(_, n)| (*n).to_owned());
        text.push_str(&format!(
            "        <item name=\"{name}\">{}</item>\n",
            xml_text::value(v, table)
        ));
    }
    text.push_str("    </style>\n");
    text
}

/// The manifest's element tree without what AGP owns (for tests and callers that want the tree).
pub fn manifest_element(model: &AppModel) -> Element {
    let mut root = model.manifest.clone();
    root.attrs
        .retain(|a| !GRADLE_OWNED_ATTRS.contains(&a.name.as_str()));
    root.children.retain(|c| c.name != "uses-sdk");
    root
}
