//! The framework resource ids nativiweb writes into manifests and themes are the real ones:
//! checked against `framework-res.apk` (Debian's android-framework-res) with `aapt`.

use std::path::Path;
use std::process::Command;

use nativiweb_android::package::apk::axml::manifest::attr;
use nativiweb_core::testing;

const FRAMEWORK_RES: &str = "/usr/share/android-framework-res/framework-res.apk";

#[test]
fn attribute_ids_match_framework_res() {
    let Some(aapt) = testing::tool("aapt") else {
        return;
    };
    if !testing::require(
        "framework-res.apk (apt install android-framework-res)",
        Path::new(FRAMEWORK_RES).is_file(),
    ) {
        return;
    }
    let out = Command::new(aapt)
        .args(["dump", "resources", FRAMEWORK_RES])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, id) in [
        ("attr/theme", attr::THEME),
        ("attr/label", attr::LABEL),
        ("attr/icon", attr::ICON),
        ("attr/name", attr::NAME),
        ("attr/exported", attr::EXPORTED),
        ("attr/launchMode", attr::LAUNCH_MODE),
        ("attr/screenOrientation", attr::SCREEN_ORIENTATION),
        ("attr/configChanges", attr::CONFIG_CHANGES),
        ("attr/drawable", attr::DRAWABLE),
        ("attr/minSdkVersion", attr::MIN_SDK_VERSION),
        ("attr/versionCode", attr::VERSION_CODE),
        ("attr/versionName", attr::VERSION_NAME),
        ("attr/windowSoftInputMode", attr::WINDOW_SOFT_INPUT_MODE),
        ("attr/targetSdkVersion", attr::TARGET_SDK_VERSION),
        ("attr/allowBackup", attr::ALLOW_BACKUP),
        ("attr/hardwareAccelerated", attr::HARDWARE_ACCELERATED),
        ("attr/supportsRtl", attr::SUPPORTS_RTL),
        ("attr/usesCleartextTraffic", attr::USES_CLEARTEXT_TRAFFIC),
        ("attr/roundIcon", attr::ROUND_ICON),
        ("attr/required", attr::REQUIRED),
        ("attr/isLightTheme", attr::IS_LIGHT_THEME),
        (
            "style/Theme.Material.NoActionBar",
            attr::THEME_MATERIAL_NO_ACTION_BAR,
        ),
        ("attr/compileSdkVersion", attr::COMPILE_SDK_VERSION),
        ("attr/windowNoTitle", attr::WINDOW_NO_TITLE),
        ("attr/windowBackground", attr::WINDOW_BACKGROUND),
        ("attr/windowActionBar", attr::WINDOW_ACTION_BAR),
        ("attr/colorPrimary", attr::COLOR_PRIMARY),
        ("attr/colorPrimaryDark", attr::COLOR_PRIMARY_DARK),
        ("attr/colorAccent", attr::COLOR_ACCENT),
        ("attr/statusBarColor", attr::STATUS_BAR_COLOR),
        ("attr/navigationBarColor", attr::NAVIGATION_BAR_COLOR),
        ("attr/windowLightStatusBar", attr::WINDOW_LIGHT_STATUS_BAR),
        (
            "style/Theme.Material.Light.NoActionBar",
            attr::THEME_MATERIAL_LIGHT_NO_ACTION_BAR,
        ),
    ] {
        let want = format!("spec resource {id:#010x} android:{name}:");
        assert!(text.contains(&want), "framework-res has no `{want}`");
    }
}
