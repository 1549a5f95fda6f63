//! The app model: everything an Android app made from a web bundle holds — the manifest, the
//! resource table (label and its translations, launcher icons, the day and night themes),
//! the resource files (icon PNGs, the adaptive-icon XML), the shell's `classes.dex` and
//! settings, and the web bundle's files — built once from the app config and the bundle.
//!
//! The two formats are two encoders of this one model, so an APK and an App Bundle of the same
//! app can never disagree on a value: [`crate::package::apk`] (binary XML and
//! `resources.arsc`) and [`crate::package::aab`] (aapt2's protobuf `XmlNode` and
//! `ResourceTable`).

use std::io::Write;
use std::path::Path;

use nativiweb_core::bundle::{self, BundleFile, LeftOut};
use nativiweb_core::config::{self, AppConfig, StartUrl};
use rayon::prelude::*;

use super::icons::{self, IconSource};
use super::manifest::{self, attr, ManifestResources};
use super::resources::{density, Config, Entry, FileKind, ResourceTable};
use super::xml::{Element, Value};
use super::{bundle_filter, PackageError, PackageOptions};
use crate::shell;

/// File extensions stored without compression: they are compressed already, so deflating
/// them costs time and saves nothing (aapt does the same).
pub(crate) const STORED_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "avif", "woff", "woff2", "mp3", "mp4", "m4a", "webm",
    "ogg", "oga", "zip", "gz", "br", "zst", "jar", "apk",
];

/// A file under `res/` and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResFile {
    /// Its path inside the app (`res/mipmap-hdpi-v4/ic_launcher.png`).
    pub path: String,
    /// Its content.
    pub content: ResContent,
}

/// The content of a resource file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResContent {
    /// A PNG image, stored as is.
    Png(Vec<u8>),
    /// An XML resource, encoded by each format's XML encoder.
    Xml(Element),
}

/// A zip entry's data, compressed (in parallel, once) for whichever format is written.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    Stored(String, Vec<u8>),
    Deflated {
        name: String,
        crc: u32,
        len: u64,
        data: Vec<u8>,
    },
}

impl Prepared {
    /// The entry's name (relative to where the format puts it).
    pub(crate) fn name(&self) -> &str {
        match self {
            Prepared::Stored(name, _) => name,
            Prepared::Deflated { name, .. } => name,
        }
    }

    /// Its size in the zip.
    pub(crate) fn stored_len(&self) -> usize {
        match self {
            Prepared::Stored(_, d) => d.len(),
            Prepared::Deflated { data, .. } => data.len(),
        }
    }

    /// Adds it to `zip` under `prefix` + its name.
    pub(crate) fn write_to<W: Write>(
        &self,
        zip: &mut crate::zip::ZipWriter<W>,
        prefix: &str,
    ) -> Result<(), crate::zip::ZipError> {
        match self {
            Prepared::Stored(name, data) => zip.add_stored(&format!("{prefix}{name}"), data),
            Prepared::Deflated {
                name,
                crc,
                len,
                data,
            } => zip.add_precompressed(&format!("{prefix}{name}"), *crc, *len, data),
        }
    }
}

/// Raw deflate at `level` (deterministic for a given level and flate2 backend).
fn deflate(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        flate2::Compression::new(level.min(9)),
    );
    // Writing into a Vec cannot fail.
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .unwrap_or_default()
}

/// `data` deflated at `level` when that makes it smaller, else stored.
pub(crate) fn prepare(name: String, data: Vec<u8>, level: Option<u32>) -> Prepared {
    if let Some(level) = level.filter(|l| *l > 0 && data.len() > 64) {
        let crc = crate::zip::crc32(&data);
        let deflated = deflate(&data, level);
        if deflated.len() < data.len() {
            return Prepared::Deflated {
                name,
                crc,
                len: data.len() as u64,
                data: deflated,
            };
        }
    }
    Prepared::Stored(name, data)
}

pub(crate) fn extension(rel: &str) -> Option<&str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rfind('.')
        .map(|i| &name[i + 1..])
        .filter(|e| !e.is_empty())
}

/// The app, ready for an encoder. Built by [`AppModel::build`].
#[derive(Debug, Clone)]
pub struct AppModel {
    /// `AndroidManifest.xml`.
    pub manifest: Element,
    /// The resource table the manifest and the resource files refer into.
    pub resources: ResourceTable,
    /// The files under `res/`, sorted by path.
    pub res_files: Vec<ResFile>,
    /// The shell's settings, stored as `assets/nativiweb.json`.
    pub settings_json: Vec<u8>,
    /// The web bundle's files, named relative to `assets/` (`www/index.html`), in the bundle's
    /// sorted order, already compressed where that pays.
    pub(crate) assets: Vec<Prepared>,
    /// How many web bundle files went in.
    pub asset_files: usize,
    /// Their total uncompressed size.
    pub asset_bytes: u64,
    /// What the bundle filter left out of the app, and why.
    pub left_out: Vec<LeftOut>,
    /// Warnings about the bundle (secret-looking files found in it), naming the files.
    pub warnings: Vec<String>,
    /// The deflate level the encoders use for their own entries.
    pub compression_level: u32,
}

impl AppModel {
    /// The shell program (`classes.dex`) every app runs.
    pub fn dex(&self) -> &'static [u8] {
        shell::CLASSES_DEX
    }

    /// The web bundle's entry names, relative to `assets/`.
    pub fn asset_names(&self) -> impl Iterator<Item = &str> {
        self.assets.iter().map(Prepared::name)
    }

    /// Builds the model of `app` with the web bundle at `web_dir` (filtered by the bundle
    /// filter, read and compressed in parallel with rendering the icons), checking `cancelled`
    /// between stages.
    pub fn build(
        app: &AppConfig,
        web_dir: Option<&Path>,
        project_dir: &Path,
        options: &PackageOptions,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<AppModel, PackageError> {
        let check = || {
            if cancelled() {
                Err(PackageError::Cancelled)
            } else {
                Ok(())
            }
        };
        config::validate_android_id("android.application_id", &app.android.application_id)
            .map_err(PackageError::AppId)?;

        // The web bundle.
        let mut web = match web_dir {
            Some(dir) => {
                if !dir.is_dir() {
                    return Err(PackageError::WebDirMissing {
                        path: dir.to_owned(),
                    });
                }
                if matches!(app.start_url, StartUrl::Bundled(_))
                    && !dir.join("index.html").is_file()
                {
                    return Err(PackageError::NoIndexHtml {
                        path: dir.to_owned(),
                    });
                }
                let filter = bundle_filter(app, dir, project_dir, &options.leave_out)?;
                bundle::collect(dir, &filter)?
            }
            None => {
                if let StartUrl::Bundled(start) = &app.start_url {
                    return Err(PackageError::NoWebDir {
                        start_url: start.clone(),
                    });
                }
                bundle::Bundle::default()
            }
        };
        let warnings = web.warnings();
        let left_out = std::mem::take(&mut web.left_out);
        let web = web.files;
        let asset_bytes: u64 = web.iter().map(|f| f.size).sum();
        if asset_bytes > options.max_asset_bytes {
            let mut largest: Vec<&BundleFile> = web.iter().collect();
            largest.sort_by(|a, b| b.size.cmp(&a.size).then(a.rel.cmp(&b.rel)));
            let largest = largest
                .iter()
                .take(3)
                .map(|f| format!("{} ({} bytes)", f.rel, f.size))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(PackageError::AssetsTooLarge {
                path: web_dir.map(Path::to_owned).unwrap_or_default(),
                total: asset_bytes,
                limit: options.max_asset_bytes,
                largest,
            });
        }
        check()?;

        // Icons (in parallel with reading and compressing the bundle).
        let icon_source = match &app.icon {
            Some(rel) => IconSource::load(&project_dir.join(rel))?,
            None => IconSource::Letter {
                name: app.name.clone(),
                color: app.theme_color,
            },
        };
        let (icons, assets) = rayon::join(
            || icon_source.render(app.background_color),
            || -> Result<Vec<Prepared>, PackageError> {
                web.par_iter()
                    .map(|f| {
                        if cancelled() {
                            return Err(PackageError::Cancelled);
                        }
                        let data = std::fs::read(&f.path).map_err(|source| PackageError::Io {
                            action: "reading",
                            path: f.path.clone(),
                            source,
                        })?;
                        let compress = !extension(&f.rel).is_some_and(|e| {
                            STORED_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                        });
                        Ok(prepare(
                            format!("{}/{}", shell::ASSET_ROOT, f.rel),
                            data,
                            compress.then_some(options.compression_level),
                        ))
                    })
                    .collect()
            },
        );
        let icons = icons?;
        let assets = assets?;
        check()?;

        // Resources.
        let mut table = ResourceTable::new(&app.android.application_id);
        let background = table.add(
            "color",
            "ic_launcher_background",
            Config::DEFAULT,
            Entry::Simple(Value::Color(icons.background.argb())),
        )?;
        let mut res_files = Vec::new();
        let mut png = |table: &mut ResourceTable, key: &str, p: &icons::DensityPng| {
            let c = Config::density(p.density);
            let path = format!("res/mipmap{}/{key}.png", c.qualifiers());
            let id = table.add(
                "mipmap",
                key,
                c,
                Entry::File {
                    path: path.clone(),
                    kind: FileKind::Png,
                },
            )?;
            res_files.push(ResFile {
                path,
                content: ResContent::Png(p.png.clone()),
            });
            Ok::<u32, PackageError>(id)
        };
        let mut icon_id = 0;
        for p in &icons.legacy {
            icon_id = png(&mut table, "ic_launcher", p)?;
        }
        let mut foreground = 0;
        for p in &icons.foreground {
            foreground = png(&mut table, "ic_launcher_foreground", p)?;
        }
        let adaptive_config = Config {
            density: density::ANY,
            sdk: 26,
            ..Config::DEFAULT
        };
        let adaptive_path = format!("res/mipmap{}/ic_launcher.xml", adaptive_config.qualifiers());
        table.add(
            "mipmap",
            "ic_launcher",
            adaptive_config,
            Entry::File {
                path: adaptive_path.clone(),
                kind: FileKind::Xml,
            },
        )?;
        res_files.push(ResFile {
            path: adaptive_path,
            content: ResContent::Xml(
                Element::new("adaptive-icon")
                    .child(Element::new("background").android(
                        "drawable",
                        attr::DRAWABLE,
                        Value::Reference(background),
                    ))
                    .child(Element::new("foreground").android(
                        "drawable",
                        attr::DRAWABLE,
                        Value::Reference(foreground),
                    )),
            ),
        });
        res_files.sort_by(|a, b| a.path.cmp(&b.path));

        let label = table.add(
            "string",
            "app_name",
            Config::DEFAULT,
            Entry::Simple(Value::String(app.name.clone())),
        )?;
        // The app config's translations, then the options' (which win for the same locale).
        let mut translations = app.name_translations.clone();
        translations.extend(options.label_translations.clone());
        for (tag, text) in &translations {
            table.add(
                "string",
                "app_name",
                Config::locale(tag)?,
                Entry::Simple(Value::String(text.clone())),
            )?;
        }
        // The theme, by day and at night: the same colours, over a light or a dark Material
        // parent, so the system's dark mode reaches the page's `prefers-color-scheme` (a
        // WebView in an app targeting API 33+ follows the theme's `isLightTheme`).
        let theme_items = |light: bool| {
            vec![
                (attr::WINDOW_NO_TITLE, Value::Bool(true)),
                (attr::WINDOW_ACTION_BAR, Value::Bool(false)),
                (
                    attr::WINDOW_BACKGROUND,
                    Value::Color(app.background_color.argb()),
                ),
                (attr::STATUS_BAR_COLOR, Value::Color(app.theme_color.argb())),
                (attr::COLOR_PRIMARY, Value::Color(app.theme_color.argb())),
                (
                    attr::COLOR_PRIMARY_DARK,
                    Value::Color(app.theme_color.argb()),
                ),
                (attr::COLOR_ACCENT, Value::Color(app.theme_color.argb())),
                (
                    attr::WINDOW_LIGHT_STATUS_BAR,
                    Value::Bool(icons::is_light(app.theme_color)),
                ),
                (attr::IS_LIGHT_THEME, Value::Bool(light)),
            ]
        };
        let theme = table.add(
            "style",
            "AppTheme",
            Config::DEFAULT,
            Entry::Style {
                parent: attr::THEME_MATERIAL_LIGHT_NO_ACTION_BAR,
                items: theme_items(true),
            },
        )?;
        table.add(
            "style",
            "AppTheme",
            Config::night(),
            Entry::Style {
                parent: attr::THEME_MATERIAL_NO_ACTION_BAR,
                items: theme_items(false),
            },
        )?;

        let manifest = manifest::manifest(
            app,
            &ManifestResources {
                label,
                icon: icon_id,
                theme,
            },
        );
        let settings = shell::settings(app, web.iter().filter_map(|f| extension(&f.rel)));
        check()?;
        Ok(AppModel {
            manifest,
            resources: table,
            res_files,
            settings_json: settings.to_json(),
            assets,
            asset_files: web.len(),
            asset_bytes,
            left_out,
            warnings,
            compression_level: options.compression_level,
        })
    }
}
