//! Deploy history: a numbered record per proxy of every deploy, undeploy, rollback and import, with the
//! configuration it made live; trimmed to the project's retention limit, except records kept on purpose.

use crate::db::{Conn, Flag};

use crate::model::Permission;
use crate::rows::find_proxy;
use crate::rows::{authorize, Need};
use crate::{Actor, ControlPlane, Error, Result};

pub use crate::model::{Action, HistoryRecord};

/// Retention, the one rule: a proxy's non-persistent records beyond the newest `$limit` go, except revision
/// `$keep` when it is not NULL (a rollback never trims the record it rolled back to). The arguments are SQL expressions, so the
/// deploy batch (which reads them from its `v` row) and `apply_retention` share the words.
macro_rules! trim_history_of {
    ($proxy:literal, $keep:literal, $limit:literal) => {
        concat!(
            "DELETE FROM deploy_history WHERE id IN (
                SELECT id FROM (SELECT id, row_number() OVER (ORDER BY revision DESC) AS n FROM deploy_history
                                WHERE proxy_id = ",
            $proxy,
            " AND persistent = FALSE AND revision IS DISTINCT FROM ",
            $keep,
            ") ranked
                WHERE n > ",
            $limit,
            ")"
        )
    };
}
pub(crate) use trim_history_of;

/// Deletes the oldest non-persistent records of a proxy beyond the limit.
pub(crate) async fn apply_retention(conn: &mut Conn, proxy_id: i64, limit: i64) -> Result<()> {
    sqlx::query(trim_history_of!("$1", "NULL", "$2"))
        .bind(proxy_id)
        .bind(limit)
        .execute(conn)
        .await?;
    Ok(())
}

/// A `deploy_history` row as read (by `COLUMNS`).
#[derive(sqlx::FromRow)]
struct HistoryRow {
    public_id: String,
    revision: i64,
    action: String,
    environment_name: Option<String>,
    username: String,
    at: String,
    description: String,
    #[sqlx(try_from = "Flag")]
    persistent: bool,
    snapshot: String,
}

fn from_row(row: HistoryRow, with_snapshot: bool) -> Result<HistoryRecord> {
    let HistoryRow {
        public_id: id,
        revision,
        action,
        environment_name,
        username,
        at,
        description,
        persistent,
        snapshot,
    } = row;
    Ok(HistoryRecord {
        id,
        revision,
        action: Action::parse(&action),
        environment_name,
        username,
        at,
        description,
        persistent,
        // A record whose snapshot cannot be read is refused as rollback refuses it (400), not a fault (500).
        snapshot: if with_snapshot {
            Some(serde_json::from_str(&snapshot).map_err(|_| {
                Error::Invalid(format!(
                    "Deploy history revision ({revision}) holds a configuration that can not be read!"
                ))
            })?)
        } else {
            None
        },
    })
}

const COLUMNS: &str =
    "public_id, revision, action, environment_name, username, at, description, persistent, snapshot";

/// A proxy's history, newest first.
pub async fn list_history(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
) -> Result<Vec<HistoryRecord>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    let a = find_proxy(&mut conn, p.id, proxy).await?;
    records(&mut conn, a.id).await
}

/// A proxy's deploy history, newest first, without snapshots.
pub(crate) async fn records(conn: &mut Conn, proxy_id: i64) -> Result<Vec<HistoryRecord>> {
    let rows: Vec<HistoryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM deploy_history WHERE proxy_id = $1 ORDER BY revision DESC"
    ))
    .bind(proxy_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(|r| from_row(r, false)).collect()
}

pub(crate) fn revision_not_found(proxy: &str, revision: i64) -> Error {
    Error::NotFound(format!(
        "Deploy history revision ({revision}) of API Proxy ({proxy}) was not found!"
    ))
}

/// One record with its snapshot.
pub async fn get_record(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    revision: i64,
) -> Result<HistoryRecord> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    let a = find_proxy(&mut conn, p.id, proxy).await?;
    let row: Option<HistoryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM deploy_history WHERE proxy_id = $1 AND revision = $2"
    ))
    .bind(a.id)
    .bind(revision)
    .fetch_optional(&mut *conn)
    .await?;
    from_row(row.ok_or_else(|| revision_not_found(&a.name, revision))?, true)
}

/// Pins or unpins a record. An unpinned record counts toward the retention limit again at once.
pub async fn set_persistent(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    revision: i64,
    persistent: bool,
) -> Result<HistoryRecord> {
    let mut tx = cp.begin_write().await?;
    let p = authorize(
        &mut tx,
        actor,
        project,
        Need::Permission(Permission::DeployUndeploy),
    )
    .await?;
    let a = find_proxy(&mut tx, p.id, proxy).await?;
    let changed =
        sqlx::query("UPDATE deploy_history SET persistent = $1 WHERE proxy_id = $2 AND revision = $3")
            .bind(persistent)
            .bind(a.id)
            .bind(revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(revision_not_found(&a.name, revision));
    }
    // Read back before retention runs: an unpinned record may be the one it deletes.
    let row: HistoryRow = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM deploy_history WHERE proxy_id = $1 AND revision = $2"
    ))
    .bind(a.id)
    .bind(revision)
    .fetch_one(&mut *tx)
    .await?;
    if !persistent {
        apply_retention(&mut tx, a.id, p.history_retention).await?;
    }
    let verb = if persistent { "PIN" } else { "UNPIN" };
    crate::rows::record_audit(
        &mut tx,
        actor,
        verb,
        "DEPLOY_HISTORY",
        &format!("{}#{revision}", a.name),
        Some(p.id),
        "",
    )
    .await?;
    tx.commit().await?;
    from_row(row, true)
}
