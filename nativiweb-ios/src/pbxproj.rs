//! Xcode's project file, `project.pbxproj`: an OpenStep ("old-style ASCII") property list of
//! objects keyed by 24-hex-digit ids. The `plist` crate reads this format but does not write
//! it, so this is our own small writer, laid out as Xcode lays it out (sections by `isa`, `isa`
//! first and the other keys sorted, ids followed by a `/* name */` comment), so that a project
//! Xcode saves again shows a small diff.
//!
//! Object ids are not random: [`Id::of`] hashes the object's place in the project (`target:App`,
//! `file:App/AppDelegate.swift`), so the same inputs always give the same bytes, and an object
//! keeps its id when other objects come and go.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// An object id: 96 bits, written as 24 uppercase hex digits like Xcode's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Id([u8; 12]);

impl Id {
    /// The id of the object at `place` (a path-like name unique in the project).
    pub(crate) fn of(place: &str) -> Id {
        let digest = Sha256::digest(format!("nativiweb-ios pbxproj object: {place}").as_bytes());
        let mut id = [0u8; 12];
        id.copy_from_slice(&digest[..12]);
        Id(id)
    }

    /// The 24 uppercase hex digits.
    pub(crate) fn hex(&self) -> String {
        hex::encode_upper(self.0)
    }
}

/// A value in the project file.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A string (quoted when it needs to be).
    Str(String),
    /// A reference to another object (written with its name as a comment).
    Ref(Id),
    /// An array.
    List(Vec<Value>),
    /// A dictionary (written with its keys sorted).
    Dict(Vec<(String, Value)>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<Id> for Value {
    fn from(id: Id) -> Value {
        Value::Ref(id)
    }
}

/// One object: its class, the name its references are commented with, and its fields.
#[derive(Debug, Clone)]
struct Object {
    isa: &'static str,
    comment: String,
    fields: Vec<(String, Value)>,
}

/// Classes Xcode writes on one line.
const ONE_LINE: &[&str] = &["PBXBuildFile", "PBXFileReference"];

/// A project file being put together.
#[derive(Debug, Clone)]
pub(crate) struct Pbxproj {
    objects: BTreeMap<Id, Object>,
    object_version: u32,
    root: Option<Id>,
}

impl Pbxproj {
    /// An empty project file of the given `objectVersion`.
    pub(crate) fn new(object_version: u32) -> Self {
        Pbxproj {
            objects: BTreeMap::new(),
            object_version,
            root: None,
        }
    }

    /// Adds an object at `place` and returns its id. `comment` names it where it is referenced
    /// (empty for none).
    pub(crate) fn add(
        &mut self,
        place: &str,
        isa: &'static str,
        comment: impl Into<String>,
        fields: Vec<(&str, Value)>,
    ) -> Id {
        let id = Id::of(place);
        let previous = self.objects.insert(
            id,
            Object {
                isa,
                comment: comment.into(),
                fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            },
        );
        debug_assert!(previous.is_none(), "two pbxproj objects at {place}");
        id
    }

    /// Makes `id` the root object (the PBXProject).
    pub(crate) fn set_root(&mut self, id: Id) {
        self.root = Some(id);
    }

    /// The file's text.
    pub(crate) fn write(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("// !$*UTF8*$!\n{\n");
        out.push_str("\tarchiveVersion = 1;\n\tclasses = {\n\t};\n");
        let _ = writeln!(out, "\tobjectVersion = {};", self.object_version);
        out.push_str("\tobjects = {\n");

        let mut sections: BTreeMap<&str, Vec<(&Id, &Object)>> = BTreeMap::new();
        for (id, object) in &self.objects {
            sections.entry(object.isa).or_default().push((id, object));
        }
        for (isa, objects) in sections {
            let _ = write!(out, "\n/* Begin {isa} section */\n");
            let one_line = ONE_LINE.contains(&isa);
            for (id, object) in objects {
                out.push_str("\t\t");
                self.write_id(&mut out, id);
                out.push_str(" = ");
                let mut fields = vec![("isa".to_owned(), Value::Str(object.isa.to_owned()))];
                fields.extend(object.fields.iter().cloned());
                if one_line {
                    self.write_inline_dict(&mut out, &fields);
                } else {
                    self.write_dict(&mut out, &fields, 2);
                }
                out.push_str(";\n");
            }
            let _ = writeln!(out, "/* End {isa} section */");
        }
        out.push_str("\t};\n");
        if let Some(root) = self.root {
            out.push_str("\trootObject = ");
            self.write_id(&mut out, &root);
            out.push_str(";\n");
        }
        out.push_str("}\n");
        out
    }

    fn write_id(&self, out: &mut String, id: &Id) {
        out.push_str(&id.hex());
        if let Some(object) = self.objects.get(id) {
            let comment = if Some(*id) == self.root {
                "Project object"
            } else {
                object.comment.as_str()
            };
            if !comment.is_empty() {
                // A comment ends at `*/`; names with `*` never come from us, but stay safe.
                let _ = write!(out, " /* {} */", comment.replace('*', "_"));
            }
        }
    }

    fn write_value(&self, out: &mut String, value: &Value, depth: usize) {
        match value {
            Value::Str(s) => out.push_str(&quote(s)),
            Value::Ref(id) => self.write_id(out, id),
            Value::List(items) => {
                out.push_str("(\n");
                for item in items {
                    indent(out, depth + 1);
                    self.write_value(out, item, depth + 1);
                    out.push_str(",\n");
                }
                indent(out, depth);
                out.push(')');
            }
            Value::Dict(fields) => self.write_dict(out, fields, depth),
        }
    }

    fn write_dict(&self, out: &mut String, fields: &[(String, Value)], depth: usize) {
        out.push_str("{\n");
        for (key, value) in sorted(fields) {
            indent(out, depth + 1);
            out.push_str(&quote(key));
            out.push_str(" = ");
            self.write_value(out, value, depth + 1);
            out.push_str(";\n");
        }
        indent(out, depth);
        out.push('}');
    }

    fn write_inline_dict(&self, out: &mut String, fields: &[(String, Value)]) {
        out.push('{');
        for (key, value) in sorted(fields) {
            out.push_str(&quote(key));
            out.push_str(" = ");
            match value {
                Value::List(items) => {
                    out.push('(');
                    for item in items {
                        self.write_value(out, item, 0);
                        out.push_str(", ");
                    }
                    out.push(')');
                }
                Value::Dict(inner) => self.write_inline_dict(out, inner),
                other => self.write_value(out, other, 0),
            }
            out.push_str("; ");
        }
        out.push('}');
    }
}

/// `isa` first, then the other keys in byte order (as Xcode writes them).
fn sorted(fields: &[(String, Value)]) -> Vec<(&String, &Value)> {
    let mut v: Vec<(&String, &Value)> = fields.iter().map(|(k, v)| (k, v)).collect();
    v.sort_by(|a, b| (a.0 != "isa", a.0).cmp(&(b.0 != "isa", b.0)));
    v
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push('\t');
    }
}

/// A string as the project file writes it: bare when it is made only of letters, digits,
/// `_`, `.` and `/` (and holds no `//`, which would start a comment), quoted otherwise. Every
/// reader we test with (Xcode's, the `plist` crate's, PyPI `pbxproj`'s and npm `xcode`'s)
/// takes those bare.
pub(crate) fn quote(s: &str) -> String {
    let bare = !s.is_empty()
        && !s.contains("//")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/'));
    if bare {
        return s.to_owned();
    }
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(q, "\\U{:04x}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Sets `key = value;` wherever the text assigns `key` (build settings, one per line as Xcode
/// writes them) and returns the new text and how many lines changed; `None` when no line
/// assigns it. Used to bring a project file the user edited up to date with the values the
/// app config owns (versions, bundle id, team) while keeping every other edit.
pub(crate) fn set_assignments(text: &str, key: &str, value: &str) -> Option<(String, usize)> {
    let mut found = 0;
    let mut changed = 0;
    let mut out = String::with_capacity(text.len() + 64);
    let quoted_key = quote(key);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let trimmed = body.trim_start();
        let lead = &body[..body.len() - trimmed.len()];
        let assigns = trimmed
            .strip_prefix(quoted_key.as_str())
            .and_then(|rest| rest.trim_start().strip_prefix('='))
            .is_some_and(|rest| rest.trim_end().ends_with(';'));
        if assigns {
            found += 1;
            let new_line = format!("{lead}{quoted_key} = {};", quote(value));
            if new_line != body {
                changed += 1;
            }
            out.push_str(&new_line);
            out.push_str(ending);
        } else {
            out.push_str(line);
        }
    }
    (found > 0).then_some((out, changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(Id::of("target:App"), Id::of("target:App"));
        assert_ne!(Id::of("target:App"), Id::of("target:App2"));
        let hex = Id::of("x").hex();
        assert_eq!(hex.len(), 24);
        assert!(hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("App"), "App");
        assert_eq!(quote("App/Info.plist"), "App/Info.plist");
        assert_eq!(quote("1.2.0"), "1.2.0");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("<group>"), "\"<group>\"");
        assert_eq!(quote("$(TARGET_NAME)"), "\"$(TARGET_NAME)\"");
        assert_eq!(quote("com.example.my-app"), "\"com.example.my-app\"");
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(quote("a//b"), "\"a//b\"");
        assert_eq!(quote("Olá"), "\"Olá\"");
    }

    #[test]
    fn writes_a_plist_the_plist_crate_reads() {
        let mut p = Pbxproj::new(56);
        let file = p.add(
            "file:a",
            "PBXFileReference",
            "a.swift",
            vec![("path", "a.swift".into()), ("sourceTree", "<group>".into())],
        );
        let root = p.add(
            "project",
            "PBXProject",
            "",
            vec![
                ("files", Value::List(vec![file.into(), file.into()])),
                ("empty", Value::List(vec![])),
                (
                    "settings",
                    Value::Dict(vec![
                        ("Z".to_owned(), "1".into()),
                        ("A".to_owned(), "x y".into()),
                    ]),
                ),
            ],
        );
        p.set_root(root);
        let text = p.write();
        assert!(text.starts_with("// !$*UTF8*$!\n{\n"), "{text}");
        assert!(
            text.contains("/* Begin PBXFileReference section */"),
            "{text}"
        );
        assert!(text.contains(&format!(
            "rootObject = {} /* Project object */;",
            root.hex()
        )));
        // Keys sorted, `isa` first.
        let settings = text.find("A = \"x y\";").unwrap();
        assert!(settings < text.find("Z = 1;").unwrap());
        let v = plist::Value::from_reader_ascii(text.as_bytes()).unwrap();
        let objects = v
            .as_dictionary()
            .and_then(|d| d.get("objects"))
            .and_then(|o| o.as_dictionary())
            .unwrap();
        let f = objects.get(&file.hex()).unwrap().as_dictionary().unwrap();
        assert_eq!(f.get("sourceTree").unwrap().as_string(), Some("<group>"));
        assert_eq!(f.get("isa").unwrap().as_string(), Some("PBXFileReference"));
    }

    #[test]
    fn assignments_are_replaced_in_place() {
        let text = "\t\t\t\tMARKETING_VERSION = 1.0.0;\n\t\t\t\tOTHER = x;\n\t\t\t\tMARKETING_VERSION = \"1.0.0\";\n";
        let (new, changed) = set_assignments(text, "MARKETING_VERSION", "2.0").unwrap();
        assert_eq!(changed, 2);
        assert_eq!(
            new,
            "\t\t\t\tMARKETING_VERSION = 2.0;\n\t\t\t\tOTHER = x;\n\t\t\t\tMARKETING_VERSION = 2.0;\n"
        );
        assert!(set_assignments(text, "DEVELOPMENT_TEAM", "X").is_none());
        // A key that only starts the same way is another key.
        assert!(set_assignments("MARKETING_VERSION_X = 1;\n", "MARKETING_VERSION", "2").is_none());
    }
}
