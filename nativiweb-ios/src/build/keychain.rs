//! The temporary keychain that holds the signing identity for one build.
//!
//! `security` steps, each through the core process runner (logged, killed on cancel):
//!
//! 1. `security list-keychains -d user`: the user's search list, to restore afterwards;
//! 2. `security create-keychain -p <one-time password> <work dir>/….keychain-db`;
//! 3. `security set-keychain-settings <keychain>`: no `-l`/`-u`, so it never locks itself
//!    during a long build;
//! 4. `security unlock-keychain -p <one-time password> <keychain>`;
//! 5. `security import <identity.p12> -k <keychain> -f pkcs12 -P <one-time password> -T
//!    <codesign>`: the `.p12` is the user's identity re-encrypted under the one-time password
//!    ([`crate::P12Identity::to_pkcs12`]), so the user's own password is never on a command
//!    line; the file is deleted right after;
//! 6. `security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k <one-time
//!    password> <keychain>`: codesign may use the key without a dialog nobody can click;
//! 7. `security list-keychains -d user -s <keychain> <the previous list…>`: xcodebuild finds
//!    the identity.
//!
//! The one-time password is random (32 letters and digits from the OS's generator), exists
//! for this build only, opens a keychain that is deleted when the build ends, and is masked in
//! every log line and error like the build's other secrets.
//!
//! Removing it again (restoring the search list, `security delete-keychain`) is
//! [`super::session::SigningSession`]'s job, on every path.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nativiweb_core::process::{self, Command};
use nativiweb_core::{BuildContext, Error};
use rand::distributions::{Alphanumeric, DistString};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::session::SigningSession;
use super::{run_tool, XcodeError};

/// The secret name under which the one-time keychain password is masked in logs.
pub const KEYCHAIN_PASSWORD_SECRET: &str = "NATIVIWEB_TEMP_KEYCHAIN_PASSWORD";

/// How long one `security` call may take during cleanup (it takes milliseconds; this only
/// bounds a hung one).
pub const CLEANUP_CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A new one-time password: 32 letters and digits from the OS's random generator.
pub fn random_password() -> SecretString {
    SecretString::from(Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32))
}

/// The keychains `security list-keychains` printed (one per line, quoted and indented).
pub fn parse_search_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| l.trim().trim_matches('"').to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether `listed` (as `security` prints it: macOS may show `/private/var/…` for `/var/…`)
/// is the keychain at `ours`.
pub fn same_keychain(listed: &str, ours: &Path) -> bool {
    let listed = Path::new(listed);
    if listed == ours {
        return true;
    }
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    match (canon(listed), canon(ours)) {
        (Some(a), Some(b)) => a == b,
        _ => {
            // Gone already (deleted): compare what can be compared.
            listed.file_name() == ours.file_name()
                && listed.to_string_lossy().ends_with(&*ours.to_string_lossy())
        }
    }
}

/// Creates the keychain at `path`, imports `p12` (already encrypted under `password`) into it
/// and puts it on the user's search list, recording each step in `session` as soon as it is
/// done, so that cleanup undoes exactly what was done.
#[allow(clippy::too_many_arguments)]
pub async fn set_up(
    ctx: &BuildContext,
    session: &mut SigningSession,
    security: &Path,
    codesign: &Path,
    path: &Path,
    password: &SecretString,
    p12: Zeroizing<Vec<u8>>,
    timeout: Option<Duration>,
) -> Result<(), Error> {
    let pw = password.expose_secret();
    let keychain = path.display().to_string();
    let run = |args: Vec<String>| {
        let mut cmd = Command::new(security).args(args).tail_lines(200);
        if let Some(t) = timeout {
            cmd = cmd.timeout(t);
        }
        cmd
    };

    // 1. The search list as it is.
    let listed = process::run(
        ctx,
        run(vec!["list-keychains".into(), "-d".into(), "user".into()]).capture_stdout(true),
    )
    .await
    .map_err(|e| keep_stops(e, "reading the keychain search list"))?;
    let previous = parse_search_list(&listed.stdout.join("\n"));
    session.set_previous_search_list(previous.clone());

    // 2-4. The keychain.
    session.set_keychain(path.to_owned());
    run_tool(
        ctx,
        run(vec![
            "create-keychain".into(),
            "-p".into(),
            pw.to_owned(),
            keychain.clone(),
        ]),
    )
    .await?;
    run_tool(
        ctx,
        run(vec!["set-keychain-settings".into(), keychain.clone()]),
    )
    .await?;
    run_tool(
        ctx,
        run(vec![
            "unlock-keychain".into(),
            "-p".into(),
            pw.to_owned(),
            keychain.clone(),
        ]),
    )
    .await?;

    // 5. The identity, from a file only this user can read, deleted right after.
    let dir = path
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| ctx.work_dir.clone());
    let p12_path = dir.join(format!(
        "identity-{}.p12",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 8)
    ));
    session.add_temp_file(p12_path.clone());
    {
        let p = p12_path.clone();
        tokio::task::spawn_blocking(move || write_private(&p, &p12))
            .await
            .map_err(|e| {
                XcodeError::Signing(format!("writing the identity crashed: {e}")).into_core()
            })?
            .map_err(|e| XcodeError::io("writing", &p12_path)(e).into_core())?;
    }
    let imported = run_tool(
        ctx,
        run(vec![
            "import".into(),
            p12_path.display().to_string(),
            "-k".into(),
            keychain.clone(),
            "-f".into(),
            "pkcs12".into(),
            "-P".into(),
            pw.to_owned(),
            "-T".into(),
            codesign.display().to_string(),
        ]),
    )
    .await;
    let _ = tokio::fs::remove_file(&p12_path).await;
    imported?;

    // 6. codesign may use the key.
    run_tool(
        ctx,
        run(vec![
            "set-key-partition-list".into(),
            "-S".into(),
            "apple-tool:,apple:,codesign:".into(),
            "-s".into(),
            "-k".into(),
            pw.to_owned(),
            keychain.clone(),
        ]),
    )
    .await?;

    // 7. On the search list, first, with the user's keychains after it.
    let mut list = vec![
        "list-keychains".to_owned(),
        "-d".into(),
        "user".into(),
        "-s".into(),
        keychain,
    ];
    // The keychain is new (its name is random), so the previous list cannot hold it.
    list.extend(previous);
    session.mark_search_list_changed();
    run_tool(ctx, run(list)).await?;
    Ok(())
}

/// A process error, as the core error: cancellation and timeouts stay what they are (the
/// pipeline reports them as such); a failure says what was being done.
fn keep_stops(e: process::ProcessError, doing: &str) -> Error {
    if e.is_cancelled() || e.is_timeout() {
        Error::Process(e)
    } else {
        XcodeError::Signing(format!("{doing}: {e}")).into_core()
    }
}

/// Writes `bytes` to a new file readable by this user only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Runs `program args` to completion without the async runtime (cleanup runs where no
/// `.await` is possible: when the build's future is dropped). No shell; stdin closed; killed
/// after [`CLEANUP_CALL_TIMEOUT`]. Like the process runner, it gives the tool the build's
/// environment (`env`) and none of the build's secrets (`remove`). Returns stdout, or what
/// went wrong.
pub fn run_blocking(
    program: &Path,
    args: &[OsString],
    env: &[(String, String)],
    remove: &[String],
) -> Result<String, String> {
    let describe = || {
        std::iter::once(program.display().to_string())
            .chain(
                args.iter()
                    .take(3)
                    .map(|a| a.to_string_lossy().into_owned()),
            )
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut cmd = std::process::Command::new(program);
    for name in remove {
        cmd.env_remove(name);
    }
    let mut child = cmd
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{}`: {e}", describe()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > CLEANUP_CALL_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{}` hung and was killed", describe()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for `{}`: {e}", describe())),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("reading `{}`: {e}", describe()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{}` failed ({}): {}",
            describe(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The keychain's file for a build: in the build's work dir, with a random part so two builds
/// never share one.
pub fn keychain_path(work_dir: &Path) -> PathBuf {
    work_dir.join("xcode").join(format!(
        "nativiweb-{}.keychain-db",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 10)
    ))
}
