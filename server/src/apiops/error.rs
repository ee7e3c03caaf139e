//! The REST API's error answers, in the documented shapes: `{"error": ..., "error_description": ...}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// One variant per kind of answer, each with its status.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    /// The console's session is missing or over (the console's file transfers only).
    SignedOut,
    Forbidden(String),
    NotFound(String),
    /// The path exists, but not for this method.
    MethodNotAllowed(String),
    /// The caller holds too much at once (a node token's streams).
    TooMany(String),
    Internal,
}

/// Every error answer: a machine-readable kind and a sentence for the person reading it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// bad_request, unauthorized_client, access_denied, not_found, method_not_allowed or server_error.
    pub error: String,
    pub error_description: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, description) = match &self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.as_str()),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized_client", "Invalid token"),
            ApiError::SignedOut => (
                StatusCode::UNAUTHORIZED,
                "unauthorized_client",
                "Your session has ended. Please sign in again.",
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "access_denied", m.as_str()),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.as_str()),
            ApiError::MethodNotAllowed(m) => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", m.as_str())
            }
            ApiError::TooMany(m) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", m.as_str()),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal server error",
            ),
        };
        (
            status,
            Json(ErrorBody {
                error: error.into(),
                error_description: description.into(),
            }),
        )
            .into_response()
    }
}

impl From<deploy::Error> for ApiError {
    fn from(e: deploy::Error) -> Self {
        use deploy::Error as E;
        match e {
            E::Invalid(m) | E::Conflict(m) => ApiError::BadRequest(m),
            E::Violation(v) => ApiError::BadRequest(v.to_string()),
            E::NotFound(m) => ApiError::NotFound(m),
            E::Forbidden(m) => ApiError::Forbidden(m),
            E::BadCredentials => ApiError::Unauthorized,
            // Only console sign-in is limited; the REST API has no password door, so this is not expected here.
            E::TooManyAttempts { .. } => ApiError::Unauthorized,
            E::Internal(detail) => {
                // The detail goes to the log only; the caller learns nothing of the inside.
                tracing::error!(%detail, "APIOps request failed");
                ApiError::Internal
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
