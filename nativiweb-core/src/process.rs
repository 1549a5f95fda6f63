//! Running external tools (npm, gradle, xcodebuild, git): no shell, own process group, output
//! streamed line by line as redacted events, the whole group killed on timeout or cancel.
//!
//! ```no_run
//! use std::time::Duration;
//! use nativiweb_core::process::{run, Command};
//! # async fn demo(ctx: &nativiweb_core::BuildContext) -> Result<(), nativiweb_core::process::ProcessError> {
//! let out = run(
//!     ctx,
//!     Command::new("npm")
//!         .args(["run", "build"])
//!         .current_dir(&ctx.project_dir)
//!         .secret_env("NPM_TOKEN")
//!         .timeout(Duration::from_secs(600)),
//! )
//! .await?;
//! println!("built in {:?}", out.duration);
//! # Ok(()) }
//! ```
//!
//! Why each rule:
//! - **No shell.** The program and its arguments go to `execve` as they are, so nothing in a
//!   project name or a branch is ever interpreted, and no secret can end up in argv by way of a
//!   command string.
//! - **Own process group.** Build tools fork (npm runs node runs esbuild; gradle runs a worker
//!   JVM). Killing only the direct child leaves the grandchildren running and holding the build's
//!   files. The child is the leader of a new group (`process_group(0)`), and every stop — timeout,
//!   cancellation, the run future being dropped, or the leader exiting — sends `SIGKILL` to the
//!   whole group, so nothing the tool started outlives it.
//! - **Line events.** stdout and stderr are read concurrently, split into lines (very long lines
//!   are cut at [`MAX_LINE_BYTES`], invalid UTF-8 is replaced), redacted with the build's
//!   [`crate::secret::Redactor`] and sent as [`Event::Log`] with the current step.
//! - **Secrets through the environment only.** [`Command::secret_env`] copies one secret of the
//!   build into the child's environment under its name. Secrets the build knows but the command
//!   did not ask for are removed from the inherited environment, so a dependency's install script
//!   never sees the keystore password.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use crate::context::BuildContext;
use crate::events::{Event, Stream};

/// Lines longer than this many bytes are cut; the rest of the line is skipped (and counted) so a
/// tool printing a minified bundle on one line cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How many trailing output lines errors carry unless [`Command::tail_lines`] says otherwise.
pub const DEFAULT_TAIL_LINES: usize = 50;

/// How long a stopped tool gets between `SIGTERM` and `SIGKILL` to flush and clean up.
pub const TERM_GRACE: Duration = Duration::from_millis(200);

/// After the tool itself exited, how long to keep reading output that is still buffered. Output
/// held open past this by a process that left the group (a daemon) is no longer read.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(1);

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
    /// The tool could not be run in the build's sandbox (see [`crate::sandbox`]).
    #[error("`{command}` cannot run sandboxed: {source}")]
    Sandbox {
        /// The command line.
        command: String,
        /// Why.
        #[source]
        source: Box<crate::sandbox::SandboxError>,
    },
    /// The command asked for a secret the build does not have.
    #[error("`{command}` needs the secret `{name}`, which this build does not have: add it to the build's Secrets (for the CLI, set the environment variable `{name}`)")]
    MissingSecret {
        /// The command line.
        command: String,
        /// The secret's name (also the environment variable the tool reads).
        name: String,
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

/// A tool to run: program, arguments, working directory, environment, limits.
///
/// Built with chained calls and handed to [`run`]. Nothing here goes through a shell.
#[derive(Debug, Clone)]
pub struct Command {
    program: OsString,
    args: Vec<OsString>,
    current_dir: Option<PathBuf>,
    env: Vec<(OsString, OsString)>,
    secret_env: Vec<String>,
    timeout: Option<Duration>,
    tail_lines: usize,
    capture_stdout: bool,
    check: bool,
}

impl Command {
    /// A command running `program` (a name looked up on `PATH`, or a path).
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Command {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            current_dir: None,
            env: Vec::new(),
            secret_env: Vec::new(),
            timeout: None,
            tail_lines: DEFAULT_TAIL_LINES,
            capture_stdout: false,
            check: true,
        }
    }

    /// Appends one argument (passed to the program as it is, never interpreted by a shell).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends several arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// The working directory. Defaults to the build's project dir when it exists, else the
    /// current process's directory.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.current_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Sets a non-secret environment variable for the child (on top of the inherited
    /// environment and the build's `ctx.env`, which it overrides).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Passes the build's secret `name` to the child as the environment variable `name`.
    /// Fails with [`ProcessError::MissingSecret`] at run time when the build has no such secret.
    pub fn secret_env(mut self, name: impl Into<String>) -> Self {
        self.secret_env.push(name.into());
        self
    }

    /// Kills the tool (its whole process group) after `timeout`. The build's step deadline
    /// applies as well; whichever comes first wins.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many trailing output lines to keep for [`Output::tail`] and errors (default 50).
    pub fn tail_lines(mut self, n: usize) -> Self {
        self.tail_lines = n;
        self
    }

    /// Also collect stdout lines (redacted) into [`Output::stdout`], for commands whose output
    /// is a result (`git rev-parse HEAD`). Keep it for small outputs: every line is held.
    pub fn capture_stdout(mut self, capture: bool) -> Self {
        self.capture_stdout = capture;
        self
    }

    /// With `false`, a non-zero exit code is returned in [`Output::code`] instead of failing
    /// (a death by signal still fails). Default `true`.
    pub fn check(mut self, check: bool) -> Self {
        self.check = check;
        self
    }

    /// The program.
    pub fn program(&self) -> &OsStr {
        &self.program
    }

    /// The command line as text (program and arguments, quoted where needed), as errors show it.
    /// Never contains secrets, which only travel through the environment.
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(self.args.iter())
            .map(|a| quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes `s` POSIX-style when it holds anything a reader could misparse.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@+%^".contains(&b));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What a successful run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The exit code (0 unless [`Command::check`] was turned off).
    pub code: i32,
    /// How long the tool ran.
    pub duration: Duration,
    /// The last lines of stdout and stderr, interleaved as they arrived, redacted.
    pub tail: Vec<String>,
    /// Every stdout line, redacted; empty unless [`Command::capture_stdout`] was set.
    pub stdout: Vec<String>,
}

/// Runs `cmd` for the build `ctx`: in its own process group, with `ctx.env` and the requested
/// secrets in its environment, every output line redacted and sent as an [`Event::Log`] for
/// `ctx.step`.
///
/// Stops at `ctx.cancel`, at `ctx.deadline` and at the command's own timeout: the whole process
/// group gets `SIGTERM`, then `SIGKILL` after [`TERM_GRACE`], and is reaped before this returns
/// [`ProcessError::Cancelled`] or [`ProcessError::TimedOut`]. If the returned future is dropped
/// instead (a pipeline abandoning a cancelled step), the group is killed with `SIGKILL` at once.
/// When the tool exits on its own, whatever it left running in its group is killed too.
pub async fn run(ctx: &BuildContext, cmd: Command) -> Result<Output, ProcessError> {
    let redactor = ctx.redactor();
    let command_line = redactor.redact(&cmd.display());

    let cwd = match &cmd.current_dir {
        Some(dir) => Some(dir.clone()),
        None => match tokio::fs::metadata(&ctx.project_dir).await {
            Ok(m) if m.is_dir() => Some(ctx.project_dir.clone()),
            _ => None,
        },
    };
    // The step's own environment: the build's `ctx.env`, then the command's.
    let step_env: Vec<(OsString, OsString)> = ctx
        .env
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .chain(cmd.env.iter().cloned())
        .collect();
    let sandboxed = crate::sandbox::prepare(
        ctx,
        crate::sandbox::Request {
            program: &cmd.program,
            args: &cmd.args,
            cwd: cwd.as_deref(),
            env: step_env.clone(),
            command_line: &command_line,
            secrets_requested: &cmd.secret_env,
        },
    )
    .await
    .map_err(|source| ProcessError::Sandbox {
        command: command_line.clone(),
        source: Box::new(source),
    })?;
    // Kept alive (the proxy, its socket) until the tool is done.
    let mut _sandbox_guard = None;
    let mut child_cmd = match sandboxed {
        Some(prepared) => {
            let crate::sandbox::Prepared {
                command,
                _proxy,
                _socket_dir,
            } = prepared;
            _sandbox_guard = Some((_proxy, _socket_dir));
            command
        }
        None => {
            let mut c = tokio::process::Command::new(&cmd.program);
            c.args(&cmd.args);
            if let Some(dir) = &cwd {
                c.current_dir(dir);
            }
            // Secrets the build holds never leak into a child through the inherited environment.
            for (name, _) in ctx.secrets.iter() {
                c.env_remove(name);
            }
            c.envs(step_env);
            for name in &cmd.secret_env {
                let value = ctx
                    .secrets
                    .get(name)
                    .ok_or_else(|| ProcessError::MissingSecret {
                        command: command_line.clone(),
                        name: name.clone(),
                    })?;
                c.env(name, value.expose_secret());
            }
            c
        }
    };
    child_cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);

    if ctx.cancel.is_cancelled() {
        return Err(ProcessError::Cancelled {
            command: command_line,
        });
    }

    let started = Instant::now();
    let mut child = child_cmd
        .spawn()
        .map_err(|e| spawn_error(&cmd.program, cwd.as_deref(), e))?;
    // With process_group(0) the group id is the child's pid.
    let mut group = GroupGuard {
        pgid: child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw),
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let lines = LineSink::new(ctx, cmd.tail_lines, cmd.capture_stdout);
    let io = async {
        let (a, b) = tokio::join!(
            pump(stdout, Stream::Stdout, &lines),
            pump(stderr, Stream::Stderr, &lines)
        );
        a.and(b)
    };
    tokio::pin!(io);

    let deadline = earliest(cmd.timeout.map(|t| started + t), ctx.deadline);
    let expired = sleep_until(deadline);
    tokio::pin!(expired);

    let mut io_result: Option<std::io::Result<()>> = None;
    let waited = loop {
        tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => break Err(Stop::Cancelled),
            _ = &mut expired => break Err(Stop::TimedOut),
            status = child.wait() => break Ok(status),
            r = &mut io, if io_result.is_none() => io_result = Some(r),
        }
    };

    let status = match waited {
        Err(stop) => {
            terminate(&mut child, &mut group).await;
            let elapsed = started.elapsed();
            return Err(match stop {
                Stop::Cancelled => ProcessError::Cancelled {
                    command: command_line,
                },
                Stop::TimedOut => {
                    // The group is dead, so the pipes are closing: pick up the last lines.
                    if io_result.is_none() {
                        let _ = tokio::time::timeout(TERM_GRACE, &mut io).await;
                    }
                    ProcessError::TimedOut {
                        command: command_line,
                        elapsed,
                        tail: lines.tail().join("\n"),
                    }
                }
            });
        }
        Ok(Err(source)) => {
            terminate(&mut child, &mut group).await;
            return Err(ProcessError::Io {
                command: command_line,
                source,
            });
        }
        Ok(Ok(status)) => status,
    };
    let duration = started.elapsed();
    // The leader is gone; anything it left in its group is an orphan. Killing it also closes the
    // pipes it inherited, so the reads below end.
    group.kill(Signal::SIGKILL);
    group.disarm();

    if io_result.is_none() {
        let drain = tokio::time::timeout(DRAIN_AFTER_EXIT, &mut io);
        tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => {
                return Err(ProcessError::Cancelled { command: command_line });
            }
            r = drain => match r {
                Ok(r) => io_result = Some(r),
                Err(_) => ctx.info(format!(
                    "`{command_line}` exited but a process outside its group still holds its output open; not reading further"
                )),
            },
        }
    }
    if let Some(Err(source)) = io_result {
        return Err(ProcessError::Io {
            command: command_line,
            source,
        });
    }

    match status.code() {
        Some(code) if code == 0 || !cmd.check => Ok(Output {
            code,
            duration,
            tail: lines.tail(),
            stdout: lines.take_stdout(),
        }),
        code => Err(ProcessError::Failed {
            command: command_line,
            status: describe_status(status),
            code,
            tail: lines.tail().join("\n"),
        }),
    }
}

enum Stop {
    Cancelled,
    TimedOut,
}

/// Kills the process group when dropped, unless disarmed: a dropped run future never leaves the
/// tool running.
struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    fn kill(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH (nobody left in the group) is the normal case after a clean exit.
            let _ = killpg(pgid, signal);
        }
    }

    /// Called once the leader is reaped and the group was sent its last SIGKILL: after that the
    /// id may be reused, so it must not be signalled again.
    fn disarm(&mut self) {
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill(Signal::SIGKILL);
    }
}

/// SIGTERM to the group, SIGKILL after the grace period, reap the leader, SIGKILL once more for
/// members that outlived it.
async fn terminate(child: &mut tokio::process::Child, group: &mut GroupGuard) {
    group.kill(Signal::SIGTERM);
    if tokio::time::timeout(TERM_GRACE, child.wait())
        .await
        .is_err()
    {
        group.kill(Signal::SIGKILL);
        // SIGKILL cannot be caught; a process stuck in the kernel is reaped later by tokio
        // (kill_on_drop hands it to its orphan reaper).
        let _ = tokio::time::timeout(TERM_GRACE, child.wait()).await;
    }
    group.kill(Signal::SIGKILL);
    group.disarm();
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(sig) => match Signal::try_from(sig) {
            Ok(s) => format!("killed by signal {sig} ({})", s.as_str()),
            Err(_) => format!("killed by signal {sig}"),
        },
        None => status.to_string(),
    }
}

/// Collects lines from both streams: sends events, keeps the tail and (optionally) stdout.
struct LineSink<'a> {
    ctx: &'a BuildContext,
    tail_cap: usize,
    tail: Mutex<VecDeque<String>>,
    stdout: Option<Mutex<Vec<String>>>,
}

impl<'a> LineSink<'a> {
    fn new(ctx: &'a BuildContext, tail_cap: usize, capture_stdout: bool) -> Self {
        LineSink {
            ctx,
            tail_cap,
            tail: Mutex::new(VecDeque::with_capacity(tail_cap.min(1024))),
            stdout: capture_stdout.then(|| Mutex::new(Vec::new())),
        }
    }

    fn line(&self, stream: Stream, raw: &[u8], skipped: usize) {
        let mut text = decode_line(raw);
        if skipped > 0 {
            text.push_str(&format!(" [… {skipped} more bytes of this line not shown]"));
        }
        let line = self.ctx.redactor().redact(&text);
        if self.tail_cap > 0 {
            let mut tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
            if tail.len() == self.tail_cap {
                tail.pop_front();
            }
            tail.push_back(line.clone());
        }
        if let (Stream::Stdout, Some(out)) = (stream, &self.stdout) {
            out.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(line.clone());
        }
        self.ctx.events.send(Event::Log {
            step: self.ctx.step,
            stream,
            line,
            at: OffsetDateTime::now_utc(),
        });
    }

    fn tail(&self) -> Vec<String> {
        let tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        tail.iter().cloned().collect()
    }

    fn take_stdout(&self) -> Vec<String> {
        match &self.stdout {
            Some(out) => std::mem::take(&mut *out.lock().unwrap_or_else(|e| e.into_inner())),
            None => Vec::new(),
        }
    }
}

/// A raw line as text: invalid UTF-8 replaced, a trailing `\r` dropped, and for lines redrawn
/// with `\r` (progress bars) only the last state, as a terminal would show it.
fn decode_line(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = text.strip_suffix('\r').unwrap_or(&text);
    match text.rsplit_once('\r') {
        Some((_, last)) if !last.is_empty() => last.to_owned(),
        _ => text.to_owned(),
    }
}

/// Reads `reader` to the end, handing each line to `sink`. A line longer than
/// [`MAX_LINE_BYTES`] is cut there and the rest of it skipped, so memory stays bounded.
async fn pump<R: AsyncRead + Unpin>(
    reader: Option<R>,
    stream: Stream,
    sink: &LineSink<'_>,
) -> std::io::Result<()> {
    let Some(reader) = reader else {
        return Ok(());
    };
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line: Vec<u8> = Vec::new();
    let mut skipped = 0usize;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            if !line.is_empty() || skipped > 0 {
                sink.line(stream, &line, skipped);
            }
            return Ok(());
        }
        let (chunk, consumed, ends_line) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let take = chunk.len().min(MAX_LINE_BYTES - line.len());
        line.extend_from_slice(&chunk[..take]);
        skipped += chunk.len() - take;
        reader.consume(consumed);
        if ends_line {
            sink.line(stream, &line, skipped);
            line.clear();
            skipped = 0;
        }
    }
}

fn spawn_error(program: &OsStr, cwd: Option<&Path>, source: std::io::Error) -> ProcessError {
    let name = program.to_string_lossy().into_owned();
    let hint = match source.kind() {
        std::io::ErrorKind::NotFound => match cwd {
            Some(dir) if !dir.is_dir() => {
                format!("; the working directory {} does not exist", dir.display())
            }
            _ => install_hint(&name)
                .map(|h| format!("; {h}"))
                .unwrap_or_else(|| {
                    format!("; install `{name}` or put the directory that holds it on PATH")
                }),
        },
        std::io::ErrorKind::PermissionDenied => {
            format!("; check that `{name}` is an executable file (chmod +x)")
        }
        _ => String::new(),
    };
    ProcessError::Spawn {
        program: name,
        hint,
        source,
    }
}

/// Finds `program` on `path` (a `PATH`-style list; the process's `PATH` when `None`), or takes
/// it as a path when it contains a `/`. Only executable regular files count.
pub fn find_program(program: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if program.contains('/') {
        let p = PathBuf::from(program);
        return executable(&p).then_some(p);
    }
    let inherited;
    let path = match path {
        Some(p) => p,
        None => {
            inherited = std::env::var_os("PATH")?;
            inherited.as_os_str()
        }
    };
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| executable(candidate))
}

/// How to get a tool nativiweb drives, for the "could not start" error.
pub fn install_hint(program: &str) -> Option<String> {
    let base = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.to_owned());
    let hint = match base.as_str() {
        "node" | "npm" | "npx" => "install Node.js 20 or newer (https://nodejs.org, `apt install nodejs npm`, `brew install node`, or a version manager such as nvm or fnm)".to_owned(),
        "pnpm" | "yarn" => format!(
            "`{base}` ships with Node.js through corepack: run `corepack enable` (Node.js 16.9 or newer), or `npm install -g {base}`"
        ),
        "bun" | "bunx" => "install Bun (https://bun.sh: `curl -fsSL https://bun.sh/install | bash`, or `npm install -g bun`)".to_owned(),
        "git" => "install git (`apt install git`, `brew install git`, or `xcode-select --install` on macOS)".to_owned(),
        "java" | "javac" | "keytool" | "jarsigner" => "install a JDK 17 or newer (`apt install openjdk-17-jdk-headless`, `brew install openjdk@17`) and set JAVA_HOME, or put its bin directory on PATH".to_owned(),
        "gradle" => "use the project's Gradle wrapper (`./gradlew`), or install Gradle (https://gradle.org/install, `brew install gradle`, `sdk install gradle`)".to_owned(),
        "xcodebuild" | "xcrun" | "codesign" | "security" => {
            if cfg!(target_os = "macos") {
                "install Xcode from the App Store, then run `sudo xcode-select -s /Applications/Xcode.app` and `xcodebuild -runFirstLaunch`".to_owned()
            } else {
                format!("`{base}` exists only on macOS: build and sign iOS apps on a Mac or a macOS CI runner")
            }
        }
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_only_what_needs_it() {
        let cmd = Command::new("npm").args(["run", "build", "--", "a b", "it's", ""]);
        assert_eq!(cmd.display(), r"npm run build -- 'a b' 'it'\''s' ''");
    }

    #[test]
    fn decode_keeps_the_last_redraw_and_replaces_bad_utf8() {
        assert_eq!(decode_line(b"10%\r50%\r100%\r"), "100%");
        assert_eq!(decode_line(b"plain"), "plain");
        assert_eq!(decode_line(b"bad \xff byte"), "bad \u{fffd} byte");
        assert_eq!(decode_line(b"ends with cr\r"), "ends with cr");
    }

    #[test]
    fn hints_name_the_fix() {
        assert!(install_hint("pnpm").unwrap().contains("corepack enable"));
        assert!(install_hint("/usr/bin/node").unwrap().contains("Node.js"));
        let xc = install_hint("xcodebuild").unwrap();
        if cfg!(target_os = "macos") {
            assert!(xc.contains("xcode-select"));
        } else {
            assert!(xc.contains("only on macOS"));
        }
        assert!(install_hint("frobnicate").is_none());
    }

    #[test]
    fn earliest_deadline_wins() {
        let now = Instant::now();
        let later = now + Duration::from_secs(5);
        assert_eq!(earliest(Some(later), Some(now)), Some(now));
        assert_eq!(earliest(None, Some(now)), Some(now));
        assert_eq!(earliest(None, None), None);
    }
}
