//! The committed shell `classes.dex` is exactly what its smali sources assemble to (so the two
//! never drift), and `dexdump` reads it with every class and the framework types it builds on.
//!
//! After editing the smali, regenerate the dex with
//! `NATIVIWEB_BLESS_SHELL=1 cargo test -p nativiweb-android --test shell`.

use std::path::Path;
use std::process::Command;

use nativiweb_android::shell;
use nativiweb_core::testing;

fn smali_ready() -> Option<std::path::PathBuf> {
    let java = testing::tool("java")?;
    testing::require(
        "Debian's smali jars (apt install libsmali-java)",
        shell::smali_classpath().is_some(),
    )
    .then_some(java)
}

#[test]
fn committed_dex_matches_the_smali_sources() {
    let Some(java) = smali_ready() else {
        return;
    };
    let dex = shell::assemble(&shell::smali_dir(), &java).unwrap();
    if std::env::var("NATIVIWEB_BLESS_SHELL").is_ok_and(|v| v == "1") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/shell/classes.dex");
        std::fs::write(&path, &dex).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    assert!(
        dex == shell::CLASSES_DEX,
        "src/shell/classes.dex is stale: the smali sources assemble to different bytes; regenerate it with NATIVIWEB_BLESS_SHELL=1 cargo test -p nativiweb-android --test shell"
    );
}

#[test]
fn assembling_is_reproducible() {
    let Some(java) = smali_ready() else {
        return;
    };
    let a = shell::assemble(&shell::smali_dir(), &java).unwrap();
    let b = shell::assemble(&shell::smali_dir(), &java).unwrap();
    assert!(a == b, "smali gave different bytes for the same sources");
}

#[test]
fn smali_sources_in_the_crate_are_the_files_on_disk() {
    for (name, text) in shell::SMALI_SOURCES {
        let path = shell::smali_dir().join("app/nativiweb/shell").join(name);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), *text, "{name}");
    }
    let on_disk = std::fs::read_dir(shell::smali_dir().join("app/nativiweb/shell"))
        .unwrap()
        .count();
    assert_eq!(on_disk, shell::SMALI_SOURCES.len());
}

/// `dexdump -d` of the committed dex (`None` when dexdump is not installed).
fn dexdump() -> Option<String> {
    let dexdump = testing::tool("dexdump")?;
    let tmp = tempfile::tempdir().unwrap();
    let dex = tmp.path().join("classes.dex");
    std::fs::write(&dex, shell::CLASSES_DEX).unwrap();
    let out = Command::new(dexdump)
        .args(["-d", dex.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "dexdump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The disassembly of one method (`"MainActivity.onCreate:"`), from its header line to the end
/// of its `catches` table.
fn method<'a>(dump: &'a str, name: &str) -> &'a str {
    let header = format!("] app.nativiweb.shell.{name}");
    let start = dump
        .find(&header)
        .unwrap_or_else(|| panic!("dexdump has no method {name}"));
    let rest = &dump[start..];
    let end = rest.find("      positions").unwrap_or(rest.len());
    &rest[..end]
}

/// The header of one class in the dump (descriptor, flags, superclass, interfaces), up to its
/// fields.
fn class_header<'a>(dump: &'a str, class: &str) -> &'a str {
    let descriptor = format!("Class descriptor  : 'Lapp/nativiweb/shell/{class};'");
    let start = dump
        .find(&descriptor)
        .unwrap_or_else(|| panic!("dexdump has no class {class}"));
    let rest = &dump[start..];
    let end = rest.find("Static fields").unwrap_or(rest.len());
    &rest[..end]
}

/// Asserts that `text` contains every string in `wants` (`what` names the place in messages).
fn assert_has(text: &str, what: &str, wants: &[&str]) {
    for want in wants {
        assert!(text.contains(want), "{what} lacks {want}");
    }
}

/// Asserts that `text` contains none of `unwanted`.
fn assert_lacks(text: &str, what: &str, unwanted: &[&str]) {
    for u in unwanted {
        assert!(!text.contains(u), "{what} still has {u}");
    }
}

#[test]
fn dexdump_disassembles_every_method() {
    let Some(text) = dexdump() else {
        return;
    };
    for want in [
        // The WebView and what it must be set up with.
        "Landroid/webkit/WebSettings;.setJavaScriptEnabled:(Z)V",
        "Landroid/webkit/WebSettings;.setDomStorageEnabled:(Z)V",
        "Landroid/webkit/WebView;.setWebViewClient:(Landroid/webkit/WebViewClient;)V",
        "Landroid/webkit/ServiceWorkerController;.setServiceWorkerClient:(Landroid/webkit/ServiceWorkerClient;)V",
        // Serving assets over https from assets/.
        "Landroid/content/res/AssetManager;.open:(Ljava/lang/String;)Ljava/io/InputStream;",
        "Landroid/webkit/WebResourceResponse;.<init>:(Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/util/Map;Ljava/io/InputStream;)V",
        "\"appassets.androidplatform.net\"",
        "\"nativiweb.json\"",
        // Links outside the allowed hosts go to the browser.
        "\"android.intent.action.VIEW\"",
        "Landroid/app/Activity;.startActivity:(Landroid/content/Intent;)V",
        // Back: history first.
        "Landroid/webkit/WebView;.canGoBack:()Z",
        "Landroid/webkit/WebView;.goBack:()V",
        "Landroid/window/OnBackInvokedDispatcher;.registerOnBackInvokedCallback:(ILandroid/window/OnBackInvokedCallback;)V",
        // <input type="file"> through the system picker.
        "Landroid/webkit/WebChromeClient$FileChooserParams;.createIntent:()Landroid/content/Intent;",
        "Landroid/webkit/WebChromeClient$FileChooserParams;.parseResult:(ILandroid/content/Intent;)[Landroid/net/Uri;",
        // Colours.
        "Landroid/view/Window;.setStatusBarColor:(I)V",
        "Landroid/graphics/Color;.parseColor:(Ljava/lang/String;)I",
    ] {
        assert!(text.contains(want), "dexdump output lacks {want}");
    }
    // Only framework classes (no androidx / support library).
    assert!(!text.contains("Landroidx/") && !text.contains("Landroid/support/"));
}

#[test]
fn saved_state_is_only_the_current_url() {
    let Some(text) = dexdump() else {
        return;
    };
    // The whole history (WebView.saveState) can pass the Binder limit: never saved or restored.
    assert_lacks(
        &text,
        "the dex",
        &[
            "Landroid/webkit/WebView;.saveState:",
            "Landroid/webkit/WebView;.restoreState:",
        ],
    );
    let save = method(&text, "MainActivity.onSaveInstanceState:");
    assert_has(
        save,
        "onSaveInstanceState",
        &[
            "Landroid/webkit/WebView;.getUrl:()Ljava/lang/String;",
            "Lapp/nativiweb/shell/MainActivity;.savableUrl:(Ljava/lang/String;)Z",
            "\"nativiweb.url\"",
            "Landroid/os/Bundle;.putString:(Ljava/lang/String;Ljava/lang/String;)V",
        ],
    );
    // Bounded: http(s) only, at most 2048 characters.
    assert_has(
        method(&text, "MainActivity.savableUrl:"),
        "savableUrl",
        &["#int 2048", "\"https://\"", "\"http://\""],
    );
    // Restored by loading that URL, if the app still shows it itself.
    assert_has(
        method(&text, "MainActivity.onCreate:"),
        "onCreate",
        &[
            "\"nativiweb.url\"",
            "Landroid/os/Bundle;.getString:(Ljava/lang/String;)Ljava/lang/String;",
            "Lapp/nativiweb/shell/Assets;.inApp:(Lapp/nativiweb/shell/MainActivity;Landroid/net/Uri;)Z",
            "Landroid/webkit/WebView;.loadUrl:(Ljava/lang/String;)V",
        ],
    );
}

#[test]
fn a_site_and_its_www_twin_are_one_app_and_redirects_out_never_leave_it_blank() {
    let Some(text) = dexdump() else {
        return;
    };
    // inApp compares an exact allowed host and the page's host without a leading "www.".
    let in_app = method(&text, "Assets.inApp:");
    assert_has(
        in_app,
        "inApp",
        &["Lapp/nativiweb/shell/Assets;.withoutWww:(Ljava/lang/String;)Ljava/lang/String;"],
    );
    assert_has(
        method(&text, "Assets.withoutWww:"),
        "withoutWww",
        &["\"www.\"", "#int 4"],
    );
    // A main-frame redirect out of the app: the browser gets it, and when nothing was shown yet
    // the app steps back (closes) instead of staying blank.
    assert_has(
        method(&text, "ShellClient.shouldOverrideUrlLoading:"),
        "shouldOverrideUrlLoading",
        &[
            "Landroid/webkit/WebResourceRequest;.isRedirect:()Z",
            "Lapp/nativiweb/shell/ShellClient;.shown:Z",
            "Lapp/nativiweb/shell/MainActivity;.goBackOrExit:()V",
        ],
    );
    assert_has(
        method(&text, "ShellClient.doUpdateVisitedHistory:"),
        "doUpdateVisitedHistory",
        &["iput-boolean", "Lapp/nativiweb/shell/ShellClient;.shown:Z"],
    );
}

#[test]
fn opening_outside_the_app_survives_any_runtime_exception() {
    let Some(text) = dexdump() else {
        return;
    };
    // startActivity can throw more than ActivityNotFoundException (SecurityException,
    // FileUriExposedException): the handlers catch RuntimeException.
    for name in [
        "ShellClient.shouldOverrideUrlLoading:",
        "MainActivity.chooseFile:",
    ] {
        assert_has(
            method(&text, name),
            name,
            &["Ljava/lang/RuntimeException; -> "],
        );
    }
    assert_lacks(
        &text,
        "the dex",
        &["Landroid/content/ActivityNotFoundException;"],
    );
}

/// Where `want` first occurs in `text` (panics naming `what` when it does not).
fn position(text: &str, what: &str, want: &str) -> usize {
    text.find(want)
        .unwrap_or_else(|| panic!("{what} lacks {want}"))
}

#[test]
fn static_exports_get_folder_urls_with_a_slash_and_file_urls_without_html() {
    let Some(text) = dexdump() else {
        return;
    };
    let serve = method(&text, "Assets.serve:");
    // The order of the tries: the file, then path.html, then a folder's index.html (only checked
    // for existence: the page is sent to path/ instead of being served at path), then the
    // single-page-app fallback.
    let open = "Lapp/nativiweb/shell/Assets;.open:";
    let html = position(serve, "serve", "\".html\"");
    let folder = position(serve, "serve", "\"/index.html\"");
    let exists = position(serve, "serve", "Lapp/nativiweb/shell/Assets;.exists:");
    let to_folder = position(serve, "serve", "Lapp/nativiweb/shell/Assets;.toFolder:");
    assert!(position(serve, "serve", open) < html);
    assert!(html < folder && folder < exists && exists < to_folder);
    assert!(
        !serve[folder..exists].contains(open),
        "serve still opens path/index.html to serve it at path"
    );
    assert!(
        serve[html..folder].contains(open),
        "serve does not try path.html"
    );
    // The move: a 200 HTML page (WebResourceResponse refuses 3xx) to the encoded path + "/",
    // with the query; the script keeps the fragment.
    let to_folder = method(&text, "Assets.toFolder:");
    assert_has(
        to_folder,
        "toFolder",
        &[
            "Landroid/net/Uri;.getEncodedPath:()Ljava/lang/String;",
            "Landroid/net/Uri;.getEncodedQuery:()Ljava/lang/String;",
            "http-equiv=\"refresh\" content=\"0; url=",
            "location.replace(location.pathname+'/'+location.search+location.hash)",
            "\"&quot;\"",
            "\"text/html\"",
            "#int 200",
        ],
    );
    assert_has(
        method(&text, "Assets.exists:"),
        "exists",
        &["Ljava/io/InputStream;.close:()V"],
    );
}

#[test]
fn camera_microphone_and_location_only_for_declared_permissions_and_app_pages() {
    let Some(text) = dexdump() else {
        return;
    };
    // ShellChrome hands the WebView's requests to Permissions.
    for (chrome, permissions) in [
        (
            "ShellChrome.onPermissionRequest:(Landroid/webkit/PermissionRequest;)V",
            "Lapp/nativiweb/shell/Permissions;.onMedia:(Landroid/webkit/PermissionRequest;)V",
        ),
        (
            "ShellChrome.onPermissionRequestCanceled:(Landroid/webkit/PermissionRequest;)V",
            "Lapp/nativiweb/shell/Permissions;.mediaCanceled:",
        ),
        (
            "ShellChrome.onGeolocationPermissionsShowPrompt:(Ljava/lang/String;Landroid/webkit/GeolocationPermissions$Callback;)V",
            "Lapp/nativiweb/shell/Permissions;.onLocation:",
        ),
        (
            "ShellChrome.onGeolocationPermissionsHidePrompt:()V",
            "Lapp/nativiweb/shell/Permissions;.locationHidden:",
        ),
    ] {
        assert_has(method(&text, chrome), chrome, &[permissions]);
    }
    // Camera <-> CAMERA, microphone <-> RECORD_AUDIO; nothing else (protected media ids, MIDI,
    // unknown resources) maps to a permission, so it is denied.
    assert_has(
        method(&text, "Permissions.forResource:"),
        "forResource",
        &[
            "\"android.webkit.resource.VIDEO_CAPTURE\"",
            "\"android.permission.CAMERA\"",
            "\"android.webkit.resource.AUDIO_CAPTURE\"",
            "\"android.permission.RECORD_AUDIO\"",
        ],
    );
    assert_lacks(&text, "the dex", &["PROTECTED_MEDIA_ID", "MIDI_SYSEX"]);
    // Declared: the manifest's <uses-permission>, read at run time (GET_PERMISSIONS = 4096).
    assert_has(
        method(&text, "Permissions.declares:"),
        "declares",
        &[
            "Landroid/content/pm/PackageManager;.getPackageInfo:(Ljava/lang/String;I)Landroid/content/pm/PackageInfo;",
            "#int 4096",
            "Landroid/content/pm/PackageInfo;.requestedPermissions:[Ljava/lang/String;",
        ],
    );
    assert_has(
        method(&text, "Permissions.granted:"),
        "granted",
        &["Landroid/content/Context;.checkSelfPermission:(Ljava/lang/String;)I"],
    );
    // Only pages in the app; ask the user first; deny otherwise.
    assert_has(
        method(&text, "Permissions.onMedia:"),
        "onMedia",
        &[
            "Landroid/webkit/PermissionRequest;.getOrigin:()Landroid/net/Uri;",
            "Lapp/nativiweb/shell/Assets;.inApp:",
            "Lapp/nativiweb/shell/Permissions;.askable:",
            "Landroid/app/Activity;.requestPermissions:([Ljava/lang/String;I)V",
            "Landroid/webkit/PermissionRequest;.deny:()V",
        ],
    );
    // Grants only the resources whose permission is usable, one by one.
    assert_has(
        method(&text, "Permissions.answerMedia:"),
        "answerMedia",
        &[
            "Lapp/nativiweb/shell/Permissions;.forResource:",
            "Lapp/nativiweb/shell/Permissions;.usable:",
            "Landroid/webkit/PermissionRequest;.grant:([Ljava/lang/String;)V",
            "Landroid/webkit/PermissionRequest;.deny:()V",
        ],
    );
    assert_has(
        method(&text, "Permissions.onLocation:"),
        "onLocation",
        &[
            "Lapp/nativiweb/shell/Assets;.inApp:",
            "\"android.permission.ACCESS_FINE_LOCATION\"",
            "\"android.permission.ACCESS_COARSE_LOCATION\"",
            "Landroid/app/Activity;.requestPermissions:([Ljava/lang/String;I)V",
            "Landroid/webkit/GeolocationPermissions$Callback;.invoke:(Ljava/lang/String;ZZ)V",
        ],
    );
    // The user's answer comes back through the activity.
    assert_has(
        method(
            &text,
            "MainActivity.onRequestPermissionsResult:(I[Ljava/lang/String;[I)V",
        ),
        "onRequestPermissionsResult",
        &["Lapp/nativiweb/shell/Permissions;.answered:(I)V"],
    );
    assert_has(
        method(&text, "Permissions.answered:"),
        "answered",
        &[
            "Lapp/nativiweb/shell/Permissions;.answerMedia:",
            "Landroid/webkit/GeolocationPermissions$Callback;.invoke:(Ljava/lang/String;ZZ)V",
        ],
    );
}

#[test]
fn edge_to_edge_pads_by_bars_cutout_and_keyboard_on_every_api() {
    let Some(text) = dexdump() else {
        return;
    };
    // The status bar colour only below API 35, where setStatusBarColor still does something.
    let on_create = method(&text, "MainActivity.onCreate:");
    let sdk = position(
        on_create,
        "onCreate",
        "Landroid/os/Build$VERSION;.SDK_INT:I",
    );
    let status = position(
        on_create,
        "onCreate",
        "Landroid/view/Window;.setStatusBarColor:(I)V",
    );
    assert!(
        sdk < status,
        "setStatusBarColor is not behind an SDK_INT check"
    );
    assert_has(
        &on_create[sdk..status],
        "the setStatusBarColor guard",
        &["#int 35", "if-ge"],
    );
    // The root is padded by a window-insets listener, not by fitsSystemWindows.
    assert_has(
        on_create,
        "onCreate",
        &[
            "Lapp/nativiweb/shell/Insets;.<init>:()V",
            "Landroid/view/View;.setOnApplyWindowInsetsListener:(Landroid/view/View$OnApplyWindowInsetsListener;)V",
        ],
    );
    assert_lacks(&text, "the dex", &["setFitsSystemWindows"]);
    assert_has(
        class_header(&text, "Insets"),
        "class Insets",
        &["'Landroid/view/View$OnApplyWindowInsetsListener;'"],
    );
    assert_has(
        method(&text, "Insets.onApplyWindowInsets:"),
        "onApplyWindowInsets",
        &[
            "#int 30",
            "#int 28",
            "Lapp/nativiweb/shell/Insets;.apply30:",
            "Lapp/nativiweb/shell/Insets;.apply28:",
            "Lapp/nativiweb/shell/Insets;.apply24:",
        ],
    );
    // API 30+: bars | cutout | keyboard as one android.graphics.Insets, then CONSUMED.
    let apply30 = method(&text, "Insets.apply30:");
    assert_has(
        apply30,
        "apply30",
        &[
            "Landroid/view/WindowInsets$Type;.systemBars:()I",
            "Landroid/view/WindowInsets$Type;.displayCutout:()I",
            "Landroid/view/WindowInsets$Type;.ime:()I",
            "Landroid/view/WindowInsets;.getInsets:(I)Landroid/graphics/Insets;",
            "Landroid/graphics/Insets;.left:I",
            "Landroid/graphics/Insets;.top:I",
            "Landroid/graphics/Insets;.right:I",
            "Landroid/graphics/Insets;.bottom:I",
            "Landroid/view/View;.setPadding:(IIII)V",
            "Landroid/view/WindowInsets;.CONSUMED:Landroid/view/WindowInsets;",
        ],
    );
    // API 28-29: system window insets widened to the cutout's safe insets.
    let apply28 = method(&text, "Insets.apply28:");
    assert_has(
        apply28,
        "apply28",
        &[
            "Landroid/view/WindowInsets;.getSystemWindowInsetTop:()I",
            "Landroid/view/WindowInsets;.getDisplayCutout:()Landroid/view/DisplayCutout;",
            "Landroid/view/DisplayCutout;.getSafeInsetLeft:()I",
            "Landroid/view/DisplayCutout;.getSafeInsetTop:()I",
            "Landroid/view/DisplayCutout;.getSafeInsetRight:()I",
            "Landroid/view/DisplayCutout;.getSafeInsetBottom:()I",
            "Landroid/view/View;.setPadding:(IIII)V",
            "Landroid/view/WindowInsets;.consumeSystemWindowInsets:()Landroid/view/WindowInsets;",
            "Landroid/view/WindowInsets;.consumeDisplayCutout:()Landroid/view/WindowInsets;",
        ],
    );
    // API 24-27: system window insets only.
    let apply24 = method(&text, "Insets.apply24:");
    assert_has(
        apply24,
        "apply24",
        &[
            "Landroid/view/WindowInsets;.getSystemWindowInsetLeft:()I",
            "Landroid/view/WindowInsets;.getSystemWindowInsetBottom:()I",
            "Landroid/view/View;.setPadding:(IIII)V",
            "Landroid/view/WindowInsets;.consumeSystemWindowInsets:()Landroid/view/WindowInsets;",
        ],
    );
    // Each path touches only what its Android has (Insets/Type: 29/30, DisplayCutout: 28).
    let newer = [
        "Landroid/graphics/Insets;",
        "Landroid/view/WindowInsets$Type;",
        "WindowInsets;.CONSUMED",
    ];
    assert_lacks(apply28, "apply28", &newer);
    assert_lacks(apply24, "apply24", &newer);
    assert_lacks(apply24, "apply24", &["Landroid/view/DisplayCutout;"]);
    assert_lacks(
        method(&text, "Insets.onApplyWindowInsets:"),
        "onApplyWindowInsets",
        &newer,
    );
}
