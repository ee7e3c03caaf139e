//! The audit log: who changed what, when, through which door.

use crate::{Actor, ControlPlane, Result};

pub use crate::model::{AuditEntry, AuditFilter};

/// An `audit_log` row as read.
#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    channel: String,
    action: String,
    object_type: String,
    object_name: String,
    detail: String,
}

fn from_row(r: AuditRow) -> AuditEntry {
    AuditEntry {
        id: r.id,
        at: r.at,
        actor: r.actor,
        channel: r.channel,
        action: r.action,
        object_type: r.object_type,
        object_name: r.object_name,
        detail: r.detail,
    }
}

/// A project's audit log, newest first.
pub async fn project_log(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let mut conn = cp.pool().acquire().await?;
    let p = crate::rows::authorize(
        &mut conn,
        actor,
        project,
        crate::rows::Need::Permission(crate::model::Permission::View),
    )
    .await?;
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT id, at, actor, channel, action, object_type, object_name, detail FROM audit_log
         WHERE project_id = $1 AND ($2 IS NULL OR actor = $2) AND ($3 IS NULL OR object_name = $3)
         AND ($4 IS NULL OR action = $4) ORDER BY id DESC LIMIT $5",
    )
    .bind(p.id)
    .bind(filter.user.as_deref().filter(|s| !s.is_empty()))
    .bind(filter.object.as_deref().filter(|s| !s.is_empty()))
    .bind(filter.action.as_deref().filter(|s| !s.is_empty()))
    .bind(limit.clamp(1, 1000))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}
