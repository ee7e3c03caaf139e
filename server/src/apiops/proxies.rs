//! API proxies and their deploy history.

use axum::extract::{Path, State};
use axum::Json;
use deploy::history;
use deploy::model::{ApiType, Cache, Cors, ProxySpec, Routing};
use deploy::proxies::{self, ApiProxy, LiveDeployment};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::reply::{done, list, one, Done, ListReply, OneReply};
use super::ApiState;

/// An API proxy as the REST API shows it: its configuration fields at the top level.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyView {
    id: String,
    name: String,
    #[serde(flatten)]
    spec: ProxySpec,
    deploy_list: Vec<String>,
    deployments: Vec<LiveDeployment>,
    created_at: String,
    updated_at: String,
}

impl From<ApiProxy> for ProxyView {
    fn from(p: ApiProxy) -> Self {
        Self {
            id: p.id,
            name: p.name,
            spec: p.spec,
            deploy_list: p.deploy_list,
            deployments: p.live,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The body of a create (with `name`) or a full update. Fields left out take their defaults; an update that
/// leaves out `deployList` keeps the current one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    api_type: ApiType,
    relative_path: String,
    #[serde(default)]
    routing: Routing,
    #[serde(default)]
    maintenance_mode: bool,
    #[serde(default)]
    cors: Cors,
    #[serde(default)]
    cache: Cache,
    #[serde(default)]
    deploy_list: Option<Vec<String>>,
}

impl ProxyBody {
    fn split(self) -> (Option<String>, ProxySpec, Option<Vec<String>>) {
        let spec = ProxySpec {
            description: self.description,
            api_type: self.api_type,
            relative_path: self.relative_path,
            routing: self.routing,
            maintenance_mode: self.maintenance_mode,
            cors: self.cors,
            cache: self.cache,
        };
        (self.name, spec, self.deploy_list)
    }
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxies/",
    tag = "API proxies",
    params(("projectName" = String, Path, description = "Project name")),
    responses(
        (status = 200, body = ListReply<ProxyView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_proxies(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
) -> ApiResult<Json<ListReply<ProxyView>>> {
    let all = proxies::list_proxies(&s.cp, &actor, &p).await?;
    Ok(list(all.into_iter().map(ProxyView::from).collect()))
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxies/",
    tag = "API proxies",
    params(("projectName" = String, Path, description = "Project name")),
    request_body = ProxyBody,
    responses(
        (status = 200, body = OneReply<ProxyView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    JsonBody(body): JsonBody<ProxyBody>,
) -> ApiResult<Json<OneReply<ProxyView>>> {
    let (name, spec, deploy_list) = body.split();
    let name = name.ok_or_else(|| ApiError::BadRequest("apiProxyName value can not be empty!".into()))?;
    let created =
        proxies::create_proxy(&s.cp, &actor, &p, &name, spec, &deploy_list.unwrap_or_default()).await?;
    Ok(one(ProxyView::from(created)))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/",
    tag = "API proxies",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    responses(
        (status = 200, body = OneReply<ProxyView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn get_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name)): Path<(String, String)>,
) -> ApiResult<Json<OneReply<ProxyView>>> {
    Ok(one(ProxyView::from(
        proxies::get_proxy(&s.cp, &actor, &p, &name).await?,
    )))
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/",
    tag = "API proxies",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    request_body = ProxyBody,
    responses(
        (status = 200, body = OneReply<ProxyView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn update_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<ProxyBody>,
) -> ApiResult<Json<OneReply<ProxyView>>> {
    let (renamed, spec, deploy_list) = body.split();
    if renamed.is_some_and(|n| n != name) {
        return Err(ApiError::BadRequest(
            "An API proxy can not be renamed; leave out name or repeat it.".into(),
        ));
    }
    let updated = proxies::update_proxy(&s.cp, &actor, &p, &name, spec, deploy_list.as_deref()).await?;
    Ok(one(ProxyView::from(updated)))
}

#[utoipa::path(
    delete,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/",
    tag = "API proxies",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    responses(
        (status = 200, body = Done),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn delete_proxy(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name)): Path<(String, String)>,
) -> ApiResult<Json<Done>> {
    proxies::delete_proxy(&s.cp, &actor, &p, &name).await?;
    Ok(done())
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/deploy-histories/",
    tag = "Deploy history",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    responses(
        (status = 200, body = ListReply<history::HistoryRecord>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn list_history(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name)): Path<(String, String)>,
) -> ApiResult<Json<ListReply<history::HistoryRecord>>> {
    Ok(list(history::list_history(&s.cp, &actor, &p, &name).await?))
}

pub(crate) fn parse_revision(text: &str) -> ApiResult<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|r| *r > 0)
        .ok_or_else(|| ApiError::BadRequest(format!("revision ({text}) must be a positive whole number!")))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/deploy-histories/{revision}/",
    tag = "Deploy history",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name"), ("revision" = i64, Path, description = "Deploy history revision")),
    responses(
        (status = 200, body = OneReply<history::HistoryRecord>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn get_history_record(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, revision)): Path<(String, String, String)>,
) -> ApiResult<Json<OneReply<history::HistoryRecord>>> {
    let revision = parse_revision(&revision)?;
    Ok(one(history::get_record(&s.cp, &actor, &p, &name, revision).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersistentBody {
    persistent: bool,
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/deploy-histories/{revision}/",
    tag = "Deploy history",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name"), ("revision" = i64, Path, description = "Deploy history revision")),
    request_body = PersistentBody,
    responses(
        (status = 200, body = OneReply<history::HistoryRecord>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn put_history_record(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, revision)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<PersistentBody>,
) -> ApiResult<Json<OneReply<history::HistoryRecord>>> {
    let revision = parse_revision(&revision)?;
    Ok(one(history::set_persistent(
        &s.cp,
        &actor,
        &p,
        &name,
        revision,
        body.persistent,
    )
    .await?))
}
