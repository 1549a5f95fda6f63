//! The Gradle init script that sets the app's version runs in real Groovy (the language Gradle
//! runs init scripts in) against stand-ins for Gradle's and the Android Gradle Plugin's objects
//! (tests/fixtures/gradle/init_script_harness.groovy): it parses, picks AGP's `Action` overload
//! of `onVariants`, sets `versionCode`/`versionName` on every output of application variants
//! (falling back to the legacy API where `androidComponents` is missing), leaves libraries
//! alone, and a hostile version name stays a string.

use std::process::Command;

use nativiweb_android::gradle::init_script::{init_script, VariantApi};
use nativiweb_android::gradle::Discovery;
use nativiweb_core::testing;

#[test]
fn init_scripts_run_in_groovy_and_set_the_version() {
    let Some(groovy) = testing::tool("groovy") else {
        return;
    };
    // Groovy's launcher needs a JDK: the one discovery finds on this machine.
    let search = Discovery::from_process_env().find_jdks(None);
    let Some(jdk) = search.found.iter().max_by_key(|j| j.major) else {
        testing::require("a JDK to run groovy", false);
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let hostile = "1.0 'beta' ${System.exit(1)} \\";
    let cases = [
        (
            "components.gradle",
            42,
            "1.2.0",
            VariantApi::Components,
            "components",
        ),
        ("legacy.gradle", 42, "1.2.0", VariantApi::Legacy, "legacy"),
        (
            "hostile.gradle",
            7,
            hostile,
            VariantApi::Components,
            "components",
        ),
    ];
    let mut args = Vec::new();
    for (file, code, name, api, word) in cases {
        let path = tmp.path().join(file);
        std::fs::write(&path, init_script(code, name, api)).unwrap();
        args.extend([
            path.display().to_string(),
            code.to_string(),
            name.to_owned(),
            word.to_owned(),
        ]);
    }
    let harness = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gradle/init_script_harness.groovy");
    let out = Command::new(groovy)
        .arg(&harness)
        .args(&args)
        .env("JAVA_HOME", &jdk.home)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "groovy failed:\n{stdout}\n{stderr}");
    let ok: Vec<&str> = stdout.lines().filter(|l| l.starts_with("OK ")).collect();
    assert_eq!(
        ok,
        [
            "OK components: nativiweb: :app gets versionCode 42, versionName 1.2.0".to_owned(),
            "OK legacy: nativiweb: :app gets versionCode 42, versionName 1.2.0".to_owned(),
            format!("OK components: nativiweb: :app gets versionCode 7, versionName {hostile}"),
        ],
        "{stdout}\n{stderr}"
    );
}
