//! Projects: the unit that API proxies, members and settings belong to.

use crate::error::{Constraint, OnConstraint};
use crate::names::{check_name, check_text};
use crate::{clock, ids, Actor, ControlPlane, Error, Result};

pub use crate::model::Project;

pub const DEFAULT_HISTORY_RETENTION: i64 = 10;

/// A `projects` row as read.
#[derive(sqlx::FromRow)]
struct ProjectRow {
    public_id: String,
    name: String,
    description: String,
    history_retention: i64,
    created_at: String,
}

fn from_row(r: ProjectRow) -> Project {
    let ProjectRow {
        public_id: id,
        name,
        description,
        history_retention,
        created_at,
    } = r;
    Project {
        id,
        name,
        description,
        history_retention,
        created_at,
    }
}

/// The projects the actor may see: all of them for a system admin, else those the actor is a member of.
pub async fn list_projects(cp: &ControlPlane, actor: &Actor) -> Result<Vec<Project>> {
    let rows: Vec<ProjectRow> = if actor.user.system_admin {
        sqlx::query_as(
            "SELECT public_id, name, description, history_retention, created_at FROM projects ORDER BY name",
        )
        .fetch_all(cp.pool())
        .await?
    } else {
        sqlx::query_as(
            "SELECT p.public_id, p.name, p.description, p.history_retention, p.created_at
             FROM projects p JOIN project_members m ON m.project_id = p.id
             WHERE m.user_id = $1 ORDER BY p.name",
        )
        .bind(actor.user.id)
        .fetch_all(cp.pool())
        .await?
    };
    Ok(rows.into_iter().map(from_row).collect())
}

/// Whether the actor may create projects (system admins only).
pub fn may_create_projects(actor: &Actor) -> bool {
    actor.user.system_admin
}

/// Creates a project. System admins only.
pub async fn create_project(
    cp: &ControlPlane,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<Project> {
    if !may_create_projects(actor) {
        return Err(Error::Forbidden(
            "Only a system admin may create projects.".into(),
        ));
    }
    let name = name.trim();
    let description = description.trim();
    check_name("projectName", name, 100)?;
    check_text("description", description, 1000)?;
    let project = Project {
        id: ids::public_id(),
        name: name.to_owned(),
        description: description.to_owned(),
        history_retention: DEFAULT_HISTORY_RETENTION,
        created_at: clock::now(),
    };
    let created_by = (actor.user.id > 0).then_some(actor.user.id);
    let mut tx = cp.begin_write().await?;
    let row_id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (public_id, name, description, history_retention, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&project.id)
    .bind(&project.name)
    .bind(&project.description)
    .bind(project.history_retention)
    .bind(&project.created_at)
    .bind(created_by)
    .fetch_one(&mut *tx)
    .await
    .on_constraint(Constraint::Unique, || {
        Error::Conflict(format!("Project ({name}) already exists!"))
    })?;
    crate::rows::record_audit(&mut tx, actor, "CREATE", "PROJECT", name, Some(row_id), "").await?;
    tx.commit().await?;
    Ok(project)
}

/// Adds a user to a project as project admin. Used when bootstrapping (the demo data set) and by project
/// membership management.
pub(crate) async fn add_project_admin(
    conn: &mut crate::db::Conn,
    project_name: &str,
    user_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_members (project_id, user_id, project_admin, permissions)
         SELECT id, $1, TRUE, 'VIEW,MANAGE,DEPLOY_UNDEPLOY,EXPORT_IMPORT' FROM projects WHERE name = $2
         ON CONFLICT (project_id, user_id) DO UPDATE SET project_admin = TRUE, permissions = excluded.permissions",
    )
    .bind(user_id)
    .bind(project_name)
    .execute(conn)
    .await?;
    Ok(())
}

/// One project the actor may see.
pub async fn get_project(cp: &ControlPlane, actor: &Actor, name: &str) -> Result<Project> {
    let mut conn = cp.pool().acquire().await?;
    let p = crate::rows::authorize(
        &mut conn,
        actor,
        name,
        crate::rows::Need::Permission(crate::model::Permission::View),
    )
    .await?;
    read(&mut conn, p.id).await
}

pub(crate) async fn read(conn: &mut crate::db::Conn, id: i64) -> Result<Project> {
    let row: ProjectRow = sqlx::query_as(
        "SELECT public_id, name, description, history_retention, created_at FROM projects WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(from_row(row))
}

pub const MAX_HISTORY_RETENTION: i64 = 1000;

/// Sets how many non-persistent history records each proxy keeps, and trims to it at once.
pub async fn set_history_retention(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    limit: i64,
) -> Result<Project> {
    if !(1..=MAX_HISTORY_RETENTION).contains(&limit) {
        return Err(Error::Invalid(format!(
            "deployHistoryRetention must be 1 to {MAX_HISTORY_RETENTION}."
        )));
    }
    let mut tx = cp.begin_write().await?;
    let p = crate::rows::authorize(&mut tx, actor, project, crate::rows::Need::ProjectAdmin).await?;
    sqlx::query("UPDATE projects SET history_retention = $1 WHERE id = $2")
        .bind(limit)
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    let proxies: Vec<i64> = sqlx::query_scalar("SELECT id FROM api_proxies WHERE project_id = $1")
        .bind(p.id)
        .fetch_all(&mut *tx)
        .await?;
    for proxy_id in proxies {
        crate::history::apply_retention(&mut tx, proxy_id, limit).await?;
    }
    crate::rows::record_audit(
        &mut tx,
        actor,
        "UPDATE_SETTINGS",
        "PROJECT",
        &p.name,
        Some(p.id),
        &format!("retention {limit}"),
    )
    .await?;
    let row: ProjectRow = sqlx::query_as(
        "SELECT public_id, name, description, history_retention, created_at FROM projects WHERE id = $1",
    )
    .bind(p.id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(from_row(row))
}

/// For each project the actor may see, by name: how many API proxies it has, and how many live deployments
/// of them. One query, however many projects.
pub async fn project_counts(cp: &ControlPlane, actor: &Actor) -> Result<Vec<(String, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT p.name,
            (SELECT COUNT(*) FROM api_proxies a WHERE a.project_id = p.id),
            (SELECT COUNT(*) FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id WHERE a.project_id = p.id)
         FROM projects p
         WHERE $1 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2)",
    )
    .bind(actor.user.system_admin)
    .bind(actor.user.id)
    .fetch_all(cp.pool())
    .await?)
}
