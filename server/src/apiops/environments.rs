//! Environments: listed and created by system admins; a project's view of them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use deploy::environments::{self, NewEnvironment};
use deploy::model::EnvironmentNodes;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiResult, ErrorBody};
use super::reply::{list, one, ListReply, OneReply};
use super::ApiState;

#[utoipa::path(
    get,
    path = "/apiops/environments/",
    tag = "Environments",
    responses(
        (status = 200, body = ListReply<environments::Environment>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_environments(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ListReply<environments::Environment>>> {
    Ok(list(environments::list_environments(&s.cp, &actor).await?))
}

#[utoipa::path(
    post,
    path = "/apiops/environments/",
    tag = "Environments",
    request_body = NewEnvironment,
    responses(
        (status = 200, body = OneReply<environments::Environment>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_environment(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<NewEnvironment>,
) -> ApiResult<Json<OneReply<environments::Environment>>> {
    Ok(one(environments::create_environment(&s.cp, &actor, body).await?))
}

/// An environment as Apinizer lists it for a project.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectEnvironmentView {
    id: String,
    name: String,
    description: String,
    #[serde(rename = "type")]
    env_type: environments::EnvironmentType,
    status: &'static str,
    /// Apinizer's list says an empty string when none is set.
    access_url: String,
    deployed: bool,
    redeploy_required: bool,
}

#[utoipa::path(
    get,
    path = "/apiops/environments/{projectName}/",
    tag = "Environments",
    params(("projectName" = String, Path, description = "Project name")),
    responses(
        (status = 200, body = ListReply<ProjectEnvironmentView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn project_environments(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<ListReply<ProjectEnvironmentView>>> {
    let views = environments::project_environments(&s.cp, &actor, &project)
        .await?
        .into_iter()
        .map(|pe| ProjectEnvironmentView {
            id: pe.environment.id,
            name: pe.environment.name,
            description: pe.environment.description,
            env_type: pe.environment.env_type,
            status: "ACTIVE",
            access_url: pe.environment.access_url.unwrap_or_default(),
            deployed: pe.deployed,
            redeploy_required: pe.redeploy_required,
        })
        .collect();
    Ok(list(views))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct NodesWait {
    /// Wait up to this many seconds (at most 300) until every connected node serves what is live; the
    /// answer is 409 if they do not by then.
    wait_seconds: Option<u64>,
}

/// The most a pipeline may wait in one request.
const MAX_WAIT_SECONDS: u64 = 300;

#[utoipa::path(
    get,
    path = "/apiops/environments/{projectName}/{environmentName}/nodes/",
    tag = "Environments",
    params(
        ("projectName" = String, Path, description = "The project"),
        ("environmentName" = String, Path, description = "An environment the project uses"),
        NodesWait,
    ),
    responses(
        (status = 200, description = "The environment's gateway nodes, and whether all connected ones serve what is live", body = OneReply<EnvironmentNodes>),
        (status = 409, description = "Waited, and some connected node still serves something else", body = OneReply<EnvironmentNodes>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn environment_nodes(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((project, environment)): Path<(String, String)>,
    Query(wait): Query<NodesWait>,
) -> ApiResult<axum::response::Response> {
    let Some(seconds) = wait.wait_seconds else {
        let nodes = deploy::nodes::environment_nodes(&s.cp, &actor, &project, &environment).await?;
        return Ok(one(nodes).into_response());
    };
    if seconds > MAX_WAIT_SECONDS {
        return Err(super::error::ApiError::BadRequest(format!(
            "waitSeconds must be at most {MAX_WAIT_SECONDS}"
        )));
    }
    let timeout = std::time::Duration::from_secs(seconds);
    let nodes = deploy::nodes::wait_until_in_sync(&s.cp, &actor, &project, &environment, timeout).await?;
    let status = if nodes.in_sync {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, one(nodes)).into_response())
}
