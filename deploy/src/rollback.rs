//! Rolling an API proxy back to the configuration a deploy history record kept, optionally deploying it at
//! once; and, before that, seeing field by field what it would change.
//!
//! A rollback restores the configuration (routing, CORS, cache, maintenance mode, ...) and keeps the
//! current deploy list. It writes a ROLLBACK record holding the configuration it replaced, so a rollback can
//! itself be rolled back; the optional deploy writes its own DEPLOY record.

use crate::db::Conn;

use crate::diff::diff_specs;
use crate::history::{revision_not_found, Action};
use crate::model::DeployOptions;
use crate::model::Permission;
use crate::model::{from_json, ProxySpec, Snapshot};
use crate::proxies::write_spec;
use crate::rows::project_environment;
use crate::rows::{authorize, Need, ProjectRef};
use crate::rows::{find_proxy, ProxyRow};
use crate::steps::{make_live, not_allowed, record_only, LiveGroup, Step};
use crate::{Actor, ControlPlane, Error, Result};

pub use crate::model::{ConfigDiff, PlannedDeploy, RollbackOutcome, RollbackPreview};

fn rollback_failed(revision: i64, why: impl std::fmt::Display) -> Error {
    // The documented answer names only the revision; the reason goes to the log for the operator.
    tracing::info!(revision, %why, "rollback refused");
    Error::Invalid(format!(
        "Rollback failed for deploy history revision ({revision})!"
    ))
}

/// Everything a rollback needs, checked before anything is written.
struct Prepared {
    project: ProjectRef,
    proxy: ProxyRow,
    current: ProxySpec,
    restored: ProxySpec,
    /// The environment to deploy to: id, name, and whether it is in the deploy list.
    target: Option<(i64, String, bool)>,
}

async fn stored_snapshot(conn: &mut Conn, proxy_id: i64, revision: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT snapshot FROM deploy_history WHERE proxy_id = $1 AND revision = $2")
            .bind(proxy_id)
            .bind(revision)
            .fetch_optional(conn)
            .await?,
    )
}

async fn current_spec(conn: &mut Conn, proxy_id: i64) -> Result<ProxySpec> {
    let config: String = sqlx::query_scalar("SELECT config FROM api_proxies WHERE id = $1")
        .bind(proxy_id)
        .fetch_one(conn)
        .await?;
    from_json(&config)
}

async fn prepare(
    conn: &mut Conn,
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    revision: i64,
    environment: Option<&str>,
) -> Result<Prepared> {
    let p = authorize(conn, actor, project, Need::Permission(Permission::Manage)).await?;
    if environment.is_some() {
        authorize(conn, actor, project, Need::Permission(Permission::DeployUndeploy)).await?;
    }
    let a = find_proxy(conn, p.id, proxy).await?;
    let text = stored_snapshot(conn, a.id, revision)
        .await?
        .ok_or_else(|| rollback_failed(revision, "no such record"))?;
    let snapshot: Snapshot = serde_json::from_str(&text).map_err(|e| rollback_failed(revision, e))?;
    // The rules the revision was saved under; the reason is the caller's own data, so it is named.
    snapshot.proxy.validate_stored().map_err(|e| {
        Error::Invalid(format!(
            "Rollback failed for deploy history revision ({revision})! {e}"
        ))
    })?;
    // An address this installation refuses is named, after the documented words.
    cp.backends()
        .check_routing(&snapshot.proxy.routing)
        .map_err(|e| {
            Error::Invalid(format!(
                "Rollback failed for deploy history revision ({revision})! {e}"
            ))
        })?;
    let target = match environment {
        None => None,
        Some(name) => {
            let (env_id, env) = match project_environment(conn, p.id, name).await {
                Ok(found) => found,
                Err(Error::Invalid(why) | Error::NotFound(why)) => {
                    return Err(rollback_failed(revision, why))
                }
                Err(e) => return Err(e),
            };
            let crate::db::Flag(allowed) = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM proxy_deploy_targets WHERE proxy_id = $1 AND environment_id = $2)",
            )
            .bind(a.id)
            .bind(env_id)
            .fetch_one(&mut *conn)
            .await?;
            Some((env_id, env.name, allowed))
        }
    };
    Ok(Prepared {
        current: current_spec(conn, a.id).await?,
        project: p,
        proxy: a,
        restored: snapshot.proxy,
        target,
    })
}

/// Restores the configuration kept by `revision`; with `environment`, deploys it there in the same
/// transaction. A deploy that is refused (the environment is not in the deploy list) leaves the rollback
/// standing and is reported in the outcome.
pub async fn rollback(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    revision: i64,
    environment: Option<&str>,
) -> Result<RollbackOutcome> {
    let mut tx = cp.begin_write().await?;
    let ready = prepare(&mut tx, cp, actor, project, proxy, revision, environment).await?;
    let Prepared {
        project: p,
        proxy: a,
        current,
        restored,
        target,
    } = ready;
    write_spec(&mut tx, a.id, &restored).await?;
    let options = DeployOptions::default();
    let description = format!("Rolled back to deploy history revision ({revision})");
    let replaced = Snapshot {
        name: a.name.clone(),
        proxy: current,
        group: None,
    };
    let step = Step {
        actor,
        project: &p,
        environment: None,
        description: &description,
        options: &options,
        backends: cp.backends(),
        keep_revision: Some(revision),
    };
    let record = record_only(&mut tx, &step, a.id, &replaced, Action::Rollback).await?;
    let mut outcome = RollbackOutcome {
        revision,
        rollback_revision: record.revision,
        environment_name: target.as_ref().map(|(_, name, _)| name.clone()),
        deploy_revision: None,
        deploy_error: None,
    };
    if let Some((env_id, env_name, allowed)) = &target {
        if *allowed {
            let description = format!("Deployed after rollback to deploy history revision ({revision})");
            let step = Step {
                environment: Some((*env_id, env_name)),
                description: &description,
                ..step
            };
            let live = Snapshot {
                name: a.name.clone(),
                proxy: restored,
                group: None,
            };
            // A refused deploy (a path another proxy owns there) leaves the rollback standing.
            let made = make_live(&mut tx, &step, a.id, live, LiveGroup::Lookup, Action::Deploy).await;
            match made.map_err(Error::refusal) {
                Ok(written) => outcome.deploy_revision = Some(written.revision),
                Err(Ok(message)) => outcome.deploy_error = Some(message),
                Err(Err(e)) => return Err(e),
            }
        } else {
            outcome.deploy_error = Some(not_allowed(&a.name, env_name));
        }
    }
    let detail = match (&outcome.environment_name, outcome.deploy_revision) {
        (Some(env), Some(_)) => format!("to revision {revision}, deployed to {env}"),
        (Some(env), None) => format!("to revision {revision}, deploy to {env} refused"),
        _ => format!("to revision {revision}"),
    };
    crate::rows::record_audit(
        &mut tx,
        actor,
        "ROLLBACK",
        "API_PROXY",
        &a.name,
        Some(p.id),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// What `rollback` would do with the same arguments, refused for the same reasons, changing nothing.
pub async fn preview_rollback(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    revision: i64,
    environment: Option<&str>,
) -> Result<RollbackPreview> {
    let mut conn = cp.pool().acquire().await?;
    let ready = prepare(&mut conn, cp, actor, project, proxy, revision, environment).await?;
    let deploy = ready.target.map(|(_, env_name, allowed)| PlannedDeploy {
        message: if allowed {
            format!("Would deploy the restored configuration to environment: {env_name}")
        } else {
            not_allowed(&ready.proxy.name, &env_name)
        },
        environment_name: env_name,
        would_deploy: allowed,
    });
    Ok(RollbackPreview {
        revision,
        changes: diff_specs(&ready.current, &ready.restored)?,
        configuration: ready.restored,
        deploy,
    })
}

async fn revision_spec(conn: &mut Conn, proxy: &ProxyRow, revision: i64) -> Result<ProxySpec> {
    let text = stored_snapshot(conn, proxy.id, revision)
        .await?
        .ok_or_else(|| revision_not_found(&proxy.name, revision))?;
    let snapshot: Snapshot = serde_json::from_str(&text).map_err(|_| {
        Error::Invalid(format!(
            "Deploy history revision ({revision}) of API Proxy ({}) holds a configuration that can not be read!",
            proxy.name
        ))
    })?;
    Ok(snapshot.proxy)
}

/// The changes from the current configuration (or from revision `against`) to revision `revision`.
pub async fn diff_revision(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    revision: i64,
    against: Option<i64>,
) -> Result<ConfigDiff> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    let a = find_proxy(&mut conn, p.id, proxy).await?;
    let to = revision_spec(&mut conn, &a, revision).await?;
    let from = match against {
        Some(other) => revision_spec(&mut conn, &a, other).await?,
        None => current_spec(&mut conn, a.id).await?,
    };
    Ok(ConfigDiff {
        revision,
        against,
        changes: diff_specs(&from, &to)?,
    })
}
