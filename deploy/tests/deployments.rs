mod common;

use deploy::access::{self, Permission};
use deploy::deployments::{self, DeployOptions};
use deploy::environments::{self, EnvironmentType, NewEnvironment};
use deploy::history::{self, Action};
use deploy::model::{GroupSpec, ProxySpec};
use deploy::{groups, projects, proxies, Actor, ControlPlane, Error};

/// Project P with environments production and staging; proxy `a` may go to production, `b` only to staging;
/// group G holds both.
async fn world() -> (ControlPlane, common::TestDatabase, Actor) {
    let (cp, dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    projects::create_project(&cp, &root, "P", "").await.unwrap();
    for (name, env_type) in [
        ("production", EnvironmentType::Production),
        ("staging", EnvironmentType::Sandbox),
    ] {
        let new = NewEnvironment {
            name: name.into(),
            env_type,
            description: String::new(),
            access_url: None,
        };
        environments::create_environment(&cp, &root, new).await.unwrap();
        environments::assign_environment(&cp, &root, "P", name)
            .await
            .unwrap();
    }
    let spec = |path: &str| ProxySpec {
        relative_path: path.into(),
        ..Default::default()
    };
    proxies::create_proxy(&cp, &root, "P", "a", spec("/a"), &["production".into()])
        .await
        .unwrap();
    proxies::create_proxy(&cp, &root, "P", "b", spec("/b"), &["staging".into()])
        .await
        .unwrap();
    groups::create_group(
        &cp,
        &root,
        "P",
        "G",
        GroupSpec::default(),
        &["a".into(), "b".into()],
    )
    .await
    .unwrap();
    (cp, dir, root)
}

async fn snapshot_of_rows(cp: &ControlPlane) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["deployments", "deploy_history", "audit_log", "api_proxies"] {
        counts.push(common::count(cp, table).await);
    }
    counts
}

#[tokio::test]
async fn deploying_a_group_makes_every_allowed_member_live_with_a_history_record() {
    let (cp, _dir, root) = world().await;
    proxies::update_proxy(
        &cp,
        &root,
        "P",
        "b",
        ProxySpec {
            relative_path: "/b".into(),
            ..Default::default()
        },
        Some(&["production".into(), "staging".into()]),
    )
    .await
    .unwrap();
    let result = deployments::deploy_group(&cp, &root, "P", "G", "production", &DeployOptions::default())
        .await
        .unwrap();
    assert!(result.success, "{result:?}");
    assert_eq!(result.message, "Deployment completed successfully");
    assert_eq!(result.environment_results[0].environment_name, "production");
    assert_eq!(result.environment_results[0].message, "Deployed successfully");
    for name in ["a", "b"] {
        let h = history::list_history(&cp, &root, "P", name).await.unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(
            (h[0].revision, h[0].action, h[0].description.as_str()),
            (1, Action::Deploy, "Deployed by APIOPS Api")
        );
        assert!(!h[0].persistent);
        let record = history::get_record(&cp, &root, "P", name, 1).await.unwrap();
        let snapshot = record.snapshot.unwrap();
        assert_eq!(
            snapshot.group.unwrap().name,
            "G",
            "group settings are deployed with the group"
        );
        let live = proxies::get_proxy(&cp, &root, "P", name).await.unwrap().live;
        assert_eq!(live.len(), 1);
        assert_eq!(
            (live[0].environment.as_str(), live[0].revision),
            ("production", 1)
        );
    }
}

#[tokio::test]
async fn a_member_whose_deploy_list_lacks_the_environment_fails_on_its_own() {
    let (cp, _dir, root) = world().await;
    let options = DeployOptions {
        description: Some("v2.1 release".into()),
        persistent: true,
    };
    let result = deployments::deploy_group(&cp, &root, "P", "G", "production", &options)
        .await
        .unwrap();
    assert!(!result.success);
    assert_eq!(result.message, "Deployment completed with errors");
    let env = &result.environment_results[0];
    assert!(!env.success);
    assert!(env.message.contains("Deployed 1 of 2"), "{}", env.message);
    assert!(env
        .message
        .contains("Environment (production) is not in the deploy list of API Proxy (b)!"));
    let a = history::list_history(&cp, &root, "P", "a").await.unwrap();
    assert_eq!(
        (a[0].description.as_str(), a[0].persistent),
        ("v2.1 release", true)
    );
    assert!(history::list_history(&cp, &root, "P", "b")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn unknown_or_unassigned_environments_and_groups_are_refused_and_change_nothing() {
    let (cp, _dir, root) = world().await;
    let other = NewEnvironment {
        name: "elsewhere".into(),
        env_type: EnvironmentType::Test,
        description: String::new(),
        access_url: None,
    };
    environments::create_environment(&cp, &root, other).await.unwrap();
    let before = snapshot_of_rows(&cp).await;
    let o = DeployOptions::default();
    for env in ["nowhere", "elsewhere"] {
        let e = deployments::deploy_group(&cp, &root, "P", "G", env, &o)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Invalid(m) if m == &format!("Environment ({env}) is not found or user does not have privilege to access it!")),
            "{e:?}"
        );
    }
    let e = deployments::deploy_group(&cp, &root, "P", "PaymentAPIGroup", "production", &o)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid(m) if m == "API Proxy Group (PaymentAPIGroup) is not found or user does not have privilege to access it!")
    );
    let e = deployments::deploy_group(&cp, &root, "Nope", "G", "production", &o)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::NotFound(m) if m == "Project(Nope) was not found or user does not have privilege to access it!")
    );
    let long = DeployOptions {
        description: Some("x".repeat(1001)),
        persistent: false,
    };
    assert!(matches!(
        deployments::deploy_group(&cp, &root, "P", "G", "production", &long).await,
        Err(Error::Violation(v)) if v.field == "description"
    ));
    assert_eq!(snapshot_of_rows(&cp).await, before);
}

#[tokio::test]
async fn undeploy_mirrors_deploy() {
    let (cp, _dir, root) = world().await;
    let o = DeployOptions::default();
    deployments::deploy_proxy(&cp, &root, "P", "a", "production", &o)
        .await
        .unwrap();
    let result = deployments::undeploy_group(&cp, &root, "P", "G", "production", &o)
        .await
        .unwrap();
    // b was never live in production: the group result says so, a is undeployed.
    assert!(!result.success);
    assert!(result.environment_results[0]
        .message
        .contains("API Proxy (b) is not deployed to environment (production)!"));
    let a = history::list_history(&cp, &root, "P", "a").await.unwrap();
    assert_eq!(
        (a[0].revision, a[0].action, a[0].description.as_str()),
        (2, Action::Undeploy, "Undeployed by APIOPS Api")
    );
    assert!(proxies::get_proxy(&cp, &root, "P", "a")
        .await
        .unwrap()
        .live
        .is_empty());
    let single = deployments::undeploy_proxy(&cp, &root, "P", "a", "production", &o)
        .await
        .unwrap();
    assert!(
        !single.success,
        "undeploying what is not live is reported, not hidden"
    );
}

#[tokio::test]
async fn retention_keeps_the_newest_records_and_every_persistent_one() {
    let (cp, _dir, root) = world().await;
    projects::set_history_retention(&cp, &root, "P", 3).await.unwrap();
    for i in 1..=7 {
        let o = DeployOptions {
            description: None,
            persistent: i == 2,
        };
        deployments::deploy_proxy(&cp, &root, "P", "a", "production", &o)
            .await
            .unwrap();
    }
    let revisions: Vec<i64> = history::list_history(&cp, &root, "P", "a")
        .await
        .unwrap()
        .iter()
        .map(|r| r.revision)
        .collect();
    assert_eq!(revisions, vec![7, 6, 5, 2]);
    // Revisions are never reused after retention deleted records.
    deployments::deploy_proxy(&cp, &root, "P", "a", "production", &DeployOptions::default())
        .await
        .unwrap();
    let newest = history::list_history(&cp, &root, "P", "a").await.unwrap()[0].revision;
    assert_eq!(newest, 8);
    // Unpinning lets retention take the record.
    history::set_persistent(&cp, &root, "P", "a", 2, false)
        .await
        .unwrap();
    let revisions: Vec<i64> = history::list_history(&cp, &root, "P", "a")
        .await
        .unwrap()
        .iter()
        .map(|r| r.revision)
        .collect();
    assert_eq!(revisions, vec![8, 7, 6]);
    assert!(matches!(
        history::get_record(&cp, &root, "P", "a", 2).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn fifty_concurrent_deploys_get_fifty_contiguous_unique_revisions() {
    let (cp, _dir, root) = world().await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (cp, root) = (cp.clone(), root.clone());
        tasks.push(tokio::spawn(async move {
            deployments::deploy_proxy(
                &cp,
                &root,
                "P",
                "a",
                "production",
                &DeployOptions {
                    description: None,
                    persistent: true,
                },
            )
            .await
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap().success);
    }
    let mut revisions: Vec<i64> = history::list_history(&cp, &root, "P", "a")
        .await
        .unwrap()
        .iter()
        .map(|r| r.revision)
        .collect();
    revisions.sort();
    assert_eq!(revisions, (1..=50).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_changed_proxy_is_redeploy_required_where_it_is_live() {
    let (cp, _dir, root) = world().await;
    deployments::deploy_proxy(&cp, &root, "P", "a", "production", &DeployOptions::default())
        .await
        .unwrap();
    assert!(!proxies::get_proxy(&cp, &root, "P", "a").await.unwrap().live[0].redeploy_required);
    let mut spec = proxies::get_proxy(&cp, &root, "P", "a").await.unwrap().spec;
    spec.maintenance_mode = true;
    proxies::update_proxy(&cp, &root, "P", "a", spec, None)
        .await
        .unwrap();
    assert!(proxies::get_proxy(&cp, &root, "P", "a").await.unwrap().live[0].redeploy_required);
    let envs = environments::project_environments(&cp, &root, "P").await.unwrap();
    let production = envs.iter().find(|e| e.environment.name == "production").unwrap();
    assert!(production.deployed && production.redeploy_required);
    // The project's list says the same as the full proxies, for live and never-deployed ones alike.
    let full = proxies::list_proxies(&cp, &root, "P").await.unwrap();
    let summaries = proxies::list_proxy_summaries(&cp, &root, "P").await.unwrap();
    assert_eq!(summaries.len(), full.len());
    for (s, f) in summaries.iter().zip(&full) {
        assert_eq!(
            (&s.id, &s.name, s.api_type, &s.relative_path, &s.live),
            (&f.id, &f.name, f.spec.api_type, &f.spec.relative_path, &f.live)
        );
    }
    assert!(summaries.iter().any(|s| s.live.is_empty()));
}

#[tokio::test]
async fn permissions_decide_who_may_deploy_and_outsiders_see_nothing() {
    let (cp, _dir, root) = world().await;
    let viewer = common::as_console(&common::user(&cp, "viewer", false).await);
    let deployer = common::as_console(&common::user(&cp, "deployer", false).await);
    let outsider = common::as_console(&common::user(&cp, "outsider", false).await);
    access::set_member(&cp, &root, "P", "viewer", false, &[Permission::View])
        .await
        .unwrap();
    access::set_member(
        &cp,
        &root,
        "P",
        "deployer",
        false,
        &[Permission::View, Permission::DeployUndeploy],
    )
    .await
    .unwrap();
    let o = DeployOptions::default();
    let before = snapshot_of_rows(&cp).await;
    let refused = deployments::deploy_proxy(&cp, &viewer, "P", "a", "production", &o)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Forbidden(m) if m.contains("API_MANAGEMENT + DEPLOY_UNDEPLOY")),
        "{refused:?}"
    );
    let hidden = deployments::deploy_proxy(&cp, &outsider, "P", "a", "production", &o)
        .await
        .unwrap_err();
    assert!(matches!(hidden, Error::NotFound(_)));
    assert!(matches!(
        proxies::list_proxies(&cp, &outsider, "P").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        access::set_member(&cp, &deployer, "P", "outsider", true, &[]).await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(snapshot_of_rows(&cp).await, before);
    assert!(
        deployments::deploy_proxy(&cp, &deployer, "P", "a", "production", &o)
            .await
            .unwrap()
            .success
    );
    assert!(matches!(
        proxies::update_proxy(&cp, &deployer, "P", "a", ProxySpec { relative_path: "/x".into(), ..Default::default() }, None).await,
        Err(Error::Forbidden(m)) if m.contains("MANAGE")
    ));
}

#[tokio::test]
async fn a_live_proxy_cannot_be_deleted_until_it_is_undeployed() {
    let (cp, _dir, root) = world().await;
    let o = DeployOptions::default();
    deployments::deploy_proxy(&cp, &root, "P", "a", "production", &o)
        .await
        .unwrap();
    assert!(
        matches!(proxies::delete_proxy(&cp, &root, "P", "a").await, Err(Error::Invalid(m)) if m.contains("undeploy it first"))
    );
    deployments::undeploy_proxy(&cp, &root, "P", "a", "production", &o)
        .await
        .unwrap();
    proxies::delete_proxy(&cp, &root, "P", "a").await.unwrap();
    assert!(matches!(
        proxies::get_proxy(&cp, &root, "P", "a").await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn save_and_deploy_saves_and_makes_the_new_configuration_live_in_one_step() {
    let (cp, _dir, root) = world().await;
    let spec = ProxySpec {
        relative_path: "/a-v2".into(),
        description: "second".into(),
        ..Default::default()
    };
    let (returned, answer) = deployments::save_and_deploy(
        &cp,
        &root,
        "P",
        "a",
        spec.clone(),
        None,
        "production",
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    assert!(answer.success, "{answer:?}");
    let saved = proxies::get_proxy(&cp, &root, "P", "a").await.unwrap();
    assert_eq!(saved.spec, spec);
    assert_eq!(saved.live.len(), 1);
    assert_eq!(saved.live[0].environment, "production");
    assert!(!saved.live[0].redeploy_required, "what is live is what was saved");
    assert_eq!(returned, saved);
    let records = history::list_history(&cp, &root, "P", "a").await.unwrap();
    assert_eq!(records[0].action, Action::Deploy);
}

#[tokio::test]
async fn a_refused_save_and_deploy_keeps_neither_the_save_nor_the_deploy() {
    let (cp, _dir, root) = world().await;
    let deployer = common::as_console(&common::user(&cp, "deployer", false).await);
    access::set_member(
        &cp,
        &root,
        "P",
        "deployer",
        false,
        &[Permission::View, Permission::DeployUndeploy],
    )
    .await
    .unwrap();
    let spec = ProxySpec {
        relative_path: "/changed".into(),
        ..Default::default()
    };
    let o = DeployOptions::default();
    let before = common::fingerprint(&cp).await;
    // `a` may not go to staging: the deploy is refused, so the save is not kept either.
    let refused = deployments::save_and_deploy(&cp, &root, "P", "a", spec.clone(), None, "staging", &o)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("staging"), "{refused}");
    // A member who may deploy but not manage may not save.
    let forbidden =
        deployments::save_and_deploy(&cp, &deployer, "P", "a", spec.clone(), None, "production", &o)
            .await
            .unwrap_err();
    assert!(matches!(forbidden, Error::Forbidden(_)), "{forbidden:?}");
    // A bad spec is refused before anything is read.
    let bad = ProxySpec {
        relative_path: "no-slash".into(),
        ..Default::default()
    };
    let invalid = deployments::save_and_deploy(&cp, &root, "P", "a", bad, None, "production", &o)
        .await
        .unwrap_err();
    assert!(matches!(invalid, Error::Violation(_)), "{invalid:?}");
    assert_eq!(common::fingerprint(&cp).await, before);
}
