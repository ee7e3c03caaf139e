//! What operations read and write inside their transactions: project, proxy, group and environment lookups,
//! the permission check, what is live, and the audit record. Below every operation module, so none of the
//! operations (deployments, environments, groups, history, proxies, access, audit, users) depends on another.

use crate::db::{Conn, Flag};
use crate::model::{
    from_json, Environment, EnvironmentType, GroupSpec, LiveProxy, Permission, ProxySpec, Snapshot,
};
use crate::{clock, Actor, Error, Result};

/// A proxy row as operations inside this crate use it.
pub(crate) struct ProxyRow {
    pub id: i64,
    pub name: String,
}

pub(crate) fn proxy_not_found(name: &str) -> Error {
    Error::NotFound(format!(
        "API Proxy ({name}) is not found or user does not have privilege to access it!"
    ))
}

pub(crate) async fn find_proxy(conn: &mut Conn, project_id: i64, name: &str) -> Result<ProxyRow> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM api_proxies WHERE project_id = $1 AND name = $2")
            .bind(project_id)
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    let (id, name) = row.ok_or_else(|| proxy_not_found(name))?;
    Ok(ProxyRow { id, name })
}

pub(crate) struct GroupRow {
    pub id: i64,
    pub name: String,
    pub spec: GroupSpec,
}

pub(crate) fn group_not_found(name: &str) -> Error {
    Error::NotFound(format!(
        "API Proxy Group ({name}) is not found or user does not have privilege to access it!"
    ))
}

pub(crate) async fn find_group(conn: &mut Conn, project_id: i64, name: &str) -> Result<GroupRow> {
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, config FROM api_proxy_groups WHERE project_id = $1 AND name = $2")
            .bind(project_id)
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    let (id, name, config) = row.ok_or_else(|| group_not_found(name))?;
    Ok(GroupRow {
        id,
        name,
        spec: from_json(&config)?,
    })
}

/// A row of `api_proxies` or `api_proxy_groups` (named configurations of a project) as their loaders read it.
#[derive(sqlx::FromRow)]
pub(crate) struct ConfigRow {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub config: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An `environments` row as read (by `COLUMNS`).
#[derive(sqlx::FromRow)]
pub(crate) struct EnvironmentRow {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub env_type: String,
    pub description: String,
    pub access_url: Option<String>,
    pub created_at: String,
}

pub(crate) fn environment_from_row(r: EnvironmentRow) -> Environment {
    Environment {
        id: r.public_id,
        name: r.name,
        env_type: EnvironmentType::parse(&r.env_type),
        description: r.description,
        access_url: r.access_url,
        created_at: r.created_at,
    }
}

pub(crate) const ENVIRONMENT_COLUMNS: &str =
    "e.id, e.public_id, e.name, e.env_type, e.description, e.access_url, e.created_at";

pub(crate) fn environment_not_found(name: &str) -> Error {
    Error::Invalid(format!(
        "Environment ({name}) is not found or user does not have privilege to access it!"
    ))
}

/// An environment the project may use, looked up inside a transaction.
pub(crate) async fn project_environment(
    conn: &mut Conn,
    project_id: i64,
    name: &str,
) -> Result<(i64, Environment)> {
    let row: Option<EnvironmentRow> = sqlx::query_as(&format!(
        "SELECT {ENVIRONMENT_COLUMNS} FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 AND e.name = $2"
    ))
    .bind(project_id)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    let row = row.ok_or_else(|| environment_not_found(name))?;
    Ok((row.id, environment_from_row(row)))
}

/// What of a project is live in an environment.
pub(crate) async fn live_in_environment(
    conn: &mut Conn,
    project_id: i64,
    env_id: i64,
) -> Result<Vec<LiveProxy>> {
    Ok(live_rows(conn, project_id, Some(env_id))
        .await?
        .remove(&env_id)
        .unwrap_or_default())
}

/// What of a project is live, by environment id, in one query.
pub(crate) async fn live_in_project(
    conn: &mut Conn,
    project_id: i64,
) -> Result<std::collections::HashMap<i64, Vec<LiveProxy>>> {
    live_rows(conn, project_id, None).await
}

async fn live_rows(
    conn: &mut Conn,
    project_id: i64,
    env_id: Option<i64>,
) -> Result<std::collections::HashMap<i64, Vec<LiveProxy>>> {
    #[derive(sqlx::FromRow)]
    struct Live {
        environment_id: i64,
        name: String,
        config: String,
        revision: i64,
        deployed_by: String,
        deployed_at: String,
        snapshot: String,
    }
    let rows: Vec<Live> = sqlx::query_as(
        "SELECT d.environment_id, a.name, a.config, d.revision, d.deployed_by, d.deployed_at, d.snapshot
         FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         WHERE a.project_id = $1 AND ($2 IS NULL OR d.environment_id = $2) ORDER BY a.name",
    )
    .bind(project_id)
    .bind(env_id)
    .fetch_all(conn)
    .await?;
    let mut out: std::collections::HashMap<i64, Vec<LiveProxy>> = Default::default();
    for row in rows {
        let current: ProxySpec = from_json(&row.config)?;
        let live: Snapshot = from_json(&row.snapshot)?;
        out.entry(row.environment_id).or_default().push(LiveProxy {
            redeploy_required: live.proxy != current || live.name != row.name,
            proxy: row.name,
            revision: row.revision,
            deployed_by: row.deployed_by,
            deployed_at: row.deployed_at,
        });
    }
    Ok(out)
}

/// What an operation needs of the actor in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Permission(Permission),
    ProjectAdmin,
}

/// A project the actor has been let into.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ProjectRef {
    pub id: i64,
    pub name: String,
    pub history_retention: i64,
}

pub(crate) fn project_not_found(name: &str) -> Error {
    Error::NotFound(format!(
        "Project({name}) was not found or user does not have privilege to access it!"
    ))
}

/// Finds a project and checks the actor's right to do `need` there. A project the actor may not see is
/// answered exactly like one that does not exist.
pub(crate) async fn authorize(
    conn: &mut Conn,
    actor: &Actor,
    project: &str,
    need: Need,
) -> Result<ProjectRef> {
    authorize_on(conn, actor, ProjectKey::Name(project), need).await
}

/// How a request names its project: the APIOps API by name, the cloud-style API by stable id.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ProjectKey<'a> {
    Name(&'a str),
    PublicId(&'a str),
}

pub(crate) async fn authorize_on(
    conn: &mut Conn,
    actor: &Actor,
    key: ProjectKey<'_>,
    need: Need,
) -> Result<ProjectRef> {
    let (found, held) = membership(conn, actor, key).await?;
    if held.grants(need) {
        Ok(found)
    } else {
        Err(lacking(&found.name, need))
    }
}

/// The refusal of a member who lacks what an operation needs.
pub(crate) fn lacking(project: &str, need: Need) -> Error {
    Error::Forbidden(match need {
        Need::ProjectAdmin => format!("User does not have the project admin role in project ({project})!"),
        Need::Permission(p) => format!(
            "User does not have API_MANAGEMENT + {} permission in project ({project})!",
            p.as_str()
        ),
    })
}

/// What the actor holds in a project they may see.
#[derive(Debug, Clone)]
pub(crate) enum Held {
    SystemAdmin,
    Member {
        project_admin: bool,
        permissions: String,
    },
}

impl Held {
    pub(crate) fn grants(&self, need: Need) -> bool {
        match self {
            Held::SystemAdmin
            | Held::Member {
                project_admin: true, ..
            } => true,
            Held::Member { permissions, .. } => match need {
                Need::ProjectAdmin => false,
                Need::Permission(p) => permissions.split(',').any(|held| held == p.as_str()),
            },
        }
    }

    pub(crate) fn rights(&self) -> crate::model::Rights {
        let may = |p| self.grants(Need::Permission(p));
        crate::model::Rights {
            manage: may(Permission::Manage),
            deploy: may(Permission::DeployUndeploy),
            export_import: may(Permission::ExportImport),
            project_admin: self.grants(Need::ProjectAdmin),
        }
    }
}

/// Finds a project and what the actor holds there, in one query. A project the actor is not a member of
/// is answered exactly like one that does not exist (system admins see every project).
pub(crate) async fn membership(
    conn: &mut Conn,
    actor: &Actor,
    key: ProjectKey<'_>,
) -> Result<(ProjectRef, Held)> {
    let (project, sql) = match key {
        ProjectKey::Name(name) => (
            name,
            "SELECT p.id, p.name, p.history_retention, m.project_admin, m.permissions
             FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $1
             WHERE p.name = $2",
        ),
        ProjectKey::PublicId(id) => (
            id,
            "SELECT p.id, p.name, p.history_retention, m.project_admin, m.permissions
             FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $1
             WHERE p.public_id = $2",
        ),
    };
    /// The project, and the actor's membership of it when there is one.
    #[derive(sqlx::FromRow)]
    struct Membership {
        #[sqlx(flatten)]
        project: ProjectRef,
        project_admin: Option<Flag>,
        permissions: Option<String>,
    }
    let row: Option<Membership> = sqlx::query_as(sql)
        .bind(actor.user.id)
        .bind(project)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(Membership {
        project: found,
        project_admin,
        permissions,
    }) = row
    else {
        return Err(project_not_found(project));
    };
    if actor.user.system_admin {
        return Ok((found, Held::SystemAdmin));
    }
    match (project_admin, permissions) {
        (Some(Flag(project_admin)), Some(permissions)) => Ok((
            found,
            Held::Member {
                project_admin,
                permissions,
            },
        )),
        _ => Err(project_not_found(project)),
    }
}

/// Writes an audit line inside the caller's transaction, so the change and its record commit together.
pub(crate) async fn record_audit(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_name: &str,
    project_id: Option<i64>,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, channel, action, object_type, object_name, project_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(clock::now())
    .bind(&actor.user.username)
    .bind(actor.channel.as_str())
    .bind(action)
    .bind(object_type)
    .bind(object_name)
    .bind(project_id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}
