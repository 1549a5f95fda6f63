//! What goes into the app, seen from the APK itself: a static site whose folder holds
//! secrets, dependencies and earlier builds is built through the whole pipeline (directory
//! source, SDK-free packager, local sink with `--out` inside the site), and the APK's entries
//! are listed.

use std::path::Path;

use nativiweb_android::zip::ZipArchive;
use nativiweb_android::ApkPackager;
use nativiweb_core::events::event_channel;
use nativiweb_core::sink::LocalDirSink;
use nativiweb_core::source::DirectorySource;
use nativiweb_core::{BuildReport, BuildStatus, CancellationToken, Pipeline, Platform};

fn write(root: &Path, rel: &str, data: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn entries(apk: &Path) -> Vec<String> {
    let zip = ZipArchive::new(std::fs::read(apk).unwrap()).unwrap();
    zip.entries().iter().map(|e| e.name.clone()).collect()
}

async fn build(site: &Path, out: &Path) -> BuildReport {
    let report = Pipeline::new(
        Box::new(DirectorySource::new(site)),
        Box::new(ApkPackager::new()),
        Box::new(LocalDirSink::new(out)),
    )
    .platform(Platform::Android)
    .run(event_channel().0, CancellationToken::new())
    .await;
    assert_eq!(report.status, BuildStatus::Success, "{:?}", report.error);
    report
}

/// A plain static site, as a user keeps it: the pages, plus what must never ship.
fn static_site(root: &Path) {
    write(
        root,
        "index.html",
        "<!doctype html><h1>Shop</h1><script src=app.js></script>",
    );
    write(root, "app.js", "console.log('shop')");
    write(root, "about/index.html", "<h1>About</h1>");
    write(root, ".well-known/assetlinks.json", "[]");
    write(
        root,
        "nativiweb.toml",
        "id = \"com.example.shop\"\nname = \"Shop\"\nexclude = [\"*.map\", \"drafts/\"]\n",
    );
    write(root, ".env", "STRIPE_SECRET=sk_live_123");
    write(root, "id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nxyz\n");
    write(root, "keys/upload.jks", "not really a keystore");
    write(root, "node_modules/left-pad/index.js", "module.exports = 1");
    write(root, ".git/config", "[core]");
    write(root, "README.md", "# my shop");
    write(root, "package.json", "{\"name\":\"shop\"}");
    write(root, "app.js.map", "{}");
    write(root, "drafts/new.html", "<h1>draft</h1>");
    write(
        root,
        "backup/service-account.txt",
        "{\"type\": \"service_account\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\", \"client_email\": \"ci@x.iam\"}",
    );
}

#[tokio::test]
async fn secrets_dependencies_and_project_files_never_ship() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("shop");
    static_site(&site);
    let report = build(&site, &tmp.path().join("out")).await;
    let apk = Path::new(&report.artifacts[0].location);
    let names = entries(apk);
    let web: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_prefix("assets/www/"))
        .collect();
    assert_eq!(
        web,
        [
            ".well-known/assetlinks.json",
            "about/index.html",
            "app.js",
            "index.html"
        ],
        "all entries: {names:?}"
    );
    // The user is told, by name, about the secret-looking files found in the site.
    let warnings = report.warnings.join("\n");
    for named in [
        ".env",
        "id_rsa",
        "keys/upload.jks",
        "backup/service-account.txt",
    ] {
        assert!(warnings.contains(named), "{named} not named in {warnings}");
    }
}

#[tokio::test]
async fn builds_never_pack_earlier_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("shop");
    static_site(&site);
    // `nativiweb build . --out dist` run in the site: the output folder is inside the bundle.
    let out = site.join("dist");
    let mut sizes = Vec::new();
    let mut last = String::new();
    for _ in 0..3 {
        let report = build(&site, &out).await;
        last = report.artifacts[0].location.clone();
        let apk = Path::new(&last);
        assert!(apk.starts_with(out.canonicalize().unwrap()));
        let names = entries(apk);
        assert!(
            !names.iter().any(|n| n.starts_with("assets/www/dist")
                || n.ends_with(".apk")
                || n.ends_with("artifacts.json")),
            "an earlier build was packed: {names:?}"
        );
        sizes.push(std::fs::metadata(apk).unwrap().len());
    }
    assert_eq!(sizes[0], sizes[1], "{sizes:?}");
    assert_eq!(sizes[1], sizes[2], "{sizes:?}");

    // A built app copied somewhere else in the site is left out by its kind.
    std::fs::create_dir_all(site.join("downloads")).unwrap();
    std::fs::copy(&last, site.join("downloads/old.apk")).unwrap();
    std::fs::copy(
        out.join("artifacts.json"),
        site.join("downloads/artifacts.json"),
    )
    .unwrap();
    let report = build(&site, &tmp.path().join("elsewhere")).await;
    let names = entries(Path::new(&report.artifacts[0].location));
    assert!(!names.iter().any(|n| n.contains("downloads/")), "{names:?}");
}
