//! The batch publish document: its example request and response shapes, and its 400, 401 and 403 bodies,
//! through the router, against the demo data set.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::Portico;

const EXAMPLE: &str = r#"{
  "apis" : [ "3a955b791bd24b1c9cd94c745f8d1aad", "abd9c4b2ff974888b0ba79be7e6b2762" ],
  "env_id" : "DEFAULT_ENVIRONMENT_RELEASE_ID",
  "group_id" : "c77f5e81d9cb4424bf704ef2b0ac7600",
  "remark" : "Published to the production environment"
}"#;

/// The publish path for the demo project on this gateway, as a caller finds the ids in the listings.
async fn publish_path(p: &Portico, token: &str, action: &str) -> String {
    let project = p
        .call(Method::GET, "/apiops/projects/MyProject/", Some(token), None)
        .await;
    let gateway = p.call(Method::GET, "/apiops/gateway/", Some(token), None).await;
    format!(
        "/v2/{}/apigw/instances/{}/apis/publish?action={action}",
        project.json["result"]["id"].as_str().unwrap(),
        gateway.json["result"]["id"].as_str().unwrap()
    )
}

fn is_id(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 32 && s.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

#[tokio::test]
async fn the_example_request_answers_the_documented_shape() {
    let (p, token) = Portico::demo().await;
    let path = publish_path(&p, &token, "online").await;
    let a = p.call_apig(&path, Some(&token), EXAMPLE).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let success = &a.json["success"][0];
    assert_eq!(a.json["success"].as_array().unwrap().len(), 1);
    assert!(is_id(&success["publish_id"]) && is_id(&success["version_id"]));
    assert_eq!(success["api_id"], "3a955b791bd24b1c9cd94c745f8d1aad");
    assert_eq!(success["api_name"], "petstore-api");
    assert_eq!(success["env_id"], "DEFAULT_ENVIRONMENT_RELEASE_ID");
    assert_eq!(success["remark"], "Published to the production environment");
    assert!(success["publish_time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        a.json["failure"],
        json!([{
            "api_id": "abd9c4b2ff974888b0ba79be7e6b2762",
            "error_code": "APIG.3002",
            "error_msg": "Api abd9c4b2ff974888b0ba79be7e6b2762 not found"
        }])
    );
    // Publishing is deploying: the record is in the proxy's deploy history, under the publish id.
    let history = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(history.json["resultList"][0]["id"], success["publish_id"]);
    assert_eq!(history.json["resultList"][0]["environmentName"], "production");

    let offline = publish_path(&p, &token, "offline").await;
    let b = p.call_apig(&offline, Some(&token), EXAMPLE).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(b.json["success"][0]["version_id"], success["version_id"]);
    let c = p.call_apig(&offline, Some(&token), EXAMPLE).await;
    assert_eq!(c.json["success"], json!([]));
    assert_eq!(c.json["failure"][0]["error_code"], "APIG.3806");
    assert_eq!(c.json["failure"][1]["error_code"], "APIG.3002");
}

#[tokio::test]
async fn documented_error_bodies() {
    let (p, token) = Portico::demo().await;
    let viewer = p.user_with_token("viewer", false).await;
    let put_member = p
        .call(
            Method::PUT,
            "/apiops/projects/MyProject/members/viewer/",
            Some(&token),
            Some(r#"{"projectAdmin":false,"permissions":["VIEW"]}"#),
        )
        .await;
    assert_eq!(put_member.status, StatusCode::OK, "{}", put_member.text);
    let before = p.rows().await;
    let bad_action = publish_path(&p, &token, "publish").await;
    let a = p.call_apig(&bad_action, Some(&token), EXAMPLE).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    // The document's JSON shows the escapes literally: \\\" in JSON, \" in the message.
    let documented: Value = serde_json::from_str(
        r#"{
  "error_code" : "APIG.2011",
  "error_msg" : "Invalid parameter value: parameter action should be \\\"online\\\" or \\\"offline\\\""
}"#,
    )
    .unwrap();
    assert_eq!(a.json, documented);
    let path = publish_path(&p, &token, "online").await;
    let no_action = path.split('?').next().unwrap().to_owned();
    assert_eq!(
        p.call_apig(&no_action, Some(&token), EXAMPLE).await.json,
        documented
    );

    for bad in [None, Some("ptc_wrong"), Some("")] {
        let b = p.call_apig(&path, bad, EXAMPLE).await;
        assert_eq!(b.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            b.json,
            json!({"error_code": "APIG.1002", "error_msg": "Incorrect token or token resolution failed"})
        );
    }
    let c = p.call_apig(&path, Some(&viewer), EXAMPLE).await;
    assert_eq!(c.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.json,
        json!({"error_code": "APIG.1005", "error_msg": "No permissions to request this method"})
    );
    for (body, code) in [
        ("", "APIG.2011"),
        ("{not json", "APIG.2011"),
        (
            r#"{"apis":["x"],"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","colour":"red"}"#,
            "APIG.2011",
        ),
        (
            r#"{"apis":["x"],"env_id":"0123456789abcdef0123456789abcdef"}"#,
            "APIG.3003",
        ),
        (
            r#"{"group_id":"0123456789abcdef0123456789abcdef","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID"}"#,
            "APIG.3001",
        ),
    ] {
        let d = p.call_apig(&path, Some(&token), body).await;
        assert_eq!(d.status, StatusCode::BAD_REQUEST, "{body}: {}", d.text);
        assert_eq!(d.json["error_code"], code, "{body}");
    }
    let other_gateway = path.replace("/instances/", "/instances/0");
    let e = p.call_apig(&other_gateway, Some(&token), EXAMPLE).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert_eq!(e.json["error_code"], "APIG.3030");
    assert_eq!(p.rows().await, before);
}
