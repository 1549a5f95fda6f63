//! The API's errors: one typed JSON body for every failure,
//! `{"error": {"code": "not_found", "message": "…"}}`, and the errors of starting the server.

use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::FarmError;

/// The machine-readable kind of an API error (the `error.code` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the request is malformed or names something invalid; the message names the field.
    BadRequest,
    /// 401: no bearer token, a token not accepted, or a GitHub hook with a bad signature.
    Unauthorized,
    /// 404: no such build (or route).
    NotFound,
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
    /// 413: the body is over the server's limit.
    PayloadTooLarge,
    /// 415: neither `application/json` nor `multipart/form-data`.
    UnsupportedMediaType,
    /// 503: Redis or the object store cannot be reached.
    Unavailable,
    /// 500: anything else.
    Internal,
}

impl ErrorCode {
    /// The code as the JSON body shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed API request: its code and a message saying what is wrong and what to do. Never
/// holds a secret (tokens and hook secrets are not quoted back).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The kind, which decides the HTTP status.
    pub code: ErrorCode,
    /// For people.
    pub message: String,
}

impl ApiError {
    /// An error of `code` saying `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::BadRequest, message)
    }

    /// 401 (answered with `WWW-Authenticate: Bearer`).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unauthorized, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// 413.
    pub fn too_large(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::PayloadTooLarge, message)
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Internal, message)
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code.as_str(), "message": self.message } })
    }
}

impl From<FarmError> for ApiError {
    fn from(e: FarmError) -> Self {
        let code = match &e {
            FarmError::BadId(_) | FarmError::BadRequest(_) | FarmError::Profiles { .. } => {
                ErrorCode::BadRequest
            }
            FarmError::NotFound(_) => ErrorCode::NotFound,
            FarmError::Redis { .. } | FarmError::Storage(_) => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.code.status().is_server_error() {
            tracing::warn!("API error: {self}");
        }
        let mut response = (self.code.status(), axum::Json(self.body())).into_response();
        if self.code == ErrorCode::Unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"nativiweb\""),
            );
        }
        response
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Serving HTTP failed.
    #[error("serving HTTP on {addr}: {source}")]
    Serve {
        /// The listening address.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The API tokens file cannot be read or holds no token.
    #[error("API tokens {}: {message}", path.display())]
    Tokens {
        /// The file.
        path: PathBuf,
        /// What is wrong (never a token).
        message: String,
    },
    /// The GitHub hooks file is wrong; the message names the entry and field.
    #[error("GitHub hooks {}: {message}", path.display())]
    Github {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the secret).
        message: String,
    },
}
