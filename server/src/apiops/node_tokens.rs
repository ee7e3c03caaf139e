//! Gateway node tokens over REST, for system admins: issue one for an environment (shown once), list them
//! (hints only), revoke one.

use axum::extract::{Path, Query, State};
use axum::Json;
use deploy::node_tokens::{self, NodeTokenInfo};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiResult, ErrorBody};
use super::reply::{done, list, one, Done, ListReply, OneReply};
use super::ApiState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewNodeToken {
    /// The environment whose gateway nodes will present it.
    environment: String,
    /// A label to tell tokens apart, e.g. the host a node runs on.
    name: String,
}

/// A token as issued: the secret, shown this once, and what lists will show of it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedNodeToken {
    token: String,
    node_token: NodeTokenInfo,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct NodeTokenFilter {
    /// Only this environment's tokens.
    environment: Option<String>,
}

#[utoipa::path(
    post,
    path = "/apiops/node-tokens/",
    tag = "Environments",
    request_body = NewNodeToken,
    responses(
        (status = 200, body = OneReply<IssuedNodeToken>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_node_token(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<NewNodeToken>,
) -> ApiResult<Json<OneReply<IssuedNodeToken>>> {
    let (token, info) = node_tokens::create_node_token(&s.cp, &actor, &body.environment, &body.name).await?;
    Ok(one(IssuedNodeToken {
        token: token.expose().to_owned(),
        node_token: info,
    }))
}

#[utoipa::path(
    get,
    path = "/apiops/node-tokens/",
    tag = "Environments",
    params(NodeTokenFilter),
    responses(
        (status = 200, body = ListReply<NodeTokenInfo>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_node_tokens(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Query(filter): Query<NodeTokenFilter>,
) -> ApiResult<Json<ListReply<NodeTokenInfo>>> {
    Ok(list(
        node_tokens::list_node_tokens(&s.cp, &actor, filter.environment.as_deref()).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/apiops/node-tokens/{tokenId}/",
    tag = "Environments",
    params(("tokenId" = i64, Path, description = "The token's id, as listed")),
    responses(
        (status = 200, body = Done),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn revoke_node_token(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Done>> {
    node_tokens::revoke_node_token(&s.cp, &actor, id).await?;
    Ok(done())
}
