//! Environments (test, staging, production, ...): created by system admins, assigned to the projects that
//! may deploy to them.

use crate::rows::{
    environment_from_row as from_row, environment_not_found, EnvironmentRow, ENVIRONMENT_COLUMNS as COLUMNS,
};

use crate::db::Conn;
use crate::error::{Constraint, OnConstraint};
use crate::model::Permission;
use crate::names::{check_name, check_text};
use crate::rows::{authorize, Need};
use crate::{clock, ids, Actor, ControlPlane, Error, Result};

pub use crate::model::{
    Environment, EnvironmentLive, EnvironmentType, NewEnvironment, ProjectEnvironment, ProjectLive,
};

pub async fn create_environment(
    cp: &ControlPlane,
    actor: &Actor,
    new: NewEnvironment,
) -> Result<Environment> {
    if !actor.user.system_admin {
        return Err(Error::Forbidden(
            "Only a system admin may create environments.".into(),
        ));
    }
    check_name("environmentName", new.name.trim(), 100)?;
    check_text("description", &new.description, 1000)?;
    // A blank field (a form left empty) is no access URL.
    let access_url = new.access_url.filter(|url| !url.trim().is_empty());
    if let Some(url) = &access_url {
        crate::model::check_access_url(url)?;
    }
    let env = Environment {
        id: ids::public_id(),
        name: new.name.trim().to_owned(),
        env_type: new.env_type,
        description: new.description,
        access_url,
        created_at: clock::now(),
    };
    let mut tx = cp.begin_write().await?;
    sqlx::query(
        "INSERT INTO environments (public_id, name, env_type, description, access_url, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&env.id)
    .bind(&env.name)
    .bind(env.env_type.as_str())
    .bind(&env.description)
    .bind(&env.access_url)
    .bind(&env.created_at)
    .execute(&mut *tx)
    .await
    .on_constraint(Constraint::Unique, || {
        Error::Conflict(format!("Environment ({}) already exists!", env.name))
    })?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "CREATE",
        "ENVIRONMENT",
        &env.name,
        None,
        env.env_type.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(env)
}

/// All environments for a system admin; otherwise those assigned to a project the actor is a member of.
pub async fn list_environments(cp: &ControlPlane, actor: &Actor) -> Result<Vec<Environment>> {
    let rows: Vec<EnvironmentRow> = if actor.user.system_admin {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM environments e ORDER BY e.name"))
            .fetch_all(cp.pool())
            .await?
    } else {
        sqlx::query_as(&format!(
            "SELECT DISTINCT {COLUMNS} FROM environments e
             JOIN project_environments pe ON pe.environment_id = e.id
             JOIN project_members m ON m.project_id = pe.project_id
             WHERE m.user_id = $1 ORDER BY e.name"
        ))
        .bind(actor.user.id)
        .fetch_all(cp.pool())
        .await?
    };
    Ok(rows.into_iter().map(from_row).collect())
}

/// Lets a project deploy to an environment. System admins only.
pub async fn assign_environment(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    environment: &str,
) -> Result<()> {
    if !actor.user.system_admin {
        return Err(Error::Forbidden(
            "Only a system admin may assign environments to projects.".into(),
        ));
    }
    let mut tx = cp.begin_write().await?;
    let p = authorize(&mut tx, actor, project, Need::Permission(Permission::View)).await?;
    let env_id: Option<i64> = sqlx::query_scalar("SELECT id FROM environments WHERE name = $1")
        .bind(environment)
        .fetch_optional(&mut *tx)
        .await?;
    let env_id = env_id.ok_or_else(|| environment_not_found(environment))?;
    sqlx::query("INSERT INTO project_environments (project_id, environment_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(p.id)
        .bind(env_id)
        .execute(&mut *tx)
        .await?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "ASSIGN",
        "ENVIRONMENT",
        environment,
        Some(p.id),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn project_environments(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
) -> Result<Vec<ProjectEnvironment>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    assigned(&mut conn, p.id).await
}

/// The environments assigned to a project, each with whether the project has anything live there.
pub(crate) async fn assigned(conn: &mut Conn, project_id: i64) -> Result<Vec<ProjectEnvironment>> {
    let rows: Vec<EnvironmentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 ORDER BY e.name"
    ))
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?;
    // What is live of the project in every environment, in one query, not one per environment.
    let mut live_in = crate::rows::live_in_project(conn, project_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let live = live_in.remove(&row.id).unwrap_or_default();
        out.push(ProjectEnvironment {
            environment: from_row(row),
            deployed: !live.is_empty(),
            redeploy_required: live.iter().any(|l| l.redeploy_required),
        });
    }
    Ok(out)
}

/// The environment, if the actor may see it; one they may not is answered like one that does not exist.
pub(crate) async fn visible_environment(
    cp: &ControlPlane,
    actor: &Actor,
    environment: &str,
) -> Result<Environment> {
    list_environments(cp, actor)
        .await?
        .into_iter()
        .find(|e| e.name.eq_ignore_ascii_case(environment))
        .ok_or_else(|| {
            Error::NotFound(format!(
                "Environment ({environment}) is not found or user does not have privilege to access it!"
            ))
        })
}

/// What is live in an environment, in each project the actor may see. An environment the actor may not see
/// is answered like one that does not exist.
pub async fn environment_live(
    cp: &ControlPlane,
    actor: &Actor,
    environment: &str,
) -> Result<EnvironmentLive> {
    let env = visible_environment(cp, actor, environment).await?;
    let mut conn = cp.pool().acquire().await?;
    let projects: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT p.id, p.name, p.public_id FROM projects p
         JOIN project_environments pe ON pe.project_id = p.id
         JOIN environments e ON e.id = pe.environment_id
         WHERE e.public_id = $1 ORDER BY p.name",
    )
    .bind(&env.id)
    .fetch_all(&mut *conn)
    .await?;
    let env_id: i64 = sqlx::query_scalar("SELECT id FROM environments WHERE public_id = $1")
        .bind(&env.id)
        .fetch_one(&mut *conn)
        .await?;
    let mut seen = Vec::new();
    for (project_id, name, public_id) in projects {
        match authorize(&mut conn, actor, &name, Need::Permission(Permission::View)).await {
            Ok(_) => {}
            Err(Error::NotFound(_) | Error::Forbidden(_)) => continue,
            Err(e) => return Err(e),
        }
        seen.push(ProjectLive {
            live: crate::rows::live_in_environment(&mut conn, project_id, env_id).await?,
            project: name,
            project_id: public_id,
        });
    }
    Ok(EnvironmentLive {
        environment: env,
        projects: seen,
    })
}
