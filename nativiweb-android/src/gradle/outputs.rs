//! Where Gradle (and Flutter, and Cordova) leave what they built: `…/build/outputs/apk/<flavor>/
//! <buildType>/*.apk` (splits included), `…/build/outputs/bundle/<variant>/*.aab`,
//! Flutter's `build/app/outputs/flutter-apk/app-<…>-release.apk`, and R8's
//! `…/outputs/mapping/<variant>/mapping.txt`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::package::Format;

/// Files older than the build's start by more than this are earlier builds' leftovers.
const CLOCK_SLACK: Duration = Duration::from_secs(2);

/// Deepest folder nesting looked into below `apk/` or `bundle/`.
const MAX_DEPTH: usize = 4;

/// The variant asked for: a build type and, optionally, a product flavor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// `release` or `debug`.
    pub build_type: String,
    /// The product flavor (`free`), when the project has flavors and one is chosen.
    pub flavor: Option<String>,
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Variant {
    /// The variant's name as Gradle spells it in task names (`Release`, `FreeRelease`).
    pub fn task_suffix(&self) -> String {
        match &self.flavor {
            Some(f) => format!("{}{}", capitalize(f), capitalize(&self.build_type)),
            None => capitalize(&self.build_type),
        }
    }

    /// The variant's name as Gradle spells it in folder names (`release`, `freeRelease`).
    pub fn name(&self) -> String {
        match &self.flavor {
            Some(f) => format!("{f}{}", capitalize(&self.build_type)),
            None => self.build_type.clone(),
        }
    }

    /// Whether an output folder (relative to `apk/` or `bundle/`) belongs to this variant:
    /// `release`, `free/release`, `freeRelease`.
    fn matches_dir(&self, rel: &Path) -> bool {
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
            .collect();
        let Some(last) = parts.last() else {
            return false;
        };
        let bt = self.build_type.to_ascii_lowercase();
        match &self.flavor {
            Some(f) => {
                let f = f.to_ascii_lowercase();
                *last == format!("{f}{bt}") || (*last == bt && parts.contains(&f))
            }
            None => *last == bt || last.ends_with(&bt),
        }
    }
}

fn modified_since(path: &Path, since: SystemTime) -> bool {
    let floor = since.checked_sub(CLOCK_SLACK).unwrap_or(since);
    path.metadata()
        .and_then(|m| m.modified())
        .map(|t| t >= floor)
        .unwrap_or(false)
}

/// Files with extension `ext` in folders below `base` (to [`MAX_DEPTH`]), with the folder
/// relative to `base`.
fn walk(base: &Path, ext: &str) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![(base.to_owned(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() && depth < MAX_DEPTH {
                stack.push((path, depth + 1));
            } else if ft.is_file()
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case(ext))
            {
                let rel = dir.strip_prefix(base).unwrap_or(&dir).to_owned();
                out.push((path, rel));
            }
        }
    }
    out.sort();
    out
}

/// The `format` outputs of `variant` under a module's `build/outputs` folder, written since
/// `since` (an earlier build's files are not this build's artifacts).
pub fn find(outputs: &Path, format: Format, variant: &Variant, since: SystemTime) -> Vec<PathBuf> {
    let (sub, ext) = match format {
        Format::Apk => ("apk", "apk"),
        Format::Aab => ("bundle", "aab"),
    };
    walk(&outputs.join(sub), ext)
        .into_iter()
        .filter(|(path, rel)| variant.matches_dir(rel) && modified_since(path, since))
        .map(|(path, _)| path)
        .collect()
}

/// Flutter's APKs (`build/app/outputs/flutter-apk/app-release.apk`, and
/// `app-<abi>-release.apk` with `--split-per-abi`), written since `since`.
pub fn find_flutter_apks(dir: &Path, variant: &Variant, since: SystemTime) -> Vec<PathBuf> {
    let suffix = format!("-{}.apk", variant.name().to_ascii_lowercase());
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.to_ascii_lowercase().ends_with(&suffix))
                        && p.is_file()
                        && modified_since(p, since)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// R8's `mapping.txt` for `variant` under a module's `build/outputs`, when this build wrote one.
pub fn find_mapping(outputs: &Path, variant: &Variant, since: SystemTime) -> Option<PathBuf> {
    let file = outputs
        .join("mapping")
        .join(variant.name())
        .join("mapping.txt");
    (file.is_file() && modified_since(&file, since)).then_some(file)
}

/// The name an output gets in the build's out folder: Gradle's own name with the module
/// prefix (`app-`) replaced by `<applicationId>-<version>-`, so `app-release-unsigned.apk`
/// becomes `com.example.app-1.2.0-release-unsigned.apk` (the pipeline's signer then writes
/// `com.example.app-1.2.0-release.apk`).
pub fn artifact_name(file_name: &str, module: &str, app_id: &str, version: &str) -> String {
    let module = Path::new(module)
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|m| *m != ".")
        .unwrap_or("app");
    let rest = file_name
        .strip_prefix(&format!("{module}-"))
        .unwrap_or(file_name);
    format!("{app_id}-{version}-{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn variant_names() {
        let v = Variant {
            build_type: "release".into(),
            flavor: Some("free".into()),
        };
        assert_eq!(v.task_suffix(), "FreeRelease");
        assert_eq!(v.name(), "freeRelease");
        assert!(v.matches_dir(Path::new("free/release")));
        assert!(v.matches_dir(Path::new("freeRelease")));
        assert!(!v.matches_dir(Path::new("paid/release")));
        let r = Variant {
            build_type: "release".into(),
            flavor: None,
        };
        assert!(r.matches_dir(Path::new("release")));
        assert!(r.matches_dir(Path::new("paidRelease")));
        assert!(!r.matches_dir(Path::new("debug")));
    }

    #[test]
    fn outputs_of_this_build_and_variant() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("app/build/outputs");
        let since = SystemTime::now();
        touch(&out.join("apk/release/app-release-unsigned.apk"));
        touch(&out.join("apk/release/app-arm64-v8a-release-unsigned.apk"));
        touch(&out.join("apk/release/output-metadata.json"));
        touch(&out.join("apk/debug/app-debug.apk"));
        touch(&out.join("bundle/release/app-release.aab"));
        let old = out.join("apk/release/app-old-release-unsigned.apk");
        touch(&old);
        let f = std::fs::File::options().write(true).open(&old).unwrap();
        f.set_modified(since - Duration::from_secs(3600)).unwrap();
        let r = Variant {
            build_type: "release".into(),
            flavor: None,
        };
        let apks = find(&out, Format::Apk, &r, since);
        let names: Vec<_> = apks
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "app-arm64-v8a-release-unsigned.apk",
                "app-release-unsigned.apk"
            ]
        );
        assert_eq!(find(&out, Format::Aab, &r, since).len(), 1);
        assert!(find_mapping(&out, &r, since).is_none());
        touch(&out.join("mapping/release/mapping.txt"));
        assert!(find_mapping(&out, &r, since).is_some());
    }

    #[test]
    fn names_carry_the_app() {
        assert_eq!(
            artifact_name("app-release-unsigned.apk", "app", "com.x", "1.2.0"),
            "com.x-1.2.0-release-unsigned.apk"
        );
        assert_eq!(
            artifact_name("mobile-free-release.aab", "apps/mobile", "com.x", "1"),
            "com.x-1-free-release.aab"
        );
        assert_eq!(
            artifact_name("solo-release.apk", ".", "com.x", "1"),
            "com.x-1-solo-release.apk"
        );
    }
}
