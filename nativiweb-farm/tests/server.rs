//! The HTTP API against a real `redis-server`, a storage folder and, for the end-to-end
//! tests, an in-process worker: auth, upload limits and checks, builds from uploads, live and
//! resumed event streams, GitHub push hooks, signed webhooks, the OpenAPI document.

#![cfg(feature = "server")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nativiweb_core::model::{BuildStatus, Platform};
use nativiweb_farm::server::GithubHooks;
use nativiweb_farm::{Webhook, Webhooks};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{json, Value};
use support::{
    files_under, noise, openssl_hmac_sha256, write_project_zip, write_zip, Env, TEST_TOKEN,
};

const BOUNDARY: &str = "nw-test-boundary-1f9c2e";

fn bearer() -> String {
    format!("Bearer {TEST_TOKEN}")
}

/// A multipart body of (name, file name, content type, bytes) parts.
fn multipart(parts: &[(&str, Option<&str>, &str, &[u8])]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, file, ctype, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let file = file
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{name}\"{file}\r\nContent-Type: {ctype}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// POSTs a form with `job` (JSON) and `source` (the ZIP at `zip`, named `file`).
async fn post_upload(
    client: &reqwest::Client,
    base: &str,
    job: &Value,
    zip: &[u8],
    file: &str,
) -> reqwest::Response {
    let job = job.to_string();
    let (ctype, body) = multipart(&[
        ("job", None, "application/json", job.as_bytes()),
        ("source", Some(file), "application/zip", zip),
    ]);
    client
        .post(format!("{base}/v1/builds"))
        .header(AUTHORIZATION, bearer())
        .header(CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn project_zip(app: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.zip");
    write_project_zip(&path, app);
    std::fs::read(path).unwrap()
}

fn zip_bytes(entries: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.zip");
    write_zip(&path, entries, stored);
    std::fs::read(path).unwrap()
}

async fn json_of(r: reqwest::Response) -> Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
struct Sse {
    id: Option<String>,
    event: Option<String>,
    data: String,
}

impl Sse {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
    fn status(&self) -> Option<String> {
        (self.event.as_deref() == Some("status"))
            .then(|| self.json()["status"].as_str().unwrap().to_owned())
    }
}

/// Reads the next event (skipping keep-alive comments); `None` when the stream ended.
async fn next_sse(response: &mut reqwest::Response, buf: &mut String) -> Option<Sse> {
    loop {
        if let Some(pos) = buf.find("\n\n") {
            let block: String = buf.drain(..pos + 2).collect();
            let mut ev = Sse {
                id: None,
                event: None,
                data: String::new(),
            };
            let mut any = false;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    ev.id = Some(v.trim_start().to_owned());
                    any = true;
                } else if let Some(v) = line.strip_prefix("event:") {
                    ev.event = Some(v.trim_start().to_owned());
                    any = true;
                } else if let Some(v) = line.strip_prefix("data:") {
                    ev.data.push_str(v.trim_start());
                    any = true;
                }
            }
            if any {
                return Some(ev);
            }
            continue;
        }
        match tokio::time::timeout(Duration::from_secs(30), response.chunk()).await {
            Ok(Ok(Some(chunk))) => buf.push_str(std::str::from_utf8(&chunk).unwrap()),
            Ok(Ok(None)) => return None,
            Ok(Err(e)) => panic!("reading the event stream: {e}"),
            Err(_) => panic!("no event for 30 s; so far: {buf}"),
        }
    }
}

async fn open_logs(
    client: &reqwest::Client,
    base: &str,
    id: &str,
    last: Option<&str>,
) -> reqwest::Response {
    let mut req = client
        .get(format!("{base}/v1/builds/{id}/logs"))
        .header(AUTHORIZATION, bearer());
    if let Some(last) = last {
        req = req.header("Last-Event-ID", last);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    r
}

fn git_job() -> Value {
    json!({
        "app_id": "hello",
        "platform": "android",
        "source": { "kind": "git", "url": "https://example.com/acme/hello.git", "reference": "main" }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_needs_a_right_bearer_token_and_errors_are_typed() {
    let Some(env) = Env::new().await else { return };
    let api = env.serve(env.server_config()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/builds", api.base);

    // No token, a wrong one, another scheme: 401, typed, WWW-Authenticate, nothing queued.
    for auth in [None, Some("Bearer wrong-token"), Some("Basic dXNlcjpwdw==")] {
        let mut req = client
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .body(git_job().to_string());
        if let Some(a) = auth {
            req = req.header(AUTHORIZATION, a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(r.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        let body = json_of(r).await;
        assert_error(&body, "unauthorized");
        assert!(!body.to_string().contains(TEST_TOKEN));
    }
    for path in ["/v1/builds/b1", "/v1/builds/b1/logs", "/v1/openapi.json"] {
        let r = client
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        env.jobs_in_queues().await,
        0,
        "a refused request queued a job"
    );

    // The right token: 201, the record, Location.
    let r = client
        .post(&url)
        .header(AUTHORIZATION, bearer())
        .header(CONTENT_TYPE, "application/json")
        .body(git_job().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let record = json_of(r).await;
    assert_eq!(record["status"], "queued");
    assert_eq!(record["source"]["kind"], "git");
    assert_eq!(record["source"]["reference"], "main");
    let id = record["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/builds/{id}"));
    assert_eq!(env.jobs_in_queues().await, 1);

    let r = client
        .get(format!("{}{location}", api.base))
        .header(AUTHORIZATION, bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["id"], id.as_str());

    // Typed errors: unknown build, bad id, bad JSON, an upload source in JSON, wrong media
    // type, an unknown route, a wrong method, a JSON body over the limit.
    let get = |path: String| {
        client
            .get(format!("{}{path}", api.base))
            .header(AUTHORIZATION, bearer())
            .send()
    };
    let r = get("/v1/builds/b000000000000deadbeef".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_error(&json_of(r).await, "not_found");
    let r = get("/v1/builds/NOT_AN_ID".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&json_of(r).await, "bad_request");
    let r = get("/v1/nothing-here".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_error(&json_of(r).await, "not_found");
    let post = |ctype: &'static str, body: String| {
        client
            .post(&url)
            .header(AUTHORIZATION, bearer())
            .header(CONTENT_TYPE, ctype)
            .body(body)
            .send()
    };
    let r = post("application/json", "{not json".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&json_of(r).await, "bad_request");
    let upload = json!({"app_id": "x", "platform": "android", "source": {"kind": "upload",
        "key": "uploads/someone-else.zip", "size": 1, "sha256": "0".repeat(64)}});
    let r = post("application/json", upload.to_string()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&json_of(r).await, "bad_request");
    let creds = json!({"app_id": "x", "platform": "android",
        "source": {"kind": "git", "url": "https://user:pw@example.com/a.git"}});
    let r = post("application/json", creds.to_string()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post("text/plain", "hello".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&json_of(r).await, "unsupported_media_type");
    let big = json!({"app_id": "x".repeat(100 << 10)}).to_string();
    let r = post("application/json", big).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&json_of(r).await, "payload_too_large");
    let r = client
        .put(&url)
        .header(AUTHORIZATION, bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&json_of(r).await, "method_not_allowed");
    assert_eq!(
        env.jobs_in_queues().await,
        1,
        "a refused request queued a job"
    );

    // Cancel: a queued build is cancelled at once; again, it had already ended.
    let del = || {
        client
            .delete(format!("{}/v1/builds/{id}", api.base))
            .header(AUTHORIZATION, bearer())
            .send()
    };
    let r = del().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(json_of(r).await["outcome"], "cancelled");
    let r = del().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(
        json_of(r).await["outcome"],
        json!({"already_finished": "cancelled"})
    );

    // /metrics and /healthz take no token.
    let r = client
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("nativiweb_builds_submitted_total{platform=\"android\"} 1"),
        "{text}"
    );
    let r = client
        .get(format!("{}/healthz", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    api.stop.cancel();
    api.handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_when_redis_is_down() {
    let Some(mut env) = Env::new().await else {
        return;
    };
    let api = env.serve(env.server_config()).await;
    env.redis.kill();
    let r = reqwest::get(format!("{}/healthz", api.base)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_error(&json_of(r).await, "unavailable");
    api.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_unsafe_uploads_are_refused_and_nothing_is_stored() {
    let Some(env) = Env::new().await else { return };
    let mut config = env.server_config();
    config.max_upload = 64 << 10;
    config.zip_limits.max_entries = 20;
    let api = env.serve(config).await;
    let client = reqwest::Client::new();
    let job = json!({"app_id": "hello", "platform": "android"});

    // Over the limit while streaming (the declared length passes the first check), and over
    // it by the declared length.
    for size in [100 << 10, 2 << 20] {
        let zip = zip_bytes(&[("index.html", &noise(size, 7))], true);
        let r = post_upload(&client, &api.base, &job, &zip, "big.zip").await;
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{size}");
        assert_error(&json_of(r).await, "payload_too_large");
    }

    // Zip slip, absolute paths, too many entries, not a ZIP: 400.
    let many: Vec<(String, Vec<u8>)> = (0..30).map(|i| (format!("f{i}.txt"), vec![b'x'])).collect();
    let many: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "zip slip",
            zip_bytes(&[("index.html", b"hi"), ("../evil.sh", b"rm -rf ~")], false),
        ),
        (
            "nested zip slip",
            zip_bytes(&[("a/../../evil.sh", b"x")], false),
        ),
        ("absolute", zip_bytes(&[("/etc/cron.d/evil", b"x")], false)),
        ("too many entries", zip_bytes(&many, false)),
        ("not a zip", b"this is not a zip archive at all".to_vec()),
    ];
    for (what, zip) in cases {
        let r = post_upload(&client, &api.base, &job, &zip, "p.zip").await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{what}");
        let body = json_of(r).await;
        assert_error(&body, "bad_request");
    }

    // A job without a platform, an unknown part: 400, nothing stored.
    let ok = project_zip("hello");
    let r = post_upload(&client, &api.base, &json!({"app_id": "x"}), &ok, "p.zip").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (ctype, body) = multipart(&[("surprise", None, "text/plain", b"x")]);
    let r = client
        .post(format!("{}/v1/builds", api.base))
        .header(AUTHORIZATION, bearer())
        .header(CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    assert!(
        files_under(env.storage_dir.path()).is_empty(),
        "stored: {:?}",
        files_under(env.storage_dir.path())
    );
    assert_eq!(env.jobs_in_queues().await, 0);

    // And one that fits is stored and queued, under the key its record names.
    let r = post_upload(&client, &api.base, &job, &ok, "p.zip").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let record = json_of(r).await;
    let key = format!("uploads/{}.zip", record["id"].as_str().unwrap());
    assert_eq!(record["source"]["upload"], key.as_str());
    assert_eq!(
        std::fs::read(env.storage_dir.path().join(&key)).unwrap(),
        ok
    );
    assert_eq!(env.jobs_in_queues().await, 1);
    api.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_upload_builds_end_to_end() {
    let Some(env) = Env::new().await else { return };
    let (stop, worker) = env.start_worker(env.config("w1"));
    let api = env.serve(env.server_config()).await;
    let client = reqwest::Client::new();
    let zip = project_zip("helloapp");
    // The job as fields rather than JSON; the app id from the file name.
    let (ctype, body) = multipart(&[
        ("platform", None, "text/plain", b"android"),
        ("build_number", None, "text/plain", b"7"),
        ("source", Some("Hello App.zip"), "application/zip", &zip),
    ]);
    let r = client
        .post(format!("{}/v1/builds", api.base))
        .header(AUTHORIZATION, bearer())
        .header(CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let queued = json_of(r).await;
    assert_eq!(queued["app_id"], "hello-app");
    assert_eq!(queued["build_number"], 7);
    assert_eq!(queued["source"]["kind"], "upload");
    assert_eq!(queued["source"]["repo"], "Hello App");
    let id = nativiweb_farm::BuildId::parse(queued["id"].as_str().unwrap()).unwrap();
    env.wait(&id, Duration::from_secs(60)).await;

    let r = client
        .get(format!("{}{location}", api.base))
        .header(AUTHORIZATION, bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let done = json_of(r).await;
    assert_eq!(done["status"], "success", "{done}");
    assert_eq!(done["worker"], "w1");
    let artifacts = done["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1, "{done}");
    let prefix = env.storage_dir.path().join(format!("apps/hello-app/{id}"));
    let bytes = std::fs::read(prefix.join(artifacts[0]["name"].as_str().unwrap())).unwrap();
    assert_eq!(
        nativiweb_core::hash::sha256_hex(&bytes),
        artifacts[0]["sha256"].as_str().unwrap()
    );
    stop.cancel();
    worker.await.unwrap();
    api.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stream_live_and_resume_after_last_event_id() {
    let Some(env) = Env::new().await else { return };
    let api = env.serve(env.server_config()).await;
    let client = reqwest::Client::new();
    let r = post_upload(
        &client,
        &api.base,
        &json!({"app_id": "hello", "platform": "android"}),
        &project_zip("hello"),
        "hello.zip",
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = json_of(r).await["id"].as_str().unwrap().to_owned();

    // Reading starts before any worker runs: the queued status comes first, alone.
    let mut stream = open_logs(&client, &api.base, &id, None).await;
    let mut buf = String::new();
    let first = next_sse(&mut stream, &mut buf).await.unwrap();
    assert_eq!(first.status().as_deref(), Some("queued"), "{first:?}");
    let (stop, worker) = env.start_worker(env.config("w1"));
    let mut events = vec![first];
    let t = Instant::now();
    while let Some(e) = next_sse(&mut stream, &mut buf).await {
        events.push(e);
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the stream never ended"
        );
    }
    // Ended after the final status, which it delivered.
    let statuses: Vec<String> = events.iter().filter_map(Sse::status).collect();
    assert_eq!(statuses, ["queued", "building", "success"], "{events:#?}");
    assert_eq!(events.last().unwrap().status().as_deref(), Some("success"));
    assert!(events
        .iter()
        .any(|e| e.event.as_deref() == Some("step_started")));
    assert!(events.iter().any(|e| e.event.as_deref() == Some("log")));
    for e in &events {
        assert_eq!(
            e.json()["event"].as_str(),
            e.event.as_deref(),
            "event: names the JSON's kind"
        );
    }
    // Ids are the stream's: increasing, one per event.
    let ids: Vec<(u64, u64)> = events
        .iter()
        .map(|e| {
            let (a, b) = e.id.as_deref().unwrap().split_once('-').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // The same events as the farm holds.
    let held = env
        .farm
        .events(
            &nativiweb_farm::BuildId::parse(&id).unwrap(),
            None,
            None,
            10_000,
        )
        .await
        .unwrap();
    let held_ids: Vec<&str> = held.iter().map(|e| e.id.as_str()).collect();
    let sent_ids: Vec<&str> = events.iter().map(|e| e.id.as_deref().unwrap()).collect();
    assert_eq!(held_ids, sent_ids);

    // Resume from the middle: exactly the events after it, none repeated.
    let mid = events.len() / 2;
    let mut again = open_logs(&client, &api.base, &id, events[mid].id.as_deref()).await;
    let mut buf = String::new();
    let mut rest = Vec::new();
    while let Some(e) = next_sse(&mut again, &mut buf).await {
        rest.push(e);
    }
    assert_eq!(rest, events[mid + 1..].to_vec());
    // After the last one: nothing, and the stream ends (the build is over).
    let mut last = open_logs(
        &client,
        &api.base,
        &id,
        events.last().unwrap().id.as_deref(),
    )
    .await;
    assert!(next_sse(&mut last, &mut String::new()).await.is_none());
    // A Last-Event-ID that is not an id: 400; an unknown build: 404.
    let r = client
        .get(format!("{}/v1/builds/{id}/logs", api.base))
        .header(AUTHORIZATION, bearer())
        .header("Last-Event-ID", "nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = client
        .get(format!("{}/v1/builds/b000000000000deadbeef/logs", api.base))
        .header(AUTHORIZATION, bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    stop.cancel();
    worker.await.unwrap();
    api.stop.cancel();
}

const HOOK_SECRET: &str = "gh-hook-secret-b7d1";

fn push_payload(full_name: &str, branch: &str, after: &str) -> String {
    json!({
        "ref": format!("refs/heads/{branch}"),
        "before": "0".repeat(40),
        "after": after,
        "deleted": false,
        "repository": {
            "full_name": full_name,
            "clone_url": format!("https://github.com/{full_name}.git"),
        },
        "head_commit": { "id": after, "message": "Ship it" },
    })
    .to_string()
}

async fn deliver(
    client: &reqwest::Client,
    base: &str,
    event: &str,
    body: &str,
    signature: &str,
) -> reqwest::Response {
    client
        .post(format!("{base}/v1/hooks/github"))
        .header(CONTENT_TYPE, "application/json")
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        .header("X-Hub-Signature-256", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_pushes_queue_git_builds_only_when_signed() {
    let Some(env) = Env::new().await else { return };
    // Deliveries are signed with the hook's secret by openssl, independently of the server.
    let sign = |body: &str| {
        openssl_hmac_sha256(HOOK_SECRET, body.as_bytes()).map(|h| format!("sha256={h}"))
    };
    if sign("probe").is_none() {
        return;
    }
    // The hooks file as an operator writes it; the secret from the variable it names.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github.toml");
    let var = format!("NW_TEST_GITHUB_SECRET_{}", std::process::id());
    std::env::set_var(&var, HOOK_SECRET);
    std::fs::write(
        &file,
        format!(
            "secret_env = \"{var}\"\n\n[[repos]]\nrepo = \"acme/app\"\nbranch = \"main\"\nplatform = \"android\"\nformat = \"aab\"\nsigning_profile = \"release\"\napp_id = \"acme-app\"\n"
        ),
    )
    .unwrap();
    let hooks = GithubHooks::load(&file).unwrap();
    assert!(!format!("{hooks:?}").contains(HOOK_SECRET));
    assert_eq!(hooks.repos().len(), 1);
    let mut config = env.server_config();
    config.github = Some(hooks);
    let api = env.serve(config).await;
    let client = reqwest::Client::new();
    let commit = "9fceb02d0ae598e95dc970b74767f19372d61af8";
    let push = push_payload("acme/app", "main", commit);

    // Bad signatures: 401, nothing queued.
    let wrong_key = openssl_hmac_sha256("not-the-secret", push.as_bytes()).unwrap();
    let tampered = sign(&push.replace("Ship it", "Ship that")).unwrap();
    for sig in [
        format!("sha256={wrong_key}"),
        tampered,
        String::new(),
        "sha1=abc".into(),
    ] {
        let r = deliver(&client, &api.base, "push", &push, &sig).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{sig}");
        assert_error(&json_of(r).await, "unauthorized");
    }
    assert_eq!(env.jobs_in_queues().await, 0);

    // A ping: 200.
    let ping = json!({"zen": "Keep it logically awesome.", "hook_id": 1}).to_string();
    let r = deliver(&client, &api.base, "ping", &ping, &sign(&ping).unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);

    // Another branch, another repository: 202, nothing queued.
    for body in [
        push_payload("acme/app", "feature", commit),
        push_payload("acme/other", "main", commit),
    ] {
        let r = deliver(&client, &api.base, "push", &body, &sign(&body).unwrap()).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        assert_eq!(json_of(r).await["queued"], json!([]));
    }
    assert_eq!(env.jobs_in_queues().await, 0);

    // The configured one, signed, without a bearer token: a git build of the pushed commit.
    let r = deliver(&client, &api.base, "push", &push, &sign(&push).unwrap()).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body = json_of(r).await;
    let queued = body["queued"].as_array().unwrap();
    assert_eq!(queued.len(), 1, "{body}");
    let id = nativiweb_farm::BuildId::parse(queued[0]["id"].as_str().unwrap()).unwrap();
    let record = env.farm.record(&id).await.unwrap().unwrap();
    assert_eq!(record.status, BuildStatus::Queued);
    assert_eq!(record.app_id, "acme-app");
    assert_eq!(record.platform, Platform::Android);
    assert_eq!(record.signing_profile.as_deref(), Some("release"));
    assert_eq!(record.source.kind, "git");
    assert_eq!(
        record.source.repo.as_deref(),
        Some("https://github.com/acme/app.git")
    );
    assert_eq!(record.source.reference.as_deref(), Some(commit));
    assert_eq!(env.jobs_in_queues().await, 1);
    api.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_hook_is_404_when_not_configured() {
    let Some(env) = Env::new().await else { return };
    let api = env.serve(env.server_config()).await;
    let client = reqwest::Client::new();
    let r = deliver(&client, &api.base, "push", "{}", "sha256=00").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_error(&json_of(r).await, "not_found");
    api.stop.cancel();
}

/// What a receiver got: each POST's signature header and body.
type Deliveries = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver: every POST's signature header and body.
async fn receiver() -> (String, Deliveries) {
    let got: Deliveries = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let g = g.clone();
                async move {
                    let sig = headers
                        .get("x-nativiweb-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    g.lock().unwrap().push((sig, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_deliver_every_status_change_signed() {
    let Some(env) = Env::new().await else { return };
    if openssl_hmac_sha256("k", b"probe").is_none() {
        return;
    }
    let secret = "webhook-secret-42a";
    let (url, got) = receiver().await;
    let hooks = || {
        Webhooks::new(
            vec![Webhook {
                url: url.clone(),
                secret: SecretString::from(secret.to_owned()),
            }],
            3,
        )
    };
    let mut worker_config = env.config("w1");
    worker_config.webhooks = hooks();
    let (stop, worker) = env.start_worker(worker_config);
    let mut config = env.server_config();
    config.webhooks = Some(hooks());
    let api = env.serve(config).await;
    let client = reqwest::Client::new();
    let r = post_upload(
        &client,
        &api.base,
        &json!({"app_id": "hooked", "platform": "android"}),
        &project_zip("hooked"),
        "hooked.zip",
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = json_of(r).await["id"].as_str().unwrap().to_owned();
    let done = env
        .wait(
            &nativiweb_farm::BuildId::parse(&id).unwrap(),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(done.status, BuildStatus::Success);
    let t = Instant::now();
    while got.lock().unwrap().len() < 3 && t.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deliveries = got.lock().unwrap().clone();
    let mut statuses = Vec::new();
    for (sig, body) in &deliveries {
        let expected = openssl_hmac_sha256(secret, body).unwrap();
        assert_eq!(sig, &format!("sha256={expected}"), "a bad signature");
        let record: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(record["id"], id.as_str());
        statuses.push(record["status"].as_str().unwrap().to_owned());
    }
    // The server and the worker send from their own tasks: the order is not guaranteed.
    statuses.sort();
    assert_eq!(
        statuses,
        ["building", "queued", "success"],
        "{deliveries:?}"
    );
    stop.cancel();
    worker.await.unwrap();
    api.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route_served() {
    let Some(env) = Env::new().await else { return };
    let api = env.serve(env.server_config()).await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/v1/openapi.json", api.base))
        .header(AUTHORIZATION, bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc = json_of(r).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let served = [
        ("/v1/builds", "post"),
        ("/v1/builds/{id}", "get"),
        ("/v1/builds/{id}", "delete"),
        ("/v1/builds/{id}/logs", "get"),
        ("/v1/hooks/github", "post"),
        ("/v1/openapi.json", "get"),
        ("/metrics", "get"),
        ("/healthz", "get"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.push((path.clone(), method.clone()));
            }
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = served
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
    // Every documented route is served (the fallback's "no such route" never answers), and
    // every $ref resolves.
    for (path, method) in &documented {
        let url = format!(
            "{}{}",
            api.base,
            path.replace("{id}", "b000000000000deadbeef")
        );
        let req = match method.as_str() {
            "get" => client.get(&url),
            "post" => client.post(&url),
            "delete" => client.delete(&url),
            _ => unreachable!(),
        };
        let r = req.header(AUTHORIZATION, bearer()).send().await.unwrap();
        assert_ne!(
            r.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let text = r.text().await.unwrap();
        assert!(!text.contains("no such route"), "{method} {path}: {text}");
    }
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/").skip(1) {
        let target = &piece[..piece.find('"').unwrap()];
        let mut node = &doc;
        for part in target.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "unresolved $ref {target}");
    }
    api.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_up_to_max_upload_are_taken_past_axums_default_body_limit() {
    let Some(env) = Env::new().await else { return };
    let mut config = env.server_config();
    config.max_upload = 6 << 20;
    let api = env.serve(config).await;
    let client = reqwest::Client::new();
    // 5 MiB of noise, stored: over axum's 2 MB default, under this server's limit.
    let zip = zip_bytes(
        &[
            ("index.html", b"<h1>hi</h1>"),
            ("big.bin", &noise(5 << 20, 3)),
        ],
        true,
    );
    let r = post_upload(
        &client,
        &api.base,
        &json!({"app_id": "big", "platform": "android"}),
        &zip,
        "big.zip",
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let record = json_of(r).await;
    let key = format!("uploads/{}.zip", record["id"].as_str().unwrap());
    let stored = std::fs::read(env.storage_dir.path().join(key)).unwrap();
    assert_eq!(stored.len(), zip.len());
    assert_eq!(
        nativiweb_core::hash::sha256_hex(&stored),
        nativiweb_core::hash::sha256_hex(&zip)
    );
    api.stop.cancel();
}
