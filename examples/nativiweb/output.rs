//! Errors, exit codes and output helpers shared by the commands.

use std::process::ExitCode;

/// A command's failure: the message to print and the exit code (1 job failed, 2 bad input).
#[derive(Debug)]
pub struct CliError {
    /// 1 or 2.
    pub code: u8,
    /// What went wrong and what to do.
    pub message: String,
    /// A JSON document to print on stdout (with `--json`) in place of nothing.
    pub json: Option<serde_json::Value>,
}

impl CliError {
    /// Bad input: exit code 2.
    pub fn input(message: impl std::fmt::Display) -> Self {
        CliError {
            code: 2,
            message: message.to_string(),
            json: None,
        }
    }

    /// The job failed: exit code 1.
    pub fn failed(message: impl std::fmt::Display) -> Self {
        CliError {
            code: 1,
            message: message.to_string(),
            json: None,
        }
    }

    /// Attaches a JSON document to print on stdout.
    pub fn with_json(mut self, json: serde_json::Value) -> Self {
        self.json = Some(json);
        self
    }

    /// Prints the error (and its JSON, if any) and returns the exit code.
    pub fn report(self) -> ExitCode {
        if let Some(json) = &self.json {
            println!("{}", serde_json::to_string_pretty(json).unwrap_or_default());
        }
        eprintln!("error: {}", self.message);
        ExitCode::from(self.code)
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failed(format!("could not serialize the result: {e}")))?;
    println!("{text}");
    Ok(())
}
