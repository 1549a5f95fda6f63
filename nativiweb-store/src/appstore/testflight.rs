//! TestFlight after an upload: wait for the build to process, set export compliance and
//! "What to Test", add it to beta groups, submit it for beta review.
//!
//! Endpoints: `GET /v1/builds?filter[app]&filter[version]&filter[preReleaseVersion.version]`
//! (`processingState` PROCESSING / FAILED / INVALID / VALID); `PATCH /v1/builds/{id}`
//! (`usesNonExemptEncryption`); `GET /v1/builds/{id}/betaBuildLocalizations`, then `PATCH
//! /v1/betaBuildLocalizations/{id}` or `POST /v1/betaBuildLocalizations` (`locale`,
//! `whatsNew`); `GET /v1/betaGroups?filter[app]`; `POST
//! /v1/builds/{id}/relationships/betaGroups`; `POST /v1/betaAppReviewSubmissions`.

use std::time::{Duration, Instant};

use nativiweb_core::BuildContext;
use reqwest::Method;
use serde_json::{json, Value};

use super::api::{data_array, q, AscApi};
use super::errors::AscError;

/// Apple's limit on "What to Test", in characters.
pub const WHATS_NEW_MAX_CHARS: usize = 4000;

/// A build as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRecord {
    /// The build's id.
    pub id: String,
    /// `processingState`.
    pub processing_state: String,
}

/// The build of `app_id` with this version and build number, if App Store Connect has one.
pub(crate) async fn find_build(
    api: &AscApi,
    ctx: &BuildContext,
    app_id: &str,
    version: &str,
    build: &str,
) -> Result<Option<BuildRecord>, AscError> {
    let path = format!(
        "/v1/builds?filter[app]={}&filter[version]={}&filter[preReleaseVersion.version]={}&limit=1",
        q(app_id),
        q(build),
        q(version)
    );
    let doc = api.call(ctx, Method::GET, &path, None).await?;
    Ok(data_array(&doc).first().and_then(|b| {
        Some(BuildRecord {
            id: b.get("id")?.as_str()?.to_owned(),
            processing_state: b
                .pointer("/attributes/processingState")
                .and_then(Value::as_str)
                .unwrap_or("PROCESSING")
                .to_owned(),
        })
    }))
}

/// Polls until the build exists and is `VALID`; `FAILED`/`INVALID` end with an error.
pub(crate) async fn wait_for_processing(
    api: &AscApi,
    ctx: &BuildContext,
    app_id: &str,
    version: &str,
    build: &str,
    interval: Duration,
    timeout: Duration,
) -> Result<BuildRecord, AscError> {
    let started = Instant::now();
    let mut last_state = "NOT_LISTED_YET".to_owned();
    loop {
        if let Some(record) = find_build(api, ctx, app_id, version, build).await? {
            match record.processing_state.as_str() {
                "VALID" => return Ok(record),
                "FAILED" | "INVALID" => {
                    return Err(AscError::Processing {
                        what: format!("build {version} ({build})"),
                        state: record.processing_state,
                        errors: vec![
                            "App Store Connect e-mails the reasons to the account holder; see the build in App Store Connect > TestFlight".into(),
                        ],
                    })
                }
                other => last_state = other.to_owned(),
            }
        }
        if started.elapsed() + interval > timeout {
            return Err(AscError::WaitTimeout {
                what: format!("processing of build {version} ({build})"),
                state: last_state,
                waited: started.elapsed(),
            });
        }
        ctx.info(format!(
            "App Store Connect: build {version} ({build}) is {last_state}; waiting"
        ));
        crate::http::sleep(ctx, interval).await?;
    }
}

/// Sets the build's export compliance answer.
pub(crate) async fn set_encryption(
    api: &AscApi,
    ctx: &BuildContext,
    build_id: &str,
    uses_non_exempt_encryption: bool,
) -> Result<(), AscError> {
    let body = json!({"data": {"type": "builds", "id": build_id,
        "attributes": {"usesNonExemptEncryption": uses_non_exempt_encryption}}});
    api.call(
        ctx,
        Method::PATCH,
        &format!("/v1/builds/{build_id}"),
        Some(&body),
    )
    .await
    .map(drop)
}

/// Sets "What to Test" for `locale`, updating the localization when it exists.
pub(crate) async fn set_whats_new(
    api: &AscApi,
    ctx: &BuildContext,
    build_id: &str,
    locale: &str,
    text: &str,
) -> Result<(), AscError> {
    let doc = api
        .call(
            ctx,
            Method::GET,
            &format!("/v1/builds/{build_id}/betaBuildLocalizations"),
            None,
        )
        .await?;
    let existing = data_array(&doc).iter().find_map(|l| {
        (l.pointer("/attributes/locale").and_then(Value::as_str) == Some(locale))
            .then(|| l.get("id").and_then(Value::as_str).map(str::to_owned))
            .flatten()
    });
    match existing {
        Some(id) => {
            let body = json!({"data": {"type": "betaBuildLocalizations", "id": id,
                "attributes": {"whatsNew": text}}});
            api.call(
                ctx,
                Method::PATCH,
                &format!("/v1/betaBuildLocalizations/{id}"),
                Some(&body),
            )
            .await
            .map(drop)
        }
        None => {
            let body = json!({"data": {"type": "betaBuildLocalizations",
                "attributes": {"locale": locale, "whatsNew": text},
                "relationships": {"build": {"data": {"type": "builds", "id": build_id}}}}});
            api.call(ctx, Method::POST, "/v1/betaBuildLocalizations", Some(&body))
                .await
                .map(drop)
        }
    }
}

/// The ids of the app's beta groups named `names` (all must exist).
pub(crate) async fn resolve_groups(
    api: &AscApi,
    ctx: &BuildContext,
    app_id: &str,
    names: &[String],
) -> Result<Vec<String>, AscError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let doc = api
        .call(
            ctx,
            Method::GET,
            &format!("/v1/betaGroups?filter[app]={}&limit=200", q(app_id)),
            None,
        )
        .await?;
    let groups: Vec<(String, String)> = data_array(&doc)
        .iter()
        .filter_map(|g| {
            Some((
                g.pointer("/attributes/name")?.as_str()?.to_owned(),
                g.get("id")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let mut ids = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match groups.iter().find(|(n, _)| n == name) {
            Some((_, id)) => ids.push(id.clone()),
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(AscError::BetaGroupNotFound {
            missing,
            available: groups.into_iter().map(|(n, _)| n).collect(),
        });
    }
    Ok(ids)
}

/// Gives the groups access to the build.
pub(crate) async fn add_to_groups(
    api: &AscApi,
    ctx: &BuildContext,
    build_id: &str,
    group_ids: &[String],
) -> Result<(), AscError> {
    let data: Vec<Value> = group_ids
        .iter()
        .map(|id| json!({"type": "betaGroups", "id": id}))
        .collect();
    api.call(
        ctx,
        Method::POST,
        &format!("/v1/builds/{build_id}/relationships/betaGroups"),
        Some(&json!({ "data": data })),
    )
    .await
    .map(drop)
}

/// Submits the build for beta app review; returns the review state Apple reports.
pub(crate) async fn submit_for_review(
    api: &AscApi,
    ctx: &BuildContext,
    build_id: &str,
) -> Result<String, AscError> {
    let body = json!({"data": {"type": "betaAppReviewSubmissions",
        "relationships": {"build": {"data": {"type": "builds", "id": build_id}}}}});
    let doc = api
        .call(
            ctx,
            Method::POST,
            "/v1/betaAppReviewSubmissions",
            Some(&body),
        )
        .await?;
    Ok(doc
        .pointer("/data/attributes/betaReviewState")
        .and_then(Value::as_str)
        .unwrap_or("WAITING_FOR_REVIEW")
        .to_owned())
}
