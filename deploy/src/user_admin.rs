//! What a system admin does with console accounts (list, disable and enable them, reset a password), and
//! what each user does with their own (change the password). A new password and a disabled account end the
//! account's console sessions: each session is checked against `users::Account::session_key`, and a
//! disabled account has none. A disabled account's access tokens stop working too.

use crate::model::UserSummary;
use crate::names::check_name;
use crate::users::{check_password, hash_password, sign_in, Account, Password};
use crate::{clock, Actor, ControlPlane, Error, Result};

fn system_admin_only(actor: &Actor, what: &str) -> Result<()> {
    if actor.user.system_admin {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("Only a system admin may {what}.")))
    }
}

/// Every account, by name. System admins only.
pub async fn list_users(cp: &ControlPlane, actor: &Actor) -> Result<Vec<UserSummary>> {
    system_admin_only(actor, "list users")?;
    #[derive(sqlx::FromRow)]
    struct Row {
        username: String,
        #[sqlx(try_from = "crate::db::Flag")]
        system_admin: bool,
        disabled_at: Option<String>,
        created_at: String,
    }
    let rows: Vec<Row> =
        sqlx::query_as("SELECT username, system_admin, disabled_at, created_at FROM users ORDER BY username")
            .fetch_all(cp.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| UserSummary {
            username: r.username,
            system_admin: r.system_admin,
            disabled_at: r.disabled_at,
            created_at: r.created_at,
        })
        .collect())
}

/// Disables an account (it signs in nowhere, its sessions end and its access tokens stop working) or enables
/// it again. System admins only; never their own account, and never the last enabled system admin, so no
/// one can lock everyone out.
pub async fn set_disabled(cp: &ControlPlane, actor: &Actor, username: &str, disabled: bool) -> Result<()> {
    system_admin_only(actor, "disable or enable users")?;
    check_name("username", username, 64)?;
    let mut tx = cp.begin_write().await?;
    let target: Option<(i64, crate::db::Flag)> =
        sqlx::query_as("SELECT id, system_admin FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((target, crate::db::Flag(admin))) = target else {
        return Err(Error::NotFound(format!("User ({username}) was not found!")));
    };
    if disabled && target == actor.user.id {
        return Err(Error::Invalid(
            "You cannot disable your own account: ask another system admin.".into(),
        ));
    }
    if disabled && admin {
        // Counted in the same write transaction, so two admins disabling each other cannot both pass.
        let others: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE system_admin = TRUE AND disabled_at IS NULL AND id <> $1",
        )
        .bind(target)
        .fetch_one(&mut *tx)
        .await?;
        if others == 0 {
            return Err(Error::Invalid(format!(
                "{username} is the last enabled system admin: enable or create another first."
            )));
        }
    }
    // Disabling keeps the first time it was disabled and moves the session epoch on (ending every session,
    // for good); enabling clears the time.
    sqlx::query(
        "UPDATE users SET disabled_at = CASE WHEN $1 THEN COALESCE(disabled_at, $2) ELSE NULL END,
            session_epoch = session_epoch + CASE WHEN $1 THEN 1 ELSE 0 END
         WHERE id = $3",
    )
    .bind(disabled)
    .bind(clock::now())
    .bind(target)
    .execute(&mut *tx)
    .await?;
    let action = if disabled { "DISABLE" } else { "ENABLE" };
    crate::rows::record_audit(&mut tx, actor, action, "USER", username, None, "").await?;
    tx.commit().await?;
    Ok(())
}

/// A user changes their own password, giving the current one first (a session left open on a shared
/// machine is not enough to take the account over). Guesses at the current password count against the
/// account's sign-in limit. Every other session of the account ends; the caller's own session goes on
/// with the returned account's new session key.
pub async fn change_own_password(
    cp: &ControlPlane,
    actor: &Actor,
    current: &Password,
    new: &Password,
) -> Result<Account> {
    check_password(new)?;
    let username = actor.user.username.as_str();
    match sign_in(cp, username, current, None).await {
        Ok(_) => {}
        Err(Error::BadCredentials) => {
            return Err(Error::Invalid("The current password is not right.".into()))
        }
        Err(e) => return Err(e),
    }
    let hash = hash_password(new).await?;
    let mut tx = cp.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(&hash)
        .bind(actor.user.id)
        .execute(&mut *tx)
        .await?;
    crate::rows::record_audit(&mut tx, actor, "CHANGE_PASSWORD", "USER", username, None, "").await?;
    tx.commit().await?;
    crate::users::find_account(cp, actor.user.id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("User ({username}) was not found!")))
}
