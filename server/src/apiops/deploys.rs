//! Deploy and undeploy, of a group or of one proxy: `{"success": true, "deploymentResult": {...}}`.

use axum::extract::{Path, State};
use axum::Json;
use deploy::deployments::{self, DeployOptions, DeploymentResult};
use serde_json::{json, Value};

use super::auth::Caller;
use super::body::OptionalJson;
use super::error::ApiResult;
use super::ApiState;

fn answer(result: DeploymentResult) -> Json<Value> {
    Json(json!({ "success": true, "deploymentResult": result }))
}

pub async fn deploy_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<Value>> {
    Ok(answer(deployments::deploy_group(&s.cp, &actor, &p, &g, &env, &options).await?))
}

pub async fn undeploy_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<Value>> {
    Ok(answer(deployments::undeploy_group(&s.cp, &actor, &p, &g, &env, &options).await?))
}

pub async fn deploy_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<Value>> {
    Ok(answer(deployments::deploy_proxy(&s.cp, &actor, &p, &name, &env, &options).await?))
}

pub async fn undeploy_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, env)): Path<(String, String, String)>,
    OptionalJson(options): OptionalJson<DeployOptions>,
) -> ApiResult<Json<Value>> {
    Ok(answer(deployments::undeploy_proxy(&s.cp, &actor, &p, &name, &env, &options).await?))
}
