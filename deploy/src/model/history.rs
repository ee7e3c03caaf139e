//! Deploy history records, and what a rollback (or its preview, or a diff) answers.

use serde::{Deserialize, Serialize};

use super::{FieldChange, ProxySpec, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Deploy,
    Undeploy,
    Rollback,
    Import,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deploy => "DEPLOY",
            Action::Undeploy => "UNDEPLOY",
            Action::Rollback => "ROLLBACK",
            Action::Import => "IMPORT",
        }
    }

    #[cfg(feature = "storage")]
    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "UNDEPLOY" => Action::Undeploy,
            "ROLLBACK" => Action::Rollback,
            "IMPORT" => Action::Import,
            _ => Action::Deploy,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    /// Stable opaque id of the record (32 lower-case hex); the batch publish API calls it `publish_id`.
    pub id: String,
    pub revision: i64,
    pub action: Action,
    /// The environment deployed to or taken offline from; none for a record that made nothing live (a rollback
    /// without an environment, an import).
    pub environment_name: Option<String>,
    pub username: String,
    pub at: String,
    pub description: String,
    pub persistent: bool,
    /// Present when one record is asked for; lists leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RollbackOutcome {
    /// The revision whose configuration was restored.
    pub revision: i64,
    /// The revision of the ROLLBACK record this wrote.
    pub rollback_revision: i64,
    /// The environment asked for, if any.
    pub environment_name: Option<String>,
    /// The revision of the DEPLOY record, when the deploy went through.
    pub deploy_revision: Option<i64>,
    /// Why the deploy did not go through; the rollback stands anyway.
    pub deploy_error: Option<String>,
}

impl RollbackOutcome {
    /// The sentence both doors answer with, as the APIOps document words it.
    pub fn message(&self) -> String {
        match (&self.environment_name, &self.deploy_error) {
            (_, Some(why)) => format!("API Proxy rolled back successfully but deployment failed: {why}"),
            (Some(env), None) => format!(
                "API Proxy rolled back successfully to deploy history revision ({}). Deployed to environment: {env}",
                self.revision
            ),
            (None, None) => format!(
                "API Proxy rolled back successfully to deploy history revision ({}).",
                self.revision
            ),
        }
    }
}

/// What a rollback would do, answered without changing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RollbackPreview {
    pub revision: i64,
    /// From the current configuration to the restored one.
    pub changes: Vec<FieldChange>,
    /// The configuration the rollback would restore.
    pub configuration: ProxySpec,
    pub deploy: Option<PlannedDeploy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlannedDeploy {
    pub environment_name: String,
    pub would_deploy: bool,
    pub message: String,
}

/// The differences between a revision's configuration and the current one (or another revision's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConfigDiff {
    pub revision: i64,
    /// The revision compared against; absent when compared against the current configuration.
    pub against: Option<i64>,
    /// From `against` (or the current configuration) to `revision`.
    pub changes: Vec<FieldChange>,
}
