//! `POST /v2/{project_id}/apigw/instances/{instance_id}/apis/publish?action=online|offline`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use deploy::publish::{self, codes, PublishAction, PublishError, PublishRequest, PublishResult};
use deploy::{Actor, Channel, Error};
use serde::Serialize;

use super::ApigState;

/// An error answer: its status and the `APIG.xxxx` body.
#[derive(Debug)]
pub struct ApigError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApigErrorBody {
    error_code: String,
    error_msg: String,
}

/// This door's shape for a method the path does not take: only POST publishes.
pub async fn method_not_allowed(method: axum::http::Method) -> ApigError {
    ApigError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: codes::INVALID_PARAMETER,
        message: format!("The publish API accepts POST, not {method}."),
    }
}

impl IntoResponse for ApigError {
    fn into_response(self) -> Response {
        let body = ApigErrorBody {
            error_code: self.code.into(),
            error_msg: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<PublishError> for ApigError {
    fn from(e: PublishError) -> Self {
        let (status, message) = match e.error {
            Error::Invalid(m) | Error::Conflict(m) | Error::NotFound(m) => (StatusCode::BAD_REQUEST, m),
            Error::Violation(v) => (StatusCode::BAD_REQUEST, v.to_string()),
            Error::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            Error::BadCredentials | Error::TooManyAttempts { .. } => return unauthorized(),
            Error::Internal(detail) => {
                tracing::error!(%detail, "publish request failed");
                return system_error();
            }
        };
        Self {
            status,
            code: e.code,
            message,
        }
    }
}

fn unauthorized() -> ApigError {
    ApigError {
        status: StatusCode::UNAUTHORIZED,
        code: codes::TOKEN,
        message: "Incorrect token or token resolution failed".into(),
    }
}

fn system_error() -> ApigError {
    ApigError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: codes::SYSTEM,
        message: "System error".into(),
    }
}

fn invalid(message: String) -> ApigError {
    ApigError {
        status: StatusCode::BAD_REQUEST,
        code: codes::INVALID_PARAMETER,
        message,
    }
}

async fn caller(s: &ApigState, headers: &HeaderMap) -> Result<Actor, ApigError> {
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthorized)?;
    match deploy::tokens::authenticate(&s.cp, token).await {
        Ok(user) => Ok(Actor::new(user, Channel::Api)),
        Err(Error::Internal(detail)) => {
            tracing::error!(%detail, "token check failed");
            Err(system_error())
        }
        Err(_) => Err(unauthorized()),
    }
}

/// The 200 body: `{"success": [...], "failure": [...]}`.
pub type PublishReply = PublishResult;

#[utoipa::path(
    post,
    path = "/v2/{project_id}/apigw/instances/{instance_id}/apis/publish",
    tag = "Batch publish",
    description = "Publish APIs to an environment (action=online) or take them offline (action=offline). \
        Each API succeeds or fails on its own. Ids are the 32-hex ids the APIOps listings show; instance_id is \
        GET /apiops/gateway/'s id; env_id DEFAULT_ENVIRONMENT_RELEASE_ID names the project's first PRODUCTION \
        environment. When apis is given, group_id only has to name an existing group. Error codes: APIG.1002 \
        bad token, APIG.1005 no permission (or no such project), APIG.2011 invalid parameter, APIG.3001 group \
        not found, APIG.3002 API not found, APIG.3003 environment not found, APIG.3030 other gateway, APIG.3805 \
        environment not in the API's deploy list, APIG.3806 API not published there, APIG.9999 system error.",
    params(
        ("project_id" = String, Path, description = "Project id"),
        ("instance_id" = String, Path, description = "Gateway id"),
        ("action" = String, Query, description = "online or offline"),
    ),
    request_body = PublishRequest,
    responses(
        (status = 200, body = PublishReply),
        (status = 400, body = ApigErrorBody), (status = 401, body = ApigErrorBody),
        (status = 403, body = ApigErrorBody), (status = 500, body = ApigErrorBody),
    ),
    security(("x_auth_token" = [])),
)]
pub async fn publish(
    State(s): State<ApigState>,
    Path((project_id, instance_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PublishReply>, ApigError> {
    let actor = caller(&s, &headers).await?;
    let body = body.map_err(|e| {
        invalid(format!(
            "Invalid parameter value: request body could not be read: {}",
            e.body_text()
        ))
    })?;
    let action = PublishAction::parse(query.get("action").map(String::as_str))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(
            "Invalid parameter value: request body can not be empty".into(),
        ));
    }
    let request: PublishRequest = serde_json::from_slice(&body)
        .map_err(|e| invalid(format!("Invalid parameter value: request body is not valid: {e}")))?;
    Ok(Json(
        publish::publish(&s.cp, &actor, &project_id, &instance_id, action, request).await?,
    ))
}
