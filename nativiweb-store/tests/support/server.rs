//! A loopback HTTP/1.1 server for tests: records every request (method, path, raw query,
//! headers, body) and answers through a handler. A handler may also hang up instead of
//! answering, and a `cut` rule may hang up part-way through reading a request body, as a
//! dropped connection would.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body (only the first `cut` bytes when the connection was cut).
    pub body: Vec<u8>,
    /// True when the server hung up while reading the body.
    pub cut: bool,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query, percent-decoded, as a map.
    pub fn query_map(&self) -> BTreeMap<String, String> {
        self.query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// A copy without the body.
    pub fn clone_head(&self) -> Recorded {
        Recorded {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: Vec::new(),
            cut: self.cut,
        }
    }

    /// `METHOD /path` for assertions.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the handler answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering.
    Hangup,
}

impl Reply {
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply::Http {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&value).unwrap(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply::Http {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

pub type HandleFn = dyn Fn(&Recorded) -> Reply + Send + Sync;
/// Given the request without its body, how many body bytes to read before hanging up.
pub type CutFn = dyn Fn(&Recorded) -> Option<usize> + Send + Sync;

pub struct MockServer {
    pub base: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    logging: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Bodies bigger than this are counted but not kept in the log (the 1 GB memory run).
const LOG_BODY_MAX: usize = 128 * 1024;

impl MockServer {
    pub async fn start(handle: Arc<HandleFn>, cut: Option<Arc<CutFn>>) -> MockServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let logging = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let task = tokio::spawn({
            let log = log.clone();
            let logging = logging.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        break;
                    };
                    let (handle, cut, log, logging) =
                        (handle.clone(), cut.clone(), log.clone(), logging.clone());
                    tokio::spawn(async move {
                        let svc = service_fn(move |req| {
                            let (handle, cut) = (handle.clone(), cut.clone());
                            let log = logging
                                .load(std::sync::atomic::Ordering::Relaxed)
                                .then(|| log.clone());
                            async move { serve(req, handle, cut, log).await }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            }
        });
        MockServer {
            base: format!("http://{addr}"),
            log,
            logging,
            task,
        }
    }

    /// Stops recording requests (for long runs whose log would grow with the file).
    pub fn stop_logging(&self) {
        self.logging
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

async fn serve(
    req: Request<Incoming>,
    handle: Arc<HandleFn>,
    cut: Option<Arc<CutFn>>,
    log: Option<Arc<Mutex<Vec<Recorded>>>>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, mut body) = req.into_parts();
    let mut rec = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_owned(),
                )
            })
            .collect(),
        body: Vec::new(),
        cut: false,
    };
    let limit = cut.as_ref().and_then(|c| c(&rec));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(std::io::Error::other)?;
        if let Ok(data) = frame.into_data() {
            rec.body.extend_from_slice(&data);
            if let Some(limit) = limit {
                if rec.body.len() >= limit {
                    rec.body.truncate(limit);
                    rec.cut = true;
                    break;
                }
            }
        }
    }
    let reply = handle(&rec);
    let logged = if rec.body.len() > LOG_BODY_MAX {
        rec.clone_head()
    } else {
        rec.clone()
    };
    if let Some(log) = log {
        log.lock().unwrap().push(logged);
    }
    if rec.cut {
        return Err(std::io::Error::other("connection cut by the test"));
    }
    match reply {
        Reply::Hangup => Err(std::io::Error::other("hang up")),
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut response = Response::builder().status(status);
            for (k, v) in headers {
                response = response.header(k, v);
            }
            Ok(response.body(Full::new(Bytes::from(body))).unwrap())
        }
    }
}
