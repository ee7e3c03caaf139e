//! One team cannot take another's traffic or reach what only the gateway's machine can: a path another
//! proxy owns in an environment is refused at every door that makes something live, and a routing address
//! the installation refuses is refused at every door that saves or deploys one.

mod common;

use deploy::access::Permission;
use deploy::archive::ArchiveLimits;
use deploy::backends::BackendPolicy;
use deploy::demo::DEMO_PROJECT as P;
use deploy::deployments::{self, DeployOptions};
use deploy::model::{ProxySpec, Routing, RoutingAddress};
use deploy::transfer::{self, ImportTarget, Upload};
use deploy::{environments, history, projects, proxies, rollback, Actor, ControlPlane, Error};

fn spec(path: &str, address: &str) -> ProxySpec {
    ProxySpec {
        relative_path: path.into(),
        routing: Routing {
            address_list: vec![RoutingAddress {
                address: address.into(),
                weight: 1,
                soap_type: None,
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Creates an API proxy that must be accepted.
async fn create(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    name: &str,
    spec: ProxySpec,
    deploy_list: &[String],
) {
    proxies::create_proxy(cp, actor, project, name, spec, deploy_list)
        .await
        .unwrap();
}

/// Deploys with the default options and answers the result (which may refuse the environment).
async fn deploy_to(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    name: &str,
    environment: &str,
) -> deploy::deployments::DeploymentResult {
    deployments::deploy_proxy(cp, actor, project, name, environment, &DeployOptions::default())
        .await
        .unwrap()
}

/// Project `Other` on the demo's production environment, and its member Mallory (no MyProject access).
async fn other_team(cp: &ControlPlane, admin: &Actor) -> Actor {
    projects::create_project(cp, admin, "Other", "").await.unwrap();
    environments::assign_environment(cp, admin, "Other", "production")
        .await
        .unwrap();
    let mallory = common::user(cp, "mallory", false).await;
    deploy::access::set_member(
        cp,
        admin,
        "Other",
        "mallory",
        false,
        &[Permission::View, Permission::Manage, Permission::DeployUndeploy],
    )
    .await
    .unwrap();
    common::as_console(&mallory)
}

#[tokio::test]
async fn another_project_cannot_deploy_on_under_or_over_a_live_path() {
    let (cp, _dir, admin) = common::demo().await; // petstore-api owns /petstore in production
    let mallory = other_team(&cp, &admin).await;
    for (name, path) in [("same", "/petstore"), ("under", "/petstore/admin"), ("over", "/")] {
        create(
            &cp,
            &mallory,
            "Other",
            name,
            spec(path, "https://evil.example.com"),
            &["production".into()],
        )
        .await;
        let r = deploy_to(&cp, &mallory, "Other", name, "production").await;
        assert!(!r.success, "{name}: {r:?}");
        let message = &r.environment_results[0].message;
        assert!(message.contains("(/petstore)"), "{message}");
        // Mallory may not see MyProject, so its proxy goes unnamed.
        assert!(
            !message.contains("petstore-api") && !message.contains(P),
            "{message}"
        );
    }
    // Nothing of Other went live, and petstore-api still is.
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         JOIN projects p ON p.id = a.project_id WHERE p.name = 'Other'",
    )
    .fetch_one(cp.pool())
    .await
    .unwrap();
    assert_eq!(live, 0);
    // A free path deploys, and the admin, who sees both projects, is told who owns a taken one.
    create(
        &cp,
        &mallory,
        "Other",
        "free",
        spec("/other", "https://a.example.com"),
        &["production".into()],
    )
    .await;
    let r = deploy_to(&cp, &mallory, "Other", "free", "production").await;
    assert!(r.success, "{r:?}");
    let r = deploy_to(&cp, &admin, "Other", "under", "production").await;
    assert!(r.environment_results[0]
        .message
        .contains("API Proxy (petstore-api) of project (MyProject)"));
}

#[tokio::test]
async fn two_proxies_of_one_project_cannot_share_a_path_and_a_group_deploy_reports_the_member() {
    let (cp, _dir, admin) = common::demo().await;
    create(
        &cp,
        &admin,
        P,
        "petstore-copy",
        spec("/petstore/", "https://b.example.com"),
        &["production".into()],
    )
    .await;
    let r = deploy_to(&cp, &admin, P, "petstore-copy", "production").await;
    assert!(!r.success);
    // A group whose member would sit under a live path: that member is refused, the rest deploy.
    let g = deploy::model::GroupSpec::default();
    deploy::groups::create_group(&cp, &admin, P, "G", g, &["petstore-copy".into()])
        .await
        .unwrap();
    let r = deployments::deploy_group(&cp, &admin, P, "G", "production", &DeployOptions::default())
        .await
        .unwrap();
    assert!(!r.success);
    assert!(r.environment_results[0].message.contains("(/petstore)"), "{r:?}");
}

#[tokio::test]
async fn a_rollback_whose_deploy_would_overlap_a_live_path_stands_without_the_deploy() {
    let (cp, _dir, admin) = common::demo().await;
    // Revision 1 of `v2` lives at /petstore/v2, deployed where /petstore is free (staging).
    create(
        &cp,
        &admin,
        P,
        "v2",
        spec("/petstore/v2", "https://b.example.com"),
        &["production".into(), "staging".into()],
    )
    .await;
    let r = deploy_to(&cp, &admin, P, "v2", "staging").await;
    assert!(r.success, "{r:?}");
    proxies::update_proxy(&cp, &admin, P, "v2", spec("/v2", "https://b.example.com"), None)
        .await
        .unwrap();
    let outcome = rollback::rollback(&cp, &admin, P, "v2", 1, Some("production"))
        .await
        .unwrap();
    assert_eq!(outcome.deploy_revision, None);
    assert!(outcome.deploy_error.unwrap().contains("(/petstore)"));
    let now = proxies::get_proxy(&cp, &admin, P, "v2").await.unwrap();
    assert_eq!(
        now.spec.relative_path, "/petstore/v2",
        "the rollback itself stands"
    );
}

#[tokio::test]
async fn a_rollback_to_the_oldest_kept_revision_never_trims_that_revision() {
    let (cp, _dir, admin) = common::demo().await;
    projects::set_history_retention(&cp, &admin, P, 2).await.unwrap();
    create(
        &cp,
        &admin,
        P,
        "r",
        spec("/r", "https://one.example.com"),
        &["staging".into()],
    )
    .await;
    for address in ["https://one.example.com", "https://two.example.com"] {
        proxies::update_proxy(&cp, &admin, P, "r", spec("/r", address), None)
            .await
            .unwrap();
        deploy_to(&cp, &admin, P, "r", "staging").await;
    }
    // Revisions 1 and 2 are kept; roll back to 1 and deploy: two new records, yet 1 stays.
    let outcome = rollback::rollback(&cp, &admin, P, "r", 1, Some("staging"))
        .await
        .unwrap();
    assert!(outcome.deploy_revision.is_some());
    history::get_record(&cp, &admin, P, "r", 1).await.unwrap();
    // And the documented "rollback and deploy" of it again works.
    rollback::rollback(&cp, &admin, P, "r", 1, Some("staging"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_member_deployed_on_its_own_where_its_group_is_live_keeps_the_groups_settings() {
    let (cp, _dir, admin) = common::demo().await;
    let mut g = deploy::model::GroupSpec::default();
    g.cors.enabled = true;
    g.cors.allow_origins = vec!["https://shop.example.com".into()];
    deploy::groups::update_group(&cp, &admin, P, "PaymentAPIGroup", g)
        .await
        .unwrap();
    let r = deployments::deploy_group(
        &cp,
        &admin,
        P,
        "PaymentAPIGroup",
        "staging",
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    assert!(r.success, "{r:?}");
    let r = deploy_to(&cp, &admin, P, "payment-api", "staging").await;
    assert!(
        r.environment_results[0]
            .message
            .contains("API Proxy Group (PaymentAPIGroup)"),
        "{r:?}"
    );
    let revision = proxies::get_proxy(&cp, &admin, P, "payment-api")
        .await
        .unwrap()
        .live[0]
        .revision;
    rollback::rollback(&cp, &admin, P, "payment-api", revision, Some("staging"))
        .await
        .unwrap();
    let live: String = sqlx::query_scalar(
        "SELECT d.snapshot FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id
         JOIN environments e ON e.id = d.environment_id WHERE a.name = 'payment-api' AND e.name = 'staging'",
    )
    .fetch_one(cp.pool())
    .await
    .unwrap();
    let live: deploy::model::Snapshot = serde_json::from_str(&live).unwrap();
    let group = live.group.expect("the group's settings stay live");
    assert!(group.settings.cors.enabled);
}

#[tokio::test]
async fn a_refused_address_is_refused_at_save_import_rollback_and_deploy() {
    let (strict, _dir) = common::fresh().await; // the default: loopback refused
    let loose = strict
        .clone()
        .with_backend_policy(BackendPolicy::allowing_loopback());
    let root = common::as_console(&common::user(&strict, "root", true).await);
    projects::create_project(&strict, &root, "P", "").await.unwrap();
    let new = environments::NewEnvironment {
        name: "test".into(),
        env_type: environments::EnvironmentType::Test,
        description: String::new(),
        access_url: None,
    };
    environments::create_environment(&strict, &root, new)
        .await
        .unwrap();
    environments::assign_environment(&strict, &root, "P", "test")
        .await
        .unwrap();
    let field = |e: Error| {
        let text = e.to_string();
        assert!(matches!(e, Error::Invalid(_) | Error::Violation(_)), "{text}");
        assert!(text.contains("routing.addressList[0].address"), "{text}");
    };
    // Save: create and update.
    for address in [
        "http://127.0.0.1:3000",
        "http://169.254.169.254/latest",
        "http://[fe80::1]/",
    ] {
        field(
            proxies::create_proxy(&strict, &root, "P", "p", spec("/p", address), &["test".into()])
                .await
                .unwrap_err(),
        );
    }
    create(
        &strict,
        &root,
        "P",
        "p",
        spec("/p", "https://ok.example.com"),
        &["test".into()],
    )
    .await;
    field(
        proxies::update_proxy(
            &strict,
            &root,
            "P",
            "p",
            spec("/p", "http://localhost:8080"),
            None,
        )
        .await
        .unwrap_err(),
    );
    // Import.
    let zip = transfer::export_proxy(&strict, &root, "P", "p").await.unwrap();
    let upload = Upload {
        file_name: "p.zip",
        bytes: &zip,
    };
    let metadata = r#"{"routing":{"addressList":[{"address":"http://127.0.0.1:9000"}]}}"#;
    field(
        transfer::import_proxy(
            &strict,
            &root,
            "P",
            ImportTarget::Override("p"),
            Some(upload),
            Some(metadata),
            &ArchiveLimits::default(),
        )
        .await
        .unwrap_err(),
    );
    // Deploy and rollback: a loopback configuration saved where it was allowed.
    proxies::update_proxy(&loose, &root, "P", "p", spec("/p", "http://127.0.0.1:9000"), None)
        .await
        .unwrap();
    let r = deploy_to(&strict, &root, "P", "p", "test").await;
    assert!(!r.success);
    assert!(
        r.environment_results[0]
            .message
            .contains("routing.addressList[0].address"),
        "{r:?}"
    );
    let r = deploy_to(&loose, &root, "P", "p", "test").await;
    assert!(r.success);
    proxies::update_proxy(
        &strict,
        &root,
        "P",
        "p",
        spec("/p", "https://ok.example.com"),
        None,
    )
    .await
    .unwrap();
    let loopback_revision = proxies::get_proxy(&strict, &root, "P", "p").await.unwrap().live[0].revision;
    let e = rollback::rollback(&strict, &root, "P", "p", loopback_revision, None)
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with(&format!(
        "Rollback failed for deploy history revision ({loopback_revision})!"
    )));
    field(Error::Invalid(e.to_string()));
    let now = proxies::get_proxy(&strict, &root, "P", "p").await.unwrap();
    assert_eq!(now.spec.routing.address_list[0].address, "https://ok.example.com");
}

#[tokio::test]
async fn a_history_record_whose_snapshot_cannot_be_read_is_refused_not_a_fault() {
    let (cp, _dir, admin) = common::demo().await;
    // Revision 12 of petstore-api is pinned in the demo.
    sqlx::query(
        "UPDATE deploy_history SET snapshot = '{broken'
         WHERE revision = 12 AND proxy_id = (SELECT id FROM api_proxies WHERE name = 'petstore-api')",
    )
    .execute(cp.pool())
    .await
    .unwrap();
    let e = history::get_record(&cp, &admin, P, "petstore-api", 12)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
}

#[tokio::test]
async fn overlaps_live_from_before_the_rule_are_found() {
    let (cp, _dir, admin) = common::demo().await;
    assert!(deploy::live_paths::overlaps(&cp).await.unwrap().is_empty());
    // As an installation upgraded with two proxies on one path would have them.
    create(
        &cp,
        &admin,
        P,
        "old-copy",
        spec("/petstore/v1", "https://a.example.com"),
        &["production".into()],
    )
    .await;
    sqlx::query(
        "INSERT INTO deployments (proxy_id, environment_id, revision, snapshot, deployed_by, deployed_at)
         SELECT a.id, e.id, 1, '{\"name\":\"old-copy\",\"proxy\":{\"relativePath\":\"/petstore/v1\"}}', 'x', 'x'
         FROM api_proxies a, environments e WHERE a.name = 'old-copy' AND e.name = 'production'",
    )
    .execute(cp.pool())
    .await
    .unwrap();
    let found = deploy::live_paths::overlaps(&cp).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "production");
    assert!(
        found[0].1.contains("petstore-api") || found[0].2.contains("petstore-api"),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_redeploy_on_another_path_frees_the_old_one_and_a_group_route_change_is_followed() {
    let (cp, _dir, admin) = common::demo().await;
    create(
        &cp,
        &admin,
        P,
        "mover",
        spec("/before", "https://a.example.com"),
        &["staging".into()],
    )
    .await;
    create(
        &cp,
        &admin,
        P,
        "taker",
        spec("/before", "https://b.example.com"),
        &["staging".into()],
    )
    .await;
    let deploy = |name: &'static str| {
        let (cp, admin) = (cp.clone(), admin.clone());
        async move { deploy_to(&cp, &admin, P, name, "staging").await }
    };
    assert!(deploy("mover").await.success);
    assert!(!deploy("taker").await.success);
    proxies::update_proxy(
        &cp,
        &admin,
        P,
        "mover",
        spec("/after", "https://a.example.com"),
        None,
    )
    .await
    .unwrap();
    assert!(deploy("mover").await.success);
    assert!(deploy("taker").await.success, "the old path was freed");
    // A group's client routes put its members under them: /shop + /after is owned once deployed.
    let mut g = deploy::model::GroupSpec::default();
    g.client_route.relative_path_list = vec!["/shop".into()];
    deploy::groups::create_group(&cp, &admin, P, "Shop", g, &["mover".into()])
        .await
        .unwrap();
    let r = deployments::deploy_group(&cp, &admin, P, "Shop", "staging", &DeployOptions::default())
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    create(
        &cp,
        &admin,
        P,
        "under-shop",
        spec("/shop/after/x", "https://c.example.com"),
        &["staging".into()],
    )
    .await;
    let r = deploy("under-shop").await;
    assert!(
        !r.success && r.environment_results[0].message.contains("(/shop/after)"),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_batch_publish_refuses_an_api_on_a_taken_path_or_a_refused_address_and_publishes_the_rest() {
    use deploy::publish::{self, codes, PublishAction, PublishRequest};
    let (cp, _dir, admin) = common::demo().await;
    // The demo's loopback backends are allowed where `cp` was opened; a strict rule set refuses them.
    let strict = cp.clone().with_backend_policy(BackendPolicy::default());
    create(
        &cp,
        &admin,
        P,
        "taken",
        spec("/petstore/v9", "https://a.example.com"),
        &["production".into()],
    )
    .await;
    create(
        &cp,
        &admin,
        P,
        "local",
        spec("/local", "http://127.0.0.1:9101"),
        &["production".into()],
    )
    .await;
    create(
        &cp,
        &admin,
        P,
        "fine",
        spec("/fine", "https://b.example.com"),
        &["production".into()],
    )
    .await;
    let id = |name: &'static str| {
        let (cp, admin) = (cp.clone(), admin.clone());
        async move { proxies::get_proxy(&cp, &admin, P, name).await.unwrap().id }
    };
    let apis = [id("taken").await, id("local").await, id("fine").await];
    let project = projects::get_project(&cp, &admin, P).await.unwrap().id;
    let gateway = publish::gateway_id(&cp).await.unwrap();
    let request: PublishRequest = serde_json::from_value(serde_json::json!({
        "apis": apis, "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID", "remark": "batch"
    }))
    .unwrap();
    let result = publish::publish(
        &strict,
        &admin,
        &project,
        &gateway,
        PublishAction::Online,
        request,
    )
    .await
    .unwrap();
    let published: Vec<_> = result.success.iter().map(|s| s.api_name.as_str()).collect();
    assert_eq!(published, ["fine"]);
    let refused: Vec<_> = result
        .failure
        .iter()
        .map(|f| {
            (
                f.api_name.as_deref().unwrap(),
                f.error_code.as_str(),
                f.error_msg.clone(),
            )
        })
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    for (name, code, message) in &refused {
        assert_eq!(*code, codes::NOT_DEPLOYABLE);
        match *name {
            "taken" => assert!(message.contains("(/petstore)"), "{message}"),
            "local" => assert!(message.contains("routing.addressList[0].address"), "{message}"),
            other => panic!("{other}"),
        }
    }
}
