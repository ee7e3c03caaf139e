//! Deploying and undeploying API proxies and groups. Each call is one transaction: every member proxy that
//! can be deployed is made live and gets a history record, or nothing changes at all.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::access::{authorize, Need, Permission, ProjectRef};
use crate::environments::project_environment;
use crate::groups::{find_group, member_ids, GroupRow};
use crate::history::{record, Action};
use crate::model::{from_json, to_json, GroupSnapshot, ProxySpec, Snapshot};
use crate::proxies::find_proxy;
use crate::{audit, clock, Actor, ControlPlane, Error, Result};

pub const DEFAULT_DEPLOY_DESCRIPTION: &str = "Deployed by APIOPS Api";
pub const DEFAULT_UNDEPLOY_DESCRIPTION: &str = "Undeployed by APIOPS Api";
const MAX_DESCRIPTION: usize = 1000;

/// The optional body of a deploy or undeploy request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployOptions {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub persistent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentResult {
    pub success: bool,
    pub message: String,
    pub environment_results: Vec<EnvironmentResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentResult {
    pub environment_name: String,
    pub success: bool,
    pub message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Deploy,
    Undeploy,
}

impl Direction {
    fn default_description(self) -> &'static str {
        match self {
            Direction::Deploy => DEFAULT_DEPLOY_DESCRIPTION,
            Direction::Undeploy => DEFAULT_UNDEPLOY_DESCRIPTION,
        }
    }
}

fn description(options: &DeployOptions, direction: Direction) -> Result<String> {
    let text = options.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let text = text.unwrap_or(direction.default_description());
    crate::names::check_text("description", text, MAX_DESCRIPTION)?;
    Ok(text.to_owned())
}

/// The group's not-found answer at the deploy endpoints is a 400, as documented.
fn invalid(e: Error) -> Error {
    match e {
        Error::NotFound(m) => Error::Invalid(m),
        other => other,
    }
}

pub async fn deploy_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_group(cp, actor, project, group, environment, options, Direction::Deploy).await
}

pub async fn undeploy_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_group(cp, actor, project, group, environment, options, Direction::Undeploy).await
}

pub async fn deploy_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_proxy(cp, actor, project, proxy, environment, options, Direction::Deploy).await
}

pub async fn undeploy_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_proxy(cp, actor, project, proxy, environment, options, Direction::Undeploy).await
}

async fn move_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    environment: &str,
    options: &DeployOptions,
    direction: Direction,
) -> Result<DeploymentResult> {
    let description = description(options, direction)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::DeployUndeploy)).await?;
    let g = find_group(&mut tx, p.id, group).await.map_err(invalid)?;
    let (env_id, env) = project_environment(&mut tx, p.id, environment).await?;
    let members = member_ids(&mut tx, g.id).await?;
    let mut done = 0;
    let mut failures = Vec::new();
    for (proxy_id, _) in &members {
        let step = Step { actor, project: &p, env_id, env_name: &env.name, description: &description, options };
        let outcome = match direction {
            Direction::Deploy => deploy_one(&mut tx, &step, *proxy_id, Some(&g)).await,
            Direction::Undeploy => undeploy_one(&mut tx, &step, *proxy_id).await,
        };
        match outcome {
            Ok(_) => done += 1,
            Err(Error::Invalid(message)) => failures.push(message),
            Err(e) => return Err(e),
        }
    }
    let verb = if direction == Direction::Deploy { "DEPLOY" } else { "UNDEPLOY" };
    let detail = format!("{} to {}: {done} of {} API proxies", verb, env.name, members.len());
    audit::record(&mut tx, actor, verb, "API_PROXY_GROUP", &g.name, Some(p.id), &detail).await?;
    tx.commit().await?;
    if members.is_empty() {
        failures.push(format!("API Proxy Group ({}) has no API proxies!", g.name));
    }
    Ok(summarise(direction, &env.name, done, members.len(), failures))
}

async fn move_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    environment: &str,
    options: &DeployOptions,
    direction: Direction,
) -> Result<DeploymentResult> {
    let description = description(options, direction)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::DeployUndeploy)).await?;
    let a = find_proxy(&mut tx, p.id, proxy).await.map_err(invalid)?;
    let (env_id, env) = project_environment(&mut tx, p.id, environment).await?;
    let step = Step { actor, project: &p, env_id, env_name: &env.name, description: &description, options };
    let outcome = match direction {
        Direction::Deploy => deploy_one(&mut tx, &step, a.id, None).await,
        Direction::Undeploy => undeploy_one(&mut tx, &step, a.id).await,
    };
    let failures = match outcome {
        Ok(_) => {
            let verb = if direction == Direction::Deploy { "DEPLOY" } else { "UNDEPLOY" };
            audit::record(&mut tx, actor, verb, "API_PROXY", &a.name, Some(p.id), &env.name).await?;
            tx.commit().await?;
            vec![]
        }
        Err(Error::Invalid(message)) => vec![message],
        Err(e) => return Err(e),
    };
    let done = usize::from(failures.is_empty());
    Ok(summarise(direction, &env.name, done, 1, failures))
}

fn summarise(direction: Direction, environment: &str, done: usize, of: usize, failures: Vec<String>) -> DeploymentResult {
    let (noun, past) = match direction {
        Direction::Deploy => ("Deployment", "Deployed"),
        Direction::Undeploy => ("Undeployment", "Undeployed"),
    };
    let success = failures.is_empty();
    let (message, env_message) = if success {
        (format!("{noun} completed successfully"), format!("{past} successfully"))
    } else {
        (
            format!("{noun} completed with errors"),
            format!("{past} {done} of {of} API proxies. {}", failures.join(" ")),
        )
    };
    DeploymentResult {
        success,
        message,
        environment_results: vec![EnvironmentResult {
            environment_name: environment.to_owned(),
            success,
            message: env_message,
        }],
    }
}

/// What one deploy or undeploy of one proxy needs to know.
pub(crate) struct Step<'a> {
    pub actor: &'a Actor,
    pub project: &'a ProjectRef,
    pub env_id: i64,
    pub env_name: &'a str,
    pub description: &'a str,
    pub options: &'a DeployOptions,
}

/// Makes a proxy's current configuration live in an environment and records it. Fails with `Invalid` (and
/// writes nothing) when the environment is not in the proxy's deploy list.
pub(crate) async fn deploy_one(
    conn: &mut SqliteConnection,
    step: &Step<'_>,
    proxy_id: i64,
    group: Option<&GroupRow>,
) -> Result<i64> {
    let (name, config): (String, String) = sqlx::query_as("SELECT name, config FROM api_proxies WHERE id = ?")
        .bind(proxy_id)
        .fetch_one(&mut *conn)
        .await?;
    let allowed: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM proxy_deploy_targets WHERE proxy_id = ? AND environment_id = ?")
            .bind(proxy_id)
            .bind(step.env_id)
            .fetch_optional(&mut *conn)
            .await?;
    if allowed.is_none() {
        return Err(Error::Invalid(format!(
            "Environment ({}) is not in the deploy list of API Proxy ({name})!",
            step.env_name
        )));
    }
    let proxy: ProxySpec = from_json(&config)?;
    let snapshot = Snapshot {
        name: name.clone(),
        proxy,
        group: group.map(|g| GroupSnapshot { name: g.name.clone(), settings: g.spec.clone() }),
    };
    make_live(conn, step, proxy_id, &snapshot, Action::Deploy).await
}

/// Writes a snapshot as live and records it in the history; the revision it got.
pub(crate) async fn make_live(
    conn: &mut SqliteConnection,
    step: &Step<'_>,
    proxy_id: i64,
    snapshot: &Snapshot,
    action: Action,
) -> Result<i64> {
    let json = to_json(snapshot)?;
    let revision = record(conn, step, proxy_id, action, &json).await?;
    sqlx::query(
        "INSERT INTO deployments (proxy_id, environment_id, revision, snapshot, deployed_by, deployed_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (proxy_id, environment_id) DO UPDATE SET revision = excluded.revision,
         snapshot = excluded.snapshot, deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at",
    )
    .bind(proxy_id)
    .bind(step.env_id)
    .bind(revision)
    .bind(&json)
    .bind(&step.actor.user.username)
    .bind(clock::now())
    .execute(&mut *conn)
    .await?;
    Ok(revision)
}

async fn undeploy_one(conn: &mut SqliteConnection, step: &Step<'_>, proxy_id: i64) -> Result<i64> {
    let live: Option<(String, String)> = sqlx::query_as(
        "SELECT a.name, d.snapshot FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         WHERE d.proxy_id = ? AND d.environment_id = ?",
    )
    .bind(proxy_id)
    .bind(step.env_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((_, snapshot)) = live else {
        let name: String =
            sqlx::query_scalar("SELECT name FROM api_proxies WHERE id = ?").bind(proxy_id).fetch_one(&mut *conn).await?;
        return Err(Error::Invalid(format!("API Proxy ({name}) is not deployed to environment ({})!", step.env_name)));
    };
    sqlx::query("DELETE FROM deployments WHERE proxy_id = ? AND environment_id = ?")
        .bind(proxy_id)
        .bind(step.env_id)
        .execute(&mut *conn)
        .await?;
    record(conn, step, proxy_id, Action::Undeploy, &snapshot).await
}

/// A live deployment as an environment lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveProxy {
    pub proxy: String,
    pub revision: i64,
    pub deployed_by: String,
    pub deployed_at: String,
    pub redeploy_required: bool,
}

/// What of a project is live in an environment.
pub(crate) async fn live_in_environment(conn: &mut SqliteConnection, project_id: i64, env_id: i64) -> Result<Vec<LiveProxy>> {
    let rows: Vec<(String, String, i64, String, String, String)> = sqlx::query_as(
        "SELECT a.name, a.config, d.revision, d.deployed_by, d.deployed_at, d.snapshot
         FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         WHERE a.project_id = ? AND d.environment_id = ? ORDER BY a.name",
    )
    .bind(project_id)
    .bind(env_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(proxy, config, revision, deployed_by, deployed_at, snapshot)| {
            let current: ProxySpec = from_json(&config)?;
            let live: Snapshot = from_json(&snapshot)?;
            Ok(LiveProxy {
                redeploy_required: live.proxy != current || live.name != proxy,
                proxy,
                revision,
                deployed_by,
                deployed_at,
            })
        })
        .collect()
}
