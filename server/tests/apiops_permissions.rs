//! The permission matrix: every kind of caller against every mutating endpoint. Allowed calls succeed;
//! refused ones get the documented status and change nothing at all.

mod support;

use axum::http::{Method, StatusCode};
use deploy::access::{self, Permission};
use deploy::{Actor, Channel};
use support::Portico;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    NoToken,
    BadToken,
    Revoked,
    NonMember,
    View,
    Manage,
    DeployUndeploy,
    ExportImport,
    ProjectAdmin,
    OtherProjectAdmin,
    SystemAdmin,
}

#[derive(Debug, Clone, Copy)]
enum Need {
    SystemAdmin,
    ProjectAdmin,
    Manage,
    Deploy,
    /// Rollback with a deploy: MANAGE and DEPLOY_UNDEPLOY both.
    ManageAndDeploy,
}

/// The mutating endpoints, in an order in which each succeeds for a caller allowed to do all of them.
const STEPS: &[(Need, &str, &str, Option<&str>)] = &[
    (
        Need::SystemAdmin,
        "POST",
        "/apiops/projects/",
        Some(r#"{"name":"Q"}"#),
    ),
    (
        Need::SystemAdmin,
        "POST",
        "/apiops/environments/",
        Some(r#"{"name":"test-env","type":"TEST","description":"","accessUrl":""}"#),
    ),
    (
        Need::SystemAdmin,
        "PUT",
        "/apiops/projects/P/environments/production/",
        None,
    ),
    (
        Need::ProjectAdmin,
        "PUT",
        "/apiops/projects/P/settings/",
        Some(r#"{"deployHistoryRetention":5}"#),
    ),
    (
        Need::ProjectAdmin,
        "PUT",
        "/apiops/projects/P/members/carol/",
        Some(r#"{"permissions":["VIEW"]}"#),
    ),
    (
        Need::ProjectAdmin,
        "DELETE",
        "/apiops/projects/P/members/carol/",
        None,
    ),
    (
        Need::Manage,
        "POST",
        "/apiops/projects/P/apiProxies/",
        Some(r#"{"name":"n","relativePath":"/n","deployList":["production"]}"#),
    ),
    (
        Need::Manage,
        "PUT",
        "/apiops/projects/P/apiProxies/a/",
        Some(r#"{"relativePath":"/a2"}"#),
    ),
    (
        Need::Deploy,
        "POST",
        "/apiops/projects/P/apiProxies/a/environments/production/",
        None,
    ),
    (
        Need::Deploy,
        "PUT",
        "/apiops/projects/P/apiProxies/a/deploy-histories/1/",
        Some(r#"{"persistent":true}"#),
    ),
    (
        Need::Deploy,
        "DELETE",
        "/apiops/projects/P/apiProxies/a/environments/production/",
        None,
    ),
    (
        Need::Manage,
        "POST",
        "/apiops/projects/P/apiProxies/a/deploy-histories/1/rollback/",
        None,
    ),
    (
        Need::ManageAndDeploy,
        "POST",
        "/apiops/projects/P/apiProxies/a/deploy-histories/1/rollback/?environmentName=production",
        None,
    ),
    (
        Need::Manage,
        "POST",
        "/apiops/projects/P/apiProxyGroups/",
        Some(r#"{"name":"H","apiProxies":["a"]}"#),
    ),
    (
        Need::Manage,
        "PUT",
        "/apiops/projects/P/apiProxyGroups/G/",
        Some(r#"{"description":"changed"}"#),
    ),
    (
        Need::Manage,
        "POST",
        "/apiops/projects/P/apiProxyGroups/G/apiProxies/c/",
        None,
    ),
    (
        Need::Manage,
        "DELETE",
        "/apiops/projects/P/apiProxyGroups/G/apiProxies/c/",
        None,
    ),
    (
        Need::Deploy,
        "POST",
        "/apiops/projects/P/apiProxyGroups/G/environments/production/",
        None,
    ),
    (
        Need::Deploy,
        "DELETE",
        "/apiops/projects/P/apiProxyGroups/G/environments/production/",
        None,
    ),
    (
        Need::Manage,
        "DELETE",
        "/apiops/projects/P/apiProxyGroups/H/",
        None,
    ),
    (Need::Manage, "DELETE", "/apiops/projects/P/apiProxies/n/", None),
];

fn allowed(caller: Caller, need: Need) -> bool {
    use Caller::*;
    match need {
        Need::SystemAdmin => caller == SystemAdmin,
        Need::ProjectAdmin => matches!(caller, SystemAdmin | ProjectAdmin),
        Need::Manage => matches!(caller, SystemAdmin | ProjectAdmin | Manage),
        Need::Deploy => matches!(caller, SystemAdmin | ProjectAdmin | DeployUndeploy),
        Need::ManageAndDeploy => matches!(caller, SystemAdmin | ProjectAdmin),
    }
}

fn refusal(caller: Caller, need: Need) -> StatusCode {
    use Caller::*;
    match (caller, need) {
        (NoToken | BadToken | Revoked, _) => StatusCode::UNAUTHORIZED,
        // System-wide actions are refused as forbidden; a project the caller may not see does not exist.
        (_, Need::SystemAdmin) => StatusCode::FORBIDDEN,
        (NonMember | OtherProjectAdmin, _) => StatusCode::NOT_FOUND,
        _ => StatusCode::FORBIDDEN,
    }
}

/// Project P (environment production; proxies a, b, c; group G of a and b), project Other, user carol,
/// and the caller.
async fn world(caller: Caller) -> (Portico, Option<String>) {
    let p = Portico::empty().await;
    let root_token = p.user_with_token("root", true).await;
    let root = Actor::new(
        deploy::users::find_user_by_name(&p.cp, "root")
            .await
            .unwrap()
            .unwrap(),
        Channel::Cli,
    );
    let call = |m: &'static str, path: &'static str, body: &'static str| {
        let (p, t) = (&p, root_token.clone());
        async move {
            let a = p
                .call(
                    Method::from_bytes(m.as_bytes()).unwrap(),
                    path,
                    Some(&t),
                    Some(body),
                )
                .await;
            assert!(a.status.is_success(), "{path}: {}", a.text);
        }
    };
    call("POST", "/apiops/projects/", r#"{"name":"P"}"#).await;
    call("POST", "/apiops/projects/", r#"{"name":"Other"}"#).await;
    call(
        "POST",
        "/apiops/environments/",
        r#"{"name":"production","type":"PRODUCTION","description":"","accessUrl":""}"#,
    )
    .await;
    p.call(
        Method::PUT,
        "/apiops/projects/P/environments/production/",
        Some(&root_token),
        None,
    )
    .await;
    for body in [
        r#"{"name":"a","relativePath":"/a","deployList":["production"]}"#,
        r#"{"name":"b","relativePath":"/b","deployList":["production"]}"#,
        r#"{"name":"c","relativePath":"/c","deployList":["production"]}"#,
    ] {
        call("POST", "/apiops/projects/P/apiProxies/", body).await;
    }
    call(
        "POST",
        "/apiops/projects/P/apiProxyGroups/",
        r#"{"name":"G","apiProxies":["a","b"]}"#,
    )
    .await;
    // Revision 1 of `a`, for the rollback steps to roll back to.
    call(
        "POST",
        "/apiops/projects/P/apiProxies/a/environments/production/",
        "",
    )
    .await;
    p.user_with_token("carol", false).await;

    let token = match caller {
        Caller::NoToken => None,
        Caller::BadToken => Some(format!("ptc_{}", "ab".repeat(32))),
        Caller::SystemAdmin => Some(p.user_with_token("caller", true).await),
        _ => {
            let token = p.user_with_token("caller", false).await;
            let grant = |project: &'static str, admin: bool, perms: Vec<Permission>| {
                let (cp, root) = (p.cp.clone(), root.clone());
                async move {
                    access::set_member(&cp, &root, project, "caller", admin, &perms)
                        .await
                        .unwrap()
                }
            };
            match caller {
                Caller::Revoked => {
                    let me = Actor::new(
                        deploy::users::find_user_by_name(&p.cp, "caller")
                            .await
                            .unwrap()
                            .unwrap(),
                        Channel::Cli,
                    );
                    let id = deploy::tokens::list_tokens(&p.cp, &me).await.unwrap()[0].id;
                    deploy::tokens::revoke_token(&p.cp, &me, id).await.unwrap();
                    grant("P", true, vec![]).await;
                }
                Caller::View => {
                    grant("P", false, vec![Permission::View]).await;
                }
                Caller::Manage => {
                    grant("P", false, vec![Permission::View, Permission::Manage]).await;
                }
                Caller::DeployUndeploy => {
                    grant("P", false, vec![Permission::View, Permission::DeployUndeploy]).await;
                }
                Caller::ExportImport => {
                    grant("P", false, vec![Permission::View, Permission::ExportImport]).await;
                }
                Caller::ProjectAdmin => {
                    grant("P", true, vec![]).await;
                }
                Caller::OtherProjectAdmin => {
                    grant("Other", true, vec![]).await;
                }
                _ => {}
            }
            Some(token)
        }
    };
    (p, token)
}

#[tokio::test]
async fn every_caller_against_every_mutating_endpoint() {
    use Caller::*;
    let mut checked = 0;
    for caller in [
        NoToken,
        BadToken,
        Revoked,
        NonMember,
        View,
        Manage,
        DeployUndeploy,
        ExportImport,
        ProjectAdmin,
        OtherProjectAdmin,
        SystemAdmin,
    ] {
        let (p, token) = world(caller).await;
        for (need, method, path, body) in STEPS {
            let before = p.fingerprint().await;
            let a = p
                .call(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    path,
                    token.as_deref(),
                    *body,
                )
                .await;
            if allowed(caller, *need) {
                assert_eq!(a.status, StatusCode::OK, "{caller:?} {method} {path}: {}", a.text);
                if path.contains("/environments/production/") && *method != "PUT" {
                    assert_eq!(
                        a.json["deploymentResult"]["success"], true,
                        "{caller:?} {method} {path}: {}",
                        a.text
                    );
                }
            } else {
                assert_eq!(
                    a.status,
                    refusal(caller, *need),
                    "{caller:?} {method} {path}: {}",
                    a.text
                );
                let expected_error = match a.status {
                    StatusCode::UNAUTHORIZED => "unauthorized_client",
                    StatusCode::FORBIDDEN => "access_denied",
                    _ => "not_found",
                };
                assert_eq!(a.json["error"], expected_error, "{caller:?} {method} {path}");
                assert_eq!(
                    p.fingerprint().await,
                    before,
                    "{caller:?} {method} {path} changed something"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 11 * STEPS.len());
}

#[tokio::test]
async fn a_forbidden_answer_names_the_missing_permission() {
    let (p, token) = world(Caller::View).await;
    let a = p
        .call(
            Method::POST,
            "/apiops/projects/P/apiProxyGroups/G/environments/production/",
            token.as_deref(),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        a.json["error_description"],
        "User does not have API_MANAGEMENT + DEPLOY_UNDEPLOY permission in project (P)!"
    );
    // Reading is what VIEW allows.
    let list = p
        .call(
            Method::GET,
            "/apiops/projects/P/apiProxies/",
            token.as_deref(),
            None,
        )
        .await;
    assert_eq!(list.json["resultCount"], 3);
}
