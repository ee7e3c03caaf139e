//! Gateway node tokens: how a data-plane node on another machine proves to the control plane which
//! environment it serves, without database credentials. System admins issue them per environment; a token is
//! shown once, kept as its SHA-256, and revoked rather than deleted. (Issue 13's first step: the feed that
//! nodes will open with them comes next.)

pub use crate::model::NodeTokenInfo;
use crate::tokens::{digest, new_secret, well_formed};
use crate::{clock, Actor, ControlPlane, Error, Result};

/// Every node token starts with this, so a leaked one is recognisable and never mistaken for a user's.
pub const NODE_TOKEN_PREFIX: &str = "ptn_";

/// A node token as issued. Shown once; never serialised, never printed by `Debug`.
pub struct NodeTokenSecret(String);

impl NodeTokenSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NodeTokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeTokenSecret(<redacted>)")
    }
}

/// Who a presented node token proves a node to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    pub token_id: i64,
    pub environment: String,
}

fn system_admin_only(actor: &Actor) -> Result<()> {
    if actor.user.system_admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only a system admin may manage gateway node tokens.".into(),
        ))
    }
}

/// Issues a token for nodes serving `environment`.
pub async fn create_node_token(
    cp: &ControlPlane,
    actor: &Actor,
    environment: &str,
    name: &str,
) -> Result<(NodeTokenSecret, NodeTokenInfo)> {
    system_admin_only(actor)?;
    let name = name.trim();
    crate::names::check_text("name", name, 100)?;
    if name.is_empty() {
        return Err(Error::Invalid(
            "Node token name must be 1 to 100 characters.".into(),
        ));
    }
    let (token, hint) = new_secret(NODE_TOKEN_PREFIX);
    let created_at = clock::now();
    let mut tx = cp.begin_write().await?;
    let env: Option<(i64, String)> = sqlx::query_as("SELECT id, name FROM environments WHERE name = $1")
        .bind(environment)
        .fetch_optional(&mut *tx)
        .await?;
    let (env_id, env_name) =
        env.ok_or_else(|| Error::NotFound(format!("Environment ({environment}) not found!")))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO node_tokens (environment_id, name, token_hash, hint, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(env_id)
    .bind(name)
    .bind(digest(&token))
    .bind(&hint)
    .bind(&created_at)
    .fetch_one(&mut *tx)
    .await?;
    crate::rows::record_audit(
        &mut tx,
        actor,
        "CREATE",
        "NODE_TOKEN",
        &format!("{env_name}/{name}"),
        None,
        &hint,
    )
    .await?;
    tx.commit().await?;
    let info = NodeTokenInfo {
        id,
        environment: env_name,
        name: name.to_owned(),
        hint,
        created_at,
        revoked_at: None,
        last_used_at: None,
    };
    Ok((NodeTokenSecret(token), info))
}

/// Every node token, newest first; with `environment`, only that environment's.
pub async fn list_node_tokens(
    cp: &ControlPlane,
    actor: &Actor,
    environment: Option<&str>,
) -> Result<Vec<NodeTokenInfo>> {
    system_admin_only(actor)?;
    #[derive(sqlx::FromRow)]
    struct NodeTokenRow {
        id: i64,
        environment: String,
        name: String,
        hint: String,
        created_at: String,
        revoked_at: Option<String>,
        last_used_at: Option<String>,
    }
    let rows: Vec<NodeTokenRow> = sqlx::query_as(
        "SELECT t.id, e.name AS environment, t.name, t.hint, t.created_at, t.revoked_at, t.last_used_at
         FROM node_tokens t JOIN environments e ON e.id = t.environment_id
         WHERE $1 IS NULL OR e.name = $1 ORDER BY t.id DESC",
    )
    .bind(environment)
    .fetch_all(cp.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| NodeTokenInfo {
            id: r.id,
            environment: r.environment,
            name: r.name,
            hint: r.hint,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        })
        .collect())
}

/// Revokes a node token: from then on it proves nothing.
pub async fn revoke_node_token(cp: &ControlPlane, actor: &Actor, token_id: i64) -> Result<()> {
    system_admin_only(actor)?;
    let mut tx = cp.begin_write().await?;
    let changed = sqlx::query("UPDATE node_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(clock::now())
        .bind(token_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound(format!(
            "Node token ({token_id}) was not found or is already revoked!"
        )));
    }
    crate::rows::record_audit(
        &mut tx,
        actor,
        "REVOKE",
        "NODE_TOKEN",
        &token_id.to_string(),
        None,
        "",
    )
    .await?;
    if cp.backend() == crate::db::Backend::Postgres {
        // Other replicas close the token's streams too, at commit.
        sqlx::query("SELECT pg_notify('portico_revoked', '')")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    cp.live_feed().token_revoked();
    Ok(())
}

/// The environment a presented node token is for. Missing, malformed, unknown and revoked tokens fail
/// alike; the lookup is by the token's SHA-256, so no comparison runs on the secret itself.
pub async fn authenticate_node(cp: &ControlPlane, presented: &str) -> Result<NodeIdentity> {
    if !well_formed(presented, NODE_TOKEN_PREFIX) {
        return Err(Error::BadCredentials);
    }
    let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT t.id, e.name, t.revoked_at FROM node_tokens t JOIN environments e ON e.id = t.environment_id
         WHERE t.token_hash = $1",
    )
    .bind(digest(presented))
    .fetch_optional(cp.pool())
    .await?;
    let Some((token_id, environment, None)) = row else {
        return Err(Error::BadCredentials);
    };
    // Nodes authenticate on every stream and acknowledgement: the time is written at most once a minute.
    let minute_ago = (time::OffsetDateTime::now_utc() - time::Duration::minutes(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    sqlx::query(
        "UPDATE node_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(clock::now())
    .bind(token_id)
    .bind(minute_ago)
    .execute(cp.pool())
    .await?;
    Ok(NodeIdentity {
        token_id,
        environment,
    })
}

/// Whether a node token still works (a stream re-checks this while it is open: another process may revoke).
pub async fn node_token_active(cp: &ControlPlane, token_id: i64) -> Result<bool> {
    let revoked: Option<Option<String>> =
        sqlx::query_scalar("SELECT revoked_at FROM node_tokens WHERE id = $1")
            .bind(token_id)
            .fetch_optional(cp.pool())
            .await?;
    Ok(matches!(revoked, Some(None)))
}
