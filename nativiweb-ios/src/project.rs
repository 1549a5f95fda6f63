//! The Xcode project itself: `App.xcodeproj/project.pbxproj` (one app target, Debug and
//! Release) and the shared scheme `App.xcodeproj/xcshareddata/xcschemes/App.xcscheme`
//! (so `xcodebuild -scheme App` works on a fresh checkout, where Xcode has not made one).

use crate::options::Signing;
use crate::pbxproj::{Id, Pbxproj, Value};
use crate::shell;

/// The target, product and project name.
pub(crate) const TARGET: &str = "App";
/// The folder (and group) holding the app's sources and resources.
pub(crate) const SOURCE_DIR: &str = "App";
/// The project file's `objectVersion` (Xcode 14's format, which every Xcode since opens).
pub(crate) const OBJECT_VERSION: u32 = 56;
/// The Xcode version the project says it was last upgraded by (`LastUpgradeCheck`).
const XCODE_VERSION: &str = "1600";

/// What the project file says about the app.
#[derive(Debug, Clone)]
pub(crate) struct ProjectSpec<'a> {
    pub bundle_id: &'a str,
    pub version: &'a str,
    pub build: u64,
    pub team: Option<&'a str>,
    pub deployment_target: &'a str,
    pub signing: &'a Signing,
    /// Whether `App/App.entitlements` is written.
    pub entitlements: bool,
    /// Whether `App/www/` (the web bundle) is part of the app.
    pub web: bool,
    /// The `.lproj` folders with an `InfoPlist.strings` (translated display names), sorted.
    pub localizations: Vec<String>,
}

/// The file name of the entitlements file, in [`SOURCE_DIR`].
pub(crate) const ENTITLEMENTS: &str = "App.entitlements";

/// The settings nativiweb owns in a project file: the ones [`crate::regen`] updates in a
/// project file the user edited. `(key, value)`.
pub(crate) fn owned_settings(spec: &ProjectSpec<'_>) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("PRODUCT_BUNDLE_IDENTIFIER", spec.bundle_id.to_owned()),
        ("MARKETING_VERSION", spec.version.to_owned()),
        ("CURRENT_PROJECT_VERSION", spec.build.to_string()),
        (
            "IPHONEOS_DEPLOYMENT_TARGET",
            spec.deployment_target.to_owned(),
        ),
    ];
    if let Some(team) = spec.team {
        v.push(("DEVELOPMENT_TEAM", team.to_owned()));
    }
    v
}

fn s(v: &str) -> Value {
    Value::Str(v.to_owned())
}

fn settings(pairs: Vec<(&str, Value)>) -> Value {
    Value::Dict(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// The project file's text, and the app target's id (the scheme refers to it).
pub(crate) fn pbxproj(spec: &ProjectSpec<'_>) -> (String, Id) {
    let mut p = Pbxproj::new(OBJECT_VERSION);
    // Files of the App group, in the order the navigator shows them.
    let mut children: Vec<Value> = Vec::new();
    let mut sources: Vec<Value> = Vec::new();
    let mut resources: Vec<Value> = Vec::new();

    let file = |p: &mut Pbxproj, name: &str, kind: &str| -> Id {
        let mut fields = vec![
            ("lastKnownFileType", s(kind)),
            ("path", s(name)),
            ("sourceTree", s("<group>")),
        ];
        if kind == "sourcecode.swift" {
            fields.insert(0, ("fileEncoding", s("4")));
        }
        p.add(
            &format!("file:{SOURCE_DIR}/{name}"),
            "PBXFileReference",
            name,
            fields,
        )
    };

    for (name, _) in shell::SWIFT_SOURCES {
        let f = file(&mut p, name, "sourcecode.swift");
        children.push(f.into());
        let b = p.add(
            &format!("build:Sources/{name}"),
            "PBXBuildFile",
            format!("{name} in Sources"),
            vec![("fileRef", f.into())],
        );
        sources.push(b.into());
    }

    let resource = |p: &mut Pbxproj, name: &str, kind: &str| {
        let f = file(p, name, kind);
        let b = p.add(
            &format!("build:Resources/{name}"),
            "PBXBuildFile",
            format!("{name} in Resources"),
            vec![("fileRef", f.into())],
        );
        (f, b)
    };

    let (assets, assets_build) = resource(&mut p, "Assets.xcassets", "folder.assetcatalog");
    children.push(assets.into());
    resources.push(assets_build.into());

    let info = file(&mut p, "Info.plist", "text.plist.xml");
    children.push(info.into());

    if !spec.localizations.is_empty() {
        let mut variants = Vec::new();
        for region in &spec.localizations {
            let path = format!("{region}.lproj/InfoPlist.strings");
            let f = p.add(
                &format!("file:{SOURCE_DIR}/{path}"),
                "PBXFileReference",
                region.as_str(),
                vec![
                    ("lastKnownFileType", s("text.plist.strings")),
                    ("name", s(region)),
                    ("path", s(&path)),
                    ("sourceTree", s("<group>")),
                ],
            );
            variants.push(f.into());
        }
        let group = p.add(
            &format!("variant:{SOURCE_DIR}/InfoPlist.strings"),
            "PBXVariantGroup",
            "InfoPlist.strings",
            vec![
                ("children", Value::List(variants)),
                ("name", s("InfoPlist.strings")),
                ("sourceTree", s("<group>")),
            ],
        );
        children.push(group.into());
        let b = p.add(
            "build:Resources/InfoPlist.strings",
            "PBXBuildFile",
            "InfoPlist.strings in Resources",
            vec![("fileRef", group.into())],
        );
        resources.push(b.into());
    }

    let (json, json_build) = resource(&mut p, shell::SETTINGS_FILE, "text.json");
    children.push(json.into());
    resources.push(json_build.into());

    let (privacy, privacy_build) = resource(&mut p, "PrivacyInfo.xcprivacy", "text.xml");
    children.push(privacy.into());
    resources.push(privacy_build.into());

    if spec.entitlements {
        let f = file(&mut p, ENTITLEMENTS, "text.plist.entitlements");
        children.push(f.into());
    }

    if spec.web {
        let (www, www_build) = resource(&mut p, shell::ASSET_ROOT, "folder");
        children.push(www.into());
        resources.push(www_build.into());
    }

    let app_group = p.add(
        &format!("group:{SOURCE_DIR}"),
        "PBXGroup",
        SOURCE_DIR,
        vec![
            ("children", Value::List(children)),
            ("path", s(SOURCE_DIR)),
            ("sourceTree", s("<group>")),
        ],
    );

    let product = p.add(
        &format!("file:Products/{TARGET}.app"),
        "PBXFileReference",
        format!("{TARGET}.app"),
        vec![
            ("explicitFileType", s("wrapper.application")),
            ("includeInIndex", s("0")),
            ("path", s(&format!("{TARGET}.app"))),
            ("sourceTree", s("BUILT_PRODUCTS_DIR")),
        ],
    );
    let products = p.add(
        "group:Products",
        "PBXGroup",
        "Products",
        vec![
            ("children", Value::List(vec![product.into()])),
            ("name", s("Products")),
            ("sourceTree", s("<group>")),
        ],
    );
    let main_group = p.add(
        "group:main",
        "PBXGroup",
        "",
        vec![
            (
                "children",
                Value::List(vec![app_group.into(), products.into()]),
            ),
            ("sourceTree", s("<group>")),
        ],
    );

    let phase = |p: &mut Pbxproj, isa: &'static str, name: &str, files: Vec<Value>| {
        p.add(
            &format!("phase:{name}"),
            isa,
            name,
            vec![
                ("buildActionMask", s("2147483647")),
                ("files", Value::List(files)),
                ("runOnlyForDeploymentPostprocessing", s("0")),
            ],
        )
    };
    let sources_phase = phase(&mut p, "PBXSourcesBuildPhase", "Sources", sources);
    let frameworks_phase = phase(&mut p, "PBXFrameworksBuildPhase", "Frameworks", vec![]);
    let resources_phase = phase(&mut p, "PBXResourcesBuildPhase", "Resources", resources);

    // Build configurations: the project's (shared compiler settings) and the target's (the
    // app's identity and signing).
    let project_configs: Vec<Value> = ["Debug", "Release"]
        .iter()
        .map(|name| {
            p.add(
                &format!("config:project:{name}"),
                "XCBuildConfiguration",
                *name,
                vec![
                    ("buildSettings", project_settings(spec, name == &"Debug")),
                    ("name", s(name)),
                ],
            )
            .into()
        })
        .collect();
    let target_configs: Vec<Value> = ["Debug", "Release"]
        .iter()
        .map(|name| {
            p.add(
                &format!("config:target:{name}"),
                "XCBuildConfiguration",
                *name,
                vec![("buildSettings", target_settings(spec)), ("name", s(name))],
            )
            .into()
        })
        .collect();
    let project_list = p.add(
        "configlist:project",
        "XCConfigurationList",
        format!("Build configuration list for PBXProject \"{TARGET}\""),
        vec![
            ("buildConfigurations", Value::List(project_configs)),
            ("defaultConfigurationIsVisible", s("0")),
            ("defaultConfigurationName", s("Release")),
        ],
    );
    let target_list = p.add(
        "configlist:target",
        "XCConfigurationList",
        format!("Build configuration list for PBXNativeTarget \"{TARGET}\""),
        vec![
            ("buildConfigurations", Value::List(target_configs)),
            ("defaultConfigurationIsVisible", s("0")),
            ("defaultConfigurationName", s("Release")),
        ],
    );

    let target = p.add(
        &format!("target:{TARGET}"),
        "PBXNativeTarget",
        TARGET,
        vec![
            ("buildConfigurationList", target_list.into()),
            (
                "buildPhases",
                Value::List(vec![
                    sources_phase.into(),
                    frameworks_phase.into(),
                    resources_phase.into(),
                ]),
            ),
            ("buildRules", Value::List(vec![])),
            ("dependencies", Value::List(vec![])),
            ("name", s(TARGET)),
            ("productName", s(TARGET)),
            ("productReference", product.into()),
            ("productType", s("com.apple.product-type.application")),
        ],
    );

    let mut regions: Vec<String> = vec!["en".to_owned(), "Base".to_owned()];
    for region in &spec.localizations {
        if !regions.contains(region) {
            regions.push(region.clone());
        }
    }
    let project = p.add(
        "project",
        "PBXProject",
        "Project object",
        vec![
            (
                "attributes",
                settings(vec![
                    ("BuildIndependentTargetsInParallel", s("1")),
                    ("LastSwiftUpdateCheck", s(XCODE_VERSION)),
                    ("LastUpgradeCheck", s(XCODE_VERSION)),
                    (
                        "TargetAttributes",
                        Value::Dict(vec![(
                            target.hex(),
                            settings(vec![("CreatedOnToolsVersion", s("16.0"))]),
                        )]),
                    ),
                ]),
            ),
            ("buildConfigurationList", project_list.into()),
            ("compatibilityVersion", s("Xcode 14.0")),
            ("developmentRegion", s("en")),
            ("hasScannedForEncodings", s("0")),
            (
                "knownRegions",
                Value::List(regions.iter().map(|r| s(r)).collect()),
            ),
            ("mainGroup", main_group.into()),
            ("productRefGroup", products.into()),
            ("projectDirPath", s("")),
            ("projectRoot", s("")),
            ("targets", Value::List(vec![target.into()])),
        ],
    );
    p.set_root(project);
    (p.write(), target)
}

fn project_settings(spec: &ProjectSpec<'_>, debug: bool) -> Value {
    let mut v = vec![
        ("ALWAYS_SEARCH_USER_PATHS", s("NO")),
        ("CLANG_ENABLE_MODULES", s("YES")),
        ("CLANG_ENABLE_OBJC_ARC", s("YES")),
        ("COPY_PHASE_STRIP", s("NO")),
        ("ENABLE_STRICT_OBJC_MSGSEND", s("YES")),
        ("ENABLE_USER_SCRIPT_SANDBOXING", s("YES")),
        ("GCC_C_LANGUAGE_STANDARD", s("gnu17")),
        ("IPHONEOS_DEPLOYMENT_TARGET", s(spec.deployment_target)),
        ("SDKROOT", s("iphoneos")),
        ("SWIFT_EMIT_LOC_STRINGS", s("YES")),
    ];
    if debug {
        v.extend([
            ("DEBUG_INFORMATION_FORMAT", s("dwarf")),
            ("ENABLE_TESTABILITY", s("YES")),
            ("GCC_OPTIMIZATION_LEVEL", s("0")),
            (
                "GCC_PREPROCESSOR_DEFINITIONS",
                Value::List(vec![s("DEBUG=1"), s("$(inherited)")]),
            ),
            ("MTL_ENABLE_DEBUG_INFO", s("INCLUDE_SOURCE")),
            ("ONLY_ACTIVE_ARCH", s("YES")),
            (
                "SWIFT_ACTIVE_COMPILATION_CONDITIONS",
                s("DEBUG $(inherited)"),
            ),
            ("SWIFT_OPTIMIZATION_LEVEL", s("-Onone")),
        ]);
    } else {
        v.extend([
            ("DEBUG_INFORMATION_FORMAT", s("dwarf-with-dsym")),
            ("ENABLE_NS_ASSERTIONS", s("NO")),
            ("MTL_ENABLE_DEBUG_INFO", s("NO")),
            ("SWIFT_COMPILATION_MODE", s("wholemodule")),
            ("VALIDATE_PRODUCT", s("YES")),
        ]);
    }
    settings(v)
}

fn target_settings(spec: &ProjectSpec<'_>) -> Value {
    let mut v: Vec<(&str, Value)> = owned_settings(spec)
        .into_iter()
        .map(|(k, val)| (k, Value::Str(val)))
        .collect();
    v.extend([
        ("ASSETCATALOG_COMPILER_APPICON_NAME", s("AppIcon")),
        (
            "ASSETCATALOG_COMPILER_GLOBAL_ACCENT_COLOR_NAME",
            s("AccentColor"),
        ),
        ("CODE_SIGN_STYLE", s(spec.signing.code_sign_style())),
        ("ENABLE_PREVIEWS", s("NO")),
        ("GENERATE_INFOPLIST_FILE", s("NO")),
        ("INFOPLIST_FILE", s(&format!("{SOURCE_DIR}/Info.plist"))),
        (
            "LD_RUNPATH_SEARCH_PATHS",
            Value::List(vec![s("$(inherited)"), s("@executable_path/Frameworks")]),
        ),
        ("PRODUCT_NAME", s("$(TARGET_NAME)")),
        ("SUPPORTED_PLATFORMS", s("iphoneos iphonesimulator")),
        ("SUPPORTS_MACCATALYST", s("NO")),
        ("SWIFT_VERSION", s("5.0")),
        ("TARGETED_DEVICE_FAMILY", s("1,2")),
    ]);
    if spec.entitlements {
        v.push((
            "CODE_SIGN_ENTITLEMENTS",
            s(&format!("{SOURCE_DIR}/{ENTITLEMENTS}")),
        ));
    }
    if let Signing::Manual { profile, identity } = spec.signing {
        v.push((
            "CODE_SIGN_IDENTITY",
            s(identity.as_deref().unwrap_or("Apple Distribution")),
        ));
        v.push(("PROVISIONING_PROFILE_SPECIFIER", s(profile)));
    }
    settings(v)
}

/// The shared scheme: build, run, test and profile with Debug/Release, archive with Release.
pub(crate) fn scheme(target: Id) -> String {
    let reference = |pad: &str| {
        format!(
            "{pad}<BuildableReference\n\
             {pad}   BuildableIdentifier = \"primary\"\n\
             {pad}   BlueprintIdentifier = \"{id}\"\n\
             {pad}   BuildableName = \"{TARGET}.app\"\n\
             {pad}   BlueprintName = \"{TARGET}\"\n\
             {pad}   ReferencedContainer = \"container:{TARGET}.xcodeproj\">\n\
             {pad}</BuildableReference>\n",
            id = target.hex()
        )
    };
    let runnable = format!(
        "      <BuildableProductRunnable\n         runnableDebuggingMode = \"0\">\n{}      </BuildableProductRunnable>\n",
        reference("         ")
    );
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Scheme
   LastUpgradeVersion = "{XCODE_VERSION}"
   version = "1.7">
   <BuildAction
      parallelizeBuildables = "YES"
      buildImplicitDependencies = "YES">
      <BuildActionEntries>
         <BuildActionEntry
            buildForTesting = "YES"
            buildForRunning = "YES"
            buildForProfiling = "YES"
            buildForArchiving = "YES"
            buildForAnalyzing = "YES">
{entry}         </BuildActionEntry>
      </BuildActionEntries>
   </BuildAction>
   <TestAction
      buildConfiguration = "Debug"
      selectedDebuggerIdentifier = "Xcode.DebuggerFoundation.Debugger.LLDB"
      selectedLauncherIdentifier = "Xcode.DebuggerFoundation.Launcher.LLDB"
      shouldUseLaunchSchemeArgsEnv = "YES"
      shouldAutocreateTestPlan = "YES">
   </TestAction>
   <LaunchAction
      buildConfiguration = "Debug"
      selectedDebuggerIdentifier = "Xcode.DebuggerFoundation.Debugger.LLDB"
      selectedLauncherIdentifier = "Xcode.DebuggerFoundation.Launcher.LLDB"
      launchStyle = "0"
      useCustomWorkingDirectory = "NO"
      ignoresPersistentStateOnLaunch = "NO"
      debugDocumentVersioning = "YES"
      debugServiceExtension = "internal"
      allowLocationSimulation = "YES">
{runnable}   </LaunchAction>
   <ProfileAction
      buildConfiguration = "Release"
      shouldUseLaunchSchemeArgsEnv = "YES"
      savedToolIdentifier = ""
      useCustomWorkingDirectory = "NO"
      debugDocumentVersioning = "YES">
{runnable}   </ProfileAction>
   <AnalyzeAction
      buildConfiguration = "Debug">
   </AnalyzeAction>
   <ArchiveAction
      buildConfiguration = "Release"
      revealArchiveInOrganizer = "YES">
   </ArchiveAction>
</Scheme>
"#,
        entry = reference("            "),
    )
}
