//! Console accounts as a system admin manages them, and each user's own password: who may do what, what a
//! disabled account can no longer do, and when a session's key changes (which ends the session).

mod common;

use deploy::users::{self, Password};
use deploy::{tokens, user_admin, Error};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_system_admin_lists_disables_and_enables_accounts() {
    let (cp, _dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    let alice = common::as_console(&common::user(&cp, "alice", false).await);
    let listed = user_admin::list_users(&cp, &root).await.unwrap();
    let names: Vec<_> = listed
        .iter()
        .map(|u| (u.username.as_str(), u.system_admin))
        .collect();
    assert_eq!(names, [("alice", false), ("root", true)]);
    assert!(listed.iter().all(|u| u.disabled_at.is_none()));

    let (secret, _) = tokens::create_token(&cp, &alice, "alice", "ci", None)
        .await
        .unwrap();
    let key_before = users::find_account(&cp, alice.user.id).await.unwrap().unwrap();
    user_admin::set_disabled(&cp, &root, "alice", true).await.unwrap();
    // Disabled: no session is accepted, the right password says so, and the account's tokens stop working.
    assert!(users::find_account(&cp, alice.user.id).await.unwrap().is_none());
    let signing_in = users::authenticate(&cp, "alice", &Password::new(PASSWORD)).await;
    assert!(matches!(signing_in, Err(Error::Forbidden(m)) if m.contains("disabled")));
    let wrong = users::authenticate(&cp, "alice", &Password::new("not her password")).await;
    assert!(
        matches!(wrong, Err(Error::BadCredentials)),
        "only the password's owner learns it is disabled"
    );
    assert!(matches!(
        tokens::authenticate(&cp, secret.expose()).await,
        Err(Error::BadCredentials)
    ));
    let disabled = user_admin::list_users(&cp, &root).await.unwrap();
    assert!(disabled
        .iter()
        .any(|u| u.username == "alice" && u.disabled_at.is_some()));

    user_admin::set_disabled(&cp, &root, "alice", false)
        .await
        .unwrap();
    let again = users::find_account(&cp, alice.user.id).await.unwrap().unwrap();
    assert_ne!(
        again.session_key(),
        key_before.session_key(),
        "sessions from before the account was disabled stay ended once it is enabled again"
    );
    assert!(users::authenticate(&cp, "alice", &Password::new(PASSWORD))
        .await
        .is_ok());
    assert!(tokens::authenticate(&cp, secret.expose()).await.is_ok());
}

#[tokio::test]
async fn only_system_admins_manage_accounts_and_none_disables_their_own() {
    let (cp, _dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    let alice = common::as_console(&common::user(&cp, "alice", false).await);
    common::user(&cp, "bob", false).await;
    let before = common::fingerprint(&cp).await;
    assert!(matches!(
        user_admin::list_users(&cp, &alice).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        user_admin::set_disabled(&cp, &alice, "bob", true).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        users::set_password(&cp, &alice, "bob", &Password::new("a new password")).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        user_admin::set_disabled(&cp, &root, "ROOT", true).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        user_admin::set_disabled(&cp, &root, "nobody", true).await,
        Err(Error::NotFound(_))
    ));
    // Nor their own password without the current one: that is change_own_password's.
    assert!(matches!(
        users::set_password(&cp, &root, "root", &Password::new("a new password")).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        users::set_password(&cp, &alice, "alice", &Password::new("a new password")).await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(common::fingerprint(&cp).await, before);
    assert!(users::find_account(&cp, root.user.id).await.unwrap().is_some());
}

#[tokio::test]
async fn a_new_password_gives_a_new_session_key() {
    let (cp, _dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    let alice = common::as_console(&common::user(&cp, "alice", false).await);
    let first = users::find_account(&cp, alice.user.id).await.unwrap().unwrap();

    // Her own change needs the current password, and a wrong one changes nothing.
    let before = common::fingerprint(&cp).await;
    let wrong = user_admin::change_own_password(
        &cp,
        &alice,
        &Password::new("not the password"),
        &Password::new("a brand new password"),
    )
    .await;
    assert!(matches!(wrong, Err(Error::Invalid(m)) if m.contains("current password")));
    let short =
        user_admin::change_own_password(&cp, &alice, &Password::new(PASSWORD), &Password::new("short")).await;
    assert!(matches!(short, Err(Error::Invalid(_))));
    assert_eq!(common::fingerprint(&cp).await, before);

    let changed = user_admin::change_own_password(
        &cp,
        &alice,
        &Password::new(PASSWORD),
        &Password::new("a brand new password"),
    )
    .await
    .unwrap();
    assert_ne!(changed.session_key(), first.session_key());
    let now = users::find_account(&cp, alice.user.id).await.unwrap().unwrap();
    assert_eq!(now.session_key(), changed.session_key());
    assert!(
        users::authenticate(&cp, "alice", &Password::new("a brand new password"))
            .await
            .is_ok()
    );

    // A system admin's reset changes it again.
    users::set_password(&cp, &root, "alice", &Password::new("reset by the admin"))
        .await
        .unwrap();
    let reset = users::find_account(&cp, alice.user.id).await.unwrap().unwrap();
    assert_ne!(reset.session_key(), changed.session_key());
    // The key is derived from the hash; neither the hash nor the key is printed.
    let shown = format!("{reset:?}");
    assert!(
        !shown.contains("argon2") && !shown.contains("session_key"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_last_enabled_system_admin_cannot_be_disabled() {
    let (cp, _dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    let second = common::as_console(&common::user(&cp, "second", true).await);
    // Two admins: one may disable the other, and then the one left is the last.
    user_admin::set_disabled(&cp, &second, "root", true)
        .await
        .unwrap();
    let last = user_admin::set_disabled(&cp, &common::system(), "second", true).await;
    assert!(matches!(last, Err(Error::Invalid(m)) if m.contains("last enabled system admin")));
    user_admin::set_disabled(&cp, &second, "root", false)
        .await
        .unwrap();
    assert!(users::find_account(&cp, root.user.id).await.unwrap().is_some());
}
