mod common;

use deploy::users::{self, Password};
use deploy::Error;

#[tokio::test]
async fn a_user_signs_in_with_the_right_password_only() {
    let (cp, _dir) = common::fresh().await;
    let alice = common::user(&cp, "alice", false).await;
    let ok = users::authenticate(&cp, "alice", &Password::new("correct horse battery"))
        .await
        .unwrap();
    assert_eq!(ok.user, alice);
    // Usernames are case-insensitive, like most consoles.
    assert!(
        users::authenticate(&cp, "ALICE", &Password::new("correct horse battery"))
            .await
            .is_ok()
    );
    let wrong = users::authenticate(&cp, "alice", &Password::new("wrong password")).await;
    assert!(matches!(wrong, Err(Error::BadCredentials)));
    let unknown = users::authenticate(&cp, "bob", &Password::new("correct horse battery")).await;
    assert!(
        matches!(unknown, Err(Error::BadCredentials)),
        "unknown user fails exactly like a wrong password"
    );
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let (cp, _dir) = common::fresh().await;
    common::user(&cp, "alice", false).await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'alice'")
        .fetch_one(cp.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("correct horse battery"));
}

#[tokio::test]
async fn bad_users_are_refused_and_nothing_is_written() {
    let (cp, _dir) = common::fresh().await;
    let sys = common::system();
    let short = users::create_user(&cp, &sys, "carol", &Password::new("short"), false).await;
    assert!(matches!(short, Err(Error::Invalid(_))));
    let bad_name = users::create_user(&cp, &sys, "c a r o l", &Password::new("long enough!"), false).await;
    assert!(matches!(bad_name, Err(Error::Violation(v)) if v.field == "username"));
    assert_eq!(common::count(&cp, "users").await, 0);
    assert_eq!(common::count(&cp, "audit_log").await, 0);

    common::user(&cp, "carol", false).await;
    let again = users::create_user(&cp, &sys, "Carol", &Password::new("long enough!"), false).await;
    assert!(matches!(again, Err(Error::Conflict(_))));
    assert_eq!(common::count(&cp, "users").await, 1);
}

#[tokio::test]
async fn only_system_admins_create_users() {
    let (cp, _dir) = common::fresh().await;
    let alice = common::user(&cp, "alice", false).await;
    let refused = users::create_user(
        &cp,
        &common::as_console(&alice),
        "mallory",
        &Password::new("long enough!"),
        true,
    )
    .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    assert!(users::find_user_by_name(&cp, "mallory").await.unwrap().is_none());
}

#[test]
fn passwords_are_redacted_in_debug_output() {
    let shown = format!("{:?}", Password::new("hunter22hunter22"));
    assert!(!shown.contains("hunter22"), "{shown}");
}
