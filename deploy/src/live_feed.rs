//! The control plane's side of what gateway nodes serve: one watcher per environment that someone follows,
//! holding the current live set and a short history of earlier ones, so every follower (the gateways inside
//! `portico serve`, and each remote node's stream) gets a change as soon as it is read once, and a node that
//! reconnects at a recent version gets only what changed since.
//!
//! Changes are found by reading every environment's change counter (one small query): triggers bump the
//! counter in the same transaction as the change. This process's own writes nudge the feed the moment the
//! counter row is written (an SQLite update hook on the writer), and it then looks every few milliseconds
//! until the commit shows; writes from other processes (the command line, other replicas) are seen at the
//! next [`CHECK_INTERVAL`]. Nothing is read while nothing changes, and followers never wait on one another:
//! each holds a `watch` receiver and sees the newest set when it next looks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::model::LiveSet;
use crate::{ControlPlane, Result};

/// How often the change counters are read when nothing nudged the feed.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(250);
/// How many earlier versions are kept to answer a reconnecting node with a delta.
const HISTORY: usize = 64;

/// One version of an environment's live set, with its hash computed once for every follower.
#[derive(Debug)]
pub struct Published {
    pub set: Arc<LiveSet>,
    pub hash: String,
    /// The whole set as one feed line, made once however many nodes ask for it.
    full_line: std::sync::OnceLock<Arc<[u8]>>,
}

impl Published {
    /// The feed line that sends this whole set (`FeedMessage::Full`), newline included.
    pub fn full_line(&self) -> Arc<[u8]> {
        Arc::clone(self.full_line.get_or_init(|| {
            let message = crate::model::FeedMessage::Full {
                set: LiveSet::clone(&self.set),
                hash: self.hash.clone(),
            };
            message.line().into()
        }))
    }
}

#[derive(Debug)]
struct Followed {
    sender: watch::Sender<Arc<Published>>,
    history: VecDeque<Arc<Published>>,
}

/// Every followed environment (by lower-case name, as names compare without case).
#[derive(Debug, Default)]
pub struct LiveFeed {
    environments: Mutex<HashMap<String, Followed>>,
    started: std::sync::OnceLock<()>,
    /// Bumped whenever a node token is revoked in this process, so its streams close at once.
    revocations: watch::Sender<u64>,
    /// Set when this process writes an environment's change counter.
    nudged: tokio::sync::Notify,
}

impl LiveFeed {
    fn followed(&self) -> std::sync::MutexGuard<'_, HashMap<String, Followed>> {
        self.environments.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that always holds the environment's newest live set.
    pub async fn follow(
        &self,
        cp: &ControlPlane,
        environment: &str,
    ) -> Result<watch::Receiver<Arc<Published>>> {
        self.start(cp);
        let key = environment.to_lowercase();
        if let Some(f) = self.followed().get(&key) {
            return Ok(f.sender.subscribe());
        }
        let first = read(cp, environment).await?;
        let mut all = self.followed();
        // Another follower may have read it meanwhile; keep theirs, so there is one sender per environment.
        let followed = all.entry(key).or_insert_with(|| Followed {
            sender: watch::Sender::new(Arc::clone(&first)),
            history: VecDeque::from([first]),
        });
        Ok(followed.sender.subscribe())
    }

    /// An earlier version of the environment's set, if it is still kept.
    pub fn earlier(&self, environment: &str, version: i64) -> Option<Arc<Published>> {
        self.followed()
            .get(&environment.to_lowercase())?
            .history
            .iter()
            .find(|p| p.set.version == version)
            .cloned()
    }

    /// Changes whenever a node token is revoked by this process.
    pub fn revocations(&self) -> watch::Receiver<u64> {
        self.revocations.subscribe()
    }

    /// Called when a write commits (in this process, or on PostgreSQL in any replica): what is live may have
    /// changed, so the counters are read now rather than at the next look.
    pub(crate) fn nudge(&self) {
        self.nudged.notify_one();
    }

    pub(crate) fn token_revoked(&self) {
        self.revocations.send_modify(|n| *n += 1);
    }

    fn start(&self, cp: &ControlPlane) {
        self.started.get_or_init(|| {
            if cp.backend() == crate::db::Backend::Postgres {
                tokio::spawn(listen(cp.clone()));
            }
            let cp = cp.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(CHECK_INTERVAL);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let feed = cp.live_feed();
                loop {
                    // A nudge comes after its commit, so one look finds the change.
                    tokio::select! {
                        _ = tick.tick() => {}
                        _ = feed.nudged.notified() => {}
                    }
                    if let Err(e) = feed.check(&cp).await {
                        tracing::warn!("cannot read what is live: {e}");
                    }
                }
            });
        });
    }

    /// Reads the change counters and publishes a new set for every followed environment whose counter moved;
    /// answers whether one did.
    async fn check(&self, cp: &ControlPlane) -> Result<bool> {
        let mut published = false;
        let counters: Vec<(String, i64)> = sqlx::query_as("SELECT name, live_version FROM environments")
            .fetch_all(cp.pool())
            .await?;
        for (name, version) in counters {
            let key = name.to_lowercase();
            let moved = match self.followed().get(&key) {
                Some(f) => f.sender.borrow().set.version != version,
                None => false,
            };
            if !moved {
                continue;
            }
            // One environment that cannot be read does not hold up the others.
            let next = match read(cp, &name).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(environment = %name, "cannot read what is live: {e}");
                    continue;
                }
            };
            let mut all = self.followed();
            if let Some(f) = all.get_mut(&key) {
                f.history.push_back(Arc::clone(&next));
                while f.history.len() > HISTORY {
                    f.history.pop_front();
                }
                f.sender.send_replace(next);
                published = true;
            }
        }
        Ok(published)
    }
}

/// On PostgreSQL, wakes the feed when any replica commits a change to what is live (the deployments trigger
/// notifies `portico_live`) or revokes a node token (`portico_revoked`). Only a wake-up: notifications sent
/// while the connection was down are lost, so a lost connection wakes the feed too, and the change counters
/// (read every `CHECK_INTERVAL` regardless) stay the truth.
async fn listen(cp: ControlPlane) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(cp.url()).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("cannot listen for other replicas' changes: {e}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = listener.listen_all(["portico_live", "portico_revoked"]).await {
            tracing::warn!("cannot listen for other replicas' changes: {e}");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        let feed = cp.live_feed();
        feed.nudge();
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) if n.channel() == "portico_revoked" => feed.token_revoked(),
                Ok(Some(_)) => feed.nudge(),
                // The connection dropped (and reconnects on the next call): what it missed is unknown.
                Ok(None) => {
                    feed.nudge();
                    feed.token_revoked();
                }
                Err(e) => {
                    tracing::warn!("lost the listen connection: {e}");
                    break;
                }
            }
        }
    }
}

async fn read(cp: &ControlPlane, environment: &str) -> Result<Arc<Published>> {
    let set = Arc::new(crate::gateway::live_set(cp, environment).await?);
    let hash = set.hash();
    Ok(Arc::new(Published {
        set,
        hash,
        full_line: Default::default(),
    }))
}
