//! The rollback document: its two curl examples, its partial success and its 400 and 401, through the
//! router, against the demo data set; and the dry run and diff beyond it.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::Portico;

const ROLLBACK: &str = "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/12/rollback/";

#[tokio::test]
async fn rollback_only_curl_example() {
    let (p, token) = Portico::demo().await;
    let a = p.call(Method::POST, ROLLBACK, Some(&token), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.json,
        json!({
            "status": "SUCCESS",
            "resultMessage": "API Proxy rolled back successfully to deploy history revision (12)."
        })
    );
    let history = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(history.json["resultList"][0]["action"], "ROLLBACK");
    assert_eq!(history.json["resultList"][0]["revision"], 16);
}

#[tokio::test]
async fn rollback_and_deploy_curl_example() {
    let (p, token) = Portico::demo().await;
    let a = p
        .call(
            Method::POST,
            &format!("{ROLLBACK}?environmentName=production"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.json,
        json!({
            "status": "SUCCESS",
            "resultMessage": "API Proxy rolled back successfully to deploy history revision (12). Deployed to environment: production"
        })
    );
    let proxy = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/petstore-api/",
            Some(&token),
            None,
        )
        .await;
    let production = proxy.json["result"]["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["environment"] == "production")
        .unwrap()
        .clone();
    assert_eq!(production["revision"], 17);
    assert_eq!(production["redeployRequired"], false);
}

#[tokio::test]
async fn partial_success_when_the_deploy_is_refused() {
    let (p, token) = Portico::demo().await;
    // Narrow the deploy list to staging, keeping the configuration as it is.
    let current = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/petstore-api/",
            Some(&token),
            None,
        )
        .await;
    let mut body = current.json["result"].clone();
    for field in ["id", "name", "deployments", "createdAt", "updatedAt"] {
        body.as_object_mut().unwrap().remove(field);
    }
    body["deployList"] = json!(["staging"]);
    let put = p
        .call(
            Method::PUT,
            "/apiops/projects/MyProject/apiProxies/petstore-api/",
            Some(&token),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let a = p
        .call(
            Method::POST,
            &format!("{ROLLBACK}?environmentName=production"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json,
        json!({
            "status": "SUCCESS",
            "resultMessage": "API Proxy rolled back successfully but deployment failed: Environment (production) is not in the deploy list of API Proxy (petstore-api)!"
        })
    );
}

#[tokio::test]
async fn documented_400_changes_nothing() {
    let (p, token) = Portico::demo().await;
    sqlx::query("UPDATE deploy_history SET snapshot = 'not json' WHERE revision = 9")
        .execute(p.cp.pool())
        .await
        .unwrap();
    let before = p.rows().await;
    for (path, revision) in [
        (
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/99/rollback/",
            99,
        ),
        (&format!("{ROLLBACK}?environmentName=nowhere") as &str, 12),
        (
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/9/rollback/",
            9,
        ),
    ] {
        let a = p.call(Method::POST, path, Some(&token), None).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            a.json,
            json!({
                "error": "bad_request",
                "error_description": format!("Rollback failed for deploy history revision ({revision})!")
            })
        );
    }
    let bad_revision = p
        .call(
            Method::POST,
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/twelve/rollback/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(bad_revision.status, StatusCode::BAD_REQUEST);
    let unauthorized = p.call(Method::POST, ROLLBACK, Some("ptc_wrong"), None).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unauthorized.json,
        json!({"error": "unauthorized_client", "error_description": "Invalid token"})
    );
    assert_eq!(p.rows().await, before);
}

#[tokio::test]
async fn dry_run_and_diff_show_the_change_and_write_nothing() {
    let (p, token) = Portico::demo().await;
    let before = p.rows().await;
    let dry = p
        .call(
            Method::POST,
            &format!("{ROLLBACK}?environmentName=production&dryRun=true"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(dry.json["dryRun"], true);
    assert_eq!(dry.json["preview"]["deploy"]["wouldDeploy"], true);
    let changes = dry.json["preview"]["changes"].as_array().unwrap();
    assert!(changes.iter().any(
        |c| c["path"] == "routing.addressList[address=http://127.0.0.1:9102]"
            && c["kind"] == "ADDED"
            && c["to"]["address"] == "http://127.0.0.1:9102"
    ));
    let diff = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/12/diff/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(diff.status, StatusCode::OK);
    assert_eq!(diff.json["result"]["changes"], dry.json["preview"]["changes"]);
    let between = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/12/diff/?against=10",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        between.json["result"],
        json!({
            "revision": 12,
            "against": 10,
            "changes": [{
                "path": "routing.addressList[address=http://127.0.0.1:9103]",
                "kind": "REMOVED",
                "from": {"address": "http://127.0.0.1:9103", "weight": 1, "soapType": null}
            }]
        })
    );
    let bad = p
        .call(
            Method::POST,
            &format!("{ROLLBACK}?dryRun=maybe"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.rows().await, before);
}
