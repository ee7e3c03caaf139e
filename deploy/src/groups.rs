//! API proxy groups: proxies deployed together, with a client route and group-level CORS and cache.

use crate::db::Conn;
use crate::rows::{find_group, group_not_found};

use crate::error::{not_found_as_invalid, Constraint, OnConstraint};
use crate::model::Permission;
use crate::model::{from_json, to_json, GroupSpec};
use crate::names::check_name;
use crate::rows::find_proxy;
use crate::rows::{authorize, Need};
use crate::{clock, ids, Actor, ControlPlane, Error, Result};

pub use crate::model::ApiProxyGroup;

pub async fn create_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    name: &str,
    spec: GroupSpec,
    members: &[String],
) -> Result<ApiProxyGroup> {
    check_name("apiProxyGroupName", name, 100)?;
    spec.validate()?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let now = clock::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_proxy_groups (public_id, project_id, name, config, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(ids::public_id())
    .bind(p.id)
    .bind(name)
    .bind(to_json(&spec)?)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .on_constraint(Constraint::Unique, || {
        Error::Conflict(format!(
            "API Proxy Group ({name}) already exists in project ({})!",
            p.name
        ))
    })?;
    for member in members {
        let proxy = find_proxy(&mut tx, p.id, member)
            .await
            .map_err(not_found_as_invalid)?;
        add(&mut tx, id, proxy.id).await?;
    }
    crate::rows::record_audit(&mut tx, actor, "CREATE", "API_PROXY_GROUP", name, Some(p.id), "").await?;
    let group = load_one(&mut tx, p.id, name).await?;
    tx.commit().await?;
    Ok(group)
}

async fn add(conn: &mut Conn, group_id: i64, proxy_id: i64) -> Result<()> {
    sqlx::query("INSERT INTO group_members (group_id, proxy_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(group_id)
        .bind(proxy_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    name: &str,
    spec: GroupSpec,
) -> Result<ApiProxyGroup> {
    spec.validate()?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let g = find_group(&mut tx, p.id, name).await?;
    sqlx::query("UPDATE api_proxy_groups SET config = $1, updated_at = $2 WHERE id = $3")
        .bind(to_json(&spec)?)
        .bind(clock::now())
        .bind(g.id)
        .execute(&mut *tx)
        .await?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "UPDATE",
        "API_PROXY_GROUP",
        &g.name,
        Some(p.id),
        "",
    )
    .await?;
    let group = load_one(&mut tx, p.id, &g.name).await?;
    tx.commit().await?;
    Ok(group)
}

pub async fn delete_group(cp: &ControlPlane, actor: &Actor, project: &str, name: &str) -> Result<()> {
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let g = find_group(&mut tx, p.id, name).await?;
    sqlx::query("DELETE FROM api_proxy_groups WHERE id = $1")
        .bind(g.id)
        .execute(&mut *tx)
        .await?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "DELETE",
        "API_PROXY_GROUP",
        &g.name,
        Some(p.id),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_member(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    proxy: &str,
) -> Result<ApiProxyGroup> {
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let g = find_group(&mut tx, p.id, group).await?;
    let a = find_proxy(&mut tx, p.id, proxy).await?;
    add(&mut tx, g.id, a.id).await?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "ADD_MEMBER",
        "API_PROXY_GROUP",
        &g.name,
        Some(p.id),
        &a.name,
    )
    .await?;
    let out = load_one(&mut tx, p.id, &g.name).await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn remove_member(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    proxy: &str,
) -> Result<ApiProxyGroup> {
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::Manage)).await?;
    let g = find_group(&mut tx, p.id, group).await?;
    let a = find_proxy(&mut tx, p.id, proxy).await?;
    let removed = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND proxy_id = $2")
        .bind(g.id)
        .bind(a.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound(format!(
            "API Proxy ({}) is not a member of group ({})!",
            a.name, g.name
        )));
    }
    crate::rows::record_audit(
        &mut tx,
        actor,
        "REMOVE_MEMBER",
        "API_PROXY_GROUP",
        &g.name,
        Some(p.id),
        &a.name,
    )
    .await?;
    let out = load_one(&mut tx, p.id, &g.name).await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn get_group(cp: &ControlPlane, actor: &Actor, project: &str, name: &str) -> Result<ApiProxyGroup> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    load_one(&mut conn, p.id, name).await
}

pub async fn list_groups(cp: &ControlPlane, actor: &Actor, project: &str) -> Result<Vec<ApiProxyGroup>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    load(&mut conn, p.id, None).await
}

pub(crate) async fn load_all(conn: &mut Conn, project_id: i64) -> Result<Vec<ApiProxyGroup>> {
    load(conn, project_id, None).await
}

pub(crate) async fn load_one(conn: &mut Conn, project_id: i64, name: &str) -> Result<ApiProxyGroup> {
    load(conn, project_id, Some(name))
        .await?
        .pop()
        .ok_or_else(|| group_not_found(name))
}

async fn load(conn: &mut Conn, project_id: i64, only: Option<&str>) -> Result<Vec<ApiProxyGroup>> {
    let rows: Vec<crate::rows::ConfigRow> = sqlx::query_as(
        "SELECT id, public_id, name, config, created_at, updated_at FROM api_proxy_groups
         WHERE project_id = $1 AND ($2 IS NULL OR name = $2) ORDER BY name",
    )
    .bind(project_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    // Every listed group's members in one query, not one per group.
    let memberships: Vec<(i64, String)> = sqlx::query_as(
        "SELECT m.group_id, a.name FROM group_members m JOIN api_proxies a ON a.id = m.proxy_id
         JOIN api_proxy_groups g ON g.id = m.group_id
         WHERE g.project_id = $1 AND ($2 IS NULL OR g.name = $2) ORDER BY a.name",
    )
    .bind(project_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let mut members_of: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for (group_id, proxy) in memberships {
        members_of.entry(group_id).or_default().push(proxy);
    }
    let mut out = Vec::with_capacity(rows.len());
    for g in rows {
        let members = members_of.remove(&g.id).unwrap_or_default();
        out.push(ApiProxyGroup {
            id: g.public_id,
            name: g.name,
            spec: from_json(&g.config)?,
            members,
            created_at: g.created_at,
            updated_at: g.updated_at,
        });
    }
    Ok(out)
}
