//! Projects, their members, settings, environments and audit log.

use axum::extract::{Path, Query, State};
use axum::Json;
use deploy::access::{self, Permission};
use deploy::{audit, environments, projects};
use serde::Deserialize;

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::reply::{done, list, one, Done, ListReply, OneReply};
use super::ApiState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewProject {
    name: String,
    #[serde(default)]
    description: String,
}

#[utoipa::path(
    get,
    path = "/apiops/projects/",
    tag = "Projects",
    responses(
        (status = 200, body = ListReply<deploy::projects::Project>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_projects(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ListReply<deploy::projects::Project>>> {
    Ok(list(projects::list_projects(&s.cp, &actor).await?))
}

#[utoipa::path(
    post,
    path = "/apiops/projects/",
    tag = "Projects",
    request_body = NewProject,
    responses(
        (status = 200, body = OneReply<deploy::projects::Project>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_project(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<NewProject>,
) -> ApiResult<Json<OneReply<deploy::projects::Project>>> {
    Ok(one(projects::create_project(
        &s.cp,
        &actor,
        &body.name,
        &body.description,
    )
    .await?))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name")),
    responses(
        (status = 200, body = OneReply<deploy::projects::Project>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn get_project(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
) -> ApiResult<Json<OneReply<deploy::projects::Project>>> {
    Ok(one(projects::get_project(&s.cp, &actor, &p).await?))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/members/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name")),
    responses(
        (status = 200, body = ListReply<deploy::access::Member>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_members(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
) -> ApiResult<Json<ListReply<deploy::access::Member>>> {
    Ok(list(access::list_members(&s.cp, &actor, &p).await?))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/members/{username}/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name"), ("username" = String, Path, description = "Member username")),
    responses(
        (status = 200, body = OneReply<deploy::access::Member>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn get_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, username)): Path<(String, String)>,
) -> ApiResult<Json<OneReply<deploy::access::Member>>> {
    Ok(one(access::get_member(&s.cp, &actor, &p, &username).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberBody {
    #[serde(default)]
    project_admin: bool,
    #[serde(default)]
    permissions: Vec<String>,
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/members/{username}/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name"), ("username" = String, Path, description = "Member username")),
    request_body = MemberBody,
    responses(
        (status = 200, body = OneReply<deploy::access::Member>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn put_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, username)): Path<(String, String)>,
    JsonBody(body): JsonBody<MemberBody>,
) -> ApiResult<Json<OneReply<deploy::access::Member>>> {
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
    Ok(one(access::set_member(
        &s.cp,
        &actor,
        &p,
        &username,
        body.project_admin,
        &permissions,
    )
    .await?))
}

#[utoipa::path(
    delete,
    path = "/apiops/projects/{projectName}/members/{username}/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name"), ("username" = String, Path, description = "Member username")),
    responses(
        (status = 200, body = Done),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn delete_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, username)): Path<(String, String)>,
) -> ApiResult<Json<Done>> {
    access::remove_member(&s.cp, &actor, &p, &username).await?;
    Ok(done())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    deploy_history_retention: i64,
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/settings/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name")),
    responses(
        (status = 200, body = OneReply<Settings>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn get_settings(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
) -> ApiResult<Json<OneReply<Settings>>> {
    let project = projects::get_project(&s.cp, &actor, &p).await?;
    Ok(one(Settings {
        deploy_history_retention: project.history_retention,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsBody {
    deploy_history_retention: i64,
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/settings/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name")),
    request_body = SettingsBody,
    responses(
        (status = 200, body = OneReply<Settings>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn put_settings(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    JsonBody(body): JsonBody<SettingsBody>,
) -> ApiResult<Json<OneReply<Settings>>> {
    let project = projects::set_history_retention(&s.cp, &actor, &p, body.deploy_history_retention).await?;
    Ok(one(Settings {
        deploy_history_retention: project.history_retention,
    }))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/audit/",
    tag = "Projects",
    params(("projectName" = String, Path, description = "Project name"), ("user" = Option<String>, Query, description = "Only this user's changes"), ("object" = Option<String>, Query, description = "Only changes to this object"), ("action" = Option<String>, Query, description = "Only this action, e.g. DEPLOY")),
    responses(
        (status = 200, body = ListReply<deploy::audit::AuditEntry>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn audit_log(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    Query(filter): Query<audit::AuditFilter>,
) -> ApiResult<Json<ListReply<deploy::audit::AuditEntry>>> {
    Ok(list(audit::project_log(&s.cp, &actor, &p, &filter, 500).await?))
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/environments/{environmentName}/",
    tag = "Environments",
    params(("projectName" = String, Path, description = "Project name"), ("environmentName" = String, Path, description = "Environment name")),
    responses(
        (status = 200, body = Done),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn assign_environment(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, env)): Path<(String, String)>,
) -> ApiResult<Json<Done>> {
    environments::assign_environment(&s.cp, &actor, &p, &env).await?;
    Ok(done())
}
