//! A small, safe YAML reader for pnpm-workspace.yaml and pubspec.yaml.
//!
//! Parsing is done by `yaml-rust2`'s event parser (a maintained, YAML 1.2 compliant parser
//! with a nesting limit in its scanner). We build our own small tree from its events instead of
//! using its `YamlLoader`, because the loader expands aliases by cloning the anchored node: a
//! few lines of nested aliases ("billion laughs") would then allocate gigabytes. Here an alias
//! is kept as `Null`, the node count and nesting depth are capped, and only the first
//! document is read — detection never needs more.

use yaml_rust2::parser::{Event, Parser};

/// Most nodes one file may have.
const MAX_NODES: usize = 200_000;
/// Deepest nesting we accept.
const MAX_DEPTH: usize = 64;

/// A YAML node. Every scalar is kept as the text written (detection compares strings).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Yaml {
    /// A scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Yaml>),
    /// A mapping, in file order, scalar keys only.
    Map(Vec<(String, Yaml)>),
    /// An empty value, an alias, or a complex key's value.
    Null,
}

impl Yaml {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Yaml] {
        match self {
            Yaml::Seq(v) => v,
            _ => &[],
        }
    }
}

enum Frame {
    Seq(Vec<Yaml>),
    /// A mapping and the key waiting for its value (`None` for a complex key).
    Map(Vec<(String, Yaml)>, Option<Option<String>>),
}

/// Parses the first document of `text`.
pub(crate) fn parse(text: &str) -> Result<Yaml, String> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| e.to_string())?;
        let node = match event {
            Event::StreamEnd | Event::DocumentEnd => {
                return Ok(Yaml::Null);
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart => continue,
            Event::Scalar(s, ..) => Yaml::Str(s),
            Event::Alias(_) => Yaml::Null,
            Event::SequenceStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "nested deeper than {MAX_DEPTH} levels at line {}",
                        mark.line()
                    ));
                }
                stack.push(Frame::Seq(Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "nested deeper than {MAX_DEPTH} levels at line {}",
                        mark.line()
                    ));
                }
                stack.push(Frame::Map(Vec::new(), None));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(v)) => Yaml::Seq(v),
                _ => return Err("unbalanced sequence".into()),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(m, _)) => Yaml::Map(m),
                _ => return Err("unbalanced mapping".into()),
            },
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(format!("more than {MAX_NODES} values"));
        }
        match stack.last_mut() {
            None => return Ok(node),
            Some(Frame::Seq(v)) => v.push(node),
            Some(Frame::Map(m, pending)) => match pending.take() {
                None => {
                    *pending = Some(match node {
                        Yaml::Str(k) => Some(k),
                        _ => None,
                    });
                }
                Some(Some(key)) => m.push((key, node)),
                Some(None) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maps_and_lists() {
        let y = parse("packages:\n  - 'apps/*'\n  - \"!**/test/**\"\ncatalog:\n  react: ^19\n")
            .unwrap();
        let pk: Vec<_> = y
            .get("packages")
            .unwrap()
            .items()
            .iter()
            .filter_map(Yaml::as_str)
            .collect();
        assert_eq!(pk, ["apps/*", "!**/test/**"]);
        assert_eq!(
            y.get("catalog").unwrap().get("react").unwrap().as_str(),
            Some("^19")
        );
    }

    #[test]
    fn aliases_are_not_expanded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..20 {
            let prev = if i == 1 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            text.push_str(&format!(
                "a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let y = parse(&text).unwrap();
        assert_eq!(y.get("a19").unwrap().items().len(), 10);
        assert_eq!(y.get("a19").unwrap().items()[0], Yaml::Null);
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(parse("a: [1, 2\n").is_err());
        assert!(parse(&"[".repeat(10_000)).is_err());
        assert_eq!(parse("").unwrap(), Yaml::Null);
    }
}
