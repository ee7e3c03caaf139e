//! The console's page reads: each shows what the list functions show, with the caller's rights.
mod common;

use deploy::access::Permission;
use deploy::model::Rights;
use deploy::{demo::DEMO_PROJECT as PROJECT, environments, groups, history, pages, projects, proxies, Error};

#[tokio::test]
async fn the_project_page_shows_what_the_list_functions_show() {
    let (cp, _db, admin) = common::demo().await;
    let page = pages::project_page(&cp, &admin, PROJECT).await.unwrap();
    assert_eq!(
        page.project,
        projects::get_project(&cp, &admin, PROJECT).await.unwrap()
    );
    assert_eq!(
        page.proxies,
        proxies::list_proxy_summaries(&cp, &admin, PROJECT).await.unwrap()
    );
    assert_eq!(
        page.groups,
        groups::list_groups(&cp, &admin, PROJECT).await.unwrap()
    );
    assert_eq!(
        page.environments,
        environments::project_environments(&cp, &admin, PROJECT)
            .await
            .unwrap()
    );
    assert!(!page.proxies.is_empty() && !page.groups.is_empty() && !page.environments.is_empty());
    let all = Rights {
        manage: true,
        deploy: true,
        export_import: true,
        project_admin: true,
    };
    assert_eq!(page.rights, all, "a system admin may do everything");
}

#[tokio::test]
async fn the_proxy_group_and_history_pages_show_what_the_list_functions_show() {
    let (cp, _db, admin) = common::demo().await;
    let proxy = "petstore-api";
    let names: Vec<String> = environments::project_environments(&cp, &admin, PROJECT)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.environment.name)
        .collect();
    let page = pages::proxy_page(&cp, &admin, PROJECT, proxy).await.unwrap();
    assert_eq!(
        page.proxy,
        proxies::get_proxy(&cp, &admin, PROJECT, proxy).await.unwrap()
    );
    assert_eq!(page.environments, names);
    let history_page = pages::history_page(&cp, &admin, PROJECT, proxy).await.unwrap();
    assert_eq!(history_page.page, page);
    assert_eq!(
        history_page.records,
        history::list_history(&cp, &admin, PROJECT, proxy).await.unwrap()
    );
    assert!(!history_page.records.is_empty());
    let group = groups::list_groups(&cp, &admin, PROJECT).await.unwrap().remove(0);
    let group_page = pages::group_page(&cp, &admin, PROJECT, &group.name)
        .await
        .unwrap();
    assert_eq!(group_page.group, group);
    assert_eq!(group_page.environments, names);
    let all = proxies::list_proxy_summaries(&cp, &admin, PROJECT).await.unwrap();
    assert_eq!(group_page.proxies, all);
    assert_eq!(group_page.production, page.production);
}

#[tokio::test]
async fn each_page_gives_the_members_own_rights_and_refuses_who_may_not_view() {
    let (cp, _db, admin) = common::demo().await;
    let deployer = common::member(
        &cp,
        &admin,
        "deployer",
        &[Permission::View, Permission::DeployUndeploy],
    )
    .await;
    let expected = Rights {
        deploy: true,
        ..Rights::default()
    };
    assert_eq!(
        pages::project_page(&cp, &deployer, PROJECT).await.unwrap().rights,
        expected
    );
    assert_eq!(
        pages::proxy_page(&cp, &deployer, PROJECT, "petstore-api")
            .await
            .unwrap()
            .rights,
        expected
    );

    // A member without VIEW is refused as every list function refuses them; a stranger learns nothing.
    let blind = common::member(&cp, &admin, "blind", &[Permission::Manage]).await;
    assert!(matches!(
        pages::project_page(&cp, &blind, PROJECT).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        proxies::list_proxy_summaries(&cp, &blind, PROJECT).await,
        Err(Error::Forbidden(_))
    ));
    let stranger = common::as_console(&common::user(&cp, "stranger", false).await);
    let refused = pages::history_page(&cp, &stranger, PROJECT, "petstore-api")
        .await
        .unwrap_err();
    let unknown = pages::history_page(&cp, &admin, "NoSuchProject", "petstore-api")
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string().replace(PROJECT, "NoSuchProject"),
        unknown.to_string()
    );
    assert!(matches!(
        pages::group_page(&cp, &admin, PROJECT, "no-such-group").await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn the_proxy_page_says_which_record_the_next_one_pushes_out_and_which_environments_are_production() {
    let (cp, _db, admin) = common::demo().await;
    let proxy = "petstore-api";
    let page = pages::proxy_page(&cp, &admin, PROJECT, proxy).await.unwrap();
    assert_eq!(page.production, ["production"]);
    let limit = projects::get_project(&cp, &admin, PROJECT)
        .await
        .unwrap()
        .history_retention;
    assert_eq!(page.history_limit, limit);
    let unkept: Vec<i64> = history::list_history(&cp, &admin, PROJECT, proxy)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.persistent)
        .map(|r| r.revision)
        .collect();
    assert_eq!(unkept.len() as i64, limit, "the demo's history is full");
    assert_eq!(page.next_record_pushes_out, unkept.iter().min().copied());
    // With room to spare, nothing is pushed out.
    projects::set_history_retention(&cp, &admin, PROJECT, limit + 5)
        .await
        .unwrap();
    let roomy = pages::proxy_page(&cp, &admin, PROJECT, proxy).await.unwrap();
    assert_eq!(roomy.next_record_pushes_out, None);
}
