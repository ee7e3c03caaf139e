//! Deploying and undeploying API proxies and groups. Each call is one transaction: every member proxy that
//! can be deployed is made live and gets a history record, or nothing changes at all.

use crate::db::{Backend, Conn};

use crate::error::not_found_as_invalid;
use crate::model::{ApiProxy, Permission, ProxySpec};
use crate::rows::find_group;
use crate::rows::find_proxy;
use crate::rows::project_environment;
use crate::rows::{authorize, lacking, membership, Need, ProjectKey};
use crate::steps::{deploy_one, live_group_of, undeploy_one, Candidate, Step};
use crate::{Actor, ControlPlane, Error, Result};

pub use crate::model::{DeployOptions, DeploymentResult, EnvironmentResult, LiveProxy};

pub const DEFAULT_DEPLOY_DESCRIPTION: &str = "Deployed by APIOPS Api";
pub const DEFAULT_UNDEPLOY_DESCRIPTION: &str = "Undeployed by APIOPS Api";
const MAX_DESCRIPTION: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Deploy,
    Undeploy,
}

impl Direction {
    /// The audit log's word for it.
    fn verb(self) -> &'static str {
        match self {
            Direction::Deploy => "DEPLOY",
            Direction::Undeploy => "UNDEPLOY",
        }
    }

    fn default_description(self) -> &'static str {
        match self {
            Direction::Deploy => DEFAULT_DEPLOY_DESCRIPTION,
            Direction::Undeploy => DEFAULT_UNDEPLOY_DESCRIPTION,
        }
    }
}

fn description(options: &DeployOptions, direction: Direction) -> Result<String> {
    let text = options
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let text = text.unwrap_or(direction.default_description());
    crate::names::check_text("description", text, MAX_DESCRIPTION)?;
    Ok(text.to_owned())
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
    move_group(
        cp,
        actor,
        project,
        group,
        environment,
        options,
        Direction::Undeploy,
    )
    .await
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
    move_proxy(
        cp,
        actor,
        project,
        proxy,
        environment,
        options,
        Direction::Undeploy,
    )
    .await
}

/// Saves a proxy's configuration (and, if given, its deploy list) and deploys it to one environment, in one
/// transaction: when the deploy is refused, the save is not kept either, so what is saved never runs ahead
/// of what the person meant to ship; they fix the form and send it again. Needs MANAGE and DEPLOY_UNDEPLOY. Answers the
/// proxy as saved (with where it is live now) and the deploy's result.
#[allow(clippy::too_many_arguments)]
pub async fn save_and_deploy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    spec: ProxySpec,
    deploy_list: Option<&[String]>,
    environment: &str,
    options: &DeployOptions,
) -> Result<(ApiProxy, DeploymentResult)> {
    spec.validate()?;
    cp.backends().check_routing(&spec.routing)?;
    let description = description(options, Direction::Deploy)?;
    let mut tx = cp.begin_write().await?;
    let (p, held) = membership(&mut tx, actor, ProjectKey::Name(project)).await?;
    for need in [Permission::Manage, Permission::DeployUndeploy].map(Need::Permission) {
        if !held.grants(need) {
            return Err(lacking(&p.name, need));
        }
    }
    crate::proxies::write_update(&mut tx, actor, &p, proxy, &spec, deploy_list).await?;
    let (candidate, env_id, env_name) = find_candidate(&mut tx, p.id, proxy, environment).await?;
    let step = Step {
        actor,
        project: &p,
        environment: Some((env_id, &env_name)),
        description: &description,
        options,
        backends: cp.backends(),
        keep_revision: None,
    };
    // Any refusal returns before the commit: the transaction is dropped, and the save with it.
    let written = deploy_one(&mut tx, &step, &candidate, None).await?;
    let verb = Direction::Deploy.verb();
    crate::rows::record_audit(
        &mut tx,
        actor,
        verb,
        "API_PROXY",
        &candidate.name,
        Some(p.id),
        &env_name,
    )
    .await?;
    let saved = crate::proxies::load_one(&mut tx, p.id, proxy).await?;
    tx.commit().await?;
    let mut result = summarise(Direction::Deploy, &env_name, 1, 1, vec![]);
    name_kept_group(&mut result, written.kept_group);
    Ok((saved, result))
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
    let p = authorize(
        &mut tx,
        actor,
        project,
        Need::Permission(Permission::DeployUndeploy),
    )
    .await?;
    let g = find_group(&mut tx, p.id, group)
        .await
        .map_err(not_found_as_invalid)?;
    let (env_id, env) = project_environment(&mut tx, p.id, environment).await?;
    let members: Vec<Candidate> = sqlx::query_as(
        "SELECT a.id, a.name, a.config,
                EXISTS (SELECT 1 FROM proxy_deploy_targets t WHERE t.proxy_id = a.id AND t.environment_id = $2)
                    AS allowed,
                NULL AS live_group
         FROM group_members g JOIN api_proxies a ON a.id = g.proxy_id WHERE g.group_id = $1 ORDER BY a.name",
    )
    .bind(g.id)
    .bind(env_id)
    .fetch_all(&mut *tx)
    .await?;
    let step = Step {
        actor,
        project: &p,
        environment: Some((env_id, &env.name)),
        description: &description,
        options,
        backends: cp.backends(),
        keep_revision: None,
    };
    let mut done = 0;
    let mut failures = Vec::new();
    for member in &members {
        let outcome = match direction {
            Direction::Deploy => deploy_one(&mut tx, &step, member, Some(&g)).await,
            Direction::Undeploy => undeploy_one(&mut tx, &step, member.id, &member.name).await,
        };
        match outcome.map_err(Error::refusal) {
            Ok(_) => done += 1,
            Err(Ok(message)) => failures.push(message),
            Err(Err(e)) => return Err(e),
        }
    }
    let verb = direction.verb();
    let detail = format!(
        "{} to {}: {done} of {} API proxies",
        verb,
        env.name,
        members.len()
    );
    crate::rows::record_audit(
        &mut tx,
        actor,
        verb,
        "API_PROXY_GROUP",
        &g.name,
        Some(p.id),
        &detail,
    )
    .await?;
    tx.commit().await?;
    if members.is_empty() {
        failures.push(format!("API Proxy Group ({}) has no API proxies!", g.name));
    }
    Ok(summarise(direction, &env.name, done, members.len(), failures))
}

/// Finds the proxy and the environment, and whether one may go to the other, in one query: this is the hot
/// path of every deploy. When either is missing, the single lookups word the error.
async fn find_candidate(
    conn: &mut Conn,
    project_id: i64,
    proxy: &str,
    environment: &str,
) -> Result<(Candidate, i64, String)> {
    macro_rules! find {
        ($dialect:ident) => {
            concat!(
                "SELECT a.id, a.name, a.config,
                        EXISTS (SELECT 1 FROM proxy_deploy_targets t
                                WHERE t.proxy_id = a.id AND t.environment_id = e.id) AS allowed, ",
                live_group_of!($dialect, "a.id", "e.id"),
                " AS live_group, e.id AS env_id, e.name AS env_name
                 FROM api_proxies a
                 JOIN project_environments pe ON pe.project_id = a.project_id
                 JOIN environments e ON e.id = pe.environment_id
                 WHERE a.project_id = $1 AND a.name = $2 AND e.name = $3"
            )
        };
    }
    #[derive(sqlx::FromRow)]
    struct Found {
        #[sqlx(flatten)]
        candidate: Candidate,
        env_id: i64,
        env_name: String,
    }
    let row: Option<Found> = sqlx::query_as(Backend::of(conn).pick(find!(sqlite), find!(postgres)))
        .bind(project_id)
        .bind(proxy)
        .bind(environment)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(found) => Ok((found.candidate, found.env_id, found.env_name)),
        None => {
            find_proxy(conn, project_id, proxy)
                .await
                .map_err(not_found_as_invalid)?;
            project_environment(conn, project_id, environment).await?;
            Err(Error::internal(
                "proxy and environment exist but were not found together",
            ))
        }
    }
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
    let p = authorize(
        &mut tx,
        actor,
        project,
        Need::Permission(Permission::DeployUndeploy),
    )
    .await?;
    let (candidate, env_id, env_name) = find_candidate(&mut tx, p.id, proxy, environment).await?;
    let step = Step {
        actor,
        project: &p,
        environment: Some((env_id, &env_name)),
        description: &description,
        options,
        backends: cp.backends(),
        keep_revision: None,
    };
    let outcome = match direction {
        Direction::Deploy => deploy_one(&mut tx, &step, &candidate, None).await,
        Direction::Undeploy => undeploy_one(&mut tx, &step, candidate.id, &candidate.name).await,
    };
    let mut kept_group = None;
    let failures = match outcome.map_err(Error::refusal) {
        Ok(written) => {
            kept_group = written.kept_group;
            let verb = direction.verb();
            crate::rows::record_audit(
                &mut tx,
                actor,
                verb,
                "API_PROXY",
                &candidate.name,
                Some(p.id),
                &env_name,
            )
            .await?;
            tx.commit().await?;
            vec![]
        }
        Err(Ok(message)) => vec![message],
        Err(Err(e)) => return Err(e),
    };
    let done = usize::from(failures.is_empty());
    let mut result = summarise(direction, &env_name, done, 1, failures);
    name_kept_group(&mut result, kept_group);
    Ok(result)
}

/// A proxy deployed on its own where its group is live keeps the group's settings: the answer says so.
fn name_kept_group(result: &mut DeploymentResult, kept_group: Option<String>) {
    if let (Some(group), Some(env)) = (kept_group, result.environment_results.first_mut()) {
        env.message.push_str(&format!(
            " with the settings of API Proxy Group ({group}), which is live there"
        ));
    }
}

fn summarise(
    direction: Direction,
    environment: &str,
    done: usize,
    of: usize,
    failures: Vec<String>,
) -> DeploymentResult {
    let (noun, past) = match direction {
        Direction::Deploy => ("Deployment", "Deployed"),
        Direction::Undeploy => ("Undeployment", "Undeployed"),
    };
    let success = failures.is_empty();
    let (message, env_message) = if success {
        (
            format!("{noun} completed successfully"),
            format!("{past} successfully"),
        )
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
