//! The write steps of a deploy, an undeploy, a rollback and an import: one proxy's next revision, its history
//! record, retention and what is live, in one round trip on SQLite. Operations call them inside their own
//! transactions, after their own checks.

use crate::backends::BackendPolicy;
use crate::db::{Backend, Conn, Flag};
use crate::model::{from_json, to_json, Action, DeployOptions, GroupSnapshot, ProxySpec, Snapshot};
use crate::rows::{GroupRow, ProjectRef};
use crate::{clock, ids, Actor, Error, Result};

/// A proxy about to be deployed, read as `id, name, config, allowed, live_group`.
#[derive(sqlx::FromRow)]
pub(crate) struct Candidate {
    pub id: i64,
    pub name: String,
    pub config: String,
    /// Whether the environment is in the proxy's deploy list.
    #[sqlx(try_from = "Flag")]
    pub allowed: bool,
    /// The group part of what is live of the proxy there, when it went live with a group it still belongs to
    /// (looked up with the rest for a single deploy, which keeps it; a group deploy brings its own).
    pub live_group: Option<String>,
}

/// The group part of a live snapshot, when the proxy still belongs to that group. Kept with a proxy
/// deployed on its own where its group is live.
macro_rules! live_group_of {
    (sqlite, $proxy:literal, $environment:literal) => {
        crate::steps::live_group_of!(
            @ "json_extract(d.snapshot, '$.group')",
            "json_extract(d.snapshot, '$.group.name')",
            $proxy,
            $environment
        )
    };
    (postgres, $proxy:literal, $environment:literal) => {
        crate::steps::live_group_of!(
            @ "CASE WHEN json_typeof(d.snapshot::json -> 'group') = 'object'
                    THEN (d.snapshot::json -> 'group')::text END",
            "d.snapshot::json #>> '{group,name}'",
            $proxy,
            $environment
        )
    };
    // The query, around the dialect's two JSON expressions: the snapshot's group, and that group's name.
    (@ $group:literal, $group_name:literal, $proxy:literal, $environment:literal) => {
        concat!(
            "(SELECT ", $group, " FROM deployments d WHERE d.proxy_id = ", $proxy,
            " AND d.environment_id = ", $environment,
            " AND EXISTS (SELECT 1 FROM group_members m JOIN api_proxy_groups g ON g.id = m.group_id
                          WHERE m.proxy_id = ", $proxy, " AND g.name = ", $group_name, "))"
        )
    };
}

/// What one deploy or undeploy of one proxy needs to know.
pub(crate) struct Step<'a> {
    pub actor: &'a Actor,
    pub project: &'a ProjectRef,
    /// The environment (id, name) a deploy or undeploy works in; none for a step that only records.
    pub environment: Option<(i64, &'a str)>,
    pub description: &'a str,
    pub options: &'a DeployOptions,
    pub backends: &'a BackendPolicy,
    /// A revision retention must not trim (a rollback's target).
    pub keep_revision: Option<i64>,
}

impl Step<'_> {
    fn environment(&self) -> Result<(i64, &str)> {
        self.environment
            .ok_or_else(|| Error::internal("a deploy step names no environment"))
    }
}

/// Makes a proxy's current configuration live in an environment and records it. Fails with `Invalid` (and
/// writes nothing) when the environment is not in the proxy's deploy list.
pub(crate) async fn deploy_one(
    conn: &mut Conn,
    step: &Step<'_>,
    candidate: &Candidate,
    group: Option<&GroupRow>,
) -> Result<Written> {
    if !candidate.allowed {
        return Err(Error::Invalid(not_allowed(
            &candidate.name,
            step.environment()?.1,
        )));
    }
    let snapshot = Snapshot {
        name: candidate.name.clone(),
        proxy: from_json::<ProxySpec>(&candidate.config)?,
        group: group.map(|g| GroupSnapshot {
            name: g.name.clone(),
            settings: g.spec.clone(),
        }),
    };
    let live_group = match &candidate.live_group {
        Some(json) => LiveGroup::Known(Some(from_json(json)?)),
        None => LiveGroup::Known(None),
    };
    make_live(conn, step, candidate.id, snapshot, live_group, Action::Deploy).await
}

pub(crate) fn not_allowed(proxy: &str, environment: &str) -> String {
    format!("Environment ({environment}) is not in the deploy list of API Proxy ({proxy})!")
}

/// The parameters of one write step, named once. Every statement below starts with it, so each statement
/// uses all thirteen numbered parameters: sqlx binds `$N` by position per statement and miscounts a statement
/// that skips one. `paths` is what `live_paths::guard_paths` makes of the snapshot ("[]" when unused).
macro_rules! step_values {
    () => {
        "WITH v (proxy_id, action, env_name, username, at, description, persistent, snapshot, retention, env_id,
                 record_id, keep_revision, paths)
         AS (VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)) "
    };
}

/// One path, one owner: fails the batch (constraint `one_path_one_owner`) before it writes anything when one
/// of the snapshot's paths equals, lies under or lies over a path another proxy has live in the environment.
/// On PostgreSQL it is a query of its own, run first, that answers a row when a path is taken: a failed
/// statement there would abort the transaction, and a savepoint per step costs a subtransaction each.
/// Three index lookups per path on (environment_id, path): the same path, a path above it, a path below it.
macro_rules! guard_paths {
    (sqlite) => {
        concat!(
            step_values!(),
            "INSERT INTO path_guard (ok)
             SELECT 0 FROM v, json_each(v.paths) m
             WHERE EXISTS (SELECT 1 FROM live_paths l
                           WHERE l.environment_id = v.env_id AND l.path = json_extract(m.value, '$.path')
                             AND l.proxy_id <> v.proxy_id)
                OR EXISTS (SELECT 1 FROM json_each(m.value, '$.over') o, live_paths l
                           WHERE l.environment_id = v.env_id AND l.path = o.value AND l.proxy_id <> v.proxy_id)
                OR EXISTS (SELECT 1 FROM live_paths l
                           WHERE l.environment_id = v.env_id
                             AND l.path >= json_extract(m.value, '$.path') || '/'
                             AND l.path < json_extract(m.value, '$.path') || '0'
                             AND l.proxy_id <> v.proxy_id)
             LIMIT 1;"
        )
    };
    (postgres) => {
        concat!(
            step_values!(),
            "SELECT 0 FROM v, json_array_elements(v.paths::json) m (value)
             WHERE EXISTS (SELECT 1 FROM live_paths l
                           WHERE l.environment_id = v.env_id AND l.path = (m.value ->> 'path')
                             AND l.proxy_id <> v.proxy_id)
                OR EXISTS (SELECT 1 FROM json_array_elements_text(m.value -> 'over') o (value), live_paths l
                           WHERE l.environment_id = v.env_id AND l.path = o.value AND l.proxy_id <> v.proxy_id)
                OR EXISTS (SELECT 1 FROM live_paths l
                           WHERE l.environment_id = v.env_id
                             AND l.path >= (m.value ->> 'path') || '/'
                             AND l.path < (m.value ->> 'path') || '0'
                             AND l.proxy_id <> v.proxy_id)
             LIMIT 1;"
        )
    };
}

/// The next revision and its history record.
macro_rules! next_record {
    () => {
        concat!(
            step_values!(),
            "UPDATE api_proxies SET last_revision = last_revision + 1 WHERE id = (SELECT proxy_id FROM v)
             RETURNING last_revision;",
            step_values!(),
            "INSERT INTO deploy_history (proxy_id, revision, action, environment_name, username, at, description,
                persistent, snapshot, public_id)
             SELECT v.proxy_id, a.last_revision, v.action, v.env_name, v.username, v.at, v.description,
                v.persistent, v.snapshot, v.record_id
             FROM v JOIN api_proxies a ON a.id = v.proxy_id;"
        )
    };
}

/// Retention (`history::trim_history_of`) for the step's proxy, keeping the step's revision.
macro_rules! trim_history {
    () => {
        concat!(
            crate::history::trim_history_of!(
                "(SELECT proxy_id FROM v)",
                "(SELECT keep_revision FROM v)",
                "(SELECT retention FROM v)"
            ),
            ";"
        )
    };
}

/// The next revision, its history record, retention, and the live row, in one round trip to SQLite: a deploy
/// is dominated by round trips, not by SQLite's own work.
macro_rules! make_live {
    () => {
        concat!(
            next_record!(),
            step_values!(),
            trim_history!(),
            step_values!(),
            "INSERT INTO deployments (proxy_id, environment_id, revision, snapshot, deployed_by, deployed_at)
             SELECT v.proxy_id, v.env_id, a.last_revision, v.snapshot, v.username, v.at
             FROM v JOIN api_proxies a ON a.id = v.proxy_id WHERE true
             ON CONFLICT (proxy_id, environment_id) DO UPDATE SET revision = excluded.revision,
                snapshot = excluded.snapshot, deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at;"
        )
    };
}

/// A write step's statements, for each backend. SQLite runs them as one batch (one round trip); PostgreSQL
/// refuses parameters in a multi-statement command, so there they run one by one, after the path guard.
#[derive(Clone, Copy)]
struct Batch {
    sqlite: &'static str,
    /// PostgreSQL's path guard: a query that answers a row when a path is taken.
    postgres_guard: Option<&'static str>,
    postgres: &'static str,
}

const MAKE_LIVE: Batch = Batch {
    sqlite: concat!(guard_paths!(sqlite), make_live!()),
    postgres_guard: Some(guard_paths!(postgres)),
    postgres: make_live!(),
};

/// A history record that makes nothing live: a rollback or an import keeps the configuration it replaced.
const RECORD_ONLY: Batch = Batch {
    sqlite: concat!(next_record!(), step_values!(), trim_history!()),
    postgres_guard: None,
    postgres: concat!(next_record!(), step_values!(), trim_history!()),
};

/// The same for an undeploy: the record keeps the snapshot that was live. Returns no revision when nothing
/// was live there (and then writes nothing).
const TAKE_OFFLINE_SQL: &str = concat!(
    step_values!(),
    "UPDATE api_proxies SET last_revision = last_revision + 1 WHERE id = (SELECT proxy_id FROM v)
        AND EXISTS (SELECT 1 FROM deployments d, v WHERE d.proxy_id = v.proxy_id AND d.environment_id = v.env_id)
     RETURNING last_revision;",
    step_values!(),
    "INSERT INTO deploy_history (proxy_id, revision, action, environment_name, username, at, description,
        persistent, snapshot, public_id)
     SELECT v.proxy_id, a.last_revision, v.action, v.env_name, v.username, v.at, v.description, v.persistent,
        d.snapshot, v.record_id
     FROM v JOIN api_proxies a ON a.id = v.proxy_id
     JOIN deployments d ON d.proxy_id = v.proxy_id AND d.environment_id = v.env_id;",
    step_values!(),
    trim_history!(),
    step_values!(),
    "DELETE FROM deployments WHERE proxy_id = (SELECT proxy_id FROM v) AND environment_id = (SELECT env_id FROM v);"
);

const TAKE_OFFLINE: Batch = Batch {
    sqlite: TAKE_OFFLINE_SQL,
    postgres_guard: None,
    postgres: TAKE_OFFLINE_SQL,
};

/// What a write step did.
enum Outcome {
    /// Wrote; the revision, when the step hands one out (an undeploy of what is not live writes nothing).
    Written(Option<Written>),
    /// Wrote nothing: one of the snapshot's paths is another proxy's.
    PathTaken,
}

/// What one write step wrote: the revision, the record's public id, and its time.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub revision: i64,
    pub record_id: String,
    pub at: String,
    /// The group whose live settings a proxy deployed on its own kept.
    pub kept_group: Option<String>,
}

async fn write_step(
    conn: &mut Conn,
    batch: Batch,
    step: &Step<'_>,
    proxy_id: i64,
    action: Action,
    snapshot_json: &str,
    paths: &str,
) -> Result<Outcome, sqlx::Error> {
    let record_id = ids::public_id();
    let at = clock::now();
    let run = |sql: &'static str| {
        sqlx::query_as::<_, (i64,)>(sql)
            .bind(proxy_id)
            .bind(action.as_str())
            .bind(step.environment.map(|(_, name)| name))
            .bind(&step.actor.user.username)
            .bind(at.clone())
            .bind(step.description)
            .bind(step.options.persistent)
            .bind(snapshot_json)
            .bind(step.project.history_retention)
            .bind(step.environment.map(|(id, _)| id))
            .bind(record_id.clone())
            .bind(step.keep_revision)
            .bind(paths)
    };
    let rows = match Backend::of(conn) {
        // fetch_all, not fetch_one: every statement must run, not only the one that returns the revision.
        Backend::Sqlite => match run(batch.sqlite).fetch_all(&mut *conn).await {
            Ok(rows) => rows,
            Err(e) if crate::error::violates(&e, crate::error::Constraint::Named("one_path_one_owner")) => {
                return Ok(Outcome::PathTaken);
            }
            Err(e) => return Err(e),
        },
        Backend::Postgres => {
            if let Some(guard) = batch.postgres_guard {
                if !run(guard).fetch_all(&mut *conn).await?.is_empty() {
                    return Ok(Outcome::PathTaken);
                }
            }
            let mut rows = Vec::new();
            for statement in batch
                .postgres
                .split_terminator(';')
                .filter(|s| !s.trim().is_empty())
            {
                rows.append(&mut run(statement).fetch_all(&mut *conn).await?);
            }
            rows
        }
    };
    Ok(Outcome::Written(rows.first().map(|(revision,)| Written {
        revision: *revision,
        record_id,
        at,
        kept_group: None,
    })))
}

/// Writes a snapshot as live and records it in the history. Refused with `Invalid`, writing nothing, when
/// a routing address may not be reached or a path overlaps another live proxy's. A proxy deployed on its
/// own where its group is live keeps the group's live settings (CORS, cache, client routes).
pub(crate) async fn make_live(
    conn: &mut Conn,
    step: &Step<'_>,
    proxy_id: i64,
    mut snapshot: Snapshot,
    live: LiveGroup,
    action: Action,
) -> Result<Written> {
    step.backends.check_routing(&snapshot.proxy.routing)?;
    let (env_id, env_name) = step.environment()?;
    let mut kept_group = None;
    if snapshot.group.is_none() {
        snapshot.group = match live {
            LiveGroup::Known(group) => group,
            LiveGroup::Lookup => live_group(conn, proxy_id, env_id).await?,
        };
        kept_group = snapshot.group.as_ref().map(|g| g.name.clone());
    }
    let paths = crate::live_paths::guard_paths(&snapshot)?;
    let written = match write_step(
        conn,
        MAKE_LIVE,
        step,
        proxy_id,
        action,
        &to_json(&snapshot)?,
        &paths,
    )
    .await?
    {
        Outcome::Written(written) => written,
        Outcome::PathTaken => {
            // Refused before anything was written; find the words for why.
            crate::live_paths::check(conn, step.actor, env_id, env_name, proxy_id, &snapshot).await?;
            return Err(Error::internal("a path overlap was found and then not found"));
        }
    };
    let mut written = written.ok_or_else(|| Error::internal("deploy wrote no revision"))?;
    written.kept_group = kept_group;
    Ok(written)
}

/// Where a snapshot without a group gets the group settings live for its proxy: already read with the rest
/// (the single deploy's hot path), or looked up here.
pub(crate) enum LiveGroup {
    Known(Option<GroupSnapshot>),
    Lookup,
}

/// The group part of what is live of a proxy in an environment, when it was deployed with a group it still
/// belongs to.
async fn live_group(conn: &mut Conn, proxy_id: i64, env_id: i64) -> Result<Option<GroupSnapshot>> {
    let live: Option<Option<String>> = sqlx::query_scalar(Backend::of(conn).pick(
        concat!("SELECT ", live_group_of!(sqlite, "$1", "$2")),
        concat!("SELECT ", live_group_of!(postgres, "$1", "$2")),
    ))
    .bind(proxy_id)
    .bind(env_id)
    .fetch_optional(&mut *conn)
    .await?;
    match live.flatten() {
        Some(json) => Ok(Some(from_json(&json)?)),
        None => Ok(None),
    }
}

/// Records a snapshot in the history without making it live (the record names no environment).
pub(crate) async fn record_only(
    conn: &mut Conn,
    step: &Step<'_>,
    proxy_id: i64,
    snapshot: &Snapshot,
    action: Action,
) -> Result<Written> {
    let step = Step {
        environment: None,
        ..*step
    };
    match write_step(
        conn,
        RECORD_ONLY,
        &step,
        proxy_id,
        action,
        &to_json(snapshot)?,
        "[]",
    )
    .await?
    {
        Outcome::Written(Some(written)) => Ok(written),
        _ => Err(Error::internal("history record wrote no revision")),
    }
}

/// Takes what is live of a proxy in the step's environment offline. Fails with `Invalid` (and writes
/// nothing) when nothing is live there.
pub(crate) async fn undeploy_one(
    conn: &mut Conn,
    step: &Step<'_>,
    proxy_id: i64,
    name: &str,
) -> Result<Written> {
    let (_, env_name) = step.environment()?;
    match write_step(conn, TAKE_OFFLINE, step, proxy_id, Action::Undeploy, "", "[]").await? {
        Outcome::Written(Some(written)) => Ok(written),
        _ => Err(Error::Invalid(not_live(name, env_name))),
    }
}

pub(crate) fn not_live(proxy: &str, environment: &str) -> String {
    format!("API Proxy ({proxy}) is not deployed to environment ({environment})!")
}

pub(crate) use live_group_of;
