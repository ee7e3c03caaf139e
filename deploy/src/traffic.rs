//! Traffic and backend health from the gateways: each node reports what it counted with its status, and
//! the control plane keeps the last hour per environment, API proxy and node (a stored ring, so every
//! replica answers the same); the console reads one proxy's hour ready to draw.
//!
//! What a node reports is trusted as far as its token goes: for its own environment, and shown to a
//! project only for environments the project uses.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use time::OffsetDateTime;

use crate::db::Conn;
use crate::model::{
    BackendHealth, BackendState, EnvironmentTraffic, MinuteCounts, Permission, TrafficPoint, TrafficReport,
    TrafficSummary, LATENCY_BOUNDS_MS, LATENCY_BUCKETS,
};
use crate::rows::{authorize, find_proxy, Need};
use crate::{clock, Actor, ControlPlane, Error, Result};

/// Minutes kept and drawn.
pub const WINDOW_MINUTES: i64 = 60;
/// A node's backend states older than this are not shown (the node stopped reporting).
const HEALTH_FRESH: Duration = Duration::from_secs(60);
/// Bounds on one report, so a node token cannot make the control plane write without limit.
const MAX_PROXIES: usize = 5000;
const MAX_MINUTES: usize = 5;
const MAX_BACKENDS: usize = 100;
const MAX_TEXT: usize = 2048;
/// More requests than one node serves in a minute; keeps every sum over nodes and minutes far from overflow.
const MAX_COUNT: u64 = 1 << 40;
/// Backend states are forgotten this long after their node last reported them.
const HEALTH_KEPT: Duration = Duration::from_secs(600);

/// Minutes since the Unix epoch, now.
pub fn current_minute() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp().div_euclid(60)
}

fn invalid(what: &str) -> Error {
    Error::Invalid(format!("traffic report: {what}"))
}

fn check(report: &TrafficReport) -> Result<()> {
    if report.proxies.len() > MAX_PROXIES {
        return Err(invalid("too many API proxies"));
    }
    for p in &report.proxies {
        let text_ok = |t: &str| !t.is_empty() && t.len() <= MAX_TEXT && !t.chars().any(char::is_control);
        if !text_ok(&p.project) || !text_ok(&p.proxy) {
            return Err(invalid("a project or API proxy name is not one"));
        }
        if p.minutes.len() > MAX_MINUTES || p.backends.len() > MAX_BACKENDS {
            return Err(invalid("too many minutes or backends for one API proxy"));
        }
        for m in &p.minutes {
            if m.latency.len() != LATENCY_BUCKETS {
                return Err(invalid("a latency histogram of the wrong size"));
            }
            let in_buckets: u64 = m.latency.iter().fold(0u64, |a, b| a.saturating_add(*b));
            if m.client_errors.saturating_add(m.server_errors) > m.requests || in_buckets != m.requests {
                return Err(invalid("counts that do not add up"));
            }
            if m.requests > MAX_COUNT {
                return Err(invalid("a count out of range"));
            }
        }
        if p.backends.iter().any(|b| !text_ok(&b.address)) {
            return Err(invalid("a backend address is not one"));
        }
    }
    Ok(())
}

/// Keeps what a node counted (replacing what it said before about the same minutes) and how it sees its
/// backends now (a backend it does not name is up), and forgets minutes older than the window.
pub async fn record_traffic(
    cp: &ControlPlane,
    environment: &str,
    node_id: &str,
    report: &TrafficReport,
) -> Result<()> {
    crate::names::check_node_id(node_id)?;
    let now = current_minute();
    check(report)?;
    let reported_at = clock::now();
    let mut tx = cp.begin_write().await?;
    // Only what is live in the node's own environment is kept: a node (or whoever holds its token) cannot
    // draw into the charts of an API proxy it does not serve.
    let live: HashSet<(String, String)> = sqlx::query_as(
        "SELECT p.name, a.name FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         JOIN projects p ON p.id = a.project_id JOIN environments e ON e.id = d.environment_id
         WHERE LOWER(e.name) = LOWER($1)",
    )
    .bind(environment)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let served = report
        .proxies
        .iter()
        .filter(|p| live.contains(&(p.project.clone(), p.proxy.clone())));
    for p in served.clone() {
        // Only recent minutes: a node cannot write into the past of the chart, or its future. A node whose
        // clock is off loses those minutes, not the rest of its report.
        let recent = p
            .minutes
            .iter()
            .filter(|m| m.minute >= now - MAX_MINUTES as i64 && m.minute <= now + 1);
        for m in recent {
            let latency = serde_json::to_string(&m.latency).map_err(Error::internal)?;
            sqlx::query(
                "INSERT INTO proxy_traffic (environment, node_id, project, proxy, minute, requests, client_errors,
                    server_errors, latency)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (environment, node_id, project, proxy, minute) DO UPDATE SET
                    requests = excluded.requests, client_errors = excluded.client_errors,
                    server_errors = excluded.server_errors, latency = excluded.latency",
            )
            .bind(environment)
            .bind(node_id)
            .bind(&p.project)
            .bind(&p.proxy)
            .bind(m.minute)
            .bind(m.requests as i64)
            .bind(m.client_errors as i64)
            .bind(m.server_errors as i64)
            .bind(latency)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("DELETE FROM backend_health WHERE environment = $1 AND node_id = $2")
        .bind(environment)
        .bind(node_id)
        .execute(&mut *tx)
        .await?;
    for p in served {
        for b in p.backends.iter().filter(|b| b.state != BackendState::Up) {
            sqlx::query(
                "INSERT INTO backend_health (environment, node_id, project, proxy, address, state, reported_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (environment, node_id, project, proxy, address) DO UPDATE SET
                    state = excluded.state, reported_at = excluded.reported_at",
            )
            .bind(environment)
            .bind(node_id)
            .bind(&p.project)
            .bind(&p.proxy)
            .bind(&b.address)
            .bind(state_name(b.state))
            .bind(&reported_at)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Whatever fell out of the window, of every environment and node (one that stopped reporting too).
    sqlx::query("DELETE FROM proxy_traffic WHERE minute < $1")
        .bind(now - WINDOW_MINUTES)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM backend_health WHERE reported_at < $1")
        .bind(clock::stored(OffsetDateTime::now_utc() - HEALTH_KEPT))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

fn state_name(state: BackendState) -> &'static str {
    match state {
        BackendState::Up => "UP",
        BackendState::SittingOut => "SITTING_OUT",
        BackendState::Unreachable => "UNREACHABLE",
    }
}

fn state_of(name: &str) -> BackendState {
    match name {
        "SITTING_OUT" => BackendState::SittingOut,
        "UNREACHABLE" => BackendState::Unreachable,
        _ => BackendState::Up,
    }
}

/// An API proxy's last hour in each environment its project uses where it had traffic or is live: a
/// point per minute (every node added up) and its backends' states, for anyone who may view the project.
pub async fn proxy_traffic(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
) -> Result<Vec<EnvironmentTraffic>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::View)).await?;
    let found = find_proxy(&mut conn, p.id, proxy).await?;
    read_traffic(&mut conn, p.id, &p.name, &found.name).await
}

async fn read_traffic(
    conn: &mut Conn,
    project_id: i64,
    project: &str,
    proxy: &str,
) -> Result<Vec<EnvironmentTraffic>> {
    let now = current_minute();
    let first = now - WINDOW_MINUTES + 1;
    // Only the project's own environments: a node of another environment cannot draw into its charts.
    // With what is live there, if anything: the backends shown are those the gateways were given.
    let environments: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT e.name, (SELECT d.snapshot FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
                         WHERE d.environment_id = e.id AND a.project_id = $1 AND a.name = $2)
         FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 ORDER BY e.name",
    )
    .bind(project_id)
    .bind(proxy)
    .fetch_all(&mut *conn)
    .await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        environment: String,
        minute: i64,
        requests: i64,
        client_errors: i64,
        server_errors: i64,
        latency: String,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT environment, minute, requests, client_errors, server_errors, latency FROM proxy_traffic
         WHERE project = $1 AND proxy = $2 AND minute >= $3",
    )
    .bind(project)
    .bind(proxy)
    .bind(first)
    .fetch_all(&mut *conn)
    .await?;
    let health: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT environment, node_id, address, state FROM backend_health
         WHERE project = $1 AND proxy = $2 AND reported_at >= $3",
    )
    .bind(project)
    .bind(proxy)
    .bind(fresh_since())
    .fetch_all(&mut *conn)
    .await?;
    let configured = configured_backends(conn, project_id, proxy).await?;
    // Every node heard from lately, per environment: a node that names no troubled backend sees them all up.
    let nodes: Vec<(String, i64)> = sqlx::query_as(
        "SELECT environment, COUNT(*) FROM gateway_nodes WHERE last_seen >= $1 GROUP BY environment",
    )
    .bind(fresh_since())
    .fetch_all(&mut *conn)
    .await?;

    // By environment (as the environments table names it) and minute: every node's counts added up.
    let key = |name: &str| name.to_lowercase();
    let mut sums: HashMap<String, BTreeMap<i64, MinuteCounts>> = HashMap::new();
    for r in rows {
        let latency: Vec<u64> = serde_json::from_str(&r.latency).unwrap_or_default();
        let sum = sums
            .entry(key(&r.environment))
            .or_default()
            .entry(r.minute)
            .or_insert_with(|| MinuteCounts {
                minute: r.minute,
                latency: vec![0; LATENCY_BUCKETS],
                ..MinuteCounts::default()
            });
        // Saturating: stored counts are bounded (MAX_COUNT), but a sum must never panic a page.
        sum.requests = sum.requests.saturating_add(r.requests.max(0) as u64);
        sum.client_errors = sum.client_errors.saturating_add(r.client_errors.max(0) as u64);
        sum.server_errors = sum.server_errors.saturating_add(r.server_errors.max(0) as u64);
        for (total, n) in sum.latency.iter_mut().zip(latency) {
            *total = total.saturating_add(n);
        }
    }
    let mut out = Vec::new();
    for (environment, live) in environments {
        let minutes = sums.remove(&key(&environment)).unwrap_or_default();
        if minutes.is_empty() && live.is_none() {
            continue;
        }
        let points = (first..=now)
            .map(|minute| match minutes.get(&minute) {
                Some(m) => point(m),
                None => TrafficPoint {
                    minute,
                    ..TrafficPoint::default()
                },
            })
            .collect();
        let summary = summary(minutes.values());
        let here: Vec<(&str, BackendState)> = health
            .iter()
            .filter(|(env, ..)| key(env) == key(&environment))
            .map(|(_, _, address, state)| (address.as_str(), state_of(state)))
            .collect();
        let reporting_nodes = nodes
            .iter()
            .find(|(env, _)| key(env) == key(&environment))
            .map_or(0, |(_, n)| *n as u32);
        let addresses = match &live {
            Some(snapshot) => crate::model::from_json::<crate::model::Snapshot>(snapshot)?
                .proxy
                .routing
                .address_list
                .into_iter()
                .map(|a| a.address)
                .collect(),
            None => configured.clone(),
        };
        out.push(EnvironmentTraffic {
            backends: backend_health(&addresses, &here, reporting_nodes),
            environment,
            points,
            summary,
        });
    }
    Ok(out)
}

fn percent(part: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| part as f64 * 100.0 / of as f64)
}

fn point(m: &MinuteCounts) -> TrafficPoint {
    TrafficPoint {
        minute: m.minute,
        requests: m.requests,
        client_errors: m.client_errors,
        server_errors: m.server_errors,
        client_error_percent: percent(m.client_errors, m.requests),
        server_error_percent: percent(m.server_errors, m.requests),
        p50_ms: percentile(&m.latency, 0.50),
        p95_ms: percentile(&m.latency, 0.95),
    }
}

/// The hour's totals, and its percentiles from every minute's buckets added up.
fn summary<'a>(minutes: impl Iterator<Item = &'a MinuteCounts>) -> TrafficSummary {
    let mut all = MinuteCounts {
        latency: vec![0; LATENCY_BUCKETS],
        ..MinuteCounts::default()
    };
    let mut peak = 0;
    for m in minutes {
        all.requests = all.requests.saturating_add(m.requests);
        all.client_errors = all.client_errors.saturating_add(m.client_errors);
        all.server_errors = all.server_errors.saturating_add(m.server_errors);
        for (total, n) in all.latency.iter_mut().zip(&m.latency) {
            *total = total.saturating_add(*n);
        }
        peak = peak.max(m.requests);
    }
    let hour = point(&all);
    TrafficSummary {
        requests: hour.requests,
        peak_per_minute: peak,
        client_error_percent: hour.client_error_percent,
        server_error_percent: hour.server_error_percent,
        p50_ms: hour.p50_ms,
        p95_ms: hour.p95_ms,
    }
}

/// The proxy's configured backends, each with its worst state on any node that reported trouble (a
/// backend no node names is up).
fn backend_health(addresses: &[String], troubled: &[(&str, BackendState)], nodes: u32) -> Vec<BackendHealth> {
    addresses
        .iter()
        .map(|address| {
            let states: Vec<BackendState> = troubled
                .iter()
                .filter(|(a, _)| a == address)
                .map(|(_, s)| *s)
                .collect();
            let worst = states.iter().copied().max().unwrap_or(BackendState::Up);
            BackendHealth {
                address: address.clone(),
                state: worst,
                nodes_in_state: states.iter().filter(|s| **s == worst).count() as u32,
                nodes: nodes.max(states.len() as u32),
            }
        })
        .collect()
}

async fn configured_backends(conn: &mut Conn, project_id: i64, proxy: &str) -> Result<Vec<String>> {
    let config: Option<String> =
        sqlx::query_scalar("SELECT config FROM api_proxies WHERE project_id = $1 AND name = $2")
            .bind(project_id)
            .bind(proxy)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(config) = config else {
        return Ok(Vec::new());
    };
    let spec: crate::model::ProxySpec = crate::model::from_json(&config)?;
    Ok(spec.routing.address_list.into_iter().map(|a| a.address).collect())
}

pub(crate) fn fresh_since() -> String {
    clock::stored(OffsetDateTime::now_utc() - HEALTH_FRESH)
}

/// The upper bound of the bucket holding the `q` quantile, in milliseconds (the last bucket reads as the
/// last bound: "at least that").
pub fn percentile(buckets: &[u64], q: f64) -> Option<u32> {
    let total: u64 = buckets.iter().fold(0u64, |a, b| a.saturating_add(*b));
    if total == 0 {
        return None;
    }
    let rank = ((total as f64) * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen = n.saturating_add(seen);
        if seen >= rank {
            return Some(
                *LATENCY_BOUNDS_MS
                    .get(i)
                    .unwrap_or(&LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.len() - 1]),
            );
        }
    }
    LATENCY_BOUNDS_MS.last().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_read_the_bucket_that_holds_the_rank() {
        let mut buckets = vec![0; LATENCY_BUCKETS];
        assert_eq!(percentile(&buckets, 0.5), None);
        buckets[0] = 50; // ≤ 1 ms
        buckets[5] = 45; // ≤ 10 ms
        buckets[LATENCY_BUCKETS - 1] = 5; // beyond the last bound
        assert_eq!(percentile(&buckets, 0.5), Some(1));
        assert_eq!(percentile(&buckets, 0.95), Some(10));
        assert_eq!(percentile(&buckets, 0.99), Some(30000));
    }
}
