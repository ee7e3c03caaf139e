//! The defects issue 12's review found, each through the door a user meets it at.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use support::Portico;

/// A console session for a new system admin, as the sign-in form gets it.
async fn sign_in(p: &Portico) -> String {
    p.user_with_token("root", true).await;
    let mut request = Request::post("/api/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("username=root&password=correct+horse+battery"))
        .unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(
        "10.1.1.1:5000".parse::<std::net::SocketAddr>().unwrap(),
    ));
    let r = p.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

const PETSTORE: &str = "/apiops/projects/MyProject/apiProxies/petstore-api";

#[tokio::test]
async fn a_rollback_and_deploy_to_the_oldest_kept_revision_works_twice() {
    let (p, token) = Portico::demo().await;
    let r = p
        .call(
            Method::PUT,
            "/apiops/projects/MyProject/settings/",
            Some(&token),
            Some(r#"{"deployHistoryRetention":2}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let proxy = "/apiops/projects/MyProject/apiProxies/r";
    let r = p
        .call(Method::POST, "/apiops/projects/MyProject/apiProxies/", Some(&token), Some(
            r#"{"name":"r","relativePath":"/r","deployList":["staging"],"routing":{"addressList":[{"address":"https://one.example.com"}]}}"#,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for _ in 0..2 {
        let r = p
            .call(
                Method::POST,
                &format!("{proxy}/environments/staging/"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.json["success"], true, "{}", r.text);
    }
    // Revisions 1 and 2 are kept; the rollback writes two records and must not trim revision 1.
    for round in 0..2 {
        let r = p
            .call(
                Method::POST,
                &format!("{proxy}/deploy-histories/1/rollback/?environmentName=staging"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "round {round}: {}", r.text);
    }
}

#[tokio::test]
async fn a_record_whose_snapshot_cannot_be_read_answers_400() {
    let (p, token) = Portico::demo().await;
    sqlx::query(
        "UPDATE deploy_history SET snapshot = 'not json'
         WHERE revision = 12 AND proxy_id = (SELECT id FROM api_proxies WHERE name = 'petstore-api')",
    )
    .execute(p.cp.pool())
    .await
    .unwrap();
    let r = p
        .call(
            Method::GET,
            &format!("{PETSTORE}/deploy-histories/12/"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["error"], "bad_request");
}

#[tokio::test]
async fn a_member_deployed_on_its_own_where_its_group_is_live_keeps_the_groups_settings_and_says_so() {
    let (p, token) = Portico::demo().await;
    let group = "/apiops/projects/MyProject/apiProxyGroups/PaymentAPIGroup";
    let r = p
        .call(
            Method::POST,
            &format!("{group}/environments/staging/"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json["success"], true, "{}", r.text);
    let r = p
        .call(
            Method::POST,
            "/apiops/projects/MyProject/apiProxies/payment-api/environments/staging/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json["success"], true, "{}", r.text);
    let message = r.json["deploymentResult"]["environmentResults"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("API Proxy Group (PaymentAPIGroup)"), "{message}");
}

#[tokio::test]
async fn console_server_functions_answer_malformed_arguments_with_400_and_an_empty_list_is_valid() {
    let (p, _) = Portico::demo().await;
    let cookie = sign_in(&p).await;
    let post = |form: &str| {
        Request::post("/api/save_proxy")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie.clone())
            .body(Body::from(form.to_owned()))
            .unwrap()
    };
    let r = p.send(post("project=MyProject&name=x&create=maybe")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("could not be read"), "{}", r.text);
    // No environment ticked: the form sends no deploy list at all.
    let r = p
        .send(post(
            "project=MyProject&name=nowhere&create=true&spec[relativePath]=%2Fnowhere",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
