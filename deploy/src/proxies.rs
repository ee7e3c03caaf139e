//! API proxies: their configuration, deploy list, and where they are live.

use std::collections::HashMap;

use crate::db::{Backend, Conn};
use crate::rows::{find_proxy, proxy_not_found};

use crate::error::{Constraint, OnConstraint};
use crate::model::Permission;
use crate::model::{from_json, to_json, ApiType, ProxySpec, Snapshot};
use crate::names::check_name;
use crate::rows::{authorize, Need, ProjectRef};
use crate::{clock, ids, Actor, ControlPlane, Error, Result};

pub use crate::model::{ApiProxy, LiveDeployment, ProxySummary};

/// Replaces a proxy's deploy list; every name must be an environment assigned to the project.
pub(crate) async fn set_deploy_list(
    conn: &mut Conn,
    project_id: i64,
    proxy_id: i64,
    names: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM proxy_deploy_targets WHERE proxy_id = $1")
        .bind(proxy_id)
        .execute(&mut *conn)
        .await?;
    for name in names {
        let (env_id, _) = crate::rows::project_environment(conn, project_id, name).await?;
        sqlx::query("INSERT INTO proxy_deploy_targets (proxy_id, environment_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(proxy_id)
            .bind(env_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn create_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    name: &str,
    spec: ProxySpec,
    deploy_list: &[String],
) -> Result<ApiProxy> {
    check_name("apiProxyName", name, 100)?;
    spec.validate()?;
    cp.backends().check_routing(&spec.routing)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let id = insert_proxy(&mut tx, &p, name, &spec).await?;
    set_deploy_list(&mut tx, p.id, id, deploy_list).await?;
    crate::rows::record_audit(&mut tx, actor, "CREATE", "API_PROXY", name, Some(p.id), "").await?;
    let proxy = load_one(&mut tx, p.id, name).await?;
    tx.commit().await?;
    Ok(proxy)
}

pub(crate) async fn insert_proxy(
    conn: &mut Conn,
    p: &ProjectRef,
    name: &str,
    spec: &ProxySpec,
) -> Result<i64> {
    let now = clock::now();
    sqlx::query_scalar(
        "INSERT INTO api_proxies (public_id, project_id, name, config, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(ids::public_id())
    .bind(p.id)
    .bind(name)
    .bind(to_json(spec)?)
    .bind(&now)
    .bind(&now)
    .fetch_one(conn)
    .await
    .on_constraint(Constraint::Unique, || {
        Error::Conflict(format!(
            "API Proxy ({name}) already exists in project ({})!",
            p.name
        ))
    })
}

/// Replaces a proxy's configuration and, if given, its deploy list.
pub async fn update_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    name: &str,
    spec: ProxySpec,
    deploy_list: Option<&[String]>,
) -> Result<ApiProxy> {
    spec.validate()?;
    cp.backends().check_routing(&spec.routing)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    write_update(&mut tx, actor, &p, name, &spec, deploy_list).await?;
    let proxy = load_one(&mut tx, p.id, name).await?;
    tx.commit().await?;
    Ok(proxy)
}

/// The writes of an update, for a caller that checked the spec and holds MANAGE on the project.
pub(crate) async fn write_update(
    conn: &mut Conn,
    actor: &Actor,
    p: &ProjectRef,
    name: &str,
    spec: &ProxySpec,
    deploy_list: Option<&[String]>,
) -> Result<()> {
    let row = find_proxy(conn, p.id, name).await?;
    write_spec(conn, row.id, spec).await?;
    if let Some(list) = deploy_list {
        set_deploy_list(conn, p.id, row.id, list).await?;
    }
    crate::rows::record_audit(conn, actor, "UPDATE", "API_PROXY", &row.name, Some(p.id), "").await
}

pub(crate) async fn write_spec(conn: &mut Conn, proxy_id: i64, spec: &ProxySpec) -> Result<()> {
    sqlx::query("UPDATE api_proxies SET config = $1, updated_at = $2 WHERE id = $3")
        .bind(to_json(spec)?)
        .bind(clock::now())
        .bind(proxy_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a proxy that is live nowhere (undeploy it first, as Apigee and Kong ask).
pub async fn delete_proxy(cp: &ControlPlane, actor: &Actor, project: &str, name: &str) -> Result<()> {
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let row = find_proxy(&mut tx, p.id, name).await?;
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deployments WHERE proxy_id = $1")
        .bind(row.id)
        .fetch_one(&mut *tx)
        .await?;
    if live > 0 {
        return Err(Error::Invalid(format!(
            "API Proxy ({}) is deployed to {live} environment(s); undeploy it first!",
            row.name
        )));
    }
    sqlx::query("DELETE FROM api_proxies WHERE id = $1")
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
    crate::rows::record_audit(&mut tx, actor, "DELETE", "API_PROXY", &row.name, Some(p.id), "").await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get_proxy(cp: &ControlPlane, actor: &Actor, project: &str, name: &str) -> Result<ApiProxy> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    load_one(&mut conn, p.id, name).await
}

pub async fn list_proxies(cp: &ControlPlane, actor: &Actor, project: &str) -> Result<Vec<ApiProxy>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    load(&mut conn, p.id, None).await
}

pub(crate) async fn load_one(conn: &mut Conn, project_id: i64, name: &str) -> Result<ApiProxy> {
    load(conn, project_id, Some(name))
        .await?
        .pop()
        .ok_or_else(|| proxy_not_found(name))
}

/// Loads proxies with their deploy lists and live deployments in three queries, however many there are;
/// with `only`, each query reads just that proxy's rows.
async fn load(conn: &mut Conn, project_id: i64, only: Option<&str>) -> Result<Vec<ApiProxy>> {
    let rows: Vec<crate::rows::ConfigRow> = sqlx::query_as(
        "SELECT id, public_id, name, config, created_at, updated_at FROM api_proxies
         WHERE project_id = $1 AND ($2 IS NULL OR name = $2) ORDER BY name",
    )
    .bind(project_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let targets: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.proxy_id, e.name FROM proxy_deploy_targets t JOIN environments e ON e.id = t.environment_id
         JOIN api_proxies a ON a.id = t.proxy_id WHERE a.project_id = $1 AND ($2 IS NULL OR a.name = $2)
         ORDER BY e.name",
    )
    .bind(project_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let live = live_rows(conn, project_id, only).await?;
    let mut deploy_lists: HashMap<i64, Vec<String>> = HashMap::new();
    for (proxy_id, env) in targets {
        deploy_lists.entry(proxy_id).or_default().push(env);
    }
    let mut lives = live_by_proxy(live);
    rows.into_iter()
        .map(|row| {
            let spec: ProxySpec = from_json(&row.config)?;
            let live = live_of(&row.name, &spec, lives.remove(&row.id).unwrap_or_default())?;
            Ok(ApiProxy {
                id: row.public_id,
                deploy_list: deploy_lists.remove(&row.id).unwrap_or_default(),
                name: row.name,
                spec,
                live,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

/// One live deployment of a proxy, with the snapshot it made live.
#[derive(sqlx::FromRow)]
struct LiveRow {
    proxy_id: i64,
    environment: String,
    revision: i64,
    deployed_by: String,
    deployed_at: String,
    snapshot: String,
}

fn live_by_proxy(rows: Vec<LiveRow>) -> HashMap<i64, Vec<LiveRow>> {
    let mut lives: HashMap<i64, Vec<LiveRow>> = HashMap::new();
    for row in rows {
        lives.entry(row.proxy_id).or_default().push(row);
    }
    lives
}

/// What is live of one proxy, each compared with its current configuration.
fn live_of(name: &str, spec: &ProxySpec, rows: Vec<LiveRow>) -> Result<Vec<LiveDeployment>> {
    rows.into_iter()
        .map(|row| {
            let snapshot: Snapshot = from_json(&row.snapshot)?;
            Ok(LiveDeployment {
                environment: row.environment,
                revision: row.revision,
                deployed_by: row.deployed_by,
                deployed_at: row.deployed_at,
                redeploy_required: snapshot.proxy != *spec || snapshot.name != name,
            })
        })
        .collect()
}

/// A project's API proxies as its list shows them. Only proxies live somewhere have their configuration
/// read (to tell whether a redeploy is due); the rest cost one row each.
pub async fn list_proxy_summaries(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
) -> Result<Vec<ProxySummary>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    summaries(&mut conn, p.id).await
}

/// A project's proxies as its page lists them, in two queries however many there are.
pub(crate) async fn summaries(conn: &mut Conn, project_id: i64) -> Result<Vec<ProxySummary>> {
    #[derive(sqlx::FromRow)]
    struct Summary {
        id: i64,
        public_id: String,
        name: String,
        api_type: Option<String>,
        relative_path: Option<String>,
        /// Read only for a proxy live somewhere.
        live_config: Option<String>,
    }
    let rows: Vec<Summary> = sqlx::query_as(Backend::of(conn).pick(
        "SELECT a.id, a.public_id, a.name, a.config ->> '$.apiType' AS api_type,
                a.config ->> '$.relativePath' AS relative_path,
                CASE WHEN EXISTS (SELECT 1 FROM deployments d WHERE d.proxy_id = a.id) THEN a.config END
                    AS live_config
         FROM api_proxies a WHERE a.project_id = $1 ORDER BY a.name",
        "SELECT a.id, a.public_id, a.name, a.config::json ->> 'apiType' AS api_type,
                a.config::json ->> 'relativePath' AS relative_path,
                CASE WHEN EXISTS (SELECT 1 FROM deployments d WHERE d.proxy_id = a.id) THEN a.config END
                    AS live_config
         FROM api_proxies a WHERE a.project_id = $1 ORDER BY a.name",
    ))
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut lives = live_by_proxy(live_rows(conn, project_id, None).await?);
    rows.into_iter()
        .map(|row| {
            let live = match row.live_config {
                Some(config) => live_of(
                    &row.name,
                    &from_json(&config)?,
                    lives.remove(&row.id).unwrap_or_default(),
                )?,
                None => Vec::new(),
            };
            Ok(ProxySummary {
                id: row.public_id,
                api_type: match row.api_type.as_deref() {
                    Some("SOAP") => ApiType::Soap,
                    _ => ApiType::Rest,
                },
                relative_path: row.relative_path.unwrap_or_default(),
                name: row.name,
                live,
            })
        })
        .collect()
}

/// Every live deployment of a project's proxies (or of one proxy), with the configuration it made live.
async fn live_rows(conn: &mut Conn, project_id: i64, only: Option<&str>) -> Result<Vec<LiveRow>> {
    Ok(sqlx::query_as(
        "SELECT d.proxy_id, e.name AS environment, d.revision, d.deployed_by, d.deployed_at, d.snapshot
         FROM deployments d
         JOIN environments e ON e.id = d.environment_id JOIN api_proxies a ON a.id = d.proxy_id
         WHERE a.project_id = $1 AND ($2 IS NULL OR a.name = $2) ORDER BY e.name",
    )
    .bind(project_id)
    .bind(only)
    .fetch_all(conn)
    .await?)
}
