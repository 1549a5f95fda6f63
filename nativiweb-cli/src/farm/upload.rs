//! `farm submit DIR`: the project folder zipped for upload — everything but what a build
//! makes again or must never travel: `.git`, `node_modules`, build outputs of Rust and
//! Gradle, and nativiweb's own outputs. Uploaded sources go through the worker's ZIP limits
//! and source scan.

use std::io::Write;
use std::path::Path;

use crate::output::CliError;

/// Folders never put in an upload.
const SKIP_DIRS: [&str; 6] = [
    ".git",
    "node_modules",
    "target",
    ".gradle",
    ".nativiweb-out",
    ".idea",
];

/// Zips `dir` into `zip` (deflate, deterministic order, Unix modes kept).
pub fn zip_dir(dir: &Path, zip: &Path) -> Result<u64, CliError> {
    let file = std::fs::File::create(zip)
        .map_err(|e| CliError::failed(format!("creating {}: {e}", zip.display())))?;
    let mut writer = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let mut files = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&folder)
            .map_err(|e| CliError::input(format!("reading {}: {e}", folder.display())))?
            .filter_map(|e| e.ok())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let rel = path.strip_prefix(dir).unwrap_or(&path);
            let rel_name = rel.to_string_lossy().replace('\\', "/");
            if meta.is_dir() {
                if SKIP_DIRS.iter().any(|s| name == *s) {
                    continue;
                }
                stack.push(path);
                continue;
            }
            if !meta.is_file() {
                continue; // symlinks and sockets do not travel
            }
            use std::os::unix::fs::PermissionsExt;
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(meta.permissions().mode() & 0o777);
            writer
                .start_file(rel_name, options)
                .map_err(|e| CliError::failed(format!("zipping {}: {e}", path.display())))?;
            let mut src = std::fs::File::open(&path)
                .map_err(|e| CliError::input(format!("reading {}: {e}", path.display())))?;
            std::io::copy(&mut src, &mut writer)
                .map_err(|e| CliError::failed(format!("zipping {}: {e}", path.display())))?;
            files += 1;
        }
    }
    let mut inner = writer
        .finish()
        .map_err(|e| CliError::failed(format!("finishing {}: {e}", zip.display())))?;
    inner
        .flush()
        .map_err(|e| CliError::failed(format!("writing {}: {e}", zip.display())))?;
    Ok(files)
}
