//! The console's landing page: how each environment stands, what changed lately and what fails now, across
//! the projects the user may see.

use serde::{Deserialize, Serialize};

use super::Action;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub environments: Vec<EnvironmentOverview>,
    /// The latest deploy history records of the user's projects, newest first.
    pub recent: Vec<RecentDeploy>,
    /// Live API proxies answering with errors, or with no backend left to answer, now.
    pub failing: Vec<FailingProxy>,
    /// For an installation where nothing of the user's is live yet: what to do first.
    pub first_steps: Option<FirstSteps>,
}

/// One environment the user's projects use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentOverview {
    pub name: String,
    pub production: bool,
    pub access_url: Option<String>,
    /// API proxies of the user's projects live here.
    pub live: u32,
    /// Of those, the ones whose configuration has changed since they were deployed.
    pub drifted: u32,
    pub nodes: NodeCounts,
}

/// An environment's gateway nodes by state (nodes silent for a day are forgotten and not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeCounts {
    pub in_sync: u32,
    pub behind: u32,
    /// Stale or offline: not heard from lately.
    pub unreachable: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentDeploy {
    pub project: String,
    pub proxy: String,
    pub revision: i64,
    pub action: Action,
    pub environment: Option<String>,
    pub username: String,
    pub at: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailingProxy {
    pub project: String,
    pub proxy: String,
    pub environment: String,
    pub why: Failure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Failure {
    /// A share of 5xx answers at or above the threshold over the last few minutes.
    ServerErrors {
        percent: f64,
        requests: u64,
        minutes: i64,
    },
    /// Every backend is unreachable from some node.
    NoReachableBackend,
}

/// The steps from an empty installation to a first answer through a gateway; each says whether it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstSteps {
    /// The project to work in, when there is one.
    pub project: Option<String>,
    /// An API proxy of it, when there is one.
    pub proxy: Option<String>,
    /// The environment to deploy to, when the project has one.
    pub environment: Option<String>,
    /// A command that calls the API through the environment's gateway once it is deployed.
    pub curl: Option<String>,
}
