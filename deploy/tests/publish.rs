mod common;

use deploy::access::Permission;
use deploy::demo::{DEMO_PROJECT as P, PAYMENT_GROUP_ID, PETSTORE_API_ID};
use deploy::publish::{self, codes, PublishAction, PublishRequest};
use deploy::{projects, proxies, Actor, ControlPlane, Error};

/// The cloud document's example request, as written.
const EXAMPLE: &str = r#"{
  "apis" : [ "3a955b791bd24b1c9cd94c745f8d1aad", "abd9c4b2ff974888b0ba79be7e6b2762" ],
  "env_id" : "DEFAULT_ENVIRONMENT_RELEASE_ID",
  "group_id" : "c77f5e81d9cb4424bf704ef2b0ac7600",
  "remark" : "Published to the production environment"
}"#;

async fn ids(cp: &ControlPlane, admin: &Actor) -> (String, String) {
    let project = projects::get_project(cp, admin, P).await.unwrap().id;
    (project, publish::gateway_id(cp).await.unwrap())
}

fn request(json: &str) -> PublishRequest {
    serde_json::from_str(json).unwrap()
}

#[tokio::test]
async fn the_documented_example_publishes_one_api_and_reports_the_other() {
    let (cp, _dir, admin) = common::demo().await;
    let (project, gateway) = ids(&cp, &admin).await;
    let before = proxies::get_proxy(&cp, &admin, P, "petstore-api").await.unwrap();
    let result = publish::publish(
        &cp,
        &admin,
        &project,
        &gateway,
        PublishAction::Online,
        request(EXAMPLE),
    )
    .await
    .unwrap();
    assert_eq!(result.success.len(), 1);
    let ok = &result.success[0];
    assert_eq!(ok.api_id, PETSTORE_API_ID);
    assert_eq!(ok.api_name, "petstore-api");
    assert_eq!(ok.env_id, "DEFAULT_ENVIRONMENT_RELEASE_ID");
    assert_eq!(ok.remark, "Published to the production environment");
    for id in [&ok.publish_id, &ok.version_id] {
        assert!(
            id.len() == 32
                && id
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    assert!(ok.publish_time.ends_with('Z'));
    let failure = serde_json::to_value(&result.failure).unwrap();
    assert_eq!(
        failure,
        serde_json::json!([{
            "api_id": "abd9c4b2ff974888b0ba79be7e6b2762",
            "error_code": "APIG.3002",
            "error_msg": "Api abd9c4b2ff974888b0ba79be7e6b2762 not found"
        }])
    );
    // Publishing is deploying: production now serves a new revision, recorded with the remark.
    let after = proxies::get_proxy(&cp, &admin, P, "petstore-api").await.unwrap();
    let live = |p: &deploy::proxies::ApiProxy| {
        p.live
            .iter()
            .find(|l| l.environment == "production")
            .unwrap()
            .revision
    };
    assert!(live(&after) > live(&before));
    let record = deploy::history::list_history(&cp, &admin, P, "petstore-api")
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(record.id, ok.publish_id);
    assert_eq!(record.description, "Published to the production environment");

    // The same configuration published again is the same version, in a new publication.
    let again = publish::publish(
        &cp,
        &admin,
        &project,
        &gateway,
        PublishAction::Online,
        request(EXAMPLE),
    )
    .await
    .unwrap();
    assert_eq!(again.success[0].version_id, ok.version_id);
    assert_ne!(again.success[0].publish_id, ok.publish_id);
}

#[tokio::test]
async fn a_group_goes_offline_together_and_only_once() {
    let (cp, _dir, admin) = common::demo().await;
    let (project, gateway) = ids(&cp, &admin).await;
    let staging = deploy::environments::list_environments(&cp, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name == "staging")
        .unwrap()
        .id;
    let body = format!(r#"{{"group_id":"{PAYMENT_GROUP_ID}","env_id":"{staging}"}}"#);
    let first = publish::publish(
        &cp,
        &admin,
        &project,
        &gateway,
        PublishAction::Offline,
        request(&body),
    )
    .await
    .unwrap();
    let names: Vec<&str> = first.success.iter().map(|s| s.api_name.as_str()).collect();
    assert_eq!(names, vec!["payment-api", "payment-refunds-api"]);
    assert!(first.failure.is_empty());
    assert_eq!(first.success[0].remark, "");
    let second = publish::publish(
        &cp,
        &admin,
        &project,
        &gateway,
        PublishAction::Offline,
        request(&body),
    )
    .await
    .unwrap();
    assert!(second.success.is_empty());
    assert_eq!(second.failure.len(), 2);
    assert!(second
        .failure
        .iter()
        .all(|f| f.error_code == codes::NOT_PUBLISHED));
    // And back online with the group's settings.
    let third = publish::publish(
        &cp,
        &admin,
        &project,
        &gateway,
        PublishAction::Online,
        request(&body),
    )
    .await
    .unwrap();
    assert_eq!(third.success.len(), 2);
    let proxy = proxies::get_proxy(&cp, &admin, P, "payment-api").await.unwrap();
    assert!(proxy.live.iter().any(|l| l.environment == "staging"));
}

#[tokio::test]
async fn refused_requests_change_nothing_and_carry_their_code() {
    let (cp, _dir, admin) = common::demo().await;
    let (project, gateway) = ids(&cp, &admin).await;
    let viewer = common::member(&cp, &admin, "viewer", &[Permission::View]).await;
    let before = common::fingerprint(&cp).await;
    let too_many: Vec<String> = (0..1001).map(|i| format!("{i:032x}")).collect();
    let too_many =
        serde_json::json!({"apis": too_many, "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID"}).to_string();
    let long_remark = format!(
        r#"{{"apis":["{PETSTORE_API_ID}"],"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","remark":"{}"}}"#,
        "r".repeat(256)
    );
    let one = |env: &str| format!(r#"{{"apis":["{PETSTORE_API_ID}"],"env_id":"{env}"}}"#);
    let cases: Vec<(&str, &Actor, &str, &str, String, &str)> = vec![
        (
            "no env",
            &admin,
            &project,
            &gateway,
            format!(r#"{{"apis":["{PETSTORE_API_ID}"]}}"#),
            codes::INVALID_PARAMETER,
        ),
        (
            "neither apis nor group",
            &admin,
            &project,
            &gateway,
            r#"{"env_id":"x"}"#.into(),
            codes::INVALID_PARAMETER,
        ),
        (
            "1001 apis",
            &admin,
            &project,
            &gateway,
            too_many,
            codes::INVALID_PARAMETER,
        ),
        (
            "remark of 256",
            &admin,
            &project,
            &gateway,
            long_remark,
            codes::INVALID_PARAMETER,
        ),
        (
            "unknown env",
            &admin,
            &project,
            &gateway,
            one("0123456789abcdef0123456789abcdef"),
            codes::ENVIRONMENT_NOT_FOUND,
        ),
        (
            "unknown group",
            &admin,
            &project,
            &gateway,
            r#"{"group_id":"0123456789abcdef0123456789abcdef","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}"#
                .into(),
            codes::GROUP_NOT_FOUND,
        ),
        (
            "other gateway",
            &admin,
            &project,
            "0123456789abcdef0123456789abcdef",
            one("DEFAULT_ENVIRONMENT_RELEASE_ID"),
            codes::INSTANCE_NOT_FOUND,
        ),
        (
            "unknown project",
            &admin,
            "0123456789abcdef0123456789abcdef",
            &gateway,
            one("DEFAULT_ENVIRONMENT_RELEASE_ID"),
            codes::NO_PERMISSION,
        ),
        (
            "viewer",
            &viewer,
            &project,
            &gateway,
            one("DEFAULT_ENVIRONMENT_RELEASE_ID"),
            codes::NO_PERMISSION,
        ),
    ];
    for (case, actor, project, gateway, body, code) in cases {
        let refused = publish::publish(
            &cp,
            actor,
            project,
            gateway,
            PublishAction::Online,
            request(&body),
        )
        .await;
        match refused {
            Err(e) => {
                assert_eq!(e.code, code, "{case}: {e:?}");
                let expect_forbidden = code == codes::NO_PERMISSION;
                assert_eq!(matches!(e.error, Error::Forbidden(_)), expect_forbidden, "{case}");
            }
            Ok(r) => panic!("{case}: accepted {r:?}"),
        }
    }
    let action = PublishAction::parse(Some("publish")).unwrap_err();
    assert_eq!(action.code, "APIG.2011");
    assert_eq!(
        action.error.to_string(),
        r#"Invalid parameter value: parameter action should be \"online\" or \"offline\""#
    );
    assert_eq!(common::fingerprint(&cp).await, before);
}
