//! The app model's XML: a small element tree with typed attribute values, for the manifest
//! and the XML resources (the adaptive icon). One tree, two encoders: Android's binary XML for
//! APKs ([`crate::package::apk::axml`]) and aapt2's protobuf `XmlNode` for App Bundles
//! ([`crate::package::aab`]).

/// The Android namespace URI that `android:` attributes live in.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

/// `Res_value` data types used by nativiweb (a subset of Android's `Res_value::TYPE_*`).
pub mod value_type {
    /// A reference to another resource (`@string/app_name`).
    pub const REFERENCE: u8 = 0x01;
    /// A string from the pool.
    pub const STRING: u8 = 0x03;
    /// A decimal integer.
    pub const INT_DEC: u8 = 0x10;
    /// A hexadecimal integer (flags such as `configChanges`).
    pub const INT_HEX: u8 = 0x11;
    /// A boolean: `0xFFFFFFFF` for true, `0` for false.
    pub const INT_BOOLEAN: u8 = 0x12;
    /// A colour as `#AARRGGBB`.
    pub const INT_COLOR_ARGB8: u8 = 0x1c;
}

/// A typed attribute (or resource) value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string, stored in the string pool.
    String(String),
    /// A decimal integer (`versionCode`, `minSdkVersion`).
    Int(u32),
    /// An integer shown in hex (flag attributes like `configChanges`).
    Hex(u32),
    /// A boolean.
    Bool(bool),
    /// A reference to a resource id (`@string/app_name` = `0x7f030000`).
    Reference(u32),
    /// An opaque ARGB colour.
    Color(u32),
}

impl Value {
    /// The `Res_value` type and data of this value; strings need their pool index.
    pub(crate) fn encode(&self, string_index: impl FnOnce(&str) -> u32) -> (u8, u32) {
        match self {
            Value::String(s) => (value_type::STRING, string_index(s)),
            Value::Int(v) => (value_type::INT_DEC, *v),
            Value::Hex(v) => (value_type::INT_HEX, *v),
            Value::Bool(b) => (value_type::INT_BOOLEAN, if *b { 0xFFFF_FFFF } else { 0 }),
            Value::Reference(id) => (value_type::REFERENCE, *id),
            Value::Color(argb) => (value_type::INT_COLOR_ARGB8, *argb),
        }
    }
}

/// One attribute of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// The namespace URI (`Some(ANDROID_NS)` for `android:` attributes), or `None`.
    pub namespace: Option<String>,
    /// The local name (`label`).
    pub name: String,
    /// The framework resource id of the attribute (`0x01010001` for `android:label`); required
    /// for `android:` attributes, which Android looks up by id.
    pub resource_id: Option<u32>,
    /// The value.
    pub value: Value,
}

impl Attr {
    /// An `android:` attribute with its framework resource id.
    pub fn android(name: &str, resource_id: u32, value: Value) -> Attr {
        Attr {
            namespace: Some(ANDROID_NS.to_owned()),
            name: name.to_owned(),
            resource_id: Some(resource_id),
            value,
        }
    }

    /// An attribute without a namespace (the manifest's `package`).
    pub fn plain(name: &str, value: Value) -> Attr {
        Attr {
            namespace: None,
            name: name.to_owned(),
            resource_id: None,
            value,
        }
    }
}

/// An XML element with attributes and child elements (binary XML here carries no text nodes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The tag name (`manifest`, `application`).
    pub name: String,
    /// The attributes, in any order (the encoders sort them).
    pub attrs: Vec<Attr>,
    /// The child elements, in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// An element with no attributes or children.
    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_owned(),
            ..Default::default()
        }
    }

    /// Adds an attribute (builder style).
    pub fn attr(mut self, attr: Attr) -> Element {
        self.attrs.push(attr);
        self
    }

    /// Adds an `android:` attribute (builder style).
    pub fn android(self, name: &str, resource_id: u32, value: Value) -> Element {
        self.attr(Attr::android(name, resource_id, value))
    }

    /// The attributes in the order Android expects them (and aapt writes them): those with a
    /// resource id sorted by id (`obtainStyledAttributes` walks them in that order), then the
    /// others by namespace and name.
    pub fn sorted_attrs(&self) -> Vec<&Attr> {
        let mut attrs: Vec<&Attr> = self.attrs.iter().collect();
        attrs.sort_by(|a, b| match (a.resource_id, b.resource_id) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)),
        });
        attrs
    }

    /// Whether this element or one below it has an `android:` attribute (so the root must
    /// declare the namespace).
    pub fn uses_android_ns(&self) -> bool {
        self.attrs
            .iter()
            .any(|a| a.namespace.as_deref() == Some(ANDROID_NS))
            || self.children.iter().any(Element::uses_android_ns)
    }

    /// Adds a child element (builder style).
    pub fn child(mut self, child: Element) -> Element {
        self.children.push(child);
        self
    }
}
