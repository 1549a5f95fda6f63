//! The PWA web app manifest: finding it and reading what prefills the app config.
//!
//! The manifest is the one linked from the app's HTML page (`<link rel="manifest" href=...>`,
//! whatever the file is called), else one in the usual places (`public/manifest.webmanifest`,
//! `static/manifest.json`, ...). Its href is resolved the way the dev server would serve it:
//! next to the HTML page, or in the folder served at `/` (`public/`, `static/`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::Orientation;

use super::fsutil::{self, Listing};

/// HTML pages that may link the manifest, relative to the project root, in order.
const HTML_PAGES: &[&str] = &[
    "index.html",
    "public/index.html",
    "src/index.html",
    "src/app.html",
    "www/index.html",
    "web/index.html",
    "static/index.html",
];

/// Folders a dev server serves at `/`, where an absolute href resolves.
const SERVED_ROOTS: &[&str] = &["public", "static", "src", "www", "web", "assets", "."];

/// Usual manifest file names, tried in [`SERVED_ROOTS`] when no page links one.
const MANIFEST_NAMES: &[&str] = &[
    "manifest.webmanifest",
    "manifest.json",
    "site.webmanifest",
    "app.webmanifest",
];

/// What a web app manifest says (the fields nativiweb uses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebManifest {
    /// The manifest's path relative to the project root.
    pub path: PathBuf,
    /// `name`.
    pub name: Option<String>,
    /// `short_name` (the launcher label).
    pub short_name: Option<String>,
    /// `start_url`, made relative to the app root (`/`, `/app/`) or kept as an absolute URL.
    pub start_url: Option<String>,
    /// `display` (`standalone`, `fullscreen`, `minimal-ui`, `browser`).
    pub display: Option<String>,
    /// `orientation`, mapped to what nativiweb supports.
    pub orientation: Option<Orientation>,
    /// `theme_color` as `#rrggbb` (other CSS colour forms are converted when we can).
    pub theme_color: Option<String>,
    /// `background_color` as `#rrggbb`.
    pub background_color: Option<String>,
    /// The best launcher icon that exists on disk: the largest square PNG meant for `any`
    /// purpose, relative to the project root.
    pub icon: Option<PathBuf>,
}

/// Finds the `href` of `<link rel="manifest">` in an HTML page (case-insensitive, any
/// attribute order or quoting).
pub(crate) fn manifest_href(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<link") {
        let start = from + pos + 5;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let attrs = parse_attrs(&html[start..end]);
        let rel = attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("rel"))
            .map(|(_, v)| v.to_ascii_lowercase());
        if rel.is_some_and(|r| r.split_ascii_whitespace().any(|t| t == "manifest")) {
            if let Some((_, href)) = attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case("href")) {
                return Some(href.clone());
            }
        }
        from = end;
    }
    None
}

fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let ks = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        let key = &s[ks..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                let vs = i;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = s[vs..i].to_owned();
                i = (i + 1).min(b.len());
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = s[vs..i].to_owned();
            }
        }
        // Every pass consumes at least one byte (a key byte or the `=`), so this ends.
        if !key.is_empty() {
            out.push((key.to_owned(), value));
        }
    }
    out
}

/// Turns an href or icon src into candidate paths relative to the project root: next to the
/// referring file first, then under each folder served at `/` that exists in the root
/// `listing`. Template placeholders (`%PUBLIC_URL%`, `%sveltekit.assets%`, `<%= BASE_URL %>`),
/// query strings and fragments are dropped; remote URLs give nothing.
fn candidates(href: &str, referrer_dir: &Path, listing: &Listing) -> Vec<String> {
    let mut h = href.trim().to_owned();
    for placeholder in [
        "%PUBLIC_URL%",
        "%sveltekit.assets%",
        "%BASE_URL%",
        "<%= BASE_URL %>",
        "{{ base_url }}",
    ] {
        if h.contains(placeholder) {
            h = h.replace(placeholder, "");
        }
    }
    let h = h.split(['?', '#']).next().unwrap_or("").trim();
    let lower = h.to_ascii_lowercase();
    if h.is_empty() || lower.contains("://") || lower.starts_with("data:") || h.starts_with("//") {
        return Vec::new();
    }
    let absolute = h.starts_with('/');
    let body = h.trim_start_matches('/');
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: PathBuf| {
        if fsutil::stays_inside(&p) && p != Path::new(".") {
            if let Some(s) = p.to_str() {
                if !out.iter().any(|o| o == s) {
                    out.push(s.to_owned());
                }
            }
        }
    };
    if !absolute {
        if let Some(p) = fsutil::join_rel(referrer_dir, body) {
            push(p);
        }
    }
    if let Some(clean) = fsutil::normalize_rel(body).filter(|b| fsutil::stays_inside(b)) {
        for root in SERVED_ROOTS {
            if *root == "." {
                push(clean.clone());
            } else if listing.has_dir(root) {
                push(Path::new(root).join(&clean));
            }
        }
    }
    out
}

/// Finds the manifest: linked from a page, else in the usual places. Returns its path relative
/// to `root`. Warnings name a linked manifest that does not exist.
pub(crate) fn find(root: &Path, listing: &Listing, warnings: &mut Vec<String>) -> Option<PathBuf> {
    for page in HTML_PAGES {
        let (first, _) = page.split_once('/').unwrap_or((page, ""));
        // The link sits in <head>: the first MAX_HTML bytes are enough, whatever the page's size.
        let in_listing = if page.contains('/') {
            listing.has_dir(first)
        } else {
            listing.has_file(page)
        };
        if !in_listing {
            continue;
        }
        let Some(head) = fsutil::read_inside_prefix(root, page, root, fsutil::MAX_HTML) else {
            continue;
        };
        if let Some(found) = from_page(root, listing, page, &head, warnings) {
            return Some(found);
        }
    }
    for dir in SERVED_ROOTS {
        if *dir != "." && !listing.has_dir(dir) {
            continue;
        }
        for name in MANIFEST_NAMES {
            let rel = if *dir == "." {
                (*name).to_owned()
            } else {
                format!("{dir}/{name}")
            };
            let exists = if *dir == "." {
                listing.has_file(name)
            } else {
                fsutil::is_file_inside(root, &rel, root)
            };
            if exists && looks_like_web_manifest(root, &rel) {
                return Some(PathBuf::from(rel));
            }
        }
    }
    None
}

fn from_page(
    root: &Path,
    listing: &Listing,
    page: &str,
    bytes: &[u8],
    warnings: &mut Vec<String>,
) -> Option<PathBuf> {
    let html = String::from_utf8_lossy(bytes);
    let href = manifest_href(&html)?;
    let page_dir = Path::new(page).parent().unwrap_or(Path::new(""));
    let found = candidates(&href, page_dir, listing)
        .into_iter()
        .find(|c| fsutil::is_file_inside(root, c, root))
        .map(PathBuf::from);
    if found.is_none() && !href.contains("://") {
        warnings.push(format!(
            "{page} links the web app manifest `{href}`, which is not in the project (it may be generated at build time); its values were not used"
        ));
    }
    found
}

/// A `manifest.json` could be a browser extension's or anything else: accept it only when it
/// parses and has web-manifest fields and no `manifest_version`.
fn looks_like_web_manifest(root: &Path, rel: &str) -> bool {
    let Some(Ok(bytes)) = fsutil::read_inside(root, rel, root, fsutil::MAX_CONFIG) else {
        return false;
    };
    match serde_json::from_slice::<Value>(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes)) {
        Ok(Value::Object(m)) => {
            !m.contains_key("manifest_version")
                && ["name", "short_name", "start_url", "icons", "display"]
                    .iter()
                    .any(|k| m.contains_key(*k))
        }
        _ => false,
    }
}

/// Converts a CSS colour to `#rrggbb`: `#rgb`, `#rrggbb`, `#rrggbbff`, `rgb(r, g, b)` and a few
/// common names. Anything else (transparent, hsl(), var(--x)) gives `None`.
pub(crate) fn css_color(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return match hex.len() {
            3 | 4 if hex.len() == 3 || hex.ends_with('f') => {
                let mut out = String::from("#");
                for c in hex.chars().take(3) {
                    out.push(c);
                    out.push(c);
                }
                Some(out)
            }
            6 => Some(format!("#{hex}")),
            8 if hex.ends_with("ff") => Some(format!("#{}", &hex[..6])),
            _ => None,
        };
    }
    if let Some(inner) = s.strip_prefix("rgb(").and_then(|r| r.strip_suffix(')')) {
        let parts: Vec<u8> = inner
            .split([',', ' '])
            .filter(|p| !p.is_empty())
            .map(|p| p.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .ok()?;
        return match parts.as_slice() {
            [r, g, b] => Some(format!("#{r:02x}{g:02x}{b:02x}")),
            _ => None,
        };
    }
    let named = match s.as_str() {
        "white" => "#ffffff",
        "black" => "#000000",
        "red" => "#ff0000",
        "green" => "#008000",
        "blue" => "#0000ff",
        "yellow" => "#ffff00",
        "gray" | "grey" => "#808080",
        "silver" => "#c0c0c0",
        "navy" => "#000080",
        "orange" => "#ffa500",
        "purple" => "#800080",
        "teal" => "#008080",
        _ => return None,
    };
    Some(named.to_owned())
}

/// Maps a manifest (or Bubblewrap, Cordova) orientation to ours.
pub(crate) fn orientation(s: &str) -> Option<Orientation> {
    match s.trim().to_ascii_lowercase().as_str() {
        "any" | "natural" | "default" | "sensor" | "fullsensor" | "unspecified" => {
            Some(Orientation::Any)
        }
        "portrait" | "portrait-primary" | "portrait-secondary" | "sensorportrait" => {
            Some(Orientation::Portrait)
        }
        "landscape" | "landscape-primary" | "landscape-secondary" | "sensorlandscape" => {
            Some(Orientation::Landscape)
        }
        _ => None,
    }
}

/// Reads the manifest at `rel`. Errors are warnings naming the file.
pub(crate) fn read(
    root: &Path,
    listing: &Listing,
    rel: &Path,
    warnings: &mut Vec<String>,
) -> Option<WebManifest> {
    let rel_s = rel.to_string_lossy();
    let bytes = match fsutil::read_inside(root, &rel_s, root, fsutil::MAX_CONFIG)? {
        Ok(b) => b,
        Err(e) => {
            warnings.push(format!(
                "could not read {rel_s}: {e}; its values were not used"
            ));
            return None;
        }
    };
    let v: Value =
        match serde_json::from_slice(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes)) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                warnings.push(format!(
                    "{rel_s} is not a JSON object; its values were not used"
                ));
                return None;
            }
            Err(e) => {
                warnings.push(format!(
                    "{rel_s} is not valid JSON ({e}); its values were not used"
                ));
                return None;
            }
        };
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
    };
    let dir = rel.parent().unwrap_or(Path::new("")).to_owned();
    let start_url = s("start_url").map(|u| normalize_start_url(&u, &dir));
    Some(WebManifest {
        path: rel.to_owned(),
        name: s("name"),
        short_name: s("short_name"),
        start_url,
        display: s("display"),
        orientation: s("orientation").as_deref().and_then(orientation),
        theme_color: s("theme_color").as_deref().and_then(css_color),
        background_color: s("background_color").as_deref().and_then(css_color),
        icon: best_icon(root, listing, &v, &dir),
    })
}

/// A manifest start_url is relative to the manifest's URL; the app serves the manifest's
/// folder at `/` (or next to the page), so `.`, `./` and `index.html` all mean the app root.
fn normalize_start_url(u: &str, _manifest_dir: &Path) -> String {
    let lower = u.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || u.starts_with('/') {
        return u.to_owned();
    }
    let trimmed = u.trim_start_matches("./");
    if trimmed == "." || trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}")
    }
}

fn best_icon(root: &Path, listing: &Listing, v: &Value, manifest_dir: &Path) -> Option<PathBuf> {
    let icons = v.get("icons")?.as_array()?;
    let mut best: Option<(u32, PathBuf)> = None;
    for icon in icons {
        let Some(src) = icon.get("src").and_then(Value::as_str) else {
            continue;
        };
        let ty = icon.get("type").and_then(Value::as_str).unwrap_or("");
        let path_part = src.split(['?', '#']).next().unwrap_or("");
        let png = ty.eq_ignore_ascii_case("image/png")
            || (ty.is_empty() && path_part.to_ascii_lowercase().ends_with(".png"));
        if !png {
            continue;
        }
        let purpose = icon.get("purpose").and_then(Value::as_str).unwrap_or("any");
        if !purpose.split_ascii_whitespace().any(|p| p == "any") {
            continue;
        }
        let size = icon
            .get("sizes")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split_ascii_whitespace()
            .filter_map(|s| {
                let (w, h) = s
                    .to_ascii_lowercase()
                    .split_once('x')
                    .map(|(a, b)| (a.to_owned(), b.to_owned()))?;
                let (w, h): (u32, u32) = (w.parse().ok()?, h.parse().ok()?);
                (w == h).then_some(w)
            })
            .max()
            .unwrap_or(0);
        if best.as_ref().is_some_and(|(b, _)| *b >= size) {
            continue;
        }
        if let Some(p) = candidates(src, manifest_dir, listing)
            .into_iter()
            .find(|c| fsutil::is_file_inside(root, c, root))
        {
            best = Some((size, PathBuf::from(p)));
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_scanning() {
        assert_eq!(
            manifest_href(r#"<head><LINK href='/app.webmanifest' rel="Manifest"></head>"#)
                .as_deref(),
            Some("/app.webmanifest")
        );
        assert_eq!(
            manifest_href(r#"<link rel=stylesheet href=a.css><link rel=manifest href=m.json />"#)
                .as_deref(),
            Some("m.json")
        );
        assert_eq!(manifest_href("<link rel=\"icon\" href=\"x\">"), None);
        assert_eq!(manifest_href("<link"), None);
    }

    #[test]
    fn colours() {
        assert_eq!(css_color("#ABC").as_deref(), Some("#aabbcc"));
        assert_eq!(css_color("#0d6efd").as_deref(), Some("#0d6efd"));
        assert_eq!(css_color("#0d6efdff").as_deref(), Some("#0d6efd"));
        assert_eq!(css_color("#0d6efd80"), None);
        assert_eq!(css_color("rgb(255, 0, 16)").as_deref(), Some("#ff0010"));
        assert_eq!(css_color("White").as_deref(), Some("#ffffff"));
        assert_eq!(css_color("hsl(1, 2%, 3%)"), None);
    }

    #[test]
    fn href_candidates() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["public", "src"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        let listing = Listing::read(dir.path(), dir.path(), &mut Vec::new()).unwrap();
        let c = candidates("%PUBLIC_URL%/manifest.json", Path::new("public"), &listing);
        assert_eq!(
            c,
            ["public/manifest.json", "src/manifest.json", "manifest.json"]
        );
        let c = candidates("manifest.webmanifest?v=2", Path::new("src"), &listing);
        assert_eq!(c[0], "src/manifest.webmanifest");
        assert!(candidates("https://cdn.example.com/m.json", Path::new(""), &listing).is_empty());
        assert!(candidates("../../etc/passwd", Path::new(""), &listing).is_empty());
        assert_eq!(
            candidates("../public/m.json", Path::new("src"), &listing)[0],
            "public/m.json"
        );
    }
}
