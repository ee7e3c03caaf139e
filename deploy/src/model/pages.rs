//! What each console page shows, read at once: one authorization and one snapshot, so a page never mixes
//! states from before and after a change, and the caller's rights come from the same read.

use serde::{Deserialize, Serialize};

use super::{ApiProxy, ApiProxyGroup, HistoryRecord, Project, ProjectEnvironment, ProxySummary, Rights};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPage {
    pub project: Project,
    pub proxies: Vec<ProxySummary>,
    pub groups: Vec<ApiProxyGroup>,
    pub environments: Vec<ProjectEnvironment>,
    pub rights: Rights,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyPage {
    pub proxy: ApiProxy,
    /// The project's environments, for the deploy list.
    pub environments: Vec<String>,
    /// Those of them of the PRODUCTION type: a deploy there asks first, naming what changes.
    pub production: Vec<String>,
    pub rights: Rights,
    /// How many records without "keep" the project keeps per API proxy.
    pub history_limit: i64,
    /// The revision the next record without "keep" pushes out of the history, when the history is full.
    pub next_record_pushes_out: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub page: ProxyPage,
    /// Newest first.
    pub records: Vec<HistoryRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPage {
    pub group: ApiProxyGroup,
    /// Every proxy of the project (for adding members), with where it is live.
    pub proxies: Vec<ProxySummary>,
    pub environments: Vec<String>,
    /// Those of them of the PRODUCTION type: a group deploy there asks first.
    pub production: Vec<String>,
    pub rights: Rights,
}
