//! This installation's gateway, as the cloud-style publish API names it (`instance_id`).

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::auth::Caller;
use super::error::{ApiResult, ErrorBody};
use super::reply::{one, OneReply};
use super::ApiState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Gateway {
    /// The `instance_id` of `/v2/{project_id}/apigw/instances/{instance_id}/apis/publish`.
    id: String,
}

#[utoipa::path(
    get,
    path = "/apiops/gateway/",
    tag = "Environments",
    responses(
        (status = 200, body = OneReply<Gateway>),
        (status = 401, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn gateway(State(s): State<ApiState>, Caller(_): Caller) -> ApiResult<Json<OneReply<Gateway>>> {
    Ok(one(Gateway {
        id: deploy::publish::gateway_id(&s.cp).await?,
    }))
}
