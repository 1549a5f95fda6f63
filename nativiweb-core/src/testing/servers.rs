//! Servers that tests start on a free loopback port and stop when dropped: a real
//! `redis-server` (Debian) for the farm's queue, and a real S3-compatible server (`moto_server`
//! from PyPI's `moto[server]`) for the object-store sink.
//!
//! Each constructor returns `None` (after [`super::tool`] printed that the test skips) when the
//! program is missing, and panics under `NATIVIWEB_REQUIRE_TOOLS=1`.
//!
//! ```no_run
//! use nativiweb_core::testing::LocalServer;
//!
//! let Some(redis) = LocalServer::redis() else { return };
//! println!("redis at {}", redis.url());
//! // stopped (SIGKILL, then reaped) when `redis` is dropped
//! ```

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to accept connections before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A free TCP port on 127.0.0.1 (bound, then released: the caller binds it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// A server process a test started; killed and reaped when dropped.
#[derive(Debug)]
pub struct LocalServer {
    child: Option<Child>,
    program: PathBuf,
    args: Vec<String>,
    port: u16,
    scheme: &'static str,
    /// Private folder for the server's data (Redis' dump, logs); removed on drop.
    dir: tempfile::TempDir,
}

impl LocalServer {
    /// A `redis-server` with no persistence on a free port; its URL is `redis://127.0.0.1:PORT`.
    pub fn redis() -> Option<LocalServer> {
        LocalServer::redis_with(false)
    }

    /// A `redis-server` that writes every command to its append-only file before answering
    /// (`appendfsync always`), as a farm's Redis should: after [`LocalServer::restart`] it has
    /// everything it had.
    pub fn redis_persistent() -> Option<LocalServer> {
        LocalServer::redis_with(true)
    }

    fn redis_with(persistent: bool) -> Option<LocalServer> {
        let program = super::tool("redis-server")?;
        let dir = tempfile::tempdir().expect("temp dir for redis");
        let port = free_port();
        let args = vec![
            "--port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--save".into(),
            String::new(),
            "--appendonly".into(),
            if persistent { "yes" } else { "no" }.into(),
            "--appendfsync".into(),
            "always".into(),
            "--dir".into(),
            dir.path().display().to_string(),
            "--daemonize".into(),
            "no".into(),
        ];
        Some(LocalServer::start(program, args, port, "redis", dir))
    }

    /// A `moto_server` (an S3 emulator speaking the real S3 REST protocol) on a free port; its
    /// URL is `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` with `AWS_ALLOW_HTTP=true`.
    pub fn s3() -> Option<LocalServer> {
        let program = super::tool("moto_server")?;
        let dir = tempfile::tempdir().expect("temp dir for moto");
        let port = free_port();
        let args = vec![
            "-H".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ];
        Some(LocalServer::start(program, args, port, "http", dir))
    }

    fn start(
        program: PathBuf,
        args: Vec<String>,
        port: u16,
        scheme: &'static str,
        dir: tempfile::TempDir,
    ) -> LocalServer {
        let mut server = LocalServer {
            child: None,
            program,
            args,
            port,
            scheme,
            dir,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let log =
            std::fs::File::create(self.dir.path().join("server.log")).expect("server log file");
        let child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("server log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.program.display()));
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "{} exited ({status}) before listening on {addr}; its log: {}",
                        self.program.display(),
                        self.log()
                    );
                }
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "{} did not listen on {addr} within {START_TIMEOUT:?}; its log: {}",
                self.program.display(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's URL: `redis://127.0.0.1:PORT` or `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder the server keeps its data and log in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Kills the server (SIGKILL: as if its machine were lost) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port after [`LocalServer::kill`] (a restart: what
    /// it held in memory is gone).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.kill();
    }
}
