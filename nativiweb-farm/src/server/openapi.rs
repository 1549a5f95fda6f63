//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of the API, a static file kept beside the
//! code (`openapi.json`) and checked by the tests against the routes served.

use axum::http::header;
use axum::response::IntoResponse;

/// The OpenAPI 3.1 document, JSON.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`.
pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
