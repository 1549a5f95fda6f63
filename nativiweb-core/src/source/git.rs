//! [`GitSource`]: a project cloned from a git repository at a branch, tag or commit.
//!
//! `git` runs as a process through [`crate::process::run`] (own process group, output as
//! redacted log events, killed on cancel or deadline). The clone is as shallow as the server
//! allows:
//!
//! - a branch or tag: `git clone --depth 1 --branch <name>`;
//! - a full commit hash: `git init` + `git fetch --depth 1 origin <sha>`; servers that refuse
//!   to serve an unadvertised commit get a full (blob-less where supported) fetch instead;
//! - an abbreviated commit hash: a blob-less full clone, then `rev-parse` and checkout (an
//!   abbreviation cannot be fetched by itself);
//! - no reference: the default branch, `--depth 1`.
//!
//! The resulting commit hash and the first line of its message are recorded in the
//! [`SourceInfo`], as a deployment record would show them.
//!
//! **Credentials never reach argv or logs.** User info in an `http(s)` URL
//! (`https://user:token@host/repo.git`) is removed from the URL git sees and from the recorded
//! origin; the credentials (or those given with [`GitSource::with_credentials`]) travel as an
//! `Authorization: Basic` header in git's `http.<url>.extraHeader` setting, passed through the
//! `GIT_CONFIG_*` environment variables as a build secret, so the runner masks the header and the
//! token in every log line and error. Interactive prompts are off (`GIT_TERMINAL_PROMPT=0`), and
//! only the `file`, `git`, `http`, `https` and `ssh` transports are allowed.
//!
//! A checked-out repository's symlinks are as untrusted as a zip's entries: links that resolve
//! outside the project (or to nothing) are removed, with a log line.

use std::fmt;
use std::path::Path;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::{blocking, SourceError, Staging};
use crate::context::BuildContext;
use crate::error::{Error, Result};
use crate::model::SourceInfo;
use crate::process::{self, Command, ProcessError};
use crate::traits::ProjectSource;

/// Which revision of the repository to build.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GitRef {
    /// The remote's default branch (its `HEAD`).
    #[default]
    DefaultBranch,
    /// A branch or tag name.
    Name(String),
    /// A commit hash, full (40 or 64 hex digits) or abbreviated (at least 4).
    Commit(String),
}

impl GitRef {
    /// Reads a reference as a user would type it: empty is the default branch, 40 or 64 hex
    /// digits are a commit, anything else a branch or tag name. (An abbreviated hash is tried as
    /// a name first and then as a commit, since `abc1234` could be either.)
    pub fn parse(reference: &str) -> GitRef {
        let r = reference.trim();
        if r.is_empty() {
            GitRef::DefaultBranch
        } else if (r.len() == 40 || r.len() == 64) && r.bytes().all(|b| b.is_ascii_hexdigit()) {
            GitRef::Commit(r.to_ascii_lowercase())
        } else {
            GitRef::Name(r.to_owned())
        }
    }

    /// The reference as text, `None` for the default branch.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            GitRef::DefaultBranch => None,
            GitRef::Name(s) | GitRef::Commit(s) => Some(s),
        }
    }
}

/// A project in a git repository (a URL git understands, or a local path).
///
/// ```no_run
/// use nativiweb_core::source::{GitRef, GitSource};
/// let source = GitSource::new("https://git.example.com/team/app.git")
///     .with_ref(GitRef::parse("v1.4.0"))
///     .with_credentials("x-access-token", std::env::var("GIT_TOKEN").unwrap_or_default().into());
/// ```
#[derive(Clone)]
pub struct GitSource {
    url: String,
    reference: GitRef,
    credentials: Option<(String, SecretString)>,
}

impl fmt::Debug for GitSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitSource")
            .field("origin", &self.origin())
            .field("reference", &self.reference)
            .field("credentials", &self.has_credentials())
            .finish()
    }
}

impl GitSource {
    /// A source cloning `url` (any URL or path `git clone` accepts) at its default branch.
    /// Credentials in an `http(s)` URL are used, but only through the environment.
    pub fn new(url: impl Into<String>) -> Self {
        GitSource {
            url: url.into(),
            reference: GitRef::DefaultBranch,
            credentials: None,
        }
    }

    /// Builds `reference` instead of the default branch.
    pub fn with_ref(mut self, reference: GitRef) -> Self {
        self.reference = reference;
        self
    }

    /// Authenticates `http(s)` requests with `username` and `password` (a token, for most
    /// hosts: GitHub takes `x-access-token`, GitLab `oauth2` as the username). Overrides
    /// credentials embedded in the URL.
    pub fn with_credentials(mut self, username: impl Into<String>, password: SecretString) -> Self {
        self.credentials = Some((username.into(), password));
        self
    }

    /// The reference that will be built.
    pub fn reference(&self) -> &GitRef {
        &self.reference
    }

    /// The repository URL without credentials, as recorded in [`SourceInfo::origin`].
    pub fn origin(&self) -> String {
        split_credentials(&self.url).0
    }

    fn has_credentials(&self) -> bool {
        self.credentials.is_some() || split_credentials(&self.url).1.is_some()
    }
}

#[async_trait]
impl ProjectSource for GitSource {
    fn name(&self) -> &str {
        "git"
    }

    async fn materialize(&self, ctx: &BuildContext, dest: &Path) -> Result<SourceInfo> {
        let (url, url_credentials) = split_credentials(&self.url);
        validate_url(&url)?;
        if let Some(r) = self.reference.as_str() {
            validate_ref(r)?;
        }
        let credentials = self.credentials.clone().or(url_credentials);
        let git = GitRun::new(ctx, &url, credentials.as_ref());

        let dest_owned = dest.to_owned();
        let staging = blocking("git", move || Ok(Staging::new(&dest_owned)?)).await?;
        let repo = staging.path().join("project");

        match self.checkout(&git, &url, &repo).await {
            Ok(found) => {
                let (commit, message) = found;
                let task_ctx = ctx.clone();
                let removed = blocking("git", move || {
                    let removed = super::dir::scrub_symlinks(&repo, &task_ctx)?;
                    staging.commit(&repo)?;
                    Ok(removed)
                })
                .await?;
                ctx.info(format!(
                    "checked out {url} at {commit}{}{}",
                    self.reference
                        .as_str()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default(),
                    if removed > 0 {
                        format!("; removed {removed} symlinks that point outside the project")
                    } else {
                        String::new()
                    }
                ));
                Ok(SourceInfo {
                    kind: "git".to_owned(),
                    origin: url,
                    commit: Some(commit),
                    message: Some(message),
                    reference: self.reference.as_str().map(str::to_owned),
                    subdir: None,
                })
            }
            Err(e) => {
                // Removing a half-cloned repository is file-heavy: do it off the async threads.
                let _ = blocking("git", move || {
                    drop(staging);
                    Ok(())
                })
                .await;
                Err(e)
            }
        }
    }
}

impl GitSource {
    /// Clones into `repo` at the requested reference; returns the commit and message subject.
    async fn checkout(&self, git: &GitRun<'_>, url: &str, repo: &Path) -> Result<(String, String)> {
        let repo_arg = repo.as_os_str();
        match &self.reference {
            GitRef::DefaultBranch => {
                git.run("clone", |c| {
                    c.args(["clone", "--depth", "1", "--"])
                        .arg(url)
                        .arg(repo_arg)
                })
                .await?;
            }
            GitRef::Name(name) => {
                let shallow = git
                    .run("clone", |c| {
                        c.args(["clone", "--depth", "1", "--branch", name, "--"])
                            .arg(url)
                            .arg(repo_arg)
                    })
                    .await;
                match shallow {
                    Ok(_) => {}
                    Err(Error::Source(SourceError::Git { source, .. })) if ref_missing(&source) => {
                        if !looks_like_abbreviated_hash(name) {
                            return Err(not_found(url, name, &source));
                        }
                        // `abc1234` was not a branch or tag; try it as a commit.
                        remove_partial(repo).await?;
                        self.full_clone_at(git, url, repo, name).await?;
                    }
                    Err(e) => return Err(e),
                }
            }
            GitRef::Commit(sha) if sha.len() == 40 || sha.len() == 64 => {
                git.run("create", |c| c.args(["init", "-q"]).arg(repo_arg))
                    .await?;
                git.run("configure", |c| {
                    c.arg("-C")
                        .arg(repo_arg)
                        .args(["remote", "add", "origin"])
                        .arg(url)
                })
                .await?;
                let shallow = git
                    .run("fetch from", |c| {
                        c.arg("-C")
                            .arg(repo_arg)
                            .args(["fetch", "--depth", "1", "origin", sha])
                    })
                    .await;
                if let Err(e) = shallow {
                    if e.is_cancelled() || e.is_timeout() {
                        return Err(e);
                    }
                    git.ctx.info(format!(
                        "{url} would not serve commit {sha} by itself; fetching its history instead"
                    ));
                    git.run("fetch from", |c| {
                        c.arg("-C").arg(repo_arg).args([
                            "fetch",
                            "--filter=blob:none",
                            "--tags",
                            "origin",
                        ])
                    })
                    .await?;
                }
                self.detach_at(git, url, repo, sha).await?;
            }
            GitRef::Commit(sha) => self.full_clone_at(git, url, repo, sha).await?,
        }
        let commit = git
            .capture(|c| c.arg("-C").arg(repo_arg).args(["rev-parse", "HEAD"]))
            .await?
            .join("")
            .trim()
            .to_owned();
        let message = git
            .capture(|c| c.arg("-C").arg(repo_arg).args(["log", "-1", "--format=%B"]))
            .await?
            .into_iter()
            .map(|l| l.trim().to_owned())
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        Ok((commit, message))
    }

    /// A blob-less full clone without checkout, then a detached checkout of `rev`.
    async fn full_clone_at(
        &self,
        git: &GitRun<'_>,
        url: &str,
        repo: &Path,
        rev: &str,
    ) -> Result<()> {
        git.run("clone", |c| {
            c.args(["clone", "--no-checkout", "--filter=blob:none", "--"])
                .arg(url)
                .arg(repo)
        })
        .await?;
        self.detach_at(git, url, repo, rev).await
    }

    /// Resolves `rev` to a commit (never to a branch of the same name) and checks it out.
    async fn detach_at(&self, git: &GitRun<'_>, url: &str, repo: &Path, rev: &str) -> Result<()> {
        let spec = format!("{rev}^{{commit}}");
        let full = git
            .capture(|c| {
                c.arg("-C").arg(repo).args([
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    "--end-of-options",
                    &spec,
                ])
            })
            .await;
        let full = match full {
            Ok(lines) => lines.join("").trim().to_owned(),
            Err(Error::Source(SourceError::Git { source, .. })) => {
                return Err(not_found(url, rev, &source))
            }
            Err(e) => return Err(e),
        };
        if !full.eq_ignore_ascii_case(rev) && !full.starts_with(&rev.to_ascii_lowercase()) {
            return Err(SourceError::GitRefNotFound {
                origin: url.to_owned(),
                reference: rev.to_owned(),
                detail: format!("`{rev}` resolved to {full}, which is not that commit"),
            }
            .into());
        }
        git.run("check out", |c| {
            c.arg("-C")
                .arg(repo)
                .args([
                    "-c",
                    "advice.detachedHead=false",
                    "checkout",
                    "-q",
                    "--detach",
                ])
                .arg(&full)
        })
        .await?;
        Ok(())
    }
}

/// Runs git for one materialization: the environment, the credentials, error mapping.
struct GitRun<'a> {
    ctx: BuildContext,
    origin: &'a str,
    header_key: Option<String>,
}

/// The build secret that carries the authorization header (its name is the variable git reads).
const HEADER_SECRET: &str = "GIT_CONFIG_VALUE_0";

impl<'a> GitRun<'a> {
    fn new(ctx: &BuildContext, url: &'a str, credentials: Option<&(String, SecretString)>) -> Self {
        let mut ctx = ctx.clone();
        let mut header_key = None;
        if let (Some((user, password)), Some(base)) = (credentials, http_base(url)) {
            let pair = Zeroizing::new(format!("{user}:{}", password.expose_secret()));
            let encoded = Zeroizing::new(base64(pair.as_bytes()));
            let header = SecretString::from(format!("Authorization: Basic {}", encoded.as_str()));
            // Both the header and the raw token become build secrets, so the runner masks them
            // in every line git prints.
            let secrets = ctx
                .secrets
                .clone()
                .with(HEADER_SECRET, header)
                .with("NATIVIWEB_GIT_PASSWORD", password.clone())
                .with(
                    "NATIVIWEB_GIT_AUTH",
                    SecretString::from(encoded.to_string()),
                );
            ctx = ctx.with_secrets(secrets);
            header_key = Some(format!("http.{base}.extraHeader"));
        }
        GitRun {
            ctx,
            origin: url,
            header_key,
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new("git")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh")
            .env("LC_ALL", "C");
        if let Some(key) = &self.header_key {
            c = c
                .env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", key)
                .secret_env(HEADER_SECRET);
        }
        c
    }

    /// Runs git; failures become [`SourceError::Git`] (cancellation and timeouts stay process
    /// errors so the pipeline reports them as such).
    async fn run(
        &self,
        action: &'static str,
        build: impl FnOnce(Command) -> Command,
    ) -> Result<process::Output> {
        let cmd = build(self.command());
        process::run(&self.ctx, cmd)
            .await
            .map_err(|source| self.error(action, source))
    }

    /// Runs git and returns its stdout lines.
    async fn capture(&self, build: impl FnOnce(Command) -> Command) -> Result<Vec<String>> {
        let cmd = build(self.command()).capture_stdout(true);
        process::run(&self.ctx, cmd)
            .await
            .map(|o| o.stdout)
            .map_err(|source| self.error("read", source))
    }

    fn error(&self, action: &'static str, source: ProcessError) -> Error {
        if source.is_cancelled() || source.is_timeout() {
            return Error::Process(source);
        }
        SourceError::Git {
            action,
            origin: self.origin.to_owned(),
            source,
        }
        .into()
    }
}

async fn remove_partial(repo: &Path) -> Result<()> {
    let repo = repo.to_owned();
    blocking("git", move || match std::fs::remove_dir_all(&repo) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SourceError::io("removing", &repo, e).into()),
    })
    .await
}

fn tail(e: &ProcessError) -> String {
    match e {
        ProcessError::Failed { tail, .. } => tail.clone(),
        other => other.to_string(),
    }
}

/// True when git failed because the branch or tag does not exist on the remote.
fn ref_missing(e: &ProcessError) -> bool {
    let t = tail(e);
    t.contains("not found in upstream") || t.contains("Could not find remote branch")
}

fn not_found(url: &str, reference: &str, e: &ProcessError) -> Error {
    SourceError::GitRefNotFound {
        origin: url.to_owned(),
        reference: reference.to_owned(),
        detail: tail(e),
    }
    .into()
}

fn looks_like_abbreviated_hash(s: &str) -> bool {
    (4..40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn validate_url(url: &str) -> Result<(), SourceError> {
    let reason = if url.trim().is_empty() {
        Some("it is empty")
    } else if url.starts_with('-') {
        Some("it starts with `-`, which git would read as an option")
    } else if url.chars().any(|c| c.is_control()) {
        Some("it contains control characters")
    } else if url.starts_with("ext::") || url.starts_with("fd::") {
        Some("the `ext::` and `fd::` transports run arbitrary commands and are not allowed")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SourceError::GitInvalidUrl {
            url: url.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Rejects names git itself would refuse or that could be read as options.
fn validate_ref(r: &str) -> Result<(), SourceError> {
    let reason = if r.starts_with('-') {
        Some("it starts with `-`, which git would read as an option")
    } else if r.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("it contains whitespace or control characters")
    } else if r.contains("..") || r.contains("@{") || r.ends_with('.') || r.ends_with(".lock") {
        Some("it is not a valid git reference name (see `git check-ref-format`)")
    } else if r
        .chars()
        .any(|c| matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        Some("it contains a character git does not allow in reference names (~ ^ : ? * [ \\)")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SourceError::GitInvalidRef {
            reference: r.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Removes user info from a `scheme://user[:password]@host/...` URL. For `http(s)` the user
/// info is returned as credentials; for other schemes only a password is removed (an ssh user
/// name is not a secret) and nothing is returned. Other forms (`git@host:path`, local paths)
/// are returned unchanged.
fn split_credentials(url: &str) -> (String, Option<(String, SecretString)>) {
    let Some(pos) = url.find("://") else {
        return (url.to_owned(), None);
    };
    let (scheme, rest) = (&url[..pos], &url[pos + 3..]);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let Some(at) = authority.rfind('@') else {
        return (url.to_owned(), None);
    };
    let (userinfo, host) = (&authority[..at], &authority[at + 1..]);
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    let http = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    if http {
        let clean = format!("{scheme}://{host}{path}");
        let password = Zeroizing::new(percent_decode(password.unwrap_or("")));
        let creds = (
            percent_decode(user),
            SecretString::from(password.as_str().to_owned()),
        );
        (clean, Some(creds))
    } else if password.is_some() {
        (format!("{scheme}://{user}@{host}{path}"), None)
    } else {
        (url.to_owned(), None)
    }
}

/// `scheme://host[:port]/` of an `http(s)` URL (no user info), the scope of the auth header.
fn http_base(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(format!("{scheme}://{}/", &rest[..end]))
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding (RFC 4648), for the Basic authorization header.
fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let idx = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, &k) in idx.iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(TABLE[k as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        // RFC 4648 section 10.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }

    #[test]
    fn credentials_are_split_from_urls() {
        let (clean, creds) = split_credentials("https://alice:s%40cret@git.example.com/a/b.git");
        assert_eq!(clean, "https://git.example.com/a/b.git");
        let (user, pass) = creds.unwrap();
        assert_eq!(user, "alice");
        assert_eq!(pass.expose_secret(), "s@cret");

        let (clean, creds) = split_credentials("https://TOKEN@host:8443/r.git?x=1");
        assert_eq!(clean, "https://host:8443/r.git?x=1");
        assert_eq!(creds.unwrap().0, "TOKEN");

        let (clean, creds) = split_credentials("ssh://git:pw@host/r.git");
        assert_eq!(clean, "ssh://git@host/r.git");
        assert!(creds.is_none());

        for unchanged in [
            "git@host:team/r.git",
            "/srv/repos/r",
            "ssh://git@host/r",
            "https://host/r",
        ] {
            let (clean, creds) = split_credentials(unchanged);
            assert_eq!(clean, unchanged);
            assert!(creds.is_none());
        }
        assert_eq!(
            http_base("https://host:8443/a/b.git").as_deref(),
            Some("https://host:8443/")
        );
        assert_eq!(http_base("/srv/r"), None);
    }

    #[test]
    fn references() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(GitRef::parse(sha), GitRef::Commit(sha.to_owned()));
        assert_eq!(GitRef::parse(""), GitRef::DefaultBranch);
        assert_eq!(GitRef::parse("main"), GitRef::Name("main".to_owned()));
        assert_eq!(GitRef::parse("abc1234"), GitRef::Name("abc1234".to_owned()));
        assert!(validate_ref("feature/x-1.2").is_ok());
        for bad in [
            "-upload-pack=x",
            "a..b",
            "a b",
            "x.lock",
            "a~1",
            "a:b",
            "a\\b",
        ] {
            assert!(validate_ref(bad).is_err(), "{bad}");
        }
        assert!(validate_url("--upload-pack=touch /tmp/x").is_err());
        assert!(validate_url("ext::sh -c touch% /tmp/x").is_err());
        assert!(validate_url("").is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
