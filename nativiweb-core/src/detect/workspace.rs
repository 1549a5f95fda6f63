//! Monorepos: which tool declares the workspace, and which folders are its members.
//!
//! Members are found by walking only where a pattern can match: from each pattern's literal
//! prefix (`apps` for `apps/*`), no deeper than the pattern reaches (one level for `*`, a
//! bounded depth for `**`), never into `node_modules`, hidden folders or build outputs, and
//! never through a symlink that leaves the root or loops. A monorepo with gigabytes of
//! `node_modules` costs the same as one without.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::glob::{Glob, GlobSet};
use serde_json::Value;

use super::fsutil::{self, EntryType, Listing};
use super::package_json::PackageJson;
use super::yaml::{self, Yaml};

/// Deepest level a `**` pattern (or Nx's project.json search) is followed to.
const MAX_GLOB_DEPTH: usize = 8;
/// How deep Nx's project.json search goes (apps/x, libs/scope/y, packages/a/b/c).
const NX_DEPTH: usize = 4;
/// Most members listed (a cap against pathological patterns).
pub(crate) const MAX_MEMBERS: usize = 10_000;

/// What the workspace root declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkspaceSpec {
    /// The tool to report (`pnpm`, `npm`, `yarn`, `bun`, `lerna`, `nx`, `turbo`, `rush`).
    pub tool: String,
    /// Member patterns (`apps/*`, `!**/test/**`).
    pub patterns: Vec<String>,
    /// Members named one by one (rush.json's projectFolder).
    pub explicit: Vec<String>,
    /// Whether to look for Nx `project.json` files.
    pub nx_scan: bool,
}

/// The files that mark a workspace root.
pub(crate) const MARKERS: &[&str] = &[
    "pnpm-workspace.yaml",
    "lerna.json",
    "nx.json",
    "turbo.json",
    "rush.json",
];

/// Reads the workspace declaration at `dir`, if there is one. `pkg` is the root package.json
/// and `pm` the package manager (which names a `workspaces` workspace). Problems go to
/// `warnings`, naming the file.
pub(crate) fn spec(
    dir: &Path,
    boundary: &Path,
    listing: &Listing,
    pkg: Option<&PackageJson>,
    pm: &str,
    label: &str,
    warnings: &mut Vec<String>,
) -> Option<WorkspaceSpec> {
    let mut patterns: Vec<String> = Vec::new();
    let mut tool: Option<&str> = None;
    let mut explicit = Vec::new();
    let mut found = false;

    let read_json = |name: &str, warnings: &mut Vec<String>| {
        fsutil::read_config_json(dir, name, boundary, label, warnings)
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };

    if listing.has_file("pnpm-workspace.yaml") {
        found = true;
        tool = Some("pnpm");
        let text = fsutil::read_config_text(dir, "pnpm-workspace.yaml", boundary, label, warnings);
        match text.as_deref().map(yaml::parse) {
            Some(Ok(y)) => patterns.extend(
                y.get("packages")
                    .map(Yaml::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Yaml::as_str)
                    .map(str::to_owned),
            ),
            Some(Err(e)) => warnings.push(format!(
                "{label}pnpm-workspace.yaml is not valid YAML ({e}); ignored its package list"
            )),
            None => {}
        }
    }
    if let Some(ws) = pkg.and_then(|p| p.workspaces.as_ref()) {
        found = true;
        if tool.is_none() {
            tool = Some(match pm {
                "yarn" => "yarn",
                "bun" => "bun",
                "pnpm" => "pnpm",
                _ => "npm",
            });
        }
        patterns.extend(ws.iter().cloned());
    }
    if listing.has_file("turbo.json") {
        found = true;
        tool = Some("turbo");
    }
    if listing.has_file("lerna.json") {
        found = true;
        tool = Some("lerna");
        if let Some(v) = read_json("lerna.json", warnings) {
            let own = strings(v.get("packages"));
            if !own.is_empty() {
                patterns.extend(own);
            } else if patterns.is_empty() {
                patterns.push("packages/*".into());
            }
        }
    }
    let mut nx_scan = false;
    if listing.has_file("nx.json") {
        found = true;
        tool = Some("nx");
        nx_scan = true;
    }
    if listing.has_file("rush.json") {
        found = true;
        tool = Some("rush");
        if let Some(v) = read_json("rush.json", warnings) {
            if let Some(projects) = v.get("projects").and_then(Value::as_array) {
                explicit.extend(
                    projects
                        .iter()
                        .filter_map(|p| p.get("projectFolder").and_then(Value::as_str))
                        .map(str::to_owned),
                );
            }
        }
    }
    found.then(|| WorkspaceSpec {
        tool: tool.unwrap_or("npm").to_owned(),
        patterns,
        explicit,
        nx_scan,
    })
}

/// A member folder found by the walk, with its listing (read once, reused by detection).
pub(crate) struct FoundMember {
    /// Path relative to the workspace root (`/`-separated).
    pub rel: String,
    /// Its absolute path.
    pub abs: PathBuf,
    /// Its listing.
    pub listing: Listing,
}

fn clean_pattern(p: &str) -> String {
    let p = p.trim();
    let p = p.strip_prefix("./").unwrap_or(p);
    let p = p.trim_end_matches('/');
    p.to_owned()
}

struct Patterns {
    include: GlobSet,
    exclude: GlobSet,
    /// Literal prefixes to walk from, with the depth to walk below them.
    starts: Vec<(String, usize)>,
}

fn build_patterns(raw: &[String], warnings: &mut Vec<String>, file: &str) -> Option<Patterns> {
    let mut include = GlobSet::default();
    let mut exclude = GlobSet::default();
    let mut starts: BTreeMap<String, usize> = BTreeMap::new();
    let mut any = false;
    for p in raw {
        let (neg, body) = match p.trim().strip_prefix('!') {
            Some(rest) => (true, clean_pattern(rest)),
            None => (false, clean_pattern(p)),
        };
        if body.is_empty() || body.starts_with('/') || body.split('/').any(|c| c == "..") {
            if !neg {
                warnings.push(format!(
                    "{file}: workspace pattern `{p}` points outside the workspace; ignored it"
                ));
            }
            continue;
        }
        // Match `<dir>/package.json` against `<pattern>/package.json`, as pnpm and npm do, so
        // that `**` may match no folder at all (`!**/test/**` excludes `packages/test`).
        let glob = match Glob::new(&format!("{body}/package.json")) {
            Ok(g) => g,
            Err(e) => {
                warnings.push(format!(
                    "{file}: workspace pattern `{p}` is not a valid glob ({e}); ignored it"
                ));
                continue;
            }
        };
        if neg {
            exclude.push(glob);
            continue;
        }
        include.push(glob);
        any = true;
        let comps: Vec<&str> = body
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let literal: Vec<&str> = comps
            .iter()
            .take_while(|c| !c.contains(['*', '?', '[', '{']))
            .copied()
            .collect();
        let rest = comps.len() - literal.len();
        let depth = if comps[literal.len()..].contains(&"**") {
            MAX_GLOB_DEPTH
        } else {
            rest
        };
        let prefix = literal.join("/");
        let e = starts.entry(prefix).or_insert(0);
        *e = (*e).max(depth);
    }
    if !any {
        return None;
    }
    Some(Patterns {
        include,
        exclude,
        starts: starts.into_iter().collect(),
    })
}

struct Walker<'a> {
    root: &'a Path,
    visited_links: HashSet<PathBuf>,
    outside: Vec<String>,
}

impl Walker<'_> {
    /// Visits `rel` (whose real path is `real`) and up to `depth` levels below it, calling
    /// `visit` with each folder's listing; `visit` returns whether to go deeper.
    fn walk(
        &mut self,
        rel: &str,
        real: &Path,
        depth: usize,
        visit: &mut dyn FnMut(&str, &Path, &Listing) -> bool,
    ) {
        let Ok(listing) = Listing::read(real, self.root, &mut self.outside) else {
            return;
        };
        let deeper = visit(rel, real, &listing);
        if !deeper || depth == 0 {
            return;
        }
        for entry in listing.entries() {
            if entry.ty != EntryType::Dir || fsutil::is_skipped_dir(&entry.name) {
                continue;
            }
            let child_real = match &entry.link_target {
                Some(target) => {
                    // A symlink: follow it once, and never into one of its own ancestors.
                    if real.starts_with(target) || !self.visited_links.insert(target.clone()) {
                        continue;
                    }
                    target.clone()
                }
                None => real.join(&entry.name),
            };
            let child_rel = if rel.is_empty() {
                entry.name.clone()
            } else {
                format!("{rel}/{}", entry.name)
            };
            self.walk(&child_rel, &child_real, depth - 1, visit);
        }
    }
}

/// Finds the members of the workspace at `root`. `file` names the declaring file in warnings.
pub(crate) fn members(
    root: &Path,
    spec: &WorkspaceSpec,
    warnings: &mut Vec<String>,
) -> Vec<FoundMember> {
    let mut found: BTreeMap<String, FoundMember> = BTreeMap::new();
    let mut walker = Walker {
        root,
        visited_links: HashSet::new(),
        outside: Vec::new(),
    };
    if let Some(pats) = build_patterns(&spec.patterns, warnings, "workspace") {
        for (prefix, depth) in &pats.starts {
            if prefix
                .split('/')
                .any(|c| c == "node_modules" || c == ".git")
            {
                continue;
            }
            let real = if prefix.is_empty() {
                root.to_owned()
            } else if fsutil::is_dir_inside(root, prefix, root) {
                match std::fs::canonicalize(root.join(prefix)) {
                    Ok(r) => r,
                    Err(_) => continue,
                }
            } else {
                continue;
            };
            let mut visit = |rel: &str, real: &Path, listing: &Listing| {
                if !rel.is_empty() && listing.has_file("package.json") && found.len() < MAX_MEMBERS
                {
                    let probe = format!("{rel}/package.json");
                    if pats.include.is_match(&probe) && !pats.exclude.is_match(&probe) {
                        found.entry(rel.to_owned()).or_insert_with(|| FoundMember {
                            rel: rel.to_owned(),
                            abs: real.to_owned(),
                            listing: listing.clone(),
                        });
                    }
                }
                true
            };
            walker.walk(prefix, &real, *depth, &mut visit);
        }
    }
    for folder in &spec.explicit {
        let Some(rel) = fsutil::normalize_rel(folder) else {
            continue;
        };
        if !fsutil::stays_inside(&rel) || rel == Path::new(".") {
            warnings.push(format!(
                "rush.json: projectFolder `{folder}` points outside the workspace; ignored it"
            ));
            continue;
        }
        let rel_s = rel.to_string_lossy().into_owned();
        if found.contains_key(&rel_s) || !fsutil::is_dir_inside(root, &rel_s, root) {
            continue;
        }
        let Ok(abs) = std::fs::canonicalize(root.join(&rel)) else {
            continue;
        };
        if let Ok(listing) = Listing::read(&abs, root, &mut walker.outside) {
            found.insert(
                rel_s.clone(),
                FoundMember {
                    rel: rel_s,
                    abs,
                    listing,
                },
            );
        }
    }
    if spec.nx_scan {
        let mut visit = |rel: &str, real: &Path, listing: &Listing| {
            if rel.is_empty() {
                return true;
            }
            let project = listing.has_file("project.json");
            if project && found.len() < MAX_MEMBERS {
                found.entry(rel.to_owned()).or_insert_with(|| FoundMember {
                    rel: rel.to_owned(),
                    abs: real.to_owned(),
                    listing: listing.clone(),
                });
            }
            // A project's own folders (src, assets) hold no further projects worth the walk.
            !(project || listing.has_file("package.json"))
        };
        let root_owned = root.to_owned();
        walker.walk("", &root_owned, NX_DEPTH, &mut visit);
    }
    found.into_values().collect()
}

/// True when `rel` (a member path relative to a workspace root) is matched by the workspace's
/// patterns (used when detecting a member, to confirm it belongs to the workspace above it).
pub(crate) fn matches(spec: &WorkspaceSpec, rel: &str) -> bool {
    if spec
        .explicit
        .iter()
        .any(|f| fsutil::normalize_rel(f).is_some_and(|p| p.to_string_lossy() == rel))
    {
        return true;
    }
    let mut ignored = Vec::new();
    match build_patterns(&spec.patterns, &mut ignored, "") {
        Some(p) => {
            let probe = format!("{rel}/package.json");
            p.include.is_match(&probe) && !p.exclude.is_match(&probe)
        }
        // Nx and turbo without patterns: a project.json makes it a member.
        None => spec.nx_scan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_matching() {
        let spec = WorkspaceSpec {
            tool: "pnpm".into(),
            patterns: vec![
                "./apps/*".into(),
                "packages/**".into(),
                "!**/test/**".into(),
            ],
            explicit: vec![],
            nx_scan: false,
        };
        assert!(matches(&spec, "apps/web"));
        assert!(!matches(&spec, "apps/web/nested"));
        assert!(matches(&spec, "packages/a/b"));
        assert!(!matches(&spec, "packages/test"));
        assert!(!matches(&spec, "packages/x/test/y"));
        assert!(!matches(&spec, "other"));
    }
}
