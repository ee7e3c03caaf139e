//! Environments: listed and created by system admins; a project's view of them.

use axum::extract::{Path, State};
use axum::Json;
use deploy::environments::{self, NewEnvironment};
use serde::Serialize;

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
            access_url: pe.environment.access_url,
            deployed: pe.deployed,
            redeploy_required: pe.redeploy_required,
        })
        .collect();
    Ok(list(views))
}
