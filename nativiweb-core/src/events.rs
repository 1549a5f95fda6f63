//! Typed events a pipeline emits while it runs: step boundaries, every log line, progress and
//! finished artifacts. A caller (the CLI's progress bar, a web service streaming logs) reads
//! them from the receiving end of [`event_channel`].

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::model::{Step, StepOutcome, StoredArtifact};

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// The tool's standard output.
    Stdout,
    /// The tool's standard error.
    Stderr,
    /// A line nativiweb itself wrote (what it is doing and why).
    Info,
    /// A warning from nativiweb itself: the build goes on, but the user should act.
    Warning,
}

/// Something that happened during a build.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A step began.
    StepStarted {
        /// Which step.
        step: Step,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// One line of output, already redacted.
    Log {
        /// The step that produced it.
        step: Step,
        /// Which stream.
        stream: Stream,
        /// The line, without its newline, with secrets masked.
        line: String,
        /// When it was read.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Progress within a step (bytes hashed, files packed).
    Progress {
        /// The step.
        step: Step,
        /// Units done so far.
        done: u64,
        /// Units in all, when known.
        total: Option<u64>,
        /// What is being counted or done.
        message: String,
    },
    /// A step ended.
    StepFinished {
        /// Which step.
        step: Step,
        /// How long it ran.
        duration: Duration,
        /// How it ended.
        outcome: StepOutcome,
    },
    /// An artifact was stored and is ready for download or submission.
    ArtifactReady {
        /// Where it was stored.
        artifact: StoredArtifact,
    },
}

/// The sending half of a build's event channel. Cheap to clone; sending never blocks and never
/// fails: when nobody listens, events are dropped.
#[derive(Debug, Clone, Default)]
pub struct EventSender {
    tx: Option<mpsc::UnboundedSender<Event>>,
}

impl EventSender {
    /// A sender that drops every event (for callers that only want the report).
    pub fn discard() -> Self {
        EventSender { tx: None }
    }

    /// Sends an event; a closed or absent receiver is not an error.
    pub fn send(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }

    /// Sends an informational line for `step`.
    pub fn info(&self, step: Step, line: impl Into<String>) {
        self.send(Event::Log {
            step,
            stream: Stream::Info,
            line: line.into(),
            at: OffsetDateTime::now_utc(),
        });
    }
}

impl EventSender {
    /// Sends a warning from nativiweb itself, attributed to `step`.
    pub fn warn(&self, step: Step, line: impl Into<String>) {
        self.send(Event::Log {
            step,
            stream: Stream::Warning,
            line: line.into(),
            at: OffsetDateTime::now_utc(),
        });
    }
}

/// A new event channel: give the sender to the pipeline, read events from the receiver.
pub fn event_channel() -> (EventSender, mpsc::UnboundedReceiver<Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (EventSender { tx: Some(tx) }, rx)
}
