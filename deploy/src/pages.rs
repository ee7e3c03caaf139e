//! What each console page shows, read at once. Each function authorizes once, reads in one read
//! transaction (one snapshot on both backends), and returns the caller's rights from the same membership
//! row, where calling the list functions one by one would authorize for each and could straddle a change.

use crate::db::Conn;
use crate::model::{EnvironmentType, GroupPage, HistoryPage, Permission, ProjectPage, ProxyPage};
use crate::rows::{lacking, membership, Need, ProjectKey, ProjectRef};
use crate::{Actor, ControlPlane, Result};

pub async fn project_page(cp: &ControlPlane, actor: &Actor, project: &str) -> Result<ProjectPage> {
    let mut tx = cp.begin_read().await?;
    let (p, rights) = viewable(&mut tx, actor, project).await?;
    Ok(ProjectPage {
        project: crate::projects::read(&mut tx, p.id).await?,
        proxies: crate::proxies::summaries(&mut tx, p.id).await?,
        groups: crate::groups::load_all(&mut tx, p.id).await?,
        environments: crate::environments::assigned(&mut tx, p.id).await?,
        rights,
    })
}

pub async fn proxy_page(cp: &ControlPlane, actor: &Actor, project: &str, proxy: &str) -> Result<ProxyPage> {
    let mut tx = cp.begin_read().await?;
    let (p, rights) = viewable(&mut tx, actor, project).await?;
    read_proxy_page(&mut tx, &p, proxy, rights).await
}

/// The proxy page's content and the proxy's deploy history, newest first.
pub async fn history_page(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    proxy: &str,
) -> Result<HistoryPage> {
    let mut tx = cp.begin_read().await?;
    let (p, rights) = viewable(&mut tx, actor, project).await?;
    let page = read_proxy_page(&mut tx, &p, proxy, rights).await?;
    let found = crate::rows::find_proxy(&mut tx, p.id, proxy).await?;
    let records = crate::history::records(&mut tx, found.id).await?;
    Ok(HistoryPage {
        timeline: crate::timeline::timeline(
            &records,
            &page
                .proxy
                .live
                .iter()
                .map(|l| (l.environment.clone(), l.revision))
                .collect::<Vec<_>>(),
            time::OffsetDateTime::now_utc(),
        ),
        records,
        page,
    })
}

pub async fn group_page(cp: &ControlPlane, actor: &Actor, project: &str, group: &str) -> Result<GroupPage> {
    let mut tx = cp.begin_read().await?;
    let (p, rights) = viewable(&mut tx, actor, project).await?;
    let (environments, production) = names_and_production(assigned_environments(&mut tx, p.id).await?);
    Ok(GroupPage {
        group: crate::groups::load_one(&mut tx, p.id, group).await?,
        proxies: crate::proxies::summaries(&mut tx, p.id).await?,
        environments,
        production,
        rights,
    })
}

/// The project, if the actor may view it, with everything else they may do there.
async fn viewable(
    conn: &mut Conn,
    actor: &Actor,
    project: &str,
) -> Result<(ProjectRef, crate::model::Rights)> {
    let (p, held) = membership(conn, actor, ProjectKey::Name(project)).await?;
    let view = Need::Permission(Permission::View);
    if !held.grants(view) {
        return Err(lacking(&p.name, view));
    }
    Ok((p, held.rights()))
}

async fn read_proxy_page(
    conn: &mut Conn,
    project: &ProjectRef,
    proxy: &str,
    rights: crate::model::Rights,
) -> Result<ProxyPage> {
    let loaded = crate::proxies::load_one(conn, project.id, proxy).await?;
    let limit = project.history_retention;
    // What retention (history::trim_history_of) removes when one more record without "keep" arrives.
    let (unkept, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(h.revision) FROM deploy_history h JOIN api_proxies a ON a.id = h.proxy_id
         WHERE a.project_id = $1 AND a.name = $2 AND h.persistent = FALSE",
    )
    .bind(project.id)
    .bind(proxy)
    .fetch_one(&mut *conn)
    .await?;
    let (environments, production) = names_and_production(assigned_environments(conn, project.id).await?);
    Ok(ProxyPage {
        proxy: loaded,
        environments,
        production,
        rights,
        history_limit: limit,
        next_record_pushes_out: if unkept >= limit { oldest } else { None },
    })
}

/// The environments' names, and those of the PRODUCTION type (where the console asks before it deploys).
fn names_and_production(environments: Vec<(String, String)>) -> (Vec<String>, Vec<String>) {
    let production = EnvironmentType::Production.as_str();
    let chosen = environments
        .iter()
        .filter(|(_, t)| t == production)
        .map(|(name, _)| name.clone())
        .collect();
    (environments.into_iter().map(|(name, _)| name).collect(), chosen)
}

/// The project's environments by name, each with its type.
async fn assigned_environments(conn: &mut Conn, project_id: i64) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT e.name, e.env_type FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 ORDER BY e.name",
    )
    .bind(project_id)
    .fetch_all(conn)
    .await?)
}
