//! What the platform shells read: the `nativiweb.json` settings (start page, the hosts that
//! stay in the app, colours, the MIME types of the bundled files) that the Android shell
//! (`assets/nativiweb.json`) and the iOS shell read alike, so both apps behave the same.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{AppConfig, StartUrl};

/// The settings a platform shell reads from its `nativiweb.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShellSettings {
    /// The URL the WebView loads first.
    pub start_url: String,
    /// The host bundled assets are served from.
    pub asset_host: String,
    /// The folder under `assets/` holding the web bundle.
    pub asset_root: String,
    /// Hosts whose pages stay in the app (`*.example.com` matches subdomains).
    pub allowed_hosts: Vec<String>,
    /// The theme colour (`#rrggbb`): status bar and system bar background.
    pub theme_color: String,
    /// The page background colour (`#rrggbb`), shown before the page paints.
    pub background_color: String,
    /// `extension → [MIME type, charset]` for the extensions in the bundle (charset empty for
    /// binary types).
    pub mime: BTreeMap<String, (String, String)>,
}

impl ShellSettings {
    /// The settings for `app` whose bundled pages are served from `origin`
    /// (`https://appassets.androidplatform.net` on Android) out of the folder `asset_root`,
    /// typing the bundle's files by the given extensions.
    pub fn new<'a>(
        app: &AppConfig,
        origin: &str,
        asset_root: &str,
        extensions: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let origin = origin.trim_end_matches('/');
        let start_url = match &app.start_url {
            StartUrl::Bundled(path) => format!("{origin}{path}"),
            StartUrl::Remote(url) => url.clone(),
        };
        let mut mime = BTreeMap::new();
        for ext in extensions {
            let ext = ext.to_ascii_lowercase();
            if let Some((ty, charset)) = mime_type(&ext) {
                mime.insert(ext, (ty.to_owned(), charset.unwrap_or("").to_owned()));
            }
        }
        ShellSettings {
            start_url,
            asset_host: origin
                .split_once("://")
                .map_or(origin, |(_, host)| host)
                .to_owned(),
            asset_root: asset_root.to_owned(),
            allowed_hosts: app.allowed_hosts.clone(),
            theme_color: app.theme_color.to_string(),
            background_color: app.background_color.to_string(),
            mime,
        }
    }

    /// The JSON the packager stores (keys sorted, so the bytes are deterministic).
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain strings and maps cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// The MIME type (and charset, for text) of a lowercase file extension, or `None` when
/// unknown (the shell then answers `application/octet-stream`).
pub fn mime_type(ext: &str) -> Option<(&'static str, Option<&'static str>)> {
    const UTF8: Option<&str> = Some("utf-8");
    Some(match ext {
        "html" | "htm" => ("text/html", UTF8),
        "css" => ("text/css", UTF8),
        "js" | "mjs" | "cjs" => ("text/javascript", UTF8),
        "json" | "map" => ("application/json", UTF8),
        "webmanifest" => ("application/manifest+json", UTF8),
        "txt" => ("text/plain", UTF8),
        "csv" => ("text/csv", UTF8),
        "md" => ("text/markdown", UTF8),
        "xml" => ("application/xml", UTF8),
        "svg" => ("image/svg+xml", UTF8),
        "wasm" => ("application/wasm", None),
        "png" => ("image/png", None),
        "jpg" | "jpeg" => ("image/jpeg", None),
        "gif" => ("image/gif", None),
        "webp" => ("image/webp", None),
        "avif" => ("image/avif", None),
        "ico" => ("image/x-icon", None),
        "bmp" => ("image/bmp", None),
        "woff" => ("font/woff", None),
        "woff2" => ("font/woff2", None),
        "ttf" => ("font/ttf", None),
        "otf" => ("font/otf", None),
        "eot" => ("application/vnd.ms-fontobject", None),
        "mp3" => ("audio/mpeg", None),
        "ogg" | "oga" => ("audio/ogg", None),
        "wav" => ("audio/wav", None),
        "m4a" => ("audio/mp4", None),
        "mp4" => ("video/mp4", None),
        "webm" => ("video/webm", None),
        "pdf" => ("application/pdf", None),
        "zip" => ("application/zip", None),
        "glb" => ("model/gltf-binary", None),
        "gltf" => ("model/gltf+json", UTF8),
        _ => return None,
    })
}
