//! The allowlisting HTTP(S) proxy: the only way out of a sandbox's network namespace.
//!
//! It listens on a Unix socket (bound into the sandbox, where `nativiweb-relay` exposes it on
//! loopback) and understands two requests:
//! - `CONNECT host:port HTTP/1.1` (HTTPS and any TLS): when the host is allowed, it answers
//!   `200 Connection established` and copies bytes both ways; the TLS stays end to end.
//! - `GET http://host[:port]/path HTTP/1.1` (absolute form, plain HTTP): when the host is allowed,
//!   it forwards the request in origin form with `Connection: close`, so one connection carries
//!   requests to one host only.
//!
//! Anything else, or a host not on the list, gets `403` and is reported to the `on_refused`
//! callback with the host (the runner turns it into a warning event of the step). An allowed
//! host *name* is connected to only at its public addresses (not loopback, private, link-local
//! such as a cloud's metadata endpoint): a name cannot be pointed at the worker's network. To
//! reach a private registry, allow its IP address literally.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio::task::JoinSet;

/// Longest request head the proxy reads before refusing the request.
const MAX_HEAD: usize = 16 * 1024;

/// The hosts a sandbox may reach through the proxy.
///
/// Each entry is `host` (ports 80 and 443), `host:port`, `*.suffix` (any subdomain of
/// `suffix`, ports 80 and 443) or `*.suffix:port`; names compare case-insensitively, without a
/// trailing dot. IPv6 literals are written `[::1]:8080`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<(String, Option<u16>)>,
}

impl AllowList {
    /// An allowlist of `entries` (see the type's docs for the forms).
    ///
    /// # Errors
    /// An entry with an empty host or a port that is not a number, naming the entry.
    pub fn new<I, S>(entries: I) -> Result<Self, super::SandboxError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for entry in entries {
            let raw = entry.as_ref().trim();
            let (host, port) =
                split_host_port(raw).ok_or_else(|| super::SandboxError::BadAllowedHost {
                    entry: raw.to_owned(),
                })?;
            if host.is_empty() || host == "*." || host.contains('/') {
                return Err(super::SandboxError::BadAllowedHost {
                    entry: raw.to_owned(),
                });
            }
            out.push((normalize(&host), port));
        }
        Ok(AllowList { entries: out })
    }

    /// Adds the entries of `other`.
    pub fn extend(&mut self, other: &AllowList) {
        self.entries.extend(other.entries.iter().cloned());
    }

    /// True when `host:port` may be reached.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = normalize(host);
        self.entries.iter().any(|(pattern, p)| {
            let port_ok = match p {
                Some(p) => *p == port,
                None => port == 80 || port == 443,
            };
            let host_ok = match pattern.strip_prefix("*.") {
                Some(suffix) => host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
                None => *pattern == host,
            };
            port_ok && host_ok
        })
    }

    /// True when nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries as written (`host`, `host:port`).
    pub fn entries(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(h, p)| match p {
                Some(p) if h.contains(':') => format!("[{h}]:{p}"),
                Some(p) => format!("{h}:{p}"),
                None => h.clone(),
            })
            .collect()
    }
}

fn normalize(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// `host[:port]` or `[v6]:port` or `[v6]`; the port is `None` when absent.
fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((host.to_owned(), Some(p.parse().ok()?))),
            None if after.is_empty() => Some((host.to_owned(), None)),
            None => None,
        };
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h.to_owned(), Some(p.parse().ok()?))),
        _ => Some((s.to_owned(), None)),
    }
}

/// A running proxy; stops (and drops every connection it carries) when dropped.
#[derive(Debug)]
pub struct Proxy {
    socket: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on the Unix socket `socket` (created, mode 0666 so a sandbox running as
    /// another user can connect) allowing `allow`; `on_refused` gets `host:port` of every
    /// refused request (or a description of a request it could not parse).
    ///
    /// # Errors
    /// When the socket cannot be created.
    pub fn start(
        socket: &Path,
        allow: AllowList,
        on_refused: impl Fn(&str) + Send + Sync + 'static,
    ) -> std::io::Result<Proxy> {
        use std::os::unix::fs::PermissionsExt;
        let listener = UnixListener::bind(socket)?;
        std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))?;
        let allow = Arc::new(allow);
        let on_refused: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(on_refused);
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let allow = allow.clone();
                        let on_refused = on_refused.clone();
                        conns.spawn(async move {
                            let _ = serve(stream, &allow, on_refused.as_ref()).await;
                        });
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        Ok(Proxy {
            socket: socket.to_owned(),
            task,
        })
    }

    /// The Unix socket it listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
    }
}

async fn serve(
    stream: UnixStream,
    allow: &AllowList,
    on_refused: &(dyn Fn(&str) + Send + Sync),
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let n = reader.read_until(b'\n', &mut head).await?;
        if n == 0 || head.len() > MAX_HEAD {
            return refuse(reader.get_mut(), "400 Bad Request").await;
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") || head == b"\r\n" {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (method, target, version) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or("HTTP/1.1"),
    );

    if method.eq_ignore_ascii_case("CONNECT") {
        let Some((host, Some(port))) = split_host_port(target) else {
            on_refused(&format!("malformed CONNECT target `{target}`"));
            return refuse(reader.get_mut(), "400 Bad Request").await;
        };
        if !allow.allows(&host, port) {
            on_refused(&display_host(&host, port));
            return refuse(reader.get_mut(), "403 Forbidden").await;
        }
        let mut upstream = match connect(&host, port).await {
            Ok(s) => s,
            Err(Upstream::Private) => {
                on_refused(&format!(
                    "{} (it resolves only to private or local addresses)",
                    display_host(&host, port)
                ));
                return refuse(reader.get_mut(), "403 Forbidden").await;
            }
            Err(Upstream::Unreachable) => return refuse(reader.get_mut(), "502 Bad Gateway").await,
        };
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        // Bytes the client sent after the head (a TLS hello sent eagerly) go first.
        let buffered = reader.buffer().to_vec();
        upstream.write_all(&buffered).await?;
        let mut client = reader.into_inner();
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }

    let Some(rest) = target.strip_prefix("http://") else {
        on_refused(&format!("unsupported request `{method} {target}`"));
        return refuse(reader.get_mut(), "400 Bad Request").await;
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let Some((host, port)) = split_host_port(authority) else {
        on_refused(&format!("malformed URL `{target}`"));
        return refuse(reader.get_mut(), "400 Bad Request").await;
    };
    let port = port.unwrap_or(80);
    if !allow.allows(&host, port) {
        on_refused(&display_host(&host, port));
        return refuse(reader.get_mut(), "403 Forbidden").await;
    }
    let mut upstream = match connect(&host, port).await {
        Ok(s) => s,
        Err(Upstream::Private) => {
            on_refused(&format!(
                "{} (it resolves only to private or local addresses)",
                display_host(&host, port)
            ));
            return refuse(reader.get_mut(), "403 Forbidden").await;
        }
        Err(Upstream::Unreachable) => return refuse(reader.get_mut(), "502 Bad Gateway").await,
    };
    let mut out = format!("{method} {path} {version}\r\n");
    for line in lines {
        if line.is_empty() {
            break;
        }
        let name = line.split(':').next().unwrap_or_default().trim();
        if [
            "connection",
            "proxy-connection",
            "proxy-authorization",
            "keep-alive",
        ]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    upstream.write_all(out.as_bytes()).await?;
    let buffered = reader.buffer().to_vec();
    upstream.write_all(&buffered).await?;
    let mut client = reader.into_inner();
    let (mut cr, mut cw) = client.split();
    let (mut ur, mut uw) = upstream.split();
    let up = async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = cr.read(&mut buf).await?;
            if n == 0 {
                return uw.shutdown().await;
            }
            uw.write_all(&buf[..n]).await?;
        }
    };
    let down = async {
        tokio::io::copy(&mut ur, &mut cw).await?;
        cw.shutdown().await
    };
    // The answer ends when the server closes (Connection: close); the client's side may linger.
    tokio::select! {
        r = down => r,
        r = async { up.await?; std::future::pending::<std::io::Result<()>>().await } => r,
    }
}

enum Upstream {
    /// A host name that resolves only to loopback, private, link-local (cloud metadata) or
    /// other non-public addresses.
    Private,
    Unreachable,
}

/// Connects to an allowed host. An IP literal was allowed as it is; a name is connected to
/// only at its public addresses, so an allowed name pointed at `169.254.169.254` or the
/// worker's loopback (DNS rebinding) reaches nothing.
async fn connect(host: &str, port: u16) -> Result<TcpStream, Upstream> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return TcpStream::connect((ip, port))
            .await
            .map_err(|_| Upstream::Unreachable);
    }
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Upstream::Unreachable)?
        .collect();
    let public: Vec<_> = addrs.iter().filter(|a| is_public(a.ip())).collect();
    if public.is_empty() {
        return Err(if addrs.is_empty() {
            Upstream::Unreachable
        } else {
            Upstream::Private
        });
    }
    for addr in public {
        if let Ok(s) = TcpStream::connect(addr).await {
            return Ok(s);
        }
    }
    Err(Upstream::Unreachable)
}

/// True for addresses on the public internet.
fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

fn display_host(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

async fn refuse(stream: &mut UnixStream, status: &str) -> std::io::Result<()> {
    let body = format!("nativiweb sandbox proxy: {status}\n");
    let msg = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(msg.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_matches_exact_wildcard_and_ports() {
        let a = AllowList::new([
            "registry.npmjs.org",
            "*.example.com",
            "127.0.0.1:8080",
            "[::1]:9",
        ])
        .unwrap();
        assert!(a.allows("registry.npmjs.org", 443));
        assert!(a.allows("REGISTRY.npmjs.org.", 80));
        assert!(!a.allows("registry.npmjs.org", 22));
        assert!(!a.allows("evil-registry.npmjs.org", 443));
        assert!(a.allows("a.example.com", 443));
        assert!(a.allows("a.b.example.com", 443));
        assert!(!a.allows("example.com", 443));
        assert!(!a.allows("badexample.com", 443));
        assert!(a.allows("127.0.0.1", 8080));
        assert!(!a.allows("127.0.0.1", 80));
        assert!(a.allows("::1", 9));
        assert!(AllowList::new(["host:notaport"]).is_err());
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "169.254.169.254",
            "192.168.0.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["104.16.0.1", "8.8.8.8", "2606:4700::1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        assert!(AllowList::new([""]).is_err());
    }
}
