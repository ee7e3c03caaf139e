mod common;

use deploy::access::Permission;
use deploy::demo::{DEMO_PROJECT as P, PINNED_REVISION};
use deploy::diff::ChangeKind;
use deploy::history::{self, Action};
use deploy::{proxies, rollback, Actor, ControlPlane, Error};

const PETSTORE: &str = "petstore-api";

async fn snapshot_spec(cp: &ControlPlane, admin: &Actor, revision: i64) -> deploy::model::ProxySpec {
    history::get_record(cp, admin, P, PETSTORE, revision)
        .await
        .unwrap()
        .snapshot
        .unwrap()
        .proxy
}

#[tokio::test]
async fn rollback_restores_the_configuration_and_keeps_the_deploy_list() {
    let (cp, _dir, admin) = common::demo().await;
    let before = proxies::get_proxy(&cp, &admin, P, PETSTORE).await.unwrap();
    let wanted = snapshot_spec(&cp, &admin, PINNED_REVISION).await;
    assert_ne!(
        before.spec, wanted,
        "the demo's current configuration differs from revision 12"
    );

    let outcome = rollback::rollback(&cp, &admin, P, PETSTORE, PINNED_REVISION, None)
        .await
        .unwrap();
    assert_eq!(
        outcome.message(),
        "API Proxy rolled back successfully to deploy history revision (12)."
    );
    let after = proxies::get_proxy(&cp, &admin, P, PETSTORE).await.unwrap();
    assert_eq!(after.spec, wanted);
    assert_eq!(after.deploy_list, before.deploy_list);
    assert_eq!(after.live, {
        // Nothing was deployed, so what is live is unchanged (now lagging behind the configuration).
        let mut live = before.live.clone();
        for l in &mut live {
            l.redeploy_required = after
                .live
                .iter()
                .find(|a| a.environment == l.environment)
                .unwrap()
                .redeploy_required;
        }
        live
    });

    // The ROLLBACK record keeps the configuration it replaced, so the rollback can be undone.
    let record = history::get_record(&cp, &admin, P, PETSTORE, outcome.rollback_revision)
        .await
        .unwrap();
    assert_eq!(record.action, Action::Rollback);
    assert_eq!(
        record.environment_name, None,
        "a rollback without an environment names none"
    );
    assert_eq!(record.snapshot.unwrap().proxy, before.spec);
    rollback::rollback(&cp, &admin, P, PETSTORE, outcome.rollback_revision, None)
        .await
        .unwrap();
    let undone = proxies::get_proxy(&cp, &admin, P, PETSTORE).await.unwrap();
    assert_eq!(undone.spec, before.spec);
}

#[tokio::test]
async fn rollback_with_an_environment_deploys_the_restored_configuration() {
    let (cp, _dir, admin) = common::demo().await;
    let wanted = snapshot_spec(&cp, &admin, PINNED_REVISION).await;
    let outcome = rollback::rollback(&cp, &admin, P, PETSTORE, PINNED_REVISION, Some("production"))
        .await
        .unwrap();
    assert_eq!(
        outcome.message(),
        "API Proxy rolled back successfully to deploy history revision (12). Deployed to environment: production"
    );
    let deployed = outcome.deploy_revision.expect("deployed");
    assert_eq!(deployed, outcome.rollback_revision + 1);
    let proxy = proxies::get_proxy(&cp, &admin, P, PETSTORE).await.unwrap();
    let live = proxy.live.iter().find(|l| l.environment == "production").unwrap();
    assert_eq!(live.revision, deployed);
    assert!(!live.redeploy_required);
    assert_eq!(snapshot_spec(&cp, &admin, deployed).await, wanted);
}

#[tokio::test]
async fn a_refused_deploy_leaves_the_rollback_standing() {
    let (cp, _dir, admin) = common::demo().await;
    let current = proxies::get_proxy(&cp, &admin, P, PETSTORE).await.unwrap();
    proxies::update_proxy(
        &cp,
        &admin,
        P,
        PETSTORE,
        current.spec.clone(),
        Some(&["staging".into()]),
    )
    .await
    .unwrap();
    let outcome = rollback::rollback(&cp, &admin, P, PETSTORE, PINNED_REVISION, Some("production"))
        .await
        .unwrap();
    assert_eq!(
        outcome.message(),
        "API Proxy rolled back successfully but deployment failed: Environment (production) is not in the deploy list of API Proxy (petstore-api)!"
    );
    assert_eq!(outcome.deploy_revision, None);
    let after = proxies::get_proxy(&cp, &admin, P, PETSTORE).await.unwrap();
    assert_eq!(after.spec, snapshot_spec(&cp, &admin, PINNED_REVISION).await);
    assert_eq!(after.deploy_list, vec!["staging".to_owned()]);
}

#[tokio::test]
async fn refused_rollbacks_change_nothing() {
    let (cp, _dir, admin) = common::demo().await;
    // A snapshot that no longer parses, as a damaged or hand-edited database might hold.
    sqlx::query("UPDATE deploy_history SET snapshot = '{\"name\":' WHERE revision = 10")
        .execute(cp.pool())
        .await
        .unwrap();
    let before = common::fingerprint(&cp).await;
    for (revision, env) in [
        (999, None),
        (12, Some("nowhere")),
        (10, None),
        (10, Some("production")),
    ] {
        let refused = rollback::rollback(&cp, &admin, P, PETSTORE, revision, env).await;
        match refused {
            Err(Error::Invalid(m)) => {
                assert_eq!(
                    m,
                    format!("Rollback failed for deploy history revision ({revision})!")
                )
            }
            other => panic!("revision {revision} {env:?}: {other:?}"),
        }
        let preview = rollback::preview_rollback(&cp, &admin, P, PETSTORE, revision, env).await;
        assert!(matches!(preview, Err(Error::Invalid(_))));
    }
    assert!(matches!(
        rollback::rollback(&cp, &admin, P, "no-such-api", 12, None).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(common::fingerprint(&cp).await, before);
}

#[tokio::test]
async fn rollback_needs_manage_and_deploy_undeploy_to_deploy() {
    let (cp, _dir, admin) = common::demo().await;
    let viewer = common::member(&cp, &admin, "viewer", &[Permission::View]).await;
    let manager = common::member(&cp, &admin, "manager", &[Permission::View, Permission::Manage]).await;
    let before = common::fingerprint(&cp).await;
    assert!(matches!(
        rollback::rollback(&cp, &viewer, P, PETSTORE, 12, None).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        rollback::rollback(&cp, &manager, P, PETSTORE, 12, Some("production")).await,
        Err(Error::Forbidden(m)) if m.contains("DEPLOY_UNDEPLOY")
    ));
    assert_eq!(common::fingerprint(&cp).await, before);
    rollback::rollback(&cp, &manager, P, PETSTORE, 12, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn preview_and_diff_show_each_changed_field_without_writing() {
    let (cp, _dir, admin) = common::demo().await;
    let before = common::fingerprint(&cp).await;
    let preview = rollback::preview_rollback(&cp, &admin, P, PETSTORE, 12, Some("production"))
        .await
        .unwrap();
    let paths: Vec<&str> = preview.changes.iter().map(|c| c.path.as_str()).collect();
    // Release 3.0 (current) changed the description and swapped the second backend for a new one: the
    // rollback brings 9102 back and retires 9104 (backends are matched by address, not position).
    assert_eq!(
        paths,
        vec![
            "description",
            "routing.addressList[address=http://127.0.0.1:9104]",
            "routing.addressList[address=http://127.0.0.1:9102]"
        ]
    );
    assert_eq!(preview.changes[1].kind, ChangeKind::Removed);
    assert_eq!(preview.changes[2].kind, ChangeKind::Added);
    assert_eq!(
        preview.changes[2].to.as_ref().and_then(|t| t.get("address")),
        Some(&serde_json::Value::from("http://127.0.0.1:9102"))
    );
    assert!(preview.deploy.as_ref().unwrap().would_deploy);
    assert_eq!(preview.configuration, snapshot_spec(&cp, &admin, 12).await);

    let diff = rollback::diff_revision(&cp, &admin, P, PETSTORE, 12, None)
        .await
        .unwrap();
    assert_eq!(diff.changes, preview.changes);
    // Release 2.1 (revision 10) to release 2.2 (revision 12): the third backend was retired.
    let between = rollback::diff_revision(&cp, &admin, P, PETSTORE, 12, Some(10))
        .await
        .unwrap();
    assert_eq!(between.against, Some(10));
    assert_eq!(between.changes.len(), 1);
    assert_eq!(
        between.changes[0].path,
        "routing.addressList[address=http://127.0.0.1:9103]"
    );
    assert_eq!(between.changes[0].kind, ChangeKind::Removed);
    assert!(matches!(
        rollback::diff_revision(&cp, &admin, P, PETSTORE, 999, None).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(common::fingerprint(&cp).await, before);
}
