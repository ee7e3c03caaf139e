//! The console's landing page, read at once: per environment what is live and drifted and how its gateways
//! stand, the latest deploys and the API proxies failing now, over the projects the actor may view.

use std::collections::{HashMap, HashSet};

use crate::db::Conn;
use crate::model::{
    from_json, Action, EnvironmentOverview, EnvironmentType, FailingProxy, Failure, FirstSteps, NodeState,
    Overview, ProxySpec, RecentDeploy, Snapshot,
};
use crate::rows::{environment_from_row, EnvironmentRow, ENVIRONMENT_COLUMNS};
use crate::{Actor, ControlPlane, Result};

/// How many history records the page lists.
const RECENT: i64 = 10;
/// "Now", for failures: the last few minutes of what the gateways counted.
const FAILING_MINUTES: i64 = 5;
/// The share of 5xx answers from which a proxy is listed as failing.
const FAILING_PERCENT: f64 = 5.0;

/// The projects the actor may view: every one for a system admin, else those where their membership grants
/// VIEW (the rule `rows::Held::grants` applies to one project, written here for all of them at once).
const VISIBLE: &str = "SELECT p.id, p.name FROM projects p
     WHERE $1 = 1 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2
        AND (m.project_admin = TRUE OR (',' || m.permissions || ',') LIKE '%,VIEW,%'))";

pub async fn overview(cp: &ControlPlane, actor: &Actor) -> Result<Overview> {
    let admin = i64::from(actor.user.system_admin);
    let mut tx = cp.begin_read().await?;
    let projects: HashMap<i64, String> = sqlx::query_as(VISIBLE)
        .bind(admin)
        .bind(actor.user.id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    let environments = environments(&mut tx, actor, &projects).await?;
    let live = live(&mut tx, admin, actor.user.id, &projects).await?;
    let recent = recent(&mut tx, admin, actor.user.id).await?;
    let failing = failing(&mut tx, &live).await?;
    let first_steps = if live.is_empty() {
        Some(first_steps(&mut tx, &projects).await?)
    } else {
        None
    };
    drop(tx);

    let mut out = Vec::with_capacity(environments.len());
    for env in environments {
        let mut here = EnvironmentOverview {
            production: env.env_type == EnvironmentType::Production,
            access_url: env.access_url,
            ..EnvironmentOverview::default()
        };
        for l in live.iter().filter(|l| l.environment_id == env.row_id) {
            here.live += 1;
            here.drifted += u32::from(l.drifted);
        }
        // The node registry and the live feed are read apart from the snapshot above: they are not part of
        // the deploy data, and the live feed caches the environment's hash.
        for node in crate::nodes::nodes_of(cp, env.name.clone()).await?.nodes {
            match node.state {
                NodeState::InSync => here.nodes.in_sync += 1,
                NodeState::Behind => here.nodes.behind += 1,
                NodeState::Stale | NodeState::Offline => here.nodes.unreachable += 1,
            }
        }
        here.name = env.name;
        out.push(here);
    }
    Ok(Overview {
        environments: out,
        recent,
        failing,
        first_steps,
    })
}

struct EnvironmentSeen {
    row_id: i64,
    name: String,
    env_type: EnvironmentType,
    access_url: Option<String>,
}

/// Every environment for a system admin (one no project uses yet included), else those the actor's
/// projects use.
async fn environments(
    conn: &mut Conn,
    actor: &Actor,
    projects: &HashMap<i64, String>,
) -> Result<Vec<EnvironmentSeen>> {
    let rows: Vec<EnvironmentRow> = sqlx::query_as(&format!(
        "SELECT {ENVIRONMENT_COLUMNS} FROM environments e ORDER BY e.name"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let used: HashSet<i64> = if actor.user.system_admin {
        rows.iter().map(|r| r.id).collect()
    } else {
        sqlx::query_as::<_, (i64, i64)>("SELECT project_id, environment_id FROM project_environments")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .filter(|(project, _)| projects.contains_key(project))
            .map(|(_, environment)| environment)
            .collect()
    };
    Ok(rows
        .into_iter()
        .filter(|r| used.contains(&r.id))
        .map(|r| {
            let row_id = r.id;
            let e = environment_from_row(r);
            EnvironmentSeen {
                row_id,
                name: e.name,
                env_type: e.env_type,
                access_url: e.access_url,
            }
        })
        .collect())
}

/// A live API proxy of a visible project.
struct Live {
    environment_id: i64,
    environment: String,
    project: String,
    proxy: String,
    drifted: bool,
    backends: Vec<String>,
}

async fn live(
    conn: &mut Conn,
    admin: i64,
    user_id: i64,
    projects: &HashMap<i64, String>,
) -> Result<Vec<Live>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        project_id: i64,
        environment_id: i64,
        environment: String,
        proxy: String,
        config: String,
        snapshot: String,
    }
    // Only the visible projects' rows leave the database: the configurations are large.
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT a.project_id, d.environment_id, e.name AS environment, a.name AS proxy, a.config, d.snapshot
         FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id JOIN environments e ON e.id = d.environment_id
         JOIN ({VISIBLE}) v ON v.id = a.project_id"
    ))
    .bind(admin)
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let Some(project) = projects.get(&row.project_id) else {
            continue;
        };
        let current: ProxySpec = from_json(&row.config)?;
        let live: Snapshot = from_json(&row.snapshot)?;
        out.push(Live {
            environment_id: row.environment_id,
            environment: row.environment,
            project: project.clone(),
            drifted: live.proxy != current || live.name != row.proxy,
            proxy: row.proxy,
            backends: live
                .proxy
                .routing
                .address_list
                .into_iter()
                .map(|a| a.address)
                .collect(),
        });
    }
    Ok(out)
}

async fn recent(conn: &mut Conn, admin: i64, user_id: i64) -> Result<Vec<RecentDeploy>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        project: String,
        proxy: String,
        revision: i64,
        action: String,
        environment_name: Option<String>,
        username: String,
        at: String,
        description: String,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT v.name AS project, a.name AS proxy, h.revision, h.action, h.environment_name, h.username, h.at,
            h.description
         FROM deploy_history h JOIN api_proxies a ON a.id = h.proxy_id JOIN ({VISIBLE}) v ON v.id = a.project_id
         ORDER BY h.at DESC, h.id DESC LIMIT {RECENT}"
    ))
    .bind(admin)
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RecentDeploy {
            project: r.project,
            proxy: r.proxy,
            revision: r.revision,
            action: Action::parse(&r.action),
            environment: r.environment_name,
            username: r.username,
            at: r.at,
            description: r.description,
        })
        .collect())
}

/// Live proxies whose last minutes show many 5xx answers, or whose every backend a node finds unreachable.
/// Only what is live counts: a node's report about anything else never shows here.
async fn failing(conn: &mut Conn, live: &[Live]) -> Result<Vec<FailingProxy>> {
    let key =
        |env: &str, project: &str, proxy: &str| (env.to_lowercase(), project.to_owned(), proxy.to_owned());
    let live_by_key: HashMap<_, &Live> = live
        .iter()
        .map(|l| (key(&l.environment, &l.project, &l.proxy), l))
        .collect();
    let since = crate::traffic::current_minute() - FAILING_MINUTES + 1;
    // Only proxies with 5xx answers leave the database; which of them the actor may see is the live list's
    // business (traffic rows name projects exactly, project names compare ignoring case: no join).
    let sums: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT environment, project, proxy, CAST(SUM(requests) AS BIGINT), CAST(SUM(server_errors) AS BIGINT)
         FROM proxy_traffic WHERE minute >= $1 GROUP BY environment, project, proxy
         HAVING SUM(server_errors) > 0",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (env, project, proxy, requests, errors) in sums {
        let Some(l) = live_by_key.get(&key(&env, &project, &proxy)) else {
            continue;
        };
        let (requests, errors) = (requests.max(0) as u64, errors.max(0) as u64);
        let percent = if requests > 0 {
            errors as f64 * 100.0 / requests as f64
        } else {
            0.0
        };
        if errors > 0 && percent >= FAILING_PERCENT {
            out.push(FailingProxy {
                project: l.project.clone(),
                proxy: l.proxy.clone(),
                environment: l.environment.clone(),
                why: Failure::ServerErrors {
                    percent,
                    requests,
                    minutes: FAILING_MINUTES,
                },
            });
        }
    }
    let unreachable: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT environment, node_id, project, proxy, address FROM backend_health
         WHERE state = 'UNREACHABLE' AND reported_at >= $1",
    )
    .bind(crate::traffic::fresh_since())
    .fetch_all(&mut *conn)
    .await?;
    // Per live proxy and node, the backends that node cannot reach; a proxy is failing when some node can
    // reach none of the backends it was deployed with.
    let mut down: HashMap<((String, String, String), String), HashSet<String>> = HashMap::new();
    for (env, node, project, proxy, address) in unreachable {
        let k = key(&env, &project, &proxy);
        if live_by_key.contains_key(&k) {
            down.entry((k, node)).or_default().insert(address);
        }
    }
    let mut stranded: Vec<&Live> = Vec::new();
    for ((k, _), addresses) in &down {
        let l = live_by_key[k];
        let none_left = !l.backends.is_empty() && l.backends.iter().all(|b| addresses.contains(b));
        if none_left && !stranded.iter().any(|s| std::ptr::eq(*s, l)) {
            stranded.push(l);
        }
    }
    // A proxy with no backend left is listed for that, not also for the errors it answers meanwhile.
    out.retain(|f| {
        !stranded
            .iter()
            .any(|l| l.environment == f.environment && l.project == f.project && l.proxy == f.proxy)
    });
    out.extend(stranded.into_iter().map(|l| FailingProxy {
        project: l.project.clone(),
        proxy: l.proxy.clone(),
        environment: l.environment.clone(),
        why: Failure::NoReachableBackend,
    }));
    out.sort_by(|a, b| (&a.environment, &a.project, &a.proxy).cmp(&(&b.environment, &b.project, &b.proxy)));
    Ok(out)
}

/// What to do first, in the first visible project (by name): its first proxy, its first environment and,
/// once that environment has an access URL, the call that reaches the proxy through it.
async fn first_steps(conn: &mut Conn, projects: &HashMap<i64, String>) -> Result<FirstSteps> {
    let Some((&project_id, project)) = projects.iter().min_by(|a, b| a.1.cmp(b.1)) else {
        return Ok(FirstSteps {
            project: None,
            proxy: None,
            environment: None,
            curl: None,
        });
    };
    let proxy: Option<(String, String)> =
        sqlx::query_as("SELECT name, config FROM api_proxies WHERE project_id = $1 ORDER BY name LIMIT 1")
            .bind(project_id)
            .fetch_optional(&mut *conn)
            .await?;
    let environment: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT e.name, e.access_url FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 ORDER BY e.name LIMIT 1",
    )
    .bind(project_id)
    .fetch_optional(&mut *conn)
    .await?;
    let path = match &proxy {
        Some((_, config)) => from_json::<ProxySpec>(config)?.relative_path,
        None => "/your-api".to_owned(),
    };
    let curl = environment
        .as_ref()
        .and_then(|(_, url)| url.as_deref())
        .map(|url| format!("{}{}", url.trim_end_matches('/'), path))
        // Quoted for a shell as it is; an address with anything a shell (cmd.exe too, where single quotes
        // do not quote) could read as more than text gets no command.
        .filter(|url| {
            url.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@+,;=".contains(c))
        })
        .map(|url| format!("curl -i '{url}'"));
    Ok(FirstSteps {
        project: Some(project.clone()),
        proxy: proxy.map(|(name, _)| name),
        environment: environment.map(|(name, _)| name),
        curl,
    })
}
