//! The process runner: process-group kills on timeout, cancel and drop; redaction; errors with
//! status and tail; line events per stream and step.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nativiweb_core::events::{event_channel, Event, Stream};
use nativiweb_core::process::{run, Command, ProcessError, MAX_LINE_BYTES};
use nativiweb_core::secret::Secrets;
use nativiweb_core::{BuildContext, Platform, Step};
use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// Writes `body` as a script in `dir`. It is run as `/bin/sh <script>`: the test picks sh as
/// the program; the runner itself never involves a shell.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

fn sh(script: &Path) -> Command {
    Command::new("/bin/sh").arg(script)
}

fn drain(rx: &mut UnboundedReceiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn log_lines(events: &[Event]) -> Vec<(Step, Stream, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log {
                step, stream, line, ..
            } => Some((*step, *stream, line.clone())),
            _ => None,
        })
        .collect()
}

/// The number after `prefix` in the first line that starts with it.
fn pid_after(lines: &[(Step, Stream, String)], prefix: &str) -> i32 {
    lines
        .iter()
        .find_map(|(_, _, l)| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in {lines:?}"))
        .trim()
        .parse()
        .unwrap()
}

/// True while `pid` is a live process (a zombie waiting for a reaper counts as dead: it runs
/// nothing and holds nothing but its exit status).
fn alive(pid: i32) -> bool {
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return false;
    }
    if cfg!(target_os = "linux") {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
            Err(_) => false,
        }
    } else {
        true
    }
}

/// Waits (briefly: SIGKILL is immediate, the kernel only needs to schedule the exit) until
/// `pid` is gone, failing the test if it survives.
async fn assert_gone(pid: i32) {
    let start = Instant::now();
    while alive(pid) {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "process {pid} survived the kill"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const FORKING: &str = "sleep 1000 &\necho \"grandchild $!\"\necho \"leader $$\"\nsleep 1000\n";

fn ctx_in(dir: &Path) -> (BuildContext, UnboundedReceiver<Event>) {
    let (tx, rx) = event_channel();
    (
        BuildContext::new(dir, Platform::Android).with_events(tx),
        rx,
    )
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "fork.sh", FORKING);
    let (ctx, mut rx) = ctx_in(dir.path());
    let started = Instant::now();
    let err = run(&ctx, sh(&s).timeout(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let ProcessError::TimedOut {
        command,
        tail,
        elapsed,
    } = &err
    else {
        panic!("expected a timeout, got {err}");
    };
    assert!(command.contains("fork.sh"), "{command}");
    assert!(tail.contains("grandchild"), "{tail}");
    assert!(*elapsed >= Duration::from_millis(500));
    assert!(err.to_string().contains("timed out"), "{err}");
    let lines = log_lines(&drain(&mut rx));
    assert_gone(pid_after(&lines, "grandchild ")).await;
    assert_gone(pid_after(&lines, "leader ")).await;
}

#[tokio::test]
async fn build_deadline_applies_without_a_command_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "fork.sh", FORKING);
    let (mut ctx, mut rx) = ctx_in(dir.path());
    ctx.deadline = Some(Instant::now() + Duration::from_millis(300));
    let err = run(&ctx, sh(&s)).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let lines = log_lines(&drain(&mut rx));
    assert_gone(pid_after(&lines, "grandchild ")).await;
}

#[tokio::test]
async fn cancel_kills_the_whole_group_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "fork.sh", FORKING);
    let (mut ctx, mut rx) = ctx_in(dir.path());
    let cancel = CancellationToken::new();
    ctx.cancel = cancel.clone();
    let task = tokio::spawn(async move { run(&ctx, sh(&s)).await });

    // Wait until the script has forked and said so.
    let mut lines = Vec::new();
    while !lines
        .iter()
        .any(|(_, _, l): &(Step, Stream, String)| l.starts_with("leader "))
    {
        let e = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("script printed nothing")
            .unwrap();
        lines.extend(log_lines(&[e]));
    }
    let grandchild = pid_after(&lines, "grandchild ");
    let leader = pid_after(&lines, "leader ");
    assert!(alive(grandchild) && alive(leader));

    let cancelled_at = Instant::now();
    cancel.cancel();
    let err = task.await.unwrap().unwrap_err();
    let took = cancelled_at.elapsed();
    assert!(took < Duration::from_secs(1), "cancel took {took:?}");
    assert!(err.is_cancelled(), "{err}");
    assert_gone(grandchild).await;
    assert_gone(leader).await;
}

#[tokio::test]
async fn dropping_the_run_future_kills_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "fork.sh", FORKING);
    let (ctx, mut rx) = ctx_in(dir.path());
    {
        let mut fut = Box::pin(run(&ctx, sh(&s)));
        // Poll it until the script has forked, then drop it mid-run.
        let mut lines = Vec::new();
        while !lines
            .iter()
            .any(|(_, _, l): &(Step, Stream, String)| l.starts_with("leader "))
        {
            tokio::select! {
                r = &mut fut => panic!("script ended early: {r:?}"),
                e = rx.recv() => lines.extend(log_lines(&[e.unwrap()])),
            }
        }
        let grandchild = pid_after(&lines, "grandchild ");
        assert!(alive(grandchild));
        drop(fut);
        assert_gone(grandchild).await;
        assert_gone(pid_after(&lines, "leader ")).await;
    }
}

#[tokio::test]
async fn leftover_background_processes_are_killed_when_the_tool_exits() {
    let dir = tempfile::tempdir().unwrap();
    // The background sleep keeps stdout open; the run must still end promptly.
    let s = script(
        dir.path(),
        "leave.sh",
        "sleep 1000 &\necho \"grandchild $!\"\nexit 0\n",
    );
    let (ctx, mut rx) = ctx_in(dir.path());
    let started = Instant::now();
    let out = run(&ctx, sh(&s)).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 0);
    let lines = log_lines(&drain(&mut rx));
    assert_gone(pid_after(&lines, "grandchild ")).await;
}

#[tokio::test]
async fn secrets_are_masked_in_events_and_errors() {
    let password = "correct-horse-battery-staple";
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "leak.sh",
        "echo \"my password is $STORE_PASSWORD\"\necho \"stderr too: $STORE_PASSWORD!\" >&2\nexit 3\n",
    );
    let (tx, mut rx) = event_channel();
    let ctx = BuildContext::new(dir.path(), Platform::Android)
        .with_events(tx)
        .with_secrets(Secrets::new().with("STORE_PASSWORD", SecretString::from(password)));
    let cmd = sh(&s).secret_env("STORE_PASSWORD");
    assert!(!cmd.display().contains(password));
    let err = run(&ctx, cmd).await.unwrap_err();

    let lines = log_lines(&drain(&mut rx));
    assert!(
        lines.contains(&(Step::Source, Stream::Stdout, "my password is ***".into())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(Step::Source, Stream::Stderr, "stderr too: ***!".into())),
        "{lines:?}"
    );
    for (_, _, l) in &lines {
        assert!(!l.contains(password), "{l}");
    }
    let ProcessError::Failed { tail, code, .. } = &err else {
        panic!("expected a failure, got {err}");
    };
    assert_eq!(*code, Some(3));
    assert!(tail.contains("my password is ***"), "{tail}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(password), "{text}");
}

#[tokio::test]
async fn missing_secret_is_named_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let s = script(
        dir.path(),
        "touch.sh",
        &format!("touch '{}'\n", marker.display()),
    );
    let (ctx, _rx) = ctx_in(dir.path());
    let err = run(&ctx, sh(&s).secret_env("NO_SUCH_SECRET"))
        .await
        .unwrap_err();
    assert!(matches!(&err, ProcessError::MissingSecret { name, .. } if name == "NO_SUCH_SECRET"));
    assert!(err.to_string().contains("NO_SUCH_SECRET"));
    assert!(!marker.exists());
}

#[tokio::test]
async fn unrequested_secrets_are_not_inherited() {
    // A secret the build knows, present in this process's environment (as the CLI's
    // NATIVIWEB_KEYSTORE_PASSWORD would be), must not reach a tool that did not ask for it.
    const NAME: &str = "NATIVIWEB_TEST_INHERITED_SECRET_7F3A";
    std::env::set_var(NAME, "from-the-parent-env");
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "env.sh",
        &format!("echo \"value=${{{NAME}:-unset}}\"\n"),
    );
    let (tx, _rx) = event_channel();
    let ctx = BuildContext::new(dir.path(), Platform::Android)
        .with_events(tx)
        .with_secrets(Secrets::new().with(NAME, SecretString::from("from-the-build")));
    let out = run(&ctx, sh(&s).capture_stdout(true)).await.unwrap();
    assert_eq!(out.stdout, vec!["value=unset"]);
    // Asked for, it gets the build's value (masked in what we read back).
    let out = run(&ctx, sh(&s).capture_stdout(true).secret_env(NAME))
        .await
        .unwrap();
    assert_eq!(out.stdout, vec!["value=***"]);
    std::env::remove_var(NAME);
}

#[tokio::test]
async fn failure_carries_status_command_and_last_50_lines() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "fail.sh",
        "i=1\nwhile [ $i -le 120 ]; do echo \"line $i\"; i=$((i+1)); done\necho 'last line'\nexit 7\n",
    );
    let (ctx, _rx) = ctx_in(dir.path());
    let err = run(&ctx, sh(&s).arg("an arg")).await.unwrap_err();
    let ProcessError::Failed {
        command,
        status,
        code,
        tail,
    } = &err
    else {
        panic!("expected a failure, got {err}");
    };
    assert_eq!(*code, Some(7));
    assert_eq!(status, "exit status 7");
    assert!(
        command.starts_with("/bin/sh ") && command.ends_with("fail.sh 'an arg'"),
        "{command}"
    );
    let tail: Vec<&str> = tail.lines().collect();
    assert_eq!(tail.len(), 50);
    assert_eq!(tail[0], "line 72");
    assert_eq!(tail[48], "line 120");
    assert_eq!(tail[49], "last line");
    let msg = err.to_string();
    assert!(
        msg.contains("exit status 7") && msg.contains("line 120"),
        "{msg}"
    );
    assert!(!msg.contains("line 71\n"), "{msg}");

    // A custom tail length, and check(false) returning the code instead of failing.
    let out = run(&ctx, sh(&s).tail_lines(3).check(false)).await.unwrap();
    assert_eq!(out.code, 7);
    assert_eq!(out.tail, vec!["line 119", "line 120", "last line"]);
}

#[tokio::test]
async fn death_by_signal_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "kill.sh", "echo bye\nkill -9 $$\n");
    let (ctx, _rx) = ctx_in(dir.path());
    let err = run(&ctx, sh(&s).check(false)).await.unwrap_err();
    let ProcessError::Failed { status, code, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(*code, None);
    assert!(
        status.contains("signal 9") && status.contains("SIGKILL"),
        "{status}"
    );
}

#[tokio::test]
async fn lines_arrive_in_order_per_stream_with_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "both.sh",
        "i=1\nwhile [ $i -le 300 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done\n",
    );
    let (mut ctx, mut rx) = ctx_in(dir.path());
    ctx.step = Step::WebBuild;
    let out = run(&ctx, sh(&s)).await.unwrap();
    assert_eq!(out.tail.len(), 50);
    let lines = log_lines(&drain(&mut rx));
    assert_eq!(lines.len(), 600);
    let mut next = [1u32, 1u32];
    for (step, stream, line) in &lines {
        assert_eq!(*step, Step::WebBuild);
        let (idx, prefix) = match stream {
            Stream::Stdout => (0, "out "),
            Stream::Stderr => (1, "err "),
            Stream::Info | Stream::Warning => panic!("unexpected nativiweb line {line}"),
        };
        let n: u32 = line.strip_prefix(prefix).unwrap().parse().unwrap();
        assert_eq!(n, next[idx], "{stream:?} out of order");
        next[idx] += 1;
    }
    assert_eq!(next, [301, 301]);
}

#[tokio::test]
async fn long_lines_are_cut_and_bad_utf8_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "long.sh",
        "head -c 1000000 /dev/zero | tr '\\0' a\necho\nprintf 'bad \\377 byte\\n'\nprintf 'no newline at end'\n",
    );
    let (ctx, mut rx) = ctx_in(dir.path());
    let out = run(&ctx, sh(&s).capture_stdout(true)).await.unwrap();
    assert_eq!(
        out.stdout.len(),
        3,
        "{:?}",
        out.stdout.iter().map(|l| l.len()).collect::<Vec<_>>()
    );
    let long = &out.stdout[0];
    assert!(long.starts_with(&"a".repeat(MAX_LINE_BYTES)));
    assert!(long.len() < MAX_LINE_BYTES + 100, "{}", long.len());
    assert!(long.ends_with(&format!(
        "[… {} more bytes of this line not shown]",
        1_000_000 - MAX_LINE_BYTES
    )));
    assert_eq!(out.stdout[1], "bad \u{fffd} byte");
    assert_eq!(out.stdout[2], "no newline at end");
    assert_eq!(log_lines(&drain(&mut rx)).len(), 3);
}

#[tokio::test]
async fn env_and_working_dir_are_passed() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let s = script(
        dir.path(),
        "env.sh",
        "echo \"$FROM_CTX $FROM_CMD $(pwd)\"\n",
    );
    let (mut ctx, _rx) = ctx_in(dir.path());
    ctx.env.insert("FROM_CTX".into(), "ctx-value".into());
    ctx.env.insert("FROM_CMD".into(), "overridden".into());
    let out = run(
        &ctx,
        sh(&s)
            .env("FROM_CMD", "cmd-value")
            .current_dir(&sub)
            .capture_stdout(true),
    )
    .await
    .unwrap();
    let sub = sub.canonicalize().unwrap();
    assert_eq!(
        out.stdout,
        vec![format!("ctx-value cmd-value {}", sub.display())]
    );
}

#[tokio::test]
async fn spawn_failures_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _rx) = ctx_in(dir.path());

    let err = run(&ctx, Command::new("/nonexistent-nativiweb/bin/pnpm"))
        .await
        .unwrap_err();
    assert!(matches!(err, ProcessError::Spawn { .. }), "{err}");
    assert!(err.to_string().contains("corepack enable"), "{err}");

    let err = run(&ctx, Command::new("nativiweb-no-such-tool-xyz"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("install `nativiweb-no-such-tool-xyz`"),
        "{err}"
    );

    let err = run(
        &ctx,
        Command::new("/bin/sh").current_dir(dir.path().join("missing")),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("working directory"), "{err}");
}

#[tokio::test]
async fn an_already_cancelled_build_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let s = script(
        dir.path(),
        "touch.sh",
        &format!("touch '{}'\n", marker.display()),
    );
    let (ctx, _rx) = ctx_in(dir.path());
    ctx.cancel.cancel();
    let err = run(&ctx, sh(&s)).await.unwrap_err();
    assert!(err.is_cancelled());
    assert!(!marker.exists());
}
