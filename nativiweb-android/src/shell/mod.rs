//! The shell runtime: the small Android program (`classes.dex`) that every APK from
//! [`crate::package`] runs, and the settings file it reads.
//!
//! Its source is the smali in `src/shell/smali/` (eight classes, framework APIs only, nothing
//! from androidx, so it runs from Android 7 / API 24; calls to newer APIs are behind
//! `Build.VERSION.SDK_INT` checks, in methods or classes of their own that older devices never
//! run). `src/shell/classes.dex` is that source assembled by Debian's smali 2.5.2 and
//! committed, so building an APK needs no JDK; a test re-assembles the source and checks the
//! bytes match, so the two never drift. After editing the smali, regenerate the dex with
//! `NATIVIWEB_BLESS_SHELL=1 cargo test -p nativiweb-android --test shell`.
//!
//! What it does:
//! - `MainActivity`: one full-screen `WebView` (JavaScript and DOM storage on, file access
//!   off) in a root view painted in the theme colour and padded by `Insets` for the system
//!   bars, the display cutout and the keyboard; the status bar in the theme colour up to
//!   Android 14. Back walks the page history, then leaves (with Android 13+'s
//!   `OnBackInvokedDispatcher` through `BackCallback`, as Android 16 requires for apps
//!   targeting API 36). Going to the background it saves only the current page's URL, and
//!   loads it again when Android restarts the app.
//! - `Assets`: serves `assets/www/` at `https://appassets.androidplatform.net/` by intercepting
//!   requests (`ShellClient` for pages, `SwClient` for service workers), with the MIME types
//!   the packager wrote: `index.html` for folders (a folder asked without its trailing slash
//!   first moves there), `path.html` for a path without an extension, and a single-page-app
//!   fallback to the root `index.html` for navigations and extension-less paths.
//!   Pages served this way have the origin `https://appassets.androidplatform.net`: an API
//!   on another host that the app calls with `fetch` must allow that origin (CORS), as it
//!   would any other site's.
//! - `ShellClient`: keeps navigation on the asset host and `allowed_hosts` (each with or
//!   without `www.`) in the app, opens every other link with `Intent.ACTION_VIEW` (the
//!   browser, the dialer, the mail app), and recreates the page when the renderer process dies
//!   instead of crashing.
//! - `ShellChrome`: JavaScript dialogs, `<input type="file">` through the system picker
//!   (`FileChooserParams.createIntent`, answered in `MainActivity.onActivityResult`), and the
//!   page's camera, microphone and location requests, decided by `Permissions`.
//! - `Permissions`: grants those requests to pages in the app for the permissions the
//!   manifest declares (`[android] permissions` in the config), asking the user first.
//! - `Insets`: the root view's `View.OnApplyWindowInsetsListener` (edge to edge).
//!
//! Field fixes (issue #8):
//! 1. **Saved state.** `onSaveInstanceState` keeps only the current page's URL (when it is
//!    http(s) and at most 2048 characters), never `WebView.saveState`: a long history could
//!    pass the Binder limit and crash the app in the background with
//!    `TransactionTooLargeException`. After the process was killed, `onCreate` loads that URL
//!    again if `Assets.inApp` still accepts it, else the start URL.
//! 2. **Redirects in remote mode.** An exact `allowed_hosts` entry covers its `www.` twin
//!    (`example.com` allows `www.example.com`, and `www.example.com` allows `example.com`), so
//!    a start host that redirects to it (or back) stays in the app. A main-frame server
//!    redirect (`WebResourceRequest.isRedirect`) to a host outside the app still opens in the
//!    browser, but the app keeps the page it showed; when it had shown none yet (the start URL
//!    itself redirected away) it steps back as the back button would, which closes it, rather
//!    than stay blank.
//! 3. **Static exports.** A path without a trailing slash that is a folder with an
//!    `index.html` in the bundle (`/docs` for `docs/index.html`) gets a small HTML page (status
//!    200: `WebResourceResponse` refuses 3xx) that moves to `/docs/` at once
//!    (`location.replace`, keeping the query and the fragment; a `<meta http-equiv=refresh>`
//!    as fallback), so the index's relative links resolve inside the folder. A path without an
//!    extension first tries `path.html` (Next.js `trailingSlash: false`, Astro
//!    `build.format: 'file'`, SvelteKit), before the folder and the single-page-app fallback.
//! 4. **External links.** Opening a link outside the app (and the file picker) catches any
//!    `RuntimeException` from `startActivity` (`ActivityNotFoundException`,
//!    `SecurityException`, `FileUriExposedException`, ...) instead of crashing.
//! 5. **Camera, microphone, location.** `ShellChrome.onPermissionRequest` (getUserMedia) and
//!    `onGeolocationPermissionsShowPrompt` (`navigator.geolocation`) grant only pages in the
//!    app (the request's origin passes `Assets.inApp`) and only what the app's manifest
//!    declares, read at run time (`PackageManager.getPackageInfo(.., GET_PERMISSIONS)`): the
//!    camera needs `android.permission.CAMERA`, the microphone `RECORD_AUDIO`, location
//!    `ACCESS_FINE_LOCATION` or `ACCESS_COARSE_LOCATION`. A declared permission not granted
//!    yet is asked for first (`Activity.requestPermissions`, answered in
//!    `MainActivity.onRequestPermissionsResult`); anything else is denied, including
//!    protected media ids (DRM), MIDI sysex and resources a newer WebView may add.
//! 6. **Dark mode** (the theme, not this code): `prefers-color-scheme` follows the system
//!    through the DayNight theme the packager writes into `resources.arsc`.
//! 7. **Configuration changes** (the manifest, not this code): the activity's
//!    `android:configChanges` (`crate::axml::manifest::CONFIG_CHANGES`: orientation, screen
//!    size and layout, smallest screen size, density, font scale, keyboard, navigation, dark
//!    mode (`uiMode`), locale, layout direction, mcc/mnc) keeps Android from recreating the
//!    activity, which would reload the page and lose its state.
//! 8. **Edge to edge.** From Android 15 (API 35) apps targeting it are drawn behind the system
//!    bars, and `Window.setStatusBarColor` is deprecated and does nothing: it is only called
//!    on API 24-34. On every API the root is padded by `Insets` (a
//!    `View.OnApplyWindowInsetsListener`, instead of `setFitsSystemWindows`, which the enforced
//!    edge-to-edge layout ignores in some cases): on API 30+ by
//!    `WindowInsets.getInsets(systemBars() | displayCutout() | ime())`, on 28-29 by the system
//!    window insets widened to the display cutout's safe insets, on 24-27 by the system window
//!    insets; the insets are then consumed. The bar areas show the root's background, the
//!    theme colour.

use std::path::{Path, PathBuf};

use nativiweb_core::config::AppConfig;

/// The assembled shell, stored in every APK as `classes.dex`.
pub const CLASSES_DEX: &[u8] = include_bytes!("classes.dex");

/// The shell's smali sources `(file name, text)`, as compiled into [`CLASSES_DEX`].
pub const SMALI_SOURCES: &[(&str, &str)] = &[
    (
        "Assets.smali",
        include_str!("smali/app/nativiweb/shell/Assets.smali"),
    ),
    (
        "BackCallback.smali",
        include_str!("smali/app/nativiweb/shell/BackCallback.smali"),
    ),
    (
        "Insets.smali",
        include_str!("smali/app/nativiweb/shell/Insets.smali"),
    ),
    (
        "MainActivity.smali",
        include_str!("smali/app/nativiweb/shell/MainActivity.smali"),
    ),
    (
        "Permissions.smali",
        include_str!("smali/app/nativiweb/shell/Permissions.smali"),
    ),
    (
        "ShellChrome.smali",
        include_str!("smali/app/nativiweb/shell/ShellChrome.smali"),
    ),
    (
        "ShellClient.smali",
        include_str!("smali/app/nativiweb/shell/ShellClient.smali"),
    ),
    (
        "SwClient.smali",
        include_str!("smali/app/nativiweb/shell/SwClient.smali"),
    ),
];

/// The host the shell serves bundled assets from. Android reserves it for this purpose (it is
/// what androidx's `WebViewAssetLoader` uses), so it never collides with a real site.
pub const ASSET_HOST: &str = "appassets.androidplatform.net";

/// Where in the APK the web bundle goes: `assets/www/...`.
pub const ASSET_ROOT: &str = "www";

/// Where in the APK the settings go.
pub const SETTINGS_PATH: &str = "assets/nativiweb.json";

/// The API level the dex is assembled for.
pub const DEX_API_LEVEL: u32 = 24;

/// The settings the shell reads from `assets/nativiweb.json`: the platform-independent
/// [`nativiweb_core::shell::ShellSettings`], served from [`ASSET_HOST`].
pub use nativiweb_core::shell::{mime_type, ShellSettings};

/// The settings for `app` as the Android shell serves it (bundled pages from
/// `https://appassets.androidplatform.net/`, files under `assets/www/`).
pub fn settings<'a>(
    app: &AppConfig,
    extensions: impl IntoIterator<Item = &'a str>,
) -> ShellSettings {
    ShellSettings::new(
        app,
        &format!("https://{ASSET_HOST}"),
        ASSET_ROOT,
        extensions,
    )
}

/// Why the smali assembler could not run (tests and regeneration only).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssembleError {
    /// Java or the smali jars are missing.
    #[error("cannot assemble the shell: {0}; install `default-jre-headless` and `libsmali-java`")]
    Missing(String),
    /// smali ran and failed.
    #[error("smali failed ({status}): {stderr}")]
    Failed {
        /// The exit status.
        status: String,
        /// What it printed.
        stderr: String,
    },
    /// Reading the sources or writing the output failed.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The jars Debian's `smali` wrapper puts on the classpath.
const SMALI_JARS: &[&str] = &[
    "smali",
    "smali-util",
    "dexlib2",
    "antlr3-runtime",
    "guava",
    "jcommander",
];

/// The classpath for Debian's smali (from `/usr/share/java`), when every jar is there.
pub fn smali_classpath() -> Option<String> {
    let dir = Path::new("/usr/share/java");
    let jars: Vec<PathBuf> = SMALI_JARS
        .iter()
        .map(|j| dir.join(format!("{j}.jar")))
        .collect();
    jars.iter().all(|j| j.is_file()).then(|| {
        jars.iter()
            .map(|j| j.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    })
}

/// The smali sources' folder in this crate's source tree.
pub fn smali_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/shell/smali")
}

/// Assembles the `.smali` files under `dir` into a dex with Debian's smali: one thread
/// (smali's parallel mode orders some tables by completion, so it is not reproducible) and the
/// files in sorted order. Returns the dex bytes.
pub fn assemble(dir: &Path, java: &Path) -> Result<Vec<u8>, AssembleError> {
    let cp = smali_classpath().ok_or_else(|| {
        AssembleError::Missing("the smali jars are not in /usr/share/java".into())
    })?;
    let mut files = Vec::new();
    collect_smali(dir, &mut files)?;
    files.sort();
    let out_dir = tempfile::tempdir().map_err(|source| AssembleError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let out = out_dir.path().join("classes.dex");
    let output = std::process::Command::new(java)
        .arg("-cp")
        .arg(cp)
        .arg("org.jf.smali.Main")
        .arg("assemble")
        .arg("-j")
        .arg("1")
        .arg("--api")
        .arg(DEX_API_LEVEL.to_string())
        .arg("-o")
        .arg(&out)
        .args(&files)
        .output()
        .map_err(|e| AssembleError::Missing(format!("running {}: {e}", java.display())))?;
    if !output.status.success() {
        return Err(AssembleError::Failed {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    std::fs::read(&out).map_err(|source| AssembleError::Io { path: out, source })
}

fn collect_smali(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), AssembleError> {
    let entries = std::fs::read_dir(dir).map_err(|source| AssembleError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| AssembleError::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_smali(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "smali") {
            files.push(path);
        }
    }
    Ok(())
}
