//! Path globs, as workspace files (`packages/*`, `!**/test/**`) and `exclude` lists
//! (`*.map`, `docs/**`) write them.
//!
//! Written here rather than taken from `globset`: nativiweb matches a handful of short patterns
//! against relative paths, and `globset` compiles them through the whole `regex` stack, which
//! was a tenth of the CLI's first build. This matcher is a small backtracking one over the
//! pattern's tokens.
//!
//! Syntax (paths are `/`-separated; `*` and `?` never match `/`):
//!
//! | pattern | matches |
//! |---|---|
//! | `*` | any run of characters within one path component |
//! | `?` | one character |
//! | `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`) | one character of (or not of) the set |
//! | `{a,b}` | either alternative (no nesting) |
//! | `**` as a whole component | any number of components: `**/x` matches `x` and `a/b/x`; `a/**/b` matches `a/b`; `a/**` matches everything below `a` |
//! | `\x` | the character `x` itself |
//!
//! ```
//! use nativiweb_core::glob::Glob;
//!
//! let g = Glob::new("**/test/**/package.json")?;
//! assert!(g.is_match("packages/test/package.json"));
//! assert!(g.is_match("test/unit/a/package.json"));
//! assert!(!g.is_match("packages/tests/package.json"));
//! assert!(Glob::new("*.{js,css}.map")?.is_match("app.css.map"));
//! # Ok::<(), nativiweb_core::glob::GlobError>(())
//! ```

/// Why a pattern is not a glob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} in glob `{pattern}`")]
pub struct GlobError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong.
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `**/` (or a leading `**` followed by `/`): zero or more whole components.
    Dirs,
    /// A trailing `/**` (after its `/`) or a lone `**`: one or more characters, `/` included.
    Rest,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// One compiled glob (a `{a,b}` pattern compiles to one token list per alternative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    alternatives: Vec<Vec<Token>>,
}

impl Glob {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        let err = |reason| GlobError {
            pattern: pattern.to_owned(),
            reason,
        };
        let mut alternatives = Vec::new();
        for expanded in expand_braces(pattern).map_err(err)? {
            alternatives.push(tokenize(&expanded).map_err(err)?);
        }
        Ok(Glob {
            text: pattern.to_owned(),
            alternatives,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the whole of `path` matches.
    pub fn is_match(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        self.alternatives.iter().any(|t| matches(t, &chars))
    }
}

/// Several globs, matched together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobSet {
    globs: Vec<Glob>,
}

impl GlobSet {
    /// A set of `globs`.
    pub fn new(globs: Vec<Glob>) -> Self {
        GlobSet { globs }
    }

    /// Adds one glob.
    pub fn push(&mut self, glob: Glob) {
        self.globs.push(glob);
    }

    /// True when there is no glob.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Whether any glob matches `path`.
    pub fn is_match(&self, path: &str) -> bool {
        self.globs.iter().any(|g| g.is_match(path))
    }

    /// The indices of the globs that match `path`, in order.
    pub fn matches(&self, path: &str) -> Vec<usize> {
        let chars: Vec<char> = path.chars().collect();
        self.globs
            .iter()
            .enumerate()
            .filter(|(_, g)| g.alternatives.iter().any(|t| matches(t, &chars)))
            .map(|(i, _)| i)
            .collect()
    }
}

/// `a{b,c}d` -> `abd`, `acd` (one level; braces inside classes are literal).
fn expand_braces(pattern: &str) -> Result<Vec<String>, &'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|p| p + i)
                    .ok_or("unclosed `{`")?;
                let inner: String = chars[i + 1..close].iter().collect();
                if inner.contains('{') {
                    return Err("nested `{` is not supported");
                }
                let head: String = chars[..i].iter().collect();
                let tail: String = chars[close + 1..].iter().collect();
                let mut out = Vec::new();
                for alt in inner.split(',') {
                    for rest in expand_braces(&tail)? {
                        out.push(format!("{head}{alt}{rest}"));
                    }
                }
                return Ok(out);
            }
            '}' if !in_class => return Err("`}` without `{`"),
            _ => {}
        }
        i += 1;
    }
    Ok(vec![pattern.to_owned()])
}

fn tokenize(pattern: &str) -> Result<Vec<Token>, &'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at_component_start = i == 0 || chars[i - 1] == '/';
        match c {
            '*' if chars.get(i + 1) == Some(&'*') && at_component_start => {
                match chars.get(i + 2) {
                    // `**/`: zero or more components.
                    Some('/') => {
                        tokens.push(Token::Dirs);
                        i += 3;
                    }
                    // A trailing `**`: everything below.
                    None => {
                        tokens.push(Token::Rest);
                        i += 2;
                    }
                    // `**x` is just a star.
                    Some(_) => {
                        tokens.push(Token::Star);
                        i += 2;
                    }
                }
            }
            '*' => {
                // Consecutive stars inside a component mean one star.
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                tokens.push(Token::One);
                i += 1;
            }
            '\\' => {
                let escaped = *chars.get(i + 1).ok_or("a trailing `\\`")?;
                tokens.push(Token::Char(escaped));
                i += 2;
            }
            '[' => {
                let (token, next) = class(&chars, i)?;
                tokens.push(token);
                i = next;
            }
            other => {
                tokens.push(Token::Char(other));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

/// Parses the class starting at `chars[start] == '['`; returns it and the index after `]`.
fn class(chars: &[char], start: usize) -> Result<(Token, usize), &'static str> {
    let mut i = start + 1;
    let negated = matches!(chars.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or("unclosed `[`")?;
        if c == ']' && !first {
            return Ok((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        let lo = if c == '\\' {
            i += 1;
            *chars.get(i).ok_or("unclosed `[`")?
        } else {
            c
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&h| h != ']') {
            let hi = chars[i + 2];
            if hi < lo {
                return Err("a range whose end comes before its start");
            }
            ranges.push((lo, hi));
            i += 3;
        } else {
            ranges.push((lo, lo));
            i += 1;
        }
    }
}

fn matches(tokens: &[Token], path: &[char]) -> bool {
    let Some(token) = tokens.first() else {
        return path.is_empty();
    };
    let rest = &tokens[1..];
    match token {
        Token::Char(c) => path.first() == Some(c) && matches(rest, &path[1..]),
        Token::One => path.first().is_some_and(|&c| c != '/') && matches(rest, &path[1..]),
        Token::Class { negated, ranges } => match path.first() {
            Some(&c) if c != '/' => {
                let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                inside != *negated && matches(rest, &path[1..])
            }
            _ => false,
        },
        Token::Star => {
            for i in 0..=path.len() {
                if matches(rest, &path[i..]) {
                    return true;
                }
                if path.get(i) == Some(&'/') {
                    break;
                }
            }
            false
        }
        Token::Dirs => {
            if matches(rest, path) {
                return true;
            }
            path.iter()
                .enumerate()
                .filter(|(_, &c)| c == '/')
                .any(|(i, _)| matches(rest, &path[i + 1..]))
        }
        Token::Rest => !path.is_empty() && rest.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p).unwrap().is_match(s)
    }

    #[test]
    fn stars_stay_in_one_component() {
        assert!(m("*.map", "app.map"));
        assert!(!m("*.map", "js/app.map"));
        assert!(m("packages/*", "packages/web"));
        assert!(!m("packages/*", "packages/web/x"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b", "a/b"));
        assert!(m("?.js", "a.js") && !m("?.js", "ab.js") && !m("?", "/"));
    }

    #[test]
    fn double_stars_span_components() {
        assert!(m("**/x", "x"));
        assert!(m("**/x", "a/b/x"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
        assert!(!m("a/**/b", "ab"));
        assert!(m("a/**", "a/b/c"));
        assert!(!m("a/**", "a"));
        assert!(m("**", "anything/at/all"));
        assert!(m("**/test/**/package.json", "packages/test/package.json"));
        assert!(!m("**/test/**/package.json", "packages/tests/package.json"));
        assert!(m("a**b", "axxb") && !m("a**b", "a/b"));
    }

    #[test]
    fn classes_braces_and_escapes() {
        assert!(m("[abc].js", "b.js") && !m("[abc].js", "d.js"));
        assert!(m("v[0-9]", "v7") && !m("v[0-9]", "vx"));
        assert!(m("[!a]x", "bx") && !m("[!a]x", "ax") && m("[^a]x", "bx"));
        assert!(m("[]]", "]"));
        assert!(m("*.{js,css}", "a.css") && m("*.{js,css}", "a.js") && !m("*.{js,css}", "a.ts"));
        assert!(m("{apps,libs}/*/package.json", "libs/ui/package.json"));
        assert!(m(r"\*.txt", "*.txt") && !m(r"\*.txt", "a.txt"));
        assert!(m("é*", "été"));
    }

    #[test]
    fn bad_patterns_say_why() {
        for (p, why) in [
            ("src/[a", "unclosed `[`"),
            ("a{b", "unclosed `{`"),
            ("a}", "`}` without `{`"),
            ("[z-a]", "a range whose end comes before its start"),
            ("x\\", "a trailing `\\`"),
        ] {
            let e = Glob::new(p).unwrap_err();
            assert_eq!(e.reason, why, "{p}");
            assert!(e.to_string().contains(p));
        }
    }

    #[test]
    fn sets_report_which_globs_match() {
        let set = GlobSet::new(vec![
            Glob::new("*.map").unwrap(),
            Glob::new("**/drafts").unwrap(),
            Glob::new("docs/**").unwrap(),
        ]);
        assert_eq!(set.matches("docs/drafts"), vec![1, 2]);
        assert_eq!(set.matches("x.map"), vec![0]);
        assert!(set.matches("src/x.js").is_empty());
        assert!(set.is_match("a/b/drafts"));
    }
}
