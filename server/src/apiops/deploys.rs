//! Deploy and undeploy, of a group or of one proxy: `{"success": true, "deploymentResult": {...}}`.

use axum::extract::{Path, State};
use axum::Json;
use deploy::deployments::{self, DeployOptions, DeploymentResult};

use super::auth::Caller;
use super::body::OptionalJson;
use super::error::{ApiResult, ErrorBody};
use super::reply::DeployReply;
use super::ApiState;

fn answer(result: DeploymentResult) -> Json<DeployReply> {
    Json(DeployReply {
        success: true,
        deployment_result: result,
    })
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/environments/{environmentName}/",
    tag = "Deploy",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name"), ("environmentName" = String, Path, description = "Environment name")),
    request_body(content = Option<DeployOptions>, description = "Optional; when left out, the defaults apply"),
    responses(
        (status = 200, body = DeployReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn deploy_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<DeployReply>> {
    Ok(answer(
        deployments::deploy_group(&s.cp, &actor, &p, &g, &env, &options).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/environments/{environmentName}/",
    tag = "Deploy",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name"), ("environmentName" = String, Path, description = "Environment name")),
    request_body(content = Option<DeployOptions>, description = "Optional; when left out, the defaults apply"),
    responses(
        (status = 200, body = DeployReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn undeploy_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<DeployReply>> {
    Ok(answer(
        deployments::undeploy_group(&s.cp, &actor, &p, &g, &env, &options).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/environments/{environmentName}/",
    tag = "Deploy",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name"), ("environmentName" = String, Path, description = "Environment name")),
    request_body(content = Option<DeployOptions>, description = "Optional; when left out, the defaults apply"),
    responses(
        (status = 200, body = DeployReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn deploy_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<DeployReply>> {
    Ok(answer(
        deployments::deploy_proxy(&s.cp, &actor, &p, &name, &env, &options).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/environments/{environmentName}/",
    tag = "Deploy",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name"), ("environmentName" = String, Path, description = "Environment name")),
    request_body(content = Option<DeployOptions>, description = "Optional; when left out, the defaults apply"),
    responses(
        (status = 200, body = DeployReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn undeploy_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<DeployReply>> {
    Ok(answer(
        deployments::undeploy_proxy(&s.cp, &actor, &p, &name, &env, &options).await?,
    ))
}
