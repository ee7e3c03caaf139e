//! Rollback to a deploy history revision (with a dry run), and the diff that shows what it changes.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use deploy::rollback::{self, ConfigDiff, RollbackPreview};
use serde::Serialize;

use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::proxies::parse_revision;
use super::reply::{one, OneReply};
use super::ApiState;

/// `{"status": "SUCCESS", "resultMessage": ...}`, as the rollback document shows it; a dry run adds what
/// the rollback would change.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RollbackReply {
    status: &'static str,
    result_message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<RollbackPreview>,
}

fn flag(query: &HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match query.get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" || v.is_empty() => Ok(false),
        Some(v) => Err(ApiError::BadRequest(format!(
            "{name} ({v}) must be true or false!"
        ))),
    }
}

fn text<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/deploy-histories/{revision}/rollback/",
    tag = "Deploy history",
    params(
        ("projectName" = String, Path, description = "Project name"),
        ("apiProxyName" = String, Path, description = "API proxy name"),
        ("revision" = i64, Path, description = "Deploy history revision to roll back to"),
        ("environmentName" = Option<String>, Query, description = "Deploy the restored configuration to this environment"),
        ("dryRun" = Option<bool>, Query, description = "Answer what the rollback would change, changing nothing"),
    ),
    responses(
        (status = 200, body = RollbackReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn rollback(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, revision)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<RollbackReply>> {
    let revision = parse_revision(&revision)?;
    let environment = text(&query, "environmentName");
    if flag(&query, "dryRun")? {
        let preview = rollback::preview_rollback(&s.cp, &actor, &p, &name, revision, environment).await?;
        return Ok(Json(RollbackReply {
            status: "SUCCESS",
            result_message: format!(
                "Dry run: rolling back to deploy history revision ({revision}) would change {} field(s); nothing was changed.",
                preview.changes.len()
            ),
            dry_run: Some(true),
            preview: Some(preview),
        }));
    }
    let outcome = rollback::rollback(&s.cp, &actor, &p, &name, revision, environment).await?;
    Ok(Json(RollbackReply {
        status: "SUCCESS",
        result_message: outcome.message(),
        dry_run: None,
        preview: None,
    }))
}

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/deploy-histories/{revision}/diff/",
    tag = "Deploy history",
    params(
        ("projectName" = String, Path, description = "Project name"),
        ("apiProxyName" = String, Path, description = "API proxy name"),
        ("revision" = i64, Path, description = "Deploy history revision"),
        ("against" = Option<i64>, Query, description = "Compare with this revision instead of the current configuration"),
    ),
    responses(
        (status = 200, body = OneReply<ConfigDiff>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn diff(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name, revision)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<OneReply<ConfigDiff>>> {
    let revision = parse_revision(&revision)?;
    let against = text(&query, "against").map(parse_revision).transpose()?;
    Ok(one(rollback::diff_revision(
        &s.cp, &actor, &p, &name, revision, against,
    )
    .await?))
}
