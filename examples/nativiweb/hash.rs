//! `nativiweb hash` (being written).

use clap::Args;

use crate::output::CliError;

/// Arguments of `hash`.
#[derive(Debug, Args)]
pub struct HashArgs {}

/// Runs `hash`.
pub async fn run(_args: HashArgs) -> Result<(), CliError> {
    Err(CliError::input("`hash` is not available in this build yet"))
}
