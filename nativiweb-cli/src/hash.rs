//! `nativiweb hash FILE... [--json]`: SHA-256 digests in `sha256sum`'s format.
//!
//! Text output is byte-for-byte what GNU `sha256sum` prints (`<sha256>  <path>`, with its
//! backslash escaping of names that hold `\`, newline or carriage return), so the two can be
//! diffed or fed to `sha256sum -c`. `-` (or no file at all) reads standard input. Several files
//! are hashed in parallel; large ones show a progress bar on stderr when it is a terminal.
//! A missing or unreadable file, or a directory, is bad input (exit 2); the others are still
//! printed.
//!
//! `--json` prints one document: `{"files": [{"path", "size", "sha256"} or {"path", "error",
//! "error_kind"}, …]}` in argument order, plus top-level `error` and `error_kind` when any
//! file failed — a missing file is never silently dropped.

use std::io::{IsTerminal, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nativiweb::core::hash::{self, FileDigest, HashError};
use serde::Serialize;

use crate::output::{print_json, CliError};
use crate::OutputArgs;

/// Show a progress bar when the files to hash add up to at least this many bytes.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// Arguments of `hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// Files to hash; `-` (or none) reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One file of `--json` output: its digest, or why it has none.
#[derive(Debug, Serialize)]
struct JsonDigest {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_kind: Option<&'static str>,
}

/// Runs `hash`.
pub async fn run(args: HashArgs) -> Result<(), CliError> {
    let mut files = args.files;
    if files.is_empty() {
        files.push(PathBuf::from("-"));
    }
    let results = tokio::task::spawn_blocking({
        let files = files.clone();
        move || hash_all(&files)
    })
    .await
    .map_err(|e| CliError::failed(format!("hashing crashed: {e}")))?;

    let mut errors = Vec::new();
    let mut digests = Vec::new();
    let mut json_files = Vec::new();
    for (path, result) in files.iter().zip(results) {
        let shown = path.to_string_lossy().into_owned();
        match result {
            Ok(d) => {
                json_files.push(JsonDigest {
                    path: shown,
                    size: Some(d.size),
                    sha256: Some(d.sha256.clone()),
                    error: None,
                    error_kind: None,
                });
                digests.push((path, d));
            }
            Err(e) => {
                json_files.push(JsonDigest {
                    path: shown,
                    size: None,
                    sha256: None,
                    error: Some(e.to_string()),
                    error_kind: Some(if exit_code(&e) == 2 {
                        "input"
                    } else {
                        "failed"
                    }),
                });
                errors.push(e);
            }
        }
    }

    if !args.output.json {
        let mut out = std::io::stdout().lock();
        for (path, d) in &digests {
            out.write_all(&sha256sum_line(path, &d.sha256))
                .map_err(|e| CliError::failed(format!("writing to stdout: {e}")))?;
        }
        out.flush()
            .map_err(|e| CliError::failed(format!("writing to stdout: {e}")))?;
    }
    let document = serde_json::json!({ "files": json_files });
    if args.output.json && errors.is_empty() {
        print_json(&document)?;
    }

    let err = match errors.len() {
        0 => return Ok(()),
        1 => to_cli_error(errors.remove(0)),
        n => {
            let code = errors.iter().map(exit_code).min().unwrap_or(2);
            for e in &errors {
                eprintln!("error: {e}");
            }
            let total = files.len();
            CliError {
                code,
                message: format!("{n} of {total} files could not be hashed (see above)"),
                json: None,
            }
        }
    };
    // With --json the document lists every file, the failed ones with their error.
    Err(err.with_json(document))
}

/// Hashes every path (standard input for `-`), in parallel, with a progress bar for big jobs.
fn hash_all(files: &[PathBuf]) -> Vec<Result<FileDigest, HashError>> {
    let is_stdin = |p: &PathBuf| p.as_os_str() == "-";
    let real: Vec<PathBuf> = files.iter().filter(|p| !is_stdin(p)).cloned().collect();

    let total: u64 = real
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    let bar = (total >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "hashing [{wide_bar}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let mut hashed = match &bar {
        Some(bar) => hash::sha256_files_with_progress(&real, &|n| bar.inc(n)),
        None => hash::sha256_files(&real),
    }
    .into_iter();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    // Reassemble in argument order; stdin is read once, where it first appears, like sha256sum
    // (a second `-` then hashes the empty rest of the stream).
    files
        .iter()
        .map(|p| {
            if is_stdin(p) {
                hash_stdin()
            } else {
                hashed.next().unwrap_or_else(|| {
                    Err(HashError::Interrupted {
                        path: p.clone(),
                        reason: "no result was produced".to_owned(),
                    })
                })
            }
        })
        .collect()
}

fn hash_stdin() -> Result<FileDigest, HashError> {
    let stdin = std::io::stdin();
    let lock: &mut dyn Read = &mut stdin.lock();
    hash::sha256_reader(lock).map_err(|source| HashError::Read {
        path: PathBuf::from("-"),
        source,
    })
}

/// `<sha256>  <path>\n` as GNU sha256sum writes it: a name holding `\`, newline or carriage
/// return is escaped (`\\`, `\n`, `\r`) and the line starts with a backslash.
fn sha256sum_line(path: &std::path::Path, sha256: &str) -> Vec<u8> {
    let name = path.as_os_str().as_bytes();
    let needs_escape = name.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r'));
    let mut line = Vec::with_capacity(sha256.len() + name.len() + 4);
    if needs_escape {
        line.push(b'\\');
    }
    line.extend_from_slice(sha256.as_bytes());
    line.extend_from_slice(b"  ");
    for &b in name {
        match b {
            b'\\' if needs_escape => line.extend_from_slice(b"\\\\"),
            b'\n' => line.extend_from_slice(b"\\n"),
            b'\r' => line.extend_from_slice(b"\\r"),
            _ => line.push(b),
        }
    }
    line.push(b'\n');
    line
}

/// A file that cannot be opened or is a directory is bad input (2); a read that fails part
/// way is a failed job (1).
fn exit_code(e: &HashError) -> u8 {
    match e {
        HashError::Open { .. } | HashError::IsADirectory { .. } => 2,
        _ => 1,
    }
}

fn to_cli_error(e: HashError) -> CliError {
    let code = exit_code(&e);
    CliError {
        code,
        message: e.to_string(),
        json: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_sha256sum() {
        let h = "ab";
        assert_eq!(sha256sum_line("a b".as_ref(), h), b"ab  a b\n");
        assert_eq!(sha256sum_line("a\\b".as_ref(), h), b"\\ab  a\\\\b\n");
        assert_eq!(sha256sum_line("c\nd".as_ref(), h), b"\\ab  c\\nd\n");
        assert_eq!(sha256sum_line("e\rf".as_ref(), h), b"\\ab  e\\rf\n");
    }
}
