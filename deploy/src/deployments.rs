//! Deploying and undeploying API proxies and groups. Each call is one transaction: every member proxy that
//! can be deployed is made live and gets a history record, or nothing changes at all.

use crate::db::{Backend, Conn, Flag};

use crate::access::{authorize, Need, Permission, ProjectRef};
use crate::backends::BackendPolicy;
use crate::environments::project_environment;
use crate::error::not_found_as_invalid;
use crate::groups::{find_group, GroupRow};
use crate::history::Action;
use crate::model::{from_json, to_json, GroupSnapshot, ProxySpec, Snapshot};
use crate::proxies::find_proxy;
use crate::{audit, clock, ids, Actor, ControlPlane, Error, Result};

pub use crate::model::{DeployOptions, DeploymentResult, EnvironmentResult, LiveProxy};

pub const DEFAULT_DEPLOY_DESCRIPTION: &str = "Deployed by APIOPS Api";
pub const DEFAULT_UNDEPLOY_DESCRIPTION: &str = "Undeployed by APIOPS Api";
const MAX_DESCRIPTION: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Deploy,
    Undeploy,
}

impl Direction {
    /// The audit log's word for it.
    fn verb(self) -> &'static str {
        match self {
            Direction::Deploy => "DEPLOY",
            Direction::Undeploy => "UNDEPLOY",
        }
    }

    fn default_description(self) -> &'static str {
        match self {
            Direction::Deploy => DEFAULT_DEPLOY_DESCRIPTION,
            Direction::Undeploy => DEFAULT_UNDEPLOY_DESCRIPTION,
        }
    }
}

fn description(options: &DeployOptions, direction: Direction) -> Result<String> {
    let text = options
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let text = text.unwrap_or(direction.default_description());
    crate::names::check_text("description", text, MAX_DESCRIPTION)?;
    Ok(text.to_owned())
}

pub async fn deploy_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_group(cp, actor, project, group, environment, options, Direction::Deploy).await
}

pub async fn undeploy_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_group(
        cp,
        actor,
        project,
        group,
        environment,
        options,
        Direction::Undeploy,
    )
    .await
}

pub async fn deploy_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_proxy(cp, actor, project, proxy, environment, options, Direction::Deploy).await
}

pub async fn undeploy_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    environment: &str,
    options: &DeployOptions,
) -> Result<DeploymentResult> {
    move_proxy(
        cp,
        actor,
        project,
        proxy,
        environment,
        options,
        Direction::Undeploy,
    )
    .await
}

async fn move_group(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    group: &str,
    environment: &str,
    options: &DeployOptions,
    direction: Direction,
) -> Result<DeploymentResult> {
    let description = description(options, direction)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(
        &mut tx,
        actor,
        project,
        Need::Permission(Permission::DeployUndeploy),
    )
    .await?;
    let g = find_group(&mut tx, p.id, group)
        .await
        .map_err(not_found_as_invalid)?;
    let (env_id, env) = project_environment(&mut tx, p.id, environment).await?;
    let members: Vec<Candidate> = sqlx::query_as(
        "SELECT a.id, a.name, a.config,
                EXISTS (SELECT 1 FROM proxy_deploy_targets t WHERE t.proxy_id = a.id AND t.environment_id = $2),
                NULL
         FROM group_members g JOIN api_proxies a ON a.id = g.proxy_id WHERE g.group_id = $1 ORDER BY a.name",
    )
    .bind(g.id)
    .bind(env_id)
    .fetch_all(&mut *tx)
    .await?;
    let step = Step {
        actor,
        project: &p,
        env_id,
        env_name: &env.name,
        description: &description,
        options,
        backends: cp.backends(),
        keep_revision: 0,
    };
    let mut done = 0;
    let mut failures = Vec::new();
    for member in &members {
        let outcome = match direction {
            Direction::Deploy => deploy_one(&mut tx, &step, member, Some(&g)).await,
            Direction::Undeploy => undeploy_one(&mut tx, &step, member.0, &member.1).await,
        };
        match outcome {
            Ok(_) => done += 1,
            Err(Error::Invalid(message)) => failures.push(message),
            Err(e) => return Err(e),
        }
    }
    let verb = direction.verb();
    let detail = format!(
        "{} to {}: {done} of {} API proxies",
        verb,
        env.name,
        members.len()
    );
    audit::record(
        &mut tx,
        actor,
        verb,
        "API_PROXY_GROUP",
        &g.name,
        Some(p.id),
        &detail,
    )
    .await?;
    tx.commit().await?;
    if members.is_empty() {
        failures.push(format!("API Proxy Group ({}) has no API proxies!", g.name));
    }
    Ok(summarise(direction, &env.name, done, members.len(), failures))
}

/// A proxy about to be deployed: id, name, configuration, and whether the environment is in its deploy list.
/// The last is the group part of what is live of it there, when it went live with a group it still belongs
/// to (looked up with the rest for a single deploy, which keeps it; a group deploy brings its own).
pub(crate) type Candidate = (i64, String, String, Flag, Option<String>);

/// The group part of a live snapshot, when the proxy still belongs to that group. Kept with a proxy
/// deployed on its own where its group is live.
macro_rules! live_group_of {
    (sqlite, $proxy:literal, $environment:literal) => {
        concat!(
            "(SELECT json_extract(d.snapshot, '$.group') FROM deployments d WHERE d.proxy_id = ",
            $proxy,
            " AND d.environment_id = ",
            $environment,
            " AND EXISTS (SELECT 1 FROM group_members m JOIN api_proxy_groups g ON g.id = m.group_id
                          WHERE m.proxy_id = ",
            $proxy,
            " AND g.name = json_extract(d.snapshot, '$.group.name')))"
        )
    };
    (postgres, $proxy:literal, $environment:literal) => {
        concat!(
            "(SELECT CASE WHEN json_typeof(d.snapshot::json -> 'group') = 'object'
                     THEN (d.snapshot::json -> 'group')::text END
              FROM deployments d WHERE d.proxy_id = ",
            $proxy,
            " AND d.environment_id = ",
            $environment,
            " AND EXISTS (SELECT 1 FROM group_members m JOIN api_proxy_groups g ON g.id = m.group_id
                          WHERE m.proxy_id = ",
            $proxy,
            " AND g.name = d.snapshot::json #>> '{group,name}'))"
        )
    };
}

/// Finds the proxy and the environment, and whether one may go to the other, in one query: this is the hot
/// path of every deploy. When either is missing, the single lookups word the error.
async fn find_candidate(
    conn: &mut Conn,
    project_id: i64,
    proxy: &str,
    environment: &str,
) -> Result<(Candidate, i64, String)> {
    macro_rules! find {
        ($dialect:ident) => {
            concat!(
                "SELECT a.id, a.name, a.config,
                        EXISTS (SELECT 1 FROM proxy_deploy_targets t
                                WHERE t.proxy_id = a.id AND t.environment_id = e.id), ",
                live_group_of!($dialect, "a.id", "e.id"),
                ", e.id, e.name
                 FROM api_proxies a
                 JOIN project_environments pe ON pe.project_id = a.project_id
                 JOIN environments e ON e.id = pe.environment_id
                 WHERE a.project_id = $1 AND a.name = $2 AND e.name = $3"
            )
        };
    }
    let row: Option<(i64, String, String, Flag, Option<String>, i64, String)> =
        sqlx::query_as(Backend::of(conn).pick(find!(sqlite), find!(postgres)))
            .bind(project_id)
            .bind(proxy)
            .bind(environment)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some((id, name, config, allowed, live_group, env_id, env_name)) => {
            Ok(((id, name, config, allowed, live_group), env_id, env_name))
        }
        None => {
            find_proxy(conn, project_id, proxy)
                .await
                .map_err(not_found_as_invalid)?;
            project_environment(conn, project_id, environment).await?;
            Err(Error::internal(
                "proxy and environment exist but were not found together",
            ))
        }
    }
}

async fn move_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
    environment: &str,
    options: &DeployOptions,
    direction: Direction,
) -> Result<DeploymentResult> {
    let description = description(options, direction)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(
        &mut tx,
        actor,
        project,
        Need::Permission(Permission::DeployUndeploy),
    )
    .await?;
    let (candidate, env_id, env_name) = find_candidate(&mut tx, p.id, proxy, environment).await?;
    let step = Step {
        actor,
        project: &p,
        env_id,
        env_name: &env_name,
        description: &description,
        options,
        backends: cp.backends(),
        keep_revision: 0,
    };
    let outcome = match direction {
        Direction::Deploy => deploy_one(&mut tx, &step, &candidate, None).await,
        Direction::Undeploy => undeploy_one(&mut tx, &step, candidate.0, &candidate.1).await,
    };
    let mut kept_group = None;
    let failures = match outcome {
        Ok(written) => {
            kept_group = written.kept_group;
            let verb = direction.verb();
            audit::record(
                &mut tx,
                actor,
                verb,
                "API_PROXY",
                &candidate.1,
                Some(p.id),
                &env_name,
            )
            .await?;
            tx.commit().await?;
            vec![]
        }
        Err(Error::Invalid(message)) => vec![message],
        Err(e) => return Err(e),
    };
    let done = usize::from(failures.is_empty());
    let mut result = summarise(direction, &env_name, done, 1, failures);
    if let (Some(group), Some(env)) = (kept_group, result.environment_results.first_mut()) {
        env.message.push_str(&format!(
            " with the settings of API Proxy Group ({group}), which is live there"
        ));
    }
    Ok(result)
}

fn summarise(
    direction: Direction,
    environment: &str,
    done: usize,
    of: usize,
    failures: Vec<String>,
) -> DeploymentResult {
    let (noun, past) = match direction {
        Direction::Deploy => ("Deployment", "Deployed"),
        Direction::Undeploy => ("Undeployment", "Undeployed"),
    };
    let success = failures.is_empty();
    let (message, env_message) = if success {
        (
            format!("{noun} completed successfully"),
            format!("{past} successfully"),
        )
    } else {
        (
            format!("{noun} completed with errors"),
            format!("{past} {done} of {of} API proxies. {}", failures.join(" ")),
        )
    };
    DeploymentResult {
        success,
        message,
        environment_results: vec![EnvironmentResult {
            environment_name: environment.to_owned(),
            success,
            message: env_message,
        }],
    }
}

/// What one deploy or undeploy of one proxy needs to know.
pub(crate) struct Step<'a> {
    pub actor: &'a Actor,
    pub project: &'a ProjectRef,
    pub env_id: i64,
    pub env_name: &'a str,
    pub description: &'a str,
    pub options: &'a DeployOptions,
    pub backends: &'a BackendPolicy,
    /// A revision retention must not trim (a rollback's target); 0 for none.
    pub keep_revision: i64,
}

/// Makes a proxy's current configuration live in an environment and records it. Fails with `Invalid` (and
/// writes nothing) when the environment is not in the proxy's deploy list.
pub(crate) async fn deploy_one(
    conn: &mut Conn,
    step: &Step<'_>,
    (proxy_id, name, config, allowed, live_group): &Candidate,
    group: Option<&GroupRow>,
) -> Result<Written> {
    if !allowed.0 {
        return Err(Error::Invalid(not_allowed(name, step.env_name)));
    }
    let snapshot = Snapshot {
        name: name.clone(),
        proxy: from_json::<ProxySpec>(config)?,
        group: group.map(|g| GroupSnapshot {
            name: g.name.clone(),
            settings: g.spec.clone(),
        }),
    };
    let live_group = match live_group {
        Some(json) => LiveGroup::Known(Some(from_json(json)?)),
        None => LiveGroup::Known(None),
    };
    make_live(conn, step, *proxy_id, snapshot, live_group, Action::Deploy).await
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
            .bind(step.env_name)
            .bind(&step.actor.user.username)
            .bind(at.clone())
            .bind(step.description)
            .bind(step.options.persistent)
            .bind(snapshot_json)
            .bind(step.project.history_retention)
            .bind(step.env_id)
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
    let mut kept_group = None;
    if snapshot.group.is_none() {
        snapshot.group = match live {
            LiveGroup::Known(group) => group,
            LiveGroup::Lookup => live_group(conn, proxy_id, step.env_id).await?,
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
            crate::live_paths::check(conn, step.actor, step.env_id, step.env_name, proxy_id, &snapshot)
                .await?;
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

/// Records a snapshot in the history without making it live (the step's environment is not used).
pub(crate) async fn record_only(
    conn: &mut Conn,
    step: &Step<'_>,
    proxy_id: i64,
    snapshot: &Snapshot,
    action: Action,
) -> Result<Written> {
    match write_step(
        conn,
        RECORD_ONLY,
        step,
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
    match write_step(conn, TAKE_OFFLINE, step, proxy_id, Action::Undeploy, "", "[]").await? {
        Outcome::Written(Some(written)) => Ok(written),
        _ => Err(Error::Invalid(not_live(name, step.env_name))),
    }
}

pub(crate) fn not_live(proxy: &str, environment: &str) -> String {
    format!("API Proxy ({proxy}) is not deployed to environment ({environment})!")
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
    let rows: Vec<(i64, String, String, i64, String, String, String)> = sqlx::query_as(
        "SELECT d.environment_id, a.name, a.config, d.revision, d.deployed_by, d.deployed_at, d.snapshot
         FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         WHERE a.project_id = $1 AND ($2 IS NULL OR d.environment_id = $2) ORDER BY a.name",
    )
    .bind(project_id)
    .bind(env_id)
    .fetch_all(conn)
    .await?;
    let mut out: std::collections::HashMap<i64, Vec<LiveProxy>> = Default::default();
    for (env, proxy, config, revision, deployed_by, deployed_at, snapshot) in rows {
        let current: ProxySpec = from_json(&config)?;
        let live: Snapshot = from_json(&snapshot)?;
        out.entry(env).or_default().push(LiveProxy {
            redeploy_required: live.proxy != current || live.name != proxy,
            proxy,
            revision,
            deployed_by,
            deployed_at,
        });
    }
    Ok(out)
}
