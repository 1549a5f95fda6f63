//! Package managers: which one a project uses, and the commands that install and run with it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fsutil::{self, Listing};

/// A JavaScript package manager. Serializes to `npm`, `pnpm`, `yarn`, `bun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    /// npm (ships with Node.js).
    Npm,
    /// pnpm.
    Pnpm,
    /// Yarn, classic (1.x) or berry (2+).
    Yarn,
    /// Bun.
    Bun,
}

impl PackageManager {
    /// The program name, which is also what `detect --json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Npm => "npm",
            PackageManager::Pnpm => "pnpm",
            PackageManager::Yarn => "yarn",
            PackageManager::Bun => "bun",
        }
    }

    /// The argv prefix that runs a package's binary (`npx`, `pnpm exec`, `yarn`, `bunx`).
    pub fn exec_prefix(self) -> &'static [&'static str] {
        match self {
            PackageManager::Npm => &["npx"],
            PackageManager::Pnpm => &["pnpm", "exec"],
            PackageManager::Yarn => &["yarn"],
            PackageManager::Bun => &["bunx"],
        }
    }

    /// What to tell a user who does not have this manager.
    pub fn install_hint(self) -> &'static str {
        match self {
            PackageManager::Npm => "install Node.js (it includes npm) from https://nodejs.org or your system's packages",
            PackageManager::Pnpm => "run `corepack enable` (corepack ships with Node.js) or `npm install -g pnpm`",
            PackageManager::Yarn => "run `corepack enable` (corepack ships with Node.js) or `npm install -g yarn`",
            PackageManager::Bun => "install Bun from https://bun.sh",
        }
    }
}

impl std::fmt::Display for PackageManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PackageManager {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "npm" => Ok(PackageManager::Npm),
            "pnpm" => Ok(PackageManager::Pnpm),
            "yarn" => Ok(PackageManager::Yarn),
            "bun" => Ok(PackageManager::Bun),
            other => Err(format!("unknown package manager `{other}`")),
        }
    }
}

/// A lockfile and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockfile {
    /// `package-lock.json`.
    NpmLock,
    /// `npm-shrinkwrap.json`.
    NpmShrinkwrap,
    /// `pnpm-lock.yaml`.
    Pnpm,
    /// `yarn.lock` written by Yarn 1.
    YarnClassic,
    /// `yarn.lock` written by Yarn 2+ (berry).
    YarnBerry,
    /// `bun.lock` (text, Bun 1.2+).
    Bun,
    /// `bun.lockb` (binary, older Bun).
    BunBinary,
}

impl Lockfile {
    /// Its file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Lockfile::NpmLock => "package-lock.json",
            Lockfile::NpmShrinkwrap => "npm-shrinkwrap.json",
            Lockfile::Pnpm => "pnpm-lock.yaml",
            Lockfile::YarnClassic | Lockfile::YarnBerry => "yarn.lock",
            Lockfile::Bun => "bun.lock",
            Lockfile::BunBinary => "bun.lockb",
        }
    }

    /// The manager that writes it.
    pub fn manager(self) -> PackageManager {
        match self {
            Lockfile::NpmLock | Lockfile::NpmShrinkwrap => PackageManager::Npm,
            Lockfile::Pnpm => PackageManager::Pnpm,
            Lockfile::YarnClassic | Lockfile::YarnBerry => PackageManager::Yarn,
            Lockfile::Bun | Lockfile::BunBinary => PackageManager::Bun,
        }
    }

    /// How specific a lockfile is as a signal when there are several: a stray
    /// package-lock.json is what `npm install` leaves behind in any project, so npm ranks
    /// lowest; bun and pnpm lockfiles are only written by a deliberate choice.
    fn specificity(self) -> u8 {
        match self {
            Lockfile::Bun | Lockfile::BunBinary => 4,
            Lockfile::Pnpm => 3,
            Lockfile::YarnBerry | Lockfile::YarnClassic => 2,
            Lockfile::NpmShrinkwrap => 1,
            Lockfile::NpmLock => 0,
        }
    }
}

/// The names of every lockfile, for listing checks.
pub(crate) const LOCKFILE_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "bun.lockb",
];

/// Tells Yarn classic from berry by the lockfile's header: berry's has a `__metadata:` block
/// and no `# yarn lockfile v1` line.
pub(crate) fn yarn_flavor(path: &Path) -> Lockfile {
    match fsutil::read_prefix(path, fsutil::LOCKFILE_PEEK) {
        Ok(head) => {
            let head = String::from_utf8_lossy(&head);
            if head.contains("# yarn lockfile v1") {
                Lockfile::YarnClassic
            } else if head.contains("__metadata:") {
                Lockfile::YarnBerry
            } else {
                // An empty or unfamiliar lockfile: classic wrote every lockfile before berry
                // existed, berry always writes its metadata first.
                Lockfile::YarnClassic
            }
        }
        Err(_) => Lockfile::YarnClassic,
    }
}

/// The lockfiles present in a directory (its listing already read), most specific first.
pub(crate) fn lockfiles_in(dir: &Path, listing: &Listing) -> Vec<Lockfile> {
    let mut found = Vec::new();
    for name in LOCKFILE_NAMES {
        if !listing.has_file(name) {
            continue;
        }
        found.push(match *name {
            "package-lock.json" => Lockfile::NpmLock,
            "npm-shrinkwrap.json" => Lockfile::NpmShrinkwrap,
            "pnpm-lock.yaml" => Lockfile::Pnpm,
            "yarn.lock" => yarn_flavor(&dir.join(name)),
            "bun.lock" => Lockfile::Bun,
            _ => Lockfile::BunBinary,
        });
    }
    found.sort_by_key(|l| std::cmp::Reverse(l.specificity()));
    found
}

/// Parses a `packageManager` field (`pnpm@9.1.0+sha512.abc`, `yarn@4.1.0`, `npm`) into the
/// manager and, for yarn, whether it is berry (major version 2 or more).
pub(crate) fn parse_field(field: &str) -> Option<(PackageManager, Option<bool>)> {
    let (name, version) = match field.trim().split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (field.trim(), None),
    };
    let pm: PackageManager = name.parse().ok()?;
    let berry = version.and_then(|v| {
        let major: String = v.chars().take_while(char::is_ascii_digit).collect();
        major.parse::<u32>().ok().map(|m| m >= 2)
    });
    Some((pm, berry))
}

/// How dependencies get installed: which manager, in which directory, from which lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallPlan {
    /// The manager.
    pub manager: PackageManager,
    /// The absolute directory to install in (the workspace root for a member).
    pub dir: PathBuf,
    /// The lockfile the install must follow, if there is one for this manager.
    pub lockfile: Option<Lockfile>,
    /// For yarn: whether it is berry (2+). Decided by the lockfile, else the
    /// `packageManager` field, else `.yarnrc.yml`.
    pub yarn_berry: bool,
}

impl InstallPlan {
    /// The install command: frozen to the lockfile when there is one.
    pub fn argv(&self) -> Vec<String> {
        let v: &[&str] = match (self.manager, self.lockfile.is_some()) {
            (PackageManager::Npm, true) => &["npm", "ci"],
            (PackageManager::Npm, false) => &["npm", "install"],
            (PackageManager::Pnpm, true) => &["pnpm", "install", "--frozen-lockfile"],
            (PackageManager::Pnpm, false) => &["pnpm", "install"],
            (PackageManager::Yarn, true) if self.yarn_berry => &["yarn", "install", "--immutable"],
            (PackageManager::Yarn, true) => &["yarn", "install", "--frozen-lockfile"],
            (PackageManager::Yarn, false) => &["yarn", "install"],
            (PackageManager::Bun, true) => &["bun", "install", "--frozen-lockfile"],
            (PackageManager::Bun, false) => &["bun", "install"],
        };
        v.iter().map(|s| (*s).to_owned()).collect()
    }
}

/// The one manager a package.json's scripts call (`yarn build`, `pnpm -r test`, `bun x`), or
/// `None` when they call none or several: a hint for a project with neither a lockfile nor a
/// `packageManager` field (a fresh yarn workspace whose scripts say `yarn` is a yarn one).
pub(crate) fn from_scripts<'a>(
    scripts: impl IntoIterator<Item = &'a String>,
) -> Option<PackageManager> {
    let mut found: Option<PackageManager> = None;
    for script in scripts {
        // Each command of the script: `a && b; c | d`.
        for command in script.split(['&', ';', '|']) {
            let word = command.split_whitespace().next().unwrap_or("");
            let pm = match word {
                "yarn" => PackageManager::Yarn,
                "pnpm" => PackageManager::Pnpm,
                "bun" | "bunx" => PackageManager::Bun,
                _ => continue,
            };
            match found {
                None => found = Some(pm),
                Some(f) if f == pm => {}
                Some(_) => return None,
            }
        }
    }
    found
}

/// Picks the manager: the `packageManager` field first, then the lockfiles, then the one
/// manager the scripts call (`scripts`, see [`from_scripts`]), else npm. Returns the manager,
/// the lockfile to follow, whether yarn is berry, and a warning when the choice was a guess
/// among several lockfiles (or the field and the lockfiles disagree).
pub(crate) fn choose(
    field: Option<&str>,
    lockfiles: &[Lockfile],
    has_yarnrc_yml: bool,
    where_: &str,
    scripts: Option<PackageManager>,
) -> (PackageManager, Option<Lockfile>, bool, Option<String>) {
    let names = |ls: &[Lockfile]| {
        ls.iter()
            .map(|l| l.file_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some((pm, berry)) = field.and_then(parse_field) {
        let lock = lockfiles.iter().copied().find(|l| l.manager() == pm);
        let berry = match lock {
            Some(Lockfile::YarnBerry) => true,
            Some(Lockfile::YarnClassic) => false,
            _ => berry.unwrap_or(has_yarnrc_yml),
        };
        let warning = (lock.is_none() && !lockfiles.is_empty()).then(|| {
            format!(
                "package.json's packageManager says {pm} but {where_} has only {}: the install cannot be frozen to a {pm} lockfile; run `{pm} install` and commit its lockfile, or fix the field",
                names(lockfiles)
            )
        });
        return (pm, lock, berry, warning);
    }
    match lockfiles {
        [] => (scripts.unwrap_or(PackageManager::Npm), None, false, None),
        [only] => (
            only.manager(),
            Some(*only),
            *only == Lockfile::YarnBerry,
            None,
        ),
        [first, ..] => {
            let distinct = lockfiles
                .iter()
                .map(|l| l.manager())
                .collect::<std::collections::BTreeSet<_>>();
            let warning = (distinct.len() > 1).then(|| {
                format!(
                    "{where_} has several lockfiles ({}) and package.json has no packageManager field; using {} (the most specific): delete the others or set \"packageManager\" in package.json",
                    names(lockfiles),
                    first.manager()
                )
            });
            (
                first.manager(),
                Some(*first),
                *first == Lockfile::YarnBerry,
                warning,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_name_one_manager_or_none() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            from_scripts(&s(&[
                "yarn workspaces foreach run build",
                "yarn lint && tsc"
            ])),
            Some(PackageManager::Yarn)
        );
        assert_eq!(
            from_scripts(&s(&["pnpm -r build"])),
            Some(PackageManager::Pnpm)
        );
        assert_eq!(from_scripts(&s(&["vite build", "tsc"])), None);
        assert_eq!(from_scripts(&s(&["yarn a", "pnpm b"])), None);
        // A word inside an argument is not a command.
        assert_eq!(from_scripts(&s(&["echo yarn"])), None);
    }

    #[test]
    fn field_parsing() {
        assert_eq!(
            parse_field("pnpm@9.1.0+sha512.abc"),
            Some((PackageManager::Pnpm, Some(true)))
        );
        assert_eq!(
            parse_field("yarn@1.22.19"),
            Some((PackageManager::Yarn, Some(false)))
        );
        assert_eq!(parse_field("bun"), Some((PackageManager::Bun, None)));
        assert_eq!(parse_field("deno@2"), None);
    }

    #[test]
    fn several_lockfiles_warn() {
        let (pm, lock, _, w) = choose(None, &[Lockfile::Pnpm, Lockfile::NpmLock], false, "x", None);
        assert_eq!(pm, PackageManager::Pnpm);
        assert_eq!(lock, Some(Lockfile::Pnpm));
        assert!(w.unwrap().contains("several lockfiles"));
        let (pm, _, _, w) = choose(
            Some("npm@10"),
            &[Lockfile::Pnpm, Lockfile::NpmLock],
            false,
            "x",
            None,
        );
        assert_eq!(pm, PackageManager::Npm);
        assert!(w.is_none());
        // The scripts decide only when neither a field nor a lockfile does.
        let yarn = Some(PackageManager::Yarn);
        assert_eq!(choose(None, &[], false, "x", yarn).0, PackageManager::Yarn);
        assert_eq!(
            choose(None, &[Lockfile::NpmLock], false, "x", yarn).0,
            PackageManager::Npm
        );
        assert_eq!(
            choose(Some("pnpm@9"), &[], false, "x", yarn).0,
            PackageManager::Pnpm
        );
        let (pm, lock, _, w) = choose(None, &[], false, "x", None);
        assert_eq!((pm, lock, w), (PackageManager::Npm, None, None));
    }

    #[test]
    fn install_commands() {
        let plan = |manager, lockfile, yarn_berry| InstallPlan {
            manager,
            dir: PathBuf::from("/x"),
            lockfile,
            yarn_berry,
        };
        assert_eq!(
            plan(PackageManager::Npm, Some(Lockfile::NpmLock), false).argv(),
            ["npm", "ci"]
        );
        assert_eq!(
            plan(PackageManager::Npm, None, false).argv(),
            ["npm", "install"]
        );
        assert_eq!(
            plan(PackageManager::Yarn, Some(Lockfile::YarnBerry), true).argv(),
            ["yarn", "install", "--immutable"]
        );
        assert_eq!(
            plan(PackageManager::Yarn, Some(Lockfile::YarnClassic), false).argv(),
            ["yarn", "install", "--frozen-lockfile"]
        );
        assert_eq!(
            plan(PackageManager::Bun, Some(Lockfile::Bun), false).argv(),
            ["bun", "install", "--frozen-lockfile"]
        );
    }
}
