//! Who may do what in a project: the API_MANAGEMENT permissions, the project admin role, and membership.

use crate::db::Flag;

use crate::rows::authorize;
use crate::users::find_user_by_name;
use crate::{Actor, ControlPlane, Error, Result};

pub use crate::model::{Member, Permission};
pub use crate::rows::Need;

/// Whether the actor may do `need` in the project (for showing or hiding actions; the operation checks again).
pub async fn may(cp: &ControlPlane, actor: &Actor, project: &str, need: Need) -> Result<bool> {
    let mut conn = cp.pool().acquire().await?;
    match authorize(&mut conn, actor, project, need).await {
        Ok(_) => Ok(true),
        Err(Error::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

fn parse_permissions(text: &str) -> Vec<Permission> {
    text.split(',').filter_map(Permission::parse).collect()
}

fn format_permissions(permissions: &[Permission]) -> String {
    Permission::ALL
        .into_iter()
        .filter(|p| permissions.contains(p))
        .map(Permission::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn list_members(cp: &ControlPlane, actor: &Actor, project: &str) -> Result<Vec<Member>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    let rows: Vec<(String, Flag, String)> = sqlx::query_as(
        "SELECT u.username, m.project_admin, m.permissions FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 ORDER BY u.username",
    )
    .bind(p.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(username, Flag(project_admin), permissions)| Member {
            username,
            project_admin,
            permissions: parse_permissions(&permissions),
        })
        .collect())
}

pub async fn get_member(cp: &ControlPlane, actor: &Actor, project: &str, username: &str) -> Result<Member> {
    list_members(cp, actor, project)
        .await?
        .into_iter()
        .find(|m| m.username.eq_ignore_ascii_case(username))
        .ok_or_else(|| {
            Error::NotFound(format!(
                "Member ({username}) was not found in project ({project})!"
            ))
        })
}

/// Adds a member or replaces what they hold. Project admins and system admins only.
pub async fn set_member(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    username: &str,
    project_admin: bool,
    permissions: &[Permission],
) -> Result<Member> {
    let user = find_user_by_name(cp, username)
        .await?
        .ok_or_else(|| Error::Invalid(format!("User ({username}) was not found!")))?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::ProjectAdmin).await?;
    let stored = format_permissions(if project_admin {
        &Permission::ALL
    } else {
        permissions
    });
    sqlx::query(
        "INSERT INTO project_members (project_id, user_id, project_admin, permissions) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, user_id) DO UPDATE SET project_admin = excluded.project_admin,
         permissions = excluded.permissions",
    )
    .bind(p.id)
    .bind(user.id)
    .bind(project_admin)
    .bind(&stored)
    .execute(&mut *tx)
    .await?;
    let detail = if project_admin {
        "project admin".to_owned()
    } else {
        stored.clone()
    };
    crate::rows::record_audit(
        &mut tx,
        actor,
        "SET_MEMBER",
        "MEMBER",
        &user.username,
        Some(p.id),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(Member {
        username: user.username,
        project_admin,
        permissions: parse_permissions(&stored),
    })
}

pub async fn remove_member(cp: &ControlPlane, actor: &Actor, project: &str, username: &str) -> Result<()> {
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::ProjectAdmin).await?;
    let removed = sqlx::query(
        "DELETE FROM project_members WHERE project_id = $1 AND user_id = (SELECT id FROM users WHERE username = $2)",
    )
    .bind(p.id)
    .bind(username)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound(format!(
            "Member ({username}) was not found in project ({project})!"
        )));
    }
    crate::rows::record_audit(
        &mut tx,
        actor,
        "REMOVE_MEMBER",
        "MEMBER",
        username,
        Some(p.id),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
