mod common;

use deploy::tokens::{self, TOKEN_PREFIX};
use deploy::Error;

#[tokio::test]
async fn a_token_authenticates_its_user_until_it_is_revoked() {
    let (cp, _dir) = common::fresh().await;
    let alice = common::user(&cp, "alice", false).await;
    let actor = common::as_console(&alice);
    let (secret, info) = tokens::create_token(&cp, &actor, "alice", "ci", None)
        .await
        .unwrap();
    let token = secret.expose();
    assert!(token.starts_with(TOKEN_PREFIX));
    assert_eq!(token.len(), TOKEN_PREFIX.len() + 64, "256 random bits");
    assert!(!format!("{secret:?}").contains(token));
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(cp.pool())
        .await
        .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored.len(), 64, "only the SHA-256 is stored");
    assert_eq!(tokens::authenticate(&cp, token).await.unwrap(), alice);
    assert!(tokens::list_tokens(&cp, &actor).await.unwrap()[0]
        .last_used_at
        .is_some());
    tokens::revoke_token(&cp, &actor, info.id).await.unwrap();
    assert!(matches!(
        tokens::authenticate(&cp, token).await,
        Err(Error::BadCredentials)
    ));
}

#[tokio::test]
async fn malformed_unknown_and_expired_tokens_fail_alike() {
    let (cp, _dir) = common::fresh().await;
    let alice = common::user(&cp, "alice", false).await;
    let actor = common::as_console(&alice);
    let (secret, _) = tokens::create_token(&cp, &actor, "alice", "short", Some(1))
        .await
        .unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00Z'")
        .execute(cp.pool())
        .await
        .unwrap();
    for bad in [
        secret.expose(),
        "",
        "YOUR_TOKEN",
        "ptc_",
        &format!("{TOKEN_PREFIX}{}", "0".repeat(64)),
    ] {
        assert!(
            matches!(tokens::authenticate(&cp, bad).await, Err(Error::BadCredentials)),
            "{bad}"
        );
    }
    assert!(matches!(
        tokens::create_token(&cp, &actor, "alice", "", None).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        tokens::create_token(&cp, &actor, "alice", "x", Some(0)).await,
        Err(Error::Invalid(_))
    ));
    let bob = common::user(&cp, "bob", false).await;
    assert!(matches!(
        tokens::create_token(&cp, &common::as_console(&bob), "alice", "x", None).await,
        Err(Error::Forbidden(_))
    ));
}
