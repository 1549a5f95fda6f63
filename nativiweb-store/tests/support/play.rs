//! A Google Play stand-in that follows the Android Publisher v3 and OAuth shapes: token
//! exchange (verifying the RS256 assertion with the public key), edits, media and resumable
//! uploads, tracks, validate, commit, delete. It refuses requests that do not follow the
//! protocol with the errors Google gives, so a test fails when the client sends something else.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use sha2::Digest;

use super::server::{CutFn, MockServer, Recorded, Reply};
use super::{now, verify_rs256, CLIENT_EMAIL, TOKEN_URI};

pub const PACKAGE: &str = "com.example.hello";
/// Where the mock says resumable sessions live: a different host, which the endpoint override
/// must move onto the mock.
pub const SESSION_HOST: &str = "https://www.googleapis.com";

pub struct Fault {
    pub when: Box<dyn Fn(&Recorded) -> bool + Send + Sync>,
    pub reply: Reply,
    pub times: usize,
}

#[derive(Default)]
pub struct Edit {
    pub committed: bool,
    pub deleted: bool,
    pub tracks: BTreeMap<String, Value>,
    pub uploaded: BTreeSet<i64>,
    pub validated: bool,
    pub commit_query: String,
    pub mappings: Vec<(i64, usize)>,
}

pub struct Session {
    pub edit: String,
    pub collection: String,
    pub total: u64,
    pub received: u64,
    pub hasher: sha2::Sha256,
    pub done: Option<Value>,
}

pub struct PlayState {
    pub token_lifetime: u64,
    pub tokens_issued: Vec<String>,
    pub valid_tokens: BTreeSet<String>,
    pub assertions: Vec<Value>,
    pub edits: BTreeMap<String, Edit>,
    pub sessions: BTreeMap<String, Session>,
    pub tracks: BTreeMap<String, Value>,
    pub used_codes: BTreeSet<i64>,
    pub next_code: i64,
    pub uploads_sha256: Vec<String>,
    pub faults: Vec<Fault>,
    /// Revoke every token issued so far when the N-th API request arrives (token expiry
    /// mid-flow).
    pub revoke_at_request: Option<usize>,
    pub api_requests: usize,
    /// Hang up after this many body bytes of the N-th resumable chunk PUT (1-based).
    pub cut_chunk: Option<(usize, usize)>,
    pub chunk_puts: usize,
    pub errors: Vec<String>,
}

impl Default for PlayState {
    fn default() -> Self {
        let mut tracks = BTreeMap::new();
        for t in ["internal", "alpha", "beta", "production"] {
            tracks.insert(t.to_owned(), json!({"track": t, "releases": []}));
        }
        PlayState {
            token_lifetime: 3600,
            tokens_issued: vec![],
            valid_tokens: BTreeSet::new(),
            assertions: vec![],
            edits: BTreeMap::new(),
            sessions: BTreeMap::new(),
            tracks,
            used_codes: BTreeSet::new(),
            next_code: 42,
            uploads_sha256: vec![],
            faults: vec![],
            revoke_at_request: None,
            api_requests: 0,
            cut_chunk: None,
            chunk_puts: 0,
            errors: vec![],
        }
    }
}

pub struct PlayMock {
    pub server: MockServer,
    pub state: Arc<Mutex<PlayState>>,
}

pub fn google_error(code: u16, status: &str, message: &str, reason: Option<&str>) -> Reply {
    let mut err = json!({"code": code, "message": message, "status": status});
    if let Some(r) = reason {
        err["errors"] = json!([{"message": message, "domain": "androidpublisher", "reason": r}]);
    }
    Reply::json(code, json!({ "error": err }))
}

impl PlayMock {
    pub async fn start(state: PlayState) -> PlayMock {
        let state = Arc::new(Mutex::new(state));
        let handle = {
            let state = state.clone();
            Arc::new(move |req: &Recorded| {
                let mut s = state.lock().unwrap();
                let reply = handle(&mut s, req);
                if let Reply::Http { status, .. } = &reply {
                    if *status >= 400 && *status != 401 {
                        s.errors.push(format!("{} -> {status}", req.line()));
                    }
                }
                reply
            })
        };
        let cut: Arc<CutFn> = {
            let state = state.clone();
            Arc::new(move |req: &Recorded| {
                let mut s = state.lock().unwrap();
                let is_chunk = req.method == "PUT"
                    && req.query.contains("upload_id=")
                    && req
                        .header("content-range")
                        .is_some_and(|r| !r.contains('*'));
                if !is_chunk {
                    return None;
                }
                s.chunk_puts += 1;
                match s.cut_chunk {
                    Some((n, bytes)) if n == s.chunk_puts => Some(bytes),
                    _ => None,
                }
            })
        };
        let server = MockServer::start(handle, Some(cut)).await;
        PlayMock { server, state }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}

fn handle(s: &mut PlayState, req: &Recorded) -> Reply {
    if let Some(i) = s.faults.iter().position(|f| f.times > 0 && (f.when)(req)) {
        s.faults[i].times -= 1;
        let reply = s.faults[i].reply.clone();
        // A faulty answer to a chunk still keeps the bytes the server got, like Google does.
        return reply;
    }
    if req.path == "/token" {
        return token(s, req);
    }
    s.api_requests += 1;
    if s.revoke_at_request == Some(s.api_requests) {
        s.valid_tokens.clear();
    }
    match req.bearer() {
        Some(t) if s.valid_tokens.contains(t) => {}
        _ => {
            return google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                None,
            )
        }
    }
    let (upload, rest) = if let Some(r) = req
        .path
        .strip_prefix("/upload/androidpublisher/v3/applications/")
    {
        (true, r)
    } else if let Some(r) = req.path.strip_prefix("/androidpublisher/v3/applications/") {
        (false, r)
    } else {
        return google_error(404, "NOT_FOUND", "no such endpoint", None);
    };
    let (package, rest) = rest.split_once('/').unwrap_or((rest, ""));
    if package != PACKAGE {
        return google_error(
            404,
            "NOT_FOUND",
            &format!("Package not found: {package}."),
            Some("notFound"),
        );
    }
    let segs: Vec<&str> = rest.split('/').collect();
    match (req.method.as_str(), upload, segs.as_slice()) {
        ("POST", false, ["edits"]) => {
            let id = format!("edit-{}", s.edits.len() + 1);
            let edit = Edit {
                tracks: s.tracks.clone(),
                ..Edit::default()
            };
            s.edits.insert(id.clone(), edit);
            Reply::json(
                200,
                json!({"id": id, "expiryTimeSeconds": (now() + 3600).to_string()}),
            )
        }
        (m, _, ["edits", last, more @ ..]) => {
            let (edit_id, action) = match last.split_once(':') {
                Some((id, action)) => (id.to_owned(), Some(action.to_owned())),
                None => (last.to_string(), None),
            };
            match s.edits.get(&edit_id) {
                Some(e) if !e.committed && !e.deleted => {}
                Some(_) => {
                    return google_error(
                        400,
                        "FAILED_PRECONDITION",
                        "This Edit has been deleted.",
                        Some("editAlreadyCommitted"),
                    )
                }
                None => return google_error(404, "NOT_FOUND", "Edit not found.", None),
            }
            edit_route(s, req, m, upload, &edit_id, action.as_deref(), more)
        }
        _ => google_error(404, "NOT_FOUND", "no such endpoint", None),
    }
}

fn token(s: &mut PlayState, req: &Recorded) -> Reply {
    let form: BTreeMap<String, String> = Recorded {
        query: String::from_utf8_lossy(&req.body).into_owned(),
        ..req.clone()
    }
    .query_map();
    let bad = |m: &str| {
        Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": m}),
        )
    };
    if req.method != "POST"
        || !req
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return bad("not a form POST");
    }
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return bad("wrong grant_type");
    }
    let Some(assertion) = form.get("assertion") else {
        return bad("no assertion");
    };
    let jwt = match verify_rs256(assertion) {
        Ok(j) => j,
        Err(e) => return bad(&format!("Invalid JWT Signature: {e}")),
    };
    let c = &jwt.claims;
    let iat = c["iat"].as_u64().unwrap_or(0);
    let exp = c["exp"].as_u64().unwrap_or(0);
    if c["iss"] != CLIENT_EMAIL
        || c["scope"] != "https://www.googleapis.com/auth/androidpublisher"
        || c["aud"] != TOKEN_URI
        || exp <= iat
        || exp - iat > 3600
        || iat > now() + 60
        || exp < now()
        || jwt.header["kid"] != "0123456789abcdef"
    {
        return bad(&format!("Invalid JWT: claims {c}"));
    }
    s.assertions.push(c.clone());
    let token = format!(
        "ya29.mock-token-{}-{}",
        s.tokens_issued.len() + 1,
        rand::random::<u32>()
    );
    s.tokens_issued.push(token.clone());
    s.valid_tokens.insert(token.clone());
    Reply::json(
        200,
        json!({"access_token": token, "expires_in": s.token_lifetime, "token_type": "Bearer"}),
    )
}

fn upload_resource(collection: &str, code: i64, sha256: &str) -> Value {
    if collection == "apks" {
        json!({"versionCode": code, "binary": {"sha1": "x", "sha256": sha256}})
    } else {
        json!({"versionCode": code, "sha1": "x", "sha256": sha256})
    }
}

/// Assigns the next version code to a finished upload, or refuses a used one.
fn finish_upload(
    s: &mut PlayState,
    edit_id: &str,
    collection: &str,
    sha256: String,
) -> Result<Value, Reply> {
    let code = s.next_code;
    if s.used_codes.contains(&code) {
        return Err(google_error(
            403,
            "PERMISSION_DENIED",
            "APK specifies a version code that has already been used.",
            Some("apkUpgradeVersionConflict"),
        ));
    }
    s.used_codes.insert(code);
    s.uploads_sha256.push(sha256.clone());
    if let Some(e) = s.edits.get_mut(edit_id) {
        e.uploaded.insert(code);
    }
    Ok(upload_resource(collection, code, &sha256))
}

fn edit_route(
    s: &mut PlayState,
    req: &Recorded,
    method: &str,
    upload: bool,
    edit_id: &str,
    action: Option<&str>,
    more: &[&str],
) -> Reply {
    let q = req.query_map();
    match (method, upload, action, more) {
        ("DELETE", false, None, []) => {
            s.edits.get_mut(edit_id).unwrap().deleted = true;
            Reply::empty(204)
        }
        ("POST", false, Some("validate"), []) => {
            s.edits.get_mut(edit_id).unwrap().validated = true;
            Reply::json(200, json!({"id": edit_id}))
        }
        ("POST", false, Some("commit"), []) => {
            let e = s.edits.get_mut(edit_id).unwrap();
            e.committed = true;
            e.commit_query = req.query.clone();
            let tracks = e.tracks.clone();
            s.tracks = tracks;
            Reply::json(200, json!({"id": edit_id}))
        }
        ("POST", true, None, [collection @ ("bundles" | "apks")]) => {
            match q.get("uploadType").map(String::as_str) {
                Some("media") => {
                    if req.header("content-type") != Some("application/octet-stream") {
                        return google_error(
                            400,
                            "INVALID_ARGUMENT",
                            "Media type not supported",
                            None,
                        );
                    }
                    if req.header("content-length") != Some(&req.body.len().to_string()) {
                        return google_error(
                            400,
                            "INVALID_ARGUMENT",
                            "Content-Length mismatch",
                            None,
                        );
                    }
                    match finish_upload(s, edit_id, collection, super::sha256_hex(&req.body)) {
                        Ok(v) => Reply::json(200, v),
                        Err(r) => r,
                    }
                }
                Some("resumable") => {
                    let total = req
                        .header("x-upload-content-length")
                        .and_then(|v| v.parse::<u64>().ok());
                    let (Some(total), Some("application/octet-stream")) =
                        (total, req.header("x-upload-content-type"))
                    else {
                        return google_error(
                            400,
                            "INVALID_ARGUMENT",
                            "X-Upload-Content-Length/Type missing",
                            None,
                        );
                    };
                    if !req.body.is_empty() {
                        return google_error(400, "INVALID_ARGUMENT", "unexpected body", None);
                    }
                    let id = format!("session-{}", s.sessions.len() + 1);
                    s.sessions.insert(
                        id.clone(),
                        Session {
                            edit: edit_id.to_owned(),
                            collection: collection.to_string(),
                            total,
                            received: 0,
                            hasher: sha2::Sha256::new(),
                            done: None,
                        },
                    );
                    let location = format!(
                        "{SESSION_HOST}{}?uploadType=resumable&upload_id={id}",
                        req.path
                    );
                    Reply::empty(200).with_header("location", &location)
                }
                _ => google_error(400, "INVALID_ARGUMENT", "uploadType missing", None),
            }
        }
        ("PUT", true, None, [_collection]) => resumable_put(s, req, &q),
        ("POST", true, None, ["apks", code, "deobfuscationFiles", "proguard"]) => {
            let code: i64 = code.parse().unwrap_or(-1);
            if q.get("uploadType").map(String::as_str) != Some("media") {
                return google_error(400, "INVALID_ARGUMENT", "uploadType missing", None);
            }
            let e = s.edits.get_mut(edit_id).unwrap();
            if !e.uploaded.contains(&code) && !s.used_codes.contains(&code) {
                return google_error(404, "NOT_FOUND", "APK not found.", None);
            }
            let e = s.edits.get_mut(edit_id).unwrap();
            e.mappings.push((code, req.body.len()));
            Reply::json(
                200,
                json!({"deobfuscationFile": {"symbolType": "proguard"}}),
            )
        }
        ("GET", false, None, ["tracks"]) => {
            let tracks: Vec<Value> = s.edits[edit_id].tracks.values().cloned().collect();
            Reply::json(
                200,
                json!({"kind": "androidpublisher#tracksListResponse", "tracks": tracks}),
            )
        }
        ("GET", false, None, ["tracks", track]) => match s.edits[edit_id].tracks.get(*track) {
            Some(t) => Reply::json(200, t.clone()),
            None => google_error(404, "NOT_FOUND", "Track not found.", None),
        },
        ("PUT", false, None, ["tracks", track]) => {
            let body = req.json();
            if req.header("content-type") != Some("application/json") {
                return google_error(400, "INVALID_ARGUMENT", "want JSON", None);
            }
            if body["track"] != *track {
                return google_error(400, "INVALID_ARGUMENT", "track name mismatch", None);
            }
            let Some(releases) = body["releases"].as_array() else {
                return google_error(400, "INVALID_ARGUMENT", "releases missing", None);
            };
            for r in releases {
                let status = r["status"].as_str().unwrap_or("");
                if !["completed", "draft", "inProgress", "halted"].contains(&status) {
                    return google_error(
                        400,
                        "INVALID_ARGUMENT",
                        "Invalid value at 'track.releases[0].status'",
                        None,
                    );
                }
                let staged = matches!(status, "inProgress" | "halted");
                if staged != r.get("userFraction").is_some() {
                    return google_error(
                        400,
                        "INVALID_ARGUMENT",
                        "userFraction is set only on inProgress or halted releases.",
                        None,
                    );
                }
                let codes = r["versionCodes"].as_array().cloned().unwrap_or_default();
                if codes.is_empty() || codes.iter().any(|c| !c.is_string()) {
                    return google_error(
                        400,
                        "INVALID_ARGUMENT",
                        "versionCodes must be strings",
                        None,
                    );
                }
                for c in codes {
                    let c: i64 = c.as_str().unwrap().parse().unwrap_or(-1);
                    if !s.used_codes.contains(&c) {
                        return google_error(
                            400,
                            "INVALID_ARGUMENT",
                            &format!("Version code {c} not found."),
                            None,
                        );
                    }
                }
            }
            if !s.edits[edit_id].tracks.contains_key(*track) {
                return google_error(404, "NOT_FOUND", "Track not found.", None);
            }
            s.edits
                .get_mut(edit_id)
                .unwrap()
                .tracks
                .insert(track.to_string(), body.clone());
            Reply::json(200, body)
        }
        _ => google_error(404, "NOT_FOUND", "no such endpoint", None),
    }
}

fn resumable_put(s: &mut PlayState, req: &Recorded, q: &BTreeMap<String, String>) -> Reply {
    let Some(id) = q.get("upload_id") else {
        return google_error(400, "INVALID_ARGUMENT", "upload_id missing", None);
    };
    let Some(range) = req.header("content-range") else {
        return google_error(400, "INVALID_ARGUMENT", "Content-Range missing", None);
    };
    let Some(session) = s.sessions.get_mut(id) else {
        return google_error(404, "NOT_FOUND", "no such upload session", None);
    };
    let spec = range.strip_prefix("bytes ").unwrap_or("");
    let (span, total) = spec.split_once('/').unwrap_or(("", ""));
    if total.parse::<u64>().ok() != Some(session.total) {
        return google_error(400, "INVALID_ARGUMENT", "total mismatch", None);
    }
    if span != "*" {
        let (first, last) = span.split_once('-').unwrap_or(("", ""));
        let (Ok(first), Ok(last)) = (first.parse::<u64>(), last.parse::<u64>()) else {
            return google_error(400, "INVALID_ARGUMENT", "bad Content-Range", None);
        };
        if first != session.received || last < first || last >= session.total {
            return google_error(
                400,
                "INVALID_ARGUMENT",
                &format!(
                    "Content-Range {span} does not continue at {}",
                    session.received
                ),
                None,
            );
        }
        let want = last - first + 1;
        let is_last = last + 1 == session.total;
        if !req.cut {
            if req.body.len() as u64 != want
                || req.header("content-length") != Some(&want.to_string())
            {
                return google_error(
                    400,
                    "INVALID_ARGUMENT",
                    "body length does not match Content-Range",
                    None,
                );
            }
            if !is_last && want % (256 * 1024) != 0 {
                return google_error(
                    400,
                    "INVALID_ARGUMENT",
                    "chunk is not a multiple of 256 KiB",
                    None,
                );
            }
        }
        session.hasher.update(&req.body);
        session.received += req.body.len() as u64;
    }
    if session.received == session.total {
        if session.done.is_none() {
            let sha = hex::encode(session.hasher.clone().finalize());
            let (edit, collection) = (session.edit.clone(), session.collection.clone());
            match finish_upload(s, &edit, &collection, sha) {
                Ok(v) => s.sessions.get_mut(id).unwrap().done = Some(v),
                Err(r) => return r,
            }
        }
        return Reply::json(200, s.sessions[id].done.clone().unwrap());
    }
    let reply = Reply::empty(308);
    if session.received > 0 {
        reply.with_header("range", &format!("bytes=0-{}", session.received - 1))
    } else {
        reply
    }
}
