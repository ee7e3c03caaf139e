//! One path, one owner: among what is live in an environment, no API proxy's request paths may equal, lie
//! under or lie over another's, whichever project each belongs to. Without this rule a member of one project
//! could deploy `/victim/admin` and take another project's traffic (bearer tokens included), and two proxies
//! on one path would shadow each other by name. The table `live_paths` (kept by triggers, migration 0005)
//! holds every live deployment's paths.

use crate::db::{Backend, Conn, Flag};

use crate::model::Permission;
use crate::model::{ProxySpec, Snapshot};
use crate::rows::project_environment;
use crate::rows::{authorize, Need};
use crate::{Actor, ControlPlane, Error, Result};

/// Paths strictly above `path` on segment boundaries: "/a/b/c" has "", "/a" and "/a/b".
fn ancestors(path: &str) -> Vec<&str> {
    let mut out = vec![""];
    out.extend(path.match_indices('/').skip(1).map(|(i, _)| &path[..i]));
    if path.is_empty() {
        out.clear();
    }
    out
}

/// The snapshot's paths as the deploy batch's guard reads them: each path with the paths above it.
pub(crate) fn guard_paths(snapshot: &Snapshot) -> Result<String> {
    let paths: Vec<serde_json::Value> = snapshot
        .route_prefixes()
        .iter()
        .map(|p| serde_json::json!({ "path": p, "over": ancestors(p) }))
        .collect();
    serde_json::to_string(&paths).map_err(Error::internal)
}

/// Refuses (with `Invalid`, writing nothing) a deploy of `snapshot` for `proxy_id` into the environment when
/// one of its paths overlaps a path another live proxy owns there. The message names the path, and the
/// proxy and project only when the actor may see that project.
pub(crate) async fn check(
    conn: &mut Conn,
    actor: &Actor,
    env_id: i64,
    env_name: &str,
    proxy_id: i64,
    snapshot: &Snapshot,
) -> Result<()> {
    for prefix in snapshot.route_prefixes() {
        let over = serde_json::to_string(&ancestors(&prefix)).map_err(Error::internal)?;
        let taken: Option<(String, String, String, Flag)> = sqlx::query_as(Backend::of(conn).pick(
            "SELECT l.path, a.name, p.name,
                    $5 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $6)
             FROM live_paths l JOIN api_proxies a ON a.id = l.proxy_id JOIN projects p ON p.id = a.project_id
             WHERE l.environment_id = $1 AND l.proxy_id <> $2
               AND (l.path = $3
                    OR l.path IN (SELECT value FROM json_each($4))
                    OR (l.path >= $3 || '/' AND l.path < $3 || '0'))
             ORDER BY length(l.path) LIMIT 1",
            "SELECT l.path, a.name, p.name,
                    $5 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $6)
             FROM live_paths l JOIN api_proxies a ON a.id = l.proxy_id JOIN projects p ON p.id = a.project_id
             WHERE l.environment_id = $1 AND l.proxy_id <> $2
               AND (l.path = $3
                    OR l.path IN (SELECT json_array_elements_text($4::json))
                    OR (l.path >= $3 || '/' AND l.path < $3 || '0'))
             ORDER BY length(l.path) LIMIT 1",
        ))
        .bind(env_id)
        .bind(proxy_id)
        .bind(&prefix)
        .bind(&over)
        .bind(actor.user.system_admin)
        .bind(actor.user.id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((path, proxy, project, Flag(visible))) = taken {
            let shown = |p: &str| {
                if p.is_empty() {
                    "/".to_owned()
                } else {
                    p.to_owned()
                }
            };
            let owner = if visible {
                format!(" by API Proxy ({proxy}) of project ({project})")
            } else {
                String::new()
            };
            return Err(Error::Invalid(format!(
                "Relative path ({}) of API Proxy ({}) overlaps path ({}) already live in environment ({env_name}){owner}!",
                shown(&prefix),
                snapshot.name,
                shown(&path),
            )));
        }
    }
    Ok(())
}

/// Overlapping paths already live, as (environment, path and its project/proxy, other path and its
/// project/proxy): what was deployed before paths had one owner. The server names them at start, since
/// the next deploy of either proxy there is refused until one of them is undeployed.
pub async fn overlaps(cp: &ControlPlane) -> Result<Vec<(String, String, String)>> {
    #[derive(sqlx::FromRow)]
    struct Overlap {
        environment: String,
        x_path: String,
        x_project: String,
        x_proxy: String,
        y_path: String,
        y_project: String,
        y_proxy: String,
    }
    let rows: Vec<Overlap> = sqlx::query_as(
        "SELECT e.name AS environment, x.path AS x_path, px.name AS x_project, ax.name AS x_proxy,
            y.path AS y_path, py.name AS y_project, ay.name AS y_proxy
         FROM live_paths x JOIN live_paths y ON y.environment_id = x.environment_id AND x.proxy_id < y.proxy_id
         JOIN environments e ON e.id = x.environment_id
         JOIN api_proxies ax ON ax.id = x.proxy_id JOIN projects px ON px.id = ax.project_id
         JOIN api_proxies ay ON ay.id = y.proxy_id JOIN projects py ON py.id = ay.project_id
         WHERE x.path = y.path OR x.path = '' OR y.path = ''
            OR substr(y.path, 1, length(x.path) + 1) = x.path || '/'
            OR substr(x.path, 1, length(y.path) + 1) = y.path || '/'
         ORDER BY e.name, x.path",
    )
    .fetch_all(cp.pool())
    .await?;
    let shown = |p: &str| {
        if p.is_empty() {
            "/".to_owned()
        } else {
            p.to_owned()
        }
    };
    Ok(rows
        .into_iter()
        .map(|o| {
            let x = format!("{} ({}/{})", shown(&o.x_path), o.x_project, o.x_proxy);
            let y = format!("{} ({}/{})", shown(&o.y_path), o.y_project, o.y_proxy);
            (o.environment, x, y)
        })
        .collect())
}

/// What a save would run into at its next deploy: for each environment of `environments` (the deploy list
/// being edited) where `relative_path` overlaps a path another proxy has live, the refusal a deploy would
/// get. The console warns with these before the save; nothing is written.
pub async fn path_conflicts(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: Option<&str>,
    relative_path: &str,
    environments: &[String],
) -> Result<Vec<String>> {
    let mut conn = cp.pool().acquire().await?;
    // Those who may edit the proxy are asked; a viewer has no form to warn and no reason to probe paths.
    let p = authorize(&mut conn, actor, project, Need::Permission(Permission::Manage)).await?;
    let snapshot = Snapshot {
        name: proxy.unwrap_or_default().to_owned(),
        proxy: ProxySpec {
            relative_path: relative_path.trim().to_owned(),
            ..ProxySpec::default()
        },
        group: None,
    };
    // A path the save itself would refuse is the save's to word.
    if snapshot.proxy.validate().is_err() {
        return Ok(Vec::new());
    }
    let proxy_id: i64 = match proxy {
        Some(name) => sqlx::query_scalar("SELECT id FROM api_proxies WHERE project_id = $1 AND name = $2")
            .bind(p.id)
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0),
        None => 0,
    };
    let mut found = Vec::new();
    for name in environments.iter().take(100) {
        let Ok((env_id, env)) = project_environment(&mut conn, p.id, name).await else {
            continue;
        };
        match check(&mut conn, actor, env_id, &env.name, proxy_id, &snapshot)
            .await
            .map_err(Error::refusal)
        {
            Ok(()) => {}
            Err(Ok(message)) => found.push(message),
            Err(Err(e)) => return Err(e),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::ancestors;

    #[test]
    fn ancestors_stop_at_segment_boundaries() {
        assert_eq!(ancestors("/a/b/c"), ["", "/a", "/a/b"]);
        assert_eq!(ancestors("/a"), [""]);
        assert!(ancestors("").is_empty());
    }
}
