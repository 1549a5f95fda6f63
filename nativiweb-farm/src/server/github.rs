//! `POST /v1/hooks/github`: builds on `git push`.
//!
//! GitHub signs each delivery with the hook's secret (`X-Hub-Signature-256: sha256=<hex>`, an
//! HMAC-SHA256 of the raw body); the signature is checked in constant time before anything
//! else is looked at, and a delivery without a valid one gets 401 and queues nothing. A `ping`
//! (sent when the hook is created) gets 200. A `push` to a branch is looked up in the
//! [`GithubHooks`] — by `repository.full_name` (`acme/app`) or `repository.clone_url` — and
//! each matching entry queues a git build of the pushed commit (`after`). Pushes that match no
//! entry, deleted branches and tags get 202 with `{"queued": []}`.
//!
//! The hooks file (TOML):
//!
//! ```toml
//! # The name of the environment variable holding the hook's secret (never the secret).
//! secret_env = "GITHUB_HOOK_SECRET"
//!
//! [[repos]]
//! repo = "acme/app"          # full name, or the clone URL
//! branch = "main"
//! platform = "android"
//! builder = "gradle"         # optional, as are all below
//! format = "aab"
//! signing_profile = "release"
//! app_id = "acme-app"        # default: the repository's name
//! # url = "https://github.com/acme/app.git"   # what workers clone; default: clone_url
//! # priority = "high"
//! ```

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nativiweb_core::model::{ArtifactKind, Platform};
use secrecy::SecretString;
use serde::Deserialize;

use super::error::{ApiError, ServerError};
use super::routes::read_limited;
use super::AppState;
use crate::job::{app_id_from_name, JobRequest, JobSource, Priority};
use crate::webhook;

/// The largest delivery accepted (GitHub caps payloads at 25 MB; a push of a few hundred
/// commits is well under this).
pub const MAX_DELIVERY: usize = 8 << 20;

/// One repository and branch that builds on push.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubRepo {
    /// `owner/name` (compared case-insensitively with `repository.full_name`) or the clone URL.
    pub repo: String,
    /// The branch whose pushes build (`main`, not `refs/heads/main`).
    pub branch: String,
    /// The platform to build.
    pub platform: Platform,
    /// The builder; the platform's default when absent.
    #[serde(default)]
    pub builder: Option<String>,
    /// The artifact format; the builder's default when absent.
    #[serde(default)]
    pub format: Option<ArtifactKind>,
    /// The signing profile the workers resolve.
    #[serde(default)]
    pub signing_profile: Option<String>,
    /// The app id; the repository's name when absent.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The URL workers clone; the payload's `repository.clone_url` when absent.
    #[serde(default)]
    pub url: Option<String>,
    /// Queue priority.
    #[serde(default)]
    pub priority: Priority,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HooksFile {
    secret_env: String,
    #[serde(default)]
    repos: Vec<GithubRepo>,
}

/// The GitHub push hooks: the secret deliveries are signed with and the repositories that
/// build. `Debug` never shows the secret.
#[derive(Clone)]
pub struct GithubHooks {
    secret: SecretString,
    repos: Arc<Vec<GithubRepo>>,
}

impl std::fmt::Debug for GithubHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubHooks")
            .field("secret", &"<redacted>")
            .field("repos", &self.repos)
            .finish()
    }
}

impl GithubHooks {
    /// Hooks with this secret and these repositories.
    pub fn new(secret: SecretString, repos: Vec<GithubRepo>) -> Self {
        GithubHooks {
            secret,
            repos: Arc::new(repos),
        }
    }

    /// Loads the hooks file (see the [module docs](self)); the secret comes from the
    /// environment variable it names.
    ///
    /// # Errors
    /// [`ServerError::Github`] when the file cannot be read or parsed, or the variable is unset
    /// or empty.
    pub fn load(path: &Path) -> Result<Self, ServerError> {
        let err = |message: String| ServerError::Github {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let file: HooksFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        if file.secret_env.is_empty() {
            return Err(err(
                "secret_env must name the environment variable holding the hook's secret".into(),
            ));
        }
        let secret = std::env::var(&file.secret_env)
            .ok()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                err(format!(
                    "the hook's secret is not set: put it in the environment variable {} (secret_env)",
                    file.secret_env
                ))
            })?;
        for (i, r) in file.repos.iter().enumerate() {
            if r.repo.is_empty() || r.branch.is_empty() {
                return Err(err(format!(
                    "repos[{i}]: repo and branch must not be empty"
                )));
            }
        }
        Ok(GithubHooks::new(SecretString::from(secret), file.repos))
    }

    /// The repositories that build.
    pub fn repos(&self) -> &[GithubRepo] {
        &self.repos
    }

    /// The entries matching a push to `branch` of the repository `full_name` / `clone_url`.
    pub fn matching<'a>(
        &'a self,
        full_name: &'a str,
        clone_url: &'a str,
        branch: &'a str,
    ) -> impl Iterator<Item = &'a GithubRepo> + 'a {
        self.repos.iter().filter(move |r| {
            r.branch == branch
                && ((!full_name.is_empty() && r.repo.eq_ignore_ascii_case(full_name))
                    || (!clone_url.is_empty() && r.repo == clone_url))
        })
    }

    /// Whether `signature` (`sha256=<hex>`) signs `body`, in constant time.
    pub fn verify(&self, body: &[u8], signature: &str) -> bool {
        webhook::verify(&self.secret, body, signature)
    }
}

/// `POST /v1/hooks/github`.
pub(crate) async fn hook(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Some(hooks) = &state.github else {
        return Err(ApiError::not_found(
            "GitHub hooks are not configured on this server (farm serve --github FILE)",
        ));
    };
    let body = read_limited(&headers, body, MAX_DELIVERY).await?;
    let signature = header(&headers, "x-hub-signature-256");
    if signature.is_empty() || !hooks.verify(&body, signature) {
        tracing::warn!("GitHub hook: a delivery with a missing or bad signature was refused");
        return Err(ApiError::unauthorized(
            "X-Hub-Signature-256 is missing or does not match the hook's secret",
        ));
    }
    let event = header(&headers, "x-github-event");
    match event {
        "ping" => return Ok(Json(serde_json::json!({ "ok": true })).into_response()),
        "push" => {}
        other => {
            return Ok(accepted(
                Vec::new(),
                Some(format!(
                    "event `{}` does not build",
                    other.chars().take(40).collect::<String>()
                )),
            ))
        }
    }
    let push: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the push payload is not JSON: {e}")))?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let full_name = text(&push["repository"]["full_name"]);
    let clone_url = text(&push["repository"]["clone_url"]);
    let after = text(&push["after"]);
    let Some(branch) = push["ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("refs/heads/"))
    else {
        return Ok(accepted(Vec::new(), Some("not a branch push".into())));
    };
    if push["deleted"].as_bool() == Some(true)
        || after.is_empty()
        || after.bytes().all(|b| b == b'0')
    {
        return Ok(accepted(Vec::new(), Some("the branch was deleted".into())));
    }
    let mut queued = Vec::new();
    for entry in hooks.matching(&full_name, &clone_url, branch) {
        let url = entry.url.clone().unwrap_or_else(|| clone_url.clone());
        let app_id = entry.app_id.clone().unwrap_or_else(|| {
            app_id_from_name(full_name.rsplit('/').next().unwrap_or(&full_name))
        });
        let mut job = JobRequest::new(
            app_id,
            entry.platform,
            JobSource::Git {
                url,
                reference: Some(after.clone()),
            },
        );
        job.builder = entry.builder.clone();
        job.format = entry.format;
        job.signing_profile = entry.signing_profile.clone();
        job.priority = entry.priority;
        let record = state.farm.submit(&job).await?;
        tracing::info!(
            "GitHub push to {full_name}@{branch}: queued {} ({})",
            record.id,
            entry.platform.as_str()
        );
        if let Some(webhooks) = &state.webhooks {
            webhooks.send(&record);
        }
        queued.push(record);
    }
    Ok(accepted(queued, None))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
}

fn accepted(queued: Vec<crate::DeploymentRecord>, ignored: Option<String>) -> Response {
    let mut body = serde_json::json!({ "queued": queued });
    if let Some(reason) = ignored {
        body["ignored"] = reason.into();
    }
    (StatusCode::ACCEPTED, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hooks_file_names_its_secret_variable_and_entries_match_repo_and_branch() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("github.toml");
        let var = format!("NW_UNIT_GITHUB_SECRET_{}", std::process::id());
        std::fs::write(
            &file,
            format!(
                "secret_env = \"{var}\"\n[[repos]]\nrepo = \"Acme/App\"\nbranch = \"main\"\nplatform = \"ios\"\n"
            ),
        )
        .unwrap();
        // Unset: the error names the variable.
        let e = GithubHooks::load(&file).unwrap_err().to_string();
        assert!(e.contains(&var), "{e}");
        std::env::set_var(&var, "s3cr3t-value");
        let hooks = GithubHooks::load(&file).unwrap();
        assert!(!format!("{hooks:?}").contains("s3cr3t-value"));
        let url = "https://github.com/acme/app.git";
        assert_eq!(hooks.matching("acme/app", url, "main").count(), 1);
        assert_eq!(hooks.matching("acme/app", url, "dev").count(), 0);
        assert_eq!(hooks.matching("acme/other", "", "main").count(), 0);
        let sig = webhook::sign(&SecretString::from("s3cr3t-value".to_owned()), b"{}");
        assert!(hooks.verify(b"{}", &sig));
        assert!(!hooks.verify(b"{ }", &sig));
        // Unknown fields are refused (a typo must not silently build nothing).
        std::fs::write(
            &file,
            format!("secret_env = \"{var}\"\n[[repos]]\nrepo = \"a/b\"\nbranch = \"main\"\nplatfrom = \"ios\"\n"),
        )
        .unwrap();
        let e = GithubHooks::load(&file).unwrap_err().to_string();
        assert!(e.contains("platfrom") && !e.contains("s3cr3t"), "{e}");
    }
}
