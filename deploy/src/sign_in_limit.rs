//! Limits password guessing at sign-in. Failures fill two leaky buckets: one per account and address, one per
//! address. A full bucket refuses further attempts until it has drained a little, so a burst of guesses is
//! slowed to a trickle while the real user, who signs in from another address or waits a minute, is never
//! locked out for good. A success empties the account-and-address bucket.
//!
//! The buckets live in the database (`sign_in_buckets`), so replicas behind a load balancer count the same
//! failures: a guesser gains nothing by spreading attempts over them. Levels drain by wall-clock time.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{ControlPlane, Result};

/// How many failures a bucket holds, and how fast one drains away.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub account_burst: u32,
    pub account_drain: Duration,
    pub address_burst: u32,
    pub address_drain: Duration,
}

impl Default for Policy {
    /// Five wrong passwords for one account from one address, then one more every 12 s; an address that tries
    /// many accounts gets 30, then one every 2 s.
    fn default() -> Self {
        Self {
            account_burst: 5,
            account_drain: Duration::from_secs(12),
            address_burst: 30,
            address_drain: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at_ms: i64,
}

impl Bucket {
    fn level_now(&self, now_ms: i64, drain: Duration) -> f64 {
        let drained = (now_ms - self.at_ms).max(0) as f64 / drain.as_millis().max(1) as f64;
        (self.level - drained).max(0.0)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn address_text(address: Option<IpAddr>) -> String {
    address.map(|a| a.to_string()).unwrap_or_else(|| "-".to_owned())
}

#[derive(Debug, Default)]
pub struct SignInLimit {
    policy: Policy,
}

impl SignInLimit {
    pub fn new(policy: Policy) -> Self {
        Self { policy }
    }

    /// Each bucket a sign-in by `username` from `address` fills: its key, size and drain time.
    fn limits(&self, username: &str, address: Option<IpAddr>) -> [(String, u32, Duration); 2] {
        let p = self.policy;
        let at = address_text(address);
        [
            (
                format!("account {} {at}", username.to_lowercase()),
                p.account_burst,
                p.account_drain,
            ),
            (format!("address {at}"), p.address_burst, p.address_drain),
        ]
    }

    async fn read(conn: &mut crate::db::Conn, key: &str) -> Result<Option<Bucket>> {
        let row: Option<(f64, i64)> =
            sqlx::query_as("SELECT level, at_ms FROM sign_in_buckets WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(row.map(|(level, at_ms)| Bucket { level, at_ms }))
    }

    /// `Ok(Err(seconds))` to wait when either bucket is full.
    pub(crate) async fn check(
        &self,
        cp: &ControlPlane,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<std::result::Result<(), u64>> {
        let now = now_ms();
        let mut conn = cp.pool().acquire().await?;
        let mut wait = 0.0f64;
        for (key, burst, drain) in self.limits(username, address) {
            if let Some(b) = Self::read(&mut conn, &key).await? {
                let over = b.level_now(now, drain) - (f64::from(burst) - 1.0);
                if over > 0.0 {
                    wait = wait.max(over * drain.as_secs_f64());
                }
            }
        }
        Ok(if wait > 0.0 {
            Err(wait.ceil() as u64)
        } else {
            Ok(())
        })
    }

    /// One more failure in both buckets. Buckets that have drained empty are removed, so a flood of made-up
    /// names cannot grow the table.
    pub(crate) async fn failed(
        &self,
        cp: &ControlPlane,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<()> {
        let now = now_ms();
        let p = self.policy;
        let full_drain = (p.account_drain * p.account_burst).max(p.address_drain * p.address_burst);
        let mut tx = cp.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_buckets WHERE at_ms < $1")
            .bind(now - full_drain.as_millis() as i64)
            .execute(&mut *tx)
            .await?;
        for (key, _, drain) in self.limits(username, address) {
            let level = Self::read(&mut tx, &key)
                .await?
                .map(|b| b.level_now(now, drain))
                .unwrap_or(0.0)
                + 1.0;
            sqlx::query(
                "INSERT INTO sign_in_buckets (key, level, at_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET level = excluded.level, at_ms = excluded.at_ms",
            )
            .bind(&key)
            .bind(level)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn succeeded(
        &self,
        cp: &ControlPlane,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<()> {
        let [(account, ..), _] = self.limits(username, address);
        let mut tx = cp.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_buckets WHERE key = $1")
            .bind(&account)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_drains_by_the_clock() {
        let b = Bucket {
            level: 3.0,
            at_ms: 1_000,
        };
        assert_eq!(b.level_now(1_000, Duration::from_millis(100)), 3.0);
        assert_eq!(b.level_now(1_100, Duration::from_millis(100)), 2.0);
        assert_eq!(b.level_now(2_000, Duration::from_millis(100)), 0.0);
        assert_eq!(
            b.level_now(500, Duration::from_millis(100)),
            3.0,
            "a clock stepping back drains nothing"
        );
    }
}
