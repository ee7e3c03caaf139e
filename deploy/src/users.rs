//! Console accounts: creation, sign-in, and the actor that every operation is done as.

use std::sync::LazyLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use crate::error::{Constraint, OnConstraint};
use crate::names::check_name;
use crate::{clock, ControlPlane, Error, Result};

pub use crate::actor::{Actor, Channel, User};

/// A password as typed. Never serialised, never printed.
pub struct Password(String);

impl Password {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A user who may sign in, with the key their console sessions are checked against. The key is derived
/// from the password hash (never the hash itself, which stays in `users`) and the account's session epoch:
/// a new password, or disabling the account, gives a new key, which ends every session made with the old
/// one (enabling it again does not bring them back). Never serialised; printed without its key.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    session_key: [u8; 32],
}

impl Account {
    fn new(user: User, password_hash: &str, epoch: i64) -> Self {
        let mut digest = Sha256::new();
        digest.update(b"portico console session\0");
        digest.update(epoch.to_be_bytes());
        digest.update(password_hash.as_bytes());
        Account {
            user,
            session_key: digest.finalize().into(),
        }
    }

    /// What a console session keeps to show it was made with the current password.
    pub fn session_key(&self) -> &[u8] {
        &self.session_key
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_BYTES: usize = 1024;

/// Creates a user. Only a system admin may do so (the command line acts as one).
pub async fn create_user(
    cp: &ControlPlane,
    actor: &Actor,
    username: &str,
    password: &Password,
    system_admin: bool,
) -> Result<User> {
    if !actor.user.system_admin {
        return Err(Error::Forbidden("Only a system admin may create users.".into()));
    }
    check_name("username", username, 64)?;
    check_password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = cp.begin_write().await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (username, password_hash, system_admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(&hash)
    .bind(system_admin)
    .bind(clock::now())
    .fetch_one(&mut *tx)
    .await
    .on_constraint(Constraint::Unique, || {
        Error::Conflict(format!("User ({username}) already exists!"))
    })?;
    crate::rows::record_audit(&mut tx, actor, "CREATE", "USER", username, None, "").await?;
    tx.commit().await?;
    Ok(User {
        id,
        username: username.to_owned(),
        system_admin,
    })
}

/// A system admin sets another account's password (the account's sessions end with its old key). Never
/// their own: changing one's own password goes through `user_admin::change_own_password`, which asks for
/// the current one, so a session left open is not enough to take an account over.
pub async fn set_password(
    cp: &ControlPlane,
    actor: &Actor,
    username: &str,
    password: &Password,
) -> Result<()> {
    if !actor.user.system_admin {
        return Err(Error::Forbidden(
            "Only a system admin may reset a password.".into(),
        ));
    }
    check_name("username", username, 64)?;
    check_password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = cp.begin_write().await?;
    let target: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(target) = target else {
        return Err(Error::NotFound(format!("User ({username}) was not found!")));
    };
    if target == actor.user.id {
        return Err(Error::Invalid(
            "Change your own password on Your account, giving the current one.".into(),
        ));
    }
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(target)
        .execute(&mut *tx)
        .await?;
    crate::rows::record_audit(&mut tx, actor, "SET_PASSWORD", "USER", username, None, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a username and password. A wrong username and a wrong password fail alike, in about the same time;
/// a disabled account is said to be disabled only to someone who gave its password.
pub async fn authenticate(cp: &ControlPlane, username: &str, password: &Password) -> Result<Account> {
    if password.0.len() > MAX_PASSWORD_BYTES {
        return Err(Error::BadCredentials);
    }
    // A name no user can have is not looked up: PostgreSQL's case-insensitive collation would match some
    // (fullwidth letters, invisible characters) to a real user's, each variant with a sign-in budget of its own.
    let row: Option<AccountRow> = if check_name("username", username, 64).is_ok() {
        sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(cp.pool())
        .await?
    } else {
        None
    };
    // An unknown name is verified against a throw-away hash, so it costs as much as a known one.
    let hash = row
        .as_ref()
        .map_or_else(|| DECOY_HASH.clone(), |r| r.password_hash.clone());
    let typed = password.0.clone();
    let matches = tokio::task::spawn_blocking(move || verify_password(&typed, &hash))
        .await
        .map_err(Error::internal)?;
    match row {
        Some(account) if matches && account.disabled_at.is_some() => Err(Error::Forbidden(
            "This account is disabled: a system admin can enable it again.".into(),
        )),
        Some(account) if matches => Ok(account.into_account()),
        _ => Err(Error::BadCredentials),
    }
}

/// The columns of [`AccountRow`].
const ACCOUNT_COLUMNS: &str = "id, username, password_hash, system_admin, disabled_at, session_epoch";

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    password_hash: String,
    #[sqlx(try_from = "crate::db::Flag")]
    system_admin: bool,
    disabled_at: Option<String>,
    session_epoch: i64,
}

impl AccountRow {
    fn into_account(self) -> Account {
        let user = User {
            id: self.id,
            username: self.username,
            system_admin: self.system_admin,
        };
        Account::new(user, &self.password_hash, self.session_epoch)
    }
}

/// Signs in at the console from `address`: checks the password unless too many recent failures from that
/// address (for this account, or for any) say to wait first. The wait is short and drains on its own, so
/// guessing is slowed without locking the real user out.
pub async fn sign_in(
    cp: &ControlPlane,
    username: &str,
    password: &Password,
    address: Option<std::net::IpAddr>,
) -> Result<Account> {
    let limit = cp.sign_ins();
    if let Err(retry_after_seconds) = limit.check(cp, username, address).await? {
        return Err(Error::TooManyAttempts { retry_after_seconds });
    }
    match authenticate(cp, username, password).await {
        Ok(user) => {
            limit.succeeded(cp, username, address).await?;
            Ok(user)
        }
        Err(Error::BadCredentials) => {
            limit.failed(cp, username, address).await?;
            Err(Error::BadCredentials)
        }
        Err(e) => Err(e),
    }
}

/// The account with this id, if it still exists and is not disabled: what a console session is checked
/// against on each request.
pub async fn find_account(cp: &ControlPlane, id: i64) -> Result<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(cp.pool())
    .await?;
    Ok(row.map(AccountRow::into_account))
}

/// The user with this name, if it exists.
pub async fn find_user_by_name(cp: &ControlPlane, username: &str) -> Result<Option<User>> {
    let row: Option<(i64, String, crate::db::Flag)> =
        sqlx::query_as("SELECT id, username, system_admin FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(cp.pool())
            .await?;
    Ok(row.map(|(id, username, crate::db::Flag(system_admin))| User {
        id,
        username,
        system_admin,
    }))
}

pub(crate) fn check_password(password: &Password) -> Result<()> {
    if password.0.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "Password must be at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    if password.0.len() > MAX_PASSWORD_BYTES {
        return Err(Error::Invalid(format!(
            "Password must be at most {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    Ok(())
}

static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"decoy password that matches nothing", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Argon2id with the crate's default cost, off the async threads.
pub(crate) async fn hash_password(password: &Password) -> Result<String> {
    let typed = password.0.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(typed.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::internal)
}

fn verify_password(typed: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(typed.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}
