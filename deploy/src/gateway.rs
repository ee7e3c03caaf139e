//! What the gateway (the data plane) reads: what is live in an environment, and a counter that moves
//! whenever that changes. Gateway nodes are trusted readers, so these take no actor; the one write (where
//! an environment is served) is a system admin's.

use crate::model::from_json;
use crate::model::Permission;
pub use crate::model::{LiveRoute, LiveSet, NodeReport, ServedRoute};
use crate::rows::{authorize, Need};
use crate::{Actor, ControlPlane, Error, Result};

/// An environment and the URL its gateway is reached at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub environment: String,
    pub access_url: Option<String>,
}

/// The environment's change counter; `None` when there is no such environment.
pub async fn live_version(cp: &ControlPlane, environment: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT live_version FROM environments WHERE name = $1")
            .bind(environment)
            .fetch_optional(cp.pool())
            .await?,
    )
}

/// What is live in the environment, read in one transaction so the version matches the routes.
pub async fn live_set(cp: &ControlPlane, environment: &str) -> Result<LiveSet> {
    let mut tx = cp.begin_read().await?;
    let (env_id, name, version): (i64, String, i64) =
        sqlx::query_as("SELECT id, name, live_version FROM environments WHERE name = $1")
            .bind(environment)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("Environment ({environment}) not found!")))?;
    #[derive(sqlx::FromRow)]
    struct Route {
        project: String,
        proxy: String,
        revision: i64,
        snapshot: String,
    }
    let rows: Vec<Route> = sqlx::query_as(
        "SELECT p.name AS project, a.name AS proxy, d.revision, d.snapshot
         FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         JOIN projects p ON p.id = a.project_id
         WHERE d.environment_id = $1 ORDER BY p.name, a.name",
    )
    .bind(env_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut routes = rows
        .into_iter()
        .map(|row| {
            Ok(LiveRoute {
                project: row.project,
                proxy: row.proxy,
                revision: row.revision,
                snapshot: from_json(&row.snapshot)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Names compare without case in SQL; the hash both sides compute needs one byte-wise order.
    routes.sort_by(|a, b| (&a.project, &a.proxy).cmp(&(&b.project, &b.proxy)));
    Ok(LiveSet {
        environment: name,
        version,
        routes,
    })
}

/// Every environment with the URL its gateway answers at, when one is set.
pub async fn served_environments(cp: &ControlPlane) -> Result<Vec<Served>> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, access_url FROM environments ORDER BY name")
            .fetch_all(cp.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(environment, access_url)| Served {
            environment,
            access_url,
        })
        .collect())
}

/// Says where an environment's gateway is reached (what consoles and clients show as its access URL).
pub async fn set_access_url(
    cp: &ControlPlane,
    actor: &Actor,
    environment: &str,
    access_url: &str,
) -> Result<()> {
    if !actor.user.system_admin {
        return Err(Error::Forbidden(
            "Only a system admin may change where an environment is served.".into(),
        ));
    }
    crate::model::check_access_url(access_url)?;
    let mut tx = cp.begin_write().await?;
    let changed = sqlx::query("UPDATE environments SET access_url = $1 WHERE name = $2")
        .bind(access_url)
        .bind(environment)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound(format!("Environment ({environment}) not found!")));
    }
    crate::rows::record_audit(
        &mut tx,
        actor,
        "UPDATE",
        "ENVIRONMENT",
        environment,
        None,
        access_url,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A node records what it serves (after each swap, and as a heartbeat).
pub async fn report_served(
    cp: &ControlPlane,
    node_id: &str,
    environment: &str,
    version: i64,
    routes: &[ServedRoute],
) -> Result<()> {
    let routes = serde_json::to_string(routes).map_err(|e| Error::internal(e.to_string()))?;
    let mut tx = cp.begin_write().await?;
    sqlx::query(
        "INSERT INTO gateway_reports (node_id, environment, version, routes, reported_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (node_id, environment) DO UPDATE SET version = excluded.version, routes = excluded.routes,
            reported_at = excluded.reported_at",
    )
    .bind(node_id)
    .bind(environment)
    .bind(version)
    .bind(routes)
    .bind(crate::clock::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the environment's gateway nodes report, newest first. Nodes silent for longer than `fresh_seconds`
/// are left out (stopped or unreachable). Anyone who may see the environment may see this, but only the
/// routes of projects they may see: another team's API names are not theirs to read.
pub async fn gateway_status(
    cp: &ControlPlane,
    actor: &Actor,
    environment: &str,
    fresh_seconds: i64,
) -> Result<Vec<NodeReport>> {
    crate::environments::visible_environment(cp, actor, environment).await?;
    let since = (time::OffsetDateTime::now_utc() - time::Duration::seconds(fresh_seconds))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT node_id, version, routes, reported_at FROM gateway_reports
         WHERE environment = $1 AND reported_at >= $2 ORDER BY reported_at DESC",
    )
    .bind(environment)
    .bind(since)
    .fetch_all(cp.pool())
    .await?;
    let mut conn = cp.pool().acquire().await?;
    let mut visible: std::collections::HashMap<String, bool> = Default::default();
    let mut reports = Vec::with_capacity(rows.len());
    for (node_id, version, routes, reported_at) in rows {
        // A report in an older node's format shows no routes until that node reports again.
        let all: Vec<ServedRoute> = serde_json::from_str(&routes).unwrap_or_default();
        let mut routes = Vec::with_capacity(all.len());
        for route in all {
            let may = match visible.get(&route.project) {
                Some(may) => *may,
                None => {
                    let need = Need::Permission(Permission::View);
                    let may = match authorize(&mut conn, actor, &route.project, need).await {
                        Ok(_) => true,
                        Err(Error::NotFound(_) | Error::Forbidden(_)) => false,
                        Err(e) => return Err(e),
                    };
                    visible.insert(route.project.clone(), may);
                    may
                }
            };
            if may {
                routes.push(route);
            }
        }
        reports.push(NodeReport {
            node_id,
            version,
            routes,
            reported_at,
        });
    }
    Ok(reports)
}
