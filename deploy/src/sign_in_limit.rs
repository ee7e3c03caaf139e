//! Limits password guessing at sign-in. Failures fill two leaky buckets: one per account and address, one per
//! address. A full bucket refuses further attempts until it has drained a little, so a burst of guesses is
//! slowed to a trickle while the real user, who signs in from another address or waits a minute, is never
//! locked out for good. A success empties the account-and-address bucket.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Buckets beyond this many are pruned of the drained ones, so a flood of made-up names cannot grow memory.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Instant,
}

impl Bucket {
    fn level_now(&self, now: Instant, drain: Duration) -> f64 {
        let drained = now.saturating_duration_since(self.at).as_secs_f64() / drain.as_secs_f64();
        (self.level - drained).max(0.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String, Option<IpAddr>),
    Address(Option<IpAddr>),
}

#[derive(Debug, Default)]
pub struct SignInLimit {
    policy: Policy,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl SignInLimit {
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            buckets: Mutex::default(),
        }
    }

    fn limits(&self, username: &str, address: Option<IpAddr>) -> [(Key, u32, Duration); 2] {
        let p = self.policy;
        [
            (
                Key::Account(username.to_lowercase(), address),
                p.account_burst,
                p.account_drain,
            ),
            (Key::Address(address), p.address_burst, p.address_drain),
        ]
    }

    /// `Err(seconds)` to wait when either bucket is full.
    pub(crate) fn check(&self, username: &str, address: Option<IpAddr>) -> Result<(), u64> {
        let now = Instant::now();
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = 0.0f64;
        for (key, burst, drain) in self.limits(username, address) {
            if let Some(b) = buckets.get(&key) {
                let over = b.level_now(now, drain) - (f64::from(burst) - 1.0);
                if over > 0.0 {
                    wait = wait.max(over * drain.as_secs_f64());
                }
            }
        }
        if wait > 0.0 {
            Err(wait.ceil() as u64)
        } else {
            Ok(())
        }
    }

    pub(crate) fn failed(&self, username: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            let p = self.policy;
            let slowest = p.account_drain.max(p.address_drain);
            buckets.retain(|_, b| b.level_now(now, slowest) > 0.0);
        }
        for (key, _, drain) in self.limits(username, address) {
            let b = buckets.entry(key).or_insert(Bucket { level: 0.0, at: now });
            *b = Bucket {
                level: b.level_now(now, drain) + 1.0,
                at: now,
            };
        }
    }

    pub(crate) fn succeeded(&self, username: &str, address: Option<IpAddr>) {
        let [(account, ..), _] = self.limits(username, address);
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> SignInLimit {
        SignInLimit::new(Policy {
            account_burst: 3,
            account_drain: Duration::from_millis(50),
            address_burst: 5,
            address_drain: Duration::from_millis(50),
        })
    }

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const AWAY: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn a_burst_is_refused_then_drains() {
        let limit = quick();
        for _ in 0..3 {
            assert!(limit.check("alice", HOME).is_ok());
            limit.failed("alice", HOME);
        }
        assert!(limit.check("alice", HOME).is_err());
        assert!(
            limit.check("ALICE", HOME).is_err(),
            "names are matched without case"
        );
        // The real user elsewhere is not locked out by someone else's guessing.
        assert!(limit.check("alice", AWAY).is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            limit.check("alice", HOME).is_ok(),
            "one attempt back after one drain period"
        );
    }

    #[test]
    fn an_address_spraying_many_accounts_is_slowed() {
        let limit = quick();
        for n in 0..5 {
            limit.failed(&format!("user{n}"), HOME);
        }
        assert!(limit.check("someone-else", HOME).is_err());
        assert!(limit.check("someone-else", AWAY).is_ok());
    }

    #[test]
    fn success_empties_the_account_bucket() {
        let limit = quick();
        limit.failed("alice", HOME);
        limit.failed("alice", HOME);
        limit.succeeded("alice", HOME);
        limit.failed("alice", HOME);
        limit.failed("alice", HOME);
        assert!(limit.check("alice", HOME).is_ok());
    }
}
