//! The build's outputs as artifacts under the out folder: the `.ipa` (copied), the
//! `.xcarchive` (a folder, zipped), and the dSYMs (zipped: what crash reporters need to show
//! real function names), each with its size and SHA-256.
//!
//! The zips are deterministic (entries sorted, fixed timestamps) and keep what a bundle
//! needs: executable bits and symbolic links (framework bundles use them).

use std::io::Write;
use std::path::{Path, PathBuf};

use nativiweb_core::{Artifact, ArtifactKind, Platform};
use zip::write::SimpleFileOptions;

use super::XcodeError;

/// The first `.ipa` in `dir` (by name), if any.
pub fn find_ipa(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ipa")))
        .collect();
    found.sort();
    found.into_iter().next()
}

/// The first `.xcarchive` folder in `dir` (by name), if any.
pub fn find_archive(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.extension().is_some_and(|e| e == "xcarchive"))
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Copies the ipa, zips the archive and its dSYMs into `out_dir` as `<base>.ipa`,
/// `<base>.xcarchive.zip`, `<base>-dSYMs.zip`, and describes them.
pub fn collect(
    ipa: &Path,
    archive: &Path,
    out_dir: &Path,
    base: &str,
) -> Result<Vec<Artifact>, XcodeError> {
    std::fs::create_dir_all(out_dir).map_err(XcodeError::io("creating", out_dir))?;
    let mut artifacts = Vec::new();

    let ipa_dest = out_dir.join(format!("{base}.ipa"));
    copy_atomic(ipa, &ipa_dest)?;
    artifacts.push(describe(ipa_dest, ArtifactKind::Ipa)?);

    let archive_name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "App.xcarchive".to_owned());
    let archive_zip = out_dir.join(format!("{base}.xcarchive.zip"));
    zip_dir(archive, &archive_name, &archive_zip)?;
    artifacts.push(describe(archive_zip, ArtifactKind::Xcarchive)?);

    let dsyms = archive.join("dSYMs");
    let has_dsyms = std::fs::read_dir(&dsyms).is_ok_and(|mut d| d.next().is_some());
    if has_dsyms {
        let dsym_zip = out_dir.join(format!("{base}-dSYMs.zip"));
        zip_dir(&dsyms, "dSYMs", &dsym_zip)?;
        artifacts.push(describe(dsym_zip, ArtifactKind::Zip)?);
    }
    Ok(artifacts)
}

fn describe(path: PathBuf, kind: ArtifactKind) -> Result<Artifact, XcodeError> {
    let digest = nativiweb_core::hash::sha256_file(&path).map_err(|e| XcodeError::Io {
        action: "hashing",
        path: path.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(Artifact {
        path,
        kind,
        platform: Platform::Ios,
        size: digest.size,
        sha256: digest.sha256,
    })
}

fn copy_atomic(src: &Path, dest: &Path) -> Result<(), XcodeError> {
    let tmp = tmp_name(dest);
    std::fs::copy(src, &tmp).map_err(XcodeError::io("copying the ipa to", &tmp))?;
    std::fs::rename(&tmp, dest).map_err(XcodeError::io("renaming", dest))
}

fn tmp_name(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.part"))
}

/// Zips the folder `dir` as `<root>/…` into `dest` (written to a temporary name, then renamed).
pub fn zip_dir(dir: &Path, root: &str, dest: &Path) -> Result<(), XcodeError> {
    let tmp = tmp_name(dest);
    let result = write_zip(dir, root, &tmp);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    std::fs::rename(&tmp, dest).map_err(XcodeError::io("renaming", dest))
}

fn write_zip(dir: &Path, root: &str, dest: &Path) -> Result<(), XcodeError> {
    use std::os::unix::fs::PermissionsExt;
    let zip_err = |e: zip::result::ZipError| XcodeError::Io {
        action: "zipping into",
        path: dest.to_owned(),
        source: std::io::Error::other(e.to_string()),
    };
    let file = std::fs::File::create(dest).map_err(XcodeError::io("creating", dest))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let base = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.add_directory(format!("{root}/"), base.unix_permissions(0o755))
        .map_err(zip_err)?;
    let mut stack = vec![dir.to_owned()];
    let mut entries = Vec::new();
    while let Some(d) = stack.pop() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(XcodeError::io("reading", &d))?
            .flatten()
            .map(|e| e.path())
            .collect();
        children.sort();
        for child in children {
            let meta =
                std::fs::symlink_metadata(&child).map_err(XcodeError::io("reading", &child))?;
            if meta.is_dir() {
                stack.push(child.clone());
            }
            entries.push((child, meta));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, meta) in entries {
        let rel = path
            .strip_prefix(dir)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let name = format!("{root}/{rel}");
        let mode = meta.permissions().mode() & 0o777;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(XcodeError::io("reading", &path))?;
            zip.add_symlink(name, target.to_string_lossy(), base)
                .map_err(zip_err)?;
        } else if meta.is_dir() {
            zip.add_directory(format!("{name}/"), base.unix_permissions(mode | 0o700))
                .map_err(zip_err)?;
        } else {
            zip.start_file(name, base.unix_permissions(mode))
                .map_err(zip_err)?;
            let mut f = std::fs::File::open(&path).map_err(XcodeError::io("reading", &path))?;
            std::io::copy(&mut f, &mut zip).map_err(XcodeError::io("zipping", &path))?;
        }
    }
    let mut inner = zip.finish().map_err(zip_err)?;
    inner.flush().map_err(XcodeError::io("writing", dest))?;
    Ok(())
}
