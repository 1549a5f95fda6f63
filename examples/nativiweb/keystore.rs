//! `nativiweb keystore ...` (being written).

use clap::Subcommand;

use crate::output::CliError;

/// Keystore subcommands.
#[derive(Debug, Subcommand)]
pub enum KeystoreCommand {
    /// Create a new upload keystore.
    New,
}

/// Runs a keystore subcommand.
pub async fn run(_cmd: KeystoreCommand) -> Result<(), CliError> {
    Err(CliError::input(
        "`keystore` is not available in this build yet",
    ))
}
