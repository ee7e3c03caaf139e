//! The OpenAPI document matches the server: every documented operation is routed, and every route is
//! documented.

mod support;

use axum::http::{Method, StatusCode};
use support::Portico;

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_operation_in_it_is_served() {
    let (p, token) = Portico::demo().await;
    let doc = p.call(Method::GET, "/apiops/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.json["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc.json["openapi"]
    );
    let paths = doc.json["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        assert!(
            path.ends_with('/') || path.starts_with("/v2/"),
            "{path}: documented APIOps paths keep their trailing slash"
        );
        for method in item.as_object().unwrap().keys() {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let concrete = path
                .replace("{projectName}", "MyProject")
                .replace("{apiProxyName}", "petstore-api")
                .replace("{apiProxyGroupName}", "PaymentAPIGroup")
                .replace("{environmentName}", "staging")
                .replace("{username}", "admin")
                .replace("{revision}", "1")
                .replace("{project_id}", "0123456789abcdef0123456789abcdef")
                .replace("{instance_id}", "0123456789abcdef0123456789abcdef");
            let answer = if concrete.starts_with("/v2/") {
                p.call_apig(&format!("{concrete}?action=online"), Some(&token), "{}")
                    .await
            } else {
                p.call(method.clone(), &concrete, Some(&token), Some("{}")).await
            };
            assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_ne!(
                answer.json["error_description"], "No such APIOps endpoint.",
                "{method} {path}"
            );
            assert!(
                !answer.status.is_server_error(),
                "{method} {path}: {}",
                answer.text
            );
            operations += 1;
        }
    }
    assert_eq!(operations, 44, "every REST operation is documented");
    for schema in [
        "ErrorBody",
        "DeploymentResult",
        "ProxyView",
        "HistoryRecord",
        "RoutingAlgorithm",
    ] {
        assert!(
            doc.json["components"]["schemas"].get(schema).is_some(),
            "{schema} missing"
        );
    }
    assert_eq!(
        doc.json["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc.json["components"]["securitySchemes"]["x_auth_token"]["name"],
        "X-Auth-Token"
    );
}
