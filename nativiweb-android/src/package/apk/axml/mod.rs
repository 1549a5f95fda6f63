//! Android's binary XML (the `ResXMLTree` format that `aapt` compiles `AndroidManifest.xml` and
//! `res/**/*.xml` into), written from a small element tree.
//!
//! A binary XML file is a `RES_XML_TYPE` chunk holding, in order:
//!
//! 1. a string pool (UTF-16) with every name, namespace and string value;
//! 2. a resource map: for the first N strings of the pool, the framework resource id of the
//!    attribute they name (`label` → `0x01010001`). Android looks attributes up by these ids,
//!    not by name, so every `android:` attribute must carry its id;
//! 3. namespace, element and end-element nodes. Attribute values are typed
//!    ([`Value`]): a reference to a resource, an integer, a boolean, a colour or a string.
//!
//! Android's `obtainStyledAttributes` walks an element's attributes in order and expects those
//! with resource ids sorted by id, so [`encode`] sorts them that way (as aapt does), followed by
//! attributes without an id.
//!
//! See [`manifest`] for the manifest nativiweb writes.

pub mod manifest;
pub mod pool;

use pool::{Encoding, StringPool};

pub use crate::package::xml::{value_type, Attr, Element, Value, ANDROID_NS};

const RES_XML_TYPE: u16 = 0x0003;
const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;
const NO_INDEX: u32 = 0xFFFF_FFFF;

/// Errors from encoding binary XML.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AxmlError {
    /// Two attributes of one element have the same name, which Android rejects.
    #[error("element <{element}> has attribute `{attr}` twice; keep one")]
    DuplicateAttribute {
        /// The element.
        element: String,
        /// The attribute name.
        attr: String,
    },
    /// An `android:` attribute was given without its resource id.
    #[error("attribute `android:{attr}` on <{element}> has no framework resource id; Android looks android: attributes up by id, so add it")]
    MissingResourceId {
        /// The element.
        element: String,
        /// The attribute name.
        attr: String,
    },
    /// The same attribute name was given two different resource ids.
    #[error("attribute `{attr}` has two resource ids ({first:#010x} and {second:#010x}); use the framework's one")]
    ConflictingResourceId {
        /// The attribute name.
        attr: String,
        /// The id seen first.
        first: u32,
        /// The other id.
        second: u32,
    },
    /// The document is too large for the format's 32-bit sizes or 16-bit counts.
    #[error("binary XML too large: {0}")]
    TooLarge(String),
}

/// Encodes `root` as an Android binary XML document with the `android` namespace declared on
/// the root element. The output is deterministic: the same tree gives the same bytes.
pub fn encode(root: &Element) -> Result<Vec<u8>, AxmlError> {
    // 1. Attribute names that carry resource ids come first in the pool, sorted by id, so the
    //    resource map is a prefix of the pool (as Android requires).
    let mut ids: Vec<(u32, String)> = Vec::new();
    collect_ids(root, &mut ids)?;
    ids.sort();
    ids.dedup();

    let mut pool = StringPool::new(Encoding::Utf16);
    for (_, name) in &ids {
        pool.intern_new(name);
    }
    // 2. Every other string, in document order.
    pool.intern(ANDROID_NS);
    pool.intern("android");
    collect_strings(root, &mut pool);

    let mut body = Vec::new();
    // Resource map.
    let map_size = 8 + 4 * ids.len();
    put_header(&mut body, RES_XML_RESOURCE_MAP_TYPE, 8, size32(map_size)?);
    for (id, _) in &ids {
        put_u32(&mut body, *id);
    }
    // Namespace start.
    let ns_prefix = pool.index("android");
    let ns_uri = pool.index(ANDROID_NS);
    put_node_header(&mut body, RES_XML_START_NAMESPACE_TYPE, 24, 1);
    put_u32(&mut body, ns_prefix);
    put_u32(&mut body, ns_uri);
    let mut line = 2;
    write_element(root, &pool, &mut body, &mut line)?;
    put_node_header(&mut body, RES_XML_END_NAMESPACE_TYPE, 24, line);
    put_u32(&mut body, ns_prefix);
    put_u32(&mut body, ns_uri);

    let pool_bytes = pool.encode();
    let total = 8 + pool_bytes.len() + body.len();
    let mut out = Vec::with_capacity(total);
    put_header(&mut out, RES_XML_TYPE, 8, size32(total)?);
    out.extend_from_slice(&pool_bytes);
    out.extend_from_slice(&body);
    Ok(out)
}

fn size32(n: usize) -> Result<u32, AxmlError> {
    u32::try_from(n).map_err(|_| AxmlError::TooLarge(format!("{n} bytes")))
}

fn collect_ids(e: &Element, ids: &mut Vec<(u32, String)>) -> Result<(), AxmlError> {
    for a in &e.attrs {
        match a.resource_id {
            Some(id) => {
                if let Some((first, _)) = ids.iter().find(|(i, n)| *n == a.name && *i != id) {
                    return Err(AxmlError::ConflictingResourceId {
                        attr: a.name.clone(),
                        first: *first,
                        second: id,
                    });
                }
                ids.push((id, a.name.clone()));
            }
            None if a.namespace.as_deref() == Some(ANDROID_NS) => {
                return Err(AxmlError::MissingResourceId {
                    element: e.name.clone(),
                    attr: a.name.clone(),
                })
            }
            None => {}
        }
    }
    for c in &e.children {
        collect_ids(c, ids)?;
    }
    Ok(())
}

fn collect_strings(e: &Element, pool: &mut StringPool) {
    pool.intern(&e.name);
    for a in e.sorted_attrs() {
        pool.intern(&a.name);
        if let Value::String(s) = &a.value {
            pool.intern(s);
        }
    }
    for c in &e.children {
        collect_strings(c, pool);
    }
}

/// Attributes with resource ids first (by id), then the others by name.
fn write_element(
    e: &Element,
    pool: &StringPool,
    out: &mut Vec<u8>,
    line: &mut u32,
) -> Result<(), AxmlError> {
    let attrs = e.sorted_attrs();
    for pair in attrs.windows(2) {
        if pair[0].name == pair[1].name && pair[0].namespace == pair[1].namespace {
            return Err(AxmlError::DuplicateAttribute {
                element: e.name.clone(),
                attr: pair[0].name.clone(),
            });
        }
    }
    let count = u16::try_from(attrs.len())
        .map_err(|_| AxmlError::TooLarge(format!("<{}> has too many attributes", e.name)))?;
    let size = 16 + 20 + 20 * attrs.len();
    put_node_header(out, RES_XML_START_ELEMENT_TYPE, size32(size)?, *line);
    *line += 1;
    put_u32(out, NO_INDEX); // element namespace
    put_u32(out, pool.index(&e.name));
    put_u16(out, 20); // attributeStart
    put_u16(out, 20); // attributeSize
    put_u16(out, count);
    put_u16(out, 0); // idIndex
    put_u16(out, 0); // classIndex
    put_u16(out, 0); // styleIndex
    for a in attrs {
        let ns = a.namespace.as_deref().map_or(NO_INDEX, |ns| pool.index(ns));
        put_u32(out, ns);
        put_u32(out, pool.index(&a.name));
        let raw = match &a.value {
            Value::String(s) => pool.index(s),
            _ => NO_INDEX,
        };
        put_u32(out, raw);
        let (ty, data) = a.value.encode(|s| pool.index(s));
        put_u16(out, 8); // Res_value size
        out.push(0);
        out.push(ty);
        put_u32(out, data);
    }
    for c in &e.children {
        write_element(c, pool, out, line)?;
    }
    put_node_header(out, RES_XML_END_ELEMENT_TYPE, 24, *line);
    *line += 1;
    put_u32(out, NO_INDEX);
    put_u32(out, pool.index(&e.name));
    Ok(())
}

fn put_node_header(out: &mut Vec<u8>, ty: u16, size: u32, line: u32) {
    put_header(out, ty, 16, size);
    put_u32(out, line);
    put_u32(out, NO_INDEX); // comment
}

pub(crate) fn put_header(out: &mut Vec<u8>, ty: u16, header_size: u16, size: u32) {
    put_u16(out, ty);
    put_u16(out, header_size);
    put_u32(out, size);
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], o: usize) -> u16 {
        u16::from_le_bytes([b[o], b[o + 1]])
    }
    fn u32_at(b: &[u8], o: usize) -> u32 {
        u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
    }

    #[test]
    fn chunk_layout_and_resource_map_prefix() {
        let doc = Element::new("manifest")
            .attr(Attr::plain(
                "package",
                Value::String("com.example.x".into()),
            ))
            .android("versionName", 0x0101021c, Value::String("1.0".into()))
            .android("versionCode", 0x0101021b, Value::Int(3));
        let b = encode(&doc).unwrap();
        assert_eq!(u16_at(&b, 0), RES_XML_TYPE);
        assert_eq!(u32_at(&b, 4) as usize, b.len());
        // The pool follows; then the resource map lists the ids sorted.
        let pool_size = u32_at(&b, 12) as usize;
        let map = 8 + pool_size;
        assert_eq!(u16_at(&b, map), RES_XML_RESOURCE_MAP_TYPE);
        assert_eq!(u32_at(&b, map + 4), 16);
        assert_eq!(u32_at(&b, map + 8), 0x0101021b);
        assert_eq!(u32_at(&b, map + 12), 0x0101021c);
        // Every chunk's size adds up to the file.
        let mut off = map;
        while off < b.len() {
            let size = u32_at(&b, off + 4) as usize;
            assert!(size >= 8 && off + size <= b.len());
            off += size;
        }
        assert_eq!(off, b.len());
    }

    #[test]
    fn rejects_android_attr_without_id_and_duplicates() {
        let e = Element::new("x").attr(Attr {
            namespace: Some(ANDROID_NS.into()),
            name: "label".into(),
            resource_id: None,
            value: Value::Int(1),
        });
        assert!(matches!(
            encode(&e),
            Err(AxmlError::MissingResourceId { .. })
        ));
        let e = Element::new("x")
            .android("label", 1, Value::Int(1))
            .android("label", 1, Value::Int(2));
        assert!(matches!(
            encode(&e),
            Err(AxmlError::DuplicateAttribute { .. })
        ));
    }

    #[test]
    fn deterministic() {
        let doc = Element::new("a").child(Element::new("b").android("name", 3, Value::Bool(true)));
        assert_eq!(encode(&doc).unwrap(), encode(&doc).unwrap());
    }
}
