//! The feed gateway nodes on other machines follow, authenticated by a node token (never a user's).
//!
//! `GET /apiops/node-feed/?nodeId=..&since=V&hash=H` answers a long-lived response of newline-delimited JSON
//! (`deploy::model::FeedMessage`): first what the node lacks (nothing when it is current, what changed since
//! its version when that is still kept, else the whole set), then every change as what changed, and a
//! heartbeat every second so the node notices a stream that stopped delivering. The node answers with
//! `POST /apiops/node-feed/acks/` after every change and every few seconds.
//!
//! Each stream is its own task reading the environment's `watch` receiver: a node that stops reading blocks
//! only its own task, and changes meanwhile fold into one delta when it reads again.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use deploy::live_feed::Published;
use deploy::model::{FeedMessage, NodeAck};
use deploy::node_tokens::NodeIdentity;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use super::reply::{done, Done};
use super::ApiState;

/// How often a stream says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How often an open stream checks its token again (another process may have revoked it; revocations in
/// this process close streams at once).
const RECHECK_TOKEN: Duration = Duration::from_secs(5);
/// A node that takes nothing for this long is cut off (it reconnects, if it is alive, from its version).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Open streams one node token may hold (a node holds one; a new one from the same node replaces it).
const STREAMS_PER_TOKEN: usize = 16;

/// The open streams, by environment and node id, so a node that reconnects replaces its old stream and a
/// token cannot open streams without bound.
#[derive(Default)]
pub struct Streams {
    open: std::sync::Mutex<std::collections::HashMap<(String, String), Claim>>,
}

struct Claim {
    token_id: i64,
    generation: u64,
    /// Dropping it (a newer claim replaced this one) ends the old stream.
    _close: tokio::sync::oneshot::Sender<()>,
}

impl Streams {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, String), Claim>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the node's slot; answers the claim's generation and what tells the stream it was replaced.
    fn claim(
        &self,
        identity: &NodeIdentity,
        node_id: &str,
    ) -> ApiResult<(u64, tokio::sync::oneshot::Receiver<()>)> {
        let key = (identity.environment.to_lowercase(), node_id.to_owned());
        let mut open = self.lock();
        let held = open
            .iter()
            .filter(|(k, c)| c.token_id == identity.token_id && **k != key)
            .count();
        if held >= STREAMS_PER_TOKEN {
            return Err(ApiError::TooMany(format!(
                "This node token already holds {STREAMS_PER_TOKEN} streams."
            )));
        }
        static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let generation = GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (close, closed) = tokio::sync::oneshot::channel();
        open.insert(
            key,
            Claim {
                token_id: identity.token_id,
                generation,
                _close: close,
            },
        );
        Ok((generation, closed))
    }

    /// Gives the slot back, unless a newer stream of the same node holds it now.
    fn release(&self, environment: &str, node_id: &str, generation: u64) {
        let key = (environment.to_lowercase(), node_id.to_owned());
        let mut open = self.lock();
        if open.get(&key).is_some_and(|c| c.generation == generation) {
            open.remove(&key);
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedQuery {
    node_id: String,
    /// The version the node serves (from its cache or an earlier stream), and that set's hash.
    since: Option<i64>,
    hash: Option<String>,
    #[serde(default)]
    host: String,
    #[serde(default)]
    portico_version: String,
}

/// The node, by `Authorization: Bearer ptn_...`.
async fn node(s: &ApiState, headers: &HeaderMap) -> ApiResult<NodeIdentity> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    Ok(deploy::node_tokens::authenticate_node(&s.cp, token).await?)
}

pub async fn feed(
    State(s): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> ApiResult<Response> {
    let identity = node(&s, &headers).await?;
    deploy::nodes::check_node_id(&q.node_id)?;
    let environment = identity.environment.clone();
    let mut live = s.cp.live_feed().follow(&s.cp, &environment).await?;
    let current = Arc::clone(&live.borrow_and_update());
    let hello = NodeAck {
        node_id: q.node_id.clone(),
        // A node that has applied nothing yet asks without them; a hash means nothing without its version.
        version: q.since.filter(|v| *v >= 0),
        hash: q
            .since
            .filter(|v| *v >= 0)
            .and(q.hash.clone())
            .filter(|h| !h.is_empty()),
        host: q.host.clone(),
        portico_version: q.portico_version.clone(),
        traffic: None,
    };
    let (generation, mut replaced) = s.streams.claim(&identity, &q.node_id)?;
    let stamp = match deploy::nodes::node_connected(&s.cp, &environment, &hello).await {
        Ok(stamp) => stamp,
        Err(e) => {
            s.streams.release(&environment, &q.node_id, generation);
            return Err(e.into());
        }
    };
    let first = first_line(&s, &environment, &q, &current);
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let (cp, streams) = (s.cp.clone(), Arc::clone(&s.streams));
    tokio::spawn(async move {
        let mut sent = Arc::clone(&current.set);
        let mut revocations = cp.live_feed().revocations();
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        let mut recheck = tokio::time::interval(RECHECK_TOKEN);
        recheck.reset();
        let mut pending = first;
        loop {
            // A line is kept until the node takes it; meanwhile the stream still ends when its token is
            // revoked, its node connects again, or the node takes nothing for too long.
            if let Some(line) = pending.clone() {
                tokio::select! {
                    r = tx.send(line) => {
                        if r.is_err() { break }
                        pending = None;
                    }
                    _ = revocations.changed() => if !still_valid(&cp, &identity).await { break },
                    _ = recheck.tick() => if !still_valid(&cp, &identity).await { break },
                    _ = &mut replaced => break,
                    _ = tokio::time::sleep(SEND_TIMEOUT) => break,
                }
                continue;
            }
            tokio::select! {
                changed = live.changed() => {
                    if changed.is_err() { break }
                    let next = Arc::clone(&live.borrow_and_update());
                    pending = Some(line(&FeedMessage::Delta(sent.delta_to(&next.set))));
                    sent = Arc::clone(&next.set);
                }
                _ = heartbeat.tick() => {
                    let version = sent.version;
                    // A node too slow to take a heartbeat is sent none: the channel holds what it has not read.
                    if tx.try_send(line(&FeedMessage::Heartbeat { version })).is_err() && tx.is_closed() {
                        break;
                    }
                }
                _ = revocations.changed() => if !still_valid(&cp, &identity).await { break },
                _ = recheck.tick() => if !still_valid(&cp, &identity).await { break },
                _ = &mut replaced => break,
                _ = tx.closed() => break,
            }
        }
        streams.release(&environment, &hello.node_id, generation);
        if let Err(e) = deploy::nodes::node_disconnected(&cp, &environment, &hello.node_id, &stamp).await {
            tracing::warn!(%environment, "cannot record a node's disconnection: {e}");
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    }));
    Ok((
        [
            (CONTENT_TYPE, "application/x-ndjson"),
            (CACHE_CONTROL, "no-store"),
            // Reverse proxies in front of the control plane must pass lines on as they come.
            (axum::http::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response())
}

/// What a node lacks on connecting: nothing when it is current, a delta from its version when that is still
/// kept and the hashes agree, else the whole set (serialized once per version, whoever asks).
fn first_line(s: &ApiState, environment: &str, q: &FeedQuery, current: &Published) -> Option<Bytes> {
    if let (Some(since), Some(hash)) = (q.since, q.hash.as_deref()) {
        if since == current.set.version && hash == current.hash {
            return None;
        }
        if let Some(earlier) = s.cp.live_feed().earlier(environment, since) {
            if earlier.hash == hash {
                return Some(line(&FeedMessage::Delta(earlier.set.delta_to(&current.set))));
            }
        }
    }
    Some(Bytes::from_owner(current.full_line()))
}

fn line(message: &FeedMessage) -> Bytes {
    Bytes::from(message.line())
}

async fn still_valid(cp: &deploy::ControlPlane, identity: &NodeIdentity) -> bool {
    match deploy::node_tokens::node_token_active(cp, identity.token_id).await {
        Ok(active) => active,
        // A database hiccup does not cut nodes off; the next check decides.
        Err(_) => true,
    }
}

pub async fn ack(
    State(s): State<ApiState>,
    headers: HeaderMap,
    JsonBody(ack): JsonBody<NodeAck>,
) -> ApiResult<Json<Done>> {
    let identity = node(&s, &headers).await?;
    deploy::nodes::node_acknowledged(&s.cp, &identity.environment, &ack).await?;
    Ok(done())
}
