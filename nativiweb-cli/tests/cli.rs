//! End-to-end tests of the `nativiweb` command: the commands users and CI run, checked with
//! the real tools as oracles.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nativiweb::core::testing::tool;

/// The `nativiweb` binary of this crate (cargo builds it for integration tests).
fn cli() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nativiweb"))
}

/// Runs the CLI with a private config dir (so the debug keystore is made fresh per test).
fn run(args: &[impl AsRef<std::ffi::OsStr>], config_home: &Path) -> Output {
    Command::new(cli())
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("NATIVIWEB_KEYSTORE_PASSWORD")
        .env_remove("NATIVIWEB_KEY_PASSWORD")
        .output()
        .expect("running the CLI")
}

/// `build <project> --platform android --out <out>` followed by `extra`.
fn build_args(project: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "build".into(),
        project.display().to_string(),
        "--platform".into(),
        "android".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hello_pwa() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-pwa")
}

#[test]
fn hash_matches_sha256sum() {
    let Some(sha256sum) = tool("sha256sum") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.bin");
    let b = dir.path().join("b b.txt");
    std::fs::write(
        &a,
        (0..200_000u32)
            .flat_map(|i| i.to_le_bytes())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(&b, "hello\n").unwrap();
    let ours = run(
        &["hash", a.to_str().unwrap(), b.to_str().unwrap()],
        dir.path(),
    );
    assert!(ours.status.success(), "{}", text(&ours.stderr));
    let theirs = Command::new(sha256sum).arg(&a).arg(&b).output().unwrap();
    assert_eq!(text(&ours.stdout), text(&theirs.stdout));

    let missing = run(&["hash", "/nonexistent/file"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("/nonexistent/file"));
}

#[test]
fn build_hello_pwa_gives_a_verified_signed_apk_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let o = run(&build_args(&hello_pwa(), &out, &["--json"]), dir.path());
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["status"], "success");
    assert_eq!(report["platform"], "android");
    assert!(report["error"].is_null());
    let artifact = &report["artifacts"][0];
    assert_eq!(artifact["kind"], "apk");
    let apk = PathBuf::from(artifact["location"].as_str().unwrap());
    assert_eq!(apk.file_name().unwrap(), "dev.nativiweb.hello-1.0.0.apk");
    assert_eq!(report["signatures"][0]["debug"], true);
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "source",
            "detect",
            "check",
            "web_build",
            "build",
            "sign",
            "store",
            "submit"
        ]
    );

    // The manifest lists the file with the same size and hash as the bytes on disk.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("artifacts.json")).unwrap()).unwrap();
    let entry = &manifest[0];
    let bytes = std::fs::read(&apk).unwrap();
    assert_eq!(entry["size"].as_u64().unwrap(), bytes.len() as u64);
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    assert_eq!(entry["sha256"], sha.as_str());
    assert_eq!(artifact["sha256"], sha.as_str());
    // No unsigned leftover.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // Our own verify accepts it; apksigner and aapt agree.
    let v = run(&["verify", apk.to_str().unwrap()], dir.path());
    assert!(v.status.success(), "{}", text(&v.stderr));
    if let Some(apksigner) = tool("apksigner") {
        let a = Command::new(apksigner)
            .args(["verify", "--verbose"])
            .arg(&apk)
            .output()
            .unwrap();
        let stdout = text(&a.stdout);
        assert!(a.status.success(), "{stdout}{}", text(&a.stderr));
        assert!(
            stdout.contains("Verified using v2 scheme (APK Signature Scheme v2): true"),
            "{stdout}"
        );
        assert!(
            stdout.contains("Verified using v3 scheme (APK Signature Scheme v3): true"),
            "{stdout}"
        );
    }
    if let Some(aapt) = tool("aapt") {
        let a = Command::new(aapt)
            .args(["dump", "badging"])
            .arg(&apk)
            .output()
            .unwrap();
        let stdout = text(&a.stdout);
        assert!(
            stdout.contains(
                "package: name='dev.nativiweb.hello' versionCode='1' versionName='1.0.0'"
            ),
            "{stdout}"
        );
        assert!(stdout.contains("application-label:'Hello PWA'"), "{stdout}");
        assert!(stdout.contains("launchable-activity"), "{stdout}");
    }

    // The same project builds to the same bytes (deterministic packaging and RSA signing).
    let out2 = dir.path().join("dist2");
    let o2 = run(&build_args(&hello_pwa(), &out2, &[]), dir.path());
    assert!(o2.status.success(), "{}", text(&o2.stderr));
    assert!(
        text(&o2.stdout).contains("debug key"),
        "{}",
        text(&o2.stdout)
    );
    assert_eq!(
        std::fs::read(out2.join(apk.file_name().unwrap())).unwrap(),
        bytes
    );
}

#[test]
fn bad_input_exits_2_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    // A project with config but no web bundle.
    let project = dir.path().join("empty");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("nativiweb.toml"),
        "id = \"com.example.empty\"\nname = \"Empty\"\n",
    )
    .unwrap();
    let o = run(
        &build_args(&project, &dir.path().join("d"), &[]),
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("web_dir"), "{}", text(&o.stderr));

    // An invalid app id.
    std::fs::write(
        project.join("nativiweb.toml"),
        "id = \"com.example.class\"\nname = \"Bad\"\n",
    )
    .unwrap();
    std::fs::write(project.join("index.html"), "<h1>x</h1>").unwrap();
    let o = run(
        &build_args(&project, &dir.path().join("d"), &[]),
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("Java keyword"),
        "{}",
        text(&o.stderr)
    );

    // Not a directory.
    let o = run(
        &["build", "/nonexistent", "--platform", "android"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));

    // A keystore without a password in the environment.
    let o = run(
        &[
            "build",
            hello_pwa().to_str().unwrap(),
            "--platform",
            "android",
            "--keystore",
            "/nonexistent.p12",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("NATIVIWEB_KEYSTORE_PASSWORD"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn tampered_apk_fails_verify_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let o = run(&build_args(&hello_pwa(), &out, &[]), dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let apk = out.join("dev.nativiweb.hello-1.0.0.apk");
    let mut bytes = std::fs::read(&apk).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&apk, bytes).unwrap();
    let v = run(&["verify", apk.to_str().unwrap()], dir.path());
    assert_eq!(v.status.code(), Some(1), "{}", text(&v.stdout));
}

#[test]
fn detect_json_has_the_design_fields() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &["detect", hello_pwa().to_str().unwrap(), "--json"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "root",
        "kind",
        "framework",
        "package_manager",
        "build_command",
        "output_dir",
        "pwa_manifest",
        "workspace",
        "app",
        "warnings",
    ] {
        assert!(d.get(key).is_some(), "missing {key} in {d}");
    }
    assert_eq!(d["kind"], "web");
    assert_eq!(d["framework"], "static");
    assert_eq!(d["pwa_manifest"], "manifest.webmanifest");
}

/// Runs the CLI with the keystore password in the environment (never argv).
fn run_with_password(
    args: &[impl AsRef<std::ffi::OsStr>],
    config_home: &Path,
    password: &str,
) -> Output {
    Command::new(cli())
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env("NATIVIWEB_KEYSTORE_PASSWORD", password)
        .env_remove("NATIVIWEB_KEY_PASSWORD")
        .output()
        .expect("running the CLI")
}

#[test]
fn upload_keystore_from_keystore_new_signs_builds_and_sign_verify_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("upload.p12");
    let password = "correct horse battery";
    let o = run_with_password(
        &[
            "keystore",
            "new",
            ks.to_str().unwrap(),
            "--alias",
            "upload",
            "--dname",
            "CN=Hello Upload,O=Example",
        ],
        dir.path(),
        password,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    if let Some(keytool) = tool("keytool") {
        let l = Command::new(keytool)
            .args(["-list", "-keystore"])
            .arg(&ks)
            .env("KS_PW", password)
            .args(["-storepass:env", "KS_PW"])
            .output()
            .unwrap();
        assert!(l.status.success(), "{}", text(&l.stdout));
        assert!(text(&l.stdout).contains("upload"), "{}", text(&l.stdout));
    }

    // build --keystore signs with the upload key, not the debug key.
    let out = dir.path().join("dist");
    let o = run_with_password(
        &build_args(
            &hello_pwa(),
            &out,
            &["--keystore", ks.to_str().unwrap(), "--json"],
        ),
        dir.path(),
        password,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["signatures"][0]["debug"], false);
    assert!(report["signatures"][0]["certificate_subject"]
        .as_str()
        .unwrap()
        .contains("CN=Hello Upload"));
    let apk = PathBuf::from(report["artifacts"][0]["location"].as_str().unwrap());

    // sign --out re-signs a copy with minSdk 21 (adds v1); verify --json reports the schemes.
    let resigned = dir.path().join("resigned.apk");
    let o = run_with_password(
        &[
            "sign",
            apk.to_str().unwrap(),
            "--keystore",
            ks.to_str().unwrap(),
            "--out",
            resigned.to_str().unwrap(),
            "--min-sdk",
            "21",
        ],
        dir.path(),
        password,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = run(
        &["verify", resigned.to_str().unwrap(), "--json"],
        dir.path(),
    );
    assert!(v.status.success(), "{}", text(&v.stderr));
    let vr: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    let schemes = vr.to_string();
    assert!(
        schemes.contains("v1") && schemes.contains("v2") && schemes.contains("v3"),
        "{vr}"
    );

    // A wrong password is bad input (2), and the message never shows what was typed.
    let wrong = "not-the-password";
    let o = run_with_password(
        &[
            "sign",
            apk.to_str().unwrap(),
            "--keystore",
            ks.to_str().unwrap(),
        ],
        dir.path(),
        wrong,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(!all.contains(wrong) && !all.contains(password), "{all}");
    assert!(all.to_lowercase().contains("password"), "{all}");
}

/// Parses stdout as exactly one JSON document.
fn one_json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {:?}\nstderr: {}",
            text(&o.stdout),
            text(&o.stderr)
        )
    })
}

#[test]
fn every_command_prints_one_json_document_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "hi\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["detect".into(), "/nonexistent".into()],
            "not a directory",
        ),
        (
            vec!["detect".into(), empty.display().to_string()],
            "is empty",
        ),
        (
            vec![
                "hash".into(),
                good.display().to_string(),
                "/nonexistent/file".into(),
            ],
            "/nonexistent/file",
        ),
        (
            vec![
                "sign".into(),
                "/nonexistent.apk".into(),
                "--keystore".into(),
                "/nonexistent.p12".into(),
            ],
            "NATIVIWEB_KEYSTORE_PASSWORD",
        ),
        (
            vec![
                "keystore".into(),
                "new".into(),
                dir.path().join("k.p12").display().to_string(),
                "--alias".into(),
                "upload".into(),
            ],
            "NATIVIWEB_KEYSTORE_PASSWORD",
        ),
        (
            vec!["verify".into(), "/nonexistent.apk".into()],
            "/nonexistent.apk",
        ),
        (
            vec![
                "build".into(),
                "/nonexistent".into(),
                "--platform".into(),
                "android".into(),
            ],
            "not a directory",
        ),
        // clap's own usage errors too.
        (
            vec!["build".into(), empty.display().to_string()],
            "--platform",
        ),
        (vec!["frobnicate".into()], "frobnicate"),
    ];
    for (mut args, says) in cases {
        args.push("--json".into());
        let o = run(&args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        let doc = one_json(&o);
        let error = doc["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{args:?}: no error in {doc}"));
        assert!(error.contains(says), "{args:?}: {error}");
        assert_eq!(doc["error_kind"], "input", "{args:?}: {doc}");
    }
    // hash --json still lists the file it could hash, and the one it could not.
    let o = run(
        &[
            "hash",
            good.to_str().unwrap(),
            "/nonexistent/file",
            "--json",
        ],
        dir.path(),
    );
    let doc = one_json(&o);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{doc}");
    assert_eq!(files[0]["size"], 3);
    assert!(files[1]["error"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/file"));
    // A failed build's JSON is a report with its status.
    let o = run(
        &["build", "/nonexistent", "--platform", "android", "--json"],
        dir.path(),
    );
    assert_eq!(one_json(&o)["status"], "failed");
}

#[test]
fn an_empty_folder_is_said_to_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("nothing-here");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&["detect", empty.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is empty"), "{}", text(&o.stderr));
    // A folder with something nativiweb does not know: detected as unknown, with a warning.
    std::fs::write(empty.join("notes.txt"), "x").unwrap();
    let o = run(&["detect", empty.to_str().unwrap(), "--json"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc = one_json(&o);
    assert_eq!(doc["kind"], "unknown");
    assert!(
        doc["warnings"][0]
            .as_str()
            .unwrap()
            .contains("nothing here is a project"),
        "{doc}"
    );
}

#[test]
fn output_folder_problems_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dist");
    std::fs::write(&file, "I am a file").unwrap();
    let o = run(&build_args(&hello_pwa(), &file, &[]), dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    // A folder under a file.
    let o = run(
        &build_args(&hello_pwa(), &file.join("sub"), &[]),
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is a file, not a folder"),
        "{}",
        text(&o.stderr)
    );

    // sign --out: a folder means "into this folder", a missing folder is named.
    let out = dir.path().join("apk");
    let o = run(&build_args(&hello_pwa(), &out, &[]), dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let apk = out.join("dev.nativiweb.hello-1.0.0.apk");
    let ks = dir.path().join("upload.p12");
    let o = run_with_password(
        &["keystore", "new", ks.to_str().unwrap(), "--alias", "upload"],
        dir.path(),
        "correct horse",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let into = dir.path().join("signed");
    std::fs::create_dir(&into).unwrap();
    let o = run_with_password(
        &[
            "sign",
            apk.to_str().unwrap(),
            "--keystore",
            ks.to_str().unwrap(),
            "--out",
            into.to_str().unwrap(),
        ],
        dir.path(),
        "correct horse",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(into.join("dev.nativiweb.hello-1.0.0.apk").is_file());
    let nowhere = dir.path().join("no/such/folder/app.apk");
    let o = run_with_password(
        &[
            "sign",
            apk.to_str().unwrap(),
            "--keystore",
            ks.to_str().unwrap(),
            "--out",
            nowhere.to_str().unwrap(),
        ],
        dir.path(),
        "correct horse",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("does not exist") && err.contains("no/such/folder"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");

    // keystore new over an existing file says it is creating, not reading.
    let o = run_with_password(
        &["keystore", "new", ks.to_str().unwrap(), "--alias", "upload"],
        dir.path(),
        "correct horse",
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("cannot create keystore") && !err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn errors_name_the_users_files_not_temporary_copies() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "<h1>x</h1>").unwrap();
    std::fs::write(site.join("icon.jpg"), "\u{ff}\u{d8} not a png").unwrap();
    std::fs::write(
        site.join("nativiweb.toml"),
        "id = \"com.example.site\"\nname = \"Site\"\nicon = \"icon.jpg\"\n",
    )
    .unwrap();
    let o = run(&build_args(&site, &dir.path().join("out"), &[]), dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let user_icon = site.canonicalize().unwrap().join("icon.jpg");
    assert!(err.contains(&user_icon.display().to_string()), "{err}");
    assert!(!err.contains("nativiweb-build-"), "{err}");

    std::fs::write(
        site.join("nativiweb.toml"),
        "id = \"com.example.site\"\nname = \"Site\"\nversion = \"one\"\n",
    )
    .unwrap();
    let o = run(&build_args(&site, &dir.path().join("out"), &[]), dir.path());
    let err = text(&o.stderr);
    assert!(
        err.contains(
            &site
                .canonicalize()
                .unwrap()
                .join("nativiweb.toml")
                .display()
                .to_string()
        ),
        "{err}"
    );
    assert!(
        !err.contains("nativiweb-build-") && !err.contains("step `"),
        "{err}"
    );
}

/// A private bin folder with a `node` and an `npm` that print a line and then hang.
fn hanging_tools(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["node", "npm"] {
        let p = bin.join(tool);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho \"{tool} $1 is working\"\nexec sleep 60\n"),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let sleep = tool("sleep")
        .or_else(|| nativiweb::core::testing::which("sleep"))
        .unwrap();
    std::os::unix::fs::symlink(sleep, bin.join("sleep")).unwrap();
    bin
}

#[test]
fn a_timeout_is_said_one_way_and_ci_logs_show_the_tools_lines() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name":"app","version":"1.0.0","scripts":{"build":"vite build"},"devDependencies":{"vite":"^7.0.0"}}"#,
    )
    .unwrap();
    std::fs::write(app.join("package-lock.json"), "{}").unwrap();
    std::fs::write(
        app.join("nativiweb.toml"),
        "id = \"com.example.app\"\nname = \"App\"\n",
    )
    .unwrap();
    let bin = hanging_tools(dir.path());
    let started = std::time::Instant::now();
    let o = Command::new(cli())
        .args(build_args(
            &app,
            &dir.path().join("out"),
            &["--timeout", "2"],
        ))
        .env("XDG_CONFIG_HOME", dir.path())
        .env("PATH", &bin)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    // The step line and the error agree, and the limit is named as it was given.
    let step_line = err
        .lines()
        .find(|l| l.starts_with("web_build: timed out after"))
        .unwrap_or_else(|| panic!("no step line in {err}"));
    let said = step_line.trim_start_matches("web_build: timed out after ");
    assert!(
        err.contains(&format!(
            "`web_build` timed out after {said} (the limit was 2.0 s)"
        )),
        "{err}"
    );
    assert!(!err.contains("TimedOut") && !err.contains("1999"), "{err}");
    // Not a terminal: the tool's own lines reach the log.
    assert!(err.contains("[web_build] npm ci is working"), "{err}");
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
}

#[test]
fn an_output_folder_inside_the_site_is_said_once_and_never_packed() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "<h1>x</h1>").unwrap();
    std::fs::write(
        site.join("nativiweb.toml"),
        "id = \"com.example.site\"\nname = \"Site\"\n",
    )
    .unwrap();
    let out = site.join("dist");
    let mut sizes = Vec::new();
    for _ in 0..3 {
        let o = run(&build_args(&site, &out, &["--json"]), dir.path());
        assert!(o.status.success(), "{}", text(&o.stderr));
        let err = text(&o.stderr);
        assert_eq!(
            err.matches("is inside the web bundle folder").count(),
            1,
            "{err}"
        );
        let report = one_json(&o);
        sizes.push(report["artifacts"][0]["size"].as_u64().unwrap());
    }
    assert!(sizes.windows(2).all(|w| w[0] == w[1]), "{sizes:?}");
}

#[test]
fn format_aab_gives_a_jar_signed_bundle_and_says_play_needs_the_upload_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let o = run(
        &build_args(
            &hello_pwa(),
            &out,
            &[
                "--format",
                "aab",
                "--build-number",
                "421",
                "--version-name",
                "2.1.0",
            ],
        ),
        dir.path(),
    );
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", text(&o.stderr));
    // --build-number and --version-name win over nativiweb.toml.
    let aab = out.join("dev.nativiweb.hello-2.1.0.aab");
    let info = nativiweb::android::package::read_app_file(&aab).unwrap();
    assert_eq!(info.version_code, Some(421));
    assert!(aab.is_file(), "{stdout}");
    assert!(!out.join("dev.nativiweb.hello-1.0.0-unsigned.aab").exists());
    assert!(stdout.contains("signed (v1)"), "{stdout}");
    assert!(
        stdout.contains("App Bundle is signed with your debug key")
            && stdout.contains("upload key")
            && stdout.contains("--keystore"),
        "{stdout}"
    );
    // `verify` reads it back: JAR-signed, nothing changed.
    let v = run(&["verify", aab.to_str().unwrap(), "--json"], dir.path());
    assert!(v.status.success(), "{}", text(&v.stdout));
    let report: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(report["schemes"], serde_json::json!(["v1"]));
}

#[test]
fn generate_ios_writes_an_xcode_project_and_regenerating_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ios");
    let hello = hello_pwa();
    let args = [
        "generate",
        hello.to_str().unwrap(),
        "--platform",
        "ios",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    let o = run(&args, dir.path());
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["status"], "success");
    assert_eq!(doc["scheme"], "App");
    let pbxproj = std::fs::read_to_string(out.join("App.xcodeproj/project.pbxproj")).unwrap();
    assert!(pbxproj.contains("PRODUCT_BUNDLE_IDENTIFIER = dev.nativiweb.hello;"));
    assert!(out.join("App/www/index.html").is_file());
    assert!(!out.join("App/www/nativiweb.toml").exists());
    // Nothing to rewrite the second time.
    let o = run(&args, dir.path());
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["written"].as_array().unwrap().len(), 0, "{doc}");
    // Android has no generator in this release: bad input, exit 2.
    let o = run(
        &[
            "generate",
            hello_pwa().to_str().unwrap(),
            "--platform",
            "android",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

/// `openssl` with the p12 password in its environment only.
fn openssl(tool: &Path, args: &[&str]) {
    let o = Command::new(tool)
        .args(args)
        .env("P12_PW", "cert pass")
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o.stderr));
}

/// A self-made distribution certificate (.p12) and an app-store profile for `app_id`,
/// CMS-signed by another key as Apple's are.
fn ios_credentials(tool: &Path, dir: &Path, app_id: &str) -> (PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n).to_str().unwrap().to_owned();
    for (name, subj) in [
        (
            "dist",
            "/CN=Apple Distribution: Example Inc (ABCDE12345)/OU=ABCDE12345/O=Example Inc",
        ),
        ("apple", "/CN=Apple Stand-in"),
    ] {
        openssl(
            tool,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &p(&format!("{name}.key")),
                "-out",
                &p(&format!("{name}.pem")),
                "-days",
                "365",
                "-subj",
                subj,
            ],
        );
    }
    openssl(
        tool,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &p("dist.key"),
            "-in",
            &p("dist.pem"),
            "-out",
            &p("dist.p12"),
            "-passout",
            "env:P12_PW",
        ],
    );
    openssl(
        tool,
        &[
            "x509",
            "-in",
            &p("dist.pem"),
            "-outform",
            "DER",
            "-out",
            &p("dist.der"),
        ],
    );
    use base64::Engine;
    let der =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(p("dist.der")).unwrap());
    let plist = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>AppIDName</key><string>Hello</string>
<key>ApplicationIdentifierPrefix</key><array><string>ABCDE12345</string></array>
<key>CreationDate</key><date>2026-01-01T00:00:00Z</date>
<key>DeveloperCertificates</key><array><data>{der}</data></array>
<key>Entitlements</key><dict>
<key>application-identifier</key><string>{app_id}</string>
<key>com.apple.developer.team-identifier</key><string>ABCDE12345</string>
<key>get-task-allow</key><false/>
</dict>
<key>ExpirationDate</key><date>2099-01-01T00:00:00Z</date>
<key>Name</key><string>Hello App Store</string>
<key>TeamIdentifier</key><array><string>ABCDE12345</string></array>
<key>TeamName</key><string>Example Inc</string>
<key>UUID</key><string>0AF0C0DE-0000-4000-8000-000000000001</string>
<key>Version</key><integer>1</integer>
</dict></plist>"#
    );
    std::fs::write(p("profile.plist"), plist).unwrap();
    openssl(
        tool,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "DER",
            "-in",
            &p("profile.plist"),
            "-signer",
            &p("apple.pem"),
            "-inkey",
            &p("apple.key"),
            "-out",
            &p("hello.mobileprovision"),
        ],
    );
    (dir.join("dist.p12"), dir.join("hello.mobileprovision"))
}

#[test]
fn credentials_check_passes_a_matching_pair_and_names_a_wrong_bundle_id() {
    let Some(tool) = tool("openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (p12, profile) = ios_credentials(&tool, dir.path(), "ABCDE12345.dev.nativiweb.hello");
    let check = |bundle: &str, method: &str| {
        Command::new(cli())
            .args(["credentials", "check", "--platform", "ios", "--certificate"])
            .arg(&p12)
            .arg("--profile")
            .arg(&profile)
            .args(["--bundle-id", bundle, "--export-method", method, "--json"])
            .env("XDG_CONFIG_HOME", dir.path())
            .env("NATIVIWEB_CERTIFICATE_PASSWORD", "cert pass")
            .output()
            .unwrap()
    };
    let o = check("dev.nativiweb.hello", "app-store-connect");
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{doc}\n{}", text(&o.stderr));
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["profile"]["kind"], "app-store");

    // Another app and the wrong export method: exit 2, both problems named.
    let o = check("com.example.other", "release-testing");
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    let kinds: Vec<&str> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["app_id_mismatch", "export_method_mismatch"],
        "{doc}"
    );
    assert!(doc["error"].as_str().unwrap().contains("com.example.other"));
    // The password is never printed.
    assert!(!text(&o.stdout).contains("cert pass") && !text(&o.stderr).contains("cert pass"));
}

#[test]
fn builder_gradle_refuses_a_web_app_before_building_and_says_which_builder_fits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let o = run(
        &build_args(&hello_pwa(), &out, &["--builder", "gradle", "--json"]),
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["error_kind"], "input");
    let error = report["error"].as_str().unwrap();
    assert!(error.contains("--builder direct"), "{error}");
    // Refused in the check step: nothing was built.
    let steps: Vec<(&str, &str)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["outcome"].as_str().unwrap()))
        .collect();
    assert!(steps.contains(&("check", "failed")), "{steps:?}");
    assert!(!out.exists());
}

/// A project whose build script tries to read a private key outside the project and ships
/// what it read in the app.
fn key_stealing_project(dir: &Path, key: &Path) -> PathBuf {
    let project = dir.join("thief");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("package.json"),
        r#"{"name":"thief","version":"1.0.0","private":true,"scripts":{"build":"node build.js"}}"#,
    )
    .unwrap();
    std::fs::write(
        project.join("package-lock.json"),
        r#"{"name":"thief","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"thief","version":"1.0.0"}}}"#,
    )
    .unwrap();
    std::fs::write(
        project.join("build.js"),
        format!(
            "const fs = require('fs');\nlet got;\ntry {{ got = fs.readFileSync({:?}, 'utf8'); }} catch (e) {{ got = 'blocked ' + e.code; }}\nfs.mkdirSync('dist', {{ recursive: true }});\nfs.writeFileSync('dist/index.html', '<p>' + got + '</p>');\n",
            key.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        project.join("nativiweb.toml"),
        "id = \"com.example.thief\"\nname = \"Thief\"\nweb_dir = \"dist\"\n",
    )
    .unwrap();
    project
}

fn shipped_index(out: &Path) -> String {
    let apk = out.join("com.example.thief-1.0.0.apk");
    let zip = nativiweb::android::zip::ZipArchive::open(&apk).unwrap();
    let entry = zip.entry("assets/www/index.html").unwrap();
    String::from_utf8(zip.read(entry).unwrap()).unwrap()
}

#[test]
fn sandbox_keeps_a_build_script_away_from_keys_outside_the_project() {
    if tool("npm").is_none() || tool("bwrap").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("home/.ssh/id_rsa");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, "PRIVATE KEY MATERIAL").unwrap();
    let project = key_stealing_project(dir.path(), &key);

    // Unsandboxed, the script reads the key and ships it: the attack is real.
    let out = dir.path().join("plain");
    let o = run(&build_args(&project, &out, &[]), dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(shipped_index(&out).contains("PRIVATE KEY MATERIAL"));

    // Sandboxed, the key's folder does not exist for it.
    let out = dir.path().join("sandboxed");
    let o = run(
        &build_args(&project, &out, &["--sandbox", "required"]),
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let index = shipped_index(&out);
    assert!(index.contains("blocked ENOENT"), "{index}");
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        "PRIVATE KEY MATERIAL"
    );
}
