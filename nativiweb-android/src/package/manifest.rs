//! The `AndroidManifest.xml` of a nativiweb shell app, as the app model's [`Element`] tree
//! (encoded as binary XML for APKs and as a protobuf `XmlNode` for App Bundles).
//!
//! Values come from the [`AppConfig`]: the package is `android.application_id`, the version
//! code and name are `build` and `version`, `minSdkVersion`/`targetSdkVersion` come from the
//! `[android]` table (whose defaults follow Play's deadlines in
//! [`nativiweb_core::config::PLAY_TARGET_SDK_DEADLINES`]), the orientation from `orientation`,
//! and `usesCleartextTraffic` from `android.cleartext`. The label, icon and theme are references
//! into the app's resource table ([`ManifestResources`]).

use nativiweb_core::config::{AppConfig, Orientation};

use crate::package::xml::{Attr, Element, Value};

/// The shell's launcher activity (its class is in the committed `classes.dex`).
pub const ACTIVITY_CLASS: &str = "app.nativiweb.shell.MainActivity";

/// The permission every shell app needs to load anything from the network.
pub const INTERNET_PERMISSION: &str = "android.permission.INTERNET";

/// Framework resource ids (`android:attr/...`) of the attributes nativiweb writes. Checked
/// against `framework-res.apk` by the `axml` tests.
pub mod attr {
    /// `android:theme`.
    pub const THEME: u32 = 0x0101_0000;
    /// `android:label`.
    pub const LABEL: u32 = 0x0101_0001;
    /// `android:icon`.
    pub const ICON: u32 = 0x0101_0002;
    /// `android:name`.
    pub const NAME: u32 = 0x0101_0003;
    /// `android:exported`.
    pub const EXPORTED: u32 = 0x0101_0010;
    /// `android:launchMode`.
    pub const LAUNCH_MODE: u32 = 0x0101_001d;
    /// `android:screenOrientation`.
    pub const SCREEN_ORIENTATION: u32 = 0x0101_001e;
    /// `android:configChanges`.
    pub const CONFIG_CHANGES: u32 = 0x0101_001f;
    /// `android:drawable` (adaptive icon layers).
    pub const DRAWABLE: u32 = 0x0101_0199;
    /// `android:minSdkVersion`.
    pub const MIN_SDK_VERSION: u32 = 0x0101_020c;
    /// `android:versionCode`.
    pub const VERSION_CODE: u32 = 0x0101_021b;
    /// `android:versionName`.
    pub const VERSION_NAME: u32 = 0x0101_021c;
    /// `android:windowSoftInputMode`.
    pub const WINDOW_SOFT_INPUT_MODE: u32 = 0x0101_022b;
    /// `android:targetSdkVersion`.
    pub const TARGET_SDK_VERSION: u32 = 0x0101_0270;
    /// `android:allowBackup`.
    pub const ALLOW_BACKUP: u32 = 0x0101_0280;
    /// `android:hardwareAccelerated`.
    pub const HARDWARE_ACCELERATED: u32 = 0x0101_02d3;
    /// `android:supportsRtl`.
    pub const SUPPORTS_RTL: u32 = 0x0101_03af;
    /// `android:usesCleartextTraffic`.
    pub const USES_CLEARTEXT_TRAFFIC: u32 = 0x0101_04ec;
    /// `android:required` (`<uses-feature>`).
    pub const REQUIRED: u32 = 0x0101_028e;
    /// `android:roundIcon`.
    pub const ROUND_ICON: u32 = 0x0101_052c;
    /// `android:compileSdkVersion`.
    pub const COMPILE_SDK_VERSION: u32 = 0x0101_0572;
    /// `android:windowNoTitle` (theme item).
    pub const WINDOW_NO_TITLE: u32 = 0x0101_0056;
    /// `android:windowBackground` (theme item).
    pub const WINDOW_BACKGROUND: u32 = 0x0101_0054;
    /// `android:windowActionBar` (theme item).
    pub const WINDOW_ACTION_BAR: u32 = 0x0101_02cd;
    /// `android:colorPrimary` (theme item).
    pub const COLOR_PRIMARY: u32 = 0x0101_0433;
    /// `android:colorPrimaryDark` (theme item).
    pub const COLOR_PRIMARY_DARK: u32 = 0x0101_0434;
    /// `android:colorAccent` (theme item).
    pub const COLOR_ACCENT: u32 = 0x0101_0435;
    /// `android:statusBarColor` (theme item).
    pub const STATUS_BAR_COLOR: u32 = 0x0101_0451;
    /// `android:navigationBarColor` (theme item).
    pub const NAVIGATION_BAR_COLOR: u32 = 0x0101_0452;
    /// `android:windowLightStatusBar` (theme item, API 23).
    pub const WINDOW_LIGHT_STATUS_BAR: u32 = 0x0101_04e0;
    /// `android:isLightTheme` (theme item, API 29): what `prefers-color-scheme` follows in a
    /// WebView of an app targeting API 33+.
    pub const IS_LIGHT_THEME: u32 = 0x0101_0590;
    /// `android:style/Theme.Material.Light.NoActionBar`, the shell theme's parent by day.
    pub const THEME_MATERIAL_LIGHT_NO_ACTION_BAR: u32 = 0x0103_0241;
    /// `android:style/Theme.Material.NoActionBar`, the shell theme's parent at night.
    pub const THEME_MATERIAL_NO_ACTION_BAR: u32 = 0x0103_022e;
}

/// `configChanges` flags the activity handles itself, so rotation, resizing, keyboard, dark
/// mode, font, colour mode or locale changes do not recreate it (which would reload the page
/// and lose its state). Every flag the manifest attribute accepts (`attrs_manifest.xml`).
pub const CONFIG_CHANGES: u32 = 0x0001 // mcc
    | 0x0002 // mnc
    | 0x0004 // locale
    | 0x0008 // touchscreen
    | 0x0010 // keyboard
    | 0x0020 // keyboardHidden
    | 0x0040 // navigation
    | 0x0080 // orientation
    | 0x0100 // screenLayout
    | 0x0200 // uiMode
    | 0x0400 // screenSize
    | 0x0800 // smallestScreenSize
    | 0x1000 // density
    | 0x2000 // layoutDirection
    | 0x4000 // colorMode (wide gamut, HDR; API 26)
    | 0x8000 // grammaticalGender (API 34)
    | 0x1000_0000 // fontWeightAdjustment (API 31)
    | 0x4000_0000; // fontScale

/// `launchMode="singleTask"`: one instance, reused when the launcher or a link opens the app.
const LAUNCH_MODE_SINGLE_TASK: u32 = 2;
/// `windowSoftInputMode="adjustResize"`: the page shrinks above the keyboard.
const SOFT_INPUT_ADJUST_RESIZE: u32 = 0x10;

/// References from the manifest into the app's resource table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestResources {
    /// `@string/app_name`.
    pub label: u32,
    /// `@mipmap/ic_launcher`.
    pub icon: u32,
    /// `@style/AppTheme`.
    pub theme: u32,
}

/// The `screenOrientation` value for an [`Orientation`], or `None` to follow the device.
pub fn screen_orientation(o: Orientation) -> Option<u32> {
    match o {
        Orientation::Any => None,
        Orientation::Portrait => Some(1),  // portrait
        Orientation::Landscape => Some(6), // sensorLandscape: either landscape side
    }
}

/// The manifest for `app` as an element tree.
pub fn manifest(app: &AppConfig, res: &ManifestResources) -> Element {
    let android = &app.android;
    let mut permissions = vec![INTERNET_PERMISSION.to_owned()];
    permissions.extend(android.permissions.iter().cloned());
    permissions.sort();
    permissions.dedup();

    let mut activity = Element::new("activity")
        .android("name", attr::NAME, Value::String(ACTIVITY_CLASS.into()))
        .android("exported", attr::EXPORTED, Value::Bool(true))
        .android(
            "launchMode",
            attr::LAUNCH_MODE,
            Value::Int(LAUNCH_MODE_SINGLE_TASK),
        )
        .android(
            "configChanges",
            attr::CONFIG_CHANGES,
            Value::Hex(CONFIG_CHANGES),
        )
        .android(
            "windowSoftInputMode",
            attr::WINDOW_SOFT_INPUT_MODE,
            Value::Hex(SOFT_INPUT_ADJUST_RESIZE),
        );
    if let Some(o) = screen_orientation(app.orientation) {
        activity = activity.android("screenOrientation", attr::SCREEN_ORIENTATION, Value::Int(o));
    }
    let activity = activity.child(
        Element::new("intent-filter")
            .child(Element::new("action").android(
                "name",
                attr::NAME,
                Value::String("android.intent.action.MAIN".into()),
            ))
            .child(Element::new("category").android(
                "name",
                attr::NAME,
                Value::String("android.intent.category.LAUNCHER".into()),
            )),
    );

    let application = Element::new("application")
        .android("label", attr::LABEL, Value::Reference(res.label))
        .android("icon", attr::ICON, Value::Reference(res.icon))
        .android("theme", attr::THEME, Value::Reference(res.theme))
        .android("allowBackup", attr::ALLOW_BACKUP, Value::Bool(true))
        .android(
            "hardwareAccelerated",
            attr::HARDWARE_ACCELERATED,
            Value::Bool(true),
        )
        .android("supportsRtl", attr::SUPPORTS_RTL, Value::Bool(true))
        .android(
            "usesCleartextTraffic",
            attr::USES_CLEARTEXT_TRAFFIC,
            Value::Bool(android.cleartext),
        )
        .child(activity);

    let mut root = Element::new("manifest")
        .android(
            "versionCode",
            attr::VERSION_CODE,
            Value::Int(app.build as u32),
        )
        .android(
            "versionName",
            attr::VERSION_NAME,
            Value::String(app.version.clone()),
        )
        .android(
            "compileSdkVersion",
            attr::COMPILE_SDK_VERSION,
            Value::Int(android.target_sdk),
        )
        .attr(Attr::plain(
            "package",
            Value::String(android.application_id.clone()),
        ))
        .child(
            Element::new("uses-sdk")
                .android(
                    "minSdkVersion",
                    attr::MIN_SDK_VERSION,
                    Value::Int(android.min_sdk),
                )
                .android(
                    "targetSdkVersion",
                    attr::TARGET_SDK_VERSION,
                    Value::Int(android.target_sdk),
                ),
        );
    let mut features: Vec<&str> = permissions
        .iter()
        .filter_map(|p| optional_feature(p))
        .collect();
    features.sort();
    features.dedup();
    for p in permissions {
        root = root.child(Element::new("uses-permission").android(
            "name",
            attr::NAME,
            Value::String(p),
        ));
    }
    for f in features {
        root = root.child(
            Element::new("uses-feature")
                .android("name", attr::NAME, Value::String(f.to_owned()))
                .android("required", attr::REQUIRED, Value::Bool(false)),
        );
    }
    root.child(application)
}

/// The hardware feature a permission makes Google Play assume the app requires, declared
/// optional so devices without it (tablets without a camera, Chromebooks without GPS) can
/// still install the app; the page asks for the hardware when it needs it.
pub fn optional_feature(permission: &str) -> Option<&'static str> {
    Some(match permission {
        "android.permission.CAMERA" => "android.hardware.camera",
        "android.permission.RECORD_AUDIO" => "android.hardware.microphone",
        "android.permission.ACCESS_FINE_LOCATION" => "android.hardware.location.gps",
        "android.permission.ACCESS_COARSE_LOCATION" => "android.hardware.location",
        _ => return None,
    })
}
