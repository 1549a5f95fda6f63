//! Where a framework writes its bundle, read from the project's own config when it says.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::framework::{Framework, VITE_CONFIGS};
use super::fsutil::{self, Listing};
use super::jsconfig::{strip_jsonc, JsScan};
use super::package_json::{major_version, PackageJson};

/// A directory and whether it came from a config file or a framework default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// The bundle directory, relative to the project root (normalized; may start with `..`
    /// when a config writes outside the project).
    pub dir: PathBuf,
    /// True when the project's own config named it.
    pub configured: bool,
    /// Why the build, as configured, will not give a static bundle (Next.js without
    /// `output: 'export'`, SvelteKit without adapter-static).
    pub not_static: Option<String>,
}

/// What output-dir detection reads from.
pub(crate) struct Input<'a> {
    /// The project directory (absolute).
    pub dir: &'a Path,
    /// Reads never leave this directory.
    pub boundary: &'a Path,
    /// The project directory's listing.
    pub listing: &'a Listing,
    /// Its package.json.
    pub pkg: Option<&'a PackageJson>,
    /// Prefix for file names in warnings (`apps/web/`, or empty).
    pub label: &'a str,
}

impl Input<'_> {
    fn read_text(&self, name: &str, warnings: &mut Vec<String>) -> Option<String> {
        fsutil::read_config_text(self.dir, name, self.boundary, self.label, warnings)
    }

    fn js(&self, names: &[&str], warnings: &mut Vec<String>) -> Option<JsScan> {
        let name = self.listing.first_file(names)?;
        self.read_text(name, warnings).map(|t| JsScan::parse(&t))
    }

    fn script(&self, name: &str) -> Option<&str> {
        self.pkg.and_then(|p| p.script(name))
    }
}

/// Expo config files that may set `web.bundler`, in Expo CLI's order.
const EXPO_CONFIGS: &[&str] = &[
    "app.config.ts",
    "app.config.js",
    "app.config.mjs",
    "app.config.cjs",
];

/// True when an Expo app bundles its web build with webpack: SDK 49 and older default to
/// webpack (`expo export:web` into `web-build/`) unless `expo.web.bundler` is `metro`; SDK 50
/// removed webpack, so from 50 on it is Metro (`expo export -p web` into `dist/`).
pub(crate) fn expo_uses_webpack(input: &Input<'_>, warnings: &mut Vec<String>) -> bool {
    let sdk = input
        .pkg
        .and_then(|p| p.deps.get("expo"))
        .and_then(|spec| major_version(spec));
    let old_sdk = matches!(sdk, Some(v) if v < 50);
    if !old_sdk {
        return false;
    }
    let from_json = input
        .listing
        .has_file("app.json")
        .then(|| input.read_text("app.json", warnings))
        .flatten()
        .and_then(|t| serde_json::from_str::<Value>(&strip_jsonc(&t)).ok())
        .and_then(|v| {
            let expo = v.get("expo").unwrap_or(&v);
            expo.pointer("/web/bundler")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let bundler = from_json.or_else(|| {
        input.js(EXPO_CONFIGS, warnings).and_then(|js| {
            js.get_str(&["expo", "web", "bundler"])
                .or_else(|| js.get_str(&["web", "bundler"]))
                .map(str::to_owned)
        })
    });
    bundler.as_deref() != Some("metro")
}

/// Where an Expo app's web export goes: `web-build/` with webpack, `dist/` with Metro.
pub(crate) fn expo(input: &Input<'_>, warnings: &mut Vec<String>) -> Output {
    Output {
        dir: PathBuf::from(if expo_uses_webpack(input, warnings) {
            "web-build"
        } else {
            "dist"
        }),
        configured: false,
        not_static: None,
    }
}

/// The value after `flag` in a command line (`--out-dir x` or `--out-dir=x`).
pub(crate) fn flag_value<'a>(script: &'a str, flags: &[&str]) -> Option<&'a str> {
    let mut words = script.split_whitespace();
    while let Some(w) = words.next() {
        for f in flags {
            if w == *f {
                return words
                    .next()
                    .filter(|v| !v.starts_with('-') && !v.contains("&&"));
            }
            if let Some(v) = w.strip_prefix(f).and_then(|r| r.strip_prefix('=')) {
                return Some(v.trim_matches(['"', '\'']));
            }
        }
    }
    None
}

fn configured(dir: PathBuf) -> Output {
    Output {
        dir,
        configured: true,
        not_static: None,
    }
}

fn default(fw: Framework) -> Output {
    Output {
        dir: PathBuf::from(fw.default_output()),
        configured: false,
        not_static: None,
    }
}

/// The output directory of `fw` (the framework that actually builds) in `input`'s project.
pub(crate) fn for_framework(
    fw: Framework,
    input: &Input<'_>,
    warnings: &mut Vec<String>,
) -> Output {
    let from_script = |flags: &[&str]| {
        input
            .script("build")
            .and_then(|s| flag_value(s, flags))
            .and_then(fsutil::normalize_rel)
            .map(configured)
    };
    match fw {
        Framework::Angular | Framework::IonicAngular => angular(input, warnings),
        Framework::Vite | Framework::IonicReact | Framework::IonicVue => {
            vite(input, warnings).unwrap_or_else(|| default(fw))
        }
        Framework::Astro => input
            .js(
                &[
                    "astro.config.mjs",
                    "astro.config.ts",
                    "astro.config.js",
                    "astro.config.mts",
                ],
                warnings,
            )
            .and_then(|js| js.get_str(&["outDir"]).and_then(fsutil::normalize_rel))
            .map(configured)
            .unwrap_or_else(|| default(fw)),
        Framework::Nextjs => nextjs(input, warnings),
        Framework::Nuxt => {
            let v2 = input
                .pkg
                .and_then(|p| p.dep("nuxt"))
                .and_then(major_version)
                .is_some_and(|m| m < 3);
            if v2 {
                Output {
                    dir: PathBuf::from("dist"),
                    configured: false,
                    not_static: None,
                }
            } else {
                default(fw)
            }
        }
        Framework::Sveltekit => sveltekit(input, warnings),
        Framework::VueCli => input
            .js(
                &[
                    "vue.config.js",
                    "vue.config.cjs",
                    "vue.config.mjs",
                    "vue.config.ts",
                ],
                warnings,
            )
            .and_then(|js| js.get_str(&["outputDir"]).and_then(fsutil::normalize_rel))
            .map(configured)
            .unwrap_or_else(|| default(fw)),
        Framework::Vitepress => {
            // `vitepress build docs` builds docs/ into docs/.vitepress/dist.
            let src = input.script("build").and_then(|s| {
                let mut w = s.split_whitespace().skip_while(|w| *w != "vitepress");
                w.next();
                (w.next() == Some("build"))
                    .then(|| w.next())
                    .flatten()
                    .filter(|d| !d.starts_with('-'))
            });
            let src = src.map(str::to_owned).or_else(|| {
                (input.listing.has_dir("docs")
                    && fsutil::is_dir_inside(input.dir, "docs/.vitepress", input.boundary))
                .then(|| "docs".to_owned())
            });
            match src.and_then(|s| fsutil::join_rel(Path::new(&s), ".vitepress/dist")) {
                Some(d) => Output {
                    dir: d,
                    configured: true,
                    not_static: None,
                },
                None => default(fw),
            }
        }
        Framework::Eleventy => from_script(&["--output"])
            .or_else(|| {
                input
                    .js(
                        &[
                            "eleventy.config.js",
                            "eleventy.config.mjs",
                            "eleventy.config.cjs",
                            ".eleventy.js",
                        ],
                        warnings,
                    )
                    .and_then(|js| {
                        js.find_str_suffix(&["dir", "output"])
                            .and_then(fsutil::normalize_rel)
                    })
                    .map(configured)
            })
            .unwrap_or_else(|| default(fw)),
        Framework::Docusaurus => from_script(&["--out-dir"]).unwrap_or_else(|| default(fw)),
        Framework::Parcel => from_script(&["--dist-dir", "-d"]).unwrap_or_else(|| default(fw)),
        Framework::PreactCli => from_script(&["--dest"]).unwrap_or_else(|| default(fw)),
        Framework::Quasar => {
            let mode = input
                .script("build")
                .and_then(|s| flag_value(s, &["-m", "--mode"]));
            match mode {
                Some(m @ ("pwa" | "spa")) => Output {
                    dir: PathBuf::from(format!("dist/{m}")),
                    configured: true,
                    not_static: None,
                },
                _ => default(fw),
            }
        }
        Framework::ReactRouter => input
            .js(
                &["react-router.config.ts", "react-router.config.js"],
                warnings,
            )
            .and_then(|js| {
                js.get_str(&["buildDirectory"])
                    .and_then(|d| fsutil::join_rel(Path::new(d), "client"))
            })
            .map(configured)
            .unwrap_or_else(|| default(fw)),
        Framework::Remix => vite(input, warnings)
            .filter(|o| o.configured)
            .map(|o| configured(o.dir.join("client")))
            .unwrap_or_else(|| default(fw)),
        _ => default(fw),
    }
}

/// Vite's `build.outDir`, relative to its `root` option, from the first vite.config.*.
fn vite(input: &Input<'_>, warnings: &mut Vec<String>) -> Option<Output> {
    let js = input.js(VITE_CONFIGS, warnings)?;
    let root = js.get_str(&["root"]);
    let out = js.get_str(&["build", "outDir"]);
    if root.is_none() && out.is_none() {
        return None;
    }
    let base = root
        .and_then(fsutil::normalize_rel)
        .unwrap_or_else(|| PathBuf::from("."));
    fsutil::join_rel(&base, out.unwrap_or("dist")).map(configured)
}

fn nextjs(input: &Input<'_>, warnings: &mut Vec<String>) -> Output {
    let js = input.js(
        &[
            "next.config.js",
            "next.config.mjs",
            "next.config.ts",
            "next.config.cjs",
        ],
        warnings,
    );
    let output = js.as_ref().and_then(|j| j.get_str(&["output"]));
    let dist_dir = js.as_ref().and_then(|j| j.get_str(&["distDir"]));
    if output == Some("export") {
        // With `output: 'export'` a custom distDir is where the export goes.
        let dir = dist_dir
            .filter(|d| fsutil::normalize_rel(d) != Some(PathBuf::from(".next")))
            .and_then(fsutil::normalize_rel)
            .unwrap_or_else(|| PathBuf::from("out"));
        return configured(dir);
    }
    // Next.js 13 and older: `next build && next export [-o dir]`.
    if let Some(script) = input.script("build").filter(|s| s.contains("next export")) {
        let dir = flag_value(script, &["-o", "--outdir"])
            .and_then(fsutil::normalize_rel)
            .unwrap_or_else(|| PathBuf::from("out"));
        return configured(dir);
    }
    let why = format!(
        "{}Next.js must export statically to be packaged: set `output: 'export'` in next.config (see Next.js's static exports guide); without it `next build` makes a server app with no index.html to bundle",
        input.label
    );
    warnings.push(why.clone());
    Output {
        dir: PathBuf::from("out"),
        configured: false,
        not_static: Some(why),
    }
}

fn sveltekit(input: &Input<'_>, warnings: &mut Vec<String>) -> Output {
    let js = input.js(
        &["svelte.config.js", "svelte.config.mjs", "svelte.config.ts"],
        warnings,
    );
    let static_dep = input
        .pkg
        .is_some_and(|p| p.has_dep("@sveltejs/adapter-static"));
    let static_import = js
        .as_ref()
        .is_some_and(|j| j.has_string("@sveltejs/adapter-static"));
    if static_dep || static_import {
        let pages = js
            .as_ref()
            .and_then(|j| j.get_str(&["kit", "adapter", "pages"]))
            .and_then(fsutil::normalize_rel);
        return match pages {
            Some(p) => configured(p),
            None => Output {
                dir: PathBuf::from("build"),
                configured: true,
                not_static: None,
            },
        };
    }
    let why = format!(
        "{}SvelteKit needs @sveltejs/adapter-static to produce a static bundle: install it and set `adapter: adapter()` from '@sveltejs/adapter-static' in svelte.config.js",
        input.label
    );
    warnings.push(why.clone());
    Output {
        dir: PathBuf::from("build"),
        configured: false,
        not_static: Some(why),
    }
}

/// angular.json: the build target's `outputPath` (a string, or `{ base, browser }`), plus
/// `/browser` for the application builder, which writes the browser bundle there.
fn angular(input: &Input<'_>, warnings: &mut Vec<String>) -> Output {
    let fallback = Output {
        dir: PathBuf::from("dist"),
        configured: false,
        not_static: None,
    };
    let Some(text) = input.read_text("angular.json", warnings) else {
        return fallback;
    };
    let v: Value = match serde_json::from_str(&strip_jsonc(&text)) {
        Ok(v) => v,
        Err(e) => {
            warnings.push(format!(
                "{}angular.json is not valid JSON ({e}); assumed the output is dist/",
                input.label
            ));
            return fallback;
        }
    };
    let Some(projects) = v.get("projects").and_then(Value::as_object) else {
        return fallback;
    };
    let apps: Vec<(&String, &Value)> = projects
        .iter()
        .filter(|(_, p)| {
            p.get("projectType")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "application")
        })
        .collect();
    let chosen = v
        .get("defaultProject")
        .and_then(Value::as_str)
        .and_then(|d| projects.get_key_value(d))
        .or_else(|| match apps.as_slice() {
            [one] => Some(*one),
            [] => None,
            many => {
                let pick = many
                    .iter()
                    .find(|(_, p)| p.get("root").and_then(Value::as_str) == Some(""))
                    .unwrap_or(&many[0]);
                warnings.push(format!(
                    "{}angular.json has {} applications; using `{}`: set web_dir in nativiweb.toml to use another",
                    input.label,
                    many.len(),
                    pick.0
                ));
                Some(*pick)
            }
        });
    let Some((name, project)) = chosen else {
        return fallback;
    };
    let build = project
        .get("architect")
        .or_else(|| project.get("targets"))
        .and_then(|a| a.get("build"));
    let builder = build
        .and_then(|b| b.get("builder"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let application = builder.ends_with(":application");
    let out = build
        .and_then(|b| b.get("options"))
        .and_then(|o| o.get("outputPath"));
    let dir = match out {
        Some(Value::String(s)) => {
            let base = fsutil::normalize_rel(s);
            if application {
                base.and_then(|b| fsutil::join_rel(&b, "browser"))
            } else {
                base
            }
        }
        Some(Value::Object(o)) => {
            let base = o
                .get("base")
                .and_then(Value::as_str)
                .and_then(fsutil::normalize_rel);
            let browser = o
                .get("browser")
                .and_then(Value::as_str)
                .unwrap_or("browser");
            base.and_then(|b| {
                if browser.is_empty() {
                    Some(b)
                } else {
                    fsutil::join_rel(&b, browser)
                }
            })
        }
        _ => fsutil::normalize_rel(&format!("dist/{name}")).and_then(|b| {
            if application {
                fsutil::join_rel(&b, "browser")
            } else {
                Some(b)
            }
        }),
    };
    match dir {
        Some(d) => Output {
            dir: d,
            configured: out.is_some(),
            not_static: None,
        },
        None => fallback,
    }
}

/// Tauri's `build.frontendDist` (v2) or `build.distDir` (v1) in src-tauri/tauri.conf.json or
/// Tauri.toml, relative to the project root. URLs (a dev server) give `None`.
pub(crate) fn tauri(input: &Input<'_>, warnings: &mut Vec<String>) -> Option<PathBuf> {
    if !input.listing.has_dir("src-tauri") {
        return None;
    }
    let base = Path::new("src-tauri");
    let value = if fsutil::is_file_inside(input.dir, "src-tauri/tauri.conf.json", input.boundary) {
        let text = input.read_text("src-tauri/tauri.conf.json", warnings)?;
        match serde_json::from_str::<Value>(&strip_jsonc(&text)) {
            Ok(v) => v
                .get("build")
                .and_then(|b| b.get("frontendDist").or_else(|| b.get("distDir")))
                .and_then(Value::as_str)
                .map(str::to_owned),
            Err(e) => {
                warnings.push(format!(
                    "{}src-tauri/tauri.conf.json is not valid JSON ({e}); ignored it",
                    input.label
                ));
                None
            }
        }
    } else if fsutil::is_file_inside(input.dir, "src-tauri/Tauri.toml", input.boundary) {
        let text = input.read_text("src-tauri/Tauri.toml", warnings)?;
        match toml::from_str::<toml::Value>(&text) {
            Ok(v) => v
                .get("build")
                .and_then(|b| b.get("frontend-dist").or_else(|| b.get("frontendDist")))
                .and_then(toml::Value::as_str)
                .map(str::to_owned),
            Err(e) => {
                warnings.push(format!(
                    "{}src-tauri/Tauri.toml is not valid TOML ({e}); ignored it",
                    input.label
                ));
                None
            }
        }
    } else {
        None
    }?;
    if value.contains("://") {
        return None;
    }
    fsutil::join_rel(base, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert_eq!(
            flag_value("docusaurus build --out-dir www", &["--out-dir"]),
            Some("www")
        );
        assert_eq!(
            flag_value("eleventy --output=public", &["--output"]),
            Some("public")
        );
        assert_eq!(
            flag_value("next build && next export -o static", &["-o"]),
            Some("static")
        );
        assert_eq!(flag_value("parcel build", &["--dist-dir"]), None);
    }
}
