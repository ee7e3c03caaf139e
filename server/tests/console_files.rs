//! The console's file transfers: export download and import upload, behind the console session, answering
//! like the REST API.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use deploy::users::Password;
use serde_json::json;
use support::{multipart, Part, Portico};

/// Signs the demo admin in through the login server function; the session cookie.
async fn sign_in(p: &Portico) -> String {
    let system = deploy::Actor::system(deploy::Channel::Cli);
    deploy::users::set_password(&p.cp, &system, "admin", &Password::new("console files test"))
        .await
        .unwrap();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=admin&password=console+files+test"))
        .unwrap();
    let answer = p.send(request).await;
    answer.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn export_and_import_through_the_console_session() {
    let (p, _) = Portico::demo().await;
    let cookie = sign_in(&p).await;
    let export = Request::builder()
        .uri("/console/files/projects/MyProject/apiProxies/petstore-api/export")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let zip = p.send(export).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(
        zip.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"petstore-api.zip\""
    );

    let body = multipart(&[
        Part::Text(
            "metadata",
            r#"{"deploy":true,"deployTargetEnvironmentNameList":["staging"]}"#,
        ),
        Part::Text("apiProxyName", "copied-in-console"),
        Part::File("apiProxyExportFile", "petstore-api.zip", &zip.bytes),
    ]);
    let upload = Request::builder()
        .method(Method::POST)
        .uri("/console/files/projects/MyProject/import")
        .header(header::COOKIE, &cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={}", support::BOUNDARY),
        )
        .body(Body::from(body))
        .unwrap();
    let imported = p.send(upload).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert_eq!(imported.json["apiProxyName"], "copied-in-console");
    assert_eq!(imported.json["created"], true);
    assert_eq!(imported.json["deploymentResult"]["success"], true);
}

#[tokio::test]
async fn without_a_session_nothing_moves() {
    let (p, _) = Portico::demo().await;
    let before = p.rows().await;
    let export = Request::builder()
        .uri("/console/files/projects/MyProject/apiProxies/petstore-api/export")
        .body(Body::empty())
        .unwrap();
    // A download without a session is a page load like any other: to the sign-in page.
    let refused = p.send(export).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.headers[header::LOCATION], "/login");
    let upload = Request::builder()
        .method(Method::POST)
        .uri("/console/files/projects/MyProject/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={}", support::BOUNDARY),
        )
        .body(Body::from(multipart(&[Part::Text("metadata", "{}")])))
        .unwrap();
    let upload = p.send(upload).await;
    assert_eq!(upload.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        upload.json,
        json!({"error": "unauthorized_client", "error_description": "Your session has ended. Please sign in again."})
    );
    assert_eq!(p.rows().await, before);
}
