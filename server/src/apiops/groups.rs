//! API proxy groups and their members.

use axum::extract::{Path, State};
use axum::Json;
use deploy::groups::{self, ApiProxyGroup};
use deploy::model::GroupSpec;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::reply::{done, list, one, Done, ListReply, OneReply};
use super::ApiState;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    id: String,
    name: String,
    #[serde(flatten)]
    spec: GroupSpec,
    api_proxies: Vec<String>,
    created_at: String,
    updated_at: String,
}

impl From<ApiProxyGroup> for GroupView {
    fn from(g: ApiProxyGroup) -> Self {
        Self {
            id: g.id,
            name: g.name,
            spec: g.spec,
            api_proxies: g.members,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    client_route: deploy::model::ClientRoute,
    #[serde(default)]
    cors: deploy::model::Cors,
    #[serde(default)]
    cache: deploy::model::Cache,
    #[serde(default)]
    api_proxies: Vec<String>,
}

impl GroupBody {
    fn spec(&self) -> GroupSpec {
        GroupSpec {
            description: self.description.clone(),
            client_route: self.client_route.clone(),
            cors: self.cors.clone(),
            cache: self.cache.clone(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxyGroups/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name")),
    responses(
        (status = 200, body = ListReply<GroupView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_groups(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
) -> ApiResult<Json<ListReply<GroupView>>> {
    let all = groups::list_groups(&s.cp, &actor, &p).await?;
    Ok(list(all.into_iter().map(GroupView::from).collect()))
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxyGroups/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name")),
    request_body = GroupBody,
    responses(
        (status = 200, body = OneReply<GroupView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    JsonBody(body): JsonBody<GroupBody>,
) -> ApiResult<Json<OneReply<GroupView>>> {
    let name = body
        .name
        .clone()
        .ok_or_else(|| ApiError::BadRequest("apiProxyGroupName value can not be empty!".into()))?;
    let created = groups::create_group(&s.cp, &actor, &p, &name, body.spec(), &body.api_proxies).await?;
    Ok(one(GroupView::from(created)))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name")),
    responses(
        (status = 200, body = OneReply<GroupView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn get_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g)): Path<(String, String)>,
) -> ApiResult<Json<OneReply<GroupView>>> {
    Ok(one(GroupView::from(
        groups::get_group(&s.cp, &actor, &p, &g).await?,
    )))
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name")),
    request_body = GroupBody,
    responses(
        (status = 200, body = OneReply<GroupView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn update_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g)): Path<(String, String)>,
    JsonBody(body): JsonBody<GroupBody>,
) -> ApiResult<Json<OneReply<GroupView>>> {
    if body.name.as_ref().is_some_and(|n| *n != g) {
        return Err(ApiError::BadRequest(
            "A group can not be renamed; leave out name or repeat it.".into(),
        ));
    }
    Ok(one(GroupView::from(
        groups::update_group(&s.cp, &actor, &p, &g, body.spec()).await?,
    )))
}

#[utoipa::path(
    delete,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name")),
    responses(
        (status = 200, body = Done),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn delete_group(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g)): Path<(String, String)>,
) -> ApiResult<Json<Done>> {
    groups::delete_group(&s.cp, &actor, &p, &g).await?;
    Ok(done())
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/apiProxies/{apiProxyName}/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    responses(
        (status = 200, body = OneReply<GroupView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn add_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g, name)): Path<(String, String, String)>,
) -> ApiResult<Json<OneReply<GroupView>>> {
    Ok(one(GroupView::from(
        groups::add_member(&s.cp, &actor, &p, &g, &name).await?,
    )))
}

#[utoipa::path(
    delete,
    path = "/apiops/projects/{projectName}/apiProxyGroups/{apiProxyGroupName}/apiProxies/{apiProxyName}/",
    tag = "API proxy groups",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyGroupName" = String, Path, description = "API proxy group name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    responses(
        (status = 200, body = OneReply<GroupView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn remove_member(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, g, name)): Path<(String, String, String)>,
) -> ApiResult<Json<OneReply<GroupView>>> {
    Ok(one(GroupView::from(
        groups::remove_member(&s.cp, &actor, &p, &g, &name).await?,
    )))
}
