//! [`ApkPackager`]: nativiweb's SDK-free Android builder. It turns a web bundle and the app
//! config into an installable (unsigned, aligned) APK in well under a second, with no JDK,
//! Android SDK or Gradle.
//!
//! The APK holds, in this order:
//!
//! | entry | what | how |
//! |---|---|---|
//! | `AndroidManifest.xml` | [`crate::package::apk::axml::manifest`], binary XML | deflated |
//! | `classes.dex` | the shell runtime ([`crate::shell`]) | stored, 4-aligned |
//! | `resources.arsc` | label (+ translations), launcher icons, theme ([`crate::package::apk::arsc`]) | stored, 4-aligned (Android 11+ requires it) |
//! | `res/mipmap-*/…` | launcher icons ([`crate::package::icons`]) and the adaptive icon XML | PNG stored, XML deflated |
//! | `assets/nativiweb.json` | the shell's settings | deflated |
//! | `assets/www/…` | the web bundle as [`nativiweb_core::bundle`] filters it (`_next/` and other `_` folders included; no dotfiles, keys, `node_modules`, earlier builds or `exclude` globs) | deflated in parallel, or stored when already compressed |
//!
//! The output is deterministic: files are sorted, zip entries carry a fixed timestamp, and
//! icons and deflate run with fixed settings, so the same inputs give the same bytes.
//! Signing is a separate step (the signing module's `ApkSigner`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use nativiweb_core::bundle::{self, BundleError, BundleFilter, LeftOut};
use nativiweb_core::config::{self, AppConfig};
use nativiweb_core::{Artifact, ArtifactKind, BuildContext, BuildInput, Builder, Error, Platform};

use crate::zip::ZipError;
use icons::IconSource;
pub use model::AppModel;

pub mod aab;
pub mod apk;
pub mod icons;
pub mod manifest;
pub mod model;
pub mod resources;
pub mod xml;

/// The formats the SDK-free packager writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// An APK: installable as is (sideloading, other stores, apps already on Play as APKs).
    Apk,
    /// An Android App Bundle: what Google Play requires of new apps; Play makes the APKs.
    Aab,
}

impl Format {
    /// The format for an artifact kind, if the packager writes it.
    pub fn from_kind(kind: ArtifactKind) -> Option<Format> {
        match kind {
            ArtifactKind::Apk => Some(Format::Apk),
            ArtifactKind::Aab => Some(Format::Aab),
            _ => None,
        }
    }

    /// The artifact kind of this format.
    pub fn kind(self) -> ArtifactKind {
        match self {
            Format::Apk => ArtifactKind::Apk,
            Format::Aab => ArtifactKind::Aab,
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Apk => "apk",
            Format::Aab => "aab",
        }
    }
}

/// The backend name used in logs and errors.
pub const BACKEND: &str = "apk-packager";

/// Default ceiling on the web bundle's total size (uncompressed): 150 MiB. Play refuses APKs
/// over 100 MB compressed (and AAB base modules over 200 MB), and a bundle this large is
/// almost always an accident (source maps, videos, a copied `node_modules`).
pub const DEFAULT_MAX_ASSET_BYTES: u64 = 150 * 1024 * 1024;

/// Default deflate level of web assets. Level 3 gives files about 10% larger than level 6
/// on typical JavaScript for a third of the time (measured in `benches/package.rs`); APKs
/// headed for a store can use 9 (stores recompress what they deliver anyway).
pub const DEFAULT_COMPRESSION_LEVEL: u32 = 3;

/// Options of the packager beyond the app config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageOptions {
    /// Largest total size of the web bundle, in bytes (uncompressed).
    pub max_asset_bytes: u64,
    /// Deflate level (0-9) of compressed entries; see [`DEFAULT_COMPRESSION_LEVEL`].
    pub compression_level: u32,
    /// Translations of the app's label: locale tag (`fr`, `pt-BR`) → label, on top of the app
    /// config's `name_translations` (these win for the same locale).
    pub label_translations: BTreeMap<String, String>,
    /// Folders never packaged even when they lie inside the web bundle (the build's `--out`
    /// folder); the pipeline fills it from [`nativiweb_core::BuildContext::leave_out`].
    pub leave_out: Vec<PathBuf>,
}

impl Default for PackageOptions {
    fn default() -> Self {
        PackageOptions {
            max_asset_bytes: DEFAULT_MAX_ASSET_BYTES,
            compression_level: DEFAULT_COMPRESSION_LEVEL,
            label_translations: BTreeMap::new(),
            leave_out: Vec::new(),
        }
    }
}

/// Why an APK could not be packaged. Each names the file or field at fault and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The app starts at a bundled page, but no web bundle was given.
    #[error("the app starts at the bundled page `{start_url}` but no web bundle was given: set `web_dir` in nativiweb.toml to the folder holding index.html (e.g. \"dist\"), or set `start_url` to an https:// URL")]
    NoWebDir {
        /// The bundled start path.
        start_url: String,
    },
    /// The web bundle folder does not exist.
    #[error("web bundle folder {path} does not exist: build the web app first (or skip --skip-web-build), or fix `web_dir` in nativiweb.toml")]
    WebDirMissing {
        /// The folder.
        path: PathBuf,
    },
    /// The web bundle has no index.html at its root.
    #[error("no index.html in the web bundle {path}: point `web_dir` in nativiweb.toml at the folder your build writes index.html to (often dist, build or out)")]
    NoIndexHtml {
        /// The folder.
        path: PathBuf,
    },
    /// The web bundle is over the size limit.
    #[error("the web bundle {path} is {total} bytes, over the {limit}-byte limit; largest files: {largest}. Remove what the app does not need (source maps, videos, copied node_modules), or raise PackageOptions::max_asset_bytes")]
    AssetsTooLarge {
        /// The folder.
        path: PathBuf,
        /// Total size.
        total: u64,
        /// The limit.
        limit: u64,
        /// The largest files with their sizes, for the message.
        largest: String,
    },
    /// The web bundle could not be listed (an unreadable folder, a bad `exclude` glob).
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A file in the web bundle has a name that cannot go in an APK.
    #[error(
        "web bundle file {path} has a name that is not valid UTF-8 or contains `\\`; rename it"
    )]
    BadAssetName {
        /// The file.
        path: PathBuf,
    },
    /// The application id is not one Android accepts.
    #[error("invalid application id: {0}")]
    AppId(#[source] config::ConfigError),
    /// The icon is unusable.
    #[error(transparent)]
    Icon(#[from] icons::IconError),
    /// A label translation is unusable.
    #[error("label translation: {0}")]
    Resources(#[from] resources::ResourceError),
    /// Encoding binary XML failed.
    #[error("binary XML: {0}")]
    Xml(#[from] apk::axml::AxmlError),
    /// Writing the zip failed.
    #[error("writing the app: {0}")]
    Zip(#[from] ZipError),
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The build was cancelled.
    #[error("packaging cancelled")]
    Cancelled,
}

impl PackageError {
    /// True when the input must change (the web bundle, the icon, the config, the options),
    /// as opposed to a failure of this machine (I/O) or a cancellation.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            PackageError::NoWebDir { .. }
                | PackageError::WebDirMissing { .. }
                | PackageError::NoIndexHtml { .. }
                | PackageError::AssetsTooLarge { .. }
                | PackageError::BadAssetName { .. }
                | PackageError::Bundle(BundleError::BadGlob { .. } | BundleError::BadName { .. })
                | PackageError::AppId(_)
                | PackageError::Resources(_)
                | PackageError::Icon(
                    icons::IconError::NotPng { .. }
                        | icons::IconError::Decode { .. }
                        | icons::IconError::NotSquare { .. }
                        | icons::IconError::TooSmall { .. }
                        | icons::IconError::Io { .. }
                )
        )
    }
}

fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> PackageError + 'a {
    move |source| PackageError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// What [`package_apk`] or [`package_with`] wrote (an APK or an App Bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedApk {
    /// The APK or App Bundle.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// How many web bundle files went in.
    pub asset_files: usize,
    /// Their total uncompressed size.
    pub asset_bytes: u64,
    /// What the bundle filter left out of the app, and why.
    pub left_out: Vec<LeftOut>,
    /// Warnings about the bundle (secret-looking files found in it), naming the files.
    pub warnings: Vec<String>,
}

/// An APK built in memory by [`build_apk`].
#[derive(Debug, Clone)]
pub struct BuiltApk {
    /// The APK's bytes.
    pub bytes: Vec<u8>,
    /// How many web bundle files went in.
    pub asset_files: usize,
    /// Their total uncompressed size.
    pub asset_bytes: u64,
    /// What the bundle filter left out of the app, and why.
    pub left_out: Vec<LeftOut>,
    /// Warnings about the bundle (secret-looking files found in it), naming the files.
    pub warnings: Vec<String>,
}

/// The bundle filter for `app`'s web bundle at `web_dir`: the fixed rules, the app's `exclude`
/// globs, the folders never packaged, and the project's own files when the bundle folder is
/// the project folder itself (a static site).
pub fn bundle_filter(
    app: &AppConfig,
    web_dir: &Path,
    project_dir: &Path,
    leave_out: &[PathBuf],
) -> Result<BundleFilter, BundleError> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let mut filter = BundleFilter::new(&app.exclude)?.project_files(same(web_dir, project_dir));
    for dir in leave_out {
        filter = filter.skip_folder(dir);
    }
    Ok(filter)
}

/// Reads the package, version code and SDK levels of a built APK (binary manifest) or App
/// Bundle (the base module's protobuf manifest), e.g. to check an upload before sending it.
pub fn read_app_file(path: &Path) -> Result<crate::sign::manifest::ManifestInfo, String> {
    let zip = crate::zip::ZipArchive::open(path).map_err(|e| e.to_string())?;
    let read = |name: &str| {
        zip.entry(name)
            .map(|e| zip.read(e).map_err(|e| e.to_string()))
    };
    if let Some(xml) = read("AndroidManifest.xml") {
        crate::sign::manifest::read_manifest(&xml?)
    } else if let Some(proto) = read("base/manifest/AndroidManifest.xml") {
        aab::read_manifest(&proto?)
    } else {
        Err("it has neither AndroidManifest.xml (an APK) nor base/manifest/AndroidManifest.xml (an App Bundle)".into())
    }
}

/// Packages `app` into an unsigned, aligned APK at `out` with default [`PackageOptions`].
///
/// `web_dir` is the built web bundle (holding `index.html`); it may be `None` only for an app
/// whose `start_url` is remote. `project_dir` is where the config's relative paths (the icon)
/// start. `out` is written through a temporary file and renamed, so it is never half-written.
pub fn package_apk(
    app: &AppConfig,
    web_dir: Option<&Path>,
    project_dir: &Path,
    out: &Path,
) -> Result<PackagedApk, PackageError> {
    package_apk_with(
        app,
        web_dir,
        project_dir,
        out,
        &PackageOptions::default(),
        &|| false,
    )
}

/// [`package_apk`] with options, checking `cancelled` between stages.
pub fn package_apk_with(
    app: &AppConfig,
    web_dir: Option<&Path>,
    project_dir: &Path,
    out: &Path,
    options: &PackageOptions,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<PackagedApk, PackageError> {
    package_with(
        Format::Apk,
        app,
        web_dir,
        project_dir,
        out,
        options,
        cancelled,
    )
}

/// Packages `app` as `format` (an APK or an App Bundle, unsigned) at `out`, checking
/// `cancelled` between stages. `out` is written through a temporary file and renamed.
pub fn package_with(
    format: Format,
    app: &AppConfig,
    web_dir: Option<&Path>,
    project_dir: &Path,
    out: &Path,
    options: &PackageOptions,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<PackagedApk, PackageError> {
    let built = build(format, app, web_dir, project_dir, options, cancelled)?;
    let bytes = built.bytes;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io("creating a file in", &dir))?;
    tmp.write_all(&bytes).map_err(io("writing", tmp.path()))?;
    tmp.as_file().sync_all().map_err(io("writing", out))?;
    tmp.persist(out).map_err(|e| PackageError::Io {
        action: "renaming into",
        path: out.to_owned(),
        source: e.error,
    })?;
    Ok(PackagedApk {
        path: out.to_owned(),
        size: bytes.len() as u64,
        sha256: nativiweb_core::hash::sha256_hex(&bytes),
        asset_files: built.asset_files,
        asset_bytes: built.asset_bytes,
        left_out: built.left_out,
        warnings: built.warnings,
    })
}

/// Builds the APK in memory: its bytes, what went in from the web bundle and what the bundle
/// filter left out.
pub fn build_apk(
    app: &AppConfig,
    web_dir: Option<&Path>,
    project_dir: &Path,
    options: &PackageOptions,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<BuiltApk, PackageError> {
    build(Format::Apk, app, web_dir, project_dir, options, cancelled)
}

/// Builds the App Bundle in memory (see [`aab`]): its bytes, what went in from the web bundle
/// and what the bundle filter left out.
pub fn build_aab(
    app: &AppConfig,
    web_dir: Option<&Path>,
    project_dir: &Path,
    options: &PackageOptions,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<BuiltApk, PackageError> {
    build(Format::Aab, app, web_dir, project_dir, options, cancelled)
}

/// Builds `format` in memory: the app model ([`AppModel::build`]), then its encoder.
pub fn build(
    format: Format,
    app: &AppConfig,
    web_dir: Option<&Path>,
    project_dir: &Path,
    options: &PackageOptions,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<BuiltApk, PackageError> {
    let model = AppModel::build(app, web_dir, project_dir, options, cancelled)?;
    let bytes = match format {
        Format::Apk => apk::encode(&model)?,
        Format::Aab => aab::encode(&model)?,
    };
    Ok(BuiltApk {
        bytes,
        asset_files: model.asset_files,
        asset_bytes: model.asset_bytes,
        left_out: model.left_out,
        warnings: model.warnings,
    })
}

/// nativiweb's SDK-free Android [`Builder`] (`--builder direct`): writes an unsigned, aligned
/// APK (`--format apk`, the default) or an App Bundle (`--format aab`) named
/// `<applicationId>-<version>-unsigned.<apk|aab>` in the build's out dir.
#[derive(Debug, Clone, Default)]
pub struct ApkPackager {
    options: PackageOptions,
}

impl ApkPackager {
    /// A packager with default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// A packager with the given options (asset size limit, label translations).
    pub fn with_options(options: PackageOptions) -> Self {
        ApkPackager { options }
    }

    /// The options in use.
    pub fn options(&self) -> &PackageOptions {
        &self.options
    }

    /// The APK file name the packager writes for `app`.
    pub fn file_name(app: &AppConfig) -> String {
        Self::file_name_for(app, Format::Apk)
    }

    /// The file name the packager writes for `app` in `format`:
    /// `<applicationId>-<version>-unsigned.<apk|aab>`.
    pub fn file_name_for(app: &AppConfig, format: Format) -> String {
        format!(
            "{}-{}-unsigned.{}",
            app.android.application_id,
            app.version,
            format.extension()
        )
    }
}

/// The format asked for: APK by default, or an App Bundle; nothing else.
fn check_format(input: &BuildInput) -> nativiweb_core::Result<Format> {
    match input.format {
        None => Ok(Format::Apk),
        Some(kind) => Format::from_kind(kind).ok_or_else(|| {
            Error::InvalidInput(format!(
                "the direct builder writes APKs and App Bundles, not {kind}: use --format apk or --format aab"
            ))
        }),
    }
}

#[async_trait]
impl Builder for ApkPackager {
    fn name(&self) -> &str {
        "direct"
    }

    fn platform(&self) -> Platform {
        Platform::Android
    }

    /// Before the web build: the format, the application id, the icon (decoded) and the
    /// `exclude` globs, every problem at once.
    async fn preflight(
        &self,
        ctx: &BuildContext,
        input: &BuildInput,
    ) -> nativiweb_core::Result<()> {
        let mut problems = Vec::new();
        if let Err(e) = check_format(input) {
            problems.push(e);
        }
        let app = ctx.app()?.clone();
        let project_dir = input.project_dir.clone();
        let checked = tokio::task::spawn_blocking(move || -> Vec<PackageError> {
            let mut found = Vec::new();
            if let Err(e) =
                config::validate_android_id("android.application_id", &app.android.application_id)
            {
                found.push(PackageError::AppId(e));
            }
            if let Some(rel) = &app.icon {
                if let Err(e) = IconSource::load(&project_dir.join(rel)) {
                    found.push(PackageError::Icon(e));
                }
            }
            if let Err(e) = BundleFilter::new(&app.exclude) {
                found.push(PackageError::Bundle(e));
            }
            found
        })
        .await
        .map_err(|e| Error::backend(BACKEND, format!("checking the inputs failed: {e}")))?;
        for e in checked {
            problems.push(if e.is_input() {
                Error::rejected(BACKEND, e)
            } else {
                Error::backend(BACKEND, e)
            });
        }
        Error::from_problems(problems).map_or(Ok(()), Err)
    }

    async fn build(
        &self,
        ctx: &BuildContext,
        input: &BuildInput,
    ) -> nativiweb_core::Result<Vec<Artifact>> {
        let format = check_format(input)?;
        let app = ctx.app()?.clone();
        let out = input.out_dir.join(Self::file_name_for(&app, format));
        let web_dir = input.web_dir.clone();
        let project_dir = input.project_dir.clone();
        let mut options = self.options.clone();
        options.leave_out.extend(ctx.leave_out.iter().cloned());
        let cancel = ctx.cancel.clone();
        ctx.info(format!("packaging {} (SDK-free)", out.display()));
        let started = std::time::Instant::now();
        let result = tokio::task::spawn_blocking(move || {
            package_with(
                format,
                &app,
                web_dir.as_deref(),
                &project_dir,
                &out,
                &options,
                &|| cancel.is_cancelled(),
            )
        })
        .await
        .map_err(|e| Error::backend(BACKEND, format!("packaging task failed: {e}")))?;
        let apk = match result {
            Ok(apk) => apk,
            Err(PackageError::Cancelled) => return Err(Error::Cancelled),
            Err(e) if e.is_input() => return Err(Error::rejected(BACKEND, e)),
            Err(e) => return Err(Error::backend(BACKEND, e)),
        };
        for warning in &apk.warnings {
            ctx.warn(warning);
        }
        if let Some(summary) = bundle::summarize(&apk.left_out) {
            ctx.info(summary);
        }
        ctx.info(format!(
            "wrote {} ({} bytes, {} web files) in {} ms; it is unsigned: sign it before installing",
            apk.path.display(),
            apk.size,
            apk.asset_files,
            started.elapsed().as_millis()
        ));
        Ok(vec![Artifact {
            path: apk.path,
            kind: format.kind(),
            platform: Platform::Android,
            size: apk.size,
            sha256: apk.sha256,
        }])
    }
}
