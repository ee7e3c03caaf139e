//! What is live in an environment, as the control plane sends it to gateway nodes: the whole set, or what
//! changed since a version the node has. Both sides compute the same content hash, so a node acknowledges
//! exactly what it applied and the control plane can tell a node that is in sync from one that is not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Snapshot;

/// One API proxy as it is live in an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRoute {
    pub project: String,
    pub proxy: String,
    pub revision: i64,
    pub snapshot: Snapshot,
}

impl LiveRoute {
    fn key(&self) -> RouteKey {
        RouteKey {
            project: self.project.clone(),
            proxy: self.proxy.clone(),
        }
    }
}

/// Proxies are named per project, so a live route is known by both names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteKey {
    pub project: String,
    pub proxy: String,
}

/// Everything live in an environment, as of `version` (the environment's change counter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveSet {
    pub environment: String,
    pub version: i64,
    /// Sorted by project, then proxy.
    pub routes: Vec<LiveRoute>,
}

/// What changed between two versions of an environment's live set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveDelta {
    /// The version this applies to.
    pub from: i64,
    pub version: i64,
    /// Proxies that went live or changed, whole.
    pub upserts: Vec<LiveRoute>,
    /// Proxies no longer live.
    pub removals: Vec<RouteKey>,
    /// The hash of the set once applied, so a node can tell it holds exactly what the control plane has.
    pub hash: String,
}

/// Why a delta cannot be applied; the node then asks for the whole set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaMismatch {
    /// The delta starts from another version than the node has.
    Version { have: i64, from: i64 },
    /// After applying, the node's set hashes differently from the control plane's.
    Hash,
}

impl LiveSet {
    pub fn empty(environment: &str) -> LiveSet {
        LiveSet {
            environment: environment.to_owned(),
            version: 0,
            routes: Vec::new(),
        }
    }

    /// What serving this set means route by route, as gateways report it.
    pub fn served(&self) -> Vec<super::ServedRoute> {
        self.routes
            .iter()
            .map(|r| super::ServedRoute {
                project: r.project.clone(),
                proxy: r.proxy.clone(),
                revision: r.revision,
            })
            .collect()
    }

    /// A hex SHA-256 over the routes in order (each route's JSON and a newline). The version is left out:
    /// two versions with the same routes serve the same thing.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for route in &self.routes {
            // Serializing plain structs (no maps, no floats) cannot fail and is the same on both sides.
            if let Ok(json) = serde_json::to_vec(route) {
                hasher.update(&json);
            }
            hasher.update(b"\n");
        }
        hex(&hasher.finalize())
    }

    /// What a node at `self` needs to reach `next`.
    pub fn delta_to(&self, next: &LiveSet) -> LiveDelta {
        let old: BTreeMap<RouteKey, &LiveRoute> = self.routes.iter().map(|r| (r.key(), r)).collect();
        let new: BTreeMap<RouteKey, &LiveRoute> = next.routes.iter().map(|r| (r.key(), r)).collect();
        let upserts = next
            .routes
            .iter()
            .filter(|r| old.get(&r.key()) != Some(r))
            .cloned()
            .collect();
        let removals = old.keys().filter(|k| !new.contains_key(k)).cloned().collect();
        LiveDelta {
            from: self.version,
            version: next.version,
            upserts,
            removals,
            hash: next.hash(),
        }
    }

    /// The set after `delta`, checked against the delta's hash; `self` is left as it was on a mismatch.
    pub fn apply(&self, delta: &LiveDelta) -> Result<LiveSet, DeltaMismatch> {
        if delta.from != self.version {
            return Err(DeltaMismatch::Version {
                have: self.version,
                from: delta.from,
            });
        }
        let mut routes: BTreeMap<RouteKey, LiveRoute> =
            self.routes.iter().map(|r| (r.key(), r.clone())).collect();
        for key in &delta.removals {
            routes.remove(key);
        }
        for route in &delta.upserts {
            routes.insert(route.key(), route.clone());
        }
        let next = LiveSet {
            environment: self.environment.clone(),
            version: delta.version,
            routes: routes.into_values().collect(),
        };
        if next.hash() != delta.hash {
            return Err(DeltaMismatch::Hash);
        }
        Ok(next)
    }
}

/// One line of the control plane's feed to a gateway node (newline-delimited JSON on a long-lived response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FeedMessage {
    /// The whole live set: on a node's first connection, or when its version is too old for a delta.
    Full { set: LiveSet, hash: String },
    /// What changed since the node's version.
    Delta(LiveDelta),
    /// Sent every interval so a node notices a stream that stopped delivering; carries the live version.
    Heartbeat { version: i64 },
}

impl FeedMessage {
    /// The message as one line of the feed, newline included.
    pub fn line(&self) -> Vec<u8> {
        // Plain data with no maps or floats: serializing cannot fail.
        let mut json = serde_json::to_vec(self).unwrap_or_default();
        json.push(b'\n');
        json
    }
}

/// What a node tells the control plane it serves (after each change, and as its own heartbeat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeAck {
    pub node_id: String,
    /// The live version the node serves and its content hash; none before the node has applied anything.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub hash: Option<String>,
    /// The host name the node runs on, as it says.
    #[serde(default)]
    pub host: String,
    /// The node's Portico version.
    #[serde(default)]
    pub portico_version: String,
    /// What the node counted since its last report (recent minutes) and how it sees each backend.
    #[serde(default)]
    pub traffic: Option<super::TrafficReport>,
}

/// How a gateway node stands against what is live in its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodeState {
    /// Connected, and serving exactly what is live.
    InSync,
    /// Connected, and serving something older.
    Behind,
    /// Its stream is open but the node has not been heard from for a while.
    Stale,
    /// Not connected.
    Offline,
}

impl NodeState {
    pub fn label(self) -> &'static str {
        match self {
            NodeState::InSync => "in sync",
            NodeState::Behind => "behind",
            NodeState::Stale => "stale",
            NodeState::Offline => "offline",
        }
    }
}

/// One gateway node of an environment, as the node registry knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GatewayNode {
    pub node_id: String,
    /// The host name the node gave.
    pub host: String,
    pub portico_version: String,
    /// The live version the node last said it serves and its hash; none before it has applied anything.
    pub applied_version: Option<i64>,
    pub applied_hash: Option<String>,
    pub connected_since: Option<String>,
    pub last_seen: String,
    pub state: NodeState,
}

/// An environment's gateway nodes against what is live there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentNodes {
    pub environment: String,
    pub live_version: i64,
    pub live_hash: String,
    /// Whether every node that is not offline serves what is live (true with no nodes at all).
    pub in_sync: bool,
    pub nodes: Vec<GatewayNode>,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(project: &str, proxy: &str, revision: i64) -> LiveRoute {
        let snapshot = Snapshot {
            name: proxy.to_owned(),
            proxy: super::super::ProxySpec {
                relative_path: format!("/{proxy}"),
                ..Default::default()
            },
            group: None,
        };
        LiveRoute {
            project: project.into(),
            proxy: proxy.into(),
            revision,
            snapshot,
        }
    }

    fn set(version: i64, routes: Vec<LiveRoute>) -> LiveSet {
        LiveSet {
            environment: "test".into(),
            version,
            routes,
        }
    }

    #[test]
    fn a_delta_carries_only_what_changed_and_lands_on_the_same_hash() {
        let old = set(
            1,
            vec![route("a", "one", 1), route("a", "two", 1), route("b", "one", 1)],
        );
        let new = set(
            4,
            vec![route("a", "one", 1), route("a", "two", 2), route("c", "new", 1)],
        );
        let delta = old.delta_to(&new);
        assert_eq!(delta.upserts.len(), 2);
        assert_eq!(
            delta.removals,
            vec![RouteKey {
                project: "b".into(),
                proxy: "one".into()
            }]
        );
        let applied = old.apply(&delta).unwrap();
        assert_eq!(applied, new);
        assert_eq!(applied.hash(), new.hash());
    }

    #[test]
    fn a_delta_from_another_version_or_onto_other_content_is_refused() {
        let old = set(1, vec![route("a", "one", 1)]);
        let new = set(2, vec![route("a", "one", 2)]);
        let delta = old.delta_to(&new);
        assert!(matches!(
            set(0, vec![]).apply(&delta),
            Err(DeltaMismatch::Version { .. })
        ));
        let drifted = set(1, vec![route("a", "one", 1), route("z", "extra", 1)]);
        assert_eq!(drifted.apply(&delta), Err(DeltaMismatch::Hash));
    }

    #[test]
    fn names_differing_in_case_keep_one_order_through_a_delta() {
        // SQL compares names without case; a set sorted byte-wise must come out of a delta the same.
        let old = set(1, vec![route("Beta", "x", 1), route("alpha", "x", 1)]);
        let mut sorted = old.clone();
        sorted
            .routes
            .sort_by(|a, b| (&a.project, &a.proxy).cmp(&(&b.project, &b.proxy)));
        let mut new = sorted.clone();
        new.version = 2;
        new.routes[0].revision = 2;
        let delta = sorted.delta_to(&new);
        assert_eq!(sorted.apply(&delta).unwrap(), new);
    }

    #[test]
    fn feed_messages_round_trip_as_one_json_line() {
        let m = FeedMessage::Heartbeat { version: 7 };
        let line = serde_json::to_string(&m).unwrap();
        assert_eq!(line, r#"{"type":"heartbeat","version":7}"#);
        assert_eq!(serde_json::from_str::<FeedMessage>(&line).unwrap(), m);
    }
}
