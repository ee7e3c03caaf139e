//! Environments and how a project sees them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvironmentType {
    Production,
    Sandbox,
    Test,
}

impl EnvironmentType {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentType::Production => "PRODUCTION",
            EnvironmentType::Sandbox => "SANDBOX",
            EnvironmentType::Test => "TEST",
        }
    }

    #[cfg(feature = "storage")]
    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "PRODUCTION" => EnvironmentType::Production,
            "SANDBOX" => EnvironmentType::Sandbox,
            _ => EnvironmentType::Test,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    /// Stable opaque id (32 lower-case hex).
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub env_type: EnvironmentType,
    pub description: String,
    /// Where the environment's gateway is reached; none until one is set.
    pub access_url: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewEnvironment {
    pub name: String,
    #[serde(rename = "type")]
    pub env_type: EnvironmentType,
    pub description: String,
    /// Left out, null or blank: none.
    #[serde(default)]
    pub access_url: Option<String>,
}

/// An environment as a project sees it: whether anything of the project is live there, and whether what is
/// live lags behind the current configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectEnvironment {
    #[serde(flatten)]
    pub environment: Environment,
    pub deployed: bool,
    pub redeploy_required: bool,
}

/// What is live in one environment, project by project (only the projects the reader may see).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentLive {
    pub environment: Environment,
    pub projects: Vec<ProjectLive>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectLive {
    pub project: String,
    /// The project's stable id, as the batch publish API names it.
    pub project_id: String,
    pub live: Vec<super::LiveProxy>,
}

/// What one gateway node said it serves in an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    pub node_id: String,
    pub version: i64,
    /// What the node routes to (only the projects the reader may see).
    pub routes: Vec<ServedRoute>,
    pub reported_at: String,
}

/// One API proxy a gateway serves. Proxies are named per project, so the project is part of the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServedRoute {
    pub project: String,
    pub proxy: String,
    pub revision: i64,
}
