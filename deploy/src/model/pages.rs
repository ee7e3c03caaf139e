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
    /// The records drawn over time, per environment.
    pub timeline: Timeline,
}

/// A proxy's deploy history over time, laid out for drawing: positions are thousandths of the period from
/// the oldest kept record to now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub from: String,
    pub to: String,
    pub lanes: Vec<TimelineLane>,
    /// Records of no environment: rollbacks (of the configuration; the deploy one makes is its own record)
    /// and imports.
    pub changes: Vec<TimelineEvent>,
}

/// One environment's line: when a revision was live there, and each record that named it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineLane {
    pub environment: String,
    pub live: Vec<LiveSpan>,
    pub events: Vec<TimelineEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSpan {
    pub from: u32,
    pub to: u32,
    pub revision: i64,
    /// Still live now.
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub x: u32,
    pub action: super::Action,
    pub revision: i64,
    pub at: String,
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
