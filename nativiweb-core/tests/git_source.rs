//! GitSource against local repositories made with git: default branch, branch, tag, full and
//! abbreviated commits, bad references, symlink scrubbing, and credentials that travel only in
//! a header (checked with a loopback HTTP server that records what git sends).

use std::path::{Path, PathBuf};
use std::process::Command;

use nativiweb_core::events::{event_channel, Event};
use nativiweb_core::source::{GitRef, GitSource, SourceError};
use nativiweb_core::{BuildContext, Error, Platform, ProjectSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A repository with two commits on `main`, a tag on the first, and a `feature` branch.
struct Repo {
    _tmp: tempfile::TempDir,
    path: PathBuf,
    first: String,
    second: String,
    feature: String,
}

fn repo() -> Option<Repo> {
    nativiweb_core::testing::tool("git")?;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("origin");
    std::fs::create_dir(&path).unwrap();
    git(&path, &["init", "-q", "-b", "main"]);
    std::fs::write(path.join("index.html"), "v1").unwrap();
    git(&path, &["add", "."]);
    git(
        &path,
        &["commit", "-q", "-m", "First version\n\nWith a body."],
    );
    let first = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["tag", "v1.0"]);
    std::fs::write(path.join("index.html"), "v2").unwrap();
    git(&path, &["commit", "-q", "-am", "Second version"]);
    let second = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(path.join("index.html"), "feature").unwrap();
    git(&path, &["commit", "-q", "-am", "Feature work"]);
    let feature = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["checkout", "-q", "main"]);
    Some(Repo {
        _tmp: tmp,
        path,
        first,
        second,
        feature,
    })
}

struct Out {
    tmp: tempfile::TempDir,
}

impl Out {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("project")).unwrap();
        Out { tmp }
    }
    fn dest(&self) -> PathBuf {
        self.tmp.path().join("project")
    }
    fn ctx(&self) -> BuildContext {
        BuildContext::new(self.tmp.path(), Platform::Android)
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dest().join(name)).unwrap()
    }
    fn assert_empty(&self) {
        assert_eq!(std::fs::read_dir(self.dest()).unwrap().count(), 0);
        let names: Vec<_> = std::fs::read_dir(self.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["project".to_owned()], "leftovers");
    }
}

fn origin(repo: &Repo) -> String {
    repo.path.display().to_string()
}

#[tokio::test]
async fn clones_the_default_branch_and_records_the_commit() {
    let Some(repo) = repo() else { return };
    let out = Out::new();
    let info = GitSource::new(origin(&repo))
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap();
    assert_eq!(out.read("index.html"), "v2");
    assert_eq!(info.kind, "git");
    assert_eq!(info.origin, origin(&repo));
    assert_eq!(info.commit.as_deref(), Some(repo.second.as_str()));
    assert_eq!(info.message.as_deref(), Some("Second version"));
    assert_eq!(info.reference, None);
    // The checkout is a real repository.
    assert_eq!(git(&out.dest(), &["rev-parse", "HEAD"]), repo.second);
}

#[tokio::test]
async fn clones_a_branch_and_a_tag() {
    let Some(repo) = repo() else { return };
    let out = Out::new();
    let info = GitSource::new(origin(&repo))
        .with_ref(GitRef::parse("feature"))
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap();
    assert_eq!(out.read("index.html"), "feature");
    assert_eq!(info.commit.as_deref(), Some(repo.feature.as_str()));
    assert_eq!(info.reference.as_deref(), Some("feature"));

    let out = Out::new();
    let info = GitSource::new(origin(&repo))
        .with_ref(GitRef::parse("v1.0"))
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap();
    assert_eq!(out.read("index.html"), "v1");
    assert_eq!(info.commit.as_deref(), Some(repo.first.as_str()));
    // First line of the message only.
    assert_eq!(info.message.as_deref(), Some("First version"));
}

#[tokio::test]
async fn checks_out_full_and_abbreviated_commits() {
    let Some(repo) = repo() else { return };
    // file:// makes git use its transport (as a remote server would), so the shallow fetch of
    // a commit that is no branch tip is really exercised.
    let url = format!("file://{}", repo.path.display());
    let out = Out::new();
    let info = GitSource::new(&url)
        .with_ref(GitRef::parse(&repo.first))
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap();
    assert_eq!(out.read("index.html"), "v1");
    assert_eq!(info.commit.as_deref(), Some(repo.first.as_str()));
    assert_eq!(info.reference.as_deref(), Some(repo.first.as_str()));
    assert_eq!(info.origin, url);

    let short = &repo.first[..8];
    let out = Out::new();
    let info = GitSource::new(origin(&repo))
        .with_ref(GitRef::parse(short))
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap();
    assert_eq!(out.read("index.html"), "v1");
    assert_eq!(info.commit.as_deref(), Some(repo.first.as_str()));
    assert_eq!(info.reference.as_deref(), Some(short));
}

/// A server that refuses unadvertised commits makes the shallow fetch fail; the source falls
/// back to fetching history and still checks out the commit.
#[tokio::test]
async fn falls_back_when_the_server_refuses_a_commit_fetch() {
    let Some(repo) = repo() else { return };
    // Make the first commit unadvertised: no tag, no branch points at it.
    git(&repo.path, &["tag", "-d", "v1.0"]);
    git(
        &repo.path,
        &["config", "uploadpack.allowAnySHA1InWant", "false"],
    );
    git(
        &repo.path,
        &["config", "uploadpack.allowReachableSHA1InWant", "false"],
    );
    git(
        &repo.path,
        &["config", "uploadpack.allowTipSHA1InWant", "false"],
    );
    let url = format!("file://{}", repo.path.display());
    let out = Out::new();
    let (events, mut rx) = event_channel();
    // Protocol v0 honours those settings (v2 serves any reachable commit).
    let mut ctx = out.ctx().with_events(events);
    ctx.env
        .insert("GIT_CONFIG_COUNT".to_owned(), "1".to_owned());
    ctx.env
        .insert("GIT_CONFIG_KEY_0".to_owned(), "protocol.version".to_owned());
    ctx.env
        .insert("GIT_CONFIG_VALUE_0".to_owned(), "0".to_owned());
    let info = GitSource::new(&url)
        .with_ref(GitRef::parse(&repo.first))
        .materialize(&ctx, &out.dest())
        .await
        .unwrap();
    assert_eq!(out.read("index.html"), "v1");
    assert_eq!(info.commit.as_deref(), Some(repo.first.as_str()));
    let mut fell_back = false;
    while let Ok(ev) = rx.try_recv() {
        if let Event::Log { line, .. } = ev {
            fell_back |= line.contains("would not serve commit");
        }
    }
    assert!(fell_back, "the shallow fetch was expected to be refused");
}

#[tokio::test]
async fn bad_references_are_clear_errors_and_leave_nothing() {
    let Some(repo) = repo() else { return };
    for reference in [
        "no-such-branch",
        "0000000000000000000000000000000000000001",
        "deadbeef",
    ] {
        let out = Out::new();
        let err = GitSource::new(origin(&repo))
            .with_ref(GitRef::parse(reference))
            .materialize(&out.ctx(), &out.dest())
            .await
            .unwrap_err();
        match &err {
            Error::Source(SourceError::GitRefNotFound {
                reference: r,
                origin: o,
                ..
            }) => {
                assert_eq!(r, reference);
                assert_eq!(*o, origin(&repo));
            }
            other => panic!("{reference}: {other:?}"),
        }
        assert!(err.to_string().contains(reference));
        out.assert_empty();
    }

    let out = Out::new();
    let err = GitSource::new(origin(&repo))
        .with_ref(GitRef::Name("--upload-pack=touch /tmp/pwned".to_owned()))
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Source(SourceError::GitInvalidRef { .. })),
        "{err:?}"
    );
    out.assert_empty();

    let out = Out::new();
    let err = GitSource::new(out.tmp.path().join("no-repo-here").display().to_string())
        .materialize(&out.ctx(), &out.dest())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Source(SourceError::Git { .. })),
        "{err:?}"
    );
    out.assert_empty();
}

#[tokio::test]
async fn removes_symlinks_that_leave_the_checkout() {
    let Some(repo) = repo() else { return };
    std::os::unix::fs::symlink("/etc/passwd", repo.path.join("passwd")).unwrap();
    std::os::unix::fs::symlink("../../outside", repo.path.join("up")).unwrap();
    std::os::unix::fs::symlink("index.html", repo.path.join("home.html")).unwrap();
    git(&repo.path, &["add", "."]);
    git(&repo.path, &["commit", "-q", "-m", "links"]);
    let out = Out::new();
    let (events, mut rx) = event_channel();
    GitSource::new(origin(&repo))
        .materialize(&out.ctx().with_events(events), &out.dest())
        .await
        .unwrap();
    assert!(std::fs::symlink_metadata(out.dest().join("passwd")).is_err());
    assert!(std::fs::symlink_metadata(out.dest().join("up")).is_err());
    assert_eq!(
        std::fs::read_link(out.dest().join("home.html")).unwrap(),
        Path::new("index.html")
    );
    let mut lines = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let Event::Log { line, .. } = ev {
            lines.push(line);
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("removed symlink passwd")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_cancelled_clone_reports_cancelled_and_leaves_nothing() {
    let Some(repo) = repo() else { return };
    let out = Out::new();
    let ctx = out.ctx();
    ctx.cancel.cancel();
    let err = GitSource::new(origin(&repo))
        .materialize(&ctx, &out.dest())
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    out.assert_empty();
}

/// Credentials in the URL reach the server as an Authorization header and appear nowhere else:
/// not in the recorded origin, not in the error, not in any log line (and so not in argv, which
/// errors show).
#[tokio::test]
async fn credentials_travel_in_a_header_and_are_never_shown() {
    if nativiweb_core::testing::tool("git").is_none() {
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let server = tokio::spawn(async move {
        // git makes one or two requests before giving up on a 404; stop after a few.
        for _ in 0..3 {
            let accepted =
                tokio::time::timeout(std::time::Duration::from_secs(20), listener.accept()).await;
            let Ok(Ok((mut sock, _))) = accepted else {
                break;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            record
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf).into_owned());
            let _ = sock
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
    });

    let token = "s3cret-T0ken-value";
    let url = format!("http://alice:{token}@127.0.0.1:{port}/team/app.git");
    let out = Out::new();
    let (events, mut rx) = event_channel();
    let source = GitSource::new(&url);
    assert!(!format!("{source:?}").contains(token));
    assert_eq!(
        source.origin(),
        format!("http://127.0.0.1:{port}/team/app.git")
    );
    let err = source
        .materialize(&out.ctx().with_events(events), &out.dest())
        .await
        .unwrap_err();
    server.abort();
    let requests = seen.lock().unwrap().clone();

    let text = format!("{err} {err:?}");
    assert!(!text.contains(token), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{port}/team/app.git")),
        "{text}"
    );
    while let Ok(ev) = rx.try_recv() {
        let line = format!("{ev:?}");
        assert!(!line.contains(token), "{line}");
    }
    out.assert_empty();
    // git reached the server, with the credentials as a Basic header on its first request.
    assert!(!requests.is_empty(), "git made no request");
    let first = &requests[0];
    assert!(first.starts_with("GET /team/app.git/info/refs"), "{first}");
    assert!(
        first.contains("Basic YWxpY2U6czNjcmV0LVQwa2VuLXZhbHVl\r\n"),
        "{first}"
    );
    assert!(!first.contains(token), "{first}");
}
