//! Helpers shared by the generator's tests: an app config, a web bundle, a generation.
#![allow(dead_code)]

pub mod signing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_core::config::{AppConfig, PartialAppConfig};
use nativiweb_ios::{GenerateOptions, Generated, XcodeProject};

/// An app config from `nativiweb.toml` text (`id` and `name` given unless the text sets them).
pub fn app(extra: &str) -> AppConfig {
    let sets = |key: &str| extra.lines().any(|l| l.trim_start().starts_with(key));
    let mut text = String::new();
    if !sets("id =") {
        text.push_str("id = \"com.example.hello\"\n");
    }
    if !sets("name =") {
        text.push_str("name = \"Hello\"\n");
    }
    text.push_str(extra);
    let layer = PartialAppConfig::from_toml(&text, Path::new("nativiweb.toml")).unwrap();
    AppConfig::resolve(layer, None).unwrap()
}

/// A project folder with a built web bundle in `dist/`, including files that must never ship.
pub fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    let files: &[(&str, &str)] = &[
        (
            "index.html",
            "<!doctype html><title>Hello</title><script src=app.js></script>",
        ),
        ("app.js", "console.log('hi')"),
        ("style.css", "body{margin:0}"),
        ("docs/index.html", "<h1>Docs</h1>"),
        ("about.html", "<h1>About</h1>"),
        ("img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
        (".well-known/assetlinks.json", "[]"),
        (".env", "API_KEY=secret"),
        ("release.p12", "not really a key"),
        ("node_modules/lib/index.js", "module.exports = 1"),
        ("nativiweb.toml", "id = \"x.y\""),
        ("old.ipa", "zip"),
    ];
    for (rel, text) in files {
        let path = dist.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, dist)
}

/// Generates into `out`, panicking with the error on failure.
pub fn generate(
    app: &AppConfig,
    web: Option<&Path>,
    project: &Path,
    out: &Path,
    options: &GenerateOptions,
) -> Generated {
    XcodeProject::generate(app, web, project, out, options)
        .unwrap_or_else(|e| panic!("generate failed: {e}"))
}

/// Every file under `dir`, relative, `/`-separated, with its bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// `python3`, when it is there and can import every module in `modules`; else skips (or fails
/// under NATIVIWEB_REQUIRE_TOOLS=1).
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = nativiweb_core::testing::tool("python3")?;
    let imports = modules.join(", ");
    let ok = Command::new(&python)
        .args(["-c", &format!("import {imports}")])
        .output()
        .is_ok_and(|o| o.status.success());
    nativiweb_core::testing::require(
        &format!("Python modules {imports} (scripts/install.d/ios.sh installs them)"),
        ok,
    )
    .then_some(python)
}

/// Runs `program args`, returning stdout; panics with stderr when it fails.
pub fn run(program: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{} {:?} failed ({}):\n{}\n{}",
        program.display(),
        args,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A test oracle script from `tests/oracles/`.
pub fn oracle(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracles")
        .join(name)
}
