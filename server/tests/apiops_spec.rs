//! The two binding spec documents (deploy and undeploy an API proxy group): every curl example and every
//! documented error, through the router, against the demo data set.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::Portico;

const GROUP_PATH: &str = "/apiops/projects/MyProject/apiProxyGroups/PaymentAPIGroup/environments/production/";

#[tokio::test]
async fn deploy_group_curl_example_without_a_body() {
    let (p, token) = Portico::demo().await;
    let a = p.call(Method::POST, GROUP_PATH, Some(&token), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.json,
        json!({
            "success": true,
            "deploymentResult": {
                "success": true,
                "message": "Deployment completed successfully",
                "environmentResults": [
                    { "environmentName": "production", "success": true, "message": "Deployed successfully" }
                ]
            }
        })
    );
    let history = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/payment-api/deploy-histories/",
            Some(&token),
            None,
        )
        .await;
    // Newest first; the demo data set deployed the group to staging before.
    let record = &history.json["resultList"][0];
    assert_eq!(record["environmentName"], "production");
    assert_eq!(record["description"], "Deployed by APIOPS Api");
    assert_eq!(record["persistent"], false);
    assert_eq!(record["action"], "DEPLOY");
}

#[tokio::test]
async fn deploy_group_curl_example_with_description_and_persistent_flag() {
    let (p, token) = Portico::demo().await;
    let a = p
        .call(
            Method::POST,
            GROUP_PATH,
            Some(&token),
            Some(r#"{"description": "v2.1 release", "persistent": true}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json["deploymentResult"]["success"], true);
    for proxy in ["payment-api", "payment-refunds-api"] {
        let record = p
            .call(
                Method::GET,
                // Revision 1 is the demo data set's staging deploy.
                &format!("/apiops/projects/MyProject/apiProxies/{proxy}/deploy-histories/2/"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(record.json["result"]["description"], "v2.1 release");
        assert_eq!(record.json["result"]["persistent"], true);
        assert_eq!(
            record.json["result"]["snapshot"]["group"]["name"],
            "PaymentAPIGroup"
        );
    }
}

#[tokio::test]
async fn undeploy_group_curl_examples() {
    let (p, token) = Portico::demo().await;
    p.call(Method::POST, GROUP_PATH, Some(&token), None).await;
    let a = p.call(Method::DELETE, GROUP_PATH, Some(&token), None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json,
        json!({
            "success": true,
            "deploymentResult": {
                "success": true,
                "message": "Undeployment completed successfully",
                "environmentResults": [
                    { "environmentName": "production", "success": true, "message": "Undeployed successfully" }
                ]
            }
        })
    );
    p.call(Method::POST, GROUP_PATH, Some(&token), None).await;
    let b = p
        .call(
            Method::DELETE,
            GROUP_PATH,
            Some(&token),
            Some(r#"{"description": "Rollback undeploy", "persistent": true}"#),
        )
        .await;
    assert_eq!(b.json["deploymentResult"]["success"], true);
    let history = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/payment-api/deploy-histories/",
            Some(&token),
            None,
        )
        .await;
    let newest = &history.json["resultList"][0];
    assert_eq!(
        (newest["action"].as_str(), newest["description"].as_str()),
        (Some("UNDEPLOY"), Some("Rollback undeploy"))
    );
    assert_eq!(newest["persistent"], true);
    // The demo's staging deploy, then deploy, undeploy, deploy, undeploy here.
    assert_eq!(newest["revision"], 5);
}

#[tokio::test]
async fn documented_errors_come_in_the_documented_shape_and_change_nothing() {
    let (p, token) = Portico::demo().await;
    let before = p.fingerprint().await;
    for method in [Method::POST, Method::DELETE] {
        let group = p
            .call(
                method.clone(),
                "/apiops/projects/MyProject/apiProxyGroups/NoSuchGroup/environments/production/",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(group.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            group.json,
            json!({"error": "bad_request", "error_description": "API Proxy Group (NoSuchGroup) is not found or user does not have privilege to access it!"})
        );
        let env = p
            .call(
                method.clone(),
                "/apiops/projects/MyProject/apiProxyGroups/PaymentAPIGroup/environments/nowhere/",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(env.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            env.json,
            json!({"error": "bad_request", "error_description": "Environment (nowhere) is not found or user does not have privilege to access it!"})
        );
        let unauthorized = p.call(method.clone(), GROUP_PATH, Some("YOUR_TOKEN"), None).await;
        assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            unauthorized.json,
            json!({"error": "unauthorized_client", "error_description": "Invalid token"})
        );
        let missing = p.call(method.clone(), GROUP_PATH, None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        let project = p
            .call(
                method.clone(),
                "/apiops/projects/Nope/apiProxyGroups/PaymentAPIGroup/environments/production/",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(project.status, StatusCode::NOT_FOUND);
        assert_eq!(
            project.json,
            json!({"error": "not_found", "error_description": "Project(Nope) was not found or user does not have privilege to access it!"})
        );
        let malformed = p
            .call(
                method.clone(),
                GROUP_PATH,
                Some(&token),
                Some("{\"persistent\": "),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.json["error"], "bad_request");
        let wrong_type = p
            .call(
                method.clone(),
                GROUP_PATH,
                Some(&token),
                Some(r#"{"persistent": "yes"}"#),
            )
            .await;
        assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
        let huge = format!(r#"{{"description": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
        let too_big = p
            .call(method.clone(), GROUP_PATH, Some(&token), Some(&huge))
            .await;
        assert_eq!(too_big.status, StatusCode::BAD_REQUEST, "{}", too_big.text);
        assert_eq!(too_big.json["error"], "bad_request");
    }
    assert_eq!(p.fingerprint().await, before);
}

#[tokio::test]
async fn a_refused_member_is_reported_per_environment() {
    let (p, token) = Portico::demo().await;
    // Take staging out of payment-refunds-api's deploy list, then deploy the group there.
    let update = p
        .call(
            Method::PUT,
            "/apiops/projects/MyProject/apiProxies/payment-refunds-api/",
            Some(&token),
            Some(r#"{"relativePath": "/refunds", "deployList": ["production"]}"#),
        )
        .await;
    assert_eq!(update.status, StatusCode::OK, "{}", update.text);
    let a = p
        .call(
            Method::POST,
            "/apiops/projects/MyProject/apiProxyGroups/PaymentAPIGroup/environments/staging/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json["success"], true);
    assert_eq!(a.json["deploymentResult"]["success"], false);
    let env = &a.json["deploymentResult"]["environmentResults"][0];
    assert_eq!(env["environmentName"], "staging");
    assert_eq!(env["success"], false);
    assert!(env["message"]
        .as_str()
        .unwrap()
        .contains("Environment (staging) is not in the deploy list of API Proxy (payment-refunds-api)!"));
}

#[tokio::test]
async fn lists_and_the_project_environment_view_have_the_documented_shape() {
    let (p, token) = Portico::demo().await;
    p.call(Method::POST, GROUP_PATH, Some(&token), None).await;
    let proxies = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(proxies.json["success"], true);
    assert_eq!(proxies.json["resultCount"], 3);
    let payment = proxies.json["resultList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "payment-api")
        .unwrap();
    assert_eq!(payment["routing"]["algorithm"], "WEIGHTED_ROUND_ROBIN");
    assert_eq!(payment["relativePath"], "/payments");
    assert_eq!(payment["deployments"][0]["environment"], "production");
    assert_eq!(payment["id"].as_str().unwrap().len(), 32);
    let envs = p
        .call(Method::GET, "/apiops/environments/MyProject", Some(&token), None)
        .await;
    let production = envs.json["resultList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "production")
        .unwrap()
        .clone();
    for field in [
        "name",
        "description",
        "type",
        "status",
        "accessUrl",
        "deployed",
        "redeployRequired",
    ] {
        assert!(production.get(field).is_some(), "{field} missing in {production}");
    }
    assert_eq!(production["deployed"], true);
    assert_eq!(production["redeployRequired"], false);
    let unknown = p
        .call(Method::GET, "/apiops/nothing/here", Some(&token), None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json["error"], "not_found");
}

#[tokio::test]
async fn single_proxy_deploy_and_undeploy_use_the_same_body_and_answer() {
    let (p, token) = Portico::demo().await;
    let path = "/apiops/projects/MyProject/apiProxies/petstore-api/environments/staging/";
    let a = p
        .call(
            Method::POST,
            path,
            Some(&token),
            Some(r#"{"description":"canary"}"#),
        )
        .await;
    assert_eq!(
        a.json["deploymentResult"]["environmentResults"][0]["message"],
        "Deployed successfully"
    );
    let b = p.call(Method::DELETE, path, Some(&token), None).await;
    assert_eq!(
        b.json["deploymentResult"]["message"],
        "Undeployment completed successfully"
    );
    let settings = p
        .call(
            Method::PUT,
            "/apiops/projects/MyProject/settings/",
            Some(&token),
            Some(r#"{"deployHistoryRetention": 0}"#),
        )
        .await;
    assert_eq!(settings.status, StatusCode::BAD_REQUEST);
    let audit = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/audit/?action=DEPLOY",
            Some(&token),
            None,
        )
        .await;
    // Newest first: the demo data set's deploys came from the command line before.
    assert_eq!(audit.json["resultList"][0]["channel"], "API");
    assert_eq!(audit.json["resultList"][0]["objectName"], "petstore-api");
}
