//! Running external tools (npm, gradle, xcodebuild, git): no shell, own process group, output
//! streamed line by line as redacted events, the whole group killed on timeout or cancel.

use std::time::Duration;

/// Why a tool run failed. The command is shown without secrets; the last lines of output are
/// already redacted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// The program could not be started.
    #[error("could not start `{program}`: {source}{hint}")]
    Spawn {
        /// The program.
        program: String,
        /// What to do about it (how to install it), or empty.
        hint: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The program exited with a failure status.
    #[error("`{command}` failed ({status}); last lines of output:\n{tail}")]
    Failed {
        /// The command line (program and args; never secrets, which only go through env).
        command: String,
        /// The exit status as text (`exit status 1`, `signal 9`).
        status: String,
        /// Exit code when it exited normally.
        code: Option<i32>,
        /// The last lines of stdout and stderr, interleaved as they arrived, redacted.
        tail: String,
    },
    /// The program ran past its deadline; its whole process group was killed.
    #[error("`{command}` timed out after {}s and was killed; last lines of output:\n{tail}", elapsed.as_secs())]
    TimedOut {
        /// The command line.
        command: String,
        /// How long it ran.
        elapsed: Duration,
        /// The last lines of output, redacted.
        tail: String,
    },
    /// The build was cancelled; the whole process group was killed.
    #[error("`{command}` was cancelled and killed")]
    Cancelled {
        /// The command line.
        command: String,
    },
    /// Reading the program's output failed.
    #[error("reading output of `{command}`: {source}")]
    Io {
        /// The command line.
        command: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl ProcessError {
    /// True when the run was stopped by cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ProcessError::Cancelled { .. })
    }

    /// True when the run was stopped by its deadline.
    pub fn is_timeout(&self) -> bool {
        matches!(self, ProcessError::TimedOut { .. })
    }
}
