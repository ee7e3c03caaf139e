//! Personal API access tokens: what CI pipelines call the APIOps REST API with.

use rand::RngCore;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::users::{find_user_by_name, User};
use crate::{clock, ids, Actor, ControlPlane, Error, Result};

pub use crate::model::TokenInfo;

/// Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "ptc_";
const TOKEN_BYTES: usize = 32;
/// `last_used_at` is written at most this often per token, to keep reads from becoming writes.
const LAST_USE_RESOLUTION_SECONDS: i64 = 60;

/// A token as issued. Shown once; never serialised, never printed by `Debug`.
pub struct TokenSecret(String);

impl TokenSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

pub(crate) fn digest(token: &str) -> String {
    ids::hex(&Sha256::digest(token.as_bytes()))
}

/// A new secret: `prefix` and 32 random bytes in hex, and the hint a list shows of it.
pub(crate) fn new_secret(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", ids::hex(&bytes));
    let hint = token[..prefix.len() + 6].to_owned();
    (token, hint)
}

/// Whether `presented` has the shape of a secret made by `new_secret(prefix)`.
pub(crate) fn well_formed(presented: &str, prefix: &str) -> bool {
    presented.starts_with(prefix) && presented.len() == prefix.len() + 2 * TOKEN_BYTES
}

/// Issues a token for `username`. Users issue their own; system admins may issue for anyone.
pub async fn create_token(
    cp: &ControlPlane,
    actor: &Actor,
    username: &str,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<(TokenSecret, TokenInfo)> {
    if !actor.user.system_admin && !actor.user.username.eq_ignore_ascii_case(username) {
        return Err(Error::Forbidden(
            "Only a system admin may issue tokens for another user.".into(),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid("Token name must be 1 to 100 characters.".into()));
    }
    if expires_in_days == Some(0) || expires_in_days.is_some_and(|d| d > 3650) {
        return Err(Error::Invalid("Token expiry must be 1 to 3650 days.".into()));
    }
    let user = find_user_by_name(cp, username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("User ({username}) was not found!")))?;
    let (token, hint) = new_secret(TOKEN_PREFIX);
    let created_at = clock::now();
    let expires_at = expires_in_days
        .map(|days| (OffsetDateTime::now_utc() + time::Duration::days(days.into())).format(&Rfc3339))
        .transpose()
        .map_err(Error::internal)?;
    let mut tx = cp.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, hint, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user.id)
    .bind(name)
    .bind(digest(&token))
    .bind(&hint)
    .bind(&created_at)
    .bind(&expires_at)
    .fetch_one(&mut *tx)
    .await?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "CREATE",
        "TOKEN",
        &format!("{}/{name}", user.username),
        None,
        &hint,
    )
    .await?;
    tx.commit().await?;
    let info = TokenInfo {
        id,
        name: name.to_owned(),
        hint,
        created_at,
        expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    Ok((TokenSecret(token), info))
}

/// The user a presented token belongs to. Missing, malformed, unknown, expired and revoked tokens all fail
/// alike. The lookup is by the token's SHA-256, so no comparison ever runs on the secret itself.
pub async fn authenticate(cp: &ControlPlane, presented: &str) -> Result<User> {
    if !well_formed(presented, TOKEN_PREFIX) {
        return Err(Error::BadCredentials);
    }
    #[derive(sqlx::FromRow)]
    struct Presented {
        token_id: i64,
        user_id: i64,
        username: String,
        #[sqlx(try_from = "crate::db::Flag")]
        system_admin: bool,
        expires_at: Option<String>,
        revoked_at: Option<String>,
        last_used_at: Option<String>,
    }
    let row: Option<Presented> = sqlx::query_as(
        "SELECT t.id AS token_id, u.id AS user_id, u.username, u.system_admin, t.expires_at, t.revoked_at,
            t.last_used_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND u.disabled_at IS NULL",
    )
    .bind(digest(presented))
    .fetch_optional(cp.pool())
    .await?;
    let Some(Presented {
        token_id,
        user_id,
        username,
        system_admin,
        expires_at,
        revoked_at,
        last_used_at,
    }) = row
    else {
        return Err(Error::BadCredentials);
    };
    let now = OffsetDateTime::now_utc();
    let expired = expires_at
        .and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok())
        .is_some_and(|t| t <= now);
    if revoked_at.is_some() || expired {
        return Err(Error::BadCredentials);
    }
    let stale = last_used_at
        .and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok())
        .is_none_or(|t| (now - t).whole_seconds() >= LAST_USE_RESOLUTION_SECONDS);
    if stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(clock::now())
            .bind(token_id)
            .execute(cp.pool())
            .await?;
    }
    Ok(User {
        id: user_id,
        username,
        system_admin,
    })
}

/// The actor's own tokens, newest first.
pub async fn list_tokens(cp: &ControlPlane, actor: &Actor) -> Result<Vec<TokenInfo>> {
    #[derive(sqlx::FromRow)]
    struct TokenRow {
        id: i64,
        name: String,
        hint: String,
        created_at: String,
        expires_at: Option<String>,
        revoked_at: Option<String>,
        last_used_at: Option<String>,
    }
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT id, name, hint, created_at, expires_at, revoked_at, last_used_at FROM api_tokens
             WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(actor.user.id)
    .fetch_all(cp.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TokenInfo {
            id: r.id,
            name: r.name,
            hint: r.hint,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        })
        .collect())
}

/// Revokes one of the actor's tokens (a system admin may revoke anyone's).
pub async fn revoke_token(cp: &ControlPlane, actor: &Actor, token_id: i64) -> Result<()> {
    let mut tx = cp.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND (user_id = $3 OR $4)",
    )
    .bind(clock::now())
    .bind(token_id)
    .bind(actor.user.id)
    .bind(actor.user.system_admin)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound(format!(
            "Token ({token_id}) was not found or is already revoked!"
        )));
    }
    crate::rows::record_audit(&mut tx, actor, "REVOKE", "TOKEN", &token_id.to_string(), None, "").await?;
    tx.commit().await?;
    Ok(())
}
