//! Environments: listed and created by system admins; a project's view of them.

use axum::extract::{Path, State};
use axum::Json;
use deploy::environments::{self, NewEnvironment};
use serde::Serialize;
use serde_json::Value;

use super::auth::Caller;
use super::body::JsonBody;
use super::error::ApiResult;
use super::reply::{list, one};
use super::ApiState;

pub async fn list_environments(State(s): State<ApiState>, Caller(actor): Caller) -> ApiResult<Json<Value>> {
    Ok(list(environments::list_environments(&s.cp, &actor).await?))
}

pub async fn create_environment(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<NewEnvironment>,
) -> ApiResult<Json<Value>> {
    Ok(one(environments::create_environment(&s.cp, &actor, body).await?))
}

/// An environment as Apinizer lists it for a project.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectEnvironmentView {
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

pub async fn project_environments(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<Value>> {
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
