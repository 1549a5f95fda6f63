//! The sandbox every tool of a build can run in: bubblewrap namespaces, rlimits, and network
//! only through nativiweb's allowlisting proxy.
//!
//! A [`SandboxPolicy`] is carried by the [`crate::BuildContext`] (`ctx.sandbox`, set by
//! [`crate::Pipeline::sandbox`]) and applied by [`crate::process::run`] to every tool it starts:
//!
//! - **Filesystem.** The tool sees a fresh root: `/usr` (and the `/bin`, `/lib*` links of a
//!   merged-usr system) and a few files of `/etc` (certificates, the dynamic linker's cache,
//!   alternatives) read-only, [`SandboxPolicy::read_only`] (toolchains: JDK, Android SDK,
//!   Flutter, package caches) read-only, the build's work dir, its project dir and
//!   [`SandboxPolicy::read_write`] read-write, a private `/tmp`, `/proc` of its own pid
//!   namespace and a minimal `/dev`. Nothing else of the host: no home directory, no keystores,
//!   no worker configuration, no other build. `HOME` is `<work dir>/home`.
//! - **Processes.** Its own pid, IPC, UTS, cgroup and user namespaces, a new session, no
//!   capabilities and no new privileges; [`Limits`] (address space, CPU time, process count,
//!   file size) are set with `setrlimit` in the child before `bwrap` is executed, so they hold
//!   for the whole tree. `bwrap --die-with-parent` makes the sandbox's pid 1 die with `bwrap`,
//!   and the runner kills `bwrap`'s process group at the step's end, timeout or cancel: the
//!   kernel then kills everything left in the pid namespace.
//! - **Users.** When the worker runs as root, the sandbox runs as [`SandboxPolicy::run_as`]
//!   (default `65534:65534`, "nobody"): the kernel does not apply the process-count limit to
//!   root, and the sandbox gets no privilege over the host's files. Before each tool starts,
//!   what in the work dir is not that user's yet is given to it (`chown`, one `lstat` per
//!   file: the cost grows with the work dir). Other read-write folders must be writable by
//!   that user. A project built in place (a folder nativiweb does not own) is never given
//!   away: its tools then run as root inside the sandbox, without the process-count limit,
//!   and the build says so in a warning. When the worker is not root, the sandbox runs as the
//!   worker's user, and the process-count limit counts the worker's own processes too.
//! - **Network.** [`Network::None`]: an empty network namespace (only loopback).
//!   [`Network::Proxy`]: the same, plus a [`proxy::Proxy`] the runner starts for the tool on a
//!   Unix socket in a folder bound into the sandbox; inside, `nativiweb-relay` (a bin target
//!   of this crate, see [`SandboxPolicy::relay`]) is the first process: it listens on
//!   `127.0.0.1:3128` of the sandbox's own loopback, forwards each connection to that socket,
//!   and starts the tool with `HTTP_PROXY`/`HTTPS_PROXY`/`npm_config_proxy`/`JAVA_TOOL_OPTIONS`
//!   pointing at it. The proxy allows only [`proxy::AllowList`] hosts and reports every
//!   refused host as a warning of the step. A tool that ignores the proxy variables has no
//!   route anywhere.
//! - **Secrets.** A command that asks for a secret ([`crate::process::Command::secret_env`])
//!   is refused in a sandbox ([`SandboxError::SecretRequested`]): steps that need secrets
//!   (signing) run in-process, outside the sandbox.
//! - **Availability.** [`SandboxMode::Required`] fails with [`SandboxError::Unavailable`]
//!   (saying why) when `bwrap` or the namespaces are missing; [`SandboxMode::Auto`] then runs
//!   the tool unsandboxed and warns once per build; [`SandboxMode::Off`] never sandboxes.
//!   [`SandboxPolicy::status`] tells a caller which it is before a build starts.
//!
//! Why bubblewrap and a relay process: `bwrap` is a small setuid-free tool packaged
//! everywhere (Debian `bubblewrap`, Flatpak's sandbox) that sets up every namespace in one
//! exec; a network namespace with only loopback cannot reach a TCP proxy on the host, but a
//! Unix socket bound into it can be reached, and the relay turns it back into the TCP proxy
//! address every package manager understands.

pub mod proxy;
pub mod relay;
pub mod scan;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

pub use proxy::{AllowList, Proxy};

/// Where the relay listens inside a sandbox (the sandbox's own loopback).
pub const RELAY_ADDR: &str = "127.0.0.1:3128";

/// Where the proxy socket's folder is bound inside a sandbox.
const SOCKET_DIR_IN: &str = "/run/nativiweb/net";
/// Where the relay binary is bound inside a sandbox.
const RELAY_IN: &str = "/run/nativiweb/relay";

/// Files and folders of `/etc` the tools need (TLS roots, the dynamic linker, alternatives,
/// name service switch, time zone); bound read-only when they exist.
const ETC_READ_ONLY: &[&str] = &[
    "/etc/alternatives",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/mime.types",
    "/etc/java-17-openjdk",
    "/etc/java-21-openjdk",
];

/// Package registry hosts for [`Network::Proxy`], by ecosystem.
pub mod registries {
    /// npm, Yarn (classic and berry) and the tarball CDNs they redirect to.
    pub const NPM: &[&str] = &[
        "registry.npmjs.org",
        "registry.yarnpkg.com",
        "repo.yarnpkg.com",
    ];
    /// Maven Central, Google's Maven and the Gradle plugin portal and distributions.
    pub const MAVEN: &[&str] = &[
        "repo.maven.apache.org",
        "repo1.maven.org",
        "dl.google.com",
        "maven.google.com",
        "plugins.gradle.org",
        "plugins-artifacts.gradle.org",
        "services.gradle.org",
        "downloads.gradle.org",
    ];
    /// pub.dev and the storage it serves packages from.
    pub const PUB: &[&str] = &["pub.dev", "pub.dartlang.org", "storage.googleapis.com"];
    /// The CocoaPods CDN.
    pub const COCOAPODS: &[&str] = &["cdn.cocoapods.org"];
}

/// Why a tool could not run in the sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The sandbox is required but cannot be made here.
    #[error("the sandbox is required but unavailable: {reason} (install bubblewrap, `apt install bubblewrap`, and allow user namespaces; or run with the sandbox off to build unsandboxed)")]
    Unavailable {
        /// What is missing.
        reason: String,
    },
    /// A sandboxed command asked for a secret.
    #[error("`{command}` asks for the secret `{name}`, but secrets never enter the sandbox: run this step outside it (in-process) or turn the sandbox off for this build")]
    SecretRequested {
        /// The command line.
        command: String,
        /// The secret's name.
        name: String,
    },
    /// The network policy needs the relay binary and it was not found.
    #[error("the sandbox's network proxy needs the `nativiweb-relay` program, not found at {path}: install it next to the program (`cargo install nativiweb-core --bin nativiweb-relay`) or set SandboxPolicy::relay")]
    RelayMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The program is not on the sandbox's `PATH`.
    #[error("could not start `{program}` in the sandbox: not found on its PATH{hint}")]
    ProgramNotFound {
        /// The program.
        program: String,
        /// How to install it, or empty.
        hint: String,
    },
    /// The program exists, but in a folder the sandbox does not show.
    #[error("`{program}` is {}, a folder the sandbox does not show: add its toolchain folder to the sandbox's read-only folders (SandboxPolicy::read_only), or install it under /usr", path.display())]
    ProgramOutside {
        /// The program.
        program: String,
        /// Where it really is (symlinks resolved).
        path: PathBuf,
    },
    /// An allowed-host entry cannot be read.
    #[error("allowed host `{entry}` is not `host`, `host:port`, `*.suffix` or `[v6]:port`")]
    BadAllowedHost {
        /// The entry.
        entry: String,
    },
    /// Preparing a folder or the proxy failed.
    #[error("preparing the sandbox: {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path at fault.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// When to sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SandboxMode {
    /// Sandbox when possible; otherwise run unsandboxed and warn (once per build).
    Auto,
    /// Always sandbox; fail each tool start with [`SandboxError::Unavailable`] when impossible.
    Required,
    /// Never sandbox (the library's default: today's behaviour).
    #[default]
    Off,
}

impl std::str::FromStr for SandboxMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(SandboxMode::Auto),
            "required" => Ok(SandboxMode::Required),
            "off" => Ok(SandboxMode::Off),
            other => Err(format!(
                "unknown sandbox mode `{other}`: use auto, required or off"
            )),
        }
    }
}

/// What network a sandboxed tool gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Network {
    /// None: only the sandbox's own loopback.
    #[default]
    None,
    /// Only the allowed hosts, through nativiweb's proxy.
    Proxy(AllowList),
}

impl Network {
    /// Through the proxy, allowing `hosts` (see [`AllowList`] for the forms).
    ///
    /// # Errors
    /// An entry that is not a host.
    pub fn proxy<I, S>(hosts: I) -> Result<Network, SandboxError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Ok(Network::Proxy(AllowList::new(hosts)?))
    }
}

/// Resource limits for the whole tree of a sandboxed tool (`setrlimit`; `None` leaves the
/// worker's own limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Address space per process, bytes (`RLIMIT_AS`). Node's WebAssembly and the JVM reserve
    /// much more virtual memory than they use: keep this generous.
    pub address_space: Option<u64>,
    /// CPU time per process, seconds (`RLIMIT_CPU`).
    pub cpu_seconds: Option<u64>,
    /// Processes and threads of the sandbox's user (`RLIMIT_NPROC`; with a shared
    /// [`SandboxPolicy::run_as`] user, concurrent sandboxes count together).
    pub processes: Option<u64>,
    /// Largest file a process may write, bytes (`RLIMIT_FSIZE`).
    pub file_size: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            address_space: Some(32 << 30),
            cpu_seconds: Some(2 * 60 * 60),
            processes: Some(4096),
            file_size: Some(8 << 30),
        }
    }
}

/// Whether sandboxing is possible here, from [`SandboxPolicy::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxStatus {
    /// Tools will run sandboxed with this `bwrap`.
    Available {
        /// The `bwrap` program.
        bwrap: PathBuf,
    },
    /// Tools cannot be sandboxed, and why.
    Unavailable {
        /// What is missing (`bwrap` not found, namespaces refused...).
        reason: String,
    },
}

/// How every tool of a build is sandboxed. Cheap to clone (clones share the availability
/// probe and the once-per-build warnings; [`SandboxPolicy::for_new_build`] starts those
/// afresh).
#[derive(Debug, Clone, Default)]
pub struct SandboxPolicy {
    /// When to sandbox.
    pub mode: SandboxMode,
    /// Extra folders bound read-only at the same path (toolchains: `JAVA_HOME`,
    /// `ANDROID_HOME`, Flutter, package caches). Missing ones are skipped.
    pub read_only: Vec<PathBuf>,
    /// Extra folders bound read-write at the same path (the work dir and the project dir are
    /// always bound).
    pub read_write: Vec<PathBuf>,
    /// The network tools get.
    pub network: Network,
    /// The rlimits.
    pub limits: Limits,
    /// The user and group the sandbox runs as when the worker is root (`None`: the default,
    /// 65534:65534). Ignored when the worker is not root.
    pub run_as: Option<(u32, u32)>,
    /// The `bwrap` program (default: `bwrap` on `PATH`).
    pub bwrap: Option<PathBuf>,
    /// The `nativiweb-relay` program (default: next to the running program, then on `PATH`).
    pub relay: Option<PathBuf>,
    /// Arguments put before the relay's own, for a program that embeds the relay as a hidden
    /// subcommand (see [`relay::relay_main`] and [`SandboxPolicy::relay_command`]).
    pub relay_args: Vec<OsString>,
    /// `PATH` inside the sandbox (default: the worker's `PATH`).
    pub path: Option<OsString>,
    status: Arc<OnceLock<SandboxStatus>>,
    warned: Arc<Warned>,
}

/// Warnings given once per build (see [`SandboxPolicy::for_new_build`]).
#[derive(Debug, Default)]
struct Warned {
    unsandboxed: AtomicBool,
    root: AtomicBool,
}

impl SandboxPolicy {
    /// A policy in `mode` with the defaults: no network, default [`Limits`].
    pub fn new(mode: SandboxMode) -> Self {
        SandboxPolicy {
            mode,
            ..SandboxPolicy::default()
        }
    }

    /// Sets the network.
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Adds a read-only folder.
    pub fn read_only(mut self, dir: impl Into<PathBuf>) -> Self {
        self.read_only.push(dir.into());
        self
    }

    /// Adds a read-write folder.
    pub fn read_write(mut self, dir: impl Into<PathBuf>) -> Self {
        self.read_write.push(dir.into());
        self
    }

    /// Sets the relay program.
    pub fn relay(mut self, relay: impl Into<PathBuf>) -> Self {
        self.relay = Some(relay.into());
        self
    }

    /// Uses `program args...` as the relay: a program that embeds it, such as the CLI calling
    /// [`relay::relay_main`] from a hidden subcommand (`relay_command(current_exe, ["__relay"])`).
    pub fn relay_command<I, S>(mut self, program: impl Into<PathBuf>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.relay = Some(program.into());
        self.relay_args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Whether tools can be sandboxed here (probed once per policy: `bwrap` found and able to
    /// make the namespaces).
    pub fn status(&self) -> SandboxStatus {
        self.status
            .get_or_init(|| probe(self.bwrap.as_deref(), self.effective_user()))
            .clone()
    }

    /// A copy for one more build: it shares the availability probe, and gives its own
    /// warnings (running unsandboxed, running as root) once to that build.
    pub fn for_new_build(&self) -> Self {
        SandboxPolicy {
            warned: Arc::default(),
            ..self.clone()
        }
    }

    fn effective_user(&self) -> Option<(u32, u32)> {
        if nix::unistd::geteuid().is_root() {
            Some(self.run_as.unwrap_or((65534, 65534)))
        } else {
            None
        }
    }

    fn relay_path(&self) -> PathBuf {
        if let Some(r) = &self.relay {
            return r.clone();
        }
        let beside = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|d| d.join("nativiweb-relay")))
            .filter(|p| p.is_file());
        beside
            .or_else(|| crate::process::find_program("nativiweb-relay", None))
            .unwrap_or_else(|| PathBuf::from("nativiweb-relay"))
    }
}

fn probe(bwrap: Option<&Path>, user: Option<(u32, u32)>) -> SandboxStatus {
    use std::os::unix::process::CommandExt;
    let bwrap = match bwrap {
        Some(b) => b.to_owned(),
        None => match crate::process::find_program("bwrap", None) {
            Some(b) => b,
            None => {
                return SandboxStatus::Unavailable {
                    reason: "`bwrap` (bubblewrap) is not on PATH".into(),
                }
            }
        },
    };
    let mut cmd = std::process::Command::new(&bwrap);
    cmd.args([
        "--unshare-all",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--",
        "/bin/true",
    ])
    .env_clear()
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    match cmd.output() {
        Ok(out) if out.status.success() => SandboxStatus::Available { bwrap },
        Ok(out) => SandboxStatus::Unavailable {
            reason: format!(
                "`{}` cannot create namespaces here ({}): {}",
                bwrap.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        },
        Err(e) => SandboxStatus::Unavailable {
            reason: format!("`{}` could not be started: {e}", bwrap.display()),
        },
    }
}

/// A tool start wrapped in the sandbox: the command to spawn and what must live as long as it.
pub(crate) struct Prepared {
    /// `bwrap ... -- [relay ...] program args`, environment set, limits applied.
    pub command: tokio::process::Command,
    /// The proxy, when the network goes through one.
    pub _proxy: Option<Proxy>,
    /// The folder holding the proxy socket.
    pub _socket_dir: Option<tempfile::TempDir>,
}

/// What the runner hands over to be sandboxed.
pub(crate) struct Request<'a> {
    pub program: &'a std::ffi::OsStr,
    pub args: &'a [OsString],
    pub cwd: Option<&'a Path>,
    /// The step's environment (`ctx.env`, then the command's), never the worker's.
    pub env: Vec<(OsString, OsString)>,
    pub command_line: &'a str,
    pub secrets_requested: &'a [String],
}

/// Wraps `req` per `ctx.sandbox`: `Ok(None)` when the tool runs unsandboxed (mode off, or auto
/// without a sandbox).
pub(crate) async fn prepare(
    ctx: &crate::BuildContext,
    req: Request<'_>,
) -> Result<Option<Prepared>, SandboxError> {
    let policy = &ctx.sandbox;
    if policy.mode == SandboxMode::Off {
        return Ok(None);
    }
    let status = {
        let p = policy.clone();
        tokio::task::spawn_blocking(move || p.status())
            .await
            .unwrap_or_else(|e| SandboxStatus::Unavailable {
                reason: format!("probe failed: {e}"),
            })
    };
    let bwrap = match status {
        SandboxStatus::Available { bwrap } => bwrap,
        SandboxStatus::Unavailable { reason } => {
            if policy.mode == SandboxMode::Required {
                return Err(SandboxError::Unavailable { reason });
            }
            if !policy.warned.unsandboxed.swap(true, Ordering::Relaxed) {
                ctx.warn(format!(
                    "tools run UNSANDBOXED (sandbox mode auto): {reason}"
                ));
            }
            return Ok(None);
        }
    };
    if let Some(name) = req.secrets_requested.first() {
        return Err(SandboxError::SecretRequested {
            command: req.command_line.to_owned(),
            name: name.clone(),
        });
    }

    let mut user = policy.effective_user();
    let in_place = !ctx.project_dir.starts_with(&ctx.work_dir);
    if user.is_some() && in_place {
        // The user's own folder is not ours to give away: the tools stay root (in their own
        // user namespace, without capabilities).
        if !policy.warned.root.swap(true, Ordering::Relaxed) {
            ctx.warn(format!(
                "the project is built in place in {}, which nativiweb does not own: its tools run as root in the sandbox, where the kernel does not apply the process-count limit",
                ctx.project_dir.display()
            ));
        }
        user = None;
    }
    let home = ctx.work_dir.join("home");
    let mut writable: Vec<PathBuf> = vec![ctx.work_dir.clone()];
    if in_place {
        writable.push(ctx.project_dir.clone());
    }
    writable.extend(policy.read_write.iter().cloned());
    let work = ctx.work_dir.clone();
    let home_dir = home.clone();
    let existing_writable = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&home_dir).map_err(|source| SandboxError::Io {
            what: "creating the sandbox's home",
            path: home_dir.clone(),
            source,
        })?;
        if let Some((uid, gid)) = user {
            give_to(&work, uid, gid)?;
        }
        Ok::<_, SandboxError>(
            writable
                .into_iter()
                .filter(|d| d.exists())
                .collect::<Vec<_>>(),
        )
    })
    .await
    .map_err(|e| SandboxError::Io {
        what: "preparing the work dir",
        path: ctx.work_dir.clone(),
        source: std::io::Error::other(e),
    })??;

    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&[
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/usr",
        "/usr",
    ]);
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
        match std::fs::symlink_metadata(top) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = std::fs::read_link(top) {
                    args.extend([
                        OsString::from("--symlink"),
                        target.into_os_string(),
                        top.into(),
                    ]);
                }
            }
            Ok(m) if m.is_dir() => args.extend(["--ro-bind".into(), top.into(), top.into()]),
            _ => {}
        }
    }
    for etc in ETC_READ_ONLY {
        args.extend(["--ro-bind-try".into(), (*etc).into(), (*etc).into()]);
    }
    args.extend(
        ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
            .iter()
            .map(OsString::from),
    );
    for dir in &policy.read_only {
        args.extend([
            "--ro-bind-try".into(),
            dir.clone().into_os_string(),
            dir.clone().into_os_string(),
        ]);
    }
    for dir in &existing_writable {
        args.extend([
            "--bind".into(),
            dir.clone().into_os_string(),
            dir.clone().into_os_string(),
        ]);
    }
    let cwd = req.cwd.unwrap_or(&ctx.work_dir);
    args.extend(["--chdir".into(), cwd.as_os_str().to_owned()]);

    let path_var = policy
        .path
        .clone()
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let mut visible: Vec<PathBuf> = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    visible.extend(policy.read_only.iter().cloned());
    visible.extend(existing_writable.iter().cloned());
    check_program(req.program, cwd, &path_var, &visible)?;
    let mut env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), path_var),
        ("HOME".into(), home.into_os_string()),
        ("TMPDIR".into(), "/tmp".into()),
        ("LANG".into(), "C.UTF-8".into()),
    ];
    env.extend(req.env);

    let mut proxy = None;
    let mut socket_dir = None;
    match &policy.network {
        Network::None => {
            args.push("--".into());
        }
        Network::Proxy(allow) => {
            let relay = policy.relay_path();
            if !relay.is_file() {
                return Err(SandboxError::RelayMissing { path: relay });
            }
            let dir = tempfile::Builder::new()
                .prefix("nativiweb-net-")
                .tempdir()
                .map_err(|source| SandboxError::Io {
                    what: "creating the proxy socket's folder in",
                    path: std::env::temp_dir(),
                    source,
                })?;
            {
                use std::os::unix::fs::PermissionsExt;
                let _ =
                    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755));
            }
            let socket = dir.path().join("proxy.sock");
            let events_ctx = ctx.clone();
            let p = Proxy::start(&socket, allow.clone(), move |host| {
                events_ctx.warn(format!(
                    "sandbox proxy refused a connection to {host}: not an allowed host"
                ));
            })
            .map_err(|source| SandboxError::Io {
                what: "starting the proxy on",
                path: socket.clone(),
                source,
            })?;
            args.extend([
                "--ro-bind".into(),
                dir.path().as_os_str().to_owned(),
                SOCKET_DIR_IN.into(),
                "--ro-bind".into(),
                relay.into_os_string(),
                RELAY_IN.into(),
                "--".into(),
                RELAY_IN.into(),
            ]);
            args.extend(policy.relay_args.iter().cloned());
            args.extend([
                RELAY_ADDR.into(),
                format!("{SOCKET_DIR_IN}/proxy.sock").into(),
            ]);
            let url = format!("http://{RELAY_ADDR}");
            for key in [
                "HTTP_PROXY",
                "HTTPS_PROXY",
                "http_proxy",
                "https_proxy",
                "npm_config_proxy",
                "npm_config_https_proxy",
            ] {
                env.push((key.into(), url.clone().into()));
            }
            env.push(("NO_PROXY".into(), "".into()));
            let (host, port) = RELAY_ADDR.split_once(':').unwrap_or(("127.0.0.1", "3128"));
            env.push((
                "JAVA_TOOL_OPTIONS".into(),
                format!("-Dhttp.proxyHost={host} -Dhttp.proxyPort={port} -Dhttps.proxyHost={host} -Dhttps.proxyPort={port}").into(),
            ));
            proxy = Some(p);
            socket_dir = Some(dir);
        }
    }
    args.push(req.program.to_owned());
    args.extend(req.args.iter().cloned());

    let mut command = tokio::process::Command::new(&bwrap);
    command.args(&args).env_clear().envs(env);
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid);
    }
    let limits = policy.limits;
    // SAFETY: the closure only calls setrlimit, which is async-signal-safe, and allocates
    // nothing.
    unsafe {
        command.pre_exec(move || apply_limits(&limits));
    }
    Ok(Some(Prepared {
        command,
        _proxy: proxy,
        _socket_dir: socket_dir,
    }))
}

/// Fails when `program` cannot be found on `path` (relative paths from `cwd`) in a folder the
/// sandbox shows (symlinks resolved, as `/usr/bin/java` -> `/usr/lib/jvm/...`), saying whether
/// it is missing or outside: bwrap's own message ("execvp: No such file") would not say why.
fn check_program(
    program: &std::ffi::OsStr,
    cwd: &Path,
    path: &std::ffi::OsStr,
    visible: &[PathBuf],
) -> Result<(), SandboxError> {
    let name = program.to_string_lossy().into_owned();
    let shown = |real: &Path| {
        visible.iter().any(|dir| {
            real.starts_with(dir) || std::fs::canonicalize(dir).is_ok_and(|d| real.starts_with(d))
        })
    };
    let candidates: Vec<PathBuf> = if name.contains('/') {
        vec![cwd.join(&name)]
    } else {
        std::env::split_paths(path).map(|d| d.join(&name)).collect()
    };
    let mut outside = None;
    for candidate in candidates {
        let Some(found) = crate::process::find_program(&candidate.to_string_lossy(), None) else {
            continue;
        };
        let real = std::fs::canonicalize(&found).unwrap_or(found);
        if shown(&real) {
            return Ok(());
        }
        outside.get_or_insert(real);
    }
    match outside {
        Some(path) => Err(SandboxError::ProgramOutside {
            program: name,
            path,
        }),
        None => Err(SandboxError::ProgramNotFound {
            hint: crate::process::install_hint(&name)
                .map(|h| format!("; {h}"))
                .unwrap_or_default(),
            program: name,
        }),
    }
}

fn apply_limits(limits: &Limits) -> std::io::Result<()> {
    use nix::sys::resource::{setrlimit, Resource};
    let set = |res: Resource, v: Option<u64>| match v {
        Some(v) => setrlimit(res, v, v).map_err(std::io::Error::from),
        None => Ok(()),
    };
    set(Resource::RLIMIT_AS, limits.address_space)?;
    set(Resource::RLIMIT_CPU, limits.cpu_seconds)?;
    set(Resource::RLIMIT_NPROC, limits.processes)?;
    set(Resource::RLIMIT_FSIZE, limits.file_size)?;
    Ok(())
}

/// `chown -R uid:gid dir` without following symlinks, for the entries that are not the user's
/// yet (files the in-process steps wrote since the last tool started).
fn give_to(dir: &Path, uid: u32, gid: u32) -> Result<(), SandboxError> {
    use std::os::unix::fs::MetadataExt;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SandboxError::Io {
            what: "giving to the sandbox user",
            path,
            source,
        }
    };
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        if meta.uid() != uid || meta.gid() != gid {
            std::os::unix::fs::lchown(&path, Some(uid), Some(gid)).map_err(io(&path))?;
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).map_err(io(&path))? {
                stack.push(entry.map_err(io(&path))?.path());
            }
        }
    }
    Ok(())
}
