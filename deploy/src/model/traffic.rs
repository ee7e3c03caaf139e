//! Traffic and backend health as the gateways count them: what a node reports with its status, and what
//! the console draws per API proxy and environment.

use serde::{Deserialize, Serialize};

/// Upper bounds of the latency buckets, in milliseconds; one more bucket counts everything slower. Fixed,
/// so what several nodes report for the same minute adds up bucket by bucket.
pub const LATENCY_BOUNDS_MS: [u32; 24] = [
    1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000,
    30000,
];
/// Buckets per latency histogram: one per bound and one beyond the last.
pub const LATENCY_BUCKETS: usize = LATENCY_BOUNDS_MS.len() + 1;

/// One API proxy's requests in one minute, as one node counted them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MinuteCounts {
    /// Minutes since the Unix epoch.
    pub minute: i64,
    pub requests: u64,
    /// Answers with a 4xx status.
    pub client_errors: u64,
    /// Answers with a 5xx status.
    pub server_errors: u64,
    /// Requests per latency bucket ([`LATENCY_BOUNDS_MS`]).
    pub latency: Vec<u64>,
}

/// How a gateway sees one backend of an API proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BackendState {
    /// Taking requests.
    Up,
    /// Left out of rotation for a few seconds after a failed connection or a timeout.
    SittingOut,
    /// Failed again and again with no answer in between.
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendReport {
    pub address: String,
    pub state: BackendState,
}

/// One API proxy as one node reports it: its recent minutes and its backends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyTrafficReport {
    pub project: String,
    pub proxy: String,
    #[serde(default)]
    pub minutes: Vec<MinuteCounts>,
    #[serde(default)]
    pub backends: Vec<BackendReport>,
}

/// What a node counted: every API proxy it serves or served in the last minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficReport {
    pub proxies: Vec<ProxyTrafficReport>,
}

/// One minute of an API proxy in one environment, every node added up, ready to draw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPoint {
    pub minute: i64,
    pub requests: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    /// Shares of the minute's requests answered 4xx and 5xx, in percent; none without requests.
    pub client_error_percent: Option<f64>,
    pub server_error_percent: Option<f64>,
    /// Latency percentiles in milliseconds (a bucket's upper bound), none in a minute without requests.
    pub p50_ms: Option<u32>,
    pub p95_ms: Option<u32>,
}

/// The hour at a glance: what the charts' captions say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficSummary {
    pub requests: u64,
    /// The busiest minute's requests.
    pub peak_per_minute: u64,
    pub client_error_percent: Option<f64>,
    pub server_error_percent: Option<f64>,
    pub p50_ms: Option<u32>,
    pub p95_ms: Option<u32>,
}

/// A backend as the environment's nodes see it: its worst state, and on how many nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendHealth {
    pub address: String,
    pub state: BackendState,
    /// Nodes reporting that state, of those reporting the backend.
    pub nodes_in_state: u32,
    pub nodes: u32,
}

/// An API proxy's last hour in one environment: a point per minute, oldest first, and its backends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentTraffic {
    pub environment: String,
    pub points: Vec<TrafficPoint>,
    pub summary: TrafficSummary,
    pub backends: Vec<BackendHealth>,
}
