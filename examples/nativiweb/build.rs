//! `nativiweb build` (being written).

use clap::Args;

use crate::output::CliError;

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {}

/// Runs `build`.
pub async fn run(_args: BuildArgs) -> Result<(), CliError> {
    Err(CliError::input(
        "`build` is not available in this build yet",
    ))
}
