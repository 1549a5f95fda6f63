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

    /// Bad input (exit 2) when `is_input`, else a failed job (exit 1): for the errors of the
    /// library, which say which of the two they are.
    pub fn from_kind(message: impl std::fmt::Display, is_input: bool) -> Self {
        if is_input {
            Self::input(message)
        } else {
            Self::failed(message)
        }
    }

    /// With `--json` (`json` true), attaches `doc` unless the command attached its own: the
    /// document a command prints when it fails before it has one of its own.
    pub fn with_json_fallback(self, json: bool, doc: serde_json::Value) -> Self {
        if json && self.json.is_none() {
            self.with_json(doc)
        } else {
            self
        }
    }

    /// Attaches a JSON document to print on stdout.
    pub fn with_json(mut self, json: serde_json::Value) -> Self {
        self.json = Some(json);
        self
    }

    /// Marks that the command already printed its JSON document on stdout (a build report
    /// with its `error`), so [`CliError::report`] prints none.
    pub fn json_printed(mut self) -> Self {
        self.json = Some(serde_json::Value::Null);
        self
    }

    /// `input` for exit code 2, `failed` for 1: the `error_kind` of the JSON document.
    pub fn kind(&self) -> &'static str {
        if self.code == 2 {
            "input"
        } else {
            "failed"
        }
    }

    /// Prints the error and returns the exit code. With `json`, stdout gets one JSON document:
    /// the command's own (when it attached one, with `error` and `error_kind` added), else
    /// `{"error": …, "error_kind": …}`.
    pub fn report(self, json: bool) -> ExitCode {
        let kind = self.kind();
        if json {
            match self.json {
                Some(serde_json::Value::Null) => {}
                Some(mut doc) => {
                    if let Some(o) = doc.as_object_mut() {
                        o.entry("error")
                            .or_insert_with(|| serde_json::Value::from(self.message.clone()));
                        o.entry("error_kind")
                            .or_insert_with(|| serde_json::Value::from(kind));
                    }
                    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                }
                None => {
                    let doc = serde_json::json!({
                        "error": self.message,
                        "error_kind": kind,
                    });
                    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                }
            }
        }
        eprintln!("error: {}", self.message);
        ExitCode::from(self.code)
    }
}

/// A command line clap could not parse: its help and version go to stdout as usual (exit 0);
/// a usage error exits 2, with one JSON document on stdout when `--json` was given.
pub fn argument_error(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    if json {
        // clap's message without its usage and help lines, on one line.
        let rendered = e.render().to_string();
        let message = rendered
            .lines()
            .take_while(|l| !l.starts_with("Usage:"))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let message = message.trim_start_matches("error: ");
        let doc = serde_json::json!({ "error": message, "error_kind": "input" });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    let _ = e.print();
    ExitCode::from(2)
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failed(format!("could not serialize the result: {e}")))?;
    println!("{text}");
    Ok(())
}
