//! What goes into an app: the one filter every packager and project generator uses to turn a
//! web bundle folder into the list of files an app ships.
//!
//! A web bundle folder is often more than the site: for a plain static site it is the project
//! folder itself, with its `.env`, its keys, its `node_modules` and the APKs earlier builds
//! wrote there. Shipping those leaks secrets to anyone who unzips the app, so nativiweb decides
//! here, once, what a bundle may hold. Left out, always:
//!
//! | what | why |
//! |---|---|
//! | dotfiles and dot-folders (`.env`, `.git/`, `.DS_Store`), except `.well-known/` | private or tool state; `.well-known/` is served by web apps (asset links, security.txt) |
//! | `node_modules/`, `CVS/` | dependencies and version-control state, never served |
//! | keys and keystores: `*.jks`, `*.keystore`, `*.p12`, `*.pfx`, `*.pem`, `*.p8`, `*.key`, `*.mobileprovision`, `*.provisionprofile`, `id_rsa` and the other SSH key names | signing and server credentials |
//! | files whose first bytes are a PEM private key or a Google service-account key | credentials under an innocent name |
//! | `nativiweb.toml` | the build's own config |
//! | nativiweb's outputs: `*.apk`, `*.aab`, `*.apks`, `*.ipa`, `*.idsig`, our `artifacts.json`, and the folders the build stores artifacts in | earlier builds, which would otherwise be packed into the next one |
//! | `Thumbs.db`, `desktop.ini` | operating-system litter |
//! | what the user's `exclude` globs match | the user said so |
//!
//! When the bundle folder is the project folder itself (a static site with `web_dir = "."`),
//! the project's own files at its top are left out too: `README*`, `LICENSE*`, `CHANGELOG*`,
//! `*.md`, `package.json`, lockfiles, `tsconfig.json`, `Dockerfile`, `Makefile` and the
//! like ([`PROJECT_FILES`]).
//!
//! [`collect`] walks a bundle with a [`BundleFilter`] and returns the files that go in, sorted,
//! plus what was left out and why; [`Bundle::warnings`] names the left-out files that looked
//! like secrets, so a user learns they were sitting in the web folder.
//!
//! ```
//! use nativiweb_core::bundle::{collect, BundleFilter, LeftOutReason};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("index.html"), "<h1>hi</h1>")?;
//! std::fs::write(dir.path().join(".env"), "API_KEY=x")?;
//! std::fs::write(dir.path().join("app.js.map"), "{}")?;
//! let filter = BundleFilter::new(&["*.map".to_owned()])?;
//! let bundle = collect(dir.path(), &filter)?;
//! assert_eq!(bundle.files.len(), 1);
//! assert_eq!(bundle.files[0].rel, "index.html");
//! assert!(bundle.left_out.iter().any(|l| l.rel == ".env" && l.reason == LeftOutReason::Hidden));
//! assert!(bundle.warnings()[0].contains(".env"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::glob::{Glob, GlobSet};

/// Folder names left out wherever they are.
const SKIPPED_DIRS: &[&str] = &["node_modules", "CVS"];

/// The one dot-folder a bundle keeps.
const KEPT_DOT_DIR: &str = ".well-known";

/// Extensions of keys, keystores and provisioning profiles (lowercase).
const KEY_EXTENSIONS: &[&str] = &[
    "jks",
    "keystore",
    "p12",
    "pfx",
    "pem",
    "p8",
    "key",
    "mobileprovision",
    "provisionprofile",
];

/// File names of private SSH keys.
const KEY_NAMES: &[&str] = &["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk"];

/// Extensions of the artifacts nativiweb (and other Android/iOS tools) write (lowercase).
const OUTPUT_EXTENSIONS: &[&str] = &["apk", "aab", "apks", "ipa", "idsig"];

/// The manifest nativiweb's local sink writes next to artifacts.
const ARTIFACTS_MANIFEST: &str = "artifacts.json";

/// Operating-system litter (dotfiles like `.DS_Store` are left out as dotfiles).
const OS_LITTER: &[&str] = &["Thumbs.db", "desktop.ini"];

/// A project's own files, left out of a bundle whose folder is the project folder itself (a
/// static site): matched at the bundle's top level, case-insensitively; a trailing `*` matches
/// any rest of the name.
pub const PROJECT_FILES: &[&str] = &[
    "readme*",
    "license*",
    "licence*",
    "copying*",
    "changelog*",
    "changes*",
    "contributing*",
    "code_of_conduct*",
    "authors*",
    "security.md",
    "*.md",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "bun.lock",
    "bun.lockb",
    "tsconfig*.json",
    "jsconfig.json",
    "dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "makefile",
    "netlify.toml",
    "vercel.json",
    "firebase.json",
    "twa-manifest.json",
    "capacitor.config.json",
    "capacitor.config.ts",
    "capacitor.config.js",
];

/// Only files this small are read to look for key material in them.
const SNIFF_MAX_SIZE: u64 = 64 * 1024;
/// How many bytes of such a file are read.
const SNIFF_BYTES: usize = 4096;
/// Extensions (lowercase; "" for none) of files whose head is checked for key material: the
/// text formats credentials are saved in. Scripts, styles and pages are not read.
const SNIFF_EXTENSIONS: &[&str] = &[
    "",
    "txt",
    "json",
    "cfg",
    "conf",
    "ini",
    "yml",
    "yaml",
    "properties",
    "asc",
    "sec",
    "secret",
    "crt",
    "cer",
    "der",
    "env",
    "bak",
    "old",
];

/// Why a file or folder was left out of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
#[non_exhaustive]
pub enum LeftOutReason {
    /// A dotfile or dot-folder (other than `.well-known/`).
    Hidden,
    /// `node_modules/` or a version-control folder.
    Dependencies,
    /// A key, keystore or provisioning profile, by its name.
    Key,
    /// A file whose contents are a private key or a service-account key.
    KeyMaterial,
    /// `nativiweb.toml`.
    Config,
    /// An artifact or manifest nativiweb (or another app build tool) wrote.
    BuildOutput,
    /// A folder the build stores its artifacts in (`--out`).
    OutputFolder,
    /// A project file of a static site (README, package.json...).
    ProjectFile,
    /// Operating-system litter.
    OsLitter,
    /// Matched one of the user's `exclude` globs (the glob).
    Excluded(String),
    /// A symlink to a folder (not followed, so a bundle cannot loop or leave its folder).
    SymlinkedFolder,
}

impl LeftOutReason {
    /// True when the thing left out looked like a secret (a key, a dotfile such as `.env`):
    /// worth telling the user it was sitting in the web folder.
    pub fn looks_secret(&self) -> bool {
        matches!(self, LeftOutReason::Key | LeftOutReason::KeyMaterial)
    }

    fn describe(&self) -> String {
        match self {
            LeftOutReason::Hidden => "hidden file".to_owned(),
            LeftOutReason::Dependencies => "dependencies or version control".to_owned(),
            LeftOutReason::Key => "key or keystore".to_owned(),
            LeftOutReason::KeyMaterial => "holds a private key".to_owned(),
            LeftOutReason::Config => "nativiweb's config".to_owned(),
            LeftOutReason::BuildOutput => "a built app or nativiweb output".to_owned(),
            LeftOutReason::OutputFolder => "the folder artifacts are stored in".to_owned(),
            LeftOutReason::ProjectFile => "project file".to_owned(),
            LeftOutReason::OsLitter => "system file".to_owned(),
            LeftOutReason::Excluded(glob) => format!("matches exclude glob `{glob}`"),
            LeftOutReason::SymlinkedFolder => "symlink to a folder".to_owned(),
        }
    }
}

/// Dotfiles that hold secrets by convention: left out as hidden files like any dotfile, but
/// named in [`Bundle::warnings`].
fn secret_dotfile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == ".env"
        || lower.starts_with(".env.")
        || lower == ".npmrc"
        || lower == ".netrc"
        || lower == ".pgpass"
        || lower == ".htpasswd"
        || lower == ".git-credentials"
        || lower == ".ssh"
        || lower == ".aws"
}

/// Why a bundle could not be listed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// An `exclude` glob does not parse.
    #[error("invalid `exclude` glob {glob:?}: {message}; write globs like \"*.map\", \"docs/**\" or \"/drafts/\"")]
    BadGlob {
        /// The glob as written.
        glob: String,
        /// The parser's message.
        message: String,
    },
    /// A folder or file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file name cannot go in an app archive.
    #[error(
        "web bundle file {path} has a name that is not valid UTF-8 or contains `\\`; rename it"
    )]
    BadName {
        /// The file.
        path: PathBuf,
    },
}

/// The rules one build applies to its web bundle: the fixed ones above, the user's `exclude`
/// globs, and the folders the build writes to.
#[derive(Debug, Clone, Default)]
pub struct BundleFilter {
    globs: Option<GlobSet>,
    patterns: Vec<Pattern>,
    skipped: HashSet<(u64, u64)>,
    project_files: bool,
}

/// One user glob: its text, and whether it matches only folders (a trailing `/`).
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    dir_only: bool,
}

impl BundleFilter {
    /// A filter with the fixed rules and the user's `exclude` globs (from `nativiweb.toml`).
    ///
    /// Globs are matched against paths relative to the bundle folder, gitignore-style: a glob
    /// without `/` matches a name at any depth (`*.map`), one with a `/` is anchored at the
    /// bundle's top (`docs/drafts/**`, `/notes.txt`), and a trailing `/` matches only folders
    /// (`drafts/`); a matched folder is left out whole.
    pub fn new(exclude: &[String]) -> Result<Self, BundleError> {
        let mut filter = BundleFilter::default();
        if exclude.is_empty() {
            return Ok(filter);
        }
        let mut set = GlobSet::default();
        for raw in exclude {
            let (glob, dir_only) = normalize_glob(raw);
            let compiled = Glob::new(&glob).map_err(|e| BundleError::BadGlob {
                glob: raw.clone(),
                message: e.reason.to_owned(),
            })?;
            set.push(compiled);
            filter.patterns.push(Pattern {
                text: raw.clone(),
                dir_only,
            });
        }
        filter.globs = Some(set);
        Ok(filter)
    }

    /// Also leaves out the folder at `path` wherever it appears inside the bundle (the build's
    /// `--out` folder, its work dir). A path that does not exist yet is ignored: there is
    /// nothing in it to package.
    pub fn skip_folder(mut self, path: &Path) -> Self {
        if let Ok(m) = std::fs::metadata(path) {
            self.skipped.insert((m.dev(), m.ino()));
        }
        self
    }

    /// Also leaves out the project's own files at the bundle's top ([`PROJECT_FILES`]): for a
    /// bundle folder that is the project folder itself.
    pub fn project_files(mut self, on: bool) -> Self {
        self.project_files = on;
        self
    }

    /// Why `rel` (a path relative to the bundle, `/`-separated) is left out, judging by its
    /// name alone; `None` when the name may go in.
    pub fn check_name(&self, rel: &str, is_dir: bool) -> Option<LeftOutReason> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let top = !rel.contains('/');
        if name.starts_with('.') && !(is_dir && name == KEPT_DOT_DIR) {
            return Some(LeftOutReason::Hidden);
        }
        if let Some(glob) = self.user_glob(rel, is_dir) {
            return Some(LeftOutReason::Excluded(glob));
        }
        if is_dir {
            if SKIPPED_DIRS.contains(&name) {
                return Some(LeftOutReason::Dependencies);
            }
            return None;
        }
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
        if KEY_EXTENSIONS.contains(&ext) || KEY_NAMES.contains(&lower.as_str()) {
            return Some(LeftOutReason::Key);
        }
        if name == crate::config::CONFIG_FILE {
            return Some(LeftOutReason::Config);
        }
        if OUTPUT_EXTENSIONS.contains(&ext) {
            return Some(LeftOutReason::BuildOutput);
        }
        if OS_LITTER.iter().any(|l| l.eq_ignore_ascii_case(name)) {
            return Some(LeftOutReason::OsLitter);
        }
        if top && self.project_files && PROJECT_FILES.iter().any(|p| name_matches(p, &lower)) {
            return Some(LeftOutReason::ProjectFile);
        }
        None
    }

    fn user_glob(&self, rel: &str, is_dir: bool) -> Option<String> {
        let set = self.globs.as_ref()?;
        set.matches(rel)
            .into_iter()
            .map(|i| &self.patterns[i])
            .find(|p| is_dir || !p.dir_only)
            .map(|p| p.text.clone())
    }
}

/// A user glob as the matcher takes it, and whether it matches folders only.
fn normalize_glob(raw: &str) -> (String, bool) {
    let trimmed = raw.trim();
    let (body, dir_only) = match trimmed.strip_suffix('/') {
        Some(b) => (b, true),
        None => (trimmed, false),
    };
    let glob = match body.strip_prefix('/') {
        Some(anchored) => anchored.to_owned(),
        None if body.contains('/') => body.to_owned(),
        None => format!("**/{body}"),
    };
    (glob, dir_only)
}

/// `pattern` (lowercase, an optional `*` at either end) against a lowercase name.
fn name_matches(pattern: &str, name: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(suffix), _) => name.ends_with(suffix),
        (None, Some(prefix)) => name.starts_with(prefix),
        (None, None) => {
            if let Some((start, end)) = pattern.split_once('*') {
                name.len() >= start.len() + end.len()
                    && name.starts_with(start)
                    && name.ends_with(end)
            } else {
                name == pattern
            }
        }
    }
}

/// One file that goes into the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Its path relative to the bundle folder, `/`-separated.
    pub rel: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// One file or folder left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// Its path relative to the bundle folder (folders end without `/`).
    pub rel: String,
    /// Whether it is a folder (left out with everything in it).
    pub is_dir: bool,
    /// Why.
    #[serde(flatten)]
    pub reason: LeftOutReason,
}

/// A listed web bundle: what goes in, sorted by path, and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    /// The bundle folder.
    pub root: PathBuf,
    /// The files that go into the app, sorted by [`BundleFile::rel`].
    pub files: Vec<BundleFile>,
    /// What was left out, sorted by path.
    pub left_out: Vec<LeftOut>,
}

impl Bundle {
    /// The total size of the files that go in.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Warnings for the user: secret-looking files that were sitting in the web folder (they
    /// were left out, but they should not be there), naming them.
    pub fn warnings(&self) -> Vec<String> {
        let secrets: Vec<&str> = self
            .left_out
            .iter()
            .filter(|l| {
                l.reason.looks_secret()
                    || (l.reason == LeftOutReason::Hidden
                        && secret_dotfile(l.rel.rsplit('/').next().unwrap_or(&l.rel)))
            })
            .map(|l| l.rel.as_str())
            .collect();
        if secrets.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "the web bundle folder {} holds files that look secret: {}; nativiweb left them out of the app, but anything in that folder may end up on a web server too: move them out of it",
            self.root.display(),
            list(&secrets, 25)
        )]
    }

    /// One line saying what was left out, grouped by reason (for the build log); `None` when
    /// nothing was.
    pub fn summary(&self) -> Option<String> {
        summarize(&self.left_out)
    }
}

/// One line saying what `left_out` holds, grouped by reason (for the build log); `None` when
/// it is empty. [`Bundle::summary`] for a bundle's own list.
pub fn summarize(left_out: &[LeftOut]) -> Option<String> {
    if left_out.is_empty() {
        return None;
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for l in left_out {
        let label = l.reason.describe();
        let name = if l.is_dir {
            format!("{}/", l.rel)
        } else {
            l.rel.clone()
        };
        match groups.iter_mut().find(|(g, _)| *g == label) {
            Some((_, names)) => names.push(name),
            None => groups.push((label, vec![name])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(label, names)| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("{} ({label})", list(&names, 5))
        })
        .collect();
    Some(format!("left out of the app: {}", parts.join("; ")))
}

/// `a, b, c and 4 more`.
fn list(names: &[&str], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).copied().collect();
    let mut text = shown.join(", ");
    if names.len() > max {
        text.push_str(&format!(" and {} more", names.len() - max));
    }
    text
}

/// Lists the files of the bundle at `root` that go into the app, applying `filter`.
///
/// Symlinks to files are followed (their target's bytes go in); symlinks to folders are left
/// out, so a bundle can neither loop nor reach outside its folder through one.
pub fn collect(root: &Path, filter: &BundleFilter) -> Result<Bundle, BundleError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BundleError::Io { path, source }
    };
    let mut bundle = Bundle {
        root: root.to_owned(),
        ..Bundle::default()
    };
    let mut stack = vec![(root.to_owned(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(BundleError::BadName { path });
            };
            if name.contains('\\') {
                return Err(BundleError::BadName { path });
            }
            let rel = format!("{prefix}{name}");
            let file_type = entry.file_type().map_err(io(&path))?;
            // Follows a symlink; a dangling one is skipped like a missing file.
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&path)(e)),
            };
            let mut left_out = |reason: LeftOutReason, is_dir: bool| {
                bundle.left_out.push(LeftOut {
                    rel: rel.clone(),
                    is_dir,
                    reason,
                });
            };
            if meta.is_dir() {
                if file_type.is_symlink() {
                    left_out(LeftOutReason::SymlinkedFolder, true);
                } else if filter.skipped.contains(&(meta.dev(), meta.ino())) {
                    left_out(LeftOutReason::OutputFolder, true);
                } else if let Some(reason) = filter.check_name(&rel, true) {
                    left_out(reason, true);
                } else {
                    stack.push((path, format!("{rel}/")));
                }
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            if let Some(reason) = filter.check_name(&rel, false) {
                left_out(reason, false);
            } else if let Some(reason) = sniff(&path, &name, meta.len()) {
                left_out(reason, false);
            } else {
                bundle.files.push(BundleFile {
                    rel,
                    path,
                    size: meta.len(),
                });
            }
        }
    }
    bundle.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    bundle.left_out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(bundle)
}

/// Looks into small text-format files for key material and into `artifacts.json` for
/// nativiweb's manifest. Unreadable files are left to the packager, which reports them.
fn sniff(path: &Path, name: &str, size: u64) -> Option<LeftOutReason> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    let manifest = lower == ARTIFACTS_MANIFEST;
    if size > SNIFF_MAX_SIZE || !(manifest || SNIFF_EXTENSIONS.contains(&ext)) {
        return None;
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let file = std::fs::File::open(path).ok()?;
    file.take(SNIFF_BYTES as u64).read_to_end(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head);
    if manifest && text.contains("\"sha256\"") && text.contains("\"platform\"") {
        return Some(LeftOutReason::BuildOutput);
    }
    let pem_key = text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----");
    let service_account = text.contains("\"private_key\"")
        && (text.contains("\"service_account\"") || text.contains("\"client_email\""));
    (pem_key || service_account).then_some(LeftOutReason::KeyMaterial)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str, body: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    fn rels(b: &Bundle) -> Vec<&str> {
        b.files.iter().map(|f| f.rel.as_str()).collect()
    }

    #[test]
    fn private_files_are_left_out_and_named() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for (rel, body) in [
            ("index.html", "<p>"),
            ("assets/app.js", "1"),
            (".well-known/assetlinks.json", "[]"),
            (".env", "SECRET=1"),
            (".env.production", "SECRET=2"),
            (".git/config", "x"),
            ("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----"),
            ("node_modules/x/index.js", "x"),
            ("sub/node_modules/y.js", "y"),
            ("upload.jks", "k"),
            ("release.keystore", "k"),
            ("cert.P12", "k"),
            ("AuthKey_ABC.p8", "k"),
            ("server.pem", "k"),
            ("app.mobileprovision", "k"),
            ("nativiweb.toml", "id = 1"),
            ("old/app.apk", "PK"),
            ("old/app.aab", "PK"),
            ("Thumbs.db", ""),
            ("notes.txt", "-----BEGIN RSA PRIVATE KEY-----\nabc"),
            (
                "sa.json",
                r#"{"type": "service_account", "private_key": "x", "client_email": "a@b"}"#,
            ),
            ("data.json", r#"{"ok": true}"#),
        ] {
            touch(r, rel, body);
        }
        let b = collect(r, &BundleFilter::new(&[]).unwrap()).unwrap();
        assert_eq!(
            rels(&b),
            [
                ".well-known/assetlinks.json",
                "assets/app.js",
                "data.json",
                "index.html"
            ]
        );
        let reason = |rel: &str| {
            b.left_out
                .iter()
                .find(|l| l.rel == rel)
                .map(|l| l.reason.clone())
        };
        assert_eq!(reason(".env"), Some(LeftOutReason::Hidden));
        assert_eq!(reason(".git"), Some(LeftOutReason::Hidden));
        assert_eq!(reason("id_rsa"), Some(LeftOutReason::Key));
        assert_eq!(reason("node_modules"), Some(LeftOutReason::Dependencies));
        assert_eq!(
            reason("sub/node_modules"),
            Some(LeftOutReason::Dependencies)
        );
        assert_eq!(reason("cert.P12"), Some(LeftOutReason::Key));
        assert_eq!(reason("nativiweb.toml"), Some(LeftOutReason::Config));
        assert_eq!(reason("old/app.apk"), Some(LeftOutReason::BuildOutput));
        assert_eq!(reason("Thumbs.db"), Some(LeftOutReason::OsLitter));
        assert_eq!(reason("notes.txt"), Some(LeftOutReason::KeyMaterial));
        assert_eq!(reason("sa.json"), Some(LeftOutReason::KeyMaterial));
        let warnings = b.warnings().join("\n");
        for named in [
            ".env",
            ".env.production",
            "id_rsa",
            "upload.jks",
            "notes.txt",
            "sa.json",
        ] {
            assert!(warnings.contains(named), "{named} not in {warnings}");
        }
        assert!(!warnings.contains("node_modules"), "{warnings}");
        let summary = b.summary().unwrap();
        assert!(summary.contains("node_modules/ ("), "{summary}");
    }

    #[test]
    fn user_globs_match_like_gitignore() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for rel in [
            "index.html",
            "app.js",
            "app.js.map",
            "deep/x/y.js.map",
            "drafts/a.html",
            "docs/drafts/b.html",
            "docs/keep.html",
            "notes.txt",
            "sub/notes.txt",
        ] {
            touch(r, rel, "x");
        }
        let globs = ["*.map", "/notes.txt", "docs/drafts/**", "drafts/"].map(String::from);
        let b = collect(r, &BundleFilter::new(&globs).unwrap()).unwrap();
        assert_eq!(
            rels(&b),
            ["app.js", "docs/keep.html", "index.html", "sub/notes.txt"]
        );
        let excluded: Vec<(&str, &LeftOutReason)> = b
            .left_out
            .iter()
            .map(|l| (l.rel.as_str(), &l.reason))
            .collect();
        assert!(excluded.contains(&("drafts", &LeftOutReason::Excluded("drafts/".into()))));
        assert!(excluded.contains(&("app.js.map", &LeftOutReason::Excluded("*.map".into()))));
    }

    #[test]
    fn bad_globs_are_named() {
        let e = BundleFilter::new(&["src/[a".to_owned()]).unwrap_err();
        assert!(e.to_string().contains("src/[a"), "{e}");
    }

    #[test]
    fn project_files_only_at_the_top_of_a_project_folder_bundle() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for rel in [
            "index.html",
            "README.md",
            "LICENSE",
            "package.json",
            "tsconfig.app.json",
            "Dockerfile",
            "docs/README.md",
        ] {
            touch(r, rel, "x");
        }
        let plain = collect(r, &BundleFilter::default()).unwrap();
        assert_eq!(plain.files.len(), 7);
        let site = collect(r, &BundleFilter::default().project_files(true)).unwrap();
        assert_eq!(rels(&site), ["docs/README.md", "index.html"]);
    }

    #[test]
    fn output_folders_and_our_manifest_are_left_out() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        touch(r, "index.html", "x");
        touch(r, "dist/whatever.bin", "x");
        touch(r, "api/artifacts.json", r#"{"files": []}"#);
        touch(
            r,
            "old/artifacts.json",
            r#"[{"name":"a.apk","kind":"apk","platform":"android","size":1,"sha256":"00"}]"#,
        );
        let filter = BundleFilter::default().skip_folder(&r.join("dist"));
        let b = collect(r, &filter).unwrap();
        assert_eq!(rels(&b), ["api/artifacts.json", "index.html"]);
        assert!(b
            .left_out
            .iter()
            .any(|l| l.rel == "dist" && l.reason == LeftOutReason::OutputFolder));
    }

    #[test]
    fn folder_symlinks_are_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        touch(r, "index.html", "x");
        touch(r, "real/a.js", "x");
        std::os::unix::fs::symlink(r.join("real"), r.join("loop")).unwrap();
        std::os::unix::fs::symlink(r.join("real/a.js"), r.join("b.js")).unwrap();
        let b = collect(r, &BundleFilter::default()).unwrap();
        assert_eq!(rels(&b), ["b.js", "index.html", "real/a.js"]);
    }
}
