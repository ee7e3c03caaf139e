//! Bearer-token authentication for the APIOps REST API.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use deploy::{Actor, Channel};

use super::error::ApiError;
use super::ApiState;

/// The caller, authenticated by `Authorization: Bearer <personal access token>`.
pub struct Caller(pub Actor);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        let user = deploy::tokens::authenticate(&state.cp, token).await?;
        Ok(Caller(Actor::new(user, Channel::Api)))
    }
}
