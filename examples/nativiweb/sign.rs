//! `nativiweb sign` and `nativiweb verify` (being written).

use clap::Args;

use crate::output::CliError;

/// Arguments of `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {}

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {}

/// Runs `sign`.
pub async fn run_sign(_args: SignArgs) -> Result<(), CliError> {
    Err(CliError::input("`sign` is not available in this build yet"))
}

/// Runs `verify`.
pub async fn run_verify(_args: VerifyArgs) -> Result<(), CliError> {
    Err(CliError::input(
        "`verify` is not available in this build yet",
    ))
}
