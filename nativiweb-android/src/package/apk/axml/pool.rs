//! `ResStringPool`: the string table shared by binary XML and `resources.arsc`.
//!
//! Layout: a 28-byte header (`RES_STRING_POOL_TYPE`, string count, style count, flags, offset
//! of the string data, offset of the styles), one `u32` offset per string, then the strings,
//! padded to 4 bytes. Strings are either UTF-16 (a `u16` length in code units, with a
//! two-unit form above `0x7FFF`, the units, a `0u16` terminator) or UTF-8 (the UTF-16 length
//! and the UTF-8 byte length, each as one byte or two above `0x7F`, the bytes, a `0` byte).

use std::collections::HashMap;

use super::{put_header, put_u16, put_u32};

const RES_STRING_POOL_TYPE: u16 = 0x0001;
const UTF8_FLAG: u32 = 1 << 8;

/// How the pool stores its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16LE, what aapt writes for binary XML.
    Utf16,
    /// UTF-8 (with the UTF-16 length recorded too), what aapt writes for `resources.arsc`.
    Utf8,
}

/// A string pool under construction: strings are added once and keep their first index.
#[derive(Debug, Clone)]
pub struct StringPool {
    encoding: Encoding,
    strings: Vec<String>,
    index: HashMap<String, u32>,
}

impl StringPool {
    /// An empty pool.
    pub fn new(encoding: Encoding) -> StringPool {
        StringPool {
            encoding,
            strings: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The index of `s`, adding it at the end when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        self.intern_new(s)
    }

    /// Appends `s` even if it is already there (binary XML's resource-mapped attribute names
    /// must sit at fixed leading positions); later lookups find the first copy.
    pub fn intern_new(&mut self, s: &str) -> u32 {
        // Pools hold far fewer than 2^32 strings; the count is checked when encoding.
        let i = self.strings.len() as u32;
        self.strings.push(s.to_owned());
        self.index.entry(s.to_owned()).or_insert(i);
        i
    }

    /// The index of a string added before.
    ///
    /// # Panics
    /// When `s` was never added: that is a bug in the writer, not bad input.
    pub fn index(&self, s: &str) -> u32 {
        match self.index.get(s) {
            Some(i) => *i,
            None => panic!("string {s:?} was not added to the pool before use"),
        }
    }

    /// How many strings the pool holds.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when the pool holds no string.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The pool as a `RES_STRING_POOL_TYPE` chunk.
    pub fn encode(&self) -> Vec<u8> {
        let mut data = Vec::new();
        let mut offsets = Vec::with_capacity(self.strings.len());
        for s in &self.strings {
            offsets.push(data.len() as u32);
            match self.encoding {
                Encoding::Utf16 => {
                    let units: Vec<u16> = s.encode_utf16().collect();
                    put_len16(&mut data, units.len());
                    for u in units {
                        put_u16(&mut data, u);
                    }
                    put_u16(&mut data, 0);
                }
                Encoding::Utf8 => {
                    put_len8(&mut data, s.encode_utf16().count());
                    put_len8(&mut data, s.len());
                    data.extend_from_slice(s.as_bytes());
                    data.push(0);
                }
            }
        }
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let header = 28;
        let strings_start = header + 4 * self.strings.len();
        let size = strings_start + data.len();
        let mut out = Vec::with_capacity(size);
        put_header(&mut out, RES_STRING_POOL_TYPE, header as u16, size as u32);
        put_u32(&mut out, self.strings.len() as u32);
        put_u32(&mut out, 0); // styleCount
        put_u32(
            &mut out,
            if self.encoding == Encoding::Utf8 {
                UTF8_FLAG
            } else {
                0
            },
        );
        put_u32(&mut out, strings_start as u32);
        put_u32(&mut out, 0); // stylesStart
        for o in offsets {
            put_u32(&mut out, o);
        }
        out.extend_from_slice(&data);
        out
    }
}

fn put_len16(out: &mut Vec<u8>, len: usize) {
    if len > 0x7FFF {
        put_u16(out, 0x8000 | ((len >> 16) as u16 & 0x7FFF));
        put_u16(out, len as u16);
    } else {
        put_u16(out, len as u16);
    }
}

fn put_len8(out: &mut Vec<u8>, len: usize) {
    if len > 0x7F {
        out.push(0x80 | ((len >> 8) as u8 & 0x7F));
        out.push(len as u8);
    } else {
        out.push(len as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_layout() {
        let mut p = StringPool::new(Encoding::Utf16);
        assert_eq!(p.intern("ab"), 0);
        assert_eq!(p.intern("é"), 1);
        assert_eq!(p.intern("ab"), 0);
        let b = p.encode();
        assert_eq!(&b[0..4], &[1, 0, 28, 0]);
        assert_eq!(
            u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize,
            b.len()
        );
        assert_eq!(b.len() % 4, 0);
        // strings start after 2 offsets
        let start = 28 + 8;
        assert_eq!(&b[start..start + 8], &[2, 0, b'a', 0, b'b', 0, 0, 0]);
        assert_eq!(&b[start + 8..start + 12], &[1, 0, 0xe9, 0]);
    }

    #[test]
    fn utf8_layout_with_long_lengths() {
        let mut p = StringPool::new(Encoding::Utf8);
        let long = "x".repeat(200);
        p.intern("é");
        p.intern(&long);
        let b = p.encode();
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), UTF8_FLAG);
        let start = 28 + 8;
        // "é": 1 UTF-16 unit, 2 bytes.
        assert_eq!(&b[start..start + 5], &[1, 2, 0xc3, 0xa9, 0]);
        // 200 = 0x80|0, 200 in the two-byte form.
        assert_eq!(&b[start + 5..start + 9], &[0x80, 200, 0x80, 200]);
    }
}
