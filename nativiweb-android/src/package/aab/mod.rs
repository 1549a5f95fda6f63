//! The App Bundle encoder: the app model ([`crate::package::model`]) as an Android App Bundle
//! (`.aab`), the format Google Play requires of new apps, with no bundletool, aapt2, JDK or
//! Gradle.
//!
//! An App Bundle is a zip of modules whose manifest, resource table and XML resources are in
//! aapt2's protobuf format ([`pb`]) instead of the binary formats of an APK; Play (or
//! `bundletool build-apks`) turns it into the APKs each device installs. Ours holds one module,
//! `base`:
//!
//! | entry | what |
//! |---|---|
//! | `BundleConfig.pb` | bundletool version; already-compressed assets (images, fonts, media) left uncompressed in the generated APKs |
//! | `base/manifest/AndroidManifest.xml` | the manifest as a protobuf `XmlNode` |
//! | `base/dex/classes.dex` | the shell ([`crate::shell`]) |
//! | `base/resources.pb` | the resource table as a protobuf `ResourceTable`: label and translations, launcher icons, the day and night themes |
//! | `base/res/…` | icon PNGs and the adaptive icon (a protobuf `XmlNode`) |
//! | `base/assets/nativiweb.json`, `base/assets/www/…` | the shell's settings and the web bundle |
//!
//! No `BUNDLE-METADATA/`: it carries ProGuard maps and native debug symbols, which a shell app
//! has none of. The same model gives the same bytes (entries in a fixed order, fixed
//! timestamps, deterministic deflate); signing with the upload key is
//! [`JarSigner`](crate::sign::signer::JarSigner)'s (v1 JAR signing, as Play requires).

pub mod pb;

use prost::Message;

use super::model::{prepare, AppModel, Prepared, ResContent, STORED_EXTENSIONS};
use super::resources::{Config, Entry, FileKind, ResourceTable};
use super::xml::{Element, Value, ANDROID_NS};
use super::PackageError;
use crate::shell;
use crate::sign::manifest::ManifestInfo;
use crate::zip::ZipWriter;

/// The bundletool version the bundle declares it is laid out for.
pub const BUNDLETOOL_VERSION: &str = "1.18.1";

/// The module every nativiweb bundle has.
pub const BASE_MODULE: &str = "base";

/// The bundle's `BundleConfig.pb` contents.
pub fn bundle_config() -> pb::BundleConfig {
    let mut globs: Vec<String> = STORED_EXTENSIONS
        .iter()
        .map(|ext| format!("assets/**/*.{ext}"))
        .collect();
    globs.sort();
    pb::BundleConfig {
        bundletool: Some(pb::Bundletool {
            version: BUNDLETOOL_VERSION.to_owned(),
        }),
        optimizations: None,
        compression: Some(pb::Compression {
            uncompressed_glob: globs,
        }),
    }
}

/// Encodes `model` as an unsigned App Bundle.
pub fn encode(model: &AppModel) -> Result<Vec<u8>, PackageError> {
    let level = Some(model.compression_level);
    let table = &model.resources;
    let capacity = model.assets.iter().map(Prepared::stored_len).sum::<usize>() + 256 * 1024;
    let mut zip = ZipWriter::new(Vec::with_capacity(capacity));
    let base = format!("{BASE_MODULE}/");
    zip.add_deflated("BundleConfig.pb", &bundle_config().encode_to_vec())?;
    prepare(
        "manifest/AndroidManifest.xml".into(),
        xml_node(&model.manifest, table).encode_to_vec(),
        level,
    )
    .write_to(&mut zip, &base)?;
    zip.add_stored(&format!("{base}dex/classes.dex"), model.dex())?;
    prepare(
        "resources.pb".into(),
        resource_table(table).encode_to_vec(),
        level,
    )
    .write_to(&mut zip, &base)?;
    for file in &model.res_files {
        match &file.content {
            ResContent::Png(png) => zip.add_stored(&format!("{base}{}", file.path), png)?,
            ResContent::Xml(xml) => prepare(
                file.path.clone(),
                xml_node(xml, table).encode_to_vec(),
                level,
            )
            .write_to(&mut zip, &base)?,
        }
    }
    prepare(
        shell::SETTINGS_PATH.into(),
        model.settings_json.clone(),
        level,
    )
    .write_to(&mut zip, &base)?;
    for asset in &model.assets {
        asset.write_to(&mut zip, &format!("{base}assets/"))?;
    }
    Ok(zip.finish()?)
}

/// Reads the package, version code and SDK levels from an App Bundle module's protobuf
/// `AndroidManifest.xml` (`base/manifest/AndroidManifest.xml`), ours or Gradle's.
pub fn read_manifest(proto: &[u8]) -> Result<ManifestInfo, String> {
    let node = pb::XmlNode::decode(proto)
        .map_err(|e| format!("not a protobuf XmlNode (is it an App Bundle?): {e}"))?;
    let Some(pb::xml_node::Node::Element(root)) = node.node else {
        return Err("the manifest has no root element".into());
    };
    if root.name != "manifest" {
        return Err(format!(
            "the root element is <{}>, not <manifest>",
            root.name
        ));
    }
    let int = |a: &pb::XmlAttribute| -> Option<u32> {
        match a.compiled_item.as_ref().and_then(|i| i.value.as_ref()) {
            Some(pb::item::Kind::Prim(pb::Primitive {
                oneof_value: Some(pb::primitive::Kind::IntDecimal(v)),
            })) => u32::try_from(*v).ok(),
            Some(pb::item::Kind::Prim(pb::Primitive {
                oneof_value: Some(pb::primitive::Kind::IntHexadecimal(v)),
            })) => Some(*v),
            _ => a.value.parse().ok(),
        }
    };
    let mut info = ManifestInfo {
        min_sdk: 1,
        ..ManifestInfo::default()
    };
    for a in &root.attribute {
        match a.name.as_str() {
            "package" => info.package = Some(a.value.clone()),
            "versionCode" => info.version_code = int(a),
            _ => {}
        }
    }
    for child in &root.child {
        if let Some(pb::xml_node::Node::Element(e)) = &child.node {
            if e.name == "uses-sdk" {
                for a in &e.attribute {
                    match a.name.as_str() {
                        "minSdkVersion" => info.min_sdk = int(a).unwrap_or(info.min_sdk),
                        "targetSdkVersion" => info.target_sdk = int(a),
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(info)
}

/// The resource table in aapt2's protobuf form.
pub fn resource_table(table: &ResourceTable) -> pb::ResourceTable {
    let types = table
        .types
        .iter()
        .enumerate()
        .map(|(ti, t)| pb::Type {
            type_id: Some(pb::Id { id: ti as u32 + 1 }),
            name: t.name.clone(),
            entry: t
                .keys
                .iter()
                .enumerate()
                .map(|(ei, key)| pb::Entry {
                    entry_id: Some(pb::Id { id: ei as u32 }),
                    name: key.clone(),
                    config_value: t
                        .values
                        .iter()
                        .filter(|(e, _, _)| *e == ei)
                        .map(|(_, config, entry)| pb::ConfigValue {
                            config: Some(configuration(config)),
                            value: Some(value(entry, table)),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    pb::ResourceTable {
        package: vec![pb::Package {
            package_id: Some(pb::Id {
                id: super::resources::PACKAGE_ID,
            }),
            package_name: table.package().to_owned(),
            r#type: types,
        }],
    }
}

fn configuration(c: &Config) -> pb::Configuration {
    pb::Configuration {
        locale: c.locale_tag().unwrap_or_default(),
        ui_mode_night: if c.night { pb::UI_MODE_NIGHT_NIGHT } else { 0 },
        density: u32::from(c.density),
        sdk_version: u32::from(c.sdk),
    }
}

fn value(entry: &Entry, table: &ResourceTable) -> pb::Value {
    let kind = match entry {
        Entry::Simple(v) => pb::value::Kind::Item(item(v, table)),
        Entry::File { path, kind } => pb::value::Kind::Item(pb::Item {
            value: Some(pb::item::Kind::File(pb::FileReference {
                path: path.clone(),
                r#type: match kind {
                    FileKind::Png => pb::FILE_PNG,
                    FileKind::Xml => pb::FILE_PROTO_XML,
                },
            })),
        }),
        Entry::Style { parent, items } => {
            let mut items: Vec<&(u32, Value)> = items.iter().collect();
            items.sort_by_key(|(attr, _)| *attr);
            pb::value::Kind::CompoundValue(pb::CompoundValue {
                value: Some(pb::compound_value::Kind::Style(pb::Style {
                    parent: Some(reference(*parent, table)),
                    entry: items
                        .into_iter()
                        .map(|(attr, v)| pb::StyleEntry {
                            key: Some(reference(*attr, table)),
                            item: Some(item(v, table)),
                        })
                        .collect(),
                })),
            })
        }
    };
    pb::Value { value: Some(kind) }
}

/// A reference by id, named when it points into the app's own table.
fn reference(id: u32, table: &ResourceTable) -> pb::Reference {
    pb::Reference {
        r#type: 0,
        id,
        name: table
            .name_of(id)
            .map(|(ty, key)| format!("{}:{ty}/{key}", table.package()))
            .unwrap_or_default(),
    }
}

fn item(v: &Value, table: &ResourceTable) -> pb::Item {
    use pb::primitive::Kind as P;
    let prim = |k: P| {
        pb::item::Kind::Prim(pb::Primitive {
            oneof_value: Some(k),
        })
    };
    pb::Item {
        value: Some(match v {
            Value::String(s) => pb::item::Kind::Str(pb::StringValue { value: s.clone() }),
            // Version codes and SDK levels are below 2^31; the proto field is signed.
            Value::Int(i) => prim(P::IntDecimal(*i as i32)),
            Value::Hex(h) => prim(P::IntHexadecimal(*h)),
            Value::Bool(b) => prim(P::Boolean(*b)),
            Value::Color(c) => prim(P::ColorArgb8(*c)),
            Value::Reference(id) => pb::item::Kind::Ref(reference(*id, table)),
        }),
    }
}

/// The text aapt2 keeps beside a compiled attribute value (what the source XML said).
fn value_text(v: &Value, table: &ResourceTable) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Hex(h) => format!("0x{h:08x}"),
        Value::Bool(b) => b.to_string(),
        Value::Color(c) => format!("#{c:08x}"),
        Value::Reference(id) => match table.name_of(*id) {
            Some((ty, key)) => format!("@{ty}/{key}"),
            None => format!("@0x{id:08x}"),
        },
    }
}

/// An element tree as aapt2's protobuf `XmlNode`, the root declaring `android:` when used.
pub fn xml_node(root: &Element, table: &ResourceTable) -> pb::XmlNode {
    let mut node = element(root, table);
    if root.uses_android_ns() {
        if let Some(pb::xml_node::Node::Element(e)) = &mut node.node {
            e.namespace_declaration.push(pb::XmlNamespace {
                prefix: "android".to_owned(),
                uri: ANDROID_NS.to_owned(),
            });
        }
    }
    node
}

fn element(e: &Element, table: &ResourceTable) -> pb::XmlNode {
    let attribute = e
        .sorted_attrs()
        .into_iter()
        .map(|a| pb::XmlAttribute {
            namespace_uri: a.namespace.clone().unwrap_or_default(),
            name: a.name.clone(),
            value: value_text(&a.value, table),
            resource_id: a.resource_id.unwrap_or(0),
            // Plain strings stay text, as aapt2 writes them; everything else is compiled.
            compiled_item: match &a.value {
                Value::String(_) => None,
                other => Some(item(other, table)),
            },
        })
        .collect();
    pb::XmlNode {
        node: Some(pb::xml_node::Node::Element(pb::XmlElement {
            namespace_declaration: Vec::new(),
            namespace_uri: String::new(),
            name: e.name.clone(),
            attribute,
            child: e.children.iter().map(|c| element(c, table)).collect(),
        })),
    }
}
