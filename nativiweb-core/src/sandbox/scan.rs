//! The source scan: [`SourceScanner`]s run on the project right after the source step, before
//! any of its code runs (install scripts, the web build, Gradle).
//!
//! - [`ClamAvScanner`]: `clamscan` (ClamAV) through the process runner, with the system's
//!   signature database or a custom one (`.hdb`/`.hsb` hash signatures, `.ndb`, a folder).
//!   A match blocks the build.
//! - [`SecretScanner`]: keys, keystores and files holding private keys or service-account keys,
//!   found with the bundle filter's rules ([`crate::bundle`]); a warning by default (the bundle
//!   filter keeps them out of the app anyway), blocking with [`SecretScanner::blocking`].
//!
//! [`crate::Pipeline::scanner`] adds scanners to a pipeline; [`scan`] runs a list of them.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use crate::context::BuildContext;
use crate::process::{self, Command};

/// What a finding does to the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Reported as a warning; the build goes on.
    Warning,
    /// Fails the build.
    Block,
}

/// One thing a scanner found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, under the scanned folder.
    pub path: PathBuf,
    /// What was found (a signature name, "private key").
    pub what: String,
    /// The scanner that found it.
    pub scanner: String,
    /// What it does to the build.
    pub severity: Severity,
}

/// Why a scan could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The scanner's tool failed (not a finding: it could not scan).
    #[error("{scanner} could not scan {}: {source}", root.display())]
    Tool {
        /// The scanner.
        scanner: String,
        /// The folder.
        root: PathBuf,
        /// The runner's error.
        #[source]
        source: Box<process::ProcessError>,
    },
    /// The scanner reported an error of its own.
    #[error("{scanner} could not scan {}: {message}", root.display())]
    Failed {
        /// The scanner.
        scanner: String,
        /// The folder.
        root: PathBuf,
        /// What it said.
        message: String,
    },
    /// Listing the folder failed.
    #[error("{scanner} could not list {}: {source}", root.display())]
    Bundle {
        /// The scanner.
        scanner: String,
        /// The folder.
        root: PathBuf,
        /// The listing error.
        #[source]
        source: crate::bundle::BundleError,
    },
    /// Blocking findings: the build stops.
    #[error("the source scan found {}:{}", if findings.len() == 1 { "a problem".to_owned() } else { format!("{} problems", findings.len()) }, findings.iter().map(|f| format!("\n  - {}: {} ({})", f.path.display(), f.what, f.scanner)).collect::<String>())]
    Blocked {
        /// The blocking findings.
        findings: Vec<Finding>,
    },
}

/// A scanner of the project's files. Object-safe; runs with the build's context (its tools go
/// through the process runner, so the build's sandbox applies to them).
#[crate::async_trait]
pub trait SourceScanner: Send + Sync + Debug {
    /// Its name, for messages and the report.
    fn name(&self) -> &str;

    /// Scans the folder `root`; an empty list when nothing was found.
    async fn scan(&self, ctx: &BuildContext, root: &Path) -> Result<Vec<Finding>, ScanError>;
}

/// Runs `scanners` on `root`: warnings for [`Severity::Warning`] findings, then
/// [`ScanError::Blocked`] when any finding blocks. Returns every finding.
pub async fn scan(
    ctx: &BuildContext,
    root: &Path,
    scanners: &[Box<dyn SourceScanner>],
) -> Result<Vec<Finding>, ScanError> {
    let mut all = Vec::new();
    for scanner in scanners {
        all.extend(scanner.scan(ctx, root).await?);
    }
    for f in all.iter().filter(|f| f.severity == Severity::Warning) {
        ctx.warn(format!(
            "{}: {}: {}",
            f.scanner,
            ctx.user_path(&f.path).display(),
            f.what
        ));
    }
    let blocking: Vec<Finding> = all
        .iter()
        .filter(|f| f.severity == Severity::Block)
        .cloned()
        .collect();
    if !blocking.is_empty() {
        return Err(ScanError::Blocked {
            findings: blocking
                .into_iter()
                .map(|f| Finding {
                    path: ctx.user_path(&f.path),
                    ..f
                })
                .collect(),
        });
    }
    Ok(all)
}

/// ClamAV's `clamscan`: every match blocks the build.
#[derive(Debug, Clone)]
pub struct ClamAvScanner {
    program: PathBuf,
    database: Option<PathBuf>,
}

impl Default for ClamAvScanner {
    fn default() -> Self {
        ClamAvScanner {
            program: PathBuf::from("clamscan"),
            database: None,
        }
    }
}

impl ClamAvScanner {
    /// `clamscan` from `PATH` with the system's signature database (kept fresh by
    /// `freshclam`).
    pub fn new() -> Self {
        ClamAvScanner::default()
    }

    /// Uses only this signature database (a file such as `sigs.hdb`, or a folder of them).
    /// In a sandbox, add its folder to the policy's read-only folders.
    pub fn database(mut self, db: impl Into<PathBuf>) -> Self {
        self.database = Some(db.into());
        self
    }

    /// The `clamscan` program to run.
    pub fn program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }
}

#[crate::async_trait]
impl SourceScanner for ClamAvScanner {
    fn name(&self) -> &str {
        "clamav"
    }

    async fn scan(&self, ctx: &BuildContext, root: &Path) -> Result<Vec<Finding>, ScanError> {
        let mut cmd = Command::new(&self.program)
            .args(["--recursive", "--infected", "--no-summary", "--stdout"])
            .check(false)
            .capture_stdout(true)
            .tail_lines(20);
        if let Some(db) = &self.database {
            let mut arg = std::ffi::OsString::from("--database=");
            arg.push(db);
            cmd = cmd.arg(arg);
        }
        let cmd = cmd.arg("--").arg(root).current_dir(root);
        let out = process::run(ctx, cmd).await.map_err(|e| ScanError::Tool {
            scanner: self.name().to_owned(),
            root: root.to_owned(),
            source: Box::new(e),
        })?;
        // 0: clean, 1: found, anything else: clamscan's own error.
        if out.code != 0 && out.code != 1 {
            return Err(ScanError::Failed {
                scanner: self.name().to_owned(),
                root: root.to_owned(),
                message: format!("clamscan exited with {}: {}", out.code, out.tail.join("\n")),
            });
        }
        let findings: Vec<Finding> = out
            .stdout
            .iter()
            .filter_map(|line| line.strip_suffix(" FOUND"))
            .filter_map(|l| l.rsplit_once(": "))
            .map(|(path, sig)| Finding {
                path: PathBuf::from(path),
                what: format!("malware signature {sig}"),
                scanner: self.name().to_owned(),
                severity: Severity::Block,
            })
            .collect();
        if out.code == 1 && findings.is_empty() {
            return Err(ScanError::Failed {
                scanner: self.name().to_owned(),
                root: root.to_owned(),
                message: format!(
                    "clamscan reported a match but no file: {}",
                    out.tail.join("\n")
                ),
            });
        }
        Ok(findings)
    }
}

/// Keys, keystores and private-key files in the source, by the bundle filter's rules.
#[derive(Debug, Clone)]
pub struct SecretScanner {
    severity: Severity,
}

impl Default for SecretScanner {
    fn default() -> Self {
        SecretScanner {
            severity: Severity::Warning,
        }
    }
}

impl SecretScanner {
    /// Findings are warnings.
    pub fn new() -> Self {
        SecretScanner::default()
    }

    /// Findings fail the build.
    pub fn blocking(mut self) -> Self {
        self.severity = Severity::Block;
        self
    }
}

#[crate::async_trait]
impl SourceScanner for SecretScanner {
    fn name(&self) -> &str {
        "secrets"
    }

    async fn scan(&self, _ctx: &BuildContext, root: &Path) -> Result<Vec<Finding>, ScanError> {
        let dir = root.to_owned();
        let listed = tokio::task::spawn_blocking(move || {
            crate::bundle::collect(&dir, &crate::bundle::BundleFilter::default())
        })
        .await
        .map_err(|e| ScanError::Failed {
            scanner: self.name().to_owned(),
            root: root.to_owned(),
            message: e.to_string(),
        })?
        .map_err(|source| ScanError::Bundle {
            scanner: self.name().to_owned(),
            root: root.to_owned(),
            source,
        })?;
        Ok(listed
            .left_out
            .into_iter()
            .filter(|l| l.reason.looks_secret())
            .map(|l| Finding {
                path: root.join(&l.rel),
                what: match l.reason {
                    crate::bundle::LeftOutReason::KeyMaterial => {
                        "holds a private key or a service-account key".to_owned()
                    }
                    _ => "a key or keystore file".to_owned(),
                },
                scanner: self.name().to_owned(),
                severity: self.severity,
            })
            .collect())
    }
}
