//! [`crate::ProjectSource`] backends: a local directory, an uploaded zip, a git repository.

use std::path::PathBuf;

/// Why a project could not be materialized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The source directory does not exist or is not a directory.
    #[error("project directory {path} does not exist or is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
}
