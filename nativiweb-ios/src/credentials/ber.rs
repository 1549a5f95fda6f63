//! A small BER reader: enough to walk a CMS message and to turn BER into DER.
//!
//! Apple's provisioning profiles are CMS `SignedData` in BER with indefinite lengths
//! (`30 80 ...`) and the signed plist in a constructed OCTET STRING; `openssl cms -stream`
//! writes the same. The `der`/`cms` crates read DER only, so this module reads the BER itself,
//! and [`to_der`] re-encodes a BER element (definite lengths, strings made primitive) for the
//! DER parsers, for PKCS#12 files written by tools that use BER too.

/// Nesting deeper than this is refused (no real profile or PKCS#12 file comes near it).
const MAX_DEPTH: usize = 48;

/// The universal OCTET STRING tag number.
const OCTET_STRING: u32 = 4;

/// One element: its identifier octets, and its contents (for an indefinite length, the
/// children without the end-of-contents marker).
#[derive(Clone, Copy)]
pub(crate) struct Element<'a> {
    /// The identifier octets as written.
    pub id: &'a [u8],
    /// The tag class (0 universal, 1 application, 2 context-specific, 3 private).
    pub class: u8,
    /// The tag number.
    pub number: u32,
    /// Constructed (children) rather than primitive (bytes).
    pub constructed: bool,
    /// The contents octets.
    pub body: &'a [u8],
}

/// What was wrong with the bytes, for messages.
pub(crate) type BerError = String;

/// Reads one element from the start of `input`; returns it and the bytes after it.
pub(crate) fn read(input: &[u8]) -> Result<(Element<'_>, &[u8]), BerError> {
    read_at(input, 0)
}

fn read_at(input: &[u8], depth: usize) -> Result<(Element<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} levels deep"));
    }
    let first = *input.first().ok_or("unexpected end of data")?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    let mut pos = 1;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let b = *input.get(pos).ok_or("unexpected end of data in a tag")?;
            pos += 1;
            if number > (u32::MAX >> 7) {
                return Err("tag number too large".into());
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let id_len = pos;
    let len_byte = *input.get(pos).ok_or("unexpected end of data in a length")?;
    pos += 1;
    if len_byte == 0x80 {
        if !constructed {
            return Err("indefinite length on a primitive element".into());
        }
        let start = pos;
        let mut rest = &input[pos..];
        loop {
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                let end = input.len() - rest.len();
                let element = Element {
                    id: &input[..id_len],
                    class,
                    number,
                    constructed,
                    body: &input[start..end],
                };
                return Ok((element, &rest[2..]));
            }
            if rest.is_empty() {
                return Err("missing end-of-contents".into());
            }
            let (_, after) = read_at(rest, depth + 1)?;
            rest = after;
        }
    }
    let len = if len_byte & 0x80 == 0 {
        usize::from(len_byte)
    } else {
        let n = usize::from(len_byte & 0x7f);
        if n > 4 {
            return Err("length too large".into());
        }
        let mut len = 0usize;
        for _ in 0..n {
            let b = *input.get(pos).ok_or("unexpected end of data in a length")?;
            pos += 1;
            len = (len << 8) | usize::from(b);
        }
        len
    };
    let end = pos.checked_add(len).ok_or("length too large")?;
    let body = input
        .get(pos..end)
        .ok_or("truncated: a length runs past the end")?;
    let element = Element {
        id: &input[..id_len],
        class,
        number,
        constructed,
        body,
    };
    Ok((element, &input[end..]))
}

impl<'a> Element<'a> {
    /// The children of a constructed element.
    pub(crate) fn children(&self) -> Result<Vec<Element<'a>>, BerError> {
        if !self.constructed {
            return Err("expected a constructed element".into());
        }
        let mut out = Vec::new();
        let mut rest = self.body;
        while !rest.is_empty() {
            let (child, after) = read(rest)?;
            out.push(child);
            rest = after;
        }
        Ok(out)
    }

    /// Whether this is the universal element `number`.
    pub(crate) fn is_universal(&self, number: u32) -> bool {
        self.class == 0 && self.number == number
    }

    /// The bytes of a string type, joining the segments of a constructed one.
    pub(crate) fn octets(&self) -> Result<Vec<u8>, BerError> {
        let mut out = Vec::new();
        self.collect_octets(&mut out, 0)?;
        Ok(out)
    }

    fn collect_octets(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
        if depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        if !self.constructed {
            out.extend_from_slice(self.body);
            return Ok(());
        }
        for child in self.children()? {
            child.collect_octets(out, depth + 1)?;
        }
        Ok(())
    }
}

/// Re-encodes the first element of `input` as DER lengths: definite lengths everywhere, and
/// constructed OCTET STRINGs (and other character strings) as one primitive string. Bytes after
/// the element are ignored.
pub(crate) fn to_der(input: &[u8]) -> Result<Vec<u8>, BerError> {
    let (element, _) = read(input)?;
    let mut out = Vec::with_capacity(input.len());
    encode(&element, &mut out, 0)?;
    Ok(out)
}

/// Universal string types whose constructed form is a concatenation of segments.
fn is_segmented_string(e: &Element<'_>) -> bool {
    e.class == 0
        && matches!(
            e.number,
            OCTET_STRING | 12 | 18 | 19 | 20 | 22 | 26 | 28 | 30
        )
}

fn encode(e: &Element<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} levels deep"));
    }
    if !e.constructed {
        out.extend_from_slice(e.id);
        push_len(out, e.body.len());
        out.extend_from_slice(e.body);
    } else if is_segmented_string(e) {
        let bytes = e.octets()?;
        let mut id = e.id.to_vec();
        id[0] &= !0x20;
        out.extend_from_slice(&id);
        push_len(out, bytes.len());
        out.extend_from_slice(&bytes);
    } else {
        let mut inner = Vec::with_capacity(e.body.len());
        for child in e.children()? {
            encode(&child, &mut inner, depth + 1)?;
        }
        out.extend_from_slice(e.id);
        push_len(out, inner.len());
        out.extend_from_slice(&inner);
    }
    Ok(())
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_and_segmented_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" }, INTEGER 5 }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x02,
            0x01, 0x05, 0x00, 0x00,
        ];
        let der = to_der(&ber).unwrap();
        assert_eq!(
            der,
            [0x30, 0x08, 0x04, 0x03, b'a', b'b', b'c', 0x02, 0x01, 0x05]
        );
        let (seq, rest) = read(&ber).unwrap();
        assert!(rest.is_empty());
        let children = seq.children().unwrap();
        assert_eq!(children.len(), 2);
        assert_eq!(children[0].octets().unwrap(), b"abc");
    }

    #[test]
    fn truncated_and_runaway_input_is_an_error_not_a_panic() {
        assert!(read(&[0x30, 0x05, 0x02]).is_err());
        assert!(read(&[0x30, 0x80, 0x02, 0x01, 0x05]).is_err());
        assert!(read(&[0x04, 0x80, 0x00, 0x00]).is_err());
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(read(&deep).is_err());
        assert!(read(&[]).is_err());
    }

    #[test]
    fn long_lengths_are_written_minimally() {
        let mut out = Vec::new();
        push_len(&mut out, 0x1234);
        assert_eq!(out, [0x82, 0x12, 0x34]);
        out.clear();
        push_len(&mut out, 0x7f);
        assert_eq!(out, [0x7f]);
    }
}
