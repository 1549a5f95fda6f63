//! [`SigningSession`]: what a build changed on the Mac to sign (the temporary keychain, the
//! user's keychain search list, the installed profile, a temporary `.p12`), undone on every
//! path out of the build.
//!
//! Two ways out, one cleanup:
//! - **Normal paths** (success, a tool failing, a tool's own timeout, a cancel the process
//!   runner saw): the builder awaits [`SigningSession::finish`], which runs the cleanup on a
//!   blocking thread and reports what it could not undo as warnings.
//! - **The future dropped** (the pipeline stops waiting for the step when the build is
//!   cancelled or its deadline passes, and drops it): `Drop` runs the same cleanup at once,
//!   synchronously — on a multi-threaded runtime inside `block_in_place`, so other tasks
//!   keep running. It is not spawned to run later because "later" may never come: the
//!   pipeline returns, a CLI exits, and a keychain holding a distribution key and a
//!   modified search list would stay behind. The cleanup is a few `security` calls of a few
//!   milliseconds each (each killed after [`super::keychain::CLEANUP_CALL_TIMEOUT`]).
//!
//! The search list is restored by taking the keychain out of the list as it is *now* (so a
//! keychain another build added meanwhile stays), falling back to the list saved before the
//! build when the current one cannot be read.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use nativiweb_core::BuildContext;

use super::keychain::{parse_search_list, run_blocking, same_keychain};

/// What one build changed, to undo.
#[derive(Debug, Default)]
struct Changes {
    security: PathBuf,
    /// The build's environment (`ctx.env`), which every tool of the build gets.
    env: Vec<(String, String)>,
    /// The names of the build's secrets, kept out of the tool's environment.
    secret_names: Vec<String>,
    keychain: Option<PathBuf>,
    previous_search_list: Option<Vec<String>>,
    search_list_changed: bool,
    profiles: Vec<PathBuf>,
    temp_files: Vec<PathBuf>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.keychain.is_none()
            && !self.search_list_changed
            && self.profiles.is_empty()
            && self.temp_files.is_empty()
    }

    /// Undoes everything, in order; returns what could not be undone.
    fn undo(self) -> Vec<String> {
        let mut problems = Vec::new();
        let user = |args: &[&str]| -> Vec<OsString> { args.iter().map(OsString::from).collect() };
        let security =
            |args: &[OsString]| run_blocking(&self.security, args, &self.env, &self.secret_names);
        if let (true, Some(keychain)) = (self.search_list_changed, &self.keychain) {
            let current = security(&user(&["list-keychains", "-d", "user"]))
                .map(|out| parse_search_list(&out));
            let restored: Vec<String> = match (current, &self.previous_search_list) {
                (Ok(list), _) => list
                    .into_iter()
                    .filter(|k| !same_keychain(k, keychain))
                    .collect(),
                (Err(_), Some(previous)) => previous.clone(),
                (Err(e), None) => {
                    problems.push(format!(
                        "could not read the keychain search list to restore it: {e}"
                    ));
                    Vec::new()
                }
            };
            let mut args = user(&["list-keychains", "-d", "user", "-s"]);
            args.extend(restored.into_iter().map(OsString::from));
            if let Err(e) = security(&args) {
                problems.push(format!("could not restore the keychain search list: {e}"));
            }
        }
        if let Some(keychain) = &self.keychain {
            let mut args = user(&["delete-keychain"]);
            args.push(keychain.clone().into_os_string());
            if let Err(e) = security(&args) {
                if keychain.exists() {
                    problems.push(format!(
                        "could not delete the temporary keychain {}: {e}",
                        keychain.display()
                    ));
                }
            }
            // `security delete-keychain` removes the file; make sure.
            remove(keychain, &mut problems);
        }
        for file in self.profiles.iter().chain(self.temp_files.iter()) {
            remove(file, &mut problems);
        }
        problems
    }
}

fn remove(path: &Path, problems: &mut Vec<String>) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => problems.push(format!("could not remove {}: {e}", path.display())),
    }
}

/// The signing changes of one build, undone by [`SigningSession::finish`] or, when the build's
/// future is dropped first, by `Drop` (see the module docs).
#[derive(Debug)]
pub struct SigningSession {
    ctx: BuildContext,
    changes: Option<Changes>,
}

impl SigningSession {
    /// A session with nothing changed yet; `security` is what cleanup runs.
    pub fn new(ctx: &BuildContext, security: &Path) -> Self {
        SigningSession {
            ctx: ctx.clone(),
            changes: Some(Changes {
                security: security.to_owned(),
                env: ctx
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                secret_names: ctx.secrets.iter().map(|(k, _)| k.to_owned()).collect(),
                ..Changes::default()
            }),
        }
    }

    fn changes(&mut self) -> Option<&mut Changes> {
        self.changes.as_mut()
    }

    /// Records the search list as it was before the build.
    pub fn set_previous_search_list(&mut self, list: Vec<String>) {
        if let Some(c) = self.changes() {
            c.previous_search_list = Some(list);
        }
    }

    /// Records the temporary keychain (before it is created: deleting one that was never made
    /// is harmless, missing one that was is not).
    pub fn set_keychain(&mut self, path: PathBuf) {
        if let Some(c) = self.changes() {
            c.keychain = Some(path);
        }
    }

    /// Records that the search list is being changed.
    pub fn mark_search_list_changed(&mut self) {
        if let Some(c) = self.changes() {
            c.search_list_changed = true;
        }
    }

    /// Records installed profile files (only those this build created).
    pub fn add_profiles(&mut self, files: Vec<PathBuf>) {
        if let Some(c) = self.changes() {
            c.profiles.extend(files);
        }
    }

    /// Records a temporary file to delete (the re-encrypted `.p12`).
    pub fn add_temp_file(&mut self, file: PathBuf) {
        if let Some(c) = self.changes() {
            c.temp_files.push(file);
        }
    }

    /// Undoes every change (on a blocking thread) and warns about what could not be undone.
    pub async fn finish(mut self) {
        let Some(changes) = self.changes.take() else {
            return;
        };
        if changes.is_empty() {
            return;
        }
        match tokio::task::spawn_blocking(move || changes.undo()).await {
            Ok(problems) => report(&self.ctx, problems),
            Err(e) => self
                .ctx
                .warn(format!("cleaning up the signing keychain crashed: {e}")),
        }
    }
}

fn report(ctx: &BuildContext, problems: Vec<String>) {
    if problems.is_empty() {
        ctx.info("removed the temporary keychain and the installed profile; the keychain search list is as it was");
    }
    for p in problems {
        ctx.warn(format!("signing cleanup: {p}"));
    }
}

impl Drop for SigningSession {
    fn drop(&mut self) {
        let Some(changes) = self.changes.take() else {
            return;
        };
        if changes.is_empty() {
            return;
        }
        let multi_thread = tokio::runtime::Handle::try_current()
            .map(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
            .unwrap_or(false);
        let problems = if multi_thread {
            tokio::task::block_in_place(move || changes.undo())
        } else {
            // A current-thread runtime (or none): nothing else can run meanwhile anyway, and a
            // left-over keychain with the distribution key is worse than a few ms of blocking.
            changes.undo()
        };
        report(&self.ctx, problems);
    }
}
