//! The protobuf messages of an App Bundle that nativiweb writes, as `prost` types: aapt2's
//! resource table and XML (`aapt.pb`) and bundletool's `BundleConfig` (`android.bundle`).
//!
//! Written by hand (no build script, no `protoc` at build time) to match the schema files in
//! `nativiweb-android/proto/`, which keep aapt2's and bundletool's field numbers; a test
//! decodes what we write with `protoc` and those files. Only the fields we set are declared:
//! protobuf readers skip what they do not know, and proto3 leaves zero values out, so the
//! bytes depend only on the values.

#![allow(missing_docs)] // Field-for-field mirrors of the .proto files, documented there.

/// `aapt.pb.Configuration`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Configuration {
    #[prost(string, tag = "3")]
    pub locale: String,
    /// `UiModeNight`: 0 unset, 1 night, 2 not night.
    #[prost(int32, tag = "17")]
    pub ui_mode_night: i32,
    #[prost(uint32, tag = "18")]
    pub density: u32,
    #[prost(uint32, tag = "24")]
    pub sdk_version: u32,
}

/// `Configuration.UiModeNight.UI_MODE_NIGHT_NIGHT`.
pub const UI_MODE_NIGHT_NIGHT: i32 = 1;

/// `aapt.pb.ResourceTable`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceTable {
    #[prost(message, repeated, tag = "2")]
    pub package: Vec<Package>,
}

/// `aapt.pb.PackageId`, `TypeId` and `EntryId` share this shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Id {
    #[prost(uint32, tag = "1")]
    pub id: u32,
}

/// `aapt.pb.Package`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Package {
    #[prost(message, optional, tag = "1")]
    pub package_id: Option<Id>,
    #[prost(string, tag = "2")]
    pub package_name: String,
    #[prost(message, repeated, tag = "3")]
    pub r#type: Vec<Type>,
}

/// `aapt.pb.Type`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Type {
    #[prost(message, optional, tag = "1")]
    pub type_id: Option<Id>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "3")]
    pub entry: Vec<Entry>,
}

/// `aapt.pb.Entry`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Entry {
    #[prost(message, optional, tag = "1")]
    pub entry_id: Option<Id>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "6")]
    pub config_value: Vec<ConfigValue>,
}

/// `aapt.pb.ConfigValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigValue {
    #[prost(message, optional, tag = "1")]
    pub config: Option<Configuration>,
    #[prost(message, optional, tag = "2")]
    pub value: Option<Value>,
}

/// `aapt.pb.Value`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(oneof = "value::Kind", tags = "4, 5")]
    pub value: Option<value::Kind>,
}

/// `aapt.pb.Value`'s oneof.
pub mod value {
    /// An item or a compound value.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(message, tag = "4")]
        Item(super::Item),
        #[prost(message, tag = "5")]
        CompoundValue(super::CompoundValue),
    }
}

/// `aapt.pb.Item`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Item {
    #[prost(oneof = "item::Kind", tags = "1, 2, 5, 7")]
    pub value: Option<item::Kind>,
}

/// `aapt.pb.Item`'s oneof.
pub mod item {
    /// The item's kind.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(message, tag = "1")]
        Ref(super::Reference),
        #[prost(message, tag = "2")]
        Str(super::StringValue),
        #[prost(message, tag = "5")]
        File(super::FileReference),
        #[prost(message, tag = "7")]
        Prim(super::Primitive),
    }
}

/// `aapt.pb.CompoundValue` (only styles here).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CompoundValue {
    #[prost(oneof = "compound_value::Kind", tags = "2")]
    pub value: Option<compound_value::Kind>,
}

/// `aapt.pb.CompoundValue`'s oneof.
pub mod compound_value {
    /// The compound value's kind.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(message, tag = "2")]
        Style(super::Style),
    }
}

/// `aapt.pb.Reference`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Reference {
    /// 0 `REFERENCE` (`@`), 1 `ATTRIBUTE` (`?`).
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    #[prost(uint32, tag = "2")]
    pub id: u32,
    #[prost(string, tag = "3")]
    pub name: String,
}

/// `aapt.pb.String`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StringValue {
    #[prost(string, tag = "1")]
    pub value: String,
}

/// `aapt.pb.FileReference`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FileReference {
    #[prost(string, tag = "1")]
    pub path: String,
    /// `FileReference.Type`: 1 `PNG`, 3 `PROTO_XML`.
    #[prost(int32, tag = "2")]
    pub r#type: i32,
}

/// `FileReference.Type.PNG`.
pub const FILE_PNG: i32 = 1;
/// `FileReference.Type.PROTO_XML`.
pub const FILE_PROTO_XML: i32 = 3;

/// `aapt.pb.Primitive`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Primitive {
    #[prost(oneof = "primitive::Kind", tags = "6, 7, 8, 9")]
    pub oneof_value: Option<primitive::Kind>,
}

/// `aapt.pb.Primitive`'s oneof.
pub mod primitive {
    /// The primitive's type and data.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        #[prost(int32, tag = "6")]
        IntDecimal(i32),
        #[prost(uint32, tag = "7")]
        IntHexadecimal(u32),
        #[prost(bool, tag = "8")]
        Boolean(bool),
        #[prost(uint32, tag = "9")]
        ColorArgb8(u32),
    }
}

/// `aapt.pb.Style`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Style {
    #[prost(message, optional, tag = "1")]
    pub parent: Option<Reference>,
    #[prost(message, repeated, tag = "3")]
    pub entry: Vec<StyleEntry>,
}

/// `aapt.pb.Style.Entry`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StyleEntry {
    #[prost(message, optional, tag = "3")]
    pub key: Option<Reference>,
    #[prost(message, optional, tag = "4")]
    pub item: Option<Item>,
}

/// `aapt.pb.XmlNode`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlNode {
    #[prost(oneof = "xml_node::Node", tags = "1, 2")]
    pub node: Option<xml_node::Node>,
}

/// `aapt.pb.XmlNode`'s oneof.
pub mod xml_node {
    /// An element or a text node.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Node {
        #[prost(message, tag = "1")]
        Element(super::XmlElement),
        #[prost(string, tag = "2")]
        Text(String),
    }
}

/// `aapt.pb.XmlElement`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlElement {
    #[prost(message, repeated, tag = "1")]
    pub namespace_declaration: Vec<XmlNamespace>,
    #[prost(string, tag = "2")]
    pub namespace_uri: String,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(message, repeated, tag = "4")]
    pub attribute: Vec<XmlAttribute>,
    #[prost(message, repeated, tag = "5")]
    pub child: Vec<XmlNode>,
}

/// `aapt.pb.XmlNamespace`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlNamespace {
    #[prost(string, tag = "1")]
    pub prefix: String,
    #[prost(string, tag = "2")]
    pub uri: String,
}

/// `aapt.pb.XmlAttribute`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlAttribute {
    #[prost(string, tag = "1")]
    pub namespace_uri: String,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub value: String,
    #[prost(uint32, tag = "5")]
    pub resource_id: u32,
    #[prost(message, optional, tag = "6")]
    pub compiled_item: Option<Item>,
}

/// `android.bundle.BundleConfig`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BundleConfig {
    #[prost(message, optional, tag = "1")]
    pub bundletool: Option<Bundletool>,
    #[prost(message, optional, tag = "2")]
    pub optimizations: Option<Optimizations>,
    #[prost(message, optional, tag = "3")]
    pub compression: Option<Compression>,
}

/// `android.bundle.Bundletool`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Bundletool {
    #[prost(string, tag = "2")]
    pub version: String,
}

/// `android.bundle.Compression`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Compression {
    #[prost(string, repeated, tag = "1")]
    pub uncompressed_glob: Vec<String>,
}

/// `android.bundle.Optimizations`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Optimizations {
    #[prost(message, optional, tag = "1")]
    pub splits_config: Option<SplitsConfig>,
}

/// `android.bundle.SplitsConfig`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SplitsConfig {
    #[prost(message, repeated, tag = "1")]
    pub split_dimension: Vec<SplitDimension>,
}

/// `android.bundle.SplitDimension`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SplitDimension {
    /// `SplitDimension.Value`: 1 ABI, 2 SCREEN_DENSITY, 3 LANGUAGE.
    #[prost(int32, tag = "1")]
    pub value: i32,
    #[prost(bool, tag = "2")]
    pub negate: bool,
}
