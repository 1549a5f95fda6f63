//! Reading literal values out of JavaScript / TypeScript config files without running them.
//!
//! `vite.config.ts`, `capacitor.config.ts`, `next.config.mjs`, `astro.config.mjs`,
//! `svelte.config.js` are programs, and running them would mean running Node (slow, and
//! executing the user's code during detection). What detection needs from them is almost
//! always a literal: `build: { outDir: 'www' }`, `webDir: 'dist'`, `output: 'export'`. This
//! module tokenizes the source (strings, template literals, comments and regex literals are
//! recognised so that their contents are never mistaken for code) and records every
//! `key: literal` it sees together with the chain of object keys around it, so callers ask for
//! `["build", "outDir"]`. Values that are computed (`process.env.X ? 'a' : 'b'`) are simply not
//! recorded, and callers fall back to defaults or warn. Simple `const name = 'literal'`
//! bindings used later as `outDir: name` or `{ outDir }` are resolved.
//!
//! It also strips comments and trailing commas from JSON-with-comments files (rush.json,
//! tsconfig-style configs) so serde_json can read them.

use std::collections::HashMap;

/// A literal value found in a config file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    /// A string (or a template literal without `${}`).
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// An object or array follows the key.
    Object,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    /// A string literal; `None` for a template literal with `${}`.
    Str(Option<String>),
    Num(&'a str),
    Punct(u8),
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    /// Whether a `/` here would start a regex (after an operator or at the start).
    regex_ok: bool,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            b: src.as_bytes(),
            i: 0,
            regex_ok: true,
        }
    }

    fn skip_space_and_comments(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c.is_ascii_whitespace() {
                self.i += 1;
            } else if c == b'/' && self.b.get(self.i + 1) == Some(&b'/') {
                while self.i < self.b.len() && self.b[self.i] != b'\n' {
                    self.i += 1;
                }
            } else if c == b'/' && self.b.get(self.i + 1) == Some(&b'*') {
                self.i += 2;
                while self.i < self.b.len()
                    && !(self.b[self.i] == b'*' && self.b.get(self.i + 1) == Some(&b'/'))
                {
                    self.i += 1;
                }
                self.i = (self.i + 2).min(self.b.len());
            } else {
                break;
            }
        }
    }

    fn string(&mut self, quote: u8) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        let mut literal = true;
        let mut depth = 0usize;
        let mut start = self.i;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if depth > 0 {
                // Inside `${ ... }` of a template: skip to the matching brace.
                match c {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                self.i += 1;
                if depth == 0 {
                    start = self.i;
                }
                continue;
            }
            if c == b'\\' {
                out.push_str(&self.src[start..self.i]);
                let esc = self.b.get(self.i + 1).copied().unwrap_or(b'\\');
                match esc {
                    b'n' => out.push('\n'),
                    b't' => out.push('\t'),
                    b'r' => out.push('\r'),
                    b'0' => out.push('\0'),
                    b'\n' => {}
                    c if c.is_ascii() => out.push(c as char),
                    _ => {}
                }
                self.i = (self.i + 2).min(self.b.len());
                // Keep slicing on a character boundary after a non-ASCII escape.
                while self.i < self.b.len() && !self.src.is_char_boundary(self.i) {
                    self.i += 1;
                }
                start = self.i;
                continue;
            }
            if c == quote {
                out.push_str(&self.src[start..self.i]);
                self.i += 1;
                return literal.then_some(out);
            }
            if quote == b'`' && c == b'$' && self.b.get(self.i + 1) == Some(&b'{') {
                literal = false;
                depth = 1;
                self.i += 2;
                continue;
            }
            if c == b'\n' && quote != b'`' {
                // An unterminated string: stop at the line end.
                out.push_str(&self.src[start..self.i]);
                return literal.then_some(out);
            }
            self.i += 1;
        }
        out.push_str(&self.src[start.min(self.b.len())..]);
        literal.then_some(out)
    }

    fn skip_regex(&mut self) {
        self.i += 1;
        let mut in_class = false;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 1,
                b'[' => in_class = true,
                b']' => in_class = false,
                b'/' if !in_class => {
                    self.i += 1;
                    break;
                }
                b'\n' => break,
                _ => {}
            }
            self.i += 1;
        }
        while self.i < self.b.len() && self.b[self.i].is_ascii_alphabetic() {
            self.i += 1;
        }
    }

    fn next(&mut self) -> Option<Tok<'a>> {
        loop {
            self.skip_space_and_comments();
            let c = *self.b.get(self.i)?;
            if c == b'/' && self.regex_ok {
                self.skip_regex();
                self.regex_ok = false;
                continue;
            }
            let tok = if c == b'"' || c == b'\'' || c == b'`' {
                Tok::Str(self.string(c))
            } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
                let start = self.i;
                while self.i < self.b.len() {
                    let d = self.b[self.i];
                    if d.is_ascii_alphanumeric() || d == b'_' || d == b'$' || d >= 0x80 {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                Tok::Ident(&self.src[start..self.i])
            } else if c.is_ascii_digit() {
                let start = self.i;
                while self.i < self.b.len()
                    && (self.b[self.i].is_ascii_alphanumeric()
                        || self.b[self.i] == b'.'
                        || self.b[self.i] == b'_')
                {
                    self.i += 1;
                }
                Tok::Num(&self.src[start..self.i])
            } else {
                self.i += 1;
                Tok::Punct(c)
            };
            self.regex_ok = match &tok {
                Tok::Ident(w) => matches!(
                    *w,
                    "return" | "typeof" | "case" | "do" | "else" | "in" | "of" | "new" | "void"
                ),
                Tok::Str(_) | Tok::Num(_) => false,
                Tok::Punct(p) => !matches!(p, b')' | b']' | b'}'),
            };
            return Some(tok);
        }
    }
}

/// The literal `key: value` pairs of a JS/TS config file, each with its chain of keys.
#[derive(Debug, Default, Clone)]
pub(crate) struct JsScan {
    entries: Vec<(Vec<String>, Lit)>,
    strings: Vec<String>,
}

fn is_end(t: Option<&Tok<'_>>) -> bool {
    match t {
        None => true,
        Some(Tok::Punct(p)) => matches!(p, b',' | b'}' | b']' | b')' | b';'),
        Some(Tok::Ident(w)) => matches!(*w, "as" | "satisfies"),
        _ => false,
    }
}

impl JsScan {
    /// Scans `src`.
    pub fn parse(src: &str) -> JsScan {
        let mut lexer = Lexer::new(src);
        let mut toks: Vec<Tok<'_>> = Vec::new();
        while let Some(t) = lexer.next() {
            toks.push(t);
        }
        let mut scan = JsScan::default();
        let mut bindings: HashMap<&str, String> = HashMap::new();
        // Each open bracket: its kind and the key it is the value of (if any).
        let mut frames: Vec<(u8, Option<String>)> = Vec::new();
        let mut pending: Option<String> = None;
        let mut i = 0;
        while i < toks.len() {
            let prev = if i > 0 { toks.get(i - 1) } else { None };
            let in_object = frames.last().is_some_and(|(k, _)| *k == b'{');
            let after_sep = matches!(prev, Some(Tok::Punct(b'{' | b',')));
            match &toks[i] {
                Tok::Ident("const" | "let" | "var") => {
                    if let (
                        Some(Tok::Ident(name)),
                        Some(Tok::Punct(b'=')),
                        Some(Tok::Str(Some(v))),
                    ) = (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
                    {
                        // Only a plain literal: `const d = 'x' + y` is computed.
                        let plain = !matches!(
                            toks.get(i + 4),
                            Some(Tok::Punct(p)) if !matches!(p, b';' | b',')
                        );
                        if plain {
                            bindings.insert(name, v.clone());
                        }
                    }
                }
                Tok::Str(Some(s)) => scan.strings.push(s.clone()),
                _ => {}
            }
            // `key:` (an identifier or a string right after `{` or `,` inside an object).
            let key = match &toks[i] {
                Tok::Ident(k) => Some((*k).to_owned()),
                Tok::Str(Some(k)) => Some(k.clone()),
                Tok::Num(k) => Some((*k).to_owned()),
                _ => None,
            };
            if let Some(k) = key.as_ref() {
                if in_object && after_sep && toks.get(i + 1) == Some(&Tok::Punct(b':')) {
                    let path = named_path(&frames, k);
                    let value = toks.get(i + 2);
                    let lit = match value {
                        Some(Tok::Str(Some(s))) => Some(Lit::Str(s.clone())),
                        Some(Tok::Ident("true")) => Some(Lit::Bool(true)),
                        Some(Tok::Ident("false")) => Some(Lit::Bool(false)),
                        Some(Tok::Num(n)) => Some(Lit::Num((*n).to_owned())),
                        Some(Tok::Ident(name)) => bindings.get(name).cloned().map(Lit::Str),
                        _ => None,
                    };
                    match lit {
                        Some(lit) if is_end(toks.get(i + 3)) => {
                            scan.entries.push((path, lit));
                            pending = None;
                            i += 3;
                            continue;
                        }
                        _ => {
                            pending = Some(k.clone());
                            i += 2;
                            continue;
                        }
                    }
                }
                // Shorthand `{ outDir }` with a known binding.
                if in_object
                    && after_sep
                    && matches!(toks.get(i + 1), Some(Tok::Punct(b',' | b'}')))
                {
                    if let Some(v) = bindings.get(k.as_str()) {
                        scan.entries
                            .push((named_path(&frames, k), Lit::Str(v.clone())));
                    }
                }
            }
            match &toks[i] {
                Tok::Punct(open @ (b'{' | b'[' | b'(')) => {
                    let name = pending.take();
                    if let Some(n) = &name {
                        scan.entries.push((named_path(&frames, n), Lit::Object));
                    }
                    frames.push((*open, name));
                }
                Tok::Punct(close @ (b'}' | b']' | b')')) => {
                    let open = match close {
                        b'}' => b'{',
                        b']' => b'[',
                        _ => b'(',
                    };
                    // Pop to the matching opener (tolerates unbalanced input).
                    if let Some(pos) = frames.iter().rposition(|(k, _)| *k == open) {
                        frames.truncate(pos);
                    }
                    pending = None;
                }
                Tok::Punct(b',' | b';') => pending = None,
                _ => {}
            }
            i += 1;
        }
        scan
    }

    /// The string at exactly this chain of keys (ignoring unnamed brackets), first one found.
    pub fn get_str(&self, path: &[&str]) -> Option<&str> {
        self.get(path).and_then(|l| match l {
            Lit::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The literal at exactly this chain of keys.
    pub fn get(&self, path: &[&str]) -> Option<&Lit> {
        self.entries
            .iter()
            .find(|(p, _)| p.len() == path.len() && p.iter().zip(path).all(|(a, b)| a == b))
            .map(|(_, l)| l)
    }

    /// The first string whose key chain ends with `suffix`.
    pub fn find_str_suffix(&self, suffix: &[&str]) -> Option<&str> {
        self.entries.iter().find_map(|(p, l)| match l {
            Lit::Str(s)
                if p.len() >= suffix.len()
                    && p[p.len() - suffix.len()..]
                        .iter()
                        .zip(suffix)
                        .all(|(a, b)| a == b) =>
            {
                Some(s.as_str())
            }
            _ => None,
        })
    }

    /// True when some key chain starts with `first`.
    pub fn has_key(&self, first: &str) -> bool {
        self.entries
            .iter()
            .any(|(p, _)| p.first().is_some_and(|k| k == first))
    }

    /// True when any string literal in the file equals `s` (an import specifier, say).
    pub fn has_string(&self, s: &str) -> bool {
        self.strings.iter().any(|x| x == s)
    }

    /// True when any string literal starts with `prefix`.
    pub fn has_string_prefix(&self, prefix: &str) -> bool {
        self.strings.iter().any(|x| x.starts_with(prefix))
    }
}

fn named_path(frames: &[(u8, Option<String>)], key: &str) -> Vec<String> {
    frames
        .iter()
        .filter_map(|(_, n)| n.clone())
        .chain(std::iter::once(key.to_owned()))
        .collect()
}

/// Removes `//` and `/* */` comments and trailing commas from JSON-with-comments text, leaving
/// strings untouched, so that a strict JSON parser accepts it.
pub(crate) fn strip_jsonc(src: &str) -> String {
    let b = src.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.extend_from_slice(&b[start..i]);
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            out.push(b' ');
        } else if c == b',' {
            // Drop the comma when the next meaningful character closes the container.
            let mut j = i + 1;
            loop {
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if b.get(j) == Some(&b'/') && b.get(j + 1) == Some(&b'/') {
                    while j < b.len() && b[j] != b'\n' {
                        j += 1;
                    }
                } else if b.get(j) == Some(&b'/') && b.get(j + 1) == Some(&b'*') {
                    j += 2;
                    while j < b.len() && !(b[j] == b'*' && b.get(j + 1) == Some(&b'/')) {
                        j += 1;
                    }
                    j = (j + 2).min(b.len());
                } else {
                    break;
                }
            }
            if !matches!(b.get(j), Some(b'}' | b']')) {
                out.push(c);
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    // Only ASCII bytes were removed, so the result is still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_literals() {
        let s = JsScan::parse(
            r#"
            import { defineConfig } from 'vite'
            // build: { outDir: 'wrong' }
            /* outDir: "also wrong" */
            export default defineConfig(({ mode }) => ({
              root: "src",
              plugins: [legacy({ outDir: 'plugin' }), x(/'/g)],
              build: { outDir: `../www`, sourcemap: true, target: 'es2020' },
            }))
            "#,
        );
        assert_eq!(s.get_str(&["build", "outDir"]), Some("../www"));
        assert_eq!(s.get_str(&["root"]), Some("src"));
        assert_eq!(s.get(&["build", "sourcemap"]), Some(&Lit::Bool(true)));
        assert_eq!(s.get_str(&["outDir"]), None);
        assert!(s.has_string("vite"));
    }

    #[test]
    fn typed_const_and_bindings() {
        let s = JsScan::parse(
            r#"
            import type { CapacitorConfig } from '@capacitor/cli';
            const dir = 'dist/app';
            const config: CapacitorConfig = {
              appId: 'com.example.app',
              appName: "Example",
              webDir: dir,
              server: { url: process.env.URL ? 'https://a.example' : undefined },
            };
            export default config;
            "#,
        );
        assert_eq!(s.get_str(&["appId"]), Some("com.example.app"));
        assert_eq!(s.get_str(&["webDir"]), Some("dist/app"));
        assert_eq!(s.get_str(&["server", "url"]), None);
        let s = JsScan::parse("const outDir = 'x'; export default { build: { outDir } }");
        assert_eq!(s.get_str(&["build", "outDir"]), Some("x"));
    }

    #[test]
    fn computed_values_are_not_literals() {
        let s = JsScan::parse(
            "module.exports = { output: isProd ? 'export' : undefined, distDir: 'a' + b }",
        );
        assert_eq!(s.get_str(&["output"]), None);
        assert_eq!(s.get_str(&["distDir"]), None);
        let s = JsScan::parse("const t = `x${y}`; module.exports = { webDir: t, a: `${b}` }");
        assert_eq!(s.get_str(&["webDir"]), None);
        assert_eq!(s.get_str(&["a"]), None);
    }

    #[test]
    fn call_arguments_are_named_by_their_key() {
        let s = JsScan::parse(
            "import adapter from '@sveltejs/adapter-static';\nexport default { kit: { adapter: adapter({ pages: 'public', fallback: 'index.html' }) } };",
        );
        assert_eq!(s.get_str(&["kit", "adapter", "pages"]), Some("public"));
        assert!(s.has_string("@sveltejs/adapter-static"));
    }

    #[test]
    fn jsonc() {
        let t = strip_jsonc("{\n // c\n \"a\": \"x//y\", /* z */ \"b\": [1, 2,],\n}");
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        assert_eq!(v["a"], "x//y");
        assert_eq!(v["b"][1], 2);
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "'",
            "`${",
            "{{{{",
            "a: 'x",
            "/",
            "/*",
            "\"\\",
            "`\\é",
            "x:{'é\\é':1}",
        ] {
            let _ = JsScan::parse(s);
            let _ = strip_jsonc(s);
        }
    }
}
