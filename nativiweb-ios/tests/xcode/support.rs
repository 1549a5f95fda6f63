//! Shared by the xcode_builder tests (included with `#[path]`): projects of every kind, the
//! stand-in tools of this folder on an explicit toolchain, a fake home for the installed
//! profile, a fake keychain search list, real credentials (tests/common/signing.rs), the
//! pipeline that builds them, and the records the stand-ins leave.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::sink::LocalDirSink;
use nativiweb_core::source::DirectorySource;
use nativiweb_core::{ArtifactKind, BuildReport, CancellationToken, Pipeline, Platform};
use nativiweb_ios::build::{
    Toolchain, XcodeBuilder, XcodeOptions, XcodeSigning, CERTIFICATE_PASSWORD_SECRET,
};
use nativiweb_ios::credentials::ProvisioningProfile;
use secrecy::SecretString;

use crate::common::signing::{fixtures, write_profile, Fixtures, Spec, PASSWORD, TEAM};

pub const BUNDLE: &str = "com.example.hello";
pub const VERSION: &str = "1.2.0";
pub const BUILD: u64 = 42;

/// The folder of the stand-in tools.
pub fn standins() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xcode")
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The project kinds the tests build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A web app: nativiweb generates the Xcode project.
    Web,
    /// A plain Xcode project, with or without a Podfile.
    Xcode {
        pods: bool,
    },
    /// Capacitor with CocoaPods (ios/App/Podfile) or Swift Package Manager.
    Capacitor {
        pods: bool,
    },
    ReactNative,
    Expo {
        with_ios: bool,
    },
    Flutter,
}

fn nativiweb_toml(dir: &Path, extra: &str) {
    write(
        &dir.join("nativiweb.toml"),
        &format!("id = \"{BUNDLE}\"\nname = \"Hello\"\nversion = \"{VERSION}\"\nbuild = {BUILD}\n{extra}"),
    );
}

fn xcodeproj(dir: &Path, name: &str) {
    write(
        &dir.join(format!("{name}.xcodeproj/project.pbxproj")),
        "// !$*UTF8*$!\n{ archiveVersion = 1; objects = {}; }\n",
    );
}

/// A project of `kind` at `dir`.
pub fn project(dir: &Path, kind: Kind) {
    match kind {
        Kind::Web => {
            nativiweb_toml(dir, "web_dir = \"dist\"\n");
            write(
                &dir.join("dist/index.html"),
                "<!doctype html><h1>hello</h1>",
            );
            write(&dir.join("dist/app.js"), "console.log('hi')");
        }
        Kind::Xcode { pods } => {
            nativiweb_toml(dir, "");
            xcodeproj(dir, "Hello");
            if pods {
                write(
                    &dir.join("Podfile"),
                    "platform :ios, '15.0'\ntarget 'Hello' do\nend\n",
                );
            }
        }
        Kind::Capacitor { pods } => {
            nativiweb_toml(dir, "");
            write(
                &dir.join("package.json"),
                "{\"name\":\"cap\",\"version\":\"1.2.0\",\"scripts\":{\"build\":\"vite build\"},\"dependencies\":{\"@capacitor/core\":\"^7.0.0\",\"@capacitor/ios\":\"^7.0.0\"},\"devDependencies\":{\"@capacitor/cli\":\"^7.0.0\",\"vite\":\"^6.0.0\"}}",
            );
            write(
                &dir.join("capacitor.config.json"),
                &format!("{{\"appId\":\"{BUNDLE}\",\"appName\":\"Hello\",\"webDir\":\"dist\"}}"),
            );
            write(&dir.join("dist/index.html"), "<!doctype html><h1>cap</h1>");
            xcodeproj(&dir.join("ios/App"), "App");
            if pods {
                write(
                    &dir.join("ios/App/Podfile"),
                    "platform :ios, '14.0'\ntarget 'App' do\nend\n",
                );
            } else {
                write(
                    &dir.join("ios/App/CapApp-SPM/Package.swift"),
                    "// swift-tools-version: 5.9\n",
                );
            }
        }
        Kind::ReactNative => {
            nativiweb_toml(dir, "");
            write(
                &dir.join("package.json"),
                "{\"name\":\"hello\",\"version\":\"1.2.0\",\"dependencies\":{\"react\":\"19.0.0\",\"react-native\":\"0.79.0\"}}",
            );
            write(
                &dir.join("index.js"),
                "import {AppRegistry} from 'react-native';\n",
            );
            xcodeproj(&dir.join("ios"), "hello");
            write(
                &dir.join("ios/Podfile"),
                "platform :ios, '15.1'\ntarget 'hello' do\nend\n",
            );
        }
        Kind::Expo { with_ios } => {
            nativiweb_toml(dir, "");
            write(
                &dir.join("package.json"),
                "{\"name\":\"hello\",\"version\":\"1.2.0\",\"main\":\"expo-router/entry\",\"dependencies\":{\"expo\":\"~53.0.0\",\"react\":\"19.0.0\",\"react-native\":\"0.79.0\"}}",
            );
            write(
                &dir.join("app.json"),
                &format!("{{\"expo\":{{\"name\":\"Hello\",\"slug\":\"hello\",\"ios\":{{\"bundleIdentifier\":\"{BUNDLE}\"}}}}}}"),
            );
            if with_ios {
                xcodeproj(&dir.join("ios"), "hello");
                write(&dir.join("ios/Podfile"), "platform :ios, '15.1'\n");
            }
        }
        Kind::Flutter => {
            nativiweb_toml(dir, "");
            write(
                &dir.join("pubspec.yaml"),
                "name: hello\nversion: 1.2.0+42\nenvironment:\n  sdk: ^3.5.0\ndependencies:\n  flutter:\n    sdk: flutter\n",
            );
            write(&dir.join("lib/main.dart"), "void main() {}\n");
            xcodeproj(&dir.join("ios"), "Runner");
            write(
                &dir.join("ios/Runner.xcworkspace/contents.xcworkspacedata"),
                "<Workspace/>",
            );
        }
    }
}

/// A real .ipa layout (a zip with Payload/App.app/…), what the stand-in export "writes".
pub fn make_ipa(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in [
        (
            "Payload/App.app/Info.plist",
            "<plist>CFBundleIdentifier com.example.hello</plist>",
        ),
        ("Payload/App.app/App", "fake arm64 executable"),
        ("Payload/App.app/embedded.mobileprovision", "profile"),
        ("Payload/App.app/_CodeSignature/CodeResources", "<plist/>"),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// Everything one test build needs, in one temp dir.
pub struct Bench {
    pub tmp: tempfile::TempDir,
    pub project: PathBuf,
    pub bin: PathBuf,
    pub log: PathBuf,
    pub state: PathBuf,
    pub home: PathBuf,
    pub out: PathBuf,
    pub ipa: PathBuf,
    pub p12: PathBuf,
    pub profile: PathBuf,
    pub uuid: String,
    pub cert_sha1: String,
    /// The user's keychain search list before the build.
    pub search_list: String,
    /// Extra environment for the build (STANDIN_MODE and such).
    pub env: BTreeMap<String, String>,
    pub fixtures: &'static Fixtures,
}

impl Bench {
    /// A project of `kind`, the stand-ins, an App Store profile for the fixtures'
    /// distribution certificate; `None` (the test skips) without OpenSSL to make them.
    pub fn new(kind: Kind) -> Option<Bench> {
        let f = fixtures()?;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let project = root.join("proj");
        self::project(&project, kind);
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["xcodebuild", "security", "pod", "npx", "flutter"] {
            std::fs::copy(standins().join(tool), bin.join(tool)).unwrap();
            std::fs::set_permissions(bin.join(tool), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let log = root.join("log");
        let state = root.join("state");
        let home = root.join("home");
        for d in [&log, &state, &home] {
            std::fs::create_dir_all(d).unwrap();
        }
        let search_list = format!(
            "{0}/Library/Keychains/login.keychain-db\n/Library/Keychains/System.keychain\n",
            home.display()
        );
        std::fs::write(state.join("search-list"), &search_list).unwrap();
        let ipa = root.join("fixture.ipa");
        make_ipa(&ipa);
        let profile = write_profile(f, &Spec::app_store(f));
        let parsed = ProvisioningProfile::open(&profile).unwrap();
        let cert_sha1 = parsed.developer_certificates[0].summary().sha1.clone();
        Some(Bench {
            out: root.join("out"),
            tmp,
            project,
            bin,
            log,
            state,
            home,
            ipa,
            p12: f.dist_p12.clone(),
            uuid: parsed.uuid.clone(),
            profile,
            cert_sha1,
            search_list,
            env: BTreeMap::new(),
            fixtures: f,
        })
    }

    pub fn root(&self) -> PathBuf {
        self.tmp.path().canonicalize().unwrap()
    }

    /// The explicit toolchain: every stand-in, the fake home.
    pub fn toolchain(&self) -> Toolchain {
        Toolchain::new(
            self.bin.join("xcodebuild"),
            self.bin.join("security"),
            &self.home,
        )
        .pod(self.bin.join("pod"))
        .npx(self.bin.join("npx"))
        .flutter(self.bin.join("flutter"))
    }

    pub fn signing(&self) -> XcodeSigning {
        XcodeSigning::Manual {
            certificate: self.p12.clone(),
            profile: self.profile.clone(),
        }
    }

    pub fn builder(&self, options: XcodeOptions) -> XcodeBuilder {
        XcodeBuilder::with_toolchain(self.toolchain())
            .signing(self.signing())
            .options(options)
    }

    /// The pipeline: directory source, the xcode builder, a local sink, no signer (the ipa is
    /// signed by xcodebuild's export), the p12 password as the build's secret.
    pub fn pipeline_with(&self, builder: XcodeBuilder) -> Pipeline {
        let mut p = Pipeline::new(
            Box::new(DirectorySource::new(&self.project).keep_build_outputs(true)),
            Box::new(builder),
            Box::new(LocalDirSink::new(&self.out)),
        )
        .platform(Platform::Ios)
        .format(ArtifactKind::Ipa)
        .skip_web_build(true)
        .secret(CERTIFICATE_PASSWORD_SECRET, SecretString::from(PASSWORD))
        .env("HOME", self.home.display().to_string())
        .env("STANDIN_DIR", standins().display().to_string())
        .env("STANDIN_LOG", self.log.display().to_string())
        .env("STANDIN_STATE", self.state.display().to_string())
        .env("STANDIN_IPA", self.ipa.display().to_string());
        for (k, v) in &self.env {
            p = p.env(k.clone(), v.clone());
        }
        p
    }

    pub fn pipeline(&self) -> Pipeline {
        self.pipeline_with(self.builder(XcodeOptions::default()))
    }

    /// Runs the pipeline; returns the report and every log line.
    pub async fn run(
        &self,
        pipeline: Pipeline,
        cancel: CancellationToken,
    ) -> (BuildReport, Vec<String>) {
        let (events, mut rx) = event_channel();
        let report = pipeline.run(events, cancel).await;
        let mut lines = Vec::new();
        while let Ok(event) = rx.try_recv() {
            if let Event::Log { line, .. } = event {
                lines.push(line);
            }
        }
        (report, lines)
    }

    pub async fn build(&self) -> (BuildReport, Vec<String>) {
        self.run(self.pipeline(), CancellationToken::new()).await
    }

    /// The records the stand-ins left, in the order they ran.
    pub fn records(&self) -> Vec<Record> {
        let mut recs: Vec<Record> = std::fs::read_dir(&self.log)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rec"))
            .map(|p| Record::read(&p))
            .collect();
        recs.sort_by_key(|r| r.seq);
        recs
    }

    pub fn records_of(&self, tool: &str) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| r.tool == tool)
            .collect()
    }

    /// `tool first-arg` of every call, in order (`security create-keychain`, `xcodebuild archive`).
    pub fn calls(&self) -> Vec<String> {
        self.records()
            .iter()
            .map(|r| {
                let first = r
                    .args
                    .iter()
                    .find(|a| ["-list", "archive", "-exportArchive"].contains(&a.as_str()))
                    .or(r.args.first())
                    .cloned()
                    .unwrap_or_default();
                format!("{} {first}", r.tool)
            })
            .collect()
    }

    /// Every file the stand-ins wrote into the log folder, as bytes.
    pub fn log_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        std::fs::read_dir(&self.log)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p, bytes)
            })
            .collect()
    }

    /// The installed-profile locations.
    pub fn profile_files(&self) -> Vec<PathBuf> {
        self.toolchain()
            .profiles_dirs
            .iter()
            .map(|d| d.join(format!("{}.mobileprovision", self.uuid)))
            .collect()
    }

    /// Asserts everything signing changed is undone: no profile installed, no keychain file
    /// left, the search list as it was.
    pub fn assert_cleaned_up(&self) {
        for f in self.profile_files() {
            assert!(
                !f.exists(),
                "the profile is still installed at {}",
                f.display()
            );
        }
        let list = std::fs::read_to_string(self.state.join("search-list")).unwrap();
        assert_eq!(
            list, self.search_list,
            "the keychain search list was not restored"
        );
        for r in self.records_of("security") {
            if r.args.first().map(String::as_str) == Some("create-keychain") {
                let keychain = PathBuf::from(r.args.last().unwrap());
                assert!(
                    !keychain.exists(),
                    "the keychain {} is left",
                    keychain.display()
                );
                assert!(
                    self.records_of("security")
                        .iter()
                        .any(
                            |d| d.args.first().map(String::as_str) == Some("delete-keychain")
                                && d.args.last() == r.args.last()
                        ),
                    "security delete-keychain was not run"
                );
            }
        }
    }

    /// Asserts the user's p12 password is in no argv, no command line /proc showed while a
    /// stand-in ran, no environment, no file the stand-ins wrote and no log line.
    pub fn assert_password_nowhere(&self, lines: &[String], error: Option<&str>) {
        let files = self.log_files();
        assert!(!files.is_empty());
        for (path, bytes) in files {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(PASSWORD),
                "the password reached {}",
                path.display()
            );
        }
        for r in self.records() {
            assert!(r.proc_cmdlines.len() > 1, "the stand-in read /proc");
            for c in r
                .args
                .iter()
                .chain(r.proc_cmdlines.iter())
                .chain(r.env.values())
            {
                assert!(!c.contains(PASSWORD), "the password is in {c:?}");
            }
        }
        for line in lines {
            assert!(
                !line.contains(PASSWORD),
                "the password is in a log line: {line}"
            );
        }
        if let Some(e) = error {
            assert!(!e.contains(PASSWORD), "the password is in the error: {e}");
        }
    }

    /// The pids a hanging stand-in recorded: itself and its `sleep` worker.
    pub fn hang_pids(&self) -> Vec<u32> {
        self.log_files()
            .into_iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "pid"))
            .map(|(_, b)| String::from_utf8_lossy(&b).trim().parse().unwrap())
            .collect()
    }
}

/// What one stand-in call recorded.
#[derive(Debug, Clone)]
pub struct Record {
    pub tool: String,
    pub seq: u128,
    pub pid: u32,
    pub cwd: PathBuf,
    pub args: Vec<String>,
    pub cmdline: String,
    pub proc_cmdlines: Vec<String>,
    pub env: BTreeMap<String, String>,
}

impl Record {
    pub fn read(path: &Path) -> Record {
        let text = std::fs::read_to_string(path).unwrap();
        let mut r = Record {
            tool: String::new(),
            seq: 0,
            pid: 0,
            cwd: PathBuf::new(),
            args: Vec::new(),
            cmdline: String::new(),
            proc_cmdlines: Vec::new(),
            env: BTreeMap::new(),
        };
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            match k {
                "tool" => r.tool = v.to_owned(),
                "seq" => r.seq = v.parse().unwrap(),
                "pid" => r.pid = v.parse().unwrap(),
                "cwd" => r.cwd = PathBuf::from(v),
                "arg" => r.args.push(v.to_owned()),
                "cmdline" => r.cmdline = v.to_owned(),
                "proc_cmdline" => r.proc_cmdlines.push(v.to_owned()),
                k if k.starts_with("env.") => {
                    r.env.insert(k["env.".len()..].to_owned(), v.to_owned());
                }
                _ => {}
            }
        }
        r
    }

    pub fn env(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }

    /// The value after `flag`.
    pub fn opt(&self, flag: &str) -> Option<&str> {
        let i = self.args.iter().position(|a| a == flag)?;
        self.args.get(i + 1).map(String::as_str)
    }

    /// The value of build setting `key` (`KEY=VALUE`).
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .find_map(|a| a.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    }
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet, which runs nothing).
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| {
                rest.trim_start().starts_with('Z') || rest.trim_start().starts_with('X')
            })
            .unwrap_or(false),
    }
}

/// Waits up to `secs` for every pid to be gone.
pub fn wait_gone(pids: &[u32], secs: u64) -> Vec<u32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let alive: Vec<u32> = pids.iter().copied().filter(|p| !process_gone(*p)).collect();
        if alive.is_empty() || std::time::Instant::now() > deadline {
            return alive;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub const TEAM_ID: &str = TEAM;
