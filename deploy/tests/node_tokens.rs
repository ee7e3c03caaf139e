//! Gateway node tokens (issue 13, first step): issued per environment by system admins, shown once, kept as a
//! digest, revocable, and proving only their own environment.

mod common;

use deploy::node_tokens::{self, NODE_TOKEN_PREFIX};
use deploy::Error;

#[tokio::test]
async fn a_node_token_proves_its_environment_until_it_is_revoked() {
    let (cp, _dir, admin) = common::demo().await;
    let (token, info) = node_tokens::create_node_token(&cp, &admin, "staging", "edge-1")
        .await
        .unwrap();
    assert!(token.expose().starts_with(NODE_TOKEN_PREFIX));
    assert!(token.expose().starts_with(&info.hint));
    assert_eq!(format!("{token:?}"), "NodeTokenSecret(<redacted>)");
    let who = node_tokens::authenticate_node(&cp, token.expose()).await.unwrap();
    assert_eq!(who.environment, "staging");
    // Only its digest is kept.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM node_tokens WHERE token_hash = $1")
        .bind(token.expose())
        .fetch_one(cp.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let listed = node_tokens::list_node_tokens(&cp, &admin, Some("staging"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    assert!(node_tokens::list_node_tokens(&cp, &admin, Some("production"))
        .await
        .unwrap()
        .is_empty());

    // Wrong, malformed and user tokens prove nothing.
    let wrong = format!("{NODE_TOKEN_PREFIX}{}", "0".repeat(64));
    let user_token = deploy::tokens::create_token(&cp, &admin, &admin.user.username, "ci", None)
        .await
        .unwrap()
        .0;
    for presented in [wrong.as_str(), "ptn_short", "", user_token.expose()] {
        let e = node_tokens::authenticate_node(&cp, presented).await.unwrap_err();
        assert!(matches!(e, Error::BadCredentials), "{presented}: {e:?}");
    }
    // And a user token is no node token the other way round.
    assert!(deploy::tokens::authenticate(&cp, token.expose()).await.is_err());

    node_tokens::revoke_node_token(&cp, &admin, info.id)
        .await
        .unwrap();
    let e = node_tokens::authenticate_node(&cp, token.expose())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::BadCredentials));
    assert!(node_tokens::revoke_node_token(&cp, &admin, info.id)
        .await
        .is_err());
}

#[tokio::test]
async fn only_system_admins_manage_node_tokens_and_only_for_real_environments() {
    let (cp, _dir, admin) = common::demo().await;
    let member = common::member(&cp, &admin, "mallory", &deploy::access::Permission::ALL).await;
    let e = node_tokens::create_node_token(&cp, &member, "staging", "n")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));
    assert!(matches!(
        node_tokens::list_node_tokens(&cp, &member, None)
            .await
            .unwrap_err(),
        Error::Forbidden(_)
    ));
    let e = node_tokens::create_node_token(&cp, &admin, "nowhere", "n")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
    let e = node_tokens::create_node_token(&cp, &admin, "staging", "  ")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));
    assert_eq!(common::count(&cp, "node_tokens").await, 0);
}
