//! The node registry: which gateway nodes follow an environment and what each says it serves, so an operator
//! (and a pipeline, waiting) can tell whether a deploy is served everywhere.

use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::model::Permission;
use crate::model::{EnvironmentNodes, GatewayNode, NodeAck, NodeState};
use crate::rows::{authorize, Need};
use crate::{clock, Actor, ControlPlane, Error, Result};

/// A connected node silent for longer than this is stale (nodes acknowledge every few seconds).
pub const STALE_AFTER: Duration = Duration::from_secs(10);
/// A node silent for longer than this is offline, even if its stream looks open.
pub const OFFLINE_AFTER: Duration = Duration::from_secs(30);
/// Nodes not seen for this long drop off the list.
const FORGOTTEN_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How often a waiting pipeline's condition is looked at again.
const WAIT_STEP: Duration = Duration::from_millis(100);
/// Nodes one environment may have in the registry (seen in the last day): a token holder cannot grow the
/// table without bound by making up node ids.
const MAX_NODES: i64 = 1000;

/// Characters that change how text around them shows (bidirectional overrides, zero-width marks): a node's
/// host name must read in the console as what it is.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// What a node may say about itself: short, printable, so the console and logs show it as it is.
fn check_node_text(what: &str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max || text.chars().any(invisible) {
        return Err(Error::Invalid(format!(
            "{what} must be at most {max} printable characters"
        )));
    }
    Ok(())
}

pub use crate::names::check_node_id;

fn check_ack(ack: &NodeAck) -> Result<()> {
    check_node_id(&ack.node_id)?;
    check_node_text("host", &ack.host, 255)?;
    check_node_text("porticoVersion", &ack.portico_version, 64)?;
    if ack.version.is_some_and(|v| v < 0) {
        return Err(Error::Invalid("version must be 0 or more".into()));
    }
    if ack.version.is_some() != ack.hash.is_some() {
        return Err(Error::Invalid(
            "version and hash come together, or neither".into(),
        ));
    }
    match &ack.hash {
        Some(hash) if hash.is_empty() => Err(Error::Invalid("hash must not be empty".into())),
        Some(hash) => check_node_text("hash", hash, 64),
        None => Ok(()),
    }
}

fn day_ago() -> String {
    (OffsetDateTime::now_utc() - FORGOTTEN_AFTER)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Forgets nodes silent for a day, and refuses a node new to the registry when the environment has too many.
async fn make_room(tx: &mut crate::db::Conn, environment: &str, node_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM gateway_nodes WHERE environment = $1 AND last_seen < $2")
        .bind(environment)
        .bind(day_ago())
        .execute(&mut *tx)
        .await?;
    let (known, count): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN node_id = $1 THEN 1 ELSE 0 END), 0), COUNT(*) FROM gateway_nodes WHERE environment = $2",
    )
    .bind(node_id)
    .bind(environment)
    .fetch_one(&mut *tx)
    .await?;
    if known == 0 && count >= MAX_NODES {
        return Err(Error::Invalid(format!(
            "environment {environment} already has {MAX_NODES} gateway nodes; nodes silent for a day are forgotten"
        )));
    }
    Ok(())
}

/// A node opened its stream (or an in-process gateway started); answers the connection's stamp, which
/// [`node_disconnected`] takes so a late close of an old stream does not mark a reconnected node offline.
pub async fn node_connected(cp: &ControlPlane, environment: &str, ack: &NodeAck) -> Result<String> {
    record(cp, environment, ack, true).await
}

/// A node says what it now serves; also its heartbeat.
pub async fn node_acknowledged(cp: &ControlPlane, environment: &str, ack: &NodeAck) -> Result<()> {
    record(cp, environment, ack, false).await?;
    // Its status is kept whatever the traffic report says; a bad report is refused on its own.
    match &ack.traffic {
        Some(traffic) => crate::traffic::record_traffic(cp, environment, &ack.node_id, traffic).await,
        None => Ok(()),
    }
}

/// Writes what a node says; a connecting node also starts a new connection (its stamp is answered).
async fn record(cp: &ControlPlane, environment: &str, ack: &NodeAck, connecting: bool) -> Result<String> {
    check_ack(ack)?;
    let now = clock::now();
    let mut tx = cp.begin_write().await?;
    make_room(&mut tx, environment, &ack.node_id).await?;
    sqlx::query(
        "INSERT INTO gateway_nodes (environment, node_id, host, portico_version, applied_version, applied_hash,
            connected, connected_since, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 THEN $8 END, $8)
         ON CONFLICT (environment, node_id) DO UPDATE SET host = excluded.host,
            portico_version = excluded.portico_version, applied_version = excluded.applied_version,
            applied_hash = excluded.applied_hash, last_seen = excluded.last_seen,
            connected = CASE WHEN $7 THEN TRUE ELSE gateway_nodes.connected END,
            connected_since = CASE WHEN $7 THEN excluded.connected_since ELSE gateway_nodes.connected_since END",
    )
    .bind(environment)
    .bind(&ack.node_id)
    .bind(&ack.host)
    .bind(&ack.portico_version)
    .bind(ack.version)
    .bind(&ack.hash)
    .bind(connecting)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(now)
}

/// A node's stream closed.
pub async fn node_disconnected(
    cp: &ControlPlane,
    environment: &str,
    node_id: &str,
    stamp: &str,
) -> Result<()> {
    let mut tx = cp.begin_write().await?;
    sqlx::query(
        "UPDATE gateway_nodes SET connected = FALSE, last_seen = $1
         WHERE environment = $2 AND node_id = $3 AND connected_since = $4",
    )
    .bind(clock::now())
    .bind(environment)
    .bind(node_id)
    .bind(stamp)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NodeRow {
    node_id: String,
    host: String,
    portico_version: String,
    applied_version: Option<i64>,
    applied_hash: Option<String>,
    #[sqlx(try_from = "crate::db::Flag")]
    connected: bool,
    connected_since: Option<String>,
    last_seen: String,
}

fn age(at: &str, now: OffsetDateTime) -> Duration {
    OffsetDateTime::parse(at, &Rfc3339)
        .map(|t| (now - t).try_into().unwrap_or(Duration::ZERO))
        .unwrap_or(Duration::MAX)
}

/// The environment's nodes, for anyone who may view the project and the project uses the environment.
pub async fn environment_nodes(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    environment: &str,
) -> Result<EnvironmentNodes> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    let (_, env) = crate::rows::project_environment(&mut conn, p.id, environment).await?;
    drop(conn);
    nodes_of(cp, env.name).await
}

/// The environment's nodes, for anyone who may see the environment (the console's environment page).
/// Nodes name no project, so nothing of another team's shows.
pub async fn nodes_of_environment(
    cp: &ControlPlane,
    actor: &Actor,
    environment: &str,
) -> Result<EnvironmentNodes> {
    let env = crate::environments::visible_environment(cp, actor, environment).await?;
    nodes_of(cp, env.name).await
}

pub(crate) async fn nodes_of(cp: &ControlPlane, environment: String) -> Result<EnvironmentNodes> {
    let (live_version, live_hash) = current_live(cp, &environment).await?;
    let rows: Vec<NodeRow> = sqlx::query_as(
        "SELECT node_id, host, portico_version, applied_version, applied_hash, connected, connected_since,
            last_seen FROM gateway_nodes WHERE environment = $1 ORDER BY host, node_id",
    )
    .bind(&environment)
    .fetch_all(cp.pool())
    .await?;
    let now = OffsetDateTime::now_utc();
    let nodes: Vec<GatewayNode> = rows
        .into_iter()
        .filter(|r| age(&r.last_seen, now) < FORGOTTEN_AFTER)
        .map(|r| {
            let silent = age(&r.last_seen, now);
            // A node whose stream is down but that still acknowledges is behind or in sync by what it
            // serves, never taken for gone: only silence makes a node offline.
            let state = if silent > OFFLINE_AFTER || (!r.connected && silent > STALE_AFTER) {
                NodeState::Offline
            } else if silent > STALE_AFTER {
                NodeState::Stale
            } else if r.applied_hash.as_deref() != Some(live_hash.as_str()) {
                NodeState::Behind
            } else {
                NodeState::InSync
            };
            GatewayNode {
                node_id: r.node_id,
                host: r.host,
                portico_version: r.portico_version,
                applied_version: r.applied_version,
                applied_hash: r.applied_hash,
                connected_since: r.connected_since.filter(|_| r.connected),
                last_seen: r.last_seen,
                state,
            }
        })
        .collect();
    Ok(EnvironmentNodes {
        environment,
        live_version,
        live_hash,
        in_sync: nodes
            .iter()
            .all(|n| matches!(n.state, NodeState::InSync | NodeState::Offline)),
        nodes,
    })
}

/// The environment's live version and hash: from the live feed when it has caught up with the database (a
/// waiting pipeline looks often, and hashing a large set each time would cost), else read now.
async fn current_live(cp: &ControlPlane, environment: &str) -> Result<(i64, String)> {
    let published = cp.live_feed().follow(cp, environment).await?.borrow().clone();
    let version = crate::gateway::live_version(cp, environment).await?;
    if version == Some(published.set.version) {
        return Ok((published.set.version, published.hash.clone()));
    }
    let live = crate::gateway::live_set(cp, environment).await?;
    Ok((live.version, live.hash()))
}

/// Waits until every node of the environment that is not offline serves what is live, or `timeout` passes;
/// answers the last look either way (its `in_sync` says which).
pub async fn wait_until_in_sync(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    environment: &str,
    timeout: Duration,
) -> Result<EnvironmentNodes> {
    // Waiters share the readers with everything else: past this many, a pipeline gets the state at once.
    static WAITERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(64);
    let first = environment_nodes(cp, actor, project, environment).await?;
    let Ok(_waiting) = WAITERS.try_acquire() else {
        return Ok(first);
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let mut nodes = first;
    // Allowed once: the loop only reads the registry and the live feed.
    while !nodes.in_sync && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(WAIT_STEP).await;
        nodes = nodes_of(cp, nodes.environment.clone()).await?;
    }
    Ok(nodes)
}
