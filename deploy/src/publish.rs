//! Publishing many APIs to an environment, or taking them offline, in one request: the cloud API gateway
//! form of deploy and undeploy (`POST /v2/{project_id}/apigw/instances/{instance_id}/apis/publish`).
//!
//! Projects, APIs (API proxies), groups and environments are named by their stable ids. Each API succeeds
//! or fails on its own; the ones that succeed are deployed (or undeployed) exactly as a deploy would, with
//! a history record each, all in one transaction.

use std::collections::HashMap;

use crate::db::{Backend, Conn, Flag};

use crate::model::Action;
use crate::model::DeployOptions;
use crate::model::Permission;
use crate::model::{from_json, to_json, GroupSnapshot, GroupSpec, ProxySpec, Snapshot};
use crate::rows::{authorize_on, Need, ProjectKey};
use crate::steps::{make_live, not_allowed, not_live, undeploy_one, LiveGroup, Step};
use crate::{ids, Actor, ControlPlane, Error, Result};

pub use crate::model::{PublishFailure, PublishRequest, PublishResult, Published};

pub const MAX_APIS: usize = 1000;
pub const MAX_REMARK: usize = 255;
/// The id the cloud gateways give their default release environment; here it names the project's first
/// PRODUCTION environment, so requests written for them work unchanged.
pub const DEFAULT_RELEASE_ENVIRONMENT: &str = "DEFAULT_ENVIRONMENT_RELEASE_ID";
pub const DEFAULT_PUBLISH_REMARK: &str = "Published by APIG Api";
pub const DEFAULT_OFFLINE_REMARK: &str = "Taken offline by APIG Api";

/// The error codes this API answers with, in the `APIG.xxxx` form the cloud gateways use.
pub mod codes {
    pub const TOKEN: &str = "APIG.1002";
    pub const NO_PERMISSION: &str = "APIG.1005";
    pub const INVALID_PARAMETER: &str = "APIG.2011";
    pub const GROUP_NOT_FOUND: &str = "APIG.3001";
    pub const API_NOT_FOUND: &str = "APIG.3002";
    pub const ENVIRONMENT_NOT_FOUND: &str = "APIG.3003";
    pub const INSTANCE_NOT_FOUND: &str = "APIG.3030";
    /// The environment is not in the API's deploy list.
    pub const NOT_IN_DEPLOY_LIST: &str = "APIG.3805";
    /// Taking offline an API that is not published in the environment.
    pub const NOT_PUBLISHED: &str = "APIG.3806";
    /// The API cannot go live there: its path overlaps another live API's, or a backend address is refused.
    pub const NOT_DEPLOYABLE: &str = "APIG.3807";
    pub const SYSTEM: &str = "APIG.9999";
}

/// A refused request: its code, and the domain error that says which answer (400, 401, 403, 500) it is.
#[derive(Debug)]
pub struct PublishError {
    pub code: &'static str,
    pub error: Error,
}

impl PublishError {
    fn new(code: &'static str, error: Error) -> Self {
        Self { code, error }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMETER, Error::Invalid(message.into()))
    }
}

impl From<Error> for PublishError {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::Invalid(_) | Error::Violation(_) | Error::Conflict(_) => codes::INVALID_PARAMETER,
            Error::NotFound(_) | Error::Forbidden(_) => codes::NO_PERMISSION,
            Error::BadCredentials | Error::TooManyAttempts { .. } => codes::TOKEN,
            Error::Internal(_) => codes::SYSTEM,
        };
        Self { code, error }
    }
}

impl From<sqlx::Error> for PublishError {
    fn from(e: sqlx::Error) -> Self {
        Error::from(e).into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishAction {
    Online,
    Offline,
}

impl PublishAction {
    pub fn parse(text: Option<&str>) -> std::result::Result<Self, PublishError> {
        match text {
            Some("online") => Ok(PublishAction::Online),
            Some("offline") => Ok(PublishAction::Offline),
            // Worded, escapes included, exactly as the cloud document shows it.
            _ => Err(PublishError::invalid(
                r#"Invalid parameter value: parameter action should be \"online\" or \"offline\""#,
            )),
        }
    }
}

/// This installation's gateway id, the `instance_id` of the publish path.
pub async fn gateway_id(cp: &ControlPlane) -> Result<String> {
    let mut conn = cp.pool().acquire().await?;
    read_gateway_id(&mut conn).await
}

async fn read_gateway_id(conn: &mut Conn) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT value FROM installation WHERE key = 'gateway_id'")
            .fetch_one(conn)
            .await?,
    )
}

struct Checked {
    env_id: String,
    apis: Option<Vec<String>>,
    group_id: Option<String>,
    remark: Option<String>,
}

fn check(request: PublishRequest) -> std::result::Result<Checked, PublishError> {
    let env_id = request
        .env_id
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| PublishError::invalid("Invalid parameter value: parameter env_id is required"))?;
    let remark = request.remark.filter(|r| !r.trim().is_empty());
    if remark.as_ref().is_some_and(|r| r.chars().count() > MAX_REMARK) {
        return Err(PublishError::invalid(format!(
            "Invalid parameter value: parameter remark cannot exceed {MAX_REMARK} characters"
        )));
    }
    let apis = request.apis.filter(|a| !a.is_empty());
    if apis.as_ref().is_some_and(|a| a.len() > MAX_APIS) {
        return Err(PublishError::invalid(format!(
            "Invalid parameter value: parameter apis can hold at most {MAX_APIS} API ids"
        )));
    }
    let group_id = request
        .group_id
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());
    if apis.is_none() && group_id.is_none() {
        return Err(PublishError::invalid(
            "Invalid parameter value: either apis or group_id must be specified",
        ));
    }
    Ok(Checked {
        env_id,
        apis,
        group_id,
        remark,
    })
}

/// An API as a publish sees it: ids, name, configuration, whether the environment is in its deploy list,
/// and what of it is live there.
#[derive(sqlx::FromRow)]
struct Candidate {
    public_id: String,
    id: i64,
    name: String,
    config: String,
    #[sqlx(try_from = "Flag")]
    allowed: bool,
    live: Option<String>,
}

async fn candidates(
    conn: &mut Conn,
    project_id: i64,
    env_id: i64,
    api_ids: &[String],
) -> Result<HashMap<String, Candidate>> {
    let wanted = serde_json::to_string(api_ids).map_err(Error::internal)?;
    let rows: Vec<Candidate> = sqlx::query_as(Backend::of(conn).pick(
        "SELECT a.public_id, a.id, a.name, a.config,
            EXISTS (SELECT 1 FROM proxy_deploy_targets t WHERE t.proxy_id = a.id AND t.environment_id = $2)
                AS allowed,
            (SELECT d.snapshot FROM deployments d WHERE d.proxy_id = a.id AND d.environment_id = $2) AS live
         FROM api_proxies a WHERE a.project_id = $1 AND a.public_id IN (SELECT value FROM json_each($3))",
        "SELECT a.public_id, a.id, a.name, a.config,
            EXISTS (SELECT 1 FROM proxy_deploy_targets t WHERE t.proxy_id = a.id AND t.environment_id = $2)
                AS allowed,
            (SELECT d.snapshot FROM deployments d WHERE d.proxy_id = a.id AND d.environment_id = $2) AS live
         FROM api_proxies a WHERE a.project_id = $1 AND a.public_id IN (SELECT json_array_elements_text($3::json))",
    ))
    .bind(project_id)
    .bind(env_id)
    .bind(wanted)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|c| (c.public_id.clone(), c)).collect())
}

/// The environment an `env_id` names in the project.
async fn find_environment(
    conn: &mut Conn,
    project_id: i64,
    env_id: &str,
) -> std::result::Result<(i64, String), PublishError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT e.id, e.name FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 AND (e.public_id = $2 OR ($2 = $3 AND e.env_type = 'PRODUCTION'))
         ORDER BY e.id LIMIT 1",
    )
    .bind(project_id)
    .bind(env_id)
    .bind(DEFAULT_RELEASE_ENVIRONMENT)
    .fetch_optional(conn)
    .await?;
    row.ok_or_else(|| {
        PublishError::new(
            codes::ENVIRONMENT_NOT_FOUND,
            Error::Invalid(format!("Environment {env_id} not found")),
        )
    })
}

struct GroupFound {
    name: String,
    spec: GroupSpec,
    members: Vec<String>,
}

async fn find_group(
    conn: &mut Conn,
    project_id: i64,
    group_id: &str,
) -> std::result::Result<GroupFound, PublishError> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, config FROM api_proxy_groups WHERE project_id = $1 AND public_id = $2",
    )
    .bind(project_id)
    .bind(group_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (id, name, config) = row.ok_or_else(|| {
        PublishError::new(
            codes::GROUP_NOT_FOUND,
            Error::Invalid(format!("Api group {group_id} not found")),
        )
    })?;
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT a.public_id FROM group_members g JOIN api_proxies a ON a.id = g.proxy_id
         WHERE g.group_id = $1 ORDER BY a.name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(GroupFound {
        name,
        spec: from_json(&config)?,
        members,
    })
}

/// Publishes (`Online`) or takes offline (`Offline`) the APIs named, in the environment named.
pub async fn publish(
    cp: &ControlPlane,
    actor: &Actor,
    project_id: &str,
    instance_id: &str,
    action: PublishAction,
    request: PublishRequest,
) -> std::result::Result<PublishResult, PublishError> {
    let checked = check(request)?;
    let mut tx = cp.begin_write().await?;
    if read_gateway_id(&mut tx).await? != instance_id {
        return Err(PublishError::new(
            codes::INSTANCE_NOT_FOUND,
            Error::Invalid("The instance does not exist".into()),
        ));
    }
    let need = Need::Permission(Permission::DeployUndeploy);
    let p = authorize_on(&mut tx, actor, ProjectKey::PublicId(project_id), need)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) | Error::Forbidden(_) => PublishError::new(
                codes::NO_PERMISSION,
                Error::Forbidden("No permissions to request this method".into()),
            ),
            other => other.into(),
        })?;
    let (env_id, env_name) = find_environment(&mut tx, p.id, &checked.env_id).await?;
    let group = match &checked.group_id {
        Some(id) => Some(find_group(&mut tx, p.id, id).await?),
        None => None,
    };
    let mut api_ids: Vec<String> = match (&checked.apis, &group) {
        (Some(apis), _) => apis.iter().map(|a| a.trim().to_owned()).collect(),
        (None, Some(g)) => g.members.clone(),
        (None, None) => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    api_ids.retain(|id| seen.insert(id.clone()));
    let found = candidates(&mut tx, p.id, env_id, &api_ids).await?;
    // The group travels with its members only when the group is what was published.
    let group_snapshot = match (&checked.apis, &group) {
        (None, Some(g)) => Some(GroupSnapshot {
            name: g.name.clone(),
            settings: g.spec.clone(),
        }),
        _ => None,
    };
    let remark = checked.remark.clone().unwrap_or_default();
    let description = checked.remark.as_deref().unwrap_or(match action {
        PublishAction::Online => DEFAULT_PUBLISH_REMARK,
        PublishAction::Offline => DEFAULT_OFFLINE_REMARK,
    });
    let options = DeployOptions::default();
    let step = Step {
        actor,
        project: &p,
        environment: Some((env_id, &env_name)),
        description,
        options: &options,
        backends: cp.backends(),
        keep_revision: None,
    };
    let mut result = PublishResult::default();
    for api_id in &api_ids {
        let Some(c) = found.get(api_id) else {
            result.failure.push(PublishFailure {
                api_id: api_id.clone(),
                api_name: None,
                error_code: codes::API_NOT_FOUND.into(),
                error_msg: format!("Api {api_id} not found"),
            });
            continue;
        };
        let refused = |code: &str, msg: String| PublishFailure {
            api_id: api_id.clone(),
            api_name: Some(c.name.clone()),
            error_code: code.into(),
            error_msg: msg,
        };
        let done = match action {
            PublishAction::Online if !c.allowed => {
                result.failure.push(refused(
                    codes::NOT_IN_DEPLOY_LIST,
                    not_allowed(&c.name, &env_name),
                ));
                continue;
            }
            PublishAction::Online => {
                let snapshot = Snapshot {
                    name: c.name.clone(),
                    proxy: from_json::<ProxySpec>(&c.config)?,
                    group: group_snapshot.clone(),
                };
                let version_id = ids::version_id(&to_json(&snapshot)?);
                let made = make_live(&mut tx, &step, c.id, snapshot, LiveGroup::Lookup, Action::Deploy).await;
                match made.map_err(Error::refusal) {
                    Ok(written) => (written, version_id),
                    Err(Ok(message)) => {
                        result.failure.push(refused(codes::NOT_DEPLOYABLE, message));
                        continue;
                    }
                    Err(Err(e)) => return Err(e.into()),
                }
            }
            PublishAction::Offline => match &c.live {
                None => {
                    result
                        .failure
                        .push(refused(codes::NOT_PUBLISHED, not_live(&c.name, &env_name)));
                    continue;
                }
                Some(live) => (
                    undeploy_one(&mut tx, &step, c.id, &c.name).await?,
                    ids::version_id(live),
                ),
            },
        };
        let (written, version_id) = done;
        result.success.push(Published {
            publish_id: written.record_id,
            api_id: api_id.clone(),
            api_name: c.name.clone(),
            env_id: checked.env_id.clone(),
            remark: remark.clone(),
            publish_time: written.at,
            version_id,
        });
    }
    let verb = match action {
        PublishAction::Online => "PUBLISH",
        PublishAction::Offline => "OFFLINE",
    };
    let detail = format!(
        "{} of {} APIs; {}",
        result.success.len(),
        api_ids.len(),
        description
    );
    crate::rows::record_audit(
        &mut tx,
        actor,
        verb,
        "ENVIRONMENT",
        &env_name,
        Some(p.id),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(result)
}
