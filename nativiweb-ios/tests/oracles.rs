//! The generated project checked by parsers that are not ours:
//!
//! - the Swift sources by tree-sitter-swift (PyPI `tree-sitter`, `tree-sitter-swift`): no
//!   ERROR or MISSING node anywhere;
//! - `project.pbxproj` by PyPI `pbxproj`, by npm `xcode` and by the `plist` crate's OpenStep
//!   reader: all three must see the app target, its build settings, its build phases and the
//!   files we wrote, exactly as the config says;
//! - every property list by Python's `plistlib`, which must read what the `plist` crate reads;
//! - the shared scheme by Python's XML parser, naming the target the project file has.
//!
//! Each oracle is first shown a broken file, which it must reject, so a test cannot pass
//! because its oracle sees nothing. Missing oracles skip the test with a message, and fail it
//! under `NATIVIWEB_REQUIRE_TOOLS=1`; `scripts/install.d/ios.sh` installs them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use nativiweb_ios::{Capabilities, GenerateOptions, Signing, UsageDescriptions};
use serde_json::{json, Value};

/// The build settings the summaries compare.
const KEYS: &[&str] = &[
    "PRODUCT_BUNDLE_IDENTIFIER",
    "MARKETING_VERSION",
    "CURRENT_PROJECT_VERSION",
    "DEVELOPMENT_TEAM",
    "IPHONEOS_DEPLOYMENT_TARGET",
    "CODE_SIGN_STYLE",
    "CODE_SIGN_ENTITLEMENTS",
    "CODE_SIGN_IDENTITY",
    "PROVISIONING_PROFILE_SPECIFIER",
    "INFOPLIST_FILE",
    "PRODUCT_NAME",
];

const SWIFT: [&str; 5] = [
    "AppDelegate.swift",
    "AppSchemeHandler.swift",
    "SceneDelegate.swift",
    "ShellSettings.swift",
    "WebViewController.swift",
];

/// A project using every feature: a bundle id with `-`, a translated name with quotes,
/// capabilities, manual signing, camera and location texts.
struct Full {
    _dir: tempfile::TempDir,
    out: PathBuf,
}

fn full() -> Full {
    let (dir, dist) = project();
    let app = app(concat!(
        "version = \"3.1.4\"\nbuild = 1592\norientation = \"landscape\"\n",
        "[name_translations]\nfr = \"Bonjour\"\npt-BR = \"Olá \\\"app\\\"\"\n",
        "[android]\npermissions = [\"ACCESS_FINE_LOCATION\"]\n",
        "[ios]\nbundle_id = \"com.example.hello-ios\"\ndeployment_target = \"16.4\"\nteam_id = \"ABCDE12345\"\n",
    ));
    let out = dir.path().join("ios");
    let options = GenerateOptions::new()
        .signing(Signing::Manual {
            profile: "Hello \"Store\" Profile".into(),
            identity: Some("Apple Distribution: Example (ABCDE12345)".into()),
        })
        .capabilities(
            Capabilities::default()
                .associated_domains(["applinks:example.com"])
                .push_notifications(true),
        )
        .usage_descriptions(UsageDescriptions::default().camera("Scan <codes> & \"tickets\"."));
    generate(&app, Some(&dist), dir.path(), &out, &options);
    Full { _dir: dir, out }
}

/// What every reader must see in the full project's `project.pbxproj`.
fn expected_summary() -> Value {
    let target = json!({
        "PRODUCT_BUNDLE_IDENTIFIER": "com.example.hello-ios",
        "MARKETING_VERSION": "3.1.4",
        "CURRENT_PROJECT_VERSION": "1592",
        "DEVELOPMENT_TEAM": "ABCDE12345",
        "IPHONEOS_DEPLOYMENT_TARGET": "16.4",
        "CODE_SIGN_STYLE": "Manual",
        "CODE_SIGN_ENTITLEMENTS": "App/App.entitlements",
        "CODE_SIGN_IDENTITY": "Apple Distribution: Example (ABCDE12345)",
        "PROVISIONING_PROFILE_SPECIFIER": "Hello \"Store\" Profile",
        "INFOPLIST_FILE": "App/Info.plist",
        "PRODUCT_NAME": "$(TARGET_NAME)",
    });
    let project = json!({ "IPHONEOS_DEPLOYMENT_TARGET": "16.4" });
    let mut files: Vec<String> = SWIFT.iter().map(|s| format!("App/{s}")).collect();
    files.extend(
        [
            "App/App.entitlements",
            "App/Assets.xcassets",
            "App/Info.plist",
            "App/PrivacyInfo.xcprivacy",
            "App/fr.lproj/InfoPlist.strings",
            "App/nativiweb.json",
            "App/pt-BR.lproj/InfoPlist.strings",
            "App/www",
        ]
        .map(String::from),
    );
    files.sort();
    json!({
        "targets": [["App", "com.apple.product-type.application"]],
        "target_settings": { "Debug": target, "Release": target },
        "project_settings": { "Debug": project, "Release": project },
        "sources": SWIFT,
        "resources": ["Assets.xcassets", "InfoPlist.strings", "nativiweb.json", "PrivacyInfo.xcprivacy", "www"],
        "files": files,
        "regions": ["en", "Base", "fr", "pt-BR"],
    })
}

/// Checks a reader's summary against the expected one, and that the files it found exist.
fn check_summary(reader: &str, summary: &Value, out: &Path) {
    let expected = expected_summary();
    for key in expected.as_object().unwrap().keys() {
        assert_eq!(
            summary[key], expected[key],
            "{reader} sees a different `{key}`"
        );
    }
    for f in summary["files"].as_array().unwrap() {
        let path = out.join(f.as_str().unwrap());
        assert!(
            path.exists(),
            "{reader}: {} is referenced but missing",
            path.display()
        );
    }
}

fn keys_json() -> String {
    serde_json::to_string(KEYS).unwrap()
}

/// Runs an oracle script that must reject `bad` (exit status not 0, or problems reported).
fn rejects(program: &Path, args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    !out.status.success()
}

/// The UIKit and WebKit methods the shell must implement, by selector: the delegate methods
/// are optional protocol requirements, so a wrong argument label compiles and is never called.
const CONTRACT: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "AppDelegate.swift",
        "AppDelegate",
        &["UIResponder", "UIApplicationDelegate"],
        &[
            "application(_:didFinishLaunchingWithOptions:)",
            "application(_:configurationForConnecting:options:)",
        ],
    ),
    (
        "SceneDelegate.swift",
        "SceneDelegate",
        &["UIResponder", "UIWindowSceneDelegate"],
        &["scene(_:willConnectTo:options:)", "stateRestorationActivity(for:)"],
    ),
    (
        "AppSchemeHandler.swift",
        "AppSchemeHandler",
        &["NSObject", "WKURLSchemeHandler"],
        &["webView(_:start:)", "webView(_:stop:)"],
    ),
    (
        "WebViewController.swift",
        "WebViewController",
        &["UIViewController", "WKNavigationDelegate", "WKUIDelegate"],
        &[
            "webView(_:decidePolicyFor:decisionHandler:)",
            "webView(_:didFinish:)",
            "webViewWebContentProcessDidTerminate(_:)",
            "webView(_:createWebViewWith:for:windowFeatures:)",
            "webView(_:runJavaScriptAlertPanelWithMessage:initiatedByFrame:completionHandler:)",
            "webView(_:runJavaScriptConfirmPanelWithMessage:initiatedByFrame:completionHandler:)",
            "webView(_:runJavaScriptTextInputPanelWithPrompt:defaultText:initiatedByFrame:completionHandler:)",
            "webView(_:requestMediaCapturePermissionFor:initiatedByFrame:type:decisionHandler:)",
        ],
    ),
    (
        "ShellSettings.swift",
        "ShellSettings",
        &["Decodable"],
        &["load(from:)", "isInApp(_:)", "mimeType(forExtension:)"],
    ),
];

#[test]
fn swift_sources_parse_without_errors_with_tree_sitter() {
    let Some(python) = python_with(&["tree_sitter", "tree_sitter_swift"]) else {
        return;
    };
    let f = full();
    let script = oracle("swift_parse.py");

    // The oracle finds errors when there are some.
    let bad = f.out.join("Bad.swift");
    std::fs::write(
        &bad,
        "final class A {\n    func f( {\n        let x =\n    }\n",
    )
    .unwrap();
    let report: Value = serde_json::from_str(&run(
        &python,
        &[script.to_str().unwrap(), bad.to_str().unwrap()],
        &[],
    ))
    .unwrap();
    assert!(
        !report["problems"][bad.to_str().unwrap()]
            .as_array()
            .unwrap()
            .is_empty(),
        "tree-sitter found nothing wrong in broken Swift: {report}"
    );

    let files: Vec<String> = SWIFT
        .iter()
        .map(|s| f.out.join("App").join(s).to_string_lossy().into_owned())
        .collect();
    let mut args = vec![script.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    let report: Value = serde_json::from_str(&run(&python, &args, &[])).unwrap();
    for file in &files {
        let problems = report["problems"][file.as_str()].as_array().unwrap();
        assert!(problems.is_empty(), "{file}:\n{problems:#?}");
    }
    for (file, ty, inherits, methods) in CONTRACT {
        let path = f.out.join("App").join(file).to_string_lossy().into_owned();
        let declared = &report["types"][path.as_str()][ty];
        assert_eq!(declared["inherits"], json!(inherits), "{ty} inherits");
        let have: Vec<&str> = declared["methods"]
            .as_array()
            .unwrap_or_else(|| panic!("{file} declares no {ty}: {report}"))
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        for m in *methods {
            assert!(have.contains(m), "{ty} has no {m}; it has {have:?}");
        }
    }
}

#[test]
fn the_project_file_reads_the_same_with_pypi_pbxproj() {
    let Some(python) = python_with(&["pbxproj"]) else {
        return;
    };
    let f = full();
    let script = oracle("pbxproj_summary.py");
    let pbx = f.out.join("App.xcodeproj/project.pbxproj");

    let broken = f.out.join("broken.pbxproj");
    let text = std::fs::read_to_string(&pbx).unwrap();
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    assert!(
        rejects(
            &python,
            &[
                script.to_str().unwrap(),
                broken.to_str().unwrap(),
                &keys_json()
            ],
            &[]
        ),
        "pbxproj read half a project file"
    );

    let summary: Value = serde_json::from_str(&run(
        &python,
        &[
            script.to_str().unwrap(),
            pbx.to_str().unwrap(),
            &keys_json(),
        ],
        &[],
    ))
    .unwrap();
    check_summary("PyPI pbxproj", &summary, &f.out);
}

/// Where `scripts/install.d/ios.sh` installs npm's `xcode`.
fn node_modules() -> PathBuf {
    if let Some(dir) = std::env::var_os("NATIVIWEB_TEST_NODE_MODULES") {
        return dir.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    Path::new(&home).join(".cache/nativiweb-test-node/node_modules")
}

#[test]
fn the_project_file_reads_the_same_with_npm_xcode() {
    let Some(node) = nativiweb_core::testing::tool("node") else {
        return;
    };
    let modules = node_modules();
    if !nativiweb_core::testing::require(
        &format!(
            "npm package xcode in {} (scripts/install.d/ios.sh installs it)",
            modules.display()
        ),
        modules.join("xcode/package.json").is_file(),
    ) {
        return;
    }
    let env = [("NODE_PATH", modules.to_str().unwrap())];
    let f = full();
    let script = oracle("pbxproj_summary.js");
    let pbx = f.out.join("App.xcodeproj/project.pbxproj");

    let broken = f.out.join("broken.pbxproj");
    let text = std::fs::read_to_string(&pbx).unwrap();
    std::fs::write(&broken, text.replacen("};", "}", 3)).unwrap();
    assert!(
        rejects(
            &node,
            &[
                script.to_str().unwrap(),
                broken.to_str().unwrap(),
                &keys_json()
            ],
            &env
        ),
        "xcode read a project file missing its semicolons"
    );

    let summary: Value = serde_json::from_str(&run(
        &node,
        &[
            script.to_str().unwrap(),
            pbx.to_str().unwrap(),
            &keys_json(),
        ],
        &env,
    ))
    .unwrap();
    check_summary("npm xcode", &summary, &f.out);
}

/// The same summary from the `plist` crate's OpenStep reader (no external tool).
fn plist_crate_summary(pbx: &Path) -> Value {
    let text = std::fs::read(pbx).unwrap();
    let root = plist::Value::from_reader_ascii(text.as_slice()).unwrap();
    let root = root.as_dictionary().unwrap();
    let objects = root.get("objects").unwrap().as_dictionary().unwrap();
    let obj = |id: &plist::Value| {
        objects
            .get(id.as_string().unwrap())
            .unwrap_or_else(|| panic!("dangling reference {id:?}"))
            .as_dictionary()
            .unwrap()
    };
    let s = |v: &plist::Value| match v {
        plist::Value::String(s) => s.clone(),
        plist::Value::Integer(i) => i.to_string(),
        other => panic!("not a string: {other:?}"),
    };
    let list = |d: &plist::Dictionary, k: &str| d.get(k).unwrap().as_array().unwrap().clone();
    let project = obj(root.get("rootObject").unwrap());
    let settings = |list_id: &plist::Value| {
        let mut out = BTreeMap::new();
        for c in list(obj(list_id), "buildConfigurations") {
            let config = obj(&c);
            let bs = config
                .get("buildSettings")
                .unwrap()
                .as_dictionary()
                .unwrap();
            let picked: BTreeMap<String, String> = KEYS
                .iter()
                .filter_map(|k| bs.get(k).map(|v| (k.to_string(), s(v))))
                .collect();
            out.insert(s(config.get("name").unwrap()), picked);
        }
        out
    };
    let targets: Vec<plist::Dictionary> = list(project, "targets")
        .iter()
        .map(|t| obj(t).clone())
        .collect();
    let target = targets
        .iter()
        .find(|t| t.get("name").map(s).as_deref() == Some("App"))
        .expect("no target named App");
    let phase = |isa: &str| -> Vec<String> {
        let phase = list(target, "buildPhases")
            .into_iter()
            .map(|p| obj(&p).clone())
            .find(|p| p.get("isa").map(s).as_deref() == Some(isa))
            .unwrap();
        list(&phase, "files")
            .iter()
            .map(|b| {
                let file = obj(obj(b).get("fileRef").unwrap());
                s(file.get("path").or_else(|| file.get("name")).unwrap())
            })
            .collect()
    };
    fn walk(
        objects: &plist::Dictionary,
        group: &plist::Dictionary,
        prefix: &str,
        files: &mut Vec<String>,
    ) {
        for c in group.get("children").unwrap().as_array().unwrap() {
            let child = objects
                .get(c.as_string().unwrap())
                .unwrap()
                .as_dictionary()
                .unwrap();
            if child.get("sourceTree").and_then(|v| v.as_string()) != Some("<group>") {
                continue;
            }
            let here = match child.get("path").and_then(|v| v.as_string()) {
                Some(p) if prefix.is_empty() => p.to_owned(),
                Some(p) => format!("{prefix}/{p}"),
                None => prefix.to_owned(),
            };
            match child.get("isa").and_then(|v| v.as_string()) {
                Some("PBXGroup" | "PBXVariantGroup") => walk(objects, child, &here, files),
                _ => files.push(here),
            }
        }
    }
    let mut files = Vec::new();
    walk(
        objects,
        obj(project.get("mainGroup").unwrap()),
        "",
        &mut files,
    );
    files.sort();
    json!({
        "targets": targets.iter().map(|t| [s(t.get("name").unwrap()), s(t.get("productType").unwrap())]).collect::<Vec<_>>(),
        "target_settings": settings(target.get("buildConfigurationList").unwrap()),
        "project_settings": settings(project.get("buildConfigurationList").unwrap()),
        "sources": phase("PBXSourcesBuildPhase"),
        "resources": phase("PBXResourcesBuildPhase"),
        "files": files,
        "regions": list(project, "knownRegions").iter().map(s).collect::<Vec<_>>(),
    })
}

#[test]
fn the_project_file_reads_the_same_with_the_plist_crate() {
    let f = full();
    let pbx = f.out.join("App.xcodeproj/project.pbxproj");
    check_summary("the plist crate", &plist_crate_summary(&pbx), &f.out);
    // Every file of the app folder we wrote is in the project (the web bundle as one folder
    // reference, the asset catalog as one catalog).
    let referenced = plist_crate_summary(&pbx)["files"].clone();
    for rel in tree(&f.out).into_keys() {
        let Some(inside) = rel.strip_prefix("App/") else {
            continue;
        };
        let top = inside.split('/').next().unwrap();
        let entry = if top == "www" || top == "Assets.xcassets" {
            format!("App/{top}")
        } else {
            rel.clone()
        };
        assert!(
            referenced.as_array().unwrap().contains(&json!(entry)),
            "{rel} is not in the project"
        );
    }
}

/// A plist as JSON, to compare with what plistlib reads.
fn plist_json(v: &plist::Value) -> Value {
    match v {
        plist::Value::Array(a) => Value::Array(a.iter().map(plist_json).collect()),
        plist::Value::Dictionary(d) => {
            Value::Object(d.iter().map(|(k, v)| (k.clone(), plist_json(v))).collect())
        }
        plist::Value::Boolean(b) => json!(b),
        plist::Value::String(s) => json!(s),
        plist::Value::Integer(i) => json!(i.as_signed()),
        other => panic!("unexpected plist value {other:?}"),
    }
}

#[test]
fn every_plist_passes_plistlib() {
    let Some(python) = python_with(&["plistlib"]) else {
        return;
    };
    let f = full();
    let script = oracle("plist_load.py");

    let broken = f.out.join("broken.plist");
    std::fs::write(
        &broken,
        "<?xml version=\"1.0\"?><plist><dict><key>a</key></plist>",
    )
    .unwrap();
    assert!(
        rejects(
            &python,
            &[script.to_str().unwrap(), broken.to_str().unwrap()],
            &[]
        ),
        "plistlib read a broken plist"
    );
    std::fs::remove_file(&broken).unwrap();

    let plists: Vec<String> = tree(&f.out)
        .into_keys()
        .filter(|rel| {
            [".plist", ".xcprivacy", ".entitlements"]
                .iter()
                .any(|ext| rel.ends_with(ext))
        })
        .collect();
    assert_eq!(
        plists,
        [
            "App/App.entitlements",
            "App/Info.plist",
            "App/PrivacyInfo.xcprivacy",
            "ExportOptions.plist"
        ]
    );
    let paths: Vec<String> = plists
        .iter()
        .map(|p| f.out.join(p).to_string_lossy().into_owned())
        .collect();
    let mut args = vec![script.to_str().unwrap()];
    args.extend(paths.iter().map(String::as_str));
    let report: Value = serde_json::from_str(&run(&python, &args, &[])).unwrap();

    for (rel, path) in plists.iter().zip(&paths) {
        let ours = plist_json(&plist::Value::from_file(path).unwrap());
        assert_eq!(
            report[path.as_str()],
            ours,
            "{rel}: plistlib and the plist crate differ"
        );
    }
    let info = &report[paths[1].as_str()];
    assert_eq!(info["ITSAppUsesNonExemptEncryption"], json!(false));
    assert_eq!(info["CFBundleShortVersionString"], "$(MARKETING_VERSION)");
    assert_eq!(info["CFBundleVersion"], "$(CURRENT_PROJECT_VERSION)");
    assert_eq!(
        info["NSCameraUsageDescription"],
        "Scan <codes> & \"tickets\"."
    );
    assert!(info["NSLocationWhenInUseUsageDescription"].is_string());
    assert!(info.get("NSMicrophoneUsageDescription").is_none());
    assert_eq!(
        info["UISupportedInterfaceOrientations"],
        json!([
            "UIInterfaceOrientationLandscapeLeft",
            "UIInterfaceOrientationLandscapeRight"
        ])
    );
    assert_eq!(
        info["UIApplicationSceneManifest"]["UISceneConfigurations"]
            ["UIWindowSceneSessionRoleApplication"][0]["UISceneDelegateClassName"],
        "$(PRODUCT_MODULE_NAME).SceneDelegate"
    );
    let export = &report[paths[3].as_str()];
    assert_eq!(export["method"], "app-store-connect");
    assert_eq!(export["signingStyle"], "manual");
    assert_eq!(export["teamID"], "ABCDE12345");
    assert_eq!(
        export["provisioningProfiles"],
        json!({ "com.example.hello-ios": "Hello \"Store\" Profile" })
    );
    let entitlements = &report[paths[0].as_str()];
    assert_eq!(
        entitlements["com.apple.developer.associated-domains"],
        json!(["applinks:example.com"])
    );
}

#[test]
fn the_shared_scheme_builds_the_app_target() {
    let Some(python) = python_with(&["xml.etree.ElementTree"]) else {
        return;
    };
    let f = full();
    let script = oracle("xml_scheme.py");
    let broken = f.out.join("broken.xcscheme");
    std::fs::write(&broken, "<Scheme><BuildAction></Scheme>").unwrap();
    assert!(rejects(
        &python,
        &[script.to_str().unwrap(), broken.to_str().unwrap()],
        &[]
    ));

    let scheme = f
        .out
        .join("App.xcodeproj/xcshareddata/xcschemes/App.xcscheme");
    let report: Value = serde_json::from_str(&run(
        &python,
        &[script.to_str().unwrap(), scheme.to_str().unwrap()],
        &[],
    ))
    .unwrap();
    assert_eq!(report["root"], "Scheme");
    assert_eq!(report["actions"]["ArchiveAction"], "Release");
    assert_eq!(report["actions"]["LaunchAction"], "Debug");
    // The target id in the project file, as the plist crate reads it.
    let pbx = std::fs::read(f.out.join("App.xcodeproj/project.pbxproj")).unwrap();
    let root = plist::Value::from_reader_ascii(pbx.as_slice()).unwrap();
    let root = root.as_dictionary().unwrap();
    let objects = root.get("objects").unwrap().as_dictionary().unwrap();
    let project = objects
        .get(root.get("rootObject").unwrap().as_string().unwrap())
        .unwrap()
        .as_dictionary()
        .unwrap();
    let target = project.get("targets").unwrap().as_array().unwrap()[0]
        .as_string()
        .unwrap()
        .to_owned();
    let refs = report["references"].as_array().unwrap();
    assert_eq!(refs.len(), 3);
    for r in refs {
        assert_eq!(
            r,
            &json!([target, "App.app", "App", "container:App.xcodeproj"])
        );
    }
}
