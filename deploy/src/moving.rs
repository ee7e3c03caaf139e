//! Moving a control plane's data: `copy-database` (SQLite to PostgreSQL, or back) and `backup` (a consistent
//! copy of a SQLite file while it serves).

use std::path::Path;

use sha2::{Digest, Sha256};
use sqlx::{Row, ValueRef};

use crate::db::{Backend, Conn, Flag};
use crate::{ControlPlane, Error, Result};

/// Every table that holds the installation's data, parents before children, with the order its rows are
/// compared in. Console sessions are not copied (people sign in again); `live_paths` is derived from
/// `deployments` by the target's own triggers and compared, not copied.
const TABLES: &[(&str, &str)] = &[
    ("users", "id"),
    ("projects", "id"),
    ("project_members", "project_id, user_id"),
    ("audit_log", "id"),
    ("api_tokens", "id"),
    ("environments", "id"),
    ("project_environments", "project_id, environment_id"),
    ("api_proxies", "id"),
    ("proxy_deploy_targets", "proxy_id, environment_id"),
    ("api_proxy_groups", "id"),
    ("group_members", "group_id, proxy_id"),
    ("deployments", "proxy_id, environment_id"),
    ("deploy_history", "id"),
    ("installation", "key"),
    ("gateway_reports", "node_id, environment"),
    ("node_tokens", "id"),
    ("gateway_nodes", "environment, node_id"),
];

/// Compared after the copy, never written by it.
const DERIVED: &[(&str, &str)] = &[("live_paths", "proxy_id, environment_id, path")];

/// Tables whose `id` PostgreSQL hands out from an identity sequence, moved past the copied ids.
const IDENTITIES: &[&str] = &[
    "users",
    "projects",
    "audit_log",
    "api_tokens",
    "environments",
    "api_proxies",
    "api_proxy_groups",
    "deploy_history",
    "node_tokens",
];

/// The yes/no columns (BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite).
const FLAGS: &[&str] = &["system_admin", "project_admin", "persistent", "connected"];

/// What a finished copy checked: each table's rows and fingerprint, equal on both sides.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub tables: Vec<TableCopy>,
}

#[derive(Debug, Clone)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: usize,
    /// SHA-256 of the table's rows in a form both backends read alike (flags as 0/1).
    pub fingerprint: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
    Flag,
}

fn kind_of(column: &str, declared: &str) -> Kind {
    if FLAGS.contains(&column) {
        Kind::Flag
    } else if declared.to_ascii_lowercase().contains("int") {
        Kind::Integer
    } else {
        Kind::Text
    }
}

/// The table's columns in order, with how each is read and written.
async fn columns(conn: &mut Conn, table: &str) -> Result<Vec<(String, Kind)>> {
    let rows: Vec<(String, String)> = match Backend::of(conn) {
        Backend::Sqlite => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut *conn)
                .await?
        }
        Backend::Postgres => {
            sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    if rows.is_empty() {
        return Err(Error::internal(format!("table {table} has no columns")));
    }
    Ok(rows
        .into_iter()
        .map(|(name, declared)| {
            let kind = kind_of(&name, &declared);
            (name, kind)
        })
        .collect())
}

/// One value, as both backends read it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Integer(i64),
    Text(String),
}

fn read_row(row: &sqlx::any::AnyRow, kinds: &[(String, Kind)]) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(kinds.len());
    for (i, (_, kind)) in kinds.iter().enumerate() {
        if row.try_get_raw(i)?.is_null() {
            out.push(Value::Null);
            continue;
        }
        out.push(match kind {
            Kind::Integer => Value::Integer(row.try_get::<i64, _>(i)?),
            Kind::Flag => Value::Integer(i64::from(row.try_get::<Flag, _>(i)?.0)),
            Kind::Text => Value::Text(row.try_get::<String, _>(i)?),
        });
    }
    Ok(out)
}

async fn read_table(
    conn: &mut Conn,
    table: &str,
    order: &str,
    kinds: &[(String, Kind)],
) -> Result<Vec<Vec<Value>>> {
    let names: Vec<&str> = kinds.iter().map(|(n, _)| n.as_str()).collect();
    let rows = sqlx::query(&format!(
        "SELECT {} FROM {table} ORDER BY {order}",
        names.join(", ")
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| read_row(r, kinds)).collect()
}

/// The rows' SHA-256 in an order both backends agree on: each row encoded, then sorted byte by byte (the
/// databases order text columns by their own collations, which differ).
fn fingerprint(rows: &[Vec<Value>]) -> String {
    let mut encoded: Vec<String> = rows
        .iter()
        .map(|row| {
            let mut line = String::new();
            for value in row {
                match value {
                    Value::Null => line.push_str("n;"),
                    Value::Integer(i) => line.push_str(&format!("i{i};")),
                    Value::Text(t) => line.push_str(&format!("t{}:{t};", t.len())),
                }
            }
            line
        })
        .collect();
    encoded.sort_unstable();
    let mut hash = Sha256::new();
    for line in encoded {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    format!("{:x}", hash.finalize())
}

/// Copies everything in `from` into `to`, which must be empty (migrated, with no data). One transaction on
/// the target: it commits only when every table's row count and fingerprint, read back inside it, equal the
/// source's; otherwise nothing is written.
pub async fn copy_database(from: &ControlPlane, to: &ControlPlane) -> Result<CopyReport> {
    let mut source = from.begin_read().await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM projects) + (SELECT COUNT(*) FROM environments)",
    )
    .fetch_one(&mut *source)
    .await?;
    if held == 0 {
        return Err(Error::Invalid(
            "The source database holds no users, projects or environments: is --from the right database?"
                .to_owned(),
        ));
    }
    let mut target = to.begin_write().await?;
    for (table, _) in TABLES {
        if *table == "installation" {
            continue;
        }
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *target)
            .await?;
        if n > 0 {
            return Err(Error::Conflict(format!(
                "The target database is not empty ({table} has {n} rows): copy-database only fills a new one."
            )));
        }
    }
    // The target's own installation id is replaced by the source's (the publish API's paths name it).
    sqlx::query("DELETE FROM installation")
        .execute(&mut *target)
        .await?;
    let mut report = Vec::new();
    for (table, order) in TABLES {
        let kinds = columns(&mut source, table).await?;
        if kinds != columns(&mut target, table).await? {
            return Err(Error::Invalid(format!(
                "Table {table} differs between the two databases; run the same Portico version on both."
            )));
        }
        let rows = read_table(&mut source, table, order, &kinds).await?;
        let names: Vec<&str> = kinds.iter().map(|(n, _)| n.as_str()).collect();
        let placeholders: Vec<String> = (1..=kinds.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        for row in &rows {
            let mut query = sqlx::query(&insert);
            for (value, (_, kind)) in row.iter().zip(&kinds) {
                query = match (kind, value) {
                    (Kind::Integer, Value::Integer(i)) => query.bind(*i),
                    (Kind::Integer, _) => query.bind(None::<i64>),
                    (Kind::Flag, Value::Integer(i)) => query.bind(*i != 0),
                    (Kind::Flag, _) => query.bind(None::<bool>),
                    (Kind::Text, Value::Text(t)) => query.bind(t.clone()),
                    (Kind::Text, _) => query.bind(None::<String>),
                };
            }
            query.execute(&mut *target).await?;
        }
        report.push((table, order, kinds, rows));
    }
    // The deployments triggers bumped the change counters as rows went in; the source's counters stand.
    for (_, _, kinds, rows) in report.iter().filter(|(t, ..)| **t == "environments") {
        let id = kinds.iter().position(|(n, _)| n == "id");
        let version = kinds.iter().position(|(n, _)| n == "live_version");
        if let (Some(id), Some(version)) = (id, version) {
            for row in rows {
                if let (Value::Integer(id), Value::Integer(version)) = (&row[id], &row[version]) {
                    sqlx::query("UPDATE environments SET live_version = $1 WHERE id = $2")
                        .bind(*version)
                        .bind(*id)
                        .execute(&mut *target)
                        .await?;
                }
            }
        }
    }
    if to.backend() == Backend::Postgres {
        for table in IDENTITIES {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut *target)
            .await?;
        }
    }
    // Read everything back inside the transaction and compare before committing.
    let mut tables = Vec::new();
    for (table, order, kinds, rows) in &report {
        let copied = read_table(&mut target, table, order, kinds).await?;
        let (theirs, ours) = (fingerprint(rows), fingerprint(&copied));
        if copied.len() != rows.len() || theirs != ours {
            return Err(Error::internal(format!(
                "copy of {table} does not match: {} rows ({theirs}) in the source, {} ({ours}) in the target",
                rows.len(),
                copied.len()
            )));
        }
        tables.push(TableCopy {
            table,
            rows: rows.len(),
            fingerprint: ours,
        });
    }
    for (table, order) in DERIVED {
        let kinds = columns(&mut source, table).await?;
        let (theirs, ours) = (
            read_table(&mut source, table, order, &kinds).await?,
            read_table(&mut target, table, order, &kinds).await?,
        );
        if fingerprint(&theirs) != fingerprint(&ours) {
            return Err(Error::internal(format!(
                "{table} rebuilt in the target does not match the source ({} rows, {} rows)",
                theirs.len(),
                ours.len()
            )));
        }
        tables.push(TableCopy {
            table,
            rows: ours.len(),
            fingerprint: fingerprint(&ours),
        });
    }
    source.commit().await?;
    target.commit().await?;
    Ok(CopyReport { tables })
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub bytes: u64,
}

/// Writes a consistent copy of a SQLite database to `to` while it serves (`VACUUM INTO` reads one snapshot),
/// then checks the copy's integrity. Refuses a file that exists. PostgreSQL is backed up with its own tools.
pub async fn backup(cp: &ControlPlane, to: &Path) -> Result<BackupReport> {
    if cp.backend() != Backend::Sqlite {
        return Err(Error::Invalid(
            "backup copies a SQLite database; back up PostgreSQL with pg_dump (see the README)".to_owned(),
        ));
    }
    if to.exists() {
        return Err(Error::Conflict(format!(
            "{} exists already; backup never overwrites a file",
            to.display()
        )));
    }
    let path = to
        .to_str()
        .ok_or_else(|| Error::Invalid(format!("{} is not a UTF-8 path", to.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(cp.pool())
        .await?;
    let mut copy = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true),
    )
    .await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await?;
    <sqlx::SqliteConnection as sqlx::Connection>::close(copy).await?;
    if integrity != "ok" {
        return Err(Error::internal(format!(
            "the backup at {path} fails its integrity check: {integrity}"
        )));
    }
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { bytes })
}
