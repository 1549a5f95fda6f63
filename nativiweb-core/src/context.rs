//! [`BuildContext`]: what every step gets — where to work, the app config, env and secrets,
//! where to send events, the cancellation token and the deadline.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::config::AppConfig;
use crate::error::{Error, Result};
use crate::events::EventSender;
use crate::model::{Platform, Step};
use crate::sandbox::SandboxPolicy;
use crate::secret::{Redactor, Secrets};

/// Everything a step needs to know about the build it runs in.
///
/// One context per build; the pipeline hands each step a copy with `step` and `deadline` set
/// for that step. Nothing in it is global, so many builds run side by side in one process.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// The build's own directory: the project is materialized in `work_dir/project`, outputs go
    /// to `work_dir/out`. Removed at the end unless the caller asks to keep it.
    pub work_dir: PathBuf,
    /// The project root inside the work dir (after the source step).
    pub project_dir: PathBuf,
    /// The platform this build targets.
    pub platform: Platform,
    /// The app configuration, once the detect step has loaded it.
    pub app: Option<Arc<AppConfig>>,
    /// Non-secret environment variables passed to every tool the build runs.
    pub env: BTreeMap<String, String>,
    /// Secrets, passed to tools only as environment variables and masked in every log line.
    pub secrets: Secrets,
    /// Where events go.
    pub events: EventSender,
    /// Fires when the build is cancelled; long operations must watch it.
    pub cancel: CancellationToken,
    /// The step running now (log lines and errors are attributed to it).
    pub step: Step,
    /// When the current step must be done by (the earlier of its own and the build's deadline).
    pub deadline: Option<Instant>,
    /// The timeout that set `deadline` (the step's or the build's), for error messages.
    pub deadline_limit: Option<Duration>,
    /// Folders this build writes to outside its work dir (the sink's local folder): never
    /// copied into the project and never packaged into an app, even when they lie inside the
    /// project or its web bundle.
    pub leave_out: Vec<PathBuf>,
    /// True when the build runs in the user's own project folder instead of a copy (see
    /// [`crate::ProjectSource::in_place_root`]): the web build then keeps an installed
    /// `node_modules` instead of reinstalling.
    pub in_place: bool,
    /// The user's own project folder when the project in the work dir is a copy of it: error
    /// messages name the user's files, not the build's temporary copies.
    pub origin_dir: Option<PathBuf>,
    /// How the tools this build runs are sandboxed (see [`crate::sandbox`]); off by default.
    pub sandbox: SandboxPolicy,
    warnings: Arc<Mutex<Vec<String>>>,
    redactor: Redactor,
}

impl BuildContext {
    /// A context for a build in `work_dir` targeting `platform`, with no secrets, no deadline,
    /// a fresh cancellation token and events discarded.
    pub fn new(work_dir: impl Into<PathBuf>, platform: Platform) -> Self {
        let work_dir = work_dir.into();
        BuildContext {
            project_dir: work_dir.join("project"),
            work_dir,
            platform,
            app: None,
            env: BTreeMap::new(),
            secrets: Secrets::new(),
            events: EventSender::discard(),
            cancel: CancellationToken::new(),
            step: Step::Source,
            deadline: None,
            deadline_limit: None,
            leave_out: Vec::new(),
            in_place: false,
            origin_dir: None,
            sandbox: SandboxPolicy::default(),
            warnings: Arc::default(),
            redactor: Redactor::default(),
        }
    }

    /// Replaces the secrets (and the redactor built from them).
    pub fn with_secrets(mut self, secrets: Secrets) -> Self {
        self.redactor = secrets.redactor();
        self.secrets = secrets;
        self
    }

    /// Sets where events go.
    pub fn with_events(mut self, events: EventSender) -> Self {
        self.events = events;
        self
    }

    /// Sets the cancellation token.
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sets the sandbox policy for every tool this build runs.
    pub fn with_sandbox(mut self, sandbox: SandboxPolicy) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// Sets the app configuration.
    pub fn with_app(mut self, app: AppConfig) -> Self {
        self.app = Some(Arc::new(app));
        self
    }

    /// The app configuration, or an error when a step runs before it was loaded.
    pub fn app(&self) -> Result<&AppConfig> {
        self.app.as_deref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "step `{}` needs the app configuration, but it was not loaded: run the detect step first or set it with BuildContext::with_app",
                self.step
            ))
        })
    }

    /// The redactor that masks this build's secrets.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Emits an informational log line for the current step (redacted).
    pub fn info(&self, line: impl AsRef<str>) {
        self.events
            .info(self.step, self.redactor.redact(line.as_ref()));
    }

    /// Emits a warning for the current step (redacted) and records it for
    /// [`crate::BuildReport::warnings`].
    pub fn warn(&self, line: impl AsRef<str>) {
        let line = self.redactor.redact(line.as_ref());
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.clone());
        self.events.warn(self.step, line);
    }

    /// The warnings emitted so far by this build (every copy of the context shares them).
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Where the copy of the user's folder is: `work_dir/project` (the project itself, or the
    /// workspace it belongs to).
    pub fn copy_root(&self) -> PathBuf {
        self.work_dir.join("project")
    }

    /// `text` with the work dir's copy of the project replaced by the user's own folder
    /// ([`BuildContext::origin_dir`]), so a message names files the user can open.
    pub fn user_paths(&self, text: &str) -> String {
        match &self.origin_dir {
            Some(origin) if !self.in_place => {
                let copy = self.copy_root().display().to_string();
                text.replace(&copy, &origin.display().to_string())
            }
            _ => text.to_owned(),
        }
    }

    /// `path` as the user knows it: the same file in their own folder when `path` is in the
    /// build's copy of it; otherwise `path` itself.
    pub fn user_path(&self, path: &Path) -> PathBuf {
        match (&self.origin_dir, self.in_place) {
            (Some(origin), false) => match path.strip_prefix(self.copy_root()) {
                Ok(rel) => origin.join(rel),
                Err(_) => path.to_owned(),
            },
            _ => path.to_owned(),
        }
    }

    /// Fails with [`Error::Cancelled`] once the token fired, or [`Error::Timeout`] once the
    /// deadline passed. Call between units of CPU-bound work.
    pub fn check(&self, started: Instant) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if let Some(deadline) = self.deadline {
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    step: self.step,
                    elapsed: started.elapsed(),
                    limit: self.deadline_limit,
                });
            }
        }
        Ok(())
    }
}
