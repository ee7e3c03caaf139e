//! Projects, their members, settings, environments and audit log.

use axum::extract::{Path, Query, State};
use axum::Json;
use deploy::access::{self, Permission};
use deploy::{audit, environments, projects};
use serde::Deserialize;
use serde_json::Value;

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use super::reply::{done, list, one};
use super::ApiState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewProject {
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn list_projects(State(s): State<ApiState>, Caller(actor): Caller) -> ApiResult<Json<Value>> {
    Ok(list(projects::list_projects(&s.cp, &actor).await?))
}

pub async fn create_project(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<NewProject>,
) -> ApiResult<Json<Value>> {
    Ok(one(projects::create_project(&s.cp, &actor, &body.name, &body.description).await?))
}

pub async fn get_project(State(s): State<ApiState>, Caller(actor): Caller, Path(p): Path<String>) -> ApiResult<Json<Value>> {
    Ok(one(projects::get_project(&s.cp, &actor, &p).await?))
}

pub async fn list_members(State(s): State<ApiState>, Caller(actor): Caller, Path(p): Path<String>) -> ApiResult<Json<Value>> {
    Ok(list(access::list_members(&s.cp, &actor, &p).await?))
}

pub async fn get_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, username)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    Ok(one(access::get_member(&s.cp, &actor, &p, &username).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberBody {
    #[serde(default)]
    project_admin: bool,
    #[serde(default)]
    permissions: Vec<String>,
}

pub async fn put_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, username)): Path<(String, String)>,
    JsonBody(body): JsonBody<MemberBody>,
) -> ApiResult<Json<Value>> {
    let permissions = body
        .permissions
        .iter()
        .map(|text| {
            Permission::parse(text).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "Unknown permission ({text}); use VIEW, MANAGE, DEPLOY_UNDEPLOY or EXPORT_IMPORT."
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(one(access::set_member(&s.cp, &actor, &p, &username, body.project_admin, &permissions).await?))
}

pub async fn delete_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, username)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    access::remove_member(&s.cp, &actor, &p, &username).await?;
    Ok(done())
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    deploy_history_retention: i64,
}

pub async fn get_settings(State(s): State<ApiState>, Caller(actor): Caller, Path(p): Path<String>) -> ApiResult<Json<Value>> {
    let project = projects::get_project(&s.cp, &actor, &p).await?;
    Ok(one(Settings { deploy_history_retention: project.history_retention }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsBody {
    deploy_history_retention: i64,
}

pub async fn put_settings(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    JsonBody(body): JsonBody<SettingsBody>,
) -> ApiResult<Json<Value>> {
    let project = projects::set_history_retention(&s.cp, &actor, &p, body.deploy_history_retention).await?;
    Ok(one(Settings { deploy_history_retention: project.history_retention }))
}

pub async fn audit_log(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    Query(filter): Query<audit::AuditFilter>,
) -> ApiResult<Json<Value>> {
    Ok(list(audit::project_log(&s.cp, &actor, &p, &filter, 500).await?))
}

pub async fn assign_environment(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, env)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    environments::assign_environment(&s.cp, &actor, &p, &env).await?;
    Ok(done())
}
