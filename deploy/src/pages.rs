//! What each console page shows, read at once. Each function authorizes once, reads in one read
//! transaction (one snapshot on both backends), and returns the caller's rights from the same membership
//! row, where calling the list functions one by one would authorize for each and could straddle a change.

use crate::db::Conn;
use crate::model::{GroupPage, HistoryPage, Permission, ProjectPage, ProxyPage};
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
    read_proxy_page(&mut tx, p.id, proxy, rights).await
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
    let page = read_proxy_page(&mut tx, p.id, proxy, rights).await?;
    let found = crate::rows::find_proxy(&mut tx, p.id, proxy).await?;
    Ok(HistoryPage {
        records: crate::history::records(&mut tx, found.id).await?,
        page,
    })
}

pub async fn group_page(cp: &ControlPlane, actor: &Actor, project: &str, group: &str) -> Result<GroupPage> {
    let mut tx = cp.begin_read().await?;
    let (p, rights) = viewable(&mut tx, actor, project).await?;
    Ok(GroupPage {
        group: crate::groups::load_one(&mut tx, p.id, group).await?,
        proxies: crate::proxies::names(&mut tx, p.id).await?,
        environments: environment_names(&mut tx, p.id).await?,
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
    project_id: i64,
    proxy: &str,
    rights: crate::model::Rights,
) -> Result<ProxyPage> {
    Ok(ProxyPage {
        proxy: crate::proxies::load_one(conn, project_id, proxy).await?,
        environments: environment_names(conn, project_id).await?,
        rights,
    })
}

async fn environment_names(conn: &mut Conn, project_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT e.name FROM environments e JOIN project_environments pe ON pe.environment_id = e.id
         WHERE pe.project_id = $1 ORDER BY e.name",
    )
    .bind(project_id)
    .fetch_all(conn)
    .await?)
}
