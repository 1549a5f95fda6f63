//! An App Store Connect stand-in following the documented JSON:API shapes: apps, builds,
//! buildUploads, buildUploadFiles (with pre-signed part uploads on another host), betaGroups,
//! betaBuildLocalizations, betaAppReviewSubmissions. Every API request's ES256 JWT is verified
//! with the public key and its claims checked; part uploads must carry no Authorization.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::server::{MockServer, Recorded, Reply};
use super::{now, verify_es256};

pub const KEY_ID: &str = "ABC123DEFG";
pub const ISSUER: &str = "69a6de70-03db-47e3-e053-5b8c7c11a4d1";
pub const BUNDLE_ID: &str = "com.example.hello";
pub const APP_ID: &str = "1234567890";
/// Where the mock says parts go: another host, which the endpoint override must move.
pub const PART_HOST: &str = "https://store-uploads.example.invalid";
pub const PART_SIGNATURE: &str = "sig=PRESIGNED-SECRET-VALUE";

pub struct Fault {
    pub when: Box<dyn Fn(&Recorded) -> bool + Send + Sync>,
    pub reply: Reply,
    pub times: usize,
}

pub struct UploadFile {
    pub upload: String,
    pub size: u64,
    pub parts: BTreeMap<u64, Vec<u8>>,
    pub ops: Vec<(u64, u64, u64)>,
    pub uploaded: bool,
    pub checksum: Option<Value>,
}

pub struct BuildUpload {
    pub version: String,
    pub build: String,
    pub state: String,
    pub polls: usize,
    pub build_id: Option<String>,
    pub deleted: bool,
}

pub struct Build {
    pub id: String,
    pub version: String,
    pub pre_release: String,
    pub state: String,
    pub polls: usize,
    pub encryption: Option<bool>,
    pub groups: Vec<String>,
    pub localizations: BTreeMap<String, (String, String)>,
    pub review: bool,
}

pub struct AscState {
    /// `None`: a team key (iss must be ISSUER); `Some(())`: an individual key.
    pub individual_key: bool,
    pub part_size: u64,
    pub builds: Vec<Build>,
    pub uploads: BTreeMap<String, BuildUpload>,
    pub files: BTreeMap<String, UploadFile>,
    pub groups: Vec<(String, String)>,
    /// The upload ends FAILED with these errors instead of COMPLETE.
    pub upload_fails: Option<Vec<(String, String)>>,
    pub upload_warnings: Vec<(String, String)>,
    /// Polls before the upload is COMPLETE and before the build is VALID.
    pub polls_needed: usize,
    /// The processed build ends in this state.
    pub final_build_state: String,
    pub faults: Vec<Fault>,
    pub jwt_claims: Vec<Value>,
    pub errors: Vec<String>,
    /// When set, parts are written to a file here (at their offsets) instead of kept in
    /// memory, and the checksum is computed from that file: for runs with large files.
    pub spool_dir: Option<std::path::PathBuf>,
}

impl Default for AscState {
    fn default() -> Self {
        AscState {
            individual_key: false,
            part_size: 64 * 1024,
            builds: vec![],
            uploads: BTreeMap::new(),
            files: BTreeMap::new(),
            groups: vec![
                ("grp-1".into(), "QA".into()),
                ("grp-2".into(), "Friends & Family".into()),
            ],
            upload_fails: None,
            upload_warnings: vec![],
            polls_needed: 2,
            final_build_state: "VALID".into(),
            faults: vec![],
            jwt_claims: vec![],
            errors: vec![],
            spool_dir: None,
        }
    }
}

pub struct AscMock {
    pub server: MockServer,
    pub state: Arc<Mutex<AscState>>,
}

pub fn api_error(status: u16, code: &str, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        json!({"errors": [{"id": "e-1", "status": status.to_string(), "code": code, "title": title, "detail": detail}]}),
    )
}

impl AscMock {
    pub async fn start(state: AscState) -> AscMock {
        let state = Arc::new(Mutex::new(state));
        let handle = {
            let state = state.clone();
            Arc::new(move |req: &Recorded| {
                let mut s = state.lock().unwrap();
                let reply = handle(&mut s, req);
                if let Reply::Http { status, .. } = &reply {
                    if *status >= 400 {
                        s.errors.push(format!("{} -> {status}", req.line()));
                    }
                }
                reply
            })
        };
        let server = MockServer::start(handle, None).await;
        AscMock { server, state }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}

fn check_jwt(s: &mut AscState, req: &Recorded) -> Result<(), String> {
    let token = req.bearer().ok_or("no bearer token")?;
    let jwt = verify_es256(token)?;
    if jwt.header["kid"] != KEY_ID {
        return Err(format!("kid {}", jwt.header["kid"]));
    }
    let c = &jwt.claims;
    let (iat, exp) = (
        c["iat"].as_u64().unwrap_or(0),
        c["exp"].as_u64().unwrap_or(0),
    );
    if c["aud"] != "appstoreconnect-v1"
        || exp <= iat
        || exp - iat > 20 * 60
        || exp < now()
        || iat > now() + 60
    {
        return Err(format!("claims {c}"));
    }
    if s.individual_key {
        if c["sub"] != "user" || c.get("iss").is_some() {
            return Err(format!("individual key claims {c}"));
        }
    } else if c["iss"] != super::asc::ISSUER || c.get("sub").is_some() {
        return Err(format!("team key claims {c}"));
    }
    s.jwt_claims.push(c.clone());
    Ok(())
}

fn handle(s: &mut AscState, req: &Recorded) -> Reply {
    if let Some(i) = s.faults.iter().position(|f| f.times > 0 && (f.when)(req)) {
        s.faults[i].times -= 1;
        return s.faults[i].reply.clone();
    }
    if let Some(rest) = req.path.strip_prefix("/part/") {
        return part(s, req, rest);
    }
    if let Err(e) = check_jwt(s, req) {
        return api_error(
            401,
            "NOT_AUTHORIZED",
            "Authentication credentials are missing or invalid.",
            &e,
        );
    }
    let q = req.query_map();
    let body = req.json();
    if matches!(req.method.as_str(), "POST" | "PATCH")
        && req.header("content-type") != Some("application/json")
    {
        return api_error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "bad content type",
            "want application/json",
        );
    }
    let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["v1", "apps"]) => {
            let data = if q.get("filter[bundleId]").map(String::as_str) == Some(BUNDLE_ID) {
                vec![
                    json!({"type": "apps", "id": APP_ID, "attributes": {"bundleId": BUNDLE_ID, "name": "Hello"}}),
                ]
            } else {
                vec![]
            };
            Reply::json(200, json!({"data": data, "links": {"self": "x"}}))
        }
        ("GET", ["v1", "builds"]) => {
            if q.get("filter[app]").map(String::as_str) != Some(APP_ID) {
                return api_error(400, "PARAMETER_ERROR.INVALID", "filter[app] missing", "");
            }
            let (Some(v), Some(pre)) = (
                q.get("filter[version]"),
                q.get("filter[preReleaseVersion.version]"),
            ) else {
                return api_error(400, "PARAMETER_ERROR.INVALID", "filters missing", "");
            };
            let (needed, final_state) = (s.polls_needed, s.final_build_state.clone());
            let data: Vec<Value> = s
                .builds
                .iter_mut()
                .filter(|b| &b.version == v && &b.pre_release == pre)
                .map(|b| {
                    b.polls += 1;
                    if b.state == "PROCESSING" && b.polls >= needed {
                        b.state = final_state.clone();
                    }
                    json!({"type": "builds", "id": b.id, "attributes": {"version": b.version, "processingState": b.state}})
                })
                .collect();
            Reply::json(200, json!({"data": data, "links": {"self": "x"}}))
        }
        ("GET", ["v1", "apps", app, "buildUploads"]) => {
            let (Some(v), Some(b), Some("IOS")) = (
                q.get("filter[cfBundleShortVersionString]"),
                q.get("filter[cfBundleVersion]"),
                q.get("filter[platform]").map(String::as_str),
            ) else {
                return api_error(400, "PARAMETER_ERROR.INVALID", "filters missing", "");
            };
            if *app != APP_ID {
                return api_error(404, "NOT_FOUND", "no such app", app);
            }
            let data: Vec<Value> = s
                .uploads
                .iter()
                .filter(|(_, u)| &u.version == v && &u.build == b && !u.deleted)
                .map(|(id, u)| json!({"type": "buildUploads", "id": id, "attributes": {
                    "cfBundleShortVersionString": u.version, "cfBundleVersion": u.build, "platform": "IOS",
                    "state": {"state": u.state, "errors": [], "warnings": [], "infos": []}}}))
                .collect();
            Reply::json(200, json!({"data": data, "links": {"self": "x"}}))
        }
        ("POST", ["v1", "buildUploads"]) => {
            let d = &body["data"];
            let a = &d["attributes"];
            if d["type"] != "buildUploads"
                || d["relationships"]["app"]["data"] != json!({"type": "apps", "id": APP_ID})
                || a["platform"] != "IOS"
                || !a["cfBundleShortVersionString"].is_string()
                || !a["cfBundleVersion"].is_string()
            {
                return api_error(422, "ENTITY_ERROR", "bad build upload", &body.to_string());
            }
            let (v, b) = (
                a["cfBundleShortVersionString"].as_str().unwrap(),
                a["cfBundleVersion"].as_str().unwrap(),
            );
            if s.builds
                .iter()
                .any(|x| x.pre_release == v && x.version == b)
            {
                return api_error(
                    409,
                    "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE",
                    "The build already exists",
                    "duplicate",
                );
            }
            let id = format!("bu-{}", s.uploads.len() + 1);
            s.uploads.insert(
                id.clone(),
                BuildUpload {
                    version: v.into(),
                    build: b.into(),
                    state: "AWAITING_UPLOAD".into(),
                    polls: 0,
                    build_id: None,
                    deleted: false,
                },
            );
            Reply::json(
                201,
                json!({"data": {"type": "buildUploads", "id": id, "attributes": {"cfBundleShortVersionString": v, "cfBundleVersion": b, "platform": "IOS", "state": {"state": "AWAITING_UPLOAD", "errors": [], "warnings": [], "infos": []}}}, "links": {"self": "x"}}),
            )
        }
        ("POST", ["v1", "buildUploadFiles"]) => {
            let d = &body["data"];
            let a = &d["attributes"];
            let upload = d["relationships"]["buildUpload"]["data"]["id"]
                .as_str()
                .unwrap_or("");
            if d["type"] != "buildUploadFiles"
                || a["assetType"] != "ASSET"
                || a["uti"] != "com.apple.ipa"
                || !a["fileName"].as_str().is_some_and(|n| n.ends_with(".ipa"))
                || d["relationships"]["buildUpload"]["data"]["type"] != "buildUploads"
                || !s.uploads.contains_key(upload)
            {
                return api_error(
                    422,
                    "ENTITY_ERROR",
                    "bad build upload file",
                    &body.to_string(),
                );
            }
            let size = a["fileSize"].as_u64().unwrap_or(0);
            let id = format!("file-{}", s.files.len() + 1);
            let mut ops = vec![];
            let mut json_ops = vec![];
            let mut off = 0;
            let mut n = 1;
            while off < size {
                let len = s.part_size.min(size - off);
                ops.push((n, off, len));
                json_ops.push(json!({"method": "PUT", "url": format!("{PART_HOST}/part/{id}/{n}?{PART_SIGNATURE}"), "offset": off, "length": len, "partNumber": n,
                    "requestHeaders": [{"name": "Content-Type", "value": "application/octet-stream"}], "expiration": "2030-01-01T00:00:00Z"}));
                off += len;
                n += 1;
            }
            s.files.insert(
                id.clone(),
                UploadFile {
                    upload: upload.into(),
                    size,
                    parts: BTreeMap::new(),
                    ops,
                    uploaded: false,
                    checksum: None,
                },
            );
            Reply::json(
                201,
                json!({"data": {"type": "buildUploadFiles", "id": id, "attributes": {"assetType": "ASSET", "fileName": a["fileName"], "fileSize": size, "uti": "com.apple.ipa", "uploadOperations": json_ops, "assetDeliveryState": {"state": "AWAITING_UPLOAD"}}}, "links": {"self": "x"}}),
            )
        }
        ("PATCH", ["v1", "buildUploadFiles", id]) => {
            let spool = s.spool_dir.as_ref().map(|d| d.join(id));
            let Some(f) = s.files.get_mut(*id) else {
                return api_error(404, "NOT_FOUND", "no such file", id);
            };
            let d = &body["data"];
            if d["type"] != "buildUploadFiles"
                || d["id"] != *id
                || d["attributes"]["uploaded"] != true
            {
                return api_error(422, "ENTITY_ERROR", "bad patch", &body.to_string());
            }
            if f.parts.len() != f.ops.len() {
                return api_error(
                    409,
                    "ENTITY_ERROR.UPLOAD_INCOMPLETE",
                    "Not all parts uploaded",
                    &format!("{} of {}", f.parts.len(), f.ops.len()),
                );
            }
            let (md5, len) = match &spool {
                Some(path) => spooled_md5(path),
                None => {
                    use md5::Digest;
                    let all: Vec<u8> = f.parts.values().flatten().copied().collect();
                    (hex::encode(md5::Md5::digest(&all)), all.len() as u64)
                }
            };
            let sum = &d["attributes"]["sourceFileChecksums"]["file"];
            if sum["algorithm"] != "MD5" || sum["hash"] != md5.as_str() || len != f.size {
                return api_error(
                    409,
                    "ENTITY_ERROR.CHECKSUM_MISMATCH",
                    "Checksum mismatch",
                    &sum.to_string(),
                );
            }
            f.uploaded = true;
            f.checksum = Some(sum.clone());
            let upload = f.upload.clone();
            if let Some(u) = s.uploads.get_mut(&upload) {
                u.state = "PROCESSING".into();
            }
            Reply::json(
                200,
                json!({"data": {"type": "buildUploadFiles", "id": id, "attributes": {"assetDeliveryState": {"state": "UPLOAD_COMPLETE"}}}, "links": {"self": "x"}}),
            )
        }
        ("GET", ["v1", "buildUploads", id]) => {
            let polls_needed = s.polls_needed;
            let fails = s.upload_fails.clone();
            let warnings: Vec<Value> = s
                .upload_warnings
                .iter()
                .map(|(c, d)| json!({"code": c, "description": d}))
                .collect();
            let Some(u) = s.uploads.get_mut(*id) else {
                return api_error(404, "NOT_FOUND", "no such upload", id);
            };
            u.polls += 1;
            let mut errors = vec![];
            if u.state == "PROCESSING" && u.polls >= polls_needed {
                if let Some(errs) = fails {
                    u.state = "FAILED".into();
                    errors = errs
                        .iter()
                        .map(|(c, d)| json!({"code": c, "description": d}))
                        .collect();
                } else {
                    u.state = "COMPLETE".into();
                }
            }
            let (state, version, build) = (u.state.clone(), u.version.clone(), u.build.clone());
            let mut build_rel = Value::Null;
            if state == "COMPLETE" {
                if u.build_id.is_none() {
                    let bid = format!("build-{}", s.builds.len() + 1);
                    s.uploads.get_mut(*id).unwrap().build_id = Some(bid.clone());
                    s.builds.push(Build {
                        id: bid,
                        version: build.clone(),
                        pre_release: version.clone(),
                        state: "PROCESSING".into(),
                        polls: 0,
                        encryption: None,
                        groups: vec![],
                        localizations: BTreeMap::new(),
                        review: false,
                    });
                }
                build_rel = json!({"type": "builds", "id": s.uploads[*id].build_id.clone()});
            }
            Reply::json(
                200,
                json!({"data": {"type": "buildUploads", "id": id,
                "attributes": {"cfBundleShortVersionString": version, "cfBundleVersion": build, "platform": "IOS",
                    "state": {"state": state, "errors": errors, "warnings": warnings, "infos": []}},
                "relationships": {"build": {"data": build_rel}}}, "links": {"self": "x"}}),
            )
        }
        ("DELETE", ["v1", "buildUploads", id]) => match s.uploads.get_mut(*id) {
            Some(u) if u.state != "COMPLETE" => {
                u.deleted = true;
                Reply::empty(204)
            }
            Some(_) => api_error(
                409,
                "ENTITY_ERROR",
                "completed uploads cannot be deleted",
                id,
            ),
            None => api_error(404, "NOT_FOUND", "no such upload", id),
        },
        ("PATCH", ["v1", "builds", id]) => {
            let d = &body["data"];
            let Some(b) = s.builds.iter_mut().find(|b| b.id == *id) else {
                return api_error(404, "NOT_FOUND", "no such build", id);
            };
            if d["type"] != "builds"
                || d["id"] != *id
                || !d["attributes"]["usesNonExemptEncryption"].is_boolean()
            {
                return api_error(422, "ENTITY_ERROR", "bad patch", &body.to_string());
            }
            b.encryption = d["attributes"]["usesNonExemptEncryption"].as_bool();
            Reply::json(
                200,
                json!({"data": {"type": "builds", "id": id}, "links": {"self": "x"}}),
            )
        }
        ("GET", ["v1", "builds", id, "betaBuildLocalizations"]) => {
            let Some(b) = s.builds.iter().find(|b| b.id == *id) else {
                return api_error(404, "NOT_FOUND", "no such build", id);
            };
            let data: Vec<Value> = b.localizations.iter().map(|(lid, (loc, text))| json!({"type": "betaBuildLocalizations", "id": lid, "attributes": {"locale": loc, "whatsNew": text}})).collect();
            Reply::json(200, json!({"data": data, "links": {"self": "x"}}))
        }
        ("POST", ["v1", "betaBuildLocalizations"]) => {
            let d = &body["data"];
            let bid = d["relationships"]["build"]["data"]["id"]
                .as_str()
                .unwrap_or("");
            let text = d["attributes"]["whatsNew"].as_str().unwrap_or("");
            let loc = d["attributes"]["locale"].as_str().unwrap_or("");
            if d["type"] != "betaBuildLocalizations"
                || text.chars().count() > 4000
                || loc.is_empty()
            {
                return api_error(
                    422,
                    "ENTITY_ERROR.ATTRIBUTE.INVALID",
                    "bad localization",
                    &body.to_string(),
                );
            }
            let Some(b) = s.builds.iter_mut().find(|b| b.id == bid) else {
                return api_error(404, "NOT_FOUND", "no such build", bid);
            };
            if b.localizations.values().any(|(l, _)| l == loc) {
                return api_error(409, "ENTITY_ERROR.DUPLICATE", "localization exists", loc);
            }
            let lid = format!("loc-{}", b.localizations.len() + 1);
            b.localizations
                .insert(lid.clone(), (loc.into(), text.into()));
            Reply::json(
                201,
                json!({"data": {"type": "betaBuildLocalizations", "id": lid}, "links": {"self": "x"}}),
            )
        }
        ("PATCH", ["v1", "betaBuildLocalizations", lid]) => {
            let text = body["data"]["attributes"]["whatsNew"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            for b in s.builds.iter_mut() {
                if let Some(l) = b.localizations.get_mut(*lid) {
                    l.1 = text;
                    return Reply::json(
                        200,
                        json!({"data": {"type": "betaBuildLocalizations", "id": lid}, "links": {"self": "x"}}),
                    );
                }
            }
            api_error(404, "NOT_FOUND", "no such localization", lid)
        }
        ("GET", ["v1", "betaGroups"]) => {
            if q.get("filter[app]").map(String::as_str) != Some(APP_ID) {
                return api_error(400, "PARAMETER_ERROR.INVALID", "filter[app] missing", "");
            }
            let data: Vec<Value> = s.groups.iter().map(|(id, name)| json!({"type": "betaGroups", "id": id, "attributes": {"name": name}})).collect();
            Reply::json(200, json!({"data": data, "links": {"self": "x"}}))
        }
        ("POST", ["v1", "builds", id, "relationships", "betaGroups"]) => {
            let groups: Vec<String> = body["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|g| g["type"] == "betaGroups")
                .filter_map(|g| g["id"].as_str().map(str::to_owned))
                .collect();
            let known: Vec<String> = s.groups.iter().map(|g| g.0.clone()).collect();
            let Some(b) = s.builds.iter_mut().find(|b| b.id == *id) else {
                return api_error(404, "NOT_FOUND", "no such build", id);
            };
            if b.state != "VALID" {
                return api_error(
                    409,
                    "ENTITY_ERROR.RELATIONSHIP.INVALID",
                    "build is not processed",
                    id,
                );
            }
            if groups.is_empty() || groups.iter().any(|g| !known.contains(g)) {
                return api_error(422, "ENTITY_ERROR", "bad groups", &body.to_string());
            }
            b.groups.extend(groups);
            Reply::empty(204)
        }
        ("POST", ["v1", "betaAppReviewSubmissions"]) => {
            let d = &body["data"];
            let bid = d["relationships"]["build"]["data"]["id"]
                .as_str()
                .unwrap_or("");
            let Some(b) = s.builds.iter_mut().find(|b| b.id == bid) else {
                return api_error(422, "ENTITY_ERROR", "no such build", bid);
            };
            if d["type"] != "betaAppReviewSubmissions" {
                return api_error(422, "ENTITY_ERROR", "bad type", &body.to_string());
            }
            b.review = true;
            Reply::json(
                201,
                json!({"data": {"type": "betaAppReviewSubmissions", "id": "rev-1", "attributes": {"betaReviewState": "WAITING_FOR_REVIEW"}}, "links": {"self": "x"}}),
            )
        }
        _ => api_error(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            &req.line(),
        ),
    }
}

fn part(s: &mut AscState, req: &Recorded, rest: &str) -> Reply {
    if req.header("authorization").is_some() {
        return api_error(400, "BAD_REQUEST", "part uploads take no Authorization", "");
    }
    if req.query != PART_SIGNATURE {
        return api_error(403, "FORBIDDEN", "bad signature", "");
    }
    let (file, n) = rest.split_once('/').unwrap_or(("", ""));
    let spool = s.spool_dir.as_ref().map(|d| d.join(file));
    let n: u64 = n.parse().unwrap_or(0);
    let Some(f) = s.files.get_mut(file) else {
        return api_error(404, "NOT_FOUND", "no such file", file);
    };
    let Some(&(_, _, len)) = f.ops.iter().find(|o| o.0 == n) else {
        return api_error(404, "NOT_FOUND", "no such part", rest);
    };
    if req.method != "PUT"
        || req.header("content-type") != Some("application/octet-stream")
        || req.body.len() as u64 != len
        || req.header("content-length") != Some(&len.to_string())
    {
        return api_error(400, "BAD_REQUEST", "bad part", rest);
    }
    match &spool {
        Some(path) => {
            use std::os::unix::fs::FileExt;
            let offset = f.ops.iter().find(|o| o.0 == n).map(|o| o.1).unwrap_or(0);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(path)
                .unwrap();
            file.write_all_at(&req.body, offset).unwrap();
            f.parts.insert(n, Vec::new());
        }
        None => {
            f.parts.insert(n, req.body.clone());
        }
    }
    Reply::empty(200)
}

/// MD5 and length of a spooled file, read in pieces.
fn spooled_md5(path: &std::path::Path) -> (String, u64) {
    use md5::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path).unwrap();
    let mut md5 = md5::Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        len += n as u64;
    }
    (hex::encode(md5.finalize()), len)
}
